"""Finding a person to accredit: the hub's search picker on the accreditation form."""

from django.contrib.auth import get_user_model
from django.db.models import Q

SEARCH_LIMIT = 10


def by_name_prefixes(people, query):
    """`people` whose first name, last name or e-mail starts with each word typed ("dup mar"
    finds Marie Dupont), or none for an empty query. Prefix matches use the indexes and stay
    quick among thousands of accounts."""
    words = query.split()[:4]
    if not words:
        return people.none()
    for word in words:
        people = people.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__istartswith=word)
        )
    return people


def people_search(query, *, limit=SEARCH_LIMIT):
    """Active accounts matching the words typed (by_name_prefixes), at most `limit`."""
    people = by_name_prefixes(get_user_model().objects.filter(is_active=True), query)
    return people.order_by("last_name", "first_name", "pk")[:limit]

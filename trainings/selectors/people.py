"""Finding a person to accredit: the hub's search picker on the accreditation form."""

from django.contrib.auth import get_user_model
from django.db.models import Q

SEARCH_LIMIT = 10


def people_search(query, *, limit=SEARCH_LIMIT):
    """Active accounts whose first name, last name or e-mail starts with each word typed
    ("dup mar" finds Marie Dupont), at most `limit`. Prefix matches use the indexes and stay
    quick among thousands of accounts; an empty query finds no one."""
    words = query.split()[:4]
    if not words:
        return get_user_model().objects.none()
    people = get_user_model().objects.filter(is_active=True)
    for word in words:
        people = people.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(email__istartswith=word)
        )
    return people.order_by("last_name", "first_name", "pk")[:limit]

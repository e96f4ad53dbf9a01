"""Admin changelists that stay fast on national tables (millions of rows): no exact count of an
unfiltered table, and person searches resolved on the accounts table first (a prefix of the
e-mail or the name, served by small scans of 50,000 rows) instead of a LIKE '%…%' joined
across millions of assessments."""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap; above it an unfiltered changelist shows
# PostgreSQL's estimate (kept by ANALYZE and autovacuum).
EXACT_COUNT_BELOW = 50_000
# A search naming more people than this is too vague to be useful: the first ones are used.
MAX_PEOPLE_PER_SEARCH = 500


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= EXACT_COUNT_BELOW:
                return row[0]
        return super().count


def people_matching(term):
    """Ids of the people whose e-mail, last name or first name starts with `term`."""
    return list(
        get_user_model()
        .objects.filter(
            Q(email__istartswith=term)
            | Q(last_name__istartswith=term)
            | Q(first_name__istartswith=term)
        )
        .values_list("pk", flat=True)[:MAX_PEOPLE_PER_SEARCH]
    )


class LargeTableAdmin:
    """Mixin for the biggest changelists. `person_fields` name the foreign keys (paths) to the
    people a row is about; `exact_search_fields` are matched exactly (a code)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    person_fields = ()
    exact_search_fields = ()
    search_help_text = None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q()
        people = people_matching(term)
        for field in self.person_fields:
            condition |= Q(**{f"{field}__in": people})
        for field in self.exact_search_fields:
            condition |= Q(**{f"{field}__iexact": term})
        return queryset.filter(condition), False

"""Pages without a count, for queues too long to count on every visit."""

import pytest

from core.pagination import uncounted_page
from tests import factories
from trainings.models import Slot

pytestmark = pytest.mark.django_db


def test_pages_know_their_neighbours_without_counting(django_assert_num_queries):
    session = factories.make_session(slots=5)
    slots = Slot.objects.filter(session=session).order_by("pk")
    with django_assert_num_queries(1):
        first = uncounted_page(slots, "1", 2)
        assert len(first) == 2 and first.has_next() and not first.has_previous()
    last = uncounted_page(slots, 3, 2)
    assert len(last) == 1 and not last.has_next() and last.has_previous()
    assert list(uncounted_page(slots, "²", 2)) == list(first)  # unreadable: page 1
    assert len(uncounted_page(slots, 99, 2)) == 0

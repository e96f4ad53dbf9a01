"""Europe/Paris days against UTC datetimes at the day boundaries: "tomorrow" for reminders, the
browse filters' days, the days an accreditation must cover, the grid's days."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from tests import factories
from trainings.selectors import sessions as session_selectors
from trainings.selectors.attendance import attendance_grid
from trainings.services import registrations as registration_services
from trainings.services.session_rules import session_days

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def test_reminders_take_tomorrow_in_paris_not_in_utc(run_on_commit, mailoutbox):
    # 23:30 UTC on 10 March 2031 is already 11 March, 00:30, in Paris.
    now = datetime.datetime(2031, 3, 10, 23, 30, tzinfo=datetime.UTC)
    tomorrow_early = factories.make_session(participants=1, start=paris(2031, 3, 12, 0, 15))
    today = factories.make_session(participants=1, start=paris(2031, 3, 11, 9, 0))
    sent = run_on_commit(registration_services.registrations_send_reminders, now=now)
    assert sent == 1
    assert mailoutbox[0].to == [tomorrow_early.registrations.get().user.email]
    assert not today.registrations.filter(reminder_sent_at__isnull=False).exists()


def test_browse_dates_are_paris_days(db):
    # 00:30 in Paris on 12 March is 23:30 UTC on 11 March.
    session = factories.make_session(slots=1, start=paris(2031, 3, 12, 0, 30))
    now = paris(2031, 3, 1, 9, 0)
    day = datetime.date(2031, 3, 12)
    found = session_selectors.sessions_browse(date_from=day, date_to=day, now=now)
    assert list(found) == [session]
    before = session_selectors.sessions_browse(date_to=day - datetime.timedelta(days=1), now=now)
    assert session not in before


def test_accreditation_days_and_grid_days_are_paris_days(db):
    session = factories.make_session(slots=1, start=paris(2031, 3, 12, 0, 30))
    slots = list(session.slots.all())
    assert session_days(slots) == [datetime.date(2031, 3, 12)]
    assert [day for day, _slots in attendance_grid(session)["days"]] == [datetime.date(2031, 3, 12)]
    assert timezone.localdate(slots[0].starts_at) == datetime.date(2031, 3, 12)

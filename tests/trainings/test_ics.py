import datetime

from django.utils import timezone

from tests import factories
from trainings import ics


def test_escape_text_escapes_rfc5545_specials():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert ics.escape_text("ligne\r\nsuivante") == "ligne\\nsuivante"


def test_fold_keeps_lines_under_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "é" * 100  # 2 octets each
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    # Unfolding (remove CRLF + one space) gives back the line.
    assert folded.replace("\r\n ", "") == line
    assert ics.fold("SHORT:ok") == "SHORT:ok"


def test_session_calendar_has_one_event_per_slot_in_utc(db):
    start = timezone.make_aware(datetime.datetime(2031, 3, 10, 9, 0))  # 08:00 UTC in winter
    session = factories.make_session(slots=2, start=start)
    session.title = "Atelier ; démarches, en ligne"
    session.save()
    participant = factories.UserFactory(first_name="Léa", last_name="Petit")
    text = ics.session_calendar(session, attendee=participant, url="https://socle.test/s/1/")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "METHOD:REQUEST" in lines
    assert lines.count("BEGIN:VEVENT") == 2
    slots = list(session.slots.order_by("starts_at"))
    assert f"UID:session-{session.pk}-creneau-{slots[0].pk}@socle.formations" in lines
    assert "DTSTART:20310310T080000Z" in lines
    assert "DTEND:20310310T113000Z" in lines
    assert "DTSTART:20310310T123000Z" in lines
    assert "SUMMARY:Atelier \\; démarches\\, en ligne (1/2)" in lines
    assert "URL:https://socle.test/s/1/" in lines
    assert any(line.startswith("ATTENDEE;CN=Léa Petit;") for line in lines)
    assert any(line.startswith("LOCATION:") for line in lines)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_cancel_calendar_reuses_uids_with_a_higher_sequence(db):
    session = factories.make_session(slots=1)
    request = ics.session_calendar(session).replace("\r\n ", "")
    cancel = ics.session_calendar(
        session, method=ics.CANCEL, now=timezone.now() + datetime.timedelta(seconds=5)
    ).replace("\r\n ", "")

    def field(text, name):
        return next(line for line in text.split("\r\n") if line.startswith(name + ":"))

    assert field(request, "UID") == field(cancel, "UID")
    assert "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel
    assert int(field(cancel, "SEQUENCE")[9:]) > int(field(request, "SEQUENCE")[9:])

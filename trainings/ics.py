"""iCalendar (RFC 5545) files for sessions: one VEVENT per slot, written by hand.

METHOD:REQUEST invites (registration, promotion, reminder); METHOD:CANCEL withdraws the same
events (same UID, higher SEQUENCE, STATUS:CANCELLED). Times are written in UTC. Text values are
escaped (backslash, semicolon, comma, newline) and lines are folded at 75 octets without
splitting a UTF-8 character.
"""

import datetime
import re
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Socle//Formations entre pairs//FR"
UID_DOMAIN = "socle.formations"
MAX_OCTETS = 75


# Control characters other than line breaks are not allowed in content lines (RFC 5545 §3.1), nor
# are bidirectional overrides wanted in a name shown by a calendar.
_UNSAFE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def escape_text(value):
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    value = _UNSAFE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line):
    """Fold a content line into chunks of at most 75 octets, continuation lines starting with
    one space (RFC 5545 §3.1), never inside a multi-byte character."""
    chunks = []
    current = ""
    limit = MAX_OCTETS
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            chunks.append(current)
            current = char
            limit = MAX_OCTETS - 1  # the leading space of a continuation line counts
        else:
            current += char
    chunks.append(current)
    return "\r\n ".join(chunks)


def format_utc(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def slot_uid(session, slot):
    """Stable per session and slot, so a cancellation replaces the invitation it answers."""
    return f"session-{session.pk}-creneau-{slot.pk}@{UID_DOMAIN}"


def _location(session):
    parts = []
    if session.structure_id:
        structure = session.structure
        parts.append(structure.name)
        if structure.address:
            parts.append(structure.address)
        parts.append(f"{structure.postal_code} {structure.commune.name}")
    if session.address:
        parts.append(session.address)
    return ", ".join(parts)


def session_calendar(
    session, *, method=REQUEST, attendee=None, url="", now=None, show_video_url=True
):
    """The .ics text for a session (with `slots` and `structure` loaded). `attendee` is the
    participant's User, named in the events; `url` is the session page. The video link is
    only for registered people (`show_video_url=False` for the waiting list)."""
    now = now or timezone.now()
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # SEQUENCE must grow with each revision; the edit time (or now, for a cancellation) does.
    sequence = int((now if method == CANCEL else session.updated_at or now).timestamp())
    video_url = session.video_url if show_video_url else ""
    description = session.description
    if video_url:
        description = f"{description}\n\n{video_url}".strip()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    slots = sorted(session.slots.all(), key=lambda slot: slot.starts_at)
    count = len(slots)
    for index, slot in enumerate(slots, start=1):
        summary = session.title if count == 1 else f"{session.title} ({index}/{count})"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{slot_uid(session, slot)}",
            f"DTSTAMP:{format_utc(now)}",
            f"DTSTART:{format_utc(slot.starts_at)}",
            f"DTEND:{format_utc(slot.ends_at)}",
            f"SEQUENCE:{sequence}",
            f"SUMMARY:{escape_text(summary)}",
            f"STATUS:{'CANCELLED' if method == CANCEL else 'CONFIRMED'}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{escape_text(description)}")
        location = _location(session) or video_url
        if location:
            lines.append(f"LOCATION:{escape_text(location)}")
        if url:
            lines.append(f"URL:{url}")
        if organizer_email:
            name = escape_param(organizer_name or organizer_email)
            lines.append(f"ORGANIZER;CN={name}:mailto:{organizer_email}")
        if attendee is not None:
            name = escape_param(str(attendee))
            lines.append(
                f"ATTENDEE;CN={name};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{attendee.email}"
            )
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def escape_param(value):
    """A parameter value: quoted when it holds ':', ';' or ','; double quotes are not allowed."""
    value = _UNSAFE.sub("", str(value).replace('"', "'").replace("\r", " ").replace("\n", " "))
    if any(char in value for char in ":;,"):
        return f'"{value}"'
    return value

"""What the session form posts for its half-days (date, matin/après-midi, times)."""

from django.utils import timezone


def slot_fields(index, start, end, slot_id=None):
    """The POST fields of half-day `index` running from `start` to `end` (aware datetimes on
    the same local day; None leaves the row empty)."""
    fields = {f"slots-{index}-id": slot_id or ""}
    if start is None:
        fields.update({f"slots-{index}-{name}": "" for name in ("day", "start_time", "end_time")})
        fields[f"slots-{index}-half"] = "morning"
        return fields
    start, end = timezone.localtime(start), timezone.localtime(end)
    fields.update(
        {
            f"slots-{index}-day": start.strftime("%Y-%m-%d"),
            f"slots-{index}-half": "morning" if start.hour < 12 else "afternoon",
            f"slots-{index}-start_time": start.strftime("%H:%M"),
            f"slots-{index}-end_time": end.strftime("%H:%M"),
        }
    )
    return fields


def management(total, initial=0):
    return {
        "slots-TOTAL_FORMS": str(total),
        "slots-INITIAL_FORMS": str(initial),
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "60",
    }

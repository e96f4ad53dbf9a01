import datetime

from django.utils import timezone

from core.permissions import is_hub_coordinator

from ..scope import headed_structure_ids
from ..selectors.overview import hub_overview


def home_panel(request):
    """The hub's figures at a glance on the home page; for the head of a place, the way to their
    structures' figures."""
    if is_hub_coordinator(request.user):
        today = timezone.localdate()
        return {
            "template": "reporting/_home_panel.html",
            "context": {
                "overview": hub_overview(),
                "today": today,
                # Sessions to close may be old: their list starts ten years back.
                "since": today - datetime.timedelta(days=3650),
            },
        }
    if headed_structure_ids(request.user):
        return {"template": "reporting/_home_panel.html", "context": {}}
    return None

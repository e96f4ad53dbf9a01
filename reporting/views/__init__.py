from core.permissions import is_hub_coordinator

from ..selectors.overview import hub_overview


def home_panel(request):
    """The hub coordinator's figures at a glance on the home page."""
    if not is_hub_coordinator(request.user):
        return None
    return {"template": "reporting/_home_panel.html", "context": {"overview": hub_overview()}}

"""Main navigation, assembled from entries that each app registers in its AppConfig.ready()."""

from dataclasses import dataclass

from django.urls import reverse

from .permissions import user_roles


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    role: str = "mediator"
    order: int = 100


_entries = []


def register(entry):
    if entry not in _entries:
        _entries.append(entry)


def entries_for(request):
    roles = user_roles(request.user)
    path = request.path
    items = []
    for entry in sorted(_entries, key=lambda e: e.order):
        if entry.role not in roles:
            continue
        url = reverse(entry.url_name)
        items.append({"label": entry.label, "url": url, "current": False, "role": entry.role})
    # The current entry is the one whose URL is the longest prefix of the path.
    matches = [
        item
        for item in items
        if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["current"] = True
    return items

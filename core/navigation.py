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
        current = path == url or (url != "/" and path.startswith(url))
        items.append({"label": entry.label, "url": url, "current": current, "role": entry.role})
    return items

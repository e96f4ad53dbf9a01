"""Home-page panels, registered by each app so core does not depend on them.

A panel is a function(request) returning a dict with `template` and `context`, or None to hide it.
"""

_panels = []


def register_panel(order, func):
    if (order, func) not in _panels:
        _panels.append((order, func))


def panels_for(request):
    result = []
    for _order, func in sorted(_panels, key=lambda item: item[0]):
        panel = func(request)
        if panel:
            result.append(panel)
    return result

"""The site's URLconf plus the floor: a minimal view behind the same middleware stack, against
which every figure of the benchmark is compared."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config import urls as site

FLOOR_PATH = "/banc-essai/plancher/"


@login_not_required
def floor(request):
    """No query of its own, no template: what the stack costs (the middleware still reads the
    session and the user of a signed-in visitor)."""
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>")


urlpatterns = [path(FLOOR_PATH.strip("/") + "/", floor, name="bench_floor"), *site.urlpatterns]
handler404 = site.handler404
handler500 = site.handler500

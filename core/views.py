from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from .dashboard import panels_for


def public(view):
    """Mark a view as reachable without logging in (LoginRequiredMiddleware is on everywhere)."""
    return login_not_required(view)


@login_not_required
def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/welcome.html")
    return render(request, "core/home.html", {"panels": panels_for(request)})


@login_not_required
def page_not_found(request, exception):
    return render(request, "404.html", status=404)


@login_not_required
@requires_csrf_token
def server_error(request):
    # Rendered without the request context: a broken context processor must not break this page.
    from django.http import HttpResponseServerError
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render())

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class FrenchFirstLocaleMiddleware:
    """French unless the person chose another language with the switch (language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; Socle is a French
    service first, so only an explicit choice changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body exceeds SOCLE_MAX_REQUEST_BYTES before anything reads
    it: Django would otherwise write a huge upload to disk (and the CSRF check parse it) before any
    view could refuse it. The reverse proxy should enforce the same cap (README)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.SOCLE_MAX_REQUEST_BYTES:
            from django.template.loader import render_to_string

            limit = settings.SOCLE_MAX_REQUEST_BYTES // (1024 * 1024)
            body = render_to_string("413.html", {"limit_mb": limit}, request=None)
            return HttpResponse(body, status=413)
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Hub coordinators and trainers without two-factor authentication (core.mfa): a banner on
    every page during their grace period, then every request goes to the TOTP activation page
    (htmx requests get an HX-Redirect to it), except the pages activation needs. Placed after
    allauth's AccountMiddleware, so it applies whatever the way in (Socle's login, the admin)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.urls import reverse

        from . import mfa

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match and match.view_name.startswith(mfa.EXEMPT_VIEW_NAME_PREFIX):
            mfa.forget(request)  # turning an authenticator on or off changes the answer
        if mfa.is_exempt(request):
            return None
        grace = mfa.grace_for(request)
        if grace is None:
            return None
        htmx = request.headers.get("HX-Request") == "true"
        if not grace.expired:
            if not htmx:  # a fragment has no messages area: the next full page shows it
                _add_message_once(request, messages.WARNING, mfa.grace_banner(grace.days_left))
            return None
        _add_message_once(request, messages.WARNING, mfa.required_message())
        activate = reverse("mfa_activate_totp")
        if htmx:
            response = HttpResponse()
            response["HX-Redirect"] = activate
            return response
        return redirect(activate)


def _add_message_once(request, level, text):
    """Add a message unless the same one waits already (a redirect or a download before the next
    page would otherwise show it twice). Reading the messages this way keeps them."""
    from django.contrib import messages

    storage = messages.get_messages(request)
    waiting = any(str(message.message) == str(text) for message in storage)
    storage.used = False
    if not waiting:
        messages.add_message(request, level, text)

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

"""Behind a proxy, per-address limits see each visitor's address, not the proxy's."""

from allauth.core.internal.httpkit import get_client_ip
from django.test import RequestFactory


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert get_client_ip(request) == "10.0.0.1"


def test_behind_one_proxy_the_visitor_address_counts(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert get_client_ip(request) == "1.2.3.4"
    # A forged entry in front of the real one is not believed.
    forged = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4"
    )
    assert get_client_ip(forged) == "1.2.3.4"

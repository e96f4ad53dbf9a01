import pytest
from django.test import override_settings
from django.urls import path

from core.audit import log_action
from core.exceptions import DomainError
from core.models import AuditLog
from tests import factories


def _boom(request):
    raise RuntimeError("secret-internal-detail")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_audit_log_is_append_only():
    user = factories.UserFactory()
    entry = log_action(actor=user, action="test.action", target=user, reason="why")
    assert entry.target_type == "accounts.user"
    assert entry.data == {"reason": "why"}
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLog.objects.all().delete()
    with pytest.raises(TypeError):
        AuditLog.objects.update(action="x")
    assert AuditLog.objects.count() == 1


def test_domain_error_carries_code_and_field():
    error = DomainError("Message", "some_code", field="name")
    assert (str(error), error.code, error.field) == ("Message", "some_code", "name")


@pytest.mark.django_db
def test_unknown_url_gives_styled_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert 'class="skip-link"' in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_leaks_nothing(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Une erreur est survenue" in body
    assert "secret-internal-detail" not in body
    assert "Traceback" not in body


@pytest.mark.django_db
def test_french_by_default_and_language_switch(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert "Sign in" in response.content.decode() or "Log in" in response.content.decode()


@pytest.mark.django_db
def test_layout_is_accessible(client_for):
    body = client_for(factories.UserFactory()).get("/").content.decode()
    assert '<a class="skip-link" href="#main">' in body
    assert 'id="main"' in body
    assert 'role="banner"' in body and 'role="contentinfo"' in body
    assert 'aria-label="Navigation principale"' in body
    assert 'label for="lang-select"' in body
    assert "vendor/htmx.min.js" in body and "unpkg" not in body

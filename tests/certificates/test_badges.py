"""Open Badges 3.0: the credential embedded in each PDF verifies with the published key, and the
published status lists say which are revoked or suspended."""

import base64
import gzip
import json
from io import BytesIO

import jwt
import pytest
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from certificates import badges
from certificates.checks import badge_key_check
from certificates.services import attestations as issuing

from .conftest import assess_all, attend_all, close

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(world, issuer):
    assess_all(world)
    attend_all(world)
    close(world.session)
    return issuing.attestations_issue_for_session(session_id=world.session.pk)[0]


def _verify(client, token):
    keys = client.get(reverse("certificates:badge_keys")).json()["keys"]
    header = jwt.get_unverified_header(token)
    kid = header["kid"].rsplit("#", 1)[1]
    key = next(k for k in keys if k["kid"] == kid)
    assert "d" not in key  # never a private member
    return jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        options={"verify_aud": False, "require": ["iss", "jti", "nbf", "sub"]},
    ), header


def _embedded(pdf_bytes):
    reader = PdfFileReader(BytesIO(pdf_bytes))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Alternative"
    return spec["/EF"]["/F"].get_object().data.decode()


def test_the_pdf_carries_a_credential_that_verifies_with_the_published_key(client, document):
    with document.pdf.open("rb") as handle:
        token = _embedded(handle.read())
    assert token == document.credential
    claims, header = _verify(client, token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == claims["id"]
    assert claims["id"] == f"http://testserver/verifier/{document.verification_code}/"
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["credentialSubject"]["achievement"]["name"] == document.facts["session"]["title"]
    # No personal data but the name the document prints: the e-mail is salted and hashed.
    assert document.holder.email not in json.dumps(claims)
    assert {s["statusPurpose"] for s in claims["credentialStatus"]} == {"revocation", "suspension"}
    served = client.get(
        reverse("certificates:verify_credential", args=[document.verification_code])
    )
    assert served.content.decode() == token


def test_a_changed_credential_does_not_verify(client, document):
    header, payload, signature = document.credential.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["name"] = "Autre titulaire"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(client, f"{header}.{forged}.{signature}")


def _bit(client, purpose, index):
    token = client.get(reverse("certificates:status_list", args=[purpose])).content.decode()
    claims, _header = _verify(client, token)
    subject = claims["credentialSubject"]
    assert subject["statusPurpose"] == purpose
    encoded = subject["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= badges.STATUS_LIST_BITS
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_status_lists_follow_suspension_and_revocation(client, document, world):
    index = document.status_index
    assert not _bit(client, "revocation", index) and not _bit(client, "suspension", index)
    issuing.attestation_suspend(actor=world.hub, attestation=document, reason="Contrôle")
    assert _bit(client, "suspension", index) and not _bit(client, "revocation", index)
    issuing.attestation_revoke(actor=world.hub, attestation=document, reason="Fraude")
    assert _bit(client, "revocation", index) and not _bit(client, "suspension", index)
    assert client.get("/verifier/statut/autre.jwt").status_code == 404


def test_a_replaced_key_stays_published(client, document, settings, tmp_path):
    first = badges.badge_key().kid
    settings.SOCLE_KEYS_DIR = tmp_path / "new-keys"
    badges.reset_badge_key_cache()
    second = badges.badge_key().kid
    assert first != second
    kids = {k["kid"] for k in client.get(reverse("certificates:badge_keys")).json()["keys"]}
    assert {first, second} <= kids
    # The credential signed with the first key still verifies.
    _verify(client, document.credential)
    badges.reset_badge_key_cache()


def test_production_needs_its_own_badge_key(settings):
    settings.SOCLE_REQUIRE_PRODUCTION_KEYS = True
    settings.SOCLE_BADGE_KEY = ""
    assert [e.id for e in badge_key_check()] == ["socle.E003"]


def test_status_lists_are_rate_limited(client, settings):
    settings.SOCLE_RATE_LIMITS = {**settings.SOCLE_RATE_LIMITS, "status_list": "2/m/ip"}
    url = reverse("certificates:status_list", args=["revocation"])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]

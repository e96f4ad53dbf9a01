import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from certificates.keys import issue_throwaway_pkcs12

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    # A fresh production-like environment: nothing the test run itself set (browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which the deploy check rightly refuses).
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    # A real (if throwaway) seal: production refuses development keys (socle.E001).
    seal = issue_throwaway_pkcs12(
        tmp_path / "seal.p12",
        ca_name="Autorité de test",
        holder_name="Hub de test",
        passphrase=b"secret-de-test",
    )
    # And a badge key of its own (socle.E003).
    badge_key = tmp_path / "badge.pem"
    badge_key.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"cle-de-test"),
        )
    )
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-with-entropy-0123456789",
        ALLOWED_HOSTS="socle.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SOCLE_SEAL_PKCS12=str(seal),
        SOCLE_SEAL_PASSPHRASE="secret-de-test",
        SOCLE_BADGE_KEY=str(badge_key),
        SOCLE_BADGE_KEY_PASSPHRASE="cle-de-test",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.prod", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_pages_carry_a_content_security_policy_without_inline_code(client, db):
    from tests import factories

    trainer = factories.UserFactory()
    factories.make_session(trainer=trainer)
    client.force_login(trainer)
    response = client.get("/formations/sessions/nouvelle/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content

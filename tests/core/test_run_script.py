"""`make run` (scripts/run.sh): the links in e-mails and documents, built by the worker outside
any request, follow the address the development server serves."""

import os
import re
import subprocess
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "scripts" / "run.sh"


def _site_url(**env):
    lines = [
        line
        for line in RUN.read_text(encoding="utf-8").splitlines()
        if re.match(r"^(ADDR=|export SOCLE_SITE_URL=)", line)
    ]
    assert len(lines) == 2, lines
    script = "\n".join([*lines, 'printf %s "$SOCLE_SITE_URL"'])
    clean = {key: value for key, value in os.environ.items() if not key.startswith("SOCLE_")}
    result = subprocess.run(
        ["bash", "-c", script], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_links_follow_the_address_served():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(SOCLE_ADDR="127.0.0.1:8400") == "http://127.0.0.1:8400"
    # An explicit site address wins.
    assert _site_url(SOCLE_SITE_URL="https://socle.example.org") == "https://socle.example.org"

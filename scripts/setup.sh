#!/usr/bin/env bash
# Prepare a working copy on a fresh machine: find Python 3.12+, install the locked dependencies
# with uv, the system tools the project needs (gettext, what WeasyPrint needs to render
# attestations; chromium and pdfsig with --browser, for the tests), migrate and compile
# translations. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'Erreur : %s\n' "$*" >&2; exit 1; }

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
  local cand
  if [ -n "${SOCLE_PYTHON:-}" ]; then python_ok "$SOCLE_PYTHON" && { echo "$SOCLE_PYTHON"; return; }; fi
  for cand in python3.14 python3.13 python3.12 python3 python; do
    if command -v "$cand" >/dev/null 2>&1; then
      cand=$(command -v "$cand")
      python_ok "$cand" && { echo "$cand"; return; }
    fi
  done
  local root="${PYENV_ROOT:-}"
  [ -z "$root" ] && command -v pyenv >/dev/null 2>&1 && root=$(pyenv root)
  [ -z "$root" ] && root="$HOME/.pyenv"
  for cand in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] 2>/dev/null | sort -rV); do
    python_ok "$cand" && { echo "$cand"; return; }
  done
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ ! -f /tmp/.socle-apt-updated ]; then as_root apt-get update -qq >&2 && touch /tmp/.socle-apt-updated; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

PY=$(find_python) || die "Socle a besoin de Python 3.12 ou plus récent. Installez-le (paquet python3.12, pyenv…) ou indiquez-le avec SOCLE_PYTHON=/chemin/vers/python3."
say "Python : $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"

export UV_PYTHON_DOWNLOADS=never
# `command -v` is not enough: a pyenv shim answers for a uv installed in another Python only.
if uv --version >/dev/null 2>&1; then
  UV=(uv)
else
  "$PY" -m uv --version >/dev/null 2>&1 || { say "Installation de uv"; "$PY" -m pip install --quiet --disable-pip-version-check uv >&2 || die "impossible d'installer uv (pip install uv)."; }
  UV=("$PY" -m uv)
fi
say "Dépendances (uv.lock)"
"${UV[@]}" sync --frozen --python "$PY" --quiet >&2

if ! command -v msgfmt >/dev/null 2>&1; then
  say "Installation de gettext (traductions)"
  apt_install gettext || die "gettext (msgfmt) est nécessaire : installez le paquet gettext."
fi
# WeasyPrint is 3–4 times slower without HarfBuzz's font subsetter; DejaVu has every French glyph.
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for pkg in libharfbuzz-subset0 fonts-dejavu-core; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installation de ${missing[*]} (rendu des attestations PDF)"
    apt_install "${missing[@]}" || die "installez les paquets ${missing[*]} (rendu des attestations PDF)."
  fi
fi
if [ "$want_browser" = 1 ] && ! command -v pdfsig >/dev/null 2>&1; then
  say "Installation de poppler-utils (pdfsig vérifie les signatures dans les tests)"
  apt_install poppler-utils || die "pdfsig est nécessaire pour les tests : installez le paquet poppler-utils."
fi
if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  say "Installation de Chromium (tests navigateur)"
  apt_install chromium || die "Chromium est nécessaire pour les tests navigateur : installez le paquet chromium."
fi

mkdir -p var
say "Traductions"
.venv/bin/python manage.py compilemessages --ignore=.venv -v 0 >&2
echo ".venv/bin/python"

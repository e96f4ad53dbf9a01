#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into the database named by DATABASE_URL and into
# MEDIA_ROOT, then check the copy against the backup's manifest (manage.py check_restore: rows
# per model, attestation PDFs and their SHA-256, other files, migrations).
#
#   scripts/restore.sh [--force] ARCHIVE    ARCHIVE: a backup folder, or a .tar[.gz] of one
#
# Refuses unless the database holds no table and MEDIA_ROOT is empty. --force restores over what
# is there: the backup's tables are dropped and recreated (pg_restore --clean), its files
# overwrite those of the same name; anything else is left as it was.
# The database must exist (createdb); run as the user Socle runs as, with Socle's environment
# (DJANGO_SETTINGS_MODULE, DATABASE_URL, MEDIA_ROOT…). See docs/operations.md.
set -euo pipefail

die() { printf 'Erreur : %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*" >&2; }

force=0
archive=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1; shift ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "option inconnue : $1" ;;
    *) [ -z "$archive" ] || die "une seule sauvegarde à la fois."; archive="$1"; shift ;;
  esac
done
[ -n "$archive" ] || die "usage : scripts/restore.sh [--force] DOSSIER_DE_SAUVEGARDE"
[ -e "$archive" ] || die "$archive introuvable."
archive=$(realpath -- "$archive")  # relative to where the script was called from
cd "$(dirname "$0")/.."

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  "") die "DATABASE_URL n'est pas défini : Socle utiliserait SQLite, que ce script ne restaure pas (PostgreSQL seulement)." ;;
  *) die "DATABASE_URL ne désigne pas une base PostgreSQL (${DATABASE_URL%%:*}://…) : ce script ne restaure que PostgreSQL." ;;
esac
PY=.venv/bin/python
[ -x "$PY" ] || die "$PY introuvable : lancez d'abord scripts/setup.sh (ou uv sync)."
PG_RESTORE="${PG_RESTORE:-pg_restore}"
command -v "$PG_RESTORE" >/dev/null || die "pg_restore introuvable : installez le client PostgreSQL (paquet postgresql-client) de la version du serveur ou plus récent."

unpacked=""
trap '[ -z "$unpacked" ] || rm -rf "$unpacked"' EXIT
if [ -d "$archive" ]; then
  dir="$archive"
else
  unpacked=$(mktemp -d)
  tar -xf "$archive" -C "$unpacked" || die "$archive n'est ni un dossier de sauvegarde ni une archive tar lisible."
  dir=$(find "$unpacked" -name manifest.json -printf '%h\n' | head -n 1)
  [ -n "$dir" ] || die "$archive ne contient pas de manifest.json."
fi
for file in database.dump manifest.json media.tar.gz; do
  [ -f "$dir/$file" ] || die "$dir/$file manque : ce n'est pas une sauvegarde complète."
done
if [ -f "$dir/SHA256SUMS" ]; then
  (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) \
    || die "les empreintes de SHA256SUMS ne correspondent pas : sauvegarde abîmée ou modifiée."
else
  say "Attention : pas de SHA256SUMS, intégrité des fichiers non vérifiée."
fi

# The target: the number of tables in the database, then where Django stores media.
target=$("$PY" manage.py shell --no-imports -v 0 -c '
import sys
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
if not isinstance(default_storage, FileSystemStorage):
    sys.exit("Les fichiers sont stockés hors de MEDIA_ROOT (S3…) : restaurez-les avec les outils de ce stockage.")
try:
    print(len(connection.introspection.table_names(include_views=True)))
except Exception as error:
    sys.exit(f"Base de données inaccessible : {error}")
print(default_storage.location)
' | tail -n 2)
tables=$(sed -n 1p <<< "$target")
media_root=$(sed -n 2p <<< "$target")
[ -n "$media_root" ] || die "MEDIA_ROOT introuvable."

if [ "$force" = 0 ]; then
  [ "$tables" = 0 ] || die "la base cible contient déjà $tables table(s) : restauration refusée (--force pour remplacer son contenu)."
  if [ -d "$media_root" ] && [ -n "$(ls -A -- "$media_root")" ]; then
    die "$media_root n'est pas vide : restauration refusée (--force pour écrire par-dessus)."
  fi
fi

say "Base de données ($(sed -n 's/.*"created_at": "\([^"]*\)".*/\1/p' "$dir/manifest.json" | head -n 1))"
options=(--no-owner --no-privileges --single-transaction --exit-on-error)
[ "$force" = 0 ] || options+=(--clean --if-exists)
"$PG_RESTORE" "${options[@]}" --dbname="$DATABASE_URL" "$dir/database.dump"

say "Fichiers (MEDIA_ROOT : $media_root)"
mkdir -p "$media_root"
tar -xzf "$dir/media.tar.gz" -C "$media_root" --no-same-owner

say "Vérification"
"$PY" manage.py check_restore "$dir/manifest.json"
say "Restauration terminée et vérifiée."

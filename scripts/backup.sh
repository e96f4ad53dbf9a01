#!/usr/bin/env bash
# One backup of Socle: a folder DEST/socle-<UTC date and time>/ holding
#   database.dump  pg_dump --format=custom of the database named by DATABASE_URL (PostgreSQL only)
#   manifest.json  rows per model, attestation serials and SHA-256, latest migrations, taken on the
#                  same snapshot as the dump (manage.py backup_manifest --dump)
#   media.tar.gz   MEDIA_ROOT: attestation PDFs, proofs, personal-data and statistics exports
#   SHA256SUMS     the fingerprints of the three files (restore.sh checks them)
# The folder appears only once complete; --keep N then deletes all but the N newest backups.
#
#   scripts/backup.sh [--keep N] [DEST]     DEST defaults to $SOCLE_BACKUP_DIR, else var/backups
#
# Reads the same environment as Socle (DJANGO_SETTINGS_MODULE, DATABASE_URL, MEDIA_ROOT…).
# See docs/operations.md, « Sauvegarde et restauration ».
set -euo pipefail

die() { printf 'Erreur : %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*" >&2; }

keep=""
dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) [ $# -ge 2 ] || die "--keep attend un nombre."; keep="$2"; shift 2 ;;
    --keep=*) keep="${1#--keep=}"; shift ;;
    -h|--help) sed -n '2,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "option inconnue : $1" ;;
    *) [ -z "$dest" ] || die "un seul dossier de destination."; dest="$1"; shift ;;
  esac
done
if [ -n "$keep" ] && ! [[ "$keep" =~ ^[1-9][0-9]*$ ]]; then
  die "--keep attend un nombre entier positif (reçu : $keep)."
fi
dest="${dest:-${SOCLE_BACKUP_DIR:-}}"
[ -z "$dest" ] || dest=$(realpath -m -- "$dest")  # relative to where the script was called from
cd "$(dirname "$0")/.."
dest="${dest:-$PWD/var/backups}"

case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  "") die "DATABASE_URL n'est pas défini : Socle utilise alors SQLite, que ce script ne sauvegarde pas (PostgreSQL seulement)." ;;
  *) die "DATABASE_URL ne désigne pas une base PostgreSQL (${DATABASE_URL%%:*}://…) : ce script ne sauvegarde que PostgreSQL." ;;
esac
PY=.venv/bin/python
[ -x "$PY" ] || die "$PY introuvable : lancez d'abord scripts/setup.sh (ou uv sync)."
command -v tar >/dev/null || die "tar est nécessaire."
command -v sha256sum >/dev/null || die "sha256sum (coreutils) est nécessaire."

# Where Django stores media, refused unless it is a folder on this machine.
media_root=$("$PY" manage.py shell --no-imports -v 0 -c '
import sys
from django.core.files.storage import FileSystemStorage, default_storage
if not isinstance(default_storage, FileSystemStorage):
    sys.exit("Les fichiers sont stockés hors de MEDIA_ROOT (S3…) : sauvegardez-les avec les outils de ce stockage.")
print(default_storage.location)
' | tail -n 1)
[ -n "$media_root" ] || die "MEDIA_ROOT introuvable."

umask 077  # personal data: backups readable by their owner only
mkdir -p "$dest"
name="socle-$(date -u +%Y%m%dT%H%M%SZ)"
[ ! -e "$dest/$name" ] || die "$dest/$name existe déjà."
work="$dest/.$name.partial"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

say "Base de données et manifeste (même instantané)"
"$PY" manage.py backup_manifest --output "$work/manifest.json" --dump "$work/database.dump" >&2

say "Fichiers (MEDIA_ROOT : $media_root)"
if [ -d "$media_root" ]; then
  # Taken after the database snapshot, so every file it names is there. Exit status 1 only means
  # that a file changed while being read (a new export, say): warned, not fatal.
  status=0
  tar -C "$media_root" -czf "$work/media.tar.gz" . || status=$?
  [ "$status" -le 1 ] || die "l'archive des fichiers a échoué (tar, code $status)."
  [ "$status" -eq 0 ] || say "Attention : des fichiers ont changé pendant l'archivage."
else
  say "Attention : $media_root n'existe pas, archive des fichiers vide."
  tar -czf "$work/media.tar.gz" -T /dev/null
fi

(cd "$work" && sha256sum database.dump manifest.json media.tar.gz > SHA256SUMS)
mv "$work" "$dest/$name"
trap - EXIT
say "Sauvegarde terminée : $dest/$name ($(du -sh "$dest/$name" | cut -f1))"

if [ -n "$keep" ]; then
  # Only complete backups (socle-YYYYMMDDTHHMMSSZ) count; names sort by date.
  mapfile -t old < <(find "$dest" -mindepth 1 -maxdepth 1 -type d -name 'socle-[0-9]*T[0-9]*Z' -printf '%f\n' | sort -r | tail -n +"$((keep + 1))")
  for dir in "${old[@]}"; do
    say "Suppression de l'ancienne sauvegarde $dest/$dir"
    rm -rf "${dest:?}/$dir"
  done
fi
echo "$dest/$name"

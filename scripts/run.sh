#!/usr/bin/env bash
# Set up, load the demo network (idempotent), then serve http://127.0.0.1:8000 with a task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(scripts/setup.sh)
export DJANGO_SETTINGS_MODULE=config.settings.dev
ADDR="${SOCLE_ADDR:-127.0.0.1:8000}"
# Links in e-mails and documents (made by the worker, outside any request) follow the address
# served, unless SOCLE_SITE_URL says otherwise.
export SOCLE_SITE_URL="${SOCLE_SITE_URL:-http://$ADDR}"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py demo_data
"$PY" manage.py db_worker --queue-name default > var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Worker des tâches lancé (journal : var/worker.log)."
"$PY" manage.py runserver "$ADDR"

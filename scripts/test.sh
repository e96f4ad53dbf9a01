#!/usr/bin/env bash
# The whole suite: ruff, migrations check, then pytest on SQLite and, when a server answers,
# on PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres); the browser
# tests run once, on PostgreSQL when it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(scripts/setup.sh --browser)
export DJANGO_SETTINGS_MODULE=config.settings.test
# Tests run in parallel (pytest-xdist, one database per worker), one worker per core unless
# SOCLE_TEST_WORKERS says otherwise (0: in this process); the slowest are listed at the end.
PYTEST_OPTS=(-n "${SOCLE_TEST_WORKERS:-auto}" --durations=15 --durations-min=2)
STARTED=$SECONDS

echo "==> ruff"
"$PY" -m ruff check .
"$PY" -m ruff format --check --quiet .
echo "==> migrations à jour"
DATABASE_URL=sqlite://:memory: "$PY" manage.py makemigrations --check --dry-run -v 0

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if "$PY" - "$PG_URL" <<'PYEOF'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL injoignable ({error.__class__.__name__}).", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  PG_UP=1
elif [ -n "${DATABASE_URL:-}" ] || [ -n "${CI:-}" ]; then
  echo "PostgreSQL est requis ici (DATABASE_URL ou CI) mais ne répond pas." >&2
  exit 1
else
  PG_UP=0
fi

if [ "$PG_UP" = 1 ]; then
  # The browser tests drive pages, not the database: they run once, on PostgreSQL (production's
  # database), which takes a third off the SQLite run. Without PostgreSQL they run on SQLite.
  echo "==> tests sur SQLite (les tests navigateur passent sur PostgreSQL)"
  DATABASE_URL=sqlite://:memory: "$PY" -m pytest "${PYTEST_OPTS[@]}" -m "not e2e" "$@"
  echo "==> tests sur PostgreSQL"
  DATABASE_URL="$PG_URL" "$PY" -m pytest "${PYTEST_OPTS[@]}" "$@"
else
  echo "==> tests sur SQLite"
  DATABASE_URL=sqlite://:memory: "$PY" -m pytest "${PYTEST_OPTS[@]}" "$@"
  echo "==> PostgreSQL ne répond pas sur 127.0.0.1:5432 : tests PostgreSQL sautés."
fi
echo "==> make test : $(( (SECONDS - STARTED) / 60 )) min $(( (SECONDS - STARTED) % 60 )) s"

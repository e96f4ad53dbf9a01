.PHONY: run test setup lint messages bench resilience

run:  ## set up, load demo data, serve http://127.0.0.1:8000 with the task worker
	scripts/run.sh

test:  ## set up, then ruff + the whole suite on SQLite and PostgreSQL
	scripts/test.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/python -m ruff check . && .venv/bin/python -m ruff format --check .

messages:  ## refresh the French/English catalogues after changing strings
	.venv/bin/python manage.py makemessages -l en -l fr --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	# French: the library wordings first, then every string as written (msgen, fuzzy guesses
	# emptied first), for French plurals.
	msgattrib --clear-fuzzy --empty locale/fr/LC_MESSAGES/django.po | msgen - | msgcat --use-first locale/fr/library_wording.po - -o locale/fr/LC_MESSAGES/django.po
	.venv/bin/python manage.py compilemessages --ignore=.venv

resilience:  ## load and fault tests at length (PostgreSQL; override SOCLE_LOAD_SECONDS / SOCLE_LOAD_CLIENTS)
	SOCLE_LOAD_SECONDS=$${SOCLE_LOAD_SECONDS:-120} SOCLE_LOAD_CLIENTS=$${SOCLE_LOAD_CLIENTS:-32} DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} .venv/bin/python -m pytest -m resilience -s tests/resilience

bench:  ## benchmarks on the national set (build it first: bench/README.md); never in CI
	DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/socle_bench} .venv/bin/python -m bench.run $(BENCH_ARGS)

# The README's two commands: `make run` (demo) and `make test` (the whole suite).
# Only Python 3.11+ is needed; everything else is installed into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Test settings need no environment; DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis.
# The suite runs on every core (pytest-xdist); PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n auto
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint format bench check-deploy browser clean backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: the demo on http://127.0.0.1:8000 (SQLite and in-process Celery unless DATABASE_URL/REDIS_URL are set)
run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo --if-empty
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: lint, migration check, deploy check, then the whole pytest suite (browser tests included)
test: install-dev browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy
	$(BIN)/pytest $(PYTEST_ARGS)

## the production settings, read from the environment, must pass Django's deploy checks
check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets;print(secrets.token_urlsafe(64))") \
	DJANGO_ALLOWED_HOSTS=portal.example.gov.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

## Debian's chromium and CJK fonts for the browser tests (never a browser downloaded by the test tool)
browser:
	@bash scripts/ensure_chromium.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: measure the portal on the bench database (created, migrated and seeded with PRESET when needed) and
## write BENCHMARKS.md; not part of make test. PRESET=demo|tiny|small|city|province, BENCH_RUNS=5, BENCH_ARGS=...
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/organ_portal_bench
PRESET ?= city
BENCH_RUNS ?= 5
bench: install-dev
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets;print(secrets.token_urlsafe(64))") \
	$(BIN)/python manage.py bench --preset $(PRESET) --runs $(BENCH_RUNS) $(BENCH_ARGS)

## make backup: database (pg_dump, or the SQLite file) + MEDIA_ROOT + a manifest in backups/organ_portal-<time>.tar.gz
backup: install
	PYTHON=$(BIN)/python bash scripts/backup.sh

## make restore FILE=backups/organ_portal-<time>.tar.gz [FORCE=1]: refuses to overwrite existing data without FORCE=1
restore: install
	PYTHON=$(BIN)/python FILE="$(FILE)" FORCE="$(FORCE)" bash scripts/restore.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache db.sqlite3 test-artifacts

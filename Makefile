# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/registry
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15
CHROMIUM := /usr/bin/chromium
# Chinese glyphs for the browser tests' screenshots (without it Chromium draws empty boxes).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: help install run serve seed test lint migrations-check pytest faults bench messages clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned dependencies

PORT ?= 8000
# The embedded mode serves as production does for its users (DEBUG off: translated 404 and 500
# pages, static files from WhiteNoise after collectstatic) but over plain HTTP on this machine,
# so the HTTPS-only switches are off. The secret key is made once and kept in var/.
EMBEDDED_ENV := env -u DATABASE_URL -u REDIS_URL DJANGO_DEBUG=0 \
  DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SESSION_COOKIE_SECURE=0 DJANGO_CSRF_COOKIE_SECURE=0 \
  DJANGO_SECURE_HSTS_SECONDS=0 DJANGO_SECRET_KEY="$$(cat var/secret_key)"

var/secret_key:
	mkdir -p var
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install var/secret_key  ## embedded mode: SQLite under var/, seeds + demo set, serve on http://127.0.0.1:$(PORT) (make run PORT=8001)
	$(EMBEDDED_ENV) $(BIN)/python manage.py migrate --noinput
	$(EMBEDDED_ENV) $(BIN)/python manage.py load_seeds
	$(EMBEDDED_ENV) $(BIN)/python manage.py load_demo
	$(EMBEDDED_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "To create the first real administrator (in another terminal, in this directory):"
	@echo "  env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py createsuperuser   # give an e-mail address"
	@echo "then sign in at http://127.0.0.1:$(PORT)/accounts/login/ ; administrators make inspectors"
	@echo "in the admin (Users: action 'Make inspector'); traders register at /accounts/signup/."
	@echo "The expiry sweep runs now and then daily at 02:15 UTC in this process."
	$(EMBEDDED_ENV) $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "chromium missing and no apt-get"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

lint: install  ## ruff lint and format check, mypy, the layout's import contracts (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

migrations-check: install  ## fail when a model change has no migration
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(BIN)/python manage.py makemigrations --check --dry-run

$(CJK_FONT):
	@command -v apt-get >/dev/null || { echo "fonts-noto-cjk missing and no apt-get"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null; }

# The suite runs in two processes (pytest-xdist, one test file at a time per process), each with
# its own test database and Redis database (tests/settings.py). TEST_PROCESSES=0 runs it in this
# one process (slower; for a debugger).
# The 25 slowest tests and the run's wall-clock time are printed at the end of every run.
TEST_PROCESSES ?= 2
pytest: install $(CHROMIUM) $(CJK_FONT)  ## the whole pytest suite on the real PostgreSQL and Redis
	@start=$$(date +%s); \
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} \
	  $(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile --durations=25 $(PYTEST_ARGS); \
	  status=$$?; \
	took=$$(( $$(date +%s) - start )); \
	echo "pytest suite: $$(( took / 60 )) min $$(( took % 60 )) s wall clock (exit status $$status)"; \
	exit $$status

test: lint migrations-check pytest  ## install, lint, migration check, the whole suite (PostgreSQL + Redis; tests/faults included)

faults: install  ## the fault suite alone: its own redis-server killed, paused and refusing; a worker killed; PostgreSQL paused and cut (under 2 minutes)
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} \
	  $(BIN)/pytest tests/faults $(PYTEST_ARGS)

BENCH_RESULTS ?= var/bench/results.jsonl
export BENCH_RESULTS
bench: install  ## every benchmark on PostgreSQL (not part of the test run), then ONE table; see bench/README.md
	rm -f $(BENCH_RESULTS)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12} $(BIN)/python bench/eligibility.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \
	  $(BIN)/python bench/bulk.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_sweep \
	  $(BIN)/python bench/sweep.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_scale \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12} $(BIN)/python bench/scale.py $(SCALE_ARGS)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_scale \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12} $(BIN)/python bench/eligibility.py --as-loaded
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_saved \
	  $(BIN)/python bench/saved_questions.py
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12} $(BIN)/python bench/replicas.py
	@echo
	@$(BIN)/python bench/table.py

messages: install  ## rebuild and compile the translation catalogues
	$(BIN)/python manage.py makemessages -l zh_Hans -l ru --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:  ## remove the virtualenv and the embedded database
	rm -rf $(VENV) var

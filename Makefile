# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/registry
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15
CHROMIUM := /usr/bin/chromium

.PHONY: help install run serve seed test lint migrations-check pytest bench messages clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned dependencies

run: install  ## embedded mode: SQLite under var/, seeds + demo set, serve on http://127.0.0.1:8000
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py load_seeds
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py load_demo
	@echo "To create the first real administrator (in another terminal):"
	@echo "  env -u DATABASE_URL $(BIN)/python manage.py createsuperuser   # give an e-mail address"
	@echo "then sign in at http://127.0.0.1:8000/accounts/login/ ; administrators make inspectors"
	@echo "in the admin (Users: action 'Make inspector'); traders register at /accounts/signup/."
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py runserver 127.0.0.1:8000

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "chromium missing and no apt-get"; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }

lint: install  ## ruff lint and format check, mypy type check of the apps (packages in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

migrations-check: install  ## fail when a model change has no migration
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install $(CHROMIUM)  ## the whole pytest suite on the real PostgreSQL and Redis
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} \
	  $(BIN)/pytest $(PYTEST_ARGS)

test: lint migrations-check pytest  ## install, lint, migration check, the whole suite (PostgreSQL + Redis)

bench: install  ## benchmarks on PostgreSQL (not part of the test run); see bench/README.md
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \
	  REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/12} $(BIN)/python bench/eligibility.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_eligibility \
	  $(BIN)/python bench/bulk.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_sweep \
	  $(BIN)/python bench/sweep.py

messages: install  ## rebuild and compile the translation catalogues
	$(BIN)/python manage.py makemessages -l zh_Hans -l ru --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:  ## remove the virtualenv and the embedded database
	rm -rf $(VENV) var

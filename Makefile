# simrenew — `make demo` runs the whole thing locally; `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := simrenew.settings

# Django 6 needs Python >= 3.12: take the first suitable interpreter.
PYTHON_BIN := $(shell for p in python3.13 python3.12 python3 ; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then command -v $$p; break; fi; done)

.PHONY: demo test cluster cluster-stop cluster-deps venv install messages static migrate demo-data serve lint typecheck browser-deps clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON_BIN)" ]; then echo "simrenew needs Python 3.12 or newer (Django 6). Install one and retry."; exit 1; fi
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed

messages: install
	$(PY) manage.py compilemessages --ignore=.venv -v0

static: install
	$(PY) manage.py collectstatic --noinput -v0

migrate: install
	$(PY) manage.py migrate --noinput -v0

# The demo data prints URLs (kiosk enrolment, logins): on the address the demo will serve, as
# scripts/run-demo.sh computes it (simrenew.demo.address), expanded once the virtualenv exists.
demo-data: export SITE_URL = $(shell $(PY) -m simrenew.demo.address url $(HOST) $(PORT))
demo-data: migrate
	$(PY) manage.py demo_data
	$(PY) manage.py demo_offline
	$(PY) manage.py demo_retail
	$(PY) manage.py demo_history

demo: messages static demo-data
	@PAYMENT_SANDBOX=true exec bash scripts/run-demo.sh $(HOST) $(PORT)

# Debian's chromium for browser tests, and a CJK font so Chinese pages and PDF receipts render.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wenquanyi; then \
	  echo "installing Debian's chromium and fonts-wqy-microhei"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) || \
	  echo "could not install chromium: browser tests need it (make browser-deps)"; fi

# Debian's haproxy for `make cluster` and its test.
cluster-deps:
	@if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then \
	  echo "installing Debian's haproxy"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null) || \
	  echo "could not install haproxy: make cluster and its test need it"; fi

# The deployment an operator runs, on 127.0.0.1: HAProxy, 2 web nodes, 2 workers, 2 schedulers,
# a PostgreSQL primary and its streaming replica (docs/operations.md). CLUSTER_PORT (8080) moves it.
cluster: install messages static cluster-deps
	$(PY) scripts/cluster.py start

cluster-stop:
	$(PY) scripts/cluster.py stop

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy src

test: install browser-deps cluster-deps messages static lint typecheck
	bash scripts/test.sh

clean:
	rm -rf $(VENV) var

# beteiligung – two commands set everything up: `make run` and `make test`.
# The interpreter of .venv: Debian's /usr/bin/python3 where it is 3.11 or newer and can make a venv (python3-venv) –
# it is built with profile-guided optimisation and runs the application and the test suite about 5–7 % faster than
# a python3 compiled without it (pyenv's default); otherwise python3 from PATH. Another one: make PYTHON=… (after
# make clean, since an existing .venv keeps its interpreter).
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in mails and the printed login address follow HOST/PORT unless BASE_URL is set.
RUN_BASE_URL = $(or $(BASE_URL),http://$(HOST):$(PORT))
export FLASK_APP := beteiligung
# Development only: a SECRET_KEY is generated once in instance/ (production must set SECRET_KEY).
export BETEILIGUNG_ENV ?= development

.PHONY: run test test-behaelter install assets db demo clean lint release

# `make run` installs only what the application needs; the test extras (playwright, ...) only `make test`.
$(BIN)/activate: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $(BIN)/activate

$(VENV)/.test-extras: $(BIN)/activate
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(VENV)/.test-extras

install: $(BIN)/activate assets

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

static/vendor/kern/kern.min.css: node_modules/.package-lock.json
	rm -rf static/vendor
	mkdir -p static/vendor/kern static/vendor/cytoscape
	cp -r node_modules/@kern-ux/native/dist/kern.min.css node_modules/@kern-ux/native/dist/fonts static/vendor/kern/
	cp node_modules/cytoscape/dist/cytoscape.min.js static/vendor/cytoscape/

assets: static/vendor/kern/kern.min.css

db: install
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: db
	BASE_URL=$(RUN_BASE_URL) $(BIN)/flask demo load --if-empty

run: demo
	@BASE_URL=$(RUN_BASE_URL) $(BIN)/flask logins
	BASE_URL=$(RUN_BASE_URL) $(BIN)/flask run --host $(HOST) --port $(PORT)

# Two workers on the 2-core CI machine; PYTEST_ARGS="-n 0" runs in one process (e.g. with pdb).
lint: $(VENV)/.test-extras
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
# The tests start a real OpenID Connect provider (npm oidc-provider); `make run` does not need it.
tests/support/oidc/node_modules/.package-lock.json: tests/support/oidc/package.json tests/support/oidc/package-lock.json
	npm ci --prefix tests/support/oidc --no-audit --no-fund
	touch tests/support/oidc/node_modules/.package-lock.json

# Two workers on the 2-core CI machine; PYTEST_WORKERS=0 runs in one process (e.g. with pdb).
# The 15 slowest tests are listed at the end (the suite's own speed is a target of its own, issue 11).
# PYTHONDONTWRITEBYTECODE= (empty): where the environment sets it, every app process the tests start (gunicorn,
# `flask ... betrieb worker`, the CLI) would compile the app's modules again (about 0.5 s CPU each), and pytest
# would rewrite every test module again on every run.
test: install $(VENV)/.test-extras tests/support/oidc/node_modules/.package-lock.json
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(or $(PYTEST_WORKERS),2) --maxschedchunk 1 --durations=15 $(PYTEST_ARGS)

# The container image (deploy/Containerfile) built and run with podman: app + worker against PostgreSQL, /healthz,
# login (tests/betrieb/test_behaelter.py). Needs podman, runc and debootstrap (.ci/run installs them); minutes.
test-behaelter: $(VENV)/.test-extras
	$(BIN)/python -m pytest -m behaelter -n 0 -s tests/betrieb/test_behaelter.py $(PYTEST_ARGS)

# Release archive with the built front-end assets (static/vendor) and the wheels of all runtime
# dependencies: installing it needs neither npm nor internet (README, "Betrieb im Rechenzentrum").
release: assets
	deploy/release.sh

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache

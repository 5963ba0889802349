# `make run` and `make test` do every set-up step themselves, on a fresh machine too.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: install translations run serve test lint system-packages bench clean-db

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# compiled catalogs are build products: made from the .po files next to each domain
translations: $(STAMP)
	@for d in traceability/translations traceability/*/translations; do \
	  [ -d "$$d" ] && $(VENV)/bin/pybabel compile --statistics -d "$$d" 2>&1 | grep -v '^compiling' || true; \
	done

run: install
	$(VENV)/bin/traceability db upgrade
	$(VENV)/bin/traceability demo
	@echo "Mail without MAIL_SERVER is written to $${OUTBOX_DIR:-$${INSTANCE_PATH:-$$(pwd)/instance}/outbox}"
	@# the worker runs beside the server and stops with it (Ctrl-C, or the server exiting); both write their
	@# metrics to one folder, which the server's /metrics adds up
	export PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$${INSTANCE_PATH:-$$(pwd)/instance}/prometheus}"; \
	$(VENV)/bin/traceability worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(VENV)/bin/traceability serve --host $(HOST) --port $(PORT); status=$$?; exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check .

system-packages:
	@scripts/ensure-system-packages.sh

test: install system-packages lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	@for script in scripts/bench*.py; do [ -f "$$script" ] && $(PY) "$$script" || exit 1; done

clean-db:
	rm -f instance/traceability.db instance/traceability.db-wal instance/traceability.db-shm

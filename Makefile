# Borgerplan: the verbs people expect. `make dev` runs the whole system, `make test` passes the tests.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
LINT_PATHS := contracts/src libs/api/src libs/plumbing/src libs/rules/src cli/src services/plan/src services/meetings/src \
	services/consent/src services/notify/src services/outreach/src services/gateway/src services/web/src

.PHONY: setup dev test test-unit lint format stop status schemas contracts docs client bench

setup:  ## install uv if missing, then the workspace (Python 3.11+, locked)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet
	@bash services/web/build.sh  # the pages' assets (dkfds, htmx, axe-core) and the PDF's libraries

dev: setup  ## start Kafka, FerretDB, the SMTP sink and the five services; load the demo citizen
	$(UV) run borgerplan dev

test: setup  ## all tests: unit, integration (real Kafka + FerretDB), e2e (running services) and the browser suite
	@bash services/web/build.sh chromium  # Debian's Chromium for tests/browser, when missing
	$(UV) run pytest

test-unit: setup
	$(UV) run pytest tests/unit

lint: setup  ## ruff, formatting, mypy --strict and the import contracts, as CI runs them
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy $(LINT_PATHS)
	$(UV) run lint-imports --no-cache
	$(UV) run python -m borgerplan_contracts.schemas --check
	$(UV) run python -m borgerplan_contracts.asyncapi --check
	$(UV) run python -m gateway_service.openapi --check
	$(UV) run python -m borgerplan_cli.architecture --check

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

schemas: contracts

contracts: setup  ## regenerate the committed contracts: the events' JSON Schemas, AsyncAPI, the gateway's OpenAPI
	$(UV) run python -m borgerplan_contracts.schemas
	$(UV) run python -m borgerplan_contracts.asyncapi
	$(UV) run python -m gateway_service.openapi

docs: setup  ## regenerate docs/architecture.md's tables from the code (routes, consumers, calls between processes)
	$(UV) run python -m borgerplan_cli.architecture

client: setup  ## generate the Python client from contracts/openapi.json into .build/client (openapi-python-client)
	$(UV) run python -m tests.support.client

bench: setup  ## benchmarks: print their numbers (each starts what it needs; scale.py seeds 10,000 citizens, about an hour)
	@for b in bench/*.py; do \
	  case $$(basename $$b) in _*) continue;; esac; \
	  grep -q '^if __name__ == "__main__":' $$b || continue; \
	  echo "== $$b"; $(UV) run python -u $$b || exit 1; \
	done

stop:  ## stop the services and the local servers
	$(UV) run borgerplan stop

status:
	$(UV) run borgerplan status

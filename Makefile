# The verbs a newcomer looks for. Everything runs from the project venv (.venv, Python 3.13, managed by uv).
SHELL := /bin/bash
# Python 3.13: pyenv's, else python3.13 on PATH, else "3.13" and uv provides it (downloads a build where it can).
PY313 := $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || echo 3.13)
# uv: the one on PATH, else the project's own copy in .tools/uv (scripts/ensure_uv.sh installs it).
UV := $(shell command -v uv 2>/dev/null || echo .tools/uv/bin/uv)
RUN := $(UV) run --frozen
SAM := .tools/sam/bin/sam
FN ?= billing_read
EVENT ?= events/billing_read_get_billing.json
ENV ?= default

.PHONY: help venv dev test test-fast storm soak lint template-check unit integration e2e browser bench build invoke deploy sam-tools clean \
	sync-catalog portal-config migrate-accounts migrate-billing-mode retention-report flake-check reliability-index openapi check-branding web-headers web-deploy

help:
	@echo "make dev       run the offline stack (moto, Stripe emulator, local API gateway, web page, example host app); BRANDING=path brands it"
	@echo "make test      lint, template checks, unit, integration, end-to-end and browser tests"
	@echo "make storm     the 10,000-subscription renewal storm under Stripe's live rate limits (make test runs 120)"
	@echo "make soak      the long property runs: the money oracle (ORACLE_EXAMPLES=70 per starting kind, a new seed each run) and 500 webhook lifecycles"
	@echo "make lint      ruff and mypy (strict; tests with looser rules); eslint and tsc (// @ts-check, JSDoc) for the page in web/"
	@echo "make flake-check   the end-to-end and browser suites FLAKE_RUNS times in a row (default 20), stops at a failure"
	@echo "make reliability-index   rewrite the test index at the end of docs/reliability.md (a test fails when stale)"
	@echo "make openapi   rewrite docs/openapi.json, the API contract, from the functions' apps (a test fails when stale)"
	@echo "make bench     benchmarks (tables printed, JSON under .bench/)"
	@echo "make build     sam build for python3.13/arm64, then precompile bytecode"
	@echo "make invoke    run one handler on one event: make invoke FN=billing_read EVENT=events/<file>.json"
	@echo "make deploy    sam deploy (ENV=default|prod)"
	@echo "make check-branding   validate a branding file and its WCAG AA contrast (BRANDING=path, default: branding.json beside the catalog)"
	@echo "make sync-catalog   Stripe products/prices/coupon from the catalog (ARGS=--dry-run to only print the plan)"
	@echo "make migrate-accounts  move billing items from before billing accounts to personal accounts (ARGS=--dry-run)"
	@echo "make portal-config  create/update the Stripe portal configuration and store its id (after sync-catalog)"
	@echo "make migrate-billing-mode   list classic-mode subscriptions (they cannot be paused); ARGS=--apply migrates them to flexible"
	@echo "make retention-report [SINCE=YYYY-MM-DD]  the cancellation flow per reason and offer, from recorded steps"
	@echo "make web-headers    rewrite the page's security headers in template.yaml from web/security_headers.json"
	@echo "make web-deploy     upload web/ and config.json to the hosted page (WebHosting=true), invalidate CloudFront"

venv: .venv/.synced

.tools/uv/bin/uv:
	bash scripts/ensure_uv.sh

.venv/.synced: pyproject.toml $(wildcard packages/*/pyproject.toml) uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PY313)
	@touch $@

sam-tools: $(SAM)

$(SAM):
	bash scripts/install_sam.sh

# BRANDING=<file> brands the page (make dev BRANDING=local/stack/examples/branding.acme.json).
# The API docs page (/docs) serves Swagger UI from node_modules: installed here when npm is there (no npm: the
# stack runs, and /docs says to run `npm ci`).
dev: venv
	@if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then \
	  if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	  else echo "npm not found: the API docs page (/docs) needs Node 20+ and npm ci"; fi; fi
	$(if $(BRANDING),BRANDING_PATH=$(BRANDING) ,)$(RUN) python -m local.stack.dev

check-branding: venv
	$(RUN) python -m local.branding $(BRANDING)

lint: venv node_modules/.installed
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy layers/shared/billing_core functions local admin packages/stripe_emulator/src
	$(RUN) mypy tests packages/stripe_emulator/tests
	npm run --silent lint:web

# The page's linters (eslint, tsc on its JSDoc types), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

template-check: venv sam-tools
	bash scripts/check_template.sh

# The deployment bundle is built in the background; the bundle tests in tests/template run scripts/build.sh
# again, which waits for this build and then finds SAM's cache warm. The linters and the template check run beside
# the tests (the browser and stack tests mostly wait, which leaves a core idle about a third of the time); their
# output is printed after the tests', and either failing fails `make test`. TEST_WORKERS=3 was measured (pytest
# 10:25 against 10:53 with 2, one run each, lint beside): not enough to pay for the untested timing, so 2 stays.
TEST_WORKERS ?= 2
test: venv sam-tools node_modules/.installed
	@mkdir -p .aws-sam test-artifacts && (bash scripts/build.sh > .aws-sam/early-build.log 2>&1 &)
	@$(MAKE) --no-print-directory lint template-check > test-artifacts/lint.log 2>&1 & linting=$$!; \
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25 tests packages/stripe_emulator/tests; tested=$$?; \
	wait $$linting; linted=$$?; \
	echo "== lint and template-check (test-artifacts/lint.log)"; cat test-artifacts/lint.log; \
	if [ $$linted -ne 0 ]; then echo "make test: lint or template-check FAILED (above)"; fi; \
	if [ $$tested -ne 0 ]; then echo "make test: the tests FAILED"; fi; \
	[ $$tested -eq 0 ] && [ $$linted -eq 0 ]

test-fast: venv
	$(RUN) pytest -n 2 --dist loadgroup tests/unit packages/stripe_emulator/tests/contract

# The renewal storm at full size (docs/scale.md): 10,000 subscriptions, every event through the webhook.
STORM_SUBSCRIPTIONS ?= 10000
storm: venv
	STORM_SUBSCRIPTIONS=$(STORM_SUBSCRIPTIONS) $(RUN) pytest -p no:cacheprovider -q -s tests/integration/webhook/test_renewal_storm.py

soak: venv
	HYPOTHESIS_PROFILE=soak $(RUN) pytest -p no:cacheprovider -s tests/property/test_money_oracle.py
	WEBHOOK_PROPERTY_CUSTOMERS=$${WEBHOOK_PROPERTY_CUSTOMERS:-500} $(RUN) pytest -p no:cacheprovider -s \
	  tests/integration/webhook/test_property_lifecycles.py

# Zero flakes: the suites that start the offline stack, run again and again with the options of `make test`.
FLAKE_RUNS ?= 20
FLAKE_ARGS ?= -n 2 --dist loadgroup
flake-check: venv
	@passed=0; \
	for run in $$(seq 1 $(FLAKE_RUNS)); do \
	  echo "== flake-check: run $$run of $(FLAKE_RUNS)"; \
	  if ! $(RUN) pytest -q -p no:cacheprovider $(FLAKE_ARGS) tests/e2e tests/browser; then \
	    echo "flake-check: run $$run of $(FLAKE_RUNS) FAILED ($$passed passed before it)"; \
	    exit 1; \
	  fi; \
	  passed=$$((passed + 1)); \
	done; \
	echo "flake-check: $$passed of $(FLAKE_RUNS) runs passed"

reliability-index: venv
	$(RUN) python scripts/reliability_index.py

# The one API contract (OpenAPI 3.1) from every routed function's app; tests/tooling/test_openapi.py fails when stale.
openapi: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.openapi $(ARGS)

bench: venv
	$(RUN) python -m bench

build: venv sam-tools
	bash scripts/build.sh

invoke: venv
	$(RUN) python -m local.invoke $(FN) $(EVENT)

deploy: build
	$(SAM) deploy --config-env $(ENV)
	$(MAKE) web-deploy ENV=$(ENV)

# After `sam deploy`: reads the stack outputs, writes billing/config.json, uploads web/ under billing/ and
# invalidates CloudFront; says so and exits 0 when the stack does not host the page (WebHosting=false).
web-deploy: venv
	$(RUN) python -m admin.web_deploy --config-env $(ENV) $(ARGS)

web-headers: venv
	$(RUN) python -m admin.web_headers

# Both read STRIPE_SECRET_KEY (or the STRIPE_SECRET_NAME secret), STRIPE_API_BASE (emulator), CATALOG_PATH;
# portal-config also TABLE_NAME, APP_BASE_URL, RETURN_PATH_PREFIXES and the PORTAL_* business profile links.
sync-catalog: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.catalog_sync $(ARGS)

migrate-accounts: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.accounts_migrate --all $(ARGS)

portal-config: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.portal_config $(ARGS)

migrate-billing-mode: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.migrate_billing_mode $(ARGS)

# Reads TABLE_NAME (the billing table). SINCE=YYYY-MM-DD counts flows started from that day (default: 90 days).
retention-report: venv
	PYTHONPATH=layers/shared $(RUN) python -m admin.retention_report $(if $(SINCE),--since $(SINCE)) $(ARGS)

clean:
	rm -rf .aws-sam .bench .local .pytest_cache .mypy_cache .ruff_cache

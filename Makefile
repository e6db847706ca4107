# Fourflow. `make run` and `make test` install everything they need themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV = $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test check lint typecheck imports pytest install install-dev browser bench translations clean

run: install ## Start the app on the embedded PostgreSQL (or DATABASE_URL) with the demo world
	$(BIN)/fourflow run

test: install-dev browser ## Lint, type-check, layer contracts and the whole test suite
	$(MAKE) --no-print-directory check pytest

check: lint typecheck imports

lint:
	$(BIN)/ruff check src tests bench migrations

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

pytest:
	$(BIN)/pytest

bench: install-dev ## Benchmarks against a running server: see bench/README.md
	$(BIN)/python bench/api_baseline.py

translations: install-dev ## Re-extract strings and merge them into the catalogs
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k translate -o src/fourflow/core/locales/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i src/fourflow/core/locales/messages.pot -d src/fourflow/core/locales -D messages --no-fuzzy-matching --omit-header

# --- installation ------------------------------------------------------------------------
uv-available:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
	  $(PYTHON) -m pip install --quiet uv || $(PYTHON) -m pip install --quiet --user uv || \
	  $(PYTHON) -m pip install --quiet --break-system-packages uv

$(BIN)/python: | uv-available
	$(UV) venv --quiet --python $(PYTHON) $(VENV)

$(VENV)/.installed-main: requirements/main.lock pyproject.toml | $(BIN)/python
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements/main.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-dev; touch $@

$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements/dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(VENV)/.installed-main; touch $@

# The dev lock is a superset of the main one, so an environment set up for tests can run.
install:
	@if [ -f $(VENV)/.installed-dev ] && [ $(VENV)/.installed-dev -nt requirements/dev.lock ]; then :; \
	 else $(MAKE) --no-print-directory $(VENV)/.installed-main; fi

install-dev: $(VENV)/.installed-dev

# Debian's Chromium for the browser tests (never a downloaded browser build), and a CJK font
# so screenshots of the Chinese pages show characters rather than empty boxes.
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-wqy-zenhei >/dev/null; \
	fi

lock: ## Re-pin the dependencies (hashes, no download addresses)
	$(UV) pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links --python-version 3.11 pyproject.toml -o requirements/main.lock
	$(UV) pip compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links --python-version 3.11 --extra dev pyproject.toml -o requirements/dev.lock

clean:
	rm -rf $(VENV) .fourflow .pytest_cache .mypy_cache .ruff_cache

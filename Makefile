# Kisaansay: `make run` serves the app on http://localhost:3000; `make test` runs the whole suite.
# Both set everything up first (venv, Python and JS deps, migrations); a second run skips what is done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
TOOLS_BIN := $(CURDIR)/tools/node_modules/.bin

# Reflex must use bun and Node 22 from tools/ (its own downloads fail offline) and must not phone home.
export PATH := $(TOOLS_BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY := https://registry.npmjs.org/
export PYTHONUNBUFFERED := 1

.PHONY: setup run test test-fast migrate seed chromium fonts ops-tools voice-tools bench clean lint audit coverage

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMPS)/py-deps: requirements.txt | $(PY)
	@mkdir -p $(STAMPS)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(STAMPS)/js-tools: tools/package.json tools/package-lock.json
	@mkdir -p $(STAMPS)
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMPS)/py-deps $(STAMPS)/js-tools fonts
	@mkdir -p data

# PDF statements and receipts draw each script with its own font (services/documents/fonts.py), and the PDF
# tests read them back with pdftotext.
SCRIPT_FONTS := fonts-lohit-deva fonts-lohit-guru fonts-lohit-gujr fonts-lohit-taml fonts-lohit-telu
PDF_FONTS := fonts-dejavu-core $(SCRIPT_FONTS)
fonts:
	@if ! dpkg -s $(PDF_FONTS) poppler-utils >/dev/null 2>&1; then \
		echo "Installing Debian's DejaVu and Lohit fonts (PDF documents) and poppler-utils (their tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_FONTS) poppler-utils; \
	fi

migrate: setup
	$(PY) -m kisaan_app migrate up

seed: migrate
	$(PY) -m kisaan_app seed-demo

run: seed voice-tools
	@$(PY) -m kisaan_app demo-logins
	$(PY) -m kisaan_app serve

# Browser tests need Debian's chromium, and a font for every script the catalogues use so pages render (not as
# boxes): Devanagari (Hindi, Marathi), Gurmukhi (Punjabi), Gujarati, Tamil, Telugu. tests/unit/test_languages.py
# checks every catalogue character has a glyph in some installed font (SCRIPT_FONTS, above).
chromium:
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s $(SCRIPT_FONTS) >/dev/null 2>&1; then \
		echo "Installing Debian's chromium and fonts for every Indian script the app shows"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium $(SCRIPT_FONTS); \
	fi

# Reading aloud needs espeak-ng (speech, every Indian language we serve, offline) and opus-tools (opusenc: Opus at
# 16 kbit/s; opusdec for the tests): the app runs both as subprocesses. Without them "Listen" is hidden, nothing breaks.
voice-tools:
	@if ! command -v espeak-ng >/dev/null || ! command -v opusenc >/dev/null; then \
		echo "Installing Debian's espeak-ng and opus-tools for spoken alerts"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng opus-tools; \
	fi

# Operations tests need promtool (alert rules), nginx (the multi-node test's proxy) and docker-compose (checks the
# compose file; no engine is needed for `config`): Debian's packages, installed once.
ops-tools:
	@if ! command -v promtool >/dev/null || ! command -v nginx >/dev/null || ! command -v docker-compose >/dev/null; then \
		echo "Installing Debian's prometheus (promtool), nginx-light and docker-compose for the operations tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus nginx-light docker-compose; \
	fi

test: setup chromium ops-tools voice-tools
	$(PY) -m pytest

test-fast: setup ops-tools voice-tools
	$(PY) -m pytest -m "not e2e"

bench: setup
	$(PY) bench/fanout.py

# ruff, then the import contracts in .importlinter (layers; services never import tasks; kisaan_app never
# imports the sandbox), then mypy on services/ and api/ (pyproject.toml [tool.mypy]: a ratchet per module).
lint: setup
	$(PY) -m ruff check kisaan_app sandbox tests bench .ci
	$(PY) -m ruff format --check kisaan_app sandbox tests bench .ci
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# Line coverage of kisaan_app over the non-browser suite (pages/components run in the browser journeys). Not in
# `make test`: it re-runs most of the suite. Set [tool.coverage.report] fail_under from a quiet machine's figure.
coverage: setup
	$(PY) -m coverage run -m pytest -m "not e2e and not fuzz" -q
	$(PY) -m coverage report --sort=cover | tail -25

# Known vulnerabilities in the pinned packages (pip-audit); passes, saying so, where the index has no advisory data.
audit: setup
	$(PY) .ci/audit_dependencies.py

clean:
	rm -rf $(STAMPS) .web .states

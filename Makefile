# Two commands do all the set-up:  `make run`  (the demo)  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# DEBUG is off unless asked for (a deployment that forgets it never runs on the
# development keys); the demo and the tests run the development configuration.
export DJANGO_DEBUG ?= 1
# Debian packages the project needs, and the programs that prove them:
# ffmpeg to run; the tests also drive Debian's Chromium (never a downloaded one).
SYSTEM_PACKAGES ?= ffmpeg
SYSTEM_PROGRAMS ?= ffmpeg ffprobe
TEST_SYSTEM_PACKAGES ?= ffmpeg chromium chromium-driver
TEST_SYSTEM_PROGRAMS ?= ffmpeg ffprobe chromium

.PHONY: run test lint setup system venv migrate clean

run: setup migrate
	$(PY) manage.py demo

test: SYSTEM_PACKAGES = $(TEST_SYSTEM_PACKAGES)
test: SYSTEM_PROGRAMS = $(TEST_SYSTEM_PROGRAMS)
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# The team's habits, checked: the app graph is a ladder (import-linter), ruff
# (pyflakes, isort, bugbear, pyupgrade), mypy with django-stubs on the apps.
lint: venv
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy streaming catalog transcoding edge

setup: system venv

system:
	@missing=""; for p in $(SYSTEM_PROGRAMS); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages: $(SYSTEM_PACKAGES) (missing:$$missing)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "Missing:$$missing. Install the Debian packages with:"; \
	    echo "    sudo apt-get install $(SYSTEM_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "Python's venv module is missing. Install it with: sudo apt-get install python3-venv"; exit 1; fi; \
	fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

migrate:
	$(PY) manage.py migrate --no-input -v 0

clean:
	rm -rf $(VENV) var

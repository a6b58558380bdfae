# One entry point for people and CI. Every target first makes sure the local virtual environment exists
# and matches pyproject.toml (a stamp file), so a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
EXTRAS ?= dev,train,postgres,pam
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench fuzz package screenshot venv clean sysdeps models translations

run: $(STAMP)
	@$(PY) -m radassist.syscheck || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing the missing system libraries (running as root)..."; \
	    $(MAKE) --no-print-directory sysdeps && $(PY) -m radassist.syscheck; \
	  else exit 3; fi; }
	$(PY) main.py

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# ruff, the import contracts (run time fenced from training, core layers), mypy (with its per-module
# baseline in pyproject.toml), and every bundled model package verified (hashes, card schema, a LiteRT run
# checked against the declared outputs).
lint: $(STAMP)
	$(VENV)/bin/ruff check radassist tests main.py scripts packaging
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) -m radassist models verify radassist/resources/models/*
	$(PY) -m radassist models bundle-manifest --check

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.bench.run $(BENCH_ARGS)

fuzz: $(STAMP)
	QT_QPA_PLATFORM=offscreen RADASSIST_FUZZ_EXAMPLES=$${RADASSIST_FUZZ_EXAMPLES:-3000} \
	  $(PY) -m pytest -q -p no:cacheprovider tests/core/image/test_read_fuzz.py

# The Qt translation catalogues: radassist_en.ts is the source catalogue, every tr()/translate() string of
# radassist/gui (no line numbers, so an edit elsewhere in a file does not change it; tests/gui/test_i18n.py
# fails when it is not current); lupdate adds new strings to each translated radassist_<lang>.ts too, and
# lrelease compiles those into the radassist_<lang>.qm the app loads for the system locale.
translations: $(STAMP)
	$(VENV)/bin/pyside6-lupdate -locations none -no-obsolete -source-language en radassist/gui/*.py \
	  -ts $$(ls radassist/resources/i18n/radassist_*.ts 2>/dev/null | grep -vx radassist/resources/i18n/radassist_en.ts) \
	  radassist/resources/i18n/radassist_en.ts
	@for ts in radassist/resources/i18n/radassist_*.ts; do \
	  [ "$$ts" = radassist/resources/i18n/radassist_en.ts ] || $(VENV)/bin/pyside6-lrelease "$$ts" -qm "$${ts%.ts}.qm"; \
	done

screenshot: $(STAMP)
	bash scripts/screenshot.sh

package: $(STAMP)
	$(PY) -m pip install -q -e '.[package]'
	$(PY) -m PyInstaller --noconfirm packaging/radassist.spec

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "RadAssist needs Python 3.11 or newer; $(PYTHON) is older. Run e.g.: make PYTHON=python3.12 ..." >&2; exit 3; }
	@test -x $(VENV)/bin/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "Could not create the virtual environment. On Debian/Ubuntu: sudo apt-get install -y python3-venv" >&2; \
	  exit 3; }; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	@touch $(STAMP)

# Debian packages the app and the tests need: Qt's xcb libraries, Xvfb for screenshots, PostgreSQL.
sysdeps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0 \
	  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 \
	  libxcb-xkb1 libxcb-randr0 libxcb-xinerama0 xvfb postgresql python3-venv

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

# The README's two commands: `make run` (main job on the embedded defaults) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE ?= 1
PORT ?= 8000

.PHONY: run test install clean

# WeasyPrint (PDF reports) needs Pango from Debian's packages: install them only when it cannot load (needs root).
install: $(VENV)/.installed
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core; }

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
ifneq ($(SERVE),0)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (API docs at /api/v1/docs/). Press Ctrl+C to stop."
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)
endif

# The browser tests drive Debian's Chromium, installed here when missing (needs root); never `playwright install`.
test: install
	@test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium chromium-driver; }
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m pytest
	@# The audit checks again on SQLite, the database that `make run` uses: some checks have PostgreSQL-only SQL.
	DATABASE_URL=sqlite:///$(CURDIR)/var/test-sqlite.sqlite3 $(BIN)/python -m pytest -q -p no:cacheprovider tests/audits

clean:
	rm -rf $(VENV) db.sqlite3 var

# Everything a newcomer needs: `make run` and `make test` set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	mkdir -p data
	$(BIN)/newsfeed seed
	$(BIN)/newsfeed serve

test: $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

# Interface text: extract it from code and templates, add a catalog for every language in
# NEWSFEED_LANGS that has none, merge new text into the catalogs, compile them (the
# service also compiles the .po files in memory at start, so this is never required).
# The catalogs live inside the package, so an installed newsfeed carries them.
NEWSFEED_LANGS ?= ko,en
LOCALES := src/newsfeed/locales
i18n: $(VENV)/.run-deps
	$(BIN)/pybabel extract -F babel.cfg -o $(LOCALES)/messages.pot --no-location --sort-output \
		--project newsfeed --copyright-holder newsfeed .
	for lang in $$(echo "$(NEWSFEED_LANGS)" | tr ',' ' '); do \
		test -f $(LOCALES)/$$lang/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages -l $$lang; \
	done
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics

# Throughput of every hot path against a hello-world baseline, peak memory and exact hits,
# on 100,000 generated articles (a few minutes; by hand only, never part of `make test`).
bench: $(VENV)/.run-deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info

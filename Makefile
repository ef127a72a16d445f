# The two commands of the README: `make run` (build the KG if stale, serve it) and `make test`.
# Each creates .venv and installs what it needs; nothing else is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UI_STAMP := endpoint/static/vendor/.installed
COMUNICA_STAMP := tests/federation/comunica/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build ui docs ontology clean bench comunica

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# YASGUI comes from the npm registry at build time and is served from our own origin (no CDN at run time).
$(UI_STAMP): endpoint/ui/package.json endpoint/ui/package-lock.json
	cd endpoint/ui && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p endpoint/static/vendor
	cp endpoint/ui/node_modules/@zazuko/yasgui/build/yasgui.min.js endpoint/static/vendor/
	cp endpoint/ui/node_modules/@zazuko/yasgui/build/yasgui.min.css endpoint/static/vendor/
	touch $@

ui: $(UI_STAMP)

# Comunica, an independent SPARQL client the federation tests drive, at the versions its lock file pins.
$(COMUNICA_STAMP): tests/federation/comunica/package.json tests/federation/comunica/package-lock.json
	cd tests/federation/comunica && npm ci --no-audit --no-fund --loglevel=error
	touch $@

comunica: $(COMUNICA_STAMP)

# Rebuild only when a source, the ontology, the shapes or the reference data is newer than the store.
build: $(STAMP)
	$(BIN)/cdkg build --if-stale

run: $(STAMP) $(UI_STAMP) build
	$(BIN)/cdkg serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(UI_STAMP) $(COMUNICA_STAMP)
	$(BIN)/python -m pytest -q -ra

docs: $(STAMP)
	$(BIN)/cdkg ontology docs

ontology: $(STAMP)
	$(BIN)/cdkg ontology generate

# Benchmarks print figures (ratios against a baseline measured in the same run); none is a pass/fail test.
bench: $(STAMP) $(UI_STAMP)
	$(BIN)/python -m tests.bench.bench_mappings --repeat 10
	$(BIN)/python -m tests.bench.bench_build --sizes 10000
	$(BIN)/python -m tests.bench.bench_shapes --statements 10000
	$(BIN)/python -m tests.bench.bench_endpoint --duration 10

clean:
	rm -rf $(VENV) kg/store endpoint/static/vendor endpoint/ui/node_modules tests/federation/comunica/node_modules

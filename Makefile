# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-annotations test test-slow bench bench-e2e bench-e2e-quick install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo/corpus/.complete: $(STAMP) demo/make_corpus.py demo/textgen.py demo/textbanks_en.py demo/textbanks_zh.py
	$(PY) demo/make_corpus.py demo/corpus
	touch $@

demo: demo/corpus/.complete
	$(VENV)/bin/steward run configs/demo.yaml

# Annotation-quality audit on a generated annotation set (several annotators, a weak one, a voided batch).
demo-annotations: $(STAMP)
	$(PY) demo/make_annotations.py demo/annotations
	$(VENV)/bin/steward audit-annotations configs/annotations_demo.yaml

test: $(STAMP)
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

# Every benchmark at its default size (component benches, then ours vs datatrove at 100k documents).
bench: $(BENCH_STAMP)
	$(PY) bench/run_all.py

# Ours vs datatrove at 100k and 1M documents (about 3 hours on 2 cores; run on a quiet machine).
bench-e2e: $(BENCH_STAMP)
	$(PY) bench/e2e_bench.py --docs 100000 --docs 1000000 --allow-million --profile  # ≈ 2 h: datatrove at 1M dominates

bench-e2e-quick: $(BENCH_STAMP)
	$(PY) bench/e2e_bench.py --docs 10000

clean:
	rm -rf out demo/corpus demo/annotations

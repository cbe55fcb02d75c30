# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-flink demo-prism demo-annotations test test-slow bench bench-e2e bench-e2e-quick bench-runners install clean

# The project's own bytecode, written once: pip compiles what it installs, but an editable install leaves
# the project's modules to the interpreter, which writes no cache where PYTHONDONTWRITEBYTECODE is set, so
# every run (and each of its worker processes) compiled them again (≈ 0.17 CPU s per process).
# Python checks each cached file against its source, so an edited module is compiled afresh.
BYTECODE := $(PY) -m compileall -q pipelines transforms expectations

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(BYTECODE)
	touch $(STAMP)

install: $(STAMP)
	$(BYTECODE)

demo/corpus/.complete: $(STAMP) demo/make_corpus.py demo/textgen.py demo/textbanks_en.py demo/textbanks_zh.py
	$(PY) demo/make_corpus.py demo/corpus
	touch $@

demo: demo/corpus/.complete
	$(VENV)/bin/steward run configs/demo.yaml

# The demo on a local Apache Flink cluster (JobManager + TaskManager with 2 slots, from PyPI into .flink/;
# Beam's Flink job-server jar from Maven Central) with a Beam worker pool; the cluster is stopped afterwards.
PORTABLE_ARGS := --runner=PortableRunner --job_endpoint=localhost:8099 --environment_type=EXTERNAL --environment_config=localhost:50000
demo-flink: demo/corpus/.complete
	scripts/cluster.sh flink start
	$(VENV)/bin/steward run configs/demo.yaml $(PORTABLE_ARGS); rc=$$?; scripts/cluster.sh flink stop; exit $$rc

# The demo on Beam's Prism runner (built with `go install` into .prism/) with a Beam worker pool.
demo-prism: demo/corpus/.complete
	scripts/cluster.sh prism start
	$(VENV)/bin/steward run configs/demo.yaml $(PORTABLE_ARGS); rc=$$?; scripts/cluster.sh prism stop; exit $$rc

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

# Embedded 1/2 workers and the portable runners side by side on the real bench corpus (bench/RESULTS.md).
bench-runners: $(BENCH_STAMP)
	$(PY) bench/runners_bench.py --docs 20000

bench-e2e-quick: $(BENCH_STAMP)
	$(PY) bench/e2e_bench.py --docs 10000

clean:
	rm -rf out demo/corpus demo/annotations

"""Reuse stage throughput on real text: paragraph dedup + containment on ``../shared/data/bench/real-100k``.

Rows (each in its own subprocess, so peak RSS is its own):

- ``sketch``: the per-batch kernel (NFKC + casefold once, line hashes, shingles, winnowed fingerprints);
- ``core``: the whole decision core in memory: sketch of every batch, then repeated lines, fingerprint pairs,
  candidates, exact containment, greedy pass (what the Beam stage computes, one bucket) and every record's
  decision (``ReuseControl.decide``, which rewrites the modified texts);
- ``beam1``: the ``reuse`` stage in a Beam pipeline (FnApiRunner, 1 worker): batches read from pickles inside
  the pipeline, spilled, shuffled, decided; docs/CPU-s counts the whole subprocess (start-up included);
- ``beam_noop``: the same pipeline with a stage that keeps everything through the same corpus-wide shape
  (:class:`DecideWithView`: spill, a side input, decide): what any corpus-wide stage pays before its own work.

The input batches (1,000 records, source / file / line locator as ingest makes them) are pickled once into
a cache directory outside the timed region. The machine is shared: the load average is printed with each row.

    .venv/bin/python bench/reuse_bench.py [--docs 100000] [--only sketch,core,beam1]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BATCH = 1000
CONFIGS = {
    "sketch": "sketch kernel (lines, shingles, fingerprints)",
    "core": "decision core in memory (sketch + tables + decide)",
    "beam1": "reuse stage, Beam FnApiRunner, 1 worker",
    "beam_noop": "same pipeline, a keep-all corpus-wide stage (baseline)",
}
CACHE = Path(tempfile.gettempdir()) / "datasteward-reuse-bench"


def input_paths(docs: int) -> list[str]:
    return [str(CACHE / f"batch-{i:05d}.pkl") for i in range((docs + BATCH - 1) // BATCH)]


def prepare_input(docs: int) -> None:
    paths = input_paths(docs)
    if all(Path(p).exists() for p in paths):
        return
    sys.path.insert(0, str(ROOT / "eval"))
    from reuse_eval import REAL, load_real

    from transforms.core.records import Batch, content_sha256, lineage_entry

    rows = load_real(REAL)[:docs]
    CACHE.mkdir(parents=True, exist_ok=True)
    for k, path in enumerate(paths):
        part = rows[k * BATCH : (k + 1) * BATCH]
        batch = Batch.from_rows(
            {"id": r["id"], "text": r["text"], "source": r["src"], "source_uri": f"real-100k/{r['src']}.jsonl",
             "locator": f"line={k * BATCH + n};offset=0", "license": "CC0-1.0", "lang": None, "meta": {"url": r["url"]},
             "content_sha256": content_sha256(r["text"]), "tags": [], "lineage": [lineage_entry("ingest", "keep")]}
            for n, r in enumerate(part)
        )  # fmt: skip
        with open(path, "wb") as f:
            pickle.dump(batch, f)


def load_batch(path: str):
    with open(path, "rb") as f:
        return pickle.load(f)


def run_config(name: str, paths: list[str]) -> dict:
    if name.startswith("beam"):
        return _run_beam(paths, noop=name == "beam_noop")
    from transforms.reuse.control import ReuseControl
    from transforms.reuse.resolve import batch_chunk, decide_in_memory
    from transforms.reuse.sketch import sketch
    from transforms.reuse.stage import ReuseConfig

    params = ReuseConfig().params()
    batches = [load_batch(p) for p in paths]
    start, cpu_start = time.perf_counter(), time.process_time()
    result: dict = {}
    if name == "sketch":
        for b in batches:
            sketch(b.text, params.word_ngram, params.char_ngram, params.window)
    else:
        removal, table, counts = decide_in_memory([batch_chunk(b, params) for b in batches], params)
        control = ReuseControl((removal, table), params)
        actions: dict = {}
        for b in batches:
            for d in control.decide(b):
                actions[d.action] = actions.get(d.action, 0) + 1
        result = {"actions": actions}
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu_start, "docs": sum(len(b) for b in batches), **result}


def _run_beam(paths: list[str], noop: bool = False) -> dict:
    import apache_beam as beam

    from pipelines.graph import pipeline_options
    from transforms.core.stage import RunContext
    from transforms.reuse.stage import ReuseConfig

    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext("bench", Path(tmp), Path(tmp), Path(tmp), SimpleNamespace(output=SimpleNamespace(mode="overwrite")))
        stage = ReuseConfig().create()
        start = time.perf_counter()
        pipeline = beam.Pipeline(options=pipeline_options(["--runner=FnApiRunner"]))
        batches = pipeline | beam.Create(paths) | beam.Reshuffle() | beam.Map(load_batch)
        if noop:
            from transforms.core.stage import KEEP, Control, DecideWithView

            view = beam.pvalue.AsSingleton(pipeline | "One" >> beam.Create([None]))
            batches | DecideWithView("reuse", _KeepAll, view, ctx.spill_dir("reuse"), ctx.run_id)
        else:
            stage.expand(batches, ctx)
        result = pipeline.run()
        result.wait_until_finish()
        seconds = time.perf_counter() - start
        counters = {m.key.metric.name: m.committed for m in result.metrics().query()["counters"]}
    return {"seconds": seconds, "docs": len(paths) * BATCH,
            "actions": {k.split(":", 1)[1]: v for k, v in counters.items() if k.split(":", 1)[1] in ("input", "modify", "rejected", "annotate")}}  # fmt: skip


class _KeepAll:
    """make_control for the baseline: a control that keeps every record."""

    def __new__(cls, view):
        from transforms.core.stage import KEEP, Control

        class KeepAll(Control):
            stage = "reuse"

            def decide(self, batch):
                return [KEEP] * len(batch)

        return KeepAll()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--only", default=",".join(CONFIGS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = input_paths(args.docs)
    if args.worker:
        print(json.dumps(run_config(args.worker, paths)))
        return
    prepare_input(args.docs)
    print(f"real-100k, first {args.docs:,} docs; cores: {os.cpu_count()}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine: numbers are noisy)")
    print(f"{'configuration':<52} {'docs/s':>9} {'docs/CPU-s':>11} {'peak RSS MiB':>13}  note")
    for name in args.only.split(","):
        with tempfile.TemporaryFile(mode="w+") as err:
            proc = subprocess.Popen([sys.executable, __file__, "--worker", name, "--docs", str(args.docs)],
                                    stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT)  # fmt: skip
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            err.seek(0)
            error = err.read()
        if code != 0:
            print(f"{CONFIGS[name]:<52} failed: {(error.strip().splitlines() or ['?'])[-1][:100]}")
            continue
        result = json.loads(out.strip().splitlines()[-1])
        cpu = result.get("cpu") or (usage.ru_utime + usage.ru_stime)
        note = f"{result['docs']:,} docs, {result.get('actions', {})}, load {os.getloadavg()[0]:.2f}"
        print(f"{CONFIGS[name]:<52} {result['docs'] / result['seconds']:>9,.0f} {result['docs'] / cpu:>11,.0f} "
              f"{usage.ru_maxrss / 1024:>13,.0f}  {note}")


if __name__ == "__main__":
    main()

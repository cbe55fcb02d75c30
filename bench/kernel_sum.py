"""The full plan's kernels alone, in one process: what the governed run would cost with no overhead around them.

    .venv/bin/python bench/kernel_sum.py --docs 100000 [--run-cpu 95.8]

On the bench's real corpus (bench/real_corpus.py, as bench/e2e_bench.py uses it) and the e2e bench's
``full`` config, it times (CPU seconds, ``time.process_time``) only each stage's own work, record
batches flowing from one stage to the next as in the run:

* ingest: reading the input files into record batches (:class:`ReadFileFn` without Beam);
* every per-batch control: ``Control.decide`` (the kernel; the lineage, rejects and previews that
  :func:`apply_control` adds around it are not counted; it runs, untimed, to pass the kept records on);
* dedup: signatures (:func:`batch_chunk`), the band grouping and resolution in memory
  (:func:`chunk_band_entries`, :func:`candidate_pairs`, :func:`components`, :func:`resolve`) and the
  decision lookup;
* the source roll-up's view is the run's own counts: its decide is timed like any control's.

It prints µs per input document per stage and the sum; with ``--run-cpu`` (the CPU seconds of a
``steward run`` of the same plan on the same corpus, e.g. bench/e2e_bench.py's "CPU s") also the ratio
run ÷ kernels, the figure issue 21 asks to bring to ≤ 1.5. Run both on the same machine state: a
loaded machine slows both (record the load).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.e2e_bench import FULL_PLAN, corpus, write_config  # noqa: E402
from pipelines.config import load_config  # noqa: E402
from transforms.core.stage import ControlStage, apply_control, settle_heap  # noqa: E402
from transforms.core.hashing import components  # noqa: E402
from transforms.dedup.resolve import DecisionLookup, DecisionTable, batch_chunk, candidate_pairs, chunk_band_entries, concat_chunks, resolve  # noqa: E402
from transforms.dedup.stage import DedupStage  # noqa: E402
from transforms.ingest.readers import expand_sources  # noqa: E402
from transforms.ingest.stage import ReadFileFn  # noqa: E402
from transforms.licensing.stage import LicensingControl, LicensingStage  # noqa: E402
from transforms.source_rollup.stage import SourceExclusion, SourceRollupStage, source_verdict  # noqa: E402


class Clock:
    def __init__(self):
        self.cpu: Counter = Counter()

    def __call__(self, stage: str, fn, *args):
        start = time.process_time()
        out = fn(*args)
        self.cpu[stage] += time.process_time() - start
        return out


def dedup_kernel(stage: DedupStage, batches, clock: Clock) -> list:
    params = stage.params
    chunks = [clock("dedup", batch_chunk, b, params) for b in batches]

    def decide_all():
        chunk = concat_chunks(chunks)
        band, docs = chunk_band_entries(chunk, params)
        a, b = candidate_pairs(band, docs, all_pairs_up_to=0)
        keys, labels = components(a, b) if len(a) else (np.zeros(0, np.uint64), np.zeros(0, np.uint64))
        order = np.argsort(keys)
        keys, labels = keys[order], labels[order]
        pos = np.searchsorted(keys, chunk.keys)
        found = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == chunk.keys)
        candidates = chunk.take(np.flatnonzero(found))
        candidates.labels = labels[pos[found]]
        _, table, _ = resolve(candidates, params)
        return table

    table = clock("dedup", decide_all)
    control = DecisionLookup(DecisionTable.concat([table]))
    kept = [apply_control(_Fixed(control.stage, clock("dedup", control.decide, b)), b, "bench").kept for b in batches]
    return [b for b in kept if len(b)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--run-cpu", type=float, help="CPU seconds of the steward run of the same plan and corpus")
    args = parser.parse_args(argv)
    corpus_dir = corpus(args.docs, args.shards, "real")
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "full.yaml"
        write_config(config_path, corpus_dir, FULL_PLAN, Path(tmp) / "out")
        config, _ = load_config(config_path)
    stages = [entry.create() for entry in config.stages]
    ingest, controls = stages[0], stages[1:]
    clock = Clock()
    print(f"{args.docs:,} documents ({corpus_dir.name}), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    sources = {s.name: s for s in config.sources}
    reader = ReadFileFn(sources, ingest.config.max_record_bytes, ingest.config.batch_size, "bench", ingest.config.limits)
    batches = []
    for file in expand_sources(config.sources):
        batches += clock("ingest", lambda f: [b for b in reader.process(f) if type(b).__name__ == "Batch"], file)
    rejected_by_source: Counter = Counter()
    for stage in controls:
        if isinstance(stage, DedupStage):
            batches = dedup_kernel(stage, batches, clock)
            continue
        if isinstance(stage, SourceRollupStage):
            kept = Counter(s for b in batches for s in b.source)
            verdicts = {name: source_verdict(name, rejected_by_source[name], kept[name], stage.config.threshold, stage.config.min_assessed)
                        for name in kept}
            control = SourceExclusion(verdicts)
        elif isinstance(stage, LicensingStage):
            control = LicensingControl(stage.config, stage.sources(SimpleNamespace(config=config)))
        elif isinstance(stage, ControlStage):
            control = stage.control
        else:
            control = getattr(stage, "control", None)
            if control is None:
                print(f"  {stage.name}: no per-batch control, skipped")
                continue
        clock(stage.name, control.setup)
        # As the run's workers do after each stage's setup (core.stage): this bench also holds the whole
        # corpus in memory, which the run never does, and the collector would walk it again and again.
        settle_heap()
        survivors = []
        for batch in batches:
            decisions = clock(stage.name, control.decide, batch)
            for d, source in zip(decisions, batch.source):
                if d.action == "reject" and d.category in ("illegal", "harmful", "high_risk", "classified"):
                    rejected_by_source[source] += 1
            result = apply_control(_Fixed(control.stage, decisions), batch, "bench")
            if len(result.kept):
                survivors.append(result.kept)
        batches = survivors
    total = sum(clock.cpu.values())
    print(f"{'stage':<16} {'CPU s':>8} {'µs/input doc':>13}")
    for name, seconds in clock.cpu.items():
        print(f"{name:<16} {seconds:>8.2f} {seconds / args.docs * 1e6:>13.1f}")
    print(f"{'sum':<16} {total:>8.2f} {total / args.docs * 1e6:>13.1f}   (kept {sum(len(b) for b in batches):,})")
    if args.run_cpu:
        print(f"run ÷ kernels: {args.run_cpu:.2f} / {total:.2f} = ×{args.run_cpu / total:.2f} (issue 21 target ≤ 1.5)")
    return 0


class _Fixed:
    """A control that returns decisions already made (the timed ones), for apply_control's bookkeeping."""

    def __init__(self, stage: str, decisions):
        self.stage, self.decisions = stage, decisions

    def decide(self, batch):
        return self.decisions


if __name__ == "__main__":
    sys.exit(main())

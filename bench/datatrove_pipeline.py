"""The datatrove anchor of bench/e2e_bench.py: the closest datatrove pipeline to our governed run.

Runs inside bench/_work/datatrove-venv (datatrove has its own pins; it never shares our .venv):

    JsonlReader → MinhashDedupSignature          (step 1, one task per input shard)
                → MinhashDedupBuckets            (step 2, one task per LSH band)
                → MinhashDedupCluster            (step 3, one task)
    JsonlReader → MinhashDedupFilter → PIIFormatter → FastTextClassifierFilter → JsonlWriter   (step 4)

Each step is one LocalPipelineExecutor with the same number of worker processes as our run. Prints
one JSON object on stdout: wall seconds per step and datatrove's own per-block stats (stats.json).

Offline: the MinHash word tokenizer for English is spaCy's blank("en") (rules shipped inside the
spacy wheel, nothing downloaded); the fastText model is a local path, which datatrove copies into
its asset cache under $HF_HOME (set by the caller to a folder under bench/_work); HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters.fasttext_filter import FastTextClassifierFilter
from datatrove.pipeline.formatters.pii import PIIFormatter
from datatrove.pipeline.readers.jsonl import JsonlReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.utils.typeshelper import Languages


def _remove_labels(spec: str) -> list[tuple[str, float]]:
    """``hate:0.23,offensive:0.51`` → [("hate", 0.23), ("offensive", 0.51)]."""
    pairs = [item.split(":") for item in spec.split(",") if item]
    return [(label, float(threshold)) for label, threshold in pairs]


def _step_stats(logging_dir: Path) -> list[dict]:
    """datatrove's merged stats of one executor: per block name, time and counters."""
    path = logging_dir / "stats.json"
    if not path.exists():
        return []
    blocks = []
    for block in json.loads(path.read_text()):
        time_stats = block.get("time_stats") or {}
        blocks.append(
            {
                "name": block.get("name"),
                "seconds": time_stats.get("total"),
                "stats": {k: (v.get("total") if isinstance(v, dict) else v) for k, v in (block.get("stats") or {}).items()},
            }
        )
    return blocks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, required=True, help="folder of part-*.jsonl shards")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (signatures, buckets, output, logs)")
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--model", type=Path, required=True, help="local fastText model (.bin or .ftz)")
    parser.add_argument("--remove-labels", required=True, help="label:threshold,... removed by the fastText filter")
    parser.add_argument("--bands", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--ngrams", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    shards = sorted(p.name for p in args.input.glob("part-*.jsonl"))
    tasks = len(shards)
    minhash = MinhashConfig(
        n_grams=args.ngrams,
        num_buckets=args.bands,
        hashes_per_bucket=args.rows,
        seed=args.seed,
    )
    work = args.work
    reader = lambda: JsonlReader(str(args.input), glob_pattern="part-*.jsonl", compression=None)  # noqa: E731
    steps = {
        "1_signature": LocalPipelineExecutor(
            [reader(), MinhashDedupSignature(str(work / "signatures"), config=minhash, language=Languages.english)],
            tasks=tasks,
            workers=args.workers,
            logging_dir=str(work / "logs/1_signature"),
            skip_completed=False,
        ),
        "2_buckets": LocalPipelineExecutor(
            [MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=minhash)],
            tasks=args.bands,
            workers=args.workers,
            logging_dir=str(work / "logs/2_buckets"),
            skip_completed=False,
        ),
        "3_cluster": LocalPipelineExecutor(
            [MinhashDedupCluster(str(work / "buckets"), str(work / "remove_ids"), config=minhash)],
            tasks=1,
            workers=1,
            logging_dir=str(work / "logs/3_cluster"),
            skip_completed=False,
        ),
        "4_filter_pii_fasttext_write": LocalPipelineExecutor(
            [
                reader(),
                MinhashDedupFilter(str(work / "remove_ids")),
                PIIFormatter(),
                FastTextClassifierFilter(str(args.model.resolve()), remove_labels=_remove_labels(args.remove_labels)),
                JsonlWriter(str(work / "output"), compression=None),
            ],
            tasks=tasks,
            workers=args.workers,
            logging_dir=str(work / "logs/4_filter_pii_fasttext_write"),
            skip_completed=False,
        ),
    }
    result = {"tasks": tasks, "workers": args.workers, "minhash": str(minhash), "steps": {}}
    for name, executor in steps.items():
        started = time.perf_counter()
        executor.run()
        result["steps"][name] = {
            "wall_s": round(time.perf_counter() - started, 3),
            "blocks": _step_stats(work / "logs" / name),
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

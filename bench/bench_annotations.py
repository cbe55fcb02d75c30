"""Annotation audit throughput: Beam (FnApiRunner) vs in-memory on a synthetic set.

    .venv/bin/python bench/bench_annotations.py [ITEMS ...]     (default: 20000 100000)

Each measurement runs in its own process so peak RSS is its own. Five annotators, three per item, 3 labels,
one weak annotator, batches of 1,000 items, one voided batch. Prints items/s, annotations/s and peak RSS.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "_work" / "annotations"


def generate(items: int) -> Path:
    path = WORK / f"annotations_{items}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(items)
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(items):
            truth = rng.choice("aab" "c")
            batch = f"b{n // 1000}"
            for k in range(3):
                annotator = f"u{(n + k) % 5}"
                accuracy = 0.6 if annotator == "u4" else 0.95
                label = truth if rng.random() < accuracy else rng.choice("abc")
                handle.write(json.dumps({"item_id": f"i{n}", "annotator_id": annotator, "label": label, "batch_id": batch}) + "\n")
            if n == 1500:
                handle.write(json.dumps({"item_id": f"i{n}", "annotator_id": "r1", "label": "illegal", "batch_id": batch, "role": "reviewer"}) + "\n")
    return path


def measure(path: str, mode: str) -> None:
    sys.path.insert(0, str(ROOT))
    from pipelines.annotations import run_audit
    from transforms.annotations.config import parse_audit_config

    config = parse_audit_config({"inputs": [path], "output_dir": str(WORK / f"out_{mode}"), "labels": ["a", "b", "c"]})
    start = time.perf_counter()
    report = run_audit(config, use_beam=mode == "beam")
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "alpha": report["metrics"]["alpha"],
                      "items": report["counts"]["items"], "annotations": report["counts"]["annotations"]}))


def main(sizes: list[int]) -> None:
    print(f"{'items':>9} {'mode':>9} {'seconds':>8} {'items/s':>9} {'annot./s':>9} {'peak RSS MB':>11} {'alpha':>7}")
    for items in sizes:
        path = generate(items)
        for mode in ("beam", "in-memory"):
            out = subprocess.run([sys.executable, __file__, "--measure", str(path), mode], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{items:>9} {mode:>9} {r['seconds']:>8.1f} {r['items'] / r['seconds']:>9.0f} "
                  f"{3 * r['items'] / r['seconds']:>9.0f} {r['rss_mb']:>11.0f} {r['alpha']:>7.4f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], sys.argv[3])
    else:
        main([int(x) for x in sys.argv[1:]] or [20000, 100000])

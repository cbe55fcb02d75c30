"""Throughput of the language and quality stages on real text (``../shared/data/bench/real-100k``), per core.

Each stage runs through its Beam-free core (``apply_control`` / ``label_batch``) over batches of
1,000 records in one process, so documents per CPU-second is documents/s per core. Rows:

* ``language``: language identification (py3langid model, batch-scored) setting ``lang``;
* ``quality (all)``: the quality stage with every default rule (character checks + literature rules);
* ``quality rules only``: the statistics and literature rules without the character checks (the
  issue's "new quality rules together" figure);
* ``statistics``: computing the statistics alone.

Records carry the language stage's ``lang`` (as in a job that runs ``language`` before ``quality``).

    .venv/bin/python bench/quality_bench.py [--docs 100000] [--repeat 2]

The machine has 2 cores shared with other work: CPU-time rates are steadier than wall-clock ones, but
still noisy while other processes run (the load average is printed with the table).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

import orjson
import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.core.records import Batch  # noqa: E402
from transforms.core.stage import KEEP, apply_control  # noqa: E402
from transforms.language.stage import LanguageConfig, LanguageControl, label_batch  # noqa: E402
from transforms.quality.stage import QualityConfig, QualityControl  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "bench" / "real-100k"


def load_real(limit: int) -> list[dict]:
    docs: list[dict] = []
    for path in sorted(glob.glob(str(REAL / "*.jsonl.zst"))):
        with open(path, "rb") as f:
            data = zstandard.ZstdDecompressor().stream_reader(f).read()
        docs += [orjson.loads(line) for line in data.splitlines()]
        if len(docs) >= limit:
            break
    return docs[:limit]


def batches(docs: list[dict], size: int = 1000) -> list[Batch]:
    out = []
    for start in range(0, len(docs), size):
        out.append(
            Batch.from_rows(
                {"id": d["id"], "text": d["text"], "source": d["src"], "source_uri": "real-100k", "locator": d["id"],
                 "license": "various", "lang": None, "meta": {}, "content_sha256": "", "tags": [], "lineage": []}
                for d in docs[start : start + size]
            )
        )
    return out


class _RulesOnly(QualityControl):
    def check(self, text, cjk=False, chars=None):
        return KEEP


def cpu_rate(fn, items, repeat: int) -> float:
    best = 0.0
    n = sum(len(b) for b in items)
    for _ in range(repeat):
        t0 = time.process_time()
        for b in items:
            fn(b)
        best = max(best, n / (time.process_time() - t0))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    docs = load_real(args.docs)
    raw = batches(docs)
    lang = LanguageControl(LanguageConfig())
    lang.setup()
    rows = [("language", cpu_rate(lambda b: label_batch(lang, b, "bench"), raw, args.repeat))]
    labelled = [label_batch(lang, b, "bench").kept for b in raw]
    quality = QualityControl(QualityConfig())
    rules = _RulesOnly(QualityConfig())
    rows.append(("quality (all)", cpu_rate(lambda b: apply_control(quality, b, "bench"), labelled, args.repeat)))
    rows.append(("quality rules only", cpu_rate(lambda b: apply_control(rules, b, "bench"), labelled, args.repeat)))
    rows.append(("statistics", cpu_rate(lambda b: quality.statistics(b.text, b.lang), labelled, args.repeat)))
    load = os.getloadavg()
    print(f"real-100k, {len(docs):,} documents, batches of 1,000, best of {args.repeat}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("| stage | docs/s per core (CPU time) |\n|---|---:|")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} |")


if __name__ == "__main__":
    main()

"""PII detection/de-identification throughput on real text: ../shared/data/bench/real-100k.

    python bench/pii_bench.py [--docs 20000] [--batch 256]

The documents are a fixed random sample (seed 7) of the real corpus: IMDB reviews, PRC statutes, tweets,
Chinese comments in their corpus shares; nothing generated. Rows: the publish gate's
``count_structured_identifiers``; structured identifiers alone; all types (structured + the shipped name
taggers + address rules); all types with cue-word names only (no tagger); all types + redact / pseudonym
(presidio-anonymizer operators, test key); presidio-analyzer's pattern recognizers as the anchor (bench-only,
``pip install presidio-analyzer``; on 1/8 of the documents). Each row runs single-threaded in its own
subprocess, over batches as the stage gets them (the Chinese tagger runs once per batch), so docs/s is per
core and peak RSS is that row's alone. The machine is shared: the load average is printed with the table
and CPU-time docs/s is the figure to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_corpus  # noqa: E402

from transforms.pii import detectors as det  # noqa: E402

REAL = Path(os.environ.get("DATASTEWARD_DATA", "/work/shared/data")) / "bench" / "real-100k"
TEST_KEY = b"bench-test-key-0123456789abcdef"  # pseudonym timing only; not a secret


def corpus(n: int, seed: int = 7) -> list[dict]:
    docs = list(real_corpus.real_documents(REAL))
    return random.Random(seed).sample(docs, min(n, len(docs)))


def _runner(row: str):
    """Set up ``row`` outside the timed region; return a callable processing one batch of texts."""
    if row == "count_structured_identifiers":
        return det.count_structured_identifiers
    if row == "structured":
        return det.Detector(det.STRUCTURED_TYPES, languages=()).detect_batch
    if row == "detect-cues-only":
        return det.Detector(name_model=False).detect_batch
    detector = det.Detector()
    if row == "detect":
        return detector.detect_batch
    if row in ("detect+redact", "detect+pseudonym"):
        from transforms.pii.stage import Anonymiser  # imports Beam (via the stage base): only rows that use it pay

        mode = row.split("+")[1]
        anonymiser = Anonymiser({e: mode for e in det.ENTITY_TYPES}, key=TEST_KEY if mode == "pseudonym" else None)
        return lambda texts: [anonymiser.apply(t, s) for t, s in zip(texts, detector.detect_batch(texts))]
    if row == "presidio-analyzer":
        # AnalyzerEngine insists on a spaCy NLP engine (it tries to download a model), so this is the
        # registry's PatternRecognizers called directly, without NLP artefacts or context enhancement.
        from presidio_analyzer import PatternRecognizer, RecognizerRegistry

        registry = RecognizerRegistry()
        registry.load_predefined_recognizers(languages=["en"])
        recognizers = [r for r in registry.recognizers if isinstance(r, PatternRecognizer)]
        return lambda texts: [[x for r in recognizers for x in r.analyze(d, r.supported_entities, nlp_artifacts=None)]
                              for d in texts]  # fmt: skip
    raise ValueError(f"unknown row {row!r}")


ROWS = {
    "count_structured_identifiers": "publish gate `count_structured_identifiers`",
    "structured": "detect, structured identifiers only",
    "detect": "detect, all types (name taggers + address rules)",
    "detect-cues-only": "detect, all types, cue-word names only (no tagger)",
    "detect+redact": "detect all types + redact",
    "detect+pseudonym": "detect all types + pseudonym (HMAC, test key)",
    "presidio-analyzer": "presidio-analyzer PatternRecognizers (EN registry, no NLP)",
}
SLOW_ROWS = {"presidio-analyzer": 8}  # measured on 1/8 of the documents


def measure(row: str, n_docs: int, batch: int) -> dict:
    texts = [d["text"] for d in corpus(n_docs)]
    texts = texts[: max(200, len(texts) // SLOW_ROWS.get(row, 1))]
    try:
        process = _runner(row)
    except ImportError as exc:
        return {"error": f"not installed ({exc.name})"}
    process(texts[:300])  # warm-up: lazy compiles, model loading, caches
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        process(texts[i : i + batch])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"docs": len(texts), "wall": len(texts) / wall, "cpu": len(texts) / cpu, "rss_mb": rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rows", nargs="*", choices=ROWS, default=list(ROWS))
    parser.add_argument("--row", choices=ROWS, help=argparse.SUPPRESS)  # internal: one row per subprocess
    args = parser.parse_args()
    if args.row:
        print(json.dumps(measure(args.row, args.docs, args.batch)))
        return
    docs = corpus(args.docs)
    texts = [d["text"] for d in docs]
    found = det.Detector().detect_batch(texts)
    types = Counter(s.type for spans in found for s in spans)
    mean_bytes = sum(len(t.encode()) for t in texts) / len(texts)
    print(f"\n{len(texts)} documents of real-100k (seed 7: {dict(Counter(d['src'] for d in docs))}), mean "
          f"{mean_bytes:.0f} bytes, {sum(1 for f in found if f) / len(texts):.0%} with PII found "
          f"({', '.join(f'{k} {v}' for k, v in types.most_common())}); batches of {args.batch}; "
          f"load average before: {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| pipeline | docs | docs/s (wall) | docs/s (CPU) | peak RSS MB | load (1 min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in args.rows:
        out = subprocess.run([sys.executable, __file__, "--row", row, "--docs", str(args.docs), "--batch", str(args.batch)],
                             capture_output=True, text=True)  # fmt: skip
        try:
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            r = {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:100]}
        label = ROWS[row]
        if "error" in r:
            print(f"| {label}: {r['error']} | | | | | |")
        else:
            print(f"| {label} | {r['docs']} | {r['wall']:,.0f} | {r['cpu']:,.0f} | {r['rss_mb']:,.0f} | "
                  f"{os.getloadavg()[0]:.1f} |")  # fmt: skip
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min), machine has {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

"""PII detection/anonymisation throughput on ~1 KB documents (30% with PII, EN and ZH), side by side.

    python bench/pii_bench.py [--docs 4000]

Rows: our detector; our detector + anonymiser (redact, pseudonym with a test key); the publish gate's
``count_structured_identifiers``; presidio-anonymizer's AnonymizerEngine on our detections; presidio-
analyzer's pattern recognizers (bench-only, ``pip install presidio-analyzer``; not a runtime
dependency). Each row runs single-threaded in its own subprocess, so docs/s is per core and peak RSS
is that row's alone.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
import pii_zh_generate  # noqa: E402

from transforms.pii import detectors as det  # noqa: E402

EN_PII = Path("/work/shared/data/pii/en_presidio_synth_v2.json")
# Clean filler with the numbers, dates, capitalised words and amounts real documents have, so the
# pre-checks are exercised rather than skipped.
EN_CLEAN = (
    "The committee reviewed the quarterly report and agreed to extend the pilot programme for another year. ",
    "Participants noted that the 2023 figures were broadly in line with expectations, although costs rose by 4.5 percent. ",
    "On 12 March 2024 the Board met in Geneva and approved version 3.2.1 of the Data Policy. ",
    "Revenue reached $1,250,000 in Q3, up from $980,000 a year earlier, according to the Annual Review. ",
    "Section 4 of the Guidelines describes how the Review Panel handles appeals within 30 days. ",
    "The New York office switched to a hybrid schedule, and 85% of staff now work remotely two days a week. ",
)
ZH_CLEAN = (
    "委员会审议了季度报告，同意将试点项目再延长一年。",
    "与会者指出，2023年的数据总体符合预期，但成本上升了4.5%。",
    "根据年度报告，第三季度营业收入为1250万元，同比增长12.3%。",
    "本办法自2024年3月1日起施行，由数据治理委员会负责解释。",
    "第4章规定了复核小组在30个工作日内处理申诉的程序。",
    "上海办公室实行混合办公，85%的员工每周远程工作两天。",
)
PII_SHARE = 0.3


def _samples_with_pii(samples: list[dict]) -> list[str]:
    """Texts carrying at least one entity type the detector covers (gold labels, not our detections)."""
    covered = set(det.ENTITY_TYPES) | {"CREDIT_CARD", "IBAN_CODE"}
    return [x["full_text"] for x in samples if any(s["entity_type"] in covered for s in x["spans"])]


def corpus(n: int, seed: int = 7) -> tuple[list[str], int]:
    """``n`` documents of ~1 KB UTF-8, alternately English and Chinese; ``PII_SHARE`` of them carry one
    labelled PII sample, inserted whole at a sentence boundary. Returns (docs, number carrying PII)."""
    r = random.Random(seed)
    zh = _samples_with_pii(pii_zh_generate.generate(1000))
    en = _samples_with_pii(json.loads(EN_PII.read_text())) if EN_PII.exists() else zh
    docs, carrying = [], 0
    for i in range(n):
        chinese = i % 2 == 1
        fillers, pii = (ZH_CLEAN, zh) if chinese else (EN_CLEAN, en)
        budget = 340 if chinese else 1000  # characters: ~1 KB of UTF-8 either way
        parts = [r.choice(pii) + ("" if chinese else " ")] if r.random() < PII_SHARE else []
        carrying += bool(parts)
        while sum(map(len, parts)) < budget:
            parts.insert(r.randrange(len(parts) + 1), r.choice(fillers))
        docs.append("".join(parts))
    return docs, carrying


TEST_KEY = b"bench-test-key-0123456789abcdef"  # pseudonym timing only; not a secret


def _runner(row: str):
    """Set up ``row`` outside the timed region; return a callable processing one document."""
    if row == "count_structured_identifiers":
        return lambda d: det.count_structured_identifiers([d])
    detect = det.Detector().detect
    if row == "detect":
        return detect
    if row in ("detect+redact", "detect+pseudonym"):
        from transforms.pii.stage import Anonymiser  # imports Beam (via the stage base): only rows that use it pay

        mode = row.split("+")[1]
        anonymiser = Anonymiser({e: mode for e in det.ENTITY_TYPES}, key=TEST_KEY if mode == "pseudonym" else None)
        return lambda d: anonymiser.apply(d, detect(d))
    if row == "detect+presidio-anonymizer":
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        engine, operators = AnonymizerEngine(), {"DEFAULT": OperatorConfig("replace")}
        return lambda d: engine.anonymize(d, [RecognizerResult(s.type, s.start, s.end, s.score) for s in detect(d)], operators)
    if row == "presidio-analyzer":
        # AnalyzerEngine insists on a spaCy NLP engine (it tries to download a model), so this is the
        # registry's PatternRecognizers called directly, without NLP artefacts or context enhancement.
        from presidio_analyzer import PatternRecognizer, RecognizerRegistry

        registry = RecognizerRegistry()
        registry.load_predefined_recognizers(languages=["en"])
        recognizers = [r for r in registry.recognizers if isinstance(r, PatternRecognizer)]
        return lambda d: [x for r in recognizers for x in r.analyze(d, r.supported_entities, nlp_artifacts=None)]
    raise ValueError(f"unknown row {row!r}")


ROWS = {
    "detect": "datasteward detect",
    "detect+redact": "datasteward detect+redact",
    "detect+pseudonym": "datasteward detect+pseudonym (test key)",
    "count_structured_identifiers": "datasteward count_structured_identifiers (publish gate)",
    "detect+presidio-anonymizer": "datasteward detect + presidio-anonymizer AnonymizerEngine (replace)",
    "presidio-analyzer": "presidio-analyzer, PatternRecognizers only (EN registry, no NLP)",
}
SLOW_ROWS = {"presidio-analyzer": 8}  # measured on 1/8 of the documents


def measure(row: str, n_docs: int) -> dict:
    docs, _ = corpus(n_docs)
    docs = docs[: max(200, len(docs) // SLOW_ROWS.get(row, 1))]
    try:
        process = _runner(row)
    except ImportError as exc:
        return {"error": f"not installed ({exc.name})"}
    for d in docs[:50]:  # warm-up: lazy compiles and caches
        process(d)
    wall, cpu = time.perf_counter(), time.process_time()
    for d in docs:
        process(d)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"docs": len(docs), "wall": len(docs) / wall, "cpu": len(docs) / cpu, "rss_mb": rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--row", choices=ROWS, help=argparse.SUPPRESS)  # internal: one row per subprocess
    args = parser.parse_args()
    if args.row:
        print(json.dumps(measure(args.row, args.docs)))
        return
    docs, carrying = corpus(args.docs)
    detector = det.Detector()
    found = sum(1 for d in docs if detector.detect(d))
    mean_bytes = sum(len(d.encode()) for d in docs) / len(docs)
    print(f"\n{len(docs)} docs (EN/ZH alternating), mean {mean_bytes:.0f} bytes, {carrying / len(docs):.0%} carrying "
          f"inserted PII, {found / len(docs):.0%} with PII found; load average before: {os.getloadavg()[0]:.2f}\n")
    print("Each row runs in its own process (peak RSS is that process's), single-threaded: docs/s is per core.")
    print("CPU docs/s divides by the process's CPU time, which holds up better on a shared machine.\n")
    print("| pipeline | docs | docs/s (wall) | docs/s (CPU) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for row, label in ROWS.items():
        out = subprocess.run([sys.executable, __file__, "--row", row, "--docs", str(args.docs)],
                             capture_output=True, text=True)  # fmt: skip
        try:
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            r = {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:100]}
        if "error" in r:
            print(f"| {label}: {r['error']} | | | | |")
        else:
            print(f"| {label} | {r['docs']} | {r['wall']:,.0f} | {r['cpu']:,.0f} | {r['rss_mb']:,.0f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min), machine has {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

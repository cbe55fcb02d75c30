"""PII detection/anonymisation throughput on ~1 KB documents (~30% with PII, EN and ZH), side by side.

    python bench/pii_bench.py [--docs 4000]

Rows: our detector; our detector + anonymiser (redact and pseudonym); presidio-analyzer with pattern
recognizers only and no NLP engine (if installed; bench-only, not a runtime dependency); presidio-
anonymizer's engine on our detections. Single process: docs/s is per core. Peak RSS is the process's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
import pii_zh_generate  # noqa: E402

from transforms import pii_detectors as det  # noqa: E402
from transforms.pii import Anonymiser  # noqa: E402

EN_PII = Path("/work/shared/data/pii/en_presidio_synth_v2.json")
EN_CLEAN = ("The committee reviewed the quarterly report and agreed to extend the pilot programme for another "
            "year. Participants noted that the 2023 figures were broadly in line with expectations, although "
            "costs rose by 4.5 percent. ")  # fmt: skip
ZH_CLEAN = "委员会审议了季度报告，同意将试点项目再延长一年。与会者指出，2023年的数据总体符合预期，但成本上升了4.5%。"


def corpus(n: int, seed: int = 7) -> list[str]:
    r = random.Random(seed)
    en = [x["full_text"] for x in json.loads(EN_PII.read_text())] if EN_PII.exists() else []
    zh = [x["full_text"] for x in pii_zh_generate.generate(1000)]
    docs = []
    for i in range(n):
        chinese = i % 2 == 1
        clean = ZH_CLEAN if chinese else EN_CLEAN
        budget = 340 if chinese else 1000  # ~1 KB of UTF-8 either way
        parts = []
        if r.random() < 0.3:
            parts.append(r.choice(zh if chinese or not en else en))
        while sum(map(len, parts)) < budget:
            parts.insert(r.randrange(len(parts) + 1), clean)
        docs.append("".join(parts)[: budget + 200])
    return docs


def timed(label: str, fn, docs: list[str], rows: list) -> None:
    start = time.perf_counter()
    fn(docs)
    elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append((label, len(docs) / elapsed, rss_mb))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=4000)
    args = parser.parse_args()
    docs = corpus(args.docs)
    detector = det.Detector()
    redact = Anonymiser({e: "redact" for e in det.ENTITY_TYPES})
    pseudo = Anonymiser({e: "pseudonym" for e in det.ENTITY_TYPES}, key=os.urandom(32))
    rows: list = []
    with_pii = sum(1 for d in docs if detector.detect(d))
    mean_bytes = sum(len(d.encode()) for d in docs) / len(docs)

    timed("datasteward detect", lambda ds: [detector.detect(d) for d in ds], docs, rows)
    timed("datasteward detect+redact", lambda ds: [redact.apply(d, detector.detect(d)) for d in ds], docs, rows)
    timed("datasteward detect+pseudonym", lambda ds: [pseudo.apply(d, detector.detect(d)) for d in ds], docs, rows)

    try:
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        engine = AnonymizerEngine()
        ops = {"DEFAULT": OperatorConfig("replace")}

        def presidio_anonymise(ds):
            for d in ds:
                spans = detector.detect(d)
                results = [RecognizerResult(s.type, s.start, s.end, s.score) for s in spans]
                engine.anonymize(d, results, ops)

        timed("datasteward detect + presidio AnonymizerEngine", presidio_anonymise, docs, rows)
    except ImportError as exc:
        rows.append((f"presidio-anonymizer engine: not installed ({exc})", float("nan"), float("nan")))

    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpArtifacts

        class _NoNlp:  # pattern recognizers only: no spaCy model, nothing fetched from the net
            def process_text(self, text, language):
                return NlpArtifacts([], [], [], [], None, language)

            def process_batch(self, texts, language, **kwargs):
                for t in texts:
                    yield t, self.process_text(t, language)

            def is_loaded(self):
                return True

            def get_supported_languages(self):
                return ["en"]

            def is_stopword(self, word, language):
                return False

            def is_punct(self, word, language):
                return False

            def get_supported_entities(self):
                return []

        registry = RecognizerRegistry()
        registry.load_predefined_recognizers(languages=["en"])
        registry.remove_recognizer("SpacyRecognizer")
        analyzer = AnalyzerEngine(registry=registry, nlp_engine=_NoNlp(), supported_languages=["en"])
        timed("presidio-analyzer (patterns only, no NLP)", lambda ds: [analyzer.analyze(d, language="en") for d in ds], docs[: max(200, len(docs) // 8)], rows)
    except Exception as exc:  # noqa: BLE001 - report why the anchor could not run
        rows.append((f"presidio-analyzer: cannot run ({type(exc).__name__}: {exc})"[:120], float("nan"), float("nan")))

    print(f"\n{len(docs)} docs, mean {mean_bytes:.0f} bytes, {with_pii / len(docs):.0%} with PII found, 1 process\n")
    print("| pipeline | docs/s | peak RSS MB |")
    print("|---|---:|---:|")
    for label, rate, rss in rows:
        print(f"| {label} | {rate:,.0f} | {rss:,.0f} |")


if __name__ == "__main__":
    main()

"""How much ordinary news and social text each content stage flags (issue 18: "≤ 1% of benign news, reviews and
statutes flagged by any content stage").

The text is the sentences of the labelled NER corpora in ../shared/data/ner (read with eval/ner_corpora.py; none of
them trains a content model but People's Daily dev, `safe` training rows of the Chinese harmful model, so its rows
are not a measurement): Chinese news — MSRA test, People's Daily dev and test, CLUENER train —,
English GUM (mixed genres: news, interviews, how-to, travel, biographies, fiction, forum), and social posts —
Weibo, WNUT17, BTC —, which can be really offensive, so their flags are read, not counted as false positives.

Every stage of the content-risk set (classified, credentials, harmful, highrisk, aigc: bench/content_risk_bench.py's
five, default configs) decides on each sentence and on ~1 KB documents made by joining consecutive sentences of one
corpus (the pipeline sees documents), without a ``lang`` field (the stages route by script). A record counts as
flagged when the stage does anything but keep it; the reason is the decision's reason (or its tags).

    .venv/bin/python eval/benign_news_eval.py [--json out.json] [--show STAGE] [--corpus NAME ...]

``--show`` prints the flagged texts of one stage (to read them: the texts are public news and posts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ner_corpora  # noqa: E402

from bench.content_risk_bench import STAGES, real_batches  # noqa: E402
from transforms.core.stage import KEEP  # noqa: E402

DOC_BYTES = 1024
BATCH = 1000
# corpus → (language, genre)
CORPORA = {
    "msra_test": ("zh", "news"), "pd_dev": ("zh", "news"), "pd_test": ("zh", "news"), "cluener": ("zh", "news"),
    "gum": ("en", "mixed"), "weibo": ("zh", "social"), "wnut17": ("en", "social"), "btc": ("en", "social"),
}


def sentences() -> dict[str, list[str]]:
    """The sentences of each corpus in file order (People's Daily dev and test apart: dev may train, test may not)."""
    out: dict[str, list[str]] = {name: [] for name in CORPORA}
    for d in ner_corpora.english():
        out[d["corpus"]].append(d["text"])
    for d in ner_corpora.chinese():
        if d["corpus"] in ("cluener", "weibo"):
            out[d["corpus"]].append(d["text"])
    out["msra_test"] = [d["text"] for d in ner_corpora.char_bio(ner_corpora.NER / "zh/msra_test_bio.tsv", "\t", "msra", "news", bool)]
    for part in ("dev", "test"):
        path = ner_corpora.NER / f"zh/peoples_daily_{part}.bio"
        out[f"pd_{part}"] = [d["text"] for d in ner_corpora.char_bio(path, None, "pd", "news", bool)]
    return {name: [t for t in texts if t.strip()] for name, texts in out.items()}


def documents(texts: list[str], lang: str, size: int = DOC_BYTES, sep: str | None = None) -> list[str]:
    """Consecutive sentences joined until a document holds ``size`` UTF-8 bytes (the last one may be shorter),
    by ``sep`` (default: nothing in Chinese, a space otherwise)."""
    sep = ("" if lang == "zh" else " ") if sep is None else sep
    docs, parts, length = [], [], 0
    for text in texts:
        parts.append(text)
        length += len(text.encode()) + len(sep)
        if length >= size:
            docs.append(sep.join(parts))
            parts, length = [], 0
    if parts:
        docs.append(sep.join(parts))
    return docs


def flag_reason(decision) -> str | None:
    """None when the stage keeps the record as it is; else what it did and why."""
    if decision is KEEP or decision.action == "keep":
        return None
    return decision.reason or ",".join(decision.tags) or decision.rule or decision.action


def units(corpus: str, texts: list[str]) -> list[tuple[str, list[str]]]:
    """A corpus's sentences and the ~1 KB documents made of them: [(unit, texts)]."""
    return [("sentences", texts), ("1KB docs", documents(texts, CORPORA[corpus][0]))]


def stage_controls(names: tuple[str, ...] | None = None) -> dict:
    """The content-risk stages' controls with default configs, set up, by short name (all five, or ``names``)."""
    controls = {}
    for name, config in STAGES:
        name = name.split(" ")[0]
        if names is None or name in names:
            control = config().create().control
            control.setup()
            controls[name] = control
    return controls


def score(controls: dict, texts: list[str]) -> dict[str, list[str | None]]:
    """Each stage's flag reason (or None) for each text."""
    batches = real_batches([(t, "news") for t in texts], BATCH)
    return {name: [flag_reason(d) for b in batches for d in control.decide(b)] for name, control in controls.items()}


def flag_counts(reasons: list[str | None]) -> dict:
    """{n, flagged, rate, reasons (count of each flag reason)} of one stage's reasons on one set."""
    flagged = [r for r in reasons if r is not None]
    return {"n": len(reasons), "flagged": len(flagged), "rate": len(flagged) / max(len(reasons), 1),
            "reasons": dict(Counter(flagged))}


def evaluate(corpora: list[str], show: str | None = None) -> dict:
    controls = stage_controls()
    by_corpus = sentences()
    results = {}
    for corpus in corpora:
        genre = CORPORA[corpus][1]
        for unit, texts in units(corpus, by_corpus[corpus]):
            for stage, reasons in score(controls, texts).items():
                results[f"{corpus}/{unit}/{stage}"] = {"corpus": corpus, "genre": genre, "unit": unit, "stage": stage,
                                                       **flag_counts(reasons)}
                if stage == show:
                    for text, reason in zip(texts, reasons):
                        if reason is not None:
                            print(f"[{corpus} {unit} {reason}] {text[:400]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the table as JSON here")
    parser.add_argument("--show", help="print the texts this stage flags (harmful, highrisk, ...)")
    parser.add_argument("--corpus", nargs="*", default=list(CORPORA), choices=list(CORPORA))
    args = parser.parse_args()
    results = evaluate(args.corpus, args.show)
    print(f"{'corpus':<10} {'genre':<7} {'unit':<10} {'stage':<12} {'n':>6} {'flagged':>7} {'rate':>7}  reasons")
    for r in results.values():
        print(f"{r['corpus']:<10} {r['genre']:<7} {r['unit']:<10} {r['stage']:<12} {r['n']:>6} {r['flagged']:>7} "
              f"{100 * r['rate']:>6.2f}%  {r['reasons'] or ''}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

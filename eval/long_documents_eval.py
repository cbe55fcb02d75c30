"""Long documents judged as a whole: what each content stage and the licensing stage's in-text rule flag on
benign documents of 10, 50 and 200 KB, and whether one short harmful or hazardous text inside such a document
is still flagged.

Benign documents: consecutive texts of one kind joined with blank lines until the document reaches its size
(UTF-8 bytes), each text used once per size: IMDB reviews and PRC statutes from the hash-chosen fifth of
../shared/data/bench/real-100k that no model trains on (``part="test"``), and COLD dev comments labelled `safe`
(held out of training; one comment a line). A document counts as flagged when the stage does anything but keep
it (the decision's reason or tags); for licensing, when the record's own in-text evidence rejects it
(``licence_conflict``) under the default policy, the source declared CC-BY-4.0.

Recall: one text of a labelled held-out set (Davidson's test fifth, `hate`/`offensive`; COLD dev `offensive`;
the high-risk held-out hazard split and the two hand-written hazard request sets) put at a seeded place of a
benign document of each size of its language, as a part of its own (a paragraph; a line of the comments) or
at the end of one of the host's parts; counted over the texts the stage flags on their own (a long
document must not hide what a short one shows), with that short-text recall beside it.

    nice -n 5 .venv/bin/python eval/long_documents_eval.py [--docs N] [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.content_risk_bench import real_batches  # noqa: E402
from eval.benign_news_eval import flag_reason, stage_controls  # noqa: E402
from eval.classifiers_eval import HANDWRITTEN, HANDWRITTEN_2, held_out  # noqa: E402
from eval.train_shipped_models import REAL, jobs  # noqa: E402
from transforms.content.training import TrainingInput, load_inputs, read_examples  # noqa: E402
from transforms.licensing.stage import LicensingConfig, LicensingControl  # noqa: E402

SIZES_KB = (10, 50, 200)
BATCH = 50


def benign_texts() -> dict[str, tuple[list[str], str, str]]:
    """{kind: (texts in file order, language, separator)} of the benign material."""
    job = jobs()["harmful_en"]
    real = {
        src: [ex.text for ex in load_inputs([TrainingInput(REAL, "", label="benign", where={"src": src}, part="test")], job)]
        for src in ("imdb", "laws")
    }
    cold_safe = [ex.text for ex in held_out("harmful_zh") if ex.label == "safe"]
    return {"en_reviews": (real["imdb"], "en", "\n\n"), "zh_statutes": (real["laws"], "zh", "\n\n"),
            "zh_comments": (cold_safe, "zh", "\n")}


def long_documents(texts: list[str], size_kb: int, n: int, sep: str) -> list[str]:
    """Up to ``n`` documents of at least ``size_kb`` KB, each of consecutive ``texts`` (each text used once)."""
    docs, parts, size = [], [], 0
    for text in texts:
        parts.append(text)
        size += len(text.encode()) + len(sep)
        if size >= size_kb * 1024:
            docs.append(sep.join(parts))
            parts, size = [], 0
            if len(docs) == n:
                break
    return docs


def decisions(controls: dict, texts: list[str]) -> dict[str, list[str | None]]:
    """Per stage, the flag reason (or None) of each text; records without ``lang`` (the stages route by script)."""
    batches = real_batches([(t, "") for t in texts], BATCH)
    return {name: [flag_reason(d) for b in batches for d in control.decide(b)] for name, control in controls.items()}


def licensing_control() -> LicensingControl:
    control = LicensingControl(LicensingConfig(), {"bench": {"license": "CC-BY-4.0", "basis": "licence", "allowed_uses": []}})
    control.setup()
    return control


def licence_flags(control: LicensingControl, texts: list[str]) -> list[str | None]:
    batches = real_batches([(t, "") for t in texts], BATCH)
    return [d.reason if d.action == "reject" else None for b in batches for d in control.decide(b)]


def hazards() -> dict[str, tuple[list[str], str, str]]:
    """{set: (texts, language, the stage that should flag them)} of short harmful / hazardous texts."""
    davidson = [ex.text for ex in held_out("harmful_en") if ex.label in ("hate", "offensive")]
    cold = [ex.text for ex in held_out("harmful_zh") if ex.label == "offensive"]
    highrisk = [ex.text for ex in held_out("highrisk") if ex.label != "benign"]
    handwritten = [ex.text for path in (HANDWRITTEN, HANDWRITTEN_2) for ex in read_examples(path) if ex.label != "benign"]
    return {"davidson_harmful": (davidson, "en", "harmful"), "cold_offensive": (cold, "zh", "harmful"),
            "highrisk_held_out": (highrisk, "en", "highrisk"), "highrisk_handwritten": (handwritten, "en", "highrisk")}


def embedded(text: str, host: str, sep: str, rng: random.Random, inline: bool = False) -> str:
    """``text`` put between two of ``host``'s parts at a seeded place, or (``inline``) at the end of one of them."""
    parts = host.split(sep)
    if inline:
        k = rng.randrange(len(parts))
        parts[k] = f"{parts[k]} {text}"
    else:
        parts.insert(rng.randrange(len(parts) + 1), text)
    return sep.join(parts)


def evaluate(n_docs: int, n_hazards: int) -> dict:
    controls = stage_controls()
    licensing = licensing_control()
    material = benign_texts()
    results: dict = {"benign": {}, "recall": {}}
    hosts: dict[tuple[str, int], list[str]] = {}
    for kind, (texts, lang, sep) in material.items():
        for size in SIZES_KB:
            docs = long_documents(texts, size, n_docs, sep)
            hosts[(lang, size)] = hosts.get((lang, size)) or docs
            flags = decisions(controls, docs)
            flags["licensing"] = licence_flags(licensing, docs)
            for stage, reasons in flags.items():
                flagged = [r for r in reasons if r is not None]
                results["benign"][f"{kind}/{size}KB/{stage}"] = {"n": len(docs), "flagged": len(flagged),
                                                                  "reasons": sorted(set(map(str, flagged)))}
    rng = random.Random(0)
    for name, (texts, lang, stage) in hazards().items():
        sample = rng.sample(texts, min(n_hazards, len(texts)))
        alone = decisions({stage: controls[stage]}, sample)[stage]
        caught = [t for t, r in zip(sample, alone) if r is not None]
        results["recall"][f"{name}/alone"] = {"n": len(sample), "flagged": len(caught)}
        sep = "\n" if lang == "zh" else "\n\n"
        for size, where in itertools.product(SIZES_KB, ("own part", "inside a part")):
            docs = hosts[(lang, size)]
            inside = [embedded(t, docs[i % len(docs)], sep, rng, where == "inside a part") for i, t in enumerate(caught)]
            reasons = decisions({stage: controls[stage]}, inside)[stage]
            results["recall"][f"{name}/{size}KB/{where}"] = {"n": len(inside), "flagged": sum(r is not None for r in reasons)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20, help="benign documents per kind and size")
    parser.add_argument("--hazards", type=int, default=100, help="short texts embedded per set")
    parser.add_argument("--json", help="write the results as JSON here")
    args = parser.parse_args()
    results = evaluate(args.docs, args.hazards)
    print("benign long documents flagged (share of documents)")
    for key, r in results["benign"].items():
        print(f"  {key:<40} {r['flagged']:>4}/{r['n']:<4} {100 * r['flagged'] / max(r['n'], 1):6.1f}%  {', '.join(r['reasons'])}")
    print("one short flagged text inside a long benign document: still flagged")
    for key, r in results["recall"].items():
        print(f"  {key:<40} {r['flagged']:>4}/{r['n']:<4} {100 * r['flagged'] / max(r['n'], 1):6.1f}%")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

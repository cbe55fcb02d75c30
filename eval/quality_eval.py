"""Quality rules on real text: false rejects on real-100k, and what they catch when low-quality text is planted into it.

1. **False rejects.** ``../shared/data/bench/real-100k`` is real, mostly good text (IMDB reviews, PRC
   statutes, tweets, Chinese comments). Every record gets its ``lang`` from the ``language`` stage, then
   the ``quality`` stage runs with its default configuration; the table gives the share rejected per
   source and rule. A rule's rejects here are not all wrong (a review that is one long line of
   ``!!!!!`` is low quality), but every point is a point a user should look at before trusting the default.
2. **Catches.** Real documents of each source with one defect planted (the kind each rule targets:
   unexpanded template text, HTML residue, lorem ipsum, cookie/javascript notices, a line repeated
   many times, a paragraph copied three times, keyword spam, a code block), and the share rejected for
   the right reason — or, for a C4 line filter, cleaned by it (a ``modify`` whose removed lines are
   exactly the planted ones: the rest of the document kept).

    .venv/bin/python eval/quality_eval.py [--docs 100000] [--plant 500]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality_bench import batches, load_real  # noqa: E402

from transforms.core.stage import apply_control  # noqa: E402
from transforms.language.stage import LanguageConfig, LanguageControl, label_batch  # noqa: E402
from transforms.quality.stage import QualityConfig, QualityControl  # noqa: E402

PLANTS = {
    # rule: (what is planted, function of (rng, text, lang) -> text)
    "template_residue": ("a sentence with an unexpanded {a|b} or {{name}}", lambda r, t, zh: t + (" 活动{即将开始|6月10日开始}，详见{{活动页面}}。" if zh else " Tickets go on sale {soon|from June 10} at {{venue_name}}.")),
    "markup_residue": ("the text wrapped in HTML tags", lambda r, t, zh: "".join(f"<p class=\"c{i}\"><span>{w}</span></p>" for i, w in enumerate(t.split()[:60])) if not zh else "".join(f"<div><span>{t[i:i+8]}</span></div>" for i in range(0, min(len(t), 480), 8))),
    "c4_lorem_ipsum": ("a lorem ipsum sentence", lambda r, t, zh: t + " Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
    "c4_boilerplate_lines": ("cookie / javascript notice lines", lambda r, t, zh: "This site uses cookies.\nPlease enable JavaScript to continue.\nRead our privacy policy.\n" + t),
    "gopher_dup_lines": ("one line repeated 8 times", lambda r, t, zh: "\n".join([t[:80]] * 8 + [t])),
    "gopher_dup_paragraphs": ("a paragraph copied 3 times", lambda r, t, zh: "\n\n".join([t[:300]] * 3 + [t[300:]])),
    "gopher_top_ngram": ("keyword spam (a phrase 15 times)", lambda r, t, zh: (" ".join(["最低价 正品 包邮"] * 15) if zh else " ".join(["cheap replica watches"] * 15)) + " " + t[:200]),
    "c4_curly_bracket": ("a code block", lambda r, t, zh: t + "\nfunction init() { return load(config); }"),
}


def run(docs_n: int, plant_n: int) -> None:
    docs = load_real(docs_n)
    lang = LanguageControl(LanguageConfig())
    lang.setup()
    quality = QualityControl(QualityConfig())
    by_source: Counter = Counter()
    rejected: dict[str, Counter] = defaultdict(Counter)
    cleaned: Counter = Counter()  # records kept with lines removed (C4 line filters)
    labelled = []
    for b in batches(docs):
        kept = label_batch(lang, b, "eval").kept
        labelled.append(kept)
        result = apply_control(quality, kept, "eval")
        by_source.update(kept.source)
        for row in result.rejects:
            rejected[row["source"]][row["reason"]] += 1
        for source, history in zip(result.kept.source, result.kept.lineage):
            cleaned[source] += history[-1]["action"] == "modify"
    print(f"real-100k: {sum(by_source.values()):,} documents, default QualityConfig, lang from the language stage; load average {os.getloadavg()[0]:.1f}")
    sources = sorted(by_source)
    reasons = sorted({r for c in rejected.values() for r in c})
    print("| rule | " + " | ".join(f"{s} ({by_source[s]:,})" for s in sources) + " |")
    print("|---|" + "---:|" * len(sources))
    for reason in reasons:
        print(f"| {reason} | " + " | ".join(f"{rejected[s][reason] / by_source[s]:.2%}" for s in sources) + " |")
    print("| **all rules** | " + " | ".join(f"**{sum(rejected[s].values()) / by_source[s]:.2%}**" for s in sources) + " |")
    print("| *cleaned: lines removed, record kept* | " + " | ".join(f"{cleaned[s] / by_source[s]:.2%}" for s in sources) + " |")

    rng = random.Random(11)
    long_docs = [(b.text[i], b.lang[i], b.source[i]) for b in labelled for i in range(len(b)) if len(b.text[i]) >= 600]
    print(f"\nplanted defects: {plant_n} real documents of ≥ 600 characters per rule (IMDB and statutes), rejected for that rule")
    print("| rule | planted | caught (that rule) | rejected (any rule) |\n|---|---|---:|---:|")
    removed_planted = {"c4_boilerplate_lines": 3}  # lines the plant adds, for a line filter to remove
    for rule, (what, plant) in PLANTS.items():
        sample = rng.sample(long_docs, plant_n)
        texts = [plant(rng, t, lg == "zh") for t, lg, _ in sample]
        b = batches([{"id": str(i), "text": t, "src": s} for i, (t, (_, _, s)) in enumerate(zip(texts, sample))])
        right = anyr = 0
        for bb in b:
            bb = bb.replace(lang=[lg for _, lg, _ in sample[: len(bb)]])
            ds = quality.decide(bb)
            right += sum(d.reason == rule or (d.action == "modify" and (d.detail or {}).get("by_rule") == {rule: removed_planted.get(rule)})
                         for d in ds)
            anyr += sum(d.action == "reject" for d in ds)
            sample = sample[len(bb):]
        cleaned = " (lines removed, record kept)" if rule in removed_planted else ""
        print(f"| {rule} | {what} | {right / plant_n:.1%}{cleaned} | {anyr / plant_n:.1%} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--plant", type=int, default=500)
    args = ap.parse_args()
    run(args.docs, args.plant)


if __name__ == "__main__":
    main()

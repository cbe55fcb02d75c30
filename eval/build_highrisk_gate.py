"""Choose the high-risk stage's gate terms (transforms/content/lexicons/highrisk_gate.txt) from its training data.

The gate keeps a record unscored unless it holds one of these terms (see transforms/content/highrisk.py).
A candidate term is a word (ASCII letters/digits, 3+ characters, not a number) or a pair of adjacent
Chinese characters that hazard training examples use far more often than general benign text does:

- in at least ``MIN_HAZARD_DOCS`` hazard examples, and
- in at most ``MAX_GENERAL_SHARE`` of the general benign examples (reviews, statutes, comments, tweets,
  licence texts, technical documents: the text the gate exists to clear), and
- ``RATIO`` times more common among hazard examples than among those (``RATIO_ZH`` for Chinese pairs,
  whose authored examples share template phrasing such as 怎样 / 哪些 that general text also uses).

Of the candidates, a greedy cover keeps those that pay: each step takes the term with the most hazard
examples not yet holding ``COVER`` chosen terms per 1,000 characters of general text it newly lets
through (what the model would then cost), until no term covers ``MIN_GAIN`` examples per 1,000
characters. Asking for several terms per hazard example, not one, is what makes the list hold on hazard
text the training data lacks (a cover of one term per example left 28% of the hand-written hazards
without a term; ``COVER`` = 5 leaves 1%).

Science and medicine exam questions (MMLU) are neither: they may pass the gate, the model decides them.
Only the training split is used (the highrisk job's four fifths plus its training-only inputs); the
held-out split, the hand-written sets and the real-100k test fifth then measure what the gate costs:

    .venv/bin/python eval/build_highrisk_gate.py            # writes the file, prints coverage and pass rates
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.train_shipped_models import REAL, jobs  # noqa: E402
from transforms.content.highrisk import load_gate, terms_of  # noqa: E402
from transforms.content.text import CJK_CHARACTER, preprocess_batch  # noqa: E402
from transforms.content.training import TrainingInput, is_train_only, load_inputs, split_examples  # noqa: E402

OUTPUT = Path("transforms/content/lexicons/highrisk_gate.txt")
MIN_HAZARD_DOCS = 2
MAX_GENERAL_SHARE = 0.003
RATIO = 5
RATIO_ZH = 50
COVER = 5
MIN_GAIN = 0.5


def choose_terms(hazard: list[str], general: list[str]) -> list[str]:
    hazard_terms = [terms_of(text) for text in preprocess_batch(hazard)]
    general_terms = [terms_of(text) for text in preprocess_batch(general)]
    in_hazard, in_general = defaultdict(set), defaultdict(set)
    for i, terms in enumerate(hazard_terms):
        for term in terms:
            in_hazard[term].add(i)
    for i, terms in enumerate(general_terms):
        for term in terms:
            in_general[term].add(i)
    nh, ng = len(hazard), len(general)
    candidates = set()
    for term, docs in in_hazard.items():
        h, g = len(docs), len(in_general.get(term, ()))
        ratio = RATIO_ZH if CJK_CHARACTER.search(term) else RATIO
        if h >= MIN_HAZARD_DOCS and g <= MAX_GENERAL_SHARE * ng and h / nh >= ratio * (g + 1) / ng:
            candidates.add(term)
    chars = [len(text) for text in general]
    covered, passed, chosen = Counter(), set(), []
    while candidates:
        def value(term: str) -> float:
            gain = sum(1 for i in in_hazard[term] if covered[i] < COVER)
            cost = sum(chars[i] for i in in_general.get(term, ()) if i not in passed) / 1000
            return gain / (cost + 0.05)  # a term no general text holds still costs a little (the scan)

        best = max(sorted(candidates), key=value)
        if value(best) < MIN_GAIN:
            break
        chosen.append(best)
        candidates.discard(best)
        covered.update(in_hazard[best])
        passed |= in_general.get(best, set())
    return sorted(chosen)


def training_split():
    job = jobs()["highrisk"]
    examples = load_inputs([i for i in job.inputs if not is_train_only(i)], job)
    train, test = split_examples(examples, job.test_fraction, job.seed)
    return job, train + load_inputs([i for i in job.inputs if is_train_only(i)], job), test


def main() -> None:
    job, train, test = training_split()
    hazard = [ex.text for ex in train if ex.label != job.negative_label]
    # General benign text: every benign row without a subject (MMLU rows carry theirs).
    general = [ex.text for ex in train if ex.label == job.negative_label and not ex.group]
    terms = choose_terms(hazard, general)
    header = [
        "# High-risk gate terms: a record holding none of these (nor a highrisk.tsv term) is kept unscored.",
        f"# Chosen by eval/build_highrisk_gate.py from the highrisk training split: {len(hazard)} hazard examples,",
        f"# {len(general)} general benign ones; words/character pairs in >= {MIN_HAZARD_DOCS} hazard examples, <= "
        f"{MAX_GENERAL_SHARE:.1%} of general ones, >= {RATIO}x (Chinese {RATIO_ZH}x) more common among hazards;",
        f"# then a greedy cover (up to {COVER} terms per hazard example, >= {MIN_GAIN} examples per 1,000 general characters).",
    ]
    OUTPUT.write_text("\n".join(header + terms) + "\n", encoding="utf-8")
    print(f"{len(terms)} terms -> {OUTPUT}")
    report(load_gate(OUTPUT.resolve(), "highrisk.tsv"), job, test)


def report(gate, job, test) -> None:
    """Share of each set the gate passes on to the model (for hazards: the most recall it leaves)."""
    from eval.classifiers_eval import HANDWRITTEN, HANDWRITTEN_2

    sets = {
        "held-out hazards": [ex.text for ex in test if ex.label != job.negative_label],
        "hand-written hazards": [ex.text for path in (HANDWRITTEN, HANDWRITTEN_2) for ex in load_inputs([TrainingInput(path, "")], job) if ex.label != job.negative_label],
        "held-out MMLU": [ex.text for ex in test if ex.label == job.negative_label and ex.group],
    }
    for src in ("imdb", "laws", "tweets", "cold"):
        sets[f"real-100k {src} (test fifth)"] = [ex.text for ex in load_inputs([TrainingInput(REAL, "", label="benign", where={"src": src}, part="test")], job)]
    for name, texts in sets.items():
        print(f"{name:<36} n={len(texts):>6}  passed {len(gate.candidates(texts)) / len(texts):.3f}")


if __name__ == "__main__":
    main()

"""How often a high-risk reject names the right domain, and the domain terms that label it.

The stage's decision (reject or keep, with the top hazard class's threshold) is one thing; the domain a
reject is labelled with (its reason and risk level, what auditors read) is another. This measures the
label on the labelled high-risk data: of the hazard records the stage rejects, how many it labels with
their own domain, per domain and as a confusion table, with the most likely hazard class alone
(``domain_terms: null``) and with the domain terms (transforms/content/highrisk.py, DomainTerms), and
checks that the two reject exactly the same records.

Splits: the held-out fifth of the highrisk training job, halved by a hash of the text; the first
hand-written set and one half choose DOMAIN_TERM_WEIGHT (the grid below), the second hand-written set
(written later, other styles) and the other half report it.

    .venv/bin/python eval/highrisk_domain_eval.py            # tables (markdown) and the weight grid
    .venv/bin/python eval/highrisk_domain_eval.py --build    # writes lexicons/highrisk_domains.tsv

``--build`` counts, for each gate term (lexicons/highrisk_gate.txt), the training-split hazard examples of
each domain that hold it (the training split eval/build_highrisk_gate.py chose the gate from).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.build_highrisk_gate import training_split  # noqa: E402
from eval.classifiers_eval import HANDWRITTEN, HANDWRITTEN_2, control_labels, held_out  # noqa: E402
from eval.train_shipped_models import jobs  # noqa: E402
from transforms.content import highrisk  # noqa: E402
from transforms.content.classifier import LEXICONS_DIR  # noqa: E402
from transforms.content.highrisk import HAZARD_PREFIX, HighRiskConfig, read_gate_terms, terms_of  # noqa: E402
from transforms.content.text import preprocess_batch  # noqa: E402
from transforms.content.training import TrainingInput, load_inputs  # noqa: E402

OUTPUT = LEXICONS_DIR / "highrisk_domains.tsv"
GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)


def build() -> None:
    job, train, _ = training_split()
    hazards = [ex for ex in train if ex.label != job.negative_label]
    domains = sorted({ex.label.removeprefix(HAZARD_PREFIX) for ex in hazards})
    gate = set(read_gate_terms(LEXICONS_DIR / "highrisk_gate.txt"))
    counts: dict[str, Counter] = defaultdict(Counter)
    for ex, processed in zip(hazards, preprocess_batch([ex.text for ex in hazards])):
        for term in terms_of(processed) & gate:
            counts[term][ex.label.removeprefix(HAZARD_PREFIX)] += 1
    header = [
        "# Per high-risk gate term, the training-split hazard examples of each domain that hold it: what labels a",
        "# flagged record's domain (transforms/content/highrisk.py, DomainTerms). Written by eval/highrisk_domain_eval.py",
        f"# --build from the training split of eval/build_highrisk_gate.py ({len(hazards)} hazard examples).",
        "\t".join(["term", *domains]),
    ]
    rows = ["\t".join([term, *(str(counts[term][d]) for d in domains)]) for term in sorted(counts)]
    OUTPUT.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} terms -> {OUTPUT}")


def _half(text: str) -> str:
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "test"


def splits() -> dict[str, list]:
    job = jobs()["highrisk"]
    split = held_out("highrisk")
    return {
        "dev: held-out half A": [ex for ex in split if _half(ex.text) == "dev"],
        "dev: hand-written 1": load_inputs([TrainingInput(HANDWRITTEN, "Apache-2.0")], job),
        "test: held-out half B": [ex for ex in split if _half(ex.text) == "test"],
        "test: hand-written 2": load_inputs([TrainingInput(HANDWRITTEN_2, "Apache-2.0")], job),
    }


def labelled(examples, domain_terms: str | None) -> list[str]:
    """The stage's decision per example: the reject's domain, or "keep"."""
    control = HighRiskConfig(domain_terms=domain_terms).create().control
    return control_labels(control, examples, None, "keep")


def rejected_right(examples, decided) -> tuple[int, int]:
    pairs = [(ex.label.removeprefix(HAZARD_PREFIX), d) for ex, d in zip(examples, decided) if ex.label != "benign" and d != "keep"]
    return sum(truth == d for truth, d in pairs), len(pairs)


def confusion(examples, decided) -> Counter:
    return Counter((ex.label.removeprefix(HAZARD_PREFIX), d) for ex, d in zip(examples, decided) if ex.label != "benign" and d != "keep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="write lexicons/highrisk_domains.tsv")
    if parser.parse_args().build:
        build()
        return
    sets = splits()
    before = {name: labelled(examples, None) for name, examples in sets.items()}
    print("| weight | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    chosen = highrisk.DOMAIN_TERM_WEIGHT
    after = {}
    for weight in GRID:
        highrisk.DOMAIN_TERM_WEIGHT = weight
        decided = {name: labelled(examples, "highrisk_domains.tsv") for name, examples in sets.items()}
        for name, examples in sets.items():  # the label changes, never the decision
            assert [d == "keep" for d in decided[name]] == [d == "keep" for d in before[name]], (weight, name)
        cells = ["{}/{}".format(*rejected_right(sets[n], decided[n])) for n in sets]
        print(f"| {weight:g}{' (shipped)' if weight == chosen else ''} | " + " | ".join(cells) + " |")
        if weight == chosen:
            after = decided
    highrisk.DOMAIN_TERM_WEIGHT = chosen
    domains = sorted({ex.label.removeprefix(HAZARD_PREFIX) for ex in sum(sets.values(), []) if ex.label != "benign"})
    for part in ("dev", "test"):
        names = [n for n in sets if n.startswith(part)]
        examples = [ex for n in names for ex in sets[n]]
        print(f"\n{part} ({', '.join(names)}): rejected hazard records labelled with their own domain, before -> after")
        print("| true domain | " + " | ".join(f"→ {d}" for d in domains) + " | right |")
        print("|---|" + "---|" * (len(domains) + 1))
        tables = [confusion(examples, [d for n in names for d in labels[n]]) for labels in (before, after)]
        for truth in domains:
            cells = [f"{tables[0][truth, d]} → {tables[1][truth, d]}" for d in domains]
            totals = [sum(t[truth, d] for d in domains) for t in tables]
            print(f"| {truth} | " + " | ".join(cells) + f" | {tables[0][truth, truth]}/{totals[0]} → {tables[1][truth, truth]}/{totals[1]} |")


if __name__ == "__main__":
    main()

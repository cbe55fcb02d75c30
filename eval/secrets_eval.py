"""Evaluate the ``classified`` and ``credentials`` stages on the generated test set.

Prints, per stage, missed markings/credentials (must be zero), the false-positive rate on the
unmarked documents (with a 95% Wilson interval) and per-family counts; exits non-zero on a miss.

    python eval/secrets_eval.py [--seed 7] [--show-errors] [--real-negatives ../shared/data]

``--real-negatives DIR`` also runs both stages over every ``text`` (or ``full_text``) in the JSON/JSONL
files under DIR — real, unmarked text (tweets, forum comments, exam questions, licence texts) — and
reports how many documents each stage acted on there.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from secrets_testset import Doc, build  # noqa: E402
from transforms.core.records import Batch  # noqa: E402
from transforms.content.classified import ClassifiedConfig, ClassifiedControl
from transforms.content.credentials import CredentialsConfig, CredentialsControl  # noqa: E402


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def actions(control, texts: list[str], batch_size: int = 1000) -> list[str]:
    """The action the stage takes on each text, decided batch by batch as in a run (batch gate included)."""
    out = []
    for start in range(0, len(texts), batch_size):
        rows = [
            {"id": str(start + i), "text": t, "source": "eval", "source_uri": "", "locator": "", "license": None, "lang": None,
             "meta": {}, "content_sha256": "", "tags": [], "lineage": []}
            for i, t in enumerate(texts[start : start + batch_size])
        ]
        out += [d.action for d in control.decide(Batch.from_rows(rows))]
    return out


def evaluate(name: str, docs: list[Doc], positive_kind: str, acted: list[bool], show_errors: bool) -> dict:
    """``acted``: per document, whether the stage acted on it (rejected or redacted)."""
    pos = [d for d in docs if d.kind == positive_kind]
    neg = [d for d in docs if d.kind != positive_kind]
    missed = [d for d, a in zip(docs, acted) if d.kind == positive_kind and not a]
    false_pos = [d for d, a in zip(docs, acted) if d.kind != positive_kind and a]
    lo, hi = wilson(len(false_pos), len(neg))
    print(f"\n== {name} ==")
    print(f"positives {len(pos):5d}   missed {len(missed):4d}   recall {1 - len(missed) / max(1, len(pos)):.4f}")
    print(f"negatives {len(neg):5d}   false positives {len(false_pos):4d}   "
          f"FP rate {len(false_pos) / max(1, len(neg)):.4f} (95% CI {lo:.4f}–{hi:.4f})")
    fam_total = Counter(d.family for d in docs)
    fam_err = Counter(d.family for d in missed + false_pos)
    print(f"{'family':36s} {'docs':>5s} {'errors':>6s}")
    for fam in sorted(fam_total):
        print(f"{fam:36s} {fam_total[fam]:5d} {fam_err[fam]:6d}")
    if show_errors:
        for label, group in (("MISSED", missed), ("FALSE POSITIVE", false_pos)):
            for d in group[:5]:
                print(f"--- {label} [{d.family}]\n{d.text[:600]}")
    return {"positives": len(pos), "missed": len(missed), "negatives": len(neg), "false_positives": len(false_pos)}


def real_texts(root: Path) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.json*")):
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
        found = [r.get("text") or r.get("full_text") for r in rows if isinstance(r, dict)]
        texts[str(path.relative_to(root))] = [t for t in found if isinstance(t, str)]
    return texts


def evaluate_real(root: Path, classified, credentials, show_errors: bool) -> None:
    print(f"\n== real unmarked text under {root} ==")
    print(f"{'file':44s} {'docs':>6s} {'classified':>10s} {'credentials':>11s}")
    for name, texts in real_texts(root).items():
        marked = [t for t, a in zip(texts, actions(classified, texts)) if a == "reject"]
        creds = [t for t, a in zip(texts, actions(credentials, texts)) if a != "keep"]
        print(f"{name:44s} {len(texts):6d} {len(marked):10d} {len(creds):11d}")
        if show_errors:
            for t in marked[:3] + creds[:3]:
                print(f"--- {name}\n{t[:400]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--real-negatives", type=Path)
    args = parser.parse_args()
    docs = build(args.seed)
    classified = ClassifiedControl(ClassifiedConfig())
    credentials = CredentialsControl(CredentialsConfig(action="redact"))
    texts = [d.text for d in docs]
    marked = evaluate("classified", docs, "classified", [a == "reject" for a in actions(classified, texts)], args.show_errors)
    cred = evaluate("credentials", docs, "credential", [a != "keep" for a in actions(credentials, texts)], args.show_errors)
    if args.real_negatives:
        evaluate_real(args.real_negatives, classified, credentials, args.show_errors)
    return 1 if marked["missed"] or cred["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())

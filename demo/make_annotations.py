"""Deterministic demo annotation set for `steward audit-annotations configs/annotations_demo.yaml`.

600 items in 12 batches of 50, labelled benign / sensitive / harmful by three of five annotators each
(a1–a5, right about 97% of the time); on every fifth item a sixth annotator, a6, adds a fourth label and is
right only about 65% of the time (the weak annotator). Reviewer r1 checks five
items per batch and marks one item of batch b07 as illegal content (the whole batch is voided); annotator
a2 also reviews five items of batch b03 that it annotated itself (role separation broken).

    python demo/make_annotations.py demo/annotations
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

LABELS = ("benign", "sensitive", "harmful")
TRUTH_WEIGHTS = (0.6, 0.25, 0.15)
ACCURACY = {"a1": 0.97, "a2": 0.97, "a3": 0.98, "a4": 0.97, "a5": 0.97, "a6": 0.65}
WEAK, WEAK_EVERY = "a6", 5
ITEMS, BATCH_SIZE, PER_ITEM = 600, 50, 3
VOIDED_BATCH, SELF_REVIEW_BATCH = "b07", "b03"


def make(seed: int = 20250901) -> list[dict]:
    rng = random.Random(seed)
    annotators = sorted(set(ACCURACY) - {WEAK})
    rows = []
    self_reviews = 0
    for n in range(ITEMS):
        item, batch = f"item{n:04d}", f"b{n // BATCH_SIZE:02d}"
        truth = rng.choices(LABELS, TRUTH_WEIGHTS)[0]
        chosen = [annotators[(n + k) % len(annotators)] for k in range(PER_ITEM)]  # rotating, balanced overlap
        if n % WEAK_EVERY == 0:
            chosen.append(WEAK)
        for k, annotator in enumerate(chosen):
            if rng.random() < ACCURACY[annotator]:
                label = truth
            else:
                label = rng.choice([x for x in LABELS if x != truth])
            rows.append({"item_id": item, "annotator_id": annotator, "label": label, "batch_id": batch,
                         "role": "annotator", "timestamp": f"2025-09-01T{8 + k:02d}:{n % 60:02d}:00Z"})
        position = n % BATCH_SIZE
        if position < 5:
            verdict = "illegal" if (batch == VOIDED_BATCH and position == 2) else "ok"
            rows.append({"item_id": item, "annotator_id": "r1", "label": verdict, "batch_id": batch,
                         "role": "reviewer", "timestamp": f"2025-09-02T09:{n % 60:02d}:00Z"})
        if batch == SELF_REVIEW_BATCH and position >= 10 and "a2" in chosen and self_reviews < 5:
            self_reviews += 1
            rows.append({"item_id": item, "annotator_id": "a2", "label": "ok", "batch_id": batch,
                         "role": "reviewer", "timestamp": f"2025-09-02T10:{n % 60:02d}:00Z"})
    return rows


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = make()
    with open(out / "annotations.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    print(f"wrote {len(rows)} annotation records to {out / 'annotations.jsonl'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo/annotations")

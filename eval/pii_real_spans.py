"""What the shipped PII detector finds on real text: span counts per type and source part of
``../shared/data/bench/real-100k``, and a sample of the spans to read by hand.

    python eval/pii_real_spans.py                                  # all 100,000 documents, counts + 10 spans per cell
    python eval/pii_real_spans.py --types STREET_ADDRESS PERSON --src laws cold --sample 0   # every span of those
    python eval/pii_real_spans.py --docs 20000                     # the bench sample (seed 7) instead
    python eval/pii_real_spans.py --src laws --part held-out       # the statutes' held-out half (how rules built
                                                                   # or tuned on the other half are reported)

A dev tool: it prints to stdout only. Each span is shown in its context with every other span the detector found
there replaced by its type, so the only raw personal data printed is the span being read. Real text has no gold:
counts before and after a rule change, read span by span, are the measure (docs/pii.md).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pii_bench  # noqa: E402
import real_corpus  # noqa: E402

from transforms.pii import detectors as det  # noqa: E402


def detected(docs: list[dict], batch: int) -> list[list[det.Span]]:
    detector = det.Detector()
    spans: list[list[det.Span]] = []
    for i in range(0, len(docs), batch):
        spans.extend(detector.detect_batch([d["text"] for d in docs[i : i + batch]]))
    return spans


def in_context(text: str, span: det.Span, spans: list[det.Span], width: int) -> str:
    """The span between »«, its context with the other spans (resolved: sorted, not overlapping) replaced by their
    type, on one line."""
    lo, hi = max(0, span.start - width), min(len(text), span.end + width)
    pieces, at = [], lo
    for other in spans:
        if other.end <= lo or other.start >= hi:
            continue
        pieces.append(text[at : max(at, other.start)])
        pieces.append(f"»{text[span.start : span.end]}«" if other == span else f"<{other.type}>")
        at = max(at, other.end)
    pieces.append(text[at:hi])
    return " ".join("".join(pieces).split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=0, help="a random sample (seed 7, as bench/pii_bench.py); 0: all")
    ap.add_argument("--types", nargs="*", default=None, help="entity types to list (default: all)")
    ap.add_argument("--src", nargs="*", default=None, help="source parts to list: imdb laws tweets cold")
    ap.add_argument("--sample", type=int, default=10, help="spans listed per type and part; 0: every one")
    ap.add_argument("--context", type=int, default=20, help="characters of context on each side")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--part", choices=("tuning", "held-out"),
                    help="only the half of each source part that word lists are built and rules tuned on, or the other")
    args = ap.parse_args()

    docs = pii_bench.corpus(args.docs) if args.docs else list(real_corpus.real_documents(pii_bench.REAL))
    if args.part:
        docs = [d for d in docs if real_corpus.statute_tuning_part(d) == (args.part == "tuning")]
    found = detected(docs, args.batch)
    cells: dict[tuple[str, str], list[tuple[int, det.Span]]] = defaultdict(list)
    doc_counts: Counter = Counter()
    for i, (doc, spans) in enumerate(zip(docs, found)):
        doc_counts[doc["src"]] += 1
        for span in spans:
            cells[span.type, doc["src"]].append((i, span))

    parts = sorted(doc_counts)
    print(f"{len(docs):,} documents: " + ", ".join(f"{p} {doc_counts[p]:,}" for p in parts))
    types = sorted({t for t, _ in cells})
    print(f"{'type':<20}" + "".join(f"{p:>10}" for p in parts) + f"{'all':>10}")
    for t in types:
        row = [len(cells[t, p]) for p in parts]
        print(f"{t:<20}" + "".join(f"{n:>10,}" for n in row) + f"{sum(row):>10,}")

    rng = random.Random(7)
    for (t, p), items in sorted(cells.items()):
        if (args.types and t not in args.types) or (args.src and p not in args.src):
            continue
        counts = Counter(docs[i]["text"][s.start : s.end] for i, s in items)
        print(f"\n## {t} in {p}: {len(items)} spans, {len(counts)} distinct; most frequent: "
              + ", ".join(f"{text} ×{n}" for text, n in counts.most_common(8) if n > 1))  # fmt: skip
        shown = items if not args.sample or len(items) <= args.sample else rng.sample(items, args.sample)
        for i, span in sorted(shown, key=lambda item: item[0]):
            print(f"  [{i}] {in_context(docs[i]['text'], span, found[i], args.context)}")


if __name__ == "__main__":
    main()

"""What the default PII path gives on every document of real-100k, for checking that a speed change is exact.

    .venv/bin/python bench/pii_outputs.py --out /tmp/new.tsv          # in each checkout (old and new)
    .venv/bin/python bench/pii_outputs.py --compare /tmp/old.tsv /tmp/new.tsv

One line per document: its id, then sha256 digests of the spans ``Detector().detect_batch`` finds (start, end, type,
score; batches of 256 as the stage gets them), of the redacted text (``Anonymiser``, every type redacted) and of the
stage's decision (``PiiControl`` with the default config, its url as meta: action, detail, new text and meta, so
reject decisions and meta de-identification count too). Every 50th document is also run alone through ``detect``
(the plain-Python paths of one short text) and must give the batch's spans. ``--compare`` prints the documents that
differ and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_corpus  # noqa: E402
from pii_bench import REAL  # noqa: E402

from transforms.core.records import Batch, content_sha256  # noqa: E402
from transforms.pii import detectors as det  # noqa: E402
from transforms.pii.stage import Anonymiser, PiiConfig, PiiControl  # noqa: E402

BATCH = 256
ALONE_EVERY = 50


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _batch(docs: list[dict]) -> Batch:
    return Batch.from_rows(
        {"id": d["id"], "text": d["text"], "source": d["src"], "source_uri": f"real-100k/{d['src']}",
         "locator": d["id"], "license": None, "lang": None, "meta": {"url": d.get("url") or ""},
         "content_sha256": content_sha256(d["text"]), "tags": [], "lineage": []}
        for d in docs
    )  # fmt: skip


def write_outputs(out: Path, limit: int | None = None, corpus: Path = REAL) -> None:
    detector = det.Detector()
    anonymiser = Anonymiser({e: "redact" for e in det.ENTITY_TYPES})
    control = PiiControl(PiiConfig())
    docs = list(real_corpus.real_documents(corpus))[:limit]
    with out.open("w", encoding="utf-8") as f:
        for i in range(0, len(docs), BATCH):
            chunk = docs[i : i + BATCH]
            texts = [d["text"] for d in chunk]
            found = detector.detect_batch(texts)
            decisions = control.decide(_batch(chunk))
            for k, (doc, spans, decision) in enumerate(zip(chunk, found, decisions)):
                if (i + k) % ALONE_EVERY == 0 and detector.detect(doc["text"]) != spans:
                    raise SystemExit(f"{doc['id']}: detect alone differs from detect_batch")
                redacted = anonymiser.apply(doc["text"], spans)
                action = (decision.action, decision.rule, decision.detail, decision.text, decision.meta)
                f.write(f"{doc['id']}\t{_digest([tuple(s) for s in spans])}\t{_digest(redacted)}\t{_digest(action)}\n")
    print(f"{len(docs)} documents written to {out}")


def compare(old: Path, new: Path) -> int:
    a, b = old.read_text().splitlines(), new.read_text().splitlines()
    if len(a) != len(b):
        print(f"{len(a)} documents against {len(b)}")
        return 1
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    for x, y in differ[:20]:
        print(f"differs: {x}\n         {y}")
    print(f"{len(a)} documents, {len(differ)} differ (spans, redacted text, decision)")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N documents (a quick check)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(compare(*args.compare))
    if not args.out:
        parser.error("--out or --compare")
    write_outputs(args.out, args.limit)


if __name__ == "__main__":
    main()

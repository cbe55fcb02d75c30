"""Benchmark corpora from real text: ``../shared/data/bench/real-100k`` and larger corpora derived from it.

    .venv/bin/python bench/real_corpus.py --docs 100000 --out bench/_work/real-100000
    .venv/bin/python bench/real_corpus.py --docs 1000000 --out bench/_work/real-1000000 --shards 16

Up to 100,000 documents the corpus *is* the real one (IMDB reviews, PRC statutes, tweets, Chinese
comments; its natural duplicates only), re-sharded as plain JSONL ``{"id", "text", "url"}`` in ``part-<source>-<n>.jsonl`` files (one set per
kind of text: imdb, laws, tweets, cold), so our pipeline and datatrove read the same files and a job
can declare each kind as a source of its own.

Past 100,000 there is no more real text, so the real documents are followed by derived ones, made to
keep what makes real text expensive and a web-like duplicate rate (10–30 %, the issue's range):

* ``EXACT_SHARE`` (6 %) copy an earlier document verbatim (reposts);
* ``NEAR_SHARE`` (6 %) copy an earlier document with about 4 % of its words (characters for Chinese)
  replaced or dropped (light edits, the case MinHash at 0.5 is for);
* the rest are new documents spliced from random sentences (at least two) of the real documents of one
  source, up to the length of a real document of that source, each source keeping its share of the corpus, so vocabulary, script mix and
  length stay those of real text while two derived documents rarely share more than a sentence.

``ground_truth.json`` gives the counts by kind and source. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import sys
import time
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "bench" / "real-100k"
EXACT_SHARE = 0.06
NEAR_SHARE = 0.06
EDIT_SHARE = 0.04
MAX_SENTENCES = 40
RECENT = 50_000  # duplicates copy one of the last RECENT documents
_SENTENCE = re.compile(r"(?<=[.!?。！？；;])\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def real_documents(folder: Path = REAL):
    """The real corpus in its shard order: dicts with id, text, url, src."""
    parts = sorted(folder.glob("part-*.jsonl.zst"))
    if not parts:
        raise SystemExit(f"no real corpus at {folder} (see ../shared/data/README.md)")
    for part in parts:
        with part.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
            for line in io.TextIOWrapper(stream, encoding="utf-8"):
                yield json.loads(line)


def statute_tuning_part(doc: dict) -> bool:
    """Whether a document is in the half of the corpus (fixed by a hash of its id) that word lists may be built and
    rules tuned on; counts on the statutes are reported on the other half (eval/pii_real_spans.py --part)."""
    return hashlib.sha1(doc["id"].encode()).digest()[0] < 128


def near_copy(text: str, rng: random.Random) -> str:
    """A light edit: about EDIT_SHARE of the words (characters for Chinese) replaced or dropped."""
    if _CJK.search(text):
        chars = list(text)
        for i in rng.sample(range(len(chars)), max(1, int(len(chars) * EDIT_SHARE))):
            chars[i] = rng.choice("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会")
        return "".join(chars)
    words = text.split(" ")
    for i in sorted(rng.sample(range(len(words)), max(1, int(len(words) * EDIT_SHARE))), reverse=True):
        if rng.random() < 0.5:
            del words[i]
        else:
            words[i] = rng.choice(("really", "quite", "the", "a", "very", "just", "also", "still"))
    return " ".join(words)


class Recent:
    """The last ``size`` items, oldest first, as a ring: O(1) append where trimming a list moved the whole
    window every document; indexes like the list it replaced, so the corpus is unchanged."""

    def __init__(self, size: int):
        self.size, self.items, self.start = size, [], 0

    def append(self, item) -> None:
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self.items[self.start] = item
            self.start = (self.start + 1) % self.size

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        return self.items[(self.start + i) % len(self.items)]


class Splicer:
    """New documents from the sentences of real documents of one source."""

    def __init__(self, docs_by_src: dict[str, list[str]], rng: random.Random):
        self.rng = rng
        self.sentences = {src: [s for d in docs for s in _SENTENCE.split(d) if s.strip()] for src, docs in docs_by_src.items()}
        self.lengths = {src: [len(d) for d in docs] for src, docs in docs_by_src.items()}

    def make(self, src: str) -> str:
        target = self.rng.choice(self.lengths[src])  # a real document's length: keeps the length distribution
        pool = self.sentences[src]
        parts: list[str] = []
        size = 0
        while len(parts) < 2 or (size < target and len(parts) < MAX_SENTENCES):
            sentence = self.rng.choice(pool)
            parts.append(sentence)
            size += len(sentence)
        joiner = "" if _CJK.search(parts[0]) else " "
        return joiner.join(parts)


def build(docs: int, out: Path, shards: int, seed: int, real: Path = REAL) -> dict:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.jsonl"):
        old.unlink()
    writers: dict[str, list] = {}
    counts = {"documents": 0, "real": 0, "exact_copy": 0, "near_copy": 0, "spliced": 0}
    by_src: dict[str, int] = {}
    recent = Recent(RECENT)  # (src, text) of the last RECENT documents
    docs_by_src: dict[str, list[str]] = {}

    def emit(doc_id: str, text: str, url: str, src: str, kind: str) -> None:
        if src not in writers:
            writers[src] = [(out / f"part-{src}-{i:05d}.jsonl").open("w", encoding="utf-8") for i in range(shards)]
        writers[src][by_src.get(src, 0) % shards].write(json.dumps({"id": doc_id, "text": text, "url": url}, ensure_ascii=False) + "\n")
        counts["documents"] += 1
        counts[kind] += 1
        by_src[src] = by_src.get(src, 0) + 1
        recent.append((src, text))

    for doc in real_documents(real):
        if counts["documents"] >= docs:
            break
        emit(doc["id"], doc["text"], doc.get("url") or "", doc["src"], "real")
        docs_by_src.setdefault(doc["src"], []).append(doc["text"])
    if counts["documents"] < docs:
        sources = sorted(docs_by_src)
        weights = [len(docs_by_src[s]) for s in sources]
        splicer = Splicer(docs_by_src, rng)
        n = 0
        while counts["documents"] < docs:
            n += 1
            roll = rng.random()
            if roll < EXACT_SHARE:
                src, text = rng.choice(recent)
                kind = "exact_copy"
            elif roll < EXACT_SHARE + NEAR_SHARE:
                src, original = rng.choice(recent)
                text, kind = near_copy(original, rng), "near_copy"
            else:
                src = rng.choices(sources, weights)[0]
                text, kind = splicer.make(src), "spliced"
            emit(f"d{n:09d}", text, f"https://derived.example.org/{src}/{n}", src, kind)
    for files in writers.values():
        for w in files:
            w.close()
    truth = {"counts": counts, "by_src": by_src, "shards": shards, "seed": seed, "source": real.name}
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.time()
    truth = build(args.docs, args.out, args.shards, args.seed)
    print(f"wrote {truth['counts']['documents']:,} documents to {args.out} in {time.time() - started:.0f} s: {truth['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark corpus: N realistic ~1 KB documents (70 % English, 30 % Chinese) as sharded jsonl.

    .venv/bin/python bench/make_corpus.py --docs 100000 --out bench/_work/corpus-100k
    .venv/bin/python bench/make_corpus.py --docs 1000000 --out bench/_work/corpus-1m --shards 16

Each line is ``{"id", "text", "url"}``. About 5 % of documents are planted exact duplicates of an
earlier document, about 5 % planted near duplicates (a repost prefix or a few words changed) and
about 30 % carry personal information. The sentence banks are small, so documents of one topic also
become near duplicates by chance, more often the larger the corpus: dedup finds 25 % duplicates in
total at 100k documents and 37 % at 1M (sampled unplanted English ones: word-5-gram Jaccard median
0.75, i.e. real near-copies). ``ground_truth.json`` beside the shards gives the counts, the planted
duplicate groups and the Jaccard similarity of each planted near duplicate to its original (word
5-grams for English, character 5-grams for Chinese). Deterministic for a given ``--seed``.

Speed: paragraphs are filled once into a pool per topic; each document is a freshly filled title and
lead plus pooled paragraphs, so a million documents take well under two minutes while unrelated
documents still share few 5-grams.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo import textbanks_en as EN  # noqa: E402
from demo import textbanks_zh as ZH  # noqa: E402
from demo import textgen as T  # noqa: E402

ZH_SHARE = 0.3
EXACT_SHARE = 0.05
NEAR_SHARE = 0.05
PII_SHARE = 0.30
POOL_PER_TOPIC = 1500
RECENT = 20_000  # duplicates copy one of the last RECENT originals


def _topics(lang: str) -> list[dict]:
    return [*EN.NEWS_TOPICS, *EN.FORUM_TOPICS, *EN.BLOG_TOPICS] if lang == "en" else [*ZH.NEWS_TOPICS, *ZH.FORUM_TOPICS]


class DocumentFactory:
    """Assembles documents from a per-topic paragraph pool plus a freshly filled title and lead sentence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.topics = {lang: _topics(lang) for lang in ("en", "zh")}
        self.pool = {lang: T.paragraph_pool(rng, lang, POOL_PER_TOPIC) for lang in ("en", "zh")}

    def make(self, lang: str) -> tuple[str, list[str]]:
        """(text, PII kinds) of one new document."""
        rng = self.rng
        index = rng.randrange(len(self.topics[lang]))
        topic = self.topics[lang][index]
        fill = T.Filler(rng, lang)
        head = topic.get("leads") or topic.get("openers")
        variant = rng.randrange(len(head))  # news titles announce what their lead reports
        title = fill(topic["titles"][variant % len(topic["titles"])])
        lead = fill(head[variant]) + (" " if lang == "en" else "") + fill(rng.choice(topic["body"]))
        paragraphs = [title, lead, *rng.sample(self.pool[lang][index], 4 if lang == "en" else 3)]
        kinds: list[str] = []
        if rng.random() < PII_SHARE:
            snippet, kinds = T.pii_snippet_en(rng, fill) if lang == "en" else T.pii_snippet_zh(rng, fill)
            paragraphs.insert(rng.randint(2, len(paragraphs)), snippet)
        return "\n\n".join(paragraphs), kinds


def generate(docs: int, out: Path, shards: int, seed: int) -> dict:
    rng = random.Random(seed)
    factory = DocumentFactory(rng)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.jsonl"):
        old.unlink()
    files = [open(out / f"part-{k:05d}.jsonl", "w", encoding="utf-8") for k in range(shards)]
    recent: list[tuple[str, str, str]] = []  # (id, text, lang) of recent originals
    groups: dict[str, dict] = {}
    counts = {"documents": docs, "en": 0, "zh": 0, "exact_duplicates": 0, "near_duplicates": 0, "pii_documents": 0}
    pii_kinds: dict[str, int] = {}
    near_jaccard: list[float] = []
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    try:
        for n in range(docs):
            doc_id = f"doc-{n:08d}"
            roll = rng.random()
            if recent and roll < EXACT_SHARE + NEAR_SHARE:
                original_id, original_text, lang = recent[rng.randrange(len(recent))]
                group = groups.setdefault(original_id, {"original": original_id, "exact": [], "near": []})
                if roll < EXACT_SHARE:
                    text = original_text
                    group["exact"].append(doc_id)
                    counts["exact_duplicates"] += 1
                else:
                    text, _ = T.near_duplicate(rng, original_text, lang)
                    group["near"].append(doc_id)
                    counts["near_duplicates"] += 1
                    shingles = T.word_shingles if lang == "en" else T.char_shingles
                    near_jaccard.append(T.jaccard(shingles(original_text), shingles(text)))
            else:
                lang = "zh" if rng.random() < ZH_SHARE else "en"
                text, kinds = factory.make(lang)
                if kinds:
                    counts["pii_documents"] += 1
                    for kind in dict.fromkeys(kinds):
                        pii_kinds[kind] = pii_kinds.get(kind, 0) + 1
                if len(recent) < RECENT:
                    recent.append((doc_id, text, lang))
                else:
                    recent[rng.randrange(RECENT)] = (doc_id, text, lang)
            counts[lang] += 1
            files[n % shards].write(dumps({"id": doc_id, "text": text, "url": f"https://corpus.example.org/{lang}/{n:08d}"}) + "\n")
    finally:
        for handle in files:
            handle.close()
    near_jaccard.sort()
    truth = {
        "seed": seed,
        "shards": shards,
        "counts": counts,
        "pii_kinds": dict(sorted(pii_kinds.items())),
        "near_duplicate_jaccard": {
            "shingles": "word 5-grams (en), character 5-grams (zh)",
            "min": round(near_jaccard[0], 4) if near_jaccard else None,
            "p10": round(near_jaccard[len(near_jaccard) // 10], 4) if near_jaccard else None,
            "median": round(near_jaccard[len(near_jaccard) // 2], 4) if near_jaccard else None,
        },
        "groups": list(groups.values()),
        "note": "PII counts cover originals only; exact and near duplicates repeat their original's personal information.",
    }
    (out / "ground_truth.json").write_text(json.dumps(truth, ensure_ascii=False, separators=(",", ":")) + "\n")
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate(args.docs, args.out, args.shards, args.seed)
    counts = truth["counts"]
    print(f"wrote {counts['documents']} documents in {args.shards} shards to {args.out} in {time.perf_counter() - started:.1f} s "
          f"(exact {counts['exact_duplicates']}, near {counts['near_duplicates']}, PII {counts['pii_documents']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Partial-copy detection and paragraph dedup on realistic reuse of real text (issue 19 item 3).

Real text only (``../shared/data/bench/real-100k``: IMDB reviews, PRC statute chunks; read here, never at run
time). For 500 reviews (>= 120 words) and 500 statute chunks (>= 200 characters) it builds:

- ``cut``: a contiguous run of whole sentences holding 50-95 % of the source (by words / characters),
  placed among sentences of 4 other documents of the same kind (0.25-1.5 x the copied part);
- ``light``: the same with 5 % of the copied words (characters for Chinese) substituted, deleted or
  doubled by another word of the corpus;
- ``heavy``: 25 % of the copied words edited and the copied sentences shuffled (a rewrite; reported, not a target).

Unrelated same-topic pairs (the false-flag rate): neighbouring chunks of the same statute (same file), and
IMDB reviews that share at least two rare proper names (mostly the same film or cast). Pairs that are the
same text (exact Jaccard >= 0.8: reviews posted twice in the IMDB set) are natural duplicates and left out.

Everything goes into one corpus (sources, copies, pair documents; random corpus order) and through the reuse
stage's decision core (same functions as the Beam stage, one bucket). A copy counts as found when it and its
source are flagged as a pair in either direction (which one is removed depends on the corpus order). The anchor
is the dedup stage's rule: whole-document Jaccard of word/char 5-grams >= 0.5.

Last, the stage runs on all of real-100k (corpus order = file order) and reports what it would remove.

    .venv/bin/python eval/reuse_eval.py [--sources 500] [--threshold 0.3]
"""

from __future__ import annotations

import argparse
import collections
import glob
import io
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from transforms.core.hashing import normalize_codes, shingle_hashes_of_codes  # noqa: E402
from transforms.reuse.resolve import ReuseParams, ShingleSets, chunk_of, decide_in_memory, shared_count  # noqa: E402
from transforms.reuse.stage import ReuseConfig  # noqa: E402

REAL = next((p for p in ("../shared/data/bench/real-100k", "../../shared/data/bench/real-100k") if Path(p).is_dir()),
            "../shared/data/bench/real-100k")  # from the main checkout or from a worktree under wt/
_EN_SENT = re.compile(r"(?<=[.!?])\s+")
_ZH_SENT = re.compile(r"(?<=[。！？；\n])")


def load_real(directory: str) -> list[dict]:
    import zstandard

    rows = []
    for path in sorted(glob.glob(f"{directory}/part-*.jsonl.zst")):
        with open(path, "rb") as f:
            rows += [json.loads(line) for line in io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(f), encoding="utf-8")]
    return rows


def sentences(text: str, zh: bool) -> list[str]:
    return [p for p in (_ZH_SENT if zh else _EN_SENT).split(text) if p.strip()]


def size(text: str, zh: bool) -> int:
    return len(re.sub(r"\s", "", text)) if zh else len(text.split())


def join(parts: list[str], zh: bool) -> str:
    return ("" if zh else " ").join(parts)


def cut(src: str, rng: random.Random, zh: bool, lo: float = 0.5, hi: float = 0.95) -> tuple[list[str], float]:
    """A contiguous run of whole sentences holding a share in [lo, hi] of the text."""
    sents, total = sentences(src, zh), size(src, zh)
    target = rng.uniform(lo, hi)
    for _ in range(50):
        start = rng.randrange(len(sents))
        acc, end = 0, start
        while end < len(sents) and acc < target * total:
            acc += size(sents[end], zh)
            end += 1
        if lo * total <= acc <= max(hi, target) * total:
            return sents[start:end], acc / total
    acc, end = 0, 0
    while end < len(sents) and acc < lo * total:
        acc += size(sents[end], zh)
        end += 1
    return sents[:end], acc / total


def edit(parts: list[str], rng: random.Random, zh: bool, rate: float, vocab: list[str]) -> list[str]:
    out = []
    for p in parts:
        units = list(p) if zh else p.split(" ")
        new = []
        for u in units:
            if (zh and u.isspace()) or rng.random() >= rate:
                new.append(u)
                continue
            op = rng.random()
            if op < 0.6:
                new.append(rng.choice(vocab))
            elif op >= 0.8:
                new += [u, rng.choice(vocab)]
        out.append(("" if zh else " ").join(new))
    return out


def wrap(copied: list[str], donors: list[str], rng: random.Random, zh: bool, ratio: float) -> str:
    need = ratio * sum(size(s, zh) for s in copied)
    pool = [s for d in donors for s in sentences(d, zh)]
    before_share, before, after, acc = rng.random(), [], [], 0
    for s in pool:
        if acc >= need:
            break
        (before if acc < before_share * need else after).append(s)
        acc += size(s, zh)
    return join(before + copied + after, zh)


def build_copies(rows: list[dict], n_sources: int, rng: random.Random) -> list[dict]:
    imdb = [r for r in rows if r["src"] == "imdb" and len(r["text"].split()) >= 120]
    laws = [r for r in rows if r["src"] == "laws" and len(re.sub(r"\s", "", r["text"])) >= 200]
    vocab = {"imdb": [w for r in imdb[:3000] for w in r["text"].split()],
             "laws": [c for r in laws[:2000] for c in r["text"] if "\u4e00" <= c <= "\u9fff"]}  # fmt: skip
    cases = []
    for name, pool, zh in (("imdb", imdb, False), ("laws", laws, True)):
        rng.shuffle(pool)
        sources, donors = pool[:n_sources], pool[n_sources : 5 * n_sources]
        for k, s in enumerate(sources):
            for kind in ("cut", "light", "heavy"):
                parts, share = cut(s["text"], rng, zh)
                if kind == "light":
                    parts = edit(parts, rng, zh, 0.05, vocab[name])
                elif kind == "heavy":
                    parts = edit(parts, rng, zh, 0.25, vocab[name])
                    rng.shuffle(parts)
                text = wrap(parts, [donors[(4 * k + m) % len(donors)]["text"] for m in range(4)], rng, zh, rng.uniform(0.25, 1.5))
                cases.append({"src": name, "kind": kind, "source": s, "text": text, "taken": share})
    return cases


_CAP = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]{3,})\b")
_COMMON_CAPS = set("This That There They Then When What Which While With Would Could Should Also Even Just Most Some More Many "
                   "Much Very Well After Before Because However Although Though Still Their Your Those These Here Where Every "
                   "Anyway Overall Maybe Perhaps Only Movie Film Hollywood Oscar Academy Award America American English French "
                   "British".split())  # fmt: skip


def same_topic_pairs(rows: list[dict], rng: random.Random, n_max: int = 3000) -> dict[str, list[tuple[dict, dict]]]:
    by_file = collections.defaultdict(list)
    for r in rows:
        if r["src"] == "laws":
            by_file[r["url"]].append(r)
    laws = [(d[i], d[i + 1]) for d in (sorted(v, key=lambda r: r["id"]) for v in by_file.values()) for i in range(len(d) - 1)]
    rng.shuffle(laws)
    imdb = [r for r in rows if r["src"] == "imdb"]
    names = [sorted(set(_CAP.findall(r["text"])) - _COMMON_CAPS) for r in imdb]  # sorted: no dependence on str hashing
    df = collections.Counter(n for ns in names for n in ns)
    posting = collections.defaultdict(list)
    for k, ns in enumerate(names):
        for n in ns:
            if 2 <= df[n] <= 15:
                posting[n].append(k)
    shared = collections.Counter((d[i], d[j]) for d in posting.values() for i in range(len(d)) for j in range(i + 1, len(d)))
    films = [(imdb[i], imdb[j]) for (i, j), n in shared.items() if n >= 2]
    rng.shuffle(films)
    return {"statute_neighbours": laws[:n_max], "same_film_reviews": films[:n_max]}


def jaccard5(a: str, b: str) -> float:
    """The dedup stage's whole-document similarity: exact Jaccard of word/char 5-gram sets."""
    sh, off = shingle_hashes_of_codes(*normalize_codes([a, b]), 5, 5)
    x, y = set(sh[off[0] : off[1]].tolist()), set(sh[off[1] : off[2]].tolist())
    return len(x & y) / max(1, len(x | y))


def evaluate(args) -> dict:
    rng = random.Random(args.seed)
    rows = load_real(args.real)
    cases = build_copies(rows, args.sources, rng)
    pairs = same_topic_pairs(rows, rng)
    docs: dict[str, str] = {}
    for c in cases:
        docs[c["source"]["id"]] = c["source"]["text"]
    for k, c in enumerate(cases):
        docs[f"copy{k}"] = c["text"]
    for plist in pairs.values():
        for a, b in plist:
            docs[a["id"]], docs[b["id"]] = a["text"], b["text"]
    ids = list(docs)
    random.Random(1).shuffle(ids)
    params = ReuseConfig(threshold=args.threshold, paragraphs=False).params()
    chunks = [chunk_of(ids[i : i + 1000], [docs[x] for x in ids[i : i + 1000]], np.arange(i, min(i + 1000, len(ids)), dtype=np.uint64), params)
              for i in range(0, len(ids), 1000)]  # fmt: skip
    tagged = ReuseParams(**{**params.__dict__, "action": "tag"})  # every qualifying pair, not only the greedy survivors
    _, table, counts = decide_in_memory(chunks, tagged)
    flagged_pairs = set()
    # all qualifying pairs: re-run the verification and keep every hit, in both directions
    from transforms.reuse.resolve import FingerprintEntries, candidate_pairs, fingerprint_entries, fingerprint_pairs

    pe, _ = fingerprint_pairs(FingerprintEntries.concat([fingerprint_entries(c, tagged) for c in chunks]), tagged)
    a, b, _ = candidate_pairs(pe, tagged)
    sets = ShingleSets.concat([ShingleSets.of_chunk(c, tagged) for c in chunks]).distinct()
    key_of = dict(zip(sets.ids, sets.keys.tolist()))
    size = dict(zip(sets.keys.tolist(), np.diff(sets.offsets).tolist()))
    row_of = {k: r for r, k in enumerate(sets.keys.tolist())}
    for x, y in zip(a.tolist(), b.tolist()):
        rx, ry = row_of[x], row_of[y]
        common = shared_count(sets.values[sets.offsets[rx] : sets.offsets[rx + 1]], sets.values[sets.offsets[ry] : sets.offsets[ry + 1]])
        if common >= tagged.min_common and common / min(size[x], size[y]) >= tagged.threshold:
            flagged_pairs.add((min(x, y), max(x, y)))

    def flagged(i: str, j: str) -> bool:
        ki, kj = key_of.get(i), key_of.get(j)
        return ki is not None and kj is not None and (min(ki, kj), max(ki, kj)) in flagged_pairs

    found, total, anchor = collections.Counter(), collections.Counter(), collections.Counter()
    by_share = collections.defaultdict(collections.Counter)
    for k, c in enumerate(cases):
        key = f"{c['src']}:{c['kind']}"
        total[key] += 1
        hit = flagged(c["source"]["id"], f"copy{k}")
        found[key] += hit
        anchor[key] += jaccard5(c["source"]["text"], c["text"]) >= 0.5
        if c["kind"] != "heavy":
            by_share[f"{int(c['taken'] * 10) * 10}-{int(c['taken'] * 10) * 10 + 9}%"]["found" if hit else "missed"] += 1
    false_flags, natural = {}, {}
    for name, plist in pairs.items():
        dup = [p for p in plist if jaccard5(p[0]["text"], p[1]["text"]) >= 0.8]
        rest = [p for p in plist if p not in dup]
        natural[name] = len(dup)
        false_flags[name] = (sum(flagged(x["id"], y["id"]) for x, y in rest), len(rest))
    summary = {
        "params": {"threshold": params.threshold, "min_common": params.min_common, "word_ngram": params.word_ngram,
                   "char_ngram": params.char_ngram, "window": params.window},  # fmt: skip
        "copies_found": {k: f"{found[k]}/{total[k]} = {found[k] / total[k]:.1%}" for k in sorted(total)},
        "target_set (cut + light, >= 50% taken)": f"{sum(found[k] for k in total if 'heavy' not in k)}/{sum(total[k] for k in total if 'heavy' not in k)}"
        f" = {sum(found[k] for k in total if 'heavy' not in k) / sum(total[k] for k in total if 'heavy' not in k):.1%}",
        "anchor_jaccard_0.5": {k: f"{anchor[k] / total[k]:.1%}" for k in sorted(total)},
        "found_by_share_taken": {k: f"{v['found']}/{v['found'] + v['missed']}" for k, v in sorted(by_share.items())},
        "false_flags_same_topic": {k: f"{v[0]}/{v[1]} = {v[0] / max(1, v[1]):.2%}" for k, v in false_flags.items()},
        "false_flags_all": f"{sum(v[0] for v in false_flags.values()) / max(1, sum(v[1] for v in false_flags.values())):.2%}",
        "natural_duplicates_left_out": natural,
        "counts": dict(counts),
    }
    if args.full:
        summary["real_100k"] = whole_corpus(rows, ReuseConfig(threshold=args.threshold).params())
    return summary


def whole_corpus(rows: list[dict], params: ReuseParams) -> dict:
    """The stage's decisions on all of real-100k, corpus order = file order."""
    t0 = time.process_time()
    chunks = [chunk_of([r["id"] for r in rows[i : i + 1000]], [r["text"] for r in rows[i : i + 1000]],
                       np.arange(i, min(i + 1000, len(rows)), dtype=np.uint64), params) for i in range(0, len(rows), 1000)]  # fmt: skip
    removal, table, counts = decide_in_memory(chunks, params)
    seconds = time.process_time() - t0
    src = {r["id"]: r["src"] for r in rows}
    key_src = {}
    for ch in chunks:
        for k, i in zip(ch.keys.tolist(), ch.ids):
            key_src[k] = src[i]
    modified = collections.Counter(key_src[k] for k in np.unique(removal.keys).tolist())
    flagged = collections.Counter(key_src[k] for k in table.keys.tolist())
    return {"docs": len(rows), "lines_removed": len(removal), "docs_with_lines_removed": dict(modified),
            "partial_copies_flagged": dict(flagged), "cpu_seconds_in_memory": round(seconds, 1), "counts": dict(counts)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", default=REAL)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--threshold", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true", help="also run on all of real-100k")
    args = parser.parse_args()
    print(json.dumps(evaluate(args), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

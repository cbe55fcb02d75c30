"""Near-duplicate detection on graded edits of real text.

Builds documents from ../shared/data (read here only, never at run time): SPDX licence texts,
MMLU questions grouped by subject into ~1 KB documents, Chinese COLD comments grouped by topic.
For each document it makes a verbatim copy (case/whitespace changed), a light edit (a few words or
characters substituted and one sentence replaced) and a heavy rewrite (about half of the words
replaced and sentences shuffled). Unrelated pairs are different documents on the same topic.

It runs the dedup decision core (same code as the Beam stage, without Beam) on the whole set and
prints, per threshold, the share of copies found per grade and the share of unrelated pairs merged.

    .venv/bin/python eval/dedup_eval.py [--data ../shared/data] [--thresholds 0.5,0.6,0.7]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from transforms.dedup.stage import DedupConfig

from transforms.dedup.resolve import candidate_pairs, chunk_band_entries, resolve_component, signature_chunk
from transforms.core.hashing import components

SENTENCE = re.compile(r"(?<=[.!?。！？\n])\s*")


def _joined(path: Path, key: str, prefix: str, *, min_chars: int, per_group: int, sep: str) -> list[tuple[str, str, str]]:
    """Short texts of one group (subject, topic) joined into documents of at least ``min_chars``."""
    by_group = defaultdict(list)
    for line in path.open():
        row = json.loads(line)
        by_group[row[key]].append(row["text"])
    docs = []
    for group, texts in sorted(by_group.items()):
        doc, n = [], 0
        for text in texts:
            doc.append(text)
            if sum(map(len, doc)) >= min_chars:
                docs.append((f"{prefix}:{group}:{n}", f"{prefix}:{group}", sep.join(doc)))
                doc, n = [], n + 1
            if n >= per_group:
                break
    return docs


def load_documents(data: Path, rng: random.Random) -> list[tuple[str, str, str]]:
    """(doc id, topic, text) triples."""
    docs = []
    for line in (data / "licenses/spdx_license_texts.jsonl").open():
        row = json.loads(line)
        if len(row["text"]) >= 800:
            docs.append((f"spdx:{row['spdx_id']}", "spdx", row["text"][:3000]))
    docs += _joined(data / "highrisk/mmlu_benign_dev.jsonl", "subject", "mmlu", min_chars=1000, per_group=20, sep="\n")
    docs += _joined(data / "harmful/zh_cold_dev.jsonl", "topic", "cold", min_chars=400, per_group=150, sep="。")
    rng.shuffle(docs)
    return docs


def _is_cjk(text: str) -> bool:
    return sum("\u4e00" <= c <= "\u9fff" for c in text) > len(text) / 3


def _substitute(text: str, n: int, rng: random.Random, filler: list[str]) -> str:
    if _is_cjk(text):
        chars = list(text)
        for i in rng.sample(range(len(chars)), min(n, len(chars))):
            chars[i] = rng.choice("的一是不了人我在有他这中大来上国个到说们为子和地出道也时年得就那要下以生会")
        return "".join(chars)
    words = text.split(" ")
    for i in rng.sample(range(len(words)), min(n, len(words))):
        words[i] = rng.choice(filler)
    return " ".join(words)


def verbatim(text: str, rng: random.Random, other: str, filler: list[str]) -> str:
    return "  " + text.replace("\n", " \n ").upper() + "\n"


def light(text: str, rng: random.Random, other: str, filler: list[str]) -> str:
    sentences = [s for s in SENTENCE.split(text) if s]
    replacement = [s for s in SENTENCE.split(other) if s]
    if len(sentences) > 4 and replacement:
        sentences[rng.randrange(len(sentences))] = rng.choice(replacement)
        text = " ".join(sentences)
    return _substitute(text, 3, rng, filler)


def heavy(text: str, rng: random.Random, other: str, filler: list[str]) -> str:
    sentences = [s for s in SENTENCE.split(text) if s]
    rng.shuffle(sentences)
    text = " ".join(sentences)
    size = len(text) if _is_cjk(text) else len(text.split(" "))
    return _substitute(text, size // 2, rng, filler)


GRADES = {"verbatim": verbatim, "light": light, "heavy": heavy}


def clusters_of(ids, texts, params):
    """Record id → cluster id for every clustered doc, via the stage's decision core."""
    chunk = signature_chunk(ids, texts, params)
    a, b = candidate_pairs(*chunk_band_entries(chunk, params))
    keys, labels = components(a, b)
    position = {int(k): i for i, k in enumerate(chunk.keys.tolist())}
    members = defaultdict(list)
    for key, label in zip(keys.tolist(), labels.tolist()):
        members[label].append(position[key])
    cluster_of = {}
    for group in members.values():
        decisions, _ = resolve_component(chunk.take(np.array(sorted(group))), params)
        for record_id, (_, detail) in decisions.items():
            cluster_of[record_id] = detail["cluster_id"]
    return cluster_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--thresholds", default="0.5,0.6,0.7,0.8")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    docs = load_documents(Path(args.data), rng)
    filler = [w for _, _, t in docs if not _is_cjk(t) for w in t.split()][:50000]

    ids, texts, copies = [], [], []
    for n, (doc_id, topic, text) in enumerate(docs):
        ids.append(doc_id)
        texts.append(text)
        other = docs[(n + 1) % len(docs)][2]
        for grade, edit in GRADES.items():
            ids.append(f"{doc_id}#{grade}")
            texts.append(edit(text, rng, other, filler))
            copies.append((doc_id, f"{doc_id}#{grade}", grade, topic))
    by_topic = defaultdict(list)
    for doc_id, topic, _ in docs:
        by_topic[topic].append(doc_id)
    unrelated = [(a, b, t) for t, members in by_topic.items() for a, b in itertools.combinations(members, 2)]

    print(f"{len(docs)} documents, {len(copies)} edited copies, {len(unrelated)} unrelated same-topic pairs")
    print(f"{'threshold':>9} {'verbatim':>9} {'light':>7} {'heavy':>7} {'unrelated merged':>17} {'(spdx)':>8} {'(other)':>8}")
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        params = DedupConfig(threshold=threshold).params()
        cluster_of = clusters_of(ids, texts, params)
        same = lambda a, b: a in cluster_of and cluster_of[a] == cluster_of.get(b)
        found = {g: np.mean([same(a, b) for a, b, grade, _ in copies if grade == g]) for g in GRADES}
        merged_spdx = [same(a, b) for a, b, t in unrelated if t == "spdx"]
        merged_other = [same(a, b) for a, b, t in unrelated if t != "spdx"]
        merged_all = merged_spdx + merged_other
        print(
            f"{threshold:>9.2f} {found['verbatim']:>9.1%} {found['light']:>7.1%} {found['heavy']:>7.1%} "
            f"{np.mean(merged_all):>17.3%} {np.mean(merged_spdx):>8.3%} {np.mean(merged_other):>8.3%}"
            f"   (bands={params.bands}, rows={params.rows})"
        )


if __name__ == "__main__":
    main()

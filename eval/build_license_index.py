"""Build transforms/licensing/data/spdx_fingerprints.npz from the SPDX licence texts (CC0-1.0).

    .venv/bin/python eval/build_license_index.py [/work/shared/data/licenses/spdx_license_texts.jsonl]

Deprecated ids whose text the current id carries (GPL-2.0 → GPL-2.0-only, …) are left out. Licences
whose fingerprints are near-identical (Ochiai ≥ GROUP_SIMILARITY) form one group: the text cannot
tell them apart, so a match reports the group.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
from license_expression import get_spdx_licensing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from transforms.licensing.identify import INDEX_PATH, normalise_tokens, shingle_hashes  # noqa: E402

DEFAULT_SOURCE = "/work/shared/data/licenses/spdx_license_texts.jsonl"
GROUP_SIMILARITY = 0.995


def load_texts(path: str) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def terms_only(text: str) -> str:
    """The licence without its optional "How to apply these terms" appendix, which real files often omit."""
    end = re.search(r"END OF TERMS AND CONDITIONS", text, re.IGNORECASE)
    return text[: end.end()] if end else text


def current_ids(rows: list[dict]) -> list[dict]:
    """Drop deprecated aliases (the licensing library maps them to a current id that is also listed)."""
    licensing = get_spdx_licensing()
    listed = {r["spdx_id"] for r in rows}
    kept = []
    for row in rows:
        symbol = licensing.parse(row["spdx_id"], validate=False)
        canonical = getattr(symbol, "key", row["spdx_id"])
        if canonical != row["spdx_id"] and canonical in listed:
            continue
        kept.append(row)
    return kept


def build(source: str = DEFAULT_SOURCE, out: Path = INDEX_PATH) -> dict:
    rows = current_ids(load_texts(source))
    fingerprints = [shingle_hashes(normalise_tokens(terms_only(r["text"]))) for r in rows]
    keep = [i for i, f in enumerate(fingerprints) if len(f) >= 5]
    rows = [rows[i] for i in keep]
    fingerprints = [fingerprints[i] for i in keep]
    ids = [r["spdx_id"] for r in rows]
    group_of = list(range(len(ids)))

    def root(i: int) -> int:
        while group_of[i] != i:
            i = group_of[i]
        return i

    sets = [set(f.tolist()) for f in fingerprints]
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            small, large = sorted((len(sets[i]), len(sets[j])))
            if small < GROUP_SIMILARITY**2 * large:  # Ochiai cannot reach the bar
                continue
            if len(sets[i] & sets[j]) / (len(sets[i]) * len(sets[j])) ** 0.5 >= GROUP_SIMILARITY:
                group_of[root(j)] = root(i)
    roots = sorted({root(i) for i in range(len(ids))})
    group_index = {r: n for n, r in enumerate(roots)}
    groups = [[ids[i] for i in range(len(ids)) if root(i) == r] for r in roots]
    meta = {
        "source": "spdx-license-list 6.12.0 texts (CC0-1.0)",
        "shingle": "word 5-grams of normalise_tokens(), crc32 rolling hash folded to 32 bits",
        "ids": ids,
        "groups": groups,
        "group_of": [group_index[root(i)] for i in range(len(ids))],
        "osi_approved": [r["spdx_id"] for r in rows if r.get("osi_approved")],
    }
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(f) for f in fingerprints])
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        hashes=np.concatenate(fingerprints).astype(np.uint32),
        offsets=offsets,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    )
    return {"licences": len(ids), "groups": len(groups), "shingles": int(offsets[-1]), "bytes": out.stat().st_size}


if __name__ == "__main__":
    print(build(*sys.argv[1:2]))

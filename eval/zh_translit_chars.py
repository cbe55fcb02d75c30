"""The characters of transliterated foreign names (``names.ZH_TRANSLIT``, a character class of the Chinese CRF), derived
from the training split of ../shared/data/ner minus its dev fifth (never from dev or held-out sentences).

    python eval/zh_translit_chars.py                      # the set, as the literal to paste into names.py, and how it
                                                          # differs from the one there
    python eval/zh_translit_chars.py --min-count 2 --min-lift 5

Rule: a training name is a transliteration when it holds a middle dot (约翰·史密斯), is followed by its Latin spelling in
brackets (泰勒（Taylor）), or, in a second pass, is a run of three characters or more of the first pass's set that does
not start with a common surname (卡萨诺). A character is in the set when it occurs at least ``min_count`` times in
those names and its share of their characters is at least ``min_lift`` times its share of the training text outside
names (counted +1, so a character never seen outside names is not infinitely likely). Frequent characters of foreign
place names (亚, 利, 西, 加) fall out by that ratio: the class is meant for persons' names.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ner_corpora  # noqa: E402

from transforms.pii import names  # noqa: E402

MIN_COUNT = 3
MIN_LIFT = 10.0
_HAN = re.compile("[\u4e00-\u9fff]")
_DOT = re.compile("[·•・]")


def training_rows() -> list[dict]:
    """The Chinese training sentences minus the dev fifth."""
    return [d for d in ner_corpora.chinese() if d["split"] == "train" and not ner_corpora.in_dev(d)]


def _is_transliteration(text: str, start: int, end: int, seed: frozenset) -> bool:
    name = text[start:end]
    if _DOT.search(name) or names._BRACKETED_LATIN.match(text, end):  # the tagger's own rule for spellings
        return True
    return len(name) >= 3 and name[0] not in names.ZH_SURNAMES and all(ch in seed for ch in name)


def _derive(rows: list[dict], seed: frozenset, min_count: int, min_lift: float) -> frozenset:
    in_names, outside = collections.Counter(), collections.Counter()
    for d in rows:
        text = d["text"]
        inside = [False] * len(text)
        for s, e in d["spans"]:
            inside[s:e] = [True] * (e - s)
            if _is_transliteration(text, s, e, seed):
                in_names.update(_HAN.findall(text[s:e]))
        outside.update(ch for ch, named in zip(text, inside) if not named and _HAN.match(ch))
    names_total, outside_total = sum(in_names.values()), sum(outside.values())
    return frozenset(
        ch for ch, n in in_names.items()
        if n >= min_count and (n / names_total) / ((outside[ch] + 1) / outside_total) >= min_lift
    )  # fmt: skip


def translit_chars(rows: list[dict], min_count: int = MIN_COUNT, min_lift: float = MIN_LIFT) -> str:
    """The set by the module's rule (two passes: dotted and spelled-out names, then runs of their characters too),
    in code-point order."""
    first = _derive(rows, frozenset(), min_count, min_lift)
    return "".join(sorted(_derive(rows, first, min_count, min_lift)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-count", type=int, default=MIN_COUNT)
    parser.add_argument("--min-lift", type=float, default=MIN_LIFT)
    args = parser.parse_args()
    chars = translit_chars(training_rows(), args.min_count, args.min_lift)
    shipped = set(names.ZH_TRANSLIT)
    print(f"{len(chars)} characters:\n{chars}")
    print(f"not in names.ZH_TRANSLIT ({len(set(chars) - shipped)}): {''.join(sorted(set(chars) - shipped))}")
    print(f"only in names.ZH_TRANSLIT ({len(shipped - set(chars))}): {''.join(sorted(shipped - set(chars)))}")


if __name__ == "__main__":
    main()

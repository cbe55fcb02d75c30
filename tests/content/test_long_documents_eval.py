"""eval/long_documents_eval.py: long documents made of consecutive texts, and one text put inside one."""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "eval"))
import long_documents_eval  # noqa: E402


def test_long_documents_reach_the_size_and_use_each_text_once():
    texts = ["a" * 600, "b" * 600, "c" * 600, "d" * 600, "e" * 600]
    docs = long_documents_eval.long_documents(texts, 1, 10, "\n\n")
    assert docs == ["a" * 600 + "\n\n" + "b" * 600, "c" * 600 + "\n\n" + "d" * 600]  # the rest, under 1 KB, is no document
    assert long_documents_eval.long_documents(texts, 1, 1, "\n\n") == docs[:1]
    # sizes count UTF-8 bytes: 200 Chinese characters are 600 bytes
    assert len(long_documents_eval.long_documents(["甲" * 200] * 4, 1, 10, "\n")) == 2


def test_embedded_text_stands_whole_between_the_host_parts():
    host = "one\n\ntwo\n\nthree"
    for seed in range(10):
        doc = long_documents_eval.embedded("HAZARD", host, "\n\n", random.Random(seed))
        parts = doc.split("\n\n")
        assert parts.count("HAZARD") == 1 and [p for p in parts if p != "HAZARD"] == ["one", "two", "three"]


def test_inline_embedded_text_ends_one_host_part():
    doc = long_documents_eval.embedded("HAZARD", "one\n\ntwo", "\n\n", random.Random(0), inline=True)
    assert doc in ("one HAZARD\n\ntwo", "one\n\ntwo HAZARD")

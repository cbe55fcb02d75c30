"""text.py: the classifiers' view of a text, exactly (training and inference must agree)."""

from __future__ import annotations

import html
import random
import re

from transforms.content.text import preprocess, preprocess_and_lower, preprocess_batch, split_sentences_zh


def test_every_cjk_character_is_spaced_on_both_sides_wherever_it_stands():
    # first, last, next to another CJK character (two spaces between), next to Latin letters and punctuation
    assert preprocess("中a文文") == " 中 a 文  文 "
    assert preprocess("Ab，中！") == "ab  中  "
    assert preprocess_batch(["文", "", "x"]) == [" 文 ", "", "x"]


def test_lowered_bytes_are_each_texts_own_lowercase_utf8():
    texts = ["Hello WORLD", "中文ÄÖ", "a\x1eB", "", "İstanbul"]
    processed, lowered = preprocess_and_lower(texts)
    assert lowered == [t.lower().encode("utf-8") for t in texts]
    assert processed == [preprocess(t) for t in texts]


def test_a_batch_lowers_each_text_as_that_text_alone_greek_final_sigma_included():
    # Σ lowers to ς at the end of a word and to σ elsewhere: a neighbouring text must not change which
    texts = ["ΟΔΟΣ", "Σ", "ΑΣ ΑΣΑ", "abc", "中文Σ"]
    processed, lowered = preprocess_and_lower(texts)
    assert lowered == [t.lower().encode("utf-8") for t in texts]
    assert processed == [preprocess(t) for t in texts]
    assert lowered[0] == "οδος".encode()


def test_chinese_sentences_end_after_a_run_of_enders_with_their_closing_quotes_and_at_line_breaks():
    text = "他说：“要花本钱的。”你愿意吗？！好……我去;对\n下一行（完）。——"
    assert split_sentences_zh(text) == ["他说：“要花本钱的。”", "你愿意吗？！", "好……", "我去;", "对", "下一行（完）。"]
    assert split_sentences_zh("没有句末标点的一段话") == ["没有句末标点的一段话"]


# A plain reference of the classifiers' view, character by character, from the rules the docstrings state:
# what the batched, vectorised preprocessing must equal on any text, whatever its neighbours in the batch.
_TO_SPACE_RANGES = [(0x00, 0x20), (0x7F, 0xA0), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF01, 0xFF10), (0xFF1A, 0xFF21),
                    (0xFF3B, 0xFF41), (0xFF5B, 0xFF66)]
_CJK_RANGES = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00)]


def _reference_preprocess(text: str) -> str:
    text = html.unescape(text.lower().replace("\x1e", " "))
    text = re.sub(r"www\.\S+", " urltoken ", re.sub(r"https?://\S+", " urltoken ", text))
    text = re.sub(r"@\w+", " usertoken ", text)
    out = []
    for c in text:
        point = ord(c)
        if any(lo <= point < hi for lo, hi in _CJK_RANGES):
            out.append(f" {c} ")
        elif c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~" or any(lo <= point < hi for lo, hi in _TO_SPACE_RANGES):
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


def _reference_cjk_share(text: str, sample: int = 400) -> float:
    head = [c for c in text[:sample] if not c.isspace()]
    cjk = sum(any(lo <= ord(c) < hi for lo, hi in _CJK_RANGES) for c in head)
    return cjk / len(head) if head else 0.0


# Pieces that stress each step: entities cut by a text's end (the next text starting "amp;"), URLs and mentions
# at either end, ASCII and wide texts side by side (the two paths), CJK and full-width punctuation, emoji and
# astral entities, cased letters that lower to other lengths, a lone surrogate, control characters, the separator.
_PIECES = [
    "The film", "was GREAT!", "AT&T", "&amp;", "&amp", "&lt", "&#128514;", "&#30;", "&eacute;", "&notit;", "&", "amp;",
    "https://t.co/AbC?x=1", "http://", "www.Example.com/a", "@User_1", "@", "RT @bob:", "中文", "他说：“你好。”",
    "（完）", "第一条　为了", "ＡＢＣ１２３", "😂", "Ωmega ΟΔΟΣ", "İstanbul", "\ud800", "\x1e", "\t\n\x7f\x85",
    "\x7f", "\x00\x1f", "e\u0301", "—", "…", "  ", "", "don't", "a-b_c", "9/11", "\u2028",
]


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sep = ["", " ", "\n", ",", "，"]
    return ["".join(rng.choice(_PIECES) + rng.choice(sep) for _ in range(rng.randrange(0, 9))) for _ in range(n)]


def test_preprocessing_equals_a_plain_character_by_character_reference_on_varied_en_zh_text():
    texts = _random_texts(3000, seed=5)
    assert any(t.isascii() for t in texts) and any(not t.isascii() for t in texts)
    for start in range(0, len(texts), 250):  # batches: every text beside other neighbours
        batch = texts[start : start + 250]
        processed, lowered = preprocess_and_lower(batch)
        assert processed == [_reference_preprocess(t) for t in batch]
        assert lowered == [t.lower().encode("utf-8", "surrogatepass") for t in batch]
    # an entity cut at a text's end never takes the next text's characters, on both paths
    assert preprocess_batch(["x &amp", "amp; y", "中&lt", "lt;文"]) == ["x  ", "amp  y", " 中  ", "lt  文 "]


def test_cjk_shares_equal_a_plain_reference_on_ascii_and_wide_texts_side_by_side():
    from transforms.content.text import cjk_shares

    texts = _random_texts(2000, seed=6) + ["中" * 300 + "a" * 300, "a" * 500 + "中"]
    assert cjk_shares(texts).tolist() == [_reference_cjk_share(t) for t in texts]

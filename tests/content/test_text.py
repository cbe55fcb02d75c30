"""text.py: the classifiers' view of a text, exactly (training and inference must agree)."""

from __future__ import annotations

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

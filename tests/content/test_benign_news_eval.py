"""eval/benign_news_eval.py: documents made of consecutive sentences, what counts as a flag, and (slow, needs
../shared/data/ner) what the content stages flag on news."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "eval"))
import benign_news_eval  # noqa: E402

from transforms.core.stage import KEEP, Decision  # noqa: E402


def test_documents_join_consecutive_sentences_up_to_the_size():
    docs = benign_news_eval.documents(["a" * 6, "b" * 6, "c" * 6, "d" * 2], "en", size=12)
    assert docs == ["aaaaaa bbbbbb", "cccccc dd"]  # each document reaches the size (with its separator), the last is the rest
    assert benign_news_eval.documents(["甲乙", "丙丁"], "zh", size=12) == ["甲乙丙丁"]  # Chinese joins without a space


def test_only_a_decision_other_than_keep_is_a_flag():
    assert benign_news_eval.flag_reason(KEEP) is None
    assert benign_news_eval.flag_reason(Decision("keep", detail={"gate": "no domain term"})) is None
    assert benign_news_eval.flag_reason(Decision.reject(rule="r", clause="6.1.5", risk_level="major", category="c", reason="hate")) == "hate"
    assert benign_news_eval.flag_reason(Decision("annotate", tags=("aigc:label",))) == "aigc:label"


def test_flag_counts_count_each_reason_of_the_flagged_texts():
    # shared with eval/classifiers_eval.py's real_benign_fpr
    assert benign_news_eval.flag_counts([None, "hate", None, "missile", "hate"]) == {
        "n": 5, "flagged": 3, "rate": 0.6, "reasons": {"hate": 2, "missile": 1}}
    assert benign_news_eval.flag_counts([]) == {"n": 0, "flagged": 0, "rate": 0.0, "reasons": {}}


def test_units_are_the_sentences_and_documents_in_the_corpus_language():
    zh = benign_news_eval.units("msra_test", ["甲乙", "丙丁"])
    assert zh == [("sentences", ["甲乙", "丙丁"]), ("1KB docs", ["甲乙丙丁"])]
    assert benign_news_eval.units("gum", ["a", "b"])[1] == ("1KB docs", ["a b"])


@pytest.mark.slow
@pytest.mark.skipif(not (benign_news_eval.ner_corpora.NER / "zh/msra_test_bio.tsv").exists(), reason="needs ../shared/data/ner")
def test_content_stages_flag_at_most_one_percent_of_news():
    results = benign_news_eval.evaluate(["msra_test", "pd_test", "cluener", "gum"])
    assert {r["stage"] for r in results.values()} == {"classified", "credentials", "harmful", "highrisk", "aigc"}
    # markings, credentials and AI labels: news has none
    assert all(r["flagged"] == 0 for r in results.values() if r["stage"] in ("classified", "credentials", "aigc"))
    assert all(r["rate"] <= 0.01 for r in results.values() if r["stage"] == "highrisk")
    # harmful in both languages, sentences and documents (People's Daily dev, which trains the Chinese model, is not here)
    assert all(r["rate"] <= 0.01 for r in results.values() if r["stage"] == "harmful")


@pytest.mark.slow
@pytest.mark.skipif(not Path("../shared/data/harmful/zh_cold_dev.jsonl").exists(), reason="needs ../shared/data (from the repository root)")
def test_long_chinese_documents_of_offensive_comments_stay_flagged_with_the_sentence_check():
    from eval.classifiers_eval import harmful_zh_long_documents

    rates = {name: r["rate"] for name, r in harmful_zh_long_documents().items()}
    # 2026-12-07 ninth session: 1.000, 0.650, 0.898, 0.231 (COLD dev comments, one a line, ~1 KB)
    assert rates["offensive"] >= 0.99 and rates["two_offensive"] >= 0.85 and rates["one_offensive"] >= 0.6
    assert rates["safe"] < 0.3

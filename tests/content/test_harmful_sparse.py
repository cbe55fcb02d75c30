"""The harmful stage's second model: hashed n-gram features, numpy scoring, and the cascade around fastText."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from pydantic import ValidationError

from transforms.content.classifier import ContentModelError, load_classifier
from transforms.content.harmful import HarmfulConfig, load_companion, load_second
from transforms.content.sparse import FeatureSpec, SparseLinear, features
from transforms.content.text import preprocess_batch
from transforms.core.records import Batch

SPEC = FeatureSpec(1 << 40, 2, 2, 4)  # buckets large enough that distinct n-grams never share one here


def _buckets(texts, spec=SPEC):
    rows, buckets, values = features(texts, spec)
    return [sorted(buckets[rows == i].tolist()) for i in range(len(texts))], rows, values


def test_features_are_word_and_in_word_character_ngrams():
    (doc,), _, values = _buckets(["ab cd"])
    # words ab, cd, "ab cd"; in " ab cd ": " a" ab "b " " c" cd "d ", " ab" "ab " " cd" "cd ", " ab " " cd "
    assert len(doc) == len(set(doc)) == 15
    # each n-gram counts 1/sqrt(m) among the m n-grams of its kind
    assert sorted(set(np.round(values, 6))) == [round(1 / np.sqrt(12), 6), round(1 / np.sqrt(3), 6)]
    # repeated spaces are one separator; an empty text has no n-gram
    (again, empty), _, _ = _buckets(["ab   cd", ""])
    assert again == doc and empty == []


def test_an_ngram_hashes_the_same_wherever_it_stands_and_never_spans_two_texts():
    (alone,), _, _ = _buckets(["ab cd"])
    (first, second, third), _, _ = _buckets(["zz yy", "ab cd", "ef"])
    assert second == alone
    (joined,), _, _ = _buckets(["ab ef"])
    across = set(joined) - set(_buckets(["ab"])[0][0]) - set(_buckets(["ef"])[0][0])
    assert across and not across & (set(first) | set(second) | set(third))  # "ab ef" n-grams only in one text


def test_scoring_is_the_linear_model_on_the_features():
    rng = np.random.default_rng(0)
    spec = FeatureSpec(1 << 12, 2, 2, 5)
    model = SparseLinear("test", spec, ("hate", "neither", "offensive"), rng.normal(size=(spec.buckets, 2)).astype(np.float16), np.array([0.3, -0.2]))
    texts = preprocess_batch(["You are a stupid idiot!!", "A quiet walk in the park.", "", "我们 去 公园"])
    got = model.probabilities(texts)
    rows, buckets, values = features(texts, spec)
    dense = np.zeros((len(texts), spec.buckets))
    np.add.at(dense, (rows, buckets), values)
    logits = np.hstack([dense @ model.weights.astype(np.float64) + model.bias, np.zeros((len(texts), 1))])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(got, expected, atol=1e-12)
    # deterministic, and a text's probabilities do not depend on its batch
    assert np.array_equal(got, model.probabilities(texts))
    assert np.allclose(model.probabilities(texts[1:2]), got[1:2], atol=1e-12)


def test_second_models_load_once_per_process_and_match_their_first():
    for lang in ("en", "zh"):
        second = load_second(f"harmful_{lang}_sparse.npz")
        assert load_second(f"harmful_{lang}_sparse.npz") is second
        assert second.labels == load_classifier(f"harmful_{lang}.bin").labels
        assert 0 < second.gate < 1 and 0 < second.mix <= 1


def _batch(texts, lang):
    return Batch.from_rows(
        {"id": str(i), "text": t, "source": "t", "source_uri": "", "locator": str(i), "license": None, "lang": lang,
         "meta": {}, "content_sha256": "", "tags": [], "lineage": []}
        for i, t in enumerate(texts)
    )


TEXTS = {
    "en": ["you are a stupid bitch and a hoe", "Lovely weather for a walk today.", "those people are animals, send them back",
           "The committee approved the budget for the new library.", "lol that game was trash tbh"],
    "zh": ["你这个蠢货，滚回老家去吧", "今天我们去公园散步，天气很好。", "女司机就是不行，开车太烂了", "本条例自公布之日起施行。"],
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_cascade_rescores_exactly_the_texts_fasttext_does_not_clear(lang):
    """Below the gate the cascade's probabilities are fastText's; at or above it, the second model's share
    ``mix`` of them (and where the companion is scored, its share of those): the same as scoring every text
    with each model and picking by fastText's risk."""
    control = HarmfulConfig().create().control
    control.setup()
    texts = TEXTS[lang]
    batch = _batch(texts, lang)
    processed = preprocess_batch(texts)
    results = control.score(batch, processed, {})
    first, second = load_classifier(f"harmful_{lang}.bin"), load_second(f"harmful_{lang}_sparse.npz")
    alone, again = first.probabilities(processed), second.probabilities(processed)
    rescored = 1.0 - alone[:, first.labels.index(first.negative_label)] >= second.gate
    assert rescored.any() and not rescored.all()  # both paths taken
    expected = np.where(rescored[:, None], (1 - second.mix) * alone + second.mix * again, alone)
    companion = load_companion(second)
    for (name, scores, _flagged), row, again_row, text in zip(results, expected, rescored, processed):
        assert name in ((f"harmful_{lang}+sparse", f"harmful_{lang}+sparse+cnn") if again_row else (f"harmful_{lang}",))
        if name.endswith("+cnn"):
            row = (1 - companion.mix) * row + companion.mix * companion.probabilities([text])[0]
        assert [scores[lab] for lab in first.labels] == pytest.approx(np.round(row, 4).tolist(), abs=1e-9)


def test_without_a_second_model_fasttext_decides_at_its_own_thresholds():
    control = HarmfulConfig(second_en=None).create().control
    control.setup()
    assert control._thresholds["en"].tolist() == [load_classifier("harmful_en.bin").thresholds.get(lab, np.inf) for lab in ("hate", "neither", "offensive")]
    cascade = HarmfulConfig().create().control
    cascade.setup()
    assert cascade._thresholds["en"].tolist() == [load_second("harmful_en_sparse.npz").thresholds.get(lab, np.inf) for lab in ("hate", "neither", "offensive")]
    assert all(name == "harmful_en" for name, _, _ in control.score(_batch(TEXTS["en"], "en"), preprocess_batch(TEXTS["en"]), {}))


def test_a_broken_second_model_is_a_config_error_naming_it(tmp_path):
    from transforms.content.classifier import MODELS_DIR

    with pytest.raises(ValidationError, match="missing_sparse.npz"):
        HarmfulConfig(second_en=str(tmp_path / "missing_sparse.npz"))
    for name in ("harmful_zh_sparse.npz", "harmful_zh_sparse.json", "harmful_zh_cnn.npz", "harmful_zh_cnn.json"):
        shutil.copy(MODELS_DIR / name, tmp_path / name.replace("harmful_", ""))
    meta = json.loads((tmp_path / "zh_sparse.json").read_text())
    (tmp_path / "zh_sparse.json").write_text(json.dumps({**meta, "companion": "zh_cnn.npz"}))
    with pytest.raises(ValidationError, match="labels"):  # a Chinese second model behind the English one
        HarmfulConfig(second_en=str(tmp_path / "zh_sparse.npz"))
    meta = json.loads((tmp_path / "zh_sparse.json").read_text())
    meta["features"]["buckets"] = 7
    shutil.copy(tmp_path / "zh_sparse.npz", tmp_path / "bad_sparse.npz")
    (tmp_path / "bad_sparse.json").write_text(json.dumps(meta))
    with pytest.raises(ContentModelError, match="do not fit"):
        load_second(str(tmp_path / "bad_sparse.npz"))


def test_the_regression_learns_from_the_band_it_rescores_when_told():
    from eval.train_harmful_sparse import _learning_rows

    p_negative = np.array([0.875, 0.75, 0.5, 0.0])  # risks 0.125, 0.25 (the gate: rescored), 0.5, 1
    assert _learning_rows(p_negative, {"band_only": True, "gate": 0.25}).tolist() == [False, True, True, True]
    assert _learning_rows(p_negative, {"band_only": False, "gate": 0.25}).all()


def test_the_chinese_companion_is_scored_only_where_it_can_change_a_flag_and_decides_as_if_scored_everywhere(monkeypatch):
    """The shipped CNN companion and its exact bound (harmful.undecided_rows): flags equal those of scoring it on
    every band text, and it is scored on fewer texts than the band (a slur the lexicon found decides some)."""
    from transforms.content import harmful

    texts = ZH_BAND_TEXTS
    matched = {i: ({"offensive": 1.0}, ["傻逼"]) for i in range(0, len(texts), 3)}
    control = HarmfulConfig().create().control
    control.setup()
    bounded = control.score(_batch(texts, "zh"), preprocess_batch(texts), matched)
    monkeypatch.setattr(harmful, "undecided_rows", lambda probabilities, rows, mix, flags: rows)
    everywhere = control.score(_batch(texts, "zh"), preprocess_batch(texts), matched)
    assert [sorted(flagged) for _, _, flagged in bounded] == [sorted(flagged) for _, _, flagged in everywhere]
    names = [name for name, _, _ in bounded]
    assert 0 < names.count("harmful_zh+sparse+cnn") < sum(name.startswith("harmful_zh+sparse") for name in names)
    assert sum(bool(flagged) for _, _, flagged in bounded) not in (0, len(texts))


def test_a_second_model_naming_a_missing_companion_is_a_config_error_naming_it(tmp_path):
    from transforms.content.classifier import MODELS_DIR

    for suffix in (".npz", ".json"):
        shutil.copy(MODELS_DIR / f"harmful_zh_sparse{suffix}", tmp_path / f"zh_sparse{suffix}")
    assert load_second(str(tmp_path / "zh_sparse.npz")).companion == "harmful_zh_cnn.npz"
    with pytest.raises(ValidationError, match="harmful_zh_cnn.npz"):
        HarmfulConfig(second_zh=str(tmp_path / "zh_sparse.npz"))
    # without one named, the cascade is fastText and the regression alone
    meta = json.loads((tmp_path / "zh_sparse.json").read_text())
    meta.pop("companion")
    (tmp_path / "zh_sparse.json").write_text(json.dumps(meta))
    shutil.copy(tmp_path / "zh_sparse.npz", tmp_path / "alone_sparse.npz")
    shutil.copy(tmp_path / "zh_sparse.json", tmp_path / "alone_sparse.json")
    control = HarmfulConfig(second_zh=str(tmp_path / "alone_sparse.npz")).create().control
    control.setup()
    texts = ZH_BAND_TEXTS
    names = {name for name, _, _ in control.score(_batch(texts, "zh"), preprocess_batch(texts), {})}
    assert names == {"harmful_zh", "harmful_zh+sparse"}


# Chinese texts of every kind, many of them in the cascade's band (fastText's risk >= the gate)
ZH_BAND_TEXTS = [
    "你这个蠢货，滚回老家去吧", "今天我们去公园散步，天气很好。", "女司机就是不行，开车太烂了", "本条例自公布之日起施行。",
    "黑人都是这样的吗", "河南人偷井盖的段子都听腻了", "男人没一个好东西", "我觉得男女应该平等",
    "地域歧视要不得，每个地方都有好人坏人", "他们那里的人素质太低了", "上海人看不起外地人是真的吗", "东北人说话真有意思",
    "这种人就该被骂", "女权都是一群疯子", "我不喜欢这个政策，但可以理解", "外国人在中国的待遇太好了",
    "同性恋是病，得治", "尊重每一个人的选择", "非洲人太懒了所以穷", "广东人什么都吃哈哈",
    "你妈的，有完没完", "农村人就是没文化", "这个地方的房价太高了", "老外滚出中国",
    "少数民族有加分政策", "他说的话有点种族歧视的意思", "程序员都是死宅", "新疆的风景很美",
]


def _fake_scorer(control, monkeypatch):
    """Decision scores 0.1 per 恶 in a text (offensive), so flags follow from the text alone; records what is scored."""
    scored = []

    def fake(lang, processed, matched):
        offensive = np.minimum(np.array([t.count("恶") * 0.1 for t in processed]), 1.0)
        probabilities = np.stack([offensive, 1.0 - offensive], axis=1)
        scored.append(list(processed))
        return probabilities, probabilities, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    monkeypatch.setattr(control, "_scored", fake)
    return scored


def test_a_long_chinese_text_is_flagged_by_the_classifier_only_where_one_of_its_sentences_is(monkeypatch):
    spread = "这是一份很长的报告，其中讲到恶劣的天气。" * 12  # 12 sentences with one 恶 each: 1.2 whole, 0.1 alone
    passage = "这是一份很长的报告，讲到平常的天气。" * 11 + "恶恶恶恶的一句话。"  # one sentence at 0.4
    unpunctuated = "这是一份很长的报告讲到恶劣的天气" * 14  # one sentence: the whole text decides
    short = "恶恶恶恶，短评论。短句。"  # under the limit: never split
    texts = [spread, passage, unpunctuated, short]
    assert all(len(t) > 200 for t in texts[:3]) and len(short) <= 200
    flags = {}
    for limit in (200, None):
        control = HarmfulConfig(sentence_check_chars_zh=limit).create().control
        control.setup()
        scored = _fake_scorer(control, monkeypatch)
        results = control.score(_batch(texts, "zh"), preprocess_batch(texts), {})
        flags[limit] = [bool(flagged) for _, _, flagged in results]
        names = [name for name, _, _ in results]
        if limit is not None:  # only the flagged long texts with two sentences or more are scored again, sentence by sentence
            assert names == ["harmful_zh+sentences", "harmful_zh+sentences", "harmful_zh", "harmful_zh"]
            assert len(scored) == 2 and len(scored[1]) == 12 + 12
        else:
            assert len(scored) == 1 and "+sentences" not in "".join(names)
    assert flags[None] == [True, True, True, True]
    assert flags[200] == [False, True, True, True]


def test_the_sentence_check_leaves_short_texts_and_offensive_documents_flagged_with_the_shipped_models():
    """COLD-like comments (all shorter than the limit) decide as before; comments joined into a long document
    are still flagged, with the sentence check run."""
    texts = TEXTS["zh"] + ZH_BAND_TEXTS
    offensive = [t for t, (_, _, flagged) in zip(texts, _shipped_scores(texts, None)) if flagged]
    assert offensive and all(len(t) <= 200 for t in texts)
    assert [flagged for _, _, flagged in _shipped_scores(texts, 200)] == [flagged for _, _, flagged in _shipped_scores(texts, None)]
    document = "\n".join(["今天我们去公园散步，天气很好。", "本条例自公布之日起施行。"] * 6 + offensive)
    assert len(document) > 200
    (name, _, flagged), = _shipped_scores([document], 200)
    assert name.endswith("+sentences") and flagged


def _shipped_scores(texts, limit):
    control = HarmfulConfig(sentence_check_chars_zh=limit).create().control
    control.setup()
    return control.score(_batch(texts, "zh"), preprocess_batch(texts), {})

import numpy as np
import pytest
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from transforms.core.records import Batch
from transforms.core.registry import stage_config_class
from transforms.language.model import load
from transforms.language.stage import (
    MODEL_LANGUAGES,
    UNSUPPORTED_TAG,
    LanguageConfig,
    LanguageControl,
    clean,
    label_batch,
    route,
)

TEXTS = [
    "The committee met on Tuesday to discuss the budget for next year and agreed to delay the vote.",
    "第一条 为了规范行政许可的设定和实施，保护公民、法人和其他组织的合法权益，制定本法。",
    "Le conseil municipal a adopté mardi soir le budget de l'année prochaine après un long débat.",
    "Der Stadtrat hat am Dienstagabend nach langer Debatte den Haushalt für das nächste Jahr beschlossen.",
    "Городской совет во вторник вечером после долгих споров утвердил бюджет на следующий год.",
    "市議会は火曜日の夜、長い議論の末に来年度の予算を可決しました。",
    "시의회는 화요일 저녁 긴 토론 끝에 내년도 예산을 통과시켰습니다.",
    "Hội đồng thành phố đã thông qua ngân sách cho năm tới vào tối thứ Ba sau một cuộc tranh luận dài.",
    "lol",
    "这个app的UI设计真的很不错，用户体验比上一个version好多了",
]


@pytest.fixture(scope="module")
def ref():
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def test_batch_model_matches_py3langid(ref):
    model = load(10**6)
    scores = model.scores(TEXTS)
    for text, row in zip(TEXTS, scores.probs):
        want_label, want_p = ref.classify(text)
        assert model.labels[int(row.argmax())] == want_label
        assert abs(float(row.max()) - want_p) < 1e-4
    assert np.allclose(scores.probs.sum(axis=1), 1, atol=1e-4)


def test_model_languages_list_is_the_models(ref):
    assert sorted(MODEL_LANGUAGES) == sorted(set(ref.nb_classes))
    assert load().labels == tuple(dict.fromkeys(ref.nb_classes))


def test_identify_languages_and_policy():
    control = LanguageControl(LanguageConfig())
    langs, decisions = control.identify(TEXTS, [None] * len(TEXTS))
    assert langs[:7] == ["en", "zh", "fr", "de", "ru", "ja", "ko"]
    assert langs[9] == "zh"  # mixed Chinese-English
    assert langs[7] == "vi" and UNSUPPORTED_TAG in decisions[7].tags and decisions[7].detail["unsupported"]
    assert all(d.action == "annotate" and "confidence" in d.detail for d in decisions)
    assert decisions[8].detail.get("short")


def test_reject_and_keep_policies():
    vi = [TEXTS[7]]
    rejected = LanguageControl(LanguageConfig(unsupported="reject")).identify(vi, [None])[1][0]
    assert rejected.action == "reject" and rejected.reason == "unsupported_language" and rejected.clause == "4.1.2(b)"
    kept = LanguageControl(LanguageConfig(unsupported="keep")).identify(vi, [None])[1][0]
    assert kept.action == "annotate" and not kept.tags
    # declared as supported: Vietnamese becomes supported, no longer flagged
    langs, decisions = LanguageControl(LanguageConfig(languages=["en", "vi"])).identify(vi, [None])
    assert langs == ["vi"] and not decisions[0].tags


def test_declared_language_kept_for_short_text_and_recorded_when_overridden():
    control = LanguageControl(LanguageConfig())
    langs, decisions = control.identify(["ok 👍", TEXTS[2]], ["en", "en"])
    assert langs[0] == "en"  # too short to judge: the source's declaration stands
    assert langs[1] == "fr" and decisions[1].detail["declared"] == "en"
    trusted = LanguageControl(LanguageConfig(declared="trust")).identify([TEXTS[2]], ["en"])[0]
    assert trusted == ["en"]


def test_label_batch_sets_lang_and_lineage():
    batch = Batch.from_rows(
        [{"id": str(i), "text": t, "source": "s", "source_uri": "u", "locator": str(i), "license": "MIT", "lang": None,
          "meta": {}, "content_sha256": "x", "tags": [], "lineage": []} for i, t in enumerate(TEXTS)]
    )
    result = label_batch(LanguageControl(LanguageConfig(unsupported="reject")), batch, "run")
    assert len(result.kept) == len(TEXTS) - 1 and result.rejects[0]["reason"] == "unsupported_language"
    assert result.kept.lang[:2] == ["en", "zh"]
    assert result.kept.lineage[0][-1]["stage"] == "language" and '"lang":"en"' in result.kept.lineage[0][-1]["detail"]
    assert result.counts["lang:en"] >= 1


def test_clean_keeps_chinese_after_a_handle():
    assert clean("@小明 今天天气很好，我们去公园吧 mail me: a.b@example.com") == "小明 今天天气很好，我们去公园吧 mail me:"


def test_clean_and_route():
    assert clean("RT @someone: great &amp; fun http://t.co/x #win 2024") == ": great & fun win"
    groups = route(["en", "zh-Hant", None, "fr"], {"en_model": ["en"], "zh_model": ["zh"]})
    assert groups == {"en_model": [0], "zh_model": [1], "": [2, 3]}


def test_config_registered_and_validated():
    assert stage_config_class("language") is LanguageConfig
    with pytest.raises(ValueError, match="does not know"):
        LanguageConfig(languages=["en", "xx"])

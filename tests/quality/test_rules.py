"""The literature quality rules: each catches what it names, leaves good text alone, and is configurable."""

from __future__ import annotations

import random

import numpy as np
import pytest

from transforms.core.records import Batch
from transforms.core.stage import apply_control
from transforms.quality import stats as qstats
from transforms.quality.rules import RULES
from transforms.quality.stage import HISTOGRAMS, QualityConfig, QualityControl, QualityStage, histogram_counter
from tests.conftest import NEWS, ZH

GOOD_EN = " ".join(NEWS)  # ~95 words of ordinary news prose
GOOD_ZH = "".join(ZH) * 1 + "这是为了让文本足够长而补充的一句话，内容与上面的新闻并不重复。" + "市民对新线路的评价普遍积极，认为出行更加方便了。"


def batch(texts, source="s", lang=None):
    langs = lang if isinstance(lang, list) else [lang] * len(texts)
    sources = source if isinstance(source, list) else [source] * len(texts)
    return Batch.from_rows(
        {"id": str(i), "text": t, "source": s, "source_uri": "u", "locator": str(i), "license": "MIT", "lang": l,
         "meta": {}, "content_sha256": "", "tags": [], "lineage": []}
        for i, (t, s, l) in enumerate(zip(texts, sources, langs))
    )


def reasons(texts, config=None, **kw):
    control = QualityControl(config or QualityConfig(), **kw)
    return [d.reason or None for d in control.decide(batch(texts, **{k: v for k, v in kw.items() if False}))]


def decide(texts, config=None, source="s", lang=None, domains=None):
    control = QualityControl(config or QualityConfig(), domains)
    return control.decide(batch(texts, source, lang))


def test_good_text_is_kept():
    assert [d.action for d in decide([GOOD_EN, GOOD_ZH], lang=["en", "zh"])] == ["keep", "keep"]


CASES = {
    "template_residue": GOOD_EN + " The new routes start {soon|from June 10}.",
    "markup_residue": "<div class='x'><span>Hello</span> <b>world</b> &nbsp; <a href='/x'>link</a></div>",
    "c4_lorem_ipsum": GOOD_EN + " Lorem ipsum dolor sit amet.",
    "c4_curly_bracket": GOOD_EN + " function f() { return 1; }",
    "c4_boilerplate_lines": "This site uses cookies to improve your experience.\nPlease enable JavaScript to view the page.\n" + GOOD_EN,
    "gopher_symbol_ratio": " ".join(f"#tag{i} word{i}..." for i in range(40)),
    "gopher_alpha_words": " ".join(f"{i * 1000003} {i * 7777777} -- {i}.5555 wordy" for i in range(30)),
    "gopher_mean_word_length": " ".join(["a b c d e f g h i j"] * 8),
    "gopher_stop_words": " ".join(f"Alpha{i} beta{i} gamma{i} delta{i} epsilon{i} zeta{i} theta{i}." for i in range(10)),
    "gopher_dup_lines": "\n".join([NEWS[0]] * 6 + NEWS[1:4]),
    "gopher_top_ngram": " ".join(["buy cheap watches"] * 10 + NEWS[:2]),
    "gopher_dup_ngram": " ".join([NEWS[0], NEWS[1], NEWS[0], NEWS[2], NEWS[1]]),
    "fineweb_short_lines": "\n".join(f"Entry{i} value{i * 3}." for i in range(40)) + "\n" + GOOD_EN,
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_rejects_with_its_own_reason(rule):
    d = decide([CASES[rule]], lang="en")[0]
    assert d.action == "reject" and d.reason == rule and d.rule == f"quality.{rule}"
    assert d.clause == "4.1.2(b)" and d.category == "quality" and d.risk_level == "low"
    assert {"statistic", "value"} <= set(d.detail)


def test_chinese_counterparts_count_characters():
    spam = "点击这里领取免费红包大奖" * 12
    d = decide([spam, GOOD_ZH], lang="zh")
    assert d[0].action == "reject" and d[0].detail.get("cjk") and d[0].reason in ("gopher_top_ngram", "gopher_dup_ngram")
    assert d[1].action == "keep"
    no_function_words = "".join(f"第{i}号文件附件清单目录编号索引" for i in range(20))
    assert decide([no_function_words], lang="zh")[0].reason == "gopher_stop_words"


def test_short_texts_are_judged_only_by_length_free_rules():
    tweet = "lol this movie #best #ever ... omg"
    assert decide([tweet], lang="en")[0].action == "keep"
    assert decide(["check {this|that} out now folks, honestly"], lang="en")[0].reason == "template_residue"


def test_rules_configurable_per_source_and_domain():
    text = CASES["gopher_stop_words"]
    config = QualityConfig(overrides={"domain:technical": {"gopher_stop_words": {"enabled": False}}, "b": {"gopher_stop_words": {"min_count": 0}}})
    d = decide([text, text, text], config, source=["a", "b", "c"], lang="en", domains={"a": None, "c": "technical"})
    assert [x.action for x in d] == ["reject", "keep", "keep"]
    skip = QualityConfig(rules={"gopher_stop_words": {"skip_sources": ["a"]}})
    assert decide([text], skip, source="a", lang="en")[0].action == "keep"
    only = QualityConfig(rules={"gopher_stop_words": {"only_sources": ["z"]}})
    assert decide([text], only, source="a", lang="en")[0].action == "keep"
    gopher_min = QualityConfig(rules={"gopher_word_count": {"min_words": 50}})
    assert decide(["A short but perfectly fine sentence about the weather today."], gopher_min)[0].reason == "gopher_word_count"


def test_bad_rule_config_names_the_key():
    with pytest.raises(ValueError, match="unknown rule"):
        QualityConfig(overrides={"s": {"gopher_nonsense": {}}})
    with pytest.raises(ValueError, match="extra|Extra"):
        QualityConfig(rules={"gopher_stop_words": {"min_cuont": 1}})
    with pytest.raises(ValueError, match="min_count"):
        QualityConfig(overrides={"s": {"gopher_stop_words": {"min_count": -1}}})


def test_ngram_statistics_match_a_brute_force_count():
    rng = random.Random(3)
    vocab = ["a", "b", "c", "dd", "eee"]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 60))) for _ in range(200)]
    words, _ = qstats.tokens(texts, np.zeros(len(texts), bool))
    got = qstats.ngram_stats(words.hashes, words.lengths, words.counts, top=(2, 3, 4), dup=(5, 7, 10))
    for k, text in enumerate(texts):
        words = text.split()
        total = max(sum(map(len, words)), 1)
        for n in (2, 3, 4):
            grams = {}
            for i in range(len(words) - n + 1):
                grams.setdefault(tuple(words[i : i + n]), []).append(i)
            best = max((sum(map(len, g)) * len(v) for g, v in grams.items() if len(v) > 1), default=0)
            assert got[f"top_{n}gram"][k] == pytest.approx(best / total)
        for n in (5, 7, 10):
            grams = {}
            for i in range(len(words) - n + 1):
                grams.setdefault(tuple(words[i : i + n]), []).append(i)
            covered = {j for v in grams.values() if len(v) > 1 for i in v for j in range(i, i + n)}
            assert got[f"dup_{n}gram"][k] == pytest.approx(sum(len(words[j]) for j in covered) / total)


def test_statistics_by_language_and_letters():
    s = qstats.compute(["a 12 — ok!! 3.5% café 😀 x1 ...", "你好，世界。你好"], ["en", "zh"], stop_words={"en": ["the"], "zh": ["你"]},
                       top=[2], dup=[5], top_cjk=[2], dup_cjk=[5])
    assert s["words"].tolist() == [9, 8] and s["cjk"].tolist() == [False, True]
    assert s["alpha_words"][0] == pytest.approx(4 / 9) and s["alpha_words"][1] == pytest.approx(6 / 8)
    assert s["stop_words"].tolist() == [0, 2]
    assert s["top_2gram"][1] == pytest.approx(4 / 8)  # 你好 twice


def test_histograms_counted_and_reported():
    from collections import Counter
    from unittest import mock

    counted = Counter()
    with mock.patch("transforms.quality.stage.count", lambda stage, name, n=1: counted.update({f"{stage}:{name}": n})):
        apply_control(QualityControl(QualityConfig()), batch([GOOD_EN, CASES["gopher_stop_words"]], source="news"), "r")
    assert counted[f"quality:{histogram_counter('words', 'news', 3)}"] == 2  # 50-99 words: bin 3
    report = QualityStage(QualityConfig()).report(None, dict(counted) | {"quality:rejected:gopher_stop_words": 1})
    words = report["histograms"]["news"]["words"]
    bars, bins = words.split(" | ", 1)
    assert len(bars) == len(HISTOGRAMS["words"]) and bins == "50:2"
    assert report["rejected_by_rule"] == {"gopher_stop_words": 1} and set(report["rules"]) <= set(RULES)

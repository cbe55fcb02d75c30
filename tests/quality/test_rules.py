"""The literature quality rules: each catches what it names, leaves good text alone, and is configurable."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from transforms.core.records import Batch
from transforms.core.stage import apply_control
from transforms.quality import stats as qstats
from transforms.quality.rules import RULES
from transforms.quality.stage import _CONTROL, _MOJIBAKE, HISTOGRAMS, QualityConfig, QualityControl, QualityStage, histogram_counter
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
    "gopher_symbol_ratio": " ".join(f"#tag{i} word{i}..." for i in range(40)),
    "gopher_alpha_words": " ".join(f"{i * 1000003} {i * 7777777} -- {i}.5555 wordy" for i in range(30)),
    "gopher_mean_word_length": " ".join(["a b c d e f g h i j"] * 8),
    "gopher_stop_words": " ".join(f"Alpha{i} beta{i} gamma{i} delta{i} epsilon{i} zeta{i} theta{i}." for i in range(10)),
    "gopher_dup_lines": "\n".join([NEWS[0]] * 6 + NEWS[1:4]),
    "gopher_top_ngram": " ".join(["buy cheap watches"] * 10 + NEWS[:2]),
    "gopher_dup_ngram": " ".join([NEWS[0], NEWS[1], NEWS[0], NEWS[2], NEWS[1]]),
    "fineweb_short_lines": "\n".join(f"Entry{i} value{i * 3}." for i in range(40)) + "\n" + GOOD_EN,
}


BOILERPLATE = "This site uses cookies to improve your experience.\nPlease enable JavaScript to view the page.\n"
AS_DOCUMENT_REJECT = QualityConfig(rules={"c4_boilerplate_lines": {"action": "reject"}})


@pytest.mark.parametrize("rule", sorted(CASES) + ["c4_boilerplate_lines"])
def test_each_rule_rejects_with_its_own_reason(rule):
    if rule == "c4_boilerplate_lines":  # a line filter rejects the document only when told to
        d = decide([BOILERPLATE + GOOD_EN], AS_DOCUMENT_REJECT, lang="en")[0]
    else:
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


def test_c4_line_filters_remove_lines_and_keep_the_rest():
    tail = "The weather stayed mild all week, and the ferry timetable returned to normal."
    text = BOILERPLATE + GOOD_EN + "\nRead our Privacy Policy, jane.doe@example.com.\n" + tail
    result = apply_control(QualityControl(QualityConfig()), batch([text, GOOD_EN], lang="en"), "r")
    assert len(result.kept) == 2 and not result.rejects
    assert result.kept.text[0] == GOOD_EN + "\n" + tail and result.kept.text[1] == GOOD_EN
    entry = result.kept.lineage[0][-1]
    assert (entry["action"], entry["rule"], entry["reason"]) == ("modify", "quality.c4_boilerplate_lines", "lines_removed")
    detail = json.loads(entry["detail"])
    assert detail["removed_lines"] == 3 and detail["by_rule"] == {"c4_boilerplate_lines": 3} and detail["lines"] == 5
    assert detail["removed_chars"] == len(text) - len(result.kept.text[0])
    assert "jane" not in entry["detail"] and "cookies" not in entry["detail"]  # counts only: a removed line can hold personal data
    assert result.kept.lineage[1][-1]["action"] == "keep"


def test_line_removal_rejects_when_too_little_is_left():
    d = decide([BOILERPLATE + "Thanks for visiting!", BOILERPLATE + "你好，欢迎访问本站。" * 3], lang=["en", "zh"])
    assert d[0].action == "reject" and d[0].reason == "too_short_after_line_removal" and d[0].rule == "quality.c4_boilerplate_lines"
    assert d[0].detail["chars_left"] == 18 and d[0].detail["min_chars_left"] == 50
    assert d[1].action == "modify" and d[1].detail["removed_lines"] == 2  # CJK: half as many characters (30 of 25)
    stricter = QualityConfig(rules={"c4_boilerplate_lines": {"min_chars_left": 62}})
    assert decide([BOILERPLATE + "你好，欢迎访问本站。" * 3], stricter, lang="zh")[0].reason == "too_short_after_line_removal"


def test_line_filter_switch_per_source():
    text = "Please enable JavaScript.\n" + GOOD_EN  # one line of six: under the document thresholds
    config = QualityConfig(overrides={"strict": {"c4_boilerplate_lines": {"action": "reject", "max_count": 0}}})
    d = decide([text, text], config, source=["web", "strict"], lang="en")
    assert d[0].action == "modify" and d[0].text == GOOD_EN
    assert d[1].action == "reject" and d[1].reason == "c4_boilerplate_lines"
    assert decide([text], AS_DOCUMENT_REJECT, lang="en")[0].action == "keep"


def test_other_rules_judge_the_cleaned_text():
    spammy = "\n".join(["We use cookies."] * 6) + "\n" + GOOD_EN  # the repeated lines are all boilerplate
    assert decide([spammy], AS_DOCUMENT_REJECT, lang="en")[0].action == "reject"
    d = decide([spammy], lang="en")[0]
    assert d.action == "modify" and d.text == GOOD_EN and d.detail["removed_lines"] == 6
    residue = BOILERPLATE + GOOD_EN + " Offer ends {soon|today}."
    d = decide([residue], lang="en")[0]
    assert d.reason == "template_residue" and d.detail["removed_lines"] == 2


def test_c4_terminal_punctuation_lines_when_enabled():
    text = "Breaking News\n" + "\n".join(NEWS) + "\nShare this article\nRelated stories"
    assert decide([text], lang="en")[0].action == "keep"  # off by default, as in FineWeb
    on = QualityConfig(rules={"c4_terminal_punct": {"enabled": True}})
    d = decide([text], on, lang="en")[0]
    assert d.action == "modify" and d.text == "\n".join(NEWS) and d.detail["by_rule"] == {"c4_terminal_punct": 3}
    both = decide([BOILERPLATE + text], on, lang="en")[0]
    assert both.detail["by_rule"] == {"c4_boilerplate_lines": 2, "c4_terminal_punct": 3} and both.text == "\n".join(NEWS)
    reject = QualityConfig(rules={"c4_terminal_punct": {"enabled": True, "action": "reject"}})
    assert decide([text], reject, lang="en")[0].reason == "c4_terminal_punct"


def _word_letter(ch: str) -> bool:
    o = ord(ch)
    return ch.isascii() and ch.isalpha() or 0xC0 <= o < 0x2000 or 0x3040 <= o < 0x10000


PIECES = ["word", "-", "Café", "the", "12", "—", "😀", "#tag", "...", "…", "。。。", "- item", "* x", "• dot", "Fin.", "end!",
          "你好", "世界。", " ", "  ", "\t", "\xa0", "\u3000", "\u2003", "\n", "\n", "\n\n", "\n\n\n", "\r\n", "\n \n",
          "\ufffd", "\x01", "\x85", "Ã©", "â€™", "å¤§", "x" * 40]


def test_batch_statistics_match_per_text_definitions():
    rng = random.Random(5)
    texts = ["", "\n", "one", "a\n\nb\n\na"] + ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(400)]
    langs = [rng.choice(["en", "zh", None]) for _ in texts]
    s = qstats.compute(texts, langs, stop_words={"en": ["the"]}, top=[2], dup=[5], top_cjk=[2], dup_cjk=[5])
    for k, t in enumerate(texts):
        words = [w for w in t] if s["cjk"][k] else t.split()
        words = [w for w in words if not w.isspace()] if s["cjk"][k] else words
        assert s["words"][k] == len(words) and s["chars"][k] == sum(map(len, t.split()))
        if not s["cjk"][k]:
            assert s["alpha_words"][k] == pytest.approx(1 - sum(not any(map(_word_letter, w)) for w in words) / max(len(words), 1))
            assert s["stop_words"][k] == (sum(w == "the" for w in words) if langs[k] != "zh" else s["stop_words"][k])
        lines = [x.strip() for x in t.split("\n") if x.strip()]
        n = max(len(lines), 1)
        assert s["lines"][k] == len(lines)
        assert s["bullet_lines"][k] == pytest.approx(sum(x.startswith(qstats.BULLETS) for x in lines) / n)
        assert s["ellipsis_lines"][k] == pytest.approx(sum(x.endswith(qstats.ELLIPSIS) for x in lines) / n)
        assert s["terminal_punct_lines"][k] == pytest.approx(sum(x.endswith(qstats.TERMINAL) for x in lines) / n)
        assert s["short_lines"][k] == pytest.approx(sum(len(x) < (12 if s["cjk"][k] else 30) for x in lines) / n)
        assert s["dup_lines"][k] == pytest.approx((len(lines) - len(set(lines))) / n if len(lines) > 1 else 0)
        paragraphs = [p.strip() for p in t.split("\n\n") if p.strip()]
        repeated = len(paragraphs) - len(set(paragraphs))
        assert s["dup_paragraphs"][k] == pytest.approx(repeated / max(len(paragraphs), 1))
        assert s["newlines_per_word"][k] == pytest.approx(t.count("\n") / max(len(words), 1))
        assert s["replacement_chars"][k] == t.count("\ufffd") and s["control_chars"][k] == len(_CONTROL.findall(t))
        assert s["mojibake_pairs"][k] == len(_MOJIBAKE.findall(t))


def test_report_counts_cleaned_records_and_removed_lines():
    from collections import Counter
    from unittest import mock

    counted = Counter()
    with mock.patch("transforms.quality.stage.count", lambda stage, name, n=1: counted.update({f"{stage}:{name}": n})):
        result = apply_control(QualityControl(QualityConfig()), batch([BOILERPLATE + GOOD_EN, GOOD_EN]), "r")
    counters = dict(counted) | {f"quality:{k}": v for k, v in result.counts.items()}
    report = QualityStage(QualityConfig()).report(None, counters)
    assert report["records_cleaned"] == 1 and report["lines_removed_by_rule"] == {"c4_boilerplate_lines": 2}
    assert report["rules"]["c4_boilerplate_lines"]["action"] == "remove_lines" and "c4_terminal_punct" not in report["rules"]

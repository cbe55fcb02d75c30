import pytest

from transforms.quality.stage import QualityConfig, QualityControl

control = QualityControl(QualityConfig(min_chars=20))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("   \n\t  ", "empty_text"),
        ("short text", "too_short"),
        ("这是一段足够长的中文文本，用来检查质量控制是否正确处理。", None),
        ("A perfectly ordinary English sentence about the weather.", None),
        ("Caf\u00c3\u00a9 na\u00c3\u00afve r\u00c3\u00a9sum\u00c3\u00a9 \u00e2\u20ac\u201c d\u00c3\u00a9j\u00c3\u00a0 vu", "mojibake"),
        ("Some words \ufffd\ufffd\ufffd lost in decoding \ufffd here", "replacement_chars"),
        ("binary\x00\x01\x02\x03 data that was read as text by mistake", "control_chars"),
        ("Café, naïve résumé — déjà vu at the crème brûlée counter.", None),
    ],
)
def test_quality_checks(text, reason):
    decision = control.check(text)
    assert (decision.reason or None) == reason
    if reason:
        assert decision.action == "reject" and decision.clause == "4.1.2(b)" and decision.category == "quality"


def test_min_chars_ignores_whitespace():
    assert QualityControl(QualityConfig(min_chars=5)).check("a b c d e").action == "keep"
    assert QualityControl(QualityConfig(min_chars=6)).check("a b c d e").reason == "too_short"

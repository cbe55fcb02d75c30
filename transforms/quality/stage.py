"""Quality control: drop text that is empty, too short or garbled (Framework 4.1.2(b): filter wrong data).

Checks, in order, each a reject reason:
- ``empty_text``: nothing but whitespace;
- ``too_short``: fewer than ``min_chars`` non-space characters;
- ``replacement_chars``: too many U+FFFD characters (bytes lost in an earlier decode);
- ``mojibake``: too many UTF-8-read-as-Latin-1/CP1252 sequences (``Ã©``, ``â€™``, ``å¤§``);
- ``control_chars``: too many C0/C1 control characters (binary data read as text).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, NonNegativeInt

from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, StageConfig

STAGE = "quality"
CLAUSE = "4.1.2(b)"

# A UTF-8 lead byte (U+00C2–U+00EF read as Latin-1) followed by a continuation byte
# (U+0080–U+00BF, or the CP1252 characters that stand for bytes 0x80–0x9F).
_MOJIBAKE = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


class QualityControl(Control):
    """Reject empty, too-short, mojibake and replacement-character text."""

    stage = STAGE

    def __init__(self, config: "QualityConfig"):
        self.config = config

    def check(self, text: str) -> Decision:
        c = self.config
        chars = len(text) - sum(len(m) for m in _SPACE.findall(text))
        if chars == 0:
            return self._reject("empty_text", {"chars": 0})
        if chars < c.min_chars:
            return self._reject("too_short", {"chars": chars, "min_chars": c.min_chars})
        replacement = text.count("\ufffd") / chars
        if replacement > c.max_replacement_ratio:
            return self._reject("replacement_chars", {"ratio": round(replacement, 4), "max": c.max_replacement_ratio})
        if not text.isascii():
            mojibake = 2 * len(_MOJIBAKE.findall(text)) / chars
            if mojibake > c.max_mojibake_ratio:
                return self._reject("mojibake", {"ratio": round(mojibake, 4), "max": c.max_mojibake_ratio})
        control = len(_CONTROL.findall(text)) / chars
        if control > c.max_control_ratio:
            return self._reject("control_chars", {"ratio": round(control, 4), "max": c.max_control_ratio})
        return KEEP

    def _reject(self, reason: str, detail: dict) -> Decision:
        return Decision.reject(
            rule=f"quality.{reason}", clause=CLAUSE, risk_level="low", category="quality", reason=reason, detail=detail
        )

    def decide(self, batch):
        return [self.check(text) for text in batch.text]


@register_stage(STAGE)
class QualityConfig(StageConfig):
    stage: Literal["quality"] = "quality"
    min_chars: NonNegativeInt = 20
    max_replacement_ratio: float = Field(0.01, ge=0, le=1)
    max_mojibake_ratio: float = Field(0.02, ge=0, le=1)
    max_control_ratio: float = Field(0.01, ge=0, le=1)

    def create(self) -> ControlStage:
        return ControlStage(QualityControl(self))

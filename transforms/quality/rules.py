"""The literature quality rules: each a configurable rule with its clause, risk level and reject reason.

| rule | statistic | default | source |
|---|---|---|---|
| ``gopher_word_count`` | words (CJK: characters) | < 0 (off) or > 100,000 | Gopher (Rae et al. 2021): 50–100,000 |
| ``gopher_mean_word_length`` | mean word length (not CJK) | < 3 or > 10 | Gopher |
| ``gopher_symbol_ratio`` | (# + ellipses) / words | > 0.1 | Gopher |
| ``gopher_bullet_lines`` | share of lines starting with a bullet | > 0.9 | Gopher |
| ``gopher_ellipsis_lines`` | share of lines ending with an ellipsis | > 0.3 | Gopher |
| ``gopher_alpha_words`` | share of words with a letter (CJK: of characters) | < 0.8 (CJK 0.6) | Gopher |
| ``gopher_stop_words`` | stop words of the record's language (en, zh lists) | < 2 | Gopher (English list); Chinese function characters |
| ``gopher_dup_lines`` | repeated lines / their characters | > 0.3 / > 0.2 | Gopher repetition |
| ``gopher_dup_paragraphs`` | repeated paragraphs / their characters | > 0.3 / > 0.2 | Gopher repetition |
| ``gopher_top_ngram`` | characters in the most frequent n-gram | n=2,3,4: 0.20, 0.18, 0.16 (CJK chars n=4,6,8: 0.30, 0.27, 0.25) | Gopher repetition |
| ``gopher_dup_ngram`` | characters in repeated n-grams | n=5..10: 0.15 … 0.10 (CJK chars n=15,20,30: 0.60, 0.55, 0.50) | Gopher repetition |
| ``c4_lorem_ipsum`` | "lorem ipsum" | present | C4 (Raffel et al. 2020) |
| ``c4_curly_bracket`` | "{" | present | C4 (code, not prose) |
| ``c4_boilerplate_lines`` | lines naming javascript / cookies / privacy policy / terms of use | removed (``action: reject``: share > 0.5 or more than 2) | C4 line filters |
| ``c4_terminal_punct`` | lines not ending in terminal punctuation | off; removed when on (``action: reject``: any) | C4 line filter (FineWeb leaves it off) |
| ``fineweb_terminal_punct`` | share of lines ending in terminal punctuation (incl. 。！？) | < 0.12 | FineWeb (Penedo et al. 2024) |
| ``fineweb_short_lines`` | share of lines shorter than 30 characters (CJK 12) | > 0.67 | FineWeb |
| ``fineweb_dup_line_chars`` | characters in repeated lines | > 0.01 | FineWeb |
| ``fineweb_newlines`` | newlines per word | > 0.3 | FineWeb |
| ``template_residue`` | unexpanded placeholders: {a|b}, {{x}}, ${x}, %(x)s, <%= %>, [[x]], {% %} | ≥ 1 | — |
| ``markup_residue`` | share of characters in HTML tags and named entities (``&#128514;`` is an encoded character, not markup) | > 0.2 | — |

The CJK n-gram thresholds are not in the literature (Gopher counts words): they were set on real
Chinese statutes and comments (``eval/quality_eval.py``) to keep their false rejects under 1%.

A rule judges a record only when the record has at least ``applies_from_words`` words (CJK: twice as
many characters) and ``applies_from_lines`` non-empty lines: document statistics say nothing about a
tweet, and shares of lines nothing about a one-line review (defaults: 50 words for the document
statistics, 0 for the residue and C4 rules, 3 lines for the line shares). Each rule can be limited to
``only_sources`` or skip ``skip_sources``, and every field can be overridden per source or per
source ``domain`` (``QualityConfig.overrides``).

The C4 line filters (:class:`LineFilter`) remove the offending lines and keep the rest of the record
(``action: remove_lines``, C4's and FineWeb's way): the record becomes a ``modify`` with the cleaned
text, and a reject when fewer than ``min_chars_left`` non-space characters are left; ``action:
reject`` rejects the whole document by the rule's thresholds instead.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from transforms.quality.stats import TERMINAL, is_boilerplate

RiskLevel = Literal["low", "moderate", "considerable", "major", "extremely_serious"]

EN_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")  # Gopher's list
ZH_STOP_WORDS = tuple("的了是在和有不这也就与对")  # the commonest Chinese function characters


class Rule(BaseModel):
    """Common fields of every rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # (statistic, "min" | "max", field with the threshold[, field for CJK records]): fails below min / above max
    CHECKS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    JUDGES_CJK: ClassVar[bool] = True
    enabled: bool = True
    applies_from_words: int = Field(50, ge=0)
    applies_from_lines: int = Field(0, ge=0)
    risk_level: RiskLevel = "low"
    only_sources: list[str] | None = None
    skip_sources: list[str] = []

    def checks(self, cjk: bool) -> list[tuple[str, str, float]]:
        """(statistic, min|max, threshold) for CJK or other records."""
        return [(check[0], check[1], getattr(self, check[3] if cjk and len(check) > 3 else check[2])) for check in self.CHECKS]


class GopherWordCount(Rule):
    CHECKS = (("words", "min", "min_words"), ("words", "max", "max_words"))
    applies_from_words: int = Field(0, ge=0)
    min_words: int = Field(0, ge=0)
    max_words: int = Field(100_000, ge=1)


class GopherMeanWordLength(Rule):
    CHECKS = (("mean_word_length", "min", "min_length"), ("mean_word_length", "max", "max_length"))
    JUDGES_CJK = False
    min_length: float = Field(3, ge=0)
    max_length: float = Field(10, ge=0)


class LineShareRule(Rule):
    """A rule on a share of lines: judged from three lines up (a share says little about a one- or two-line text)."""

    applies_from_lines: int = Field(3, ge=0)


class GopherSymbolRatio(Rule):
    CHECKS = (("symbol_ratio", "max", "max_ratio"),)
    max_ratio: float = Field(0.1, ge=0)


class GopherBulletLines(LineShareRule):
    CHECKS = (("bullet_lines", "max", "max_share"),)
    max_share: float = Field(0.9, ge=0, le=1)


class GopherEllipsisLines(LineShareRule):
    CHECKS = (("ellipsis_lines", "max", "max_share"),)
    max_share: float = Field(0.3, ge=0, le=1)


class GopherAlphaWords(Rule):
    CHECKS = (("alpha_words", "min", "min_share", "min_share_cjk"),)
    min_share: float = Field(0.8, ge=0, le=1)
    min_share_cjk: float = Field(0.6, ge=0, le=1)  # every CJK punctuation mark and digit is a token


class GopherStopWords(Rule):
    CHECKS = (("stop_words", "min", "min_count"),)
    min_count: int = Field(2, ge=0)
    stop_words: dict[str, list[str]] = Field(default_factory=lambda: {"en": list(EN_STOP_WORDS), "zh": list(ZH_STOP_WORDS)})


class GopherDupLines(Rule):
    CHECKS = (("dup_lines", "max", "max_lines"), ("dup_line_chars", "max", "max_chars"))
    max_lines: float = Field(0.3, ge=0, le=1)
    max_chars: float = Field(0.2, ge=0, le=1)


class GopherDupParagraphs(Rule):
    CHECKS = (("dup_paragraphs", "max", "max_paragraphs"), ("dup_paragraph_chars", "max", "max_chars"))
    max_paragraphs: float = Field(0.3, ge=0, le=1)
    max_chars: float = Field(0.2, ge=0, le=1)


class _Ngrams(Rule):
    PREFIX: ClassVar[str] = ""
    max_share: dict[int, float] = {}
    max_share_cjk: dict[int, float] = {}

    def checks(self, cjk: bool) -> list[tuple[str, str, float]]:
        shares = self.max_share_cjk if cjk else self.max_share
        return [(f"{self.PREFIX}_{n}gram", "max", v) for n, v in sorted(shares.items())]


class GopherTopNgram(_Ngrams):
    PREFIX = "top"
    max_share: dict[int, float] = {2: 0.20, 3: 0.18, 4: 0.16}
    max_share_cjk: dict[int, float] = {4: 0.30, 6: 0.27, 8: 0.25}


class GopherDupNgram(_Ngrams):
    PREFIX = "dup"
    max_share: dict[int, float] = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    max_share_cjk: dict[int, float] = {15: 0.60, 20: 0.55, 30: 0.50}


class C4LoremIpsum(Rule):
    CHECKS = (("lorem_ipsum", "max", "max_count"),)
    applies_from_words: int = Field(0, ge=0)
    max_count: int = Field(0, ge=0)


class C4CurlyBracket(Rule):
    CHECKS = (("curly_brackets", "max", "max_count"),)
    applies_from_words: int = Field(0, ge=0)
    max_count: int = Field(0, ge=0)


class LineFilter(Rule):
    """A rule on lines: removes them (``remove_lines``) or rejects the document by its thresholds (``reject``)."""

    applies_from_words: int = Field(0, ge=0)
    action: Literal["remove_lines", "reject"] = "remove_lines"
    min_chars_left: int = Field(50, ge=0)  # non-space characters (CJK: half) a cleaned record must keep

    def offending(self, line: str) -> bool:
        """Whether ``line`` (one of ``text.split("\\n")``) is removed."""
        raise NotImplementedError

    def may_remove(self, stats: dict[str, np.ndarray]) -> np.ndarray:
        """Per record of the batch: has it a line :meth:`offending` could remove (from the statistics)."""
        raise NotImplementedError


class C4BoilerplateLines(LineFilter):
    CHECKS = (("boilerplate_lines", "max", "max_share"), ("boilerplate_line_count", "max", "max_count"))
    max_share: float = Field(0.5, ge=0, le=1)
    max_count: int = Field(2, ge=0)

    def offending(self, line: str) -> bool:
        return is_boilerplate(line)

    def may_remove(self, stats: dict[str, np.ndarray]) -> np.ndarray:
        return stats["boilerplate_line_count"] > 0


class C4TerminalPunct(LineFilter):
    CHECKS = (("terminal_punct_lines", "min", "min_share"),)
    enabled: bool = False  # off by default, as in FineWeb: it strips headings, list items, tweets and reviews
    min_share: float = Field(1.0, ge=0, le=1)

    def offending(self, line: str) -> bool:
        stripped = line.strip()
        return bool(stripped) and not stripped.endswith(TERMINAL)

    def may_remove(self, stats: dict[str, np.ndarray]) -> np.ndarray:
        return stats["terminal_punct_lines"] < 1


class FineWebTerminalPunct(LineShareRule):
    CHECKS = (("terminal_punct_lines", "min", "min_share"),)
    min_share: float = Field(0.12, ge=0, le=1)


class FineWebShortLines(LineShareRule):
    CHECKS = (("short_lines", "max", "max_share"),)
    max_share: float = Field(0.67, ge=0, le=1)


class FineWebDupLineChars(Rule):
    CHECKS = (("dup_line_chars", "max", "max_share"),)
    max_share: float = Field(0.01, ge=0, le=1)


class FineWebNewlines(Rule):
    CHECKS = (("newlines_per_word", "max", "max_ratio"),)
    max_ratio: float = Field(0.3, ge=0)


class TemplateResidue(Rule):
    CHECKS = (("template_residue", "max", "max_count"),)
    applies_from_words: int = Field(0, ge=0)
    max_count: int = Field(0, ge=0)


class MarkupResidue(Rule):
    CHECKS = (("markup_share", "max", "max_share"),)
    applies_from_words: int = Field(0, ge=0)
    max_share: float = Field(0.2, ge=0, le=1)


RULES: dict[str, type[Rule]] = {
    "template_residue": TemplateResidue,
    "markup_residue": MarkupResidue,
    "c4_lorem_ipsum": C4LoremIpsum,
    "c4_curly_bracket": C4CurlyBracket,
    "c4_boilerplate_lines": C4BoilerplateLines,
    "c4_terminal_punct": C4TerminalPunct,
    "gopher_word_count": GopherWordCount,
    "gopher_mean_word_length": GopherMeanWordLength,
    "gopher_symbol_ratio": GopherSymbolRatio,
    "gopher_bullet_lines": GopherBulletLines,
    "gopher_ellipsis_lines": GopherEllipsisLines,
    "gopher_alpha_words": GopherAlphaWords,
    "gopher_stop_words": GopherStopWords,
    "gopher_dup_paragraphs": GopherDupParagraphs,
    "gopher_dup_lines": GopherDupLines,
    "gopher_top_ngram": GopherTopNgram,
    "gopher_dup_ngram": GopherDupNgram,
    "fineweb_terminal_punct": FineWebTerminalPunct,
    "fineweb_short_lines": FineWebShortLines,
    "fineweb_dup_line_chars": FineWebDupLineChars,
    "fineweb_newlines": FineWebNewlines,
}
"""Every rule, in the order they are checked (a record's reject names the first that fails)."""


def judged_by(rule: Rule, stats: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Which of the records ``idx`` are long enough (words, lines) and of a script ``rule`` judges."""
    cjk = stats["cjk"][idx]
    judged = stats["words"][idx] >= np.where(cjk, 2 * rule.applies_from_words, rule.applies_from_words)
    if rule.applies_from_lines:
        judged &= stats["lines"][idx] >= rule.applies_from_lines
    if not rule.JUDGES_CJK:
        judged &= ~cjk
    return judged


def failures(rule: Rule, stats: dict[str, np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, list]:
    """For the records ``idx``: which fail ``rule`` (bool array) and, per record, the first failed
    check (statistic, min|max, threshold) or None."""
    n = len(idx)
    failed = np.zeros(n, bool)
    which: list = [None] * n
    if not rule.enabled or not n:
        return failed, which
    cjk = stats["cjk"][idx]
    judged = judged_by(rule, stats, idx)
    for is_cjk in (False, True):
        group = judged & (cjk == is_cjk)
        if not group.any():
            continue
        for stat, op, threshold in rule.checks(is_cjk):
            values = stats[stat][idx]
            with np.errstate(invalid="ignore"):
                bad = group & ~failed & ((values < threshold) if op == "min" else (values > threshold))
            for i in np.flatnonzero(bad):
                which[i] = (stat, op, threshold)
            failed |= bad
    return failed, which

"""Classified markings and credentials: two stages that keep secrets out of the published dataset.

``classified`` (directive on AI in government affairs; Framework 4.1.2(b)): state and work secrets must
never reach a non-classified model, so a document bearing a classification marking is rejected.
Markings are found by their *layout*, not by the bare words: the text is NFKC-normalised (full-width
``Ｓ Ｅ Ｃ Ｒ Ｅ Ｔ`` becomes ``S E C R E T``), and only lines that look like a marking count —
``机密★1年`` / ``秘密★`` forms, ``密级：机密``, ``内部资料 注意保密``, a line that *is* ``绝密`` or
``TOP SECRET`` (also spaced out: ``机 密``), banners with caveats (``SECRET//NOFORN``), portion marks
(``(S//NF)``) and ``保密期限`` lines. "the secret to good bread", "商业机密的法律保护" or an NDA's
"confidential information is defined as…" never form such a line.

Evidence is *strong* (rejects alone) or *weak* (a bare ``秘密`` line could be a chapter title): a
document is rejected on one strong marking, or on a weak marking word with a second marking or a cue
of an official document (份号, 特急, a 文号 such as ``〔2024〕12号``, ``Classified By:`` blocks).

``credentials`` (Framework 6.1.7, prevent leakage): private keys, cloud keys (AWS, GCP, Azure, Alibaba
Cloud), GitHub and Slack tokens, JWTs, and passwords in connection strings or config lines. The action
is configurable: ``reject`` the record, or ``redact`` each secret value to ``<CREDENTIAL:TYPE>``.
Placeholders (``<your password>``, ``${DB_PASS}``, ``xxx``, ``***``, ``changeme``…) are not secrets.

They are two stages because they differ in everything but the word "secret": a marking condemns the
whole document and counts towards a source's illegal/harmful rate, a credential is a span that can
be redacted and says nothing about the source's content; a job may also want only one of them, or
credentials redacted before the PII stage and markings checked after de-duplication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from transforms.core.records import RISK_LEVELS
from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, StageConfig
from transforms.core.textscan import BatchGate, Needles, normalise

CLASSIFIED_STAGE = "classified"
CLASSIFIED_CLAUSE = "4.1.2(b) / classified-information directive"
# ---------------------------------------------------------------------------------------------------
# Classified markings
# ---------------------------------------------------------------------------------------------------

# Marking words with an optional space between characters ("机 密", "S E C R E T").
def _spaced(word: str) -> str:
    return r"\s?".join(re.escape(ch) if ch != " " else r"\s{1,3}" for ch in word)


_CN_LEVELS = {"绝密": "extremely_serious", "机密": "major", "秘密": "major"}
_CN_WORK = {"工作秘密": "considerable"}
_CN_INTERNAL = {"内部资料": "considerable", "内部文件": "considerable"}
_EN_LEVELS = {"TOP SECRET": "extremely_serious", "SECRET": "major", "CONFIDENTIAL": "major", "RESTRICTED": "considerable"}
_PORTION_LEVELS = {"TS": "extremely_serious", "S": "major", "C": "major"}

_CN_STATE = "(?P<cn>" + "|".join(_spaced(w) for w in _CN_LEVELS) + ")"
_CN_ANY = "(?P<cn>" + "|".join(_spaced(w) for w in [*_CN_WORK, *_CN_INTERNAL, *_CN_LEVELS]) + ")"
# TOP SECRET first so that it wins over SECRET.
_EN_BANNER = "(?P<en>" + "|".join(_spaced(w) for w in _EN_LEVELS) + ")"
_CAVEATS = r"(?:\s*//\s*[A-Z][A-Z0-9 ,/-]*)"
_DECOR = r"[\s*=#_~|\-\[\]【】()（）<>《》\"'“”]*"  # rules and brackets drawn around a stamp

# Strong: these forms do not occur in prose that merely uses the words.
_CN_STAR_START = re.compile(r"^\s*(?:\d{6}\s+|份号[:：]?\s*\d+\s+)?" + _CN_STATE + r"\s*★")
_CN_STAR_END = re.compile(_CN_STATE + r"\s*★\s*(?:\d+\s*(?:年|个月|月|天|日)|长期|永久)?" + _DECOR + "$")
_CN_LABEL = re.compile(
    r"^\s*密\s?级\s*[:：]\s*(?P<cn>" + "|".join(_spaced(w) for w in [*_CN_WORK, *_CN_LEVELS]) + r")(?!\s*[、，,和及与])"
)
_CN_INTERNAL_NOTICE = re.compile(
    r"(?P<cn>内\s?部\s?(?:资\s?料|文\s?件))\s*[,，、]?\s*(?:注\s?意\s?保\s?密|请\s?勿\s?外\s?传|严禁外传|不得外传|妥善保管|注意保存)"
)
_CN_URGENT_HEADER = re.compile(r"^\s*(?:\d{6}\s+)?" + _CN_STATE + r"\s+(?:特\s?急|加\s?急|平\s?急|特\s?提)")
_EN_CAVEAT_BANNER = re.compile(r"^" + _DECOR + _EN_BANNER + _CAVEATS + r"+(?:" + _DECOR + r"$|\s{2,}\S)")
_EN_CAVEAT_FOOTER = re.compile(r"\S\s{2,}" + _EN_BANNER + _CAVEATS + r"+" + _DECOR + "$")
_EN_LABEL = re.compile(r"^\s*(?i:classification|classified)\s*[:：]\s*" + _EN_BANNER + r"\b")
_ENUMERATOR = r"^\s*(?:(?:\d{1,3}|[a-z])[.)]\s+)?"  # "2. (S//NF) …" numbered paragraphs
_PORTION = re.compile(_ENUMERATOR + r"\((?P<pm>TS|S|C)(?P<cav>//[A-Z][A-Z0-9 ,/-]*)?\)\s")
_PORTION_U = re.compile(_ENUMERATOR + r"\(U(?://[A-Z ,/-]+)?\)\s", re.M)

# Weak: a line that is nothing but the marking; strong only where a stamp sits (first or last lines)
# for the unambiguous banners and for 工作秘密/内部资料; weak anywhere else and for 绝密/机密/秘密.
_CN_BARE = re.compile("^" + _DECOR + _CN_ANY + _DECOR + "$")
_CN_COLUMN_START = re.compile(r"^\s*" + _CN_STATE + r"\s{2,}\S")
_CN_COLUMN_END = re.compile(r"\S\s{2,}" + _CN_STATE + _DECOR + "$")
_EN_BARE = re.compile("^" + _DECOR + _EN_BANNER + _DECOR + "$")
_PERIOD_LINE = re.compile(r"^\s*保\s?密\s?期\s?限\s*[:：]")
_CAVEAT_ALONE = re.compile(r"^" + _DECOR + r"(?:NOFORN|ORCON|NOCONTRACT|PROPIN)" + _DECOR + "$")

# Cues of an official document, which turn a weak marking into a reject.
_CUES = re.compile(
    r"(?m)^\s*\d{6}\s*$|^\s*(?:特\s?急|加\s?急|平\s?急)\s*$|[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*\d+\s*号"
    r"|^\s*\S{2,30}(?:文件|办公室|办公厅)\s*$|^\s*(?:抄\s?送|印\s?发|主\s?送)\s*[:：]"
    r"|^\s*(?:MEMORANDUM\s+FOR|Classified\s+By|Derived\s+From|Declassify\s+On)\b"
)

# Cheap pre-check (substring tests, far faster than a regex alternation): a document or line without
# any of these cannot carry a marking. Spaced-out stamps keep their first letters ("S E C").
_NEEDLES = Needles((
    "密", "★", "内部", "内 部", "内\u3000部", "SECRET", "CONFIDENTIAL", "RESTRICTED", "S E C", "C O N", "R E S",
    "S\u3000E", "C\u3000O", "R\u3000E", "(TS", "(S)", "(S/", "(C)", "(C/", "NOFORN", "ORCON",
    "NOCONTRACT", "PROPIN",
))
_WIDE = ("Ｓ", "Ｃ", "Ｒ", "Ｔ")  # full-width first letters of the banners and portion marks
# Documents with neither a needle nor a full-width letter that normalises into one carry no marking.
_GATE = BatchGate(_NEEDLES.needles + _WIDE)


def _may_mark(text: str) -> bool:
    return bool(_NEEDLES.present(text))


_HEADER_LINES = 4  # where a stamp sits: first / last non-empty lines


@dataclass(frozen=True, slots=True)
class Marking:
    """One marking found: its canonical word, risk level, line number and whether it is strong."""

    word: str
    level: str
    line: int
    form: str
    strong: bool


def _canonical(word: str) -> str:
    """The marking without the spaces of a spaced-out stamp ("T O P  S E C R E T" → "TOP SECRET")."""
    letters = re.sub(r"\s+", "", word)
    return "TOP SECRET" if letters == "TOPSECRET" else letters


def _level(word: str) -> str:
    return {**_CN_LEVELS, **_CN_WORK, **_CN_INTERNAL, **_EN_LEVELS}[word]


def find_markings(text: str) -> tuple[list[Marking], int]:
    """All classification markings in ``text`` and the number of official-document cues."""
    text = normalise(text, _WIDE)
    if not _may_mark(text):
        return [], 0
    lines = text.splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edge = set(filled[:_HEADER_LINES]) | set(filled[-_HEADER_LINES:])
    has_u_portions = bool(_PORTION_U.search(text))
    found: list[Marking] = []

    def add(word: str, line: int, form: str, strong: bool, level: str | None = None) -> None:
        word = _canonical(word)
        found.append(Marking(word, level or _level(word), line, form, strong))

    for i, line in enumerate(lines):
        if not _may_mark(line):
            continue
        at_edge = i in edge
        if m := _CN_STAR_START.search(line) or _CN_STAR_END.search(line):
            add(m["cn"], i, "star", True)
        elif m := _CN_LABEL.search(line):
            add(m["cn"], i, "level_label", True)
        elif m := _CN_URGENT_HEADER.search(line):
            add(m["cn"], i, "header", True)
        elif m := _CN_BARE.search(line):
            word = _canonical(m["cn"])
            add(word, i, "bare", at_edge and word not in _CN_LEVELS)
        elif m := _CN_COLUMN_START.search(line) or _CN_COLUMN_END.search(line):
            add(m["cn"], i, "column", False)
        if m := _CN_INTERNAL_NOTICE.search(line):
            add(m["cn"], i, "internal_notice", True)
        if m := _EN_CAVEAT_BANNER.search(line) or _EN_CAVEAT_FOOTER.search(line):
            add(m["en"], i, "banner", True)
        elif m := _EN_LABEL.search(line):
            add(m["en"], i, "level_label", True)
        elif m := _EN_BARE.search(line):
            add(m["en"], i, "bare", at_edge)
        elif _CAVEAT_ALONE.search(line):
            found.append(Marking("CAVEAT", "major", i, "caveat", False))
        # A bare "(C)" is a copyright sign or a list item unless the document also has "(U)" portions.
        if (m := _PORTION.search(line)) and (m["cav"] or has_u_portions):
            add(f"({m['pm']})", i, "portion", True, _PORTION_LEVELS[m["pm"]])
        if _PERIOD_LINE.search(line):
            found.append(Marking("保密期限", "considerable", i, "period", False))
    if not found:
        return [], 0
    return found, len(_CUES.findall(text))


def is_classified(markings: list[Marking], cues: int) -> bool:
    """One strong marking, or a weak marking word with a second marking or an official-document cue.

    A ``保密期限`` line or a lone caveat only supports a marking word: an NDA has 保密期限 clauses.
    """
    if any(m.strong for m in markings):
        return True
    words = [m for m in markings if m.form not in ("period", "caveat")]
    return bool(words) and (len(markings) >= 2 or cues > 0)


class ClassifiedControl(Control):
    """Reject documents bearing state or work secret classification markings (4.1.2(b), directive)."""

    stage = CLASSIFIED_STAGE

    def __init__(self, config: "ClassifiedConfig"):
        self.config = config

    def check(self, text: str) -> Decision:
        markings, cues = find_markings(text)
        if not markings:
            return KEEP
        if not is_classified(markings, cues):
            return Decision("annotate", detail=self._detail(markings, cues), reason="weak_marking_only")
        level = max((m.level for m in markings), key=RISK_LEVELS.index)
        state = level in ("major", "extremely_serious")
        reason = "state_secret_marking" if state else "work_secret_marking"
        return Decision.reject(
            rule=f"classified.{reason}",
            clause=CLASSIFIED_CLAUSE,
            risk_level=level,
            category="classified",
            reason=reason,
            detail=self._detail(markings, cues),
        )

    @staticmethod
    def _detail(markings: list[Marking], cues: int) -> dict:
        return {
            "markings": [
                {"word": m.word, "form": m.form, "line": m.line, "strong": m.strong} for m in markings[:10]
            ],
            "n_markings": len(markings),
            "official_cues": cues,
        }

    def decide(self, batch):
        return _GATE.map(batch.text, self.check, KEEP)


@register_stage(CLASSIFIED_STAGE)
class ClassifiedConfig(StageConfig):
    """No parameters: a marked document is never published."""

    stage: Literal["classified"] = "classified"

    def create(self) -> ControlStage:
        return ControlStage(ClassifiedControl(self))

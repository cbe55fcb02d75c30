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
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import field_validator

from transforms.base import KEEP, Control, ControlStage, Decision, StageConfig, count, register_stage
from transforms.records import RISK_LEVELS
from transforms.textscan import BatchGate, Needles, line_bounds, normalise

CLASSIFIED_STAGE = "classified"
CLASSIFIED_CLAUSE = "4.1.2(b) / classified-information directive"
CREDENTIALS_STAGE = "credentials"
CREDENTIALS_CLAUSE = "6.1.7"


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


# ---------------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------------

# Each pattern captures the secret value in group ``v`` (what redaction replaces).
_B64 = r"A-Za-z0-9+/"
_CREDENTIAL_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern], ...] = (
    # (type, substrings of which one must be present, pattern)
    (
        "PRIVATE_KEY",
        ("PRIVATE KEY",),
        re.compile(
            r"-----BEGIN (?P<kind>(?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
            r"(?P<v>[\s\S]{1,20000}?)-----END (?P=kind)-----"
        ),
    ),
    (
        "AWS_ACCESS_KEY",
        ("AKIA", "ASIA", "AGPA", "AROA", "AIDA"),
        re.compile(r"(?<![A-Z0-9])(?P<v>(?:AKIA|ASIA|AGPA|AROA|AIDA)[A-Z0-9]{16})(?![A-Z0-9])"),
    ),
    ("GCP_API_KEY", ("AIza",), re.compile(r"(?P<v>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])")),
    ("GCP_PRIVATE_KEY_ID", ("private_key_id",), re.compile(r'"private_key_id"\s*:\s*"(?P<v>[0-9a-f]{40})"')),
    (
        "AZURE_KEY",
        ("AccountKey=", "SharedAccessKey="),
        re.compile(r"(?:AccountKey|SharedAccessKey)=(?P<v>[" + _B64 + r"]{30,}={0,2})"),
    ),
    ("AZURE_SAS", ("sig=",), re.compile(r"[?&;]sig=(?P<v>[A-Za-z0-9%+/]{30,}={0,2})")),
    ("ALIBABA_ACCESS_KEY", ("LTAI",), re.compile(r"(?<![A-Za-z0-9])(?P<v>LTAI[0-9A-Za-z]{12,20})(?![A-Za-z0-9])")),
    (
        "GITHUB_TOKEN",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        re.compile(r"(?<![A-Za-z0-9_])(?P<v>gh[pousr]_[A-Za-z0-9]{36,255})(?![A-Za-z0-9_])"),
    ),
    ("GITHUB_TOKEN", ("github_pat_",), re.compile(r"(?P<v>github_pat_[A-Za-z0-9_]{50,255})")),
    (
        "API_KEY",
        ("sk-", "sk_live_", "rk_live_"),
        re.compile(r"(?<![A-Za-z0-9_-])(?P<v>(?:sk-(?:proj-|ant-api\d\d-)?|[sr]k_live_)[A-Za-z0-9_-]{24,200})"),
    ),
    ("SLACK_TOKEN", ("xox",), re.compile(r"(?<![A-Za-z0-9])(?P<v>xox[abposr]-[0-9A-Za-z-]{10,250})")),
    (
        "SLACK_WEBHOOK",
        ("hooks.slack.com",),
        re.compile(r"hooks\.slack\.com/services/(?P<v>T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,})"),
    ),
    (
        "JWT",
        ("eyJ",),
        re.compile(r"(?<![A-Za-z0-9_-])(?P<v>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"),
    ),
)
_CREDENTIAL_NEEDLES = Needles(tuple(sorted({n for _, group, _ in _CREDENTIAL_PATTERNS for n in group} | {"://"})))
# scheme://user:password@host — matched only around each "://" of a document that has an "@".
_CONNECTION = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{1,30}://[^\s:/@'\"<>]{1,64}:(?P<v>[^\s/'\"<>]{1,128})@[\w.-]+")
# An AWS secret access key: 40 base64 characters, counted only in a document that holds an AWS key id.
_AWS_SECRET = re.compile(r"(?<![" + _B64 + r"])(?P<v>[A-Za-z0-9/+]{40})(?![" + _B64 + r"=])")

# password=…, "secret_key": "…", 密码：… — the key, a separator, and a quoted or bare value.
_CONFIG_KEYS = (
    r"password|passwd|pass_?word|pwd|db_?pass|secret|secret_?key|client_?secret|api_?secret|"
    r"aws_secret_access_key|access_?key_?secret|accesskeysecret|secret_?access_?key|private_?token|"
    r"auth_?token|access_?token|api_?key|apikey|app_?secret|密码|口令|密钥|秘钥"
)
_CONFIG_LINE = re.compile(
    r"(?P<key>" + _CONFIG_KEYS + r")[\"']?\s*(?:=>|:=|[=:：])\s*"
    r"(?:(?P<q>[\"'])(?P<qv>[^\"'\n]{1,200})(?P=q)"
    r"|(?P<v>[^\s\"',;，；。<>()\[\]{}\u3000-\u9fff]{1,200})(?=$|[\s,;，；。&\"')\]}\u3000-\u9fff]))",
    re.I | re.M,
)
# A config key just before a separator: the cheap test that picks the lines _CONFIG_LINE reads.
_KEY_BEFORE = re.compile(r"(?:" + _CONFIG_KEYS + r")[\w\"'.-]{0,30}\s*[:=]?$", re.I)
# Every _CONFIG_KEYS alternative holds one of these words; under re.I an ASCII letter also matches
# "İ", "ı", "ſ" or the Kelvin sign, so a document with one of those is a candidate too.
_CONFIG_KEY_WORDS = ("pass", "pwd", "secret", "token", "apikey", "api_key", "密码", "口令", "密钥", "秘钥")
_IGNORECASE_EXTRAS = ("\u0130", "\u0131", "\u017f", "\u212a")
_KEY_WINDOW = 48
# A bare value that reads on ("Password: at least 8 characters") is prose, not a config line.
_PROSE_AFTER = re.compile(r"[ \t]+[a-z\u4e00-\u9fff]")
# Code reading the secret from elsewhere: os.environ["X"], get_password(), self.password, $VAR.
_EXPRESSION = re.compile(r"^(?:[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+|\$\w+|%\w+%|[A-Za-z_]\w*\(.*)$")
_PLACEHOLDER_SHAPES = re.compile(
    r"^(?:<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\(?\w*\)?s|\[[^\]]*\]|(.)\1*|\.{2,}|…+|\?+|(?:xx+|XX+)\w*)$"
)
PLACEHOLDER_VALUES = (
    "changeme", "change_me", "password", "passwd", "pass", "pwd", "secret", "none", "null", "nil", "empty",
    "true", "false", "required", "optional", "string", "str", "todo", "tbd", "test", "sample", "foo", "bar",
    "mypassword", "yourpassword", "mysecret", "token", "apikey", "api_key", "hunter2",
)
"""Whole values (any case) that stand for a secret in documentation."""
PLACEHOLDER_MARKERS = ("your", "example", "placeholder", "dummy", "redacted", "changeme", "replace", "xxxx", "****")
"""Substrings that mark a value as a placeholder ("your_api_key_here", "AKIAIOSFODNN7EXAMPLE")."""


class CredentialScanner:
    """Finds credential values (type, start, end) in text; placeholders are skipped."""

    def __init__(
        self,
        placeholders: tuple[str, ...] = PLACEHOLDER_VALUES,
        markers: tuple[str, ...] = PLACEHOLDER_MARKERS,
        min_password_chars: int = 4,
    ):
        self.placeholders = frozenset(w.lower() for w in placeholders)
        self.markers = tuple(w.lower() for w in markers)
        self.min_password_chars = min_password_chars

    def is_placeholder(self, value: str, free_form: bool = True) -> bool:
        """A documentation stand-in, not a secret. ``free_form`` values (passwords in config lines and
        URLs) are also checked for shapes (``<…>``, ``${…}``, ``***``) and code (``os.environ[…]``);
        fixed-format tokens only for the placeholder words ("xoxb-your-token", "…EXAMPLE")."""
        lowered = value.lower()
        if lowered in self.placeholders or any(w in lowered for w in self.markers):
            return True
        return free_form and (_PLACEHOLDER_SHAPES.match(value) is not None or _EXPRESSION.match(value) is not None)

    def scan(self, text: str) -> list[tuple[str, int, int]]:
        found: list[tuple[str, int, int]] = []
        present = _CREDENTIAL_NEEDLES.present(text)
        for kind, needles, pattern in _CREDENTIAL_PATTERNS:
            if present.isdisjoint(needles):
                continue
            for m in pattern.finditer(text):
                value = m["v"]
                if kind != "PRIVATE_KEY" and self.is_placeholder(value, free_form=False):
                    continue
                if kind == "PRIVATE_KEY" and not _key_body(value):
                    continue  # a documentation stub ("...") of a key
                found.append((kind, m.start("v"), m.end("v")))
        if any(k == "AWS_ACCESS_KEY" for k, _, _ in found):
            found += [
                ("AWS_SECRET_KEY", m.start("v"), m.end("v"))
                for m in _AWS_SECRET.finditer(text)
                if _mixed(m["v"]) and not self.is_placeholder(m["v"], free_form=False)
            ]
        if "://" in present and "@" in text:
            found += self._connection_passwords(text)
        found += self._config_values(text)
        return _without_overlaps(found)

    def _connection_passwords(self, text: str) -> list[tuple[str, int, int]]:
        found = []
        at = text.find("://")
        while at >= 0:
            line_start, line_end = line_bounds(text, at)
            m = _CONNECTION.search(text, max(line_start, at - 31), line_end)
            if m and m.start() < at and not self.is_placeholder(m["v"]):
                found.append(("CONNECTION_PASSWORD", m.start("v"), m.end("v")))
            at = text.find("://", at + 3)
        return found

    def _config_values(self, text: str) -> list[tuple[str, int, int]]:
        found = []
        for start, end in _config_lines(text):
            for m in _CONFIG_LINE.finditer(text, start, end):
                if value := self._config_value(text, m):
                    found.append(value)
        return found

    def _config_value(self, text: str, m: re.Match) -> tuple[str, int, int] | None:
        group = "qv" if m["qv"] is not None else "v"
        value = m[group]
        if group == "v" and value.isalpha() and _PROSE_AFTER.match(text, m.end()):
            return None
        if len(value) < self.min_password_chars or self.is_placeholder(value):
            return None
        key = m["key"].lower()
        kind = "PASSWORD" if any(k in key for k in ("pass", "pwd", "密码", "口令")) else "SECRET"
        return kind, m.start(group), m.end(group)


# A document holding none of the token prefixes and no config key word (in any case) has no credential.
_CREDENTIAL_GATE = BatchGate(_CREDENTIAL_NEEDLES.needles, any_case=_CONFIG_KEY_WORDS + _IGNORECASE_EXTRAS)


def _config_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the lines where a separator follows a config key (``password =``, ``密码：``).

    Separators are single characters (a fast ``str.find``); only the few characters before each one
    are matched against the key names.
    """
    lines = set()
    for sep in "=:：":
        at = text.find(sep)
        while at >= 0:
            start, end = line_bounds(text, at)
            if _KEY_BEFORE.search(text, max(start, at - _KEY_WINDOW), at):
                lines.add((start, end))
            at = text.find(sep, at + 1)
    return sorted(lines)


def _key_body(value: str) -> bool:
    """A real key body: at least 64 base64 characters once line breaks (also escaped ones) are gone."""
    body = re.sub(r"\\n|\s|[A-Za-z-]+: .*", "", value)
    return len(body) >= 64 and re.fullmatch(r"[A-Za-z0-9+/=]+", body) is not None


def _mixed(value: str) -> bool:
    """Random-looking: upper, lower and digits together (not a word or a path)."""
    return any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)


def _without_overlaps(found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Earliest, then longest, span wins (a JWT inside password=… is one credential)."""
    kept: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(found, key=lambda f: (f[1], -f[2])):
        if kept and start < kept[-1][2]:
            continue
        kept.append((kind, start, end))
    return kept


def redact(text: str, spans: list[tuple[str, int, int]]) -> str:
    parts, last = [], 0
    for kind, start, end in spans:
        parts += [text[last:start], f"<CREDENTIAL:{kind}>"]
        last = end
    parts.append(text[last:])
    return "".join(parts)


class CredentialsControl(Control):
    """Reject or redact private keys, cloud keys, tokens and passwords (6.1.7)."""

    stage = CREDENTIALS_STAGE

    def __init__(self, config: "CredentialsConfig"):
        self.config = config
        self.scanner = CredentialScanner(
            tuple(config.placeholders), tuple(config.placeholder_markers), config.min_password_chars
        )

    def check(self, text: str) -> Decision:
        spans = self.scanner.scan(text)
        if not spans:
            return KEEP
        types = Counter(kind for kind, _, _ in spans)
        for kind, n in types.items():
            count(self.stage, f"credential:{kind}", n)
        detail = {"types": dict(sorted(types.items())), "n": len(spans)}
        if self.config.action == "reject":
            main = types.most_common(1)[0][0].lower()
            return Decision.reject(
                rule=f"credentials.{main}",
                clause=CREDENTIALS_CLAUSE,
                risk_level="major",
                category="credential",
                reason=main,
                detail=detail,
            )
        return Decision(
            "modify",
            rule="credentials.redact",
            clause=CREDENTIALS_CLAUSE,
            risk_level="major",
            reason="redacted",
            detail=detail,
            text=redact(text, spans),
        )

    def decide(self, batch):
        return _CREDENTIAL_GATE.map(batch.text, self.check, KEEP)


@register_stage(CREDENTIALS_STAGE)
class CredentialsConfig(StageConfig):
    stage: Literal["credentials"] = "credentials"
    action: Literal["reject", "redact"] = "redact"
    placeholders: list[str] = list(PLACEHOLDER_VALUES)  # values (any case) that are not secrets
    placeholder_markers: list[str] = list(PLACEHOLDER_MARKERS)  # substrings that mark a placeholder
    min_password_chars: int = 4

    @field_validator("min_password_chars")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("min_password_chars must be at least 1")
        return value

    def create(self) -> ControlStage:
        return ControlStage(CredentialsControl(self))

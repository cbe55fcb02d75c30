"""Credentials (Framework 6.1.7, prevent leakage): secrets in text are redacted, keeping the document.

See :mod:`transforms.content.classified` for the companion stage that rejects classified markings.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Literal

from pydantic import field_validator

from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, StageConfig, count
from transforms.core.textscan import BatchGate, Needles, line_bounds

CREDENTIALS_STAGE = "credentials"
CREDENTIALS_CLAUSE = "6.1.7"
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


def credential_candidates(texts: list[str]) -> list[int]:
    """Indices of the texts that may hold a credential (:meth:`CredentialScanner.scan` finds nothing in
    the others): one automaton pass over the batch."""
    return _CREDENTIAL_GATE.candidates(texts)


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
        decisions = _CREDENTIAL_GATE.map(batch.text, self.check, KEEP)
        # id, url and meta fields are published too: a credential there is redacted (or rejected) alike
        with_meta = [i for i, meta in enumerate(batch.meta) if meta]
        for k in _CREDENTIAL_GATE.candidates(["\n".join(_meta_strings(batch.meta[i])) for i in with_meta]):
            i = with_meta[k]
            decisions[i] = self._check_meta(decisions[i], batch.meta[i])
        return decisions

    def _check_meta(self, decision: Decision, meta: dict) -> Decision:
        found: Counter = Counter()

        def clean(value):
            if isinstance(value, str):
                spans = self.scanner.scan(value)
                found.update(kind for kind, _, _ in spans)
                return redact(value, spans) if spans else value
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        cleaned = clean(meta)
        if not found or decision.action == "reject":
            return decision
        for kind, n in found.items():
            count(self.stage, f"credential:{kind}", n)
        detail = {**(decision.detail or {}), "meta_types": dict(sorted(found.items()))}
        if self.config.action == "reject":
            main = found.most_common(1)[0][0].lower()
            return Decision.reject(
                rule=f"credentials.{main}", clause=CREDENTIALS_CLAUSE, risk_level="major", category="credential", reason=main, detail=detail
            )
        if decision.action == "modify":
            return dataclasses.replace(decision, meta=cleaned, detail=detail)
        return Decision(
            "modify", rule="credentials.redact", clause=CREDENTIALS_CLAUSE, risk_level="major", reason="redacted", detail=detail, meta=cleaned
        )


def _meta_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _meta_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _meta_strings(v)]
    return []


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

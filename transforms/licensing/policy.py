"""Licence policies: which SPDX expressions a job may train on, per intended use.

An expression is evaluated leaf by leaf and combined the SPDX way: ``A OR B`` passes if either
branch passes, ``A AND B`` needs both, ``L WITH E`` passes if that exact pair is allowed, or if
``L`` passes and the exception ``E`` is not denied. Each leaf has three outcomes: ``pass``,
``fail``, ``review`` (an unknown or ``LicenseRef-*`` id the policy does not name). ``OR`` takes
the best branch (pass > review > fail), ``AND`` the worst.

Deprecated ids are read as their current id (``GPL-2.0`` → ``GPL-2.0-only``) and noted.
Families are named sets of ids derived from the ScanCode LicenseDB categories that ship with
``license-expression`` (see :data:`FAMILY_OF_CATEGORY`), plus Creative Commons variant families.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    get_license_index,
)
from license_expression import get_spdx_licensing as _build_spdx_licensing

from transforms.licensing.identify import ALL_RIGHTS_RESERVED

PASS, REVIEW, FAIL = "pass", "review", "fail"
_ORDER = {FAIL: 0, REVIEW: 1, PASS: 2}

FAMILY_OF_CATEGORY = {
    "Public Domain": "public_domain",
    "Permissive": "permissive",
    "Copyleft Limited": "weak_copyleft",
    "Copyleft": "copyleft",
    "Source-available": "source_available",
    "Proprietary Free": "proprietary",
    "Commercial": "proprietary",
    "Free Restricted": "free_restricted",
    "Patent License": "other",
    "CLA": "other",
    "Unstated License": "other",
}
"""ScanCode LicenseDB category → policy family."""

RESTRICTIVENESS = {
    "public_domain": 0,
    "permissive": 1,
    "weak_copyleft": 2,
    "copyleft": 3,
    "free_restricted": 4,
    "source_available": 4,
    "non_commercial": 4,
    "no_derivatives": 4,
    "proprietary": 4,
    "other": 4,
    "unknown": 4,
    "reserved": 5,
}
"""How much a licence restricts reuse; a record-level finding ranked above the declared licence is stricter."""

# Ids written as "<licence>-with-<x>-exception" before SPDX had WITH; read as the WITH expression.
_DEPRECATED_WITH = {
    "GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
    "GPL-2.0-with-autoconf-exception": "GPL-2.0-only WITH Autoconf-exception-2.0",
    "GPL-2.0-with-bison-exception": "GPL-2.0-only WITH Bison-exception-2.2",
    "GPL-2.0-with-font-exception": "GPL-2.0-only WITH Font-exception-2.0",
    "GPL-2.0-with-GCC-exception": "GPL-2.0-only WITH GCC-exception-2.0",
    "GPL-3.0-with-autoconf-exception": "GPL-3.0-only WITH Autoconf-exception-3.0",
    "GPL-3.0-with-GCC-exception": "GPL-3.0-only WITH GCC-exception-3.1",
}
_TOKEN = re.compile(r"[A-Za-z0-9.+\-:]+")


@lru_cache(maxsize=1)
def get_spdx_licensing():
    """The SPDX licensing object, built once per process (building it takes ~0.1 s)."""
    return _build_spdx_licensing()


@lru_cache(maxsize=1)
def _categories() -> dict[str, str]:
    out = {}
    for entry in get_license_index():
        for key in [entry.get("spdx_license_key"), *entry.get("other_spdx_license_keys", [])]:
            if key:
                out.setdefault(key, entry.get("category", ""))
    return out


def families(license_id: str) -> set[str]:
    """The named families an id belongs to (``permissive``, ``copyleft``, ``non_commercial``, …)."""
    if license_id == ALL_RIGHTS_RESERVED:
        return {"reserved"}
    out = set()
    category = _categories().get(license_id)
    out.add(FAMILY_OF_CATEGORY.get(category, "unknown") if category else "unknown")
    upper = license_id.upper()
    if upper.startswith("CC-") or upper.startswith("CC0"):
        out.add("creative_commons")
        if "-NC" in upper:
            out.add("non_commercial")
        if "-ND" in upper:
            out.add("no_derivatives")
    return out


def restrictiveness(license_id: str) -> int:
    return max(RESTRICTIVENESS[f] for f in families(license_id) if f in RESTRICTIVENESS)


class LicensePolicy:
    """Allowed and denied licences (ids, globs like ``*-NC-*``, or family names) for one intended use."""

    def __init__(self, name: str, allow: list[str], deny: list[str], unknown: str):
        self.name = name
        self.allow = list(allow)
        self.deny = list(deny)
        self.unknown = unknown

    @staticmethod
    def _matches(license_id: str, patterns: list[str]) -> str | None:
        fams = families(license_id)
        for pattern in patterns:
            if pattern in fams or fnmatch.fnmatchcase(license_id.upper(), pattern.upper()):
                return pattern
        return None

    def leaf(self, license_id: str, known: bool) -> tuple[str, str]:
        """(outcome, why) for one licence id."""
        denied = self._matches(license_id, self.deny)
        if denied:
            return FAIL, f"denied by {denied!r}"
        allowed = self._matches(license_id, self.allow)
        if allowed:
            return PASS, f"allowed by {allowed!r}"
        if not known or license_id.startswith("LicenseRef-"):
            return REVIEW, "unknown licence id"
        if self.allow:
            return FAIL, "not in the allow list"
        return PASS, "not denied"


@dataclass
class Verdict:
    """The outcome of one expression under one policy."""

    expression: str
    outcome: str  # pass | review | fail
    failing_branch: str | None = None  # the leaf or branch that decided a fail/review, with why
    deprecated: list[str] = field(default_factory=list)  # "GPL-2.0 → GPL-2.0-only"
    unknown: list[str] = field(default_factory=list)
    leaves: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    def as_detail(self) -> dict:
        detail = {"license": self.expression, "outcome": self.outcome}
        if self.failing_branch:
            detail["failing_branch"] = self.failing_branch
        if self.deprecated:
            detail["deprecated"] = self.deprecated
        if self.unknown:
            detail["unknown_ids"] = self.unknown
        return detail


def _modernise(expression: str) -> tuple[str, list[str]]:
    """Replace deprecated ids by their current form; return the notes."""
    licensing = get_spdx_licensing()
    notes: list[str] = []

    def swap(m: re.Match) -> str:
        token = m.group(0)
        if token.upper() in ("AND", "OR", "WITH"):
            return token
        if token in _DEPRECATED_WITH:
            notes.append(f"{token} → {_DEPRECATED_WITH[token]}")
            return f"({_DEPRECATED_WITH[token]})"
        if token.startswith("LicenseRef-") or token in licensing.known_symbols:
            return token
        try:
            symbol = licensing.parse(token, validate=False)
        except ExpressionError:
            return token
        key = getattr(symbol, "key", token)
        if key != token and key in licensing.known_symbols:
            notes.append(f"{token} → {key} (deprecated id)")
            return key
        return token

    return _TOKEN.sub(swap, expression), notes


@lru_cache(maxsize=4096)
def _parse(expression: str):
    modern, notes = _modernise(expression)
    return get_spdx_licensing().parse(modern, validate=False, strict=True), tuple(notes)


def evaluate(expression: str, policy: LicensePolicy) -> Verdict:
    """Evaluate an SPDX expression under ``policy``; an unparsable expression fails."""
    try:
        parsed, notes = _parse(expression)
    except ExpressionError as exc:
        return Verdict(expression, FAIL, failing_branch=f"not a valid SPDX expression ({exc})")
    if parsed is None:
        return Verdict(expression, REVIEW, failing_branch="empty licence expression")
    known = get_spdx_licensing().known_symbols
    verdict = Verdict(expression, PASS, deprecated=list(notes))

    def leaf(symbol: LicenseSymbol) -> tuple[str, str]:
        key = symbol.key
        verdict.leaves.append(key)
        is_known = key in known and not symbol.is_exception
        if not is_known and key not in verdict.unknown and key != ALL_RIGHTS_RESERVED:
            verdict.unknown.append(key)
        outcome, why = policy.leaf(key, is_known)
        return outcome, f"{key}: {why}"

    def walk(node) -> tuple[str, str]:
        if isinstance(node, LicenseWithExceptionSymbol):
            pair = f"{node.license_symbol.key} WITH {node.exception_symbol.key}"
            verdict.leaves.append(pair)
            if LicensePolicy._matches(pair, policy.deny):
                return FAIL, f"{pair}: denied"
            if LicensePolicy._matches(pair, policy.allow):
                return PASS, f"{pair}: allowed"
            exception = node.exception_symbol.key
            if LicensePolicy._matches(exception, policy.deny):
                return FAIL, f"{pair}: exception {exception} denied"
            outcome, why = walk(node.license_symbol)
            return outcome, f"{pair} ({why})"
        if isinstance(node, LicenseSymbol):
            return leaf(node)
        results = [walk(arg) for arg in node.args]
        if isinstance(node, OR):
            best = max(results, key=lambda r: _ORDER[r[0]])
            failing = [why for outcome, why in results if outcome == best[0]]
            return best[0], " OR ".join(failing) if best[0] != PASS else best[1]
        if isinstance(node, AND):
            worst = min(results, key=lambda r: _ORDER[r[0]])
            return worst
        raise ValueError(f"unexpected node {node!r}")

    outcome, why = walk(parsed)
    verdict.outcome = outcome
    if outcome != PASS:
        verdict.failing_branch = why
    return verdict


def expression_rank(expression: str) -> int:
    """Restrictiveness of an expression: the least restrictive ``OR`` branch, the most restrictive ``AND`` part."""
    try:
        parsed, _ = _parse(expression)
    except ExpressionError:
        return RESTRICTIVENESS["unknown"]

    def walk(node) -> int:
        if isinstance(node, LicenseWithExceptionSymbol):
            return walk(node.license_symbol)
        if isinstance(node, LicenseSymbol):
            return restrictiveness(node.key)
        ranks = [walk(arg) for arg in node.args]
        return min(ranks) if isinstance(node, OR) else max(ranks)

    return walk(parsed) if parsed is not None else RESTRICTIVENESS["unknown"]

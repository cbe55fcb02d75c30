"""Source legality and licensing (TC260 framework 4.1.2(b)(e), 6.1.4, 6.1.7; TC260-003 source evidence).

Per record, in order:
1. **Source use** — a source whose ``allowed_uses`` is declared must list the job's ``intended_use``
   (reason ``source_use_not_allowed``).
2. **Source licence** — the record's licence (the source's declared SPDX expression) is evaluated
   under the policy for the job's intended use (:mod:`transforms.licensing.policy`). A failing
   expression rejects every record of the source (``source_licence_denied``, detail names the
   licence, the policy and the failing branch). Unknown / ``LicenseRef-*`` ids follow the policy's
   ``unknown`` action: ``reject`` (``source_licence_denied``), ``quarantine`` (reject with
   ``licence_review`` so a person reviews the source) or ``tag`` (keep, tagged ``licence_review``).
3. **URL** — records with ``meta["url"]`` are checked against ``url_block`` / ``url_allow`` globs
   (``url_blocked`` / ``url_not_allowed``). A pattern without ``/`` matches the host
   (``*.example.com``), one with ``/`` matches ``host/path`` (``example.com/members/*``).
4. **In-document evidence** — SPDX tags, licence texts, Creative Commons mentions and rights
   reservations found in the text (:mod:`transforms.licensing.identify`). A finding that fails the policy,
   or is more restrictive than the declared licence, rejects the record (``licence_conflict``,
   detail: declared, found, evidence kind). Rights reservations only count against sources whose
   basis is an open licence or the public domain: a contract, consent or own data covers them.
   Compatible findings are kept and recorded as ``annotate`` entries in lineage.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, Stage, StageConfig, count
from transforms.licensing.identify import ALL_RIGHTS_RESERVED, MODIFIED_PREFIX, Finding, MatchSettings, find_licenses, load_index
from transforms.licensing.policy import (
    FAIL,
    PASS,
    RESTRICTIVENESS,
    REVIEW,
    LicensePolicy,
    Verdict,
    evaluate,
    expression_rank,
    get_spdx_licensing,
)

STAGE = "licensing"
CLAUSE_SOURCE = "6.1.4"  # data sources must be clear and compliant
CLAUSE_IP = "4.1.2(e)"  # protect intellectual property in training-data selection
OPEN_BASES = ("licence", "public_domain")
_FAMILIES = set(RESTRICTIVENESS) | {"creative_commons"}


class PolicyConfig(BaseModel):
    """One intended use: allowed and denied licences (ids, globs, family names) and the unknown-id action."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    allow: list[str] = []  # empty: everything not denied (known ids only)
    deny: list[str] = []
    unknown: Literal["reject", "quarantine", "tag"] = "quarantine"

    @field_validator("allow", "deny")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if p.islower() and "*" not in p and p not in _FAMILIES:
                raise ValueError(
                    f"{p!r} is not a licence family (known: {', '.join(sorted(_FAMILIES))}); "
                    "SPDX ids are written in SPDX case, e.g. MIT, CC-BY-NC-4.0"
                )
        return patterns


DEFAULT_POLICIES = {
    "commercial_training": PolicyConfig(
        deny=["non_commercial", "no_derivatives", "*-NC-*", "*-ND-*", "CC-BY-NC*", "proprietary", "source_available", "reserved"],
    ),
    "research_only": PolicyConfig(deny=["proprietary", "reserved"]),
}


@register_stage(STAGE)
class LicensingConfig(StageConfig):
    stage: Literal["licensing"] = "licensing"
    intended_use: str = "commercial_training"
    policies: dict[str, PolicyConfig] = DEFAULT_POLICIES
    url_allow: list[str] = []  # when set, records with a URL must match one
    url_block: list[str] = []
    detect_in_text: bool = True
    reject_stricter: bool = True  # reject findings more restrictive than the declared licence even if the policy allows them
    text_match_min_score: float = MatchSettings.min_score
    text_match_min_coverage: float = MatchSettings.min_coverage
    # a licence text with at least this many consecutive words added or changed inside it is a modified licence:
    # report: found as LicenseRef-modified-<base>, handled like an unknown licence (the policy's `unknown`);
    # base: found as the base licence, with `modified: true` in the evidence
    modified_licences: Literal["report", "base"] = "report"
    text_match_min_modified_words: int = MatchSettings.min_modified_words

    @model_validator(mode="after")
    def _known_use(self) -> "LicensingConfig":
        if self.intended_use not in self.policies:
            raise ValueError(f"intended_use: no policy named {self.intended_use!r} (have: {', '.join(self.policies)})")
        return self

    def policy(self) -> LicensePolicy:
        p = self.policies[self.intended_use]
        return LicensePolicy(self.intended_use, p.allow, p.deny, p.unknown)

    def create(self) -> Stage:
        return LicensingStage(self)


def url_verdict(url: str | None, allow: list[str], block: list[str]) -> tuple[str, str] | None:
    """(reason, matching pattern) when ``url`` is blocked or not allowed; None when it passes."""
    if not url:
        return None
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").lower()
    host_path = f"{host}{parts.path or '/'}"

    def hit(patterns: list[str]) -> str | None:
        for p in patterns:
            target = host_path if "/" in p else host
            if fnmatch.fnmatchcase(target, p.lower()):
                return p
        return None

    blocked = hit(block)
    if blocked:
        return "url_blocked", blocked
    if allow and not hit(allow):
        return "url_not_allowed", ""
    return None


class LicensingControl(Control):
    """Source licence and use against the job's policy, URL lists, and licence evidence inside documents."""

    stage = STAGE

    def __init__(self, config: LicensingConfig, sources: dict[str, dict]):
        self.config = config
        self.sources = sources  # name → {"license", "basis", "allowed_uses"}: plain values, picklable
        self.index = None

    def setup(self) -> None:
        get_spdx_licensing()  # parses the SPDX licence index once per process (~0.3 s), not inside the first batch
        if self.config.detect_in_text:
            self.index = load_index()

    def source_decision(self, source: str, declared: str) -> Decision | None:
        info = self.sources.get(source, {})
        policy = self.config.policy()
        uses = info.get("allowed_uses") or []
        if uses and self.config.intended_use not in uses:
            return Decision.reject(
                rule="source_allowed_uses", clause=CLAUSE_SOURCE, risk_level="considerable", category="licensing",
                reason="source_use_not_allowed",
                detail={"intended_use": self.config.intended_use, "allowed_uses": uses},
            )  # fmt: skip
        verdict = evaluate(declared, policy)
        detail = {**verdict.as_detail(), "policy": policy.name}
        if verdict.outcome == FAIL or (verdict.outcome == REVIEW and policy.unknown == "reject"):
            return Decision.reject(
                rule="source_licence_policy", clause=CLAUSE_SOURCE, risk_level="considerable", category="licensing",
                reason="source_licence_denied", detail=detail,
            )  # fmt: skip
        if verdict.outcome == REVIEW and policy.unknown == "quarantine":
            return Decision.reject(
                rule="source_licence_policy", clause=CLAUSE_SOURCE, risk_level="moderate", category="licensing",
                reason="licence_review", detail=detail,
            )  # fmt: skip
        if verdict.outcome == REVIEW:
            return Decision("annotate", rule="source_licence_policy", clause=CLAUSE_SOURCE, reason="licence_review",
                            detail=detail, tags=("licence_review",))  # fmt: skip
        return None

    def finding_decision(self, declared: str, basis: str, findings: list[Finding]) -> Decision:
        policy = self.config.policy()
        declared_rank = expression_rank(declared)
        compatible = []
        for finding in findings:
            if finding.license == ALL_RIGHTS_RESERVED and basis not in OPEN_BASES:
                compatible.append({**finding.as_detail(), "note": f"covered by basis {basis}"})
                continue
            if finding.license.startswith(MODIFIED_PREFIX):  # terms nobody reviewed: the policy's unknown action
                detail = {"declared": declared, "found": finding.license, "kind": finding.kind, "policy": policy.name,
                          **{k: v for k, v in finding.evidence.items() if k != "license"}}  # fmt: skip
                if policy.unknown == "reject":
                    return Decision.reject(rule="record_licence_evidence", clause=CLAUSE_IP, risk_level="considerable",
                                           category="licensing", reason="licence_conflict",
                                           detail={**detail, "why": "modified licence text"})  # fmt: skip
                if policy.unknown == "quarantine":
                    return Decision.reject(rule="record_licence_evidence", clause=CLAUSE_IP, risk_level="moderate",
                                           category="licensing", reason="licence_review", detail=detail)  # fmt: skip
                compatible.append({**finding.as_detail(), "outcome": REVIEW})
                continue
            # A text match may stand for several ids it cannot tell apart: the strictest reading counts.
            candidates = finding.evidence.get("group") or [finding.license]
            verdicts = [evaluate(c, policy) for c in candidates]
            failing = next((v for v in verdicts if v.outcome == FAIL), None)
            found_rank = max(expression_rank(c) for c in candidates)
            stricter = self.config.reject_stricter and found_rank > declared_rank
            if failing or stricter:
                return Decision.reject(
                    rule="record_licence_evidence", clause=CLAUSE_IP, risk_level="considerable", category="licensing",
                    reason="licence_conflict",
                    detail={"declared": declared, "found": finding.license, "kind": finding.kind, "policy": policy.name,
                            "why": failing.failing_branch if failing else "more restrictive than the declared licence",
                            **{k: v for k, v in finding.evidence.items() if k != "license"}},
                )  # fmt: skip
            compatible.append({**finding.as_detail(), "outcome": PASS})
        review = any(c.get("outcome") == REVIEW for c in compatible)
        return Decision("annotate", rule="record_licence_evidence", clause=CLAUSE_IP, reason="licence_evidence",
                        detail={"declared": declared, "findings": compatible},
                        tags=("licence_evidence", "licence_review") if review else ("licence_evidence",))  # fmt: skip

    def decide(self, batch):
        decisions = []
        per_source: Counter = Counter()
        settings = MatchSettings(
            self.config.text_match_min_score, self.config.text_match_min_coverage,
            min_modified_words=self.config.text_match_min_modified_words, modified=self.config.modified_licences,
        )  # fmt: skip
        source_cache: dict[tuple[str, str], Decision | None] = {}
        for i in range(len(batch)):
            source = batch.source[i]
            info = self.sources.get(source, {})
            declared = batch.license[i] or info.get("license") or ""
            key = (source, declared)
            if key not in source_cache:
                source_cache[key] = self.source_decision(source, declared)
            decision = source_cache[key]
            if decision is None or decision.action != "reject":
                blocked = url_verdict((batch.meta[i] or {}).get("url"), self.config.url_allow, self.config.url_block)
                if blocked:
                    decision = Decision.reject(
                        rule="source_url_lists", clause=CLAUSE_SOURCE, risk_level="moderate", category="licensing",
                        reason=blocked[0], detail={"pattern": blocked[1]} if blocked[1] else {"url_allow": self.config.url_allow},
                    )  # fmt: skip
            if (decision is None or decision.action != "reject") and self.config.detect_in_text:
                findings = find_licenses(batch.text[i] or "", self.index, settings)
                if findings:
                    found = self.finding_decision(declared, info.get("basis", "licence"), findings)
                    if found.action == "reject" or decision is None:
                        decision = found
                    for f in findings:
                        per_source[f"evidence:{f.kind}"] += 1
            decision = decision or KEEP
            decisions.append(decision)
            outcome = f"rejected:{decision.reason}" if decision.action == "reject" else "kept"
            per_source[f"source:{source}:{outcome}"] += 1
        for name, n in per_source.items():
            count(STAGE, name, n)
        return decisions


class LicensingStage(Stage):
    """Licensing: source licence and allowed uses against the policy, URL lists, in-document licence evidence."""

    name = STAGE

    def __init__(self, config: LicensingConfig):
        self.config = config

    def sources(self, ctx) -> dict[str, dict]:
        return {
            s.name: {"license": s.license, "basis": s.basis, "allowed_uses": list(s.allowed_uses)}
            for s in ctx.config.sources
        }

    def expand(self, batches, ctx):
        return ControlStage(LicensingControl(self.config, self.sources(ctx))).expand(batches, ctx)

    def report(self, ctx, counters):
        policy = self.config.policy()
        sources = {}
        for s in ctx.config.sources:
            verdict: Verdict = evaluate(s.license, policy)
            uses_ok = not s.allowed_uses or self.config.intended_use in s.allowed_uses
            prefix = f"{STAGE}:source:{s.name}:"
            rejected = {
                name.removeprefix(prefix + "rejected:"): n
                for name, n in counters.items()
                if name.startswith(prefix + "rejected:")
            }
            sources[s.name] = {
                "license": s.license,
                "basis": s.basis,
                "evidence": s.evidence,
                "owner": s.owner,
                "allowed_uses": list(s.allowed_uses),
                "verdict": verdict.outcome if uses_ok else FAIL,
                "verdict_detail": verdict.as_detail() if uses_ok else {"use_not_allowed": self.config.intended_use},
                "kept": counters.get(prefix + "kept", 0),
                "rejected": rejected,
            }
        evidence = {
            name.removeprefix(f"{STAGE}:evidence:"): n for name, n in counters.items() if name.startswith(f"{STAGE}:evidence:")
        }
        return {
            "intended_use": self.config.intended_use,
            "policy": self.config.policies[self.config.intended_use].model_dump(),
            "sources": sources,
            "evidence_found": evidence,
        }

"""Per-record decisions of the reuse stage, from the corpus-wide tables (plain Python, no Beam)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from transforms.core.records import Batch
from transforms.core.stage import KEEP, Control, Decision
from transforms.core.hashing import doc_key, sorted_lookup
from transforms.reuse.resolve import ContainmentTable, RemovalTable, ReuseParams, removed_lines

STAGE = "reuse"
CLAUSE_PARAGRAPHS = "4.1.2(b)"  # repeated and boilerplate text lowers data quality
CLAUSE_CONTAINMENT = "4.1.2(e)"  # a partial copy of another work: intellectual property
RULE_PARAGRAPHS = "reuse.paragraphs"
RULE_CONTAINMENT = "reuse.containment"
PARTIAL_COPY = "partial_copy"
TOO_SHORT = "too_short_after_paragraph_dedup"
REPEATED = "repeated_paragraphs_removed"
_DETAIL_LINES = 20  # removed lines listed in lineage detail (the count is always complete)


def letters(text: str) -> int:
    """Letters, digits and CJK characters: what ``min_chars_after`` counts."""
    return sum(1 for ch in text if ch.isalnum())


def remove_lines(text: str, lines: Sequence[int]) -> str:
    """``text`` without the given line numbers (of ``text.split("\\n")``)."""
    drop = set(lines)
    return "\n".join(line for k, line in enumerate(text.split("\n")) if k not in drop)


class ReuseControl(Control):
    """Partial copies (containment) and repeated paragraphs, looked up per record in the corpus-wide tables."""

    stage = STAGE

    def __init__(self, view: tuple[RemovalTable, ContainmentTable], params: ReuseParams):
        self.removal, self.containment = view
        self.params = params

    def decide(self, batch: Batch) -> list[Decision]:
        keys = np.fromiter((doc_key(i) for i in batch.id), dtype=np.uint64, count=len(batch))
        out: list[Decision] = [KEEP] * len(batch)
        copied, found = sorted_lookup(self.containment.keys, keys)
        paragraphs = np.zeros(len(batch), dtype=bool)
        if len(self.removal):
            _, paragraphs = sorted_lookup(np.unique(self.removal.keys), keys)
        for i in np.flatnonzero(found | paragraphs).tolist():
            if found[i]:
                out[i] = self.partial_copy(int(copied[i]))
                if out[i].action == "reject":
                    continue
            if paragraphs[i]:
                decision = self.paragraph_decision(batch.text[i] or "", int(keys[i]))
                if out[i] is KEEP or decision.action == "reject":
                    out[i] = decision
                else:  # tagged partial copy with repeated lines too: both in one modify entry
                    out[i] = Decision("modify", rule=decision.rule, clause=decision.clause, reason=decision.reason,
                                      detail={**decision.detail, PARTIAL_COPY: dict(out[i].detail)}, text=decision.text,
                                      tags=out[i].tags)  # fmt: skip
        return out

    def partial_copy(self, row: int) -> Decision:
        t = self.containment
        detail = {"matched_id": t.matched_ids[row], "own_share": round(float(t.own[row]), 4),
                  "taken_share": round(float(t.taken[row]), 4), "common_shingles": int(t.common[row]),
                  "threshold": self.params.threshold}  # fmt: skip
        if self.params.action == "reject":
            return Decision.reject(rule=RULE_CONTAINMENT, clause=CLAUSE_CONTAINMENT, risk_level="moderate",
                                   category="duplicate", reason=PARTIAL_COPY, detail=detail)  # fmt: skip
        return Decision("annotate", rule=RULE_CONTAINMENT, clause=CLAUSE_CONTAINMENT, risk_level="moderate",
                        reason=PARTIAL_COPY, detail=detail, tags=(PARTIAL_COPY,))  # fmt: skip

    def paragraph_decision(self, text: str, key: int) -> Decision:
        removed = removed_lines(self.removal, key)
        lines = text.split("\n")
        removed = {k: v for k, v in removed.items() if k < len(lines)}
        kept = remove_lines(text, list(removed))
        listed = [
            {"line": k, "first_key": f"{first:016x}" if first else None, "docs": n}
            for k, (first, n) in sorted(removed.items())[:_DETAIL_LINES]
        ]
        detail = {"removed_lines": len(removed), "lines": len(lines), "removed_chars": len(text) - len(kept),
                  "boilerplate": sum(1 for first, _ in removed.values() if not first), "removed": listed}  # fmt: skip
        left = letters(kept)
        if left < self.params.min_chars_after:
            return Decision.reject(rule=RULE_PARAGRAPHS, clause=CLAUSE_PARAGRAPHS, risk_level="low", category="duplicate",
                                   reason=TOO_SHORT, detail={**detail, "chars_left": left,
                                                             "min_chars_after": self.params.min_chars_after})  # fmt: skip
        return Decision("modify", rule=RULE_PARAGRAPHS, clause=CLAUSE_PARAGRAPHS, risk_level="low", reason=REPEATED,
                        detail=detail, text=kept)  # fmt: skip


def make_control(params: ReuseParams):
    """``make_control(view)`` for :class:`transforms.core.stage.DecideWithView` (picklable)."""
    return _MakeControl(params)


class _MakeControl:
    def __init__(self, params: ReuseParams):
        self.params = params

    def __call__(self, view) -> ReuseControl:
        return ReuseControl(view, self.params)

"""Answer "where did this record come from and what happened to it?" for one record id.

Looks in the current dataset version (kept records carry their lineage) and in the rejects table
(each reject carries the lineage up to and including the decision that removed it). Only Delta and
Arrow are imported, so the answer comes back in well under two seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.outdir import runs_with_rejects
from pipelines.publish import dataset_dir, find_rows, open_table, rejects_dir

IDENTITY = ("source", "source_uri", "locator", "license", "content_sha256")


def _decisions(lineage: list[dict] | None) -> list[dict[str, Any]]:
    return [{**entry, "detail": json.loads(entry["detail"] or "{}")} for entry in (lineage or [])]


def trace(out_dir: Path, record_id: str) -> dict[str, Any] | None:
    """The record's identity and every outcome recorded for it (newest first); None if unknown."""
    outcomes = []
    identity: dict[str, Any] = {}
    dataset = open_table(dataset_dir(out_dir))
    if dataset is not None:
        kept = find_rows(dataset_dir(out_dir), "id", record_id, columns=["id", *IDENTITY, "lang", "tags", "lineage"])
        if kept.num_rows:
            row = kept.to_pylist()[0]
            identity = {k: row[k] for k in IDENTITY}
            history = dataset.history(1)[0]
            outcomes.append(
                {
                    "outcome": "published",
                    "dataset_version": dataset.version(),
                    "run_id": history.get("datasteward.run_id"),
                    "tags": row["tags"],
                    "decisions": _decisions(row["lineage"]),
                }
            )
    rejected = find_rows(rejects_dir(out_dir), "id", record_id)
    if rejected is not None and rejected.num_rows:
        settled = runs_with_rejects(out_dir)  # a killed run's rejects are not part of the record
        for row in sorted(rejected.to_pylist(), key=lambda r: r["run_id"], reverse=True):
            if row["run_id"] not in settled:
                continue
            identity = identity or {k: row[k] for k in IDENTITY}
            outcomes.append(
                {
                    "outcome": "rejected",
                    "run_id": row["run_id"],
                    "stage": row["stage"],
                    "rule": row["rule"],
                    "clause": row["clause"],
                    "risk_level": row["risk_level"],
                    "category": row["category"],
                    "reason": row["reason"],
                    "detail": json.loads(row["detail"] or "{}"),
                    "decisions": _decisions(row["lineage"]),
                }
            )
    if not outcomes:
        return None
    return {"id": record_id, **identity, "outcomes": outcomes}

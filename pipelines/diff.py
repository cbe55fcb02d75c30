"""What changed between two dataset versions: rows added, removed and changed, by source and by reason.

Rows are matched by id (ids are stable across runs). A row is *changed* when its id is in both versions
but its ``content_sha256`` (the text as ingested) or its published text differs (a control modified it).
A removed row that the later version's run rejected carries that reject's ``stage/reason``; one the run
never saw is reported as ``not in the run's input``. Used by ``steward diff`` and by the run report.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.publish import dataset_dir, open_table, rejects_dir, versions
from transforms.core.storage import stream_batches

NOT_IN_INPUT = "not in the run's input"
_ROWS_SCHEMA = pa.schema(
    [("id", pa.string()), ("source", pa.string()), ("content_sha256", pa.string()), ("text_digest", pa.binary(8))]
)


def _version_rows(out_dir: Path, version: int) -> pa.Table:
    """id, source, content hash and an 8-byte digest of the published text of every row: the
    texts themselves are read batch by batch and never held for the whole version."""
    table = open_table(dataset_dir(out_dir), version=version)
    if table is None:
        raise FileNotFoundError(f"no dataset under {dataset_dir(out_dir)}")
    parts = []
    for batch in stream_batches(table.to_pyarrow_dataset(), ["id", "source", "content_sha256", "text"], 8192):
        digests = [hashlib.blake2b(t.encode(), digest_size=8).digest() for t in batch.column("text").to_pylist()]
        columns = [batch.column(c) for c in ("id", "source", "content_sha256")] + [pa.array(digests, pa.binary(8))]
        parts.append(pa.Table.from_arrays(columns, schema=_ROWS_SCHEMA))
    return pa.concat_tables(parts) if parts else _ROWS_SCHEMA.empty_table()


def _reject_reasons(out_dir: Path, run_id: str | None, ids: pa.Array) -> dict[str, str]:
    """id -> "stage/reason" for the ids that run ``run_id`` rejected."""
    table = open_table(rejects_dir(out_dir))
    if table is None or run_id is None or len(ids) == 0:
        return {}
    found = table.to_pyarrow_dataset().to_table(
        columns=["id", "stage", "reason"], filter=(pc.field("run_id") == run_id) & pc.field("id").isin(ids)
    )
    return {i: f"{s}/{r}" for i, s, r in zip(*(found.column(c).to_pylist() for c in ("id", "stage", "reason")))}


def diff_versions(out_dir: Path, old: int, new: int) -> dict[str, Any]:
    """Rows added/removed/changed from version ``old`` to version ``new``, per source, with removal reasons."""
    known = {v["version"]: v for v in versions(out_dir)}
    for v in (old, new):
        if v not in known:
            raise ValueError(f"version {v} does not exist (versions: {', '.join(map(str, sorted(known))) or 'none'})")
    before, after = _version_rows(out_dir, old), _version_rows(out_dir, new)
    added = after.filter(pc.invert(pc.is_in(after.column("id"), before.column("id"))))
    removed = before.filter(pc.invert(pc.is_in(before.column("id"), after.column("id"))))
    both = before.join(after, "id", join_type="inner", left_suffix="_old", right_suffix="_new")
    content_changed = pc.not_equal(both.column("content_sha256_old"), both.column("content_sha256_new"))
    text_changed = pc.not_equal(both.column("text_digest_old"), both.column("text_digest_new"))
    changed = both.filter(pc.or_(content_changed, text_changed))

    run_id = known[new]["run_id"]
    reasons = _reject_reasons(out_dir, run_id, removed.column("id"))
    by_source: dict[str, Counter] = defaultdict(Counter)
    for name, table in (("added", added), ("removed", removed)):
        for source in table.column("source").to_pylist():
            by_source[source][name] += 1
    for source in changed.column("source_new").to_pylist():
        by_source[source]["changed"] += 1
    for source in both.column("source_new").to_pylist():
        by_source[source]["in_both"] += 1
    removed_by_reason = Counter(
        (source, reasons.get(record_id, NOT_IN_INPUT))
        for record_id, source in zip(removed.column("id").to_pylist(), removed.column("source").to_pylist())
    )
    sources = sorted(by_source)
    return {
        "old": {"version": old, "run_id": known[old]["run_id"], "rows": before.num_rows},
        "new": {"version": new, "run_id": run_id, "rows": after.num_rows},
        "totals": {
            "added": added.num_rows,
            "removed": removed.num_rows,
            "changed": changed.num_rows,
            "unchanged": both.num_rows - changed.num_rows,
            "content_changed": int(pc.sum(content_changed).as_py() or 0),
            "text_changed": int(pc.sum(text_changed).as_py() or 0),
        },
        "by_source": {
            s: {k: by_source[s][k] for k in ("added", "removed", "changed")} | {"unchanged": by_source[s]["in_both"] - by_source[s]["changed"]}
            for s in sources
        },
        "removed_by_reason": [
            {"source": s, "reason": r, "rows": n} for (s, r), n in sorted(removed_by_reason.items(), key=lambda kv: (kv[0][0], -kv[1]))
        ],
    }

"""Versioned outputs on Delta Lake: the published dataset, the rejects table, versions and rollback.

A run stages its kept records and rejects as Parquet under ``OUT_DIR/_staging/<run_id>/`` and
commits the dataset only after the gate passed: Delta's atomic log commit means a crash or kill
before that point leaves no new version visible.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pyarrow.fs as pafs
from deltalake import CommitProperties, DeltaTable, Schema
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction, create_table_with_add_actions

from pipelines.delta_stats import file_stats
from transforms.core import storage


META_PREFIX = "datasteward."


def dataset_dir(out_dir: str | Path) -> str:
    return storage.join(out_dir, "dataset")


def rejects_dir(out_dir: str | Path) -> str:
    return storage.join(out_dir, "rejects")


def staged(files: list[str], schema: pa.Schema) -> ds.Dataset:
    """A dataset over staged Parquet files: the committed list of a run (``RunContext.committed_files``)."""
    return storage.dataset(sorted(files), schema=schema)


def _metadata(values: dict[str, Any]) -> CommitProperties:
    return CommitProperties(custom_metadata={META_PREFIX + k: _plain(v) for k, v in values.items()})


def _plain(value: Any) -> str | int | float | bool:
    return value if isinstance(value, (str, int, float, bool)) else json.dumps(value, sort_keys=True)


def open_table(path: str | Path, version: int | None = None) -> DeltaTable | None:
    try:
        return DeltaTable(storage.table_uri(path), version=version)
    except TableNotFoundError:
        return None


class PendingCommit:
    """Staged Parquet files linked into a Delta table's directory and hashed, not yet committed:
    invisible to readers until :meth:`commit` writes the log entry; :meth:`discard` removes them.

    The files are not rewritten: committing costs a hard link (a server-side copy on an object
    store) and a log entry per file, however many records they hold (rewriting 1M records took
    ≈ 90 s of the run, on one core). Staging lives under OUT_DIR, so the link is on the same file
    system (else the file is copied). Each file's sha256 is taken here, on the one read the commit
    needs anyway, for the run manifest.
    """

    def __init__(self, table_dir: str, staged_files: ds.FileSystemDataset):
        self.table_dir = str(table_dir)
        self.schema = staged_files.schema
        self.actions: list[AddAction] = []
        self.files: list[dict[str, Any]] = []  # path (relative to the table), size, sha256, rows
        storage.makedirs(self.table_dir)
        staged_fs = staged_files.filesystem
        prefix = "" if isinstance(staged_fs, pafs.LocalFileSystem) else staged_fs.type_name + "://"
        try:
            for staged_file in staged_files.files:
                name = f"part-{uuid.uuid4().hex}.parquet"
                path = storage.join(self.table_dir, name)
                storage.link_or_copy(prefix + staged_file, path)
                self.files.append({"path": name})
                size, mtime = storage.info(path)
                with storage.open_input_file(path) as handle:
                    rows = pq.ParquetFile(handle).metadata.num_rows
                    stats = file_stats(handle)  # numRecords + per-column min/max/null counts, from the footer
                self.actions.append(AddAction(name, size, {}, mtime, True, stats))
                self.files[-1].update(size=size, sha256=_sha256(path), rows=rows)
        except BaseException:
            self.discard()
            raise

    @property
    def rows(self) -> int:
        return sum(f["rows"] for f in self.files)

    def commit(self, mode: str, metadata) -> int:
        """Write the log entry (the files become visible); returns the new version.

        ``metadata(previous_table) -> dict`` is asked again on each attempt. A commit that
        conflicts with another writer is retried on the new version (the lock makes that rare);
        if it still fails, the files are removed and nothing is visible."""
        attempt = 1
        while True:
            table = open_table(self.table_dir)
            properties = _metadata(metadata(table))
            try:
                if table is None:
                    create_table_with_add_actions(
                        storage.table_uri(self.table_dir), Schema.from_arrow(self.schema), self.actions, mode="error",
                        commit_properties=properties,
                    )
                else:
                    table.create_write_transaction(self.actions, mode, self.schema, commit_properties=properties)
                return DeltaTable(storage.table_uri(self.table_dir)).version()
            except CommitFailedError:
                if attempt == _COMMIT_ATTEMPTS:
                    self.discard()
                    raise
                attempt += 1
            except BaseException:
                self.discard()
                raise

    def discard(self) -> None:
        for entry in self.files:
            storage.delete(storage.join(self.table_dir, entry["path"]))


_COMMIT_ATTEMPTS = 3


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with storage.open_input(path) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def commit_dataset(
    out_dir: str, kept: ds.FileSystemDataset, mode: str, metadata: dict[str, Any], pending: PendingCommit | None = None
) -> int:
    """Commit the staged kept records as the next dataset version; return its number."""
    pending = pending or PendingCommit(dataset_dir(out_dir), kept)

    def commit_metadata(previous: DeltaTable | None) -> dict:
        rows = pending.rows + (_rows(previous) if mode == "append" and previous is not None else 0)
        return {**metadata, "rows": rows, "operation": "publish"}

    return pending.commit(mode, commit_metadata)


def append_rejects(out_dir: str, rejects: ds.FileSystemDataset, run_id: str, pending: PendingCommit | None = None) -> int:
    """Append a run's staged rejects (with their run id) to the rejects table; return the row count."""
    n = rejects.count_rows()
    if n:
        pending = pending or PendingCommit(rejects_dir(out_dir), rejects)
        pending.commit("append", lambda _: {"run_id": run_id, "rows": n})
    return n


def remove_rejects(out_dir: str, run_id: str) -> int:
    """Remove a run's rows from the rejects table (a run that ended without settling); returns how many."""
    table = open_table(rejects_dir(out_dir))
    if table is None:
        return 0
    predicate = f"run_id = '{run_id}'"
    found = table.to_pyarrow_dataset().count_rows(filter=pc.field("run_id") == run_id)
    if found:
        table.delete(predicate, commit_properties=_metadata({"run_id": run_id, "operation": "remove_unsettled_rejects"}))
    return found


def _rows(table: DeltaTable) -> int:
    for entry in table.history(1):
        if META_PREFIX + "rows" in entry:
            return int(entry[META_PREFIX + "rows"])
    return table.to_pyarrow_dataset().count_rows()


def versions(out_dir: str | Path) -> list[dict[str, Any]]:
    """Every version of the dataset, oldest first: number, time, run, rows, gate, operation."""
    table = open_table(dataset_dir(out_dir))
    if table is None:
        return []
    rows = []
    for entry in sorted(table.history(), key=lambda e: e["version"]):
        meta = {k.removeprefix(META_PREFIX): v for k, v in entry.items() if k.startswith(META_PREFIX)}
        rows.append(
            {
                "version": entry["version"],
                "timestamp": datetime.fromtimestamp(entry["timestamp"] / 1000, timezone.utc).isoformat(),
                "operation": meta.get("operation", entry.get("operation", "").lower()),
                "run_id": meta.get("run_id"),
                "rows": int(meta["rows"]) if "rows" in meta else None,
                "gate": meta.get("gate"),
                "restored_from": meta.get("restored_from"),
                "by": meta.get("by"),
                "reason": meta.get("reason"),
            }
        )
    return rows


def require_dataset(out_dir: str | Path) -> DeltaTable:
    """The current dataset table; FileNotFoundError naming where it was looked for when there is none."""
    table = open_table(dataset_dir(out_dir))
    if table is None:
        raise FileNotFoundError(f"no dataset under {dataset_dir(out_dir)}")
    return table


def rollback(out_dir: str | Path, to: int, reason: str, by: str | None = None) -> int:
    """Restore the dataset to version ``to`` as a new version; return the new version number."""
    table = require_dataset(out_dir)
    known = {v["version"]: v for v in versions(out_dir)}
    if to not in known:
        raise ValueError(f"version {to} does not exist (versions: {', '.join(map(str, sorted(known)))})")
    if to == table.version():
        raise ValueError(f"version {to} is already the current version")
    target = known[to]
    table.restore(
        to,
        commit_properties=_metadata(
            {
                "operation": "rollback",
                "restored_from": to,
                "run_id": target["run_id"],
                "rows": target["rows"] if target["rows"] is not None else _count_rows(out_dir, to),
                "gate": target["gate"],
                "by": by or os.environ.get("USER") or getpass.getuser(),
                "reason": reason,
            }
        ),
    )
    restored = DeltaTable(storage.table_uri(dataset_dir(out_dir))).version()
    _carry_indexes(out_dir, to, restored)
    return restored


def _carry_indexes(out_dir: str | Path, source_version: int, new_version: int) -> None:
    """A restored version gets the per-stage indexes (``OUT_DIR/index/<stage>/v<N>``) of the one it restores."""
    for stage_index in storage.listdir(storage.join(out_dir, "index"), dirs=True):
        source = storage.join(stage_index, f"v{source_version}")
        if storage.is_dir(source):
            storage.copy_tree(source, storage.join(stage_index, f"v{new_version}"))


def _count_rows(out_dir: str | Path, version: int) -> int:
    return DeltaTable(storage.table_uri(dataset_dir(out_dir)), version=version).to_pyarrow_dataset().count_rows()


def find_rows(table_path: str | Path, column: str, value: str, columns: list[str] | None = None) -> pa.Table | None:
    """Rows of the current version of a Delta table where ``column == value`` (None: no table)."""
    table = open_table(table_path)
    if table is None:
        return None
    return table.to_pyarrow_dataset().to_table(filter=pc.field(column) == value, columns=columns)


"""Signature files: this run's staged signatures and the published cross-version index beside each version.
"""

from __future__ import annotations

import json
import os
import uuid

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.core.stage import RunContext
from transforms.core import storage
from transforms.core.storage import stream_batches
from transforms.core.hashing import doc_key, sorted_lookup
from transforms.dedup.buckets import STAGING_PARQUET
from transforms.dedup.resolve import PUBLISHED_SALT, STAGE, DedupParams, SignatureChunk, signature_chunk

# ---- signature files: this run's (staged) and the published index ---------------------------

INDEX_PARAMS = "params.json"
_INDEX_ROWS = 4096


def signature_schema(num_perm: int) -> pa.Schema:
    return pa.schema(
        [
            ("key", pa.uint64()),  # doc key, unsalted
            ("exact", pa.binary(16)),
            ("signature", pa.binary(num_perm * 4)),
            ("has_shingles", pa.bool_()),
            ("id", pa.string()),
            ("source", pa.string()),
            ("length", pa.int64()),
            ("date", pa.string()),
        ]
    )


def chunk_to_arrow(chunk: SignatureChunk) -> pa.RecordBatch:
    """The columns of this run's ``chunk`` that a later step or run needs, as one Arrow batch."""
    num_perm = chunk.signatures.shape[1]
    return pa.record_batch(
        [
            pa.array(chunk.keys, pa.uint64()),
            _fixed_width(np.ascontiguousarray(chunk.exact), 16),
            _fixed_width(np.ascontiguousarray(chunk.signatures), num_perm * 4),
            pa.array(chunk.has_shingles, pa.bool_()),
            pa.array(chunk.ids, pa.string()),
            pa.array(chunk.sources, pa.string()),
            pa.array(chunk.lengths, pa.int64()),
            pa.array(chunk.dates, pa.string()),
        ],
        schema=signature_schema(num_perm),
    )


def _fixed_width(rows: np.ndarray, width: int) -> pa.Array:
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(rows), [None, pa.py_buffer(rows.tobytes())])


def _fixed_width_rows(column: pa.ChunkedArray, dtype, per_row: int) -> np.ndarray:
    array = column.combine_chunks()
    data = np.frombuffer(array.buffers()[1], dtype=dtype)
    return data[array.offset * per_row : (array.offset + len(array)) * per_row].reshape(len(array), per_row)


def chunk_from_arrow(table: pa.Table, version: int) -> SignatureChunk:
    """A :class:`SignatureChunk` read back; ``version`` >= 0 marks docs of that published version."""
    n = table.num_rows
    signatures = _fixed_width_rows(table.column("signature"), np.uint32, table.schema.field("signature").type.byte_width // 4)
    keys = table.column("key").to_numpy()
    return SignatureChunk(
        keys=keys ^ PUBLISHED_SALT if version >= 0 else keys,
        exact=_fixed_width_rows(table.column("exact"), np.uint64, 2),
        signatures=signatures,
        has_shingles=table.column("has_shingles").to_numpy(zero_copy_only=False),
        ids=table.column("id").to_pylist(),
        sources=table.column("source").to_pylist(),
        lengths=table.column("length").to_numpy(),
        dates=table.column("date").to_pylist(),
        versions=np.full(n, version, dtype=np.int64),
    )


def candidates_to_arrow(chunk: SignatureChunk) -> pa.Table:
    """Candidate docs for the candidate spill files: the signature columns (keys as they are, salted for
    published docs) plus the published version and the component label of each doc."""
    table = pa.Table.from_batches([chunk_to_arrow(chunk)])
    return table.append_column("version", pa.array(chunk.versions, pa.int64())).append_column(
        "label", pa.array(chunk.labels, pa.uint64())
    )


def candidates_from_arrow(table: pa.Table) -> SignatureChunk:
    chunk = chunk_from_arrow(table, -1)  # -1: the keys are read as stored
    chunk.versions = table.column("version").to_numpy()
    chunk.labels = table.column("label").to_numpy()
    return chunk


def read_chunk(path: str, row_group: int, version: int) -> SignatureChunk:
    """One row group of a signature file: this run's (``version`` -1) or a published index part."""
    with storage.open_input_file(path) as handle:
        return chunk_from_arrow(pq.ParquetFile(handle).read_row_group(row_group), version)


class StageSignaturesFn(beam.DoFn):
    """Writes a batch's signatures to the stage's staging space; passes on (path, row group, -1).

    The files are what ``Candidates`` re-reads once the candidate components exist (so the runner
    does not buffer every signature in memory) and what the published index is made of.
    """

    def __init__(self, directory: str):
        self.directory = directory

    def process(self, chunk: SignatureChunk):
        storage.makedirs(self.directory)
        path = storage.join(self.directory, f"{uuid.uuid4().hex}.parquet")
        pq.write_table(pa.Table.from_batches([chunk_to_arrow(chunk)]), path, **STAGING_PARQUET)
        yield path, 0, -1


def index_dir(out_dir: str, version: int) -> str:
    return storage.join(out_dir, "index", STAGE, f"v{version}")


def index_parts(directory: str) -> list[str]:
    return storage.listdir(directory, "part-*.parquet")


def prepare_part(ctx: RunContext, params: DedupParams, staged: list[str] | None = None) -> tuple[str, int]:
    """This run's part of the index, in its staging: (path, rows). ``staged`` are the signature files
    the pipeline committed (default: every file in the stage's staging folder).

    Written before the version exists (while the gate and the commits run): :func:`write_index`
    links it into the version's folder once the version is committed, so nothing appears under
    ``OUT_DIR/index`` for a version that was not published."""
    if staged is None:
        staged = storage.listdir(ctx.stage_dir(STAGE), "*.parquet")
    folder = storage.join(ctx.staging_dir, "index", STAGE)
    storage.makedirs(folder)
    path = storage.join(folder, "part.parquet")
    return path, _write_part(staged, _published_keys(ctx), path, params)


def write_index(
    ctx: RunContext, version: int, params: DedupParams, staged: list[str] | None = None, prepared: tuple[str, int] | None = None
) -> int:
    """The signature index of dataset ``version``, beside it; returns its rows.

    It is this run's staged signatures of the records it published (``prepared`` by
    :func:`prepare_part`, else made here from ``staged``), plus (appending) the parts of the previous
    version's index, hard-linked. Without a usable previous index the published table is signed again.
    """
    target = index_dir(ctx.out_dir, version)
    storage.makedirs(target)
    previous = index_dir(ctx.out_dir, version - 1)
    appended = version > 0 and ctx.config.output.mode == "append"
    if appended and not _usable(previous, params):
        return _sign_published(ctx.dataset_dir, version, target, params)
    rows = 0
    if appended:
        for part in index_parts(previous):
            name = storage.basename(part)
            if not storage.exists(storage.join(target, name)):
                storage.link_or_copy(part, storage.join(target, name))
            rows += _num_rows(part)
    part, part_rows = prepared or prepare_part(ctx, params, staged)
    storage.link_or_copy(part, storage.join(target, f"part-{ctx.run_id}.parquet"))  # whole at once: a link or a server-side copy
    rows += part_rows
    storage.write_text(storage.join(target, INDEX_PARAMS), json.dumps({**params.signature_params(), "version": version, "rows": rows}))
    return rows


def _num_rows(path: str) -> int:
    with storage.open_input_file(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _published_keys(ctx: RunContext) -> np.ndarray:
    """Sorted doc keys of the records this run staged for publishing."""
    files = ctx.committed_files("kept")
    ids = storage.dataset(files).to_table(columns=["id"]).column("id").to_pylist() if files else []
    return np.sort(np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=len(ids)))


def _write_part(staged: list[str], published: np.ndarray, path: str, params: DedupParams) -> int:
    """The rows of the staged signature files whose record was published, in row groups of ~4k.

    Written under a temporary name and renamed locally; on an object store the object appears
    whole when its upload completes, so it is written in place."""
    rows, pending = 0, []
    tmp = path if storage.is_remote(path) else path.removesuffix(".parquet") + ".tmp"
    with pq.ParquetWriter(tmp, signature_schema(params.num_perm)) as writer:
        for i, file in enumerate(staged):
            # one file, as it is: pq.read_table's dataset discovery and thread pool cost ≈ 1 ms a file (≈ 100 per 100k docs)
            with storage.open_input_file(file) as handle:
                table = pq.ParquetFile(handle).read(use_threads=False)
            _, found = sorted_lookup(published, table.column("key").to_numpy())
            pending.append(table.filter(pa.array(found)))
            if sum(t.num_rows for t in pending) >= _INDEX_ROWS or i == len(staged) - 1:
                part = pa.concat_tables(pending)
                writer.write_table(part, row_group_size=_INDEX_ROWS)
                rows += part.num_rows
                pending = []
    if tmp != path:
        os.replace(tmp, path)
    return rows


def _sign_published(dataset_dir: str, version: int, target: str, params: DedupParams) -> int:
    from deltalake import DeltaTable

    for stale in index_parts(target):
        storage.delete(stale)
    rows = 0
    final = storage.join(target, "part-rebuilt.parquet")
    tmp = final if storage.is_remote(final) else storage.join(target, "part-rebuilt.tmp")
    with pq.ParquetWriter(tmp, signature_schema(params.num_perm)) as writer:
        dataset = DeltaTable(storage.table_uri(dataset_dir), version=version).to_pyarrow_dataset()
        for record_batch in stream_batches(dataset, ["id", "text", "source"], _INDEX_ROWS):
            if record_batch.num_rows:
                columns = record_batch.to_pydict()
                writer.write_batch(chunk_to_arrow(signature_chunk(columns["id"], columns["text"], params, sources=columns["source"])))
                rows += record_batch.num_rows
    if tmp != final:
        os.replace(tmp, final)
    storage.write_text(storage.join(target, INDEX_PARAMS), json.dumps({**params.signature_params(), "version": version, "rows": rows}))
    return rows


def _usable(directory: str, params: DedupParams) -> bool:
    params_file = storage.join(directory, INDEX_PARAMS)
    if not storage.exists(params_file):
        return False
    stored = json.loads(storage.read_text(params_file))
    return all(stored.get(k) == v for k, v in params.signature_params().items())


def published_index(out_dir: str, dataset_dir: str, params: DedupParams) -> tuple[list[str], int, str]:
    """(index parts, version, note) of the current published version's index, if usable."""
    from deltalake import DeltaTable

    if not storage.listdir(storage.join(dataset_dir, "_delta_log"), "*.json"):
        return [], -1, "no published version"
    version = DeltaTable(storage.table_uri(dataset_dir)).version()
    target = index_dir(out_dir, version)
    if not storage.exists(storage.join(target, INDEX_PARAMS)):
        return [], version, f"no dedup index for published version {version}"
    if not _usable(target, params):
        return [], version, f"index of version {version} was built with other signature parameters"
    return index_parts(target), version, f"deduplicated against published version {version}"

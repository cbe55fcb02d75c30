"""Per-file statistics for Delta add actions, read from the Parquet footer (no data is read).

Delta readers (Spark, delta-rs, DuckDB's delta extension, polars via deltalake) skip files by the
``stats`` of each add action: ``numRecords`` and, per column, ``minValues``, ``maxValues`` and
``nullCount``. Parquet already keeps min/max/null counts per row group; :func:`file_stats` folds them
into one entry per file. Scalar columns and scalar fields of structs get statistics, lists do not
(as Delta does). A string's min/max is given only when Parquet kept it exactly and it is at most
32 characters: a truncated maximum would be a wrong upper bound, and leaving a column out is always
safe (readers then simply do not skip on it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

STRING_STATS_MAX_CHARS = 32


def _leaves(schema: pa.Schema) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(dotted Parquet column path, key path) of every scalar leaf outside lists and maps."""

    def walk(field: pa.Field, prefix: tuple[str, ...]):
        keys = prefix + (field.name,)
        if pa.types.is_struct(field.type):
            for child in field.type:
                yield from walk(child, keys)
        elif not (pa.types.is_list(field.type) or pa.types.is_large_list(field.type) or pa.types.is_map(field.type)):
            yield ".".join(keys), keys

    for field in schema:
        yield from walk(field, ())


def _json(value: Any) -> Any:
    """A statistics value as Delta writes it in JSON, or None where no exact bound can be given."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        return value if len(value) <= STRING_STATS_MAX_CHARS else None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is no bound
        return None
    return value


def _put(tree: dict, keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        tree = tree.setdefault(key, {})
    tree[keys[-1]] = value


def file_stats(path) -> str:
    """The ``stats`` JSON of a Delta add action for the Parquet file at ``path``."""
    meta = pq.ParquetFile(path).metadata
    index = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
    mins: dict = {}
    maxs: dict = {}
    nulls: dict = {}
    for dotted, keys in _leaves(meta.schema.to_arrow_schema()):
        column = index.get(dotted)
        if column is None:
            continue
        low = high = None
        null_count, bounded, known = 0, True, True
        for rg in range(meta.num_row_groups):
            chunk = meta.row_group(rg).column(column)
            stats = chunk.statistics
            if stats is None or not stats.has_null_count:
                known = False
                break
            null_count += stats.null_count
            if chunk.num_values - stats.null_count <= 0:
                continue  # only nulls in this row group: no bound needed
            exact = getattr(stats, "is_min_value_exact", True) and getattr(stats, "is_max_value_exact", True)
            if not stats.has_min_max or not exact:
                bounded = False
                continue
            low = stats.min if low is None else min(low, stats.min)
            high = stats.max if high is None else max(high, stats.max)
        if not known:
            continue
        _put(nulls, keys, null_count)
        if bounded and low is not None:
            json_low, json_high = _json(low), _json(high)
            if json_low is not None and json_high is not None:
                _put(mins, keys, json_low)
                _put(maxs, keys, json_high)
    stats = {"numRecords": meta.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls}
    return json.dumps(stats, separators=(",", ":"), ensure_ascii=False, default=str)

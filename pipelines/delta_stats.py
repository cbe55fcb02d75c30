"""Per-file statistics for Delta add actions, from the Parquet footer.

Delta readers (Spark, delta-rs, DuckDB's delta extension, polars via deltalake) skip files by the
``stats`` of each add action: ``numRecords`` and, per column, ``minValues``, ``maxValues`` and
``nullCount``. Parquet already keeps min/max/null counts per row group; :func:`file_stats` folds them
into one entry per file. Scalar columns and scalar fields of structs get statistics, lists do not
(as Delta does).

Every such column gets a bound, because the deltalake reader turns a column missing from
``minValues`` into a ``col >= null`` guard that drops the whole file from any filter on that column
(a filter on ``run_id`` returned no reject at all). Strings are bounded as Delta writers do: the min
cut to its first 32 characters, the max cut and its last character raised by one, so both stay
valid bounds. Where the footer has no exact min/max (Parquet leaves them out for values over 4 KiB,
e.g. long texts) that column alone is read back to compute them.
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


def _json(value: Any, upper: bool = False) -> Any:
    """A statistics value as Delta writes it in JSON (strings cut to 32 characters: a lower bound
    as it is, an upper bound with its last character raised), or None where no bound can be given."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        if len(value) <= STRING_STATS_MAX_CHARS:
            return value
        cut = value[:STRING_STATS_MAX_CHARS]
        if not upper:
            return cut
        while cut and ord(cut[-1]) >= 0x10FFFF:
            cut = cut[:-1]
        return cut[:-1] + chr(ord(cut[-1]) + 1) if cut else None
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


def _column_min_max(parquet: pq.ParquetFile, name: str) -> tuple[Any, Any]:
    import pyarrow.compute as pc

    result = pc.min_max(parquet.read(columns=[name]).column(name))
    return result["min"].as_py(), result["max"].as_py()


def file_stats(path) -> str:
    """The ``stats`` JSON of a Delta add action for the Parquet file at ``path``."""
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
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
        if not bounded and len(keys) == 1:  # no exact bound in the footer: read this column back
            low, high = _column_min_max(parquet, keys[0])
        if low is not None:
            json_low, json_high = _json(low), _json(high, upper=True)
            if json_low is not None and json_high is not None:
                _put(mins, keys, json_low)
                _put(maxs, keys, json_high)
    stats = {"numRecords": meta.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls}
    return json.dumps(stats, separators=(",", ":"), ensure_ascii=False, default=str)

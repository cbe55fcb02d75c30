"""Grouping by shuffle bucket on disk instead of in the runner's memory.

A ``GroupByKey`` on the embedded runner holds every element it groups in memory until the group
is complete, so a band-key or candidate shuffle grows with the corpus. Here the producing step writes
its rows to staged Parquet files, one row group per shuffle bucket (:class:`BucketSpillFn`), and
passes on only ``(path, buckets present)``. The consuming step runs once per bucket (``Create`` of
the bucket numbers) with that small file list as a side input and reads just its bucket's row groups
from every file (:func:`read_bucket`): at any moment a worker holds one bucket, ``1/shuffle_buckets``
of the data, whatever the corpus size.

Files get fresh names and only the paths a committed bundle passed on are ever read, so a retried
bundle neither loses nor duplicates rows (the failed attempt's files are left unread in staging).
"""

from __future__ import annotations

import abc
import bisect
import uuid
from collections import defaultdict
from typing import Iterable, Iterator, Sequence

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core import storage

# A writer writes a file when it holds this many rows or bytes: the row cap stays below Parquet's
# default maximum row-group length (1,048,576), so even a single bucket is one row group of each file.
FLUSH_ROWS = 1_000_000
FLUSH_BYTES = 32 << 20
# Staged files are read back whole, by row group, once: no compression, and neither dictionaries (hashes and
# keys do not repeat: Parquet tried one per column chunk before falling back, 8× the plain write time of
# 500k band entries) nor column statistics (nothing filters on them).
STAGING_PARQUET = {"compression": "none", "use_dictionary": False, "write_statistics": False}


class BucketSpillFn(beam.DoFn, abc.ABC):
    """Writes ``(bucket, Arrow table)`` pieces of its input to staged files, one row group per bucket.

    Subclasses say how an input element becomes pieces (:meth:`pieces`). A file is written when
    ``FLUSH_ROWS`` rows are buffered and at the end of each bundle, so there are few files (a bucket
    reader opens each one) and a bounded buffer.
    """

    def __init__(self, directory: str, flush_rows: int | None = None):
        self.directory = directory
        self.flush_rows = flush_rows or FLUSH_ROWS

    @abc.abstractmethod
    def pieces(self, element, *side) -> Iterable[tuple[int, pa.Table]]:
        """The rows of ``element`` as (bucket, table) pieces; every table of one step has one schema."""

    def start_bundle(self):
        self._buffer: dict[int, list[pa.Table]] = defaultdict(list)
        self._rows = 0
        self._bytes = 0

    def process(self, element, *side):
        for bucket, table in self.pieces(element, *side):
            if table.num_rows:
                self._buffer[bucket].append(table)
                self._rows += table.num_rows
                self._bytes += table.nbytes
        if self._rows >= self.flush_rows or self._bytes >= FLUSH_BYTES:
            yield self._flush()

    def finish_bundle(self):
        if self._rows:
            yield WindowedValue(self._flush(), MIN_TIMESTAMP, (GlobalWindow(),))

    def _flush(self) -> tuple[str, list[int]]:
        storage.makedirs(self.directory)
        path = storage.join(self.directory, f"{uuid.uuid4().hex}.parquet")
        buckets = sorted(self._buffer)
        schema = self._buffer[buckets[0]][0].schema
        with pq.ParquetWriter(path, schema, **STAGING_PARQUET) as writer:
            for bucket in buckets:
                table = pa.concat_tables(self._buffer[bucket])
                writer.write_table(table, row_group_size=table.num_rows)  # one row group per bucket
        self.start_bundle()
        return path, buckets


def read_bucket(files: Sequence[tuple[str, Sequence[int]]], bucket: int) -> Iterator[pa.Table]:
    """The row groups of ``bucket`` from every spill file that has one."""
    for path, buckets in files:
        at = bisect.bisect_left(buckets, bucket)
        if at < len(buckets) and buckets[at] == bucket:
            with storage.open_input_file(path) as handle:
                yield pq.ParquetFile(handle).read_row_group(at)


def each_bucket(pipeline: beam.Pipeline, label: str, buckets: int) -> beam.PCollection:
    """The bucket numbers as a PCollection, spread over the workers (``Create`` reshuffles what it makes:
    a second reshuffle cost a runner stage and five transforms per grouping)."""
    return pipeline | f"{label}/Buckets" >> beam.Create(list(range(buckets)), reshuffle=True)

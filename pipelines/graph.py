"""The Beam graph of a governed run: ingest → stages in config order → staged Parquet.

Kept batches and every stage's rejects are written as Parquet under the run's staging directory;
nothing is published from inside the pipeline. On a distributed runner the staging directory
must be on storage every worker can write (a shared file system or a bucket path).
"""

from __future__ import annotations

import argparse
import os
import uuid

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.metrics import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator
from apache_beam.runners import create_runner
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from expectations.gate import record_stat_columns, record_stats, record_stats_schema
from transforms.core import storage
from transforms.core.stage import METRICS_NAMESPACE, CommitFileList, RunContext, Stage
from transforms.ingest.readers import InputFile
from transforms.ingest.stage import IngestStage
from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA, meta_strings, rejects_to_arrow

# The staged files become the published Delta files as they are (hard-linked, never rewritten), so
# their layout is what every reader gets. Readers parallelise and skip by row group: a row group per
# 1,000-record batch (what writing each batch as it comes gives) made ~700 row groups of ~9 records
# for the demo's 6,080. Batches are buffered into row groups of up to ROW_GROUP_ROWS records or
# ROW_GROUP_BYTES of Arrow data, and a file is closed once it holds FILE_BYTES or FILE_ROWS.
ROW_GROUP_ROWS = 131_072
ROW_GROUP_BYTES = 32 << 20
FILE_BYTES = 128 << 20
FILE_ROWS = 1_000_000


# Declared: without it Beam infers the output type from the bytecode of ``process`` and what it calls,
# ≈ 15 ms per writer while the graph is built (13 writers in a full plan).
@beam.typehints.with_output_types(str)
class _WriteParquetFn(beam.DoFn):
    """Writes elements to Parquet files of reader-friendly size: row groups of up to ~128k rows or
    32 MiB, files rolled over at ~128 MiB or 1M rows (one or more files per bundle).

    ``kind`` says what the elements are: ``records`` (:class:`Batch`), ``rejects`` (lists of reject
    rows) or ``arrow`` (Arrow record batches already in ``schema``).

    Retry-safe: each attempt writes files of its own (uuid names) and emits their paths when the
    bundle finishes; only the paths of bundles the runner committed reach :class:`CommitFileList`,
    so a failed attempt's files are never read, and no record is lost or published twice.
    """

    def __init__(self, directory: str, schema: pa.Schema, kind: str):
        self.directory = directory
        self.schema = schema
        self.kind = kind

    def start_bundle(self):
        self.writer = None
        self.path = None
        self.rows = 0  # in the open file
        self.file_bytes = 0  # Arrow bytes written to the open file (its size where it cannot be asked: a bucket)
        self.buffer: list[pa.RecordBatch] = []
        self.buffered_rows = self.buffered_bytes = 0
        self.paths: list[str] = []

    def _to_arrow(self, element) -> pa.RecordBatch:
        if self.kind == "records":
            return element.to_arrow()
        return rejects_to_arrow(element) if self.kind == "rejects" else element

    def process(self, element):
        batch = self._to_arrow(element)
        if not batch.num_rows:
            return
        self.buffer.append(batch)
        self.buffered_rows += batch.num_rows
        self.buffered_bytes += batch.nbytes
        if self.buffered_rows >= ROW_GROUP_ROWS or self.buffered_bytes >= ROW_GROUP_BYTES:
            self._write_row_group()

    def _write_row_group(self):
        if not self.buffer:
            return
        if self.writer is None:
            storage.makedirs(self.directory)
            self.path = storage.join(self.directory, f"part-{uuid.uuid4().hex}.parquet")
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
            self.paths.append(self.path)
        table = pa.Table.from_batches(self.buffer, schema=self.schema)
        self.writer.write_table(table, row_group_size=table.num_rows)
        self.rows += table.num_rows
        self.file_bytes += table.nbytes
        self.buffer, self.buffered_rows, self.buffered_bytes = [], 0, 0
        size = self.file_bytes if storage.is_remote(self.path) else os.path.getsize(self.path)
        if self.rows >= FILE_ROWS or size >= FILE_BYTES:
            self._close()

    def _close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer, self.path, self.rows, self.file_bytes = None, None, 0, 0

    def finish_bundle(self):
        self._write_row_group()
        self._close()
        for path in self.paths:
            yield WindowedValue(path, MIN_TIMESTAMP, [GlobalWindow()])
        self.paths = []


def _batch_stats(batch, extra: list[str]) -> pa.RecordBatch:
    return record_stats(batch.id, batch.source, batch.license, batch.lang, batch.text, extra, published_strings(batch))


def published_strings(batch) -> list[list[str]]:
    """Per record, every string it is published with that came from the input (text, meta with id
    and url as :func:`meta_strings` lists them, file, tags): what the residual-identifier check scans,
    each field on its own (joined, the end of one field would be context for the start of the next).
    A fraction in meta (an upstream score) is left out as the pii stage leaves it: scanned in the
    meta's JSON, 0.4221165755827173 failed the run as a card number.

    Lineage details and the locator are left out: we write them, never from the input's content.
    Lineage holds scores, counts and hashed ids (never raw personal data, by the record contract),
    and a full-precision score such as 0.4221165755827173 holds a Luhn-valid 16-digit run; a locator
    is line and byte numbers (``line=17;offset=13812345678``, 13 GB into a file, reads as a mobile
    number). Scanning them failed runs on numbers we wrote ourselves."""
    return [
        [text, *meta_strings(meta), uri, " ".join(tags)]
        for text, meta, uri, tags in zip(batch.text, batch.meta, batch.source_uri, batch.tags)
    ]


def disable_periodic_data_flush() -> None:
    """Stop the embedded FnApiRunner's gRPC data plane from losing elements (Beam 2.77).

    In ``multi_threading`` and ``multi_processing`` modes the runner (and, multi-threaded, each
    worker) sends data through streams that a background thread flushes every second. That flush
    reads the buffer, hands it to the send queue (which blocks while 100 MB are in flight) and only
    then clears the buffer, so bytes written meanwhile are dropped without an error: whole chunks
    (~10 MB) of a stage's input vanish once writing one bundle's input takes longer than a second.
    With the limit at 0 the streams flush only on the writing thread: workers every ~10 MB, the
    runner a worker's whole bundle input in one message (protobuf caps a message at 2 GiB, so a
    stage's buffered input must stay under 2 GiB per worker). One worker (``in_memory``) never
    uses these streams.
    """
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0


class BeamOptionsError(ValueError):
    """Beam options that Beam would refuse once the run has begun; the message is one line naming the option."""


def pipeline_options(beam_args: list[str]) -> PipelineOptions:
    """Beam options from the command line; the embedded FnApiRunner unless a runner is named.

    Checked here as Beam checks them when the pipeline is made, so a bad option stops a run before
    anything is written: every value through Beam's own parsers (argparse would print its usage and
    exit 2), the runner's name, and the runner's own checks (Dataflow's project and temp_location, say).
    Raises :class:`BeamOptionsError`. Arguments no Beam options class knows pass through as Beam passes
    them (to a portable runner's job service, say).

    Beam's stock default runner first tries to download Prism, which fails offline. Building the
    options also makes the embedded runner's multi-worker modes safe (:func:`disable_periodic_data_flush`).
    """
    args = list(beam_args)
    if not any(a == "--runner" or a.startswith("--runner=") for a in args):
        args.append("--runner=FnApiRunner")
    disable_periodic_data_flush()
    options = PipelineOptions(args, save_main_session=False)
    try:
        options.get_all_options(add_extra_args_fn=_raise_instead_of_exit)
    except argparse.ArgumentError as exc:
        raise BeamOptionsError(f"beam option {exc.argument_name}: {exc.message}") from None
    try:
        runner = create_runner(options.view_as(StandardOptions).runner)
    except Exception as exc:  # an unknown name, or a class path that cannot be imported or made
        raise BeamOptionsError(f"beam option --runner: {exc}") from None
    errors = PipelineOptionsValidator(options, runner).validate()
    if errors:
        raise BeamOptionsError(f"beam options: {'; '.join(' '.join(e.split()) for e in errors)}")
    return options


def _raise_instead_of_exit(parser: argparse.ArgumentParser) -> None:
    """Beam's parser of every options class reports a bad value through argparse, which prints the
    whole usage and exits; this makes it raise the ArgumentError, which names the option."""
    parser.exit_on_error = False


def build(pipeline: beam.Pipeline, ingest: IngestStage, stages: list[Stage], ctx: RunContext, files: list[InputFile]):
    ctx.staged_reject_files = []
    batches, rejects = ingest.read(pipeline, ctx, files)
    ctx.upstream_rejects = [rejects]
    _stage_rejects(ingest.name, rejects, ctx)
    for stage in stages:
        batches, stage_rejects = stage.expand(batches, ctx)
        ctx.upstream_rejects.append(stage_rejects)
        _stage_rejects(stage.name, stage_rejects, ctx)
    (
        batches
        | "StageKept" >> beam.ParDo(_WriteParquetFn(ctx.kept_dir, RECORD_SCHEMA, "records"))
        | CommitFileList(ctx.staging_dir, "kept")
    )
    extra = record_stat_columns(ctx.config.gate.suites)
    (
        batches
        | "GateStatistics" >> beam.Map(_batch_stats, extra)
        | "StageGateStatistics" >> beam.ParDo(_WriteParquetFn(ctx.record_stats_dir, record_stats_schema(extra), "arrow"))
        | CommitFileList(ctx.staging_dir, "record_stats")
    )
    (
        ctx.staged_reject_files
        | "AllRejectFiles" >> beam.Flatten()
        | CommitFileList(ctx.staging_dir, "rejects")
    )


def _stage_rejects(stage: str, rejects: beam.PCollection, ctx: RunContext) -> None:
    # One writer per stage, fused with the step that rejects: a Flatten of every stage's rejects
    # in front of one writer would make the embedded runner hold all of them until the end.
    # (Only the written files' paths are flattened.)
    files = rejects | f"StageRejects/{stage}" >> beam.ParDo(_WriteParquetFn(ctx.rejects_dir, REJECT_SCHEMA, "rejects"))
    ctx.staged_reject_files.append(files)


def run_pipeline(options: PipelineOptions, ingest: IngestStage, stages: list[Stage], ctx: RunContext, files) -> dict[str, int]:
    """Run the graph to completion and return the run's counters {"<stage>:<name>": n}.

    Counters are for display and per-stage tables only; the accounting check reads what the
    readers and writers staged. Committed values are used where the runner reports them, attempted
    ones otherwise (portable runners such as Flink and Prism may report only one of the two), and
    a runner that reports no metrics gives an empty dict.
    """
    pipeline = beam.Pipeline(options=options)
    build(pipeline, ingest, stages, ctx, files)
    result = pipeline.run()
    state = result.wait_until_finish()
    if state is not None and str(state).upper().rsplit(".", 1)[-1] not in ("DONE", "UNKNOWN"):
        raise RuntimeError(f"the pipeline ended in state {state}")
    return counter_values(result)


def counter_values(result) -> dict[str, int]:
    counters: dict[str, int] = {}
    try:
        found = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))["counters"]
    except Exception:  # a runner without a metrics service (e.g. a detached job)
        return counters
    for counter in found:
        name = counter.key.metric.name
        value = _metric(counter, "committed")
        if value is None:
            value = _metric(counter, "attempted")
        counters[name] = counters.get(name, 0) + (value or 0)
    return counters


def _metric(counter, kind: str):
    try:
        return getattr(counter, kind)
    except Exception:  # Beam raises when a runner does not support committed metrics
        return None

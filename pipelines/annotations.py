"""The annotation-quality audit as a Beam pipeline (issue 7; Framework 4.1.2(c), 6.1.6; TC260-003).

read → parse (bad rows counted, not fatal) → group by item → summarise (latest label per annotator,
consensus, role separation, illegal verdicts) → void the batches of illegal items (side input) → one
mergeable aggregate of small integer tables (coincidence pairs, unit profiles, annotator-pair label
counts…) combined with ``CombineGlobally``.
The driver turns the aggregate into metrics (:func:`transforms.annotations.compute_report`), applies the
gate and writes the outputs; per-item rows go through Parquet staging so millions of items never sit in the
driver's memory at once during the pipeline.

Outputs in ``output_dir``: ``report.json``, ``report.html``, ``adjudication_queue.csv``,
``rejects.parquet`` (voided items) and, only when the gate passes, the Delta table ``consensus/``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import time
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions

from transforms import annotations as ann
from transforms.annotations.config import AnnotationAuditConfig
from transforms.annotations.readers import Invalid
from transforms.annotations.consensus import ItemResult

REJECT_FIELDS = ("item_id", "batch_id", "stage", "rule", "clause", "risk_level", "category", "reason", "detail")
REJECT_SCHEMA = pa.schema([(name, pa.string()) for name in REJECT_FIELDS])


def item_schema(config: AnnotationAuditConfig) -> pa.Schema:
    label = pa.float64() if config.numeric else pa.string()
    return pa.schema(
        [
            ("item_id", pa.string()),
            ("batch_id", pa.string()),
            ("consensus", label),
            ("agreement", pa.float64()),
            ("annotators", pa.list_(pa.string())),
            ("labels", pa.list_(label)),
            ("reviewers", pa.list_(pa.string())),
            ("flags", pa.list_(pa.string())),
            ("adjudication", pa.list_(pa.string())),
        ]
    )


def item_row(item: ItemResult, config: AnnotationAuditConfig) -> dict:
    return {
        "item_id": item.item_id,
        "batch_id": item.batch,
        "consensus": item.consensus,
        "agreement": item.agreement,
        "annotators": list(item.annotators),
        "labels": list(item.labels),
        "reviewers": list(item.reviewers),
        "flags": item.flags,
        "adjudication": item.needs_adjudication(config),
    }


# --- the Beam graph -----------------------------------------------------------------------------------------

INVALID = "invalid"


class _Parse(beam.DoFn):
    def __init__(self, config: AnnotationAuditConfig):
        self.config = config

    def process(self, path: str):
        for record in ann.read_annotations(path, self.config):
            if isinstance(record, Invalid):
                yield beam.pvalue.TaggedOutput(INVALID, record)
            else:
                yield record


class _MarkVoided(beam.DoFn):
    def start_bundle(self):
        self._voided: frozenset | None = None

    def process(self, item, voided_batches):
        if self._voided is None:  # the side input is the same for the whole bundle
            self._voided = frozenset(voided_batches)
        yield ann.mark_voided(item, self._voided)


class AuditCombineFn(beam.CombineFn):
    """Merges items and invalid rows into one :func:`transforms.annotations.new_aggregate`."""

    def __init__(self, config: AnnotationAuditConfig):
        self.config = config

    def create_accumulator(self):
        return ann.new_aggregate()

    def add_input(self, aggregate, element):
        if isinstance(element, Invalid):
            ann.add_invalid(aggregate, element)
        else:
            ann.add_item(aggregate, element, self.config)
        return aggregate

    def merge_accumulators(self, aggregates):
        return ann.merge_aggregates(aggregates)

    def extract_output(self, aggregate):
        return aggregate


def build_audit(pipeline: beam.Pipeline, config: AnnotationAuditConfig) -> tuple[beam.PCollection, beam.PCollection]:
    """(items, aggregate): the per-item results and the single merged aggregate."""
    parsed = (
        pipeline
        | "Inputs" >> beam.Create(list(config.inputs))
        | "Parse" >> beam.ParDo(_Parse(config)).with_outputs(INVALID, main="records")
    )
    summaries = (
        parsed["records"]
        | "ByItem" >> beam.Map(lambda r: (r.item_id, r))
        | "GroupByItem" >> beam.GroupByKey()
        | "Summarise" >> beam.Map(lambda kv, cfg: ann.summarise_item(kv[0], kv[1], cfg), config)
    )
    voided = (
        summaries
        | "IllegalItems" >> beam.Filter(lambda i: i.illegal)
        | "BatchOf" >> beam.Map(lambda i: ann.batch_key(i.item_id, i.batch))
        | "VoidedBatches" >> beam.Distinct()
    )
    items = summaries | "VoidBatches" >> beam.ParDo(_MarkVoided(), beam.pvalue.AsList(voided))
    aggregate = (
        (items, parsed[INVALID])
        | "ItemsAndInvalid" >> beam.Flatten()
        | "Aggregate" >> beam.CombineGlobally(AuditCombineFn(config))
    )
    return items, aggregate


def run_beam(config: AnnotationAuditConfig, staging: Path) -> tuple[dict, pa.Table, pa.Table]:
    """Run the pipeline; (aggregate, item rows, reject rows) read back from ``staging``."""
    staging.mkdir(parents=True, exist_ok=True)
    schema = item_schema(config)
    options = PipelineOptions(flags=[], runner=config.runner)  # never parse the CLI's own argv
    with beam.Pipeline(options=options) as pipeline:
        items, aggregate = build_audit(pipeline, config)
        kept = items | "Scored" >> beam.Filter(lambda i: not i.voided and bool(i.annotators))
        (
            kept
            | "ItemRows" >> beam.Map(item_row, config)
            | "WriteItems" >> beam.io.WriteToParquet(str(staging / "items"), schema, file_name_suffix=".parquet")
        )
        (
            items
            | "Voided" >> beam.Filter(lambda i: i.voided)
            | "RejectRows" >> beam.Map(ann.void_reject)
            | "WriteRejects" >> beam.io.WriteToParquet(str(staging / "rejects"), REJECT_SCHEMA, file_name_suffix=".parquet")
        )
        (
            aggregate
            | "AggregateJson" >> beam.Map(ann.aggregate_to_json)
            | "WriteAggregate" >> beam.io.WriteToText(str(staging / "aggregate.json"), shard_name_template="")
        )
    merged = ann.aggregate_from_json((staging / "aggregate.json").read_text(encoding="utf-8"))
    return merged, _read_staged(staging, "items", schema), _read_staged(staging, "rejects", REJECT_SCHEMA)


def _read_staged(staging: Path, prefix: str, schema: pa.Schema) -> pa.Table:
    files = sorted(str(p) for p in staging.glob(f"{prefix}-*.parquet"))
    if not files:
        return schema.empty_table()
    return ds.dataset(files, schema=schema, format="parquet").to_table().sort_by("item_id")


def run_in_memory(config: AnnotationAuditConfig) -> tuple[dict, pa.Table, pa.Table]:
    """The same three results without Beam (for tests and small sets)."""
    records = [r for path in config.inputs for r in ann.read_annotations(path, config)]
    aggregate, items = ann.audit_in_memory(records, config)
    scored = [item_row(i, config) for i in items if not i.voided and i.annotators]
    rejects = [ann.void_reject(i) for i in items if i.voided]
    return (
        aggregate,
        pa.Table.from_pylist(scored, schema=item_schema(config)),
        pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA),
    )


# --- after the pipeline -------------------------------------------------------------------------------------


def audit_id(config: AnnotationAuditConfig) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:8]
    return f"{stamp}-{digest}"


def consensus_rows(items: pa.Table, config: AnnotationAuditConfig, report: dict) -> pa.Table:
    """Publishable consensus: items that need no adjudication, with majority or Dawid–Skene labels.

    Columnar throughout, so a million items never become Python dicts on the driver."""
    labels, posterior = items.column("consensus"), pa.nulls(items.num_rows, pa.float64())
    if config.consensus == "dawid_skene" and items.num_rows:
        flat_labels = pc.list_flatten(items.column("labels")).to_pylist()
        values = ann.label_order(config, set(flat_labels))
        ds_labels, ds_posterior, accuracy = ann.dawid_skene_labels(
            pc.list_parent_indices(items.column("labels")).to_numpy(),
            pc.list_flatten(items.column("annotators")).to_numpy(zero_copy_only=False),
            flat_labels, items.num_rows, values, iterations=config.dawid_skene_iterations,
        )
        labels, posterior = pa.array(ds_labels, pa.string()), pa.array(ds_posterior, pa.float64())
        changed = pc.sum(pc.not_equal(labels, items.column("consensus"))).as_py() or 0
        report["dawid_skene"] = {"annotator_accuracy": {a: round(x, 6) for a, x in sorted(accuracy.items())},
                                 "changed_from_majority": changed}
    table = pa.table(
        {
            "item_id": items.column("item_id"),
            "batch_id": items.column("batch_id"),
            "label": labels,
            "method": pa.array([config.consensus] * items.num_rows, pa.string()),
            "agreement": items.column("agreement"),
            "posterior": posterior,
            "n_annotators": pc.cast(pc.list_value_length(items.column("annotators")), pa.int32()),
            "audit_id": pa.array([report["audit_id"]] * items.num_rows, pa.string()),
        }
    )
    return table.filter(pc.equal(pc.list_value_length(items.column("adjudication")), 0))


def write_adjudication_queue(items: pa.Table, path: Path) -> int:
    queue = items.filter(pc.greater(pc.list_value_length(items.column("adjudication")), 0))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "batch_id", "reasons", "consensus", "agreement", "labels", "reviewers"])
        for r in queue.to_pylist():
            labels = ";".join(f"{a}={v}" for a, v in zip(r["annotators"], r["labels"]))
            writer.writerow([r["item_id"], r["batch_id"], "|".join(r["adjudication"]), r["consensus"],
                             round(r["agreement"], 4), labels, ";".join(r["reviewers"])])
    return queue.num_rows


def finish_audit(config: AnnotationAuditConfig, aggregate: dict, items: pa.Table, rejects: pa.Table, out_dir: Path) -> dict:
    """Metrics, gate and outputs. Publishes ``consensus/`` only when the gate passes."""
    from deltalake import CommitProperties, write_deltalake

    from pipelines.annotation_report import render_html

    out_dir.mkdir(parents=True, exist_ok=True)
    report = ann.compute_report(aggregate, config)
    report["audit_id"] = audit_id(config)
    report["config"] = config.model_dump()
    report["outputs"] = {"adjudication_queue": "adjudication_queue.csv", "rejects": "rejects.parquet"}
    write_adjudication_queue(items, out_dir / "adjudication_queue.csv")
    pq.write_table(rejects, out_dir / "rejects.parquet")
    consensus = consensus_rows(items, config, report)
    report["published"] = None
    if report["gate"]["passed"]:
        write_deltalake(
            str(out_dir / "consensus"), consensus, mode="overwrite", schema_mode="overwrite",
            commit_properties=CommitProperties(custom_metadata={"audit_id": report["audit_id"]}),
        )
        from deltalake import DeltaTable

        report["published"] = {"table": "consensus", "version": DeltaTable(str(out_dir / "consensus")).version(),
                               "rows": consensus.num_rows}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(report), encoding="utf-8")
    return report


def run_audit(config: AnnotationAuditConfig, *, use_beam: bool = True) -> dict:
    out_dir = Path(config.output_dir)
    staging = out_dir / "_staging"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        aggregate, items, rejects = run_beam(config, staging) if use_beam else run_in_memory(config)
        return finish_audit(config, aggregate, items, rejects, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


"""OpenLineage run events: START when a run begins, COMPLETE, FAIL or ABORT when it ends.

Events always go to ``OUT_DIR/runs/<run_id>/openlineage.jsonl``; with ``lineage.transport: http``
(``lineage.url``, e.g. Marquez) they are also sent there. A transport that fails is a warning, never a
failed run: the events stay in the run folder.

Datasets are named as the OpenLineage naming spec says for their storage, so that they link to the
jobs that wrote or read the same files: a local path is namespace ``file`` and its absolute path,
``s3://bucket/key`` is namespace ``s3://bucket`` and name ``key`` (likewise ``gs://``, ``hdfs://``).
A source's input is the folder its glob reads (``demo/corpus/news_en/*.jsonl.gz`` → the absolute
path of ``demo/corpus/news_en``) or the file it names; a ``symlinks`` facet keeps the source's name
from the config. The outputs are the published Delta table (``OUT_DIR/dataset``) and the rejects
Delta table (``OUT_DIR/rejects``), each with schema, storage (delta/parquet), version and row-count
facets; the dataset carries the gate's dataQualityAssertions.

The job carries ``jobType`` (BATCH, integration DATASTEWARD) and ``sourceCodeLocation`` (git remote,
commit, branch) facets; the run a ``processing_engine`` facet (Apache Beam and its version, with
datasteward's code version as the adapter version) and ``tags`` naming the Beam runner and workers.
A FAIL event carries an ``errorMessage`` facet: the exception, or the gate's failing expectations.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    dataset_version_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    processing_engine_run,
    schema_dataset,
    source_code_location_job,
    storage_dataset,
    symlinks_dataset,
    tags_run,
)
from openlineage.client.naming.dataset import GCS, HDFS, S3, LocalFileSystem

from transforms.core import storage
from pipelines.config import JobConfig
from pipelines.version import PROJECT_URL, code_version, source_code_location
from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA

PRODUCER = PROJECT_URL
INTEGRATION = "DATASTEWARD"
_GLOB = re.compile(r"[*?\[]")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _schema(fields: list[tuple[str, str]]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in fields]
    )


# --- dataset naming (https://openlineage.io/docs/spec/naming) -------------------------------------------


def dataset_naming(location: str | os.PathLike) -> tuple[str, str]:
    """(namespace, name) of a file or folder per the OpenLineage naming spec: ``file`` + absolute
    path for local paths (and ``file://`` URIs), ``s3://bucket`` + key, ``gs://bucket`` + key,
    ``hdfs://host:port`` + path."""
    text = os.fspath(location)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("s3", "s3a", "s3n"):
        naming = S3(bucket_name=parts.netloc, object_key=parts.path.lstrip("/") or "/")
        return "s3://" + parts.netloc, naming.get_name()
    if scheme == "gs":
        naming = GCS(bucket_name=parts.netloc, object_key=parts.path.lstrip("/") or "/")
        return naming.get_namespace(), naming.get_name()
    if scheme == "hdfs":
        host, _, port = parts.netloc.partition(":")
        naming = HDFS(namenode_host=host, namenode_port=port or "8020", path=parts.path or "/")
        return naming.get_namespace(), naming.get_name()
    if scheme == "file":
        text = parts.path
    elif scheme and len(scheme) > 1:  # another URI scheme: its authority is the namespace
        return f"{scheme}://{parts.netloc}", parts.path or "/"
    naming = LocalFileSystem(path=os.path.abspath(text))
    return naming.get_namespace(), naming.get_name()


def glob_root(pattern: str) -> str:
    """The folder a glob reads from (the part before the first wildcard), or the path itself."""
    if not _GLOB.search(pattern):
        return pattern
    head = _GLOB.split(pattern, maxsplit=1)[0]
    return head[: head.rfind("/")] if "/" in head else "."


def source_datasets(config: JobConfig) -> list[tuple[str, str, object]]:
    """(namespace, name, source config) of every distinct location the sources read."""
    seen, out = set(), []
    for source in config.sources:
        for pattern in source.paths:
            key = dataset_naming(glob_root(pattern))
            if (key, source.name) not in seen:
                seen.add((key, source.name))
                out.append((*key, source))
    return out


def beam_runner(beam_args: list[str]) -> dict[str, str]:
    """The Beam runner and worker settings named on the command line (the embedded FnApiRunner when none)."""
    values = {"runner": "FnApiRunner"}
    for arg in beam_args:
        key, _, value = arg.lstrip("-").partition("=")
        if key in ("runner", "direct_running_mode", "direct_num_workers", "flink_master", "spark_master_url", "project", "region"):
            values[key] = value
    return values


# --- the emitter -----------------------------------------------------------------------------------------


class LineageEmitter:
    def __init__(self, config: JobConfig, run_id: str, run_dir: Path, dataset_path: str | Path, beam_args: list[str] | None = None):
        self.config = config
        self.run_id = run_id
        self.dataset_path = str(dataset_path)  # a path or a URI (Path would turn s3://b into s3:/b)
        self.rejects_path = storage.join(storage.parent(self.dataset_path), "rejects")
        self.beam_args = list(beam_args or [])
        self.log_path = run_dir / "openlineage.jsonl"
        self.clients = [OpenLineageClient(config={"transport": {"type": "file", "log_file_path": str(self.log_path), "append": True}})]
        if config.lineage.transport == "http":
            self.clients.append(OpenLineageClient(config={"transport": {"type": "http", "url": config.lineage.url, "timeout": 5.0}}))
        self.job = Job(namespace=config.lineage.namespace, name=config.job, facets=self._job_facets())
        self.warnings: list[str] = []

    def _emit(self, event: RunEvent) -> None:
        for client in list(self.clients):
            try:
                client.emit(event)
            except Exception as exc:  # noqa: BLE001 - lineage transport trouble must not fail the run
                where = self.config.lineage.url if client is not self.clients[0] else str(self.log_path)
                self.warnings.append(
                    f"lineage: the {event.eventType.value} event could not be sent to {where} ({type(exc).__name__}); "
                    f"events are kept in {self.log_path}"
                )
                if client is not self.clients[0]:  # after retries failed once, the run's later events stay local
                    self.clients.remove(client)

    def _job_facets(self) -> dict:
        location = source_code_location()
        facets = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration=INTEGRATION, jobType="JOB"),
            "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(**location),
        }
        if self.config.description:
            facets["documentation"] = documentation_job.DocumentationJobFacet(description=self.config.description)
        return facets

    def _run_facets(self) -> dict:
        try:
            beam_version = importlib.metadata.version("apache-beam")
        except importlib.metadata.PackageNotFoundError:
            beam_version = "unknown"
        runner = beam_runner(self.beam_args)
        return {
            "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
                version=beam_version, name="Apache Beam", openlineageAdapterVersion=code_version()
            ),
            "tags": tags_run.TagsRunFacet(
                tags=[tags_run.TagsRunFacetFields(key=f"beam.{k}", value=str(v), source="DATASTEWARD") for k, v in runner.items()]
            ),
        }

    def _inputs(self) -> list[InputDataset]:
        inputs = []
        for namespace, name, source in source_datasets(self.config):
            fields = [(source.text_field, "string")]
            fields += [(f, "unknown") for f in (source.id_field, source.url_field, *source.meta_fields) if f]
            facets = {
                "schema": _schema(fields),
                "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                    identifiers=[symlinks_dataset.Identifier(namespace=f"datasteward://{self.config.job}", name=source.name, type="source")]
                ),
            }
            if source.format:
                facets["storage"] = storage_dataset.StorageDatasetFacet(storageLayer="file", fileFormat=source.format)
            inputs.append(InputDataset(namespace=namespace, name=name, facets=facets))
        return inputs

    def _delta_output(self, path: str, schema, version: int | None, rows: int | None, extra: dict | None = None) -> OutputDataset:
        namespace, name = dataset_naming(path)
        facets = {
            "schema": _schema([(f.name, str(f.type)) for f in schema]),
            "storage": storage_dataset.StorageDatasetFacet(storageLayer="delta", fileFormat="parquet"),
            **(extra or {}),
        }
        if version is not None:
            facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=str(version))
        output_facets = {}
        if rows is not None:
            output_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=rows)
        return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets=output_facets)

    def _outputs(self, version, rows, assertions, rejects_version, rejects_rows) -> list[OutputDataset]:
        extra = {}
        if assertions:
            extra["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[data_quality_assertions_dataset.Assertion(**a) for a in assertions]
            )
        return [
            self._delta_output(self.dataset_path, RECORD_SCHEMA, version, rows, extra),
            self._delta_output(self.rejects_path, REJECT_SCHEMA, rejects_version, rejects_rows),
        ]

    def start(self) -> None:
        self._emit(
            RunEvent(
                eventType=RunState.START,
                eventTime=_now(),
                producer=PRODUCER,
                run=Run(runId=self.run_id, facets=self._run_facets()),
                job=self.job,
                inputs=self._inputs(),
                outputs=self._outputs(None, None, [], None, None),
            )
        )

    def finish(
        self,
        success: bool,
        *,
        version: int | None = None,
        rows: int | None = None,
        assertions: list[dict] | None = None,
        error: str | None = None,
        rejects_version: int | None = None,
        rejects_rows: int | None = None,
        aborted: bool = False,
    ) -> None:
        run_facets = self._run_facets()
        if error:
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(message=error, programmingLanguage="python")
        self._emit(
            RunEvent(
                eventType=RunState.COMPLETE if success else RunState.ABORT if aborted else RunState.FAIL,
                eventTime=_now(),
                producer=PRODUCER,
                run=Run(runId=self.run_id, facets=run_facets),
                job=self.job,
                inputs=self._inputs(),
                outputs=self._outputs(version, rows, assertions or [], rejects_version, rejects_rows),
            )
        )


def gate_failure_message(outcomes) -> str:
    """One line per failing expectation, for the FAIL event's errorMessage facet."""
    failed = [o for o in outcomes if not o.success]
    lines = [f"gate failed: {len(failed)} of {len(outcomes)} expectations"]
    for o in failed:
        lines.append(f"{o.suite}: {o.expectation}({o.column}) observed {o.observed}" + (f" [clause {o.clause}]" if o.clause else ""))
    return "\n".join(lines)

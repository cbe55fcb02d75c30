"""OpenLineage run events: START when a run begins, COMPLETE or FAIL when it ends.

Events go to ``OUT_DIR/runs/<run_id>/openlineage.jsonl`` (file transport) or to an HTTP endpoint
such as Marquez (``lineage.transport: http``, ``lineage.url``). Inputs are one dataset per source,
with a schema facet; the output is the Delta dataset with datasetVersion, outputStatistics and the
gate's dataQualityAssertions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    dataset_version_dataset,
    error_message_run,
    output_statistics_output_dataset,
    schema_dataset,
)

from pipelines.config import JobConfig
from transforms.core.records import RECORD_SCHEMA

PRODUCER = "https://github.com/datasteward/datasteward"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _schema(fields: list[tuple[str, str]]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in fields]
    )


class LineageEmitter:
    def __init__(self, config: JobConfig, run_id: str, run_dir: Path, dataset_path: str | Path):
        self.config = config
        self.run_id = run_id
        self.dataset_path = dataset_path
        if config.lineage.transport == "file":
            self.log_path = run_dir / "openlineage.jsonl"
            transport = {"type": "file", "log_file_path": str(self.log_path), "append": True}
        else:
            self.log_path = None
            transport = {"type": "http", "url": config.lineage.url}
        self.client = OpenLineageClient(config={"transport": transport})
        self.job = Job(namespace=config.lineage.namespace, name=config.job)

    def _inputs(self) -> list[InputDataset]:
        inputs = []
        for source in self.config.sources:
            fields = [(source.text_field, "string")]
            fields += [(name, "unknown") for name in (source.id_field, source.url_field, *source.meta_fields) if name]
            inputs.append(
                InputDataset(
                    namespace=f"datasteward://{self.config.job}/sources",
                    name=source.name,
                    facets={"schema": _schema(fields)},
                )
            )
        return inputs

    def _output(self, version: int | None, rows: int | None, assertions: list[dict]) -> OutputDataset:
        facets = {"schema": _schema([(f.name, str(f.type)) for f in RECORD_SCHEMA])}
        if version is not None:
            facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=str(version))
        if assertions:
            facets["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[data_quality_assertions_dataset.Assertion(**a) for a in assertions]
            )
        output_facets = {}
        if rows is not None:
            output_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=rows
            )
        location = str(self.dataset_path)
        if "://" in location:  # OpenLineage naming: namespace s3://bucket, name the key
            scheme, rest = location.split("://", 1)
            bucket, _, key = rest.partition("/")
            namespace, name = f"{scheme}://{bucket}", key
        else:
            namespace, name = "file", str(Path(location).resolve())
        return OutputDataset(
            namespace=namespace, name=name, facets=facets, outputFacets=output_facets
        )

    def start(self) -> None:
        self.client.emit(
            RunEvent(
                eventType=RunState.START,
                eventTime=_now(),
                producer=PRODUCER,
                run=Run(runId=self.run_id),
                job=self.job,
                inputs=self._inputs(),
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
    ) -> None:
        run_facets = {}
        if error:
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(message=error, programmingLanguage="python")
        self.client.emit(
            RunEvent(
                eventType=RunState.COMPLETE if success else RunState.FAIL,
                eventTime=_now(),
                producer=PRODUCER,
                run=Run(runId=self.run_id, facets=run_facets),
                job=self.job,
                inputs=self._inputs(),
                outputs=[self._output(version, rows, assertions or [])],
            )
        )

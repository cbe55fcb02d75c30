"""OpenLineage events that link (issue 20 item 4): datasets named by storage namespace and path per the
naming spec, the rejects table as a second output, job and run facets, the gate's failing
expectations as an error message on FAIL, every event valid against the OpenLineage JSON schema."""

import json
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import attr
import pytest
from jsonschema import Draft202012Validator, FormatChecker
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

from pipelines.lineage import beam_runner, dataset_naming, glob_root
from pipelines.run import execute
from tests.conftest import job_config

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "openlineage" / "OpenLineage.json").read_text())
# The standard facets we emit, by key, with the client class generated from each facet's spec schema:
# a field without a default there is a required property of the facet.
FACETS = {
    "jobType": job_type_job.JobTypeJobFacet,
    "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet,
    "documentation": documentation_job.DocumentationJobFacet,
    "processing_engine": processing_engine_run.ProcessingEngineRunFacet,
    "tags": tags_run.TagsRunFacet,
    "errorMessage": error_message_run.ErrorMessageRunFacet,
    "schema": schema_dataset.SchemaDatasetFacet,
    "storage": storage_dataset.StorageDatasetFacet,
    "symlinks": symlinks_dataset.SymlinksDatasetFacet,
    "version": dataset_version_dataset.DatasetVersionDatasetFacet,
    "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet,
    "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet,
}


def test_dataset_naming_follows_the_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dataset_naming("in/news") == ("file", str(tmp_path / "in" / "news"))
    assert dataset_naming("/data/x.parquet") == ("file", "/data/x.parquet")
    assert dataset_naming("file:///data/x") == ("file", "/data/x")
    assert dataset_naming("s3://bucket/corpus/news") == ("s3://bucket", "corpus/news")
    assert dataset_naming("gs://b/k/v") == ("gs://b", "k/v")
    assert dataset_naming("hdfs://nn:9000/warehouse/t") == ("hdfs://nn:9000", "/warehouse/t")
    assert glob_root("demo/corpus/news_en/*.jsonl.gz") == "demo/corpus/news_en"
    assert glob_root("s3://b/corpus/**/part-*.jsonl") == "s3://b/corpus"
    assert glob_root("in/a.jsonl") == "in/a.jsonl"
    assert beam_runner(["--direct_running_mode=multi_processing", "--direct_num_workers=2"]) == {
        "runner": "FnApiRunner", "direct_running_mode": "multi_processing", "direct_num_workers": "2"}  # fmt: skip


def _uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


def check_event(event: dict) -> None:
    """Valid against the core schema, formats checked, every standard facet complete."""
    errors = sorted(Draft202012Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(event), key=str)
    assert not errors, [e.message for e in errors]
    assert datetime.fromisoformat(event["eventTime"]).tzinfo is not None
    uuid.UUID(event["run"]["runId"])
    assert _uri(event["producer"]) and _uri(event["schemaURL"])
    facets = [("run", k, v) for k, v in event["run"].get("facets", {}).items()]
    facets += [("job", k, v) for k, v in event["job"].get("facets", {}).items()]
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        facets += [("dataset", k, v) for k, v in {**dataset.get("facets", {}), **dataset.get("outputFacets", {})}.items()]
    for where, key, facet in facets:
        assert _uri(facet["_producer"]) and facet["_schemaURL"].startswith("https://openlineage.io/spec/facets/"), (where, key)
        cls = FACETS[key]
        assert cls.__name__ in facet["_schemaURL"], (key, facet["_schemaURL"])
        required = [a.name for a in attr.fields(cls) if a.default is attr.NOTHING and not a.name.startswith("_")]
        assert all(facet.get(name) not in (None, "") for name in required), (key, required, facet)


def _events(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "openlineage.jsonl").read_text().splitlines()]


def test_events_link_by_storage_path_and_carry_job_and_run_facets(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    outcome = execute(job_config(corpus, description="lineage test"), ["--direct_num_workers=1"])
    assert outcome.status == "published", outcome.error
    start, complete = _events(corpus / "out" / "runs" / outcome.run_id)
    for event in (start, complete):
        check_event(event)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    inputs = {(i["namespace"], i["name"]): i for i in complete["inputs"]}
    assert ("file", str(corpus / "in" / "news")) in inputs and ("file", str(corpus / "in" / "pages")) in inputs
    news = inputs[("file", str(corpus / "in" / "news"))]
    assert news["facets"]["symlinks"]["identifiers"][0]["name"] == "news"
    outputs = {o["name"]: o for o in complete["outputs"]}
    assert set(outputs) == {str(corpus / "out" / "dataset"), str(corpus / "out" / "rejects")}
    dataset, rejects = outputs[str(corpus / "out" / "dataset")], outputs[str(corpus / "out" / "rejects")]
    assert all(o["namespace"] == "file" and o["facets"]["storage"]["storageLayer"] == "delta" for o in outputs.values())
    assert dataset["facets"]["version"]["datasetVersion"] == "0"
    assert dataset["outputFacets"]["outputStatistics"]["rowCount"] == outcome.manifest["counts"]["kept"]
    assert rejects["outputFacets"]["outputStatistics"]["rowCount"] == outcome.manifest["counts"]["rejected"]
    assert rejects["facets"]["version"]["datasetVersion"] == "0"
    job = complete["job"]["facets"]
    assert job["jobType"]["processingType"] == "BATCH" and job["jobType"]["integration"] == "DATASTEWARD"
    assert job["sourceCodeLocation"]["type"] in ("git", "package") and job["sourceCodeLocation"]["version"]
    assert job["documentation"]["description"] == "lineage test"
    run = complete["run"]["facets"]
    assert run["processing_engine"]["name"] == "Apache Beam" and run["processing_engine"]["version"][0].isdigit()
    assert run["processing_engine"]["openlineageAdapterVersion"] == outcome.manifest["code_version"]
    assert {t["key"]: t["value"] for t in run["tags"]["tags"]}["beam.runner"] == "FnApiRunner"


def test_gate_fail_event_names_the_failing_expectations(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    suite = corpus / "strict.json"
    suite.write_text(json.dumps({"name": "strict", "meta": {"frame": "records"}, "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "text_chars", "min_value": 10000},
         "meta": {"clause": "4.1.2(b)"}}]}))  # fmt: skip
    outcome = execute(job_config(corpus, gate={"suites": ["records", str(suite)]}))
    assert outcome.status == "gate_failed"
    fail = _events(corpus / "out" / "runs" / outcome.run_id)[-1]
    check_event(fail)
    assert fail["eventType"] == "FAIL"
    message = fail["run"]["facets"]["errorMessage"]["message"]
    assert message.startswith("gate failed: 1 of ") and "strict: expect_column_values_to_be_between(text_chars)" in message
    assert "[clause 4.1.2(b)]" in message
    assert "version" not in {o["name"]: o for o in fail["outputs"]}[str(corpus / "out" / "dataset")]["facets"]


@pytest.mark.parametrize("broken", ["runId", "eventTime"])
def test_the_schema_check_catches_a_broken_event(broken):
    event = {"eventType": "START", "eventTime": "2026-01-01T00:00:00+00:00", "producer": "https://x.example",
             "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
             "run": {"runId": "01a24a98-0c4d-72fc-b8d0-9a92fd24451d"}, "job": {"namespace": "n", "name": "j"}}  # fmt: skip
    check_event(event)
    if broken == "runId":
        del event["run"]["runId"]
    else:
        del event["eventTime"]
    with pytest.raises(AssertionError):
        check_event(event)

"""A governed run end to end on a small corpus: accounting, versions, rollback, trace, failing gate."""

import json
import threading

import pytest
import yaml
from deltalake import DeltaTable
from typer.testing import CliRunner

from pipelines import cli
from pipelines import run as run_module
from pipelines.publish import versions
from pipelines.run import execute
from tests.conftest import NEWS, job_config, source, write_jsonl

runner = CliRunner()


def steward(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def events(run_dir):
    return [json.loads(line) for line in (run_dir / "openlineage.jsonl").read_text().splitlines()]


@pytest.fixture
def project(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    return corpus


def test_runs_publish_versions_that_roll_back_and_trace(project):
    config = job_config(project)
    first = execute(config)
    assert first.status == "published" and first.exit_code == 0, first.error
    m = first.manifest
    counts = m["counts"]
    assert counts["input"] == counts["kept"] + counts["rejected"] > 0
    for reason in (
        "invalid_json",
        "invalid_utf8",
        "missing_text",
        "wrong_type",
        "blank_text",
        "not_an_object",
        "oversized_record",
        "truncated_archive",
    ):
        assert counts["rejected_by"].get(f"ingest/{reason}", 0) >= 1, reason
    assert counts["rejected_by"]["quality/too_short"] >= 1
    assert [s["stage"] for s in m["stages"]] == ["ingest", "quality"]
    assert m["dataset_version"] == 0 and m["status"] == "published"
    # inputs are named by their absolute location, and by their path relative to the source root
    assert {i["uri"] for i in m["inputs"]} >= {str(project / "in/news/a.jsonl"), str(project / "in/pages/p1.txt")}
    assert {(i["source"], i["path"]) for i in m["inputs"]} >= {("news", "a.jsonl"), ("pages", "p1.txt")}
    assert all(len(i["sha256"]) == 64 for i in m["inputs"] if not i["uri"].endswith("in/news/cut.jsonl.gz"))
    run_dir = project / "out" / "runs" / first.run_id
    assert (run_dir / "manifest.json").exists() and (run_dir / "gate" / "records.json").exists()
    kinds = [e["eventType"] for e in events(run_dir)]
    assert kinds == ["START", "COMPLETE"]
    complete = events(run_dir)[-1]
    output = complete["outputs"][0]
    assert output["facets"]["version"]["datasetVersion"] == "0"
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == counts["kept"]
    assert {a["assertion"] for a in output["facets"]["dataQualityAssertions"]["assertions"]} >= {
        "expect_column_values_to_be_unique"
    }
    v0 = DeltaTable("out/dataset", version=0).to_pyarrow_table()
    assert v0.num_rows == counts["kept"]
    assert len(set(v0.column("id").to_pylist())) == v0.num_rows
    rejects = DeltaTable("out/rejects").to_pyarrow_table()
    assert rejects.num_rows == counts["rejected"] and "text" not in rejects.schema.names

    # A second run over more input makes the next version.
    write_jsonl(project / "in" / "news" / "b.jsonl", [{"id": "x", "text": NEWS[2] + " More text here."}])
    second = execute(config)
    assert second.status == "published" and second.manifest["dataset_version"] == 1
    assert second.manifest["parent_version"] == 0
    assert second.manifest["counts"]["kept"] == counts["kept"] + 1
    # Ids are stable across runs: every v0 id is in v1.
    v1_ids = set(DeltaTable("out/dataset", version=1).to_pyarrow_table().column("id").to_pylist())
    assert set(v0.column("id").to_pylist()) <= v1_ids

    # Rollback restores v0's rows as version 2, recording who and why.
    result = steward("rollback", "out", "--to", "0", "--reason", "bad batch", "--by", "auditor")
    assert result.exit_code == 0, result.output
    current = DeltaTable("out/dataset")
    assert current.version() == 2
    assert sorted(current.to_pyarrow_table().column("id").to_pylist()) == sorted(v0.column("id").to_pylist())
    listed = versions(project / "out")
    assert [v["operation"] for v in listed] == ["publish", "publish", "rollback"]
    assert listed[2]["restored_from"] == 0 and listed[2]["by"] == "auditor" and listed[2]["reason"] == "bad batch"
    assert listed[2]["rows"] == counts["kept"]
    shown = json.loads(steward("versions", "out", "--json").output)
    assert [v["version"] for v in shown] == [0, 1, 2]

    # Trace a kept record and a rejected one.
    kept_id = v0.column("id")[0].as_py()
    found = json.loads(steward("trace", "out", kept_id, "--json").output)
    assert found["outcomes"][0]["outcome"] == "published"
    assert [d["stage"] for d in found["outcomes"][0]["decisions"]] == ["ingest", "quality"]
    assert found["source_uri"] and found["locator"] and len(found["content_sha256"]) == 64
    short = next(r for r in rejects.to_pylist() if r["reason"] == "too_short")
    found = json.loads(steward("trace", "out", short["id"], "--json").output)
    outcome = found["outcomes"][0]
    assert outcome["outcome"] == "rejected" and outcome["stage"] == "quality" and outcome["clause"] == "4.1.2(b)"
    assert [(d["stage"], d["action"]) for d in outcome["decisions"]] == [("ingest", "keep"), ("quality", "reject")]
    assert steward("trace", "out", "no-such-id").exit_code == 1


def strict_gate(project) -> dict:
    """A gate no record of the corpus passes."""
    suite = project / "strict.json"
    suite.write_text(
        json.dumps(
            {
                "name": "strict",
                "meta": {"frame": "records"},
                "expectations": [
                    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "text_chars", "min_value": 10000}}
                ],
            }
        )
    )
    return {"suites": ["records", str(suite)]}


def test_a_gbk_file_read_as_utf8_is_named_with_the_encoding_to_declare(project):
    notice = "关于加强城市道路交通安全管理工作的通知，各区县人民政府要高度重视。"
    (project / "in" / "notices" / "b.csv").write_bytes(f"id,title,text\n3,通知,{notice}\n".encode("gbk"))
    outcome = execute(job_config(project))
    assert outcome.status == "published"
    assert outcome.manifest["counts"]["rejected_by"]["ingest/invalid_utf8"] == 2  # with the corpus's own bad bytes
    assert outcome.notes == ["source notices: 1 record(s) rejected as invalid_utf8 read as Chinese in GB18030; "
                             "if its files are GBK / GB18030, set `encoding: gb18030` on the source"]  # fmt: skip


def test_a_wrong_text_field_is_named_with_the_usual_text_fields_the_records_have(project):
    (project / "in" / "forum" / "b.jsonl").write_text(json.dumps({"post_id": 9, "content": NEWS[0], "ann@example.com": "x"}) + "\n")
    config = job_config(project)
    data = yaml.safe_load(config.read_text())
    data["sources"][1].update(text_field="body", paths=["in/forum/*.jsonl.zst", "in/forum/*.jsonl"])
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    outcome = execute(config)
    assert "source forum: 4 of 4 records have no field 'body' (its text_field); they have 'content'" in outcome.notes
    assert not any("ann@" in note for note in outcome.notes)  # a field name of the data is never repeated


def test_a_stage_report_note_ends_the_run(project):
    stages = [{"stage": "ingest", "max_record_bytes": 4096},
              {"stage": "review_exclusions", "exclusions": "none.parquet", "missing_ok": True}]  # fmt: skip
    outcome = execute(job_config(project, stages=stages))
    assert outcome.status == "published"
    assert f"review_exclusions: {project / 'none.parquet'} does not exist yet; nothing was excluded" in outcome.notes


def test_more_embedded_workers_than_input_files_is_noted():
    from apache_beam.options.pipeline_options import PipelineOptions

    four = PipelineOptions(["--direct_running_mode=multi_processing", "--direct_num_workers=4"])
    assert run_module._worker_notes(four, 2) == [
        "2 input file(s) for 4 workers: a file is read by one worker, so split the corpus into at least 4 files to use them all"
    ]
    assert run_module._worker_notes(four, 4) == run_module._worker_notes(PipelineOptions([]), 1) == []


def test_failing_gate_publishes_nothing(project):
    config = job_config(project, gate=strict_gate(project))
    outcome = execute(config)
    assert outcome.status == "gate_failed" and outcome.exit_code == 2
    assert not (project / "out" / "dataset").exists()
    run_dir = project / "out" / "runs" / outcome.run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "gate_failed" and manifest["dataset_version"] is None
    assert manifest["gate"]["success"] is False
    assert set(manifest["seconds"]) == {"start", "pipeline", "gate", "publish", "report"}  # phase times on disk
    assert all(seconds >= 0 for seconds in manifest["seconds"].values())
    assert (run_dir / "gate" / "strict.json").exists()
    assert [e["eventType"] for e in events(run_dir)] == ["START", "FAIL"]
    assert not (project / "out" / "_staging" / outcome.run_id).exists()


def test_spills_go_once_the_pipeline_ends_and_the_staging_even_when_the_report_fails(project, monkeypatch):
    staged_at_gate = {}
    gate = run_module.run_gate

    def checking_gate(*args, **kwargs):
        (staging,) = (project / "out" / "_staging").iterdir()
        for thread in threading.enumerate():
            if thread.name == "remove-staging":
                thread.join()
        staged_at_gate.update({name: (staging / name).exists() for name in ("spill", "kept", "record_stats", "rejects")})
        return gate(*args, **kwargs)

    monkeypatch.setattr(run_module, "run_gate", checking_gate)
    monkeypatch.setattr(run_module, "write_report", lambda *a, **k: 1 / 0)
    stages = [{"stage": "ingest", "max_record_bytes": 4096}, {"stage": "quality", "min_chars": 20}, {"stage": "dedup"}]
    outcome = execute(job_config(project, stages=stages))
    assert outcome.status == "published", outcome.error
    # the batches spilled for dedup's decision are gone before the gate; what the gate and publishing read is not
    assert staged_at_gate == {"spill": False, "kept": True, "record_stats": True, "rejects": True}
    assert (project / "out" / "runs" / outcome.run_id / "report_error.txt").exists()
    assert not (project / "out" / "_staging").exists()


def test_cli_config_errors_and_dry_run(project):
    config = job_config(project)
    result = steward("run", config, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "stage plan" in result.output and "quality" in result.output and "FnApiRunner" in result.output
    bad = project / "bad.yaml"
    bad.write_text(config.read_text().replace("min_chars", "min_charz"))
    result = steward("run", bad)
    assert result.exit_code == 1
    assert "min_charz: unknown key" in result.output
    assert not (project / "out").exists()


def test_a_removal_waits_for_the_earlier_ones_inside_its_folder(monkeypatch):
    order, first_may_end = [], threading.Event()

    def rmtree(location):
        if location == "staging/spill":
            first_may_end.wait(5)
        order.append(location)

    monkeypatch.setattr(run_module.storage, "rmtree", rmtree)
    removals = run_module._Removals()
    removals.start("staging/spill")
    removals.start("staging")
    first_may_end.set()
    removals.wait()
    assert order == ["staging/spill", "staging"]  # the staging folder is walked only once its spills are gone


DEDUP_STAGES = [{"stage": "ingest", "max_record_bytes": 4096}, {"stage": "quality", "min_chars": 20}, {"stage": "dedup"}]


def test_dedup_index_part_is_written_while_the_gate_runs_and_appears_only_with_its_version(project, monkeypatch):
    from transforms.dedup import stage as dedup_stage

    gate_started, seen = threading.Event(), {}
    gate, prepare = run_module.run_gate, dedup_stage.prepare_part

    def checking_gate(*args, **kwargs):
        gate_started.set()
        return gate(*args, **kwargs)

    def prepare_during_the_gate(ctx, *args):
        seen["during_gate"] = gate_started.wait(10)  # a preparation the gate had to wait for would time out here
        part = prepare(ctx, *args)
        seen["index_before_commit"] = (project / "out" / "index").exists()
        return part

    monkeypatch.setattr(run_module, "run_gate", checking_gate)
    monkeypatch.setattr(dedup_stage, "prepare_part", prepare_during_the_gate)
    outcome = execute(job_config(project, stages=DEDUP_STAGES))
    assert outcome.status == "published", outcome.error
    assert seen == {"during_gate": True, "index_before_commit": False}
    index = project / "out" / "index" / "dedup" / "v0"
    assert json.loads((index / "params.json").read_text())["rows"] == outcome.manifest["counts"]["kept"]
    assert [p.name for p in index.glob("part-*")] == [f"part-{outcome.run_id}.parquet"]
    assert not (project / "out" / "_staging").exists()


@pytest.mark.parametrize("failing", ["prepare_part", "write_index"])
def test_a_failed_dedup_index_fails_the_published_run_the_same_way_whether_prepared_early_or_not(project, monkeypatch, failing):
    from transforms.dedup import stage as dedup_stage

    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(dedup_stage, failing, full_disk)
    outcome = execute(job_config(project, stages=DEDUP_STAGES))
    # the version is committed before its index is written: the run fails after it, as it always did
    assert (outcome.status, outcome.error, outcome.exit_code) == ("failed", "OSError: No space left on device", 1)
    manifest = json.loads((project / "out" / "runs" / outcome.run_id / "manifest.json").read_text())
    assert (manifest["status"], manifest["dataset_version"]) == ("failed", 0)
    assert not list((project / "out").glob("index/dedup/v0/part-*"))
    assert not (project / "out" / "_staging").exists()


def test_a_gate_failure_leaves_no_index_and_removes_the_prepared_part(project):
    outcome = execute(job_config(project, stages=DEDUP_STAGES, gate=strict_gate(project)))
    assert outcome.status == "gate_failed"
    assert not (project / "out" / "index").exists()
    assert not (project / "out" / "_staging").exists()


def test_an_output_inside_a_source_glob_is_never_read_back(project):
    """`paths: [in/**/*.parquet]` with `output.dir: in/out`: the second run read the first one's
    published dataset and rejects files as input (and published the records again)."""
    docs = source("docs", ["in/**/*.parquet"], text_field="body", license="MIT OR Apache-2.0")
    config = job_config(project, sources=[docs], output={"dir": "in/out"})
    first, second = execute(config), execute(config)
    assert first.status == second.status == "published", (first.error, second.error)
    assert second.manifest["counts"]["input"] == first.manifest["counts"]["input"]
    assert [i["path"] for i in second.manifest["inputs"]] == [i["path"] for i in first.manifest["inputs"]]

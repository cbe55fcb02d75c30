"""Object storage end to end against a real S3 API server on loopback (moto server mode).

A whole run reads its sources from the bucket and stages, publishes and writes its run folder
there; then `versions`, `trace`, `diff`, `rollback`, `report`, `sample` and `review` work on the bucket path.
"""

from __future__ import annotations

import json
import tempfile

import boto3
import pytest
from typer.testing import CliRunner

from pipelines import cli
from pipelines.outdir import DangerousOutput
from pipelines.run import execute
from tests.conftest import source
from tests.storage.s3server import S3_ENV, moto_server
from transforms.core import storage

BUCKET = "steward-test"
runner = CliRunner()


def steward(*args):
    import typer

    from pipelines.commands import diff as diff_command
    from pipelines.commands import report as report_command
    from pipelines.commands import spotcheck as spotcheck_command
    from pipelines.commands import verify as verify_command

    if args[0] in ("diff", "report", "verify", "sample", "review"):
        app = typer.Typer()
        for command in (diff_command, report_command, verify_command, spotcheck_command):
            command.register(app)
        return runner.invoke(app, [str(a) for a in args])
    return runner.invoke(cli.app, [str(a) for a in args])


@pytest.fixture
def bucket(corpus, monkeypatch):
    with moto_server() as endpoint:
        for key, value in {**S3_ENV, "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(key, value)
        storage._remote_fs.cache_clear()  # a new endpoint: no file system cached for an old one
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for path in sorted((corpus / "in").rglob("*")):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, "in/" + path.relative_to(corpus / "in").as_posix())
        yield s3, corpus
        storage._remote_fs.cache_clear()


def _config(root, out: str):
    import yaml

    s3 = f"s3://{BUCKET}/in"
    config = {
        "job": "s3",
        "sources": [
            source("news", [f"{s3}/news/*.jsonl", f"{s3}/news/*.jsonl.gz"], id_field="id", url_field="url"),
            source("forum", [f"{s3}/forum/*.jsonl.zst"], text_field="content", id_field="post_id"),
            source("docs", [f"{s3}/docs/*.parquet"], text_field="body", license="MIT OR Apache-2.0"),
            source("notices", [f"{s3}/notices/*.csv"], meta_fields=["title"], basis="own_data"),
            source("pages", [f"{s3}/pages/*.txt"], license="CC0-1.0", basis="public_domain"),
        ],
        "stages": [
            {"stage": "ingest", "max_record_bytes": 4096},
            {"stage": "quality", "min_chars": 20},
            {"stage": "dedup", "cross_version": True},
        ],
        "output": {"dir": out, "mode": "append"},
    }
    path = root / "s3job.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def test_a_run_reads_from_and_publishes_to_the_bucket(bucket, tmp_path, monkeypatch):
    s3, corpus = bucket
    # nothing of a bucket output may stay on local disk (once: `s3:/…/.steward.lock`, `/tmp/steward-progress-…`)
    workdir, local_tmp = tmp_path / "cwd", tmp_path / "tmp"
    workdir.mkdir()
    local_tmp.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(tempfile, "tempdir", str(local_tmp))
    out = f"s3://{BUCKET}/out"
    config = _config(corpus, out)
    first = execute(config)
    assert first.status == "published", first.error
    counts = first.manifest["counts"]
    assert counts["input"] == counts["kept"] + counts["rejected"] > 0
    assert counts["rejected_by"]["ingest/truncated_archive"] == 1
    assert {i["uri"] for i in first.manifest["inputs"]} >= {f"s3://{BUCKET}/in/news/a.jsonl"}

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]}
    run = f"out/runs/{first.run_id}"
    assert {f"{run}/manifest.json", f"{run}/report.html", f"{run}/openlineage.jsonl", f"{run}/gate/records.json"} <= keys
    assert any(k.startswith("out/dataset/_delta_log/") for k in keys)
    assert any(k.startswith("out/rejects/_delta_log/") for k in keys)
    assert any(k.startswith("out/index/dedup/v0/part-") for k in keys)
    assert not any(k.startswith(f"out/_staging/{first.run_id}") for k in keys)  # staging is removed after the run

    # Another job aimed at the same bucket output is refused, as on a local path (it replaced the dataset).
    other = corpus / "other.yaml"
    other.write_text(config.read_text().replace("job: s3", "job: other"))
    with pytest.raises(DangerousOutput, match="holds the dataset of job 's3', not 'other'"):
        execute(other)

    # A second run with one more record: version 1, deduplicated against version 0's index in the bucket.
    text = "A volunteer group planted four hundred oak saplings along the river path over the weekend."
    body = json.dumps({"id": "x", "text": text}) + "\n"
    s3.put_object(Bucket=BUCKET, Key="in/news/b.jsonl", Body=body.encode())
    second = execute(config)
    assert second.status == "published", second.error
    assert second.manifest["dataset_version"] == 1
    assert second.manifest["controls"]["dedup"]["cross_version"].startswith("deduplicated against published version 0")

    shown = json.loads(steward("versions", out, "--json").output)
    assert [v["version"] for v in shown] == [0, 1]
    diff = json.loads(steward("diff", out, "0", "1", "--json").output)
    assert diff["totals"]["added"] == 1 and diff["totals"]["removed"] == 0

    from deltalake import DeltaTable

    v0_ids = DeltaTable(f"{out}/dataset", version=0).to_pyarrow_table().column("id").to_pylist()
    found = json.loads(steward("trace", out, v0_ids[0], "--json").output)
    assert found["outcomes"][0]["outcome"] == "published"
    assert found["source_uri"].startswith(f"s3://{BUCKET}/in/")

    result = steward("rollback", out, "--to", "0", "--reason", "s3 test", "--by", "ci")
    assert result.exit_code == 0, result.output
    assert sorted(DeltaTable(f"{out}/dataset").to_pyarrow_table().column("id").to_pylist()) == sorted(v0_ids)
    assert any(o["Key"].startswith("out/index/dedup/v2/") for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/index/")["Contents"])
    assert list(workdir.iterdir()) == [] and list(local_tmp.iterdir()) == []

    # a rejected record is traced on the bucket too (its run's manifest is read there)
    rejected_id = DeltaTable(f"{out}/rejects").to_pyarrow_table().column("id")[0].as_py()
    found = json.loads(steward("trace", out, rejected_id, "--json").output)
    assert found["outcomes"][0]["outcome"] == "rejected"
    # the manifests chain on the bucket, and verify reads it there
    assert second.manifest["previous_manifest"]["run_id"] == first.run_id
    result = steward("verify", out)
    assert result.exit_code == 0 and result.output.startswith(f"verified {out}"), result.output
    manifest_key = f"out/runs/{first.run_id}/manifest.json"
    first_manifest = s3.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=manifest_key, Body=first_manifest.replace(b'"job": "s3"', b'"job": "S3"'))
    result = steward("verify", out, "--quick")
    assert result.exit_code == 1 and f"the manifest of run {first.run_id} changed" in result.output
    s3.put_object(Bucket=BUCKET, Key=manifest_key, Body=first_manifest)

    # A spot check of a bucket version: the sample reads it, the review records its verdicts beside it.
    sample = tmp_path / "sample.csv"
    result = steward("sample", out, "--version", "0", "--n", "3", "--out", sample)
    assert result.exit_code == 0, result.output
    failed = sample.read_text().splitlines()[1].split(",")[0]
    (tmp_path / "verdicts.csv").write_text(f"id,verdict,reason,reviewer\n{failed},fail,off-topic,ci\n")
    result = steward("review", out, tmp_path / "verdicts.csv", "--version", "0", "--min-sample", "1")
    assert result.exit_code == 2, result.output  # 0% qualified: recorded, not approved
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]}
    assert "out/index/review_exclusions.parquet" in keys and any(k.startswith("out/reviews/_delta_log/") for k in keys)
    assert list(workdir.iterdir()) == []

    s3.delete_object(Bucket=BUCKET, Key=f"out/runs/{second.run_id}/report.html")
    result = steward("report", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}/runs/{second.run_id}/report.html"
    html = s3.get_object(Bucket=BUCKET, Key=f"out/runs/{second.run_id}/report.html")["Body"].read().decode()
    assert second.run_id in html


def test_commands_on_a_missing_bucket_answer_one_line(monkeypatch, capsys):
    """A mistyped bucket (or refused credentials) printed a 60-line traceback ending in the server's XML."""
    with moto_server() as endpoint:
        for key, value in {**S3_ENV, "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(key, value)
        for args in (["versions", "s3://no-such-bucket/out"], ["trace", "s3://no-such-bucket/out", "abc"],
                     ["rollback", "s3://no-such-bucket/out", "--to", "0"]):  # fmt: skip
            monkeypatch.setattr("sys.argv", ["steward", *args])
            with pytest.raises(SystemExit) as exit_:
                cli.main()
            printed = capsys.readouterr()
            assert exit_.value.code == 1 and "Traceback" not in printed.err + printed.out, args
            assert printed.err.startswith("error: ") and printed.err.rstrip().endswith("The specified bucket does not exist")
            assert printed.err.count("\n") == 1, args


def test_dry_run_reads_the_head_of_each_bucket_source_for_its_text_field(bucket):
    import yaml

    _, corpus = bucket
    config = _config(corpus, f"s3://{BUCKET}/out")
    assert steward("run", config, "--dry-run").exit_code == 0
    data = yaml.safe_load(config.read_text())
    data["sources"][2]["text_field"] = "bdy"
    data["sources"][3]["text_field"] = "txt"
    config.write_text(yaml.safe_dump(data))
    result = steward("run", config, "--dry-run")
    assert result.exit_code == 1 and result.output.splitlines() == [
        f"config error: sources[2].text_field: source 'docs': 'bdy' is not a column of s3://{BUCKET}/in/docs/a.parquet "
        "(its columns: doc_id, body; did you mean body?)",
        f"config error: sources[3].text_field: source 'notices': 'txt' is not a column of s3://{BUCKET}/in/notices/a.csv "
        "(its columns: id, title, text; did you mean text?)",
    ], result.output


def test_the_readme_duckdb_reader_works_on_a_bucket_output(bucket):
    """Before, the snippet read the Delta log's file URIs with read_parquet, which on s3:// needs DuckDB's
    httpfs extension: a download an offline site cannot make."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from tests.annotations.test_spotcheck import record
    from tests.pipelines.test_outputs import readme_snippets
    from transforms.core.records import RECORD_SCHEMA

    out = f"s3://{BUCKET}/readers"
    rows = [record(i, source) for source in ("web", "books") for i in range(20)]
    write_deltalake(f"{out}/dataset", pa.Table.from_pylist(rows, schema=RECORD_SCHEMA))
    ns: dict = {}
    exec(readme_snippets()["duckdb"].replace("out/demo/dataset", f"{out}/dataset"), ns)
    assert sorted(ns["per_source"]) == [("books", 20), ("web", 20)]

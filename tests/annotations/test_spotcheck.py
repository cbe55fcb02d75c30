"""Spot-check loop: stratified sampling, review import and approval, exclusions, machine check."""

import csv
import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from deltalake import DeltaTable, write_deltalake
from typer.testing import CliRunner

from pipelines.commands import spotcheck as command
from transforms.annotations import spotcheck as sc
from transforms.core.stage import apply_control
from transforms.core.records import RECORD_SCHEMA, Batch, content_sha256
from transforms.review.exclusions import ReviewExclusionsConfig

SOURCES = {"web": 600, "books": 300, "code": 100}


def record(i: int, source: str) -> dict:
    text = f"{source} record {i}"
    return {"id": f"{source}-{i:04d}", "text": text, "source": source, "source_uri": f"file:///{source}.jsonl",
            "locator": f"line:{i}", "license": "CC-BY-4.0", "lang": "en", "meta": "{}",
            "content_sha256": content_sha256(text), "tags": [], "lineage": []}


@pytest.fixture
def out_dir(tmp_path):
    """Version 0: 1,000 records over three sources; version 1 adds 100 'news' records."""
    rows = [record(i, s) for s, n in SOURCES.items() for i in range(n)]
    write_deltalake(str(tmp_path / "dataset"), pa.Table.from_pylist(rows, schema=RECORD_SCHEMA))
    extra = [record(i, "news") for i in range(100)]
    write_deltalake(str(tmp_path / "dataset"), pa.Table.from_pylist(extra, schema=RECORD_SCHEMA), mode="append")
    return tmp_path


def test_proportional_allocation():
    assert sc.proportional_allocation({"a": 600, "b": 300, "c": 100}, 100) == {"a": 60, "b": 30, "c": 10}
    split = sc.proportional_allocation({"a": 1, "b": 1, "c": 1}, 2)
    assert split == {"a": 1, "b": 1, "c": 0}  # largest remainder, ties by name
    assert sum(sc.proportional_allocation({"a": 7, "b": 5, "c": 3}, 11).values()) == 11
    assert sc.proportional_allocation({"a": 2, "b": 3}, 10) == {"a": 2, "b": 3}


def test_sample_is_stratified_and_deterministic(out_dir):
    sample = sc.sample_version(out_dir, 0, n=200, seed=7)
    counts = {}
    for source in sample.column("source").to_pylist():
        counts[source] = counts.get(source, 0) + 1
    assert counts == {"web": 120, "books": 60, "code": 20}  # version 0 has no news
    assert sample.column_names == ["id", "source", "text", "version"]
    assert set(sample.column("version").to_pylist()) == {0}
    assert all(t.startswith(s) for t, s in zip(sample.column("text").to_pylist(), sample.column("source").to_pylist()))
    again = sc.sample_version(out_dir, 0, n=200, seed=7)
    assert again.column("id").to_pylist() == sample.column("id").to_pylist()
    other = sc.sample_version(out_dir, 0, n=200, seed=8)
    assert other.column("id").to_pylist() != sample.column("id").to_pylist()
    later = sc.sample_version(out_dir, 1, n=220, seed=7)
    assert later.filter(pa.compute.equal(later.column("source"), "news")).num_rows == 20


def test_sample_unknown_version(out_dir, tmp_path):
    with pytest.raises(sc.SpotCheckError, match="version 9"):
        sc.sample_version(out_dir, 9)
    with pytest.raises(sc.SpotCheckError, match="no published dataset"):
        sc.sample_version(tmp_path / "nothing", 0)


def test_write_sample_formats(out_dir, tmp_path):
    sample = sc.sample_version(out_dir, 0, n=10, seed=1)
    sc.write_sample(sample, tmp_path / "s.csv", "csv")
    rows = list(csv.DictReader(open(tmp_path / "s.csv")))
    assert len(rows) == 10 and rows[0]["verdict"] == "" and rows[0]["text"]
    sc.write_sample(sample, tmp_path / "s.json", "labelstudio")
    tasks = json.loads((tmp_path / "s.json").read_text())
    assert len(tasks) == 10 and set(tasks[0]["data"]) == {"record_id", "id", "source", "text", "version"}
    assert (tmp_path / "s.label_config.xml").read_text().count("<Choice value=") == 2


def verdict_file(tmp_path, ids, failing=(), name="r.jsonl"):
    path = tmp_path / name
    path.write_text("".join(
        json.dumps({"id": i, "verdict": "fail" if i in failing else "pass", "reason": "harmful" if i in failing else "",
                    "reviewer": f"rev{n % 2}"}) + "\n" for n, i in enumerate(ids)))
    return path


def test_review_approves_and_records(out_dir, tmp_path):
    ids = sc.sample_version(out_dir, 0, n=200, seed=1).column("id").to_pylist()
    result = sc.review_version(out_dir, 0, verdict_file(tmp_path, ids, failing=ids[:4]), min_sample=200)
    assert result["approved"] and result["rate"] == pytest.approx(0.98)
    assert result["ci_low"] < 0.98 < result["ci_high"]
    table = DeltaTable(str(out_dir / "reviews")).to_pyarrow_table().to_pylist()
    assert len(table) == 1 and table[0]["approved"] and table[0]["reviewers"] == ["rev0", "rev1"]
    assert (table[0]["n_pass"], table[0]["n_fail"], table[0]["version"]) == (196, 4, 0)
    exclusions = pq.read_table(sc.exclusions_path(out_dir)).to_pylist()
    assert exclusions == [{"id": i, "reason": "harmful", "version": 0} for i in ids[:4]]
    assert sc.approved_versions(out_dir) == [0]


def test_review_rejects_low_rate_and_small_sample(out_dir, tmp_path):
    ids = sc.sample_version(out_dir, 0, n=100, seed=2).column("id").to_pylist()
    low = sc.review_version(out_dir, 0, verdict_file(tmp_path, ids, failing=ids[:5]), min_sample=100)
    assert not low["approved"] and low["rate"] == pytest.approx(0.95)
    small = sc.review_version(out_dir, 0, verdict_file(tmp_path, ids, failing=ids[:1], name="s.jsonl"))
    assert not small["approved"] and not small["sample_ok"] and "below the required 4000" in small["warnings"][0]
    allowed = sc.review_version(out_dir, 0, verdict_file(tmp_path, ids, failing=ids[:1], name="s.jsonl"), allow_small_sample=True)
    assert allowed["approved"] and "allowed by --allow-small-sample" in allowed["warnings"][0]
    recorded = sorted(sc.reviews(out_dir).to_pylist(), key=lambda r: r["reviewed_at"])
    assert [r["approved"] for r in recorded] == [False, False, True]
    assert sc.approved_versions(out_dir) == [0]  # the latest review decides
    assert pq.read_table(sc.exclusions_path(out_dir)).num_rows == 5  # ids[0] listed once


def test_review_input_errors(out_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,verdict\nweb-0001,maybe\n")
    with pytest.raises(sc.SpotCheckError, match="line 2: verdict must be pass or fail"):
        sc.review_version(out_dir, 0, bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("id,verdict\nweb-0001,pass\nweb-0001,fail\n")
    with pytest.raises(sc.SpotCheckError, match="reviewed twice"):
        sc.review_version(out_dir, 0, twice)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("id,verdict\nnews-0001,pass\n")  # news arrived in version 1
    with pytest.raises(sc.SpotCheckError, match="not in version 0"):
        sc.review_version(out_dir, 0, unknown)
    blank = tmp_path / "blank.csv"
    blank.write_text("id,verdict\nweb-0001,\n")
    with pytest.raises(sc.SpotCheckError, match="no verdicts"):
        sc.review_version(out_dir, 0, blank)


def cli():
    app = typer.Typer()
    command.register(app)
    return app


def test_cli_sample_and_review(out_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli(), ["sample", str(out_dir), "--version", "0", "--n", "50", "--out", str(tmp_path / "s.csv"), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "books 15, code 5, web 30" in result.output
    rows = list(csv.DictReader(open(tmp_path / "s.csv")))
    with open(tmp_path / "done.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "verdict": "pass", "reviewer": "alice"} for r in rows)
    args = ["review", str(out_dir), str(tmp_path / "done.csv"), "--version", "0"]
    result = runner.invoke(cli(), args)
    assert result.exit_code == 2 and "NOT approved" in result.output
    result = runner.invoke(cli(), args + ["--allow-small-sample"])
    assert result.exit_code == 0 and "APPROVED" in result.output
    result = runner.invoke(cli(), ["review", str(out_dir), str(tmp_path / "missing.csv"), "--version", "0"])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_review_exclusions_control(out_dir, tmp_path):
    sc.add_exclusions(out_dir, [("web-0001", "harmful")], 0)
    config = ReviewExclusionsConfig(exclusions=str(sc.exclusions_path(out_dir)))
    control = config.create().control
    batch = Batch.from_rows([{**record(i, "web"), "meta": {}} for i in range(3)])
    result = apply_control(control, batch, run_id="r1")
    assert result.kept.id == ["web-0000", "web-0002"]
    (reject,) = result.rejects
    assert (reject["id"], reject["category"], reject["clause"], reject["risk_level"], reject["reason"]) == (
        "web-0001", "review", "6.1.5", "moderate", "failed_spot_check")
    assert json.loads(reject["detail"]) == {"reviewed_version": 0}


def test_review_exclusions_missing_list(tmp_path):
    missing = str(tmp_path / "none.parquet")
    with pytest.raises(FileNotFoundError, match="missing_ok"):
        ReviewExclusionsConfig(exclusions=missing).create().control.setup()
    stage = ReviewExclusionsConfig(exclusions=missing, missing_ok=True).create()
    batch = Batch.from_rows([{**record(0, "web"), "meta": {}}])
    assert len(apply_control(stage.control, batch, run_id="r1").kept) == 1
    # the run says so (a log line alone was hidden by `steward run`)
    assert stage.report(None, {})["note"] == f"review_exclusions: {missing} does not exist yet; nothing was excluded"


def test_machine_check():
    result = sc.machine_check({"keywords": {"checked": 1000, "passed": 990}, "classifier": {"checked": 990, "passed": 985}}, 5000)
    assert result["share"] == pytest.approx(0.2) and result["failed"] == 15
    assert result["pass_rate"] == pytest.approx(0.985) and result["passed"]
    low = sc.machine_check({"keywords": {"checked": 400, "passed": 400}}, 5000)
    assert not low["share_ok"] and low["pass_rate_ok"] and not low["passed"]
    dirty = sc.machine_check({"classifier": {"checked": 1000, "passed": 970}}, 1000)
    assert dirty["share_ok"] and not dirty["pass_rate_ok"]
    assert math.isnan(sc.machine_check({}, 10)["pass_rate"])
    with pytest.raises(ValueError, match="passed ≤ checked"):
        sc.machine_check({"x": {"checked": 1, "passed": 2}}, 10)


def test_stage_counts_from_counters():
    counters = {"content_risk:input": 900, "content_risk:rejected": 12, "secrets:input": 888, "pii:input": 5}
    assert sc.stage_counts_from_counters(counters, ["content_risk", "secrets", "absent"]) == {
        "content_risk": {"checked": 900, "passed": 888}, "secrets": {"checked": 888, "passed": 888}}

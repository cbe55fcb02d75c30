"""The run report as a person sees it (headless Chromium) and the version diff behind it."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import typer
import yaml
from typer.testing import CliRunner

from pipelines.commands import diff as diff_command
from pipelines.commands import report as report_command
from pipelines.diff import NOT_IN_INPUT, diff_versions
from pipelines.publish import append_rejects, commit_dataset
from pipelines.report import write_report
from pipelines.run import execute
from tests.conftest import NEWS, job_config, write_jsonl
from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def steward(*args) :
    app = typer.Typer()
    diff_command.register(app)
    report_command.register(app)
    return CliRunner().invoke(app, [str(a) for a in args])


def _records(rows: list[tuple[str, str, str]], folder: Path) -> ds.Dataset:
    """(id, source, text) -> a dataset of RECORD_SCHEMA rows with content_sha256 = f'h-{text}'."""
    columns = {name: [] for name in RECORD_SCHEMA.names}
    for record_id, source, text in rows:
        values = {"id": record_id, "text": text, "source": source, "source_uri": f"in/{source}", "locator": record_id,
                  "license": "MIT", "lang": "en", "meta": "{}", "content_sha256": f"h-{text}", "tags": [], "lineage": []}  # fmt: skip
        for name in columns:
            columns[name].append(values[name])
    return _staged(pa.table(columns, schema=RECORD_SCHEMA), folder)


def _staged(table: pa.Table, folder: Path) -> ds.Dataset:
    """``table`` as a run stages it: a Parquet file (in a new folder under ``folder``), which publishing commits
    without rewriting."""
    path = Path(tempfile.mkdtemp(dir=folder)) / "part-0.parquet"
    pq.write_table(table, path)
    return ds.dataset([str(path)], schema=table.schema)


def test_diff_counts_added_removed_changed_by_source_and_reason(tmp_path):
    commit_dataset(tmp_path, _records([("a", "s1", "one"), ("b", "s1", "two"), ("c", "s2", "three"), ("d", "s2", "four")], tmp_path),
                   "overwrite", {"run_id": "run-0"})  # fmt: skip
    commit_dataset(tmp_path, _records([("a", "s1", "one"), ("b", "s1", "TWO"), ("e", "s2", "five")], tmp_path), "overwrite", {"run_id": "run-1"})
    reject = {name: None for name in REJECT_SCHEMA.names} | {
        "id": "c", "source": "s2", "stage": "dedup", "reason": "near_duplicate", "run_id": "run-1", "lineage": []}  # fmt: skip
    other_run = reject | {"id": "d", "run_id": "run-0", "reason": "too_short", "stage": "quality"}
    append_rejects(tmp_path, _staged(pa.Table.from_pylist([reject, other_run], schema=REJECT_SCHEMA), tmp_path), "run-1")

    result = diff_versions(tmp_path, 0, 1)
    assert result["totals"] == {"added": 1, "removed": 2, "changed": 1, "unchanged": 1, "content_changed": 1, "text_changed": 1}
    assert result["by_source"] == {
        "s1": {"added": 0, "removed": 0, "changed": 1, "unchanged": 1},
        "s2": {"added": 1, "removed": 2, "changed": 0, "unchanged": 0},
    }
    # c was rejected by the later run; d's reject belongs to another run, so it simply was not in the input.
    assert result["removed_by_reason"] == [
        {"source": "s2", "reason": "dedup/near_duplicate", "rows": 1},
        {"source": "s2", "reason": NOT_IN_INPUT, "rows": 1},
    ]
    assert (result["old"]["run_id"], result["new"]["run_id"]) == ("run-0", "run-1")
    with pytest.raises(ValueError, match="version 7 does not exist"):
        diff_versions(tmp_path, 0, 7)

    shown = steward("diff", tmp_path, 0, 1)
    assert shown.exit_code == 0, shown.output
    assert "dedup/near_duplicate" in shown.output and "s2" in shown.output


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}"]  # fmt: skip
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=90)


@pytest.fixture
def two_runs(corpus, monkeypatch):
    """Version 0, then version 1 with one record added, the Chinese records below a raised min_chars, a new evidence."""
    monkeypatch.chdir(corpus)
    config = job_config(corpus)
    assert execute(config).status == "published"
    write_jsonl(corpus / "in" / "news" / "b.jsonl", [{"id": "x", "text": NEWS[2] + " More text here."}])
    data = yaml.safe_load(config.read_text())
    data["stages"][1]["min_chars"] = 60
    data["stages"][1]["min_chars_cjk"] = 60  # Chinese text has its own minimum (half of min_chars by default)
    data["sources"][0]["evidence"] = "https://example.com/terms-v2"
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    second = execute(config)
    assert second.status == "published", second.error
    return corpus / "out", second


def test_report_renders_in_a_browser_with_the_runs_numbers(two_runs, tmp_path):
    out, run = two_runs
    path = write_report(out, run.run_id)
    assert path == out / "runs" / run.run_id / "report.html"
    html = path.read_text()
    for fetch in ('src="http', "<link", "@import", "url(http", "<script"):  # offline: the page loads nothing
        assert fetch not in html, fetch
    result = steward("report", out)  # latest run by default
    assert result.exit_code == 0 and result.output.strip() == str(path), result.output
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium): report written, not rendered in a browser")

    screenshot = tmp_path / "report.png"
    shot = _chromium([f"--screenshot={screenshot}", "--window-size=1280,4000", path.as_uri()], tmp_path / "profile")
    assert screenshot.exists() and screenshot.stat().st_size > 50_000, shot.stderr[-2000:]
    dom = _chromium(["--dump-dom", path.as_uri()], tmp_path / "profile").stdout

    counts = run.manifest["counts"]
    for element, value in (("count-input", counts["input"]), ("count-kept", counts["kept"]), ("count-rejected", counts["rejected"])):
        assert f'id="{element}">{value}<' in dom
    for heading in ("Funnel: records per stage", "Rejects by stage, reason, clause and risk level", "Sources", "Controls",
                    "Publish gate (Great Expectations)", "Spot checks and annotation audits", "Clause map", "Version"):  # fmt: skip
        assert f">{heading}</h2>" in dom, heading
    assert dom.count("<svg") >= 2  # funnel and risk-level plots, inline
    too_short = counts["rejected_by"]["quality/too_short"]
    assert f"<td>quality</td><td>too_short</td><td>4.1.2(b)</td><td>low</td><td>quality</td><td class=\"n\">{too_short}</td>" in dom
    assert "https://example.com/terms-v2" in dom and "MIT OR Apache-2.0" in dom and "own_data" in dom
    assert 'href="gx/uncommitted/data_docs/local_site/index.html"' in dom
    assert (path.parent / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    # Clause map: covered clauses pass; clauses without a control in this job say so.
    assert 'data-clause="6.1.10"' in dom and 'data-clause="4.1.2(c)"' in dom
    clause_rows = dom.split('id="clause-table"')[1].split("</table>")[0]
    row_6110 = clause_rows.split('data-clause="6.1.10"')[1].split("</tr>")[0]
    assert "published as Delta version 1" in row_6110 and ">pass<" in row_6110
    assert "not covered in this run" in clause_rows.split('data-clause="4.1.2(c)"')[1].split("</tr>")[0]
    # Version: diff against version 0 by source, removed rows explained by this run's rejects, config diff.
    diff_table = dom.split('id="version-diff"')[1].split("</table>")[0]
    assert "<td>news</td><td class=\"n\">1</td>" in diff_table
    assert "quality/too_short" in dom.split("Rows against parent version 0")[1]
    config_table = dom.split('id="config-diff"')[1].split("</table>")[0]
    assert "sources.news.evidence" in config_table and "terms-v2" in config_table
    assert run.run_id in dom and json.loads((path.parent / "openlineage.jsonl").read_text().splitlines()[0])["run"]["runId"] in dom


def test_a_broken_manifest_is_one_line_and_a_broken_parent_costs_only_the_config_diff(two_runs):
    """Before, the report read manifests its own way: a manifest that is not JSON ended `steward report` in a
    traceback, and the parent run's ended the run's own report."""
    out, run = two_runs
    runs = out / "runs"
    (parent,) = (folder for folder in runs.iterdir() if folder.name != run.run_id)
    (parent / "manifest.json").write_text('{"run_id": ')
    html = write_report(out, run.run_id).read_text()
    assert 'id="version-diff"' in html and 'id="config-diff"' not in html
    broken = runs / run.run_id / "manifest.json"
    broken.write_text('{"run_id": ')
    result = steward("report", out, run.run_id)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.splitlines()[-1] == f"error: no readable manifest for run {run.run_id} ({broken})"


def test_risk_scored_model_plots_the_number_its_threshold_is_compared_with():
    from pipelines.report import _plotted_scores

    lineage = {"benign": 0.1, "hazard_bio": 0.5, "hazard_chem": 0.4}
    # Risk scoring: the stage compares 1 - P(benign) with the top hazard's threshold.
    assert _plotted_scores(lineage, {"scoring": "risk", "negative": "benign"}) == {"bio": pytest.approx(0.9)}
    # Probability scoring: each label's own probability.
    assert _plotted_scores(lineage, {"scoring": None, "negative": "benign"}) == {
        "benign": 0.1, "bio": 0.5, "chem": 0.4}


def test_reasons_with_equal_counts_are_listed_in_the_same_order_every_run(two_runs):
    from pipelines.report import build_context, render

    out, run = two_runs
    context = build_context(out, run.run_id)
    reasons = {"quality/too_short": 6, "harmful/offensive": 6, "dedup/near_duplicate": 9, "pii/secret": 6, "aigc/x": 1}
    pages = []
    for order in (list(reasons.items()), list(reversed(reasons.items()))):  # counters arrive in any order
        context["sources"][0]["rejected_by"] = dict(order)
        pages.append(render(context))
    assert pages[0] == pages[1]
    assert "dedup/near_duplicate: 9<br>harmful/offensive: 6<br>pii/secret: 6" in pages[0]


def test_score_samples_count_every_entry_of_a_shared_detail_in_record_order():
    import pyarrow as pa
    import pyarrow.dataset as ds

    from pipelines.report import _lineage_details

    def entry(stage, detail):
        return {"stage": stage, "detail": detail}

    shared, other = '{"model":"m","scores":{"toxic":0.5}}', '{"model":"m","scores":{"toxic":0.9}}'
    records = [[entry("ingest", "{}"), entry("harmful", shared)], [entry("harmful", other)],
               [entry("harmful", shared), entry("highrisk", None)], [entry("harmful", "")]]  # fmt: skip
    found = {stage: (details, list(at)) for stage, details, at in
             _lineage_details(ds.dataset(pa.table({"lineage": records})), {"harmful", "highrisk"})}  # fmt: skip
    details, at = found["harmful"]
    assert [details[i] for i in at] == [{"model": "m", "scores": {"toxic": 0.5}}, {"model": "m", "scores": {"toxic": 0.9}},
                                        {"model": "m", "scores": {"toxic": 0.5}}, {}]  # fmt: skip
    assert len(details) == 3  # each distinct detail parsed once
    assert [found["highrisk"][0][i] for i in found["highrisk"][1]] == [{}]
    assert "ingest" not in found


def test_score_samples_come_from_every_file_in_proportion(tmp_path, monkeypatch):
    # the first rows read follow the files' random names: one language's file must not fill the sample
    from pipelines import report

    def records(model, n):
        return pa.table({"lineage": [[{"stage": "harmful", "detail": f'{{"model":"{model}"}}'}]] * n})

    pq.write_table(records("harmful_en", 300), tmp_path / "a.parquet")
    pq.write_table(records("harmful_zh", 100), tmp_path / "b.parquet")
    monkeypatch.setattr(report, "SCORE_SAMPLE_ROWS", 40)
    [(stage, details, at)] = report._lineage_details(ds.dataset(tmp_path), {"harmful"})
    assert Counter(details[i]["model"] for i in at) == {"harmful_en": 30, "harmful_zh": 10}

"""The review loop round-trips (issue 20 item 6): `steward sample` → Label Studio (and CSV) → reviewers →
`steward review` of the export → the failed records are rejected by `review_exclusions` next run.

The export is built the way Label Studio writes one (a JSON list of tasks, each with its ``data`` and
``annotations[].result[].value.choices``), from one real task's structure kept in fixtures/."""

import copy
import csv
import json
from pathlib import Path

import pyarrow.compute as pc
import typer
from deltalake import DeltaTable
from typer.testing import CliRunner

from pipelines.commands import spotcheck as command
from pipelines.run import execute
from tests.conftest import job_config

FIXTURE = Path(__file__).parent / "fixtures" / "labelstudio_export_task.json"
runner = CliRunner()
app = typer.Typer()
command.register(app)


def steward(*args):
    return runner.invoke(app, [str(a) for a in args])


def labelstudio_export(tasks: list[dict], failing: set[str], skipped: set[str] = frozenset()) -> list[dict]:
    """What Label Studio exports after reviewers answered the imported tasks: every task gets its id,
    one annotation per reviewer; a skipped task has only a cancelled annotation."""
    template = json.loads(FIXTURE.read_text())
    export = []
    for n, task in enumerate(tasks, 1):
        out = copy.deepcopy(template)
        out["id"] = out["inner_id"] = n
        out["data"] = task["data"]
        record = task["data"]["record_id"]
        annotation = out["annotations"][0]
        annotation["id"] = annotation["task"] = n
        annotation["completed_by"] = 1 + n % 2
        annotation["result"][0]["value"] = {"choices": ["fail" if record in failing else "pass"]}
        annotation["result"][1]["value"] = {"text": ["personal information left in" if record in failing else ""]}
        if record in skipped:
            annotation["was_cancelled"] = True
            annotation["result"] = []
        if n == 2:  # a second reviewer on the same task, expanded user object, who fails it
            second = copy.deepcopy(annotation)
            second["id"] = 1000 + n
            second["completed_by"] = {"id": 7, "email": "lead@example.com", "first_name": "", "last_name": ""}
            second["result"][0]["value"] = {"choices": ["fail"]}
            out["annotations"].append(second)
            failing.add(record)
        export.append(out)
    return export


def test_sample_to_labelstudio_to_review_to_exclusions_in_the_next_run(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    stages = [
        {"stage": "ingest", "max_record_bytes": 4096},
        {"stage": "quality", "min_chars": 20},
        {"stage": "review_exclusions", "exclusions": "out/index/review_exclusions.parquet", "missing_ok": True},
    ]
    config = job_config(corpus, stages=stages)
    first = execute(config)
    assert first.status == "published", first.error
    kept = first.manifest["counts"]["kept"]

    result = steward("sample", "out", "--version", "0", "--n", "8", "--format", "labelstudio", "--out", "tasks.json")
    assert result.exit_code == 0, result.output
    assert "tasks.label_config.xml" in result.output
    tasks = json.loads((corpus / "tasks.json").read_text())
    ids = [t["data"]["record_id"] for t in tasks]
    failing = {ids[0]}
    export = labelstudio_export(tasks, failing, skipped={ids[-1]})
    (corpus / "export.json").write_text(json.dumps(export, indent=1))

    result = steward("review", "out", "export.json", "--version", "0", "--min-sample", "4", "--threshold", "0.5")
    assert result.exit_code == 0, result.output
    assert f"{len(ids) - 1 - len(failing)}/{len(ids) - 1} qualified" in result.output  # the skipped task is not counted
    assert f"{len(failing)} failed ids added to the exclusion list" in result.output
    review = DeltaTable(str(corpus / "out" / "reviews")).to_pyarrow_table().to_pylist()[0]
    assert "lead@example.com" in review["reviewers"]

    second = execute(config)
    assert second.status == "published", second.error
    assert second.manifest["counts"]["rejected_by"]["review_exclusions/failed_spot_check"] == len(failing)
    assert second.manifest["counts"]["kept"] == kept - len(failing)
    rejects = DeltaTable(str(corpus / "out" / "rejects")).to_pyarrow_dataset()
    excluded = rejects.to_table(filter=pc.field("stage") == "review_exclusions").column("id").to_pylist()
    assert sorted(excluded) == sorted(failing)


def test_csv_round_trip_and_labelstudio_csv_export(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    assert execute(job_config(corpus)).status == "published"
    assert steward("sample", "out", "--version", "0", "--n", "6", "--format", "csv", "--out", "s.csv").exit_code == 0
    rows = list(csv.DictReader(open(corpus / "s.csv", encoding="utf-8")))
    rows[0].update(verdict="fail", reason="harmful", reviewer="r1")
    for row in rows[1:]:
        row.update(verdict="pass", reviewer="r2")
    with open(corpus / "done.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = steward("review", "out", "done.csv", "--version", "0", "--min-sample", "6", "--threshold", "0.5")
    assert result.exit_code == 0 and "5/6 qualified" in result.output, result.output
    # Label Studio's own CSV export: `id` is the task id, the record is in `record_id`, reviewer `annotator`
    with open(corpus / "ls.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "record_id", "source", "text", "verdict", "reason", "annotator"])
        writer.writeheader()
        for n, row in enumerate(rows, 1):
            writer.writerow({"id": n, "record_id": row["id"], "source": row["source"], "text": row["text"],
                             "verdict": row["verdict"], "reason": row["reason"], "annotator": "x@example.com"})  # fmt: skip
    result = steward("review", "out", "ls.csv", "--version", "0", "--min-sample", "6", "--threshold", "0.5")
    assert result.exit_code == 0 and "5/6 qualified" in result.output, result.output

"""Issue 16/20: tampering detected, interrupts abort cleanly, one writer at a time, dangerous configs
refused, a killed run's leftovers cleaned up or completed by the next run."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner

from pipelines import cli
from pipelines.outdir import OutputLocked, output_lock
from pipelines.run import execute
from pipelines.verify import verify
from tests.conftest import NEWS, job_config, source, write_jsonl

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
if not any(c.name == "verify" for c in cli.app.registered_commands):
    cli._register_area_commands()  # what `steward` does at start: verify, report, diff...


def steward(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


@pytest.fixture
def project(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    return corpus


@pytest.fixture(scope="module")
def _published_twice(tmp_path_factory) -> Path:
    """A project whose output has two published versions (built once; each test gets a copy)."""
    root = tmp_path_factory.mktemp("published")
    (root / "in" / "news").mkdir(parents=True)
    rows = [{"id": f"n{i}", "text": text, "url": f"https://e.com/{i}"} for i, text in enumerate(NEWS)]
    write_jsonl(root / "in" / "news" / "a.jsonl", rows, [b'{"id": "bad", "text": \n'])
    config = job_config(root, sources=[source("news", ["in/news/*.jsonl"], id_field="id", url_field="url")])
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for _ in range(2):
            assert execute(config).status == "published"
    finally:
        os.chdir(cwd)
    assert verify(root / "out") == ([], [])
    return root


@pytest.fixture
def two_runs(_published_twice, tmp_path, monkeypatch):
    shutil.copytree(_published_twice, tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "project" / "out"


def _manifests(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("*/manifest.json"))


def _last_commit(out: Path) -> Path:
    return sorted((out / "dataset" / "_delta_log").glob("*.json"))[-1]


def _tamper_manifest_counts(out: Path) -> None:
    path = _manifests(out)[-1]
    manifest = json.loads(path.read_text())
    manifest["counts"]["kept"] += 1000
    path.write_text(json.dumps(manifest, indent=2))


def _tamper_commit_metadata(out: Path) -> None:
    commit = _last_commit(out)
    lines = []
    for line in commit.read_text().splitlines():
        action = json.loads(line)
        if "commitInfo" in action:
            action["commitInfo"]["datasteward.run_id"] = "01900000-0000-7000-8000-000000000000"
            action["commitInfo"]["datasteward.rows"] = 999_999
        lines.append(json.dumps(action))
    commit.write_text("\n".join(lines) + "\n")


def _tamper_data_file(out: Path) -> None:
    """Rewrite a data file of the current version and fix its size in the log to match."""

    table = DeltaTable(str(out / "dataset"))
    name = pa.table(table.get_add_actions(flatten=True)).to_pylist()[0]["path"]
    path = out / "dataset" / name
    data = pq.read_table(path)
    texts = [t.replace("bus", "tram") for t in data.column("text").to_pylist()]
    pq.write_table(data.set_column(data.schema.get_field_index("text"), "text", [texts]), path)
    size = path.stat().st_size
    for commit in (out / "dataset" / "_delta_log").glob("*.json"):
        lines = []
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if action.get("add", {}).get("path") == name:
                action["add"]["size"] = size
            lines.append(json.dumps(action))
        commit.write_text("\n".join(lines) + "\n")


def _tamper_rejects(out: Path) -> None:
    table = DeltaTable(str(out / "rejects"))
    table.delete("reason = 'invalid_json'")


def _tamper_older_manifest(out: Path) -> None:
    path = _manifests(out)[0]
    path.write_text(path.read_text().replace('"status": "published"', '"status": "published" '))


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (_tamper_manifest_counts, "differ from run"),
        (_tamper_commit_metadata, "which has no manifest"),
        (_tamper_data_file, "was rewritten"),
        (_tamper_rejects, "rejects in the table"),
        (_tamper_older_manifest, "chain: the manifest of run"),
    ],
    ids=["manifest_counts", "commit_metadata", "data_file", "rejects_rows", "chain"],
)
def test_verify_names_each_kind_of_tampering_and_readers_warn(two_runs, tamper, expected):
    tamper(two_runs)
    problems, _ = verify(two_runs)
    assert any(expected in p for p in problems), problems
    result = steward("verify", two_runs)
    assert result.exit_code == 1 and expected in result.output
    traced = steward("trace", two_runs, "no-such-record")
    assert "fails verification" in traced.output
    if tamper is _tamper_manifest_counts:
        assert "fails verification" in steward("diff", two_runs, 0, 1).output
        assert "fails verification" in steward("report", two_runs).output


def test_clean_outputs_verify(two_runs):
    result = steward("verify", two_runs)
    assert result.exit_code == 0, result.output
    manifests = [json.loads(p.read_text()) for p in _manifests(two_runs)]
    assert manifests[0]["previous_manifest"] is None
    assert manifests[1]["previous_manifest"]["run_id"] == manifests[0]["run_id"]
    assert all(f["sha256"] and f["size"] for f in manifests[1]["files"]["dataset"])


def test_a_second_writer_is_refused_with_the_holder_named(project):
    config = job_config(project)
    with output_lock(project / "out", "run other-run of job test"):
        with pytest.raises(OutputLocked, match="in use by run other-run"):
            execute(config)
        result = steward("run", config)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if not line.startswith("starting")] == [
        next(line for line in result.output.splitlines() if line.startswith("locked:"))
    ]
    assert execute(config).status == "published"  # the lock went with its holder


def test_dangerous_outputs_are_refused_in_one_line(project):
    assert execute(job_config(project)).status == "published"
    other = job_config(project, job="someone-else")
    result = steward("run", other)
    assert result.exit_code == 1 and "holds the dataset of job 'test'" in result.output
    assert len([line for line in result.output.splitlines() if not line.startswith("starting")]) == 1
    assert execute(other, force=True).status == "published"

    (project / "afile").write_text("x")
    result = steward("run", job_config(project, output={"dir": "afile"}))
    assert result.exit_code == 1 and "is a file" in result.output
    for override, message in (
        ({"output": {"dir": ""}}, "output.dir: empty"),
        ({"gate": {"suites": []}}, "gate.suites: empty"),
        ({"stages": [{"stage": "ingest"}, {"stage": "quality"}, {"stage": "quality"}]}, "already appears"),
    ):
        result = steward("run", job_config(project, **override))
        assert result.exit_code == 1 and message in result.output, result.output


def test_a_secret_typed_into_key_env_is_refused_and_never_echoed(project):
    secret = "sk-live-4f9a8b7c6d5e4f3a2b1c"
    config = job_config(project, stages=[{"stage": "ingest"}, {"stage": "pii", "default_mode": "pseudonym", "key_env": secret}])
    result = steward("run", config)
    assert result.exit_code == 1 and "looks like a secret" in result.output
    assert secret not in result.output
    assert not (project / "out").exists()


def test_a_waived_gate_records_its_reason(project):
    config = job_config(project, gate={"suites": [], "allow_none": True, "reason": "smoke test of a new source"})
    outcome = execute(config)
    assert outcome.status == "published", outcome.error
    assert outcome.manifest["gate_waived"] == "smoke test of a new source"


def test_an_unreachable_lineage_endpoint_is_a_warning(project):
    config = job_config(project, lineage={"transport": "http", "url": "http://127.0.0.1:9"})
    outcome = execute(config)
    assert outcome.status == "published", outcome.error
    assert any("lineage" in n and "127.0.0.1:9" in n for n in outcome.notes)
    events = (project / "out" / "runs" / outcome.run_id / "openlineage.jsonl").read_text().splitlines()
    assert [json.loads(e)["eventType"] for e in events] == ["START", "COMPLETE"]


def test_leftovers_of_a_dead_run_are_cleaned_up_and_told(project):
    out = project / "out"
    dead = "01900000-0000-7000-8000-00000000dead"
    (out / "_staging" / dead / "kept").mkdir(parents=True)
    (out / "_staging" / dead / "kept" / "part.parquet").write_bytes(b"x" * 1000)
    (out / "runs" / dead).mkdir(parents=True)
    (out / "runs" / dead / "manifest.json").write_text(json.dumps({"run_id": dead, "status": "running"}))
    outcome = execute(job_config(project))
    assert outcome.status == "published"
    assert any(f"staging of interrupted run {dead}" in n for n in outcome.notes)
    assert any(f"run {dead} aborted" in n for n in outcome.notes)
    assert not (out / "_staging").exists()
    assert json.loads((out / "runs" / dead / "manifest.json").read_text())["status"] == "aborted"


_RUN = "import sys; from pipelines.cli import main; sys.argv = ['steward', 'run', sys.argv[1]]; main()"


def _start(project: Path, config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, str(config)], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_aborts_with_lineage_manifest_and_no_staging(project, signum):
    config = job_config(project)
    proc = _start(project, config)
    staging = project / "out" / "_staging"
    assert _wait_for(lambda: staging.exists() and any(staging.iterdir()))
    assert staging.stat().st_mode & 0o777 == 0o700
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, stderr
    assert "aborted" in stderr and len([line for line in stderr.splitlines() if "aborted" in line]) == 1
    (run_dir,) = (project / "out" / "runs").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "aborted" and signal.Signals(signum).name in manifest["error"]
    events = [json.loads(e)["eventType"] for e in (run_dir / "openlineage.jsonl").read_text().splitlines()]
    assert events == ["START", "ABORT"]
    assert not staging.exists()
    assert not (project / "out" / "dataset").exists()




def _start_cli(project: Path, *args: str) -> subprocess.Popen:
    code = f"import sys; from pipelines.cli import main; sys.argv = ['steward', *{list(args)!r}]; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.slow
def test_concurrent_runs_on_one_output_serialise_or_refuse(project):
    config = job_config(project)
    assert execute(config).status == "published"  # an existing table, as in the probe
    waiting = [_start_cli(project, "run", str(config), "--wait-lock", "600") for _ in range(3)]
    assert [p.wait(timeout=900) for p in waiting] == [0, 0, 0]
    history = DeltaTable(str(project / "out" / "dataset")).history()
    assert sorted(h["version"] for h in history) == [0, 1, 2, 3]  # no lost update, no conflict
    assert verify(project / "out") == ([], [])
    runs = project / "out" / "runs"
    before = set(runs.iterdir())
    first = _start_cli(project, "run", str(config))
    assert _wait_for(lambda: set(runs.iterdir()) - before)  # it holds the lock from before its run folder exists
    second = _start_cli(project, "run", str(config))
    assert second.wait(timeout=900) == 1 and first.wait(timeout=900) == 0
    refusal = second.stderr.read()
    assert "locked:" in refusal and "is in use by run" in refusal
    assert verify(project / "out") == ([], [])


def test_a_commit_conflict_is_retried_and_a_lasting_one_leaves_nothing_visible(tmp_path, monkeypatch):
    import pyarrow.dataset as ds
    from deltalake.exceptions import CommitFailedError

    from pipelines.publish import PendingCommit, commit_dataset, dataset_dir
    from transforms.core.records import RECORD_SCHEMA

    def staged(name: str):
        rows = {n: [None] for n in RECORD_SCHEMA.names} | {"id": [name], "text": ["t"], "tags": [[]], "lineage": [[]]}
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table(rows, schema=RECORD_SCHEMA), path)
        return ds.dataset([str(path)], schema=RECORD_SCHEMA, format="parquet")

    out = tmp_path / "out"
    assert commit_dataset(out, staged("a"), "overwrite", {"run_id": "r0"}) == 0
    real = DeltaTable.create_write_transaction
    failures = {"left": 2}

    def flaky(self, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise CommitFailedError("concurrent commit")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DeltaTable, "create_write_transaction", flaky)
    assert commit_dataset(out, staged("b"), "overwrite", {"run_id": "r1"}) == 1
    failures["left"] = 99
    pending = PendingCommit(dataset_dir(out), staged("c"))
    with pytest.raises(CommitFailedError):
        commit_dataset(out, staged("c"), "overwrite", {"run_id": "r2"}, pending)
    assert DeltaTable(str(dataset_dir(out))).version() == 1
    assert not any((Path(dataset_dir(out)) / f["path"]).exists() for f in pending.files)

"""What `steward` prints: --version, progress, names printed as they are, wrapping at 80 columns,
no empty folders left behind (issue 20 items 1 and 8)."""

import io
import re
import time
from types import SimpleNamespace

from rich.console import Console
from typer.testing import CliRunner

from pipelines import cli
from pipelines.progress import PlainDisplay, Snapshot, plain_line, watch
from pipelines.run import prune_empty_dirs, remove_if_empty
from pipelines.version import code_version
from transforms.core import progress as worker_progress

runner = CliRunner()


def test_version_prints_package_and_commit():
    result = runner.invoke(cli.app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("steward (datasteward) ") and code_version() in result.output


def _outcome():
    counters = {"licensing:source:notes:kept": 3, "licensing:source:[bold]x:kept": 1, "pii:entity:EMAIL_ADDRESS": 2}
    gate = SimpleNamespace(
        outcomes=[
            SimpleNamespace(suite="records", expectation="expect_column_values_to_not_be_null", column="id_hash",
                            success=True, observed={"unexpected": 0, "of": 12345}),
            SimpleNamespace(suite="no_residual_pii", expectation="expect_column_values_to_be_between",
                            column="residual_identifiers", success=False, observed={"unexpected": 2, "of": 12345}),
        ]
    )  # fmt: skip
    manifest = {
        "counters": counters,
        "counts": {"input": 4, "kept": 4, "rejected": 0, "rejected_by": {"quality/too_short": 0}},
        "config": {"output": {"dir": "out"}},
        "dataset_version": 0,
        "gate": {"results_path": "out/gate"},
    }
    stages = [{"stage": "licensing", "input": 4, "kept": 4, "rejected": 0}]
    return SimpleNamespace(run_id="r1", manifest=manifest, stages=stages, gate=gate, status="published", error=None, notes=[])


def _printed(monkeypatch, width: int) -> str:
    buffer = io.StringIO()
    test_console = Console(file=buffer, width=width, emoji=False, color_system=None)
    monkeypatch.setattr(cli, "console", test_console)
    monkeypatch.setattr(cli, "err", test_console)
    cli._print_outcome(_outcome())
    return buffer.getvalue()


def test_counter_names_print_as_they_are(monkeypatch):
    text = _printed(monkeypatch, 200)
    assert "source:notes:kept 3" in text  # not a 🎶 emoji
    assert "source:[bold]x:kept 1" in text  # not markup
    assert "🎶" not in text


def _column(text: str, header: str) -> str:
    """The text of one table column, its folded lines joined (the column found from the header row)."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if f" {header} " in line and ("┃" in line or "│" in line))
    bars = [m.start() for m in re.finditer("[┃│]", lines[head])]
    start = lines[head].index(f" {header} ")
    left = max(b for b in bars if b < start)
    right = min(b for b in bars if b > start)
    cells = [line[left + 1 : right] for line in lines[head + 2 :] if len(line) > right and line[left] in "│┃"]
    return "".join(cell.strip() for cell in cells)


def test_tables_wrap_instead_of_cutting_at_80_columns(monkeypatch):
    text = _printed(monkeypatch, 80)
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    expectations = _column(text, "expectation")
    assert "column_values_to_not_be_null" in expectations and "column_values_to_be_between" in expectations
    assert "residual_identifiers" in _column(text, "column")


def test_report_path_is_printed(monkeypatch, tmp_path):
    outcome = _outcome()
    outcome.manifest["config"]["output"]["dir"] = str(tmp_path)
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    (tmp_path / "runs" / "r1" / "report.html").write_text("<html></html>")
    buffer = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=buffer, width=80, emoji=False))
    monkeypatch.setattr(cli, "err", Console(file=io.StringIO(), width=80))
    cli._print_outcome(outcome)
    assert f"report: {tmp_path / 'runs' / 'r1' / 'report.html'}" in buffer.getvalue().replace("\n", "")


def test_prune_empty_dirs_keeps_folders_with_files(tmp_path):
    (tmp_path / "_staging" / "run1" / "kept").mkdir(parents=True)
    (tmp_path / "gx" / "plugins" / "views").mkdir(parents=True)
    (tmp_path / "gx" / "uncommitted").mkdir(parents=True)
    (tmp_path / "gx" / "uncommitted" / "index.html").write_text("x")
    remove_if_empty(tmp_path / "_staging")
    assert (tmp_path / "_staging" / "run1" / "kept").exists()  # another run's staging is left alone
    (tmp_path / "_staging" / "run1" / "kept").rmdir()
    (tmp_path / "_staging" / "run1").rmdir()
    remove_if_empty(tmp_path / "_staging")
    prune_empty_dirs(tmp_path / "gx")
    assert not (tmp_path / "_staging").exists()
    assert not (tmp_path / "gx" / "plugins").exists()
    assert (tmp_path / "gx" / "uncommitted" / "index.html").exists()


def test_worker_snapshots_are_summed_by_the_driver(tmp_path, monkeypatch):
    directory = tmp_path / "_progress"
    lines = io.StringIO()
    display = PlainDisplay(lines, interval=0.2)
    with watch(directory, ["ingest", "quality"], display, poll=0.1) as watcher:
        worker_progress.add("ingest", "read", 1000)
        worker_progress.add("quality", "input", 1000)
        worker_progress.add("quality", "rejected", 7)
        # a second worker process's snapshot, as the embedded runner's multi_processing workers write them
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "otherhost-1.json").write_text('{"t": 0, "counters": {"ingest:read": 500, "quality:input": 400}}')
        deadline = time.monotonic() + 5
        # wait for the summed state itself: this process's snapshot may be flushed between two of the adds
        # above (ingest counted, quality not yet), and then "read 1,500" shows before "quality 1,400"
        while time.monotonic() < deadline and "furthest: quality 1,400" not in lines.getvalue():
            time.sleep(0.1)
        watcher.finish({"ingest:input": 1500, "quality:input": 1500, "quality:kept": 1490, "quality:rejected": 10})
    out = lines.getvalue()
    assert "read 1,500" in out and "furthest: quality 1,400" in out, out
    assert out.strip().splitlines()[-1].startswith("[") and "rejected 10" in out.strip().splitlines()[-1]
    assert worker_progress.ENV not in __import__("os").environ


def test_a_new_run_in_the_process_flushes_at_its_own_interval(tmp_path, monkeypatch):
    # an earlier run left the flusher waiting its 1-second default; a run with a short interval must not wait that out
    with watch(tmp_path / "first", ["ingest"], PlainDisplay(io.StringIO(), interval=0)) as watcher:
        worker_progress.add("ingest", "read", 1)
        watcher.finish({})
    monkeypatch.setenv(worker_progress.FLUSH_ENV, "0.05")
    directory = tmp_path / "second"
    with watch(directory, ["ingest"], PlainDisplay(io.StringIO(), interval=0)) as watcher:
        worker_progress.add("ingest", "read", 5)
        time.sleep(0.5)
        written = [p.name for p in directory.glob("*.json")] if directory.exists() else []
        watcher.finish({})
    assert written, "no snapshot within 0.5 s at a 0.05 s interval"


def test_plain_line_names_the_furthest_stage():
    s = Snapshot(12.0, ["ingest", "dedup", "pii"], {"ingest:read": 9000, "ingest:input": 9000, "dedup:input": 9000,
                                                     "dedup:rejected": 100, "pii:input": 4000}, rate=750.0)  # fmt: skip
    assert plain_line(s) == "[   12s] read 9,000 (750 docs/s) · rejected 100 · furthest: pii 4,000"


def test_no_progress_writes_no_files(tmp_path):
    with watch(tmp_path / "_progress", ["ingest"], None) as watcher:
        worker_progress.add("ingest", "read", 10)
        watcher.finish({})
    assert not (tmp_path / "_progress").exists()


def test_rich_display_on_a_terminal_shows_each_stage():
    from pipelines.progress import RichDisplay, make_display

    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, width=100, emoji=False)
    display = make_display("auto", terminal, io.StringIO())
    assert isinstance(display, RichDisplay)
    display.phase("pipeline")
    s = Snapshot(3.0, ["ingest", "source:notes"], {"ingest:read": 2000, "ingest:input": 2000, "source:notes:input": 1500,
                                                     "source:notes:kept": 1400, "source:notes:rejected": 100}, rate=666.0)  # fmt: skip
    display.update(s)
    rendered = display._render()
    display.close()
    plain_console = Console(file=io.StringIO(), width=100, emoji=False, record=True)
    plain_console.print(rendered)
    text = plain_console.export_text()
    assert "read 2,000" in text and "666 docs/s" in text
    assert "source:notes" in text and "1,400" in text and "🎶" not in text
    assert isinstance(make_display("auto", Console(file=io.StringIO()), io.StringIO()), PlainDisplay)


def test_commands_other_than_run_print_no_library_chatter(tmp_path):
    """Beam's import logs 'apitools not found…' at WARNING; `run` silenced it, `report`, `sample` and `review` printed it."""
    import subprocess
    import sys

    script = "import sys; from pipelines.cli import main; sys.argv = ['steward', *sys.argv[1:]]; main()"
    done = subprocess.run([sys.executable, "-c", script, "report", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: no runs under {tmp_path / 'runs'}"], done.stderr


def test_trace_of_an_unknown_id_says_which_id_it_takes(tmp_path):
    result = runner.invoke(cli.app, ["trace", str(tmp_path), "r00000001"])
    assert result.exit_code == 1
    assert "not found" in result.output and "meta.source_id" in result.output

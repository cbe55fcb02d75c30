"""The `steward` command line.

Core commands live here (run, versions, rollback, trace); each area adds its own from a module in
``pipelines/commands/`` that exposes ``register(app)``. Heavy imports (Beam, Great Expectations)
happen inside the commands that need them, so `steward trace` stays fast.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
import re
import sys
import warnings
from pathlib import Path
from typing import Optional

from transforms.core import storage
from transforms.core.heap import collect_rarely

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Training-data governance pipeline on Apache Beam.")


def _console(stderr: bool = False) -> Console:
    """Piped output has no terminal width to follow; 120 columns keeps the summary tables readable in
    logs. No emoji codes: a counter named ``source:notes:kept`` must not print as a music note."""
    width = None if Console(stderr=stderr).is_terminal else 120
    return Console(stderr=stderr, width=width, emoji=False)


console = _console()
err = _console(stderr=True)


def table(title: str | None = None, columns: tuple[str, ...] = (), right: tuple[str, ...] = ()) -> Table:
    """A summary table whose cells wrap (fold) instead of being cut to ``column_values…`` on a narrow terminal."""
    out = Table(title=title)
    for name in columns:
        out.add_column(name, justify="right" if name in right else "left", overflow="fold")
    return out


def plain(value) -> Text:
    """A cell printed as it is: names from configs and counters are data, never rich markup."""
    return Text(str(value))


def _version(value: bool) -> None:
    if value:
        from pipelines.version import code_version

        print(f"steward (datasteward) {code_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the datasteward version and exit."
    ),
) -> None:
    """Training-data governance pipeline on Apache Beam."""
    _quiet_libraries()  # every command: Beam's import alone logs a warning about BigQuery clients


def _quiet_libraries() -> None:
    """Beam and GX log set-up chatter at WARNING; a run's own summary is what users read."""
    warnings.filterwarnings("ignore")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.basicConfig(level=logging.ERROR)
    for name in ("apache_beam", "great_expectations", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _fail(message: str, code: int = 1) -> None:
    err.print(Text(message, style="red"), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Job config (YAML)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the config and inputs, print every resolved setting and the stage plan, run nothing."),
    progress: str = typer.Option(
        "auto", "--progress", help="Live progress: rich (a live table), plain (one line every --progress-every seconds), none; auto = rich on a terminal, plain otherwise."
    ),
    progress_every: float = typer.Option(5.0, "--progress-every", min=0.5, help="Seconds between plain progress lines."),
    force: bool = typer.Option(False, "--force", help="Write even where output.dir holds another job's dataset."),
    wait_lock: float = typer.Option(0.0, "--wait-lock", help="Seconds to wait for a live run holding output.dir."),
) -> None:
    """Run a governed job: ingest, controls, gate, publish a new dataset version, emit lineage.

    Extra arguments go to Beam's PipelineOptions, e.g. `--direct_running_mode=multi_processing
    --direct_num_workers=2`. Exit 0 = published, 2 = gate failed (nothing published), 1 = error.
    """
    collect_rarely()  # before Beam, the config's models and the graph are loaded
    from pipelines.progress import MODES, make_display

    if progress not in MODES:
        _fail(f"--progress must be one of {', '.join(MODES)}, not {progress!r}")
    # progress goes to stderr, so stdout keeps only the run's summary
    display = None if dry_run else make_display(progress, err, sys.stderr, progress_every)
    try:
        if display is not None:
            display.phase("starting")  # before Beam is imported: a piped log shows at once that the run began
        from pipelines.config import ConfigError, create_stages, load_config, preflight
        from pipelines.graph import BeamOptionsError, pipeline_options
        from pipelines.outdir import DangerousOutput, OutputLocked, check_target

        try:
            job, config_sha = load_config(config)
            problems = preflight(job)
            try:
                check_target(job.output.dir, job.job, force)
            except DangerousOutput as exc:
                problems.append(f"config error: {exc}")
            if problems:
                for problem in problems[:-1]:
                    err.print(Text(problem, style="red"), soft_wrap=True)
                _fail(problems[-1])
            # as the run will make them, so a stage or option that fails there fails here, before anything is written
            stages, options = create_stages(job), pipeline_options(ctx.args)
            if dry_run:
                _print_plan(job, config_sha, stages, options, ctx.args)
                return
        except (ConfigError, BeamOptionsError) as exc:
            _fail(str(exc))
        except ValueError as exc:
            _fail(f"config error: {exc}")

        from pipelines.run import execute

        try:
            outcome = execute(config, ctx.args, on_phase=display.phase, progress=display, force=force, wait_lock=wait_lock)
        except OutputLocked as exc:
            _fail(f"locked: {exc}")
        except DangerousOutput as exc:
            _fail(f"config error: {exc}")
    finally:
        if display is not None:
            display.close()
    _print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)


def _print_plan(job, config_sha: str, stages, options, beam_args: list[str]) -> None:
    """The stages and options as the checks made them: a stage that cannot be created or an option Beam
    refuses has printed its one error line alone, as the checks before it do."""
    import yaml

    # serialize_as_any: each stage entry with its own settings, not just the `stage:` of the base class
    resolved = job.model_dump(mode="json", serialize_as_any=True)
    plan = table("stage plan", ("#", "stage", "what it does"), right=("#",))
    for i, stage in enumerate(stages):
        plan.add_row(str(i), plain(stage.name), plain(stage.describe()))
    plan.add_row("", "gate", plain(f"Great Expectations suites: {', '.join(job.gate.suites)}"))
    plan.add_row("", "publish", plain(f"Delta table {storage.join(job.output.dir, 'dataset')} (mode {job.output.mode})"))
    runner = options.get_all_options()["runner"]
    console.print(Text.assemble(("config", "bold"), f" (sha256 {config_sha[:12]}…), every setting as resolved:"))
    console.print(Text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)))
    console.print(plan)
    console.print(Text(f"beam runner: {runner}; extra options: {' '.join(shown_beam_args(beam_args)) or '(none)'}"))


# Beam and its IO options carry credentials (--aws_secret_access_key, --s3_access_key_id, --service_account_key_file…)
SECRET_OPTION_WORDS = ("secret", "key", "token", "password", "credential")


def shown_beam_args(beam_args: list[str]) -> list[str]:
    """``beam_args`` as printed: the value of every option whose name names a credential replaced by ``***``,
    in both the ``--name=value`` and the ``--name value`` form."""
    shown, hide_next = [], False
    for arg in beam_args:
        if hide_next and not arg.startswith("--"):
            shown.append("***")
            hide_next = False
            continue
        name, equals, _ = arg.lstrip("-").partition("=")
        secret = arg.startswith("--") and any(word in name.lower() for word in SECRET_OPTION_WORDS)
        shown.append(f"--{name}=***" if secret and equals else arg)
        hide_next = secret and not equals
    return shown


def _print_outcome(outcome) -> None:
    m = outcome.manifest
    if outcome.stages:
        stages = table(f"run {outcome.run_id}", ("stage", "in", "kept", "rejected", "modified", "findings"),
                       right=("in", "kept", "rejected", "modified"))  # fmt: skip
        counters = m.get("counters", {})
        for row in outcome.stages:
            stages.add_row(
                plain(row["stage"]),
                f"{row['input']:,}",
                f"{row['kept']:,}",
                f"{row['rejected']:,}",
                f"{counters.get(row['stage'] + ':modify', 0):,}",
                plain(_findings(row["stage"], counters)),
            )
        console.print(stages)
    counts = m.get("counts")
    if counts:
        reasons = table("rejects by stage/reason", ("stage/reason", "records"), right=("records",))
        for key, n in counts["rejected_by"].items():
            reasons.add_row(plain(key), f"{n:,}")
        console.print(reasons)
    if outcome.gate:
        gate = table("gate", ("suite", "expectation", "column", "result", "observed"))
        for o in outcome.gate.outcomes:
            mark = Text("pass", style="green") if o.success else Text("FAIL", style="red")
            observed = json.dumps(o.observed, default=str)
            gate.add_row(plain(o.suite), plain(o.expectation.removeprefix("expect_")), plain(o.column), mark, plain(observed))
        console.print(gate)
    if counts:
        console.print(
            f"input {counts['input']:,} = kept {counts['kept']:,} + rejected {counts['rejected']:,}"
            f"  ({'balanced' if counts['input'] == counts['kept'] + counts['rejected'] else 'UNBALANCED'})"
        )
    run_dir = storage.join(m["config"]["output"]["dir"], "runs", outcome.run_id)
    for note in outcome.notes:
        err.print(Text.assemble(("note", "yellow"), f": {note}"), highlight=False, soft_wrap=True)
    if outcome.status == "aborted":
        err.print(Text.assemble(("aborted", "red"), f" ({outcome.error}): nothing published, staging removed — manifest {storage.join(run_dir, 'manifest.json')}"))
    elif outcome.status == "published":
        console.print(Text.assemble(("published", "green"), f" dataset version {m['dataset_version']} — manifest {storage.join(run_dir, 'manifest.json')}"))
    elif outcome.status == "gate_failed":
        why = f" ({m['gate']['reason']})" if m["gate"].get("reason") else ""
        err.print(Text.assemble(("gate failed", "red"), f"{why}: nothing published — results in {m['gate']['results_path']}"))
    else:
        err.print(Text.assemble(("run failed", "red"), f": {outcome.error} — details in {storage.join(run_dir, 'error.txt')}"))
    report = storage.join(run_dir, "report.html")
    if storage.exists(report):
        console.print(Text(f"report: {report}"), soft_wrap=True)


_STAGE_COUNTS = ("input", "kept", "rejected", "modify", "keep", "annotate", "reject")


def _findings(stage: str, counters: dict[str, int]) -> str:
    """A stage's own counters (e.g. pii:entity:EMAIL), beyond the in/kept/rejected every stage has."""
    own = {
        name.removeprefix(f"{stage}:"): n
        for name, n in counters.items()
        if name.startswith(f"{stage}:") and not name.startswith(f"{stage}:rejected:")
    }
    return ", ".join(f"{k} {v:,}" for k, v in sorted(own.items()) if k not in _STAGE_COUNTS and v)


@app.command()
def versions(
    out_dir: str = typer.Argument(..., help="The job's output directory (output.dir): a path or an s3:// URI."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List every published version: number, time, run id, rows, gate status."""
    from pipelines.publish import versions as list_versions

    rows = list_versions(out_dir)
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    if not rows:
        _fail(f"no dataset under {storage.join(out_dir, 'dataset')}")
    listing = table(f"versions of {storage.join(out_dir, 'dataset')}", ("version", "timestamp", "operation", "run id", "rows", "gate", "note"))
    for r in rows:
        note = f"restored v{r['restored_from']} by {r['by']}: {r['reason']}" if r["operation"] == "rollback" else ""
        cells = (r["version"], r["timestamp"], r["operation"], r["run_id"] or "", r["rows"], r["gate"] or "", note)
        listing.add_row(*(plain(c) for c in cells))
    console.print(listing)


@app.command()
def rollback(
    out_dir: str = typer.Argument(..., help="The job's output directory: a path or an s3:// URI."),
    to: int = typer.Option(..., "--to", help="Version to restore."),
    reason: str = typer.Option("manual rollback", "--reason", help="Why (kept in the commit metadata)."),
    by: Optional[str] = typer.Option(None, "--by", help="Who (default: the current user)."),
) -> None:
    """Restore the dataset to version N, as a new version recording who and why."""
    from pipelines.outdir import OutputLocked, lock_output
    from pipelines.publish import require_dataset, rollback as restore

    try:
        require_dataset(out_dir)  # before the lock, which makes its folder: a mistyped OUT_DIR is left unmade
        with lock_output(out_dir, "steward rollback"):  # never commit beside a live run
            version = restore(out_dir, to, reason, by)
    except (ValueError, FileNotFoundError, OutputLocked) as exc:
        _fail(str(exc))
    console.print(f"restored version {to} as version {version}")


@app.command()
def trace(
    out_dir: str = typer.Argument(..., help="The job's output directory: a path or an s3:// URI."),
    record_id: str = typer.Argument(..., help="Record id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a record's source, locator, hash and every stage decision taken on it."""
    from pipelines.trace import trace as find
    from pipelines.verify import warning

    if (line := warning(out_dir)) is not None:
        err.print(f"[yellow]{escape(line)}[/yellow]", highlight=False, soft_wrap=True)
    found = find(out_dir, record_id)
    if found is None:
        _fail(f"record {record_id} not found in {out_dir} (a record id is the `id` column of the dataset or "
              "rejects table; a source's own id is the dataset's meta.source_id)")
    if as_json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return
    console.print(Text.assemble((found["id"], "bold"), f"  source {found['source']}  file {found['source_uri']}  at {found['locator']}"))
    console.print(Text(f"licence {found['license']}  content sha256 {found['content_sha256']}"))
    for outcome in found["outcomes"]:
        where = (
            f"published in version {outcome['dataset_version']}"
            if outcome["outcome"] == "published"
            else f"rejected by {outcome['stage']} ({outcome['reason']}, clause {outcome['clause']}, {outcome['risk_level']})"
        )
        console.print(Text.assemble("\n", (where, "bold"), f" — run {outcome['run_id']}"))
        for i, d in enumerate(outcome["decisions"], 1):
            rule = " ".join(p for p in (d["rule"], f"clause {d['clause']}" if d["clause"] else "", d["risk_level"] or "") if p)
            detail = json.dumps(d["detail"], ensure_ascii=False) if d["detail"] else ""
            console.print(Text(f"  {i}. {d['stage']}: {d['action']}  {rule}  {detail}"), highlight=False)


def _register_area_commands() -> None:
    import pipelines.commands

    for module in pkgutil.iter_modules(pipelines.commands.__path__):
        importlib.import_module(f"pipelines.commands.{module.name}").register(app)


def storage_error_line(exc: OSError) -> str:
    """An object store's error as one line: deltalake nests its causes over lines with colour codes and
    ends with the server's XML, whose <Message> is what a reader needs."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    text = re.sub(r"<\?xml.*?<Message>(.*?)</Message>.*", r"\1", text, flags=re.S)
    return ": ".join(part for part in (line.strip(" ↳") for line in text.splitlines()) if part)


def main() -> None:
    _register_area_commands()
    try:
        app(prog_name="steward")
    except OSError as exc:  # a missing bucket, refused credentials, a lost connection: one line, not a traceback
        err.print(Text(f"error: {storage_error_line(exc)}", style="red"), highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())

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
import sys
import warnings
from pathlib import Path
from typing import Optional

from transforms.core import storage

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Training-data governance pipeline on Apache Beam.")
# Piped output has no terminal width to follow; 120 columns keeps the summary tables readable in logs.
console = Console() if Console().is_terminal else Console(width=120)
err = Console(stderr=True) if Console(stderr=True).is_terminal else Console(stderr=True, width=120)


def _quiet_libraries() -> None:
    """Beam and GX log set-up chatter at WARNING; a run's own summary is what users read."""
    warnings.filterwarnings("ignore")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.basicConfig(level=logging.ERROR)
    for name in ("apache_beam", "great_expectations", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="Job config (YAML)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the resolved config and stage plan, run nothing."),
) -> None:
    """Run a governed job: ingest, controls, gate, publish a new dataset version, emit lineage.

    Extra arguments go to Beam's PipelineOptions, e.g. `--direct_running_mode=multi_processing
    --direct_num_workers=2`. Exit 0 = published, 2 = gate failed (nothing published), 1 = error.
    """
    _quiet_libraries()
    from pipelines.config import ConfigError, load_config

    try:
        job, config_sha = load_config(config)
        if dry_run:
            _print_plan(job, config_sha, ctx.args)
            return
    except ConfigError as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(f"config error: {exc}")

    from pipelines.run import execute

    with console.status("validating config…") as status:
        outcome = execute(config, ctx.args, on_phase=lambda phase: status.update(f"{phase}…"))
    _print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)


def _print_plan(job, config_sha: str, beam_args: list[str]) -> None:
    import yaml

    from pipelines.graph import pipeline_options

    console.print(f"[bold]config[/bold] (sha256 {config_sha[:12]}…)")
    console.print(yaml.safe_dump(job.model_dump(mode="json"), sort_keys=False, allow_unicode=True))
    table = Table(title="stage plan")
    table.add_column("#", justify="right")
    table.add_column("stage")
    table.add_column("what it does")
    for i, entry in enumerate(job.stages):
        stage = entry.create()
        table.add_row(str(i), stage.name, stage.describe())
    table.add_row("", "gate", f"Great Expectations suites: {', '.join(job.gate.suites)}")
    table.add_row("", "publish", f"Delta table {storage.join(job.output.dir, 'dataset')} (mode {job.output.mode})")
    console.print(table)
    runner = pipeline_options(beam_args).get_all_options()["runner"]
    console.print(f"beam runner: {runner}; extra options: {' '.join(beam_args) or '(none)'}")


def _print_outcome(outcome) -> None:
    m = outcome.manifest
    if outcome.stages:
        table = Table(title=f"run {outcome.run_id}")
        for column in ("stage", "in", "kept", "rejected", "modified", "findings"):
            table.add_column(column, justify="left" if column in ("stage", "findings") else "right")
        counters = m.get("counters", {})
        for row in outcome.stages:
            table.add_row(
                row["stage"],
                f"{row['input']:,}",
                f"{row['kept']:,}",
                f"{row['rejected']:,}",
                f"{counters.get(row['stage'] + ':modify', 0):,}",
                _findings(row["stage"], counters),
            )
        console.print(table)
    counts = m.get("counts")
    if counts:
        reasons = Table(title="rejects by stage/reason")
        reasons.add_column("stage/reason")
        reasons.add_column("records", justify="right")
        for key, n in counts["rejected_by"].items():
            reasons.add_row(key, f"{n:,}")
        console.print(reasons)
    if outcome.gate:
        gate = Table(title="gate")
        for column in ("suite", "expectation", "column", "result", "observed"):
            gate.add_column(column)
        for o in outcome.gate.outcomes:
            mark = "[green]pass[/green]" if o.success else "[red]FAIL[/red]"
            gate.add_row(o.suite, o.expectation.removeprefix("expect_"), o.column, mark, json.dumps(o.observed, default=str))
        console.print(gate)
    if counts:
        console.print(
            f"input {counts['input']:,} = kept {counts['kept']:,} + rejected {counts['rejected']:,}"
            f"  ({'balanced' if counts['input'] == counts['kept'] + counts['rejected'] else 'UNBALANCED'})"
        )
    run_dir = storage.join(m["config"]["output"]["dir"], "runs", outcome.run_id)
    if outcome.status == "published":
        console.print(f"[green]published[/green] dataset version {m['dataset_version']} — manifest {storage.join(run_dir, 'manifest.json')}")
    elif outcome.status == "gate_failed":
        err.print(f"[red]gate failed[/red]: nothing published — results in {m['gate']['results_path']}")
    else:
        err.print(f"[red]run failed[/red]: {outcome.error} — details in {storage.join(run_dir, 'error.txt')}")


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
    table = Table(title=f"versions of {storage.join(out_dir, 'dataset')}")
    for column in ("version", "timestamp", "operation", "run id", "rows", "gate", "note"):
        table.add_column(column)
    for r in rows:
        note = f"restored v{r['restored_from']} by {r['by']}: {r['reason']}" if r["operation"] == "rollback" else ""
        table.add_row(str(r["version"]), r["timestamp"], r["operation"], r["run_id"] or "", str(r["rows"]), r["gate"] or "", note)
    console.print(table)


@app.command()
def rollback(
    out_dir: str = typer.Argument(..., help="The job's output directory: a path or an s3:// URI."),
    to: int = typer.Option(..., "--to", help="Version to restore."),
    reason: str = typer.Option("manual rollback", "--reason", help="Why (kept in the commit metadata)."),
    by: Optional[str] = typer.Option(None, "--by", help="Who (default: the current user)."),
) -> None:
    """Restore the dataset to version N, as a new version recording who and why."""
    from pipelines.publish import rollback as restore

    try:
        version = restore(out_dir, to, reason, by)
    except (ValueError, FileNotFoundError) as exc:
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

    found = find(out_dir, record_id)
    if found is None:
        _fail(f"record {record_id} not found in {out_dir}")
    if as_json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{found['id']}[/bold]  source {found['source']}  file {found['source_uri']}  at {found['locator']}")
    console.print(f"licence {found['license']}  content sha256 {found['content_sha256']}")
    for outcome in found["outcomes"]:
        where = (
            f"published in version {outcome['dataset_version']}"
            if outcome["outcome"] == "published"
            else f"rejected by {outcome['stage']} ({outcome['reason']}, clause {outcome['clause']}, {outcome['risk_level']})"
        )
        console.print(f"\n[bold]{where}[/bold] — run {outcome['run_id']}")
        for i, d in enumerate(outcome["decisions"], 1):
            rule = " ".join(p for p in (d["rule"], f"clause {d['clause']}" if d["clause"] else "", d["risk_level"] or "") if p)
            detail = json.dumps(d["detail"], ensure_ascii=False) if d["detail"] else ""
            console.print(f"  {i}. {d['stage']}: {d['action']}  {rule}  {detail}", highlight=False)


def _register_area_commands() -> None:
    import pipelines.commands

    for module in pkgutil.iter_modules(pipelines.commands.__path__):
        importlib.import_module(f"pipelines.commands.{module.name}").register(app)


def main() -> None:
    _register_area_commands()
    app(prog_name="steward")


if __name__ == "__main__":
    sys.exit(main())

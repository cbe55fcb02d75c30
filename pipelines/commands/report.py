"""`steward report OUT_DIR [RUN_ID]`: (re)write a run's self-contained HTML report and print its path."""

from __future__ import annotations

from typing import Optional

import typer


def report(
    out_dir: str = typer.Argument(..., help="The job's output directory (output.dir): a path or an s3:// URI."),
    run_id: Optional[str] = typer.Argument(None, help="Run id (default: the latest run)."),
) -> None:
    """Write OUT_DIR/runs/<run_id>/report.html: funnel, rejects, sources, controls, gate, clause map, version diff."""
    from pipelines.report import latest_run, write_report
    from pipelines.verify import warning

    if (line := warning(out_dir)) is not None:
        typer.echo(line, err=True)

    try:
        path = write_report(out_dir, run_id or latest_run(out_dir))
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("report")(report)

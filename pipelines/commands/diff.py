"""`steward diff OUT_DIR V1 V2`: rows added, removed and changed between two dataset versions."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table


def diff(
    out_dir: str = typer.Argument(..., help="The job's output directory (output.dir): a path or an s3:// URI."),
    old: int = typer.Argument(..., help="Earlier version."),
    new: int = typer.Argument(..., help="Later version."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rows added/removed/changed per source, and why removed rows left (the later run's reject reason)."""
    from pipelines.diff import diff_versions

    from pipelines.verify import warning

    if (line := warning(out_dir)) is not None:
        typer.echo(line, err=True)
    try:
        result = diff_versions(out_dir, old, new)
    except (ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    console = Console()
    a, b = result["old"], result["new"]
    table = Table(title=f"version {a['version']} ({a['rows']:,} rows) → version {b['version']} ({b['rows']:,} rows)")
    table.add_column("source")
    for column in ("added", "removed", "changed", "unchanged"):
        table.add_column(column, justify="right")
    for source, row in result["by_source"].items():
        table.add_row(source, *(f"{row[c]:,}" for c in ("added", "removed", "changed", "unchanged")))
    t = result["totals"]
    table.add_row("[bold]total[/bold]", *(f"[bold]{t[c]:,}[/bold]" for c in ("added", "removed", "changed", "unchanged")))
    console.print(table)
    if result["removed_by_reason"]:
        reasons = Table(title=f"why rows were removed (rejects of run {b['run_id']})")
        reasons.add_column("source")
        reasons.add_column("reason")
        reasons.add_column("rows", justify="right")
        for row in result["removed_by_reason"]:
            reasons.add_row(row["source"], row["reason"], f"{row['rows']:,}")
        console.print(reasons)
    if t["changed"]:
        console.print(f"changed: {t['content_changed']:,} with a different ingested content hash, "
                      f"{t['text_changed']:,} with different published text")  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)

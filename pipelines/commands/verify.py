"""`steward verify OUT_DIR`: check the manifest chain, the Delta logs against the files, the commits
against the manifests and the rejects against the counts; exit 1 naming what changed."""

from __future__ import annotations

from pathlib import Path

import typer

OUTPUT_PARTS = ("runs", "dataset", "rejects")


def verify(
    out_dir: str = typer.Argument(..., help="The job's output directory (output.dir): a path or an s3:// URI."),
    quick: bool = typer.Option(False, "--quick", help="Skip hashing the data files (sizes are still checked)."),
) -> None:
    """Verify an output directory: exit 0 when nothing changed, 1 naming each thing that did."""
    from pipelines.verify import verify as check
    from transforms.core import storage

    if not storage.is_remote(out_dir) and not Path(out_dir).is_dir():
        typer.echo(f"error: {out_dir} is not a directory", err=True)
        raise typer.Exit(1)
    if not any(storage.exists(storage.join(out_dir, part)) for part in OUTPUT_PARTS):
        # nothing recorded agrees with nothing there: that is no verification
        typer.echo(f"error: {out_dir} holds no datasteward output (no {', '.join(OUTPUT_PARTS)} folder)", err=True)
        raise typer.Exit(1)
    problems, notes = check(out_dir, hash_files=not quick)
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    for problem in problems:
        typer.echo(f"TAMPERED {problem}")
    if problems:
        raise typer.Exit(1)
    typer.echo(f"verified {out_dir}: chain, files, commits and rejects agree")


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)

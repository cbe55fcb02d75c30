"""`steward sample` and `steward review`: manual spot checks of a published version (Framework 6.1.5;
TC260-003: ≥ 4,000 items, ≥ 96% qualified)."""

from __future__ import annotations

import math
from pathlib import Path

import typer

EXIT_NOT_APPROVED = 2


def sample(
    out_dir: str = typer.Argument(..., help="pipeline output dir holding dataset/: a path or an s3:// URI"),
    version: int = typer.Option(..., "--version", help="published dataset version"),
    n: int = typer.Option(4000, "--n", help="sample size"),
    fmt: str = typer.Option("csv", "--format", help="csv | labelstudio"),
    out: Path = typer.Option(..., "--out", help="file to write"),
    seed: int = typer.Option(0, "--seed", help="same seed, same sample"),
) -> None:
    """Stratified random sample (by source, proportional) of a published version, for manual review."""
    from transforms.annotations.spotcheck import SpotCheckError, sample_version, write_sample

    try:
        rows = sample_version(out_dir, version, n, seed)
        write_sample(rows, out, fmt)
    except SpotCheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    per_source = {}
    for source in rows.column("source").to_pylist():
        per_source[source] = per_source.get(source, 0) + 1
    typer.echo(f"sampled {rows.num_rows} records of version {version} (seed {seed}) to {out}: "
               + ", ".join(f"{s} {c}" for s, c in sorted(per_source.items())))
    if fmt == "labelstudio":
        from transforms.annotations.spotcheck import label_config_path

        typer.echo(f"Label Studio: import {out} into a project labelled with {label_config_path(out)}; "
                   f"export it as JSON (or JSON-MIN, CSV) and run `steward review {out_dir} EXPORT --version {version}`")
    if rows.num_rows < n:
        typer.echo(f"warning: the version has only {rows.num_rows} records; all are in the sample", err=True)


def review(
    out_dir: str = typer.Argument(..., help="pipeline output dir holding dataset/: a path or an s3:// URI"),
    results: Path = typer.Argument(..., help="CSV or JSONL with id, verdict (pass|fail), reason, reviewer"),
    version: int = typer.Option(..., "--version", help="the reviewed dataset version"),
    threshold: float = typer.Option(0.96, "--threshold", help="minimum qualified rate"),
    min_sample: int = typer.Option(4000, "--min-sample", help="minimum number of reviewed items"),
    allow_small_sample: bool = typer.Option(False, "--allow-small-sample", help="approve below --min-sample (warns)"),
) -> None:
    """Import review verdicts; record them in OUT_DIR/reviews/; exit 2 unless the version is approved."""
    from transforms.annotations.spotcheck import SpotCheckError, review_version

    try:
        result = review_version(out_dir, version, results, threshold=threshold, min_sample=min_sample,
                                allow_small_sample=allow_small_sample)
    except SpotCheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for warning in result["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    low, high = (("n/a" if math.isnan(x) else f"{x:.4f}") for x in (result["ci_low"], result["ci_high"]))
    typer.echo(f"version {version}: {result['n_pass']}/{result['n_reviewed']} qualified = {result['rate']:.4f} "
               f"(Wilson 95% {low}–{high}); {result['excluded']} failed ids added to the exclusion list")
    if result["approved"]:
        typer.echo(f"version {version} APPROVED (review {result['review_id']})")
        return
    typer.echo(f"version {version} NOT approved (needs ≥ {threshold:.2%} qualified on ≥ {min_sample} items)", err=True)
    raise typer.Exit(EXIT_NOT_APPROVED)


def register(app: typer.Typer) -> None:
    app.command("sample")(sample)
    app.command("review")(review)


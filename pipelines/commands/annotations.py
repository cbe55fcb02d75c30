"""`steward audit-annotations CONFIG`: inter-annotator agreement audit with a reliability gate (issue 7)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import typer

EXIT_GATE_FAILED = 2


def _fmt(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def audit_annotations(
    config: Path = typer.Argument(..., help="flat YAML audit config (see configs/annotations_demo.yaml)"),
    in_memory: bool = typer.Option(False, "--in-memory", help="skip Beam (small sets); same results"),
) -> None:
    """Agreement audit: Krippendorff's α (gate), Cohen's and Fleiss' κ, consensus, adjudication queue.

    Exit 0 when α passes the gate (consensus published), 2 when it does not, 1 on a bad config or input.
    """
    from pipelines.annotations import run_audit
    from transforms.annotations.config import AnnotationConfigError, load_audit_config

    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    try:
        cfg = load_audit_config(config)
        missing = [p for p in cfg.inputs if not Path(p).exists()]
        if missing:
            raise AnnotationConfigError(f"config error: inputs: {missing[0]} does not exist")
    except AnnotationConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    report = run_audit(cfg, use_beam=not in_memory)
    gate, metrics, counts = report["gate"], report["metrics"], report["counts"]
    ci = metrics["alpha_ci"]
    typer.echo(
        f"items {counts['items']} (voided {counts['voided_items']}, scored {counts['scored_items']}), "
        f"annotators {counts['annotators']}, invalid rows {counts['invalid_rows']}"
    )
    typer.echo(
        f"alpha ({metrics['level']}) {_fmt(metrics['alpha'])} [95% CI {_fmt(ci['low'])}–{_fmt(ci['high'])}], "
        f"Fleiss kappa {_fmt(metrics['fleiss_kappa'])}, observed agreement {_fmt(metrics['observed_agreement'])}"
    )
    typer.echo(
        f"adjudication queue {counts['adjudication_items']} items, self-reviewed {counts['self_reviewed_items']}, "
        f"annotators below threshold: {', '.join(report['annotators_below_threshold']) or 'none'}"
    )
    for warning in report["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    out = Path(cfg.output_dir)
    if gate["passed"]:
        typer.echo(f"gate passed ({gate['band']}): consensus published to {out / 'consensus'} "
                   f"version {report['published']['version']}; report {out / 'report.html'}")
        return
    typer.echo(f"gate FAILED ({gate['band']}, alpha {_fmt(gate['alpha'])} < {gate['alpha_threshold']}): "
               f"consensus not published; report {out / 'report.html'}", err=True)
    raise typer.Exit(EXIT_GATE_FAILED)


def register(app: typer.Typer) -> None:
    app.command("audit-annotations")(audit_annotations)


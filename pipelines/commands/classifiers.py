"""`steward train-classifier`: train, calibrate, evaluate and quantise a fastText content classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from transforms.content.training import Hyperparameters, TrainingInput, TrainingJob, train_classifier


def train_classifier_command(
    inputs: list[Path] = typer.Option(..., "--input", "-i", exists=True, dir_okay=False, help="Labelled JSONL or CSV (repeatable)."),
    licenses: list[str] = typer.Option(..., "--license", help="SPDX licence of each --input, in order (one value applies to all)."),
    output: Path = typer.Option(..., "--output", "-o", help="Model path (.ftz); .json thresholds and .md model card go beside it."),
    negative_label: str = typer.Option(..., "--negative-label", help="The label meaning acceptable text (e.g. neither, safe, benign)."),
    text_field: str = typer.Option("text", help="Field holding the text."),
    label_field: str = typer.Option("label", help="Field holding the label."),
    group_field: Optional[str] = typer.Option(None, help="Field grouping rows (e.g. subject) for --fpr-group."),
    test_input: list[Path] = typer.Option([], "--test-input", exists=True, dir_okay=False, help="Held-out test file(s); else a split."),
    test_fraction: float = typer.Option(0.2, min=0.05, max=0.5, help="Held-out share when no --test-input is given."),
    seed: int = typer.Option(13, help="Seed of the split, the folds and fastText."),
    folds: int = typer.Option(5, min=2, help="Cross-validation folds used to choose thresholds."),
    objective: str = typer.Option("f1", help="Threshold objective: f1 | accuracy | fpr."),
    scoring: str = typer.Option(
        "label", help="label: each label's probability; risk: 1 - P(negative); top: the most likely positive label."
    ),
    target_fpr: float = typer.Option(0.01, help="For --objective fpr: false-positive rate allowed on negatives."),
    fpr_group: list[str] = typer.Option([], "--fpr-group", help="Restrict the FPR target to negatives of these groups."),
    name: Optional[str] = typer.Option(None, help="Model name in the card (default: output file stem)."),
    description: str = typer.Option("", help="One paragraph for the model card."),
    epoch: int = typer.Option(10),
    lr: float = typer.Option(0.3),
    dim: int = typer.Option(50),
    word_ngrams: int = typer.Option(2),
    minn: int = typer.Option(0, help="Smallest character n-gram (0: none)."),
    maxn: int = typer.Option(0, help="Largest character n-gram (0: none)."),
    bucket: int = typer.Option(200_000, help="Hash buckets for word and character n-grams."),
    cutoff: int = typer.Option(50_000, help="Rows kept by quantisation (bounds the .ftz size)."),
) -> None:
    """Train a fastText classifier from labelled JSONL/CSV, choose thresholds by cross-validation,
    evaluate on a held-out split, quantise to .ftz and write the model card."""
    if objective not in ("f1", "accuracy", "fpr"):
        raise typer.BadParameter("must be f1, accuracy or fpr", param_hint="--objective")
    if scoring not in ("label", "risk", "top"):
        raise typer.BadParameter("must be label, risk or top", param_hint="--scoring")
    if len(licenses) not in (1, len(inputs)):
        raise typer.BadParameter(f"give one licence, or one per --input ({len(inputs)})", param_hint="--license")
    per_input = licenses if len(licenses) == len(inputs) else licenses * len(inputs)
    job = TrainingJob(
        name=name or output.stem,
        description=description,
        inputs=[TrainingInput(str(p), lic) for p, lic in zip(inputs, per_input)],
        test_inputs=[TrainingInput(str(p), per_input[0]) for p in test_input],
        output=str(output),
        negative_label=negative_label,
        text_field=text_field,
        label_field=label_field,
        group_field=group_field,
        test_fraction=test_fraction,
        seed=seed,
        folds=folds,
        objective=objective,
        scoring=scoring,
        target_fpr=target_fpr,
        fpr_groups=list(fpr_group),
        hyperparameters=Hyperparameters(epoch=epoch, lr=lr, dim=dim, word_ngrams=word_ngrams, minn=minn, maxn=maxn, bucket=bucket, cutoff=cutoff),
    )
    try:
        meta = train_classifier(job)
    except ValueError as exc:
        typer.echo(f"train-classifier: {exc}", err=True)
        raise typer.Exit(2) from None
    test = meta["metrics"]["test"]
    typer.echo(
        f"{output}: {meta['size_bytes'] / 1024:.0f} KiB, labels {', '.join(meta['labels'])}, "
        f"thresholds {meta['thresholds']}, test accuracy {test['accuracy']:.3f}, macro-F1 {test['macro_f1']:.3f}; "
        f"model card {output.with_suffix('.md')}"
    )


def register(app: typer.Typer) -> None:
    app.command("train-classifier")(train_classifier_command)

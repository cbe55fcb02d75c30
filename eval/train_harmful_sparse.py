"""Train the harmful stage's second model: a hashed n-gram logistic regression (transforms/content/sparse.py)
that decides the texts the fastText model does not clear (risk 1 - P(negative) >= ``gate``).

Same training rows, shuffle, folds and threshold rule as the fastText job it complements
(eval/train_shipped_models.py): out-of-fold scores of the whole cascade (fold fastText models pick the band,
fold regressions score it) choose the thresholds, which the sidecar records for the cascade. scikit-learn
fits the regression here only (``pip install -e .[train]``); the stage scores with numpy.

    .venv/bin/python eval/train_harmful_sparse.py [harmful_en harmful_zh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.train_shipped_models import jobs  # noqa: E402
from transforms.content.sparse import FeatureSpec, SparseLinear, cascade, features, sparse_path  # noqa: E402
from transforms.content.text import preprocess_batch  # noqa: E402
from transforms.content.training import (  # noqa: E402
    _decision_view,
    _fit,
    _load,
    _sha256_file,
    classification_metrics,
    decision_settings,
    fold_assignment,
    is_train_only,
    job_decisions,
    job_thresholds,
    predict_probabilities,
)

# Per job: features, the regression's inverse regularisation, the risk at which fastText passes a text on,
# the regression's share of the probabilities there (1: it decides alone), and whether it learns from the
# rows of that band only.
SETTINGS = {
    # Word 1-2-grams and character 2-5-grams within words (scikit-learn's char_wb): out-of-fold stage
    # macro-F1 on single tweets 0.711 (fastText) -> 0.719 / 0.730 / 0.739 at C 3 / 8 / 16 (C 32 0.732); mixing
    # in fastText's probabilities, class weights on hate and word 3-grams only lowered it. Learning from the
    # band alone (the texts fastText passes on, not the long negatives it clears): 0.739 -> 0.745.
    "harmful_en": {"features": FeatureSpec(1 << 19, 2, 2, 5), "C": 16.0, "gate": 0.1, "mix": 1.0, "band_only": True},
    # Character 1-3-grams (each CJK character is a word): alone as good as fastText on unseen topics,
    # half and half with it +0.4 points.
    "harmful_zh": {"features": FeatureSpec(1 << 19, 3, 0, 0), "C": 8.0, "gate": 0.1, "mix": 0.5, "band_only": False},
}


def _matrix(texts: list[str], spec: FeatureSpec):
    from scipy.sparse import csr_matrix

    rows, buckets, values = features(preprocess_batch(texts), spec)
    return csr_matrix((values, (rows, buckets)), shape=(len(texts), spec.buckets))


def _regression(X, y, C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=300).fit(X, y)


def _learning_rows(first_negative: np.ndarray, setting: dict) -> np.ndarray:
    """Which training rows the regression learns from: all, or with ``band_only`` those it will meet in the
    stage, where the fastText model that never saw the row (out of fold) does not clear it (risk >= gate)."""
    if not setting["band_only"]:
        return np.ones(len(first_negative), dtype=bool)
    return 1.0 - first_negative >= setting["gate"]


def _as_rows(matrix: np.ndarray, labels: list[str]) -> list[dict[str, float]]:
    return [dict(zip(labels, row)) for row in matrix.tolist()]


def train(name: str) -> dict:
    job, setting = jobs()[name], SETTINGS[name]
    spec: FeatureSpec = setting["features"]
    examples = _load([i for i in job.inputs if not is_train_only(i)], job)
    extra = _load([i for i in job.inputs if is_train_only(i)], job)
    train_rows, test = examples + extra, _load(job.test_inputs, job)
    random.Random(job.seed).shuffle(train_rows)  # as training.train_classifier: same rows in the same folds
    labels = sorted({ex.label for ex in train_rows})
    y = np.array([labels.index(ex.label) for ex in train_rows])
    texts = [ex.text for ex in train_rows]
    X = _matrix(texts, spec)
    fold_of = np.array(fold_assignment(train_rows, job.folds, job.group_folds, job.fpr_groups))
    first_oof, second_oof = np.zeros((len(train_rows), len(labels))), np.zeros((len(train_rows), len(labels)))
    with tempfile.TemporaryDirectory(prefix="steward-sparse-") as tmp:
        for fold in range(job.folds):
            held, kept = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            model = _fit([train_rows[i] for i in kept], job.hyperparameters, job.seed + fold, Path(tmp))
            first_oof[held] = [[p[lab] for lab in labels] for p in predict_probabilities(model, [texts[i] for i in held])]
    negative = labels.index(job.negative_label)
    learns = _learning_rows(first_oof[:, negative], setting)
    for fold in range(job.folds):
        held, kept = np.flatnonzero(fold_of == fold), np.flatnonzero((fold_of != fold) & learns)
        second_oof[held] = _regression(X[kept], y[kept], setting["C"]).predict_proba(X[held])
        print(f"{name}: fold {fold + 1}/{job.folds}", flush=True)
    oof, rescored = cascade(first_oof, negative, setting["gate"], setting["mix"], lambda rows: second_oof[rows])
    oof_scores = _decision_view(job, labels, _as_rows(oof, labels), texts)
    thresholds = job_thresholds(job, train_rows, oof_scores)
    final = _regression(X[learns], y[learns], setting["C"])
    # softmax ignores a shift common to all labels: store each label's weights minus the last label's
    weights = (final.coef_[:-1] - final.coef_[-1]).T if len(labels) > 2 else final.coef_.T
    bias = final.intercept_[:-1] - final.intercept_[-1] if len(labels) > 2 else final.intercept_
    if len(labels) == 2:  # scikit-learn's binary model scores labels[1] against labels[0]: flip to "first minus last"
        weights, bias = -weights, -bias
    output = sparse_path(Path(job.output))
    np.savez_compressed(output, weights=weights.astype(np.float16), bias=bias.astype(np.float64))

    # held-out test: the shipped fastText model and this regression, as the stage runs them
    from transforms.content.classifier import load_classifier
    first = load_classifier(job.output)
    test_texts = [ex.text for ex in test]
    first_test = first.probabilities(preprocess_batch(test_texts))
    with np.load(output) as data:  # as shipped (float16 weights)
        second = SparseLinear(str(output), spec, tuple(labels), data["weights"], data["bias"])
    test_probs, test_rescored = cascade(
        first_test, negative, setting["gate"], setting["mix"],
        lambda rows: second.probabilities(preprocess_batch([test_texts[i] for i in rows])),
    )
    test_scores = _decision_view(job, labels, _as_rows(test_probs, labels), test_texts)
    decided = job_decisions(job, test_scores, thresholds)
    first_alone = job_decisions(job, _decision_view(job, labels, _as_rows(first_test, labels), test_texts), first.thresholds)
    oof_decided = job_decisions(job, oof_scores, thresholds)
    gold = [ex.label for ex in test]
    meta = {
        "name": f"{name}_sparse",
        "model": output.name,
        "first_model": Path(job.output).name,
        "trained": dt.date.today().isoformat(),
        "labels": labels,
        "negative_label": job.negative_label,
        "features": spec.to_json(),
        "regularisation_C": setting["C"],
        "gate": setting["gate"],
        "mix": setting["mix"],
        "band_only": setting["band_only"],
        "learning_rows": int(learns.sum()),
        "thresholds": thresholds,
        **decision_settings(job),
        "train_label_counts": dict(sorted(Counter(ex.label for ex in train_rows).items())),
        "inputs": [asdict(i) for i in job.inputs],
        "test_inputs": [asdict(i) for i in job.test_inputs],
        "split": {"seed": job.seed, "folds": job.folds, "group_folds": job.group_folds},
        "size_bytes": output.stat().st_size,
        "sha256": _sha256_file(output),
        "metrics": {
            "test": classification_metrics(gold, decided, labels),
            "test_first_model_alone": classification_metrics(gold, first_alone, labels),
            "test_band_share": len(test_rescored) / len(test),
            "cross_validation": classification_metrics([ex.label for ex in train_rows], oof_decided, labels),
            "cross_validation_band_share": float(np.isin([i for i, ex in enumerate(train_rows) if ex.calibrate], rescored).mean()),
        },
    }
    output.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(model_card(meta), encoding="utf-8")
    return meta


def model_card(meta: dict) -> str:
    m = meta["metrics"]
    f = meta["features"]
    lines = [
        f"# Model card: {meta['name']}",
        "",
        f"Second model of the harmful stage behind `{meta['first_model']}`: a multinomial logistic regression over hashed "
        f"n-grams of the shared preprocessing (transforms/content/sparse.py): word 1-{f['word_ngrams']}-grams"
        + (f" and character {f['char_min']}-{f['char_max']}-grams within each padded word" if f["char_max"] else "")
        + f", {f['buckets']:,} buckets, each n-gram 1/sqrt(n-grams of its kind in the text). Scored with numpy; "
        "scikit-learn only trains it (eval/train_harmful_sparse.py).",
        "",
        f"- File: `{meta['model']}` ({meta['size_bytes'] / 1024:.0f} KiB, float16 weights, each label's minus the last's), "
        f"sha256 `{meta['sha256']}`; sidecar `{Path(meta['model']).with_suffix('.json').name}`.",
        f"- Trained: {meta['trained']}, C = {meta['regularisation_C']}, on the same rows as `{meta['first_model']}` "
        + (f"whose out-of-fold fastText risk reaches the gate ({meta['learning_rows']:,} rows: the band it rescores) "
           if meta["band_only"] else "")
        + "(training data, licences and sha256 in the sidecar's `inputs` and in that model's card).",
        f"- Cascade: a text whose fastText risk (1 - P({meta['negative_label']})) is at least {meta['gate']} is rescored; "
        f"its probabilities become {1 - meta['mix']:g} × fastText's + {meta['mix']:g} × this model's. Thresholds "
        f"{meta['thresholds']} apply to the stage's decision scores of those probabilities (pooled {meta['pooled'] or '{}'}, "
        f"lexicon weights {meta['lexicon_weight'] or '{}'}), chosen like the first model's ({meta['threshold_objective']}, "
        f"precision floors {meta['min_precision'] or '{}'}) on out-of-fold scores of the whole cascade "
        f"({meta['split']['folds']} {'group ' if meta['split']['group_folds'] else ''}folds).",
        "",
        "## Metrics (held-out test, decided as the stage decides: classifier probabilities + lexicon)",
        "",
        "| | cascade | first model alone |",
        "|---|---|---|",
        f"| accuracy | {m['test']['accuracy']:.4f} | {m['test_first_model_alone']['accuracy']:.4f} |",
        f"| macro-F1 | {m['test']['macro_f1']:.4f} | {m['test_first_model_alone']['macro_f1']:.4f} |",
    ]
    for label in meta["labels"]:
        a, b = m["test"]["per_label"][label], m["test_first_model_alone"]["per_label"][label]
        lines.append(f"| {label} P / R / F1 | {a['precision']:.3f} / {a['recall']:.3f} / {a['f1']:.3f} | {b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |")
    lines += [
        "",
        f"Share of test texts rescored: {m['test_band_share']:.3f} (out of fold: {m['cross_validation_band_share']:.3f}). "
        "More in docs/classifiers.md.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(SETTINGS))
    args = parser.parse_args()
    for name in args.names:
        meta = train(name)
        print(json.dumps({k: meta[k] for k in ("name", "thresholds", "size_bytes")}), flush=True)
        print(json.dumps(meta["metrics"], indent=1)[:3000], flush=True)


if __name__ == "__main__":
    main()

"""Train the harmful stage's second model: a hashed n-gram logistic regression (transforms/content/sparse.py)
that decides the texts the fastText model does not clear (risk 1 - P(negative) >= ``gate``), and where a
job's setting has ``cnn``, the token CNN companion (transforms/content/cnn.py, fitted by eval/token_cnn.py)
whose probabilities take its share ``mix`` there.

Same training rows, shuffle, folds and threshold rule as the fastText job it complements
(eval/train_shipped_models.py): out-of-fold scores of the whole cascade (fold fastText models pick the band,
fold regressions and CNNs score it) choose the thresholds, which the sidecar records for the cascade.
scikit-learn fits the regression, jax the CNN, here only (``pip install -e .[train]``); the stage scores with numpy.

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

from eval.token_cnn import CNNSettings, fit_member, vocabulary  # noqa: E402
from eval.train_shipped_models import jobs  # noqa: E402
from transforms.content.cnn import TokenCNN, load_cnn, save_cnn  # noqa: E402
from transforms.content.sparse import FeatureSpec, SparseLinear, cascade, features, load_sparse, sparse_path  # noqa: E402
from transforms.content.text import preprocess_batch  # noqa: E402
from transforms.content.training import (  # noqa: E402
    classification_metrics,
    decision_settings,
    decision_view,
    fit_fasttext,
    fold_assignment,
    is_train_only,
    job_decisions,
    job_thresholds,
    load_inputs,
    predict_probabilities,
    sha256_file,
)

# Per job: features, the regression's inverse regularisation, the risk at which fastText passes a text on,
# the regression's share of the probabilities there (1: it decides alone), and whether it learns from the
# rows of that band only; ``cnn``: the companion's settings (None: none).
SETTINGS = {
    # Word 1-2-grams and character 2-5-grams within words (scikit-learn's char_wb): out-of-fold stage
    # macro-F1 on single tweets 0.711 (fastText) -> 0.719 / 0.730 / 0.739 at C 3 / 8 / 16 (C 32 0.732); mixing
    # in fastText's probabilities, class weights on hate and word 3-grams only lowered it. Learning from the
    # band alone (the texts fastText passes on, not the long negatives it clears): 0.739 -> 0.745.
    "harmful_en": {"features": FeatureSpec(1 << 19, 2, 2, 5), "C": 16.0, "gate": 0.1, "mix": 1.0, "band_only": True, "cnn": None},
    # Character 1-3-grams (each CJK character is a word): alone as good as fastText on unseen topics,
    # half and half with it +0.4 points (sixth session). Now the band is the regression and a bag of two token
    # CNNs (docs/classifiers.md, eighth session), its settings chosen nested on COLD topics never seen (leave one
    # topic out; per topic the setting with the best mean best-threshold accuracy on two inner folds) among
    # those within the stage's cost budget (a CNN share <= 1/3; at 1/2 the exact bound sends nearly the whole
    # band to it), every fold model (fastText, regression, CNN) trained with the People's Daily dev sentences
    # as training-only `safe` rows: fastText's band share 0 and CNN share 1/3 in 3 of 3 topic picks, 4 epochs in
    # 2 of 3 (5 once); nested 0.8217 -> 0.8334 at the threshold 0.33 chosen for the regression's cascade, kept
    # (``thresholds`` fixes it) because the choice is threshold-free and the nested accuracy was measured there.
    "harmful_zh": {"features": FeatureSpec(1 << 19, 3, 0, 0), "C": 8.0, "gate": 0.1, "mix": 1.0, "band_only": False,
                   "cnn": CNNSettings(epochs=4, mix=1 / 3), "thresholds": {"offensive": 0.33},
                   "cnn_chosen": "COLD leave-one-topic-out (race, gender, region), every fold model trained with the People's "
                                 "Daily dev sentences as training-only safe rows; per held-out topic the setting (epochs 1-5, "
                                 "fastText band share 0/0.2/1/3/1/2, CNN share 0/0.2/0.25/1/3: those within the stage's cost budget) "
                                 "with the best mean best-threshold accuracy on two inner folds (models without the topic and a "
                                 "second one, scored on the second); the setting most often chosen: fastText 0 (3 of 3), CNN 1/3 "
                                 "(3 of 3), 4 epochs (2 of 3). Nested accuracy at 0.33 on the held-out topics 0.8334 (cascade "
                                 "before 0.8217): docs/classifiers.md"},
}


def feature_matrix(texts: list[str], spec: FeatureSpec):
    from scipy.sparse import csr_matrix

    rows, buckets, values = features(preprocess_batch(texts), spec)
    return csr_matrix((values, (rows, buckets)), shape=(len(texts), spec.buckets))


def fit_regression(X, y, C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=300).fit(X, y)


def _learning_rows(first_negative: np.ndarray, setting: dict) -> np.ndarray:
    """Which training rows the regression learns from: all, or with ``band_only`` those it will meet in the
    stage, where the fastText model that never saw the row (out of fold) does not clear it (risk >= gate)."""
    if not setting["band_only"]:
        return np.ones(len(first_negative), dtype=bool)
    return 1.0 - first_negative >= setting["gate"]


def fit_cnn(texts: list[str], y: np.ndarray, labels: list[str], settings: CNNSettings, output: Path, meta: dict):
    """The bag of CNNs (one per seed) learnt from ``texts``, saved at ``output`` and loaded back as the stage
    scores it (float16)."""
    processed = preprocess_batch(texts)
    vocab = vocabulary(processed, settings.min_count)
    positive = y == 0  # the CNN's logit is that of labels[0]
    members = [fit_member(processed, positive, vocab, settings, seed) for seed in settings.seeds]
    save_cnn(output, labels, vocab, settings.max_tokens, settings.mix, members, meta)
    return load_cnn(output)


def _rows(job) -> tuple[list, list]:
    """The job's training rows (shuffled as training.train_classifier shuffles them: same rows in the same
    folds) and its held-out test rows."""
    examples = load_inputs([i for i in job.inputs if not is_train_only(i)], job)
    extra = load_inputs([i for i in job.inputs if is_train_only(i)], job)
    train_rows = examples + extra
    random.Random(job.seed).shuffle(train_rows)
    return train_rows, load_inputs(job.test_inputs, job)


def _as_rows(matrix: np.ndarray, labels: list[str]) -> list[dict[str, float]]:
    return [dict(zip(labels, row)) for row in matrix.tolist()]


def train(name: str) -> dict:
    job, setting = jobs()[name], SETTINGS[name]
    spec: FeatureSpec = setting["features"]
    train_rows, test = _rows(job)
    labels = sorted({ex.label for ex in train_rows})
    y = np.array([labels.index(ex.label) for ex in train_rows])
    texts = [ex.text for ex in train_rows]
    X = feature_matrix(texts, spec)
    fold_of = np.array(fold_assignment(train_rows, job.folds, job.group_folds, job.fpr_groups))
    first_oof, second_oof = np.zeros((len(train_rows), len(labels))), np.zeros((len(train_rows), len(labels)))
    cnn_oof = np.zeros((len(train_rows), len(labels)))
    with tempfile.TemporaryDirectory(prefix="steward-sparse-") as tmp:
        for fold in range(job.folds):
            held, kept = np.flatnonzero(fold_of == fold), np.flatnonzero(fold_of != fold)
            model = fit_fasttext([train_rows[i] for i in kept], job.hyperparameters, job.seed + fold, Path(tmp))
            first_oof[held] = [[p[lab] for lab in labels] for p in predict_probabilities(model, [texts[i] for i in held])]
    negative = labels.index(job.negative_label)
    learns = _learning_rows(first_oof[:, negative], setting)
    cnn: CNNSettings | None = setting["cnn"]
    output = sparse_path(Path(job.output))
    companion = _companion_path(output)
    for fold in range(job.folds):
        held, kept = np.flatnonzero(fold_of == fold), np.flatnonzero((fold_of != fold) & learns)
        second_oof[held] = fit_regression(X[kept], y[kept], setting["C"]).predict_proba(X[held])
        if cnn is not None:
            with tempfile.TemporaryDirectory(prefix="steward-cnn-") as tmp:
                fold_cnn = fit_cnn([texts[i] for i in kept], y[kept], labels, cnn, Path(tmp) / "fold.npz", {})
                cnn_oof[held] = fold_cnn.probabilities(preprocess_batch([texts[i] for i in held]))
        print(f"{name}: fold {fold + 1}/{job.folds}", flush=True)
    oof, rescored = cascade(first_oof, negative, setting["gate"], setting["mix"], lambda rows: second_oof[rows])
    if cnn is not None:  # on the whole band: the stage's bound skips only rows this cannot change
        oof[rescored] = (1.0 - cnn.mix) * oof[rescored] + cnn.mix * cnn_oof[rescored]
    oof_scores = decision_view(job, labels, _as_rows(oof, labels), texts)
    thresholds = setting.get("thresholds") or job_thresholds(job, train_rows, oof_scores)
    final = fit_regression(X[learns], y[learns], setting["C"])
    if cnn is not None:
        cnn_meta = _companion_meta(job, setting, companion, [train_rows[i] for i in np.flatnonzero(learns)], name)
        companion_model = fit_cnn([texts[i] for i in np.flatnonzero(learns)], y[learns], labels, cnn, companion, cnn_meta)
    # softmax ignores a shift common to all labels: store each label's weights minus the last label's
    weights = (final.coef_[:-1] - final.coef_[-1]).T if len(labels) > 2 else final.coef_.T
    bias = final.intercept_[:-1] - final.intercept_[-1] if len(labels) > 2 else final.intercept_
    if len(labels) == 2:  # scikit-learn's binary model scores labels[1] against labels[0]: flip to "first minus last"
        weights, bias = -weights, -bias
    np.savez_compressed(output, weights=weights.astype(np.float16), bias=bias.astype(np.float64))

    with np.load(output) as data:  # as shipped (float16 weights)
        second = SparseLinear(str(output), spec, tuple(labels), data["weights"], data["bias"], setting["gate"], setting["mix"])
    test_metrics = _test_metrics(job, labels, test, second, companion_model if cnn is not None else None, thresholds)
    oof_decided = job_decisions(job, oof_scores, thresholds)
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
        "companion": companion.name if cnn is not None else None,
        "learning_rows": int(learns.sum()),
        "thresholds": thresholds,
        **decision_settings(job),
        "train_label_counts": dict(sorted(Counter(ex.label for ex in train_rows).items())),
        "inputs": [asdict(i) for i in job.inputs],
        "test_inputs": [asdict(i) for i in job.test_inputs],
        "split": {"seed": job.seed, "folds": job.folds, "group_folds": job.group_folds},
        "size_bytes": output.stat().st_size,
        "sha256": sha256_file(output),
        "metrics": {
            **test_metrics,
            "cross_validation": classification_metrics([ex.label for ex in train_rows], oof_decided, labels),
            "cross_validation_band_share": float(np.isin([i for i, ex in enumerate(train_rows) if ex.calibrate], rescored).mean()),
        },
    }
    output.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(model_card(meta), encoding="utf-8")
    return meta


def _test_metrics(job, labels: list[str], test: list, second: SparseLinear, companion: TokenCNN | None, thresholds: dict) -> dict:
    """Held-out test decided as the stage decides: the shipped fastText model, ``second`` on its band and the
    ``companion`` (if any) with its share there (scored on the whole band: the stage's bound only skips rows
    it cannot change), against the fastText model alone."""
    from transforms.content.classifier import load_classifier

    first = load_classifier(job.output)
    texts = [ex.text for ex in test]
    first_test = first.probabilities(preprocess_batch(texts))
    probs, rescored = cascade(first_test, labels.index(job.negative_label), second.gate, second.mix,
                              lambda rows: second.probabilities(preprocess_batch([texts[i] for i in rows])))
    if companion is not None:
        probs[rescored] = (1.0 - companion.mix) * probs[rescored] + companion.mix * companion.probabilities(
            preprocess_batch([texts[i] for i in rescored]))
    decided = job_decisions(job, decision_view(job, labels, _as_rows(probs, labels), texts), thresholds)
    first_alone = job_decisions(job, decision_view(job, labels, _as_rows(first_test, labels), texts), first.thresholds)
    gold = [ex.label for ex in test]
    return {"test": classification_metrics(gold, decided, labels), "test_first_model_alone": classification_metrics(gold, first_alone, labels),
            "test_band_share": len(rescored) / len(test)}


def train_companion(name: str) -> dict:
    """Fit only the job's CNN companion on all its training rows (seeds fixed) beside the shipped regression,
    which it leaves as it is, and write into the regression's sidecar the band mix and thresholds of SETTINGS
    (which must fix them: no out-of-fold cascade is scored here) and the held-out test of the new cascade."""
    job, setting = jobs()[name], SETTINGS[name]
    cnn: CNNSettings = setting["cnn"]
    if cnn is None or setting["band_only"] or not setting.get("thresholds"):
        raise SystemExit(f"{name}: --companion needs a CNN, all rows learning and fixed thresholds in SETTINGS")
    output = sparse_path(Path(job.output))
    meta = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    second = load_sparse(output)
    if meta["features"] != setting["features"].to_json() or meta["regularisation_C"] != setting["C"] or meta["gate"] != setting["gate"]:
        raise SystemExit(f"{output}: the shipped regression is not SETTINGS[{name!r}]'s: retrain it (without --companion)")
    train_rows, test = _rows(job)
    labels = sorted({ex.label for ex in train_rows})
    y = np.array([labels.index(ex.label) for ex in train_rows])
    companion = _companion_path(output)
    cnn_meta = _companion_meta(job, setting, companion, train_rows, f"--companion {name}")
    model = fit_cnn([ex.text for ex in train_rows], y, labels, cnn, companion, cnn_meta)
    cnn_meta = json.loads(companion.with_suffix(".json").read_text(encoding="utf-8"))
    second = SparseLinear(second.path, second.spec, second.labels, second.weights, second.bias, setting["gate"], setting["mix"])
    metrics = _test_metrics(job, labels, test, second, model, setting["thresholds"])
    meta.update(mix=setting["mix"], companion=companion.name, thresholds=setting["thresholds"], thresholds_fixed=True,
                companion_trained=cnn_meta["trained"], metrics={**metrics, "cross_validation_band_share": meta["metrics"]["cross_validation_band_share"]})
    output.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(model_card(meta), encoding="utf-8")
    companion.with_suffix(".md").write_text(companion_card(cnn_meta, metrics), encoding="utf-8")
    return meta


def _companion_meta(job, setting: dict, companion: Path, rows: list, arguments: str) -> dict:
    """The companion sidecar's provenance: what it learnt from, with which settings and tools, chosen how."""
    import jax

    return {
        "name": companion.stem, "first_model": Path(job.output).name, "second_model": sparse_path(Path(job.output)).name,
        "trained": dt.date.today().isoformat(),
        "trainer": f"eval/train_harmful_sparse.py {arguments} (eval/token_cnn.py, jax {jax.__version__}, CPU, float32; stored float16)",
        "settings": asdict(setting["cnn"]), "how_chosen": setting.get("cnn_chosen", ""), "learning_rows": len(rows),
        "train_label_counts": dict(sorted(Counter(ex.label for ex in rows).items())),
        "inputs": [asdict(i) for i in job.inputs], "split": {"seed": job.seed, "shuffle": "as the fastText job's (random.Random(seed))"},
    }


def _companion_path(second: Path) -> Path:
    return second.with_name(second.stem.replace("_sparse", "_cnn") + ".npz")


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
           if meta.get("band_only") else "")
        + "(training data, licences and sha256 in the sidecar's `inputs` and in that model's card).",
        f"- Cascade: a text whose fastText risk (1 - P({meta['negative_label']})) is at least {meta['gate']} is rescored; "
        f"its probabilities become {1 - meta['mix']:g} × fastText's + {meta['mix']:g} × this model's. Thresholds "
        f"{meta['thresholds']} apply to the stage's decision scores of those probabilities (pooled {meta['pooled'] or '{}'}, "
        f"lexicon weights {meta['lexicon_weight'] or '{}'}), chosen like the first model's ({meta['threshold_objective']}, "
        f"precision floors {meta['min_precision'] or '{}'}) on out-of-fold scores of the whole cascade "
        f"({meta['split']['folds']} {'group ' if meta['split']['group_folds'] else ''}folds)"
        + (" when they were last chosen; fixed since (eval/train_harmful_sparse.py SETTINGS)" if meta.get("thresholds_fixed") else "") + ".",
    ]
    if meta.get("companion"):
        lines.append(f"- Companion `{meta['companion']}` (its card beside it): where it can still change a flag, the band's "
                     "probabilities become (1 − its mix) × the above + its mix × its own.")
    lines += [
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


def companion_card(meta: dict, metrics: dict) -> str:
    s, t = meta["settings"], metrics["test"]
    return "\n".join([
        f"# Model card: {meta['name']}",
        "",
        f"Third view of the harmful stage's Chinese cascade (`{meta['first_model']}` → `{meta['second_model']}`): a bag of "
        f"{len(s['seeds'])} token CNNs (transforms/content/cnn.py; seeds {list(s['seeds'])}, probabilities averaged), each an "
        f"embedding of {s['dim']}, {s['filters']} filters per width {list(s['widths'])}, max-pooled over the first {s['max_tokens']} "
        "tokens of the shared preprocessing (each CJK character one token), dropout "
        f"{s['dropout']}, Adam {s['learning_rate']}, {s['epochs']} epochs, batch {s['batch']}. Scored with numpy; jax only trains it.",
        "",
        f"- File: `{meta['name']}.npz` ({meta['size_bytes'] / 1024:.0f} KiB, float16), sha256 `{meta['sha256']}`; sidecar "
        f"`{meta['name']}.json` (vocabulary: tokens seen at least {s['min_count']} times; settings; training inputs with sha256).",
        f"- Trained: {meta['trained']}, {meta['trainer']}, on all {meta['learning_rows']:,} training rows of the job "
        f"({meta['train_label_counts']}).",
        f"- Cascade: its share of the band's probabilities is {s['mix']:g}; the stage scores it only on band texts whose flags "
        "that share can still change (an exact bound: decisions as if it were scored on every band text).",
        f"- Settings chosen: {meta['how_chosen']}.",
        "",
        f"Held-out test (COLD dev, topics seen in training), the whole cascade as the stage decides: accuracy {t['accuracy']:.4f}, "
        f"macro-F1 {t['macro_f1']:.4f} (fastText alone {metrics['test_first_model_alone']['accuracy']:.4f}).",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(SETTINGS))
    parser.add_argument("--companion", action="store_true", help="fit only the CNN companion beside the shipped regression")
    args = parser.parse_args()
    for name in args.names:
        meta = train_companion(name) if args.companion else train(name)
        print(json.dumps({k: meta[k] for k in ("name", "thresholds", "size_bytes")}), flush=True)
        print(json.dumps(meta["metrics"], indent=1)[:3000], flush=True)


if __name__ == "__main__":
    main()

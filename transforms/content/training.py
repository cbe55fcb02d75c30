"""Train, calibrate, evaluate and quantise the fastText content classifiers.

One :func:`preprocess` serves training and inference, so the model always sees tokens made the same
way. Thresholds are chosen on out-of-fold predictions of the training split (k-fold cross-validation),
never on the held-out test split, so the reported test numbers are an honest estimate for unseen data.
The result is a quantised ``.ftz``, a ``.json`` sidecar (labels, thresholds, preprocessing version)
read by the controls, and a ``.md`` model card.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import random
import re
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Literal, Sequence

import fasttext

from transforms.content.text import LABEL_PREFIX, PREPROCESS_VERSION, preprocess_batch


@dataclass
class Example:
    text: str
    label: str
    group: str = ""  # e.g. MMLU subject: lets the false-positive rate be measured on a slice
    calibrate: bool = True  # thresholds are chosen on the out-of-fold scores of these rows


def read_bio(path: Path, sep: str | None = None) -> list[tuple[list[str], list[str]]]:
    """The sentences of a token-per-line NER file (``token<sep>…<sep>tag``, split on white space when ``sep`` is
    None; a blank line ends a sentence) as (tokens, tags). A line holding only a tag after leading white space is a
    space token (character-level corpora keep spaces that way); other lines without a tag are skipped."""
    sentences, tokens, tags = [], [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                if tokens:
                    sentences.append((tokens, tags))
                tokens, tags = [], []
                continue
            parts = line.split(sep) if sep else line.split()
            if len(parts) < 2:
                if not line.startswith((" ", "\t")):
                    continue
                parts = [" ", parts[-1]]
            tokens.append(parts[0])
            tags.append(parts[-1])
    if tokens:
        sentences.append((tokens, tags))
    return sentences


def _read_rows(path: Path) -> list[dict]:
    """Rows of a JSONL, ``.jsonl.zst`` or CSV file, of every ``*.jsonl.zst`` file of a directory (sorted), or the
    sentences of a ``.bio`` file (NER corpus text, one ``character tag`` per line, a blank line after each sentence)."""
    if path.is_dir():
        return [row for part in sorted(path.glob("*.jsonl.zst")) for row in _read_rows(part)]
    if path.suffix.lower() == ".bio":
        return [{"text": "".join(tokens)} for tokens, _tags in read_bio(path)]
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if path.name.endswith(".zst"):
        import io

        import zstandard

        with path.open("rb") as raw:
            text = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(raw), encoding="utf-8")
            return [json.loads(line) for line in text if line.strip()]
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_examples(
    path: str | Path,
    text_field: str = "text",
    label_field: str = "label",
    group_field: str | None = None,
    label: str = "",
    where: dict[str, str] | None = None,
) -> list[Example]:
    """Labelled examples from JSONL, ``.jsonl.zst`` or CSV (by extension; a directory: its ``*.jsonl.zst``
    parts); rows without text or label are skipped.

    ``label`` gives every row that label (for unlabelled files such as licence texts); ``where`` keeps
    only rows whose fields have those values (e.g. ``{"src": "imdb"}`` of the real-text benchmark)."""
    path = Path(path)
    rows: Iterable[dict] = _read_rows(path)
    if where:
        rows = [row for row in rows if all(str(row.get(k)) == v for k, v in where.items())]
    examples = []
    for row in rows:
        if text_field not in row or (not label and label_field not in row):
            raise ValueError(f"{path}: rows need fields {text_field!r} and {label_field!r}, found {sorted(row)}")
        text, row_label = row[text_field], label or row[label_field]
        if text and row_label not in (None, ""):
            group = str(row.get(group_field) or "") if group_field else ""
            examples.append(Example(str(text), str(row_label).strip().replace(" ", "_"), group))
    return examples


def split_examples(examples: Sequence[Example], test_fraction: float, seed: int) -> tuple[list, list]:
    """Stratified by label (and group), deterministic for a seed."""
    strata: dict[tuple[str, str], list[Example]] = {}
    for ex in examples:
        strata.setdefault((ex.label, ex.group), []).append(ex)
    rng = random.Random(seed)
    train, test = [], []
    for key in sorted(strata):
        items = strata[key][:]
        rng.shuffle(items)
        n_test = round(len(items) * test_fraction)
        test += items[:n_test]
        train += items[n_test:]
    rng.shuffle(train)
    return train, test


@dataclass
class Hyperparameters:
    epoch: int = 25
    lr: float = 0.5
    dim: int = 50
    word_ngrams: int = 2
    minn: int = 0
    maxn: int = 0
    bucket: int = 200_000
    min_count: int = 1
    cutoff: int = 100_000  # quantisation keeps the most important n rows: bounds the .ftz size
    dsub: int = 2  # dimensions per product-quantisation sub-vector: larger is smaller and faster to score
    threads: int = 1  # one thread: fastText is then deterministic for a seed (hogwild threads are not)
    # False: ship the full-precision model (``.bin``). Scoring a quantised model costs a product-quantiser
    # decode and a pruned-row lookup per token and n-gram (~3x the time on real text); at a small ``dim``
    # the full model is as small as a quantised one (rows x dim x 4 bytes).
    quantize: bool = True


def _write_fasttext_file(examples: Sequence[Example], path: Path) -> None:
    processed = preprocess_batch([ex.text for ex in examples])
    with path.open("w", encoding="utf-8") as fh:
        for ex, text in zip(examples, processed):
            fh.write(f"{LABEL_PREFIX}{ex.label} {text}\n")


_NAN_RETRIES = 8


def fit_fasttext(examples: Sequence[Example], hp: Hyperparameters, seed: int, workdir: Path, quantize: bool = False):
    """A fastText model trained on ``examples`` (retried with other seeds where training diverges)."""
    path = workdir / "train.txt"
    _write_fasttext_file(examples, path)
    probe = [line.split(" ", 1)[-1] for line in path.read_text(encoding="utf-8").splitlines()]
    # fastText sometimes diverges ("Encountered NaN", in training or only at the first predict of the
    # quantised model) for one initialisation and not another; retry with other seeds derived from this
    # one, so a run stays reproducible.
    for attempt in range(_NAN_RETRIES):
        try:
            model = _train_in_fresh_process(
                workdir,
                input=str(path),
                epoch=hp.epoch,
                lr=hp.lr,
                dim=hp.dim,
                wordNgrams=hp.word_ngrams,
                minn=hp.minn,
                maxn=hp.maxn,
                bucket=hp.bucket,
                minCount=hp.min_count,
                loss="softmax",
                thread=hp.threads,
                seed=seed + 7919 * attempt,
                verbose=0,
            )
            if quantize and hp.quantize:
                # No retraining after pruning: fastText's quantise-retrain diverges (NaN) on some inputs.
                model.quantize(input=str(path), qnorm=True, retrain=False, cutoff=hp.cutoff, dsub=hp.dsub, thread=hp.threads, verbose=0)
            elif not hp.quantize:
                model = _to_logit_rows(model, workdir / "logits.bin")
            model.predict(probe, k=-1)
            break
        except RuntimeError as exc:
            if "NaN" not in str(exc) or attempt == _NAN_RETRIES - 1:
                raise
    return model


_TRAIN_SCRIPT = """
import json, sys, fasttext
try:
    fasttext.train_supervised(**json.loads(sys.argv[1])).save_model(sys.argv[2])
except RuntimeError as exc:
    sys.exit(f"fastText: {exc}")
"""


def _train_in_fresh_process(workdir: Path, **arguments):
    """``fasttext.train_supervised(**arguments)`` run in a new Python process, the model loaded back here.

    The same data and seed that train fine in a fresh process diverge ("Encountered NaN") in one that has
    already allocated and freed much (read the training corpora, ran a Beam pipeline): fastText's
    training depends on the state of the memory it is given. In a fresh process every run of a seed is the
    same run, so training is reproducible."""
    import subprocess
    import sys

    out = workdir / "trained.bin"
    done = subprocess.run([sys.executable, "-c", _TRAIN_SCRIPT, json.dumps(arguments), str(out)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"fastText training failed ({done.returncode})")
    return fasttext.load_model(str(out))


def _to_logit_rows(model, path: Path):
    """The same classifier with every input row replaced by its contribution to the label scores.

    fastText scores a text as softmax(W · mean of its rows): linear in the rows. Row r contributes
    W · r to the logits, and softmax ignores a shift common to all labels, so storing, per row, its
    logits minus the last label's (``labels - 1`` numbers) with W = [I; 0] gives the same probabilities
    (to float rounding) from ``labels - 1`` dimensions instead of ``dim``: the file shrinks by
    ``dim / (labels - 1)`` and scoring adds 1-2 floats per token instead of ``dim``.
    """
    import numpy as np

    logits = model.get_input_matrix() @ model.get_output_matrix().T
    rows = logits[:, :-1] - logits[:, -1:]
    n = rows.shape[1]
    model.set_matrices(rows, np.vstack([np.eye(n), np.zeros((1, n))]))
    model.save_model(str(path))
    return fasttext.load_model(str(path))


def predict_probabilities(model, texts: Sequence[str]) -> list[dict[str, float]]:
    """``{label: probability}`` for every label, one dict per text (one batched call)."""
    labels, probs = model.predict(preprocess_batch(texts), k=-1)
    cut = len(LABEL_PREFIX)
    return [{lab[cut:]: float(p) for lab, p in zip(ls, ps)} for ls, ps in zip(labels, probs)]


def mean_probabilities(models: Sequence, texts: Sequence[str]) -> list[dict[str, float]]:
    """Per text, the mean of the models' ``{label: probability}`` (one model: its own probabilities). The mean
    is summed in model order and then halved, as the high-risk stage computes it."""
    per_model = [predict_probabilities(model, texts) for model in models]
    if len(per_model) == 1:
        return per_model[0]
    return [{lab: sum(p[lab] for p in rows) / len(rows) for lab in rows[0]} for rows in zip(*per_model)]


def lexicon_matrix(lexicon, texts: Sequence[str], labels: Sequence[str]) -> "np.ndarray":
    """Per text and label, the lexicon's noisy-or score of the category of that name (0 where none)."""
    from transforms.content.text import preprocess_and_lower

    lowered = preprocess_and_lower(list(texts))[1]  # UTF-8 bytes, what the lexicon scans
    matched = lexicon.scan_batch(lowered)
    return lexicon_scores_matrix(matched, len(texts), labels)


def lexicon_scores_matrix(matched: dict, n: int, labels: Sequence[str]) -> "np.ndarray":
    """``Lexicon.scan_batch``'s matches as an (n texts x labels) matrix of category scores."""
    import numpy as np

    out = np.zeros((n, len(labels)))
    for i, (scores, _hits) in matched.items():
        for j, lab in enumerate(labels):
            out[i, j] = scores.get(lab, 0.0)
    return out


def decision_scores(
    probabilities: "np.ndarray",
    labels: Sequence[str],
    lexicon: "np.ndarray | None",
    weights: dict[str, float],
    pooled: dict[str, list[str]],
) -> "np.ndarray":
    """The scores thresholds apply to (``scoring="label"``): per label, its probability plus the probabilities
    of the labels ``pooled`` into it (hate is also offensive), plus its lexicon weight times the lexicon's
    score of that category, divided by ``1 + weight``. Classifier and lexicon then add up their evidence: a
    weak slur and a middling probability together flag what neither flags alone (the lexicon's own
    threshold still flags on its own, in the stage). ``lexicon`` None: no term matched."""
    scores = probabilities.copy()
    for target, sources in pooled.items():
        j = labels.index(target)
        for source in sources:
            scores[:, j] += probabilities[:, labels.index(source)]
    for label, weight in weights.items():
        if weight and label in labels:
            j = labels.index(label)
            evidence = scores[:, j] + weight * lexicon[:, j] if lexicon is not None else scores[:, j]
            scores[:, j] = evidence / (1.0 + weight)
    return scores


def decide_labels(
    probabilities: Sequence[dict[str, float]],
    thresholds: dict[str, float],
    negative_label: str,
    scoring: str,
    priority: Sequence[str] = (),
) -> list[str]:
    """The label a control would act on: the most likely flagged label, or ``negative_label``.

    ``scoring="label"``: a label is flagged when its own probability reaches its threshold.
    ``scoring="risk"``: the risk is 1 - P(negative); the most likely positive label is flagged when the
    risk reaches that label's threshold (all positives pool their evidence, good for recall).
    ``scoring="top"``: the most likely positive label is flagged when its own probability reaches its
    threshold and beats P(negative) (see :func:`top_score`).
    """
    decided = []
    for probs in probabilities:
        positives = {lab: p for lab, p in probs.items() if lab != negative_label}
        if scoring == "top":
            top, score = top_score(probs, negative_label)
            decided.append(top if score >= thresholds.get(top, 1.1) else negative_label)
        elif scoring == "risk":
            top = max(positives, key=positives.get)
            risk = 1.0 - probs.get(negative_label, 0.0)
            decided.append(top if risk >= thresholds.get(top, 1.1) else negative_label)
        else:
            flagged = {lab: p for lab, p in positives.items() if p >= thresholds.get(lab, 1.1)}
            first = [lab for lab in priority if lab in flagged]
            decided.append(first[0] if first else max(flagged, key=flagged.get) if flagged else negative_label)
    return decided


def top_score(probs: dict[str, float], negative_label: str) -> tuple[str, float]:
    """The most likely positive label and its probability, or 0 when it does not beat P(negative).

    Unlike 1 - P(negative), this needs one class to carry the evidence: out-of-domain text whose
    probability mass is spread thinly over several positive labels scores low.
    """
    top, p = max(((lab, p) for lab, p in probs.items() if lab != negative_label), key=lambda item: item[1])
    return top, (p if p > probs.get(negative_label, 0.0) else 0.0)


def classification_metrics(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict:
    per_label = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, predicted) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, predicted) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, predicted) if g == lab and p != lab)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    accuracy = sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold) if gold else 0.0
    macro_f1 = sum(m["f1"] for m in per_label.values()) / len(per_label) if per_label else 0.0
    return {"accuracy": accuracy, "macro_f1": macro_f1, "per_label": per_label, "n": len(gold)}


def detection_metrics(
    examples: Sequence[Example], decided: Sequence[str], negative_label: str, fpr_groups: Sequence[str] = ()
) -> dict:
    """Recall on positives (any positive label flagged) and false-positive rate on negatives."""
    pos = [d != negative_label for ex, d in zip(examples, decided) if ex.label != negative_label]
    neg = [d != negative_label for ex, d in zip(examples, decided) if ex.label == negative_label]
    out = {
        "recall": sum(pos) / len(pos) if pos else 0.0,
        "fpr": sum(neg) / len(neg) if neg else 0.0,
        "positives": len(pos),
        "negatives": len(neg),
    }
    if fpr_groups:
        sliced = [d != negative_label for ex, d in zip(examples, decided) if ex.label == negative_label and ex.group in fpr_groups]
        out["fpr_slice"] = sum(sliced) / len(sliced) if sliced else 0.0
        out["slice_negatives"] = len(sliced)
    return out


Objective = Literal["f1", "accuracy", "fpr", "macro_f1"]


def choose_thresholds(
    examples: Sequence[Example],
    probabilities: Sequence[dict[str, float]],
    negative_label: str,
    objective: Objective,
    target_fpr: float = 0.01,
    fpr_groups: Sequence[str] = (),
    scoring: str = "risk",
    tolerance: float = 0.0,
    min_precision: dict[str, float] | None = None,
    priority: Sequence[str] = (),
    unseen_groups: bool = False,
) -> dict[str, float]:
    """Thresholds from out-of-fold predictions.

    ``f1``/``accuracy``: per positive label, the threshold on its probability that maximises its
    one-vs-rest F1 or accuracy; with a ``tolerance``, the highest threshold whose F1 or accuracy is
    within ``tolerance`` of that best. Where the curve is flat the best point is chance, and the highest
    threshold on the plateau is the one that flags least of the text unlike the training data. ``fpr``: one risk threshold (1 - P(negative)), the lowest whose
    false-positive rate on negatives (of ``fpr_groups`` when given) stays within ``target_fpr``; the
    score is the risk, or with ``scoring="top"`` the top positive probability (:func:`top_score`), then
    never below 0.5; with ``unseen_groups``, the target as :func:`fpr_threshold` lowers it. ``min_precision`` (``f1``): for those labels, only thresholds whose out-of-fold
    precision reaches the floor count (where a flag is a severe charge, it should be right); when none
    does, the threshold that comes closest. ``macro_f1``: see :func:`choose_macro_f1_thresholds`.
    """
    positives = sorted({ex.label for ex in examples} - {negative_label})
    grid = [i / 100 for i in range(5, 100)]
    if objective == "macro_f1":
        return choose_macro_f1_thresholds(examples, probabilities, negative_label, priority, min_precision or {})
    if objective == "fpr":
        if scoring == "top":
            # The top class must hold at least half the probability: below that, "beats the negative" alone
            # would flag text whose mass is spread over several positive labels.
            grid = [t for t in grid if t >= 0.5]
        score = (lambda p: top_score(p, negative_label)[1]) if scoring == "top" else (lambda p: 1.0 - p.get(negative_label, 0.0))
        negatives = [
            (score(p), ex.group)
            for ex, p in zip(examples, probabilities)
            if ex.label == negative_label and (not fpr_groups or ex.group in fpr_groups)
        ]
        scores, groups = zip(*negatives)
        chosen = fpr_threshold(scores, target_fpr, grid + [0.995], groups if unseen_groups else None)
        return {lab: chosen for lab in positives}
    thresholds = {}
    for lab in positives:
        gold = [ex.label == lab for ex in examples]
        scores = [p.get(lab, 0.0) for p in probabilities]

        floor = (min_precision or {}).get(lab)

        def counts(t: float) -> tuple[int, int, int]:
            tp = sum(1 for g, s in zip(gold, scores) if g and s >= t)
            fp = sum(1 for g, s in zip(gold, scores) if not g and s >= t)
            fn = sum(1 for g, s in zip(gold, scores) if g and s < t)
            return tp, fp, fn

        def quality(t: float) -> float:
            tp, fp, fn = counts(t)
            if objective == "accuracy":
                return (len(gold) - fp - fn) / len(gold)
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

        if floor is not None and objective == "f1":
            precision = {t: (lambda c: c[0] / (c[0] + c[1]) if c[0] + c[1] else 0.0)(counts(t)) for t in grid}
            allowed = [t for t in grid if precision[t] >= floor]
            if not allowed:
                thresholds[lab] = max(grid, key=lambda t: (precision[t], t))
                continue
            grid_lab = allowed
        else:
            grid_lab = grid
        qualities = {t: quality(t) for t in grid_lab}
        best = max(qualities.values())
        if tolerance:
            thresholds[lab] = max(t for t, q in qualities.items() if q >= best - tolerance)
        else:
            thresholds[lab] = max(grid_lab, key=lambda t: (qualities[t], -abs(t - 0.5)))
    return thresholds


def fpr_threshold(scores: Sequence[float], target: float, grid: Sequence[float], groups: Sequence[str] | None = None) -> float:
    """The lowest threshold of ``grid`` flagging at most ``target`` of the negatives' ``scores`` (the last one if
    none does). With ``groups`` (e.g. MMLU subjects), the target itself is first lowered in 0.1% steps until
    leaving each group out, and scoring it at the threshold the other groups choose, flags at most ``target``
    of all negatives: the pooled point overshoots on a subject none of its scores came from (a subject whose
    negatives score high raises the threshold only while it is in the calibration)."""
    import numpy as np

    values, steps = np.asarray(scores, dtype=float), np.asarray(grid, dtype=float)

    def at(rows, share: float) -> float:
        ordered = np.sort(rows)
        flagged = len(ordered) - np.searchsorted(ordered, steps, side="left")  # per grid step: scores >= it
        within = np.nonzero(flagged <= share * len(ordered))[0]
        return float(steps[within[0]] if len(within) else steps[-1])

    share = target
    if groups is not None:
        labels = np.asarray(groups)
        held = [labels == g for g in sorted(set(groups))]

        def unseen_fpr(share: float) -> float:
            return sum(int((values[m] >= at(values[~m], share)).sum()) for m in held) / len(values)

        while share > 0.001 and unseen_fpr(share) > target:
            share = round(share - 0.001, 6)
    return at(values, share)


def choose_macro_f1_thresholds(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    negative_label: str,
    priority: Sequence[str],
    min_precision: dict[str, float],
) -> dict[str, float]:
    """The two positive labels' thresholds chosen together for the best macro-F1 over all labels, deciding
    as the stage does (the first flagged label of ``priority`` wins), among the pairs whose precision of
    each label in ``min_precision`` reaches its floor. Per-label F1 optima ignore that a lower `offensive`
    threshold also takes `neither` rows, and that `hate` takes rows from `offensive`."""
    import numpy as np

    first, second = priority
    grid = np.arange(5, 100) / 100
    labels = [first, second, negative_label]
    gold = np.array([labels.index(ex.label) if ex.label in labels else 2 for ex in examples])
    s1 = np.array([p.get(first, 0.0) for p in scores])
    s2 = np.array([p.get(second, 0.0) for p in scores])
    flag2 = s2[:, None] >= grid[None, :]  # rows x thresholds of `second`
    best = None
    for t1 in grid:
        flag1 = s1 >= t1
        pred = np.where(flag1[:, None], 0, np.where(flag2, 1, 2))
        f1s, ok = [], np.ones(len(grid), bool)
        for k, lab in enumerate(labels):
            tp = ((pred == k) & (gold[:, None] == k)).sum(axis=0)
            flagged = (pred == k).sum(axis=0)
            support = (gold == k).sum()
            f1s.append(np.where(tp > 0, 2 * tp / np.maximum(flagged + support, 1), 0.0))
            if lab in min_precision:
                ok &= tp >= min_precision[lab] * np.maximum(flagged, 1)
        macro = np.where(ok, np.mean(f1s, axis=0), -1.0)
        j = int(np.argmax(macro))
        if macro[j] >= 0 and (best is None or macro[j] > best[0]):
            best = (float(macro[j]), float(t1), float(grid[j]))
    if best is None:  # no pair reaches the floors: the most precise
        return {first: 0.99, second: 0.99}
    return {first: round(best[1], 2), second: round(best[2], 2)}


@dataclass
class TrainingInput:
    path: str
    license: str
    label_map: dict[str, str] = field(default_factory=dict)  # e.g. reuse another task's rows as negatives
    sample: int | None = None  # keep a seeded random sample of this many rows
    concat: int = 1  # join this many rows of one label into one example (teaches document-length negatives)
    label: str = ""  # give every row this label (unlabelled files, e.g. licence texts)
    chunk_chars: int = 0  # cut each text into paragraph windows of about this many characters
    sentences: int = 0  # cut each text into its sentences, keep those of at most this many words (short plain text)
    # "train"/"test": only that deterministic part of the file (by text hash, 1 in 5 rows is "test"); the
    # other part then serves as an out-of-domain test set. Such inputs, and `train_only` ones, go to
    # training only, never into the held-out split (which stays that of the task's own data).
    part: Literal["all", "train", "test"] = "all"
    train_only: bool = False
    where: dict[str, str] = field(default_factory=dict)  # keep rows whose fields have these values
    # Give each row the group "h<text hash mod n>" (with TrainingJob.group_folds and folds == n: rows joined
    # by `concat` then share a fold with their single copies, so out-of-fold scores never come from a model
    # that saw the row inside a joined example).
    hash_groups: int = 0
    # False: the rows train but do not choose thresholds (e.g. joined tweets and long-form negatives, when
    # the thresholds should fit the task's own single examples).
    calibrate: bool = True
    rows: int = 0
    sha256: str = ""


@dataclass
class TrainingJob:
    name: str
    inputs: list[TrainingInput]
    output: str  # path of the .ftz
    negative_label: str
    text_field: str = "text"
    label_field: str = "label"
    group_field: str | None = None
    test_inputs: list[TrainingInput] = field(default_factory=list)  # a given held-out set; else a split
    test_fraction: float = 0.2
    seed: int = 13
    folds: int = 5
    objective: Objective = "f1"
    scoring: Literal["label", "risk", "top"] = "label"
    target_fpr: float = 0.01
    fpr_groups: list[str] = field(default_factory=list)
    # objective "fpr": lower the target until each fpr group, left out, stays within it (training.fpr_threshold)
    fpr_unseen_groups: bool = False
    threshold_tolerance: float = 0.0  # f1/accuracy: take the highest threshold within this of the best
    min_precision: dict[str, float] = field(default_factory=dict)  # f1: per label, out-of-fold precision floor
    label_priority: list[str] = field(default_factory=list)  # the stage's order among flagged labels (most severe first)
    # Scores the thresholds apply to (training.decision_scores, read by the stage from the sidecar): labels
    # pooled into another (e.g. {"offensive": ["hate"]}), and the lexicon's category score added with this weight.
    pooled: dict[str, list[str]] = field(default_factory=dict)
    lexicon: str | None = None
    lexicon_weight: dict[str, float] = field(default_factory=dict)  # per label
    lexicon_threshold: float = 0.9  # the stage's default: the lexicon alone flags at this score
    # Cross-validation folds by group (e.g. MMLU subject, COLD topic) instead of by row: every group's
    # out-of-fold scores then come from a model that never saw that group, so thresholds chosen on them
    # hold for subjects and topics unlike the training data (rows without a group are folded by row).
    group_folds: bool = False
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    # A second model trained on the same rows with these hyperparameters (e.g. character n-grams), shipped beside
    # the first as ``<output stem>_<second_suffix>.bin`` with its own sidecar; out-of-fold and test probabilities,
    # and so the thresholds, are the mean of both models' (the stage averages them the same way).
    second: Hyperparameters | None = None
    second_suffix: str = "char"
    description: str = ""
    notes: list[str] = field(default_factory=list)  # free-form lines for the model card (e.g. attribution)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256_path(path: str | Path) -> str:
    """sha256 of a file, or of a directory's ``*.jsonl.zst`` parts' digests in name order."""
    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    h = hashlib.sha256()
    for part in sorted(path.glob("*.jsonl.zst")):
        h.update(f"{part.name} {sha256_file(part)}\n".encode())
    return h.hexdigest()


def in_part(text: str, part: str) -> bool:
    """Deterministic 80/20 train/test membership of a text (stable across runs and machines)."""
    if part == "all":
        return True
    is_test = hashlib.sha1(text.encode("utf-8")).digest()[0] % 5 == 0
    return is_test == (part == "test")


def chunk_text(text: str, size: int) -> list[str]:
    """Paragraph windows of about ``size`` characters (paragraphs joined until the window is full)."""
    windows, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if current and len(current) + len(paragraph) > size:
            windows.append(current)
            current = ""
        current = f"{current}\n{paragraph}" if current else paragraph
        while len(current) > 2 * size:
            windows.append(current[:size])
            current = current[size:]
    if current:
        windows.append(current)
    return windows


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def split_sentences(text: str) -> list[str]:
    """The sentences (and lines) of ``text``: after . ! ? and a space, or at a line break."""
    return [s for s in _SENTENCE_END.split(text) if any(c.isalnum() for c in s)]


def load_inputs(inputs: list[TrainingInput], job: TrainingJob) -> list[Example]:
    """The examples of ``inputs`` read with ``job``'s fields, each input's part, chunking, sampling and labels."""
    examples = []
    for item in inputs:
        rows = read_examples(item.path, job.text_field, job.label_field, job.group_field, item.label, item.where)
        rows = [ex for ex in rows if in_part(ex.text, item.part)]
        if item.chunk_chars:
            rows = [Example(w, ex.label, ex.group) for ex in rows for w in chunk_text(ex.text, item.chunk_chars)]
        if item.sentences:
            rows = [Example(s, ex.label, ex.group) for ex in rows for s in split_sentences(ex.text) if len(s.split()) <= item.sentences]
        if item.sample is not None and item.sample < len(rows):
            rows = random.Random(job.seed).sample(rows, item.sample)
        for ex in rows:
            ex.label = item.label_map.get(ex.label, ex.label)
            ex.calibrate = item.calibrate
            if item.hash_groups:
                ex.group = f"h{hashlib.sha1(ex.text.encode('utf-8')).digest()[1] % item.hash_groups}"
        if item.concat > 1:
            rows = _concatenate(rows, item.concat)
        item.rows, item.sha256 = len(rows), _sha256_path(item.path)
        examples += rows
    return examples


def _concatenate(rows: list[Example], k: int) -> list[Example]:
    """Rows of one label (and one group) joined ``k`` at a time."""
    by_label: dict[tuple[str, str], list[Example]] = {}
    for ex in rows:
        by_label.setdefault((ex.label, ex.group), []).append(ex)
    joined = []
    for (label, _group), items in by_label.items():
        for start in range(0, len(items), k):
            chunk = items[start : start + k]
            joined.append(Example("\n".join(ex.text for ex in chunk), label, chunk[0].group, chunk[0].calibrate))
    return joined


def is_train_only(item: TrainingInput) -> bool:
    """Inputs that only ever train (never in the held-out split)."""
    return item.train_only or item.part != "all"


def fold_assignment(examples: Sequence[Example], folds: int, by_group: bool, only_groups: Sequence[str] = ()) -> list[int]:
    """Fold of each example: by row position, or (``by_group``) by its group when it has one (groups in
    turn, sorted), and with ``only_groups`` only those groups (e.g. the hard-negative subjects: a group
    that is a whole positive class must not sit in one fold, or no fold model would learn that class)."""
    if not by_group:
        return [i % folds for i in range(len(examples))]
    grouped = {ex.group for ex in examples if ex.group and (not only_groups or ex.group in only_groups)}
    order = {g: n % folds for n, g in enumerate(sorted(grouped))}
    return [order.get(ex.group, i % folds) for i, ex in enumerate(examples)]


def score_distribution(examples: Sequence[Example], probabilities: Sequence[dict[str, float]], negative_label: str) -> dict:
    """Per positive label: deciles of its out-of-fold probability on its own examples and on the negatives."""
    out = {}
    for lab in sorted({ex.label for ex in examples} - {negative_label}):
        own = sorted(p.get(lab, 0.0) for ex, p in zip(examples, probabilities) if ex.label == lab)
        neg = sorted(p.get(lab, 0.0) for ex, p in zip(examples, probabilities) if ex.label == negative_label)
        decile = lambda xs: [round(xs[min(len(xs) - 1, int(q * len(xs) / 10))], 3) for q in range(1, 10)] if xs else []  # noqa: E731
        out[lab] = {"positives_deciles": decile(own), "negatives_deciles": decile(neg)}
    return out


def decision_view(job: TrainingJob, labels: list[str], probabilities: list[dict[str, float]], texts: list[str]) -> list[dict[str, float]]:
    """What the thresholds apply to, as the stage computes it (:func:`decision_scores`); with a lexicon, a
    text the lexicon alone flags (score >= ``lexicon_threshold``) scores 1 for that category."""
    if not job.pooled and not job.lexicon:
        return probabilities
    import numpy as np

    from transforms.content.classifier import load_lexicon

    matrix = np.array([[p.get(lab, 0.0) for lab in labels] for p in probabilities])
    lexicon = lexicon_matrix(load_lexicon(job.lexicon), texts, labels) if job.lexicon else None
    scores = decision_scores(matrix, labels, lexicon, job.lexicon_weight, job.pooled)
    if lexicon is not None:
        scores = np.where(lexicon >= job.lexicon_threshold, np.maximum(scores, 1.0), scores)
    return [dict(zip(labels, row)) for row in scores.tolist()]


def decision_settings(job: TrainingJob) -> dict:
    """How the job chose its thresholds and scores decisions, as its sidecars record it."""
    return {
        "threshold_objective": job.objective,
        "threshold_tolerance": job.threshold_tolerance,
        "min_precision": job.min_precision,
        "label_priority": job.label_priority,
        "pooled": job.pooled,
        "lexicon": job.lexicon,
        "lexicon_weight": job.lexicon_weight,
    }


def job_thresholds(job: TrainingJob, examples: Sequence[Example], oof_scores: Sequence[dict[str, float]]) -> dict[str, float]:
    """``job``'s thresholds by its rule (:func:`choose_thresholds`), from the out-of-fold decision scores of
    its calibration rows (``Example.calibrate``): one call for every trainer of a job's models."""
    calibration = [i for i, ex in enumerate(examples) if ex.calibrate]
    return choose_thresholds(
        [examples[i] for i in calibration], [oof_scores[i] for i in calibration], job.negative_label, job.objective,
        job.target_fpr, job.fpr_groups, job.scoring, job.threshold_tolerance, job.min_precision, job.label_priority,
        job.fpr_unseen_groups,
    )


def job_decisions(job: TrainingJob, scores: Sequence[dict[str, float]], thresholds: dict[str, float]) -> list[str]:
    """The labels ``job``'s stage decides on ``scores`` at ``thresholds`` (:func:`decide_labels` with the job's settings)."""
    return decide_labels(scores, thresholds, job.negative_label, job.scoring, job.label_priority)


def train_classifier(job: TrainingJob) -> dict:
    """Run ``job`` end to end; returns the metadata written to the ``.json`` sidecar."""
    examples = load_inputs([i for i in job.inputs if not is_train_only(i)], job)
    extra_train = load_inputs([i for i in job.inputs if is_train_only(i)], job)
    if job.test_inputs:
        train, test = examples + extra_train, load_inputs(job.test_inputs, job)
        random.Random(job.seed).shuffle(train)
    else:
        train, test = split_examples(examples, job.test_fraction, job.seed)
        train += extra_train
        random.Random(job.seed).shuffle(train)
    labels = sorted({ex.label for ex in train})
    if job.negative_label not in labels or len(labels) < 2:
        raise ValueError(f"labels {labels}: need at least two, including the negative label {job.negative_label!r}")
    hp = job.hyperparameters
    recipes = [hp] + ([job.second] if job.second is not None else [])
    with tempfile.TemporaryDirectory(prefix="steward-train-") as tmp:
        workdir = Path(tmp)
        oof: list[dict[str, float] | None] = [None] * len(train)
        fold_of = fold_assignment(train, job.folds, job.group_folds, job.fpr_groups)
        for fold in range(job.folds):
            held = [i for i in range(len(train)) if fold_of[i] == fold]
            held_set = set(held)
            # Quantised like the shipped model: quantisation shifts the probabilities the thresholds apply to.
            fold_train = [ex for i, ex in enumerate(train) if i not in held_set]
            models = [fit_fasttext(fold_train, recipe, job.seed + fold, workdir, quantize=True) for recipe in recipes]
            for i, probs in zip(held, mean_probabilities(models, [train[i].text for i in held])):
                oof[i] = probs
        oof_scores = decision_view(job, labels, oof, [ex.text for ex in train])
        thresholds = job_thresholds(job, train, oof_scores)
        models = [fit_fasttext(train, recipe, job.seed, workdir, quantize=True) for recipe in recipes]
    output = Path(job.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    outputs = [output] + ([second_output(job)] if job.second is not None else [])
    for model, path in zip(models, outputs):
        model.save_model(str(path))

    test_probs = mean_probabilities(models, [ex.text for ex in test])
    test_scores = decision_view(job, labels, test_probs, [ex.text for ex in test])
    decided = job_decisions(job, test_scores, thresholds)
    argmax = [max(p, key=p.get) for p in test_probs]
    gold = [ex.label for ex in test]
    oof_decided = job_decisions(job, oof_scores, thresholds)
    metrics = {
        "test": classification_metrics(gold, decided, labels),
        "test_argmax": classification_metrics(gold, argmax, labels),
        "test_detection": detection_metrics(test, decided, job.negative_label, job.fpr_groups),
        "cross_validation": classification_metrics([ex.label for ex in train], oof_decided, labels),
        "cross_validation_detection": detection_metrics(train, oof_decided, job.negative_label, job.fpr_groups),
        "oof_score_deciles": score_distribution(train, oof, job.negative_label),
    }
    meta = {
        "name": job.name,
        "model": output.name,
        "trained": dt.date.today().isoformat(),
        "preprocess_version": PREPROCESS_VERSION,
        "labels": labels,
        "negative_label": job.negative_label,
        "scoring": job.scoring,
        "thresholds": thresholds,
        "target_fpr": job.target_fpr if job.objective == "fpr" else None,
        **decision_settings(job),
        "lexicon_threshold": job.lexicon_threshold,
        "group_folds": job.group_folds,
        "fpr_unseen_groups": job.fpr_unseen_groups,
        "fpr_groups": job.fpr_groups,
        "train_label_counts": dict(sorted(Counter(ex.label for ex in train).items())),
        "test_label_counts": dict(sorted(Counter(ex.label for ex in test).items())),
        "inputs": [asdict(i) for i in job.inputs],
        "test_inputs": [asdict(i) for i in job.test_inputs],
        "split": {"test_fraction": None if job.test_inputs else job.test_fraction, "seed": job.seed, "folds": job.folds},
        "hyperparameters": asdict(hp),
        "size_bytes": os.path.getsize(output),
        "sha256": sha256_file(output),
        "metrics": metrics,
    }
    if job.second is not None:
        second = outputs[1]
        meta["averaged_with"] = second.name
        meta["second"] = {"model": second.name, "hyperparameters": asdict(job.second), "size_bytes": os.path.getsize(second), "sha256": sha256_file(second)}
        # The second model's own sidecar: what loading it needs, and where its thresholds live.
        second_meta = {key: meta[key] for key in ("name", "trained", "preprocess_version", "labels", "negative_label", "scoring", "thresholds")}
        second_meta.update(model=second.name, averaged_into=output.name, hyperparameters=asdict(job.second),
                           size_bytes=meta["second"]["size_bytes"], sha256=meta["second"]["sha256"])
        second.with_suffix(".json").write_text(json.dumps(second_meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    output.with_suffix(".md").write_text(model_card(meta, job), encoding="utf-8")
    return meta


def second_output(job: TrainingJob) -> Path:
    """Where ``job``'s second model is written: beside the first, ``<stem>_<second_suffix>.bin``."""
    output = Path(job.output)
    return output.with_name(f"{output.stem}_{job.second_suffix}{output.suffix}")


def _kind(meta: dict) -> str:
    if meta["hyperparameters"].get("quantize", True):
        return "quantised fastText"
    return "full-precision fastText, each row stored as its label logits"


def _pct(x: float) -> str:
    return f"{x:.3f}"


def model_card(meta: dict, job: TrainingJob) -> str:
    m = meta["metrics"]
    lines = [
        f"# Model card: {meta['name']}",
        "",
        job.description or "fastText text classifier.",
        "",
        f"- File: `{meta['model']}` ({meta['size_bytes'] / 1024:.0f} KiB, {_kind(meta)}); sidecar `{Path(meta['model']).with_suffix('.json').name}` "
        "holds labels and thresholds read by the controls." + (f" sha256 `{meta['sha256']}`." if meta.get("sha256") else ""),
        *(
            [
                f"- Second model: `{meta['second']['model']}` ({meta['second']['size_bytes'] / 1024:.0f} KiB, same kind; "
                f"{', '.join(f'{k}={v}' for k, v in meta['second']['hyperparameters'].items() if v != meta['hyperparameters'].get(k))}), "
                f"sha256 `{meta['second']['sha256']}`, trained on the same rows. The thresholds apply to the **mean of both models' "
                "probabilities** (out-of-fold and test figures below are the mean's)."
            ]
            if meta.get("second")
            else []
        ),
        f"- Trained: {meta['trained']} with transforms/content/training.py (the logic behind `steward train-classifier`).",
        f"- Preprocessing (shared with inference, version {meta['preprocess_version']}): lowercase, HTML entities "
        "unescaped, URLs → `urltoken`, @mentions → `usertoken`, punctuation dropped, each CJK character a token "
        "(so word bigrams are character bigrams).",
        "",
        "## Training data and licences",
        "",
        "| file | rows used | labels | licence | sha256 |",
        "|---|---|---|---|---|",
    ]
    for role, items in (("", meta["inputs"]), (" (held-out test)", meta["test_inputs"])):
        for item in items:
            relabel = ", ".join(f"{a}→{b}" for a, b in item["label_map"].items()) or (f"all `{item['label']}`" if item.get("label") else "as given")
            sampled = {"train": " of the training four fifths (by text hash)", "test": " of the test fifth (by text hash)"}.get(item.get("part"), "")
            sampled += " (training only)" if item.get("train_only") else ""
            sampled += f", cut into ~{item['chunk_chars']}-character paragraph windows" if item.get("chunk_chars") else ""
            sampled += ", cut into sentences" if item.get("sentences") else ""
            sampled += " (seeded sample)" if item["sample"] else ""
            sampled += f", joined {item['concat']} per example" if item["concat"] > 1 else ""
            lines.append(
                f"| `{item['path']}`{role} | {item['rows']}{sampled} | {relabel} | {item['license']} | `{item['sha256'][:16]}…` |"
            )
    if meta.get("min_precision"):
        job.notes.append(f"Precision floors (out-of-fold) on thresholds: {meta['min_precision']}.")
    if meta.get("pooled") or meta.get("lexicon_weight"):
        job.notes.append(
            "Thresholds apply to decision scores, not raw probabilities (training.decision_scores, as the stage computes "
            f"them): labels pooled {meta.get('pooled') or '{}'}; lexicon `{meta.get('lexicon')}` score added with weights "
            f"{meta.get('lexicon_weight') or '{}'}, (score + weight × lexicon) / (1 + weight); the lexicon alone still flags "
            f"at {meta.get('lexicon_threshold', 0.9)}. Label priority among flagged labels: {meta.get('label_priority') or 'most likely'}."
        )
    if meta.get("group_folds"):
        job.notes.append("Cross-validation folds by group (subject/topic): thresholds come from scores of groups the fold models never saw.")
    if meta.get("fpr_unseen_groups"):
        job.notes.append(
            "False-positive target held for unseen groups (training.fpr_threshold): lowered until each group of the "
            "false-positive set, scored at the threshold the other groups choose, keeps the pooled rate within it."
        )
    split = meta["split"]
    held = "the given held-out file" if meta["test_inputs"] else f"a stratified {split['test_fraction']:.0%} split"
    lines += [
        "",
        f"Test set: {held} (seed {split['seed']}). Thresholds: chosen on {split['folds']}-fold out-of-fold "
        "predictions of the training split, never on the test set.",
        "",
        *job.notes,
        "",
        "## Labels",
        "",
        "| label | train | test |",
        "|---|---|---|",
        *[f"| {lab} | {meta['train_label_counts'].get(lab, 0)} | {meta['test_label_counts'].get(lab, 0)} |" for lab in meta["labels"]],
        "",
        f"Negative (acceptable) label: `{meta['negative_label']}`. Scoring: `{meta['scoring']}` "
        + ("(risk = 1 − P(negative), category = most likely positive label)." if meta["scoring"] == "risk" else "(each label's own probability)."),
        "",
        "## Thresholds",
        "",
        f"Objective: `{meta['threshold_objective']}`"
        + (f", false-positive target {meta['target_fpr']:.1%} on negatives" + (f" of {', '.join(meta['fpr_groups'])}" if meta["fpr_groups"] else "") if meta["target_fpr"] else "")
        + (
            f"; the highest threshold within {meta['threshold_tolerance']:.3f} of the best out-of-fold {meta['threshold_objective']} "
            "(where the curve is flat, the one that flags least of the text unlike the training data)"
            if meta.get("threshold_tolerance")
            else ""
        )
        + ".",
        "",
        "| label | threshold |",
        "|---|---|",
        *[f"| {lab} | {t:.2f} |" for lab, t in meta["thresholds"].items()],
        "",
        "## Metrics (held-out test set, the shipped model, chosen thresholds)",
        "",
        f"- accuracy {_pct(m['test']['accuracy'])}, macro-F1 {_pct(m['test']['macro_f1'])} "
        f"(argmax without thresholds: accuracy {_pct(m['test_argmax']['accuracy'])}, macro-F1 {_pct(m['test_argmax']['macro_f1'])})",
        f"- detection: recall {_pct(m['test_detection']['recall'])} on {m['test_detection']['positives']} positives, "
        f"false-positive rate {_pct(m['test_detection']['fpr'])} on {m['test_detection']['negatives']} negatives"
        + (f", {_pct(m['test_detection']['fpr_slice'])} on {m['test_detection']['slice_negatives']} negatives of the slice" if "fpr_slice" in m["test_detection"] else ""),
        f"- cross-validation (out-of-fold, training split): accuracy {_pct(m['cross_validation']['accuracy'])}, "
        f"macro-F1 {_pct(m['cross_validation']['macro_f1'])}, recall {_pct(m['cross_validation_detection']['recall'])}, "
        f"FPR {_pct(m['cross_validation_detection']['fpr'])}",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
        *[
            f"| {lab} | {_pct(v['precision'])} | {_pct(v['recall'])} | {_pct(v['f1'])} | {v['support']} |"
            for lab, v in m["test"]["per_label"].items()
        ],
        "",
        "## Out-of-fold score distribution",
        "",
        "Deciles (10th … 90th percentile) of each positive label's out-of-fold probability, on that label's "
        "examples and on the negatives (the threshold separates them):",
        "",
        "| label | on its examples | on negatives |",
        "|---|---|---|",
        *[
            f"| {lab} | {' '.join(f'{x:.2f}' for x in d['positives_deciles'])} | {' '.join(f'{x:.2f}' for x in d['negatives_deciles'])} |"
            for lab, d in m.get("oof_score_deciles", {}).items()
        ],
        "",
        "## Hyperparameters",
        "",
        ", ".join(f"{k}={v}" for k, v in meta["hyperparameters"].items()),
        *(["", f"Second model: {', '.join(f'{k}={v}' for k, v in meta['second']['hyperparameters'].items())}"] if meta.get("second") else []),
        "",
    ]
    return "\n".join(lines)

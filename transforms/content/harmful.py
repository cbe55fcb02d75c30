"""Harmful-content control (clause 6.1.5): hateful and offensive language, English and Chinese.

Each record is scored by a fastText classifier chosen by language (Chinese when ``lang`` is zh or the
text is CJK-dominant, English otherwise) and by a weighted bilingual lexicon; a category is flagged
when its decision score reaches its threshold or the lexicon score reaches ``lexicon_threshold``. The
decision score is the one the model's thresholds were chosen on (its sidecar's ``pooled`` and
``lexicon_weight``, see ``training.decision_scores``): e.g. P(offensive) + P(hate), with the lexicon's
category score added, so a weak term and a middling probability together flag. Both scores go to
lineage for every record.

Where a model has a second one (``harmful_en_sparse.npz``: a hashed n-gram logistic regression,
``transforms/content/sparse.py``), the texts fastText does not clear (risk 1 - P(negative) at least the
second model's ``gate``) are scored again by it and decided on its probabilities (or a mix, its sidecar's
``mix``), with the thresholds chosen for that cascade. Benign long-form text mostly never reaches it;
lineage then names both models and holds the probabilities decided on. A second model may name a companion
(``harmful_zh_cnn.npz``: a token CNN, ``transforms/content/cnn.py``, a view of word order the n-gram bags lack)
whose probabilities take its share ``mix`` there; it is scored only on the band texts whose flags that share
can still change (``undecided_rows``: an exact bound, decisions as if it were scored everywhere).

A Chinese text longer than ``sentence_check_chars_zh`` (longer than any comment the Chinese thresholds were
chosen on) that the classifier flags keeps that flag only where one of its sentences, scored alone by the same
models, reaches the threshold too: a news report is not flagged for crime and war words spread over it. Only
those few texts are scored again (lineage names the model ``…+sentences``); the lexicon's own flag is unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from transforms.content.classifier import (
    MODELS_DIR,
    stage_for,
    Classifier,
    ContentModelError,
    ContentRiskConfig,
    ContentRiskControl,
    check_risk_levels,
    chinese_routes,
    lineage_scores,
    load_classifier,
    load_lexicon,
    load_once,
    prepare_texts,
)
from transforms.content.cnn import TokenCNN, load_cnn
from transforms.content.sparse import SparseLinear, cascade, load_sparse
from transforms.content.text import split_sentences_zh
from transforms.content.training import decision_scores, lexicon_scores_matrix
from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core.stage import Stage


@register_stage("harmful")
class HarmfulConfig(ContentRiskConfig):
    stage: Literal["harmful"] = "harmful"
    model_en: str = "harmful_en.bin"  # relative paths resolve against transforms/content/models/
    model_zh: str = "harmful_zh.bin"
    # the second model scoring what fastText does not clear (None: fastText decides alone, at its own thresholds)
    second_en: str | None = "harmful_en_sparse.npz"
    second_zh: str | None = "harmful_zh_sparse.npz"
    thresholds_en: dict[str, float] = {}  # label -> threshold; unset labels use the model card's (the cascade's)
    thresholds_zh: dict[str, float] = {}
    lexicon: str = "harmful.tsv"
    zh_min_cjk_share: float = 0.3  # CJK share of the text that routes it to the Chinese model
    # A Chinese text longer than this many characters (every COLD comment the thresholds were chosen on is
    # shorter) is flagged by the classifier only where one of its sentences, scored alone, is flagged too;
    # None: the whole text decides alone (docs/classifiers.md, "sentence check").
    sentence_check_chars_zh: int | None = Field(200, gt=0)
    risk_levels: dict[str, str] = {"hate": "major", "offensive": "considerable"}

    @model_validator(mode="after")
    def _consistent(self) -> "HarmfulConfig":
        categories = set(load_lexicon(self.lexicon).categories)
        if self.byo_model is not None:
            categories |= self.byo_model.categories()
        else:
            for key, model_key in (("thresholds_en", "model_en"), ("thresholds_zh", "model_zh")):
                _check_thresholds(key, getattr(self, key), load_classifier(getattr(self, model_key)))
            for lang in ("en", "zh"):
                model = load_classifier(getattr(self, f"model_{lang}"))
                categories |= {lab for lab in model.labels if lab != model.negative_label}
                second = getattr(self, f"second_{lang}")
                second_labels = load_second(second).labels if second is not None else model.labels
                if second is not None:
                    load_companion(load_second(second))
                if second_labels != model.labels:
                    raise ValueError(f"second_{lang}: labels {second_labels} are not those of {model.path} {model.labels}")
        check_risk_levels(self.risk_levels, categories)
        return self

    def create(self) -> Stage:
        return stage_for(HarmfulControl(self))


def _check_thresholds(key: str, thresholds: dict[str, float], model: Classifier) -> None:
    positives = [lab for lab in model.labels if lab != model.negative_label]
    for label, value in thresholds.items():
        if label not in positives:
            raise ValueError(f"{key}.{label}: not a label of {model.path} (labels: {', '.join(positives)})")
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{key}.{label}: threshold must be in (0, 1]")


_second_models: dict[str, SparseLinear | TokenCNN] = {}


def load_second(path: str) -> SparseLinear:
    """The second model at ``path`` (``.npz`` with its ``.json`` sidecar), loaded once per process."""
    return load_once(_second_models, path, MODELS_DIR, _checked(load_sparse))


def load_companion(second: SparseLinear) -> TokenCNN | None:
    """The companion a second model names (beside it), loaded once per process; None when it names none."""
    if second.companion is None:
        return None
    companion = load_once(_second_models, Path(second.path).with_name(second.companion), MODELS_DIR, _checked(load_cnn))
    if companion.labels != second.labels:
        raise ContentModelError(f"{companion.path}: labels {companion.labels} are not those of {second.path} {second.labels}")
    return companion


def _checked(load):
    def checked(resolved: Path):
        if not resolved.is_file():
            raise ContentModelError(f"model file not found: {resolved}")
        try:
            return load(resolved)
        except ValueError as exc:
            raise ContentModelError(str(exc)) from None

    return checked


def undecided_rows(probabilities: np.ndarray, rows: np.ndarray, mix: float, flags) -> np.ndarray:
    """The ``rows`` whose flags a two-label companion with share ``mix`` of their probabilities could still
    change: ``flags(p, rows)`` differ between it answering 1 and 0 for the first label. Decision scores are
    linear in the probabilities, so any answer between those two (the rows' own probabilities included)
    flags as they do where they agree: the companion need not be scored there."""
    if not len(rows):
        return rows
    kept = (1.0 - mix) * probabilities[rows]
    first, last = kept.copy(), kept.copy()
    first[:, 0] += mix
    last[:, 1] += mix
    return rows[(flags(first, rows) != flags(last, rows)).any(axis=1)]


class HarmfulControl(ContentRiskControl):
    """Rejects hateful or offensive text (6.1.5): language-routed fastText classifier + weighted lexicon."""

    stage = "harmful"
    clause = "6.1.5"
    category = "harmful"

    def load_models(self) -> None:
        config = self.config
        self._models = {"en": load_classifier(config.model_en), "zh": load_classifier(config.model_zh)}
        self._second = {lang: load_second(path) if path else None for lang, path in (("en", config.second_en), ("zh", config.second_zh))}
        self._companion = {lang: load_companion(second) if second else None for lang, second in self._second.items()}
        self._thresholds = {}
        for lang, model in self._models.items():
            second = self._second[lang]
            thresholds = {**(second.thresholds if second else model.thresholds), **getattr(config, f"thresholds_{lang}")}
            # per column of the model's probabilities; a label without a threshold is never flagged
            self._thresholds[lang] = np.array([thresholds.get(label, np.inf) for label in model.labels])

    def score(self, batch: Batch, processed: list[str], matched: dict):
        routes = ["zh" if zh else "en" for zh in chinese_routes(batch.lang, batch.text, self.config.zh_min_cjk_share)]
        results: list = [None] * len(batch)
        for lang, model in self._models.items():
            indices = [i for i, r in enumerate(routes) if r == lang]
            if not indices:
                continue
            local = {row: matched[i] for row, i in enumerate(indices) if i in matched}
            probabilities, scores, rescored, companion_rows = self._scored(lang, [processed[i] for i in indices], local)
            reached = scores >= self._thresholds[lang]
            name = f"harmful_{lang}"
            for i, lineage in zip(indices, lineage_scores(model.labels, probabilities)):
                results[i] = (name, lineage, {})
            for row in rescored:
                results[indices[row]] = (f"{name}+sparse", results[indices[row]][1], {})
            for row in companion_rows:
                results[indices[row]] = (f"{name}+sparse+cnn", results[indices[row]][1], {})
            limit = self.config.sentence_check_chars_zh if lang == "zh" else None
            if limit is not None:
                for row in self._sentence_checked(reached, [batch.text[i] for i in indices], limit):
                    results[indices[row]] = (f"{results[indices[row]][0]}+sentences", results[indices[row]][1], {})
            for row in np.flatnonzero(reached.any(axis=1)).tolist():
                flagged = {model.labels[j]: float(scores[row, j]) for j in np.flatnonzero(reached[row])}
                results[indices[row]] = (*results[indices[row]][:2], flagged)
        return results

    def _scored(self, lang: str, processed: list[str], matched: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities, decision scores, rows the second model rescored, rows the companion scored) of
        ``lang``'s model set on ``processed`` texts; ``matched``: the lexicon's matches by row."""
        model, second, companion = self._models[lang], self._second[lang], self._companion[lang]
        probabilities = model.probabilities(processed)
        rescored, companion_rows = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if second is not None:
            probabilities, rescored = cascade(
                probabilities, model.labels.index(model.negative_label), second.gate, second.mix,
                lambda rows: second.probabilities([processed[row] for row in rows.tolist()]),
            )
        weights, pooled = model.lexicon_weight, model.pooled
        lexicon = lexicon_scores_matrix(matched, len(processed), model.labels) if weights and matched else None

        def scores_of(p: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
            if not (pooled or weights):
                return p
            return decision_scores(p, list(model.labels), lexicon if lexicon is None or rows is None else lexicon[rows], weights, pooled)

        if companion is not None:
            thresholds = self._thresholds[lang]
            companion_rows = undecided_rows(probabilities, rescored, companion.mix, lambda p, rows: scores_of(p, rows) >= thresholds)
            if len(companion_rows):
                probabilities[companion_rows] = (1.0 - companion.mix) * probabilities[companion_rows] + companion.mix * companion.probabilities(
                    [processed[row] for row in companion_rows.tolist()])
        return probabilities, scores_of(probabilities), rescored, companion_rows

    def _sentence_checked(self, reached: np.ndarray, texts: list[str], limit: int) -> list[int]:
        """The rows of texts longer than ``limit`` characters the classifier flags, each flag (in place in
        ``reached``) kept only where one of the text's sentences, scored alone, reaches that label's threshold:
        a long report is flagged for a passage that reads as offensive, not for dark words spread over it."""
        rows = [row for row in np.flatnonzero(reached.any(axis=1)).tolist() if len(texts[row]) > limit]
        sentences_of = {row: split_sentences_zh(texts[row]) for row in rows}
        rows = [row for row in rows if len(sentences_of[row]) > 1]
        if not rows:
            return []
        sentences = [s for row in rows for s in sentences_of[row]]
        prepared = prepare_texts(sentences)
        matched = self._lexicon.scan_batch([p.lowered for p in prepared])
        reached_alone = self._scored("zh", [p.processed for p in prepared], matched)[1] >= self._thresholds["zh"]
        start = 0
        for row in rows:
            end = start + len(sentences_of[row])
            reached[row] &= reached_alone[start:end].any(axis=0)
            start = end
        return rows

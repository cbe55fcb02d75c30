"""Harmful-content control (clause 6.1.5): hateful and offensive language, English and Chinese.

Each record is scored by a fastText classifier chosen by language (Chinese when ``lang`` is zh or the
text is CJK-dominant, English otherwise) and by a weighted bilingual lexicon; a category is flagged
when its decision score reaches its threshold or the lexicon score reaches ``lexicon_threshold``. The
decision score is the one the model's thresholds were chosen on (its sidecar's ``pooled`` and
``lexicon_weight``, see ``training.decision_scores``): e.g. P(offensive) + P(hate), with the lexicon's
category score added, so a weak term and a middling probability together flag. Both scores go to
lineage for every record.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from transforms.content.classifier import (
    stage_for,
    Classifier,
    ContentRiskConfig,
    ContentRiskControl,
    check_risk_levels,
    chinese_routes,
    lineage_scores,
    load_classifier,
    load_lexicon,
)
from transforms.content.training import decision_scores, lexicon_scores_matrix
from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core.stage import Stage


@register_stage("harmful")
class HarmfulConfig(ContentRiskConfig):
    stage: Literal["harmful"] = "harmful"
    model_en: str = "harmful_en.bin"  # relative paths resolve against transforms/models/
    model_zh: str = "harmful_zh.bin"
    thresholds_en: dict[str, float] = {}  # label -> probability threshold; unset labels use the model card's
    thresholds_zh: dict[str, float] = {}
    lexicon: str = "harmful.tsv"
    zh_min_cjk_share: float = 0.3  # CJK share of the text that routes it to the Chinese model
    risk_levels: dict[str, str] = {"hate": "major", "offensive": "considerable"}

    @model_validator(mode="after")
    def _consistent(self) -> "HarmfulConfig":
        categories = set(load_lexicon(self.lexicon).categories)
        if self.byo_model is not None:
            categories |= self.byo_model.categories()
        else:
            for key, model_key in (("thresholds_en", "model_en"), ("thresholds_zh", "model_zh")):
                _check_thresholds(key, getattr(self, key), load_classifier(getattr(self, model_key)))
            for model_key in ("model_en", "model_zh"):
                model = load_classifier(getattr(self, model_key))
                categories |= {lab for lab in model.labels if lab != model.negative_label}
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


class HarmfulControl(ContentRiskControl):
    """Rejects hateful or offensive text (6.1.5): language-routed fastText classifier + weighted lexicon."""

    stage = "harmful"
    clause = "6.1.5"
    category = "harmful"

    def load_models(self) -> None:
        config = self.config
        self._models = {"en": load_classifier(config.model_en), "zh": load_classifier(config.model_zh)}
        self._thresholds = {}
        for lang, model in self._models.items():
            thresholds = {**model.thresholds, **getattr(config, f"thresholds_{lang}")}
            # per column of the model's probabilities; a label without a threshold is never flagged
            self._thresholds[lang] = np.array([thresholds.get(label, np.inf) for label in model.labels])

    def score(self, batch: Batch, processed: list[str], matched: dict):
        routes = ["zh" if zh else "en" for zh in chinese_routes(batch.lang, batch.text, self.config.zh_min_cjk_share)]
        results: list = [None] * len(batch)
        for lang, model in self._models.items():
            indices = [i for i, r in enumerate(routes) if r == lang]
            if not indices:
                continue
            probabilities = model.probabilities([processed[i] for i in indices])
            weights, pooled = model.lexicon_weight, model.pooled
            lexicon = None
            if weights:
                local = {row: matched[i] for row, i in enumerate(indices) if i in matched}
                lexicon = lexicon_scores_matrix(local, len(indices), model.labels) if local else None
            scores = decision_scores(probabilities, list(model.labels), lexicon, weights, pooled) if (pooled or weights) else probabilities
            reached = scores >= self._thresholds[lang]
            name = f"harmful_{lang}"
            for i, lineage in zip(indices, lineage_scores(model.labels, probabilities)):
                results[i] = (name, lineage, {})
            for row in np.flatnonzero(reached.any(axis=1)).tolist():
                flagged = {model.labels[j]: float(scores[row, j]) for j in np.flatnonzero(reached[row])}
                results[indices[row]] = (name, results[indices[row]][1], flagged)
        return results

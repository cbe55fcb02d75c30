"""High-risk-domain control (clause 4.1.2(b)): nuclear, biological, chemical weapons, missiles, offensive cyber.

One bilingual fastText classifier gives P(benign) and P(hazard_<domain>); the record is flagged for
its most likely domain when that domain's own probability reaches its threshold and beats P(benign).
(Not 1 - P(benign): out-of-domain text, e.g. a Chinese traffic notice, spreads its mass thinly over
several hazard classes with benign low, and no single domain carries real evidence.)
A weighted bilingual lexicon flags a domain on its own when its score reaches ``lexicon_threshold``.
Both scores go to lineage for every record.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from transforms.content.classifier import (
    stage_for,
    ContentRiskConfig,
    ContentRiskControl,
    check_risk_levels,
    lineage_scores,
    load_classifier,
    load_lexicon,
)
from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core.stage import Stage

HAZARD_PREFIX = "hazard_"


@register_stage("highrisk")
class HighRiskConfig(ContentRiskConfig):
    stage: Literal["highrisk"] = "highrisk"
    model: str = "highrisk.ftz"  # relative paths resolve against transforms/models/
    thresholds: dict[str, float] = {}  # domain (bio, chem, cyber, nuclear, missile) -> probability threshold; default: model card
    lexicon: str = "highrisk.tsv"
    risk_levels: dict[str, str] = {
        "nuclear": "extremely_serious",
        "bio": "extremely_serious",
        "chem": "extremely_serious",
        "missile": "extremely_serious",
        "cyber": "major",
    }

    @model_validator(mode="after")
    def _consistent(self) -> "HighRiskConfig":
        if self.byo_model is not None:
            check_risk_levels(self.risk_levels, self.byo_model.categories() | set(load_lexicon(self.lexicon).categories))
            return self
        model = load_classifier(self.model)
        domains = [lab.removeprefix(HAZARD_PREFIX) for lab in model.labels if lab != model.negative_label]
        for domain, value in self.thresholds.items():
            if domain not in domains:
                raise ValueError(f"thresholds.{domain}: not a domain of {model.path} (domains: {', '.join(domains)})")
            if not 0.0 < value <= 1.0:
                raise ValueError(f"thresholds.{domain}: threshold must be in (0, 1]")
        check_risk_levels(self.risk_levels, set(domains) | set(load_lexicon(self.lexicon).categories))
        return self

    def create(self) -> Stage:
        return stage_for(HighRiskControl(self))


class HighRiskControl(ContentRiskControl):
    """Rejects hazardous knowledge in high-risk domains (4.1.2(b)): fastText classifier + weighted lexicon."""

    stage = "highrisk"
    clause = "4.1.2(b)"
    category = "high_risk"

    def load_models(self) -> None:
        model = self._model = load_classifier(self.config.model)
        thresholds = {**{lab.removeprefix(HAZARD_PREFIX): t for lab, t in model.thresholds.items()}, **self.config.thresholds}
        self._negative = model.labels.index(model.negative_label)
        self._hazards = [j for j, lab in enumerate(model.labels) if j != self._negative]
        self._domains = [model.labels[j].removeprefix(HAZARD_PREFIX) for j in self._hazards]
        self._domain_thresholds = np.array([thresholds[d] for d in self._domains])

    def score(self, batch: Batch, processed: list[str]):
        # classifier_training.top_score on the whole batch: the most likely hazard domain, scored by its
        # probability when that beats P(benign), else 0
        probabilities = self._model.probabilities(processed)
        hazards = probabilities[:, self._hazards]
        top = hazards.argmax(axis=1)
        top_p = hazards[np.arange(len(top)), top]
        score = np.where(top_p > probabilities[:, self._negative], top_p, 0.0)
        reached = score >= self._domain_thresholds[top]
        results = []
        for row, scores in enumerate(lineage_scores(self._model.labels, probabilities)):
            flagged = {self._domains[top[row]]: float(score[row])} if reached[row] else {}
            results.append(("highrisk", scores, flagged))
        return results

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

from pydantic import model_validator

from transforms.base import ControlStage, Stage, register_stage
from transforms.classifier_training import top_score
from transforms.content_risk import ContentRiskConfig, ContentRiskControl, check_risk_levels, load_classifier, load_lexicon
from transforms.records import Batch

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
        return ControlStage(HighRiskControl(self))


class HighRiskControl(ContentRiskControl):
    """Rejects hazardous knowledge in high-risk domains (4.1.2(b)): fastText classifier + weighted lexicon."""

    stage = "highrisk"
    clause = "4.1.2(b)"
    category = "high_risk"

    def load_models(self) -> None:
        self._model = load_classifier(self.config.model)
        model_thresholds = {lab.removeprefix(HAZARD_PREFIX): t for lab, t in self._model.thresholds.items()}
        self._thresholds = {**model_thresholds, **self.config.thresholds}

    def score(self, batch: Batch, processed: list[str]):
        negative = self._model.negative_label
        results = []
        for probs in self._model.predict(processed):
            label, score = top_score(probs, negative)
            domain = label.removeprefix(HAZARD_PREFIX)
            flagged = {domain: score} if score >= self._thresholds[domain] else {}
            results.append(("highrisk", probs, flagged))
        return results

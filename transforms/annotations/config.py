"""The annotation-audit job config (``steward audit-annotations``), validated with one-line errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from transforms.annotations.agreement import LEVELS
from transforms.core import storage
from transforms.core.stage import first_error
from transforms.core.yamlfile import DuplicateKey, load_yaml

ROLES = ("annotator", "reviewer")
VOID_REASON = "batch_voided"
VOID_CLAUSE = "TC260-003 annotation (batch with illegal content voided)"
VOID_RISK_LEVEL = "major"
FORMATS = ("jsonl", "csv", "labelstudio")


# --- config -------------------------------------------------------------------------------------------------


class AnnotationConfigError(ValueError):
    """An audit config that cannot be run; the message is one line naming the bad key."""


class AnnotationAuditConfig(BaseModel):
    """``steward audit-annotations CONFIG``: one flat YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("annotations", pattern=r"^[A-Za-z0-9_.-]+$")
    inputs: list[str] = Field(min_length=1)
    format: Literal[FORMATS] | None = None  # inferred from the extension: .jsonl, .csv, .json (Label Studio)
    output_dir: str
    level: Literal[LEVELS] = "nominal"
    labels: list[str] = []  # allowed labels in order (lowest first); required for ordinal data
    item_field: str = "item_id"
    annotator_field: str = "annotator_id"
    label_field: str = "label"
    batch_field: str = "batch_id"
    role_field: str = "role"
    timestamp_field: str = "timestamp"
    labelstudio_label_from: str | None = None  # result `from_name` holding the label; default: first choice/rating/number
    labelstudio_review_from: str = "review"  # result `from_name` holding a reviewer verdict
    illegal_labels: list[str] = ["illegal"]
    consensus: Literal["majority", "dawid_skene"] = "majority"
    dawid_skene_iterations: int = Field(100, ge=1)
    tolerance: float = Field(0.0, ge=0)  # interval/ratio: a label within this of the consensus agrees
    alpha_threshold: float = Field(0.8, ge=-1, le=1)
    alpha_tentative: float = Field(0.667, ge=-1, le=1)
    undefined_alpha: Literal["fail", "pass"] = "fail"
    adjudicate_below: float = Field(0.6, ge=0, le=1)  # item: share of annotators agreeing with the consensus
    annotator_min_agreement: float = Field(0.7, ge=0, le=1)
    min_pair_items: int = Field(10, ge=1)  # annotator pairs sharing fewer items get no kappa
    bootstrap_samples: int = Field(1000, ge=0)
    seed: int = 0
    runner: str = "FnApiRunner"

    @model_validator(mode="after")
    def _consistent(self) -> "AnnotationAuditConfig":
        if self.alpha_tentative > self.alpha_threshold:
            raise ValueError("alpha_tentative: must not exceed alpha_threshold")
        if self.level == "ordinal" and not self.labels:
            raise ValueError("labels: required for ordinal data (lowest first)")
        if self.level in ("interval", "ratio") and self.labels:
            raise ValueError("labels: only for nominal or ordinal data")
        if self.consensus == "dawid_skene" and self.level not in ("nominal", "ordinal"):
            raise ValueError("consensus: dawid_skene needs nominal or ordinal labels")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels: duplicate label")
        return self

    @property
    def numeric(self) -> bool:
        return self.level in ("interval", "ratio")

    def input_format(self, path: str) -> str:
        if self.format:
            return self.format
        suffix = Path(path).suffix.lower()
        inferred = {".jsonl": "jsonl", ".csv": "csv", ".json": "labelstudio"}.get(suffix)
        if inferred is None:
            raise AnnotationConfigError(f"config error: format: cannot infer the format of {path}; set `format:`")
        return inferred


def parse_audit_config(data: Any) -> AnnotationAuditConfig:
    if not isinstance(data, dict):
        raise AnnotationConfigError("config error: the file must hold a YAML mapping")
    try:
        return AnnotationAuditConfig.model_validate(data)
    except ValidationError as exc:
        raise AnnotationConfigError(f"config error: {first_error(exc)}") from None


def load_audit_config(path: str | Path) -> AnnotationAuditConfig:
    """The validated config with ``inputs`` and ``output_dir`` resolved against the config file's folder, as a
    job config's paths are, so the audit runs the same from any working directory; URIs are kept as they are."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnnotationConfigError(f"config error: cannot read {path}: {exc.strerror}") from None
    except DuplicateKey as exc:
        raise AnnotationConfigError(f"config error: {path} {exc}") from None
    except yaml.YAMLError:
        raise AnnotationConfigError(f"config error: {path} is not valid YAML") from None
    config = parse_audit_config(data)
    folder = path.resolve().parent
    return config.model_copy(update={
        "inputs": [storage.resolve(p, folder) for p in config.inputs],
        "output_dir": storage.resolve(config.output_dir, folder),
    })

"""Reading annotation records: JSONL, CSV and Label Studio JSON exports, each row parsed or marked invalid.
"""

from __future__ import annotations

import csv
import json
import math
from typing import Any, Iterator, NamedTuple

from transforms.annotations.config import ROLES, AnnotationAuditConfig

# --- records ------------------------------------------------------------------------------------------------


class Annotation(NamedTuple):
    item_id: str
    annotator: str
    label: Any  # str for nominal/ordinal, float for interval/ratio; the raw verdict string for reviewers
    batch: str  # "" when the input has none
    role: str
    timestamp: str  # ISO 8601 or "" (compared as text)
    seq: int  # position in its input, breaks timestamp ties


class Invalid(NamedTuple):
    where: str
    reason: str


def parse_row(row: dict, config: AnnotationAuditConfig, where: str, seq: int) -> Annotation | Invalid:
    """One input row → an :class:`Annotation`, or an :class:`Invalid` saying why not."""
    item = row.get(config.item_field)
    annotator = row.get(config.annotator_field)
    label = row.get(config.label_field)
    if item in (None, ""):
        return Invalid(where, f"missing {config.item_field}")
    if annotator in (None, ""):
        return Invalid(where, f"missing {config.annotator_field}")
    if label is None or label == "":
        return Invalid(where, f"missing {config.label_field}")
    role = str(row.get(config.role_field) or "annotator").strip().lower()
    if role not in ROLES:
        return Invalid(where, f"unknown role {role!r}")
    if role == "annotator":
        if config.numeric:
            try:
                label = float(label)
            except (TypeError, ValueError):
                return Invalid(where, "label is not a number")
            if math.isnan(label) or (config.level == "ratio" and label < 0):
                return Invalid(where, "label is not a valid number for this level")
        else:
            label = _label_text(label)
            if config.labels and label not in config.labels:
                return Invalid(where, f"label {label!r} not in labels")
    else:
        label = _label_text(label)
    batch = row.get(config.batch_field)
    timestamp = row.get(config.timestamp_field)
    return Annotation(
        str(item), str(annotator), label, "" if batch is None else str(batch), role, "" if timestamp is None else str(timestamp), seq
    )


def _label_text(value: Any) -> str:
    # 1 and "1" are the same label; 1.0 from a JSON number is too
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_annotations(path: str, config: AnnotationAuditConfig) -> Iterator[Annotation | Invalid]:
    """Stream one input file; bad rows come back as :class:`Invalid` instead of stopping the audit."""
    fmt = config.input_format(path)
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as handle:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    yield Invalid(f"{path}:{n}", "not valid JSON")
                    continue
                if not isinstance(row, dict):
                    yield Invalid(f"{path}:{n}", "not a JSON object")
                    continue
                yield parse_row(row, config, f"{path}:{n}", n)
    elif fmt == "csv":
        with open(path, encoding="utf-8", newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), 2):
                yield parse_row(row, config, f"{path}:{n}", n)
    else:
        yield from _read_labelstudio(path, config)


def _labelstudio_user(annotation: dict) -> str:
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        return str(user.get("email") or user.get("id") or "")
    return "" if user is None else str(user)


def _labelstudio_value(result: dict) -> Any:
    value = result.get("value") or {}
    for key in ("choices", "rating", "number", "taxonomy"):
        if key in value:
            found = value[key]
            while isinstance(found, list):
                found = found[0] if found else None
            return found
    return None


def _read_labelstudio(path: str, config: AnnotationAuditConfig) -> Iterator[Annotation | Invalid]:
    """Label Studio JSON export: one task per element, ``annotations[].result[]`` with choices/rating/number."""
    with open(path, encoding="utf-8") as handle:
        tasks = json.load(handle)
    if not isinstance(tasks, list):
        yield Invalid(path, "a Label Studio export is a JSON list of tasks")
        return
    seq = 0
    for t, task in enumerate(tasks):
        data = task.get("data") or {}
        item = data.get(config.item_field, task.get("id"))
        batch = data.get(config.batch_field)
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            row = {
                config.item_field: item,
                config.annotator_field: _labelstudio_user(annotation),
                config.batch_field: batch,
                config.timestamp_field: annotation.get("updated_at") or annotation.get("created_at"),
            }
            label_seen = False
            for result in annotation.get("result") or []:
                name = result.get("from_name")
                value = _labelstudio_value(result)
                if value is None:
                    continue
                if name == config.labelstudio_review_from:
                    role = "reviewer"
                elif config.labelstudio_label_from in (None, name) and not label_seen:
                    role, label_seen = "annotator", True
                else:
                    continue
                seq += 1
                yield parse_row(
                    {**row, config.label_field: value, config.role_field: role}, config, f"{path}:task[{t}]", seq
                )

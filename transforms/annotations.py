"""Annotation audit logic (Framework 4.1.2(c), 6.1.6; TC260-003 annotation rules), Beam-free.

Reading annotation records (JSONL, CSV, Label Studio JSON export), summarising each item (latest label per
annotator, consensus, role separation, batch voiding), the mergeable aggregate the agreement metrics are
computed from, Dawid–Skene consensus, and the audit report. ``pipelines/annotations.py`` runs the same
functions in a Beam graph; :func:`audit_in_memory` runs them on a list.

Record semantics:

* ``role: annotator`` records carry the annotator's label for the item; if an annotator labelled an item
  twice, the latest timestamp wins (ties: the later record in the input).
* ``role: reviewer`` records carry the reviewer's verdict. A verdict in ``illegal_labels`` voids the whole
  batch of that item (TC260-003: a batch containing illegal content is voided); the item's batch comes
  from its records, and an item without any batch id is its own batch. Reviewer verdicts are not annotations: they never enter the agreement metrics.
* An item whose reviewer also annotated it breaks role separation: it is flagged, goes to the adjudication
  queue and is not published in the consensus dataset.
* Voided items are rejected (category ``annotation``, reason ``batch_voided``) and excluded from the metrics
  and from the consensus: the metrics describe the annotations that would be published.
"""

from __future__ import annotations

import csv
import json
import math
import statistics
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, NamedTuple, Sequence

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from transforms import agreement
from transforms.agreement import LEVELS
from transforms.base import first_error

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
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnnotationConfigError(f"config error: cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise AnnotationConfigError(f"config error: {path} is not valid YAML") from None
    return parse_audit_config(data)


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


# --- per item -----------------------------------------------------------------------------------------------


class ItemResult(NamedTuple):
    """What one item contributes: its consensus row (or its reject) and its share of the aggregate."""

    item_id: str
    batch: str
    illegal: bool  # a reviewer marked this item as illegal content
    voided: bool  # its batch holds an illegal item
    annotators: tuple[str, ...]
    labels: tuple  # aligned with annotators
    reviewers: tuple[str, ...]
    consensus: Any  # None without annotations
    agreement: float  # share of annotators agreeing with the consensus (NaN without annotations)
    tie: bool
    self_reviewed: tuple[str, ...]  # reviewers who also annotated this item
    loo_credit: tuple  # per annotator: (credit numerator, denominator) against the leave-one-out consensus

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.tie:
            flags.append("tie")
        if self.self_reviewed:
            flags.append("self_review")
        return flags

    def needs_adjudication(self, config: AnnotationAuditConfig) -> list[str]:
        reasons = list(self.flags)
        if len(self.annotators) >= 2 and self.agreement < config.adjudicate_below:
            reasons.insert(0, "low_agreement")
        return reasons


def batch_key(item_id: str, batch: str) -> str:
    """The batch an item belongs to for voiding; an item without a batch id is its own batch."""
    return batch or f"item:{item_id}"


def void_batches(items: Sequence[ItemResult]) -> list[ItemResult]:
    """Mark every item of a batch that holds an illegal item as voided."""
    voided = {batch_key(i.item_id, i.batch) for i in items if i.illegal}
    return [mark_voided(i, voided) for i in items]


def mark_voided(item: ItemResult, voided_batches) -> ItemResult:
    return item._replace(voided=True) if batch_key(item.item_id, item.batch) in voided_batches else item


def label_order(config: AnnotationAuditConfig, seen: Iterable) -> list:
    """The value domain: configured labels (in order) plus any others seen, sorted."""
    seen = set(seen)
    if config.numeric:
        return sorted(seen)
    return list(config.labels) + sorted(seen - set(config.labels))


def majority(labels: Sequence, config: AnnotationAuditConfig) -> tuple[Any, bool]:
    """(consensus, tie). Nominal/ordinal: most votes, ties to the first label in ``labels`` order (then
    alphabetical); interval/ratio: the median."""
    if config.numeric:
        return float(statistics.median(labels)), False
    votes = Counter(labels)
    best = max(votes.values())
    top = [label for label, n in votes.items() if n == best]
    if len(top) == 1:
        return top[0], False
    order = {label: i for i, label in enumerate(config.labels)}
    return min(top, key=lambda label: (order.get(label, len(order)), label)), True


def leave_one_out_credit(labels: Sequence, config: AnnotationAuditConfig) -> tuple[tuple[int, int], ...]:
    """Per label: (hit, k) against the consensus of the *other* labels; a k-way tie that includes the label
    gives 1/k credit, so nobody profits from ties. (0, 0) when there are no other labels."""
    if len(labels) < 2:
        return ((0, 0),) * len(labels)
    if config.numeric:
        credit = []
        for i, label in enumerate(labels):
            others = labels[:i] + labels[i + 1 :]
            credit.append((int(abs(label - statistics.median(others)) <= config.tolerance), 1))
        return tuple(credit)
    votes = Counter(labels)
    credit = []
    for label in labels:
        votes[label] -= 1  # the others' votes, without building a new counter per annotator
        best = max(votes.values())
        top = sum(1 for n in votes.values() if n == best)
        credit.append((int(votes[label] == best), top))
        votes[label] += 1
    return tuple(credit)


def agrees(label: Any, consensus: Any, config: AnnotationAuditConfig) -> bool:
    if config.numeric:
        return abs(label - consensus) <= config.tolerance
    return label == consensus


def summarise_item(item_id: str, records: Iterable[Annotation], config: AnnotationAuditConfig) -> ItemResult:
    """One item from all its records; ``voided`` stays False until :func:`mark_voided` (it needs every item
    of the batch). The item's batch is its smallest non-empty batch id, so a review without one still
    voids the batch the item was annotated in."""
    latest: dict[str, Annotation] = {}
    reviewers: set[str] = set()
    batches = set()
    illegal = False
    for record in records:
        if record.batch:
            batches.add(record.batch)
        if record.role == "reviewer":
            reviewers.add(record.annotator)
            illegal = illegal or record.label in config.illegal_labels
            continue
        previous = latest.get(record.annotator)
        if previous is None or (record.timestamp, record.seq) >= (previous.timestamp, previous.seq):
            latest[record.annotator] = record
    batch = min(batches) if batches else ""
    annotators = tuple(sorted(latest))
    labels = tuple(latest[a].label for a in annotators)
    self_reviewed = tuple(sorted(reviewers & set(annotators)))
    if not labels:
        return ItemResult(item_id, batch, illegal, False, (), (), tuple(sorted(reviewers)), None, math.nan, False, self_reviewed, ())
    consensus, tie = majority(labels, config)
    agreement = sum(agrees(x, consensus, config) for x in labels) / len(labels)
    loo = leave_one_out_credit(labels, config)
    return ItemResult(
        item_id, batch, illegal, False, annotators, labels, tuple(sorted(reviewers)), consensus, agreement, tie, self_reviewed, loo
    )


def void_reject(item: ItemResult) -> dict:
    """The reject row of a voided item: identity and reason, never its labels' content."""
    return {
        "item_id": item.item_id,
        "batch_id": item.batch,
        "stage": "annotations",
        "rule": "void_batch_with_illegal_content",
        "clause": VOID_CLAUSE,
        "risk_level": VOID_RISK_LEVEL,
        "category": "annotation",
        "reason": VOID_REASON,
        "detail": json.dumps({"batch": batch_key(item.item_id, item.batch), "reviewers": list(item.reviewers)}),
    }


# --- the mergeable aggregate --------------------------------------------------------------------------------

AGGREGATE_PARTS = ("counts", "pairs", "profiles", "pair_labels", "annotators", "vs_consensus", "invalid", "voided_batches")


def new_aggregate() -> dict[str, Counter]:
    """Integer counters only, so merging partial aggregates in any order gives the same result exactly.

    counts: items/voided/...; pairs: (c, k, m) coincidence pairs; profiles: unit profile → units;
    pair_labels: (a, b, label_a, label_b) for a < b; annotators: (a, stat[, k]); vs_consensus:
    (label, consensus label); invalid: reason → rows; voided_batches: batch → voided items.
    """
    return {name: Counter() for name in AGGREGATE_PARTS}


def add_item(aggregate: dict[str, Counter], item: ItemResult, config: AnnotationAuditConfig) -> None:
    counts = aggregate["counts"]
    counts["items"] += 1
    if item.voided:
        counts["voided_items"] += 1
        aggregate["voided_batches"][batch_key(item.item_id, item.batch)] += 1
        return
    if not item.annotators:
        counts["items_without_annotations"] += 1
        return
    counts["scored_items"] += 1
    counts["annotations"] += len(item.labels)
    if item.tie:
        counts["ties"] += 1
    if item.self_reviewed:
        counts["self_reviewed_items"] += 1
    if item.needs_adjudication(config):
        counts["adjudication_items"] += 1
    profile = agreement.unit_profile(item.labels)
    aggregate["profiles"][profile] += 1
    aggregate["pairs"].update(agreement.profile_pair_counts(profile))
    stats = aggregate["annotators"]
    for i, (a, label) in enumerate(zip(item.annotators, item.labels)):
        stats[(a, "items")] += 1
        stats[(a, "consensus_agree")] += agrees(label, item.consensus, config)
        hit, ties = item.loo_credit[i]
        if ties:
            stats[(a, "loo_items")] += 1
            stats[(a, "loo_hits", ties)] += hit
        aggregate["vs_consensus"][(label, item.consensus)] += 1
        for b, other in zip(item.annotators[i + 1 :], item.labels[i + 1 :]):
            aggregate["pair_labels"][(a, b, label, other)] += 1


def add_invalid(aggregate: dict[str, Counter], invalid: Invalid) -> None:
    aggregate["invalid"][invalid.reason] += 1


def merge_aggregates(aggregates: Iterable[dict[str, Counter]]) -> dict[str, Counter]:
    merged = new_aggregate()
    for aggregate in aggregates:
        for name in AGGREGATE_PARTS:
            merged[name].update(aggregate[name])
    return merged


# --- Dawid–Skene --------------------------------------------------------------------------------------------


def dawid_skene(
    item_index: np.ndarray,
    annotator_index: np.ndarray,
    label_index: np.ndarray,
    n_items: int,
    n_annotators: int,
    n_labels: int,
    *,
    iterations: int = 100,
    tol: float = 1e-6,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dawid & Skene (1979) EM over (item, annotator, label) triples.

    Starts from the soft majority vote; confusion rows get add-0.01 smoothing so an unseen label is not
    impossible. Returns (posterior items × labels, per-annotator confusion, label priors).
    """
    posterior = np.zeros((n_items, n_labels))
    np.add.at(posterior, (item_index, label_index), 1.0)
    posterior /= posterior.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        priors = posterior.mean(axis=0) + 1e-12
        confusion = np.full((n_annotators, n_labels, n_labels), 0.01)
        np.add.at(confusion, (annotator_index, slice(None), label_index), posterior[item_index])
        confusion /= confusion.sum(axis=2, keepdims=True)
        log_post = np.tile(np.log(priors), (n_items, 1))
        np.add.at(log_post, item_index, np.log(confusion[annotator_index, :, label_index]))
        log_post -= log_post.max(axis=1, keepdims=True)
        updated = np.exp(log_post)
        updated /= updated.sum(axis=1, keepdims=True)
        change = float(np.abs(updated - posterior).max())
        posterior = updated
        if change < tol:
            break
    return posterior, confusion, priors


def dawid_skene_labels(
    item_index: Sequence[int], annotator_ids: Sequence[str], labels: Sequence, n_items: int, values: Sequence, *, iterations: int = 100
) -> tuple[list, np.ndarray, dict]:
    """Dawid–Skene over flat annotation columns (item position, annotator, label): the label per item (ties →
    the first label in ``values`` order), its posterior, and the estimated accuracy of each annotator."""
    names, annotator_index = np.unique(np.asarray(annotator_ids, dtype=object).astype(str), return_inverse=True)
    v_index = {v: i for i, v in enumerate(values)}
    posterior, confusion, priors = dawid_skene(
        np.asarray(item_index), annotator_index, np.array([v_index[x] for x in labels]), n_items, len(names), len(values),
        iterations=iterations,
    )
    best = posterior.argmax(axis=1)  # argmax takes the first maximum: label order breaks ties
    accuracy = {str(a): float((priors / priors.sum()) @ np.diag(confusion[i])) for i, a in enumerate(names)}
    return [values[b] for b in best], posterior.max(axis=1), accuracy


# --- the report ---------------------------------------------------------------------------------------------


def _num(x: float) -> float | None:
    """JSON-safe number: NaN → null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def gate(alpha: float, config: AnnotationAuditConfig) -> dict:
    """Pass iff α ≥ alpha_threshold. Bands: reliable ≥ threshold > tentative ≥ alpha_tentative > unreliable;
    undefined α (NaN) passes only with ``undefined_alpha: pass``."""
    if math.isnan(alpha):
        band, passed = "undefined", config.undefined_alpha == "pass"
    elif alpha >= config.alpha_threshold:
        band, passed = "reliable", True
    elif alpha >= config.alpha_tentative:
        band, passed = "tentative", False
    else:
        band, passed = "unreliable", False
    return {
        "passed": passed,
        "band": band,
        "alpha": _num(alpha),
        "alpha_threshold": config.alpha_threshold,
        "alpha_tentative": config.alpha_tentative,
        "undefined_alpha": config.undefined_alpha,
    }


def compute_report(aggregate: dict[str, Counter], config: AnnotationAuditConfig) -> dict:
    """Every metric of the audit from the merged aggregate. Undefined coefficients are null, with a warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", agreement.AgreementWarning)
        report = _report(aggregate, config)
    report["warnings"] = sorted({str(w.message) for w in caught})
    return report


def _report(aggregate: dict[str, Counter], config: AnnotationAuditConfig) -> dict:
    counts = aggregate["counts"]
    values = label_order(config, [v for p in aggregate["profiles"] for v, _ in p])
    _, o = agreement.coincidence_matrix(aggregate["pairs"], values)
    alpha = agreement.alpha_from_coincidence(values, o, config.level)
    boot = agreement.bootstrap_alpha(
        aggregate["profiles"], config.level, values=values, samples=config.bootstrap_samples, seed=config.seed
    )
    metrics = {
        "level": config.level,
        "alpha": _num(alpha),
        "alpha_ci": {"low": _num(boot["low"]), "high": _num(boot["high"]), "confidence": boot["confidence"],
                     "samples": boot["samples"], "defined_samples": boot["defined"], "seed": config.seed,
                     "method": "percentile bootstrap over units"},
        "observed_agreement": _num(agreement.observed_agreement(o)),
        "pairable_units": sum(n for p, n in aggregate["profiles"].items() if sum(c for _, c in p) >= 2),
        "pairable_values": _num(o.sum()),
    }
    if config.level != "nominal":
        metrics["alpha_nominal"] = _num(agreement.alpha_from_coincidence(values, o, "nominal"))
    metrics["fleiss_kappa"] = _num(agreement.fleiss_from_profiles(aggregate["profiles"], values)) if aggregate["profiles"] else None

    pair_tables: dict[tuple, Counter] = defaultdict(Counter)
    for (a, b, x, y), n in aggregate["pair_labels"].items():
        pair_tables[(a, b)][(x, y)] += n
    pairs = []
    for (a, b), table in sorted(pair_tables.items()):
        confusion = agreement.confusion_table(table, values)
        n = int(confusion.sum())
        row = {"a": a, "b": b, "items": n, "agreement": _num(np.trace(confusion) / n)}
        for scheme in agreement.KAPPA_WEIGHTS:
            key = "kappa" if scheme == "unweighted" else f"kappa_{scheme}"
            row[key] = _num(agreement.cohen_kappa(confusion, scheme)) if n >= config.min_pair_items else None
        pairs.append(row)

    stats = aggregate["annotators"]
    names = sorted({key[0] for key in stats})
    annotators = {}
    for a in names:
        loo_items = stats[(a, "loo_items")]
        loo_hits = sum(n / key[2] for key, n in stats.items() if key[0] == a and key[1] == "loo_hits")
        peers = {}
        for row in pairs:
            if a in (row["a"], row["b"]):
                peer = row["b"] if row["a"] == a else row["a"]
                peers[peer] = {"items": row["items"], "agreement": row["agreement"], "kappa": row["kappa"]}
        kappas = [p["kappa"] for p in peers.values() if p["kappa"] is not None]
        loo = loo_hits / loo_items if loo_items else math.nan
        annotators[a] = {
            "items": stats[(a, "items")],
            "agreement_with_consensus": _num(stats[(a, "consensus_agree")] / stats[(a, "items")]),
            "agreement_with_others_consensus": _num(loo),
            "mean_kappa_with_peers": _num(float(np.mean(kappas))) if kappas else None,
            "peers": peers,
            "below_threshold": bool(not math.isnan(loo) and loo < config.annotator_min_agreement),
        }

    per_label = {}
    marginals = o.sum(axis=1)
    vs = aggregate["vs_consensus"]
    for i, label in enumerate(values):
        given = sum(n for (x, _), n in vs.items() if x == label)
        as_consensus = sum(n for (_, c), n in vs.items() if c == label)
        hit = vs.get((label, label), 0)
        per_label[str(label)] = {
            "pairable_values": _num(marginals[i]),
            "pair_agreement": _num(o[i, i] / marginals[i]) if marginals[i] else None,
            "annotations": given,
            "precision_vs_consensus": _num(hit / given) if given else None,
            "recall_vs_consensus": _num(hit / as_consensus) if as_consensus else None,
        }
    confusion = {
        "labels": [str(v) for v in values],
        "matrix": agreement.confusion_table(vs, values).astype(int).tolist() if not config.numeric else None,
        "rows": "annotator label",
        "columns": "consensus label",
    }
    return {
        "name": config.name,
        "counts": {
            key: counts[key]
            for key in ("items", "voided_items", "items_without_annotations", "scored_items", "annotations", "ties",
                        "self_reviewed_items", "adjudication_items")
        } | {"annotators": len(names), "invalid_rows": sum(aggregate["invalid"].values())},
        "invalid_rows": dict(sorted(aggregate["invalid"].items())),
        "voided_batches": dict(sorted(aggregate["voided_batches"].items())),
        "metrics": metrics,
        "pairs": pairs,
        "annotators": annotators,
        "annotators_below_threshold": [a for a, s in annotators.items() if s["below_threshold"]],
        "per_label": per_label,
        "confusion": confusion,
        "gate": gate(alpha, config),
    }


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def aggregate_to_json(aggregate: dict[str, Counter]) -> str:
    """JSON form of an aggregate (keys become lists), for handing it from the pipeline to the driver."""
    return json.dumps({name: [[key, n] for key, n in aggregate[name].items()] for name in AGGREGATE_PARTS})


def aggregate_from_json(text: str) -> dict[str, Counter]:
    data = json.loads(text)
    return {name: Counter({_tuples(key): n for key, n in data[name]}) for name in AGGREGATE_PARTS}


def audit_in_memory(records: Iterable[Annotation | Invalid], config: AnnotationAuditConfig) -> tuple[dict, list[ItemResult]]:
    """The whole audit without Beam: (merged aggregate, item results sorted by item id)."""
    records = list(records)
    aggregate = new_aggregate()
    by_item: dict[str, list[Annotation]] = defaultdict(list)
    for record in records:
        if isinstance(record, Invalid):
            add_invalid(aggregate, record)
        else:
            by_item[record.item_id].append(record)
    items = void_batches([summarise_item(item_id, group, config) for item_id, group in sorted(by_item.items())])
    for item in items:
        add_item(aggregate, item, config)
    return aggregate, items

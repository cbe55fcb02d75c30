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

import json
import math
import statistics
from collections import Counter
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np

from transforms.annotations import agreement
from transforms.annotations.config import VOID_CLAUSE, VOID_REASON, VOID_RISK_LEVEL, AnnotationAuditConfig
from transforms.annotations.readers import Annotation, Invalid

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

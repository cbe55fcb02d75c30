"""The annotation-audit report: agreement metrics, per-annotator profiles and the quality gate.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter, defaultdict
from typing import Iterable

import numpy as np

from transforms.annotations import agreement
from transforms.annotations.config import AnnotationAuditConfig
from transforms.annotations.consensus import (
    AGGREGATE_PARTS,
    ItemResult,
    add_invalid,
    add_item,
    label_order,
    new_aggregate,
    summarise_item,
    void_batches,
)
from transforms.annotations.readers import Annotation, Invalid

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

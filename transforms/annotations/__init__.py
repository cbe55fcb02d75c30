"""Annotation quality audit (Framework 4.1.2(c), 6.1.6; TC260-003): config, readers, per-item consensus, report.

The package is Beam-free; ``pipelines/annotations.py`` runs it as a Beam graph. This module is its public API.
"""
from transforms.annotations.config import (
    AnnotationAuditConfig,
    AnnotationConfigError,
    load_audit_config,
    parse_audit_config,
)
from transforms.annotations.consensus import (
    add_invalid,
    add_item,
    batch_key,
    dawid_skene_labels,
    label_order,
    mark_voided,
    merge_aggregates,
    new_aggregate,
    summarise_item,
    void_reject,
)
from transforms.annotations.readers import Invalid, parse_row, read_annotations
from transforms.annotations.report import aggregate_from_json, aggregate_to_json, audit_in_memory, compute_report, gate

__all__ = ['AnnotationAuditConfig', 'AnnotationConfigError', 'Invalid', 'add_invalid', 'add_item', 'aggregate_from_json', 'aggregate_to_json', 'audit_in_memory', 'batch_key', 'compute_report', 'dawid_skene_labels', 'gate', 'label_order', 'load_audit_config', 'mark_voided', 'merge_aggregates', 'new_aggregate', 'parse_audit_config', 'parse_row', 'read_annotations', 'summarise_item', 'void_reject']

"""The domain a high-risk reject is labelled with, chosen apart from the decision to reject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.make_corpus import HIGH_RISK_EN, HIGH_RISK_ZH
from tests.content.test_classifiers import make_batch
from transforms.content.highrisk import HighRiskConfig
from transforms.content.training import read_examples
from transforms.core.stage import apply_control

HELD_OUT_DATA = Path("../shared/data/highrisk/wmdp_bio_dev.jsonl")


def _reasons(texts, **config) -> dict[str, str]:
    result = apply_control(HighRiskConfig(**config).create().control, make_batch(texts), "r")
    return {r["id"]: r["reason"] for r in result.rejects}


def test_the_demo_rejects_name_their_own_domain():
    # Before, the argmax hazard class named a centrifuge cascade `bio` and a missile's terminal guidance `cyber`.
    centrifuges = next(t for t in HIGH_RISK_EN if "centrifuges" in t)
    guidance = next(t for t in HIGH_RISK_EN if "terminal guidance" in t)
    sarin = next(t for t in HIGH_RISK_EN if "sarin" in t)
    pathogen = next(t for t in HIGH_RISK_EN if "avian flu" in t)
    assert _reasons([centrifuges, guidance, sarin, pathogen, *HIGH_RISK_ZH]) == {
        "r0": "nuclear", "r1": "missile", "r2": "chem", "r3": "bio", "r4": "chem", "r5": "bio"}  # fmt: skip
    assert _reasons([centrifuges, guidance], domain_terms=None) == {"r0": "bio", "r1": "cyber"}  # the rule before
    # lineage says why the reject names another domain than its most likely hazard class
    (reject,) = apply_control(HighRiskConfig().create().control, make_batch([centrifuges]), "r").rejects
    detail = json.loads(reject["lineage"][-1]["detail"])
    assert max(detail["scores"], key=detail["scores"].get) == "hazard_bio" and "uranium" in detail["domain_terms"]


def _same_records_rejected(texts) -> None:
    labelled, argmax = _reasons(texts), _reasons(texts, domain_terms=None)
    assert labelled.keys() == argmax.keys() and len(labelled) > 30
    assert labelled != argmax  # the labels do change


def test_the_domain_terms_change_no_decision_on_the_hand_written_sets():
    rows = read_examples("eval/data/highrisk_handwritten.jsonl") + read_examples("eval/data/highrisk_handwritten_2.jsonl")
    _same_records_rejected([ex.text for ex in rows])


@pytest.mark.skipif(not HELD_OUT_DATA.exists(), reason="needs ../shared/data (from the repository root)")
def test_the_domain_terms_change_no_decision_on_the_held_out_split():
    from eval.classifiers_eval import held_out

    _same_records_rejected([ex.text for ex in held_out("highrisk")])


def test_domain_terms_for_other_domains_are_a_config_error(tmp_path):
    path = tmp_path / "domains.tsv"
    path.write_text("term\tbio\tchem\nsarin\t0\t3\n")
    with pytest.raises(ValueError, match="domain_terms: its columns must be the domains of"):
        HighRiskConfig(domain_terms=str(path))
    with pytest.raises(ValueError, match="domain terms file not found"):
        HighRiskConfig(domain_terms=str(tmp_path / "nope.tsv"))

"""The high-risk stage's term gate: which records reach the model, and that gating loses no decision."""

from __future__ import annotations

import json

import pytest

from tests.content.test_classifiers import make_batch
from transforms.content.highrisk import HighRiskConfig, TermGate, load_gate
from transforms.content.training import read_examples
from transforms.core.stage import apply_control


def test_english_terms_match_whole_words_in_any_case_and_across_punctuation():
    gate = TermGate(["anthrax", "nerve agent", "cs-137"])
    texts = [
        "Weaponised ANTHRAX spores.",  # any ASCII case
        "a Nerve-Agent's shelf life",  # punctuation between the words counts as a space
        "sources of Cs 137 in hospitals",
        "anthraxes and nerveagent are not the terms",  # not whole words
        "用anthrax做什么",  # Chinese around an English word is a boundary
    ]
    assert gate.candidates(texts) == [0, 1, 2, 4]


def test_a_term_is_found_in_each_text_however_the_texts_around_it_end_and_start():
    gate = TermGate(["sarin", "nerve agent"])
    # a term closing one text and one opening the next are two matches; a term's words in two texts are none
    assert gate.candidates(["about sarin", "sarin here", "the nerve", "agent x", "nerve agent"]) == [0, 1, 4]


def test_chinese_terms_match_anywhere_and_indices_map_back_across_the_batch():
    gate = TermGate(["导弹", "sarin"])
    texts = ["今天天气很好", "line one\nline two", "弹道导弹的射程", "", "Sarin\n"]
    assert gate.candidates(texts) == [2, 4]
    assert gate.candidates([]) == []


def test_text_without_a_domain_term_is_kept_unscored_and_hazard_text_still_rejected():
    control = HighRiskConfig().create().control
    texts = [
        "The film drags in the middle, but the last act and the soundtrack make up for it.",
        "Which step is the main bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?",
    ]
    result = apply_control(control, make_batch(texts), "r")
    assert [r["id"] for r in result.rejects] == ["r1"]
    kept = json.loads(result.kept.lineage[0][-1]["detail"])
    assert kept["gate"] == "no domain term" and "scores" not in kept


def test_lexicon_terms_pass_the_gate_even_when_the_gate_file_lacks_them(tmp_path):
    empty = tmp_path / "gate.txt"
    empty.write_text("# no terms\n")
    config = HighRiskConfig(gate=str(empty), thresholds={d: 1.0 for d in ("bio", "chem", "cyber", "nuclear", "missile")})
    result = apply_control(config.create().control, make_batch(["A short note about weapons-grade plutonium."]), "r")
    assert json.loads(result.rejects[0]["detail"])["by"] == ["lexicon"]


def test_gate_off_scores_every_record():
    result = apply_control(HighRiskConfig(gate=None).create().control, make_batch(["A quiet afternoon in the park."]), "r")
    assert "scores" in json.loads(result.kept.lineage[0][-1]["detail"])


def test_gating_changes_almost_no_decision_on_mixed_text():
    # Nearly everything the gate keeps back, the model would have kept too (hand-written hazards and
    # look-alikes, ordinary prose): the gate saves time; what it costs in recall is measured in
    # eval/classifiers_eval.py (the held-out hazards without a gate term).
    rows = read_examples("eval/data/highrisk_handwritten.jsonl") + read_examples("eval/data/highrisk_handwritten_2.jsonl")
    prose = [
        "Residents spent Wednesday clearing fallen branches after an overnight storm brought down power lines.",
        "为保障马拉松比赛顺利进行，比赛当日沿线道路实行临时交通管制，请过往车辆绕行。",
    ]
    batch = make_batch([ex.text for ex in rows] + prose)
    gated = apply_control(HighRiskConfig().create().control, batch, "r")
    ungated = apply_control(HighRiskConfig(gate=None).create().control, batch, "r")
    assert len(ungated.rejects) > 30
    gated_ids, ungated_ids = {r["id"] for r in gated.rejects}, {r["id"] for r in ungated.rejects}
    assert gated_ids <= ungated_ids
    hazards = sum(ex.label != "benign" for ex in rows)
    missed = [i for i in ungated_ids - gated_ids if rows[int(i[1:])].label != "benign"]
    assert len(missed) <= 0.02 * hazards


def test_gate_passes_nearly_all_hand_written_hazard_requests():
    # Hand-written requests outside the training data (styles the gate's terms were not chosen on).
    rows = read_examples("eval/data/highrisk_handwritten.jsonl") + read_examples("eval/data/highrisk_handwritten_2.jsonl")
    hazards = [ex.text for ex in rows if ex.label != "benign"]
    assert len(load_gate("highrisk_gate.txt", "highrisk.tsv").candidates(hazards)) >= 0.97 * len(hazards)


def test_missing_gate_file_is_a_config_error(tmp_path):
    with pytest.raises(ValueError, match="gate file not found"):
        HighRiskConfig(gate=str(tmp_path / "nope.txt"))


def test_control_applies_the_models_scoring_rule():
    # The shipped sidecar scores hazard against benign (1 - P(benign)) on the mean of its two models; the
    # stage must use the same rule as training chose the thresholds with.
    from transforms.content.classifier import load_classifier
    from transforms.content.highrisk import load_companion
    from transforms.content.training import decide_labels, mean_probabilities

    model = load_classifier("highrisk.bin")
    rows = read_examples("eval/data/highrisk_handwritten.jsonl")
    models = [model.model, load_companion(model).model]
    expected = decide_labels(mean_probabilities(models, [ex.text for ex in rows]), model.thresholds, "benign", model.scoring)
    result = apply_control(HighRiskConfig(gate=None, lexicon_threshold=1.0).create().control, make_batch([ex.text for ex in rows]), "r")
    by_classifier = {r["id"] for r in result.rejects if "classifier" in json.loads(r["detail"])["by"]}
    assert by_classifier == {f"r{i}" for i, label in enumerate(expected) if label != "benign"}


def test_shipped_model_is_stored_as_logit_rows():
    # Each input row holds its logits minus the last label's (training._to_logit_rows), and the output
    # matrix is [I; 0]: probabilities are softmax([mean of rows, 0]) (equality with the trained model:
    # test_classifiers.test_full_precision_models_ship_as_logit_rows_with_the_same_probabilities).
    import numpy as np

    from transforms.content.classifier import load_classifier
    from transforms.content.text import preprocess_batch

    model = load_classifier("highrisk.bin")
    rows, output = model.model.get_input_matrix(), model.model.get_output_matrix()
    n = len(model.labels) - 1
    assert rows.shape[1] == n and rows.dtype == np.float32
    assert np.array_equal(output, np.vstack([np.eye(n), np.zeros((1, n))]))
    text = preprocess_batch(["How can the toxin yield of a culture be raised before it is dried into a powder?"])[0]
    labels, probs = model.model.predict(text, k=-1)
    logits = np.append(model.model.get_sentence_vector(text), 0.0)
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    order = [lab for lab in model.model.get_labels()]
    assert np.allclose([dict(zip(labels, probs))[lab] for lab in order], expected, atol=1e-4)


def test_per_domain_thresholds_from_the_config_apply_to_their_domain_only():
    texts = [
        "Which step is the main bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?",
        "怎样提高禽流感病毒在哺乳动物之间的空气传播能力？",
    ]
    kept = apply_control(HighRiskConfig().create().control, make_batch(texts), "r")
    assert {r["id"]: r["reason"] for r in kept.rejects} == {"r0": "nuclear", "r1": "bio"}
    # nuclear raised out of reach: that record is kept, the bio one still rejected at the model card's threshold
    strict = apply_control(HighRiskConfig(thresholds={"nuclear": 1.0}, lexicon_threshold=1.0).create().control, make_batch(texts), "r")
    assert [r["id"] for r in strict.rejects] == ["r1"]


def _holds_term(text: str, words: list[str], anywhere: list[str]) -> bool:
    """A plain reference of the gate on one text: an ASCII term as a whole word in the text's bytes with ASCII
    letters lowered and every other byte a space, a Chinese term anywhere in its bytes with ASCII letters lowered."""
    raw = text.encode("utf-8", "surrogatepass")
    view = b" " + bytes(b + 32 if 65 <= b <= 90 else b if 48 <= b <= 57 or 97 <= b <= 122 else 32 for b in raw) + b" "
    return any(f" {w} ".encode() in view for w in words) or any(t.encode() in raw.lower() for t in anywhere)


def test_gate_equals_a_plain_per_text_reference_on_ascii_and_chinese_texts_side_by_side():
    import random

    from transforms.content.highrisk import read_gate_terms
    from transforms.content.classifier import LEXICONS_DIR

    terms = read_gate_terms(LEXICONS_DIR / "highrisk_gate.txt")
    # English terms of one and of several words, and Chinese ones; texts may start and end with a term
    words = [t.lower() for t in terms if t.isascii() and t.isalnum()][:40]
    words += [t.lower() for t in terms if t.isascii() and " " in t and t.replace(" ", "").isalnum()][:10]
    anywhere = [t.lower() for t in terms if not t.isascii()][:40]
    gate = TermGate(words + anywhere)
    rng = random.Random(3)
    pieces = ["The quick review", "of the film", "第一条 为了规范", "评论很好", "😂", "naïve", "", "\n", "İ", "SARIN"] + words[:10] + words[-10:] + anywhere[:10]
    pieces += [w.split()[0] for w in words[-10:]] + [w.split()[-1] for w in words[-10:]]  # halves of a two-word term
    for _ in range(20):
        texts = ["".join(rng.choice(pieces) + rng.choice([" ", "", "，", "-"]) for _ in range(rng.randrange(0, 6))) for _ in range(200)]
        expected = [i for i, text in enumerate(texts) if _holds_term(text, words, anywhere)]
        assert gate.candidates(texts) == expected
        assert 0 < len(expected) < len(texts)

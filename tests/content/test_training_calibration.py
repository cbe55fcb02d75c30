"""Calibration helpers of transforms/content/training.py: precision floors, folds by group, hash groups,
real-corpus inputs (no fastText training here)."""

from __future__ import annotations

import io
import json

import pytest

from transforms.content.training import (
    Example,
    TrainingInput,
    TrainingJob,
    load_inputs,
    choose_thresholds,
    fold_assignment,
    fpr_threshold,
    read_examples,
    score_distribution,
)


def test_min_precision_moves_the_threshold_up_to_the_floor():
    # 10 hate examples scored 0.2..0.9 and 10 negatives scored 0.1..0.6: F1 is best low, precision later.
    examples = [Example(f"h{i}", "hate") for i in range(10)] + [Example(f"n{i}", "neither") for i in range(10)]
    probs = [{"hate": 0.2 + 0.07 * i, "neither": 0.0} for i in range(10)] + [{"hate": 0.1 + 0.05 * i, "neither": 1.0} for i in range(10)]
    plain = choose_thresholds(examples, probs, "neither", "f1")["hate"]
    floored = choose_thresholds(examples, probs, "neither", "f1", min_precision={"hate": 0.95})["hate"]
    assert floored > plain
    flagged = [ex.label for ex, p in zip(examples, probs) if p["hate"] >= floored]
    assert flagged and flagged.count("hate") / len(flagged) >= 0.95
    # An unreachable floor takes the most precise threshold instead of failing.
    assert choose_thresholds(examples, probs, "neither", "f1", min_precision={"hate": 1.01})["hate"] >= floored


GRID = [i / 100 for i in range(5, 100)] + [0.995]


def test_fpr_threshold_pooled_is_the_lowest_point_within_the_target():
    scores = [i / 200 for i in range(200)]  # 0.000 .. 0.995
    chosen = fpr_threshold(scores, 0.02, GRID)
    assert sum(s >= chosen for s in scores) <= 4
    assert sum(s >= chosen - 0.01 for s in scores) > 4


def test_fpr_threshold_for_unseen_groups_rises_only_where_a_group_scores_unlike_the_others():
    # Six subjects with the same scores: leaving one out moves nothing, so no margin.
    alike = [i / 100 for i in range(100)] * 6
    subjects = [str(i // 100) for i in range(600)]
    assert fpr_threshold(alike, 0.02, GRID, subjects) == fpr_threshold(alike, 0.02, GRID)
    # Eight quiet subjects and one whose negatives score higher (computer security among the sciences): the
    # pooled 2% point is set by that subject's own tail, so scored at the point the quiet ones choose, it
    # would be flagged far more than 2%; the rule lowers the target until that holds.
    quiet = [i / 200 for i in range(100)] * 8
    loud = [0.2 + 0.5 * i / 100 for i in range(100)]
    scores, subjects = quiet + loud, [str(i // 100) for i in range(900)]
    pooled = fpr_threshold(scores, 0.02, GRID)
    without_loud = fpr_threshold(quiet, 0.02, GRID)
    assert sum(s >= without_loud for s in loud) > 18  # the overshoot on the unseen subject
    unseen = fpr_threshold(scores, 0.02, GRID, subjects)
    assert unseen > pooled
    assert sum(s >= unseen for s in scores) < sum(s >= pooled for s in scores) <= 18


def test_folds_by_group_keep_each_group_in_one_fold():
    examples = [Example(str(i), "x", group=["virology", "nutrition", "anatomy", ""][i % 4]) for i in range(40)]
    folds = fold_assignment(examples, 3, by_group=True)
    for group in ("virology", "nutrition", "anatomy"):
        assert len({f for ex, f in zip(examples, folds) if ex.group == group}) == 1
    assert len(set(folds)) == 3
    assert fold_assignment(examples, 3, by_group=False) == [i % 3 for i in range(40)]


def test_hash_groups_keep_joined_examples_with_their_single_copies(tmp_path):
    path = tmp_path / "tweets.jsonl"
    path.write_text("".join(json.dumps({"text": f"tweet number {i}", "label": "hate" if i % 3 else "neither"}) + "\n" for i in range(60)))
    job = TrainingJob(name="t", inputs=[], output=str(tmp_path / "m.ftz"), negative_label="neither")
    singles = load_inputs([TrainingInput(str(path), "MIT", hash_groups=5)], job)
    joined = load_inputs([TrainingInput(str(path), "MIT", hash_groups=5, concat=4)], job)
    group_of = {ex.text: ex.group for ex in singles}
    for ex in joined:
        assert {group_of[t] for t in ex.text.split("\n")} == {ex.group}


def test_reads_zst_parts_of_a_directory_with_a_row_filter(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    rows = [{"id": str(i), "text": f"doc {i}", "src": "imdb" if i % 2 else "laws"} for i in range(10)]
    raw = "".join(json.dumps(r) + "\n" for r in rows).encode()
    for n in range(2):
        (tmp_path / f"part-0000{n}.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    examples = read_examples(tmp_path, label="benign", where={"src": "imdb"})
    assert len(examples) == 10 and all(ex.label == "benign" for ex in examples)
    assert {ex.text for ex in examples} == {f"doc {i}" for i in range(1, 10, 2)}


def test_score_distribution_deciles():
    examples = [Example(str(i), "hate" if i < 10 else "neither") for i in range(20)]
    probs = [{"hate": i / 20} for i in range(20)]
    d = score_distribution(examples, probs, "neither")["hate"]
    assert len(d["positives_deciles"]) == 9 and d["positives_deciles"] == sorted(d["positives_deciles"])
    assert d["negatives_deciles"][0] > d["positives_deciles"][-1]


def test_only_listed_groups_fold_by_group():
    # Authored hazard rows carry their class as group: folding them by group would hide a whole class
    # from one fold model; only the hard-negative subjects fold by group.
    examples = [Example(str(i), "hazard_nuclear", group="hazard_nuclear") for i in range(10)]
    examples += [Example(str(i), "benign", group="virology") for i in range(10)]
    folds = fold_assignment(examples, 5, by_group=True, only_groups=["virology"])
    assert len({f for f in folds[:10]}) == 5
    assert len({f for f in folds[10:]}) == 1


def test_language_routing_uses_lang_when_it_names_a_model_language():
    from transforms.content.classifier import chinese_routes

    zh_text = "这是一段中文文本，用来测试语言路由。"
    langs = ["zh", "zh-Hans", "en", None, "und", "ja", None]
    texts = ["plain English words", "plain English words", zh_text, zh_text, zh_text, zh_text, "plain English words"]
    assert chinese_routes(langs, texts, 0.3) == [True, True, False, True, True, True, False]


def test_chinese_routes_decide_a_batch_by_lang_else_by_script():
    from transforms.content.classifier import chinese_routes

    zh_text = "这是一段中文文本，用来测试语言路由。"
    langs = ["en", None, "zh-Hant", "und", None, None]
    texts = [zh_text, zh_text, "plain English words", "plain English words", "", "mostly english words with 一个 word"]
    assert chinese_routes(langs, texts, 0.3) == [False, True, True, False, False, False]


def test_cjk_shares_count_cjk_among_the_non_space_characters_of_each_head():
    from transforms.content.text import cjk_shares

    texts = ["中文ab c", "", "   ", "plain words", "中" * 10 + "a" * 500, "\u3000中\n", "a\ud800中"]
    # "中文ab c": 2 of 5; a head is the first 400 characters; U+3000 and newlines are spaces; a lone
    # surrogate counts as a character.
    assert cjk_shares(texts).tolist() == pytest.approx([2 / 5, 0.0, 0.0, 0.0, 10 / 400, 1.0, 1 / 3])


def test_cjk_shares_stay_exact_over_a_long_batch_and_refuse_heads_too_long_to_count():
    from transforms.content.text import cjk_shares

    # both counts share one 32-bit running sum: 200 all-CJK heads take it past 2**32, each head's count stays exact
    texts = ["中" * 400] * 200 + ["a b 中", ""]
    assert cjk_shares(texts).tolist() == [1.0] * 200 + [1 / 3, 0.0]
    with pytest.raises(ValueError, match="sample"):
        cjk_shares(texts, sample=1 << 16)


def test_decision_scores_pool_labels_and_add_the_lexicon_by_weight():
    import numpy as np

    from transforms.content.training import decision_scores

    labels = ["hate", "neither", "offensive"]
    probs = np.array([[0.3, 0.2, 0.5], [0.0, 1.0, 0.0]])
    lexicon = np.array([[0.6, 0.0, 0.0], [0.0, 0.0, 0.0]])
    scores = decision_scores(probs, labels, lexicon, {"hate": 1.0}, {"offensive": ["hate"]})
    assert scores[0].tolist() == pytest.approx([(0.3 + 0.6) / 2, 0.2, 0.8])
    assert scores[1].tolist() == pytest.approx([0.0, 1.0, 0.0])
    # without any matched term the weighted label is still divided by (1 + weight), as when a term matched
    assert decision_scores(probs, labels, None, {"hate": 1.0}, {})[0, 0] == pytest.approx(0.15)
    assert probs[0, 2] == 0.5  # the probabilities are not changed in place


def test_macro_f1_thresholds_decide_as_the_stage_and_keep_the_hate_floor():
    from transforms.content.training import choose_macro_f1_thresholds

    # hate rows score high on hate; offensive rows on offensive; a few neither rows score high on hate too
    examples, scores = [], []
    for i in range(20):
        examples.append(Example(f"h{i}", "hate"))
        scores.append({"hate": 0.5 + 0.02 * i, "offensive": 0.6})
        examples.append(Example(f"o{i}", "offensive"))
        scores.append({"hate": 0.1, "offensive": 0.4 + 0.03 * i})
        examples.append(Example(f"n{i}", "neither"))
        scores.append({"hate": 0.55 + 0.02 * (i % 5), "offensive": 0.05 * (i % 8)})
    chosen = choose_macro_f1_thresholds(examples, scores, "neither", ["hate", "offensive"], {"hate": 0.9})
    flagged = [ex.label for ex, p in zip(examples, scores) if p["hate"] >= chosen["hate"]]
    assert flagged and flagged.count("hate") / len(flagged) >= 0.9
    assert chosen["hate"] > 0.63  # the neither rows' hate scores reach 0.63: below the floor's threshold
    assert 0.3 < chosen["offensive"] <= 0.41  # low enough for the offensive rows, above most neither rows


def test_shipped_harmful_thresholds_never_let_a_weak_term_flag_alone():
    """The lexicon's design: a term weighing less than `lexicon_threshold` never rejects on its own. With
    the lexicon's score added to a label's (weight w), a text without classifier evidence scores w·L/(1+w)."""
    from transforms.content.classifier import load_classifier

    from transforms.content.harmful import load_second

    for name in ("harmful_en", "harmful_zh"):
        model = load_classifier(f"{name}.bin")
        meta = json.loads(open(model.path[: -len(".bin")] + ".json", encoding="utf-8").read())
        # fastText's own thresholds and those of its cascade with the second model (what the stage applies)
        for thresholds in (model.thresholds, load_second(f"{name}_sparse.npz").thresholds):
            for label, weight in meta["lexicon_weight"].items():
                assert thresholds[label] > weight * meta["lexicon_threshold"] / (1 + weight), (name, label)


def test_lexicon_matrix_scores_each_text_by_category():
    from transforms.content.classifier import load_lexicon
    from transforms.content.training import lexicon_matrix

    matrix = lexicon_matrix(load_lexicon("highrisk.tsv"), ["How is weaponized anthrax dried?", "A walk in the park."], ["bio", "chem"])
    assert matrix.shape == (2, 2) and matrix[0, 0] > 0.9 and not matrix[1].any()


def test_sentences_input_keeps_the_short_sentences_of_each_text(tmp_path):
    path = tmp_path / "reviews.jsonl"
    review = "Sure. I liked it a lot!\n\nThe plot, the acting, the music and the long final scene all work well together here.\nMix"
    path.write_text(json.dumps({"text": review, "label": "neither"}) + "\n")
    job = TrainingJob(name="t", inputs=[], output=str(tmp_path / "m.ftz"), negative_label="neither")
    rows = load_inputs([TrainingInput(str(path), "MIT", sentences=6)], job)
    assert [ex.text for ex in rows] == ["Sure.", "I liked it a lot!", "Mix"]  # the 16-word sentence is no short text
    assert {ex.label for ex in rows} == {"neither"}

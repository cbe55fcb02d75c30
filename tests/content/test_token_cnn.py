"""The token CNN of the Chinese harmful cascade (transforms/content/cnn.py): numpy scoring of a bag of
networks, built here by hand so each property can be seen."""

import json

import numpy as np
import pytest

from transforms.content.cnn import load_cnn, save_cnn

DIM, FILTERS = 2, 1


def _member(bias: float) -> dict:
    """One filter of width 2 that responds to the bigram "坏 人" (embedding axes: 坏, 人) and nothing else;
    a width-3 filter that never fires."""
    emb = np.zeros((4, DIM), dtype=np.float32)  # rows: padding, unknown, 坏, 人
    emb[2, 0] = emb[3, 1] = 1.0
    conv2 = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=np.float32)  # offset 0 axis 坏 + offset 1 axis 人
    return {"emb": emb, "conv2": conv2, "bconv2": np.array([-1.0], np.float32),
            "conv3": np.zeros((3 * DIM, FILTERS), np.float32), "bconv3": np.array([-1.0], np.float32),
            "out": np.array([4.0, 0.0], np.float32), "bout": np.float32(bias)}


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "cnn.npz"
    save_cnn(path, ["offensive", "safe"], ["人", "坏"][::-1], 6, 1 / 3, [_member(-2.0), _member(-1.0)], {"name": "test"})
    return load_cnn(path)


def _p(model, texts):
    return model.probabilities(texts)[:, 0]


def test_a_phrase_counts_wherever_it_stands_and_only_in_its_order(model):
    fired, quiet = _p(model, ["坏 人", "这 坏 人"]), _p(model, ["人 坏", "好 人", ""])
    assert fired[0] == pytest.approx(fired[1])  # max-pooling: position does not matter
    # two members averaged: sigmoid(4 - 2) and sigmoid(4 - 1) when the bigram is there, sigmoid(-2) / (-1) when not
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert fired[0] == pytest.approx((sig(2.0) + sig(3.0)) / 2, rel=1e-3)
    assert quiet == pytest.approx([(sig(-2.0) + sig(-1.0)) / 2] * 3, rel=1e-3)
    assert model.probabilities(["坏 人"]).sum(axis=1) == pytest.approx([1.0])


def test_only_the_first_max_tokens_are_read_and_texts_of_a_batch_do_not_mix(model):
    assert _p(model, ["好 好 好 好 好 坏 人"])[0] < 0.5  # 人 is token 7 of at most 6
    assert _p(model, ["好 好 好 好 坏 人"])[0] > 0.5
    batch = ["好 坏", "人 好", "坏 人", "", "坏"]  # "坏" ends one text, "人" starts the next: no bigram across
    assert _p(model, batch) == pytest.approx(np.concatenate([_p(model, [t]) for t in batch]))
    assert model.probabilities([]).shape == (0, 2)


def test_a_sidecar_that_does_not_fit_its_arrays_is_an_error_naming_the_file(tmp_path, model):
    path = tmp_path / "cnn.npz"
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    meta["vocabulary"].append("好")
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="cnn.npz"):
        load_cnn(path)


def test_the_companion_is_scored_only_where_its_share_can_change_a_flag():
    """undecided_rows: flags computed with the companion answering 1 and 0 differ exactly where a threshold
    lies between the two mixes; any answer between flags as both ends do elsewhere."""
    from transforms.content.harmful import undecided_rows

    probabilities = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5], [0.45, 0.55]])
    threshold = 0.5
    rows = np.arange(4)
    flags = lambda p, r: p[:, :1] >= threshold  # noqa: E731
    mix = 1 / 3
    found = undecided_rows(probabilities, rows, mix, flags)
    # mixes: [0.6, 0.93], [0.07, 0.4], [0.33, 0.67], [0.3, 0.63]
    assert found.tolist() == [2, 3]
    for c in np.linspace(0, 1, 11):
        mixed = (1 - mix) * probabilities + mix * np.array([c, 1 - c])
        for row in set(rows.tolist()) - set(found.tolist()):
            assert (mixed[row, 0] >= threshold) == (probabilities[row, 0] >= threshold)
    assert undecided_rows(probabilities, rows[:0], mix, flags).tolist() == []


def test_the_scorer_is_the_trainers_network_on_random_weights(tmp_path):
    """The stage's gather-and-pool scorer against the trainer's forward (eval/token_cnn.py, run with numpy) on a
    small random bag: texts shorter than a window, longer than ``max_tokens``, empty, with unknown tokens."""
    from eval.token_cnn import pooled_features, token_ids

    rng = np.random.default_rng(7)
    vocab, widths, dim, filters, max_tokens = ["人", "坏", "好", "蠢", "滚"], (2, 3, 4), 3, 5, 6
    members = []
    for _ in range(2):
        m = {"emb": rng.normal(size=(len(vocab) + 2, dim)), "out": rng.normal(size=filters * len(widths)), "bout": np.float32(rng.normal())}
        m["emb"][0] = 0.0  # the trainer keeps padding a zero row
        for w in widths:
            m[f"conv{w}"], m[f"bconv{w}"] = rng.normal(size=(w * dim, filters)), rng.normal(size=filters)
        # as stored (float16 matrices, float32 vectors), so both sides see the same weights
        members.append({k: (v.astype(np.float16) if np.ndim(v) > 1 else np.asarray(v)).astype(np.float32) for k, v in m.items()})
    path = tmp_path / "bag.npz"
    save_cnn(path, ["offensive", "safe"], vocab, max_tokens, 0.5, members, {})
    model = load_cnn(path)
    texts = ["坏", "坏 人", "你 这 蠢 人 滚 吧 好 人 坏", "", "好 好 好 好 好 好 好 坏", "x y 蠢"]
    ids = token_ids(texts, vocab, max_tokens)
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    logits = np.stack([pooled_features(m, ids, widths, np, relu) @ m["out"] + m["bout"] for m in members])
    expected = (1 / (1 + np.exp(-logits))).mean(axis=0)
    assert model.probabilities(texts)[:, 0] == pytest.approx(expected, abs=1e-3)  # float32 tables vs direct sums
    assert len(set(np.round(expected, 4))) > 3  # the texts do differ

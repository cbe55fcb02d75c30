"""The high-risk stage's two averaged models: the character model runs only where the word model leaves
the mean able to reach a threshold, and that changes no decision; both load once per worker; training
writes both with thresholds on the mean."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.content.test_classifiers import FIXTURES, make_batch
from transforms.content import classifier
from transforms.content.classifier import Classifier, load_classifier
from transforms.content.highrisk import HighRiskConfig, load_companion
from transforms.content.text import preprocess_batch
from transforms.content.training import read_examples
from transforms.core.stage import apply_control

DOMAINS = ("bio", "chem", "cyber", "nuclear", "missile")


def _texts() -> list[str]:
    # hand-written hazards and look-alikes (outside the training data), plus ordinary prose
    rows = read_examples("eval/data/highrisk_handwritten.jsonl") + read_examples("eval/data/highrisk_handwritten_2.jsonl")
    return [ex.text for ex in rows] + [
        "Residents spent Wednesday clearing fallen branches after an overnight storm brought down power lines.",
        "The film drags in the middle, but the last act and the soundtrack make up for it.",
        "为保障马拉松比赛顺利进行，比赛当日沿线道路实行临时交通管制，请过往车辆绕行。",
    ]


def _averaged_everywhere(texts: list[str], threshold: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Reference decision: both models on every text, mean, risk = 1 - P(benign) >= threshold, domain =
    the mean's most likely hazard class. Also the word model's and the mean's risks."""
    word = load_classifier("highrisk.bin")
    char = load_companion(word)
    processed = preprocess_batch(texts)
    pw, pc = word.probabilities(processed), char.probabilities(processed)
    mean = (pw + pc) / 2
    benign = word.labels.index("benign")
    hazards = [j for j in range(len(word.labels)) if j != benign]
    risk = 1.0 - mean[:, benign]
    domains = [word.labels[hazards[k]].removeprefix("hazard_") for k in mean[:, hazards].argmax(axis=1)]
    return [d if r >= threshold else "" for d, r in zip(domains, risk)], 1.0 - pw[:, benign], risk


@pytest.fixture
def no_lexicon(tmp_path) -> str:
    path = tmp_path / "empty.tsv"
    path.write_text("term\tlanguage\tcategory\tweight\trisk_level\n")
    return str(path)


def _classifier_flags(texts: list[str], threshold: float, lexicon: str) -> tuple[list[str], list[dict]]:
    """The stage's decisions by the classifier alone (no lexicon, no gate, the domain its most likely hazard
    class): rejected domain or ""."""
    config = HighRiskConfig(gate=None, lexicon=lexicon, thresholds={d: threshold for d in DOMAINS}, domain_terms=None)
    decisions = config.create().control.decide(make_batch(texts))
    return [d.reason if d.action == "reject" else "" for d in decisions], [dict(d.detail) for d in decisions]


def test_the_shipped_model_is_averaged_with_a_character_model():
    word = load_classifier("highrisk.bin")
    char = load_companion(word)
    assert word.averaged_with == "highrisk_char.bin" and char is not None
    assert char.labels == word.labels and char.thresholds == word.thresholds
    meta = json.loads(Path(word.path).with_suffix(".json").read_text())
    assert meta["second"]["hyperparameters"]["minn"] == 3 and meta["second"]["hyperparameters"]["maxn"] == 5
    assert Path(char.path).stat().st_size < 6 * 1024 * 1024
    card = Path(word.path).with_suffix(".md").read_text()
    assert "highrisk_char.bin" in card and meta["second"]["sha256"] in card and meta["sha256"] in card


@pytest.mark.parametrize("threshold", [0.6, 0.8, None, 0.97])
def test_cascade_decides_exactly_as_averaging_everywhere(threshold, no_lexicon):
    threshold = threshold or max(load_classifier("highrisk.bin").thresholds.values())  # None: the shipped one
    texts = _texts()
    expected, word_risk, mean_risk = _averaged_everywhere(texts, threshold)
    flags, details = _classifier_flags(texts, threshold, no_lexicon)
    assert flags == expected
    # the case is not trivial: the cascade skipped texts, and the character model changed some decisions
    skipped = [i for i, d in enumerate(details) if "scores_char" not in d]
    assert skipped and all(1.0 - (1.0 - word_risk[i]) / 2 < threshold for i in skipped)
    assert len(skipped) < len(texts)
    changed = [i for i in range(len(texts)) if (word_risk[i] >= threshold) != (mean_risk[i] >= threshold)]
    assert changed or threshold == 0.97


def test_lineage_shows_both_models_scores_where_both_ran():
    texts = ["Which step is the main bottleneck when enriching uranium to weapons grade in a clandestine centrifuge cascade?"]
    result = apply_control(HighRiskConfig().create().control, make_batch(texts), "r")
    detail = json.loads(result.rejects[0]["detail"])
    word, char = detail["scores_word"], detail["scores_char"]
    assert set(word) == set(char) == set(detail["scores"])
    assert all(abs(detail["scores"][lab] - (word[lab] + char[lab]) / 2) <= 1e-4 for lab in word)


def test_character_model_runs_only_where_the_mean_can_reach_the_threshold(monkeypatch):
    calls = []
    original = Classifier.probabilities

    def spy(self, processed):
        calls.append((Path(self.path).name, len(processed)))
        return original(self, processed)

    monkeypatch.setattr(Classifier, "probabilities", spy)
    texts = _texts()
    threshold = max(load_classifier("highrisk.bin").thresholds.values())
    monkeypatch.setattr(Classifier, "probabilities", original)
    _, word_risk, _ = _averaged_everywhere(texts, threshold)
    monkeypatch.setattr(Classifier, "probabilities", spy)
    reachable = int(sum(1.0 - (1.0 - r) / 2 >= threshold for r in word_risk))
    HighRiskConfig(gate=None).create().control.decide(make_batch(texts))
    assert calls == [("highrisk.bin", len(texts)), ("highrisk_char.bin", reachable)]
    calls.clear()
    HighRiskConfig(gate=None).create().control.decide(make_batch(["A quiet afternoon in the park.", "今天天气很好。"]))
    assert calls == [("highrisk.bin", 2)]  # nothing reachable: the character model is not called


def test_both_models_load_once_per_worker(monkeypatch):
    import fasttext

    loads = []
    original = fasttext.load_model
    monkeypatch.setattr(classifier, "_classifiers", {})
    monkeypatch.setattr(fasttext, "load_model", lambda path: loads.append(Path(path).name) or original(path))
    config = HighRiskConfig()  # validation loads both
    controls = [config.create().control, HighRiskConfig().create().control]
    controls.append(pickle.loads(pickle.dumps(controls[0])))  # as a worker receives it
    for control in controls:
        control.setup()
        control.decide(make_batch(["Which step is the main bottleneck when enriching uranium to weapons grade?"]))
    assert sorted(loads) == ["highrisk.bin", "highrisk_char.bin"]


def test_companion_with_other_labels_is_a_config_error(tmp_path):
    import shutil

    for name in ("highrisk.bin", "highrisk_char.bin"):
        shutil.copy(load_classifier(name).path, tmp_path / name)
    meta = json.loads(Path(load_classifier("highrisk.bin").path).with_suffix(".json").read_text())
    (tmp_path / "highrisk.json").write_text(json.dumps(meta))
    char_meta = json.loads(Path(load_classifier("highrisk_char.bin").path).with_suffix(".json").read_text())
    (tmp_path / "highrisk_char.json").write_text(json.dumps({**char_meta, "labels": list(reversed(char_meta["labels"]))}))
    with pytest.raises(ValueError, match="averaged with"):
        HighRiskConfig(model=str(tmp_path / "highrisk.bin"))


def test_training_with_a_second_model_writes_both_and_calibrates_on_their_mean(tmp_path):
    # A fresh process, as in test_classifiers (fastText training after Beam ran in-process can diverge).
    script = f"""
import json
from transforms.content.training import Hyperparameters, TrainingInput, TrainingJob, train_classifier
hp = Hyperparameters(epoch=10, lr=0.3, dim=8, bucket=5000, quantize=False)
job = TrainingJob(name="law", inputs=[TrainingInput({str(FIXTURES / "mmlu_law_vs_science.jsonl")!r}, "MIT")],
                  output={str(tmp_path / "law.bin")!r}, negative_label="science", folds=2, objective="fpr", scoring="risk",
                  target_fpr=0.05, hyperparameters=hp, second=Hyperparameters(epoch=10, lr=0.1, dim=8, minn=3, maxn=5, bucket=5000, quantize=False))
print(json.dumps(train_classifier(job)["thresholds"]))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    meta = json.loads((tmp_path / "law.json").read_text())
    char_meta = json.loads((tmp_path / "law_char.json").read_text())
    assert meta["averaged_with"] == "law_char.bin" and char_meta["averaged_into"] == "law.bin"
    assert char_meta["thresholds"] == meta["thresholds"] and char_meta["labels"] == meta["labels"]
    assert meta["second"]["sha256"] == char_meta["sha256"] and len(meta["sha256"]) == 64
    model = load_classifier(tmp_path / "law.bin")
    assert model.averaged_with == "law_char.bin"
    assert load_classifier(tmp_path / "law_char.bin").model.get_input_matrix().shape[1] == 1  # logit rows, two labels
    assert "law_char.bin" in (tmp_path / "law.md").read_text()

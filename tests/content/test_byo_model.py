"""Bring-your-own classifier for the content stages, through Beam's RunInference.

The models are made by the tests on the fly: a tiny numpy ``ModelHandler`` (any handler, no extra
dependency) and a tiny ONNX sequence classifier with a ``tokenizers`` vocabulary (the ``onnx`` kind;
skipped where onnx/onnxruntime/tokenizers are not installed).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.ml.inference.base import ModelHandler, PredictionResult
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from pydantic import ValidationError

from transforms.content.classifier import ByoControlStage
from transforms.content.harmful import HarmfulConfig
from transforms.content.highrisk import HighRiskConfig
from transforms.content.inference import RecordBatchHandler, to_scores
from transforms.core.records import Batch
from transforms.core.stage import ControlStage, RunContext, apply_control

TEXTS = ["A lovely walk in the park today.", "you are a vile slur-word person", "Nothing to see here, vile slur-word."]


def make_batch(texts, lang=None) -> Batch:
    return Batch.from_rows(
        {
            "id": f"r{i}", "text": text, "source": "test", "source_uri": "mem://test", "locator": str(i),
            "license": "MIT", "lang": lang, "meta": {}, "content_sha256": f"sha{i}", "tags": [], "lineage": [],
        }
        for i, text in enumerate(texts)
    )


# --- a tiny numpy model behind a plain Beam ModelHandler ------------------------------------------------


class KeywordHandler(ModelHandler):
    """P(toxic) from counts of listed words, as a probability vector (labels: ok, toxic, hateful)."""

    def __init__(self, words=("vile",), hate_words=("slur-word",), batch_size=2):
        super().__init__(max_batch_size=batch_size)
        self.words, self.hate_words = tuple(words), tuple(hate_words)
        self.calls = 0

    def load_model(self):
        return {"toxic": np.array([0.0, 3.0, 0.0]), "hate": np.array([0.0, 0.0, 4.0])}

    def run_inference(self, batch, model, inference_args=None):
        out = []
        for text in batch:
            tokens = text.lower().replace(",", " ").replace(".", " ").split()
            logits = np.array([1.0, 0.0, 0.0])
            logits = logits + model["toxic"] * sum(t in self.words for t in tokens) + model["hate"] * sum(t in self.hate_words for t in tokens)
            p = np.exp(logits - logits.max())
            out.append(PredictionResult(text, (p / p.sum()).tolist()))
        return out


def keyword_handler(**options):
    return KeywordHandler(**options)


@pytest.fixture()
def handler_module(monkeypatch):
    module = types.ModuleType("byo_test_models")
    module.keyword_handler = keyword_handler
    module.KeywordHandler = KeywordHandler
    monkeypatch.setitem(sys.modules, "byo_test_models", module)
    return module


def harmful_byo(**extra) -> HarmfulConfig:
    block = {
        "kind": "handler",
        "handler": "byo_test_models:keyword_handler",
        "options": {"batch_size": 2},
        "labels": ["ok", "toxic", "hateful"],
        "label_map": {"toxic": "offensive", "hateful": "hate"},
        "thresholds": {"offensive": 0.6, "hate": 0.6},
        "batch_size": 2,
        **extra,
    }
    return HarmfulConfig(byo_model=block)


def test_handler_model_decides_like_the_shipped_stage(handler_module):
    config = harmful_byo()
    control = config.create().control
    result = apply_control(control, make_batch(TEXTS), "run1")
    assert [r["id"] for r in result.rejects] == ["r1", "r2"]
    hate = result.rejects[0]
    # The same reason, clause, risk level and lineage detail as the shipped models give.
    assert (hate["reason"], hate["clause"], hate["risk_level"], hate["category"]) == ("hate", "6.1.5", "major", "harmful")
    assert hate["rule"] == "harmful.hate"
    detail = hate["detail"] if isinstance(hate["detail"], dict) else json.loads(hate["detail"])
    assert detail["model"] == "byo:keyword_handler"
    assert set(detail["scores"]) == {"ok", "toxic", "hateful"}
    assert detail["by"] == ["classifier"]
    kept = result.kept
    assert kept.id == ["r0"]
    assert kept.lineage[0][-1]["action"] == "keep"


def test_thresholds_and_annotate_apply_to_byo_scores(handler_module):
    strict = harmful_byo(thresholds={"offensive": 0.999, "hate": 0.999})
    result = apply_control(strict.create().control, make_batch(TEXTS), "run1")
    assert result.rejects == []
    annotate = HarmfulConfig(byo_model=harmful_byo().byo_model, action="annotate")
    result = apply_control(annotate.create().control, make_batch(TEXTS), "run1")
    assert result.rejects == [] and result.kept.tags[1] == ["harmful:hate"]


def test_a_handler_that_refuses_its_options_fails_when_the_stage_is_created(handler_module):
    # not later, while the run's graph is built (after its manifest and lineage START)
    with pytest.raises(TypeError, match="colour"):
        harmful_byo(options={"colour": "red"}).create()


def test_byo_stage_runs_through_runinference_in_a_pipeline(handler_module, tmp_path):
    config = harmful_byo()
    stage = config.create()
    assert isinstance(stage, ByoControlStage)
    assert "RunInference" in stage.describe()
    ctx = RunContext(run_id="run1", out_dir=tmp_path, run_dir=tmp_path, staging_dir=str(tmp_path / "staging"), config=None)
    with TestPipeline(runner="FnApiRunner", options=PipelineOptions()) as p:
        batches = p | beam.Create([make_batch(TEXTS), make_batch(["fine text", "vile vile"])])
        kept, rejects = stage.expand(batches, ctx)
        kept_texts = kept | "kept" >> beam.FlatMap(lambda b: b.text)
        reasons = rejects | beam.FlatMap(lambda rows: [(r["id"], r["reason"], r["risk_level"]) for r in rows])
        assert_that(kept_texts, equal_to([TEXTS[0], "fine text"]), label="kept")
        assert_that(
            reasons,
            equal_to([("r1", "hate", "major"), ("r2", "hate", "major"), ("r1", "offensive", "considerable")]),
            label="rejects",
        )


def test_highrisk_byo_maps_labels_to_domains(handler_module):
    config = HighRiskConfig(
        byo_model={
            "kind": "handler",
            "handler": "byo_test_models:keyword_handler",
            "options": {"words": ["sarin"], "hate_words": ["plutonium"]},
            "labels": ["benign", "chemical", "nuclear"],
            "label_map": {"chemical": "chem", "nuclear": "nuclear"},
            "name": "my-hazard-model",
        }
    )
    result = apply_control(config.create().control, make_batch(["how to make sarin at home", "a walk", "plutonium pit"]), "r")
    assert [(r["id"], r["reason"], r["clause"], r["risk_level"]) for r in result.rejects] == [
        ("r0", "chem", "4.1.2(b)", "extremely_serious"),
        ("r2", "nuclear", "4.1.2(b)", "extremely_serious"),
    ]


def test_config_errors_name_the_key(handler_module, tmp_path):
    with pytest.raises(ValidationError, match="risk_levels: no level for toxicity"):
        HarmfulConfig(byo_model={"kind": "handler", "handler": "byo_test_models:keyword_handler", "label_map": {"toxic": "toxicity"}})
    with pytest.raises(ValidationError, match="cannot import"):
        HarmfulConfig(byo_model={"kind": "handler", "handler": "no_such_module_xyz:f", "label_map": {"toxic": "offensive"}})
    with pytest.raises(ValidationError, match="not a directory"):
        HarmfulConfig(byo_model={"kind": "onnx", "path": str(tmp_path / "missing"), "label_map": {"toxic": "offensive"}})
    with pytest.raises(ValidationError, match="threshold must be in"):
        harmful_byo(thresholds={"offensive": 1.5})
    # A handler whose predictions are bare score vectors needs their names.
    control = HarmfulConfig(
        byo_model={"kind": "handler", "handler": "byo_test_models:keyword_handler", "label_map": {"toxic": "offensive"}}
    ).create().control
    with pytest.raises(ValueError, match="set byo_model.labels"):
        apply_control(control, make_batch(TEXTS), "r")


def test_prediction_shapes_are_normalised():
    assert to_scores({"a": 0.2, "b": 0.8}, None) == {"a": 0.2, "b": 0.8}
    assert to_scores([{"label": "a", "score": 0.3}, {"label": "b", "score": 0.7}], None) == {"a": 0.3, "b": 0.7}
    assert to_scores(PredictionResult("x", np.array([0.1, 0.9])), ["a", "b"]) == {"a": 0.1, "b": 0.9}


def test_record_batch_handler_chunks_texts(handler_module):
    config = harmful_byo(batch_size=2).byo_model
    handler = RecordBatchHandler(config)
    model = handler.load_model()
    out = list(handler.run_inference([make_batch(TEXTS)], model))
    assert len(out) == 1 and len(out[0].inference) == 3
    assert handler.batch_elements_kwargs()["max_batch_size"] == 1


# --- a tiny ONNX sequence classifier directory ------------------------------------------------------------


def make_tiny_onnx(directory: Path, words=("vile", "awful"), labels=("ok", "toxic")) -> Path:
    """model.onnx (token embedding -> masked sum -> logits), tokenizer.json (word level), config.json."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    tokenizers = pytest.importorskip("tokenizers")
    from onnx import TensorProto, helper, numpy_helper

    directory.mkdir(parents=True, exist_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(directory / "tokenizer.json"))
    embedding = np.zeros((len(vocab), 2), dtype=np.float32)
    embedding[1, 0] = 1.0  # unknown words lean to the first label
    embedding[2:, 1] = 4.0  # each listed word pushes hard to the second
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["embedding", "input_ids"], ["e"]),
            helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["m", "axis"], ["m3"]),
            helper.make_node("Mul", ["e", "m3"], ["masked"]),
            helper.make_node("ReduceSum", ["masked", "axes"], ["logits"], keepdims=0),
        ],
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "s"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", 2])],
        [
            numpy_helper.from_array(embedding, "embedding"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "axis"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axes"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(directory / "model.onnx"))
    (directory / "config.json").write_text(json.dumps({"id2label": {str(i): lab for i, lab in enumerate(labels)}, "pad_token_id": 0}))
    return directory


def test_onnx_model_directory_through_runinference(tmp_path):
    directory = make_tiny_onnx(tmp_path / "tiny-toxic")
    config = HarmfulConfig(byo_model={"kind": "onnx", "path": str(directory), "label_map": {"toxic": "offensive"}, "device": "cpu"})
    control = config.create().control
    result = apply_control(control, make_batch(["what a lovely day", "you awful vile person", "vile"]), "run1")
    assert [(r["id"], r["reason"]) for r in result.rejects] == [("r1", "offensive"), ("r2", "offensive")]
    detail = result.rejects[0]["detail"]
    detail = detail if isinstance(detail, dict) else json.loads(detail)
    assert detail["model"] == "byo:tiny-toxic" and detail["scores"]["toxic"] > 0.99
    ctx = RunContext(run_id="run1", out_dir=tmp_path, run_dir=tmp_path, staging_dir=str(tmp_path / "staging"), config=None)
    with TestPipeline(runner="FnApiRunner", options=PipelineOptions()) as p:
        batches = p | beam.Create([make_batch(["what a lovely day", "you awful vile person"])])
        kept, rejects = config.create().expand(batches, ctx)
        ids = rejects | beam.FlatMap(lambda rows: [r["id"] for r in rows])
        assert_that(ids, equal_to(["r1"]))


def test_shipped_models_stay_a_plain_control_stage():
    assert isinstance(HarmfulConfig().create(), ControlStage)
    assert isinstance(HighRiskConfig().create(), ControlStage)

"""Bring your own classifier: score a content stage with a user's model through Beam's RunInference.

``harmful`` and ``highrisk`` take a ``byo_model`` block instead of their shipped fastText models. The
user's model scores every record's text; its labels map to the stage's categories (``label_map``),
and from there the decision is the shipped one: per-category thresholds, the lexicon, risk levels,
clause, reject reason and lineage ``detail`` (``model``, all label ``scores``, ``by``).

Three kinds of model:

- ``onnx``: a local directory with ``model.onnx``, ``tokenizer.json`` (Hugging Face ``tokenizers``
  format) and ``config.json`` (``id2label``; ``problem_type: multi_label_classification`` for sigmoid
  outputs, softmax otherwise), e.g. a Hugging Face sequence classifier exported with Optimum. Runs on
  onnxruntime, on the GPU when the worker has one (``device``). Needs ``pip install datasteward[byo]``.
- ``huggingface``: a local Hugging Face model directory, through Beam's
  ``HuggingFacePipelineModelHandler`` (text-classification pipeline, all labels' scores). Needs
  ``transformers`` and ``torch`` installed on the workers.
- ``handler``: ``"package.module:factory"``, a callable returning any Beam ``ModelHandler`` whose
  examples are strings and whose predictions are, per text, ``{label: probability}``, a list of
  ``{"label", "score"}`` (Hugging Face pipeline style), a sequence of probabilities in ``labels``
  order, or a ``PredictionResult`` holding one of these.

In the pipeline the stage is ``RunInference`` over the record batches (each batch's texts go to the
model in chunks of ``batch_size``) followed by the control applied with those scores. Outside a
pipeline (evaluation, ``Control.decide``) the same handler is loaded and called in-process, so both
paths score alike.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult, RunInference
from pydantic import BaseModel, ConfigDict, Field, model_validator


class ByoModelConfig(BaseModel):
    """The ``byo_model`` block of a content stage."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["onnx", "huggingface", "handler"]
    path: str | None = None  # model directory (onnx, huggingface)
    handler: str | None = None  # "package.module:factory" (handler); factory(**options) -> ModelHandler
    options: dict[str, Any] = {}  # keyword arguments for the factory
    name: str | None = None  # the model's name in lineage (default: the directory or factory name)
    labels: list[str] | None = None  # output column names, when predictions are bare sequences of scores
    label_map: dict[str, str]  # model label -> stage category; labels not named here are acceptable
    thresholds: dict[str, float] = {}  # stage category -> threshold on its score (max of its labels); default 0.5
    batch_size: int = Field(32, ge=1, le=4096)  # texts per model call
    max_length: int = Field(256, ge=8, le=8192)  # tokens per text (onnx); longer texts are truncated
    max_chars: int = Field(4000, ge=100)  # characters per text handed to the model (bounds tokenisation)
    device: Literal["auto", "cpu", "gpu"] = "auto"

    @model_validator(mode="after")
    def _complete(self) -> "ByoModelConfig":
        if self.kind in ("onnx", "huggingface"):
            if not self.path:
                raise ValueError(f"byo_model.path: a model directory is required for kind {self.kind}")
            if not Path(self.path).is_dir():
                raise ValueError(f"byo_model.path: not a directory: {self.path}")
        if self.kind == "onnx":
            for name in ("model.onnx", "tokenizer.json", "config.json"):
                if not (Path(self.path) / name).is_file():
                    raise ValueError(f"byo_model.path: {name} missing in {self.path}")
            for module in ("onnxruntime", "tokenizers"):
                if importlib.util.find_spec(module) is None:
                    raise ValueError(f"byo_model: kind onnx needs {module} (pip install 'datasteward[byo]')")
        if self.kind == "huggingface" and importlib.util.find_spec("transformers") is None:
            raise ValueError("byo_model: kind huggingface needs transformers (and torch) on the workers")
        if self.kind == "handler":
            if not self.handler or ":" not in self.handler:
                raise ValueError("byo_model.handler: give 'package.module:factory'")
            resolve_factory(self.handler)
        for category, value in self.thresholds.items():
            if not 0.0 < value <= 1.0:
                raise ValueError(f"byo_model.thresholds.{category}: threshold must be in (0, 1]")
        if not self.label_map:
            raise ValueError("byo_model.label_map: map at least one model label to a category")
        return self

    @property
    def model_name(self) -> str:
        if self.name:
            return self.name
        if self.path:
            return f"byo:{Path(self.path).name}"
        return f"byo:{self.handler.rsplit(':', 1)[-1]}"

    def categories(self) -> set[str]:
        return set(self.label_map.values())

    def make_handler(self) -> ModelHandler:
        """The Beam ``ModelHandler`` over texts this block describes."""
        if self.kind == "onnx":
            return OnnxTextClassifierHandler(self.path, self.max_length, self.device, self.batch_size)
        if self.kind == "huggingface":
            from apache_beam.ml.inference.huggingface_inference import HuggingFacePipelineModelHandler

            device = {"auto": "GPU" if _cuda_available() else "CPU", "cpu": "CPU", "gpu": "GPU"}[self.device]
            return HuggingFacePipelineModelHandler(
                task="text-classification",
                model=self.path,
                device=device,
                inference_args={"top_k": None, "truncation": True},
                max_batch_size=self.batch_size,
            )
        return resolve_factory(self.handler)(**self.options)


def resolve_factory(spec: str):
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"byo_model.handler: cannot import {spec}: {exc}") from None
    if not callable(factory):
        raise ValueError(f"byo_model.handler: {spec} is not callable")
    return factory


def _cuda_available() -> bool:
    try:
        import onnxruntime

        return "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    except ImportError:
        return False


# --- predictions -> {label: probability} ------------------------------------------------------------


def to_scores(prediction: Any, labels: Sequence[str] | None) -> dict[str, float]:
    """One text's prediction as ``{label: probability}``, whatever shape the handler returns."""
    if isinstance(prediction, PredictionResult):
        prediction = prediction.inference
    if isinstance(prediction, Mapping):
        if "label" in prediction and "score" in prediction:
            return {str(prediction["label"]): float(prediction["score"])}
        return {str(k): float(v) for k, v in prediction.items()}
    if isinstance(prediction, (list, tuple)) and prediction and isinstance(prediction[0], Mapping):
        return {str(p["label"]): float(p["score"]) for p in prediction}
    values = np.asarray(prediction, dtype=np.float64).ravel()
    if labels is None or len(labels) != len(values):
        raise ValueError(f"byo_model: the model returned {len(values)} scores; set byo_model.labels to name them")
    return dict(zip(labels, values.tolist()))


def score_texts(handler: ModelHandler, model: Any, texts: Sequence[str], config: ByoModelConfig) -> list[dict[str, float]]:
    """``{label: probability}`` per text: the handler called on chunks of ``batch_size`` texts."""
    out: list[dict[str, float]] = []
    clipped = [t[: config.max_chars] for t in texts]
    for start in range(0, len(clipped), config.batch_size):
        chunk = clipped[start : start + config.batch_size]
        predictions = list(handler.run_inference(chunk, model))
        if len(predictions) != len(chunk):
            raise ValueError(f"byo_model: {len(predictions)} predictions for {len(chunk)} texts")
        out += [to_scores(p, config.labels) for p in predictions]
    return out


class RecordBatchHandler(ModelHandler):
    """Wraps a text ``ModelHandler`` so RunInference's elements are whole record batches.

    Each record batch (~1,000 records) is one element; its texts go to the inner model in chunks of
    ``batch_size``. The prediction of an element is the list of per-text ``{label: probability}``.
    """

    def __init__(self, config: ByoModelConfig):
        super().__init__()
        self.config = config
        self.inner = config.make_handler()

    def load_model(self) -> "_Loaded":
        # Beam shares the loaded model through a weak reference: wrap it, so a handler may return any
        # object (a dict or a tuple cannot be weakly referenced).
        return _Loaded(self.inner.load_model())

    def run_inference(self, batch, model: "_Loaded", inference_args=None) -> Iterable[PredictionResult]:
        return [PredictionResult(records, score_texts(self.inner, model.model, records.text, self.config)) for records in batch]

    def get_num_bytes(self, batch) -> int:
        return sum(len(t) for records in batch for t in records.text)

    def batch_elements_kwargs(self):
        return {"min_batch_size": 1, "max_batch_size": 1}  # a record batch is batch enough

    def share_model_across_processes(self) -> bool:
        return self.inner.share_model_across_processes()

    def model_copies(self) -> int:
        return self.inner.model_copies()

    def get_metrics_namespace(self) -> str:
        return "datasteward_byo"


class _Loaded:
    __slots__ = ("model", "__weakref__")

    def __init__(self, model):
        self.model = model


class OnnxTextClassifierHandler(ModelHandler):
    """A local ONNX sequence classifier (``model.onnx`` + ``tokenizer.json`` + ``config.json``) on onnxruntime."""

    def __init__(self, path: str, max_length: int = 256, device: str = "auto", batch_size: int = 32):
        super().__init__(max_batch_size=batch_size)
        self.path = str(path)
        self.max_length = max_length
        self.device = device

    def load_model(self):
        import onnxruntime
        from tokenizers import Tokenizer

        directory = Path(self.path)
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        id2label = config.get("id2label") or {}
        labels = [str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(len(id2label))]
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_length)
        pad_id = config.get("pad_token_id", 0) or 0
        tokenizer.enable_padding(pad_id=pad_id)
        available = onnxruntime.get_available_providers()
        if self.device == "gpu" and "CUDAExecutionProvider" not in available:
            raise RuntimeError("byo_model.device gpu: onnxruntime has no CUDA provider on this worker")
        providers = ["CPUExecutionProvider"]
        if self.device != "cpu" and "CUDAExecutionProvider" in available:
            providers.insert(0, "CUDAExecutionProvider")
        options = onnxruntime.SessionOptions()
        session = onnxruntime.InferenceSession(str(directory / "model.onnx"), options, providers=providers)
        multi_label = config.get("problem_type") == "multi_label_classification"
        return _OnnxModel(session, tokenizer, labels, multi_label)

    def run_inference(self, batch, model, inference_args=None):
        return model.predict(list(batch))

    def get_metrics_namespace(self) -> str:
        return "datasteward_byo_onnx"


class _OnnxModel:
    def __init__(self, session, tokenizer, labels: list[str], multi_label: bool):
        self.session = session
        self.tokenizer = tokenizer
        self.labels = labels
        self.multi_label = multi_label
        self.inputs = {i.name for i in session.get_inputs()}

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids}
        if "attention_mask" in self.inputs:
            feeds["attention_mask"] = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        logits = np.asarray(self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0], dtype=np.float64)
        if self.multi_label:
            probs = 1.0 / (1.0 + np.exp(-logits))
        else:
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs = shifted / shifted.sum(axis=1, keepdims=True)
        labels = self.labels or [f"LABEL_{i}" for i in range(probs.shape[1])]
        return [dict(zip(labels, row)) for row in probs.tolist()]

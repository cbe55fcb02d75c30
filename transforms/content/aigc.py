"""AI-generated content: find the labels of GB 45438-2025 and apply a policy (Framework 5.6, 6.3.4).

Model output reused as training data pollutes the content ecosystem (3.2.2(c)), and since
1 September 2025 generated content carries labels:

- *explicit* labels, visible text: "本内容由人工智能生成", "【AI生成】", "AI-generated content",
  "This article was written by ChatGPT". Only label-shaped text counts — a statement about *this*
  content, a line or bracket that is nothing but the label — so news about "AI生成内容标识办法" or
  "AI-generated content is flooding social media" is not tagged;
- *implicit* labels, file metadata: an ``AIGC`` object (any key case, as a dict or a JSON string, at
  the top of the record's ``meta`` or one level down) with ``Label``, ``ContentProducer``,
  ``ProduceID``… fields.

Policies: ``keep`` (detect and count only), ``tag`` (tag ``aigc``), ``drop`` (reject), ``cap`` (tag and
keep at most ``max_share`` of the stage's output as AIGC; the excess is rejected by the lowest hash of
the record id, so the same records go in every run). ``cap`` needs the corpus-wide count first, so this
is a :class:`Stage`: a census pass counts records and collects id hashes of AIGC records, a combine
picks the hash threshold, and the decision pass reads it as a side input. The run manifest gets the
AIGC share before and after the policy (:meth:`AigcStage.report`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Mapping

import apache_beam as beam
import numpy as np
from pydantic import Field, model_validator

from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, DecideWithView, Decision, Stage, StageConfig, count
from transforms.core.textscan import BatchGate, Needles, line_bounds, normalise

STAGE = "aigc"
CLAUSE = "5.6"
TAG = "aigc"

# --- explicit labels --------------------------------------------------------------------------------

_ZH_AI = (
    r"(?:生成式人工智能|人工智能|AIGC|AI|大语言模型|大模型|智能助手|ChatGPT|GPT-?\d[\w.]*|文心一言|通义千问|Kimi"
    r"|DeepSeek|豆包|腾讯混元|混元|智谱清言|讯飞星火|Claude|Gemini)"
)
_ZH_MADE = r"(?:辅助)?(?:自动)?(?:生成|合成|创作|撰写|写作|制作)"
_ZH_NOUN = (
    r"(?:篇|段|条|则|份|组)?(?:内容|文章|文|回答|回复|文本|作品|图片|视频|音频|报告|摘要|答案|稿件|文案|介绍|故事|图文|素材)?"
)
# "本文由AI辅助生成" / "以下内容使用ChatGPT生成" / "此内容系人工智能合成"
_ZH_STATEMENT = re.compile(
    r"(?:本|此|该|以下|以上|上述|全文)" + _ZH_NOUN + r"\s*(?:由|系|经|使用|借助|通过|采用|利用|为)\s*"
    + _ZH_AI + r"[^。\n]{0,8}?" + _ZH_MADE,
    re.I,
)
# "内容由AI生成" at the start of a sentence or bracket (not "部分内容由AI生成" in a news story)
_ZH_CONTENT = re.compile(
    r"(?:^|[。！？!?\n【\[（(「:：])\s*(?:注|说明|声明|提示)?[:：]?\s*内容(?:由|系)\s*" + _ZH_AI + r"\s*" + _ZH_MADE,
    re.I | re.M,
)
_ZH_LABEL = r"(?:本文|内容|此内容|本内容)?\s*(?:由|系)?\s*(?:人工智能|AIGC|AI)\s*(?:辅助)?\s*(?:生成|合成)(?:内容)?"
_ZH_LABEL_LINE = re.compile(
    r"^[\s【\[（(「—\-*#>]*(?:注|说明|声明|标识|提示)?[:：]?\s*" + _ZH_LABEL + r"[\s】\]）)」。.!！]*$", re.I | re.M
)
_ZH_LABEL_BRACKET = re.compile(r"[【\[（(「]\s*" + _ZH_LABEL + r"\s*[】\]）)」]", re.I)

_EN_AI = (
    r"(?:AI|A\.I\.|artificial intelligence|ChatGPT|GPT-?\d[\w.-]*|OpenAI|Claude|Gemini|Copilot|Bard|Llama"
    r"|an? (?:AI|LLM|large language model|language model|generative AI|AI (?:model|tool|system|assistant|chatbot|writer)))"
)
_EN_STATEMENT = re.compile(
    r"\b(?:this|the following|the above)\s+(?:\w+\s+)?(?:article|content|text|post|story|essay|response|answer|summary"
    r"|document|page|piece|report|review|description|blog post|image|translation)\s+(?:was|is|has been|were)\s+"
    r"(?:\w+\s+)?(?:written|generated|created|produced|composed|authored|drafted|translated)\s+(?:\w+\s+)?"
    r"(?:by|with|using)\s+(?:the (?:help|assistance|use) of\s+)?" + _EN_AI + r"(?![\w-])",
    re.I,
)
_EN_LABEL = r"(?:AI[- ]generated(?: content| text| image| article)?|(?:content )?generated (?:by|with|using) (?:AI|artificial intelligence|ChatGPT))"
_EN_LABEL_LINE = re.compile(
    r"^[\s\[(*_#>-]*(?:label|note|disclosure|disclaimer)?:?\s*(?:this is\s+)?" + _EN_LABEL + r"[\s\])*_.!]*$", re.I | re.M
)
_EN_LABEL_BRACKET = re.compile(r"[\[(]\s*" + _EN_LABEL + r"\s*[\])]", re.I)

_STATEMENTS = (_ZH_STATEMENT, _ZH_CONTENT, _ZH_LABEL_BRACKET, _EN_STATEMENT, _EN_LABEL_BRACKET)
_LABEL_LINES = (_ZH_LABEL_LINE, _EN_LABEL_LINE)
# Every explicit label contains one of these words (any case). The patterns run only on a window
# around each occurrence: a regex scan of every document would cost more than the rest of the stage.
_NEEDLES = Needles((
    "生成", "合成", "创作", "撰写", "写作", "制作",
    "generat", "written", "created", "produced", "composed", "authored", "drafted", "translated",
), fold_case=True)
_BEFORE, _AFTER, _LABEL_LINE_CHARS = 120, 60, 100
_WIDE = ("Ａ", "ａ")  # every Latin-script label has an "a" (AI, generated, ChatGPT): normalised when present
# Documents with no needle (in any case) and no full-width "a" carry no explicit label.
_GATE = BatchGate(any_case=_NEEDLES.needles + _WIDE)


def explicit_label(text: str) -> str | None:
    """The explicit label in ``text`` (normalised, at most 80 characters), or None."""
    text = normalise(text, _WIDE)
    for at in _NEEDLES.positions(text):
        line_start, line_end = line_bounds(text, at)
        start, end = max(line_start, at - _BEFORE), min(line_end, at + _AFTER)
        for pattern in _STATEMENTS:
            if m := pattern.search(text, start, end):
                return _shown(m)
        if line_end - line_start <= _LABEL_LINE_CHARS:
            for pattern in _LABEL_LINES:
                if m := pattern.search(text, line_start, line_end):
                    return _shown(m)
    return None


def _shown(m: re.Match) -> str:
    return m.group().strip(" \n\t【】[]（）()「」")[:80]


# --- implicit labels --------------------------------------------------------------------------------

IMPLICIT_FIELDS = {
    "label": "label",
    "contentproducer": "producer",
    "produceid": "produce_id",
    "contentpropagator": "propagator",
    "propagateid": "propagate_id",
}
_NOT_AIGC = {"", "0", "false", "no", "none", "null"}


def implicit_label(meta: Mapping[str, Any] | None, keys: frozenset[str] = frozenset({"aigc"})) -> dict | None:
    """The GB 45438-2025 metadata label of a record (``{"label", "producer", …}``), or None."""
    if not meta:
        return None
    for container in (meta, *(v for v in meta.values() if isinstance(v, Mapping))):
        for key, value in container.items():
            if isinstance(key, str) and key.lower() in keys:
                found = _parse_label(value)
                if found is not None:
                    return found
    return None


def _parse_label(value: Any) -> dict | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    fields = {
        IMPLICIT_FIELDS[k.lower()]: str(v).strip()
        for k, v in value.items()
        if isinstance(k, str) and k.lower() in IMPLICIT_FIELDS and v is not None
    }
    label = fields.get("label")
    if label is not None and label.lower() in _NOT_AIGC:
        return None
    if label is None and not fields.get("producer"):
        return None
    return {k: v for k, v in fields.items() if v}


# --- decisions --------------------------------------------------------------------------------------


def id_hash(record_id: str) -> int:
    """Stable 63-bit rank of a record for the cap (fits numpy int64)."""
    return int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "big") >> 1


@dataclass(frozen=True)
class CapDecision:
    """How many AIGC records the cap keeps, and the id-hash threshold that selects them."""

    total: int
    aigc: int
    keep: int
    threshold: int | None  # keep an AIGC record iff id_hash <= threshold; None keeps all

    def keeps(self, record_id: str) -> bool:
        return self.threshold is None or id_hash(record_id) <= self.threshold


def cap_decision(max_share: float, total: int, aigc_hashes: np.ndarray) -> CapDecision:
    """Largest k with k / (non-AIGC + k) <= max_share, and the k-th smallest AIGC id hash."""
    aigc = len(aigc_hashes)
    share = Fraction(str(max_share))
    others = total - aigc
    allowed = int(share * others / (1 - share))
    if allowed >= aigc:
        return CapDecision(total, aigc, aigc, None)
    if allowed == 0:
        return CapDecision(total, aigc, 0, -1)
    threshold = int(np.partition(aigc_hashes, allowed - 1)[allowed - 1])
    return CapDecision(total, aigc, allowed, threshold)


class AigcControl(Control):
    """Detect explicit and implicit AI-generated-content labels; keep, tag, drop or cap them (5.6)."""

    stage = STAGE

    def __init__(self, config: "AigcConfig", cap: CapDecision | None = None):
        self.config = config
        self.cap = cap
        self.keys = frozenset(k.lower() for k in config.metadata_keys)

    def with_cap(self, cap: CapDecision) -> "AigcControl":
        capped = copy.copy(self)
        capped.cap = cap
        return capped

    def detect(self, batch) -> list[dict | None]:
        """Per record, the lineage detail of its labels (which labels, producer), or None when it has none.

        Explicit labels are looked for only in the texts that hold one of their words (one gate pass
        over the batch); most texts hold none."""
        explicit: list[str | None] = [None] * len(batch)
        if self.config.detect_explicit:
            explicit = _GATE.map(batch.text, explicit_label, None)
        implicit: list[dict | None] = [None] * len(batch)
        if self.config.detect_implicit:
            implicit = [implicit_label(meta, self.keys) for meta in batch.meta]
        details: list[dict | None] = []
        for found, label in zip(explicit, implicit):
            if found is None and label is None:
                details.append(None)
                continue
            detail: dict[str, Any] = {"explicit": found is not None, "implicit": label is not None}
            if found is not None:
                detail["explicit_label"] = found
            if label is not None:
                detail.update(label)
            details.append(detail)
        return details

    def census(self, batch) -> tuple[int, np.ndarray]:
        """Records in ``batch`` and the id hashes of its AIGC records (the cap's first pass)."""
        hashes = [id_hash(i) for i, detail in zip(batch.id, self.detect(batch)) if detail]
        return len(batch), np.array(hashes, dtype=np.int64)

    def decide(self, batch):
        policy = self.config.policy
        if policy == "cap" and self.cap is None:
            raise ValueError("aigc: the cap policy needs the corpus census (use AigcStage or with_cap)")
        decisions = []
        for record_id, detail in zip(batch.id, self.detect(batch)):
            if detail is None:
                decisions.append(KEEP)
                continue
            count(STAGE, "detected")
            count(STAGE, "explicit", int(detail["explicit"]))
            count(STAGE, "implicit", int(detail["implicit"]))
            reason = "explicit_label" if detail["explicit"] else "implicit_label"
            if policy == "keep":
                decisions.append(Decision("keep", rule="aigc.detect", clause=CLAUSE, reason=reason, detail=detail))
            elif policy == "drop":
                decisions.append(self._reject("aigc.drop", "aigc_dropped", detail))
            elif policy == "cap" and not self.cap.keeps(record_id):
                detail = {**detail, "cap_keep": self.cap.keep, "cap_aigc": self.cap.aigc}
                decisions.append(self._reject("aigc.cap", "aigc_over_cap", detail))
            else:
                decisions.append(
                    Decision("annotate", rule="aigc.tag", clause=CLAUSE, reason=reason, detail=detail, tags=(TAG,))
                )
        return decisions

    @staticmethod
    def _reject(rule: str, reason: str, detail: dict) -> Decision:
        return Decision.reject(rule=rule, clause=CLAUSE, risk_level="low", category="aigc", reason=reason, detail=detail)


# --- Beam --------------------------------------------------------------------------------------------


class _CensusCombineFn(beam.CombineFn):
    """Sums record counts and gathers AIGC id hashes (8 bytes per AIGC record) into one CapDecision."""

    def __init__(self, max_share: float):
        self.max_share = max_share

    def create_accumulator(self):
        return 0, []

    def add_input(self, acc, census):
        total, parts = acc
        n, hashes = census
        if len(hashes):
            parts.append(hashes)
        return total + n, parts

    def merge_accumulators(self, accs):
        total, parts = 0, []
        for n, more in accs:
            total += n
            parts.extend(more)
        return total, parts

    def compact(self, acc):
        total, parts = acc
        return total, [np.concatenate(parts)] if len(parts) > 1 else parts

    def extract_output(self, acc):
        total, parts = acc
        hashes = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return cap_decision(self.max_share, total, hashes)


class AigcStage(Stage):
    """Detect AI-generated-content labels and keep, tag, drop or cap them (5.6, GB 45438-2025)."""

    name = STAGE

    def __init__(self, config: "AigcConfig"):
        self.config = config
        self.control = AigcControl(config)

    def expand(self, batches, ctx):
        if self.config.policy != "cap":
            return ControlStage(self.control).expand(batches, ctx)
        cap = (
            batches
            | f"{STAGE}:census" >> beam.Map(self.control.census)
            | f"{STAGE}:threshold" >> beam.CombineGlobally(_CensusCombineFn(self.config.max_share))
        )
        return batches | DecideWithView(
            STAGE, self.control.with_cap, beam.pvalue.AsSingleton(cap), ctx.spill_dir(STAGE), ctx.run_id
        )

    def report(self, ctx, counters):
        def n(name: str) -> int:
            return int(counters.get(f"{STAGE}:{name}", 0))

        records, detected, rejected = n("input"), n("detected"), n("rejected")
        kept = records - rejected
        return {
            "policy": self.config.policy,
            "max_share": self.config.max_share,
            "records": records,
            "aigc": detected,
            "explicit": n("explicit"),
            "implicit": n("implicit"),
            "share_in": round(detected / records, 6) if records else 0.0,
            "rejected": rejected,
            "aigc_kept": detected - rejected,
            "share_out": round((detected - rejected) / kept, 6) if kept else 0.0,
        }


@register_stage(STAGE)
class AigcConfig(StageConfig):
    stage: Literal["aigc"] = "aigc"
    policy: Literal["keep", "tag", "drop", "cap"] = "tag"
    max_share: float | None = Field(None, ge=0, lt=1)  # cap only: most AIGC share of the stage's output
    detect_explicit: bool = True
    detect_implicit: bool = True
    metadata_keys: list[str] = ["AIGC"]  # meta keys (any case) holding the GB 45438-2025 label

    @model_validator(mode="after")
    def _cap_needs_share(self) -> "AigcConfig":
        if self.policy == "cap" and self.max_share is None:
            raise ValueError("max_share: required when policy is cap")
        if self.policy != "cap" and self.max_share is not None:
            raise ValueError("max_share: only used when policy is cap")
        return self

    def create(self) -> AigcStage:
        return AigcStage(self)

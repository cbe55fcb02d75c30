"""Language identification (Framework 4.1.2(b)): every record gets a reliable ``lang``.

The model (:mod:`transforms.language.model`, py3langid's shipped model scored a batch at a time)
scores the start of each text after URLs, e-mail addresses, @handles, HTML entities and digits are
removed. The record's ``lang`` becomes the most probable of the configured ``languages``; every
record's lineage entry says which language, with what confidence, and the declared one when the
source declared another.

- A text is in an *unsupported* language when the model's best language over all 140 it knows is
  not one of ``languages`` with probability ≥ ``unsupported_confidence``, and the text has at least
  ``min_chars`` characters to judge by. ``unsupported`` says what then happens: ``keep`` (``lang`` is
  the detected code), ``tag`` (the same, plus the tag ``lang:unsupported``) or ``reject``
  (``unsupported_language``).
- A source's declared ``lang`` is kept when the text is too short to judge (fewer than ``min_chars``
  characters) or the detection is less confident than ``min_confidence``; ``declared: trust`` keeps
  it always (the text is still scored, for lineage).

Language-specific stages read ``lang`` (:func:`route` groups a batch by it).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Literal, Mapping, Sequence

import apache_beam as beam
import numpy as np
from pydantic import Field, field_validator

from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core.stage import (
    KEPT,
    REJECTED,
    Control,
    ControlFn,
    Decision,
    RunContext,
    Stage,
    StageConfig,
    apply_control,
)

STAGE = "language"
CLAUSE = "4.1.2(b)"
UNSUPPORTED_TAG = "lang:unsupported"

DEFAULT_LANGUAGES = (
    "en", "zh", "ja", "ko", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "sv", "da", "ro", "tr", "id", "cs",
    "hu", "sr",
)
"""The languages measured in ``eval/language_eval.py`` (accuracy per language in docs/language.md)."""

MODEL_LANGUAGES = tuple(
    "ace af am an ar ary arz as az ba bcl be bg bn br bs ca crh cs cy da de dz el en eo es et eu ext fa fi fo fr fuv fy "
    "ga gcf gcr gd gl gom grc gu gug guw ha hbo he hi hr ht hu hy id ig is it ja jv ka kab kik kk km kn ko ku ky la lb "
    "lg lij ln lo lt ltg lv mg mk ml mn mr ms mt my ne nl nn no nso oc om or pa pcm pl ps pt qu ro ru rw sa sdh se si "
    "sk sl sn so sq sr st sv sw ta te tg th tk tl tr tt ug uk ur uz uzs vec vi vo wa wuu xh yo yue zh zu zxx".split()
)
"""The 140 labels of py3langid 0.4's model (a test checks this list against the model)."""

# what says nothing about the language: links, e-mail addresses and @handles, hashtag marks, entities, digits
_URL = re.compile(r"https?://\S+|www\.\S+")
_AT = re.compile(r"[A-Za-z0-9._%+-]*@[A-Za-z0-9_.-]*")  # e-mail addresses and @handles (ASCII: CJK text has no spaces)
_DIGITS = re.compile(r"\d+")
_RT = re.compile(r"\bRT\b")


def clean(text: str, limit: int = 2048) -> str:
    """The part of ``text`` that carries its language (at most ``limit`` characters are looked at)."""
    text = text[:limit]
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _AT.sub(" ", text)
    if "#" in text:
        text = text.replace("#", " ")
    if "RT" in text:
        text = _RT.sub(" ", text)
    return " ".join(_DIGITS.sub(" ", text).split())


def route(langs: Sequence[str | None], groups: Mapping[str, Sequence[str]]) -> dict[str, list[int]]:
    """Indices of a batch's records per group: ``groups`` maps a group name (e.g. a model) to the
    language codes it serves (``zh`` also matches ``zh-Hant``); records in none of them go to ``""``."""
    owner = {code: name for name, codes in groups.items() for code in codes}
    out: dict[str, list[int]] = {name: [] for name in groups} | {"": []}
    for i, lang in enumerate(langs):
        out[owner.get((lang or "").split("-")[0].lower(), "")].append(i)
    return out


class LanguageControl(Control):
    """Identifies each record's language (py3langid model): sets ``lang``, confidence in lineage; policy for unsupported languages."""

    stage = STAGE

    def __init__(self, config: "LanguageConfig"):
        self.config = config
        self._model = None

    def setup(self) -> None:
        from transforms.language.model import load

        self._model = load(self.config.max_bytes)
        labels = self._model.labels
        self._supported = np.array([label in self.config.languages for label in labels])
        self._labels = np.array(labels, dtype=object)

    def identify(self, texts: Sequence[str], declared: Sequence[str | None]) -> tuple[list[str | None], list[Decision]]:
        """The ``lang`` of each text and the decision (annotate, or reject when unsupported)."""
        if self._model is None:
            self.setup()
        c = self.config
        cleaned = [clean(t, 2 * c.max_bytes) for t in texts]
        chars = np.fromiter((len(t) - t.count(" ") for t in cleaned), np.int64, len(cleaned))
        probs = self._model.scores(cleaned).probs
        top = probs.argmax(axis=1)
        top_p = probs[np.arange(len(top)), top]
        sup = np.where(self._supported, probs, -1.0)
        best = sup.argmax(axis=1)
        mass = probs[:, self._supported].sum(axis=1)
        best_p = probs[np.arange(len(best)), best] / np.maximum(mass, 1e-12)
        unsupported = ~self._supported[top] & (top_p >= c.unsupported_confidence) & (chars >= c.min_chars)
        langs: list[str | None] = []
        decisions: list[Decision] = []
        for i in range(len(texts)):
            detail: dict = {}
            decl = declared[i]
            if unsupported[i]:
                lang, conf = self._labels[top[i]], float(top_p[i])
                detail["unsupported"] = True
            else:
                lang, conf = self._labels[best[i]], float(best_p[i])
            if decl and decl.split("-")[0].lower() != lang:
                detail["declared"] = decl
                if c.declared == "trust" or chars[i] < c.min_chars or conf < c.min_confidence:
                    detail["detected"] = lang
                    lang = decl
            detail["lang"] = lang
            detail["confidence"] = round(conf, 3)
            if chars[i] < c.min_chars:
                detail["short"] = True
            if unsupported[i] and lang == self._labels[top[i]] and c.unsupported == "reject":
                decisions.append(
                    Decision.reject(
                        rule="language.unsupported", clause=CLAUSE, risk_level=c.risk_level, category="quality",
                        reason="unsupported_language", detail=detail,
                    )
                )
            else:
                tags = (UNSUPPORTED_TAG,) if unsupported[i] and c.unsupported == "tag" else ()
                decisions.append(Decision("annotate", rule="language.identified", clause=CLAUSE, detail=detail, tags=tags))
            langs.append(lang)
        return langs, decisions

    def decide(self, batch: Batch) -> Sequence[Decision]:
        return self.identify(batch.text, batch.lang)[1]


class _Decided(Control):
    """Hands decisions already taken to :func:`apply_control`."""

    def __init__(self, stage: str, decisions: Sequence[Decision]):
        self.stage = stage
        self._decisions = decisions

    def decide(self, batch: Batch) -> Sequence[Decision]:
        return self._decisions


def label_batch(control: LanguageControl, batch: Batch, run_id: str, previews_later: bool = False):
    """Set ``lang`` on every record of ``batch`` and apply the control's decisions (plain Python;
    ``previews_later`` as for :func:`apply_control`)."""
    langs, decisions = control.identify(batch.text, batch.lang)
    result = apply_control(_Decided(control.stage, decisions), batch.replace(lang=langs), run_id, previews_later)
    kept_langs = Counter(lang or "und" for lang in result.kept.lang)
    for lang, n in kept_langs.items():
        result.counts[f"lang:{lang}"] += n
    return result


class _LanguageFn(ControlFn):
    def __init__(self, control: LanguageControl, run_id: str):
        self.control = control
        self.run_id = run_id

    def setup(self):
        self.control.setup()

    def process(self, batch: Batch):
        yield from self.emit_result(STAGE, label_batch(self.control, batch, self.run_id, previews_later=True))


class LanguageStage(Stage):
    """Identifies each record's language and sets ``lang`` (py3langid model, batch-scored)."""

    def __init__(self, config: "LanguageConfig"):
        self.config = config
        self.control = LanguageControl(config)
        self.name = STAGE

    def expand(self, batches, ctx: RunContext):
        outputs = batches | STAGE >> beam.ParDo(_LanguageFn(self.control, ctx.run_id)).with_outputs(REJECTED, main=KEPT)
        return outputs[KEPT], outputs[REJECTED]

    def describe(self) -> str:
        return LanguageControl.__doc__.strip().splitlines()[0]

    def report(self, ctx, counters: Mapping[str, int]) -> dict | None:
        prefix = f"{STAGE}:lang:"
        langs = {k[len(prefix):]: v for k, v in counters.items() if k.startswith(prefix) and v}
        return {
            "model": "py3langid (batch-scored)",
            "languages": sorted(self.config.languages),
            "unsupported_policy": self.config.unsupported,
            "kept_by_language": dict(sorted(langs.items(), key=lambda kv: -kv[1])),
            "unsupported_rejected": counters.get(f"{STAGE}:rejected:unsupported_language", 0),
        }


@register_stage(STAGE)
class LanguageConfig(StageConfig):
    stage: Literal["language"] = "language"
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=1)
    unsupported: Literal["keep", "tag", "reject"] = "tag"
    unsupported_confidence: float = Field(0.9, ge=0, le=1)
    min_chars: int = Field(20, ge=0)  # characters (after removing links, handles, digits) needed to judge
    min_confidence: float = Field(0.5, ge=0, le=1)  # below it a declared language is kept
    declared: Literal["detect", "trust"] = "detect"
    max_bytes: int = Field(512, ge=16, le=1_000_000)
    risk_level: Literal["low", "moderate", "considerable", "major", "extremely_serious"] = "low"

    @field_validator("languages")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in MODEL_LANGUAGES]
        if unknown:
            raise ValueError(f"languages the model does not know: {unknown} (it knows: {' '.join(MODEL_LANGUAGES)})")
        return value

    def create(self) -> Stage:
        return LanguageStage(self)

"""Shared machinery of the content-risk controls (harmful, highrisk): models, lexicons, language routing.

Models and lexicons load once per worker process into module-level caches keyed by resolved path, so
threads of one worker share a copy. A missing or corrupt file raises :class:`ContentModelError`
naming the path, at config validation or ``setup()``, never per record.
"""

from __future__ import annotations

import csv
import itertools
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Sequence

import ahocorasick_rs
import apache_beam as beam
import fasttext
import fasttext.FastText
import numpy as np
from pydantic import Field, field_validator

from transforms.content.inference import ByoModelConfig
from transforms.content.text import LABEL_PREFIX, PREPROCESS_VERSION, cjk_shares, preprocess_and_lower
from transforms.core.records import RISK_LEVELS, Batch
from transforms.core.stage import (
    KEPT,
    REJECTED,
    Control,
    ControlFn,
    ControlStage,
    Decision,
    Stage,
    StageConfig,
)
from transforms.core.textscan import BatchGate

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR / "models"
LEXICONS_DIR = PACKAGE_DIR / "lexicons"

# fastText prints a warning to stderr on every load_model; it says nothing useful here.
fasttext.FastText.eprint = lambda *args, **kwargs: None


class ContentModelError(ValueError):
    """A model or lexicon file that cannot be used; the message names the path."""


def resolve(path: str | Path, default_dir: Path) -> Path:
    """A configured path as given when it exists, else relative to the shipped data directory."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p.resolve()
    return (default_dir / p).resolve()


@dataclass(frozen=True)
class Classifier:
    """A loaded fastText model and the labels/thresholds its training chose (the ``.json`` sidecar)."""

    path: str
    model: object
    labels: tuple[str, ...]
    negative_label: str
    thresholds: dict[str, float]
    scoring: str  # how thresholds apply: "label", "risk" or "top" (training.decide_labels)
    # what the thresholds apply to besides P(label) (training.decision_scores): the lexicon's weight per
    # label and the labels whose probabilities are pooled into another's
    lexicon_weight: dict[str, float] = field(default_factory=dict)
    pooled: dict[str, list[str]] = field(default_factory=dict)
    # a companion model (file name beside this one) whose probabilities the thresholds average with this one's
    averaged_with: str | None = None
    _column_of: dict = field(default_factory=dict, compare=False, repr=False)  # fastText's label name -> column

    def __post_init__(self):
        self._column_of.update({LABEL_PREFIX + label: j for j, label in enumerate(self.labels)})

    def probabilities(self, processed: Sequence[str]) -> np.ndarray:
        """One row per text already passed through ``preprocess_batch``, one column per label (in the
        order of ``labels``); one batched call into fastText."""
        labels, probs = self.model.predict(list(processed), k=-1)
        n, width = len(labels), len(self.labels)
        matrix = np.zeros((n, width))
        if labels:
            # fastText lists each text's labels by probability: put them back in column order, the batch's labels
            # and probabilities flattened into one array each (a reshape fails unless every row has every label)
            columns = np.fromiter(map(self._column_of.__getitem__, itertools.chain.from_iterable(labels)), dtype=np.intp)
            flat = np.concatenate(probs).astype(np.float64)
            np.put_along_axis(matrix, columns.reshape(n, width), flat.reshape(n, width), axis=1)
        return matrix

    def predict(self, processed: Sequence[str]) -> list[dict[str, float]]:
        """``{label: probability}`` per text already passed through ``preprocess_batch``."""
        return [dict(zip(self.labels, row)) for row in self.probabilities(processed).tolist()]


def lineage_scores(labels: Sequence[str], matrix: np.ndarray) -> list[dict[str, float]]:
    """Per row, ``{label: probability}`` rounded to 4 places for lineage (rounded as one array)."""
    return [dict(zip(labels, row)) for row in np.round(matrix, 4).tolist()]


_lock = threading.Lock()
_classifiers: dict[str, Classifier] = {}
_lexicons: dict[str, "Lexicon"] = {}


def load_once(cache: dict, path: str | Path, base_dir: Path, load):
    """``load(resolved path)``, once per process and path: threads of a worker share the result."""
    key = str(resolve(path, base_dir))
    with _lock:
        if key not in cache:
            cache[key] = load(Path(key))
        return cache[key]


def load_classifier(path: str | Path) -> Classifier:
    """The classifier at ``path`` (``.ftz`` with its ``.json`` sidecar), loaded once per process."""
    return load_once(_classifiers, path, MODELS_DIR, _load_classifier)


def _load_classifier(path: Path) -> Classifier:
    sidecar = path.with_suffix(".json")
    for required in (path, sidecar):
        if not required.is_file():
            raise ContentModelError(f"model file not found: {required}")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        labels, negative, thresholds = tuple(meta["labels"]), meta["negative_label"], dict(meta["thresholds"])
        scoring = meta.get("scoring", "label")
        lexicon_weight, pooled = dict(meta.get("lexicon_weight") or {}), dict(meta.get("pooled") or {})
        averaged_with = meta.get("averaged_with")
        version = meta["preprocess_version"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ContentModelError(f"model metadata unreadable: {sidecar}: {exc}") from None
    if version != PREPROCESS_VERSION:
        raise ContentModelError(f"{path}: trained with preprocessing v{version}, this code has v{PREPROCESS_VERSION}; retrain it")
    try:
        model = fasttext.load_model(str(path))
    except (ValueError, RuntimeError, MemoryError) as exc:
        raise ContentModelError(f"model file corrupt or not a fastText model: {path}: {exc}") from None
    model_labels = tuple(sorted(lab[len(LABEL_PREFIX) :] for lab in model.get_labels()))
    if model_labels != tuple(sorted(labels)):
        raise ContentModelError(f"{path}: model labels {model_labels} do not match {sidecar.name} {labels}")
    return Classifier(str(path), model, labels, negative, thresholds, scoring, lexicon_weight, pooled, averaged_with)


class Lexicon:
    """Weighted terms from a TSV (term, language, category, weight, risk_level), matched in one pass.

    Aho-Corasick automata find every term at once, whatever the size of the list: a
    :class:`~transforms.core.textscan.BatchGate` over the whole batch (the lowercased texts joined as UTF-8,
    one call into compiled code) picks the few texts that hold a term, and only those are scanned for
    every match. Chinese terms match anywhere (no word boundaries in Chinese); English terms only as
    whole words, checked on the matches with ASCII boundaries (CJK characters count as word characters
    for `\\b`, which would miss "用sarin").
    """

    def __init__(self, path: Path, entries: list[tuple[str, str, str, float, str]]):
        self.path = path
        self.entries = entries
        self.categories = sorted({e[2] for e in entries})
        by_term: dict[str, list[int]] = {}
        for i, (term, *_rest) in enumerate(entries):
            by_term.setdefault(term, []).append(i)
        self._term_entries = [tuple(indices) for indices in by_term.values()]
        self._gate = BatchGate(list(by_term))
        self._automaton = ahocorasick_rs.BytesAhoCorasick([term.encode() for term in by_term]) if by_term else None

    def scan_batch(self, lowered: Sequence[bytes], window: int | None = None) -> dict[int, tuple[dict[str, float], list[int]]]:
        """For each text (lowercased, UTF-8) with a match, by position: per-category noisy-or score of
        the distinct matched entries, and their indices. Texts without a match are left out.

        ``window`` (bytes): a longer text scores per category its strongest window of that size (windows
        overlap by half, so a passage of up to half a window lies whole in one), and its entries are those
        of the deciding windows: distinct terms spread over a book do not add up as if they stood together.
        A window's entries are a subset of the text's, so this only ever lowers a score."""
        if self._automaton is None:
            return {}
        results = {}
        for doc in self._gate.candidates_encoded(lowered):
            text = lowered[doc]
            matches = self._matches(text)
            if not matches:
                continue
            if window is None or len(text) <= window:
                hits = {entry for entry, _ in matches}
                results[doc] = (self._scores(hits), sorted(hits))
            else:
                results[doc] = self._strongest_windows(matches, window)
        return results

    def _scores(self, hits) -> dict[str, float]:
        scores: dict[str, float] = {}
        for i in hits:
            category, weight = self.entries[i][2], self.entries[i][3]
            scores[category] = 1.0 - (1.0 - scores.get(category, 0.0)) * (1.0 - weight)
        return scores

    def _strongest_windows(self, matches: list[tuple[int, int]], window: int) -> tuple[dict[str, float], list[int]]:
        """Per category the score of its strongest window (window k spans bytes [k * step, k * step + window)),
        and the entries of those windows."""
        step = max(window // 2, 1)
        by_window: dict[int, set[int]] = {}
        for entry, start in matches:
            k = start // step
            for w in (k - 1, k) if k else (k,):
                by_window.setdefault(w, set()).add(entry)
        best: dict[str, tuple[float, set[int]]] = {}
        for entries in by_window.values():
            for category, score in self._scores(entries).items():
                if score > best.get(category, (-1.0, None))[0]:
                    best[category] = (score, entries)
        hits = set().union(*(entries for _, entries in best.values()))
        return {category: score for category, (score, _) in best.items()}, sorted(hits)

    def _matches(self, text: bytes) -> list[tuple[int, int]]:
        """(entry, start byte) of every (overlapping) match in ``text``, English ones as whole words."""
        matches = []
        for term, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            whole_word = (start == 0 or text[start - 1] not in _ASCII_WORD) and (end == len(text) or text[end] not in _ASCII_WORD)
            matches.extend((i, start) for i in self._term_entries[term] if whole_word or self.entries[i][1] == "zh")
        return matches

    def scan(self, text: str) -> tuple[dict[str, float], list[int]]:
        """Per-category score and matched entries of one text, as given."""
        return self.scan_batch([text.lower().encode("utf-8", "surrogatepass")]).get(0, ({}, []))

    def risk_level(self, hits: list[int], category: str) -> str:
        levels = [self.entries[i][4] for i in hits if self.entries[i][2] == category]
        return max(levels, key=RISK_LEVELS.index)

    def entry_ref(self, i: int) -> str:
        """A stable reference to an entry for lineage (not the term itself)."""
        return f"{self.path.name}#{i + 1}"


# Bytes of ASCII word characters: an English term must not touch one.
_ASCII_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_-")


def load_lexicon(path: str | Path) -> Lexicon:
    """The lexicon at ``path``, read once per process."""
    return load_once(_lexicons, path, LEXICONS_DIR, _read_lexicon)


def _read_lexicon(path: Path) -> Lexicon:
    if not path.is_file():
        raise ContentModelError(f"lexicon file not found: {path}")
    entries = []
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t")
    expected = ["term", "language", "category", "weight", "risk_level"]
    if reader.fieldnames != expected:
        raise ContentModelError(f"lexicon {path}: header must be {' '.join(expected)}, found {reader.fieldnames}")
    for n, row in enumerate(reader, start=2):
        try:
            weight = float(row["weight"])
        except (TypeError, ValueError):
            raise ContentModelError(f"lexicon {path}: row {n}: weight {row['weight']!r} is not a number") from None
        if not 0.0 <= weight <= 1.0 or row["risk_level"] not in RISK_LEVELS or row["language"] not in ("en", "zh"):
            raise ContentModelError(f"lexicon {path}: row {n}: need weight in [0, 1], language en|zh, risk_level in {RISK_LEVELS}")
        entries.append((row["term"].strip().lower(), row["language"], row["category"], weight, row["risk_level"]))
    return Lexicon(path, entries)


def chinese_routes(langs: Sequence[str | None], texts: Sequence[str], min_cjk_share: float) -> list[bool]:
    """Per record, whether it goes to the Chinese model. The record's ``lang`` decides when it names one
    of the two languages there are models for (``zh``/``zh-*`` → Chinese, ``en``/``en-*`` → English; the
    language-ID stage sets it per record); otherwise (no ``lang``, ``und``, another language) the script
    decides: Chinese when CJK characters are at least ``min_cjk_share`` of the text's head (measured for
    the undecided records of the batch at once)."""
    routes: list[bool | None] = [_route_by_lang(lang) for lang in langs]
    undecided = [i for i, route in enumerate(routes) if route is None]
    if undecided:
        shares = cjk_shares([texts[i] for i in undecided])
        for i, share in zip(undecided, shares.tolist()):
            routes[i] = share >= min_cjk_share
    return routes  # type: ignore[return-value]


def _route_by_lang(lang: str | None) -> bool | None:
    if lang:
        code = lang.lower()
        if code.startswith("zh"):
            return True
        if code == "en" or code.startswith("en-"):
            return False
    return None


class PreparedText(NamedTuple):
    """What the content-risk stages derive from a text before scoring it."""

    processed: str  # the classifiers' view (text.preprocess_batch)
    lowered: bytes  # the text lowercased, UTF-8: what the lexicons scan


# Remembered per text object (with the object itself, checked by identity, so a recycled id() can never
# return another text's result) for the next content stage: fused stages pass the same string objects
# along, and a stage that changed a text passes a new object, which is prepared afresh. Bounded to a few
# batches' worth of characters; lives in the worker process, never pickled.
_PREPARED_LIMIT_CHARS = 4_000_000
_prepared: dict[int, tuple[str, PreparedText]] = {}
_prepared_chars = 0


def prepare_texts(texts: Sequence[str]) -> list[PreparedText]:
    """The :class:`PreparedText` of each text; texts prepared by an earlier stage are not redone."""
    global _prepared_chars
    get = _prepared.get
    out: list = [None] * len(texts)
    missing = []
    for i, text in enumerate(texts):
        found = get(id(text))
        if found is not None and found[0] is text:
            out[i] = found[1]
        else:
            missing.append(i)
    if missing:
        todo = [texts[i] for i in missing]
        processed, lowered = preprocess_and_lower(todo)
        added = sum(map(len, todo))
        if _prepared_chars + added > _PREPARED_LIMIT_CHARS:
            _prepared.clear()
            _prepared_chars = 0
        _prepared_chars += added
        make = PreparedText._make
        for i, text, prepared in zip(missing, todo, map(make, zip(processed, lowered))):
            out[i] = prepared
            _prepared[id(text)] = (text, prepared)
    return out


class ContentRiskControl(Control):
    """Classifier + lexicon decision shared by the harmful and high-risk controls.

    Subclasses say which model scores each record and which categories its scores flag; this class
    adds the lexicon, picks the most severe flagged category and records both scores in lineage.
    """

    clause: str = ""
    category: str = ""  # records.CATEGORIES entry of a reject

    def __init__(self, config):
        self.config = config
        self._lexicon: Lexicon | None = None

    def __getstate__(self):
        # Loaded models and automata stay in the worker's cache; only the config travels.
        return {"config": self.config}

    def __setstate__(self, state):
        self.__init__(state["config"])

    def setup(self) -> None:
        self._lexicon = load_lexicon(self.config.lexicon)
        byo = getattr(self.config, "byo_model", None)
        if byo is not None:
            # Outside a pipeline (evaluation, tests) the user's handler is loaded and called in-process;
            # in a pipeline ByoControlStage scores through RunInference and calls decide_scored.
            self._byo_handler = byo.make_handler()
            self._byo_model = self._byo_handler.load_model()
        else:
            self.load_models()

    def load_models(self) -> None:
        raise NotImplementedError

    def score(self, batch: Batch, processed: list[str], matched: dict) -> list[tuple[str, dict[str, float], dict[str, float]]]:
        """Per record: (model name, {label: probability, rounded for lineage}, {category: classifier score
        if flagged}). ``matched``: the lexicon's matches of the batch (by record index), for models whose
        decision scores add the lexicon's."""
        raise NotImplementedError

    def decide(self, batch: Batch) -> list[Decision]:
        if self._lexicon is None:
            self.setup()
        byo = getattr(self.config, "byo_model", None)
        if byo is not None:
            from transforms.content.inference import score_texts

            return self.decide_scored(batch, score_texts(self._byo_handler, self._byo_model, batch.text, byo))
        prepared = prepare_texts(batch.text)
        # one lexicon scan serves the model's decision scores (harmful adds it to them) and the decision
        matched = self._lexicon.scan_batch([p.lowered for p in prepared], self.config.lexicon_window_bytes)
        return self._decide(prepared, self.score(batch, [p.processed for p in prepared], matched), matched)

    def decide_scored(self, batch: Batch, model_scores: list[dict[str, float]]) -> list[Decision]:
        """Decisions from a user's model's ``{label: probability}`` per record (``byo_model``): its labels
        map to this stage's categories, thresholds apply per category (the max of its labels), and the
        lexicon, risk levels and lineage are those of the shipped models."""
        if self._lexicon is None:
            self._lexicon = load_lexicon(self.config.lexicon)
        byo = self.config.byo_model
        if len(model_scores) != len(batch):
            raise ValueError(f"{self.stage}: {len(model_scores)} model scores for {len(batch)} records")
        name = byo.model_name
        scored = []
        for probs in model_scores:
            by_category: dict[str, float] = {}
            for label, p in probs.items():
                category = byo.label_map.get(label)
                if category is not None:
                    by_category[category] = max(by_category.get(category, 0.0), p)
            flagged = {c: p for c, p in by_category.items() if p >= byo.thresholds.get(c, 0.5)}
            scored.append((name, {label: round(float(p), 4) for label, p in probs.items()}, flagged))
        return self._decide(prepare_texts(batch.text), scored)

    def _decide(self, prepared: list[PreparedText], scored, matched: dict | None = None) -> list[Decision]:
        """``matched``: the lexicon's matches of these texts when the caller scanned them already."""
        if matched is None:
            matched = self._lexicon.scan_batch([p.lowered for p in prepared], self.config.lexicon_window_bytes)
        decisions = []
        for i, (model_name, scores, flagged) in enumerate(scored):
            detail = {"model": model_name, "scores": scores, "lexicon": {}}
            if i in matched:
                lexicon_scores, hits = matched[i]
                detail["lexicon"] = {c: round(s, 4) for c, s in lexicon_scores.items()}
                detail["lexicon_hits"] = [self._lexicon.entry_ref(h) for h in hits[:5]]
                decisions.append(self._flag(detail, flagged, lexicon_scores, hits))
            elif flagged:
                decisions.append(self._flag(detail, flagged, {}, []))
            else:
                decisions.append(Decision("keep", detail=detail))
        return decisions

    def _flag(self, detail: dict, flagged: dict[str, float], lexicon_scores: dict[str, float], hits: list[int]) -> Decision:
        """The decision for a record the classifier flagged or the lexicon matched."""
        config = self.config
        lexicon_flagged = {c: s for c, s in lexicon_scores.items() if s >= config.lexicon_threshold}
        categories = set(flagged) | set(lexicon_flagged)
        if not categories:
            return Decision("keep", detail=detail)
        levels = {c: self._risk_level(c, c in flagged, hits) for c in categories}
        top = max(categories, key=lambda c: (RISK_LEVELS.index(levels[c]), max(flagged.get(c, 0.0), lexicon_flagged.get(c, 0.0))))
        detail["by"] = [name for name, hit in (("classifier", top in flagged), ("lexicon", top in lexicon_flagged)) if hit]
        if config.action == "annotate":
            return Decision("annotate", detail=detail, tags=(f"{self.stage}:{top}",))
        return Decision.reject(
            rule=f"{self.stage}.{top}",
            clause=self.clause,
            risk_level=levels[top],
            category=self.category,
            reason=top,
            detail=detail,
        )

    def _risk_level(self, category: str, by_classifier: bool, hits: list[int]) -> str:
        configured = self.config.risk_levels[category]
        if any(self._lexicon.entries[i][2] == category for i in hits):
            lexical = self._lexicon.risk_level(hits, category)
            if not by_classifier or RISK_LEVELS.index(lexical) > RISK_LEVELS.index(configured):
                return lexical
        return configured


class ContentRiskConfig(StageConfig):
    """What every classifier + lexicon stage configures; each model path must load at validation."""

    lexicon: str  # relative paths resolve against transforms/content/lexicons/
    lexicon_threshold: float = Field(0.9, gt=0.0, le=1.0)
    # A longer text is scored by its strongest window of this many bytes (Lexicon.scan_batch): without it, 200 KB
    # of film reviews reached the threshold on scattered words (docs/classifiers.md, "long documents"); None:
    # the whole text at once.
    lexicon_window_bytes: int | None = Field(8192, gt=0)
    action: Literal["reject", "annotate"] = "reject"

    # A user's classifier instead of the shipped fastText models, scored through Beam's RunInference
    # (transforms/content/inference.py).
    byo_model: ByoModelConfig | None = None

    @field_validator("model", "model_en", "model_zh", check_fields=False)
    @classmethod
    def _model_loads(cls, path: str) -> str:
        load_classifier(path)
        return path

    @field_validator("lexicon")
    @classmethod
    def _lexicon_loads(cls, path: str) -> str:
        load_lexicon(path)
        return path


class ByoControlStage(Stage):
    """A content control scored by the user's model: RunInference over the record batches, then the
    control's decision from those scores (same rules, reasons and lineage as the shipped models)."""

    def __init__(self, control: ContentRiskControl):
        from transforms.content.inference import RecordBatchHandler

        self.control = control
        self.name = control.stage
        # built with the stage: a factory that refuses its options fails the run's checks, not its graph
        self.handler = RecordBatchHandler(control.config.byo_model)

    def expand(self, batches, ctx):
        from apache_beam.ml.inference.base import RunInference

        scored = batches | f"{self.name}/RunInference" >> RunInference(self.handler)
        outputs = scored | f"{self.name}/Decide" >> beam.ParDo(_ApplyScoredFn(self.control, ctx.run_id)).with_outputs(
            REJECTED, main=KEPT
        )
        return outputs[KEPT], outputs[REJECTED]

    def describe(self) -> str:
        doc = type(self.control).__doc__
        first = doc.strip().splitlines()[0] if doc else self.name
        return f"{first} [model: {self.control.config.byo_model.model_name}, through RunInference]"


class _Prescored:
    """A control whose decisions come from scores already computed (what apply_control calls)."""

    def __init__(self, control: ContentRiskControl, model_scores: list[dict[str, float]]):
        self.control = control
        self.stage = control.stage
        self.model_scores = model_scores

    def decide(self, batch: Batch) -> list[Decision]:
        return self.control.decide_scored(batch, self.model_scores)


class _ApplyScoredFn(ControlFn):
    def __init__(self, control: ContentRiskControl, run_id: str):
        self.control = control
        self.run_id = run_id

    def setup(self):
        self.control._lexicon = load_lexicon(self.control.config.lexicon)

    def process(self, prediction):
        batch, model_scores = prediction.example, prediction.inference
        yield from self.emit(self.control.stage, _Prescored(self.control, model_scores), batch, self.run_id)


def stage_for(control: ContentRiskControl) -> Stage:
    """The pipeline stage of a content control: RunInference + decision with a ``byo_model``, else a ControlStage."""
    if getattr(control.config, "byo_model", None) is not None:
        return ByoControlStage(control)
    return ControlStage(control)


def check_risk_levels(risk_levels: dict[str, str], categories: set[str]) -> None:
    """Every category a stage can flag needs an Appendix-1 risk level."""
    for category, level in risk_levels.items():
        if level not in RISK_LEVELS:
            raise ValueError(f"risk_levels.{category}: {level!r} is not one of {', '.join(RISK_LEVELS)}")
    missing = sorted(categories - set(risk_levels))
    if missing:
        raise ValueError(f"risk_levels: no level for {', '.join(missing)}")

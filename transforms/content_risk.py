"""Shared machinery of the content-risk controls (harmful, highrisk): models, lexicons, language routing.

Models and lexicons load once per worker process into module-level caches keyed by resolved path, so
threads of one worker share a copy. A missing or corrupt file raises :class:`ContentModelError`
naming the path, at config validation or ``setup()``, never per record.
"""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import ahocorasick
import fasttext
import fasttext.FastText

from pydantic import Field, field_validator

from transforms.base import Control, Decision, StageConfig
from transforms.classifier_training import LABEL_PREFIX, PREPROCESS_VERSION, cjk_share, preprocess_batch
from transforms.records import RISK_LEVELS, Batch

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
    scoring: str  # how thresholds apply: "label", "risk" or "top" (classifier_training.decide_labels)

    def predict(self, processed: Sequence[str]) -> list[dict[str, float]]:
        """``{label: probability}`` per text already passed through ``preprocess_batch``; one batched call."""
        labels, probs = self.model.predict(list(processed), k=-1)
        cut = len(LABEL_PREFIX)
        return [{lab[cut:]: float(p) for lab, p in zip(ls, ps)} for ls, ps in zip(labels, probs)]


_lock = threading.Lock()
_classifiers: dict[str, Classifier] = {}
_lexicons: dict[str, "Lexicon"] = {}


def load_classifier(path: str | Path) -> Classifier:
    """The classifier at ``path`` (``.ftz`` with its ``.json`` sidecar), loaded once per process."""
    resolved = resolve(path, MODELS_DIR)
    key = str(resolved)
    with _lock:
        if key not in _classifiers:
            _classifiers[key] = _load_classifier(resolved)
        return _classifiers[key]


def _load_classifier(path: Path) -> Classifier:
    sidecar = path.with_suffix(".json")
    for required in (path, sidecar):
        if not required.is_file():
            raise ContentModelError(f"model file not found: {required}")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        labels, negative, thresholds = tuple(meta["labels"]), meta["negative_label"], dict(meta["thresholds"])
        scoring = meta.get("scoring", "label")
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
    return Classifier(str(path), model, labels, negative, thresholds, scoring)


class Lexicon:
    """Weighted terms from a TSV (term, language, category, weight, risk_level), matched in one pass.

    One Aho-Corasick automaton over the lowercased text finds every term at once, whatever the size of
    the list. Chinese terms match anywhere (no word boundaries in Chinese); English terms only as whole
    words, checked on the few candidate hits with ASCII boundaries (CJK characters count as word
    characters for `\\b`, which would miss "用sarin").
    """

    def __init__(self, path: Path, entries: list[tuple[str, str, str, float, str]]):
        self.path = path
        self.entries = entries
        self.categories = sorted({e[2] for e in entries})
        self._automaton = ahocorasick.Automaton()
        by_term: dict[str, list[int]] = {}
        for i, (term, *_rest) in enumerate(entries):
            by_term.setdefault(term, []).append(i)
        for term, indices in by_term.items():
            self._automaton.add_word(term, (len(term), tuple(indices)))
        if by_term:
            self._automaton.make_automaton()

    def scan_lowered(self, text: str) -> tuple[dict[str, float], list[int]]:
        """Per-category noisy-or score of the distinct matched entries, and their indices (``text`` lowercased)."""
        if not self.entries:
            return {}, []
        hits: set[int] = set()
        for end, (length, indices) in self._automaton.iter(text):
            start = end - length + 1
            for i in indices:
                if self.entries[i][1] == "zh" or (
                    (start == 0 or text[start - 1] not in _ASCII_WORD) and (end + 1 == len(text) or text[end + 1] not in _ASCII_WORD)
                ):
                    hits.add(i)
        scores: dict[str, float] = {}
        for i in hits:
            category, weight = self.entries[i][2], self.entries[i][3]
            scores[category] = 1.0 - (1.0 - scores.get(category, 0.0)) * (1.0 - weight)
        return scores, sorted(hits)

    def scan(self, text: str) -> tuple[dict[str, float], list[int]]:
        return self.scan_lowered(text.lower())

    def risk_level(self, hits: list[int], category: str) -> str:
        levels = [self.entries[i][4] for i in hits if self.entries[i][2] == category]
        return max(levels, key=RISK_LEVELS.index)

    def entry_ref(self, i: int) -> str:
        """A stable reference to an entry for lineage (not the term itself)."""
        return f"{self.path.name}#{i + 1}"


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


def load_lexicon(path: str | Path) -> Lexicon:
    resolved = resolve(path, LEXICONS_DIR)
    key = str(resolved)
    with _lock:
        if key not in _lexicons:
            _lexicons[key] = _read_lexicon(resolved)
        return _lexicons[key]


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


def is_chinese(lang: str | None, text: str, min_cjk_share: float) -> bool:
    """Route to the Chinese model: declared ``zh`` (or zh-*), or CJK-dominant text whatever the declared language."""
    return bool(lang and lang.lower().startswith("zh")) or cjk_share(text) >= min_cjk_share


_PROCESSED_LIMIT = 50_000
_processed: dict[int, tuple[str, str]] = {}


def preprocess_shared(texts: list[str]) -> list[str]:
    """:func:`preprocess_batch`, remembering results per text object for the next content stage.

    Fused stages pass the same string objects along, so the second of harmful/highrisk reuses the
    first one's work. Entries keep their text alive and are checked by identity, so a recycled
    ``id()`` can never return another text's result.
    """
    cached = [_processed.get(id(t)) for t in texts]
    missing = [i for i, (t, c) in enumerate(zip(texts, cached)) if c is None or c[0] is not t]
    out = [c[1] if c is not None else "" for c in cached]
    if missing:
        fresh = preprocess_batch([texts[i] for i in missing])
        if len(_processed) > _PROCESSED_LIMIT:
            _processed.clear()
        for i, processed in zip(missing, fresh):
            out[i] = processed
            _processed[id(texts[i])] = (texts[i], processed)
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
        self.load_models()

    def load_models(self) -> None:
        raise NotImplementedError

    def score(self, batch: Batch, processed: list[str]) -> list[tuple[str, dict[str, float], dict[str, float]]]:
        """Per record: (model name, {label: probability}, {category: classifier score if flagged})."""
        raise NotImplementedError

    def decide(self, batch: Batch) -> list[Decision]:
        if self._lexicon is None:
            self.setup()
        processed = preprocess_shared(batch.text)
        scored = self.score(batch, processed)
        config = self.config
        decisions = []
        for text, (model_name, probs, flagged) in zip(batch.text, scored):
            lexicon_scores, hits = self._lexicon.scan(text)
            lexicon_flagged = {c: s for c, s in lexicon_scores.items() if s >= config.lexicon_threshold}
            detail = {
                "model": model_name,
                "scores": {label: round(p, 4) for label, p in probs.items()},
                "lexicon": {c: round(s, 4) for c, s in lexicon_scores.items()},
            }
            if hits:
                detail["lexicon_hits"] = [self._lexicon.entry_ref(i) for i in hits[:5]]
            categories = set(flagged) | set(lexicon_flagged)
            if not categories:
                decisions.append(Decision("keep", detail=detail))
                continue
            levels = {c: self._risk_level(c, c in flagged, hits) for c in categories}
            top = max(categories, key=lambda c: (RISK_LEVELS.index(levels[c]), max(flagged.get(c, 0.0), lexicon_flagged.get(c, 0.0))))
            detail["by"] = [name for name, hit in (("classifier", top in flagged), ("lexicon", top in lexicon_flagged)) if hit]
            if config.action == "annotate":
                decisions.append(Decision("annotate", detail=detail, tags=(f"{self.stage}:{top}",)))
            else:
                decisions.append(
                    Decision.reject(
                        rule=f"{self.stage}.{top}",
                        clause=self.clause,
                        risk_level=levels[top],
                        category=self.category,
                        reason=top,
                        detail=detail,
                    )
                )
        return decisions

    def _risk_level(self, category: str, by_classifier: bool, hits: list[int]) -> str:
        configured = self.config.risk_levels[category]
        if any(self._lexicon.entries[i][2] == category for i in hits):
            lexical = self._lexicon.risk_level(hits, category)
            if not by_classifier or RISK_LEVELS.index(lexical) > RISK_LEVELS.index(configured):
                return lexical
        return configured


class ContentRiskConfig(StageConfig):
    """What every classifier + lexicon stage configures; each model path must load at validation."""

    lexicon: str  # relative paths resolve against transforms/lexicons/
    lexicon_threshold: float = Field(0.9, gt=0.0, le=1.0)
    action: Literal["reject", "annotate"] = "reject"

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


def check_risk_levels(risk_levels: dict[str, str], categories: set[str]) -> None:
    """Every category a stage can flag needs an Appendix-1 risk level."""
    for category, level in risk_levels.items():
        if level not in RISK_LEVELS:
            raise ValueError(f"risk_levels.{category}: {level!r} is not one of {', '.join(RISK_LEVELS)}")
    missing = sorted(categories - set(risk_levels))
    if missing:
        raise ValueError(f"risk_levels: no level for {', '.join(missing)}")

"""High-risk-domain control (clause 4.1.2(b)): nuclear, biological, chemical weapons, missiles, offensive cyber.

A bilingual fastText classifier gives P(benign) and P(hazard_<domain>); the record is flagged for
its most likely domain when the hazard score reaches that domain's threshold. The model's sidecar says
which score: ``risk`` = 1 - P(benign), hazard against benign whichever domain carries the evidence (the
shipped model; a question between biology and chemistry still counts), or ``top`` = the domain's own
probability when it beats P(benign).

The shipped word-bigram model is averaged with a character n-gram model (its sidecar's ``averaged_with``):
the probabilities are the mean of the two, and the thresholds were calibrated on that mean. As an exact
cascade: P_mean(benign) >= P_word(benign) / 2, so where 1 - P_word(benign) / 2 is below every threshold
the mean cannot reach one whatever the character model says, and only the other records are scored by it
(a few in ordinary text). Decisions are those of averaging everywhere; lineage ``scores`` are the mean's
where both models ran (with ``scores_word`` / ``scores_char``), the word model's elsewhere.

A weighted bilingual lexicon flags a domain on its own when its score reaches ``lexicon_threshold``.

Which domain a flagged record is labelled with (the reject's reason and risk level, what auditors read) is
decided apart from whether it is flagged (:class:`DomainTerms`): the hazard classes' probabilities
renormalised over the hazard classes, plus ``DOMAIN_TERM_WEIGHT`` times the mean share of each domain among
the training hazards that hold each of the record's gate terms (``lexicons/highrisk_domains.tsv``). The
argmax hazard class alone labelled a centrifuge-cascade question ``bio``: the WMDP bio, chem and cyber sets
outnumber the nuclear and missile examples, and the model spreads unfamiliar wording over them.

A term gate runs first (:class:`TermGate`, terms in ``lexicons/highrisk_gate.txt`` plus every lexicon
term): a record holding none of the domain terms that hazard text uses (pathogen, agent, centrifuge,
shellcode, 导弹, 毒剂 …) is kept without being prepared or scored, which clears most ordinary text
(reviews, statutes, comments) for a scan of its bytes. The terms come from the training data
(``eval/build_highrisk_gate.py``); what the gate costs in recall is measured there and in
``eval/classifiers_eval.py``. Scored records carry both scores in lineage, gated ones ``"gate": "no
domain term"``.

A text longer than ``paragraph_check_chars`` (longer than any text the thresholds were chosen on) that the
whole-text decision keeps is decided again paragraph by paragraph (blank-line blocks; lines, where a block is
longer), each as a short text is: the most severe flagged paragraph decides, so a hazard recipe in a book is
not diluted by the chapters around it. Lineage names the paragraph by offset and length.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
from pathlib import Path
from typing import Literal, Sequence

import ahocorasick_rs
import numpy as np
from pydantic import Field, model_validator

from transforms.content.classifier import (
    LEXICONS_DIR,
    Classifier,
    ContentModelError,
    resolve,
    prepare_texts,
    stage_for,
    ContentRiskConfig,
    ContentRiskControl,
    check_risk_levels,
    lineage_scores,
    load_classifier,
    load_lexicon,
)
from transforms.content.text import CJK_CHARACTER, paragraphs
from transforms.core.records import RISK_LEVELS, Batch
from transforms.core.registry import register_stage
from transforms.core.stage import Decision, Stage

HAZARD_PREFIX = "hazard_"


@register_stage("highrisk")
class HighRiskConfig(ContentRiskConfig):
    stage: Literal["highrisk"] = "highrisk"
    model: str = "highrisk.bin"  # relative paths resolve against transforms/content/models/
    thresholds: dict[str, float] = {}  # domain (bio, chem, cyber, nuclear, missile) -> probability threshold; default: model card
    lexicon: str = "highrisk.tsv"
    # Records holding none of these terms (nor a lexicon term) are kept unscored; None scores every record.
    gate: str | None = "highrisk_gate.txt"  # relative paths resolve against transforms/content/lexicons/
    # Per gate term, how many training hazards of each domain hold it: what labels a flagged record's domain
    # with the model's hazard classes (None: the most likely hazard class alone). Never changes a decision.
    domain_terms: str | None = "highrisk_domains.tsv"
    # A text longer than this many characters (longer than any text the thresholds were chosen on) that the
    # whole-text decision keeps is judged by its paragraphs too, each scored alone: the strongest decides, so one
    # hazard recipe in a book is not diluted by the chapters around it (docs/classifiers.md, "long documents");
    # None: the whole text decides alone.
    paragraph_check_chars: int | None = Field(4000, gt=0)
    risk_levels: dict[str, str] = {
        "nuclear": "extremely_serious",
        "bio": "extremely_serious",
        "chem": "extremely_serious",
        "missile": "extremely_serious",
        "cyber": "major",
    }

    @model_validator(mode="after")
    def _consistent(self) -> "HighRiskConfig":
        if self.byo_model is not None:
            check_risk_levels(self.risk_levels, self.byo_model.categories() | set(load_lexicon(self.lexicon).categories))
            return self
        model = load_classifier(self.model)
        load_companion(model)
        domains = [lab.removeprefix(HAZARD_PREFIX) for lab in model.labels if lab != model.negative_label]
        for domain, value in self.thresholds.items():
            if domain not in domains:
                raise ValueError(f"thresholds.{domain}: not a domain of {model.path} (domains: {', '.join(domains)})")
            if not 0.0 < value <= 1.0:
                raise ValueError(f"thresholds.{domain}: threshold must be in (0, 1]")
        check_risk_levels(self.risk_levels, set(domains) | set(load_lexicon(self.lexicon).categories))
        if self.gate is not None:
            load_gate(self.gate, self.lexicon)
        if self.domain_terms is not None and load_domain_terms(self.domain_terms).domains != domains:
            raise ValueError(f"domain_terms: its columns must be the domains of {model.path} ({', '.join(domains)})")
        return self

    def create(self) -> Stage:
        return stage_for(HighRiskControl(self))


# The decision of a record without a domain term (one frozen object, never mutated).
_GATED = Decision("keep", detail={"model": "highrisk", "gate": "no domain term"})


def _severity(decision: Decision) -> int:
    """The Appendix-1 rank of a decision's risk level (-1: none, e.g. an annotation)."""
    return RISK_LEVELS.index(decision.risk_level) if decision.risk_level else -1


class HighRiskControl(ContentRiskControl):
    """Rejects hazardous knowledge in high-risk domains (4.1.2(b)): fastText classifier + weighted lexicon."""

    stage = "highrisk"
    clause = "4.1.2(b)"
    category = "high_risk"

    def load_models(self) -> None:
        model = self._model = load_classifier(self.config.model)
        self._second = load_companion(model)
        thresholds = {**{lab.removeprefix(HAZARD_PREFIX): t for lab, t in model.thresholds.items()}, **self.config.thresholds}
        self._negative = model.labels.index(model.negative_label)
        self._hazards = [j for j, lab in enumerate(model.labels) if j != self._negative]
        self._domains = [model.labels[j].removeprefix(HAZARD_PREFIX) for j in self._hazards]
        self._domain_thresholds = np.array([thresholds[d] for d in self._domains])
        self._gate = load_gate(self.config.gate, self.config.lexicon) if self.config.gate is not None else None
        self._domain_terms = load_domain_terms(self.config.domain_terms) if self.config.domain_terms is not None else None

    def decide(self, batch: Batch) -> list[Decision]:
        if self._lexicon is None:
            self.setup()
        if self.config.byo_model is not None:
            return super().decide(batch)
        texts = batch.text
        passed = self._gate.candidates(texts) if self._gate is not None else range(len(texts))
        decisions = [_GATED] * len(texts)
        if passed:
            prepared = prepare_texts([texts[i] for i in passed])
            matched = self._lexicon.scan_batch([p.lowered for p in prepared], self.config.lexicon_window_bytes)
            scored, both = self._scored([p.processed for p in prepared])
            ours = self._decide(prepared, scored, matched)
            for row, by_model in both.items():
                ours[row].detail.update(by_model)  # a fresh dict per record, not yet shared
            for i, decision in zip(passed, ours):
                decisions[i] = decision
        if self.config.paragraph_check_chars is not None:
            self._paragraph_checked(batch, decisions, self.config.paragraph_check_chars)
        return decisions

    def _paragraph_checked(self, batch: Batch, decisions: list[Decision], limit: int) -> None:
        """Each kept text longer than ``limit`` characters takes (in place in ``decisions``) the decision of its
        most severe flagged paragraph, each paragraph decided alone as a short text is; lineage says where it
        starts (``paragraph``: character offset and length), not what it says."""
        # a text without a domain term has no paragraph with one
        rows = [i for i, d in enumerate(decisions) if d is not _GATED and d.action == "keep" and len(batch.text[i]) > limit]
        pieces = [(row, start, piece) for row in rows for start, piece in paragraphs(batch.text[row], limit)]
        if not pieces:
            return
        owners = [row for row, _, _ in pieces]
        decided = self.decide(batch.take(owners).replace(text=[piece for _, _, piece in pieces]))
        for (row, start, piece), decision in zip(pieces, decided):
            if decision.action == "keep":
                continue
            if decisions[row].action == "keep" or _severity(decision) > _severity(decisions[row]):
                decisions[row] = dataclasses.replace(decision, detail={**decision.detail, "paragraph": {"start": start, "chars": len(piece)}})

    def score(self, batch: Batch | None, processed: list[str], matched: dict):
        return self._scored(processed)[0]

    def _probabilities(self, processed: list[str]) -> tuple[np.ndarray, dict[int, dict]]:
        """The probabilities the thresholds apply to, and per row the character model scored, both models'
        (rounded, for lineage). With a companion model: the mean of both, computed only where the word
        model leaves it able to reach a threshold (elsewhere the word model's, which is below it as well)."""
        probabilities = self._model.probabilities(processed)
        if self._second is None:
            return probabilities, {}
        # mean >= (P_word + 0) / 2 per label in floating point too (rounding is monotone), so the risk
        # 1 - mean(benign) is at most 1 - P_word(benign) / 2: below the lowest threshold, nothing to decide
        reachable = np.flatnonzero(1.0 - probabilities[:, self._negative] / 2 >= self._domain_thresholds.min())
        if not len(reachable):
            return probabilities, {}
        word = probabilities[reachable]
        char = self._second.probabilities([processed[i] for i in reachable])
        probabilities[reachable] = (word + char) / 2
        labels = self._model.labels
        both = {
            int(row): {"scores_word": w, "scores_char": c}
            for row, w, c in zip(reachable, lineage_scores(labels, word), lineage_scores(labels, char))
        }
        return probabilities, both

    def _scored(self, processed: list[str]):
        """:meth:`score`'s results, and the rows both models scored (see :meth:`_probabilities`)."""
        # training.decide_labels on the whole batch, the domain being the most likely hazard class:
        # scoring "risk" scores it by 1 - P(benign) (hazard against benign, all classes' evidence pooled),
        # "top" by its own probability when that beats P(benign), else 0
        probabilities, both = self._probabilities(processed)
        hazards = probabilities[:, self._hazards]
        top = hazards.argmax(axis=1)
        if self._model.scoring == "risk":
            score = 1.0 - probabilities[:, self._negative]
        else:
            top_p = hazards[np.arange(len(top)), top]
            score = np.where(top_p > probabilities[:, self._negative], top_p, 0.0)
        reached = score >= self._domain_thresholds[top]
        # the decision is taken (with the top class's threshold); the label of a flagged record is chosen apart
        domain = top.copy()
        if self._domain_terms is not None:
            for row in np.flatnonzero(reached):
                domain[row], terms = self._domain_terms.domain(hazards[row], processed[row])
                if domain[row] != top[row]:  # lineage says why the reject names another domain than its top class
                    both.setdefault(int(row), {})["domain_terms"] = terms
        results = []
        for row, scores in enumerate(lineage_scores(self._model.labels, probabilities)):
            flagged = {self._domains[domain[row]]: float(score[row])} if reached[row] else {}
            results.append(("highrisk", scores, flagged))
        return results, both


# ASCII letters lowered, digits and lowercase letters kept, every other byte (punctuation, UTF-8 bytes of
# other scripts) a space: English terms then match as whole words (" term ") in one automaton pass.
_WORD_BYTES = bytes(
    b + 32 if 65 <= b <= 90 else b if 48 <= b <= 57 or 97 <= b <= 122 else 32 for b in range(256)
)


class TermGate:
    """Which texts of a batch hold at least one domain term, in two automaton passes.

    English terms (ASCII letters and digits, spaces between words) match as whole words in any ASCII
    case, on a copy of the batch whose other bytes are spaces (so "Nerve-agent's" holds "nerve agent");
    other terms (Chinese) match anywhere in the batch's texts that are not all ASCII, with ASCII letters
    lowered. A text that holds a term in the model's sense (its preprocessed tokens) holds it here too,
    except for letters outside ASCII in other cases and HTML entities.
    """

    def __init__(self, terms: Sequence[str]):
        words, anywhere = set(), set()
        for term in terms:
            spaced = " ".join(term.lower().encode("utf-8").translate(_WORD_BYTES).decode("ascii", "replace").split())
            if term.isascii() and spaced:
                words.add(f" {spaced} ".encode())
            elif not term.isascii():
                anywhere.add(term.lower().encode("utf-8"))
        self._words = _automaton(words)
        self._anywhere = _automaton(anywhere)

    def candidates(self, texts: Sequence[str]) -> list[int]:
        """Indices (ascending) of the texts that hold a term."""
        if not texts:
            return []
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        found = set()
        if self._words is not None:
            # Two separator bytes: a whole-word match takes one space on each side, so with one byte between texts a
            # match ending one text would take the space the next text's first term starts with (leftmost-first,
            # non-overlapping: "about sarin" + "sarin here" found only the first), and a term of two words could
            # run from one text into the next. The word copy has one leading space more: a match's leading space
            # is the byte before its text.
            haystack, starts = _joined(encoded, b"\n\n")
            for _, start, _ in self._words.find_matches_as_indexes(b" " + haystack.translate(_WORD_BYTES) + b" "):
                found.add(bisect.bisect_right(starts, start) - 1)
        # every such term holds a character outside ASCII, which an all-ASCII text cannot: only the others are scanned
        wide = [i for i, text in enumerate(texts) if not text.isascii()]
        if self._anywhere is not None and wide:
            haystack, starts = _joined([encoded[i] for i in wide], b"\n")
            for _, start, _ in self._anywhere.find_matches_as_indexes(haystack.lower()):
                found.add(wide[bisect.bisect_right(starts, start) - 1])
        return sorted(found)


def _joined(encoded: Sequence[bytes], separator: bytes) -> tuple[bytes, list[int]]:
    """The texts joined by ``separator``, and where each starts."""
    starts = list(itertools.accumulate((len(e) + len(separator) for e in encoded[:-1]), initial=0))
    return separator.join(encoded), starts


def _automaton(patterns: set[bytes]):
    if not patterns:
        return None
    # One match per text is enough: leftmost-first, non-overlapping, on a DFA (the fastest scan measured here).
    return ahocorasick_rs.BytesAhoCorasick(
        sorted(patterns), matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST, implementation=ahocorasick_rs.Implementation.DFA
    )


def load_companion(model: Classifier) -> Classifier | None:
    """The model whose probabilities ``model``'s thresholds average with (its sidecar's ``averaged_with``,
    a file beside it), loaded once per process; None without one."""
    if model.averaged_with is None:
        return None
    second = load_classifier(Path(model.path).parent / model.averaged_with)
    if second.labels != model.labels or model.scoring != "risk":
        raise ContentModelError(f"{second.path}: averaged with {model.path}, needs its labels {model.labels} and scoring 'risk'")
    return second


def read_gate_terms(path: Path) -> list[str]:
    """The terms of a gate file: one per line, ``#`` comments and blank lines ignored."""
    if not path.is_file():
        raise ContentModelError(f"gate file not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def load_gate(path: str | Path, lexicon: str | Path) -> TermGate:
    """The gate of ``path``'s terms and every term of ``lexicon`` (a lexicon match must never be gated
    away), built once per process."""
    return _gate(str(resolve(path, LEXICONS_DIR)), str(resolve(lexicon, LEXICONS_DIR)))


@functools.lru_cache(maxsize=8)
def _gate(path: str, lexicon: str) -> TermGate:
    return TermGate(read_gate_terms(Path(path)) + [entry[0] for entry in load_lexicon(lexicon).entries])


def terms_of(processed: str) -> set[str]:
    """The candidate terms of one preprocessed text: words (ASCII letters/digits, 3+ characters, not a number)
    and adjacent Chinese character pairs. The gate's terms and the domain terms are such terms."""
    tokens = processed.split()
    words = {t for t in tokens if len(t) >= 3 and t.isascii() and t.isalnum() and not t.isdigit()}
    return words | {a + b for a, b in zip(tokens, tokens[1:]) if CJK_CHARACTER.fullmatch(a) and CJK_CHARACTER.fullmatch(b)}


# How much the domain terms weigh against the renormalised hazard probabilities (which sum to 1): chosen on
# the hand-written set and one half of the held-out split, reported on the other half and the second
# hand-written set (eval/highrisk_domain_eval.py, docs/classifiers.md).
DOMAIN_TERM_WEIGHT = 0.5


class DomainTerms:
    """Which domain a flagged record is about: per term, the share of each domain among the training hazards
    that hold it (add-one smoothed), averaged over the record's terms and added to the hazard classes'
    probabilities renormalised over them."""

    def __init__(self, domains: list[str], counts: dict[str, list[int]]):
        self.domains = domains
        self._shares = {term: (np.array(c) + 1.0) / (sum(c) + len(domains)) for term, c in counts.items()}

    def domain(self, hazards: np.ndarray, processed: str) -> tuple[int, list[str]]:
        """The index (into ``domains``) of the domain of a record with these hazard-class probabilities, and the
        record's terms that speak most for it (up to five)."""
        scores = hazards / hazards.sum()
        terms = [t for t in terms_of(processed) if t in self._shares]
        if terms:
            scores = scores + DOMAIN_TERM_WEIGHT * np.mean([self._shares[t] for t in terms], axis=0)
        chosen = int(np.argmax(scores))
        return chosen, sorted(terms, key=lambda t: (-self._shares[t][chosen], t))[:5]


def read_domain_terms(path: Path) -> DomainTerms:
    """A domain-terms file: a header ``term<TAB>domain…``, then a term and its count per domain on each line."""
    if not path.is_file():
        raise ContentModelError(f"domain terms file not found: {path}")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    header, *rows = (line.split("\t") for line in lines)
    return DomainTerms(header[1:], {row[0]: [int(n) for n in row[1:]] for row in rows})


def load_domain_terms(path: str | Path) -> DomainTerms:
    """The domain terms of ``path`` (relative paths resolve against the lexicons folder), read once per process."""
    return _domain_terms(str(resolve(path, LEXICONS_DIR)))


@functools.lru_cache(maxsize=4)
def _domain_terms(path: str) -> DomainTerms:
    return read_domain_terms(Path(path))

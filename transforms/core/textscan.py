"""Fast text scanning helpers shared by the rule-based content stages (classified, credentials, aigc).

A regex alternation costs tens of nanoseconds per character on every document; ``str.find`` costs
a fraction of that, and an Aho-Corasick automaton in compiled code over a whole batch less still. The
rule stages therefore first ask a :class:`BatchGate` which documents of a batch hold any of their
needles at all, look for the needles in those (:class:`Needles`) and run their patterns only on the
lines or windows around them.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from typing import Callable, Sequence, TypeVar

import ahocorasick_rs

T = TypeVar("T")


def normalise(text: str, wide: tuple[str, ...]) -> str:
    """NFKC (full-width ``ＳＥＣＲＥＴ`` → ``SECRET``) when ``text`` holds one of the ``wide`` characters.

    NFKC costs more than all the rest of a stage on CJK text, and the patterns already accept what
    it would change elsewhere: ``\\s`` matches U+3000, ``\\d`` full-width digits, ``[:：]`` both colons.
    """
    if text.isascii() or not any(c in text for c in wide):
        return text
    return unicodedata.normalize("NFKC", text)


# ASCII characters from rarest to most common in ordinary text (rough English/code frequencies).
_RARITY = (
    "`~^|\\{}<>[]_=@#$%&*+;QXZJKVqzxj9876543210WYBUGHPFOMLNDCRIETSA:kwyvbgpfmuhlcdrnitso-/!?()'\",.ae "
)
_RANK = {c: i for i, c in enumerate(_RARITY)}


class Needles:
    """A fixed set of substrings to look for, the fastest way for the text at hand.

    On ASCII text each needle is first gated on its rarest character (a one-character ``in`` is a
    ``memchr``), and only needles whose gate is present are searched for. On other text one regex
    pass wins: CJK characters rarely start a needle, so the engine skips most of the text (on
    English, a regex alternation tries every position whose letter starts a needle: slower).
    ``fold_case`` finds the needles in any letter case (lower, Title or UPPER on non-ASCII text,
    where lower-casing could shift offsets).
    """

    def __init__(self, needles: tuple[str, ...], fold_case: bool = False):
        self.needles = tuple(n.lower() for n in needles) if fold_case else tuple(needles)
        self.fold_case = fold_case
        gates: dict[str, list[str]] = {}
        for needle in self.needles:
            gates.setdefault(min(needle, key=lambda c: _RANK.get(c, -1)), []).append(needle)
        self._gates = tuple((gate, tuple(group)) for gate, group in gates.items())
        forms = {f for n in self.needles for f in ((n, n.title(), n.upper()) if fold_case else (n,))}
        # longest first, so that a needle that starts another does not hide it
        self._pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f))))

    def _candidates(self, haystack: str):
        for gate, group in self._gates:
            if gate in haystack:
                yield from group

    def present(self, text: str) -> set[str]:
        """The needles (as given, lower-cased if folding case) that occur in ``text``."""
        if text.isascii():
            haystack = text.lower() if self.fold_case else text
            return {n for n in self._candidates(haystack) if n in haystack}
        found = self._pattern.findall(text)
        return {f.lower() for f in found} if self.fold_case else set(found)

    def positions(self, text: str) -> list[int]:
        """Sorted offsets in ``text`` of every occurrence of a needle."""
        if not text.isascii():
            return [m.start() for m in self._pattern.finditer(text)]
        haystack = text.lower() if self.fold_case else text
        positions = []
        for needle in self._candidates(haystack):
            at = haystack.find(needle)
            while at >= 0:
                positions.append(at)
                at = haystack.find(needle, at + len(needle))
        return sorted(positions)


def line_bounds(text: str, i: int) -> tuple[int, int]:
    """Start and end offsets of the line holding offset ``i``."""
    end = text.find("\n", i)
    return text.rfind("\n", 0, i) + 1, len(text) if end < 0 else end


class BatchGate:
    """Which texts of a batch hold at least one of a set of needles, in one pass over the batch.

    The batch's texts are joined (UTF-8) into one haystack for one call into an Aho-Corasick automaton
    in compiled code, and the matches are mapped back to their texts. A text the gate passes over holds
    none of the needles, so a stage whose every finding starts from a needle can keep it untouched.
    ``needles`` match as given; ``any_case`` needles in any ASCII letter case (matched in a copy of the
    haystack with its ASCII letters lowercased, so offsets stay those of the UTF-8 text). They are two
    automata because the prefilter that lets an automaton skip ahead works best on rare bytes, which
    lowercasing a case-sensitive needle such as ``AKIA`` would make common.
    """

    def __init__(self, needles: Sequence[str] = (), any_case: Sequence[str] = ()):
        self._exact = _automaton({n.encode("utf-8") for n in needles})
        self._any_case = _automaton({n.encode("utf-8").lower() for n in any_case})  # bytes.lower(): ASCII only

    def candidates(self, texts: Sequence[str]) -> list[int]:
        """Indices (ascending) of the texts that hold a needle."""
        return self.candidates_encoded([t.encode("utf-8", "surrogatepass") for t in texts])

    def map(self, texts: Sequence[str], check: Callable[[str], T], default: T) -> list[T]:
        """``check(text)`` for the texts that hold a needle, ``default`` for the others."""
        out = [default] * len(texts)
        for i in self.candidates(texts):
            out[i] = check(texts[i])
        return out

    def candidates_encoded(self, encoded: Sequence[bytes]) -> list[int]:
        """:meth:`candidates` of texts already encoded as UTF-8."""
        if not encoded:
            return []
        haystack = _GATE_SEPARATOR.join(encoded)
        # Non-overlapping matches suffice: no needle spans a separator, so every text holding a needle
        # has a match of its own (the leftmost one that starts in it).
        matches = self._exact.find_matches_as_indexes(haystack) if self._exact else []
        if self._any_case:
            matches += self._any_case.find_matches_as_indexes(haystack.lower())
        if not matches:
            return []
        starts = list(itertools.accumulate((len(e) + 1 for e in encoded[:-1]), initial=0))
        return sorted({bisect.bisect_right(starts, start) - 1 for _, start, _ in matches})


def _automaton(patterns: set[bytes]) -> "ahocorasick_rs.BytesAhoCorasick | None":
    # Leftmost-first matching lets the automaton skip ahead with a vectorised prefilter (tens of times
    # faster than the standard, overlapping semantics, which cannot) while there are few needles. Past
    # that a DFA is the fastest search (~1.5 ms per MB), until its tables grow too large.
    if not patterns:
        return None
    implementation = ahocorasick_rs.Implementation.DFA if len(patterns) <= _DFA_MAX_PATTERNS else None
    return ahocorasick_rs.BytesAhoCorasick(
        sorted(patterns), matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST, implementation=implementation
    )


_GATE_SEPARATOR = b"\x00"
_DFA_MAX_PATTERNS = 5_000

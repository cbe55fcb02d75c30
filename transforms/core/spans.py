"""Spans of personal values found in a record's strings, and those values wherever else they stand in the record.

Shared by the pii stage (which replaces them in the published text, ids, urls and meta) and the rejects' previews
(:mod:`transforms.core.preview`, which replace them in the previewed text), so neither reaches into the other.
"""

from __future__ import annotations

from collections import ChainMap, Counter
from collections.abc import Mapping
from typing import NamedTuple

import ahocorasick_rs


class Span(NamedTuple):
    start: int
    end: int
    type: str
    score: float


# A value found in one of a record's strings (text, id, url, meta) is personal wherever it recurs in the record: each
# string is detected on its own, and a bare name in an ``author`` field or a number glued to an id has no context
# there (the leak audit found names replaced in the text still published in the meta). Shorter values would hit
# parts of words: ASCII needs three characters, other text two (a Chinese name).
_MIN_RECURRING = {True: 3, False: 2}


def _ascii_word(character: str) -> bool:
    """An ASCII letter or digit: what a value glued to it would be part of (CJK characters are ``isalnum`` too, and a
    Chinese name after ``hpu`` is no part of a word)."""
    return character.isascii() and character.isalnum()


def _recurrences(string: str, spans: list[Span], found: dict[str, str]) -> list[Span]:
    """``spans`` plus a span at each occurrence of a ``found`` value (value → type, longest first) not glued to an
    ASCII letter or digit; the same list when there is none. An occurrence takes the place of the finds it overlaps,
    unless one of them holds it whole or is an earlier (so no shorter) occurrence: a value found with its context
    elsewhere beats a context-free find here that cuts it (an id's digits and an address's house number read as a
    phone number, ``00104-9862`` of ``post-00104-9862 Maple Street`` or ``zh-00104-2046弄3号``, and mask mode keeps
    the number's end: the whole address was published)."""
    current, added = sorted(spans), set()
    own = Counter(string[s.start : s.end] for s in spans) if spans else {}
    for value, entity in found.items():
        if own.get(value, 0) >= string.count(value):  # every occurrence is found already (the common case)
            continue
        # one merge of the spans (sorted, by start) with the value's occurrences: a look-up of the overlapped spans per
        # occurrence made a text repeating one name 130,000 times take ten minutes
        merged, j = [], 0
        for start, end in _occurrences(string, value):
            while j < len(current) and current[j].end <= start:
                merged.append(current[j])
                j += 1
            k = j
            while k < len(current) and current[k].start < end:
                k += 1
            if any(s in added or (s.start <= start and end <= s.end) for s in current[j:k]):
                continue  # those spans stay; the next occurrence's merge moves them on
            span = Span(start, end, entity, 0.5)
            merged.append(span)
            added.add(span)
            j = k
        current = merged + current[j:]
    return current if added else spans


def _occurrences(string: str, value: str) -> list[tuple[int, int]]:
    """(start, end) of each occurrence of ``value`` in ``string`` not glued to an ASCII letter or digit, in order."""
    found = []
    start = string.find(value)
    while start >= 0:
        end = start + len(value)
        glued = (start and _ascii_word(string[start - 1]) and _ascii_word(value[0])) or (
            end < len(string) and _ascii_word(string[end]) and _ascii_word(value[-1])
        )
        if not glued:
            found.append((start, end))
        start = string.find(value, end if not glued else start + 1)
    return found


def _counts(haystack: str, values: list[str]) -> Mapping[str, int]:
    """How often each value stands in ``haystack`` (overlapping occurrences too, past a few values): a count per value
    over a long text grew with their product (a phone book of 20,000 numbers: 4.5 s), one automaton pass does not."""
    if len(values) <= 32:
        return {v: haystack.count(v) for v in values}
    automaton = ahocorasick_rs.AhoCorasick(values)
    return Counter(values[i] for i, _, _ in automaton.find_matches_as_indexes(haystack, overlapping=True))


def with_recurrences(
    text: str | None, spans: list[Span], strings: list[str], spans_of: Mapping[str, list[Span]]
) -> tuple[list[Span], Mapping[str, list[Span]]]:
    """A record's text spans and the spans of its meta ``strings`` (``spans_of``: each string's), each value found in
    one of its strings found in all of them. The same objects when no found value stands anywhere else."""
    found: dict[str, str] = {}
    times: Counter = Counter()
    for string, string_spans in ((text, spans), *((value, spans_of[value]) for value in strings)):
        for s in string_spans:
            value = string[s.start : s.end]
            found.setdefault(value, s.type)
            times[value] += 1
    # a value that stands nowhere but where it was found (the common case) needs nothing more; longest first:
    # "Jens Kreutzmann" is replaced whole where "Jens" was found too
    candidates = [v for v in sorted(found, key=len, reverse=True) if len(v.strip()) >= _MIN_RECURRING[v.isascii()]]
    standing = _counts("\x00".join([text or "", *strings]), candidates)
    found = {v: found[v] for v in candidates if standing[v] > times[v]}
    if not found:
        return spans, spans_of
    more = {value: added for value in strings
            if (added := _recurrences(value, spans_of[value], found)) is not spans_of[value]}  # fmt: skip
    return _recurrences(text, spans, found) if text else spans, ChainMap(more, spans_of) if more else spans_of

"""Per-document statistics of the literature quality rules, computed a batch at a time.

Tokens are whitespace-separated words, except in Chinese, Japanese and Korean text (by the record's
``lang``, or by script when ``lang`` is unset), where every non-space character is a token: the
"Chinese counterparts" of the word-based rules count characters.

The batch is read once: :class:`BatchText` holds all texts as one array of code points (documents
separated by a newline), finds the whitespace-separated runs and the lines in it with numpy, and
hashes any run, line or paragraph from one polynomial prefix hash. Words, lines, paragraphs, their
lengths, first and last characters and repeats are then array lookups, not per-string Python work.

Gopher repetition (Rae et al. 2021, as in datatrove's ``GopherRepetitionFilter``) is computed with
numpy over the whole batch: token hashes salted per document, rolling n-gram hashes, one hash-table
pass per n, and each n ≥ 3 only looks at the positions whose (n-1)-gram repeats (a repeated n-gram's
prefix repeats too), so the passes after the first are small. ``tests/quality`` checks every
statistic against a per-text count with Python's string methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_P = 0x100000001B3  # odd, so invertible modulo 2**64: the polynomial hash of a segment is position-free
CJK_LANGS = frozenset({"zh", "ja", "ko", "yue", "wuu"})

BULLETS = ("•", "●", "○", "■", "□", "▪", "▫", "◦", "‣", "⁃", "- ", "* ", "·", "➢", "►", "–")
ELLIPSIS = ("...", "…", "。。。")
TERMINAL = (".", "!", "?", '"', "'", "”", "’", "。", "！", "？", "…", "」", "』", "；", ")", "）", "～")
_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LOREM = re.compile(r"lorem ipsum", re.I)
BOILERPLATE = ("javascript", "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
"""C4's line filters: a line naming any of these (lower-cased) is boilerplate."""
TEMPLATE_RESIDUE = re.compile(
    r"\{[^{}\n|]{1,80}(?:\|[^{}\n|]{0,80})+\}"  # spintax {soon|from June 10}
    r"|\{\{\s*[\w.\-]+\s*\}\}|\$\{\s*[\w.\-]+\s*\}"  # {{name}}  ${name}
    r"|%\(\w+\)[sd]|<%=?[^%\n]{0,60}%>|\[\[\s*[\w.\-]+\s*\]\]"  # %(name)s  <%= x %>  [[name]]
    r"|\{%\s*\w+[^%\n]{0,60}%\}"  # {% if x %}
)
"""Unexpanded template or markup placeholders: text a generator or CMS should have filled in."""
_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]{0,200})?/?>|&[a-zA-Z]{2,8};")
_SPACE_TABLE = np.zeros(0x3002, bool)  # str.split()'s whitespace up to U+3000; the last entry stands for everything above
_SPACE_TABLE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]] = True
_SPACE_TABLE[0x2000:0x200B] = True
MOJIBAKE_LEAD = "\u00c2-\u00ef"
MOJIBAKE_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022"
    "\u2026\u2030\u2039\u203a\u20ac\u2122"
)
"""A UTF-8 lead byte (U+00C2–U+00EF read as Latin-1) followed by a continuation byte (U+0080–U+00BF, or
the CP1252 characters that stand for bytes 0x80–0x9F): text decoded with the wrong codec."""
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
"""C0/C1 control characters other than tab, newline and carriage return."""


def _char_class(spec: str) -> np.ndarray:
    """The code points of a regex character class body (single characters and ``a-b`` ranges)."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out += range(ord(spec[i]), ord(spec[i + 2]) + 1)
            i += 3
        else:
            out.append(ord(spec[i]))
            i += 1
    return np.array(sorted(out), np.uint32)


_CONTINUATION = _char_class(MOJIBAKE_CONTINUATION)
_LEAD_LO, _LEAD_HI = ord(MOJIBAKE_LEAD[0]), ord(MOJIBAKE_LEAD[-1])


def _is_letter(cp: np.ndarray) -> np.ndarray:
    """Letters (any script) among code points: ASCII letters, and everything from U+00C0 up except
    punctuation, symbol and emoji blocks and the multiplication and division signs."""
    ascii_letter = ((cp | 0x20) >= 0x61) & ((cp | 0x20) <= 0x7A)
    other = (
        (cp >= 0xC0) & ~((cp >= 0x2000) & (cp < 0x2C00)) & ~((cp >= 0x3000) & (cp < 0x3040))
        & ~((cp >= 0xFF00) & (cp < 0xFF10)) & ~((cp >= 0xFF1A) & (cp < 0xFF21)) & (cp < 0x1F000) & (cp != 0xD7) & (cp != 0xF7)
    ) | ((cp >= 0xAA) & (cp <= 0xBA) & ((cp == 0xAA) | (cp == 0xB5) | (cp == 0xBA)))
    return ascii_letter | other


def _is_word_letter(cp: np.ndarray) -> np.ndarray:
    """Letters in words of alphabetic text: ASCII letters, U+00C0–U+1FFF and U+3040–U+FFFF (scripts'
    blocks); not Latin-1 signs, general punctuation and symbols (U+2000–U+2FFF), CJK punctuation
    (U+3000–U+303F) or characters beyond the Basic Multilingual Plane (emoji)."""
    cp = cp.astype(np.uint32, copy=False)
    return ((cp | 0x20) - 0x61 < 26) | (cp - 0xC0 < 0x2000 - 0xC0) | (cp - 0x3040 < 0x10000 - 0x3040)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads a polynomial hash over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M2
    x = x ^ (x >> np.uint64(27))
    x = x * _M3
    return x ^ (x >> np.uint64(31))


_POWERS: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]
_POWERS_KEPT = 1 << 22  # characters: batches up to this size reuse the tables (64 MB); larger ones compute their own


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**64 for i < n."""
    if len(_POWERS[0]) >= n:
        return _POWERS[0][:n], _POWERS[1][:n]
    size = 1 << (n - 1).bit_length() if n <= _POWERS_KEPT else n
    tables = [np.cumprod(np.r_[np.uint64(1), np.full(size - 1, base, np.uint64)], dtype=np.uint64)
              for base in (_P, pow(_P, -1, 2**64))]  # fmt: skip
    if size <= _POWERS_KEPT:
        _POWERS[:] = tables
    return tables[0][:n], tables[1][:n]


def per_doc_sum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums of consecutive groups of ``values`` of sizes ``counts`` (empty groups sum to 0)."""
    cs = np.zeros(len(values) + 1, np.float64 if values.dtype.kind == "f" else np.int64)
    np.cumsum(values, out=cs[1:])
    bounds = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=bounds[1:])
    return cs[bounds[1:]] - cs[bounds[:-1]]


@dataclass
class Tokens:
    """The tokens of some documents of a batch, flat in document order."""

    docs: np.ndarray  # the documents' indices in the batch
    hashes: np.ndarray  # uint64, equal for equal tokens
    lengths: np.ndarray  # characters
    counts: np.ndarray  # tokens per document
    letters: np.ndarray  # bool: the token has a letter


class BatchText:
    """A batch's texts as one array of code points, each text followed by a newline.

    ``starts[i]`` is where text ``i`` begins (``starts[n]`` is the end); ``run_start``/``run_end``
    delimit the whitespace-separated runs (``str.split()``'s words), ``doc_runs[i]:doc_runs[i + 1]``
    are text ``i``'s. Separating the texts with a newline keeps every run and line inside its text.
    """

    def __init__(self, texts: Sequence[str]):
        n = len(texts)
        lengths = np.fromiter(map(len, texts), np.int64, n)
        self.starts = np.zeros(n + 1, np.int64)
        np.cumsum(lengths + 1, out=self.starts[1:])
        self.cp = np.frombuffer(("\n".join(texts) + "\n").encode("utf-32-le", "surrogatepass"), np.uint32)
        solid = ~np.take(_SPACE_TABLE, self.cp, mode="clip")
        edges = np.flatnonzero(solid[1:] != solid[:-1]) + 1
        if len(solid) and solid[0]:
            edges = np.r_[0, edges]
        self.run_start, self.run_end = edges[0::2], edges[1::2]  # the text ends with a newline: every run closes
        self.doc_runs = np.searchsorted(self.run_start, self.starts)
        self._prefix: np.ndarray | None = None
        self._inverse = np.zeros(0, np.uint64)
        self._newlines: np.ndarray | None = None

    def segment_hashes(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """A 64-bit hash of each segment ``[start, end)``, equal for equal contents wherever they are."""
        if self._prefix is None:
            powers, self._inverse = _powers(len(self.cp))
            self._prefix = np.zeros(len(self.cp) + 1, np.uint64)
            terms = self.cp.astype(np.uint64)
            terms += np.uint64(1)
            terms *= powers
            np.cumsum(terms, out=self._prefix[1:])
        poly = (self._prefix[end] - self._prefix[start]) * self._inverse[start]
        return _mix(poly ^ (end - start).astype(np.uint64) * _M1)

    def runs_of(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(run starts, run ends, runs per document) of the documents ``docs``."""
        first, last = self.doc_runs[docs], self.doc_runs[docs + 1]
        counts = last - first
        if len(docs) == len(self.starts) - 1:
            return self.run_start, self.run_end, counts
        idx = _ranges(first, counts)
        return self.run_start[idx], self.run_end[idx], counts

    def words(self, docs: np.ndarray) -> Tokens:
        """The whitespace-separated words of the documents ``docs``."""
        start, end, counts = self.runs_of(docs)
        lengths = end - start
        letters = _is_word_letter(self.cp[start])  # most words start with a letter; look further into the others
        others = np.flatnonzero(~letters)
        if len(others):
            spans = lengths[others] - 1
            inside = _is_word_letter(self.cp[_ranges(start[others] + 1, spans)])
            letters[others] = per_doc_sum(inside, spans) > 0
        return Tokens(docs, self.segment_hashes(start, end), lengths, counts, letters)

    def characters(self, docs: np.ndarray) -> Tokens:
        """Every non-space character of the documents ``docs``, each a token."""
        start, end, runs = self.runs_of(docs)
        cp = self.cp[_ranges(start, end - start)]
        return Tokens(docs, cp.astype(np.uint64) * _M1, np.ones(len(cp), np.int64),
                      per_doc_sum(end - start, runs).astype(np.int64), _is_letter(cp))  # fmt: skip

    def stripped(self, seg_start: np.ndarray, seg_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For segments that hold a run: (which segments, start and end of their content without the
        surrounding whitespace) — ``str.strip()`` without building the strings."""
        first = np.searchsorted(self.run_start, seg_start)
        last = np.searchsorted(self.run_start, seg_end)
        full = np.flatnonzero(last > first)
        return full, self.run_start[first[full]], self.run_end[last[full] - 1]

    def newlines(self) -> np.ndarray:
        """Positions of every newline, the texts' separators included."""
        if self._newlines is None:
            self._newlines = np.flatnonzero(self.cp == 10)
        return self._newlines

    def lines(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text, start, end) of every non-empty line (``text.split("\\n")``, stripped), in order."""
        newline = self.newlines()
        _, start, end = self.stripped(np.r_[0, newline[:-1] + 1], newline)
        return self.owner(start), start, end

    def paragraphs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text, start, end) of every non-empty paragraph (``text.split("\\n\\n")``, stripped): pieces
        between runs of two or more newlines (and the texts' ends)."""
        newline = self.newlines()
        adjacent = np.diff(newline) == 1
        breaks = np.r_[adjacent, False] | np.r_[False, adjacent]
        breaks[np.searchsorted(newline, self.starts[1:] - 1)] = True  # the separators
        breaks = newline[breaks]
        _, start, end = self.stripped(np.r_[0, breaks[:-1] + 1], breaks)
        return self.owner(start), start, end

    def owner(self, positions: np.ndarray) -> np.ndarray:
        """The text each position is in."""
        return np.searchsorted(self.starts, positions, side="right") - 1

    def per_doc_count(self, positions: np.ndarray) -> np.ndarray:
        """How many of the (sorted) ``positions`` fall in each text."""
        return np.diff(np.searchsorted(positions, self.starts))

    def character_checks(self) -> dict[str, np.ndarray]:
        """Per text: U+FFFD characters, control characters and mojibake pairs (see :data:`MOJIBAKE_CONTINUATION`)."""
        cp = self.cp
        replacement = np.flatnonzero(cp == 0xFFFD)
        low = np.flatnonzero(cp < 32)
        low = low[_char_in(cp[low], _char_class(CONTROL))]
        high = np.flatnonzero(cp - np.uint32(0x7F) < 0x21)  # U+007F–U+009F
        lead = np.flatnonzero(cp - np.uint32(_LEAD_LO) <= _LEAD_HI - _LEAD_LO)
        lead = lead[_char_in(cp[np.minimum(lead + 1, len(cp) - 1)], _CONTINUATION)]
        return {"replacement_chars": self.per_doc_count(replacement), "control_chars": self.per_doc_count(np.union1d(low, high)),
                "mojibake_pairs": self.per_doc_count(lead)}  # fmt: skip


def _char_in(cp: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Per code point: is it one of the sorted ``chars``."""
    at = np.minimum(np.searchsorted(chars, cp), len(chars) - 1)
    return chars[at] == cp


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])`` without the loop."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64)
    keep = counts > 0
    starts, counts = starts[keep], counts[keep]
    step = np.ones(total, np.int64)
    heads = np.zeros(len(counts), np.int64)
    np.cumsum(counts[:-1], out=heads[1:])
    step[heads] = starts - np.r_[0, starts[:-1] + counts[:-1] - 1]
    return np.cumsum(step)


def cjk_documents(texts: Sequence[str], langs: Sequence[str | None], share: float = 0.3) -> np.ndarray:
    """True where the text is Chinese, Japanese or Korean: by ``lang``, else by script."""
    out = np.zeros(len(texts), bool)
    for i, (lang, text) in enumerate(zip(langs, texts)):
        if lang:
            out[i] = lang.split("-")[0].lower() in CJK_LANGS
        elif not text.isascii():
            sample = text[:400]
            out[i] = len(_CJK_CHAR.findall(sample)) >= share * max(1, len(sample) - sample.count(" "))
    return out


def tokens(texts: Sequence[str], cjk: np.ndarray) -> tuple[Tokens, Tokens]:
    """(words of the texts that are not CJK, characters of the CJK ones)."""
    text = BatchText(texts)
    return text.words(np.flatnonzero(~cjk)), text.characters(np.flatnonzero(cjk))


def token_hashes(words: Sequence[str]) -> np.ndarray:
    """The hashes :func:`tokens` gives these words (CJK characters count as one-character words)."""
    single = [len(w) == 1 and bool(_CJK_CHAR.match(w)) for w in words]
    text = BatchText(words)
    hashed = text.segment_hashes(text.starts[:-1], text.starts[1:] - 1)  # the whole word: one with a space matches nothing
    chars = np.array([ord(w) if one else 0 for w, one in zip(words, single)], np.uint64) * _M1
    return np.where(single, chars, hashed)


def ngram_stats(h, lengths, counts, top: Sequence[int], dup: Sequence[int]) -> dict[str, np.ndarray]:
    """Per document: share of characters in the most frequent n-gram for n in ``top`` (when it occurs
    at least twice) and in repeated n-grams for n in ``dup`` (each character counted once)."""
    n_docs = len(counts)
    out = {f"top_{n}gram": np.zeros(n_docs) for n in top} | {f"dup_{n}gram": np.zeros(n_docs) for n in dup}
    wanted = set(top) | set(dup)
    if not len(h) or not wanted:
        return out
    longest = max(wanted)
    # tokens salted per document, each document followed by a separator token of its own and the
    # batch by `longest` more: an n-gram across a document's end is unique, so it never repeats
    doc_start = np.zeros(n_docs + 1, np.int64)
    np.cumsum(counts + 1, out=doc_start[1:])
    at = np.arange(len(h)) + np.repeat(np.arange(n_docs), counts)
    sep = np.arange(1, n_docs + longest + 1, dtype=np.uint64) * _M2 ^ _M1
    salted = np.empty(int(doc_start[-1]) + longest, np.uint64)
    salted[doc_start[1:] - 1] = sep[:n_docs]
    salted[int(doc_start[-1]):] = sep[n_docs:]
    salted[at] = h ^ np.repeat(np.arange(n_docs, dtype=np.uint64) * _M2 + _M1, counts)
    csum = np.zeros(len(salted) + 1, np.int64)
    chars = np.zeros(len(salted), np.int64)
    chars[at] = lengths
    np.cumsum(chars, out=csum[1:])
    total = np.maximum(csum[doc_start[1:]] - csum[doc_start[:-1]], 1)
    pos = np.arange(int(doc_start[-1]))
    g = salted[pos]
    for n in range(2, longest + 1):
        g = g * _M1 + salted[pos + n - 1]
        if n not in wanted:  # a repeated n-gram has a repeated (n-1)-gram: prune only where a figure is wanted
            continue
        bounds = np.searchsorted(pos, doc_start)
        c = _occurrences(g, bounds)
        rep = c >= 2
        pos, g, c = pos[rep], g[rep], c[rep]
        if not len(pos):
            break
        bounds = np.searchsorted(pos, doc_start)
        if n in top:
            has = np.flatnonzero(bounds[1:] > bounds[:-1])
            out[f"top_{n}gram"][has] = np.maximum.reduceat((csum[pos + n] - csum[pos]) * c, bounds[has]) / total[has]
        if n in dup:  # union of [p, p + n) over the (sorted) starts of repeated n-grams, never past the document
            stop = np.minimum(pos + n, np.r_[pos[1:], np.iinfo(np.int64).max])
            covered = np.zeros(len(pos) + 1, np.int64)
            np.cumsum(csum[stop] - csum[pos], out=covered[1:])
            out[f"dup_{n}gram"] = (covered[bounds[1:]] - covered[bounds[:-1]]) / total
    return out


_CHUNK = 1 << 15  # values per hash table: a table that fits in the CPU cache is 2-3× faster than one big table


def _occurrences(keys: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Per value: how often it occurs, counted in chunks of whole documents (``bounds``: each document's
    first value) — the keys are salted per document, so equal keys are always in the same document."""
    out = np.empty(len(keys), np.int64)
    cuts = np.unique(np.r_[bounds[np.searchsorted(bounds, np.arange(0, len(keys), _CHUNK), side="right") - 1], len(keys)])
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        codes, _ = pd.factorize(keys[a:b])
        out[a:b] = np.bincount(codes)[codes]
    return out


def _dup_share(keys, lengths, owner, n_docs):
    """Per document: share of items repeating an earlier item of the same document, and of their characters."""
    codes, _ = pd.factorize(keys ^ (owner.astype(np.uint64) * _M2))
    dup = np.zeros(len(codes), bool)  # codes are numbered in order of first appearance: a repeat is not above all before it
    dup[1:] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    items = np.maximum(np.bincount(owner, minlength=n_docs), 1)
    chars = np.maximum(np.bincount(owner, weights=lengths, minlength=n_docs), 1)
    return (np.bincount(owner, weights=dup, minlength=n_docs) / items,
            np.bincount(owner, weights=lengths * dup, minlength=n_docs) / chars)


def _repeats(text: BatchText, owner, start, end, n_docs) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_dup_share` of the segments, hashed only in the texts that have two or more."""
    several = np.bincount(owner, minlength=n_docs)[owner] > 1
    if not several.any():
        return np.zeros(n_docs), np.zeros(n_docs)
    start, end = start[several], end[several]
    return _dup_share(text.segment_hashes(start, end), end - start, owner[several], n_docs)


def _ends_with(cp: np.ndarray, start: np.ndarray, end: np.ndarray, suffixes: Sequence[str]) -> np.ndarray:
    """Per segment ``[start, end)`` of ``cp``: does it end with one of ``suffixes``."""
    out = np.zeros(len(start), bool)
    for suffix in suffixes:
        k = len(suffix)
        hit = (end - start) >= k
        for j, ch in enumerate(suffix):
            hit &= cp[np.maximum(end - k + j, 0)] == ord(ch)
        out |= hit
    return out


def _starts_with(cp: np.ndarray, start: np.ndarray, end: np.ndarray, prefixes: Sequence[str]) -> np.ndarray:
    """Per segment ``[start, end)`` of ``cp``: does it start with one of ``prefixes``."""
    out = np.zeros(len(start), bool)
    for prefix in prefixes:
        hit = (end - start) >= len(prefix)
        for j, ch in enumerate(prefix):
            hit &= cp[np.minimum(start + j, len(cp) - 1)] == ord(ch)
        out |= hit
    return out


def line_stats(text: BatchText, texts: Sequence[str], cjk: np.ndarray, short_line: int, short_line_cjk: int) -> dict[str, np.ndarray]:
    n = len(texts)
    owner, start, end = text.lines()
    k = np.bincount(owner, minlength=n)
    kk = np.maximum(k, 1)

    def share(flags) -> np.ndarray:
        return np.bincount(owner, weights=flags, minlength=n) / kk

    cp = text.cp
    s = {"lines": k.astype(float)}
    s["bullet_lines"] = share(_starts_with(cp, start, end, BULLETS))
    s["ellipsis_lines"] = share(_ends_with(cp, start, end, ELLIPSIS))
    s["terminal_punct_lines"] = share(_ends_with(cp, start, end, TERMINAL))
    s["short_lines"] = share(end - start < np.where(cjk, short_line_cjk, short_line)[owner])
    s["dup_lines"], s["dup_line_chars"] = _repeats(text, owner, start, end, n)
    s["dup_paragraphs"], s["dup_paragraph_chars"] = _repeats(text, *text.paragraphs(), n)
    boiler = np.zeros(n)
    for i, t in enumerate(texts):
        if _may_have_boilerplate(t):
            boiler[i] = sum(map(is_boilerplate, t.split("\n")))
    s["boilerplate_lines"] = boiler / kk
    s["boilerplate_line_count"] = boiler
    s["newlines"] = (text.per_doc_count(text.newlines()) - 1).astype(float)
    return s


def _may_have_boilerplate(text: str) -> bool:
    """A cheap pre-check for :func:`is_boilerplate` on a whole text (a case-insensitive regex is 10× slower)."""
    lower = text.lower()
    return "javascript" in lower or "cookie" in lower or "policy" in lower or "terms of" in lower


def is_boilerplate(line: str) -> bool:
    """A C4 boilerplate line: it names javascript, cookies, a privacy policy or terms of use."""
    if not line.strip():
        return False
    lower = line.lower()
    return any(k in lower for k in BOILERPLATE)


def compute(
    texts: Sequence[str],
    langs: Sequence[str | None],
    *,
    stop_words: Mapping[str, Sequence[str]],
    top: Sequence[int],
    dup: Sequence[int],
    top_cjk: Sequence[int],
    dup_cjk: Sequence[int],
    short_line: int = 30,
    short_line_cjk: int = 12,
) -> dict[str, np.ndarray]:
    """Every statistic the rules read, one array per statistic (one value per text)."""
    n = len(texts)
    cjk = cjk_documents(texts, langs)
    text = BatchText(texts)
    groups = [(text.words(np.flatnonzero(~cjk)), top, dup), (text.characters(np.flatnonzero(cjk)), top_cjk, dup_cjk)]
    s: dict[str, np.ndarray] = {"cjk": cjk, "words": np.zeros(n), "chars": np.zeros(n), "alpha_words": np.ones(n)}
    for tok, _, _ in groups:
        s["words"][tok.docs] = tok.counts
        s["chars"][tok.docs] = per_doc_sum(tok.lengths, tok.counts)  # non-space characters
    per_word = np.maximum(s["words"], 1)
    s["mean_word_length"] = s["chars"] / per_word
    # stop words: counted per language, only for languages with a list (else NaN: not judged)
    stop = np.full(n, np.nan)
    norm = {lang: (lang or "").split("-")[0].lower() for lang in set(langs)}
    keyed = [norm[lang] for lang in langs]
    for lang, words_list in stop_words.items():
        wanted = np.array([k == lang or (not k and lang == ("zh" if cjk[i] else "en")) for i, k in enumerate(keyed)], bool)
        if not wanted.any():
            continue
        hashes = token_hashes(list(words_list))
        for tok, _, _ in groups:
            if wanted[tok.docs].any():
                hits = per_doc_sum(np.isin(tok.hashes, hashes), tok.counts)
                stop[tok.docs[wanted[tok.docs]]] = hits[wanted[tok.docs]]
    s["stop_words"] = stop
    s["symbol_ratio"] = np.fromiter((t.count("#") + t.count("...") + t.count("…") for t in texts), np.int64, n) / per_word
    for tok, top_n, dup_n in groups:
        s["alpha_words"][tok.docs] = 1 - per_doc_sum(~tok.letters, tok.counts) / np.maximum(tok.counts, 1)
        for key, values in ngram_stats(tok.hashes, tok.lengths, tok.counts, top_n, dup_n).items():
            s.setdefault(key, np.zeros(n))[tok.docs] = values
    for key in [f"top_{k}gram" for k in (*top, *top_cjk)] + [f"dup_{k}gram" for k in (*dup, *dup_cjk)]:
        s.setdefault(key, np.zeros(n))
    s.update(line_stats(text, texts, cjk, short_line, short_line_cjk))
    s["newlines_per_word"] = s.pop("newlines") / per_word
    s.update(text.character_checks())
    s["curly_brackets"] = np.fromiter(("{" in t for t in texts), bool, n).astype(float)
    s["lorem_ipsum"] = np.fromiter((("orem" in t or "OREM" in t) and bool(_LOREM.search(t)) for t in texts), bool, n).astype(float)
    s["template_residue"] = np.fromiter(
        (len(TEMPLATE_RESIDUE.findall(t)) if ("{" in t or "%" in t or "[[" in t) else 0 for t in texts), np.int64, n
    ).astype(float)
    s["markup_share"] = np.fromiter(
        (sum(map(len, _MARKUP.findall(t))) / max(len(t), 1) if ("<" in t or "&" in t) else 0.0 for t in texts), float, n
    )
    return s

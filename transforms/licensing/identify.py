"""Find licence statements inside documents: SPDX tags, licence texts, Creative Commons and rights notices.

Licence texts are identified against a compact fingerprint index of the SPDX licence list
(``data/spdx_fingerprints.npz``, built by ``eval/build_license_index.py``): each licence is
the set of 32-bit hashes of its normalised word 5-grams. A document is scored against every licence
by an IDF-weighted Otsuka–Ochiai coefficient ``w(D∩L) / sqrt(w(D)·w(L))`` over those sets (boilerplate
shared by many licences weighs little, distinguishing clauses much), which stays high for the right
licence whether the document is the whole text, a truncated one, or a README that embeds it. Near
ties go to the common licences (:data:`COMMON_LICENSES`). Copyright lines and the parties named in
disclaimers are replaceable (one :data:`HOLDER` token on both sides), and a bundle's licences are
reported in document order.
Licences whose texts the index cannot tell apart (GPL-2.0-only / GPL-2.0-or-later, …) form one
*group*; a match reports the group and callers treat it at family level.

Only documents with licence-like vocabulary (:func:`has_license_vocabulary`) reach the matchers.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable
from pathlib import Path

import ahocorasick_rs
import numpy as np

DATA_DIR = Path(__file__).parent / "data"
INDEX_PATH = DATA_DIR / "spdx_fingerprints.npz"
SHINGLE = 5
ALL_RIGHTS_RESERVED = "LicenseRef-All-Rights-Reserved"
"""The licence id findings use for "all rights reserved" / 版权所有 / 禁止转载 notices."""

# Spelling variants the SPDX matching guidelines treat as equivalent (guideline 8), folded before hashing.
_EQUIVALENT_WORDS = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "licencing": "licensing",
    "authorisation": "authorization",
    "organisation": "organization",
    "copyrightholder": "copyright holder",
}
COMMON_LICENSES = frozenset(
    """MIT Apache-2.0 BSD-2-Clause BSD-3-Clause ISC Unlicense CC0-1.0 Zlib BSL-1.0 MPL-2.0 EPL-2.0
    GPL-2.0-only GPL-3.0-only LGPL-2.1-only LGPL-3.0-only AGPL-3.0-only PSF-2.0 Python-2.0 Artistic-2.0 OFL-1.1
    CC-BY-4.0 CC-BY-SA-4.0 CC-BY-NC-4.0 CC-BY-ND-4.0 CC-BY-NC-SA-4.0 CC-BY-NC-ND-4.0 WTFPL""".split()
)
"""The licences most real files carry (choosealicense.com's list and the Python/Rust ecosystems)."""
COMMON_PRIOR = 1.08
_TOKEN = re.compile(r"[a-z0-9]+")
_P = np.uint64(1_000_003)


HOLDER = "zzholder"
"""The token that stands for a replaceable part: a copyright line, the party named in a disclaimer."""
# SPDX templates mark holder names, years and the party of disclaimers as replaceable; real files fill them in
# ("IN NO EVENT SHALL NOMINUM BE LIABLE" where the ISC text says "ISC"). Both the index and the documents put
# HOLDER there, so licences are told apart by the words that actually differ. Spans stop at ; and : and are
# short, so a missing "be liable" cannot swallow a clause.
_COPYRIGHT_LINE = re.compile(
    r"^[ \t#*/>\-]*(?:copyright\s*(?:\(c\)|©)|copyright\s+(?=[\d<\[{]|yyyy|year)|\(c\)\s*(?=\d)|©)"
    r"[^\n]{0,120}?(?=\s(?:permission|redistribution|all\s+rights\s+reserved|licensed|this\s+(?:program|software|library))|$)",
    re.MULTILINE,
)
_PARTY = r"[^;:]{1,100}?"
# Forward anchors, not look-behinds: the scan then costs a first-character test per position.
_DISCLAIMER_PARTY = re.compile(
    rf"(in\s+no\s+event\s+shall\s+){_PARTY}(?=\s+be\s+liable)"
    rf"|(provided\s+by\s+){_PARTY}(?=\W+as\s+is\W)"
    rf"|(as\s+is\W+and\s+){_PARTY}(?=\s+disclaims?\b)"
    rf"|(neither\s+the\s+name\s+of\s+){_PARTY}(?=\s+nor\s+the\s+names)"
)


def _holder(match: re.Match) -> str:
    return next(g for g in match.groups() if g) + f" {HOLDER} "


def normalise_tokens(text: str) -> list[str]:
    """Lower-case word tokens: punctuation, markdown, whitespace, BOMs and single letters (list markers, "(c)") dropped.

    Copyright lines and the parties named in standard disclaimers become one :data:`HOLDER` token.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _COPYRIGHT_LINE.sub(f" {HOLDER} ", text)
    text = _DISCLAIMER_PARTY.sub(_holder, text)
    tokens = []
    for token in _TOKEN.findall(text):
        if len(token) == 1 and not token.isdigit():
            continue
        if token == HOLDER and tokens and tokens[-1] == HOLDER:  # several copyright lines: one replaceable part
            continue
        tokens.extend(_EQUIVALENT_WORDS.get(token, token).split())
    return tokens


@lru_cache(maxsize=200_000)
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode())


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """Sorted unique uint32 hashes of the word 5-grams of ``tokens``."""
    return shingles_with_positions(tokens)[0]


def shingles_with_positions(tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique uint32 shingle hashes and the token position where each first occurs."""
    return np.unique(ordered_shingles(tokens), return_index=True)


def ordered_shingles(tokens: list[str]) -> np.ndarray:
    """uint32 hash of the word 5-gram starting at every token position, in document order."""
    if len(tokens) < SHINGLE:
        return np.zeros(0, dtype=np.uint32)
    th = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    n = len(tokens) - SHINGLE + 1
    h = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):  # polynomial rolling combination; uint64 wraps, then fold to 32 bits
        h = h * _P + th[k : k + n]
    return ((h >> np.uint64(32)) ^ h).astype(np.uint32)


MODIFIED_PREFIX = "LicenseRef-modified-"
"""A licence text with words added or changed inside it is reported as ``LicenseRef-modified-<base id>``."""
EXACT_SCORE = 0.99
"""A match this close is the text itself: no common-licence prior overrules it (Pixar is not Apache-2.0)."""
_FLANK = 20  # shingles on each side of a gap that must be mostly the licence for the gap to lie inside it
_MIN_FLANK = 5  # fewer (a gap right at the start or end of the text) and the gap is not inside
_MIN_RUN = 12  # consecutive new words for a gap to count as an edit (a cluster of dropped words makes shorter gaps)


def inserted_words(explained: np.ndarray, repeated: np.ndarray | None = None, notice: np.ndarray | None = None) -> int:
    """Words added or changed *inside* a licence block, from which document shingles the licence explains.

    A gap of unexplained shingles flanked on both sides by licence text is an edit: deleting words leaves a
    gap of ``SHINGLE - 1`` shingles whatever their number, adding or replacing ``k`` consecutive words a gap
    of ``SHINGLE - 1 + k``. Only gaps of at least :data:`_MIN_RUN` new words count, so dropped words (even
    two close together), reflowed lines, markdown and replaced copyright lines (one placeholder on both
    sides) count 0. A README around the licence is not flanked on both sides, and a gap followed by text
    the document already had (``repeated``: a second copy of the same licence in a bundle) is not an edit,
    nor is a gap holding a copyright statement that is not at a line start (``notice``: the shingle starts
    a run with "copyright" and a year; a line-initial one is already the placeholder).
    """
    n = len(explained)
    if n == 0 or explained.all():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate(([1], explained.astype(np.int8), [1]))))
    starts, ends = edges[0::2], edges[1::2]  # gaps [start, end)
    cumulative = np.concatenate(([0], np.cumsum(explained)))
    left_span = np.minimum(starts, _FLANK)
    right_span = np.minimum(n - ends, _FLANK)
    left = cumulative[starts] - cumulative[starts - left_span]
    right = cumulative[ends + right_span] - cumulative[ends]
    inside = (left_span >= _MIN_FLANK) & (right_span >= _MIN_FLANK) & (left >= 0.8 * left_span) & (right >= 0.8 * right_span)
    if repeated is not None:
        again = np.concatenate(([0], np.cumsum(repeated & explained)))
        inside &= (again[ends + right_span] - again[ends]) < 0.5 * np.maximum(right, 1)
    if notice is not None:
        noted = np.concatenate(([0], np.cumsum(notice)))
        inside &= noted[ends] == noted[starts]
    new_words = ends - starts - (SHINGLE - 1)
    return int(new_words[inside & (new_words >= _MIN_RUN)].sum())


_YEAR = re.compile(r"(?:19|20)\d\d")


def copyright_statements(tokens: list[str]) -> np.ndarray:
    """Per shingle position: whether a "copyright" token followed within 6 tokens by a year starts there."""
    n = len(tokens) - SHINGLE + 1
    out = np.zeros(max(n, 0), dtype=bool)
    for k, token in enumerate(tokens):
        if token == "copyright" and any(_YEAR.fullmatch(t) for t in tokens[k + 1 : k + 7]):
            out[max(0, k - SHINGLE + 1) : min(n, k + 1)] = True
    return out


@dataclass(frozen=True)
class TextMatch:
    license: str  # best id of the group
    group: tuple[str, ...]  # ids the text cannot tell apart (family level)
    score: float  # Ochiai coefficient
    coverage: float  # share of the licence's fingerprint found in the document
    inserted_words: int = 0  # words added or changed inside the licence block (:func:`inserted_words`)
    modified: bool = False  # inserted_words reached the modification threshold

    def as_detail(self) -> dict:
        detail = {"license": self.license, "group": list(self.group), "score": round(self.score, 3), "coverage": round(self.coverage, 3)}
        if self.inserted_words:
            detail["inserted_words"] = self.inserted_words
        return detail


class LicenseIndex:
    """The fingerprint index: a sorted (hash, licence) table for vectorised lookups."""

    def __init__(self, path: Path = INDEX_PATH):
        with np.load(path) as data:
            hashes, offsets = data["hashes"], data["offsets"]
            meta = json.loads(bytes(data["meta"]).decode())
        self.ids: list[str] = meta["ids"]
        self.groups: list[list[str]] = meta["groups"]
        self.group_of: list[int] = meta["group_of"]
        self.osi: set[str] = set(meta["osi_approved"])
        owner = np.repeat(np.arange(len(self.ids), dtype=np.int32), np.diff(offsets))
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.owner = owner[order]
        # IDF weights: boilerplate shared by many licences (warranty disclaimers) counts for little,
        # the clauses that tell licences apart count for much.
        _, first, df = np.unique(self.hashes, return_index=True, return_counts=True)
        self.unseen_weight = float(np.log(len(self.ids) + 1))
        self.weight = np.repeat(np.log((len(self.ids) + 1) / df), df)
        self.licence_weight = np.bincount(self.owner, weights=self.weight, minlength=len(self.ids))
        self.sizes = np.diff(offsets).astype(np.float64)
        # Real licence files are mostly a few common licences: near-ties go to them.
        self.prior = np.array([COMMON_PRIOR if i in COMMON_LICENSES else 1.0 for i in self.ids])

    def match(
        self, text: str, min_score: float, min_coverage: float, min_shared: int, min_modified_words: int = 0
    ) -> TextMatch | None:
        """The licence whose text ``text`` is or contains (a bundle's first block), or None."""
        found = self.match_all(text, min_score, min_coverage, min_shared, min_modified_words=min_modified_words)
        return found[0] if found else None

    def licence_hashes(self, license_id: str) -> np.ndarray:
        """Sorted fingerprint of one licence (cached: the index is shared by every control of the process)."""
        cache = self.__dict__.setdefault("_licence_hashes", {})
        if license_id not in cache:
            cache[license_id] = self.hashes[self.owner == self.ids.index(license_id)]
        return cache[license_id]

    def match_all(
        self, text: str, min_score: float, min_coverage: float, min_shared: int, limit: int = 4, min_modified_words: int = 0
    ) -> list[TextMatch]:
        """Every licence ``text`` carries, in document order: bundled LICENSE files hold several.

        Licences are found best first; after each match, the document shingles that licence explains are
        set aside, so a text that merely shares boilerplate with the first (BSD-2-Clause inside
        BSD-3-Clause) is not reported again. The result is ordered by where each licence's block starts:
        a bundle states the project's own licence first, its dependencies' after it.

        Near ties go to the common licences, except that an exact match (score >= :data:`EXACT_SCORE`) is
        never overruled, and a reading under which the text is unmodified beats one under which words were
        added inside the licence (``min_modified_words`` > 0: Pixar's trademark clause is not an edit of
        Apache-2.0). A match with at least ``min_modified_words`` inserted words is marked ``modified``.
        """
        tokens = normalise_tokens(text)
        sequence = ordered_shingles(tokens)
        doc, position, at = np.unique(sequence, return_index=True, return_inverse=True)
        repeated = position[at] < np.arange(len(sequence))  # a shingle the text already had earlier
        notice = None
        if len(doc) < SHINGLE:
            return []
        lo = np.searchsorted(self.hashes, doc, side="left")
        hi = np.searchsorted(self.hashes, doc, side="right")
        hit = hi > lo
        if not hit.any():
            return []
        counts = (hi - lo)[hit]
        rows = np.repeat(lo[hit] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))  # every (lo, hi) range
        doc_of_row = np.repeat(np.nonzero(hit)[0], (hi - lo)[hit])
        owners = self.owner[rows]
        doc_weight = self.weight[lo[hit]].sum() + self.unseen_weight * (len(doc) - hit.sum())
        alive = np.ones(len(doc), dtype=bool)
        found: list[TextMatch] = []
        starts: list[float] = []
        while len(found) < limit:
            live = alive[doc_of_row]
            shared = np.bincount(owners[live], minlength=len(self.ids)).astype(np.float64)
            shared_weight = np.bincount(owners[live], weights=self.weight[rows[live]], minlength=len(self.ids))
            score = shared_weight / np.sqrt(self.licence_weight * doc_weight)
            weighted = score * self.prior
            best = int(np.argmax(weighted))
            exact = int(np.argmax(score))
            if score[exact] >= EXACT_SCORE and score[exact] > score[best]:
                best = exact
            inserted = {}
            if min_modified_words:
                if notice is None:
                    notice = copyright_statements(tokens)

                def edits(c: int) -> int:
                    owned = np.zeros(len(doc), dtype=bool)
                    owned[doc_of_row[(owners == c) & live]] = True
                    # earlier licences' text and copyright statements are not edits
                    return inserted_words(owned[at] | ~alive[at], repeated, notice)

                inserted[best] = edits(best)
                if inserted[best] >= min_modified_words:  # a near-tie under which the text is unmodified wins
                    for c in np.argsort(-weighted)[:3].tolist():
                        if c != best and weighted[c] >= 0.9 * weighted[best]:
                            inserted[c] = edits(c)
                    unmodified = [c for c in inserted if inserted[c] < min_modified_words]
                    if unmodified:
                        best = max(unmodified, key=lambda c: weighted[c])
            coverage = shared[best] / self.sizes[best]
            containment = shared[best] / len(doc)
            # A whole or embedded licence (score or coverage high) or a truncated one (the document is licence);
            # further licences of a bundle must each be mostly present.
            accepted = coverage >= min_coverage or (
                not found and (score[best] >= min_score or (containment >= 0.8 and shared[best] >= 100))
            )
            # A licence shorter than min_shared shingles (one sentence) counts when the document is mostly it.
            short = self.sizes[best] < min_shared and coverage >= 0.8 and containment >= 0.5 and not found
            if not short and (shared[best] < min_shared or not accepted):
                break
            n_inserted = inserted.get(best, 0)
            found.append(
                TextMatch(
                    self.ids[best], tuple(self.groups[self.group_of[best]]), float(score[best]), float(coverage),
                    n_inserted, bool(min_modified_words) and n_inserted >= min_modified_words,
                )
            )
            explained = doc_of_row[(owners == best) & live]
            # Where the block starts: a low percentile, so a stray boilerplate shingle earlier does not count.
            starts.append(float(np.percentile(position[explained], 10)))
            alive[explained] = False
            if np.count_nonzero(alive[doc_of_row]) < min_shared:  # nothing left that could hold another licence
                break
        return [found[i] for i in np.argsort(starts, kind="stable")]


_INDEXES: dict[str, LicenseIndex] = {}


def load_index(path: Path = INDEX_PATH) -> LicenseIndex:
    """One index per process, shared by every control instance and thread."""
    key = str(path)
    if key not in _INDEXES:
        _INDEXES[key] = LicenseIndex(path)
    return _INDEXES[key]


# ---------------------------------------------------------------------------------------------
# Notices: SPDX tags, Creative Commons mentions, rights reservations.

# Plain substring tests on the lower-cased text: an order of magnitude faster than one big regex.
_VOCABULARY = (
    "licen", "copyright", "spdx", "creative commons", "cc by", "cc-by", "cc0", "rights reserved", "public domain",
    "redistribut", "warrant", "proprietary", "distribute", "知识共享", "署名", "版权", "著作权", "转载", "保留所有权利", "许可",
    # so that every SPDX licence text passes (tests/licensing): the one-sentence and non-English ones
    "permission", "permitted", "copying", "freely", "freeware", "distribution", "wrote it", "responsibility",
    "利用許諾", "クリエイティブ",
)  # fmt: skip

_SPDX_TAG = re.compile(r"SPDX-License-Identifier\s*:\s*([A-Za-z0-9.+\-() :]+?)\s*(?:\*/|-->|#|$)", re.MULTILINE)

# "Creative Commons Attribution-NonCommercial-ShareAlike 4.0", "CC BY-NC-ND 3.0", "CC-BY-4.0",
# "知识共享 署名-非商业性使用-相同方式共享 4.0", "CC0".
_CC_ENGLISH = re.compile(
    r"(?:creative\s+commons|\bcc)[\s-]+(?:(?:license|licence)\s+)?"
    r"(?P<parts>(?:attribution|by)(?:[\s-]+(?:non-?commercial|nc|no-?derivatives|no-?derivs|nd|share-?alike|sa)){0,2})"
    r"(?:[\s-]+(?:international|license|licence|generic|unported))*[\s-]*(?:v(?:ersion)?\s*)?(?P<version>[1-4]\.0|2\.5)?",
    re.IGNORECASE,
)
_CC_CHINESE = re.compile(
    r"(?:知识共享|创作共用|CC)\s*(?:许可协议|协议)?\s*[（(]?\s*"
    r"(?P<parts>署名(?:\s*[-—–－·・]?\s*(?:非商业性使用|非商业|禁止演绎|相同方式共享)){0,2})"
    r"\s*[)）]?\s*(?:许可协议|协议)?\s*(?P<version>[1-4]\.0|2\.5)?",
)
_CC0 = re.compile(r"\bCC0(?:[\s-]*1\.0)?\b|creative\s+commons\s+zero|知识共享\s*零", re.IGNORECASE)
_CC_PART = {
    "nc": "NC", "noncommercial": "NC", "non-commercial": "NC", "非商业性使用": "NC", "非商业": "NC",
    "nd": "ND", "noderivatives": "ND", "no-derivatives": "ND", "noderivs": "ND", "no-derivs": "ND", "禁止演绎": "ND",
    "sa": "SA", "sharealike": "SA", "share-alike": "SA", "相同方式共享": "SA",
}  # fmt: skip
_CC_DEFAULT_VERSION = "4.0"

# Standard licence headers and "licensed under …" statements: (pattern, SPDX id or a function of the match).
_GNU_NAMES = {"general": "GPL", "lesser general": "LGPL", "library general": "LGPL", "affero general": "AGPL"}
# Matched against the lower-cased text without IGNORECASE: the literal prefixes keep the scan fast.
_GNU_NOTICE = re.compile(
    r"under\s+the\s+terms\s+of\s+the\s+gnu\s+(?P<kind>affero\s+general|lesser\s+general|library\s+general|general)"
    r"\s+public\s+licen[cs]e(?:\s+as\s+published\s+by\s+the\s+free\s+software\s+foundation)?[;,]?"
    r"(?:\s+either)?\s+version\s+(?P<version>[123](?:\.[01])?)(?:\s+of\s+the\s+licen[cs]e)?"
    r"(?P<later>,?\s+or\s+\(?at\s+your\s+option\)?\s+any\s+later\s+version)?"
)
_UNDER = r"under\s+(?:the\s+)?(?:terms\s+of\s+the\s+)?"
_HEADERS = [
    # "Licensed under the Apache License, Version 2.0" and the ASF source header ("Licensed to the Apache
    # Software Foundation (ASF) under one or more contributor license agreements. … The ASF licenses this
    # file to you under the Apache License, Version 2.0")
    (re.compile(r"(?:licensed|licenses\s+this\s+file\s+to\s+you|distributed)\s+under\s+the\s+apache\s+licen[cs]e,?\s+version\s+2\.0"), "Apache-2.0"),
    (re.compile(r"licensed\s+to\s+the\s+apache\s+software\s+foundation\s+\(asf\)\s+under\s+one\s+or\s+more\s+contributor\s+licen[cs]e\s+agreements"), "Apache-2.0"),
    (re.compile(r"made\s+available\s+under\s+the\s+terms\s+of\s+the\s+eclipse\s+public\s+licen[cs]e,?\s+(?:v\.?\s*|version\s+)?2\.0"), "EPL-2.0"),
    (re.compile(r"made\s+available\s+under\s+the\s+terms\s+of\s+the\s+eclipse\s+public\s+licen[cs]e,?\s+(?:v\.?\s*|version\s+)?1\.0"), "EPL-1.0"),
    (re.compile(r"distributed\s+under\s+the\s+boost\s+software\s+licen[cs]e,?\s+version\s+1\.0"), "BSL-1.0"),
    (re.compile(r"licensed\s+under\s+the\s+eupl,?\s+(?:version\s+)?1\.2"), "EUPL-1.2"),
    (re.compile(_UNDER + r"isc\s+licen[cs]e"), "ISC"),
    (re.compile(r"subject\s+to\s+the\s+terms\s+of\s+the\s+mozilla\s+public\s+licen[cs]e,?\s+v(?:ersion|\.)?\s*2\.0"), "MPL-2.0"),
    (re.compile(_UNDER + r"mit\s+licen[cs]e"), "MIT"),
    (re.compile(_UNDER + r"(?:new\s+|modified\s+|revised\s+)?bsd[\s-]*3[\s-]*clause"), "BSD-3-Clause"),
    (re.compile(_UNDER + r"bsd[\s-]*2[\s-]*clause"), "BSD-2-Clause"),
]


_COMMENT_MARKER = re.compile(r"(?m)^[ \t]*(?:/\*+|\*+/?|#+|//+|--|;+|>+|rem\b|'|%+|!)")


def standard_notices(text: str, lower: str | None = None, inside: Callable[[int, int], bool] | None = None) -> list[str]:
    """SPDX ids named by standard licence headers (Apache incl. the ASF header, GNU, MPL, EPL, BSL, EUPL) and
    "licensed under the MIT License" lines; ``inside`` as in :func:`creative_commons`."""
    lower = text.lower() if lower is None else lower
    # comment markers at line starts (" * ", "# ", "// ", "-- ") become spaces of the same length: headers in
    # source files read as one sentence, and positions stay those of ``text``
    lower = _COMMENT_MARKER.sub(lambda m: " " * len(m.group()), lower)
    found = []
    for m in _GNU_NOTICE.finditer(lower):
        if inside is not None and inside(m.start(), m.end()):
            continue
        kind = re.sub(r"\s+", " ", m.group("kind"))
        name = _GNU_NAMES[kind]
        version = m.group("version") if "." in m.group("version") else m.group("version") + ".0"
        if name == "LGPL" and version == "2.0" and kind != "library general":
            version = "2.1"
        found.append(f"{name}-{version}-{'or-later' if m.group('later') else 'only'}")
    for pattern, spdx in _HEADERS:
        if any(inside is None or not inside(m.start(), m.end()) for m in pattern.finditer(lower)):
            found.append(spdx)
    return list(dict.fromkeys(found))


_RESERVATIONS = [
    ("all_rights_reserved", re.compile(r"all\s+rights\s+reserved", re.IGNORECASE)),
    ("proprietary", re.compile(r"proprietary\s+and\s+confidential|do\s+not\s+(?:re)?distribute|unauthori[sz]ed\s+(?:copying|reproduction)", re.IGNORECASE)),
    ("all_rights_reserved", re.compile(r"保留(?:所有|一切)权利")),
    ("copyright_owned", re.compile(r"版权所有|著作权所有|版权归[^\n。，,]{1,40}?所有")),
    ("no_reprint", re.compile(r"(?:未经|非经)[^\n。]{0,12}?(?:许可|授权|同意)[^\n。]{0,12}?(?:不得|禁止|严禁|谢绝)[^\n。]{0,8}?(?:转载|复制|使用|摘编)|(?:禁止|严禁|谢绝)转载")),
]


_CC_HINTS = ("creative commons", "cc by", "cc-by", "cc0", "ccby", "commons zero", "知识共享", "创作共用", "cc 署名", "cc署名")
_RESERVATION_HINTS = ("reserved", "proprietary", "distribute", "unauthori", "版权", "著作权", "转载", "保留所有权利", "保留一切权利")


def has_license_vocabulary(text: str) -> bool:
    """The cheap pre-check: only documents that pass it go to the matchers."""
    return _holds_vocabulary(text.lower())


# one pass over the text for all the words (a substring test per word scanned an IMDB review 30 times: ≈ 9 µs)
_VOCABULARY_SCAN = ahocorasick_rs.AhoCorasick(list(_VOCABULARY))


def _holds_vocabulary(lower: str) -> bool:
    """Whether lower-cased text holds one of :data:`_VOCABULARY`."""
    return bool(_VOCABULARY_SCAN.find_matches_as_indexes(lower))


def spdx_tags(text: str) -> list[str]:
    """The expressions of ``SPDX-License-Identifier:`` lines, in order, without duplicates."""
    found = []
    for m in _SPDX_TAG.finditer(text):
        expr = m.group(1).strip()
        if expr and expr not in found:
            found.append(expr)
    return found


def _cc_id(parts: list[str], version: str | None) -> str:
    flags = [p for p in ("NC", "ND", "SA") if p in parts]
    if "ND" in flags and "SA" in flags:  # no such licence; ND is the stricter reading
        flags.remove("SA")
    return "-".join(["CC", "BY", *flags, version or _CC_DEFAULT_VERSION])


def creative_commons(text: str, inside: Callable[[int, int], bool] | None = None) -> list[tuple[str, bool]]:
    """Creative Commons licences mentioned in ``text``: (SPDX id, whether the version was stated).

    ``inside(start, end)`` says a mention is part of a licence text found in the document (the EUPL's list
    of compatible licences, the GFDL's relicensing clause): such mentions are left out.
    """
    found: list[tuple[str, bool]] = []
    for m in _CC_ENGLISH.finditer(text):
        if inside is not None and inside(m.start(), m.end()):
            continue
        words = re.split(r"[\s-]+", m.group("parts").lower())
        joined = [w for w in words if w not in ("attribution", "by")]
        parts = []
        for i, w in enumerate(joined):  # "non commercial", "no derivatives", "share alike" split by the regex
            key = w if w in _CC_PART else (w + joined[i + 1] if i + 1 < len(joined) else w)
            if key in _CC_PART:
                parts.append(_CC_PART[key])
        found.append((_cc_id(parts, m.group("version")), m.group("version") is not None))
    for m in _CC_CHINESE.finditer(text):
        if inside is not None and inside(m.start(), m.end()):
            continue
        parts = [_CC_PART[p] for p in re.findall(r"非商业性使用|非商业|禁止演绎|相同方式共享", m.group("parts"))]
        found.append((_cc_id(parts, m.group("version")), m.group("version") is not None))
    if any(inside is None or not inside(m.start(), m.end()) for m in _CC0.finditer(text)):
        found.append(("CC0-1.0", True))
    unique: list[tuple[str, bool]] = []
    for item in found:
        if item[0] not in [u[0] for u in unique]:
            unique.append(item)
    return unique


def reservations(text: str) -> list[str]:
    """Kinds of rights-reservation notices in ``text`` (all_rights_reserved, proprietary, copyright_owned, no_reprint)."""
    return sorted({kind for kind, pattern in _RESERVATIONS if pattern.search(text)})


@dataclass(frozen=True)
class Finding:
    """One licence statement found in a document."""

    license: str  # an SPDX expression, or ALL_RIGHTS_RESERVED
    kind: str  # spdx_identifier | license_text | license_notice | creative_commons | reservation
    evidence: dict

    def as_detail(self) -> dict:
        return {"found": self.license, "kind": self.kind, **self.evidence}


@dataclass(frozen=True)
class MatchSettings:
    min_score: float = 0.5
    min_coverage: float = 0.6
    min_shared: int = 20
    min_modified_words: int = 12  # words added or changed inside a licence text that make it a modified licence
    modified: str = "report"  # report: LicenseRef-modified-<base>; base: the base licence (noted in the evidence)


_CONTEXT = 200  # characters around a mention that decide whether it is part of a found licence text


def _inside_licences(text: str, index: LicenseIndex, matches: list[TextMatch]) -> Callable[[int, int], bool]:
    """``inside(start, end)``: whether the lines around ``text[start:end]`` are mostly the text of a found licence.

    The mention's own line first, widened a line at a time (at most :data:`_CONTEXT` characters each way)
    until it holds enough words to judge, so a sentence after the licence is judged on its own words.
    """
    fingerprint: list[np.ndarray] = []  # built on the first mention: most documents have none

    def inside(start: int, end: int) -> bool:
        if not fingerprint:
            fingerprint.append(np.unique(np.concatenate([index.licence_hashes(m.license) for m in matches])))
        lo_limit, hi_limit = max(0, start - _CONTEXT), min(len(text), end + _CONTEXT)
        lo = text.rfind("\n", 0, start) + 1
        hi = text.find("\n", end)
        hi = len(text) if hi < 0 else hi
        while True:
            around = ordered_shingles(normalise_tokens(text[lo:hi]))
            if len(around) >= 8 or (lo <= lo_limit and hi >= hi_limit):
                break
            if lo > lo_limit:
                lo = max(lo_limit, text.rfind("\n", 0, lo - 1) + 1)
            if hi < hi_limit:
                following = text.find("\n", hi + 1)
                hi = min(hi_limit, len(text) if following < 0 else following)
        return len(around) > 0 and bool(np.isin(around, fingerprint[0]).mean() >= 0.5)

    return inside


def find_licenses(text: str, index: LicenseIndex | None, settings: MatchSettings = MatchSettings()) -> list[Finding]:
    """Every licence statement in ``text``, strongest evidence first.

    Each detector runs only when a plain substring it needs is present: most documents cost one
    lower-casing and a few ``in`` tests.
    """
    if not text:
        return []
    lower = text.lower()
    if not _holds_vocabulary(lower):
        return []
    findings = [Finding(expr, "spdx_identifier", {}) for expr in spdx_tags(text)] if "spdx" in lower else []
    granted = bool(findings)
    # Every document with licence vocabulary goes to the matcher: a word-count gate hid short licences (Vim).
    matches = [] if index is None else index.match_all(
        text, settings.min_score, settings.min_coverage, settings.min_shared, min_modified_words=settings.min_modified_words
    )
    for match in matches:
        detail = match.as_detail()
        if match.modified and settings.modified == "report":
            modified = MODIFIED_PREFIX + match.license
            detail.update(license=modified, group=[modified], base=match.license, base_group=list(match.group))
            findings.append(Finding(modified, "license_text", detail))
        else:
            if match.modified:
                detail["modified"] = True
            findings.append(Finding(match.license, "license_text", detail))
        granted = True
    # Licence names mentioned inside a found licence's own text (the EUPL's compatible-licence list, the GFDL's
    # relicensing clause) are part of that text, not statements about the document.
    inside = _inside_licences(text, index, matches) if matches else None
    if "licen" in lower:
        for spdx in standard_notices(text, lower, inside):
            findings.append(Finding(spdx, "license_notice", {}))
            granted = True
    if any(word in lower for word in _CC_HINTS):
        for cc, versioned in creative_commons(text, inside):
            findings.append(Finding(cc, "creative_commons", {} if versioned else {"version": "not stated, read as 4.0"}))
            granted = True
    # A licence grant commonly follows "Copyright … All rights reserved." (BSD); the notice alone reserves.
    if not granted and any(word in lower for word in _RESERVATION_HINTS):
        kinds = reservations(text)
        if kinds:
            findings.append(Finding(ALL_RIGHTS_RESERVED, "reservation", {"notices": kinds}))
    return findings

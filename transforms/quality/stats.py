"""Per-document statistics of the literature quality rules, computed a batch at a time.

Tokens are whitespace-separated words, except in Chinese, Japanese and Korean text (by the record's
``lang``, or by script when ``lang`` is unset), where every non-space character is a token: the
"Chinese counterparts" of the word-based rules count characters.

Gopher repetition (Rae et al. 2021, as in datatrove's ``GopherRepetitionFilter``) is computed with
numpy over the whole batch: token hashes, rolling n-gram hashes, one hash-table pass per n, and each
n ≥ 3 only looks at the positions whose (n-1)-gram repeats (a repeated n-gram's prefix repeats too),
so the passes after the first are small. ``tests/quality`` checks it against a brute-force count.
"""

from __future__ import annotations

import re
from itertools import compress
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
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
_SPACE_TABLE = np.zeros(0x3001, bool)  # str.split()'s whitespace below U+3001
_SPACE_TABLE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]] = True
_SPACE_TABLE[0x2000:0x200B] = True


def _is_letter(cp: np.ndarray) -> np.ndarray:
    """Letters (any script) among code points: ASCII letters, and everything from U+00C0 up except
    punctuation, symbol and emoji blocks and the multiplication and division signs."""
    ascii_letter = ((cp | 0x20) >= 0x61) & ((cp | 0x20) <= 0x7A)
    other = (
        (cp >= 0xC0) & ~((cp >= 0x2000) & (cp < 0x2C00)) & ~((cp >= 0x3000) & (cp < 0x3040))
        & ~((cp >= 0xFF00) & (cp < 0xFF10)) & ~((cp >= 0xFF1A) & (cp < 0xFF21)) & (cp < 0x1F000) & (cp != 0xD7) & (cp != 0xF7)
    ) | ((cp >= 0xAA) & (cp <= 0xBA) & ((cp == 0xAA) | (cp == 0xB5) | (cp == 0xBA)))
    return ascii_letter | other


def _words_with_letter(words: list[str]) -> np.ndarray:
    """Per word: has a letter. On the UTF-8 bytes of all words at once: ASCII letters, and lead bytes
    of the scripts' blocks (U+00C0–U+1FFF, U+3040–U+FFFF); not U+0080–U+00BF (Latin-1 signs), U+2000–U+303F
    (punctuation, symbols, CJK punctuation) or four-byte characters (emoji)."""
    data = np.frombuffer(" ".join(words).encode("utf-8", "surrogatepass"), np.uint8)
    space = data == 32
    lower = data | 0x20
    letter = ((lower >= 0x61) & (lower <= 0x7A)) | ((data >= 0xC3) & (data <= 0xE1)) | ((data >= 0xE3) & (data <= 0xEF))
    # U+3000–U+303F (E3 80 xx) is CJK punctuation; U+00C0–U+00FF lead byte C3 is Latin letters (× ÷ aside)
    cjk_punct = np.zeros(len(data), bool)
    e3 = np.flatnonzero(data[:-1] == 0xE3)
    cjk_punct[e3[data[e3 + 1] == 0x80]] = True
    letter &= ~cjk_punct
    starts = np.flatnonzero(np.r_[True, space[:-1]])
    return np.add.reduceat(letter.astype(np.int32), starts) > 0


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


def tokens(texts: Sequence[str], cjk: np.ndarray):
    """(hashes, lengths, tokens per document, token has a letter) for a batch, flat in document order."""
    n = len(texts)
    counts = np.zeros(n, np.int64)
    words: list[str] = []
    cps = []
    for i, text in enumerate(texts):
        if not cjk[i]:
            w = text.split()
            words += w
            counts[i] = len(w)
    if cjk.any():  # CJK texts: every non-space code point, all texts encoded at once
        members = np.flatnonzero(cjk)
        cjk_texts = [texts[i] for i in members]
        cp = np.frombuffer("".join(cjk_texts).encode("utf-32-le", "surrogatepass"), np.uint32)
        owner = np.repeat(members, np.fromiter(map(len, cjk_texts), np.int64, len(cjk_texts)))
        solid = ~((cp < len(_SPACE_TABLE)) & _SPACE_TABLE[np.minimum(cp, len(_SPACE_TABLE) - 1)])
        cps.append(cp[solid])
        counts[members] = np.bincount(owner[solid], minlength=n)[members]
    total = int(counts.sum())
    h = np.empty(total, np.uint64)
    lengths = np.ones(total, np.int64)
    letters = np.ones(total, bool)
    in_cjk = np.repeat(cjk, counts)
    if words:
        h[~in_cjk] = np.fromiter(map(hash, words), np.int64, len(words)).view(np.uint64)
        wl = np.fromiter(map(len, words), np.int64, len(words))
        lengths[~in_cjk] = wl
        letters[~in_cjk] = _words_with_letter(words)
    if cps:
        cp = np.concatenate(cps)
        h[in_cjk] = cp.astype(np.uint64) * _M1
        letters[in_cjk] = _is_letter(cp)
    return h, lengths, counts, letters


def token_hashes(words: Sequence[str]) -> np.ndarray:
    """The hashes :func:`tokens` gives these words (CJK characters count as one-character words)."""
    return np.array(
        [(ord(w) * int(_M1)) & (2**64 - 1) if len(w) == 1 and _CJK_CHAR.match(w) else hash(w) & (2**64 - 1) for w in words],
        dtype=np.uint64,
    )


def ngram_stats(h, lengths, counts, top: Sequence[int], dup: Sequence[int]) -> dict[str, np.ndarray]:
    """Per document: share of characters in the most frequent n-gram for n in ``top`` (when it occurs
    at least twice) and in repeated n-grams for n in ``dup`` (each character counted once)."""
    n_docs = len(counts)
    out = {f"top_{n}gram": np.zeros(n_docs) for n in top} | {f"dup_{n}gram": np.zeros(n_docs) for n in dup}
    wanted = set(top) | set(dup)
    if not len(h) or not wanted:
        return out
    ends = np.cumsum(counts)
    csum = np.concatenate([[0], np.cumsum(lengths)])
    total = np.maximum(csum[ends] - csum[ends - counts], 1)
    doc = np.repeat(np.arange(n_docs), counts)
    docend = ends[doc]
    salt = doc.astype(np.uint64) * _M2
    pos = np.arange(len(h))
    g = h
    for n in range(2, max(wanted) + 1):
        keep = pos + n <= docend[pos]
        pos, g = pos[keep], g[keep]
        if not len(pos):
            break
        g = g * _M1 + h[pos + n - 1]
        if n not in wanted:  # a repeated n-gram has a repeated (n-1)-gram: prune only where a figure is wanted
            continue
        codes, _ = pd.factorize(g ^ salt[pos])
        c = np.bincount(codes)[codes]
        rep = c >= 2
        pos, g, c = pos[rep], g[rep], c[rep]
        if not len(pos):
            break
        d = doc[pos]
        if n in top:
            seg = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
            best = np.zeros(n_docs)
            best[d[seg]] = np.maximum.reduceat((csum[pos + n] - csum[pos]) * c, seg)
            out[f"top_{n}gram"] = best / total
        if n in dup:  # union of [p, p + n) over the (sorted) starts of repeated n-grams
            nxt = np.r_[pos[1:], np.iinfo(np.int64).max]
            nxt[np.r_[d[1:] != d[:-1], True]] = np.iinfo(np.int64).max
            stop = np.minimum(pos + n, nxt)
            out[f"dup_{n}gram"] = np.bincount(d, weights=csum[stop] - csum[pos], minlength=n_docs) / total
    return out


def ngram_stats_by_script(h, lengths, counts, cjk, top, dup, top_cjk, dup_cjk) -> dict[str, np.ndarray]:
    """:func:`ngram_stats` with word n-gram sizes for most documents and character n-gram sizes for CJK ones."""
    n_docs = len(counts)
    keys = {f"top_{n}gram" for n in (*top, *top_cjk)} | {f"dup_{n}gram" for n in (*dup, *dup_cjk)}
    out = {k: np.zeros(n_docs) for k in keys}
    in_cjk = np.repeat(cjk, counts)
    for docs, tokens_mask, t, d in ((~cjk, ~in_cjk, top, dup), (cjk, in_cjk, top_cjk, dup_cjk)):
        if not docs.any() or not (t or d):
            continue
        part = ngram_stats(h[tokens_mask], lengths[tokens_mask], counts[docs], t, d)
        for k, v in part.items():
            out[k][docs] = v
    return out


def _dup_share(keys, lengths, owner, n_docs):
    """Per document: share of items repeating an earlier item of the same document, and of their characters."""
    codes, _ = pd.factorize(keys ^ (owner.astype(np.uint64) * _M2))
    first = np.zeros(len(codes), bool)
    first[np.unique(codes, return_index=True)[1]] = True
    dup = ~first
    items = np.maximum(np.bincount(owner, minlength=n_docs), 1)
    chars = np.maximum(np.bincount(owner, weights=lengths, minlength=n_docs), 1)
    return (np.bincount(owner, weights=dup, minlength=n_docs) / items,
            np.bincount(owner, weights=lengths * dup, minlength=n_docs) / chars)


def line_stats(texts: Sequence[str], cjk: np.ndarray, short_line: int, short_line_cjk: int) -> dict[str, np.ndarray]:
    n = len(texts)
    split = [t.split("\n") for t in texts]
    per = np.fromiter(map(len, split), np.int64, n)
    lines = list(map(str.strip, (x for parts in split for x in parts)))
    owner = np.repeat(np.arange(n), per)
    lens = np.fromiter(map(len, lines), np.int64, len(lines))
    keep = lens > 0
    lines = list(compress(lines, keep))
    owner, lens = owner[keep], lens[keep]
    k = np.bincount(owner, minlength=n)
    kk = np.maximum(k, 1)

    def share(flags) -> np.ndarray:
        return np.bincount(owner, weights=np.fromiter(flags, bool, len(lines)), minlength=n) / kk

    s = {"lines": k.astype(float)}
    s["bullet_lines"] = share(x.startswith(BULLETS) for x in lines)
    s["ellipsis_lines"] = share(x.endswith(ELLIPSIS) for x in lines)
    s["terminal_punct_lines"] = share(x.endswith(TERMINAL) for x in lines)
    s["short_lines"] = np.bincount(owner, weights=lens < np.where(cjk, short_line_cjk, short_line)[owner], minlength=n) / kk
    multi_line = k[owner] > 1  # only texts of two or more lines can repeat one
    s["dup_lines"], s["dup_line_chars"] = np.zeros(n), np.zeros(n)
    if multi_line.any():
        repeatable = list(compress(lines, multi_line))
        hashes = np.fromiter(map(hash, repeatable), np.int64, len(repeatable)).view(np.uint64)
        a, b = _dup_share(hashes, lens[multi_line], owner[multi_line], n)
        s["dup_lines"], s["dup_line_chars"] = a, b
    s["dup_paragraphs"], s["dup_paragraph_chars"] = np.zeros(n), np.zeros(n)
    multi = [i for i, t in enumerate(texts) if "\n\n" in t]
    if multi:
        paras = [[p for p in (q.strip() for q in texts[i].split("\n\n")) if p] for i in multi]
        pown = np.repeat(np.array(multi), [len(ps) for ps in paras])
        flat = [p for ps in paras for p in ps]
        plens = np.fromiter(map(len, flat), np.int64, len(flat))
        s["dup_paragraphs"], s["dup_paragraph_chars"] = _dup_share(
            np.fromiter(map(hash, flat), np.int64, len(flat)).view(np.uint64), plens, pown, n
        )
    boiler = np.zeros(n)
    for i, t in enumerate(texts):
        if "avascript" in t or "ookie" in t or "olicy" in t or "erms of" in t or "AVASCRIPT" in t:
            boiler[i] = sum(1 for x in t.lower().split("\n") if x.strip() and any(k in x for k in BOILERPLATE))
    s["boilerplate_lines"] = boiler / kk
    s["boilerplate_line_count"] = boiler
    s["newlines_per_word"] = np.fromiter((t.count("\n") for t in texts), np.int64, n).astype(float)
    return s


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
    h, lengths, counts, letters = tokens(texts, cjk)
    doc = np.repeat(np.arange(n), counts)
    words = counts.astype(float)
    per_word = np.maximum(words, 1)
    s: dict[str, np.ndarray] = {"cjk": cjk, "words": words}
    s["chars"] = np.bincount(doc, weights=lengths, minlength=n)  # non-space characters
    s["mean_word_length"] = s["chars"] / per_word
    # stop words: counted per language, only for languages with a list (else NaN: not judged)
    stop = np.full(n, np.nan)
    norm = {lang: (lang or "").split("-")[0].lower() for lang in set(langs)}
    keyed = [norm[lang] for lang in langs]
    for lang, words_list in stop_words.items():
        idx = np.array([i for i, k in enumerate(keyed) if k == lang or (not k and lang == ("zh" if cjk[i] else "en"))], int)
        if len(idx):
            hit = np.isin(h, token_hashes(list(words_list)))
            stop[idx] = np.bincount(doc, weights=hit, minlength=n)[idx]
    s["stop_words"] = stop
    s["symbol_ratio"] = np.fromiter((t.count("#") + t.count("...") + t.count("…") for t in texts), np.int64, n) / per_word
    s["alpha_words"] = 1 - np.bincount(doc, weights=~letters, minlength=n) / per_word
    s.update(ngram_stats_by_script(h, lengths, counts, cjk, top, dup, top_cjk, dup_cjk))
    s.update(line_stats(texts, cjk, short_line, short_line_cjk))
    s["newlines_per_word"] = s["newlines_per_word"] / per_word
    s["curly_brackets"] = np.fromiter(("{" in t for t in texts), bool, n).astype(float)
    s["lorem_ipsum"] = np.fromiter((("orem" in t or "OREM" in t) and bool(_LOREM.search(t)) for t in texts), bool, n).astype(float)
    s["template_residue"] = np.fromiter(
        (len(TEMPLATE_RESIDUE.findall(t)) if ("{" in t or "%" in t or "[[" in t) else 0 for t in texts), np.int64, n
    ).astype(float)
    s["markup_share"] = np.fromiter(
        (sum(map(len, _MARKUP.findall(t))) / max(len(t), 1) if ("<" in t or "&" in t) else 0.0 for t in texts), float, n
    )
    return s

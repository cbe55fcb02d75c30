"""Person names from the shipped taggers (trained by ``eval/train_name_tagger.py``; model card:
``transforms/pii/models/name_taggers.md``).

* Chinese: a linear-chain CRF over characters (tags O/B/I) with hashed character n-gram and
  character-class features (surname, transliteration, digit, Latin, punctuation). Emission scores are
  computed for every character of a whole batch in a few numpy operations; Viterbi then runs only on
  the short regions where a name tag can win (names are rare, so that is a few characters per document).
* English: a greedy averaged perceptron over capitalised tokens only (word, shape, affixes, the words
  and shapes around it, first-name / surname / title / common-word lexicons, the previous decision);
  lower-case tokens are never names to it, which is what keeps it cheap.

Both load once per process (module cache) and hold no per-document state.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import math
import re
from pathlib import Path
from typing import Iterable, NamedTuple

import numpy as np

MODELS = Path(__file__).resolve().parent / "models"
ZH_MODEL = MODELS / "name_tagger_zh.npz"
EN_MODEL = MODELS / "name_tagger_en.json.gz"


class NameSpan(NamedTuple):
    start: int
    end: int
    score: float


# --------------------------------------------------------------------------- Chinese features

ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
    "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    "逯尉傅洪鞠"
)
# characters of transliterated foreign names
ZH_TRANSLIT = (
    "阿埃艾爱奥巴拜班邦鲍贝本比彼毕波伯勃布查达戴丹德登迪蒂丁杜多厄恩法菲费芬佛夫福弗盖甘戈格古圭哈海汉豪赫亨洪"
    "霍基吉加贾杰卡凯坎康考柯科克肯库奎拉莱赖兰朗劳勒雷里利莉林琳卢鲁路伦罗洛马玛迈麦曼梅门蒙米莫默姆穆纳娜奈南内尼纽努诺欧"
    "帕潘佩皮普奇齐乔切琼丘萨塞赛桑瑟森沙莎珊什舍斯松苏索塔泰坦汤唐特提廷图托瓦万威维温沃乌西希谢辛休雅亚扬耶伊尤约扎詹泽宗佐"
    "茨兹顿娃娅丝妮蕾黛琪瑞鲍"
)
_PAD = 3  # zero code points around each text: the widest feature window is ±3 characters
_MIX = 1315423911


def _class_table() -> np.ndarray:
    t = np.full(65536, 7, dtype=np.int64)  # 7: other BMP character
    t[0x4E00:0xA000] = 1  # CJK ideograph
    for ch in ZH_TRANSLIT:
        t[ord(ch)] = 2
    for ch in ZH_SURNAMES:
        t[ord(ch)] = 3 if t[ord(ch)] != 2 else 4  # 4: surname and transliteration
    for ch in "0123456789０１２３４５６７８９":
        t[ord(ch)] = 5
    for c in range(65, 91):
        t[c] = t[c + 32] = 6
    for ch in "，。！？、；：,.!?;:（）()《》“”\"' \n\t【】—…·":
        t[ord(ch)] = 8
    t[ord("·")] = 9
    t[0] = 0
    return t


_CLASS = _class_table()


def zh_encode(texts: Iterable[str]) -> tuple[np.ndarray, list[int]]:
    """The code points of ``texts`` one after another, each preceded by ``_PAD`` zeros (and the last
    followed by them); returns the array and each text's first index."""
    parts, starts, pos = [], [], 0
    pad = "\x00" * _PAD
    for t in texts:
        parts.append(pad)
        pos += _PAD
        starts.append(pos)
        parts.append(t)
        pos += len(t)
    parts.append(pad)
    c = np.frombuffer("".join(parts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return c, starts


def _hash(col: np.ndarray, template: int, mask: int) -> np.ndarray:
    """Bucket of feature value ``col`` of feature template ``template`` (int64 arithmetic wraps, as intended)."""
    return ((col * 2654435761 + (template + 1) * 40503 * 97) ^ (col >> 17)) & mask


def _classes(c: np.ndarray) -> np.ndarray:
    cls = _CLASS[np.minimum(c, 65535)]
    cls[c > 65535] = 7
    return cls


def zh_features(c: np.ndarray, h_bits: int) -> np.ndarray:
    """(len(c) - 2·PAD, 17) hashed feature ids of the positions ``PAD … len(c) - PAD`` (training; at run time
    ``zh_emissions`` computes the same scores without materialising them)."""
    n = len(c) - 2 * _PAD
    cls = _classes(c)

    def at(k):
        return c[_PAD + k : _PAD + k + n]

    def cl(k):
        return cls[_PAD + k : _PAD + k + n]

    m1, p0, p1, m2, p2, m3, p3 = at(-1), at(0), at(1), at(-2), at(2), at(-3), at(3)
    cols = (
        p0, m1, p1, m2, p2,
        m1 * _MIX + p0, p0 * _MIX + p1, m2 * _MIX + m1, p1 * _MIX + p2, m1 * _MIX + p1,
        cl(-2) * 10000 + cl(-1) * 1000 + cl(0) * 100 + cl(1) * 10 + cl(2),
        p0 * 16 + cl(-1), m3, p3,
        (m1 * _MIX + p0) * 7 + p1,
        cl(-3) * 100 + cl(-2) * 10 + cl(-1),
        cl(1) * 100 + cl(2) * 10 + cl(3),
    )  # fmt: skip
    mask = (1 << h_bits) - 1
    out = np.empty((n, len(cols)), dtype=np.int64)
    for t, col in enumerate(cols):
        out[:, t] = _hash(col, t, mask)
    return out


# How ``zh_emissions`` regroups the 17 templates of ``zh_features``: (template, character offset) of the
# single characters, (template, offset of the pair's first character) of adjacent pairs, and the class
# patterns (template, offsets of the classes, most significant first).
_UNIGRAMS = ((0, 0), (1, -1), (2, 1), (3, -2), (4, 2), (12, -3), (13, 3))
_PAIRS = ((5, -1), (6, 0), (7, -2), (8, 1))
_CLASS_PATTERNS = ((10, (-2, -1, 0, 1, 2)), (15, (-3, -2, -1)), (16, (1, 2, 3)))


class ZhModel(NamedTuple):
    """Emission weights of B and I minus those of O (a per-position constant does not change the best
    path, so O's row is folded away), the 3×3 transitions, and the same weights regrouped for
    ``zh_emissions``: per BMP character the weights of its seven single-character templates, and per class
    pattern its weight (both dense: a gather instead of a hash). Weights are complex64, B in the real part
    and I in the imaginary one: one 1-D gather and one addition serve both tags (a gather of rows of a 2-D
    table is an order of magnitude slower in numpy)."""

    W: np.ndarray  # (2**h_bits,) complex64: B − O + i·(I − O) per bucket
    T: np.ndarray  # (3, 3) transition weights, from → to (O, B, I)
    h_bits: int
    # two-character words that start with a surname character but never start a name in the training
    # data (施工, 仲裁, 根据 …): a name that is or starts with one is dropped
    never: frozenset
    unigram: np.ndarray  # (7, 65536) complex64, templates in ``_UNIGRAMS`` order
    patterns: tuple  # per ``_CLASS_PATTERNS`` entry: (10**width,) complex64


def zh_model_from_weights(W: np.ndarray, T: np.ndarray, h_bits: int, never: frozenset = frozenset()) -> ZhModel:
    """``W``: (2**h_bits, 2) emission weights of B and I relative to O."""
    mask = (1 << h_bits) - 1
    Wc = (W[:, 0] + 1j * W[:, 1]).astype(np.complex64)
    chars = np.arange(65536, dtype=np.int64)
    unigram = np.stack([Wc[_hash(chars, t, mask)] for t, _ in _UNIGRAMS])
    patterns = tuple(Wc[_hash(np.arange(10 ** len(offs), dtype=np.int64), t, mask)] for t, offs in _CLASS_PATTERNS)
    return ZhModel(Wc, np.asarray(T, np.float64), h_bits, never, unigram, patterns)


def load_zh(path: Path = ZH_MODEL) -> ZhModel:
    z = np.load(path)
    h_bits = int(z["h_bits"])
    W = np.zeros((1 << h_bits, 3), np.float32)
    W[z["rows"]] = z["weights"].astype(np.float32)
    never = frozenset(z["never"].tolist()) if "never" in z.files else frozenset()
    return zh_model_from_weights(W[:, 1:] - W[:, :1], z["T"], h_bits, never)


def zh_emissions(c: np.ndarray, model: ZhModel) -> np.ndarray:
    """(len(c) - 2·PAD,) complex emission scores, B (real) and I (imaginary) relative to O: the sum of the
    weights of the rows of ``zh_features(c)``, computed per template group: a gather from the per-character
    table for each single-character template, a dense gather per class pattern, one hash of the adjacent
    pairs shared by the four pair templates, and a hash for each of the other three."""
    n = len(c) - 2 * _PAD
    mask = (1 << model.h_bits) - 1
    W = model.W
    cls = _classes(c)
    bmp = np.minimum(c, 65535)
    astral = np.flatnonzero(c > 65535)  # outside the dense table: hashed like in training
    E = np.zeros(n, np.complex64)
    for (t, k), table in zip(_UNIGRAMS, model.unigram):
        w = table.take(bmp)
        if len(astral):
            w[astral] = W.take(_hash(c[astral], t, mask))
        E += w[_PAD + k : _PAD + k + n]
    for (_, offsets), table in zip(_CLASS_PATTERNS, model.patterns):
        code = np.zeros(n, np.int64)
        for k in offsets:
            code = code * 10 + cls[_PAD + k : _PAD + k + n]
        E += table.take(code)
    pair = c[:-1] * _MIX + c[1:]  # pair[j]: characters j, j + 1
    scaled, high = pair * 2654435761, pair >> 17
    for t, k in _PAIRS:
        s = slice(_PAD + k, _PAD + k + n)
        E += W.take(((scaled[s] + (t + 1) * 40503 * 97) ^ high[s]) & mask)
    m1, p0, p1 = c[_PAD - 1 : _PAD - 1 + n], c[_PAD : _PAD + n], c[_PAD + 1 : _PAD + 1 + n]
    E += W.take(_hash(m1 * _MIX + p1, 9, mask))
    E += W.take(_hash(p0 * 16 + cls[_PAD - 1 : _PAD - 1 + n], 11, mask))
    E += W.take(_hash(pair[_PAD - 1 : _PAD - 1 + n] * 7 + p1, 14, mask))
    return E


def _viterbi(db: list[float], di: list[float], T: list[list[float]]) -> list[int]:
    """Best O/B/I path over a region (O before it; a name does not start with I), with emissions relative
    to O: (0, db[i], di[i]). Plain floats: three states do not pay for numpy calls per step."""
    n = len(db)
    (oo, ob, oi), (bo, bb, bi), (io, ib, ii) = T
    so, sb, si = 0.0, db[0], -1e9
    back: list[tuple[int, int, int]] = []
    for k in range(1, n):
        # best predecessor of O, B, I
        co = (so + oo, 0) if so + oo >= sb + bo else (sb + bo, 1)
        if si + io > co[0]:
            co = (si + io, 2)
        cb = (so + ob, 0) if so + ob >= sb + bb else (sb + bb, 1)
        if si + ib > cb[0]:
            cb = (si + ib, 2)
        ci = (sb + bi, 1) if sb + bi >= si + ii else (si + ii, 2)
        if so + oi > ci[0]:
            ci = (so + oi, 0)
        back.append((co[1], cb[1], ci[1]))
        so, sb, si = co[0], cb[0] + db[k], ci[0] + di[k]
    y = 0 if so >= sb and so >= si else (1 if sb >= si else 2)
    path = [y]
    for b in reversed(back):
        y = b[y]
        path.append(y)
    return path[::-1]


# Function characters that are not part of a given name ("申请人应当…" is not the name 应当).
ZH_NOT_GIVEN = frozenset("的了是与及或把被给对从等该此号码条款项者们当")
_ZH_NAME_CHARS = re.compile(r"[\u4e00-\u9fff·•]")


# Characters per numpy pass: the feature matrix holds 17 int64 per character (≈ 140 bytes), so a pass over
# 64k characters stays under ~10 MB; longer batches are split, longer texts cut at sentence ends.
ZH_PASS_CHARS = 1 << 16
_ZH_CUT = re.compile(r"[。！？!?；;\n]")


def zh_names_batch(texts: list[str], model: ZhModel, margin: float = 4.0) -> list[list[NameSpan]]:
    """Names in each text, from one feature pass per ``ZH_PASS_CHARS`` characters of the batch."""
    out: list[list[NameSpan]] = [[] for _ in texts]
    pieces: list[tuple[int, int, str]] = []  # (text index, offset in that text, piece)
    for k, text in enumerate(texts):
        pos = 0
        while len(text) - pos > ZH_PASS_CHARS:
            cut = max((m.end() for m in _ZH_CUT.finditer(text, pos + ZH_PASS_CHARS // 2, pos + ZH_PASS_CHARS)), default=0)
            cut = cut or pos + ZH_PASS_CHARS
            pieces.append((k, pos, text[pos:cut]))
            pos = cut
        pieces.append((k, pos, text[pos:] if pos else text))
    group: list[tuple[int, int, str]] = []
    size = 0
    for piece in pieces + [None]:
        if piece is None or (group and size + len(piece[2]) > ZH_PASS_CHARS):
            found = _zh_pass([p[2] for p in group], model, margin)
            for (k, offset, _), spans in zip(group, found):
                out[k].extend(NameSpan(s.start + offset, s.end + offset, s.score) for s in spans)
            group, size = [], 0
        if piece is not None:
            group.append(piece)
            size += len(piece[2])
    return out


def _zh_pass(texts: list[str], model: ZhModel, margin: float) -> list[list[NameSpan]]:
    out: list[list[NameSpan]] = [[] for _ in texts]
    if not texts:
        return out
    c, starts = zh_encode(texts)
    E = zh_emissions(c, model)
    DB, DI = E.real.copy(), E.imag.copy()
    # Viterbi only around the positions where a name of 2–4 characters starting there scores within
    # ``margin`` of no name at all (O O O …): the path scores of B I, B I I, B I I I against O, vectorised.
    T = model.T
    n = len(DB)
    name2 = np.full(n, -1e9)
    name2[:-1] = DB[:-1] + DI[1:] + (T[0, 1] + T[1, 2] + T[2, 0] - 3 * T[0, 0])
    step = T[2, 2] - T[0, 0]
    name3 = np.full(n, -1e9)
    name3[:-2] = name2[:-2] + DI[2:] + step
    name4 = np.full(n, -1e9)
    name4[:-3] = name3[:-3] + DI[3:] + step
    hot = np.flatnonzero(np.maximum(np.maximum(name2, name3), name4) > -margin)
    if not len(hot):
        return out
    bounds = np.asarray(starts) - _PAD  # text k covers [bounds[k], bounds[k] + len) of DB's index
    doc_of = (np.searchsorted(bounds, hot, side="right") - 1).tolist()
    bounds_l = bounds.tolist()
    regions: list[list[int]] = []
    for i, k in zip(hot.tolist(), doc_of):
        lo = bounds_l[k]
        hi = lo + len(texts[k])
        if i >= hi:  # the padding between two texts
            continue
        s, e = max(lo, i - 1), min(hi, i + 6)
        if regions and regions[-1][2] == k and s <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], e)
        else:
            regions.append([s, e, k])
    T = T.tolist()
    for s, e, k in regions:
        db, di = DB[s:e].tolist(), DI[s:e].tolist()
        y = _viterbi(db, di, T)
        i = 0
        while i < len(y):
            if y[i]:
                j = i + 1
                while j < len(y) and y[j] == 2:
                    j += 1
                a, b = s + i - bounds_l[k], s + j - bounds_l[k]
                text = texts[k]
                if (
                    b - a >= 2
                    and len(_ZH_NAME_CHARS.findall(text, a, b)) == b - a
                    and not any(ch in ZH_NOT_GIVEN for ch in text[a + 1 : b])
                    and text[a : a + 2] not in model.never
                ):
                    m = min(max(db[x], di[x]) for x in range(i, j))
                    out[k].append(NameSpan(a, b, round(1 / (1 + math.exp(-m)), 3)))
                i = j
            else:
                i += 1
    return out


# --------------------------------------------------------------------------- English

# Words (hyphens and inner apostrophes kept: "O'Brien", "Jean-Luc"; a possessive "'s" is its own token),
# numbers, single punctuation marks, line breaks. A period is always its own token ("J", ".").
EN_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+|['’](?![sS](?![^\W\d_]))[^\W\d_]+)*|['’][sS](?![^\W\d_])|\d+|[^\w\s]|\n")
# the same on ASCII text (every letter is [A-Za-z] there), a faster scan
EN_TOKEN_ASCII = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+|'(?![sS](?![A-Za-z]))[A-Za-z]+)*|'[sS](?![A-Za-z])|[0-9]+|[^\w\s]|\n")
_SENT_START = frozenset(
    {".", "!", "?", ":", '"', "“", "”", "\n", "(", "-", "—", "|", ";", "…", "'", "*", "#", "@", ">", "<", "[", "]", "<S>"}
)
_NEG_INF = float("-inf")


@functools.lru_cache(maxsize=1 << 16)
def shape(tok: str) -> str:
    out = []
    for ch in tok:
        k = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if len(out) >= 2 and out[-1] == k and out[-2] == k:
            continue
        out.append(k)
    return "".join(out)[:6]


def en_tokenize(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in EN_TOKEN.finditer(text)]


def candidate(tok: str, prev: str, lex: dict[str, str]) -> bool:
    """Whether a capitalised token is scored at all: not a closed-class word ("The", "When"), and not a
    common lower-case word starting a sentence ("Great movie."); training uses the same rule."""
    c = lex.get(tok.lower())
    return c != "N" and not (c == "C" and (prev in _SENT_START or prev == "<S>"))


class EnModel:
    """Feature weights (``feats`` names them, for training) and the lexicon. At run time ``tag_batch`` sums the
    same weights for every token of a batch at once: each distinct token gets a row of partial sums on first
    sight (its own features; its weight as the previous, next, second previous, second next word; its shape and
    lexicon class), and the feature conjunctions come from small dense tables over shape and lexicon-class ids.
    Additions happen in the order of ``score``, so the scores are the same floats."""

    # per-token row fields (``_rows`` columns)
    _OWN, _AS_PREV, _AS_NEXT, _AS_PREV2, _AS_NEXT2 = range(5)

    def __init__(self, weights: dict[str, float], lex: dict[str, str], threshold: float = 0.0):
        self.w = weights
        self.lex = lex
        self.threshold = threshold
        g = weights.get
        # shapes that any weight mentions get an id; every other shape is id 0, whose weights are all zero
        shapes = {""}
        for key in weights:
            head, _, rest = key.partition("=")
            if head in ("sh", "psh", "nsh"):
                shapes.add(rest)
            elif head == "plsh":
                shapes.add(rest[1:])
            elif head == "pnsh":  # "a|b", and a shape may itself hold "|": every split
                shapes.update(x for i, ch in enumerate(rest) if ch == "|" for x in (rest[:i], rest[i + 1 :]))
        shapes.discard("")
        self._shape_id = {sh: k for k, sh in enumerate(sorted(shapes), 1)}
        shape_of = [""] + sorted(shapes)
        classes = sorted(set(lex.values()) | {"-"})
        self._class_id = {c: k for k, c in enumerate(classes)}
        prevs = ("O", "N", "C")
        S, L = len(shape_of), len(classes)
        self._first = np.array([g("f=False", 0.0), g("f=True", 0.0)])
        self._class_first = np.array([[g(f"lxf={c}{f}", 0.0) for f in (False, True)] for c in classes])
        self._prev = np.array([g("pl=" + p, 0.0) for p in prevs])
        self._prev_shape = np.array([[g(f"plsh={p}{sh}", 0.0) if k else 0.0 for k, sh in enumerate(shape_of)] for p in prevs])
        self._prev_class = np.array([[g(f"pl_lx={p}{c}", 0.0) for c in classes] for p in prevs])
        self._shapes_around = np.zeros((S, S))
        for key, v in weights.items():
            if key.startswith("pnsh="):
                rest = key[5:]
                for i, ch in enumerate(rest):
                    if ch == "|" and rest[:i] in self._shape_id and rest[i + 1 :] in self._shape_id:
                        self._shapes_around[self._shape_id[rest[:i]], self._shape_id[rest[i + 1 :]]] = v
        self._classes_around = np.array([[[g(f"lxpn={a}|{b}|{c}", 0.0) for c in classes] for b in classes] for a in classes])
        self._reset_tokens()

    def _reset_tokens(self) -> None:
        self._token_id: dict[str, int] = {}
        self._kind = np.zeros(1024, np.uint8)  # 1: capitalised, not closed-class; 2: common word; 4: sentence start after it
        self._ready = np.zeros(1024, bool)  # whether the token's row below is filled (done only when needed)
        self._rows = np.zeros((1024, 5))
        self._ints = np.zeros((1024, 2), np.int64)  # shape id, lexicon-class id
        self._flags = np.zeros((1024, 3), bool)  # see the column names below

    _SENT, _PERIOD, _INITIAL = range(3)  # ``_flags`` columns: sentence start after it, ".", one capital letter

    def _ids(self, flat: list[str]) -> np.ndarray:
        """Token ids; a token seen for the first time gets an id and its kind (its row waits for ``_fill``)."""
        token_id = self._token_id
        ids = np.fromiter(map(token_id.get, flat, itertools.repeat(-1)), np.int64, len(flat))
        miss = np.flatnonzero(ids < 0).tolist()
        if not miss:
            return ids
        lex, kinds = self.lex, []
        for j in miss:
            tok = flat[j]
            k = token_id.get(tok)
            if k is None:
                k = token_id[tok] = len(token_id)
                sent = tok in _SENT_START
                if tok[:1].isupper():
                    lc = lex.get(tok.lower())
                    kinds.append((lc != "N") | (lc == "C") << 1 | sent << 2)
                else:
                    kinds.append(sent << 2)
            ids[j] = k
        n, size = len(token_id), len(self._kind)
        if n > size:
            grow = max(n, 2 * size) - size
            self._kind = np.concatenate([self._kind, np.zeros(grow, np.uint8)])
            self._ready = np.concatenate([self._ready, np.zeros(grow, bool)])
            self._rows = np.concatenate([self._rows, np.zeros((grow, 5))])
            self._ints = np.concatenate([self._ints, np.zeros((grow, 2), np.int64)])
            self._flags = np.concatenate([self._flags, np.zeros((grow, 3), bool)])
        self._kind[n - len(kinds) : n] = kinds
        return ids

    def _fill(self, ids: np.ndarray, flat: list[str], at: np.ndarray) -> None:
        """Fill the rows of the tokens at positions ``at`` of ``flat`` that are not filled yet."""
        todo, first = np.unique(ids[at], return_index=True)
        keep = ~self._ready[todo]
        todo, first = todo[keep], at[first[keep]]
        if not len(todo):
            return
        g = self.w.get
        rows, ints, flags = [], [], []
        for j in first.tolist():
            tok = flat[j]
            lw = tok.lower()
            sh = shape(tok)
            lc = self.lex.get(lw, "-")
            rows.append((
                g("b", 0.0) + g("w=" + lw, 0.0) + g("sh=" + sh, 0.0) + g("s3=" + lw[-3:], 0.0) + g("s2=" + lw[-2:], 0.0)
                + g("p3=" + lw[:3], 0.0) + g(f"len={min(len(tok), 12)}", 0.0) + g("lx=" + lc, 0.0),
                g("pw=" + lw, 0.0) + g("psh=" + sh, 0.0) + g("plx=" + lc, 0.0),
                g("nw=" + lw, 0.0) + g("nsh=" + sh, 0.0) + g("nlx=" + lc, 0.0),
                g("pw2=" + lw, 0.0),
                g("nw2=" + lw, 0.0),
            ))  # fmt: skip
            ints.append((self._shape_id.get(sh, 0), self._class_id[lc]))
            flags.append((tok in _SENT_START, tok == ".", len(tok) == 1 and tok.isupper()))
        self._rows[todo] = rows
        self._ints[todo] = ints
        self._flags[todo] = flags
        self._ready[todo] = True

    def feats(self, toks: list[str], i: int, prev_label: str) -> list[str]:
        tok = toks[i]
        lw = tok.lower()
        p = toks[i - 1] if i > 0 else "<S>"
        n = toks[i + 1] if i + 1 < len(toks) else "</S>"
        p2 = toks[i - 2] if i > 1 else "<S>"
        n2 = toks[i + 2] if i + 2 < len(toks) else "</S>"
        lex = self.lex
        first = p in _SENT_START and not (p == "." and i > 1 and len(toks[i - 2]) == 1 and toks[i - 2].isupper())
        pl_, nl_ = p.lower(), n.lower()
        lc = lex.get(lw, "-")
        pl, nl = lex.get(pl_, "-"), lex.get(nl_, "-")
        sh = shape(tok)
        psh, nsh = shape(p), shape(n)
        return [
            "b", "w=" + lw, "sh=" + sh, "s3=" + lw[-3:], "s2=" + lw[-2:], "p3=" + lw[:3], f"len={min(len(tok), 12)}",
            "lx=" + lc,
            "pw=" + pl_, "psh=" + psh, "plx=" + pl, "nw=" + nl_, "nsh=" + nsh, "nlx=" + nl,
            "pw2=" + p2.lower(), "nw2=" + n2.lower(),
            f"f={first}", f"lxf={lc}{first}", "pl=" + prev_label, f"plsh={prev_label}{sh}", f"pl_lx={prev_label}{lc}",
            f"pnsh={psh}|{nsh}", f"lxpn={pl}|{lc}|{nl}",
        ]  # fmt: skip

    def score(self, fs: list[str]) -> float:
        w = self.w
        return sum([w.get(f, 0.0) for f in fs])

    def tag_batch(self, docs: list[list[str]]) -> tuple[np.ndarray, list[int]]:
        """Scores of the tokens of every document, one array: > threshold is part of a name; tokens that
        are not scored (not capitalised, closed-class, a common word starting a sentence) get -inf. Also
        returns where each document starts in it."""
        if len(self._token_id) > 300_000:  # bounded memory on endless vocabularies
            self._reset_tokens()
        flat: list[str] = []
        starts = []
        for toks in docs:  # two sentinels on each side: "<S>" before a document, "</S>" after it
            flat += ("<S>", "<S>")
            starts.append(len(flat))
            flat += toks
            flat += ("</S>", "</S>")
        ids = self._ids(flat)
        scores = np.full(len(ids), _NEG_INF)
        kind = self._kind.take(ids)
        # capitalised and not closed-class, unless a common word starting a sentence
        cand = (kind & 1).astype(bool)
        cand[1:] &= ~((kind[1:] & 2).astype(bool) & (kind[:-1] & 4).astype(bool))
        at = np.flatnonzero(cand)
        if not len(at):
            return scores, starts
        self._fill(ids, flat, np.concatenate([at - 2, at - 1, at, at + 1, at + 2]))
        rows, ints = self._rows, self._ints
        i_p, i_n, i_p2, i_n2, i_t = ids[at - 1], ids[at + 1], ids[at - 2], ids[at + 2], ids[at]
        base = rows[i_t, self._OWN] + rows[i_p, self._AS_PREV] + rows[i_n, self._AS_NEXT] + rows[i_p2, self._AS_PREV2]
        base += rows[i_n2, self._AS_NEXT2]
        first = (self._flags[i_p, self._SENT] & ~(self._flags[i_p, self._PERIOD] & self._flags[i_p2, self._INITIAL])).astype(np.int64)
        sh, lc = ints[i_t, 0], ints[i_t, 1]
        head = self._first[first] + self._class_first[lc, first]
        tail_a = self._shapes_around[ints[i_p, 0], ints[i_n, 0]]
        tail_b = self._classes_around[ints[i_p, 1], lc, ints[i_n, 1]]
        by_prev = []
        for k in range(3):  # the conjunctions with the previous decision O, N, C: added in ``feats`` order
            c = head + self._prev[k]
            c += self._prev_shape[k, sh]
            c += self._prev_class[k, lc]
            c += tail_a
            c += tail_b
            by_prev.append(base + c)
        # a candidate right after another takes that one's decision as its previous label (greedy order)
        after_cand = np.zeros(len(at), bool)
        after_cand[1:] = at[1:] == at[:-1] + 1
        s = by_prev[0]
        chained = np.flatnonzero(after_cand).tolist()
        if chained:
            s = s.copy()
            thr = self.threshold
            for j in chained:
                s[j] = (by_prev[1] if s[j - 1] > thr else by_prev[2])[j]
        scores[at] = s
        return scores, starts

    def tag(self, toks: list[str]) -> list[float]:
        """A score per token of one document (see ``tag_batch``)."""
        return self.tag_batch([toks])[0][2:-2].tolist()


def load_en(path: Path = EN_MODEL) -> EnModel:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        d = json.load(f)
    return EnModel(d["weights"], d["lex"], d.get("threshold", 0.0))


def en_names_batch(texts: list[str], model: EnModel) -> list[list[NameSpan]]:
    """Names in each text, from one scoring pass over the batch's tokens."""
    docs = [(EN_TOKEN_ASCII if t.isascii() else EN_TOKEN).findall(t) for t in texts]
    scores, starts = model.tag_batch(docs)
    hits = np.flatnonzero(scores > model.threshold)
    out: list[list[NameSpan]] = [[] for _ in texts]
    if not len(hits):
        return out
    doc_of = np.searchsorted(starts, hits, side="right") - 1
    cuts = np.flatnonzero(np.diff(doc_of)) + 1
    for run in np.split(np.arange(len(hits)), cuts):
        k = int(doc_of[run[0]])
        at = hits[run] - starts[k]
        out[k] = _en_spans(texts[k], docs[k], at.tolist(), scores[starts[k] : starts[k] + len(docs[k])], model)
    return out


def en_names(text: str, model: EnModel) -> list[NameSpan]:
    return en_names_batch([text], model)[0]


def _en_spans(text: str, toks: list[str], hits: list[int], scores: np.ndarray, model: EnModel) -> list[NameSpan]:
    """Spans of the runs of name tokens (``hits``: the tokens scoring above the threshold, in order)."""
    found: list[tuple[int, int, float]] = []  # token ranges
    n = len(toks)
    is_hit = set(hits)
    end_of_run = -1
    for i in hits:
        if i < end_of_run:
            continue
        j = i + 1
        while j in is_hit or (  # an initial's period: "J. Smith"
            j < n and toks[j] == "." and j + 1 in is_hit and len(toks[j - 1]) == 1
        ):  # fmt: skip
            j += 1
        k = i
        while k < j and model.lex.get(toks[k].lower(), "") == "T":  # "Attorney Robert Sarvis"
            k += 1
        if k < j:
            found.append((k, j, float(min(x for x in scores[k:j].tolist() if x != _NEG_INF))))
        end_of_run = j
    if not found:
        return []
    spans = []
    pos, done = 0, 0  # text offset and token index reached
    for k, j, best in found:
        start = _find_token(text, toks[k], pos, toks[done:k].count(toks[k]))
        if start == -1:  # not expected; the exact (slower) way
            return _en_spans_exact(text, found)
        end = start + len(toks[k])
        for t in toks[k + 1 : j]:
            end = text.find(t, end) + len(t)
        spans.append(NameSpan(start, end, round(1 / (1 + math.exp(-best)), 3)))
        pos, done = end, j
    return spans


def _en_spans_exact(text: str, found: list[tuple[int, int, float]]) -> list[NameSpan]:
    tokens = en_tokenize(text)
    return [NameSpan(tokens[k][1], tokens[j - 1][2], round(1 / (1 + math.exp(-best)), 3)) for k, j, best in found]


def _glued(text: str, i: int, step: int) -> bool:
    """Whether the character at ``i`` (a neighbour of a token, ``step`` = -1 before it, +1 after it) makes
    the token part of a longer one: a letter, or a hyphen or inner apostrophe with a letter beyond it
    (a possessive "'s" is a token of its own)."""
    if not 0 <= i < len(text):
        return False
    ch = text[i]
    if ch.isalpha():
        return True
    if ch == "-" or ch in "'’":
        beyond = text[i + step] if 0 <= i + step < len(text) else ""
        if not beyond.isalpha():
            return False
        if ch != "-" and step == 1 and beyond in "sS":
            return (text[i + 2 : i + 3] or " ").isalpha()
        return True
    return False


_JOINERS = frozenset("-'’")


def _find_token(text: str, tok: str, pos: int, skip: int) -> int:
    """Offset of the (skip+1)-th occurrence of ``tok`` as a whole token at or after ``pos`` (tokens are
    found with findall, which gives no offsets; only the few name tokens need them); -1 if none."""
    while True:
        i = text.find(tok, pos)
        if i == -1:
            return -1
        before, after = text[i - 1 : i] if i else "", text[i + len(tok) : i + len(tok) + 1]
        # most neighbours are spaces or punctuation: decided without the call
        if (before.isalpha() or before in _JOINERS and _glued(text, i - 1, -1)) or (
            after.isalpha() or after in _JOINERS and _glued(text, i + len(tok), 1)
        ):
            pos = i + 1
            continue
        if skip:
            skip -= 1
            pos = i + len(tok)
            continue
        return i


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=None)
def zh_model() -> ZhModel:
    return load_zh()


@functools.lru_cache(maxsize=None)
def en_model() -> EnModel:
    return load_en()

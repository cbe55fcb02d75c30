"""Person names from the shipped taggers (trained by ``eval/train_name_tagger.py``; model card:
``transforms/pii/models/name_taggers.md``).

* Chinese: a linear-chain CRF over characters (tags O/B/I) with hashed character n-gram and
  character-class features (surname, transliteration, digit, Latin, punctuation). Emission scores are
  computed for every character of a whole batch in a few numpy operations; Viterbi then runs only on
  the short regions where a name tag can win (names are rare, so that is a few characters per document).
* English: a greedy averaged perceptron over capitalised words only (word, shape, affixes, the words and
  the punctuation around it, first-name / surname / title / common-word lexicons, the previous decision).
  Words and the gaps between them are found for a whole batch in numpy, and all candidates of the batch
  are scored in one pass; lower-case words are never names to it, which is what keeps it cheap.

Both load once per process (module cache) and hold no per-document state (the English model caches the
weight sums of the words it has met, bounded).
"""

from __future__ import annotations

import collections
import bisect
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
# surnames of two characters (public knowledge), most of them common words too (东方, 司马, 长孙)
ZH_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯", "南宫",
    "独孤", "西门", "端木", "轩辕", "呼延", "澹台", "申屠", "赫连", "百里",
)  # fmt: skip
# characters of transliterated foreign names, persons' and places' (a hand-made list; the model's weights were trained
# with it). A set derived from the training split's foreign names (eval/zh_translit_chars.py: 95 characters, 尔 翰 韦
# among them, the place characters 亚 利 西 out) and its union with this list found fewer names on CLUENER's dev
# fifth, and no more transliterated ones: docs/pii.md
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
    c = np.frombuffer("".join(parts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
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
    # decoding bias added to every transition into B (already in ``T``): trades precision for recall; chosen on
    # a dev fifth of the training split and stored in the model file (``name_bias``), not in code
    name_bias: float = 0.0
    # words of a dictionary that are not person names (突然, 作品, 顾虑, 塞维利亚 …): a name equal to one is dropped
    common: frozenset = frozenset()

    def with_name_bias(self, bias: float) -> "ZhModel":
        """The same model decoded with ``bias`` instead of its own (evaluation sweeps)."""
        T = self.T.copy()
        T[:, 1] += bias - self.name_bias
        return self._replace(T=T, name_bias=bias)


def zh_model_from_weights(
    W: np.ndarray,
    T: np.ndarray,
    h_bits: int,
    never: frozenset = frozenset(),
    name_bias: float = 0.0,
    common: frozenset = frozenset(),
) -> ZhModel:
    """``W``: (2**h_bits, 2) emission weights of B and I relative to O; ``T`` the trained transitions, to
    which ``name_bias`` is added on every transition into B."""
    mask = (1 << h_bits) - 1
    Wc = (W[:, 0] + 1j * W[:, 1]).astype(np.complex64)
    chars = np.arange(65536, dtype=np.int64)
    unigram = np.stack([Wc[_hash(chars, t, mask)] for t, _ in _UNIGRAMS])
    patterns = tuple(Wc[_hash(np.arange(10 ** len(offs), dtype=np.int64), t, mask)] for t, offs in _CLASS_PATTERNS)
    T = np.array(T, np.float64)
    T[:, 1] += name_bias
    return ZhModel(Wc, T, h_bits, never, unigram, patterns, float(name_bias), common)


def load_zh(path: Path = ZH_MODEL) -> ZhModel:
    z = np.load(path)
    h_bits = int(z["h_bits"])
    W = np.zeros((1 << h_bits, 3), np.float32)
    W[z["rows"]] = z["weights"].astype(np.float32)
    never = frozenset(z["never"].tolist()) if "never" in z.files else frozenset()
    common = frozenset(z["common"].tolist()) if "common" in z.files else frozenset()
    return zh_model_from_weights(W[:, 1:] - W[:, :1], z["T"], h_bits, never, float(z["name_bias"]), common)


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


# What follows the name of a place, a building, a body or a thing, never a person's (施纳尔斯塔尔冰川, 胡塞武装,
# 阿里·萨米扬球场, 定慧寺): a "name" right in front of one is dropped. Heads that also follow persons' names are left
# out: 杯 and 奖 (汤姆斯杯, 侯祥麟奖 are marked names in People's Daily), 家族, 人, 派, 军, 江, 市, 指数 (凯利指数), and
# so are 大学, 学院, 公司 ("张伟大学毕业后").
ZH_PLACE_HEADS = (
    "河", "湖", "山", "岛", "州", "郡", "县", "省", "村", "寺", "庙", "港", "湾", "峰", "街", "级", "语", "武装", "集团",
    "球场", "基地", "酒店", "银行", "冰川", "律师事务所", "球衣", "体育场", "俱乐部",
)  # fmt: skip
# ... and a "name" that ends in one of two characters or more (卡斯特罗冰川; one character may end a given name: 王明山)
_ZH_LONG_PLACE_HEADS = tuple(h for h in ZH_PLACE_HEADS if len(h) > 1)
# Function characters that are not part of a given name ("申请人应当…" is not the name 应当).
ZH_NOT_GIVEN = frozenset("的了是与及或把被给对从等该此号码条款项者们当")
_ZH_NAME_CHARS = re.compile(r"[\u4e00-\u9fff·•]")
# Function characters that begin or end a clause fragment: none of these starts, or ends, a training name of three
# characters or more whose rest is a common word (not 于 or 应 before: surnames with a word for a given name, 于建春).
_ZH_EDGE_BEFORE = frozenset("和与及或向由对把被给从在因")
_ZH_EDGE_AFTER = frozenset("与或向由对把被给从在于当将就并以其后和及")
# Sizes of the common words that a name may not hold (``_holds_long_word``)
_ZH_LONG_WORD_SIZES = (4, 5)


# A foreign name in Latin letters inside Chinese text (执行制作人BenBell, 选手Grubby): the tagger marks some of its
# letters, the name is the whole Latin word, or capitalised words joined by single spaces ("Ben Bell").
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:[.'’-][A-Za-z]+)*(?: [A-Z][A-Za-z]*(?:[.'’-][A-Za-z]+)*)*")


def _latin_name(text: str, at: int) -> tuple[int, int] | None:
    """The Latin-letter name around the letter at ``at``, or None where it is an acronym (CEO, MMORPG), a closed-class
    English word (And), a place or people alone (Seoul: the English decoder's ``not_alone``), or a common word, title
    or place head written in lower case (heat, ceo, police: the English model's lexicon classes C, T, H)."""
    a = at
    while a and ("A" <= text[a - 1] <= "Z" or "a" <= text[a - 1] <= "z"):
        a -= 1
    m = _LATIN_NAME.match(text, a)
    word = m.group()
    en = en_model()
    kind = en.lex.get(word.lower())
    if (
        len(word) < 2 or word.isupper() or kind == "N" or word.lower() in en.not_alone
        or (word.islower() and kind in ("C", "T", "H"))
    ):  # fmt: skip
        return None
    return a, m.end()


# A foreign name inside Chinese text with its space dropped (制作人PatrickBach, 负责人MarkLamia): a Latin word of two
# capitalised parts, the first a given name of the English lexicon (classes F, FS: not Magic, Ice, Bill, which are
# common words too; not PlayStation). The tagger scores Latin letters low, so these are found apart from it.
_JOINED_LATIN_NAME = re.compile(r"([A-Z][a-z]+)(?:Mc)?[A-Z][a-z]+")
# A name's Latin spelling in brackets right after it (泰勒（matthewtaylor）, 乔纳森·奈特（JonathanKnight）): the same
# person, a name too, unless it is a common word, title, place or acronym (陈冲（blog）), as ``_latin_name`` decides.
_BRACKETED_LATIN = re.compile(r"[（(]([A-Za-z][A-Za-z.'’· -]*[A-Za-z])[）)]")
_LATIN_WORD_END = re.compile(r"[^A-Za-z]|$")


def _joined_latin_name(text: str, joint: int) -> tuple[int, int] | None:
    """The run-together Latin name (``_JOINED_LATIN_NAME``) whose lower-case letter at ``joint`` is followed by a
    capital, or None."""
    a = joint
    while a and _LATIN_LETTER.match(text, a - 1):
        a -= 1
    m = _JOINED_LATIN_NAME.fullmatch(text, a, _LATIN_WORD_END.search(text, joint).start())
    return m.span() if m and en_model().lex.get(m.group(1).lower()) in ("F", "FS") else None


def _bracketed_latin_name(text: str, end: int) -> tuple[int, int] | None:
    """The Latin spelling in brackets right at ``end`` of a name (``_BRACKETED_LATIN``), or None."""
    m = _BRACKETED_LATIN.match(text, end)
    return _latin_name(text, m.start(1)) if m else None


def _zh_name_span(text: str, a: int, b: int, model: ZhModel) -> tuple[int, int] | None:
    """The name that the tagged run ``text[a:b]`` stands for, or None: the whole Latin word(s) where the run holds
    a Latin letter (:func:`_latin_name`), else the run itself unless it is no Chinese given name (a function
    character inside, a never-name start, a common word, a place head right after or at its end, two words
    straddled)."""
    latin = _LATIN_LETTER.search(text, a, b)
    if latin:
        return _latin_name(text, latin.start())
    if (
        b - a >= 2
        and len(_ZH_NAME_CHARS.findall(text, a, b)) == b - a
        and not any(ch in ZH_NOT_GIVEN for ch in text[a + 1 : b])
        and text[a : a + 2] not in model.never
        and text[a:b] not in model.common
        and not text.startswith(ZH_PLACE_HEADS, b)
        and not text.endswith(_ZH_LONG_PLACE_HEADS, a, b)
        and not words_not_name(text, a, b, model.common)
    ):
        return a, b
    return None


def words_not_name(text: str, a: int, b: int, common: frozenset) -> bool:
    """Whether the run ``text[a:b]`` reads as words rather than a name: it straddles two common words, holds a long
    one, is two, is a function character and one, or shares a character with a high-risk term (also applied to
    the names that cue words find)."""
    return (
        _in_hazard_term(text, a, b)
        or _straddles_words(text, a, b, common)
        or _holds_long_word(text, a, b, common)
        or _two_words(text, a, b, common)
        or _clause_fragment(text, a, b, common)
    )


# Chemical agents, weapons and processes (沙林, 蓖麻毒素, 诺维乔克 …) are never a name, nor part of one: they are written
# in surname and transliteration characters (沙, 林, 乔, 克), and a high-risk reject's preview showed its agent
# redacted as a person. The list mirrors the high-risk lexicon's Chinese terms (a test keeps the two equal).
_HAZARD_TERMS = MODELS / "hazard_terms_zh.txt"


@functools.lru_cache(maxsize=None)
def _hazard_terms() -> tuple[re.Pattern, int]:
    """One pattern matching any of the hazard terms, and the longest term's length."""
    lines = _HAZARD_TERMS.read_text(encoding="utf-8").splitlines()
    terms = sorted({line for line in lines if line and not line.startswith("#")}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms))), max(map(len, terms))


def _in_hazard_term(text: str, a: int, b: int) -> bool:
    """Whether the run ``text[a:b]`` shares a character with a high-risk term in ``text`` (麻毒素 of 蓖麻毒素)."""
    pattern, longest = _hazard_terms()
    return any(m.start() < b for m in pattern.finditer(text, max(0, a - longest + 1), b + longest - 1) if m.end() > a)


def _holds_long_word(text: str, a: int, b: int, common: frozenset) -> bool:
    """Whether the run ``text[a:b]`` is longer than a common word of 4–5 characters that it holds (生[森林火灾])."""
    sizes = (size for size in _ZH_LONG_WORD_SIZES if b - a > size)
    return any(text[s : s + size] in common for size in sizes for s in range(a, b - size + 1))


def _two_words(text: str, a: int, b: int, common: frozenset) -> bool:
    """Whether the run ``text[a:b]`` of 4 characters or more is two common words (森林 + 康养, 捍卫 + 英雄) and starts
    with no compound surname, a common word too (东方不败, 南宫浅浅)."""
    return b - a >= 4 and not text.startswith(ZH_COMPOUND_SURNAMES, a) and any(
        text[a:k] in common and text[k:b] in common for k in range(a + 2, b - 1)
    )


def _clause_fragment(text: str, a: int, b: int, common: frozenset) -> bool:
    """Whether the run ``text[a:b]`` (3 characters or more) is a function character and a common word: 和[电话],
    向[选民], [应当]由, [查验]其."""
    return b - a >= 3 and (
        (text[a] in _ZH_EDGE_BEFORE and text[a + 1 : b] in common)
        or (text[b - 1] in _ZH_EDGE_AFTER and text[a : b - 1] in common)
    )


def _straddles_words(text: str, a: int, b: int, common: frozenset) -> bool:
    """Whether the run ``text[a:b]`` (3 characters or more) straddles two common words: it starts inside one and the
    rest is another (示[范文本] = 示范 + 文本, 承[包仲裁], 交[易平台]), or it ends inside one and the rest is another
    ([何来悦]耳 = 何来 + 悦耳). Formal text is dense with such compounds, names seldom split so; a function character
    before the run is a word boundary (的马燕萍, although 的马 is listed)."""
    if b - a < 3:
        return False
    starts_inside = a > 0 and text[a - 1] not in ZH_NOT_GIVEN and text[a - 1 : a + 1] in common
    return (starts_inside and text[a + 1 : b] in common) or (text[b - 1 : b + 1] in common and text[a : b - 1] in common)


def _confidence(score: float) -> float:
    """A tagger score as the span's confidence (logistic, 3 decimals)."""
    return round(1 / (1 + math.exp(-score)), 3)


# Characters per numpy pass: the feature matrix holds 17 int64 per character (≈ 140 bytes), so a pass over
# 64k characters stays under ~10 MB; longer batches are split, longer texts cut at sentence ends.
ZH_PASS_CHARS = 1 << 16
_ZH_CUT = re.compile(r"[。！？!?；;\n]")


def zh_names_batch(texts: list[str], model: ZhModel, margin: float = 4.0) -> list[list[NameSpan]]:
    """Names in each text, from one feature pass per ``ZH_PASS_CHARS`` characters of the batch."""
    found = zh_names_by_text(texts, model, margin)
    return [found.get(k, []) for k in range(len(texts))]


def zh_names_by_text(texts: list[str], model: ZhModel, margin: float = 4.0) -> dict[int, list[NameSpan]]:
    """``zh_names_batch``'s names, by the index of each text that has any (see ``en_names_by_text``)."""
    out: dict[int, list[NameSpan]] = collections.defaultdict(list)
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
                if spans:
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
    taken: list[set[int]] = [set() for _ in texts]  # the starts in out[k]: a list scan per name was quadratic

    def add(k: int, span: tuple[int, int], confidence: float) -> None:
        if span[0] not in taken[k]:
            taken[k].add(span[0])
            out[k].append(NameSpan(*span, confidence))

    c, starts = zh_encode(texts)
    letters = np.flatnonzero((c >= 65) & (c <= 122))  # few in Chinese text: the joints are found among them
    codes = c[letters]
    joints = letters[:-1][(letters[1:] - letters[:-1] == 1) & (codes[:-1] >= 97) & (codes[1:] <= 90)]
    for j in joints.tolist():
        k = bisect.bisect_right(starts, j) - 1
        span = _joined_latin_name(texts[k], j - starts[k])
        if span:  # ColinMcRae has two joints: add keeps one
            add(k, span, 0.5)
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
                span = _zh_name_span(texts[k], s + i - bounds_l[k], s + j - bounds_l[k], model)
                if span and span[0] not in taken[k]:  # a Latin name may span several tagged runs
                    confidence = _confidence(min(max(db[x], di[x]) for x in range(i, j)))
                    add(k, span, confidence)
                    spelt = _bracketed_latin_name(texts[k], span[1])
                    if spelt:
                        add(k, spelt, confidence)
                i = j
            else:
                i += 1
    return out


# --------------------------------------------------------------------------- English

# A word is a run of letters, with inner hyphens and apostrophes ("Jean-Luc", "O'Brien"); a capitalised word's
# possessive "'s" is cut off ("Tom's" → "Tom"). Between two words lies a gap, summed up by one character ("gap
# class"): " " when it holds only spaces (and perhaps a cut possessive), else its last (before a word) or first
# (after a word) character that is neither a space nor a letter, with digits as "0" and a text's start or end as
# "^" (a line break is a class of its own). Everything is found for a whole batch in a few numpy passes over its
# code points; Python touches only capitalised words and the words around candidates.
_SPACE_GAP = 65536  # gap code of a gap holding only spaces (code points are < 65536 after clipping)
_PERIOD = ord(".")  # a gap code and a code point: a gap whose nearest non-space character is a period
SENTENCE_START_GAPS = frozenset(".!?:\"“”\n(-—|;…'*#@><[]^")  # gap classes after which a sentence starts


def gap_class_of(code: int) -> str:
    """The gap class (see above) of gap code ``code``."""
    if code == _SPACE_GAP:
        return " "
    ch = chr(code)
    return "^" if code == 0 else "0" if ch.isdigit() else "a" if ch.isalpha() else ch


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` in the narrowest array that holds them: UTF-16 units where all are in the BMP."""
    if len(utf16 := text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return np.frombuffer(utf16, np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


@functools.lru_cache(maxsize=None)
def _en_tables() -> tuple[np.ndarray, list[str]]:
    """Per BMP code point: bits 1 letter, 2 capital, 4 space other than a line break, 8 hyphen or apostrophe;
    and the gap class of every gap code."""
    kind = np.zeros(65536, np.uint8)
    for i in range(65536):
        ch = chr(i)
        kind[i] = ch.isalpha() | ch.isupper() << 1 | (ch.isspace() and ch != "\n") << 2 | (ch in "-'’") << 3
    return kind, [gap_class_of(i) for i in range(65537)]


class EnWords(NamedTuple):
    """The words of a batch of texts (see above), in one string ``text`` (texts separated by a code point 0)."""

    text: str
    start: np.ndarray  # word start offsets in ``text``
    end: np.ndarray
    doc: np.ndarray  # the text each word belongs to
    doc_start: np.ndarray  # each text's offset in ``text``
    before: np.ndarray  # gap code before each word (a code point, or _SPACE_GAP; see ``en_words``' ``all_gaps``)
    after: np.ndarray
    capital: np.ndarray  # bool: starts with a capital letter
    codes: np.ndarray  # ``text``'s code points (uint8, uint16 without surrogates, or uint32)


# ``en_words(..., all_gaps=False)``: the gap code of a gap not looked at (no gap class: an index with it fails)
_UNREAD_GAP = _SPACE_GAP + 2


def en_words(texts: list[str], all_gaps: bool = True) -> EnWords:
    """The words of ``texts`` and the gaps around them (see above), for the whole batch at once. ``all_gaps=False``
    (the tagger, ``en_names_batch``) finds only the gaps it reads: before and after each capitalised word, and
    before the word after one; every other gap code is ``_UNREAD_GAP``."""
    kind_of, _ = _en_tables()
    text = "\x00" * _PAD + ("\x00" * _PAD).join(texts) + "\x00" * _PAD  # zeros around each text
    doc_start, pos = [], _PAD
    for t in texts:
        doc_start.append(pos)
        pos += len(t) + _PAD
    # code points in the narrowest array that holds them
    c = np.frombuffer(text.encode("ascii"), np.uint8) if text.isascii() else code_points(text)
    if c.dtype != np.uint32:
        k = kind_of.take(c)
    else:
        k = kind_of.take(np.minimum(c, 65535))
        k[c > 65535] = 0
    word = (k & 1).view(bool)  # letters, then the inner hyphens and apostrophes (few: set one by one)
    joiners = np.flatnonzero((k & 8) != 0)  # never at either end: the text starts and ends with zeros
    joiners = joiners[word[joiners - 1] & word[joiners + 1]]
    word[joiners] = True
    # where a word starts or ends: the zeros at both ends are no word, so starts and ends alternate
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    start, end = edges[0::2].copy(), edges[1::2].copy()
    capital = (k[start] & 2).astype(bool)
    cap = np.flatnonzero(capital)
    e = end[cap]
    poss = (e - start[cap] > 2) & (c[e - 2] != 45) & (k[e - 2] & 8).astype(bool) & ((c[e - 1] | 32) == 115)
    end[cap[poss]] -= 2  # "Tom's" → "Tom"
    # gaps: the nearest character that is neither a space nor part of a word, if it lies between the two words
    # (most gaps are one space or have their mark next to the word: only the others look among all marks' positions)
    is_mark = (k & 5) == 0  # neither a letter nor a space, nor a hyphen or apostrophe inside a word
    is_mark[joiners] = False
    marks = np.flatnonzero(is_mark)
    prev_end = np.concatenate([[0], end[:-1]])
    next_start = np.concatenate([start[1:], [len(c)]])
    if all_gaps:
        before = _gap_marks(c, is_mark, marks, start - 1, prev_end)
        after = _gap_marks(c, is_mark, marks, end, next_start - 1)
    else:  # each gap is found on its own, so a subset gives the same codes (most words are not capitalised)
        read = np.zeros(len(start) + 1, bool)
        read[cap] = read[cap + 1] = True
        read = np.flatnonzero(read[:-1])
        before = np.full(len(start), _UNREAD_GAP, np.int64)
        before[read] = _gap_marks(c, is_mark, marks, start[read] - 1, prev_end[read])
        after = np.full(len(start), _UNREAD_GAP, np.int64)
        after[cap] = _gap_marks(c, is_mark, marks, end[cap], next_start[cap] - 1)
    doc_start = np.asarray(doc_start)
    if len(texts) == 1:
        doc = np.zeros(len(start), np.int64)
    else:
        firsts = np.searchsorted(start, doc_start)  # each text's first word
        doc = np.repeat(np.arange(len(texts)), np.diff(np.append(firsts, len(start))))
    return EnWords(text, start, end, doc, doc_start, before, after, capital, c)


def _gap_marks(c: np.ndarray, is_mark: np.ndarray, marks: np.ndarray, near: np.ndarray, far: np.ndarray) -> np.ndarray:
    """Per gap (its characters ``near`` … ``far``, inclusive, in either order: ``near`` next to the word), the code of
    its mark nearest to the word (``_SPACE_GAP`` where it holds none); ``marks``: where ``is_mark`` holds, in order."""
    near_mark = is_mark[near]
    out = np.full(len(near), _SPACE_GAP, np.int64)
    next_to = np.flatnonzero(near_mark)
    out[next_to] = np.minimum(c[near[next_to]], 65535) if c.itemsize == 4 else c[near[next_to]]
    other = np.flatnonzero(~near_mark & (near != far))
    if len(other) and len(marks):
        toward = near[other] < far[other]
        # the first mark after the near end (the far end after it) or the last one before it
        i = np.searchsorted(marks, near[other], side="right")
        i = np.clip(np.where(toward, i, i - 1), 0, len(marks) - 1)
        m = marks[i]
        inside = np.where(toward, (m > near[other]) & (m <= far[other]), (m < near[other]) & (m >= far[other]))
        out[other] = np.where(inside, np.minimum(c[m].astype(np.int64), 65535), _SPACE_GAP)
    return out


@functools.lru_cache(maxsize=1 << 16)
def shape(tok: str) -> str:
    """Character classes (X, x, d, the character itself), runs cut at two, at most six: "Xxx", "xx", "X.X"."""
    if tok.isalpha() and tok.isascii():  # the common words, without the loop
        if tok.islower():
            return "xx" if len(tok) > 1 else "x"
        if tok[1:].islower() and tok[0].isupper():
            return ("Xxx", "X", "Xx")[len(tok)] if len(tok) < 3 else "Xxx"
    out = []
    for ch in tok:
        k = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if len(out) >= 2 and out[-1] == k and out[-2] == k:
            continue
        out.append(k)
    return "".join(out)[:6]


class EnModel:
    """Averaged-perceptron weights (``feats`` names a capitalised word's features, for training) and the
    lexicon. ``tag`` sums the same weights for all candidates of a batch at once: each distinct word gets a row
    of partial sums the first time it is needed (its own features; its weight as the previous, next, second
    previous, second next word), the gap and conjunction features come from small dense tables."""

    def __init__(
        self,
        weights: dict[str, float],
        lex: dict[str, str],
        threshold: float = 0.0,
        not_alone: Iterable[str] = (),
        lower_too: Iterable[str] = (),
        threshold_alone: float | None = None,
        clusters: dict[str, int] | None = None,
        cluster_groups: Iterable[int] = (),
    ):
        self.w = weights
        self.lex = lex
        # distributional word clusters learned on unlabelled text (lower-cased word → cluster; ``cluster_groups``:
        # each cluster's coarser group): words that occur in the same contexts share weights, so a word the
        # labelled text never showed is read like its neighbours ("Kowalczyk" like "Smith", "Verona" like "Paris")
        self.clusters = clusters or {}
        self.cluster_groups = list(cluster_groups)
        self.threshold = threshold
        # a name of one word (after any title) needs this score: one capitalised word is most of the false names
        # (places, brands, common words at a sentence start), so it needs more evidence than a run of name words
        self.threshold_alone = threshold if threshold_alone is None else threshold_alone
        # places and peoples that are never a name on their own ("Dubai", "Saudis"): a name made only of these is
        # dropped, one with a given name or surname next to them is kept ("Paris Hilton")
        self.not_alone = frozenset(not_alone)
        # given names and surnames that text writes in lower case more often than as names ("cook", "young",
        # "white"): one of these alone at a sentence start, before a lower-case word, is that word ("Cook the rice")
        self.lower_too = frozenset(lower_too)
        self._head = frozenset(w for w, c in lex.items() if c == "H")  # last words of place and organisation names
        g = weights.get
        shapes = set()  # shapes that any weight mentions get an id; every other shape is id 0 (all weights 0)
        for key in weights:
            head, _, rest = key.partition("=")
            if head in ("sh", "psh", "nsh"):
                shapes.add(rest)
            elif head == "plsh":
                shapes.add(rest[1:])
            elif head == "pnsh":  # "a|b", and a shape may itself hold "|": every split
                shapes.update(x for i, ch in enumerate(rest) if ch == "|" for x in (rest[:i], rest[i + 1 :]))
        shape_of = [""] + sorted(shapes - {""})
        self._shape_id = {sh: k for k, sh in enumerate(shape_of) if k}
        classes = sorted(set(lex.values()) | {"-"})
        self._class_id = {c: k for k, c in enumerate(classes)}
        self._closed = np.array([c == "N" for c in classes])
        self._common = np.array([c == "C" for c in classes])
        self._titles = frozenset(w for w, c in lex.items() if c == "T")  # lexicon class T: "Attorney", "Mr"
        _, gap_class = _en_tables()
        self._sentence_after = np.array([x in SENTENCE_START_GAPS for x in gap_class])
        self._before_w = np.array([g("pg=" + x, 0.0) for x in gap_class])
        self._after_w = np.array([g("ng=" + x, 0.0) for x in gap_class])
        prevs = ("O", "N", "C")
        self._first_w = np.array([g("f=False", 0.0), g("f=True", 0.0)])
        self._class_first = np.array([[g(f"lxf={c}{f}", 0.0) for f in (False, True)] for c in classes])
        self._prev_w = np.array([g("pl=" + p, 0.0) for p in prevs])
        self._prev_shape = np.array([[g(f"plsh={p}{sh}", 0.0) if k else 0.0 for k, sh in enumerate(shape_of)] for p in prevs])
        self._prev_class = np.array([[g(f"pl_lx={p}{c}", 0.0) for c in classes] for p in prevs])
        self._shapes_around = np.zeros((len(shape_of), len(shape_of)))
        for key, v in weights.items():
            if key.startswith("pnsh="):
                rest = key[5:]
                for i, ch in enumerate(rest):
                    if ch == "|" and rest[:i] in self._shape_id and rest[i + 1 :] in self._shape_id:
                        self._shapes_around[self._shape_id[rest[:i]], self._shape_id[rest[i + 1 :]]] = v
        self._classes_around = np.array([[[g(f"lxpn={a}|{b}|{c}", 0.0) for c in classes] for b in classes] for a in classes])
        # the per-word weights regrouped: one look-up per word, shape and lexicon class instead of one per feature
        self._bias = g("b", 0.0)
        self._length = [g(f"len={n}", 0.0) for n in range(13)]
        # affix weights keyed by the affix alone (no key string built per word)
        self._suffix3, self._suffix2, self._prefix3 = ({k[3:]: v for k, v in weights.items() if k[:3] == head}
                                                       for head in ("s3=", "s2=", "p3="))  # fmt: skip
        by_word: dict[str, tuple] = {}
        for key in weights:
            head, _, rest = key.partition("=")
            if head in ("w", "pw", "nw", "pw2", "nw2"):
                by_word[rest] = tuple(g(f"{h}={rest}", 0.0) for h in ("w", "pw", "nw", "pw2", "nw2"))
        # per shape with an id or a weight: its id and its weights (own, as previous, as next), one look-up per new
        # word instead of two (every other shape: id 0, weights 0)
        with_weights = {k.partition("=")[2] for k in weights if k.partition("=")[0] in ("sh", "psh", "nsh")}
        self._by_shape = {sh: (self._shape_id.get(sh, 0), *(g(f"{h}={sh}", 0.0) for h in ("sh", "psh", "nsh")))
                          for sh in self._shape_id.keys() | with_weights}  # fmt: skip
        self._by_class = np.array([[g(f"{h}={c}", 0.0) for h in ("lx", "plx", "nlx")] for c in classes])
        # per cluster (row 0: no cluster): own, as previous, as next, the fine and the coarse level summed
        by_cluster = np.array([[g(f"{h}={c}", 0.0) + g(f"{h}g={k}", 0.0) for h in ("c", "pc", "nc")]
                               for c, k in [("-", "-")] + list(enumerate(self.cluster_groups))]).reshape(-1, 3)  # fmt: skip
        # one row per word with weights or a cluster: its word weights (own, as previous, next, second previous,
        # second next) plus its cluster's; row 0 for every other word
        known = sorted(by_word.keys() | self.clusters.keys())
        self._word_row = dict(zip(known, range(1, len(known) + 1)))
        self._word_table = np.zeros((len(known) + 1, 5))
        self._word_table[1:] = _stacked(map(by_word.get, known, itertools.repeat((0.0,) * 5)), len(known), 5)
        self._word_table[:, :3] += by_cluster[[0] + [self.clusters.get(w, -1) + 1 for w in known]]
        # per lower-cased word of the lexicon or with a row: lexicon class id · 2**32 + word row, one look-up per new
        # word instead of two (every other word: class "-", row 0)
        self._lower_info = {w: self._class_id[lex.get(w, "-")] << 32 | self._word_row.get(w, 0)
                            for w in lex.keys() | self._word_row.keys()}  # fmt: skip
        self._reset_words()

    def _reset_words(self) -> None:
        self._word_id: dict[str, int] = {}
        self._rows = np.zeros((1024, 5))  # own, as previous, as next, as second previous, as second next
        self._ints = np.zeros((1024, 2), np.int64)  # shape id, lexicon-class id
        self._key_ids = _KeyTable()  # ``_word_keys`` key → row id, for the words met that have a key
        self._long_key_ids = _KeyTable(dtype=_PAIR)  # likewise by ``_long_word_keys``
        self._ids(["<S>", "</S>"])

    def _ids_at(self, ws: EnWords, idx: np.ndarray) -> np.ndarray:
        """Row ids of words ``idx`` of ``ws``: a short word already met by its key, in numpy (cutting each word out of
        the batch text and looking it up as a string cost ≈ 0.3 µs a word), every other word by its text (``_ids``)."""
        if len(idx) < _FEW:
            return self._ids(word_texts(ws, idx))
        keys = _word_keys(ws, idx)
        ids = self._key_ids.get(keys)
        # the longer words (≈ 2 per review, most of the words looked up by text before) by a pair of keys
        long = np.flatnonzero(keys == 0)
        pairs = _long_word_keys(ws, idx[long])
        ids[long] = self._long_key_ids.get(pairs)
        miss = np.flatnonzero(ids < 0)
        if len(miss):
            ids[miss] = found = self._ids(word_texts(ws, idx[miss]))
            keyed = keys[miss] != 0
            new, first = np.unique(keys[miss][keyed], return_index=True)  # a word may be missed more than once
            self._key_ids.put(new, found[keyed][first])
            long_missed = np.isin(long, miss, assume_unique=True)
            paired = _KeyTable._held(pairs[long_missed])
            new, first = np.unique(pairs[long_missed][paired], return_index=True)
            self._long_key_ids.put(new, found[~keyed][paired][first])
        return ids

    def _ids(self, words: list[str]) -> np.ndarray:
        """Row ids of ``words``, filling the rows of words seen for the first time (in C-level maps and numpy:
        a Python loop over new words would cost as much as everything else)."""
        word_id = self._word_id
        ids = np.fromiter(map(word_id.get, words, itertools.repeat(-1)), np.int64, len(words))
        miss = np.flatnonzero(ids < 0).tolist()
        if not miss:
            return ids
        missed = [words[j] for j in miss]
        new = list(dict.fromkeys(missed))
        n0, n = len(word_id), len(word_id) + len(new)
        word_id.update(zip(new, range(n0, n)))
        if n > len(self._rows):
            grow = max(n, 2 * len(self._rows)) - len(self._rows)
            self._rows = np.concatenate([self._rows, np.zeros((grow, 5))])
            self._ints = np.concatenate([self._ints, np.zeros((grow, 2), np.int64)])
        lower = list(map(str.lower, new))
        shapes = map(shape.__wrapped__, new)  # new words: shape's cache would only miss
        info = np.fromiter(map(self._lower_info.get, lower, itertools.repeat(self._class_id["-"] << 32)), np.int64, len(new))
        classes = info >> 32
        by_word = self._word_table[info & 0xFFFFFFFF]
        # shape id and weights (own, as previous, as next)
        by_shape = _stacked(map(self._by_shape.get, shapes, itertools.repeat((0, 0.0, 0.0, 0.0))), len(new), 4)
        by_class = self._by_class[classes]
        rows = self._rows[n0:n]
        rows[:, 1] = by_word[:, 1] + by_shape[:, 2] + by_class[:, 1]
        rows[:, 2] = by_word[:, 2] + by_shape[:, 3] + by_class[:, 2]
        rows[:, 3:] = by_word[:, 3:]
        # the own-feature sum, for capitalised words only (nothing else is scored)
        cap = [i for i, t in enumerate(new) if t[:1].isupper()]
        if cap:
            low = [lower[i] for i in cap]
            s3, s2, p3 = self._suffix3.get, self._suffix2.get, self._prefix3.get
            affixes = np.fromiter((s3(w[-3:], 0.0) + s2(w[-2:], 0.0) + p3(w[:3], 0.0) for w in low), float, len(cap))
            lengths = np.array(self._length)[np.minimum([len(new[i]) for i in cap], 12)]
            rows[cap, 0] = self._bias + by_word[cap, 0] + by_shape[cap, 1] + affixes + lengths + by_class[cap, 0]
        ints = self._ints[n0:n]
        ints[:, 0] = by_shape[:, 0]
        ints[:, 1] = classes
        if len(new) == len(missed):  # each missed word once: the new rows, in order
            ids[miss] = np.arange(n0, n)
        else:
            ids[miss] = np.fromiter(map(word_id.__getitem__, missed), np.int64, len(missed))
        return ids

    def feats(self, ws: EnWords, i: int, prev_label: str) -> list[str]:
        """Features of word ``i`` of ``ws`` (training; ``tag`` adds the same weights in the same groups)."""
        word = lambda j: ws.text[ws.start[j] : ws.end[j]]  # noqa: E731
        same = lambda j: 0 <= j < len(ws.start) and ws.doc[j] == ws.doc[i]  # noqa: E731
        tok = word(i)
        p, p2 = (word(i - 1) if same(i - 1) else "<S>"), (word(i - 2) if same(i - 2) else "<S>")
        n, n2 = (word(i + 1) if same(i + 1) else "</S>"), (word(i + 2) if same(i + 2) else "</S>")
        _, gap_class = _en_tables()
        pg, ng = gap_class[ws.before[i]], gap_class[ws.after[i]]
        lex = self.lex
        lw, pl_, nl_ = tok.lower(), p.lower(), n.lower()
        first = pg in SENTENCE_START_GAPS and not (pg == "." and len(p) == 1 and p.isupper())
        lc, pl, nl = lex.get(lw, "-"), lex.get(pl_, "-"), lex.get(nl_, "-")
        sh, psh, nsh = shape(tok), shape(p), shape(n)
        cl, pcl, ncl = (self.clusters.get(x, "-") for x in (lw, pl_, nl_))
        group = lambda c: "-" if c == "-" else self.cluster_groups[c]  # noqa: E731
        return [
            "b", "w=" + lw, "sh=" + sh, "s3=" + lw[-3:], "s2=" + lw[-2:], "p3=" + lw[:3], f"len={min(len(tok), 12)}",
            "lx=" + lc,
            "pw=" + pl_, "psh=" + psh, "plx=" + pl, "nw=" + nl_, "nsh=" + nsh, "nlx=" + nl,
            "pw2=" + p2.lower(), "nw2=" + n2.lower(), "pg=" + pg, "ng=" + ng,
            f"f={first}", f"lxf={lc}{first}", "pl=" + prev_label, f"plsh={prev_label}{sh}", f"pl_lx={prev_label}{lc}",
            f"pnsh={psh}|{nsh}", f"lxpn={pl}|{lc}|{nl}",
            f"c={cl}", f"pc={pcl}", f"nc={ncl}", f"cg={group(cl)}", f"pcg={group(pcl)}", f"ncg={group(ncl)}",
        ]  # fmt: skip

    def score(self, fs: list[str]) -> float:
        w = self.w
        return sum([w.get(f, 0.0) for f in fs])

    def candidates(self, ws: EnWords) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the words that are scored: capitalised, not closed-class ("The", "When"), and not a common
        lower-case word starting a sentence ("Great movie."); training uses the same rule. Also the row id of
        every capitalised word (-1 for the others)."""
        ids_of = np.full(len(ws.start), -1, np.int64)
        cap = np.flatnonzero(ws.capital)
        if not len(cap):
            return cap, ids_of
        ids_of[cap] = ids = self._ids_at(ws, cap)
        lc = self._ints[ids, 1]
        return cap[~self._closed[lc] & ~(self._common[lc] & self._sentence_after[ws.before[cap]])], ids_of

    def tag(self, ws: EnWords) -> tuple[np.ndarray, np.ndarray]:
        """(candidate word indices, their scores): > threshold is part of a name."""
        if len(self._word_id) > 300_000:  # bounded memory on endless vocabularies
            self._reset_words()
        at, ids_of = self.candidates(ws)
        if not len(at):
            return at, np.zeros(0)
        n_words = len(ws.start)
        # the words around each candidate (a text's edge gives the sentinels "<S>" / "</S>")
        near = np.stack([at - 2, at - 1, at, at + 1, at + 2])
        clipped = np.clip(near, 0, n_words - 1)
        inside = (near == clipped) & (ws.doc[clipped] == ws.doc[at])
        inside[0] &= inside[1]
        inside[4] &= inside[3]
        mark = np.zeros(n_words, bool)
        mark[clipped[inside]] = True
        need = np.flatnonzero(mark & (ids_of < 0))
        ids_of[need] = self._ids_at(ws, need)
        ids = np.where(inside, ids_of[clipped], 0)
        ids[3:][~inside[3:]] = 1  # "</S>"
        i_p2, i_p, i_t, i_n, i_n2 = ids
        rows, ints = self._rows, self._ints
        before, after = ws.before[at], ws.after[at]
        base = rows[i_t, 0] + rows[i_p, 1] + rows[i_n, 2] + rows[i_p2, 3] + rows[i_n2, 4]
        base += self._before_w[before]
        base += self._after_w[after]
        # "J. Smith": the period after an initial starts no sentence
        lengths = ws.end[clipped[1]] - ws.start[clipped[1]]
        initial = inside[1] & (before == _PERIOD) & (lengths == 1) & ws.capital[clipped[1]]
        first = (self._sentence_after[before] & ~initial).astype(np.int64)
        sh, lc = ints[i_t, 0], ints[i_t, 1]
        head = self._first_w[first] + self._class_first[lc, first]
        tail_a = self._shapes_around[ints[i_p, 0], ints[i_n, 0]]
        tail_b = self._classes_around[ints[i_p, 1], lc, ints[i_n, 1]]
        by_prev = []
        for k in range(3):  # the conjunctions with the previous decision O, N, C, in ``feats`` order
            c = head + self._prev_w[k]
            c += self._prev_shape[k, sh]
            c += self._prev_class[k, lc]
            c += tail_a
            c += tail_b
            by_prev.append(base + c)
        s = by_prev[0]
        links = chained(ws, at)
        todo = np.flatnonzero(links)
        if len(todo):
            # a linked word's score depends on the decision just before it (greedy, left to right)
            s = s.copy()
            # many: settle all chains of linked words at once, one chain position at a time, while that moves many;
            # the rest in order, one by one (a chain of 40,000 linked capitals took 40,000 numpy passes: quadratic)
            settled = ~links
            while len(todo) >= _FEW:
                ready = todo[settled[todo - 1]]
                if len(ready) < _FEW:
                    break
                s[ready] = np.where(s[ready - 1] > self.threshold, by_prev[1][ready], by_prev[2][ready])
                settled[ready] = True
                todo = todo[~settled[todo]]
            thr = self.threshold
            for j in todo.tolist():  # ascending: each word's predecessor is settled before it
                s[j] = (by_prev[1] if s[j - 1] > thr else by_prev[2])[j]
        return at, s


def _stacked(rows: Iterable[tuple[float, ...]], n: int, width: int) -> np.ndarray:
    """(n, width) array of ``n`` tuples (one flat ``fromiter``: ``np.array`` of a list of tuples is ≈ 3× slower)."""
    return np.fromiter(itertools.chain.from_iterable(rows), float, n * width).reshape(n, width)


_DECODE = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}
# Below this many words (one short text: ``detect`` on a meta field, a preview), plain Python beats numpy's fixed
# costs; both ways give the same result (tests run each).
_FEW = 64


def word_texts(ws: EnWords, idx: np.ndarray) -> list[str]:
    """Words ``idx`` of ``ws``: their code points gathered, each followed by a zero, decoded and split once (a
    slice of ``ws.text`` per word costs ≈ 3× more)."""
    if len(idx) < _FEW:
        return [ws.text[s:e] for s, e in zip(ws.start[idx].tolist(), ws.end[idx].tolist())]
    s, e = ws.start[idx], ws.end[idx]
    n = e - s + 1  # a word and the character after it (there is one: texts end with pads), which becomes the zero
    ends = np.cumsum(n)
    chars = ws.codes[np.arange(ends[-1]) + np.repeat(s - (ends - n), n)]
    chars[ends - 1] = 0
    return chars.tobytes().decode(_DECODE[chars.itemsize], "surrogatepass").split("\x00")[:-1]


# A word of at most 8 characters below U+0100 is one int64 key: its code points as the key's bytes, zero-padded
# (no word holds a zero, so different words give different keys), then mixed by a bijection (xor-shifts and an odd
# multiplier) so that the top bits, which pick a slot of ``_KeyTable``, differ between words with the same letters.
_KEY_CHARS = 8
_KEY_MIX = np.uint64(0x9E3779B97F4A7C15)


@functools.lru_cache(maxsize=None)
def _key_masks(itemsize: int) -> tuple[np.ndarray, np.ndarray]:
    """For code points of ``itemsize`` bytes read as uint64 lanes (8 / itemsize characters each), per word length
    0…8: the bits of the word's characters in each lane; and the bits above a byte in every character."""
    bits = 8 * itemsize
    within = np.zeros((_KEY_CHARS + 1, _KEY_CHARS * itemsize // 8), np.uint64)
    for n in range(_KEY_CHARS + 1):
        mask = (1 << bits * n) - 1  # the word's first n characters, little-endian
        for lane in range(within.shape[1]):
            within[n, lane] = (mask >> 64 * lane) & (2**64 - 1)
    above_byte = sum(((1 << bits) - 256) << bits * k for k in range(8 // itemsize)) if itemsize > 1 else 0
    return within, np.uint64(above_byte)


def _word_keys(ws: EnWords, idx: np.ndarray) -> np.ndarray:
    """The key of each word ``idx`` of ``ws``, or 0 where it is longer or holds a character beyond U+00FF."""
    start = ws.start[idx]
    n = ws.end[idx] - start
    keys = _chars_key(ws.codes, start, np.minimum(n, _KEY_CHARS))
    keys[n > _KEY_CHARS] = 0
    return keys


# A word of 9 to 16 characters below U+0100 is a pair of keys: its first 8 characters' and the rest's (the pair
# names one word: the first key says where the rest starts)
_PAIR = np.dtype([("first", np.int64), ("rest", np.int64)])


def _long_word_keys(ws: EnWords, idx: np.ndarray) -> np.ndarray:
    """The ``_PAIR`` key of each word ``idx`` of ``ws``, or (0, 0) where it has other than 9–16 characters or one
    beyond U+00FF."""
    start = ws.start[idx]
    n = ws.end[idx] - start
    first = _chars_key(ws.codes, start, np.full(len(idx), _KEY_CHARS))
    rest = _chars_key(ws.codes, start + _KEY_CHARS, np.clip(n - _KEY_CHARS, 0, _KEY_CHARS))
    keyed = np.flatnonzero((n > _KEY_CHARS) & (n <= 2 * _KEY_CHARS) & (first != 0) & (rest != 0))
    keys = np.zeros(len(idx), _PAIR)
    keys["first"][keyed] = first[keyed]
    keys["rest"][keyed] = rest[keyed]
    return keys


def _chars_key(codes: np.ndarray, start: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The key of the ``n`` (at most 8) code points of ``codes`` from each ``start``, or 0 where one of them is beyond
    U+00FF."""
    chars = codes.take(start[:, None] + np.arange(_KEY_CHARS), mode="clip")
    within, above_byte = _key_masks(chars.itemsize)
    mine = within.take(n, axis=0)  # (words, lanes): the word's own characters
    lanes = chars.view(np.uint64)
    if chars.itemsize > 1:
        unkeyed = (lanes & mine & above_byte).any(1)
        lanes = chars.astype(np.uint8).view(np.uint64)
        mine = _key_masks(1)[0].take(n, axis=0)
    keys = lanes.ravel() & mine.ravel()
    if chars.itemsize > 1:
        keys[unkeyed] = 0  # stays 0 through the mix
    keys ^= keys >> np.uint64(29)
    keys *= _KEY_MIX
    keys ^= keys >> np.uint64(32)
    return keys.view(np.int64)


class _KeyTable:
    """Non-zero int64 keys (``_word_keys``), or non-zero ``_PAIR`` keys (``_long_word_keys``), → row ids, as a hash
    table in numpy arrays (open addressing, the slot from the key's top bits, filled to a quarter at most) so that a
    batch's keys are looked up together."""

    def __init__(self, size: int = 1 << 16, dtype: np.dtype = np.dtype(np.int64)):
        self.keys = np.zeros(size, dtype)  # 0: an empty slot
        self.ids = np.full(size, -1, np.int64)
        self.filled = 0

    @staticmethod
    def _held(keys: np.ndarray) -> np.ndarray:
        """Which keys are no empty slot's (a pair's first key is never 0)."""
        return keys["first"] != 0 if keys.dtype.names else keys != 0

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        if keys.dtype.names:  # pairs that share their first key go to different slots
            keys = keys["first"] ^ keys["rest"]
        return (keys.view(np.uint64) >> np.uint64(65 - len(self.keys).bit_length())).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The id of each key, -1 where it is absent (and for key 0)."""
        out = np.full(len(keys), -1, np.int64)
        todo = np.flatnonzero(self._held(keys))
        slot = self._slots(keys[todo])
        while len(todo):
            found = self.keys[slot]
            hit = found == keys[todo]
            out[todo[hit]] = self.ids[slot[hit]]
            on = self._held(found) & ~hit  # another key holds the slot: try the next one
            todo, slot = todo[on], (slot[on] + 1) & (len(self.keys) - 1)
        return out

    def put(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Add distinct non-zero ``keys``, none of them present."""
        if 4 * (self.filled + len(keys)) > len(self.keys):
            held = self._held(self.keys)
            old_keys, old_ids = self.keys[held], self.ids[held]
            self.__init__(2 * len(self.keys), self.keys.dtype)
            self.put(np.concatenate([old_keys, keys]), np.concatenate([old_ids, ids]))
            return
        self.filled += len(keys)
        slot = self._slots(keys)
        while len(keys):
            free = np.flatnonzero(~self._held(self.keys[slot]))
            # one key per free slot: every key is written to its slot, the one that stays there is placed (no sort),
            # the others go on
            self.keys[slot[free]] = keys[free]
            placed = free[self.keys[slot[free]] == keys[free]]
            self.ids[slot[placed]] = ids[placed]
            left = np.ones(len(keys), bool)
            left[placed] = False
            keys, ids, slot = keys[left], ids[left], (slot[left] + 1) & (len(self.keys) - 1)


def chained(ws: EnWords, at: np.ndarray) -> np.ndarray:
    """Whether each candidate (word indices ``at``, in order) follows the one before it with only spaces between:
    it then takes that one's decision as its previous label (greedy, left to right; training does the same)."""
    out = np.zeros(len(at), bool)
    out[1:] = (at[1:] == at[:-1] + 1) & (ws.before[at[1:]] == _SPACE_GAP)
    return out


def load_en(path: Path = EN_MODEL) -> EnModel:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        d = json.load(f)
    return EnModel(d["weights"], d["lex"], d.get("threshold", 0.0), d.get("not_alone", ()), d.get("lower_too", ()),
                   d.get("threshold_alone"), d.get("clusters"), d.get("cluster_groups", ()))


def en_names_batch(texts: list[str], model: EnModel) -> list[list[NameSpan]]:
    """Names in each text: runs of name words (spaces between them, or the period of an initial: "J. Smith"),
    without a leading title ("Attorney Robert Sarvis" → "Robert Sarvis"); a name of one word needs a score above
    ``model.threshold_alone``."""
    found = en_names_by_text(texts, model)
    return [found.get(k, []) for k in range(len(texts))]


def en_names_by_text(texts: list[str], model: EnModel) -> dict[int, list[NameSpan]]:
    """``en_names_batch``'s names, by the index of each text that has any (the detector's batches: no empty list
    per text living through the batch)."""
    out: dict[int, list[NameSpan]] = collections.defaultdict(list)
    if not texts:
        return out
    ws = en_words(texts, all_gaps=False)
    at, s = model.tag(ws)
    at, s = _with_middle_initials(ws, at, s, model)
    hit = s > model.threshold
    if not hit.any():
        return out
    at, scores = at[hit], s[hit]
    runs = np.array(_name_runs(ws, at))
    # runs of one word below the one-word threshold would be dropped below: leave them out here, in numpy (most
    # words above the lower threshold are such)
    firsts, lasts = runs[:-1], runs[1:]
    kept = (lasts - firsts > 1) | (scores[firsts] > model.threshold_alone)
    firsts, lasts = firsts[kept], lasts[kept]
    if not len(firsts):
        return out
    # every name word's lower case at once; each run's tests in numpy, and the tests that read the text in Python
    # on the runs they can drop (a Python loop over all runs cost ≈ 3 µs a run, ≈ 50,000 runs per 20,000 documents)
    lower = list(map(str.lower, word_texts(ws, at)))
    n = len(at)
    # a name starts at its run's first word that is no title ("Attorney Robert Sarvis"); a run of titles: ``lasts``
    not_title = np.append(np.flatnonzero([w not in model._titles for w in lower]), n)
    begins = np.minimum(not_title[np.searchsorted(not_title, firsts)], lasts)
    # each name's lowest word score: reduceat over [begin, last) pairs (the appended score makes ``n`` an index)
    best = np.minimum.reduceat(np.append(scores, 0.0), np.stack([begins, lasts], 1).ravel())[::2]
    # a name made only of places and peoples ("Dubai") is none: it needs a word outside ``not_alone``
    others = np.concatenate([[0], np.cumsum([w not in model.not_alone for w in lower])])
    head = model._head
    run = np.flatnonzero(
        (begins < lasts)
        & (others[lasts] > others[begins])
        & ((lasts - begins > 1) | (best > model.threshold_alone))
        & ~np.array([_place_head(lower[j - 1], head) for j in lasts.tolist()], bool)
    )
    k, j = begins[run], lasts[run]
    word = at[k]
    start, end = ws.start[word].tolist(), ws.end[word].tolist()
    one_word = j - k == 1
    text = ws.text
    drop = np.zeros(len(run), bool)
    # a one-word name opening a sentence may be a common word ("Cook the rice")
    for x in np.flatnonzero(one_word & (k == firsts[run]) & model._sentence_after[ws.before[word]]).tolist():
        drop[x] = _common_word_opening(ws, int(word[x]), lower[k[x]], model)
    # a place: after "St" / "St.", an item of a list of places
    saint, listed = _place_cues(ws, word)
    for x in np.flatnonzero(saint).tolist():
        drop[x] |= _after_saint(text, start[x])
    for x in np.flatnonzero(one_word & listed).tolist():
        drop[x] |= _in_place_list(text, start[x], end[x], model)
    # the capitalised word after the name, when only spaces lie between: perhaps a place head ("Bridge")
    last = at[j - 1]
    after = last + 1
    inside = after < len(ws.start)
    after = np.where(inside, after, 0)
    next_word = inside & (ws.doc[after] == ws.doc[last]) & (ws.before[after] == _SPACE_GAP) & ws.capital[after]
    for x in np.flatnonzero(next_word).tolist():
        drop[x] |= _before_place_head(ws, int(after[x]), head)
    keep = ~drop
    word, last, doc = word[keep], last[keep], ws.doc[word[keep]]
    offset = ws.doc_start[doc]
    for d, a, b, score in zip(doc.tolist(), (ws.start[word] - offset).tolist(), (ws.end[last] - offset).tolist(),
                              best[run[keep]].tolist()):  # fmt: skip
        out[d].append(NameSpan(a, b, _confidence(score)))
    return out


def _place_cues(ws: EnWords, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per word ``at``, the first tests of ``_after_saint`` (the text before it ends in "St " or "St. ") and of
    ``_in_place_list`` (a comma right after it, or ", " / "and " / "or " right before it), for all words at once:
    most names fail both, so only the few that pass pay the two Python calls."""
    c, start = ws.codes, ws.start[at]
    back = [c[np.maximum(start - n, 0)] for n in range(5)]  # back[n]: the code point n before the word (zeros at 0)
    space = back[1] == 32
    saint = space & (
        ((back[2] == ord("t")) & (back[3] == ord("S")))
        | ((back[2] == _PERIOD) & (back[3] == ord("t")) & (back[4] == ord("S")))
    )  # fmt: skip
    listed = (
        (c[ws.end[at]] == ord(","))
        | (space & (back[2] == ord(",")))
        | (space & (back[2] == ord("d")) & (back[3] == ord("n")) & (back[4] == ord("a")))
        | (space & (back[2] == ord("r")) & (back[3] == ord("o")))
    )  # fmt: skip
    return saint, listed


# lexicon classes of a word that cannot open or close a "Maja S Hermansen" name: common lower-case words, titles,
# particles, closed-class words, place heads, places
_NOT_AROUND_INITIAL = frozenset(("C", "T", "P", "N", "H", "L"))


def _with_middle_initials(ws: EnWords, at: np.ndarray, s: np.ndarray, model: EnModel) -> tuple[np.ndarray, np.ndarray]:
    """The candidates ``at`` and their scores ``s`` with every "Silvia J Křenová" / "Alvir D. Pušaver" made a name:
    a capitalised word in title case, a single capital letter (with or without a period) and a word in title case, the
    outer two candidates that are no common word, place, title or place head, with no place head after them ("Maja S
    Hermansen Street").
    The perceptron cuts such names ("Jildau" of "Jildau S Bouts"), and "A" is no candidate at all."""
    initial = np.flatnonzero(ws.capital & (ws.end - ws.start == 1))
    initial = initial[(initial > 0) & (initial < len(ws.start) - 1)]
    # candidates on both sides (most single capitals are an "I" after a lower-case word), spaces before the initial
    candidate = np.zeros(len(ws.start), bool)
    candidate[at] = True
    initial = initial[candidate[initial - 1] & candidate[initial + 1]]
    initial = initial[ws.before[initial] == _SPACE_GAP]
    if not len(initial):
        return at, s
    text, start, end, before, doc = ws.text, ws.start, ws.end, ws.before, ws.doc
    forced = []
    for w in initial.tolist():
        gap = before[w + 1]
        if not (gap == _SPACE_GAP or (gap == _PERIOD and text[end[w]] == "." and text[end[w] + 1] == " ")):
            continue
        if text[end[w - 1]] in "'’":  # not over a cut possessive
            continue
        outer = [text[start[x] : end[x]] for x in (w - 1, w + 1)]
        if any(len(o) < 2 or o[1:].isupper() for o in outer):  # title case only: "I'M A CYBORG" is a title
            continue
        outer = [o.lower() for o in outer]
        if any(model.lex.get(o, "")[-1:] in _NOT_AROUND_INITIAL or _place_head(o, model._head) for o in outer):
            continue
        nxt = w + 2
        if nxt < len(start) and doc[nxt] == doc[w] and before[nxt] == _SPACE_GAP and ws.capital[nxt]:
            if _place_head(text[start[nxt] : end[nxt]].lower(), model._head):
                continue
        forced += [w - 1, w, w + 1]
    if not forced:
        return at, s
    forced = np.unique(forced)
    new = forced[~candidate[forced]]  # the initials that are no candidates ("A")
    at_new = np.searchsorted(at, new)
    words, scores = np.insert(at, at_new, new), np.insert(s, at_new, -np.inf)
    raised = np.searchsorted(words, forced)
    scores[raised] = np.maximum(scores[raised], model.threshold + 1e-6)
    return words, scores


def _before_place_head(ws: EnWords, a: int, head: frozenset) -> bool:
    """Whether the capitalised word ``a`` right after a name is a place head, or another capitalised word before one
    ("Melinda" of "the Bill and Melinda Gates Foundation", where "Gates" scored too low to join the name)."""
    text, start, end = ws.text, ws.start, ws.end
    if _place_head(text[start[a] : end[a]].lower(), head):
        return True
    b = a + 1
    return (
        b < len(start) and ws.doc[b] == ws.doc[a] and ws.capital[b] and ws.before[b] == _SPACE_GAP
        and _place_head(text[start[b] : end[b]].lower(), head)
    )  # fmt: skip


def _place_head(lower: str, head: frozenset) -> bool:
    """Whether ``lower`` is the last word of place and organisation names, or its plural: a name that ends in one
    ("Naqsh-e Jahan Square", "Verde Rivers") or is followed by one, capitalised ("Maria Lopez Foundation", "George
    Washington Bridge"), is no person's."""
    return lower in head or (lower[-1:] == "s" and lower[:-1] in head)


_LIST_SEPARATOR = re.compile(r",\s*(?:and|or)\s+|,\s*|\s+(?:and|or)\s+")
_SENTENCE_END = re.compile(r"[.!?;:\n]\s|\x00")  # or a text's edge (zeros part the texts of a batch)
# What can follow a list item's spaces (at most 199, no line break) if only spaces lie between it and the next
# separator or the sentence's end (``_SENTENCE_END``, or the 200 characters it is looked for in): a separator's
# comma or word, a sentence end's character, any space left (a line break, the 200th), the text's end. It is
# weaker than the test it guards, never stricter.
_ITEM_END = re.compile(r"[^\S\n]{0,199}+(?:[\s,.!?;:\x00]|and|or|\Z)")


def _after_saint(text: str, at: int) -> bool:
    """Whether the name at ``at`` follows an abbreviated "St" / "St.": a place or a church ("St Anne", "St. Louis",
    "St François"), not a person of today."""
    if text[at - 2 : at] not in ("t ", ". "):  # how both end (most names fail here)
        return False
    for before in ("St ", "St. "):
        k = at - len(before)
        if k >= 0 and text[k:at] == before and (k == 0 or not text[k - 1].isalpha()):
            return True
    return False


def _in_place_list(text: str, start: int, end: int, model: "EnModel") -> bool:
    """Whether the one-word name ``text[start:end]`` is an item of its own in a list (commas, "and", "or") of
    which another item ends in a place word ("Tulsa, Sand Springs, Sapulpa, Jenks, and Broken Arrow"; "Preston,
    Victoria, Australia"): it is a place too."""
    # a list item of its own has a separator right before or after it: most names fail here, at no cost
    if not (text[end : end + 1] == "," or text[start - 2 : start] == ", " or text[start - 4 : start] == "and "
            or text[start - 3 : start] == "or "):  # fmt: skip
        return False
    # ... and only spaces up to it on both sides (checked before the list is split, which costs ≈ 20 µs). First
    # what a character or two tell: after the name's spaces comes a separator, a sentence end or the window's end
    # (``_ITEM_END``; half of the names that reach here fail it, which the two searches below cost ≈ 4 µs to
    # learn) ...
    if not _ITEM_END.match(text, end):
        return False
    # ... before it, back to the last character that is not a space: only a comma, the end of "and" / "or", a
    # sentence end (or a line break before the spaces) can end a separator or the sentence's start there ...
    window = max(0, start - 200)
    q = start
    while q > window and text[q - 1].isspace():
        q -= 1
    if q > window and text[q - 1] not in ",dr.!?;:\x00" and "\n" not in text[q : start - 1]:
        return False
    # ... and after the name up to the next separator (no separator starts inside the name, so the split below finds
    # the same one)
    hi = _SENTENCE_END.search(text, end, end + 200)
    hi = hi.start() if hi else min(len(text), end + 200)
    after = _LIST_SEPARATOR.search(text, end, hi)
    if text[end : after.start() if after else hi].strip():
        return False
    lo = max((m.end() for m in _SENTENCE_END.finditer(text, window, start)), default=window)
    return _listed_with_a_place(text, start, end, lo, hi, model)


def _listed_with_a_place(text: str, start: int, end: int, lo: int, hi: int, model: "EnModel") -> bool:
    """Whether ``text[start:end]`` is an item of its own of the list that the sentence ``text[lo:hi]`` holds and
    another item ends in a place word."""
    seps = [(m.start(), m.end()) for m in _LIST_SEPARATOR.finditer(text, lo, hi)]
    cuts = [lo] + [x for s, e in seps for x in (s, e)] + [hi]
    items = [text[a:b].strip() for a, b in zip(cuts[::2], cuts[1::2])]
    bounds = list(zip(cuts[::2], cuts[1::2]))
    mine = next((n for n, (a, b) in enumerate(bounds) if a <= start and end <= b), None)
    if mine is None or len(items) < 2 or items[mine] != text[start:end]:
        return False
    for n, item in enumerate(items):
        last = item.rsplit(None, 1)[-1].strip("\"'”’)") if item else ""
        lower = last.lower()
        if n != mine and last[:1].isupper() and (
            lower in model.not_alone or model.lex.get(lower, "").endswith("L") or _place_head(lower, model._head)
        ):
            return True
    return False


def _common_word_opening(ws: EnWords, w: int, lower: str, model: EnModel) -> bool:
    """Whether the one-word name ``w`` (``lower`` is its lower case) opens a sentence and is a common word there:
    a name that is more often a lower-case word (``lower_too``), followed by a lower-case word ("Young and new
    faces", "White settlers") or written in lower case elsewhere in its text ("Cook for 15 minutes. … cook it
    again"). Only sentence openings, where the capital says nothing; only ``lower_too`` words: reviews write real
    names in lower case too ("joe", "tony")."""
    before = ws.before[w]
    if lower not in model.lower_too or not model._sentence_after[before]:
        return False
    if before == _PERIOD and w and ws.doc[w - 1] == ws.doc[w] and ws.end[w - 1] - ws.start[w - 1] == 1 and ws.capital[w - 1]:
        return False  # "J. Smith": the period of an initial
    d = ws.doc[w]
    doc_end = ws.doc_start[d + 1] - _PAD if d + 1 < len(ws.doc_start) else len(ws.text) - _PAD
    if _has_word(ws.text, lower, int(ws.doc_start[d]), int(doc_end)):
        return True
    nxt = w + 1
    return nxt < len(ws.start) and ws.doc[nxt] == d and ws.before[nxt] == _SPACE_GAP and ws.text[ws.start[nxt]].islower()


def _has_word(text: str, word: str, lo: int, hi: int) -> bool:
    """Whether ``word`` occurs in ``text[lo:hi]`` as a whole word, as written (case-sensitive)."""
    i = text.find(word, lo, hi)
    while i >= 0:
        a, b = i - 1, i + len(word)
        if not text[a].isalpha() and (b >= len(text) or not text[b].isalpha()):
            return True
        i = text.find(word, i + 1, hi)
    return False


def _name_runs(ws: EnWords, at: np.ndarray) -> list[int]:
    """Where each run of name words ``at`` (word indices, in order) starts, and ``len(at)``: a name goes on over the
    next name word after spaces (not across a cut possessive, "Tom's Anna") or after an initial's period."""
    start, end, before = ws.start[at], ws.end[at], ws.before[at]
    if len(at) < _FEW:
        a, s, e, b, text = at.tolist(), start.tolist(), end.tolist(), before.tolist(), ws.text
        return [0] + [
            j for j in range(1, len(a))
            if not (a[j] == a[j - 1] + 1 and (
                (b[j] == _SPACE_GAP and text[e[j - 1]] not in "'’")
                or (b[j] == _PERIOD and e[j - 1] - s[j - 1] == 1 and text[e[j - 1]] == ".")))
        ] + [len(a)]  # fmt: skip
    after_word = ws.codes[end[:-1]]
    goes_on = (at[1:] == at[:-1] + 1) & (
        ((before[1:] == _SPACE_GAP) & (after_word != 39) & (after_word != 0x2019))  # "'", "’"
        | ((before[1:] == _PERIOD) & (end[:-1] - start[:-1] == 1) & (after_word == _PERIOD))
    )  # fmt: skip
    return np.flatnonzero(np.concatenate([[True], ~goes_on])).tolist() + [len(at)]


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=None)
def zh_model() -> ZhModel:
    return load_zh()


@functools.lru_cache(maxsize=None)
def en_model() -> EnModel:
    return load_en()

"""The PII speed rewrites (ninth and tenth rounds) against straightforward references: same results on varied text."""

import copy
import hashlib
import hmac
import random
import re

import numpy as np
import pytest

from transforms.pii import addresses, detectors, names
from transforms.pii.stage import _HEX_TO_LETTERS, Anonymiser

# words of every kind the keys tell apart: short and long, Latin-1, other BMP, beyond the BMP (texts holding one are
# uint32 code points), inner hyphens and apostrophes, possessives that en_words cuts
WORDS = ["Tom", "tom", "Tomas", "Tom's", "Jean-Luc", "O'Brien", "Zoë", "ÉMILE", "Émile", "Ÿves", "Ωmega", "Straße",
         "Anna", "Annabell", "Annabelle", "Annabellezz", "Kowalczykowska", "a", "I", "ÿÿÿÿÿÿÿÿ", "the", "Paris",
         "Annabellezzzzzzz", "Annabellezzzzzzzz", "Kowalczykowsk'Ωa", "Jean-Christophe", "Zoëllenberger"]  # fmt: skip
GLUE = [" ", " ", ", ", ". ", "\n", " (", ") ", " 1999 ", "  ", " - ", "中", "😀", "\t", "' ", "’"]


def _texts(rng, n, wide=False):
    glue = GLUE if wide else [g for g in GLUE if g not in ("中", "😀")]
    return ["".join(rng.choice(WORDS) + rng.choice(glue) for _ in range(rng.randint(0, 25))) for _ in range(n)]


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("long", [False, True])
def test_word_keys_name_each_word_exactly(wide, long):
    """A key (``_word_keys``: up to 8 characters) or pair of keys (``_long_word_keys``: 9 to 16) for each word below
    U+0100 of those lengths, a different one for each word; 0 or (0, 0) for every other word."""
    ws = names.en_words(_texts(random.Random(1), 60, wide))
    idx = np.arange(len(ws.start))
    words = names.word_texts(ws, idx)
    if long:
        keys = [p if p != (0, 0) else 0 for p in names._long_word_keys(ws, idx).tolist()]
        assert all(k[0] != 0 for k in keys if k)  # the first key tells a pair from an empty slot
    else:
        keys = names._word_keys(ws, idx).tolist()
    keyed = [(8 < len(w) <= 16 if long else len(w) <= 8) and max(map(ord, w)) < 256 for w in words]
    assert keyed.count(True) > 30 and keyed.count(False) > 10
    assert [k != 0 for k in keys] == keyed
    by_key = {}
    for w, k in zip(words, keys):
        if k:
            assert by_key.setdefault(k, w) == w  # one word per key
    assert len(set(by_key.values())) == len(by_key)


@pytest.mark.parametrize("pairs", [False, True])
def test_key_table_answers_like_a_dict(pairs):
    rng = np.random.default_rng(2)
    table, reference = names._KeyTable(size=16, dtype=names._PAIR if pairs else np.dtype(np.int64)), {}

    def some(n):
        if not pairs:
            return rng.integers(-(2**63), 2**63 - 1, n)
        keys = np.zeros(n, names._PAIR)
        keys["first"] = rng.integers(-(2**63), 2**63 - 1, n)
        keys["first"][: n // 2] = 12345  # pairs that share their first key
        keys["rest"] = rng.integers(-(2**63), 2**63 - 1, n)
        return keys

    empty = np.zeros(1, table.keys.dtype)
    for round_ in range(6):  # grows several times
        keys = np.setdiff1d(some(50 * 4**round_), np.concatenate([np.array(list(reference), table.keys.dtype), empty]))
        ids = rng.integers(0, 10**6, len(keys))
        table.put(keys, ids)
        reference.update(zip(keys.tolist(), ids.tolist()))
        asked = np.concatenate([keys[:100], some(100), empty])
        assert table.get(asked).tolist() == [reference.get(k, -1) for k in asked.tolist()]


@pytest.mark.parametrize("wide", [False, True])
def test_row_ids_by_key_equal_those_by_text(wide):
    model = copy.copy(names.en_model())
    model._reset_words()  # a cache of its own
    rng = random.Random(3)
    for round_ in range(4):  # new words, then words met before; every word, then capitalised ones
        ws = names.en_words(_texts(rng, 40, wide))
        idx = np.flatnonzero(ws.capital) if round_ % 2 else np.arange(len(ws.start))
        assert len(idx) >= names._FEW
        assert model._ids_at(ws, idx).tolist() == model._ids(names.word_texts(ws, idx)).tolist()


def _gap_reference(text, lo, hi, step):
    """The first mark of ``text[lo:hi]`` from its ``step`` end, as ``en_words`` codes it, by a plain scan."""

    def word_char(i):
        ch = text[i]
        letter = lambda j: ord(text[j]) < 65536 and text[j].isalpha()  # noqa: E731
        return letter(i) or (ch in "-'’" and 0 < i < len(text) - 1 and letter(i - 1) and letter(i + 1))

    for i in range(lo, hi) if step > 0 else range(hi - 1, lo - 1, -1):
        space = ord(text[i]) < 65536 and text[i].isspace() and text[i] != "\n"
        if not word_char(i) and not space:
            return min(ord(text[i]), 65535)
    return names._SPACE_GAP


@pytest.mark.parametrize("wide", [False, True])
def test_gaps_around_words_equal_a_scan_of_each_gap(wide):
    ws = names.en_words(_texts(random.Random(4), 80, wide) + ["", "Tom's  ,  Anna", "x . . y\n\nZ"])
    start, end = ws.start.tolist(), ws.end.tolist()
    bounds = [0] + end
    nexts = start[1:] + [len(ws.text)]
    assert ws.before.tolist() == [_gap_reference(ws.text, bounds[w], start[w], -1) for w in range(len(start))]
    assert ws.after.tolist() == [_gap_reference(ws.text, end[w], nexts[w], 1) for w in range(len(start))]
    assert ws.before.dtype == ws.after.dtype == np.int64


def _letter(text, i):
    return ord(text[i]) < 65536 and text[i].isalpha()


def _words_reference(text):
    """(start, end) of each word of ``text`` by a plain scan: letters with inner hyphens and apostrophes, a
    capitalised word's possessive cut off."""
    inside = [_letter(text, i) or (text[i] in "-'’" and 0 < i < len(text) - 1 and _letter(text, i - 1)
                                   and _letter(text, i + 1)) for i in range(len(text))]  # fmt: skip
    out, i = [], 0
    while i < len(text):
        if not inside[i]:
            i += 1
            continue
        j = i
        while j < len(text) and inside[j]:
            j += 1
        capital = ord(text[i]) < 65536 and text[i].isupper()
        cut = capital and j - i > 2 and text[j - 2] in "'’" and text[j - 1] in "sS"
        out.append((i, j - 2 if cut else j))
        i = j
    return out


@pytest.mark.parametrize("wide", [False, True])
def test_words_equal_a_scan_of_the_text(wide):
    ws = names.en_words(_texts(random.Random(6), 80, wide) + ["", "a-b -c d- 'e' O'Brien's Tom’S x--y", "Ab's"])
    assert len(ws.start) > 500
    assert list(zip(ws.start.tolist(), ws.end.tolist())) == _words_reference(ws.text)


@pytest.mark.parametrize("wide", [False, True])
def test_tagger_gaps_equal_all_gaps_where_it_reads_them(wide):
    texts = _texts(random.Random(7), 80, wide) + ["", "tom Anna", "Anna"]
    full, read = names.en_words(texts), names.en_words(texts, all_gaps=False)
    for field in ("start", "end", "doc", "doc_start", "capital", "codes"):
        assert getattr(full, field).tolist() == getattr(read, field).tolist()
    cap = np.flatnonzero(full.capital)
    before_read = np.intersect1d(np.union1d(cap, cap + 1), np.arange(len(full.start)))
    assert 0 < len(cap) < len(before_read) < len(full.start)
    assert read.before[before_read].tolist() == full.before[before_read].tolist()
    assert read.after[cap].tolist() == full.after[cap].tolist()
    unread = np.setdiff1d(np.arange(len(full.start)), before_read)
    assert set(read.before[unread].tolist()) == {names._UNREAD_GAP}
    assert set(np.delete(read.after, cap).tolist()) == {names._UNREAD_GAP}


def test_after_saint_equals_both_spellings_checked():
    def reference(text, at):
        return any(at - len(b) >= 0 and text[at - len(b) : at] == b and (at == len(b) or not text[at - len(b) - 1].isalpha())
                   for b in ("St ", "St. "))  # fmt: skip

    rng = random.Random(9)
    pieces = ["St ", "St. ", "St", "t ", ". ", "xSt ", "1St ", " ", "Anne", "é", "\n", "S"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        for at in range(len(text) + 1):
            assert names._after_saint(text, at) == reference(text, at), (text, at)


def test_word_gates_equal_looking_for_each_word():
    rng = random.Random(10)
    estates, honorifics = addresses.ZH_ESTATES, ("先生", "女士", "小姐", "老师", "医生", "教授", "律师")
    chars = "".join(set("".join(estates + honorifics))) + "的了是a1 "
    for _ in range(3000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        assert bool(addresses._ESTATE_WORD.search(text)) == any(w in text for w in estates), text
        assert bool(detectors._ZH_HONORIFIC_WORD.search(text)) == any(w in text for w in honorifics), text


def _in_place_list_reference(text, start, end, model):
    """``names._in_place_list`` without its early exits: every name next to a separator goes to the split."""
    if not (text[end : end + 1] == "," or text[start - 2 : start] == ", " or text[start - 4 : start] == "and "
            or text[start - 3 : start] == "or "):  # fmt: skip
        return False
    window = max(0, start - 200)
    lo = max((m.end() for m in names._SENTENCE_END.finditer(text, window, start)), default=window)
    hi = names._SENTENCE_END.search(text, end, end + 200)
    return names._listed_with_a_place(text, start, end, lo, hi.start() if hi else min(len(text), end + 200), model)


def test_place_lists_equal_splitting_the_whole_sentence():
    model = names.en_model()
    rng = random.Random(5)
    pieces = [" ", "  ", ", ", ",", " and ", " or ", "and", "or", "Tom", "Paris", "France", "Texas", "Street",
              "Rivers", ". ", "!\n", "\n\n", "\n", "\x00", "x", "(", '"', "’", "\t", "\u3000", "d ", "r ", "word ",
              "andy ", "orb", ";", "?"]  # fmt: skip
    spaces = [" " * 198, " " * 199, " " * 200]  # around the 200-character windows
    outcomes = []
    for n in range(6000):
        some = pieces + spaces if n % 5 == 0 else pieces
        text = "".join(rng.choice(some) for _ in range(rng.randint(1, 14 if n % 10 else 120)))  # some past 200
        for m in re.finditer(r"[A-Z][a-z]+", text):
            got = names._in_place_list(text, m.start(), m.end(), model)
            assert got == _in_place_list_reference(text, m.start(), m.end(), model), (text, m.start())
            outcomes.append(got)
    assert outcomes.count(True) > 100 and outcomes.count(False) > 1000


@pytest.mark.parametrize("wide", [False, True])
def test_place_cues_equal_the_first_tests_of_saint_and_place_lists(wide):
    rng = random.Random(11)
    pieces = ["St ", "St. ", "t ", ". ", ", ", ",", " and ", "and ", "band ", "end ", " or ", "or ", "for ", "er ",
              "d ", "r ", " ", "Tom", "Anne", "Émile", "x", "\n", "(", "’"] + (["中", "😀"] if wide else [])  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(300)] + ["Tom", "and Tom"]
    ws = names.en_words(texts)
    at = np.arange(len(ws.start))
    saint, listed = names._place_cues(ws, at)
    text, start, end = ws.text, ws.start.tolist(), ws.end.tolist()
    for x in at.tolist():
        a, b = start[x], end[x]
        assert saint[x] == (text[a - 3 : a] == "St " or text[a - 4 : a] == "St. "), (text[a - 6 : b], x)
        expected = text[b : b + 1] == "," or text[a - 2 : a] == ", " or text[a - 4 : a] == "and " or text[a - 3 : a] == "or "
        assert listed[x] == expected, (text[a - 6 : b + 1], x)
    assert 20 < saint.sum() < len(at) and 100 < listed.sum() < len(at)


@pytest.mark.parametrize("key", [b"k" * 16, bytes(range(32)), b"x" * 64, b"y" * 65, bytes(range(200))])
def test_pseudonym_is_hmac_sha256_under_the_pseudonym_subkey(key):
    anonymiser = Anonymiser({"PERSON": "pseudonym"}, key=key)
    subkey = hmac.new(key, b"pseudonym", hashlib.sha256).digest()
    for value in ("", "John Smith", "王小明@例子.中国", "x" * 768):
        digest = hmac.new(subkey, f"PERSON\x1f{value}".encode(), hashlib.sha256).hexdigest()
        assert anonymiser.replacement("PERSON", value) == f"<PERSON_{digest[:12].translate(_HEX_TO_LETTERS)}>"


@pytest.mark.parametrize("entities, languages", [(detectors.ENTITY_TYPES, ("en", "zh")),
                                                 (detectors.STRUCTURED_TYPES, ()), ([detectors.CN_LICENSE_PLATE], ())])  # fmt: skip
def test_plates_are_found_whatever_the_cues(entities, languages):
    # the plate regex is skipped on texts the cues say hold no ASCII letter
    detector = detectors.Detector(entities, languages=languages)
    rng = random.Random(11)
    pieces = ["京A12345", "粤B·D12345", "车牌", "苏", "A", "a", "b", "1", "12345", "Ⅻ", "K", "ſ", "İ", " ", "，", "😀"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(400)]
    expected = [[m.span() for m in detectors._PLATE.finditer(t)] if not t.isascii() else [] for t in texts]
    assert sum(map(len, expected)) > 50
    for found in (detector.detect_batch(texts), [detector.detect(t) for t in texts]):
        assert [[(s.start, s.end) for s in spans if s.type == detectors.CN_LICENSE_PLATE] for spans in found] == expected


def _en_names_reference(texts, model):
    """``names.en_names_batch`` deciding each run in a Python loop (as up to the fifteenth round): titles skipped
    word by word, every test on every run in the order written."""
    out = [[] for _ in texts]
    ws = names.en_words(texts, all_gaps=False)
    at, s = model.tag(ws)
    at, s = names._with_middle_initials(ws, at, s, model)
    hit = s > model.threshold
    if not hit.any():
        return out
    at, s = at[hit].tolist(), s[hit].tolist()
    runs = names._name_runs(ws, np.array(at))
    text, start, end, doc = ws.text, ws.start.tolist(), ws.end.tolist(), ws.doc.tolist()
    for i, j in zip(runs, runs[1:]):
        words = [text[start[w] : end[w]].lower() for w in at[i:j]]
        k = i
        while k < j and words[k - i] in model._titles:
            k += 1
        if k == j - 1 and k == i and names._common_word_opening(ws, at[k], words[-1], model):
            continue
        if k < j and (names._after_saint(text, start[at[k]])
                      or (k == j - 1 and names._in_place_list(text, start[at[k]], end[at[k]], model))):  # fmt: skip
            continue
        a = at[j - 1] + 1
        next_word = (a < len(start) and doc[a] == doc[at[j - 1]] and ws.before[a] == names._SPACE_GAP
                     and ws.capital[a])  # fmt: skip
        best = min(s[k:j]) if k < j else 0.0
        if (
            k < j
            and not model.not_alone.issuperset(words[k - i :])
            and (j - k > 1 or best > model.threshold_alone)
            and not names._place_head(words[-1], model._head)
            and not (next_word and names._before_place_head(ws, a, model._head))
        ):
            offset = ws.doc_start[doc[at[k]]]
            out[doc[at[k]]].append(names.NameSpan(start[at[k]] - offset, end[at[j - 1]] - offset, names._confidence(best)))
    return out


@pytest.mark.parametrize("wide", [False, True])
def test_english_name_runs_in_numpy_equal_deciding_each_run(wide):
    # titles (alone, several, before a name), places and peoples alone or beside a name, place heads after a name
    # and at its end, "St", lists of places, sentence openings with words written in lower case too, initials
    model = names.en_model()
    words = ["Tom", "Hanks", "Anna", "Kowalczyk", "Mary", "Ann", "J.", "S", "Maja", "Hermansen", "Attorney", "Captain",
             "Chief", "Dr", "Mr.", "Paris", "Texas", "Dubai", "Saudis", "Bridge", "Foundation", "Rivers", "St", "St.",
             "Cook", "Young", "White", "cook", "white", "Tulsa", "Sand", "Springs", "Jenks", "Broken", "Arrow", "Preston",
             "Victoria", "Australia", "the", "met", "and", "or", "said", "Gates", "Bill", "Melinda"]  # fmt: skip
    glue = [" ", " ", " ", ", ", ". ", " and ", "\n", ": ", "'s "] + (["中", "😀 "] if wide else [])
    rng = random.Random(12)
    texts = ["".join(rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(0, 40))) for _ in range(400)]
    texts += ["", "Attorney Captain", "Mr. Paris", "St Anne and St. Louis", "Cook the rice. Cook", "Tom"]
    got = names.en_names_batch(texts, model)
    assert got == _en_names_reference(texts, model)
    assert sum(map(len, got)) > 1000


def test_address_calls_skipped_without_an_address_cue_change_nothing(monkeypatch):
    # the gate in ``Detector._detect`` against calling ``_en_addresses`` on every text with any cue (the gate's cue
    # sets made everything)
    rng = random.Random(13)
    pieces = ["Mr. Tom Hanks", "Dr Anna Lee", "Name: Ana Dias", "Address: ", "lives at ", "corner of ", "12 High Street",
              "Suite 541 6343 Skogstien 106", "Koskikatu 25", "PO Box 3449", "APO AP 96278", "Via Roma 12", "Oslo",
              "\n", "\n\n", " ", ", ", "4", "Sincerely,\n", "Flat 3, ", "Elm St and 5th Ave", "watching 15 Park Avenue",
              "Rákóczi út 13", "Pfarrgasse 91", "the corner of Broadway and 42nd Street", "lives at 83393 Pärna 33",
              "\nAddress: 83393 Pärna 33\nCite Sfaxi\n, 13\n 44939", "\n6343 Pärna 106\n0150 Oslo"]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(1500)]
    # each piece alone beside a name's cue only (the gate's other half)
    texts += [f"{cue} {piece}" for cue in ("Mr. Tom Hanks", "Name: Ana Dias", "Dr Lee,") for piece in pieces]
    detector = detectors.Detector()
    gated = detector.detect_batch(texts) + [detector.detect(t) for t in texts[:200]]
    monkeypatch.setattr(detectors, "_ADDRESS_LABEL_CUES", frozenset(range(len(detectors._FOLDED_CUES))))
    monkeypatch.setattr(detectors, "_ADDRESS_WORD_CUES", (1 << len(detectors._CASED_CUES)) - 1)
    assert gated == detector.detect_batch(texts) + [detector.detect(t) for t in texts[:200]]
    assert sum(s.type == detectors.STREET_ADDRESS for spans in gated for s in spans) > 300


def test_redacted_tokens_equal_each_replacement():
    modes = {"PERSON": "redact", "PHONE_NUMBER": "pseudonym", "EMAIL_ADDRESS": "mask", "STREET_ADDRESS": "redact"}
    anonymiser = Anonymiser(modes, key=b"k" * 16)  # the types not named are redacted too
    text = "".join(f"w{i} value{i} " for i in range(len(detectors.ENTITY_TYPES) * 2))
    spans, pos = [], 0
    for i, entity in enumerate(list(detectors.ENTITY_TYPES) * 2):
        start = text.index(f"value{i} ", pos)
        spans.append(detectors.Span(start, start + len(f"value{i}"), entity, 0.5))
        pos = start
    out, inserted = anonymiser.apply(text, spans)
    expected = text
    for s in reversed(spans):
        expected = expected[: s.start] + anonymiser.replacement(s.type, text[s.start : s.end]) + expected[s.end :]
    assert out == expected
    assert [out[a:b] for a, b in inserted] == [anonymiser.replacement(s.type, text[s.start : s.end]) for s in spans]
    assert "<PHONE_NUMBER>" not in out and "<PERSON>" in out and "<IP_ADDRESS>" in out
    assert anonymiser.apply(text, []) == (text, [])

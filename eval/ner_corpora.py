"""Person-name spans from the labelled NER corpora in ../shared/data/ner (training and evaluation only: the
pipeline never reads them), with a deterministic 80/20 train/held-out split per sentence (MD5 of file:index).

Type mapping: GUM `person` mentions are nominal and pronominal too, so only their proper-name token runs count
(capitalised, not a pronoun, title or common lower-case word, not after a preposition), corrected with what the whole
corpus says (``_gum_gold``: groups and roles out, names nested in other mentions in); WNUT17 `person`; BTC `PER`
without Twitter user names (BTC labels "@user" as a person, WNUT does not); CLUENER `name`; Weibo `PER.NAM`
(`PER.NOM`, nominal mentions, are not names); MSRA and People's Daily `PER`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from transforms.content.training import read_bio

SHARED = Path(os.environ.get("DATASTEWARD_DATA", "/work/shared/data"))
NER = SHARED / "ner"


def held_out(key: str, share: float = 0.2) -> bool:
    return int(hashlib.md5(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def fold(key: str, folds: int = 5) -> int:
    """The fifth a sentence falls in; fold 0 is the held-out split (``held_out``), the others make up training."""
    return min(int(int(hashlib.md5(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF * folds), folds - 1)


def in_dev(sample: dict, share: float = 0.2) -> bool:
    """A fifth of the *training* split (MD5 of the text) set aside to choose decoding settings on; the held-out
    test split is never used for that."""
    return sample["split"] == "train" and held_out("dev:" + sample["text"], share)


# ------------------------------------------------------------------ English
_NO_SPACE_BEFORE = {",", ".", "!", "?", ":", ";", ")", "]", "}", "'s", "’s", "n't", "'m", "'re", "'ve", "'ll", "'d", "%", "'S"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "#", "@"}
_PRONOUNS = {"i", "we", "you", "he", "she", "they", "it", "me", "us", "him", "her", "them", "my", "our", "your", "his",
             "their", "its", "mine", "ours", "yours", "hers", "theirs", "myself", "yourself", "himself", "herself",
             "ourselves", "themselves", "who", "whom", "whose", "someone", "somebody", "anyone", "everyone", "everybody",
             "nobody", "people", "those", "these", "this", "that", "the", "a", "an", "all", "both", "each", "some", "many"}
TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "sir", "dame", "lord", "lady", "president",
          "senator", "governor", "mayor", "king", "queen", "prince", "princess", "pope", "saint", "st.", "st", "rev", "rev.",
          "general", "gen.", "captain", "capt.", "colonel", "col.", "sgt.", "sergeant", "officer", "judge", "justice",
          "minister", "chancellor", "chairman", "ceo", "director", "coach", "uncle", "aunt", "father", "mother", "brother",
          "sister", "professor", "doctor", "representative", "rep.", "sen.", "gov.", "secretary", "commissioner", "chief",
          "emperor", "empress", "duke", "duchess", "count", "countess", "baron", "archbishop", "bishop", "cardinal",
          "lt.", "lieutenant", "administrator", "professor", "senior", "editor", "author", "founder", "co-founder", "candidate", "rapper", "singer", "actor", "actress", "player", "manager", "spokesman", "spokeswoman", "spokesperson", "executive", "commander", "councillor", "councilor", "congressman", "congresswoman", "mp", "lawyer", "attorney", "major", "admiral", "agent", "detective", "inspector", "speaker", "premier", "vice", "deputy"}


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    sents, cur = [], []
    for line in path.open(encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) < 2:
            parts = [parts[0], "O"]
        cur.append((parts[0], parts[-1]))
    if cur:
        sents.append(cur)
    return sents


def _bio_spans(tags: list[str], want) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(tags):
        t = tags[i]
        if t.startswith(("B-", "I-")) and want(t[2:]):
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + t[2:]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


def detokenize(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    out, offs, pos = [], [], 0
    for k, tok in enumerate(tokens):
        if k and tok not in _NO_SPACE_BEFORE and tokens[k - 1] not in _NO_SPACE_AFTER:
            out.append(" ")
            pos += 1
        offs.append((pos, pos + len(tok)))
        out.append(tok)
        pos += len(tok)
    return "".join(out), offs


# Where a GUM person mention's head noun phrase ends: the name, if the mention holds one, is in front of these
# ("Simon Ličen, assistant professor of …", "the author of Chomsky's biography").
_POST_MODIFIERS = {",", "of", "who", "whom", "whose", "which", "that", "(", "at", "from", "in", "with", "for", "on",
                   "to", "by", "-", "–", "—", ":", ";"}  # fmt: skip


def _gum_names(tokens: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Named persons in a GUM person mention (which may be nominal or pronominal): in the mention's head phrase
    (up to its first post-modifier), the capitalised run that ends each coordinated part, not pronouns or titles:
    "Facebook co-founder Mark Zuckerberg" → "Mark Zuckerberg" (the organisation in front is a modifier), "the
    Libertarian candidate" → none (the head is a common noun), "the Palestinians" → none (a group, not a name); a
    head phrase without a name may be followed by one at the mention's end ("Governor of Washington Chris Gregoire",
    ``_appositive_name``)."""
    stop = next((i for i in range(start + 1, end) if tokens[i].lower() in _POST_MODIFIERS), end)
    separators = (",", "and", "&", "or")
    coordinators = [i for i in range(stop, end) if tokens[i].lower() in ("and", "&")]
    if (
        stop < end and tokens[stop] == "," and coordinators
        and all(tokens[i].lower() in separators for i in range(stop, coordinators[-1]) if tokens[i].lower() in _POST_MODIFIERS)
        and any(e == stop for _, e in _capitalised_runs(tokens, start, stop))
    ):  # a list of names: "New People Party's Michael Tien, DAB's Ben Chan and Leung Che-cheung"
        last = coordinators[-1]
        stop = next((i for i in range(last + 1, end) if tokens[i].lower() in _POST_MODIFIERS), end)
    while stop > start and tokens[stop - 1].lower() in _PHRASE_TAIL:  # "Rick Santorum himself", "Jeff [Drake]"
        stop -= 1
    runs = []
    part = start
    for cut in [i for i in range(start, stop) if tokens[i].lower() in separators] + [stop]:
        found = _capitalised_runs(tokens, part, cut)
        if found and found[-1][1] == cut:
            s, e = found[-1]
            # a plural people's name ("the Saudis", "Arabs") is a group; a surname ending in s ("Wilkins said",
            # "Sarvis notes") is not: it needs a group word before it or its singular as a word of its own
            plural = e - s == 1 and tokens[s].endswith("s")
            group = plural and (
                (s > start and tokens[start].lower() in _GROUP_WORDS) or (s == start and tokens[s][:-1] in _gum_words())
            )
            if not group:
                runs.append((s, e))
        part = cut + 1
    # the name after the post-modifier's object: "Governor of Washington Chris Gregoire"; one capitalised word right
    # before "of", "for" … is then a role ("Undersecretary for Education Mr. Toccafondi"; after a comma it is the
    # name: "Sarvis, the Libertarian Party's nominee for …")
    if stop < end and (not runs or (runs == [(start, stop)] and stop - start == 1 and tokens[stop] != ",")):
        appositive = _appositive_name(tokens, stop, end)
        if appositive:
            return [appositive]
    return runs + _listed_names(tokens, runs[-1][1], end) if runs else runs


def _appositive_name(tokens: list[str], stop: int, end: int) -> tuple[int, int] | None:
    """The name a person mention ends with after its head phrase's post-modifier ("Governor of Washington Chris
    Gregoire", "Minister of Education Stefania Giannini"): what follows the last word of the mention's final
    capitalised run that is a title, a common word or a word of GUM's place and organisation names, if it is two
    words or more (one after a title: "Mr. Toccafondi"). A run that is all place, organisation or common words ("the
    thousands … at Johnson Space Center", "editor at large at the Saudi Gazette", "Co-founder of Google") gives none."""
    while end > stop and tokens[end - 1].lower() in _PHRASE_TAIL:
        end -= 1
    runs = _capitalised_runs(tokens, stop, end)
    if not runs or runs[-1][1] != end:
        return None
    s, e = runs[-1]
    after_title = tokens[s - 1].lower() in TITLES or tokens[s - 1].lower().rstrip(".") in TITLES
    place_or_common = [i for i in range(s, e) if tokens[i] in _gum_place_words() or tokens[i].lower() in _common_words()]
    cut = place_or_common[-1] + 1 if place_or_common else s
    if cut == s and not after_title:  # nothing in the run tells an organisation from the name
        return None
    return (cut, e) if e - cut >= 2 or (e - cut == 1 and cut == s) else None  # one word: only right after a title


def _listed_names(tokens: list[str], at: int, end: int) -> list[tuple[int, int]]:
    """The names listed after a mention's first name, each with its own post-modifier ("Ann Chiang of DAB and
    Priscilla Leung of BPA", "Austen, Jane"): each next coordinated part whose head phrase is wholly a capitalised
    run (of two words or more, unless it ends the mention) or ends in one of two words or more after a possessive
    ("pan-democracy camp's Kwok Ka-ki"); the list ends at the first part that is neither ("Simon Ličen, assistant
    professor of Sport and Leisure")."""
    separators = (",", "and", "&", "or")
    out = []
    cuts = [i for i in range(at, end) if tokens[i].lower() in separators]
    for cut, nxt in zip(cuts, cuts[1:] + [end]):
        if cut + 1 == nxt:  # ", and"
            continue
        head = next((i for i in range(cut + 1, nxt) if tokens[i].lower() in _POST_MODIFIERS), nxt)
        found = _capitalised_runs(tokens, cut + 1, head)
        # a name of two words or more after a possessive ("pan-democracy camp's Kwok Ka-ki", "localist group
        # Youngspiration's Baggio Leung") is the part's name as much as a part that is the name alone
        last = found[-1] if found else None
        if last and last[1] == head and last[1] - last[0] >= 2 and tokens[last[0] - 1] in ("'s", "’s"):
            out.append(last)
        # one word is a name only when it ends the mention ("Austen, Jane"), not inside a list of words ("of the
        # Architectural, Surveying and Planning …")
        elif not found or found[0] != (cut + 1, head) or (head - cut == 2 and nxt < end):
            break
        else:
            out.append(found[0])
    return out


# a plural after these (or alone) names a group: "the Saudis", "Arabs", "many Bangladeshis"
_GROUP_WORDS = {"the", "many", "some", "most", "all", "other", "these", "those", "young", "fellow"}
# what may stand between the parts of one name: "[George W.] Bush", 'Julia "Butterfly" Hill'
_BRACKETS = {"[", "]", "(", ")", '"', "'", "“", "”", "‘", "’"}
# what may end a head phrase after the name: a possessive, an editor's closing bracket or quote, a reflexive
_PHRASE_TAIL = {"'s", "’s", "]", ")", '"', "'", "”", "’", "himself", "herself", "themselves", "myself", "yourself"}


@functools.lru_cache(maxsize=None)
def _gum_words() -> frozenset:
    """Every token of the English corpora: "Arab" and "Bangladeshi" are ones, so "Arabs" and "Bangladeshis" are
    plurals; "Wilkin" is not, so "Wilkins" is a surname."""
    return frozenset(t for path in sorted((NER / "en").glob("*.conll")) for sent in read_conll(path) for t, _ in sent)


def _capitalised_runs(tokens: list[str], start: int, end: int) -> list[tuple[int, int]]:
    runs, i = [], start
    while i < end:
        tok = tokens[i]
        if tok[:1].isupper() and tok.lower() not in _PRONOUNS and tok.lower() not in TITLES:
            j = i + 1
            while j < end and (tokens[j][:1].isupper() or (len(tokens[j]) == 2 and tokens[j][1] == ".")) and tokens[j].lower() not in _PRONOUNS:
                j += 1
            k = max((x for x in range(i, j) if tokens[x].lower() in TITLES or tokens[x].lower().rstrip(".") in TITLES), default=None)
            if k is not None:
                i = k + 1
            if i < j:
                runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


@functools.lru_cache(maxsize=None)
def _common_words() -> frozenset:
    import collections
    low, cap = collections.Counter(), collections.Counter()
    for path in sorted((NER / "en").glob("*.conll")):
        for sent in read_conll(path):
            for i, (t, _) in enumerate(sent):
                if t.islower():
                    low[t] += 1
                elif t[:1].isupper() and i:
                    cap[t.lower()] += 1
    return frozenset(w for w, c in low.items() if c >= 3 and c > cap[w])


@functools.lru_cache(maxsize=None)
def _gum_place_words() -> frozenset:
    """The capitalised words of GUM's place and organisation mentions ("Washington", "University", "Gazette")."""
    sents = read_conll(NER / "en/gum_train.conll")
    return frozenset(sent[i][0] for sent in sents for s, e in _bio_spans([g for _, g in sent], lambda t: t in ("place", "organization"))
                     for i in range(s, e) if sent[i][0][:1].isupper())  # fmt: skip


def _drop_common(tokens, s, e, person=False):
    """The name parts of a capitalised run: common words (written lower case more often than not) and short
    acronyms out; in a person mention (``person``) a common word after a name word or a title is a surname
    ("Terry Gross", "Mr Key"), elsewhere it ends the name ("the Warhol Factory")."""
    common = _common_words()
    out, i = [], s
    after_title = person and s > 0 and tokens[s - 1].lower().rstrip(".") in {t.rstrip(".") for t in TITLES}
    while i < e:
        if not (i == s and after_title) and (
            tokens[i].lower() in common or (tokens[i].isupper() and len(tokens[i]) <= 3 and not tokens[i].endswith("."))
        ):
            i += 1
            continue
        j = i + 1
        while j < e and (tokens[j].lower() not in common or person):
            j += 1
        out.append((i, j))
        i = j
    return out


# names of places and organisations (training negatives: "Virginia", "Shah Mosque", "Environmental Protection Agency")
_PLACE_TYPES = {"location", "corporation", "group", "LOC", "ORG"}


# plural endings of peoples and groups ("Germans", "Tulsans", "Westerners", "Scientologists", "Bangladeshis"): a
# one-word surname ending so is rare ("Evans" comes with a given name, which keeps it)
_PEOPLES_PLURAL = ("ans", "ers", "ists", "ites", "ians", "eshis", "anis", "qis", "ese")


def _gum_gold(sents: list[list[tuple[str, str]]]) -> list[list[tuple[int, int]]]:
    """Named persons of every GUM sentence (token spans), corrected with what the whole corpus says (GUM's
    flat BIO keeps only the outermost mention, and the person type includes groups and roles):

    * a one-word "name" of a person mention that is no word of any full name (two words or more) of the corpus
      and that GUM writes in lower case elsewhere ("Researchers", "Pilot", "God"), or capitalised in front of a
      lower-case word inside another mention, an adjective ("Moriori culture", "Rohingya refugees", "American
      voters"; the singular of a plural counts), or that ends like a peoples' plural ("Tulsans"), is a group or a
      role, not a name; so is a full name ending so after a word GUM writes in lower case ("Native Americans");
    * a person's full name or surname found outside place and organisation mentions and outside the names already
      taken (inside an event or object mention: "an Andy Warhol exhibit", "Warhol's Polaroids"; an interview's
      title; a person mention's possessor or apposition: "Obama's national security advisor", "Santorum the
      person") is a name there too, and so is a two-word run there that opens with the given name of one of the
      corpus's full names ("the Tom Cruise video": GUM nests that person mention inside the object, the flat BIO
      keeps only the object), unless only brackets or quotes part it from a name ("[George W.] Bush");
    * in a person mention a common word after a name word or a title is a surname ("Terry Gross", "Mr Key").
    Other people the gold still lacks cannot be told from the flat BIO without a list of names, so they stay out:
    one nested word ("the Marilyn pictures"), a nested name whose given name the corpus never uses in a full name
    ("Ted Kennedy drinking jokes", "Joseph Conrad's Secret Agent").
    """
    per_sentence, modifiers, lower = [], set(), set()
    for sent in sents:
        tokens = [t for t, _ in sent]
        tags = [g for _, g in sent]
        spans = [r for s, e in _bio_spans(tags, lambda t: t == "person") for r in _gum_names(tokens, s, e)]
        per_sentence.append([r for s, e in spans for r in _drop_common(tokens, s, e, person=True)])
        lower.update(t for t in tokens if t.islower())
        for s, e in _bio_spans(tags, lambda t: t != "person"):
            modifiers.update(tokens[i] for i in range(s, e - 1) if tokens[i][:1].isupper() and tokens[i + 1].isalpha()
                             and tokens[i + 1].islower())  # fmt: skip
    runs = [tuple(t for t, _ in sent[s:e]) for sent, spans in zip(sents, per_sentence) for s, e in spans]
    # "Native Americans" is a people, "Walker Evans" a name: a plural after a word GUM writes in lower case elsewhere
    full = {name for name in runs if len(name) > 1 and not (name[-1].endswith(_PEOPLES_PLURAL) and name[0].lower() in lower)}
    in_full = {w for name in full for w in name}
    surnames = {name[-1] for name in full}
    given = {name[0] for name in full}

    def group_or_role(word: str) -> bool:
        forms = {word, word[:-1]} if word.endswith("s") else {word}
        return word not in in_full and (word.endswith(_PEOPLES_PLURAL) or any(f.lower() in lower or f in modifiers for f in forms))

    out = []
    for sent, spans in zip(sents, per_sentence):
        tokens = [t for t, _ in sent]
        tags = [g for _, g in sent]
        kept = [(s, e) for s, e in spans if (e - s > 1 and tuple(tokens[s:e]) in full) or (e - s == 1 and not group_or_role(tokens[s]))]
        # a person mention's other names are read as nested ones too ("Obama's national security advisor", "Santorum
        # the person"); its own name is taken already
        blocked = {i for s, e in _bio_spans(tags, lambda t: t in ("place", "organization")) + spans for i in range(s, e)}
        for s, e in _capitalised_runs(tokens, 0, len(tokens)):
            if any(i in blocked for i in range(s, e)) or any(a >= e and set(tokens[e:a]) <= _BRACKETS for a, _ in spans):
                continue  # a name's part in brackets or quotes is that name: "[George W.] Bush"
            if tuple(tokens[s:e]) in full:  # "an interview with Terry Gross"
                kept.append((s, e))
                continue
            for a, b in _drop_common(tokens, s, e):
                if tuple(tokens[a:b]) in full or (b - a == 1 and tokens[a] in surnames) or (b - a == 2 and tokens[a] in given):
                    kept.append((a, b))
        out.append(sorted(kept))
    return out


def english() -> list[dict]:
    """{text, spans (char: person names), places (char: place and organisation names), corpus, genre, split, fold}"""
    out = []
    files = [("gum", "news", NER / "en/gum_train.conll")]
    files += [("wnut17", "social", NER / f"en/wnut17_{s}.conll") for s in ("train", "dev")]
    files += [("btc", "social", NER / f"en/btc_{s}.conll") for s in "abefg"]
    for corpus, genre, path in files:
        sents = read_conll(path)
        gum_gold = _gum_gold(sents) if corpus == "gum" else None
        for k, sent in enumerate(sents):
            tokens = [t for t, _ in sent]
            tags = [g for _, g in sent]
            if corpus == "gum":
                tok_spans = gum_gold[k]
                # the proper-name runs of place and organisation mentions ("the George Washington Bridge")
                place_spans = [r for s, e in _bio_spans(tags, lambda t: t in ("place", "organization"))
                               for r in _capitalised_runs(tokens, s, e)]  # fmt: skip
            else:
                tok_spans = _bio_spans(tags, lambda t: t in ("person", "PER"))
                place_spans = _bio_spans(tags, lambda t: t in _PLACE_TYPES)
            text, offs = detokenize(tokens)
            # Twitter user names (BTC labels "@user" as a person, WNUT does not): not names
            tok_spans = [(s, e) for s, e in tok_spans if not tokens[s].startswith("@") and (s == 0 or tokens[s - 1] != "@")]
            spans = [(offs[s][0], offs[e - 1][1]) for s, e in tok_spans]
            places = [(offs[s][0], offs[e - 1][1]) for s, e in place_spans if tokens[s][:1].isupper()]
            key = f"{path.name}:{k}"
            out.append({"text": text, "spans": spans, "places": places, "corpus": corpus, "genre": genre,
                        "split": "test" if held_out(key) else "train", "fold": fold(key)})
    return out


# ------------------------------------------------------------------ Chinese
# Chinese entity types that are no person (training negatives: "others"); Weibo's nominal persons are not names either
_ZH_OTHER_TYPES = {"LOC", "ORG", "GPE", "LOC.NAM", "ORG.NAM", "GPE.NAM", "LOC.NOM", "ORG.NOM", "GPE.NOM", "PER.NOM"}


def char_bio(path: Path, sep: str | None, corpus: str, genre: str, want) -> list[dict]:
    """The sentences of a character-per-line BIO file: {text, spans (entity types ``want`` keeps), others (other
    entities), corpus, genre, split}."""
    out = []
    for k, (tokens, tags) in enumerate(read_bio(path, sep)):
        chars = []
        for ch in tokens:
            if corpus == "weibo" and len(ch) > 1 and ch[-1].isdigit():
                ch = ch[:-1]
            chars.append(ch if len(ch) == 1 else ch[:1] or " ")
        key = f"{path.name}:{k}"
        out.append({"text": "".join(chars), "spans": _bio_spans(tags, want), "others": _bio_spans(tags, lambda t: t in _ZH_OTHER_TYPES),
                    "corpus": corpus, "genre": genre, "split": "test" if held_out(key) else "train"})
    return out


def chinese() -> list[dict]:
    """{text, spans (person names), others (other entities: places, organisations, works, positions …), corpus,
    genre, split}"""
    out = []
    for k, line in enumerate((NER / "zh/cluener_train.jsonl").open(encoding="utf-8")):
        d = json.loads(line)
        spans = sorted((s, e + 1) for surf, ranges in d["label"].get("name", {}).items() for s, e in ranges)
        others = sorted((s, e + 1) for kind, found in d["label"].items() if kind != "name" for ranges in found.values()
                        for s, e in ranges)  # fmt: skip
        key = f"cluener:{k}"
        out.append({"text": d["text"], "spans": spans, "others": others, "corpus": "cluener", "genre": "news",
                    "split": "test" if held_out(key) else "train"})
    out += char_bio(NER / "zh/weibo_ner_2nd_train.conll", "\t", "weibo", "social", lambda t: t == "PER.NAM")
    out += char_bio(NER / "zh/msra_test_bio.tsv", "\t", "msra", "news", lambda t: t == "PER")
    for s in ("dev", "test"):
        out += char_bio(NER / f"zh/peoples_daily_{s}.bio", None, "pd", "news", lambda t: t == "PER")
    return out


if __name__ == "__main__":
    import collections

    for name, data in (("en", english()), ("zh", chinese())):
        c = collections.Counter((d["corpus"], d["split"]) for d in data)
        n = collections.Counter((d["corpus"], d["split"]) for d in data for _ in d["spans"])
        print(name, {k: (v, n[k]) for k, v in sorted(c.items())})
        for d in data[:2]:
            print(d["text"][:80], [d["text"][s:e] for s, e in d["spans"]])

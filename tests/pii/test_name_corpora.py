"""How the training/evaluation corpora of the name taggers are read (eval/ner_corpora.py) and what the English
trainer adds (eval/train_name_tagger.py): the derived GUM gold names and the place/organisation lexicon."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "eval"))
import ner_corpora  # noqa: E402
import names_eval  # noqa: E402
import train_name_tagger  # noqa: E402


def test_char_bio_reads_sentences_with_name_and_other_spans(tmp_path):
    # Weibo's segmented characters ("李0") lose their position digit; other entity types are the "others"
    conll = tmp_path / "weibo.conll"
    conll.write_text("李0\tB-PER.NAM\n明1\tI-PER.NAM\n在0\tO\n京0\tB-GPE.NAM\n\n好0\tO\n")
    rows = ner_corpora.char_bio(conll, "\t", "weibo", "social", lambda t: t == "PER.NAM")
    assert [(r["text"], r["spans"], r["others"], r["corpus"], r["genre"]) for r in rows] == [
        ("李明在京", [(0, 2)], [(3, 4)], "weibo", "social"), ("好", [], [], "weibo", "social")]
    assert {r["split"] for r in rows} <= {"train", "test"}


def gum_names(mention: str) -> list[str]:
    tokens = mention.split()
    return [" ".join(tokens[s:e]) for s, e in ner_corpora._gum_names(tokens, 0, len(tokens))]


@pytest.mark.parametrize(
    "mention, expected",
    [
        ("Facebook co-founder Mark Zuckerberg", ["Mark Zuckerberg"]),
        ("the Libertarian candidate", []),
        ("Attorney Robert Sarvis", ["Robert Sarvis"]),
        ("Simon Ličen , assistant professor of Sport and Leisure", ["Simon Ličen"]),
        ("Sarvis , the Libertarian Party 's nominee for Governor of Virginia", ["Sarvis"]),
        ("the author of Chomsky 's biography", []),
        ("Rick Santorum himself", ["Rick Santorum"]),  # a reflexive ends the phrase
        ("Jeff [ Drake ]", ["Drake"]),
        # a list of names, each with its own modifier
        ("New People Party 's Michael Tien , DAB 's Ben Chan and Leung Che-cheung , FTU 's Alice Mak and "
         "pro-establishment nonpartisan Junius Ho", ["Michael Tien", "Ben Chan", "Leung Che-cheung", "Alice Mak", "Junius Ho"]),
        ("the Saudis", []),  # a group after a group word
        # names listed after the first, each with its own modifier; a list of other words is not one
        ("Ann Chiang of DAB and Priscilla Leung of BPA", ["Ann Chiang", "Priscilla Leung"]),
        ("Austen , Jane", ["Austen", "Jane"]),
        ("Edward Yiu of the Architectural , Surveying and Planning", ["Edward Yiu"]),
    ],
)
def test_gum_person_mentions_give_the_named_persons(mention, expected):
    assert gum_names(mention) == expected


@pytest.mark.skipif(not (ner_corpora.NER / "en/gum_train.conll").exists(), reason="needs ../shared/data/ner")
def test_a_common_word_after_a_name_word_or_a_title_is_a_surname_in_a_person_mention():
    tokens = "Terry Gross , Mr Key , the Warhol Factory".split()
    assert {"gross", "key", "factory"} <= ner_corpora._common_words()  # written lower case more often in the corpora
    assert ner_corpora._drop_common(tokens, 0, 2, person=True) == [(0, 2)]  # "Terry Gross"
    assert ner_corpora._drop_common(tokens, 0, 2) == [(0, 1)]  # elsewhere the common word ends the name
    assert ner_corpora._drop_common(tokens, 4, 5, person=True) == [(4, 5)]  # "Mr Key"
    assert ner_corpora._drop_common(tokens, 7, 9) == [(7, 8)]  # "the Warhol Factory"


@pytest.mark.skipif(not (ner_corpora.NER / "en/gum_train.conll").exists(), reason="needs ../shared/data/ner")
def test_a_surname_ending_in_s_is_not_a_group_but_a_people_is():
    assert gum_names("Wilkins") == ["Wilkins"]  # "Wilkin" is no word of GUM
    assert gum_names("Arabs") == []  # "Arab" is


@pytest.mark.skipif(not (ner_corpora.NER / "en/gum_train.conll").exists(), reason="needs ../shared/data/ner")
@pytest.mark.parametrize(
    "mention, expected",
    [
        # the name after the post-modifier's object, less the words of GUM's places and organisations
        ("Governor of Washington Chris Gregoire", ["Chris Gregoire"]),
        ("Minister of Education Stefania Giannini", ["Stefania Giannini"]),
        ("Undersecretary for Education Mr. Toccafondi", ["Toccafondi"]),  # one word after a title; the role out
        ("editor at large at the Saudi Gazette", []),  # an organisation, no name after it
        ("the thousands of dedicated men and women at Johnson Space Center", []),
        ("Co-founder of Google", []),
        ("Sarvis , the Libertarian Party 's nominee for Governor of Virginia", ["Sarvis"]),  # the name before a comma
        # a listed name after a possessive
        ("localist camp 's Cheng Chung-tai of Civic Passion , pan-democracy camp 's Kwok Ka-ki and Andrew Wan of "
         "respectively Civic Party and the Democratic Party", ["Cheng Chung-tai", "Kwok Ka-ki", "Andrew Wan"]),
    ],
)
def test_gum_names_behind_a_post_modifier(mention, expected):
    assert gum_names(mention) == expected


def test_english_lexicon_marks_place_heads_and_places():
    samples = [
        {"text": "John Smith flew to Ruritania and visited the Old Mill Bakery there.", "spans": [(0, 10)],
         "places": [(19, 28), (45, 60)]},
        {"text": "Ruritania is far from the Old Mill Bakery.", "spans": [], "places": [(0, 9), (26, 41)]},
        {"text": "Smith said the bakery was closed, the bakery said not, the bakery is open.", "spans": [(0, 5)]},
    ]  # fmt: skip
    lex = train_name_tagger.english_lexicon(samples)
    assert lex["ruritania"] == "L"  # a place twice, never in a name
    assert lex["mosque"] == "H" and lex["agency"] == "H"  # heads from the list
    assert lex["virginia"] == "FL"  # a given name and a state
    assert lex["smith"] == "S"  # a surname stays a surname
    # Faker's names of many languages, never over another class, a place or a word the text writes in lower case
    first, last = train_name_tagger.faker_names()
    assert {"annemette", "thaddeus", "river"} <= first and {"iversen", "preston"} <= last
    assert lex["annemette"] == "F" and lex["iversen"] == "S" and lex["thaddeus"] == "F"
    assert lex["river"] == "H" and "preston" not in lex  # a place head; a city


def test_never_name_words_are_frequent_outside_names_and_no_part_of_one():
    samples = [{"text": "当事人陈述事实。", "spans": []}] * 8 + [{"text": "王小明说。", "spans": [(0, 3)]}] * 8
    samples += [{"text": "小明来了。", "spans": []}] * 8
    words = set(train_name_tagger.never_name_words(samples, min_count=8))
    assert {"陈述", "事实"} <= words  # 8 times outside names
    assert "小明" not in words  # part of the name 王小明, however often it occurs outside names
    assert "当事人陈" not in words and "述事" in words  # 2–3 characters, any, counted outside names only


def test_places_and_peoples_alone_leave_out_given_names_surnames_and_training_names():
    lex = {"john": "F", "jackson": "S", "paris": "L", "new": "C"}
    samples = [{"text": "Paris Hilton came.", "spans": [(0, 12)]}]
    words = set(train_name_tagger.not_alone_words(lex, samples))
    assert {"dubai", "saudis", "armenian", "zulu", "palau"} <= words
    assert not {"john", "jackson", "new", "paris"} & words  # lexicon names, common words, training-name words


def _conll(sentence: str) -> list[tuple[str, str]]:
    """"word/TAG word word/TAG …": a token with its BIO tag (B- for the first of a run, I- after), O without."""
    out, prev = [], None
    for item in sentence.split():
        word, _, tag = item.partition("/")
        out.append((word, "O" if not tag else ("I-" if tag == prev else "B-") + tag))
        prev = tag or None
    return out


def test_gum_gold_drops_groups_and_roles_and_adds_names_inside_other_mentions():
    sents = [
        _conll("Andy/person Warhol/person came ."),
        _conll("the/event Andy/event Warhol/event exhibit/event opened ."),  # a name inside an event mention
        _conll("Warhol/object 's/object Polaroids/object were shown ."),  # his surname, too
        _conll("Moriori/person live/O here ."),
        _conll("contemporary/object Moriori/object carvings/object"),  # "Moriori" modifies a lower-case noun
        _conll("Pilot/person said so ."),
        _conll("the/person pilot/person said so ."),  # GUM writes it in lower case elsewhere
        _conll("Tulsans/person like it ."),  # a people's plural
        _conll("Walker/person Evans/person took it ."),  # a name that ends like one
        _conll("Warhol/person 's/person sister/person came ."),  # a known surname nested in a person mention
        _conll("[/person Andy/person W./person ]/person Warhol/person came ."),  # a name's part in brackets is no name of its own
    ]
    gold = [[" ".join(t for t, _ in sent[s:e]) for s, e in spans] for sent, spans in zip(sents, ner_corpora._gum_gold(sents))]
    assert gold == [["Andy Warhol"], ["Andy Warhol"], ["Warhol"], [], [], [], [], [], ["Walker Evans"], ["Warhol"], ["Warhol"]]


def test_lower_too_words_are_names_written_mostly_in_lower_case():
    lex = {"zorble": "S", "quamp": "F", "blint": "C"}
    samples = [{"text": "we zorble it and blint it.", "spans": []}] * 12
    samples += [{"text": "They met Quamp and the quamp today.", "spans": [(9, 14)]}] * 6
    words = train_name_tagger.lower_too_words(lex, samples)
    assert "zorble" in words  # a surname written in lower case 12 times, never capitalised
    assert "quamp" not in words  # as often capitalised as not, and under 10 times in lower case
    assert "blint" not in words  # a common word that is no name: the tagger never scores it at an opening anyway


def test_other_entity_words_are_chinese_entities_never_labelled_as_names():
    rows = [
        {"text": "曼联主帅在国务院门口", "spans": [], "others": [(0, 2), (5, 8)]},
        {"text": "李宁说李宁公司在Nike旁", "spans": [(0, 2)], "others": [(3, 7), (8, 12)]},
        {"text": "华为和李宁", "spans": [], "others": [(0, 2), (3, 5)]},  # 李宁 is a name elsewhere
    ]
    # Latin-script entities (Nike) and names of any corpus (李宁) are left out
    assert train_name_tagger.other_entity_words(rows) == sorted(["国务院", "曼联", "李宁公司", "华为"])


@pytest.mark.parametrize(
    "text, span, expected",
    [
        ("接到王先生投诉后", (2, 3), True),
        ("李先生告诉记者", (0, 3), True),
        ("南京银行建宁路支行缪行长表示", (9, 12), True),
        ("银行方面已经向陈先生表示了歉意", (6, 8), True),  # a preposition before the surname
        ("王小明先生表示", (0, 3), False),  # a full name
        ("王先", (0, 1), False),  # no title after it
    ],
)
def test_a_bare_surname_with_a_title_is_counted_apart(text, span, expected):
    assert names_eval.surname_with_title(text, span) is expected
    pairs = [([], [span])]
    counts = names_eval.score(pairs, [text])
    assert counts["precision"] == 0 and counts["surname_title"] == int(expected)


def test_translit_chars_come_from_foreign_names_and_leave_place_characters_out():
    import zh_translit_chars

    def row(text, *names):
        return {"text": text, "spans": [(text.index(n), text.index(n) + len(n)) for n in names]}

    rows = [row("约翰·史密斯来了。", "约翰·史密斯")] * 3 + [row("泰勒（Taylor）说。", "泰勒")] * 3
    rows += [row("卡萨诺进球，约翰·卡萨诺说。", "卡萨诺", "约翰·卡萨诺")] * 3
    rows += [row("王明在北京，史密斯大学在亚洲。", "王明")] * 20  # 史 and 斯 often outside names: no longer likely in them
    chars = zh_translit_chars.translit_chars(rows, min_count=3, min_lift=3)
    assert set(chars) == set("约翰卡萨诺泰勒")  # dotted and spelled-out names; not the Chinese name, not 史 and 斯
    assert chars == "".join(sorted(chars))
    # the second pass: a run of three characters or more of the first pass's set, not starting with a surname
    seed = frozenset("卡萨诺马")
    assert zh_translit_chars._is_transliteration("卡萨诺进球", 0, 3, seed)
    assert not zh_translit_chars._is_transliteration("马萨诺进球", 0, 3, seed)
    assert not zh_translit_chars._is_transliteration("卡萨进球", 0, 2, seed)
    assert not zh_translit_chars._is_transliteration("卡萨王进球", 0, 3, seed)

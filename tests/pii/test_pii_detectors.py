"""Detectors: valid and invalid checksums, exact spans in running Chinese text, full-width forms."""

import random
import re

import pytest

from transforms.pii import detectors as det
from transforms.pii import validators
from transforms.pii.detectors import Detector, Span, count_structured_identifiers, resolve_overlaps

DETECTOR = Detector()


# e-mails and a WeChat ID whose cue words the full scan's English cue scan finds (a structured-only scan: since
# 2026-12-08, a scan of these words alone)
OBFUSCATED_WITHOUT_FULL_WIDTH_AT = [
    ("Contact: john.doe[at]example.com.", "john.doe[at]example.com", det.EMAIL_ADDRESS),
    ("write j_doe99 (AT) mail (dot) example (dot) org today", "j_doe99 (AT) mail (dot) example (dot) org", det.EMAIL_ADDRESS),
    ("Mail jdoe at example dot co dot uk for details", "jdoe at example dot co dot uk", det.EMAIL_ADDRESS),
    ("VX: wxid_abc123 联系", "wxid_abc123", det.IM_ACCOUNT),
]


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.type) for s in DETECTOR.detect(text)]


@pytest.mark.parametrize(
    "text, value, entity",
    [
        ("身份证号110105199003071239请核对", "110105199003071239", det.CN_RESIDENT_ID),
        ("证件11010519491231002X已登记", "11010519491231002X", det.CN_RESIDENT_ID),
        ("号码１１０１０５１９９００３０７１２３９。", "１１０１０５１９９００３０７１２３９", det.CN_RESIDENT_ID),
        ("身份证号码：110105900307123，旧证", "110105900307123", det.CN_RESIDENT_ID),
        ("邮箱zhangwei@example.cn请回复", "zhangwei@example.cn", det.EMAIL_ADDRESS),
        ("邮箱ｚｈａｎｇｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ请回复", "ｚｈａｎｇｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ", det.EMAIL_ADDRESS),
        *OBFUSCATED_WITHOUT_FULL_WIDTH_AT,
        ("手机１３８００１３８０００联系", "１３８００１３８０００", det.PHONE_NUMBER),
        ("电话+86 138-0013-8000转人工", "+86 138-0013-8000", det.PHONE_NUMBER),
        ("座机010-62345678找我", "010-62345678", det.PHONE_NUMBER),
        ("Call (415) 555-2671 today", "(415) 555-2671", det.PHONE_NUMBER),
        ("UK mobile 07700 900123 ok", "07700 900123", det.PHONE_NUMBER),
        ("信用卡4111111111111111到期", "4111111111111111", det.BANK_CARD),
        ("银联卡号6222 0212 3456 7890 128。", "6222 0212 3456 7890 128", det.BANK_CARD),
        ("代码91350100M000100Y43有效", "91350100M000100Y43", det.CN_USCC),
        ("IBAN:DE89370400440532013000,谢谢", "DE89370400440532013000", det.IBAN),
        ("pay GB82 WEST 1234 5698 7654 32 now", "GB82 WEST 1234 5698 7654 32", det.IBAN),
        ("服务器106.31.73.20被访问", "106.31.73.20", det.IP_ADDRESS),
        ("v6 2001:4860:4860::8888 up", "2001:4860:4860::8888", det.IP_ADDRESS),
        ("SSN 460-89-9847.", "460-89-9847", det.US_SSN),
        ("护照号码E12345678已过期", "E12345678", det.PASSPORT),
        ("港澳通行证C12345678办理", "C12345678", det.CN_TRAVEL_PERMIT),
        ("车牌京A12345违章", "京A12345", det.CN_LICENSE_PLATE),
        ("有事加我QQ：123456789，谢谢", "123456789", det.IM_ACCOUNT),
        ("我的qq号 2845123905", "2845123905", det.IM_ACCOUNT),
        ("或者微信：zhangsan_1990，谢谢", "zhangsan_1990", det.IM_ACCOUNT),
        ("新能源粤B·D12345停车", "粤B·D12345", det.CN_LICENSE_PLATE),
        ("见https://bob:hunter2@db.internal/x。", "https://bob:hunter2@db.internal/x", det.CREDENTIAL_URL),
        ("see https://api.x.com/v1?api_key=abcdef123456 now", "https://api.x.com/v1?api_key=abcdef123456", det.CREDENTIAL_URL),
    ],
)
def test_detects_exact_span(text, value, entity):
    assert (value, entity) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "编号110105199003071238请核对",  # ID with a wrong check digit and no identity-card label
        "编号110105199013071239",  # month 13
        "卡号4111111111111112",  # fails Luhn
        "代码91350100M000100Y44",  # wrong USCC check character
        "IBAN DE89370400440532013001",  # fails mod-97
        "version 999.31.73.20",  # not an IPv4 address
        "SSN 000-12-3456",  # area 000 never issued
        "订单号20231105123456号",  # long number, nothing personal
        "The year 2023 had 365 days and 1,000,000 visitors.",
        "会议时间12:30:45结束",
    ],
)
def test_rejects_invalid_or_plain_numbers(text):
    assert count_structured_identifiers([text]) == [0]


@pytest.mark.parametrize("text", ["QQ群：12345678 欢迎加入", "关注微信公众号：abcdefg", "QQ空间很好玩", "微信支付 abcdef123"])
def test_groups_and_official_accounts_are_no_im_account(text):
    assert [v for v, e in found(text) if e == det.IM_ACCOUNT] == []


@pytest.mark.parametrize(
    "text",
    ["look at example.com for more", "the cat sat (at) home", "we look at the stars dot by dot", "at 5pm (at the latest) dot"],
)
def test_at_and_dot_in_prose_are_no_email(text):
    assert [v for v, e in found(text) if e == det.EMAIL_ADDRESS] == []


def test_labelled_identity_number_with_wrong_check_digit_is_still_personal():
    text = "身份证号110105199003071234请核对"
    assert found(text) == [("110105199003071234", det.CN_RESIDENT_ID)]


def test_validators():
    assert det.cn_id_valid("11010519491231002X")
    assert not det.cn_id_valid("11010519491231002Y")
    assert det.uscc_valid("91350100M000100Y43")
    assert validators.luhn_valid("6222021234567890128")
    assert det.iban_valid("GB82WEST12345698765432")
    assert det.card_valid("4111 1111 1111 1111")
    assert not det.card_valid("1234567812345670")  # Luhn-valid, but no card scheme starts with 1234


def test_no_digit_glue_with_ascii_neighbours():
    # a 19-digit run inside a longer alphanumeric token is not a card
    assert count_structured_identifiers(["ref A4111111111111111B", "x6222021234567890128y"]) == [0, 0]


def test_structured_count_of_a_list_equals_each_text_alone():
    texts = ["call +44 20 7946 0958 or mail a.b@example.org", "", None, "IBAN GB82WEST12345698765432", "nothing here", "ref 2024-09-18"]
    together = count_structured_identifiers(texts)
    assert together == [count_structured_identifiers([t])[0] for t in texts]
    assert together[0] == 2 and together[1:3] == [0, 0] and together[3] == 1


def _digit_texts(rng: random.Random, n: int) -> list[str]:
    """Texts of digits (ASCII, full-width, Arabic-Indic), the digit gate's separators, letters and characters
    beyond the BMP, so runs of six digits within 11 characters are sometimes there and sometimes just missed."""
    pieces = ["1", "2", "9", "０", "８", "٣", " ", "-", "－", ".", "(", "）", "/", "a", "Z", "中", "😀", "\n", "+", "  "]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(n)]


def test_batch_digit_runs_never_rule_out_what_the_digit_gate_finds():
    texts = _digit_texts(random.Random(7), 400) + ["123456", "1 2 3 4 5 6", "1-2-3-4-5 6", "１２３４５６", "12345", "x" * 50 + "123-456"]
    texts += ["card 4111 1111 1111 1111", "call +44 20 7946 0958", "IBAN GB82WEST12345698765432", "mail a.b@example.org"]
    runs = det._digit_runs(texts)
    for run, text in zip(runs, texts):
        assert run >= bool(det._DIGIT_GATE.search(text)), text
    assert sum(runs) < len(texts)  # the batch's digits do rule some texts out
    # the structured detector finds in a batch (digits from the batch) what it finds in each text alone
    together = count_structured_identifiers(texts)
    assert together == [count_structured_identifiers([t])[0] for t in texts]
    assert sum(together) > 0


def test_structured_detector_runs_the_digit_gate_only_where_the_batch_has_a_digit_run(monkeypatch):
    scanned = []

    class Recording:
        def __init__(self, regex):
            self.regex = regex

        def search(self, text, *args):
            scanned.append(text)
            return self.regex.search(text, *args)

    monkeypatch.setattr(det, "_DIGIT_GATE_ASCII", Recording(det._DIGIT_GATE_ASCII))
    monkeypatch.setattr(det, "_DIGIT_GATE", Recording(det._DIGIT_GATE))
    texts = ["a review from 2024 of 3 films", "call 020 7946 0958 today", "1 2 3 4 5", "no digits at all", "ID 1234 5678"] * 2
    assert count_structured_identifiers(texts) == [0, 1, 0, 0, 0] * 2
    assert scanned == ["call 020 7946 0958 today", "ID 1234 5678"] * 2


def test_names_and_addresses_with_context():
    text = "联系人：张伟，住址：北京市朝阳区建国路88号3号楼1201室。王先生已到。"
    got = found(text)
    assert ("张伟", det.PERSON) in got
    assert ("王", det.PERSON) in got
    assert ("北京市朝阳区建国路88号3号楼1201室", det.STREET_ADDRESS) in got
    en = "Name: Toshimi Arata\nDear Dr. Jane Doe, I live at 12 Maple Street, Springfield."
    got = found(en)
    assert ("Toshimi Arata", det.PERSON) in got and ("Jane Doe", det.PERSON) in got
    assert any(t == det.STREET_ADDRESS and v.startswith("12 Maple Street") for v, t in got)


def test_address_start_skips_leading_verb():
    text = "我住在浙江省杭州市西湖区文三路478号。"
    assert ("浙江省杭州市西湖区文三路478号", det.STREET_ADDRESS) in found(text)


def test_overlaps_longest_then_score_wins():
    spans = [Span(0, 11, "PHONE_NUMBER", 0.9), Span(0, 18, "CN_RESIDENT_ID", 0.97), Span(20, 25, "A", 0.5),
             Span(20, 25, "B", 0.7)]  # fmt: skip
    assert resolve_overlaps(spans) == [Span(0, 18, "CN_RESIDENT_ID", 0.97), Span(20, 25, "B", 0.7)]


def test_entities_and_languages_limit_detection():
    text = "姓名：张伟 邮箱a.b@qq.com"
    only_email = Detector([det.EMAIL_ADDRESS])
    assert [s.type for s in only_email.detect(text)] == [det.EMAIL_ADDRESS]
    assert det.PERSON not in {s.type for s in Detector(languages=("en",)).detect(text)}
    assert [s.type for s in Detector([det.CN_TRAVEL_PERMIT]).detect("港澳通行证C12345678办理")] == [det.CN_TRAVEL_PERMIT]
    with pytest.raises(ValueError, match="NOPE"):
        Detector(["NOPE"])


TRICKY_NUMBERS = [
    "电话+86 138-0013-8000转人工，备用０１０－６２３４５６７８，或 (415) 555-2671 x12",
    "SSN 460-89-9847 and 460 89 9847; card 4111 1111 1111 1111 1111; +1 2 3; 00441234567890",
    "IPs 10.0.0.1.5 and 256.1.1.1 and ６.19.184.221 and 8.8.8.8; order 2023-11-05 12:30",
    "codes 91350100M000100Y43X, E12345678, EA1234567, G123456789, 13800138000138001380",
    "a4111111111111111 (0571)88889999 0086-13800138000 8613800138000 07700 900123",
]


@pytest.mark.parametrize("text", TRICKY_NUMBERS)
def test_one_scan_finds_what_each_pattern_finds_alone(text):
    # the combined scan must reproduce each pattern's own finditer: same matches, same non-overlap rule
    led = tuple(p for p in det._NUMERIC_PATTERNS if p.first) + (det._GENERIC_PHONE,)
    scan = det._led_scan(led)
    ends, combined = [0] * len(led), [[] for _ in led]
    for m in (scan.ascii_regex if text.isascii() else scan.regex).finditer(text):
        for i, (group, _) in enumerate(scan.patterns):
            end = m.regs[group][1]
            if end != -1 and m.start() >= ends[i]:
                ends[i] = end
                combined[i].append((m.start(), end))
    alone = [[m.span() for m in p.regex.finditer(text) if m.end() - m.start() >= 7] for p in led]
    assert [[s for s in c if s[1] - s[0] >= 7] for c in combined] == alone


@pytest.mark.parametrize(
    "text",
    ["Dear John Smith,\nthanks", "Name: Ana López; contact: Li Wei", "signed:  Jane Doe\nREGARDS, Bob",
     "İstanbul. Name: Kemal Ak", "ſincerely, Tom Ray", "username: jdoe\nBest,\nann lee\n"],
)  # fmt: skip
def test_label_lookup_matches_a_full_scan(text):
    for cues in both_cues(text):
        found = det._label_matches(det._EN_NAME_LABEL, text, cues, (det._CUE_NAME_LABEL, det._CUE_SIGNOFF))
        assert [m.span(1) for m in found] == [m.span(1) for m in det._EN_NAME_LABEL.finditer(text)]


def both_cues(text: str) -> list:
    """The cues of ``text`` found alone (``detect``) and as part of a batch (``detect_batch``): each must do."""
    batch = list(det._batch_cues(["Name: x", text, "", "Dear Ann"]))
    return [det._text_cues(text), batch[1]]


def test_street_hint_is_necessary_for_a_street():
    for text in ["12 Maple Street, Springfield", "Koskikatu 25", "Calle Mayor 5", "10 Downing St."]:
        has_street = bool(det._EN_STREET.search(text))
        assert bool(det._EN_STREET_HINT.search(text)) >= has_street
        assert bool(det._EN_STREET_HINT_ASCII.search(text)) >= has_street
    assert not det._EN_STREET_HINT_ASCII.search("On 12 March 2024 costs rose by 4.5 percent in 30 days.")


def addresses(text: str) -> list[str]:
    return [v for v, t in found(text) if t == det.STREET_ADDRESS]


@pytest.mark.parametrize(
    "text",
    [
        "The project includes a small park along 1720 Lincoln Boulevard, which opened last May.",
        "Attendance has risen since the club moved to its new stadium in 2019. Tickets sold out.",
        "Mr. Bob Stone met 12 Stone Masons at 12 Stonegate.",
        "Road Closures\n12 Maple Street will be closed on Monday.",  # the subject of a sentence, not a place
        "We go live at 9 a.m. sharp tomorrow.",
        # titles of films and books (real-100k reviews): no place word before them, or a street word before the number
        "I resisted watching 15 Park Avenue despite the recommendations.",
        "51 Birch Street is a great examination of a marriage.",
        'I rented "A Nightmare on Elm Street 3" again.',
        "Route 66 was on TV and Jurassic Park 3 came after it.",
        "She and her world constitute the nucleus of 15 Park Avenue.",  # "of" alone is no place word
        "In 1947, The Road to Hollywood used some of its scenes.",  # a comma after the number: a year, not a street
        "the first adventure of 007, Dr. No being the second",
        "She sent 2 via email to Calle.",  # a lower-case "via" is no street word
        "He was at 3 rue de bois",  # "rue" needs its name: a particle and a capitalised word
    ],
)
def test_street_in_running_text_without_a_place_word_is_not_an_address(text):
    assert addresses(text) == []


@pytest.mark.parametrize(
    "text, address",
    [
        # a street line after a place word or a colon is an address whatever precedes it (2026-12-07)
        ("Cooling centres will stay open at the community centre on 88 Church Road.", "88 Church Road"),
        ("Questions? Visit the service point at 410 Market Street, Riverton, open Monday to Friday.",
         "410 Market Street, Riverton"),
        ("The office is located at 12 Maple Street, Springfield.", "12 Maple Street, Springfield"),
        ("Our offices are located at 12 Main Street", "12 Main Street"),
        ("He lives on the north side of 12 Main Street.", "12 Main Street"),
        ("Jesse James's last residence (at 1318 Lafayette Street, St Joseph, Missouri) was a cottage",
         "1318 Lafayette Street, St Joseph, Missouri"),
        ("Turn into 5 Elm St. on the left", "5 Elm St."),  # the full stop of an abbreviation is the street's
        ("The restaurant is at 17151 2450 Crown St", "2450 Crown St"),  # a building number before the street
        ("Meet me at the corner of Östbygatan 14 and Sigurmundsson Greens.",
         "the corner of Östbygatan 14 and Sigurmundsson Greens"),
        # other languages' streets: a name ending in a street word, a separate street word, a street word first
        ("Tilly lives at 10252 Höfðagata 39, Keflavíkurflugvöllur", "10252 Höfðagata 39, Keflavíkurflugvöllur"),
        ("Pedestrians must enter on Sludevej 13 today.", "Sludevej 13"),
        ("He lives on the north side of Rua Diadema 1903.", "Rua Diadema 1903"),
        ("Please return to 35108 ul. Zamkowa 33 Apt. 406\nBeerze\n, OV\n Netherlands 02032 in case of an issue.",
         "35108 ul. Zamkowa 33 Apt. 406\nBeerze\n, OV\n Netherlands 02032"),
        ("I'll meet you at 2224 Trenerys gate 232 after the concert.", "2224 Trenerys gate 232"),
        ("Our offices are located at 6076 Piroska u. 97.\nPorto Alegre\n, RS\n Brazil 95828",
         "6076 Piroska u. 97.\nPorto Alegre\n, RS\n Brazil 95828"),
        ("Send it to Via Nuova del Campo 85, Roma", "Via Nuova del Campo 85, Roma"),
        ("It's in 479 95 Avenue des Tuileries Apt. 892", "95 Avenue des Tuileries Apt. 892"),  # number first
        ("I stayed at 12 rue de Rivoli, Paris", "12 rue de Rivoli, Paris"),
        ("Address:\n2456 Rue de Virton 38\n Suite 510\n Ettelgem\n Belgium", "2456 Rue de Virton 38\n Suite 510\n Ettelgem\n Belgium"),
        ("Koskikatu 25", "Koskikatu 25"),  # fills its line
        ("> Lina Artemova\n> Pfarrgasse 91\n> Apt. 342\n> Wien", "Pfarrgasse 91\n> Apt. 342\n> Wien"),
        ("How do I change my address to 638 2229 Wolmarans St\nCaxias do Sul, RS 24893 for post mail?",
         "2229 Wolmarans St\nCaxias do Sul, RS 24893"),  # a lower-case particle inside a town's name
    ],
)
def test_street_line_after_a_place_word_is_an_address(text, address):
    assert addresses(text) == [address]


@pytest.mark.parametrize(
    "text, address",
    [
        # a street without a street word, its number after the name: labelled (any case there) ...
        ("Olga Tamm lives at 4417 Kaevu 12, Tartu", "4417 Kaevu 12, Tartu"),
        ("mads lives at 31 nørrebrogade 7, københavn n", "31 nørrebrogade 7, københavn n"),
        ("He lives at 802 Νίκης 41, ΛΕΜΕΣΟΣ", "802 Νίκης 41, ΛΕΜΕΣΟΣ"),
        # ... or the first line of a postal block ending in a postcode
        ("Please send it to 5521 Dlouhá 730\nKolín\n, ST\n Czechia 28002 by Monday.",
         "5521 Dlouhá 730\nKolín\n, ST\n Czechia 28002"),
        ("Eva Lind\nLindab AB\n118 Mossvik 4\nBorås\n, VG\n 50630\nMobile: 555 0100", "118 Mossvik 4\nBorås\n, VG\n 50630"),
        # a labelled value goes on through the postal lines below it
        ("Address:   6402 Pärnu mnt 52\nKeila\n, 37\n 76607", "6402 Pärnu mnt 52\nKeila\n, 37\n 76607"),
        # a name, a number and more words before a unit line, in a postal block with a postcode
        ("Our office is at Brekke 38 Morgan Hollow\n Suite 201\n BERGEN\n Norway 50112",
         "Brekke 38 Morgan Hollow\n Suite 201\n BERGEN\n Norway 50112"),
        ("It's in Οδός Ερμού 27 Lina Point\n Apt. 11\n ΑΘΗΝΑ\n Greece 10563", "Οδός Ερμού 27 Lina Point\n Apt. 11\n ΑΘΗΝΑ\n Greece 10563"),
        ("Meet me at Lakeside 11 Vance Crossing\n Apt. 9\n Moss\n Norway 15301 after lunch.",
         "Lakeside 11 Vance Crossing\n Apt. 9\n Moss\n Norway 15301"),  # a postcode ends the block mid-sentence
        ("I now live in 412 Karla z Brna 17\n Apt. 3\n Lhota u Kolína\n Czech Republic 28002",
         "412 Karla z Brna 17\n Apt. 3\n Lhota u Kolína\n Czech Republic 28002"),  # particles z, u
        ("Jana Malá\n\n12 Tylova 28\n Suite 5\n Český Krumlov\n Czech Republic 38101",
         "12 Tylova 28\n Suite 5\n Český Krumlov\n Czech Republic 38101"),  # a town in Latin Extended-A capitals
    ],
)  # fmt: skip
def test_street_without_a_street_word_in_a_label_or_a_postal_block(text, address):
    assert addresses(text) == [address]


@pytest.mark.parametrize(
    "text, address",
    [
        # a unit before the street (British and European postal form): a household, whatever precedes it
        ("Please write to Flat 3, 12 High Street, Leeds", "Flat 3, 12 High Street, Leeds"),
        ("Dr. Cindy Holinka Apt. 117 5720 Skoanveien 226\nFAUSKE 8200", "Apt. 117 5720 Skoanveien 226\nFAUSKE 8200"),
        ("Mrs. Jana Berg Suite 541 6343 Skogstien 106\nmore later", "Suite 541 6343 Skogstien 106"),  # no street word
        # an intersection with a house number
        ("I'd like it to be sent to the corner of Alšova 408 and Vedzizhev Greens.",
         "the corner of Alšova 408 and Vedzizhev Greens"),
        ("Address to the same: the corner of Csabai kapu 39. and Mathias Pass", "the corner of Csabai kapu 39. and Mathias Pass"),
        ("It's in the corner of 35 Pentelis Str. and Waechter Turnpike", "the corner of 35 Pentelis Str. and Waechter Turnpike"),
        # the next address of a list, after "and" behind the number that ends the one before
        ("We have 12 Maple Street, Springfield, IL 62704, and 04862 Victor Hugo u. 49. Suite 638",
         "04862 Victor Hugo u. 49. Suite 638"),
        ("Ship both: Flat 2, 9 Elm Street, Leeds LS1 4DY, and Ilmalankuja 82 Zachary Cliffs\n Apt. 446\n PORI\n Finland 87971",
         "Ilmalankuja 82 Zachary Cliffs\n Apt. 446\n PORI\n Finland 87971"),
        # a street opening a postal block after a sentence
        ("Can you please validate the following? 2456 Rue de Virton 38\n Suite 510\n Ettelgem\n Belgium",
         "2456 Rue de Virton 38\n Suite 510"),
        # "Str." after the name, as in Greek and Cypriot addresses written in English
        ("Juliusz lives at 28919 136 Filadelfeos Str., Klirou", "28919 136 Filadelfeos Str., Klirou"),
        ("We met at 25 Filellinon Str. in Athens", "25 Filellinon Str."),
        # a labelled value does not end at the full stop of "apt."
        ("address:\n947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia",
         "947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia"),
    ],
)  # fmt: skip
def test_units_before_streets_intersections_and_lists_of_addresses(text, address):
    assert address in addresses(text)


@pytest.mark.parametrize(
    "text",
    [
        "Meet me at the corner of Hollywood and Vine.",  # an intersection without a house number: a landmark
        "He sat in the corner of Room 101 and Winston waited.",  # no street word ends the second street
        "He scored 2 goals in 1998 and 15 Park Avenue was on TV.",  # "and" after a number, but a title: no place
        "I was inept. He left the Suite 5 band.",
        "Apt. 5 was noisy. Room 12 Main was not.",
    ],
)
def test_intersection_and_unit_look_alikes_are_no_address(text):
    assert addresses(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "In 1998 Windows 95\nwas still everywhere.",  # no postal block below
        "Released in 2001 Final Fantasy 10\nSquare Enix\n, JP",  # no postcode
        "Top 10 Hotels\nSuite 12 Deluxe",
        "Chapter 3 Verse 16\nThe Lord is my shepherd",
        "He lives at 5 minutes from the station.",
        "The score was 3 Arsenal 1, Chelsea nil",  # no label, no postal block
        "Season 2 Episode 5\nSpringfield\n, IL\n 62704",  # a postal block needs a place word or a line of its own
    ],
)
def test_number_name_number_look_alikes_are_no_address(text):
    assert addresses(text) == []


@pytest.mark.parametrize(
    "text, address",
    [
        ("Address: 12 Maple Street, Springfield", "12 Maple Street, Springfield"),  # label
        ("Ship to: Flat 3, 12 Maple Street, Leeds", "Flat 3, 12 Maple Street, Leeds"),
        ("He resides at Flat 2, 9 Elm Street, Riverton.", "Flat 2, 9 Elm Street, Riverton"),
        ("My new address is PSC 2581, Box 0041.", "PSC 2581, Box 0041"),
        ("Mrs. Sarah Brown of 702 Lakeview Terrace, Milford can be called on weekdays.",  # person before it
         "702 Lakeview Terrace, Milford"),
        ("Best regards,\nJohn Smith\n12 Maple Street\nSpringfield\n", "12 Maple Street\nSpringfield"),  # signature
        ("Jane Doe\nAcme Corp\n12 Station Approach, Ashford\nPhone: 555 0100", "12 Station Approach, Ashford"),
        ("Billing address: Ana Dias\n    48 Chestnut Lane\n    Kingston\n\nThanks", "48 Chestnut Lane\n    Kingston"),
        ("The shop at 12 Maple Street, Springfield, IL 62704 opened.", "12 Maple Street, Springfield, IL 62704"),  # postal
        ("Send it to 1600 Pennsylvania Avenue NW, Washington, DC 20500 by Friday.",
         "1600 Pennsylvania Avenue NW, Washington, DC 20500"),
        ("Returns go to 10 Downing St, London SW1A 2AA.", "10 Downing St, London SW1A 2AA"),
    ],
)  # fmt: skip
def test_street_with_personal_context_is_detected(text, address):
    assert address in addresses(text)


@pytest.mark.parametrize(
    "text",
    ["My address is 14 Maple Avenue. Address: 9 Elm St", "the address is 3 Elm Road; her address is 4 Elm Road.",
     "She lives at 221B Baker Street. RESIDING AT 5 Mill Road", "Residence: Flat 2\nship to 7 Oak Way",
     "İstanbul. Home address: 1 Main St", "delivered olives at 5 Oak Way"],
)  # fmt: skip
def test_address_label_lookup_matches_a_full_scan(text):
    for cues in both_cues(text):
        found = det._label_matches(det._EN_ADDRESS_LABEL, text, cues, (det._CUE_ADDRESS_LABEL, det._CUE_ADDRESS_PHRASE))
        assert [m.span(1) for m in found] == [m.span(1) for m in det._EN_ADDRESS_LABEL.finditer(text)]


@pytest.mark.parametrize(
    ("regex", "groups", "text"),
    [(det._EN_ADDRESS_LABEL, (det._CUE_ADDRESS_LABEL, det._CUE_ADDRESS_PHRASE),
      "address: 5 Elm St; Billing Address: 1 Main St\nSHIPPING address: 2 Oak Way"),
     (det._EN_NAME_LABEL, (det._CUE_NAME_LABEL, det._CUE_SIGNOFF),
      "Full name: Ana Dias\nKind regards,\nBob Lee\nyours sincerely, Tom Ray"),
     (det._EN_INTRODUCTION, (det._CUE_INTRO,), "your name is Ana? our name is Li, Your name's Bo"),
     (det._EN_INTRODUCTION, (det._CUE_INTRO,), "İ: your name is Ana? our name is Li, Your name's Bo")],
)  # fmt: skip
def test_labels_holding_another_label_are_found_where_they_start(regex, groups, text):
    # whole-match spans: a label found only through a shorter one ("address" in "Billing Address") would start later
    for cues in both_cues(text):
        found = det._label_matches(regex, text, cues, groups)
        assert [m.span() for m in found] == [m.span() for m in regex.finditer(text)]


# Texts where a cue sits at an edge: the first or last characters of a text, next to the text before or after it
# in the batch, beside characters that lower-case to ASCII (Kelvin sign, long s, dotless i) or change length
# ("İ"), after characters beyond the BMP, digits in full width, in other scripts, and runs of digits cut short.
CUE_EDGE_TEXTS = [
    "Name: Ana Dias", "Dear Bob", "Mr. Ed Lee", "x Mr. Ed Lee", "Address: 9 Elm St", "lives at 5 Oak Way",
    "ſincerely, Tom Ray", "KIND regards, Ann Lee", "İstanbul. Name: Kemal Ak", "Dr. Ken Wu 😀 Name: Li Wei",
    "😀😀 My name is Ana. Call 415 555 2671", "电话１３８００１３８０００", "call 12345", "call 123 456 now",
    "ID: 1 2 3 4 5 6", "٣٤ Main Street, Springfield, IL 62704", "PSC 1560, Box 3449, APO AP 96522",
    "Unit 2050 Box 4190 DPO AE 09498", "04 320 St Marys Rd Suite 12", "Friedhofstrasse 33 Suite 979",
    "Koskikatu 25, 00100 Helsinki, my address is Koskikatu 25", "Jane Doe\nAcme Corp\n12 Station Approach, Ashford",
    "USNS Pollux, FPO AA 34058", "Best,\nann lee\n", "His name is Tom. 12 vägen 3", "Straße 5 Suite 2, her address is",
    "", "a", "Mr", "1", "123456", "12345", "M", "Ms. Ana Li of 12 Maple Street, Leeds",
    "Rue de Virton 38", "😀 at Pfarrgasse 91", "İ: Rua Diadema 1903", "to ul. Zamkowa 33", "at 12 rue de Rivoli, Paris",
    "Hegedűs Gyula utca 76", "x Trenerys gate 232",
    "Eva Lind\n118 Mossvik 4\nBorås\n, VG\n 50630", "no cue\n5521 Dlouhá 730\nKolín\n, ST\n 28002\n𝟙2\n",
]  # fmt: skip


def test_batch_cues_find_what_each_text_finds_alone():
    detector = Detector()
    texts = CUE_EDGE_TEXTS * 2 + [t.upper() for t in CUE_EDGE_TEXTS] + [t + " " + u for t, u in zip(CUE_EDGE_TEXTS, CUE_EDGE_TEXTS[1:])]
    alone = [detector.detect(t) for t in texts]
    assert sum(map(len, alone)) > 40  # the texts do hold names, addresses and numbers
    assert detector.detect_batch(texts) == alone
    for batch, text in zip(det._batch_cues(texts), texts):
        single = det._text_cues(text)
        assert (batch.labels is None) == (single.labels is None) == ("İ" in text)
        if batch.labels is not None:
            assert {g: sorted(set(v)) for g, v in batch.labels.items()} == {g: sorted(set(v)) for g, v in single.labels.items()}
        assert (batch.words, batch.ascii_letter) == (single.words, single.ascii_letter)
        assert (list(batch.honorifics), list(batch.street_words)) == (list(single.honorifics), list(single.street_words))


@pytest.mark.parametrize("text", CUE_EDGE_TEXTS + [
    "Send it to Via Nuova del Campo 85, Roma or to 6185 Pfarrgasse 91\n Suite 170\n MITTERLOBMING\n Austria 26759",
    "the corner of ul. Cicha 86 and Leokadia Trail, then 2224 Trenerys gate 232 and Király u. 15.",
    "Rue Rue de la Paix 3 and 95 Avenue des Tuileries Apt. 892",
])  # fmt: skip
def test_other_streets_are_found_around_their_words_as_by_a_full_scan(text):
    cues = det._text_cues(text)
    assert [m.span() for m in det._other_streets(text, cues.street_words)] == [m.span() for m in det._OTHER_STREET.finditer(text)]


@pytest.mark.parametrize("text", CUE_EDGE_TEXTS)
def test_batch_cues_never_rule_out_what_the_gates_find(text):
    # the digits known from the batch only skip texts where the digit regexes cannot match
    for cues in list(det._batch_cues(["", text, "x"]))[1], next(det._batch_cues([text, "x"])):
        assert cues.digit_run >= bool(det._DIGIT_GATE.search(text))
        hint = det._EN_STREET_HINT.search(text)
        assert cues.has(det._CUE_STREET_SUFFIX) >= bool(hint)
        if cues.numbers is None:  # a text that lower-casing lengthens is looked at alone
            assert "İ" in text
            continue
        # every digit that follows no ASCII letter or digit; beyond the BMP any character may be one
        numbers = {m.start() for m in re.finditer(r"(?<![0-9A-Za-z])\d", text)}
        assert numbers <= set(cues.numbers) and all(i in numbers or ord(text[i]) > 0xFFFF for i in cues.numbers)
        assert any(det._EN_STREET_HINT.match(text, i) for i in cues.numbers) == bool(hint)
        # every digit that ends a line (a street line without a street word ends there)
        line_ends = {m.start() for m in det._DIGIT_ENDS_LINE.finditer(text)}
        assert line_ends <= set(cues.line_end_digits)
        assert all(i in line_ends or ord(text[i]) > 0xFFFF for i in cues.line_end_digits)


def test_english_names_and_addresses_need_a_cue():
    # the detector skips _en_names and _en_addresses for a text without a label or a case-sensitive cue word (and,
    # for _en_addresses, without a digit ending a line: a postal block's first line)
    lowered = [t.lower().replace("st", "sx") for t in CUE_EDGE_TEXTS]  # honorifics, suffixes and address words gone
    uncued = 0
    for text, cues in zip(CUE_EDGE_TEXTS + lowered, det._batch_cues(CUE_EDGE_TEXTS + lowered)):
        if cues.labels is None or cues.labels or cues.words or cues.line_end_digits:
            continue
        uncued += 1
        found: list[Span] = []
        det._en_names(text, cues, True, True, found)
        det._en_addresses(text, cues, True, True, [Span(0, 1, det.PERSON, 0.6)], found)
        assert found == [], text
    assert uncued > 10


@pytest.mark.parametrize(
    "text",
    ["http://a.example/x https://u:pw@b.example/y", "ftp://h.example/://u:pw@h2", "see https://c.example/v1?token=abcdef123456",
     "http://plain.example/a?b=1 http://d.example/?sig=123456789", "x://y://u:p@z", "https://e.example/@user?q", "no url here"],
)  # fmt: skip
def test_credential_urls_are_the_regex_matches(text):
    found: list[Span] = []
    det._credential_urls(text, found)
    assert [(s.start, s.end) for s in found] == [m.span() for m in det._CREDENTIAL_URL.finditer(text)]


def test_person_context_counts_even_when_person_is_not_reported():
    text = "Dr. Steven Adams of 702 Lakeview Terrace, Nanaimo"
    spans = Detector([det.STREET_ADDRESS]).detect(text)
    assert [(text[s.start : s.end], s.type) for s in spans] == [("702 Lakeview Terrace, Nanaimo", det.STREET_ADDRESS)]


@pytest.mark.parametrize(
    "text",
    ["PSC 1560, Box 3449, APO AP 96522", "Unit 2050 Box 4190 DPO AE 09498", "USNS Pollux, FPO AA 34058",
     "P.O. Box 1234, Springfield, IL 62704", "Postbox 21", "04 320 St Marys Rd Suite 12", "727 Gesterbyntie 68 >Suite 377",
     "Friedhofstrasse 33 Suite 979", "9 Elm Street Apt. 4", "12 Maple Street Flat 3", "12 Main St Ste 200"],
)  # fmt: skip
def test_the_address_grammar_finds_nothing_without_its_cue_words(text):
    # the detector skips address_grammar.english for a text holding none of ENGLISH_CUES
    from transforms.pii import addresses

    out: list[tuple[int, int]] = []
    addresses.english(text, out)
    assert out and any(w in text for w in addresses.ENGLISH_CUES)
    for w in addresses.ENGLISH_CUES:  # without the word that cued it (spelled otherwise), nothing is found
        text = text.replace(w, w.lower() + "x" if w[0].isupper() else w.upper() + "x")
    out.clear()
    addresses.english(text, out)
    assert out == []


def test_resolve_overlaps_keeps_everything_apart_and_resolves_the_rest():
    a, b, c = Span(0, 4, "PERSON", 0.6), Span(5, 9, "PERSON", 0.6), Span(9, 12, "IBAN", 0.9)
    assert resolve_overlaps([c, a, b]) == [a, b, c]
    longer = Span(3, 9, "STREET_ADDRESS", 0.5)
    assert resolve_overlaps([c, a, b, longer]) == [longer, c]  # the longest wins; what it overlaps goes
    empty = Span(5, 5, "PERSON", 0.6)
    assert resolve_overlaps([empty, b]) == [b]  # an empty span where a longer one starts
    assert resolve_overlaps([a, empty]) == [a, empty]


def test_a_lone_surrogate_beside_a_character_beyond_the_bmp_is_no_error():
    # text read without validation may hold one; the UTF-32 views of a batch must not fail on it
    texts = ["Tom \ud800 \U0001f600 Hanks met Ana Lee, Mr. Bob Stone", "中\ud800\U0001f600 张伟先生 abc"] * 5
    detector = Detector()
    assert detector.detect_batch(texts) == [detector.detect(t) for t in texts]
    assert any(s.type == det.PERSON for s in detector.detect(texts[1]))


@pytest.mark.parametrize(
    "text, value, entity",
    [
        *OBFUSCATED_WITHOUT_FULL_WIDTH_AT,
        ("邮箱ｚｈａｎｇｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ请回复", "ｚｈａｎｇｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ", det.EMAIL_ADDRESS),
        ("加我WeChat：li_lei_88 谢谢", "li_lei_88", det.IM_ACCOUNT),
    ],
)
@pytest.mark.parametrize("batch_size", [1, 12])
def test_structured_only_scan_finds_obfuscated_emails_and_latin_wechat_labels(text, value, entity, batch_size):
    # a stage limited to structured types, the residual scan and the publish gate find what the full scan finds
    # (before, only "＠", "微信" and QQ: "john.doe[at]example.com" passed the gate)
    assert (value, entity) in found(text)
    filler = ["an ordinary sentence without anything personal in it"] * (batch_size - 1)
    texts = filler[: batch_size // 2] + [text] + filler[batch_size // 2 :]
    structured = det.Detector(det.STRUCTURED_TYPES, languages=())
    spans = structured.detect_batch(texts)[batch_size // 2]
    assert [(text[s.start : s.end], s.type) for s in spans] == [(value, entity)]
    assert count_structured_identifiers(texts) == [int(t == text) for t in texts]

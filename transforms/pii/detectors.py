"""Personal-information detectors: validated structured identifiers plus context-cued names/addresses.

Everything here is plain Python and Beam-free. Design points:

* Chinese text has no spaces, so no pattern uses ``\\b`` (Python's ``\\w`` also matches CJK, which
  would glue ``身份证号110105…`` into one word). Boundaries are ASCII-alphanumeric lookarounds.
* Full-width digits (``１３８…``) and separators match directly; :func:`normalise_digits` folds
  them to ASCII for validation only, so spans keep the original offsets.
* Cheap pre-checks decide which detectors run at all: digit patterns only when the text has a
  run of ≥6 digit-ish characters, e-mail only with ``@``, URLs only with ``://``, Chinese
  detectors only for non-ASCII text. Validators (checksums, dates, prefixes) run on candidates only.
* Few full-text scans, each able to skip ahead in C: the numeric patterns share one scan
  (:func:`_led_scan`), patterns start with a character class rather than a lookbehind, and
  case-insensitive labels are found as substrings before their regex is tried (docs/pii.md).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

import ahocorasick_rs
import numpy as np

from transforms.core.spans import Span  # a found value's span (det.Span), shared with the reject previews
from transforms.pii import addresses as address_grammar
from transforms.pii import names as names_model
from transforms.pii.validators import (
    ALNUM,
    NA,
    NB,
    NB1,
    SEP,
    D,
    card_valid,
    cn_id_labelled,
    cn_id_labelled_confidence,
    cn_id_valid,
    digits_of,
    iban_valid,
    ip_valid,
    normalise_digits,
    ssn_valid,
    uscc_valid,
)

# --------------------------------------------------------------------------- entity types

EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
CN_RESIDENT_ID = "CN_RESIDENT_ID"
CN_USCC = "CN_USCC"  # unified social credit code (GB 32100)
BANK_CARD = "BANK_CARD"  # credit and debit cards, incl. China UnionPay
IBAN = "IBAN"
IP_ADDRESS = "IP_ADDRESS"
US_SSN = "US_SSN"
PASSPORT = "PASSPORT"
CN_TRAVEL_PERMIT = "CN_TRAVEL_PERMIT"  # Hong Kong/Macau/Taiwan travel permits and home-return permits
CN_LICENSE_PLATE = "CN_LICENSE_PLATE"
CREDENTIAL_URL = "CREDENTIAL_URL"
IM_ACCOUNT = "IM_ACCOUNT"  # a QQ number or WeChat ID after its label: how people are reached in Chinese text
PERSON = "PERSON"
STREET_ADDRESS = "STREET_ADDRESS"

STRUCTURED_TYPES = (
    EMAIL_ADDRESS,
    PHONE_NUMBER,
    CN_RESIDENT_ID,
    CN_USCC,
    BANK_CARD,
    IBAN,
    IP_ADDRESS,
    US_SSN,
    PASSPORT,
    CN_TRAVEL_PERMIT,
    CN_LICENSE_PLATE,
    CREDENTIAL_URL,
    IM_ACCOUNT,
)
CONTEXTUAL_TYPES = (PERSON, STREET_ADDRESS)
ENTITY_TYPES = STRUCTURED_TYPES + CONTEXTUAL_TYPES


# --------------------------------------------------------------------------- phone numbers

_CN_LANDLINE_AREA = re.compile(r"0(?:10|2\d|[3-9]\d{2})")


def cn_mobile_valid(digits: str) -> bool:
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def cn_landline_valid(digits: str) -> bool:
    if digits.startswith("0086"):
        digits = "0" + digits[4:]
    elif digits.startswith("86"):
        digits = "0" + digits[2:]
    m = _CN_LANDLINE_AREA.match(digits)
    if not m:
        return False
    subscriber = digits[m.end() :]
    if m.end() == 3:  # 010, 02x: 8-digit subscribers
        return len(subscriber) == 8 and subscriber[0] in "2345678"
    return len(subscriber) in (7, 8) and subscriber[0] in "2345678"


# --------------------------------------------------------------------------- patterns

_PHONE_CONTEXT_BEFORE = re.compile(
    # "phone" anywhere (iPhone, smartphone); the other words only at a word start ("Halifax" is no fax,
    # "excellent" no cell)
    r"(?i:phone|(?<![a-z])(?:tel\b|tel\.|telephone|mobile|cell|fax|desk|call|text me|txt|reach me|contact|whatsapp|sms|"
    r"messages? to|answering at|registered|hotline|number is|no\.:?))|电话|手机|致电|联系|拨打|号码|座机|传真|热线|微信"
)
_PHONE_CONTEXT_AFTER = re.compile(r"\W{0,3}(?i:office|fax|mobile|cell|home|work|direct|phone|tel)(?![a-z])", re.I)
# The words that make a six-digit run a (local) phone number: "You can call 33 44 51".
_PHONE_CONTEXT_STRONG = re.compile(r"(?i:phone|(?<![a-z])(?:tel\b|tel\.|telephone|call|mobile|cell|fax|whatsapp|sms))|电话|手机|致电|拨打|座机|传真|热线")
# A decimal amount ("786543.21", "12,345.67") or a number followed by a currency or unit is not a phone.
_AMOUNT_TAIL = re.compile(r"[0-9０-９]+(?:[,，][0-9０-９]{3})*[.．][0-9０-９]{1,2}")  # fullmatch: "786543.21", "12,345.67"
_AMOUNT_AFTER = re.compile(r"\s?(?:元|万|亿|块|美元|欧元|英镑|港币|人民币|%|％|‰|(?i:rmb|yuan|usd|eur|dollars?|euros?|percent|kg|km))")
_AMOUNT_BEFORE = re.compile(r"(?:[¥￥$€£]|(?i:rmb|usd|eur|cny))\s?$")
_DATE_LIKE = re.compile(r"^(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])")


class _Pattern(NamedTuple):
    type: str
    regex: re.Pattern
    validate: Callable[[str], bool] | None
    score: float
    group: int = 0  # which group is the entity (context words stay outside the span)
    # Patterns whose first character cannot lead the scan: ``anchor`` finds a piece every match contains,
    # at most ``lead`` characters after the match start; no anchor, no match, else the scan starts there.
    anchor: re.Pattern | None = None
    lead: int = 0
    # Patterns written as ``first + rest`` (a one-character class, then the rest, which starts by checking
    # what precedes that character) run together in one scan, see :func:`_led_scan`.
    first: str = ""
    rest: str = ""
    offset: int = 0  # the regex matches this many characters after the entity's start
    confidence: Callable[[str], float] | None = None  # the span's score from its value (else ``score``)


def _after_letters(entity: str, pattern: str, validate, score: float, offset: int) -> _Pattern:
    """A pattern that starts at the digit ``offset`` characters into the entity (which starts with
    letters), so the scan stops only at digits; what precedes that digit is checked by a lookbehind."""
    return _Pattern(entity, re.compile(pattern), validate, score, offset=offset)


def _led(entity: str, first: str, rest: str, validate, score: float) -> _Pattern:
    return _Pattern(entity, re.compile(first + rest), validate, score, first=first, rest=rest)


def _p(entity: str, pattern: str, validate, score: float, group: int = 0, flags: int = 0,
       anchor: str | None = None, lead: int = 0, confidence=None) -> _Pattern:  # fmt: skip
    return _Pattern(entity, re.compile(pattern, flags), validate, score, group, anchor and re.compile(anchor), lead,
                    confidence=confidence)  # fmt: skip


# Patterns that need a run of ≥6 digit characters somewhere in the text.
_DIGIT_GATE = re.compile(f"{D}(?:[ \\-－.()（）/]?{D}){{5}}")
_DIGIT_GATE_ASCII = re.compile(r"[0-9](?:[ \-.()/]?[0-9]){5}")  # the same on ASCII text, faster to scan

_NUMERIC_PATTERNS: tuple[_Pattern, ...] = (
    _led(
        CN_RESIDENT_ID,
        "[1-9１-９]",
        f"{NB1}{D}{{5}} ?(?:18|19|20|１８|１９|２０){D}{{2}}{D}{{4}} ?{D}{{3}}[0-9０-９XxＸｘ]{NA}",
        cn_id_valid,
        0.97,
    ),
    _after_letters(
        CN_USCC,
        f"[0-9](?<={NB}[0-9A-HJ-NP-RTUWXY]{{2}}[0-9])[0-9]{{5}}[0-9A-HJ-NP-RTUWXY]{{10}}{NA}",
        uscc_valid,
        0.93,
        offset=2,
    ),
    _led(
        BANK_CARD,
        D,
        f"{NB1}(?:{D}{{3}}(?:[ \\-]{D}{{4}}){{2,3}}(?:[ \\-]{D}{{1,3}})?|{D}{{3}}[ \\-]{D}{{6}}[ \\-]{D}{{4,5}}|{D}{{11,18}}){NA}",
        card_valid,
        0.9,
    ),
    _p(
        IBAN,
        f"{NB}[A-Za-z]{{2}}[0-9]{{2}}(?:[A-Za-z0-9]{{11,30}}|(?: [A-Za-z0-9]{{4}}){{2,7}}(?: [A-Za-z0-9]{{1,3}})?){NA}",
        iban_valid,
        0.95,
        anchor=r"[0-9](?<=[A-Za-z]{2}[0-9])[0-9]",  # country code and check digits
        lead=2,
    ),
    _led(US_SSN, "[0-9]", f"{NB1}[0-9]{{2}}(?P<ssn_separator>[- ])[0-9]{{2}}(?P=ssn_separator)[0-9]{{4}}{NA}", ssn_valid, 0.85),
    # octet: 25[0-5] | 2[0-4]\d | 1\d\d | [1-9]?\d, in that order, after its first digit was read
    _led(
        IP_ADDRESS,
        "[\\d]",
        r"(?<![0-9A-Za-z.].)(?:(?<=2)(?:5[0-5]|[0-4]\d|\d|)|(?<=1)(?:\d\d|\d|)|(?<=[3-9])(?:\d|)|)\."
        r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){2}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9A-Za-z]|\.\d)",
        ip_valid,
        0.9,
    ),
    # Chinese mobile: optional +86/0086, 3-4-4 with optional separators, full-width digits.
    _led(
        PHONE_NUMBER,
        "[+＋0０8８1１]",
        f"{NB1}(?:(?<=[+＋])(?:86|８６)[ \\-－]?[1１]|(?<=0)0(?:86|８６)[ \\-－]?[1１]|(?<=０)０(?:86|８６)[ \\-－]?[1１]"
        f"|(?<=8)6[ \\-－]?[1１]|(?<=８)６[ \\-－]?[1１]|(?<=[1１]))[3-9３-９]{D}{SEP}?{D}{{4}}{SEP}?{D}{{4}}{NA}",
        lambda v: cn_mobile_valid(digits_of(v)),
        0.9,
    ),
    # Chinese landline: (0AA) / 0AAA- subscriber, optional +86 (then without the trunk 0).
    _led(
        PHONE_NUMBER,
        "[+＋0０(（]",
        f"{NB1}(?:(?:(?<=[+＋])|(?<=0)0)(?:86|８６)[ \\-－]?[(（]?[1-9１-９]{D}{{1,2}}[)）]?"
        f"|(?<=[(（])[0０][1-9１-９]{D}{{1,2}}[)）]?|(?<=[0０])[1-9１-９]{D}{{1,2}}[)）]?)"
        f"[ \\-－]?[2-8２-８]{D}{{2,3}}[ \\-－]?{D}{{4}}{NA}",
        lambda v: cn_landline_valid(digits_of(v)),
        0.85,
    ),
    # International E.164-style with a leading + (or 00), 8-15 digits.
    _led(
        PHONE_NUMBER,
        "[+＋0]",
        f"(?<![{ALNUM}+＋].)(?:(?<=0)0|(?<=[+＋]))[1-9１-９]{D}{{0,2}}(?:[ \\-.]?[(（]0?{D}{{0,4}}[)）])?(?:[ \\-.－]?{D}{{1,5}}){{2,6}}"
        f"(?:\\s?(?:x|ext\\.?)\\s?{D}{{1,5}})?{NA}",
        lambda v: 8 <= len(digits_of(v.split("x")[0].split("ext")[0])) <= 15,
        0.8,
    ),
    # North American: (AAA) EEE-NNNN, AAA-EEE-NNNN, AAA.EEE.NNNN, optional 1/001 and extension.
    _led(
        PHONE_NUMBER,
        "[0-9(]",
        f"(?<![{ALNUM}+\\-].)(?:(?:(?<=1)|(?<=0)01)[ \\-.](?:\\([2-9]\\d\\d\\) ?|[2-9]\\d\\d[\\-.])"
        f"|(?<=\\()[2-9]\\d\\d\\) ?|(?<=[2-9])\\d\\d[\\-.])\\d{{3}}[\\-.]\\d{{4}}"
        f"(?:\\s?(?:x|ext\\.?)\\s?\\d{{1,5}})?{NA}",
        None,
        0.8,
    ),
    # UK national: 07xxx xxxxxx, 01xx/02x landlines.
    _led(
        PHONE_NUMBER,
        "0",
        f"{NB1}(?:7\\d{{3}} ?\\d{{3}} ?\\d{{3}}|[12]\\d{{2,3}} ?\\d{{3}} ?\\d{{3,4}}){NA}",
        lambda v: len(digits_of(v)) in (10, 11),
        0.75,
    ),
    _after_letters(PASSPORT, f"[0-9](?<={NB}[EG][0-9])[0-9]{{7}}{NA}", None, 0.8, offset=1),
    _after_letters(PASSPORT, f"[0-9](?<={NB}E[A-HJ-NP-Z][0-9])[0-9]{{6}}{NA}", None, 0.8, offset=2),
)

# Any digit run of 7-15 digits with separators: a phone number only when a context word says so.
_GENERIC_PHONE = _led(
    PHONE_NUMBER,
    "[+＋(（0-9０-９]",
    f"(?<![{ALNUM}+＋].)(?:(?<=[+＋])[(（]?{D}|(?<=[(（]){D}|(?<=[0-9０-９]))(?:[ \\-.－()（）]{{0,2}}{D}){{5,16}}(?:\\s?(?:x|ext\\.?)\\s?\\d{{1,5}})?{NA}",
    None,
    0.6,
)

# Identifiers that need an introducing word (context group 1 is not part of the span). Each comes with
# the words its label cannot do without, as (in the text, in the case-folded text): a pattern whose
# words are absent is skipped, since its case-insensitive label alternation is slow to scan for.
_CONTEXT_PATTERNS: tuple[tuple[tuple[tuple[str, ...], tuple[str, ...]], _Pattern], ...] = (
    (
        (("护照",), ("passport",)),
        _p(
            PASSPORT,
            r"(?i:passport(?: no\.?| number| #)?|护照(?:号码|号)?)[\s:：#]{0,3}([A-Za-z]{0,2}[0-9]{6,9})(?![0-9A-Za-z])",
            None,
            0.85,
            group=1,
        ),
    ),
    (
        (("通行证", "回乡证", "台胞证"), ("permit",)),
        _p(
            CN_TRAVEL_PERMIT,
            r"(?:港澳通行证|往来港澳通行证|台湾通行证|往来台湾通行证|回乡证|港澳居民来往内地通行证|台胞证|台湾居民来往大陆通行证|"
            r"(?i:travel permit|home return permit|exit-entry permit))(?:号码|号|编号)?[\s:：#]{0,3}"
            r"([CTHMLchmlt][A-Za-z]?[0-9]{7,10}|[0-9]{8}(?:[0-9]{2})?)(?![0-9A-Za-z])",
            None,
            0.85,
            group=1,
        ),
    ),
    (
        (("身份证",), ("id card", "identity card", "resident id", "id number", "id no")),
        _p(
            CN_RESIDENT_ID,
            f"(?:身份证|(?i:ID card|identity card|resident ID|ID number|ID no\\.?))(?:号码|号)?[\\s:：#]{{0,3}}(?:为|是|(?i:is)\\s)?[\\s:：#]{{0,2}}"
            f"({D}{{15}}|{D}{{17}}[0-9０-９XxＸｘ]){NA}",
            cn_id_labelled,
            0.9,
            group=1,
            confidence=cn_id_labelled_confidence,
        ),
    ),
    (
        (("QQ", "qq", "Qq"), ()),  # not a group's number (QQ群), which reaches no one person
        _p(IM_ACCOUNT, r"(?<![A-Za-z])(?:QQ|qq|Qq)(?!群)(?:号码|号|账号|帐号)?[\s:：]{0,3}([1-9][0-9]{4,10})(?![0-9])", None, 0.85, group=1),
    ),
    (
        ((), ("ssn", "social security")),
        _p(US_SSN, r"(?i:SSN|social security(?: number| no\.?)?)[\s:：#]{0,3}([0-9]{9})(?![0-9A-Za-z])", ssn_valid, 0.85, group=1),
    ),
)
_CONTEXT_GATE_WORDS = ("护照", "assport", "ASSPORT", "通行证", "回乡证", "台胞证", "ermit", "身份证", "ID", "SSN", "ocial", "QQ", "qq", "Qq")
# A WeChat ID after its label (it may hold no digit, so it is looked for apart from the digit-gated labels). An ID is
# 6-20 letters, digits, "_" or "-" starting with a letter; an all-digit one is a phone or QQ number, found as such.
_WECHAT_LATIN_LABELS = ("WeChat", "wechat", "VX", "vx")  # found by the cased cue scan (none in a structured-only scan)
_WECHAT_ID = re.compile(
    r"(?:微信|(?<![A-Za-z])(?:WeChat|wechat|VX|vx)(?![A-Za-z]))(?!群|公众号|支付|小程序)(?:号|账号|帐号|(?i:\s?id))?[\s:：]{0,3}"
    r"([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"
)

_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])")
# Addresses written to dodge scrapers: a full-width ＠ (and full-width letters), or the at and the dots in brackets
# ("john.doe[at]example.com", "john (at) example (dot) com"), or both spelt out between spaces ("john at example dot
# com": only with a spelt dot, else "look at example.com" would be one). Every form holds "＠" or one of these cues,
# which the English cue scan finds at no extra cost (a detector without English names and addresses: "＠" only).
_OBFUSCATED_EMAIL_CUES = ("[at]", "(at)", "{at}", " dot ")  # case-insensitive, with "＠" in a text not ASCII
_EMAIL_CHAR = "A-Za-z0-9_Ａ-Ｚａ-ｚ０-９"  # not \w: a Chinese character may touch an address
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![{_EMAIL_CHAR}.@＠])[{_EMAIL_CHAR}](?:[{_EMAIL_CHAR}+%-]|[.．](?=[{_EMAIL_CHAR}]))*"  # the local part
    r"(?:\s*(?:＠|[\[({](?i:at)[\])}])\s*"  # a full-width or bracketed at, then labels and dots (none inside a label:
    rf"(?:[{_EMAIL_CHAR}][{_EMAIL_CHAR}-]*\s*(?:[.．]|[\[({{](?i:dot)[\])}}])\s*)+"  # one way to split, no backtracking)
    r"|\s(?i:at)\s(?:[A-Za-z0-9-]+\s(?i:dot)\s)+)"  # ... or both spelt between spaces
    rf"[A-Za-zＡ-Ｚａ-ｚ]{{2,24}}(?![{_EMAIL_CHAR}-])"
)

_CREDENTIAL_URL = re.compile(
    r"(?i:[a-z][a-z0-9+.-]{1,15})://"
    r"(?:[^\s/:@<>\"']+:[^\s/@<>\"']+@[^\s<>\"'，。]+"
    r"|[^\s?#<>\"'，。]+\?[^\s#<>\"'，。]*?(?<![A-Za-z0-9_])"
    r"(?i:token|access_token|auth_token|id_token|api_?key|apikey|key|secret|client_secret|password|passwd|pwd|"
    r"sig|signature|x-amz-signature|x-amz-credential|session|sessionid|sid|auth)=[^\s&#<>\"'，。]{6,}[^\s#<>\"'，。]*)"
)

_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    f"[{_PLATE_PROVINCES}][A-HJ-NP-Z][·•・ ]?(?:[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9][0-9]{{4}}|[0-9]{{5}}[DF])"
    f"(?![0-9A-Za-z])"
)

_IPV6 = re.compile(r"(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")


def _ipv6_valid(value: str) -> bool:
    groups = [g for g in value.split(":") if g]
    return len(groups) >= 3 and any(c.isdigit() for c in value) and ip_valid(value)


# the second colon is at most 4 characters after the start ("abcd:ef:…", "::1")
_IPV6_PATTERN = _Pattern(IP_ADDRESS, _IPV6, _ipv6_valid, 0.9, anchor=re.compile(r":[0-9A-Fa-f]{0,4}:"), lead=4)
_PLATE_PATTERN = _Pattern(CN_LICENSE_PLATE, _PLATE, None, 0.85)
_WHITESPACE = re.compile(r"\s")
_URL_SCHEME_MAX = 16  # characters of scheme before "://"


def _credential_urls(text: str, out: list[Span]) -> None:
    """``_CREDENTIAL_URL.finditer(text)``, searched only around each "://": a match contains no
    whitespace and starts at most 16 characters before its "://"."""
    end = 0
    sep = text.find("://")
    while sep != -1:
        space = _WHITESPACE.search(text, sep)
        start, stop = max(end, sep - _URL_SCHEME_MAX), space.start() if space else len(text)
        # both forms hold a "@" (user:password@) or a "?" (query): without one the search cannot match
        m = None
        if text.find("@", start, stop) != -1 or text.find("?", start, stop) != -1:
            m = _CREDENTIAL_URL.search(text, start, stop)
        if m:
            out.append(Span(m.start(), m.end(), CREDENTIAL_URL, 0.9))
            end = m.end()
        sep = text.find("://", max(sep + 1, end))


# --------------------------------------------------------------------------- names and addresses

_CJK = "\u4e00-\u9fff"
CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
    "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_CN_SURNAME = f"(?:{'|'.join(names_model.ZH_COMPOUND_SURNAMES)}|[{CN_SURNAMES}])"

_ZH_NAME_LABEL = re.compile(
    f"(?:姓名|联系人|收件人|收货人|寄件人|申请人|患者|负责人|法定代表人|法人代表|户主|持卡人|开户人|签名|经办人|被保险人|投保人)"
    f"[\\s:：]{{0,2}}({_CN_SURNAME}[{_CJK}]{{1,2}}?)(?=[\\s，。,；;、:：（(）)\\n电手身性男女年出住地的先于在]|$|[0-9])"
)
_ZH_HONORIFICS = "先生|女士|小姐|老师|医生|教授|律师"
_ZH_HONORIFIC = re.compile(f"({_CN_SURNAME}[{_CJK}]{{0,2}}?)(?:{_ZH_HONORIFICS})")
_ZH_HONORIFIC_WORD = re.compile(_ZH_HONORIFICS)  # in every _ZH_HONORIFIC match: a quick gate
_ZH_GIVEN_STOP = frozenset("的了在是和与及或把被给对向从先女小老医教律经")

_EN_NAME_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’\-]+"
_EN_NAME = f"{_EN_NAME_WORD}(?:[ \\t](?:[A-Z]\\.|{_EN_NAME_WORD})){{0,3}}"
_EN_NAME_COLON_LABELS = ("full name", "name", "customer", "patient", "contact person", "contact", "applicant",
                         "cardholder", "account holder", "signed", "signature", "from", "attn", "attention")  # fmt: skip
_EN_NAME_SIGNOFFS = ("dear", "sincerely", "regards", "best regards", "kind regards", "best", "thanks", "cheers",
                     "yours truly", "yours sincerely")  # fmt: skip
_EN_NAME_LABEL = re.compile(
    f"(?:(?i:{'|'.join(_EN_NAME_COLON_LABELS)})[ \\t]*[:：][ \\t]*|(?i:{'|'.join(_EN_NAME_SIGNOFFS)})[ \\t]*,?[ \\t]*\\n?[ \\t]*)"
    f"({_EN_NAME}|[a-zà-ÿ][a-zà-ÿ'’\\-]+(?:[ \\t][a-zà-ÿ][a-zà-ÿ'’\\-]+){{1,2}}(?=[ \\t]*(?:\\n|$)))"
)
_EN_HONORIFIC_WORDS = ("Mr", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Madam")  # one is in every _EN_HONORIFIC match
_EN_TITLES = "Mr|Mrs|Ms|Miss|Mx|Dr|Prof"  # also before a name on a line of its own (_EN_NAME_LINE)
_EN_HONORIFIC = re.compile(f"(?:{_EN_TITLES}|Sir|Madam)\\.?[ \\t]+({_EN_NAME})")
# Offices after an honorific are a form of address, not a name ("Mr. President", "Mr. Chairman"); a name may follow
# ("Mr. Justice Kay").
_EN_OFFICES = frozenset({"President", "Speaker", "Chairman", "Chairwoman", "Chair", "Secretary", "Mayor", "Ambassador",
                         "Minister", "Governor", "Senator", "Commissioner", "Justice", "Judge", "Chancellor", "Premier",
                         "Vice", "Deputy", "Prime"})  # fmt: skip
_EN_NAME_STOP = frozenset(
    {"The", "This", "That", "Customer", "Service", "Team", "Support", "Sir", "Madam", "All", "Thanks", "Thank",
     "Regards", "Hello", "Hi", "Dear", "Please", "I", "We", "You", "It", "My", "Our", "Your", "Mr", "Ms", "Dr"}
)  # fmt: skip

_ENGLISH_STREET_SUFFIXES = (
    "Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive", "Dr", "Court", "Ct", "Way",
    "Place", "Pl", "Terrace", "Square", "Sq", "Parkway", "Pkwy", "Highway", "Hwy", "Circle", "Cir", "Crescent", "Close",
    "Grove", "Gardens", "Alley", "Trail", "Row", "Mews", "Walk", "Hill", "Park", "Plaza", "Loop", "Pike", "Ridge",
    "Route", "Crossing", "Heights", "Quay", "Approach",
)  # fmt: skip
_OTHER_STREET_SUFFIXES = (
    "Rue", "Strasse", "Straße", "Gasse", "Platz", "Weg", "Calle", "Via", "Rua", "Avenida", "Vej", "Gata", "gatan", "vägen",
    "katu", "tie", "straat", "laan", "gade", "vej", "utca", "ulica", "tér",
    "Str",  # after the name, as in Greek and Cypriot addresses written in English: "136 Filadelfeos Str."
)  # fmt: skip
_STREET_SUFFIXES = _ENGLISH_STREET_SUFFIXES + _OTHER_STREET_SUFFIXES
_STREET_SUFFIX = f"(?:{'|'.join(_STREET_SUFFIXES)})(?![A-Za-z])"  # "12 St" is not the start of "12 Stone"
# What may follow the street line: a unit, then city / state / postcode parts separated by commas or line
# breaks ("Springfield, IL 62704", "London SW1A 1AA", "10115 Berlin"). A word followed by a colon starts
# the next field of a form ("Phone:"), not a city.
_POSTCODE = r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|\d{4,6})(?![0-9A-Za-z])"
# no digits: "London SW1A 1AA" is a town and a postcode; a full stop before a space ends the sentence
_PLACE_WORD = r"[A-Z](?:[^\W\d]|['’\-]|\.(?![\s,]|\Z))*+(?!\d)"
# place words may hold short lower-case particles: "Caxias do Sul", "Črni Vrh nad Idrijo"
_PLACE_WORDS = f"(?![A-Za-z]+:){_PLACE_WORD}(?:[ \\t](?:[a-z]{{1,3}}[ \\t])?{_PLACE_WORD}){{0,3}}"
_UNIT_WORDS = r"Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl"
# units ("Apt. 758 Suite 263"), then places and postcodes, each after a comma or on a line of its own
_STREET_TAIL = (
    r"(?:(?:,?[ \t]*|\n[ \t>]*)(?:(?:" + _UNIT_WORDS + r")\.?|#)[ \t]*\d+[A-Za-z]?){0,2}"
    r"(?:(?:,[ \t]*\n?|\n[ \t>]*,?)[ \t]*(?:" + _PLACE_WORDS + r"(?:[ \t]+" + _POSTCODE + r")?|" + _POSTCODE
    + r"(?:[ \t]+" + _PLACE_WORDS + r")?))*"
)
# "St." keeps its full stop, "Road." ends a sentence
_FULL_WORDS_OF_FOUR = ("Road", "Lane", "Way", "Row", "Walk", "Hill", "Park", "Loop", "Pike", "Quay", "Mews")
_ABBREVIATION_DOT = (
    "(?:(?:"
    + "|".join(f"(?<={w})" for w in (*_ENGLISH_STREET_SUFFIXES, "Str") if len(w) <= 4 and w not in _FULL_WORDS_OF_FOUR)
    + r")\.)?"
)
_EN_STREET = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{1,5}[A-Za-z]?(?:[ \t]|,[ \t])(?:[A-Z][\w'’.\-]*[ \t]){0,4}" + _STREET_SUFFIX
    + _ABBREVIATION_DOT + r"(?:[ \t](?:[NS][EW]?|[EW])(?![0-9A-Za-z]))?"  # "Pennsylvania Avenue NW"
    r"|(?:[A-Z][\w'’\-]*[ \t]){0,3}" + _STREET_SUFFIX + r"[ \t]\d{1,5}[A-Za-z]?(?![0-9A-Za-z]))"
    + _STREET_TAIL
)
# Streets of other languages, named before the house number: a name ending in a street word ("Koskikatu 25",
# "Pfarrgasse 91"), a name and a separate street word ("Trenerys gate 232", "Rákóczi út 13", "Király u. 15."),
# or a street word and a name ("Rue de Virton 38", "ul. Zamkowa 33", "Via Nuova del Campo 85"); a house number
# may come first ("6750 Koskikatu 25").
_OTHER_STREET_ENDINGS = (
    "straße", "strasse", "gasse", "weg", "allee", "platz", "laan", "straat", "gracht", "plein", "kade", "vej", "vei",
    "veien", "vegen", "gade", "gata", "gatan", "gaten", "vägen", "katu", "kuja", "tie", "utca", "ulica", "stræde",
)  # fmt: skip
_OTHER_STREET_WORDS = ("gate", "gata", "gatan", "vei", "veien", "vej", "gade", "vägen", "tee", "tie", "katu", "kuja",
                       "út", "utca", "u.", "körút", "tér", "rkp.", "sor", "köz", "põik", "allee", "straße", "strasse",
                       "str.", "Str.", "weg", "laan", "straat", "plein", "kade", "gracht", "ulica", "terrasse", "plass",
                       "torg")  # fmt: skip
_OTHER_STREET_HEADS = ("Rue", "Avenue", "Boulevard", "Chemin", "Allée", "Quai", "Via", "Viale", "Piazza",
                       "Piazzetta", "Corso", "Strada", "Vicolo", "Largo", "Calle", "Carrer", "Camino", "Paseo",
                       "Avenida", "Rua", "Rúa", "Travessa", "Praça", "ul.", "ulica", "al.", "Aleja", "trg", "Trg")  # fmt: skip
_LOWER_STREET_HEADS = ("rue", "calle", "rua", "avenida")  # after a house number only ("sent 2 via email")
_NAME_PARTICLES = "de|do|da|dos|das|del|della|di|la|le|les|du|des|van|von|der|den|het|z|na|nad|pod|d'"
_STREET_NAME_WORD = r"[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:['’\-][^\W\d_]+)*"
_OTHER_STREET = re.compile(
    r"(?<![\w.])(?:(?:\d{1,5}[A-Za-z]?[ \t]+)?(?:"
    f"(?:{_STREET_NAME_WORD}[ \\t]+){{0,2}}[A-ZÀ-ÞĀ-Ž][^\\W\\d_]*(?:{'|'.join(_OTHER_STREET_ENDINGS)})"
    f"|(?:{_STREET_NAME_WORD}[ \\t]+){{0,2}}{_STREET_NAME_WORD}[ \\t]+(?:{'|'.join(map(re.escape, _OTHER_STREET_WORDS))})"
    f"|(?:{'|'.join(map(re.escape, _OTHER_STREET_HEADS))})(?:[ \\t]+(?:(?:{_NAME_PARTICLES})(?=[ \\t])|{_STREET_NAME_WORD})){{1,4}}"
    r")[ \t]+\d{1,5}[A-Za-z]?(?:\.(?=[\s,]))?(?![\w])"
    # or the number first, as in French: "12 rue de Rivoli", "95 Avenue des Tuileries"
    f"|\\d{{1,5}}[A-Za-z]?,?[ \\t]+(?:{'|'.join(_OTHER_STREET_HEADS + _LOWER_STREET_HEADS)})"
    f"(?:[ \\t]+(?:{_NAME_PARTICLES})(?=[ \\t]))+(?:[ \\t]+(?!(?:{_UNIT_WORDS})(?![^\\W\\d_])){_STREET_NAME_WORD}){{1,3}})"
    + _STREET_TAIL
)
# A street named without a street word, with its house number after the name as in most of Europe and a number
# before it ("92597 Jahu 80, Liiva", "30102 Kaevu 94\nNicosia\n, NI\n 61089"): nothing in it says street, so it
# counts only as a labelled value ("lives at", "Address:"; any case there: "255 hersnapvej 18, københavn k") or as
# the first line of a postal block whose lines below end in a postcode.
_BARE_STREET_WORD = f"(?:[A-ZÀ-ÞĀ-ŽΑ-ΩΆ-Ώ][^\\W\\d_]*(?:['’\\-][^\\W\\d_]+)*|{_NAME_PARTICLES}|u)"
_BARE_STREET_LINE = re.compile(
    # searched up to the end of a line
    f"(?<![\\w.,])\\d{{1,5}}[A-Za-z]?[ \\t]+(?:{_BARE_STREET_WORD}[ \\t]+){{1,3}}\\d{{1,5}}[A-Za-z]?\\Z"
)
_DIGIT_ENDS_LINE = re.compile(r"\d(?=\n)")
_BARE_STREET_VALUE = re.compile(
    r"\d{1,5}[A-Za-z]?[ \t]+(?:[^\W\d_][\w'’\-]*[ \t]+){1,3}\d{1,5}[A-Za-z]?\.?(?=[ \t]*(?:[,\n]|\Z))"
)
# A street whose tail holds a postcode next to a place name or state ("Springfield, IL 62704", "Leeds LS1 4DY",
# "10115 Berlin"), or ends with a US state after a city ("Springfield, IL"): a full postal address, which
# identifies a household even without a name.
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
              "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()  # fmt: skip
_POSTAL_TAIL = re.compile(
    r"[A-Za-z][ \t]+" + _POSTCODE + r"|(?<![0-9A-Za-z])\d{4,6}[ \t]+[A-Z]"
    r"|(?<![0-9A-Za-z])(?:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)(?![0-9A-Za-z])"
    f"|,[ \\t]*(?:{'|'.join(_US_STATES)})$"
)
_EN_ADDRESS_COLON_LABELS = ("home address", "mailing address", "postal address", "street address", "billing address",
                            "shipping address", "delivery address", "address", "addr.", "residence", "ship to")  # fmt: skip
# Phrases that say where a person lives or receives post ("moved to", "located at" and the like also introduce
# clubs, offices and venues, so they are not labels), looked up as substrings of the lower-cased text (the batch
# cue scan); whose address it is ("my address is"), is checked behind.
_EN_ADDRESS_PHRASE_STARTS = ("lives at", "live at", "lived at", "living at", "resides at", "reside at", "residing at",
                             "ship to", "address is")  # fmt: skip
_EN_ADDRESS_PHRASE = (
    "|".join(map(re.escape, _EN_ADDRESS_PHRASE_STARTS[:-1])) + "|(?:"
    + "|".join(f"(?<={w} )" for w in ("my", "my new", "my home", "his", "her", "their", "our", "your", "home"))
    + ")address is"
)  # fmt: skip
_EN_ADDRESS_LABEL = re.compile(
    f"(?:(?i:{'|'.join(map(re.escape, _EN_ADDRESS_COLON_LABELS))})[ \\t]*[:：][ \\t]*\\n?[ \\t]*"
    f"|(?i:{_EN_ADDRESS_PHRASE})[ \\t]+)"
    # a full stop ends the value, not the one of "apt." or "ste." ("947 trg revolucije 17 apt. 858 begunje")
    r"([^\n]{6,80}?)(?=[ \t]*(?:\n\n|\n[A-Z][a-z]+:|[.;]?[ \t]*$|(?<![\s,][Aa]pt|[\s,][Ss]te)\.[ \t]|;))",
    re.MULTILINE,
)
# After a phrase (no colon) the value must look like an address ("we go live at 9 a.m." does not): a street
# found in it, or a unit or post-office box first.
_EN_UNIT_FIRST = re.compile(r"(?i:flat|apt|apartment|unit|suite|psc|cmr|p\.?o\.? box|box)[ \t.]*\d")
# Between a person's name and their address: "Mrs. Sarah Brown of 702 Lakeview Terrace", "Jane Doe, 12 …",
# or the next line of a block.
_PERSON_TO_ADDRESS = re.compile(r",?[ \t]+(?:of|at|from)[ \t]+|,[ \t]*|[ \t]*,?[ \t]*\n[ \t]*")
# A line holding only a name (signature blocks): two to four capitalised words, an optional honorific.
_EN_NAME_LINE = re.compile(
    f"[ \\t]*(?:(?:{_EN_TITLES})\\.?[ \\t]+)?({_EN_NAME_WORD}(?:[ \\t]+(?:[A-Z]\\.|{_EN_NAME_WORD})){{1,3}})[ \\t]*,?[ \\t]*"
)

_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|"
    "内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_ZH_ROAD_NUMBER = "(?:大道|大街|路|街|巷|弄|胡同|道|里)[0-9０-９]{1,5}(?:-[0-9]{1,4})?[号號]"
_ZH_ADDRESS = re.compile(
    f"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?)?"
    f"(?:(?<![在住于到是从往去来位址])[{_CJK}]{{2,5}}?(?:市|自治州|地区|盟))?"
    f"(?:[{_CJK}]{{1,5}}?(?:区|县|旗))?"
    f"(?:[{_CJK}]{{1,6}}?(?:街道|镇|乡))?"
    f"(?:[{_CJK}0-9０-９]{{1,10}}?{_ZH_ROAD_NUMBER})"
    f"(?:[{_CJK}A-Za-z0-9０-９\\-]{{0,10}}?(?:栋|幢|座|号楼|楼|单元|层|室|号|户))*"
)
# Every address has a road and house number; what precedes it (province 9, city 8, district 6,
# street 8, road name 10 characters at most) starts no further back than this.
_ZH_ROAD_NUMBER_RE = re.compile(_ZH_ROAD_NUMBER)
_ZH_ADDRESS_MAX_LEAD = 48
_ZH_ADDRESS_START_STOP = frozenset("在住于到是从往去来位址的我他她您你请寄送家生士姐为：:，,。、")
_PROVINCE_RE = re.compile(_PROVINCES)
# 地址 qualified as a network or electronic one (IP地址, 网络地址, 邮箱地址, 电子地址 of court service) labels no place
_ZH_ADDRESS_LABEL = re.compile(
    r"(?:家庭住址|家庭地址|通讯地址|收货地址|联系地址|居住地址|户籍地址|现住址|住址|住所"
    r"|(?<![A-Za-z])(?<!网络)(?<!电子)(?<!邮箱)(?<!邮件)(?<!协议)(?<!网站)(?<!网页)(?<!链接)(?<!服务器)地址)"
    r"[\s:：]{0,2}([^\s，。；;,\n]{5,60})"
)
# A labelled value is an address only when it starts (after a copula: 地址是…, 住址在…) with two address parts in a
# row: 北京市朝阳区, 朝阳区建国路, 龙江小区3栋, 建国路88号, 3栋502室. In statutes 住所 and 地址 are terms followed by
# a clause ("进入消费者住所强行推销产品", "送达地址确认书的内容", "住所（经营场所）申报承诺制"), not by a place.
# A place's name holds no function character ("所属区域与拟经营区域一致" names no district).
_ZH_PLACE_CHAR = f"(?![的了是与及或把被该此者们所])[{_CJK}]"
_ZH_PLACE_PART = (
    f"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?"
    f"|{_ZH_PLACE_CHAR}{{1,6}}?(?:省|自治区|自治州|地区|盟|市|区|县|旗|街道|镇|乡|村)"
    f"|(?:{_ZH_PLACE_CHAR}|[0-9０-９]){{1,10}}?(?:大道|大街|路|街|巷|弄|胡同)"
    f"|(?:{_ZH_PLACE_CHAR}|[A-Za-z0-9０-９]){{1,10}}?(?:{'|'.join(address_grammar.ZH_ESTATES)})"
    f"|[A-Za-z0-9０-９一二三四五六七八九十]{{1,5}}(?:[-－][0-9０-９]{{1,5}})*(?:号楼|号|栋|幢|座|单元|楼|层|室|户))"
)
_ZH_ADDRESS_VALUE = re.compile(f"[是为在]?({_ZH_PLACE_PART}{{2}})")


# --------------------------------------------------------------------------- detection


def _run_patterns(text: str, patterns: Iterable[_Pattern], out: list[Span]) -> None:
    for p in patterns:
        start = 0
        if p.anchor is not None:
            first = p.anchor.search(text)
            if first is None:
                continue
            start = max(0, first.start() - p.lead)
        for m in p.regex.finditer(text, start):
            begin, end = m.start(p.group) - p.offset, m.end(p.group)
            if p.validate is None or p.validate(text[begin:end]):
                score = p.score if p.confidence is None else p.confidence(text[begin:end])
                out.append(Span(begin, end, p.type, score))


def _emails(text: str, out: list[Span]) -> None:
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        while start < at and text[start] in ".-":  # a local part does not start with a dot
            start += 1
        m = _EMAIL_DOMAIN.match(text, at + 1)
        if start < at and m:
            out.append(Span(start, m.end(), EMAIL_ADDRESS, 0.95))
        at = text.find("@", at + 1)


def _generic_phone(text: str, start: int, end: int) -> bool:
    """A 7–15-digit run (6 right after a strong phone word) that is not a date or an amount and has a
    phone word before or after it."""
    value = text[start:end]
    n = len(digits_of(value))
    if not 6 <= n <= 15 or _DATE_LIKE.match(normalise_digits(value)):
        return False
    if _AMOUNT_TAIL.fullmatch(value) or _AMOUNT_AFTER.match(text, end, end + 8) or _AMOUNT_BEFORE.search(text, max(0, start - 4), start):
        return False
    if n == 6:
        return bool(_PHONE_CONTEXT_STRONG.search(text, max(0, start - 20), start))
    before = text[max(0, start - 32) : start]
    return bool(_PHONE_CONTEXT_BEFORE.search(before) or _PHONE_CONTEXT_AFTER.match(text, end, end + 12))


class _LedScan(NamedTuple):
    regex: re.Pattern
    ascii_regex: re.Pattern  # the same for ASCII text (``\d`` is [0-9] there), a faster scan
    patterns: tuple[tuple[int, _Pattern], ...]  # (group number of the pattern's rest, pattern)


# Every ``first + rest`` pattern starts with a digit, a plus or an opening bracket, not after an ASCII
# letter or digit, and its first 6 characters are digits or these separators (shorter matches, such
# as "+1 2 3", fail validation anyway): most numbers in running text ("2023 figures") stop here.
_LED_HEAD = "[\\d+＋(（](?<![0-9A-Za-z].)(?=[\\d+＋()（） \\-－.]{5})"
_LED_HEAD_ASCII = "[0-9+(](?<![0-9A-Za-z].)(?=[0-9+() \\-.]{5})"


@functools.lru_cache(maxsize=None)
def _led_scan(patterns: tuple[_Pattern, ...]) -> _LedScan:
    """One regex for all ``first + rest`` patterns: it stops (in C) only where one of them can start,
    then tries each there as a lookahead, capturing its rest in group ``r<i>``; it matches where at
    least one does."""
    tries = "".join(f"(?:(?<={p.first})(?=(?P<r{i}>{p.rest}))|)" for i, p in enumerate(patterns))
    at_least_one = "(?!)"
    for i in reversed(range(len(patterns))):
        at_least_one = f"(?(r{i})|{at_least_one})"
    regex = re.compile(_LED_HEAD + tries + at_least_one)
    ascii_regex = re.compile(_LED_HEAD_ASCII + tries + at_least_one, re.ASCII)
    return _LedScan(regex, ascii_regex, tuple((regex.groupindex[f"r{i}"], p) for i, p in enumerate(patterns)))


def _run_led(text: str, scan: _LedScan, out: list[Span]) -> None:
    """``finditer`` of every pattern in ``scan``: a pattern's next match must start at or after the end
    of its previous one, as with its own ``finditer``."""
    ends = [0] * len(scan.patterns)
    for m in (scan.ascii_regex if text.isascii() else scan.regex).finditer(text):
        start = m.start()
        regs = m.regs
        for i, (group, p) in enumerate(scan.patterns):
            end = regs[group][1]
            if end == -1 or start < ends[i]:
                continue
            ends[i] = end
            if p is _GENERIC_PHONE:
                if _generic_phone(text, start, end):
                    out.append(Span(start, end, p.type, p.score))
            elif p.validate is None or p.validate(text[start:end]):
                out.append(Span(start, end, p.type, p.score))


def _zh_names(text: str, out: list[Span]) -> None:
    for m in _ZH_NAME_LABEL.finditer(text):
        name = m.group(1)
        if any(c in names_model.ZH_NOT_GIVEN for c in name[1:]):  # "申请人应当…", "姓名和号码"
            continue
        # glued to the label, a common word is the clause going on ("经收货人申请", "申请人申请的项目")
        common = names_model.zh_model().common
        if text[m.start(1) - 1] not in " \t\n:：" and name in common:
            continue
        if names_model.words_not_name(text, m.start(1), m.end(1), common):  # "患者康复后"
            continue
        out.append(Span(m.start(1), m.end(1), PERSON, 0.7))
    if _ZH_HONORIFIC_WORD.search(text):
        for m in _ZH_HONORIFIC.finditer(text):
            name = m.group(1)
            # trim given-name characters that are function words ("于先生" stays, "的" never starts a name)
            if len(name) > 1 and any(c in _ZH_GIVEN_STOP for c in name[1:]):
                continue
            # a word before the title ("提高乡村医生", "允许辩护律师"): no surname there
            if names_model.words_not_name(text, m.start(1), m.end(1), names_model.zh_model().common):
                continue
            out.append(Span(m.start(1), m.end(1), PERSON, 0.6))


def _zh_address_start(text: str, start: int, end: int) -> int:
    """The regex has no word boundaries to stop at: move the start past a leading verb or pronoun
    ("我住在北京市…"), preferring the first province name when there is one."""
    province = _PROVINCE_RE.search(text, start, end)
    if province and province.start() - start <= 6:
        return province.start()
    head = text[start : min(end, start + 8)]
    cut = max((head.rfind(c) for c in _ZH_ADDRESS_START_STOP), default=-1)
    return start + cut + 1


def _zh_address_matches(text: str) -> Iterator[re.Match]:
    """``_ZH_ADDRESS.finditer(text)``, searching only from shortly before each road-and-number."""
    end = 0
    for road in _ZH_ROAD_NUMBER_RE.finditer(text):
        if road.end() <= end:
            continue
        m = _ZH_ADDRESS.search(text, max(end, road.start() - _ZH_ADDRESS_MAX_LEAD))
        if m is None:
            return
        yield m
        end = m.end()


def _zh_addresses(text: str, out: list[Span]) -> None:
    structural: list[Span] = []
    if "号" in text or "號" in text:
        for m in _zh_address_matches(text):
            start = _zh_address_start(text, m.start(), m.end())
            if m.end() - start >= 6:
                structural.append(Span(start, m.end(), STREET_ADDRESS, 0.7))
    estates: list[tuple[int, int]] = []  # 小区/大厦/号楼/室 forms without a road
    address_grammar.chinese(text, estates, _zh_address_start)
    structural.extend(Span(s, e, STREET_ADDRESS, 0.65) for s, e in estates)
    out.extend(structural)
    if "址" in text or "住所" in text:
        # a labelled value runs to the next punctuation; where the structure was recognised inside
        # it, the structural span is the better boundary; a web address ("地址：http://t.cn/…") is not one
        for m in _ZH_ADDRESS_LABEL.finditer(text):
            value = m.group(1)
            # a web address ("地址：http://t.cn/…"), or the legal term 住所地 / "住址和联系方式" (no value follows; after a
            # colon a value does: "地址：和平区南京路")
            clause_goes_on = text[m.start(1) - 1] not in ":：" and value[0] in "地和或及、等的或者以"
            if _WEB_ADDRESS.match(value) or "://" in value or clause_goes_on:
                continue
            place = _ZH_ADDRESS_VALUE.match(text, m.start(1), m.end(1))
            if place and not any(m.start(1) <= s.start < m.end(1) for s in structural):
                out.append(Span(place.start(1), m.end(1), STREET_ADDRESS, 0.65))


def _holds_cue(cues: "_Cues", group: int) -> bool:
    """Whether a text holds a word of folded cue ``group``."""
    if cues.labels is None:  # lower-casing changed offsets: the words are looked for in the text's ASCII
        return any(w in cues.ascii_lower for w in _FOLDED_CUES[group])
    return group in cues.labels


def _label_matches(regex: re.Pattern, text: str, cues: "_Cues", groups: tuple[int, ...]) -> Iterable[re.Match]:
    """``regex.finditer(text)`` for a regex that starts with one of the labels of cue ``groups`` (case-insensitive),
    tried only where one of them starts (a case-insensitive alternation is tried at every position). Not a
    generator: most texts hold no label and return at once."""
    labels = cues.labels
    if labels is None:  # lower-casing changed offsets (e.g. "İ"): scan the text itself, if a label occurs at all
        return regex.finditer(text) if any(_holds_cue(cues, g) for g in groups) else ()
    if not labels:
        return ()
    starts = [i for g in groups for i in labels.get(g, ())]
    return _matches_at(regex, text, starts) if starts else ()


def _matches_at(regex: re.Pattern, text: str, starts: list[int]) -> Iterator[re.Match]:
    """``regex.finditer(text)`` for a regex whose every match starts at one of ``starts`` (any order, repeats)."""
    end = 0
    for i in sorted(set(starts)) if len(starts) > 1 else starts:
        if i >= end and (m := regex.match(text, i)):
            yield m
            end = m.end()


def _lower(text: str) -> str:
    """Lower-cased text for label look-ups. "ſ", "ı" and the Kelvin sign match "s", "i", "k" in a
    case-insensitive regex; only the Kelvin sign lower-cases to its match."""
    lower = text.lower()
    return lower if text.isascii() else lower.replace("ſ", "s").replace("ı", "i")


def _en_names(text: str, cues: "_Cues", has_colon: bool, has_space: bool, out: list[Span]) -> None:
    groups = (_CUE_NAME_LABEL, _CUE_SIGNOFF) if has_colon else (_CUE_SIGNOFF,)
    labelled = _label_matches(_EN_NAME_LABEL, text, cues, groups)
    # an honorific is followed by a space or tab
    honorific = _matches_at(_EN_HONORIFIC, text, cues.honorifics) if has_space and cues.honorifics else ()
    for found in (honorific, labelled):
        for m in found:
            words = m.group(1).split()  # one space or tab between them
            start = m.start(1)
            while words and words[0] in _EN_OFFICES:
                start += len(words.pop(0)) + 1
            while words and words[-1] in _EN_NAME_STOP:
                words.pop()
            if not words or words[0] in _EN_NAME_STOP:
                continue
            out.append(Span(start, start + len(" ".join(words)), PERSON, 0.65))
    # self-introductions, in any case ("my name is vitoria", "My name is Antti Poutiainen")
    for m in _label_matches(_EN_INTRODUCTION, text, cues, (_CUE_INTRO,)):
        words = []
        for w in m.group(1).split():
            if w.lower() in _EN_INTRO_STOP:
                break
            words.append(w)
        if words:
            out.append(Span(m.start(1), m.start(1) + len(" ".join(words)), PERSON, 0.6))


def _en_addresses(text: str, cues: "_Cues", has_colon: bool, has_space: bool, names: list[Span], out: list[Span]) -> None:
    """A street line (house number and street, with its unit, town and postcode) is an address where it stands
    as a place: after a label or phrase (Address:, lives at), a person's name, a place word ("at", "to", "on") or
    a colon, in a signature block, filling its line, after a unit ("Flat 3, 12 High Street"), next in a list of
    addresses, or as a full postal form; not as a title in running text ("watching 15 Park Avenue", "Nightmare on Elm
    Street 5"). An intersection with a house number is one address."""
    # labelled values: (start, end, introduced by a phrase; None for the lines under a name)
    values: list[tuple[int, int, bool | None]] = []
    groups = (_CUE_ADDRESS_LABEL, _CUE_ADDRESS_PHRASE) if has_colon else (_CUE_ADDRESS_PHRASE,)
    for m in _label_matches(_EN_ADDRESS_LABEL, text, cues, groups):
        label = text[m.start() : m.start(1)]
        phrase = ":" not in label and "：" not in label
        if not phrase and _is_name_line(m.group(1)):
            # "Billing address: Ana Dias" and the address on the lines below, up to a blank line
            block_end = text.find("\n\n", m.end(1))
            values.append((m.end(1), len(text) if block_end == -1 else block_end, None))
        else:  # with the postal lines below it ("Address: 83393 Pärna 33\nCite Sfaxi\n, 13\n 44939")
            values.append((m.start(1), address_grammar.postal_tail(text, m.end(1)), phrase))
    streets: list[Span] = []
    english: Iterator[re.Match] | tuple = ()
    # both English street forms have a space or tab next to the number, a digit and a street suffix
    hint = _EN_STREET_HINT_ASCII if text.isascii() else _EN_STREET_HINT
    if (
        has_space
        and cues.has(_CUE_STREET_SUFFIX)
        and (any(hint.match(text, i) for i in cues.numbers) if cues.numbers is not None else hint.search(text))
        and _EN_STREET_GATE.search(text)
    ):
        english = _EN_STREET.finditer(text)
    # the other languages' forms hold one of their street words with a space next to it, and a number: matched
    # only around those words
    other: Iterator[re.Match] | tuple = ()
    if has_space and cues.street_words and cues.numbers != []:
        other = _other_streets(text, cues.street_words)
    unplaced: list[tuple[int, int]] = []  # street lines not standing as a place by themselves
    for m in itertools.chain(english, other):
        start, end = m.span()
        unit = _unit_before(text, start)
        if unit:
            start = unit.start()
        if (
            unit
            or any(v_start <= start < v_end for v_start, v_end, _ in values)
            or _POSTAL_TAIL.search(text, _street_line_end(text, start, end), end)
            or any(_PERSON_TO_ADDRESS.fullmatch(text, n.end, start) for n in names if n.end <= start)
            or _in_signature_block(text, start, end, names)
            or _street_in_place(text, start, end)
        ):
            corner = _CORNER_BEFORE.search(text, max(0, start - 14), start)
            if corner:
                and_street = _CORNER_AFTER.match(text, end)
                start, end = corner.start(), and_street.end() if and_street else end
            streets.append(Span(start, end, STREET_ADDRESS, 0.6))
        else:
            unplaced.append((start, end))
    line_ends = cues.line_end_digits
    if line_ends is None:
        line_ends = [m.start() for m in _DIGIT_ENDS_LINE.finditer(text)] if "\n" in text else ()
    for pos in line_ends:  # each street line found in the line that this digit ends (a window: no full scan)
        m = _BARE_STREET_LINE.search(text, max(text.rfind("\n", 0, pos) + 1, pos - 90), pos + 1)
        if m:
            end = address_grammar.postal_tail(text, m.end())
            unit = _unit_before(text, m.start())
            if unit:  # "Suite 541 6343 Skogstien 106": the unit says household, no postcode needed
                streets.append(Span(unit.start(), end, STREET_ADDRESS, 0.6))
            elif end > m.end() and _street_in_place(text, m.start(), m.end()):
                streets.append(Span(m.start(), end, STREET_ADDRESS, 0.6))
    for m in _label_matches(_INTERSECTION, text, cues, (_CUE_CORNER,)):
        if any(c.isdigit() for c in m.group(1)):
            the = _THE.search(text, max(0, m.start() - 4), m.start())
            streets.append(Span(the.start() if the else m.start(), m.end(), STREET_ADDRESS, 0.6))
    # post-office boxes, military addresses, street lines that name a flat or suite (no cue needed)
    grammar: list[tuple[int, int]] = []
    if cues.has(_CUE_ADDRESS_WORD):
        address_grammar.english(text, grammar)
    for start, end in unplaced:
        listed = _LIST_AND.search(text, max(0, start - 8), start)
        if listed and any(e == listed.start() for _, e in itertools.chain(grammar, ((st.start, st.end) for st in streets))):
            streets.append(Span(start, end, STREET_ADDRESS, 0.6))
    out.extend(streets)
    out.extend(Span(s, e, STREET_ADDRESS, 0.6) for s, e in grammar)
    for v_start, v_end, phrase in values:
        if phrase is None:
            continue  # the lines under a name: only the streets found there
        # the value after a phrase runs to the end of the sentence; kept whole (the longer span wins),
        # since a street's boundary can stop short of a foreign street name ("86036 Rua do Arenque 1634")
        if (
            not phrase
            or _EN_UNIT_FIRST.match(text, v_start)
            or _BARE_STREET_VALUE.match(text, v_start, v_end)
            or any(v_start <= st.start < v_end for st in streets)
        ):
            out.append(Span(v_start, v_end, STREET_ADDRESS, 0.55))


def _other_streets(text: str, street_words: Sequence[int]) -> Iterator[re.Match]:
    """``_OTHER_STREET.finditer(text)`` where each match holds one of the ``street_words`` (offsets), as it always
    does: each looked for in a window around its word (a house number and three words before it, a name and a
    number after it), then matched whole."""
    last_end = 0
    for pos in sorted(street_words):
        lo = max(pos - 60, last_end)
        while lo <= pos:
            near = _OTHER_STREET.search(text, lo, pos + 60)
            if not near or near.start() > pos + 1:  # pos + 1: inside the word, past a space before it
                break
            m = _OTHER_STREET.match(text, near.start())  # the window may have cut its tail
            if m and pos + 1 < m.end():
                last_end = m.end()
                yield m
                break
            lo = max(lo + 1, near.end())


# A street line is an address whatever cue precedes it (a home, an office, a meeting place: any can be personal),
# but not a title ("15 Park Avenue is the story of …", "watching 51 Birch Street"): it must follow a place word or
# a colon, or fill its line; and an English street word before the number is a sequel ("Elm Street 5").
_STREET_LEAD = re.compile(
    r"(?:(?<![A-Za-z])(?i:at|to|on|in|into|from|near|is|via|toward|towards|opposite|outside|behind|corner of|side of)[ \t]+"
    r"|[:>][ \t]*\n?[ \t]*)(?:\d{1,5}[ \t]+)?\Z"  # a building number may come first: "at 17151 2450 Crown St"
)
# the next of a list of addresses: "…, CO 70079, and 04862 Victor Hugo u. 49." (checked: an address ends before it)
_LIST_AND = re.compile(r",?[ \t]+and[ \t]+\Z")
# A unit may come before the street, as in British and many European postal forms ("Flat 3, 12 High Street", "Apt.
# 117 5720 Skoanveien 226"): like a unit after the street, it makes the street line a household's.
_UNIT_BEFORE_STREET = re.compile(
    r"(?<![0-9A-Za-z])(?:Suite|Ste\.?|Apt\.?|Apartment|Unit|Flat)[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?[ \t]*,?[ \t]*\Z"
)
_UNIT_BEFORE_REACH = 24  # "Apartment # 12345A, " and spaces


def _unit_before(text: str, start: int) -> re.Match | None:
    """A unit right before the street line starting at ``start`` ("Flat 3, " of "Flat 3, 12 High Street")."""
    return _UNIT_BEFORE_STREET.search(text, max(0, start - _UNIT_BEFORE_REACH), start)
# An intersection with a house number is one address: "the corner of Alšova 408 and Vedzizhev Greens", "the corner
# of Csabai kapu 39. and Mathias Pass", "the corner of Postbox 21 and Elisabeth Parks": the second street ends in a
# street word of the US postal list (USPS Publication 28, C1), so "the corner of Room 101 and Winston" is none.
# Without a number ("the corner of Hollywood and Vine") it is a landmark, not reported.
_POSTAL_STREET_SUFFIXES = _ENGLISH_STREET_SUFFIXES + (
    "Streets", "Roads", "Avenues", "Drives", "Courts", "Parks", "Pass", "Passage", "Path", "Greens", "Green", "Gateway",
    "Turnpike", "Mall", "Cliffs", "Cliff", "Hollow", "Forks", "Fork", "Ford", "Fords", "Glen", "Glens", "Gardens",
    "Garden", "Haven", "Harbor", "Harbors", "Island", "Islands", "Isle", "Junction", "Key", "Keys", "Knoll", "Knolls",
    "Lake", "Lakes", "Landing", "Light", "Lights", "Lodge", "Manor", "Manors", "Meadow", "Meadows", "Mill", "Mills",
    "Mission", "Motorway", "Mount", "Mountain", "Orchard", "Oval", "Overpass", "Pine", "Pines", "Plain", "Plains",
    "Point", "Points", "Port", "Ports", "Prairie", "Ranch", "Rapids", "Rest", "Ridges", "River", "Run", "Shoal",
    "Shoals", "Shore", "Shores", "Skyway", "Spring", "Springs", "Spur", "Spurs", "Squares", "Station", "Stream",
    "Summit", "Trace", "Track", "Tunnel", "Underpass", "Union", "Unions", "Valley", "Valleys", "Viaduct", "View", "Views",
    "Village", "Villages", "Ville", "Vista", "Walks", "Wall", "Ways", "Well", "Wells", "Bypass", "Causeway", "Center",
    "Centers", "Common", "Commons", "Corner", "Corners", "Course", "Cove", "Coves", "Creek", "Crest", "Curve", "Dale",
    "Dam", "Divide", "Estate", "Estates", "Expressway", "Extension", "Falls", "Ferry", "Field", "Fields", "Flats",
    "Forest", "Forge", "Fort", "Freeway", "Heights", "Hills", "Inlet", "Neck", "Radial", "Ramp", "Alley", "Annex",
    "Arcade", "Bayou", "Beach", "Bend", "Bluff", "Bluffs", "Bottom", "Branch", "Bridge", "Brook", "Brooks", "Burg",
    "Burgs", "Camp", "Canyon", "Cape", "Club",
)  # fmt: skip
_CORNER_STREET_WORD = r"(?:[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:['’\-][^\W\d_]+)*\.?|\d{1,5}[A-Za-z]?\.?)"
_INTERSECTION = re.compile(
    r"(?i:corner)[ \t]+of[ \t]+("
    + _CORNER_STREET_WORD
    # lower-case words inside the first street: "Csabai kapu 39."
    + r"(?:[ \t]+(?:(?!and[ \t])[a-zà-ÿ]{2,}\.?|" + _CORNER_STREET_WORD + r")){0,4})"
    r"[ \t]+and[ \t]+(?:[A-ZÀ-ÞĀ-Ž][^\W\d_]*[ \t]+){1,3}"
    + f"(?:{'|'.join(sorted(set(_POSTAL_STREET_SUFFIXES), key=len, reverse=True))})(?![^\\W\\d_])"
    + _ABBREVIATION_DOT + r"(?:[ \t]+St\.?)?"
)
_THE = re.compile(r"(?i:the)[ \t]+\Z")
# an intersection is one place: "the corner of Östbygatan 14 and Sigurmundsson Greens"
_CORNER_BEFORE = re.compile(r"(?i:the[ \t]+)?corner[ \t]+of[ \t]+\Z")
_CORNER_AFTER = re.compile(r"[ \t]+and[ \t]+[A-ZÀ-ÞĀ-Ž][^\W\d_]*(?:[ \t]+[A-ZÀ-ÞĀ-Ž][^\W\d_]*){0,3}(?:[ \t]+St\.?)?")
_LINE_AROUND = re.compile(r"[ \t>]*")


_NUMBER_AFTER_NAME = re.compile(r"[ \t]\d")
_NUMBER_COMMA = re.compile(r"\d+[A-Za-z]?,")


def _street_in_place(text: str, start: int, end: int) -> bool:
    """Whether a street line found without other context is an address by its place in the text (above)."""
    if _NUMBER_COMMA.match(text, start):
        return False  # "In 1947, The Road to Hollywood", "007, Dr. No"
    if not text[start].isdigit():  # the name before the number: "Koskikatu 25", "Elm Street 5"
        head = text[start : _street_line_end(text, start, end)]
        number = _NUMBER_AFTER_NAME.search(head)
        if number and head[: number.start()].split()[-1] in _ENGLISH_STREET_SUFFIXES:
            return False
    if _STREET_LEAD.search(text, max(0, start - 20), start):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return bool(
        _LINE_AROUND.fullmatch(text, line_start, start)
        and not text[end : len(text) if line_end == -1 else line_end].strip()
    )


def _street_line_end(text: str, start: int, end: int) -> int:
    """Where the house-number-and-street part of an ``_EN_STREET`` match ends (its tail of unit, city and
    postcode follows); the street name itself never holds a postcode."""
    comma, newline = text.find(",", start + 1, end), text.find("\n", start, end)
    return min((i for i in (comma, newline) if i != -1), default=end)


def _in_signature_block(text: str, start: int, end: int, names: list[Span]) -> bool:
    """The address starts a line and fills it, and the line above (or the one above that, under a title or
    company line) holds only a name."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if text[line_start:start].strip() or text[end : len(text) if line_end == -1 else line_end].strip():
        return False
    for _ in range(2):
        if line_start == 0:
            return False
        above = text.rfind("\n", 0, line_start - 1) + 1
        line = text[above : line_start - 1]
        if not line.strip():
            return False  # a blank line ends the block
        if any(above <= n.start and n.end <= line_start - 1 for n in names) or _is_name_line(line):
            return True
        line_start = above
    return False


def _is_name_line(line: str) -> bool:
    m = _EN_NAME_LINE.fullmatch(line)
    return bool(m) and not any(w in _EN_NAME_STOP for w in m.group(1).split())


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, in text order: longest first, then highest score, then earliest, then type name."""
    if len(spans) < 2:
        return spans
    ordered = sorted(spans)
    # nothing overlaps (nor starts where another starts, which an empty span could): all are kept
    if all(a.end <= b.start and a.start < b.start for a, b in zip(ordered, ordered[1:])):
        return ordered
    kept: list[Span] = []
    starts: list[int] = []  # kept spans' starts, sorted; kept spans never overlap, so their ends are sorted too
    ends: list[int] = []
    for s in sorted(spans, key=lambda s: (s.start - s.end, -s.score, s.start, s.type)):
        i = bisect.bisect_right(starts, s.start)
        # the kept span starting at or before s must end by s.start; the next one must start at or after s.end
        if (i == 0 or ends[i - 1] <= s.start) and (i == len(starts) or starts[i] >= s.end):
            starts.insert(i, s.start)
            ends.insert(i, s.end)
            kept.append(s)
    kept.sort()
    return kept


class Detector:
    """Finds personal information in text. ``entities`` limits the types reported; ``languages``
    turns the language-specific contextual detectors on (``en``, ``zh``)."""

    def __init__(
        self, entities: Iterable[str] = ENTITY_TYPES, languages: Iterable[str] = ("en", "zh"), name_model: bool = True
    ):
        self.entities = frozenset(entities)
        # the shipped name taggers (transforms/pii/names.py); without them only cue-word names are found
        self.name_model = name_model and PERSON in self.entities
        unknown = self.entities - set(ENTITY_TYPES)
        if unknown:
            raise ValueError(f"unknown entity types: {', '.join(sorted(unknown))}")
        self.languages = frozenset(languages)
        numeric = [p for p in _NUMERIC_PATTERNS if p.type in self.entities]
        if PHONE_NUMBER in self.entities:
            numeric.append(_GENERIC_PHONE)
        self._numeric = tuple(p for p in numeric if not p.first)  # anchored patterns, scanned alone
        self._led = _led_scan(tuple(p for p in numeric if p.first)) if any(p.first for p in numeric) else None
        self._context = tuple((cues, p) for cues, p in _CONTEXT_PATTERNS if p.type in self.entities)

    def detect_batch(self, texts: list[str]) -> list[list[Span]]:
        """``detect`` of each text; the name taggers run once over the whole batch (one numpy pass instead of
        one per document), which is how the stage calls it."""
        # each tagger's names by text index, for the texts it looked at: no list per text of the batch (containers
        # that live through a batch are what the garbage collector's full passes are paid by)
        zh: dict[int, list[names_model.NameSpan]] = {}
        if self.name_model and "zh" in self.languages:
            idx = [i for i, t in enumerate(texts) if t and not t.isascii() and _CJK_RE.search(t)]
            if idx:
                found = names_model.zh_names_by_text([texts[i] for i in idx], names_model.zh_model())
                zh = {idx[k]: f for k, f in found.items()}
        en: dict[int, list[names_model.NameSpan]] = {}
        if self.name_model and "en" in self.languages:  # the English tagger likewise, over the batch's words
            idx = [i for i, t in enumerate(texts) if t and _capitalised_word(t)]
            if idx:
                found = names_model.en_names_by_text([texts[i] for i in idx], names_model.en_model())
                en = {idx[k]: f for k, f in found.items()}
        if not ("en" in self.languages and (PERSON in self.entities or STREET_ADDRESS in self.entities)):
            # structured identifiers only (the publish gate rescans every published text this way)
            cues = _structured_cues(texts)
        elif len(texts) >= _BATCH_CUES_MIN:
            cues = _batch_cues(texts)
        else:
            cues = [_text_cues(t) for t in texts]
        return [
            self._detect(t, zh.get(i, ()), en.get(i, ()), cue) if t else [] for i, (t, cue) in enumerate(zip(texts, cues))
        ]

    def detect(self, text: str) -> list[Span]:
        """Resolved, non-overlapping spans in text order."""
        return self.detect_batch([text])[0]

    def _detect(
        self, text: str, zh_names: Sequence[names_model.NameSpan], en_names: Sequence[names_model.NameSpan], cues: "_Cues"
    ) -> list[Span]:
        spans: list[Span] = []
        ents = self.entities
        ascii_only = text.isascii()
        digit_led = self._numeric or self._led or self._context
        if digit_led and cues.digit_run and (_DIGIT_GATE_ASCII if ascii_only else _DIGIT_GATE).search(text):
            _run_patterns(text, self._numeric, spans)
            if self._led:
                _run_led(text, self._led, spans)
            # every labelled identifier has ≥ 6 digits in a row, so these need the digit gate too
            if self._context and any(w in text for w in _CONTEXT_GATE_WORDS):
                folded = text.casefold()
                _run_patterns(
                    text,
                    (p for (raw, fold), p in self._context
                     if any(w in text for w in raw) or any(w in folded for w in fold)),
                    spans,
                )  # fmt: skip
        if IM_ACCOUNT in ents and not ascii_only and ("微信" in text or cues.has(_CUE_WECHAT)):
            spans.extend(Span(m.start(1), m.end(1), IM_ACCOUNT, 0.85) for m in _WECHAT_ID.finditer(text))
        if EMAIL_ADDRESS in ents:
            if "@" in text:
                _emails(text, spans)
            if (not ascii_only and "＠" in text) or _holds_cue(cues, _CUE_OBFUSCATED_EMAIL):
                spans.extend(Span(m.start(), m.end(), EMAIL_ADDRESS, 0.9) for m in _OBFUSCATED_EMAIL.finditer(text))
        if CREDENTIAL_URL in ents and "://" in text:
            _credential_urls(text, spans)
        if IP_ADDRESS in ents and text.count(":") >= 2:
            _run_patterns(text, (_IPV6_PATTERN,), spans)
        # a plate holds an ASCII capital: most Chinese texts have no ASCII letter at all
        if not ascii_only and CN_LICENSE_PLATE in ents and cues.ascii_letter:
            _run_patterns(text, (_PLATE_PATTERN,), spans)
        # every English cue (labels, honorifics, street words, the tagger's words) holds an ASCII letter: Chinese
        # text without one skips them all
        if "en" in self.languages and (PERSON in ents or STREET_ADDRESS in ents) and cues.ascii_letter:
            names: list[Span] = []  # addresses use them as context even where PERSON is not reported
            # every cue-word name and address needs a label or a case-sensitive cue word (honorific, address
            # word, street suffix): without one only the tagger's names remain
            cued = cues.labels is None or cues.labels or cues.words
            # a street line without a street word ends its line with a digit; it needs no cue word (a postal block)
            bare_street_possible = bool(cues.line_end_digits) if cues.line_end_digits is not None else "\n" in text
            has_colon = ":" in text or "：" in text
            has_space = " " in text or "\t" in text
            if cued:
                _en_names(text, cues, has_colon, has_space, names)
            if en_names:
                names.extend([Span(start, end, PERSON, score) for start, end, score in en_names])
            if PERSON in ents:
                spans.extend(names)
            # an address needs a cue of its own (a label, a phrase, a corner, an address or street word): else the
            # bare street lines alone can give one (half of the texts with a cue have only a name's)
            address_cued = (
                cues.labels is None or cues.words & _ADDRESS_WORD_CUES
                or not _ADDRESS_LABEL_CUES.isdisjoint(cues.labels)
            )  # fmt: skip
            if STREET_ADDRESS in ents and (address_cued or bare_street_possible):
                _en_addresses(text, cues, has_colon, has_space, names, spans)
        if "zh" in self.languages and not ascii_only:
            if PERSON in ents:
                _zh_names(text, spans)
                if zh_names:
                    spans.extend([Span(start, end, PERSON, score) for start, end, score in zh_names])
            if STREET_ADDRESS in ents:
                _zh_addresses(text, spans)
        return resolve_overlaps(spans)


# Whether _EN_STREET can match, in one scan that stops only at digits: its two alternatives need a house
# number, words and a street suffix ("12 Maple Street"), or a street suffix (not glued to an ASCII
# letter or digit), a space and a number ("Via Roma 12"); lookbehinds are fixed-width, so one per length.
# Possessive quantifiers where giving characters back cannot help; suffixes grouped by first letter so a
# failing position is rejected after one comparison per group.
def _by_first_letter(words: Iterable[str]) -> str:
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(re.escape(w[1:]))
    return "(?:" + "|".join(f"{c}(?:{'|'.join(sorted(rest, key=len, reverse=True))})" for c, rest in groups.items()) + ")"


_SUFFIX_BEFORE_NUMBER = "|".join(
    f"(?<=(?<![0-9A-Za-z]){_by_first_letter(w for w in _STREET_SUFFIXES if len(w) == n)}[ \\t]\\d)"
    for n in sorted({len(w) for w in _STREET_SUFFIXES})
)
_EN_STREET_HINT_PATTERN = (
    r"\d(?:(?<![0-9A-Za-z].)\d{0,4}+[A-Za-z]?+(?:[ \t]|,[ \t])(?:[A-Z][\w'’.\-]*+[ \t]){0,4}"
    + _by_first_letter(_STREET_SUFFIXES)
    + f"|(?<=[A-Za-z][ \\t]\\d)(?:{_SUFFIX_BEFORE_NUMBER}))"
)
_EN_STREET_HINT = re.compile(_EN_STREET_HINT_PATTERN)
# A number next to a capitalised word, or a word next to a number. Not needed for a match, but it keeps
# _EN_STREET off number-word soups ("1Q Mr. Bob Stone" reads as "1Q … St"); checked after the hint,
# which is cheaper and rarely passes.
_EN_STREET_GATE = re.compile(r"\d[A-Za-z]?[ \t,]+[A-Z][a-z]|[a-z]{3}[ \t]\d{1,5}(?![\d.,%])")
_EN_STREET_HINT_ASCII = re.compile(_EN_STREET_HINT_PATTERN, re.ASCII)  # same on ASCII text, faster digit scan


_EN_CAPITALISED = re.compile(r"[A-Z][a-z]")


def _capitalised_word(text: str) -> bool:
    """Whether ``text`` holds "[A-Z][a-z]"; on other than ASCII text, looked for in its ASCII characters first
    (a short string for Chinese text, where the regex would otherwise scan every character in vain)."""
    if text.isascii():
        return _EN_CAPITALISED.search(text) is not None
    return _EN_CAPITALISED.search(text.encode("ascii", "ignore").decode("ascii")) is not None and (
        _EN_CAPITALISED.search(text) is not None
    )


_EN_INTRODUCTION = re.compile(
    r"(?i:(?:my|his|her|your|their|our)[ \t]+name(?:[ \t]+is|'s|’s))[ \t]+([A-Za-zÀ-ÖØ-öø-ÿĀ-ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’\-]*"
    r"(?:[ \t][A-Za-zÀ-ÖØ-öø-ÿĀ-ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’\-]*){0,2})"
)
_EN_INTRO_STARTS = ("my name", "his name", "her name", "your name", "their name", "our name")
# words that end or are not a name after "my name is" ("my name is not on the list", "name is spelled wrong")
_EN_INTRO_STOP = frozenset(
    "not a an the on in at is was and but or so too also spelled wrong correct incorrect missing listed written "
    "shown printed there here this that what which why how because if when please thanks thank sir madam i she he "
    "they we you it and with from for to of as by who".split()
)
_WEB_ADDRESS = re.compile(r"(?i:https?|www\.|[a-z0-9-]+\.(?:cn|com|net|org|io|me|cc|tv)(?:/|$))")
_CJK_RE = re.compile(f"[{_CJK}]")

# --------------------------------------------------------------------------- cue words of a batch

# Which labels, words and digits a text holds decides which detectors run at all and where the label regexes
# are tried. A batch finds them for all its texts at once: the case-insensitive labels with one Aho-Corasick
# pass over the lower-cased batch, the case-sensitive words with one over the batch as it is (both as ASCII
# bytes, any other character a "?", so offsets are character offsets), the digits with numpy over its code
# points. That replaces some thirty substring look-ups and two regex scans per text (≈ 40 µs per IMDB review).
_FOLDED_CUES = (_EN_NAME_COLON_LABELS, _EN_NAME_SIGNOFFS, _EN_ADDRESS_COLON_LABELS, _EN_ADDRESS_PHRASE_STARTS,
                _EN_INTRO_STARTS, ("corner of",), _OBFUSCATED_EMAIL_CUES)  # fmt: skip
(_CUE_NAME_LABEL, _CUE_SIGNOFF, _CUE_ADDRESS_LABEL, _CUE_ADDRESS_PHRASE, _CUE_INTRO, _CUE_CORNER,
 _CUE_OBFUSCATED_EMAIL) = range(len(_FOLDED_CUES))  # fmt: skip
# Case-sensitive words, as bits; a word with other than ASCII letters ("vägen") is looked for with a "?" in their
# place, which can only find more texts, never fewer.
# every _OTHER_STREET match holds one of these, with the spaces around it
_OTHER_STREET_CUES = (
    tuple(f"{w} " for w in _OTHER_STREET_ENDINGS + tuple(w for w in _OTHER_STREET_HEADS if w[0].isupper()))
    # separate words, and heads in lower case ("ul." would be in "beautiful. ")
    + tuple(f" {w} " for w in _OTHER_STREET_WORDS + _LOWER_STREET_HEADS + tuple(w for w in _OTHER_STREET_HEADS if w[0].islower()))
)
_CASED_CUES = (_EN_HONORIFIC_WORDS, address_grammar.ENGLISH_CUES, _STREET_SUFFIXES, _OTHER_STREET_CUES, _WECHAT_LATIN_LABELS)
_CUE_HONORIFIC, _CUE_ADDRESS_WORD, _CUE_STREET_SUFFIX, _CUE_OTHER_STREET, _CUE_WECHAT = (1 << k for k in range(len(_CASED_CUES)))
# the cues that ``_en_addresses`` reads: without one of them (and without a digit that ends a line) it finds nothing
_ADDRESS_LABEL_CUES = frozenset((_CUE_ADDRESS_LABEL, _CUE_ADDRESS_PHRASE, _CUE_CORNER))
_ADDRESS_WORD_CUES = _CUE_ADDRESS_WORD | _CUE_STREET_SUFFIX | _CUE_OTHER_STREET
_BATCH_CUES_MIN = 8  # texts: below this, numpy's fixed costs outweigh the per-text look-ups


def _cue_automaton(groups: tuple[tuple[str, ...], ...]) -> tuple[ahocorasick_rs.BytesAhoCorasick, list[tuple[int, ...]]]:
    """An automaton over the words of ``groups`` as ASCII bytes, and the groups of each of its patterns."""
    by_word: dict[bytes, list[int]] = {}
    for g, words in enumerate(groups):
        for w in words:
            by_word.setdefault(w.encode("ascii", "replace"), []).append(g)
    # a DFA: left to choose, the library takes a contiguous NFA above some size, four times slower here
    automaton = ahocorasick_rs.BytesAhoCorasick(list(by_word), implementation=ahocorasick_rs.Implementation.DFA)
    return automaton, [tuple(g) for g in by_word.values()]


_FOLDED_AC, _FOLDED_GROUPS = _cue_automaton(_FOLDED_CUES)
_CASED_AC, _CASED_GROUPS = _cue_automaton(_CASED_CUES)
_CASED_BITS = [sum(1 << g for g in groups) for groups in _CASED_GROUPS]


class _Cues(NamedTuple):
    """What one text holds of the cues. ``labels[g]``: where a label of folded group ``g`` starts (in any order,
    perhaps repeated; no key: nowhere); None where lower-casing changes the text's length ("İ"), then ``ascii_lower`` is the
    lower-cased text's ASCII. ``words``: bits of the case-sensitive groups present (``honorifics``, ``street_words``:
    where an honorific, where another language's street word starts).
    ``digit_run``: may hold six ASCII or full-width digits within 11 characters (the digit gate's
    shortest match); ``ascii_letter``: may hold an ASCII letter after lower-casing. A tuple: a batch makes one per text
    in C (``_cues_of_row``), not through a Python ``__init__``."""

    labels: dict[int, list[int]] | None
    ascii_lower: str
    words: int
    honorifics: Sequence[int]  # where an honorific word starts
    street_words: Sequence[int]
    # where a digit (``\\d``) follows other than an ASCII letter or digit: where a street hint can start (None: not
    # known)
    numbers: list[int] | None
    digit_run: bool
    ascii_letter: bool
    # where a digit ends its line (followed by "\n"): where a street line without a street word can end (None: not
    # known)
    line_end_digits: list[int] | None

    def has(self, bit: int) -> bool:
        return bool(self.words & bit)


_cues_of_row = functools.partial(tuple.__new__, _Cues)  # ``_Cues(*row)`` without a Python call


def _cased_words(haystack: bytes) -> tuple[int, list[int], list[int]]:
    words, honorifics, street_words = 0, [], []
    for k, start, _ in _CASED_AC.find_matches_as_indexes(haystack, overlapping=True):
        words |= _CASED_BITS[k]
        if _CASED_BITS[k] & _CUE_HONORIFIC:
            honorifics.append(start)
        if _CASED_BITS[k] & _CUE_OTHER_STREET:
            street_words.append(start)
    return words, honorifics, street_words


def _text_cues(text: str) -> _Cues:
    """The cues of one text, from the same automata (digits: left to the digit regexes themselves)."""
    lower = _lower(text)
    folded = lower.encode("ascii", "replace")
    ascii_letter = _ASCII_LETTER.search(folded) is not None
    if len(lower) != len(text):
        return _Cues(None, lower.encode("ascii", "ignore").decode("ascii"), *_cased_words(text.encode("ascii", "replace")),
                     None, True, ascii_letter, None)  # fmt: skip
    labels: dict[int, list[int]] = {}
    for k, start, _ in _FOLDED_AC.find_matches_as_indexes(folded, overlapping=True):
        for g in _FOLDED_GROUPS[k]:
            labels.setdefault(g, []).append(start)
    return _Cues(labels, "", *_cased_words(text.encode("ascii", "replace")), None, True, ascii_letter, None)


_ASCII_LETTER = re.compile(rb"[a-z]")
_NO_CUES = _Cues({}, "", 0, [], [], None, True, True, None)  # for a detector without English names and addresses
_NO_DIGIT_RUN = _NO_CUES._replace(digit_run=False)
# A scan of structured types alone still needs the words that announce an e-mail with its at in brackets or spelt
# and a WeChat ID after a Latin label (else "john.doe[at]example.com" passed the publish gate): one pass over the
# batch's ASCII (any other character a "?"), the folded words in every case (lower-casing the batch costs more).
_STRUCTURED_AC, _STRUCTURED_GROUPS = _cue_automaton(
    (
        tuple("".join(cased) for w in _OBFUSCATED_EMAIL_CUES
              for cased in itertools.product(*({c.lower(), c.upper()} for c in w))),  # fmt: skip
        _WECHAT_LATIN_LABELS,
    )
)
_OBFUSCATED_EMAIL_ONLY = _NO_CUES._replace(labels={_CUE_OBFUSCATED_EMAIL: []})


def _structured_cues(texts: list[str]) -> list[_Cues]:
    """The cues of a detector without English names and addresses: where the digit gate can match (from one numpy
    pass over a batch of at least ``_BATCH_CUES_MIN`` texts), which texts hold an obfuscated e-mail's or a Latin
    WeChat label's word."""
    texts = [t or "" for t in texts]  # detect_batch passes empty records (None) through
    cues = [_NO_CUES] * len(texts)
    if len(texts) >= _BATCH_CUES_MIN:
        cues = [_NO_CUES if run else _NO_DIGIT_RUN for run in _digit_runs(texts)]
    found: dict[int, set[int]] = {}
    starts: list[int] = []
    ascii_bytes = "\x00".join(texts).encode("ascii", "replace")  # one byte per character: offsets stay
    for k, start, _ in _STRUCTURED_AC.find_matches_as_indexes(ascii_bytes, overlapping=True):
        starts = starts or _text_bounds(texts)[:-1].tolist()
        found.setdefault(bisect.bisect_right(starts, start) - 1, set()).update(_STRUCTURED_GROUPS[k])
    for t, groups in found.items():
        cues[t] = (_OBFUSCATED_EMAIL_ONLY if 0 in groups else _NO_CUES)._replace(
            words=_CUE_WECHAT if 1 in groups else 0, digit_run=cues[t].digit_run
        )
    return cues


@functools.lru_cache(maxsize=None)
def _cue_tables() -> tuple:
    """Per BMP code point (and one entry for any other): its lower-cased ASCII byte as ``_lower`` gives it ("?" for
    none), plus 128 where ``\\d`` matches it (any other: perhaps; one gather gives both); whether it is an ASCII letter
    or digit; and the characters that lower-casing lengthens ("İ")."""
    folded = np.full(65537, ord("?"), np.uint8)
    alnum = np.zeros(65537, bool)
    alnum[[ord(ch) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]] = True
    lengthened = []
    decimal = np.zeros(65537, bool)
    for i in range(65536):
        if 0xD800 <= i <= 0xDFFF:
            continue
        ch = chr(i)
        low = _lower(ch)
        if len(low) != 1:
            lengthened.append(ch)
        elif low.isascii():
            folded[i] = ord(low)
        decimal[i] = ch.isdecimal()
    decimal[65536] = True
    return folded | decimal.astype(np.uint8) << 7, "".join(lengthened), alnum


def _text_bounds(texts: list[str]) -> np.ndarray:
    """Where each text starts in ``"\\x00".join(texts)``, then that string's length + 1: text k is
    ``joined[bounds[k] : bounds[k + 1] - 1]``."""
    bounds = np.zeros(len(texts) + 1, np.int64)
    np.cumsum([len(t) + 1 for t in texts], out=bounds[1:])
    return bounds


def _gate_digit(code_points: np.ndarray) -> np.ndarray:
    """Which code points are digits of the digit gate: ASCII or full-width (unsigned: below 48 wraps round)."""
    return ((code_points - 48) < 10) | ((code_points - 0xFF10) < 10)


def _digit_run_texts(gate_digits: np.ndarray, starts: np.ndarray) -> list[bool]:
    """Per text, whether six of ``gate_digits`` (positions in the joined texts) fall within 11 characters,
    as the digit gate's shortest match needs: windows that run past a text's end only add texts, never drop one."""
    out = np.zeros(len(starts), bool)
    runs = gate_digits[:-5][gate_digits[5:] - gate_digits[:-5] <= 10]
    out[np.searchsorted(starts, runs, side="right") - 1] = True
    return out.tolist()


def _digit_runs(texts: list[str]) -> list[bool]:
    """:attr:`_Cues.digit_run` of each text, from one numpy pass over the batch (the digit gate's regex,
    which scans every character, costs ≈ 2.5 times as much on IMDB reviews)."""
    c = names_model.code_points("\x00".join(texts))
    return _digit_run_texts(np.flatnonzero(_gate_digit(c)), _text_bounds(texts)[:-1])


def _batch_cues(texts: list[str]) -> Iterator[_Cues]:
    """The cues of every text of a batch, from one pass over all of them. Each text's tuple (and its lists) is made
    as the iterator reaches it: made all at once, a batch's ≈ 1,000 containers lived through the batch, and the
    garbage collector's passes, which move what they find alive to an older generation, made full passes over the
    whole heap (≈ 0.15 CPU s each with Beam loaded) more often."""
    folded_and_decimal_of, lengthened, alnum_of = _cue_tables()
    joined = "\x00".join(texts)
    c = names_model.code_points(joined)
    code = c if c.dtype == np.uint16 else np.minimum(c, 65536)  # the tables' last entry stands for any beyond the BMP
    folded = folded_and_decimal_of.take(code)
    decimal = folded >= 128
    folded &= 127
    bounds = _text_bounds(texts)
    starts = bounds[:-1]
    digits = np.flatnonzero(decimal)
    numbers = digits[~alnum_of.take(code[np.maximum(digits - 1, 0)]) | (digits == 0)]
    cut = np.searchsorted(numbers, bounds)
    numbers = (numbers - np.repeat(starts, np.diff(cut))).tolist()  # offsets in their texts
    cut = cut.tolist()
    line_ends = digits[code[np.minimum(digits + 1, len(code) - 1)] == 10]
    line_cut = np.searchsorted(line_ends, bounds)
    line_ends = (line_ends - np.repeat(starts, np.diff(line_cut))).tolist()
    line_cut = line_cut.tolist()
    digit_run = _digit_run_texts(digits[_gate_digit(c[digits])], starts)
    ascii_letter = np.logical_or.reduceat((folded - 97) < 26, starts).tolist()
    labels: dict[int, dict[int, list[int]]] = {}  # only texts with a label
    starts_l = starts.tolist()
    for k, start, _ in _FOLDED_AC.find_matches_as_indexes(folded.tobytes(), overlapping=True):
        t = bisect.bisect_right(starts_l, start) - 1
        of_text = labels.setdefault(t, {})
        for g in _FOLDED_GROUPS[k]:
            of_text.setdefault(g, []).append(start - starts_l[t])
    words = [0] * len(texts)
    honorifics: dict[int, list[int]] = {}
    street_words: dict[int, list[int]] = {}
    for k, start, _ in _CASED_AC.find_matches_as_indexes(joined.encode("ascii", "replace"), overlapping=True):
        t = bisect.bisect_right(starts_l, start) - 1
        words[t] |= _CASED_BITS[k]
        if _CASED_BITS[k] & _CUE_HONORIFIC:
            honorifics.setdefault(t, []).append(start - starts_l[t])
        if _CASED_BITS[k] & _CUE_OTHER_STREET:
            street_words.setdefault(t, []).append(start - starts_l[t])
    no_labels: dict[int, list[int]] = {}
    each = range(len(texts))
    cues = map(_cues_of_row, zip(
        map(labels.get, each, itertools.repeat(no_labels)), itertools.repeat(""), words,
        map(honorifics.get, each, itertools.repeat(())), map(street_words.get, each, itertools.repeat(())),
        map(numbers.__getitem__, map(slice, cut, cut[1:])), digit_run, ascii_letter,
        map(line_ends.__getitem__, map(slice, line_cut, line_cut[1:])),
    ))  # fmt: skip
    if not any(ch in joined for ch in lengthened):
        return cues
    # a text that lower-casing lengthens ("İ") is looked at alone
    return map(lambda cue, text: _text_cues(text) if any(ch in text for ch in lengthened) else cue, cues, texts)


_STRUCTURED_DETECTOR: Detector | None = None


def count_structured_identifiers(texts: list[str]) -> list[int]:
    """Number of structured identifiers (all :data:`STRUCTURED_TYPES`) left in each text.

    The publish gate asserts this is zero for every published record; names and addresses are not
    counted because their detection is contextual and would make the gate flaky."""
    global _STRUCTURED_DETECTOR
    if _STRUCTURED_DETECTOR is None:
        _STRUCTURED_DETECTOR = Detector(STRUCTURED_TYPES, languages=())
    # one call for the list: ``detect`` per text paid detect_batch's set-up once per string (the gate scans
    # every published text and meta string, ≈ 135k per 100k input documents)
    return [len(spans) for spans in _STRUCTURED_DETECTOR.detect_batch(list(texts))]

"""Personal-information detectors: validated structured identifiers plus context-cued names/addresses.

Everything here is plain Python and Beam-free. Design points:

* Chinese text has no spaces, so no pattern uses ``\\b`` (Python's ``\\w`` also matches CJK, which
  would glue ``身份证号110105…`` into one word). Boundaries are ASCII-alphanumeric lookarounds.
* Full-width digits (``１３８…``) and separators match directly; :func:`normalise_digits` folds
  them to ASCII for validation only, so spans keep the original offsets.
* Cheap pre-checks decide which detectors run at all: digit patterns only when the text has a
  run of ≥6 digit-ish characters, e-mail only with ``@``, URLs only with ``://``, Chinese
  detectors only for non-ASCII text. Validators (checksums, dates, prefixes) run on candidates only.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re
from typing import Callable, Iterable, NamedTuple

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
)
CONTEXTUAL_TYPES = (PERSON, STREET_ADDRESS)
ENTITY_TYPES = STRUCTURED_TYPES + CONTEXTUAL_TYPES


class Span(NamedTuple):
    start: int
    end: int
    type: str
    score: float


# --------------------------------------------------------------------------- normalisation

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９＋－（）　ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺ",
    "0123456789+-() XxABCDEFGHIJKLMNOPQRSTUVWYZ",
)
_NOT_DIGIT = re.compile(r"[^0-9]")


def normalise_digits(value: str) -> str:
    """Full-width digits, signs and Latin capitals folded to ASCII (same length, same offsets)."""
    return value.translate(_FULLWIDTH)


def digits_of(value: str) -> str:
    return _NOT_DIGIT.sub("", normalise_digits(value))


# Character classes shared by the patterns. D = any digit (ASCII or full-width).
D = "[0-9０-９]"
_ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
NB = f"(?<![{_ALNUM}])"  # not preceded by an ASCII/full-width alphanumeric
NA = f"(?![{_ALNUM}])"  # not followed by one
SEP = "[ \\-－.]"  # separators inside numbers (ASCII and full-width)

# --------------------------------------------------------------------------- validators


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = ord(ch) - 48
        if i % 2:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    for d in "0123456789":
        if luhn_valid(payload + d):
            return d
    raise AssertionError("unreachable")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
CN_PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54}
    | {61, 62, 63, 64, 65, 71, 81, 82, 83}
)


def cn_id_check_char(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character of an 18-digit resident identity number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        born = _dt.date(year, month, day)
    except ValueError:
        return False
    return _dt.date(1880, 1, 1) <= born <= _dt.date.today()


def cn_id_valid(value: str) -> bool:
    v = normalise_digits(value).replace(" ", "").upper()
    if len(v) == 18:
        if not v[:17].isdigit() or int(v[:2]) not in CN_PROVINCE_CODES:
            return False
        if not _valid_date(int(v[6:10]), int(v[10:12]), int(v[12:14])):
            return False
        return cn_id_check_char(v[:17]) == v[17]
    if len(v) == 15:  # legacy form: 6-digit area, YYMMDD (19xx), 3-digit sequence, no check digit
        return v.isdigit() and int(v[:2]) in CN_PROVINCE_CODES and _valid_date(1900 + int(v[6:8]), int(v[8:10]), int(v[10:12]))
    return False


def cn_id_labelled(value: str) -> bool:
    """A number introduced by an identity-card label: structure (area, birth date) must hold; a wrong
    check digit is a typo in a real identity number, still personal information."""
    v = normalise_digits(value).upper()
    if len(v) == 18 and v[:17].isdigit() and cn_id_check_char(v[:17]) != v[17]:
        v = v[:17] + cn_id_check_char(v[:17])
    return cn_id_valid(v)


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character: weights 3^i mod 31 over the 31-symbol alphabet."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(value: str) -> bool:
    v = normalise_digits(value).upper()
    if len(v) != 18 or any(c not in _USCC_CHARS for c in v) or not v[2:8].isdigit():
        return False
    if v[0] not in "123456789ANY" or int(v[2:4]) not in CN_PROVINCE_CODES | {10}:
        return False
    return uscc_check_char(v[:17]) == v[17]


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_mod97(value: str) -> int:
    v = value.replace(" ", "").upper()
    rearranged = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def iban_valid(value: str) -> bool:
    v = value.replace(" ", "").upper()
    return IBAN_LENGTHS.get(v[:2]) == len(v) and v[2:4].isdigit() and v.isalnum() and iban_mod97(v) == 1


# Card schemes: (prefix ranges, lengths). Luhn alone passes 1 in 10 random numbers; prefixes cut that.
_CARD_SCHEMES: tuple[tuple[tuple[str, ...], range], ...] = (
    (("4",), range(13, 20)),  # Visa
    (tuple(str(p) for p in range(51, 56)) + tuple(str(p) for p in range(2221, 2721)), range(16, 17)),  # Mastercard
    (("34", "37"), range(15, 16)),  # American Express
    (("6011", "65") + tuple(str(p) for p in range(644, 650)), range(16, 20)),  # Discover
    (("35",), range(16, 20)),  # JCB (3528-3589 issued; 35xx as generators emit it)
    (("2131", "1800"), range(15, 16)),  # JCB (15-digit)
    (("300", "301", "302", "303", "304", "305", "36", "38", "39"), range(14, 20)),  # Diners Club
    (("62", "81"), range(16, 20)),  # China UnionPay
    (("50", "56", "57", "58", "6"), range(12, 20)),  # Maestro and other debit
    (("9",), range(16, 20)),  # Chinese domestic bank cards (e.g. 9558…)
)


def card_valid(value: str) -> bool:
    digits = digits_of(value)
    if not luhn_valid(digits) or len(set(digits)) < 2:
        return False
    return any(len(digits) in lengths and digits.startswith(prefixes) for prefixes, lengths in _CARD_SCHEMES)


def ssn_valid(value: str) -> bool:
    digits = digits_of(value)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return len(digits) == 9 and area not in ("000", "666") and area < "900" and group != "00" and serial != "0000"


# Reserved for documentation (RFC 5737, RFC 3849): not personal information,
# and what surrogates use, so surrogate output never trips the residual re-scan.
_DOC_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def ip_valid(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    if ip.version == 4 and (ip.is_unspecified or str(ip).startswith("0.")):
        return False
    return not any(ip in net for net in _DOC_NETWORKS)


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

_FW_PLUS = "[+＋]"
_PHONE_CONTEXT_BEFORE = re.compile(
    r"(?i:phone|tel\b|tel\.|telephone|mobile|cell|fax|desk|call|text me|txt|reach me|contact|whatsapp|sms|"
    r"messages? to|answering at|registered|hotline|number is|no\.:?)|电话|手机|致电|联系|拨打|号码|座机|传真|热线|微信"
)
_PHONE_CONTEXT_AFTER = re.compile(r"^\W{0,3}(?i:office|fax|mobile|cell|home|work|direct|phone|tel)")
_DATE_LIKE = re.compile(r"^(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])")


class _Pattern(NamedTuple):
    type: str
    regex: re.Pattern
    validate: Callable[[str], bool] | None
    score: float
    group: int = 0  # which group is the entity (context words stay outside the span)


def _p(entity: str, pattern: str, validate, score: float, group: int = 0, flags: int = 0) -> _Pattern:
    return _Pattern(entity, re.compile(pattern, flags), validate, score, group)


# Patterns that need a run of ≥6 digit characters somewhere in the text.
_DIGIT_GATE = re.compile(f"{D}(?:[ \\-－.()（）/]?{D}){{5}}")

_NUMERIC_PATTERNS: tuple[_Pattern, ...] = (
    _p(
        CN_RESIDENT_ID,
        f"{NB}[1-9１-９]{D}{{5}} ?(?:18|19|20|１８|１９|２０){D}{{2}}{D}{{4}} ?{D}{{3}}[0-9０-９XxＸｘ]{NA}",
        cn_id_valid,
        0.97,
    ),
    _p(
        CN_USCC,
        f"{NB}[0-9A-HJ-NP-RTUWXY]{{2}}[0-9]{{6}}[0-9A-HJ-NP-RTUWXY]{{10}}{NA}",
        uscc_valid,
        0.93,
    ),
    _p(
        BANK_CARD,
        f"{NB}(?:{D}{{4}}(?:[ \\-]{D}{{4}}){{2,3}}(?:[ \\-]{D}{{1,3}})?|{D}{{4}}[ \\-]{D}{{6}}[ \\-]{D}{{4,5}}|{D}{{12,19}}){NA}",
        card_valid,
        0.9,
    ),
    _p(
        IBAN,
        f"{NB}[A-Za-z]{{2}}[0-9]{{2}}(?:[A-Za-z0-9]{{11,30}}|(?: [A-Za-z0-9]{{4}}){{2,7}}(?: [A-Za-z0-9]{{1,3}})?){NA}",
        iban_valid,
        0.95,
    ),
    _p(US_SSN, f"{NB}[0-9]{{3}}([- ])[0-9]{{2}}\\1[0-9]{{4}}{NA}", ssn_valid, 0.85),
    _p(
        IP_ADDRESS,
        r"(?<![0-9A-Za-z.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9A-Za-z]|\.\d)",
        ip_valid,
        0.9,
    ),
    # Chinese mobile: optional +86/0086, 3-4-4 with optional separators, full-width digits.
    _p(
        PHONE_NUMBER,
        f"{NB}(?:(?:{_FW_PLUS}|00|００)?(?:86|８６)[ \\-－]?)?[1１][3-9３-９]{D}{SEP}?{D}{{4}}{SEP}?{D}{{4}}{NA}",
        lambda v: cn_mobile_valid(digits_of(v)),
        0.9,
    ),
    # Chinese landline: (0AA) / 0AAA- subscriber, optional +86 (then without the trunk 0).
    _p(
        PHONE_NUMBER,
        f"{NB}(?:(?:{_FW_PLUS}|00)(?:86|８６)[ \\-－]?[(（]?[1-9１-９]{D}{{1,2}}[)）]?|[(（]?[0０][1-9１-９]{D}{{1,2}}[)）]?)"
        f"[ \\-－]?[2-8２-８]{D}{{2,3}}[ \\-－]?{D}{{4}}{NA}",
        lambda v: cn_landline_valid(digits_of(v)),
        0.85,
    ),
    # International E.164-style with a leading + (or 00), 8-15 digits.
    _p(
        PHONE_NUMBER,
        f"(?<![{_ALNUM}+＋])(?:{_FW_PLUS}|00)[1-9１-９]{D}{{0,2}}(?:[ \\-.]?[(（]0?{D}{{0,4}}[)）])?(?:[ \\-.－]?{D}{{1,5}}){{2,6}}"
        f"(?:\\s?(?:x|ext\\.?)\\s?{D}{{1,5}})?{NA}",
        lambda v: 8 <= len(digits_of(v.split("x")[0].split("ext")[0])) <= 15,
        0.8,
    ),
    # North American: (AAA) EEE-NNNN, AAA-EEE-NNNN, AAA.EEE.NNNN, optional 1/001 and extension.
    _p(
        PHONE_NUMBER,
        f"(?<![{_ALNUM}+\\-])(?:(?:1|001)[ \\-.])?(?:\\([2-9]\\d\\d\\) ?|[2-9]\\d\\d[\\-.])\\d{{3}}[\\-.]\\d{{4}}"
        f"(?:\\s?(?:x|ext\\.?)\\s?\\d{{1,5}})?{NA}",
        None,
        0.8,
    ),
    # UK national: 07xxx xxxxxx, 01xx/02x landlines.
    _p(
        PHONE_NUMBER,
        f"{NB}0(?:7\\d{{3}} ?\\d{{3}} ?\\d{{3}}|[12]\\d{{2,3}} ?\\d{{3}} ?\\d{{3,4}}){NA}",
        lambda v: len(digits_of(v)) in (10, 11),
        0.75,
    ),
    _p(PASSPORT, f"{NB}[EG][0-9]{{8}}{NA}|{NB}E[A-HJ-NP-Z][0-9]{{7}}{NA}", None, 0.8),
)

# Any digit run of 7-15 digits with separators: a phone number only when a context word says so.
_GENERIC_PHONE = re.compile(
    f"(?<![{_ALNUM}+＋])(?:{_FW_PLUS})?[(（]?{D}(?:[ \\-.－()（）]{{0,2}}{D}){{6,16}}(?:\\s?(?:x|ext\\.?)\\s?\\d{{1,5}})?{NA}"
)

# Identifiers that need an introducing word (context group 1 is not part of the span).
_CONTEXT_PATTERNS: tuple[tuple[str, _Pattern], ...] = (
    (
        "",
        _p(
            PASSPORT,
            r"(?i:passport(?: no\.?| number| #)?|护照(?:号码|号)?)[\s:：#]{0,3}([A-Za-z]{0,2}[0-9]{6,9})(?![0-9A-Za-z])",
            None,
            0.85,
            group=1,
        ),
    ),
    (
        "",
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
        "",
        _p(
            CN_RESIDENT_ID,
            f"(?:身份证|(?i:ID card|identity card|resident ID|ID number|ID no\\.?))(?:号码|号)?[\\s:：#]{{0,3}}"
            f"({D}{{15}}|{D}{{17}}[0-9０-９XxＸｘ]){NA}",
            cn_id_labelled,
            0.9,
            group=1,
        ),
    ),
    (
        "",
        _p(US_SSN, r"(?i:SSN|social security(?: number| no\.?)?)[\s:：#]{0,3}([0-9]{9})(?![0-9A-Za-z])", ssn_valid, 0.85, group=1),
    ),
)
_CONTEXT_GATE_WORDS = ("护照", "assport", "ASSPORT", "通行证", "回乡证", "台胞证", "ermit", "身份证", "ID", "SSN", "ocial")

_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])")

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


# --------------------------------------------------------------------------- names and addresses

_CJK = "\u4e00-\u9fff"
CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
    "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
CN_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯")
_CN_SURNAME = f"(?:{'|'.join(CN_COMPOUND_SURNAMES)}|[{CN_SURNAMES}])"

_ZH_NAME_LABEL = re.compile(
    f"(?:姓名|联系人|收件人|收货人|寄件人|申请人|患者|负责人|法定代表人|法人代表|户主|持卡人|开户人|签名|经办人|被保险人|投保人)"
    f"[\\s:：]{{0,2}}({_CN_SURNAME}[{_CJK}]{{1,2}}?)(?=[\\s，。,；;、:：（(）)\\n电手身性男女年出住地的先于在]|$|[0-9])"
)
_ZH_HONORIFIC = re.compile(f"({_CN_SURNAME}[{_CJK}]{{0,2}}?)(?:先生|女士|小姐|老师|医生|教授|律师|经理)")
_ZH_GIVEN_STOP = frozenset("的了在是和与及或把被给对向从先女小老医教律经")

_EN_NAME_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’\-]+"
_EN_NAME = f"{_EN_NAME_WORD}(?:[ \\t](?:[A-Z]\\.|{_EN_NAME_WORD})){{0,3}}"
_EN_NAME_LABEL = re.compile(
    r"(?:(?i:full name|name|customer|patient|contact person|contact|applicant|cardholder|account holder|signed|"
    r"signature|from|attn|attention)[ \t]*[:：][ \t]*|(?i:dear|sincerely|regards|best regards|kind regards|"
    r"best|thanks|cheers|yours truly|yours sincerely)[ \t]*,?[ \t]*\n?[ \t]*)"
    f"({_EN_NAME}|[a-zà-ÿ][a-zà-ÿ'’\\-]+(?:[ \\t][a-zà-ÿ][a-zà-ÿ'’\\-]+){{1,2}}(?=[ \\t]*(?:\\n|$)))"
)
_EN_HONORIFIC = re.compile(f"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\\.?[ \\t]+({_EN_NAME})")
# lower-cased cue words; the name regexes run only when one is present (their case-insensitive label
# alternation cannot use the regex engine's prefix scan and costs ~100 µs per 1 KB otherwise)
_EN_LABEL_CUES = ("name", "customer", "patient", "contact", "applicant", "cardholder", "holder", "signed", "signature",
                  "from:", "attn", "attention", "dear", "sincerely", "regards", "best,", "thanks,", "cheers", "truly")  # fmt: skip
_EN_HONORIFIC_CUES = ("Mr", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Madam")
_EN_NAME_STOP = frozenset(
    {"The", "This", "That", "Customer", "Service", "Team", "Support", "Sir", "Madam", "All", "Thanks", "Thank",
     "Regards", "Hello", "Hi", "Dear", "Please", "I", "We", "You", "It", "My", "Our", "Your", "Mr", "Ms", "Dr"}
)  # fmt: skip

_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Square|Sq|"
    r"Parkway|Pkwy|Highway|Hwy|Circle|Cir|Crescent|Close|Grove|Gardens|Alley|Trail|Row|Mews|Walk|Hill|Park|Plaza|"
    r"Loop|Pike|Ridge|Route|Crossing|Heights|Quay|Rue|Strasse|Straße|Gasse|Platz|Weg|Calle|Via|Rua|Avenida|Vej|Gata|"
    r"gatan|vägen|katu|tie|straat|laan|gade|vej|utca|ulica|tér)"
)
_EN_STREET = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{1,5}[A-Za-z]?(?:[ \t]|,[ \t])(?:[A-Z][\w'’.\-]*[ \t]){0,4}" + _STREET_SUFFIX + r"\.?"
    r"|(?:[A-Z][\w'’\-]*[ \t]){0,3}" + _STREET_SUFFIX + r"[ \t]\d{1,5}[A-Za-z]?)"
    r"(?:,?[ \t]*(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|#)[ \t]*\d+[A-Za-z]?)?"
    r"(?:(?:,[ \t]*|\n[ \t]*)(?:[A-Z][\w'’.\-]*(?:[ \t][A-Z][\w'’.\-]*){0,3}|[A-Z]{2}[ \t]\d{5}(?:-\d{4})?|\d{4,6}))*"
)
_EN_ADDRESS_LABEL = re.compile(
    r"(?:(?i:home address|mailing address|postal address|street address|address|addr\.|residence)[ \t]*[:：][ \t]*\n?[ \t]*"
    r"|(?i:lives at|living at|resides at|reside at|moved to|address is|located at)[ \t]+)"
    r"([^\n]{6,80}?)(?=[ \t]*(?:\n\n|\n[A-Z][a-z]+:|[.;]?[ \t]*$|\.[ \t]|;))",
    re.MULTILINE,
)

_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|"
    "内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_ZH_ADDRESS = re.compile(
    f"(?:(?:{_PROVINCES})(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?)?"
    f"(?:(?<![在住于到是从往去来位址])[{_CJK}]{{2,5}}?(?:市|自治州|地区|盟))?"
    f"(?:[{_CJK}]{{1,5}}?(?:区|县|旗))?"
    f"(?:[{_CJK}]{{1,6}}?(?:街道|镇|乡))?"
    f"(?:[{_CJK}0-9０-９]{{1,10}}?(?:大道|大街|路|街|巷|弄|胡同|道|里))"
    f"[0-9０-９]{{1,5}}(?:-[0-9]{{1,4}})?[号號]"
    f"(?:[{_CJK}A-Za-z0-9０-９\\-]{{0,10}}?(?:栋|幢|座|号楼|楼|单元|层|室|号|户))*"
)
_ZH_ADDRESS_START_STOP = frozenset("在住于到是从往去来位址的我他她您你请寄送家生士姐为：:，,。、")
_PROVINCE_RE = re.compile(_PROVINCES)
_ZH_ADDRESS_LABEL = re.compile(
    r"(?:家庭住址|家庭地址|通讯地址|收货地址|联系地址|居住地址|户籍地址|现住址|住址|地址|住所)[\s:：]{0,2}([^\s，。；;,\n]{5,60})"
)


# --------------------------------------------------------------------------- detection


def _run_patterns(text: str, patterns: Iterable[_Pattern], out: list[Span]) -> None:
    for p in patterns:
        for m in p.regex.finditer(text):
            value = m.group(p.group)
            if p.validate is None or p.validate(value):
                out.append(Span(m.start(p.group), m.end(p.group), p.type, p.score))


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


def _generic_phones(text: str, out: list[Span]) -> None:
    for m in _GENERIC_PHONE.finditer(text):
        value = m.group()
        n_digits = len(digits_of(value))
        if not 7 <= n_digits <= 15 or _DATE_LIKE.match(normalise_digits(value)):
            continue
        before = text[max(0, m.start() - 32) : m.start()]
        if _PHONE_CONTEXT_BEFORE.search(before) or _PHONE_CONTEXT_AFTER.match(text, m.end(), m.end() + 12):
            out.append(Span(m.start(), m.end(), PHONE_NUMBER, 0.6))


def _zh_names(text: str, out: list[Span]) -> None:
    for m in _ZH_NAME_LABEL.finditer(text):
        out.append(Span(m.start(1), m.end(1), PERSON, 0.7))
    if any(h in text for h in ("先生", "女士", "小姐", "老师", "医生", "教授", "律师", "经理")):
        for m in _ZH_HONORIFIC.finditer(text):
            name = m.group(1)
            # trim given-name characters that are function words ("于先生" stays, "的" never starts a name)
            if len(name) > 1 and any(c in _ZH_GIVEN_STOP for c in name[1:]):
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


def _zh_addresses(text: str, out: list[Span]) -> None:
    structural: list[Span] = []
    if "号" in text or "號" in text:
        for m in _ZH_ADDRESS.finditer(text):
            start = _zh_address_start(text, m.start(), m.end())
            if m.end() - start >= 6:
                structural.append(Span(start, m.end(), STREET_ADDRESS, 0.7))
    out.extend(structural)
    if "址" in text or "住所" in text:
        # a labelled value runs to the next punctuation; where the structure was recognised inside
        # it, the structural span is the better boundary
        for m in _ZH_ADDRESS_LABEL.finditer(text):
            if not any(m.start(1) <= s.start < m.end(1) for s in structural):
                out.append(Span(m.start(1), m.end(1), STREET_ADDRESS, 0.65))


def _en_names(text: str, out: list[Span]) -> None:
    regexes = []
    if any(w in text for w in _EN_HONORIFIC_CUES):
        regexes.append(_EN_HONORIFIC)
    lower = text.lower()
    if any(w in lower for w in _EN_LABEL_CUES):
        regexes.append(_EN_NAME_LABEL)
    for regex in regexes:
        for m in regex.finditer(text):
            words = m.group(1).split()
            while words and words[-1] in _EN_NAME_STOP:
                words.pop()
            if not words or words[0] in _EN_NAME_STOP:
                continue
            end = m.start(1) + len(" ".join(words)) if len(words) < len(m.group(1).split()) else m.end(1)
            out.append(Span(m.start(1), end, PERSON, 0.65))


def _en_addresses(text: str, out: list[Span]) -> None:
    if _EN_STREET_GATE.search(text):
        for m in _EN_STREET.finditer(text):
            out.append(Span(m.start(), m.end(), STREET_ADDRESS, 0.6))
    lower = text.lower()
    if any(w in lower for w in _EN_ADDRESS_CUES):
        for m in _EN_ADDRESS_LABEL.finditer(text):
            out.append(Span(m.start(1), m.end(1), STREET_ADDRESS, 0.55))


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, in text order: longest first, then highest score, then earliest, then type name."""
    if len(spans) < 2:
        return spans
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start - s.end, -s.score, s.start, s.type)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    kept.sort()
    return kept


class Detector:
    """Finds personal information in text. ``entities`` limits the types reported; ``languages``
    turns the language-specific contextual detectors on (``en``, ``zh``)."""

    def __init__(self, entities: Iterable[str] = ENTITY_TYPES, languages: Iterable[str] = ("en", "zh")):
        self.entities = frozenset(entities)
        unknown = self.entities - set(ENTITY_TYPES)
        if unknown:
            raise ValueError(f"unknown entity types: {', '.join(sorted(unknown))}")
        self.languages = frozenset(languages)
        self._numeric = tuple(p for p in _NUMERIC_PATTERNS if p.type in self.entities)
        self._context = tuple(p for _, p in _CONTEXT_PATTERNS if p.type in self.entities)
        self._generic_phone = PHONE_NUMBER in self.entities

    def detect(self, text: str) -> list[Span]:
        """Resolved, non-overlapping spans in text order."""
        spans: list[Span] = []
        ents = self.entities
        if self._numeric and _DIGIT_GATE.search(text):
            _run_patterns(text, self._numeric, spans)
            if self._generic_phone:
                _generic_phones(text, spans)
        if EMAIL_ADDRESS in ents and "@" in text:
            _emails(text, spans)
        if CREDENTIAL_URL in ents and "://" in text:
            _run_patterns(text, (_Pattern(CREDENTIAL_URL, _CREDENTIAL_URL, None, 0.9),), spans)
        if IP_ADDRESS in ents and text.count(":") >= 2:
            _run_patterns(text, (_Pattern(IP_ADDRESS, _IPV6, _ipv6_valid, 0.9),), spans)
        if self._context and any(w in text for w in _CONTEXT_GATE_WORDS):
            _run_patterns(text, self._context, spans)
        ascii_only = text.isascii()
        if not ascii_only and CN_LICENSE_PLATE in ents:
            _run_patterns(text, (_Pattern(CN_LICENSE_PLATE, _PLATE, None, 0.85),), spans)
        if "en" in self.languages:
            if PERSON in ents:
                _en_names(text, spans)
            if STREET_ADDRESS in ents:
                _en_addresses(text, spans)
        if "zh" in self.languages and not ascii_only:
            if PERSON in ents:
                _zh_names(text, spans)
            if STREET_ADDRESS in ents:
                _zh_addresses(text, spans)
        return resolve_overlaps(spans)


# a house number next to a capitalised word ("12 Maple", "Koskikatu 25"): digit-anchored, so it is cheap
_EN_STREET_GATE = re.compile(r"\d[ \t,]+[A-Z][a-z]|[a-z]{3}[ \t]\d{1,5}(?![\d.,%])")
_EN_ADDRESS_CUES = ("address", "addr.", "residence", "lives at", "living at", "reside", "moved to", "located at")

_STRUCTURED_DETECTOR: Detector | None = None


def count_structured_identifiers(texts: list[str]) -> list[int]:
    """Number of structured identifiers (all :data:`STRUCTURED_TYPES`) left in each text.

    The publish gate asserts this is zero for every published record; names and addresses are not
    counted because their detection is contextual and would make the gate flaky."""
    global _STRUCTURED_DETECTOR
    if _STRUCTURED_DETECTOR is None:
        _STRUCTURED_DETECTOR = Detector(STRUCTURED_TYPES, languages=())
    return [len(_STRUCTURED_DETECTOR.detect(t)) if t else 0 for t in texts]

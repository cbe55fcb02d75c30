"""Normalisation and checksum validators for structured identifiers (Luhn, GB 11643, GB 32100, IBAN, SSN, IP).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re

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
ALNUM = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
NB = f"(?<![{ALNUM}])"  # not preceded by an ASCII/full-width alphanumeric
# The same check placed after a pattern's first character. A pattern that starts with a plain character
# class lets the regex engine skip in C to the next character that can start a match; one that starts
# with a lookbehind is tried at every position (3–5× slower on 1 KB of text).
NB1 = f"(?<![{ALNUM}].)"
NA = f"(?![{ALNUM}])"  # not followed by one
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
    """A number that an identity-card label introduces is removed whatever its checksum or structure
    (a wrong check digit is a typo in a real number, still personal information); only a run of one
    repeated digit is not taken. The checksum is the confidence (:func:`cn_id_labelled_confidence`)."""
    v = normalise_digits(value).upper()
    return len(v) in (15, 18) and len(set(v)) > 1


def cn_id_labelled_confidence(value: str) -> float:
    """0.97 with a valid check digit, 0.85 with a valid area and birth date only, else 0.7."""
    if cn_id_valid(value):
        return 0.97
    v = normalise_digits(value).upper()
    if len(v) == 18 and v[:17].isdigit() and cn_id_valid(v[:17] + cn_id_check_char(v[:17])):
        return 0.85
    return 0.7


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character: weights 3^i mod 31 over the 31-symbol alphabet."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(value: str) -> bool:
    v = normalise_digits(value).upper()
    if len(v) != 18 or any(c not in USCC_CHARS for c in v) or not v[2:8].isdigit():
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

"""Synthetic, format-valid replacements for detected personal information.

A surrogate is deterministic per (entity type, original value) under the key: the same value gets the
same replacement across the corpus and across runs, so joins and co-reference survive de-identification.
Checksums hold (resident IDs, cards, IBAN, USCC), so downstream format validators are not confused; IP
addresses come from the documentation ranges, which the detector does not report.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import string

from transforms.pii import detectors as det
from transforms.pii import validators

_EN_FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
             "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Daniel", "Karen",
             "Anna", "Lukas", "Sofia", "Mateo", "Emma", "Noah", "Olivia", "Liam", "Mia", "Elena")  # fmt: skip
_EN_LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Lopez",
            "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Walker", "Hall", "Young",
            "Keller", "Novak", "Larsen", "Rossi", "Dubois", "Silva", "Nowak", "Jansen", "Berg", "Moreau")  # fmt: skip
_ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文辉鹏飞晨宇浩然子涵欣怡梓轩思远雨萱"
_ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
_EN_STREETS = ("Maple Street", "Oak Avenue", "Cedar Road", "Pine Lane", "Elm Drive", "Birch Court", "Willow Way",
               "Lakeview Boulevard", "Hillside Terrace", "Station Road")  # fmt: skip
_EN_CITIES = ("Springfield", "Riverton", "Fairview", "Greenville", "Madison", "Franklin", "Clinton", "Salem")
_ZH_CITIES = (("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("江苏省", "南京市", "鼓楼区"),
              ("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "洪山区"), ("北京市", "", "海淀区"),
              ("上海市", "", "浦东新区"), ("山东省", "青岛市", "市南区"))  # fmt: skip
_ZH_ROADS = ("人民路", "解放路", "中山路", "建设路", "和平街", "文化路", "长江路", "新华街", "光明路", "学府路")
_ID_AREAS = ("110105", "310104", "440305", "330106", "510107", "420111", "320106", "370202")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _rng(key: bytes, entity: str, value: str) -> random.Random:
    digest = hmac.new(key, f"{entity}\x1f{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _reshape_digits(original: str, digits: str) -> str:
    """Lay ``digits`` into the separator layout of ``original`` (full-width stays full-width)."""
    out, it = [], iter(digits)
    for ch in original:
        n = det.normalise_digits(ch)
        if n.isdigit() or n in "Xx":
            d = next(it, "")
            out.append(chr(ord(d) + 0xFEE0) if "０" <= ch <= "９" and d.isdigit() else d)
        else:
            out.append(ch)
    out.extend(it)
    return "".join(out)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def cn_resident_id(rng: random.Random, original: str) -> str:
    area = rng.choice(_ID_AREAS)
    birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = area + birth + _digits(rng, 3)
    if len(det.digits_of(original)) == 15 and not original.upper().endswith("X"):
        return _reshape_digits(original, area + birth[2:] + first17[14:17])
    return _reshape_digits(original, first17 + validators.cn_id_check_char(first17))


def bank_card(rng: random.Random, original: str) -> str:
    digits = det.digits_of(original)
    prefix = digits[:2] if digits[:2] in ("62", "34", "37") else digits[:1]
    payload = prefix + _digits(rng, len(digits) - len(prefix) - 1)
    return _reshape_digits(original, payload + validators.luhn_check_digit(payload))


def phone(rng: random.Random, original: str) -> str:
    digits = det.digits_of(original)
    if det.cn_mobile_valid(digits):
        keep = len(digits) - 11  # country code stays
        new = digits[:keep] + "1" + rng.choice("3589") + _digits(rng, 9)
    else:  # keep the country/area prefix (first third), replace the subscriber part
        keep = max(1, len(digits) // 3)
        new = digits[:keep] + str(rng.randint(2, 8)) + _digits(rng, len(digits) - keep - 1)
    return _reshape_digits(original, new)


def iban(rng: random.Random, original: str) -> str:
    v = original.replace(" ", "").upper()
    bban = "".join(rng.choice(string.ascii_uppercase) if c.isalpha() else rng.choice(string.digits) for c in v[4:])
    check = 98 - validators.iban_mod97(v[:2] + "00" + bban)
    compact = f"{v[:2]}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if " " in original else compact


def uscc(rng: random.Random, original: str) -> str:
    first17 = "91" + rng.choice(_ID_AREAS) + "".join(rng.choice(validators.USCC_CHARS) for _ in range(9))
    return first17 + validators.uscc_check_char(first17)


def us_ssn(rng: random.Random, original: str) -> str:
    new = f"{rng.randint(100, 665):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    return _reshape_digits(original, new)


def ip_address(rng: random.Random, original: str) -> str:
    if ":" in original:
        return f"2001:db8::{rng.randint(1, 0xFFFF):x}"
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def email(rng: random.Random, original: str) -> str:
    domain = "example.cn" if original.lower().endswith(".cn") else "example.com"
    return f"{rng.choice(_EN_FIRST).lower()}.{rng.choice(_EN_LAST).lower()}{rng.randint(1, 999)}@{domain}"


def person(rng: random.Random, original: str) -> str:
    if _CJK.search(original):
        given = "".join(rng.choice(_ZH_GIVEN) for _ in range(max(1, min(2, len(original) - 1))))
        return rng.choice(_ZH_SURNAMES) + given
    words = original.split()
    return rng.choice(_EN_FIRST) if len(words) == 1 else f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}"


def street_address(rng: random.Random, original: str) -> str:
    if _CJK.search(original):
        province, city, district = rng.choice(_ZH_CITIES)
        return f"{province}{city}{district}{rng.choice(_ZH_ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室"
    return f"{rng.randint(1, 9999)} {rng.choice(_EN_STREETS)}, {rng.choice(_EN_CITIES)}"


def passport(rng: random.Random, original: str) -> str:
    letters = "".join(c for c in original if c.isalpha()).upper() or "E"
    return letters + _digits(rng, len(original) - len(letters))


def travel_permit(rng: random.Random, original: str) -> str:
    letters = "".join(c for c in original if c.isalpha()).upper()
    return letters + _digits(rng, len(original) - len(letters))


def im_account(rng: random.Random, original: str) -> str:
    """A QQ number as digits of the same length (no leading 0); a WeChat ID as a letter, then letters and digits."""
    if original.isdigit():
        return rng.choice("123456789") + _digits(rng, len(original) - 1)
    return rng.choice(string.ascii_lowercase) + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in original[1:])


def license_plate(rng: random.Random, original: str) -> str:
    tail = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(len(original) - 3))
    return original[0] + rng.choice("ABCDEFGHJK") + tail + rng.choice(string.digits)


def credential_url(rng: random.Random, original: str) -> str:
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
    if "@" in original.split("?")[0]:
        return re.sub(r"//[^/@\s]+@", f"//user:{token}@", original, count=1)
    return re.sub(r"=([^&#\s]{6,})", f"={token}", original)


GENERATORS = {
    det.CN_RESIDENT_ID: cn_resident_id,
    det.BANK_CARD: bank_card,
    det.PHONE_NUMBER: phone,
    det.IBAN: iban,
    det.CN_USCC: uscc,
    det.US_SSN: us_ssn,
    det.IP_ADDRESS: ip_address,
    det.EMAIL_ADDRESS: email,
    det.PERSON: person,
    det.STREET_ADDRESS: street_address,
    det.PASSPORT: passport,
    det.CN_TRAVEL_PERMIT: travel_permit,
    det.CN_LICENSE_PLATE: license_plate,
    det.CREDENTIAL_URL: credential_url,
    det.IM_ACCOUNT: im_account,
}


def surrogate(key: bytes, entity: str, value: str) -> str:
    """The synthetic replacement of ``value`` (an ``entity``), deterministic under ``key``."""
    return GENERATORS[entity](_rng(key, entity, value), value)

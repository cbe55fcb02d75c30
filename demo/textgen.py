"""Realistic synthetic text from hand-written banks, for the demo corpus and the benchmarks.

Templates carry two kinds of placeholders, resolved per document by :class:`Filler`:

* ``{slot}`` / ``{slot2}``: an entity (city, person, company, number, date...). A slot keeps its value
  for the whole document, so paragraphs about "{city}" all talk about the same city; ``{city2}`` is a
  second, different one.
* ``{a|b|c}``: a phrasing alternative, chosen anew at each use. Alternatives and entities make two
  documents built from the same topic share few word 5-grams, so unrelated documents stay far apart
  for MinHash while each one still reads as a coherent article, post, README or notice.

Everything draws from the ``random.Random`` passed in: same seed, same text.
"""

from __future__ import annotations

import random
import re
import string

from demo import textbanks_en as EN
from demo import textbanks_zh as ZH

_PLACEHOLDER = re.compile(r"\{([^{}\n]{1,200})\}")
_SLOT_NAME = re.compile(r"^([a-z_]+?)(\d?)$")


def _choice(options):
    return lambda rng: rng.choice(options)


def _int_between(low, high):
    return lambda rng: str(rng.randint(low, high))


def _grouped(low, high):
    return lambda rng: f"{rng.randint(low, high):,}"


def _en_money(rng):
    value = rng.choice([rng.randint(2, 95) * 1000, rng.randint(1, 60) * 100_000, rng.randint(1, 48) * 1_000_000])
    return f"${value / 1_000_000:.1f} million" if value >= 1_000_000 else f"${value:,}"


def _en_date(rng):
    return f"{rng.choice(EN.MONTHS)} {rng.randint(1, 28)}"


def _en_time(rng):
    return f"{rng.randint(1, 11)}:{rng.choice(['00', '15', '30', '45'])} {rng.choice(['am', 'pm'])}"


def _version(rng):
    return f"{rng.randint(0, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 12)}"


def _zh_date(rng):
    return f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"


def _zh_money(rng):
    return rng.choice([f"{rng.randint(12, 980)}万元", f"{rng.randint(2, 90)}.{rng.randint(1, 9)}亿元"])


def _zh_time(rng):
    return f"{rng.randint(7, 21)}:{rng.choice(['00', '30'])}"


def _pct(rng):
    return f"{rng.randint(1, 38)}.{rng.randint(0, 9)}"


def _en_person(rng):
    return f"{rng.choice(EN.FIRST_NAMES)} {rng.choice(EN.LAST_NAMES)}"


def _zh_person(rng):
    return rng.choice(ZH.SURNAMES) + rng.choice(ZH.GIVEN_NAMES)


def _handle(rng):
    return rng.choice(EN.HANDLE_WORDS) + rng.choice(["", "_", "."]) + rng.choice(EN.HANDLE_WORDS) + str(rng.randint(1, 99))


def _pkg(rng):
    return rng.choice(EN.PKG_PREFIX) + rng.choice(EN.PKG_SUFFIX)


SLOTS = {
    "en": {
        "person": _en_person,
        "first": _choice(EN.FIRST_NAMES),
        "last": _choice(EN.LAST_NAMES),
        "hon": _choice(["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]),
        "city": _choice(EN.CITIES),
        "street": _choice(EN.STREETS),
        "company": _choice(EN.COMPANIES),
        "agency": _choice(EN.AGENCIES),
        "school": _choice(EN.SCHOOLS),
        "hospital": _choice(EN.HOSPITALS),
        "team": _choice(EN.TEAMS),
        "role": _choice(EN.ROLES),
        "product": _choice(EN.PRODUCTS),
        "brand": _choice(EN.BRANDS),
        "dish": _choice(EN.DISHES),
        "place": _choice(EN.PLACES),
        "handle": _handle,
        "pkg": _pkg,
        "lang": _choice(["Python", "Go", "Rust", "TypeScript", "Java", "Kotlin"]),
        "version": _version,
        "port": _choice(["8080", "8000", "5432", "6379", "9090", "3000", "8443"]),
        "num": _int_between(2, 40),
        "small": _int_between(2, 9),
        "big": _grouped(1_200, 95_000),
        "pct": _pct,
        "money": _en_money,
        "year": _int_between(2016, 2024),
        "date": _en_date,
        "weekday": _choice(EN.WEEKDAYS),
        "month": _choice(EN.MONTHS),
        "time": _en_time,
        "temp": _int_between(-12, 41),
    },
    "zh": {
        "person": _zh_person,
        "reporter": _zh_person,
        "surname": _choice(ZH.SURNAMES),
        "city": _choice(ZH.CITIES),
        "district": _choice(ZH.DISTRICTS),
        "road": _choice(ZH.ROADS),
        "community": _choice(ZH.COMMUNITIES),
        "company": _choice(ZH.COMPANIES),
        "agency": _choice(ZH.AGENCIES),
        "school": _choice(ZH.SCHOOLS),
        "hospital": _choice(ZH.HOSPITALS),
        "product": _choice(ZH.PRODUCTS),
        "dish": _choice(ZH.DISHES),
        "place": _choice(ZH.PLACES),
        "handle": _choice(ZH.HANDLES),
        "pkg": _pkg,
        "version": _version,
        "port": _choice(["8080", "8000", "5432", "6379", "9090", "3000"]),
        "num": _int_between(2, 40),
        "small": _int_between(2, 9),
        "big": _int_between(1_200, 95_000),
        "pct": _pct,
        "money": _zh_money,
        "year": _int_between(2016, 2024),
        "date": _zh_date,
        "time": _zh_time,
        "temp": _int_between(-8, 39),
        "building": _int_between(1, 32),
    },
}


class Filler:
    """Resolves placeholders for one document; entity slots keep their value for the document."""

    def __init__(self, rng: random.Random, lang: str):
        self.rng = rng
        self.slots = SLOTS[lang]
        self.values: dict[str, str] = {}

    def __call__(self, template: str) -> str:
        # nested placeholders ({soon|from {date}}) resolve from the inside out, one level per pass
        for _ in range(5):
            filled = _PLACEHOLDER.sub(self._resolve, template)
            if filled == template:
                break
            template = filled
        return template

    def _resolve(self, match: re.Match) -> str:
        inner = match.group(1)
        if "|" in inner:
            return self(self.rng.choice(inner.split("|")))
        if inner in self.values:
            return self.values[inner]
        name = _SLOT_NAME.match(inner)
        if not name or name.group(1) not in self.slots:
            return match.group(0)  # a literal brace in code, not a placeholder
        make = self.slots[name.group(1)]
        taken = set(self.values.values())
        value = make(self.rng)
        for _ in range(5):  # {city} and {city2} should name different cities
            if value not in taken:
                break
            value = make(self.rng)
        self.values[inner] = value
        return value

    def set(self, **values: str) -> "Filler":
        self.values.update(values)
        return self


# ---------------------------------------------------------------- topic documents

def _sentences(rng: random.Random, bank: list[str], count: int) -> list[str]:
    return rng.sample(bank, min(count, len(bank)))


def _paragraphs(rng: random.Random, fill: Filler, body: list[str], count: int, joiner: str, extra=()) -> list[str]:
    """``count`` paragraphs of 2-3 body sentences each, no sentence twice in a document."""
    picked = _sentences(rng, body, count * 3)
    paragraphs, cursor = [], 0
    for _ in range(count):
        size = rng.choice([2, 3])
        chunk = picked[cursor : cursor + size]
        cursor += size
        if not chunk:
            break
        paragraphs.append(joiner.join(fill(s) for s in chunk))
    for item in extra:
        paragraphs.insert(rng.randint(1, len(paragraphs)), fill(item))
    return paragraphs


def news_en(rng: random.Random, fill: Filler | None = None, paragraphs: int | None = None) -> tuple[str, str]:
    """(title, text) of an English local-news article."""
    fill = fill or Filler(rng, "en")
    topic = rng.choice(EN.NEWS_TOPICS)
    variant = rng.randrange(len(topic["leads"]))  # the title announces what the lead reports
    title = fill(topic["titles"][variant % len(topic["titles"])])
    lead = f"{fill(rng.choice(EN.DATELINES))} — {fill(topic['leads'][variant])}"
    body = _paragraphs(rng, fill, topic["body"], paragraphs or rng.randint(3, 5), " ", extra=[rng.choice(topic["quotes"])])
    return title, "\n\n".join([lead, *body])


def forum_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, str]:
    """(thread title, post) of an English hobby-forum post."""
    fill = fill or Filler(rng, "en")
    topic = rng.choice(EN.FORUM_TOPICS)
    title = fill(rng.choice(topic["titles"]))
    parts = [fill(rng.choice(topic["openers"]))]
    parts += _paragraphs(rng, fill, topic["body"], rng.randint(1, 3), " ")
    parts.append(fill(rng.choice(topic["questions"])))
    if rng.random() < 0.6:
        parts.append(fill(rng.choice(EN.FORUM_SIGNOFFS)))
    return title, "\n\n".join(parts)


def hostile_post_en(rng: random.Random, fill: Filler | None = None) -> str:
    """An abusive reply in the style of social-media hostility (insults, no slurs)."""
    fill = fill or Filler(rng, "en")
    lines = _sentences(rng, EN.HOSTILE, rng.randint(2, 4))
    return " ".join(fill(s) for s in lines)


def blog_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, str]:
    fill = fill or Filler(rng, "en")
    topic = rng.choice(EN.BLOG_TOPICS)
    title = fill(rng.choice(topic["titles"]))
    parts = [fill(rng.choice(topic["openers"]))]
    parts += _paragraphs(rng, fill, topic["body"], rng.randint(3, 5), " ")
    parts.append(fill(rng.choice(topic["closers"])))
    return title, "\n\n".join(parts)


def qa_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, str]:
    """(title, text) of a product Q&A page: several questions and answers about one product."""
    fill = fill or Filler(rng, "en")
    product = rng.choice(EN.QA_PRODUCTS)
    fill.set(product=f"{fill('{brand}')} {product['name']}")
    title = fill("Questions & answers: {product}")
    pairs = rng.sample(product["qa"], min(len(product["qa"]), rng.randint(3, 5)))
    blocks = [fill(f"Q: {q}\nA: {a}") for q, a in pairs]
    blocks.insert(0, fill(rng.choice(EN.QA_INTROS)))
    reviews = [f"* {fill('{first}')} from {fill('{city}')}: {T}" for T in (fill(r) for r in rng.sample(EN.QA_REVIEWS, rng.randint(2, 4)))]
    blocks.append("Customer reviews\n" + "\n".join(reviews))
    return title, "\n\n".join(blocks)


def public_page_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, str]:
    fill = fill or Filler(rng, "en")
    topic = rng.choice(EN.PUBLIC_PAGES)
    title = fill(rng.choice(topic["titles"]))
    body = _paragraphs(rng, fill, topic["body"], rng.randint(2, 4), " ")
    updates = " ".join(fill(u) for u in rng.sample(EN.PAGE_UPDATES, rng.randint(2, 3)))
    return title, "\n\n".join([title, *body, updates, fill(rng.choice(EN.PUBLIC_CLOSERS))])


def techdoc_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, str, str]:
    """(repo, path, markdown body) of a README or how-to document."""
    fill = fill or Filler(rng, "en")
    pkg = fill("{pkg}")
    fill.set(pkg=pkg, repo=f"{rng.choice(EN.ORGS_GH)}/{pkg}")
    kind = rng.choice(EN.TECHDOC_KINDS)
    sections = [fill(kind["header"])]
    for heading, options in kind["sections"]:
        if rng.random() < 0.85:
            sections.append(fill(f"## {heading}\n\n") + fill(rng.choice(options)))
    extras = [_features_section(rng, fill), _api_section(rng, fill)]
    sections[1:1] = rng.sample(extras, rng.randint(1, 2))
    return fill("{repo}"), rng.choice(kind["paths"]), "\n\n".join(sections)


def _features_section(rng: random.Random, fill: Filler) -> str:
    return "## Features\n\n" + "\n".join(f"- {fill(f)}" for f in rng.sample(EN.FEATURES, rng.randint(3, 6)))


def _api_section(rng: random.Random, fill: Filler) -> str:
    """Reference entries for a handful of functions: names and arguments combine freely, so each API reads differently."""
    lines = []
    for verb, noun in zip(rng.sample(EN.API_VERBS, 5), rng.sample(EN.API_NOUNS, 5)):
        args = ", ".join(rng.sample(EN.API_ARGS, rng.randint(1, 3)))
        effects = " ".join(fill(e) for e in rng.sample(EN.API_EFFECTS, 2))
        lines.append(f"### `{verb}_{noun}({args})`\n\n{verb.capitalize()}s the {noun.replace('_', ' ')}. {effects}")
    return "## API reference\n\n" + "\n\n".join(lines[: rng.randint(2, 5)])


def news_zh(rng: random.Random, fill: Filler | None = None, paragraphs: int | None = None) -> tuple[str, str]:
    fill = fill or Filler(rng, "zh")
    topic = rng.choice(ZH.NEWS_TOPICS)
    variant = rng.randrange(len(topic["leads"]))
    title = fill(topic["titles"][variant % len(topic["titles"])])
    lead = fill(rng.choice(ZH.DATELINES)) + fill(topic["leads"][variant])
    body = _paragraphs(rng, fill, topic["body"], paragraphs or rng.randint(2, 4), "",
                       extra=[rng.choice(topic["quotes"]), *rng.sample(ZH.NEWS_DETAILS, 2)])
    return title, "\n\n".join([lead, *body])


def forum_zh(rng: random.Random, fill: Filler | None = None) -> tuple[str, str, str]:
    """(board, title, post) of a Chinese forum post."""
    fill = fill or Filler(rng, "zh")
    topic = rng.choice(ZH.FORUM_TOPICS)
    title = fill(rng.choice(topic["titles"]))
    parts = [fill(rng.choice(topic["openers"])) + "".join(fill(d) for d in rng.sample(ZH.FORUM_DETAILS, rng.randint(2, 3)))]
    parts += _paragraphs(rng, fill, topic["body"], rng.randint(1, 3), "")
    parts.append(fill(rng.choice(topic["questions"])))
    if rng.random() < 0.5:
        parts.append(fill(rng.choice(ZH.FORUM_SIGNOFFS)))
    return topic["board"], title, "\n".join(parts)


def hostile_post_zh(rng: random.Random, fill: Filler | None = None) -> str:
    fill = fill or Filler(rng, "zh")
    return "".join(fill(s) for s in _sentences(rng, ZH.HOSTILE, rng.randint(2, 3)))


def techdoc_zh(rng: random.Random, fill: Filler | None = None) -> tuple[str, str, str]:
    fill = fill or Filler(rng, "zh")
    pkg = fill("{pkg}")
    fill.set(pkg=pkg, repo=f"{rng.choice(EN.ORGS_GH)}/{pkg}")
    kind = rng.choice(ZH.TECHDOC_KINDS)
    sections = [fill(kind["header"])]
    for heading, options in kind["sections"]:
        if rng.random() < 0.85:
            sections.append(fill(f"## {heading}\n\n") + fill(rng.choice(options)))
    sections.insert(1, _api_section(rng, Filler(rng, "en").set(version=fill("{version}"))).replace("## API reference", "## 接口参考"))
    return fill("{repo}"), rng.choice(kind["paths"]), "\n\n".join(sections)


def notice_zh(rng: random.Random, fill: Filler | None = None) -> tuple[str, str, str]:
    """(title, text, publisher) of a Chinese public notice."""
    fill = fill or Filler(rng, "zh")
    topic = rng.choice(ZH.NOTICE_TOPICS)
    publisher = fill(rng.choice(topic["publishers"]))
    title = fill(rng.choice(topic["titles"]))
    body = [fill(rng.choice(topic["openers"]))]
    picked = sorted(rng.sample(range(len(topic["items"])), min(len(topic["items"]), rng.randint(3, 5))))
    items = [topic["items"][i] for i in picked]  # keep the notice's natural order (time, scope, advice)
    numerals = "一二三四五六七八九"
    items += rng.sample(ZH.NOTICE_DETAILS, rng.randint(2, 3))
    body += [f"{numerals[i]}、{fill(item)}" for i, item in enumerate(items)]
    body.append(fill(rng.choice(ZH.NOTICE_CLOSERS)))
    body.append(f"{publisher}\n{fill('{year}年{date}')}")
    return title, "\n".join(body), publisher


# ---------------------------------------------------------------- personal information

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character of a resident identity number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def cn_id_number(rng: random.Random, valid: bool = True) -> str:
    region = rng.choice(ZH.REGION_CODES)
    birth = f"{rng.randint(1955, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"{region}{birth}{rng.randint(0, 999):03d}"
    check = cn_id_check_digit(first17)
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return first17 + check


def luhn_check_digit(partial: str) -> str:
    total = 0
    for i, d in enumerate(reversed(partial)):
        n = int(d)
        if i % 2 == 0:  # doubled: these sit at odd positions once the check digit is appended
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    digits = [c for c in number if c.isdigit()]
    return luhn_check_digit("".join(digits[:-1])) == digits[-1]


def bank_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("6222", 19), ("6217", 19), ("6228", 19)])
    partial = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    number = partial + luhn_check_digit(partial)
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", "".join(rng.choice(string.digits) for _ in range(18))),
            ("GB", rng.choice(["NWBK", "BARC", "LOYD", "HBUK"]) + "".join(rng.choice(string.digits) for _ in range(14))),
            ("FR", "".join(rng.choice(string.digits) for _ in range(23))),
            ("NL", rng.choice(["ABNA", "INGB", "RABO"]) + "".join(rng.choice(string.digits) for _ in range(10))),
        ]
    )
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def iban_valid(value: str) -> bool:
    raw = value.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in raw[4:] + raw[:4])) % 97 == 1


def cn_mobile(rng: random.Random) -> str:
    digits = rng.choice(["138", "139", "136", "150", "152", "158", "186", "187", "177", "199"]) + "".join(
        rng.choice(string.digits) for _ in range(8)
    )
    style = rng.randrange(5)
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 2:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 3:
        return f"+86-{digits}"
    return f"(+86) {digits[:3]} {digits[3:7]} {digits[7:]}"


def en_phone(rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"({rng.randint(201, 989)}) 555-{rng.randint(100, 199):04d}"
    if style == 1:
        return f"+44 20 7946 {rng.randint(0, 999):04d}"
    return f"+1-{rng.randint(201, 989)}-555-{rng.randint(100, 199):04d}"


def email(rng: random.Random, first: str | None = None, last: str | None = None) -> str:
    first = (first or rng.choice(EN.FIRST_NAMES)).lower()
    last = (last or rng.choice(EN.LAST_NAMES)).lower()
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}", f"{last}.{first[0]}"])
    return f"{local}@{rng.choice(EN.MAIL_DOMAINS)}"


def ipv4(rng: random.Random) -> str:
    prefix = rng.choice(["203.0.113", "198.51.100", "192.0.2", "10.24.7", "172.16.40", "81.2.69"])
    return f"{prefix}.{rng.randint(2, 254)}"


def cn_address(rng: random.Random, fill: Filler | None = None) -> str:
    fill = fill or Filler(rng, "zh")
    return fill("{city}{district}{road}{num}号{community}{building}栋")


def pii_snippet_en(rng: random.Random, fill: Filler | None = None) -> tuple[str, list[str]]:
    """A sentence or two that discloses personal information, and the kinds it holds."""
    fill = fill or Filler(rng, "en")
    first, last = rng.choice(EN.FIRST_NAMES), rng.choice(EN.LAST_NAMES)
    hon = rng.choice(["Mr.", "Ms.", "Mrs.", "Dr."])
    choice = rng.randrange(7)
    if choice == 0:
        return f"For questions, contact {hon} {first} {last} at {email(rng, first, last)} or {en_phone(rng)}.", [
            "PERSON", "EMAIL", "PHONE"]
    if choice == 1:
        return f"You can reach me directly at {email(rng, first, last)} if you want the spreadsheet.", ["EMAIL"]
    if choice == 2:
        return f"Refunds go to IBAN {iban(rng)} (account holder: {first} {last}).", ["IBAN", "PERSON"]
    if choice == 3:
        return f"The order was charged to card {bank_card(rng)}, expiry {rng.randint(1, 12):02d}/{rng.randint(26, 30)}.", [
            "BANK_CARD"]
    if choice == 4:
        return f"The failed logins all came from {ipv4(rng)}; my home IP is {ipv4(rng)} if that helps.", ["IP"]
    if choice == 5:
        return fill(f"{hon} {first} {last} of {{street}}, {{city}} can be called on {en_phone(rng)} after 6 p.m."), [
            "PERSON", "PHONE"]
    return f"Call {first} on {cn_mobile(rng)} (WeChat same number) or mail {email(rng, first, last)}.", [
        "CN_MOBILE", "EMAIL"]


def pii_snippet_zh(rng: random.Random, fill: Filler | None = None, cn_id_valid: bool = True) -> tuple[str, list[str]]:
    fill = fill or Filler(rng, "zh")
    name = _zh_person(rng)
    choice = rng.randrange(6)
    if choice == 0:
        return f"姓名：{name}\n身份证号：{cn_id_number(rng, cn_id_valid)}\n联系电话：{cn_mobile(rng)}", [
            "PERSON", "CN_ID", "CN_MOBILE"]
    if choice == 1:
        return f"联系人：{name[0]}{rng.choice(['先生', '女士', '老师', '经理'])}，电话{cn_mobile(rng)}。", ["PERSON", "CN_MOBILE"]
    if choice == 2:
        return f"收件人：{name}，地址：{cn_address(rng, fill)}，手机{cn_mobile(rng)}。", ["PERSON", "CN_ADDRESS", "CN_MOBILE"]
    if choice == 3:
        return f"退款请打到我的银行卡{bank_card(rng)}，户名{name}。", ["BANK_CARD", "PERSON"]
    if choice == 4:
        return f"报名需提供身份证号（如{cn_id_number(rng, cn_id_valid)}）和邮箱，例如{email(rng)}。", ["CN_ID", "EMAIL"]
    return f"有意者加微信或致电{name[0]}女士：{cn_mobile(rng)}，邮箱{email(rng)}。", ["PERSON", "CN_MOBILE", "EMAIL"]


# ---------------------------------------------------------------- benchmark pool

def paragraph_pool(rng: random.Random, lang: str, per_topic: int) -> list[list[str]]:
    """Per topic, ``per_topic`` filled paragraphs (2-3 sentences), for fast bulk document assembly."""
    topics = [*EN.NEWS_TOPICS, *EN.FORUM_TOPICS, *EN.BLOG_TOPICS] if lang == "en" else [*ZH.NEWS_TOPICS, *ZH.FORUM_TOPICS]
    joiner = " " if lang == "en" else ""
    pool = []
    for topic in topics:
        paragraphs = []
        for _ in range(per_topic):
            fill = Filler(rng, lang)
            sentences = _sentences(rng, topic["body"], rng.choice([2, 3]))
            if lang == "zh":  # Chinese bank sentences carry few slots: add entity-rich detail so 5-grams differ
                sentences.insert(rng.randint(0, len(sentences)), rng.choice(ZH.NEWS_DETAILS))
            paragraphs.append(joiner.join(fill(s) for s in sentences))
        pool.append(paragraphs)
    return pool


# ---------------------------------------------------------------- duplicates

_SWAPS_EN = {
    "said": "says", "the": "this", "about": "around", "new": "recent", "city": "town", "will": "would",
    "after": "following", "more": "over", "people": "residents", "large": "big", "also": "too", "but": "yet",
}
REPOST_PREFIXES_EN = ["Reposting this for visibility: ", "UPDATED: ", "Saw this in the paper today:\n\n", "FYI — "]
REPOST_PREFIXES_ZH = ["【转帖】", "转：", "【转载】", "看到一篇文章，分享一下：\n"]


def near_duplicate(rng: random.Random, text: str, lang: str) -> tuple[str, str]:
    """A lightly edited copy of ``text`` and how it was edited (a few words changed, or a repost prefix)."""
    if rng.random() < 0.5:
        prefixes = REPOST_PREFIXES_EN if lang == "en" else REPOST_PREFIXES_ZH
        return rng.choice(prefixes) + text, "repost_prefix"
    if lang == "zh":
        chars = list(text)
        digits = [i for i, c in enumerate(chars) if c.isdigit()]
        for i in rng.sample(digits, min(2, len(digits))):
            chars[i] = str((int(chars[i]) + rng.randint(1, 8)) % 10)
        return "".join(chars).replace("。", "！", 1), "chars_changed"
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.lower() in _SWAPS_EN or w.isdigit()]
    for i in rng.sample(candidates, min(3, len(candidates))):
        word = words[i]
        words[i] = str(int(word) + rng.randint(1, 9)) if word.isdigit() else _SWAPS_EN[word.lower()]
    return " ".join(words), "words_changed"


def word_shingles(text: str, size: int = 5) -> set:
    words = text.split()
    return {tuple(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def char_shingles(text: str, size: int = 5) -> set:
    compact = "".join(text.split())
    return {compact[i : i + size] for i in range(max(1, len(compact) - size + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0

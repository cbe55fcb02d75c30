"""Address grammar beyond the cue-word rules of :mod:`transforms.pii.detectors` (docs/pii.md):

* English: post-office boxes (``P.O. Box 1234``, ``Postbox 21``); US military addresses (``PSC 1560, Box 3449,
  APO AP 96522``, ``Unit 2050 Box 4190, DPO AE 09498``, ``USNS Pollux, FPO AA 34058``, ``USS Nimitz FPO AP``; in lower
  case only whole: ``psc 5420, box 2708 apo aa 33879``, ``uscgc aslakhanov fpo ae 44941``);
  a street line that names a unit (``04 320 St Marys Rd Suite 12``, ``727 Gesterbyntie 68 Apt. 030``,
  ``Friedhofstrasse 33 Suite 979``): a flat or suite number makes a household or an office door, not a
  public landmark, so no cue word is needed.
* Chinese: estate and building forms without a road (``鼓楼区龙江小区3栋502室``, ``紫峰大厦A座1201室``,
  ``阳光花园5号楼2单元301``, ``碧桂园二期8号楼1单元602``, ``龙江小区3-502``): an estate or building name followed
  by at least a building and a room (or a dashed building-room number).

Each function appends ``(start, end)`` pairs; the detector makes them STREET_ADDRESS spans. All are gated by
plain substring tests, so text without these words costs one ``in`` per word.
"""

from __future__ import annotations

import re

_CJK = "\u4e00-\u9fff"

# ---------------------------------------------------------------------------------------------- English

_STATE_ZIP = r"(?:,?[ \t]*\n?[ \t]*(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{5}(?:-\d{4})?)"
_MILITARY_BOX = r"(?:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]*\n?[ \t]*Box[ \t]+\d{1,5}"
_SHIP = r"US(?:S|NS|NV|CGC)[ \t]+[A-Z][^\W\d_]+(?:[ \t][A-Z][^\W\d_]+){0,2},?[ \t]*(?:\n[ \t]*)?(?:FPO)[ \t]+A[AEP]"
# in any case only whole, with its APO/FPO/DPO line and postcode: "psc 5420, box 2708\napo aa 33879", "uscgc
# aslakhanov\nfpo ae 44941"
_MILITARY_ANY_CASE = re.compile(
    r"(?<![0-9A-Za-z])(?i:" + _MILITARY_BOX + _STATE_ZIP + "|" + _SHIP + r"[ \t]+\d{5}(?:-\d{4})?)"
)
_MILITARY = re.compile(
    r"(?<![0-9A-Za-z])(?:" + _MILITARY_BOX + _STATE_ZIP + "?|" + _SHIP + r"(?:[ \t]+\d{5}(?:-\d{4})?)?)"
)
_PO_BOX = re.compile(
    r"(?<![0-9A-Za-z])(?:P\.?[ \t]?O\.?[ \t]?Box|PO[ \t]?Box|POB|Post[ \t]?(?:Office[ \t])?[Bb]ox|Postbox|Postfach|Apartado)"
    r"[ \t]+\d{1,6}(?![0-9])"
    # a city, state and ZIP or a postcode may follow: ", Springfield, IL 62704"
    r"(?:,[ \t]*[A-Z][A-Za-z.'\-]+(?:[ \t][A-Z][A-Za-z.'\-]+){0,2}(?:,?[ \t]+[A-Z]{2})?(?:[ \t]+\d{5}(?:-\d{4})?)?)?"
)
_UNIT_WORD = re.compile(r"(?<![0-9A-Za-z])(?:Suite|Ste\.?|Apt\.?|Apartment|Unit|Flat)[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?(?![0-9A-Za-z])")
# A street line that ends just before the unit, separated from it by spaces, commas or ">": a house number
# and up to five words or numbers ("320 St Marys Rd", "3657 Laukaantie 80"), or one word and a number
# ("Friedhofstrasse 33").
_STREET_WORD = (
    r"(?:[A-ZÀ-ÞΑ-ΩΆ-Ώ0-9][^\s,>]*|de|do|da|dos|del|la|le|du|van|von|der|den|z|u|na|nad|pod|ul\.|rue|via|str\.)"
)
_STREET_BEFORE_UNIT = re.compile(
    r"(?<![0-9A-Za-z])\d{1,5}[A-Za-z]?[ \t]+(?:" + _STREET_WORD + r"[ \t]+){0,4}?" + _STREET_WORD
    + r"[ \t]*[,>]?[ \t]*\Z"
)
_WORD_NUMBER_BEFORE_UNIT = re.compile(
    r"(?<![0-9A-Za-z])[A-ZÀ-Þ][^\s,>0-9]*(?:stra(?:ss|ß)e|str\.|weg|gasse|allee|platz|laan|straat|gracht|vej|gade|gatan|"
    r"vägen|veien|gata|katu|tie|kuja|utca|ulica|ulice|ut|rue|via|calle|rua|avenida)[ \t]+\d{1,5}[A-Za-z]?[ \t]*[,>]?[ \t]*\Z"
)
_HAS_NUMBER = re.compile(r"\d")
# A name, a house number and more words before the unit ("Storgarden 52 Trajanka Forks", "Λεωφόρος Συγγρού 119 Nino
# Point"): no street word says it is a street, so it counts only in a whole postal block, with a postcode below.
_NAME_NUMBER_BEFORE_UNIT = re.compile(
    r"(?<![\w.])[A-ZÀ-ÞΑ-ΩΆ-Ώ][^\s,>\d]*(?:[ \t]+[^\s,>\d]+){0,3}[ \t]+\d{1,5}[A-Za-z]?"
    r"(?:[ \t]+[^\W\d_][^\s,>\d]*){0,4}[ \t]*[,>]?[ \t]*\Z"
)


def _followed_by_number(text: str, words: tuple[str, ...], skip: str) -> bool:
    """Whether one of ``words`` occurs with a digit after it, past up to 8 characters of ``skip``: the regexes
    below need one, and the words alone are common ("box office", "Steve", "United")."""
    for w in words:
        i = text.find(w)
        while i != -1:
            if text[i + len(w) : i + len(w) + 9].lstrip(skip)[:1].isdigit():
                return True
            i = text.find(w, i + 1)
    return False


# Every English form above holds one of these words (case as written): the detector skips ``english`` for a text
# that holds none (its batch-wide cue scan knows that already).
ENGLISH_CUES = ("USN", "USS", "USC", "Box", "box", "Suite", "Ste", "Apt", "Unit", "Flat", "fpo")


def english(text: str, out: list[tuple[int, int]]) -> None:
    if (
        "USN" in text or "USS" in text or "USC" in text or "fpo" in text
        or _followed_by_number(text, ("Box", "box"), " \t")
    ):  # fmt: skip
        for regex in (_MILITARY, _MILITARY_ANY_CASE, _PO_BOX):
            for m in regex.finditer(text):
                out.append(m.span())
    if _followed_by_number(text, ("Suite", "Ste", "Apt", "Unit", "Flat"), " \t.#"):
        for m in _UNIT_WORD.finditer(text):
            line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 70)
            head = text[line_start : m.start()]
            unit_opens_line = _LINE_LEAD.fullmatch(head) and line_start > 0
            if unit_opens_line:
                # the unit opens its line ("6639 Canónigo Valiño 70\n Apt. 758"): the street is the line above
                above = max(text.rfind("\n", 0, line_start - 1) + 1, line_start - 71)
                head = text[above : line_start - 1].rstrip() + " "
                line_start = above
            street = _STREET_BEFORE_UNIT.search(head) or _WORD_NUMBER_BEFORE_UNIT.search(head)
            if street and unit_opens_line and not _STREET_LINE_START.search(head, 0, street.start()):
                street = None  # the street must fill the line above, or follow "to", "at", "is", "in", a colon
            end = postal_tail(text, m.end())
            if not street and end > m.end():  # a postcode below ("Top 10 Hotels\nSuite 12" has none)
                street = _name_number_street(head)
            # the street part holds a number and a word: "320 St Marys Rd", "Gesterbyntie 68"
            if street and street.end() - street.start() >= 6 and _HAS_NUMBER.search(street.group()):
                lead = street.group()
                if any(c.isalpha() for c in lead):
                    out.append((line_start + street.start(), end))


_LINE_LEAD = re.compile(r"[ \t>]*")
# a colon or comma, also a list's ", and" ("…, NO 14908, and Ilmalankuja 82 Zachary Cliffs\n Apt. 446"), or the end
# of a sentence ("validate the following? 2456 Rue de Virton 38\n Suite 510")
_STREET_LEADS = r"\A[ \t>]*|(?<![A-Za-z])(?:to|at|is|in)[ \t]+|[:,][ \t]*(?:and[ \t]+)?|(?:[?!]|(?<=[a-z]{2})\.)[ \t]+"
_STREET_LINE_START = re.compile(f"(?:{_STREET_LEADS})\\Z")
_STREET_LEAD = re.compile(_STREET_LEADS)


def _name_number_street(head: str) -> re.Match | None:
    """The name-number street line of ``head`` that starts its line or follows "to", "at", "is", "in", a colon
    (the last one first: "It's in Λεωφόρος Συγγρού 119 Nino Point" starts at Λεωφόρος, not at "It's")."""
    for lead in reversed(list(_STREET_LEAD.finditer(head))):
        street = _NAME_NUMBER_BEFORE_UNIT.match(head, lead.end())
        if street:
            return street
    return None
# a piece of a postal block after the street: a town, a region, a country, a postcode ("Almussafes",
# "Archimandrita Pano, PA 73161", "Spain 97197") on a line of its own or after a comma; short, no sentence
# punctuation
# (a postcode may end it in running text: "\n Iceland 72399 after the show")
_POSTAL_PIECE = re.compile(
    r"(?:\n[ \t>]*,?|,)[ \t]*([A-ZÀ-ÞĀ-ŽΑ-Ω0-9][^\n.!?:;@,]{0,38}?)[ \t]*(?=[\n,.!?;]|\Z|(?<=\d)[ \t])"
)
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_POSTCODE = re.compile(r"(?<![0-9])\d{4,6}(?![0-9])|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")


def _place_words(piece: str) -> bool:
    """Capitalised words, or a short particle between two ("Caxias do Sul", "Črni Vrh nad Idrijo"): a town's name;
    "We met in 1999" is none."""
    words = _WORD.findall(piece)
    return all(
        w[0].isupper() or (len(w) <= 3 and 0 < i < len(words) - 1 and words[i + 1][0].isupper())
        for i, w in enumerate(words)
    )


def postal_tail(text: str, end: int) -> int:
    """Where an address that ends at ``end`` really ends: through the next (at most four) postal pieces when one
    of them holds a postcode, else at ``end``. A postcode is what makes the pieces after a street one address."""
    pos, found = end, end
    for _ in range(4):
        m = _POSTAL_PIECE.match(text, pos)
        if not m or not _place_words(m.group(1)):
            break
        pos = m.end()
        if _POSTCODE.search(m.group(1)):
            found = pos
            break
    return found


# ---------------------------------------------------------------------------------------------- Chinese

ZH_ESTATES = ("小区", "花园", "大厦", "公寓", "家园", "新村", "苑", "园", "广场", "大楼", "社区", "山庄", "公馆", "新城")
# a phase (二期), building, entrance unit, floor or room
_UNIT_PART = f"[A-Za-z0-9０-９一二三四五六七八九十甲乙丙丁东西南北]{{1,5}}(?:栋|幢|座|号楼|号院|单元|楼|层|室|号|户|区|期)"
# building-room written with dashes: 龙江小区3-502, 3-2-502 (building, entrance, room)
_DASHED_ROOM = "[0-9０-９]{1,3}(?:[-－][0-9０-９]{1,2})?[-－][0-9０-９]{3,4}(?![0-9０-９])"
_ZH_ESTATE = re.compile(
    # the name may hold Latin letters: 中关村SOHO大厦
    f"(?:[{_CJK}]{{1,6}}?(?:省|市|区|县|镇|街道))*[{_CJK}][{_CJK}A-Za-z]{{1,9}}?(?:{'|'.join(ZH_ESTATES)})"
    f"((?:[-－—]?{_UNIT_PART}){{1,5}}(?:[0-9０-９]{{2,5}}(?![0-9０-９]))?|{_DASHED_ROOM})"
)
_ESTATE_WORD = re.compile("|".join(ZH_ESTATES))  # any of them: one scan of the text instead of one per word
_ROOM_LIKE = re.compile("室|号楼|单元|栋|幢|座|户|[0-9０-９]{3,4}$")


def chinese(text: str, out: list[tuple[int, int]], trim_start) -> None:
    """``trim_start(text, start, end)`` moves a start past a leading verb or pronoun (the detector's rule)."""
    if not _ESTATE_WORD.search(text) or not any(w in text for w in ("室", "栋", "幢", "座", "号楼", "单元", "户", "-", "－")):
        return
    for m in _ZH_ESTATE.finditer(text):
        units = m.group(1)
        parts = re.findall(_UNIT_PART, units)
        # a building and a room ("3栋502室"), or a room or building number alone after a building name
        if len(parts) < 2 and not _ROOM_LIKE.search(m.group()):
            continue
        start = trim_start(text, m.start(), m.end())
        if m.end() - start >= 6:
            out.append((start, m.end()))

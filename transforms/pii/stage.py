"""Personal-information de-identification control (stage ``pii``).

Detects personal information with :mod:`transforms.pii.detectors` and replaces every span by slicing
(presidio-anonymizer's engine is ~9× slower on the bench's documents with PII: 22 vs 2.5 µs per document;
its *operators* are reused for mask and encrypt).
Modes per entity type:

* ``redact``    — a type tag, ``<CN_RESIDENT_ID>``;
* ``mask``      — all but the last ``mask_keep_last`` characters become ``*``;
* ``pseudonym`` — ``<EMAIL_ADDRESS_1a2b3c4d5e6f>``: HMAC-SHA256 of the value under the key, the same
  value gives the same token across the corpus and across runs;
* ``surrogate`` — a synthetic, format-valid value (checksum-valid IDs/cards, plausible names,
  phones, addresses in the original's language), deterministic per value under the key;
* ``encrypt``   — ``<ENC:EMAIL_ADDRESS:…>``, AES-CBC via presidio's Encrypt operator; reversible
  with :func:`decrypt_text` and the key.

The key comes from an environment variable (``key_env``, default ``DATASTEWARD_PII_KEY``), never from
the config; only the variable's name is pickled into the pipeline, and workers read it in ``setup``.
Sub-keys for pseudonyms, surrogates and encryption are derived from it with HMAC so one secret serves
all modes without reusing key material.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections import Counter
from typing import Literal

from pydantic import field_validator, model_validator

from transforms.core.records import Batch, map_strings, meta_strings
from transforms.core.registry import register_stage
from transforms.core.spans import with_recurrences
from transforms.core.stage import KEEP, Control, ControlStage, Decision, KeyValueError, StageConfig, count
from transforms.pii import detectors as det
from transforms.pii import surrogates as pii_surrogates

STAGE = "pii"
DEFAULT_KEY_ENV = "DATASTEWARD_PII_KEY"
Mode = Literal["redact", "mask", "pseudonym", "surrogate", "encrypt"]
KEYED_MODES = frozenset({"pseudonym", "surrogate", "encrypt"})
# Surrogates that are checksum-valid on purpose: the residual re-scan and the publish gate cannot tell
# them from real identifiers (IP surrogates use documentation ranges and are exempt).
CHECKSUM_SURROGATES = frozenset(det.STRUCTURED_TYPES) - {det.IP_ADDRESS}

_ENC_TOKEN = re.compile(r"<ENC:([A-Z_]+):([a-p]+)>")
# Tokens carry no digits, so no pseudonym or ciphertext can read as a phone, card or ID number to the
# residual scan and the publish gate: the HMAC digest and the ciphertext bytes are written as hex with
# the letters a-p for the sixteen nibbles.
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_LETTERS_TO_HEX = str.maketrans("abcdefghijklmnop", "0123456789abcdef")


class PiiKeyError(KeyValueError):
    """A mode that needs the key is configured but the key's environment variable is not set. It names
    ``key_env``, so a job's error reads ``stages[3] (pii).key_env: …``; it never holds the key itself."""

    def __init__(self, message: str):
        super().__init__("key_env", message)


def load_key(env_var: str) -> bytes:
    value = os.environ.get(env_var, "")
    if len(value) < 16:
        raise PiiKeyError(
            f"environment variable {env_var} must hold the de-identification key (at least 16 characters)"
            f" for modes {', '.join(sorted(KEYED_MODES))}"
            + ("" if not value else f"; it has {len(value)}")
        )
    return value.encode()


def _subkey(key: bytes, purpose: str) -> bytes:
    return hmac.new(key, purpose.encode(), hashlib.sha256).digest()


def _presidio_operators():
    """presidio-anonymizer's operators, imported by the jobs that mask or encrypt: the package's import also
    loads presidio-analyzer and spaCy (≈ 0.65 CPU s, a tenth of a real-100k run's CPU outside its kernels)."""
    from presidio_anonymizer import operators

    return operators


class Anonymiser:
    """Replaces detected spans, one mode per entity type. Keyed modes need ``key``."""

    def __init__(self, modes: dict[str, str], mask_keep_last: int = 4, key: bytes | None = None):
        self.modes = modes
        self.mask_keep_last = mask_keep_last
        needs_key = KEYED_MODES & set(modes.values())
        if needs_key and key is None:
            raise PiiKeyError(f"modes {', '.join(sorted(needs_key))} need a key")
        # keyed once; each pseudonym copies it (hmac.new per span would derive the padded-key states again)
        self._pseudonym_mac = hmac.new(_subkey(key, "pseudonym") if key else b"", digestmod=hashlib.sha256)
        self._surrogate_key = _subkey(key, "surrogate") if key else b""
        self._aes_key = _subkey(key, "encrypt") if key else b""
        used = set(modes.values())
        # each redacted type's token, made once by ``replacement`` (called per span it cost ≈ 0.5 µs of a redacted
        # span's ≈ 1.5)
        self._redacted = {e: self.replacement(e, "") for e in det.ENTITY_TYPES if modes.get(e, "redact") == "redact"}
        self._mask = _presidio_operators().Mask() if "mask" in used else None
        self._encrypt = _presidio_operators().Encrypt() if "encrypt" in used else None

    def replacement(self, entity: str, value: str) -> str:
        mode = self.modes.get(entity, "redact")
        if mode == "redact":
            return f"<{entity}>"
        if mode == "mask":
            keep = self.mask_keep_last if len(value) > 2 * self.mask_keep_last else 0
            return self._mask.operate(value, {"masking_char": "*", "chars_to_mask": len(value) - keep, "from_end": False})
        if mode == "pseudonym":
            mac = self._pseudonym_mac.copy()
            mac.update(f"{entity}\x1f{value}".encode())
            digest = mac.hexdigest()
            return f"<{entity}_{digest[:12].translate(_HEX_TO_LETTERS)}>"
        if mode == "surrogate":
            return pii_surrogates.surrogate(self._surrogate_key, entity, value)
        if mode == "encrypt":
            cipher = base64.urlsafe_b64decode(self._encrypt.operate(value, {"key": self._aes_key}))
            return f"<ENC:{entity}:{cipher.hex().translate(_HEX_TO_LETTERS)}>"
        raise ValueError(f"unknown mode {mode!r}")

    def apply(self, text: str, spans: list[det.Span]) -> tuple[str, list[tuple[int, int]]]:
        """The anonymised text and the (start, end) of each replacement in it.

        Built left to right from slices, so offsets stay right when replacements change length."""
        if not spans:
            return text, []
        pieces: list[str] = []
        inserted: list[tuple[int, int]] = []
        cursor = 0
        length = 0
        redacted = self._redacted
        for start, end, entity, _ in spans:
            before = text[cursor:start]
            new = redacted.get(entity) or self.replacement(entity, text[start:end])
            pieces.append(before)
            length += len(before)
            inserted.append((length, length + len(new)))
            pieces.append(new)
            length += len(new)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces), inserted


def decrypt_text(text: str, key: bytes) -> str:
    """Reverse ``encrypt`` mode: every ``<ENC:TYPE:…>`` token back to the original value."""
    aes_key = _subkey(key, "encrypt")
    decrypt = _presidio_operators().Decrypt()

    def plain(m: re.Match) -> str:
        cipher = base64.urlsafe_b64encode(bytes.fromhex(m.group(2).translate(_LETTERS_TO_HEX))).decode()
        return decrypt.operate(cipher, {"key": aes_key})

    return _ENC_TOKEN.sub(plain, text)


class PiiControl(Control):
    """De-identifies personal information (structured identifiers, names, addresses) in record text."""

    stage = STAGE

    def __init__(self, config: "PiiConfig"):
        self.config = config
        self._detects_every_structured_type = set(det.STRUCTURED_TYPES) <= set(config.entities)
        self._detector: det.Detector | None = None
        self._residual: det.Detector | None = None
        self._anonymiser: Anonymiser | None = None

    def setup(self) -> None:
        cfg = self.config
        key = load_key(cfg.key_env) if cfg.needs_key() else None
        self._detector = det.Detector(cfg.entities, cfg.languages, name_model=cfg.name_model)
        self._residual = det.Detector(det.STRUCTURED_TYPES, languages=())
        self._anonymiser = Anonymiser(cfg.effective_modes(), cfg.mask_keep_last, key)

    def decide(self, batch: Batch) -> list[Decision]:
        if self._detector is None:
            self.setup()
        totals: Counter = Counter()
        texts = list(batch.text)
        found = self._detector.detect_batch([t or "" for t in texts])
        # id, url and meta fields are published too: their strings are de-identified the same way
        strings_of = [meta_strings(meta) for meta in batch.meta]
        meta_spans = self._meta_spans(strings_of)
        # per record: (counts, new text, meta counts, new meta, [(de-identified string, its replacements)])
        pending: list[tuple | None] = []
        for text, spans, meta, strings in zip(texts, found, batch.meta, strings_of):
            spans_of = meta_spans
            if spans or any(meta_spans[value] for value in strings):
                spans, spans_of = with_recurrences(text, spans, strings, meta_spans)
            if any(spans_of[value] for value in strings):  # else its meta stays as it is: not rebuilt
                new_meta, meta_counts, replaced = self._deidentify_meta(meta, spans_of)
            else:
                new_meta, meta_counts, replaced = None, Counter(), []
            if not spans and new_meta is None:
                pending.append(None)
                continue
            counts = Counter(s.type for s in spans)
            totals.update(counts + meta_counts)
            new_text = None
            if spans:
                new_text, inserted = self._anonymiser.apply(text, spans)
                replaced.append((new_text, inserted))
            pending.append((counts, new_text, meta_counts, new_meta, replaced))
        checking = self.config.on_residual == "reject"
        # entities that leave out a structured type the publish gate looks for: what no replacement touched is
        # scanned too, or a record holding only such an identifier would be kept and fail the whole run
        untouched = list(zip(texts, strings_of)) if checking and not self._detects_every_structured_type else None
        residuals = self._residuals(pending, untouched) if checking else {}
        in_file_names = self._file_name_identifiers(batch.source_uri) if checking else {}
        decisions: list[Decision] = []
        for i, record in enumerate(pending):
            in_file_name = in_file_names.get(batch.source_uri[i])
            if record is None and not in_file_name and i not in residuals:
                decisions.append(KEEP)
                continue
            counts, new_text, meta_counts, new_meta, _ = record or (Counter(), None, Counter(), None, [])
            detail = {"entities": dict(sorted(counts.items()))}
            if meta_counts:
                detail["meta_entities"] = dict(sorted(meta_counts.items()))
            residual = residuals.get(i)
            if residual or in_file_name:
                if residual:
                    detail["residual"] = dict(sorted(residual.items()))
                if in_file_name:
                    detail["file_name"] = in_file_name
                decisions.append(
                    Decision.reject(
                        rule="pii.residual_identifier",
                        clause="6.1.7",
                        risk_level="considerable",
                        category="personal_information",
                        reason="residual_personal_information",
                        detail=detail,
                    )
                )
                continue
            decisions.append(Decision("modify", detail=detail, text=new_text, meta=new_meta, tags=("pii:deidentified",)))
        for entity, n in totals.items():
            count(STAGE, f"entity:{entity}", n)
        return decisions

    def _meta_spans(self, strings: list[list[str]]) -> dict[str, list[det.Span]]:
        """The spans of every distinct meta string of a batch (``strings``: each record's), from one ``detect_batch``
        call: the cue scan and name taggers run once over them all instead of once per string (and a value
        repeated across records, such as a source's licence URL, is detected once)."""
        distinct = list(dict.fromkeys(value for values in strings for value in values))
        return dict(zip(distinct, self._detector.detect_batch(distinct)))

    def _deidentify_meta(
        self, meta: dict, spans_of: dict[str, list[det.Span]]
    ) -> tuple[dict | None, Counter, list[tuple[str, list[tuple[int, int]]]]]:
        """(meta with every string value de-identified, or None when nothing was found; entity counts;
        each de-identified string with its replacements, for the residual scan). Values at any depth are
        checked: lists and nested objects included."""
        counts: Counter = Counter()
        replaced: list[tuple[str, list[tuple[int, int]]]] = []

        def clean(value: str) -> str:
            spans = spans_of.get(value)
            if not spans:
                return value
            counts.update(s.type for s in spans)
            new, inserted = self._anonymiser.apply(value, spans)  # per occurrence: encrypt is not deterministic
            replaced.append((new, inserted))
            return new

        cleaned = map_strings(meta, clean)
        return (cleaned if counts else None), counts, replaced

    def _file_name_identifiers(self, uris: list[str]) -> dict[str, dict[str, int]]:
        """Per distinct file of a batch, the structured identifiers in its name: a record is published with
        its file's name (``source_uri``), which the publish gate scans and no operator can de-identify."""
        distinct = list(dict.fromkeys(uris))
        found = self._residual.detect_batch(distinct)
        return {uri: dict(sorted(Counter(s.type for s in spans).items())) for uri, spans in zip(distinct, found) if spans}

    def _residuals(self, pending: list[tuple | None], originals: list[tuple] | None = None) -> dict[int, Counter]:
        """Per record index, the structured identifiers not wholly inside a replacement in its de-identified
        text and meta strings, from one residual ``detect_batch`` call over the whole batch. ``originals``
        (each record's text and meta strings): its strings that no replacement touched are scanned as well."""
        strings = [(i, new, inserted) for i, record in enumerate(pending) if record for new, inserted in record[4]]
        for i, (record, (text, values)) in enumerate(zip(pending, originals or ())):
            replaced = {new for new, _ in record[4]} if record else set()
            final_text = record[1] if record and record[1] is not None else text
            final_values = meta_strings(record[3]) if record and record[3] is not None else values
            strings.extend((i, value, []) for value in (final_text or "", *final_values) if value not in replaced)
        found = self._residual.detect_batch([new for _, new, _ in strings])
        residuals: dict[int, Counter] = {}
        for (i, _, inserted), spans in zip(strings, found):
            # a replacement's own output is no residual, but an identifier it makes with its neighbours is (a surrogate
            # house number after an id's digits reads as a phone number to the publish gate)
            left = [s.type for s in spans if not any(a <= s.start and s.end <= b for a, b in inserted)]
            if left:
                residuals.setdefault(i, Counter()).update(left)
        return residuals


@register_stage(STAGE)
class PiiConfig(StageConfig):
    """``stages: - stage: pii``; see docs/pii.md."""

    stage: Literal["pii"] = "pii"
    entities: list[str] = list(det.ENTITY_TYPES)  # which types are detected and replaced
    languages: list[Literal["en", "zh"]] = ["en", "zh"]  # contextual name/address detectors to run
    name_model: bool = True  # the shipped name taggers (names.py); false: cue-word names only (faster)
    default_mode: Mode = "redact"
    modes: dict[str, Mode] = {}  # per-entity override of default_mode
    mask_keep_last: int = 4
    key_env: str = DEFAULT_KEY_ENV  # name of the environment variable holding the key, never the key
    on_residual: Literal["keep", "reject"] = "reject"

    @field_validator("entities", "modes")
    @classmethod
    def _known_entities(cls, value: list[str] | dict[str, str]) -> list[str] | dict[str, str]:
        unknown = sorted(set(value) - set(det.ENTITY_TYPES))  # the entities listed, or those `modes` sets
        if unknown:
            raise ValueError(f"unknown entity types {unknown} (known: {', '.join(det.ENTITY_TYPES)})")
        return value

    @field_validator("mask_keep_last")
    @classmethod
    def _non_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("mask_keep_last must be ≥ 0")
        return value

    @field_validator("key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("key_env must be the name of an environment variable, not a key")
        return value

    @model_validator(mode="after")
    def _surrogates_vs_residual(self) -> "PiiConfig":
        clash = sorted(
            e for e, m in self.effective_modes().items() if m == "surrogate" and e in CHECKSUM_SURROGATES
        )
        if clash and self.on_residual == "reject":
            raise ValueError(
                f"modes: surrogate for {', '.join(clash)} makes checksum-valid identifiers that the residual"
                " re-scan and the publish gate reject; use pseudonym/redact/mask for them or on_residual: keep"
            )
        return self

    def effective_modes(self) -> dict[str, str]:
        return {e: self.modes.get(e, self.default_mode) for e in self.entities}

    def needs_key(self) -> bool:
        return bool(KEYED_MODES & set(self.effective_modes().values()))

    def create(self) -> ControlStage:
        if self.needs_key():
            load_key(self.key_env)  # fail at stage creation, not on the first record
        return ControlStage(PiiControl(self))


count_structured_identifiers = det.count_structured_identifiers

"""The rejects table's ``preview``: the start of a rejected record's text, de-identified.

Computed where a control rejects a record (:func:`transforms.core.stage.apply_control`; in a pipeline,
for many of a worker's batches at once: :class:`transforms.core.stage.ControlFn`), so every control's
rejects get one without doing anything; ingest rejects have no text to preview.

Rejects never store raw text. A reviewer checking a possible false positive still needs to see what
the record was about, so each reject where text exists carries its first ~200 characters after every
personal identifier (the pii package's detectors, structured and contextual, EN and ZH) and every
credential (the credentials control's scanner) has been replaced by its type, e.g. ``<EMAIL_ADDRESS>``.
A value the detectors find in the record's meta (its title, author, id or url) is replaced wherever it
recurs in the text too, as the pii stage does: a bare name there has no context to be found by.
Records rejected as classified carry no preview at all: a marked secret is not copied anywhere.
"""
from __future__ import annotations

from typing import Sequence

from transforms.core.records import meta_strings
from transforms.core.spans import with_recurrences

PREVIEW_CHARS = 200
# The text is redacted before it is cut, so an identifier is never cut in half and missed. Most
# records are shorter than the window and are redacted whole; a longer one is cut at a space well
# past the preview, and redacted whole if redaction shrank the window close to the preview's length.
# 1,000 characters (five previews) leave every detector's context around the preview intact: on 4,000
# real-100k documents the previews were the same as with 8,000, at 128 instead of 185 µs per record.
WINDOW_CHARS = 1000
NO_PREVIEW_CATEGORIES = frozenset({"classified"})

_scanners: dict = {}


def _detectors():
    if not _scanners:
        from transforms.content.credentials import CredentialScanner, credential_candidates
        from transforms.pii.detectors import Detector

        _scanners["pii"] = Detector()
        _scanners["credentials"] = CredentialScanner()
        _scanners["credential_candidates"] = credential_candidates
    return _scanners["pii"], _scanners["credentials"]


def _redact(text: str, pii_spans=None, may_hold_credential: bool = True, meta=((), {})) -> str:
    """``text`` with every identifier and credential replaced by its type; ``pii_spans``: the PII
    detector's spans of ``text`` when already found (a batch of texts is detected at once);
    ``may_hold_credential`` False when the credentials gate already cleared ``text``; ``meta``: the
    record's meta strings and the PII detector's spans of each, whose values are replaced in ``text`` too."""
    pii, credentials = _detectors()
    found = pii.detect(text) if pii_spans is None else pii_spans
    strings, spans_of = meta
    spans = [(s.start, s.end, s.type) for s in with_recurrences(text, found, strings, spans_of)[0]]
    if may_hold_credential:
        spans += [(start, end, f"CREDENTIAL:{kind}") for kind, start, end in credentials.scan(text)]
    spans.sort()
    parts, last = [], 0
    for start, end, kind in spans:
        if start < last:  # overlapping finds: extend the replaced region
            if end > last:
                last = end
            continue
        parts += [text[last:start], f"<{kind}>"]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _window(text: str) -> str:
    if len(text) <= WINDOW_CHARS:
        return text
    cut = text.rfind(" ", WINDOW_CHARS // 2, WINDOW_CHARS)
    return text[: cut if cut > 0 else WINDOW_CHARS]


def _finish(text: str, window: str, redacted: str, meta=((), {})) -> str:
    if len(redacted) < PREVIEW_CHARS + 20 and len(window) < len(text):
        redacted = _redact(text, meta=meta)  # the window shrank a lot when redacted: redact the whole text
    flat = " ".join(redacted.split())  # newlines and runs of spaces: one space
    if len(flat) <= PREVIEW_CHARS and len(window) == len(text):
        return flat
    return flat[:PREVIEW_CHARS] + "…"


def redacted_preview(text: str | None, category: str = "", meta: dict | None = None) -> str | None:
    """First ~200 characters of ``text`` with personal data and credentials replaced by their type; ``meta``:
    the record's, whose personal values are replaced in the text too."""
    return redacted_previews([text], [category], [meta])[0]


def redacted_previews(
    texts: Sequence[str | None], categories: Sequence[str], metas: Sequence[dict | None] | None = None
) -> list[str | None]:
    """:func:`redacted_preview` of each text (``metas``: each record's meta): the PII detector runs once
    over all their windows and distinct meta strings (its Chinese name tagger is a batch kernel: one call
    per reject cost ≈ 0.4 ms, most of a batch's preview time)."""
    wanted = [i for i, (text, category) in enumerate(zip(texts, categories)) if text and category not in NO_PREVIEW_CATEGORIES]
    out: list[str | None] = [None] * len(texts)
    if not wanted:
        return out
    windows = [_window(texts[i]) for i in wanted]
    strings_of = [meta_strings(metas[i]) for i in wanted] if metas else [[] for _ in wanted]
    distinct = list(dict.fromkeys(value for strings in strings_of for value in strings))
    pii, _ = _detectors()
    found = pii.detect_batch(windows + distinct)
    spans_of = dict(zip(distinct, found[len(windows) :]))
    # the credentials stage's own gate: a window it passes over holds no credential to scan for
    candidates = set(_scanners["credential_candidates"](windows))
    for k, (i, window, spans, strings) in enumerate(zip(wanted, windows, found, strings_of)):
        meta = (strings, spans_of)
        out[i] = _finish(texts[i], window, _redact(window, spans, k in candidates, meta), meta)
    return out

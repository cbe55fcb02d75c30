"""Reading one input file into records: format detection, streaming decompression in bounded steps
with end-of-stream checks, text encodings, line splitting with a size cap, and per-format parsing
where every bad record becomes a reject and the file reads on.

Record reasons: ``invalid_utf8``, ``invalid_unicode``, ``invalid_json``, ``too_deep``,
``not_an_object``, ``missing_text``, ``wrong_type``, ``blank_text``, ``oversized_record``,
``malformed_row``, ``unreadable_record`` (anything else one record raised). File reasons, after the
records read before the break: ``truncated_archive``, ``corrupt_archive``, ``decompression_limit``,
``invalid_json`` (a JSON array file), ``unreadable_file``. A UTF-8 byte order mark is skipped; UTF-16/32 files with a mark, and files in a
source's declared ``encoding``, are read as text.

Beam-free; files are read through :mod:`transforms.core.storage` (local paths and object-store URIs);
:mod:`transforms.ingest.stage` wraps it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import glob
import hashlib
import itertools
import json
import os
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import zstandard
from transforms.core import storage
from transforms.core.records import content_sha256, lineage_entry, record_id, reject_row, to_json


STAGE = "ingest"
CLAUSE = "6.1.4"  # data sources must be clear: every input is accounted for
FILES = "files"
_CHUNK = 1 << 20


class FileBroken(Exception):
    """The file cannot be read further: one file-level reject with this reason, after the records read."""

    reason = "unreadable_file"


class TruncatedArchive(FileBroken):
    reason = "truncated_archive"


class CorruptArchive(FileBroken):
    reason = "corrupt_archive"


class DecompressionLimit(FileBroken):
    reason = "decompression_limit"


class BrokenJsonArray(FileBroken):
    reason = "invalid_json"


@dataclass(frozen=True)
class Limits:
    """How far a compressed file may inflate before it is stopped as a ``decompression_limit`` reject."""

    max_decompressed_bytes: int = 16 << 30
    max_ratio: float = 200.0  # decompressed / compressed, checked once RATIO_FLOOR bytes came out
    ratio_floor: int = 32 << 20

    def check(self, decompressed: int, compressed: int) -> None:
        if decompressed > self.max_decompressed_bytes:
            raise DecompressionLimit(f"inflated past max_decompressed_bytes ({self.max_decompressed_bytes:,})")
        if decompressed > self.ratio_floor and decompressed > self.max_ratio * max(compressed, 1):
            raise DecompressionLimit(
                f"compression ratio over max_compression_ratio {self.max_ratio:g} "
                f"({decompressed:,} bytes from {compressed:,})"
            )


@dataclass(frozen=True)
class InputFile:
    source: str
    path: str  # absolute path or URI, as the storage layer reads it
    uri: str  # the file as the manifest and rejects name it (absolute path or URI)
    format: str
    size: int
    rel: str | None = None  # path relative to the source root (the non-wildcard prefix of its glob)

    @property
    def id_path(self) -> str:
        """What record ids are derived from: never the working directory or where the corpus lives."""
        return self.rel if self.rel is not None else self.uri


def infer_format(path: str) -> str | None:
    name = path.lower()
    for suffix, fmt in (
        (".jsonl.gz", "jsonl.gz"),
        (".json.gz", "json.gz"),
        (".jsonl.zst", "jsonl.zst"),
        (".json.zst", "json.zst"),
        (".jsonl", "jsonl"),
        (".json", "json"),
        (".ndjson", "jsonl"),
        (".parquet", "parquet"),
        (".csv", "csv"),
        (".txt", "text"),
        (".md", "text"),
    ):
        if name.endswith(suffix):
            return fmt
    return None


def expand_sources(sources, output_dir: str | None = None) -> list[InputFile]:
    """Match every source's globs now, on the driver: a source that matches nothing is a config error.

    Globs must be absolute paths or URIs by now (the config loader resolves relative ones against
    the config file's folder); a relative one is taken relative to the working directory. Each file
    is named for ids by its path relative to its glob's non-wildcard prefix (the source root).
    Files under ``output_dir`` are the job's own dataset, rejects and staging, never its input (a glob
    such as ``data/**/*.parquet`` with ``output.dir: data/out`` read the previous run's files again).
    """
    own = storage.join(storage.resolve(output_dir, os.getcwd()), "") if output_dir else None
    files: list[InputFile] = []
    for source in sources:
        matched: dict[str, tuple[int, str]] = {}
        for pattern in source.paths:
            pattern = storage.resolve(pattern, os.getcwd())
            root = storage.glob_root(pattern)
            for location, size in storage.glob(pattern):
                if own is None or not location.startswith(own):
                    matched.setdefault(location, (size, storage.relative_to(location, root)))
            for location in _broken_links(pattern, set(matched)):
                matched.setdefault(location, (0, storage.relative_to(location, root)))
        if not matched:
            folders = [path for path in source.paths if storage.is_dir(path)]
            hint = f" ({folders[0]} is a folder: name its files with a glob such as {storage.join(folders[0], '*')})" if folders else ""
            if any("[" in path for path in source.paths):
                hint += " ([...] in a glob is a character class: write [[] for a literal [)"
            raise FileNotFoundError(f"source {source.name!r}: no files match {', '.join(source.paths)}{hint}")
        for location in sorted(matched):
            size, rel = matched[location]
            fmt = source.format or infer_format(location)
            if fmt is None:
                raise ValueError(f"source {source.name!r}: cannot infer the format of {location}; set `format`")
            files.append(InputFile(source.name, location, location, fmt, size, rel))
    return files


# How much of a file head_fields reads: enough records to meet the usual fields, little enough for a dry run
_HEAD_RECORDS = 100
_HEAD_BYTES = 1 << 20


def head_fields(file: InputFile, source) -> list[str] | None:
    """The field names at the head of ``file``, as the run will read them: a CSV header, the keys of the first
    JSON records (up to _HEAD_RECORDS or _HEAD_BYTES), a Parquet schema. None for a text file and for a head that
    does not read, which the run rejects with its reason."""
    fmt = file.format
    if fmt == "text":
        return None
    try:
        if fmt == "parquet":
            with storage.open_input_file(file.path) as handle:
                return pq.ParquetFile(handle).schema_arrow.names
        codec = {"gz": "gz", "zst": "zst"}.get(fmt.rsplit(".", 1)[-1])
        with contextlib.closing(HashingReader(file.path).chunks()) as chunks:
            _, data = _as_utf8(_decompress(chunks, codec, Limits()), source.encoding)
            if fmt == "csv":
                return next(csv.reader(_PushbackLines(_lines(data, _HEAD_BYTES)), delimiter=source.csv_delimiter), None)
            if not fmt.startswith("jsonl"):
                opening, data = _first_non_space(data)
                if opening == b"[":
                    return _first_keys((item, len(raw)) for item, raw, _ in _JsonArrayItems(data, _HEAD_BYTES))
            return _first_keys(_parsed_lines(data))
    except (OSError, ValueError, csv.Error, FileBroken):
        return None


def field_problems(file: InputFile, source) -> list[tuple[str, str]]:
    """(config key, why) for each field ``source`` names that the head of ``file`` says its records will not have
    (none when it cannot tell): ``text_field``, ``id_field`` and ``url_field`` anywhere, each of ``meta_fields``
    where the head is a schema (a CSV header, a Parquet schema: JSON records may leave an optional field out).
    Each names the file and the fields it does have. Names that do not look like field names (a CSV whose first
    line is a record, a JSON object keyed by data) are counted, not quoted: the line must not carry data."""
    fields = head_fields(file, source)
    if fields is None:
        return []
    schema = file.format in ("csv", "parquet")
    named = [("text_field", source.text_field), ("id_field", source.id_field), ("url_field", source.url_field)]
    named += [("meta_fields", field) for field in source.meta_fields] if schema else []
    missing = [(key, name) for key, name in named if name and name not in fields]
    if not missing:
        return []
    what, has = ("a column", "its columns") if schema else ("a key of the first records", "their keys")
    shown = [f for f in fields if _FIELD_NAME.fullmatch(f) or f in _TEXT_FIELD_NAMES]
    listed = ", ".join(shown) or "none shown"
    if hidden := len(fields) - len(shown):
        listed += f"; {hidden} more that do not look like field names (is the first line a header?)"
    problems = []
    for key, name in missing:
        close = difflib.get_close_matches(name, shown, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append((key, f"source {source.name!r}: {name!r} is not {what} of {file.uri} ({has}: {listed}{hint})"))
    return problems


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")


def _parsed_lines(data: Iterator[bytes]) -> Iterator[tuple[Any, int]]:
    """(value, bytes) of each JSON line that parses; the run rejects the others one by one."""
    for _, _, line, length in _lines(data, _HEAD_BYTES):
        try:
            yield (_loads(line.decode("utf-8")) if line and line.strip() else None), length
        except (ValueError, RecursionError):
            yield None, length


def _first_keys(items: Iterator[tuple[Any, int]]) -> list[str] | None:
    """The keys of the objects among the first items, in order of first appearance; None when none is an object."""
    keys: dict[str, None] = {}
    objects = read = 0
    try:
        for item, size in items:
            if isinstance(item, dict):
                keys.update(dict.fromkeys(item))
                objects += 1
            read += size
            if objects >= _HEAD_RECORDS or read >= _HEAD_BYTES:
                break
    except FileBroken:  # the items before the break are the head
        pass
    return list(keys) if objects else None


def _broken_links(pattern: str, matched: set[str]) -> list[str]:
    """Symlinks a local glob matches that the file-system match drops without a word (loops, dangling
    targets): they are input the operator pointed at, so they become ``unreadable_file`` rejects instead."""
    if "://" in pattern:
        return []
    return [
        os.path.abspath(path)
        for path in sorted(glob.glob(pattern))
        if os.path.islink(path) and not os.path.exists(path) and os.path.abspath(path) not in matched
    ]


def detect_cjk_lang(text: str) -> str | None:
    """'zh', 'ja' or 'ko' when the text is written mostly in that script; None otherwise.

    Only the script is looked at: a cheap, reliable signal that controls use to pick tokenisers
    and models. Latin-script languages are left to controls that need them.
    """
    sample = text[:512]  # enough characters to tell the script
    if sample.isascii():
        return None
    codes = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    han, kana, hangul, latin = np.bincount(_script_classes().take(codes), minlength=5).tolist()[1:]
    letters = han + kana + hangul + latin
    if not letters:
        return None
    if kana / letters > 0.1:
        return "ja"
    if hangul / letters > 0.3:
        return "ko"
    if han / letters > 0.3:
        return "zh"
    return None


@lru_cache(maxsize=1)
def _script_classes() -> np.ndarray:
    """Per code point: 1 Han (CJK unified ideographs and extension A), 2 kana, 3 Hangul syllables, 4 ASCII letter, 0 other
    (one table look-up and one count per text instead of a comparison pass per script)."""
    table = np.zeros(0x110000, np.uint8)
    table[0x4E00:0xA000] = table[0x3400:0x4DC0] = 1
    table[0x3040:0x3100] = 2
    table[0xAC00:0xD7B0] = 3
    table[0x41:0x5B] = table[0x61:0x7B] = 4
    return table


class HashingReader:
    """Reads a file's raw bytes in chunks, hashing them on the way (one pass for sha256 and parsing)."""

    def __init__(self, path: str):
        self.path = path
        self.sha256 = hashlib.sha256()
        self.raw_bytes = 0

    def chunks(self) -> Iterator[bytes]:
        with storage.open_input(self.path) as handle:
            while chunk := handle.read(_CHUNK):
                self.sha256.update(chunk)
                self.raw_bytes += len(chunk)
                yield chunk


_GZ_STEP = 1 << 22  # most bytes one inflate step may produce
_GZ_INPUT = 1 << 16  # compressed bytes per gzip step
_ZST_STEP = 1 << 10  # compressed bytes per zstd step: a zstd block (>= 4 bytes) inflates to <= 128 KiB, so <= 32 MiB


def _decompress(chunks: Iterator[bytes], codec: str | None, limits: Limits) -> Iterator[bytes]:
    """Stream-decompress concatenated gzip members or zstd frames in bounded steps.

    Raises TruncatedArchive when the stream ends inside a member/frame, CorruptArchive on bad data
    (after yielding everything decoded before it), DecompressionLimit past ``limits``.
    """
    if codec is None:
        yield from chunks
        return
    gz = codec == "gz"
    new = (lambda: zlib.decompressobj(wbits=31)) if gz else zstandard.ZstdDecompressor().decompressobj
    decoder = new()
    pending = False  # a member/frame has started and not yet ended
    consumed = produced = 0
    step = _GZ_INPUT if gz else _ZST_STEP
    for chunk in chunks:
        view = memoryview(chunk)
        while len(view):
            piece, view = view[:step], view[step:]
            consumed += len(piece)
            while True:
                saved = decoder.copy() if gz else None
                try:
                    out = decoder.decompress(piece, _GZ_STEP) if gz else decoder.decompress(piece)
                except (zlib.error, zstandard.ZstdError) as exc:
                    if saved is not None:  # give out what decodes before the bad byte
                        yield from _inflate_until_error(saved, bytes(piece))
                    raise CorruptArchive(f"corrupt {codec} stream after {produced:,} bytes: {exc}") from None
                pending = True
                if out:
                    produced += len(out)
                    limits.check(produced, consumed)
                    yield out
                if decoder.eof:
                    pending = False
                    rest = decoder.unused_data
                    decoder = new()
                    view = memoryview(bytes(rest) + bytes(view)) if rest else view
                    break
                if gz and decoder.unconsumed_tail:
                    piece = decoder.unconsumed_tail
                    continue
                break
    if pending:
        raise TruncatedArchive(f"{codec} stream ended before its end-of-stream marker (after {produced:,} bytes)")


def _inflate_until_error(decoder, piece: bytes) -> Iterator[bytes]:
    """The output of ``piece`` up to the byte that makes zlib fail, fed one byte at a time (rare path)."""
    for i in range(len(piece)):
        try:
            out = decoder.decompress(piece[i : i + 1], _GZ_STEP)
        except zlib.error:
            return
        if out:
            yield out


_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, None),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _as_utf8(data: Iterator[bytes], declared: str = "utf-8") -> tuple[int, Iterator[bytes]]:
    """(bytes skipped, UTF-8 stream): a UTF-8 byte order mark is skipped; UTF-16/32 (with a mark) and a
    source's ``declared`` encoding (GB18030, Big5, …) are re-encoded as UTF-8 on the fly, so locator
    offsets of such files count UTF-8 bytes. A mark wins over the declared encoding. Anything undecodable
    survives as bytes that fail UTF-8 decoding, i.e. a per-record ``invalid_utf8``."""
    head = b""
    for chunk in data:
        head += chunk
        if len(head) >= 4:
            break
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            break
    else:
        stream = itertools.chain([head] if head else [], data)
        return 0, stream if declared == "utf-8" else _reencoded(stream, declared)  # the config names it as codecs does
    if encoding is None:
        rest = head[len(bom):]
        return len(bom), itertools.chain([rest] if rest else [], data)
    decoder = codecs.getincrementaldecoder(encoding)("surrogatepass")

    def reencoded():
        for chunk in itertools.chain([head[len(bom):]], data):
            yield decoder.decode(chunk).encode("utf-8", "surrogatepass")
        try:
            yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
        except UnicodeDecodeError:  # ends inside a code unit: the last record gets a byte UTF-8 refuses
            yield b"\xff"

    return len(bom), reencoded()


def _first_non_space(data: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """(the stream's first non-whitespace byte, the whole stream): what tells a JSON array from JSON lines."""
    seen = []
    for chunk in data:
        seen.append(chunk)
        if stripped := chunk.lstrip():
            return stripped[:1], itertools.chain(seen, data)
    return b"", iter(seen)


class _JsonArrayItems:
    """(item, its bytes, whether they are UTF-8) for each item of the JSON array a byte stream holds, parsed one
    item at a time with the json module's C scanner; only the current item and one chunk are held. Raises
    :class:`BrokenJsonArray` (no text of the file in its message) where the stream stops being one array."""

    _SPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, data: Iterator[bytes], max_bytes: int):
        self._chunks = _decoded(data)
        self._buffer, self._pos, self._items, self._max_bytes = "", 0, 0, max_bytes
        self._decode = json.JSONDecoder(parse_int=_json_int).raw_decode  # a huge integer would raise ValueError

    def __iter__(self) -> Iterator[tuple[Any, bytes, bool]]:
        self._expect("[", "does not start with '['")
        if self._next_char() == "]":
            self._pos += 1
        else:
            while True:
                yield self._item()
                self._items += 1
                char = self._next_char()
                self._pos += 1
                if char == "]":
                    break
                if char != ",":
                    self._broken("expected ',' or ']'")
        if self._next_char():
            self._broken("holds more than the array")

    def _item(self) -> tuple[Any, bytes, bool]:
        self._next_char()
        while True:
            try:
                value, end = self._decode(self._buffer, self._pos)
            except json.JSONDecodeError:
                value, end = None, -1
            except RecursionError:
                self._broken("an item is nested too deeply to parse")
            # a value that ends the buffer may go on in the next chunk: a number ("12" + "34") or a cut item
            if end == -1 or end == len(self._buffer):
                if len(self._buffer) - self._pos > 4 * self._max_bytes:
                    self._broken(f"item {self._items + 1} is longer than max_record_bytes; its end cannot be found")
                if self._more():
                    continue
                if end == -1:
                    self._broken("invalid JSON")
            text = self._buffer[self._pos : end]
            self._pos = end
            try:
                return value, text.encode("utf-8"), True
            except UnicodeEncodeError:  # a byte UTF-8 refused is a lone surrogate here (surrogateescape)
                return value, text.encode("utf-8", "surrogateescape"), False

    def _next_char(self) -> str:
        """The next non-space character ('' at the end), the position left on it."""
        while True:
            self._pos = self._SPACE.match(self._buffer, self._pos).end()
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def _expect(self, char: str, problem: str) -> None:
        if self._next_char() != char:
            self._broken(problem)
        self._pos += 1

    def _more(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def _broken(self, problem: str):
        raise BrokenJsonArray(f"the JSON array {problem} (after item {self._items})")


def _decoded(data: Iterator[bytes]) -> Iterator[str]:
    """UTF-8 chunks as text; a byte UTF-8 refuses stays itself (``surrogateescape``), so it fails its item only."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    for chunk in data:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _reencoded(data: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """``data`` in ``encoding`` as UTF-8; a byte sequence the encoding refuses is passed on as itself
    (``surrogateescape`` both ways), so only its record fails UTF-8 decoding."""
    decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")
    for chunk in data:
        yield decoder.decode(chunk).encode("utf-8", "surrogateescape")
    yield decoder.decode(b"", final=True).encode("utf-8", "surrogateescape")


# Field names that usually hold a corpus's text: the run names those that records missing the configured text_field
# have. A fixed list, so a note never repeats a field name of the data (a CSV header may be an e-mail address).
_TEXT_FIELD_NAMES = frozenset((
    "text", "content", "body", "document", "article", "passage", "sentence", "review", "comment", "message", "post",
    "raw_content", "abstract", "正文", "内容", "文本", "评论",
))  # fmt: skip


def _reads_as_gb18030_chinese(raw: bytes) -> bool:
    """Whether bytes that are not UTF-8 read as Chinese in GB18030 (the common legacy encoding of Chinese
    corpora, a superset of GBK): nearly all of their non-ASCII characters CJK."""
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    return bool(wide) and sum("\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in wide) >= 0.9 * len(wide)


def _lines(data: Iterator[bytes], max_bytes: int, offset: int = 0) -> Iterator[tuple[int, int, bytes | None, int]]:
    """(line number, byte offset, line bytes or None when longer than max_bytes, length) per line."""
    buffer = bytearray()
    line_no = 0
    oversized = 0  # bytes of an oversized line skipped so far
    for chunk in data:
        buffer += chunk
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            line_no += 1
            if oversized:
                length = oversized + end - start + 1
                yield line_no, offset, None, length
                oversized = 0
            else:
                length = end - start + 1
                line = bytes(buffer[start:end])
                yield line_no, offset, (line if length <= max_bytes else None), length
            offset += length
            start = end + 1
        del buffer[:start]
        if len(buffer) > max_bytes:  # never hold more than one record's worth of an oversized line
            oversized += len(buffer)
            buffer.clear()
    if buffer or oversized:
        line_no += 1
        length = oversized + len(buffer)
        yield line_no, offset, (bytes(buffer) if not oversized and length <= max_bytes else None), length


class Unpublishable(Exception):
    """A parsed value that cannot be published as it is (reason ``too_deep`` or ``invalid_unicode``)."""

    def __init__(self, reason: str, field: str):
        super().__init__(reason)
        self.reason = reason
        self.field = field


_MAX_DEPTH = 128  # nesting a published meta value may have (orjson serialises up to 254 levels)
_INT_RANGE = (-(1 << 63), (1 << 64) - 1)  # what orjson and Arrow's JSON readers hold as a number


def _json_int(digits: str) -> int | str:
    """``parse_int`` for JSON holding an integer longer than the interpreter converts (4,300 digits): a JSON
    line with one, and every JSON array (parsed as a stream, it cannot be retried): integers of more than
    20 digits stay their decimal text."""
    return int(digits) if len(digits) <= 20 else digits


def _publishable(value: Any, field: str, depth: int = 1) -> Any:
    """``value`` as orjson can serialise it: integers outside 64 bits become their decimal text.

    Raises :class:`Unpublishable` for nesting deeper than ``_MAX_DEPTH`` or a lone surrogate (a
    ``\\ud800`` escape in JSON), which no UTF-8 output can hold."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise Unpublishable("invalid_unicode", field) from None
        return value
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if _INT_RANGE[0] <= value <= _INT_RANGE[1] else str(value)
    if depth > _MAX_DEPTH:
        raise Unpublishable("too_deep", field)
    if isinstance(value, dict):
        return {_publishable(str(k), field, depth): _publishable(v, field, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_publishable(v, field, depth + 1) for v in value]
    return value  # dates, decimals, bytes...: to_json writes their text


def _publishable_meta(meta: dict, escapes: bool) -> dict:
    """``meta`` as it can be published. Plain strings and 64-bit integers need no look (a lone
    surrogate can only come from a JSON ``\\ud…`` escape, flagged by ``escapes``); anything else is
    serialised once to find out, and walked only when that fails."""
    if not escapes and all(type(v) is str or (type(v) is int and _INT_RANGE[0] <= v <= _INT_RANGE[1]) for v in meta.values()):
        return meta
    try:
        to_json(meta)
        return meta
    except (TypeError, orjson.JSONEncodeError):  # rare: walk it to say why, or to repair big integers
        return {name: _publishable(value, name) for name, value in meta.items()}


class SourceReader:
    """Turns one input file into records and rejects (plain Python, used by the Beam DoFn).

    Every record is read on its own: whatever one record raises becomes that record's reject and
    the file reads on. Only a broken stream (:class:`FileBroken`) ends the file early.
    """

    def __init__(self, file: InputFile, source, max_bytes: int, run_id: str, limits: Limits = Limits()):
        self.file = file
        self.source = source
        self.max_bytes = max_bytes
        self.run_id = run_id
        self.limits = limits
        self.records = 0
        self.rejects = 0
        self.gb18030_like = 0  # invalid_utf8 rejects whose bytes read as Chinese in GB18030
        self.missing_text = 0  # records without the source's text_field, and the usual text fields they had
        self.text_fields_seen: set[str] = set()
        # one entry shared by the file's records (entries are never mutated): pickled once per batch
        self._keep_entry = lineage_entry(STAGE, "keep", detail={"format": file.format})

    # -- building records and rejects ------------------------------------------------------------

    def _identity(self, locator: str, digest: str) -> dict:
        return {
            "id": record_id(self.file.source, self.file.id_path, locator),
            "source": self.file.source,
            "source_uri": self.file.uri,
            "locator": locator,
            "license": self.source.license,
            "content_sha256": digest,
        }

    def reject(self, locator: str, raw: bytes | str, reason: str, detail: dict | None = None) -> dict:
        self.rejects += 1
        identity = self._identity(locator, content_sha256(raw))
        detail = {"file": self.file.uri, "format": self.file.format, **(detail or {})}
        entry = lineage_entry(STAGE, "reject", rule=reason, clause=CLAUSE, risk_level="low", reason=reason, detail=detail)
        return reject_row(
            identity,
            stage=STAGE,
            rule=reason,
            clause=CLAUSE,
            risk_level="low",
            category="ingest",
            reason=reason,
            detail=detail,
            run_id=self.run_id,
            lineage=[entry],
        )

    def _not_utf8(self, locator: str, raw: bytes) -> dict:
        """An ``invalid_utf8`` reject: the first byte UTF-8 refuses, and the encoding to declare where the
        bytes read as Chinese in GB18030 (also counted, for the run's note on the source)."""
        try:
            raw.decode("utf-8")
            detail: dict[str, Any] = {}
        except UnicodeDecodeError as exc:
            detail = {"byte": exc.start}
        if _reads_as_gb18030_chinese(raw):
            detail["hint"] = "the bytes read as Chinese in GB18030: declare the source's encoding (encoding: gb18030)"
            self.gb18030_like += 1
        return self.reject(locator, raw, "invalid_utf8", detail)

    def record(self, locator: str, fields: dict[str, Any], escapes: bool = False) -> dict | tuple[str, dict]:
        """A record from a parsed row, or (reason, detail) when the row cannot be published.
        ``escapes``: the row came from JSON holding ``\\ud…`` escapes, which may decode to lone surrogates."""
        field = self.source.text_field
        text = fields.get(field)
        if text is None:
            self.missing_text += 1
            self.text_fields_seen.update(_TEXT_FIELD_NAMES.intersection(fields))
            return "missing_text", {"field": field}
        if not isinstance(text, str):
            return "wrong_type", {"field": field, "type": type(text).__name__}
        if not text:
            return "blank_text", {"field": field}
        if escapes and not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                return "invalid_unicode", {"field": field, "char": exc.start}
        meta = {name: fields[name] for name in self.source.meta_fields if fields.get(name) is not None}
        if self.source.id_field and fields.get(self.source.id_field) is not None:
            meta["source_id"] = fields[self.source.id_field]
        if self.source.url_field and fields.get(self.source.url_field) is not None:
            meta["url"] = fields[self.source.url_field]
        try:
            meta = _publishable_meta(meta, escapes)
        except Unpublishable as exc:
            return exc.reason, {"field": exc.field}
        self.records += 1
        return {
            **self._identity(locator, content_sha256(text)),
            "text": text,
            "lang": self.source.lang or detect_cjk_lang(text),
            "meta": meta,
            "tags": [],
            "lineage": [self._keep_entry],
        }

    def _row(self, locator: str, raw: bytes, fields: dict, escapes: bool = False) -> dict:
        made = self.record(locator, fields, escapes)
        if isinstance(made, tuple):
            reason, detail = made
            return self.reject(locator, raw, reason, detail)
        return made

    def _isolated(self, locator: str, raw: bytes | str, read) -> dict | None:
        """``read()`` for one record; anything it raises is that record's ``unreadable_record``.

        The detail names the exception type only: messages can quote the record's content."""
        try:
            return read()
        except Exception as exc:  # noqa: BLE001 - one record must never fail its file
            return self.reject(locator, raw, "unreadable_record", {"error": type(exc).__name__})

    # -- formats ---------------------------------------------------------------------------------

    def read(self, reader: HashingReader) -> Iterator[dict]:
        fmt = self.file.format
        if fmt == "parquet":
            yield from self._parquet(reader)
            return
        codec = {"gz": "gz", "zst": "zst"}.get(fmt.rsplit(".", 1)[-1])
        skipped, data = _as_utf8(_decompress(reader.chunks(), codec, self.limits), self.source.encoding)
        if fmt.startswith("json") and not fmt.startswith("jsonl"):
            opening, data = _first_non_space(data)
            yield from self._json_array(data) if opening == b"[" else self._jsonl(data, skipped)
        elif fmt.startswith("jsonl"):
            yield from self._jsonl(data, skipped)
        elif fmt == "csv":
            yield from self._csv(data, skipped)
        elif fmt == "text":
            yield from self._text(data)
        else:
            raise ValueError(f"unknown format {fmt!r}")

    def _jsonl(self, data: Iterator[bytes], offset: int) -> Iterator[dict]:
        for line_no, offset, line, length in _lines(data, self.max_bytes, offset):
            locator = f"line={line_no};offset={offset}"
            if line is None:
                yield self.reject(locator, b"", "oversized_record", {"bytes": length, "max_bytes": self.max_bytes})
            elif line.strip():
                yield self._isolated(locator, line, lambda: self._json_line(locator, line))

    def _json_line(self, locator: str, line: bytes) -> dict:
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            return self._not_utf8(locator, line)
        try:
            fields = _loads(decoded)
        except json.JSONDecodeError as exc:
            return self.reject(locator, line, "invalid_json", {"error": exc.msg, "column": exc.colno})
        except RecursionError:
            return self.reject(locator, line, "too_deep", {})
        if not isinstance(fields, dict):
            return self.reject(locator, line, "not_an_object", {"type": type(fields).__name__})
        return self._row(locator, line, fields, escapes=b"\\ud" in line or b"\\uD" in line)

    def _json_array(self, data: Iterator[bytes]) -> Iterator[dict]:
        """The items of a JSON array, read as a stream. The file is one JSON document: a syntax error ends
        it after the items before it (one ``invalid_json`` file reject), as does an item too long to find
        its end within ``max_record_bytes``."""
        for item_no, (item, raw, utf8) in enumerate(_JsonArrayItems(data, self.max_bytes), 1):
            locator = f"item={item_no}"
            yield self._isolated(locator, raw, lambda: self._json_item(locator, item, raw, utf8))

    def _json_item(self, locator: str, item: Any, raw: bytes, utf8: bool) -> dict:
        if len(raw) > self.max_bytes:
            return self.reject(locator, b"", "oversized_record", {"bytes": len(raw), "max_bytes": self.max_bytes})
        if not utf8:
            return self._not_utf8(locator, raw)
        if not isinstance(item, dict):
            return self.reject(locator, raw, "not_an_object", {"type": type(item).__name__})
        return self._row(locator, raw, item, escapes=b"\\ud" in raw or b"\\uD" in raw)

    def _csv(self, data: Iterator[bytes], offset: int) -> Iterator[dict]:
        """CSV rows; a row that swallowed the lines after it (an unbalanced quote) is given back:
        its first line becomes a ``malformed_row`` reject and the lines after it are read again."""
        csv.field_size_limit(self.max_bytes)
        lines = _PushbackLines(_lines(data, self.max_bytes, offset))
        reader = csv.reader(lines, delimiter=self.source.csv_delimiter, strict=True)
        header = None
        row_no = 0
        while True:
            lines.start_row()
            try:
                cells, error = next(reader), None
            except StopIteration:
                return
            except csv.Error as exc:
                cells, error = None, str(exc)
            taken = lines.taken
            if not taken:
                return
            if header is None:
                if error is not None or lines.oversized:
                    raise FileBroken(f"unreadable CSV header: {error or 'oversized'}")
                header = cells
                continue
            if not cells and error is None and not lines.oversized:
                continue  # a blank line is not a row
            row_no += 1
            first_line = taken[0][0]
            raw = "\n".join(text for _, text in taken).encode("utf-8", "surrogateescape")
            if lines.oversized or (error is not None and "field larger" in error):
                locator = f"row={row_no};line={taken[-1][0]}"
                yield self.reject(locator, b"", "oversized_record", {"max_bytes": self.max_bytes, "lines": len(taken)})
                continue
            if len(taken) > 1 and (error is not None or len(cells) > len(header)):
                lines.give_back(taken[1:])
                locator = f"row={row_no};line={first_line}"
                yield self.reject(
                    locator, taken[0][1].encode("utf-8", "surrogateescape"), "malformed_row",
                    {"error": error or "more cells than header columns", "hint": "unbalanced quote"},
                )
                continue
            locator = f"row={row_no};line={taken[-1][0]}"
            if error is not None:
                yield self.reject(locator, raw, "malformed_row", {"error": error})
                continue
            yield self._isolated(locator, raw, lambda: self._csv_row(locator, raw, header, cells))

    def _csv_row(self, locator: str, raw: bytes, header: list[str], cells: list[str]) -> dict:
        if any(_has_surrogates(v) for v in cells):
            return self._not_utf8(locator, raw)
        if len(cells) > len(header):
            return self.reject(locator, raw, "malformed_row", {"error": "more cells than header columns"})
        return self._row(locator, raw, dict(zip(header, cells)))

    def _text(self, data: Iterator[bytes]) -> Iterator[dict]:
        content = bytearray()
        size = 0
        for chunk in data:
            size += len(chunk)
            if size <= self.max_bytes:
                content += chunk
        if size > self.max_bytes:
            yield self.reject("file", b"", "oversized_record", {"bytes": size, "max_bytes": self.max_bytes})
            return
        raw = bytes(content)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield self._not_utf8("file", raw)
            return
        yield self._isolated("file", raw, lambda: self._row("file", raw, {self.source.text_field: text}))

    def _parquet(self, reader: HashingReader) -> Iterator[dict]:
        """Parquet rows, reading only the columns a record uses. String columns come back
        dictionary-encoded, so a value stored once and referenced by many rows (a dictionary bomb)
        is measured per row before any row is decoded: oversized rows are rejected undecoded."""
        for _ in reader.chunks():  # fingerprint the file; Parquet itself needs random access
            pass
        source = self.source
        with storage.open_input_file(self.file.path) as handle:
            schema = pq.ParquetFile(handle).schema_arrow
            wanted = [source.text_field, source.id_field, source.url_field, *source.meta_fields]
            columns = list(dict.fromkeys(c for c in wanted if c and c in schema.names))
            strings = [c for c in columns if _is_bytes_like(schema.field(c).type)]
            parquet = pq.ParquetFile(handle, read_dictionary=strings)
            inflated = sum(
                rg.column(i).total_uncompressed_size
                for rg in (parquet.metadata.row_group(g) for g in range(parquet.metadata.num_row_groups))
                for i in range(rg.num_columns)
                if rg.column(i).path_in_schema.split(".")[0] in columns
            )
            self.limits.check(inflated, reader.raw_bytes)
            row_no = 0
            for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH, columns=columns or None):
                sizes = _row_sizes(batch, strings)
                for i, size in enumerate(sizes):
                    row_no += 1
                    locator = f"row={row_no}"
                    if size > self.max_bytes:
                        yield self.reject(locator, b"", "oversized_record", {"bytes": size, "max_bytes": self.max_bytes})
                        continue
                    yield self._isolated(locator, b"", lambda: self._parquet_row(locator, batch, i))

    def _parquet_row(self, locator: str, batch: pa.RecordBatch, i: int) -> dict:
        fields = batch.slice(i, 1).to_pylist()[0]
        return self._row(locator, to_json(fields).encode(), fields)


_PARQUET_BATCH = 256


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer longer than the interpreter converts: keep it as text
        return json.loads(text, parse_int=_json_int)


def _is_bytes_like(type_: pa.DataType) -> bool:
    if pa.types.is_dictionary(type_):
        type_ = type_.value_type
    return pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_binary(type_) or pa.types.is_large_binary(type_)


def _row_sizes(batch: pa.RecordBatch, strings: list[str]) -> list[int]:
    """Bytes each row's string columns hold once decoded (0 for null), without decoding them."""
    total = np.zeros(batch.num_rows, dtype=np.int64)
    for name in strings:
        column = batch.column(name)
        if pa.types.is_dictionary(column.type):
            lengths = pc.binary_length(column.dictionary).to_numpy(zero_copy_only=False)
            indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
            valid = column.is_valid().to_numpy(zero_copy_only=False)
            total += np.where(valid, lengths[indices] if len(lengths) else 0, 0)
        else:
            total += pc.binary_length(column).fill_null(0).to_numpy(zero_copy_only=False)
    return total.tolist()


class _PushbackLines:
    """The physical lines of a CSV file for :func:`csv.reader`, remembering those of the row being
    read, so a row that swallowed its neighbours can give them back to be read again."""

    def __init__(self, lines: Iterator[tuple[int, int, bytes | None, int]]):
        self._lines = lines
        self._back: list[tuple[int, str, bool]] = []
        self.taken: list[tuple[int, str]] = []
        self.oversized = False

    def start_row(self) -> None:
        self.taken = []
        self.oversized = False

    def give_back(self, items: list[tuple[int, str]]) -> None:
        self._back.extend((n, text, False) for n, text in reversed(items))

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._back:
            line_no, text, oversized = self._back.pop()
        else:
            line_no, _, line, _ = next(self._lines)
            oversized = line is None
            text = "" if oversized else line.decode("utf-8", "surrogateescape")
        self.oversized |= oversized
        self.taken.append((line_no, text))
        return text + "\n"


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)

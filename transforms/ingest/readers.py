"""Reading one input file into records: format detection, streaming decompression with end-of-stream
checks, line splitting with a size cap, and per-format parsing where every bad record becomes a reject.

Beam-free; files are read through :mod:`transforms.core.storage` (local paths and object-store URIs);
:mod:`transforms.ingest.stage` wraps it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pyarrow.parquet as pq
import zstandard
from transforms.core import storage
from transforms.core.records import content_sha256, lineage_entry, record_id, reject_row, to_json

STAGE = "ingest"
CLAUSE = "6.1.4"  # data sources must be clear: every input is accounted for
FILES = "files"
_CHUNK = 1 << 20


class TruncatedArchive(Exception):
    pass


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
        (".json.gz", "jsonl.gz"),
        (".jsonl.zst", "jsonl.zst"),
        (".json.zst", "jsonl.zst"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".parquet", "parquet"),
        (".csv", "csv"),
        (".txt", "text"),
        (".md", "text"),
    ):
        if name.endswith(suffix):
            return fmt
    return None


def expand_sources(sources) -> list[InputFile]:
    """Match every source's globs now, on the driver: a source that matches nothing is a config error.

    Globs must be absolute paths or URIs by now (the config loader resolves relative ones against
    the config file's folder); a relative one is taken relative to the working directory. Each file
    is named for ids by its path relative to its glob's non-wildcard prefix (the source root).
    """
    files: list[InputFile] = []
    for source in sources:
        matched: dict[str, tuple[int, str]] = {}
        for pattern in source.paths:
            pattern = storage.resolve(pattern, os.getcwd())
            root = storage.glob_root(pattern)
            for location, size in storage.glob(pattern):
                matched.setdefault(location, (size, storage.relative_to(location, root)))
        if not matched:
            raise FileNotFoundError(f"source {source.name!r}: no files match {', '.join(source.paths)}")
        for location in sorted(matched):
            size, rel = matched[location]
            fmt = source.format or infer_format(location)
            if fmt is None:
                raise ValueError(f"source {source.name!r}: cannot infer the format of {location}; set `format`")
            files.append(InputFile(source.name, location, location, fmt, size, rel))
    return files


def detect_cjk_lang(text: str) -> str | None:
    """'zh', 'ja' or 'ko' when the text is written mostly in that script; None otherwise.

    Only the script is looked at: a cheap, reliable signal that controls use to pick tokenisers
    and models. Latin-script languages are left to controls that need them.
    """
    sample = text[:512]  # enough characters to tell the script
    if sample.isascii():
        return None
    codes = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    han = np.count_nonzero(((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF)))
    kana = np.count_nonzero((codes >= 0x3040) & (codes <= 0x30FF))
    hangul = np.count_nonzero((codes >= 0xAC00) & (codes <= 0xD7AF))
    latin = np.count_nonzero(((codes | 0x20) >= 0x61) & ((codes | 0x20) <= 0x7A))
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


def _decompress(chunks: Iterator[bytes], codec: str | None) -> Iterator[bytes]:
    """Stream-decompress concatenated gzip members or zstd frames; raise TruncatedArchive on a cut stream."""
    if codec is None:
        yield from chunks
        return
    new = (lambda: zlib.decompressobj(wbits=31)) if codec == "gz" else zstandard.ZstdDecompressor().decompressobj
    decoder = new()
    pending = False  # a member/frame has started and not yet ended
    for chunk in chunks:
        while chunk:
            try:
                out = decoder.decompress(chunk)
            except (zlib.error, zstandard.ZstdError) as exc:
                raise TruncatedArchive(f"corrupt {codec} stream: {exc}") from None
            pending = True
            if out:
                yield out
            if decoder.eof:
                pending = False
                chunk = decoder.unused_data
                decoder = new()
            else:
                chunk = b""
    if pending:
        raise TruncatedArchive(f"{codec} stream ended before its end-of-stream marker")


def _lines(data: Iterator[bytes], max_bytes: int) -> Iterator[tuple[int, int, bytes | None, int]]:
    """(line number, byte offset, line bytes or None when longer than max_bytes, length) per line."""
    buffer = bytearray()
    line_no = 0
    offset = 0
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


class SourceReader:
    """Turns one input file into records and rejects (plain Python, used by the Beam DoFn)."""

    def __init__(self, file: InputFile, source, max_bytes: int, run_id: str):
        self.file = file
        self.source = source
        self.max_bytes = max_bytes
        self.run_id = run_id
        self.records = 0
        self.rejects = 0

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

    def record(self, locator: str, fields: dict[str, Any]) -> dict | tuple[str, dict]:
        """A record from a parsed row, or (reason, detail) when the row has no usable text."""
        text = fields.get(self.source.text_field)
        if text is None:
            return "missing_text", {"field": self.source.text_field}
        if not isinstance(text, str):
            return "wrong_type", {"field": self.source.text_field, "type": type(text).__name__}
        if not text:
            return "blank_text", {"field": self.source.text_field}
        meta = {name: fields[name] for name in self.source.meta_fields if fields.get(name) is not None}
        if self.source.id_field and fields.get(self.source.id_field) is not None:
            meta["source_id"] = fields[self.source.id_field]
        if self.source.url_field and fields.get(self.source.url_field) is not None:
            meta["url"] = fields[self.source.url_field]
        self.records += 1
        return {
            **self._identity(locator, content_sha256(text)),
            "text": text,
            "lang": self.source.lang or detect_cjk_lang(text),
            "meta": meta,
            "tags": [],
            "lineage": [lineage_entry(STAGE, "keep", detail={"format": self.file.format})],
        }

    # -- formats ---------------------------------------------------------------------------------

    def read(self, reader: HashingReader) -> Iterator[dict]:
        fmt = self.file.format
        if fmt.startswith("jsonl"):
            codec = {"jsonl.gz": "gz", "jsonl.zst": "zst"}.get(fmt)
            yield from self._jsonl(_decompress(reader.chunks(), codec))
        elif fmt == "csv":
            yield from self._csv(reader.chunks())
        elif fmt == "text":
            yield from self._text(reader.chunks())
        elif fmt == "parquet":
            yield from self._parquet(reader)
        else:
            raise ValueError(f"unknown format {fmt!r}")

    def _jsonl(self, data: Iterator[bytes]) -> Iterator[dict]:
        for line_no, offset, line, length in _lines(data, self.max_bytes):
            locator = f"line={line_no};offset={offset}"
            if line is None:
                yield self.reject(locator, b"", "oversized_record", {"bytes": length, "max_bytes": self.max_bytes})
                continue
            if not line.strip():
                continue
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield self.reject(locator, line, "invalid_utf8", {"byte": exc.start})
                continue
            try:
                fields = json.loads(decoded)
            except json.JSONDecodeError as exc:
                yield self.reject(locator, line, "invalid_json", {"error": exc.msg, "column": exc.colno})
                continue
            if not isinstance(fields, dict):
                yield self.reject(locator, line, "not_an_object", {"type": type(fields).__name__})
                continue
            yield self._row(locator, line, fields)

    def _row(self, locator: str, raw: bytes, fields: dict) -> dict:
        made = self.record(locator, fields)
        if isinstance(made, tuple):
            reason, detail = made
            return self.reject(locator, raw, reason, detail)
        return made

    def _csv(self, chunks: Iterator[bytes]) -> Iterator[dict]:
        # Undecodable bytes survive as surrogates so a bad row can be rejected on its own.
        stream = io.TextIOWrapper(_ChunkStream(chunks), encoding="utf-8", errors="surrogateescape", newline="")
        csv.field_size_limit(self.max_bytes)
        reader = csv.DictReader(stream, delimiter=self.source.csv_delimiter)
        row_no = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                row_no += 1
                locator = f"row={row_no};line={reader.line_num}"
                reason = "oversized_record" if "field larger" in str(exc) else "malformed_row"
                yield self.reject(locator, b"", reason, {"error": str(exc)})
                continue
            row_no += 1
            locator = f"row={row_no};line={reader.line_num}"
            raw = "\x1f".join(v or "" for v in row.values() if isinstance(v, str)).encode("utf-8", "surrogateescape")
            if any(_has_surrogates(v) for v in row.values() if isinstance(v, str)):
                yield self.reject(locator, raw, "invalid_utf8")
                continue
            if None in row:  # more cells than header columns
                yield self.reject(locator, raw, "malformed_row", {"error": "more cells than header columns"})
                continue
            yield self._row(locator, raw, row)

    def _text(self, chunks: Iterator[bytes]) -> Iterator[dict]:
        data = bytearray()
        for chunk in chunks:
            if len(data) + len(chunk) > self.max_bytes:
                size = len(data) + len(chunk) + sum(len(c) for c in chunks)
                yield self.reject("file", b"", "oversized_record", {"bytes": size, "max_bytes": self.max_bytes})
                return
            data += chunk
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield self.reject("file", bytes(data), "invalid_utf8", {"byte": exc.start})
            return
        yield self._row("file", bytes(data), {self.source.text_field: text})

    def _parquet(self, reader: HashingReader) -> Iterator[dict]:
        for _ in reader.chunks():  # fingerprint the file; Parquet itself needs random access
            pass
        with storage.open_input_file(self.file.path) as handle:
            parquet = pq.ParquetFile(handle)
            row_no = 0
            for table in parquet.iter_batches(batch_size=1024):
                for fields in table.to_pylist():
                    row_no += 1
                    locator = f"row={row_no}"
                    text = fields.get(self.source.text_field)
                    if isinstance(text, str) and len(text.encode("utf-8")) > self.max_bytes:
                        yield self.reject(locator, text, "oversized_record", {"max_bytes": self.max_bytes})
                        continue
                    yield self._row(locator, to_json(fields).encode(), fields)


class _ChunkStream(io.RawIOBase):
    """A file-like view of a chunk iterator (for the csv module)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            self._rest = next(self._chunks, None)
            if self._rest is None:
                self._rest = b""
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)

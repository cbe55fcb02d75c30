"""A corpus of hostile and careless inputs for ingest: each kind is one file built in a directory,
with what a correct reader must make of it (the table in docs/CONTRACT.md lists them).

Every kind plants GOOD records before and after the bad part, so a reader that gives up on the
rest of the file after a bad record is caught. ``Kind.expect`` says what ingest must produce:
``kept`` records (exact), ``reasons`` (the multiset of reject reasons, exact), or, for kinds whose
exact outcome depends on the codec (corrupt streams), ``min_kept`` and ``must_reasons``.

Bombs are generated once and cached (a 4 GiB-of-zeros gzip takes a few seconds to build).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

MAX_RECORD_BYTES = 1 << 18  # what the corpus' oversized kinds are sized against (config: ingest.max_record_bytes)
GOOD = 3  # good records before and after the bad part
_WORDS = None


def _words() -> list[str]:
    global _WORDS
    if _WORDS is None:
        rng = random.Random(7)
        _WORDS = ["".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    return _WORDS


def good_text(kind: str, i: int) -> str:
    """A distinct sentence per (kind, i): long enough for quality, far from every other (no dedup hits)."""
    rng = random.Random(f"{kind}/{i}")
    return " ".join(rng.choice(_words()) for _ in range(40)) + "."


def good_rows(kind: str, start: int, n: int = GOOD, text_field: str = "text") -> list[dict]:
    return [{"id": f"{kind}-{i}", text_field: good_text(kind, i), "title": f"t{i}"} for i in range(start, start + n)]


def jsonl_bytes(rows: list[dict]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)


def sandwich(kind: str, bad: bytes, text_field: str = "text") -> bytes:
    """GOOD records, the bad line(s), GOOD records (JSONL)."""
    return jsonl_bytes(good_rows(kind, 0, text_field=text_field)) + bad + jsonl_bytes(good_rows(kind, GOOD, text_field=text_field))


@dataclass
class Kind:
    name: str
    format: str  # jsonl | jsonl.gz | jsonl.zst | json | csv | parquet | text
    build: Callable[[Path], None]  # writes the kind's file(s) into the given directory
    kept: int | None = None  # exact number of records ingest keeps
    reasons: list[str] | None = None  # exact multiset of ingest reject reasons
    min_kept: int | None = None
    must_reasons: list[str] = field(default_factory=list)
    today: str = ""  # what the code before issue 16 did with it
    slow: bool = False  # big to build or read (bombs): slow suite only
    limits: dict = field(default_factory=dict)  # ingest config the kind needs (e.g. a low decompression limit)

    @property
    def suffix(self) -> str:
        return {"text": "txt"}.get(self.format, self.format)

    def path(self, directory: Path) -> Path:
        return directory / f"{self.name}.{self.suffix}"


KINDS: list[Kind] = []


def kind(name, fmt, kept=None, reasons=None, **kw):
    def register(build):
        KINDS.append(Kind(name, fmt, build, kept=kept, reasons=reasons, **kw))
        return build

    return register


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _line(obj_text: str) -> bytes:
    return obj_text.encode() + b"\n"


# ---- JSONL: one bad line between good ones ------------------------------------------------------

def _jsonl_kind(name, bad: bytes, kept=2 * GOOD, reasons=(), **kw):
    kind(name, "jsonl", kept=kept, reasons=list(reasons), **kw)(lambda d, bad=bad, name=name: _write(d / f"{name}.jsonl", sandwich(name, bad)))


_jsonl_kind("jsonl_invalid_json", b'{"id": "x", "text": \n', reasons=["invalid_json"])
_jsonl_kind("jsonl_invalid_utf8", b'{"id": "x", "text": "caf\xe9 au lait"}\n', reasons=["invalid_utf8"])
_jsonl_kind("jsonl_not_an_object", b'["a", "list"]\n', reasons=["not_an_object"])
_jsonl_kind("jsonl_scalar_null", b"null\n", reasons=["not_an_object"])
_jsonl_kind("jsonl_missing_text", b'{"id": "x", "body": "no text field"}\n', reasons=["missing_text"])
_jsonl_kind("jsonl_null_text", b'{"id": "x", "text": null}\n', reasons=["missing_text"])
_jsonl_kind("jsonl_number_text", b'{"id": "x", "text": 42}\n', reasons=["wrong_type"])
_jsonl_kind("jsonl_object_text", b'{"id": "x", "text": {"a": "b"}}\n', reasons=["wrong_type"])
_jsonl_kind("jsonl_blank_text", b'{"id": "x", "text": ""}\n', reasons=["blank_text"])
_jsonl_kind("jsonl_oversized_line", b'{"id": "x", "text": "' + b"y" * (3 * MAX_RECORD_BYTES) + b'"}\n', reasons=["oversized_record"])
_jsonl_kind(
    "jsonl_oversized_meta", b'{"id": "x", "text": "short", "title": "' + b"t" * (2 * MAX_RECORD_BYTES) + b'"}\n', reasons=["oversized_record"]
)
_jsonl_kind(
    "jsonl_surrogate_text",
    b'{"id": "x", "text": "lone \\ud800 surrogate in an otherwise fine sentence"}\n',
    reasons=["invalid_unicode"],
    today="run crashes: UnicodeEncodeError in the dedup spill",
)
_jsonl_kind(
    "jsonl_surrogate_meta",
    b'{"id": "x", "text": "a fine sentence with a bad title field attached", "title": "bad \\udfff"}\n',
    reasons=["invalid_unicode"],
    today="run crashes: TypeError serialising meta",
)
_jsonl_kind(
    "jsonl_nested_100k",
    b'{"id": "x", "text": "deep", "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    kept=2 * GOOD,
    reasons=["too_deep"],
    today="run crashes: RecursionError in the reader",
)
_nested = "{}"
for _ in range(300):
    _nested = '{"a": ' + _nested + "}"
_jsonl_kind(
    "jsonl_meta_nested_300",
    _line('{"id": "x", "text": "a fine sentence whose title nests deeply", "title": ' + _nested + "}"),
    reasons=["too_deep"],
    today="run crashes: orjson recursion limit",
)
_jsonl_kind(
    "jsonl_id_2pow70",
    _line('{"id": ' + str(2**70) + ', "text": "a fine sentence whose id is a very large integer"}'),
    kept=2 * GOOD + 1,
    today="run crashes: integer exceeds 64-bit range",
)
_jsonl_kind(
    "jsonl_int_5000_digits",
    _line('{"id": "x", "text": "a fine sentence next to a huge number", "extra": ' + "7" * 5000 + "}"),
    kept=2 * GOOD + 1,
    today="ValueError -> file-level unreadable_file, the records after it lost",
)
_jsonl_kind(
    "jsonl_meta_int_5000_digits",
    _line('{"id": "x", "text": "a fine sentence with a huge number as title", "title": ' + "9" * 5000 + "}"),
    kept=2 * GOOD + 1,
)
_jsonl_kind("jsonl_nan_meta", _line('{"id": "x", "text": "a fine sentence with a NaN title", "title": NaN}'), kept=2 * GOOD + 1)
_jsonl_kind("jsonl_float_overflow", _line('{"id": "x", "text": "a fine sentence, float overflow", "title": 1e400}'), kept=2 * GOOD + 1)
_jsonl_kind("jsonl_duplicate_keys", _line('{"id": "x", "text": "first", "text": "a fine sentence, the second text wins"}'), kept=2 * GOOD + 1)
_jsonl_kind("jsonl_nul_escape", _line('{"id": "x", "text": "a fine sentence with a \\u0000 NUL in it"}'), kept=2 * GOOD + 1)
_jsonl_kind("jsonl_blank_lines", b"\n   \n\t\n", kept=2 * GOOD)


@kind("jsonl_truncated_last_line", "jsonl", kept=GOOD, reasons=["invalid_json"])
def _(d):
    _write(d / "jsonl_truncated_last_line.jsonl", jsonl_bytes(good_rows("jsonl_truncated_last_line", 0)) + b'{"id": "x", "text": "cut he')


@kind("jsonl_empty_file", "jsonl", kept=0, reasons=[])
def _(d):
    _write(d / "jsonl_empty_file.jsonl", b"")


@kind("jsonl_bom", "jsonl", kept=2 * GOOD, reasons=[], today="first record rejected as invalid_json")
def _(d):
    _write(d / "jsonl_bom.jsonl", b"\xef\xbb\xbf" + sandwich("jsonl_bom", b""))


@kind("jsonl_utf16le", "jsonl", kept=2 * GOOD, reasons=[], today="21 inputs counted for 20 records, all rejected")
def _(d):
    _write(d / "jsonl_utf16le.jsonl", sandwich("jsonl_utf16le", b"").decode().encode("utf-16"))  # BOM + LE


@kind("jsonl_utf16be", "jsonl", kept=2 * GOOD, reasons=[])
def _(d):
    _write(d / "jsonl_utf16be.jsonl", b"\xfe\xff" + sandwich("jsonl_utf16be", b"").decode().encode("utf-16-be"))


@kind("jsonl_crlf", "jsonl", kept=2 * GOOD, reasons=[])
def _(d):
    _write(d / "jsonl_crlf.jsonl", sandwich("jsonl_crlf", b"").replace(b"\n", b"\r\n"))


@kind("jsonl_symlink_loop", "jsonl", kept=0, reasons=["unreadable_file"], today="skipped with no reject")
def _(d):
    link = d / "jsonl_symlink_loop.jsonl"
    if not link.is_symlink():
        os.symlink(link.name, link)  # points at itself


@kind("jsonl_dangling_symlink", "jsonl", kept=0, reasons=["unreadable_file"])
def _(d):
    link = d / "jsonl_dangling_symlink.jsonl"
    if not link.is_symlink():
        os.symlink("does-not-exist.jsonl", link)


# ---- gzip ---------------------------------------------------------------------------------------

def _many(kind_name: str, n: int) -> bytes:
    return jsonl_bytes(good_rows(kind_name, 0, n))


def _decodable_lines(prefix: bytes, codec: str) -> int:
    """How many complete lines a streaming decoder gets out of a cut stream (the oracle)."""
    if codec == "gz":
        out = zlib.decompressobj(wbits=31).decompress(prefix)
    else:
        decoder, out = zstandard.ZstdDecompressor().decompressobj(), b""
        for i in range(0, len(prefix), 4096):
            out += decoder.decompress(prefix[i : i + 4096])
    return out.count(b"\n")


_N_ARCHIVE = 2000  # records in the truncated archives: several zstd blocks


def _cut_archive(codec: str):
    name = f"{codec}_truncated"
    data = _many(name, _N_ARCHIVE)
    packed = gzip.compress(data) if codec == "gz" else zstandard.ZstdCompressor().compress(data)
    return name, packed[: len(packed) // 2]


for _codec in ("gz", "zst"):
    _name, _cut = _cut_archive(_codec)
    kind(
        _name,
        f"jsonl.{_codec}",
        kept=_decodable_lines(_cut, _codec),
        reasons=["truncated_archive"],
        today="truncated gzip keeps 116 of 200, truncated zstd 1 of 200" if _codec == "gz" else "",
    )(lambda d, name=_name, cut=_cut, codec=_codec: _write(d / f"{name}.jsonl.{codec}", cut))


@kind("gz_multi_member", "jsonl.gz", kept=2 * GOOD, reasons=[])
def _(d):
    rows = good_rows("gz_multi_member", 0, 2 * GOOD)
    _write(d / "gz_multi_member.jsonl.gz", gzip.compress(jsonl_bytes(rows[:GOOD])) + gzip.compress(jsonl_bytes(rows[GOOD:])))


@kind("gz_bad_line_inside", "jsonl.gz", kept=2 * GOOD, reasons=["invalid_json"])
def _(d):
    _write(d / "gz_bad_line_inside.jsonl.gz", gzip.compress(sandwich("gz_bad_line_inside", b"{not json\n")))


@kind("gz_corrupt_crc", "jsonl.gz", kept=2 * GOOD, reasons=["corrupt_archive"])
def _(d):
    packed = bytearray(gzip.compress(sandwich("gz_corrupt_crc", b"")))
    packed[-8] ^= 0xFF  # the CRC32 of the trailer
    _write(d / "gz_corrupt_crc.jsonl.gz", bytes(packed))


@kind("gz_corrupt_middle", "jsonl.gz", min_kept=GOOD, must_reasons=["corrupt_archive"])
def _(d):
    data = _many("gz_corrupt_middle", 400)
    packed = bytearray(gzip.compress(data))
    for i in range(len(packed) // 2, len(packed) // 2 + 64):
        packed[i] ^= 0x5A
    _write(d / "gz_corrupt_middle.jsonl.gz", bytes(packed))


@kind("gz_trailing_garbage", "jsonl.gz", kept=2 * GOOD, reasons=["corrupt_archive"])
def _(d):
    _write(d / "gz_trailing_garbage.jsonl.gz", gzip.compress(sandwich("gz_trailing_garbage", b"")) + b"GARBAGE AFTER THE MEMBER")


@kind("gz_not_gzip", "jsonl.gz", kept=0, reasons=["corrupt_archive"])
def _(d):
    _write(d / "gz_not_gzip.jsonl.gz", sandwich("gz_not_gzip", b""))


@kind("gz_empty", "jsonl.gz", kept=0, reasons=[])
def _(d):
    _write(d / "gz_empty.jsonl.gz", b"")


@kind("gz_utf16", "jsonl.gz", kept=2 * GOOD, reasons=[])
def _(d):
    _write(d / "gz_utf16.jsonl.gz", gzip.compress(sandwich("gz_utf16", b"").decode().encode("utf-16")))


# ---- zstd ---------------------------------------------------------------------------------------

@kind("zst_multi_frame", "jsonl.zst", kept=2 * GOOD, reasons=[])
def _(d):
    rows, c = good_rows("zst_multi_frame", 0, 2 * GOOD), zstandard.ZstdCompressor()
    _write(d / "zst_multi_frame.jsonl.zst", c.compress(jsonl_bytes(rows[:GOOD])) + c.compress(jsonl_bytes(rows[GOOD:])))


@kind("zst_skippable_frame", "jsonl.zst", kept=2 * GOOD, reasons=[])
def _(d):
    skippable = (0x184D2A50).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"hello"
    _write(d / "zst_skippable_frame.jsonl.zst", skippable + zstandard.ZstdCompressor().compress(sandwich("zst_skippable_frame", b"")))


@kind("zst_surrogate_text", "jsonl.zst", kept=2 * GOOD, reasons=["invalid_unicode"], today="run crashes (UnicodeEncodeError)")
def _(d):
    data = sandwich("zst_surrogate_text", b'{"id": "x", "text": "another lone \\udc00 low surrogate here"}\n')
    _write(d / "zst_surrogate_text.jsonl.zst", zstandard.ZstdCompressor().compress(data))


@kind("zst_corrupt", "jsonl.zst", kept=0, reasons=["corrupt_archive"])
def _(d):
    packed = bytearray(zstandard.ZstdCompressor().compress(_many("zst_corrupt", 50)))
    packed[4:12] = b"\xff" * 8  # frame header
    _write(d / "zst_corrupt.jsonl.zst", bytes(packed))


@kind("zst_not_zstd", "jsonl.zst", kept=0, reasons=["corrupt_archive"])
def _(d):
    _write(d / "zst_not_zstd.jsonl.zst", sandwich("zst_not_zstd", b""))


@kind("zst_empty", "jsonl.zst", kept=0, reasons=[])
def _(d):
    _write(d / "zst_empty.jsonl.zst", b"")


# ---- CSV ----------------------------------------------------------------------------------------

def csv_bytes(kind_name: str, middle: str, header: str = "id,text,title") -> bytes:
    def row(r):
        return f'{r["id"]},"{r["text"]}",{r["title"]}\r\n'

    before = "".join(row(r) for r in good_rows(kind_name, 0))
    after = "".join(row(r) for r in good_rows(kind_name, GOOD))
    return (header + "\r\n" + before + middle + after).encode()


def _csv_kind(name, middle: str, kept=2 * GOOD, reasons=(), header="id,text,title", **kw):
    kind(name, "csv", kept=kept, reasons=list(reasons), **kw)(
        lambda d, name=name, middle=middle, header=header: _write(d / f"{name}.csv", csv_bytes(name, middle, header))
    )


_csv_kind("csv_extra_cells", 'x,"a fine sentence with one cell too many",t,EXTRA\r\n', reasons=["malformed_row"])
_csv_kind("csv_missing_cells", "x\r\n", reasons=["missing_text"])
_csv_kind("csv_blank_text", 'x,"",t\r\n', reasons=["blank_text"])
_csv_kind("csv_oversized_field", 'x,"' + "z" * (2 * MAX_RECORD_BYTES) + '",t\r\n', reasons=["oversized_record"])
_csv_kind(
    "csv_unbalanced_quote",
    'x,"this quote never closes,t\r\n',
    reasons=["malformed_row"],
    today="merges two rows into one reject",
)
_csv_kind("csv_multiline_field", 'x,"a fine sentence\r\nthat continues on a second line",t\r\n', kept=2 * GOOD + 1)
_csv_kind("csv_escaped_quotes", 'x,"a fine ""quoted"" sentence, with a comma",t\r\n', kept=2 * GOOD + 1)
_csv_kind("csv_text_first_column", "", header="text_first_marker", kept=2 * GOOD)  # replaced below


@kind("csv_invalid_utf8", "csv", kept=2 * GOOD, reasons=["invalid_utf8"])
def _(d):
    data = csv_bytes("csv_invalid_utf8", "X_BAD_X")
    _write(d / "csv_invalid_utf8.csv", data.replace(b"X_BAD_X", b'x,"caf\xe9 au lait sentence here",t\r\n'))


@kind("csv_bom_text_first", "csv", kept=2 * GOOD, reasons=[], today="all rows rejected as missing_text")
def _(d):
    rows = good_rows("csv_bom_text_first", 0, 2 * GOOD)
    body = "text,id,title\r\n" + "".join(f'"{r["text"]}",{r["id"]},{r["title"]}\r\n' for r in rows)
    _write(d / "csv_bom_text_first.csv", b"\xef\xbb\xbf" + body.encode())


@kind("csv_utf16", "csv", kept=2 * GOOD, reasons=[])
def _(d):
    _write(d / "csv_utf16.csv", csv_bytes("csv_utf16", "").decode().encode("utf-16"))


@kind("csv_header_only", "csv", kept=0, reasons=[])
def _(d):
    _write(d / "csv_header_only.csv", b"id,text,title\r\n")


@kind("csv_empty", "csv", kept=0, reasons=[])
def _(d):
    _write(d / "csv_empty.csv", b"")


@kind("csv_nul_byte", "csv", kept=2 * GOOD + 1, reasons=[])
def _(d):
    _write(d / "csv_nul_byte.csv", csv_bytes("csv_nul_byte", 'x,"a fine sentence with a \x00 NUL byte inside",t\r\n'))


KINDS[:] = [k for k in KINDS if k.name != "csv_text_first_column"]


# ---- Parquet ------------------------------------------------------------------------------------

def _parquet(path: Path, table: pa.Table, **kw) -> None:
    pq.write_table(table, path, **kw)


def _good_table(kind_name: str, middle: dict | None = None) -> pa.Table:
    rows = good_rows(kind_name, 0) + ([middle] if middle else []) + good_rows(kind_name, GOOD)
    return pa.Table.from_pylist(rows)


@kind("parquet_corrupt", "parquet", kept=0, reasons=["unreadable_file"])
def _(d):
    _write(d / "parquet_corrupt.parquet", b"PAR1" + os.urandom(2000) + b"PAR1")


@kind("parquet_truncated", "parquet", kept=0, reasons=["unreadable_file"])
def _(d):
    buf = io.BytesIO()
    pq.write_table(_good_table("parquet_truncated"), buf)
    _write(d / "parquet_truncated.parquet", buf.getvalue()[: len(buf.getvalue()) // 2])


@kind("parquet_wrong_type", "parquet", kept=0, reasons=["wrong_type"] * 3)
def _(d):
    _parquet(d / "parquet_wrong_type.parquet", pa.table({"id": ["a", "b", "c"], "text": [1, 2, 3]}))


@kind("parquet_null_text", "parquet", kept=2 * GOOD, reasons=["missing_text"])
def _(d):
    _parquet(d / "parquet_null_text.parquet", _good_table("parquet_null_text", {"id": "x", "text": None, "title": "t"}))


@kind("parquet_no_text_column", "parquet", kept=0, reasons=["missing_text"] * 2)
def _(d):
    _parquet(d / "parquet_no_text_column.parquet", pa.table({"id": ["a", "b"], "body": ["x", "y"]}))


@kind("parquet_binary_text", "parquet", kept=0, reasons=["wrong_type"] * 2)
def _(d):
    _parquet(d / "parquet_binary_text.parquet", pa.table({"id": ["a", "b"], "text": pa.array([b"\xff\xfe", b"ok"], pa.binary())}))


@kind("parquet_nested_meta", "parquet", kept=2 * GOOD, reasons=[])
def _(d):
    rows = good_rows("parquet_nested_meta", 0, 2 * GOOD)
    for i, r in enumerate(rows):
        r["title"] = {"parts": [i, i + 1], "when": None}
    _parquet(d / "parquet_nested_meta.parquet", pa.Table.from_pylist(rows))


@kind("parquet_odd_meta_types", "parquet", kept=2 * GOOD, reasons=[])
def _(d):
    import datetime
    import decimal

    rows = good_rows("parquet_odd_meta_types", 0, 2 * GOOD)
    table = pa.Table.from_pylist(rows).drop(["title"])
    n = len(rows)
    table = table.append_column("title", pa.array([b"\x00\xffbytes"] * n, pa.binary()))
    table = table.append_column("published", pa.array([datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)] * n))
    table = table.append_column("price", pa.array([decimal.Decimal("1" * 60)] * n, pa.decimal256(70, 0)))
    table = table.append_column("big", pa.array([2**64 - 1] * n, pa.uint64()))
    table = table.append_column("nan", pa.array([float("nan")] * n))
    _parquet(d / "parquet_odd_meta_types.parquet", table)


@kind("parquet_oversized_text", "parquet", kept=2 * GOOD, reasons=["oversized_record"])
def _(d):
    _parquet(d / "parquet_oversized_text.parquet", _good_table("parquet_oversized_text", {"id": "x", "text": "w" * (3 * MAX_RECORD_BYTES), "title": "t"}))


@kind("parquet_oversized_meta", "parquet", kept=2 * GOOD, reasons=["oversized_record"])
def _(d):
    _parquet(
        d / "parquet_oversized_meta.parquet",
        _good_table("parquet_oversized_meta", {"id": "x", "text": "a fine short text here", "title": "m" * (3 * MAX_RECORD_BYTES)}),
    )


# ---- text ---------------------------------------------------------------------------------------

def _text_kind(name, data: bytes, kept=1, reasons=(), **kw):
    kind(name, "text", kept=kept, reasons=list(reasons), **kw)(lambda d, name=name, data=data: _write(d / f"{name}.txt", data))


_text_kind("text_utf16", good_text("text_utf16", 0).encode("utf-16"), today="rejected as invalid_utf8")
_text_kind("text_utf8_bom", b"\xef\xbb\xbf" + good_text("text_utf8_bom", 0).encode())
_text_kind("text_invalid_utf8", b"caf\xe9 " + good_text("text_invalid_utf8", 0).encode(), kept=0, reasons=["invalid_utf8"])
_text_kind("text_empty", b"", kept=0, reasons=["blank_text"])
_text_kind("text_oversized", b"w " * (2 * MAX_RECORD_BYTES), kept=0, reasons=["oversized_record"])
_text_kind("text_surrogate_bytes", b"\xed\xa0\x80 " + good_text("text_surrogate_bytes", 0).encode(), kept=0, reasons=["invalid_utf8"])
_text_kind("text_nul", good_text("text_nul", 0).encode() + b"\x00 tail", kept=1)


# ---- JSON arrays: one bad item between good ones; one document, so a syntax error ends it ---------

def json_array_bytes(kind_name: str, bad: bytes) -> bytes:
    """GOOD items, the bad part, GOOD items, as one pretty-printed JSON array."""
    items = lambda start: [json.dumps(r, ensure_ascii=False, indent=1).encode() for r in good_rows(kind_name, start)]  # noqa: E731
    return b"[\n" + b",\n".join([*items(0), bad, *items(GOOD)]) + b"\n]\n"


def _json_array_kind(name, bad: bytes, kept=2 * GOOD, reasons=(), **kw):
    kind(name, "json", kept=kept, reasons=list(reasons), **kw)(
        lambda d, name=name, bad=bad: _write(d / f"{name}.json", json_array_bytes(name, bad))
    )


_json_array_kind("json_array_not_an_object", b'["a", "list"]', reasons=["not_an_object"], today="format cannot be inferred")
_json_array_kind("json_array_invalid_utf8", b'{"id": "x", "text": "caf\xe9 au lait"}', reasons=["invalid_utf8"])
_json_array_kind("json_array_surrogate_text", b'{"id": "x", "text": "lone \\ud800 surrogate"}', reasons=["invalid_unicode"])
_json_array_kind("json_array_missing_text", b'{"id": "x", "body": "no text field"}', reasons=["missing_text"])
_json_array_kind(
    "json_array_oversized_item", b'{"id": "x", "text": "' + b"y" * (2 * MAX_RECORD_BYTES) + b'"}', reasons=["oversized_record"]
)
_json_array_kind("json_array_syntax_error", b'{"id": "x", "text": "unquoted" oops}', kept=GOOD, reasons=["invalid_json"])
kind("json_array_truncated", "json", kept=GOOD, reasons=["invalid_json"])(
    lambda d: _write(d / "json_array_truncated.json", json_array_bytes("json_array_truncated", b'{"id": "x"')[:-40])
)
kind("json_lines_in_a_json_file", "json", kept=2 * GOOD, reasons=["invalid_json"])(
    lambda d: _write(d / "json_lines_in_a_json_file.json", sandwich("json_lines_in_a_json_file", b'{"id": "x", "text": \n'))
)


# ---- legacy encodings: a GBK row among UTF-8 ones, undeclared --------------------------------------

@kind("csv_gbk_row_undeclared", "csv", kept=2 * GOOD, reasons=["invalid_utf8"])
def _(d):
    data = csv_bytes("csv_gbk_row_undeclared", "X_BAD_X")
    _write(d / "csv_gbk_row_undeclared.csv", data.replace(b"X_BAD_X", "x,关于加强城市道路交通安全管理工作的通知,通知\r\n".encode("gbk")))


# ---- bombs (slow: built once, cached) -----------------------------------------------------------

BOMB_BYTES = 4 << 30  # 4 GiB of zeros


def _zeros_gz(path: Path, total: int) -> None:
    zeros = bytes(1 << 24)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        for _ in range(total // len(zeros)):
            out.write(compressor.compress(zeros))
        out.write(compressor.flush())


def _zeros_zst(path: Path, total: int) -> None:
    zeros = bytes(1 << 24)
    with open(path, "wb") as out, zstandard.ZstdCompressor(level=19).stream_writer(out, size=total) as writer:
        for _ in range(total // len(zeros)):
            writer.write(zeros)


def _cached(builder, name: str, total: int):
    def build(d: Path):
        cache = Path(os.environ.get("BADINPUT_CACHE", "/tmp/badinput-cache"))
        cache.mkdir(parents=True, exist_ok=True)
        cached = cache / f"{name}-{total}"
        if not cached.exists():
            builder(cached.with_suffix(".tmp"), total)
            cached.with_suffix(".tmp").rename(cached)
        target = d / f"{name}.{'jsonl.gz' if 'gz' in name else 'jsonl.zst'}"
        if not target.exists():
            os.link(cached, target)

    return build


kind("gz_bomb", "jsonl.gz", kept=0, reasons=["decompression_limit"], slow=True, today="3.3 GB peak RSS")(
    _cached(_zeros_gz, "gz_bomb", BOMB_BYTES)
)
kind("zst_bomb", "jsonl.zst", kept=0, reasons=["decompression_limit"], slow=True, today="8.4 GB peak RSS")(
    _cached(_zeros_zst, "zst_bomb", BOMB_BYTES)
)
# small bombs for the quick suite: 64 MiB of zeros, over a ratio limit without needing GiBs
kind("gz_small_bomb", "jsonl.gz", kept=0, reasons=["decompression_limit"])(_cached(_zeros_gz, "gz_small_bomb", 64 << 20))
kind("zst_small_bomb", "jsonl.zst", kept=0, reasons=["decompression_limit"])(_cached(_zeros_zst, "zst_small_bomb", 64 << 20))


@kind("gz_bomb_after_records", "jsonl.gz", kept=GOOD, reasons=["decompression_limit"])
def _(d):
    head = gzip.compress(jsonl_bytes(good_rows("gz_bomb_after_records", 0)))
    zeros = bytes(1 << 24)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = b"".join(compressor.compress(zeros) for _ in range(4)) + compressor.flush()
    _write(d / "gz_bomb_after_records.jsonl.gz", head + body)


@kind("parquet_dictionary_bomb", "parquet", kept=GOOD, reasons=["oversized_record"] * 2000, slow=True)
def _(d):
    big = "a" * (8 << 20)  # 8 MiB, stored once, referenced by 2,000 rows: 16 GB decoded
    good = [r["text"] for r in good_rows("parquet_dictionary_bomb", 0)]
    dictionary = pa.array(good + [big])
    idx = pa.array(list(range(GOOD)) + [GOOD] * 2000, pa.int32())
    table = pa.table({"text": pa.DictionaryArray.from_arrays(idx, dictionary)})
    pq.write_table(table, d / "parquet_dictionary_bomb.parquet", compression="zstd")


def check(k: Kind, kept: int, reasons: list[str]) -> str | None:
    """None when ``kept`` records and reject ``reasons`` are what kind ``k`` expects; else what differs."""
    from collections import Counter

    got = Counter(reasons)
    if k.kept is not None and kept != k.kept:
        return f"kept {kept}, expected {k.kept} (rejects {dict(got)})"
    if k.reasons is not None and got != Counter(k.reasons):
        return f"reasons {dict(got)}, expected {dict(Counter(k.reasons))}"
    if k.min_kept is not None and kept < k.min_kept:
        return f"kept {kept} < {k.min_kept}"
    missing = [r for r in k.must_reasons if r not in got]
    if missing:
        return f"missing reasons {missing} (got {dict(got)})"
    return None


def build_all(directory: Path, kinds: list[Kind] | None = None) -> list[Kind]:
    directory.mkdir(parents=True, exist_ok=True)
    chosen = KINDS if kinds is None else kinds
    for k in chosen:
        k.build(directory)
    return chosen


def quick() -> list[Kind]:
    return [k for k in KINDS if not k.slow]


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1])
    built = build_all(target, quick() if "--quick" in sys.argv else None)
    print(f"{len(built)} kinds in {target}; formats: {sorted({k.format for k in built})}")

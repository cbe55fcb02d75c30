"""Every ingest failure reason, exercised on the plain-Python reader (no Beam pipeline needed)."""

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import apache_beam as beam
import zstandard
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.config import SourceConfig
from transforms.ingest.readers import BrokenJsonArray, InputFile, _JsonArrayItems, _lines, detect_cjk_lang, expand_sources, infer_format
from transforms.ingest.stage import ReadFileFn
from transforms.core.records import Batch


def read(path, fmt=None, max_bytes=4096, **source_fields):
    source = SourceConfig(
        name="s", paths=[str(path)], license="MIT", basis="licence", evidence="https://e.com", **source_fields
    )
    file = InputFile("s", str(path), path.name, fmt or infer_format(str(path)), path.stat().st_size)
    records, rejects, files = [], [], []
    for out in ReadFileFn({"s": source}, max_bytes, 2, "run").process(file):
        if isinstance(out, TaggedOutput):
            (rejects if out.tag == "rejected" else files).extend(out.value if out.tag == "rejected" else [out.value])
        else:
            assert isinstance(out, Batch) and len(out) <= 2
            records.extend(out.rows())
    return records, rejects, files[0]


def reasons(rejects):
    return [r["reason"] for r in rejects]


def test_jsonl_bad_lines_each_get_a_reason(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"text": "good one"}\n'
        b'{"text": \n'
        b'{"text": "caf\xe9"}\n'
        b'{"title": "x"}\n'
        b'{"text": null}\n'
        b'{"text": ["a"]}\n'
        b'{"text": ""}\n'
        b"42\n"
        b"   \n"
        b'{"text": "' + b"y" * 5000 + b'"}\n'
        b'{"text": "last, no newline"}'
    )
    records, rejects, stats = read(path)
    assert [r["text"] for r in records] == ["good one", "last, no newline"]
    assert reasons(rejects) == [
        "invalid_json",
        "invalid_utf8",
        "missing_text",
        "missing_text",
        "wrong_type",
        "blank_text",
        "not_an_object",
        "oversized_record",
    ]
    assert stats["records"] == 10 and stats["complete"]
    last = b'{"text": "last, no newline"}'
    assert records[1]["locator"] == f"line=11;offset={path.stat().st_size - len(last)}"
    oversized = json.loads(rejects[-1]["detail"])
    assert oversized["bytes"] > 5000 and oversized["max_bytes"] == 4096
    assert all("text" not in r for r in rejects)


def test_ids_are_stable_across_reads(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "alpha beta"}\n{"text": "gamma delta"}\n')
    first, _, _ = read(path)
    second, _, _ = read(path)
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert len({r["id"] for r in first}) == 2


def test_truncated_gzip_keeps_what_was_read_and_names_the_file(tmp_path):
    data = b"".join(json.dumps({"text": f"document number {i}"}).encode() + b"\n" for i in range(2000))
    packed = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    records, rejects, stats = read(path)
    assert 0 < len(records) < 2000
    assert reasons(rejects) == ["truncated_archive"]
    detail = json.loads(rejects[0]["detail"])
    assert detail["file"] == "cut.jsonl.gz" and detail["records_read"] == len(records)
    assert rejects[0]["locator"] == "file"
    assert stats["complete"] is False and stats["records"] == len(records) + 1


def test_truncated_zstd_is_detected(tmp_path):
    data = b"".join(json.dumps({"text": f"document number {i}"}).encode() + b"\n" for i in range(100))
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(data)[:-20])
    _, rejects, _ = read(path)
    assert reasons(rejects)[-1] == "truncated_archive"


def test_multi_member_gzip_and_zstd_read_completely(tmp_path):
    part = b'{"text": "one two three"}\n'
    (tmp_path / "m.jsonl.gz").write_bytes(gzip.compress(part) + gzip.compress(part))
    (tmp_path / "m.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(part * 3))
    assert len(read(tmp_path / "m.jsonl.gz")[0]) == 2
    assert len(read(tmp_path / "m.jsonl.zst")[0]) == 3


def test_csv_rows_bad_bytes_and_extra_cells(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'id,text\n1,"hello, world"\n2,"bad \xff byte"\n3,fine,extra\n4,\n')
    records, rejects, _ = read(path)
    assert [r["text"] for r in records] == ["hello, world"]
    assert reasons(rejects) == ["invalid_utf8", "malformed_row", "blank_text"]
    assert records[0]["locator"].startswith("row=1")


def test_parquet_rows_and_wrong_types(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"body": ["first doc", None, "third doc"], "n": [1, 2, 3]}), path)
    records, rejects, _ = read(path, text_field="body", meta_fields=["n"])
    assert [r["meta"]["n"] for r in records] == [1, 3]
    assert reasons(rejects) == ["missing_text"]
    path2 = tmp_path / "b.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), path2)
    assert reasons(read(path2)[1]) == ["wrong_type", "wrong_type"]


def test_corrupt_parquet_is_one_file_reject(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    records, rejects, _ = read(path)
    assert records == [] and reasons(rejects) == ["unreadable_file"]


def test_text_files_whole_file_bom_oversized_and_bad_bytes(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeffA page of text.\n".encode())
    (tmp_path / "b.txt").write_bytes(b"z" * 5000)
    (tmp_path / "c.txt").write_bytes(b"bad \xc3\x28 bytes")  # (FF FE would be a UTF-16 byte order mark)
    assert read(tmp_path / "a.txt")[0][0]["text"] == "A page of text.\n"
    assert reasons(read(tmp_path / "b.txt")[1]) == ["oversized_record"]
    assert reasons(read(tmp_path / "c.txt")[1]) == ["invalid_utf8"]


NOTICE_ZH = "关于加强城市道路交通安全管理工作的通知，各区县人民政府要高度重视。"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonl.gz", "text"])
def test_a_declared_encoding_reads_a_gb18030_file(tmp_path, fmt):
    name = {"csv": "a.csv", "jsonl": "a.jsonl", "jsonl.gz": "a.jsonl.gz", "text": "a.txt"}[fmt]
    content = {
        "csv": f"编号,正文\n1,{NOTICE_ZH}\n2,第二条\n",
        "jsonl": json.dumps({"正文": NOTICE_ZH}, ensure_ascii=False) + "\n" + json.dumps({"正文": "第二条"}, ensure_ascii=False) + "\n",
        "text": NOTICE_ZH,
    }[fmt.removesuffix(".gz")].encode("gb18030")
    path = tmp_path / name
    path.write_bytes(gzip.compress(content) if fmt == "jsonl.gz" else content)
    field = "text" if fmt == "text" else "正文"
    records, rejects, _ = read(path, text_field=field, encoding="GB18030")
    assert [r["text"] for r in records][:1] == [NOTICE_ZH] and rejects == []
    # undeclared: every record is refused, and the reject says which encoding to declare
    records, rejects, files = read(path, text_field=field)
    assert records == [] and set(reasons(rejects)) == {"invalid_utf8"} and files["gb18030_like"] == len(rejects)
    assert all("encoding: gb18030" in json.loads(r["detail"])["hint"] for r in rejects)


def test_a_byte_the_declared_encoding_refuses_fails_its_record_only(tmp_path):
    path = tmp_path / "a.jsonl"
    lines = [json.dumps({"text": t}, ensure_ascii=False).encode("gb18030") for t in ("第一条", "第三条")]
    path.write_bytes(lines[0] + b"\n" + b'{"text": "\x81\x20"}\n' + lines[1] + b"\n")  # 0x81 0x20: no GB18030 character
    records, rejects, _ = read(path, encoding="gb18030")
    assert [r["text"] for r in records] == ["第一条", "第三条"]
    assert reasons(rejects) == ["invalid_utf8"] and "hint" not in json.loads(rejects[0]["detail"])


def test_an_unknown_encoding_is_a_config_error():
    with pytest.raises(ValueError, match="'rot13' is not a text encoding"):
        SourceConfig(name="s", paths=["a"], license="MIT", basis="licence", evidence="e", encoding="rot13")


def test_a_json_array_file_reads_item_by_item(tmp_path):
    items = [{"id": 1, "text": "first item", "n": 10**30}, [1, 2], {"text": 5}, {"text": "x" * 5000},
             {"text": "lone \ud800"}, {"id": 6, "text": "last item"}]  # fmt: skip
    path = tmp_path / "a.json"
    path.write_text("  \n" + json.dumps(items, indent=2))
    records, rejects, files = read(path, id_field="id", meta_fields=["n"])
    assert [(r["text"], r["locator"]) for r in records] == [("first item", "item=1"), ("last item", "item=6")]
    assert records[0]["meta"] == {"source_id": 1, "n": str(10**30)}
    assert reasons(rejects) == ["not_an_object", "wrong_type", "oversized_record", "invalid_unicode"]
    assert files["complete"] and files["records"] == 6
    # the same items compressed, and JSON lines in a .json file
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(path.read_bytes()))
    assert [r["locator"] for r in read(tmp_path / "b.json.gz")[0]] == ["item=1", "item=6"]
    (tmp_path / "c.json").write_text("\n".join(json.dumps(i) for i in items[:2]) + "\n")
    records, rejects, _ = read(tmp_path / "c.json")
    assert [r["locator"] for r in records] == ["line=1;offset=0"] and reasons(rejects) == ["not_an_object"]


def test_json_array_items_across_chunk_boundaries():
    chunks = [b" [1", b"2 , {\"a\"", b": [3, \"\xe4\xb8", b"\xad\"]}", b", 4", b"", b"5]\n "]
    assert list(_JsonArrayItems(iter(chunks), 100)) == [
        (12, b"12", True), ({"a": [3, "中"]}, '{"a": [3, "中"]}'.encode(), True), (45, b"45", True)]
    # each item's text is decoded once: whether its bytes are UTF-8 comes with it, a cut character included
    assert list(_JsonArrayItems(iter([b'["caf\xe9", "\xe4\xb8', b'\xad", "x\xe4"]']), 100)) == [
        ("caf\udce9", b'"caf\xe9"', False), ("中", '"中"'.encode(), True), ("x\udce4", b'"x\xe4"', False)]
    with pytest.raises(BrokenJsonArray, match="item 2 is longer than max_record_bytes"):
        list(_JsonArrayItems(iter([b'[{"text": "short"}, {"text": "', *[b"x" * 30] * 20]), 10))
    with pytest.raises(BrokenJsonArray, match=r"holds more than the array \(after item 1\)"):
        list(_JsonArrayItems(iter([b"[1] [2]"]), 100))
    # a stream that ends inside a character: the cut bytes are data after the array, not dropped
    with pytest.raises(BrokenJsonArray, match=r"holds more than the array \(after item 1\)"):
        list(_JsonArrayItems(iter([b'["a"]\xe4\xb8']), 100))


def test_a_bad_byte_in_a_json_array_fails_its_item_only(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b'[{"text": "good one"}, {"text": "bad \xff byte"}, {"text": "good two"}]')
    records, rejects, _ = read(path)
    assert [r["text"] for r in records] == ["good one", "good two"] and reasons(rejects) == ["invalid_utf8"]


def test_a_json_array_that_breaks_keeps_the_items_before_and_quotes_nothing(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[{"text": "kept item"}, {"text": "Call Ann on 555-0100" oops}, {"text": "never read"}]')
    records, rejects, files = read(path)
    assert [r["text"] for r in records] == ["kept item"]
    assert reasons(rejects) == ["invalid_json"] and rejects[0]["locator"] == "file" and not files["complete"]
    detail = json.loads(rejects[0]["detail"])
    assert detail["records_read"] == 1 and "after item 1" in detail["error"] and "555" not in rejects[0]["detail"]


def test_meta_and_language(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"id": 7, "text": "今天天气很好，我们去公园散步吧。", "url": "https://x.cn/1", "board": "生活"}, ensure_ascii=False)
        + "\n"
    )
    (record,), _, _ = read(path, id_field="id", url_field="url", meta_fields=["board"])
    assert record["meta"] == {"source_id": 7, "url": "https://x.cn/1", "board": "生活"}
    assert record["lang"] == "zh"
    assert detect_cjk_lang("Plain English text") is None


@pytest.mark.parametrize(
    "text, lang",
    [("今天天气很好", "zh"), ("㐀㐁 text", "zh"), ("日本語のテキストです", "ja"), ("한국어 텍스트", "ko"), ("Ünïcode, not CJK", None),
     ("English words with one 字", None), ("abc 中文字", "zh"), ("x" * 600 + "中文", None), ("中" + "\ud800" * 5, "zh"), ("…", None),
     ("\u4dbf\u4e00\u9fff\ua000", "zh"), ("\u30ff\u3100", "ja")],
)  # fmt: skip
def test_cjk_language_from_the_script_of_the_first_512_characters(text, lang):
    assert detect_cjk_lang(text) == lang


def test_line_splitter_never_holds_an_oversized_line():
    chunks = iter([b"ab\n" + b"x" * 10, b"x" * 10, b"x\ncd\n"])
    lines = list(_lines(chunks, max_bytes=8))
    assert [(n, line) for n, _, line, _ in lines] == [(1, b"ab"), (2, None), (3, b"cd")]
    assert lines[1][3] == 22 and lines[2][1] == 25


def test_a_source_matching_nothing_is_an_error(tmp_path):
    source = SourceConfig(name="s", paths=[str(tmp_path / "*.jsonl")], license="MIT", basis="licence", evidence="e")
    with pytest.raises(FileNotFoundError, match="no files match"):
        expand_sources([source])


def test_a_source_naming_a_folder_says_to_name_its_files(tmp_path):
    """`paths: [corpus/news]` matched nothing and said only that, beside a folder full of files."""
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.jsonl").write_text('{"text": "x"}\n')
    source = SourceConfig(name="s", paths=[str(tmp_path / "news")], license="MIT", basis="licence", evidence="e")
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'news'} is a folder: name its files with a glob such as {tmp_path / 'news' / '*'}"):
        expand_sources([source])


class _BytesPerBundle(beam.DoFn):
    """The bytes of the files each bundle (one per worker here) read."""

    def start_bundle(self):
        self.total = 0

    def process(self, file):
        self.total += file.size

    def finish_bundle(self):
        yield WindowedValue(self.total, 0, [GlobalWindow()])


def test_files_are_spread_evenly_by_size_over_the_embedded_runners_workers(tmp_path):
    # 8 large, 8 middling and 16 small files in a shuffled order: each of 2 workers reads half the bytes
    import random

    from apache_beam.testing.util import assert_that, equal_to

    from pipelines.graph import pipeline_options
    from transforms.ingest.stage import spread_files

    sizes = [8_600_000] * 8 + [2_400_000] * 8 + [340_000] * 16
    random.Random(3).shuffle(sizes)
    files = [InputFile("s", f"/in/{i}.jsonl", f"{i}.jsonl", "jsonl", size) for i, size in enumerate(sizes)]
    pipeline = beam.Pipeline(options=pipeline_options(["--direct_running_mode=multi_threading", "--direct_num_workers=2"]))
    totals = spread_files(pipeline, files) | beam.ParDo(_BytesPerBundle()) | beam.Filter(bool)
    assert_that(totals, equal_to([sum(sizes) // 2] * 2))
    pipeline.run().wait_until_finish()


def test_many_small_files_travel_in_full_batches(tmp_path):
    # per-user exports: 60 files of 1-3 records must not become 60 batches that every stage pays for
    from types import SimpleNamespace

    from apache_beam.testing.util import assert_that, equal_to

    from pipelines.graph import pipeline_options
    from transforms.core.stage import RunContext
    from transforms.ingest.stage import IngestConfig

    source = SourceConfig(name="s", paths=[str(tmp_path / "*.jsonl")], license="MIT", basis="licence", evidence="e")
    for i in range(60):
        (tmp_path / f"user-{i:02d}.jsonl").write_text("".join(f'{{"text": "user {i} post {j}"}}\n' for j in range(1 + i % 3)))
    ctx = RunContext("run", str(tmp_path), tmp_path, str(tmp_path / "staging"), SimpleNamespace(sources=[source]))
    pipeline = beam.Pipeline(options=pipeline_options([]))
    records, _ = IngestConfig(batch_size=50).create().read(pipeline, ctx, expand_sources([source]))
    sizes = records | beam.Map(len) | beam.combiners.ToList() | beam.Map(lambda sizes: (len(sizes), sum(sizes)))
    assert_that(sizes, equal_to([(3, 120)]))  # 50 + 50 + 20 (the bundle's end): not one batch per file
    pipeline.run().wait_until_finish()

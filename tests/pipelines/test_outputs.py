"""Outputs that open anywhere (issue 20 item 5): the README's snippets (pandas/pyarrow, polars, DuckDB)
read the current version through the Delta log; add actions carry per-file statistics; files have
reader-sized row groups; every control's reject carries a redacted preview."""

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

import pipelines.graph as graph
from pipelines.delta_stats import file_stats
from pipelines.run import execute
from tests.conftest import NEWS, job_config, write_jsonl
from transforms.core.preview import redacted_preview, redacted_previews
from transforms.core.records import Batch
from transforms.core.stage import KEEP, Control, Decision, apply_control

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippets() -> dict[str, str]:
    text = README.read_text()
    found = re.findall(r"<!-- readme-snippet: ([\w-]+) -->\n```python\n(.*?)```", text, re.S)
    return dict(found)


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """out/demo with two published versions (overwrite mode): 'news' gains a record in the second."""
    import os

    root = tmp_path_factory.mktemp("outputs")
    old = os.getcwd()
    os.chdir(root)
    try:
        (root / "in").mkdir()
        write_jsonl(root / "in" / "a.jsonl", [{"id": str(i), "text": t} for i, t in enumerate(NEWS)]
                    + [{"id": "dup", "text": NEWS[0]}, {"id": "short", "text": "too short"}])  # fmt: skip
        source = {"name": "news", "paths": ["in/*.jsonl"], "license": "CC-BY-4.0", "basis": "licence", "evidence": "e"}
        stages = [{"stage": "ingest"}, {"stage": "quality", "min_chars": 20}, {"stage": "dedup"}]
        config = job_config(root, sources=[source], stages=stages, output={"dir": "out/demo"})
        first = execute(config)
        assert first.status == "published", first.error
        write_jsonl(root / "in" / "b.jsonl", [{"id": "x", "text": NEWS[2] + " And one more sentence."}])
        second = execute(config)
        assert second.status == "published", second.error
        yield root, second
    finally:
        os.chdir(old)


def test_readme_snippets_read_the_current_version(two_versions, monkeypatch):
    root, run = two_versions
    monkeypatch.chdir(root)
    kept = run.manifest["counts"]["kept"]
    snippets = readme_snippets()
    assert set(snippets) == {"pandas-pyarrow", "polars", "duckdb"}
    ns: dict = {}
    exec(snippets["pandas-pyarrow"], ns)
    assert len(ns["df"]) == kept and ns["table"].num_rows == kept
    ns = {}
    exec(snippets["polars"], ns)
    assert ns["df"].height == kept and ns["per_source"]["len"].sum() == kept
    ns = {}
    exec(snippets["duckdb"], ns)
    assert ns["per_source"] == [("news", kept)]
    # what the README warns about: the folder read as plain Parquet mixes both versions
    naive = ds.dataset(str(root / "out" / "demo" / "dataset"), format="parquet", exclude_invalid_files=True)
    assert naive.count_rows() > kept


def test_add_actions_carry_per_file_statistics(two_versions):
    root, run = two_versions
    log = root / "out" / "demo" / "dataset" / "_delta_log"
    adds = [json.loads(line)["add"] for f in sorted(log.glob("*.json")) for line in f.read_text().splitlines()
            if '"add"' in line]  # fmt: skip
    assert adds
    for add in adds:
        stats = json.loads(add["stats"])
        assert stats["numRecords"] > 0
        assert stats["minValues"]["source"] == stats["maxValues"]["source"] == "news"
        assert stats["minValues"]["id"] <= stats["maxValues"]["id"]
        assert stats["nullCount"]["text"] == 0 and "lang" in stats["nullCount"]
        assert len(stats["minValues"]["text"]) <= 32 and len(stats["maxValues"]["text"]) <= 32  # cut, still bounds
    dt = DeltaTable(str(root / "out" / "demo" / "dataset"))
    current = pa.table(dt.get_add_actions(flatten=True)).to_pydict()  # deltalake parses the stats
    assert sum(current["num_records"]) == run.manifest["counts"]["kept"] and current["min.source"] == ["news"] * len(current["min.source"])
    rejects = pa.table(DeltaTable(str(root / "out" / "demo" / "rejects")).get_add_actions(flatten=True)).to_pydict()
    assert all(n > 0 for n in rejects["num_records"]) and "min.stage" in rejects


def test_file_stats_fold_row_groups(tmp_path):
    table = pa.table({"id": ["b", "a", None, "c"], "n": [3, 1, 2, None], "long": ["z" * 40, "y", "x", "w"],
                      "s": [{"k": 1}, {"k": 5}, {"k": None}, {"k": 2}], "l": [[1], [2], [], None]})  # fmt: skip
    pq.write_table(table, tmp_path / "f.parquet", row_group_size=2)
    stats = json.loads(file_stats(tmp_path / "f.parquet"))
    assert stats["numRecords"] == 4
    assert stats["minValues"] == {"id": "a", "n": 1, "long": "w", "s": {"k": 1}}
    assert stats["maxValues"] == {"id": "c", "n": 3, "long": "z" * 31 + "{", "s": {"k": 5}}  # cut to 32, last raised
    assert stats["nullCount"] == {"id": 1, "n": 1, "long": 0, "s": {"k": 1}}


def test_writer_buffers_row_groups_and_rolls_files(tmp_path, monkeypatch):
    monkeypatch.setattr(graph, "ROW_GROUP_ROWS", 250)
    monkeypatch.setattr(graph, "FILE_ROWS", 500)
    schema = pa.schema([("x", pa.int64())])
    fn = graph._WriteParquetFn(str(tmp_path), schema, "arrow")
    fn.start_bundle()
    for i in range(12):  # twelve 100-row batches
        fn.process(pa.record_batch([pa.array(range(i * 100, i * 100 + 100), pa.int64())], schema=schema))
    fn.finish_bundle()
    files = sorted(tmp_path.glob("*.parquet"))
    layout = [[pq.ParquetFile(f).metadata.row_group(g).num_rows for g in range(pq.ParquetFile(f).metadata.num_row_groups)]
              for f in files]  # fmt: skip
    assert sorted(layout) == [[300, 300], [300, 300]]  # row groups of >= 250 rows, files closed at >= 500


PII_TEXT = ("Contact Jane at jane.doe@example.com or +86 138 0013 8000, card 4111 1111 1111 1111, "
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz, 身份证 110101199003074514. ") * 3


def test_redacted_preview_never_holds_personal_data_or_secrets():
    preview = redacted_preview(PII_TEXT + "x " * 500, "duplicate")
    for raw in ("jane.doe@example.com", "138 0013 8000", "4111 1111 1111 1111", "wJalrXUtnFEMI", "110101199003074514"):
        assert raw not in preview
    assert "<EMAIL_ADDRESS>" in preview and "<CREDENTIAL:" in preview
    assert len(preview) <= 201 and preview.endswith("…")
    assert redacted_preview("short text", "quality") == "short text"
    assert redacted_preview(PII_TEXT, "classified") is None and redacted_preview(None, "quality") is None
    assert redacted_preview("", "quality") is None


def test_previews_of_a_batch_are_each_texts_own_preview():
    # the PII detector runs once over the batch (its Chinese name tagger is a batch kernel): same previews
    texts = [PII_TEXT, "王小明在北京市海淀区工作，电话13800138000。", None, "plain text", PII_TEXT, "张伟说：李娜明天来。" * 30]
    categories = ["harmful", "duplicate", "quality", "quality", "classified", "harmful"]
    assert redacted_previews(texts, categories) == [redacted_preview(t, c) for t, c in zip(texts, categories)]
    assert redacted_previews([], []) == []


class _RejectAll(Control):
    stage = "reject_all"

    def decide(self, batch):
        return [Decision.reject(rule="r", clause="6.1.5", risk_level="low", category="harmful", reason="x")
                if i % 2 == 0 else KEEP for i in range(len(batch))]  # fmt: skip


def test_every_control_reject_gets_a_redacted_preview():
    rows = [{"id": str(i), "text": PII_TEXT if i == 0 else NEWS[i], "source": "s", "source_uri": "u", "locator": f"l{i}",
             "license": "MIT", "lang": None, "meta": {}, "content_sha256": "h", "tags": [], "lineage": []}
            for i in range(4)]  # fmt: skip
    result = apply_control(_RejectAll(), Batch.from_rows(rows), "run")
    previews = [r["preview"] for r in result.rejects]
    assert len(previews) == 2 and all(previews)
    assert "jane.doe@example.com" not in previews[0] and "<EMAIL_ADDRESS>" in previews[0]
    assert previews[1] == NEWS[2]


def test_published_rejects_carry_previews(two_versions):
    root, run = two_versions
    rejects = DeltaTable(str(root / "out" / "demo" / "rejects")).to_pyarrow_table(columns=["stage", "reason", "preview"])
    rows = rejects.to_pylist()
    for row in rows:
        assert (row["preview"] is not None) == (row["stage"] != "ingest"), row
    assert {"quality", "dedup"} <= {r["stage"] for r in rows}
    assert any(r["preview"] == "too short" for r in rows)


def test_statistics_never_make_a_reader_drop_matching_rows(two_versions):
    """deltalake turns add-action stats into per-file guards: every filter must find what a full scan finds."""
    import pyarrow.compute as pc

    root, run = two_versions
    for table, filters in (
        ("rejects", [pc.field("run_id") == run.run_id, pc.field("preview").is_null(), pc.field("preview").is_valid(),
                     pc.field("stage") == "dedup", pc.field("source_uri") == "in/a.jsonl", pc.field("detail") != ""]),
        ("dataset", [pc.field("id") == "x", pc.field("lang").is_null(), pc.field("text") != "", pc.field("meta") != "",
                     pc.field("source") == "news"]),
    ):  # fmt: skip
        dataset = DeltaTable(str(root / "out" / "demo" / table)).to_pyarrow_dataset()
        everything = dataset.to_table()
        for f in filters:
            assert dataset.to_table(filter=f).num_rows == everything.filter(f).num_rows, (table, str(f))


def test_long_strings_get_cut_bounds_that_still_bound(tmp_path):
    texts = ["b" * 50, "a" * 40 + "z", "abc"]
    pq.write_table(pa.table({"t": texts}), tmp_path / "f.parquet")
    stats = json.loads(file_stats(tmp_path / "f.parquet"))
    low, high = stats["minValues"]["t"], stats["maxValues"]["t"]
    assert len(low) <= 32 and len(high) <= 32
    assert all(low <= t <= high for t in texts)

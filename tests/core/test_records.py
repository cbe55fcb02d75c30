import json

import pyarrow as pa

from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA, Batch, content_sha256, lineage_entry, record_id, reject_row


def _batch(n=3) -> Batch:
    return Batch.from_rows(
        {
            "id": record_id("s", "f.jsonl", f"line={i}"),
            "text": f"text {i}",
            "source": "s",
            "source_uri": "f.jsonl",
            "locator": f"line={i}",
            "license": "MIT",
            "lang": None,
            "meta": {"url": f"https://e.com/{i}"},
            "content_sha256": content_sha256(f"text {i}"),
            "tags": [],
            "lineage": [lineage_entry("ingest", "keep")],
        }
        for i in range(n)
    )


def test_record_id_is_stable_and_depends_on_file_and_locator():
    assert record_id("news", "in/a.jsonl", "line=1") == record_id("news", "in/a.jsonl", "line=1")
    assert record_id("news", "in/a.jsonl", "line=1") != record_id("news", "in/a.jsonl", "line=2")
    assert record_id("news", "in/a.jsonl", "line=1") != record_id("news", "in/b.jsonl", "line=1")
    assert record_id("news", "in/a.jsonl", "line=1") != record_id("blog", "in/a.jsonl", "line=1")
    assert len(record_id("a", "b", "c")) == 32


def test_from_rows_builds_columns_in_row_order_with_missing_fields_as_none():
    rows = [{"id": "a", "text": "first", "tags": ["x"]}, {"id": "b", "text": "second", "lang": "en"}]
    for given in (rows, iter(rows)):  # a list or any iterable, read once
        batch = Batch.from_rows(given)
        assert batch.id == ["a", "b"] and batch.text == ["first", "second"]
        assert batch.tags == [["x"], None] and batch.lang == [None, "en"] and batch.lineage == [None, None]
    assert len(Batch.from_rows([])) == 0


def test_batch_round_trips_through_arrow():
    batch = _batch()
    table = batch.to_arrow()
    assert table.schema == RECORD_SCHEMA
    assert json.loads(table.column("meta")[1].as_py()) == {"url": "https://e.com/1"}
    back = Batch.from_arrow(table)
    assert back.meta == batch.meta and back.id == batch.id and back.text == batch.text
    assert back.lineage[0][0]["stage"] == "ingest"


def test_take_and_replace_build_new_batches():
    batch = _batch()
    taken = batch.take([2, 0])
    assert taken.id == [batch.id[2], batch.id[0]]
    replaced = batch.replace(text=["a", "b", "c"])
    assert replaced.text == ["a", "b", "c"] and batch.text[0] == "text 0"


def test_reject_rows_carry_identity_and_hash_but_no_text():
    batch = _batch()
    row = reject_row(
        {k: getattr(batch, k)[0] for k in ("id", "source", "source_uri", "locator", "license", "content_sha256")},
        stage="quality",
        rule="quality.too_short",
        clause="4.1.2(b)",
        risk_level="low",
        category="quality",
        reason="too_short",
        detail={"chars": 6},
        run_id="r",
        lineage=[],
    )
    table = pa.RecordBatch.from_pylist([row], schema=REJECT_SCHEMA)
    assert "text" not in table.schema.names
    assert row["content_sha256"] == content_sha256("text 0")
    assert "text 0" not in json.dumps(row)

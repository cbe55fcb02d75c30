"""The Great Expectations gate on a staged run: what each shipped suite catches."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pyarrow as pa
import pytest
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from expectations.gate import record_stat_columns, record_stats, records_frame, run_gate


def _staged(tmp_path, id, source, license, lang, text) -> ds.Dataset:
    """The gate statistics a run stages for these records."""
    extra = record_stat_columns(["records", "no_residual_pii"])
    pq.write_table(pa.Table.from_batches([record_stats(id, source, license, lang, text, extra)]), tmp_path / "stats.parquet")
    return ds.dataset([str(tmp_path / "stats.parquet")])


def test_records_suite_catches_duplicate_and_missing_ids_and_missing_licences(tmp_path):
    kept = _staged(
        tmp_path,
        id=["a", "a", "b", None],
        source=["s", "s", "s", "s"],
        license=["MIT", None, "MIT", "MIT"],
        lang=["en", "en", "en", "en"],
        text=["hello world", "x" * 10, "more text", "no id"],
    )
    result = run_gate(["records"], kept, {"input": 4, "kept": 4, "rejected": 0}, tmp_path / "run")
    failed = {(o.expectation, o.column): o.observed for o in result.outcomes if not o.success}
    assert not result.success
    assert failed == {
        ("expect_column_values_to_not_be_null", "id_hash"): {"unexpected": 1, "of": 4},
        ("expect_column_values_to_be_unique", "id_hash"): {"unexpected": 2, "of": 4},
        ("expect_column_values_to_not_be_null", "license"): {"unexpected": 1, "of": 4},
    }


def test_records_suite_passes_distinct_ids(tmp_path):
    kept = _staged(tmp_path, id=["a", "b"], source=["s", "s"], license=["MIT", "MIT"], lang=["en", "en"], text=["x", "y"])
    assert run_gate(["records"], kept, {"input": 2, "kept": 2, "rejected": 0}, tmp_path / "run").success


def test_records_frame_holds_statistics_not_text(tmp_path):
    texts = ["héllo", "你好，电话 13812345678"]
    stats = _staged(tmp_path, id=["a", "b"], source=["s", "t"], license=["MIT", "MIT"], lang=["en", "zh"], text=texts)
    frame = records_frame(stats, ["id", "source", "text_chars", "residual_identifiers"])
    assert list(frame.columns) == ["id", "source", "text_chars", "residual_identifiers"]
    assert frame["text_chars"].tolist() == [5, len(texts[1])] and frame["residual_identifiers"].tolist() == [0, 1]
    assert str(frame["source"].dtype) == "category" and frame["id"].tolist() == ["a", "b"]


def test_records_frame_loads_only_named_columns_and_rejects_unknown_ones(tmp_path):
    stats = _staged(tmp_path, id=["a"], source=["s"], license=["MIT"], lang=["en"], text=["x"])
    frame = records_frame(stats, ["id_hash", "lang"])
    assert list(frame.columns) == ["id_hash", "lang"] and str(frame["id_hash"].dtype) == "Int64"
    with pytest.raises(ValueError, match="unknown columns \\['idd'\\]"):
        records_frame(stats, ["idd"])


def test_residual_identifiers_are_counted_field_by_field():
    """A record is scanned field by field: the end of its text ("… from Halifax.") is no phone context
    for a date in its meta, while an identifier left in any one field still counts."""
    from expectations.gate import record_stats

    fields = [
        ["She commutes daily from Halifax.", '{"published":"2024-09-03T17:15:00Z","source_id":"n-1"}'],
        ["Nothing here.", '{"contact":"alice@example.com"}', "line=1;offset=0"],
    ]
    stats = record_stats(["a", "b"], ["s", "s"], ["MIT", "MIT"], ["en", "en"], [f[0] for f in fields], ["residual_identifiers"], fields)
    assert stats.column("residual_identifiers").to_pylist() == [0, 1]


def test_a_string_repeated_across_records_counts_in_each():
    """Each distinct string is scanned once per batch, but counted for every record that holds it."""
    from expectations.gate import record_stats

    shared = "/data/alice@example.com/part-0.jsonl"  # the same input file path on every record
    fields = [["first", shared], ["second", shared], ["mail bob@example.com", "/data/other.jsonl"]]
    stats = record_stats(["a", "b", "c"], ["s"] * 3, ["MIT"] * 3, ["en"] * 3, [f[0] for f in fields], ["residual_identifiers"], fields)
    assert stats.column("residual_identifiers").to_pylist() == [1, 1, 1]


def test_the_gate_scans_what_came_from_the_input_not_our_locators():
    """A byte offset 13 GB into a file reads as a mobile number: the locator is ours and is not scanned."""
    from pipelines.graph import published_strings
    from transforms.core.records import Batch, lineage_entry

    batch = Batch.from_rows([{
        "id": "a", "text": "plain text", "source": "s", "source_uri": "/data/part-0.jsonl",
        "locator": "line=17;offset=13812345678", "license": "MIT", "lang": "en", "meta": {"url": "https://x.org/1"},
        "content_sha256": "h", "tags": ["t"], "lineage": [lineage_entry("ingest", "keep")],
    }])  # fmt: skip
    assert published_strings(batch) == [["plain text", "url", "https://x.org/1", "/data/part-0.jsonl", "t"]]


def test_a_score_in_meta_is_no_card_number():
    """An upstream quality score kept in meta (0.4221165755827173 holds a Luhn-valid 16-digit run)
    failed every run's no_residual_pii as a bank card; a phone number in an integer or a pandas
    float64 column is still scanned as its digits."""
    from expectations.gate import record_stats
    from pipelines.graph import published_strings
    from transforms.core.records import Batch

    metas = [{"score": 0.4221165755827173}, {"tel": 13800138000}, {"tel": 13800138000.0}, {"n": [1, 2.5, True]}]
    batch = Batch.from_rows([{
        "id": str(i), "text": "plain text", "source": "s", "source_uri": "/data/part-0.jsonl", "locator": "row=1",
        "license": "MIT", "lang": "en", "meta": meta, "content_sha256": "h", "tags": [], "lineage": [],
    } for i, meta in enumerate(metas)])  # fmt: skip
    fields = published_strings(batch)
    stats = record_stats(batch.id, batch.source, batch.license, batch.lang, batch.text, ["residual_identifiers"], fields)
    assert stats.column("residual_identifiers").to_pylist() == [0, 1, 1, 0]


def test_a_word_ending_in_fax_is_no_phone_context():
    from transforms.pii.detectors import count_structured_identifiers

    assert count_structured_identifiers(["moved from Halifax 2024-09 to Fairfax 2023-11"]) == [0]
    assert count_structured_identifiers(["fax 2024-0918"]) == count_structured_identifiers(["phone 2024-0918"])


GATE_IN_A_FRESH_INTERPRETER = """
import json, sys
from pathlib import Path
import pyarrow as pa, pyarrow.dataset as ds, pyarrow.parquet as pq
from expectations.gate import record_stat_columns, record_stats, run_gate

tmp = Path(sys.argv[1])
suites = ["records", "no_residual_pii", "run_accounting"]
batch = record_stats(["a", "b", "c"], ["s"] * 3, ["MIT"] * 3, ["en"] * 3, ["one", "two", "three"], record_stat_columns(suites))
pq.write_table(pa.Table.from_batches([batch]), tmp / "stats.parquet")
stats = ds.dataset([str(tmp / "stats.parquet")])
shipped = run_gate(suites, stats, {"input": 3, "kept": 3, "rejected": 0}, tmp / "run1")
loaded_by_shipped = "scipy.stats._stats_py" in sys.modules
(tmp / "kl.json").write_text(json.dumps({"name": "kl", "meta": {"frame": "records"}, "expectations": [
    {"type": "expect_column_kl_divergence_to_be_less_than",
     "kwargs": {"column": "text_chars", "partition_object": {"bins": [0, 4, 10], "weights": [0.5, 0.5]}, "threshold": 0.6}}]}))
kl = run_gate([str(tmp / "kl.json")], stats, {"input": 3, "kept": 3, "rejected": 0}, tmp / "run2")
print(json.dumps({"shipped": shipped.success, "loaded_by_shipped": loaded_by_shipped,
                  "kl": [(o.success, o.observed) for o in kl.outcomes if o.suite == "kl"]}))
"""


def test_the_shipped_suites_run_without_scipy_stats_and_a_suite_using_it_still_can(tmp_path):
    # scipy.stats is ≈ 30 % of Great Expectations' import and only its KL-divergence expectation uses it:
    # deferred to first use, a run of the shipped suites never loads it, a suite naming that expectation gets it
    completed = subprocess.run([sys.executable, "-c", GATE_IN_A_FRESH_INTERPRETER, str(tmp_path)],
                               capture_output=True, text=True, check=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["shipped"] is True
    assert result["loaded_by_shipped"] is False
    # text lengths 3, 3, 5 over bins [0, 4) and [4, 10): observed (2/3, 1/3) against (1/2, 1/2)
    [(success, observed)] = result["kl"]
    assert success is True and observed == pytest.approx(2 / 3 * math.log(4 / 3) + 1 / 3 * math.log(2 / 3))

"""The demo and benchmark corpus generators: deterministic, and the planted cases are really there."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from demo import textgen as T  # noqa: E402

PY = sys.executable


def _run(*args: str) -> None:
    subprocess.run([PY, *args], cwd=ROOT, check=True, capture_output=True)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "corpus"
    _run("demo/make_corpus.py", str(out))
    return out


@pytest.fixture(scope="module")
def manifest(demo_corpus) -> dict:
    return json.loads((demo_corpus / "MANIFEST.json").read_text())


def test_demo_corpus_is_byte_identical_across_runs(demo_corpus, tmp_path):
    again = tmp_path / "corpus"
    _run("demo/make_corpus.py", str(again))
    assert _tree(demo_corpus) == _tree(again)


def test_demo_sources_and_counts(manifest):
    assert set(manifest["sources"]) == {"news_en", "forum_zh", "techdocs", "notices_zh", "blog_nc", "scraped_forum_en", "pages_txt"}
    assert 9_000 <= manifest["totals"]["well_formed_documents"] <= 11_000
    for name, source in manifest["sources"].items():
        assert source["rows"] >= 500, name


def test_demo_planted_categories_present(manifest):
    totals = manifest["totals"]
    for category in ["classified", "classified_negative", "high_risk", "high_risk_negative", "aigc_explicit", "aigc_implicit",
                     "credential:aws_key_pair", "credential:private_key", "credential:db_connection_string", "licence_conflict",
                     "cn_id_valid", "cn_id_invalid", "malformed:invalid_json", "malformed:invalid_utf8", "malformed:oversized",
                     "malformed:mojibake", "malformed:wrong_type", "malformed:truncated_archive", "quality:template_residue"]:
        assert totals.get(category, 0) >= 1, category
    assert totals["duplicate_exact"] >= 100 and totals["duplicate_near"] >= 100
    assert totals["pii_documents"] >= 0.08 * totals["well_formed_documents"]


def _jsonl_rows(corpus: Path, ref: dict) -> bytes:
    data = (corpus / ref["file"]).read_bytes()
    if ref["file"].endswith(".gz"):
        data = gzip.decompress(data)
    elif ref["file"].endswith(".zst"):
        import zstandard

        data = zstandard.ZstdDecompressor().decompress(data)
    return data.split(b"\n")[ref["row"]]


def test_cn_id_check_digits_valid_and_invalid_where_planted(demo_corpus, manifest):
    pattern = re.compile(r"\d{17}[\dX]")
    for label, expected in (("cn_id_valid", True), ("cn_id_invalid", False)):
        refs = [r for r in manifest["planted"][label] if r["source"] == "forum_zh"]
        assert refs
        for ref in refs:
            content = json.loads(_jsonl_rows(demo_corpus, ref))["content"]
            ids = pattern.findall(content)
            assert ids and all((T.cn_id_check_digit(i[:17]) == i[17]) is expected for i in ids), ref


def test_offensive_share_exceeds_five_percent_only_in_scraped_forum(manifest):
    for name, source in manifest["sources"].items():
        share = source["planted"].get("offensive", 0) / source["well_formed_documents"]
        assert (share > 0.05) is (name == "scraped_forum_en"), (name, share)


def test_truncated_archive_fails_to_decompress_to_the_end(demo_corpus, manifest):
    info = manifest["sources"]["news_en"]["truncated_archive"]
    data = (demo_corpus / info["file"]).read_bytes()
    with pytest.raises(EOFError):
        gzip.decompress(data)
    decoder = zlib.decompressobj(wbits=31)
    readable = decoder.decompress(data)
    assert not decoder.eof
    assert readable.count(b"\n") == info["complete_lines_readable"] < info["records_written"]


def test_duplicate_groups_point_at_equal_or_similar_text(demo_corpus, manifest):
    jsonl_groups = [g for g in manifest["duplicate_groups"] if g["original"]["source"] == "news_en"
                    and all(c["source"] == "news_en" for c in g["copies"])]
    for group in jsonl_groups[:40]:
        original = json.loads(_jsonl_rows(demo_corpus, group["original"]))["text"]
        for copy in group["copies"]:
            text = json.loads(_jsonl_rows(demo_corpus, copy))["text"]
            if copy["kind"] == "exact":
                assert text == original
            else:
                assert T.jaccard(T.word_shingles(text.lower()), T.word_shingles(original.lower())) >= 0.5


def test_luhn_and_iban_generators():
    import random

    rng = random.Random(1)
    assert all(T.luhn_valid(T.bank_card(rng)) for _ in range(200))
    assert all(T.iban_valid(T.iban(rng)) for _ in range(200))
    assert T.cn_id_check_digit("11010519491231002") == "X"  # GB 11643 worked example


def test_bench_corpus_deterministic_with_planted_shares(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        _run("bench/make_corpus.py", "--docs", "3000", "--out", str(out), "--shards", "3", "--seed", "7")
    assert _tree(first) == _tree(second)
    rows = [json.loads(line) for shard in sorted(first.glob("part-*.jsonl")) for line in shard.read_text().splitlines()]
    assert len(rows) == 3000 and len({r["id"] for r in rows}) == 3000
    truth = json.loads((first / "ground_truth.json").read_text())
    counts = truth["counts"]
    assert 0.03 < counts["exact_duplicates"] / 3000 < 0.07 and 0.03 < counts["near_duplicates"] / 3000 < 0.07
    assert 0.2 < counts["pii_documents"] / 3000 < 0.35
    text = {r["id"]: r["text"] for r in rows}
    for group in truth["groups"]:
        assert all(text[d] == text[group["original"]] for d in group["exact"])
        assert all(text[d] != text[group["original"]] for d in group["near"])

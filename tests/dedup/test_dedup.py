"""Deduplication: kernel (normalise, shingle, MinHash, LSH, union-find), keep policy, Beam stage, cross-version."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
from pathlib import Path
from types import SimpleNamespace

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from pydantic import ValidationError

from transforms.core.stage import RunContext
from transforms.dedup.resolve import DecisionLookup, DecisionTable, DedupParams, batch_chunk, candidate_pairs, keep_order, resolve, resolve_component, signature_chunk
from transforms.dedup import buckets
from transforms.dedup.stage import DedupConfig
from transforms.dedup.index import StageSignaturesFn, chunk_from_arrow, chunk_to_arrow, index_dir, index_parts
from transforms.core.hashing import components, normalize, normalize_codes, pairs_within_runs, shingle_hashes, shingle_hashes_of_codes
from transforms.dedup.minhash import MinHasher, band_keys, exact_key, exact_keys, jaccard_estimate, optimal_bands_rows, pair_similarity
from transforms.core.records import RECORD_SCHEMA, Batch, content_sha256, lineage_entry

RNG = random.Random(7)
VOCAB = [f"word{i}" for i in range(5000)]


def _doc(n_words: int = 160) -> list[str]:
    return [RNG.choice(VOCAB) for _ in range(n_words)]


def _edit(words: list[str], n_changes: int) -> list[str]:
    out = list(words)
    for i in RNG.sample(range(len(out)), n_changes):
        out[i] = RNG.choice(VOCAB)
    return out


def _shingle_set(text: str, **kw) -> set[int]:
    hashes, offsets = shingle_hashes([normalize(text)], **kw)
    return set(hashes[offsets[0] : offsets[1]].tolist())


def test_normalize_folds_width_case_and_whitespace():
    assert normalize("  Ｈｅｌｌｏ\u00a0 WORLD\n\tStraße ") == "hello world strasse"
    assert exact_key(normalize("A  b")) == exact_key(normalize("a b"))
    assert exact_key(normalize("a b")) != exact_key(normalize("ab"))


def test_batch_normalisation_equals_text_by_text():
    texts = ["", "   ", "  Ａb\u00a0\u3000c \n", "\u0301é Straße", "x\x1cy\x1f ", "中文  テキスト ไทย", "ascii  only\t", "\ud800 lone"]
    # full-width forms and Roman numerals (one-character decompositions), "…" and "´" (longer ones), and a
    # full-width letter that composes with the accent after it once it is ASCII
    width = ["第三条（一）Ⅲ，见附件：", "wait…  it´s", "Ａ\u0301 ﬁne", "plain text"]
    for batch in (texts, [t for t in texts if t.isascii()], texts + ["nul\0inside  it"], [], width, texts + width):
        codes, bounds = normalize_codes(batch)
        decoded = codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
        assert [decoded[s : e - 1] for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist())] == [normalize(t) for t in batch]
        assert exact_keys(codes, bounds).tobytes() == b"".join(exact_key(normalize(t)) for t in batch)
        hashes, offsets = shingle_hashes_of_codes(codes, bounds)
        expected = shingle_hashes([normalize(t) for t in batch])
        assert np.array_equal(hashes, expected[0]) and np.array_equal(offsets, expected[1])


def test_word_shingles_ignore_punctuation_and_count_ngrams():
    assert _shingle_set("The quick, brown fox jumps over!") == _shingle_set("the quick brown fox jumps over")
    assert len(_shingle_set("a b c d e f g")) == 3  # 7 words → 3 word 5-grams
    assert len(_shingle_set("a b", word_ngram=5)) == 1  # short run → one shingle of the whole run
    assert _shingle_set("!!! ...") == set()


def test_chinese_uses_character_ngrams():
    text = "今天天气很好我们去公园散步吧"
    assert len(_shingle_set(text, char_ngram=5)) == len(text) - 4
    # one changed character touches at most char_ngram shingles
    assert len(_shingle_set(text) - _shingle_set("今天天气很坏我们去公园散步吧")) == 5


def test_mixed_text_shingles_each_run_by_its_script():
    mixed = "我们使用机器学习 apache beam pipeline runs on many workers 来处理数据"
    shingles = _shingle_set(mixed)
    # CJK run (8 chars → 4), word run (7 words → 3), CJK run (5 chars → 1)
    assert len(shingles) == 8
    assert _shingle_set("apache beam pipeline runs on many workers") <= shingles


def test_minhash_estimates_agree_with_exact_and_datasketch():
    from datasketch import MinHash

    hasher = MinHasher(num_perm=128, seed=3)
    ours, exact, theirs = [], [], []
    for changes in range(0, 160, 8):
        a = " ".join(_doc())
        b = " ".join(_edit(a.split(), changes))
        hashes, offsets = shingle_hashes([a, b])
        sets = [set(hashes[offsets[i] : offsets[i + 1]].tolist()) for i in range(2)]
        exact.append(len(sets[0] & sets[1]) / len(sets[0] | sets[1]))
        sig = hasher.signatures(hashes, offsets)
        ours.append(float(jaccard_estimate(sig[0], sig[1])))
        ds = [MinHash(num_perm=128, seed=3) for _ in range(2)]
        for m, s in zip(ds, sets):
            m.update_batch([int(h).to_bytes(8, "little") for h in s])
        theirs.append(ds[0].jaccard(ds[1]))
    ours, exact, theirs = map(np.array, (ours, exact, theirs))
    sd = np.sqrt(np.maximum(exact * (1 - exact), 0.01) / 128)
    assert np.all(np.abs(ours - exact) <= 4 * sd)
    assert np.all(np.abs(ours - theirs) <= 4 * np.sqrt(2) * sd)
    assert abs(np.mean(ours - exact)) < 0.02  # no bias


def test_optimal_bands_rows_matches_datasketch():
    from datasketch.lsh import _optimal_param

    for threshold in (0.5, 0.7, 0.85):
        assert optimal_bands_rows(threshold, 128) == _optimal_param(threshold, 128, 0.5, 0.5)


def test_band_keys_equal_only_for_equal_bands():
    sig = np.tile(np.arange(12, dtype=np.uint32), (2, 1))
    sig[1, 4:] += 100  # second doc shares only band 0
    keys = band_keys(sig, bands=3, rows=4)
    assert keys.shape == (2, 3)
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1]
    same = np.tile(np.uint32(5), (1, 12))
    assert len(set(band_keys(same, 3, 4)[0].tolist())) == 3  # bands salted by index


def test_candidate_pairs_star_and_small_runs():
    band = np.array([1, 1, 1, 2, 2, 3], dtype=np.uint64)
    docs = np.array([30, 10, 20, 10, 40, 50], dtype=np.uint64)
    a, b = candidate_pairs(band, docs)
    assert sorted(zip(a.tolist(), b.tolist())) == [(10, 20), (10, 30), (10, 40), (20, 30)]


def test_pairs_within_runs():
    i, j = pairs_within_runs(np.array([0, 5]), np.array([3, 2]))
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2), (1, 2), (5, 6)]
    i, j = pairs_within_runs(np.array([2]), np.array([4]), skip_first=True)
    assert list(zip(i.tolist(), j.tolist())) == [(3, 4), (3, 5), (4, 5)]


def test_components_are_order_independent():
    a = np.array([9, 7, 100], dtype=np.uint64)
    b = np.array([7, 5, 200], dtype=np.uint64)
    keys, comp = components(a, b)
    keys2, comp2 = components(b[::-1], a[::-1])
    assert keys.tolist() == [5, 7, 9, 100, 200] and comp.tolist() == [5, 5, 5, 100, 100]
    assert comp.tolist() == comp2.tolist() and keys.tolist() == keys2.tolist()
    chain = np.arange(1, 2001, dtype=np.uint64)  # one long chain, edges shuffled, plus a self-loop
    order = np.random.default_rng(1).permutation(1999)
    keys, comp = components(np.append(chain[:-1][order], 5000), np.append(chain[1:][order], 5000))
    assert set(comp[:-1].tolist()) == {1} and comp[-1] == 5000
    empty_keys, empty_comp = components(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    assert len(empty_keys) == 0 and len(empty_comp) == 0


def _scipy_components(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The reference: scipy's connected components, labelled by each component's smallest key."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keys, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    edges = coo_matrix((np.ones(len(a), np.int8), (inverse[: len(a)], inverse[len(a) :])), shape=(len(keys), len(keys)))
    roots = connected_components(edges, directed=False)[1]
    smallest = np.full(len(keys), len(keys))
    np.minimum.at(smallest, roots, np.arange(len(keys)))
    return keys[smallest[roots]]


@pytest.mark.parametrize("shape", ["clusters", "random", "shuffled_chain", "zigzag_chain", "star", "self_loops"])
def test_components_match_scipy(shape):
    rng = np.random.default_rng(len(shape))
    n = 20_000
    nodes = rng.permutation(2**63 + np.arange(n, dtype=np.uint64) * 7919)  # large keys, arbitrary order
    if shape == "clusters":  # near-duplicate clusters: most edges between close keys, some across
        a = rng.integers(0, n, 15_000)
        b = np.where(rng.random(15_000) < 0.9, np.minimum(a + rng.integers(1, 4, 15_000), n - 1), rng.integers(0, n, 15_000))
    elif shape == "random":
        a, b = rng.integers(0, n, n), rng.integers(0, n, n)
    elif shape == "shuffled_chain":
        a, b = np.arange(n - 1), np.arange(1, n)
    elif shape == "zigzag_chain":  # 0, 2, 4, …, 5, 3, 1: smallest keys at both ends
        order = np.concatenate([np.arange(0, n, 2), np.arange(1, n, 2)[::-1]])
        a, b = order[:-1], order[1:]
    elif shape == "star":
        a, b = np.full(n - 1, n // 2), np.delete(np.arange(n), n // 2)
    else:
        a = rng.integers(0, n, 5_000)
        b = np.where(rng.random(5_000) < 0.5, a, rng.integers(0, n, 5_000))
    edges = rng.permutation(len(a))
    a, b = nodes[a[edges]], nodes[b[edges]]
    keys, labels = components(a, b)
    assert np.array_equal(keys, np.unique(np.concatenate([a, b])))
    assert np.array_equal(labels, _scipy_components(a, b))


def test_components_import_no_scipy():
    """scipy's sparse graph modules cost ≈ 0.24 CPU s to import in every process that runs dedup."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from transforms.core.hashing import components\n"
        "components(np.array([1, 2], np.uint64), np.array([2, 3], np.uint64))\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.sparse')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_keep_policy_priority_length_id():
    params = DedupParams(keep=("source_priority", "longest", "id"), source_priority=("gold", "silver"))
    chunk = signature_chunk(["c", "b", "a", "d"], ["x y z", "x y z w", "x y", "x y z w v"], params, sources=["silver", "gold", "gold", "web"])
    order = keep_order(chunk, params)
    assert [chunk.ids[i] for i in order] == ["b", "a", "c", "d"]
    by_id = DedupParams(keep=("id",))
    assert [chunk.ids[i] for i in keep_order(chunk, by_id)] == ["a", "b", "c", "d"]


def test_resolve_component_reasons_and_details():
    params = DedupParams(threshold=0.5, bands=16, rows=8)
    base = _doc()
    texts = [" ".join(base), " ".join(base).upper(), " ".join(_edit(base, 6)), " ".join(_doc())]
    chunk = signature_chunk(["k", "x", "n", "u"], texts, params)
    decisions, counts = resolve_component(chunk, params)
    kept = decisions["k"]  # equal lengths, so id decides: "k" < "n" < "x"
    assert kept[0] == "keep"
    assert decisions["x"][0] == "exact_duplicate" and decisions["x"][1]["similarity"] == 1.0
    assert decisions["n"][0] == "near_duplicate" and decisions["n"][1]["kept_id"] == "k"
    assert 0.5 <= decisions["n"][1]["similarity"] < 1.0
    assert "u" not in decisions and counts["clusters"] == 1


def test_a_chain_of_similar_docs_keeps_its_unrelated_ends():
    # a ~ b and b ~ c (Jaccard ≈ 0.6) but a and c share little (≈ 0.3): one component, two survivors.
    params = DedupParams(threshold=0.5, bands=16, rows=8)
    words = _doc(200)
    texts = [" ".join(words[start : start + 100]) for start in (0, 25, 50)]
    chunk = signature_chunk(["a", "b", "c"], texts, params)
    decisions, counts = resolve_component(chunk, params)
    assert counts["clusters"] == 1
    assert decisions["a"][0] == "keep" and decisions["c"][0] == "keep"
    assert decisions["b"][0] == "near_duplicate" and decisions["b"][1]["kept_id"] in {"a", "c"}
    assert decisions["b"][1]["similarity"] >= 0.5 and decisions["b"][1]["cluster_size"] == 3


def test_resolve_many_components_at_once_matches_one_by_one():
    params = DedupParams(threshold=0.5, bands=16, rows=8)
    ids, texts, labels = [], [], []
    for component in range(6):
        base = _doc()
        for copy in range(component % 3 + 2):
            ids.append(f"c{component}-{copy}")
            texts.append(" ".join(_edit(base, 3 * copy) if copy < 3 else _doc()))
            labels.append(component)
    chunk = signature_chunk(ids, texts, params).take(np.arange(len(ids))[::-1])  # components need not arrive sorted
    chunk.labels = np.array(labels[::-1], dtype=np.uint64)
    rows, table, counts = resolve(chunk, params)
    together = {chunk.ids[r]: (d.reason or "keep", dict(d.detail)) for r, d in zip(rows.tolist(), (table.decision(k) for k in range(len(table))))}
    one_by_one = {}
    for component in range(6):
        members = np.flatnonzero(chunk.labels == component)
        one_by_one.update(resolve_component(chunk.take(members), params)[0])
    assert together == one_by_one and counts["clusters"] == 6
    lookup = DecisionTable.concat([table]).lookup(["c0-1", "nobody"])  # concat also sorts by key for lookup
    assert (lookup[0].reason or "keep", lookup[0].detail) == together["c0-1"]
    assert lookup[1].action == "keep" and lookup[1].detail is None


def test_config_validation_names_key():
    with pytest.raises(ValidationError, match="bands"):
        DedupConfig(bands=20)
    with pytest.raises(ValidationError, match="bands"):
        DedupConfig(bands=20, rows=10)
    with pytest.raises(ValidationError, match="keep"):
        DedupConfig(keep=["newest"])
    with pytest.raises(ValidationError, match="date_field"):
        DedupConfig(keep=["earliest"])
    with pytest.raises(ValidationError, match="extra"):
        DedupConfig(treshold=0.3)
    params = DedupConfig(threshold=0.7).params()
    assert params.bands * params.rows <= 128 and params.bands > 1


def _batch(rows: list[tuple[str, str, str]]) -> Batch:
    return Batch.from_rows(
        {
            "id": rid,
            "text": text,
            "source": source,
            "source_uri": f"file://{source}",
            "locator": rid,
            "license": "MIT",
            "lang": "en",
            "meta": {},
            "content_sha256": content_sha256(text),
            "tags": [],
            "lineage": [lineage_entry("ingest", "keep")],
        }
        for rid, text, source in rows
    )


def _corpus():
    a, b, c = _doc(), _doc(), _doc()
    zh = "".join(RNG.choice("的一是不了人我在有他这中大来上国个到说们为子和地出道也时年得就那要下以生会自之着去") for _ in range(300))
    rows = [
        ("a1", " ".join(a), "web"),
        ("a2", " ".join(a).upper() + "  ", "gold"),  # exact copy from the preferred source
        ("a3", " ".join(_edit(a, 4)), "web"),  # light edit
        ("b1", " ".join(b), "web"),
        ("b2", " ".join(_edit(b, 5)), "web"),
        ("c1", " ".join(c), "web"),  # unique
        ("z1", zh, "web"),
        ("z2", zh[:100] + "改" + zh[101:], "web"),  # one character changed
        ("u1", " ".join(_doc()), "web"),
    ]
    return rows


def _ctx(tmp_path, mode="append"):
    return RunContext(
        run_id="run-1",
        out_dir=tmp_path,
        run_dir=tmp_path / "runs" / "run-1",
        staging_dir=tmp_path / "staging",
        config=SimpleNamespace(output=SimpleNamespace(mode=mode)),
    )


def test_stage_in_beam_keeps_one_per_cluster(tmp_path):
    rows = _corpus()
    batches = [_batch(rows[:4]), _batch(rows[4:])]
    stage = DedupConfig(source_priority=["gold"], cross_version=False).create()
    options = PipelineOptions(["--runner=FnApiRunner"])
    with BeamTestPipeline(runner="FnApiRunner", options=options) as p:
        kept, rejects = stage.expand(p | beam.Create(batches), _ctx(tmp_path))
        assert_that(kept | "KeptIds" >> beam.FlatMap(lambda b: b.id), equal_to(["a2", "b1", "c1", "z1", "u1"]), label="kept")
        assert_that(
            rejects
            | "Rows" >> beam.FlatMap(lambda rows: [(r["id"], r["reason"], json.loads(r["detail"])["kept_id"], r["category"], r["clause"], r["risk_level"]) for r in rows]),
            equal_to(
                [
                    ("a1", "exact_duplicate", "a2", "duplicate", "4.1.2(b)", "low"),
                    ("a3", "near_duplicate", "a2", "duplicate", "4.1.2(b)", "low"),
                    ("b2", "near_duplicate", "b1", "duplicate", "4.1.2(b)", "low"),
                    ("z2", "near_duplicate", "z1", "duplicate", "4.1.2(b)", "low"),
                ]
            ),
            label="rejects",
        )
        assert_that(
            kept | "KeptLineage" >> beam.FlatMap(lambda b: [(i, h[-1]["stage"], h[-1]["action"]) for i, h in zip(b.id, b.lineage)]),
            equal_to([(i, "dedup", "keep") for i in ["a2", "b1", "c1", "z1", "u1"]]),
            label="lineage",
        )


def _publish(ctx, stage, batch: Batch, version: int, staged: Batch | None = None, prepared: bool = True) -> None:
    """What a run leaves for ``on_publish``: signatures staged by the dedup step (of ``staged``,
    default ``batch``), ``batch`` as the kept records, the index part prepared (as a run does, before
    the commit) unless ``prepared`` is false, committed as ``version`` of the dataset."""
    from deltalake import write_deltalake

    ctx = dataclasses.replace(ctx, run_id=f"run-{version}")
    records = pa.Table.from_batches([batch.to_arrow()], schema=RECORD_SCHEMA)
    list(StageSignaturesFn(ctx.stage_dir("dedup")).process(batch_chunk(staged or batch, stage.params)))
    os.makedirs(ctx.kept_dir, exist_ok=True)
    pq.write_table(records, os.path.join(ctx.kept_dir, "part-0.parquet"))
    if prepared:
        stage.prepare_publish(ctx)
    write_deltalake(str(ctx.dataset_dir), records, mode="append")
    stage.on_publish(ctx, version)
    shutil.rmtree(ctx.staging_dir)


def test_index_of_an_appended_version_links_the_previous_parts_and_adds_only_published_records(tmp_path):
    rows = _corpus()
    stage = DedupConfig().create()
    ctx = _ctx(tmp_path)
    _publish(ctx, stage, _batch(rows[:2]), version=0)
    second = _batch(rows[3:5])
    # the run signed one more record that a later stage rejected: it is not in the index
    _publish(ctx, stage, second, version=1, staged=_batch(rows[3:6]))
    parts = index_parts(index_dir(tmp_path, 1))
    assert len(parts) == 2 and os.stat(parts[0]).st_ino in {os.stat(p).st_ino for p in index_parts(index_dir(tmp_path, 0))}
    ids = [i for p in parts for i in pq.read_table(p).column("id").to_pylist()]
    assert sorted(ids) == sorted([r[0] for r in rows[:2]] + [r[0] for r in rows[3:5]])


def test_the_index_part_prepared_before_the_commit_is_the_one_on_publish_writes_itself(tmp_path):
    rows = _corpus()
    parts = {}
    for prepared in (True, False):
        out = tmp_path / str(prepared)
        _publish(_ctx(out), DedupConfig().create(), _batch(rows[:4]), version=0, staged=_batch(rows[:6]), prepared=prepared)
        (part,) = index_parts(index_dir(out, 0))
        parts[prepared] = pq.read_table(part)
    assert parts[True].num_rows == 4 and parts[True].equals(parts[False])


def test_index_is_signed_from_the_version_when_the_previous_index_is_missing(tmp_path):
    rows = _corpus()
    stage = DedupConfig().create()
    ctx = _ctx(tmp_path)
    _publish(ctx, stage, _batch(rows[:2]), version=0)
    shutil.rmtree(index_dir(tmp_path, 0))  # e.g. version 0 was published with cross_version off
    _publish(ctx, stage, _batch(rows[3:5]), version=1)
    parts = index_parts(index_dir(tmp_path, 1))
    table = pa.concat_tables(pq.read_table(p) for p in parts)
    assert sorted(table.column("id").to_pylist()) == sorted(r[0] for r in rows[:2] + rows[3:5])
    signed = {r[0]: r[1] for r in rows}
    again = chunk_from_arrow(table, -1)
    fresh = signature_chunk(again.ids, [signed[i] for i in again.ids], stage.params)
    assert np.array_equal(again.signatures, fresh.signatures) and np.array_equal(again.exact, fresh.exact)


def test_a_rollback_restores_the_index_of_the_version_it_restores(tmp_path):
    from pipelines.publish import rollback
    from transforms.dedup.index import published_index

    rows = _corpus()
    stage = DedupConfig().create()
    ctx = _ctx(tmp_path)
    _publish(ctx, stage, _batch(rows[:2]), version=0)
    _publish(ctx, stage, _batch(rows[3:5]), version=1)
    assert rollback(tmp_path, to=0, reason="bad batch", by="test") == 2
    parts, version, note = published_index(tmp_path, ctx.dataset_dir, stage.params)
    assert version == 2 and "published version 2" in note
    assert [os.path.basename(p) for p in parts] == [os.path.basename(p) for p in index_parts(index_dir(tmp_path, 0))]


def test_pair_similarity_in_blocks_equals_the_estimate_of_each_pair():
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 4, size=(50, 128), dtype=np.uint32)
    i, j = rng.integers(0, 50, 1000), rng.integers(0, 50, 1000)
    expected = jaccard_estimate(signatures[i], signatures[j])
    assert np.array_equal(pair_similarity(signatures, i, j, block=7), expected)
    assert 0.2 < expected.mean() < 0.3  # 1/4 of positions agree by chance


def test_signature_files_round_trip():
    rows = _corpus()
    params = DedupConfig().params()
    chunk = batch_chunk(_batch(rows), params)
    back = chunk_from_arrow(pa.Table.from_batches([chunk_to_arrow(chunk)]), -1)
    for name in ("keys", "exact", "signatures", "has_shingles", "lengths", "versions"):
        assert np.array_equal(getattr(back, name), getattr(chunk, name)), name
    assert (back.ids, back.sources, back.dates) == (chunk.ids, chunk.sources, chunk.dates)
    published = chunk_from_arrow(pa.Table.from_batches([chunk_to_arrow(chunk)]), 3)
    assert (published.versions == 3).all() and not np.intersect1d(published.keys, chunk.keys).size


def test_cross_version_rejects_copies_of_published_records(tmp_path):
    rows = _corpus()
    published = _batch([rows[0], rows[3], rows[5]])  # a1, b1, c1 published as version 0
    ctx = _ctx(tmp_path)
    stage = DedupConfig().create()
    _publish(ctx, stage, published, version=0)
    assert json.loads((Path(index_dir(tmp_path, 0)) / "params.json").read_text())["rows"] == 3  # beside version 0

    a, b = rows[0][1].split(), rows[3][1].split()
    resubmitted = _batch(
        [
            ("new-a", " ".join(_edit(a, 3)), "web"),  # near copy of published a1
            ("new-b", " ".join(b), "web"),  # exact copy of published b1
            ("c1", rows[5][1], "web"),  # the same record again is not its own duplicate
            ("fresh", " ".join(_doc()), "web"),
        ]
    )
    stage = DedupConfig().create()
    options = PipelineOptions(["--runner=FnApiRunner"])
    with BeamTestPipeline(runner="FnApiRunner", options=options) as p:
        kept, rejects = stage.expand(p | beam.Create([resubmitted]), ctx)
        assert_that(kept | "KeptIds" >> beam.FlatMap(lambda b: b.id), equal_to(["c1", "fresh"]), label="kept")
        assert_that(
            rejects
            | "Rows" >> beam.FlatMap(lambda rows: [(r["id"], r["reason"], json.loads(r["detail"])["kept_id"], json.loads(r["detail"])["published_version"]) for r in rows]),
            equal_to([("new-a", "near_duplicate", "a1", 0), ("new-b", "exact_duplicate", "b1", 0)]),
            label="rejects",
        )
    assert "published version 0" in stage.cross_version_note


@pytest.mark.parametrize("shuffle_buckets, flush_rows", [(1, None), (7, 3), (64, 1)])
def test_grouping_on_disk_gives_the_same_decisions_whatever_the_buckets_and_file_sizes(tmp_path, monkeypatch, shuffle_buckets, flush_rows):
    """Band and candidate groupings go through bucketed spill files: one bucket or many, one file or
    one per few rows, the decisions are the same."""
    if flush_rows:
        monkeypatch.setattr(buckets, "FLUSH_ROWS", flush_rows)
    rows = _corpus()
    batches = [_batch(rows[:3]), _batch(rows[3:6]), _batch(rows[6:])]
    stage = DedupConfig(source_priority=["gold"], cross_version=False, shuffle_buckets=shuffle_buckets).create()
    whole = _batch(rows)  # the reference: every document resolved at once, in memory
    chunk = batch_chunk(whole, stage.params)
    chunk.labels = np.zeros(len(chunk), np.uint64)  # one component: every pair is verified
    _, table, _ = resolve(chunk, stage.params)
    reference = [(i, d.reason, d.detail["kept_id"]) for i, d in zip(whole.id, DecisionLookup(DecisionTable.concat([table])).decide(whole)) if d.action == "reject"]
    assert len(reference) == 4
    with BeamTestPipeline(runner="FnApiRunner", options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        kept, rejects = stage.expand(p | beam.Create(batches), _ctx(tmp_path))
        assert_that(kept | "KeptIds" >> beam.FlatMap(lambda b: b.id), equal_to(sorted(set(whole.id) - {r[0] for r in reference})), label="kept")
        assert_that(
            rejects | "Rows" >> beam.FlatMap(lambda rows: [(r["id"], r["reason"], json.loads(r["detail"])["kept_id"]) for r in rows]),
            equal_to(reference),
            label="rejects",
        )
    spilled = list((tmp_path / "staging" / "stages" / "dedup" / "bands").glob("*.parquet"))
    assert spilled and (flush_rows != 1 or len(spilled) == len(batches))  # a file per input element at the smallest flush size


def test_bucket_spill_files_hold_one_row_group_per_bucket(tmp_path):
    class Pieces(buckets.BucketSpillFn):
        def pieces(self, element):
            for bucket, value in element:
                yield bucket, pa.table({"v": [value]})

    fn = Pieces(str(tmp_path), flush_rows=100)
    fn.start_bundle()
    assert list(fn.process([(5, 1), (2, 2), (5, 3)])) == []
    (written,) = [w.value for w in fn.finish_bundle()]
    path, present = written
    assert present == [2, 5]
    files = [written]
    assert [t.column("v").to_pylist() for t in buckets.read_bucket(files, 5)] == [[1, 3]]
    assert [t.column("v").to_pylist() for t in buckets.read_bucket(files, 2)] == [[2]]
    assert list(buckets.read_bucket(files, 3)) == []


def test_the_index_part_holds_exactly_the_published_rows_of_every_staged_signature_file(tmp_path):
    from transforms.dedup.index import _write_part, signature_schema

    params = DedupParams(num_perm=4)
    rng = np.random.default_rng(3)
    staged, expected = [], []
    for n in (5, 0, 3000, 2500):  # past the 4,096-row group: rows are gathered across files
        keys = rng.integers(0, 2**63, n, dtype=np.uint64)
        table = pa.table(
            {
                "key": pa.array(keys, pa.uint64()),
                "exact": pa.array([rng.bytes(16) for _ in range(n)], pa.binary(16)),
                "signature": pa.array([rng.bytes(16) for _ in range(n)], pa.binary(16)),
                "has_shingles": pa.array(rng.random(n) < 0.9),
                "id": pa.array([f"doc-{len(staged)}-{i}" for i in range(n)]),
                "source": pa.array(["a", "b"] * (n // 2) + ["a"] * (n % 2), pa.string()),
                "length": pa.array(rng.integers(0, 9000, n), pa.int64()),
                "date": pa.array([None if i % 3 else "2026-12-07" for i in range(n)], pa.string()),
            },
            schema=signature_schema(4),
        )
        path = tmp_path / f"staged-{len(staged)}.parquet"
        pq.write_table(table, path, **buckets.STAGING_PARQUET)
        staged.append(str(path))
        expected.append(table.filter(pa.array(rng.random(n) < 0.6)))
    published = np.sort(np.concatenate([t.column("key").to_numpy() for t in expected]))
    out = tmp_path / "part.parquet"
    rows = _write_part(staged, published, str(out), params)
    written = pq.read_table(out)
    assert rows == written.num_rows == sum(t.num_rows for t in expected) > 0
    assert written.equals(pa.concat_tables(expected))

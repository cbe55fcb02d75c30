"""Reuse below the document level: repeated paragraphs and partial copies (issue 19 item 3)."""

from __future__ import annotations

import json
import random
import unicodedata
from types import SimpleNamespace

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from pydantic import ValidationError

from transforms.core.records import Batch, content_sha256, lineage_entry
from transforms.core.stage import RunContext, apply_control
from transforms.core.hashing import normalize_codes, shingle_hashes_of_codes
from transforms.reuse.control import PARTIAL_COPY, TOO_SHORT, ReuseControl
from transforms.reuse.resolve import ReuseParams, chunk_of, decide_in_memory, order_keys
from transforms.reuse.sketch import fold, nfkc_joined, paragraph_hashes, sketch, winnow
from transforms.reuse.stage import ReuseConfig

RNG = random.Random(5)
WORDS = ("river stone market winter garden letter bridge silver morning window harbor pencil ladder candle forest "
         "engine basket mirror valley thunder meadow copper lantern saddle orchard violin marble canyon feather "
         "compass glacier hammer island jacket kettle lemon magnet needle oyster pillow quarry rocket").split()


def words(n: int) -> str:
    return " ".join(RNG.choice(WORDS) for _ in range(n))


def sentences(n: int) -> list[str]:
    return [words(RNG.randint(12, 20)).capitalize() + "." for _ in range(n)]


def test_fast_nfkc_equals_plain_nfkc():
    texts = ["ｆｕｌｌ　ｗｉｄｔｈ，（括号）：", "e\u0301 and Å", "½ … ¨", "plain ascii", "第一条　为了规范管理，制定本办法。", "\u1100\u1161"]
    assert nfkc_joined(texts) == unicodedata.normalize("NFKC", "\0".join(texts))
    assert nfkc_joined(["ascii only", "text"]) == "ascii only\0text"


def test_shingles_are_the_dedup_stages():
    texts = ["Hello, World!  This is  a test of the shingles here.", "混合 text 中文字符测试一下看看", "line one\nline two\n\nline four"]
    codes, classes, bounds = fold(texts)
    mine = shingle_hashes_of_codes(codes, bounds, 5, 5)
    theirs = shingle_hashes_of_codes(*normalize_codes(texts), 5, 5)
    assert np.array_equal(mine[0], theirs[0]) and np.array_equal(mine[1], theirs[1])


def test_paragraph_hashes_ignore_case_spacing_and_punctuation():
    texts = ["Read more about it!\nSecond line here", "READ   more, about it\n\nsecond LINE here."]
    h, chars, offsets = paragraph_hashes(*fold(texts))
    assert list(np.diff(offsets)) == [2, 3]
    assert h[0] == h[2] and h[1] == h[4] and chars[3] == 0


def test_winnowing_keeps_a_fingerprint_in_every_window():
    rng = np.random.default_rng(0)
    shingles = rng.integers(0, 2**63, 200, dtype=np.uint64)
    offsets = np.array([0, 120, 120, 123, 200])
    fps, fp_offsets = winnow(shingles, offsets, 8)
    for d in range(4):
        doc = shingles[offsets[d] : offsets[d + 1]]
        mine = set(fps[fp_offsets[d] : fp_offsets[d + 1]].tolist())
        expected = {int(doc[i : i + 8].astype(np.uint64)[np.argmin(doc[i : i + 8] >> np.uint64(32))]) for i in range(max(len(doc), 0))}
        assert mine == expected
    # a shared run of window + n - 1 tokens always gives a shared fingerprint
    a, b = words(300), words(300)
    run = " ".join(a.split()[100:112])
    sk = sketch([a, words(50) + " " + run + " " + words(50)], window=8)
    fa = set(sk.fingerprints[sk.fingerprint_offsets[0] : sk.fingerprint_offsets[1]].tolist())
    fb = set(sk.fingerprints[sk.fingerprint_offsets[1] : sk.fingerprint_offsets[2]].tolist())
    assert fa & fb


def _order(n):
    return np.arange(n, dtype=np.uint64)


def test_repeated_paragraphs_keep_the_first_occurrence():
    boiler = "Subscribe to our newsletter for the latest updates and offers"
    shared = " ".join(sentences(2))
    docs = [f"{shared}\n{' '.join(sentences(3))}\n{boiler}", f"{' '.join(sentences(3))}\n{shared}\n{boiler}", f"{' '.join(sentences(3))}\n{boiler}"]
    params = ReuseParams(containment=False)
    chunk = chunk_of(["d0", "d1", "d2"], docs, _order(3), params)
    removal, _, counts = decide_in_memory([chunk], params)
    control = ReuseControl((removal, decide_in_memory([], params)[1]), params)
    batch = _batch([(f"d{i}", t) for i, t in enumerate(docs)])
    d0, d1, d2 = control.decide(batch)
    assert d0.action == "keep"
    assert d1.action == "modify" and d1.text == docs[1].split("\n")[0]
    assert d1.detail["removed_lines"] == 2 and d1.detail["removed"][0]["first_key"] == f"{int(chunk.keys[0]):016x}"
    assert d2.action == "modify" and boiler not in d2.text and counts["repeated_lines"] == 2


def test_boilerplate_lines_go_everywhere_and_short_leftovers_are_rejected():
    boiler = "Copyright 2024 Example Media Group, all of our rights are reserved"
    docs = [f"{' '.join(sentences(3))}\n{boiler}" for _ in range(3)] + [f"Tiny.\n{boiler}"]
    params = ReuseParams(containment=False, boilerplate_min_docs=3)
    removal, containment, counts = decide_in_memory([chunk_of([f"d{i}" for i in range(4)], docs, _order(4), params)], params)
    decisions = ReuseControl((removal, containment), params).decide(_batch([(f"d{i}", t) for i, t in enumerate(docs)]))
    assert [d.action for d in decisions] == ["modify", "modify", "modify", "reject"]
    assert all(boiler not in d.text for d in decisions[:3]) and decisions[0].detail["boilerplate"] == 1
    assert decisions[3].reason == TOO_SHORT and decisions[3].category == "duplicate" and counts["boilerplate_lines"] == 1


def test_partial_copy_is_flagged_and_unrelated_text_is_not():
    source = " ".join(sentences(14))
    part = " ".join(source.split()[40:170])
    copy = " ".join(sentences(6)) + " " + part + " " + " ".join(sentences(4))
    other = " ".join(sentences(14))
    zh = "".join(RNG.choice("的一是不了人我在有他这中大来上国个到说们为子和地出道也时年得就那要下以生会自之着去过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长") for _ in range(400))
    zh_copy = "在本办法施行以前已经发生的事项依照当时的规定办理。" + zh[50:320] + "本办法自公布之日起施行。"
    ids = ["src", "copy", "other", "zh", "zhcopy"]
    texts = [source, copy, other, zh, zh_copy]
    params = ReuseParams(paragraphs=False)
    _, table, counts = decide_in_memory([chunk_of(ids, texts, _order(5), params)], params)
    decisions = ReuseControl((decide_in_memory([], params)[0], table), params).decide(_batch(list(zip(ids, texts))))
    assert [d.action for d in decisions] == ["keep", "reject", "keep", "keep", "reject"]
    assert decisions[1].reason == PARTIAL_COPY and decisions[1].detail["matched_id"] == "src"
    assert decisions[1].detail["taken_share"] >= 0.5 and decisions[1].clause == "4.1.2(e)"
    assert decisions[4].detail["matched_id"] == "zh"


def test_the_earlier_document_is_kept_and_tag_mode_removes_nothing():
    source = " ".join(sentences(12))
    copy = " ".join(sentences(3)) + " " + " ".join(source.split()[:150])
    params = ReuseParams(paragraphs=False)
    ids, texts = ["b", "a"], [source, copy]
    order = np.array([5, 1], dtype=np.uint64)  # the copy comes first in corpus order: the source is the later one
    _, table, _ = decide_in_memory([chunk_of(ids, texts, order, params)], params)
    assert list(table.matched_ids) == ["a"]
    tagged = ReuseParams(paragraphs=False, action="tag")
    _, table, _ = decide_in_memory([chunk_of(ids, texts, order, tagged)], tagged)
    decisions = ReuseControl((decide_in_memory([], tagged)[0], table), tagged).decide(_batch(list(zip(ids, texts))))
    assert [d.action for d in decisions] == ["annotate", "keep"] and PARTIAL_COPY in decisions[0].tags


def test_order_keys_follow_source_priority_file_and_line():
    keys = order_keys(["web", "gold", "web"], ["f1", "f1", "f1"], ["line=9;offset=1", "line=50", "line=2;offset=0"], ["gold"])
    assert keys[1] < keys[2] < keys[0]


def test_config_validation():
    with pytest.raises(ValidationError, match="at least one"):
        ReuseConfig(paragraphs=False, containment=False)
    with pytest.raises(ValidationError, match="boilerplate_min_docs"):
        ReuseConfig(boilerplate_min_docs=1)
    assert ReuseConfig().params().threshold == 0.3


def _batch(rows, first_line=0):
    return Batch.from_rows(
        {"id": rid, "text": text, "source": "web", "source_uri": "file://web", "locator": f"line={first_line + k}", "license": "MIT",
         "lang": "en", "meta": {}, "content_sha256": content_sha256(text), "tags": [], "lineage": [lineage_entry("ingest", "keep")]}
        for k, (rid, text) in enumerate(rows)
    )


def test_stage_in_beam(tmp_path):
    source = " ".join(sentences(14))
    boiler = "Follow us on social media for daily news and updates from the team"
    rows = [
        ("s", source + "\n" + boiler),
        ("c", " ".join(sentences(3)) + " " + " ".join(source.split()[20:160])),
        ("p", " ".join(sentences(5)) + "\n" + boiler),
        ("u", " ".join(sentences(6))),
    ]
    ctx = RunContext(run_id="run-1", out_dir=tmp_path, run_dir=tmp_path / "runs" / "run-1", staging_dir=tmp_path / "staging",
                     config=SimpleNamespace(output=SimpleNamespace(mode="overwrite")))
    stage = ReuseConfig(shuffle_buckets=4).create()
    options = PipelineOptions(["--runner=FnApiRunner"])
    with BeamTestPipeline(runner="FnApiRunner", options=options) as p:
        kept, rejects = stage.expand(p | beam.Create([_batch(rows[:2]), _batch(rows[2:], first_line=2)]), ctx)
        assert_that(kept | "Kept" >> beam.FlatMap(lambda b: [(i, h[-1]["action"], boiler in t) for i, h, t in zip(b.id, b.lineage, b.text)]),
                    equal_to([("s", "keep", True), ("p", "modify", False), ("u", "keep", False)]), label="kept")
        assert_that(rejects | "Rejects" >> beam.FlatMap(lambda rs: [(r["id"], r["reason"], json.loads(r["detail"])["matched_id"]) for r in rs]),
                    equal_to([("c", PARTIAL_COPY, "s")]), label="rejects")


def test_fold_table_equals_str_casefold():
    texts = ["Ünïcödé ÀÉÎ ΣΊΣΥΦΟΣ Привет 第一条（总则）", "Straße ﬁne", "plain", "𐐀 astral"]
    for batch in (texts[:1], texts):
        codes, _, _ = fold(batch)
        expected = unicodedata.normalize("NFKC", "\0".join(batch)).casefold() + "\0"
        assert codes.astype(np.uint32).tobytes().decode("utf-32-le") == expected


def test_a_line_first_seen_in_a_removed_partial_copy_stays_in_the_next_document():
    source = " ".join(sentences(14))
    notice = "This review was first published in the weekly film column of the Riverside Gazette newspaper"
    copy = " ".join(source.split()[:150]) + "\n" + notice  # a partial copy, and the first to carry the notice
    later = " ".join(sentences(8)) + "\n" + notice
    ids, texts = ["src", "copy", "later"], [source, copy, later]
    params = ReuseParams()
    removal, table, _ = decide_in_memory([chunk_of(ids, texts, _order(3), params)], params)
    decisions = ReuseControl((removal, table), params).decide(_batch(list(zip(ids, texts))))
    assert [d.action for d in decisions] == ["keep", "reject", "keep"]  # the notice stays in "later"
    tagged = ReuseParams(action="tag")
    removal, table, _ = decide_in_memory([chunk_of(ids, texts, _order(3), tagged)], tagged)
    decisions = ReuseControl((removal, table), tagged).decide(_batch(list(zip(ids, texts))))
    assert decisions[2].action == "modify" and notice not in decisions[2].text  # tagged copies stay: they keep it

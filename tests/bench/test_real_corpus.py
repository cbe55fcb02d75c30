"""The real-text bench corpus: the real documents first, then derived ones at the planned shares."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import real_corpus  # noqa: E402

REVIEWS = [f"Review {i}. The plot was thin but the acting held it together. I would watch it again, maybe twice." for i in range(30)]
LAWS = [f"第{i}条 本法自公布之日起施行。国务院有关部门应当依照本法制定实施办法。" for i in range(20)]


def _fake_real(folder: Path) -> Path:
    folder.mkdir()
    rows = [{"id": f"r{i}", "text": t, "url": f"https://x.example/{i}", "src": "imdb" if i < 30 else "laws"}
            for i, t in enumerate(REVIEWS + LAWS)]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    (folder / "part-00000.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    return folder


def _texts(folder: Path) -> list[str]:
    return [json.loads(line)["text"] for part in sorted(folder.glob("part-*.jsonl")) for line in part.open()]


def test_small_corpus_is_the_real_text_and_larger_ones_add_derived_documents(tmp_path):
    real = _fake_real(tmp_path / "real")
    small = real_corpus.build(40, tmp_path / "small", shards=2, seed=1, real=real)
    assert small["counts"] == {"documents": 40, "real": 40, "exact_copy": 0, "near_copy": 0, "spliced": 0}
    assert set(_texts(tmp_path / "small")) <= set(REVIEWS + LAWS)

    large = real_corpus.build(2000, tmp_path / "large", shards=3, seed=1, real=real)
    counts = large["counts"]
    assert counts["documents"] == 2000 and counts["real"] == 50
    derived = counts["documents"] - counts["real"]
    assert 0.03 < counts["exact_copy"] / derived < 0.09 and 0.03 < counts["near_copy"] / derived < 0.09
    texts = _texts(tmp_path / "large")
    assert len(texts) == 2000 and len({t for t in texts}) < 2000  # planted copies are there
    assert set(large["by_src"]) == {"imdb", "laws"}


def test_same_seed_same_corpus(tmp_path):
    real = _fake_real(tmp_path / "real")
    real_corpus.build(300, tmp_path / "a", shards=2, seed=5, real=real)
    real_corpus.build(300, tmp_path / "b", shards=2, seed=5, real=real)
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")


def test_recent_window_indexes_like_a_trimmed_list():
    ring, plain = real_corpus.Recent(5), []
    for i in range(13):
        ring.append(i)
        plain = (plain + [i])[-5:]
        assert len(ring) == len(plain) and [ring[k] for k in range(len(ring))] == plain


def test_the_statute_halves_are_fixed_by_the_id():
    ids = [f"r{i:08d}" for i in range(2000)]
    tuning = [real_corpus.statute_tuning_part({"id": i, "text": "", "src": "laws"}) for i in ids]
    assert 900 < sum(tuning) < 1100
    assert tuning == [real_corpus.statute_tuning_part({"id": i, "text": "other text", "src": "laws"}) for i in ids]
    assert tuning[:8] == [True, False, False, False, False, False, True, False]

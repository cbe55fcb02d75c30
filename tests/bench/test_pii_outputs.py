"""bench/pii_outputs.py, the exactness check of PII speed work: equal outputs compare equal, a changed span does not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import pii_outputs  # noqa: E402

from transforms.pii import detectors as det  # noqa: E402

TEXTS = ["Tom Hanks and Meg Ryan star in this film. Call 415-555-0134.", "联系人：张伟，手机13800138000。",
         "No names here, only words.", "Email ann.lee@example.com or write to 12 Maple Street, Springfield."]


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    rows = [{"id": f"r{i}", "text": t, "url": f"https://x.example/{i}", "src": "imdb"} for i, t in enumerate(TEXTS)]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    (folder / "part-00000.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    return folder


def test_same_outputs_compare_equal_and_a_dropped_span_differs(tmp_path, monkeypatch, capsys):
    corpus = _corpus(tmp_path / "real")
    pii_outputs.write_outputs(tmp_path / "a.tsv", corpus=corpus)
    pii_outputs.write_outputs(tmp_path / "b.tsv", corpus=corpus)
    assert len((tmp_path / "a.tsv").read_text().splitlines()) == len(TEXTS)
    assert pii_outputs.compare(tmp_path / "a.tsv", tmp_path / "b.tsv") == 0

    batch = det.Detector.detect_batch
    monkeypatch.setattr(det.Detector, "detect_batch", lambda self, texts: [s[1:] for s in batch(self, texts)])
    pii_outputs.write_outputs(tmp_path / "c.tsv", corpus=corpus)
    assert pii_outputs.compare(tmp_path / "a.tsv", tmp_path / "c.tsv") == 1
    assert "3 differ" in capsys.readouterr().out  # every text with a span: the third has none

"""Shared fixtures: a small corpus in every input format, with the malformed cases ingest must survive."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
import zstandard

warnings.filterwarnings("ignore")

NEWS = [
    "The city council approved a new budget for public transport on Tuesday, adding twelve bus routes.",
    "Researchers at the university published a study on coastal erosion along the northern shoreline.",
    "Local farmers reported an early harvest this year after an unusually warm and dry spring season.",
    "The museum reopened its east wing with an exhibition of nineteenth-century maritime paintings.",
    "A new library branch opened downtown, offering free coding workshops for teenagers on weekends.",
    "Officials announced repairs to the old stone bridge, which will close to traffic for three weeks.",
]
ZH = [
    "市交通委员会周二宣布，将在城区新增十二条公交线路，方便市民早晚高峰出行。",
    "今年春季气温偏高，本地果农表示樱桃提前两周成熟，预计产量比去年增加三成。",
    "市图书馆新馆正式开放，周末为青少年提供免费的编程和阅读分享活动。",
]


def write_jsonl(path: Path, rows: list, raw_lines: list[bytes] = ()) -> bytes:
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows) + b"".join(raw_lines)
    path.write_bytes(data)
    return data


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Writes tmp_path/in/... and returns tmp_path. Planted: 7 ingest rejects, 1 quality reject."""
    root = tmp_path / "in"
    for sub in ("news", "forum", "docs", "notices", "pages"):
        (root / sub).mkdir(parents=True)
    news = [{"id": f"n{i}", "text": t, "url": f"https://news.example.com/{i}"} for i, t in enumerate(NEWS)]
    bad_lines = [
        b'{"id": "bad-json", "text": \n',  # invalid_json
        b'{"id": "bad-utf8", "text": "caf\xe9 au lait, and a long enough line"}\n',  # invalid_utf8
        b'{"id": "no-text"}\n',  # missing_text
        b'{"id": "num", "text": 42}\n',  # wrong_type
        b'{"id": "blank", "text": ""}\n',  # blank_text
        b'["not", "an", "object"]\n',  # not_an_object
        b"\n",  # a blank line is not a record
        b'{"id": "huge", "text": "' + b"x" * 5000 + b'"}\n',  # oversized_record (max 4096 in tests)
        b'{"id": "short", "text": "too short"}\n',  # quality: too_short
    ]
    data = write_jsonl(root / "news" / "a.jsonl", news, bad_lines)
    packed = gzip.compress(data)
    (root / "news" / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])  # truncated_archive
    zh = [{"post_id": i, "content": t} for i, t in enumerate(ZH)]
    (root / "forum" / "a.jsonl.zst").write_bytes(
        zstandard.ZstdCompressor().compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in zh).encode())
    )
    pq.write_table(pa.table({"doc_id": ["d1", "d2"], "body": NEWS[:2]}), root / "docs" / "a.parquet")
    (root / "notices" / "a.csv").write_text("id,title,text\n1,Notice,\"" + NEWS[3] + "\"\n2,通知,\"" + ZH[0] + "\"\n")
    (root / "pages" / "p1.txt").write_text(NEWS[4] + "\n\n" + NEWS[5] + "\n")
    return tmp_path


def source(name: str, paths: list[str], **extra) -> dict:
    return {
        "name": name,
        "paths": paths,
        "license": "CC-BY-4.0",
        "basis": "licence",
        "evidence": "https://example.com/terms",
        **extra,
    }


def job_config(root: Path, **overrides) -> Path:
    config = {
        "job": "test",
        "sources": [
            source("news", ["in/news/*.jsonl", "in/news/*.jsonl.gz"], id_field="id", url_field="url"),
            source("forum", ["in/forum/*.jsonl.zst"], text_field="content", id_field="post_id"),
            source("docs", ["in/docs/*.parquet"], text_field="body", license="MIT OR Apache-2.0"),
            source("notices", ["in/notices/*.csv"], meta_fields=["title"], basis="own_data"),
            source("pages", ["in/pages/*.txt"], license="CC0-1.0", basis="public_domain"),
        ],
        "stages": [{"stage": "ingest", "max_record_bytes": 4096}, {"stage": "quality", "min_chars": 20}],
        "output": {"dir": "out"},
    }
    config.update(overrides)
    path = root / "job.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path

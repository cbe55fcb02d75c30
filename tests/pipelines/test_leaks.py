"""Raw personal data planted in id, url and meta fields (and in the text of records that are rejected)
never reaches an output or a leftover file, after a clean run or a killed one."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from pipelines.run import execute
from tests.conftest import NEWS, job_config, write_jsonl

REPO = Path(__file__).resolve().parents[2]
PLANTED = {
    "email": "leak.victim@example.org",
    "cn_id": "11010519491231002X",
    "phone": "13800138000",
    "card": "4111111111111111",
    "password": "Hunter2Secret",
}
_RUN = "import sys; from pipelines.cli import main; sys.argv = ['steward', 'run', sys.argv[1]]; main()"


def _plant(project: Path, n_bulk: int = 0) -> Path:
    rows = [
        {"id": PLANTED["email"], "text": NEWS[0], "url": f"https://e.com/u?phone={PLANTED['phone']}",
         "title": f"card {PLANTED['card']}", "author": {"id": PLANTED["cn_id"], "login": f"password={PLANTED['password']}"}},
        {"id": "short", "text": f"{PLANTED['email']} {PLANTED['card']}"},  # rejected by quality: too short
        {"id": "original", "text": NEWS[2] + " And a longer tail so that this one is kept."},
        {"id": "dup", "text": NEWS[2] + f" {PLANTED['cn_id']}"},  # a near duplicate, rejected by dedup
    ]
    rows += [{"id": f"b{i}", "text": f"{NEWS[i % len(NEWS)]} Item {i} of the bulk, call {PLANTED['phone']}."} for i in range(n_bulk)]
    write_jsonl(project / "in" / "news" / "planted.jsonl", rows)
    return job_config(
        project,
        sources=[{"name": "news", "paths": ["in/news/planted.jsonl"], "id_field": "id", "url_field": "url",
                  "meta_fields": ["title", "author"], "license": "CC-BY-4.0", "basis": "licence", "evidence": "https://e.com"}],
        stages=[{"stage": "ingest"}, {"stage": "quality", "min_chars": 40}, {"stage": "dedup", "threshold": 0.5},
                {"stage": "credentials"}, {"stage": "pii", "default_mode": "redact"}],
    )


def leaks(out: Path) -> list[str]:
    """(file, planted kind) for every planted value found in any file under ``out``: Parquet files are
    read column by column; every other file is searched as bytes."""
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            try:
                content = json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
            except Exception:  # noqa: BLE001 - unreadable: search its bytes
                content = path.read_bytes().decode("utf-8", "replace")
        else:
            content = path.read_bytes().decode("utf-8", "replace")
        found += [f"{path.relative_to(out)}: {kind}" for kind, value in PLANTED.items() if value in content]
    return found


def test_no_planted_value_reaches_any_output(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    outcome = execute(_plant(corpus))
    assert outcome.status == "published", outcome.error
    assert leaks(corpus / "out") == []
    counters = outcome.manifest["counters"]
    assert any(name.startswith("pii:entity:") for name in counters), counters
    assert any(name.startswith("credentials:credential:") for name in counters), counters


def test_a_run_killed_while_its_batches_wait_on_disk_leaves_no_raw_value(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    config = _plant(corpus, n_bulk=4000)
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, str(config)], cwd=corpus, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    spill = corpus / "out" / "_staging"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.is_file() for p in spill.glob("*/spill/*/*")):
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(p.is_file() for p in spill.glob("*/spill/*/*")), "the run was not killed while batches were spilled"
    assert leaks(corpus / "out") == []


def test_the_residual_gate_checks_meta_too(corpus, monkeypatch):
    """An identifier the pii stage is not set to replace, in a meta field, fails the gate: nothing is published.
    (With on_residual: reject, the default, the stage itself rejects such records: test_pii_stage.)"""
    monkeypatch.chdir(corpus)
    config = _plant(corpus)
    settings = yaml.safe_load(config.read_text())
    pii = {"stage": "pii", "entities": ["PERSON"], "on_residual": "keep"}
    settings["stages"] = [{"stage": "ingest"}, {"stage": "quality", "min_chars": 40}, pii]
    config.write_text(yaml.safe_dump(settings))
    outcome = execute(config)
    assert outcome.status == "gate_failed"
    assert not (corpus / "out" / "dataset").exists()

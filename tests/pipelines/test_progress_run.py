"""Live progress on the embedded runner, one worker and two (issue 20 item 1): the workers' snapshot
files reach the driver while the pipeline runs, and the last line carries the run's final counts."""

import io
import json

import pytest

import pipelines.progress as progress_module
from pipelines.progress import PlainDisplay
from transforms.core import progress as worker_progress
from pipelines.run import execute
from tests.conftest import NEWS, job_config


def _corpus(root, files=4, per_file=3000):
    (root / "in").mkdir()
    for f in range(files):
        with open(root / "in" / f"part-{f}.jsonl", "w") as handle:
            for i in range(per_file):
                handle.write(json.dumps({"id": f"{f}-{i}", "text": f"{NEWS[i % len(NEWS)]} Item {f}-{i}."}) + "\n")
    source = {"name": "news", "paths": ["in/*.jsonl"], "license": "CC-BY-4.0", "basis": "licence", "evidence": "e"}
    return job_config(root, sources=[source], stages=[{"stage": "ingest", "batch_size": 200}, {"stage": "quality"}])


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_lines_come_from_the_workers_and_end_with_the_final_counts(tmp_path, monkeypatch, workers):
    monkeypatch.chdir(tmp_path)
    # snapshots every 50 ms, so a pipeline that takes a second on a quiet machine still shows live lines
    monkeypatch.setenv(worker_progress.FLUSH_ENV, "0.05")
    monkeypatch.setattr(progress_module, "POLL_SECONDS", 0.05)
    config = _corpus(tmp_path)
    lines = io.StringIO()
    display = PlainDisplay(lines, interval=0)
    args = [] if workers == 1 else ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    outcome = execute(config, args, on_phase=display.phase, progress=display)
    assert outcome.status == "published", outcome.error
    out = lines.getvalue().splitlines()
    assert out[0] == "pipeline…" and out[-3:] == ["gate…", "publish…", "report…"]
    progress = [line for line in out if line.startswith("[")]
    final = progress[-1]
    assert "read 12,000" in final and "furthest: quality 12,000" in final, final
    # lines before the final one were read from the workers' files while the pipeline ran
    live = [line for line in progress[:-1] if " read 0 " not in line]
    assert live, out
    assert not (tmp_path / "out" / "_staging").exists()

"""The end-to-end benchmark harness: its generated config validates, its stage attribution is right."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from pipelines.config import load_config

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("e2e_bench", ROOT / "bench" / "e2e_bench.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)


def test_every_plan_runs_as_written(tmp_path):
    # no stage of a plan is skipped: each one's generated config validates with exactly its stages
    for name, stages in e2e.PLANS.items():
        config_path = tmp_path / f"{name}.yaml"
        e2e.write_config(config_path, tmp_path / "corpus", stages, tmp_path / "out")
        config, _ = load_config(config_path)
        assert [s.stage for s in config.stages] == stages
    assert config.sources[0].paths == [str(tmp_path / "corpus" / "part-*.jsonl")]


def test_profile_samples_are_attributed_to_the_nearest_stage_module(tmp_path):
    process = 'process 1:"steward run x.yaml"'
    profile = tmp_path / "profile.txt"
    profile.write_text(
        "\n".join(
            [
                # pii's decide under the control framework: counts for pii
                f"{process};process (transforms/core/stage.py:10);decide (transforms/pii/stage.py:5);detect (transforms/pii/detectors.py:9) 6",
                # a helper imported only by dedup counts for dedup
                f"{process};process (transforms/dedup/stage.py:3);normalize_codes (transforms/dedup/minhash.py:7) 3",
                # helpers of a control package (transforms/<control>/) with no stage module on the stack, as
                # when a Beam DoFn calls them directly: the stages importing them, directly or through a helper
                f"{process};run (apache_beam/runner.py:1);signatures (transforms/dedup/minhash.py:7) 4",
                f"{process};run (apache_beam/runner.py:1);tag (transforms/pii/names.py:7) 5",
                f"{process};run (apache_beam/runner.py:1);predict (transforms/content/inference.py:7) 7",
                f"{process};run_gate (expectations/gate.py:1);validate (great_expectations/core.py:2) 2",
                process + " 1",
            ]
        )
        + "\n"
    )
    result = e2e.attribute(profile)
    assert result["samples"] == 28
    assert result["buckets"] == {
        "stage pii": 11,
        "stage dedup": 7,
        "stage harmful+highrisk (shared)": 7,
        "gate (Great Expectations)": 2,
        "native code, no Python frame": 1,
    }
    assert result["hot_leaf_functions"]["detect (transforms/pii/detectors.py)"] == 6


def test_measure_counts_cpu_and_memory_of_the_whole_process_tree(tmp_path):
    # a grandchild that burns CPU and holds ~60 MB: the sampler must see it through the shell
    burn = "x = bytearray(60_000_000); import time; t = time.process_time()\nwhile time.process_time() - t < 0.6: pass"
    result = e2e.measure(
        ["bash", "-c", f"{sys.executable} -c '{burn}'; true"], env=dict(os.environ), log=tmp_path / "run.log"
    )
    assert result["rc"] == 0
    assert result["cpu_s"] >= 0.5
    assert result["peak_tree_rss_mib"] >= 55
    assert len(result["load_before"]) == 3


def test_datatrove_pipeline_script_parses_without_datatrove():
    # the anchor runs in its own venv; here we only check it is valid Python with a CLI
    completed = subprocess.run([sys.executable, "-m", "py_compile", str(ROOT / "bench" / "datatrove_pipeline.py")])
    assert completed.returncode == 0


def test_streaming_plan_is_full_without_dedup_and_scaling_reports_the_memory_ratio():
    assert e2e.PLANS["streaming"] == [s for s in e2e.FULL_PLAN if s != "dedup"]
    run = {"pipeline": "ours/streaming", "workers": 1, "wall_s": 10.0}
    history = [
        {"docs": 100_000, "runs": [run | {"peak_tree_pss_mib": 500.0}]},
        {"docs": 1_000_000, "runs": [run | {"wall_s": 90.0, "peak_tree_pss_mib": 600.0}]},
    ]
    lines = e2e.scaling(history, [100_000, 1_000_000])
    assert "- ours/streaming, 1 worker(s): peak tree PSS 1,000,000 ÷ 100,000 documents ×1.20 (target ≤ 1.5 outside the dedup index)" in lines


def test_real_corpus_config_declares_one_source_per_kind_of_text(tmp_path):
    corpus_dir = tmp_path / "real"
    corpus_dir.mkdir()
    (corpus_dir / "ground_truth.json").write_text('{"counts": {"documents": 2}, "by_src": {"laws": 1, "imdb": 1}, "shards": 1}')
    config_path = tmp_path / "full.yaml"
    e2e.write_config(config_path, corpus_dir, ["ingest"], tmp_path / "out")
    config, _ = load_config(config_path)
    assert [(s.name, s.paths) for s in config.sources] == [
        ("imdb", [str(corpus_dir / "part-imdb-*.jsonl")]),
        ("laws", [str(corpus_dir / "part-laws-*.jsonl")]),
    ]

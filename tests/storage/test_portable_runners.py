"""The demo on portable runners equals the demo on the embedded runner (slow suite).

Each test starts its runner with ``scripts/cluster.sh`` (a Beam worker pool of its own processes,
``--environment_type=EXTERNAL``), runs the demo job, compares the manifest counts, the per-reason
rejects and the published (id, text) set with an embedded FnApiRunner run of the same config, and
stops the cluster.

- Flink 2.2.1 (PyPI ``apache-flink-libraries``; JobManager + TaskManager with 2 slots) needs Beam's
  Flink job-server jar from Maven Central; where that cannot be fetched the test is skipped with
  the error (``scripts/cluster.sh flink install`` prints it).
- Prism (Beam's portable runner, built with ``go install`` from the Go module proxy) runs the same
  portable path: job service, artifact staging, separate SDK worker processes, runner-side metrics.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from pipelines.run import execute
from transforms.core.registry import STAGE_MODULES

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "scripts" / "cluster.sh"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("demo") / "corpus"
    subprocess.run([sys.executable, "demo/make_corpus.py", str(corpus)], cwd=ROOT, check=True, capture_output=True)
    return corpus


def _demo_config(corpus: Path, out: Path, extra_stages: list[dict] = ()) -> Path:
    data = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())
    for source in data["sources"]:
        source["paths"] = [p.replace("../demo/corpus", str(corpus)) for p in source["paths"]]
    data["output"]["dir"] = str(out)
    data["stages"][1:1] = list(extra_stages)
    path = out.parent / f"{out.name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _published(out: Path) -> set[tuple[str, str]]:
    table = DeltaTable(str(out / "dataset")).to_pyarrow_table(columns=["id", "text"])
    return set(zip(table.column("id").to_pylist(), table.column("text").to_pylist()))


def _counts(manifest: dict) -> dict:
    return {k: manifest["counts"][k] for k in ("input", "kept", "rejected", "rejected_by", "by_category", "per_source")}


class Cluster:
    def __init__(self, kind: str):
        self.kind = kind
        self.env = {**os.environ, "JOB_PORT": str(_free_port()), "WORKER_POOL_PORT": str(_free_port()), "PY": sys.executable}

    def start(self) -> None:
        install = subprocess.run([str(CLUSTER), self.kind, "install"], env=self.env, capture_output=True, text=True, timeout=900)
        if install.returncode != 0:
            pytest.skip(f"{self.kind} could not be installed here: {install.stderr.strip()[-600:]}")
        subprocess.run([str(CLUSTER), self.kind, "start"], env=self.env, check=True, timeout=600, cwd=ROOT)

    def stop(self) -> None:
        subprocess.run([str(CLUSTER), self.kind, "stop"], env=self.env, timeout=120, cwd=ROOT)

    def args(self) -> list[str]:
        return [
            "--runner=PortableRunner",
            f"--job_endpoint=localhost:{self.env['JOB_PORT']}",
            "--environment_type=EXTERNAL",
            f"--environment_config=localhost:{self.env['WORKER_POOL_PORT']}",
        ]


@pytest.fixture(scope="module")
def embedded(demo_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("embedded") / "out"
    outcome = execute(_demo_config(demo_corpus, out))
    assert outcome.status == "published", outcome.error
    return outcome, out


@pytest.mark.parametrize("kind", ["flink", "prism"])
def test_the_demo_on_a_portable_runner_equals_the_embedded_run(kind, embedded, demo_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the worker pool's SDK workers import the project from here
    cluster = Cluster(kind)
    cluster.start()
    try:
        out = tmp_path / "out"
        outcome = execute(_demo_config(demo_corpus, out), cluster.args())
        assert outcome.status == "published", outcome.error
        reference, reference_out = embedded
        assert _counts(outcome.manifest) == _counts(reference.manifest)
        assert _published(out) == _published(reference_out)
        assert outcome.manifest["inputs"] == reference.manifest["inputs"]
    finally:
        cluster.stop()


@pytest.mark.parametrize("kind", ["flink", "prism"])
def test_a_step_failing_its_first_attempt_on_a_portable_runner(kind, embedded, demo_corpus, tmp_path, monkeypatch):
    """Flink retries the failed bundle: the run publishes exactly what the embedded run published.
    Prism does not retry (measured): the run fails and publishes nothing."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(STAGE_MODULES, "flaky_once", "tests.storage.flaky_stage")
    cluster = Cluster(kind)
    cluster.start()
    try:
        out = tmp_path / "out"
        marker = tmp_path / "flaky.marker"
        flaky = [{"stage": "flaky_once", "marker": str(marker), "source": "news_en"}]
        outcome = execute(_demo_config(demo_corpus, out, flaky), cluster.args())
        assert marker.exists()
        if kind == "prism":
            assert outcome.status == "failed", outcome.status
            assert not (out / "dataset").exists()
            return
        assert outcome.status == "published", outcome.error
        reference, reference_out = embedded
        assert _counts(outcome.manifest) == _counts(reference.manifest)
        assert _published(out) == _published(reference_out)
    finally:
        cluster.stop()
        shutil.rmtree(tmp_path / "out", ignore_errors=True)

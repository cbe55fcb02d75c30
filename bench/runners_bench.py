"""Runners side by side on the real bench corpus: the embedded FnApiRunner with 1 and 2 workers, and
portable runners (a Beam worker pool of separate SDK processes, ``--environment_type=EXTERNAL``):
Prism, and Flink with 1 and 2 task slots where Beam's Flink job-server jar is available.

    .venv/bin/python bench/runners_bench.py --docs 20000          # a subset of real-100k
    .venv/bin/python bench/runners_bench.py --docs 100000 --runners embedded-1,embedded-2,prism

Each run is ``steward run`` of the ``full`` plan of bench/e2e_bench.py (its controls,
the gate, the Delta commit). Measured: wall, docs/s, CPU seconds and peak RSS/PSS of the driver's
process tree *plus* the runner's processes (the worker pool and its SDK workers, Prism / Flink's
JVMs), sampled from /proc every 0.2 s; the load average before and after each run. The published
counts of every run are compared with the first run's (they must be equal).

Results: a table on stdout and bench/_work/runners-<N>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.e2e_bench import FULL_PLAN, PYTHON, STEWARD, WORK, WORKER_MODES, TreeSampler, corpus, measure, offline_env, write_config  # noqa: E402

CLUSTER = ROOT / "scripts" / "cluster.sh"
RUNNERS = ("embedded-1", "embedded-2", "prism", "flink-1", "flink-2")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Side(threading.Thread):
    """Samples the runner's own processes (not children of the driver) during a run."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.samplers = [TreeSampler(p) for p in pids]

    def start(self):
        for s in self.samplers:
            s.start()

    def stop(self) -> dict:
        for s in self.samplers:
            s.done.set()
            s.join()
        return {
            "cpu_s": round(sum(s.cpu_s for s in self.samplers), 2),
            "peak_rss_mib": round(sum(s.peak_rss for s in self.samplers) / 1024, 1),
            "peak_pss_mib": round(sum(s.peak_pss for s in self.samplers) / 1024, 1),
        }


def _cpu_ticks_now(samplers) -> float:
    return sum(s.cpu_s for s in samplers)


def run(runner: str, docs: int, corpus_dir: Path, stages: list[str]) -> dict:
    base = WORK / "runners" / str(docs) / runner
    subprocess.run(["rm", "-rf", str(base)], check=True)
    config = base / "full.yaml"
    write_config(config, corpus_dir, stages, base / "out")
    env = {**os.environ, "JOB_PORT": str(_free_port()), "WORKER_POOL_PORT": str(_free_port()), "PY": str(PYTHON)}
    kind = runner.split("-")[0]
    started_cluster = False
    args: list[str]
    if kind == "embedded":
        args = WORKER_MODES[int(runner.split("-")[1])]
    else:
        if kind == "flink":
            env["FLINK_SLOTS"] = runner.split("-")[1]
        install = subprocess.run([str(CLUSTER), kind, "install"], env=env, capture_output=True, text=True)
        if install.returncode != 0:
            return {"runner": runner, "docs": docs, "status": "blocked", "error": install.stderr.strip()[-400:]}
        subprocess.run([str(CLUSTER), kind, "start"], env=env, check=True, cwd=ROOT)
        started_cluster = True
        args = ["--runner=PortableRunner", f"--job_endpoint=localhost:{env['JOB_PORT']}",
                "--environment_type=EXTERNAL", f"--environment_config=localhost:{env['WORKER_POOL_PORT']}"]  # fmt: skip
    side = None
    try:
        if started_cluster:
            pids = [int((ROOT / ".cluster" / f"{n}.pid").read_text()) for n in ("worker_pool", "prism", "job_server")
                    if (ROOT / ".cluster" / f"{n}.pid").exists()]  # fmt: skip
            side = _Side(pids)
            side.start()
            before = _cpu_ticks_now(side.samplers)
            time.sleep(0.5)
            before = _cpu_ticks_now(side.samplers)
        result = measure([str(STEWARD), "run", str(config), *args], env=offline_env(), log=base / "run.log")
        if side is not None:
            extra = side.stop()
            extra["cpu_s"] = round(extra["cpu_s"] - before, 2)
            result["runner_processes"] = extra
            result["cpu_s"] = round(result["cpu_s"] + extra["cpu_s"], 2)
            result["peak_tree_rss_mib"] = round(result["peak_tree_rss_mib"] + extra["peak_rss_mib"], 1)
            result["peak_tree_pss_mib"] = round(result["peak_tree_pss_mib"] + extra["peak_pss_mib"], 1)
    finally:
        if started_cluster:
            subprocess.run([str(CLUSTER), kind, "stop"], env=env, cwd=ROOT)
    manifests = sorted((base / "out" / "runs").glob("*/manifest.json"))
    manifest = json.loads(manifests[-1].read_text()) if manifests else {}
    result.pop("stdout", None)
    result.update(runner=runner, docs=docs, status=manifest.get("status"), counts={
        k: manifest.get("counts", {}).get(k) for k in ("input", "kept", "rejected", "rejected_by")})  # fmt: skip
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| runner | docs | wall s | docs/s | CPU s (all processes) | docs/s per CPU s | peak RSS MiB (tree) | peak PSS MiB | load before → after | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        if r.get("status") == "blocked":
            lines.append(f"| {r['runner']} | {r['docs']:,} | — | — | — | — | — | — | — | blocked: {r['error'].splitlines()[-1][:120]} |")
            continue
        rate = r["docs"] / r["wall_s"]
        lines.append(
            f"| {r['runner']} | {r['docs']:,} | {r['wall_s']:.1f} | {rate:,.0f} | {r['cpu_s']:.1f} | {r['docs'] / r['cpu_s']:,.0f} | "
            f"{r['peak_tree_rss_mib']:,.0f} | {r['peak_tree_pss_mib']:,.0f} | {r['load_before'][0]:.1f} → {r['load_after'][0]:.1f} | {r['status']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--runners", default=",".join(RUNNERS))
    args = parser.parse_args(argv)
    corpus_dir = corpus(args.docs, 8, "real")
    results = []
    for runner in args.runners.split(","):
        print(f"… {runner} on {args.docs:,} documents", flush=True)
        results.append(run(runner, args.docs, corpus_dir, FULL_PLAN))
    done = [r for r in results if r.get("status") == "published"]
    for r in done[1:]:
        r["counts_equal_first"] = r["counts"] == done[0]["counts"]
    out = WORK / f"runners-{args.docs}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"at": datetime.now(timezone.utc).isoformat(), "results": results}, indent=2))
    print(table(results))
    print("counts equal to the first run:", {r["runner"]: r.get("counts_equal_first", True) for r in done})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

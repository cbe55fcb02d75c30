"""End to end: our governed `steward run` against HuggingFace datatrove on the same corpus (real text by default).

    .venv/bin/python bench/e2e_bench.py                         # 10k documents (harness check)
    .venv/bin/python bench/e2e_bench.py --docs 100000 --docs 1000000 --allow-million --profile

For each corpus size (``--corpus real``, the default: bench/real_corpus.py, real-100k and derived past 100k,
cached under bench/_work/real-<N>/; ``--corpus generated``: bench/make_corpus.py) it runs, each in
its own subprocess tree:

* ours, ``full``: ingest → licensing → quality → dedup → pii → harmful → highrisk → classified →
  credentials → aigc → source_rollup (the plan is printed), then the gate, the Delta commit and
  lineage — i.e. the whole `steward run`;
* ours, ``matched``: ingest → dedup → pii → harmful, the stage set closest to datatrove's;
* ours, ``streaming`` (only when asked for with ``--pipelines``): ``full`` without dedup, to show
  the memory of everything that must stream (the memory target exempts the dedup index);
* ours, ``dedup`` (only when asked for): ingest → dedup, the whole run around them: dedup's memory at 10M;
* datatrove (bench/datatrove_pipeline.py in its own venv, bench/_work/datatrove-venv): MinHash in
  four steps → PIIFormatter → FastTextClassifierFilter (our harmful_en.bin) → JsonlWriter;

each with 1 worker (FnApiRunner ``--direct_num_workers=1``; datatrove ``workers=1``) and 2 workers
(``--direct_running_mode=multi_processing --direct_num_workers=2``; datatrove ``workers=2``).

Measured per run: wall time, docs/s (input documents / wall), CPU time (user+sys of the whole
process tree, from getrusage(RUSAGE_CHILDREN) deltas), the largest single-process max RSS
(ru_maxrss), and the process tree's peak total RSS and PSS sampled from /proc every 0.2 s (RSS
double-counts pages shared between forked workers; PSS splits them). The load average is recorded
beside every number: on a shared machine the numbers are only as good as the load.
``--profile`` adds one py-spy run of ours (full, 1 worker) and attributes its samples to stages.

Results: a table on stdout, bench/_work/e2e-results.json (every run, appended per invocation) and
bench/_work/e2e-<N>.md (the tables for RESULTS.md).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.core.registry import STAGE_MODULES  # noqa: E402
from transforms.dedup.stage import DedupConfig  # noqa: E402

WORK = ROOT / "bench" / "_work"
PYTHON = Path(sys.executable)
STEWARD = PYTHON.parent / "steward"
DATATROVE_VERSION = "0.10.1"
# spaCy supplies datatrove's English MinHash word tokenizer (spacy.blank("en"): no model download).
DATATROVE_REQUIREMENTS = [f"datatrove[processing]=={DATATROVE_VERSION}", "spacy==3.8.18", "orjson"]  # JsonlReader refuses to start without orjson
DATATROVE_VENV = WORK / "datatrove-venv"
HARMFUL_MODEL = ROOT / "transforms" / "content" / "models" / "harmful_en.bin"
MILLION = 1_000_000

# The governed run, in order.
FULL_PLAN = [
    "ingest", "licensing", "quality", "dedup", "pii",
    "harmful", "highrisk", "classified", "credentials", "aigc", "source_rollup",
]
MATCHED_PLAN = ["ingest", "dedup", "pii", "harmful"]  # closest to datatrove's MinHash → PII → fastText
# The full plan without dedup: what must stream in constant memory (the memory target exempts the dedup index)
STREAMING_PLAN = [s for s in FULL_PLAN if s != "dedup"]
DEDUP_PLAN = ["ingest", "dedup"]  # dedup's memory at scale (10M), with the run's gate, commit and report around it
PLANS = {"full": FULL_PLAN, "matched": MATCHED_PLAN, "streaming": STREAMING_PLAN, "dedup": DEDUP_PLAN}
WORKER_MODES = {
    1: ["--direct_num_workers=1"],
    2: ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
}


# --------------------------------------------------------------------------------------------------
# Measuring a process tree
# --------------------------------------------------------------------------------------------------


_TICKS = os.sysconf("SC_CLK_TCK")


def _process_table() -> dict[int, tuple[int, tuple[int, int], int]]:
    """pid → (ppid, (pid, start time): a key that survives pid reuse, user+sys clock ticks so far)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses
        pid = int(entry)
        table[pid] = (int(fields[1]), (pid, int(fields[19])), int(fields[11]) + int(fields[12]))
    return table


def _tree(pid: int, table: dict) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for child, (ppid, _, _) in table.items():
        children[ppid].append(child)
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        stack.extend(children.get(p, ()))
    return pids


def _memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields = dict(line.split(":", 1) for line in f if line[0].isupper() and ":" in line)
        return int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])
    except (OSError, KeyError, ValueError):
        return 0, 0


class TreeSampler(threading.Thread):
    """Polls a process and all its descendants: total RSS/PSS, and each process's CPU ticks.

    The CPU ticks catch workers that getrusage(RUSAGE_CHILDREN) never sees (a forkserver's
    children are not reaped by our child); a process's last 0.2 s before it exits is missed.
    """

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_procs = 0
        self.ticks: dict[tuple[int, int], int] = {}
        self.done = threading.Event()

    @property
    def cpu_s(self) -> float:
        return sum(self.ticks.values()) / _TICKS

    def run(self):
        while not self.done.is_set():
            table = _process_table()
            pids = [p for p in _tree(self.pid, table) if p in table]
            for p in pids:
                self.ticks[table[p][1]] = table[p][2]
            usage = [_memory_kib(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(u[0] for u in usage))
            self.peak_pss = max(self.peak_pss, sum(u[1] for u in usage))
            self.peak_procs = max(self.peak_procs, sum(1 for u in usage if u[0]))
            self.done.wait(self.interval)


def measure(cmd: list[str], *, env: dict | None = None, log: Path) -> dict:
    """Run ``cmd`` to completion; wall, CPU of its tree, memory peaks, load average around it."""
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        stdout, _ = proc.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rusage_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "rc": proc.returncode,
        "stdout": stdout,
        "wall_s": round(wall, 2),
        # the larger of the two estimates: see TreeSampler
        "cpu_s": round(max(rusage_cpu, sampler.cpu_s), 2),
        "cpu_rusage_s": round(rusage_cpu, 2),
        "cpu_sampled_s": round(sampler.cpu_s, 2),
        # ru_maxrss of RUSAGE_CHILDREN is the largest single descendant, never a sum
        "max_rss_single_mib": round(after.ru_maxrss / 1024, 1),
        "peak_tree_rss_mib": round(sampler.peak_rss / 1024, 1),
        "peak_tree_pss_mib": round(sampler.peak_pss / 1024, 1),
        "peak_processes": sampler.peak_procs,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "log": os.path.relpath(log, ROOT),
    }


# --------------------------------------------------------------------------------------------------
# Corpus and datatrove environment
# --------------------------------------------------------------------------------------------------


def corpus(docs: int, shards: int, kind: str = "real") -> Path:
    """The bench corpus: ``real`` (bench/real_corpus.py: real-100k, derived past 100k) or ``generated`` (bench/make_corpus.py)."""
    folder = WORK / f"{'corpus' if kind == 'generated' else 'real'}-{docs}"
    truth = folder / "ground_truth.json"
    if truth.exists():
        data = json.loads(truth.read_text())
        if data["counts"]["documents"] == docs and data["shards"] == shards:
            return folder
    script = "make_corpus.py" if kind == "generated" else "real_corpus.py"
    subprocess.run(
        [str(PYTHON), str(ROOT / "bench" / script), "--docs", str(docs), "--out", str(folder), "--shards", str(shards)],
        check=True,
    )
    return folder


def datatrove_python() -> Path:
    """The datatrove venv's interpreter, installing the pinned version from PyPI when missing."""
    python = DATATROVE_VENV / "bin" / "python"
    probe = [str(python), "-c", "import importlib.metadata as m, spacy; print(m.version('datatrove'))"]
    if python.exists() and subprocess.run(probe, capture_output=True, text=True).stdout.strip() == DATATROVE_VERSION:
        return python
    print(f"installing datatrove {DATATROVE_VERSION} into {DATATROVE_VENV.relative_to(ROOT)} …", flush=True)
    base_python = Path(sys.base_prefix) / "bin" / "python3"  # the interpreter our own .venv was made from
    subprocess.run([str(base_python), "-m", "venv", "--clear", str(DATATROVE_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *DATATROVE_REQUIREMENTS], check=True)
    return python


def offline_env(**extra: str) -> dict:
    """HF hub offline, its cache (datatrove's asset cache) inside bench/_work."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(WORK / "hf-home"), TOKENIZERS_PARALLELISM="false", **extra)
    return env


# --------------------------------------------------------------------------------------------------
# The two pipelines
# --------------------------------------------------------------------------------------------------


def write_config(path: Path, corpus_dir: Path, stages: list[str], out_dir: Path) -> None:
    """A job over the bench corpus: one source per kind of text where the corpus has kinds (the real
    corpus: reviews, statutes, tweets, comments), so the source roll-up judges each source on its own
    as it would in a real job, instead of excluding one mixed source wholesale."""
    truth = corpus_dir / "ground_truth.json"
    kinds = sorted(json.loads(truth.read_text()).get("by_src", {})) if truth.exists() else []
    globs = {kind: f"part-{kind}-*.jsonl" for kind in kinds} or {"bench": "part-*.jsonl"}
    config = {
        "job": f"e2e_bench_{path.stem}",
        "sources": [
            {
                "name": name,
                "paths": [str(corpus_dir / pattern)],
                "format": "jsonl",
                "id_field": "id",
                "url_field": "url",
                "license": "CC-BY-4.0",
                "basis": "licence",
                "evidence": "https://corpus.example.org/terms",
                "allowed_uses": ["commercial_training"],
            }
            for name, pattern in globs.items()
        ],
        "stages": [{"stage": s} for s in stages],
        "output": {"dir": str(out_dir), "mode": "overwrite"},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def run_ours(docs: int, corpus_dir: Path, profile: str, stages: list[str], workers: int, py_spy: Path | None = None) -> dict:
    base = WORK / "runs" / str(docs) / f"{profile}-w{workers}{'-pyspy' if py_spy else ''}"
    shutil.rmtree(base, ignore_errors=True)
    config = base / f"{profile}.yaml"
    write_config(config, corpus_dir, stages, base / "out")
    cmd = [str(STEWARD), "run", str(config), *WORKER_MODES[workers]]
    if py_spy:
        cmd = [str(PYTHON.parent / "py-spy"), "record", "--subprocesses", "--rate", "50", "--format", "raw",
               "--output", str(py_spy), "--", *cmd]
    result = measure(cmd, env=offline_env(), log=base / "run.log")
    manifests = sorted((base / "out" / "runs").glob("*/manifest.json"))
    manifest = json.loads(manifests[-1].read_text()) if manifests else {}
    result.update(
        pipeline=f"ours/{profile}",
        workers=workers,
        docs=docs,
        stages=stages,
        status=manifest.get("status"),
        kept=manifest.get("counts", {}).get("kept"),
        rejected=manifest.get("counts", {}).get("rejected"),
        stage_counts=manifest.get("stages", []),
        phases=manifest.get("seconds"),
        manifest=str(manifests[-1].relative_to(ROOT)) if manifests else None,
    )
    result.pop("stdout")
    return result


def harmful_remove_labels() -> str:
    card = json.loads(HARMFUL_MODEL.with_suffix(".json").read_text())
    return ",".join(f"{label}:{threshold}" for label, threshold in sorted(card["thresholds"].items()))


def run_datatrove(docs: int, corpus_dir: Path, workers: int) -> dict:
    python = datatrove_python()
    params = DedupConfig().params()  # same banding as ours: same LSH threshold
    work = WORK / "runs" / str(docs) / f"datatrove-w{workers}"
    shutil.rmtree(work, ignore_errors=True)
    cmd = [
        str(python), str(ROOT / "bench" / "datatrove_pipeline.py"),
        "--input", str(corpus_dir), "--work", str(work), "--workers", str(workers),
        "--model", str(HARMFUL_MODEL), "--remove-labels", harmful_remove_labels(),
        "--bands", str(params.bands), "--rows", str(params.rows), "--ngrams", str(params.word_ngram), "--seed", str(params.seed),
    ]
    result = measure(cmd, env=offline_env(), log=work.with_name(work.name + ".log"))
    detail = json.loads(result.pop("stdout").strip().splitlines()[-1]) if result["rc"] == 0 else {}
    final_blocks = detail.get("steps", {}).get("4_filter_pii_fasttext_write", {}).get("blocks", [])
    kept = next((b["stats"].get("total") for b in final_blocks if "WRITER" in (b["name"] or "")), None)
    result.update(pipeline="datatrove", workers=workers, docs=docs, status="ok" if result["rc"] == 0 else "failed",
                  kept=kept, rejected=docs - kept if kept is not None else None, steps=detail.get("steps"),
                  minhash=detail.get("minhash"))
    return result


# --------------------------------------------------------------------------------------------------
# Per-stage attribution of a py-spy profile of our run
# --------------------------------------------------------------------------------------------------

FRAMEWORK_PACKAGE = "transforms/core/"  # the stage contract and its helpers: buckets of their own in _bucket
IDLE_WAITS = {"Condition.wait", "Event.wait", "Thread.join", "Thread._wait_for_tstate_lock"}
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):\d+\)$")


def _imported_modules(path: Path) -> set[str]:
    """The ``transforms`` modules that the module at ``path`` imports (absolute and relative imports)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from .x import y
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {name for name in found if name.startswith("transforms.")}


def _module_file(module: str) -> str | None:
    rel = module.replace(".", "/")
    for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
        if (ROOT / candidate).is_file():
            return candidate
    return None


def _stage_of_module() -> tuple[dict[str, str], dict[str, str]]:
    """(stage module file → stage names, helper module file → the stages whose modules import it,
    directly or through other helpers). Control packages live in ``transforms/<control>/``; the
    framework in ``transforms/core/`` is nobody's helper."""
    stage_files: dict[str, list[str]] = defaultdict(list)
    for stage, module in STAGE_MODULES.items():
        stage_files[module.replace(".", "/") + ".py"].append(stage)
    stage_names = {f: "+".join(s) for f, s in stage_files.items()}
    imports: dict[str, set[str]] = {}
    for path in (ROOT / "transforms").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        imports[rel] = {f for m in _imported_modules(path) if (f := _module_file(m)) and f != rel}
    users: dict[str, set[str]] = defaultdict(set)  # helper file -> stage names reaching it
    for stage_file, names in stage_names.items():
        seen, todo = set(), list(imports.get(stage_file, ()))
        while todo:
            helper = todo.pop()
            if helper in seen or helper in stage_names or helper.startswith(FRAMEWORK_PACKAGE):
                continue
            seen.add(helper)
            users[helper].add(names)
            todo.extend(imports.get(helper, ()))
    helpers = {
        helper: "+".join(sorted(stages)) + (" (shared)" if len(stages) > 1 else "")
        for helper, stages in users.items()
        if not helper.endswith("/__init__.py")
    }
    return stage_names, helpers


def attribute(profile: Path) -> dict:
    """Samples per stage (nearest stage-module frame to the leaf), per phase otherwise, and hot spots."""
    stage_files, helper_files = _stage_of_module()
    buckets: Counter = Counter()
    leaf_functions: Counter = Counter()
    total = 0
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = []
        for raw in stack.split(";"):
            m = _FRAME.match(raw)
            frames.append((m["func"], m["file"]) if m else (raw, ""))
        total += n
        files = [f for _, f in frames]
        func, file = frames[-1]
        leaf_functions[f"{func} ({file})"] += n
        # py-spy also samples threads blocked in a wait (e.g. the CLI's refresh thread): not CPU
        idle = file == "threading.py" and func in IDLE_WAITS
        buckets["threads waiting (idle, not CPU)" if idle else _bucket(files, stage_files, helper_files)] += n
    return {
        "samples": total,
        "buckets": dict(buckets.most_common()),
        "hot_leaf_functions": dict(leaf_functions.most_common(25)),
    }


def _matches(file: str, rel: str) -> bool:
    return file == rel or file.endswith("/" + rel)


def _bucket(files: list[str], stage_files: dict[str, str], helper_files: dict[str, str]) -> str:
    for file in reversed(files):
        for rel, stages in stage_files.items():
            if _matches(file, rel):
                return f"stage {stages}"
    for file in reversed(files):
        for rel, stages in helper_files.items():
            if _matches(file, rel):
                return f"stage {stages}"
    joined = " ".join(files)
    if len(files) == 1:  # only py-spy's process frame: native code with no Python frame on the stack
        return "native code, no Python frame"
    for marker, name in (
        ("transforms/core/records.py", "record batches (transforms/core/records.py: take/replace/to_arrow)"),
        ("transforms/core/stage.py", "control framework (apply_control, lineage entries)"),
        ("pipelines/graph.py", "staging Parquet writes"),
        ("expectations/", "gate (Great Expectations)"),
        ("pipelines/publish.py", "Delta commit + rejects append"),
        ("pipelines/lineage.py", "OpenLineage"),
        ("pipelines/report.py", "run report (HTML)"),
        ("pipelines/run.py", "run lifecycle (counts read-back, manifest)"),
        ("apache_beam", "Beam runner / coders / shuffle"),
        ("license_expression/", "config validation (SPDX parsing)"),
        ("rich/", "CLI progress display (rich)"),
        ("importlib", "start-up (imports)"),
    ):
        if marker in joined:
            return name
    return "other"


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


PHASES = ("start", "pipeline", "gate", "publish", "report")


def _rate(run: dict) -> float | None:
    return round(run["docs"] / run["wall_s"], 1) if run.get("wall_s") else None


def _phases(run: dict) -> str:
    """Where our run's wall time went: only ``pipeline`` runs on every worker, the rest is serial."""
    seconds = run.get("phases") or {}
    return "/".join(f"{seconds[p]:.1f}" for p in PHASES if p in seconds) or "—"


def table(runs: list[dict]) -> str:
    head = ("| pipeline | workers | docs | kept | wall s | docs/s | CPU s | docs/CPU-s | peak tree RSS MiB | peak tree PSS MiB "
            "| max single RSS MiB | status | phases s: start/pipeline/gate/publish/report | load (1/5/15 min) before → after |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in runs:
        lines.append(
            f"| {r['pipeline']} | {r['workers']} | {r['docs']:,} | {r.get('kept')} | {r['wall_s']} | {_rate(r)} | {r['cpu_s']} "
            f"| {r['docs'] / r['cpu_s'] if r['cpu_s'] else 0:.0f} "
            f"| {r['peak_tree_rss_mib']} | {r['peak_tree_pss_mib']} | {r['max_rss_single_mib']} | {r.get('status')} "
            f"| {_phases(r)} | {'/'.join(map(str, r['load_before']))} → {'/'.join(map(str, r['load_after']))} |"
        )
    return "\n".join(lines)


def ratios(runs: list[dict]) -> list[str]:
    by = {(r["pipeline"], r["workers"]): r for r in runs if r["rc"] == 0 and r.get("status") in ("published", "ok")}
    out = []
    for workers in (1, 2):
        dt = by.get(("datatrove", workers))
        for profile in ("full", "matched"):
            ours = by.get((f"ours/{profile}", workers))
            if dt and ours:
                target = " (issue 21 target ≥ 3)" if profile == "matched" else ""
                out.append(f"ours/{profile} ÷ datatrove, {workers} worker(s): docs/s ×{_rate(ours) / _rate(dt):.2f}"
                           f"{target}, docs per CPU-second ×{dt['cpu_s'] / ours['cpu_s']:.2f}, peak tree PSS ×"
                           f"{ours['peak_tree_pss_mib'] / max(dt['peak_tree_pss_mib'], 1):.2f}")
    for name in ("ours/full", "ours/matched", "ours/streaming", "datatrove"):
        one, two = by.get((name, 1)), by.get((name, 2))
        if one and two:
            out.append(f"{name}: 2 workers ÷ 1 worker docs/s ×{_rate(two) / _rate(one):.2f} (issue 21 target for the full run: ≥ 1.8 at 1M)")
    return out


def datatrove_steps(run: dict) -> str:
    lines = ["| step | block | docs | block s (sum over tasks) | step wall s |", "|---|---|---|---|---|"]
    for step, info in (run.get("steps") or {}).items():
        for block in info["blocks"]:
            stats = block["stats"]
            docs = stats.get("documents") or stats.get("total") or stats.get("total_matches") or ""
            seconds = round(block["seconds"], 2) if block["seconds"] is not None else ""
            lines.append(f"| {step} | {block['name']} | {docs} | {seconds} | {info['wall_s']} |")
    return "\n".join(lines)


def our_stages(run: dict, attribution: dict | None) -> str:
    lines = ["| stage | in | kept | rejected |", "|---|---|---|---|"]
    for s in run.get("stage_counts", []):
        lines.append(f"| {s['stage']} | {s['input']:,} | {s['kept']:,} | {s['rejected']:,} |")
    if attribution:
        total = attribution["samples"] or 1
        wall = attribution["wall_s"]
        lines += ["", f"py-spy attribution ({total} samples, profiled wall {wall} s; seconds = share × wall):", "",
                  "| where | share | ≈ s |", "|---|---|---|"]
        for name, n in attribution["buckets"].items():
            lines.append(f"| {name} | {n / total:.1%} | {n / total * wall:.1f} |")
        lines += ["", "| hottest leaf functions | share |", "|---|---|"]
        for name, n in list(attribution["hot_leaf_functions"].items())[:15]:
            lines.append(f"| `{name}` | {n / total:.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, action="append", help="corpus size (repeatable); default 10000")
    parser.add_argument("--allow-million", action="store_true", help="required for --docs ≥ 1,000,000 (takes hours on 2 cores)")
    parser.add_argument("--workers", default="1,2", help="comma list of worker counts: 1 and/or 2")
    parser.add_argument("--pipelines", default="full,matched,datatrove", help="comma list of full, matched, streaming, dedup, datatrove")
    parser.add_argument("--profile", action="store_true", help="one extra py-spy run of ours/full, 1 worker, attributed to stages")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--corpus", choices=("real", "generated"), default="real",
                        help="real: ../shared/data/bench/real-100k (derived past 100k, bench/real_corpus.py); generated: bench/make_corpus.py")
    args = parser.parse_args(argv)
    sizes = args.docs or [10_000]
    if any(n >= MILLION for n in sizes) and not args.allow_million:
        parser.error("--docs ≥ 1,000,000 needs --allow-million")
    if args.profile and not (PYTHON.parent / "py-spy").exists():
        parser.error(f"--profile needs py-spy: {PYTHON.parent / 'pip'} install py-spy")
    workers = [int(w) for w in args.workers.split(",")]
    pipelines = args.pipelines.split(",")

    unknown = sorted(set(pipelines) - set(PLANS) - {"datatrove"})
    if unknown:
        parser.error(f"unknown pipelines {unknown}: choose from {', '.join([*PLANS, 'datatrove'])}")
    extra = sorted(set(STAGE_MODULES) - set(FULL_PLAN))
    print(f"ours/full stages: {' → '.join(FULL_PLAN)}")
    if extra:
        print(f"  registered but not in the bench plan (need inputs of their own): {', '.join(extra)}")
    print(f"ours/matched stages: {' → '.join(MATCHED_PLAN)}")

    results_path = WORK / "e2e-results.json"
    history = json.loads(results_path.read_text()) if results_path.exists() else []
    for docs in sizes:
        corpus_dir = corpus(docs, args.shards, args.corpus)
        runs: list[dict] = []
        for w in workers:
            for name in pipelines:
                print(f"[{datetime.now():%H:%M:%S}] {docs:,} docs: {name}, {w} worker(s) … (load {os.getloadavg()[0]:.2f})", flush=True)
                if name == "datatrove":
                    run = run_datatrove(docs, corpus_dir, w)
                else:
                    run = run_ours(docs, corpus_dir, name, PLANS[name], w)
                runs.append(run)
                print(f"    wall {run['wall_s']} s, {_rate(run)} docs/s, CPU {run['cpu_s']} s, "
                      f"peak tree PSS {run['peak_tree_pss_mib']} MiB, status {run.get('status')}", flush=True)
        attribution = None
        if args.profile:
            profile_path = WORK / "runs" / str(docs) / "full-w1.pyspy.txt"
            print(f"[{datetime.now():%H:%M:%S}] {docs:,} docs: py-spy profile of ours/full, 1 worker …", flush=True)
            profiled = run_ours(docs, corpus_dir, "full", FULL_PLAN, 1, py_spy=profile_path)
            attribution = attribute(profile_path) | {"wall_s": profiled["wall_s"], "load_before": profiled["load_before"]}
        sections = [
            f"## {docs:,} documents ({args.corpus} corpus: {corpus_dir.name}) — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores",
            "", table(runs), "", *[f"- {line}" for line in ratios(runs)], "",
        ]
        for run in runs:
            if run["pipeline"] == "datatrove" and run.get("steps"):
                sections += [f"### datatrove, {run['workers']} worker(s), per step", "", datatrove_steps(run), ""]
        first_full = next((r for r in runs if r["pipeline"] == "ours/full" and r.get("status") == "published"), None)
        if first_full:
            sections += [f"### ours/full, per stage ({first_full['workers']} worker(s) run)", "", our_stages(first_full, attribution), ""]
        report = "\n".join(sections)
        print("\n" + report)
        (WORK / f"e2e-{docs}.md").write_text(report + "\n")
        history.append({"docs": docs, "at": datetime.now(timezone.utc).isoformat(), "runs": runs, "attribution": attribution})
        results_path.write_text(json.dumps(history, indent=1, ensure_ascii=False))
    if len(sizes) > 1:
        print("\n" + "\n".join(scaling(history, sizes)))
    failed = [f"{e['docs']}:{r['pipeline']}/w{r['workers']} ({r['log']})" for e in history[-len(sizes):] for r in e["runs"]
              if r["rc"] != 0 or r.get("status") not in ("published", "ok")]
    if failed:
        print(f"\nFAILED runs (see their logs): {', '.join(failed)}")
    return 1 if failed else 0


def scaling(history: list[dict], sizes: list[int]) -> list[str]:
    """Time per document and peak memory across sizes, from the latest run of each size."""
    latest = {}
    for entry in history:
        for run in entry["runs"]:
            latest[(entry["docs"], run["pipeline"], run["workers"])] = run
    lines = ["## scaling (latest run per size)", "", "| pipeline | workers | docs | µs/doc wall | peak tree PSS MiB |", "|---|---|---|---|---|"]
    for (docs, pipeline, workers), run in sorted(latest.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        if docs in sizes:
            lines.append(f"| {pipeline} | {workers} | {docs:,} | {run['wall_s'] / docs * 1e6:.0f} | {run['peak_tree_pss_mib']} |")
    small, large = min(sizes), max(sizes)
    for (docs, pipeline, workers), run in sorted(latest.items()):
        base = latest.get((small, pipeline, workers))
        if docs == large > small and base:
            lines.append(f"- {pipeline}, {workers} worker(s): peak tree PSS {large:,} ÷ {small:,} documents "
                         f"×{run['peak_tree_pss_mib'] / base['peak_tree_pss_mib']:.2f} (target ≤ 1.5 outside the dedup index)")
    return lines


if __name__ == "__main__":
    sys.exit(main())

"""Dedup throughput: our signature step, the whole Beam stage, datasketch and rensa, side by side.

Reads ../shared/data/bench/real-100k (``--corpus real``, the default: real reviews, statutes,
tweets and comments with their natural duplicates) or generates ~1 KB English-like documents
(``--corpus generated``: Zipf word frequencies, ``--dup-share`` of them copies of earlier documents,
half verbatim, half with a few words changed), once, as pickled record batches in a cache directory. Each configuration runs in its own subprocess so its peak RSS is its
own (``os.wait4``). Kernel rows load one batch at a time outside the timed region; Beam rows read
the batch files inside the pipeline (a load costs ≈2 µs/doc), so generation is not counted as
dedup cost. datasketch and rensa run on the first ``--anchor-docs`` documents (their rate does not
depend on corpus size). Beam rows also print the Filter's input counter ("filtered"), which must
equal the documents read.

    .venv/bin/python bench/dedup_bench.py [--docs 100000] [--corpus real|generated] [--only sig,beam1,...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BATCH = 1000
CONFIGS = {
    "sig": "signature step (ours, numpy)",
    "beam1": "dedup stage, Beam FnApiRunner, 1 worker",
    "beam2": "dedup stage, Beam multi_processing, 2 workers",
    "beam2t": "dedup stage, Beam multi_threading, 2 workers",
    "datasketch": "datasketch MinHash.bulk (shared permutations)",
    "rensa": "rensa RMinHash.update (5-gram strings)",
    "rensa_flat": "rensa digest matrix from our shingle hashes",
}


def make_batch(index: int, dup_share: float, seed: int = 0):
    """Batch ``index`` of the synthetic corpus: deterministic, so any worker can build it."""
    rng = np.random.default_rng(seed * 1_000_003 + index)
    vocab = _vocab()
    texts, ids = [], []
    for n in range(BATCH):
        doc = index * BATCH + n
        if doc > 0 and rng.random() < dup_share:
            source = int(rng.integers(0, doc))
            words = _words(source, seed, vocab)
            if rng.random() < 0.5:
                words = words.copy()
                words[rng.integers(0, len(words), 3)] = vocab[rng.integers(0, len(vocab), 3)]
        else:
            words = _words(doc, seed, vocab)
        texts.append(" ".join(words.tolist()))
        ids.append(f"doc-{doc}")
    return _batch(ids, texts)


def _batch(ids: list[str], texts: list[str]):
    """A record batch of these documents (dedup reads only ``id`` and ``text``)."""
    from transforms.core.records import Batch

    n = len(ids)
    return Batch(
        id=ids, text=texts, source=["bench"] * n, source_uri=["bench"] * n, locator=ids, license=["MIT"] * n,
        lang=["und"] * n, meta=[{} for _ in ids], content_sha256=[""] * n, tags=[[] for _ in ids], lineage=[[] for _ in ids],
    )


_VOCAB = None


def _vocab():
    global _VOCAB
    if _VOCAB is None:
        rng = np.random.default_rng(42)
        letters = np.array(list("etaoinshrdlucmfwypvbgkqjxz"))
        _VOCAB = np.array(["".join(rng.choice(letters, int(rng.integers(2, 9)))) for _ in range(20000)])
    return _VOCAB


def _words(doc: int, seed: int, vocab) -> np.ndarray:
    rng = np.random.default_rng((seed, doc))
    ranks = np.minimum(rng.zipf(1.2, 170), len(vocab)) - 1
    return vocab[ranks]


def _shingle_strings(text: str) -> list[str]:
    from transforms.core.hashing import normalize

    words = normalize(text).split()
    return [" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))]


def input_dir(docs: int, dup_share: float, corpus: str) -> Path:
    name = f"dedup_bench_real_{docs}" if corpus == "real" else f"dedup_bench_{docs}_{dup_share:g}"
    return Path(tempfile.gettempdir()) / name


def _write(path: Path, batch) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def _write_batch(args) -> None:
    target, index, dup_share = args
    path = target / f"batch-{index:05d}.pkl"
    if not path.exists():
        _write(path, make_batch(index, dup_share))


def input_paths(docs: int, dup_share: float, corpus: str) -> list[str]:
    return [str(input_dir(docs, dup_share, corpus) / f"batch-{i:05d}.pkl") for i in range(max(1, docs // BATCH))]


def prepare_input(docs: int, dup_share: float, corpus: str) -> None:
    """Writes the pickled input batches that are missing: the real corpus's first ``docs`` documents in shard order,
    or the generated ones (2 processes)."""
    target = input_dir(docs, dup_share, corpus)
    target.mkdir(exist_ok=True)
    paths = [Path(p) for p in input_paths(docs, dup_share, corpus)]
    if corpus == "real":
        if all(p.exists() for p in paths):
            return
        sys.path.insert(0, str(ROOT / "bench"))
        import real_corpus

        docs_read = real_corpus.real_documents()
        for path in paths:
            chunk = list(itertools.islice(docs_read, BATCH))
            _write(path, _batch([d["id"] for d in chunk], [d["text"] for d in chunk]))
        return
    from multiprocessing import Pool

    with Pool(2) as pool:
        pool.map(_write_batch, [(target, i, dup_share) for i in range(len(paths))], chunksize=8)


def load_batch(path: str):
    with open(path, "rb") as f:
        return pickle.load(f)


def run_config(name: str, paths: list[str]) -> dict:
    if name.startswith("beam"):
        return _run_beam(name, paths)
    from transforms.dedup.stage import DedupConfig
    from transforms.dedup.resolve import batch_chunk
    from transforms.core.hashing import normalize_codes, shingle_hashes_of_codes

    params = DedupConfig().params()
    seconds = cpu = 0.0
    for path in paths:
        batch = load_batch(path)
        start, cpu_start = time.perf_counter(), time.process_time()
        if name == "sig":
            batch_chunk(batch, params)
        elif name == "datasketch":
            from datasketch import MinHash

            template = MinHash(num_perm=128, seed=1)
            MinHash.bulk(
                [[s.encode() for s in _shingle_strings(t)] for t in batch.text],
                num_perm=128, permutations=template.permutations, scheme=template.scheme,
            )
        elif name == "rensa":
            from rensa import RMinHash

            for text in batch.text:
                m = RMinHash(num_perm=128, seed=1)
                m.update(_shingle_strings(text))
                m.digest()
        elif name == "rensa_flat":
            from rensa import RMinHash

            hashes, offsets = shingle_hashes_of_codes(*normalize_codes(batch.text))
            RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, 128, 1)
        seconds += time.perf_counter() - start
        cpu += time.process_time() - cpu_start
    return {"seconds": seconds, "cpu": cpu, "docs": len(paths) * BATCH}


def _run_beam(name: str, paths: list[str]) -> dict:
    import apache_beam as beam

    from pipelines.graph import pipeline_options
    from transforms.core.stage import RunContext
    from transforms.dedup.stage import DedupConfig

    args = ["--runner=FnApiRunner"]
    if name == "beam2":
        args += ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    elif name == "beam2t":  # numpy releases the GIL in the kernel; no gRPC hop between processes
        args += ["--direct_running_mode=multi_threading", "--direct_num_workers=2"]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext("bench", Path(tmp), Path(tmp), Path(tmp), SimpleNamespace(output=SimpleNamespace(mode="overwrite")))
        stage = DedupConfig(cross_version=False).create()
        start = time.perf_counter()
        pipeline = beam.Pipeline(options=pipeline_options(args))  # with the runner's data-plane fix
        batches = pipeline | beam.Create(paths) | beam.Reshuffle() | beam.Map(load_batch)
        kept, rejects = stage.expand(batches, ctx)
        result = pipeline.run()
        result.wait_until_finish()
        seconds = time.perf_counter() - start
        counters = {m.key.metric.name: m.committed for m in result.metrics().query()["counters"]}
    # the Filter's input counter shows whether every record made it through the runner
    return {"seconds": seconds, "docs": len(paths) * BATCH, "filtered": counters.get("dedup:input", 0), "rejected": counters.get("dedup:rejected", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--corpus", choices=("real", "generated"), default="real")
    parser.add_argument("--dup-share", type=float, default=0.2, help="generated corpus only")
    parser.add_argument("--anchor-docs", type=int, default=20_000, help="documents for datasketch and rensa")
    parser.add_argument("--only", default=",".join(CONFIGS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.corpus == "real":
        args.docs = min(args.docs, 100_000)  # real-100k holds no more
    paths = input_paths(args.docs, args.dup_share, args.corpus)
    if args.worker:
        if args.worker in ("datasketch", "rensa", "rensa_flat"):
            paths = paths[: max(1, args.anchor_docs // BATCH)]
        print(json.dumps(run_config(args.worker, paths)))
        return
    prepare_input(args.docs, args.dup_share, args.corpus)
    what = "of real-100k" if args.corpus == "real" else f"generated, ~1 KB, {args.dup_share:.0%} duplicates"
    print(f"{args.docs} docs {what}; cores: {os.cpu_count()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared machine: numbers are noisy)")
    print(f"{'configuration':<48} {'docs/s':>10} {'docs/CPU-s':>11} {'peak RSS MiB':>13}  note")
    for name in args.only.split(","):
        with tempfile.TemporaryFile(mode="w+") as err:
            proc = subprocess.Popen(
                [sys.executable, __file__, "--worker", name, "--docs", str(args.docs), "--dup-share", str(args.dup_share),
                 "--corpus", args.corpus, "--anchor-docs", str(args.anchor_docs)],
                stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT,
            )
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            error = err.read()
        rss = usage.ru_maxrss / 1024
        if proc.returncode != 0:
            reason = (error.strip().splitlines() or ["failed"])[-1]
            print(f"{CONFIGS[name]:<48} {'-':>10} {'-':>11} {'-':>13}  {reason[:80]}")
            continue
        result = json.loads(out.strip().splitlines()[-1])
        # the timed region's CPU time; Beam rows: the whole subprocess tree incl. start-up and reading the input
        cpu = result.get("cpu") or (usage.ru_utime + usage.ru_stime)
        note = f"{result['docs']:,} docs"
        if "rejected" in result:
            note += f", filtered {result['filtered']:,}, rejected {result['rejected']:,}"
        note += f", load {os.getloadavg()[0]:.2f}"
        print(
            f"{CONFIGS[name]:<48} {result['docs'] / result['seconds']:>10,.0f} {result['docs'] / cpu:>11,.0f} {rss:>13,.0f}  {note}"
        )


if __name__ == "__main__":
    main()

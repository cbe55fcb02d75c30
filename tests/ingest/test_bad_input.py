"""The bad-input corpus (tests/ingest/badinput.py): every kind read on its own, then whole runs over it.

Each kind plants good records before and after the bad part; a kind passes when ingest keeps exactly
the good records and rejects the bad part with the reason the kind names (docs/CONTRACT.md).
"""

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from apache_beam.pvalue import TaggedOutput
from deltalake import DeltaTable

from pipelines.config import SourceConfig
from pipelines.run import execute
from tests.ingest import badinput
from transforms.ingest.readers import InputFile
from transforms.ingest.stage import ReadFileFn

META_FIELDS = ["title", "published", "price", "big", "nan"]
QUICK = badinput.quick()
SLOW = [k for k in badinput.KINDS if k.slow]
# the kinds that crashed whole runs or lost records silently before issue 16, plus one per file-level reason
RUN_SUBSET = [
    "jsonl_surrogate_text",
    "jsonl_surrogate_meta",
    "jsonl_nested_100k",
    "jsonl_meta_nested_300",
    "jsonl_id_2pow70",
    "jsonl_int_5000_digits",
    "jsonl_symlink_loop",
    "jsonl_dangling_symlink",
    "jsonl_bom",
    "csv_bom_text_first",
    "csv_unbalanced_quote",
    "gz_truncated",
    "zst_truncated",
    "zst_small_bomb",
    "zst_surrogate_text",
    "json_array_syntax_error",
    "json_array_surrogate_text",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("badinput")
    badinput.build_all(directory, QUICK)
    return directory


def read_kind(path: Path, kind: badinput.Kind):
    source = SourceConfig(
        name="s", paths=[str(path)], license="MIT", basis="licence", evidence="https://e.com",
        id_field="id", url_field="url", meta_fields=META_FIELDS, format=kind.format,
    )
    size = path.stat().st_size if path.exists() else 0
    fn = ReadFileFn({"s": source}, badinput.MAX_RECORD_BYTES, 1000, "run")
    kept, rejects = 0, []
    for out in fn.process(InputFile("s", str(path), path.name, kind.format, size)):
        if isinstance(out, TaggedOutput):
            rejects.extend(out.value if out.tag == "rejected" else [])
        else:
            kept += len(out)
    return kept, rejects


def test_corpus_covers_every_format_with_45_kinds_or_more():
    formats = collections.Counter(k.format for k in badinput.KINDS)
    assert set(formats) == {"jsonl", "jsonl.gz", "jsonl.zst", "json", "csv", "parquet", "text"}
    assert len(badinput.KINDS) >= 45
    assert len({k.name for k in badinput.KINDS}) == len(badinput.KINDS)


@pytest.mark.parametrize("kind", QUICK, ids=[k.name for k in QUICK])
def test_each_kind_is_read_exactly(corpus, kind):
    kept, rejects = read_kind(kind.path(corpus), kind)
    assert badinput.check(kind, kept, [r["reason"] for r in rejects]) is None
    for reject in rejects:  # rejects name the file, never quote its content
        assert reject["source_uri"] == kind.path(corpus).name
        assert "text" not in reject


def _job(root: Path, kinds: list[badinput.Kind]) -> Path:
    by_format = collections.defaultdict(list)
    for k in kinds:
        by_format[k.format].append(k.path(root / "corpus").relative_to(root).as_posix())
    sources = [
        {
            "name": "src_" + fmt.replace(".", "_"), "paths": paths, "format": fmt, "id_field": "id", "url_field": "url",
            "meta_fields": META_FIELDS, "license": "CC-BY-4.0", "basis": "licence", "evidence": "https://example.com/terms",
        }
        for fmt, paths in sorted(by_format.items())
    ]
    config = {
        "job": "badinput",
        "sources": sources,
        "stages": [
            {"stage": "ingest", "max_record_bytes": badinput.MAX_RECORD_BYTES},
            {"stage": "quality", "min_chars": 20},
            {"stage": "dedup", "threshold": 0.5},
            {"stage": "pii", "default_mode": "redact"},
        ],
        "output": {"dir": "out"},
    }
    (root / "job.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return root / "job.yaml"


def per_file(out: Path) -> tuple[collections.Counter, dict[str, list[str]]]:
    """(records ingest kept, ingest reject reasons) per input file name, read back from the published tables."""
    name = lambda uri: Path(uri).name  # noqa: E731  (source_uri is the file's absolute path or URI)
    kept = collections.Counter(map(name, DeltaTable(str(out / "dataset")).to_pyarrow_table(columns=["source_uri"]).column("source_uri").to_pylist()))
    reasons = collections.defaultdict(list)
    for r in DeltaTable(str(out / "rejects")).to_pyarrow_table(columns=["source_uri", "stage", "reason"]).to_pylist():
        if r["stage"] == "ingest":
            reasons[name(r["source_uri"])].append(r["reason"])
        else:
            kept[name(r["source_uri"])] += 1
    return kept, reasons


def run_over(root: Path, kinds: list[badinput.Kind], monkeypatch):
    badinput.build_all(root / "corpus", kinds)
    monkeypatch.chdir(root)
    outcome = execute(_job(root, kinds))
    assert outcome.status == "published", outcome.error
    counts = outcome.manifest["counts"]
    assert counts["input"] == counts["kept"] + counts["rejected"]
    kept, reasons = per_file(root / "out")
    wrong = {}
    for k in kinds:
        name = k.path(Path(".")).name
        problem = badinput.check(k, kept[name], reasons.get(name, []))
        if problem:
            wrong[k.name] = problem
    assert wrong == {}
    return outcome


def test_a_run_over_the_kinds_that_crashed_runs_publishes_with_exact_accounting(tmp_path, monkeypatch):
    run_over(tmp_path, [k for k in badinput.KINDS if k.name in RUN_SUBSET], monkeypatch)


@pytest.mark.slow
def test_a_run_over_every_kind_publishes_with_exact_accounting(tmp_path, monkeypatch):
    run_over(tmp_path, badinput.KINDS, monkeypatch)


_PEAK_SCRIPT = """
import json, resource, sys
from pipelines.run import execute
outcome = execute(sys.argv[1])
print(json.dumps({"status": outcome.status, "error": outcome.error,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _peak_run(root: Path, kinds: list[badinput.Kind]) -> dict:
    badinput.build_all(root / "corpus", kinds)
    config = _job(root, kinds)
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(config)], cwd=root, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("bomb", ["gz_bomb", "zst_bomb", "parquet_dictionary_bomb"])
def test_a_bomb_costs_at_most_twice_the_memory_of_a_normal_run(tmp_path, bomb):
    normal = [k for k in badinput.KINDS if k.name in ("jsonl_bom", "gz_multi_member", "csv_utf16")]
    baseline = _peak_run(tmp_path / "normal", normal)
    with_bomb = _peak_run(tmp_path / "bomb", normal + [k for k in badinput.KINDS if k.name == bomb])
    assert baseline["status"] == with_bomb["status"] == "published"
    print(f"{bomb}: peak RSS {with_bomb['peak_mb']:.0f} MB vs normal run {baseline['peak_mb']:.0f} MB")
    assert with_bomb["peak_mb"] <= 2 * baseline["peak_mb"]

"""Paths resolve against the config file's folder and ids never depend on the working directory."""

from __future__ import annotations

import os
import shutil

from deltalake import DeltaTable

from pipelines.config import load_config
from pipelines.diff import diff_versions
from pipelines.run import execute
from tests.conftest import job_config
from transforms.core import storage


def test_relative_paths_resolve_against_the_config_folder(corpus, tmp_path, monkeypatch):
    config_path = job_config(corpus)
    monkeypatch.chdir(tmp_path.parent)  # anywhere but the config's folder
    config, _ = load_config(config_path)
    assert config.sources[0].paths[0] == str(corpus / "in" / "news" / "*.jsonl")
    assert config.output.dir == str(corpus / "out")
    assert storage.resolve("s3://b/x", "/anywhere") == "s3://b/x"


def test_ids_are_identical_from_two_working_directories_and_after_a_move(corpus, tmp_path_factory, monkeypatch):
    out = tmp_path_factory.mktemp("shared") / "out"
    config_a = job_config(corpus, output={"dir": str(out), "mode": "overwrite"})

    # Run 1: from the corpus folder.
    monkeypatch.chdir(corpus)
    first = execute(config_a)
    assert first.status == "published", first.error

    # Run 2: the corpus moved to another folder, run from a third working directory, with the
    # config referenced by a relative path from there.
    moved = tmp_path_factory.mktemp("moved")
    shutil.copytree(corpus / "in", moved / "in")
    config_b = moved / "job.yaml"
    config_b.write_text(config_a.read_text())
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    second = execute(os.path.relpath(config_b, elsewhere))
    assert second.status == "published", second.error
    assert second.manifest["inputs"][0]["uri"].startswith(str(moved))

    v0 = DeltaTable(str(out / "dataset"), version=0).to_pyarrow_table()
    v1 = DeltaTable(str(out / "dataset"), version=1).to_pyarrow_table()
    assert sorted(v0.column("id").to_pylist()) == sorted(v1.column("id").to_pylist())
    totals = diff_versions(str(out), 0, 1)["totals"]
    assert (totals["added"], totals["removed"], totals["changed"]) == (0, 0, 0)
    # rejects keep the same ids too
    rejects = DeltaTable(str(out / "rejects")).to_pyarrow_table().to_pylist()
    by_run = {}
    for row in rejects:
        by_run.setdefault(row["run_id"], set()).add(row["id"])
    assert by_run[first.run_id] == by_run[second.run_id]

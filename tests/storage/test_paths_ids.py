"""Paths resolve against the config file's folder and ids never depend on the working directory."""

from __future__ import annotations

import os
import shutil
from types import SimpleNamespace

import pytest
from deltalake import DeltaTable

from pipelines.config import load_config
from pipelines.diff import diff_versions
from pipelines.run import execute
from tests.conftest import job_config
from transforms.core import storage
from transforms.ingest.readers import expand_sources


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


def test_a_deep_glob_lists_each_file_once_through_symlinked_folders_and_keeps_its_path_after_a_move(tmp_path):
    # 5 levels, spaces and non-ASCII names, a linked folder outside the corpus, a second link to a
    # folder inside it and a link back up the tree: each real file once, under the same relative path
    outside = tmp_path / "elsewhere"
    (outside / "inner").mkdir(parents=True)
    (outside / "inner" / "ext.jsonl").write_text("{}\n")
    corpus = tmp_path / "corpus"
    deep = corpus / "a" / "b" / "c" / "d" / "e"
    deep.mkdir(parents=True)
    (deep / "five.jsonl").write_text("{}\n")
    (corpus / "用户 导出").mkdir()
    (corpus / "用户 导出" / "数据 文件.jsonl").write_text("{}\n")
    os.symlink("../elsewhere", corpus / "linked")
    os.symlink("a", corpus / "z_again")
    os.symlink("..", corpus / "up")
    expected = ["a/b/c/d/e/five.jsonl", "linked/inner/ext.jsonl", "用户 导出/数据 文件.jsonl"]

    def listed(root):
        pattern = str(root / "corpus" / "**" / "*.jsonl")
        return [storage.relative_to(path, storage.glob_root(pattern)) for path, _ in storage.glob(pattern)]

    assert listed(tmp_path) == expected
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(str(corpus), moved / "corpus")
    shutil.move(str(outside), moved / "elsewhere")
    assert listed(moved) == expected


def test_a_path_with_brackets_in_a_folder_name_names_its_file(tmp_path):
    # per-user exports named 'exports [2024]': the file's own path was 'no files match' (a character class)
    folder = tmp_path / "exports [2024]"
    folder.mkdir()
    (folder / "a.jsonl").write_text("{}\n")
    assert storage.glob(str(folder / "a.jsonl")) == [(str(folder / "a.jsonl"), 3)]
    assert storage.glob_root(str(folder / "a.jsonl")) == str(folder)
    with pytest.raises(FileNotFoundError, match=r"write \[\[\] for a literal \["):
        expand_sources([SimpleNamespace(name="s", paths=[str(folder / "*.jsonl")], format="jsonl")])
    [file] = expand_sources([SimpleNamespace(name="s", paths=[str(tmp_path / "exports [[]2024]" / "*.jsonl")], format="jsonl")])
    assert file.rel == "exports [2024]/a.jsonl"

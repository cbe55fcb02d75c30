"""The one file-system layer: every path the project reads or writes goes through here.

A location is a string: a local path or an object-store URI (``s3://bucket/key``, ``gs://``…).
Local paths keep the old behaviour (hard links, ``os`` calls); URIs go through pyarrow's file
systems, which the Parquet readers and writers use too, and deltalake opens the same URIs with
its own object-store support. Credentials and endpoints come from the standard environment
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``…, plus ``AWS_ALLOW_HTTP=true`` for a plain-HTTP
endpoint such as a test server), so driver, workers and deltalake see the same bucket.

No Beam import: the CLI and the publisher use it.
"""

from __future__ import annotations

import fnmatch
import math
import os
import posixpath
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.fs as pafs

_WILDCARDS = "*?["


def is_remote(location: str | Path) -> bool:
    text = str(location)
    return "://" in text and not text.startswith("file://")


def _local(location: str | Path) -> str:
    text = str(location)
    return text[len("file://") :] if text.startswith("file://") else text


def join(base: str | Path, *parts: str) -> str:
    """``base/part/...`` for a local path or a URI (``Path`` would turn ``s3://b`` into ``s3:/b``)."""
    if is_remote(base):
        return posixpath.join(str(base).rstrip("/"), *parts)
    return os.path.join(_local(base), *parts)


def parent(location: str | Path) -> str:
    if is_remote(location):
        return posixpath.dirname(str(location).rstrip("/"))
    return os.path.dirname(_local(location))


def basename(location: str | Path) -> str:
    return posixpath.basename(str(location).rstrip("/"))


def resolve(location: str | Path, base_dir: str | Path) -> str:
    """An absolute path or URI: relative paths are taken relative to ``base_dir``."""
    if is_remote(location):
        return str(location)
    path = os.path.expanduser(_local(location))
    if not os.path.isabs(path):
        path = os.path.join(_local(base_dir), path)
    return os.path.normpath(os.path.abspath(path))


@lru_cache(maxsize=32)
def _remote_fs(scheme_and_bucket: str) -> pafs.FileSystem:
    fs, _ = pafs.FileSystem.from_uri(scheme_and_bucket)
    return fs


def filesystem(location: str | Path) -> tuple[pafs.FileSystem, str]:
    """(pyarrow file system, path inside it) for a location."""
    if not is_remote(location):
        return pafs.LocalFileSystem(), os.path.abspath(_local(location))
    scheme, rest = str(location).split("://", 1)
    bucket = rest.split("/", 1)[0]
    return _remote_fs(f"{scheme}://{bucket}"), rest.rstrip("/")


def _uri(location: str | Path, inner: str) -> str:
    """Turn a path inside the file system of ``location`` back into a location."""
    if not is_remote(location):
        return inner
    return str(location).split("://", 1)[0] + "://" + inner


def exists(location: str | Path) -> bool:
    if not is_remote(location):
        return os.path.exists(_local(location))
    fs, path = filesystem(location)
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def is_dir(location: str | Path) -> bool:
    if not is_remote(location):
        return os.path.isdir(_local(location))
    fs, path = filesystem(location)
    return fs.get_file_info(path).type == pafs.FileType.Directory


def makedirs(location: str | Path) -> None:
    if not is_remote(location):
        os.makedirs(_local(location), exist_ok=True)
    # object stores have no folders: a key's prefix exists once a key is written under it


def listdir(location: str | Path, pattern: str = "*", dirs: bool = False) -> list[str]:
    """Sorted entries directly under a folder whose name matches ``pattern`` (files, or folders)."""
    fs, path = filesystem(location)
    try:
        infos = fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
    except (FileNotFoundError, NotADirectoryError):
        return []
    wanted = pafs.FileType.Directory if dirs else pafs.FileType.File
    return sorted(
        _uri(location, info.path)
        for info in infos
        if info.type == wanted and fnmatch.fnmatchcase(posixpath.basename(info.path), pattern)
    )


def glob_root(pattern: str) -> str:
    """The non-wildcard folder prefix of a glob: the source root that ids are relative to."""
    head = str(pattern)
    if _is_literal(head):
        return parent(head)
    cut = min(head.find(c) for c in _WILDCARDS if c in head)
    return parent(head[: cut + 1])  # the folder holding the first wildcard


def _is_literal(pattern: str) -> bool:
    """A path with no wildcard, or whose brackets belong to a name: without ``*`` or ``?``, a path that
    names an existing file as written (``exports [2024]/a.jsonl``) is that file, not a character class."""
    if not any(c in pattern for c in _WILDCARDS):
        return True
    return not any(c in pattern for c in "*?") and exists(pattern) and not is_dir(pattern)


def glob(pattern: str) -> list[tuple[str, int]]:
    """(location, size) of every file matching a glob (``*``, ``?``, ``[...]``; ``**`` crosses folders)."""
    if _is_literal(pattern):  # one look-up gives whether it is a file and its size (an object store: one request)
        fs, path = filesystem(pattern)
        item = fs.get_file_info(path)
        return [(str(pattern), item.size)] if item.type == pafs.FileType.File else []
    root = glob_root(pattern)
    fs, root_path = filesystem(root)
    _, pattern_path = filesystem(pattern)
    recursive = "**" in pattern or pattern_path[len(root_path) + 1 :].count("/") > 0
    if recursive and not is_remote(root):
        files = list(_local_tree(root_path))
    else:
        try:
            infos = fs.get_file_info(pafs.FileSelector(root_path, recursive=recursive, allow_not_found=True))
        except (FileNotFoundError, NotADirectoryError):
            return []
        files = [(item.path, item.size) for item in infos if item.type == pafs.FileType.File]
    matcher = pattern_path.replace("**/", "*").replace("**", "*")
    found = []
    for inner, size in files:
        if fnmatch.fnmatchcase(inner, matcher) and (recursive or "/" not in inner[len(root_path) + 1 :]):
            found.append((_uri(pattern, inner), size))
    return sorted(found)


def _local_tree(root: str) -> Iterator[tuple[str, int]]:
    """(path, size) of every file under a local folder, following symlinked folders but entering each
    folder once (by device and inode), the first reached in sorted order.

    A link back up the tree (``up -> ..``) or a second link to a folder already listed would list the
    same files again under new paths, so as new records with new ids: pyarrow's recursive listing
    followed such a loop ~40 levels deep (13 files listed as 569). Unreadable entries are left out:
    dangling links become rejects through the ingest's own check."""
    entered: set[tuple[int, int]] = set()
    for folder, folders, names in os.walk(root, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in entered:
            folders[:] = []
            continue
        entered.add((info.st_dev, info.st_ino))
        folders.sort()
        for name in names:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):  # as pyarrow lists files: no FIFOs or sockets
                yield path, info.st_size


def relative_to(location: str, root: str) -> str:
    """``location`` relative to ``root`` with forward slashes."""
    _, path = filesystem(location)
    _, base = filesystem(root)
    return posixpath.relpath(path.replace(os.sep, "/"), base.replace(os.sep, "/"))


def info(location: str | Path) -> tuple[int, int]:
    """(size in bytes, modification time in ms)."""
    fs, path = filesystem(location)
    item = fs.get_file_info(path)
    if item.type == pafs.FileType.NotFound:
        raise FileNotFoundError(str(location))
    mtime = item.mtime_ns // 1_000_000 if item.mtime_ns is not None else 0
    return item.size, mtime


def open_input(location: str | Path):
    """A sequential binary reader."""
    fs, path = filesystem(location)
    return fs.open_input_stream(path, compression=None)  # bytes as stored: no guessing from the extension


def open_input_file(location: str | Path):
    """A seekable binary reader (Parquet footers)."""
    fs, path = filesystem(location)
    return fs.open_input_file(path)


@contextmanager
def open_output(location: str | Path):
    """A binary writer; the file appears whole when the block ends: an object store publishes an object on
    close, a local file is written beside its place and renamed there (a reader or a kill never sees half)."""
    makedirs(parent(location))
    fs, path = filesystem(location)
    if is_remote(location):
        with fs.open_output_stream(path, compression=None) as handle:
            yield handle
        return
    partial = f"{path}.{uuid.uuid4().hex}.partial"  # unique: a retried bundle may write the same file meanwhile
    try:
        with fs.open_output_stream(partial, compression=None) as handle:
            yield handle
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def read_bytes(location: str | Path) -> bytes:
    with open_input(location) as handle:
        return handle.read()


def read_text(location: str | Path) -> str:
    return read_bytes(location).decode("utf-8")


def write_bytes(location: str | Path, data: bytes) -> None:
    with open_output(location) as handle:
        handle.write(data)


def write_text(location: str | Path, text: str) -> None:
    write_bytes(location, text.encode("utf-8"))


def delete(location: str | Path) -> None:
    """Remove a file if it is there."""
    if not is_remote(location):
        Path(_local(location)).unlink(missing_ok=True)
        return
    fs, path = filesystem(location)
    try:
        fs.delete_file(path)
    except FileNotFoundError:
        pass


def rmtree(location: str | Path) -> None:
    if not is_remote(location):
        shutil.rmtree(_local(location), ignore_errors=True)
        return
    fs, path = filesystem(location)
    try:
        fs.delete_dir(path)
    except (FileNotFoundError, OSError):
        pass


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` as ``target`` (unchanged files shared between versions), else copy it
    (a server-side copy on an object store)."""
    if not is_remote(source) and not is_remote(target):
        os.makedirs(os.path.dirname(_local(target)) or ".", exist_ok=True)
        try:
            os.link(_local(source), _local(target))
        except OSError:  # another file system, or no hard links there
            shutil.copy2(_local(source), _local(target))
        return
    if is_remote(source) and is_remote(target) and filesystem(source)[0] is filesystem(target)[0]:
        fs, src = filesystem(source)
        fs.copy_file(src, filesystem(target)[1])
        return
    with open_input(source) as reader, open_output(target) as writer:
        while chunk := reader.read(1 << 22):
            writer.write(chunk)


def copy_tree(source: str | Path, target: str | Path) -> None:
    """Copy every file under ``source`` to the same relative place under ``target``."""
    fs, root = filesystem(source)
    for item in fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True)):
        if item.type == pafs.FileType.File:
            rel = posixpath.relpath(item.path.replace(os.sep, "/"), root.replace(os.sep, "/"))
            link_or_copy(_uri(source, item.path), join(target, *rel.split("/")))


def dataset(files: list[str], schema=None, format: str = "parquet") -> ds.Dataset:
    """A pyarrow dataset over files that all live on one file system."""
    if not files:
        return ds.dataset([], schema=schema, format=format)
    fs, _ = filesystem(files[0])
    return ds.dataset([filesystem(f)[1] for f in files], schema=schema, format=format, filesystem=fs)


def table_uri(location: str | Path) -> str:
    """How deltalake names a table location: an absolute local path or the URI."""
    return str(location) if is_remote(location) else os.path.abspath(_local(location))


@contextmanager
def local_folder(location: str | Path, download: bool = False):
    """A local folder standing for ``location``: itself when local; else a temporary folder whose
    files are uploaded to ``location`` when the block ends (tools that only write local files:
    Great Expectations, the OpenLineage file transport). ``download`` fetches what is there first."""
    if not is_remote(location):
        os.makedirs(_local(location), exist_ok=True)
        yield Path(_local(location))
        return
    tmp = tempfile.mkdtemp(prefix="steward-")
    if download:
        copy_tree(location, tmp)
    try:
        yield Path(tmp)
    finally:
        try:
            copy_tree(tmp, location)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def stream_batches(dataset, columns: list[str], batch_size: int, filter=None):
    """The record batches of a pyarrow dataset, decoded one at a time. pyarrow's default read-ahead
    (16 batches from each of 4 files) holds hundreds of MB of decoded text or lineage, and more files
    mean more of it: a 1M-record version took the run report from 130 to 650 MB."""
    return dataset.to_batches(columns=columns, filter=filter, batch_size=batch_size, batch_readahead=0, fragment_readahead=0)


def sample_batches(dataset, columns: list[str], rows: int, batch_size: int, filter=None):
    """About ``rows`` records of a pyarrow dataset, the first ones of every file in proportion to its
    records, decoded one batch at a time. The first ``rows`` read would follow the files' names, which
    are random: one source or language could fill the whole sample."""
    fragments = sorted(dataset.get_fragments(filter=filter), key=lambda f: getattr(f, "path", ""))
    counts = [fragment.count_rows(filter=filter) for fragment in fragments]
    share = min(1.0, rows / max(sum(counts), 1))
    for fragment, count in zip(fragments, counts):
        wanted = math.ceil(count * share)  # every file that holds records gives at least one
        for batch in fragment.to_batches(columns=columns, filter=filter, batch_size=batch_size, batch_readahead=0):
            if wanted <= 0:
                break
            batch = batch.slice(0, wanted)
            wanted -= batch.num_rows
            yield batch

"""Live progress from the workers: per-process counter snapshots in small files the driver polls.

Beam's counters reach the driver only when the pipeline has finished (the embedded runner returns
from ``run`` at the end), so :func:`transforms.core.stage.count` also adds to a process-wide tally
here. Once a second a background thread writes the tally, whole, to
``<dir>/<host>-<pid>.json`` by an atomic rename; the driver sums the latest snapshot of every file.
The directory comes from the environment variable ``DATASTEWARD_PROGRESS_DIR``, which the driver
sets before the pipeline starts and the embedded runner's worker processes inherit; without it
nothing is written. The figures are for display only: a retried bundle counts twice here, never in
the run's accounting (which reads Beam's committed counters and the staged files).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter

ENV = "DATASTEWARD_PROGRESS_DIR"
FLUSH_ENV = "DATASTEWARD_PROGRESS_FLUSH_SECONDS"  # tests make it short; workers inherit it like ENV
FLUSH_SECONDS = 1.0

_lock = threading.Lock()
_tally: Counter = Counter()
_state = {"dir": None, "checked": False, "dirty": False, "thread": None}
# wakes the flusher when the settings are read again (a new run in this process): it then waits the new
# interval instead of finishing a wait of the previous run's (1 s), which a short run may never outlast
_settings_changed = threading.Event()


def _directory() -> str | None:
    if not _state["checked"]:
        _state["dir"] = os.environ.get(ENV) or None
        _state["flush_seconds"] = float(os.environ.get(FLUSH_ENV) or FLUSH_SECONDS)
        _state["checked"] = True
        _settings_changed.set()
    return _state["dir"]


def add(stage: str, name: str, n: int = 1) -> None:
    """Add ``n`` to ``<stage>:<name>`` (a dict update; a background thread writes the snapshot)."""
    if not n or _directory() is None:
        return
    with _lock:
        _tally[f"{stage}:{name}"] += n
        _state["dirty"] = True
        if _state["thread"] is None:
            _state["thread"] = threading.Thread(target=_flush_every_second, name="datasteward-progress", daemon=True)
            _state["thread"].start()


def _flush_every_second() -> None:
    while True:
        _settings_changed.wait(_state.get("flush_seconds") or FLUSH_SECONDS)
        _settings_changed.clear()
        flush()


def flush() -> None:
    """Write this process's tally (whole) to its snapshot file."""
    directory = _directory()
    if directory is None:
        return
    with _lock:
        if not _state["dirty"]:
            return
        snapshot = dict(_tally)
        _state["dirty"] = False
    try:
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"{socket.gethostname()}-{os.getpid()}.json")
        tmp = f"{path}.{threading.get_ident()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"t": time.time(), "counters": snapshot}, handle)
        os.replace(tmp, path)
    except OSError:
        pass  # progress is best effort: never fail a run for it


def reset() -> None:
    """Forget the tally and the directory (tests; a driver that runs several pipelines in-process)."""
    with _lock:
        _tally.clear()
        _state.update(dir=None, checked=False, dirty=False)


def read(directory: str | os.PathLike) -> Counter:
    """Sum of the latest snapshot of every process (the driver's view)."""
    total: Counter = Counter()
    try:
        names = os.listdir(directory)
    except OSError:
        return total
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                total.update(json.load(handle)["counters"])
        except (OSError, ValueError, KeyError):
            continue  # replaced while reading: the next poll gets it
    return total

"""What `steward run` shows while the pipeline runs: records read, kept and rejected per stage, docs/s.

The workers write counter snapshots (:mod:`transforms.core.progress`); :class:`ProgressWatcher` polls
them from a driver thread and hands a :class:`Snapshot` to a display: a rich live table on a
terminal, one plain line every ``interval`` seconds otherwise (CI logs, nohup), or nothing.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from transforms.core import progress as worker_progress

MODES = ("auto", "rich", "plain", "none")
POLL_SECONDS = 1.0  # how often the driver reads the workers' snapshots


@dataclass
class Snapshot:
    elapsed: float
    stages: list[str]
    counters: dict[str, int]
    rate: float = 0.0  # records read per second, from the start until the last record read so far
    phase: str = "pipeline"

    def stage(self, name: str) -> tuple[int, int, int]:
        c = self.counters
        return c.get(f"{name}:input", 0), c.get(f"{name}:kept", 0), c.get(f"{name}:rejected", 0)

    @property
    def read(self) -> int:
        """Records read so far: batches the readers emitted, plus unreadable records of finished files."""
        c = self.counters
        return max(c.get("ingest:read", 0) + c.get("ingest:rejected", 0), c.get("ingest:input", 0))

    @property
    def rejected(self) -> int:
        return sum(self.stage(s)[2] for s in self.stages)

    @property
    def last_stage(self) -> tuple[str, int] | None:
        """The furthest stage that has seen records, and how many."""
        reached = [(s, self.stage(s)[0]) for s in self.stages if self.stage(s)[0]]
        return reached[-1] if reached else None


def plain_line(s: Snapshot) -> str:
    """One status line, e.g. ``[  42s] read 45,120 (1,071 docs/s) · rejected 3,012 · furthest: pii 30,100``."""
    parts = [f"[{s.elapsed:5.0f}s] read {s.read:,} ({s.rate:,.0f} docs/s)", f"rejected {s.rejected:,}"]
    last = s.last_stage
    if last:
        parts.append(f"furthest: {last[0]} {last[1]:,}")
    return " · ".join(parts)


class PlainDisplay:
    """One line every ``interval`` seconds (and one per phase) on ``stream``: for logs and pipes."""

    def __init__(self, stream: TextIO, interval: float = 5.0):
        self.stream, self.interval, self.last = stream, interval, 0.0

    def phase(self, name: str) -> None:
        print(f"{name}…", file=self.stream, flush=True)

    def update(self, s: Snapshot, final: bool = False) -> None:
        if final or s.elapsed - self.last >= self.interval:
            self.last = s.elapsed
            print(plain_line(s), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichDisplay:
    """A live table on a terminal: per stage in / kept / rejected, records read and docs/s."""

    def __init__(self, console):
        from rich.live import Live

        self.console = console
        self.phase_name = "starting"
        self.snapshot: Snapshot | None = None
        self.live = Live(self._render(), console=console, refresh_per_second=4, transient=True)
        self.live.start()

    def _render(self):
        from rich.table import Table
        from rich.text import Text

        s = self.snapshot
        title = f"{self.phase_name}…"
        if s is None:
            return Text(title)
        table = Table(title=f"{title}  {s.elapsed:.0f}s · read {s.read:,} · {s.rate:,.0f} docs/s", title_justify="left")
        table.add_column("stage", overflow="fold")
        for column in ("in", "kept", "rejected"):
            table.add_column(column, justify="right")
        for name in s.stages:
            n_in, kept, rejected = s.stage(name)
            table.add_row(Text(name), f"{n_in:,}", f"{kept:,}", f"{rejected:,}")
        return table

    def phase(self, name: str) -> None:
        self.phase_name = name
        self.live.update(self._render())

    def update(self, s: Snapshot, final: bool = False) -> None:
        self.snapshot = s
        self.live.update(self._render())

    def close(self) -> None:
        self.live.stop()


class NoDisplay:
    def phase(self, name: str) -> None: ...
    def update(self, s: Snapshot, final: bool = False) -> None: ...
    def close(self) -> None: ...


def make_display(mode: str, console, stream: TextIO, interval: float = 5.0):
    if mode == "auto":
        mode = "rich" if console.is_terminal else "plain"
    if mode == "rich":
        return RichDisplay(console)
    if mode == "plain":
        return PlainDisplay(stream, interval)
    return NoDisplay()


class ProgressWatcher:
    """Polls the workers' snapshot files every ``poll`` seconds while the pipeline runs."""

    def __init__(self, directory: Path, stages: list[str], display, poll: float = 1.0):
        self.directory, self.stages, self.display, self.poll = Path(directory), stages, display, poll
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="datasteward-progress-watch", daemon=True)
        self._read, self._reading_until = 0, self.started

    def snapshot(self) -> Snapshot:
        counters = dict(worker_progress.read(self.directory))
        now = time.monotonic()
        s = Snapshot(now - self.started, self.stages, counters)
        if s.read > self._read:  # docs/s while reading: once every file is read the rate stays put
            self._read, self._reading_until = s.read, now
        reading = self._reading_until - self.started
        s.rate = s.read / reading if reading > 0 else 0.0
        return s

    def _loop(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.display.update(self.snapshot())
            except Exception:  # a display problem must never stop the run
                pass

    def start(self) -> None:
        self._thread.start()

    def finish(self, counters: dict[str, int]) -> None:
        """The pipeline is done: show the final figures from Beam's committed counters."""
        self.stop()
        s = Snapshot(time.monotonic() - self.started, self.stages, dict(counters))
        reading = (self._reading_until if s.read <= self._read else time.monotonic()) - self.started
        s.rate = s.read / reading if reading > 0 else 0.0
        self.display.update(s, final=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


class _NoWatcher:
    def finish(self, counters: dict[str, int]) -> None: ...


@contextmanager
def watch(directory: Path, stages: list[str], display, poll: float | None = None) -> Iterator[ProgressWatcher]:
    """Point the workers at ``directory`` and show their progress until the block ends
    (``display`` None or :class:`NoDisplay`: no progress files at all)."""
    if display is None or isinstance(display, NoDisplay):
        yield _NoWatcher()
        return
    os.environ[worker_progress.ENV] = str(directory)
    worker_progress.reset()
    watcher = ProgressWatcher(directory, stages, display, poll or POLL_SECONDS)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
        worker_progress.flush()
        os.environ.pop(worker_progress.ENV, None)
        worker_progress.reset()

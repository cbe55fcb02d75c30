"""Rejects records that failed a manual spot check of an earlier version (Framework 6.1.5).

``steward review`` writes the failed ids to ``OUT_DIR/index/review_exclusions.parquet`` (id, reason,
version); this control rejects them in the next run with reason ``failed_spot_check``.

    - stage: review_exclusions
      exclusions: ../out/demo/index/review_exclusions.parquet   # relative to the config's folder
      missing_ok: true   # first run: no review yet
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

import pyarrow.parquet as pq

from transforms.core import storage
from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, Decision, StageConfig

log = logging.getLogger(__name__)

STAGE = "review_exclusions"
_cache: dict[tuple[str, float], dict[str, dict]] = {}
_lock = threading.Lock()


def load_exclusions(path: str, missing_ok: bool) -> dict[str, dict]:
    """id → {reason, version}, shared by all threads of a worker (keyed by path and modification time)."""
    if not storage.exists(path):
        if not missing_ok:
            raise FileNotFoundError(f"{STAGE}: exclusion list {path} does not exist (set missing_ok: true before the first review)")
        log.warning("%s: %s does not exist yet; nothing is excluded", STAGE, path)
        return {}
    key = (str(path), storage.info(path)[1])
    with _lock:
        if key not in _cache:
            table = pq.read_table(path, columns=["id", "reason", "version"])
            _cache[key] = {
                i: {"reason": r, "version": v}
                for i, r, v in zip(table.column("id").to_pylist(), table.column("reason").to_pylist(), table.column("version").to_pylist())
            }
        return _cache[key]


class ReviewExclusionsControl(Control):
    """Reject records that failed a manual spot check of an earlier version."""

    stage = STAGE

    def __init__(self, config: "ReviewExclusionsConfig"):
        self.path = config.exclusions
        self.missing_ok = config.missing_ok
        self._excluded: dict[str, dict] | None = None

    def setup(self) -> None:
        self._excluded = load_exclusions(self.path, self.missing_ok)

    def decide(self, batch):
        if self._excluded is None:
            self.setup()
        decisions = []
        for record_id in batch.id:
            hit = self._excluded.get(record_id)
            if hit is None:
                decisions.append(KEEP)
                continue
            decisions.append(
                Decision.reject(
                    rule="failed_manual_spot_check",
                    clause="6.1.5",
                    risk_level="moderate",
                    category="review",
                    reason="failed_spot_check",
                    # the reviewer's free-text reason stays in the exclusion list: it may quote the record
                    detail={"reviewed_version": hit["version"]},
                )
            )
        return decisions

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_excluded"] = None  # workers load the list in setup(), it is not pickled with the control
        return state


@register_stage(STAGE)
class ReviewExclusionsConfig(StageConfig):
    stage: Literal["review_exclusions"] = "review_exclusions"
    exclusions: str
    missing_ok: bool = False

    def create(self) -> ControlStage:
        return ReviewExclusionsStage(ReviewExclusionsControl(self))


class ReviewExclusionsStage(ControlStage):
    def report(self, ctx, counters):
        """The exclusion list read, or, with missing_ok, the note that there was none (so nothing was excluded)."""
        path = self.control.path
        if storage.exists(path):
            return {"exclusions": path}
        return {"exclusions": path, "missing": True, "note": f"{STAGE}: {path} does not exist yet; nothing was excluded"}

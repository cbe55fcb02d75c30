"""The cyclic garbage collector's settings for a run's processes (settings only: what is freed and when
never decides anything)."""

from __future__ import annotations

import gc

# Collections: young ones after 100,000 net allocations instead of 700, older ones twice as rarely. The
# records' lists and dicts are freed by reference counting; the collector only finds cycles, and each
# collection walks every young object. Full collections ran ~84 times in a real-100k run (1.5 CPU s):
# once the models are frozen, the collector's "long-lived" count is small, so a few batches in flight
# already trigger one. Collector time of the run 2.8 → 0.9 CPU s with 20,000 young ones (gc.callbacks,
# 1 worker, real-100k); with 100,000 a batch's lists and dicts are mostly freed before a collection
# walks them: 91 young collections 0.46 s → 10 in 0.29 s.
GC_THRESHOLDS = (100_000, 20, 20)


def collect_rarely() -> None:
    """Set :data:`GC_THRESHOLDS` for a process that is about to import and load much: at the
    interpreter's (700, 10, 10) the `steward run` driver collected ~560 times before its pipeline
    started (Beam, the config's models, the graph), five of them full collections walking every module
    loaded so far: 0.4 CPU s of a real-100k run."""
    gc.set_threshold(*GC_THRESHOLDS)


def settle_heap() -> None:
    """After a worker has loaded a stage's models: models, lexicons and modules live as long as the worker,
    so they move out of the cyclic collector's reach (its full collections walked them again and again: ≈ 15%
    of a run's CPU on real text), and the collector runs less often (:data:`GC_THRESHOLDS`). Collect
    first, so that no garbage is frozen with them."""
    gc.collect()
    gc.freeze()
    collect_rarely()

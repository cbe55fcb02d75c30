"""A test-only stage whose first attempt fails on a chosen batch (the batch holding records of
``source``); later attempts pass. Whether it already failed is a marker file beside the corpus,
so the state survives the worker process. Registered by the tests that name it."""

from __future__ import annotations

from typing import Literal

from transforms.core import storage
from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, ControlStage, StageConfig

STAGE = "flaky_once"


class FlakyOnce(Control):
    """Fails the first attempt at the batch holding records of the chosen source."""

    stage = STAGE

    def __init__(self, marker: str, source: str):
        self.marker = marker
        self.source = source

    def decide(self, batch):
        if self.source in batch.source and not storage.exists(self.marker):
            storage.write_text(self.marker, "failed once\n")
            raise RuntimeError(f"{STAGE}: planned failure of the first attempt at a {self.source} batch")
        return [KEEP] * len(batch)


@register_stage(STAGE)
class FlakyOnceConfig(StageConfig):
    stage: Literal["flaky_once"] = "flaky_once"
    marker: str
    source: str

    def create(self) -> ControlStage:
        return ControlStage(FlakyOnce(self.marker, self.source))

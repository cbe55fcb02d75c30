"""The stage registry: which module defines each stage name a job's ``stages:`` list may use.

A stage module registers its config class with :func:`register_stage`; :func:`stage_config_class`
imports the module named in :data:`STAGE_MODULES` on first use, so a job loads only the stages it names.
"""

from __future__ import annotations

import importlib

from transforms.core.stage import StageConfig

STAGE_MODULES: dict[str, str] = {
    "ingest": "transforms.ingest.stage",
    "quality": "transforms.quality.stage",
    "language": "transforms.language.stage",
    "licensing": "transforms.licensing.stage",
    "source_rollup": "transforms.source_rollup.stage",
    "pii": "transforms.pii.stage",
    "dedup": "transforms.dedup.stage",
    "reuse": "transforms.reuse.stage",
    "review_exclusions": "transforms.review.exclusions",
    "classified": "transforms.content.classified",
    "credentials": "transforms.content.credentials",
    "aigc": "transforms.content.aigc",
    "harmful": "transforms.content.harmful",
    "highrisk": "transforms.content.highrisk",
}
"""Where each stage usable in a job's ``stages:`` list is defined; imported only when a job names it."""

STAGES: dict[str, type[StageConfig]] = {}


def register_stage(name: str):
    """Class decorator: the config class for stage ``name`` (its module is listed in STAGE_MODULES)."""

    def decorate(cls: type[StageConfig]) -> type[StageConfig]:
        if name in STAGES and STAGES[name] is not cls:
            raise ValueError(f"stage {name!r} registered twice")
        STAGES[name] = cls
        return cls

    return decorate


def stage_config_class(name: str) -> type[StageConfig]:
    """The config class of stage ``name``, importing its module on first use."""
    if name not in STAGE_MODULES:
        raise KeyError(name)
    if name not in STAGES:
        importlib.import_module(STAGE_MODULES[name])
    if name not in STAGES:
        raise RuntimeError(f"{STAGE_MODULES[name]} does not register stage {name!r}")
    return STAGES[name]

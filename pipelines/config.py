"""The job config: one flat YAML per job, validated with pydantic.

Errors come back as one line naming the bad key as one path, list items in brackets, e.g.
``config error: sources[0].license: 'MIT ORR Apache-2.0' is not a valid SPDX expression (…)`` or
``config error: stages[2] (quality).min_charz: unknown key``.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from license_expression import ExpressionError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transforms.core import storage
from transforms.core.registry import STAGE_MODULES, stage_config_class

from transforms.core.stage import KeyValueError, Stage, StageConfig, error_key, first_error
from transforms.core.yamlfile import DuplicateKey, load_yaml
from transforms.licensing.policy import get_spdx_licensing  # built once per process: ≈ 25 ms a call otherwise, per source

FORMATS = ("jsonl", "jsonl.gz", "jsonl.zst", "json", "json.gz", "json.zst", "parquet", "csv", "text")
BASES = ("licence", "contract", "consent", "user_authorisation", "public_domain", "own_data")


class ConfigError(ValueError):
    """A job config that cannot be run; the message is one line naming the bad key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    """One input source: where it is, how to read it, and why we may use it."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    paths: list[str] = Field(min_length=1)  # one path may be given as a string
    format: Literal[FORMATS] | None = None  # inferred from the file extension when absent
    text_field: str = "text"
    id_field: str | None = None  # the source's own id, kept in meta as `source_id`
    url_field: str | None = None  # kept in meta as `url`
    meta_fields: list[str] = []
    license: str
    basis: Literal[BASES]
    evidence: str = Field(min_length=1)
    owner: str = ""
    allowed_uses: list[str] = []
    domain: str | None = None
    lang: str | None = None  # declared language; otherwise detected per record where the script tells
    csv_delimiter: str = ","
    encoding: str = "utf-8"  # of jsonl, csv and text files (Parquet strings are UTF-8); a byte order mark wins

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            "".encode(value)  # LookupError for a name Python does not know and for bytes/str codecs (rot13)
        except LookupError:
            raise ValueError(f"{value!r} is not a text encoding (e.g. utf-8, gb18030, big5, utf-16, cp1252)") from None
        return codecs.lookup(value).name

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("license")
    @classmethod
    def _spdx(cls, value: str) -> str:
        return check_spdx(value)


def check_spdx(value: str) -> str:
    """``value`` if it is an SPDX licence expression whose every id is on the SPDX licence list or a
    ``LicenseRef-`` of the job's own; else a ValueError naming the unknown id and the closest SPDX ids.

    A typo such as ``PSF 2.0`` would otherwise pass as an unknown licence, and a licence policy that
    quarantines unknown licences would quietly drop the whole source."""
    licensing = get_spdx_licensing()
    try:
        parsed = licensing.parse(value, validate=False, strict=True)
    except ExpressionError as exc:
        raise ValueError(f"{value!r} is not a valid SPDX expression ({exc})") from None
    if parsed is None:
        raise ValueError("empty licence expression")
    unknown = [key for key in licensing.unknown_license_keys(parsed) if not _LICENSE_REF.fullmatch(key)]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(re.sub(r"\s+", "-", key), _spdx_ids(), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise ValueError(
            f"{value!r}: {key!r} is not an SPDX licence id{hint} (a licence of your own: LicenseRef-<name>)"
        )
    return value


_LICENSE_REF = re.compile(r"(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")


@functools.lru_cache(maxsize=1)
def _spdx_ids() -> list[str]:
    return sorted({symbol.key for symbol in get_spdx_licensing().known_symbols.values()})


DEFAULT_SUITES = ("records", "run_accounting")
PII_SUITE = "no_residual_pii"


class GateConfig(_Strict):
    # None: the default for the job's stages, filled in by JobConfig (records, run_accounting, and
    # no_residual_pii when a `pii` stage runs)
    suites: list[str] | None = None
    min_published: int = Field(1, ge=0)  # fewer published records fail the gate (0: no minimum)
    min_published_share: float = Field(0.0, ge=0, le=1)  # nor a smaller share of the input records
    allow_none: bool = False  # publish with no suite at all: needs a reason, recorded in the manifest
    reason: str = ""

    @model_validator(mode="after")
    def _a_gate_or_a_reason(self) -> "GateConfig":
        if self.suites == [] and not self.allow_none:
            raise KeyValueError("suites", "empty, so nothing would check what is published; set allow_none: true and a reason to waive the gate")
        if self.allow_none and self.suites == [] and not self.reason.strip():
            raise KeyValueError("reason", "required when allow_none waives the gate (it is recorded in the manifest)")
        return self


class OutputConfig(_Strict):
    dir: str

    @field_validator("dir")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty: the run would write into the working directory")
        return value
    mode: Literal["overwrite", "append"] = "overwrite"  # a version is the whole run, or adds to the last


class LineageConfig(_Strict):
    transport: Literal["file", "http"] = "file"
    url: str | None = None  # for http, e.g. a Marquez endpoint
    namespace: str = "datasteward"

    @model_validator(mode="after")
    def _url_for_http(self) -> "LineageConfig":
        if self.transport == "http" and not self.url:
            raise KeyValueError("url", "required when transport is http")
        return self


class JobConfig(_Strict):
    job: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    sources: list[SourceConfig] = Field(min_length=1)
    stages: list[StageConfig]
    gate: GateConfig = GateConfig()
    output: OutputConfig
    lineage: LineageConfig = LineageConfig()

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique: {', '.join(dupes)}")
        return sources

    @field_validator("stages", mode="before")
    @classmethod
    def _typed_stages(cls, stages: Any) -> list[StageConfig]:
        if not isinstance(stages, list) or not stages:
            raise ValueError("must be a non-empty list of stage entries")
        typed = []
        for i, entry in enumerate(stages):
            if isinstance(entry, StageConfig):
                typed.append(entry)
                continue
            if not isinstance(entry, dict) or "stage" not in entry:
                raise ValueError(f"[{i}]: each entry needs a `stage:` key")
            name = entry["stage"]
            if name not in STAGE_MODULES:
                raise ValueError(f"[{i}].stage: unknown stage {name!r} (known: {', '.join(sorted(STAGE_MODULES))})")
            for key, value in entry.items():
                if key.endswith("_env") and not _is_variable_name(value):
                    raise ValueError(
                        f"{_entry(i, name, key)}: must name an environment variable (e.g. DATASTEWARD_PII_KEY); "
                        "the value given looks like a secret and is not shown"
                    )
            try:
                typed.append(stage_config_class(name).model_validate(entry))
            except ValidationError as exc:
                key, message = error_key(exc)
                raise ValueError(f"{_entry(i, name, key)}: {message}") from None
        if typed[0].stage != "ingest":
            raise ValueError("[0]: the first stage must be `ingest`")
        seen = [s.stage for s in typed]
        for i, name in enumerate(seen):
            if name in seen[:i]:
                raise ValueError(f"[{i}]: stage {name!r} already appears at stages[{seen.index(name)}]; each stage may appear once")
        return typed

    @model_validator(mode="before")
    @classmethod
    def _default_suites(cls, data: Any) -> Any:
        """The default gate checks residual personal data only when a `pii` stage de-identifies it."""
        if not isinstance(data, dict):
            return data
        gate = data.get("gate")
        if gate is None or (isinstance(gate, dict) and gate.get("suites") is None):
            stages = data.get("stages") if isinstance(data.get("stages"), list) else []
            names = {e.get("stage") if isinstance(e, dict) else getattr(e, "stage", None) for e in stages}
            suites = [*DEFAULT_SUITES, *([PII_SUITE] if "pii" in names else [])]
            data = {**data, "gate": {**(gate if isinstance(gate, dict) else {}), "suites": suites}}
        return data

    @model_validator(mode="after")
    def _suites_match_stages(self) -> "JobConfig":
        """Every suite exists, and a suite that needs a stage (its ``meta.requires_stages``) has it."""
        from expectations.gate import load_suite

        stages = {s.stage for s in self.stages}
        for i, name in enumerate(self.gate.suites or []):
            try:
                suite = load_suite(name)
            except ValueError as exc:
                raise ValueError(f"gate.suites[{i}]: {exc}") from None
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"gate.suites[{i}]: cannot read {name}: {exc}") from None
            for needed in (suite.get("meta") or {}).get("requires_stages", []):
                if needed not in stages:
                    raise ValueError(
                        f"gate.suites[{i}]: suite {name!r} needs the `{needed}` stage, which this job does not run "
                        f"(add `- stage: {needed}` to stages, or remove {name!r} from gate.suites)"
                    )
        return self

    def source(self, name: str) -> SourceConfig:
        return next(s for s in self.sources if s.name == name)

    def stage_config(self, name: str) -> StageConfig | None:
        return next((s for s in self.stages if s.stage == name), None)


_VARIABLE_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


def _is_variable_name(value: Any) -> bool:
    """An environment variable's name, not a key typed in its place: upper case, digits, underscores,
    and not one long run of letters and digits (AWS-style key ids are upper case too)."""
    if not isinstance(value, str) or not _VARIABLE_NAME.fullmatch(value):
        return False
    return not any(len(part) >= 16 and any(c.isdigit() for c in part) for part in value.split("_"))


def parse_config(data: Any) -> JobConfig:
    if not isinstance(data, dict):
        raise ConfigError("config error: the file must hold a YAML mapping")
    try:
        return JobConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"config error: {first_error(exc)}") from None


def load_config(path: str | Path) -> tuple[JobConfig, str]:
    """The validated config and the sha256 of the file's bytes."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config error: cannot read {path}: {exc.strerror}") from None
    try:
        data = load_yaml(raw)
    except DuplicateKey as exc:
        raise ConfigError(f"config error: {path} {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config error: {path} is not valid YAML{where}") from None
    return resolve_paths(parse_config(data), path.resolve().parent), hashlib.sha256(raw).hexdigest()


def resolve_paths(config: JobConfig, base_dir: str | Path) -> JobConfig:
    """The config with every relative path made absolute against ``base_dir`` (the config file's
    folder), so nothing depends on the working directory of the driver or of any worker.
    URIs (``s3://…``) are kept as they are."""
    sources = [s.model_copy(update={"paths": [storage.resolve(p, base_dir) for p in s.paths]}) for s in config.sources]
    output = config.output.model_copy(update={"dir": storage.resolve(config.output.dir, base_dir)})
    stages = [
        s.model_copy(update={"exclusions": storage.resolve(s.exclusions, base_dir)}) if isinstance(getattr(s, "exclusions", None), str) else s
        for s in config.stages
    ]
    return config.model_copy(update={"sources": sources, "output": output, "stages": stages})


def preflight(config: JobConfig) -> list[str]:
    """What the file system says about a valid config before anything runs: every source's paths
    must match at least one file (one line per problem, naming the source and its patterns), and the head
    of its first file must have the fields the source names (a header, the first records' keys, a schema)."""
    from transforms.ingest.readers import expand_sources, field_problems

    problems = []
    for i, source in enumerate(config.sources):
        try:
            files = expand_sources([source], config.output.dir)
        except (FileNotFoundError, ValueError, OSError) as exc:
            problems.append(f"config error: sources[{i}].paths: {exc}")
            continue
        problems += [f"config error: sources[{i}].{key}: {problem}" for key, problem in field_problems(files[0], source)]
    return problems


def create_stages(config: JobConfig) -> list[Stage]:
    """The job's stages, created as the run creates them, so that an entry which validates but cannot be
    created stops the run before anything is written: the pii stage without its key, a ``byo_model``
    handler whose factory refuses its options, or whatever else a stage's ``create`` raises. The
    ConfigError names the entry (and its key, for a KeyValueError), e.g.
    ``config error: stages[3] (pii).key_env: environment variable DATASTEWARD_PII_KEY must hold …``."""
    stages = []
    for i, entry in enumerate(config.stages):
        try:
            stages.append(entry.create())
        except Exception as exc:  # a config check (ValueError) or a failure all the same: name what failed
            if isinstance(exc, KeyValueError):
                key, message = exc.key, exc.message
            else:
                key, message = "", str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            raise ConfigError(f"config error: stages{_entry(i, entry.stage, key)}: {_one_line(message)}") from None
    return stages


def _entry(i: int, stage: str, key: str = "") -> str:
    """Where in ``stages`` an error lies: ``[3] (pii)``, or ``[3] (pii).key_env`` when it names a key."""
    return f"[{i}] ({stage})" + (f".{key}" if key else "")


def _one_line(message: str) -> str:
    return " ".join(message.split())

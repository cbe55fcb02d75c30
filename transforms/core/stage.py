"""The stage contract every control plugs into.

A control's decisions are plain Python (:class:`Control.decide` over a :class:`Batch`), testable
without Beam. :class:`ControlStage` is the thin composite ``PTransform`` around it: it applies the
control to each batch, appends one lineage entry per record, routes rejects to a tagged output and
counts records in / kept / rejected (per reason) in Beam counters.

Stages that need a view of the whole corpus (deduplication, the source roll-up) subclass
:class:`Stage` directly and build their own composite from the same pieces.

A job's ``stages:`` list is validated against the :class:`StageConfig` subclass registered with
:func:`register_stage` for each name; :data:`STAGE_MODULES` says which module defines it.
"""

from __future__ import annotations

import abc
import difflib
import json
import os
import pickle
import struct
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

import apache_beam as beam
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
import orjson
import pyarrow as pa
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue
from pydantic import BaseModel, ConfigDict, ValidationError

from transforms.core import storage
from transforms.core import progress
from transforms.core.heap import settle_heap
from transforms.core.preview import redacted_previews
from transforms.core.records import CATEGORIES, FIELDS, RISK_LEVELS, Batch, identity, lineage_entry, reject_row, to_json


class JobView(Protocol):
    """What stages read of the job config (``pipelines.config.JobConfig`` satisfies it): the sources
    with their declared metadata and the output settings. Typed structurally, so ``transforms`` never
    imports ``pipelines``."""

    sources: Sequence[Any]
    output: Any

METRICS_NAMESPACE = "datasteward"
KEPT = "kept"
REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Decision:
    """What one control decided for one record.

    ``keep`` passes it on unchanged; ``annotate`` passes it on with tags and detail in lineage;
    ``modify`` passes it on with ``text`` and/or ``meta`` replaced (e.g. de-identified); ``reject`` sends it to the
    rejects table with ``rule``, ``clause``, ``risk_level``, ``category`` and ``reason``.
    ``detail`` goes to lineage as JSON: scores, counts, matched ids — never raw personal data.
    """

    action: str = "keep"
    rule: str = ""
    clause: str = ""
    risk_level: str | None = None
    category: str = ""
    reason: str = ""
    detail: Mapping[str, Any] | None = None
    text: str | None = None
    tags: tuple[str, ...] = ()
    preview: str | None = None
    meta: Mapping[str, Any] | None = None

    @classmethod
    def reject(
        cls,
        *,
        rule: str,
        clause: str,
        risk_level: str,
        category: str,
        reason: str,
        detail: Mapping[str, Any] | None = None,
        preview: str | None = None,
    ) -> "Decision":
        return cls("reject", rule, clause, risk_level, category, reason, detail, preview=preview)

    def check(self, stage: str) -> None:
        """Fail loudly on a malformed decision: that is a bug in the control, not bad data."""
        if self.action not in ("keep", "annotate", "modify", "reject"):
            raise ValueError(f"{stage}: unknown action {self.action!r}")
        if self.action == "reject":
            missing = [n for n in ("rule", "clause", "reason") if not getattr(self, n)]
            if missing:
                raise ValueError(f"{stage}: reject without {', '.join(missing)}")
            if self.risk_level not in RISK_LEVELS:
                raise ValueError(f"{stage}: risk_level {self.risk_level!r} not in {RISK_LEVELS}")
            if self.category not in CATEGORIES:
                raise ValueError(f"{stage}: category {self.category!r} not in {CATEGORIES}")
        if self.action == "modify" and self.text is None and self.meta is None:
            raise ValueError(f"{stage}: modify without replacement text or meta")


KEEP = Decision()


class Control(abc.ABC):
    """Decision logic of one control. Subclasses set ``stage`` and implement :meth:`decide`.

    Instances are pickled to workers: keep heavy state (models, compiled automata) out of
    ``__init__`` and load it in :meth:`setup`, which runs once per worker before the first batch.
    """

    stage: str = ""

    def setup(self) -> None:
        """Load models or other per-process state. Called once per worker."""

    @abc.abstractmethod
    def decide(self, batch: Batch) -> Sequence[Decision]:
        """One decision per record of ``batch``, in order."""


@dataclass
class ControlResult:
    kept: Batch
    rejects: list[dict]
    counts: Counter = field(default_factory=Counter)
    # with ``previews_later``: (reject, its text, its category, its meta) for each reject still without a preview
    unpreviewed: list[tuple[int, str | None, str, dict | None]] = field(default_factory=list)


def apply_control(control: Control, batch: Batch, run_id: str, previews_later: bool = False) -> ControlResult:
    """Apply ``control`` to ``batch``: the plain-Python core of :class:`ControlStage`. ``previews_later``:
    leave the rejects' previews to the caller (:class:`_RejectsWithPreviews`), listed in ``unpreviewed``."""
    decisions = control.decide(batch)
    if len(decisions) != len(batch):
        raise ValueError(f"{control.stage}: {len(decisions)} decisions for {len(batch)} records")
    stage = control.stage
    kept_idx: list[int] = []
    lineage: list[list[dict]] = []
    texts: list[str] | None = None
    metas: list[dict] | None = None
    tags: list[list[str]] | None = None
    rejects: list[dict] = []
    unpreviewed: list[tuple[int, int, str]] = []  # (reject, record, category): previews made for the batch at once
    counts: Counter = Counter(input=len(batch))
    # Equal entries are one shared dict (entries are never mutated): a stage writes a handful of
    # distinct ones per batch (keep, keep with the same gate note, ...), and a spill or a worker
    # hand-over pickles each shared dict once instead of once per record.
    keep_entry = lineage_entry(stage, "keep")
    entries: dict[tuple, dict] = {}
    lineages = batch.lineage
    plain_keeps = 0
    previous: Decision | None = None
    for i, d in enumerate(decisions):
        if d is KEEP:  # most records of most stages: nothing but the lineage entry to add
            kept_idx.append(i)
            lineage.append([*lineages[i], keep_entry])
            plain_keeps += 1
            continue
        if d is not previous:  # a stage's shared decision (highrisk's gated keep) repeats: checked and entered once
            d.check(stage)
            detail = to_json(d.detail)
            key = (d.action, d.rule, d.clause, d.risk_level, d.reason, detail)
            entry = entries.get(key)
            if entry is None:
                entry = entries[key] = lineage_entry(
                    stage, d.action, rule=d.rule, clause=d.clause, risk_level=d.risk_level, reason=d.reason, detail_json=detail
                )
            previous = d
        history = [*lineages[i], entry]
        counts[d.action] += 1
        if d.action == "reject":
            counts[f"rejected:{d.reason}"] += 1
            rejects.append(
                reject_row(
                    identity(batch, i),
                    stage=stage,
                    rule=d.rule,
                    clause=d.clause,
                    risk_level=d.risk_level,
                    category=d.category,
                    reason=d.reason,
                    detail=entry["detail"],
                    run_id=run_id,
                    lineage=history,
                    preview=d.preview,
                )
            )
            if d.preview is None:
                unpreviewed.append((len(rejects) - 1, i, d.category))
            continue
        if d.text is not None:
            if texts is None:
                texts = list(batch.text)
            texts[i] = d.text
        if d.meta is not None:
            if metas is None:
                metas = list(batch.meta)
            metas[i] = dict(d.meta)
        if d.tags:
            if tags is None:
                tags = list(batch.tags)  # inner lists are replaced, never mutated
            tags[i] = tags[i] + [t for t in d.tags if t not in tags[i]]
        kept_idx.append(i)
        lineage.append(history)
    if plain_keeps:
        counts["keep"] += plain_keeps
    if previews_later:
        waiting = [(r, batch.text[i], category, batch.meta[i]) for r, i, category in unpreviewed]
    elif unpreviewed:
        fill_previews([rejects[r] for r, _, _ in unpreviewed], [batch.text[i] for _, i, _ in unpreviewed],
                      [c for _, _, c in unpreviewed], [batch.meta[i] for _, i, _ in unpreviewed])
    updated = batch.replace(
        **({"text": texts} if texts is not None else {}),
        **({"meta": metas} if metas is not None else {}),
        **({"tags": tags} if tags is not None else {}),
    )
    if len(kept_idx) < len(batch):
        updated = updated.take(kept_idx)
    kept = updated.replace(lineage=lineage)
    counts["kept"] = len(kept)
    counts["rejected"] = len(rejects)
    return ControlResult(kept, rejects, counts, waiting if previews_later else [])


def count(stage: str, name: str, n: int = 1) -> None:
    """Increment the Beam counter ``<stage>:<name>`` (read back by the run summary) and the live
    progress tally (:mod:`transforms.core.progress`, shown while the pipeline runs)."""
    if n:
        Metrics.counter(METRICS_NAMESPACE, f"{stage}:{name}").inc(n)
        progress.add(stage, name, n)


def fill_previews(rows: list[dict], texts: list[str | None], categories: list[str], metas: list[dict | None]) -> None:
    """Give each reject row the redacted preview of its text (its meta's personal values replaced too), all in one
    call."""
    for row, preview in zip(rows, redacted_previews(texts, categories, metas)):
        row["preview"] = preview


# Rejects wait for their previews until this many do: the PII detector's batch kernels (its name taggers)
# cost ≈ 0.2 ms a call whatever the batch holds, and most batches of most stages reject a handful of records
# (real-100k: 319 of 385 preview calls had under 100 texts and cost 37 % of the previews' CPU for 14 % of them).
PREVIEW_BATCH = 512


class _RejectsWithPreviews:
    """A bundle's rejects, in order, and the texts and metas of those still without a preview (held only in
    this worker's memory, never written: a reject leaves with its preview or none)."""

    def __init__(self):
        self.rejects: list[dict] = []
        self.texts: list[str | None] = []
        self.categories: list[str] = []
        self.metas: list[dict | None] = []
        self.rows: list[dict] = []

    def add(self, result: ControlResult) -> None:
        for r, text, category, meta in result.unpreviewed:
            self.rows.append(result.rejects[r])
            self.texts.append(text)
            self.categories.append(category)
            self.metas.append(meta)
        self.rejects += result.rejects

    def previewed(self) -> list[dict]:
        """Every waiting reject, previews filled in; none waits afterwards."""
        if self.texts:
            fill_previews(self.rows, self.texts, self.categories, self.metas)
        rejects = self.rejects
        self.rejects, self.texts, self.categories, self.metas, self.rows = [], [], [], [], []
        return rejects


class ControlFn(beam.DoFn):
    """A DoFn that applies controls: the rejects of its bundle's batches get their previews together
    (:data:`PREVIEW_BATCH`); ``finish_bundle`` sends those still waiting."""

    def start_bundle(self):
        self.waiting = _RejectsWithPreviews()

    def emit(self, stage: str, control: Control, batch: Batch, run_id: str):
        yield from self.emit_result(stage, apply_control(control, batch, run_id, previews_later=True))

    def emit_result(self, stage: str, result: ControlResult):
        """Count a result made with ``previews_later`` and yield its kept batch (main output); its rejects
        join those waiting for their previews, which come out (tagged) once enough wait."""
        for name, n in result.counts.items():
            count(stage, name, n)
        if len(result.kept):
            yield result.kept
        self.waiting.add(result)
        if len(self.waiting.rejects) >= PREVIEW_BATCH:
            yield beam.pvalue.TaggedOutput(REJECTED, self.waiting.previewed())

    def finish_bundle(self):
        rejects = self.waiting.previewed()
        if rejects:
            yield beam.pvalue.TaggedOutput(REJECTED, WindowedValue(rejects, MIN_TIMESTAMP, [GlobalWindow()]))


class BatchCoder(beam.coders.Coder):
    """How Beam encodes a :class:`Batch` (pickled, as its default coder would) and estimates its size.

    The estimate is the point: Beam samples the elements every step outputs (always the first ten,
    then sparser) to report their mean size, and its default coder measures an element by encoding
    it, which pickled whole 1,000-record batches (~1.5 % of a full run's CPU) for a number nobody reads."""

    def encode(self, batch: Batch) -> bytes:
        return pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)

    def decode(self, encoded: bytes) -> Batch:
        return pickle.loads(encoded)

    def is_deterministic(self) -> bool:
        return False

    def estimate_size(self, batch: Batch) -> int:
        return sum(map(len, batch.text)) + 200 * len(batch)  # the text, and ~200 bytes of the rest per record

    def to_type_hint(self):
        return Batch


beam.coders.registry.register_coder(Batch, BatchCoder)


class ConcatFn(beam.CombineFn):
    """Collects every element into one list; ``finish`` turns the list into the combined value
    (e.g. a table's ``concat``), for a global side input built from per-bundle parts."""

    def __init__(self, finish):
        self.finish = finish

    def create_accumulator(self):
        return []

    def add_input(self, acc, item):
        acc.append(item)
        return acc

    def merge_accumulators(self, accs):
        return [x for acc in accs for x in acc]

    def extract_output(self, acc):
        return self.finish(acc)


class _ApplyControlFn(ControlFn):
    def __init__(self, control: Control, run_id: str):
        self.control = control
        self.run_id = run_id

    def setup(self):
        self.control.setup()
        settle_heap()

    def process(self, batch: Batch):
        yield from self.emit(self.control.stage, self.control, batch, self.run_id)


class _SpillFn(beam.DoFn):
    """Writes each batch to its own file (sealed, see :func:`spill_bytes`) and passes on the file's path."""

    def __init__(self, directory: str, key: bytes):
        self.directory = directory
        self.key = key

    def process(self, batch: Batch):
        storage.makedirs(self.directory)
        path = storage.join(self.directory, f"{uuid.uuid4().hex}.spill")
        storage.write_bytes(path, seal(self.key, spill_bytes(batch)))
        yield path


class _DecideSpilledFn(ControlFn):
    """Reads a spilled batch back and applies the control made from the corpus-wide view."""

    def __init__(self, stage: str, make_control: Callable[[Any], Control], run_id: str, key: bytes):
        self.stage = stage
        self.make_control = make_control
        self.run_id = run_id
        self.key = key

    def process(self, path: str, view):
        # The spilled file stays: a runner that retries this bundle reads it again. The run's
        # staging folder (and with it every spill) is removed once the run has finished.
        batch = unspill_batch(unseal(self.key, storage.read_bytes(path)))
        yield from self.emit(self.stage, self.make_control(view), batch, self.run_id)


# LZ4 (frame), not zstd: a spill is written once and read once by the same run, so compression time
# counts and ratio less. On real-100k batches zstd level 1 took 4.9 + 1.4 µs per record to compress and
# decompress (658 B), LZ4 3.4 + 0.5 µs (986 B): ≈ 2.3 µs less per record per spilling stage for half as
# many bytes again on the staging disk until the run ends.
_SPILL_CODEC = pa.Codec("lz4")
_RAW_SIZE = struct.Struct("<Q")  # the pickle's length, which the decompressor asks for


def spill_bytes(batch: Batch) -> bytes:
    """A batch as the bytes of a spill file: its columns pickled (with ``meta`` as the JSON it is
    published as, so a spilled batch reads back as it would from Parquet), LZ4-compressed, after
    the pickle's length.

    Pickle, not Parquet: the batch is read back once, by this run, into the same Python lists;
    the Arrow round trip (nested lineage structs to and from Python dicts) cost ≈ 60 µs per record
    per spilling stage. Only bytes sealed with the pipeline's own key are ever unpickled."""
    columns = {name: getattr(batch, name) for name in FIELDS}
    columns["meta"] = [to_json(m) for m in batch.meta]
    raw = pickle.dumps(columns, protocol=pickle.HIGHEST_PROTOCOL)
    return _RAW_SIZE.pack(len(raw)) + _SPILL_CODEC.compress(raw, asbytes=True)


def unspill_batch(data: bytes) -> Batch:
    (size,) = _RAW_SIZE.unpack_from(data)
    columns = pickle.loads(_SPILL_CODEC.decompress(memoryview(data)[_RAW_SIZE.size :], decompressed_size=size))
    columns["meta"] = [orjson.loads(m) if m else {} for m in columns["meta"]]
    return Batch(**columns)


def seal(key: bytes, data: bytes) -> bytes:
    """AES-256-GCM: a random nonce, then the ciphertext with its tag."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def unseal(key: bytes, sealed: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], None)


class DecideWithView(beam.PTransform):
    """Applies a control that needs a corpus-wide view (a side input) to every batch.

    Deduplication, the source roll-up and the AIGC share cap can only decide once every batch has
    been seen. Until then the batches wait as files under ``spill_dir``: the embedded runner
    would otherwise hold the whole corpus in memory in front of this step (and send it to a worker
    as one message, which gRPC caps at 2 GiB), so memory would grow with the corpus.
    ``make_control(view)`` builds the :class:`Control` that decides, from the side input's value.
    """

    def __init__(self, stage: str, make_control: Callable[[Any], Control], view, spill_dir: str, run_id: str):
        super().__init__(label=f"{stage}/DecideWithView")
        self.stage = stage
        self.make_control = make_control
        self.view = view
        self.spill_dir = spill_dir
        self.run_id = run_id

    def expand(self, batches):
        # The spilled batches hold raw text (the stages that clean it may come later): they are
        # encrypted with a key made for this graph, which lives only in the pipeline's memory and
        # dies with the run, so a killed run's leftover spill files are unreadable.
        key = AESGCM.generate_key(bit_length=256)
        paths = batches | f"{self.stage}/Spill" >> beam.ParDo(_SpillFn(self.spill_dir, key))
        outputs = paths | f"{self.stage}/Decide" >> beam.ParDo(
            _DecideSpilledFn(self.stage, self.make_control, self.run_id, key), self.view
        ).with_output_types(Batch).with_outputs(REJECTED, main=KEPT)
        return outputs[KEPT], outputs[REJECTED]


@dataclass
class RunContext:
    """What a stage may know about the run: ids, paths and the validated job config.

    It lives on the driver. Pass only the plain values a DoFn needs (``run_id``, ``staging_dir``)
    into transforms, never this object, so transforms stay picklable for any runner.
    """

    run_id: str
    out_dir: str  # absolute path or URI (transforms.core.storage)
    run_dir: Path  # a local folder: uploaded to OUT_DIR/runs/<run_id> when OUT_DIR is remote
    staging_dir: str  # absolute path or URI every worker can write
    config: JobView
    upstream_rejects: list = field(default_factory=list)  # reject PCollections of earlier stages
    staged_reject_files: list = field(default_factory=list)  # PCollections of staged reject file paths

    @property
    def dataset_dir(self) -> str:
        return storage.join(self.out_dir, "dataset")

    @property
    def kept_dir(self) -> str:
        """Where the run stages the records it will publish (Parquet, one file per bundle)."""
        return storage.join(self.staging_dir, "kept")

    @property
    def record_stats_dir(self) -> str:
        """Where the run stages the gate's per-record statistics of the records it will publish."""
        return storage.join(self.staging_dir, "record_stats")

    @property
    def rejects_dir(self) -> str:
        """Where the run stages every stage's reject rows."""
        return storage.join(self.staging_dir, "rejects")

    @property
    def spill_root(self) -> str:
        """Where every stage's :class:`DecideWithView` spills live: nothing reads them once the pipeline has finished."""
        return storage.join(self.staging_dir, "spill")

    def spill_dir(self, stage: str) -> str:
        """Where :class:`DecideWithView` keeps a stage's batches while its view is computed."""
        return storage.join(self.spill_root, stage)

    def stage_dir(self, stage: str) -> str:
        """Staging space of one stage for files it reads back after the pipeline (e.g. in ``on_publish``)."""
        return storage.join(self.staging_dir, "stages", stage)

    def committed_files(self, name: str) -> list[str]:
        """The staged files of ``name`` (``kept``, ``rejects``, ``record_stats``, ``stages/<stage>``)
        that the runner committed (see :class:`CommitFileList`)."""
        listed = committed_files(self.staging_dir, name)
        if listed is None:  # a graph built without CommitFileList (by hand, in a test): every file there
            return storage.listdir(storage.join(self.staging_dir, name), "*.parquet")
        return listed


class Stage(abc.ABC):
    """One step of the plan. ``expand`` wires it into the Beam graph."""

    name: str

    @abc.abstractmethod
    def expand(self, batches: beam.PCollection, ctx: RunContext) -> tuple[beam.PCollection, beam.PCollection]:
        """Return (kept batches, reject-row lists)."""

    def describe(self) -> str:
        """One line for ``steward run --dry-run``."""
        return self.__class__.__doc__.strip().splitlines()[0] if self.__class__.__doc__ else self.name

    def report(self, ctx: RunContext, counters: Mapping[str, int]) -> dict | None:
        """After the pipeline ran: a section for the run manifest (None for none); its ``note``, if any, is
        also printed when the run ends."""
        return None

    def prepare_publish(self, ctx: RunContext) -> None:
        """After the pipeline, on a thread while the gate and the commits run: write into the run's
        staging what ``on_publish`` will put beside the version (no version exists yet, and none may:
        a failed gate publishes nothing). A failure here fails the run where ``on_publish`` is called."""

    def on_publish(self, ctx: RunContext, version: int) -> None:
        """After the dataset version was committed: persist what a later run needs beside it."""


class ControlStage(Stage):
    """Applies a :class:`Control` to every batch; rejects go to a tagged output."""

    def __init__(self, control: Control):
        self.control = control
        self.name = control.stage

    def expand(self, batches, ctx):
        apply = beam.ParDo(_ApplyControlFn(self.control, ctx.run_id)).with_output_types(Batch)
        outputs = batches | self.name >> apply.with_outputs(REJECTED, main=KEPT)
        return outputs[KEPT], outputs[REJECTED]

    def describe(self) -> str:
        doc = type(self.control).__doc__
        return doc.strip().splitlines()[0] if doc else self.name


class StageConfig(BaseModel, abc.ABC):
    """Parameters of one ``stages:`` entry. Subclasses add fields and build the stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stage: str

    @abc.abstractmethod
    def create(self) -> Stage:
        """Build the stage this entry configures."""


def key_path(loc: Sequence[str | int]) -> str:
    """A location in a config as one key path, list items in brackets: ``sources[0].license``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


class KeyValueError(ValueError):
    """A model validator's error about one of the model's own keys. Raised in a model nested in another
    (``gate:``, ``lineage:``), it lets the error name the whole path, ``gate.suites``; pydantic would
    locate it at the model alone."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


def error_key(exc: ValidationError) -> tuple[str, str]:
    """The first validation error as (key path, message), e.g. ``("sources[0].text_fieldz", "unknown key")``;
    the key path is empty for an error that names no key."""
    errors = exc.errors()
    # a misspelt key gives two errors, the key unknown and the right one missing: name the one the user wrote
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = key_path(err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
        missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == err["loc"][:-1]]
        if close := difflib.get_close_matches(str(err["loc"][-1]), missing, n=1):
            message += f" (did you mean {close[0]}?)"
    elif err["type"] == "missing":
        message = "required key is missing"
    raised = err.get("ctx", {}).get("error")
    if isinstance(raised, KeyValueError):
        where, message = f"{where}.{raised.key}" if where else raised.key, raised.message
    elif not where and ": " in message:  # model validators name the key themselves: "key: …"
        where, message = message.split(": ", 1)
    elif message.startswith("[") and ": " in message:  # list validators name the item: "[2].stage: …"
        item, message = message.split(": ", 1)
        where += item
    return where, message


def first_error(exc: ValidationError) -> str:
    """The first validation error as one line naming the key, e.g. ``sources[0].text_fieldz: unknown key``."""
    where, message = error_key(exc)
    return f"{where}: {message}" if where else message


# ---- retry-safe staging --------------------------------------------------------------------------

COMMITTED = "_committed"


def _write_file_list(paths: list[str], location: str) -> None:
    storage.write_text(location, json.dumps(sorted(paths)))


class CommitFileList(beam.PTransform):
    """Records which staged files the runner committed.

    Writers name their files uniquely per attempt and pass each path on as an output element.
    A runner discards the outputs of a failed or retried bundle, so the paths that reach this step
    are exactly the files of the attempts that succeeded; files left by a failed attempt stay out
    of the list and are never read (they go with the staging folder). The list has a fixed name, so
    a retry of this step overwrites it with the same content.
    """

    def __init__(self, staging_dir: str, name: str):
        super().__init__(label=f"CommitFileList/{name}")
        self.location = committed_list_path(staging_dir, name)

    def expand(self, paths):
        # The empty list is written now, while the graph is built, and replaced once any file is
        # committed: a global combine that must also emit for an empty input costs the runner a
        # side input and four more steps per list (a fifth of a full run's transforms).
        _write_file_list([], self.location)
        return (
            paths
            | "All" >> beam.combiners.ToList().without_defaults()
            | "Write" >> beam.Map(_write_file_list, self.location)
        )


def committed_list_path(staging_dir: str, name: str) -> str:
    return storage.join(staging_dir, COMMITTED, f"{name.replace('/', '.')}.json")


def committed_files(staging_dir: str, name: str) -> list[str] | None:
    """The committed files of ``name``, or None when the pipeline wrote no list."""
    location = committed_list_path(staging_dir, name)
    if not storage.exists(location):
        return None
    return json.loads(storage.read_text(location))

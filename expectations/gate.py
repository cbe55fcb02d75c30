"""The publish gate: Great Expectations suites over a run's staged output.

Suites are GX 1.x JSON files: shipped ones in ``expectations/suites/`` (named in the job's
``gate.suites`` by file stem) or a job's own (named by path, ending in ``.json``). Each names the frame it validates in
``meta.frame``:

- ``records``: one row per kept record with per-record statistics (never the text itself):
  ``id``, ``id_hash``, ``source``, ``license``, ``lang``, ``text_chars``, plus any column of
  :data:`RECORD_STATS` that an expectation names (computed only when asked for). The pipeline
  computes these rows beside the records it stages (:func:`record_stats`), in parallel; the gate
  loads only the columns its suites name. The shipped suites check ids through ``id_hash`` (64-bit
  BLAKE2b of the id): Great Expectations turns a string column into one Python object per row
  (≈ 300 MB at 1M records), an integer column costs 8 bytes per row. A hash collision can only fail
  the uniqueness check, never pass a duplicate (≈ 3·10⁻⁸ at 1M records);
- ``run``: one row of run-level counts: ``input``, ``kept``, ``rejected``, ``accounted``, ``kept_share``
  (kept / input).

Besides the named suites the gate always runs ``published`` (:func:`published_suite`): a run that would
publish fewer than ``gate.min_published`` records (default 1: never an empty version) or less than
``gate.min_published_share`` of its input fails, and the failure's reason is written beside it.

Results go to ``<run_dir>/gate/`` (one JSON per suite) and Great Expectations Data Docs are built
under ``<run_dir>/gx/``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

SUITES_DIR = Path(__file__).parent / "suites"

RECORD_STATS: dict[str, str] = {
    # column -> "module:function" taking a list of texts and returning one number per text (a function of
    # the text alone: each distinct string is counted once per batch)
    "residual_identifiers": "transforms.pii.detectors:count_structured_identifiers",
}


@dataclass
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str
    success: bool
    observed: Any
    clause: str | None = None
    reason: str | None = None  # for a failed expectation whose suite explains itself (meta.reason)


@dataclass
class GateResult:
    success: bool
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    results_path: str | None = None
    data_docs: str | None = None

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def reason(self) -> str | None:
        """Why the gate failed, in words, where the failed expectations say it (None otherwise)."""
        reasons = [o.reason for o in self.failed if o.reason]
        return "; ".join(reasons) or None


def published_suite(min_records: int = 1, min_share: float = 0.0) -> dict:
    """The ``published`` suite: at least ``min_records`` published records and ``min_share`` of the input
    (Framework 4.1.2(b): a run whose filters removed everything, or nearly everything, is not a dataset)."""
    expectations = []
    if min_records > 0:
        expectations.append(
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "kept", "min_value": min_records},
             "meta": {"clause": "4.1.2(b)",
                      "reason": f"the run would publish {{observed}} records; gate.min_published asks for at least {min_records}"}}
        )
    if min_share > 0:
        expectations.append(
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "kept_share", "min_value": min_share},
             "meta": {"clause": "4.1.2(b)",
                      "reason": f"the run would publish {{observed:.1%}} of its input records; gate.min_published_share asks for at least {min_share:.1%}"}}
        )
    return {
        "name": "published",
        "meta": {"frame": "run", "description": "The run publishes at least the configured number and share of its input records."},
        "expectations": expectations,
    }


def load_suite(name: str) -> dict:
    """A shipped suite by name, or a suite JSON file by path (names ending in .json)."""
    path = Path(name) if name.endswith(".json") else SUITES_DIR / f"{name}.json"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.json")))
        raise ValueError(f"gate suite {name!r} not found (known: {known})")
    return json.loads(path.read_text())


def _columns(suite: dict) -> set[str]:
    names = set()
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        names.update(v for k, v in kwargs.items() if k in ("column", "column_A", "column_B"))
    return names


def _stat_function(column: str) -> Callable[[list[str]], list[int]]:
    module, _, function = RECORD_STATS[column].partition(":")
    return getattr(importlib.import_module(module), function)


def _records_columns(suites: list[dict]) -> set[str]:
    """Every column the ``records`` suites among ``suites`` name."""
    return set().union(*(_columns(s) for s in suites if s["meta"]["frame"] == "records"))


def record_stat_columns(suite_names: list[str]) -> list[str]:
    """The :data:`RECORD_STATS` columns that the ``records`` suites among ``suite_names`` name."""
    return sorted(_records_columns([load_suite(name) for name in suite_names]) & RECORD_STATS.keys())


def record_stats_schema(extra: list[str]) -> pa.Schema:
    return pa.schema(
        [("id", pa.string()), ("id_hash", pa.int64())]
        + [(name, pa.string()) for name in ("source", "license", "lang")]
        + [("text_chars", pa.int64())]
        + [(column, pa.int64()) for column in extra]
    )


def id_hash(record_id: str | None) -> int | None:
    """64-bit BLAKE2b of a record id as a signed integer (None stays None)."""
    if record_id is None:
        return None
    return int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "little", signed=True)


def record_stats(ids, sources, licenses, langs, texts, extra: list[str], published: list[str] | None = None) -> pa.RecordBatch:
    """The ``records`` frame's rows for some records: computed where the records are, in the
    pipeline, so the gate reads a few numbers per record instead of scanning the text again.
    ``published``: per record, the strings it is published with (default: its text); the
    :data:`RECORD_STATS` columns are computed over each and summed, so no published column escapes them."""
    columns = [pa.array(ids, pa.string()), pa.array([id_hash(i) for i in ids], pa.int64())]
    columns += [pa.array(values, pa.string()) for values in (sources, licenses, langs)]
    columns.append(pc.utf8_length(pa.array(texts, pa.string())).cast(pa.int64()))
    fields = [[t] for t in texts] if published is None else published
    flat = [field for record in fields for field in record]
    ends = np.cumsum([len(record) for record in fields])
    distinct = list(dict.fromkeys(flat))  # each string once: a file's path repeats on every record of it
    for column in extra:  # a record's count is the sum over its fields
        counted = dict(zip(distinct, _stat_function(column)(distinct)))
        per_field = np.fromiter((counted[f] for f in flat), dtype=np.int64, count=len(flat))
        sums = np.add.reduceat(per_field, ends - [len(r) for r in fields]) if len(flat) else np.zeros(0, np.int64)
        columns.append(pa.array(sums, pa.int64()))
    return pa.record_batch(columns, schema=record_stats_schema(extra))


def records_frame(stats: ds.Dataset, columns: list[str]):
    """The ``records`` frame from the staged statistics, only ``columns``: strings stay Arrow
    strings, the repeated ones are categorical and integers keep nulls without turning into
    floats, so it costs tens of bytes per record."""
    import pandas as pd

    unknown = sorted(set(columns) - set(stats.schema.names))
    if unknown:
        raise ValueError(f"records suites name unknown columns {unknown} (known: {stats.schema.names})")
    table = stats.to_table(columns=[name for name in stats.schema.names if name in columns])
    for name in {"source", "license", "lang"} & set(table.schema.names):
        table = table.set_column(table.schema.get_field_index(name), name, pc.dictionary_encode(table.column(name)))
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype()}.get)


def run_frame(counts: dict[str, int]):
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "input": counts["input"],
                "kept": counts["kept"],
                "rejected": counts["rejected"],
                "accounted": counts["kept"] + counts["rejected"],
                "kept_share": counts["kept"] / counts["input"] if counts["input"] else 0.0,
            }
        ]
    )


def import_gx():
    """Great Expectations, quiet and without analytics (its import costs ~3 CPU seconds: a run can
    start it early, see ``pipelines.run``)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    _defer_module("scipy.stats")
    import great_expectations as gx

    return gx


def _defer_module(name: str) -> None:
    """Load module ``name`` on its first attribute access instead of at import (stdlib LazyLoader).

    Great Expectations imports every expectation class on start, and one of them (the KL-divergence
    expectation) imports scipy.stats: ≈ 30 % of GX's import, which no shipped suite uses. Deferred,
    a suite that does use it still gets the real module the first time it touches it."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:  # the parent package is missing: GX reports it at its own import
        return
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system binds a loaded submodule: `from scipy import stats` then finds it
        setattr(sys.modules[parent], child, module)  # without an import (which would load it)


def run_gate(
    suite_names: list[str],
    stats: ds.Dataset,
    counts: dict[str, int],
    run_dir: Path,
    min_published: int = 1,
    min_published_share: float = 0.0,
) -> GateResult:
    """Validate the staged run (``stats``: its :func:`record_stats` rows) against the named suites and
    the ``published`` suite (:func:`published_suite`); save results and Data Docs under run_dir."""
    gx = import_gx()
    suites = [load_suite(name) for name in suite_names]
    published = published_suite(min_published, min_published_share)
    if published["expectations"]:
        suites.append(published)
    frames = {"records": lambda: records_frame(stats, sorted(_records_columns(suites))), "run": lambda: run_frame(counts)}

    context = gx.get_context(mode="file", project_root_dir=str(run_dir))
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("staged_run")
    results_dir = run_dir / "gate"
    results_dir.mkdir(parents=True, exist_ok=True)
    outcome = GateResult(success=True, results_path=str(results_dir))
    built: dict[str, Any] = {}
    for suite_json in suites:
        frame = suite_json["meta"]["frame"]
        if frame not in frames:
            raise ValueError(f"suite {suite_json['name']!r}: unknown frame {frame!r}")
        if frame not in built:
            built[frame] = frames[frame]()
        suite = context.suites.add(gx.ExpectationSuite(**suite_json))
        asset = source.add_dataframe_asset(suite_json["name"])
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=suite_json["name"], data=asset.add_batch_definition_whole_dataframe("all"), suite=suite
            )
        )
        result = definition.run(batch_parameters={"dataframe": built[frame]}, result_format="SUMMARY")
        (results_dir / f"{suite_json['name']}.json").write_text(json.dumps(result.to_json_dict(), indent=2))
        outcome.success &= bool(result.success)
        for r in result.results:
            config = r.expectation_config
            outcome.outcomes.append(
                ExpectationOutcome(
                    suite=suite_json["name"],
                    expectation=config.type,
                    column=config.kwargs.get("column") or f"{config.kwargs.get('column_A')}={config.kwargs.get('column_B')}",
                    success=bool(r.success),
                    observed=_observed(r.result),
                    clause=(config.meta or {}).get("clause"),
                    reason=None if r.success else _reason((config.meta or {}).get("reason"), r.result),
                )
            )
    context.build_data_docs()
    sites = context.get_docs_sites_urls()
    outcome.data_docs = sites[0]["site_url"] if sites else None
    site = run_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    if site.is_dir():
        from expectations.data_docs import make_offline

        make_offline(site)  # packaged assets: the pages open offline and call no CDN, no S3 logo
    return outcome


def _reason(template: str | None, result: dict) -> str | None:
    """A failed expectation's ``meta.reason`` with the failing value (of a one-row ``run`` frame) filled in."""
    if not template:
        return None
    values = result.get("partial_unexpected_list") or [result.get("observed_value")]
    try:
        return template.format(observed=values[0])
    except (ValueError, TypeError, IndexError, KeyError):
        return template.replace("{observed:.1%}", "{observed}").format(observed=values[0])


def _observed(result: dict) -> Any:
    if "observed_value" in result:
        return result["observed_value"]
    if "unexpected_count" in result:
        return {"unexpected": result["unexpected_count"], "of": result.get("element_count")}
    return None

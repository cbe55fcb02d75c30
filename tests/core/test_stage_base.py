"""The stage contract: plain apply_control, and ControlStage inside a real Beam pipeline."""

import apache_beam as beam
import pytest
from apache_beam.metrics import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.stage import KEEP, Control, ControlStage, Decision, RunContext, apply_control
from transforms.core.records import Batch, lineage_entry


class EvenOdd(Control):
    """Rejects odd numbers, upper-cases text of multiples of three, tags the rest."""

    stage = "evenodd"

    def decide(self, batch):
        out = []
        for text in batch.text:
            n = int(text.split()[-1])
            if n % 2:
                out.append(
                    Decision.reject(
                        rule="odd", clause="4.1.2(b)", risk_level="low", category="quality", reason="odd_number"
                    )
                )
            elif n % 3 == 0:
                out.append(Decision("modify", text=text.upper(), detail={"why": "three"}))
            elif n == 4:
                out.append(Decision("annotate", tags=("four",)))
            else:
                out.append(KEEP)
        return out


def make_batch(numbers) -> Batch:
    return Batch.from_rows(
        {
            "id": f"id{n}",
            "text": f"number {n}",
            "source": "s",
            "source_uri": "f",
            "locator": f"line={n}",
            "license": "MIT",
            "lang": None,
            "meta": {},
            "content_sha256": "h",
            "tags": [],
            "lineage": [lineage_entry("ingest", "keep")],
        }
        for n in numbers
    )


def test_apply_control_routes_modifies_tags_and_appends_lineage():
    batch = make_batch(range(7))
    result = apply_control(EvenOdd(), batch, "run-1")
    assert result.kept.id == ["id0", "id2", "id4", "id6"]
    assert result.kept.text == ["NUMBER 0", "number 2", "number 4", "NUMBER 6"]
    assert result.kept.tags[2] == ["four"]
    assert [len(h) for h in result.kept.lineage] == [2, 2, 2, 2]
    assert result.kept.lineage[0][-1]["action"] == "modify"
    assert [r["id"] for r in result.rejects] == ["id1", "id3", "id5"]
    reject = result.rejects[0]
    assert (reject["stage"], reject["reason"], reject["run_id"]) == ("evenodd", "odd_number", "run-1")
    assert reject["lineage"][-1]["action"] == "reject"
    assert result.counts["rejected:odd_number"] == 3 and result.counts["kept"] == 4
    assert batch.text[0] == "number 0", "the input batch is not mutated"


def test_a_shared_decision_object_gives_what_a_fresh_equal_decision_per_record_gives():
    gated = Decision("keep", detail={"gate": "no term"})
    odd = Decision.reject(rule="odd", clause="4.1.2(b)", risk_level="low", category="quality", reason="odd_number")

    class Shared(Control):
        stage = "shared"

        def __init__(self, fresh: bool):
            self.fresh = fresh

        def decide(self, batch):
            out = []
            for text in batch.text:
                n = int(text.split()[-1])
                d = KEEP if n % 5 == 0 else odd if n % 2 else gated if n % 3 else Decision("keep", detail={"n": n})
                # the reference: an equal but new object for every record
                out.append(Decision(**{f: getattr(d, f) for f in d.__dataclass_fields__}) if self.fresh and d is not KEEP else d)
            return out

    batch = make_batch(range(40))
    shared, fresh = apply_control(Shared(False), batch, "r"), apply_control(Shared(True), batch, "r")
    assert shared.kept == fresh.kept and shared.rejects == fresh.rejects and shared.counts == fresh.counts
    assert shared.counts["rejected:odd_number"] == 16 and shared.kept.lineage[1][-1]["detail"] == '{"gate":"no term"}'
    gated_entries = [h[-1] for h in shared.kept.lineage if h[-1].get("detail") == '{"gate":"no term"}']
    assert len(gated_entries) > 1 and all(e is gated_entries[0] for e in gated_entries)


def test_malformed_decisions_fail_loudly():
    class Bad(Control):
        stage = "bad"

        def decide(self, batch):
            return [Decision("reject", rule="r", clause="c", reason="x", risk_level="catastrophic", category="quality")]

    with pytest.raises(ValueError, match="risk_level"):
        apply_control(Bad(), make_batch([1]), "r")

    class Short(Control):
        stage = "short"

        def decide(self, batch):
            return []

    with pytest.raises(ValueError, match="0 decisions for 1"):
        apply_control(Short(), make_batch([1]), "r")


def test_control_stage_in_beam_routes_rejects_and_counts(tmp_path):
    stage = ControlStage(EvenOdd())
    ctx = RunContext(run_id="run-1", out_dir=tmp_path, run_dir=tmp_path, staging_dir=tmp_path, config=None)
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    batches = pipeline | beam.Create([make_batch(range(0, 5)), make_batch(range(5, 10))])
    kept, rejects = stage.expand(batches, ctx)
    assert_that(kept | "KeptIds" >> beam.FlatMap(lambda b: b.id), equal_to(["id0", "id2", "id4", "id6", "id8"]), label="kept")
    assert_that(
        rejects | "RejectIds" >> beam.FlatMap(lambda rows: [r["id"] for r in rows]),
        equal_to(["id1", "id3", "id5", "id7", "id9"]),
        label="rejects",
    )
    result = pipeline.run()
    result.wait_until_finish()
    counters = {
        c.key.metric.name: c.committed
        for c in result.metrics().query(MetricsFilter().with_namespace("datasteward"))["counters"]
    }
    assert counters["evenodd:input"] == 10
    assert counters["evenodd:kept"] == 5
    assert counters["evenodd:rejected"] == 5
    assert counters["evenodd:rejected:odd_number"] == 5
    assert counters["evenodd:modify"] == 2


def test_equal_lineage_entries_are_one_object_and_arrow_writes_each_record_its_own():
    """Records of a batch share equal entries (a spill pickles each once); Arrow still gets every record's
    full lineage, in order, and rejects keep their own history."""
    result = apply_control(EvenOdd(), make_batch(range(13)), "run-1")
    modified = [h[-1] for h, n in zip(result.kept.lineage, (0, 2, 4, 6, 8, 10, 12)) if n % 3 == 0]
    assert len(modified) == 3 and all(e is modified[0] for e in modified)
    assert all(r["lineage"][-1] is result.rejects[0]["lineage"][-1] for r in result.rejects)
    rows = result.kept.to_arrow().to_pylist()
    assert [[(e["stage"], e["action"], e["detail"]) for e in row["lineage"]] for row in rows[:2]] == [
        [("ingest", "keep", "{}"), ("evenodd", "modify", '{"why":"three"}')],
        [("ingest", "keep", "{}"), ("evenodd", "keep", "{}")],
    ]
    from transforms.core.records import rejects_to_arrow

    rejects = rejects_to_arrow(result.rejects).to_pylist()
    assert [len(r["lineage"]) for r in rejects] == [2] * 6 and rejects[0]["lineage"][-1]["reason"] == "odd_number"


def test_a_workers_stage_setup_freezes_what_it_loaded_and_slows_the_collector():
    import gc

    from transforms.core.heap import GC_THRESHOLDS
    from transforms.core.stage import _ApplyControlFn

    before = gc.get_threshold()
    loaded = []

    class Loads(EvenOdd):
        def setup(self):
            loaded.append({"model": [1, 2, 3]})

    try:
        gc.set_threshold(700, 10, 10)  # the interpreter's default
        _ApplyControlFn(Loads(), "run1").setup()
        assert loaded and gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] > 700
        model = loaded[0]
        assert not any(o is model for o in gc.get_objects())  # frozen: out of every generation the collector walks
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_bundles_rejects_get_their_previews_together_and_the_same_as_each_batch_alone(monkeypatch):
    """The detector's batch kernels cost about as much for a handful of texts as for hundreds: a worker
    previews its bundle's rejects together, PREVIEW_BATCH rejects at a time, and sends the rest when the
    bundle finishes; each reject's row, preview included, is what apply_control gives its batch alone."""
    from apache_beam.pvalue import TaggedOutput

    from transforms.core import stage

    batches = [make_batch(range(k, k + 7)) for k in range(0, 70, 7)]
    for b in batches:
        b.text = [f"Mr. John Smith wrote to john@example.org about {t}" for t in b.text]
    alone = [r for b in batches for r in apply_control(EvenOdd(), b, "run-1").rejects]
    assert len(alone) == 35 and all("<EMAIL_ADDRESS>" in r["preview"] for r in alone)

    calls, shipped = [], stage.redacted_previews

    def recording(texts, categories, metas):
        calls.append(len(texts))
        return shipped(texts, categories, metas)

    monkeypatch.setattr(stage, "PREVIEW_BATCH", 12)
    monkeypatch.setattr(stage, "redacted_previews", recording)
    fn = stage._ApplyControlFn(EvenOdd(), "run-1")
    fn.start_bundle()
    out = [o for b in batches for o in fn.process(b)]
    finished = list(fn.finish_bundle())
    assert calls == [14, 14, 7]  # ten batches of 3 or 4 rejects: three calls instead of ten, the last at the end
    kept = [o for o in out if not isinstance(o, TaggedOutput)]
    assert sum(len(b) for b in kept) == 35
    sent = [r for o in out if isinstance(o, TaggedOutput) for r in o.value] + [r for o in finished for r in o.value.value]
    assert all(isinstance(o, TaggedOutput) and o.tag == stage.REJECTED for o in finished)
    assert sent == alone


def test_rejects_with_their_own_previews_wait_no_longer_than_others(monkeypatch):
    """A worker holds at most PREVIEW_BATCH rejects, previewed or not, and previews none a second time."""
    from apache_beam.pvalue import TaggedOutput

    from transforms.core import stage

    class RejectsAll(Control):
        stage = "rejects_all"

        def decide(self, batch):
            reject = Decision.reject(rule="r", clause="c", risk_level="low", category="quality", reason="x", preview="given")
            return [reject] * len(batch)

    calls = []
    monkeypatch.setattr(stage, "PREVIEW_BATCH", 10)
    monkeypatch.setattr(stage, "redacted_previews", lambda texts, categories, metas: calls.append(texts) or [None] * len(texts))
    fn = stage._ApplyControlFn(RejectsAll(), "run-1")
    fn.start_bundle()
    sent = [len(o.value) for k in range(0, 24, 4) for o in fn.process(make_batch(range(k, k + 4))) if isinstance(o, TaggedOutput)]
    finished = [len(o.value.value) for o in fn.finish_bundle()]
    assert sent == [12, 12] and finished == [] and calls == []
    assert fn.waiting.rejects == []

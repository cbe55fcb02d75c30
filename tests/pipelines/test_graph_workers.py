"""The embedded runner's multi-worker modes must deliver every element (Beam 2.77 data-plane race).

The runner's gRPC data streams are flushed every DATA_BUFFER_TIME_LIMIT_MS by a background thread
that clears the buffer after handing it over, dropping whatever was written meanwhile. At the
default 1 s it only bites on large runs (whole ~10 MB chunks of a stage's input vanished at 1M
documents); at 1 ms it bites within seconds, so this test sets 1 ms to stand for a large run and
checks that the options every governed run is built with (pipeline_options) turn it off.
"""

import apache_beam as beam
from apache_beam.metrics import Metrics, MetricsFilter
from apache_beam.runners.portability.fn_api_runner import worker_handlers

from pipelines.graph import pipeline_options

ELEMENTS = 300


def _seen_by_side_input_stage(options) -> int:
    """Elements reaching a ParDo with a side input (its own stage, fed by the runner)."""
    seen = Metrics.counter("test_graph_workers", "seen")

    def count(element, total):
        seen.inc()
        return element

    pipeline = beam.Pipeline(options=options)
    payloads = pipeline | beam.Create(range(ELEMENTS)) | beam.Reshuffle() | beam.Map(lambda i: bytes(200_000))
    total = payloads | beam.combiners.Count.Globally()
    payloads | beam.Map(count, beam.pvalue.AsSingleton(total))
    result = pipeline.run()
    result.wait_until_finish()
    counters = result.metrics().query(MetricsFilter().with_name("seen"))["counters"]
    return sum(c.committed for c in counters)


def test_multi_threading_workers_lose_no_elements(monkeypatch):
    monkeypatch.setattr(worker_handlers, "DATA_BUFFER_TIME_LIMIT_MS", 1)
    options = pipeline_options(["--direct_running_mode=multi_threading", "--direct_num_workers=2"])
    assert _seen_by_side_input_stage(options) == ELEMENTS

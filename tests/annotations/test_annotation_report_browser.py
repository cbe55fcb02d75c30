"""The annotation audit's report in headless Chromium, as the run report is checked (tests/browser.py): at
1,400 px and in print at A4 width (718 px) nothing on the page is clipped or past the right edge (long annotator names
wrap in the tables), no chart text overlaps other chart text, and no request leaves the machine. Skipped when Chromium is not installed."""

from pathlib import Path

import pytest

from demo import make_annotations
from pipelines.annotations import run_audit
from tests.annotations.test_annotations import config, row, write_jsonl
from tests.browser import CLIPPED_JS, SVG_TEXT_OVERLAPS_JS, Browser, chromium
from transforms import annotations as ann

ROOT = Path(__file__).resolve().parents[2]


def long_named_audit(tmp_path: Path) -> Path:
    """Twelve annotators with long names, three per item: the charts must turn their labels."""
    names = [f"annotator-{n:02d}@vendor.example" for n in range(12)]
    rows = [row(f"i{n:04d}", names[(n + k) % 12], "abc"[(n * (k + 1)) % 7 % 3]) for n in range(600) for k in range(3)]
    run_audit(config(tmp_path, [write_jsonl(tmp_path / "long.jsonl", rows)], output_dir=str(tmp_path / "long")), use_beam=False)
    return tmp_path / "long" / "report.html"


def demo_audit(tmp_path: Path) -> Path:
    make_annotations.main(str(tmp_path / "demo"))
    cfg = ann.load_audit_config(ROOT / "configs" / "annotations_demo.yaml").model_copy(
        update={"inputs": [str(tmp_path / "demo" / "annotations.jsonl")], "output_dir": str(tmp_path / "out")}
    )
    run_audit(cfg, use_beam=False)
    return tmp_path / "out" / "report.html"


def test_annotation_report_charts_fit_and_do_not_overlap_on_screen_and_in_print(tmp_path):
    if chromium() is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium): report not rendered in a browser")
    reports = [demo_audit(tmp_path), long_named_audit(tmp_path)]
    assert "rotate(-90" in reports[1].read_text().split("<svg ", 2)[1]  # the long names are turned, not level
    browser = Browser()
    try:
        for report in reports:
            for width, media in ((1400, None), (718, "print")):
                browser.open(report.as_uri(), width=width, media=media)
                assert [u for u in browser.requests() if not u.startswith(("file:", "data:", "about:"))] == []
                assert browser.evaluate("document.querySelectorAll('svg').length") == 3
                clipped = browser.evaluate(CLIPPED_JS)
                assert [c for c in clipped if c.startswith("svg")] == [], (report, width)
                assert browser.evaluate(SVG_TEXT_OVERLAPS_JS) == [], (report, width)
                # the whole page fits: long annotator names wrap in the tables (print: A4 width)
                assert clipped == [] and browser.evaluate("document.documentElement.scrollWidth") <= width, (report, width)
    finally:
        browser.close()

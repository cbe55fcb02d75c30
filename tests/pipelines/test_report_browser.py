"""The report and the Great Expectations Data Docs in headless Chromium with the network closed
(issue 20 item 7): at 1,400 px nothing is cut off or overlaps, the print layout fits the page, and
no request leaves the machine. Skipped when Chromium is not installed (.ci/run installs it)."""

import json
from pathlib import Path

import pytest

from expectations.data_docs import external_resources
from pipelines.report import write_report
from tests.browser import CLIPPED_JS, SVG_TEXT_OVERLAPS_JS, Browser, chromium
from tests.pipelines.test_report import two_runs  # noqa: F401  (fixture: two published runs)

LOCAL = ("file:", "data:", "about:")


@pytest.fixture(scope="module")
def browser():
    if chromium() is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium): report not rendered in a browser")
    b = Browser()
    yield b
    b.close()


def test_report_at_1400px_and_in_print_with_no_outbound_request(two_runs, browser, tmp_path):
    out, run = two_runs
    path = write_report(out, run.run_id)
    browser.open(path.as_uri(), width=1400)
    assert [u for u in browser.requests() if not u.startswith(LOCAL)] == []
    assert browser.evaluate(CLIPPED_JS) == []
    assert browser.evaluate(SVG_TEXT_OVERLAPS_JS) == []
    assert browser.evaluate("document.documentElement.scrollWidth") <= 1400
    shot = tmp_path / "report-1400.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 50_000
    # the compact clause map: one row per control, real counts, configuration folded away
    clause_table = browser.evaluate("document.getElementById('clause-table').innerText")
    assert "quality" in clause_table and "min_chars" not in clause_table
    assert browser.evaluate("[...document.querySelectorAll('#stage-config details')].length") == 2
    assert "min_chars" in browser.evaluate("document.getElementById('stage-config').textContent")
    too_short = run.manifest["counts"]["rejected_by"]["quality/too_short"]
    row = browser.evaluate("""[...document.querySelectorAll('#clause-table tr')].map(r => r.innerText)
                              .find(t => t.includes('quality') && t.includes('rejected'))""")
    assert f"{too_short} rejected (too_short {too_short}" in row, row
    # print: A4 at 14 mm margins is 718 CSS px wide; nothing may run past it
    browser.open(path.as_uri(), width=718, media="print")
    assert browser.evaluate(CLIPPED_JS) == []
    pages = browser.pdf(tmp_path / "report.pdf")
    assert 1 <= pages <= 8, pages

    # the Great Expectations Data Docs the report links to
    site = out / "runs" / run.run_id / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = sorted(site.rglob("*.html"))
    files = pages + sorted((site / "static" / "styles").glob("*.css"))
    assert pages and all(external_resources(p.read_text()) == [] for p in files)
    assert all("amazonaws.com" not in p.read_text() and "dataContextId" not in p.read_text() for p in files)
    for page in (site / "index.html", next(site.glob("validations/records/**/*.html"))):
        browser.open(page.as_uri(), width=1400)
        assert [u for u in browser.requests() if not u.startswith(LOCAL)] == [], page
        # styled and filled: Bootstrap applied, bootstrap-table drew the rows from the inline data
        assert browser.evaluate("typeof jQuery !== 'undefined' && typeof jQuery.fn.bootstrapTable") == "function"
        assert browser.evaluate("getComputedStyle(document.body).fontFamily").startswith("-apple-system")
        assert browser.evaluate("document.querySelectorAll('table tbody tr').length") >= 3

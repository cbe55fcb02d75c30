"""Every relative link in the project's Markdown resolves: the file exists and its #anchor is a heading there
(GitHub's heading slugs). Links that leave the repository (../shared data, URLs) are not checked."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    p for p in [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("bench/*.md"), *ROOT.glob("transforms/**/*.md")]
    if p.is_file()
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``path`` (repeats get -1, -2, …; fenced code is not a heading)."""
    seen: dict[str, int] = {}
    out, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"#{1,6} (.*)", line)
        if heading:
            slug = heading_slug(heading.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            out.add(slug if count == 0 else f"{slug}-{count}")
    return out


def broken_links(path: Path) -> list[str]:
    broken = []
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match.group(1)
        if re.match(r"[a-z]+:", target):
            continue  # a URL or mailto:
        file, _, fragment = target.partition("#")
        dest = (path.parent / file).resolve() if file else path.resolve()
        if not dest.is_relative_to(ROOT):
            continue  # ../shared and the like: not part of a clone
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    assert broken_links(path) == []


def test_a_missing_heading_or_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "b.md").write_text("# Real heading\n\n## Real heading\n```\n# not a heading\n```\n")
    page = tmp_path / "a.md"
    page.write_text("[ok](b.md#real-heading) [ok](b.md#real-heading-1) [x](b.md#not-a-heading) [y](c.md) [z](https://e.org)")
    assert broken_links(page) == ["b.md#not-a-heading (no such heading)", "c.md (no such file)"]

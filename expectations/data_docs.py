"""Great Expectations Data Docs that open offline: no CDN, no S3 logo.

GX 1.x writes pages that load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs and
an S3 logo whose URL carries the data context id. An air-gapped site gets empty, unstyled pages and
a blocked outbound call. :func:`make_offline` rewrites every page of a built site: each known CDN
asset points to a copy shipped in ``expectations/data_docs_assets/`` (copied to ``static/vendor/``),
the logo to GX's own ``static/images/logo-long.png`` (Vega, Vega-Lite and vega-embed included, which
draw the profiling charts), and any other external script, stylesheet or image is dropped, so no page
makes a request that leaves the machine.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("data_docs_assets")

# CDN URL (prefix) -> file under static/vendor/ ; None: drop the tag
CDN = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
}
LOGO = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

_CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")]*)['\"]?\s*\)", re.I)
_TAG = re.compile(r"<(script|link|img)\b[^>]*?\b(src|href)\s*=\s*\"(https?:)?//[^\"]*\"[^>]*>(\s*</script>)?", re.I)
_URL = re.compile(r"\b(src|href)\s*=\s*\"((?:https?:)?//[^\"]*)\"", re.I)


def _rewrite_tag(match: re.Match, prefix: str) -> str:
    tag = match.group(0)
    kind = match.group(1).lower()
    url = _URL.search(tag).group(2)
    if kind == "link" and "stylesheet" not in tag.lower():
        return ""  # icons, preloads: nothing a page needs
    if kind == "img":
        if url.startswith(LOGO):
            name = url[len(LOGO):].split("?")[0]
            local = "logo-long.png" if "logo" in name else name
            return _URL.sub(f'\\1="{prefix}static/images/{local}"', tag, count=1)
        return ""
    target = CDN.get(url)
    if target is None:
        return ""
    tag = re.sub(r'\s(integrity|crossorigin)="[^"]*"', "", tag)
    return _URL.sub(f'\\1="{prefix}static/vendor/{target}"', tag, count=1)


def _css_urls(text: str, prefix: str) -> str:
    """``url(https://…)`` in CSS: the GX logo from the site's own images, anything else dropped."""

    def local(match: re.Match) -> str:
        return f"url('{prefix}static/images/logo-long.png')" if match.group(1).startswith(LOGO) else "none"

    return _CSS_URL.sub(local, text)


def make_offline(site_dir: Path) -> list[Path]:
    """Rewrite every page and stylesheet under ``site_dir`` (a GX local site) to use packaged and
    local assets only; return the pages."""
    site_dir = Path(site_dir)
    vendor = site_dir / "static" / "vendor"
    shutil.copytree(ASSETS, vendor, dirs_exist_ok=True)
    pages = sorted(site_dir.rglob("*.html"))
    for page in pages:
        prefix = "../" * (len(page.relative_to(site_dir).parts) - 1)
        html = page.read_text(encoding="utf-8")
        html = _css_urls(_TAG.sub(lambda m: _rewrite_tag(m, prefix), html), prefix)
        page.write_text(html, encoding="utf-8")
    styles = site_dir / "static" / "styles"
    for sheet in sorted(styles.glob("*.css")) if styles.is_dir() else []:
        sheet.write_text(_css_urls(sheet.read_text(encoding="utf-8"), "../../"), encoding="utf-8")
    return pages


def external_resources(text: str) -> list[str]:
    """URLs of scripts, stylesheets, images and CSS ``url()``s that a page or stylesheet would fetch
    from outside the machine."""
    return [_URL.search(m.group(0)).group(2) for m in _TAG.finditer(text)] + _CSS_URL.findall(text)

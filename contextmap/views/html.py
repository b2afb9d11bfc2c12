"""Private helpers that put data and vendored assets into HTML safely.

Every interactive view (:mod:`contextmap.views.maps`, :mod:`contextmap.views.network`) follows one rule:
**data never becomes markup or code**. Data travels to the browser as a single JSON payload
(:func:`json_for_script`), is parsed with ``JSON.parse`` and reaches the page only through
``textContent``, canvas text or SVG attributes set from numbers. Server-side HTML is rendered by
jinja2 with autoescape on (:func:`render_template`). Vendored scripts and stylesheets are read
from the installed package (never a CDN) and inlined (:func:`inline_script`,
:func:`inline_style`).
"""

from __future__ import annotations

import base64
import html as _stdhtml
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from contextmap.files import to_jsonable

__all__ = [
    "escape",
    "json_for_script",
    "inline_script",
    "inline_style",
    "asset_text",
    "leaflet_js",
    "leaflet_css",
    "markercluster_js",
    "markercluster_css",
    "render_template",
    "srcdoc_iframe",
    "field_of",
    "period_text",
    "text_or_none",
]

_JSON_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_SCRIPT_RE = re.compile("[<>&\u2028\u2029]")


def json_for_script(obj: Any) -> str:
    """Serialise ``obj`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and the JavaScript line separators U+2028/U+2029 are written as
    ``\\uXXXX`` escapes, so no data string can close the script element, open a comment or
    start markup. The result is valid JSON and a valid JavaScript expression.

    Examples
    --------
    >>> json_for_script({"name": "</script><script>alert(1)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(to_jsonable(obj), ensure_ascii=False, allow_nan=False)
    return _JSON_SCRIPT_RE.sub(lambda m: _JSON_SCRIPT_ESCAPES[m.group(0)], text)


def inline_script(js: str) -> Markup:
    """Wrap trusted (vendored) JavaScript in a ``<script>`` element, neutralising ``</script``."""
    body = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return Markup(f"<script>{body}\n</script>")


def inline_style(css: str) -> Markup:
    """Wrap trusted (vendored) CSS in a ``<style>`` element, neutralising ``</style``."""
    body = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    return Markup(f"<style>{body}\n</style>")


def _package_text(package: str, *parts: str) -> str:
    return resources.files(package).joinpath(*parts).read_text(encoding="utf-8")


@cache
def asset_text(name: str) -> str:
    """Text of a file shipped in ``contextmap/views/assets`` or ``contextmap/views/templates``."""
    for folder in ("assets", "templates"):
        ref = resources.files("contextmap.views").joinpath(folder, name)
        if ref.is_file():
            return ref.read_text(encoding="utf-8")
    raise FileNotFoundError(f"Expected a packaged asset named {name!r}; it is not installed")


def _xstatic_dir(module: str) -> Path:
    mod = __import__(module, fromlist=["BASE_DIR"])
    return Path(mod.BASE_DIR)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, from the installed ``xstatic-leaflet`` package."""
    return (_xstatic_dir("xstatic.pkg.leaflet") / "leaflet.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data URIs (no file or network fetch)."""
    base = _xstatic_dir("xstatic.pkg.leaflet")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def _inline(match: re.Match[str]) -> str:
        data = (base / "images" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    return re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", _inline, css)


@lru_cache(maxsize=1)
def markercluster_js() -> str:
    """Leaflet.markercluster's JavaScript, from ``xstatic-leaflet-markercluster``."""
    base = _xstatic_dir("xstatic.pkg.leaflet_markercluster")
    return (base / "leaflet.markercluster.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def markercluster_css() -> str:
    base = _xstatic_dir("xstatic.pkg.leaflet_markercluster")
    return (base / "MarkerCluster.css").read_text(encoding="utf-8") + (
        base / "MarkerCluster.Default.css"
    ).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _template_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("contextmap.views", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render a packaged jinja2 template with autoescape on."""
    return _template_env().get_template(name).render(**context)


def srcdoc_iframe(document: str, *, width: str = "100%", height: str = "600px") -> str:
    """Embed a whole HTML document in an isolated ``<iframe srcdoc>`` for notebooks.

    The document is attribute-escaped, so nothing in it is parsed by the notebook page.
    """
    doc = _stdhtml.escape(document, quote=True)
    w = _stdhtml.escape(str(width), quote=True)
    h = _stdhtml.escape(str(height), quote=True)
    return (
        f'<iframe srcdoc="{doc}" style="width:{w};height:{h};border:1px solid #ccc" '
        'sandbox="allow-scripts" loading="lazy"></iframe>'
    )


def field_of(obj: Any, name: str) -> Any:
    """``obj[name]`` for a mapping, ``obj.name`` otherwise, ``None`` when absent."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def period_text(period: Any) -> str:
    """A period as people read it: ``'01 Nov 2026 to 30 Nov 2026'``."""
    if period is None:
        return ""
    start = field_of(period, "start")
    end = field_of(period, "end")
    if start is None and end is None and isinstance(period, Sequence) and len(period) == 2:
        start, end = period

    def fmt(v: Any) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "…"
        try:
            return pd.Timestamp(v).strftime("%d %b %Y")
        except (ValueError, TypeError):
            return str(v)

    if start is None and end is None:
        return str(period)
    return f"{fmt(start)} to {fmt(end)}"


def text_or_none(v: Any) -> str | None:
    """A value as display text; ``None`` for missing values (None, NaN, NA)."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        if not isinstance(v, (list, tuple, dict, np.ndarray)) and pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return str(v)

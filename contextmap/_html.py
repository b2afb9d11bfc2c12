"""Private helpers that put data and vendored assets into HTML safely.

Every interactive view (:mod:`contextmap.maps`, :mod:`contextmap.networkview`) follows one rule:
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
from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from contextmap._errors import OutputExistsError

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
    "check_writable",
    "to_jsonable",
]

_JSON_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_SCRIPT_RE = re.compile("[<>&\u2028\u2029]")


def to_jsonable(value: Any) -> Any:
    """Turn pandas/numpy scalars and containers into plain JSON values (NaN/NA -> None)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series, pd.Index)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return [to_jsonable(v) for v in items]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (pd.Timestamp,)):
        return None if pd.isna(value) else value.strftime("%Y-%m-%d")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


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
    """Text of a file shipped in ``contextmap/assets`` or ``contextmap/templates``."""
    for folder in ("assets", "templates"):
        ref = resources.files("contextmap").joinpath(folder, name)
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
        loader=jinja2.PackageLoader("contextmap", "templates"),
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


def check_writable(path: str | Path, *, overwrite: bool, argument: str = "path") -> Path:
    """Return ``path`` as a Path, refusing to replace an existing file unless ``overwrite``."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputExistsError(
            f"Expected {argument} to be a new file (or overwrite=True), instead got an existing "
            f"file: {str(p)!r}"
        )
    if p.is_dir():
        raise OutputExistsError(f"Expected {argument} to be a file, instead got a directory: {str(p)!r}")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p

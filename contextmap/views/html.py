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
    "ID_INDEXES",
    "with_id_column",
    "escape",
    "json_for_script",
    "json_text_for_script",
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
    "age_label",
]

_JSON_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "{": "\\u007b",
}
# '{' before '{', '%' or '#' only occurs inside JSON strings, and would open template syntax
# where a page builder (folium's Element) renders its parts as jinja2 templates
_JSON_SCRIPT_RE = re.compile("[<>&\u2028\u2029]|\\{(?=[{%#])")


def json_for_script(obj: Any) -> str:
    """Serialise ``obj`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and the JavaScript line separators U+2028/U+2029 are written as
    ``\\uXXXX`` escapes, so no data string can close the script element, open a comment or
    start markup; so is a ``{`` that would open template syntax (``{{``, ``{%``, ``{#``),
    so no data string is ever evaluated as a template. The result is valid JSON and a valid
    JavaScript expression.

    Examples
    --------
    >>> json_for_script({"name": "</script><script>alert(1)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    return json_text_for_script(json.dumps(to_jsonable(obj), ensure_ascii=False, allow_nan=False))


_JSON_SCRIPT_TABLE = {ord(k): v for k, v in _JSON_SCRIPT_ESCAPES.items() if k != "{"}
_TEMPLATE_OPEN = re.compile("\\{(?=[{%#])")


def json_text_for_script(text: str) -> str:
    """JSON text already serialised, made safe inside a ``<script>`` element as by
    :func:`json_for_script` (for large payloads of plain lists and numbers).

    Examples
    --------
    >>> json_text_for_script('["</script>"]')
    '["\\\\u003c/script\\\\u003e"]'
    """
    return _TEMPLATE_OPEN.sub("\\\\u007b", text.translate(_JSON_SCRIPT_TABLE))


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


ID_INDEXES = ("location_id", "person_id", "child_id", "group_id", "cluster_id")
"""Index names of the analyses' frames (``Analysis.hotspots`` is indexed by ``location_id``)."""


def field_of(obj: Any, name: str) -> Any:
    """``obj[name]`` for a mapping, ``obj.name`` otherwise, ``None`` when absent.

    A frame indexed by an entity id (:data:`ID_INDEXES`) comes back with the id as a column
    too, so views read ``hotspots["location_id"]`` whichever way the frame is indexed.
    """
    if obj is None:
        return None
    value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    return with_id_column(value)


def with_id_column(value: Any) -> Any:
    """A frame indexed by an entity id with that id also as a column (others unchanged)."""
    if isinstance(value, pd.DataFrame) and value.index.name in ID_INDEXES and value.index.name not in value.columns:
        return value.reset_index()
    return value


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


def age_label(date_of_birth: Any, *, on: Any) -> str:
    """Age in completed years on ``on`` as a meeting says it: ``"15"``, ``"adult"`` (18 and
    over) or ``""`` (date of birth missing, unreadable or after ``on``).

    So an adult and a child with the same name can be told apart wherever persons are shown.
    A stand-in with the signature and answers of ``contextmap.dates.age_label`` (coming with
    the pack's agenda work): when that lands, this function becomes an import of it.

    Examples
    --------
    >>> age_label("2010-06-12", on="2026-06-11"), age_label("12/06/2010", on="2026-06-12")
    ('15', '16')
    >>> age_label("1985-08-15", on="2026-10-31")
    'adult'
    >>> age_label(None, on="2026-10-31"), age_label("2030-01-01", on="2026-10-31"), age_label("soon", on="2026-10-31")
    ('', '', '')
    """

    def day(v: Any) -> pd.Timestamp | None:
        if text_or_none(v) is None:
            return None
        try:
            ts = pd.to_datetime(v, dayfirst=isinstance(v, str) and "/" in v)
        except (ValueError, TypeError, OverflowError):
            return None
        return None if pd.isna(ts) else pd.Timestamp(ts).normalize()

    when = day(on)
    if when is None:
        raise ValueError(f"Expected on to be a date, instead got: {on!r}")
    born = day(date_of_birth)
    if born is None or born > when:
        return ""
    years = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    return "adult" if years >= 18 else str(years)

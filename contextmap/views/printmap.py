"""The printed hotspot map: A4 landscape, base map underneath, ranks and names, scale bar, north arrow.

:func:`printed_map` draws the places of concern for the pack (matplotlib, British National
Grid metres) over the user's base map (:func:`contextmap.views.basemap.draw_basemap`), with
area boundaries and names, the top places labelled "name (4th)" (or, where a name would
overlap another label, the rank alone: the key beside the map names every ranked place),
places new since the last meeting ringed, a legend in words, a scale bar and a north arrow.

The figure is the printable area of an A4 landscape page under the pack's margins and
heading (:data:`FIGSIZE`), so the pack prints it at its own size and the text keeps its point
sizes: labels 8 pt, legend 8.5 pt, nothing below 7 pt. All text is drawn as plain text
(``parse_math=False``): no data string is read as mathtext or TeX.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap.views.basemap import BaseMap, draw_basemap
from contextmap.views.maps import SCORE_COLOURS, SCORE_TEXT

__all__ = ["printed_map", "map_extent", "ordinal", "FIGSIZE", "MIN_TEXT_PT"]

_BNG = "EPSG:27700"
FIGSIZE = (10.75, 6.6)
"""Inches (273 x 168 mm): an A4 landscape page less the print margins (12 mm each side,
16 mm top and bottom) and the map's heading line."""
_FIGSIZE = FIGSIZE
MIN_TEXT_PT = 7.0
"""No text on the printed map is smaller than this (at the size the pack prints it)."""
_MAP_W = 0.72
"""Share of the figure's width the map takes; the legend and the key of places sit to its right."""
_LABEL_PT = 8.0


def map_extent(hotspots: gpd.GeoDataFrame, *, top: int, pad_m: float = 400.0, min_m: float = 2000.0,
               aspect: float = _FIGSIZE[0] * _MAP_W / _FIGSIZE[1]) -> tuple[float, float, float, float] | None:
    """The extent (EPSG:27700) around the ``top`` ranked places, padded, at the figure's aspect."""
    hs = hotspots[~(hotspots.geometry.isna() | hotspots.geometry.is_empty)]
    if not len(hs):
        return None
    hs = hs.to_crs(_BNG)
    sel = hs.loc[pd.to_numeric(hs["rank"], errors="coerce") <= top] if "rank" in hs else hs
    if not len(sel):
        sel = hs
    x0, y0, x1, y1 = sel.total_bounds
    x0, y0, x1, y1 = x0 - pad_m, y0 - pad_m, x1 + pad_m, y1 + pad_m
    w, h = max(x1 - x0, min_m), max(y1 - y0, min_m / aspect)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def ordinal(n: int) -> str:
    """``1`` -> ``'1st'``, ``12`` -> ``'12th'``, ``23`` -> ``'23rd'``.

    Examples
    --------
    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 112)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '112th']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _nice_length(span_m: float) -> float:
    target = span_m / 6
    for v in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        if v >= target:
            return float(v)
    return float(10 ** math.ceil(math.log10(target)))


def _scale_bar(ax: Any, extent: tuple[float, float, float, float]) -> float:
    x0, y0, x1, y1 = extent
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    from matplotlib.patches import Rectangle

    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h, facecolor="#222" if i % 2 == 0 else "#fff",
                               edgecolor="#222", linewidth=0.6, zorder=10))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, t in ((bx, "0"), (bx + length, label)):
        ax.text(x, by + h * 1.8, t, fontsize=8, ha="center", va="bottom", zorder=10, parse_math=False,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})
    return length


def _north_arrow(ax: Any, extent: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = extent
    x, y = x1 - (x1 - x0) * 0.035, y1 - (y1 - y0) * 0.16
    ln = (y1 - y0) * 0.08
    ax.annotate("", xy=(x, y + ln), xytext=(x, y), zorder=10,
                arrowprops={"arrowstyle": "-|>,head_width=0.5,head_length=0.9", "color": "#222", "lw": 1.4})
    ax.text(x, y + ln * 1.12, "N", fontsize=11, weight="bold", ha="center", va="bottom", zorder=10, parse_math=False)
    ax.text(x, y - ln * 0.12, "grid north", fontsize=7, ha="center", va="top", color="#444", zorder=10,
            parse_math=False)


def printed_map(
    hotspots: gpd.GeoDataFrame,
    *,
    basemap: BaseMap | None = None,
    areas: gpd.GeoDataFrame | None = None,
    top: int = 25,
    label_top: int = 10,
    labels: dict[str, str] | None = None,
    new_ids: Sequence[str] | None = None,
    source_note: str | None = None,
) -> Any:
    """The printed map of the places of concern, as a matplotlib Figure (A4 landscape).

    Parameters
    ----------
    hotspots
        Ranked locations (``location_id``, ``name``, ``rank``, ``score``, point geometry).
    basemap
        Drawn underneath (see :func:`contextmap.views.basemap.read_basemap`).
    areas
        Area boundaries (``name``, polygons) drawn dashed with their names.
    top
        The map frames the ``top`` ranked places (others in the frame are drawn too).
    label_top
        Places ranked this high or better are labelled "name (4th)".
    labels
        location_id -> the label the audience sees (default the ``name`` column).
    new_ids
        Location ids new since the last pack (ringed).
    source_note
        Credit for the base map, printed small in a corner.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when no place has coordinates.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if hotspots is None or len(hotspots) == 0 or "geometry" not in hotspots:
        return None
    extent = map_extent(hotspots, top=top)
    if extent is None:
        return None
    hs = hotspots[~(hotspots.geometry.isna() | hotspots.geometry.is_empty)].to_crs(_BNG)
    # only what falls in the frame is drawn (a region's thousands of places would fill the file)
    inframe = ((hs.geometry.x >= extent[0]) & (hs.geometry.x <= extent[2])
               & (hs.geometry.y >= extent[1]) & (hs.geometry.y <= extent[3])).to_numpy(dtype=bool)
    hs = hs.loc[inframe]
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.add_axes((0.0, 0.0, _MAP_W, 1.0))
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f4f3ef" if basemap is not None else "#ffffff")
    draw_basemap(ax, basemap, extent=extent, label_size=MIN_TEXT_PT)
    # no path effects: matplotlib draws path-effect text as outlines, and text must stay text in
    # the SVG and PDF (the privacy scan reads it); a pale box gives the labels their contrast
    halo = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}
    if areas is not None and len(areas):
        ar = areas.to_crs(_BNG)
        import shapely

        edges = shapely.line_merge(shapely.union_all(ar.boundary.to_numpy()))  # each shared edge once
        gpd.GeoSeries([edges], crs=_BNG).plot(ax=ax, color="#6a51a3", linewidth=0.9, linestyle=(0, (4, 3)), zorder=2)
        ax.set_xlabel("")  # geopandas labels the axes with the CRS' units
        ax.set_ylabel("")
        for r in ar.itertuples():
            p = r.geometry.representative_point()
            if extent[0] < p.x < extent[2] and extent[1] < p.y < extent[3]:
                ax.text(p.x, p.y, str(r.name).upper(), fontsize=8, color="#54278f", alpha=0.85, ha="center",
                        va="center", zorder=2.1, parse_math=False, clip_on=True)
    x, y = hs.geometry.x.to_numpy(), hs.geometry.y.to_numpy()
    score = pd.to_numeric(hs["score"], errors="coerce").fillna(0).to_numpy(float)
    hi = float(score.max()) if len(score) else 0.0
    lo = min(0.0, float(score.min())) if len(score) else 0.0
    span = hi - lo or 1.0
    k = len(SCORE_COLOURS)
    cls = np.clip(((score - lo) / span * k).astype(int), 0, k - 1)
    ranks = pd.to_numeric(hs["rank"], errors="coerce").fillna(10**9).astype(int).to_numpy()
    order = np.argsort(-ranks)  # highest rank drawn last (on top)
    sizes = 14 + 22 * cls
    istop = ranks <= top
    ax.scatter(x[order], y[order], s=sizes[order], c=[SCORE_COLOURS[c] for c in cls[order]],
               edgecolors=["#000" if t else "#555" for t in istop[order]],
               linewidths=[1.1 if t else 0.4 for t in istop[order]],
               zorder=5)
    new = set(map(str, new_ids or ()))
    ids = hs["location_id"].astype(str).to_numpy()
    is_new = np.array([i in new for i in ids], bool)
    if is_new.any():
        ax.scatter(x[is_new], y[is_new], s=sizes[is_new] * 3.2, facecolors="none", edgecolors="#1565c0",
                   linewidths=1.3, linestyles="--", zorder=5.5)
    # the top places: "name (4th)" ("4 Willowby Road bus stop" would read as the home "4 Willowby
    # Road"); where the name would overlap another label, the rank alone (the key names it)
    names = {i: (labels or {}).get(i) for i in ids}
    boxes: list[tuple[float, float, float, float]] = []
    w_m = (extent[2] - extent[0]) / (_FIGSIZE[0] * _MAP_W * 72)  # metres per point
    key: list[str] = []

    def place_label(j: int, text: str, *, force: bool = False) -> bool:
        tw, th = (len(text) * _LABEL_PT * 0.64 + 4) * w_m, (_LABEL_PT + 3.5) * w_m
        for step in (1.0, 2.2):
            for dx, dy, ha, va in ((1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"),
                                   (0, -1, "center", "top"), (1, 1, "left", "bottom"), (1, -1, "left", "top"),
                                   (-1, 1, "right", "bottom"), (-1, -1, "right", "top")):
                ox, oy = x[j] + dx * 7 * step * w_m, y[j] + dy * 7 * step * w_m
                bx0 = ox if ha == "left" else ox - tw if ha == "right" else ox - tw / 2
                by0 = oy - th / 2 if va == "center" else oy if va == "bottom" else oy - th
                box = (bx0, by0, bx0 + tw, by0 + th)
                inside = extent[0] < box[0] and box[2] < extent[2] and extent[1] < box[1] and box[3] < extent[3]
                free = not any(not (box[2] < q[0] or box[0] > q[2] or box[3] < q[1] or box[1] > q[3]) for q in boxes)
                if inside and (free or force):
                    boxes.append(box)
                    ax.text(ox, oy, text, fontsize=_LABEL_PT, weight="bold", ha=ha, va=va, zorder=8, parse_math=False,
                            bbox=halo, clip_on=True)
                    return True
        return False

    for j in sorted((int(k) for k in np.flatnonzero(ranks <= label_top)), key=lambda k: ranks[k]):
        nm = names.get(ids[j]) or (str(hs["name"].iloc[j]) if "name" in hs else ids[j])
        # ranks as ordinals: a bare number before a place's name (even across a line) reads as
        # a home address ("3 Station Row" in "(3) Station Row bus stop")
        key.append(f"{ordinal(int(ranks[j]))} {nm}")
        if not place_label(j, f"{nm} ({ordinal(int(ranks[j]))})") and not place_label(j, ordinal(int(ranks[j]))):
            place_label(j, ordinal(int(ranks[j])), force=True)  # every ranked place keeps its number
    _scale_bar(ax, extent)
    _north_arrow(ax, extent)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=5 + 1.6 * i, markerfacecolor=SCORE_COLOURS[i],
                      markeredgecolor="#444", label=f"{w} band of scores")
               for i, w in reversed(list(enumerate(("Lowest", "Low", "Middle", "High", "Highest"))))]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor="#f03b20",
                          markeredgecolor="#000", markeredgewidth=1.1, label=f"Top {top} by rank (black edge)"))
    if is_new.any():
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor="none",
                              markeredgecolor="#1565c0", label="New since the last meeting"))
    if areas is not None and len(areas):
        handles.append(Line2D([], [], color="#6a51a3", linestyle=(0, (4, 3)), label="Area boundary"))
    leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(_MAP_W + 0.008, 0.995), fontsize=8.5,
                     title="Places by hotspot score", title_fontsize=10, frameon=False, alignment="left",
                     handletextpad=0.4, borderaxespad=0.2, labelspacing=0.35)
    for t in leg.get_texts():
        t.set_parse_math(False)
    panel_x = _MAP_W + 0.012
    chars = 38
    note = ("Places are labelled with their rank (1st is of most concern). Circles are places with evidence in the period; "
            "larger and darker: a higher score. " + SCORE_TEXT)
    fig.text(panel_x, 0.64, "\n".join(textwrap.wrap(note, chars)), fontsize=7.5, ha="left", va="top", parse_math=False,
             linespacing=1.3, color="#222")
    # the key names every place ranked label_top or better, also those the map cannot show
    on_map = {int(r) for r in ranks if r <= label_top}
    allr = pd.to_numeric(hotspots["rank"], errors="coerce") if "rank" in hotspots else pd.Series(dtype=float)
    for i in np.flatnonzero((allr <= label_top).to_numpy(dtype=bool)):
        r = int(allr.iloc[i])
        if r not in on_map:
            lid = str(hotspots["location_id"].iloc[i]) if "location_id" in hotspots else ""
            nm = (labels or {}).get(lid) or (str(hotspots["name"].iloc[i]) if "name" in hotspots else lid)
            key.append(f"{ordinal(r)} {textwrap.shorten(nm, chars - 14, placeholder='...')} (no coordinates)")
    key.sort(key=lambda k: int(re.match(r"\d+", k).group(0)))  # type: ignore[union-attr]
    if key:
        shown = key[:label_top]
        fig.text(panel_x, 0.345, "Ranked places\n" + "\n".join(textwrap.shorten(k, chars + 4, placeholder="...") for k in shown),
                 fontsize=7.5, ha="left", va="top", parse_math=False, linespacing=1.25, color="#222")
    if source_note:
        fig.text(panel_x, 0.005, "\n".join(textwrap.wrap(source_note, chars + 6)), fontsize=7, ha="left",
                 va="bottom", color="#444", parse_math=False)
    for s in ax.spines.values():
        s.set_edgecolor("#888")
    return fig

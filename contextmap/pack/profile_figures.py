"""The pictures of a problem profile: trends by month with its tactics marked, persons of concern
new and known, the network around the subject, and the map around it.

Everything is drawn from the dataset redacted for the profile's audience (labels are the
audience's: pseudonyms for partners) with matplotlib, as inline SVG whose text stays text (the
privacy scan reads it) and is never read as mathtext. Small counts are not drawn for an
audience whose counts are suppressed (a month under the threshold is left out of the line).

Examples
--------
>>> import pandas as pd
>>> m = pd.DataFrame({"episodes": [3, 0, 6], "children": [2, 0, 4], "persons": [1, 0, 2],
...                   "new_persons": [1, 0, 1], "known_persons": [0, 0, 1]},
...                  index=pd.period_range("2026-01", periods=3, freq="M"))
>>> str(trend_chart(m, markers=[("T1", pd.Timestamp("2026-02-10"))]))[:4]
'<svg'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from contextmap.pack.content import svg_markup

__all__ = ["trend_chart", "persons_chart", "map_around", "plain_axes_text"]

_SERIES = (("episodes", "Episodes", "#1d4e89"), ("children", "Children", "#b35806"),
           ("persons", "Persons of concern", "#542788"))


def plain_axes_text(fig: Any) -> None:
    """Every text of ``fig`` drawn as written: never parsed as mathtext (``$x$`` stays ``$x$``)."""
    for t in fig.findobj(lambda a: hasattr(a, "set_parse_math")):
        t.set_parse_math(False)


def _masked(values: pd.Series, below: int | None) -> np.ndarray:
    v = values.to_numpy(dtype=float)
    if below is not None:
        v = np.where((v > 0) & (v < below), np.nan, v)
    return v


def trend_chart(monthly: pd.DataFrame, *, markers: list[tuple[str, pd.Timestamp]] = (),  # type: ignore[assignment]
                suppress_below: int | None = None) -> Markup:
    """Episodes, children and persons of concern per month around the subject, one panel each,
    with ``markers`` (a short label and a date: tactics issued, the case opened) drawn as
    dashed lines. Months under ``suppress_below`` are not drawn."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7.4, 3.9))
    axes = fig.subplots(3, 1, sharex=True)
    x = [p.to_timestamp() for p in monthly.index]
    for ax, (col, title, colour) in zip(axes, _SERIES, strict=True):
        values = _masked(monthly[col], suppress_below)
        ax.bar(x, values, width=20, color=colour, alpha=0.85)
        ax.set_ylabel(title, fontsize=7.5, rotation=0, ha="right", va="center")
        ax.set_ylim(0, max(1.0, float(np.nanmax(values, initial=0)) * 1.08))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for when in {pd.Timestamp(w).normalize() for _label, w in markers}:
            ax.axvline(when, color="#8a1c1c", linestyle="--", linewidth=0.9)
    by_day: dict[pd.Timestamp, list[str]] = {}
    for label, when in markers:
        by_day.setdefault(pd.Timestamp(when).normalize(), []).append(label)
    for when, names in by_day.items():  # written up the line, so labels of close dates do not overlap
        axes[0].text(when, 0.97, f"{', '.join(names)} ", transform=axes[0].get_xaxis_transform(), rotation=90,
                     fontsize=6, color="#8a1c1c", ha="right", va="top")
    axes[-1].xaxis.set_major_formatter(_month_format())
    fig.align_ylabels(axes)
    fig.tight_layout(h_pad=0.6)
    plain_axes_text(fig)
    return svg_markup(fig)


def _month_format() -> Any:
    import matplotlib.dates as mdates

    return mdates.DateFormatter("%b %y")


def persons_chart(monthly: pd.DataFrame, *, suppress_below: int | None = None) -> Markup:
    """Persons of concern per month: new (first seen around the subject that month) and known, stacked."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7.4, 1.7))
    ax = fig.add_subplot()
    x = [p.to_timestamp() for p in monthly.index]
    new = _masked(monthly["new_persons"], suppress_below)
    known = _masked(monthly["known_persons"], suppress_below)
    ax.bar(x, np.nan_to_num(known), width=20, color="#9e9ac8", label="known (seen in an earlier month)")
    ax.bar(x, new, width=20, bottom=np.nan_to_num(known), color="#d95f02", label="new (first seen that month)")
    ax.set_ylabel("persons of concern", fontsize=7.5)
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.nan_to_num(known) + np.nan_to_num(new), initial=0)) * 1.08))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(_month_format())
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.tight_layout()
    plain_axes_text(fig)
    return svg_markup(fig)


def map_around(places: Any, *, subject: str | None, labels: dict[str, str], basemap: Any = None,
               top: int = 12) -> Markup | None:
    """The places around the subject on a map (British National Grid metres, the user's own base
    map underneath when there is one): ``places`` is a GeoDataFrame indexed by location id with
    ``children`` (how many of the subject's children or persons were there); the ``top`` busiest
    are numbered and listed beside the map by the label the audience sees; the subject (a place)
    is a star. ``None`` when no place has coordinates."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from contextmap.views.basemap import draw_basemap

    if places is None or not len(places):
        return None
    g = places[~(places.geometry.isna() | places.geometry.is_empty)]
    if not len(g):
        return None
    g = g.to_crs(27700)
    x, y = g.geometry.x.to_numpy(), g.geometry.y.to_numpy()
    pad = 250.0
    x0, x1, y0, y1 = x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad
    span = max(x1 - x0, (y1 - y0) * 1.25, 1200.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    extent = (cx - span / 2, cy - span / 2.5, cx + span / 2, cy + span / 2.5)
    fig = Figure(figsize=(7.4, 4.6))
    ax = fig.add_axes((0.0, 0.0, 0.66, 1.0))
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f4f3ef" if basemap is not None else "#ffffff")
    draw_basemap(ax, basemap, extent=extent)
    n = g["children"].to_numpy(dtype=float)
    ids = [str(i) for i in g.index]
    order = np.argsort(-n, kind="stable")
    is_subject = np.array([i == subject for i in ids])
    ax.scatter(x[~is_subject], y[~is_subject], s=18 + 14 * np.sqrt(n[~is_subject]), c="#e6550d",
               edgecolors="#333", linewidths=0.5, alpha=0.85, zorder=5)
    if is_subject.any():
        ax.scatter(x[is_subject], y[is_subject], s=260, marker="*", c="#1d4e89", edgecolors="#000",
                   linewidths=0.8, zorder=6)
    listed = [j for j in order if not is_subject[j]][:top]
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
    for k, j in enumerate(listed, start=1):  # beside the point, never over it
        ax.annotate(str(k), (x[j], y[j]), xytext=(5, 3), textcoords="offset points", fontsize=7, weight="bold",
                    ha="left", va="bottom", zorder=7, bbox=halo, annotation_clip=True)
    lines = [f"{k}. {labels.get(ids[j], ids[j])} ({int(n[j])})" for k, j in enumerate(listed, start=1)]
    handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor="#e6550d", markeredgecolor="#333",
                      label="a place its children or persons\nof concern were linked to")]
    if is_subject.any():
        handles.insert(0, Line2D([], [], marker="*", linestyle="", markersize=12, markerfacecolor="#1d4e89",
                                 markeredgecolor="#000", label="the subject"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.67, 0.99), fontsize=6.5, frameon=False)
    fig.text(0.675, 0.80, "Numbered (how many of them):\n" + "\n".join(_clip(s, 44) for s in lines), fontsize=6.5,
             ha="left", va="top", linespacing=1.4)
    for s in ax.spines.values():
        s.set_edgecolor("#888")
    plain_axes_text(fig)
    return svg_markup(fig)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"

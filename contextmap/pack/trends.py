"""Trends in the pack: the months of the period as pictures people would rather look at than read.

:func:`monthly_figures` counts, per calendar month of the pack's period, from the dataset
redacted for the pack's audience:

* ``episodes`` reported and ``children`` (distinct) with one;
* ``returns`` (episodes whose child came back that month) and ``rhi_in_time``: those with a
  completed Return Home Interview within the settings' window (72 hours by default), and their
  share (``rhi_share``);
* ``new_persons``: persons of concern linked for the first time in the records that month, and
  ``known_persons``: those linked that month who had been linked before. A provisional person
  (made from an RHI's words, matching no record) is not a person of concern.

:func:`trend_pictures` draws them (inline SVG, text kept as text, never mathtext); a month
whose count is under the audience's threshold is not drawn, and a month's RHI share is not
drawn when its returns are under it. The table of every month goes to the pack's annex, with
the same suppression.

Examples
--------
>>> from contextmap.privacy.example import example_dataset
>>> m = monthly_figures(example_dataset(), start="2024-04-01", end="2024-06-30", rhi_hours=72)
>>> m.index.astype(str).tolist(), m["episodes"].tolist(), m["new_persons"].tolist()
(['2024-04', '2024-05', '2024-06'], [0, 1, 0], [0, 1, 0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from contextmap.pack.content import svg_markup

__all__ = ["TREND_COLUMNS", "monthly_figures", "trend_pictures", "trend_rows"]

TREND_COLUMNS = ("episodes", "children", "returns", "rhi_in_time", "rhi_share", "new_persons", "known_persons")
"""The columns of :func:`monthly_figures`."""


def _months(start: Any, end: Any, dates: list[pd.Series]) -> pd.PeriodIndex:
    stop = pd.Timestamp(end) if end is not None else max((d.max() for d in dates if len(d.dropna())), default=None)
    if stop is None or pd.isna(stop):
        return pd.PeriodIndex([], freq="M")
    first = pd.Timestamp(start) if start is not None else min(d.min() for d in dates if len(d.dropna()))
    return pd.period_range(first.to_period("M"), stop.to_period("M"), freq="M")


def monthly_figures(ds: Any, *, start: Any = None, end: Any = None, rhi_hours: float = 72.0) -> pd.DataFrame:
    """Per month of ``start`` to ``end`` (default: the records' range), the counts of the module
    docstring (:data:`TREND_COLUMNS`), indexed by a monthly ``PeriodIndex``."""
    ep, links = ds.episodes, ds.links
    reported = pd.to_datetime(ep["reported_at"])
    returned = pd.to_datetime(ep["returned_at"])
    observed = pd.to_datetime(links["observed_on"])
    months = _months(start, end, [reported, observed])
    out = pd.DataFrame(index=months)
    m = reported.dt.to_period("M")
    out["episodes"] = m.value_counts().reindex(months, fill_value=0)
    out["children"] = ep.groupby(m)["child_id"].nunique().reindex(months, fill_value=0)
    rm = returned.dt.to_period("M")
    gap = (pd.to_datetime(ep["rhi_at"]) - returned).dt.total_seconds() / 3600
    done = ep["rhi_outcome"].astype("string").eq("completed").fillna(False).astype(bool)
    in_time = done & gap.between(0, float(rhi_hours)).fillna(False).astype(bool)
    out["returns"] = rm[returned.notna()].value_counts().reindex(months, fill_value=0)
    out["rhi_in_time"] = in_time[returned.notna()].groupby(rm[returned.notna()]).sum().reindex(months, fill_value=0)
    persons = ds.persons
    provisional = set()
    if "provisional" in persons.columns:
        provisional = set(persons.loc[persons["provisional"].fillna(False).astype(bool), "person_id"].astype(str))
    poc = set(persons["person_id"].astype(str)) - provisional
    ends = pd.concat([pd.DataFrame({"person": links["source_id"].astype(str), "when": observed}),
                      pd.DataFrame({"person": links["target_id"].astype(str), "when": observed})])
    ends = ends[ends["person"].isin(poc) & ends["when"].notna()]
    first = ends.groupby("person")["when"].min().dt.to_period("M")
    ends = ends.assign(month=ends["when"].dt.to_period("M"))
    seen = ends.drop_duplicates(["person", "month"])
    is_new = seen["month"].to_numpy() == first.reindex(seen["person"]).to_numpy()
    out["new_persons"] = seen[is_new].groupby("month").size().reindex(months, fill_value=0)
    out["known_persons"] = seen[~is_new].groupby("month").size().reindex(months, fill_value=0)
    out = out.fillna(0).astype(int)
    out["rhi_share"] = (out["rhi_in_time"] / out["returns"].where(out["returns"] > 0)).astype(float)
    return out[list(TREND_COLUMNS)]


def records_begin(ds: Any, monthly: pd.DataFrame) -> str | None:
    """The month the records begin in (``'November 2025'``) when it is the first month drawn:
    every person of concern linked that month counts as new, having no earlier record; else
    ``None``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ds = SimpleNamespace(links=pd.DataFrame({"observed_on": ["2025-11-03", "2026-01-09"]}))
    >>> m = pd.DataFrame(index=pd.period_range("2025-11", "2026-01", freq="M"))
    >>> records_begin(ds, m), records_begin(ds, m.iloc[1:])
    ('November 2025', None)
    """
    when = pd.to_datetime(ds.links["observed_on"]).dropna()
    if not len(when) or not len(monthly):
        return None
    first = when.min().to_period("M")
    return f"{first:%B %Y}" if first == monthly.index[0] else None


def _masked(values: pd.Series, below: int | None) -> np.ndarray:
    v = values.to_numpy(dtype=float)
    if below is not None:
        v = np.where((v > 0) & (v < below), np.nan, v)
    return v


def _axes(ax: Any, x: list[pd.Timestamp]) -> None:
    """The same months on every picture (a month with nothing drawn still has its place), one
    label per month or every few months, and the plot area at the same place in each figure so
    the three read down the page as one."""
    import matplotlib.dates as mdates

    ax.tick_params(labelsize=7)
    ax.set_xlim(x[0] - pd.Timedelta(days=16), x[-1] + pd.Timedelta(days=16))
    ax.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, -(-len(x) // 9))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %y"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.figure.subplots_adjust(left=0.09, right=0.74, bottom=0.17, top=0.95)


def _plain(fig: Any) -> None:
    for t in fig.findobj(lambda a: hasattr(a, "set_parse_math")):
        t.set_parse_math(False)


def trend_pictures(monthly: pd.DataFrame, *, rhi_hours: float, suppress_below: int | None = None) -> dict[str, Markup]:
    """Three pictures (inline SVG): ``episodes`` (episodes and children per month), ``rhi`` (the
    share of returns with an RHI within ``rhi_hours``) and ``persons`` (persons of concern new
    and known, stacked). Empty when the period has fewer than two months."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    if len(monthly) < 2:
        return {}
    x = [p.to_timestamp() for p in monthly.index]
    below = suppress_below
    out: dict[str, Markup] = {}

    fig = Figure(figsize=(7.2, 2.1))
    ax = fig.add_subplot()
    ax.plot(x, _masked(monthly["episodes"], below), marker="o", markersize=3, linewidth=1.5, color="#1d4e89",
            label="episodes")
    ax.plot(x, _masked(monthly["children"], below), marker="s", markersize=3, linewidth=1.5, color="#b35806",
            label="children with an episode")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("per month", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _axes(ax, x)
    _plain(fig)
    out["episodes"] = svg_markup(fig)

    fig = Figure(figsize=(7.2, 2.0))
    ax = fig.add_subplot()
    share = monthly["rhi_share"].to_numpy(dtype=float)
    if below is not None:
        share = np.where(monthly["returns"].to_numpy() < below, np.nan, share)
    ax.plot(x, share, marker="o", markersize=3, linewidth=1.5, color="#1b7837")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(f"RHI within {rhi_hours:g} h", fontsize=8)
    _axes(ax, x)
    _plain(fig)
    out["rhi"] = svg_markup(fig)

    fig = Figure(figsize=(7.2, 1.9))
    ax = fig.add_subplot()
    known = np.nan_to_num(_masked(monthly["known_persons"], below))
    new = _masked(monthly["new_persons"], below)
    ax.bar(x, known, width=20, color="#9e9ac8", label="known (linked before)")
    ax.bar(x, new, width=20, bottom=known, color="#d95f02", label="new (first linked that month)")
    ax.set_ylim(0, max(1.0, float(np.nanmax(known + np.nan_to_num(new), initial=0)) * 1.1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("persons of concern", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _axes(ax, x)
    _plain(fig)
    out["persons"] = svg_markup(fig)
    return out


def trend_rows(monthly: pd.DataFrame, *, count: Any) -> list[dict[str, Any]]:
    """The annex's table: one row per month, counts through ``count`` (the audience's suppression);
    a share is shown only when its returns are shown."""
    rows = []
    for p, r in zip(monthly.index, monthly.itertuples(), strict=True):
        shown_returns = count(int(r.returns))
        share = "" if not r.returns or not isinstance(shown_returns, int) else f"{100 * float(r.rhi_share):.0f}%"
        rows.append({"month": f"{p:%b %Y}", "episodes": count(int(r.episodes)), "children": count(int(r.children)),
                     "returns": shown_returns, "rhi_in_time": count(int(r.rhi_in_time)), "rhi_share": share,
                     "new_persons": count(int(r.new_persons)), "known_persons": count(int(r.known_persons))})
    return rows

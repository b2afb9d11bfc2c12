"""Flags per child: panel criteria, Return Home Interview timeliness, risk reviews, new links.

Every rule is set in :class:`contextmap.settings.Settings` (documented defaults):

``meets_panel_criteria``
    Any one of: risk level in ``panel.risk_levels``; an episode in the period missing for
    more than ``panel.hours_missing`` hours (still-missing episodes count up to ``as_of``);
    ``panel.episodes_in_period`` or more episodes in the period;
    ``panel.episodes_in_window`` or more episodes within ``panel.window_days`` days.
    ``detail`` names every rule met.
``rhi_late`` / ``rhi_missing``
    An episode returned in the period whose interview came more than ``rhi.within_hours``
    after return; or that has no interview, was not declined, and whose deadline has passed
    by ``as_of``. (A completed interview with no date cannot be judged and is not flagged.)
``risk_review_overdue``
    The child's risk level has a cadence in ``risk.review_days`` and the last review is
    older than that on ``as_of`` (or there is none).
``newly_linked_high_reach_person`` / ``newly_linked_hotspot``
    The child's first ever evidence with one of the top ``flags.high_reach_top`` persons of
    concern, or top ``flags.hotspot_top`` locations, falls in the last
    ``flags.new_within_days`` days of the period (default 28: since the last meeting).

One row per child and flag; ``detail`` says why, in words.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.dataset import Dataset
from contextmap.graph import AnalysisContext, as_context
from contextmap.settings import Settings

__all__ = ["child_flags", "FLAGS"]

FLAGS = ("meets_panel_criteria", "rhi_late", "rhi_missing", "risk_review_overdue",
         "newly_linked_high_reach_person", "newly_linked_hotspot")
_COLUMNS = ["child_id", "flag", "detail"]


def _fmt_hours(h: float) -> str:
    return f"{h:.0f} h" if h >= 10 else f"{h:.1f} h"


def _by_child(frame: pd.DataFrame, *columns: str) -> list[tuple[str, list[list[Any]]]]:
    """Rows grouped by ``child_id`` (sorted; rows of a child in their order):
    ``[(child_id, [column values...]), ...]``, without pandas' per-group objects."""
    frame = frame.loc[frame["child_id"].notna().to_numpy(dtype=bool)]
    if not len(frame):
        return []
    keys = frame["child_id"].to_numpy(dtype=object).astype(str)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cols = [frame[c].to_numpy(dtype=object)[order].tolist() for c in columns]
    cut = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]).tolist() + [len(keys)]
    return [(str(keys[lo]), [c[lo:hi] for c in cols]) for lo, hi in zip(cut[:-1], cut[1:], strict=True)]


def _join_ids(items: list[str], limit: int = 5) -> str:
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def child_flags(
    ds: Any,
    *,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
    as_of: Any = None,
    hotspots: pd.DataFrame | None = None,
    persons: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Flags for every child, with the reason in words.

    Parameters
    ----------
    ds
        An analysis context (:class:`contextmap.graph.AnalysisContext`) or a dataset.
    start, end
        The period (inclusive days) of the context built for a dataset; default the 12
        months up to the latest date in the data.
    settings
        The rules (see the module docstring).
    as_of
        The date deadlines are judged on (default: the day after ``end``, i.e. end of period).
    hotspots, persons
        Ranked locations (:func:`contextmap.hotspots.rank_locations`) and persons
        (:func:`contextmap.persons.rank_persons`) for the "newly linked" flags; computed
        when ``None``.

    Returns
    -------
    pandas.DataFrame
        ``child_id``, ``flag`` (one of :data:`FLAGS`), ``detail``; sorted by child and flag.

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> flags = child_flags(ds)
    >>> list(flags.columns)
    ['child_id', 'flag', 'detail']
    >>> "rhi_late" in set(flags["flag"])
    True
    """
    ctx = as_context(ds, start=start, end=end, settings=settings, default_months=12)
    rows = list(record_flags(ctx, as_of=as_of))
    rows += _new_links(ctx, hotspots, persons)
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out["flag"] = pd.Categorical(out["flag"], categories=list(FLAGS))
    out = out.sort_values(["child_id", "flag"], kind="stable").reset_index(drop=True)
    out["flag"] = out["flag"].astype(str)
    return out


def record_flags(ctx: Any, *, as_of: Any = None) -> list[tuple[str, str, str]]:
    """The flags the records alone raise (panel, RHI and review deadlines), as (child id, flag,
    detail) rows: the ones that need no ranking. Kept in the analysis context ``ctx`` per
    ``as_of``: the analysis works them out on the second core beside the graph and hands
    them in with :func:`keep_record_flags`; :func:`child_flags` adds the "newly linked" ones."""
    ds, settings = ctx.require_dataset("flags"), ctx.settings
    if ctx.start is None:
        raise ConfigError("Expected an analysis context with a period start for flags, instead got start=None")
    s, e = ctx.start, ctx.end
    end_excl = e + pd.Timedelta(days=1)
    key, as_of_ts = _record_flags_key(ctx, as_of)

    def build() -> list[tuple[str, str, str]]:
        ep = ds.episodes
        in_p = (ep["reported_at"] >= s) & (ep["reported_at"] < end_excl)
        epp = ep.loc[in_p.fillna(False).to_numpy(dtype=bool)]
        return (_panel(ds, epp, settings, as_of_ts) + _rhi(ep, s, end_excl, settings, as_of_ts)
                + _reviews(ds, settings, as_of_ts))
    return ctx.memo(key, build)


def keep_record_flags(ctx: Any, rows: list[tuple[str, str, str]], *, as_of: Any = None) -> None:
    """Keep ``rows`` (:func:`record_flags` of the same context, worked out elsewhere: a forked
    child) as ``ctx``'s record flags for ``as_of``."""
    ctx.memo(_record_flags_key(ctx, as_of)[0], lambda: rows)


def _record_flags_key(ctx: Any, as_of: Any) -> tuple[str, pd.Timestamp]:
    """Where ``ctx`` keeps its record flags for ``as_of``, and the date deadlines are judged
    on (default: the day after the period's end)."""
    as_of_ts = ctx.end + pd.Timedelta(days=1) if as_of is None else pd.Timestamp(as_of)
    return f"record_flags:{as_of_ts.isoformat()}", as_of_ts


def _panel(ds: Dataset, epp: pd.DataFrame, settings: Settings, as_of: pd.Timestamp) -> list[tuple[str, str, str]]:
    ps = settings.panel
    reasons: dict[str, list[str]] = {}
    ch = ds.children
    risky = ch.loc[ch["ce_risk"].isin(list(ps.risk_levels)).fillna(False).to_numpy(dtype=bool)]
    for cid, level in zip(risky["child_id"], risky["ce_risk"], strict=True):
        reasons.setdefault(str(cid), []).append(f"risk level {level}")
    if len(epp):
        ret = epp["returned_at"].fillna(as_of)
        hours = (ret - epp["reported_at"]).dt.total_seconds() / 3600
        long_ = epp.assign(_h=hours.to_numpy()).loc[hours.to_numpy() > ps.hours_missing]
        for cid, (hrs, eids, rets) in _by_child(long_, "_h", "episode_id", "returned_at"):
            w = max(range(len(hrs)), key=lambda i: hrs[i])  # the longest; the first of equals
            still = " (still missing)" if pd.isna(rets[w]) else ""
            n = len(hrs)
            lead = f"{n} episodes over {ps.hours_missing:g} hours, longest" if n > 1 else "missing"
            reasons.setdefault(cid, []).append(
                f"{lead} {eids[w]} {_fmt_hours(hrs[w])}{still} (rule: over {ps.hours_missing:g} hours)")
        counts = epp.groupby("child_id").size()
        for cid, n in counts[counts >= ps.episodes_in_period].items():
            reasons.setdefault(str(cid), []).append(
                f"{n} episodes in the period (rule: {ps.episodes_in_period} or more)")
        srt = epp[["child_id", "reported_at"]].sort_values(["child_id", "reported_at"], kind="stable")
        t = srt["reported_at"].to_numpy("datetime64[s]").astype(np.int64)
        c = srt["child_id"].astype(str).to_numpy()
        win = ps.window_days * 86400
        k = ps.episodes_in_window
        if len(t) >= k:
            # episode i and episode i-(k-1) of the same child within the window: k episodes in it
            same = c[k - 1:] == c[: len(c) - k + 1]
            close = (t[k - 1:] - t[: len(t) - k + 1]) <= win
            hit = np.flatnonzero(same & close)
            done: set[str] = set()
            for i in hit:
                cid = c[i + k - 1]
                if cid in done:
                    continue
                done.add(cid)
                first = pd.Timestamp(t[i], unit="s").strftime("%Y-%m-%d")
                reasons.setdefault(cid, []).append(
                    f"{k} episodes within {ps.window_days} days from {first} "
                    f"(rule: {k} in {ps.window_days} days)")
    return [(cid, "meets_panel_criteria", "; ".join(r)) for cid, r in reasons.items()]


def _rhi(ep: pd.DataFrame, s: pd.Timestamp, end_excl: pd.Timestamp, settings: Settings,
         as_of: pd.Timestamp) -> list[tuple[str, str, str]]:
    within = settings.rhi.within_hours
    ret = ep["returned_at"]
    m = (ret >= s) & (ret < end_excl) & (ret <= as_of)
    sub = ep.loc[m.fillna(False).to_numpy(dtype=bool)]
    rows: list[tuple[str, str, str]] = []
    if not len(sub):
        return rows
    delay = (sub["rhi_at"] - sub["returned_at"]).dt.total_seconds() / 3600
    late = sub.assign(_h=delay.to_numpy()).loc[(delay > within).fillna(False).to_numpy(dtype=bool)]
    for cid, (eids, hrs) in _by_child(late, "episode_id", "_h"):
        items = [f"{eid} ({_fmt_hours(h)})" for eid, h in zip(eids, hrs, strict=True)]
        rows.append((cid, "rhi_late",
                     f"{len(items)} interview(s) more than {within:g} h after return: {_join_ids(items)}"))
    no_rhi = sub["rhi_at"].isna() & ~sub["rhi_outcome"].isin(["completed", "declined"]).fillna(False)
    overdue = (as_of - sub["returned_at"]).dt.total_seconds() / 3600 > within
    miss = sub.loc[(no_rhi & overdue).fillna(False).to_numpy(dtype=bool)]
    for cid, (eids, outcomes) in _by_child(miss, "episode_id", "rhi_outcome"):
        items = [f"{eid} ({o if isinstance(o, str) else 'no outcome'})" for eid, o in zip(eids, outcomes, strict=True)]
        rows.append((cid, "rhi_missing",
                     f"{len(items)} return(s) with no interview within {within:g} h: {_join_ids(items)}"))
    return rows


def _reviews(ds: Dataset, settings: Settings, as_of: pd.Timestamp) -> list[tuple[str, str, str]]:
    rows = []
    cad = settings.risk.review_days
    ch = ds.children
    for cid, level, rev in zip(ch["child_id"], ch["ce_risk"], ch["risk_reviewed_on"], strict=True):
        if not isinstance(level, str) or level not in cad:
            continue
        days = cad[level]
        if pd.isna(rev):
            rows.append((str(cid), "risk_review_overdue", f"{level} risk, no review recorded (due every {days} days)"))
            continue
        age = (as_of.normalize() - pd.Timestamp(rev).normalize()).days
        if age > days:
            rows.append((str(cid), "risk_review_overdue",
                         f"{level} risk, last reviewed {pd.Timestamp(rev).date()} ({age} days ago; due every {days} days)"))
    return rows


def _new_links(ctx: AnalysisContext, hotspots: pd.DataFrame | None,
               persons: pd.DataFrame | None) -> list[tuple[str, str, str]]:
    fs = ctx.settings.flags
    ds = ctx.require_dataset("flags")
    s, e = ctx.start, ctx.end
    if hotspots is None:
        from contextmap.hotspots import rank_locations

        hotspots = rank_locations(ctx)
    if persons is None:
        from contextmap.persons import rank_persons

        persons = rank_persons(ctx)
    top_p = persons.sort_values("rank").head(fs.high_reach_top)
    top_l = hotspots.sort_values("rank").head(fs.hotspot_top)
    p_label = dict(zip(top_p["person_id"], top_p["rank"], strict=True))
    l_label = dict(zip(top_l["location_id"], top_l["rank"], strict=True))
    ev = ctx.history
    if not len(ev):
        return []
    children = set(ds.children["child_id"].astype(str))
    rows = []
    for flag, targets, noun in (("newly_linked_high_reach_person", p_label, "person of concern"),
                                ("newly_linked_hotspot", l_label, "hotspot")):
        if not targets:
            continue
        a_c = (ev["a"].isin(children) & ev["b"].isin(targets.keys())).to_numpy(dtype=bool)
        b_c = (ev["b"].isin(children) & ev["a"].isin(targets.keys())).to_numpy(dtype=bool)
        a, b, d = ev["a"].to_numpy(dtype=object), ev["b"].to_numpy(dtype=object), ev["date"].to_numpy()
        pairs = pd.DataFrame({
            "child": pd.Series(np.concatenate([a[a_c], b[b_c]]), dtype=object),
            "other": pd.Series(np.concatenate([b[a_c], a[b_c]]), dtype=object),
            "date": np.concatenate([d[a_c], d[b_c]]),
        })
        if not len(pairs):
            continue
        first = pairs.groupby(["child", "other"])["date"].min().reset_index()
        new = first.loc[first["date"] >= max(s, e - pd.Timedelta(days=fs.new_within_days - 1))]
        new = new.sort_values(["child", "date"], kind="stable").rename(columns={"child": "child_id"})
        for cid, (others, dates) in _by_child(new, "other", "date"):
            items = [f"{o} (rank {targets[o]}, first linked {pd.Timestamp(dt).date()})"
                     for o, dt in zip(others, dates, strict=True)]
            rows.append((cid, flag, f"newly linked to {noun} {_join_ids(items)}"))
    return rows

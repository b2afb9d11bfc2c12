"""Private helpers for :mod:`contextmap.pack.build`: the figures, tables and pictures of a pack.

Everything here works on the *redacted* dataset and the analysis computed from it, so what
it returns is already fit for the audience. Values are plain Python (str, int, float) for
the jinja2 template; escaping happens there (autoescape).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any, cast

import networkx as nx
import numpy as np
import pandas as pd
from markupsafe import Markup

from contextmap.graph import induced_subgraph
from contextmap.views.network import KIND_STYLE, NEW_COLOUR, node_kind, place_labels
from contextmap.vocabulary import vocabulary

__all__ = ["day_text", "plain_text", "episode_table", "grade", "provenance", "neighbours",
           "svg_markup", "compact_lines", "group_picture", "summary_with_extras",
           "panel_children", "node_label", "in_period", "PANEL_FLAGS"]

_UNCONFIRMED_E = "E-graded: suspected false"
_UNCONFIRMED = "uncorroborated"


def day_text(v: Any) -> str:
    """A date as ``YYYY-MM-DD`` ('' when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    try:
        return str(pd.Timestamp(v).date())
    except (ValueError, TypeError):
        return str(v)


def plain_text(v: Any) -> str:
    if v is None or (not isinstance(v, (str, list, tuple)) and pd.isna(v)):
        return ""
    return str(v)


def in_period(dates: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp) -> pd.Series:
    d = pd.to_datetime(dates)
    ok = d.notna() & (d < end + pd.Timedelta(days=1))
    if start is not None:
        ok &= d >= start
    return ok


def episode_table(ds: Any, start: pd.Timestamp | None, end: pd.Timestamp, rhi_hours: float) -> pd.DataFrame:
    """Episodes reported in the period with hours missing and RHI timeliness."""
    ep = ds.episodes.loc[in_period(ds.episodes["reported_at"], start, end)].copy()
    stop = ep["returned_at"].fillna(end + pd.Timedelta(days=1))
    ep["hours"] = ((stop - ep["reported_at"]).dt.total_seconds() / 3600).clip(lower=0)
    gap = (ep["rhi_at"] - ep["returned_at"]).dt.total_seconds() / 3600
    ep["returned"] = ep["returned_at"].notna()
    ep["rhi_offered"] = ep["rhi_outcome"].isin(["completed", "declined"]).fillna(False).astype(bool)
    ep["rhi_in_time"] = ((ep["rhi_outcome"] == "completed").fillna(False).astype(bool)
                         & gap.between(0, rhi_hours).fillna(False).astype(bool))
    return ep


def grade(ev: dict[str, Any], corroborated: bool) -> dict[str, Any]:
    """How one piece of evidence is shown: its code, and whether it must not read as fact."""
    code = ev.get("grading")
    if not isinstance(code, str) or not code:
        code = "episode record" if ev.get("episode_id") and not ev.get("link_id") else "ungraded"
    if re.match(r"^\dE", code):
        return {"code": code, "unconfirmed": True, "why": _UNCONFIRMED_E}
    if not corroborated:
        return {"code": code, "unconfirmed": True, "why": _UNCONFIRMED}
    return {"code": code, "unconfirmed": False, "why": ""}


def node_label(G: nx.Graph, n: Any) -> str:
    return str(G.nodes[n].get("label", n)) if n in G else str(n)


def provenance(G: nx.Graph, edges: list[tuple[Any, Any]], *, words: Any = None) -> list[dict[str, Any]]:
    """One row per piece of evidence behind the given edges, oldest first (relations and
    sources in ``words``, the vocabulary)."""
    words = words or vocabulary()
    rows = []
    seen = set()
    for a, b in edges:
        if not G.has_edge(a, b):
            continue
        key = tuple(sorted((str(a), str(b))))
        if key in seen:
            continue
        seen.add(key)
        data = G[a][b]
        for ev in data.get("evidence", []):
            rows.append({
                "a": node_label(G, a), "b": node_label(G, b), "relation": words("relations", plain_text(ev.get("relation"))),
                "date": day_text(ev.get("date")), "source": words("sources", plain_text(ev.get("source_type"))),
                "grading": grade(ev, bool(data.get("corroborated"))),
                "link_id": plain_text(ev.get("link_id")), "episode_id": plain_text(ev.get("episode_id")),
            })
    rows.sort(key=lambda r: (r["date"], r["a"], r["b"], r["link_id"]))
    return rows


def neighbours(G: nx.Graph, node: Any, kind: str) -> list[Any]:
    if node not in G:
        return []
    return sorted((n for n in G[node] if G.nodes[n].get("kind") == kind), key=lambda n: node_label(G, n))


def svg_markup(fig: Any) -> Markup:
    """A matplotlib figure as inline SVG markup (text kept as text, no XML prologue)."""
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "contextmap"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    # matplotlib escapes text it writes; refuse anything active all the same. Handlers are
    # looked for inside tags only: a label's text (escaped) may read " onerror=" harmlessly.
    if re.search(r"<script|<foreignObject|<[^>]*\son\w+\s*=", text, re.I):
        raise ValueError("refusing to inline an SVG that holds script")
    return Markup(text)


def compact_lines(fig: Any, *, width_step: float = 0.25) -> Any:
    """Redraw each line collection of ``fig`` as a few compound paths, for a small SVG.

    A matplotlib line collection is written to SVG as one ``<path>`` element per segment
    (150 bytes each: 5 MB for the 35,000 links of a 10k-episode network), which made the
    printed network picture the bulk of ``pack.html`` and the slowest thing chromium
    printed. Segments that share colour, dash pattern and line width (rounded to
    ``width_step`` points) become one path. Text is untouched, so it stays text in the SVG
    (and in the privacy scan). Collections whose styles cannot be read are left as they are.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for ax in fig.axes:
        for coll in [c for c in ax.collections if type(c) is LineCollection]:
            segs = coll.get_segments()
            styles = getattr(coll, "_us_linestyles", None)
            if not segs or not styles:
                continue
            lws = np.broadcast_to(np.asarray(cast(Any, coll).get_linewidths(), dtype=np.float64), (len(segs),))
            cols = np.asarray(coll.get_edgecolor())
            if len(cols) not in (1, len(segs)):
                continue
            groups: dict[tuple[Any, ...], list[int]] = {}
            for i in range(len(segs)):
                lw = round(float(lws[i]) / width_step) * width_step or width_step
                key = (lw, tuple(cols[i if len(cols) > 1 else 0]), i % len(styles))
                groups.setdefault(key, []).append(i)
            for (lw, colour, si), idx in groups.items():
                verts, codes = [], []
                for i in idx:
                    seg = np.asarray(segs[i], dtype=float)
                    if len(seg) < 2:
                        continue
                    verts.append(seg)
                    codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(seg) - 1)
                if not verts:
                    continue
                offset, dashes = styles[si]
                ls = "solid" if dashes is None else (offset, tuple(dashes))
                ax.add_patch(PathPatch(MplPath(np.concatenate(verts), codes), fill=False, edgecolor=colour,
                                       linewidth=lw, linestyle=ls, alpha=coll.get_alpha(),
                                       zorder=coll.get_zorder()))
            coll.remove()
    return fig


def group_picture(G: nx.Graph, members: list[Any], binding: list[Any], *, seed: int, words: Any = None,
                  new: Any = None) -> Markup:
    """A small static picture of one peer group: its children and the people/places binding them.

    Drawn with the one symbol set of the network view (:data:`contextmap.views.network.KIND_STYLE`):
    children circles, persons of concern triangles, places squares, unconfirmed mentions
    pale down-pointing triangles; labels placed so that none overlap; anything new or
    escalating since the last meeting ringed in orange."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    words = words or vocabulary()
    new = new or {}
    nodes = [n for n in list(members) + list(binding) if n in G]
    H = induced_subgraph(G, nodes)  # same order, same layout, on every run
    pos = nx.spring_layout(H, seed=seed, weight=None) if len(H) else {}
    fig = Figure(figsize=(6.2, 3.0))
    ax = fig.add_axes((0.01, 0.01, 0.72, 0.98))
    ax.set_axis_off()
    for solid in (True, False):  # one collection per line style, not one artist per link
        es = [(a, b, d) for a, b, d in H.edges(data=True) if bool(d.get("corroborated")) == solid]
        if es:
            ax.add_collection(LineCollection(
                [[pos[a], pos[b]] for a, b, _ in es], colors="#777", linestyles="-" if solid else "--",
                linewidths=[0.6 + min(float(d.get("weight", 1.0)), 3.0) * 0.4 for _, _, d in es], zorder=1))
    kinds = {n: node_kind(H.nodes[n]) for n in H}
    handles = []
    for kind, st in KIND_STYLE.items():
        ks = [n for n in H if kinds[n] == kind]
        if ks:
            xy = np.array([pos[n] for n in ks])
            ax.scatter(xy[:, 0], xy[:, 1], marker=st["marker"], s=70, c=st["color"], edgecolors="#222",
                       linewidths=0.5, zorder=2)
            handles.append(Line2D([], [], marker=st["marker"], linestyle="", markerfacecolor=st["color"],
                                  markeredgecolor="#222", markersize=6, label=words("kinds", kind)))
    fresh = [n for n in H if str(n) in new]
    if fresh:
        xy = np.array([pos[n] for n in fresh])
        ax.scatter(xy[:, 0], xy[:, 1], s=220, facecolors="none", edgecolors=NEW_COLOUR, linewidths=1.4, zorder=2.5)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none", markeredgecolor=NEW_COLOUR,
                              markersize=8, label="New or escalating since the last meeting"))
    if len(H):
        ax.autoscale_view()
        ax.margins(0.12)
        order = sorted(H, key=lambda n: (kinds[n] == "child", kinds[n] == "provisional", -H.degree(n), node_label(G, n)))
        xy = np.array([pos[n] for n in order])
        place_labels(ax, x=xy[:, 0], y=xy[:, 1], texts=[node_label(G, n) for n in order], fontsize=6,
                     bold=[kinds[n] != "child" for n in order], marker_pt=4.5)
        leg = fig.legend(handles=handles, loc="center right", fontsize=6.5, frameon=False)
        for t in leg.get_texts():
            t.set_parse_math(False)
    return svg_markup(fig)


PANEL_FLAGS = ("panel", "meets_panel_criteria", "panel_criteria")
"""Flags that put a child on the panel list."""


def summary_with_extras(an: Any, aud: Any) -> dict[str, Any]:
    """``an.summary()`` plus the audience and the kind of ids it shows (for comparisons)."""
    summary = json.loads(json.dumps(an.summary(), default=str))
    summary["audience"] = aud.name
    summary["ids"] = "raw" if aud.show_ids else "pseudonym"
    return summary


def panel_children(flags: pd.DataFrame) -> list[str]:
    """Children with a panel-criteria flag, sorted."""
    if flags is None or len(flags) == 0:
        return []
    return sorted(set(flags.loc[flags["flag"].isin(PANEL_FLAGS), "child_id"].astype(str)))

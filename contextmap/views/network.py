"""Peer-network views: an interactive, self-contained HTML view and a static PNG/SVG.

:func:`network_view` lays out a context graph once, in Python (group-aware, igraph's
Fruchterman-Reingold, seeded: :mod:`contextmap.views.netlayout`), and freezes it: the browser runs no physics, so 5,000 nodes open in a few seconds.
The same positions drive the interactive page (vis-network, vendored and inlined) and the
static matplotlib rendering for print and PDF.

What is drawn
-------------
* Children as circles coloured by peer group (grey when in none), persons of concern as
  triangles, places as squares; size grows with reach (distinct children connected for
  persons and places, connections for children).
* Edges: solid when corroborated, dashed when untested or uncorroborated. Evidence graded E
  (suspected false) is left out of the page altogether; an edge with only E-graded evidence is
  not drawn (``show_e_graded=True`` draws it dotted and grey, for analysts only).
* At region scale (above :data:`COLLAPSE_AT` entities) the page opens with peer groups
  collapsed: one node per group, the persons and places linking groups in sight, one line
  per pair weighted by its links; a click, the group filter or a search expands a group
  (:mod:`contextmap.views.netgroups`). Groups are told apart by a colour-blind-safe palette,
  a pattern beyond it, and their names.
* Hovering a node or an edge shows its evidence (dates, relations, sources, gradings);
  filters by peer group and entity type; search by label; a legend; title bar with period and
  audience; protective-marking banners.

Safety: every string travels in one escaped JSON payload and is shown with ``textContent``
or drawn on the canvas; vis-network's HTML ``title`` tooltips are not used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.files import check_writable
from contextmap.schema import is_e_graded
from contextmap.views import html as _html
from contextmap.views.html import age_label, field_of, period_text, text_or_none
from contextmap.views.netgroups import GROUP_PATTERNS, collapse_roles, group_links, group_styles
from contextmap.views.netlayout import group_layout

__all__ = ["NetworkView", "network_view", "KIND_STYLE", "NEW_COLOUR", "node_kind", "place_labels", "COLLAPSE_AT"]

COLLAPSE_AT = 1000
"""Above this many entities the interactive view opens with peer groups collapsed (one node
per group); ``network_view(collapsed=...)`` decides either way."""

KIND_STYLE: dict[str, dict[str, str]] = {
    "child": {"shape": "dot", "marker": "o", "color": "#9e9e9e", "label": "Child"},
    "person": {"shape": "triangle", "marker": "^", "color": "#c62828", "label": "Person of concern"},
    "provisional": {"shape": "triangleDown", "marker": "v", "color": "#f3c1c1",
                    "label": "Unconfirmed mention"},
    "location": {"shape": "square", "marker": "s", "color": "#6d4c41", "label": "Place"},
    "unknown": {"shape": "diamond", "marker": "D", "color": "#607d8b", "label": "Unresolved entity"},
}
"""The one symbol set: shape (vis-network and matplotlib marker), colour and legend words for
each node kind, used by the interactive view, its static rendering and the pack's pictures.
``provisional`` is a person that resolution made from a Return Home Interview mention matching
no record ("an older lad called Dwayne"): an unconfirmed mention, never a person of concern."""

NEW_COLOUR = "#ff8f00"
"""The ring drawn round anything new since the last meeting (view, pictures, legend)."""


def node_kind(data: Mapping[str, Any]) -> str:
    """The drawing kind of a graph node: its ``kind``, ``'provisional'`` for a provisional
    person, ``'unknown'`` for anything else."""
    kind = data.get("kind")
    if kind == "person" and data.get("provisional"):
        return "provisional"
    return kind if kind in KIND_STYLE else "unknown"

_EDGE_STYLES = ("solid", "dashed", "e_graded")


def _is_e(item: Mapping[str, Any]) -> bool:
    return is_e_graded(item.get("intelligence_assessment"), grading=item.get("grading"))


def _dates_of_birth(source: Any, G: nx.Graph) -> dict[str, Any]:
    """Entity id -> date of birth: from the analysed dataset (children and persons tables), or
    a ``date_of_birth`` on the graph's nodes; empty when neither has one (a redacted pack)."""
    out = {str(n): d["date_of_birth"] for n, d in G.nodes(data=True) if d.get("date_of_birth") is not None}
    ds = None if isinstance(source, nx.Graph) else field_of(source, "dataset")
    for table, key in (("children", "child_id"), ("persons", "person_id")):
        frame = field_of(ds, table) if ds is not None else None
        if isinstance(frame, pd.DataFrame) and {key, "date_of_birth"} <= set(frame.columns):
            out.update(zip(frame[key].astype(str), frame["date_of_birth"], strict=True))
    return out


def _display_labels(nodes: pd.DataFrame) -> list[str]:
    """Labels as drawn: a name two entities share gets each one's age or "adult" (a child and
    an adult of the same name told apart)."""
    labels = nodes["label"].astype(str)
    shared = labels.map(labels.value_counts()) > 1
    age = nodes["age"] if "age" in nodes else pd.Series("", index=nodes.index)
    return [f"{lab} ({a})" if dup and a else lab for lab, dup, a in zip(labels, shared, age, strict=True)]


def _pixels_per_unit(xy: np.ndarray, *, spacing_px: float = 40.0) -> float:
    """Page pixels per layout unit: neighbouring nodes about ``spacing_px`` apart at zoom 1
    (the median distance to the nearest node), whatever the rings of ungrouped nodes add to
    the layout's extent."""
    from scipy.spatial import cKDTree

    if len(xy) < 3:
        return 90.0 * np.sqrt(25)
    d, _ = cKDTree(xy).query(xy, k=2)
    near = float(np.median(d[:, 1]))
    return float(np.clip(spacing_px / near, 400.0, 40_000.0)) if near > 0 else 90.0 * np.sqrt(len(xy))


def _membership(groups: Any) -> tuple[dict[str, str], list[str]]:
    if groups is None:
        return {}, []
    membership = field_of(groups, "membership")
    if membership is None and isinstance(groups, (pd.Series, Mapping)):
        membership = groups
    if membership is None:
        raise ConfigError(
            "Expected groups to be PeerGroups (with .membership) or a child -> group mapping, "
            f"instead got: {type(groups).__name__}"
        )
    items = membership.items()
    out = {str(k): str(v) for k, v in items if text_or_none(v) is not None}
    table = field_of(groups, "groups")
    ids = None
    if table is not None:  # PeerGroups.groups is indexed by group_id
        ids = table.index if table.index.name == "group_id" else table.get("group_id")
    if ids is not None:
        order = [str(g) for g in ids if str(g) in set(out.values())]
    else:
        order = sorted(set(out.values()))
    return out, order


@dataclass
class NetworkView:
    """A laid-out, frozen view of a context graph (build it with :func:`network_view`).

    Attributes
    ----------
    nodes
        One row per node: ``id``, ``label``, ``kind``, ``group``, ``reach``, ``x``, ``y``,
        ``color``, ``size``, ``prominent`` (labelled at first sight), ``home`` (the group it
        folds into when groups are collapsed), ``shown`` (drawn as itself when collapsed),
        ``cx``, ``cy`` (its place then, with the children in no group hidden) and ``age`` ("15",
        "adult" or "" when no date of birth is known: shown on hover, and beside a name two
        entities share).
    edges
        One row per drawn edge: ``source``, ``target``, ``style`` (``'solid'``, ``'dashed'``
        or ``'e_graded'``), ``weight`` and ``evidence`` (list of dicts, E-graded items removed
        unless ``show_e_graded``).
    groups
        Peer-group ids in legend order, with their colours.
    group_discs
        Each peer group's region in the layout: centre ``x``, ``y`` and radius, on the scale
        of the node positions.
    patterns
        Each peer group's fill pattern (:data:`contextmap.views.netgroups.GROUP_PATTERNS`),
        which with its colour tells it from its neighbours.
    collapsed
        Whether the interactive view opens with peer groups collapsed.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    groups: dict[str, str]
    title: str = "Peer network"
    period: str = ""
    audience: str = "internal"
    marking: str = "OFFICIAL-SENSITIVE"
    hidden_e_edges: int = 0
    group_discs: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)
    collapsed: bool = False

    def _kind_label(self, kind: str) -> str:
        return str(self.meta.get("kind_words", {}).get(kind, KIND_STYLE[kind]["label"]))

    # --- interactive --------------------------------------------------------------------

    def payload(self) -> dict:
        """The JSON-ready data the page draws."""
        nd = self.nodes
        scale = _pixels_per_unit(nd[["x", "y"]].to_numpy(float))
        group_index = {g: i for i, g in enumerate(self.groups)}
        shown_labels = _display_labels(nd)
        node_rows = [
            [shown_labels[k], str(r.kind), r.group if isinstance(r.group, str) else None,
             int(r.reach), round(float(r.x) * scale, 1), round(float(r.y) * scale, 1),
             str(r.color), float(r.size), int(bool(r.prominent)), str(getattr(r, "new", "") or ""),
             int(getattr(r, "mentions", 0) or 0), group_index.get(str(getattr(r, "home", None)), -1),
             int(bool(getattr(r, "shown", False))), round(float(getattr(r, "cx", r.x)) * scale, 1),
             round(float(getattr(r, "cy", r.y)) * scale, 1), str(getattr(r, "age", "") or "")]
            for k, r in enumerate(nd.itertuples(index=False))
        ]
        idx = {v: i for i, v in enumerate(nd["id"])}
        edge_rows = []
        for r in self.edges.itertuples(index=False):
            ev = [[e.get("date"), e.get("relation"), e.get("source_type"), e.get("grading"),
                   e.get("link_id") or e.get("episode_id")] for e in r.evidence]
            edge_rows.append([idx[r.source], idx[r.target], _EDGE_STYLES.index(r.style), ev,
                              round(float(r.weight), 3)])
        return {
            "meta": {"title": self.title, "period": self.period, "audience": self.audience,
                     "marking": self.marking, "hiddenE": self.hidden_e_edges, "newColour": NEW_COLOUR,
                     "collapsed": bool(self.collapsed), "patterns": list(GROUP_PATTERNS)},
            "kinds": {k: {"shape": v["shape"], "color": v["color"], "label": self._kind_label(k)}
                      for k, v in KIND_STYLE.items()},
            "groups": [[g, c, *[round(float(t) * scale, 1) for t in self.group_discs.get(g, (0, 0, 0))],
                        int((nd["group"] == g).sum()), GROUP_PATTERNS.index(self.patterns.get(g, "solid"))]
                       for g, c in self.groups.items()],
            "nodes": node_rows,
            "edges": edge_rows,
        }

    def html(self) -> str:
        """The whole self-contained HTML document."""
        return _html.render_template(
            "network_view.html",
            title=self.title,
            marking=self.marking,
            vis_js=_html.inline_script(_html.asset_text("vis-network.min.js")),
            view_js=_html.inline_script(_html.asset_text("network_view.js")),
            view_css=_html.inline_style(_html.asset_text("network_view.css")),
            payload_json=_html.Markup(_html.json_for_script(self.payload())),
        )

    def to_html(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the interactive view; refuse to replace a file unless ``overwrite``."""
        p = check_writable(path, overwrite=overwrite)
        p.write_text(self.html(), encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        return _html.srcdoc_iframe(self.html(), height="640px")

    # --- static -------------------------------------------------------------------------

    def figure(self, *, figsize: tuple[float, float] = (11.0, 8.5), max_labels: int = 60) -> Any:
        """A matplotlib Figure of the same layout (for print and PDF): peer-group regions
        shaded and named, labels on the prominent nodes only (at most ``max_labels``)."""
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        fig = Figure(figsize=figsize)
        ax = fig.add_axes((0.02, 0.06, 0.74, 0.86))
        ax.set_axis_off()
        nd = self.nodes.set_index("id")
        from matplotlib.patches import Circle

        names = []
        for g, (cx, cy, r) in self.group_discs.items():
            colour = self.groups.get(g, "#999999")
            ax.add_patch(Circle((cx, -cy), r * 1.08, facecolor=colour, alpha=0.08, edgecolor=colour,
                                linewidth=0.8, zorder=0))
            hatch = {"stripes": "////", "dots": "..", "cross": "xx"}.get(self.patterns.get(g, "solid"))
            if hatch:  # groups sharing a colour told apart by a pattern, as in the interactive view
                ax.add_patch(Circle((cx, -cy), r * 1.08, facecolor="none", edgecolor=colour, alpha=0.35,
                                    linewidth=0, hatch=hatch, zorder=0))
            names.append(ax.text(cx, -cy + r * 1.12, f"Peer group {g}", ha="center", va="bottom", fontsize=7,
                                 color=colour, weight="bold", parse_math=False, zorder=4,
                                 bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}))
        w = self.edges["weight"].to_numpy(dtype=float)
        strong = np.clip(w / (np.percentile(w, 90) if len(w) and np.percentile(w, 90) > 0 else 1.0), 0.15, 1.0)
        for style, ls, colour in (("solid", "-", "#444444"), ("dashed", (0, (4, 3)), "#777777"),
                                  ("e_graded", ":", "#bbbbbb")):
            mask = (self.edges["style"] == style).to_numpy()
            sub = self.edges[mask]
            if len(sub):
                segs = [[(nd.at[s, "x"], -nd.at[s, "y"]), (nd.at[t, "x"], -nd.at[t, "y"])]
                        for s, t in zip(sub["source"], sub["target"], strict=True)]
                ax.add_collection(LineCollection(segs, colors=colour, linestyles=ls,
                                                 linewidths=0.3 + 0.9 * strong[mask],
                                                 alpha=0.55, zorder=1))
        for kind, st in KIND_STYLE.items():
            sub = self.nodes[self.nodes["kind"] == kind]
            if len(sub):
                ax.scatter(sub["x"], -sub["y"], s=(sub["size"] ** 2) * 0.45, c=list(sub["color"]),
                           marker=st["marker"], edgecolors="#222222", linewidths=0.4, zorder=2)
        fresh = self.nodes[self.nodes["new"].astype(bool)] if "new" in self.nodes else self.nodes.iloc[0:0]
        if len(fresh):
            ax.scatter(fresh["x"], -fresh["y"], s=(fresh["size"] ** 2) * 1.3, facecolors="none",
                       edgecolors=NEW_COLOUR, linewidths=1.6, zorder=2.5)
        ax.autoscale_view()
        ax.margins(0.05)
        labelled = self.nodes[self.nodes["prominent"]] if "prominent" in self.nodes else self.nodes
        labelled = pd.concat([fresh, labelled.nlargest(max_labels, "reach")]).drop_duplicates("id")
        shown = dict(zip(self.nodes["id"], _display_labels(self.nodes), strict=True))
        place_labels(ax, x=labelled["x"].to_numpy(float), y=-labelled["y"].to_numpy(float),
                     texts=[shown[v] for v in labelled["id"]],
                     bold=[k != "child" for k in labelled["kind"]], fontsize=6,
                     obstacles=np.column_stack([self.nodes["x"].to_numpy(float), -self.nodes["y"].to_numpy(float)]),
                     reserved=names)
        handles = [Line2D([], [], marker=st["marker"], linestyle="", markerfacecolor=st["color"],
                          markeredgecolor="#222222", markersize=8, label=self._kind_label(k))
                   for k, st in KIND_STYLE.items() if (self.nodes["kind"] == k).any()]
        if len(fresh):
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                                  markeredgecolor=NEW_COLOUR, markeredgewidth=1.6, markersize=10,
                                  label="New since the last meeting"))
        handles += [Line2D([], [], color="#555555", label="Corroborated link"),
                    Line2D([], [], color="#888888", linestyle=(0, (4, 3)), label="Untested / uncorroborated")]
        if (self.edges["style"] == "e_graded").any():
            handles.append(Line2D([], [], color="#bbbbbb", linestyle=":", label="E-graded (suspected false)"))
        for g, c in list(self.groups.items())[:15]:
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=c,
                                  markeredgecolor="#222222", markersize=8, label=f"Peer group {g}"))
        leg = fig.legend(handles=handles, loc="upper right", fontsize=8, frameon=False,
                         bbox_to_anchor=(0.99, 0.92))
        for t in leg.get_texts():
            t.set_parse_math(False)
        head = " | ".join(x for x in (self.title, f"Period: {self.period}" if self.period else "",
                                      f"Audience: {self.audience}") if x)
        fig.text(0.02, 0.965, self.marking, color="#b00020", weight="bold", fontsize=10, parse_math=False)
        fig.text(0.98, 0.965, self.marking, color="#b00020", weight="bold", fontsize=10, ha="right",
                 parse_math=False)
        fig.text(0.5, 0.965, head, ha="center", fontsize=10, parse_math=False)
        fig.text(0.02, 0.02, f"{self.marking}  Untested links are intelligence, not fact. "
                 "E-graded intelligence is not shown.", color="#333333", fontsize=8, parse_math=False)
        return fig

    def to_png(self, path: str | Path, *, overwrite: bool = False, dpi: int = 150) -> Path:
        """Write the static rendering as PNG."""
        p = check_writable(path, overwrite=overwrite)
        self.figure().savefig(p, format="png", dpi=dpi)
        return p

    def to_svg(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the static rendering as SVG."""
        p = check_writable(path, overwrite=overwrite)
        self.figure().savefig(p, format="svg")
        return p


def network_view(
    G_or_analysis: Any,
    *,
    groups: Any = None,
    audience: str = "internal",
    layout_seed: int = 0,
    title: str = "Peer network",
    period: Any = None,
    marking: str = "OFFICIAL-SENSITIVE",
    show_e_graded: bool = False,
    max_evidence: int = 8,
    max_labels: int = 60,
    new: Mapping[str, str] | None = None,
    words: Any = None,
    collapsed: bool | None = None,
) -> NetworkView:
    """Lay out a context graph and return a frozen, drawable :class:`NetworkView`.

    Parameters
    ----------
    G_or_analysis
        A context graph (``graph.graph_from_dataset``) or an ``Analysis`` (its ``graph``,
        ``peer_groups`` and ``period`` are used).
    groups
        Peer groups (``peers.find_peer_groups``) or a child id -> group id mapping.
    audience, title, period, marking
        Shown in the title bar and banners. Labels are drawn as the graph holds them: pass a
        graph built from a dataset already redacted for the audience. An analysis passed for an
        audience that does not see everything must come from ``privacy.redact_dataset(ds,
        audience)``, else ``PrivacyError``.
    layout_seed
        Seed of the layout: same graph and seed, same picture.
    show_e_graded
        Draw edges whose only evidence is graded E (dotted grey). Off by default: E-graded
        evidence is then never written into the page.
    max_evidence
        Evidence items kept per edge for the hover text (most recent first).
    max_labels
        Labels drawn at first sight (page at fit zoom and the static rendering): the top
        persons and places by reach, then children in peer groups. Every label shows when
        zoomed in or hovered.
    new
        Entity id -> why it is new since the previous pack (``Changes.new_marks()``): drawn
        with an orange ring, listed in the legend and the hover text.
    words
        The vocabulary (:func:`contextmap.vocabulary.vocabulary`) for the legend's words of
        each kind; the defaults when ``None``.
    collapsed
        Open the interactive view with peer groups collapsed: one node per group, sized by its
        children, links between groups drawn as one line weighted by their number, the
        persons and places linking groups drawn as themselves (see
        :func:`contextmap.views.netgroups.collapse_roles`); a click on a group, the group
        filter or a search expands it. ``None`` (default): collapsed above
        :data:`COLLAPSE_AT` entities.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node("C1", kind="child", label="Child A")
    >>> G.add_node("P1", kind="person", label="Big T")
    >>> G.add_edge("C1", "P1", corroborated=False, evidence=[{"date": "2024-02-01",
    ...     "relation": "associate", "source_type": "rhi", "grading": "2C P"}])
    >>> v = network_view(G, groups={"C1": "PG1"})
    >>> v.edges.loc[0, "style"]
    'dashed'
    """
    if isinstance(G_or_analysis, nx.Graph):
        G = G_or_analysis
    else:
        from contextmap.privacy import check_redacted_for

        check_redacted_for(G_or_analysis, audience)  # must be redacted for a restricted audience
        G = field_of(G_or_analysis, "graph")
        if not isinstance(G, nx.Graph):
            raise ConfigError(
                "Expected a networkx graph or an Analysis with .graph, instead got: "
                f"{type(G_or_analysis).__name__}"
            )
        if groups is None:
            groups = field_of(G_or_analysis, "peer_groups")
        if period is None:
            period = field_of(G_or_analysis, "period")
    new_marks = {str(k): str(v) for k, v in (new or {}).items()}
    dobs = _dates_of_birth(G_or_analysis, G)
    member, order = _membership(groups)

    # edges first: E-graded evidence is removed before anything is drawn
    rows = []
    hidden = 0
    for u, v, d in G.edges(data=True):
        evidence = [dict(e) for e in (d.get("evidence") or [])]
        kept = [e for e in evidence if not _is_e(e)]
        if evidence and not kept:
            if not show_e_graded:
                hidden += 1
                continue
            style = "e_graded"
            kept = evidence
        elif d.get("corroborated"):
            style = "solid"
        else:
            style = "dashed"
        kept.sort(key=lambda e: str(e.get("date") or ""), reverse=True)
        clean = [{k: text_or_none(e.get(k)) for k in ("date", "relation", "source_type", "grading",
                                              "link_id", "episode_id")} for e in kept[:max_evidence]]
        if len(kept) > max_evidence:
            clean.append({"date": None, "relation": f"and {len(kept) - max_evidence} more",
                          "source_type": None, "grading": None, "link_id": None, "episode_id": None})
        rows.append({"source": str(u), "target": str(v), "style": style,
                     "weight": float(d.get("weight") or 0.0), "evidence": clean})
    edges = pd.DataFrame(rows, columns=["source", "target", "style", "weight", "evidence"])

    H = nx.Graph()
    H.add_nodes_from(str(n) for n in G.nodes)
    H.add_edges_from(zip(edges["source"], edges["target"], strict=True))
    kind_of = {str(n): node_kind(d) for n, d in G.nodes(data=True)}
    reach_of = {v: (H.degree(v) if kind_of[v] == "child" else 0 if kind_of[v] == "provisional"
                    else sum(1 for m in H.neighbors(v) if kind_of[m] == "child")) for v in H.nodes}
    home, shown = collapse_roles(H, kind_of, member, reach_of)
    pos, discs, cpos = group_layout(H, kind_of, member, order, layout_seed, shown=sorted(shown))
    # colours told apart: neighbours (linked, or side by side) never share colour and pattern
    size_of = pd.Series(member).value_counts()
    by_size = sorted(order, key=lambda g: (-int(size_of.get(g, 0)), order.index(g)))
    styles = group_styles(by_size, links=group_links(H, member, kind_of), discs=discs)
    colours = {g: styles[g]["color"] for g in order}
    patterns = {g: styles[g]["pattern"] for g in order}
    node_rows = []
    for n, d in G.nodes(data=True):
        nid = str(n)
        kind = kind_of[nid]
        nbrs = list(H.neighbors(nid))
        reach = reach_of[nid]  # an unconfirmed mention reaches no one: drawn small, never counted
        grp = member.get(nid) if kind == "child" else None
        colour = colours.get(grp, KIND_STYLE[kind]["color"]) if grp else KIND_STYLE[kind]["color"]
        x, y = pos.get(nid, (0.0, 0.0))
        node_rows.append({"id": nid, "label": str(d.get("label") or nid), "kind": kind,
                          "group": grp, "reach": reach, "x": x, "y": y, "color": colour,
                          "size": float(8 + 4 * np.sqrt(reach)),
                          "mentions": sum(1 for m in nbrs if kind_of[m] == "child") if kind == "provisional" else 0,
                          "new": text_or_none(new_marks.get(nid)) or ""})
    nodes = pd.DataFrame(node_rows, columns=["id", "label", "kind", "group", "reach", "x", "y",
                                             "color", "size", "mentions", "new"])
    nodes["prominent"] = _prominent(nodes, max_labels=max_labels)
    end = field_of(period, "end") if not isinstance(period, (tuple, list)) else period[-1]
    nodes["age"] = [age_label(dobs.get(v), on=end) if end is not None and v in dobs else "" for v in nodes["id"]]
    nodes["home"] = [home.get(v) for v in nodes["id"]]
    nodes["shown"] = [v in shown for v in nodes["id"]]
    nodes["cx"] = [cpos.get(v, (x, y))[0] for v, x, y in zip(nodes["id"], nodes["x"], nodes["y"], strict=True)]
    nodes["cy"] = [cpos.get(v, (x, y))[1] for v, x, y in zip(nodes["id"], nodes["x"], nodes["y"], strict=True)]
    kind_words = {k: (words("kinds", k) if words is not None else st["label"]) for k, st in KIND_STYLE.items()}
    return NetworkView(nodes=nodes, edges=edges, groups=colours, title=str(title),
                       period=period_text(period), audience=str(audience), marking=str(marking),
                       hidden_e_edges=hidden, group_discs=discs, meta={"kind_words": kind_words},
                       patterns=patterns, collapsed=len(nodes) > COLLAPSE_AT if collapsed is None else bool(collapsed))


def place_labels(ax: Any, *, x: np.ndarray, y: np.ndarray, texts: list[str], fontsize: float = 6.5,
                 bold: list[bool] | None = None, obstacles: np.ndarray | None = None,
                 marker_pt: float = 4.0, reserved: Sequence[Any] = ()) -> list[int]:
    """Label points on a matplotlib axes without two labels overlapping.

    Points are taken in order (most important first). Each label tries eight places round its
    point (right, left, above, below, then the diagonals); the first whose box (measured by the
    renderer) overlaps no label placed so far and covers no other point (``obstacles``,
    default the points) is kept; a label with no free place is left out (the interactive
    view shows it on zoom). Text is drawn with ``parse_math=False``: a ``$`` in a name is
    text. Labels that find no such place try again allowing points under them (never another
    label). ``reserved``: text artists already drawn (group names) that labels must not cover.
    Call after the axes limits are final. Returns the indices labelled.
    """
    fig = ax.figure
    canvas = fig.canvas
    if not hasattr(canvas, "get_renderer"):  # a bare Figure: measure text with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    to_px = ax.transData.transform
    pts = to_px(np.column_stack([x, y])) if len(x) else np.zeros((0, 2))
    obs = to_px(obstacles) if obstacles is not None and len(obstacles) else pts
    k = fig.dpi / 72.0
    gap = (marker_pt + 1.0)
    r_obs = marker_pt * 0.7 * k
    placed: list[tuple[float, float, float, float]] = []
    for t in reserved:
        b = t.get_window_extent(renderer)
        placed.append((b.x0, b.y0, b.x1, b.y1))
    bold = bold or [False] * len(texts)
    frame = ax.get_window_extent(renderer)
    d = gap * 0.75
    options = [((gap, 0), "left", "center"), ((-gap, 0), "right", "center"), ((0, gap), "center", "bottom"),
               ((0, -gap), "center", "top"), ((d, d), "left", "bottom"), ((-d, d), "right", "bottom"),
               ((d, -d), "left", "top"), ((-d, -d), "right", "top")]
    # a white box, not a stroke path effect: path effects turn SVG/PDF text into outlines, which
    # the privacy scan cannot read
    halo = {"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}

    sizes: dict[int, tuple[float, float]] = {}

    def size(i: int) -> tuple[float, float]:
        """The label's width and height in pixels, measured once by the renderer."""
        if i not in sizes:
            t = ax.text(0, 0, texts[i], fontsize=fontsize, weight="bold" if bold[i] else "normal", parse_math=False)
            bb = t.get_window_extent(renderer)
            t.remove()
            sizes[i] = (bb.width, bb.height)
        return sizes[i]

    def attempt(i: int, *, avoid_points: bool) -> bool:
        w, h = size(i)
        px, py = float(pts[i][0]), float(pts[i][1])
        for (dx, dy), ha, va in options:
            ox, oy = px + dx * k, py + dy * k  # the anchor, in pixels
            x0 = ox - (0 if ha == "left" else w if ha == "right" else w / 2) - 1
            y0 = oy - (0 if va == "bottom" else h if va == "top" else h / 2) - 1
            x1, y1 = x0 + w + 2, y0 + h + 2
            if (x0 < frame.x0 or x1 > frame.x1 or y0 < frame.y0 or y1 > frame.y1
                    or any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in placed)):
                continue
            if avoid_points and bool(((obs[:, 0] > x0 - r_obs) & (obs[:, 0] < x1 + r_obs)
                                      & (obs[:, 1] > y0 - r_obs) & (obs[:, 1] < y1 + r_obs)).any()):
                continue
            ax.annotate(texts[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                        ha=ha, va=va, zorder=3, weight="bold" if bold[i] else "normal", parse_math=False,
                        bbox=halo)
            placed.append((x0, y0, x1, y1))
            return True
        return False

    # first where a label covers no point; then, for the rest, anywhere no label is (a white
    # halo keeps them readable over the drawing)
    left = [i for i in range(len(texts)) if not attempt(i, avoid_points=True)]
    done = sorted(set(range(len(texts))) - set(left))
    done += [i for i in left if attempt(i, avoid_points=False)]
    return done


def _prominent(nodes: pd.DataFrame, *, max_labels: int) -> np.ndarray:
    """Which nodes are labelled at first sight: the top persons and places by reach (at most
    a quarter of ``max_labels`` each, reaching two children or more), then children in peer
    groups by reach, up to ``max_labels`` in all. The rest are labelled when zoomed in."""
    out = np.zeros(len(nodes), bool)
    if max_labels <= 0 or nodes.empty:
        return out
    quota = max(1, max_labels // 4)
    order = nodes.sort_values(["reach", "label"], ascending=[False, True], kind="stable")
    for kind in ("person", "location"):
        sub = order[(order["kind"] == kind) & (order["reach"] >= 2)].head(quota)
        out[nodes.index.get_indexer(sub.index)] = True
    left = max_labels - int(out.sum())
    kids = order[(order["kind"] == "child") & order["group"].notna()].head(max(left, 0))
    out[nodes.index.get_indexer(kids.index)] = True
    return out

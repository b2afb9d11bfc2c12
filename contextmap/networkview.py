"""Peer-network views: an interactive, self-contained HTML view and a static PNG/SVG.

:func:`network_view` lays out a context graph once, in Python (igraph's Fruchterman-Reingold,
seeded), and freezes it: the browser runs no physics, so 5,000 nodes open in a few seconds.
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
* Hovering a node or an edge shows its evidence (dates, relations, sources, gradings);
  filters by peer group and entity type; search by label; a legend; title bar with period and
  audience; protective-marking banners.

Safety: every string travels in one escaped JSON payload and is shown with ``textContent``
or drawn on the canvas; vis-network's HTML ``title`` tooltips are not used.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from contextmap import _html
from contextmap._errors import ConfigError
from contextmap.maps import GROUP_COLOURS, _get, _period_text, _text

__all__ = ["NetworkView", "network_view", "KIND_STYLE"]

KIND_STYLE: dict[str, dict[str, str]] = {
    "child": {"shape": "dot", "marker": "o", "color": "#9e9e9e", "label": "Child"},
    "person": {"shape": "triangle", "marker": "^", "color": "#c62828", "label": "Person of concern"},
    "location": {"shape": "square", "marker": "s", "color": "#6d4c41", "label": "Place"},
    "unknown": {"shape": "diamond", "marker": "D", "color": "#607d8b", "label": "Unresolved entity"},
}
"""Shape (vis-network and matplotlib) and colour for each node kind."""

_EDGE_STYLES = ("solid", "dashed", "e_graded")


def _is_e(item: Mapping[str, Any]) -> bool:
    ia = item.get("intelligence_assessment")
    if isinstance(ia, str):
        return ia.strip().upper() == "E"
    g = item.get("grading")
    if isinstance(g, str):
        code = g.strip().upper().replace(" ", "")
        return len(code) >= 2 and code[1] == "E"
    return False


def _layout(G: nx.Graph, seed: int) -> dict[Any, tuple[float, float]]:
    nodes = list(G.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    import igraph as ig

    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges if u != v]
    g = ig.Graph(n=n, edges=edges)
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1, 1, size=(n, 2)) * np.sqrt(n)
    # igraph draws from the Python random module: give it a private, seeded generator
    ig.set_random_number_generator(random.Random(seed))
    try:
        lay = g.layout_fruchterman_reingold(seed=start.tolist(), niter=300 if n < 2000 else 150,
                                            grid="auto")
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(lay.coords, dtype=float)
    xy -= xy.mean(axis=0)
    span = float(np.abs(xy).max()) or 1.0
    xy /= span
    return {v: (float(xy[i, 0]), float(xy[i, 1])) for i, v in enumerate(nodes)}


def _membership(groups: Any) -> tuple[dict[str, str], list[str]]:
    if groups is None:
        return {}, []
    membership = _get(groups, "membership")
    if membership is None and isinstance(groups, (pd.Series, Mapping)):
        membership = groups
    if membership is None:
        raise ConfigError(
            "Expected groups to be PeerGroups (with .membership) or a child -> group mapping, "
            f"instead got: {type(groups).__name__}"
        )
    items = membership.items()
    out = {str(k): str(v) for k, v in items if _text(v) is not None}
    table = _get(groups, "groups")
    if table is not None and "group_id" in table:
        order = [str(g) for g in table["group_id"] if str(g) in set(out.values())]
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
        ``color``, ``size``.
    edges
        One row per drawn edge: ``source``, ``target``, ``style`` (``'solid'``, ``'dashed'``
        or ``'e_graded'``), ``weight`` and ``evidence`` (list of dicts, E-graded items removed
        unless ``show_e_graded``).
    groups
        Peer-group ids in legend order, with their colours.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    groups: dict[str, str]
    title: str = "Peer network"
    period: str = ""
    audience: str = "internal"
    marking: str = "OFFICIAL-SENSITIVE"
    hidden_e_edges: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    # --- interactive --------------------------------------------------------------------

    def payload(self) -> dict:
        """The JSON-ready data the page draws."""
        nd = self.nodes
        scale = 40.0 * np.sqrt(max(len(nd), 25))  # px: dense enough to read at fit zoom
        node_rows = [
            [str(r.label), str(r.kind), r.group if isinstance(r.group, str) else None,
             int(r.reach), round(float(r.x) * scale, 1), round(float(r.y) * scale, 1),
             str(r.color), float(r.size)]
            for r in nd.itertuples(index=False)
        ]
        idx = {v: i for i, v in enumerate(nd["id"])}
        edge_rows = []
        for r in self.edges.itertuples(index=False):
            ev = [[e.get("date"), e.get("relation"), e.get("source_type"), e.get("grading"),
                   e.get("link_id") or e.get("episode_id")] for e in r.evidence]
            edge_rows.append([idx[r.source], idx[r.target], _EDGE_STYLES.index(r.style), ev])
        return {
            "meta": {"title": self.title, "period": self.period, "audience": self.audience,
                     "marking": self.marking, "hiddenE": self.hidden_e_edges},
            "kinds": {k: {"shape": v["shape"], "color": v["color"], "label": v["label"]}
                      for k, v in KIND_STYLE.items()},
            "groups": [[g, c] for g, c in self.groups.items()],
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
        p = _html.check_writable(path, overwrite=overwrite)
        p.write_text(self.html(), encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        return _html.srcdoc_iframe(self.html(), height="640px")

    # --- static -------------------------------------------------------------------------

    def figure(self, *, figsize: tuple[float, float] = (11.0, 8.5), max_labels: int = 40) -> Any:
        """A matplotlib Figure of the same layout (for print and PDF)."""
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        fig = Figure(figsize=figsize)
        ax = fig.add_axes((0.02, 0.06, 0.74, 0.86))
        ax.set_axis_off()
        nd = self.nodes.set_index("id")
        for style, ls, colour in (("solid", "-", "#555555"), ("dashed", (0, (4, 3)), "#888888"),
                                  ("e_graded", ":", "#bbbbbb")):
            sub = self.edges[self.edges["style"] == style]
            if len(sub):
                segs = [[(nd.at[s, "x"], -nd.at[s, "y"]), (nd.at[t, "x"], -nd.at[t, "y"])]
                        for s, t in zip(sub["source"], sub["target"], strict=True)]
                ax.add_collection(LineCollection(segs, colors=colour, linestyles=ls,
                                                 linewidths=0.8, zorder=1))
        for kind, st in KIND_STYLE.items():
            sub = self.nodes[self.nodes["kind"] == kind]
            if len(sub):
                ax.scatter(sub["x"], -sub["y"], s=(sub["size"] ** 2) * 0.6, c=list(sub["color"]),
                           marker=st["marker"], edgecolors="#222222", linewidths=0.5, zorder=2)
        labelled = self.nodes if len(self.nodes) <= max_labels else self.nodes.nlargest(max_labels, "reach")
        for r in labelled.itertuples(index=False):
            # parse_math=False: '$' in a name is text, never mathtext
            ax.text(r.x, -r.y, f"  {r.label}", fontsize=7, va="center", zorder=3, parse_math=False,
                    clip_on=True)
        ax.autoscale_view()
        ax.margins(0.05)
        handles = [Line2D([], [], marker=st["marker"], linestyle="", markerfacecolor=st["color"],
                          markeredgecolor="#222222", markersize=8, label=st["label"])
                   for k, st in KIND_STYLE.items() if (self.nodes["kind"] == k).any()]
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
        p = _html.check_writable(path, overwrite=overwrite)
        self.figure().savefig(p, format="png", dpi=dpi)
        return p

    def to_svg(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the static rendering as SVG."""
        p = _html.check_writable(path, overwrite=overwrite)
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
        graph built from a dataset already redacted for the audience.
    layout_seed
        Seed of the layout: same graph and seed, same picture.
    show_e_graded
        Draw edges whose only evidence is graded E (dotted grey). Off by default: E-graded
        evidence is then never written into the page.
    max_evidence
        Evidence items kept per edge for the hover text (most recent first).

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
        G = _get(G_or_analysis, "graph")
        if not isinstance(G, nx.Graph):
            raise ConfigError(
                "Expected a networkx graph or an Analysis with .graph, instead got: "
                f"{type(G_or_analysis).__name__}"
            )
        if groups is None:
            groups = _get(G_or_analysis, "peer_groups")
        if period is None:
            period = _get(G_or_analysis, "period")
    member, order = _membership(groups)
    colours = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(order)}

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
        clean = [{k: _text(e.get(k)) for k in ("date", "relation", "source_type", "grading",
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
    pos = _layout(H, layout_seed)
    kind_of = {str(n): (d.get("kind") if d.get("kind") in KIND_STYLE else "unknown")
               for n, d in G.nodes(data=True)}
    node_rows = []
    for n, d in G.nodes(data=True):
        nid = str(n)
        kind = kind_of[nid]
        nbrs = list(H.neighbors(nid))
        reach = len(nbrs) if kind == "child" else sum(1 for m in nbrs if kind_of[m] == "child")
        grp = member.get(nid) if kind == "child" else None
        colour = colours.get(grp, KIND_STYLE[kind]["color"]) if grp else KIND_STYLE[kind]["color"]
        x, y = pos.get(nid, (0.0, 0.0))
        node_rows.append({"id": nid, "label": str(d.get("label") or nid), "kind": kind,
                          "group": grp, "reach": reach, "x": x, "y": y, "color": colour,
                          "size": float(8 + 4 * np.sqrt(reach))})
    nodes = pd.DataFrame(node_rows, columns=["id", "label", "kind", "group", "reach", "x", "y",
                                             "color", "size"])
    return NetworkView(nodes=nodes, edges=edges, groups=colours, title=str(title),
                       period=_period_text(period), audience=str(audience), marking=str(marking),
                       hidden_e_edges=hidden)

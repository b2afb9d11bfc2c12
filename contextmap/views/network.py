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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.files import check_writable
from contextmap.graph import induced_edges
from contextmap.schema import is_e_graded
from contextmap.views import html as _html
from contextmap.views.html import field_of, period_text, text_or_none
from contextmap.views.maps import GROUP_COLOURS

__all__ = ["NetworkView", "network_view", "KIND_STYLE", "NEW_COLOUR", "node_kind", "place_labels"]

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
"""The ring drawn round anything new since the previous pack (view, pictures, legend)."""


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


def _fr(n: int, edges: list[tuple[int, int]], seed: int, *, start: np.ndarray | None = None,
        bounds: dict[str, list[float]] | None = None, niter: int = 300) -> np.ndarray:
    """igraph's Fruchterman-Reingold with a private, seeded random generator."""
    import igraph as ig

    g = ig.Graph(n=n, edges=edges)
    if start is None:
        start = np.random.default_rng(seed).uniform(-1, 1, size=(n, 2)) * np.sqrt(n)
    # igraph draws from the Python random module: give it a private, seeded generator
    ig.set_random_number_generator(random.Random(seed))
    try:
        lay = g.layout_fruchterman_reingold(seed=start.tolist(), niter=niter, grid="auto",
                                            **(bounds or {}))
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(lay.coords, dtype=float)


def _block(nodes: list[str], H: nx.Graph, seed: int) -> np.ndarray:
    """A compact layout of one block, centred, in a disc of radius ~0.6 sqrt(n) (unit spacing)."""
    n = len(nodes)
    if n == 1:
        return np.zeros((1, 2))
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in induced_edges(H, nodes)]
    xy = _fr(n, edges, seed, niter=300 if n < 2000 else 150)
    xy -= xy.mean(axis=0)
    span = float(np.sqrt((xy ** 2).sum(axis=1)).max()) or 1.0
    return xy / span * _radius(n)


def _radius(n: int) -> float:
    return 0.5 if n == 1 else 0.75 * np.sqrt(n)


def _pack(radii: np.ndarray, pad: float) -> np.ndarray:
    """Greedy circle packing, largest first: each disc at the first free point of a Vogel spiral."""
    k = len(radii)
    centres = np.zeros((k, 2))
    if k <= 1:
        return centres
    step = max(float(np.median(radii)) * 0.35, 0.25)
    golden = np.pi * (3 - np.sqrt(5))
    placed: list[int] = [0]
    extent = float(radii[0])
    for i in range(1, k):
        r = float(radii[i])
        P = centres[placed]
        need = radii[placed] + r + pad
        limit = extent + r + pad + step
        m = int((limit / step) ** 2) + 8
        j = np.arange(m)
        cand = np.column_stack([step * np.sqrt(j) * np.cos(j * golden), step * np.sqrt(j) * np.sin(j * golden)])
        ok = np.ones(m, bool)
        for c in range(0, len(P), 256):  # chunks keep the distance matrix small
            d = np.sqrt(((cand[:, None, :] - P[None, c:c + 256, :]) ** 2).sum(axis=2))
            ok &= (d >= need[None, c:c + 256]).all(axis=1)
        hit = np.flatnonzero(ok)
        centres[i] = cand[hit[0]] if len(hit) else (limit + r, 0.0)
        extent = max(extent, float(np.hypot(*centres[i])) + r)
        placed.append(i)
    return centres


_LABEL_GAP = 0.6
"""Half-width (radians) of the arc above each group's disc kept clear for the group's name."""


def _group_counts(v: str, H: nx.Graph, kind_of: Mapping[str, str], member: Mapping[str, str]) -> dict[str, int]:
    """Children of each peer group linked to ``v``."""
    out: dict[str, int] = {}
    for m in H.neighbors(v):
        if kind_of[m] == "child" and m in member:
            out[member[m]] = out.get(member[m], 0) + 1
    return out


def _split_shared(links: Mapping[str, Mapping[str, int]], *, n_groups: int) -> tuple[list[str], list[str], list[str]]:
    """Split persons and places linked to several groups into (attached, hubs, between).

    * hubs: linked to many groups (at least ``max(4, n_groups / 3)``), or to three or more with
      no group holding 60 % of the linked children: stations, shopping centres.
    * attached: at least 60 % of the linked children are in one group (its main group).
    * between: the rest (two groups, near evenly).
    """
    attached: list[str] = []
    hubs: list[str] = []
    between: list[str] = []
    many = max(4, int(np.ceil(n_groups / 3)))
    for v, c in links.items():
        share = max(c.values()) / sum(c.values())
        if len(c) >= many or (len(c) >= 3 and share < 0.6):
            hubs.append(v)
        elif share >= 0.6:
            attached.append(v)
        else:
            between.append(v)
    return attached, hubs, between


def _main_group(c: Mapping[str, int]) -> str:
    return min(c, key=lambda g: (-c[g], g))


def _place_attached(attached: list[str], links: Mapping[str, Mapping[str, int]],
                    discs: Mapping[str, tuple[float, float, float]]) -> dict[str, np.ndarray]:
    """Each node just outside its main group's disc, on the side facing the other groups it
    links to; slots one unit apart on rings round the disc, the arc above the disc (where the
    group's name is drawn, y up is negative) left clear."""
    out: dict[str, np.ndarray] = {}
    by_group: dict[str, list[tuple[float, str]]] = {}
    for v in attached:
        c = links[v]
        g = _main_group(c)
        cx, cy, _ = discs[g]
        pull = np.zeros(2)
        for h, k in c.items():
            if h != g:
                d = np.array(discs[h][:2]) - (cx, cy)
                pull += k * d / (np.hypot(*d) or 1.0)
        by_group.setdefault(g, []).append((float(np.arctan2(pull[1], pull[0])), v))
    top = -np.pi / 2
    for g, items in by_group.items():
        cx, cy, r = discs[g]
        items.sort(key=lambda t: (-sum(links[t[1]].values()), t[1]))  # biggest first: best slots
        taken: list[set[int]] = []
        for want, v in items:
            ring = 0
            while True:
                R = r * 1.1 + 1.0 + 1.2 * ring
                m = max(6, int(2 * np.pi * R / 1.2))
                angles = -np.pi + 2 * np.pi * np.arange(m) / m
                clear = np.abs(np.angle(np.exp(1j * (angles - top)))) > _LABEL_GAP
                if len(taken) <= ring:
                    taken.append(set())
                free = [j for j in range(m) if clear[j] and j not in taken[ring]]
                if free:
                    j = min(free, key=lambda j: abs(np.angle(np.exp(1j * (angles[j] - want)))))
                    taken[ring].add(j)
                    out[v] = np.array([cx + R * np.cos(angles[j]), cy + R * np.sin(angles[j])])
                    break
                ring += 1
    return out


def _push_out(xy: np.ndarray, discs: Mapping[str, tuple[float, float, float]], *, gap: float = 1.0) -> np.ndarray:
    """Move points out of every group's disc (radius + ``gap``), radially."""
    if not discs:
        return xy
    D = np.array(list(discs.values()))
    for _ in range(3):
        d = xy[:, None, :] - D[None, :, :2]
        dist = np.sqrt((d ** 2).sum(axis=2)) + 1e-9
        inside = dist < D[None, :, 2] + gap
        for i, j in zip(*np.nonzero(inside), strict=True):
            xy[i] = D[j, :2] + d[i, j] / dist[i, j] * (D[j, 2] + gap)
    return xy


def _place_between(between: list[str], pos: Mapping[str, np.ndarray], H: nx.Graph,
                   discs: Mapping[str, tuple[float, float, float]], seed: int) -> dict[str, np.ndarray]:
    """Free nodes laid out with everything else held fixed (so they cannot pull groups
    together), then moved out of any group's disc."""
    allv = list(pos) + between
    index = {v: i for i, v in enumerate(allv)}
    rng = np.random.default_rng(seed)
    start = np.zeros((len(allv), 2))
    for v, i in index.items():
        if v in pos:
            start[i] = pos[v]
    for v in between:
        near = [pos[m] for m in H.neighbors(v) if m in pos]
        start[index[v]] = (np.mean(near, axis=0) if near else 0.0) + rng.normal(0, 0.5, 2)
    big = 1e6
    lo = start.copy()
    hi = start.copy()
    free = [index[v] for v in between]
    lo[free] = -big
    hi[free] = big
    edges = [(index[u], index[v]) for u, v in induced_edges(H, allv)]
    xy = _fr(len(allv), edges, seed, start=start, niter=200,
             bounds={"minx": lo[:, 0].tolist(), "maxx": hi[:, 0].tolist(),
                     "miny": lo[:, 1].tolist(), "maxy": hi[:, 1].tolist()})
    sxy = _push_out(xy[free], discs)
    return dict(zip(between, sxy, strict=True))


def _place_hubs(hubs: list[str], links: Mapping[str, Mapping[str, int]], pos: Mapping[str, np.ndarray],
                discs: Mapping[str, tuple[float, float, float]], H: nx.Graph) -> dict[str, np.ndarray]:
    """Hubs on a ring outside everything placed so far, each at the angle of the (weighted)
    centre of the groups it links to, at least 4 units apart along the ring (room for labels)."""
    xy = np.array(list(pos.values())) if pos else np.zeros((1, 2))
    centre = xy.mean(axis=0)
    R = float(np.hypot(*(xy - centre).T).max()) + 2.5
    want = []
    for v in hubs:
        c = links[v]
        p = sum(k * (np.array(discs[g][:2]) - centre) for g, k in c.items() if g in discs)
        if not isinstance(p, np.ndarray) or np.hypot(*p) < 1e-6:
            near = [pos[m] - centre for m in H.neighbors(v) if m in pos]
            p = np.mean(near, axis=0) if near else np.array([1.0, 0.0])
        want.append((float(np.arctan2(p[1], p[0])), v))
    want.sort()
    gap = 4.0
    step = gap / R
    if step * len(want) > 2 * np.pi:  # more hubs than fit: widen the ring
        R = gap * len(want) / (2 * np.pi)
        step = gap / R
    out: dict[str, np.ndarray] = {}
    prev = -np.inf
    first = None
    for a, v in want:
        a = max(a, prev + step)
        if first is not None and a > first + 2 * np.pi - step:
            a = first + 2 * np.pi - step  # crowded: squeeze rather than overlap the first
        if first is None:
            first = a
        prev = a
        out[v] = centre + R * np.array([np.cos(a), np.sin(a)])
    return out


def _group_layout(H: nx.Graph, kind_of: Mapping[str, str], member: Mapping[str, str],
                  order: list[str], seed: int) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float, float]]]:
    """Group-aware frozen layout.

    Each peer group (its children and the persons and places linked to its children only) is
    laid out compactly in its own disc; the discs are packed, largest first, from the centre.
    Ungrouped entities (components away from any group) sit around the edge. Persons and places
    shared by children of several groups are placed last, with the rest held fixed, so a shared
    hub cannot pull the groups together: one whose linked children are mostly (60 %) in one
    group sits just outside that group's disc, on the side facing the other groups, never over
    the group's name; a hub linked to many groups goes on a ring outside everything; one split
    between two groups is laid out between them, out of both discs.

    Returns positions scaled to [-1, 1] and each group's (x, y, radius) on the same scale.
    """
    nodes = list(H.nodes)
    if not nodes:
        return {}, {}
    home: dict[str, str | None] = {}
    shared: list[str] = []
    for v in nodes:
        if kind_of[v] == "child":
            home[v] = member.get(v)
            continue
        gs = {member[m] for m in H.neighbors(v) if kind_of[m] == "child" and m in member}
        if len(gs) == 1:
            home[v] = next(iter(gs))
        elif len(gs) > 1:
            shared.append(v)
        else:
            home[v] = None
    blocks: list[tuple[str | None, list[str]]] = []
    for g in order:
        vs = [v for v in nodes if home.get(v, "") == g]
        if vs:
            blocks.append((g, vs))
    loose = [v for v in nodes if v in home and home[v] is None]
    small: list[list[str]] = []
    for comp in sorted(nx.connected_components(H.subgraph(loose)), key=lambda c: (-len(c), min(c))):
        comp = sorted(comp)
        if blocks and len(comp) < 12:
            small.append(comp)
        else:  # a big ungrouped cluster (or no groups at all) is packed like a group
            blocks.append((None, comp))
    pos: dict[str, np.ndarray] = {}
    group_disc: dict[str, tuple[float, float, float]] = {}
    if blocks:
        blocks.sort(key=lambda b: (b[0] is None, -len(b[1])))
        radii = np.array([_radius(len(vs)) for _, vs in blocks])
        # room between the groups for the persons and places they share
        pad = 2.5 + 1.2 * np.sqrt(len(shared) / len(blocks))
        centres = _pack(radii, pad)
        for (block_group, vs), c, r, s in zip(blocks, centres, radii, range(len(blocks)), strict=True):
            xy = _block(vs, H, seed + s) + c
            pos.update(zip(vs, xy, strict=True))
            if block_group is not None:
                group_disc[block_group] = (float(c[0]), float(c[1]), float(r))
        extent = float(max(np.hypot(*c) + r for c, r in zip(centres, radii, strict=True)))
    else:
        extent = 0.0
    # small ungrouped components on rings around the edge, each near what it links to
    if small:
        def angle(comp: list[str]) -> float:
            near = [pos[m] for v in comp for m in H.neighbors(v) if m in pos]
            if not near:
                return 10.0 + len(comp)  # unattached: after the attached ones
            a = np.mean(near, axis=0)
            return float(np.arctan2(a[1], a[0]))
        small.sort(key=angle)
        ring = extent + 2.0
        theta = -np.pi
        width = 0.0
        for s, comp in enumerate(small):
            r = _radius(len(comp))
            arc = (2 * r + 1.2) / ring
            if theta + arc > np.pi:
                ring += 2 * width + 1.5
                theta, width = -np.pi, 0.0
                arc = (2 * r + 1.2) / ring
            rr = ring + r
            c = np.array([rr * np.cos(theta + arc / 2), rr * np.sin(theta + arc / 2)])
            xy = _block(comp, H, seed + 1000 + s) + c
            pos.update(zip(comp, xy, strict=True))
            theta += arc
            width = max(width, r)
    # shared persons and places, in three kinds (see _split_shared)
    links = {v: _group_counts(v, H, kind_of, member) for v in shared}
    attached, hubs, between = _split_shared(links, n_groups=len(group_disc))
    if attached:
        pos.update(_place_attached(attached, links, group_disc))
    # split evenly between two groups: free, everything else fixed, out of every disc
    if between:
        pos.update(_place_between(between, pos, H, group_disc, seed))
    # hubs (linked to many groups): on a ring outside everything, towards their groups
    if hubs:
        pos.update(_place_hubs(hubs, links, pos, group_disc, H))
    xy = np.array([pos[v] for v in nodes])
    centre = xy.mean(axis=0)
    xy -= centre
    span = float(np.abs(xy).max()) or 1.0
    out = {v: (float(xy[i, 0] / span), float(xy[i, 1] / span)) for i, v in enumerate(nodes)}
    discs = {g: ((x - centre[0]) / span, (y - centre[1]) / span, r / span) for g, (x, y, r) in group_disc.items()}
    return out, discs


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
        ``color``, ``size`` and ``prominent`` (labelled at first sight).
    edges
        One row per drawn edge: ``source``, ``target``, ``style`` (``'solid'``, ``'dashed'``
        or ``'e_graded'``), ``weight`` and ``evidence`` (list of dicts, E-graded items removed
        unless ``show_e_graded``).
    groups
        Peer-group ids in legend order, with their colours.
    group_discs
        Each peer group's region in the layout: centre ``x``, ``y`` and radius, on the scale
        of the node positions.
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

    def _kind_label(self, kind: str) -> str:
        return str(self.meta.get("kind_words", {}).get(kind, KIND_STYLE[kind]["label"]))

    # --- interactive --------------------------------------------------------------------

    def payload(self) -> dict:
        """The JSON-ready data the page draws."""
        nd = self.nodes
        scale = 90.0 * np.sqrt(max(len(nd), 25))  # px: groups are compact; room for node sizes
        node_rows = [
            [str(r.label), str(r.kind), r.group if isinstance(r.group, str) else None,
             int(r.reach), round(float(r.x) * scale, 1), round(float(r.y) * scale, 1),
             str(r.color), float(r.size), int(bool(r.prominent)), str(getattr(r, "new", "") or ""),
             int(getattr(r, "mentions", 0) or 0)]
            for r in nd.itertuples(index=False)
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
                     "marking": self.marking, "hiddenE": self.hidden_e_edges, "newColour": NEW_COLOUR},
            "kinds": {k: {"shape": v["shape"], "color": v["color"], "label": self._kind_label(k)}
                      for k, v in KIND_STYLE.items()},
            "groups": [[g, c, *[round(float(t) * scale, 1) for t in self.group_discs.get(g, (0, 0, 0))],
                        int((nd["group"] == g).sum())] for g, c in self.groups.items()],
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
        place_labels(ax, x=labelled["x"].to_numpy(float), y=-labelled["y"].to_numpy(float),
                     texts=[str(t) for t in labelled["label"]],
                     bold=[k != "child" for k in labelled["kind"]], fontsize=6,
                     obstacles=np.column_stack([self.nodes["x"].to_numpy(float), -self.nodes["y"].to_numpy(float)]),
                     reserved=names)
        handles = [Line2D([], [], marker=st["marker"], linestyle="", markerfacecolor=st["color"],
                          markeredgecolor="#222222", markersize=8, label=self._kind_label(k))
                   for k, st in KIND_STYLE.items() if (self.nodes["kind"] == k).any()]
        if len(fresh):
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                                  markeredgecolor=NEW_COLOUR, markeredgewidth=1.6, markersize=10,
                                  label="New since the previous pack"))
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
    pos, discs = _group_layout(H, kind_of, member, order, layout_seed)
    node_rows = []
    for n, d in G.nodes(data=True):
        nid = str(n)
        kind = kind_of[nid]
        nbrs = list(H.neighbors(nid))
        # an unconfirmed mention reaches no one: it is drawn small, never counted as reach
        reach = (len(nbrs) if kind == "child" else 0 if kind == "provisional"
                 else sum(1 for m in nbrs if kind_of[m] == "child"))
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
    kind_words = {k: (words("kinds", k) if words is not None else st["label"]) for k, st in KIND_STYLE.items()}
    return NetworkView(nodes=nodes, edges=edges, groups=colours, title=str(title),
                       period=period_text(period), audience=str(audience), marking=str(marking),
                       hidden_e_edges=hidden, group_discs=discs, meta={"kind_words": kind_words})


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

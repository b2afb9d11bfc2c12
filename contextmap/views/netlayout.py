"""The peer-network view's layout: group-aware, seeded, frozen (computed once, in Python).

Each peer group (its children and the persons and places linked to its children only) is laid
out compactly (igraph's Fruchterman-Reingold) in its own disc; discs are packed largest first
from the centre; persons and places shared by several groups are placed last, with everything
else held fixed, so a hub cannot pull the groups together; small ungrouped components go on
rings around everything. :func:`group_layout` does it all; see its docstring and
``docs/views.md``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

from contextmap.graph import induced_edges

__all__ = ["group_layout"]


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


def group_layout(H: nx.Graph, kind_of: Mapping[str, str], member: Mapping[str, str],
                  order: list[str], seed: int, *, shown: Sequence[str] = ()
                  ) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float, float]],
                             dict[str, tuple[float, float]]]:
    """Group-aware frozen layout.

    Each peer group (its children and the persons and places linked to its children only) is
    laid out compactly in its own disc; the discs are packed, largest first, from the centre.
    Ungrouped entities (components away from any group) sit around the edge. Persons and places
    shared by children of several groups are placed last, with the rest held fixed, so a shared
    hub cannot pull the groups together: one whose linked children are mostly (60 %) in one
    group sits just outside that group's disc, on the side facing the other groups, never over
    the group's name; a hub linked to many groups goes on a ring outside the groups; one split
    between two groups is laid out between them, out of both discs. Small ungrouped components
    go on rings outside all that (so with them hidden the groups and what links them fill the
    view).

    Returns positions scaled to [-1, 1], each group's (x, y, radius) on the same scale, and
    where the hubs and ungrouped nodes among ``shown`` go when groups are collapsed and the
    ungrouped are hidden: on a ring just outside the groups (not beyond the ungrouped rings).
    """
    nodes = list(H.nodes)
    if not nodes:
        return {}, {}, {}
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
    # shared persons and places, in three kinds (see _split_shared)
    links = {v: _group_counts(v, H, kind_of, member) for v in shared}
    attached, hubs, between = _split_shared(links, n_groups=len(group_disc))
    if attached:
        pos.update(_place_attached(attached, links, group_disc))
    # split evenly between two groups: free, everything else fixed, out of every disc
    if between:
        pos.update(_place_between(between, pos, H, group_disc, seed))
    # hubs (linked to many groups): on a ring outside the groups, towards their groups
    if hubs:
        pos.update(_place_hubs(hubs, links, pos, group_disc, H))
    # the collapsed view: hubs and ungrouped nodes still in sight on a ring round the groups
    outside = set(hubs) | {v for comp in small for v in comp}
    ring_nodes = [v for v in shown if v in outside]
    core = {v: xy for v, xy in pos.items() if v not in outside}
    near = _place_hubs(ring_nodes, {v: links.get(v, {}) for v in ring_nodes}, core, group_disc, H) if ring_nodes else {}
    # small ungrouped components on rings around everything, each near what it links to
    if small:
        def angle(comp: list[str]) -> float:
            near = [pos[m] for v in comp for m in H.neighbors(v) if m in pos]
            if not near:
                return 10.0 + len(comp)  # unattached: after the attached ones
            a = np.mean(near, axis=0)
            return float(np.arctan2(a[1], a[0]))
        small.sort(key=angle)
        placed = np.array(list(pos.values())) if pos else np.zeros((1, 2))
        ring = max(extent, float(np.hypot(*placed.T).max())) + 2.0
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
    xy = np.array([pos[v] for v in nodes])
    centre = xy.mean(axis=0)
    xy -= centre
    span = float(np.abs(xy).max()) or 1.0
    out = {v: (float(xy[i, 0] / span), float(xy[i, 1] / span)) for i, v in enumerate(nodes)}
    discs = {g: ((x - centre[0]) / span, (y - centre[1]) / span, r / span) for g, (x, y, r) in group_disc.items()}
    collapsed = {v: (float((p[0] - centre[0]) / span), float((p[1] - centre[1]) / span)) for v, p in near.items()}
    return out, discs, collapsed

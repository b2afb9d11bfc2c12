"""The children projection: which children are bound to which, by what, as arrays.

Two children are a pair when a link joins them directly, when they share a person of
concern, or when both were at a place within ``graph.co_location_days`` of each other
(:func:`children_projection` says how each binding is weighted). :class:`ChildPairs` holds the
pairs as arrays, as peer groups read them; :func:`child_pairs` reads them from a context graph
(:mod:`contextmap.graph`), and an :class:`~contextmap.graph.AnalysisContext` from the edge table
it kept while building its graph (the same pairs in the same order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from contextmap.settings import Settings

__all__ = ["ChildPairs", "GraphEdges", "child_pairs", "child_pairs_of_table", "children_projection"]

PERSON_WEIGHT, PLACE_WEIGHT, DIRECT_WEIGHT = 1.0, 0.5, 1.0
"""The default scales of a shared person's, a shared place's and a direct link's binding
(:func:`children_projection`); the context's projection uses them."""

_FIELDS = ("direct", "persons", "places")  # the order a pair's bindings are summed in


@dataclass
class ChildPairs:
    """The children projection as arrays (:func:`child_pairs`): what the peer groups read,
    without a networkx graph of every pair (:meth:`to_networkx` builds that one).

    Attributes
    ----------
    nodes
        The children, in the context graph's node order.
    a, b
        Each pair's two children (positions in ``nodes``, ``a < b``), sorted by ``(a, b)``.
    weight
        Each pair's binding weight.
    direct
        Whether a link joins the pair directly.
    via_pair, via_field, via_id
        One row per person (``via_field`` 1) or place (2) binding a pair (``via_pair``: the
        pair's position), sorted by pair, field and the via's position in the graph.
    """

    nodes: list
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    direct: np.ndarray
    via_pair: np.ndarray
    via_field: np.ndarray
    via_id: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    def vias(self, field: str) -> dict[int, list]:
        """Pair position -> the persons (``field='persons'``) or places binding it, in order."""
        rows = np.flatnonzero(self.via_field == _FIELDS.index(field))
        g = self.via_pair[rows]
        cut = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]).tolist() + [len(rows)] if len(rows) else [0]
        vals = self.via_id[rows].tolist()
        return {int(g[lo]): vals[lo:hi] for lo, hi in zip(cut[:-1], cut[1:], strict=True)}

    def to_networkx(self, G: nx.Graph) -> nx.Graph:
        """The projection as a networkx graph: every child of ``G`` (with its attributes), an
        edge per pair with ``weight``, ``direct``, ``persons`` and ``places``."""
        H = nx.Graph()
        H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if d.get("kind") == "child")
        persons, places = self.vias("persons"), self.vias("places")
        xs = [self.nodes[i] for i in self.a.tolist()]
        ys = [self.nodes[i] for i in self.b.tolist()]
        w, direct = self.weight.tolist(), self.direct.tolist()
        H.add_edges_from(
            (xs[k], ys[k], {"weight": w[k], "direct": direct[k], "persons": persons.get(k, []),
                            "places": places.get(k, [])})
            for k in range(len(xs))
        )
        return H


def children_projection(
    G: nx.Graph,
    *,
    co_location_days: float | None = None,
    settings: Settings | None = None,
    person_weight: float = PERSON_WEIGHT,
    place_weight: float = PLACE_WEIGHT,
    direct_weight: float = DIRECT_WEIGHT,
) -> nx.Graph:
    """Project the context graph onto children: who is linked to whom, and through what.

    Two children are joined when (1) a link joins them directly (weight ``direct_weight *
    w``), (2) they share a person (``person_weight * min(w1, w2) / (k - 1)`` for a person
    linked to ``k`` children, so a person in touch with many children binds each pair less;
    provisional persons, RHI mentions that matched no record, do not bind), or (3) they were at the same place within ``co_location_days`` of each other
    (``place_weight * min(w1, w2) / (k - 1)`` for ``k`` children at the place in the period).
    Edge attributes ``direct``, ``persons`` and ``places`` list what binds the pair.
    (:func:`child_pairs` gives the same as arrays.)

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.graph import children_projection
    >>> G = nx.Graph()
    >>> G.add_nodes_from(["C1", "C2"], kind="child"); G.add_node("P1", kind="person")
    >>> G.add_edge("C1", "P1", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> G.add_edge("C2", "P1", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> sorted(children_projection(G)["C1"]["C2"]["persons"])
    ['P1']
    """
    return child_pairs(G, co_location_days=co_location_days, settings=settings, person_weight=person_weight,
                       place_weight=place_weight, direct_weight=direct_weight).to_networkx(G)


def child_pairs(
    G: nx.Graph,
    *,
    co_location_days: float | None = None,
    settings: Settings | None = None,
    person_weight: float = PERSON_WEIGHT,
    place_weight: float = PLACE_WEIGHT,
    direct_weight: float = DIRECT_WEIGHT,
) -> ChildPairs:
    """The children projection of :func:`children_projection` as arrays (:class:`ChildPairs`).

    Nodes are numbered in the graph's order and every step works on those numbers; a pair's
    weight is the sum of its bindings in the order direct link, persons, places (each in the
    graph's node order).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_nodes_from(["C1", "C2"], kind="child"); G.add_node("P1", kind="person")
    >>> G.add_edge("C1", "P1", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> G.add_edge("C2", "P1", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> p = child_pairs(G)
    >>> p.nodes, p.a.tolist(), p.b.tolist(), p.weight.tolist(), p.vias("persons")
    (['C1', 'C2'], [0], [1], [1.0], {0: ['P1']})
    """
    days = (settings or Settings()).graph.co_location_days if co_location_days is None else co_location_days
    index = {n: i for i, n in enumerate(G.nodes)}
    kinds = dict(G.nodes(data="kind"))
    direct_rows, ref_rows, visit_rows, visit_days = [], [], [], []
    # a provisional person (an RHI mention that matched no record, often a bare first name) is
    # not evidence that binds two children: it is kept in the graph for the record but left
    # out of the projection
    attrs = G.nodes
    provisional = {n for n, k in kinds.items() if k == "person" and attrs[n].get("provisional", False)}
    seen: set = set()
    # every edge once, in G.edges' order (the adjacency read directly: a third of the time)
    for u, nbrs in G._adj.items():
        ku = kinds.get(u)
        iu = index[u]
        for v, d in nbrs.items():
            if v in seen:
                continue
            kv = kinds.get(v)
            if ku == "child":
                if kv == "child":
                    direct_rows.append((iu, index[v], d["weight"]))
                    continue
                o, ko, ic = v, kv, iu
            elif kv == "child":
                o, ko, ic = u, ku, index[v]
            else:
                continue
            if ko == "person":
                if o not in provisional:
                    ref_rows.append((index[o], ic, d["weight"]))
            elif ko == "location":
                io, w = index[o], d["weight"]
                for item in d["evidence"]:
                    visit_rows.append((io, ic, w))
                    visit_days.append(item["date"])
        seen.add(u)
    direct = tuple(np.array(x) for x in zip(*direct_rows, strict=True)) if direct_rows else None
    refs = tuple(np.array(x) for x in zip(*ref_rows, strict=True)) if ref_rows else None
    visits = None
    if visit_rows:
        via, child, w = (np.array(x) for x in zip(*visit_rows, strict=True))
        day = pd.to_datetime(pd.Series(visit_days, dtype=object)).to_numpy("datetime64[D]").astype(np.int64)
        visits = (via, child, w, day)
    return _pairs_of(index, kinds, direct, refs, visits, days=days, person_weight=person_weight,
                     place_weight=place_weight, direct_weight=direct_weight)


def _pairs_of(index: dict, kinds: dict, peer: tuple | None, refs: tuple | None, visits: tuple | None, *,
              days: float, person_weight: float, place_weight: float, direct_weight: float) -> ChildPairs:
    """:class:`ChildPairs` of the edges read from the graph: ``peer`` (child, child, weight),
    ``refs`` (person, child, weight), ``visits`` (place, child, weight, day as an integer),
    each as arrays of graph positions in the graph's edge order."""
    parts: list[tuple] = []  # (child, child, weight, via: graph positions; field: 0 direct, 1 persons, 2 places)
    if peer is not None:
        da, db, dw = peer
        parts.append((da, db, dw.astype(float) * direct_weight, np.full(len(da), -1), 0))
    if refs is not None:
        via, child, w = refs
        parts.append((*_shared(via, child, w.astype(float), person_weight), 1))
    if visits is not None:
        via, child, w, day = visits
        parts.append((*_co_located(via, child, day, w.astype(float), days, place_weight), 2))
    children = [n for n, k in kinds.items() if k == "child"]
    child_pos = np.full(len(index), -1, dtype=np.int64)
    child_pos[[index[n] for n in children]] = np.arange(len(children))
    parts = [p for p in parts if len(p[0])]
    empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
    if not parts:
        return ChildPairs(children, empty_i, empty_i, empty_f, np.zeros(0, bool), empty_i, empty_i,
                          np.zeros(0, dtype=object))
    ga = np.concatenate([p[0] for p in parts]).astype(np.int64)
    gb = np.concatenate([p[1] for p in parts]).astype(np.int64)
    w = np.concatenate([p[2] for p in parts]).astype(float)
    gv = np.concatenate([p[3] for p in parts]).astype(np.int64)
    field = np.concatenate([np.full(len(p[0]), p[4], dtype=np.int64) for p in parts])
    ia, ib = np.minimum(ga, gb), np.maximum(ga, gb)
    order = np.lexsort((gv, field, ib, ia))  # pair, then direct / persons / places, then the via
    ia, ib, w, gv, field = ia[order], ib[order], w[order], gv[order], field[order]
    change = np.r_[True, (ia[1:] != ia[:-1]) | (ib[1:] != ib[:-1])]
    gid = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    total = pd.Series(w).groupby(gid, sort=True).sum().to_numpy(float)  # pandas' (compensated) sum
    direct = np.zeros(len(starts), dtype=bool)
    direct[gid[field == 0]] = True
    vias = field > 0
    nodes = np.array(list(index), dtype=object)
    return ChildPairs(children, child_pos[ia[starts]], child_pos[ib[starts]], total, direct, gid[vias],
                      field[vias], nodes[gv[vias]])


@dataclass
class GraphEdges:
    """The edges of a graph :func:`~contextmap.graph.graph_from_dataset` built, as arrays in
    ``G.edges``' order (read from the edge table kept while building it, not from the graph).

    ``G.edges`` walks the nodes in order and, at each, the neighbours not walked yet in the
    order their edges were added: an edge comes at its first end's turn (the end added to
    the graph first), and the edges of one node in the order they were added.

    Attributes
    ----------
    nodes
        The graph's nodes, in order.
    first, second
        Each edge's two ends as positions in ``nodes``, as ``G.edges`` gives them.
    order
        Each edge's position in the table (the order the edges were added).
    """

    nodes: list
    first: np.ndarray
    second: np.ndarray
    order: np.ndarray

    @classmethod
    def of_table(cls, G: nx.Graph, table: dict[str, Any]) -> GraphEdges:
        nodes = list(G.nodes)
        lookup = pd.Index(nodes, dtype=object)
        pu = lookup.get_indexer(table["u"])
        pv = lookup.get_indexer(table["v"])
        lo = np.minimum(pu, pv)
        order = np.lexsort((np.arange(len(pu)), lo))
        first = lo[order]
        second = np.where(pu[order] == first, pv[order], pu[order])
        return cls(nodes, first, second, order)


def child_pairs_of_table(G: nx.Graph, table: dict[str, Any], *, settings: Settings | None = None,
                          edges: GraphEdges | None = None) -> ChildPairs:
    """:func:`child_pairs` of the graph :func:`~contextmap.graph._add_edges` built, from the
    edge table it kept (``edges``: :meth:`GraphEdges.of_table`, when already made): the same
    rows in the same order, read as arrays (a Python step per edge and per place visit took
    1 s at 100,000 episodes)."""
    days = (settings or Settings()).graph.co_location_days
    e = GraphEdges.of_table(G, table) if edges is None else edges
    nodes, first, second, order = e.nodes, e.first, e.second, e.order
    index = {n: i for i, n in enumerate(nodes)}
    kinds = dict(G.nodes(data="kind"))
    kind_at = np.array([kinds.get(n) for n in nodes], dtype=object)
    is_child = kind_at == "child"
    prov = np.array([kinds.get(n) == "person" and bool(G.nodes[n].get("provisional", False)) for n in nodes],
                    dtype=bool)
    w = table["weight"][order]
    c1, c2 = is_child[first], is_child[second]
    both = c1 & c2
    one = c1 ^ c2
    kid = np.where(c1, first, second)
    other = np.where(c1, second, first)
    other_kind = kind_at[other]
    ref = one & (other_kind == "person") & ~prov[other]
    visit = one & (other_kind == "location")
    direct = (first[both], second[both], w[both]) if both.any() else None
    refs = (other[ref], kid[ref], w[ref]) if ref.any() else None
    visits = None
    if visit.any():
        # each visit edge's evidence rows, in their order
        starts = table["starts"]
        at = order[visit]
        n_items = starts[at + 1] - starts[at]
        rows = np.repeat(starts[at] - np.cumsum(np.r_[0, n_items[:-1]]), n_items) + np.arange(int(n_items.sum()))
        texts = table["day_texts"]
        text_days = pd.to_datetime(pd.Series(texts, dtype=object)).to_numpy("datetime64[D]").astype(np.int64)
        visits = (np.repeat(other[visit], n_items), np.repeat(kid[visit], n_items), np.repeat(w[visit], n_items),
                  text_days[table["day"][rows]])
    return _pairs_of(index, kinds, direct, refs, visits, days=days, person_weight=PERSON_WEIGHT,
                     place_weight=PLACE_WEIGHT, direct_weight=DIRECT_WEIGHT)


def _shared(via: np.ndarray, child: np.ndarray, w: np.ndarray, scale: float) -> tuple[np.ndarray, ...]:
    """Pairs of children sharing a person: ``scale * min(w1, w2) / (k - 1)``."""
    order = np.argsort(via, kind="stable")
    via, child, w = via[order], child[order], w[order]
    start = np.flatnonzero(np.r_[True, via[1:] != via[:-1]])
    size = np.diff(np.r_[start, len(via)])
    k = np.repeat(size, size)
    # every ordered pair (i, j), i < j, within each person's block of children
    reps = k - (np.arange(len(via)) - np.repeat(start, size)) - 1  # later rows in the block
    i = np.repeat(np.arange(len(via)), reps)
    j = i + 1 + (np.arange(len(i)) - np.repeat(np.cumsum(reps) - reps, reps))
    out_w = scale * np.minimum(w[i], w[j]) / (k[i] - 1)
    return child[i], child[j], out_w, via[i]


def _co_located(via: np.ndarray, child: np.ndarray, day: np.ndarray, w: np.ndarray, days: float,
                scale: float) -> tuple[np.ndarray, ...]:
    """Pairs of children seen at one place within ``days`` of each other (vectorised sweep):
    ``scale * min(w1, w2) / (k - 1)`` for ``k`` children at the place."""
    order = np.lexsort((day, via))
    via, child, day, w = via[order], child[order], day[order], w[order]
    found_a, found_b, found_p = [], [], []
    n = len(via)
    for off in range(1, n):
        same = (via[off:] == via[:-off]) & (day[off:] - day[:-off] <= days)
        if not same.any():
            break
        idx = np.flatnonzero(same)
        ca, cb = child[idx], child[idx + off]
        ok = ca != cb
        found_a.append(ca[ok])
        found_b.append(cb[ok])
        found_p.append(via[idx][ok])
    pa, pb, pv = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (found_a, found_b, found_p))
    if not len(pa):
        return pa, pb, np.zeros(0), pv
    lo, hi = np.minimum(pa, pb), np.maximum(pa, pb)
    span = int(max(child.max(), via.max())) + 1
    pair = lo * span + hi
    order = np.lexsort((pair, pv))
    pv, pair = pv[order], pair[order]
    first = np.r_[True, (pv[1:] != pv[:-1]) | (pair[1:] != pair[:-1])]  # each (place, pair) once
    pv, lo, hi = pv[first], pair[first] // span, pair[first] % span
    # a child's weight at a place (its one edge there: every visit carries it), children per place
    seen, at = np.unique(via * span + child, return_index=True)
    places, k_of = np.unique(seen // span, return_counts=True)
    k = k_of[np.searchsorted(places, pv)].astype(float)
    w1 = w[at[np.searchsorted(seen, pv * span + lo)]]
    w2 = w[at[np.searchsorted(seen, pv * span + hi)]]
    return lo, hi, scale * np.minimum(w1, w2) / np.maximum(k - 1, 1), pv

"""Persons of concern: reach, recency, grading, brokerage and key players for disruption.

Score
-----
A person's score sums, over the children they are linked to in the period,
``1 - exp(-w)`` where ``w`` is the weight of the child-person edge (the graded, decayed
evidence; see :mod:`contextmap.graph`). Each distinct child adds up to 1, so the score is
roughly "children reached", discounted for old or weakly graded intelligence, and one child
with many records cannot outweigh several children.

Rank: by distinct children reached, then score (so among persons reaching as many children,
recent and well-graded intelligence ranks first), then betweenness, then id. ``order='score'``
ranks by the score first.

Brokerage
---------
``betweenness`` is computed on the network of children and persons (child-child,
child-person and person-person edges; places left out) with igraph. Above
``exact_limit`` nodes it is estimated from ``k`` sampled source nodes (Brandes & Pich
sampling, scaled to the full graph), seeded. ``groups_reached`` counts the distinct peer
groups of the children reached; ``bridges`` is True when it is two or more.

Key players
-----------
:func:`key_players` greedily removes the person whose removal most increases the
fragmentation of the children-through-adults network (Borgatti's KPP-Neg fragmentation over
pairs of children: the share of child pairs that can no longer reach each other).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.graph import as_context, to_igraph
from contextmap.settings import Settings

__all__ = ["rank_persons", "key_players", "approximate_betweenness"]

BETWEENNESS_K = 256
"""Sources sampled for betweenness on a large network (exact up to 2,000 vertices)."""

_COLUMNS = ["person_id", "label", "rank", "score", "children_reached", "groups_reached",
            "betweenness", "first_seen", "last_seen", "n_links", "grading", "corroborated_links",
            "bridges", "children", "groups"]


def approximate_betweenness(
    H: nx.Graph, *, k: int | None = 256, seed: int = 0, exact_limit: int = 2000
) -> dict[Any, float]:
    """Normalised betweenness of every node, exact when small, source-sampled when large.

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.persons import approximate_betweenness
    >>> b = approximate_betweenness(nx.path_graph(3))
    >>> round(b[1], 3), b[0]
    (1.0, 0.0)
    """
    g, nodes, _ = to_igraph(H, weight=None)
    return _betweenness(g, nodes, k=k, seed=seed, exact_limit=exact_limit)


def _betweenness(g: ig.Graph, nodes: list, *, k: int | None, seed: int, exact_limit: int) -> dict[Any, float]:
    n = len(nodes)
    if n < 3:
        return dict.fromkeys(nodes, 0.0)
    if k is None or n <= max(exact_limit, k):
        raw = np.asarray(g.betweenness(directed=False), dtype=float)
    else:
        rng = np.random.default_rng(seed)
        sources = sorted(rng.choice(n, size=k, replace=False).tolist())
        # with a sample of sources each path is counted from its source end only (igraph
        # does not halve subset betweenness), so scaling by n / k estimates the full value
        raw = np.asarray(g.betweenness(directed=False, sources=sources), dtype=float) * (n / k)
    norm = 2.0 / ((n - 1) * (n - 2))
    return {nodes[i]: float(raw[i] * norm) for i in range(n)}


class _PeopleNetwork:
    """The network of children and persons (places left out) as an igraph graph, built
    straight from the context graph's edge list: the vertices in the graph's node order,
    ``is_child`` per vertex, and for each vertex the number of children it is linked to."""

    def __init__(self, G: nx.Graph, *, include_peer_links: bool,
                 ends: tuple[list, np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.nodes, self.is_child, iu, iv = ends if ends is not None else _people_ends(G)
        keep = (iu >= 0) & (iv >= 0)
        if not include_peer_links:
            keep &= ~(self.is_child[np.maximum(iu, 0)] & self.is_child[np.maximum(iv, 0)])
        iu, iv = iu[keep], iv[keep]
        self.graph = ig.Graph(n=len(self.nodes), edges=np.column_stack([iu, iv]).tolist())
        # children linked to each vertex (child-person edges; a child's own count is unused)
        self.children = (np.bincount(iu[self.is_child[iv]], minlength=len(self.nodes))
                         + np.bincount(iv[self.is_child[iu]], minlength=len(self.nodes)))


def _people_ends(G: nx.Graph) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """The children and persons of ``G`` in its node order, ``is_child`` per one, and both ends
    of every edge as their positions (-1: a place)."""
    kinds = dict(G.nodes(data="kind"))
    nodes = [n for n, k in kinds.items() if k in ("child", "person")]
    index = {n: i for i, n in enumerate(nodes)}
    is_child = np.array([kinds[n] == "child" for n in nodes], dtype=bool)
    ends = np.fromiter((index.get(x, -1) for e in G.edges() for x in e), dtype=np.int64,
                       count=2 * G.number_of_edges())
    return nodes, is_child, ends[0::2], ends[1::2]


def people_betweenness(ctx: Any, *, k: int | None = BETWEENNESS_K, seed: int = 0) -> dict[Any, float]:
    """The betweenness of every child and person in the network of children and persons,
    peer links included (what :func:`rank_persons` reports), kept in ``ctx`` (an
    :class:`~contextmap.graph.AnalysisContext`): computed once per ``k`` and ``seed``, or
    handed in by :func:`key_players_and_betweenness` from the second core."""
    def build() -> dict[Any, float]:
        net = _people_network(ctx, include_peer_links=True)
        return _betweenness(net.graph, net.nodes, k=k, seed=seed, exact_limit=2000)
    return ctx.memo(_betweenness_key(k, seed), build)


def key_players_and_betweenness(ctx: Any, *, k: int, betweenness_k: int | None = BETWEENNESS_K,
                                seed: int = 0) -> tuple[pd.DataFrame, dict[Any, float]]:
    """:func:`key_players` and :func:`people_betweenness` in one job: the analysis runs it on
    the second core while peer groups are found (neither needs them), then hands the
    betweenness to :func:`remember_betweenness` for :func:`rank_persons` (1.3 s of one core
    at 100,000 episodes, off the main line)."""
    return key_players(ctx, k=k), people_betweenness(ctx, k=betweenness_k, seed=seed)


def remember_betweenness(ctx: Any, btw: dict[Any, float], *, k: int | None = BETWEENNESS_K, seed: int = 0) -> None:
    """Keep ``btw`` (computed elsewhere, e.g. by a child process from the same ``ctx``) as
    ``ctx``'s betweenness for ``k`` and ``seed``."""
    ctx.memo(_betweenness_key(k, seed), lambda: btw)


def _betweenness_key(k: int | None, seed: int) -> str:
    """Where a context keeps the betweenness for ``k`` sampled sources and ``seed``."""
    return f"betweenness:{k}:{seed}"


def _people_network(ctx: Any, *, include_peer_links: bool) -> _PeopleNetwork:
    name = "people_network" if include_peer_links else "adult_links_network"
    # both networks read the graph's edges once (a Python step per edge end)
    return ctx.memo(name, lambda: _PeopleNetwork(ctx.graph, include_peer_links=include_peer_links,
                                                 ends=ctx.memo("people_ends", lambda: _people_ends(ctx.graph))))


def rank_persons(
    ds_or_graph: Any,
    *,
    start: Any = None,
    end: Any = None,
    peer_groups: Any = None,
    settings: Settings | None = None,
    betweenness_k: int | None = BETWEENNESS_K,
    seed: int = 0,
    order: str = "reach",
    include_provisional: bool = False,
) -> pd.DataFrame:
    """Rank persons of concern by the children they reach, recency and grading.

    Parameters
    ----------
    ds_or_graph
        An analysis context (:class:`contextmap.graph.AnalysisContext`), a dataset or a
        context graph.
    start, end, settings
        The period and settings of the context built when a dataset is given (as
        :func:`contextmap.graph.graph_from_dataset`).
    peer_groups
        A :class:`contextmap.peers.PeerGroups` (or a Series child id -> group id) for
        ``groups_reached`` and ``bridges``; computed with ``seed`` when ``None``.
    betweenness_k, seed
        Source sample size for betweenness on large graphs (``None``: exact) and its seed.
    order
        ``'reach'`` (default): distinct children reached first, the score (recency and
        grading) breaks ties; ``'score'``: the score first.
    include_provisional
        Rank provisional persons too (entities resolution made from an RHI mention that
        matched no record, such as a bare first name). Left out by default: "Rhys" named in
        twenty RHIs may be twenty different people, and must not top a list of persons to
        disrupt. They stay in the graph, marked ``provisional``.

    Returns
    -------
    pandas.DataFrame
        One row per person with evidence in the period, rank 1 first: ``person_id``,
        ``label``, ``rank``, ``score``, ``children_reached``, ``groups_reached``,
        ``betweenness``, ``first_seen``, ``last_seen``, ``n_links``, ``grading`` (counts of
        grading codes, e.g. ``'1A x3; 2C x1'``), ``corroborated_links``, ``bridges``,
        ``children`` and ``groups`` (lists).

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.persons import rank_persons
    >>> G = nx.Graph()
    >>> G.add_nodes_from(["C1", "C2"], kind="child"); G.add_node("P1", kind="person")
    >>> ev = [{"date": "2024-01-01", "grading": "1A P"}]
    >>> G.add_edge("C1", "P1", weight=1.0, evidence=ev, corroborated=True)
    >>> G.add_edge("C2", "P1", weight=1.0, evidence=ev, corroborated=True)
    >>> top = rank_persons(G, peer_groups={}).iloc[0]
    >>> top["person_id"], int(top["children_reached"])
    ('P1', 2)
    """
    if order not in ("reach", "score"):
        raise ConfigError(f"Expected order to be 'reach' or 'score', instead got: {order!r}")
    ctx = as_context(ds_or_graph, start=start, end=end, settings=settings, default_months=None)
    G = ctx.graph
    if peer_groups is None:
        from contextmap.peers import find_peer_groups

        peer_groups = find_peer_groups(ctx, seed=seed)
    membership = getattr(peer_groups, "membership", peer_groups)
    items = membership.to_dict() if isinstance(membership, pd.Series) else dict(membership)
    group_of = {k: v for k, v in items.items() if isinstance(v, str)}
    kinds = nx.get_node_attributes(G, "kind")
    persons = [n for n, k in kinds.items() if k == "person" and G.degree(n) > 0
               and (include_provisional or not G.nodes[n].get("provisional"))]
    if not persons:
        return pd.DataFrame(columns=_COLUMNS)
    btw = people_betweenness(ctx, k=betweenness_k, seed=seed)
    rows = []
    for p in persons:
        kids = sorted(c for c in G[p] if kinds.get(c) == "child")
        score = float(sum(1.0 - np.exp(-G[p][c]["weight"]) for c in kids))
        grades: Counter[str] = Counter()
        first, last, n_links, corr = None, None, 0, 0
        for nb in G[p]:
            e = G[p][nb]
            n_links += e.get("n_links", len(e["evidence"]))
            corr += int(bool(e.get("corroborated")))
            for item in e["evidence"]:
                grades[item.get("grading") or "ungraded"] += 1
                d = item.get("date")
                if d:
                    first = d if first is None or d < first else first
                    last = d if last is None or d > last else last
        groups = sorted({group_of[c] for c in kids if c in group_of})
        rows.append({
            "person_id": p, "label": G.nodes[p].get("label", p), "score": round(score, 6),
            "children_reached": len(kids), "groups_reached": len(groups),
            "betweenness": btw.get(p, 0.0), "first_seen": first, "last_seen": last,
            "n_links": n_links,
            "grading": "; ".join(f"{g} x{c}" for g, c in sorted(grades.items())),
            "corroborated_links": corr, "bridges": len(groups) >= 2, "children": kids,
            "groups": groups,
        })
    df = pd.DataFrame(rows)
    for c in ("first_seen", "last_seen"):  # datetimes, as pandas users expect
        df[c] = pd.to_datetime(df[c], errors="coerce")
    keys = ["children_reached", "score"] if order == "reach" else ["score", "children_reached"]
    df = df.sort_values([*keys, "betweenness", "person_id"], ascending=[False, False, False, True],
                        kind="stable").reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df[_COLUMNS]


def _pairs(sizes: np.ndarray) -> int:
    """Ordered pairs within groups of these sizes: sum of s * (s - 1), exactly."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return int((sizes * (sizes - 1)).sum())


def _reach_after_removal(g: ig.Graph, weight: np.ndarray) -> tuple[int, np.ndarray]:
    """Reachable ordered pairs of weighted vertices (children) now, and after removing each
    vertex in turn, for every vertex at once.

    Removing a vertex splits its component only when it is an articulation point. The
    pieces are read from the block-cut tree (one node per biconnected block, one per
    articulation point): the subtrees hanging off the articulation point, and the rest of
    its component. One pass, instead of one connected-components run per vertex.
    """
    n = g.vcount()
    weight = np.asarray(weight, dtype=np.int64)
    memb = np.asarray(ig.GraphBase.connected_components(g), dtype=np.int64) if n else np.zeros(0, np.int64)
    total = np.bincount(memb, weights=weight, minlength=int(memb.max()) + 1 if n else 0).astype(np.int64)
    now = _pairs(total)
    tc = total[memb] if n else np.zeros(0, np.int64)
    after = now - tc * (tc - 1) + (tc - weight) * (tc - weight - 1)  # not a cut vertex: the component just loses it
    trees, arts = ig.GraphBase.biconnected_components(g, True)
    if not arts:
        return now, after
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    lens = np.fromiter((len(t) for t in trees), dtype=np.int64, count=len(trees))
    blk = np.repeat(np.arange(len(trees), dtype=np.int64), lens)
    eid = np.fromiter((e for t in trees for e in t), dtype=np.int64, count=int(lens.sum()))
    # (block, vertex) memberships from each block's spanning-tree edges
    bv = np.unique(np.column_stack([np.r_[blk, blk], np.r_[edges[eid, 0], edges[eid, 1]]]), axis=0)
    nb, arts_arr = len(trees), np.asarray(sorted(arts), dtype=np.int64)
    art_node = np.full(n, -1, dtype=np.int64)
    art_node[arts_arr] = nb + np.arange(len(arts_arr))
    is_art = art_node[bv[:, 1]] >= 0
    node_w = np.zeros(nb + len(arts_arr), dtype=np.int64)
    np.add.at(node_w, bv[~is_art, 0], weight[bv[~is_art, 1]])
    node_w[nb:] = weight[arts_arr]
    # the block-cut forest, rooted under one extra node joined to a node of each tree
    tree_edges = np.column_stack([bv[is_art, 0], art_node[bv[is_art, 1]]])
    n_tree = nb + len(arts_arr)
    forest = ig.Graph(n=n_tree, edges=tree_edges.tolist())
    comp = np.asarray(ig.GraphBase.connected_components(forest), dtype=np.int64)
    _, roots = np.unique(comp, return_index=True)
    forest.add_vertices(1)
    forest.add_edges([(n_tree, int(r)) for r in roots])
    order, layers, parent = ig.GraphBase.bfs(forest, n_tree)
    order, parent = np.asarray(order, dtype=np.int64), np.asarray(parent, dtype=np.int64)
    sub = np.r_[node_w, 0]
    child_pairs = np.zeros(n_tree + 1, dtype=np.int64)
    for lo, hi in reversed(list(zip(layers[1:-1], layers[2:], strict=True))):  # deepest layer first
        nodes = order[lo:hi]
        np.add.at(sub, parent[nodes], sub[nodes])
        np.add.at(child_pairs, parent[nodes], sub[nodes] * (sub[nodes] - 1))
    t = art_node[arts_arr]
    up = tc[arts_arr] - sub[t]  # the rest of the component, above the articulation point
    after[arts_arr] = now - tc[arts_arr] * (tc[arts_arr] - 1) + child_pairs[t] + up * (up - 1)
    return now, after


def key_players(
    G: Any,
    *,
    k: int = 3,
    candidates: int = 50,
    include_peer_links: bool = False,
) -> pd.DataFrame:
    """The ``k`` persons whose removal most fragments the network of children linked through adults.

    Greedy: at each step, remove the candidate person that most increases fragmentation
    (the share of child pairs that can no longer reach one another through persons). The
    candidates are the ``candidates`` persons reaching the most children (all, when fewer);
    provisional persons (unmatched RHI mentions) are never candidates.

    Parameters
    ----------
    G
        A context graph, an analysis context (:class:`contextmap.graph.AnalysisContext`) or
        a dataset.
    k
        How many persons to pick.
    candidates
        How many persons (by children reached) are tried at each step; bounds the cost.
    include_peer_links
        Keep child-child links in the network (default False: children joined only through
        adults).

    Returns
    -------
    pandas.DataFrame
        ``step``, ``person_id``, ``label``, ``fragmentation`` (after removal, 0..1),
        ``gain`` (the increase this removal gave), ``children_reached``.

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.persons import key_players
    >>> G = nx.Graph()
    >>> G.add_nodes_from(["C1", "C2", "C3"], kind="child")
    >>> G.add_nodes_from(["P1", "P2"], kind="person", label="x")
    >>> G.add_edges_from([("C1", "P1"), ("C2", "P1"), ("C3", "P1"), ("C3", "P2")])
    >>> key_players(G, k=1)["person_id"].tolist()
    ['P1']
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"Expected k to be a positive whole number, instead got: {k!r}")
    ctx = as_context(G, default_months=None)
    G = ctx.graph
    net = _people_network(ctx, include_peer_links=include_peer_links)
    g, nodes, is_child = net.graph, net.nodes, net.is_child
    reach = {n: int(net.children[i]) for i, n in enumerate(nodes)
             if not is_child[i] and not G.nodes[n].get("provisional")}
    cand = sorted(reach, key=lambda n: (-reach[n], n))[:candidates]
    index = {n: i for i, n in enumerate(nodes)}
    removed = np.zeros(len(nodes), dtype=bool)
    n_child = int(is_child.sum())
    denominator = n_child * (n_child - 1)

    def fragmentation(pairs: int) -> float:
        return 1.0 - pairs / denominator if n_child >= 2 else 0.0

    left = np.flatnonzero(~removed)
    now, after = _reach_after_removal(g, is_child)
    current = fragmentation(now)
    rows = []
    for step in range(1, min(k, len(cand)) + 1):
        position = np.full(len(nodes), -1, dtype=np.int64)  # vertex -> index in the graph left
        position[left] = np.arange(len(left))
        best, best_f = None, -1.0
        for p in cand:
            i = index[p]
            if removed[i]:
                continue
            f = fragmentation(int(after[position[i]]))
            if f > best_f + 1e-12:
                best, best_f = p, f
        if best is None:
            break
        removed[index[best]] = True
        left = np.flatnonzero(~removed)
        now, after = _reach_after_removal(g.induced_subgraph(left.tolist()), is_child[left])
        rows.append({"step": step, "person_id": best, "label": G.nodes[best].get("label", best),
                     "fragmentation": round(best_f, 6), "gain": round(best_f - current, 6),
                     "children_reached": reach[best]})
        current = best_f
    return pd.DataFrame(rows, columns=["step", "person_id", "label", "fragmentation", "gain",
                                       "children_reached"])

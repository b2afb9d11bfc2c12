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
from contextmap.graph import as_graph, to_igraph
from contextmap.settings import Settings

__all__ = ["rank_persons", "key_players", "approximate_betweenness"]

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
    n = H.number_of_nodes()
    if n < 3:
        return dict.fromkeys(H.nodes, 0.0)
    g, nodes, _ = to_igraph(H, weight=None)
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


def _people_graph(G: nx.Graph, *, include_peer_links: bool = True) -> nx.Graph:
    kinds = nx.get_node_attributes(G, "kind")
    keep = [n for n, k in kinds.items() if k in ("child", "person")]
    H = nx.Graph()
    H.add_nodes_from(keep)
    for u, v in G.subgraph(keep).edges():
        if not include_peer_links and kinds[u] == "child" and kinds[v] == "child":
            continue
        H.add_edge(u, v)
    return H


def rank_persons(
    ds_or_graph: Any,
    *,
    start: Any = None,
    end: Any = None,
    peer_groups: Any = None,
    settings: Settings | None = None,
    betweenness_k: int | None = 256,
    seed: int = 0,
    order: str = "reach",
    include_provisional: bool = False,
) -> pd.DataFrame:
    """Rank persons of concern by the children they reach, recency and grading.

    Parameters
    ----------
    ds_or_graph
        A dataset or a context graph.
    start, end, settings
        Passed to :func:`contextmap.graph.graph_from_dataset` when a dataset is given.
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
    G = as_graph(ds_or_graph, start=start, end=end, settings=settings)
    if peer_groups is None:
        from contextmap.peers import find_peer_groups

        peer_groups = find_peer_groups(G, seed=seed, settings=settings)
    membership = getattr(peer_groups, "membership", peer_groups)
    group_of = {k: v for k, v in dict(membership).items() if isinstance(v, str)}
    kinds = nx.get_node_attributes(G, "kind")
    persons = [n for n, k in kinds.items() if k == "person" and G.degree(n) > 0
               and (include_provisional or not G.nodes[n].get("provisional"))]
    if not persons:
        return pd.DataFrame(columns=_COLUMNS)
    btw = approximate_betweenness(_people_graph(G), k=betweenness_k, seed=seed)
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
    keys = ["children_reached", "score"] if order == "reach" else ["score", "children_reached"]
    df = df.sort_values([*keys, "betweenness", "person_id"], ascending=[False, False, False, True],
                        kind="stable").reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df[_COLUMNS]


def _fragmentation(g: ig.Graph, is_child: np.ndarray, removed: np.ndarray) -> float:
    """Share of child pairs that cannot reach each other once ``removed`` vertices are gone."""
    n_child = int(is_child.sum())
    if n_child < 2:
        return 0.0
    keep = np.flatnonzero(~removed)
    sub = g.induced_subgraph(keep.tolist())
    memb = np.asarray(sub.connected_components().membership)
    sizes = np.bincount(memb, weights=is_child[keep].astype(float))
    reach = float((sizes * (sizes - 1)).sum())
    return 1.0 - reach / (n_child * (n_child - 1))


def key_players(
    G: nx.Graph,
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
        A context graph (or a dataset).
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
    G = as_graph(G, start=None, end=None, settings=None)
    kinds = nx.get_node_attributes(G, "kind")
    H = _people_graph(G, include_peer_links=include_peer_links)
    g, nodes, _ = to_igraph(H, weight=None)
    is_child = np.array([kinds.get(n) == "child" for n in nodes])
    reach = {n: sum(1 for c in H[n] if kinds.get(c) == "child") for n in nodes
             if kinds.get(n) == "person" and not G.nodes[n].get("provisional")}
    cand = sorted(reach, key=lambda n: (-reach[n], n))[:candidates]
    index = {n: i for i, n in enumerate(nodes)}
    removed = np.zeros(len(nodes), dtype=bool)
    current = _fragmentation(g, is_child, removed)
    rows = []
    for step in range(1, min(k, len(cand)) + 1):
        best, best_f = None, -1.0
        for p in cand:
            i = index[p]
            if removed[i]:
                continue
            removed[i] = True
            f = _fragmentation(g, is_child, removed)
            removed[i] = False
            if f > best_f + 1e-12:
                best, best_f = p, f
        if best is None:
            break
        removed[index[best]] = True
        rows.append({"step": step, "person_id": best, "label": G.nodes[best].get("label", best),
                     "fragmentation": round(best_f, 6), "gain": round(best_f - current, 6),
                     "children_reached": reach[best]})
        current = best_f
    return pd.DataFrame(rows, columns=["step", "person_id", "label", "fragmentation", "gain",
                                       "children_reached"])

"""Peer groups: children bound by direct links, shared persons and shared places.

The children projection of the context graph (:func:`contextmap.graph.children_projection`)
is partitioned with the Leiden algorithm (igraph's ``community_leiden`` on edge weights,
iterated until stable; about 25 times faster than ``leidenalg`` on large graphs). The default
objective is the Constant Potts Model (Traag, Van Dooren & Nesterov 2011), which is free of
modularity's resolution limit; ``objective='modularity'`` is available. ``n_runs`` runs with seeds ``seed, seed + 1, ...`` are made; the
partition of highest quality is kept (ties: the earliest seed), so the same seed gives the
same groups. A group's **stability** is the share of its member pairs that stay in one
community across all runs (1: every run agrees; near 0: the grouping is an accident of the
seed). Groups smaller than ``min_size`` (default 2) are not groups: a child with no peer is
left ungrouped (``NA`` in :attr:`PeerGroups.membership`).

A group is described by its evidence, never by a label: "linked through 3 shared contacts,
2 shared places and 1 direct link".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.graph import AnalysisContext, ChildPairs, as_context, to_igraph
from contextmap.parallel import beside
from contextmap.settings import Settings

__all__ = ["PeerGroups", "GroupExplanation", "find_peer_groups", "leiden_partition", "LARGE_NETWORK", "LARGE_NETWORK_RUNS"]

LARGE_NETWORK = 10_000
"""Linked children above which ``n_runs=None`` makes :data:`LARGE_NETWORK_RUNS` Leiden runs, not 10."""
LARGE_NETWORK_RUNS = 3
"""Leiden runs (best partition and stability) for networks above :data:`LARGE_NETWORK` children.

At 100,000 episodes (32,000 linked children, 390,000 ties) one run takes about 1.3 s of CPU;
two runs from different seeds agree to ARI 0.999 there, so three runs estimate the stability
as well as ten did (``benchmarks/bench_analyses.py`` reports the ARI against the planted
groups either way)."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class PeerGroups:
    """Peer groups found in a context graph.

    Attributes
    ----------
    membership
        Child id -> group id (``'PG1'``, ``'PG2'``... largest first), named ``peer_group``;
        ``NA`` for children in no group.
    groups
        One row per group, indexed by ``group_id``: ``children`` (list), ``size``,
        ``stability``, ``binding_persons`` and ``binding_places`` (lists, most shared first;
        provisional persons, RHI mentions that matched no record, are never binding),
        ``direct_links`` and ``evidence_text``.
    projection
        The children projection the groups were found on (edge attributes say what binds
        each pair), built when first read.
    graph
        The context graph.
    """

    membership: pd.Series
    groups: pd.DataFrame
    graph: nx.Graph = field(repr=False)
    seed: int = 0
    context: AnalysisContext | None = field(default=None, repr=False)
    """The analysis context the groups were found in (its projection is built from it when asked for)."""

    @property
    def projection(self) -> nx.Graph:
        """The children projection the groups were found on, as a networkx graph (built when
        first asked for: the groups are found on its arrays, :attr:`AnalysisContext.child_pairs`)."""
        ctx = self.context if self.context is not None else as_context(self.graph)
        return ctx.projection

    def group_of(self, child_id: str) -> str | None:
        """The group id of a child, or ``None``."""
        g = self.membership.get(child_id)
        return None if g is None or pd.isna(g) else str(g)

    def explain(self, a: str, b: str) -> pd.DataFrame:
        """Why two children are linked: one row per binding, with its evidence.

        Columns: ``a``, ``a_name``, ``b``, ``b_name`` (the two children), ``via_kind``
        (``'direct'``, ``'person'``, ``'place'``), ``via_id``, ``via_label``, ``side`` (which
        child the evidence row is about), then ``relation``, ``date`` (datetime),
        ``link_id``, ``episode_id``, ``source_type``, ``grading`` for each piece of evidence on
        either side. Provisional persons (unmatched RHI mentions) do not bind children and
        are not listed.
        """
        G = self.graph
        for x, name in ((a, "a"), (b, "b")):
            if x not in G or G.nodes[x].get("kind") != "child":
                raise KeyError(f"Expected a child id in the graph for {name}, instead got: {x!r}")
        rows: list[dict[str, Any]] = []

        def add(kind: str, via: str | None, side: str, ev: list[dict]) -> None:
            for e in ev:
                rows.append({"via_kind": kind, "via_id": via,
                             "via_label": G.nodes[via].get("label", via) if via else None,
                             "side": side, **{k: e.get(k) for k in
                                              ("relation", "date", "link_id", "episode_id",
                                               "source_type", "grading")}})

        if G.has_edge(a, b):
            add("direct", None, f"{a}-{b}", G[a][b]["evidence"])
        for via in sorted(set(G[a]) & set(G[b])):
            kind = G.nodes[via].get("kind")
            if kind == "person" and G.nodes[via].get("provisional"):
                continue
            if kind in ("person", "location"):
                add("person" if kind == "person" else "place", via, a, G[a][via]["evidence"])
                add("person" if kind == "person" else "place", via, b, G[b][via]["evidence"])
        cols = ["via_kind", "via_id", "via_label", "side", "relation", "date", "link_id",
                "episode_id", "source_type", "grading"]
        out = pd.DataFrame(rows, columns=cols)
        out["date"] = pd.to_datetime(out["date"], errors="coerce")
        out.insert(0, "b_name", G.nodes[b].get("label", b))
        out.insert(0, "b", b)
        out.insert(0, "a_name", G.nodes[a].get("label", a))
        out.insert(0, "a", a)
        return out

    def explain_group(self, group_id: str) -> GroupExplanation:
        """What binds a group: one row per shared contact, shared place or direct link.

        Returns a :class:`GroupExplanation` (a DataFrame) with columns ``via_kind``
        (``'person'``, ``'place'``, ``'direct'``), ``via_id``, ``via_label``, ``children``
        (the members it links, by name), ``n_children``, ``n_evidence``, ``first_seen`` and
        ``last_seen`` (datetimes). Its ``evidence_text`` attribute is the group's sentence
        ("linked through 3 shared contacts ..."), printed above the table by ``repr``.
        """
        if group_id not in self.groups.index:
            raise KeyError(f"Expected a group id in {list(self.groups.index)}, instead got: {group_id!r}")
        row = self.groups.loc[group_id]
        G = self.graph
        members = [str(c) for c in row["children"]]
        mset = set(members)

        def label(n: str) -> str:
            return str(G.nodes[n].get("label", n)) if n in G else str(n)

        def dates(evs: list[dict]) -> list[pd.Timestamp]:
            return [pd.Timestamp(e["date"]) for e in evs if e.get("date")]

        rows = []
        for kind, ids in (("person", row["binding_persons"]), ("place", row["binding_places"])):
            for v in ids:
                kids = sorted((c for c in G[v] if c in mset), key=label)
                evs = [e for c in kids for e in G[c][v].get("evidence", [])]
                ds = dates(evs)
                rows.append({"via_kind": kind, "via_id": v, "via_label": label(v),
                             "children": ", ".join(label(c) for c in kids), "n_children": len(kids),
                             "n_evidence": len(evs), "first_seen": min(ds) if ds else pd.NaT,
                             "last_seen": max(ds) if ds else pd.NaT})
        for u, v in sorted(tuple(sorted(e)) for e in G.subgraph(mset).edges()):
            evs = list(G[u][v].get("evidence", []))
            ds = dates(evs)
            rows.append({"via_kind": "direct", "via_id": None, "via_label": "direct link",
                         "children": f"{label(u)}, {label(v)}", "n_children": 2, "n_evidence": len(evs),
                         "first_seen": min(ds) if ds else pd.NaT, "last_seen": max(ds) if ds else pd.NaT})
        cols = ["via_kind", "via_id", "via_label", "children", "n_children", "n_evidence",
                "first_seen", "last_seen"]
        out = GroupExplanation(pd.DataFrame(rows, columns=cols))
        for c in ("first_seen", "last_seen"):
            out[c] = pd.to_datetime(out[c])
        out.group_id = str(group_id)
        out.evidence_text = str(row["evidence_text"])
        out.members = [label(c) for c in members]
        return out


class GroupExplanation(pd.DataFrame):
    """A DataFrame of what binds one peer group, printed under the group's sentence."""

    _metadata = ["group_id", "evidence_text", "members"]

    @property
    def _constructor(self) -> type:
        return GroupExplanation

    def _header(self) -> str:
        g = getattr(self, "group_id", "") or ""
        text = getattr(self, "evidence_text", "") or ""
        members = getattr(self, "members", None) or []
        return (f"Peer group {g}: {len(members)} children, {text}.\n"
                f"Children: {', '.join(members)}")

    def __repr__(self) -> str:
        return self._header() + "\n\n" + pd.DataFrame(self).to_string(max_colwidth=40, max_rows=30)

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(self._header()).replace(chr(10), '<br>')}</p>" + str(pd.DataFrame(self)._repr_html_())


def _leiden(g: ig.Graph, weights: list[float], *, seed: int, resolution: float,
            objective: str = "cpm") -> tuple[list[int], float]:
    """igraph's Leiden with its random numbers drawn from ``seed``: membership, quality."""
    ig.set_random_number_generator(random.Random(int(seed)))
    try:
        c = g.community_leiden(objective_function="CPM" if objective == "cpm" else "modularity",
                               weights=weights or None, resolution=resolution, n_iterations=-1)
    finally:
        ig.set_random_number_generator(random)
    member = list(c.membership)
    if objective == "cpm":
        return member, float(c.quality)
    return member, float(g.modularity(member, weights=weights or None, resolution=resolution))


def _leiden_runs(g: ig.Graph, weights: list[float], seeds: list[int], resolution: float,
                 objective: str) -> list[tuple[list[int], float]]:
    """Leiden runs with these seeds, in order."""
    return [_leiden(g, weights, seed=s, resolution=resolution, objective=objective) for s in seeds]


def leiden_partition(
    H: nx.Graph, *, seed: int = 0, resolution: float | None = None, weight: str = "weight",
    objective: str = "cpm",
) -> tuple[dict[Any, int], float]:
    """One Leiden run on ``H``: node -> community, quality (see :func:`find_peer_groups`).

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.peers import leiden_partition
    >>> G = nx.barbell_graph(5, 0)
    >>> part, q = leiden_partition(G, seed=1, objective="modularity")
    >>> len(set(part.values()))
    2
    """
    g, nodes, weights = to_igraph(H, weight=weight)
    res = _check_objective(objective, resolution)
    member, q = _leiden(g, weights, seed=seed, resolution=res, objective=objective)
    return dict(zip(nodes, member, strict=True)), q


def _check_objective(objective: str, resolution: float | None) -> float:
    if objective not in ("cpm", "modularity"):
        raise ConfigError(f"Expected objective to be 'cpm' or 'modularity', instead got: {objective!r}")
    if resolution is None:
        return 0.05 if objective == "cpm" else 1.0
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) or not resolution > 0:
        raise ConfigError(f"Expected resolution to be a positive number, instead got: {resolution!r}")
    return float(resolution)


def _stability(groups: list[list], nodes: list, runs: list[np.ndarray]) -> np.ndarray:
    """For each group (of two or more members), the mean over runs of the share of its member
    pairs that land in one community, for every group of a run at once."""
    if not groups:
        return np.zeros(0)
    if not runs:
        return np.ones(len(groups))
    index = {n: i for i, n in enumerate(nodes)}
    node = np.fromiter((index[m] for g in groups for m in g), dtype=np.int64)
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    grp = np.repeat(np.arange(len(groups)), sizes)
    pairs = (sizes * (sizes - 1)).astype(float)  # groups have at least two members
    share = np.zeros(len(groups))
    for member in runs:
        # members per (group, community) c: the pairs kept together are sum of c (c - 1)
        span = int(member.max()) + 1
        uniq, c = np.unique(grp * span + member[node], return_counts=True)
        together = np.zeros(len(groups))
        np.add.at(together, uniq // span, (c * (c - 1)).astype(float))
        share += together / pairs
    return share / len(runs)


def find_peer_groups(
    ds_or_graph: Any,
    *,
    seed: int = 0,
    n_runs: int | None = None,
    resolution: float | None = None,
    objective: str = "cpm",
    min_size: int = 2,
    min_ties: int = 2,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
) -> PeerGroups:
    """Find peer groups of children.

    Parameters
    ----------
    ds_or_graph
        An analysis context (:class:`contextmap.graph.AnalysisContext`: its graph and
        children projection are used as built), a dataset, or a context graph from
        :func:`contextmap.graph.graph_from_dataset`.
    seed
        Seed of the first Leiden run; the same seed gives the same groups.
    n_runs
        Number of Leiden runs (seeds ``seed .. seed + n_runs - 1``): the best is kept and
        all are used for stability. ``None`` (default): 10, or :data:`LARGE_NETWORK_RUNS`
        (3) when more than :data:`LARGE_NETWORK` (10,000) children are linked, where runs
        from different seeds agree almost exactly and each costs seconds.
    resolution
        For ``objective='cpm'`` (default 0.05): the least average binding weight per pair of
        members a group must have (one reliable, recent direct link weighs about 1); for
        ``'modularity'`` (default 1.0) the usual resolution. Higher gives smaller groups.
    objective
        ``'cpm'`` (the Constant Potts Model, default) or ``'modularity'``. CPM has no
        resolution limit: modularity merges small groups in large networks (at 100k episodes
        it joined the planted groups of 3-10 children into groups of ~35), CPM does not.
    min_size
        Smallest group reported (default 2: a lone child is not a group).
    min_ties
        Fewest distinct pieces of binding evidence (direct links to members, shared persons,
        shared places) that keep a child in its group (default 2: one sighting or one
        shared contact does not make a child part of a peer group). Members below it are
        removed repeatedly; ``1`` keeps the communities as found.
    start, end, settings
        The period and settings of the context built when a dataset is given (as
        :func:`contextmap.graph.graph_from_dataset`: no lower bound by default).

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.peers import find_peer_groups
    >>> G = nx.Graph()
    >>> for c in "ABCDEF":
    ...     G.add_node(c, kind="child", label=c)
    >>> G.add_node("P", kind="person", label="P"); G.add_node("Q", kind="person", label="Q")
    >>> for c in "ABC":
    ...     G.add_edge(c, "P", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> for c in "DEF":
    ...     G.add_edge(c, "Q", weight=1.0, evidence=[{"date": "2024-01-01"}])
    >>> find_peer_groups(G, seed=0).groups.empty  # one shared adult is one piece of evidence
    True
    >>> pg = find_peer_groups(G, seed=0, min_ties=1)
    >>> sorted(map(sorted, pg.groups["children"]))
    [['A', 'B', 'C'], ['D', 'E', 'F']]
    """
    if n_runs is not None and (isinstance(n_runs, bool) or not isinstance(n_runs, int) or n_runs < 1):
        raise ConfigError(f"Expected n_runs to be a positive whole number, instead got: {n_runs!r}")
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 2:
        raise ConfigError(f"Expected min_size to be a whole number of at least 2, instead got: {min_size!r}")
    if isinstance(min_ties, bool) or not isinstance(min_ties, int) or min_ties < 1:
        raise ConfigError(f"Expected min_ties to be a positive whole number, instead got: {min_ties!r}")
    resolution = _check_objective(objective, resolution)
    ctx = as_context(ds_or_graph, start=start, end=end, settings=settings, default_months=None)
    G = ctx.graph
    P = ctx.child_pairs
    # run on the children with at least one peer; isolated children are never grouped (every
    # pair joins two such children, so the igraph graph of the pairs less its isolated
    # vertices is the projection's: vertices in the graph's order, pairs sorted)
    nodes = list(P.nodes)
    g = ig.Graph(n=len(nodes), edges=np.column_stack([P.a, P.b]).tolist())
    weights = P.weight.tolist()
    isolated = [i for i, d in enumerate(g.degree()) if d == 0]
    if isolated:
        g.delete_vertices(isolated)
        drop = set(isolated)
        nodes = [n for i, n in enumerate(nodes) if i not in drop]
    runs: list[np.ndarray] = []
    if n_runs is None:
        n_runs = LARGE_NETWORK_RUNS if len(nodes) > LARGE_NETWORK else 10
    if nodes:
        # on a large network the later runs go to the second core while the first run here (a
        # forked child shares the graph; each run is seeded, so the answer is the same either way)
        seeds = [seed + r for r in range(n_runs)]
        here = (len(seeds) + 1) // 2
        later = beside(_leiden_runs, g, weights, seeds[here:], resolution, objective,
                       use_child=len(nodes) > LARGE_NETWORK) if len(seeds) > here else None
        try:
            results = _leiden_runs(g, weights, seeds[:here], resolution, objective)
        except BaseException:
            if later is not None:
                later.cancel()
            raise
        results += later.result() if later is not None else []
        scored = []
        for r, (member, q) in enumerate(results):
            runs.append(np.asarray(member, dtype=np.int64))
            scored.append((q, r))
        best_r = max(scored, key=lambda t: (round(t[0], 9), -t[1]))[1]
        best = dict(zip(nodes, runs[best_r].tolist(), strict=True))
    else:
        best = {}
    position = {n: i for i, n in enumerate(P.nodes)}
    community = np.full(len(P.nodes), -1, dtype=np.int64)
    for n, c in best.items():
        community[position[n]] = c
    kept_mask = _peel(P, community, min_ties) if min_ties > 1 else community >= 0
    comms: dict[int, list] = {}
    for n, c in best.items():
        if kept_mask[position[n]]:
            comms.setdefault(c, []).append(n)
    kept = [sorted(m) for m in comms.values() if len(m) >= min_size]
    kept.sort(key=lambda m: (-len(m), m[0]))
    stability = _stability(kept, nodes, runs)
    rows = []
    member_of: dict[str, str] = {}
    for i, members in enumerate(kept, start=1):
        gid = f"PG{i}"
        for m in members:
            member_of[m] = gid
        rows.append({"group_id": gid, "children": members, "size": len(members),
                     "stability": round(float(stability[i - 1]), 4), **_binding(G, members)})
    groups = pd.DataFrame(rows, columns=["group_id", "children", "size", "stability",
                                         "binding_persons", "binding_places", "direct_links",
                                         "evidence_text"]).set_index("group_id")
    children = sorted(n for n, k in G.nodes(data="kind") if k == "child")
    membership = pd.Series([member_of.get(c, pd.NA) for c in children],
                           index=pd.Index(children, name="child_id"), name="peer_group",
                           dtype="string")
    return PeerGroups(membership=membership, groups=groups, graph=G, seed=seed, context=ctx)


def _peel(P: ChildPairs, community: np.ndarray, min_ties: int) -> np.ndarray:
    """Which children stay in their community (``community`` per child of ``P``, -1 for none)
    when members bound to the rest of it by fewer than ``min_ties`` distinct pieces of
    evidence (direct links to members, persons and places shared with members, each person
    or place counted once) are dropped, repeatedly, all communities at once."""
    a, b = P.a, P.b
    inside = (community[a] == community[b]) & (community[a] >= 0) & (a != b)
    # each binding seen from both ends: (child, the member at the other end, what binds)
    d = np.flatnonzero(inside & P.direct)
    d_child, d_other = np.r_[a[d], b[d]], np.r_[b[d], a[d]]
    v = np.flatnonzero(inside[P.via_pair])
    k = P.via_pair[v]
    via = pd.factorize(P.via_id[v])[0] if len(v) else np.zeros(0, np.int64)
    v_child, v_other, v_via = np.r_[a[k], b[k]], np.r_[b[k], a[k]], np.r_[via, via]
    span = int(via.max()) + 1 if len(via) else 1
    n = len(community)
    alive = community >= 0
    while alive.any():
        ok = alive[d_child] & alive[d_other]
        ties = np.bincount(d_child[ok], minlength=n)
        ok = alive[v_child] & alive[v_other]
        shared = np.unique(v_child[ok] * span + v_via[ok])  # each person or place once per child
        ties += np.bincount(shared // span, minlength=n)
        weak = alive & (ties < min_ties)
        if not weak.any():
            break
        alive &= ~weak
    return alive


def _binding(G: nx.Graph, members: list[str]) -> dict[str, Any]:
    mset = set(members)
    nodes = G.nodes
    reach: dict[str, int] = {}
    ends = 0  # ends of edges between two members: twice the direct links
    for c in members:
        for nb in G[c]:
            if nb in mset:
                ends += 1 if nb != c else 2
            elif nodes[nb].get("kind") == "location" or (
                    nodes[nb].get("kind") == "person" and not nodes[nb].get("provisional")):
                # a provisional person (an unmatched RHI mention) is not a shared contact
                reach[nb] = reach.get(nb, 0) + 1
    shared = sorted((n for n, k in reach.items() if k >= 2), key=lambda n: (-reach[n], n))
    persons = [n for n in shared if nodes[n]["kind"] == "person"]
    places = [n for n in shared if nodes[n]["kind"] == "location"]
    direct = ends // 2
    parts = []
    if persons:
        parts.append(_plural(len(persons), "shared contact"))
    if places:
        parts.append(_plural(len(places), "shared place"))
    if direct:
        parts.append(_plural(direct, "direct link"))
    if not parts:
        text = "linked through chains of contacts and places between members"
    else:
        text = "linked through " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
    return {"binding_persons": persons, "binding_places": places, "direct_links": direct,
            "evidence_text": text}

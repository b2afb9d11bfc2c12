"""Peer groups at region scale: telling groups apart, and what a collapsed view shows.

At 2,000 children a network has 150 peer groups and 6,000 entities: drawn whole it is a
hairball, and twelve colours reused in turn gave neighbouring groups the same colour. Here:

* :func:`group_styles` gives each group a colour from a colour-blind-safe qualitative palette
  (Paul Tol's "muted", :data:`GROUP_PALETTE`) and a fill pattern (:data:`GROUP_PATTERNS`).
  Up to 9 groups have 9 colours; up to 36, 36 distinct colour-and-pattern pairs; beyond that a
  pair repeats, but never for two groups that are linked or drawn side by side, and every
  group is also named.
* :func:`collapse_roles` says, for each entity, which group it folds into when groups are
  shown collapsed (a group's children, and the persons and places linked to its children
  only), and which persons and places stay in sight (those linking groups: they are what a
  meeting disrupts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

__all__ = ["GROUP_PALETTE", "GROUP_PATTERNS", "group_styles", "group_links", "collapse_roles"]

GROUP_PALETTE = ("#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255",
                 "#aa4499")
"""Paul Tol's "muted" qualitative scheme: nine colours told apart with the common colour-vision
deficiencies (none is the red of persons of concern, the brown of places or the grey of children
in no group)."""

GROUP_PATTERNS = ("solid", "stripes", "dots", "cross")
"""Fills that tell apart groups sharing a colour (their discs and collapsed nodes)."""


def group_links(H: nx.Graph, member: Mapping[str, str], kind_of: Mapping[str, str]) -> dict[tuple[str, str], int]:
    """How strongly each pair of groups is linked: links between their children, plus children
    of both linked to one person or place (each such person or place counts once per pair).

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("a", "p"), ("c", "p")])
    >>> group_links(G, {"a": "G1", "b": "G2", "c": "G2"}, {"a": "child", "b": "child", "c": "child", "p": "person"})
    {('G1', 'G2'): 2}
    """
    out: dict[tuple[str, str], int] = {}

    def add(g: str, h: str) -> None:
        key = (g, h) if g < h else (h, g)
        out[key] = out.get(key, 0) + 1

    for u, v in H.edges():
        gu, gv = member.get(u), member.get(v)
        if gu is not None and gv is not None and gu != gv:
            add(gu, gv)
    for v in H.nodes:
        if kind_of.get(v) == "child":
            continue
        gs = sorted({member[m] for m in H.neighbors(v) if m in member})
        for i, g in enumerate(gs):
            for h in gs[i + 1:]:
                add(g, h)
    return out


def group_styles(order: Sequence[str], *, links: Mapping[tuple[str, str], int] | None = None,
                 discs: Mapping[str, tuple[float, float, float]] | None = None) -> dict[str, dict[str, str]]:
    """A colour and a pattern for each group, ``{group: {"color", "pattern"}}``.

    Groups are taken in ``order`` (largest first, say); each gets the least used
    colour-and-pattern pair that none of its neighbours has (groups linked in ``links``, and
    groups whose ``discs`` (x, y, radius) nearly touch), solid fills before patterns. So the
    first 9 groups get 9 colours, the first 36 distinct pairs, and neighbours never match.

    Examples
    --------
    >>> s = group_styles([f"G{i}" for i in range(12)])
    >>> len({v["color"] for v in s.values()}), s["G9"]["pattern"], len({tuple(v.values()) for v in s.values()})
    (9, 'stripes', 12)
    """
    pairs = [(c, p) for p in GROUP_PATTERNS for c in GROUP_PALETTE]
    nbrs: dict[str, set[str]] = {g: set() for g in order}
    for (g, h), k in (links or {}).items():
        if k > 0 and g in nbrs and h in nbrs:
            nbrs[g].add(h)
            nbrs[h].add(g)
    if discs:
        ids = [g for g in order if g in discs]
        if len(ids) > 1:
            xyr = np.array([discs[g] for g in ids], dtype=float)
            d = np.hypot(xyr[:, None, 0] - xyr[None, :, 0], xyr[:, None, 1] - xyr[None, :, 1])
            gap = d - xyr[:, None, 2] - xyr[None, :, 2]
            near = gap < 0.6 * np.maximum(xyr[:, None, 2], xyr[None, :, 2])
            for i, j in zip(*np.nonzero(np.triu(near, 1)), strict=True):
                nbrs[ids[i]].add(ids[j])
                nbrs[ids[j]].add(ids[i])
    used = dict.fromkeys(pairs, 0)
    out: dict[str, dict[str, str]] = {}
    for g in order:
        taken = {(out[h]["color"], out[h]["pattern"]) for h in nbrs[g] if h in out}
        free = [q for q in pairs if q not in taken] or pairs
        best = min(free, key=lambda q: (used[q], pairs.index(q)))
        used[best] += 1
        out[g] = {"color": best[0], "pattern": best[1]}
    return out


def collapse_roles(H: nx.Graph, kind_of: Mapping[str, str], member: Mapping[str, str], reach: Mapping[str, int],
                   *, max_shown: int = 120) -> tuple[dict[str, str | None], set[str]]:
    """Where each entity goes when groups are collapsed: ``(home, shown)``.

    ``home[v]`` is the group ``v`` folds into: a child's own group; a person or place linked
    to children of one group only, that group; otherwise ``None``. ``shown`` are the persons
    and places drawn as themselves in the collapsed view: persons of concern linked to
    children of two or more groups (by reach, up to two thirds of ``max_shown``), places linked
    to three or more (by reach, up to ``max_shown`` in all), and the persons and places
    reaching most children (a tenth of ``max_shown`` more). Unconfirmed mentions are never among them (they reach no one).

    Examples
    --------
    >>> G = nx.Graph([("a", "p"), ("b", "p"), ("a", "q")])
    >>> kinds = {"a": "child", "b": "child", "p": "person", "q": "location"}
    >>> home, shown = collapse_roles(G, kinds, {"a": "G1", "b": "G2"}, {"p": 2, "q": 1})
    >>> home["q"], home["p"], sorted(shown)
    ('G1', None, ['p'])
    """
    home: dict[str, str | None] = {}
    bridges: list[str] = []
    for v in H.nodes:
        kind = kind_of.get(v)
        if kind == "child":
            home[v] = member.get(v)
            continue
        gs = {member[m] for m in H.neighbors(v) if m in member}
        home[v] = next(iter(gs)) if len(gs) == 1 else None
        if kind in ("person", "location") and len(gs) >= (2 if kind == "person" else 3):
            bridges.append(v)
    bridges.sort(key=lambda v: (-reach.get(v, 0), v))
    persons = [v for v in bridges if kind_of.get(v) == "person"][:max_shown * 2 // 3]  # persons first:
    places = [v for v in bridges if kind_of.get(v) == "location"][:max_shown - len(persons)]  # a meeting disrupts them
    shown = set(persons) | set(places)
    top = sorted((v for v in H.nodes if kind_of.get(v) in ("person", "location") and reach.get(v, 0) >= 2),
                 key=lambda v: (-reach.get(v, 0), v))
    shown.update(top[:max(1, max_shown // 10)])
    return home, shown


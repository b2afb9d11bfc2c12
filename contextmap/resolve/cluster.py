"""Cluster scored record pairs into entities, honouring decisions and refusing chains.

Private helper shared by :mod:`contextmap.resolve.persons` and
:mod:`contextmap.resolve.places`.

The clustering is greedy, constrained single linkage: the analyst's ``merge`` decisions are
applied first; then pairs at or above the threshold are taken strongest first, and two
clusters are joined only if no pair across them is *cannot-link* (a ``keep apart``
decision, or a scored pair with a hard contradiction such as different dates of birth).
This stops chaining: "T Grant" may link to "Tyler Grant" and "Tom Grant" may link to
"T Grant", but Tyler and Tom, whose dates of birth differ, never end up as one entity.

Records can also be *exclusive* (children's records): two clusters that each hold one are
never joined by a score (only a ``merge`` decision, or, where allowed, a scored pair of two
exclusive records itself), so a person record that resembles two children never chains
them into one. A cluster is named by its lowest *preferred* record id when it has one (a
child's id: the entity that absorbs a police spelling of a child is the child), else by
its lowest record id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from contextmap._errors import ConfigError
from contextmap.dataset import Dataset

__all__ = ["cluster_records", "checked_weights", "merged_summary", "dataset_entity_ids"]


@dataclass
class Clusters:
    entity_id: np.ndarray  # canonical record id per record (object array)
    confidence: np.ndarray  # float per record
    decided: np.ndarray  # bool per record: membership fixed by a merge decision
    refused: pd.DataFrame  # pairs above threshold not joined (a, b, p, reason)


def cluster_records(
    ids: np.ndarray,
    pairs: pd.DataFrame,
    *,
    threshold: float,
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
    exclusive: np.ndarray | None = None,
    exclusive_pairs: bool = False,
    prefer: np.ndarray | None = None,
    conflict: Callable[..., str] | None = None,
) -> Clusters:
    """Cluster records ``0..n-1``.

    ``pairs`` has integer columns ``a``, ``b`` (indices into ``ids``), float ``p`` and bool
    ``contradiction``, and optionally ``refuse`` (a reason, ``''`` for none: such a pair is
    never joined, though it is no cannot-link either) and ``apart`` (bool: a cannot-link that
    is no contradiction, such as a name-only record and a child it may or may not be; it does
    not hold for a record a ``merge`` decision names). ``must`` / ``cannot`` are index pairs
    from the decisions file. ``exclusive`` (bool per record): two clusters that each hold an
    exclusive record are joined only by decisions, or with ``exclusive_pairs`` by a pair of
    two exclusive records. ``prefer`` (bool per record): the records whose ids name a
    cluster first. ``conflict(members_a, members_b, (a, b))``, asked before the score of the
    pair ``a``, ``b`` joins two clusters of which one holds an exclusive record, gives a
    reason the two may never be one (``''`` for none): a guard over every record of the
    entity, not only over the pairs scored.
    """
    n = len(ids)
    # only these columns are read: filtering the caller's whole frame (its explanations and
    # notes in Arrow strings) cost a second at 100,000 episodes
    pairs = pairs[[c for c in ("a", "b", "p", "contradiction", "refuse", "apart") if c in pairs.columns]]
    parent = np.arange(n)
    members: dict[int, set[int]] = {}
    blocked: dict[int, set[int]] = {}  # root -> records that may never join this cluster
    excl = np.zeros(n, dtype=bool) if exclusive is None else np.asarray(exclusive, dtype=bool)
    n_excl: dict[int, int] = {}  # root -> exclusive records in the cluster

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return int(root)

    def mem(r: int) -> set[int]:
        return members.setdefault(r, {r})

    def union(ra: int, rb: int) -> None:
        ma, mb = mem(ra), mem(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        parent[rb] = ra
        ma |= mb
        members.pop(rb, None)
        n_excl[ra] = n_excl.get(ra, int(excl[ra])) + n_excl.pop(rb, int(excl[rb]))
        ba = blocked.get(ra)
        bb = blocked.pop(rb, None)
        if bb:
            if ba is None:
                blocked[ra] = bb
            else:
                ba |= bb

    decided = np.zeros(n, dtype=bool)
    for a, b in must:
        ra, rb = find(a), find(b)
        decided[a] = decided[b] = True
        if ra != rb:
            union(ra, rb)

    hard_mask = pairs["contradiction"].to_numpy(dtype=bool) if len(pairs) else np.zeros(0, dtype=bool)
    if "apart" in pairs.columns and len(pairs):
        # a kept-apart pair that is no contradiction yields to the analyst: a record a merge
        # decision names is not kept from anyone by it
        soft = pairs["apart"].to_numpy(dtype=bool)
        soft = soft & ~decided[pairs["a"].to_numpy(dtype=np.int64)] & ~decided[pairs["b"].to_numpy(dtype=np.int64)]
        hard_mask = hard_mask | soft
    hard = pairs[hard_mask] if len(pairs) else pairs
    if len(hard):
        # a contradiction can only ever matter between records that some chain of strong
        # pairs or merge decisions could join: drop the rest (often millions) up front
        strong_mask = pairs["p"].to_numpy() >= threshold
        ea = np.concatenate([pairs["a"].to_numpy(dtype=np.int64)[strong_mask],
                             np.array([m[0] for m in must], dtype=np.int64)])
        eb = np.concatenate([pairs["b"].to_numpy(dtype=np.int64)[strong_mask],
                             np.array([m[1] for m in must], dtype=np.int64)])
        graph = coo_matrix((np.ones(len(ea), dtype=np.int8), (ea, eb)), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        ha = hard["a"].to_numpy(dtype=np.int64)
        hb = hard["b"].to_numpy(dtype=np.int64)
        hard = hard[comp[ha] == comp[hb]]
    cannot_all = list(cannot) + list(zip(hard["a"].tolist(), hard["b"].tolist(), strict=True))
    for a, b in cannot_all:
        ra, rb = find(a), find(b)
        if ra == rb:  # already joined by a merge decision: the decision wins
            continue
        blocked.setdefault(a, set()).add(b)
        blocked.setdefault(b, set()).add(a)
    # blocked is keyed by record; move each record's set to its current root
    by_root: dict[int, set[int]] = {}
    for rec, s in blocked.items():
        by_root.setdefault(find(rec), set()).update(s)
    blocked = by_root

    strong = pairs[pairs["p"].to_numpy() >= threshold] if len(pairs) else pairs
    if len(strong):
        order = np.lexsort((strong["b"].to_numpy(), strong["a"].to_numpy(), -strong["p"].to_numpy()))
        strong = strong.iloc[order]
    refused = []
    reasons = strong["refuse"].tolist() if "refuse" in strong.columns else [""] * len(strong)
    for a, b, p, why in zip(strong["a"].tolist(), strong["b"].tolist(), strong["p"].tolist(), reasons, strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if why:
            refused.append((a, b, p, why))
            continue
        ba, bb = blocked.get(ra), blocked.get(rb)
        if (ba and not ba.isdisjoint(mem(rb))) or (bb and not bb.isdisjoint(mem(ra))):
            refused.append((a, b, p, "would join records kept apart"))
            continue
        if (n_excl.get(ra, int(excl[ra])) and n_excl.get(rb, int(excl[rb]))
                and not (exclusive_pairs and excl[a] and excl[b])):
            refused.append((a, b, p, "would join two children's records"))
            continue
        if conflict is not None and (n_excl.get(ra, int(excl[ra])) or n_excl.get(rb, int(excl[rb]))):
            why = conflict(mem(ra), mem(rb), (a, b))
            if why:
                refused.append((a, b, p, why))
                continue
        union(ra, rb)

    roots = np.array([find(i) for i in range(n)], dtype=np.int64)
    # canonical id: the lowest record id in the cluster (rank by id, then min rank per root),
    # preferred records (children) ranked before all others
    rank = np.empty(n, dtype=np.int64)
    order = np.argsort(ids.astype(str), kind="stable")
    if prefer is not None:
        pref = np.asarray(prefer, dtype=bool)
        order = order[np.argsort(~pref[order], kind="stable")]
    rank[order] = np.arange(n)
    best = np.full(n, n, dtype=np.int64)
    np.minimum.at(best, roots, rank)
    by_rank = np.empty(n, dtype=object)
    by_rank[rank] = ids
    entity = by_rank[best[roots]] if n else np.empty(0, dtype=object)

    # confidence: strongest accepted link to another member; singletons: 1 - strongest
    # candidate link to anyone (how sure we are that the record stands alone)
    conf = np.ones(n)
    if len(pairs):
        a = pairs["a"].to_numpy()
        b = pairs["b"].to_numpy()
        p = pairs["p"].to_numpy(dtype=float)
        same = roots[a] == roots[b]
        best_in = np.zeros(n)
        np.maximum.at(best_in, a[same], p[same])
        np.maximum.at(best_in, b[same], p[same])
        best_out = np.zeros(n)
        np.maximum.at(best_out, a[~same], p[~same])
        np.maximum.at(best_out, b[~same], p[~same])
        size = np.bincount(roots, minlength=n)[roots]
        conf = np.where(size > 1, best_in, 1.0 - best_out)
    conf = np.where(decided, 1.0, conf)
    refused_df = pd.DataFrame(refused, columns=["a", "b", "p", "reason"])
    return Clusters(entity, np.round(conf, 4), decided, refused_df)


def checked_weights(
    threshold: float, weights: Mapping[str, float] | None, defaults: Mapping[str, float], name: str
) -> dict[str, float]:
    """Validate a resolver's ``threshold`` and ``weights``; return the defaults overridden.

    Raises ``ConfigError`` naming the argument and quoting the value (``name`` is the
    defaults' public name, e.g. ``'PERSON_WEIGHTS'``).
    """


    if not 0.0 < float(threshold) < 1.0:
        raise ConfigError(f"Expected threshold to be between 0 and 1, instead got: {threshold!r}")
    w = {**defaults, **(weights or {})}
    unknown = set(w) - set(defaults)
    if unknown:
        raise ConfigError(f"Expected weights keys from {name}, instead got: {sorted(unknown)!r}")
    return w


def merged_summary(entities: pd.DataFrame) -> pd.DataFrame:
    """One row per entity of more than one record: its record ids, size, least confidence, decided."""
    g = entities.groupby("entity_id", sort=True)
    out = pd.DataFrame(
        {
            "record_ids": g["record_id"].agg(lambda s: "; ".join(sorted(s))),
            "size": g.size(),
            "confidence": g["confidence"].min(),
            "decided": g["decided"].any(),
        }
    ).reset_index()
    return out[out["size"] > 1].reset_index(drop=True)


def dataset_entity_ids(ds: Dataset) -> set[str]:
    """Every child, person and location id in ``ds``."""
    out: set[str] = set()
    for table, key in (("children", "child_id"), ("persons", "person_id"), ("locations", "location_id")):
        out.update(ds.table(table)[key].dropna().astype(str).tolist())
    return out

"""The context graph: children, persons of concern and locations joined by graded evidence.

Nodes are keyed by entity id and carry ``kind`` (``'child'``, ``'person'``, ``'location'``)
and ``label`` (the name, or the id when there is none); children also carry ``ce_risk``,
locations ``category``, ``latitude`` and ``longitude``. Persons that entity resolution made
from an RHI mention matching no record carry ``provisional=True``.

An edge joins two entities that at least one accepted link, or a missing episode's found
location, connects in the period. It carries its evidence (a list of dicts with ``link_id``,
``episode_id``, ``relation``, ``date`` (ISO), ``source_type``, ``grading``, ``handling_code``)
and summary attributes: ``weight``, ``n_links``, ``first_seen``, ``last_seen``,
``min_grade`` (the weakest grading in the evidence), ``corroborated`` and ``e_graded``.

Edge weight
-----------
Each piece of evidence ``e`` counts

    w(e) = m_source(e) * m_assessment(e) * 2 ** (-age_days(e) / half_life_days)

where ``age_days`` is the time from the evidence date to the end of the period, ``m_source``
is 1 for a reliable source (``1``), ``graph.untested_weight`` for an untested one (``2``, and
for ungraded evidence) and ``graph.unreliable_weight`` for a not-reliable one (``3``), and
``m_assessment`` is 1 for A and B, 0.75 for C (and ungraded), 0.5 for D and 0.25 for E. An
episode's found location is a service record, weighted 1 before decay. The edge weight is
the sum over its evidence. E-graded evidence is left out unless ``graph.include_e_graded``.

An edge is ``corroborated`` when any of its evidence comes from a reliable source with
assessment A or B, or from an episode record, or when two or more different source types
report it. Views must draw other edges as untested, never as fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.schema import e_graded
from contextmap.settings import Settings

__all__ = [
    "graph_from_dataset",
    "children_projection",
    "evidence_table",
    "to_igraph",
    "as_graph",
    "evidence_weight",
    "ASSESSMENT_WEIGHT",
]

ASSESSMENT_WEIGHT = {"A": 1.0, "B": 1.0, "C": 0.75, "D": 0.5, "E": 0.25}
"""Multiplier for the intelligence assessment (ungraded evidence counts as C)."""

_GRADE_ORDER = {f"{s}{a}": i for i, (s, a) in enumerate((s, a) for s in "123" for a in "ABCDE")}


def _in_period(dates: pd.Series, start: pd.Timestamp | None, end: pd.Timestamp) -> np.ndarray:
    d = pd.to_datetime(dates)
    ok = d.notna() & (d < end + pd.Timedelta(days=1))
    if start is not None:
        ok &= d >= start
    return np.array(ok.to_numpy(dtype=bool), dtype=bool, copy=True)


def evidence_weight(
    source_evaluation: Any, assessment: Any, age_days: Any, *, settings: Settings | None = None
) -> np.ndarray:
    """Weight of evidence items (vectorised): grading multipliers times half-life decay.

    Examples
    --------
    >>> from contextmap.graph import evidence_weight
    >>> [round(float(w), 3) for w in evidence_weight(["1", "2"], ["A", "C"], [0, 180])]
    [1.0, 0.188]
    """
    gs = (settings or Settings()).graph
    src = pd.Series(np.asarray(source_evaluation, dtype=object))
    ass = pd.Series(np.asarray(assessment, dtype=object))
    m_src = src.map({"1": 1.0, "2": gs.untested_weight, "3": gs.unreliable_weight}).fillna(gs.untested_weight)
    m_ass = ass.map(ASSESSMENT_WEIGHT).fillna(ASSESSMENT_WEIGHT["C"])
    age = np.clip(np.asarray(age_days, dtype=float), 0, None)
    return m_src.to_numpy(float) * m_ass.to_numpy(float) * np.power(0.5, age / gs.half_life_days)


def _str_or_none(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def evidence_table(ds: Dataset, start, end, settings: Settings) -> pd.DataFrame:
    """One row per piece of evidence in the period: a, b, weight and the evidence fields."""
    gs = settings.graph
    li = ds.links
    cols = ["a", "b", "link_id", "episode_id", "relation", "date", "source_type", "grading",
            "handling_code", "source_evaluation", "intelligence_assessment"]
    parts = []
    if len(li):
        keep = _in_period(li["observed_on"], start, end)
        keep &= li["source_kind"].notna().to_numpy() & li["target_kind"].notna().to_numpy()
        keep &= (li["source_id"] != li["target_id"]).fillna(False).to_numpy(dtype=bool)
        if not gs.include_e_graded:
            keep &= ~e_graded(li["intelligence_assessment"])
        sub = li.loc[keep]
        parts.append(pd.DataFrame({
            "a": sub["source_id"].astype(object).to_numpy(),
            "b": sub["target_id"].astype(object).to_numpy(),
            "link_id": sub["link_id"].astype(object).to_numpy(),
            "episode_id": sub["episode_id"].astype(object).to_numpy(),
            "relation": sub["relation"].astype(object).to_numpy(),
            "date": pd.to_datetime(sub["observed_on"]).to_numpy(),
            "source_type": sub["source_type"].astype(object).to_numpy(),
            "grading": sub["grading"].astype(object).to_numpy(),
            "handling_code": sub["handling_code"].astype(object).to_numpy(),
            "source_evaluation": sub["source_evaluation"].astype(object).to_numpy(),
            "intelligence_assessment": sub["intelligence_assessment"].astype(object).to_numpy(),
        }))
    ep = ds.episodes
    if len(ep):
        when = ep["returned_at"].fillna(ep["reported_at"])
        keep = _in_period(when, start, end) & ep["found_location_id"].notna().to_numpy()
        keep &= ep["found_location_id"].isin(ds.locations["location_id"]).to_numpy(dtype=bool)
        sub = ep.loc[keep]
        epf = pd.DataFrame({
            "a": sub["child_id"].astype(object).to_numpy(),
            "b": sub["found_location_id"].astype(object).to_numpy(),
            "link_id": None,
            "episode_id": sub["episode_id"].astype(object).to_numpy(),
            "relation": "found_at",
            "date": pd.to_datetime(when[keep]).dt.normalize().to_numpy(),
            "source_type": "episode",
            "grading": None,
            "handling_code": None,
            "source_evaluation": "1",
            "intelligence_assessment": "A",
        })
        if parts and len(parts[0]):
            # a link already recording this episode's found location is the same evidence
            lk = parts[0]
            dup = lk.loc[lk["relation"] == "found_at", ["a", "b", "episode_id"]].dropna()
            key = set(zip(dup["a"], dup["b"], dup["episode_id"], strict=True)) | set(
                zip(dup["b"], dup["a"], dup["episode_id"], strict=True))
            if key:
                mask = [(a, b, e) not in key for a, b, e in zip(epf["a"], epf["b"], epf["episode_id"], strict=True)]
                epf = epf.loc[mask]
        parts.append(epf)
    if not parts:
        return pd.DataFrame(columns=cols + ["weight", "u", "v"])
    ev = pd.concat(parts, ignore_index=True)
    ev = ev.astype({c: object for c in cols if c != "date"})
    age = (end - pd.to_datetime(ev["date"])).dt.days.to_numpy(dtype=float)
    ev["weight"] = evidence_weight(ev["source_evaluation"], ev["intelligence_assessment"], age, settings=settings)
    a = ev["a"].astype(str).to_numpy()
    b = ev["b"].astype(str).to_numpy()
    ev["u"] = np.where(a <= b, a, b)
    ev["v"] = np.where(a <= b, b, a)
    return ev


def graph_from_dataset(
    ds: Dataset,
    *,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
) -> nx.Graph:
    """Build the context graph of a dataset for a period.

    Parameters
    ----------
    ds
        A dataset from :func:`contextmap.load`.
    start, end
        The period (inclusive days). ``end`` defaults to the latest date in the data and is
        the reference date for the decay; ``start`` defaults to no lower bound.
    settings
        Weights and thresholds (``settings.graph``); defaults when ``None``.

    Returns
    -------
    networkx.Graph
        Nodes: every entity with evidence in the period, and every child with an episode in
        the period. ``G.graph`` holds ``start``, ``end`` (ISO) and the weight settings.

    Examples
    --------
    >>> import contextmap
    >>> from contextmap.graph import graph_from_dataset
    >>> ds = contextmap.sample.generate_sample(children=20, seed=1)  # doctest: +SKIP
    >>> G = graph_from_dataset(ds)  # doctest: +SKIP
    """
    settings = settings or Settings()
    start_ts, end_ts = period_bounds(ds, start=start, end=end)
    ev = evidence_table(ds, start_ts, end_ts, settings)
    G = nx.Graph(
        start=None if start_ts is None else str(start_ts.date()),
        end=str(end_ts.date()),
        half_life_days=settings.graph.half_life_days,
        include_e_graded=settings.graph.include_e_graded,
    )
    node_ids: set[str] = set(ev["u"]) | set(ev["v"]) if len(ev) else set()
    if len(ds.episodes):
        inper = _in_period(ds.episodes["reported_at"], start_ts, end_ts)
        node_ids |= set(ds.episodes.loc[inper, "child_id"].astype(str))
    _add_nodes(G, ds, node_ids)
    if len(ev):
        _add_edges(G, ev)
    return G


def _label(name: Any, ident: str) -> str:
    return str(name) if isinstance(name, str) and name.strip() else ident


def _add_nodes(G: nx.Graph, ds: Dataset, ids: set[str]) -> None:
    ch = ds.children[ds.children["child_id"].isin(ids)]
    for cid, name, risk in zip(ch["child_id"], ch["name"], ch["ce_risk"], strict=True):
        G.add_node(str(cid), kind="child", label=_label(name, str(cid)),
                   ce_risk=_str_or_none(risk) or "")
    pe = ds.persons[ds.persons["person_id"].isin(ids)]
    prov = (pe["provisional"].fillna(False).astype(bool) if "provisional" in pe.columns
            else pd.Series(False, index=pe.index))
    for pid, name, pv in zip(pe["person_id"], pe["name"], prov, strict=True):
        if pv:  # an entity made by resolution from an RHI mention that matched no record
            G.add_node(str(pid), kind="person", label=_label(name, str(pid)), provisional=True)
        else:
            G.add_node(str(pid), kind="person", label=_label(name, str(pid)))
    lo = ds.locations[ds.locations["location_id"].isin(ids)]
    for lid, name, cat, lat, lon in zip(lo["location_id"], lo["name"], lo["category"],
                                        lo["latitude"], lo["longitude"], strict=True):
        G.add_node(str(lid), kind="location", label=_label(name, str(lid)),
                   category=_str_or_none(cat) or "", latitude=float(lat), longitude=float(lon))
    for n in ids - set(G.nodes):  # referenced but unknown: kept, marked
        G.add_node(n, kind="unknown", label=n)


def _none_list(values: Any) -> list:
    """Column values as a Python list with None for missing (fast path for pandas columns)."""
    arr = np.asarray(pd.Series(values, dtype=object).to_numpy(), dtype=object)
    mask = pd.isna(arr)
    if mask.any():
        arr = arr.copy()
        arr[mask] = None
    return arr.tolist()


def _add_edges(G: nx.Graph, ev: pd.DataFrame) -> None:
    ev = ev.sort_values(["u", "v", "date"], kind="stable").reset_index(drop=True)
    n = len(ev)
    dates = pd.to_datetime(ev["date"]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    keys = ("link_id", "episode_id", "relation", "source_type", "grading", "handling_code")
    cols = [_none_list(ev[k]) for k in keys]
    items = [
        {"link_id": a, "episode_id": b, "relation": c, "date": d, "source_type": e, "grading": f,
         "handling_code": h}
        for a, b, c, d, e, f, h in zip(cols[0], cols[1], cols[2], dates.tolist(), cols[3], cols[4], cols[5],
                                       strict=True)
    ]
    st = ev["source_type"].astype(object)
    se = ev["source_evaluation"].astype(object)
    ia = ev["intelligence_assessment"].astype(object)
    is_episode = (st == "episode").to_numpy(dtype=bool)
    strong = is_episode | ((se == "1") & ia.isin(["A", "B"])).to_numpy(dtype=bool)
    grade = (se.astype(str) + ia.astype(str)).map(_GRADE_ORDER)
    grade = grade.where(~is_episode & se.notna().to_numpy() & ia.notna().to_numpy())
    pair = pd.Series(np.arange(n))
    change = np.ones(n, dtype=bool)
    u = ev["u"].to_numpy(dtype=object)
    v = ev["v"].to_numpy(dtype=object)
    change[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    gid = np.cumsum(change) - 1
    frame = pd.DataFrame({"g": gid, "w": ev["weight"].to_numpy(float), "strong": strong,
                          "e": e_graded(ia), "grade": grade.to_numpy(float),
                          "st": st.where(st.notna(), None)})
    agg = frame.groupby("g").agg(w=("w", "sum"), strong=("strong", "any"), e=("e", "any"),
                                 grade=("grade", "max"), types=("st", "nunique"))
    starts = np.flatnonzero(change).tolist() + [n]
    inv_grade = {i: k for k, i in _GRADE_ORDER.items()}
    del pair
    edges = []
    for k, (w, strong_k, e_k, g_k, types) in enumerate(zip(agg["w"].tolist(), agg["strong"].tolist(),
                                                           agg["e"].tolist(), agg["grade"].tolist(),
                                                           agg["types"].tolist(), strict=True)):
        lo, hi = starts[k], starts[k + 1]
        its = items[lo:hi]
        edges.append((u[lo], v[lo], {
            "weight": float(w), "evidence": its, "n_links": hi - lo,
            "first_seen": its[0]["date"], "last_seen": its[-1]["date"],
            "min_grade": "" if g_k != g_k else inv_grade[int(g_k)],
            "corroborated": bool(strong_k or types >= 2), "e_graded": bool(e_k),
        }))
    G.add_edges_from(edges)


def _kind_nodes(G: nx.Graph, kind: str) -> list[str]:
    return [n for n, k in G.nodes(data="kind") if k == kind]


def children_projection(
    G: nx.Graph,
    *,
    co_location_days: float | None = None,
    settings: Settings | None = None,
    person_weight: float = 1.0,
    place_weight: float = 0.5,
    direct_weight: float = 1.0,
) -> nx.Graph:
    """Project the context graph onto children: who is linked to whom, and through what.

    Two children are joined when (1) a link joins them directly (weight ``direct_weight *
    w``), (2) they share a person (``person_weight * min(w1, w2) / (k - 1)`` for a person
    linked to ``k`` children, so a person in touch with many children binds each pair less;
    provisional persons, RHI mentions that matched no record, do not bind), or (3) they were at the same place within ``co_location_days`` of each other
    (``place_weight * min(w1, w2) / (k - 1)`` for ``k`` children at the place in the period).
    Edge attributes ``direct``, ``persons`` and ``places`` list what binds the pair.

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
    days = (settings or Settings()).graph.co_location_days if co_location_days is None else co_location_days
    kinds = nx.get_node_attributes(G, "kind")
    H = nx.Graph()
    H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if d.get("kind") == "child")
    direct_rows, ref_rows, visit_rows = [], [], []
    for u, v, d in G.edges(data=True):
        ku, kv = kinds.get(u), kinds.get(v)
        if ku == "child" and kv == "child":
            direct_rows.append((u, v, d["weight"]))
        elif ku == "child" or kv == "child":
            c, o, ko = (u, v, kv) if ku == "child" else (v, u, ku)
            if ko == "person":
                # a provisional person (an RHI mention that matched no record, often a bare
                # first name) is not evidence that binds two children: it is kept in the
                # graph for the record but left out of the projection
                if not G.nodes[o].get("provisional", False):
                    ref_rows.append((o, c, d["weight"]))
            elif ko == "location":
                for item in d["evidence"]:
                    visit_rows.append((o, c, item["date"], d["weight"]))
    parts = []
    if direct_rows:
        dr = pd.DataFrame(direct_rows, columns=["a", "b", "w"])
        parts.append(dr.assign(w=dr["w"] * direct_weight, via=None, field="direct"))
    if ref_rows:
        parts.append(_shared(pd.DataFrame(ref_rows, columns=["via", "child", "w"]), person_weight, "persons"))
    if visit_rows:
        vis = pd.DataFrame(visit_rows, columns=["via", "child", "date", "w"])
        parts.append(_co_located(vis, days, place_weight))
    parts = [p for p in parts if len(p)]
    if not parts:
        return H
    allp = pd.concat(parts, ignore_index=True)
    order = {n: i for i, n in enumerate(G.nodes)}
    ia = allp["a"].map(order).to_numpy()
    ib = allp["b"].map(order).to_numpy()
    a = allp["a"].to_numpy(dtype=object)
    b = allp["b"].to_numpy(dtype=object)
    swap = ia > ib
    allp["a"], allp["b"] = np.where(swap, b, a), np.where(swap, a, b)
    allp["_ia"], allp["_ib"] = np.where(swap, ib, ia), np.where(swap, ia, ib)
    allp["_iv"] = allp["via"].map(order).fillna(-1)
    allp = allp.sort_values(["_ia", "_ib", "field", "_iv"], kind="stable")
    w = allp.groupby(["a", "b"], sort=False)["w"].sum()
    direct = set(zip(allp.loc[allp["field"] == "direct", "a"], allp.loc[allp["field"] == "direct", "b"], strict=True))
    lists: dict[str, dict[tuple[str, str], list]] = {}
    for field in ("persons", "places"):
        sub = allp.loc[allp["field"] == field]
        lists[field] = sub.groupby(["a", "b"], sort=False)["via"].agg(list).to_dict() if len(sub) else {}
    H.add_edges_from(
        (x, y, {"weight": float(wt), "direct": (x, y) in direct, "persons": lists["persons"].get((x, y), []),
                "places": lists["places"].get((x, y), [])})
        for (x, y), wt in w.items()
    )
    return H


def _shared(ref: pd.DataFrame, scale: float, field: str) -> pd.DataFrame:
    """Pairs of children sharing a person: ``scale * min(w1, w2) / (k - 1)``."""
    k = ref.groupby("via")["child"].transform("size")
    ref = ref.loc[k >= 2].assign(k=k[k >= 2])
    ref = ref.assign(i=pd.factorize(ref["child"])[0])
    m = ref.merge(ref, on="via", suffixes=("1", "2"))
    m = m.loc[m["i1"] < m["i2"]]
    w = scale * np.minimum(m["w1"], m["w2"]) / (m["k1"] - 1)
    return pd.DataFrame({"a": m["child1"].to_numpy(), "b": m["child2"].to_numpy(), "w": w.to_numpy(),
                         "via": m["via"].to_numpy(), "field": field})


def _co_located(vis: pd.DataFrame, days: float, scale: float) -> pd.DataFrame:
    """Pairs of children seen at one place within ``days`` of each other (vectorised sweep):
    ``scale * min(w1, w2) / (k - 1)`` for ``k`` children at the place."""
    vis = vis.assign(day=pd.to_datetime(vis["date"]).to_numpy("datetime64[D]").astype(np.int64))
    vis = vis.sort_values(["via", "day"], kind="stable").reset_index(drop=True)
    k_of = vis.groupby("via")["child"].nunique()
    place = vis["via"].to_numpy(dtype=object)
    day = vis["day"].to_numpy()
    child = vis["child"].to_numpy(dtype=object)
    found_a, found_b, found_p = [], [], []
    n = len(vis)
    for off in range(1, n):
        same = (place[off:] == place[:-off]) & (day[off:] - day[:-off] <= days)
        if not same.any():
            break
        idx = np.flatnonzero(same)
        ca, cb = child[idx], child[idx + off]
        ok = ca != cb
        found_a.append(ca[ok])
        found_b.append(cb[ok])
        found_p.append(place[idx][ok])
    if not found_a:
        return pd.DataFrame(columns=["a", "b", "w", "via", "field"])
    pa, pb = np.concatenate(found_a), np.concatenate(found_b)
    codes, _ = pd.factorize(np.concatenate([pa, pb]))
    first = codes[: len(pa)] < codes[len(pa):]
    pairs = pd.DataFrame({"a": np.where(first, pa, pb), "b": np.where(first, pb, pa),
                          "via": np.concatenate(found_p)}).drop_duplicates()
    wmap = vis.drop_duplicates(["via", "child"]).set_index(["via", "child"])["w"]
    w1 = wmap.reindex(pd.MultiIndex.from_arrays([pairs["via"], pairs["a"]])).to_numpy()
    w2 = wmap.reindex(pd.MultiIndex.from_arrays([pairs["via"], pairs["b"]])).to_numpy()
    k = k_of.reindex(pairs["via"]).to_numpy(float)
    pairs["w"] = scale * np.minimum(w1, w2) / np.maximum(k - 1, 1)
    pairs["field"] = "places"
    return pairs[["a", "b", "w", "via", "field"]]


def as_graph(ds_or_graph: Any, *, start: Any, end: Any, settings: Settings | None) -> nx.Graph:
    if isinstance(ds_or_graph, nx.Graph):
        return ds_or_graph
    if isinstance(ds_or_graph, Dataset):
        return graph_from_dataset(ds_or_graph, start=start, end=end, settings=settings)
    raise TypeError(f"Expected a Dataset or a networkx Graph, instead got: {type(ds_or_graph).__name__!r}")


def _iter_ids(x: Iterable[Any]) -> list[str]:
    return [str(v) for v in x]


def to_igraph(H: nx.Graph, *, weight: str | None = "weight") -> tuple[ig.Graph, list, list[float]]:
    """An undirected igraph copy of ``H``: the graph, its node ids in vertex order, edge weights.

    Weights are read from the edge attribute ``weight`` (1.0 where absent; all 1.0 when
    ``weight`` is None), in igraph's edge order.

    Examples
    --------
    >>> g, nodes, w = to_igraph(nx.Graph([("a", "b", {"weight": 2.0}), ("b", "c", {})]))
    >>> g.vcount(), g.ecount(), nodes, w
    (3, 2, ['a', 'b', 'c'], [2.0, 1.0])
    """
    nodes = list(H.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges, weights = [], []
    for u, v, d in H.edges(data=True):
        edges.append((index[u], index[v]))
        weights.append(float(d.get(weight, 1.0)) if weight is not None else 1.0)
    return ig.Graph(n=len(nodes), edges=edges), nodes, weights

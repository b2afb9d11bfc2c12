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

from collections.abc import Callable, Iterable
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.arrays import isin
from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.projection import (
    ChildPairs,
    GraphEdges,
    child_pairs,
    child_pairs_of_table,
    children_projection,
)
from contextmap.schema import e_graded
from contextmap.settings import Settings

__all__ = [
    "graph_from_dataset",
    "induced_edges",
    "induced_subgraph",
    "children_projection",
    "child_pairs",
    "ChildPairs",
    "evidence_table",
    "to_igraph",
    "as_graph",
    "AnalysisContext",
    "as_context",
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


def _objects(col: pd.Series) -> np.ndarray:
    """A column as a numpy object array with ``None`` for missing (one conversion, no copies
    of Arrow-backed strings per use)."""
    if isinstance(col.dtype, pd.StringDtype):  # Arrow knows where its nulls are
        arr = col.to_numpy(dtype=object, na_value=None)
        return arr if arr.flags.writeable else arr.copy()
    arr = col.to_numpy(dtype=object)
    mask = pd.isna(arr)
    if mask.any():
        arr = arr.copy() if not arr.flags.writeable else arr
        arr[mask] = None
    return arr


def _object_frame(data: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame that keeps object arrays as object columns (pandas would convert strings
    to its Arrow-backed dtype, slow to iterate and to index row by row)."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
                         for k, v in data.items()})


_EVIDENCE_COLUMNS = ["a", "b", "link_id", "episode_id", "relation", "date", "source_type", "grading",
                     "handling_code", "source_evaluation", "intelligence_assessment"]


def _evidence_rows(ds: Dataset, end: pd.Timestamp, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evidence up to ``end`` (no lower bound), before the period and duplicates are applied:
    the link rows and the episode found-location rows, object columns, weight decayed to ``end``."""
    gs = settings.graph
    li = ds.links
    empty = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else object)
                          for c in _EVIDENCE_COLUMNS} | {"weight": pd.Series(dtype=float)})
    links = empty
    if len(li):
        keep = _in_period(li["observed_on"], None, end)
        keep &= li["source_kind"].notna().to_numpy() & li["target_kind"].notna().to_numpy()
        keep &= (li["source_id"] != li["target_id"]).fillna(False).to_numpy(dtype=bool)
        if not gs.include_e_graded:
            keep &= ~e_graded(li["intelligence_assessment"])
        names = {"a": "source_id", "b": "target_id", "link_id": "link_id", "episode_id": "episode_id",
                 "relation": "relation", "source_type": "source_type", "grading": "grading",
                 "handling_code": "handling_code", "source_evaluation": "source_evaluation",
                 "intelligence_assessment": "intelligence_assessment"}
        data: dict[str, Any] = {k: _objects(li[c])[keep] for k, c in names.items()}
        data["date"] = pd.to_datetime(li["observed_on"]).to_numpy()[keep]
        links = _object_frame({c: data[c] for c in _EVIDENCE_COLUMNS})
    ep = ds.episodes
    episodes = empty
    if len(ep):
        when = ep["returned_at"].fillna(ep["reported_at"])
        keep = _in_period(when, None, end) & ep["found_location_id"].notna().to_numpy()
        keep &= isin(ep["found_location_id"], ds.locations["location_id"])
        n = int(keep.sum())
        none = np.full(n, None, dtype=object)
        episodes = _object_frame({
            "a": _objects(ep["child_id"])[keep],
            "b": _objects(ep["found_location_id"])[keep],
            "link_id": none,
            "episode_id": _objects(ep["episode_id"])[keep],
            "relation": np.full(n, "found_at", dtype=object),
            "date": pd.to_datetime(when).dt.normalize().to_numpy()[keep],
            "source_type": np.full(n, "episode", dtype=object),
            "grading": none.copy(),
            "handling_code": none.copy(),
            "source_evaluation": np.full(n, "1", dtype=object),
            "intelligence_assessment": np.full(n, "A", dtype=object),
        })
    for part in (links, episodes):
        if len(part):
            age = (end - part["date"]).dt.days.to_numpy(dtype=float)
            part["weight"] = evidence_weight(part["source_evaluation"], part["intelligence_assessment"], age,
                                             settings=settings)
    return links, episodes


def _evidence_for(rows: tuple[pd.DataFrame, pd.DataFrame], start: pd.Timestamp | None) -> pd.DataFrame:
    """The evidence table from :func:`_evidence_rows` for a period starting at ``start``."""
    links, episodes = rows
    if start is not None:
        links = links.loc[(links["date"] >= start).to_numpy(dtype=bool)]
        episodes = episodes.loc[(episodes["date"] >= start).to_numpy(dtype=bool)]
    if len(links) and len(episodes):
        # a link already recording this episode's found location (in the period) is the same evidence
        fa = (links["relation"] == "found_at").to_numpy(dtype=bool) & links["episode_id"].notna().to_numpy()
        dup = links.loc[fa, ["a", "b", "episode_id"]]
        key = set(zip(dup["a"], dup["b"], dup["episode_id"], strict=True)) | set(
            zip(dup["b"], dup["a"], dup["episode_id"], strict=True))
        if key:
            mask = [(a, b, e) not in key for a, b, e in zip(episodes["a"], episodes["b"], episodes["episode_id"],
                                                             strict=True)]
            episodes = episodes.loc[np.asarray(mask, dtype=bool)]
    parts = [p for p in (links, episodes) if len(p)]
    if not parts:
        return pd.DataFrame(columns=_EVIDENCE_COLUMNS + ["weight", "u", "v"])
    ev = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    a, b = _texts(ev["a"]), _texts(ev["b"])
    first = (a <= b).astype(bool)
    # object columns: pandas would store the ids as Arrow text, slow to hash and iterate; the
    # ids' own strings are kept (a new string per row and end was 100 MB at 100k episodes)
    ev["u"] = pd.Series(np.where(first, a, b), index=ev.index, dtype=object)
    ev["v"] = pd.Series(np.where(first, b, a), index=ev.index, dtype=object)
    return ev


def _texts(col: pd.Series) -> np.ndarray:
    """A column's values as an object array of ``str`` (``str(x)`` for anything else), the
    strings already there kept rather than copied."""
    arr = col.to_numpy(dtype=object)
    # pandas' type inference walks the array in C (a Python test per value took 0.4 s at
    # 100,000 episodes); a str subclass it calls text is still text
    if pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return arr
    return np.array([x if type(x) is str else str(x) for x in arr.tolist()], dtype=object)


def evidence_table(ds: Dataset, start: pd.Timestamp | None, end: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """One row per piece of evidence in the period: ``a``, ``b``, the evidence fields, ``weight``
    (decayed to ``end``) and ``u``/``v`` (``a``/``b`` in sorted order).

    Links (accepted, both ends known, not E-graded unless ``graph.include_e_graded``) observed
    in the period, and the found locations of episodes returned (or reported) in it; an
    episode's found location already recorded by a ``found_at`` link of that episode counts
    once. :attr:`AnalysisContext.evidence` and :attr:`AnalysisContext.history` hold it built
    once for an analysis.
    """
    return _evidence_for(_evidence_rows(ds, end, settings), start)


class AnalysisContext:
    """What every analysis of one period reads, built once and shared.

    The period's evidence table, the evidence history up to the end of the period, the
    context graph and its children projection are built the first time they are asked for
    and then kept, so :func:`contextmap.analysis.analyze` builds each once for peer groups,
    persons, hotspots, flags and timelines. Every analysis function accepts a context where
    it accepts a dataset (a dataset still works: the function builds a context for it).

    Parameters
    ----------
    dataset
        A dataset from :func:`contextmap.load` (resolved or redacted first, as wanted).
    start, end
        The period (inclusive days); ``end`` defaults to the latest date in the data and is
        the reference date of the evidence decay.
    settings
        Area rules and weights; defaults when ``None``.
    default_months
        With no ``start``: the period is the ``default_months`` months up to ``end`` (12, as
        :func:`contextmap.analysis.analyze` uses), or has no lower bound when ``None``.

    Attributes
    ----------
    dataset, start, end, settings
        As given (``start`` and ``end`` as midnight timestamps; ``start`` may be ``None``).

    Examples
    --------
    >>> from contextmap.graph import AnalysisContext
    >>> from contextmap.peers import find_peer_groups
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> ctx = AnalysisContext(ds)
    >>> ctx.graph is ctx.graph  # built once, then kept
    True
    >>> find_peer_groups(ctx).projection is ctx.projection  # the analyses read the same one
    True
    """

    def __init__(self, dataset: Dataset, *, start: Any = None, end: Any = None,
                 settings: Settings | None = None, default_months: int | None = 12) -> None:
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Expected a Dataset for dataset, instead got: {type(dataset).__name__!r}")
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"Expected a Settings for settings, instead got: {type(settings).__name__!r}")
        self.dataset: Dataset | None = dataset
        self.settings: Settings = settings or Settings()
        self.start, self.end = period_bounds(dataset, start=start, end=end, default_months=default_months)
        self._cache: dict[str, Any] = {}

    @classmethod
    def from_graph(cls, G: nx.Graph, *, settings: Settings | None = None) -> AnalysisContext:
        """A context around a context graph built elsewhere (no dataset: only the graph
        analyses, peer groups and persons, can run on it)."""
        if not isinstance(G, nx.Graph):
            raise TypeError(f"Expected a networkx Graph, instead got: {type(G).__name__!r}")
        ctx = cls.__new__(cls)
        ctx.dataset = None
        ctx.settings = settings or Settings()
        start, end = G.graph.get("start"), G.graph.get("end")
        ctx.start = None if start is None else pd.Timestamp(start)
        ctx.end = pd.Timestamp(end) if end is not None else pd.Timestamp.today().normalize()
        ctx._cache = {"graph": G}
        return ctx

    def __repr__(self) -> str:
        s = "None" if self.start is None else str(self.start.date())
        return f"<AnalysisContext start={s} end={self.end.date()} built={sorted(self._cache)}>"

    @property
    def period(self) -> tuple[pd.Timestamp | None, pd.Timestamp]:
        """``(start, end)``."""
        return self.start, self.end

    def require_dataset(self, what: str) -> Dataset:
        """The dataset; :class:`ConfigError` naming ``what`` needs it when the context was
        made from a graph alone."""
        if self.dataset is None:
            raise ConfigError(f"this analysis context was made from a graph alone and has no dataset "
                              f"for {what}: build it with AnalysisContext(ds, ...)")
        return self.dataset

    def earlier(self, *, start: Any = None, end: Any) -> AnalysisContext:
        """The context of an earlier window of the same dataset and settings (``end`` no later
        than this one's), its evidence cut from this context's instead of read again from the
        dataset: what the picture was at the last meeting, in a pack that analyses once.

        Examples
        --------
        >>> from contextmap.sample import generate_sample
        >>> ds = generate_sample(children=30, seed=2).to_dataset()
        >>> ctx = AnalysisContext(ds)
        >>> then = ctx.earlier(start=ctx.start, end=ctx.end - pd.Timedelta(days=28))
        >>> then.evidence.equals(AnalysisContext(ds, start=then.start, end=then.end).evidence)
        True
        """
        ds = self.require_dataset("an earlier window")
        s, e = period_bounds(ds, start=start, end=end, default_months=12)
        if e > self.end:
            raise ConfigError(f"Expected an end no later than this context's ({self.end.date()}), instead got: {end!r}")
        ctx = AnalysisContext.__new__(AnalysisContext)
        ctx.dataset, ctx.settings, ctx.start, ctx.end = ds, self.settings, s, e
        ctx._cache = {"kinds": self.kinds}

        def cut(part: pd.DataFrame) -> pd.DataFrame:
            part = part.loc[(part["date"] < e + pd.Timedelta(days=1)).to_numpy(dtype=bool)].copy()
            if len(part):
                age = (e - part["date"]).dt.days.to_numpy(dtype=float)
                part["weight"] = evidence_weight(part["source_evaluation"], part["intelligence_assessment"], age,
                                                 settings=self.settings)
            return part

        links, episodes = self._rows
        ctx._cache["evidence_rows"] = (cut(links), cut(episodes))
        return ctx

    def memo(self, name: str, build: Callable[[], Any]) -> Any:
        """The value stored under ``name``, built with ``build()`` the first time.

        For derived tables that more than one analysis reads (hotspots keep their location
        evidence here, for the ranking and the density surface).
        """
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    @property
    def _rows(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return self.memo("evidence_rows", lambda: _evidence_rows(self.require_dataset("evidence"), self.end,
                                                                   self.settings))

    @property
    def evidence(self) -> pd.DataFrame:
        """The evidence table of the period (:func:`evidence_table`)."""
        return self.memo("evidence", lambda: _evidence_for(self._rows, self.start))

    @property
    def history(self) -> pd.DataFrame:
        """The evidence table up to ``end`` with no lower bound (trends, first links)."""
        if self.start is None:
            return self.evidence
        return self.memo("history", lambda: _evidence_for(self._rows, None))

    @property
    def kinds(self) -> pd.Series:
        """Entity id -> ``'child'``, ``'person'`` or ``'location'`` for every record of the dataset."""
        def build() -> pd.Series:
            ds = self.require_dataset("entity kinds")
            parts = [pd.Series(kind, index=_objects(frame[col]), dtype=object)
                     for frame, col, kind in ((ds.children, "child_id", "child"), (ds.persons, "person_id", "person"),
                                              (ds.locations, "location_id", "location"))]
            out = pd.concat(parts)
            return out[~out.index.duplicated(keep="last")]
        return self.memo("kinds", build)

    @property
    def graph(self) -> nx.Graph:
        """The context graph of the period (:func:`graph_from_dataset`)."""
        def build() -> nx.Graph:
            table: dict[str, Any] = {}
            G = _graph_from_evidence(self.require_dataset("the graph"), self.evidence, self.start, self.end,
                                     self.settings, table)
            self._cache["edge_table"] = table  # the edges as arrays, for child_pairs
            return G
        return self.memo("graph", build)

    @property
    def child_pairs(self) -> ChildPairs:
        """The children projection as arrays (:func:`child_pairs`, settings' defaults): what
        peer groups are found on."""
        def build() -> ChildPairs:
            G = self.graph
            edges = self.graph_edges
            if edges is not None:
                return child_pairs_of_table(G, self._cache["edge_table"], settings=self.settings, edges=edges)
            return child_pairs(G, settings=self.settings)
        return self.memo("child_pairs", build)

    @property
    def graph_edges(self) -> GraphEdges | None:
        """The graph's edges as arrays in ``G.edges``' order (:class:`~contextmap.projection.GraphEdges`),
        read from the edge table kept while building the graph; None when edges have been added
        or removed since (then the graph itself is read). A change to an edge's attributes is
        not seen: the analyses read the context's graph and never change it, and the tables
        they keep from it (the projection, the people networks) are kept as built; to try a
        change, change a copy (``ctx.graph.copy()``) and analyse that."""
        G = self.graph
        table = self._cache.get("edge_table")
        if not table or len(table["u"]) != G.number_of_edges():
            return None
        return self.memo("graph_edges", lambda: GraphEdges.of_table(G, table))

    @property
    def projection(self) -> nx.Graph:
        """The children projection of the graph as a networkx graph (:func:`children_projection`,
        settings' defaults), built from :attr:`child_pairs` when first asked for."""
        return self.memo("projection", lambda: self.child_pairs.to_networkx(self.graph))


def as_context(
    source: Any, *, start: Any = None, end: Any = None, settings: Settings | None = None,
    default_months: int | None = 12,
) -> AnalysisContext:
    """The analysis context of ``source``: a context as it is, a dataset or a graph wrapped.

    ``start``, ``end`` and ``settings`` apply when a context is built; a context already fixes
    them, so passing a different period or settings with one is an error.

    Examples
    --------
    >>> import networkx as nx
    >>> from contextmap.graph import as_context
    >>> G = nx.Graph(end="2024-03-31")
    >>> as_context(G).graph is G
    True
    """
    if isinstance(source, AnalysisContext):
        given = {"start": start, "end": end}
        for name, value in given.items():
            if value is not None and pd.Timestamp(value).normalize() != getattr(source, name):
                raise ConfigError(f"Expected no {name} with an AnalysisContext (it fixes the period), "
                                  f"instead got: {value!r}")
        if settings is not None and settings is not source.settings and settings != source.settings:
            raise ConfigError("Expected no settings with an AnalysisContext (it fixes the settings), "
                              "instead got different settings")
        return source
    if isinstance(source, nx.Graph):
        return AnalysisContext.from_graph(source, settings=settings)
    if isinstance(source, Dataset):
        return AnalysisContext(source, start=start, end=end, settings=settings, default_months=default_months)
    raise TypeError("Expected a Dataset, an AnalysisContext or a networkx Graph, instead got: "
                    f"{type(source).__name__!r}")


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
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> G = graph_from_dataset(ds)
    >>> sorted({kind for _, kind in G.nodes(data="kind")})
    ['child', 'location', 'person']
    """
    return AnalysisContext(ds, start=start, end=end, settings=settings, default_months=None).graph


def _graph_from_evidence(ds: Dataset, ev: pd.DataFrame, start_ts: pd.Timestamp | None, end_ts: pd.Timestamp,
                         settings: Settings, table: dict[str, Any] | None = None) -> nx.Graph:
    G = nx.Graph(
        start=None if start_ts is None else str(start_ts.date()),
        end=str(end_ts.date()),
        half_life_days=settings.graph.half_life_days,
        include_e_graded=settings.graph.include_e_graded,
    )
    node_ids: set[str] = set(ev["u"]) | set(ev["v"]) if len(ev) else set()
    if len(ds.episodes):
        inper = _in_period(ds.episodes["reported_at"], start_ts, end_ts)
        node_ids |= set(_objects(ds.episodes["child_id"])[inper].astype(str))
    _add_nodes(G, ds, node_ids)
    if len(ev):
        _add_edges(G, ev, table)
    return G


def _label(name: Any, ident: str) -> str:
    return str(name) if isinstance(name, str) and name.strip() else ident


def _add_nodes(G: nx.Graph, ds: Dataset, ids: set[str]) -> None:
    ch = ds.children[isin(ds.children["child_id"], ids)]
    for cid, name, risk in zip(_objects(ch["child_id"]), _objects(ch["name"]), _objects(ch["ce_risk"]), strict=True):
        G.add_node(str(cid), kind="child", label=_label(name, str(cid)),
                   ce_risk=_str_or_none(risk) or "")
    pe = ds.persons[isin(ds.persons["person_id"], ids)]
    prov = (pe["provisional"].fillna(False).astype(bool) if "provisional" in pe.columns
            else pd.Series(False, index=pe.index))
    for pid, name, pv in zip(_objects(pe["person_id"]), _objects(pe["name"]), prov.tolist(), strict=True):
        if pv:  # an entity made by resolution from an RHI mention that matched no record
            G.add_node(str(pid), kind="person", label=_label(name, str(pid)), provisional=True)
        else:
            G.add_node(str(pid), kind="person", label=_label(name, str(pid)))
    lo = ds.locations[isin(ds.locations["location_id"], ids)]
    for lid, name, cat, lat, lon in zip(_objects(lo["location_id"]), _objects(lo["name"]), _objects(lo["category"]),
                                        lo["latitude"].tolist(), lo["longitude"].tolist(), strict=True):
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


def _add_edges(G: nx.Graph, ev: pd.DataFrame, table: dict[str, Any] | None = None) -> None:
    """Add the evidence's edges to ``G``; ``table`` (a dict), when given, is filled with the
    edges as arrays in the order they were added (:func:`child_pairs_of_table` reads them)."""
    ev = ev.sort_values(["u", "v", "date"], kind="stable").reset_index(drop=True)
    n = len(ev)
    # each day's text made once and shared by its evidence (a string per row was 24 MB at 100k)
    day, days = pd.factorize(pd.to_datetime(ev["date"]))
    texts = pd.Series(days).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    if (day < 0).any():  # no date: what strftime gives a missing one
        texts = np.append(texts, pd.Series([pd.NaT]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object))
        day = np.where(day < 0, len(texts) - 1, day)
    dates = texts[day]
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
    ws, strongs, es, gs, types = (agg[c].tolist() for c in ("w", "strong", "e", "grade", "types"))
    del ev, cols, dates, frame, agg, grade  # the sorted copy goes before the graph grows

    # each edge's attribute dict written straight into the adjacency, both ends sharing it, as
    # networkx's add_edges_from does after copying it twice over (1 s of 3 at 100,000 episodes);
    # every end is a node already (_add_nodes), and each pair comes once (grouped above)
    adj = G._adj
    eu, ev_ = u[starts[:-1]], v[starts[:-1]]  # each edge's two ends
    us, vs = eu.tolist(), ev_.tolist()
    if table is not None:
        table.update(u=eu, v=ev_, weight=np.asarray(ws, dtype=float),
                     starts=np.asarray(starts, dtype=np.int64), day=day, day_texts=texts)
    for k in range(len(ws)):
        lo, hi = starts[k], starts[k + 1]
        its = items[lo:hi]
        g_k = gs[k]
        d = {"weight": float(ws[k]), "evidence": its, "n_links": hi - lo,
             "first_seen": its[0]["date"], "last_seen": its[-1]["date"],
             "min_grade": "" if g_k != g_k else inv_grade[int(g_k)],
             "corroborated": bool(strongs[k] or types[k] >= 2), "e_graded": bool(es[k])}
        a_, b_ = us[k], vs[k]
        adj[a_][b_] = d
        adj[b_][a_] = d
    nx._clear_cache(G)


def induced_edges(G: nx.Graph, nodes: Iterable[Any]) -> list[tuple[Any, Any]]:
    """The edges of ``G`` among ``nodes``, in an order fixed by the order of ``nodes``.

    ``G.subgraph(nodes).edges()`` walks a set when the nodes are few, so its order (and every
    layout, picture or table drawn from it) changes with Python's string hashing from one run
    to the next; this does not. Each edge once, from the end listed first; no self-loops.

    Examples
    --------
    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    >>> induced_edges(G, ["c", "b", "a"])
    [('c', 'b'), ('c', 'a'), ('b', 'a')]
    """
    index: dict[Any, int] = {}
    for n in nodes:
        if n in G and n not in index:
            index[n] = len(index)
    out = []
    for u, i in index.items():
        for v in G[u]:
            j = index.get(v)
            if j is not None and j > i:
                out.append((u, v))
    return out


def induced_subgraph(G: nx.Graph, nodes: Iterable[Any]) -> nx.Graph:
    """A copy of ``G`` on ``nodes`` (attributes shared), nodes and edges in the order of
    ``nodes`` (:func:`induced_edges`): the same graph, and the same drawing, on every run."""
    keep = [n for n in dict.fromkeys(nodes) if n in G]
    H = nx.Graph(**G.graph)
    H.add_nodes_from((n, G.nodes[n]) for n in keep)
    H.add_edges_from((u, v, G[u][v]) for u, v in induced_edges(G, keep))
    return H


def _kind_nodes(G: nx.Graph, kind: str) -> list[str]:
    return [n for n, k in G.nodes(data="kind") if k == kind]



def as_graph(ds_or_graph: Any, *, start: Any = None, end: Any = None, settings: Settings | None = None) -> nx.Graph:
    """The context graph of a dataset, a context or a graph (see :func:`as_context`)."""
    return as_context(ds_or_graph, start=start, end=end, settings=settings, default_months=None).graph


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

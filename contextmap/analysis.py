"""All analyses for one period, in one result object, written as CSV tables and summary.json.

:func:`analyze` runs, in order: entity resolution (``resolve=True``, the default, through
:func:`contextmap.resolve.resolve_dataset`), the context graph, peer groups, persons of
concern, key players, hotspots, spatial clusters, the density surface and the flags.

The default period is the 12 months up to the latest date in the data (episodes and links):
``end`` is that date and ``start`` the day after ``end`` minus 12 months; both ends are
inclusive.

``summary.json`` keys are stable (other tools read them):

* ``period``: ``{"start", "end"}`` (ISO dates);
* ``peer_groups``: ``[{"id", "children", "stability", "size", "evidence"}]``;
* ``hotspots``: ``[{"location_id", "rank", "score", ...}]``, rank 1 first;
* ``persons_of_concern``: ``[{"person_id", "rank", "children_reached", ...}]``, rank 1 first;
* ``flags``: ``[{"child_id", "flag", "detail"}]``.

Ids are the dataset's own ids (with resolution on: the entity id, which is the lowest record
id of the entity).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.files import check_new_files, write_csv
from contextmap.flags import child_flags
from contextmap.graph import graph_from_dataset
from contextmap.hotspots import DensitySurface, density_surface, rank_locations, spatial_clusters
from contextmap.peers import PeerGroups, find_peer_groups
from contextmap.persons import key_players, rank_persons
from contextmap.resolve import resolve_dataset
from contextmap.settings import Settings

__all__ = ["Analysis", "analyze", "SUMMARY_KEYS", "OUTPUT_FILES"]

SUMMARY_KEYS = ("period", "peer_groups", "hotspots", "persons_of_concern", "flags")
OUTPUT_FILES = ("summary.json", "peer_groups.csv", "peer_membership.csv", "persons.csv",
                "key_players.csv", "hotspots.csv", "clusters.csv", "flags.csv")


@dataclass
class Analysis:
    """The analyses of one dataset for one period.

    Attributes
    ----------
    period
        ``(start, end)`` timestamps, both inclusive days.
    dataset
        The dataset analysed (resolved when resolution was on).
    graph, peer_groups, persons, key_players, hotspots, clusters, density, flags
        The results (see :mod:`contextmap.graph`, :mod:`contextmap.peers`,
        :mod:`contextmap.persons`, :mod:`contextmap.hotspots`, :mod:`contextmap.flags`).
    timings
        Seconds per step.
    resolved
        Whether entity resolution ran.
    """

    period: tuple[pd.Timestamp, pd.Timestamp]
    dataset: Dataset = field(repr=False)
    graph: nx.Graph = field(repr=False)
    peer_groups: PeerGroups = field(repr=False)
    persons: pd.DataFrame = field(repr=False)
    key_players: pd.DataFrame = field(repr=False)
    hotspots: gpd.GeoDataFrame = field(repr=False)
    clusters: gpd.GeoDataFrame = field(repr=False)
    density: DensitySurface = field(repr=False)
    flags: pd.DataFrame = field(repr=False)
    seed: int = 0
    resolved: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The summary.json content (see the module docstring for the keys)."""
        s, e = self.period
        groups = [{"id": r.group_id, "children": list(r.children), "stability": float(r.stability),
                   "size": int(r.size), "evidence": r.evidence_text}
                  for r in self.peer_groups.groups.itertuples()]
        hot = [{"location_id": str(r.location_id), "rank": int(r.rank), "score": float(r.score),
                "episodes": int(r.episodes), "children": int(r.children), "trend": r.trend}
               for r in self.hotspots.itertuples()]
        pocs = [{"person_id": str(r.person_id), "rank": int(r.rank),
                 "children_reached": int(r.children_reached), "groups_reached": int(r.groups_reached),
                 "score": float(r.score), "bridges": bool(r.bridges)}
                for r in self.persons.itertuples()]
        flags = [{"child_id": str(r.child_id), "flag": str(r.flag), "detail": str(r.detail)}
                 for r in self.flags.itertuples()]
        return {"period": {"start": str(s.date()), "end": str(e.date())}, "peer_groups": groups,
                "hotspots": hot, "persons_of_concern": pocs, "flags": flags}

    def write(self, out_dir: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
        """Write CSV tables and ``summary.json`` into ``out_dir``; return the paths.

        List columns are written ``'; '``-joined. Raises :class:`OutputExistsError` if any
        of :data:`OUTPUT_FILES` exists and ``overwrite`` is false.
        """
        out = Path(out_dir)
        paths = {name: out / name for name in OUTPUT_FILES}
        check_new_files(paths.values(), overwrite=overwrite)
        paths["summary.json"].write_text(json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        _csv(self.peer_groups.groups, paths["peer_groups.csv"])
        _csv(self.peer_groups.membership.reset_index(), paths["peer_membership.csv"])
        _csv(self.persons, paths["persons.csv"])
        _csv(self.key_players, paths["key_players.csv"])
        hot = pd.DataFrame(self.hotspots.drop(columns="geometry"))
        _csv(hot, paths["hotspots.csv"])
        cl = pd.DataFrame(self.clusters.drop(columns="geometry"))
        cl["wkt"] = self.clusters.geometry.to_wkt() if len(self.clusters) else []
        _csv(cl, paths["clusters.csv"])
        _csv(self.flags, paths["flags.csv"])
        return paths


def _csv(df: pd.DataFrame, path: Path) -> None:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, (list, tuple))).any():
            df[c] = df[c].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)

    write_csv(df, path, overwrite=True, bom=False)  # formula injection neutralised


def analyze(
    ds: Dataset,
    *,
    start: Any = None,
    end: Any = None,
    settings: Settings | None = None,
    seed: int = 0,
    resolve: bool = True,
    decisions: Any = None,
    n_runs: int = 10,
    key_player_k: int = 3,
    min_ties: int = 2,
    progress: Callable[[str], None] | None = None,
) -> Analysis:
    """Run every analysis for a period.

    Parameters
    ----------
    ds
        A dataset from :func:`contextmap.load`.
    start, end
        The period (inclusive days); default the 12 months up to the latest date in the data.
    settings
        Area rules and weights; defaults when ``None``.
    seed
        Seed for the community detection runs and sampled betweenness.
    resolve
        Resolve persons and places into entities first
        (:func:`contextmap.resolve.resolve_dataset`, with ``decisions``). ``False`` analyses
        the records as they are.
    n_runs
        Leiden runs for peer groups and their stability.
    key_player_k
        How many key players to pick.
    progress
        Called with the name of each step as it starts (the CLI shows it).

    Examples
    --------
    >>> from contextmap.analysis import analyze
    >>> result = analyze(ds, seed=0)  # doctest: +SKIP
    >>> sorted(result.summary())  # doctest: +SKIP
    ['flags', 'hotspots', 'peer_groups', 'period', 'persons_of_concern']
    """
    settings = settings or Settings()
    step = progress or (lambda _name: None)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 3)
        t = now

    s, e = period_bounds(ds, start=start, end=end, default_months=12)
    resolved = False
    if resolve:
        step("resolving persons and places")
        ds = resolve_dataset(ds, decisions=decisions)
        resolved = True
        lap("resolve")
    step("building the context graph")
    G = graph_from_dataset(ds, start=s, end=e, settings=settings)
    lap("graph")
    step("finding peer groups")
    pg = find_peer_groups(G, seed=seed, n_runs=n_runs, min_ties=min_ties, settings=settings)
    lap("peer_groups")
    step("ranking persons of concern")
    persons = rank_persons(G, peer_groups=pg, settings=settings, seed=seed)
    kp = key_players(G, k=key_player_k)
    lap("persons")
    step("ranking locations")
    hot = rank_locations(ds, start=s, end=e, settings=settings)
    clusters = spatial_clusters(hot)
    dens = density_surface(ds, start=s, end=e, settings=settings)
    lap("hotspots")
    step("flagging children")
    flags = child_flags(ds, start=s, end=e, settings=settings, hotspots=hot, persons=persons)
    lap("flags")
    return Analysis(period=(s, e), dataset=ds, graph=G, peer_groups=pg, persons=persons,
                    key_players=kp, hotspots=hot, clusters=clusters, density=dens, flags=flags,
                    seed=seed, resolved=resolved, timings=timings)

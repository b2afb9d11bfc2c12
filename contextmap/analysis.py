"""All analyses for one period, in one result object, written as CSV tables and summary.json.

:func:`analyze` runs, in order: entity resolution (``resolve=True``, the default, through
:func:`contextmap.resolve.resolve_dataset`), the context graph, peer groups, persons of
concern, key players, hotspots, spatial clusters, the density surface and the flags.

:func:`analyze` takes what :func:`contextmap.pack.build_pack` takes: a dataset folder, workbook
or sources manifest (read with :func:`contextmap.load`), or a loaded :class:`~contextmap.Dataset`.

The default period is the 12 months up to the latest date in the data (episodes and links):
``end`` is that date and ``start`` the day after ``end`` minus 12 months; both ends are
inclusive. A period that holds no episode and no link gives empty results and an
:class:`EmptyPeriodWarning` naming the period and the data's date range (the command line
makes it an error, exit 2).

``summary.json`` keys are stable (other tools read them):

* ``period``: ``{"start", "end"}`` (ISO dates);
* ``peer_groups``: ``[{"id", "children", "stability", "size", "evidence"}]``;
* ``hotspots``: ``[{"location_id", "rank", "score", ...}]``, rank 1 first;
* ``persons_of_concern``: ``[{"person_id", "rank", "children_reached", ...}]``, rank 1 first;
* ``flags``: ``[{"child_id", "flag", "detail"}]``.

Ids are the dataset's own ids (with resolution on: the entity id, which is the lowest record
id of the entity).

The result's frames are indexed by their entity id, as pandas users expect
(``result.hotspots.loc["L0012"]``, ``result.persons.loc["P0003"]``,
``result.peer_groups.groups.loc["PG1"]``); ``reset_index()`` gives the id back as a column.
Dates (``first_seen``, ``last_seen``) are datetimes.

For an audience that may not see everything, pass ``audience=``: resolution runs on the full
records (it matches real names), the resolved dataset is redacted for the audience
(:func:`contextmap.privacy.redact_dataset`) and everything after is computed from that, so
views drawn from the result are labelled for that audience without complaint.
"""

from __future__ import annotations

import gc
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from contextmap._errors import ContextMapError
from contextmap._gc import gc_paused
from contextmap.areas import areas_summary, count_by_area
from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.emerging import EmergingHotspots, emerging_hotspots
from contextmap.files import check_new_files, write_csv
from contextmap.flags import child_flags, keep_record_flags, record_flags
from contextmap.graph import AnalysisContext
from contextmap.hotspots import DensitySurface, density_surface, rank_locations, spatial_clusters
from contextmap.ingest import load
from contextmap.parallel import Beside, beside
from contextmap.peers import PeerGroups, find_peer_groups
from contextmap.persons import key_players_and_betweenness, rank_persons, remember_betweenness
from contextmap.privacy import forbidden_with_resolved, get_audience, redact_dataset
from contextmap.resolve import resolve_dataset
from contextmap.settings import Settings, load_settings
from contextmap.timelines import timeline

__all__ = ["Analysis", "AnalysisContext", "analyze", "SUMMARY_KEYS", "OUTPUT_FILES", "PARALLEL_FROM", "EmptyPeriodWarning",
           "empty_period_message"]

PARALLEL_FROM = 20_000
"""Pieces of evidence from which places are ranked in a second process while the graph, peer
groups and persons are computed (below it, starting the process costs more than it saves)."""

SUMMARY_KEYS = ("period", "peer_groups", "hotspots", "persons_of_concern", "flags")
OUTPUT_FILES = ("summary.json", "peer_groups.csv", "peer_membership.csv", "persons.csv",
                "key_players.csv", "hotspots.csv", "clusters.csv", "flags.csv")


class EmptyPeriodWarning(ContextMapError, UserWarning):
    """The period analysed holds no episode and no link: every result is empty.

    A warning in Python (the empty results are still returned); the command line turns it
    into an error (exit 2). It is also a :class:`~contextmap.ContextMapError`, so code that
    escalates it with ``warnings.simplefilter("error", EmptyPeriodWarning)`` catches it with
    the other expected errors.
    """


def _data_range(ds: Dataset) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    dates = [pd.to_datetime(frame[col]).dropna() for frame, col in
             ((ds.episodes, "reported_at"), (ds.episodes, "returned_at"), (ds.links, "observed_on"))
             if col in frame and len(frame)]
    dates = [d for d in dates if len(d)]
    if not dates:
        return None
    return min(d.min() for d in dates).normalize(), max(d.max() for d in dates).normalize()


def empty_period_message(ds: Dataset, start: pd.Timestamp | None, end: pd.Timestamp) -> str | None:
    """Why the period ``start``..``end`` (inclusive days) is empty, or ``None`` when it holds an
    episode (reported or returned in it) or a link (observed in it).

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1, end="2026-10-31").to_dataset()
    >>> print(empty_period_message(ds, pd.Timestamp("2010-01-01"), pd.Timestamp("2010-01-31")))
    Expected a period holding episodes or links, instead got 2010-01-01 to 2010-01-31, which holds none: the data runs from 2025-11-03 to 2026-10-31
    >>> empty_period_message(ds, None, pd.Timestamp("2026-10-31")) is None
    True
    """
    stop = end + pd.Timedelta(days=1)

    def within(values: pd.Series) -> bool:
        d = pd.to_datetime(values)
        ok = d.notna() & (d < stop)
        if start is not None:
            ok &= d >= start
        return bool(ok.any())

    ep, li = ds.episodes, ds.links
    if (len(ep) and (within(ep["reported_at"]) or within(ep["returned_at"]))) or (len(li) and within(li["observed_on"])):
        return None
    span = _data_range(ds)
    period = f"{'the start' if start is None else f'{start:%Y-%m-%d}'} to {end:%Y-%m-%d}"
    where = (f"the data runs from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}" if span is not None
             else "the data holds no dated episode or link")
    return f"Expected a period holding episodes or links, instead got {period}, which holds none: {where}"


@dataclass
class Analysis:
    """The analyses of one dataset for one period.

    Attributes
    ----------
    period
        ``(start, end)`` timestamps, both inclusive days.
    hotspots
        Indexed by ``location_id``.
    persons
        Indexed by ``person_id``.
    dataset
        The dataset analysed (resolved when resolution was on).
    graph, peer_groups, persons, key_players, hotspots, clusters, density, flags
        The results (see :mod:`contextmap.graph`, :mod:`contextmap.peers`,
        :mod:`contextmap.persons`, :mod:`contextmap.hotspots`, :mod:`contextmap.flags`).
    timings
        Seconds per step.
    resolved
        Whether entity resolution ran.
    context
        The :class:`contextmap.graph.AnalysisContext` every analysis read (the evidence
        table, the graph and the children projection, each built once).

    Results draw their own views (as esda's ``Moran_Local.explore()``):
    :meth:`hotspot_map`, :meth:`network_view` and :meth:`explore`. Two analyses run only
    when asked for: :meth:`emerging` (space-time hotspot classes) and :meth:`area_counts`
    (counts per ward, beat or LSOA).
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
    context: AnalysisContext | None = field(default=None, repr=False)

    def hotspot_map(self, **kwargs: Any) -> Any:
        """The hotspot map of this analysis (:func:`contextmap.views.maps.hotspot_map`; the
        keywords are passed on). A ``folium.Map``: offline, it displays inline in a notebook.
        """
        from contextmap.views.maps import (
            hotspot_map,  # views sit above analyses: imported when drawn
        )

        return hotspot_map(self, **kwargs)

    def network_view(self, **kwargs: Any) -> Any:
        """The peer network of this analysis (:func:`contextmap.views.network.network_view`;
        the keywords are passed on): a :class:`contextmap.views.network.NetworkView`."""
        from contextmap.views.network import network_view

        return network_view(self, **kwargs)

    def explore(self, *, height: str = "600px", **kwargs: Any) -> Any:
        """The hotspot map for a notebook: an object Jupyter displays as an isolated
        ``<iframe srcdoc>`` holding the whole map, which makes no network request with the
        default ``tiles='none'``. Keywords go to :meth:`hotspot_map`.
        """
        from contextmap.views.html import srcdoc_iframe

        document = self.hotspot_map(**kwargs).get_root().render()
        return _Embedded(srcdoc_iframe(document, height=height))

    def emerging(self, **kwargs: Any) -> EmergingHotspots:
        """Emerging hotspots over the analysis period (:func:`contextmap.emerging.emerging_hotspots`:
        new, intensifying, persistent, diminishing and sporadic places and grid cells; the
        keywords are passed on). Computed on first call and kept (per set of keywords).

        Examples
        --------
        >>> from contextmap.sample import generate_sample
        >>> result = analyze(generate_sample(children=30, seed=2).to_dataset(), seed=0)
        >>> em = result.emerging()
        >>> em is result.emerging(), set(em.places.columns) >= {"location_id", "category"}
        (True, True)
        """
        s, e = self.period
        key = "emerging:" + json.dumps(kwargs, sort_keys=True, default=str)
        if self.context is None:
            return emerging_hotspots(self.dataset, start=s, end=e, **kwargs)
        ctx = self.context
        return ctx.memo(key, lambda: emerging_hotspots(ctx, **kwargs))  # the analysis' own evidence

    def area_counts(self, areas: Any, *, top_n: int = 25) -> gpd.GeoDataFrame:
        """Episodes, children, places of concern (ranked ``top_n`` or better) and persons of
        concern per area (:func:`contextmap.areas.count_by_area`); ``areas`` is a file
        (:func:`contextmap.areas.read_areas`) or a GeoDataFrame with ``area_id`` and ``name``."""
        return count_by_area(self, areas, top_n=top_n)

    def timeline(self, entity_id: str, *, start: Any = None, end: Any = None) -> pd.DataFrame:
        """The timeline of a child, person or place in the analysed dataset
        (:func:`contextmap.timelines.timeline`), over the analysis period by default."""
        s, e = self.period
        return timeline(self.dataset, entity_id, start=s if start is None else start,
                        end=e if end is None else end)

    def summary(self) -> dict[str, Any]:
        """The summary.json content (see the module docstring for the keys)."""
        s, e = self.period
        groups = [{"id": r.Index, "children": list(r.children), "stability": float(r.stability),
                   "size": int(r.size), "evidence": r.evidence_text}
                  for r in self.peer_groups.groups.itertuples()]
        hot = [{"location_id": str(r.Index), "rank": int(r.rank), "score": float(r.score),
                "episodes": int(r.episodes), "children": int(r.children), "trend": r.trend}
               for r in self.hotspots.itertuples()]
        pocs = [{"person_id": str(r.Index), "rank": int(r.rank),
                 "children_reached": int(r.children_reached), "groups_reached": int(r.groups_reached),
                 "score": float(r.score), "bridges": bool(r.bridges)}
                for r in self.persons.itertuples()]
        flags = [{"child_id": str(r.child_id), "flag": str(r.flag), "detail": str(r.detail)}
                 for r in self.flags.itertuples()]
        return {"period": {"start": str(s.date()), "end": str(e.date())}, "peer_groups": groups,
                "hotspots": hot, "persons_of_concern": pocs, "flags": flags}

    def write(self, out_dir: str | Path, *, overwrite: bool = False,
              areas: pd.DataFrame | None = None) -> dict[str, Path]:
        """Write CSV tables and ``summary.json`` into ``out_dir``; return the paths.

        List columns are written ``'; '``-joined. With ``areas`` (from :meth:`area_counts`),
        also ``areas.csv`` and ``summary.json`` ``areas`` (``area_id``, ``name``,
        ``episodes``, ``children``, ``hotspots``, as the pack writes it). Raises
        :class:`OutputExistsError` if any file to write exists and ``overwrite`` is false.
        """
        out = Path(out_dir)
        names = OUTPUT_FILES + (("areas.csv",) if areas is not None else ())
        paths = {name: out / name for name in names}
        check_new_files(paths.values(), overwrite=overwrite)
        summary = self.summary()
        if areas is not None:
            summary["areas"] = areas_summary(areas)
            _csv(pd.DataFrame(areas.drop(columns="geometry", errors="ignore")), paths["areas.csv"])
        paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        _csv(self.peer_groups.groups, paths["peer_groups.csv"])
        _csv(self.peer_groups.membership.reset_index(), paths["peer_membership.csv"])
        _csv(self.persons.reset_index(), paths["persons.csv"])
        _csv(self.key_players, paths["key_players.csv"])
        hot = pd.DataFrame(self.hotspots.drop(columns="geometry")).reset_index()
        _csv(hot, paths["hotspots.csv"])
        cl = pd.DataFrame(self.clusters.drop(columns="geometry"))
        cl["wkt"] = self.clusters.geometry.to_wkt() if len(self.clusters) else []
        _csv(cl, paths["clusters.csv"])
        _csv(self.flags, paths["flags.csv"])
        return paths


class _Embedded:
    """HTML that Jupyter displays (``_repr_html_``); ``str()`` gives the markup."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<embedded map: {len(self.html)} characters of HTML>"


def _csv(df: pd.DataFrame, path: Path) -> None:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, (list, tuple))).any():
            df[c] = df[c].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)

    write_csv(df, path, overwrite=True, bom=False)  # formula injection neutralised


def _hotspot_results(ctx: AnalysisContext) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, DensitySurface]:
    """Ranked locations, spatial clusters and the density surface of a context."""
    hot = rank_locations(ctx)
    return hot, spatial_clusters(hot), density_surface(ctx)


def analyze(
    data: Dataset | str | Path,
    *,
    start: Any = None,
    end: Any = None,
    settings: Settings | str | Path | None = None,
    seed: int = 0,
    resolve: bool = True,
    decisions: Any = None,
    n_runs: int | None = None,
    key_player_k: int = 3,
    min_ties: int = 2,
    progress: Callable[[str], None] | None = None,
    audience: str | None = None,
    pseudonymiser: Any = None,
    mapping: str | Path | None = None,
) -> Analysis:
    """Run every analysis for a period.

    Parameters
    ----------
    data
        A dataset folder, workbook or sources manifest (read with :func:`contextmap.load`,
        with ``mapping`` and ``settings``), or a dataset already loaded.
    start, end
        The period (inclusive days); default the 12 months up to the latest date in the data.
        A period holding no episode and no link gives empty results and an
        :class:`EmptyPeriodWarning` naming the period and the data's date range.
    settings
        Area rules and weights (:class:`~contextmap.Settings` or a settings file); defaults
        when ``None``.
    seed
        Seed for the community detection runs and sampled betweenness.
    resolve
        Resolve persons and places into entities first
        (:func:`contextmap.resolve.resolve_dataset`, with ``decisions``). ``False`` analyses
        the records as they are.
    n_runs
        Leiden runs for peer groups and their stability (default: 10, or 3 above 10,000
        linked children; see :data:`contextmap.peers.LARGE_NETWORK_RUNS`).
    key_player_k
        How many key players to pick.
    progress
        Called with the name of each step as it starts (the CLI shows it).
    audience
        Analyse what this audience may see: resolve on the full records, redact the resolved
        dataset for the audience (``privacy.redact_dataset``, ``as_of`` the end of the
        period, the audiences of ``settings``), then analyse the redacted dataset. Views drawn
        from the result (map, network) may then be labelled for that audience.
    pseudonymiser
        For an audience that sees pseudonyms (default: the key in the user's configuration
        directory, ``privacy.default_key_path()``).
    mapping
        A column-mapping file, when ``data`` is a path to a local export.

    Raises
    ------
    InputNotFoundError
        If ``data`` is a path that does not exist.
    ConfigError
        If a date cannot be read or ``start`` is after ``end``.

    Examples
    --------
    >>> from contextmap.sample import generate_sample
    >>> ds = generate_sample(children=20, seed=1).to_dataset()
    >>> result = analyze(ds, seed=0)
    >>> sorted(result.summary())
    ['flags', 'hotspots', 'peer_groups', 'period', 'persons_of_concern']

    A folder (or workbook, or manifest) is read first, as :func:`contextmap.load` reads it:

    >>> import tempfile, pathlib
    >>> folder = generate_sample(children=20, seed=1).write(pathlib.Path(tempfile.mkdtemp()) / "export")
    >>> analyze(folder, seed=0).summary() == result.summary()
    True
    """
    st = settings if isinstance(settings, Settings) else load_settings(settings)
    if isinstance(data, Dataset):
        ds = data
    elif isinstance(data, str | Path):
        ds = load(data, mapping=mapping, settings=st)
    else:
        raise TypeError(f"Expected data to be a dataset folder, workbook, manifest or Dataset, instead got: "
                        f"{type(data).__name__} {data!r:.80}")
    with gc_paused():  # cycles are collected once after entity resolution, and when it resumes
        return _analyze(ds, start=start, end=end, settings=st, seed=seed,
                        resolve=resolve, decisions=decisions, n_runs=n_runs, key_player_k=key_player_k,
                        min_ties=min_ties, progress=progress, audience=audience, pseudonymiser=pseudonymiser)


def _analyze(ds: Dataset, *, start: Any, end: Any, settings: Settings, seed: int, resolve: bool,
             decisions: Any, n_runs: int | None, key_player_k: int, min_ties: int,
             progress: Callable[[str], None] | None, audience: str | None = None,
             pseudonymiser: Any = None) -> Analysis:
    step = progress or (lambda _name: None)
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 3)
        t = now

    s, e = period_bounds(ds, start=start, end=end, default_months=12)
    empty = empty_period_message(ds, s, e)
    if empty is not None:
        warnings.warn(EmptyPeriodWarning(empty), stacklevel=3)
    resolved = False
    as_read = ds
    if resolve:  # resolving a redacted dataset keeps it redacted (resolve_dataset carries redacted_for)
        step("resolving persons and places")
        ds = resolve_dataset(ds, decisions=decisions)
        resolved = True
        # what resolution left in cycles (the record linker's tables, hundreds of MB at 100k
        # episodes) goes before the graph is built; only the objects made since the collector
        # was paused are looked at (a tenth of a second)
        gc.collect(0)
        lap("resolve")
    if audience is not None:
        step(f"redacting for the {audience} audience")
        aud = get_audience(audience, settings=settings)
        # the identifiers of the records as read too: a police spelling merged into a child is
        # taken out of free text like the child's own name (as packs and profiles do)
        ds = redact_dataset(ds, aud, pseudonymiser=pseudonymiser, as_of=e, settings=settings,
                            forbidden=forbidden_with_resolved(as_read, ds, aud, settings=settings))
        lap("redact")
    step("building the context graph")
    ctx = AnalysisContext(ds, start=s, end=e, settings=settings)  # every analysis reads this one
    big = len(ctx.history) >= PARALLEL_FROM
    jobs: list[Beside] = []  # stopped, every one, if a step here fails
    try:
        # the places are ranked on the second core while the graph, peer groups and persons are
        # computed here: a forked child shares the evidence read once (contextmap.parallel)
        places_job = beside(_hotspot_results, ctx, use_child=big)
        jobs.append(places_job)
        G = ctx.graph
        lap("graph")
        # the key players and the persons' betweenness need no peer groups: on the second
        # core while those are found here
        kp_job = beside(key_players_and_betweenness, ctx, k=key_player_k, seed=seed, use_child=big)
        jobs.append(kp_job)
        step("finding peer groups")
        pg = find_peer_groups(ctx, seed=seed, n_runs=n_runs, min_ties=min_ties)
        lap("peer_groups")
        # the flags the records alone raise, on the second core (idle once the peer groups'
        # Leiden runs are done) while persons are ranked here
        flags_job = beside(record_flags, ctx, use_child=big)
        jobs.append(flags_job)
        step("ranking persons of concern")
        kp, btw = kp_job.result()
        remember_betweenness(ctx, btw, seed=seed)
        persons = rank_persons(ctx, peer_groups=pg, seed=seed)
        lap("persons")
        step("ranking locations")
        hot, clusters, dens = places_job.result()
        lap("hotspots")
        step("flagging children")
        keep_record_flags(ctx, flags_job.result())
        flags = child_flags(ctx, hotspots=hot, persons=persons)
        lap("flags")
    except BaseException:
        for job in jobs:
            job.cancel()  # a job whose result was taken has no child left: nothing to stop
        raise
    return Analysis(period=(s, e), dataset=ds, graph=G, peer_groups=pg, persons=persons.set_index("person_id"),
                    key_players=kp, hotspots=hot.set_index("location_id"), clusters=clusters, density=dens,
                    flags=flags, seed=seed, resolved=resolved, timings=timings, context=ctx)

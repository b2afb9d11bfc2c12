"""Entity resolution: one person, one place, however the records spell them.

The public entry point. :func:`resolve_dataset` returns a new :class:`~contextmap.Dataset`
in the same contract whose person and location ids are resolved entity ids (the lowest
record id of each entity, so ids stay the dataset's own), with links remapped, duplicate
rows merged, RHI mentions turned into links, and a :class:`Resolution` record of every
merge attached as ``ds.resolution`` for the pack to list (so a meeting can challenge it).

* :func:`~contextmap.resolve.persons.resolve_persons`: persons of concern (and children)
* :func:`~contextmap.resolve.places.resolve_locations`: places
* :func:`~contextmap.resolve.mentions.link_mentions`: RHI ``people_mentioned`` / ``places_mentioned`` free text
* :mod:`contextmap.resolve.decisions`: the analyst's ``merge`` / ``keep apart`` file, always honoured
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from contextmap.arrays import lookup_series
from contextmap.dataset import Dataset
from contextmap.files import check_new_files, write_csv
from contextmap.parallel import Beside, beside, fork_available
from contextmap.resolve.cluster import dataset_entity_ids
from contextmap.resolve.decisions import Decisions, for_dataset, read_decisions
from contextmap.resolve.example import example_dataset
from contextmap.resolve.mentions import (
    MENTION_COLUMNS,
    MIN_MENTION_CONFIDENCE,
    link_mentions,
    link_mentions_with,
    place_mention_answers,
    provisional_id,
)
from contextmap.resolve.naming import (
    display_names,
    place_display_names,
    tidy_capitals,
    written_small,
)
from contextmap.resolve.persons import DEFAULT_ENGINE, PersonResolution, resolve_persons
from contextmap.resolve.places import (
    LocationResolution,
    resolve_locations,
)
from contextmap.resolve.text import normalise_person_name
from contextmap.schema import split_list

__all__ = [
    "Resolution",
    "resolve_dataset",
    "resolve_persons",
    "resolve_locations",
    "link_mentions",
    "write_entities",
    "read_decisions",
    "Decisions",
    "PersonResolution",
    "LocationResolution",
    "MENTION_COLUMNS",
    "provisional_id",
    "example_dataset",
    "dataset_entity_ids",
]

PARALLEL_FROM = 20_000
"""Place records from which places are resolved in a second process beside persons (below
it, starting the process costs more than it saves)."""

# --- the resolved dataset -----------------------------------------------------------------


@dataclass
class Resolution:
    """What :func:`resolve_dataset` did, for the pack and for challenge at a meeting.

    Attributes
    ----------
    persons, locations
        The person and location resolutions (None when switched off).
    mentions
        :func:`link_mentions`' result (empty when switched off).
    decisions
        The decisions honoured.
    self_links
        Links whose two ends became one entity after merging (kept here, not in ``links``).
    """

    persons: PersonResolution | None
    locations: LocationResolution | None
    mentions: pd.DataFrame
    decisions: Decisions = field(default_factory=Decisions)
    self_links: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def entities(self) -> pd.DataFrame:
        """Every record with its entity: ``record_id``, ``entity_id``, ``confidence``, ``table``."""
        parts = [r.entities for r in (self.persons, self.locations) if r is not None]
        if not parts:
            return pd.DataFrame(columns=["record_id", "entity_id", "confidence", "table", "decided"])
        return pd.concat(parts, ignore_index=True)

    @property
    def merged(self) -> pd.DataFrame:
        """Entities made of more than one record: ``kind`` (``person``, ``child``: a child's
        record with person records, or ``location``), ``entity_id``, ``record_ids``,
        ``size``, ``confidence`` (weakest member), ``decided`` (by the analyst)."""
        parts = []
        for kind, r in (("person", self.persons), ("location", self.locations)):
            if r is not None:
                m = r.merged
                kinds = [kind] * len(m)
                if kind == "person" and "table" in r.entities.columns:  # an entity holding a child is the child
                    children = set(r.entities.loc[r.entities["table"] == "children", "entity_id"])
                    kinds = ["child" if e in children else kind for e in m["entity_id"].tolist()]
                m.insert(0, "kind", kinds)
                parts.append(m)
        if not parts:
            return pd.DataFrame(columns=["kind", "entity_id", "record_ids", "size", "confidence", "decided"])
        return pd.concat(parts, ignore_index=True)

    @property
    def provisional(self) -> pd.DataFrame:
        """Mentions kept as provisional entities."""
        return self.mentions[self.mentions["provisional"]] if len(self.mentions) else self.mentions


def _union_list(values: list[object], *, exclude: set[str] = frozenset()) -> object:  # type: ignore[assignment]
    seen: dict[str, None] = {}
    for v in values:
        for part in split_list(v) if isinstance(v, str) else []:
            if part.lower() not in exclude and part.lower() not in {s.lower() for s in seen}:
                seen[part] = None
    return "; ".join(seen) if seen else pd.NA


def _merge_rows(df: pd.DataFrame, key: str, mapping: dict[str, str], list_cols: tuple[str, ...],
                name_to_alias: bool, names: dict[str, str] | None = None, *,
                lookup: pd.Series | None = None) -> pd.DataFrame:
    """One row per entity, in entity order: the canonical record's row (the record whose id is
    the entity id, else the lowest id), each missing value filled from the entity's other
    records in that order, list columns the union of all records' lists (other records'
    names, other than spellings of the name shown, become aliases), ``merged_from`` the
    sorted record ids. ``names``: entity -> the name to show (:func:`display_names`);
    ``lookup``: ``mapping`` made by :func:`~contextmap.arrays.lookup_series`."""
    cols = list(df.columns)
    rid = df[key].astype(str)
    ent = rid.map(mapping if lookup is None else lookup).fillna(rid) if mapping else rid
    work = pd.DataFrame(df, copy=False).assign(_entity=ent.to_numpy(), _canon=(rid == ent).to_numpy(),
                                               _rid=rid.to_numpy())
    work = work.sort_values(["_entity", "_canon", key], ascending=[True, False, True], kind="stable")
    scalar = [c for c in cols if c not in list_cols and c != key]
    grouped = work.groupby("_entity", sort=True)
    out = grouped[scalar].first() if scalar else pd.DataFrame(index=grouped.size().index)  # first non-missing
    ents = out.index.to_numpy()
    out = out.reset_index(drop=True)
    members: dict[str, list[int]] = {}
    for pos, e in enumerate(work["_entity"].tolist()):
        members.setdefault(e, []).append(pos)
    rids = work["_rid"].tolist()
    out[key] = ents
    out["merged_from"] = ["; ".join(sorted(rids[i] for i in members[e])) for e in ents]
    raw_names = work["name"].tolist() if "name" in work.columns else []
    if names and "name" in out.columns:
        out["name"] = [names.get(e, n) for e, n in zip(ents, out["name"].tolist(), strict=True)]
    canon_names = out["name"].tolist() if "name" in out.columns else [None] * len(out)
    for c in list_cols:
        vals = work[c].tolist()
        merged = []
        for e, canon_name in zip(ents, canon_names, strict=True):
            rows = members[e]
            v = [vals[i] for i in rows]
            exclude: set[str] = set()
            if c == "aliases" and name_to_alias:
                exclude = {canon_name.lower()} if isinstance(canon_name, str) else set()
                if len(rows) > 1:  # every other spelling of another form: "T Grant", "Tyler G"
                    shown = normalise_person_name(canon_name)
                    v += [raw_names[i] for i in rows if isinstance(raw_names[i], str)
                          and normalise_person_name(raw_names[i]) != shown]
            merged.append(_union_list(v, exclude=exclude))
        out[c] = merged
    out = out[cols + ["merged_from"]]
    for c in cols:
        out[c] = out[c].astype(df[c].dtype)
    out["merged_from"] = out["merged_from"].astype(df[key].dtype)
    return out


def resolve_dataset(
    ds: Dataset,
    *,
    decisions: Decisions | str | Path | None = None,
    persons: bool = True,
    locations: bool = True,
    mentions: bool = True,
    include_children: bool = False,
    link_children: bool = True,
    person_threshold: float | None = None,
    place_threshold: float | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Dataset:
    """Return ``ds`` with persons and places resolved into entities and RHI mentions linked.

    Parameters
    ----------
    ds
        A validated dataset (:func:`contextmap.load`).
    decisions
        The analyst's decisions (:mod:`contextmap.resolve.decisions`): a path, a
        :class:`~contextmap.resolve.decisions.Decisions`, or None. Always honoured, never written.
    persons, locations, mentions
        Switch each step off (``False``); with all three off the result equals ``ds`` apart
        from the two marker columns below.
    include_children
        Also resolve children's records among themselves.
    link_children
        Match person records to children's records (default True): a person record that
        resolves with a child's record becomes the child (see below).
    person_threshold, place_threshold
        Match probability thresholds (defaults: 0.5).
    engine
        How person pairs are scored: ``'duckdb'`` (Splink on embedded DuckDB, default),
        ``'spark'`` (Splink on Spark) or ``'fixed'`` (fixed weights, no Splink); see
        :func:`~contextmap.resolve_persons.resolve_persons`.

    Returns
    -------
    Dataset
        In the same contract. Entity ids are the lowest record id of each entity; link ends,
        ``episodes.child_id`` / ``found_location_id`` and ``children.home_location_id`` are
        remapped; merged rows keep the union of aliases and identifiers (other records'
        names become aliases). ``persons``, ``children`` and ``locations`` gain
        ``merged_from`` (the record ids of the entity) and ``provisional`` (True for an
        entity created from an unmatched RHI mention, or made only of records ingest created
        from link or found-location names that matched none). Mentions become links (``seen_with``
        or ``visited``, ``source_type`` 'rhi', observed on the episode's report date, no
        grading, a summary saying they come from an RHI mention). ``.resolution`` holds
        the :class:`Resolution`.

        A person record resolved with a child's record (a police spelling of the child) is
        the child: it leaves ``persons`` (it is no person of concern), its links are
        remapped to the child's id (``source_kind`` / ``target_kind`` become ``child``),
        the child's blank date of birth or gender is filled from it, and RHI mentions of the
        child's name link to the one child. A merged entity is shown under its fullest,
        most frequent spelling (:mod:`contextmap.resolve.naming`).

    Examples
    --------
    >>> out = resolve_dataset(example_dataset())
    >>> sorted(out.persons["person_id"])[:2]
    ['P1', 'P4']
    >>> out.resolution.merged[["kind", "entity_id", "record_ids"]].to_dict("records")
    [{'kind': 'person', 'entity_id': 'P1', 'record_ids': 'P1; P2; P3'}, {'kind': 'location', 'entity_id': 'L1', 'record_ids': 'L1; L2'}]
    """
    dec = for_dataset(decisions, ds)  # a link's end read as the record written there
    dec.check_ids(dataset_entity_ids(ds), allow_prefix="prov-")
    pkw: dict = {} if person_threshold is None else {"threshold": person_threshold}
    lkw: dict = {} if place_threshold is None else {"threshold": place_threshold}
    # places, and what the RHI place mentions name, are resolved on the second core while
    # persons are (a forked child: see contextmap.parallel)
    # (one thread each: two processes on two cores)
    two = persons and len(ds.locations) >= PARALLEL_FROM
    places_job = (beside(_places_and_mentions, ds, dec, mentions, lkw if locations else None,
                         workers=1 if two and fork_available() else -1, use_child=two)
                  if locations or mentions else None)
    # with places on the second core, RapidFuzz keeps to one thread for persons (two would only
    # take turns with the places); Splink's DuckDB keeps two, and takes the second core when the
    # places are done
    beside_child = places_job is not None and places_job.in_child
    try:
        pr = (resolve_persons(ds, decisions=dec, include_children=include_children, link_children=link_children,
                              engine=engine, workers=1 if beside_child else -1, **pkw) if persons else None)
    except BaseException:
        if places_job is not None:
            places_job.cancel()
        raise
    lr, place_answers = places_job.result() if places_job is not None else (None, {})
    # the RHI mentions are linked on the second core while the records are merged here (the
    # merging needs no mention until the end)
    mentions_job = (beside(link_mentions_with, ds, pr, lr, place_answers, decisions=dec,
                           min_confidence=MIN_MENTION_CONFIDENCE, use_child=two) if mentions else None)
    try:
        out = _merged(ds, dec, pr, lr, mentions_job)
    except BaseException:
        if mentions_job is not None:
            mentions_job.cancel()
        raise
    return out


def _merged(ds: Dataset, dec: Decisions, pr: PersonResolution | None, lr: LocationResolution | None,
            mentions_job: Beside[pd.DataFrame] | None) -> Dataset:
    """The resolved dataset: each entity's records merged into one row, every reference
    remapped, and the RHI mentions (``mentions_job``'s result) added as links."""
    mapping: dict[str, str] = {}
    for r in (pr, lr):
        if r is not None:
            mapping.update(r.mapping)

    lookup = lookup_series(mapping) if mapping else None

    def remap(s: pd.Series) -> pd.Series:  # a lookup per distinct id (ids repeat: 335k link ends, 60k ids)
        if not mapping or not len(s):
            return s.copy()
        codes, uniq = pd.factorize(s)
        distinct = pd.Series(uniq, dtype=object)
        mapped = distinct.map(lookup)
        vals = np.where(mapped.isna().to_numpy(), distinct.to_numpy(dtype=object), mapped.to_numpy(dtype=object))
        out = np.concatenate([vals.astype(object), np.array([None], dtype=object)])[codes]  # code -1: missing stays missing
        return pd.Series(out, index=s.index, name=s.name, dtype=object).astype(s.dtype)

    persons_src, children_src = _children_absorb(ds, pr)
    shown = _shown_names(persons_src, children_src, mapping, lookup=lookup)
    pe = _merge_rows(persons_src, "person_id", mapping, ("aliases", "phone", "vehicle", "social_media"), True, shown,
                     lookup=lookup)
    ch = _merge_rows(children_src, "child_id", mapping, (), False, shown, lookup=lookup)
    lo = _merge_rows(pd.DataFrame(ds.locations.drop(columns="geometry")), "location_id", mapping, (), False,
                     _shown_place_names(ds.locations, mapping, lookup=lookup), lookup=lookup)
    for df, src, key in ((pe, ds.persons, "person_id"), (ch, ds.children, "child_id"),
                         (lo, ds.locations, "location_id")):
        # an entity is provisional only when every record in it is (ingest marks records it
        # made from names that matched nothing; resolution may have merged them into real ones)
        prov_ids = set(src.loc[src["provisional"].fillna(False).astype(bool), key].astype(str)) if "provisional" in src else set()
        df["provisional"] = [bool(prov_ids) and all(r in prov_ids for r in str(m).split("; ")) for m in df["merged_from"].tolist()]
    ch["home_location_id"] = remap(ch["home_location_id"])
    ep = ds.episodes.copy()
    ep["child_id"] = remap(ep["child_id"])
    ep["found_location_id"] = remap(ep["found_location_id"])
    li = ds.links.copy()
    li["source_id"] = remap(li["source_id"])
    li["target_id"] = remap(li["target_id"])
    if pr is not None and pr.stats.get("person_records_matched_to_children"):
        # link ends that became a child are a child's now
        kinds = _kinds(pe, ch, lo)
        for end in ("source", "target"):
            moved = (li[f"{end}_id"] != ds.links[f"{end}_id"]).fillna(False).to_numpy(dtype=bool)
            if moved.any() and f"{end}_kind" in li.columns:
                new_kind = li.loc[moved, f"{end}_id"].map(kinds)
                li.loc[moved, f"{end}_kind"] = new_kind.fillna(li.loc[moved, f"{end}_kind"]).astype(li[f"{end}_kind"].dtype)

    men = mentions_job.result() if mentions_job is not None else pd.DataFrame(columns=list(MENTION_COLUMNS))
    if len(men):
        men = men.copy()
        men["child_id"] = men["child_id"].map(lambda x: mapping.get(x, x))
        prov = men[men["provisional"]].drop_duplicates("entity_id")
        pp = prov[prov["kind"] == "person"]
        lp = prov[prov["kind"] == "place"]
        if len(pp):
            # "logan hallam" shown as "Logan Hallam"; a name the scan finds only as written ("kai")
            # stays as written, so that it is still found and taken out
            shown_as = [tidy_capitals(t) if written_small(t) else t for t in pp["mention"].tolist()]
            add = pd.DataFrame({"person_id": pp["entity_id"], "name": shown_as,
                                "merged_from": pp["entity_id"], "provisional": True})
            pe = pd.concat([pe, add.astype({c: pe[c].dtype for c in add.columns})], ignore_index=True)
        if len(lp):
            add = pd.DataFrame({"location_id": lp["entity_id"], "name": lp["mention"],
                                "merged_from": lp["entity_id"], "provisional": True})
            lo = pd.concat([lo, add.astype({c: lo[c].dtype for c in add.columns})], ignore_index=True)
        li = pd.concat([li, _mention_links(men, li, kinds=_kinds(pe, ch, lo))], ignore_index=True)

    self_mask = (li["source_id"] == li["target_id"]).fillna(False).to_numpy(dtype=bool)
    self_links = li[self_mask].reset_index(drop=True)
    li = li[~self_mask].reset_index(drop=True)
    geom = dict(zip(ds.locations["location_id"].astype(str).tolist(), ds.locations.geometry, strict=True))
    empty = Point()
    geo = gpd.GeoDataFrame(lo, geometry=[geom.get(x, empty) for x in lo["location_id"].tolist()],
                           crs=ds.locations.crs or "EPSG:4326")
    out = Dataset(ch, pe, geo, ep, li, ds.report, source=ds.source, content_hash=ds.content_hash,
                  grading_scheme=ds.grading_scheme, period=ds.period, redacted_for=ds.redacted_for,
                  workspace=ds.workspace)
    out.resolution = Resolution(pr, lr, men, dec, self_links)
    return out


def _places_and_mentions(ds: Dataset, dec: Decisions, mentions: bool, lkw: dict | None, *, workers: int = -1,
                         ) -> tuple[LocationResolution | None, dict[str, tuple[str, float, bool, str]]]:
    """The places' resolution (None with ``lkw`` None) and, with ``mentions``, the answers of
    the RHI place mentions (:func:`place_mention_answers`): the job beside persons.
    ``workers``: RapidFuzz's threads."""
    lr = resolve_locations(ds, decisions=dec, workers=workers, **lkw) if lkw is not None else None
    return lr, (place_mention_answers(ds, lr, workers=workers) if mentions else {})


def _children_absorb(ds: Dataset, pr: PersonResolution | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The persons table without the records resolved into children, and the children table
    with those records added as children's rows (name, date of birth, gender), so that
    merging rows fills a child's blanks from them."""
    if pr is None or not pr.stats.get("person_records_matched_to_children"):
        return ds.persons, ds.children
    ent = pr.entities
    child_ents = set(ent.loc[ent["table"] == "children", "entity_id"])
    moved = ent[(ent["table"] == "persons") & ent["entity_id"].isin(child_ents)]["record_id"]
    is_moved = ds.persons["person_id"].astype(str).isin(set(moved)).to_numpy()
    src = ds.persons[is_moved]
    ch = ds.children
    add = pd.DataFrame(index=range(len(src)))
    for c in ch.columns:
        v = src["person_id"] if c == "child_id" else src[c] if c in src.columns and c != "provisional" else None
        add[c] = (pd.Series([None] * len(src), dtype=object) if v is None else v.reset_index(drop=True)).astype(ch[c].dtype)
    return ds.persons[~is_moved], pd.concat([ch, add], ignore_index=True)


def _shown_names(persons: pd.DataFrame, children: pd.DataFrame, mapping: dict[str, str], *,
                 lookup: pd.Series | None = None) -> dict[str, str]:
    """Entity -> the name it is shown under (:func:`~contextmap.resolve.naming.display_names`),
    for entities of more than one record, with word counts over every person and child name."""
    if not mapping:
        return {}
    ids = pd.concat([persons["person_id"], children["child_id"]], ignore_index=True).astype(str)
    ent = ids.map(mapping if lookup is None else lookup).fillna(ids)
    multi = ent.duplicated(keep=False).to_numpy()
    if not multi.any():
        return {}
    names = pd.concat([persons["name"], children["name"]], ignore_index=True)
    counts = Counter(w for n in names.tolist() for w in normalise_person_name(n).split())
    child = np.r_[np.zeros(len(persons), dtype=bool), np.ones(len(children), dtype=bool)]
    prov = pd.concat([persons["provisional"].fillna(False).astype(bool) if "provisional" in persons.columns
                      else pd.Series(False, index=persons.index), pd.Series(False, index=children.index)],
                     ignore_index=True).to_numpy(dtype=bool)
    recs = pd.DataFrame({"entity": ent.to_numpy()[multi], "record_id": ids.to_numpy()[multi],
                         "name": names.to_numpy(dtype=object)[multi], "child": child[multi], "provisional": prov[multi]})
    return display_names(recs, token_counts=counts)


def _shown_place_names(locations: pd.DataFrame, mapping: dict[str, str], *,
                       lookup: pd.Series | None = None) -> dict[str, str]:
    """Entity -> how a place of more than one record writes its canonical record's name
    (:func:`~contextmap.resolve.naming.place_display_names`)."""
    if not mapping:
        return {}
    ids = locations["location_id"].astype(str)
    ent = ids.map(mapping if lookup is None else lookup).fillna(ids)
    multi = ent.duplicated(keep=False).to_numpy()
    if not multi.any():
        return {}
    prov = (locations["provisional"].fillna(False).astype(bool).to_numpy() if "provisional" in locations.columns
            else np.zeros(len(locations), dtype=bool))
    cats = (locations["category"].to_numpy(dtype=object)[multi] if "category" in locations.columns
            else np.full(int(multi.sum()), None, dtype=object))
    return place_display_names(pd.DataFrame({"entity": ent.to_numpy()[multi], "record_id": ids.to_numpy()[multi],
                                             "name": locations["name"].to_numpy(dtype=object)[multi],
                                             "provisional": prov[multi], "category": cats}))


def _kinds(pe: pd.DataFrame, ch: pd.DataFrame, lo: pd.DataFrame) -> dict[str, str]:
    kinds = dict.fromkeys(pe["person_id"].tolist(), "person")
    kinds.update(dict.fromkeys(ch["child_id"].tolist(), "child"))
    kinds.update(dict.fromkeys(lo["location_id"].tolist(), "location"))
    return kinds


def _mention_links(men: pd.DataFrame, links: pd.DataFrame, *, kinds: dict[str, str]) -> pd.DataFrame:
    n = len(men)
    counter = men.groupby("episode_id").cumcount() + 1
    summary = [
        f"RHI mention {m!r}: " + ("provisional entity, not matched (" + how + ")" if p
                                  else f"resolved with confidence {c:.2f} ({how})")
        for m, p, c, how in zip(men["mention"].tolist(), men["provisional"].tolist(), men["confidence"].tolist(),
                                men["method"].tolist(), strict=True)
    ]
    new = pd.DataFrame(
        {
            "link_id": [f"rhi-{e}-{i}" for e, i in zip(men["episode_id"].tolist(), counter.tolist(), strict=True)],
            "source_id": men["child_id"].to_numpy(),
            "target_id": men["entity_id"].to_numpy(),
            "relation": np.where(men["kind"] == "person", "seen_with", "visited"),
            "observed_on": men["observed_on"].to_numpy(),
            "episode_id": men["episode_id"].to_numpy(),
            "source_type": ["rhi"] * n,
            "grading": [None] * n,
            "summary": summary,
            "source_kind": [kinds.get(x, "child") for x in men["child_id"].tolist()],
            "target_kind": [kinds.get(x) for x in men["entity_id"].tolist()],
        }
    )
    for c in links.columns:
        if c not in new.columns:
            new[c] = None
    new = new[list(links.columns)]
    return new.astype({c: links[c].dtype for c in links.columns})


def write_entities(res: PersonResolution | LocationResolution | Resolution, path: str | Path, *,
                   overwrite: bool = False, pairs: bool = False) -> list[Path]:
    """Write ``record_id, entity_id, confidence`` to CSV (and ``*-pairs.csv`` with ``pairs``).

    Raises
    ------
    OutputExistsError
        If a file exists and ``overwrite`` is False.
    """
    path = Path(path)
    targets = [path]
    if pairs:
        targets.append(path.with_name(path.stem + "-pairs.csv"))
    check_new_files(targets, overwrite=overwrite, argument="path")
    ent = res.entities[["record_id", "entity_id", "confidence"]]
    write_csv(ent, path, overwrite=True)
    if pairs:
        if isinstance(res, Resolution):
            parts = [r.pairs for r in (res.persons, res.locations) if r is not None]
            pr = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        else:
            pr = res.pairs
        write_csv(pr, targets[1], overwrite=True)
    return targets

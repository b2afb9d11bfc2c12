"""Entity resolution: one person, one place, however the records spell them.

The public entry point. :func:`resolve_dataset` returns a new :class:`~contextmap.Dataset`
in the same contract whose person and location ids are resolved entity ids (the lowest
record id of each entity, so ids stay the dataset's own), with links remapped, duplicate
rows merged, RHI mentions turned into links, and a :class:`Resolution` record of every
merge attached as ``ds.resolution`` for the pack to list (so a meeting can challenge it).

* :func:`~contextmap.resolve.persons.resolve_persons`: persons of concern (and children)
* :func:`~contextmap.resolve.places.resolve_locations`: places
* :func:`link_mentions`: RHI ``people_mentioned`` / ``places_mentioned`` free text
* :mod:`contextmap.resolve.decisions`: the analyst's ``merge`` / ``keep apart`` file, always honoured
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from shapely.geometry import Point

from contextmap.arrays import isin
from contextmap.dataset import Dataset
from contextmap.files import check_new_files, write_csv
from contextmap.ingest.placematch import PlaceIndex
from contextmap.ingest.placetext import parse_place_text
from contextmap.parallel import beside, fork_available
from contextmap.resolve.cluster import dataset_entity_ids
from contextmap.resolve.decisions import Decisions, DecisionsError, as_decisions, read_decisions
from contextmap.resolve.example import example_dataset
from contextmap.resolve.naming import display_names, tidy_capitals, written_small
from contextmap.resolve.persons import DEFAULT_ENGINE, PersonResolution, resolve_persons
from contextmap.resolve.places import (
    LocationResolution,
    normalise_place_name,
    normalise_place_names,
    resolve_locations,
)
from contextmap.resolve.text import NICKNAME_TO_FORM, normalise_person_name
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
    "example_dataset",
    "dataset_entity_ids",
]

PARALLEL_FROM = 20_000
"""Place records from which places are resolved in a second process beside persons (below
it, starting the process costs more than it saves)."""

MENTION_COLUMNS = (
    "episode_id", "child_id", "observed_on", "mention", "kind", "entity_id", "confidence",
    "provisional", "method",
)
"""Columns of :func:`link_mentions`' result."""

MIN_MENTION_CONFIDENCE = 0.5

_RELATIONAL = (
    "cousin brother bro sister sis mum mom mam mother dad father uncle aunt auntie nan nana gran "
    "grandma grandad granddad nephew niece friend friends mate mates pal boyfriend girlfriend bf gf "
    "partner ex dealer associate associates neighbour wife husband son daughter crew"
).split()
_RELATIONAL_RE = re.compile(
    r"(\b\w+\s*['\u2019]s\s+(?:\w+\s+)?(" + "|".join(_RELATIONAL) + r")\b)"
    r"|(\b(" + "|".join(_RELATIONAL) + r")\s+(of|to)\b)",
    re.IGNORECASE,
)
_VAGUE = {"unknown", "someone", "somebody", "man", "men", "woman", "boy", "boys", "girl", "girls",
          "older", "male", "female", "lad", "lads", "people", "person", "guy", "guys", "them", "others",
          "called", "from"}


def provisional_id(kind: str, mention: str) -> str:
    """A stable id for an unmatched mention: the same text always gives the same id.

    Examples
    --------
    >>> provisional_id("person", "Tyler's cousin") == provisional_id("person", " tylers  COUSIN")
    True
    >>> provisional_id("place", "the old mill")[:7]
    'prov-l-'
    """
    norm = normalise_person_name(mention) if kind == "person" else normalise_place_name(mention)
    norm = norm or mention.strip().lower()
    digest = hashlib.sha1(f"{kind}|{norm}".encode()).hexdigest()[:10]
    return f"prov-{'p' if kind == 'person' else 'l'}-{digest}"


# --- mentions -------------------------------------------------------------------------------


def _person_index(ds: Dataset, persons_res: PersonResolution | None) -> tuple[dict, dict, dict, dict, set]:
    """name -> entities, forename form -> entities, (surname, initial) and (forename,
    surname initial) -> entities, entity -> kind, and the entities that hold a record of
    their own (a child's record or a person record the export holds, not only records
    ingest made from names)."""
    mapping = persons_res.mapping if persons_res is not None else {}
    names: dict[str, set[str]] = {}
    fore: dict[str, set[str]] = {}
    sur: dict[tuple[str, str], set[str]] = {}
    kind: dict[str, str] = {}
    held: set[str] = set()
    made = (ds.persons["provisional"].fillna(False).astype(bool).tolist() if "provisional" in ds.persons.columns
            else [False] * len(ds.persons))
    rows = [(r, "person", n, a, m) for r, n, a, m in zip(ds.persons["person_id"].tolist(), ds.persons["name"].tolist(),
                                                        ds.persons["aliases"].tolist(), made, strict=True)]
    rows += [(r, "child", n, None, False) for r, n in zip(ds.children["child_id"].tolist(), ds.children["name"].tolist(), strict=True)]
    dobs = pd.concat([pd.to_datetime(ds.persons["date_of_birth"], errors="coerce"),
                      pd.to_datetime(ds.children["date_of_birth"], errors="coerce")], ignore_index=True).tolist()
    dated: dict[str, set] = {}
    for (rid, k, name, aliases, from_name), dob in zip(rows, dobs, strict=True):
        ent = mapping.get(str(rid), str(rid))
        kind[ent] = k
        if not from_name:
            held.add(ent)
        if not pd.isna(dob):
            dated.setdefault(ent, set()).add(dob)
        full = normalise_person_name(name)
        toks = full.split()
        if full:
            names.setdefault(full, set()).add(ent)
        if len(toks) >= 2:
            form = NICKNAME_TO_FORM.get(toks[0], toks[0])
            if len(toks[0]) > 1:
                fore.setdefault(form, set()).add(ent)
            sur.setdefault((toks[-1], toks[0][0]), set()).add(ent)
            sur.setdefault((form, toks[-1][0], "fs"), set()).add(ent)  # type: ignore[arg-type]
        for a in split_list(aliases):
            an = normalise_person_name(a)
            if an:
                names.setdefault(an, set()).add(ent)
    # a record made from a name with a date of birth no record of its own has claims a person
    # of its own ("Jade Kesgill, 1984" beside a child, where the known Jade Kesgill was born in 2012)
    real_dobs = {d for e in held for d in dated.get(e, ())}
    held |= {e for e, ds_ in dated.items() if e not in held and not ds_ & real_dobs}
    return names, fore, sur, kind, held


def _place_index(ds: Dataset, locations_res: LocationResolution | None) -> PlaceIndex:
    """The dataset's places, by entity, for matching RHI place mentions (ingest's place matching)."""
    mapping = locations_res.mapping if locations_res is not None else {}
    lo = pd.DataFrame(ds.locations.drop(columns="geometry", errors="ignore"))
    return PlaceIndex.build(lo, mapping=mapping)


class Named(NamedTuple):
    """What the name of an RHI person mention says: the one entity it names (or None), its
    confidence and how; and, when several entities fit it, those candidates, the confidence
    the form would have were it one's alone, and the one of them holding a record of its own
    when the others were made from the name in links (``held``)."""

    entity: str | None
    confidence: float
    how: str
    candidates: frozenset[str] = frozenset()
    form_confidence: float = 0.0
    held: str | None = None


def _match_person(mention: str, idx: tuple[dict, dict, dict, dict, set], choices: list[str],
                  fuzzy: dict | None = None) -> Named:
    """The entity an RHI person mention names (see :class:`Named`); :func:`_link_mentions`
    chooses among several candidates by the episode's child's links."""
    names, fore, sur, _, held = idx
    if _RELATIONAL_RE.search(mention):
        return Named(None, 0.0, "relational description: not matched to the person it names")
    norm = normalise_person_name(mention)
    toks = norm.split()
    if not toks or set(toks) & _VAGUE:
        return Named(None, 0.0, "a description, not a name")

    def several(hit: set[str], how: str, conf: float) -> Named:
        own = hit & held
        return Named(None, 0.0, how, frozenset(hit), conf, next(iter(own)) if len(own) == 1 else None)

    hit = names.get(norm, set())
    if len(hit) == 1:
        return Named(next(iter(hit)), 0.95, "name or alias exact")
    if len(hit) > 1:
        return several(hit, f"ambiguous: {len(hit)} entities share the name", 0.95)
    if len(toks) == 1:
        hit = fore.get(NICKNAME_TO_FORM.get(toks[0], toks[0]), set())
        if len(hit) == 1:
            return Named(next(iter(hit)), 0.6, "forename only, one entity has it")
        if len(hit) > 1:
            return several(hit, f"ambiguous forename: {len(hit)} entities", 0.6)
        return Named(None, 0.0, "no match")
    cands: set[str] = set()
    forms = [toks]
    if len(toks) == 2 and len(toks[0]) == 1:  # "JADE K" read surname first: "k jade"
        forms.append(toks[::-1])
    for t in forms:
        if len(t[0]) == 1:
            hit = sur.get((t[-1], t[0]), set())
            if len(hit) == 1:
                return Named(next(iter(hit)), 0.75, "initial and surname")
            cands |= hit
        if len(t) == 2 and len(t[1]) == 1:
            hit = sur.get((NICKNAME_TO_FORM.get(t[0], t[0]), t[1], "fs"), set())
            if len(hit) == 1:
                return Named(next(iter(hit)), 0.75, "forename and surname initial")
            cands |= hit
    best = fuzzy[norm] if fuzzy is not None and norm in fuzzy else process.extractOne(
        norm, choices, scorer=fuzz.token_sort_ratio, score_cutoff=88)
    if best is not None:
        hit = names[best[0]]
        conf = round(0.9 * best[1] / 100, 4)
        if len(hit) == 1:
            return Named(next(iter(hit)), conf, f"name similar to {best[0]!r}")
        return several(set(hit), f"ambiguous: similar to {best[0]!r}, which {len(hit)} entities share", conf)
    if cands:
        return several(cands, f"ambiguous: {len(cands)} entities fit the initial", 0.75)
    return Named(None, 0.0, "no match")


_UNDATED = np.iinfo(np.int64).min  # an undated link counts as observed before any day
_OPEN = np.iinfo(np.int64).max  # an episode with no report day: every link counts


def _days_ns(values: pd.Series, *, missing: int) -> np.ndarray:
    """Each cell's day (time of day dropped) as nanoseconds since 1970, ``missing`` where none:
    day comparisons in integers (a ``pd.Timestamp`` comparison per pair cost seconds)."""
    days = pd.to_datetime(values, errors="coerce").dt.normalize()
    if days.dt.tz is not None:  # the instants, in UTC
        days = days.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = days.astype("datetime64[ns]").to_numpy()
    out = ns.view("i8").copy()
    out[np.isnat(ns)] = missing
    return out


def _linked_entities(ds: Dataset, persons_res: PersonResolution | None, children: set[str],
                     candidates: set[str]) -> dict[str, dict[str, list[tuple]]]:
    """Each of ``children`` (entities, as resolved) -> each of ``candidates`` its links join it
    with -> those links, in the links' order, as (the day observed in nanoseconds, or
    ``_UNDATED``; the relation; the episode the link was recorded for, or '')."""
    out: dict[str, dict[str, list[tuple]]] = {}
    links = ds.links
    if not len(links) or not children or not candidates:
        return out
    mapping = persons_res.mapping if persons_res is not None else {}
    ends = []
    for col in ("source_id", "target_id"):
        ids = links[col].astype(str)
        if mapping:
            ids = ids.map(_lookup(mapping)).fillna(ids)
        ends.append(ids)
    a, b = (e.to_numpy(dtype=object) for e in ends)
    one = [isin(e, children) for e in ends]
    other = [isin(e, candidates) for e in ends]
    differ = a != b
    fwd = np.flatnonzero(one[0] & other[1] & differ)  # source the child, target a candidate
    back = np.flatnonzero(one[1] & other[0] & differ)
    if not len(fwd) and not len(back):
        return out
    rows = np.concatenate([fwd, back])
    me = np.concatenate([a[fwd], b[back]])
    them = np.concatenate([b[fwd], a[back]])
    order = np.argsort(rows, kind="stable")
    rows, me, them = rows[order], me[order], them[order]
    days = (_days_ns(links["observed_on"].iloc[rows], missing=_UNDATED) if "observed_on" in links.columns
            else np.full(len(rows), _UNDATED, dtype=np.int64))
    rel = (links["relation"].iloc[rows].fillna("").astype(str).tolist() if "relation" in links.columns
           else [""] * len(rows))
    eps = (links["episode_id"].iloc[rows].fillna("").astype(str).tolist() if "episode_id" in links.columns
           else [""] * len(rows))
    for x, y, d, r, e in zip(me.tolist(), them.tolist(), days.tolist(), rel, eps, strict=True):
        out.setdefault(x, {}).setdefault(y, []).append((d, r, e))
    return out


def _by_links(named: Named, me: str, episode: str, day: int,
              linked: dict[str, dict[str, list[tuple]]]) -> tuple[str | None, float, str]:
    """Which of a name's candidates an episode's child (``me``) means: the one candidate the
    child is linked with by a link observed by the episode's day (or undated) and not recorded
    for this very episode (its own RHI is no evidence of itself); else the one candidate
    holding a record of its own, if it is not the child. Confidence: the form's own, less a
    tenth (the choice). ``day``: the report's day in nanoseconds (``_OPEN`` for none);
    ``linked``: :func:`_linked_entities`."""
    mine = linked.get(me, {})
    cands = named.candidates
    common = [c for c in mine if c in cands] if len(mine) < len(cands) else [c for c in cands if c in mine]
    near: dict[str, str] = {}
    for c in common:
        if c == me:
            continue
        for d, r, e in mine[c]:
            if e != episode and d <= day:
                near[c] = r
                break
    conf = round(0.9 * named.form_confidence, 4)
    if len(near) == 1:
        (c, r), = near.items()
        return c, conf, f"{named.how}; the one linked with this child" + (f" ({r})" if r else "")
    if len(near) > 1:
        return None, 0.0, f"{named.how}; this child is linked with {len(near)} of them"
    if named.held is not None and named.held != me:
        return (named.held, conf, f"{named.how}; the one with a record of its own (the others were made from "
                "the name in links, with no date of birth)")
    return None, 0.0, named.how


def _match_place(mention: str, idx: PlaceIndex) -> tuple[str | None, float, str]:
    """The place entity an RHI mention names (by name, address, grid reference, postcode, similar
    or partial name: :meth:`~contextmap.ingest.placematch.PlaceIndex.match`), or why not."""
    p = parse_place_text(mention)
    if not p.is_place:
        return None, 0.0, "names no place"
    return idx.match(p)


def _best_matches(queries: list[str], choices: list[str], *, cutoff: int, chunk: int = 256) -> dict:
    """``query -> (choice, score, index)`` of each query's best ``token_sort_ratio`` choice at
    or above ``cutoff`` (None if none): what ``process.extractOne`` returns (first best
    choice), computed in chunks of queries with ``process.cdist`` on all cores."""
    out: dict[str, tuple | None] = {}
    if not choices:
        return dict.fromkeys(queries)
    for i in range(0, len(queries), chunk):
        q = queries[i:i + chunk]
        m = process.cdist(q, choices, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, workers=-1)
        best = m.argmax(axis=1)
        score = m[np.arange(len(q)), best]
        for text, j, sc in zip(q, best.tolist(), score.tolist(), strict=True):
            out[text] = (choices[j], float(sc), j) if sc >= cutoff and sc > 0 else None
    return out


def link_mentions(
    ds: Dataset,
    persons_res: PersonResolution | None = None,
    locations_res: LocationResolution | None = None,
    *,
    decisions: Decisions | str | None = None,
    min_confidence: float = MIN_MENTION_CONFIDENCE,
) -> pd.DataFrame:
    """Link each RHI mention to a resolved entity, or to a provisional entity.

    Parameters
    ----------
    ds
        The dataset whose ``episodes.people_mentioned`` / ``places_mentioned`` are read.
    persons_res, locations_res
        Resolutions to link to (None: each record is its own entity).
    decisions
        ``merge prov-p-... P12`` links a provisional mention to P12's entity (confidence 1);
        ``keep apart prov-p-... P12`` stops it being linked there.
    min_confidence
        Matches below this confidence become provisional instead.

    Returns
    -------
    pandas.DataFrame
        One row per mention (columns :data:`MENTION_COLUMNS`). A mention that matches
        nothing, matches ambiguously, or describes someone by relation ("Tyler's cousin")
        gets a provisional entity (``provisional`` True, a stable ``prov-...`` id): kept and
        marked, never dropped.

    Examples
    --------
    >>> ds = example_dataset()
    >>> m = link_mentions(ds, resolve_persons(ds), resolve_locations(ds))
    >>> for r in m.itertuples():
    ...     print(r.mention, "->", r.entity_id[:7] if r.provisional else r.entity_id, r.confidence)
    Big T -> P1 0.95
    Tyler's cousin -> prov-p- 0.0
    Maccies Botchergate -> L1 0.95
    the old mill -> prov-l- 0.0
    """
    places = _place_mention_answers(ds, locations_res, min_confidence=min_confidence)
    return _link_mentions(ds, persons_res, locations_res, places, decisions=decisions, min_confidence=min_confidence)


def _place_mention_answers(ds: Dataset, locations_res: LocationResolution | None = None, *,
                          min_confidence: float = MIN_MENTION_CONFIDENCE,
                          workers: int = -1) -> dict[str, tuple[str, float, bool, str]]:
    """What each distinct RHI place mention of ``ds`` links to: ``mention -> (entity_id,
    confidence, provisional, method)``, with ``entity_id`` ``''`` for a text that names no
    place (:func:`link_mentions` reads it; :func:`resolve_dataset` computes it beside the
    places' resolution, on the second core)."""
    ep = ds.episodes
    texts = list(dict.fromkeys(m for c in ep["places_mentioned"].tolist() for m in split_list(c)))
    if not texts:
        return {}
    lidx = _place_index(ds, locations_res)
    lidx.prepare_fuzzy(normalise_place_names(texts), workers=workers)
    out = {}
    for mention in texts:
        ent, conf, how = _match_place(mention, lidx)
        if how == "names no place":  # "home", "a hotel": a description, never a place
            out[mention] = ("", 0.0, False, how)
            continue
        out[mention] = _provisional_unless_sure("place", mention, ent, conf, how, min_confidence)
    return out


def _provisional_unless_sure(kind: str, mention: str, ent: str | None, conf: float, how: str,
                             min_confidence: float) -> tuple[str, float, bool, str]:
    """A match, or a provisional entity when there is none or it is below ``min_confidence``."""
    prov = ent is None or conf < min_confidence
    if prov:
        if ent is not None:
            how = f"{how} (confidence {conf:.2f} below {min_confidence})"
        ent, conf = provisional_id(kind, mention), 0.0
    assert ent is not None  # matched, or given a provisional id just above
    return ent, conf, prov, how


def _link_mentions(ds: Dataset, persons_res: PersonResolution | None, locations_res: LocationResolution | None,
                   places: dict[str, tuple[str, float, bool, str]], *, decisions: Decisions | str | None,
                   min_confidence: float) -> pd.DataFrame:
    """:func:`link_mentions`, given the place mentions' answers (:func:`_place_mention_answers`)."""
    dec = as_decisions(decisions)
    pidx = _person_index(ds, persons_res)
    pchoices = sorted(pidx[0])
    ep = ds.episodes
    # fuzzy name matching for every distinct mention without an exact hit, in one batch
    pn = {normalise_person_name(m) for c in ep["people_mentioned"].tolist() for m in split_list(c)}
    pfuzzy = _best_matches(sorted(x for x in pn if x and x not in pidx[0]), pchoices, cutoff=88)
    days = pd.to_datetime(ep["reported_at"]).dt.normalize().tolist()
    days_ns = _days_ns(ep["reported_at"], missing=_OPEN).tolist()
    # the same mention text always gets the same answer (match each distinct text once), but
    # for a name several entities fit: then the one the episode's child is linked with, if
    # exactly one is ("Jade K" in Tyler's RHI, and of the two Jade Ks only one is Tyler's
    # friend), else the one holding a record of its own (:func:`_by_links`)
    cache: dict[str, tuple[tuple[str, float, bool, str], Named]] = {}
    pmap = persons_res.mapping if persons_res is not None else {}
    rows: list[tuple] = []
    pending: list[tuple[int, Named, str, str, int]] = []  # rows a name's candidates decide
    for eid, cid, day, dns, pm, lm in zip(ep["episode_id"].tolist(), ep["child_id"].tolist(), days, days_ns,
                                         ep["people_mentioned"].tolist(), ep["places_mentioned"].tolist(),
                                         strict=True):
        for mention in split_list(pm):
            got = cache.get(mention)
            if got is None:
                named = _match_person(mention, pidx, pchoices, pfuzzy)
                got = cache[mention] = (_provisional_unless_sure("person", mention, named.entity, named.confidence,
                                                                 named.how, min_confidence), named)
            hit, named = got
            if named.candidates:
                pending.append((len(rows), named, pmap.get(str(cid), str(cid)), str(eid), dns))
            rows.append((eid, cid, day, mention, "person", *hit))
        for mention in split_list(lm):
            hit = places[mention]
            if hit[0]:
                rows.append((eid, cid, day, mention, "place", *hit))
    if pending:
        linked = _linked_entities(ds, persons_res, {p[2] for p in pending},
                                  set().union(*{id(p[1]): p[1].candidates for p in pending}.values()))
        for i, named, me, eid, dns in pending:
            ent, conf, how = _by_links(named, me, eid, dns, linked)
            rows[i] = (*rows[i][:5], *_provisional_unless_sure("person", rows[i][3], ent, conf, how, min_confidence))
    out = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    out["observed_on"] = pd.to_datetime(out["observed_on"])
    out["provisional"] = out["provisional"].astype(bool)
    # provisional records ingest made from names are records: person/place resolution honours
    # decisions about them, so they are not "unknown provisional ids" here
    records = set(ds.persons["person_id"].astype(str)) | set(ds.locations["location_id"].astype(str))
    return _apply_mention_decisions(out, dec, persons_res, locations_res, records=records)


def _apply_mention_decisions(out, dec, persons_res, locations_res, *, records=frozenset()):
    if not dec.items:
        return out
    uniq = dict.fromkeys(zip(out["kind"], out["mention"], strict=True))
    for km in uniq:
        uniq[km] = provisional_id(*km)
    prov_ids = set(out.loc[out["provisional"], "entity_id"]) | set(uniq.values())
    unknown = [f"{d.source} line {d.line}: unknown provisional id {x!r}" for d in dec.items
               for x in (d.a, d.b) if x.startswith("prov-") and x not in prov_ids and x not in records]
    if unknown:
        raise DecisionsError("decisions name provisional ids that no mention produced:\n  " + "\n  ".join(unknown))
    mapping = {**(persons_res.mapping if persons_res else {}), **(locations_res.mapping if locations_res else {})}
    ent_of = lambda x: mapping.get(x, x)  # noqa: E731
    # provisional ids named by decisions, keyed by the mention's own provisional id
    own = np.array([uniq[km] for km in zip(out["kind"], out["mention"], strict=True)], dtype=object)
    for d in dec.items:
        for p, other in ((d.a, d.b), (d.b, d.a)):
            if not p.startswith("prov-"):
                continue
            rows = own == p
            if d.action == "merge":
                target = ent_of(other)
                if other.startswith("prov-"):
                    target = min(p, other)
                out.loc[rows, "entity_id"] = target
                out.loc[rows, "confidence"] = 1.0
                out.loc[rows, "provisional"] = target.startswith("prov-")
                out.loc[rows, "method"] = f"analyst decision: {d}"
            else:
                hit = rows & (out["entity_id"].to_numpy() == ent_of(other))
                out.loc[hit, "entity_id"] = p
                out.loc[hit, "confidence"] = 0.0
                out.loc[hit, "provisional"] = True
                out.loc[hit, "method"] = f"analyst decision: {d}"
    return out


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


def _lookup(mapping: dict[str, str]) -> pd.Series:
    """``mapping`` as the Series that ``Series.map`` makes of a dict (the same values, index and
    dtypes), made once: pandas builds it, and hashes its index, on every call."""
    return pd.Series(mapping.values(), index=pd.Index(mapping.keys(), tupleize_cols=False))


def _merge_rows(df: pd.DataFrame, key: str, mapping: dict[str, str], list_cols: tuple[str, ...],
                name_to_alias: bool, names: dict[str, str] | None = None, *,
                lookup: pd.Series | None = None) -> pd.DataFrame:
    """One row per entity, in entity order: the canonical record's row (the record whose id is
    the entity id, else the lowest id), each missing value filled from the entity's other
    records in that order, list columns the union of all records' lists (other records'
    names, other than spellings of the name shown, become aliases), ``merged_from`` the
    sorted record ids. ``names``: entity -> the name to show (:func:`display_names`);
    ``lookup``: ``mapping`` made by :func:`_lookup`."""
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
    dec = as_decisions(decisions)
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
    # with places on the second core, persons keep to one (more threads would only take turns)
    beside_child = places_job is not None and places_job.in_child
    try:
        pr = (resolve_persons(ds, decisions=dec, include_children=include_children, link_children=link_children,
                              engine=engine, workers=1 if beside_child else -1, **pkw) if persons else None)
    except BaseException:
        if places_job is not None:
            places_job.cancel()
        raise
    lr, place_answers = places_job.result() if places_job is not None else (None, {})
    if mentions:
        men = _link_mentions(ds, pr, lr, place_answers, decisions=dec, min_confidence=MIN_MENTION_CONFIDENCE)
    else:
        men = pd.DataFrame(columns=list(MENTION_COLUMNS))
    mapping: dict[str, str] = {}
    for r in (pr, lr):
        if r is not None:
            mapping.update(r.mapping)

    lookup = _lookup(mapping) if mapping else None

    def remap(s: pd.Series) -> pd.Series:  # a dict lookup per distinct id, in pandas' hash table
        if not mapping or not len(s):
            return s.copy()
        mapped = s.map(lookup)
        out = np.where(mapped.isna().to_numpy(), s.to_numpy(dtype=object), mapped.to_numpy(dtype=object))
        return pd.Series(out, index=s.index, name=s.name, dtype=object).astype(s.dtype)

    persons_src, children_src = _children_absorb(ds, pr)
    shown = _shown_names(persons_src, children_src, mapping, lookup=lookup)
    pe = _merge_rows(persons_src, "person_id", mapping, ("aliases", "phone", "vehicle", "social_media"), True, shown,
                     lookup=lookup)
    ch = _merge_rows(children_src, "child_id", mapping, (), False, shown, lookup=lookup)
    lo = _merge_rows(pd.DataFrame(ds.locations.drop(columns="geometry")), "location_id", mapping, (), False,
                     lookup=lookup)
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
    the RHI place mentions (:func:`_place_mention_answers`): the job beside persons.
    ``workers``: RapidFuzz's threads."""
    lr = resolve_locations(ds, decisions=dec, workers=workers, **lkw) if lkw is not None else None
    return lr, (_place_mention_answers(ds, lr, workers=workers) if mentions else {})


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

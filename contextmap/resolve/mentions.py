"""RHI mentions: the free text of ``people_mentioned`` / ``places_mentioned`` linked to entities.

A mention is matched to a resolved person, child or place, or given a provisional entity with a
stable id (:func:`provisional_id`) when it matches nothing, matches ambiguously or describes
someone by relation ("Tyler's cousin"): kept and marked, never dropped. A name several entities
share is decided by the links of the episode's child (:func:`link_mentions`).
:func:`~contextmap.resolve.dataset.resolve_dataset` turns the result into links.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from contextmap.arrays import isin, lookup_series
from contextmap.dataset import Dataset
from contextmap.ingest.placematch import PlaceIndex
from contextmap.ingest.placetext import parse_place_text
from contextmap.resolve.decisions import Decisions, DecisionsError, for_dataset
from contextmap.resolve.persons import PersonResolution
from contextmap.resolve.places import (
    LocationResolution,
    normalise_place_name,
    normalise_place_names,
)
from contextmap.resolve.text import NICKNAME_TO_FORM, normalise_person_name
from contextmap.schema import split_list

__all__ = [
    "MENTION_COLUMNS",
    "MIN_MENTION_CONFIDENCE",
    "provisional_id",
    "link_mentions",
    "link_mentions_with",
    "place_mention_answers",
]

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


def _person_index(ds: Dataset, persons_res: PersonResolution | None) -> tuple[dict, dict, dict, dict, set, dict]:
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
    aliased: dict[str, set[str]] = {}
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
                # and under the forename as written ("=" is in no normalised name): a mention
                # "Isabel" is Isabel before Isabella, whose name only shares its form
                fore.setdefault("=" + toks[0], set()).add(ent)
            sur.setdefault((toks[-1], toks[0][0]), set()).add(ent)
            sur.setdefault((form, toks[-1][0], "fs"), set()).add(ent)  # type: ignore[arg-type]
        for a in split_list(aliases):
            an = normalise_person_name(a)
            if an:
                names.setdefault(an, set()).add(ent)
                aliased.setdefault(an, set()).add(ent)
    # a record made from a name with a date of birth no record of its own has claims a person
    # of its own ("Jade Kesgill, 1984" beside a child, where the known Jade Kesgill was born in 2012)
    real_dobs = {d for e in held for d in dated.get(e, ())}
    held |= {e for e, ds_ in dated.items() if e not in held and not ds_ & real_dobs}
    return names, fore, sur, kind, held, aliased


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
    written: str | None = None


def _match_person(mention: str, idx: tuple[dict, dict, dict, dict, set, dict], choices: list[str],
                  fuzzy: dict | None = None) -> Named:
    """The entity an RHI person mention names (see :class:`Named`); :func:`link_mentions_with`
    chooses among several candidates by the episode's child's links."""
    names, fore, sur, _, held, aliased = idx
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
    # a forename alone or an initial form ("Tia N") is a record's exact name only as often as a
    # record was written so: every entity the form fits is a candidate too ("Tia N" written
    # for Tia Nenstead is no evidence against Tia Nener)
    # an alias is deliberate: a person of concern known as "Ty" is not every Tyler
    fits, form_conf = (_abbreviation_fits(toks, fore, sur) if hit and not hit & aliased.get(norm, set())
                       else (set(), 0.0))
    if fits - hit:
        named = several(hit | fits, f"ambiguous: {len(hit | fits)} entities fit the name as written", form_conf)
        return named._replace(written=next(iter(hit))) if len(hit) == 1 else named
    if len(hit) == 1:
        return Named(next(iter(hit)), 0.95, "name or alias exact")
    if len(hit) > 1:
        return several(hit, f"ambiguous: {len(hit)} entities share the name", 0.95)
    if len(toks) == 1:
        # every entity whose forename has the form is a candidate, and the child's links choose;
        # failing them, the one whose forename is the word as written ("Liv" is Liv Hart before
        # Olivia Brook, whose name only shares its form)
        same = fore.get("=" + toks[0], set())
        hit = _form_hits(toks, fore, sur)[0][1] | same
        if len(hit) == 1:
            return Named(next(iter(hit)), 0.6, "forename only, one entity has it")
        if len(hit) > 1:
            named = several(hit, f"ambiguous forename: {len(hit)} entities", 0.6)
            return named._replace(written=next(iter(same))) if len(same) == 1 else named
        return Named(None, 0.0, "no match")
    cands: set[str] = set()
    for how, hit in _form_hits(toks, fore, sur):
        if len(hit) == 1:
            return Named(next(iter(hit)), 0.75, how)
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


def _day_numbers(values: pd.Series, *, missing: int) -> np.ndarray:
    """Each cell's day (time of day dropped) as days since 1970, ``missing`` where none: day
    comparisons in integers (a ``pd.Timestamp`` comparison per pair cost seconds), for any
    date pandas holds (whole days, not nanoseconds: 2300-01-01 is past 2262)."""
    days = pd.to_datetime(values, errors="coerce").dt.normalize()
    if days.dt.tz is not None:  # the day where it was recorded
        days = days.dt.tz_localize(None)
    d = days.to_numpy().astype("datetime64[D]")
    out = d.view("i8").copy()
    out[np.isnat(d)] = missing
    return out


def _linked_entities(ds: Dataset, persons_res: PersonResolution | None, children: set[str],
                     candidates: set[str]) -> dict[str, dict[str, list[tuple]]]:
    """Each of ``children`` (entities, as resolved) -> each of ``candidates`` its links join it
    with -> those links, in the links' order, as (the day observed in days since 1970, or
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
            ids = ids.map(lookup_series(mapping)).fillna(ids)
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
    days = (_day_numbers(links["observed_on"].iloc[rows], missing=_UNDATED) if "observed_on" in links.columns
            else np.full(len(rows), _UNDATED, dtype=np.int64))
    rel = (links["relation"].iloc[rows].fillna("").astype(str).tolist() if "relation" in links.columns
           else [""] * len(rows))
    eps = (links["episode_id"].iloc[rows].fillna("").astype(str).tolist() if "episode_id" in links.columns
           else [""] * len(rows))
    for x, y, d, r, e in zip(me.tolist(), them.tolist(), days.tolist(), rel, eps, strict=True):
        out.setdefault(x, {}).setdefault(y, []).append((d, r, e))
    return out


def _form_hits(toks: list[str], fore: dict, sur: dict) -> list[tuple[str, set[str]]]:
    """The entities each reading of a name's form fits, in the order they are tried, with the
    reading's words: a forename alone ("Nathan"), an initial and a surname ("T Nener"), a
    forename and a surname initial ("Tia N"), and "JADE K" read surname first as "K Jade"."""
    if len(toks) == 1:
        return [("forename only", fore.get(NICKNAME_TO_FORM.get(toks[0], toks[0]), set()))]
    out: list[tuple[str, set[str]]] = []
    for t in (toks, toks[::-1]) if len(toks) == 2 and len(toks[0]) == 1 else (toks,):
        if len(t[0]) == 1:
            out.append(("initial and surname", sur.get((t[-1], t[0]), set())))
        if len(t) == 2 and len(t[1]) == 1:
            out.append(("forename and surname initial", sur.get((NICKNAME_TO_FORM.get(t[0], t[0]), t[1], "fs"), set())))
    return out


def _abbreviation_fits(toks: list[str], fore: dict, sur: dict) -> tuple[set[str], float]:
    """The entities a forename alone ("Nathan") or an initial form ("Tia N", "T Nener") fits,
    and the confidence of that form; none for a fuller name."""
    if len(toks) > 2:
        return set(), 0.0
    fits = set().union(*(hit for _how, hit in _form_hits(toks, fore, sur)))
    return fits, 0.6 if len(toks) == 1 else 0.75


def _by_links(named: Named, me: str, episode: str, day: int,
              linked: dict[str, dict[str, list[tuple]]]) -> tuple[str | None, float, str]:
    """Which of a name's candidates an episode's child (``me``) means: the one candidate the
    child is linked with by a link observed by the episode's day (or undated) and not recorded
    for this very episode (its own RHI is no evidence of itself), the record written so first
    (``named.written``: a forename or initial form some record was written as); else that
    record; else the one candidate holding a record of its own, if it is not the child (never
    the episode's child). Confidence: the form's own, less a
    tenth (the choice). ``day``: the report's day in days since 1970 (``_OPEN`` for none);
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
    if named.written is not None and named.written in near:  # the record written so, and linked
        return named.written, conf, f"{named.how}; the one a record was written as, linked with this child"
    if len(near) == 1:
        (c, r), = near.items()
        return c, conf, f"{named.how}; the one linked with this child" + (f" ({r})" if r else "")
    if len(near) > 1:
        return None, 0.0, f"{named.how}; this child is linked with {len(near)} of them"
    if named.written is not None and named.written != me:
        return named.written, conf, f"{named.how}; the one a record was written as (the child is linked with none)"
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
    >>> from contextmap.resolve import example_dataset, resolve_locations, resolve_persons
    >>> ds = example_dataset()
    >>> m = link_mentions(ds, resolve_persons(ds), resolve_locations(ds))
    >>> for r in m.itertuples():
    ...     print(r.mention, "->", r.entity_id[:7] if r.provisional else r.entity_id, r.confidence)
    Big T -> P1 0.95
    Tyler's cousin -> prov-p- 0.0
    Maccies Botchergate -> L1 0.95
    the old mill -> prov-l- 0.0
    """
    places = place_mention_answers(ds, locations_res, min_confidence=min_confidence)
    return link_mentions_with(ds, persons_res, locations_res, places, decisions=decisions, min_confidence=min_confidence)


def place_mention_answers(ds: Dataset, locations_res: LocationResolution | None = None, *,
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


def link_mentions_with(ds: Dataset, persons_res: PersonResolution | None, locations_res: LocationResolution | None,
                   places: dict[str, tuple[str, float, bool, str]], *, decisions: Decisions | str | None,
                   min_confidence: float) -> pd.DataFrame:
    """:func:`link_mentions`, given the place mentions' answers (:func:`place_mention_answers`)."""
    dec = for_dataset(decisions, ds)  # a link's end read as the record written there
    pidx = _person_index(ds, persons_res)
    pchoices = sorted(pidx[0])
    ep = ds.episodes
    # fuzzy name matching for every distinct mention without an exact hit, in one batch
    pn = {normalise_person_name(m) for c in ep["people_mentioned"].tolist() for m in split_list(c)}
    pfuzzy = _best_matches(sorted(x for x in pn if x and x not in pidx[0]), pchoices, cutoff=88)
    days = pd.to_datetime(ep["reported_at"]).dt.normalize().tolist()
    day_numbers = _day_numbers(ep["reported_at"], missing=_OPEN).tolist()
    # the same mention text always gets the same answer (match each distinct text once), but
    # for a name several entities fit: then the one the episode's child is linked with, if
    # exactly one is ("Jade K" in Tyler's RHI, and of the two Jade Ks only one is Tyler's
    # friend), else the one holding a record of its own (:func:`_by_links`)
    cache: dict[str, tuple[tuple[str, float, bool, str], Named]] = {}
    pmap = persons_res.mapping if persons_res is not None else {}
    rows: list[tuple] = []
    pending: list[tuple[int, Named, str, str, int]] = []  # rows a name's candidates decide
    for eid, cid, day, dns, pm, lm in zip(ep["episode_id"].tolist(), ep["child_id"].tolist(), days, day_numbers,
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
    unknown = [f"{d.where}: unknown provisional id {x!r}" for d in dec.items
               for x in (d.a, d.b) if x.startswith("prov-") and x not in prov_ids and x not in records]
    if unknown:
        raise DecisionsError(
            "decisions name provisional ids that no record or mention of this data has:\n  " + "\n  ".join(unknown)
            + "\n(a provisional id stands for a name as written, with its date of birth, and, where several"
            " records share or answer to the name, the link it is written in: a new record of the name, a"
            " link gone from the export or a mention out of the window ends it. Find the reference in"
            " `contextmap review` and decide again, or remove or withdraw the decision; a decision about a"
            " name written in a link can name where it was written instead, which lasts: link:<link id>:target)")
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

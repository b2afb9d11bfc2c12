"""One identity across agencies: the rules for a person record that may be a child's record.

Police write a council's child as "WHITMORE, Corey" or "Tyrese O"; such a person record is
scored against the child's record by the same model as any person pair
(:func:`~contextmap.resolve.persons.resolve_persons`), then these rules apply:

* **Prior**: the prior odds that a person record is one given child's record are
  ``share / (number of children)``, ``share`` learnt from the data (:func:`learn_child_shares`,
  per kind of record and per relation word of its links), starting from
  ``child_share_provisional`` / ``child_share_person`` of
  :data:`~contextmap.resolve.persons.PERSON_WEIGHTS`. An **adult of record** (a person record
  18 or over by its date of birth) that the record matches as well is a candidate on the same
  footing as a child (a namesake: the name alone does not say which is meant), its prior never
  below the person model's own; the pair with the adult is scored the same way (``rival_pair``).
* **Link context** (:func:`link_context_levels`): a record linked near the candidate gains
  ``log2(m / u)`` at one of two levels (a record it is linked with is the candidate's link
  partner too; or, one step further out, shares a link with one of the candidate's), m and u
  of each learnt by expectation maximisation with the shares.
* **Child or adult** (:data:`AGE_GUARD`): a person aged 25 or over on the reference day
  (:func:`reference_day`) is never a child's record; a child and a person of whom one is
  under 18 and the other 18 or over, born more than a year apart, are never one person. A
  hard contradiction, like different dates of birth: no chain joins them either.
* **Margin** (:data:`CHILD_MARGIN_BITS`): a person record that matches several children's
  records at or above the threshold joins the best one only when it is at least 3 bits (8
  times as likely) ahead; otherwise none (the pairs go to the review queue).
* **One child per entity**: no score joins two children's records through a person record
  (:func:`~contextmap.resolve.cluster.cluster_records`, ``exclusive``), and ``merge``
  decisions may join two children only by naming both
  (:func:`~contextmap.resolve.decisions.check_child_decisions`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from contextmap.ingest.placematch import PLACE_PROVISIONAL_PREFIX
from contextmap.ingest.placetext import normalise_postcode
from contextmap.resolve.namesakes import (
    contested_children,
    families_meet,
    namesake_competition,
    record_surnames,
)
from contextmap.resolve.places import position_uncertainty

__all__ = ["AGE_GUARD", "CHILD_MARGIN_BITS", "DAY_ZERO", "CHILD_SHARE_MIN_RECORDS", "CHILD_SHARE_BOUNDS", "CONTEXT_START",
           "CONTEXT_WORDS", "reference_day", "child_guards", "entity_guard", "learn_child_shares", "record_shares",
           "link_neighbours", "link_context_levels", "namesake_competition", "place_keys", "record_surnames", "same_as_child", "PLACE_CELL_METRES"]

AGE_GUARD: dict[str, float] = {
    # a person record whose date of birth makes them this old or older on the reference day
    # is never a child's record (children's services work with care leavers up to 25)
    "never_a_child_from_years": 25.0,
    # a child's record and a person record of which one is under this age and the other
    # this age or over on the reference day are never one person ...
    "adult_years": 18.0,
    # ... when their dates of birth are more than this many days apart (a one-day slip
    # across an 18th birthday is a typo, not an adult)
    "min_gap_days": 366.0,
}
"""The child/adult guard between a child's record and a person record (see
:func:`~contextmap.resolve.persons.resolve_persons`); the first rule needs the person's date
of birth alone, the second both."""

DAY_ZERO = pd.Timestamp("1800-01-01")
"""Dates of birth are counted in days from this day (``dob_day``; -1 for none), so that every
date a person can have is a count of 0 or more: counted from 1970, anyone born before it had
a negative count and read as having no date of birth, and the age guard let a man born in
1950 join a child's record."""

CHILD_MARGIN_BITS = 3.0
"""A person record that scores at or above the threshold with several children's records
joins the best only when its match weight is at least this many bits (8 times as likely)
above the next child's; otherwise it joins none and the pairs go to the review queue."""


def reference_day(ds) -> pd.Timestamp:
    """The day ages are taken on: the latest episode report, return or link observation in
    ``ds`` (today's date when it holds none), so the same data always gives the same ages.

    Examples
    --------
    >>> from contextmap.resolve.example import example_dataset
    >>> reference_day(example_dataset())
    Timestamp('2024-05-02 00:00:00')
    """
    days = []
    for table, cols in (("episodes", ("reported_at", "returned_at")), ("links", ("observed_on",))):
        frame = getattr(ds, table, None)
        for c in cols:
            if frame is not None and c in frame.columns and len(frame):
                v = pd.to_datetime(frame[c], errors="coerce").max()
                if not pd.isna(v):
                    days.append(pd.Timestamp(v).normalize())
    return max(days) if days else pd.Timestamp.today().normalize()


def _log2_odds(p: float) -> float:
    return float(np.log2(p / (1 - p)))


def child_guards(scored: pd.DataFrame, f: dict[str, np.ndarray], ref: pd.Timestamp, *, threshold: float,
                 weights: dict[str, float]) -> pd.DataFrame:
    """Person-child pairs: their own prior (``prior_w``, see ``child_share_*`` in
    :data:`~contextmap.resolve.persons.PERSON_WEIGHTS`; ``p`` and ``weight`` moved by the
    difference), the child/adult
    guard (a hard contradiction, with its reason in ``age_note``) and the margin rule
    (``refuse``: a person record that matches several children about equally well joins none
    of them)."""
    out = scored  # the caller's own frame (made for this resolution): columns are added in place
    k = len(out)
    n_p = int(f["n"][0])
    base = _log2_odds(min(weights["duplicates_per_record"] / max(n_p - 1, 1), 0.5))
    out["prior_w"] = np.full(k, base)
    out["age_note"] = np.full(k, "", dtype=object)
    out["refuse"] = np.full(k, "", dtype=object)
    out["ctx_w"] = np.zeros(k)
    out["ctx_words"] = np.full(k, "", dtype=object)
    out["rivals"] = np.zeros(k, dtype=np.int64)
    out["rival_pair"] = np.zeros(k, dtype=bool)
    out["compete_w"] = np.zeros(k)
    out["competitors"] = np.zeros(k, dtype=np.int64)
    out["apart"] = np.zeros(k, dtype=bool)
    out["ctx_level"] = np.full(k, -1, dtype=np.int64)
    if not k or not f["child"].any():
        return out
    a = out["a"].to_numpy(dtype=np.int64)
    b = out["b"].to_numpy(dtype=np.int64)
    ca, cb = f["child"][a], f["child"][b]
    cross = ca != cb
    child = np.where(ca, a, b)
    person = np.where(ca, b, a)
    n_c = int(f["child"].sum())
    ref_day = (ref - DAY_ZERO).days
    dc, dp = f["dob_day"][child], f["dob_day"][person]
    year = 365.25
    age_c = (ref_day - dc) / year
    age_p = (ref_day - dp) / year
    g = AGE_GUARD
    never = cross & (dp >= 0) & (age_p >= g["never_a_child_from_years"])
    split = cross & (dp >= 0) & (dc >= 0) & ((age_c < g["adult_years"]) != (age_p < g["adult_years"]))
    split &= np.abs(dc - dp) > g["min_gap_days"]
    bad = never | split
    if bad.any():
        on = f"{ref:%Y-%m-%d}"
        notes = out["age_note"].to_numpy(dtype=object)
        at = np.flatnonzero(bad)  # over 100,000 pairs at region scale: the words of each distinct pair of ages
        known = (dc[at] >= 0) & np.isfinite(age_c[at])
        ages = pd.DataFrame({"k": known, "c": np.where(known, np.floor(age_c[at]), 0.0), "p": np.floor(age_p[at])})
        codes, uniq = pd.MultiIndex.from_frame(ages).factorize()
        words = np.array([_age_note(c, bool(k), p, on) for k, c, p in uniq], dtype=object)
        notes[at] = words[codes]
        out["age_note"] = notes
        out["contradiction"] = out["contradiction"].to_numpy(dtype=bool) | bad
    # the prior: which child (or which adult of record sharing its name), if any, a person record
    # is, and the link context; the shares and the context's m and u learnt from the data
    bits = out["weight"].to_numpy(dtype=float) - base  # the comparisons' evidence, without the prior
    contra = out["contradiction"].to_numpy(dtype=bool)
    live = cross & ~contra
    ref_of, adult_of = _adult_rivals(a, b, f, ref_day, cross, contra, bits)
    n_rec = len(f["child"])
    has_child = np.bincount(person[live], minlength=n_rec) > 0  # records with a child candidate
    ref_of = np.where((ref_of >= 0) & has_child[np.maximum(ref_of, 0)], ref_of, -1)
    rival = ref_of >= 0
    level = link_context_levels(person, child, f, cross)
    level = np.where(rival, link_context_levels(ref_of, adult_of, f, rival), level)
    if f.get("keep_level") is not None:  # a second reading: these records keep the first one's
        level = np.where(f["keep_level"][np.where(rival, ref_of, person)], f["prev_level"], level)
    out["ctx_level"] = np.where(cross | rival, level, -1)
    start = (weights["child_share_provisional"], weights["child_share_person"])
    shares, m, u = _learn_prior_and_context(bits, level, person, live, ref_of, f, n_c, start)
    ctx_w = _context_weight(level, m, u)
    # beside a candidate linked near, one linked but not near is the less likely: the
    # reference's links were read, and they point at the other (on its own, "not near" says
    # nothing: the exports hold only part of a child's circle)
    who = np.where(rival, ref_of, person)
    has_near = np.bincount(who[(live | rival) & (level >= 1)], minlength=len(f["child"])) > 0
    beside_near = (live | rival) & (level == 0) & has_near[np.maximum(who, 0)]
    ctx_w = np.where(beside_near, _not_near_weight(m, u), ctx_w)
    out.attrs["child_shares"] = shares
    out.attrs["link_context"] = {"m": [round(x, 4) for x in m], "u": [round(x, 4) for x in u]}
    rec_share = record_shares(shares, f["provisional"], f.get("relation"))
    lead_rec = np.log2(rec_share / n_c) - np.log2(1 - rec_share)  # one candidate, before the names are compared
    # an adult of record is a candidate as likely as a child, and never less than the person
    # model itself says (on few records its prior is the larger)
    lead_adult = np.maximum(lead_rec, base)
    rival_bits = _rival_sums(ref_of, bits + ctx_w, n_rec)  # adults of record with its name
    lead = lead_rec[person]
    odds_bits = lead + bits + ctx_w  # this child against no one at all
    others = _other_candidates(odds_bits, person, live)  # the other children it could be
    rivals = np.exp2(np.minimum(lead_adult[person] + rival_bits[person], 1000.0))
    cross_prior = lead - np.log2(1 + others + rivals)
    # an adult-rival pair: the reference is this adult, against the children and the other adults
    rx = np.maximum(ref_of, 0)
    kid_odds = np.bincount(person[live], weights=np.exp2(np.minimum(odds_bits[live], 1000.0)), minlength=n_rec)
    own = np.exp2(np.minimum(lead_adult[rx] + bits + ctx_w, 1000.0))
    rest = np.maximum(np.exp2(np.minimum(lead_adult[rx] + rival_bits[rx], 1000.0)) - own, 0.0)
    rival_prior = lead_adult[rx] - np.log2(1 + kid_odds[rx] + rest)
    wt = out["weight"].to_numpy(dtype=float)
    n_rivals = np.bincount(ref_of[rival], minlength=n_rec)
    wt = np.where(cross, cross_prior + bits + ctx_w, np.where(rival, rival_prior + bits + ctx_w, wt))
    out["ctx_w"] = np.where(cross | rival, ctx_w, 0.0)
    # the words by reference to three strings (np.where over the strings themselves made
    # fixed-width unicode arrays of 400 bytes a pair: over 500 MB at 100,000 episodes)
    words = np.full(k, "", dtype=object)
    said = (cross | rival) & (level >= 0)
    words[said & (level < 1)] = CONTEXT_WORDS[0]
    words[said & beside_near] = CONTEXT_WORDS[-1]
    words[said & (level == 2) & ~rival] = CONTEXT_WORDS[1]
    words[said & (level == 2) & rival] = CONTEXT_WORDS[2]
    words[said & (level == 1) & ~rival] = CONTEXT_WORDS[3]
    words[said & (level == 1) & rival] = CONTEXT_WORDS[4]
    out["ctx_words"] = words
    out["rivals"] = np.where(cross, n_rivals[person], 0)
    out["rival_pair"] = rival
    # a pair of two person records: the candidates of record either may be instead (a child,
    # an adult of record) with another date of birth than the other end's count against it
    cand_rec = np.concatenate([person[live], ref_of[rival]])
    cand_dob = np.concatenate([dc[live], f["dob_day"][adult_of[rival]]])
    cand_bits = np.concatenate([odds_bits[live], (lead_adult[rx] + bits + ctx_w)[rival]])
    plain = ~cross & ~rival & ~contra & np.isfinite(bits)
    penalty, n_comp = namesake_competition(a, b, plain, f["dob_day"], cand_rec, cand_dob, cand_bits,
                                           gap=AGE_GUARD["min_gap_days"])
    wt = wt - penalty
    out["compete_w"] = -penalty
    out["competitors"] = n_comp
    out["weight"] = wt
    out["prior_w"] = np.where(cross, cross_prior, np.where(rival, rival_prior, base))
    moved = cross | rival | (penalty > 0)
    out["p"] = np.where(moved, 1.0 / (1.0 + np.exp2(-wt)), out["p"].to_numpy(dtype=float))
    # the margin rule, over the person-child pairs that could be joined
    p = out["p"].to_numpy(dtype=float)
    live = cross & (p >= threshold) & ~out["contradiction"].to_numpy(dtype=bool)
    if live.sum() >= 2:
        frame = pd.DataFrame({"row": np.flatnonzero(live), "person": person[live], "child": child[live], "w": wt[live]})
        frame = frame.sort_values(["person", "w"], ascending=[True, False], kind="stable")
        n_kids = frame.groupby("person")["child"].transform("nunique").to_numpy()
        best = frame.groupby("person")["w"].transform("max").to_numpy()
        second = frame.groupby("person")["w"].transform(lambda x: x.iloc[1] if len(x) > 1 else -np.inf).to_numpy()
        ambiguous = (n_kids >= 2) & (best - second < CHILD_MARGIN_BITS)
        if ambiguous.any():
            why = out["refuse"].to_numpy(dtype=object)
            counts = frame.loc[ambiguous].groupby("person")["child"].nunique()
            for row, pr in zip(frame["row"].to_numpy()[ambiguous], frame["person"].to_numpy()[ambiguous], strict=True):
                why[row] = (f"matches {int(counts[pr])} children's records about equally well "
                            f"(within {CHILD_MARGIN_BITS:g} bits): joined to none")
            out["refuse"] = why
    out["apart"] = contested_children(cross, rival, person, ref_of, p, contra, out["refuse"].to_numpy(dtype=object),
                                      threshold, n_rec)
    return out


CONTEXT_WORDS = {1: "linked near this child (a record it is linked with is linked with the child too)",
                 0: "linked, but not near this record",
                 -1: "linked, but not near this record, and near another it may be",
                 2: "linked near this adult (a record it is linked with is linked with the adult too)",
                 3: "linked near this child, one step further out (a record it is linked with shares a link with the child's)",
                 4: "linked near this adult, one step further out (a record it is linked with shares a link with the adult's)"}
"""The link context of a person-child pair, in the words the review queue shows."""


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted (by sorting: numpy's hashing unique took
    a second on the 800,000 link ends of 100,000 episodes)."""
    x = np.sort(x)
    return x[np.concatenate(([True], x[1:] != x[:-1]))] if len(x) else x


class LinkGraph:
    """Link ends as integer codes, each end's neighbours in one array (compressed rows, each
    row sorted and without repeats): the links of a region (334,677 at 100,000 episodes) in a
    few MB, where sets of ids per record took over 100 MB."""

    def __init__(self, keys: pd.Index, a: np.ndarray, b: np.ndarray) -> None:
        self.keys = keys
        n = len(keys)
        pair = _sorted_unique(np.asarray(a, dtype=np.int64) * max(n, 1) + np.asarray(b, dtype=np.int64))
        a, b = pair // max(n, 1), pair % max(n, 1)
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(a, minlength=n), out=self.indptr[1:])
        self.indices = b.astype(np.int32)

    def code(self, key: str) -> int:
        """The code of a link end (-1: not a link end)."""
        return int(self.keys.get_indexer([key])[0])

    def of(self, code: int) -> np.ndarray:
        """The codes linked with ``code`` (empty for -1)."""
        if code < 0:
            return self.indices[:0]
        return self.indices[self.indptr[code]:self.indptr[code + 1]]

    def named(self, key: str) -> set[str]:
        """The ids linked with ``key``."""
        return {str(self.keys[k]) for k in self.of(self.code(key)).tolist()}


PLACE_CELL_METRES = 100
"""The side of the grid squares (on the British National Grid) that stand for a place in the
link context: two place records in one square, or with one postcode, are one spot there."""

PLACE_MAX_CHILDREN = 30
"""A spot or place linked with more children than this says nothing of who is who in the link
context, and is left out of it: a busy station, "the park" written region-wide, or a postcode
district written for a full postcode."""


def place_keys(locations: pd.DataFrame | None) -> pd.DataFrame:
    """The spots a place record stands for in the link context: ``location_id`` and ``key``,
    one row per full postcode (``pc:CA51XD``; a district alone or "UNKNOWN" is none) and grid
    square of :data:`PLACE_CELL_METRES` (``sq:3448:5467``; only for a position that precise:
    given, a grid reference of 100 m or finer, a postcode unit's centroid, never 0,0) the
    record has. Agencies keep their own records of one place (the
    council's "Caldthwaite Rec", the police's "CALDTHWAITE REC, CA5 1XD"): the places are not
    resolved yet when persons are (they are resolved beside them), so a child linked with one
    record and a police nominal linked with the other share the spot instead. Neither key is
    transitive (no chain of squares and postcodes makes a town one spot).

    Examples
    --------
    >>> import pandas as pd
    >>> lo = pd.DataFrame({"location_id": ["L1", "L2", "L3"], "postcode": ["ca5 1xd", None, None],
    ...                    "easting": [344822.0, 344850.0, None], "northing": [546784.0, 546790.0, None]})
    >>> place_keys(lo).values.tolist()
    [['L1', 'pc:CA51XD'], ['L1', 'sq:3448:5467'], ['L2', 'sq:3448:5467']]
    """
    cols = ["location_id", "key"]
    if locations is None or not len(locations) or "location_id" not in locations.columns:
        return pd.DataFrame(columns=cols)
    ids = locations["location_id"].astype(str).to_numpy(dtype=object)
    parts = []
    if "postcode" in locations.columns:
        pc = np.array([normalise_postcode(v).replace(" ", "") for v in locations["postcode"].tolist()], dtype=object)
        ok = pc != ""
        parts.append(pd.DataFrame({"location_id": ids[ok], "key": np.char.add("pc:", pc[ok].astype(str)).astype(object)}))
    if {"easting", "northing"} <= set(locations.columns):
        e = pd.to_numeric(locations["easting"], errors="coerce").to_numpy(dtype=float)
        n = pd.to_numeric(locations["northing"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(e) & np.isfinite(n) & ~((e == 0) & (n == 0))
        ok &= position_uncertainty(locations.reset_index(drop=True)) <= PLACE_CELL_METRES
        sq = np.char.add(np.char.add((e[ok] // PLACE_CELL_METRES).astype(np.int64).astype(str), ":"),
                         (n[ok] // PLACE_CELL_METRES).astype(np.int64).astype(str))
        parts.append(pd.DataFrame({"location_id": ids[ok], "key": np.char.add("sq:", sq).astype(object)}))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True).drop_duplicates()
    order = np.lexsort((out["key"].to_numpy(dtype=str), pd.Index(ids).get_indexer(out["location_id"])))
    return out.iloc[order].reset_index(drop=True)


def same_as_child(f: dict[str, np.ndarray]) -> np.ndarray:
    """Per record, the id it stands for in the link context: a person record whose name (the
    forename's formal form and the surname) and date of birth are those of exactly one child's
    record stands for that child (a police nominal "WHITMORE, Corey" born on the child's
    birthday is the police's record of the child), so that the police's links of the child
    and the council's meet; every other record stands for itself. Context only: whether
    the records are one person is still for the model and the guards to say.

    Examples
    --------
    >>> import numpy as np
    >>> f = {"ids": np.array(["C1", "C2", "N1", "N2"], dtype=object), "child": np.array([True, True, False, False]),
    ...      "fn_form": np.array(["corey", "corey", "corey", "corey"], dtype=object),
    ...      "sn": np.array(["whitmore", "whitmore", "whitmore", "whitmore"], dtype=object),
    ...      "dob_day": np.array([15000, 15400, 15000, -1])}
    >>> same_as_child(f).tolist()
    ['C1', 'C2', 'C1', 'N2']
    """
    ids = np.asarray(f["ids"], dtype=object)
    out = ids.copy()
    child = np.asarray(f["child"], dtype=bool)
    known = (np.asarray(f["dob_day"]) >= 0) & (np.asarray(f["sn"], dtype=object) != "")
    if not (known & child).any() or not (known & ~child).any():
        return out
    # object strings (a fixed-width array is as wide as the longest name: a hostile one would
    # take gigabytes)
    key = (pd.Series(f["fn_form"], dtype=object).astype(str) + "|" + pd.Series(f["sn"], dtype=object).astype(str)
           + "|" + pd.Series(np.asarray(f["dob_day"])).astype(str))
    kids = key[known & child]
    once = kids[~kids.duplicated(keep=False)]
    to_child = pd.Series(ids[once.index.to_numpy()], index=once.to_numpy())
    hit = key.map(to_child)
    take = (known & ~child) & hit.notna().to_numpy()
    out[take] = hit[take].to_numpy(dtype=object)
    return out


def link_neighbours(ds, ids: np.ndarray, provisional: np.ndarray, same: np.ndarray | None = None, *,
                    spots: pd.DataFrame | None = None, cache: dict | None = None,
                    ) -> tuple[np.ndarray, LinkGraph | None, np.ndarray]:
    """The link context of person-child matching: per record (``ids``), the codes of the ids it
    is linked with (its links' other ends); the links between records that are not provisional
    (:class:`LinkGraph`), whose identity the data states; and per record the one relation word
    of its links (``""``: none, or several).

    A child is linked with the place each of its episodes ended at (``found_location_id``) as
    with the places of its links, and a place end stands for its spots (:func:`place_keys`):
    a postcode and a grid square, so that two agencies' records of one place meet. With
    ``same`` (per record, the id it stands for: :func:`same_as_child`), a record's links are
    those of the id it stands for. ``spots``: :func:`place_keys` of ``ds.locations``, when the
    caller has it already. ``cache``: a dict this function fills on a first call and reads
    on the next with the same ``ds``, ``ids`` and ``provisional`` (the second reading of the
    context), where only ``same`` differs: the links, spots and busy places are not read again.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class D:
    ...     links = pd.DataFrame({"source_id": ["prov-p-1", "C2"], "target_id": ["C1", "C3"]})
    >>> near, graph, relation = link_neighbours(D(), np.array(["prov-p-1", "C3"]), np.array([True, False]))
    >>> sorted(str(graph.keys[k]) for k in near[0]), sorted(graph.named("C2")), relation.tolist()
    (['C1'], ['C3'], ['', ''])
    """
    none = np.zeros(0, dtype=np.int32)
    near = np.empty(len(ids), dtype=object)
    near[:] = [none] * len(ids)
    stands = ids.astype(object) if same is None else np.asarray(same, dtype=object)
    if cache:
        return _stand_graphs(cache, stands, provisional, near)
    base = link_base(ds, ids, spots=spots)
    if base is None:
        return near, None, np.full(len(ids), "", dtype=object)
    if cache is not None:
        cache.update(base)
    return _stand_graphs(base, stands, provisional, near)


def link_base(ds, ids: np.ndarray, *, spots: pd.DataFrame | None = None) -> dict | None:
    """The first half of :func:`link_neighbours`, which reads the links and depends on nothing
    else (not on what the records stand for): every link end, spot and record as an integer
    code, the links between them (busy places left out) and each record's relation word.
    None when there are no links. Resolution reads it on the second core while it blocks and
    scores (:func:`~contextmap.resolve.persons.resolve_persons`)."""
    relation = np.full(len(ids), "", dtype=object)
    links = getattr(ds, "links", None)
    if links is None or not len(links) or not {"source_id", "target_id"} <= set(links.columns):
        return None
    src = links["source_id"].astype(str).to_numpy(dtype=object)
    tgt = links["target_id"].astype(str).to_numpy(dtype=object)
    rel = (links["relation"].fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)
           if "relation" in links.columns else np.full(len(links), "", dtype=object))
    ok = (src != "") & (tgt != "") & (src != "nan") & (tgt != "nan") & (src != tgt)
    src, tgt, rel = src[ok], tgt[ok], rel[ok]
    # the relation word of each record's links (before places become spots)
    rcodes, rkeys = pd.factorize(np.concatenate([src, tgt]))
    ends = pd.DataFrame({"end": rcodes, "rel": np.concatenate([rel, rel])})
    by_end = ends.groupby("end")["rel"].agg(["nunique", "first"])
    one = by_end.loc[by_end["nunique"] == 1, "first"]
    word = pd.Series(pd.Index(rkeys).get_indexer([str(r) for r in ids.tolist()])).map(one)
    relation[:] = word.where(word.notna(), "").to_numpy(dtype=object)
    # episodes: the child was at the place its episode ended at
    eps = getattr(ds, "episodes", None)
    if eps is not None and len(eps) and {"child_id", "found_location_id"} <= set(eps.columns):
        fc = eps["child_id"].astype("string").fillna("").to_numpy(dtype=object)
        fl = eps["found_location_id"].astype("string").fillna("").to_numpy(dtype=object)
        has = (fc != "") & (fl != "")
        src, tgt = np.concatenate([src, fc[has]]), np.concatenate([tgt, fl[has]])
    # every id as an integer code, once (the rest is arithmetic on codes)
    locations, children = getattr(ds, "locations", None), getattr(ds, "children", None)
    spots = place_keys(locations) if spots is None else spots
    loc_ids = (locations["location_id"].astype(str).to_numpy(dtype=object)
               if locations is not None and "location_id" in locations.columns else np.zeros(0, dtype=object))
    kid_ids = (children["child_id"].astype(str).to_numpy(dtype=object)
               if children is not None and "child_id" in children.columns else np.zeros(0, dtype=object))
    parts = [src, tgt, spots["location_id"].to_numpy(dtype=object), spots["key"].to_numpy(dtype=object), loc_ids,
             kid_ids, np.asarray(ids, dtype=object)]
    codes, uniq = pd.factorize(np.concatenate([np.asarray(x, dtype=object) for x in parts]))
    cut = np.cumsum([len(x) for x in parts])[:-1]
    a, b, sp_loc, sp_key, loc_c, kid_c, id_c = (c.astype(np.int64) for c in np.split(codes, cut))
    nn = len(uniq)
    # a place end stands for its spots (one edge per spot); a place without one stays itself
    if len(sp_loc):
        order = np.argsort(sp_loc, kind="stable")
        sp_loc, sp_key = sp_loc[order], sp_key[order]
        count = np.bincount(sp_loc, minlength=nn)
        first = np.zeros(nn + 1, dtype=np.int64)
        np.cumsum(count, out=first[1:])
        for flip in (False, True):
            x, y = (b, a) if flip else (a, b)
            rep = np.maximum(count[x], 1)
            x2, y2 = np.repeat(x, rep), np.repeat(y, rep)
            spot = np.repeat(count[x] > 0, rep)
            step = np.arange(len(x2)) - np.repeat(np.cumsum(rep) - rep, rep)
            x2[spot] = sp_key[first[x2[spot]] + step[spot]]
            a, b = (y2, x2) if flip else (x2, y2)
    # a spot or place linked with many children tells nothing of who is who (and would make
    # every pair's check walk thousands of links)
    strings = uniq.astype(object)
    is_place = np.fromiter((str(v).startswith(("pc:", "sq:", PLACE_PROVISIONAL_PREFIX)) for v in strings),
                           dtype=bool, count=nn)
    is_place[loc_c] = True
    is_kid = np.zeros(nn, dtype=bool)
    is_kid[kid_c] = True
    pc, oc = np.concatenate([a, b]), np.concatenate([b, a])
    at = is_place[pc] & is_kid[oc]
    per_place = np.bincount(_sorted_unique(pc[at] * nn + oc[at]) // nn, minlength=nn)
    busy = per_place > PLACE_MAX_CHILDREN
    keep = ~busy[a] & ~busy[b]
    return {"a": a[keep], "b": b[keep], "keys": pd.Index(uniq), "id_c": id_c, "relation": relation,
            "prov_name": _provisional_names(strings)}


def _provisional_names(values) -> np.ndarray:
    """Per id: a provisional record made from a person's name (``prov-...``; not a provisional
    place, ``prov-l-...``, which is its words: two records linked with one are linked with
    the same words, and count)."""
    return np.fromiter((str(v).startswith("prov-") and not str(v).startswith(PLACE_PROVISIONAL_PREFIX)
                        for v in values), dtype=bool, count=len(values))


def _stand_graphs(base: dict, stands: np.ndarray, provisional: np.ndarray,
                  near: np.ndarray) -> tuple[np.ndarray, LinkGraph, np.ndarray]:
    """The second half of :func:`link_neighbours`: the links read with each record as the id it
    stands for (``stands``; an id the links do not hold is added)."""
    keys, id_c, a, b = base["keys"], base["id_c"], base["a"], base["b"]
    st_c = keys.get_indexer(stands).astype(np.int64)
    prov_name = base["prov_name"]
    unseen = st_c < 0
    if unseen.any():
        extra, names = pd.factorize(stands[unseen])
        st_c[unseen] = len(keys) + extra
        keys = keys.append(pd.Index(names, dtype=object))
        prov_name = np.concatenate([prov_name, _provisional_names(names)])
    nn = len(keys)
    # a record that stands for a child: its links are the child's
    moved = st_c != id_c
    remap = np.arange(nn, dtype=np.int64)
    remap[id_c[moved]] = st_c[moved]
    a, b = remap[a], remap[b]
    keep = a != b
    a, b = a[keep], b[keep]
    everything = LinkGraph(keys, np.concatenate([a, b]), np.concatenate([b, a]))
    prov = np.zeros(nn, dtype=bool)  # provisional records: their identity is not stated
    prov[id_c[np.asarray(provisional, dtype=bool) & ~moved]] = True
    prov |= prov_name
    stated = ~prov[a] & ~prov[b]
    graph = LinkGraph(keys, np.concatenate([a[stated], b[stated]]), np.concatenate([b[stated], a[stated]]))
    near[:] = [everything.of(int(c)) for c in st_c.tolist()]
    return near, graph, base["relation"]


def link_context_levels(person: np.ndarray, child: np.ndarray, f: dict, cross: np.ndarray) -> np.ndarray:
    """Per pair: 2 when the person record shares a link partner with the child (police name a
    child beside the child's friends), 1 when it is linked near the child one step further
    out (a record it is linked with is linked with one of the child's partners), 0 when both
    are linked but not near, -1 when either is linked to nothing else (no evidence either
    way) or the pair is not a person-child one. The nearer is the stronger evidence: a friend
    of a friend is linked near many children.

    Counted with sparse matrices (a loop over sets took 1.7 s at 100,000 episodes): with ``P``
    the record's partners but the child, ``T`` the child's but the record, and ``G`` the links
    whose ends' identity is stated, the pair shares a partner when ``P T'`` is positive and is
    near when ``P (I + G) T'`` is.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class D:
    ...     links = pd.DataFrame({"source_id": ["C1", "P1"], "target_id": ["C2", "C2"]})
    >>> ids = np.array(["C1", "C2", "P1"])
    >>> near, graph, _ = link_neighbours(D(), ids, np.array([False, False, True]))
    >>> f = {"ids": ids, "graph": graph, "near": near}
    >>> link_context_levels(np.array([2]), np.array([0]), f, np.array([True])).tolist()  # P1 beside C1's friend
    [2]
    """
    out = np.full(len(person), -1, dtype=np.int64)
    near, graph, ids = f.get("near"), f.get("graph"), f.get("ids")
    if near is None or graph is None or ids is None:
        return out
    at = np.flatnonzero(np.asarray(cross, dtype=bool))
    if not len(at):
        return out
    from scipy.sparse import csr_matrix, identity

    n = len(graph.keys)
    code = graph.keys.get_indexer([str(r) for r in ids.tolist()])
    xs = np.asarray(person, dtype=np.int64)[at]
    xc, cc = code[xs], code[np.asarray(child, dtype=np.int64)[at]]
    deg = np.diff(graph.indptr)
    G = csr_matrix((np.ones(len(graph.indices), dtype=np.int64), graph.indices, graph.indptr), shape=(n, n))
    # the partners of the records in these pairs, one row each (near: codes, per record)
    rows, inv = np.unique(xs, return_inverse=True)
    lens = np.fromiter((len(near[r]) for r in rows.tolist()), dtype=np.int64, count=len(rows))
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    idx = np.concatenate([np.asarray(near[r], dtype=np.int64) for r in rows.tolist()]) if lens.sum() else np.zeros(0, np.int64)
    M = csr_matrix((np.ones(len(idx), dtype=np.int64), idx, ptr), shape=(len(rows), n))
    M.sum_duplicates()
    M.data[:] = 1
    S = M @ (G + identity(n, dtype=np.int64, format="csr"))  # S[x, t]: x's partners that are t or linked with t
    ok, safe_c, safe_x = cc >= 0, np.maximum(cc, 0), np.maximum(xc, 0)  # cc < 0: a child without links
    in_near = np.asarray(M[inv, safe_c]).ravel() * ok  # the record is linked with the child itself
    in_t = np.asarray(G[safe_c, safe_x]).ravel() * ok * (xc >= 0)  # the child is linked with the record itself
    total = np.asarray(S[inv].multiply(G[safe_c]).sum(axis=1)).ravel()
    # the partners both have (the child is not its own partner, nor the record its own)
    shared = np.asarray(M[inv].multiply(G[safe_c]).sum(axis=1)).ravel()
    # leave the child out of P and the record out of T: the (k, t) terms with k = child or t = record
    s_x = np.asarray(S[inv, safe_x]).ravel() * (xc >= 0)
    total = total - in_near * deg[safe_c] - in_t * s_x + in_near * in_t
    n_p = np.asarray(M[inv].sum(axis=1)).ravel() - in_near
    n_t = deg[safe_c] - in_t
    live = ok & (cc != xc) & (n_p > 0) & (n_t > 0)
    out[at[live]] = np.where(shared[live] > 0, 2, (total[live] > 0).astype(np.int64))
    return out


def _context_weight(level: np.ndarray, m: tuple[float, float], u: tuple[float, float]) -> np.ndarray:
    """The weight of each pair's link context level (:func:`link_context_levels`): ``m[0]``,
    ``u[0]`` are for level 1 (near, one step further out), ``m[1]``, ``u[1]`` for level 2 (a
    partner shared)."""
    return np.where(level == 2, np.log2(m[1] / u[1]), np.where(level == 1, np.log2(m[0] / u[0]), 0.0))


def _not_near_weight(m: tuple[float, float], u: tuple[float, float]) -> float:
    return float(np.log2((1 - m[0] - m[1]) / (1 - u[0] - u[1])))


CONTEXT_START = ((0.2, 0.3), (0.1, 0.1))
"""Where the link context's m and u start: ``(m, u)``, each a pair (near one step further
out, a partner shared): the share of a child's own records, and of other records, at each
level. A modest guess (either doubles the odds or more: an adult of concern is linked near
children too), used as it is when fewer than :data:`CHILD_SHARE_MIN_RECORDS` person-child
pairs have a context; otherwise all four are learnt by expectation maximisation."""


def _learn_prior_and_context(bits, level, person, live, ref_of, f, n_c, start, iterations: int = 10):
    """The child shares and the link context's m and u, learnt together: the shares given the
    context's weights, then m and u as the shares of pairs linked near the child among the
    pairs weighted by their chance of being the child (m) or not (u), repeated."""
    m, u = CONTEXT_START
    known = live & (level >= 0)
    shares = {"provisional": float(start[0]), "person": float(start[1])}
    for _ in range(iterations if known.sum() >= CHILD_SHARE_MIN_RECORDS else 1):
        w = bits + _context_weight(level, m, u)
        rival_bits = _rival_sums(ref_of, w, len(f["child"]))
        shares = learn_child_shares(w[live], person[live], f["provisional"], f["child"], n_c, start=start,
                                    rivals=rival_bits, relation=f.get("relation"))
        if known.sum() < CHILD_SHARE_MIN_RECORDS:
            break
        share = record_shares(shares, f["provisional"], f.get("relation"))[person]
        lead = np.log2(share / n_c) - np.log2(1 - share)
        odds = np.where(live, np.exp2(np.minimum(lead + w, 1000.0)), 0.0)
        total = _odds_sums(odds, person) + np.exp2(np.minimum(lead + rival_bits[person], 1000.0))
        post = np.where(live, odds / (1 + total), 0.0)
        m_new, u_new = [], []
        for lv in (1, 2):  # each at most 0.49: "not near" weighs log2((1 - m1 - m2) / (1 - u1 - u2))
            close = known & (level == lv)
            m_new.append(float(np.clip(post[close].sum() / max(post[known].sum(), 1e-9), 0.01, 0.49)))
            u_new.append(float(np.clip((1 - post[close]).sum() / max((1 - post[known]).sum(), 1e-9), 0.001, 0.49)))
        done = max(abs(a - b) for a, b in zip((*m_new, *u_new), (*m, *u), strict=True)) < 1e-4
        m, u = (m_new[0], m_new[1]), (u_new[0], u_new[1])
        if done:
            break
    return shares, m, u


def _adult_rivals(a, b, f, ref_day, cross, contra, bits):
    """Per pair: the reference record of a pair with an adult record (a person record whose
    date of birth makes them 18 or over, not a child's record), ``-1`` for other pairs; and
    the adult. A name-only reference "Zak Calvert" matches the adult nominal "Zak CALVERT"
    (34) as well as the child Zak Calvert, and either may be meant."""
    ref_of = np.full(len(a), -1, dtype=np.int64)
    adult_of = np.full(len(a), -1, dtype=np.int64)
    dob = f["dob_day"]
    g = AGE_GUARD
    adult = ~f["child"] & (dob >= 0) & ((ref_day - dob) / 365.25 >= g["adult_years"])
    minor = (dob >= 0) & ((ref_day - dob) / 365.25 < g["adult_years"])  # a record its own date of birth makes a minor
    pp = ~cross & ~contra & np.isfinite(bits)
    for x, y in ((a, b), (b, a)):
        # no rival to a record whose date of birth the age guard keeps apart from the adult
        apart = minor[x] & (np.abs(dob[x] - dob[y]) > g["min_gap_days"])
        sel = pp & adult[y] & ~adult[x] & ~f["child"][x] & ~apart & (ref_of < 0)
        ref_of[sel], adult_of[sel] = x[sel], y[sel]
    # an adult of record born within a year of a child the record matches is that child's own
    # record (a care leaver of 20 in the police's nominals), not another person
    rv = np.flatnonzero(ref_of >= 0)
    live = cross & ~contra
    if len(rv) and live.any():
        kid = np.where(f["child"][a], a, b)[live]
        rec = np.where(f["child"][a], b, a)[live]
        kids = pd.DataFrame({"rec": rec, "cdob": dob[kid]})
        kids = kids[kids["cdob"] >= 0]
        m = pd.DataFrame({"i": rv, "rec": ref_of[rv], "adob": dob[adult_of[rv]]}).merge(kids, on="rec")
        same = m.loc[np.abs(m["adob"].to_numpy() - m["cdob"].to_numpy()) <= g["min_gap_days"], "i"].unique()
        ref_of[same], adult_of[same] = -1, -1
    return ref_of, adult_of


def _rival_sums(ref_of: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """Per record: ``log2`` of the summed ``2**w`` over its adult-rival pairs (``-inf``: none)."""
    sel = ref_of >= 0
    odds = np.bincount(ref_of[sel], weights=np.exp2(np.minimum(w[sel], 1000.0)), minlength=n)
    with np.errstate(divide="ignore"):
        return np.where(odds > 0, np.log2(np.maximum(odds, 1e-300)), -np.inf)


def entity_guard(f: dict[str, np.ndarray], ref: pd.Timestamp,
                 surnames: list[tuple[frozenset[str], frozenset[str]]] | None = None,
                 ) -> Callable[..., str]:
    """The child/adult guard over whole entities, for :func:`~contextmap.resolve.cluster.cluster_records`:
    two clusters of which one holds a child's record are never joined when any record of the
    other is a person :data:`AGE_GUARD` calls no child, or of another gender than the child;
    nor (with ``surnames``, from :func:`record_surnames`) when the surnames written in one
    share none with those of the other, none even close: "Paige Broughcroft" and the child
    Paige Birkdale, each scored with a police "Paige B" that says neither, are two people, as
    their own pair would say were it scored. The surname test holds for chains only: a pair
    that itself holds two surnames ("Corey SMITH" with Corey Whitmore's birthday, a stepfamily
    name) was weighed by the model, and its score decides (``joining``: the two records whose
    score would join the clusters).

    A pair's guard only sees the two records scored; a chain through a record that says
    neither (a name without a date of birth or gender: "A Fenwick") could otherwise join an
    adult's nominal ("Amber FENWICK", 32, female) to a child ("Aaron Fenwick", 13, male).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> f = {"child": np.array([True, False, False]), "gender": np.array(["male", "", "female"], dtype=object),
    ...      "dob_day": np.array([77_091, -1, 71_091])}  # a child born 2011, a name alone, a woman born 1994
    >>> guard = entity_guard(f, pd.Timestamp("2026-11-30"))
    >>> guard({0}, {1})
    ''
    >>> guard({0, 1}, {2})
    "a child's record (aged 15) and a person aged 32 on 2026-11-30: never one person"
    """
    child, dob, gender = f["child"], f["dob_day"], f["gender"]
    ref_day = (ref - DAY_ZERO).days
    g = AGE_GUARD

    def age(i: int) -> float:
        return (ref_day - dob[i]) / 365.25

    def pair(k: int, i: int) -> str:
        if dob[i] >= 0:
            never = age(i) >= g["never_a_child_from_years"]
            split = dob[k] >= 0 and (age(k) < g["adult_years"]) != (age(i) < g["adult_years"]) \
                and abs(int(dob[k]) - int(dob[i])) > g["min_gap_days"]
            if never or split:
                return _age_note(age(k), dob[k] >= 0, age(i), f"{ref:%Y-%m-%d}")
        if gender[k] and gender[i] and gender[k] != gender[i]:
            return f"a child's record ({gender[k]}) and a person record ({gender[i]}): never one person"
        return ""

    def check(ma: set[int], mb: set[int], joining: tuple[int, int] | None = None) -> str:
        weighed = (joining is not None and surnames is not None
                   and bool(surnames[joining[0]][0]) and bool(surnames[joining[1]][0]))
        if surnames is not None and not weighed:
            sa = set().union(*(surnames[i][0] for i in ma))
            sb = set().union(*(surnames[i][0] for i in mb))
            wa = set().union(*(surnames[i][1] for i in ma))
            wb = set().union(*(surnames[i][1] for i in mb))
            if not families_meet(sa, sb, wa, wb):
                return (f"surnames written {', '.join(sorted(sa)[:3])} and {', '.join(sorted(sb)[:3])}, "
                        "none close to another: never one person")
        for xs, ys in ((ma, mb), (mb, ma)):
            for k in xs:
                if child[k]:
                    for i in ys:
                        why = "" if child[i] else pair(k, i)
                        if why:
                            return why
        return ""

    return check


CHILD_SHARE_MIN_RECORDS = 200
"""Fewer person records of a kind than this and the share of them that are children's records
is not learnt: the stated guess of :data:`~contextmap.resolve.persons.PERSON_WEIGHTS` is used."""

CHILD_SHARE_BOUNDS = (0.01, 0.95)
"""A learnt share is kept within these bounds (never certain that every record is a child's,
or that none is)."""


def _odds_sums(odds: np.ndarray, person: np.ndarray) -> np.ndarray:
    """For each pair, the sum of ``odds`` over every pair of the same person record."""
    if not len(odds):
        return odds
    # record positions are small non-negative integers: they are the bins (no sort to number them)
    return np.bincount(person, weights=odds)[person]


def _other_candidates(odds_bits: np.ndarray, person: np.ndarray, live: np.ndarray) -> np.ndarray:
    """For each pair, the summed odds of the person record's *other* live children's records."""
    odds = np.where(live, np.exp2(np.minimum(odds_bits, 1000.0)), 0.0)
    return np.maximum(_odds_sums(odds, person) - odds, 0.0)


def learn_child_shares(bits: np.ndarray, person: np.ndarray, provisional: np.ndarray, is_child: np.ndarray,
                       n_children: int, *, start: tuple[float, float], iterations: int = 200,
                       rivals: np.ndarray | None = None, relation: np.ndarray | None = None) -> dict[str, float]:
    """The share of person records that are a child's record, learnt from the data by
    expectation maximisation, for records made from link names (``provisional``) and for
    persons of concern (``person``) apart.

    Each person record is one of the ``n_children`` children (each equally likely before the
    names are compared: ``share / n_children``) or no child (``1 - share``). Given the match
    weights ``bits`` (log2 Bayes factors, the prior left out) of its pairs with the children
    it was compared with, the chance it is one of them is ``S / (1 + S)``, ``S`` the sum of
    ``share / n_children * 2**bits / (1 - share)`` over those pairs; the new share is the mean
    of that chance over every record of the kind (a record compared with no child counts 0).
    A kind with fewer than :data:`CHILD_SHARE_MIN_RECORDS` records keeps its ``start``.

    Parameters
    ----------
    bits, person
        One value per live person-child pair: its weight without the prior, and the position
        of its person record.
    provisional, is_child
        Per record: made by ingest from a name; a child's record.
    n_children
        The number of children's records.
    start
        The stated shares (provisional, person): where the iteration starts.
    rivals
        Per record, the evidence (log2 of the summed ``2**bits``) of its pairs with adult
        records that share its name (``-inf``: none), or None: an adult of record is as likely,
        before the names are compared, as a given child, so the chance of being a child is
        ``S / (1 + S + R)``.
    relation
        Per record, the one relation word its links give ("friend", "contact"; ``""`` for
        none or several), or None: the share is then also learnt per kind and word (keys
        ``"provisional|friend"``...), where a word has enough records: the police's "friend"
        names a child far more often than their "contact" does.

    Examples
    --------
    >>> import numpy as np
    >>> prov = np.array([True] * 300 + [False])
    >>> kids = np.array([False] * 300 + [True])
    >>> bits = np.array([20.0] * 240)  # 240 of the 300 records match the one child strongly
    >>> shares = learn_child_shares(bits, np.arange(240), prov, kids, 1, start=(0.25, 0.02))
    >>> round(shares["provisional"], 2), shares["person"]
    (0.8, 0.02)
    """
    out = {"provisional": float(start[0]), "person": float(start[1])}
    n_c = max(int(n_children), 1)
    lo, hi = CHILD_SHARE_BOUNDS
    groups = [("provisional", provisional & ~is_child), ("person", ~provisional & ~is_child)]
    if relation is not None:  # then per relation word, within each kind (after the kind: its start)
        for kind, mask in list(groups):
            for word in sorted(set(relation[mask].tolist()) - {""}):
                groups.append((f"{kind}|{word}", mask & (relation == word)))
    for kind, mask in groups:
        n = int(mask.sum())
        sel = mask[person] if len(person) else np.zeros(0, dtype=bool)
        if n < CHILD_SHARE_MIN_RECORDS or not sel.any():
            continue
        b, who = np.minimum(bits[sel], 1000.0), person[sel]
        uniq, inv = np.unique(who, return_inverse=True)
        rb = np.exp2(np.minimum(rivals[uniq], 1000.0)) if rivals is not None else np.zeros(len(uniq))
        share = out.get(kind, out[kind.split("|")[0]])
        for _ in range(iterations):
            lead = share / n_c / (1 - share)
            odds = lead * np.exp2(b)
            s = np.bincount(inv, weights=odds, minlength=len(uniq))
            new = float(np.clip((s / (1 + s + lead * rb)).sum() / n, lo, hi))
            done = abs(new - share) < 1e-6
            share = new
            if done:
                break
        out[kind] = share
    return out


def record_shares(shares: dict[str, float], provisional: np.ndarray, relation: np.ndarray | None) -> np.ndarray:
    """Per record, its share (of its kind and relation word when one was learnt, else of its kind).

    Examples
    --------
    >>> import numpy as np
    >>> record_shares({"provisional": 0.7, "person": 0.1, "provisional|friend": 0.97},
    ...               np.array([True, True, False]), np.array(["friend", "contact", "friend"])).tolist()
    [0.97, 0.7, 0.1]
    """
    kind = np.where(provisional, "provisional", "person")
    base = np.where(provisional, shares["provisional"], shares["person"]).astype(float)
    if relation is None:
        return base
    return np.array([shares.get(f"{k}|{r}", v) if r else v for k, r, v in
                     zip(kind.tolist(), relation.tolist(), base.tolist(), strict=True)], dtype=float)


def _age_words(years: float, known: bool) -> str:
    """Completed years, or 'unknown' (no date of birth)."""
    return f"{int(np.floor(years))}" if known and np.isfinite(years) else "unknown"


def _age_note(child_years: float, known: bool, person_years: float, on: str) -> str:
    """Why a child's record and a person record are never one person, by their ages ``on`` a day."""
    return (f"a child's record (aged {_age_words(child_years, known)}) and a person aged "
            f"{_age_words(person_years, True)} on {on}: never one person")

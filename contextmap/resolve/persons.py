"""Person entity resolution: one person, however the records spell them, across agencies.

contextmap blocks and clusters; Splink scores (:mod:`contextmap.resolve.splink_engine`; see
``docs/resolution.md`` for the measurements).

1. **Normalise** each record: names lower-cased, accents and apostrophes removed, titles
   dropped, "SURNAME, Forename" turned round, common forename nicknames mapped to one form
   ("Tom" -> "thomas"); aliases and identifiers (phone, vehicle, social media) normalised
   the same way.
2. **Block**: only records sharing a key are compared (surname + forename initial, forename +
   surname initial, forename + birth year, surname + birth year, date of birth with day and
   month in either order, any full name or alias, any identifier). Person records (police
   nominals, provisional records made from link names) are also compared with children's
   records through a narrower set of keys (full name or alias, date of birth, forename or
   surname + birth year, and the initial forms: "C Whitmore", "Tyrese O"); children are
   compared with each other only with ``include_children``.
3. **Score** each candidate pair: with ``engine='duckdb'`` (default) or ``'spark'``, a
   Splink Fellegi-Sunter model trained on the person records (m by EM, u by random
   sampling, names weighted by how common they are; documented fixed priors for small
   datasets), which also scores the person-child pairs; with ``engine='fixed'``, the
   documented fixed weights of :data:`PERSON_WEIGHTS` (RapidFuzz Jaro-Winkler in C). Either
   way every pair gets an explanation in plain words.
4. **Cluster** pairs at or above the threshold into entities, strongest first, never
   joining two clusters across a hard contradiction (different dates of birth or genders,
   different forenames that are not typos, a child and an adult (:data:`~contextmap.resolve.identity.AGE_GUARD`), or a
   ``keep apart`` decision), never putting two children's records in one entity through a
   person record, and never joining a person record to one of several children it matches
   about equally well. ``merge`` decisions are applied first, with confidence 1.0. An
   entity holding a child's record is named by the child's id: the child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jellyfish
import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist

from contextmap.parallel import beside
from contextmap.resolve.blocking import block_keys, candidate_pairs, drop_unrelated_forenames
from contextmap.resolve.cluster import (
    checked_weights,
    cluster_records,
    dataset_entity_ids,
    merged_summary,
)
from contextmap.resolve.decisions import Decisions, check_child_decisions, for_dataset
from contextmap.resolve.identity import (
    DAY_ZERO,
    child_guards,
    entity_guard,
    link_base,
    link_neighbours,
    record_surnames,
    reference_day,
    same_as_child,
)
from contextmap.resolve.pairwords import pairs_frame
from contextmap.resolve.splink_engine import (
    RARE_ALIAS,
    SplinkModel,
    check_engine,
    score_pairs,
)
from contextmap.resolve.text import NICKNAME_TO_FORM, normalise_identifier, normalise_person_name
from contextmap.schema import split_list

__all__ = [
    "PersonResolution",
    "resolve_persons",
    "normalise_person_name",  # from contextmap.resolve.text, where it lives
    "PERSON_WEIGHTS",
    "DEFAULT_PERSON_THRESHOLD",
    "DEFAULT_ENGINE",
]

DEFAULT_ENGINE = "duckdb"
"""Splink on embedded DuckDB. Others: ``'spark'`` (Splink on Spark) and ``'fixed'`` (the
documented fixed weights of :data:`PERSON_WEIGHTS`, no Splink, no training)."""

DEFAULT_PERSON_THRESHOLD = 0.5
"""Default match probability at or above which two person records are joined."""

PERSON_WEIGHTS: dict[str, float] = {
    # Prior: how many other records of the same person a record has, on average. The prior
    # log-odds that two random records match is log2(duplicates_per_record / (n - 1)), so a
    # bare name match means more in a small local dataset than in a regional one.
    "duplicates_per_record": 0.5,
    # Name levels weighted by how common the value is (term frequency, as Splink does):
    # log2(m / u) where u is the share of records with that forename / surname / initial and
    # m the share of true matches at this level. u is floored at ``min_u``.
    "forename_exact_m": 0.7,
    "surname_exact_m": 0.8,
    # Initial levels ("L Moffat" / "Lewis Moffat") are conditioned on one record being
    # abbreviated, which is a property of that record and says nothing about the match: m is
    # then the chance that a true match's initial agrees (almost always) and u the share of
    # records with that letter, so the factor is about 1 / (share of the letter).
    "forename_initial_m": 0.95,
    "surname_initial_m": 0.95,
    "min_u": 0.0005,
    # Fixed log2 Bayes factors for the other levels (documented in docs/resolution.md).
    "forename_nickname": 4.0,
    "forename_similar": 3.5,
    "forename_differs": -4.0,
    # A differing forename is a hard contradiction (two people: brothers) unless it is close
    # enough to be a typo: Jaro-Winkler at least ``typo_jw``, at most ``typo_edits`` edits
    # (both names of 4+ letters), or the same Metaphone code. Not log2 factors.
    "typo_jw": 0.8,
    "typo_edits": 2.0,
    "surname_similar": 4.5,
    "surname_differs": -6.0,
    "names_swapped": 10.0,
    "dob_exact": 8.5,
    "dob_swapped": 7.0,
    "dob_one_part": 4.7,
    "dob_differs": -10.0,
    "gender_agrees": 0.5,
    "gender_differs": -6.0,
    # An alias shared with a name or alias: ``alias`` when no more than two records hold it,
    # less log2(k / 2) when k records do (an alias that hundreds hold, "Big D", is weak).
    "alias": 8.0,
    "identifier": 12.0,
    # Context: both records are linked to at least one child and share one (or share none).
    # u, the chance that two different people share a linked child, is measured on the data
    # (all pairs of linked records); m is a fixed, conservative guess (the sample generator's
    # true share is 0.8-0.9).
    "shared_child_m": 0.6,
    # Person-child pairs (both engines): the prior odds that a person record is one given
    # child's record are share / (number of children), where share is the guessed share of
    # such records that are a child's: records ingest made from link names ("Associate
    # Name": police name children as often as adults) and records of persons of concern
    # (police nominals: mostly adults). Guesses, not learnt; see docs/resolution.md.
    "child_share_provisional": 0.25,
    "child_share_person": 0.02,
}

@dataclass
class PersonResolution:
    """The result of :func:`resolve_persons`.

    Attributes
    ----------
    entities
        One row per record: ``record_id``, ``entity_id`` (the lowest record id in the
        entity), ``confidence`` (strongest link to another member; for a record that stands
        alone, 1 minus its strongest candidate link), ``table`` (``persons`` or ``children``),
        ``decided`` (membership fixed by a ``merge`` decision).
    pairs
        Scored candidate pairs with ``match_probability`` at or above ``min_pair_probability``
        plus every decided pair: ``record_a``, ``record_b``, ``match_probability``,
        ``explanation``, ``decision`` (``''``, ``'merge'`` or ``'keep apart'``), ``joined``.
    threshold
        The match probability used to join records.
    stats
        Counts: records, candidate pairs scored, oversized blocks skipped, entities.
    model
        The Splink model that scored the pairs (how it was trained, every level's m, u
        and weight); None with ``engine='fixed'``.
    refused
        Pairs scored at or above the threshold that the anti-chaining guard did not join:
        ``record_a``, ``record_b``, ``match_probability``, ``reason`` (the review queue
        shows them).
    """

    entities: pd.DataFrame
    pairs: pd.DataFrame
    threshold: float
    stats: dict[str, float] = field(default_factory=dict)
    model: SplinkModel | None = None
    refused: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def mapping(self) -> dict[str, str]:
        """``record_id -> entity_id``."""
        return dict(zip(self.entities["record_id"].tolist(), self.entities["entity_id"].tolist(), strict=True))

    @property
    def merged(self) -> pd.DataFrame:
        """Entities of more than one record: ``entity_id``, ``record_ids``, ``size``,
        ``confidence`` (the weakest member's), ``decided``."""
        return merged_summary(self.entities)


# --- records ------------------------------------------------------------------------------


def _col(df: pd.DataFrame, name: str) -> list:
    if name in df.columns:
        return df[name].tolist()
    return [None] * len(df)


def person_records(ds, *, include_children: bool = False) -> pd.DataFrame:
    """The person records to resolve, one row each, in a fixed order (table, then id)."""
    frames = []
    p = ds.persons
    frames.append(
        pd.DataFrame(
            {
                "record_id": p["person_id"].astype(str).tolist(),
                "table": "persons",
                "name": _col(p, "name"),
                "aliases": _col(p, "aliases"),
                "date_of_birth": pd.to_datetime(pd.Series(_col(p, "date_of_birth"), dtype="object")),
                "gender": _col(p, "gender"),
                "phone": _col(p, "phone"),
                "vehicle": _col(p, "vehicle"),
                "social_media": _col(p, "social_media"),
                "provisional": pd.Series(_col(p, "provisional"), dtype=object).fillna(False).astype(bool).tolist(),
            }
        )
    )
    if include_children:
        c = ds.children
        frames.append(
            pd.DataFrame(
                {
                    "record_id": c["child_id"].astype(str).tolist(),
                    "table": "children",
                    "name": _col(c, "name"),
                    "aliases": None,
                    "date_of_birth": pd.to_datetime(pd.Series(_col(c, "date_of_birth"), dtype="object")),
                    "gender": _col(c, "gender"),
                    "phone": None,
                    "vehicle": None,
                    "social_media": None,
                    "provisional": False,
                }
            )
        )
    rec = pd.concat(frames, ignore_index=True)
    return rec.sort_values(["table", "record_id"], kind="stable").reset_index(drop=True)


def _prepare(rec: pd.DataFrame) -> dict[str, np.ndarray]:
    fn, sn, fn_form, full = [], [], [], []
    for name in rec["name"].tolist():
        toks = normalise_person_name(name).split()
        f = toks[0] if toks else ""
        s = toks[-1] if len(toks) > 1 else ""
        fn.append(f)
        sn.append(s)
        fn_form.append(NICKNAME_TO_FORM.get(f, f))
        full.append(" ".join(toks))
    dob = pd.to_datetime(rec["date_of_birth"])
    # a date before DAY_ZERO (1800; ingest refuses one) is none, for every comparison alike
    known = (dob.notna() & (dob >= DAY_ZERO)).to_numpy(dtype=bool)
    year = np.where(known, dob.dt.year.fillna(0).to_numpy(dtype=float), 0).astype(np.int64)
    month = np.where(known, dob.dt.month.fillna(0).to_numpy(dtype=float), 0).astype(np.int64)
    day = np.where(known, dob.dt.day.fillna(0).to_numpy(dtype=float), 0).astype(np.int64)
    gender = np.array(
        [g if isinstance(g, str) and g in ("female", "male", "non_binary") else "" for g in rec["gender"].tolist()],
        dtype=object,
    )
    first = [x[:1] for x in fn]
    sfirst = [x[:1] for x in sn]
    days = np.where(known, (dob.dt.normalize() - DAY_ZERO).dt.days.fillna(0).to_numpy(dtype=float), -1)
    return {
        "n": np.array([int((rec["table"] == "persons").sum())]),
        "child": (rec["table"] == "children").to_numpy(dtype=bool),
        "provisional": rec["provisional"].to_numpy(dtype=bool),
        "dob_day": days.astype(np.int64),
        "fn0": np.array(first, dtype=object),
        "sn0": np.array(sfirst, dtype=object),
        "fn": np.array(fn, dtype=object),
        "sn": np.array(sn, dtype=object),
        "fn_form": np.array(fn_form, dtype=object),
        "full": np.array(full, dtype=object),
        "year": year,
        "month": month,
        "day": day,
        "gender": gender,
    }


def _linked_children(ds, rec: pd.DataFrame) -> tuple[np.ndarray, float] | None:
    """Per record, the set of children it is linked to (persons only), and u: the share of
    pairs of linked records that share a child (measured on the data; nearly all such pairs
    are different people). None when fewer than two records are linked, or none share a
    child, or all do (then sharing one says nothing, and u would be 1)."""
    links = getattr(ds, "links", None)
    if links is None or not len(links) or not {"source_id", "target_id"} <= set(links.columns):
        return None
    children = set(ds.children["child_id"].astype(str)) if "child_id" in ds.children.columns else set()
    src = links["source_id"].astype(str).to_numpy()
    tgt = links["target_id"].astype(str).to_numpy()
    person = rec["table"].to_numpy() == "persons"
    pos = {r: i for i, r in enumerate(rec["record_id"].tolist()) if person[i]}
    sets: list[set[str]] = [set() for _ in range(len(rec))]
    for x, y in ((src, tgt), (tgt, src)):
        for p_, c_ in zip(x.tolist(), y.tolist(), strict=True):
            i = pos.get(p_)
            if i is not None and c_ in children:
                sets[i].add(c_)
    linked = [i for i, st in enumerate(sets) if st]
    if len(linked) < 2:
        return None
    # pairs sharing a child, counted through the children (each pair once)
    by_child: dict[str, list[int]] = {}
    for i in linked:
        for c_ in sets[i]:
            by_child.setdefault(c_, []).append(i)
    sharing: set[tuple[int, int]] = set()
    for members in by_child.values():
        members.sort()
        for j, x in enumerate(members):
            for y in members[j + 1:]:
                sharing.add((x, y))
    total = len(linked) * (len(linked) - 1) // 2
    if not sharing or len(sharing) == total:  # every linked pair shares a child: sharing one tells nothing
        return None
    out = np.empty(len(rec), dtype=object)
    out[:] = [frozenset(st) for st in sets]
    return out, len(sharing) / total


# --- scoring ------------------------------------------------------------------------------


def _tf_weight(values: np.ndarray, rows: np.ndarray, m: float, min_u: float, learn: np.ndarray | None = None) -> np.ndarray:
    """log2(m / u) per pair, u = share of records holding ``values[rows]`` (among the ``learn``
    records: person records, not children's, whose names would change person pairs' weights)."""
    present = values != ""
    if learn is not None:
        present &= learn
    total = max(int(present.sum()), 1)
    counts = pd.Series(values[present]).value_counts()
    share = pd.Series(values[rows]).map(counts).fillna(1).to_numpy(dtype=float) / total
    return np.log2(m / np.maximum(share, min_u))



def _score(pairs: pd.DataFrame, f: dict[str, np.ndarray], weights: dict[str, float], *, workers: int,
           fixed: bool = True) -> pd.DataFrame:
    """The comparison levels and the guard of each candidate pair; with ``fixed``, also the
    fixed-weight probability ``p`` (the Splink engine scores the pairs itself, so without
    ``fixed`` the term-frequency weights and the shared-child context are not computed and
    ``p`` is NaN)."""
    a = pairs["a"].to_numpy()
    b = pairs["b"].to_numpy()
    w = weights
    fa, fb = f["fn"][a], f["fn"][b]
    sa, sb = f["sn"][a], f["sn"][b]
    ffa, ffb = f["fn_form"][a], f["fn_form"][b]
    k = len(pairs)
    jw_f = cpdist(list(fa), list(fb), scorer=JaroWinkler.normalized_similarity, workers=workers) if k else np.zeros(0)
    jw_s = cpdist(list(sa), list(sb), scorer=JaroWinkler.normalized_similarity, workers=workers) if k else np.zeros(0)
    # lengths and first letters per record (_prepare), read per pair
    len_f = np.fromiter(map(len, f["fn"]), dtype=np.int64, count=len(f["fn"]))
    len_s = np.fromiter(map(len, f["sn"]), dtype=np.int64, count=len(f["sn"]))
    len_fa, len_fb, len_sa, len_sb = len_f[a], len_f[b], len_s[a], len_s[b]
    fa0, fb0 = f["fn0"][a], f["fn0"][b]
    sa0, sb0 = f["sn0"][a], f["sn0"][b]

    # forename level
    f_both = (len_fa > 0) & (len_fb > 0)
    f_exact = f_both & (fa == fb)
    f_nick = f_both & ~f_exact & (ffa == ffb)
    f_init = f_both & ~f_exact & ((len_fa == 1) | (len_fb == 1)) & (fa0 == fb0)
    # one forename the start of the other (both of 3+ letters); the same name trivially is
    f_pre = (len_fa >= 3) & (len_fb >= 3)
    look = np.flatnonzero(f_pre & ~f_exact)
    f_pre[look] = [x.startswith(y) or y.startswith(x) for x, y in zip(fa[look].tolist(), fb[look].tolist(), strict=True)]
    f_sim = f_both & ~f_exact & ~f_nick & ~f_init & ((jw_f >= 0.9) | f_pre) & (len_fa > 1) & (len_fb > 1)
    f_diff = f_both & ~(f_exact | f_nick | f_init | f_sim)
    # a differing forename that may still be a slip of the keyboard or the ear ("jonathon" /
    # "jonathan", "natahn", "dzne" / "dante", "aprlol" / "april"): scored as different, but
    # not a hard contradiction. Close = Jaro-Winkler >= typo_jw, at most typo_edits
    # edits (adjacent transpositions count one; names of 4+ letters), or one Metaphone code.
    f_close = np.zeros(k, dtype=bool)
    if f_diff.any():
        di = np.flatnonzero(f_diff & (len_fa > 1) & (len_fb > 1))
        xa, xb = list(fa[di]), list(fb[di])
        osa = cpdist(xa, xb, scorer=OSA.distance, workers=workers) if len(di) else np.zeros(0)
        short = np.minimum(len_fa[di], len_fb[di])
        codes = {x: jellyfish.metaphone(x) for x in set(xa) | set(xb)}
        same_sound = np.array([bool(codes[x]) and codes[x] == codes[y] for x, y in zip(xa, xb, strict=True)], dtype=bool)
        f_close[di] = (jw_f[di] >= w["typo_jw"]) | ((osa <= w["typo_edits"]) & (short >= 4)) | same_sound
    # a one-word name may be a surname alone ("Garside"), and a forename written where the
    # other record has the surname is a half-swapped name: neither contradicts a forename
    one_word = (len_sa == 0) | (len_sb == 0)
    cross = f_both & ((fa == sb) | (fb == sa))
    # surname level
    s_both = (len_sa > 0) & (len_sb > 0)
    s_exact = s_both & (sa == sb)
    s_init = s_both & ~s_exact & ((len_sa == 1) | (len_sb == 1)) & (sa0 == sb0)
    s_sim = s_both & ~s_exact & ~s_init & (jw_s >= 0.9) & (len_sa > 1) & (len_sb > 1)
    s_diff = s_both & ~(s_exact | s_init | s_sim)
    swapped = f_both & s_both & (fa == sb) & (sa == fb) & ~f_exact
    f_diff &= ~swapped
    s_diff &= ~swapped
    # date of birth
    ya, yb = f["year"][a], f["year"][b]
    ma, mb = f["month"][a], f["month"][b]
    da, db = f["day"][a], f["day"][b]
    d_both = (ya > 0) & (yb > 0)
    d_exact = d_both & (ya == yb) & (ma == mb) & (da == db)
    d_swap = d_both & ~d_exact & (ya == yb) & (ma == db) & (da == mb)
    parts = (ya == yb).astype(int) + (ma == mb).astype(int) + (da == db).astype(int)
    d_one = d_both & ~d_exact & ~d_swap & (parts == 2)
    d_diff = d_both & ~(d_exact | d_swap | d_one)
    # gender
    ga, gb = f["gender"][a], f["gender"][b]
    g_both = (ga != "") & (gb != "")
    g_agree = g_both & (ga == gb)
    g_diff = g_both & (ga != gb)
    # alias and identifiers (from blocking)
    alias = pairs["alias"].to_numpy(dtype=object)
    has_alias = alias != ""
    ident = pairs["ident"].to_numpy(dtype=object)
    has_ident = ident != ""
    # an alias held by k records may name k / 2 people: its factor is split between them
    alias_w = np.maximum(0.0, w["alias"] - np.log2(np.maximum(pairs["alias_n"].to_numpy(dtype=float), 2) / 2))
    # context: both records linked to children; do they share one?
    kids = f.get("kids") if fixed else None
    if kids is not None and k:
        ka_, kb_ = kids[a], kids[b]
        ctx_both = np.array([bool(x) and bool(y) for x, y in zip(ka_, kb_, strict=True)], dtype=bool)
        ctx_share = ctx_both & np.array([not x.isdisjoint(y) for x, y in zip(ka_, kb_, strict=True)], dtype=bool)
        u_ctx = float(f["kids_u"][0])
        m_ctx = w["shared_child_m"]
        ctx_w = np.where(ctx_share, np.log2(m_ctx / u_ctx), np.where(ctx_both, np.log2((1 - m_ctx) / (1 - u_ctx)), 0.0))
    else:
        ctx_both = ctx_share = np.zeros(k, dtype=bool)
        ctx_w = np.zeros(k)

    if fixed:
        n_rec = int(f["n"][0])
        score = np.full(k, np.log2(w["duplicates_per_record"] / max(n_rec - 1, 1)))
        learn = f.get("learn")
        score += np.where(f_exact, _tf_weight(f["fn"], a, w["forename_exact_m"], w["min_u"], learn), 0)
        score += np.where(f_init, _tf_weight(f["fn0"], np.where(len_fa == 1, a, b), w["forename_initial_m"], w["min_u"], learn), 0)
        score += np.where(s_exact, _tf_weight(f["sn"], a, w["surname_exact_m"], w["min_u"], learn), 0)
        score += np.where(s_init, _tf_weight(f["sn0"], np.where(len_sa == 1, a, b), w["surname_initial_m"], w["min_u"], learn), 0)
        score += np.where(f_nick, w["forename_nickname"], 0)
        score += np.where(f_sim, w["forename_similar"], 0)
        score += np.where(f_diff, w["forename_differs"], 0)
        score += np.where(s_sim, w["surname_similar"], 0) + np.where(s_diff, w["surname_differs"], 0)
        score += np.where(swapped, w["names_swapped"], 0)
        score += np.where(d_exact, w["dob_exact"], 0) + np.where(d_swap, w["dob_swapped"], 0)
        score += np.where(d_one, w["dob_one_part"], 0) + np.where(d_diff, w["dob_differs"], 0)
        score += np.where(g_agree, w["gender_agrees"], 0) + np.where(g_diff, w["gender_differs"], 0)
        score += np.where(has_alias, alias_w, 0) + np.where(has_ident, w["identifier"], 0)
        score += ctx_w
        p = 1.0 / (1.0 + np.exp2(-score))
    else:
        p = np.full(k, np.nan)
    # hard contradiction: different dates of birth or genders, or wholly different names
    # with nothing else in common; such a pair is never joined through a third record
    # (two different forenames, "Reece" / "Marcus" or "R" / "Marcus", are two people
    # unless an alias or identifier says otherwise: brothers share a surname, sometimes a
    # date of birth, and often the same children; a forename close enough to be a typo, a
    # one-word name or a half-swapped name is not a contradiction)
    f_contra = f_diff & ~f_close & ~one_word & ~cross
    contradiction = (d_diff | g_diff | f_contra | (s_diff & ~swapped)) & ~has_alias & ~has_ident

    out = pairs[["a", "b"]].copy()
    out["p"] = p
    out["contradiction"] = contradiction
    # the pieces of the guard, for the Splink engine's version of it
    out["forename_contradiction"] = f_contra
    out["gender_differs"] = g_diff
    out["shared_alias_or_identifier"] = has_alias | has_ident
    levels = np.zeros(k, dtype=np.int64)
    for bit, arr in enumerate(
        (f_exact, f_nick, f_sim, f_init, f_diff, s_exact, s_sim, s_init, s_diff, swapped,
         d_exact, d_swap, d_one, d_diff, g_agree, g_diff, ctx_share, ctx_both & ~ctx_share)
    ):
        levels |= arr.astype(np.int64) << bit
    out["levels"] = levels
    out["alias"] = alias
    out["ident"] = ident
    return out


# --- public -------------------------------------------------------------------------------


def resolve_persons(
    ds,
    *,
    decisions: Decisions | str | None = None,
    threshold: float = DEFAULT_PERSON_THRESHOLD,
    include_children: bool = False,
    link_children: bool = True,
    min_pair_probability: float = 0.05,
    max_block_size: int | None = None,
    weights: dict[str, float] | None = None,
    workers: int = -1,
    use_links: bool = True,
    engine: str = DEFAULT_ENGINE,
    seed: int = 1,
    spark_session: object = None,
) -> PersonResolution:
    """Resolve person records (persons of concern, provisional records) into entities, and
    match them to children's records.

    Parameters
    ----------
    ds
        A :class:`contextmap.Dataset` (its ``persons`` and ``children`` tables are read).
    decisions
        A :class:`~contextmap.resolve.decisions.Decisions`, a path to a decisions file, or None.
        Decisions always win over scores; ``merge CHILD PERSON`` makes the person record the
        child's.
    threshold
        Match probability at or above which two records are joined (0 < threshold < 1).
    include_children
        Also resolve children's records among themselves (for sources whose child ids
        differ). Without it two children's records are never one entity (unless a
        ``merge`` decision says so).
    link_children
        Compare person records with children's records (default True): a police spelling of
        a child ("WHITMORE, Corey", "Tyrese O" with the child's date of birth) joins the
        child, and the entity is named by the child's id. The model is trained on the person
        records alone (the children's records are only scored), and the guards hold: a
        child and an adult (:data:`~contextmap.resolve.identity.AGE_GUARD`) are never joined, a person record never
        joins two children, nor one of several children it matches about equally well
        (:data:`~contextmap.resolve.identity.CHILD_MARGIN_BITS`).
    min_pair_probability
        Scored pairs below this are left out of ``.pairs`` (they still guard clustering).
    max_block_size
        Blocks of *weak* keys (a full name or alias) held by more records than this are
        skipped (counted in ``.stats``): an alias that hundreds of records hold is weak
        evidence and those pairs are still compared through their other keys. Name-part,
        date-of-birth and identifier blocks are never skipped. Default None:
        ``2 ** weights["alias"]`` (256), where a shared alias is worth under 1 bit.
    weights
        Override some of :data:`PERSON_WEIGHTS` (log2 Bayes factors).
    workers
        Threads for RapidFuzz's pairwise similarity (-1: all cores). DuckDB (Splink) runs on
        two threads either way (with places on the second core, it takes that core when they
        are done).
    use_links
        Use context: two person records that are both linked to children score higher when
        they share a child and a little lower when they share none (u measured on the data,
        m from ``shared_child_m``). Names must still agree: context alone joins no one.
    engine
        ``'duckdb'`` (default) or ``'spark'``: Splink scores the candidate pairs with a
        model trained on the data (m by EM, u by random sampling with ``seed``; fixed
        priors under :data:`~contextmap.resolve.splink_engine.MIN_RECORDS_FOR_EM` records).
        ``'fixed'``: the fixed weights of :data:`PERSON_WEIGHTS`, without Splink.
    seed
        Seed of Splink's random sampling of u (same seed, same answer).
    spark_session
        With ``engine='spark'``: a SparkSession to run on (a cluster); default a local one.

    Returns
    -------
    PersonResolution
        ``entities`` holds the person records and, with ``link_children`` or
        ``include_children``, the children's records (``table`` says which).

    Examples
    --------
    >>> from contextmap.resolve.dataset import example_dataset
    >>> res = resolve_persons(example_dataset())
    >>> res.entities.set_index("record_id")["entity_id"].to_dict()
    {'C1': 'C1', 'P1': 'P1', 'P2': 'P1', 'P3': 'P1', 'P4': 'P4'}
    """
    w = checked_weights(threshold, weights, PERSON_WEIGHTS, "PERSON_WEIGHTS")
    dec = for_dataset(decisions, ds)  # a link's end read as the record written there
    rec = person_records(ds, include_children=include_children or link_children)
    ids = rec["record_id"].to_numpy(dtype=object)

    dec.check_ids(dataset_entity_ids(ds), allow_prefix="prov-")
    feats: dict[str, Any] = _prepare(rec)  # arrays, and the link graph (a dict)
    is_child = feats["child"]
    if include_children:  # children compete with children for a match: they count in the prior
        feats["n"] = np.array([len(rec)])
    else:  # the model learns from the person records alone; children's records are only scored
        feats["learn"] = ~is_child
    ctx = _linked_children(ds, rec) if use_links else None
    check_engine(engine)
    read_links: dict = {}  # the links read once, for every reading of the context
    links_job = None
    if use_links and is_child.any():  # the link context of person-child pairs, read beside the scoring
        links = getattr(ds, "links", None)
        links_job = beside(link_base, ds, ids, use_child=links is not None and len(links) >= LINKS_BESIDE_FROM)
    if ctx is not None:
        feats["kids"], feats["kids_u"] = ctx[0], np.array([ctx[1]])
    try:
        scored, model, skipped = _blocked_and_scored(rec, feats, w, include_children=include_children,
                                                     max_block_size=max_block_size, engine=engine, workers=workers,
                                                     seed=seed, spark_session=spark_session)
    except BaseException:
        if links_job is not None:
            links_job.cancel()
        raise
    if links_job is not None:
        base = links_job.result()
        if base is not None:
            read_links.update(base)
        feats["ids"] = ids
        stands = same_as_child(feats)
        feats["near"], feats["graph"], feats["relation"] = link_neighbours(ds, ids, feats["provisional"], stands,
                                                                           cache=read_links)
        feats["ids"] = stands  # the link context reads a record as the id it stands for
    ref = reference_day(ds)
    as_scored = {c: scored[c].to_numpy(copy=True) for c in ("weight", "p", "contradiction")}
    scored = child_guards(scored, feats, ref, threshold=float(threshold), weights=w)

    pos = {rid: i for i, rid in enumerate(ids)}
    tables = rec["table"].to_numpy(dtype=object)
    mine = dec.restricted_to(set(pos))
    check_child_decisions(mine, pos, is_child)
    must = [(pos[d.a], pos[d.b]) for d in mine.merges]
    cannot = [(pos[d.a], pos[d.b]) for d in mine.keep_apart]
    surnames = record_surnames(feats["full"], rec["aliases"].tolist()) if is_child.any() else None
    child_ids = set(ids[is_child].tolist())

    def cluster() -> Any:
        return cluster_records(ids, scored, threshold=float(threshold), must=must, cannot=cannot,
                               exclusive=is_child, exclusive_pairs=include_children, prefer=is_child,
                               conflict=entity_guard(feats, ref, surnames) if is_child.any() else None)

    cl = cluster()
    if "near" in feats:
        for _ in range(READINGS - 1):
            cl, scored = _read_context_again(ds, ids, is_child, child_ids, feats, read_links, scored, as_scored, cl,
                                             cluster,
                                             lambda sc: child_guards(sc, feats, ref, threshold=float(threshold), weights=w))

    entities = pd.DataFrame(
        {
            "record_id": ids,
            "entity_id": cl.entity_id,
            "confidence": cl.confidence,
            "table": tables,
            "decided": cl.decided,
        }
    )
    pairs = pairs_frame(scored, rec, feats, cl.entity_id, mine, pos, min_pair_probability)
    stats = {
        "records": len(rec),
        "person_records": int((~is_child).sum()),
        "children_records": int(is_child.sum()),
        "candidate_pairs": len(scored),
        "person_child_pairs": int((is_child[scored["a"].to_numpy(dtype=np.int64)] != is_child[scored["b"].to_numpy(dtype=np.int64)]).sum()) if len(scored) else 0,
        "oversized_blocks_skipped": skipped,
        "entities": int(entities["entity_id"].nunique()),
        "person_records_matched_to_children": int(sum(1 for e, c in zip(cl.entity_id.tolist(), is_child.tolist(), strict=True)
                                                      if not c and e in child_ids)),
        "pairs_refused_by_guard": len(cl.refused),
        # the share of person records that are a child's, learnt (or the stated guess)
        "child_share_provisional": round(float(scored.attrs.get("child_shares", {}).get(
            "provisional", w["child_share_provisional"])), 4),
        "child_share_person": round(float(scored.attrs.get("child_shares", {}).get("person", w["child_share_person"])), 4),
        # the link context of person-child pairs (m, u learnt), and pairs with an adult rival
        "link_context_m": scored.attrs.get("link_context", {}).get("m"),
        "link_context_u": scored.attrs.get("link_context", {}).get("u"),
        "child_share_by_relation": {k: round(float(v), 4) for k, v in scored.attrs.get("child_shares", {}).items()
                                    if "|" in k},
        "person_child_pairs_with_adult_rival": int((scored["rivals"].to_numpy() > 0).sum()) if "rivals" in scored.columns else 0,
    }
    # a refused pair that is itself a child and an adult says so
    noted = scored[scored["age_note"].to_numpy(dtype=object) != ""]
    notes = dict(zip(zip(noted["a"].tolist(), noted["b"].tolist(), strict=True), noted["age_note"].tolist(), strict=True))
    reasons = [notes.get((a, b), r) for a, b, r in zip(cl.refused["a"].tolist(), cl.refused["b"].tolist(),
                                                       cl.refused["reason"].tolist(), strict=True)]
    refused = pd.DataFrame({"record_a": ids[cl.refused["a"].to_numpy(dtype=np.int64)],
                            "record_b": ids[cl.refused["b"].to_numpy(dtype=np.int64)],
                            "match_probability": cl.refused["p"].to_numpy(dtype=float).round(4),
                            "reason": np.array(reasons, dtype=object)})
    return PersonResolution(entities, pairs, float(threshold), stats, model, refused)


def _blocked_and_scored(rec: pd.DataFrame, feats: dict[str, Any], w: dict[str, float], *, include_children: bool,
                        max_block_size: int | None, engine: str, workers: int, seed: int,
                        spark_session: object) -> tuple[pd.DataFrame, SplinkModel | None, int]:
    """The candidate pairs (blocking) scored: the fixed features, and Splink's model unless
    ``engine`` is ``'fixed'``; with the model and the oversized blocks skipped."""
    is_child = feats["child"]
    keys = block_keys(rec, feats, children_alone=include_children)
    if max_block_size is None:  # an alias held by more records carries under 1 bit
        max_block_size = int(2 ** w["alias"])
    cand, skipped = candidate_pairs(keys, max_block_size=max_block_size)
    cand = drop_unrelated_forenames(cand, feats)
    scored = _score(cand, feats, w, workers=workers, fixed=engine == "fixed")
    model = None
    if engine != "fixed":
        n_prior = int(feats["n"][0])
        prior = w["duplicates_per_record"] / max(n_prior - 1, 1)
        train = None if include_children or not is_child.any() else ~is_child
        sp, model = score_pairs(splink_input(rec, feats, feats.get("kids"), train=train), cand, engine=engine,
                                seed=seed, prior=prior, spark=spark_session, train=train,
                                # two threads even with places on the second core: the places
                                # finish while Splink scores, and it takes the core they leave
                                # (13.6 s against 14.3 s for the resolution at 100,000 episodes)
                                threads=2)
        scored = _splink_scored(scored, sp, model)
    else:
        p_ = np.clip(scored["p"].to_numpy(dtype=float), 1e-300, 1 - 1e-16)
        scored["weight"] = np.log2(p_ / (1 - p_))
    return scored, model, skipped


LINKS_BESIDE_FROM = 20_000
"""Links from which the link context is read in a forked child (:mod:`contextmap.parallel`)
while the records are blocked and scored here: 1 s of one core at 100,000 episodes, taken
from the line resolution waits on."""

READINGS = 3
"""How many times the link context of person-child pairs is read: the first over the records
as written, each further one over the entities the one before it joined (a reference written
beside a name that only the second reading joined to a child is near that child's friends on
the third). Reading stops early when a reading joins nothing new; a fourth found nothing the
third had not on the two-agency benchmark."""


def _read_context_again(ds, ids, is_child, child_ids, feats, read_links, scored, as_scored, cl, cluster, guards):
    """A second reading of the link context, over the entities the first one joined.

    A person record joined to a child now stands for the child (the police's "Tyrese O" born
    on Tyrese's birthday, the council's "Ethan Ivison" of an association), so that the links
    of the police's and the council's records of a child meet, and a reference written beside
    either is near the child's friends; an adult's records joined into one entity (the police
    nominal "THWAITE, Reece" and the council's "Reece Thwaite") stand for the entity, so that a
    child the council links with one and a name the police write beside the other are near.
    The records that stand for another keep the first reading for their own pairs: their
    context would otherwise be their own evidence, counted twice: on every further reading
    (:data:`READINGS`), a record keeps the level its own pairs had before it first stood for
    another. (A third reading was tried with one level of nearness and lost recall on the
    two-agency benchmark, 0.944 -> 0.927 in November; with two levels it gains: 0.9497 ->
    0.9510 over both months, precision unchanged.)"""
    first = feats.setdefault("stands0", feats["ids"])  # what the first reading read each record as
    links = getattr(ds, "links", None)
    if links is None or not len(links):
        return cl, scored
    # only a record with links changes anyone's context: without one, another pass over every
    # pair (4 s of CPU at 100,000 episodes) would find what the first did (worked out once,
    # for every reading)
    linked = feats.get("linked")
    if linked is None:
        ends = set(links["source_id"].astype(str).tolist()) | set(links["target_id"].astype(str).tolist())
        linked = feats["linked"] = np.fromiter((str(r) in ends for r in ids.tolist()), dtype=bool, count=len(ids))
    # a set lookup per record: np.isin on object arrays took 48 s at 100,000 episodes
    in_kid = np.fromiter((e in child_ids for e in cl.entity_id.tolist()), dtype=bool, count=len(ids))
    again = first.copy()
    joined = ~is_child & in_kid & linked
    again[joined] = cl.entity_id[joined]
    entity = pd.Series(cl.entity_id, dtype=object)
    sizes = entity.map(entity.value_counts()).to_numpy()
    pooled = ~is_child & ~in_kid & (first == ids) & (sizes > 1) & linked
    if pooled.any():
        # the entity's own id in the context, one no record or link end has (ids come from
        # the user's files); an entity made only of provisional records (names joined to
        # each other) is provisional still: its links state no one's identity
        if "tildes" not in feats:  # the keys and ids are the same on every reading
            feats["tildes"] = _free_tildes(read_links.get("keys", ()), ids)
        tag = "~" * feats["tildes"] + "ent:"
        only_names = (pd.Series(np.asarray(feats["provisional"], dtype=bool))
                      .groupby(entity.to_numpy()).transform("all").to_numpy())
        again[pooled] = np.array([("prov-" if n else "") + tag + str(e) for e, n in
                                  zip(cl.entity_id[pooled].tolist(), only_names[pooled].tolist(), strict=True)],
                                 dtype=object)
    moved = again != first
    if not moved.any() or (again == feats["ids"]).all():
        return cl, scored
    feats["ids"] = ids
    feats["near"], feats["graph"], feats["relation"] = link_neighbours(ds, ids, feats["provisional"], again,
                                                                       cache=read_links)
    feats["ids"] = again
    feats["keep_level"], feats["prev_level"] = moved, scored["ctx_level"].to_numpy(copy=True)
    for c, v in as_scored.items():
        scored[c] = v
    scored = guards(scored)
    return cluster(), scored


def _free_tildes(keys, ids: np.ndarray) -> int:
    """How many "~" before "ent:" make an id no key of the link context (link ends, episodes'
    places, spots) or record has, with or without "prov-" before it: one pass over them (a
    loop trying longer prefixes was quadratic in crafted ids).

    Examples
    --------
    >>> _free_tildes(["C1", "ent:x", "prov-~~ent:y"], np.array(["P1"]))
    3
    """
    k = 0
    for x in (*[str(v) for v in keys], *[str(v) for v in ids.tolist()]):
        y = x[5:] if x.startswith("prov-") else x
        n = len(y) - len(y.lstrip("~"))
        if y.startswith("ent:", n):
            k = max(k, n + 1)
    return k


def splink_input(rec: pd.DataFrame, feats: dict[str, np.ndarray], kids: np.ndarray | None, *,
                 train: np.ndarray | None = None) -> pd.DataFrame:
    """Records in the form the Splink model reads (integer ``unique_id`` = row position).

    Names are already normalised (``feats`` from the person resolver), blanks are nulls,
    dates are ISO strings (with a day/month-swapped twin), aliases / identifiers / linked
    children are lists. ``train`` (bool per record): the records the model learns from,
    whose names and aliases alone decide which aliases are rare.
    """
    n = len(rec)

    def nul(values: np.ndarray) -> pd.Series:
        s = pd.Series(values, dtype=object)
        return s.where(s.astype(bool), None)

    y, m, d = feats["year"], feats["month"], feats["day"]
    known = y > 0
    ys = pd.Series(y).astype(str).str.zfill(4)
    ms = pd.Series(m).astype(str).str.zfill(2)
    ds_ = pd.Series(d).astype(str).str.zfill(2)
    dob = (ys + "-" + ms + "-" + ds_).where(known, None)
    swap = (ys + "-" + ds_ + "-" + ms).where(known & (d <= 12), None)
    norm: dict[str, str] = {}

    def aliases(v: object) -> list[str] | None:
        out = set()
        for a in split_list(v):
            if a not in norm:
                norm[a] = normalise_person_name(a)
            if norm[a]:
                out.add(norm[a])
        return sorted(out) or None

    alias_lists = [aliases(v) if isinstance(v, str) else None for v in rec["aliases"].tolist()]
    learn = np.ones(n, dtype=bool) if train is None else train
    holders = pd.Series([x for i, al in enumerate(alias_lists) if learn[i]
                         for x in {*(al or ()), feats["full"][i]}]).value_counts()
    rare = [[x for x in al if holders.get(x, 0) <= RARE_ALIAS] or None if al else None for al in alias_lists]
    ident_cols = [(k, rec[k].tolist()) for k in ("phone", "vehicle", "social_media")]
    idents: list[list[str] | None] = []
    for i in range(n):
        got = {f"{k}:{vn}" for k, vals in ident_cols if isinstance(vals[i], str)
               for vn in map(normalise_identifier, split_list(vals[i])) if len(vn) >= 4}
        idents.append(sorted(got) or None)
    return pd.DataFrame(
        {
            "unique_id": np.arange(n, dtype=np.int64),
            "forename": nul(feats["fn"]),
            "forename_form": nul(feats["fn_form"]),
            "surname": nul(feats["sn"]),
            "full_name": nul(feats["full"]),
            "dob": dob.astype(object),
            "dob_swapped": swap.astype(object),
            "gender": nul(feats["gender"]),
            "aliases": alias_lists,
            "rare_aliases": rare,
            "identifiers": idents,
            "linked_children": [sorted(k) if k else None for k in kids.tolist()] if kids is not None else [None] * n,
        }
    )


def _splink_scored(scored: pd.DataFrame, sp: pd.DataFrame, model: SplinkModel) -> pd.DataFrame:
    """Our pairs with Splink's probability and weights, and the guard recast on Splink's
    levels: a date of birth more than two characters and a month apart, a different gender,
    or, where the dates of birth are not identical (or one is missing), a different forename
    (not a typo, both names in two parts) or a wholly different surname, is a hard
    contradiction, unless an identifier (phone, vehicle,
    social media) is shared. A shared alias does not lift it: "Big T" is many people."""
    out = scored.copy()
    out["p"] = sp["p"].to_numpy(dtype=float)
    g_dob = sp["g_dob"].to_numpy()
    dob_top = int(model.levels.loc[model.levels["comparison"] == "dob", "level"].max())
    contra = (g_dob == 0) | out["gender_differs"].to_numpy(dtype=bool)
    g_sur = sp["g_surname"].to_numpy()
    not_same_dob = g_dob != dob_top
    contra |= out["forename_contradiction"].to_numpy(dtype=bool) & not_same_dob
    contra |= (g_sur == 0) & not_same_dob
    out["contradiction"] = contra & (out["ident"].to_numpy(dtype=object) == "")
    out["weight"] = sp["weight"].to_numpy(dtype=float)
    for c in sp.columns:
        if c.startswith(("w_", "g_")):
            out[c] = sp[c].to_numpy()
    out.attrs["prior_weight"] = float(np.log2(model.probability_two_random_records_match
                                              / (1 - model.probability_two_random_records_match)))
    out.attrs["comparisons"] = [c[2:] for c in sp.columns if c.startswith("w_")]
    out.attrs["top"] = model.levels.groupby("comparison")["level"].max().astype(int).to_dict()
    return out

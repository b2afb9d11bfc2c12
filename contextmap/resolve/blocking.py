"""Blocking for person resolution: which pairs of records are compared at all.

Only records sharing a key are compared (surname + forename initial, forename + surname
initial, forename + Soundex of the surname, forename or surname + birth year, the date of
birth with day and month either way, any full name or alias, any phone / vehicle /
social-media handle). Keys are scoped to the table: person records with person records,
children's records with children's records (only when children are resolved among
themselves). Person records are compared with children's records through their own keys
(``k...``), asymmetric so that two children are never compared there: the full name or an
alias, the date of birth, surname + birthday, surname + forename initial + birth year,
forename + surname initial + birth year, the surname + forename initial (an initial, a short
form no table lists: "C Whitmore", "Ty Grant", "Marc Gargill" for Marcus), the surname + the
forename's first three letters (the same short forms, where more children share the
initial than the cap allows), and, when its
surname is an initial, the forename + surname initial. The name-only ones are
dropped where more than :data:`CROSS_MAX_CHILDREN` children share them; a record without a
name (in comparison form) gets none.
"""

from __future__ import annotations

import jellyfish
import numpy as np
import pandas as pd

from contextmap.resolve.text import normalise_identifier, normalise_person_name
from contextmap.schema import split_list

__all__ = ["CROSS_MAX_CHILDREN", "block_keys", "candidate_pairs", "short_form_related", "drop_unrelated_forenames"]

CROSS_MAX_CHILDREN = 6
"""A person record is compared with children's records on a name alone (the full name or an
alias, an initial form) only where at most this many children share it; more, and only a
date of birth can say which child a record is (keys on the date of birth are always used).
Up to it, the link context may say which (police write "Finley Fenwick" beside the friend of
one of four Finley Fenwicks): 3 -> 6 took the two-agency benchmark's child recall on the
small pool from 0.933 to 0.952 in November; 12 found nothing more. At 100,000 episodes of the
one-agency sample it adds 2,294 candidate pairs to 694,531."""

def block_keys(rec: pd.DataFrame, f: dict[str, np.ndarray], *, children_alone: bool = True) -> pd.DataFrame:
    """Rows (idx, key, kind, role) where kind is '' for plain keys, or 'alias'/'phone'/...
    and role is 0 (compare with everyone in the block), 1 (a probe: an abbreviated record),
    2 (a target: compared only with the block's probes, never with other targets) or 3 (a
    person record in a key shared with children: compared only with targets).

    Keys are scoped to the table (persons with persons, children with children: the latter
    only with ``children_alone``); when there are children's records, every record also
    gets the person-child keys (``k...``, :func:`_cross_keys`), where children are targets
    and person records are role 3. ``capped`` marks the name-only person-child keys."""
    idx: list[int] = []
    keys: list[str] = []
    kinds: list[str] = []
    roles: list[int] = []

    def add(i: int, key: str, kind: str = "", role: int = 0) -> None:
        idx.append(i)
        keys.append(key)
        kinds.append(kind)
        roles.append(role)

    tables = rec["table"].tolist()
    aliases = rec["aliases"].tolist()
    ident = {k: rec[k].tolist() for k in ("phone", "vehicle", "social_media")}
    for i in range(len(rec)):
        t = tables[i][0]
        if t == "c" and not children_alone:
            continue
        fn, sn, form, full = f["fn"][i], f["sn"][i], f["fn_form"][i], f["full"][i]
        y, m, d = f["year"][i], f["month"][i], f["day"][i]
        if sn and fn:
            add(i, f"{t}s|{sn}|{fn[0]}")
            if len(fn) > 1:
                # "Lewis M" against every Lewis M...: asymmetric, so that the thousands of
                # full-name pairs sharing a forename and a surname initial are not compared
                add(i, f"{t}f|{form}|{sn[0]}", role=1 if len(sn) == 1 else 2)
                if len(sn) > 1:  # surname typos: forename + Soundex of the surname
                    add(i, f"{t}x|{form}|{jellyfish.soundex(sn)}")
        if y:
            lo, hi = (m, d) if m <= d else (d, m)
            add(i, f"{t}d|{y}|{lo}|{hi}")
            if form:
                add(i, f"{t}fy|{form}|{y}")
            if sn:
                add(i, f"{t}sy|{sn}|{y}")
        if full:
            add(i, f"{t}n|{full}", "name")
        for a in split_list(aliases[i]):
            an = normalise_person_name(a)
            if an:
                add(i, f"{t}n|{an}", "alias:" + a)
        for kind, values in ident.items():
            for v in split_list(values[i]):
                vn = normalise_identifier(v)
                if len(vn) >= 4:
                    add(i, f"{t}i|{kind}|{vn}", kind)
    out = pd.DataFrame({"idx": idx, "key": keys, "kind": kinds, "role": roles, "capped": False})
    if f["child"].any():
        out = pd.concat([out, _cross_keys(rec, f)], ignore_index=True)
    return out


def _cross_keys(rec: pd.DataFrame, f: dict[str, np.ndarray]) -> pd.DataFrame:
    """The person-child keys (see :func:`block_keys`), children role 2, person records role 3.
    Keys on a date of birth are always used; name-only keys (``kn``, ``ki``, ``kp``, ``kf``, ``kg``: ``capped``)
    are dropped where more than :data:`CROSS_MAX_CHILDREN` children share them (a person record
    with no date of birth could be any of them: no score can say which). A record without a
    name gets none: it is never matched to a child on a date of birth alone."""
    fn, sn, form, full = f["fn"], f["sn"], f["fn_form"], f["full"]
    child = f["child"]
    y, m, d = f["year"].tolist(), f["month"].tolist(), f["day"].tolist()
    named = full != ""
    role = np.where(child, 2, 3)
    len_fn = np.fromiter((len(x) for x in fn), dtype=np.int64, count=len(fn))
    len_sn = np.fromiter((len(x) for x in sn), dtype=np.int64, count=len(sn))
    both = named & (len_fn > 0) & (len_sn > 0)
    dob = named & (f["year"] > 0)

    def rows(mask: np.ndarray, make) -> tuple[np.ndarray, list[str]]:
        at = np.flatnonzero(mask)
        return at, [make(i) for i in at.tolist()]

    parts = [
        (named, lambda i: f"kn|{full[i]}", "name", True),  # the full name
        (dob, lambda i: f"kd|{y[i]}|{min(m[i], d[i])}|{max(m[i], d[i])}", "", False),  # the DOB, day and month either way
        (dob & (len_sn > 0), lambda i: f"kb|{sn[i]}|{m[i]}|{d[i]}", "", False),  # surname + birthday: the year mistyped
        (dob & both, lambda i: f"ks|{sn[i]}|{fn[i][0]}|{y[i]}", "", False),  # "C Whitmore", a day or month mistyped
        (dob & both, lambda i: f"ky|{form[i]}|{sn[i][0]}|{y[i]}", "", False),  # "Tyrese O", or a surname typo
        (both, lambda i: f"ki|{sn[i]}|{fn[i][0]}", "", True),  # "C Whitmore", "Ty Grant", "Marc Gargill"
        # a short form where too many children share the initial: "Marc Tindale" for Marcus
        (both & (len_fn >= 3), lambda i: f"kp|{sn[i]}|{fn[i][:3]}", "", True),
        (both & ((child & (len_fn > 1)) | (~child & (len_sn == 1))), lambda i: f"kf|{form[i]}|{sn[i][0]}", "", True),  # "Tyrese O"
        # a short form no start of the name (the nickname table's): "Liv Varley" for Olivia,
        # "Abi CARROW" for Abbie, written without a date of birth
        (both & (child | (form != fn)), lambda i: f"kg|{form[i]}|{sn[i]}", "", True),
    ]
    frames = []
    for mask, make, kind, capped in parts:
        at, keys = rows(mask, make)
        frames.append(pd.DataFrame({"idx": at, "key": keys, "kind": kind, "role": role[at], "capped": capped}))
    al_idx, al_key, al_kind = [], [], []
    for i, v in enumerate(rec["aliases"].tolist()):  # a person record's aliases, as names
        if child[i] or not named[i] or not isinstance(v, str):
            continue
        for a in split_list(v):
            an = normalise_person_name(a)
            if an:
                al_idx.append(i)
                al_key.append("kn|" + an)
                al_kind.append("alias:" + a)
    frames.append(pd.DataFrame({"idx": al_idx, "key": al_key, "kind": al_kind, "role": 3, "capped": True}))
    return pd.concat(frames, ignore_index=True).astype({"idx": np.int64, "role": np.int64, "capped": bool})


def _alias_kinds(kind: np.ndarray) -> dict[object, bool]:
    """Each distinct key kind: whether it is an alias (``alias:...``)."""
    return {k: isinstance(k, str) and k.startswith("alias:") for k in pd.unique(kind)}


def candidate_pairs(keys: pd.DataFrame, *, max_block_size: int | None) -> tuple[pd.DataFrame, int]:
    codes, _ = pd.factorize(keys["key"], sort=False)
    kind = keys["kind"].to_numpy(dtype=object)
    kf = pd.DataFrame({"idx": keys["idx"].to_numpy(), "code": codes, "kind": kind,
                       "role": keys["role"].to_numpy(),
                       # whether the key is an alias, worked out once per distinct kind, not per pair
                       "al": pd.Series(kind, dtype=object).map(_alias_kinds(kind)).to_numpy(dtype=bool)})
    kf = kf.drop_duplicates(["idx", "code"])
    # person-child name-only keys that more than CROSS_MAX_CHILDREN children share
    name_only = (keys["capped"].to_numpy(dtype=bool) if "capped" in keys.columns
                 else np.zeros(len(keys), dtype=bool))[kf.index.to_numpy()]
    if name_only.any():
        kids = (kf["role"].to_numpy() == 2) & name_only
        n_kids = pd.Series(kids.astype(np.int64)).groupby(kf["code"].to_numpy()).transform("sum").to_numpy()
        kf = kf[~(name_only & (n_kids > CROSS_MAX_CHILDREN))]
    sizes = kf.groupby("code")["idx"].transform("size")
    kf["size"] = sizes.to_numpy()
    # only weak keys (names and aliases shared by many records: term-frequency weighted
    # evidence) are ever skipped; name-part, date-of-birth and identifier keys never are
    weak = kf["kind"].to_numpy(dtype=object) != ""
    weak &= ~np.isin(kf["kind"].to_numpy(dtype=object), ["phone", "vehicle", "social_media"])
    over = (sizes > max_block_size).to_numpy() & weak if max_block_size is not None else np.zeros(len(kf), dtype=bool)
    skipped = int(kf.loc[over, "code"].nunique())
    kf = kf[(sizes >= 2).to_numpy() & ~over]
    # asymmetric blocks: probes (role 1) against everyone; targets (role 2) not with each
    # other; person records in person-child blocks (role 3) only with targets. A target is
    # kept only where the block holds a non-target, a role-3 record only beside a target.
    role = kf["role"].to_numpy()
    probe_codes = kf.loc[role != 2, "code"].unique()
    target_codes = kf.loc[role == 2, "code"].unique()
    kf = kf[((role != 2) | kf["code"].isin(probe_codes).to_numpy()) & ((role != 3) | kf["code"].isin(target_codes).to_numpy())]
    # every pair once: each non-target against the whole block, then oriented low index first
    left = kf[kf["role"].to_numpy() != 2]
    m = left.merge(kf.drop(columns="size"), on="code", suffixes=("_a", "_b"))
    ra_, rb_ = m["role_a"].to_numpy(), m["role_b"].to_numpy()
    ia, ib = m["idx_a"].to_numpy(dtype=np.int64), m["idx_b"].to_numpy(dtype=np.int64)
    keep = np.where(rb_ == 2, True, (ia < ib) & (ra_ != 3) & (rb_ != 3)) & (ia != ib)
    m = m[keep]
    ia, ib = ia[keep], ib[keep]
    swap = ia > ib
    a = np.where(swap, ib, ia)
    b = np.where(swap, ia, ib)
    ka = np.where(swap, m["kind_b"].to_numpy(dtype=object), m["kind_a"].to_numpy(dtype=object))
    kb = np.where(swap, m["kind_a"].to_numpy(dtype=object), m["kind_b"].to_numpy(dtype=object))
    al_a, al_b = m["al_a"].to_numpy(dtype=bool), m["al_b"].to_numpy(dtype=bool)
    is_alias = al_a | al_b
    ident_kind = np.where(np.isin(ka, ["phone", "vehicle", "social_media"]), ka, "")
    pairs = pd.DataFrame({"a": a, "b": b})
    pairs["alias"] = np.where(is_alias, np.where(np.where(swap, al_b, al_a), ka, kb), "")
    pairs["alias_n"] = np.where(is_alias, m["size"].to_numpy(), 0)
    pairs["ident"] = ident_kind
    # one row per pair, keeping an alias tag and an identifier tag where any row has one
    # (the rarest shared alias where several are shared)
    pairs["alias_n"] = np.where(is_alias, pairs["alias_n"], np.iinfo(np.int64).max)
    pairs = pairs.sort_values(["a", "b", "alias_n"], kind="stable")
    agg = pairs.drop_duplicates(["a", "b"], keep="first")[["a", "b", "alias", "alias_n"]]
    ids_ = pairs[pairs["ident"] != ""].drop_duplicates(["a", "b"], keep="first")[["a", "b", "ident"]]
    agg = agg.merge(ids_, on=["a", "b"], how="left")
    agg["ident"] = agg["ident"].fillna("").astype(object)
    agg["alias"] = agg["alias"].astype(object)
    agg = agg.reset_index(drop=True)
    return agg, skipped


def short_form_related(x: str, y: str) -> bool:
    """Whether one forename may be a short form, or a typo, of the other without any table
    saying so: an initial of it, the same first three letters with one of them a prefix of
    the other or four letters or fewer ("Marc" / "Marcus", "Finn" / "Finley", "Grace" /
    "Gracie"), or Jaro-Winkler 0.9 or more. "Cody" / "Corey" (a brother) is none of these.

    Examples
    --------
    >>> [short_form_related(a, b) for a, b in [("marc", "marcus"), ("finn", "finley"), ("c", "corey"),
    ...                                        ("cody", "corey"), ("grace", "gracie"), ("tom", "tyler")]]
    [True, True, True, False, True, False]
    """
    from rapidfuzz.distance import JaroWinkler

    if not x or not y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    short, long_ = sorted((x, y), key=len)
    if len(short) >= 3 and long_[:3] == short[:3] and (long_.startswith(short) or len(short) <= 4):
        return True
    return JaroWinkler.similarity(x, y) >= 0.9


def drop_unrelated_forenames(pairs: pd.DataFrame, f: dict[str, np.ndarray]) -> pd.DataFrame:
    """Leave out the person-child pairs a name alone brought (the surname and a forename's
    initial, no date of birth on the person record, no alias or identifier shared) whose
    forenames are neither one form (:data:`~contextmap.resolve.text.NICKNAME_TO_FORM`) nor
    :func:`short_form_related`: "Cody Whitmore", written beside his brother Corey, is not
    Corey."""
    if not len(pairs) or not f["child"].any():
        return pairs
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    child = f["child"]
    cross = child[a] != child[b]
    person = np.where(child[a], b, a)
    kid = np.where(child[a], a, b)
    plain = (pairs["alias"].to_numpy(dtype=object) == "") & (pairs["ident"].to_numpy(dtype=object) == "")
    cand = np.flatnonzero(cross & plain & (f["dob_day"][person] < 0) & (f["fn_form"][person] != f["fn_form"][kid]))
    if not len(cand):
        return pairs
    fn = f["fn"]
    drop = [i for i in cand.tolist() if not short_form_related(str(fn[person[i]]), str(fn[kid[i]]))]
    if not drop:
        return pairs
    return pairs.drop(index=pairs.index[drop]).reset_index(drop=True)

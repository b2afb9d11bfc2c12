"""One identity across agencies: the rules for a person record that may be a child's record.

Police write a council's child as "WHITMORE, Corey" or "Tyrese O"; such a person record is
scored against the child's record by the same model as any person pair
(:func:`~contextmap.resolve.persons.resolve_persons`), then these rules apply:

* **Prior**: the prior odds that a person record is one given child's record are
  ``share / (number of children)``, ``share`` being ``child_share_provisional`` (records
  ingest made from link names, 0.25) or ``child_share_person`` (persons of concern, 0.02) of
  :data:`~contextmap.resolve.persons.PERSON_WEIGHTS`: guesses, stated, not learnt.
* **Child or adult** (:data:`AGE_GUARD`): a person aged 25 or over on the reference day
  (:func:`reference_day`) is never a child's record; a child and a person of whom one is
  under 18 and the other 18 or over, born more than a year apart, are never one person. A
  hard contradiction, like different dates of birth: no chain joins them either.
* **Margin** (:data:`CHILD_MARGIN_BITS`): a person record that matches several children's
  records at or above the threshold joins the best one only when it is at least 3 bits (8
  times as likely) ahead; otherwise none (the pairs go to the review queue).
* **One child per entity**: no score joins two children's records through a person record
  (:func:`~contextmap.resolve.cluster.cluster_records`, ``exclusive``), and ``merge``
  decisions may join two children only by naming both (:func:`check_child_decisions`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contextmap.resolve.decisions import Decisions, DecisionsError

__all__ = ["AGE_GUARD", "CHILD_MARGIN_BITS", "reference_day", "child_guards", "check_child_decisions"]

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
    if not k or not f["child"].any():
        return out
    a = out["a"].to_numpy(dtype=np.int64)
    b = out["b"].to_numpy(dtype=np.int64)
    ca, cb = f["child"][a], f["child"][b]
    cross = ca != cb
    child = np.where(ca, a, b)
    person = np.where(ca, b, a)
    n_c = int(f["child"].sum())
    share = np.where(f["provisional"][person], weights["child_share_provisional"], weights["child_share_person"])
    cross_prior = np.log2(share / n_c) - np.log2(1 - share / n_c)
    shift = np.where(cross, cross_prior - base, 0.0)
    wt = out["weight"].to_numpy(dtype=float) + shift
    out["weight"] = wt
    out["prior_w"] = base + shift
    out["p"] = np.where(cross, 1.0 / (1.0 + np.exp2(-wt)), out["p"].to_numpy(dtype=float))
    ref_day = (ref - pd.Timestamp("1970-01-01")).days
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
        for i in np.flatnonzero(bad):
            notes[i] = (f"a child's record (aged {_age_words(age_c[i], dc[i] >= 0)}) and a person aged "
                        f"{_age_words(age_p[i], True)} on {on}: never one person")
        out["age_note"] = notes
        out["contradiction"] = out["contradiction"].to_numpy(dtype=bool) | bad
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
    return out


def _age_words(years: float, known: bool) -> str:
    """Completed years, or 'unknown' (no date of birth)."""
    return f"{int(np.floor(years))}" if known and np.isfinite(years) else "unknown"


def check_child_decisions(dec: Decisions, pos: dict[str, int], is_child: np.ndarray) -> None:
    """Raise :class:`~contextmap.resolve.decisions.DecisionsError` when ``merge`` decisions join
    two children's records through a person record (two children are merged only by a
    decision naming both). ``pos``: record id -> position in ``is_child``.

    Examples
    --------
    >>> import numpy as np
    >>> from contextmap.resolve.decisions import parse_decisions
    >>> pos, kids = {"C1": 0, "C2": 1, "P9": 2}, np.array([True, True, False])
    >>> check_child_decisions(parse_decisions("merge P9 C1\\nmerge C2 C1\\n"), pos, kids)  # both named: fine
    >>> check_child_decisions(parse_decisions("merge P9 C1\\nmerge P9 C2\\n"), pos, kids)
    Traceback (most recent call last):
    ...
    contextmap.resolve.decisions.DecisionsError: merge decisions join two children's records through a person record ...
    """
    parent: dict[str, str] = {}

    def find(x: str, par: dict[str, str]) -> str:
        par.setdefault(x, x)
        while par[x] != x:
            par[x] = par[par[x]]
            x = par[x]
        return x

    kids: dict[str, str] = {}  # children joined by child-child merges
    for d in dec.merges:
        ra, rb = find(d.a, parent), find(d.b, parent)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
        if is_child[pos[d.a]] and is_child[pos[d.b]]:
            ka, kb = find(d.a, kids), find(d.b, kids)
            if ka != kb:
                kids[max(ka, kb)] = min(ka, kb)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        if is_child[pos[x]]:
            groups.setdefault(find(x, parent), set()).add(find(x, kids))
    bad = [sorted(g) for g in groups.values() if len(g) > 1]
    if bad:
        lines = [str(d) for d in dec.merges]
        raise DecisionsError(
            "merge decisions join two children's records through a person record (merge the two "
            f"children directly if they are one child): {', '.join(' and '.join(b) for b in bad)}; "
            + "; ".join(lines))

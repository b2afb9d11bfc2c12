"""Namesakes: when a name alone may be a child or someone else of that name.

The rules :func:`~contextmap.resolve.identity.child_guards` and
:func:`~contextmap.resolve.identity.entity_guard` apply so that no chain of records decides
what the name cannot (see docs/resolution.md, "namesakes in a chain" and "surnames over the
whole entity"): :func:`namesake_competition` and :func:`contested_children` over scored pairs,
:func:`record_surnames` and :func:`families_meet` over whole entities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CONTEST_FLOOR", "SURNAME_CLOSE_JW", "contested_children", "families_meet", "namesake_competition",
           "record_surnames"]


CONTEST_FLOOR = 0.1
"""A candidate (a child's record or an adult of record) with at least this match probability
is a real possibility for a person record (see :func:`contested_children`)."""


def contested_children(cross, rival, person, ref_of, p, contra, refuse, threshold: float, n_rec: int) -> np.ndarray:
    """Per pair: a person-child pair whose person record matches no candidate well enough to
    be joined and at least two (children's records or adults of record) well enough to be
    either (each :data:`CONTEST_FLOOR` or more). The name does not say which child it is, so
    no chain through another record ("Shay Croftley" without a date of birth, with another
    "Shay Croftley" that is the child) may say it either: the pair is kept apart, like a
    contradiction, though it is none.

    Examples
    --------
    >>> import numpy as np
    >>> cross, rival = np.array([True, True, False]), np.array([False, False, True])
    >>> person, ref_of = np.array([0, 0, 0]), np.array([-1, -1, 0])
    >>> p, contra = np.array([0.33, 0.05, 0.33]), np.zeros(3, dtype=bool)
    >>> contested_children(cross, rival, person, ref_of, p, contra, np.array(["", "", ""], dtype=object), 0.5, 1).tolist()
    [True, False, False]
    """
    live = cross & ~contra
    who = np.where(cross, person, ref_of)
    cand = (live | rival) & (p >= CONTEST_FLOOR)
    n_cand = np.bincount(who[cand], minlength=n_rec)
    taken = np.bincount(person[live & (p >= threshold) & (refuse == "")], minlength=n_rec) > 0
    return live & (p >= CONTEST_FLOOR) & (n_cand[person] >= 2) & ~taken[person]


def namesake_competition(a: np.ndarray, b: np.ndarray, pairs: np.ndarray, dob: np.ndarray, cand_rec: np.ndarray,
                         cand_dob: np.ndarray, cand_bits: np.ndarray, *, gap: float = 366.0) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of person records (``pairs`` selects them): ``log2(1 + C)`` bits against the
    pair, and how many candidates make ``C``.

    ``C`` is the summed odds of the candidates of record of either end (``cand_rec``: a child's
    record or an adult of record it matches, ``cand_bits`` its log2 odds) whose date of birth
    is more than a year from the other end's. A name alone, "HAVERWELL, Declan", matches the
    child Declan Haverwell (13), an adult nominal of that name (27) and the child's own police
    nominal (13): it is the child or the adult, the name does not say which, so its pair with
    the child's nominal is as doubtful as its pair with the child, and no chain through the
    nominal takes it to the child. An end without a date of birth says nothing of who it is
    not: no candidate counts against it.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([0, 0]), np.array([1, 2])  # a name alone with a child's nominal; with a dateless copy
    >>> dob = np.array([-1, 15_000, -1])
    >>> pen, n = namesake_competition(a, b, np.array([True, True]), dob, np.array([0, 0]),
    ...                               np.array([15_000, 10_000]), np.array([8.0, 8.0]))
    >>> pen.round(2).tolist(), n.tolist()  # the adult born 1997 counts against the child's nominal
    ([8.01, 0.0], [1, 0])
    """
    pen = np.zeros(len(a))
    count = np.zeros(len(a), dtype=np.int64)
    idx = np.flatnonzero(pairs)
    if not len(idx) or not len(cand_rec):
        return pen, count
    cands = pd.DataFrame({"rec": cand_rec, "dob": cand_dob, "odds": np.exp2(np.minimum(cand_bits, 1000.0))})
    cands = cands[cands["dob"] >= 0]
    has = np.zeros(len(dob), dtype=bool)
    has[cands["rec"].to_numpy()] = True
    best = np.zeros(len(a))
    for x, y in ((a, b), (b, a)):
        sel = idx[has[x[idx]] & (dob[y[idx]] >= 0)]
        if not len(sel):
            continue
        m = pd.DataFrame({"i": sel, "rec": x[sel], "d": dob[y[sel]]}).merge(cands, on="rec")
        m = m[np.abs(m["d"].to_numpy() - m["dob"].to_numpy()) > gap]
        if not len(m):
            continue
        g = m.groupby("i")["odds"].agg(["sum", "size"])
        i = g.index.to_numpy()
        more = g["sum"].to_numpy() > best[i]
        best[i[more]] = g["sum"].to_numpy()[more]
        count[i[more]] = g["size"].to_numpy()[more]
    pen = np.log2(1.0 + best)
    return pen, count


SURNAME_CLOSE_JW = 0.9
"""Two surnames at least this close by Jaro-Winkler ("Blencow" / "Belncow") may be one (the
person model's own "surname similar" level); further apart they are two families."""


def record_surnames(full: np.ndarray, aliases: list) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Per record, the surname words it is written with (every word after the forename, two
    letters or more, and those words run together, of its name and of each alias; middle
    names count as surname words), and every word of its names: "corey whitmore" ->
    ({"whitmore"}, {"corey", "whitmore"}); an initial ("tyrese o") says no surname.

    Examples
    --------
    >>> import numpy as np
    >>> out = record_surnames(np.array(["corey whitmore", "tyrese o", "kyle de la cruz"], dtype=object),
    ...                       [None, None, "Kyle NETTLETON"])
    >>> [sorted(s) for s, _ in out]
    [['whitmore'], [], ['cruz', 'de', 'delacruz', 'la', 'nettleton']]
    >>> sorted(out[0][1])
    ['corey', 'whitmore']
    """
    from contextmap.resolve.text import normalise_person_name
    from contextmap.schema import split_list

    def parts(name: str) -> tuple[set[str], set[str]]:
        toks = name.split()
        sur = {w for w in toks[1:] if len(w) >= 2}
        if len(toks) > 2:
            sur.add("".join(toks[1:]))
        return sur, {w for w in toks if len(w) >= 2}

    out = []
    for name, al in zip(full.tolist(), aliases, strict=True):
        sur, words = parts(str(name))
        if isinstance(al, str) and al:
            for a in split_list(al):
                s2, w2 = parts(normalise_person_name(a))
                sur |= s2
                words |= w2
        out.append((frozenset(sur), frozenset(words)))
    return out


def families_meet(sa: set[str], sb: set[str], wa: set[str], wb: set[str]) -> bool:
    """Whether two sets of surname words (``sa``, ``sb``; ``wa``, ``wb`` every word of the same
    names) may be one family: either says none, one is written among the other's words (a
    name written surname first: "WHITMORE COREY"), or two are close (Jaro-Winkler
    :data:`SURNAME_CLOSE_JW`, or the same Metaphone code: "Smith" / "Smyth")."""
    import jellyfish
    from rapidfuzz.distance import JaroWinkler

    if not sa or not sb or not sa.isdisjoint(wb) or not sb.isdisjoint(wa):
        return True
    if any(JaroWinkler.similarity(x, y) >= SURNAME_CLOSE_JW for x in sa for y in sb):
        return True
    ca = {jellyfish.metaphone(x) for x in sa}
    return not ca.isdisjoint(jellyfish.metaphone(y) for y in sb)

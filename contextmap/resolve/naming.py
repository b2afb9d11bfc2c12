"""The name a resolved entity is shown under: its fullest, most frequent spelling.

An entity made of several records has several spellings ("Tyler Belcombe", "Tyler Belncow",
"BELCOMBE, Tyler", "T Belcombe"). It is shown under the spelling that

1. is **fullest**: has the most words that are not abbreviations (an initial, or a shorter
   start of the word another spelling has in that place: "Rhys R", "C Thwaite", "Tyl Grant"
   lose to "Rhys Rudd", "Craig Thwaite", "Tyler Grant");
2. is a **child's record**, when the entity is a child (the council's record of the child's
   name wins over police spellings as full as it);
3. is the **most frequent** among the entity's records (spellings compared in comparison form:
   "BELCOMBE, Tyler" counts for "Tyler Belcombe");
4. has the **commonest words** in the whole dataset (a typo makes a word rare: "Belncow");
5. comes from a record that is not provisional, then the lowest record id.

The spelling is written forename first, and a name the records only ever write in capitals
is shown with capitals at the start of each part ("BELCOMBE, Tyler" -> "Tyler Belcombe").

Examples
--------
>>> import pandas as pd
>>> recs = pd.DataFrame({"entity": ["P1"] * 4, "record_id": ["P1", "P2", "P3", "P4"],
...                      "name": ["Tyler Belncow", "Tyler Belcombe", "BELCOMBE, Tyler", "T Belcombe"]})
>>> display_names(recs)
{'P1': 'Tyler Belcombe'}
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from contextmap.ingest.names import forename_first
from contextmap.ingest.placetext import normalise_place_names
from contextmap.privacy.forbidden import CASE_INSENSITIVE_FROM
from contextmap.resolve.text import normalise_person_name

__all__ = ["display_names", "place_display_names", "tidy_capitals", "written_small"]


def tidy_capitals(name: str) -> str:
    """Words written wholly in capitals given a capital at the start of each part (after a
    hyphen or an apostrophe too); other words as they are.

    Examples
    --------
    >>> tidy_capitals("Tyler O'NEIL-DAWSON")
    "Tyler O'Neil-Dawson"
    >>> tidy_capitals("TJ McKenzie")
    'TJ McKenzie'

    A name written wholly in small letters (an RHI's "logan hallam") is given them too:

    >>> tidy_capitals("logan o'hallam")
    "Logan O'Hallam"
    """
    lower = any(ch.isalpha() for ch in name) and not any(ch.isupper() for ch in name)
    out = []
    for word in name.split():
        if (len(word) > 2 and word.isupper()) or (lower and any(ch.isalpha() for ch in word)):
            parts, cap = [], True
            for ch in word.lower():
                parts.append(ch.upper() if cap else ch)
                cap = not ch.isalpha()
            word = "".join(parts)
        out.append(word)
    return " ".join(out)


def written_small(text: object) -> bool:
    """Whether a name is written wholly in small letters and long enough to be given capitals
    for showing (:func:`tidy_capitals`): a shorter one ("kai") stays as written, since the privacy
    scan finds names under :data:`~contextmap.privacy.forbidden.CASE_INSENSITIVE_FROM` letters
    only in their own case.

    >>> written_small("logan hallam"), written_small("kai"), written_small("Logan Hallam")
    (True, False, False)
    """
    return isinstance(text, str) and text.islower() and len(text.strip()) >= CASE_INSENSITIVE_FROM


def _shown(raw: list[tuple[str, bool]]) -> str:
    """The best written form of one spelling: a child's record's, else one not wholly in
    capitals, forename first."""
    ordered = sorted(raw, key=lambda x: (not x[1], x[0].isupper() or "," in x[0]))
    text = forename_first(" ".join(ordered[0][0].split()))
    return tidy_capitals(text) if any(w.isupper() and len(w) > 2 for w in text.split()) or written_small(text) else text


def display_names(records: pd.DataFrame, *, token_counts: Counter | None = None) -> dict[str, str]:
    """The name to show for each entity of more than one record.

    Parameters
    ----------
    records
        One row per record: ``entity``, ``record_id``, ``name``, and optionally ``child``
        (bool: a child's record) and ``provisional`` (bool).
    token_counts
        How often each name word (comparison form) occurs in the whole dataset; default the
        words of ``records``.

    Returns
    -------
    dict
        ``entity -> name`` for entities with more than one record and at least one name.
    """
    if not len(records):
        return {}
    sizes = records.groupby("entity")["record_id"].transform("size")
    recs = records[sizes.to_numpy() > 1]
    if not len(recs):
        return {}
    child = recs["child"].tolist() if "child" in recs.columns else [False] * len(recs)
    prov = recs["provisional"].tolist() if "provisional" in recs.columns else [False] * len(recs)
    norms = [normalise_person_name(n) for n in recs["name"].tolist()]
    if token_counts is None:
        token_counts = Counter(t for n in norms for t in n.split())
    groups: dict[str, dict[str, dict]] = {}
    for ent, rid, raw, norm, c, pv in zip(recs["entity"].tolist(), recs["record_id"].astype(str).tolist(),
                                          recs["name"].tolist(), norms, child, prov, strict=True):
        if not norm or not isinstance(raw, str):
            continue
        g = groups.setdefault(ent, {}).setdefault(norm, {"n": 0, "child": False, "real": False, "id": rid, "raw": []})
        g["n"] += 1
        g["child"] |= bool(c)
        g["real"] |= not bool(pv)
        g["id"] = min(g["id"], rid)
        g["raw"].append((raw, bool(c)))
    out: dict[str, str] = {}
    for ent, spellings in groups.items():
        toks = {norm: norm.split() for norm in spellings}
        best = min(spellings, key=lambda norm: _rank(norm, spellings, toks, token_counts))
        out[ent] = _shown(spellings[best]["raw"])
    return out


def _fullness(norm: str, toks: dict[str, list[str]]) -> int:
    """Words of ``norm`` that are neither an initial nor a shorter start of the word another
    spelling has in that place (first or last)."""
    words = toks[norm]
    n = 0
    for i, w in enumerate(words):
        place = 0 if i == 0 else -1 if i == len(words) - 1 else None
        longer = place is not None and any(
            len(o[place]) > len(w) and o[place].startswith(w) for k, o in toks.items() if k != norm and len(o) > 1)
        n += len(w) > 1 and not longer
    return n


def _rank(norm: str, spellings: dict[str, dict], toks: dict[str, list[str]], token_counts: Counter) -> tuple:
    g = spellings[norm]
    common = min((token_counts.get(t, 0) for t in toks[norm]), default=0)
    return (-_fullness(norm, toks), not g["child"], -g["n"], -common, not g["real"], g["id"])


def place_display_names(records: pd.DataFrame) -> dict[str, str]:
    """The name to show for each place entity of more than one record.

    The spelling (in comparison form, :func:`~contextmap.ingest.placetext.normalise_place_name`:
    "DRAGON WOK, LAPWING TERRACE" counts for "Dragon Wok Lapwing Terrace") of a record the
    exports hold (not one ingest made from a link's text), then the most frequent, the one of
    most words, the lowest record id; written as its most frequent form that is not wholly in
    capitals ("Caldthwaite Park", not the police register's "CALDTHWAITE PARK"), else as
    written: a name only ever written in capitals stays so ("KFC" is not "Kfc").

    Parameters
    ----------
    records
        One row per record: ``entity``, ``record_id``, ``name``, and optionally
        ``provisional`` (bool).

    Returns
    -------
    dict
        ``entity -> name`` for entities with more than one record and at least one name.

    Examples
    --------
    >>> recs = pd.DataFrame({"entity": ["L1"] * 3 + ["L4"] * 2, "record_id": ["L1", "L2", "L3", "L4", "L5"],
    ...                      "name": ["CALDTHWAITE PARK", "Caldthwaite Park", "the park", "KFC", "KFC"],
    ...                      "provisional": [False, False, True, False, False]})
    >>> place_display_names(recs)
    {'L1': 'Caldthwaite Park', 'L4': 'KFC'}
    """
    if not len(records):
        return {}
    sizes = records.groupby("entity")["record_id"].transform("size")
    recs = records[sizes.to_numpy() > 1]
    if not len(recs):
        return {}
    prov = recs["provisional"].fillna(False).astype(bool).tolist() if "provisional" in recs.columns else [False] * len(recs)
    norms = normalise_place_names(recs["name"].tolist()).tolist()
    groups: dict[str, dict[str, dict]] = {}
    for ent, rid, raw, norm, pv in zip(recs["entity"].tolist(), recs["record_id"].astype(str).tolist(),
                                       recs["name"].tolist(), norms, prov, strict=True):
        if not isinstance(raw, str) or not raw.strip():
            continue
        key = norm or " ".join(raw.lower().split())
        g = groups.setdefault(ent, {}).setdefault(key, {"n": 0, "real": False, "id": rid, "raw": Counter()})
        g["n"] += 1
        g["real"] |= not pv
        g["id"] = min(g["id"], rid)
        g["raw"][" ".join(raw.split())] += 1
    out: dict[str, str] = {}
    for ent, spellings in groups.items():
        best = spellings[min(spellings, key=lambda k: (not spellings[k]["real"], -spellings[k]["n"], -len(k.split()),
                                                       spellings[k]["id"]))]
        written = sorted(best["raw"].items(), key=lambda kv: (not any(ch.islower() for ch in kv[0]), -kv[1], kv[0]))
        out[ent] = written[0][0]
    return out

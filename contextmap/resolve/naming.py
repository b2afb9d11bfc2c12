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

import re
from collections import Counter

import pandas as pd

from contextmap.ingest.names import forename_first
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
    recs = _several(records)
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
    """How each place entity of more than one record writes the name it shows: the name of
    its canonical record (the record whose id is the entity's, else the lowest id), written
    as the records the exports hold write that same name, when one of them does so other than
    wholly in capitals ("Caldthwaite Park" from the council, not the police register's
    "CALDTHWAITE PARK", whose id sorts first).

    Only the case, punctuation and spacing may change: another spelling ("Maccies" for
    "MCDONALD'S", "the rec"), a record ingest made from a link's text, or a record of another
    category (a home address merged with a park: the name shown must stay the park's, so that
    redaction by category still holds) never gives the name. A name only ever written in
    capitals stays so ("KFC", not "Kfc").

    Parameters
    ----------
    records
        One row per record: ``entity``, ``record_id``, ``name``, and optionally
        ``provisional`` (bool) and ``category``.

    Returns
    -------
    dict
        ``entity -> name`` for the entities whose shown name is written otherwise than
        their canonical record writes it.

    Examples
    --------
    >>> recs = pd.DataFrame({"entity": ["L1"] * 3 + ["L4"] * 2, "record_id": ["L1", "L2", "L3", "L4", "L5"],
    ...                      "name": ["CALDTHWAITE PARK", "Caldthwaite Park", "Caldthwaite park", "KFC", "KFC"],
    ...                      "provisional": [False, False, True, False, False]})
    >>> place_display_names(recs)
    {'L1': 'Caldthwaite Park'}
    """
    recs = _several(records)
    if not len(recs):
        return {}
    n = len(recs)
    prov = recs["provisional"].fillna(False).astype(bool).tolist() if "provisional" in recs.columns else [False] * n
    cats = [c if isinstance(c, str) else None for c in recs["category"].tolist()] if "category" in recs.columns else [None] * n
    members: dict[str, list[tuple[str, object, bool, str | None]]] = {}
    for ent, rid, raw, pv, cat in zip(recs["entity"].astype(str).tolist(), recs["record_id"].astype(str).tolist(),
                                      recs["name"].tolist(), prov, cats, strict=True):
        members.setdefault(ent, []).append((rid, raw, pv, cat))
    out: dict[str, str] = {}
    for ent, rows in members.items():
        canon = next((r for r in rows if r[0] == ent), None) or min(rows, key=lambda r: r[0])
        if not isinstance(canon[1], str) or not (key := _loose(canon[1])):
            continue
        written = Counter(" ".join(raw.split()) for _rid, raw, pv, cat in rows
                          if not pv and cat == canon[3] and isinstance(raw, str) and _loose(raw) == key)
        mixed = sorted((t for t in written if any(ch.islower() for ch in t)), key=lambda t: (-written[t], t))
        if mixed and mixed[0] != canon[1]:
            out[ent] = mixed[0]
    return out


def _loose(text: str) -> str:
    """A name with case, punctuation and spacing gone: "DRAGON WOK, LAPWING TERRACE" is
    "dragon wok lapwing terrace"."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _several(records: pd.DataFrame) -> pd.DataFrame:
    """The records of entities made of more than one record."""
    if not len(records):
        return records
    sizes = records.groupby("entity")["record_id"].transform("size")
    return records[sizes.to_numpy() > 1]

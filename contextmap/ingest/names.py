"""Link ends and found locations given by name: matched to records, or kept as provisional.

Police extracts name an associate ("Associate Name") rather than give an id; a council's
"Location Found (free text)" names a place. Ingest matches such a name exactly (ignoring
case, accents, punctuation and spacing) against the accepted records: children and persons
of concern by name or alias (and date of birth when the link gives one), locations by name
or postcode. One match gives that record's id. No match, or several, makes a **provisional**
record (``provisional`` True, id ``prov-p-...`` or ``prov-l-...``, the same name always giving
the same id), kept and marked, never dropped, with a warning naming the row. Entity
resolution (:func:`contextmap.resolve_dataset`) later merges a provisional record into a
real one when they turn out to be the same person or place.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from contextmap.dates import parse_dates
from contextmap.schema import split_list

__all__ = ["fold_name", "NameIndex", "provisional_record_id", "PROVISIONAL_PREFIX"]

PROVISIONAL_PREFIX = {"person": "prov-p-", "location": "prov-l-"}
"""Id prefixes of the provisional records ingest makes for unmatched names."""

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b")


def fold_name(value: object) -> str:
    """A name folded for exact matching: no accents, case, punctuation or extra spaces.

    Examples
    --------
    >>> fold_name("  O'Neill,  Zoë ") == fold_name("oneill zoe")
    True
    """
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _PUNCT.sub("", text.casefold().replace(",", " "))
    return _SPACE.sub(" ", text).strip()


def provisional_record_id(kind: str, name: str, dob: object = None) -> str:
    """A stable id for a provisional record: the same folded name (and date of birth) always
    gives the same id.

    Examples
    --------
    >>> provisional_record_id("person", "Dwayne") == provisional_record_id("person", " DWAYNE ")
    True
    >>> provisional_record_id("location", "the old mill")[:7]
    'prov-l-'
    """
    day = "" if dob is None or pd.isna(dob) else str(pd.Timestamp(dob).date())
    digest = hashlib.sha1(f"{kind}|{fold_name(name)}|{day}".encode()).hexdigest()[:10]
    return PROVISIONAL_PREFIX[kind] + digest


@dataclass
class NameIndex:
    """Folded names of accepted records, for exact matching."""

    people: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    places: dict[str, list[str]] = field(default_factory=dict)
    postcodes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, children: pd.DataFrame, persons: pd.DataFrame, locations: pd.DataFrame) -> NameIndex:
        """Index children and persons by name and alias, locations by name and postcode."""
        idx = cls()
        for frame, key, alias in ((children, "child_id", None), (persons, "person_id", "aliases")):
            if not len(frame):
                continue
            dobs = frame["date_of_birth"].tolist()
            aliases = frame[alias].tolist() if alias else [None] * len(frame)
            for rid, name, dob, al in zip(frame[key].tolist(), frame["name"].tolist(), dobs, aliases, strict=True):
                for n in {fold_name(name), *(fold_name(a) for a in split_list(al))} - {""}:
                    idx.people.setdefault(n, []).append((str(rid), dob))
        if len(locations):
            for rid, name, pc in zip(locations["location_id"].tolist(), locations["name"].tolist(),
                                     locations["postcode"].tolist(), strict=True):
                n = fold_name(name)
                if n:
                    idx.places.setdefault(n, []).append(str(rid))
                if isinstance(pc, str) and pc.strip():
                    idx.postcodes.setdefault(pc.replace(" ", "").upper(), []).append(str(rid))
        return idx

    def person(self, name: str, dob: object) -> tuple[str | None, str]:
        """The id of the one child or person called ``name`` (born ``dob`` when given)."""
        cands = self.people.get(fold_name(name), [])
        if not cands:
            return None, "matches no child or person of concern"
        if dob is not None and not pd.isna(dob):
            same = [c for c in cands if c[1] is not None and not pd.isna(c[1]) and pd.Timestamp(c[1]) == pd.Timestamp(dob)]
            unknown = [c for c in cands if c[1] is None or pd.isna(c[1])]
            cands = same or unknown
            if not cands:
                return None, "has the name of a record with another date of birth"
        ids = sorted({c[0] for c in cands})
        if len(ids) > 1:
            return None, f"matches {len(ids)} records (give a date of birth or an id to say which)"
        return ids[0], ""

    def place(self, text: str) -> tuple[str | None, str]:
        """The id of the one location named ``text`` (or with the postcode in it)."""
        ids = sorted(set(self.places.get(fold_name(text), [])))
        if not ids:
            m = _POSTCODE.search(text.upper())
            if m:
                ids = sorted(set(self.postcodes.get(m.group(1) + m.group(2), [])))
        if not ids:
            return None, "matches no location by name or postcode"
        if len(ids) > 1:
            return None, f"matches {len(ids)} locations (give an id to say which)"
        return ids[0], ""


def resolve_names(
    names: pd.Series, dobs: pd.Series | None, *, kind: str, index: NameIndex
) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Match names to record ids, making provisional records for the rest.

    Parameters
    ----------
    names
        Trimmed text (blank: nothing to match).
    dobs
        Dates of birth as text (persons only), or None.
    kind
        ``'person'`` or ``'location'``.
    index
        The accepted records.

    Returns
    -------
    ids, provisional, why
        The id for every non-blank name (blank text elsewhere); the provisional records
        made (``id``, ``name``, ``date_of_birth``, first row position); and, for the names
        that became provisional, why they did not match.
    """
    ids = pd.Series("", index=names.index, dtype=object)
    why = pd.Series(pd.NA, index=names.index, dtype="string")
    given = names[names != ""]
    if dobs is not None:
        parsed, _ = parse_dates(dobs.where(names != "", ""), kind="date")
    else:
        parsed = pd.Series(pd.NaT, index=names.index, dtype="datetime64[ns]")
    made: dict[str, tuple[str, object, int]] = {}
    cache: dict[tuple[str, object], tuple[str | None, str]] = {}
    for i, name in given.items():
        dob = parsed[i] if not pd.isna(parsed[i]) else None
        key = (fold_name(name), dob)
        if key not in cache:
            cache[key] = index.person(name, dob) if kind == "person" else index.place(name)
        rid, reason = cache[key]
        if rid is None:
            rid = provisional_record_id(kind, name, dob)
            made.setdefault(rid, (name, dob, i))
            why[i] = reason
        ids[i] = rid
    prov = pd.DataFrame(
        [(rid, n, d, pos) for rid, (n, d, pos) in made.items()],
        columns=["id", "name", "date_of_birth", "position"],
    )
    return ids.astype(str), prov, why

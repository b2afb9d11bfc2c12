"""Link ends and found locations given by name: matched to records, or kept as provisional.

Police extracts name an associate ("Associate Name") rather than give an id; a council's
"Location Found (free text)" names a place. Ingest matches such a name exactly (ignoring
case, accents, punctuation and spacing) against the accepted records: children and persons
of concern by name or alias (and date of birth when the link gives one), locations by name
or postcode. Person names are compared forename first (``"WHITMORE, Corey"`` and ``"WHITMORE
Corey"`` read as ``"Corey Whitmore"``), with invisible characters dropped and letters of other
scripts that look like Latin ones (Unicode's confusables) read as Latin inside Latin words; an
initial form (``"Tyrese O"``, ``"C Whitmore"``) with a date of birth matches the one record
of that initial form born that day. One match gives that record's id. No match, or several,
makes a **provisional**
record (``provisional`` True, id ``prov-p-...`` or ``prov-l-...``, the same name always giving
the same id), kept and marked, never dropped, with a warning naming the row. A name that
several records share (a child and an adult both called "Zak Calvert") is ambiguous: each
reference to it is its own provisional record, one per name and context (the link's other
end), so that resolution can decide each on its own evidence rather than send every "Zak
Calvert" of the export to one of them. So is an initial form without a date of birth that
several records answer to ("Ethan I" for Ethan Irwell and Ethan Ivison): the police's "Ethan I"
beside Ethan Irwell's brother and the council's beside Ethan Ivison's friend are two records. Entity
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
from contextmap.privacy.folding import latin_lookalike
from contextmap.schema import split_list

__all__ = [
    "fold_name", "NameIndex", "provisional_record_id", "PROVISIONAL_PREFIX",
    "fold_lookalikes", "drop_invisible", "forename_first", "person_name_key",
]

PROVISIONAL_PREFIX = {"person": "prov-p-", "location": "prov-l-"}
"""Id prefixes of the provisional records ingest makes for unmatched names."""

# a name several records share or answer to: made one provisional record per context
_AMBIGUOUS = re.compile(r"matches \d+ records|an initial form \d+ records answer to|an initial form that \d+ records")

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


_LATIN = re.compile(r"[A-Za-z]")


def drop_invisible(text: str) -> str:
    """``text`` without invisible format characters (zero-width spaces and joiners, soft hyphens,
    byte-order marks, direction marks), which would otherwise split or disguise a word.

    Examples
    --------
    >>> drop_invisible("Co\u200brey\u00ad Whitmore")
    'Corey Whitmore'
    """
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def fold_lookalikes(text: str) -> str:
    """Letters of other scripts that look like Latin ones (:func:`contextmap.privacy.folding.latin_lookalike`,
    Unicode's confusables table) read as Latin in words that hold a Latin letter (or are made only
    of look-alikes in a text that does); other scripts are left as they are.

    Examples
    --------
    >>> fold_lookalikes("\u0421orey Whitmore")  # a Cyrillic capital Es for the C
    'Corey Whitmore'
    >>> fold_lookalikes("\u0421\u0435\u0440\u0433\u0435\u0439").isascii()  # a Russian name stays Russian
    False
    """
    if text.isascii() or not any(latin_lookalike(c) for c in text):
        return text
    latin_text = bool(_LATIN.search(text))
    words = text.split(" ")
    for i, w in enumerate(words):
        looks = [latin_lookalike(c) for c in w]
        if any(looks) and (_LATIN.search(w) or (latin_text and all(x for x, c in zip(looks, w, strict=True) if c.isalpha()))):
            words[i] = "".join(x or c for x, c in zip(looks, w, strict=True))
    return " ".join(words)


_INITIAL = re.compile(r"[A-Z]\.?")


def forename_first(text: str) -> str:
    """``"SURNAME, Forename"``, ``"SURNAME Forename"`` (the surname alone in capitals, three
    letters or more, first) and ``"SURNAME F"`` (a surname in capitals and initials, as police
    registers write it) turned round; anything else as it is.

    Examples
    --------
    >>> [forename_first(x) for x in ("WHITMORE, Corey", "WHITMORE Corey Jay", "COREY WHITMORE", "TJ Smith")]
    ['Corey WHITMORE', 'Corey Jay WHITMORE', 'COREY WHITMORE', 'TJ Smith']
    >>> [forename_first(x) for x in ("QUIGLEY H", "QUIGLEY H. J.", "Corey W")]
    ['H QUIGLEY', 'H. J. QUIGLEY', 'Corey W']
    """
    if text.count(",") == 1:
        head, tail = (x.strip() for x in text.split(","))
        if head and tail and len(head.split()) == 1:
            return f"{tail} {head}"
        return text
    words = text.split()
    if len(words) >= 2:
        first = words[0].replace("-", "").replace("'", "")
        if len(first) >= 3 and first.isalpha() and first.isupper() and (
                not any(w.isupper() for w in words[1:]) or all(_INITIAL.fullmatch(w) for w in words[1:])):
            return " ".join(words[1:] + words[:1])
    return text


def person_name_key(value: object) -> str:
    """A person's name folded for exact matching, forename first: invisible characters dropped,
    look-alike letters read as Latin, ``"SURNAME, Forename"`` turned round, then :func:`fold_name`.

    Examples
    --------
    >>> person_name_key("WHITMORE, Corey") == person_name_key("corey  whitmore") == person_name_key("WHITMORE Corey")
    True
    >>> person_name_key("COREY WHITMORE")
    'corey whitmore'
    """
    if not isinstance(value, str):
        return ""
    return fold_name(forename_first(fold_lookalikes(drop_invisible(value))))


def _as_written(name: str) -> str:
    """A name folded for matching as written, not turned forename first (``"QUIGLEY H"`` stays
    ``"quigley h"``: it may be a forename in capitals)."""
    return fold_name(fold_lookalikes(drop_invisible(name)))


def _initial_keys(key: str) -> list[tuple[str, str, str]]:
    """The initial forms a folded, forename-first name answers to: (forename, surname initial)
    and (forename initial, surname)."""
    toks = key.split()
    if len(toks) < 2:
        return []
    first, last = toks[0], toks[-1]
    out = [("if", first[0], last)] if len(last) > 1 else []
    if len(first) > 1:
        out.append(("fs", first, last[0]))
    return out


def provisional_record_id(kind: str, name: str, dob: object = None, context: str = "") -> str:
    """A stable id for a provisional record: the same folded name (and date of birth, and
    ``context``: the link's other end, for a name several records share) always gives the
    same id.

    Examples
    --------
    >>> provisional_record_id("person", "Dwayne") == provisional_record_id("person", " DWAYNE ")
    True
    >>> provisional_record_id("location", "the old mill")[:7]
    'prov-l-'
    >>> provisional_record_id("person", "Zak Calvert", context="C1") == provisional_record_id("person", "Zak Calvert")
    False
    """
    day = "" if dob is None or pd.isna(dob) else str(pd.Timestamp(dob).date())
    ctx = f"|{context}" if context else ""
    digest = hashlib.sha1(f"{kind}|{fold_name(name)}|{day}{ctx}".encode()).hexdigest()[:10]
    return PROVISIONAL_PREFIX[kind] + digest


@dataclass
class NameIndex:
    """Folded names of accepted records, for exact matching."""

    people: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    initials: dict[tuple[str, str, str], list[tuple[str, object]]] = field(default_factory=dict)
    forms: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    name_of: dict[str, str] = field(default_factory=dict)
    places: dict[str, list[str]] = field(default_factory=dict)
    postcodes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, children: pd.DataFrame, persons: pd.DataFrame, locations: pd.DataFrame) -> NameIndex:
        """Index children and persons by name and alias (forename first), and by the initial
        forms of their names; locations by name and postcode."""
        idx = cls()
        for frame, key, alias in ((children, "child_id", None), (persons, "person_id", "aliases")):
            if not len(frame):
                continue
            dobs = frame["date_of_birth"].tolist()
            aliases = frame[alias].tolist() if alias else [None] * len(frame)
            for rid, name, dob, al in zip(frame[key].tolist(), frame["name"].tolist(), dobs, aliases, strict=True):
                own = person_name_key(name)
                idx.name_of[str(rid)] = own
                for n in {own, *(person_name_key(a) for a in split_list(al))} - {""}:
                    idx.people.setdefault(n, []).append((str(rid), dob))
                for k in _initial_keys(own):
                    idx.forms.setdefault(k, set()).add(str(rid))
                    if dob is not None and not pd.isna(dob):
                        idx.initials.setdefault(k, []).append((str(rid), dob))
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
        """The id of the one child or person called ``name`` (born ``dob`` when given); an
        initial form (``"Tyrese O"``, ``"C Whitmore"``) with a date of birth: the one record of
        that form born that day."""
        key = person_name_key(name)
        cands = self.people.get(key, [])
        if not cands:
            forms = []
            # "QUIGLEY H" is read "H Quigley", but could be a forename in capitals ("COREY W"):
            # the initial forms of both readings are looked up
            for k in dict.fromkeys((key, _as_written(name))):
                toks = k.split()
                forms += [("fs", toks[0], toks[-1])] if len(toks) >= 2 and len(toks[-1]) == 1 and len(toks[0]) > 1 else []
                forms += [("if", toks[0], toks[-1])] if len(toks) >= 2 and len(toks[0]) == 1 and len(toks[-1]) > 1 else []
            if dob is not None and not pd.isna(dob) and self.initials:
                day = pd.Timestamp(dob)
                ids = sorted({rid for f in forms for rid, d in self.initials.get(f, []) if pd.Timestamp(d) == day})
                if len(ids) == 1:
                    return ids[0], ""
                if len(ids) > 1:
                    # twins ("E Irwell" for Ethan and Emma) are two people, one record per
                    # context; a child and its own nominal, one name, stay one reference
                    if len({self.name_of.get(r, r) for r in ids}) > 1:
                        return None, f"an initial form that {len(ids)} records born that day share"
                    return None, f"an initial form of one name that {len(ids)} records born that day have"
            elif dob is None or pd.isna(dob):
                fit = set().union(*(self.forms.get(f, set()) for f in forms)) if forms else set()
                # several records answer to it (Ethan Irwell, Ethan Ivison; or two men of one
                # name, born years apart): which each reference is, its context may say, one
                # record per context
                if len(fit) > 1:
                    return None, f"an initial form {len(fit)} records answer to (give a date of birth or an id to say which)"
            return None, "matches no child or person of concern"
        if dob is not None and not pd.isna(dob):
            same = [c for c in cands if c[1] is not None and not pd.isna(c[1]) and pd.Timestamp(c[1]) == pd.Timestamp(dob)]
            if not same:
                # a record of the name with no date of birth may be this person or a namesake:
                # the name keeps its date of birth in a record of its own, and resolution weighs it
                return None, ("has the name of a record with another date of birth"
                              if any(c[1] is not None and not pd.isna(c[1]) for c in cands)
                              else "has the name of a record with no date of birth")
            cands = same
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
    names: pd.Series, dobs: pd.Series | None, *, kind: str, index: NameIndex, context: pd.Series | None = None
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
    context
        Per name, what it was written beside (a link's other end), or None: a name several
        records share is made one provisional record per name and context, so each reference
        is resolved on its own evidence (a child's name and an adult's namesake written in
        different links are not forced into one record).

    Returns
    -------
    ids, provisional, why
        The id for every non-blank name (blank text elsewhere); the provisional records
        made (``id``, ``name``, ``date_of_birth``, first row position); and, for the names
        that became provisional, why they did not match.
    """
    if dobs is not None:
        parsed, _ = parse_dates(dobs.where(names != "", ""), kind="date")
    else:
        parsed = pd.Series(pd.NaT, index=names.index, dtype="datetime64[ns]")
    # answers gathered in lists and made Series once (setting cells one by one cost more than the matching)
    ids: list[str] = [""] * len(names)
    why: list[object] = [pd.NA] * len(names)
    made: dict[str, tuple[str, object, int]] = {}
    cache: dict[tuple[str, str, object], tuple[str | None, str]] = {}
    ctx = [""] * len(names) if context is None else context.reindex(names.index).fillna("").astype(str).tolist()
    for j, (i, name, day) in enumerate(zip(names.index.tolist(), names.tolist(), parsed.tolist(), strict=True)):
        if name == "":
            continue
        dob = None if pd.isna(day) else day
        # the name as read (forename first) and as written: "QUIGLEY H" and "H Quigley" read
        # alike, but the first may also be a forename in capitals, and the answers may differ
        key = ((person_name_key(name), _as_written(name), dob) if kind == "person"
               else (fold_name(name), "", dob))
        if key not in cache:
            cache[key] = index.person(name, dob) if kind == "person" else index.place(name)
        rid, reason = cache[key]
        if rid is None:
            shared = kind == "person" and _AMBIGUOUS.match(reason) is not None
            rid = provisional_record_id(kind, name, dob, ctx[j] if shared else "")
            made.setdefault(rid, (name, dob, i))
            why[j] = reason
        ids[j] = rid
    prov = pd.DataFrame(
        [(rid, n, d, pos) for rid, (n, d, pos) in made.items()],
        columns=["id", "name", "date_of_birth", "position"],
    )
    return (pd.Series(ids, index=names.index, dtype=object).astype(str), prov,
            pd.Series(why, index=names.index, dtype="string"))

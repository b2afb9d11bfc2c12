"""Finding a record in the workspace by its id or by its name, and never by guessing.

The team types what it knows: an id from a pack (``P0047``) or a name said at the meeting
("Bailey Fenwick"). :func:`find_record` accepts either when it names exactly one record:

* an **id** as held (an invisible character pasted with it, such as a zero-width space, is
  dropped; a different case is accepted when only one id matches);
* a **name** (or an alias) that exactly one record has, compared as a reader reads it (case,
  accents, spacing and "SURNAME, Forename" order do not matter).

Anything else is a :class:`RecordLookupError` that lists the candidates with what tells them
apart (kind, date of birth and age or category and postcode, the agencies whose links name
the record, the id), and nothing is stored. In particular:

* a name that two records share (a child and a person of concern both called "Jay Smith")
  is ambiguous;
* a name that *looks* the same as a record's name but is written with other letters (a
  Cyrillic "а" for a Latin "a": Unicode's confusables, UTS #39) is never taken for it: the
  records are listed, with the look-alike letters named, and the id must be given;
* a text that names no record lists the records whose names contain its words
  (:func:`search_records`).

Examples
--------
>>> skeleton("B\\u0430iley  FENWICK")  # a Cyrillic a
'bailey fenwick'
>>> lookalike_letters("B\\u0430iley")
["'а' (CYRILLIC SMALL LETTER A, looks like Latin 'a')"]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.privacy.folding import latin_lookalike, latin_lookalikes
from contextmap.schema import split_list
from contextmap.workspace import db
from contextmap.workspace.db import CHUNK

__all__ = ["Match", "RecordLookupError", "KIND_TABLES", "clean_text", "fold_name", "skeleton",
           "lookalike_letters", "find_record", "search_records", "describe_records", "names_of"]

KIND_TABLES = {"child": "children", "person": "persons", "location": "locations"}
"""The record kinds a lookup can return, with their workspace tables."""

_KIND_OF_TABLE = {t: k for k, t in KIND_TABLES.items()}

_APOSTROPHES = frozenset("'\u2019\u02bc`")
_NOT_WORD = re.compile(r"[\W_]+")


def clean_text(text: str) -> str:
    """``text`` with Unicode compatibility forms folded (NFKC), invisible characters removed
    (format characters such as zero-width spaces and direction marks, soft hyphens) and
    every run of white space made one space.

    Examples
    --------
    >>> clean_text(" P0001\\u200b ")
    'P0001'
    >>> clean_text("Ｂａｉｌｅｙ\\u00a0F")  # full-width letters, a no-break space
    'Bailey F'
    """
    norm = unicodedata.normalize("NFKC", str(text))
    kept = "".join(c for c in norm if unicodedata.category(c) not in ("Cf", "Cc") or c in "\t\n\r")
    return " ".join(kept.split())


def fold_name(text: Any, *, kind: str = "person") -> str:
    """A name in comparison form: case, accents, apostrophes, punctuation and spacing do not
    matter, letters of every script are kept as written (a Cyrillic "\u0430" stays itself: see
    :func:`skeleton` for the form that reads look-alikes as Latin), and for a child or person
    ``'SURNAME, Forename'`` is read as ``'Forename Surname'``.

    Examples
    --------
    >>> fold_name("FENWICK, Bailey") == fold_name("bailey  fenwick")
    True
    >>> fold_name("Zo\u00eb O'Brien")
    'zoe obrien'
    >>> fold_name("B\u0430iley") == fold_name("Bailey")  # a Cyrillic a: another name
    False
    """
    if not isinstance(text, str):
        return ""
    cleaned = clean_text(text)
    if kind in ("child", "person") and cleaned.count(",") == 1:  # "SURNAME, Forename" as registers write it
        head, tail = (x.strip() for x in cleaned.split(","))
        if head and tail and len(head.split()) == 1:
            cleaned = f"{tail} {head}"
    bare = "".join(c for c in unicodedata.normalize("NFKD", cleaned)
                   if not unicodedata.combining(c) and c not in _APOSTROPHES)
    return " ".join(_NOT_WORD.sub(" ", bare.casefold()).split())


def skeleton(text: Any, *, kind: str = "person") -> str:
    """:func:`fold_name` with letters that look like Latin ones read as those Latin letters
    (:func:`contextmap.privacy.folding.latin_lookalike`, Unicode's confusables table): two names
    with the same skeleton look the same to a reader."""
    if not isinstance(text, str):
        return ""
    return latin_lookalikes(fold_name(latin_lookalikes(clean_text(text)).lower(), kind=kind))


def lookalike_letters(text: str) -> list[str]:
    """The letters of ``text`` from other scripts that look like Latin letters, named."""
    out = []
    for c in dict.fromkeys(text):
        latin = latin_lookalike(c)
        if latin:
            out.append(f"{c!r} ({unicodedata.name(c, f'U+{ord(c):04X}')}, looks like Latin {latin!r})")
    return out


@dataclass(frozen=True)
class Match:
    """A record found by :func:`find_record` or :func:`search_records`.

    Attributes
    ----------
    record_id
        The record's id.
    kind
        ``'child'``, ``'person'`` or ``'location'``.
    name
        Its name as recorded (``None`` if it has none).
    born
        Date of birth (children and persons), if recorded.
    category, postcode
        For a location.
    agencies
        The source types (``police``, ``rhi``, ``education``...) of the links that name it.
    how
        How the text matched: ``'id'``, ``'name'``, ``'alias'``, ``'look-alike name'``, ``'search'``.
    """

    record_id: str
    kind: str
    name: str | None = None
    born: date | None = None
    category: str | None = None
    postcode: str | None = None
    agencies: tuple[str, ...] = ()
    how: str = "id"
    aliases: tuple[str, ...] = field(default=(), repr=False)

    def age(self, today: date | None = None) -> int | None:
        """Age in whole years on ``today`` (default: today), or ``None`` without a date of birth."""
        if self.born is None:
            return None
        t = today or date.today()
        return t.year - self.born.year - ((t.month, t.day) < (self.born.month, self.born.day))

    def describe(self, *, today: date | None = None) -> str:
        """One line that tells this record from others: id, kind, name, age or place, agencies.

        Examples
        --------
        >>> Match("P0047", "person", "Bailey F", born=date(1998, 3, 7), agencies=("police",)).describe(
        ...     today=date(2026, 12, 1))
        "P0047  person  'Bailey F'  born 1998-03-07 (adult, 28)  named in police links"
        """
        parts = [self.record_id, self.kind, repr(self.name) if self.name else "(no name)"]
        if self.kind in ("child", "person"):
            age = self.age(today)
            if self.born is None:
                parts.append("no date of birth")
            else:
                parts.append(f"born {self.born:%Y-%m-%d} ({'adult, ' if age is not None and age >= 18 else 'age '}{age})")
        else:
            parts.append(", ".join(x for x in (self.category, self.postcode) if x) or "no category or postcode")
        parts.append(f"named in {', '.join(self.agencies)} links" if self.agencies else "in no link")
        if self.how not in ("id", "name", "search"):
            parts.append(f"(matched by {self.how})")
        return "  ".join(parts)


class RecordLookupError(WorkspaceError):
    """A text names no record, or more than one: nothing was stored.

    Attributes
    ----------
    text
        What was given.
    candidates
        The records it might mean (for a text naming none: the records a search finds).
    ambiguous
        True when the text names several records; False when it names none.
    """

    def __init__(self, message: str, *, text: str, candidates: list[Match], ambiguous: bool) -> None:
        super().__init__(message)
        self.text = text
        self.candidates = candidates
        self.ambiguous = ambiguous


def _tables(kinds: tuple[str, ...]) -> list[str]:
    bad = [k for k in kinds if k not in KIND_TABLES]
    if bad or not kinds:
        raise WorkspaceError(f"Expected kinds among {list(KIND_TABLES)}, instead got: {list(kinds)!r}")
    return [KIND_TABLES[k] for k in kinds]


def _id_hits(conn: sa.Connection, ids: list[str], tables: list[str]) -> dict[str, str]:
    """{record id: kind} for the ids held (current records) in ``tables``."""
    out: dict[str, str] = {}
    for table in tables:
        T = db.DATA_TABLES[table]
        for chunk in (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)):
            for key in conn.execute(sa.select(T.c.record_key).where(T.c.is_current, T.c.record_key.in_(chunk))).scalars():
                out.setdefault(str(key), _KIND_OF_TABLE[table])
    return out


def _names(conn: sa.Connection, tables: list[str]) -> pd.DataFrame:
    """Every current record's id, kind and names (name, then each alias) in ``tables``."""
    rows: list[tuple[str, str, str, str]] = []
    for table in tables:
        T = db.DATA_TABLES[table]
        cols = [T.c.record_key, T.c.name] + ([T.c.aliases] if table == "persons" else [])
        for r in conn.execute(sa.select(*cols).where(T.c.is_current)):
            kind = _KIND_OF_TABLE[table]
            if isinstance(r[1], str) and r[1].strip():
                rows.append((str(r[0]), kind, r[1], "name"))
            if table == "persons":
                rows += [(str(r[0]), kind, a, "alias") for a in split_list(r[2])]
    return pd.DataFrame(rows, columns=["record_id", "kind", "text", "how"])


def names_of(conn: sa.Connection, ids: list[str] | set[str]) -> dict[str, str | None]:
    """The current name of each id held (children, persons, locations); ``None`` for a record
    without a name. Ids not held are left out."""
    ids = sorted({str(i) for i in ids})
    out: dict[str, str | None] = {}
    for table in ("children", "persons", "locations"):
        T = db.DATA_TABLES[table]
        for chunk in (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)):
            for key, name in conn.execute(sa.select(T.c.record_key, T.c.name).where(T.c.is_current, T.c.record_key.in_(chunk))):
                out.setdefault(str(key), name if isinstance(name, str) and name.strip() else None)
    return out


def describe_records(conn_or_engine: sa.Connection | sa.Engine, ids: list[str], *,
                     how: dict[str, str] | None = None) -> list[Match]:
    """The :class:`Match` of each id held in the workspace (in the order given; ids not held
    are left out), with its name, date of birth or place, and the agencies of its links."""
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return describe_records(conn, ids, how=how)
    conn = conn_or_engine
    ids = list(dict.fromkeys(str(i) for i in ids))
    found: dict[str, dict[str, Any]] = {}
    rec: dict[str, Any]
    for table in ("children", "persons", "locations"):
        T = db.DATA_TABLES[table]
        cols = [T.c.record_key, T.c.name]
        cols += [T.c.category, T.c.postcode] if table == "locations" else [T.c.date_of_birth]
        cols += [T.c.aliases] if table == "persons" else []
        for chunk in (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)):
            for row in conn.execute(sa.select(*cols).where(T.c.is_current, T.c.record_key.in_(chunk))).mappings():
                rec = dict(row)
                rec["kind"] = _KIND_OF_TABLE[table]
                found.setdefault(str(row["record_key"]), rec)
    agencies: dict[str, set[str]] = {i: set() for i in found}
    L = db.DATA_TABLES["links"]
    keys = list(found)
    for end in (L.c.source_id, L.c.target_id):
        for chunk in (keys[i:i + CHUNK] for i in range(0, len(keys), CHUNK)):
            for rid, src in conn.execute(sa.select(end, L.c.source_type).distinct()
                                         .where(L.c.is_current, end.in_(chunk))):
                if isinstance(src, str) and src:
                    agencies[str(rid)].add(src)
    out = []
    for i in ids:
        if i not in found:
            continue
        r = found[i]
        dob = r.get("date_of_birth")
        born = None if dob is None or (not isinstance(dob, str) and pd.isna(dob)) else pd.Timestamp(dob).date()
        out.append(Match(
            record_id=i, kind=r["kind"], name=r["name"] if isinstance(r["name"], str) else None, born=born,
            category=r.get("category"), postcode=r.get("postcode"), agencies=tuple(sorted(agencies[i])),
            how=(how or {}).get(i, "id"), aliases=tuple(split_list(r.get("aliases"))),
        ))
    return out


def _listing(matches: list[Match], limit: int = 12) -> str:
    lines = [f"  {m.describe()}" for m in matches[:limit]]
    if len(matches) > limit:
        lines.append(f"  ... and {len(matches) - limit} more (narrow the search)")
    return "\n".join(lines)


def find_record(conn_or_engine: sa.Connection | sa.Engine, text: str, *,
                kinds: tuple[str, ...] = ("child", "person", "location"), argument: str = "the record") -> Match:
    """The one record ``text`` names, by id or by name (see the module docstring).

    Parameters
    ----------
    conn_or_engine
        The workspace's engine, or an open connection.
    text
        An id or a name.
    kinds
        The kinds of record it may be (``'child'``, ``'person'``, ``'location'``).
    argument
        How to name the argument in a message (``'A'``, ``'--subject'``...).

    Raises
    ------
    RecordLookupError
        If ``text`` names no record or several; the message lists the candidates.
    """
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return find_record(conn, text, kinds=kinds, argument=argument)
    conn = conn_or_engine
    if not isinstance(text, str) or not clean_text(text):
        raise WorkspaceError(f"Expected {argument} to be an id or a name, instead got: {text!r}")
    tables = _tables(kinds)
    cleaned = clean_text(text)
    hits = _id_hits(conn, list(dict.fromkeys([text, cleaned])), tables)
    what = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]
    if hits:
        # an id is taken as given unless another record has exactly that text as its name
        T_hits = {rid for table in tables for rid in conn.execute(
            sa.select(db.DATA_TABLES[table].c.record_key).where(
                db.DATA_TABLES[table].c.is_current, db.DATA_TABLES[table].c.name.in_([text, cleaned]))).scalars()}
        ids = sorted(set(hits) | {str(x) for x in T_hits})
        if len(ids) == 1:
            return describe_records(conn, ids)[0]
        how = {i: ("id" if i in hits else "name") for i in ids}
        cands = describe_records(conn, ids, how=how)
        raise RecordLookupError(
            f"Expected {argument} to name one {what}, instead got {text!r}, which is the id of one record and the "
            f"name of another; give the id of the one you mean:\n{_listing(cands)}",
            text=text, candidates=cands, ambiguous=True)
    names = _names(conn, tables)
    if len(names):
        kind_of = names["kind"].tolist()
        texts = names["text"].tolist()
        skel = [skeleton(t, kind=k) for t, k in zip(texts, kind_of, strict=True)]
        fold = [fold_name(t, kind=k) for t, k in zip(texts, kind_of, strict=True)]
        names = names.assign(skeleton=skel, fold=fold)
        q_skel = {skeleton(cleaned, kind=k) for k in kinds}
        q_fold = {fold_name(cleaned, kind=k) for k in kinds}
        same_look = names[names["skeleton"].isin(q_skel) & (names["skeleton"] != "")]
        exact = same_look[same_look["fold"].isin(q_fold)]
        ids = list(dict.fromkeys(same_look["record_id"]))
        if len(ids) == 1 and len(exact):
            return describe_records(conn, ids, how={ids[0]: str(exact["how"].iloc[0])})[0]
        if ids:
            how = {}
            for r in same_look.itertuples():
                how.setdefault(r.record_id, r.how if r.fold in q_fold else f"look-alike {r.how}")
            cands = describe_records(conn, ids, how=how)
            odd = lookalike_letters(cleaned) + [x for c in cands for x in lookalike_letters(c.name or "")]
            note = ("\n  note: these names look the same but are written with different letters: "
                    + "; ".join(dict.fromkeys(odd))) if odd else ""
            many = (f"names {len(ids)} records" if len(ids) > 1 else
                    "is not exactly the name of any record but looks the same as this one")
            raise RecordLookupError(
                f"Expected {argument} to name one {what}, instead got {text!r}, which {many}; "
                f"give the id of the one you mean:\n{_listing(cands)}{note}",
                text=text, candidates=cands, ambiguous=True)
    # a different case of an id, when only one id matches
    folded_ids = _case_insensitive_ids(conn, cleaned, tables)
    if len(folded_ids) == 1:
        return describe_records(conn, folded_ids)[0]
    found = search_records(conn, cleaned, kinds=kinds)
    listing = f"; records whose names contain its words:\n{_listing(found)}" if found else ""
    raise RecordLookupError(
        f"Expected {argument} to be the id or the name of a {what} the workspace holds, instead got "
        f"{text!r}, which names none{listing}",
        text=text, candidates=found, ambiguous=False)


def _case_insensitive_ids(conn: sa.Connection, text: str, tables: list[str]) -> list[str]:
    out: list[str] = []
    for table in tables:
        T = db.DATA_TABLES[table]
        out += [str(k) for k in conn.execute(sa.select(T.c.record_key).where(
            T.c.is_current, sa.func.lower(T.c.record_key) == text.lower())).scalars()]
    return sorted(set(out))


def search_records(conn_or_engine: sa.Connection | sa.Engine, text: str, *,
                   kinds: tuple[str, ...] = ("child", "person", "location"), limit: int = 50) -> list[Match]:
    """The records whose name or alias holds every word of ``text`` (each as the start of a
    word; letters that look alike count as the same), or whose id contains ``text``; exact
    names first, then names starting with the text, then by kind and name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from contextmap.workspace import init_workspace
    >>> from contextmap.sample import generate_sample
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> ws = init_workspace(d / "w.cmw")
    >>> _ = ws.import_source(generate_sample(children=20, seed=1).write(d / "export"))
    >>> name = ws.dataset().children["name"].iloc[0]
    >>> [m.kind for m in search_records(ws.engine, name.split()[0])][:1]
    ['child']
    """
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            return search_records(conn, text, kinds=kinds, limit=limit)
    conn = conn_or_engine
    cleaned = clean_text(text) if isinstance(text, str) else ""
    words = skeleton(cleaned, kind="location").split()
    if not words:
        return []
    tables = _tables(kinds)
    names = _names(conn, tables)
    scored: dict[str, tuple[int, int, str]] = {}
    order = {k: i for i, k in enumerate(kinds)}
    if len(names):
        whole = " ".join(words)
        for rid, kind, name, _how in names.itertuples(index=False):
            sk = skeleton(name, kind="location")
            tokens = sk.split()
            if all(any(t.startswith(w) for t in tokens) for w in words):
                rank = 0 if sk == whole else 1 if sk.startswith(whole) else 2
                best = scored.get(rid)
                if best is None or rank < best[0]:
                    scored[rid] = (rank, order[kind], sk)
    low = cleaned.lower()
    for table in tables:
        T = db.DATA_TABLES[table]
        if len(low) >= 2:
            for k in conn.execute(sa.select(T.c.record_key).where(
                    T.c.is_current, sa.func.lower(T.c.record_key).contains(low, autoescape=True)).limit(limit)).scalars():
                scored.setdefault(str(k), (3, order[_KIND_OF_TABLE[table]], str(k)))
    ranked = sorted(scored, key=lambda r: (*scored[r], r))[:limit]
    return describe_records(conn, ranked, how={r: "search" for r in ranked})

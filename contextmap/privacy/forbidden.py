"""What must not appear: the identifiers an output for an audience must not hold, and the
names written to slip past a reader (:func:`disguised_names`), which a pack for an audience
without names refuses."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import regex

from contextmap._errors import PrivacyError
from contextmap.dataset import Dataset
from contextmap.privacy.audiences import Audience, get_audience
from contextmap.privacy.folding import is_invisible
from contextmap.privacy.redact import home_location_ids, restricted_links

__all__ = ["Forbidden", "forbidden_identifiers", "forbidden_with_resolved", "scan_set", "NAME_FIELDS", "disguised_names", "check_disguised_names"]

class Forbidden(frozenset):
    """A set of forbidden strings that also knows each string's kind.

    Behaves as a ``frozenset[str]``; ``kinds`` maps each string to what it is
    (``'child name'``, ``'entity id'``...); names match case-insensitively, ids exactly.
    """

    kinds: dict[str, str]
    case_insensitive: frozenset[str]
    origins: dict[str, str]
    """Where each string comes from in the input (``'children row 4'``), for messages that
    must name the identifier without quoting it."""

    def __new__(cls, kinds: Mapping[str, str], case_insensitive: Iterable[str] = (),
                origins: Mapping[str, str] | None = None) -> Forbidden:
        obj = super().__new__(cls, kinds)
        obj.kinds = dict(kinds)
        obj.case_insensitive = frozenset(case_insensitive) & frozenset(kinds)
        obj.origins = {k: v for k, v in (origins or {}).items() if k in obj.kinds}
        return obj

    def kind(self, value: str) -> str:
        return self.kinds.get(value, "identifier")


CASE_INSENSITIVE_FROM = 4
"""Names and addresses this long or longer are found in any case; shorter ones only as
written ("ST" the alias is not "St" the street). So a name shorter than this is never shown
in other capitals than the records give it (:mod:`contextmap.resolve.naming`)."""


def forbidden_identifiers(
    ds: Dataset, audience: str | Audience, *, settings: Any = None, min_length: int = 2
) -> Forbidden:
    """The strings from the *original* dataset that an output for ``audience`` must not hold.

    Names (children, persons, aliases, home-address names and full postcodes, unless a
    public place shares them; names shorter than 4 characters match case-sensitively)
    when the audience does not see names; phone numbers, vehicles and handles when it does not see
    free text; every raw id (entity, episode and link ids) when it does not see ids; the
    link ids and summaries of withheld links always. Strings shorter than ``min_length``
    are left out: they cannot be told apart from ordinary text. A summary that is also the
    summary of a link the audience does see is left out too.

    Examples
    --------
    >>> from contextmap.privacy.example import example_dataset
    >>> f = forbidden_identifiers(example_dataset(), "partner")
    >>> "Ava Example" in f, f.kind("C1")
    (True, 'entity id')
    >>> sorted(forbidden_identifiers(example_dataset(), "police"))
    []
    """
    aud = get_audience(audience, settings=settings)
    kinds: dict[str, str] = {}
    ci: set[str] = set()
    origins: dict[str, str] = {}

    def add(values: Iterable[Any], kind: str, *, case_insensitive: bool = False, table: str = "") -> None:
        items = values.items() if isinstance(values, pd.Series) else ((None, v) for v in values)
        for idx, v in items:
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            s = str(v).strip()
            if len(s) < min_length or s in kinds:
                continue
            kinds[s] = kind
            if table:
                origins[s] = f"{table} row {idx}" if idx is not None else table
            if case_insensitive and len(s) >= CASE_INSENSITIVE_FROM:  # 'ST' the alias is not 'St' the street
                ci.add(s)

    def rows(df: pd.DataFrame, col: str) -> pd.Series:
        """``df[col]`` indexed by input row (header is row 1, as validation reports rows)."""
        if "_row" in df.columns:  # a quarantine table carries its input row
            return pd.Series(df[col].to_numpy(), index=df["_row"].to_numpy()).dropna()
        if pd.api.types.is_integer_dtype(df.index):
            return pd.Series(df[col].to_numpy(), index=df.index.to_numpy() + 2).dropna()
        return df[col].dropna().reset_index(drop=True)

    quarantine = getattr(ds.report, "quarantined", None) or {}

    def quarantined(table: str, col: str) -> pd.Series:
        q = quarantine.get(table)
        if q is None or col not in getattr(q, "columns", ()):
            return pd.Series([], dtype=object)
        return rows(q, col)

    from contextmap.schema import split_list

    if not aud.show_ids:
        add(rows(ds.children, "child_id"), "entity id", table="children")
        add(rows(ds.persons, "person_id"), "entity id", table="persons")
        add(rows(ds.locations, "location_id"), "entity id", table="locations")
        add(rows(ds.episodes, "episode_id"), "episode id", table="episodes")
        add(rows(ds.links, "link_id"), "link id", table="links")
        for table, col in (("children", "child_id"), ("persons", "person_id"), ("locations", "location_id")):
            add(quarantined(table, col), "entity id", table=f"{table} (quarantined)")
    if not aud.show_names:
        add(rows(ds.children, "name"), "child name", case_insensitive=True, table="children")
        add(rows(ds.persons, "name"), "person name", case_insensitive=True, table="persons")
        # quarantined rows are never shown, but a name in them is still a name
        add(quarantined("children", "name"), "child name", case_insensitive=True, table="children (quarantined)")
        add(quarantined("persons", "name"), "person name", case_insensitive=True, table="persons (quarantined)")
        # known homes only: an uncategorised place is pseudonymised as a precaution, but its
        # name is often a public place's name too, so it is not looked for
        homes = ds.locations["location_id"].astype(str).isin(home_location_ids(ds, uncategorised=False))
        # a home's name or postcode that a public place also carries is the public place's
        public = {str(v).strip().lower() for c in ("name", "postcode") if c in ds.locations.columns
                  for v in ds.locations.loc[~homes, c].dropna()}
        home_names = rows(ds.locations.loc[homes], "name")
        add(home_names[~home_names.astype(str).str.strip().str.lower().isin(public)],
            "home address", case_insensitive=True, table="locations")
        if "postcode" in ds.locations.columns:
            home_pc = rows(ds.locations.loc[homes], "postcode")
            add(home_pc[~home_pc.astype(str).str.strip().str.lower().isin(public)],
                "home postcode", case_insensitive=True, table="locations")
    if not aud.show_free_text:
        for col, kind in (
            ("aliases", "alias"),
            ("phone", "phone number"),
            ("vehicle", "vehicle"),
            ("social_media", "social-media handle"),
        ):
            cells = rows(ds.persons, col)
            vals = pd.Series([x for cell in cells for x in split_list(cell)],
                             index=[i for i, cell in cells.items() for _x in split_list(cell)], dtype=object)
            add(vals, kind, case_insensitive=True, table="persons")
    withheld = restricted_links(ds.links, aud)
    if withheld.any():
        add(rows(ds.links.loc[withheld], "link_id"), "withheld link id", table="links")
        shown = set(ds.links.loc[~withheld, "summary"].dropna().astype(str).str.strip())
        summaries = rows(ds.links.loc[withheld], "summary")
        add(summaries[~summaries.astype(str).str.strip().isin(shown)], "withheld link summary",
            case_insensitive=True, table="links")
    return Forbidden(kinds, ci, origins)


NAME_FIELDS = (("children", "name"), ("persons", "name"), ("persons", "aliases"), ("locations", "name"))
"""The input fields that name someone (or, for a place, may): the fields checked for disguises."""

_WORD = regex.compile(r"[\p{L}\p{M}\p{Nd}\p{Cf}\p{Default_Ignorable_Code_Point}]+")
_LOOKALIKE_SCRIPTS = ("Latin", "Greek", "Cyrillic", "Armenian", "Cherokee", "Coptic")
_SCRIPT = {name: regex.compile(rf"\p{{Script={name}}}") for name in _LOOKALIKE_SCRIPTS}
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of spelling in Arabic and Indic scripts
_SPACED = regex.compile(r"(?<![\p{L}\p{N}])\p{L}(?:[\s._\-\u00b7]{1,2}\p{L}(?![\p{L}\p{N}])){3,}")


def forbidden_with_resolved(ds: Dataset, resolved: Dataset, audience: str | Audience, *,
                            settings: Any = None) -> Forbidden:
    """:func:`forbidden_identifiers` of the records as read and, when entity resolution made
    ``resolved``, of its records too (provisional entities from RHI mentions, merged aliases)."""
    forbidden = forbidden_identifiers(ds, audience, settings=settings)
    if resolved is ds:
        return forbidden
    extra = forbidden_identifiers(resolved, audience, settings=settings)
    return Forbidden(
        {**extra.kinds, **forbidden.kinds}, forbidden.case_insensitive | extra.case_insensitive,
        {**{k: "the resolved records (an RHI mention or a merged record)" for k in extra.kinds},
         **forbidden.origins},
    )


def scan_set(forbidden: Forbidden, red: Dataset) -> Forbidden:
    """The strings the final scan of an output for ``red`` looks for, less two kinds of certain
    false positive.

    * aliases and person names of one or two characters (initials such as ``'LI'``, and the
      provisional persons that resolution makes from initials mentioned in Return Home
      Interviews): they occur in ordinary text, markup (``<li>``) and minified scripts
      (``LE=``), and identify no one on their own;
    * a home postcode that is also the postcode of a location this audience is shown (a shop
      in the same postcode): the audience sees it as that shop's postcode.
    """
    shown = set(red.locations["postcode"].dropna().astype(str).str.strip().str.upper())
    kinds = {
        s: k for s, k in forbidden.kinds.items()
        if not (k in ("alias", "person name") and len(s) < 3) and not (k == "home postcode" and s.upper() in shown)
    }
    return Forbidden(kinds, set(forbidden.case_insensitive) & set(kinds), getattr(forbidden, "origins", {}))


def _script(c: str) -> str | None:
    for name, rx in _SCRIPT.items():
        if rx.match(c):
            return name
    return None


def _disguises(text: str) -> list[str]:
    """What in ``text`` is written to look like something else (never the text itself)."""
    found: list[str] = []
    if text.isascii():
        return ["letter spacing (single letters apart)"] if _SPACED.search(text) else []
    visible = [(i, c) for i, c in enumerate(text) if not is_invisible(c)]
    for k, (i, c) in enumerate(visible[:-1]):
        j, d = visible[k + 1]
        if j == i + 1 or not (c.isalnum() and d.isalnum()):
            continue  # an invisible character at a word's edge (pasted text) hides nothing
        for x in text[i + 1:j]:
            if x in _JOINERS and (_script(c) is None or _script(d) is None):
                continue  # a joiner between letters of a script that uses it (Arabic, Indic)
            found.append(f"invisible character U+{ord(x):04X} ({unicodedata.name(x, 'unnamed')}) inside a word")
    for m in _WORD.finditer(text):
        word = m.group(0)
        scripts = {s for c in word if c.isalpha() and (s := _script(c)) is not None}
        if len(scripts) > 1:
            found.append("letters of different scripts in one word (" + ", ".join(sorted(scripts)) + ")")
        if any(c.isalnum() and unicodedata.normalize("NFKC", c) != c and unicodedata.normalize("NFKC", c).isascii()
               for c in word):
            found.append("full-width, mathematical or other compatibility letters")
    if _SPACED.search(text):
        found.append("letter spacing (single letters apart)")
    return list(dict.fromkeys(found))


def disguised_names(ds: Dataset) -> pd.DataFrame:
    """The name fields (:data:`NAME_FIELDS`, quarantined rows included) written to slip
    past a reader: an invisible character inside a word, letters of two scripts in one word
    (a Cyrillic "\u0435" in a Latin name), full-width or mathematical letters, or letter
    spacing (``'K y l e'``). A name written wholly in one script is not a disguise.

    Returns a table with ``table``, ``file``, ``row`` (as validation counts rows: the
    header is row 1), ``column`` and ``reason``; never the value.

    Examples
    --------
    >>> from contextmap.privacy.example import example_dataset
    >>> ds = example_dataset(); ds.children.loc[0, "name"] = "Av\u0430 Ex\u200eample"
    >>> found = disguised_names(ds)
    >>> found[["table", "row", "column"]].drop_duplicates().values.tolist(), len(found)
    ([['children', 2, 'name']], 2)
    >>> found["reason"].tolist()[0]
    'invisible character U+200E (LEFT-TO-RIGHT MARK) inside a word'
    """
    quarantine = getattr(ds.report, "quarantined", None) or {}
    out = []
    for table, col in NAME_FIELDS:
        frames = [(ds.table(table), False)]
        if quarantine.get(table) is not None:
            frames.append((quarantine[table], True))
        for df, quarantined in frames:
            if col not in getattr(df, "columns", ()):
                continue
            if "_row" in df.columns:
                rows = df["_row"].tolist()
            elif pd.api.types.is_integer_dtype(df.index):
                rows = [int(i) + 2 for i in df.index]
            else:
                rows = [None] * len(df)
            for row, value in zip(rows, df[col].tolist(), strict=True):
                if not isinstance(value, str):
                    continue
                for reason in _disguises(value):
                    out.append({"table": table, "file": f"{table}.csv", "row": row,
                                "column": col + (" (quarantined row)" if quarantined else ""), "reason": reason})
    return pd.DataFrame(out, columns=["table", "file", "row", "column", "reason"])


def check_disguised_names(ds: Dataset, audience: str | Audience, *, settings: Any = None) -> None:
    """Refuse, for an audience that does not see names, a dataset whose name fields are
    disguised (:func:`disguised_names`): such a name is written to slip past a reader, so it
    is fixed at the source before anything is shared.

    Raises
    ------
    PrivacyError
        Naming each file, row and column and what is wrong, never the name; its
        ``problems`` carry the table.

    Examples
    --------
    >>> from contextmap.privacy.example import example_dataset
    >>> check_disguised_names(example_dataset(), "partner")
    """
    aud = get_audience(audience, settings=settings)
    if aud.show_names:
        return
    found = disguised_names(ds)
    if found.empty:
        return
    lines = [f"  {r.file} row {r.row if r.row is not None else '?'} column {r.column}: {r.reason}"
             for r in found.head(20).itertuples()]
    if len(found) > 20:
        lines.append(f"  ... and {len(found) - 20} more")
    err = PrivacyError(
        f"Expected names written plainly for the {aud.name} audience, instead got {len(found)} name field(s) "
        "written to slip past a reader (look-alike letters of another script, invisible characters, letter "
        "spacing); correct them at the source, nothing is shared until then:\n" + "\n".join(lines))
    err.problems = found  # type: ignore[attr-defined]
    raise err

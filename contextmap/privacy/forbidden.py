"""What must not appear: the identifiers an output for an audience must not hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from contextmap.dataset import Dataset
from contextmap.privacy.audiences import Audience, get_audience
from contextmap.privacy.redact import home_location_ids, restricted_links

__all__ = ["Forbidden", "forbidden_identifiers"]

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
            if case_insensitive and len(s) >= 4:  # 'ST' the alias is not 'St' the street
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

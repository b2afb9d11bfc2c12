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

    def __new__(cls, kinds: Mapping[str, str], case_insensitive: Iterable[str] = ()) -> Forbidden:
        obj = super().__new__(cls, kinds)
        obj.kinds = dict(kinds)
        obj.case_insensitive = frozenset(case_insensitive) & frozenset(kinds)
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

    def add(values: Iterable[Any], kind: str, *, case_insensitive: bool = False) -> None:
        for v in values:
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            s = str(v).strip()
            if len(s) < min_length or s in kinds:
                continue
            kinds[s] = kind
            if case_insensitive and len(s) >= 4:  # 'ST' the alias is not 'St' the street
                ci.add(s)

    from contextmap.schema import split_list

    if not aud.show_ids:
        add(ds.children["child_id"].dropna(), "entity id")
        add(ds.persons["person_id"].dropna(), "entity id")
        add(ds.locations["location_id"].dropna(), "entity id")
        add(ds.episodes["episode_id"].dropna(), "episode id")
        add(ds.links["link_id"].dropna(), "link id")
    if not aud.show_names:
        add(ds.children["name"].dropna(), "child name", case_insensitive=True)
        add(ds.persons["name"].dropna(), "person name", case_insensitive=True)
        # known homes only: an uncategorised place is pseudonymised as a precaution, but its
        # name is often a public place's name too, so it is not looked for
        homes = ds.locations["location_id"].astype(str).isin(home_location_ids(ds, uncategorised=False))
        # a home's name or postcode that a public place also carries is the public place's
        public = {str(v).strip().lower() for c in ("name", "postcode") if c in ds.locations.columns
                  for v in ds.locations.loc[~homes, c].dropna()}
        add([v for v in ds.locations.loc[homes, "name"].dropna() if str(v).strip().lower() not in public],
            "home address", case_insensitive=True)
        if "postcode" in ds.locations.columns:
            add([v for v in ds.locations.loc[homes, "postcode"].dropna() if str(v).strip().lower() not in public],
                "home postcode", case_insensitive=True)
    if not aud.show_free_text:
        for col, kind in (
            ("aliases", "alias"),
            ("phone", "phone number"),
            ("vehicle", "vehicle"),
            ("social_media", "social-media handle"),
        ):
            vals = [x for cell in ds.persons[col].dropna() for x in split_list(cell)]
            add(vals, kind, case_insensitive=True)
    withheld = restricted_links(ds.links, aud)
    if withheld.any():
        add(ds.links.loc[withheld, "link_id"].dropna(), "withheld link id")
        shown = set(ds.links.loc[~withheld, "summary"].dropna().astype(str).str.strip())
        add(
            [s for s in ds.links.loc[withheld, "summary"].dropna().astype(str) if s.strip() not in shown],
            "withheld link summary",
            case_insensitive=True,
        )
    return Forbidden(kinds, ci)

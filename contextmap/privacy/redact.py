"""Redaction: the dataset an audience may see, computed before anything is drawn.

A pack is never redacted after it is drawn. :func:`redact_dataset` returns a new
:class:`~contextmap.dataset.Dataset` holding only what the audience may see, and every
analysis, map, network view, export and pack is computed from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap._errors import PrivacyError
from contextmap.dataset import Dataset, ValidationReport
from contextmap.privacy.audiences import Audience, get_audience
from contextmap.privacy.folding import contains_name, reader_fold, reader_variants
from contextmap.privacy.pseudonyms import Pseudonymiser

__all__ = [
    "redact_dataset",
    "RedactedResolution",
    "restricted_links",
    "PRIVATE_CATEGORIES",
    "home_location_ids",
    "names_in_places",
    "UNKNOWN_RELATION",
    "check_redacted_for",
]

_QUOTED_MENTION = r"""^RHI mention (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"):"""


def _str_na(series: pd.Series) -> pd.Series:
    return pd.Series(pd.NA, index=series.index, dtype="string")


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(pd.NA, index=df.index, dtype="object")


def _is(series: pd.Series, value: str) -> pd.Series:
    return series.astype("string").eq(value).fillna(False).astype(bool)


def restricted_links(links: pd.DataFrame, audience: Audience) -> pd.Series:
    """Boolean mask of the links the audience must not see (C-coded, E-graded)."""
    mask = pd.Series(False, index=links.index)
    if not audience.include_handling_c:
        hc = _col(links, "handling_code").astype("string")
        police = _is(_col(links, "source_type"), "police")
        mask |= _is(hc, "C") | (hc.isna().to_numpy() & police)
    if not audience.include_e_graded:
        mask |= _is(_col(links, "intelligence_assessment"), "E")
    return mask


PRIVATE_CATEGORIES = ("address", "care_home")
"""Location categories where people live: treated as addresses (see ``docs/privacy.md``)."""


def home_location_ids(ds: Dataset, *, uncategorised: bool = True) -> set[str]:
    """Places where people live, or may: addresses, care homes, homes, ``lives_at`` places,
    and (``uncategorised``) places with no category: unknown is treated as private.

    A home stays a home whatever the state of the row that points at it: the home of a
    quarantined child, or a quarantined ``lives_at`` link, makes the place private too.
    """
    ids = set(ds.children["home_location_id"].dropna().astype(str))
    links = ds.links
    lives = _is(links["relation"], "lives_at")
    loc_ids = set(ds.locations["location_id"].dropna().astype(str))
    for col in ("source_id", "target_id"):
        ids |= {v for v in links.loc[lives, col].dropna().astype(str) if v in loc_ids}
    quarantine = getattr(ds.report, "quarantined", None) or {}
    qc = quarantine.get("children")
    if qc is not None and "home_location_id" in qc.columns:
        ids |= {str(v).strip() for v in qc["home_location_id"].dropna()}
    ql = quarantine.get("links")
    if ql is not None and {"relation", "source_id", "target_id"} <= set(ql.columns):
        q_lives = ql["relation"].astype("string").str.strip().str.lower().eq("lives_at").fillna(False).astype(bool)
        for col in ("source_id", "target_id"):
            ids |= {str(v).strip() for v in ql.loc[q_lives, col].dropna() if str(v).strip() in loc_ids}
    cat = ds.locations["category"].astype("string")
    private = cat.isin(PRIVATE_CATEGORIES).fillna(False).astype(bool)
    if uncategorised:
        private |= cat.isna().to_numpy()
    ids |= set(ds.locations.loc[private, "location_id"].dropna().astype(str))
    return ids


def names_in_places(ds: Dataset) -> pd.Series:
    """Boolean mask of the locations whose name holds a child's or person's name, as a
    reader reads it (any case, accents, separators or part order: ``'Chloe Dawson Cafe'``,
    ``'Wharton, Megan'``). Such a place name is treated as data, not vocabulary: an
    audience that does not see names sees its pseudonym instead.
    """
    names: dict[str, str] = {}
    quarantine = getattr(ds.report, "quarantined", None) or {}
    for table in ("children", "persons"):
        frames = [ds.table(table)]
        if quarantine.get(table) is not None:
            frames.append(quarantine[table])
        for df in frames:
            if "name" in df.columns:
                for v in df["name"].dropna().astype(str):
                    if len(v.strip()) >= 4:
                        names[v.strip()] = "person name"
    variants = {v for n in names for v in reader_variants(n)}
    flags = [isinstance(v, str) and bool(variants) and (contains_name(reader_fold(v), variants)
                                                          or contains_name(reader_fold(v, split=False), variants))
             for v in ds.locations["name"]]
    return pd.Series(flags, index=ds.locations.index, dtype=bool)


UNKNOWN_RELATION = "other"
"""What an audience without free text sees for a relation word outside the vocabulary."""


def _age(dob: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    d = pd.to_datetime(dob, errors="coerce")
    years = as_of.year - d.dt.year
    before = (d.dt.month > as_of.month) | ((d.dt.month == as_of.month) & (d.dt.day > as_of.day))
    age = years - before.astype("float64")
    return age.astype("Int64")


def _snap_points(locs: gpd.GeoDataFrame, mask: pd.Series, cell_m: int) -> gpd.GeoDataFrame:
    """Move the masked points to the centre of their ``cell_m`` British National Grid cell."""
    present = np.array([g is not None and not g.is_empty for g in locs.geometry], dtype=bool)
    sel = mask & pd.Series(present, index=locs.index)
    if not sel.any():
        return locs
    bng = locs.loc[sel].geometry.to_crs(27700)
    x = (np.floor(bng.x / cell_m) + 0.5) * cell_m
    y = (np.floor(bng.y / cell_m) + 0.5) * cell_m
    snapped_bng = gpd.GeoSeries(gpd.points_from_xy(x, y), index=bng.index, crs=27700)
    snapped = snapped_bng.to_crs(locs.crs or 4326)
    locs.loc[sel, "geometry"] = snapped
    for col, values in (
        ("easting", x),
        ("northing", y),
        ("latitude", snapped.y),
        ("longitude", snapped.x),
    ):
        if col in locs.columns:
            locs.loc[sel, col] = values.to_numpy(dtype="float64")
    return locs


def _outward_code(postcode: pd.Series) -> pd.Series:
    s = postcode.astype("string").str.strip().str.upper()
    return s.str.extract(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)", expand=False).astype("string")


def redact_dataset(
    ds: Dataset,
    audience: str | Audience,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    as_of: date | datetime | pd.Timestamp | str | None = None,
    settings: Any = None,
    forbidden: Any = None,
) -> Dataset:
    """Return a new dataset holding only what ``audience`` may see.

    Parameters
    ----------
    ds
        The dataset from :func:`contextmap.load` (not modified).
    audience
        An audience name or :class:`Audience`.
    pseudonymiser
        Needed when the audience hides names or ids; defaults to
        ``Pseudonymiser.from_key_file()`` (the key in the user's config directory).
    as_of
        The date ages are computed at (default: today). Packs pass the end of the period.
    settings
        Settings holding an ``audiences`` section (used when ``audience`` is a name).
    forbidden
        For an audience that sees free text but not every name or id (an audience of the
        team's settings): the identifiers taken out of free text (a
        :class:`~contextmap.privacy.Forbidden`; default: those of ``ds``). A pack passes those of
        the records before entity resolution too (a police spelling merged into a child).

    Returns
    -------
    Dataset
        Same contract as the input, plus an ``age`` column (``Int64``, completed years at
        ``as_of``) on ``children`` and ``persons``, and its ``redacted_for`` field naming
        the audience. Withheld links are absent; hidden names and ids are pseudonyms,
        consistently in every table and link endpoint; hidden dates of birth and free text
        are blank; the quarantine is empty (its rows were never validated for sharing) and
        problem values are blanked unless the audience sees everything.

    Examples
    --------
    >>> from contextmap.privacy.example import example_dataset
    >>> red = redact_dataset(example_dataset(), "partner",
    ...                      pseudonymiser=Pseudonymiser(b"an example key, never use this one"),
    ...                      as_of="2024-06-01")
    >>> bool(red.children["name"].str.startswith("Child-").all())
    True
    >>> int(red.children["age"].iloc[0])
    14
    """
    aud = get_audience(audience, settings=settings)
    when = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()

    children = ds.children.copy()
    persons = ds.persons.copy()
    locations = ds.locations.copy()
    episodes = ds.episodes.copy()
    links = ds.links.copy()

    # 1. intelligence the audience must not see
    links = links.loc[~restricted_links(links, aud)].copy()

    # 2. ages (always), dates of birth (when hidden)
    for df in (children, persons):
        df["age"] = _age(df["date_of_birth"], when)
        if aud.dob_as_age:
            df["date_of_birth"] = pd.Series(pd.NaT, index=df.index, dtype=df["date_of_birth"].dtype)

    # 3. free text
    if not aud.show_free_text:
        for df, cols in (
            (persons, ("aliases", "phone", "vehicle", "social_media")),
            (links, ("summary",)),
            (episodes, ("people_mentioned", "places_mentioned", "people_described", "found_description",
                        "places_described")),
        ):
            for c in cols:
                if c in df.columns:
                    df[c] = _str_na(df[c])

    # 3a. free text for an audience that sees it but not names (an audience of the team's
    # settings): the names and identifiers it must not see are taken out, in any disguise
    if aud.show_free_text and not (aud.show_names and aud.show_ids):
        from contextmap.privacy.forbidden import forbidden_identifiers
        from contextmap.privacy.scan import Scanner, take_out

        f = forbidden if forbidden is not None else forbidden_identifiers(ds, aud, settings=settings)
        if len(f):
            sc = Scanner(f.kinds, f.case_insensitive, min_length=3)
            for df, cols in (
                (persons, ("aliases",)),
                (links, ("summary",)),
                (episodes, ("people_mentioned", "places_mentioned", "people_described", "found_description",
                            "places_described")),
            ):
                for c in cols:
                    if c in df.columns:
                        df[c] = df[c].map(lambda v: take_out(v, sc) if isinstance(v, str) and v else v).astype(df[c].dtype)
        if not aud.show_names and "summary" in links.columns:
            # resolution quotes the words of an RHI mention of a person ("RHI mention 'Aaron G'"):
            # a part of a name, which no list of full names holds
            kinds = [links.get(c, pd.Series(index=links.index, dtype=object)).astype("string")
                     for c in ("source_kind", "target_kind")]
            person = (kinds[0].isin(["person", "child"]) | kinds[1].isin(["person", "child"])).fillna(False)
            said = links["summary"].astype("string")
            quoted = person.to_numpy(dtype=bool) & said.str.startswith("RHI mention ").fillna(False).to_numpy(dtype=bool)
            if quoted.any():
                links.loc[quoted, "summary"] = said[quoted].str.replace(
                    _QUOTED_MENTION, "RHI mention [name withheld]:", n=1, regex=True).astype(links["summary"].dtype)

    # 3b. a relation word outside the vocabulary is free text ("cousin of ...")
    if not aud.show_free_text:
        from contextmap.schema import RELATIONS

        rel = links["relation"].astype("string")
        unknown = ~rel.isin(list(RELATIONS)).fillna(False).astype(bool) & rel.notna().to_numpy()
        links.loc[unknown, "relation"] = UNKNOWN_RELATION
        links["relation"] = links["relation"].astype(ds.links["relation"].dtype)

    # 4. addresses: generalised coordinates, pseudonymised names, outward postcode
    homes = home_location_ids(ds)
    is_home = locations["location_id"].astype(str).isin(homes)
    # a public place named after a person is named by pseudonym too (coordinates kept)
    named_after = names_in_places(ds).to_numpy() if not aud.show_names else np.zeros(len(locations), bool)
    renamed = is_home | named_after
    if aud.address_precision_m is not None:
        locations = _snap_points(locations, is_home, aud.address_precision_m)

    # 5. names and ids
    needs_pseudonyms = not aud.show_ids or (not aud.show_names and aud.pseudonymise)
    entity_map: dict[str, str] = {}
    if needs_pseudonyms and pseudonymiser is None:
        pseudonymiser = Pseudonymiser.from_key_file()
    if needs_pseudonyms:
        assert pseudonymiser is not None
        raw = _raw_strings(ds)
        maps = {
            "child": pseudonymiser.mapping(ds.children["child_id"].dropna(), kind="child", avoid=raw),
            "person": pseudonymiser.mapping(ds.persons["person_id"].dropna(), kind="person", avoid=raw),
            "location": pseudonymiser.mapping(ds.locations["location_id"].dropna(), kind="location", avoid=raw),
            "episode": pseudonymiser.mapping(ds.episodes["episode_id"].dropna(), kind="episode", avoid=raw),
            "link": pseudonymiser.mapping(ds.links["link_id"].dropna(), kind="link", avoid=raw),
        }
        entity_map = {**maps["location"], **maps["person"], **maps["child"]}

        def remap(series: pd.Series, mapping: dict[str, str], kind: str) -> pd.Series:
            def one(v: Any) -> Any:
                if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                    return pd.NA
                s = str(v)
                return mapping.get(s) or pseudonymiser.pseudonym(s, kind=kind)

            return series.map(one).astype("string")

        if not aud.show_names:
            fill_names = aud.pseudonymise
            for df, key, kind in ((children, "child_id", "child"), (persons, "person_id", "person")):
                df["name"] = remap(df[key], maps[kind], kind) if fill_names else _str_na(df["name"])
            locations.loc[renamed, "name"] = (
                remap(locations.loc[renamed, "location_id"], maps["location"], "location")
                if fill_names
                else pd.NA
            )
            locations["name"] = locations["name"].astype("string")
            if "postcode" in locations.columns:
                locations.loc[is_home, "postcode"] = _outward_code(locations.loc[is_home, "postcode"])
        if not aud.show_ids:
            children["child_id"] = remap(children["child_id"], maps["child"], "child")
            children["home_location_id"] = remap(children["home_location_id"], maps["location"], "location")
            persons["person_id"] = remap(persons["person_id"], maps["person"], "person")
            locations["location_id"] = remap(locations["location_id"], maps["location"], "location")
            episodes["episode_id"] = remap(episodes["episode_id"], maps["episode"], "episode")
            episodes["child_id"] = remap(episodes["child_id"], maps["child"], "child")
            episodes["found_location_id"] = remap(episodes["found_location_id"], maps["location"], "location")
            links["link_id"] = remap(links["link_id"], maps["link"], "link")
            links["source_id"] = remap(links["source_id"], entity_map, "entity")
            links["target_id"] = remap(links["target_id"], entity_map, "entity")
            links["episode_id"] = remap(links["episode_id"], maps["episode"], "episode")
            if "grading_original" in links.columns:
                pass  # a grading code is not an identifier
    elif not aud.show_names:  # names hidden, no pseudonyms wanted, ids shown
        children["name"] = _str_na(children["name"])
        persons["name"] = _str_na(persons["name"])
        locations.loc[renamed, "name"] = pd.NA

    # 6. columns outside the contract (for example resolution's ``merged_from``, which lists
    # raw record ids) are kept only for audiences that see everything
    if not aud.sees_everything:
        children, persons, locations, episodes, links = (
            _contract_columns(df, name)
            for df, name in (
                (children, "children"), (persons, "persons"), (locations, "locations"),
                (episodes, "episodes"), (links, "links"),
            )
        )

    # 7. the validation report: counts only, no rejected rows
    problems = ds.report.problems.copy()
    if not aud.sees_everything and "value" in problems.columns:
        problems["value"] = pd.Series(pd.NA, index=problems.index, dtype="string")
    if not aud.sees_everything:
        problems = _report_names_withheld(problems)
    report = ValidationReport(problems=problems, counts=ds.report.counts.copy(), quarantined={})

    out = Dataset(
        children=children.reset_index(drop=True),
        persons=persons.reset_index(drop=True),
        locations=locations.reset_index(drop=True),
        episodes=episodes.reset_index(drop=True),
        links=links.reset_index(drop=True),
        report=report,
        source=ds.source,
        content_hash=ds.content_hash,
        grading_scheme=ds.grading_scheme,
        period=ds.period,
        redacted_for=aud,
        workspace=ds.workspace,
    )
    # 8. the entity-resolution record, in the audience's ids
    if ds.resolution is not None:
        ids = entity_map if (needs_pseudonyms and not aud.show_ids) else None
        out.resolution = RedactedResolution(merged=_redact_merged(ds.resolution, aud, ids))
    return out


@dataclass(frozen=True)
class RedactedResolution:
    """The part of an entity-resolution record an audience may see.

    ``merged`` has ``kind``, ``entity_id``, ``record_ids``, ``size``, ``confidence`` and
    ``decided``. For an audience that does not see raw ids, ``entity_id`` is the entity's
    pseudonym and ``record_ids`` only says how many records were merged.
    """

    merged: pd.DataFrame


_EXTRA_ALLOWED = ("age", "provisional", "geometry")


OUTSIDE_CONTRACT = "(a column outside the data contract)"
"""What an audience that does not see everything reads for an input's own column header."""


def _report_names_withheld(problems: pd.DataFrame) -> pd.DataFrame:
    """The validation report without the input's own words: a column header outside the
    contract (an ignored column may be named after a child) and a file name other than the
    table's own (a folder or file may be named after a child) are withheld."""
    from contextmap.schema import TABLES

    out = problems.copy()
    if "column" in out.columns and "table" in out.columns:
        known = [str(c) in set(TABLES[str(t)].column_names) | set(TABLES[str(t)].derived)
                 if str(t) in TABLES else False for t, c in zip(out["table"], out["column"], strict=True)]
        mask = ~pd.Series(known, index=out.index) & out["column"].notna() & (out["column"].astype(str) != "")
        out["column"] = out["column"].astype(object).where(~mask, OUTSIDE_CONTRACT)
    if "file" in out.columns and "table" in out.columns:
        own = [str(f) in {f"{t}.csv", f"{t}.xlsx", str(t)} for t, f in zip(out["table"], out["file"], strict=True)]
        out["file"] = out["file"].astype(object).where(pd.Series(own, index=out.index) | out["file"].isna(), pd.NA)
    return out


def _contract_columns(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` with only the contract's columns (and derived ones), in contract order."""
    from contextmap.schema import TABLES

    spec = TABLES[table]
    keep = [c for c in dict.fromkeys((*spec.column_names, *spec.derived, *_EXTRA_ALLOWED)) if c in df.columns]
    return df[keep]


def _redact_merged(resolution: Any, aud: Audience, ids: dict[str, str] | None) -> pd.DataFrame:
    merged = getattr(resolution, "merged", None)
    cols = ["kind", "entity_id", "record_ids", "size", "confidence", "decided"]
    if merged is None or len(merged) == 0:
        return pd.DataFrame(columns=cols)
    merged = merged.copy()
    if ids is not None:
        merged["entity_id"] = [ids.get(str(e), "(withheld)") for e in merged["entity_id"]]
        merged["record_ids"] = [f"{int(n)} records" for n in merged["size"]]
    return merged[[c for c in cols if c in merged.columns]].reset_index(drop=True)


def _raw_strings(ds: Dataset) -> set[str]:
    raw: set[str] = set()
    for table, cols in (
        ("children", ("child_id", "name")),
        ("persons", ("person_id", "name")),
        ("locations", ("location_id", "name")),
        ("episodes", ("episode_id",)),
        ("links", ("link_id",)),
    ):
        df = ds.table(table)
        for c in cols:
            raw |= set(df[c].dropna().astype(str))
    return raw


def check_redacted_for(source: Any, audience: str | Audience, *, settings: Any = None) -> None:
    """Refuse to label a view for an audience whose analysis was not redacted for it.

    ``source`` is what a view is drawn from. When it is an analysis (anything with a
    ``dataset``), an audience that does not see everything requires that dataset to come from
    :func:`redact_dataset` for that same audience; otherwise the view would show names or
    withheld intelligence under that audience's title. Parts passed by hand cannot be checked:
    callers must redact first.

    Raises
    ------
    PrivacyError
        If the analysis was not redacted for ``audience``.
    """
    ds = source.get("dataset") if isinstance(source, Mapping) else getattr(source, "dataset", None)
    red = None if ds is None else ds.redacted_for if isinstance(ds, Dataset) else getattr(ds, "redacted_for", None)
    if isinstance(audience, str) and isinstance(red, Audience) and red.name == audience:
        aud = red  # an audience of the team's settings: the one the dataset was redacted for
    else:
        aud = get_audience(audience, settings=settings)
    if aud.sees_everything or ds is None:
        return
    if getattr(red, "name", None) != aud.name:
        raise PrivacyError(
            f"this analysis was not redacted for the {aud.name!r} audience (redacted for: "
            f"{getattr(red, 'name', None)!r}); analyse privacy.redact_dataset(ds, {aud.name!r}) "
            f"instead, or build the pack with `contextmap pack --audience {aud.name}`"
        )

"""The data contract: the tables, columns and code lists a contextmap dataset holds.

A dataset is a folder of CSV files (``children.csv``, ``persons.csv``, ``locations.csv``,
``episodes.csv``, ``links.csv``) or one ``.xlsx`` workbook with one sheet per table.
This module is the single source of truth for the contract: ingest validates against it,
the documentation (``docs/data-contract.md``) describes it, and the sample generator writes it.

Ids are unique across the three entity tables (children, persons, locations), so a link
endpoint can name any entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "TABLE_NAMES",
    "ENTITY_TABLES",
    "ENTITY_KIND",
    "CE_RISK",
    "PLACEMENT",
    "LOCATION_CATEGORY",
    "CLASSIFICATION",
    "RHI_OUTCOME",
    "SOURCE_TYPE",
    "GENDER",
    "RELATIONS",
    "PEOPLE_RELATIONS",
    "PLACE_RELATIONS",
    "Grading",
    "parse_grading",
    "GRADING_SCHEMES",
    "split_list",
    "is_e_graded",
    "e_graded",
    "grading_mix",
    "grading_mix_by",
    "normalise_code",
]

Kind = Literal["id", "text", "enum", "date", "datetime", "float", "grading", "list"]


@dataclass(frozen=True)
class Column:
    """One column of a table in the contract.

    ``kind`` decides how a cell is parsed: ``id`` and ``text`` are trimmed strings,
    ``enum`` is one of ``values`` (matched after :func:`normalise_code`), ``date`` and
    ``datetime`` accept ISO or UK day-first forms, ``float`` is a number, ``grading`` an
    intelligence grading code, ``list`` a semicolon-separated list of strings.
    ``references`` names the table(s) whose key the value must match.
    """

    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One table of the contract: its key column and its columns in order."""

    name: str
    key: str
    columns: tuple[Column, ...]
    description: str = ""
    derived: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


# --- code lists -------------------------------------------------------------------------

CE_RISK = ("none", "low", "medium", "high")
"""Default child-exploitation risk scale, lowest first (areas may configure their own)."""

PLACEMENT = ("home", "foster", "residential", "supported", "out_of_area", "other")
LOCATION_CATEGORY = (
    "address",
    "park",
    "shop",
    "food_outlet",
    "transport",
    "hotel",
    "school",
    "care_home",
    "other",
)
CLASSIFICATION = ("missing", "absent")
RHI_OUTCOME = ("completed", "declined", "not_offered")
SOURCE_TYPE = ("rhi", "police", "education", "health", "social_care", "community", "other")
GENDER = ("female", "male", "non_binary", "other", "unknown")

PEOPLE_RELATIONS: dict[str, str] = {
    "seen_with": "seen in each other's company on a given occasion",
    "associate": "known to associate with each other",
    "friend": "described as friends",
    "sibling": "brothers or sisters (including half and step)",
    "relative": "other family relationship",
    "partner": "in a relationship (boyfriend, girlfriend, partner)",
    "contact": "in contact by phone or social media",
}
"""Relations between two people (child or person of concern), undirected."""

PLACE_RELATIONS: dict[str, str] = {
    "visited": "was at the place on the date observed",
    "found_at": "was found at the place during or at the end of a missing episode",
    "frequents": "is known to spend time at the place regularly",
    "lives_at": "lives or stays at the place",
    "stayed_at": "stayed overnight at the place",
    "works_at": "works at or controls the place",
}
"""Relations between a person (child or person of concern) and a location."""

RELATIONS: dict[str, str] = {**PEOPLE_RELATIONS, **PLACE_RELATIONS}
"""The documented relation vocabulary. Unknown relations are kept and reported, never dropped."""

ENTITY_TABLES = ("children", "persons", "locations")
ENTITY_KIND = {"children": "child", "persons": "person", "locations": "location"}
"""The ``*_kind`` value ingest writes for an endpoint found in each entity table."""

_ANY_ENTITY = ENTITY_TABLES

# --- tables -----------------------------------------------------------------------------

CHILDREN = Table(
    name="children",
    key="child_id",
    description="Children known to the service, one row each.",
    columns=(
        Column("child_id", "id", required=True, description="unique id (unique across entity tables)"),
        Column("name", "text", description="full name as recorded"),
        Column("date_of_birth", "date"),
        Column("gender", "enum", values=GENDER),
        Column("ce_risk", "enum", values=CE_RISK, description="child exploitation risk level"),
        Column("risk_reviewed_on", "date", description="date the risk level was last reviewed"),
        Column("placement", "enum", values=PLACEMENT),
        Column("home_location_id", "id", references=("locations",), description="where the child lives"),
    ),
)

PERSONS = Table(
    name="persons",
    key="person_id",
    description="Persons of concern (adults or older peers who may exploit children), one row per record.",
    columns=(
        Column("person_id", "id", required=True, description="unique id (unique across entity tables)"),
        Column("name", "text"),
        Column("aliases", "list", description="other names, semicolon-separated ('Big T; TJ')"),
        Column("date_of_birth", "date"),
        Column("gender", "enum", values=GENDER),
        Column("phone", "list", description="phone numbers, semicolon-separated (optional identifier)"),
        Column("vehicle", "list", description="vehicle registrations, semicolon-separated (optional identifier)"),
        Column("social_media", "list", description="social-media handles, semicolon-separated (optional identifier)"),
    ),
    derived=("provisional",),  # True for a record ingest made from a link's name that matched none
)

LOCATIONS = Table(
    name="locations",
    key="location_id",
    description=(
        "Places: addresses, parks, shops, food outlets, transport hubs, hotels... Give latitude and "
        "longitude (WGS84) or easting and northing (British National Grid, EPSG:27700); ingest fills "
        "in the other pair."
    ),
    columns=(
        Column("location_id", "id", required=True, description="unique id (unique across entity tables)"),
        Column("name", "text"),
        Column("category", "enum", values=LOCATION_CATEGORY),
        Column("latitude", "float", description="WGS84 degrees north"),
        Column("longitude", "float", description="WGS84 degrees east (negative west of Greenwich)"),
        Column("easting", "float", description="British National Grid metres"),
        Column("northing", "float", description="British National Grid metres"),
        Column("postcode", "text", description="UK postcode, normalised to upper case with one space"),
    ),
    derived=(
        "provisional",  # True for a record ingest made from place text (found, link, home) that matched none
        "geocoded_from",  # given / grid_reference / postcode / street / named_place (ingest.geocode)
        "position_quality",  # words: 'as given', 'postcode unit centroid', 'street (a point on the named road)'...
    ),
)

EPISODES = Table(
    name="episodes",
    key="episode_id",
    description="Missing or absent episodes, one row each, with the Return Home Interview if any.",
    columns=(
        Column("episode_id", "id", required=True),
        Column("child_id", "id", required=True, references=("children",)),
        Column("reported_at", "datetime", required=True, description="when the child was reported missing/absent"),
        Column("returned_at", "datetime", description="when the child returned or was found (blank: still missing)"),
        Column("classification", "enum", values=CLASSIFICATION),
        Column("found_location_id", "id", references=("locations",)),
        Column("rhi_at", "datetime", description="when the Return Home Interview took place"),
        Column("rhi_outcome", "enum", values=RHI_OUTCOME),
        Column("people_mentioned", "list", description="free-text names from the RHI, semicolon-separated"),
        Column("places_mentioned", "list", description="free-text places from the RHI, semicolon-separated"),
    ),
    # who the child was with when it is not a name ('a friend', 'mum', 'no one'): ingest moves such
    # parts of people_mentioned here, kept as text, never made into a person
    derived=(
        "people_described",
        # where the child was found when it is not a place ('home', "a friend's house", 'a hotel'):
        # the found_location text as written, kept as a description, never made into a place
        "found_description",
        "found_at_home",  # True when found at their own home or placement (by the text, or the found place)
        # parts of places_mentioned that name no place ('home', 'a hotel', "don't know")
        "places_described",
    ),
)

LINKS = Table(
    name="links",
    key="link_id",
    description=(
        "Associations between entities from RHIs, police intelligence and partners. Every link keeps "
        "its source, date and grading. Give the grading as one code ('1A P') or as three columns "
        "source_evaluation, intelligence_assessment, handling_code."
    ),
    columns=(
        Column("link_id", "id", description="unique id; ingest assigns a content key 'k-...' (agency and defining fields) when the column is absent or blank"),
        Column("source_id", "id", required=True, references=_ANY_ENTITY),
        Column("target_id", "id", required=True, references=_ANY_ENTITY),
        Column("relation", "enum", required=True, values=tuple(RELATIONS)),
        Column("observed_on", "date", required=True),
        Column("episode_id", "id", references=("episodes",)),
        Column("source_type", "enum", values=SOURCE_TYPE),
        Column("grading", "grading", description="3x5x2 code such as '1A P' (or 5x5x5 where declared)"),
        Column("summary", "text", description="short description of the evidence"),
    ),
    derived=(
        "source_kind",  # child / person / location
        "target_kind",
        "source_evaluation",  # 3x5x2 terms: '1', '2', '3'
        "intelligence_assessment",  # 'A'..'E'
        "handling_code",  # 'P' or 'C'
        "grading_scheme",  # '3x5x2' or '5x5x5'
        "grading_original",  # the code as written in the input
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (CHILDREN, PERSONS, LOCATIONS, EPISODES, LINKS)}
TABLE_NAMES = tuple(TABLES)

# --- helpers ----------------------------------------------------------------------------

_CODE_SEP = re.compile(r"[\s\-/]+")


def normalise_code(value: str) -> str:
    """Return a code value in contract form: trimmed, lower case, spaces and dashes as ``_``.

    Examples
    --------
    >>> normalise_code("  Out of Area ")
    'out_of_area'
    >>> normalise_code("Food-outlet")
    'food_outlet'
    """
    return _CODE_SEP.sub("_", value.strip().lower()).strip("_")


def split_list(value: object) -> list[str]:
    """Split a semicolon-separated cell into its trimmed, non-empty parts.

    Examples
    --------
    >>> split_list(" Big T; TJ ;; ")
    ['Big T', 'TJ']
    >>> split_list(None)
    []
    """
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


# --- intelligence grading ---------------------------------------------------------------

GRADING_SCHEMES = ("3x5x2", "5x5x5")

# 5x5x5 -> 3x5x2 equivalents (documented in docs/data-contract.md).
_SOURCE_5_TO_3 = {"A": "1", "B": "1", "C": "2", "D": "3", "E": "2"}
_INTEL_5_TO_3 = {"1": "A", "2": "A", "3": "B", "4": "D", "5": "E"}
_HANDLING_5_TO_3 = {"1": "P", "2": "C", "3": "C", "4": "C", "5": "C"}

_RE_3X5X2 = re.compile(r"^\s*([123])\s*[-/.]?\s*([A-Ea-e])\s*[-/.]?\s*([PCpc])\s*$")
_RE_5X5X5 = re.compile(r"^\s*([A-Ea-e])\s*[-/.]?\s*([1-5])\s*[-/.]?\s*([1-5])\s*$")


@dataclass(frozen=True)
class Grading:
    """A parsed intelligence grading, expressed in 3x5x2 terms.

    ``source_evaluation`` is ``'1'`` (reliable), ``'2'`` (untested) or ``'3'`` (not reliable);
    ``intelligence_assessment`` is ``'A'`` to ``'E'``; ``handling_code`` is ``'P'`` or ``'C'``.
    ``scheme`` and ``original`` record how the code was written.
    """

    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    scheme: str
    original: str

    @property
    def code(self) -> str:
        """The canonical 3x5x2 form, for example ``'1A P'``."""
        return f"{self.source_evaluation}{self.intelligence_assessment} {self.handling_code}"


def parse_grading(value: str, *, scheme: str = "3x5x2") -> Grading:
    """Parse a grading code written as one string.

    Parameters
    ----------
    value
        The code, for example ``'1A P'``, ``'1AP'``, ``'2-C-C'`` (3x5x2) or ``'B24'`` (5x5x5).
    scheme
        ``'3x5x2'`` (default) or ``'5x5x5'`` for older records. 5x5x5 codes are converted
        to their 3x5x2 equivalents; the original is kept in ``Grading.original``.

    Raises
    ------
    ValueError
        If the code is not valid in the scheme.

    Examples
    --------
    >>> parse_grading("2c c").code
    '2C C'
    >>> parse_grading("B24", scheme="5x5x5").code
    '1A C'
    """
    if scheme not in GRADING_SCHEMES:
        raise ValueError(f"Expected scheme to be one of {GRADING_SCHEMES}, instead got: {scheme!r}")
    text = str(value)
    if scheme == "3x5x2":
        m = _RE_3X5X2.match(text)
        if not m:
            raise ValueError(f"not a 3x5x2 grading (expected e.g. '1A P'): {value!r}")
        s, i, h = m.group(1), m.group(2).upper(), m.group(3).upper()
        return Grading(s, i, h, scheme, text.strip())
    m = _RE_5X5X5.match(text)
    if not m:
        raise ValueError(f"not a 5x5x5 grading (expected e.g. 'B2 4'): {value!r}")
    s5, i5, h5 = m.group(1).upper(), m.group(2), m.group(3)
    return Grading(_SOURCE_5_TO_3[s5], _INTEL_5_TO_3[i5], _HANDLING_5_TO_3[h5], scheme, text.strip())


# --- grading rules used across the package (one place each) ------------------------------


def is_e_graded(assessment: Any = None, *, grading: Any = None) -> bool:
    """Whether a piece of intelligence is graded E (suspected to be false).

    Reads the intelligence assessment letter, or failing that the 3x5x2 code
    (``'3E P'``: the letter after the source evaluation).

    Examples
    --------
    >>> is_e_graded("E"), is_e_graded(" e "), is_e_graded("B"), is_e_graded(None, grading="3E P")
    (True, True, False, True)
    >>> is_e_graded(None, grading=None)
    False
    """
    if isinstance(assessment, str) and assessment.strip():
        return assessment.strip().upper() == "E"
    if isinstance(grading, str):
        code = grading.strip().upper().replace(" ", "")
        return len(code) >= 2 and code[1] == "E"
    return False


def e_graded(assessment: pd.Series | Iterable[Any]) -> np.ndarray:
    """Boolean array: which intelligence assessments are E (missing values are not).

    Examples
    --------
    >>> e_graded(pd.Series(["A", "E", None, "e"])).tolist()
    [False, True, False, True]
    """
    s = pd.Series(assessment, dtype="object") if not isinstance(assessment, pd.Series) else assessment
    return s.astype("string").str.strip().str.upper().eq("E").fillna(False).to_numpy(dtype=bool)


def grading_mix_by(keys: Iterable[Any], labels: Iterable[Any]) -> pd.Series:
    """:func:`grading_mix` for many keys at once: a Series of mix text indexed by key.

    Examples
    --------
    >>> grading_mix_by(["a", "a", "b"], ["1A P", "1A P", None]).to_dict()
    {'a': '1A P x2', 'b': 'ungraded x1'}
    >>> grading_mix_by([None, None], ["1A P", "2B P"]).empty  # no key: nothing to say
    True
    """
    lab = pd.Series(list(labels), dtype="object")
    lab = lab.where(lab.map(lambda x: isinstance(x, str) and bool(x)), "ungraded")
    frame = pd.DataFrame({"k": list(keys), "g": lab.astype(str)})
    if frame.empty:
        return pd.Series(dtype="object")
    n = frame.groupby(["k", "g"], sort=True).size().reset_index(name="n")
    texts = n["g"] + " x" + n["n"].astype(str)
    if n.empty:  # every key missing
        return pd.Series([], index=pd.Index([], dtype=n["k"].dtype), dtype=texts.dtype, name="grading_mix")
    txt = texts.tolist()
    # each key's texts joined over its run of rows (sorted by key): a groupby that joins in
    # Python per group took 0.6 s for 40,000 places
    k = n["k"].to_numpy()
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]).tolist()
    joined = ["; ".join(txt[lo:hi]) for lo, hi in zip(starts, starts[1:] + [len(txt)], strict=True)]
    index = pd.Index(k[starts], dtype=n["k"].dtype)
    return pd.Series(joined, index=index, dtype=texts.dtype, name="grading_mix")


def grading_mix(labels: Iterable[Any]) -> str:
    """The mix of gradings behind some evidence, as people read it: ``'1A P x2; episode x4'``.

    Each label is a grading code or a word for evidence without one (``'episode'``,
    ``'ungraded'``); labels are counted and listed in sorted order.

    Examples
    --------
    >>> grading_mix(["1A P", "episode", "1A P", None])
    '1A P x2; episode x1; ungraded x1'
    >>> grading_mix([])
    ''
    """
    labels = list(labels)
    return str(grading_mix_by([0] * len(labels), labels).get(0, ""))

"""Audiences, pseudonyms, redaction and the identifier scan: privacy at the data boundary.

A pack is never redacted after it is drawn. Instead :func:`redact_dataset` returns a new
:class:`~contextmap.dataset.Dataset` holding only what the audience may see, and every
analysis, map, network view, export and pack is computed from that dataset. Whatever is not in
the redacted dataset cannot leak. :func:`check_outputs` is the second line of defence: it scans
every written file for identifiers the audience must not see and stops the pack on a hit.

Audiences (defaults, overridable in the ``audiences:`` section of the settings file):

==============  =====  ===  ===========  ========  ======  ==========  ==============
audience        names  ids  C-coded      E-graded  DOB     free text   small counts
==============  =====  ===  ===========  ========  ======  ==========  ==============
``internal``    yes    yes  yes          yes       exact   yes         shown
``police``      yes    yes  yes          yes       exact   yes         shown
``social-care`` yes    yes  withheld     yes       exact   yes         shown
``partner``     no     no   withheld     withheld  age     withheld    ``<5``
==============  =====  ===  ===========  ========  ======  ==========  ==============

Partner packs show stable pseudonyms (``Child-4F7K2Q``, ``Person-...``, ``Place-...``) from a
keyed hash whose key lives in the user's configuration directory, never in the repository
or the pack. See ``docs/privacy.md`` for every decision (home addresses, ungraded police
intelligence, what the scan can and cannot see).

Examples
--------
>>> get_audience("partner").show_names
False
>>> p = Pseudonymiser(b"an example key, never use this one")
>>> p.pseudonym("C1", kind="child")[:6]
'Child-'
>>> p.pseudonym("C1", kind="child") == p.pseudonym("C1", kind="child")
True
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from contextmap._errors import ConfigError, PrivacyError
from contextmap.dataset import Dataset, ValidationReport
from contextmap.privacy import scan as _scan

__all__ = [
    "Audience",
    "AUDIENCES",
    "PRIVATE_CATEGORIES",
    "restricted_links",
    "get_audience",
    "audience_names",
    "Pseudonymiser",
    "default_key_path",
    "redact_dataset",
    "RedactedResolution",
    "suppress_count",
    "suppress_counts",
    "Forbidden",
    "forbidden_identifiers",
    "Hit",
    "scan_outputs",
    "check_outputs",
    "check_redacted_for",
]

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Audience:
    """What one audience may see.

    Attributes
    ----------
    name
        The audience name used on the command line (``--audience partner``).
    show_names
        Names of children and persons of concern, and names and postcodes of home addresses.
    show_ids
        Raw record ids (entity, episode and link ids). When false every id is replaced by
        a stable pseudonym, consistently across all tables.
    pseudonymise
        When names are hidden, show a pseudonym in their place (else leave them blank).
        Must be true when ``show_ids`` is false: records still need keys.
    include_handling_c
        Keep police intelligence with handling code C (sharing permitted with conditions).
        Ungraded police intelligence counts as C: its conditions are unknown.
    include_e_graded
        Keep intelligence assessed E (suspected to be false).
    dob_as_age
        Replace exact dates of birth by age in completed years.
    show_free_text
        Aliases, phone numbers, vehicles, social-media handles, link summaries and the
        people/places mentioned in Return Home Interviews.
    suppress_below
        Counts from 1 up to this value minus one are shown as ``"<N"`` (``None``: never).
    address_precision_m
        Coordinates of addresses (categories ``address`` and ``care_home``, places with no
        category, children's homes, ``lives_at`` places) are moved to the centre of a grid cell this many metres wide
        (``None``: exact).
    marking
        The protective marking printed on every page.
    handling_notice
        The handling notice printed on every page.
    """

    name: str
    show_names: bool = False
    show_ids: bool = False
    pseudonymise: bool = True
    include_handling_c: bool = False
    include_e_graded: bool = False
    dob_as_age: bool = True
    show_free_text: bool = False
    suppress_below: int | None = 5
    address_precision_m: int | None = 500
    marking: str = DEFAULT_MARKING
    handling_notice: str = ""

    @property
    def sees_everything(self) -> bool:
        """True when nothing is withheld or transformed for this audience."""
        return (
            self.show_names
            and self.show_ids
            and self.include_handling_c
            and self.include_e_graded
            and not self.dob_as_age
            and self.show_free_text
            and self.address_precision_m is None
        )

    def _validate(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", self.name):
            raise ConfigError(
                "audience name must be lower-case letters, digits, '-' or '_', "
                f"instead got: {self.name!r}"
            )
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool",) and not isinstance(value, bool):
                raise ConfigError(f"audiences.{self.name}.{f.name} must be true or false, instead got: {value!r}")
        for key in ("suppress_below", "address_precision_m"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigError(
                    f"audiences.{self.name}.{key} must be a positive whole number or null, "
                    f"instead got: {value!r}"
                )
        for key in ("marking", "handling_notice"):
            if not isinstance(getattr(self, key), str):
                raise ConfigError(f"audiences.{self.name}.{key} must be text, instead got: {getattr(self, key)!r}")
        if not self.show_ids and not self.pseudonymise:
            raise ConfigError(
                f"audiences.{self.name}: show_ids is false, so pseudonymise must be true "
                "(records need a key), instead got: pseudonymise=False"
            )


_NOTICE = (
    "Contains special-category personal data about children. Handle, store and destroy in line "
    "with your organisation's data protection policy. Do not forward beyond the named audience."
)

AUDIENCES: dict[str, Audience] = {
    "internal": Audience(
        "internal", show_names=True, show_ids=True, include_handling_c=True, include_e_graded=True,
        dob_as_age=False, show_free_text=True, suppress_below=None, address_precision_m=None,
        handling_notice="For the Contextual Safeguarding team only. " + _NOTICE,
    ),
    "police": Audience(
        "police", show_names=True, show_ids=True, include_handling_c=True, include_e_graded=True,
        dob_as_age=False, show_free_text=True, suppress_below=None, address_precision_m=None,
        handling_notice=(
            "Police audience: includes intelligence with handling code C; share only as each "
            "handling code permits. " + _NOTICE
        ),
    ),
    "social-care": Audience(
        "social-care", show_names=True, show_ids=True, include_handling_c=False,
        include_e_graded=True, dob_as_age=False, show_free_text=True, suppress_below=None,
        address_precision_m=None,
        handling_notice=(
            "Children's social care audience: police intelligence with handling conditions (C) "
            "has been withheld. " + _NOTICE
        ),
    ),
    "partner": Audience(
        "partner",
        handling_notice=(
            "Partner audience (education, health, housing): children, persons and addresses are "
            "shown as pseudonyms; do not attempt to re-identify them. Intelligence with handling "
            "conditions (C) or assessed as suspected false (E) has been withheld; numbers below 5 "
            "are shown as <5. " + _NOTICE
        ),
    ),
}
"""The default audiences (see the module docstring)."""

_AUDIENCE_KEYS = {f.name for f in dataclasses.fields(Audience)} - {"name"}


def _audiences_section(settings: Any) -> Mapping[str, Any]:
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        section = settings.get("audiences", settings)
    else:
        section = getattr(settings, "extra", {}).get("audiences", {})
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"settings section 'audiences' must be a mapping, instead got: {section!r}")
    return section


def _build_audiences(settings: Any) -> dict[str, Audience]:
    out = dict(AUDIENCES)
    section = _audiences_section(settings)
    # overrides of existing audiences first, so a new audience based on one sees the override
    ordered = sorted(section.items(), key=lambda kv: kv[0] not in AUDIENCES)
    for name, spec in ordered:
        if spec is None:
            spec = {}
        if not isinstance(spec, Mapping):
            raise ConfigError(f"audiences.{name} must be a mapping of options, instead got: {spec!r}")
        spec = dict(spec)
        base_name = spec.pop("based_on", name if name in out else "partner")
        if base_name not in out:
            raise ConfigError(
                f"audiences.{name}.based_on names an unknown audience; expected one of "
                f"{sorted(out)}, instead got: {base_name!r}"
            )
        unknown = set(spec) - _AUDIENCE_KEYS
        if unknown:
            raise ConfigError(
                f"unknown setting audiences.{name}.{sorted(unknown)[0]}; expected one of "
                f"{sorted(_AUDIENCE_KEYS | {'based_on'})}"
            )
        aud = dataclasses.replace(out[base_name], name=str(name), **spec)
        aud._validate()
        out[str(name)] = aud
    return out


def audience_names(*, settings: Any = None) -> list[str]:
    """The audiences available with these settings (defaults first).

    Examples
    --------
    >>> audience_names()
    ['internal', 'police', 'social-care', 'partner']
    """
    return list(_build_audiences(settings))


def get_audience(name: str | Audience, *, settings: Any = None) -> Audience:
    """Return the audience called ``name``, with overrides from the settings file.

    Parameters
    ----------
    name
        ``'internal'``, ``'police'``, ``'social-care'``, ``'partner'`` or an audience defined
        in the settings file. An :class:`Audience` is returned unchanged.
    settings
        A :class:`~contextmap.settings.Settings`, or a mapping holding an ``audiences``
        section. Each entry overrides an audience's options; a new audience starts from
        ``based_on`` (default ``partner``, the most restrictive).

    Raises
    ------
    ConfigError
        If the audience is unknown or the section holds an unknown key or invalid value.

    Examples
    --------
    >>> get_audience("partner", settings={"audiences": {"partner": {"suppress_below": 10}}}).suppress_below
    10
    >>> get_audience("youth-justice", settings={"audiences": {"youth-justice": {}}}).show_names
    False
    """
    if isinstance(name, Audience):
        return name
    audiences = _build_audiences(settings)
    if name not in audiences:
        raise ConfigError(f"Expected audience to be one of {sorted(audiences)}, instead got: {name!r}")
    return audiences[name]


# --- pseudonyms --------------------------------------------------------------------------

_PREFIX = {
    "child": "Child",
    "person": "Person",
    "location": "Place",
    "episode": "Episode",
    "link": "Link",
    "entity": "Ref",
}
_LENGTH = {"child": 6, "person": 6, "location": 6, "episode": 8, "link": 8, "entity": 8}
_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


def default_key_path() -> Path:
    """Where the pseudonym key lives: ``$CONTEXTMAP_KEY_FILE``, else the user's config dir.

    ``$XDG_CONFIG_HOME/contextmap/pseudonym.key`` or ``~/.config/contextmap/pseudonym.key``.
    """
    env = os.environ.get("CONTEXTMAP_KEY_FILE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "contextmap" / "pseudonym.key"


class Pseudonymiser:
    """Stable, keyed, non-reversible pseudonyms (HMAC-SHA256 of kind and id).

    The same key gives the same pseudonym in every pack, so a partner can follow
    ``Child-4F7K2Q`` from one meeting to the next; without the key nobody can compute a
    pseudonym from an id, or the id from a pseudonym.

    Parameters
    ----------
    key
        The secret key (at least 16 bytes). Use :meth:`from_key_file` in practice.

    Examples
    --------
    >>> p = Pseudonymiser(b"an example key, never use this one")
    >>> p.pseudonym("C1", kind="child").startswith("Child-")
    True
    >>> p.pseudonym("C1", kind="child") != Pseudonymiser(b"another example key!!").pseudonym("C1", kind="child")
    True
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise PrivacyError("Expected key to be at least 16 bytes, instead got a shorter or non-bytes key")
        self._key = key
        self.key_fingerprint = hashlib.sha256(b"contextmap-fingerprint" + key).hexdigest()[:12]
        """Identifies the key (for the audit log) without revealing it."""

    def __repr__(self) -> str:
        return f"<Pseudonymiser key={self.key_fingerprint}>"

    @classmethod
    def from_key_file(cls, path: str | Path | None = None, *, create: bool = True) -> Pseudonymiser:
        """Read the key from ``path`` (default :func:`default_key_path`), creating it if asked.

        A new key is 32 random bytes, stored as hex in a file only its owner can read
        (mode 0600). An existing key file readable by others is refused.

        Raises
        ------
        PrivacyError
            If the file is missing and ``create`` is false, is readable by group or others,
            lies inside a git repository, or does not hold a valid key.
        """
        p = Path(path).expanduser() if path is not None else default_key_path()
        for parent in p.absolute().parents:
            if (parent / ".git").exists():
                raise PrivacyError(
                    f"the pseudonym key must live outside any repository, instead got: {str(p)!r} "
                    f"(inside {str(parent)!r}); set CONTEXTMAP_KEY_FILE to a path in your config directory"
                )
        if not p.exists():
            if not create:
                raise PrivacyError(f"pseudonym key file not found: {str(p)!r}")
            p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first: use theirs
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(secrets.token_hex(32) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
        if os.name == "posix" and p.stat().st_mode & 0o077:
            raise PrivacyError(
                f"pseudonym key file {str(p)!r} is readable by other users; run: chmod 600 {p}"
            )
        text = p.read_text(encoding="ascii", errors="replace").strip()
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise PrivacyError(f"pseudonym key file {str(p)!r} does not hold a hex key") from None
        return cls(key)

    def _code(self, value: str, kind: str) -> str:
        digest = hmac.new(self._key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").rstrip("=").translate(_CROCKFORD)

    def pseudonym(self, value: str, *, kind: str, length: int | None = None) -> str:
        """The pseudonym of one id, for example ``'Child-4F7K2Q'``.

        ``kind`` is ``'child'``, ``'person'``, ``'location'``, ``'episode'``, ``'link'``
        or ``'entity'``; it sets the prefix and is part of the hash.
        """
        if kind not in _PREFIX:
            raise ValueError(f"Expected kind to be one of {sorted(_PREFIX)}, instead got: {kind!r}")
        n = length or _LENGTH[kind]
        return f"{_PREFIX[kind]}-{self._code(str(value), kind)[:n]}"

    def mapping(self, values: Iterable[str], *, kind: str, avoid: Iterable[str] = ()) -> dict[str, str]:
        """Pseudonyms for many ids of one kind, collision-checked.

        Ids whose pseudonyms would collide with each other (or with a string in ``avoid``,
        such as a raw id) get longer pseudonyms, so distinct ids stay distinct.
        """
        uniq = sorted({str(v) for v in values})
        avoid_set = set(avoid)
        length = _LENGTH[kind]
        out: dict[str, str] = {}
        pending = uniq
        while pending:
            trial = {v: self.pseudonym(v, kind=kind, length=length) for v in pending}
            counts: dict[str, int] = {}
            for p in list(trial.values()) + list(out.values()):
                counts[p] = counts.get(p, 0) + 1
            clash = [v for v, p in trial.items() if counts[p] > 1 or p in avoid_set]
            for v, p in trial.items():
                if v not in clash:
                    out[v] = p
            pending = clash
            length += 2
            if length > 52:  # pragma: no cover - would need a SHA-256 collision
                raise PrivacyError(f"cannot build distinct pseudonyms for kind {kind!r}")
        return out


# --- redaction ---------------------------------------------------------------------------


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


def _home_location_ids(ds: Dataset, *, uncategorised: bool = True) -> set[str]:
    """Places where people live, or may: addresses, care homes, homes, ``lives_at`` places,
    and (``uncategorised``) places with no category: unknown is treated as private."""
    ids = set(ds.children["home_location_id"].dropna().astype(str))
    links = ds.links
    lives = _is(links["relation"], "lives_at")
    loc_ids = set(ds.locations["location_id"].dropna().astype(str))
    for col in ("source_id", "target_id"):
        ids |= {v for v in links.loc[lives, col].dropna().astype(str) if v in loc_ids}
    cat = ds.locations["category"].astype("string")
    private = cat.isin(PRIVATE_CATEGORIES).fillna(False).astype(bool)
    if uncategorised:
        private |= cat.isna().to_numpy()
    ids |= set(ds.locations.loc[private, "location_id"].dropna().astype(str))
    return ids


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

    Returns
    -------
    Dataset
        Same contract as the input, plus an ``age`` column (``Int64``, completed years at
        ``as_of``) on ``children`` and ``persons``, and a ``redacted_for`` attribute naming
        the audience. Withheld links are absent; hidden names and ids are pseudonyms,
        consistently in every table and link endpoint; hidden dates of birth and free text
        are blank; the quarantine is empty (its rows were never validated for sharing) and
        problem values are blanked unless the audience sees everything.

    Examples
    --------
    >>> from contextmap.privacy.core import _example_dataset
    >>> red = redact_dataset(_example_dataset(), "partner",
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
            (episodes, ("people_mentioned", "places_mentioned", "people_described")),
        ):
            for c in cols:
                if c in df.columns:
                    df[c] = _str_na(df[c])

    # 4. addresses: generalised coordinates, pseudonymised names, outward postcode
    homes = _home_location_ids(ds)
    is_home = locations["location_id"].astype(str).isin(homes)
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
            locations.loc[is_home, "name"] = (
                remap(locations.loc[is_home, "location_id"], maps["location"], "location")
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
        locations.loc[is_home, "name"] = pd.NA

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
    )
    out.redacted_for = aud  # type: ignore[attr-defined]
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


# --- small counts ------------------------------------------------------------------------


def suppress_count(n: Any, audience: str | Audience, *, settings: Any = None) -> Any:
    """Show a small count as ``'<N'`` for audiences that suppress small numbers.

    Zero is shown (it discloses nobody); counts from 1 to ``suppress_below - 1`` are hidden.

    Examples
    --------
    >>> suppress_count(3, "partner"), suppress_count(7, "partner"), suppress_count(3, "police")
    ('<5', 7, 3)
    """
    aud = get_audience(audience, settings=settings)
    k = aud.suppress_below
    if k is None or n is None or isinstance(n, bool):
        return n
    try:
        if pd.isna(n):
            return n
    except (TypeError, ValueError):
        return n
    if isinstance(n, (int, float, np.integer, np.floating)) and 0 < n < k:
        return f"<{k}"
    return n


def suppress_counts(
    df: pd.DataFrame, audience: str | Audience, *, columns: Iterable[str] | None = None, settings: Any = None
) -> pd.DataFrame:
    """Return a copy of ``df`` with small counts in ``columns`` (default: integer columns) suppressed.

    Suppressed columns become text columns so that ``'<5'`` can sit beside numbers.

    Examples
    --------
    >>> suppress_counts(pd.DataFrame({"area": ["N", "S"], "children": [2, 12]}), "partner")["children"].tolist()
    ['<5', '12']
    """
    aud = get_audience(audience, settings=settings)
    out = df.copy()
    if aud.suppress_below is None:
        return out
    cols = list(columns) if columns is not None else [
        c for c in out.columns if pd.api.types.is_integer_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
    ]
    for c in cols:
        out[c] = out[c].map(lambda v: str(suppress_count(v, aud)) if not pd.isna(v) else pd.NA).astype("string")
    return out


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
    aud = get_audience(audience, settings=settings)
    if aud.sees_everything:
        return
    ds = source.get("dataset") if isinstance(source, Mapping) else getattr(source, "dataset", None)
    if ds is None:
        return
    red = getattr(ds, "redacted_for", None)
    if getattr(red, "name", None) != aud.name:
        raise PrivacyError(
            f"this analysis was not redacted for the {aud.name!r} audience (redacted for: "
            f"{getattr(red, 'name', None)!r}); analyse privacy.redact_dataset(ds, {aud.name!r}) "
            f"instead, or build the pack with `contextmap pack --audience {aud.name}`"
        )


# --- what must not appear ----------------------------------------------------------------


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
    >>> from contextmap.privacy.core import _example_dataset
    >>> f = forbidden_identifiers(_example_dataset(), "partner")
    >>> "Ava Example" in f, f.kind("C1")
    (True, 'entity id')
    >>> sorted(forbidden_identifiers(_example_dataset(), "police"))
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
        homes = ds.locations["location_id"].astype(str).isin(_home_location_ids(ds, uncategorised=False))
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


# --- scanning ----------------------------------------------------------------------------


Hit = _scan.Hit


def _scanner(forbidden: Iterable[str], min_length: int) -> _scan.Scanner:
    f = forbidden if isinstance(forbidden, Forbidden) else Forbidden({s: "identifier" for s in forbidden})
    return _scan.Scanner(f.kinds, f.case_insensitive, min_length=min_length)


def scan_outputs(
    paths_or_texts: Iterable[Any] | Path | str, forbidden: Iterable[str], *, min_length: int = 2
) -> list[Hit]:
    """Find forbidden strings in written outputs.

    Parameters
    ----------
    paths_or_texts
        :class:`pathlib.Path` objects (files, or directories scanned recursively),
        ``(label, text)`` pairs, or plain ``str`` texts (labelled ``<text N>``). A plain
        ``str`` is always text, never a path: wrap paths in :class:`~pathlib.Path`.
        HTML, XML and JSON are also scanned after unescaping; GeoPackage/SQLite files cell
        by cell; PDFs by extracted text and metadata; zip-based files (``.xlsx``) member by
        member. Images are not scanned (draw them from the redacted dataset).
    forbidden
        From :func:`forbidden_identifiers` (kinds and case rules kept), or any set of
        strings (matched exactly).
    min_length
        Shorter strings are ignored.

    Matching respects word boundaries: ``'C1'`` is not found in ``'C10'``, ``'#C1C1C1'``
    or ``'2.C1x'``, and a digit id is not found inside a decimal number or a date.

    Examples
    --------
    >>> [str(h) for h in scan_outputs(["child C1 and C10", "C10 only"], {"C1"})]
    ['identifier found in <text 0> at offset 6']
    """
    sc = _scanner(forbidden, min_length)
    if isinstance(paths_or_texts, (str, Path)) or (
        isinstance(paths_or_texts, tuple) and len(paths_or_texts) == 2 and isinstance(paths_or_texts[1], str)
    ):
        paths_or_texts = [paths_or_texts]
    hits: list[Hit] = []
    for i, item in enumerate(paths_or_texts):
        if isinstance(item, os.PathLike):
            p = Path(item)
            if p.is_dir():
                for f in sorted(x for x in p.rglob("*") if x.is_file()):
                    hits += _scan.scan_path(sc, f, root=p)
            elif p.is_file():
                hits += _scan.scan_path(sc, p)
            else:
                raise PrivacyError(f"cannot scan output: file not found: {str(p)!r}")
        elif isinstance(item, tuple):
            label, text = item
            hits += _scan.scan_text(sc, str(text), str(label))
        else:
            hits += _scan.scan_text(sc, str(item), f"<text {i}>")
    return hits


def check_outputs(
    paths_or_texts: Iterable[Any] | Path | str, forbidden: Iterable[str], *, min_length: int = 2, max_listed: int = 10
) -> None:
    """Raise :class:`PrivacyError` if any output holds a forbidden string.

    The message names each file, the kind of identifier and where it is, never the
    identifier itself (the message may end up in logs).

    Examples
    --------
    >>> check_outputs(["nothing to see"], {"C1"})
    >>> check_outputs(["child C1"], {"C1"})
    Traceback (most recent call last):
    ...
    contextmap._errors.PrivacyError: 1 forbidden identifier(s) found in the outputs; nothing may be shared until they are removed:
      identifier found in <text 0> at offset 6
    """
    hits = scan_outputs(paths_or_texts, forbidden, min_length=min_length)
    if hits:
        lines = [f"  {h}" for h in hits[:max_listed]]
        if len(hits) > max_listed:
            lines.append(f"  ... and {len(hits) - max_listed} more")
        raise PrivacyError(
            f"{len(hits)} forbidden identifier(s) found in the outputs; nothing may be shared "
            "until they are removed:\n" + "\n".join(lines)
        )


# --- a tiny dataset for the examples -----------------------------------------------------


def _example_dataset() -> Dataset:
    """A three-record dataset in contract form, for docstring examples only."""
    from contextmap.schema import TABLES

    def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        table = TABLES[name]
        cols = list(table.column_names) + (list(table.derived) if name == "links" else [])
        df = pd.DataFrame(rows, columns=cols)
        for c in table.columns:
            if c.kind in ("date", "datetime"):
                df[c.name] = pd.to_datetime(df[c.name])
            elif c.kind == "float":
                df[c.name] = df[c.name].astype("float64")
            else:
                df[c.name] = df[c.name].astype("string")
        for d in table.derived:
            if d in df.columns:
                df[d] = df[d].astype("string")
        return df

    children = frame("children", [{"child_id": "C1", "name": "Ava Example", "date_of_birth": "2010-02-03",
                                   "home_location_id": "L1"}])
    persons = frame("persons", [{"person_id": "P1", "name": "Rex Sample", "aliases": "Big R"}])
    locs = frame("locations", [
        {"location_id": "L1", "name": "1 Example Road", "category": "address", "latitude": 52.6, "longitude": -1.1},
        {"location_id": "L2", "name": "Central Park", "category": "park", "latitude": 52.61, "longitude": -1.12},
    ])
    locations = gpd.GeoDataFrame(locs, geometry=gpd.points_from_xy(locs["longitude"], locs["latitude"]), crs=4326)
    episodes = frame("episodes", [{"episode_id": "E1", "child_id": "C1", "reported_at": "2024-05-01 20:00"}])
    links = frame("links", [
        {"link_id": "K1", "source_id": "C1", "target_id": "P1", "relation": "seen_with",
         "observed_on": "2024-05-02", "source_type": "police", "grading": "2B C", "summary": "seen together",
         "source_kind": "child", "target_kind": "person", "source_evaluation": "2",
         "intelligence_assessment": "B", "handling_code": "C"},
        {"link_id": "K2", "source_id": "C1", "target_id": "L2", "relation": "visited",
         "observed_on": "2024-05-02", "source_type": "rhi", "source_kind": "child", "target_kind": "location"},
    ])
    report = ValidationReport(
        problems=pd.DataFrame(columns=["table", "file", "row", "column", "value", "reason", "severity"]),
        counts=pd.DataFrame({"read": [1], "accepted": [1], "quarantined": [0]}, index=["children"]),
    )
    return Dataset(children, persons, locations, episodes, links, report)

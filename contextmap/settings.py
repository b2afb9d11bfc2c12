"""Area-specific settings: risk scale, review cadences, panel criteria, weights, map tiles.

Every area defines its own rules, so they live in a YAML file rather than in code. Defaults
follow common practice (see ``docs/settings.md``); a settings file overrides any subset.
Every section is validated when the settings are loaded, including those read later by other
modules (``pack``, ``audiences``): unknown keys are rejected with the list of allowed keys,
invalid values with an error that names the key and quotes the value, and every problem is
reported at once in one :class:`~contextmap.ConfigError` (its ``problems`` attribute lists
them), so an analyst fixes the whole file in one pass.

Examples
--------
>>> s = Settings.from_dict({"panel": {"episodes_in_period": 5}})
>>> s.panel.episodes_in_period, s.panel.hours_missing
(5, 24.0)
>>> try:
...     Settings.from_dict({"panel": {"hours": 3}, "pack": {"top_hotspot": 5}})
... except ConfigError as exc:
...     for problem in exc.problems:
...         print(problem)
unknown setting panel.hours; expected one of ['episodes_in_period', 'episodes_in_window', 'hours_missing', 'risk_levels', 'window_days']
unknown setting pack.top_hotspot; expected one of ['agenda_actions', 'agenda_children', 'agenda_gaps', 'agenda_persons', 'agenda_places', 'cohort_rows', 'gap_rows', 'groups', 'merged_rows', 'overdue_rows', 'profiles', 'provenance_rows', 'timeline_rows', 'top_hotspots', 'top_persons']
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from contextmap._errors import ConfigError
from contextmap.schema import CE_RISK
from contextmap.vocabulary import check_vocabulary
from contextmap.yamlsafe import load_yaml

__all__ = [
    "Settings",
    "RiskSettings",
    "PanelSettings",
    "RhiSettings",
    "GraphSettings",
    "IngestSettings",
    "FlagSettings",
    "MapSettings",
    "PACK_OPTIONS",
    "AUDIENCE_OPTIONS",
    "DEFAULT_AUDIENCES",
    "BasemapSettings",
    "AreasSettings",
    "GazetteerSettings",
    "load_settings",
]

PACK_OPTIONS: dict[str, int] = {
    "agenda_children": 10, "agenda_persons": 5, "agenda_places": 5, "agenda_actions": 6, "agenda_gaps": 6,
    "top_hotspots": 15, "profiles": 5, "top_persons": 20, "gap_rows": 20, "groups": 12, "cohort_rows": 40,
    "overdue_rows": 15, "merged_rows": 25, "timeline_rows": 8, "provenance_rows": 1000,
}
"""The ``pack:`` section: how many rows the printed pack shows, each a positive whole number.
``agenda_*`` cap the lists of page 1 (children, persons of concern, places, actions, and the
police agenda's intelligence gaps); the others the sections after it. The annex beside the
pack holds every list in full (provenance up to ``provenance_rows``) and the exports hold
everything. Read by :mod:`contextmap.pack`."""

AUDIENCE_OPTIONS: dict[str, str] = {
    "show_names": "bool", "show_ids": "bool", "pseudonymise": "bool", "include_handling_c": "bool",
    "include_e_graded": "bool", "dob_as_age": "bool", "show_free_text": "bool",
    "suppress_below": "count", "address_precision_m": "count", "marking": "text",
    "handling_notice": "text", "based_on": "audience", "agenda": "agenda",
}
"""The options of one entry of the ``audiences:`` section and their kind: ``bool`` (true or
false), ``count`` (a positive whole number or null), ``text``, ``audience`` (the name of a
default audience or of one defined in the section), ``agenda`` (``children`` or
``disruption``: what the pack's first page leads with). They mirror
:class:`contextmap.privacy.Audience`, which builds the audiences from them."""

DEFAULT_AUDIENCES = ("internal", "police", "social-care", "partner")
"""The audiences every area has (:data:`contextmap.privacy.AUDIENCES`)."""



@dataclass(frozen=True)
class RiskSettings:
    """The exploitation risk scale (lowest first) and review cadence in days per level."""

    scale: tuple[str, ...] = CE_RISK
    review_days: dict[str, int] = field(
        default_factory=lambda: {"low": 84, "medium": 28, "high": 28}
    )

    def _validate(self) -> list[str]:
        problems = []
        if len(set(self.scale)) != len(self.scale) or not self.scale:
            problems.append(f"risk.scale must list distinct levels, instead got: {list(self.scale)!r}")
        for level, days in self.review_days.items():
            if level not in self.scale:
                problems.append(
                    f"risk.review_days names level {level!r}, which is not in risk.scale {list(self.scale)!r}"
                )
            if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
                problems.append(f"risk.review_days.{level} must be a positive whole number of days, instead got: {days!r}")
        return problems


@dataclass(frozen=True)
class PanelSettings:
    """When a child meets the criteria for the multi-agency panel (any one rule suffices)."""

    risk_levels: tuple[str, ...] = ("medium", "high")
    hours_missing: float = 24.0
    episodes_in_period: int = 4
    episodes_in_window: int = 3
    window_days: int = 30

    def _validate(self) -> list[str]:
        problems = []
        for name in ("hours_missing", "episodes_in_period", "episodes_in_window", "window_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                problems.append(f"panel.{name} must be a positive number, instead got: {value!r}")
        return problems


@dataclass(frozen=True)
class RhiSettings:
    """Return Home Interview timeliness: hours after return within which it should happen."""

    within_hours: float = 72.0

    def _validate(self) -> list[str]:
        if isinstance(self.within_hours, bool) or not isinstance(self.within_hours, (int, float)) or self.within_hours <= 0:
            return [f"rhi.within_hours must be a positive number, instead got: {self.within_hours!r}"]
        return []


@dataclass(frozen=True)
class GraphSettings:
    """How evidence is weighted in the context graph (see ``contextmap.graph``)."""

    half_life_days: float = 180.0
    include_e_graded: bool = False
    untested_weight: float = 0.5
    unreliable_weight: float = 0.25
    co_location_days: float = 7.0

    def _validate(self) -> list[str]:
        problems = []
        if not self.half_life_days > 0:
            problems.append(f"graph.half_life_days must be positive, instead got: {self.half_life_days!r}")
        for name in ("untested_weight", "unreliable_weight"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                problems.append(f"graph.{name} must be between 0 and 1, instead got: {v!r}")
        if not self.co_location_days >= 0:
            problems.append(f"graph.co_location_days must not be negative, instead got: {self.co_location_days!r}")
        return problems


@dataclass(frozen=True)
class FlagSettings:
    """Which persons and places count as high reach / hotspots for the "newly linked" flags."""

    high_reach_top: int = 5
    hotspot_top: int = 10
    new_within_days: int = 28
    """A link is "new" when the child's first evidence with that person or place falls in
    the last ``new_within_days`` days of the period (the time since the last meeting)."""

    def _validate(self) -> list[str]:
        problems = []
        for name in ("high_reach_top", "hotspot_top", "new_within_days"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                problems.append(f"flags.{name} must be a positive whole number, instead got: {v!r}")
        return problems


@dataclass(frozen=True)
class MapSettings:
    """Base-map tiles: ``'none'`` (default: no network request at all), ``'osm'``, a URL
    template, ``'wms:URL?layers=NAME'`` or a local folder of XYZ tiles."""

    tiles: str = "none"
    attribution: str = ""

    def _validate(self) -> list[str]:
        t = self.tiles
        folder = "://" not in t and ("/" in t or os.path.isdir(t))
        if t not in ("none", "osm") and "{z}" not in t and not t.startswith("wms:") and not folder:
            return [
                "map.tiles must be 'none', 'osm' or a URL template containing {z}/{x}/{y} (or 'wms:URL', or "
                f"a folder of XYZ tiles such as ./tiles), instead got: {t!r}"
            ]
        return []


@dataclass(frozen=True)
class BasemapSettings:
    """The user's own vector base map (``basemap: FILE`` for short): any file GDAL reads.

    ``path`` (default none), ``layers`` (default all), ``margin_m`` kept round the data.
    A relative path is read from the working directory.
    """

    path: str = ""
    layers: tuple[str, ...] = ()
    margin_m: float = 1500.0

    def _validate(self) -> None:
        if not self.margin_m >= 0:
            raise ConfigError(f"basemap.margin_m must be a number of metres, 0 or more, instead got: {self.margin_m!r}")


@dataclass(frozen=True)
class AreasSettings:
    """Area boundaries to count by (``areas: FILE`` for short): polygons with a name.

    ``path``, ``layer`` (default the first), ``name_column`` and ``id_column`` (default guessed).
    """

    path: str = ""
    layer: str = ""
    name_column: str = ""
    id_column: str = ""

    def _validate(self) -> None:
        if not self.path and (self.layer or self.name_column or self.id_column):
            raise ConfigError("areas.layer, areas.name_column and areas.id_column need areas.path, instead "
                              "areas.path is empty")


@dataclass(frozen=True)
class GazetteerSettings:
    """The user's own gazetteer, read offline when a dataset is loaded (see
    :mod:`contextmap.ingest.gazetteer`): ``postcodes`` (ONS Postcode Directory or Code-Point
    Open CSV files) and ``names`` (OS Open Names CSV files), each a file, a glob or a list of
    them. A relative path is read from the working directory; a sources manifest's own
    ``gazetteer:`` entry wins over this one, key by key.
    """

    postcodes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def _validate(self) -> list[str]:
        return [f"gazetteer.{k} must not hold an empty path, instead got: {list(getattr(self, k))!r}"
                for k in ("postcodes", "names") if any(not x.strip() for x in getattr(self, k))]


@dataclass(frozen=True)
class IngestSettings:
    """Where the area's locations are expected, so that mistyped coordinates are caught.

    ``area_bounds`` is a WGS84 box ``[min longitude, min latitude, max longitude, max
    latitude]``; a location outside it by more than ``area_buffer_km`` is a warning naming
    the row (kept: a child placed out of area lives elsewhere). Without ``area_bounds``, a
    location more than ``outlier_km`` from the middle of the others is the warning.
    """

    area_bounds: tuple[float, float, float, float] | None = None
    area_buffer_km: float = 10.0
    outlier_km: float = 80.0

    def _validate(self) -> None:
        b = self.area_bounds
        if b is not None:
            ok = (isinstance(b, (list, tuple)) and len(b) == 4
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in b))
            if not ok or not (b[0] < b[2] and b[1] < b[3]):
                raise ConfigError(
                    "ingest.area_bounds must be [min longitude, min latitude, max longitude, max latitude] "
                    f"with min below max, instead got: {b!r}")
            object.__setattr__(self, "area_bounds", tuple(float(v) for v in b))
        for name in ("area_buffer_km", "outlier_km"):
            if getattr(self, name) < 0:
                raise ConfigError(f"ingest.{name} must not be negative, instead got: {getattr(self, name)!r}")


@dataclass(frozen=True)
class Settings:
    """All settings. Build with :meth:`from_dict` or :func:`load_settings`."""

    area: str = "Example Area"
    risk: RiskSettings = field(default_factory=RiskSettings)
    panel: PanelSettings = field(default_factory=PanelSettings)
    rhi: RhiSettings = field(default_factory=RhiSettings)
    graph: GraphSettings = field(default_factory=GraphSettings)
    flags: FlagSettings = field(default_factory=FlagSettings)
    map: MapSettings = field(default_factory=MapSettings)
    basemap: BasemapSettings = field(default_factory=BasemapSettings)
    areas: AreasSettings = field(default_factory=AreasSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    gazetteer: GazetteerSettings = field(default_factory=GazetteerSettings)
    extra: dict[str, Any] = field(default_factory=dict)
    """Sections owned by other modules (for example ``audiences``), validated there."""

    _EXTRA_SECTIONS = ("audiences", "pack", "vocabulary")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Settings:
        """Build settings from a mapping, validating every section.

        Raises
        ------
        ConfigError
            Listing every unknown key and invalid value at once (``problems`` holds them).
        """
        if data is not None and not isinstance(data, Mapping):
            raise ConfigError(f"settings must be a mapping of sections, instead got: {data!r}")
        data = dict(data or {})
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        problems: list[str] = []
        hints = get_type_hints(cls)
        known = {f.name for f in fields(cls)} - {"extra"}
        for key, value in data.items():
            if key == "vocabulary":  # plain words for codes (contextmap.vocabulary)
                try:
                    extra[key] = check_vocabulary(value)
                except ConfigError as exc:
                    problems.append(str(exc))
                continue
            if key == "pack":
                extra[key] = value
                problems += _pack_problems(value)
                continue
            if key == "audiences":
                extra[key] = value
                problems += _audience_problems(value)
                continue
            if key not in known:
                problems.append(
                    f"unknown settings section {key!r}; expected one of {sorted(known | set(cls._EXTRA_SECTIONS))}"
                )
                continue
            if key == "area":
                if not isinstance(value, str):
                    problems.append(f"area must be text, instead got: {value!r}")
                else:
                    kwargs[key] = value
                continue
            if key in ("basemap", "areas") and isinstance(value, str):  # `basemap: town.gpkg`
                value = {"path": value}
            if key == "gazetteer" and isinstance(value, Mapping):  # `postcodes: ONSPD.csv` (one path)
                value = {k: [v] if isinstance(v, str) else v for k, v in value.items()}
            section, found = _section(key, hints[key], value)
            problems += found
            if section is not None:
                kwargs[key] = section
        if problems:
            raise _config_error(problems)
        return cls(**kwargs, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        extra = out.pop("extra")
        out.update(extra)
        return out


def _config_error(problems: list[str]) -> ConfigError:
    """One error for every problem found (the first alone when there is only one)."""
    if len(problems) == 1:
        exc = ConfigError(problems[0])
    else:
        exc = ConfigError(f"{len(problems)} problems in the settings:\n" + "\n".join(f"  - {p}" for p in problems))
    exc.problems = list(problems)  # type: ignore[attr-defined]
    return exc


def _section(name: str, cls: type, value: Any) -> tuple[Any, list[str]]:
    """Build one section's settings; return it (None if it cannot be built) and its problems."""
    if not isinstance(value, Mapping):
        return None, [f"settings section {name!r} must be a mapping, instead got: {value!r}"]
    allowed = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs: dict[str, Any] = {}
    problems: list[str] = []
    for key, v in value.items():
        if key not in allowed:
            problems.append(f"unknown setting {name}.{key}; expected one of {sorted(allowed)}")
            continue
        current = getattr(defaults, key)
        problem = None
        if isinstance(current, tuple):
            if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
                problem = f"{name}.{key} must be a list of names, instead got: {v!r}"
            else:
                v = tuple(v)
        elif isinstance(current, bool):
            if not isinstance(v, bool):
                problem = f"{name}.{key} must be true or false, instead got: {v!r}"
        elif isinstance(current, float):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                problem = f"{name}.{key} must be a number, instead got: {v!r}"
            else:
                v = float(v)
        elif isinstance(current, int):
            if isinstance(v, bool) or not isinstance(v, int):
                problem = f"{name}.{key} must be a whole number, instead got: {v!r}"
        elif isinstance(current, str):
            if not isinstance(v, str):
                problem = f"{name}.{key} must be text, instead got: {v!r}"
        elif isinstance(current, dict):
            if not isinstance(v, Mapping):
                problem = f"{name}.{key} must be a mapping, instead got: {v!r}"
            else:
                v = dict(v)
        if problem:
            problems.append(problem)
        else:
            kwargs[key] = v
    if cls is RiskSettings and "scale" in kwargs and "review_days" not in kwargs and "review_days" not in value:
        # a custom scale keeps only the default cadences for levels it still has
        kwargs["review_days"] = {k: d for k, d in defaults.review_days.items() if k in kwargs["scale"]}
    obj = cls(**kwargs)
    try:
        found = obj._validate()
    except ConfigError as exc:  # a section whose check raises its first problem
        found = [str(exc)]
    problems += list(found or [])
    return (None if problems else obj), problems


def _pack_problems(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"settings section 'pack' must be a mapping, instead got: {value!r}"]
    problems = []
    for k, v in value.items():
        if k not in PACK_OPTIONS:
            problems.append(f"unknown setting pack.{k}; expected one of {sorted(PACK_OPTIONS)}")
        elif isinstance(v, bool) or not isinstance(v, int) or v < 1:
            problems.append(f"pack.{k} must be a positive whole number, instead got: {v!r}")
    return problems


def _audience_problems(value: Any) -> list[str]:
    """Every problem in the ``audiences:`` section (the checks :class:`privacy.Audience` makes)."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"settings section 'audiences' must be a mapping, instead got: {value!r}"]
    problems = []
    names = set(DEFAULT_AUDIENCES) | {str(k) for k in value}
    for name, spec in value.items():
        where = f"audiences.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            problems.append(f"audience name must be lower-case letters, digits, '-' or '_', instead got: {name!r}")
        if spec is None:
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"{where} must be a mapping of options, instead got: {spec!r}")
            continue
        for key, v in spec.items():
            kind = AUDIENCE_OPTIONS.get(key)
            if kind is None:
                problems.append(f"unknown setting {where}.{key}; expected one of {sorted(AUDIENCE_OPTIONS)}")
            elif kind == "bool" and not isinstance(v, bool):
                problems.append(f"{where}.{key} must be true or false, instead got: {v!r}")
            elif kind == "count" and v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                problems.append(f"{where}.{key} must be a positive whole number or null, instead got: {v!r}")
            elif kind == "text" and not isinstance(v, str):
                problems.append(f"{where}.{key} must be text, instead got: {v!r}")
            elif kind == "agenda" and v not in ("children", "disruption"):
                problems.append(f"{where}.agenda must be one of ['children', 'disruption'], instead got: {v!r}")
            elif kind == "audience" and (v not in names or v == name):
                problems.append(f"{where}.based_on names an unknown audience; expected one of "
                                f"{sorted(names - {name})}, instead got: {v!r}")
        if spec.get("show_ids") is False and spec.get("pseudonymise") is False:
            problems.append(f"{where}: show_ids is false, so pseudonymise must be true "
                            "(records need a key), instead got: pseudonymise=False")
    return problems


def load_settings(path: str | Path | None = None) -> Settings:
    """Read settings from a YAML file; ``None`` gives the documented defaults.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    ConfigError
        If the file is not valid YAML, or holds an unknown key or an invalid value.
    """
    if path is None:
        return Settings()
    p = Path(path)
    data = load_yaml(p, what="settings file")
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"settings file {str(p)!r} must hold a mapping of sections, instead got: {data!r}")
    try:
        return Settings.from_dict(data)
    except ConfigError as exc:
        problems = getattr(exc, "problems", [str(exc)])
        err = ConfigError(f"{p}: {exc}")
        err.problems = problems  # type: ignore[attr-defined]
        raise err from None

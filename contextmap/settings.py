"""Area-specific settings: risk scale, review cadences, panel criteria, weights, map tiles.

Every area defines its own rules, so they live in a YAML file rather than in code. Defaults
follow common practice (see ``docs/settings.md``); a settings file overrides any subset.
Unknown keys and invalid values are rejected with an error that names the key and quotes the
value.

Examples
--------
>>> s = Settings.from_dict({"panel": {"episodes_in_period": 5}})
>>> s.panel.episodes_in_period, s.panel.hours_missing
(5, 24.0)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from contextmap._errors import ConfigError, InputNotFoundError
from contextmap.schema import CE_RISK

__all__ = [
    "Settings",
    "RiskSettings",
    "PanelSettings",
    "RhiSettings",
    "GraphSettings",
    "IngestSettings",
    "FlagSettings",
    "MapSettings",
    "load_settings",
]


@dataclass(frozen=True)
class RiskSettings:
    """The exploitation risk scale (lowest first) and review cadence in days per level."""

    scale: tuple[str, ...] = CE_RISK
    review_days: dict[str, int] = field(
        default_factory=lambda: {"low": 84, "medium": 28, "high": 28}
    )

    def _validate(self) -> None:
        if len(set(self.scale)) != len(self.scale) or not self.scale:
            raise ConfigError(f"risk.scale must list distinct levels, instead got: {list(self.scale)!r}")
        for level, days in self.review_days.items():
            if level not in self.scale:
                raise ConfigError(
                    f"risk.review_days names level {level!r}, which is not in risk.scale {list(self.scale)!r}"
                )
            if not isinstance(days, int) or days <= 0:
                raise ConfigError(f"risk.review_days.{level} must be a positive whole number of days, instead got: {days!r}")


@dataclass(frozen=True)
class PanelSettings:
    """When a child meets the criteria for the multi-agency panel (any one rule suffices)."""

    risk_levels: tuple[str, ...] = ("medium", "high")
    hours_missing: float = 24.0
    episodes_in_period: int = 4
    episodes_in_window: int = 3
    window_days: int = 30

    def _validate(self) -> None:
        for name in ("hours_missing", "episodes_in_period", "episodes_in_window", "window_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"panel.{name} must be a positive number, instead got: {value!r}")


@dataclass(frozen=True)
class RhiSettings:
    """Return Home Interview timeliness: hours after return within which it should happen."""

    within_hours: float = 72.0

    def _validate(self) -> None:
        if isinstance(self.within_hours, bool) or not isinstance(self.within_hours, (int, float)) or self.within_hours <= 0:
            raise ConfigError(f"rhi.within_hours must be a positive number, instead got: {self.within_hours!r}")


@dataclass(frozen=True)
class GraphSettings:
    """How evidence is weighted in the context graph (see ``contextmap.graph``)."""

    half_life_days: float = 180.0
    include_e_graded: bool = False
    untested_weight: float = 0.5
    unreliable_weight: float = 0.25
    co_location_days: float = 7.0

    def _validate(self) -> None:
        if self.half_life_days <= 0:
            raise ConfigError(f"graph.half_life_days must be positive, instead got: {self.half_life_days!r}")
        for name in ("untested_weight", "unreliable_weight"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ConfigError(f"graph.{name} must be between 0 and 1, instead got: {v!r}")
        if self.co_location_days < 0:
            raise ConfigError(f"graph.co_location_days must not be negative, instead got: {self.co_location_days!r}")


@dataclass(frozen=True)
class FlagSettings:
    """Which persons and places count as high reach / hotspots for the "newly linked" flags."""

    high_reach_top: int = 5
    hotspot_top: int = 10
    new_within_days: int = 28
    """A link is "new" when the child's first evidence with that person or place falls in
    the last ``new_within_days`` days of the period (the time since the last meeting)."""

    def _validate(self) -> None:
        for name in ("high_reach_top", "hotspot_top", "new_within_days"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"flags.{name} must be a positive whole number, instead got: {v!r}")


@dataclass(frozen=True)
class MapSettings:
    """Base-map tiles: ``'none'`` (default: no network request at all), ``'osm'``, or a URL template."""

    tiles: str = "none"
    attribution: str = ""

    def _validate(self) -> None:
        if self.tiles not in ("none", "osm") and "{z}" not in self.tiles:
            raise ConfigError(
                "map.tiles must be 'none', 'osm' or a URL template containing {z}/{x}/{y}, "
                f"instead got: {self.tiles!r}"
            )


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
    ingest: IngestSettings = field(default_factory=IngestSettings)
    extra: dict[str, Any] = field(default_factory=dict)
    """Sections owned by other modules (for example ``audiences``), validated there."""

    _EXTRA_SECTIONS = ("audiences", "pack")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Settings:
        """Build settings from a mapping, rejecting unknown keys and invalid values."""
        data = dict(data or {})
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        hints = get_type_hints(cls)
        known = {f.name for f in fields(cls)} - {"extra"}
        for key, value in data.items():
            if key in cls._EXTRA_SECTIONS:
                extra[key] = value
                continue
            if key not in known:
                raise ConfigError(
                    f"unknown settings section {key!r}; expected one of {sorted(known | set(cls._EXTRA_SECTIONS))}"
                )
            if key == "area":
                if not isinstance(value, str):
                    raise ConfigError(f"area must be text, instead got: {value!r}")
                kwargs[key] = value
                continue
            kwargs[key] = _section(key, hints[key], value)
        return cls(**kwargs, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        extra = out.pop("extra")
        out.update(extra)
        return out


def _section(name: str, cls: type, value: Any) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"settings section {name!r} must be a mapping, instead got: {value!r}")
    allowed = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for key, v in value.items():
        if key not in allowed:
            raise ConfigError(f"unknown setting {name}.{key}; expected one of {sorted(allowed)}")
        current = getattr(defaults, key)
        if isinstance(current, tuple):
            if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
                raise ConfigError(f"{name}.{key} must be a list of names, instead got: {v!r}")
            v = tuple(v)
        elif isinstance(current, bool):
            if not isinstance(v, bool):
                raise ConfigError(f"{name}.{key} must be true or false, instead got: {v!r}")
        elif isinstance(current, float):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"{name}.{key} must be a number, instead got: {v!r}")
            v = float(v)
        elif isinstance(current, int):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(f"{name}.{key} must be a whole number, instead got: {v!r}")
        elif isinstance(current, str):
            if not isinstance(v, str):
                raise ConfigError(f"{name}.{key} must be text, instead got: {v!r}")
        elif isinstance(current, dict):
            if not isinstance(v, dict):
                raise ConfigError(f"{name}.{key} must be a mapping, instead got: {v!r}")
        kwargs[key] = v
    if cls is RiskSettings and "scale" in kwargs and "review_days" not in kwargs:
        # a custom scale keeps only the default cadences for levels it still has
        kwargs["review_days"] = {k: d for k, d in defaults.review_days.items() if k in kwargs["scale"]}
    obj = cls(**kwargs)
    obj._validate()
    return obj


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
    if not p.is_file():
        raise InputNotFoundError(f"settings file not found: {str(p)!r}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {str(p)!r} is not valid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"settings file {str(p)!r} must hold a mapping of sections, instead got: {data!r}")
    try:
        return Settings.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None

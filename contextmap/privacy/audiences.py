"""Audiences: who may see what, with overrides from the settings file.

The default audiences and what each withholds are tabled in :mod:`contextmap.privacy`
(and ``docs/privacy.md``); :func:`get_audience` returns one, with the settings' overrides.

Examples
--------
>>> get_audience("partner").show_names
False
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contextmap._errors import ConfigError

__all__ = ["Audience", "AUDIENCES", "AGENDAS", "DEFAULT_MARKING", "get_audience", "audience_names"]

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"

AGENDAS = ("children", "disruption")
"""What a pack's first page leads with (:attr:`Audience.agenda`): ``children`` (the children to
decide on today, then persons of concern, places and actions) or ``disruption`` (persons of
concern, places for disruption and intelligence gaps first, then the children)."""


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
    agenda
        What the pack's first page leads with, one of :data:`AGENDAS`: ``'children'``
        (default) or ``'disruption'`` (the police audience's).
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
    agenda: str = "children"

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
        if self.agenda not in AGENDAS:
            raise ConfigError(f"audiences.{self.name}.agenda must be one of {list(AGENDAS)}, instead got: {self.agenda!r}")
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
        agenda="disruption",
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

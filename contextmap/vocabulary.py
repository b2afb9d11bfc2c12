"""Plain words for every code a person reads: flags, table headers, categories, relations.

The analyses speak in codes (``meets_panel_criteria``, ``ce_risk``, ``food_outlet``); a
meeting reads words. Every page, picture and view that a person reads takes its words from
:data:`VOCABULARY` through :func:`vocabulary`, and an area can change any of them in the
``vocabulary:`` section of its settings file, grouped as in :data:`VOCABULARY`:

.. code-block:: yaml

    vocabulary:
      flags:
        meets_panel_criteria: "for the MACE panel"
      headers:
        ce_risk: "CE risk"

Unknown groups, unknown codes and words that are not text are refused with an error naming
them (the settings file is validated when it is read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from contextmap._errors import ConfigError

__all__ = ["VOCABULARY", "Vocabulary", "vocabulary", "check_vocabulary"]

VOCABULARY: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "flags": MappingProxyType({
        "meets_panel_criteria": "meets panel criteria",
        "rhi_late": "return interview late",
        "rhi_missing": "no return interview",
        "risk_review_overdue": "risk review overdue",
        "newly_linked_high_reach_person": "newly linked to a person reaching many children",
        "newly_linked_hotspot": "newly linked to a location of concern",
    }),
    "headers": MappingProxyType({
        "ce_risk": "Risk of exploitation",
        "rank": "Rank", "score": "Score", "episodes": "Episodes", "children": "Children",
        "first_seen": "First seen", "last_seen": "Last seen", "trend": "Trend",
        "grading_mix": "How reliable the intelligence is", "children_reached": "Children linked",
        "groups_reached": "Groups linked", "bridges": "Links groups", "betweenness": "Go-between score",
        "hours": "Hours missing", "review_due": "Review due", "group": "Group", "flags": "Flags",
        "rhi": "Return interview in time", "category": "Kind of place", "location": "Location",
        "person": "Person", "child": "Child", "date": "Date", "relation": "What was recorded",
        "source": "Source", "grading": "Grading", "record": "Record", "index": "Table",
        "read": "Rows read", "accepted": "Accepted", "quarantined": "Set aside", "column": "Column",
        "share": "Share", "filled": "Filled", "table": "Table", "with_coordinates": "With coordinates",
        "locations": "Locations", "links": "Links", "reason": "Reason", "rows": "Rows",
        "entity": "Entity", "records": "Records", "confidence": "Confidence", "why": "Why",
    }),
    "categories": MappingProxyType({
        "address": "address", "park": "park", "shop": "shop", "food_outlet": "takeaway or café",
        "transport": "transport", "hotel": "hotel", "school": "school", "care_home": "care home",
        "other": "other place", "": "not recorded",
    }),
    "relations": MappingProxyType({
        "seen_with": "seen together", "associate": "associates", "friend": "friends",
        "sibling": "brother or sister", "relative": "relative", "partner": "in a relationship",
        "contact": "in contact", "visited": "was there", "found_at": "found there",
        "frequents": "spends time there", "lives_at": "lives there", "stayed_at": "stayed overnight",
        "works_at": "works there or controls it",
    }),
    "sources": MappingProxyType({
        "rhi": "return home interview", "police": "police", "education": "education",
        "health": "health", "social_care": "social care", "community": "community",
        "other": "other", "": "not recorded",
    }),
    "trends": MappingProxyType({
        "new": "new", "rising": "rising", "falling": "falling", "persistent": "persistent",
        "stable": "stable", "": "",
    }),
    "risk": MappingProxyType({
        "none": "none", "low": "low", "medium": "medium", "high": "high", "": "not recorded",
    }),
    "emerging": MappingProxyType({
        "new": "new hotspot", "intensifying": "intensifying", "persistent": "persistent",
        "diminishing": "diminishing", "sporadic": "on and off", "no pattern": "no pattern",
    }),
    "kinds": MappingProxyType({
        "child": "Child", "person": "Person of concern", "location": "Place",
        "provisional": "Unconfirmed mention", "unknown": "Unresolved entity",
    }),
})
"""The default words, by group. Codes not listed are shown with ``_`` read as a space."""


def check_vocabulary(value: Any) -> dict[str, dict[str, str]]:
    """Validate a ``vocabulary:`` settings section; return it as plain dicts.

    Raises
    ------
    ConfigError
        Naming the unknown group or code, or quoting a word that is not text.

    Examples
    --------
    >>> check_vocabulary({"flags": {"rhi_late": "RHI late"}})
    {'flags': {'rhi_late': 'RHI late'}}
    >>> check_vocabulary({"flag": {}})
    Traceback (most recent call last):
    ...
    contextmap._errors.ConfigError: unknown vocabulary group 'flag'; expected one of ['categories', 'emerging', 'flags', 'headers', 'kinds', 'relations', 'risk', 'sources', 'trends']
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"settings section 'vocabulary' must be a mapping, instead got: {value!r}")
    out: dict[str, dict[str, str]] = {}
    for group, words in value.items():
        if group not in VOCABULARY:
            raise ConfigError(f"unknown vocabulary group {group!r}; expected one of {sorted(VOCABULARY)}")
        if not isinstance(words, Mapping):
            raise ConfigError(f"vocabulary.{group} must be a mapping of code to words, instead got: {words!r}")
        for code, word in words.items():
            # flags, headers, kinds and emerging (contextmap.emerging's classes) are closed lists;
            # categories, relations and sources may be extended by an area's own values (the
            # data contract keeps unknown values)
            if group in ("flags", "headers", "kinds", "emerging") and code not in VOCABULARY[group]:
                raise ConfigError(
                    f"unknown code vocabulary.{group}.{code}; expected one of {sorted(VOCABULARY[group])}")
            if not isinstance(word, str) or not word.strip():
                raise ConfigError(f"vocabulary.{group}.{code} must be non-empty text, instead got: {word!r}")
        out[str(group)] = {str(k): str(v) for k, v in words.items()}
    return out


@dataclass(frozen=True)
class Vocabulary:
    """The words in use: the defaults with an area's overrides.

    Call it with a group and a code: ``words("flags", "rhi_late")``.
    """

    overrides: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __call__(self, group: str, code: Any) -> str:
        key = "" if code is None or (not isinstance(code, str) and code != code) else str(code)
        over = self.overrides.get(group, {})
        if key in over:
            return over[key]
        base = VOCABULARY.get(group)
        if base is None:
            raise KeyError(f"Expected a vocabulary group in {sorted(VOCABULARY)}, instead got: {group!r}")
        if key in base:
            return base[key]
        return key.replace("_", " ")

    def table(self, group: str) -> dict[str, str]:
        """Every code of a group with its words."""
        return {k: self(group, k) for k in {**VOCABULARY[group], **self.overrides.get(group, {})}}


def vocabulary(settings: Any = None) -> Vocabulary:
    """The vocabulary for ``settings`` (its ``vocabulary:`` section), or the defaults.

    Examples
    --------
    >>> words = vocabulary()
    >>> words("flags", "risk_review_overdue")
    'risk review overdue'
    >>> words("headers", "ce_risk")
    'Risk of exploitation'
    >>> words("categories", "bus_shelter")
    'bus shelter'
    """
    extra = getattr(settings, "extra", None) or {}
    return Vocabulary(check_vocabulary(extra.get("vocabulary")))

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

__all__ = ["VOCABULARY", "Vocabulary", "vocabulary", "check_vocabulary", "grading_words", "count_words",
           "GRADING_PARTS"]

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
        "state": "Since the last meeting", "age": "Age", "why_today": "Why today", "go_between": "Go-between",
        "why_ranked": "Why it ranks", "uncorroborated": "Links to test", "stable_reference": "Stable reference",
        "owner": "Owner", "due": "Due", "action": "Action", "case": "Case", "pattern": "Hotspot pattern",
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
    "states": MappingProxyType({
        "new": "new", "escalating": "escalating", "steady": "steady", "falling": "falling", "": "",
    }),
    "patterns": MappingProxyType({
        "new": "new hotspot", "intensifying": "intensifying", "persistent": "persistent",
        "diminishing": "diminishing", "sporadic": "on and off", "no pattern": "no clear pattern",
    }),
    "kinds": MappingProxyType({
        "child": "Child", "person": "Person of concern", "location": "Place",
        "provisional": "Unconfirmed mention", "unknown": "Unresolved entity",
    }),
})
"""The default words, by group. Codes not listed are shown with ``_`` read as a space.

``states`` are the pack's one word for how a child, person or place stands since the last
meeting (:mod:`contextmap.pack.states`); ``patterns`` the emerging-hotspot classes
(:mod:`contextmap.emerging`), worded so that none reads as a state."""

GRADING_PARTS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType({
    "source": MappingProxyType({"1": ("reliable", "reliable source"), "2": ("untested", "untested source"),
                                "3": ("not reliable", "source not reliable")}),
    "assessment": MappingProxyType({
        "A": ("known directly", "known directly"), "B": ("corroborated", "known indirectly and corroborated"),
        "C": ("not corroborated", "known indirectly, not corroborated"), "D": ("not known", "not known"),
        "E": ("suspected false", "suspected to be false")}),
    "handling": MappingProxyType({"P": ("may be shared", "lawful sharing permitted"),
                                  "C": ("share with conditions", "lawful sharing permitted with conditions")}),
})
"""The 3x5x2 grading in words: each part's code -> (short words, full words)."""


def grading_words(code: Any, *, full: bool = False) -> str:
    """A 3x5x2 grading with its words, as a meeting reads it.

    Examples
    --------
    >>> grading_words("1B P")
    '1B P (reliable; corroborated)'
    >>> grading_words("2C C", full=True)
    '2C C (untested source; known indirectly, not corroborated; lawful sharing permitted with conditions)'
    >>> grading_words(None), grading_words("episode record"), grading_words("Z9")
    ('not graded', 'episode record', 'grading Z9 (not a 3x5x2 code)')
    """
    if code is None or (not isinstance(code, str) and code != code) or not str(code).strip():
        return "not graded"
    text = str(code).strip()
    if text in ("ungraded", "not graded"):
        return "not graded"
    if text in ("episode", "episode record"):
        return "episode record"
    compact = text.replace(" ", "").replace("-", "").upper()
    parts = GRADING_PARTS
    if len(compact) in (2, 3) and compact[0] in parts["source"] and compact[1] in parts["assessment"] and (
            len(compact) == 2 or compact[2] in parts["handling"]):
        i = 1 if full else 0
        words = [parts["source"][compact[0]][i], parts["assessment"][compact[1]][i]]
        if full and len(compact) == 3:
            words.append(parts["handling"][compact[2]][i])
        return f"{text} ({'; '.join(words)})"
    return f"grading {text} (not a 3x5x2 code)"


def count_words(n: Any, one: str, many: str | None = None) -> str:
    """``n`` and the noun agreeing with it: ``1 child``, ``3 children``, ``<5 children``.

    Examples
    --------
    >>> count_words(1, "child", "children"), count_words(0, "episode"), count_words("<5", "person", "persons")
    ('1 child', '0 episodes', '<5 persons')
    """
    plural = many or one + "s"
    try:
        single = int(n) == 1 and str(n).strip() == "1"
    except (TypeError, ValueError):
        single = False
    return f"{n} {one if single else plural}"


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
    contextmap._errors.ConfigError: unknown vocabulary group 'flag'; expected one of ['categories', 'flags', 'headers', 'kinds', 'patterns', 'relations', 'risk', 'sources', 'states', 'trends']
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
            # flags, headers and kinds are closed lists; categories, relations and sources may
            # be extended by an area's own values (the data contract keeps unknown values)
            if group in ("flags", "headers", "kinds", "states", "patterns") and code not in VOCABULARY[group]:
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

"""Timelines of a child, a person and a place."""

from __future__ import annotations

import pytest
from _analysis_data import two_groups_dataset

from contextmap.timelines import TIMELINE_COLUMNS, timeline


def test_child_timeline_in_date_order_with_episodes_and_links():
    t = timeline(two_groups_dataset(), "C1")
    assert list(t.columns) == TIMELINE_COLUMNS
    assert t["date"].is_monotonic_increasing
    assert t.loc[t["event"] == "episode", "episode_id"].tolist() == ["E1", "E2", "E3"]
    assert {"K1", "K2", "K13", "K17"} <= set(t["link_id"].dropna())
    e2 = t.set_index("episode_id").loc["E2"]
    assert "224 h after return" in e2["detail"] and e2["other_id"] == "L1"


def test_person_and_place_timelines():
    ds = two_groups_dataset()
    p = timeline(ds, "P3")
    assert p["other_id"].tolist() == ["C3", "C4"] and set(p["event"]) == {"link"}
    place = timeline(ds, "L2")
    assert place.loc[place["event"] == "episode", "other_id"].tolist() == ["C4", "C5"]


def test_window_and_unknown_id():
    t = timeline(two_groups_dataset(), "C1", start="2024-06-10", end="2024-06-12")
    assert t["date"].min().day >= 10 and t["date"].max().day <= 12 and len(t) == 2
    with pytest.raises(KeyError, match="'NOPE'"):
        timeline(two_groups_dataset(), "NOPE")

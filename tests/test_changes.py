"""The previous-pack comparison on small hand-made states (the end-to-end check is in test_pack).

Places and persons take the pack's one word for their state (contextmap.pack.states): a place
or person in the previous pack is never "new" again, whatever its counts."""

from __future__ import annotations

import json

import pytest

from contextmap._errors import ConfigError, InputNotFoundError
from contextmap.pack.changes import PackState, compare, read_state


def _state(**kw) -> PackState:
    base = dict(ids="raw", audience="police", period={"start": "2024-01-01", "end": "2024-03-31"},
                hotspots=[], persons_of_concern=[], peer_groups=[], group_links=[], panel_children=[])
    base.update(kw)
    return PackState(**base)


def _hot(lid, rank, episodes, children):
    return {"location_id": lid, "rank": rank, "score": 1.0 / rank, "episodes": episodes, "children": children}


def test_identical_states_have_no_changes():
    s = _state(
        hotspots=[_hot("L1", 1, 5, 3)],
        persons_of_concern=[{"person_id": "P1", "rank": 1, "children_reached": 2}],
        peer_groups=[{"id": "1", "children": ["C1", "C2", "C3"]}, {"id": "2", "children": ["C4", "C5"]}],
        group_links=[{"groups": ["1", "2"], "via": ["P1"]}],
        panel_children=["C1"],
    )
    assert compare(s, s).is_empty


def test_hotspots_new_and_escalating_but_not_quieter_ones():
    prev = _state(hotspots=[_hot("L1", 1, 5, 3), _hot("L2", 2, 4, 2), _hot("L3", 3, 3, 3)])
    cur = _state(hotspots=[_hot("L9", 1, 9, 4), _hot("L2", 2, 4, 3), _hot("L1", 3, 2, 1)])
    ch = compare(prev, cur)
    assert [h["location_id"] for h in ch.new_hotspots] == ["L9"]
    assert [h["location_id"] for h in ch.escalating_hotspots] == ["L2"]
    assert ch.escalating_hotspots[0]["detail"] == "3 children seen there (2 at the last meeting)"
    # one word each: the new place is not also escalating, the quieter one is neither
    marks = ch.new_marks()
    assert marks["L9"].startswith("new:") and marks["L2"].startswith("escalating:") and "L1" not in marks


def test_a_person_in_the_previous_pack_is_never_new_again():
    prev = _state(persons_of_concern=[{"person_id": "P1", "rank": 1, "children_reached": 3},
                                      {"person_id": "P2", "rank": 2, "children_reached": 0}])
    cur = _state(persons_of_concern=[{"person_id": "P1", "rank": 2, "children_reached": 3},
                                     {"person_id": "P2", "rank": 1, "children_reached": 4},
                                     {"person_id": "P3", "rank": 3, "children_reached": 0},
                                     {"person_id": "P4", "rank": 4, "children_reached": 1}])
    ch = compare(prev, cur)
    # P2 was listed before (reaching nobody): now escalating, not new; P3 reaches nobody
    assert [p["person_id"] for p in ch.new_persons] == ["P4"]


def test_groups_matched_by_members_not_by_id():
    prev = _state(peer_groups=[{"id": "1", "children": ["A", "B", "C"]},
                               {"id": "2", "children": ["D", "E", "F"]},
                               {"id": "3", "children": ["G", "H", "I", "J"]}])
    # ids renumbered; 1 and 2 merged into x; 3 split into y and z
    cur = _state(peer_groups=[{"id": "x", "children": ["A", "B", "C", "D", "E", "F"]},
                              {"id": "y", "children": ["G", "H"]},
                              {"id": "z", "children": ["I", "J", "K"]}])
    ch = compare(prev, cur)
    assert ch.merged_groups == [{"group": "x", "previous_groups": ["1", "2"], "size": 6}]
    assert ch.split_groups == [{"previous_group": "3", "groups": ["y", "z"], "previous_size": 4}]
    renumbered = _state(peer_groups=[{"id": str(i + 10), "children": g["children"]}
                                     for i, g in enumerate(prev.peer_groups)])
    assert compare(prev, renumbered).is_empty


def test_group_links_new_only_when_no_earlier_link_joined_those_children():
    groups = [{"id": "1", "children": ["A", "B"]}, {"id": "2", "children": ["C", "D"]},
              {"id": "3", "children": ["E", "F"]}]
    prev = _state(peer_groups=groups, group_links=[{"groups": ["1", "2"], "via": ["P1"]}])
    cur_groups = [{"id": "a", "children": ["A", "B"]}, {"id": "b", "children": ["C", "D"]},
                  {"id": "c", "children": ["E", "F"]}]
    cur = _state(peer_groups=cur_groups, group_links=[{"groups": ["b", "a"], "via": ["P7"]},
                                                     {"groups": ["a", "c"], "via": ["P2"]}])
    assert compare(prev, cur).new_group_links == [{"groups": ["a", "c"], "via": ["P2"]}]


def test_panel_children_only_newly_meeting():
    prev = _state(panel_children=["C1", "C2"])
    cur = _state(panel_children=["C2", "C3", "C1"])
    assert compare(prev, cur).new_panel_children == ["C3"]


def test_raw_and_pseudonymised_packs_do_not_compare():
    with pytest.raises(ConfigError, match="pseudonym"):
        compare(_state(ids="pseudonym", audience="partner"), _state())


def test_state_round_trips_and_summary_fallback(tmp_path):
    s = _state(hotspots=[_hot("L1", 1, 5, 3)], panel_children=["C1"])
    s.write(tmp_path / "pack_state.json")
    assert read_state(tmp_path) == s
    old = tmp_path / "old"
    old.mkdir()
    (old / "summary.json").write_text(json.dumps({
        "period": {"start": "2024-01-01", "end": "2024-03-31"},
        "hotspots": [{"location_id": "L1", "rank": 5, "score": 0.2},
                     {"location_id": "L2", "rank": 2, "score": 0.5}],
        "persons_of_concern": [], "peer_groups": [],
        "flags": [{"child_id": "C1", "flag": "panel", "detail": "x"},
                  {"child_id": "C2", "flag": "rhi_late", "detail": "y"}],
    }))
    prev = read_state(old, panel_flags=("panel",))
    assert prev.panel_children == ["C1"] and prev.has_counts is False
    cur = _state(hotspots=[_hot("L1", 1, 5, 3), _hot("L2", 2, 1, 1)], has_counts=True,
                 panel_children=["C1", "C2"])
    ch = compare(prev, cur)
    assert [h["location_id"] for h in ch.escalating_hotspots] == ["L1"]  # up 4 places
    assert ch.new_panel_children == ["C2"]
    assert any("no counts per place" in n for n in ch.notes)


def test_missing_previous_pack_is_a_clear_error(tmp_path):
    with pytest.raises(InputNotFoundError, match="previous="):
        read_state(tmp_path / "nope")

"""Peer groups at region scale: colours told apart, and what a collapsed view keeps in sight."""

from __future__ import annotations

import networkx as nx
import pytest

from contextmap.views.netgroups import (
    GROUP_PALETTE,
    GROUP_PATTERNS,
    collapse_roles,
    group_links,
    group_styles,
)


def test_palette_is_qualitative_and_avoids_the_kind_colours():
    from contextmap.views.network import KIND_STYLE

    assert len(set(GROUP_PALETTE)) == len(GROUP_PALETTE) == 9
    kind_colours = {st["color"].lower() for st in KIND_STYLE.values()}
    assert not kind_colours & {c.lower() for c in GROUP_PALETTE}


@pytest.mark.parametrize("n", [2, 9, 12, 36])
def test_up_to_36_groups_all_differ(n):
    styles = group_styles([f"G{i}" for i in range(n)])
    pairs = [(s["color"], s["pattern"]) for s in styles.values()]
    assert len(set(pairs)) == n
    if n <= len(GROUP_PALETTE):  # a colour each, no pattern needed
        assert {s["pattern"] for s in styles.values()} == {"solid"}


def test_beyond_the_palette_neighbours_never_match():
    # 150 groups in a ring, each linked to the next and the one after; discs side by side
    order = [f"G{i}" for i in range(150)]
    links = {(order[i], order[(i + k) % 150]): 1 for i in range(150) for k in (1, 2)}
    discs = {g: (float(i), 0.0, 0.45) for i, g in enumerate(order)}
    styles = group_styles(order, links=links, discs=discs)
    for (g, h) in links:
        assert styles[g] != styles[h], (g, h)
    used = {(s["color"], s["pattern"]) for s in styles.values()}
    assert len(used) == len(GROUP_PALETTE) * len(GROUP_PATTERNS)  # spread over every pair
    assert set(GROUP_PATTERNS) == {s["pattern"] for s in styles.values()}


def test_group_links_count_direct_links_and_shared_contacts():
    G = nx.Graph([("a1", "b1"), ("a2", "b1"), ("a1", "P"), ("b2", "P"), ("c1", "P"), ("a1", "L")])
    member = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}
    kinds = {v: "child" for v in member} | {"P": "person", "L": "location"}
    assert group_links(G, member, kinds) == {("A", "B"): 3, ("A", "C"): 1, ("B", "C"): 1}


def test_collapse_roles_fold_private_contacts_and_keep_bridges_in_sight():
    G = nx.Graph()
    member = {f"a{i}": "A" for i in range(3)} | {f"b{i}": "B" for i in range(3)} | {f"c{i}": "C" for i in range(3)}
    kinds = {v: "child" for v in member} | {"BOSS": "person", "OWN": "person", "HUB": "location",
                                            "PAIR": "location", "X": "person", "LONE": "child"}
    G.add_edges_from([("a0", "BOSS"), ("b0", "BOSS"), ("a1", "OWN"), ("a0", "HUB"), ("b0", "HUB"), ("c0", "HUB"),
                      ("a2", "PAIR"), ("b2", "PAIR"), ("LONE", "X"), ("a0", "a1")])
    G.add_node("X", provisional=True)
    reach = {"BOSS": 2, "OWN": 1, "HUB": 3, "PAIR": 2, "X": 1}
    home, shown = collapse_roles(G, kinds, member, reach, max_shown=30)
    assert home["a1"] == "A" and home["OWN"] == "A" and home["BOSS"] is None and home["LONE"] is None
    assert {"BOSS", "HUB"} <= shown  # a person linking two groups; a place linking three
    assert "OWN" not in shown and "a0" not in shown
    # places linking only two groups wait for a closer look unless they reach most children
    assert "PAIR" in shown  # here it is among the top reach
    _, few = collapse_roles(G, kinds, member, reach, max_shown=3)  # room for 2 persons, 1 place, 1 top reach
    assert few == {"BOSS", "HUB"}

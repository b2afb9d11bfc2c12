"""The context graph: nodes, evidence, weights, windows, grading rules, exports."""

from __future__ import annotations

import math
import random

import igraph as ig
import networkx as nx
import pytest
from _analysis_data import make_dataset, two_groups_dataset

from contextmap import Settings
from contextmap._errors import ConfigError, OutputExistsError
from contextmap.exports import write_gexf, write_graphml
from contextmap.graph import (
    child_pairs,
    children_projection,
    evidence_weight,
    graph_from_dataset,
)


def test_nodes_carry_kind_label_and_attributes():
    G = graph_from_dataset(two_groups_dataset())
    assert G.nodes["C1"]["kind"] == "child" and G.nodes["C1"]["ce_risk"] == "high"
    assert G.nodes["P1"] == {"kind": "person", "label": "Adult 1"}
    assert G.nodes["L1"]["category"] == "park"
    assert G.nodes["L1"]["latitude"] == pytest.approx(54.89)
    assert "C7" not in G  # no evidence and no episode: not in the graph


def test_found_location_creates_child_location_evidence():
    G = graph_from_dataset(two_groups_dataset())
    ev = G["C1"]["L3"]["evidence"]
    assert [(e["relation"], e["episode_id"], e["date"]) for e in ev] == [("found_at", "E3", "2024-06-16")]
    assert G["C1"]["L3"]["corroborated"] is True  # an episode record is a service record


def test_e_graded_excluded_by_default_and_included_on_request():
    ds = two_groups_dataset()
    assert not graph_from_dataset(ds).has_edge("C1", "C6")
    G = graph_from_dataset(ds, settings=Settings.from_dict({"graph": {"include_e_graded": True}}))
    edge = G["C1"]["C6"]
    assert edge["e_graded"] and not edge["corroborated"] and edge["min_grade"] == "3E"


def test_weight_decays_with_half_life_and_grading():
    assert evidence_weight(["1"], ["A"], [180])[0] == pytest.approx(0.5)
    assert evidence_weight(["2"], ["A"], [0])[0] == pytest.approx(0.5)  # untested source
    assert evidence_weight(["3"], ["B"], [0])[0] == pytest.approx(0.25)  # unreliable source
    s = Settings.from_dict({"graph": {"half_life_days": 10.0}})
    assert evidence_weight(["1"], ["A"], [20], settings=s)[0] == pytest.approx(0.25)
    # ungraded evidence counts as untested source, assessment C
    assert evidence_weight([None], [None], [0])[0] == pytest.approx(0.5 * 0.75)


def test_edge_weight_is_sum_of_evidence_weights_relative_to_end():
    ds = two_groups_dataset()
    G = graph_from_dataset(ds, end="2024-06-15")
    # C1-C2: one 1A link on 2024-06-05, 10 days before the end
    assert G["C1"]["C2"]["weight"] == pytest.approx(0.5 ** (10 / 180))
    # C4-P3 (2C, 2024-06-11) falls after an end of 2024-06-10: not in the graph
    G2 = graph_from_dataset(ds, end="2024-06-10")
    assert not G2.has_edge("C4", "P3") and G2.has_edge("C3", "P3")


def test_window_start_excludes_older_evidence():
    G = graph_from_dataset(two_groups_dataset(), start="2024-06-05", end="2024-06-30")
    assert not G.has_edge("C1", "P1")  # linked on 2024-06-01
    assert G.has_edge("C1", "C2")  # 2024-06-05 is inside (inclusive)


def test_corroboration_rules():
    ds = two_groups_dataset()
    G = graph_from_dataset(ds)
    assert G["C1"]["P1"]["corroborated"] is True  # 1A
    assert G["C4"]["P2"]["corroborated"] is False  # 2B from one source type
    # two independent untested source types make it corroborated
    rows = {
        "children": [{"child_id": "C1"}],
        "persons": [{"person_id": "P1"}],
        "links": [
            {"link_id": "K1", "source_id": "C1", "target_id": "P1", "relation": "contact",
             "observed_on": "2024-01-01", "source_type": "rhi", "grading": "2C P"},
            {"link_id": "K2", "source_id": "P1", "target_id": "C1", "relation": "contact",
             "observed_on": "2024-01-02", "source_type": "education", "grading": "2C P"},
        ],
    }
    H = graph_from_dataset(make_dataset(**rows))
    assert H["C1"]["P1"]["corroborated"] is True
    assert H["C1"]["P1"]["n_links"] == 2 and H["C1"]["P1"]["first_seen"] == "2024-01-01"


def test_bad_dates_raise_naming_the_argument():
    with pytest.raises(ConfigError, match="start"):
        graph_from_dataset(two_groups_dataset(), start="not a date")
    with pytest.raises(ConfigError, match="after end"):
        graph_from_dataset(two_groups_dataset(), start="2024-07-01", end="2024-06-01")


def test_children_projection_says_what_binds_each_pair():
    G = graph_from_dataset(two_groups_dataset())
    H = children_projection(G)
    assert set(H.nodes) == {f"C{i}" for i in range(1, 7)}
    assert H["C1"]["C2"]["direct"] and H["C1"]["C2"]["persons"] == ["P1"] and H["C1"]["C2"]["places"] == ["L1"]
    assert H["C3"]["C4"]["persons"] == ["P3"] and not H["C3"]["C4"]["direct"]
    assert not H.has_edge("C1", "C4")


def test_co_location_needs_nearby_dates():
    rows = {
        "children": [{"child_id": c} for c in ("C1", "C2", "C3")],
        "locations": [{"location_id": "L1", "latitude": 54.9, "longitude": -2.9}],
        "links": [
            {"link_id": "K1", "source_id": "C1", "target_id": "L1", "relation": "visited", "observed_on": "2024-01-01", "grading": "1A P"},
            {"link_id": "K2", "source_id": "C2", "target_id": "L1", "relation": "visited", "observed_on": "2024-01-05", "grading": "1A P"},
            {"link_id": "K3", "source_id": "C3", "target_id": "L1", "relation": "visited", "observed_on": "2024-06-01", "grading": "1A P"},
        ],
    }
    H = children_projection(graph_from_dataset(make_dataset(**rows)))
    assert H.has_edge("C1", "C2") and not H.has_edge("C1", "C3") and not H.has_edge("C2", "C3")
    H30 = children_projection(graph_from_dataset(make_dataset(**rows)), co_location_days=200)
    assert H30.has_edge("C1", "C3")


def test_exports_round_trip_through_networkx_and_igraph(tmp_path):
    G = graph_from_dataset(two_groups_dataset())
    p = write_graphml(G, tmp_path / "g.graphml")
    back = nx.read_graphml(p)
    assert back.number_of_edges() == G.number_of_edges()
    assert "K13" in back["C1"]["C2"]["link_ids"]
    assert math.isclose(back["C1"]["C2"]["weight"], G["C1"]["C2"]["weight"])
    assert ig.Graph.Read_GraphML(str(p)).vcount() == G.number_of_nodes()
    q = write_gexf(G, tmp_path / "g.gexf")
    assert nx.read_gexf(q).number_of_nodes() == G.number_of_nodes()
    with pytest.raises(OutputExistsError, match="g.gexf"):
        write_gexf(G, q)


def test_a_provisional_person_does_not_bind_children_in_the_projection():
    """Two children who both mentioned an unmatched 'Rhys' are not thereby linked; a real
    person of concern shared by them does link them."""
    from contextmap.graph import children_projection

    G = nx.Graph()
    G.add_nodes_from(["C1", "C2"], kind="child")
    G.add_node("prov-p-1", kind="person", provisional=True)
    for c in ("C1", "C2"):
        G.add_edge(c, "prov-p-1", weight=1.0, evidence=[])
    assert not children_projection(G).has_edge("C1", "C2")
    G.add_node("P1", kind="person")
    for c in ("C1", "C2"):
        G.add_edge(c, "P1", weight=1.0, evidence=[])
    H = children_projection(G)
    assert H.has_edge("C1", "C2") and H["C1"]["C2"]["persons"] == ["P1"]


def _random_context_graph(seed: int) -> nx.Graph:
    """Children, persons (some provisional) and places joined at random, with dated evidence."""
    rng = random.Random(seed)
    G = nx.Graph()
    kids = [f"C{i}" for i in range(rng.randint(2, 25))]
    people = [f"P{i}" for i in range(rng.randint(0, 6))]
    places = [f"L{i}" for i in range(rng.randint(0, 6))]
    nodes = kids + people + places
    rng.shuffle(nodes)  # the graph's node order is not the ids' order
    for n in nodes:
        kind = "child" if n in kids else "person" if n in people else "location"
        G.add_node(n, kind=kind, **({"provisional": True} if kind == "person" and rng.random() < 0.2 else {}))
    for _ in range(rng.randint(0, 80)):
        u, v = rng.sample(nodes, 2)
        if G.nodes[u]["kind"] != "child" and G.nodes[v]["kind"] != "child":
            continue
        dates = sorted(f"2024-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}" for _ in range(rng.randint(1, 3)))
        G.add_edge(u, v, weight=rng.choice([0.25, 0.5, 1.0, 0.3 + rng.random()]),
                   evidence=[{"date": d} for d in dates])
    return G


def _projection_by_hand(G: nx.Graph, days: float) -> dict:
    """The projection's definition, pair by pair: (a, b) -> (direct, persons, places, bindings)."""
    kind = dict(G.nodes(data="kind"))
    order = {n: i for i, n in enumerate(G.nodes)}
    kids = [n for n in G if kind[n] == "child"]
    out = {}
    for i, a in enumerate(kids):
        for b in kids[i + 1:]:
            direct = G.has_edge(a, b)
            parts = [G[a][b]["weight"]] if direct else []
            persons, places = [], []
            for via in sorted(set(G[a]) & set(G[b]), key=order.get):
                k = sum(kind[c] == "child" for c in G[via])
                w1, w2 = G[a][via]["weight"], G[b][via]["weight"]
                if kind[via] == "person" and not G.nodes[via].get("provisional"):
                    persons.append(via)
                    parts.append(min(w1, w2) / (k - 1))
                elif kind[via] == "location":
                    da = [pd_day(e["date"]) for e in G[a][via]["evidence"]]
                    db = [pd_day(e["date"]) for e in G[b][via]["evidence"]]
                    if any(abs(x - y) <= days for x in da for y in db):
                        places.append(via)
                        parts.append(0.5 * min(w1, w2) / max(k - 1, 1))
            if parts:
                key = (a, b) if order[a] < order[b] else (b, a)
                out[key] = (direct, persons, places, parts)
    return out


def pd_day(text: str) -> int:
    import datetime as dt

    return dt.date.fromisoformat(text).toordinal()


@pytest.mark.parametrize("seed", range(40))
def test_the_projection_arrays_follow_the_definition_pair_by_pair(seed):
    G = _random_context_graph(seed)
    days = [0.0, 7.0, 30.0][seed % 3]
    want = _projection_by_hand(G, days)
    H = children_projection(G, co_location_days=days)
    assert list(H.nodes) == [n for n, k in G.nodes(data="kind") if k == "child"]
    assert {(u, v) if u in want or (u, v) in want else (v, u) for u, v in H.edges} == set(want)
    for (a, b), (direct, persons, places, parts) in want.items():
        d = H[a][b]
        assert (d["direct"], d["persons"], d["places"]) == (direct, persons, places)
        assert d["weight"] == pytest.approx(math.fsum(parts), rel=1e-12)
    P = child_pairs(G, co_location_days=days)
    pairs = list(zip(P.a.tolist(), P.b.tolist(), strict=True))
    assert pairs == sorted(pairs) and all(x < y for x, y in pairs)
    assert [(P.nodes[x], P.nodes[y]) for x, y in pairs] == list(H.edges)


def _same_pairs(x, y) -> bool:
    import numpy as np

    return x.nodes == y.nodes and all(np.array_equal(getattr(x, f), getattr(y, f))
                                      for f in ("a", "b", "weight", "direct", "via_pair", "via_field", "via_id"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_context_reads_the_projection_from_its_edge_table_as_child_pairs_reads_the_graph(seed):
    # AnalysisContext.child_pairs reads the edges _add_edges kept as arrays, in G.edges' order:
    # the same pairs, weights and vias (in the same order) as child_pairs walking the graph
    from contextmap.graph import AnalysisContext
    from contextmap.sample import generate_sample

    ds = generate_sample(children=120, seed=seed).to_dataset()
    for start in (None, "2024-06-01"):
        ctx = AnalysisContext(ds, start=start)
        assert _same_pairs(ctx.child_pairs, child_pairs(ctx.graph, settings=ctx.settings))
        assert len(ctx.child_pairs) > 0 and ctx.child_pairs.via_field.tolist().count(2) > 0


def test_the_edge_table_projection_with_undated_visits_provisional_persons_and_peer_links():
    from contextmap.graph import AnalysisContext

    ds = make_dataset(
        children=[{"child_id": f"C{i}"} for i in range(5)],
        persons=[{"person_id": "P1"}, {"person_id": "P2"}],
        locations=[{"location_id": "L1", "latitude": 54.9, "longitude": -2.9}],
        links=[
            {"link_id": "K1", "source_id": "C0", "target_id": "L1", "relation": "seen_at", "observed_on": "2024-03-01"},
            {"link_id": "K2", "source_id": "C1", "target_id": "L1", "relation": "seen_at", "observed_on": "2024-03-03"},
            {"link_id": "K3", "source_id": "C1", "target_id": "L1", "relation": "seen_at", "observed_on": "2024-03-02"},
            {"link_id": "K4", "source_id": "C2", "target_id": "L1", "relation": "seen_at", "observed_on": None},
            {"link_id": "K5", "source_id": "P1", "target_id": "C3", "relation": "contact", "observed_on": "2024-03-01"},
            {"link_id": "K6", "source_id": "C4", "target_id": "P1", "relation": "contact", "observed_on": "2024-03-01"},
            {"link_id": "K7", "source_id": "P2", "target_id": "C0", "relation": "contact", "observed_on": "2024-03-01"},
            {"link_id": "K8", "source_id": "P2", "target_id": "C4", "relation": "contact", "observed_on": "2024-03-01"},
            {"link_id": "K9", "source_id": "C3", "target_id": "C0", "relation": "associate", "observed_on": "2024-03-04"},
        ],
    )
    ds.persons["provisional"] = ds.persons["person_id"] == "P2"  # an RHI name resolution matched to no one
    ctx = AnalysisContext(ds, start=None)
    assert ctx.graph.nodes["P2"].get("provisional")
    fast = ctx.child_pairs
    assert _same_pairs(fast, child_pairs(ctx.graph, settings=ctx.settings))
    pairs = {(fast.nodes[a], fast.nodes[b]) for a, b in zip(fast.a.tolist(), fast.b.tolist(), strict=True)}
    assert ("C0", "C1") in pairs and ("C3", "C4") in pairs and ("C0", "C3") in pairs
    assert ("C0", "C4") not in pairs  # only the provisional person joins them


def test_a_graph_changed_after_the_context_built_it_is_read_as_it_now_is():
    from contextmap.graph import AnalysisContext

    ctx = AnalysisContext(two_groups_dataset())
    G = ctx.graph
    G.add_edge("C1", "C6", weight=2.0, evidence=[])  # the table no longer describes the graph
    assert _same_pairs(ctx.child_pairs, child_pairs(G, settings=ctx.settings))

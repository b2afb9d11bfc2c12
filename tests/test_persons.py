"""Persons of concern: ranking by reach, brokerage, key players."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from _analysis_data import make_dataset, two_groups_dataset

from contextmap._errors import ConfigError
from contextmap.graph import AnalysisContext, graph_from_dataset
from contextmap.parallel import beside
from contextmap.persons import (
    approximate_betweenness,
    key_players,
    key_players_and_betweenness,
    rank_persons,
    remember_betweenness,
)


def test_rank_by_reach_and_grading():
    df = rank_persons(two_groups_dataset())
    assert df["person_id"].tolist() == ["P1", "P2", "P3"]
    assert df["rank"].tolist() == [1, 2, 3]
    p1 = df.iloc[0]
    assert p1["children_reached"] == 3 and p1["children"] == ["C1", "C2", "C3"]
    # P1 and P2 both reach three children; P1's intelligence is 1A, P2's 2B: P1 scores higher
    assert df.iloc[0]["score"] > df.iloc[1]["score"]
    assert p1["grading"] == "1A P x3" and p1["corroborated_links"] == 3


def test_bridge_between_groups_is_flagged():
    df = rank_persons(two_groups_dataset()).set_index("person_id")
    assert df.loc["P3", "bridges"] and df.loc["P3", "groups_reached"] == 2
    assert not df.loc["P1", "bridges"]
    assert df.loc["P3", "betweenness"] > df.loc["P1", "betweenness"]


def test_betweenness_from_a_child_process_is_what_rank_persons_would_compute():
    # the analysis computes the betweenness beside the peer groups, in a forked child, and
    # hands it to rank_persons through the context: the ranking is the same as computed here
    ds = two_groups_dataset()
    here = rank_persons(AnalysisContext(ds), peer_groups={})
    ctx = AnalysisContext(ds)
    job = beside(key_players_and_betweenness, ctx, k=2, use_child=True)
    kp, btw = job.result()
    assert kp["person_id"].tolist() == key_players(AnalysisContext(ds), k=2)["person_id"].tolist()
    remember_betweenness(ctx, btw)
    there = rank_persons(ctx, peer_groups={})
    assert there.equals(here)
    assert here.set_index("person_id").loc["P3", "betweenness"] > 0


def test_rank_persons_reads_the_betweenness_kept_in_its_context():
    ctx = AnalysisContext(two_groups_dataset())
    remember_betweenness(ctx, {"P1": 0.5, "P2": 0.25, "P3": 0.125})
    df = rank_persons(ctx, peer_groups={}).set_index("person_id")
    assert df["betweenness"].to_dict() == {"P1": 0.5, "P2": 0.25, "P3": 0.125}
    # kept per sample size and seed: another seed computes its own
    other = rank_persons(ctx, peer_groups={}, seed=1).set_index("person_id")
    assert other.loc["P3", "betweenness"] > other.loc["P1", "betweenness"]


def test_recency_lowers_the_score():
    rows = {
        "children": [{"child_id": f"C{i}"} for i in range(4)],
        "persons": [{"person_id": "OLD"}, {"person_id": "NEW"}],
        "links": [
            {"link_id": f"K{i}", "source_id": p, "target_id": f"C{i % 2 + (2 if p == 'NEW' else 0)}",
             "relation": "contact", "observed_on": d, "grading": "1A P"}
            for i, (p, d) in enumerate([("OLD", "2023-01-01"), ("OLD", "2023-01-02"),
                                        ("NEW", "2024-01-01"), ("NEW", "2024-01-02")])
        ],
    }
    df = rank_persons(make_dataset(**rows), peer_groups={})
    assert df["person_id"].tolist() == ["NEW", "OLD"]
    assert df["children_reached"].tolist() == [2, 2]


def test_sampled_betweenness_tracks_exact():
    G = nx.barabasi_albert_graph(600, 2, seed=1)
    exact = approximate_betweenness(G, k=None)
    approx = approximate_betweenness(G, k=200, exact_limit=100, seed=0)
    ref = nx.betweenness_centrality(G)
    assert exact[0] == pytest.approx(ref[0])
    top = sorted(ref, key=ref.get, reverse=True)[:5]
    assert all(approx[n] == pytest.approx(ref[n], rel=0.35) for n in top)


def test_key_player_is_the_bridge():
    # two groups of four children, each held together by two adults; B alone joins the groups
    G = nx.Graph()
    for c in range(8):
        G.add_node(f"C{c}", kind="child")
    for p in ("A1", "A2", "B", "D1", "D2"):
        G.add_node(p, kind="person", label=p)
    G.add_edges_from([(a, f"C{c}") for a in ("A1", "A2") for c in range(4)])
    G.add_edges_from([(d, f"C{c}") for d in ("D1", "D2") for c in range(4, 8)])
    G.add_edges_from([("B", "C0"), ("B", "C4")])
    kp = key_players(G, k=1)
    assert kp["person_id"].tolist() == ["B"]
    assert kp.loc[0, "gain"] == pytest.approx(1 - (2 * 4 * 3) / (8 * 7))


def test_key_player_fragmentation_prefers_a_hub_over_a_bridge_when_it_splits_more():
    # one adult holding four children alone outweighs a bridge between two groups of two
    G = nx.Graph()
    G.add_nodes_from([f"C{c}" for c in range(6)], kind="child")
    G.add_nodes_from(["HUB", "BR", "X"], kind="person", label="p")
    G.add_edges_from([("HUB", f"C{c}") for c in range(4)] + [("BR", "C3"), ("BR", "C4"), ("X", "C4"), ("X", "C5")])
    assert key_players(G, k=1)["person_id"].tolist() == ["HUB"]


def test_key_players_greedy_gains_and_validation():
    kp = key_players(graph_from_dataset(two_groups_dataset()), k=3)
    assert kp["step"].tolist() == [1, 2, 3]
    assert (kp["gain"] > 0).all()
    assert kp["fragmentation"].is_monotonic_increasing and kp["fragmentation"].iloc[-1] == 1.0
    with pytest.raises(ConfigError, match="k.*0"):
        key_players(nx.Graph(), k=0)


def test_reach_first_then_score_and_score_order():
    rows = {
        "children": [{"child_id": f"C{i}"} for i in range(5)],
        "persons": [{"person_id": "WIDE"}, {"person_id": "STRONG"}],
        "links": [
            *({"link_id": f"W{i}", "source_id": "WIDE", "target_id": f"C{i}", "relation": "contact",
               "observed_on": "2022-01-01", "grading": "3D P"} for i in range(3)),
            *({"link_id": f"S{i}", "source_id": "STRONG", "target_id": f"C{i}", "relation": "contact",
               "observed_on": "2024-01-01", "grading": "1A P"} for i in (3, 4)),
        ],
    }
    ds = make_dataset(**rows)
    assert rank_persons(ds, peer_groups={})["person_id"].tolist() == ["WIDE", "STRONG"]
    assert rank_persons(ds, peer_groups={}, order="score")["person_id"].tolist() == ["STRONG", "WIDE"]
    with pytest.raises(ConfigError, match="'best'"):
        rank_persons(ds, peer_groups={}, order="best")


def test_provisional_persons_are_not_ranked_by_default():
    G = nx.Graph()
    G.add_nodes_from([f"C{i}" for i in range(4)], kind="child")
    G.add_node("P1", kind="person", label="Adult")
    G.add_node("prov-1", kind="person", label="Rhys", provisional=True)
    ev = [{"date": "2024-01-01", "grading": None}]
    G.add_edges_from([("prov-1", f"C{i}") for i in range(4)], weight=1.0, evidence=ev)
    G.add_edges_from([("P1", "C0"), ("P1", "C1")], weight=1.0, evidence=ev)
    assert rank_persons(G, peer_groups={})["person_id"].tolist() == ["P1"]
    both = rank_persons(G, peer_groups={}, include_provisional=True)
    assert both["person_id"].tolist() == ["prov-1", "P1"]
    assert "prov-1" not in set(key_players(G, k=2)["person_id"])


def _brute_force_key_players(G: nx.Graph, k: int) -> list[tuple[str, float]]:
    """Key players as defined: remove each candidate in turn and count child pairs that still
    reach each other with networkx (children joined only through adults)."""
    kinds = nx.get_node_attributes(G, "kind")
    H = nx.Graph()
    H.add_nodes_from(n for n, kd in kinds.items() if kd in ("child", "person"))
    H.add_edges_from((u, v) for u, v in G.edges() if u in H and v in H and not (kinds[u] == kinds[v] == "child"))
    children = [n for n in H if kinds[n] == "child"]
    pairs = len(children) * (len(children) - 1)

    def frag(removed: set[str]) -> float:
        rest = H.subgraph(set(H) - removed)
        reach = sum(s * (s - 1) for s in (sum(kinds[n] == "child" for n in c) for c in nx.connected_components(rest)))
        return 1.0 - reach / pairs

    reach_of = {p: sum(kinds[c] == "child" for c in H[p]) for p in H if kinds[p] == "person"}
    cand = sorted(reach_of, key=lambda p: (-reach_of[p], p))[:50]
    removed: set[str] = set()
    out = []
    for _ in range(min(k, len(cand))):
        scores = [(frag(removed | {p}), p) for p in cand if p not in removed]
        best_f = max(f for f, _ in scores)
        best = next(p for f, p in scores if f > best_f - 1e-12)
        removed.add(best)
        out.append((best, best_f))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_key_players_match_removing_each_candidate_by_brute_force(seed: int) -> None:
    # random networks with trees, cycles, isolated children and person-person links: the
    # one-pass block-cut-tree computation must pick what trying every removal picks
    rng = np.random.default_rng(seed)
    G = nx.Graph()
    n_c, n_p = int(rng.integers(5, 40)), int(rng.integers(3, 25))
    G.add_nodes_from((f"C{i}" for i in range(n_c)), kind="child")
    G.add_nodes_from((f"P{i}" for i in range(n_p)), kind="person", label="p")
    G.add_node("L0", kind="location")
    nodes = list(G)
    for _ in range(int(rng.integers(n_c // 2, 3 * (n_c + n_p)))):
        u, v = rng.choice(len(nodes), size=2, replace=False)
        G.add_edge(nodes[u], nodes[v])
    got = key_players(G, k=3)
    want = _brute_force_key_players(G, 3)
    assert got["person_id"].tolist() == [p for p, _ in want]
    assert got["fragmentation"].tolist() == [round(f, 6) for _, f in want]

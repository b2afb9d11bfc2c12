"""Peer-network views: edge styles by grading, frozen layout, safe HTML, static renderings."""

from __future__ import annotations

import json
import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import INJECTION_NAMES

from contextmap._errors import ConfigError, OutputExistsError
from contextmap.views.network import network_view


def _ev(grading: str, date: str = "2024-02-01", st: str = "rhi") -> list[dict]:
    return [{"link_id": f"K{grading}", "episode_id": None, "relation": "associate", "date": date,
             "source_type": st, "grading": grading, "handling_code": grading[-1]}]


@pytest.fixture
def small_graph() -> nx.Graph:
    G = nx.Graph()
    for c in ("C1", "C2", "C3"):
        G.add_node(c, kind="child", label=f"Child {c}")
    G.add_node("P1", kind="person", label=INJECTION_NAMES["person"])
    G.add_node("P2", kind="person", label=INJECTION_NAMES["tick"])
    G.add_node("L1", kind="location", label=INJECTION_NAMES["place"])
    G.add_edge("C1", "P1", corroborated=True, evidence=_ev("1A P"))
    G.add_edge("C2", "P1", corroborated=False, evidence=_ev("2C P"))
    G.add_edge("C3", "P2", corroborated=False, evidence=_ev("3E P"))  # only E: hidden
    G.add_edge("C1", "L1", corroborated=True, evidence=_ev("1B P") + _ev("3E C", "2024-03-01"))
    G.add_edge("C2", "L1", corroborated=False, evidence=_ev("2C P"))
    return G


def _payload(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="cm-data">(.*?)</script>', html, re.S)
    return json.loads(raw.group(1))


def test_edge_styles_follow_grading(small_graph):
    v = network_view(small_graph, groups={"C1": "PG1", "C2": "PG1"})
    styles = {frozenset((s, t)): st for s, t, st in v.edges[["source", "target", "style"]].itertuples(index=False)}
    assert styles[frozenset(("C1", "P1"))] == "solid"
    assert styles[frozenset(("C2", "P1"))] == "dashed"
    assert frozenset(("C3", "P2")) not in styles and v.hidden_e_edges == 1
    # E-graded evidence is dropped from an edge that has other evidence
    c1l1 = v.edges[(v.edges["source"] == "C1") & (v.edges["target"] == "L1")].iloc[0]
    assert [e["grading"] for e in c1l1["evidence"]] == ["1B P"]


def test_e_graded_never_written_unless_asked(small_graph):
    data = _payload(network_view(small_graph).html())
    assert "3E" not in json.dumps(data)
    assert len(data["edges"]) == 4 and data["meta"]["hiddenE"] == 1
    shown = network_view(small_graph, show_e_graded=True)
    assert "e_graded" in set(shown.edges["style"])


def test_shapes_colours_reach(small_graph):
    v = network_view(small_graph, groups={"C1": "PG1", "C2": "PG1", "C3": "PG2"})
    nd = v.nodes.set_index("id")
    assert nd.at["P1", "reach"] == 2  # two children reached
    assert nd.at["C1", "reach"] == 2  # connections
    assert nd.at["C1", "color"] == nd.at["C2", "color"] != nd.at["C3", "color"]
    assert nd.at["P1", "size"] > nd.at["P2", "size"]
    assert pd.isna(nd.at["P1", "group"])  # groups colour children only


def test_layout_is_seeded_and_frozen(small_graph):
    a = network_view(small_graph, layout_seed=3).nodes[["x", "y"]].to_numpy()
    b = network_view(small_graph, layout_seed=3).nodes[["x", "y"]].to_numpy()
    c = network_view(small_graph, layout_seed=4).nodes[["x", "y"]].to_numpy()
    assert (a == b).all() and not (a == c).all()
    assert "physics: false" in network_view(small_graph).html()


def test_html_is_offline_and_escaped(small_graph):
    html = network_view(small_graph).html()
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html)
    for name in INJECTION_NAMES.values():
        assert name not in html
    assert "<img src=x" not in html
    assert "default-src 'none'" in html  # CSP: the page can fetch nothing
    labels = [r[0] for r in _payload(html)["nodes"]]
    assert INJECTION_NAMES["place"] in labels


def test_title_and_audience_escaped(small_graph):
    html = network_view(small_graph, title="<script>x</script>", audience="partner").html()
    assert "<title>&lt;script&gt;x&lt;/script&gt;</title>" in html
    assert _payload(html)["meta"]["audience"] == "partner"


def test_repr_html_is_isolated_iframe(small_graph):
    rep = network_view(small_graph)._repr_html_()
    assert rep.startswith("<iframe srcdoc=") and "<script" not in rep


def test_png_and_svg(tmp_path, small_graph):
    v = network_view(small_graph)
    png = v.to_png(tmp_path / "n.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = v.to_svg(tmp_path / "n.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<img src=x" not in svg  # text drawn as paths; comments escaped
    with pytest.raises(OutputExistsError):
        v.to_png(png)


def test_from_analysis_like_object(views_parts):
    v = network_view(views_parts)
    assert set(v.groups) == {"PG1", "PG2"}
    assert v.period.startswith("01 Jan 2024")
    # the graded-E link C1-C6 of the fixture is excluded by the graph itself
    assert not ((v.edges["source"] == "C1") & (v.edges["target"] == "C6")).any()
    with pytest.raises(ConfigError, match="graph"):
        network_view({"graph": "nope"})


def _two_groups_sharing_a_hub() -> tuple[nx.Graph, dict[str, str]]:
    """Two tight peer groups of 8 children, each with its own places, plus a hub place and a
    person every child is linked to (the shape that pulled a spring layout into a hairball)."""
    G = nx.Graph()
    groups = {}
    for g in ("PG1", "PG2"):
        kids = [f"{g}-C{i}" for i in range(8)]
        for i, c in enumerate(kids):
            G.add_node(c, kind="child", label=f"Child {c}")
            groups[c] = g
            G.add_edge(c, kids[(i + 1) % 8], corroborated=True, evidence=_ev("1A P"))
            G.add_node(f"{g}-L{i % 3}", kind="location", label=f"Place {g} {i % 3}")
            G.add_edge(c, f"{g}-L{i % 3}", corroborated=False, evidence=_ev("2C P"))
    G.add_node("HUB", kind="location", label="Shopping centre")
    G.add_node("BOSS", kind="person", label="Big T")
    for c in groups:
        G.add_edge(c, "HUB", corroborated=False, evidence=_ev("2C P"))
        G.add_edge(c, "BOSS", corroborated=False, evidence=_ev("2C P"))
    G.add_node("LONE", kind="child", label="Ungrouped child")
    G.add_edge("LONE", "HUB", corroborated=False, evidence=_ev("2C P"))
    return G, groups


def test_groups_occupy_separate_regions():
    G, groups = _two_groups_sharing_a_hub()
    v = network_view(G, groups=groups, layout_seed=1)
    nd = v.nodes.set_index("id")

    def box(g):
        xy = nd[nd["group"] == g][["x", "y"]].to_numpy()
        return xy.min(axis=0), xy.max(axis=0)

    (a0, a1), (b0, b1) = box("PG1"), box("PG2")
    inter = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None).prod()
    smaller = min((a1 - a0).prod(), (b1 - b0).prod())
    assert inter <= 0.1 * smaller  # the two groups' bounding boxes barely overlap, if at all
    # each group's own places sit in its region; shared hub and person sit outside both discs
    for g in ("PG1", "PG2"):
        cx, cy, r = v.group_discs[g]
        for n in (f"{g}-L0", f"{g}-L1", f"{g}-C0"):
            assert np.hypot(nd.at[n, "x"] - cx, nd.at[n, "y"] - cy) <= r * 1.05
        for n in ("HUB", "BOSS"):
            assert np.hypot(nd.at[n, "x"] - cx, nd.at[n, "y"] - cy) > r
    # the ungrouped child is further from the centre than any grouped child
    d = np.hypot(nd["x"], nd["y"])
    assert d["LONE"] > d[list(groups)].max()


def test_prominent_labels_are_few_and_important():
    G, groups = _two_groups_sharing_a_hub()
    v = network_view(G, groups=groups, max_labels=6)
    nd = v.nodes.set_index("id")
    assert int(nd["prominent"].sum()) == 6
    assert nd.at["HUB", "prominent"] and nd.at["BOSS", "prominent"]  # top place and person
    assert not nd.at["LONE", "prominent"]  # ungrouped children only when zoomed in
    payload = _payload(v.html())
    assert [r[8] for r in payload["nodes"]] == [int(b) for b in v.nodes["prominent"]]
    assert {g[0] for g in payload["groups"]} == {"PG1", "PG2"} and all(g[4] > 0 for g in payload["groups"])


def _groups_with_shared_places() -> tuple[nx.Graph, dict[str, str]]:
    """Five peer groups of 6 children in a ring; MAIN links 4 children of PG1 and 1 of PG2;
    STATION links 2 children of every group (a hub)."""
    G = nx.Graph()
    groups = {}
    for g in ("PG1", "PG2", "PG3", "PG4", "PG5"):
        kids = [f"{g}-C{i}" for i in range(6)]
        for i, c in enumerate(kids):
            G.add_node(c, kind="child", label=f"Child {c}")
            groups[c] = g
            G.add_edge(c, kids[(i + 1) % 6], corroborated=True, evidence=_ev("1A P"))
            G.add_node(f"{g}-L{i % 2}", kind="location", label=f"Place {g} {i % 2}")
            G.add_edge(c, f"{g}-L{i % 2}", corroborated=False, evidence=_ev("2C P"))
    G.add_node("MAIN", kind="location", label="Chip shop")
    for c in ["PG1-C0", "PG1-C1", "PG1-C2", "PG1-C3", "PG2-C0"]:
        G.add_edge(c, "MAIN", corroborated=False, evidence=_ev("2C P"))
    G.add_node("STATION", kind="location", label="Central station")
    for g in ("PG1", "PG2", "PG3", "PG4", "PG5"):
        for c in (f"{g}-C4", f"{g}-C5"):
            G.add_edge(c, "STATION", corroborated=False, evidence=_ev("2C P"))
    return G, groups


def test_shared_places_sit_by_their_main_group_and_hubs_outside():
    G, groups = _groups_with_shared_places()
    v = network_view(G, groups=groups, layout_seed=2)
    nd = v.nodes.set_index("id")
    pt = nd.loc["MAIN", ["x", "y"]].to_numpy(dtype=float)

    def gap(g: str, p: np.ndarray) -> float:  # distance from a disc's edge (negative: inside)
        cx, cy, r = v.group_discs[g]
        return float(np.hypot(*(p - (cx, cy))) - r)

    # mostly PG1's: just outside PG1's disc (within a couple of node spacings of its edge),
    # nearer PG1's disc than any other group's, and outside every disc
    r1 = v.group_discs["PG1"][2]
    assert 0 < gap("PG1", pt) < 0.5 * r1 + 0.1
    assert all(gap("PG1", pt) < gap(g, pt) for g in v.group_discs if g != "PG1")
    # on PG1's side facing PG2 (the other group it links to), not over PG1's name above the disc
    c1 = np.array(v.group_discs["PG1"][:2])
    towards = np.array(v.group_discs["PG2"][:2]) - c1
    assert np.dot(pt - c1, towards) > 0
    away = pt - c1
    assert np.degrees(abs(np.arctan2(away[0], -away[1]))) > 30  # y grows downward on screen
    # the hub linked to every group: further from the centre than every group's disc
    centre = nd[["x", "y"]].to_numpy(dtype=float).mean(axis=0)
    hub = nd.loc["STATION", ["x", "y"]].to_numpy(dtype=float)
    far = max(np.hypot(cx - centre[0], cy - centre[1]) + r for cx, cy, r in v.group_discs.values())
    assert np.hypot(*(hub - centre)) > far
    assert all(gap(g, hub) > 0 for g in v.group_discs)


# --- unconfirmed mentions, new since the previous pack, labels, one symbol set ------------


def _with_mention(G: nx.Graph) -> nx.Graph:
    G = G.copy()
    G.add_node("X1", kind="person", label="an older lad called Dwayne", provisional=True)
    for c in ("C1", "C2"):
        G.add_edge(c, "X1", corroborated=False, evidence=_ev("2C P"))
    return G


def test_unconfirmed_mentions_are_their_own_kind_and_reach_no_one(small_graph):
    v = network_view(_with_mention(small_graph), groups={"C1": "PG1", "C2": "PG1"})
    nd = v.nodes.set_index("id")
    assert nd.at["X1", "kind"] == "provisional"
    assert nd.at["X1", "reach"] == 0 and nd.at["X1", "mentions"] == 2
    assert not nd.at["X1", "prominent"]
    assert nd.at["X1", "size"] < nd.at["P1", "size"]
    data = _payload(v.html())
    assert data["kinds"]["provisional"]["label"].startswith("Unconfirmed mention")
    assert data["kinds"]["provisional"]["shape"] != data["kinds"]["person"]["shape"]
    # the static rendering uses the same symbol set and legend words
    fig = v.figure()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Unconfirmed mention" in legend and "Person of concern" in legend


def test_one_symbol_set_for_view_pictures_and_pack(small_graph):
    from contextmap.pack.content import group_picture
    from contextmap.views.network import KIND_STYLE

    data = _payload(network_view(small_graph).html())
    assert {k: v["shape"] for k, v in data["kinds"].items()} == {k: v["shape"] for k, v in KIND_STYLE.items()}
    svg = str(group_picture(_with_mention(small_graph), ["C1", "C2"], ["P1", "L1", "X1"], seed=0))
    for word in ("Child", "Person of concern", "Place", "Unconfirmed mention"):
        assert word in svg


def test_new_since_previous_pack_is_marked(small_graph):
    v = network_view(small_graph, new={"P1": "new person of concern"})
    nd = v.nodes.set_index("id")
    assert nd.at["P1", "new"] == "new person of concern" and nd.at["P2", "new"] == ""
    data = _payload(v.html())
    row = data["nodes"][list(v.nodes["id"]).index("P1")]
    assert row[9] == "new person of concern"
    legend = [t.get_text() for t in v.figure().legends[0].get_texts()]
    assert "New since the last meeting" in legend


def test_static_labels_never_overlap():
    from matplotlib.figure import Figure

    from contextmap.views.network import place_labels

    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1, size=(120, 2))
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.scatter(xy[:, 0], xy[:, 1])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    done = place_labels(ax, x=xy[:, 0], y=xy[:, 1], texts=[f"Person number {i}" for i in range(120)])
    assert 10 < len(done) < 120  # crowded: some are left out rather than overlap
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    r = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    assert len(boxes) == len(done)
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())
    assert all(not t.get_parse_math() for t in ax.texts)


# --- region scale: collapsed by peer group, colours told apart ------------------------------


def _many_groups(n_groups: int = 30, size: int = 4) -> tuple[nx.Graph, dict[str, str]]:
    G = nx.Graph()
    groups = {}
    for g in range(n_groups):
        kids = [f"G{g}-C{i}" for i in range(size)]
        for i, c in enumerate(kids):
            G.add_node(c, kind="child", label=f"Child {g}-{i}")
            groups[c] = f"PG{g + 1}"
            G.add_edge(c, kids[(i + 1) % size], corroborated=True, evidence=_ev("1A P"))
        G.add_node(f"G{g}-L", kind="location", label=f"Own place {g}")
        G.add_edge(kids[0], f"G{g}-L", corroborated=False, evidence=_ev("2C P"))
        if g:
            G.add_edge(kids[1], f"G{g - 1}-C2", corroborated=False, evidence=_ev("2C P"))  # a chain of groups
    G.add_node("BOSS", kind="person", label="Big T")
    for g in range(0, n_groups, 5):
        G.add_edge(f"G{g}-C3", "BOSS", corroborated=False, evidence=_ev("2C P"))
    return G, groups


def test_collapsed_view_folds_groups_and_keeps_bridges():
    G, groups = _many_groups()
    v = network_view(G, groups=groups, collapsed=True)
    nd = v.nodes.set_index("id")
    assert v.collapsed and nd.at["G3-L", "home"] == "PG4" and nd.at["G3-C0", "home"] == "PG4"
    assert pd.isna(nd.at["BOSS", "home"]) and nd.at["BOSS", "shown"]  # links six groups: stays in sight
    data = _payload(v.html())
    assert data["meta"]["collapsed"] is True
    row = data["nodes"][list(v.nodes["id"]).index("G3-L")]
    assert row[11] == [g[0] for g in data["groups"]].index("PG4") and row[12] == 0
    # colour and pattern: every one of the 30 groups differs
    assert len({(g[1], g[6]) for g in data["groups"]}) == 30
    assert {data["meta"]["patterns"][g[6]] for g in data["groups"]} >= {"solid", "stripes"}
    # small graphs open expanded; the threshold decides otherwise
    assert not network_view(G, groups=groups).collapsed
    from contextmap.views.network import COLLAPSE_AT

    assert len(v.nodes) < COLLAPSE_AT


def test_static_picture_patterns_groups_that_share_a_colour(tmp_path):
    G, groups = _many_groups(12, 3)
    v = network_view(G, groups=groups)
    fig = v.figure()
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == sum(1 for p in v.patterns.values() if p != "solid") == 3


def test_a_child_and_an_adult_of_the_same_name_are_told_apart():
    import types

    G = nx.Graph()
    G.add_node("C1", kind="child", label="Jordan Pike")
    G.add_node("P1", kind="person", label="Jordan Pike")
    G.add_node("C2", kind="child", label="Amy Rowe")
    G.add_edge("C1", "P1", corroborated=False, evidence=_ev("2C P"))
    G.add_edge("C2", "P1", corroborated=False, evidence=_ev("2C P"))
    ds = types.SimpleNamespace(
        children=pd.DataFrame({"child_id": ["C1", "C2"], "date_of_birth": ["2010-03-01", None]}),
        persons=pd.DataFrame({"person_id": ["P1"], "date_of_birth": ["29/02/1988"]}))
    an = types.SimpleNamespace(graph=G, peer_groups=None, period=("2024-01-01", "2024-06-30"), dataset=ds)
    v = network_view(an)
    nd = v.nodes.set_index("id")
    assert (nd.at["C1", "age"], nd.at["P1", "age"], nd.at["C2", "age"]) == ("14", "adult", "")
    labels = {r[0] for r in _payload(v.html())["nodes"]}
    assert labels == {"Jordan Pike (14)", "Jordan Pike (adult)", "Amy Rowe"}  # only namesakes carry it
    fig = v.figure()
    drawn = {t.get_text() for t in fig.axes[0].texts}
    assert "Jordan Pike (adult)" in drawn and "Jordan Pike" not in drawn  # the picture's labels too
    # a bare graph without dates of birth: nothing guessed
    assert set(network_view(G).nodes["age"]) == {""}

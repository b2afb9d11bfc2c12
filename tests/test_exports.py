"""Exports: GeoPackage, GraphML/GEXF, i2 Analyst's Notebook, injection-safe CSV (issue 5)."""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET

import geopandas as gpd
import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
from _privacy_data import C_CODED_LINKS, CHILD_NAMES, graph_from, load_fixture
from shapely.geometry import Point, Polygon

from contextmap import OutputExistsError
from contextmap.analysis import analyze
from contextmap.exports import (
    ANX_ENTITY_TYPES,
    ANX_GRADES,
    neutralise_cell,
    write_anx,
    write_csv,
    write_geopackage,
    write_gexf,
    write_graphml,
    write_i2,
)
from contextmap.pack.exports import write_exports
from contextmap.privacy import (
    Pseudonymiser,
    forbidden_identifiers,
    get_audience,
    redact_dataset,
    scan_outputs,
)
from contextmap.settings import Settings

KEY = b"a test key that is long enough!!"


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return load_fixture(tmp_path_factory.mktemp("data"))


# --- CSV ---------------------------------------------------------------------------------


def test_csv_formula_injection_neutralised_numbers_untouched(tmp_path):
    df = pd.DataFrame({
        "label": ["=HYPERLINK(\"http://x\")", "+44 7700", "-cmd", "@SUM(A1)", "\tx", "\rx", "Ava", "a=b"],
        "score": [-3.2, 1.0, -1.0, 0.0, 2.5, 3.0, -0.5, 4.0],
        "count": [-1, 2, 3, 4, 5, 6, 7, 8],
        "=danger": ["-3.2", "ok", None, "x", "y", "z", "w", "v"],
    })
    p = write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(p, keep_default_na=False)
    assert back["label"].tolist()[:6] == ["'=HYPERLINK(\"http://x\")", "'+44 7700", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx"]
    assert back["label"].tolist()[6:] == ["Ava", "a=b"]
    assert back["score"].tolist() == df["score"].tolist() and back["count"].dtype == np.int64
    assert back["count"].tolist()[0] == -1
    assert list(back.columns) == ["label", "score", "count", "'=danger"]  # BOM skipped by pandas
    assert back["'=danger"].tolist()[0] == "'-3.2"  # text that looks like a number is still text
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    assert df["label"].iloc[0].startswith("=")  # input untouched


def test_csv_refuses_to_overwrite(tmp_path):
    p = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        write_csv(pd.DataFrame({"a": [2]}), p)
    write_csv(pd.DataFrame({"a": [2]}), p, overwrite=True)
    assert pd.read_csv(p)["a"].tolist() == [2]


def test_neutralise_cell_only_touches_text():
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None
    assert neutralise_cell("-") == "'-"


# --- GeoPackage --------------------------------------------------------------------------


def _layers(ds):
    hot = gpd.GeoDataFrame(
        {"location_id": ["L2"], "score": [2.5], "children": [["C1", "C3"]], "gi_p": [0.01]},
        geometry=[Point(-1.12, 52.61)], crs=4326,
    )
    clusters = gpd.GeoDataFrame({"cluster": [1], "members": [3]},
                                geometry=[Polygon([(-1.13, 52.60), (-1.11, 52.60), (-1.11, 52.62)])], crs=4326)
    contours = gpd.GeoDataFrame({"level": [0.5], "period": [pd.Timedelta(hours=36)]},
                                geometry=[Polygon([(-1.2, 52.5), (-1.0, 52.5), (-1.0, 52.7)])], crs=4326)
    return hot, clusters, contours


def test_geopackage_has_the_layers_and_reads_back(ds, tmp_path):
    hot, clusters, contours = _layers(ds)
    p = write_geopackage(tmp_path / "map.gpkg", locations=ds.locations, hotspots=hot, clusters=clusters,
                         density_contours=contours)
    layers = dict(pyogrio.list_layers(p))
    assert layers == {"locations": "Point", "hotspots": "Point", "clusters": "Polygon",
                      "density_contours": "Polygon"}
    locs = gpd.read_file(p, layer="locations", engine="pyogrio")
    assert locs.crs.to_epsg() == 4326 and len(locs) == 6
    assert sorted(locs["name"])[:3] == ["12 Fixture Street", "Chicken Spot", "Corner by the Depot"]
    hs = gpd.read_file(p, layer="hotspots", engine="pyogrio")
    assert hs["children"].tolist() == ["C1; C3"] and hs["score"].tolist() == [2.5]
    dc = gpd.read_file(p, layer="density_contours", engine="pyogrio")
    assert dc["period_hours"].tolist() == [36.0]
    assert not list(tmp_path.glob("*.partial.gpkg"))


def test_geopackage_optional_layers_empty_layers_and_overwrite(ds, tmp_path):
    p = write_geopackage(tmp_path / "m.gpkg", locations=ds.locations,
                         hotspots=gpd.GeoDataFrame({"score": []}, geometry=[], crs=4326))
    assert [n for n, _ in pyogrio.list_layers(p)] == ["locations", "hotspots"]
    with pytest.raises(OutputExistsError):
        write_geopackage(p, locations=ds.locations)
    write_geopackage(p, locations=ds.locations, overwrite=True)
    assert [n for n, _ in pyogrio.list_layers(p)] == ["locations"]
    with pytest.raises(ValueError, match="'m.shp'"):
        write_geopackage("m.shp", locations=ds.locations)
    with pytest.raises(ValueError, match="CRS"):
        write_geopackage(tmp_path / "n.gpkg", locations=ds.locations.set_crs(None, allow_override=True))


# --- networks ----------------------------------------------------------------------------


def _messy_graph():
    G = nx.Graph(name="test", period=(dt.date(2024, 4, 1), dt.date(2024, 6, 30)))
    G.add_node("C1", kind="child", label="Child-AAA", age=np.int64(14), tags=["high", "missing"], score=np.float64(0.5))
    G.add_node("P1", kind="person", label="Person-BBB", age=None, tags={"a": 1}, score=2)
    G.add_node(7, kind="location", label="Park", age=float("nan"), score=1.5)
    G.add_edge("C1", "P1", weight=2.0, link_ids=["K2", "K6"], first=pd.Timestamp("2024-05-01"), e_graded=False)
    G.add_edge("C1", 7, weight=1, link_ids=[], first=dt.date(2024, 5, 2), e_graded=np.bool_(True))
    return G


def test_graphml_round_trips_through_networkx_and_igraph(tmp_path):
    p = write_graphml(_messy_graph(), tmp_path / "g.graphml")
    H = nx.read_graphml(p)
    assert set(H.nodes) == {"C1", "P1", "7"}
    assert H.nodes["C1"]["tags"] == '["high", "missing"]' and H.nodes["C1"]["age"] == 14
    assert "age" not in H.nodes["P1"] and "age" not in H.nodes["7"]
    assert H.nodes["P1"]["score"] == 2.0 and isinstance(H.nodes["C1"]["score"], float)
    assert H.edges["C1", "P1"]["link_ids"] == '["K2", "K6"]'
    assert H.edges["C1", "P1"]["first"] == "2024-05-01T00:00:00" and H.edges["C1", "7"]["e_graded"] is True
    g = ig.Graph.Read_GraphML(str(p))
    assert g.vcount() == 3 and g.ecount() == 2
    assert sorted(g.vs["id"]) == ["7", "C1", "P1"] and sorted(g.vs["kind"]) == ["child", "location", "person"]
    assert sorted(g.es["weight"]) == [1.0, 2.0]


def test_gexf_round_trips_through_networkx(tmp_path):
    p = write_gexf(_messy_graph(), tmp_path / "g.gexf")
    H = nx.read_gexf(p)
    assert set(H.nodes) == {"C1", "P1", "7"}
    assert H.nodes["C1"]["tags"] == '["high", "missing"]'
    assert H.edges["C1", "P1"]["weight"] == 2.0
    with pytest.raises(OutputExistsError):
        write_gexf(_messy_graph(), p)


def test_multigraph_keeps_parallel_links(ds, tmp_path):
    G = graph_from(ds)
    G.add_edge("C1", "L2", key="K99", relation="found_at")  # a second C1-L2 link
    H = nx.read_graphml(write_graphml(G, tmp_path / "m.graphml"))
    assert H.number_of_edges("C1", "L2") == 2
    Hx = nx.read_gexf(write_gexf(G, tmp_path / "m.gexf"))
    assert Hx.number_of_edges() == G.number_of_edges()
    assert ig.Graph.Read_GraphML(str(tmp_path / "m.graphml")).ecount() == G.number_of_edges()


# --- i2 ----------------------------------------------------------------------------------


def test_i2_files_describe_entities_and_links(ds, tmp_path):
    paths = write_i2(ds, tmp_path / "i2", audience="police")
    ents = pd.read_csv(paths["entities"])
    links = pd.read_csv(paths["links"])
    assert len(ents) == 12 and set(ents["entity_type"]) == {"Child", "Person of Concern", "Location"}
    assert len(links) == 7
    k1 = links.set_index("link_id").loc["K1"]
    assert (k1["from_label"], k1["to_type"], k1["grading"], k1["strength"]) == (
        "Ava Testperson", "Person of Concern", "2B C", "Confirmed")
    assert links.set_index("link_id").loc["K3", "strength"] == "Tentative"  # graded E
    note = paths["note"].read_text()
    assert "Identity = from_id" in note and "police" in note
    with pytest.raises(OutputExistsError):
        write_i2(ds, tmp_path / "i2")


# --- all exports honour the audience -----------------------------------------------------


def _write_all(red, folder):
    folder.mkdir()
    write_geopackage(folder / "map.gpkg", locations=red.locations)
    G = graph_from(red)
    write_graphml(G, folder / "network.graphml")
    write_gexf(G, folder / "network.gexf")
    write_i2(red, folder / "i2")
    write_csv(red.children.drop(columns=[]), folder / "cohort.csv")
    write_csv(red.links, folder / "links.csv")
    return folder


def test_partner_exports_hold_no_name_raw_id_or_c_coded_link(ds, tmp_path):
    red = redact_dataset(ds, "partner", pseudonymiser=Pseudonymiser(KEY), as_of="2024-06-30")
    out = _write_all(red, tmp_path / "partner")
    assert scan_outputs([out], forbidden_identifiers(ds, "partner")) == []
    text = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file()).decode("utf-8", "replace")
    assert not any(name in text for name in CHILD_NAMES)


def test_police_exports_hold_names_and_c_coded_links(ds, tmp_path):
    out = _write_all(redact_dataset(ds, "police"), tmp_path / "police")
    # what the partner must not see is exactly what the police exports carry
    hits = scan_outputs([out], forbidden_identifiers(ds, "partner"))
    kinds = {h.kind for h in hits}
    assert {"child name", "entity id", "link id", "withheld link summary"} <= kinds
    assert {h.source for h in hits if h.kind == "child name"} >= {"map.gpkg", "network.graphml",
                                                                 "cohort.csv", "i2/i2_entities.csv"} - {"map.gpkg"}
    links = pd.read_csv(out / "links.csv")
    assert set(C_CODED_LINKS) <= set(links["link_id"])



# --- i2 chart (.anx) ---------------------------------------------------------------------


def _pack_exports(ds, audience, folder):
    """The pack's exports folder for an audience, as ``contextmap pack`` writes it."""
    red = redact_dataset(ds, audience, pseudonymiser=Pseudonymiser(KEY), as_of="2024-06-30")
    an = analyze(red, start="2024-01-01", end="2024-06-30", resolve=False)
    written = write_exports(folder, red=red, an=an, aud=get_audience(audience), settings=Settings())
    return red, an, folder / "i2" / "chart.anx", written


def _chart(path):
    root = ET.parse(path).getroot()  # expat: raises on anything that is not well-formed
    items = root.findall("ChartItemCollection/ChartItem")
    entities = [ci for ci in items if ci.find("End/Entity") is not None]
    links = [ci for ci in items if ci.find("Link") is not None]
    assert len(entities) + len(links) == len(items)
    grades = {tag: [s.get("Text") for s in root.findall(f"{tag}/StringCollection/String")] for tag in ANX_GRADES}
    return root, entities, links, grades


def _decoded(el, grades):
    """The 3x5x2 code an element's grade indexes point at, read from the declared lists."""
    parts = [grades[tag][int(el.get(f"{tag}Index"))] for tag in ANX_GRADES]
    return "".join(p.split()[0] for p in parts if p != "Ungraded")


@pytest.fixture(scope="module")
def police_exports(ds, tmp_path_factory):
    return _pack_exports(ds, "police", tmp_path_factory.mktemp("police") / "exports")


def test_chart_has_an_item_per_entity_and_link_of_the_pack_network(police_exports):
    _red, an, path, written = police_exports
    assert "exports/i2/chart.anx" in written  # listed with the pack's files (manifest, audit log)
    G = an.graph
    root, entities, links, _grades = _chart(path)
    assert (len(entities), len(links)) == (G.number_of_nodes(), G.number_of_edges()) and len(links) > 3
    ident = {e.find("End/Entity").get("EntityId"): e.find("End/Entity").get("Identity") for e in entities}
    assert set(ident.values()) == set(G.nodes)
    assert {frozenset((ident[ln.find("Link").get("End1Id")], ident[ln.find("Link").get("End2Id")]))
            for ln in links} == {frozenset(e) for e in G.edges}
    # an icon type per kind, each declared with its icon
    declared = {t.get("Id"): (t.get("Name"), t.get("IconFile")) for t in root.iter("EntityType")}
    for e in entities:
        style = e.find("End/Entity/Icon/IconStyle")
        kind = G.nodes[e.find("End/Entity").get("Identity")]["kind"]
        assert declared[style.get("EntityTypeReference")] == ANX_ENTITY_TYPES[kind]
        assert style.get("Type") == ANX_ENTITY_TYPES[kind][0]
    assert {e.find(".//IconStyle").get("Type") for e in entities} == {"Child", "Person of Concern", "Location"}
    # every reference resolves; every Id is unique
    ids = [el.get("Id") for el in root.iter() if el.get("Id")]
    assert len(ids) == len(set(ids))
    for attr in ("EntityTypeReference", "LinkTypeReference", "AttributeClassReference"):
        assert {el.get(attr) for el in root.iter() if el.get(attr)} <= set(ids)
    assert root.find("Summary/CustomPropertyCollection/CustomProperty").get("Value") == "OFFICIAL-SENSITIVE"


def test_chart_cards_carry_each_records_grades_dates_and_annex_numbers(police_exports):
    _red, an, path, _written = police_exports
    _root, entities, links, grades = _chart(path)
    ident = {e.find("End/Entity").get("EntityId"): e.find("End/Entity").get("Identity") for e in entities}
    assert grades == {tag: list(names) for tag, names in ANX_GRADES.items()}
    prov = pd.read_csv(path.parent.parent / "provenance.csv", dtype=str)
    by_ref = {(f"link {r.link_id}" if isinstance(r.link_id, str) else "")
              + (", " if isinstance(r.link_id, str) and isinstance(r.episode_id, str) else "")
              + (f"episode {r.episode_id}" if isinstance(r.episode_id, str) else ""): r for r in prov.itertuples()}
    cards = [c for ln in links for c in ln.iter("Card")]
    assert len(cards) == len(prov) == sum(len(d["evidence"]) for *_, d in an.graph.edges(data=True))
    for c in cards:
        row = by_ref[c.get("SourceReference")]  # the provenance annex's numbers
        assert _decoded(c, grades) == (row.grading.replace(" ", "") if isinstance(row.grading, str) else "")
        assert c.get("DateTime") == f"{row.date}T00:00:00.000" and c.get("DateSet") == "true"
        assert c.get("SourceType") == row.source_type
    k1 = next(c for c in cards if c.get("SourceReference").startswith("link K1,"))
    assert _decoded(k1, grades) == "2BC"  # 2B C: untested source, corroborated, conditions on sharing
    episode_only = [c for c in cards if c.get("SourceType") == "episode"]
    assert episode_only and all(_decoded(c, grades) == "" for c in episode_only)  # a service record: not graded
    for ln in links:  # the link: its weakest grading, the strictest handling, its first date
        mine = [_decoded(c, grades) for c in ln.iter("Card")]
        graded = [m[:2] for m in mine if len(m) >= 2]
        assert _decoded(ln, grades)[:2] == (max(graded) if graded else "")
        assert ln.get("GradeThreeIndex") == max(c.get("GradeThreeIndex") for c in ln.iter("Card"))
        assert ln.get("DateTime") == min(c.get("DateTime") for c in ln.iter("Card"))
        d = an.graph.edges[ident[ln.find("Link").get("End1Id")], ident[ln.find("Link").get("End2Id")]]
        assert ln.find("Link/LinkStyle").get("Strength") == ("Confirmed" if d["corroborated"] else "Unconfirmed")


def test_partner_chart_holds_no_identity_c_coded_or_e_graded_link(ds, tmp_path):
    red, an, path, _written = _pack_exports(ds, "partner", tmp_path / "exports")
    root, entities, links, grades = _chart(path)
    assert (len(entities), len(links)) == (an.graph.number_of_nodes(), an.graph.number_of_edges()) and links
    assert scan_outputs([path], forbidden_identifiers(ds, "partner")) == []
    values = " ".join(v for el in root.iter() for v in el.attrib.values())  # the text as ANB shows it
    raw = path.read_text(encoding="utf-8")
    for text in (values, raw, html.unescape(raw)):
        assert not any(name in text for name in CHILD_NAMES)
        assert not any(cid in text.split() or f'"{cid}"' in text for cid in ("C1", "C10", "C2", "C3"))
    pseudo = Pseudonymiser(KEY)
    assert not any(pseudo.pseudonym(k, kind="link") in raw for k in C_CODED_LINKS)
    graded = [el for el in root.iter() if el.get("GradeThreeIndex") is not None]
    assert graded and all(grades["GradeThree"][int(el.get("GradeThreeIndex"))][0] != "C" for el in graded)
    assert all(grades["GradeTwo"][int(el.get("GradeTwoIndex"))][0] != "E" for el in graded)
    refs = {r.split()[1] for c in root.iter("Card") for r in c.get("SourceReference").split(", ") if r.startswith("link")}
    assert refs and refs <= set(red.links["link_id"])  # pseudonymised numbers, as in the partner annex


def test_privacy_scan_reads_the_chart(police_exports, ds):
    *_, path, _written = police_exports
    hits = scan_outputs([path], forbidden_identifiers(ds, "partner"))  # what a partner must not see
    assert {h.source for h in hits} == {"chart.anx"}
    assert {"child name", "entity id", "link id"} <= {h.kind for h in hits}


HOSTILE = {
    "C1": '<script>alert("x")</script> & Co',
    "C2": "Ends with ]]> and <![CDATA[ x ]]>",
    "P1": "Tab\there\nline two\r\nand 'quotes' \"double\"",
    "P2": "Null\x00bell\x07esc\x1bform\x0cfeed\ufffenon\ud800half",
    "L1": "Αva Tеstpеrson \u202egnp.exe \u200bzero-width",  # Greek and Cyrillic look-alike letters
}


def _hostile_graph():
    G = nx.Graph(start="2024-01-01", end="2024-06-30")
    for n, label in HOSTILE.items():
        G.add_node(n, kind={"C": "child", "P": "person", "L": "location"}[n[0]], label=label)
    G.add_node("X\x01", kind="something new", label="X\x01")
    G.add_node("X\x02", kind="person", provisional=True, label="X\x02")
    G.add_edge("C1", "P1", corroborated=True, evidence=[
        {"link_id": "K]]>1", "episode_id": None, "relation": "seen_<b>with</b>", "date": "2024-05-01",
         "source_type": "police\x00", "grading": "1A P"},
        {"link_id": "K2", "episode_id": "E1", "relation": "visited", "date": "2024-05-03", "source_type": "rhi",
         "grading": "3D C"}])
    G.add_edge("C2", "P2", corroborated=False, evidence=[
        {"link_id": "K3", "relation": "associate", "date": "2024-05-02", "source_type": "education",
         "grading": "2E P"}])
    G.add_edge("C1", "L1", corroborated=True, evidence=[
        {"link_id": None, "episode_id": "E2", "relation": "found_at", "date": "2024-05-04", "source_type": "episode",
         "grading": None}])
    G.add_edge("X\x01", "X\x02", corroborated=False, evidence=[])
    return G


def test_hostile_names_round_trip_as_text_and_keep_the_file_well_formed(tmp_path):
    path = write_anx(_hostile_graph(), tmp_path / "h.anx", audience="<b>x</b>", marking="OFFICIAL & <SENSITIVE>")
    raw = path.read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"<script" not in raw and b"]]>" not in raw and b"<b>" not in raw
    root, entities, links, grades = _chart(path)  # parses: well-formed
    labels = {e.find("End/Entity").get("Identity"): e.get("Label") for e in entities}
    replaced = "Null\ufffdbell\ufffdesc\ufffdform\ufffdfeed\ufffdnon\ufffdhalf"
    assert labels == {**{k: v for k, v in HOSTILE.items() if k != "P2"}, "P2": replaced,
                      "X\ufffd": "X\ufffd", "X\ufffd\u2032": "X\ufffd"}  # two ids still two entities
    assert {e.find(".//IconStyle").get("Type") for e in entities if e.get("Label") == "X\ufffd"} == {
        "Unknown entity", "Unconfirmed mention"}
    cards = {c.get("SourceReference"): c for c in root.iter("Card")}
    assert set(cards) == {"link K]]>1", "link K2, episode E1", "link K3", "episode E2"}
    assert cards["link K]]>1"].get("SourceType") == "police\ufffd"
    assert cards["link K]]>1"].get("Summary") == "seen <b>with</b> (police\ufffd)"
    by_label = {ln.get("Label"): ln for ln in links}
    seen = by_label["seen <b>with</b>, visited"]
    assert _decoded(seen, grades) == "3DC" and seen.find("Link/LinkStyle").get("Strength") == "Confirmed"
    e_only = by_label["associate"]
    assert _decoded(e_only, grades) == "2EP" and e_only.find("Link/LinkStyle").get("Strength") == "Tentative"
    assert by_label["found at"].find("Link/LinkStyle").get("Strength") == "Confirmed"
    assert _decoded(by_label["found at"], grades) == ""  # a service record: not graded, yet corroborated
    summary = {f.get("Type"): f.get("Field") for f in root.iter("Field")}
    assert summary["SummaryFieldTitle"] == "Context network (OFFICIAL & <SENSITIVE>)"
    assert "audience: <b>x</b>" in summary["SummaryFieldSubject"]


def test_chart_layout_is_deterministic_and_spreads_entities(ds, tmp_path):
    G = analyze(ds, start="2024-01-01", end="2024-06-30", resolve=False).graph
    a = write_anx(G, tmp_path / "a.anx")
    b = write_anx(G, tmp_path / "b.anx")
    assert a.read_bytes() == b.read_bytes()
    _root, entities, _links, _grades = _chart(a)
    xy = np.array([[int(e.find("End").get("X")), int(e.find("End").get("Y"))] for e in entities], dtype=float)
    assert all(int(e.get("XPosition")) == int(e.find("End").get("X")) for e in entities)
    gaps = np.sort(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)), axis=1)[:, 1]
    assert gaps.min() >= 60 and np.quantile(gaps, 0.5) >= 180  # icons and labels do not pile up
    # a layout given (the pack's network view) is kept up to scale
    pos = {n: (float(i % 3), float(i // 3)) for i, n in enumerate(G.nodes)}
    _r, ents, _l, _g = _chart(write_anx(G, tmp_path / "c.anx", positions=pos))
    got = {e.find("End/Entity").get("Identity"): (int(e.find("End").get("X")), int(e.find("End").get("Y")))
           for e in ents}
    unit = got[list(G.nodes)[1]][0] - got[list(G.nodes)[0]][0]
    assert unit > 100 and all(got[n] == (round(x * unit), round(y * unit)) for n, (x, y) in pos.items())
    with pytest.raises(ValueError, match="positions for every node"):
        write_anx(G, tmp_path / "d.anx", positions={})


def test_chart_refuses_to_overwrite_and_other_suffixes(tmp_path):
    G = _hostile_graph()
    p = write_anx(G, tmp_path / "c.anx")
    with pytest.raises(OutputExistsError):
        write_anx(G, p)
    write_anx(G, p, overwrite=True)
    with pytest.raises(ValueError, match=r"end in \.anx, instead got: '.*c\.xml'"):
        write_anx(G, tmp_path / "c.xml")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["c.anx"]  # no partial file left

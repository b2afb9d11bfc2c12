"""Exports: GeoPackage, GraphML/GEXF, i2 Analyst's Notebook, injection-safe CSV (issue 5)."""

from __future__ import annotations

import datetime as dt

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
from contextmap.exports import (
    neutralise_cell,
    write_csv,
    write_geopackage,
    write_gexf,
    write_graphml,
    write_i2,
)
from contextmap.privacy.core import (
    Pseudonymiser,
    forbidden_identifiers,
    redact_dataset,
    scan_outputs,
)

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

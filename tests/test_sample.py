"""The synthetic sample generator: determinism, contract form, truth, realism, planted structure."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

import contextmap
from contextmap import OutputExistsError
from contextmap.cli import app
from contextmap.sample.generate import TRUTH_FILES, generate_sample, write_sample
from contextmap.schema import RELATIONS, TABLES, normalise_code, parse_grading

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "sample"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _parse(col: pd.Series) -> pd.Series:
    """Parse ISO or UK day-first cells exactly (no guessing); blank -> NaT."""
    text = col.str.strip()
    out = pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
    uk = text.str.contains("/", regex=False)
    iso = (text != "") & ~uk
    out[iso] = pd.to_datetime(text[iso], format="ISO8601")
    has_time = text.str.contains(":", regex=False)
    out[uk & has_time] = pd.to_datetime(text[uk & has_time], format="%d/%m/%Y %H:%M")
    out[uk & ~has_time] = pd.to_datetime(text[uk & ~has_time], format="%d/%m/%Y")
    return out


@pytest.fixture(scope="module")
def small():
    return generate_sample(children=120, seed=11)


@pytest.fixture(scope="module")
def medium():
    return generate_sample(children=400, seed=5)


# --- determinism ---------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write_sample(tmp_path / "a", children=60, seed=3)
    b = write_sample(tmp_path / "b", children=60, seed=3)
    fa, fb = _files(a), _files(b)
    geo = {"basemap.gpkg", "areas.gpkg"}  # GeoPackages carry a write timestamp: compared by content
    assert set(fa) == ({f"{t}.csv" for t in TABLES} | {f"truth/{t}.csv" for t in TRUTH_FILES}
                       | {"truth/truth.json"} | geo)
    assert {k: v for k, v in fa.items() if k not in geo} == {k: v for k, v in fb.items() if k not in geo}
    import geopandas as gpd
    import pyogrio

    for name in geo:
        for layer, _ in pyogrio.list_layers(a / name):
            ga, gb = gpd.read_file(a / name, layer=layer), gpd.read_file(b / name, layer=layer)
            assert ga.drop(columns="geometry").equals(gb.drop(columns="geometry")), (name, layer)
            assert ga.geometry.geom_equals_exact(gb.geometry, tolerance=1e-6).all(), (name, layer)


def test_different_seed_gives_different_data(tmp_path):
    a = _files(write_sample(tmp_path / "a", children=60, seed=3))
    b = _files(write_sample(tmp_path / "b", children=60, seed=4))
    assert a["episodes.csv"] != b["episodes.csv"]
    assert a["truth/peer_groups.csv"] != b["truth/peer_groups.csv"]


def test_committed_sample_matches_the_generator():
    """data/sample is what `make sample` (150 children, seed 7) generates today."""
    fresh = generate_sample(children=150, seed=7)
    for name in TABLES:
        on_disk = (SAMPLE_DIR / f"{name}.csv").read_bytes()
        assert fresh.tables[name].to_csv(index=False, lineterminator="\n").encode() == on_disk, name
    for name in TRUTH_FILES:
        on_disk = (SAMPLE_DIR / "truth" / f"{name}.csv").read_bytes()
        assert fresh.truth[name].to_csv(index=False, lineterminator="\n").encode() == on_disk, name


# --- contract form -------------------------------------------------------------------


def test_tables_use_only_contract_columns_and_codes(small):
    for name, df in small.tables.items():
        table = TABLES[name]
        assert tuple(df.columns) == table.column_names
        for col in table.columns:
            cells = df[col.name].str.strip()
            if col.required:
                assert (cells != "").all(), (name, col.name)
            if col.kind == "enum":
                used = {normalise_code(v) for v in cells[cells != ""]}
                assert used <= set(col.values), (name, col.name, used - set(col.values))
        assert df[table.key].is_unique
    links = small.links
    assert set(links["relation"]) <= set(RELATIONS)
    codes = links["grading"][links["grading"] != ""]
    parsed = [parse_grading(c) for c in codes]  # raises on any invalid code
    assert {g.intelligence_assessment for g in parsed} >= {"B", "C"}
    ids = pd.concat([small.children["child_id"], small.persons["person_id"], small.locations["location_id"]])
    assert ids.is_unique  # unique across the entity tables
    assert set(links["source_id"]) | set(links["target_id"]) <= set(ids)
    assert set(links["episode_id"]) - {""} <= set(small.episodes["episode_id"])
    assert set(small.episodes["child_id"]) <= set(small.children["child_id"])


def test_dates_are_consistent_and_never_after_end(small):
    end = pd.Timestamp("2026-10-31 23:59")
    ep = small.episodes
    rep, ret, rhi = _parse(ep["reported_at"]), _parse(ep["returned_at"]), _parse(ep["rhi_at"])
    assert rep.notna().all()
    assert (rep <= end).all() and (ret.dropna() <= end).all() and (rhi.dropna() <= end).all()
    assert (ret.dropna() >= rep[ret.notna()]).all()
    assert (rhi.dropna() >= ret[rhi.notna()]).all()
    assert rhi[ret.isna()].isna().all()
    assert (_parse(small.links["observed_on"]) <= end).all()
    for df, col in ((small.children, "date_of_birth"), (small.persons, "date_of_birth")):
        assert (_parse(df[col]).dropna() < pd.Timestamp("2026-10-31")).all()
    # both ISO and UK day-first forms are present, as in real exports
    assert ep["reported_at"].str.contains("/").any() and ep["reported_at"].str.contains("-").any()


def test_generated_dataset_loads_with_nothing_quarantined(tmp_path):
    path = write_sample(tmp_path / "s", children=200, seed=2)
    ds = contextmap.load(path)
    assert ds.report.is_clean, ds.report.errors.head(10).to_string()
    assert len(ds.report.errors) == 0
    assert len(ds.episodes) == len(pd.read_csv(path / "episodes.csv"))
    assert (~ds.locations.geometry.is_empty).mean() > 0.9  # coordinates missing for only a few


def test_committed_sample_loads_cleanly():
    ds = contextmap.load(SAMPLE_DIR)
    assert ds.report.is_clean
    assert len(ds.children) == 150


# --- truth ---------------------------------------------------------------------------


def test_every_truth_id_exists_in_the_tables(small):
    t, ch = small.truth, set(small.children["child_id"])
    persons, locs = set(small.persons["person_id"]), set(small.locations["location_id"])
    assert set(t["peer_groups"]["child_id"]) <= ch
    assert t["peer_groups"]["child_id"].is_unique  # a child is in at most one group
    assert set(t["hotspots"]["location_id"]) <= locs
    for ids in t["hotspots"]["record_ids"]:
        assert set(ids.split("; ")) <= locs
    assert set(t["persons_of_concern"]["entity_id"]) <= persons
    assert set(t["person_records"]["person_id"]) == persons
    assert set(t["person_records"]["entity_id"]) <= persons
    assert set(t["location_records"]["location_id"]) == locs
    assert set(t["location_records"]["place_id"]) <= locs
    m = t["mentions"]
    assert set(m["episode_id"]) <= set(small.episodes["episode_id"])
    known = {"child": ch, "person": persons, "location": locs, "none": {""}}
    for kind, ids in m.groupby("true_kind")["true_id"]:
        assert set(ids) <= known[kind], kind
    # every mention is written in its episode's free-text field
    ep = small.episodes.set_index("episode_id")
    for row in m.head(200).itertuples():
        assert row.mention in [p.strip() for p in ep.loc[row.episode_id, row.field].split(";")]


def test_person_and_place_variants_are_planted_with_truth(medium):
    pr = medium.truth["person_records"].merge(medium.persons, on="person_id")
    multi = pr.groupby("entity_id").filter(lambda g: len(g) > 1)
    assert multi["entity_id"].nunique() >= 5
    # the records of one person are spelled differently and some dates of birth disagree
    spellings = multi.groupby("entity_id")["name"].agg(lambda s: s.str.strip().str.lower().nunique())
    assert (spellings > 1).mean() > 0.5
    dobs = multi[multi["date_of_birth"] != ""].assign(d=lambda f: _parse(f["date_of_birth"]))
    assert (dobs.groupby("entity_id")["d"].nunique() > 1).any()
    assert (medium.persons["aliases"] != "").mean() > 0.2
    # links from different sources name different records of the same person
    linked = set(medium.links["source_id"]) | set(medium.links["target_id"])
    assert len(set(multi["person_id"]) & linked) > multi["entity_id"].nunique()
    # duplicate places: same postcode where given, within 100 m
    lr = medium.truth["location_records"]
    dup = lr[lr["location_id"] != lr["place_id"]]
    assert len(dup) >= 3
    ds = contextmap.load  # noqa: F841  (coordinates checked in the clean-load test)
    loc = medium.locations.set_index("location_id")
    for rec, place in zip(dup["location_id"], dup["place_id"], strict=True):
        a, b = loc.loc[rec, "postcode"], loc.loc[place, "postcode"]
        assert a == "" or b == "" or a == b
    mentions = medium.truth["mentions"]
    assert {"alias", "first_name", "relative_of", "unknown"} <= set(mentions["form"])


# --- realism -------------------------------------------------------------------------


def test_missing_frequency_is_heavy_tailed(medium):
    per_child = medium.episodes["child_id"].value_counts().reindex(medium.children["child_id"], fill_value=0)
    assert per_child.median() <= 2
    assert per_child.max() >= 10
    assert (per_child >= 10).sum() >= 3
    assert ((per_child >= 1) & (per_child <= 2)).mean() > 0.5


def test_episode_durations_and_rhi_timeliness(medium):
    ep = medium.episodes
    rep, ret, rhi = _parse(ep["reported_at"]), _parse(ep["returned_at"]), _parse(ep["rhi_at"])
    hours = (ret - rep).dt.total_seconds() / 3600
    assert hours.median() < 12
    assert 0.02 < (hours > 24).mean() < 0.2
    returned = ret.notna()
    within = ((rhi - ret).dt.total_seconds() / 3600 <= 72) & returned
    assert 0.45 <= within.sum() / returned.sum() <= 0.75
    outcomes = ep["rhi_outcome"].map(lambda v: normalise_code(v) if v.strip() else "")
    assert {"completed", "declined", "not_offered"} <= set(outcomes)
    late = ((rhi - ret).dt.total_seconds() / 3600 > 72).sum()
    assert late > 0
    classes = ep["classification"].map(lambda v: normalise_code(v) if v.strip() else "")
    assert {"missing", "absent"} <= set(classes)


def test_grading_mix_and_ungraded_rhi_links(medium):
    li = medium.links
    src = li["source_type"].map(normalise_code)
    graded = li["grading"] != ""
    assert (~graded[src == "rhi"]).mean() > 0.6
    assert graded[src == "police"].mean() > 0.9
    g = [parse_grading(c) for c in li.loc[graded, "grading"]]
    assess = pd.Series([x.intelligence_assessment for x in g]).value_counts(normalize=True)
    source = pd.Series([x.source_evaluation for x in g]).value_counts(normalize=True)
    handling = pd.Series([x.handling_code for x in g]).value_counts(normalize=True)
    assert assess[["B", "C"]].sum() > 0.6 and 0 < assess.get("E", 0) < 0.08
    assert source[["1", "2"]].sum() > 0.75 and source.get("3", 0) > 0
    assert handling["P"] > 0.7 and handling.get("C", 0) > 0


def test_messy_fields_are_present(medium):
    names = medium.children["name"]
    assert (names != names.str.strip()).any()
    loc = medium.locations
    latlon = loc["latitude"] != ""
    en = loc["easting"] != ""
    assert latlon.mean() > 0.6 and en.any() and (~latlon & ~en).any()
    assert (loc["postcode"] == "").any()
    pc = loc.loc[loc["postcode"] != "", "postcode"]
    assert pc.str.fullmatch(r"CA[123] \d[A-Z]{2}").all()
    lat = pd.to_numeric(loc.loc[latlon, "latitude"])
    lon = pd.to_numeric(loc.loc[latlon, "longitude"])
    assert lat.between(54.84, 54.94).all() and lon.between(-3.02, -2.84).all()  # around Carlisle


# --- planted structure ---------------------------------------------------------------


def _child_graph(data) -> nx.Graph:
    """Children joined by direct links and by a shared (resolved) person: a simple baseline."""
    kids = set(data.children["child_id"])
    entity = data.truth["person_records"].set_index("person_id")["entity_id"]
    li = data.links[~data.links["grading"].str.contains("E")]
    g = nx.Graph()
    g.add_nodes_from(sorted(kids))
    cc = li[li["source_id"].isin(kids) & li["target_id"].isin(kids)]
    for u, v in zip(cc["source_id"], cc["target_id"], strict=True):
        g.add_edge(u, v, weight=g.get_edge_data(u, v, {"weight": 0})["weight"] + 1)
    cp = li[li["source_id"].isin(kids) & li["target_id"].isin(entity.index)]
    cp = pd.concat([cp, li[li["target_id"].isin(kids) & li["source_id"].isin(entity.index)]
                    .rename(columns={"source_id": "target_id", "target_id": "source_id"})])
    pairs = pd.DataFrame({"child": cp["source_id"], "person": cp["target_id"].map(entity)}).drop_duplicates()
    for _, grp in pairs.groupby("person"):
        ks = sorted(grp["child"])
        for i, a in enumerate(ks):
            for b in ks[i + 1:]:
                g.add_edge(a, b, weight=g.get_edge_data(a, b, {"weight": 0})["weight"] + 0.5)
    return g


@pytest.mark.parametrize("seed", [7, 21])
def test_peer_groups_are_recoverable_at_default_noise(seed):
    data = generate_sample(children=150, seed=seed)
    comms = nx.community.louvain_communities(_child_graph(data), weight="weight", seed=1)
    label = {c: i for i, members in enumerate(comms) for c in members}
    pg = data.truth["peer_groups"]
    assert 8 <= pg["group_id"].nunique() <= 15
    assert pg.groupby("group_id").size().between(3, 10).all()
    assert adjusted_rand_score(pg["group_id"], pg["child_id"].map(label)) >= 0.9


def test_noise_adds_links_that_cross_planted_groups():
    crossing, e_graded = [], []
    for noise in (0.0, 1.0, 3.0):
        data = generate_sample(children=200, seed=9, noise=noise)
        group = data.truth["peer_groups"].set_index("child_id")["group_id"]
        li = data.links
        a, b = li["source_id"].map(group), li["target_id"].map(group)
        crossing.append(int((a.notna() & b.notna() & (a != b)).sum()))
        e_graded.append(int(li["grading"].str.contains("E").sum()))
    assert crossing[0] == 0 < crossing[1] < crossing[2]
    assert e_graded[0] < e_graded[1] < e_graded[2]


def _distinct_children_per_place(data, *, until=None, since=None) -> pd.Series:
    place = data.truth["location_records"].set_index("location_id")["place_id"]
    ep = data.episodes.assign(t=_parse(data.episodes["reported_at"]))
    if until is not None:
        ep = ep[ep["t"] < until]
    if since is not None:
        ep = ep[ep["t"] >= since]
    ep = ep[ep["found_location_id"] != ""]
    return ep.groupby(ep["found_location_id"].map(place))["child_id"].nunique().sort_values(ascending=False, kind="stable")


def test_busy_decoys_outrank_hotspots_on_raw_counts_but_no_person_of_concern_is_there(small):
    data = generate_sample(children=150, seed=7)
    hot = data.truth["hotspots"]
    dec = data.truth["decoys"]
    assert len(hot) >= 10
    assert set(hot["kind"]) == {"persistent", "emerging"}
    assert {"station", "shopping_centre", "fast_food", "school", "care_home"} <= set(dec["kind"])
    assert not set(dec["location_id"]) & set(hot["location_id"])
    li = data.links[data.links["relation"].isin(["visited", "found_at"])]
    place = data.truth["location_records"].set_index("location_id")["place_id"]
    seen = pd.concat([
        pd.DataFrame({"child": data.episodes["child_id"], "loc": data.episodes["found_location_id"]}),
        pd.DataFrame({"child": li["source_id"], "loc": li["target_id"]}),
    ])
    seen = seen[(seen["loc"] != "") & seen["child"].str.startswith("C")]
    ranking = seen.groupby(seen["loc"].map(place))["child"].nunique().sort_values(ascending=False, kind="stable")
    # a raw count of distinct children puts the busy places first ...
    busy = dec.loc[dec["kind"].isin(["station", "shopping_centre", "fast_food"]), "location_id"]
    assert ranking.index[:3].isin(busy).all()
    # ... yet the top 10 by raw count still holds planted hotspots, and no driving person is at a decoy
    assert ranking.index[:10].isin(hot["location_id"]).sum() >= 3
    drivers = {r for ids in data.truth["persons_of_concern"]["record_ids"] for r in ids.split("; ")}
    at = data.links.loc[data.links["source_id"].isin(drivers), "target_id"].map(place)
    assert not set(at.dropna()) & set(dec["location_id"])


def test_persistent_hotspots_span_the_year_and_emerging_ones_start_late(medium):
    hot = medium.truth["hotspots"]
    cut = pd.Timestamp("2026-08-01")  # first nine months against the last three
    early = _distinct_children_per_place(medium, until=cut)
    late = _distinct_children_per_place(medium, since=cut)
    persistent = hot.loc[hot["kind"] == "persistent", "location_id"]
    assert (early.reindex(persistent, fill_value=0) > 0).mean() > 0.9
    assert (late.reindex(persistent, fill_value=0) > 0).mean() > 0.6
    # hotspots chosen on the first nine months still hold their share of the last three
    share = [s.reindex(persistent, fill_value=0).sum() / s.sum() for s in (early, late)]
    assert 0.6 < share[1] / share[0] < 1.5
    emerging = hot[hot["kind"] == "emerging"]
    start = pd.Timestamp(emerging["active_from"].iloc[0])
    assert start > cut
    before = _distinct_children_per_place(medium, until=start)
    assert before.reindex(emerging["location_id"], fill_value=0).sum() == 0
    assert late.reindex(emerging["location_id"], fill_value=0).gt(0).all()


def test_bridging_persons_reach_several_groups(small):
    poc = small.truth["persons_of_concern"]
    bridging = poc[poc["bridging"]]
    assert len(bridging) >= 1 and (bridging["n_groups"] >= 2).all()
    assert poc["rank"].tolist() == list(range(1, len(poc) + 1))
    assert poc["children_reached"].is_monotonic_decreasing
    assert poc["top5"].sum() >= 5


# --- parameters, errors and the command line ------------------------------------------


def test_episodes_target_and_months_and_end():
    data = generate_sample(episodes_target=1500, seed=1, months=6, end="2026-06-30")
    assert 1100 <= len(data.episodes) <= 1900
    t = _parse(data.episodes["reported_at"])
    assert t.min() >= pd.Timestamp("2026-01-01") and t.max() <= pd.Timestamp("2026-06-30 23:59")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"children": 3}, "children"), ({"noise": -1.0}, "noise"), ({"months": 0}, "months"),
     ({"end": "not a date"}, "end"), ({"episodes_target": 5}, "episodes_target")],
)
def test_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        generate_sample(**kwargs)


def test_write_refuses_to_overwrite(tmp_path):
    write_sample(tmp_path, children=20, seed=1)
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_sample(tmp_path, children=20, seed=2)
    write_sample(tmp_path, children=20, seed=2, overwrite=True)
    assert np.all(pd.read_csv(tmp_path / "children.csv")["child_id"].str.startswith("C"))


def test_cli_sample_writes_files_and_exit_codes(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--out", str(tmp_path / "s"), "--children", "30", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "truth" / "peer_groups.csv").exists()
    again = runner.invoke(app, ["sample", "--out", str(tmp_path / "s"), "--children", "30"])
    assert again.exit_code == 2
    bad = runner.invoke(app, ["sample", "--out", str(tmp_path / "t"), "--children", "2"])
    assert bad.exit_code == 2 and "children" in bad.output


@pytest.mark.slow
def test_a_large_town_gets_more_shopping_centres_than_area_names():
    """Above ~10,000 children the generator needs more shopping centres than there are area
    names: they are numbered rather than failing (the 100k-episode benchmarks need this)."""
    from contextmap.sample.vocabularies import AREAS

    data = generate_sample(children=11_000, seed=0, months=1)
    names = data.locations.loc[data.locations["name"].str.contains("Shopping Centre"), "name"]
    assert len(names) > len(AREAS)
    assert names.str.strip().is_unique


# --- geography: streets, and a county at region scale ---------------------------------

_STREET_RE = r"(?:^|, |\d )([A-Z][a-z']+ (?:Road|Street|Avenue|Lane|Drive|Terrace|Close|Way|Crescent|Row))$"


def _metres(locations: pd.DataFrame) -> pd.DataFrame:
    """Canonical-looking records with lat/lon, as x/y metres round the first one."""
    lo = locations[locations["latitude"] != ""].copy()
    lat, lon = lo["latitude"].astype(float), lo["longitude"].astype(float)
    lo["x"] = (lon - lon.mean()) * 111_320 * np.cos(np.radians(lat.mean()))
    lo["y"] = (lat - lat.mean()) * 111_320
    return lo


def _street_spread(data) -> pd.DataFrame:
    """Per street name: places, spread along its main axis and off it (metres)."""
    canon = data.truth["location_records"].query("location_id == place_id")["location_id"]
    lo = _metres(data.locations[data.locations["location_id"].isin(canon)])
    lo["street"] = lo["name"].str.strip().str.extract(_STREET_RE)[0]
    rows = []
    for street, g in lo.dropna(subset=["street"]).groupby("street"):
        if len(g) < 4:
            continue
        xy = g[["x", "y"]].to_numpy() - g[["x", "y"]].to_numpy().mean(axis=0)
        sv = np.linalg.svd(xy, compute_uv=False) / np.sqrt(len(g))
        rows.append({"street": street, "n": len(g), "along": sv[0], "off": sv[1],
                     "extent": float(np.ptp(xy @ np.linalg.svd(xy)[2][0]))})
    return pd.DataFrame(rows)


def test_places_of_one_street_lie_along_one_line(small):
    spread = _street_spread(small)
    assert len(spread) >= 10
    # a street is a line: tens of metres either side of it, up to about 1.2 km along it
    assert (spread["off"] < 40).mean() > 0.9, spread.sort_values("off").tail()
    assert (spread["extent"] < 1300).all(), spread.sort_values("extent").tail()
    assert spread["along"].median() > 3 * spread["off"].median()


@pytest.fixture(scope="module")
def county():
    return generate_sample(children=2600, seed=4, months=2)


def test_region_scale_is_a_county_of_towns_and_villages(county):
    settlements = county.params["settlements"]
    kinds = pd.Series([s["kind"] for s in settlements]).value_counts()
    assert kinds.get("main") == 1 and kinds.get("town", 0) >= 1 and kinds.get("village", 0) >= 2
    names = [s["name"] for s in settlements if s["kind"] != "main"]
    assert len(set(names)) == len(names)
    assert sum(s["children"] for s in settlements) == 2600
    lo = _metres(county.locations)
    # the county spans tens of kilometres, and places gather in several separate settlements
    assert max(np.ptp(lo["x"]), np.ptp(lo["y"])) > 20_000
    from sklearn.cluster import DBSCAN

    labels = DBSCAN(eps=1500, min_samples=5).fit(lo[["x", "y"]].to_numpy()).labels_
    assert len(set(labels) - {-1}) >= len(settlements) - 1
    # every settlement has children living there and places of its own
    assert all(s["children"] > 0 for s in settlements)


def test_at_region_scale_a_peer_group_lives_in_one_settlement(county):
    homes = county.children.set_index("child_id")["home_location_id"]
    lo = _metres(county.locations).set_index("location_id")
    lo = lo[lo["category"].str.strip().str.lower() == "address"]  # a care home may be in the next town
    spans = []
    for _, g in county.truth["peer_groups"].groupby("group_id"):
        h = homes.reindex(g["child_id"])
        pts = lo.reindex(h[h.isin(lo.index)])[["x", "y"]].dropna().to_numpy()
        if len(pts) >= 2:
            spans.append(float(np.max(np.linalg.norm(pts[:, None] - pts[None], axis=-1))))
    assert len(spans) >= 20
    assert max(spans) <= 10_000  # within one settlement (the main town is 10 km across)
    # places of one street never lie in two settlements
    spread = _street_spread(county)
    assert (spread["extent"] < 1300).all(), spread.sort_values("extent").tail()

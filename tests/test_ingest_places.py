"""Place text through ingest, end to end: an invented council and police export read through a
manifest with a gazetteer. Found-at and link-location text joins the places it names, homes are
read by address, postcode or grid reference, non-places stay descriptions (never places, never
ranked), locations get coordinates offline with a stated quality, and no row is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import contextmap
from contextmap.analysis import analyze
from contextmap.ingest.placetext import parse_place_text
from contextmap.privacy import Pseudonymiser, redact_dataset

FIXTURES = Path(__file__).parent / "fixtures" / "gazetteer"

CHILDREN = """Child ID,Name,DOB,Home Address,Home Postcode,Home Grid Ref
C1,Aimee Tarnwell,14/02/2010,"61 Sallow Street, Ellerwick",EL1 2AB,
C2,Brandon Quayle,03/09/2009,,EL1 3CD,
C3,Cody Wraybank,22/07/2011,,,NY 40900 55900
C4,Dana Fellgate,11/11/2008,No fixed abode,,
C5,Ellis Marrow,05/05/2010,,,
"""

EPISODES = """Episode No,Child ID,Reported,Returned,Type,Location Found (free text),Where did you go?
E1,C1,02/09/2026 21:30,03/09/2026 08:15,Missing,Returned home of own accord,home; Chicken Palace; don't know
E2,C2,03/09/2026 22:00,04/09/2026 07:40,Missing,"Found by police,61 sallow st",the rec
E3,C3,04/09/2026 20:10,05/09/2026 02:00,Missing,friends house,
E4,C1,05/09/2026 19:00,05/09/2026 23:30,Missing,a hotel,A HOTEL
E5,C2,06/09/2026 18:45,07/09/2026 09:00,Missing,Located at: Chicken Palace,
E6,C3,07/09/2026 23:00,08/09/2026 06:30,Missing,the car wash on Dunmere,
E7,C5,08/09/2026 21:00,09/09/2026 07:00,Absent,H\u043eme,
E8,C2,09/09/2026 21:00,10/09/2026 07:00,Missing,61 Sallow Street,
E9,C1,10/09/2026 21:00,11/09/2026 07:00,Missing,61 SALLOW ST,
E10,C3,11/09/2026 21:00,12/09/2026 07:00,Missing,Whereabouts established as the rec,
"""

PREMISES = """Loc Ref,Premises,Postcode,Eastings,Northings
P-1,"Chicken Palace, Dunmere Road",EL1 3CD,,
P-2,Dunmere Road Car Wash,,,
P-3,Ellerwick Recreation Ground,,340700,555700
P-4,Unknown,,340710,555710
P-5,Old Mill,EL1 9ZZ,,
P-6,Quillet Lane Shop,ZZ9 9ZZ,,
"""

NOMINALS = """Nominal Ref,Name,DOB
N1,Tandy Marsh,02/03/1999
"""

LINKS = """Intel Ref,From,Place,Loc Ref,Link Type,Date,Grading
K1,N1,"Found by police, 61 Sallow Street",,Visited,06/09/2026,1B P
K2,N1,a hotel,,Frequents,06/09/2026,1B P
K3,C1,Home,,Found at,03/09/2026,
K4,C5,home,,Found at,09/09/2026,
K5,N1,the rec,,Frequents,07/09/2026,2C P
K6,N1,Chicken Palace,,Visited,07/09/2026,1B P
K7,N1,Unknown,,Visited,08/09/2026,1B P
K8,N1,Chicken Palace,,Visited,08/09/2026,1A P
K9,N1,"Found by police, 61 Sallow Street",,Visited,08/09/2026,1A P
K10,N1,,P-4,Visited,09/09/2026,1A P
K11,N1,,P-4,Visited,10/09/2026,1A P
"""

MANIFEST = """description: An invented council and police export, with the user's gazetteer
gazetteer:
  postcodes: gazetteer/onspd/**/*.csv
  names: gazetteer/opennames/**/*.csv
sources:
  - file: council/children.csv
    agency: Fellmoor Council
    table: children
    columns: {Child ID: child_id, Name: name, DOB: date_of_birth, Home Address: home_address,
              Home Postcode: home_postcode, Home Grid Ref: home_grid_reference}
  - file: council/episodes.csv
    agency: Fellmoor Council
    table: episodes
    boilerplate: 'whereabouts\\s+established\\s+as'
    columns: {Episode No: episode_id, Child ID: child_id, Reported: reported_at, Returned: returned_at,
              Type: classification, "Location Found (free text)": found_location,
              "Where did you go?": places_mentioned}
  - file: police/premises.csv
    agency: Fellmoor Police
    table: locations
    columns: {Loc Ref: location_id, Premises: name, Postcode: postcode, Eastings: easting, Northings: northing}
  - file: police/nominals.csv
    agency: Fellmoor Police
    table: persons
    columns: {Nominal Ref: person_id, Name: name, DOB: date_of_birth}
  - file: police/links.csv
    agency: Fellmoor Police
    table: links
    constants: {source_type: police}
    columns: {Intel Ref: link_id, From: source_id, Place: target_name, Loc Ref: target_id, Link Type: relation,
              Date: observed_on, Grading: grading}
    values: {relation: {Found at: found_at}}
"""


def _export(root: Path) -> Path:
    for rel, text in {"council/children.csv": CHILDREN, "council/episodes.csv": EPISODES,
                      "police/premises.csv": PREMISES, "police/nominals.csv": NOMINALS,
                      "police/links.csv": LINKS, "sources.yaml": MANIFEST}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    shutil.copytree(FIXTURES, root / "gazetteer")
    return root / "sources.yaml"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("places"))


@pytest.fixture(scope="module")
def ds(manifest):
    return contextmap.load(manifest, as_of="2026-12-01")


def _problems(ds, table, column=None):
    p = ds.report.problems
    p = p[p["table"] == table]
    return p if column is None else p[p["column"] == column]


def test_no_row_is_lost(ds):
    c = ds.report.counts
    assert (c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]).all()
    assert c.loc["links", "read"] == 11 and c.loc["episodes", "read"] == 10 and c.loc["children", "read"] == 5


def test_homes_by_address_postcode_or_grid_reference(ds):
    ch = ds.children.set_index("child_id")
    lo = ds.locations.set_index("location_id")
    h1, h2, h3 = (ch.loc[c, "home_location_id"] for c in ("C1", "C2", "C3"))
    assert lo.loc[h1, "name"] == "61 Sallow Street, Ellerwick, EL1 2AB" and lo.loc[h1, "category"] == "address"
    assert lo.loc[h1, "geocoded_from"] == "postcode" and lo.loc[h1, "postcode"] == "EL1 2AB"
    assert lo.loc[h2, "name"] == "EL1 3CD" and lo.loc[h2, "easting"] == 340600.0  # a postcode is not the takeaway there
    assert h2 != "P-1"
    assert (lo.loc[h3, "easting"], lo.loc[h3, "northing"]) == (340900.0, 555900.0)
    assert lo.loc[h3, "position_quality"] == "grid reference (1 m square)"
    assert pd.isna(ch.loc["C4", "home_location_id"]) and pd.isna(ch.loc["C5", "home_location_id"])
    w = _problems(ds, "children", "home_address")
    assert w[["row", "value"]].values.tolist() == [[5, "No fixed abode"]] and "not an address" in w["reason"].iloc[0]


def test_text_naming_a_childs_home_is_a_match_not_a_warning(ds):
    w = _problems(ds, "episodes", "found_location")
    assert not w["value"].isin(["Found by police,61 sallow st", "61 Sallow Street", "61 SALLOW ST"]).any()
    lw = _problems(ds, "links", "target_name")
    assert lw.loc[lw["severity"] == "warning", "value"].tolist() == ["Home"]  # "linked to their home location"
    assert lw["severity"].eq("error").sum() == 3  # and the three links set aside


def test_found_text_joins_the_place_it_names(ds):
    ep = ds.episodes.set_index("episode_id")
    home1 = ds.children.set_index("child_id").loc["C1", "home_location_id"]
    assert ep.loc["E2", "found_location_id"] == home1  # "Found by police,61 sallow st": C1's home
    assert ep.loc["E8", "found_location_id"] == ep.loc["E9", "found_location_id"] == home1
    assert ep.loc["E5", "found_location_id"] == "P-1"  # "Located at: Chicken Palace"
    assert ep.loc["E6", "found_location_id"] == "P-2"  # "the car wash on Dunmere"
    assert ep.loc["E10", "found_location_id"] == "P-3"  # the source's own boilerplate, then "the rec"


def test_non_places_are_descriptions_and_home_is_a_signal(ds):
    ep = ds.episodes.set_index("episode_id")
    for e in ("E1", "E3", "E4", "E7"):
        assert pd.isna(ep.loc[e, "found_location_id"]), e
    assert ep.loc["E1", "found_description"] == "Returned home of own accord"
    assert ep.loc["E3", "found_description"] == "friends house" and ep.loc["E4", "found_description"] == "a hotel"
    at_home = ep["found_at_home"].to_dict()
    assert at_home["E1"] and at_home["E7"]  # by the text ("H\u043eme" has a Cyrillic o)
    assert at_home["E9"] and not at_home["E2"] and not at_home["E8"]  # by the place: C1's home, not C2's
    assert not at_home["E3"] and not at_home["E4"]
    assert ep.loc["E1", "places_mentioned"] == "Chicken Palace"
    assert ep.loc["E1", "places_described"] == "home; don't know"
    assert pd.isna(ep.loc["E4", "places_mentioned"]) and ep.loc["E4", "places_described"] == "A HOTEL"


def test_non_places_never_become_locations(ds):
    prov = ds.locations[ds.locations["provisional"]]
    assert len(prov) == 3  # the three homes; every found or link text named a known place or a home
    assert all(parse_place_text(n).is_place for n in prov["name"])


def test_link_places_matched_and_links_to_non_places_set_aside_with_their_reason(ds):
    li = ds.links.set_index("link_id")
    home1 = ds.children.set_index("child_id").loc["C1", "home_location_id"]
    assert li.loc["K1", "target_id"] == home1 and li.loc["K1", "target_kind"] == "location"
    assert li.loc["K3", "target_id"] == home1  # "Home" on a child's found_at link: their home
    assert li.loc["K5", "target_id"] == "P-3" and li.loc["K6", "target_id"] == "P-1"
    q = ds.quarantine["links"].set_index("Intel Ref") if "Intel Ref" in ds.quarantine["links"] else \
        ds.quarantine["links"].set_index("link_id")
    assert sorted(q.index) == ["K2", "K4", "K7"]
    assert "names no place (a kind of place, not a place)" in q.loc["K2", "_reasons"]
    assert "whose address is not known" in q.loc["K4", "_reasons"]
    assert "not known or not said" in q.loc["K7", "_reasons"]
    assert "missing required value" not in " ".join(q["_reasons"])  # one reason, not two
    assert (_problems(ds, "links")["severity"] == "error").sum() == 3


def test_locations_placed_from_the_gazetteer_with_their_quality(ds):
    lo = ds.locations.set_index("location_id")
    assert lo.loc["P-1", "geocoded_from"] == "postcode" and lo.loc["P-1", "easting"] == 340600.0
    assert lo.loc["P-2", "geocoded_from"] == "street"  # Dunmere Road: the Ellerwick one, near the others
    assert lo.loc["P-2", "easting"] == 340600.0
    assert lo.loc["P-3", "geocoded_from"] == "given" and lo.loc["P-3", "position_quality"] == "as given"
    assert lo.loc["P-5", "position_quality"] == "postcode unit centroid (terminated postcode, 2019-06)"
    assert lo.loc["P-6", "geocoded_from"] == "street"  # its postcode is not in the gazetteer: the street is
    w = _problems(ds, "locations", "postcode").set_index("row")
    assert "terminated postcode" in w.loc[6, "reason"] and w.loc[6, "value"] == "EL1 9ZZ"
    assert "not in the gazetteer" in w.loc[7, "reason"]
    placed = ds.locations["latitude"].notna()
    assert (~ds.locations.geometry.is_empty == placed).all()  # every position found is drawn
    assert 54.8 < lo.loc["P-2", "latitude"] < 55.0


def test_a_location_named_by_a_description_is_warned_and_never_ranked(ds):
    w = _problems(ds, "locations", "name")
    assert w["value"].tolist() == ["Unknown"] and "never ranked" in w["reason"].iloc[0]
    assert set(ds.links.loc[ds.links["target_id"] == "P-4", "link_id"]) == {"K10", "K11"}  # given by id: kept
    an = analyze(ds, start="2026-09-01", end="2026-09-30", resolve=False)
    ranked = an.hotspots
    assert "P-4" not in set(ranked.index) and len(ranked)
    assert all(parse_place_text(n).is_place for n in ranked["name"].dropna())


def test_descriptions_are_free_text_hidden_from_audiences_without_it(ds):
    red = redact_dataset(ds, "partner", pseudonymiser=Pseudonymiser(b"a test key, never use this one"),
                         as_of="2026-12-01")
    assert red.episodes["found_description"].isna().all() and red.episodes["places_described"].isna().all()
    assert red.episodes["found_at_home"].sum() == ds.episodes["found_at_home"].sum()  # a flag, not text


def test_the_gazetteer_may_come_from_the_settings(manifest, tmp_path, monkeypatch):
    text = manifest.read_text().split("sources:")[1]
    (manifest.parent / "no_gaz.yaml").write_text("sources:" + text)
    monkeypatch.chdir(manifest.parent)
    plain = contextmap.load(manifest.parent / "no_gaz.yaml", as_of="2026-12-01")
    assert plain.locations.set_index("location_id")["geocoded_from"].isna()["P-1"]
    cfg = contextmap.Settings.from_dict({"gazetteer": {"postcodes": "gazetteer/codepoint/**/*.csv"}})
    got = contextmap.load(manifest.parent / "no_gaz.yaml", as_of="2026-12-01", settings=cfg)
    lo = got.locations.set_index("location_id")
    assert lo.loc["P-1", "geocoded_from"] == "postcode" and pd.isna(lo.loc["P-2", "geocoded_from"])


def test_a_wrong_gazetteer_file_stops_the_load_naming_it(manifest):
    bad = manifest.parent / "bad.yaml"
    bad.write_text(manifest.read_text().replace("gazetteer/onspd/**/*.csv", "gazetteer/bad/wrong_header.csv"))
    with pytest.raises(contextmap.InputReadError, match="wrong_header.csv"):
        contextmap.load(bad, as_of="2026-12-01")


def test_found_text_without_a_manifest_uses_the_defaults(tmp_path):
    (tmp_path / "children.csv").write_text("child_id,home_address\nC1,\"61 Sallow Street\"\n")
    (tmp_path / "locations.csv").write_text("location_id,name\nL1,Chicken Palace\n")
    (tmp_path / "episodes.csv").write_text(
        "episode_id,child_id,reported_at,found_location\nE1,C1,01/09/2026,\"Found by police, 61 Sallow St\"\n"
        "E2,C1,02/09/2026,LOCATED AT CHICKEN PALACE\nE3,C1,03/09/2026,Don't know\n")
    d = contextmap.load(tmp_path, as_of="2026-12-01")
    ep = d.episodes.set_index("episode_id")
    assert ep.loc["E1", "found_location_id"] == d.children["home_location_id"].iloc[0]
    assert bool(ep.loc["E1", "found_at_home"]) and ep.loc["E2", "found_location_id"] == "L1"
    assert ep.loc["E3", "found_description"] == "Don't know" and not ep.loc["E3", "found_at_home"]


def test_a_mapping_file_gives_a_tables_boilerplate(tmp_path):
    (tmp_path / "children.csv").write_text("child_id\nC1\n")
    (tmp_path / "locations.csv").write_text("location_id,name\nL1,Chicken Palace\n")
    (tmp_path / "Missing.csv").write_text("episode_id,child_id,reported_at,Where Found\n"
                                          "E1,C1,01/09/2026,Recovered by response team from Chicken Palace\n")
    (tmp_path / "map.yaml").write_text(
        "tables:\n  episodes:\n    file: Missing.csv\n    columns: {Where Found: found_location}\n"
        "    boilerplate: ['recovered\\s+by\\s+response\\s+team\\s+from']\n")
    d = contextmap.load(tmp_path, mapping=tmp_path / "map.yaml", as_of="2026-12-01")
    assert d.episodes["found_location_id"].tolist() == ["L1"]
    with pytest.raises(contextmap.MappingError, match="boilerplate is not a regular expression"):
        (tmp_path / "bad.yaml").write_text("tables:\n  episodes:\n    boilerplate: '(unclosed'\n")
        contextmap.load(tmp_path, mapping=tmp_path / "bad.yaml")

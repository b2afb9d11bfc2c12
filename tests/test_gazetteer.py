"""The user's gazetteer read offline: layouts told from the first row, big files streamed, the
manifest and settings entries that name the files, and the positions it gives (ingest.geocode)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import contextmap.ingest.gazetteer as gz
from contextmap import InputNotFoundError, InputReadError, MappingError
from contextmap.ingest.gazetteer import Gazetteer, detect_layout, gazetteer_from_spec
from contextmap.ingest.geocode import locate_places
from contextmap.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "gazetteer"
ONSPD = FIXTURES / "onspd" / "ONSPD" / "Data" / "ONSPD_TEST.csv"
CODEPOINT = sorted((FIXTURES / "codepoint").rglob("*.csv"))
NAMES = sorted((FIXTURES / "opennames").rglob("*.csv"))


def test_each_layout_is_told_from_its_first_row_not_its_name(tmp_path):
    assert detect_layout(ONSPD).layout == "onspd"
    layouts = {p.name: detect_layout(p).layout for p in CODEPOINT + NAMES}
    assert layouts == {"el.csv": "codepoint", "qb.csv": "codepoint", "Code-Point_Open_Column_Headers.csv": "header",
                       "NY45.csv": "open_names", "NY56.csv": "open_names", "OS_Open_Names_Header.csv": "header"}
    renamed = tmp_path / "postcodes.txt"
    shutil.copy(CODEPOINT[0], renamed)
    assert detect_layout(renamed).layout == "codepoint"


def test_a_file_in_no_known_layout_is_named_with_its_first_row():
    with pytest.raises(InputReadError) as exc:
        detect_layout(FIXTURES / "bad" / "wrong_header.csv")
    msg = str(exc.value)
    assert "wrong_header.csv" in msg and "'Postcode,Lat,Lon'" in msg and "ONS Postcode Directory" in msg


def test_binary_and_empty_files_are_refused(tmp_path):
    (tmp_path / "zip.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    (tmp_path / "empty.csv").write_text("")
    for name in ("zip.csv", "empty.csv"):
        with pytest.raises(InputReadError, match=name):
            detect_layout(tmp_path / name)


@pytest.mark.parametrize("files", [(ONSPD,), tuple(CODEPOINT)], ids=["onspd", "codepoint"])
def test_postcodes_with_their_positional_quality(files):
    t = Gazetteer(postcodes=files).postcodes_table(["EL12AB", "EL25GH", "EL99XX", "EL14EF", "ZZ99ZZ"])
    assert (t.loc["EL12AB", "easting"], t.loc["EL12AB", "northing"]) == (340270.0, 555480.0)
    assert t.loc["EL12AB", "quality"] == "postcode unit centroid"
    assert t.loc["EL25GH", "quality"] == "postcode sector mean (approximate)"
    assert math.isnan(t.loc["EL99XX", "easting"])  # the gazetteer has no position for it
    assert "ZZ99ZZ" not in t.index


def test_a_terminated_postcode_still_locates_old_records_and_is_marked():
    t = Gazetteer(postcodes=(ONSPD,)).postcodes_table(["EL19ZZ"])
    assert t.loc["EL19ZZ", "terminated"] == "201906"
    assert t.loc["EL19ZZ", "quality"] == "postcode unit centroid (terminated postcode, 2019-06)"
    assert "EL19ZZ" not in Gazetteer(postcodes=tuple(CODEPOINT)).postcodes_table(["EL19ZZ"]).index  # live only


def test_a_live_entry_wins_over_a_terminated_one(tmp_path):
    other = tmp_path / "later.csv"
    text = ONSPD.read_text().splitlines()
    live = [ln.replace('"201906"', "") for ln in text if ln.startswith('"EL1 9ZZ"')]
    other.write_text("\n".join([text[0], *[ln.replace("340450", "340460") for ln in live]]) + "\n")
    t = Gazetteer(postcodes=(ONSPD, other)).postcodes_table(["EL19ZZ"])
    assert t.loc["EL19ZZ", "terminated"] == "" and t.loc["EL19ZZ", "easting"] == 340460.0


def test_onspd_is_streamed_batch_by_batch_keeping_only_what_is_asked(tmp_path, monkeypatch):
    big = tmp_path / "ONSPD_BIG.csv"
    header, *rows = ONSPD.read_text().splitlines()
    filler = [r.replace('"EL1 2AB"', f'"XX{k % 90 + 10} {k % 9}AA"', 1).replace('"EL1  2AB"', '"XX"', 1)
              for k, r in enumerate(rows[:1] * 3000)]
    big.write_text("\n".join([header, *filler, *rows]) + "\n")
    monkeypatch.setattr(gz, "_BLOCK", 1 << 16)  # many small batches
    t = Gazetteer(postcodes=(big,)).postcodes_table(["EL12AD", "QB41JK"])
    assert sorted(t.index) == ["EL12AD", "QB41JK"] and t.loc["QB41JK", "northing"] == 560000.0


def test_onspd_header_in_capitals_is_read_by_its_names(tmp_path):
    up = tmp_path / "onspd_upper.csv"
    header, *rows = ONSPD.read_text().splitlines()
    up.write_text("\n".join([header.upper(), *rows]) + "\n")
    assert Gazetteer(postcodes=(up,)).postcodes_table(["EL13CD"]).loc["EL13CD", "easting"] == 340600.0


def test_an_extract_whose_postcode_is_not_the_first_column_is_read_by_its_columns(tmp_path):
    import csv

    rows = list(csv.reader(ONSPD.read_text().splitlines()))
    order = [rows[0].index(c) for c in ("oseast1m", "osnrth1m", "pcds", "doterm", "osgrdind")]
    extract = tmp_path / "onspd_extract.csv"
    extract.write_text("\n".join(",".join(r[i] for i in order) for r in rows) + "\n")
    t = Gazetteer(postcodes=(extract,)).postcodes_table(["EL13CD", "EL19ZZ"])
    assert t.loc["EL13CD", "easting"] == 340600.0 and t.loc["EL19ZZ", "terminated"] == "201906"


def test_named_roads_and_places():
    t = Gazetteer(names=tuple(NAMES)).names_table(["dunmere road", "st johns road", "ellerwick", "nowhere lane"])
    assert sorted(t["key"]) == ["dunmere road", "dunmere road", "ellerwick", "st johns road"]
    assert set(t.loc[t["key"] == "dunmere road", "populated_place"]) == {"Ellerwick", "Quillby"}
    assert t.loc[t["key"] == "ellerwick", "local_type"].tolist() == ["Town"]


# --- where the files are named ----------------------------------------------------------


def test_spec_reads_files_globs_and_lists_relative_to_its_folder(tmp_path):
    shutil.copytree(FIXTURES, tmp_path / "gaz")
    g = gazetteer_from_spec({"postcodes": "gaz/onspd/**/*.csv", "names": ["gaz/opennames/opname_csv_gb/Data/NY45.csv"]},
                            base=tmp_path, where="manifest", inside=tmp_path)
    assert [p.name for p in g.postcodes] == ["ONSPD_TEST.csv"] and [p.name for p in g.names] == ["NY45.csv"]


@pytest.mark.parametrize("spec, error, words", [
    ({"postcodes": "gaz/nothing*.csv"}, InputNotFoundError, "matches no file"),
    ({"postcodes": "gaz/missing.csv"}, InputNotFoundError, "not found"),
    ({"postcode": "gaz/x.csv"}, MappingError, "unknown key gazetteer.postcode"),
    ({"postcodes": 3}, MappingError, "must be a file, a glob or a list"),
    ("gaz/x.csv", MappingError, "must be a mapping"),
])
def test_spec_errors_name_the_key_and_value(tmp_path, spec, error, words):
    (tmp_path / "gaz").mkdir()
    with pytest.raises(error, match=words):
        gazetteer_from_spec(spec, base=tmp_path, where="manifest 'm.yaml'", inside=tmp_path)


def test_a_file_outside_the_manifests_folder_is_refused_unless_allowed(tmp_path):
    (tmp_path / "m").mkdir()
    shutil.copy(ONSPD, tmp_path / "ONSPD.csv")
    with pytest.raises(InputReadError, match="outside the folder"):
        gazetteer_from_spec({"postcodes": "../ONSPD.csv"}, base=tmp_path / "m", where="manifest", inside=tmp_path / "m")
    g = gazetteer_from_spec({"postcodes": "../ONSPD.csv"}, base=tmp_path / "m", where="manifest", inside=tmp_path / "m",
                            allow_outside=True)
    assert g is not None and g.postcodes[0].name == "ONSPD.csv"


def test_settings_take_one_path_or_a_list():
    s = Settings.from_dict({"gazetteer": {"postcodes": "ONSPD.csv", "names": ["names/*.csv"]}})
    assert (s.gazetteer.postcodes, s.gazetteer.names) == (("ONSPD.csv",), ("names/*.csv",))
    with pytest.raises(Exception, match="unknown setting gazetteer.open_names"):
        Settings.from_dict({"gazetteer": {"open_names": "x.csv"}})


# --- positions from the gazetteer ---------------------------------------------------------


def _reasons(notes) -> dict[int, tuple[str, str]]:
    """Row -> (column, reason) of locate_places' warnings."""
    out = {}
    for mask, column, _values, reason in notes:
        for row in mask[mask].index:
            out[int(row)] = (column, reason if isinstance(reason, str) else str(reason[row]))
    return out


def _frame(names, postcodes):
    n = len(names)
    return pd.DataFrame({"name": names, "postcode": postcodes, "latitude": [np.nan] * n, "longitude": [np.nan] * n,
                         "easting": [np.nan] * n, "northing": [np.nan] * n})


def test_postcodes_and_streets_get_coordinates_with_a_stated_quality():
    g = Gazetteer(postcodes=(ONSPD,), names=tuple(NAMES))
    f = _frame(["61 Sallow Street", "Quillet Lane takeaway", "Flat 9, Brackenfold Way", "the old mill", "14 St John's Rd"],
               ["EL1 2AB", None, None, None, None])
    out, notes = locate_places(f, origin=pd.Series([""] * 5), gazetteer=g)
    assert out["geocoded_from"].tolist()[:3] == ["postcode", "street", "street"]
    assert out.loc[0, ["easting", "northing"]].tolist() == [340270.0, 555480.0]
    assert out.loc[0, "position_quality"] == "postcode unit centroid"
    assert out.loc[1, "position_quality"] == "street (a point on the named road)"
    assert out.loc[2, ["easting", "northing"]].tolist() == [341150.0, 556125.0]  # two sections of one road
    assert pd.isna(out.loc[3, "geocoded_from"]) and math.isnan(out.loc[3, "easting"])
    assert out.loc[4, "geocoded_from"] == "street"  # "Saint John's Road" is "St John's Road"
    assert 54.8 < out.loc[0, "latitude"] < 55.0 and -3.0 < out.loc[0, "longitude"] < -2.8
    assert notes == []


def test_postcode_problems_are_warnings_naming_the_row():
    g = Gazetteer(postcodes=(ONSPD,))
    f = _frame(["A", "B", "C"], ["EL1 9ZZ", "ZZ9 9ZZ", "EL9 9XX"])
    out, notes = locate_places(f, origin=pd.Series(["", "", ""]), gazetteer=g)
    reasons = {row: why for row, (_, why) in _reasons(notes).items()}
    assert "terminated postcode" in reasons[0] and out.loc[0, "easting"] == 340450.0
    assert out.loc[0, "position_quality"] == "postcode unit centroid (terminated postcode, 2019-06)"
    assert "not in the gazetteer" in reasons[1] and math.isnan(out.loc[1, "easting"])
    assert "no position" in reasons[2]


def test_a_street_in_two_towns_is_placed_only_when_something_says_which():
    g = Gazetteer(names=tuple(NAMES))
    f = _frame(["Chicken Palace, Dunmere Road", "Chicken Palace, Dunmere Road, Quillby", "12 Dunmere Road"],
               [None, None, "EL1 7QQ"])  # EL1 7QQ: not in any postcode file, but its district says Ellerwick
    out, notes = locate_places(f, origin=pd.Series(["", "", ""]), gazetteer=g)
    assert pd.isna(out.loc[0, "geocoded_from"])
    assert _reasons(notes)[0] == ("name", "street 'dunmere road' is in 2 places in the gazetteer (Ellerwick, Fellmoor, "
                                          "Quillby): give its postcode to say which")
    assert out.loc[1, "easting"] == 352010.0  # the town in the text
    assert out.loc[2, "easting"] == 340600.0  # the postcode district
    near, _ = locate_places(f.iloc[[0]], origin=pd.Series([""]), gazetteer=g, reference=(340000.0, 555000.0))
    assert near.loc[0, "easting"] == 340600.0  # the one near the other places


def test_given_and_grid_reference_positions_are_kept_and_said():
    f = _frame(["A", "B"], [None, None])
    f.loc[0, ["latitude", "longitude"]] = [54.9, -2.93]
    f.loc[1, ["easting", "northing"]] = [340200.0, 555400.0]
    out, _ = locate_places(f, origin=pd.Series(["", "grid_reference:100.0"]), gazetteer=None)
    assert out["geocoded_from"].tolist() == ["given", "grid_reference"]
    assert out["position_quality"].tolist() == ["as given", "grid reference (100 m square)"]


def test_a_gazetteer_file_in_another_encoding_is_named(tmp_path):
    latin = tmp_path / "ONSPD_latin1.csv"
    latin.write_bytes(ONSPD.read_bytes().replace(b'"EL1 2AB","EL1  2AB"', b'"EL1 2AB","EL1 \xa0 2AB"'))
    with pytest.raises(InputReadError, match="ONSPD_latin1.csv"):
        Gazetteer(postcodes=(latin,)).postcodes_table(["EL12AB"])


def test_export_postcodes_in_any_case_and_spacing_are_looked_up():
    g = Gazetteer(postcodes=(ONSPD,))
    f = _frame(["A", "B"], ["el12ab", "EL1  3CD"])
    out, _ = locate_places(f, origin=pd.Series(["", ""]), gazetteer=g)
    assert out["easting"].tolist() == [340270.0, 340600.0]

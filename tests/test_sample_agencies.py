"""The two-agency sample (``contextmap sample --agencies``): files, columns, planted faults, truth."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

import contextmap
from contextmap import OutputExistsError
from contextmap.cli import app
from contextmap.ingest.coordinates import parse_grid_references
from contextmap.sample.agencies import (
    EXPORT_FILES,
    MANIFEST,
    POLICE_FILES,
    SHEETS,
    TRUTH_FILES,
    generate_agencies,
    period_file,
    write_agencies,
)
from contextmap.sample.agency_text import canonical_grading, place_text, police_child_name
from contextmap.sample.gazetteer import (
    CODEPOINT_COLUMNS,
    ONSPD_COLUMNS,
    OPEN_NAMES_COLUMNS,
    UNIT_M,
    grid_reference,
    grid_square,
)

PERIODS = ["2026-10", "2026-11"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_agencies(tmp_path_factory.mktemp("agencies") / "export", children=300, seed=5)


@pytest.fixture(scope="module")
def truth(out: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_csv(out / "truth" / f"{n}.csv", keep_default_na=False, dtype=str) for n in TRUTH_FILES}


def _sheet(out: Path, period: str, key: str) -> pd.DataFrame:
    title = SHEETS[key][0]
    return pd.read_excel(out / period_file(EXPORT_FILES["council"], period), sheet_name=title, dtype=object)


def _police(out: Path, period: str, key: str) -> pd.DataFrame:
    return pd.read_csv(out / period_file(EXPORT_FILES[key], period), dtype=str, keep_default_na=False)


def _month_manifest(out: Path, period: str) -> Path:
    """The manifest for one month in today's contract: file names for the month, no gazetteer,
    no home columns (the features other packages add are left out)."""
    spec = yaml.safe_load((out / MANIFEST).read_text(encoding="utf-8"))
    spec.pop("gazetteer")
    for src in spec["sources"]:
        src["file"] = period_file(src["file"], period)
        for sh in src.get("sheets", []):
            for local in [k for k, v in sh["columns"].items() if str(v).startswith("home_")]:
                sh["columns"].pop(local)
    path = out / f"_test_{period}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


# --- files and columns --------------------------------------------------------------------------


def test_every_month_has_its_files_named_for_the_month(out):
    for period, mon in zip(PERIODS, ["Oct2026", "Nov2026"], strict=True):
        assert (out / "council" / f"CS_export_{period}.xlsx").is_file()
        for name in ("nominals", "intel_links", "premises"):
            assert (out / "police" / f"{name}_{mon}.csv").is_file()
    for name in TRUTH_FILES:
        assert (out / "truth" / f"{name}.csv").is_file()
    assert (out / "truth" / "truth.json").is_file()


def test_each_agency_writes_its_own_column_names(out):
    wb = load_workbook(out / "council" / "CS_export_2026-10.xlsx", read_only=True)
    assert wb.sheetnames == [s[0] for s in SHEETS.values()]
    for title, _table, columns in SHEETS.values():
        header = next(wb[title].iter_rows(max_row=1, values_only=True))
        assert tuple(header) == columns
    assert "Home Address" in SHEETS["young_people"][2] and "Home Postcode" in SHEETS["young_people"][2]
    for key, (_table, columns) in POLICE_FILES.items():
        raw = (out / period_file(EXPORT_FILES[key], "2026-10")).read_bytes()
        assert raw.split(b"\r\n", 1)[0].decode() == ",".join(columns)
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # a Windows export: CRLF only


def test_council_dates_are_real_date_cells(out):
    ws = load_workbook(out / "council" / "CS_export_2026-10.xlsx", read_only=True)["Missing Episodes"]
    row = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert hasattr(row[2], "year")  # Date Reported Missing is a datetime cell, not text


def test_the_manifest_serves_every_month_and_names_the_gazetteer_and_homes(out):
    spec = yaml.safe_load((out / MANIFEST).read_text(encoding="utf-8"))
    files = [s["file"] for s in spec["sources"]]
    assert files == list(EXPORT_FILES.values())
    assert all("{period" in f for f in files)
    assert sorted((out / "gazetteer").glob(spec["gazetteer"]["postcodes"].split("/", 1)[1]))
    assert len(list(out.glob(spec["gazetteer"]["names"]))) >= 1
    young = spec["sources"][0]["sheets"][0]["columns"]
    assert young["Home Address"] == "home_address" and young["Home Postcode"] == "home_postcode"


@pytest.mark.parametrize("period", PERIODS)
def test_each_month_loads_with_nothing_lost_and_only_non_places_set_aside(out, truth, period):
    ds = contextmap.load(_month_manifest(out, period))
    counts = ds.report.counts
    written = truth["rows"][truth["rows"]["period"] == period].groupby("table").size()
    # the only rows set aside are the links whose place is no place ("a party", "friends
    # house"): never mapped or ranked, each with its reason; every other row is accepted
    refs, rows = truth["place_refs"], truth["rows"]
    vague = refs[(refs["period"] == period) & (refs["kind"] == "link_location") & (refs["non_place"] != "")]
    links = rows[(rows["period"] == period) & (rows["table"] == "links")]
    expected = {(f"{f}[{s}]" if s else f, int(r)) for f, s, r in
                links[links["key"].isin(vague["key"])][["file", "sheet", "row"]].itertuples(index=False)}
    q = ds.report.errors
    q = q[q["severity"] == "error"]
    assert expected and set(zip(q["file"], q["row"].astype(int), strict=True)) == expected
    assert q["reason"].str.startswith("names no place").all()
    assert int(counts.loc["links", "quarantined"]) == len(expected)
    assert int(counts["quarantined"].drop("links").sum()) == 0
    for table, n in written.items():
        assert int(counts.loc[table, "read"]) == n
        assert int(counts.loc[table, "accepted"] + counts.loc[table, "duplicates"] + counts.loc[table, "quarantined"]) == n


# --- months overlap as real exports do ------------------------------------------------------------


def test_month_two_re_exports_month_one_and_adds_to_it(out, truth):
    for key in ("nominals", "premises"):
        ref = POLICE_FILES[key][1][0]
        first, second = set(_police(out, "2026-10", key)[ref]), set(_police(out, "2026-11", key)[ref])
        assert first < second
    assoc1, assoc2 = _sheet(out, "2026-10", "associations"), _sheet(out, "2026-11", "associations")
    assert len(assoc2) > len(assoc1)
    assert set(map(tuple, assoc1.astype(str).to_numpy())) <= set(map(tuple, assoc2.astype(str).to_numpy()))
    ep1, ep2 = _sheet(out, "2026-10", "episodes"), _sheet(out, "2026-11", "episodes")
    again = set(ep1["Episode No"]) & set(ep2["Episode No"])
    assert again, "episodes returned or interviewed in month two are exported again"
    for no in list(again)[:20]:
        a = ep1.loc[ep1["Episode No"] == no].iloc[0]
        b = ep2.loc[ep2["Episode No"] == no].iloc[0]
        assert not a.equals(b)  # re-exported because something changed
    months = truth["months"].set_index(["period", "table"])
    assert int(months.loc[("2026-11", "episodes"), "changed"]) == len(again)
    assert int(months.loc[("2026-11", "links"), "unchanged"]) >= len(assoc1)


def test_months_truth_agrees_with_the_rows_written(truth):
    rows = truth["rows"].groupby(["period", "table"]).size()
    months = truth["months"].set_index(["period", "table"])
    for (period, table), n in rows.items():
        m = months.loc[(period, table)]
        assert int(m["written"]) == n == int(m["new"]) + int(m["changed"]) + int(m["unchanged"])
    assert (months.loc["2026-10", "new"].astype(int) == months.loc["2026-10", "written"].astype(int)).all()


# --- planted faults -------------------------------------------------------------------------------


def test_police_write_council_children_in_their_own_forms(truth):
    refs = truth["person_refs"]
    kids = refs[(refs["agency"] == "Northfell Constabulary") & (refs["kind"] == "link_end") & (refs["true_kind"] == "child")]
    forms = set(kids["form"])
    assert {"surname_first_upper", "forename_initial", "initial_surname", "nickname", "full_name"} <= forms
    upper = kids[kids["form"] == "surname_first_upper"]["text"]
    assert upper.str.fullmatch(r"[A-Z' -]+, [A-Z][a-z]+").all()
    initial = kids[kids["form"] == "forename_initial"]
    assert set(initial["dob_given"]) == {"True", "False"}  # "Tyrese O" with and without the date of birth
    assert "child_nominal" in set(refs.loc[refs["kind"] == "nominal", "form"])


def test_adults_share_names_with_children_but_not_their_birthdays(truth):
    persons, children = truth["persons"], truth["children"].set_index("child_id")
    namesakes = persons[persons["role"] == "child_namesake"]
    assert len(namesakes)
    for r in namesakes.itertuples():
        child = children.loc[r.namesake_of]
        assert r.name == child["name"] and r.date_of_birth != child["date_of_birth"]
        assert int(r.date_of_birth[:4]) < 2006  # an adult
    refs = truth["person_refs"]
    assert refs["form"].str.startswith("child_namesake").any()


def test_nicknames_aliases_and_a_vehicle_in_rhi_text(out, truth):
    refs = truth["person_refs"]
    assert (refs["form"] == "alias").any() and (refs["form"] == "alias_called").any()
    vehicles = refs[refs["form"] == "vehicle"]
    assert len(vehicles) and (vehicles["true_kind"] == "none").all()
    who = _sheet(out, "2026-11", "episodes")["Who were you with?"].dropna()
    assert who.str.contains(r"^a guy called \S.* with a \w+ \w+$|; a guy called", regex=True).any()


def test_month_first_dates_of_birth_are_planted_and_truthful(out, truth):
    noms = _police(out, "2026-11", "nominals").set_index("Nominal Ref")
    refs = truth["person_refs"]
    mf = refs[(refs["form"].str.endswith("_record") | (refs["form"] == "child_namesake")) & (refs["dob_form"] == "month_first")]
    assert len(mf)
    persons = truth["persons"].set_index("entity_id")
    for r in mf.drop_duplicates("key").itertuples():
        if r.key in noms.index:
            written = noms.loc[r.key, "DOB"]
            month, day, year = written.split("/")
            assert int(day) > 12  # unreadable day-first: 03/14/1996
            assert pd.Timestamp(int(year), int(month), int(day)) == pd.Timestamp(persons.loc[r.true_entity, "date_of_birth"])


def test_place_text_boilerplate_short_names_and_non_places(truth):
    pl = truth["place_refs"]
    places = pl[pl["non_place"] == ""]
    assert {"name", "boilerplate", "short_name", "description", "postcode", "abbreviated", "upper"} <= set(places["form"])
    boiler = places[places["form"] == "boilerplate"]["text"]
    assert boiler.str.startswith("Found by police, ").any() and boiler.str.startswith("Located at ").any()
    assert set(pl["non_place"]) - {""} == {"home", "friend_address", "own_accord", "vague_place", "unknown"}
    texts = set(pl["text"])
    assert {"Home", "friends house", "Returned home of own accord", "a hotel", "unknown"} & texts
    home = pl[pl["non_place"] == "home"]
    assert (home["home_place"] != "").all()


def test_gradings_come_as_free_text_and_already_canonical(out):
    grading = _police(out, "2026-11", "intel_links")["Grading"]
    free = grading[grading.str.contains("3x5x2 code")]
    canon = grading[grading.str.fullmatch(r"[123][A-E] [PC]")]
    assert len(free) and len(canon)
    assert free.str.fullmatch(r"[A-E][1-5] / 3x5x2 code [123][A-E] [PC]").all()


def test_the_council_gives_associations_no_id(out):
    assert "Association ID" not in SHEETS["associations"][2]
    assert not any("id" in c.lower() and c != "Person ID" for c in SHEETS["associations"][2])


# --- truth is consistent with the files -----------------------------------------------------------


def test_every_person_reference_is_in_the_files_as_written(out, truth):
    refs = truth["person_refs"]
    rows = truth["rows"]
    for period in PERIODS:
        intel = _police(out, period, "intel_links").set_index("Intel Ref")
        noms = set(_police(out, period, "nominals")["Nominal Ref"])
        keys = set(rows.loc[rows["period"] == period, "key"])
        mine = refs[refs["period"] == period]
        for r in mine.itertuples():
            if r.kind == "nominal":
                assert r.key in noms
            elif r.kind == "link_end":
                link, end = r.key.rsplit("|", 1)
                assert link in keys
                if r.agency == "Northfell Constabulary":
                    cell = intel.loc[link, "Nominal Ref" if end == "source" else "Associate Name"]
                    assert cell == r.text
            else:
                assert r.key.split("|", 1)[0] in keys
    children = set(truth["children"]["child_id"])
    adults = set(truth["persons"]["entity_id"])
    assert set(refs.loc[refs["true_kind"] == "child", "true_entity"]) <= children
    assert set(refs.loc[refs["true_kind"] == "adult", "true_entity"]) <= adults


def test_found_at_truth_matches_the_episode_rows(out, truth):
    for period in PERIODS:
        ep = _sheet(out, period, "episodes").set_index("Episode No")
        found = truth["place_refs"][(truth["place_refs"]["period"] == period) & (truth["place_refs"]["kind"] == "found_at")]
        assert len(found)
        for r in found.itertuples():
            assert ep.loc[r.key, "Location Found (free text)"] == r.text


def test_every_place_reference_is_a_true_place_with_a_record_or_a_home(truth):
    places = set(truth["places"]["place_id"])
    pl = truth["place_refs"]
    assert set(pl.loc[pl["true_place"] != "", "true_place"]) <= places
    assert set(truth["place_records"]["true_place"]) <= places
    assert (pl.loc[pl["non_place"] != "", "true_place"] == "").all()
    known = pl[(pl["true_place"] != "") & (pl["kind"] != "mention")]
    assert (known["known"] == "True").mean() > 0.95  # only a few homes without an address written
    recs = truth["place_records"]
    for period in PERIODS:
        with_record = set(recs.loc[recs["period"] == period, "true_place"])
        homes = set(truth["children"].loc[truth["children"]["home_place"] != "", "home_place"])
        sub = known[(known["period"] == period) & (known["known"] == "True")]
        assert set(sub["true_place"]) <= with_record | homes


def test_keys_do_not_depend_on_file_names(truth):
    keys = pd.concat([truth["person_refs"]["key"], truth["place_refs"]["key"], truth["place_records"]["ref"]])
    for key in keys:
        assert not re.search(r"prov-|\.csv|\.xlsx|row-|2026-1[01]|Oct2026|Nov2026|CS_export", key), key
    # the same reference keeps its key in both months
    refs = truth["person_refs"]
    both = refs.groupby("key")["period"].nunique()
    assert (both == 2).sum() > 100


# --- the gazetteer ------------------------------------------------------------------------------


def test_onspd_layout_and_every_place_postcode_is_in_it(out, truth):
    onspd = pd.read_csv(out / "gazetteer" / "ONSPD_NOV_2026_UK.csv", dtype=str, keep_default_na=False)
    assert tuple(onspd.columns) == tuple(ONSPD_COLUMNS)
    assert (onspd["pcd"].str.len() == 7).all() and (onspd["pcd2"].str.len() == 8).all()
    live = onspd[onspd["doterm"] == ""]
    dead = onspd[onspd["doterm"] != ""]
    assert len(dead) and dead["doterm"].str.fullmatch(r"\d{6}").all() and (dead["oseast1m"] != "").all()
    assert (onspd["osgrdind"] == "9").sum() >= 1
    assert (onspd.loc[onspd["osgrdind"] == "9", "lat"] == "99.999999").all()
    pc = set(onspd["pcds"])
    places = truth["places"]
    assert set(places["postcode"]) <= set(live["pcds"])
    assert set(places.loc[places["old_postcode"] != "", "old_postcode"]) <= set(dead["pcds"])
    # a place lies within a postcode unit's length of its postcode's point
    pts = live[live["osgrdind"] != "9"].set_index("pcds")[["oseast1m", "osnrth1m"]].astype(float)
    for r in places.head(60).itertuples():
        e, n = pts.loc[r.postcode]
        assert ((float(r.easting) - e) ** 2 + (float(r.northing) - n) ** 2) ** 0.5 < UNIT_M + 60
    assert len(pc) == len(onspd)


def test_code_point_open_has_no_header_and_only_live_postcodes(out):
    head = (out / "gazetteer" / "codepo_gb" / "Doc" / "Code-Point_Open_Column_Headers.csv").read_text().splitlines()
    assert head[1].split(",") == list(CODEPOINT_COLUMNS)
    cp = pd.read_csv(out / "gazetteer" / "codepo_gb" / "Data" / "CSV" / "ca.csv", header=None, dtype=str)
    assert cp.shape[1] == 10 and (cp[0].str.len() == 7).all()
    onspd = pd.read_csv(out / "gazetteer" / "ONSPD_NOV_2026_UK.csv", dtype=str, keep_default_na=False)
    assert set(cp[0]) == set(onspd.loc[onspd["doterm"] == "", "pcd"])
    assert set(cp[1].astype(int)) <= {10, 20, 30, 40, 50, 60, 90}


def test_open_names_lists_every_street_in_its_layout(out, truth):
    head = (out / "gazetteer" / "opname_csv_gb" / "Doc" / "OS_Open_Names_Header.csv").read_text().strip().split(",")
    assert head == list(OPEN_NAMES_COLUMNS)
    files = sorted((out / "gazetteer" / "opname_csv_gb" / "Data").glob("*.csv"))
    names = pd.concat([pd.read_csv(f, header=None, dtype=str, keep_default_na=False) for f in files])
    assert names.shape[1] == 34
    names.columns = head
    assert all(re.fullmatch(r"[A-Z]{2}\d\d", f.stem) for f in files)
    for f in files:  # each file holds the features of its 10 km square
        part = pd.read_csv(f, header=None, dtype=str, keep_default_na=False)
        assert {grid_square(float(x), float(y)) for x, y in zip(part[8], part[9], strict=True)} == {f.stem}
    roads = names[names["LOCAL_TYPE"] == "Named Road"]
    assert (roads["TYPE"] == "transportNetwork").all()
    assert set(truth["places"]["street"]) <= set(roads["NAME1"])
    assert {"Town", "Suburban Area", "Postcode"} <= set(names["LOCAL_TYPE"])


def test_grid_references_read_back_with_the_ingest_reader():
    refs = pd.Series([grid_reference(340270, 555480), grid_reference(412345, 301234, digits=6), grid_reference(98765, 765432)])
    e, n, why = parse_grid_references(refs)
    assert why.isna().all()
    assert e.tolist() == [340270, 412300, 98765] and n.tolist() == [555480, 301200, 765432]


# --- determinism, arguments, command line --------------------------------------------------------------


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    a = write_agencies(tmp_path / "a", children=40, seed=3)
    b = write_agencies(tmp_path / "b", children=40, seed=3)
    c = write_agencies(tmp_path / "c", children=40, seed=4)
    assert _digests(a) == _digests(b)
    assert _digests(a)["council/CS_export_2026-10.xlsx"] != _digests(c)["council/CS_export_2026-10.xlsx"]


def test_months_end_and_episodes_per_month():
    ex = generate_agencies(children=30, seed=1, months=3, end="2027-02-14")
    assert ex.periods == ["2026-12", "2027-01", "2027-02"]
    assert ex.files("2027-01")["intel_links"] == "police/intel_links_Jan2027.csv"
    big = generate_agencies(episodes_target=400, seed=1)
    per_month = big.truth["months"].set_index(["period", "table"]).loc[("2026-10", "episodes"), "new"]
    assert 200 < int(per_month) < 700


@pytest.mark.parametrize(("kwargs", "name"), [({"months": 0}, "months"), ({"months": 25}, "months"),
                                               ({"end": "not a date"}, "end"), ({"episodes_target": 5}, "episodes_target"),
                                               ({"children": 3}, "children")])
def test_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        generate_agencies(**kwargs)


@pytest.mark.parametrize("bad", ["2026-13x", "Oct 2026", "", "2026/10"])
def test_period_file_refuses_what_is_not_a_period(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        period_file("x_{period}.csv", bad)


def test_write_refuses_to_overwrite(tmp_path):
    write_agencies(tmp_path, children=20, seed=1)
    with pytest.raises(OutputExistsError):
        write_agencies(tmp_path, children=20, seed=1)


def test_cli_sample_agencies(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["sample", "--agencies", "--out", str(tmp_path / "x"), "--children", "25", "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x" / "council" / "CS_export_2026-11.xlsx").is_file()
    assert "sources.yaml" in res.output
    again = runner.invoke(app, ["sample", "--agencies", "--out", str(tmp_path / "x"), "--children", "25"])
    assert again.exit_code == 2
    bad = runner.invoke(app, ["sample", "--agencies", "--out", str(tmp_path / "y"), "--months", "0"])
    assert bad.exit_code == 2 and "months" in bad.output


# --- text forms on their own ------------------------------------------------------------------------


def test_canonical_grading_reads_the_generator_forms():
    assert [canonical_grading(x) for x in ("1B P", "1BP", "1-B-P", "1b p", " 1B P", "")] == ["1B P"] * 5 + [""]


def test_police_child_name_falls_back_when_a_form_is_not_available():
    import numpy as np

    rng = np.random.default_rng(0)
    texts = {police_child_name("Zara", "Ullock", rng)[0] for _ in range(300)}
    assert "ULLOCK, Zara" in texts and "Zara U" in texts
    assert not any(t == "" for t in texts)  # no alias given: never an empty name


def test_place_text_the_rec_only_for_the_groups_own_rec():
    import numpy as np

    rng = np.random.default_rng(0)
    p = {"name": "Holmwood Rec", "variants": [], "category": "park", "street": "Fellside Road", "area": "Holmwood",
         "town": "Lenningham", "postcode": "CA1 2AB", "short_ok": False, "describe_ok": False, "rec_ok": False}
    assert "the rec" not in {place_text(p, rng, agency="council", found=True)[0] for _ in range(300)}
    assert "the rec" in {place_text({**p, "rec_ok": True}, rng, agency="council", found=True)[0] for _ in range(50)}


def test_region_names_make_namesakes_rare_and_small_names_stay_the_default():
    from contextmap.sample.agencies import generate_agencies

    def shared(ex) -> float:
        names = ex.truth["children"]["name"].str.lower()
        return float(names.duplicated(keep=False).mean())

    small, region = generate_agencies(children=400, seed=3), generate_agencies(children=400, seed=3, names="region")
    assert shared(region) < 0.1 < shared(small)
    assert small.params["names"] == "small" and region.params["names"] == "region"
    with pytest.raises(ValueError, match="names"):
        generate_agencies(children=30, names="huge")


def test_a_decision_on_a_police_link_s_end_names_the_link_with_its_agency(out, tmp_path):
    # a name the police wrote in an intelligence link with no id is a provisional record; the
    # workspace stores the decision on that link's end by the link's identity (id@agency),
    # which a direct load of the same export reads alike
    from contextmap.resolve import resolve_dataset
    from contextmap.resolve.decisions import link_keys, parse_decisions
    from contextmap.workspace import init_workspace
    from contextmap.workspace.record import decisions_text

    manifest = _month_manifest(out, PERIODS[0])
    ds = contextmap.load(manifest)
    keys = link_keys(ds)
    prov = ds.links["target_id"].astype(str).str.startswith("prov-p-") & keys.str.contains("@").to_numpy()
    row = ds.links[prov].iloc[0]
    key = keys[prov].iloc[0]
    assert key.startswith(f"{row['link_id']}@") and key != row["link_id"]
    child = str(ds.children["child_id"].iloc[0])
    with init_workspace(f"sqlite:///{tmp_path / 'ws.db'}") as ws:
        ws.import_source(manifest)
        held = ws.dataset()
        assert set(link_keys(held)) == set(keys)  # the workspace keeps each link's identity
        rid = held.links.loc[link_keys(held) == key, "target_id"].iloc[0]
        d = ws.decide("merge", rid, child, reason="named by the METCO")
        stored = {d.a.record_id, *(x.a.record_id for x in d.more)}
        assert any(x.startswith(f"link:{key}:target=") for x in stored)  # with the name written there
        text = decisions_text(ws.engine)
    for data in (ds, held):
        res = resolve_dataset(data, decisions=parse_decisions(text), locations=False)
        assert res.resolution.persons.mapping[rid] == child

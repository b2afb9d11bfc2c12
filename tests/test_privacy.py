"""Audiences, pseudonyms, redaction and the identifier scan (issue 5)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pandas as pd
import pytest
from _privacy_data import (
    C_CODED_LINKS,
    CHILD_NAMES,
    E_GRADED_LINK,
    HOME_ADDRESS,
    HOME_POSTCODE,
    PERSON_NAMES,
    load_fixture,
)

from contextmap import ConfigError, PrivacyError, Settings
from contextmap.privacy import (
    Audience,
    Pseudonymiser,
    check_outputs,
    default_key_path,
    forbidden_identifiers,
    get_audience,
    redact_dataset,
    scan_outputs,
    suppress_count,
    suppress_counts,
)

KEY = b"a test key that is long enough!!"
RAW_IDS = ["C1", "C10", "C2", "C3", "P1", "P2", "L1", "L2", "L3", "L4", "L5", "L6", "E1", "E10", "E2",
           "K1", "K2", "K3", "K4", "K5", "K6", "K10"]


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return load_fixture(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def partner(ds):
    return redact_dataset(ds, "partner", pseudonymiser=Pseudonymiser(KEY), as_of="2024-06-30")


def dataset_text(d) -> str:
    return "\n".join(d.table(n).drop(columns="geometry", errors="ignore").to_csv(index=False)
                     for n in ("children", "persons", "locations", "episodes", "links"))


# --- audiences ---------------------------------------------------------------------------


def test_default_audiences_follow_the_issue():
    internal, police, social, partner = (get_audience(n) for n in ("internal", "police", "social-care", "partner"))
    assert internal.sees_everything and police.sees_everything
    assert social.show_names and not social.include_handling_c and social.include_e_graded
    assert not partner.show_names and not partner.show_ids and partner.pseudonymise
    assert not partner.include_handling_c and not partner.include_e_graded
    assert partner.dob_as_age and partner.suppress_below == 5
    assert {a.marking for a in (internal, police, social, partner)} == {"OFFICIAL-SENSITIVE"}
    assert all(a.handling_notice for a in (internal, police, social, partner))


def test_settings_override_and_extend_audiences():
    s = Settings.from_dict({"audiences": {
        "health": {},  # new audiences start from partner, as overridden below
        "partner": {"suppress_below": 10},
        "youth-justice": {"based_on": "social-care", "include_e_graded": False},
    }})
    assert get_audience("partner", settings=s).suppress_below == 10
    yj = get_audience("youth-justice", settings=s)
    assert yj.show_names and not yj.include_handling_c and not yj.include_e_graded
    assert get_audience("health", settings=s) == Audience(**{**get_audience("partner", settings=s).__dict__, "name": "health"})
    assert get_audience("health", settings=s).suppress_below == 10


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"partner": {"show_nmes": True}}, "audiences.partner.show_nmes"),
        ({"partner": {"suppress_below": "five"}}, "'five'"),
        ({"partner": {"show_names": "yes"}}, "'yes'"),
        ({"x": {"based_on": "nobody"}}, "'nobody'"),
        ({"x": {"show_ids": False, "pseudonymise": False}}, "pseudonymise"),
        ({"Bad Name": {}}, "'Bad Name'"),
        (["partner"], "must be a mapping"),
    ],
)
def test_invalid_audience_settings_are_rejected(section, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        get_audience("partner", settings={"audiences": section})
    assert fragment in str(info.value)


def test_unknown_audience_names_the_choices():
    with pytest.raises(ConfigError) as info:
        get_audience("press")
    assert "'press'" in str(info.value) and "partner" in str(info.value)


# --- redaction ---------------------------------------------------------------------------


def test_partner_dataset_holds_no_name_raw_id_or_withheld_link(ds, partner):
    text = dataset_text(partner)
    for name in CHILD_NAMES + PERSON_NAMES + [HOME_ADDRESS, HOME_POSTCODE, "Big R", "07700 900123"]:
        assert name not in text
    for summary in C_CODED_LINKS.values():
        assert summary not in text
    assert scan_outputs([text], forbidden_identifiers(ds, "partner")) == []
    # the scan is not vacuous: the original dataset's text is full of hits
    kinds = {h.kind for h in scan_outputs([dataset_text(ds)], forbidden_identifiers(ds, "partner"))}
    assert {"child name", "entity id", "episode id", "link id", "withheld link summary"} <= kinds


def test_partner_withholds_c_coded_ungraded_police_and_e_graded_links(ds, partner):
    assert len(ds.links) == 7
    assert len(partner.links) == 4  # K1 (C), K5 (police, no grading), K3 (E) withheld
    assert not partner.links["handling_code"].eq("C").any()
    assert not partner.links["intelligence_assessment"].eq("E").any()
    assert set(ds.links["link_id"]) == set(RAW_IDS) & {"K1", "K2", "K3", "K4", "K5", "K6", "K10"}


def test_pseudonyms_are_consistent_across_tables(ds, partner):
    child_ids = set(partner.children["child_id"])
    assert all(c.startswith("Child-") for c in child_ids)
    assert set(partner.episodes["child_id"]) <= child_ids
    endpoints = set(partner.links["source_id"]) | set(partner.links["target_id"])
    entity_ids = child_ids | set(partner.persons["person_id"]) | set(partner.locations["location_id"])
    assert endpoints <= entity_ids
    assert set(partner.links["episode_id"].dropna()) <= set(partner.episodes["episode_id"])
    assert set(partner.children["home_location_id"].dropna()) <= set(partner.locations["location_id"])
    assert set(partner.episodes["found_location_id"].dropna()) <= set(partner.locations["location_id"])
    # names are the pseudonyms of the ids
    assert (partner.children["name"] == partner.children["child_id"]).all()
    # C1 -> same pseudonym everywhere it occurs
    c1 = Pseudonymiser(KEY).pseudonym("C1", kind="child")
    assert c1 in child_ids and (partner.links["source_id"] == c1).sum() == 2  # K2, K4


def test_partner_dates_of_birth_become_ages_and_free_text_goes(ds, partner):
    assert partner.children["date_of_birth"].isna().all()
    ages = dict(zip(ds.children["child_id"], partner.children["age"], strict=True))
    assert ages == {"C1": 14, "C10": 13, "C2": 14, "C3": 12}  # at 2024-06-30
    assert partner.persons[["aliases", "phone", "vehicle", "social_media"]].isna().all().all()
    assert partner.links["summary"].isna().all()
    assert partner.episodes[["people_mentioned", "places_mentioned"]].isna().all().all()


def test_partner_home_address_generalised_public_places_kept(ds, partner):
    locs = partner.locations.set_index(ds.locations["location_id"])
    home = locs.loc["L1"]
    assert home["name"].startswith("Place-") and home["postcode"] == "ZZ1"
    moved = ds.locations.set_index("location_id").loc["L1"]
    assert (home["latitude"], home["longitude"]) != (moved["latitude"], moved["longitude"])
    # moved to a 500 m cell centre: within ~360 m of the true point
    bng = partner.locations.to_crs(27700).geometry.iloc[0]
    true = ds.locations.to_crs(27700).geometry.iloc[0]
    assert bng.distance(true) <= 500 * 2**0.5 / 2 + 1
    assert bng.x % 500 == pytest.approx(250, abs=0.01) and bng.y % 500 == pytest.approx(250, abs=0.01)
    assert list(locs.loc[["L2", "L3"], "name"]) == ["Riverside Park", "Chicken Spot"]
    # an address without coordinates stays without; its postcode is shared with a public place
    assert locs.loc["L4", "name"].startswith("Place-") and locs.loc["L4", "geometry"].is_empty
    assert locs.loc["L4", "postcode"] == "ZZ1" and locs.loc["L3", "postcode"] == "ZZ1 3CC"
    assert "ZZ1 3CC" not in forbidden_identifiers(ds, "partner")
    assert "Flat 3 Above The Takeaway" in forbidden_identifiers(ds, "partner")
    # care homes are where children live; a place with no category is treated as private
    # (pseudonymised, generalised) but not looked for: its name may be a public place's too
    assert locs.loc["L5", "name"].startswith("Place-") and locs.loc["L6", "name"].startswith("Place-")
    assert locs.loc["L6", "latitude"] != 52.64
    assert "Oakview Children's Home" in forbidden_identifiers(ds, "partner")
    assert "Corner by the Depot" not in forbidden_identifiers(ds, "partner")
    assert locs.loc["L2", "latitude"] == ds.locations.set_index("location_id").loc["L2", "latitude"]


def test_police_keeps_everything(ds):
    police = redact_dataset(ds, "police", as_of="2024-06-30")  # no key needed: nothing pseudonymised
    text = dataset_text(police)
    for name in CHILD_NAMES + PERSON_NAMES + list(C_CODED_LINKS.values()):
        assert name in text
    assert list(police.links["link_id"]) == list(ds.links["link_id"])
    assert police.children["date_of_birth"].equals(ds.children["date_of_birth"])
    assert forbidden_identifiers(ds, "police") == set()


def test_social_care_sees_names_but_not_c_coded(ds):
    sc = redact_dataset(ds, "social-care", as_of="2024-06-30")
    assert set(sc.links["link_id"]) == {"K2", "K3", "K4", "K6", "K10"}
    assert set(sc.children["name"]) == set(CHILD_NAMES)
    f = forbidden_identifiers(ds, "social-care")
    assert {f.kind(s) for s in f} == {"withheld link id", "withheld link summary"}
    assert {"K1", "K5"} <= f and "K10" not in f


def test_redaction_leaves_the_input_alone_and_drops_the_quarantine(ds, partner):
    assert ds.children["name"].tolist() == ["Ava Testperson", "Bo Samplechild", "Cara O'Fixture", "Zoë Inventé"]
    assert "age" not in ds.children.columns and len(ds.links) == 7
    assert partner.quarantine == {} and partner.redacted_for.name == "partner"
    assert list(partner.children.columns[:8]) == list(ds.children.columns)


def test_redacted_for_workspace_and_period_are_declared_fields_carried_through(ds):
    import dataclasses

    from contextmap.resolve import resolve_dataset

    names = {f.name for f in dataclasses.fields(ds)}
    assert {"redacted_for", "workspace", "period"} <= names and ds.redacted_for is None
    src = dataclasses.replace(ds, period="2026-10", workspace="team.cmw")
    red = redact_dataset(src, "partner", pseudonymiser=Pseudonymiser(KEY))
    assert (red.redacted_for.name, red.period, red.workspace) == ("partner", "2026-10", "team.cmw")
    again = resolve_dataset(red)  # resolving a redacted dataset keeps it redacted, and its period
    assert (again.redacted_for.name, again.period, again.workspace) == ("partner", "2026-10", "team.cmw")
    assert again.redacted_for is red.redacted_for


# --- pseudonyms --------------------------------------------------------------------------


def test_key_file_created_private_and_stable(tmp_path, monkeypatch):
    key_path = tmp_path / "cfg" / "contextmap" / "pseudonym.key"
    monkeypatch.setenv("CONTEXTMAP_KEY_FILE", str(key_path))
    assert default_key_path() == key_path
    a = Pseudonymiser.from_key_file()
    assert key_path.exists() and stat.S_IMODE(key_path.stat().st_mode) == 0o600
    b = Pseudonymiser.from_key_file()
    assert a.pseudonym("C1", kind="child") == b.pseudonym("C1", kind="child")
    other = Pseudonymiser.from_key_file(tmp_path / "other.key")
    assert other.pseudonym("C1", kind="child") != a.pseudonym("C1", kind="child")


def test_xdg_config_home_is_the_default_place(tmp_path, monkeypatch):
    monkeypatch.delenv("CONTEXTMAP_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "contextmap" / "pseudonym.key"


def test_key_file_readable_by_others_or_inside_a_repo_is_refused(tmp_path):
    p = tmp_path / "k.key"
    Pseudonymiser.from_key_file(p)
    os.chmod(p, 0o644)
    with pytest.raises(PrivacyError, match="chmod 600"):
        Pseudonymiser.from_key_file(p)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    with pytest.raises(PrivacyError, match="outside any repository"):
        Pseudonymiser.from_key_file(tmp_path / "repo" / "keys" / "k.key")
    with pytest.raises(PrivacyError, match="not found"):
        Pseudonymiser.from_key_file(tmp_path / "missing.key", create=False)


def test_pseudonyms_do_not_contain_the_id_and_differ_by_kind(ds, partner):
    p = Pseudonymiser(KEY)
    assert p.pseudonym("C1", kind="child") != p.pseudonym("C1", kind="person").replace("Person", "Child")
    ids = set(RAW_IDS)
    for col in ("child_id",):
        for value in partner.children[col]:
            assert value.split("-", 1)[1] not in ids
    assert scan_outputs([dataset_text(partner)], set(RAW_IDS)) == []


def test_mapping_lengthens_pseudonyms_that_would_collide():
    p = Pseudonymiser(KEY)
    clash = p.pseudonym("C1", kind="child")
    m = p.mapping(["C1", "C2"], kind="child", avoid={clash})
    assert m["C1"] != clash and m["C1"].startswith(clash) and len(m["C1"]) == len(clash) + 2
    assert m["C2"] == p.pseudonym("C2", kind="child")


# --- small counts ------------------------------------------------------------------------


def test_small_counts_suppressed_for_partner_only():
    assert [suppress_count(n, "partner") for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert suppress_count(3, "police") == 3
    df = pd.DataFrame({"place": ["A", "B"], "children": [3, 9], "share": [0.1, 0.9]})
    out = suppress_counts(df, "partner")
    assert out["children"].tolist() == ["<5", "9"] and out["share"].tolist() == [0.1, 0.9]


# --- the scan ----------------------------------------------------------------------------


def test_scan_finds_a_planted_name_in_each_format(ds, tmp_path):
    f = forbidden_identifiers(ds, "partner")
    (tmp_path / "pack.html").write_text("<p>Linked: Cara O&#39;Fixture</p>", encoding="utf-8")
    (tmp_path / "cohort.csv").write_text("id,label\nChild-XYZ,ava testperson\n", encoding="utf-8")
    (tmp_path / "summary.json").write_text(json.dumps({"top": "Zoë Inventé"}), encoding="utf-8")  # \u00eb escapes
    con = sqlite3.connect(tmp_path / "map.gpkg")
    con.execute("CREATE TABLE locations (fid INTEGER, name TEXT)")
    con.execute("INSERT INTO locations VALUES (1, 'near 12 Fixture Street')")
    con.commit()
    con.close()
    hits = scan_outputs([tmp_path], f)
    found = {(h.source, h.kind) for h in hits}
    assert found == {
        ("pack.html", "child name"),
        ("cohort.csv", "child name"),
        ("summary.json", "child name"),
        ("map.gpkg", "home address"),
    }
    gpkg_hit = next(h for h in hits if h.source == "map.gpkg")
    assert "table 'locations' row 1 column 'name'" in gpkg_hit.where


def test_scan_reads_pdf_text(ds, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(_tiny_pdf("Cohort: Bo Samplechild (C10)"))
    hits = scan_outputs([pdf], forbidden_identifiers(ds, "partner"))
    assert {h.kind for h in hits} == {"child name", "entity id"}
    assert {h.value for h in hits} == {"Bo Samplechild", "C10"}


@pytest.mark.parametrize(
    "text",
    [
        "Child C10 was seen", "colour: #C1C1C1;", "<path d='M0 0c1 2 3 4'/>", "id=KC1", "C1_x",
        "value 2.C1x", "Child-4C1XQ", "K10 and K100", "tc1 and c1",
    ],
)
def test_short_ids_do_not_match_inside_other_tokens(text):
    assert scan_outputs([text], {"C1", "K1"}) == []


@pytest.mark.parametrize("text", ["Child C1 was seen", "(C1)", "node-C1", "C1.", "ids: C10, C1", '"C1"'])
def test_short_ids_match_as_whole_tokens(text):
    assert [h.value for h in scan_outputs([text], {"C1"})] == ["C1"]


def test_short_names_match_case_sensitively(ds):
    f = forbidden_identifiers(ds, "partner")
    assert f.kind("ST") == "alias" and "ST" not in f.case_insensitive  # P2's alias
    assert scan_outputs(["Millbeck St bus stop", "first", "st."], f) == []
    assert [h.kind for h in scan_outputs(["seen with ST", "seen with BIG R"], f)] == ["alias", "alias"]


def test_numeric_ids_are_not_found_in_numbers_or_dates():
    assert scan_outputs(["on 2024-05-01 at 52.1023 and 11023"], {"1023", "05"}) == []
    assert len(scan_outputs(["record 1023 reviewed"], {"1023"})) == 1


def test_check_outputs_names_file_and_kind_but_not_the_identifier(ds, tmp_path):
    (tmp_path / "network.html").write_text("<div>Rex Invented</div>", encoding="utf-8")
    with pytest.raises(PrivacyError) as info:
        check_outputs([tmp_path / "network.html"], forbidden_identifiers(ds, "partner"))
    msg = str(info.value)
    assert "person name found in network.html at line 1, column 6 (offset 5) (the person name of persons row 2)" in msg and "Rex" not in msg
    check_outputs([tmp_path / "network.html"], forbidden_identifiers(ds, "police"))  # police may see it


def test_scan_refuses_missing_files(tmp_path):
    with pytest.raises(PrivacyError, match="not found"):
        scan_outputs([tmp_path / "nope.html"], {"C1"})


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica (enough for pypdf's text extraction)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_e_graded_link_kept_for_social_care(ds):
    assert E_GRADED_LINK in set(redact_dataset(ds, "social-care").links["link_id"])


def test_views_refuse_an_analysis_not_redacted_for_their_audience(tmp_path):
    """A map or network labelled 'partner' must not be drawn from unredacted data."""
    import contextmap
    from contextmap import privacy
    from contextmap.analysis import analyze
    from contextmap.sample.generate import generate_sample
    from contextmap.views.maps import hotspot_map
    from contextmap.views.network import network_view

    generate_sample(children=20, seed=2).write(tmp_path / "d")
    ds = contextmap.load(tmp_path / "d")
    raw = analyze(ds, resolve=False)
    for draw in (lambda a, aud: hotspot_map(a, audience=aud), lambda a, aud: network_view(a, audience=aud)):
        with pytest.raises(PrivacyError, match="not redacted for the 'partner' audience"):
            draw(raw, "partner")
        draw(raw, "police")  # police sees everything: no redaction needed
    key = privacy.Pseudonymiser(b"a test key that is long enough")
    red = analyze(privacy.redact_dataset(ds, "partner", pseudonymiser=key), resolve=False)
    hotspot_map(red, audience="partner")
    network_view(red, audience="partner")


# --- round three: the input's own words, disguised names ------------------------------------


def test_report_withholds_column_headers_and_file_names_outside_the_contract(tmp_path):
    from contextmap.privacy.redact import OUTSIDE_CONTRACT

    d = tmp_path / "Ava Testperson files"
    load_fixture(d)
    ep = pd.read_csv(d / "episodes.csv", dtype=str)
    ep["Ava Testperson"] = "x"
    ep.to_csv(d / "episodes.csv", index=False)
    import contextmap

    raw = contextmap.load(d)
    assert "Ava Testperson" in set(raw.report.problems["column"])
    red = redact_dataset(raw, "partner", pseudonymiser=Pseudonymiser(KEY), as_of="2024-06-30")
    assert "Ava Testperson" not in set(red.report.problems["column"].dropna())
    assert OUTSIDE_CONTRACT in set(red.report.problems["column"])
    social = redact_dataset(raw, "social-care", as_of="2024-06-30")
    assert OUTSIDE_CONTRACT in set(social.report.problems["column"])  # it does not see everything
    for aud in ("internal", "police"):  # audiences that see everything keep the report as read
        assert "Ava Testperson" in set(redact_dataset(raw, aud, as_of="2024-06-30").report.problems["column"])


def test_disguised_names_names_row_and_reason_never_the_value(ds):
    import copy

    from contextmap.privacy import check_disguised_names, disguised_names

    d = copy.deepcopy(ds)
    d.children.loc[d.children.index[0], "name"] = "Av\u0430 Testperson"  # Cyrillic a
    d.persons.loc[d.persons.index[0], "aliases"] = "B i g  R"
    found = disguised_names(d)
    assert set(zip(found["table"], found["column"], strict=True)) == {("children", "name"), ("persons", "aliases")}
    assert not found.astype(str).apply(lambda c: c.str.contains("Testperson|B i g")).any().any()
    with pytest.raises(PrivacyError, match="children.csv row 2 column name") as info:
        check_disguised_names(d, "partner")
    assert "Testperson" not in str(info.value) and len(info.value.problems) == 2
    check_disguised_names(d, "police")  # an audience that sees names reads them as written

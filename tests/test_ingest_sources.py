"""Sources manifests: two agencies' exports, in their own column names, read with no hand preparation.

The fixture (tests/fixtures/two_agencies, every name invented) is a council case-system
workbook and police CSV extracts; docs/examples/sources.yaml maps them.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import contextmap
from contextmap import InputNotFoundError, InputReadError, MappingError
from contextmap.cli import app

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "docs" / "examples" / "sources.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "two_agencies"
AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def ds():
    return contextmap.load(MANIFEST, as_of=AS_OF)


def _problems(ds, column, severity=None):
    p = ds.report.problems
    p = p[p["column"] == column]
    return p if severity is None else p[p["severity"] == severity]


def _council_links(ds):
    return ds.links[(ds.report.provenance["links"]["agency"] == "Eden Vale Council").to_numpy()]


def test_counts_and_invariant(ds):
    c = ds.report.counts
    assert (c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]).all()
    assert c.loc["children"].tolist() == [8, 6, 1, 1, 0]  # one exact copy, one unknown-column-only row
    assert c.loc["links", "duplicates"] == 1  # police FC-I9003 sent twice
    assert c.loc["persons", "provisional"] == 2 and c.loc["locations", "provisional"] == 1
    for name in c.index:
        assert len(ds.table(name)) == c.loc[name, "accepted"] + c.loc[name, "provisional"]


def test_columns_joined_and_codes_mapped(ds):
    ch = ds.children.set_index("child_id")
    assert ch.loc["EV-101", "name"] == "Paige Ashworth"
    assert ch.loc["EV-101", "date_of_birth"] == pd.Timestamp("2010-02-14")  # dd/mm/yyyy
    assert ch.loc["EV-102", "ce_risk"] == "high" and ch.loc["EV-101", "placement"] == "foster"
    assert pd.isna(ch.loc["EV-106", "ce_risk"])  # 'Purple' blanked, child kept
    w = _problems(ds, "ce_risk", "warning")
    assert w[["file", "row", "value"]].values.tolist() == [["council/eden_vale_cyp.xlsx[Young People]", 7, "Purple"]]
    pe = ds.persons.set_index("person_id")
    assert pe.loc["FC-N0441", "name"] == "Tyrone MULLANEY" and pe.loc["FC-N0441", "aliases"] == "Ty; T-Bone"


def test_bad_optional_date_keeps_the_nominal_and_his_links(ds):
    pe = ds.persons.set_index("person_id")
    assert "FC-N0467" in pe.index and pd.isna(pe.loc["FC-N0467", "date_of_birth"])
    w = _problems(ds, "date_of_birth", "warning")
    assert w[["file", "row", "value"]].values.tolist() == [["police/nominals.csv", 4, "31/02/1999"]]
    assert set(ds.links.loc[ds.links["source_id"] == "FC-N0467", "link_id"]) == {"FC-I9004", "FC-I9005", "FC-I9007"}


def test_grading_taken_out_of_free_text_and_constants_per_file(ds):
    li = ds.links.set_index("link_id")
    assert li.loc["FC-I9001", "grading"] == "1B P"
    assert li.loc["FC-I9004", "intelligence_assessment"] == "E"
    assert li.loc["FC-I9001", "source_type"] == "police"
    council = _council_links(ds)
    assert len(council) == 4 and (council["source_type"] == "social_care").all()


def test_links_by_name_resolve_to_records_across_agencies(ds):
    li = ds.links.set_index("link_id")
    assert li.loc["FC-I9001", "target_id"] == "EV-101"  # police name + DOB -> council child
    assert li.loc["FC-I9003", "target_id"] == "EV-104"
    assert li.loc["FC-I9005", "target_id"] == "FC-L77"  # a place relation: matched to a location
    assert li.loc["FC-I9005", "target_kind"] == "location"
    council = _council_links(ds).set_index("source_id")
    assert set(council["target_id"]) >= {"EV-102", "EV-104", "FC-N0441"}  # 'Tyrone Mullaney' -> nominal
    # a name that matches nothing becomes a provisional person, kept and marked
    kyle = li.loc["FC-I9006", "target_id"]
    assert kyle.startswith("prov-p-")
    prov = ds.persons.set_index("person_id").loc[kyle]
    assert prov["name"] == "Kyle Nixon" and bool(prov["provisional"])
    corey = li.loc["FC-I9010", "target_id"]
    assert not ds.persons.loc[~ds.persons["person_id"].isin([kyle, corey]), "provisional"].any()
    w = _problems(ds, "target_name", "warning")
    assert w[["file", "row", "value"]].values.tolist() == [["police/intel_links.csv", 7, "Kyle Nixon"],
                                                           ["police/intel_links.csv", 12, "Corey B"]]


def test_police_spellings_of_council_children_match_at_ingest(ds):
    li = ds.links.set_index("link_id")
    assert li.loc["FC-I9007", "target_id"] == "EV-102"  # "SELBY, Jayden": surname first, with the DOB
    assert li.loc["FC-I9008", "target_id"] == "EV-105"  # "Leah T" + the exact DOB: one child of that form
    assert li.loc["FC-I9009", "target_id"] == "EV-101"  # "ASHWORTH Paige": surname first in capitals, no DOB
    assert (li.loc[["FC-I9007", "FC-I9008", "FC-I9009"], "target_kind"] == "child").all()
    assert li.loc["FC-I9010", "target_id"].startswith("prov-p-")  # "Corey B", no DOB: left to resolution


def test_resolution_joins_a_police_initial_form_to_the_child(ds):
    out = contextmap.resolve_dataset(ds)
    corey = ds.links.set_index("link_id").loc["FC-I9010", "target_id"]
    assert corey not in set(out.persons["person_id"])  # no longer a person of concern
    ch = out.children.set_index("child_id")
    assert ch.loc["EV-106", "name"] == "Corey Blamire" and corey in ch.loc["EV-106", "merged_from"]
    link = out.links.set_index("link_id").loc["FC-I9010"]
    assert (link["target_id"], link["target_kind"], link["grading"]) == ("EV-106", "child", "2C C")
    merged = out.resolution.merged.set_index("entity_id")
    assert merged.loc["EV-106", "kind"] == "child"


def test_found_location_text_and_grid_references(ds):
    ep = ds.episodes.set_index("episode_id")
    assert ep.loc["M-2003", "found_location_id"] == "FC-L77"  # police premises, by name
    assert ep.loc["M-2001", "found_location_id"] == "EVP-1"
    shelter = ep.loc["M-2002", "found_location_id"]
    assert shelter.startswith("prov-l-")
    lo = ds.locations.set_index("location_id")
    assert bool(lo.loc[shelter, "provisional"]) and lo.loc[shelter, "name"] == "the old bus shelter, Long Lane"
    assert (lo.loc["EVP-1", "easting"], lo.loc["EVP-1", "northing"]) == (340270, 555480)
    assert (lo.loc["EVP-3", "easting"], lo.loc["EVP-3", "northing"]) == (340500, 555300)  # 6 digits
    assert 54.85 < lo.loc["EVP-2", "latitude"] < 54.92


def test_mistyped_easting_is_a_warning_naming_the_row(ds):
    w = _problems(ds, "easting", "warning")
    assert w[["file", "row", "value"]].values.tolist() == [["police/premises.csv", 3, "39123, 560210"]]
    assert "FC-L78" in ds.locations["location_id"].tolist()  # kept: the analyst decides


def test_rhi_free_text_split_into_names_and_descriptions(ds):
    ep = ds.episodes.set_index("episode_id")
    assert ep.loc["M-2002", "people_mentioned"] == "Paige; Jayden S; Dwayne"
    assert ep.loc["M-2003", "people_mentioned"] == "Jordan"
    assert ep.loc["M-2003", "people_described"] == "an older lad called Jordan"
    assert pd.isna(ep.loc["M-2004", "people_mentioned"]) and ep.loc["M-2004", "people_described"] == "no one"
    assert ep.loc["M-2005", "people_described"] == "mum; a friend"
    assert ep.loc["M-2007", "people_described"] == "didn't say"
    assert ep.loc["M-2008", "people_described"] == "my boyfriend"


def test_exact_duplicates_kept_once_and_unknown_column_rows_reported(ds):
    assert ds.children["child_id"].tolist().count("EV-103") == 1
    w = _problems(ds, "child_id", "warning")
    assert w[["row", "value"]].values.tolist() == [[8, "EV-103"]] and "exact copy" in w["reason"].iloc[0]
    q = ds.quarantine["children"]
    assert q[["_row", "_file"]].values.tolist() == [[9, "council/eden_vale_cyp.xlsx[Young People]"]]
    assert "only in columns outside the data contract" in q["_reasons"].iloc[0]
    e = _problems(ds, "child_id", "error")
    assert e["value"].tolist() == ["Case Worker: see file note"]  # the dropped cell, not 'blank'


def test_provenance_on_every_row(ds):
    for name in contextmap.schema.TABLE_NAMES:
        prov = ds.report.provenance[name]
        assert len(prov) == len(ds.table(name)) and prov["file"].notna().all()
    li = ds.links.reset_index(drop=True)
    prov = ds.report.provenance["links"]
    i = li.index[li["link_id"] == "FC-I9003"][0]
    assert prov.loc[i].tolist() == ["police/intel_links.csv", None, 4, "Fellside Constabulary"]  # after a 2-line cell
    i = ds.children.index[ds.children["child_id"] == "EV-102"][0]
    assert ds.report.provenance["children"].loc[i].tolist() == [
        "council/eden_vale_cyp.xlsx[Young People]", "Young People", 3, "Eden Vale Council"]


def test_resolution_keeps_provisional_records_marked(ds):
    out = contextmap.resolve_dataset(ds)
    pe = out.persons.set_index("person_id")
    kyle = ds.links.set_index("link_id").loc["FC-I9006", "target_id"]
    assert bool(pe.loc[kyle, "provisional"]) and not bool(pe.loc["FC-N0441", "provisional"])
    # descriptions never become persons
    names = set(out.persons["name"].dropna().str.lower())
    assert not names & {"no one", "mum", "a friend", "didn't say", "my boyfriend", "an older lad called jordan"}


@pytest.mark.slow
def test_two_agencies_go_through_to_a_partner_pack(tmp_path):
    from contextmap.pack import build_pack

    r = build_pack(MANIFEST, out=tmp_path / "pack", audience="partner", pdf=False, end="2026-10-31",
                   settings=None)
    assert r.html.is_file()
    ids = [p["person_id"] for p in r.summary["persons_of_concern"]]
    assert len(ids) >= 2  # the police nominals reach the council's children
    html = r.html.read_text(encoding="utf-8")
    for real in ("Paige Ashworth", "Tyrone", "MULLANEY", "Kyle Nixon", "an older lad called Jordan"):
        assert real not in html  # partner audience: pseudonyms, no free text


def test_cli_validate_reads_a_manifest(tmp_path):
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["validate", str(MANIFEST), "--as-of", AS_OF,
                                                       "--out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output  # one row quarantined (data only in a dropped column)
    said = " ".join(r.output.split())  # the summary is wrapped to fit 80 columns
    assert "2 exact duplicates kept once" in said and "3 provisional records" in said
    q = pd.read_csv(tmp_path / "out" / "quarantine" / "children.csv", dtype=str, encoding="utf-8-sig")
    assert q["_file"].tolist() == ["council/eden_vale_cyp.xlsx[Young People]"]


# --- manifest errors --------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(FIXTURE, d, ignore=shutil.ignore_patterns("*.py"))
    return d


def _manifest(d: Path, text: str) -> Path:
    p = d / "sources.yaml"
    p.write_text(text, encoding="utf-8")
    return p


MINIMAL = """
sources:
  - file: police/nominals.csv
    table: persons
    columns: {Nominal Ref: person_id}
  - file: council/eden_vale_cyp.xlsx
    sheets:
      - {sheet: Young People, table: children, columns: {Child ID: child_id}}
      - {sheet: Missing Episodes, table: episodes, columns: {Episode No: episode_id, Child ID: child_id, Date Reported Missing: reported_at}}
"""


def test_minimal_manifest_reads_and_unmapped_tables_are_empty(tmp_path):
    d = _copy(tmp_path)
    ds = contextmap.load(_manifest(d, MINIMAL), as_of=AS_OF)
    assert len(ds.children) == 6 and len(ds.episodes) == 8 and len(ds.links) == 0
    notes = ds.report.warnings
    assert "no source in the manifest" in " ".join(notes.loc[notes["table"] == "links", "reason"])


@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        (lambda t: t.replace("sources:", "sourcez:"), MappingError, "unknown key the manifest.sourcez"),
        (lambda t: t.replace("table: persons", "table: nominals"), MappingError, "table must be one of"),
        (lambda t: t.replace("police/nominals.csv", "police/missing.csv"), InputNotFoundError, "'police/missing.csv' not found"),
        (lambda t: t.replace("police/nominals.csv", "../outside.csv"), InputReadError, "outside the folder"),
        (lambda t: t.replace("{Nominal Ref: person_id}", "{Nominal Ref: person_id, Shoe Size: name}"), MappingError, "'Shoe Size'"),
        # a mistyped local column: the message names the manifest's source and sheet (counted from 1)
        (lambda t: t.replace("Date Reported Missing", "Date Reported Mising"), MappingError,
         "sources.yaml' sources[2].sheets[2]: tables.episodes.columns names 'Date Reported Mising'"),
        (lambda t: t.replace("      - {sheet: Young People, table: children, columns: {Child ID: child_id}}\n", ""), MappingError, "no source for the children table"),
        (lambda t: t + "  - {file: police/nominals.csv, table: persons}\n", InputReadError, "listed twice"),
        (lambda t: t.replace("{Nominal Ref: person_id}", "{Nominal Ref: person_id, name: {from: Surname, pattern: '('}}"), MappingError, "not a regular expression"),
    ],
)
def test_manifest_errors_name_the_key_and_value(tmp_path, change, error, fragment):
    d = _copy(tmp_path)
    (tmp_path / "outside.csv").write_text("Nominal Ref\nX1\n")
    with pytest.raises(error, match=re.escape(fragment)):
        contextmap.load(_manifest(d, change(MINIMAL)), as_of=AS_OF)


def test_dangling_symlink_is_named(tmp_path):
    d = _copy(tmp_path)
    (d / "police" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    with pytest.raises(InputReadError, match=r"gone\.csv.*symbolic link.*does not exist"):
        contextmap.load(_manifest(d, MINIMAL.replace("police/nominals.csv", "police/gone.csv")))


def test_manifest_and_mapping_together_is_refused(tmp_path):
    with pytest.raises(MappingError, match="carries its own column mappings"):
        contextmap.load(MANIFEST, mapping=ROOT / "docs" / "examples" / "mapping.yaml")


def test_misspelt_name_becomes_provisional_then_resolution_merges_it(tmp_path):
    d = tmp_path / "rx"
    d.mkdir()
    (d / "children.csv").write_text("child_id,name,date_of_birth\nC1,Leah Tindall,05/05/2010\nC2,Kacey Moran,22/07/2011\n")
    (d / "persons.csv").write_text("person_id,name,date_of_birth,aliases\nP1,Tyrone Mullaney,17/06/2007,Ty\n"
                                   "P2,Marcus Hebblethwaite,01/01/1999,\nP3,Jordan Cragg,02/03/2005,\n")
    (d / "episodes.csv").write_text("episode_id,child_id,reported_at\nE1,C1,2025-11-23\n")
    (d / "links.csv").write_text("source_id,target_name,target_dob,relation,observed_on\n"
                                 "C1,Tyrone Mulaney,17/06/2007,associate,2025-11-01\n"
                                 "C1,T Mullaney,,associate,2025-11-02\n"
                                 "C2,Marcus Hebblethwaite,,associate,2025-11-02\n")
    ds = contextmap.load(d, as_of="2026-01-01")
    assert ds.links["target_id"].str.startswith("prov-p-").tolist() == [True, True, False]
    out = contextmap.resolve_dataset(ds)
    pe = out.persons.set_index("person_id")
    assert "prov-p-" in pe.loc["P1", "merged_from"] and not bool(pe.loc["P1", "provisional"])  # same DOB, near name
    assert out.links["target_id"].tolist()[0] == "P1"
    # an initial alone: the fixed-weight model keeps it provisional; Splink's small-data priors
    # may join it to the one Mullaney (a doubtful pair for the review queue either way)
    fixed = contextmap.resolve_dataset(ds, engine="fixed")
    pf = fixed.persons.set_index("person_id")
    left = fixed.links["target_id"].tolist()[1]
    assert left.startswith("prov-p-") and bool(pf.loc[left, "provisional"])


def test_each_source_has_its_own_date_formats_and_value_maps(tmp_path):
    d = tmp_path / "two"
    d.mkdir()
    (d / "a.csv").write_text("Ref,Born,Risk\nA1,03 Mar 2011,R\nA2,2011-03-04,A\n")
    (d / "b.csv").write_text("ID,DOB,RAG\nB1,2010-05-06,Red\nB2,06/05/2010,Amber\n")
    (d / "e.csv").write_text("episode_id,child_id,reported_at\n")
    (d / "l.csv").write_text("source_id,target_id,relation,observed_on,Grade\n"
                             "A1,B1,friend,2025-01-01,Reliable - known directly\nA1,B2,friend,2025-01-01,Rumour\n")
    (d / "sources.yaml").write_text(
        "sources:\n"
        "  - {file: a.csv, table: children, columns: {Ref: child_id, Born: date_of_birth, Risk: ce_risk},\n"
        "     date_formats: {date_of_birth: '%d %b %Y'}, values: {ce_risk: {R: high, A: medium}}}\n"
        "  - {file: b.csv, table: children, columns: {ID: child_id, DOB: date_of_birth, RAG: ce_risk},\n"
        "     values: {ce_risk: {Red: high, Amber: medium}}}\n"
        "  - {file: e.csv, table: episodes}\n"
        "  - {file: l.csv, table: links, columns: {Grade: grading},\n"
        "     values: {grading: {Reliable - known directly: 1A P, Rumour: 3E C}}}\n")
    ds = contextmap.load(d / "sources.yaml", as_of="2026-01-01")
    ch = ds.children.set_index("child_id")
    assert ch.loc["A1", "date_of_birth"] == pd.Timestamp("2011-03-03")
    assert pd.isna(ch.loc["A2", "date_of_birth"])  # a.csv declares '%d %b %Y' only
    assert ch.loc["B2", "date_of_birth"] == pd.Timestamp("2010-05-06")  # b.csv: the contract's forms
    assert ch["ce_risk"].tolist() == ["high", "medium", "high", "medium"]
    assert ds.links["grading"].tolist() == ["1A P", "3E C"]
    w = ds.report.warnings
    assert w.loc[w["column"] == "date_of_birth", ["file", "row"]].values.tolist() == [["a.csv", 3]]


def test_analyst_decision_merges_a_provisional_record(ds, tmp_path):
    kyle = ds.links.set_index("link_id").loc["FC-I9006", "target_id"]
    dec = tmp_path / "decisions.txt"
    dec.write_text(f"merge {kyle} FC-N0452\n")
    out = contextmap.resolve_dataset(ds, decisions=dec)
    pe = out.persons.set_index("person_id")
    assert kyle not in pe.index and kyle in pe.loc["FC-N0452", "merged_from"]
    assert not bool(pe.loc["FC-N0452", "provisional"])
    assert out.links.set_index("link_id").loc["FC-I9006", "target_id"] == "FC-N0452"


def test_a_mistyped_code_under_values_is_named_beside_the_code_it_missed(tmp_path):
    """"Foster carer" under values: never meets the export's "Foster care": the unknown-value
    warning says which key of the mapping was meant for it (no hint where no key is near)."""
    d = _copy(tmp_path)
    text = MINIMAL.replace("{sheet: Young People, table: children, columns: {Child ID: child_id}}",
                           "{sheet: Young People, table: children, columns: {Child ID: child_id, Placement: placement}, "
                           "values: {placement: {Foster carer: foster, With parents: home}}}")
    ds = contextmap.load(_manifest(d, text), as_of=AS_OF)
    w = ds.report.warnings
    placement = w[(w["table"] == "children") & (w["column"] == "placement")]
    hinted = placement[placement["reason"].str.contains("'foster_carer', which no row holds", regex=False)]
    assert len(hinted) and set(hinted["value"]) == {"Foster care"}
    assert not placement.loc[placement["value"] != "Foster care", "reason"].str.contains("which no row holds").any()

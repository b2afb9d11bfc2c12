"""A record's identity comes from its agency and its natural key, or a content key: never from
a file name or a row number (tests/_monthly_data.py: two agencies' overlapping months)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _monthly_data import AS_OF, write_months

import contextmap
from contextmap.ingest.checks import CONTENT_KEY, link_identity


@pytest.fixture
def months(tmp_path: Path) -> Path:
    return write_months(tmp_path)


def _council(ds) -> pd.DataFrame:
    agency = ds.report.provenance["links"]["agency"].to_numpy()
    return ds.links[agency == "Eden Vale Council"].set_index("link_id")


def test_the_same_association_in_two_months_files_keeps_its_id(months):
    oct_, nov = (_council(contextmap.load(months, as_of=AS_OF, period=p)) for p in ("2026-10", "2026-11"))
    assert all(CONTENT_KEY.match(k) for k in [*oct_.index, *nov.index])
    both = oct_.index.intersection(nov.index)
    # C2-Cy (same row) and C1-Tyrone (its notes changed: the notes do not define the association)
    assert sorted(oct_.loc[both, "target_id"]) == ["C3", "N1"]
    assert oct_.loc[both].set_index("target_id").loc["N1", "summary"] == "in car"
    assert nov.loc[both].set_index("target_id").loc["N1", "summary"] == "in car, black Golf"
    assert len(nov.index.difference(oct_.index)) == 1  # C4-Bo, new in November


def test_keys_do_not_depend_on_file_name_row_order_or_how_a_value_is_written(months, tmp_path):
    before = _council(contextmap.load(months, as_of=AS_OF, period="2026-10"))
    f = tmp_path / "council" / "associations_2026-10.csv"
    lines = f.read_text().splitlines()
    # rows reordered, a blank row, names in another case and spacing, dates in ISO form
    rows = [lines[3], "", lines[1].replace("Bo Carver", "BO  CARVER").replace("01/10/2026", "2026-10-01"), lines[2]]
    f.write_text("\n".join([lines[0], *rows]) + "\n")
    months.write_text(months.read_text().replace("council/associations_{period}.csv",
                                                 "council/associations_{period}*.csv"))
    f.rename(tmp_path / "council" / "associations_2026-10_final_v2.csv")
    after = _council(contextmap.load(months, as_of=AS_OF, period="2026-10"))
    assert sorted(after.index) == sorted(before.index)


def test_exact_copies_are_merged_and_counted_not_given_new_ids(months):
    ds = contextmap.load(months, as_of=AS_OF, period="2026-11")
    c = ds.report.counts.loc["links"]
    assert c["duplicates"] == 1 and c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]
    assert ds.links["link_id"].is_unique


def test_rows_sharing_their_defining_fields_but_differing_elsewhere_are_both_kept(months, tmp_path):
    f = tmp_path / "council" / "associations_2026-10.csv"
    f.write_text(f.read_text() + "C2,Cy Dunmore,friend,12/10/2026,park, later\n".replace("park, later", '"park, later"'))
    ds = contextmap.load(months, as_of=AS_OF, period="2026-10")
    assert ds.report.is_clean  # two reports of one day's association: two records, nothing quarantined
    cy = _council(ds)
    cy = cy[cy["target_id"] == "C3"]
    assert len(cy) == 2 and cy.index.is_unique and all(CONTENT_KEY.match(k) for k in cy.index)


def test_the_agency_is_part_of_a_content_key(tmp_path):
    for agency in ("council", "school"):
        (tmp_path / f"{agency}.csv").write_text("source_id,target_id,relation,observed_on\nC1,C2,friend,2026-10-01\n")
    (tmp_path / "children.csv").write_text("child_id\nC1\nC2\n")
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    m = tmp_path / "sources.yaml"
    m.write_text("sources:\n  - {file: children.csv, table: children}\n  - {file: episodes.csv, table: episodes}\n"
                 "  - {file: council.csv, table: links, agency: Eden Vale Council, constants: {source_type: social_care}}\n"
                 "  - {file: school.csv, table: links, agency: Dunmere Academy, constants: {source_type: education}}\n")
    ds = contextmap.load(m, as_of=AS_OF)
    assert len(ds.links) == 2 and ds.links["link_id"].is_unique  # two agencies' evidence: corroboration


def _two_agencies(tmp_path: Path, police: str, council: str, persons: str = "person_id,name\nN1,Tyrone Mullaney\n") -> Path:
    (tmp_path / "children.csv").write_text("child_id\nC1\nC2\n")
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    (tmp_path / "police.csv").write_text("link_id,source_id,target_id,relation,observed_on\n" + police)
    (tmp_path / "council.csv").write_text("link_id,source_id,target_id,relation,observed_on\n" + council)
    (tmp_path / "nominals.csv").write_text(persons)
    m = tmp_path / "sources.yaml"
    m.write_text("sources:\n  - {file: children.csv, table: children}\n  - {file: episodes.csv, table: episodes}\n"
                 "  - {file: nominals.csv, table: persons, agency: Fellside Constabulary}\n"
                 "  - {file: police.csv, table: links, agency: Fellside Constabulary}\n"
                 "  - {file: council.csv, table: links, agency: Eden Vale Council}\n")
    return m


def test_two_agencies_using_one_link_id_are_two_records(tmp_path):
    m = _two_agencies(tmp_path, "1001,N1,C1,associate,2026-10-01\n", "1001,C1,C2,friend,2026-10-02\n")
    ds = contextmap.load(m, as_of=AS_OF)
    assert ds.report.is_clean
    assert sorted(ds.links["link_id"]) == ["1001@eden-vale-council", "1001@fellside-constabulary"]
    # within one agency the same id on two different rows is still a duplicate: both quarantined
    m = _two_agencies(tmp_path, "1001,N1,C1,associate,2026-10-01\n1001,N1,C2,associate,2026-10-03\n",
                      "1001,C1,C2,friend,2026-10-02\n")
    ds = contextmap.load(m, as_of=AS_OF)
    assert sorted(ds.quarantine["links"]["_row"]) == [2, 3]
    assert ds.links["link_id"].tolist() == ["1001@eden-vale-council"]


def test_an_entity_id_two_agencies_use_names_both(tmp_path):
    m = _two_agencies(tmp_path, "", "")
    (tmp_path / "more.csv").write_text("person_id,name\nN1,Kyle Nixon\n")
    m.write_text(m.read_text() + "  - {file: more.csv, table: persons, agency: Eden Vale Council}\n")
    ds = contextmap.load(m, as_of=AS_OF)
    errors = ds.report.errors
    assert len(errors) == 2 and set(errors["file"]) == {"nominals.csv", "more.csv"}
    assert errors["reason"].str.contains("Eden Vale Council and Fellside Constabulary both use it").all()


def test_link_identity_qualifies_an_agencys_ids_only():
    ids = pd.Series(["I1", "I1@fellside-constabulary", "k-0123456789abcdef", "L7"])
    agencies = pd.Series(["Fellside Constabulary", "Fellside Constabulary", "Eden Vale Council", None])
    assert link_identity(ids, agencies).tolist() == ["I1@fellside-constabulary", "I1@fellside-constabulary",
                                                     "k-0123456789abcdef", "L7"]


def test_ids_beginning_prov_are_contextmaps_own_and_refused_as_sent(tmp_path):
    """A police nominal sent as ``prov-p-0000000001`` would be taken for a record made from a
    name (and a decision about a name applied to it): such ids, of a record or of a record a
    row refers to, are quarantined with the reason, and no row is lost."""
    from contextmap.sample import generate_sample

    folder = generate_sample(children=12, seed=3).write(tmp_path / "data")
    persons = pd.read_csv(folder / "persons.csv", dtype=str, keep_default_na=False)
    links = pd.read_csv(folder / "links.csv", dtype=str, keep_default_na=False)
    real = persons.loc[0, "person_id"]
    persons.loc[0, "person_id"] = "PROV-p-0000000001"
    links["source_id"] = links["source_id"].replace(real, "PROV-p-0000000001")
    links.loc[len(links) - 1, "target_id"] = " prov-l-made-up"
    persons.to_csv(folder / "persons.csv", index=False)
    links.to_csv(folder / "links.csv", index=False)
    ds = contextmap.load(folder)
    assert "PROV-p-0000000001" not in set(ds.persons["person_id"])
    p = ds.report.problems
    reserved = p[p["reason"].str.contains("kept for the records contextmap makes", regex=False)]
    assert set(reserved["table"]) == {"persons", "links"}
    assert set(reserved["column"]) >= {"person_id", "target_id"}
    c = ds.report.counts
    assert (c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]).all()
    assert not ds.links["target_id"].astype(str).str.contains("made-up").any()

"""Column-mapping files: the shipped example on a fictional council export, and every error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import contextmap
from contextmap import InputNotFoundError, MappingError
from contextmap.ingest.columns import Mapping, load_mapping

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "mapping.yaml"
EXPORT = ROOT / "tests" / "fixtures" / "northbridge_export"


def test_example_mapping_loads_the_council_export_cleanly():
    ds = contextmap.load(EXPORT, mapping=EXAMPLE, as_of="2026-01-01")
    assert ds.report.is_clean, ds.report.errors.to_string()
    assert ds.grading_scheme == "5x5x5"
    c = ds.children.set_index("child_id")
    assert c.loc["NB-C001", "ce_risk"] == "medium"  # Amber
    assert c.loc["NB-C002", "placement"] == "residential"
    assert c.loc["NB-C003", "gender"] == "female"
    e = ds.episodes.set_index("episode_id")
    assert e.loc["NB-E001", "reported_at"] == pd.Timestamp("2025-03-03 21:15")  # %d-%b-%Y %H:%M
    assert e.loc["NB-E002", "rhi_outcome"] == "declined"
    links = ds.links.set_index("link_id")
    assert links.loc["NB-I001", "grading"] == "1A C"  # B24 in 5x5x5
    assert links.loc["NB-I001", "grading_original"] == "B24"
    assert links.loc["NB-I002", "relation"] == "frequents"
    assert links.loc["NB-I003", "source_type"] == "police"
    locs = ds.locations.set_index("location_id")
    assert locs.loc["NB-L003", "category"] == "food_outlet"
    assert locs["latitude"].notna().all()  # filled from easting/northing
    # the unmapped "Case Worker" column is dropped, with a warning
    assert "Case Worker" in ds.report.warnings["column"].tolist()
    assert "Case Worker" not in ds.children.columns


def test_without_the_mapping_the_export_cannot_be_read():
    with pytest.raises(contextmap.InputReadError, match="children.csv"):
        contextmap.load(EXPORT)


def test_unmapped_code_is_reported_and_blanked_not_lost(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    for f in EXPORT.iterdir():
        (d / f.name).write_text(f.read_text().replace(",Amber,", ",Purple,"))
    ds = contextmap.load(d, mapping=EXAMPLE, as_of="2026-01-01")
    w = ds.report.warnings
    own = w[(w["table"] == "children") & (w["column"] == "ce_risk")]
    assert own[["file", "row", "column", "value"]].values.tolist() == [["CYP.csv", 2, "ce_risk", "Purple"]]
    # the child is kept with the risk level blank, and so are its episodes and links
    assert ds.report.is_clean
    assert pd.isna(ds.children.set_index("child_id").loc["NB-C001", "ce_risk"])
    assert (ds.episodes["child_id"] == "NB-C001").any()


def test_mapped_column_missing_from_input_names_it(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["tables"]["children"]["columns"]["Child Number"] = data["tables"]["children"]["columns"].pop("Child Ref")
    m = Mapping.from_dict(data)
    with pytest.raises(MappingError, match="'Child Number'.*CYP.csv"):
        contextmap.load(EXPORT, mapping=m)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"tabels": {}}, "unknown key 'tabels'"),
        ({"tables": {"kids": {}}}, "unknown table 'kids'"),
        ({"tables": {"children": {"colums": {}}}}, "unknown key tables.children.colums"),
        ({"tables": {"children": {"columns": {"Ref": "child_ref"}}}}, "'child_ref', which is not a column of children"),
        ({"tables": {"children": {"columns": {"A": "child_id", "B": "child_id"}}}}, "several local columns"),
        # two columns naming a link's other end: the error says how to read them as one
        ({"tables": {"links": {"columns": {"Associate Name": "target_name", "Location": "target_name"}}}},
         r"write target_name: \[Associate Name, Location\]"),
        ({"tables": {"children": {"values": {"risk": {"Red": "high"}}}}}, "names 'risk'"),
        ({"tables": {"children": {"values": {"ce_risk": ["high"]}}}}, "must be a mapping"),
        ({"tables": {"children": {"date_formats": {"name": "%d"}}}}, "not a date column"),
        ({"grading_scheme": "4x4x4"}, "grading_scheme must be one of"),
        (["children"], "must hold a mapping"),
    ],
)
def test_malformed_mapping_is_a_clear_error(data, fragment):
    with pytest.raises(MappingError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        Mapping.from_dict(data)


def test_load_mapping_file_errors(tmp_path):
    with pytest.raises(InputNotFoundError):
        load_mapping(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables: [unclosed\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(bad)


def test_grading_scheme_argument_overrides_the_mapping(tmp_path):
    ds = contextmap.load(EXPORT, mapping=EXAMPLE, grading_scheme="3x5x2", as_of="2026-01-01")
    reasons = ds.report.errors.loc[ds.report.errors["column"] == "grading", "reason"]
    assert len(reasons) == 4 and reasons.str.contains("a 5x5x5 code").all()

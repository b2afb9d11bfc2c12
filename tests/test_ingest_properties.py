"""Property tests: whatever the cell values, ingest never crashes and never loses a row:
rows read = accepted + quarantined + exact duplicates merged, for a folder and for a manifest
stacking several sources per table."""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import contextmap
from contextmap.schema import TABLES

# Any text a spreadsheet cell can hold, plus values close to valid ones so that some rows pass
# and references between tables sometimes resolve. NUL is excluded: a file containing it is not
# text and is refused as a whole (tested in test_ingest.py).
_any = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_near = st.sampled_from([
    "", " ", "C1", "C2", "P1", "L1", "E1", "high", "Foster", "2025-01-02", "02/01/2025 10:00",
    "31/02/2025", "54.9", "-2.9", "340000", "555000", "1A P", "B24", "seen_with", "visited", "x;y",
    "nan", "NULL", "#N/A", "=1+1", "3000-01-01",
])
_cell = st.one_of(_near, _any)


def _table(name: str):
    cols = list(TABLES[name].column_names)
    row = st.fixed_dictionaries({c: _cell for c in cols})
    return st.lists(row, min_size=0, max_size=6).map(lambda rows: pd.DataFrame(rows, columns=cols))


# Each example loads five files (~0.5 s), so shrinking is switched off to keep the suite fast;
# a failure still prints the whole failing dataset.
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(children=_table("children"), persons=_table("persons"), locations=_table("locations"),
       episodes=_table("episodes"), links=_table("links"))
def test_ingest_never_crashes_and_never_loses_a_row(children, persons, locations, episodes, links):
    frames = {"children": children, "persons": persons, "locations": locations,
              "episodes": episodes, "links": links}
    d = Path(tempfile.mkdtemp())
    try:
        for name, df in frames.items():
            # quote every cell: pandas leaves a bare carriage return unquoted, which splits a record
            df.to_csv(d / f"{name}.csv", index=False, encoding="utf-8", quoting=csv.QUOTE_ALL)
        ds = contextmap.load(d, as_of="2026-01-01")
        c = ds.report.counts
        for name, df in frames.items():
            blank = df.apply(lambda s: s.str.strip() == "").all(axis=1) if len(df) else pd.Series(dtype=bool)
            expected = int((~blank).sum())
            assert c.loc[name, "read"] == expected
            kept = df[~blank.to_numpy()].apply(lambda s: s.str.strip()) if len(df) else df
            assert c.loc[name, "duplicates"] == int(kept.duplicated().sum())  # exact copies, spacing ignored
            assert c.loc[name, "read"] == c.loc[name, "accepted"] + c.loc[name, "quarantined"] + c.loc[name, "duplicates"]
            assert len(ds.table(name)) == c.loc[name, "accepted"] + c.loc[name, "provisional"]
            assert len(ds.report.provenance[name]) == len(ds.table(name))
            q = ds.quarantine[name]
            assert len(q) == c.loc[name, "quarantined"]
            assert q["_reasons"].notna().all()  # every quarantined row says why
            # every quarantined row keeps its original text
            for _, qrow in q.iterrows():
                original = df.iloc[qrow["_row"] - 2]
                assert (qrow[df.columns].fillna("") == original.fillna("")).all()
        errors = ds.report.errors
        assert errors["row"].notna().all()
        # accepted rows are those without an error
        for name in frames:
            bad_rows = set(errors.loc[errors["table"] == name, "row"])
            assert bad_rows == set(ds.quarantine[name]["_row"])
    finally:
        shutil.rmtree(d)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(a=st.lists(st.tuples(_cell, _cell, _cell, _cell), max_size=6),
       b=st.lists(st.tuples(_cell, _cell, _cell), max_size=6),
       episodes=_table("episodes"))
def test_manifest_with_stacked_sources_never_loses_a_row(a, b, episodes):
    d = Path(tempfile.mkdtemp())
    try:
        pd.DataFrame(a, columns=["Child Ref", "Forename", "Surname", "Case Notes"]).to_csv(
            d / "council.csv", index=False, quoting=csv.QUOTE_ALL)
        pd.DataFrame(b, columns=["ID", "Full Name", "DOB"]).to_csv(d / "police.csv", index=False, quoting=csv.QUOTE_ALL)
        episodes.to_csv(d / "episodes.csv", index=False, quoting=csv.QUOTE_ALL)
        (d / "sources.yaml").write_text(
            "sources:\n"
            "  - {file: council.csv, table: children, columns: {Child Ref: child_id, name: [Forename, Surname]}}\n"
            "  - {file: police.csv, table: children, columns: {ID: child_id, Full Name: name, DOB: date_of_birth},"
            " constants: {gender: unknown}}\n"
            "  - {file: episodes.csv, table: episodes}\n")
        ds = contextmap.load(d / "sources.yaml", as_of="2026-01-01")
        c = ds.report.counts
        assert (c["read"] == c["accepted"] + c["quarantined"] + c["duplicates"]).all()
        for name in c.index:
            assert len(ds.table(name)) == c.loc[name, "accepted"] + c.loc[name, "provisional"]
        # every row of either file is read, unless every cell of it is blank
        n = sum(any(str(x).strip() for x in row) for row in a) + sum(any(str(x).strip() for x in row) for row in b)
        assert c.loc["children", "read"] == n
        q = ds.quarantine["children"]
        assert set(q["_file"]) <= {"council.csv", "police.csv"} and q["_reasons"].notna().all()
        errors = ds.report.errors
        got = set(zip(errors.loc[errors["table"] == "children", "file"], errors.loc[errors["table"] == "children", "row"], strict=False))
        assert got == set(zip(q["_file"], q["_row"], strict=False))
        prov = ds.report.provenance["children"]
        assert len(prov) == len(ds.children) and prov["file"].isin(["council.csv", "police.csv"]).all()
    finally:
        shutil.rmtree(d)

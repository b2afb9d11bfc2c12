"""Property tests: whatever the cell values, ingest never crashes and never loses a row."""

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
            assert c.loc[name, "read"] == c.loc[name, "accepted"] + c.loc[name, "quarantined"]
            assert len(ds.table(name)) == c.loc[name, "accepted"]
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

"""Read-only questions to a workspace's history (contextmap.workspace.history).

Imports are stamped with the time they ran; the tests move the first import back a month so
that "before" and "after" are real moments, then ask what the workspace knew at each."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from contextmap import ConfigError
from contextmap.sample import generate_sample
from contextmap.workspace import db, history, init_workspace

BEFORE = datetime(2026, 9, 1, 12, 0)
BETWEEN = datetime(2026, 9, 15, 12, 0)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    export = root / "export"
    generate_sample(children=12, seed=5).write(export)
    w = init_workspace(root / "team.cmw")
    w.import_source(export)
    with w.engine.begin() as conn:  # the first import ran a month ago
        conn.execute(sa.update(db.imports).values(imported_at=BEFORE))
    # the second export: one child's risk raised, one new person of concern
    ch = pd.read_csv(export / "children.csv", dtype=str, keep_default_na=False)
    raised = ch["child_id"].iloc[0]
    ch.loc[0, "ce_risk"] = "high" if ch.loc[0, "ce_risk"] != "high" else "low"
    ch.to_csv(export / "children.csv", index=False)
    ps = pd.read_csv(export / "persons.csv", dtype=str, keep_default_na=False)
    pd.concat([ps, pd.DataFrame([{"person_id": "PNEW9", "name": "Quilla Marchbank"}])]).fillna("").to_csv(
        export / "persons.csv", index=False)
    w.import_source(export)
    yield w, raised, ch.loc[0, "ce_risk"]
    w.close()


def test_first_imported_is_when_a_record_was_first_held(ws):
    w, _, _ = ws
    first = history.first_imported(w.engine, "persons")
    assert first["PNEW9"] > pd.Timestamp(BETWEEN)
    assert (first.drop("PNEW9") == pd.Timestamp(BEFORE)).all()
    assert first.index.is_unique and first.index.name == "record_key"


def test_known_keys_at_a_moment(ws):
    w, _, _ = ws
    assert "PNEW9" not in history.known_keys(w.engine, "persons", BETWEEN)
    assert "PNEW9" in history.known_keys(w.engine, "persons", datetime(2100, 1, 1))
    assert history.known_keys(w.engine, "persons", datetime(2000, 1, 1)) == set()


def test_records_as_of_give_the_version_current_then(ws):
    w, raised, now_risk = ws
    then = history.records_as_of(w.engine, "children", BETWEEN, columns=["ce_risk"])
    later = history.records_as_of(w.engine, "children", datetime(2100, 1, 1), columns=["ce_risk"])
    assert then.loc[raised, "version"] == 1 and later.loc[raised, "version"] == 2
    assert later.loc[raised, "ce_risk"] == now_risk != then.loc[raised, "ce_risk"]
    unchanged = then.index.drop(raised)
    assert (then.loc[unchanged, "ce_risk"].fillna("") == later.loc[unchanged, "ce_risk"].fillna("")).all()
    assert len(history.records_as_of(w.engine, "children", datetime(2000, 1, 1))) == 0


def test_bad_arguments_are_clear_errors(ws):
    w, _, _ = ws
    with pytest.raises(ConfigError, match="workspace table"):
        history.first_imported(w.engine, "cases")
    with pytest.raises(ConfigError, match="columns"):
        history.records_as_of(w.engine, "children", BETWEEN, columns=["no_such"])
    with pytest.raises(ConfigError, match="date"):
        history.known_keys(w.engine, "children", pd.NaT)

"""A pack built from a workspace (contextmap.pack.workspace): "new" is what the last meeting never
saw, in the workspace's history; a raised risk is measured against the record as it stood at
the last meeting; cases name their children and a person case its merged records; page 1 lists
the actions due or overdue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from contextmap.dates import period_bounds
from contextmap.pack.build import build_pack
from contextmap.sample import generate_sample
from contextmap.workspace import db, init_workspace

pytestmark = pytest.mark.slow


def _append(path, rows):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([df, pd.DataFrame(rows)], ignore_index=True).fillna("").to_csv(path, index=False)


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws-pack")
    export = root / "export"
    generate_sample(children=20, seed=3).write(export)
    ws = init_workspace(root / "team.cmw")
    ws.import_source(export)
    with ws.engine.begin() as conn:
        conn.execute(sa.update(db.imports).values(imported_at=datetime(2026, 10, 1, 9)))
    p1, p2 = sorted(ws.dataset().persons["person_id"].astype(str))[:2]
    ws.decide("merge", p1, p2, reason="the same man, two police records")
    kids = sorted(ws.dataset().children["child_id"].astype(str))[:2]
    case = ws.open_case(kind="person", subject=p2, title="Disruption plan", children=kids)
    due = (pd.Timestamp.today().normalize() + timedelta(days=5)).date().isoformat()
    act = ws.add_action(case, owner="police", due=due, text="Serve a notice")
    # the last meeting's pack ended a fortnight before the records do: the next pack's default
    # period (to the latest record) is the next meeting's
    data_end = period_bounds(ws.dataset())[1]
    first = build_pack(None, workspace=ws, out=root / "p1", pdf=False, audit_log=root / "audit.jsonl",
                       end=data_end - timedelta(days=14))
    with ws.engine.begin() as conn:  # that meeting was held a fortnight ago
        conn.execute(sa.update(db.meetings).values(held_at=datetime(2026, 10, 20, 10)))
    # since then: a person the meeting never saw, though the record is dated months earlier, and
    # a child whose risk level was raised
    end = pd.Timestamp(first.summary["period"]["end"])
    child = kids[1]
    ch = pd.read_csv(export / "children.csv", dtype=str, keep_default_na=False)
    before = ch.loc[ch["child_id"] == child, "ce_risk"].iloc[0]
    ch.loc[ch["child_id"] == child, "ce_risk"] = "high" if before != "high" else "low"
    ch.to_csv(export / "children.csv", index=False)
    _append(export / "persons.csv", [{"person_id": "PLATE1", "name": "Orrin Vexley"}])
    _append(export / "links.csv", [{"link_id": "KLATE1", "source_id": "PLATE1", "target_id": child,
                                    "relation": "associate", "source_type": "police", "grading": "1B P",
                                    "observed_on": str((end - timedelta(days=90)).date())}])
    ws.import_source(export)
    second = build_pack(None, workspace=ws, out=root / "p2", pdf=False, audit_log=root / "audit.jsonl")
    yield {"pack": second, "first": first, "child": child, "before": before, "p1": p1, "p2": p2, "kids": kids,
           "act": act, "case": case, "ws": ws}
    ws.close()


def test_new_is_what_the_last_meeting_never_saw(second):
    st = second["pack"].meeting.states
    assert st.meeting.source == "workspace" and "recorded on 2026-10-20" in st.meeting.words
    assert st.of("person", "PLATE1")["state"] == "new"  # dated 90 days back, but never seen by the meeting
    assert {p for p, v in st.persons.items() if v["state"] == "new"} == {"PLATE1"}
    assert not {c for c, v in st.children.items() if v["state"] == "new"}


def test_a_risk_raised_since_the_meeting_is_measured_against_the_record_then(second):
    st = second["pack"].meeting.states
    now = "high" if second["before"] != "high" else "low"
    want = "escalating" if now == "high" else "falling"
    assert st.of("child", second["child"])["state"] == want
    assert second["before"] in st.of("child", second["child"])["reason"]


def test_cases_name_their_children_and_a_person_case_its_merged_records(second):
    html = second["pack"].html.read_text(encoding="utf-8")
    ws_part = html.split('id="workspace"', 1)[1]
    ds = second["ws"].dataset()
    names = dict(zip(ds.children["child_id"], ds.children["name"], strict=True))
    for k in second["kids"]:
        assert names[k] in ws_part
    assert not re.search(r"linked: [^<]*\bC\d{4}\b", ws_part)  # names, not ids
    p1, p2 = second["p1"], second["p2"]
    merged = re.search(r"Records merged into this person: ([^<]+)\.</p>", ws_part).group(1)
    assert p1 in merged and p2 in merged


def test_page_one_lists_the_action_due_before_the_next_meeting(second):
    html = second["pack"].html.read_text(encoding="utf-8")
    agenda = html.split('id="agenda-actions"', 1)[1].split("</div>", 1)[0]
    assert re.search(rf"<strong>Due \d{{4}}-\d\d-\d\d</strong>: {second['act']} \({second['case']}, ", agenda)
    assert "Serve a notice" in agenda

"""Context plans on SQLite and PostgreSQL: goals with their measure and review date (history
kept), 4P tags on actions, school cases, adopted problem profiles, and the 0005 -> 0006
migration of an existing workspace."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from _disruption_data import write_export
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap._errors import WorkspaceError
from contextmap.settings import Settings
from contextmap.workspace import db, init_workspace, open_workspace, plans, profiles, record


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("plans") / "export")


@pytest.fixture
def ws(ws_url, export):  # noqa: F811
    w = init_workspace(ws_url)
    assert w.import_source(export, as_of="2026-10-01").quarantined == 0
    yield w
    w.close()


def test_goals_keep_their_measure_review_date_and_every_change(ws):
    case = ws.open_case(kind="location", subject="L1", title="Flat used for parties")
    goal = ws.add_goal(case, text="No child found at the flat after 9pm", measure="episodes found there per month",
                       review="01/03/2027")
    assert goal == "goal-1"
    g = ws.goals(case).iloc[0]
    assert (g["review"], g["status"], g["measure"]) == (date(2027, 3, 1), "open", "episodes found there per month")
    ws.update_goal(goal, status="Partly met", outcome="two episodes in December")
    ws.update_goal(goal, review="2027-04-01")
    history = plans.goal_history(ws.engine, goal)
    assert history["status"].tolist() == ["open", "partly-met", "partly-met"]
    assert history["review"].tolist() == [date(2027, 3, 1), date(2027, 3, 1), date(2027, 4, 1)]
    assert history["outcome"].tolist()[-1] == "two episodes in December"
    now = ws.goals().iloc[0]
    assert (now["status"], now["review"]) == ("partly-met", date(2027, 4, 1))


@pytest.mark.parametrize("kwargs,fragment", [
    ({"text": " ", "measure": "m", "review": "2027-01-01"}, "--text to be a non-empty text"),
    ({"text": "t", "measure": "", "review": "2027-01-01"}, "--measure to be a non-empty text"),
    ({"text": "t", "measure": "m", "review": "12/31/2027"}, "month-first"),
    ({"text": "t", "measure": "m", "review": None}, "--review to be a date"),
])
def test_a_goal_without_its_parts_or_with_a_month_first_date_stores_nothing(ws, kwargs, fragment):
    case = ws.open_case(kind="location", subject="L1", title="t")
    with pytest.raises(Exception, match=fragment):
        ws.add_goal(case, **kwargs)
    assert ws.goals().empty


def test_goal_updates_are_checked(ws):
    case = ws.open_case(kind="location", subject="L1", title="t")
    goal = ws.add_goal(case, text="t", measure="m", review="2027-01-01")
    with pytest.raises(WorkspaceError, match="one of"):
        ws.update_goal(goal, status="achieved")
    with pytest.raises(WorkspaceError, match="none of them"):
        ws.update_goal(goal)
    with pytest.raises(WorkspaceError, match="no goal goal-9"):
        ws.update_goal("goal-9", status="met")
    record.close_case(ws.engine, case)
    with pytest.raises(WorkspaceError, match="closed"):
        ws.add_goal(case, text="t", measure="m", review="2027-01-01")


def test_a_goal_past_its_review_date_is_due(ws):
    case = ws.open_case(kind="location", subject="L1", title="t")
    ws.add_goal(case, text="t", measure="m", review="2026-09-01")
    frame = plans.goals_frame(ws.engine, as_of="2026-10-01")
    assert frame["review_due"].tolist() == [True]
    assert plans.goals_frame(ws.engine, as_of="2026-08-01")["review_due"].tolist() == [False]


def test_actions_carry_a_4p_tag(ws):
    case = ws.open_case(kind="person", subject="Rex Vantoor", title="t")
    a1 = ws.add_action(case, owner="police", due="2026-12-01", text="Serve the notice", p="Pursue")
    ws.add_action(case, owner="education", due="2026-12-01", text="Talk to the school")
    frame = record.actions_frame(ws.engine)
    assert frame["p"].fillna("").tolist() == ["pursue", ""]
    ws.update_action(a1, p="protect")
    assert record.actions_frame(ws.engine)["p"].tolist()[0] == "protect"
    with pytest.raises(WorkspaceError, match="pursue"):
        ws.add_action(case, owner="police", due="2026-12-01", text="x", p="punish")


def test_a_school_case_is_on_a_school_location(ws):
    case = ws.open_case(kind="school", subject="Northgate Academy", title="Pick-ups at the gate")
    row = ws.cases().set_index("case").loc[case]
    assert (row["kind"], row["subject_id"]) == ("school", "L3")
    assert "C1" in row["children"]  # a link to the school
    with pytest.raises(WorkspaceError):
        ws.open_case(kind="school", subject="Rex Vantoor", title="not a place")


def test_profiles_are_adopted_once_and_due_by_their_cadence(ws):
    case = ws.open_case(kind="location", subject="L1", title="t")
    p1 = ws.adopt_profile(case, cadence="4w")
    assert ws.adopt_profile("Flat 2, 9 Harrow Lane") == p1  # the same subject: one profile
    ws.adopt_profile("Rex Vantoor", settings=Settings.from_dict({"profiles": {"cadence": "2w"}}))
    frame = ws.profiles()
    assert frame[["kind", "subject_id", "cadence"]].values.tolist() == [["location", "L1", "4w"], ["person", "P1", "2w"]]
    assert frame["due"].tolist() == [True, True]  # never produced
    found = profiles.profile_subject(ws.engine, p1)
    profiles.record_profile_run(ws.engine, found, audience="partner", audit_entry="x")
    frame = profiles.profiles_frame(ws.engine)
    assert frame["due"].tolist() == [False, True] and frame["runs"].tolist() == [1, 0]
    later = profiles.profiles_frame(ws.engine, as_of=pd.Timestamp.now() + pd.Timedelta(days=29))
    assert later["due"].tolist() == [True, True]
    profiles.drop_profile(ws.engine, p1, reason="closure order worked")
    assert profiles.profiles_frame(ws.engine)["due"].tolist() == [False, True]
    with pytest.raises(WorkspaceError, match="already dropped"):
        profiles.drop_profile(ws.engine, p1, reason="again")
    for bad in ("4 weeks", "12h", "0w"):
        with pytest.raises(WorkspaceError):
            ws.adopt_profile("Mill Park", cadence=bad)


def test_a_peer_group_is_adopted_through_its_case(ws):
    with pytest.raises(WorkspaceError, match="case naming its children"):
        ws.adopt_profile("PG3")
    case = ws.open_case(kind="group", subject="PG3", title="t", children=["C1", "C2"])
    number = ws.adopt_profile("PG3")
    found = profiles.profile_subject(ws.engine, number)
    assert (found.kind, found.subject_id, found.children, f"case-{found.case_id}") == ("group", "PG3", ("C1", "C2"), case)


def test_status_counts_goals_tactics_and_profiles(ws):
    case = ws.open_case(kind="location", subject="L1", title="t")
    ws.add_goal(case, text="t", measure="m", review="2027-01-01")
    ws.add_tactic(case, kind="closure order", issued="2026-07-01", owner="police", text="order")
    ws.adopt_profile(case)
    st = ws.status()
    assert st["goals"]["open"] == 1 and st["profiles"] == {"adopted": 1, "due": 1}
    assert sum(v for k, v in st["tactics"].items() if k != "breaches") == 1


def test_a_0005_workspace_gains_the_disruption_record_and_keeps_its_cases(ws_url):  # noqa: F811
    from alembic import command

    loc = db.parse_location(ws_url)
    engine = db.create_engine_for(loc, create=True)
    with engine.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0005_tombstones")
        conn.execute(db.workspace_info.insert(), [{"name": "workspace_id", "value": "old"},
                                                  {"name": "revision", "value": "0"}])
        conn.execute(sa.text("INSERT INTO cases (kind, subject_id, title, status, opened_at, opened_by) "
                             "VALUES ('location', 'L1', 'old case', 'open', '2026-01-05 00:00:00', 'someone')"))
        conn.execute(sa.text("INSERT INTO actions (case_id, owner, due, text, status, created_at, created_by, updated_at) "
                             "VALUES (1, 'police', '2026-02-01', 'old action', 'open', '2026-01-05 00:00:00', 'someone', "
                             "'2026-01-05 00:00:00')"))
    engine.dispose()
    with open_workspace(ws_url) as w:
        assert db.current_revision(w.engine) == db.head_revision() == "0006_disruption"
        acts = record.actions_frame(w.engine)
        assert acts["text"].tolist() == ["old action"] and acts["p"].isna().all()
        assert w.add_goal("case-1", text="t", measure="m", review="2027-01-01") == "goal-1"
        tables = set(sa.inspect(w.engine).get_table_names())
        assert {"case_goals", "goal_events", "tactics", "tactic_breaches", "profiles", "profile_runs"} <= tables

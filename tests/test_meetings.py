"""The packs built for one meeting are one meeting (contextmap.workspace.meetings), on SQLite
and PostgreSQL: a meeting is its period; every pack compares with the meeting before its own;
action statuses are taken when a meeting's first pack is built; the workspace's status counts
meetings, not packs. The packs themselves: tests/test_pack_meetings.py."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)
from typer.testing import CliRunner

from contextmap.cli import app
from contextmap.workspace import db, init_workspace
from contextmap.workspace.meetings import last_meeting, meetings_frame, record_meeting

SEP = ("2026-09-01", "2026-09-30")
OCT = ("2026-10-01", "2026-10-31")


def test_the_packs_for_one_period_are_one_meeting(ws_url):  # noqa: F811
    with init_workspace(ws_url) as ws:
        first = record_meeting(ws.engine, period=SEP, audience="internal", audit_entry="e1")
        assert record_meeting(ws.engine, period=(pd.Timestamp("2026-09-01"), pd.Timestamp("2026-09-30")),
                              audience="partner", audit_entry="e2") == first  # timestamps or text: the same days
        assert record_meeting(ws.engine, period=SEP, audience="internal", audit_entry="e3") == first  # a rebuild
        held = meetings_frame(ws.engine)
        assert len(held) == 1
        m = held.iloc[0]
        assert (m["meeting_id"], m["packs"], m["audiences"], m["audit_entries"]) == (first, 3, ["internal", "partner"],
                                                                                    ["e1", "e2", "e3"])
        assert m["last_built_at"] >= m["held_at"]
        # nothing was held before September's meeting: its packs compare with no meeting at all
        assert last_meeting(ws.engine, before=SEP) is None
        assert last_meeting(ws.engine)["meeting_id"] == first  # the latest meeting, for status
        other = record_meeting(ws.engine, period=OCT, audience="police", audit_entry="e4")
        assert other != first
        assert last_meeting(ws.engine, before=OCT)["meeting_id"] == first
        assert last_meeting(ws.engine, before=SEP) is None  # October's meeting is not before September's
        assert ws.status()["meetings"] == 2 and ws.status()["packs"] == 4


def test_statuses_are_taken_when_the_meetings_first_pack_is_built(ws_url, tmp_path):  # noqa: F811
    from contextmap.sample import generate_sample

    generate_sample(children=10, seed=2).write(tmp_path / "export")
    with init_workspace(ws_url) as ws:
        ws.import_source(tmp_path / "export")
        loc = str(ws.dataset().locations["location_id"].iloc[0])
        case = ws.open_case(kind="location", subject=loc, title="Flat")
        a1 = ws.add_action(case, owner="police", due="2026-10-01", text="Visit")
        record_meeting(ws.engine, period=SEP, audience="internal", audit_entry=None)
        ws.update_action(a1, status="done", outcome="visited")  # done during the meeting
        a2 = ws.add_action(case, owner="council", due="2026-10-02", text="Letter")
        record_meeting(ws.engine, period=SEP, audience="partner", audit_entry=None)  # built afterwards
        sep = last_meeting(ws.engine, before=OCT)
        n1, n2 = (int(a.split("-")[1]) for a in (a1, a2))
        assert sep["statuses"] == {n1: "open"}  # as when the first pack was built: a2 was added since
        with ws.engine.connect() as conn:  # the later pack stored no second set of statuses
            assert conn.execute(sa.select(sa.func.count()).select_from(db.meeting_actions)).scalar_one() == 1
        record_meeting(ws.engine, period=OCT, audience="internal", audit_entry=None)
        ws.update_action(a2, status="dropped")
        record_meeting(ws.engine, period=OCT, audience="internal", audit_entry=None)
        nov = last_meeting(ws.engine, before=("2026-11-01", "2026-11-30"))
        assert nov["period_end"].isoformat() == "2026-10-31"
        assert nov["statuses"] == {n1: "done", n2: "open"}


def test_the_last_meeting_is_the_one_whose_period_ends_last_before_the_packs(ws_url):  # noqa: F811
    with init_workspace(ws_url) as ws:
        aug = record_meeting(ws.engine, period=("2026-08-01", "2026-08-31"), audience="internal", audit_entry=None)
        sep = record_meeting(ws.engine, period=SEP, audience="internal", audit_entry=None)
        # a year to the end of September, for a review: another meeting, ending the same day
        year = record_meeting(ws.engine, period=("2025-10-01", "2026-09-30"), audience="internal", audit_entry=None)
        assert year not in (aug, sep)
        # September's packs never compare with the review built the same day, nor it with them
        assert last_meeting(ws.engine, before=SEP)["meeting_id"] == aug
        assert last_meeting(ws.engine, before=("2025-10-01", "2026-09-30"))["meeting_id"] == aug
        # the next period compares with the one of the two held last
        assert last_meeting(ws.engine, before=OCT)["meeting_id"] == year
        # a pack for July, built now (a review): July's meeting before is none; never September's
        july = ("2026-07-01", "2026-07-31")
        record_meeting(ws.engine, period=july, audience="internal", audit_entry=None)
        assert last_meeting(ws.engine, before=july) is None
        assert last_meeting(ws.engine, before=OCT)["meeting_id"] == year  # held in July's place: not the latest
        # a period with no first day is a period of its own
        open_start = record_meeting(ws.engine, period=(None, "2026-10-31"), audience="internal", audit_entry=None)
        assert record_meeting(ws.engine, period=(None, "2026-10-31"), audience="partner", audit_entry=None) == open_start
        assert last_meeting(ws.engine, before=(None, "2026-10-31"))["meeting_id"] == year
        assert last_meeting(ws.engine, before=("2026-11-01", "2026-11-30"))["meeting_id"] == open_start
        assert len(meetings_frame(ws.engine)) == 5


def test_a_workspace_recorded_before_the_rule_reads_back_as_meetings(ws_url, tmp_path):  # noqa: F811
    # packs recorded by earlier versions: one row per pack, each with its own statuses
    from contextmap.sample import generate_sample

    generate_sample(children=10, seed=2).write(tmp_path / "export")
    with init_workspace(ws_url) as ws:
        ws.import_source(tmp_path / "export")
        case = ws.open_case(kind="location", subject=str(ws.dataset().locations["location_id"].iloc[0]), title="Flat")
        act = int(ws.add_action(case, owner="police", due="2026-10-01", text="Visit").split("-")[1])
        M, MA = db.meetings, db.meeting_actions
        with ws.engine.begin() as conn:
            for i, (aud, status, at) in enumerate((("internal", "open", datetime(2026, 10, 1, 9)),
                                                   ("partner", "done", datetime(2026, 10, 1, 11))), start=1):
                conn.execute(M.insert().values(meeting_id=i, held_at=at, period_start=datetime(2026, 9, 1).date(),
                                               period_end=datetime(2026, 9, 30).date(), audience=aud, audit_entry=None))
                conn.execute(MA.insert().values(meeting_id=i, action_id=act, status=status))
        m = last_meeting(ws.engine, before=OCT)
        assert (m["meeting_id"], m["held_at"], m["statuses"], m["packs"]) == (1, datetime(2026, 10, 1, 9), {act: "open"}, 2)
        assert last_meeting(ws.engine, before=SEP) is None


def test_workspace_status_reports_meetings_not_packs(ws_url):  # noqa: F811
    with init_workspace(ws_url) as ws:
        for aud in ("internal", "partner", "police"):
            record_meeting(ws.engine, period=SEP, audience=aud, audit_entry=None)
    r = CliRunner().invoke(app, ["workspace", "status", ws_url])
    assert r.exit_code == 0, r.output
    assert re.search(r"\b1 meeting \(3 packs\)", r.output)
    assert "last meeting: the period 2026-09-01 to 2026-09-30" in r.output and "(internal, partner, police)" in r.output
    # an 80-column terminal: every line but the workspace's own name fits, broken between counts
    assert max(len(line) for line in r.output.splitlines()[1:]) <= 80, r.output
    r = CliRunner().invoke(app, ["workspace", "status", ws_url, "--json"])
    st = json.loads(r.output)
    assert (st["meetings"], st["packs"]) == (1, 3)
    assert st["last_meeting"]["period"] == ["2026-09-01", "2026-09-30"]
    assert st["last_meeting"]["audiences"] == ["internal", "partner", "police"]

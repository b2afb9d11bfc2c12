"""The workspace's traps, closed (issue 21), on SQLite and on PostgreSQL: decisions checked and
taken by unique name, withdrawn decisions, cases opened by name that bring their merged
records and say why each child is linked, group cases from a peer group, backdated cases.

Hostile names throughout: a child and an adult with one name, look-alike letters (Cyrillic
for Latin), invisible characters pasted with an id or a name, an id that looks like SQL.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap._errors import WorkspaceError
from contextmap.resolve import resolve_dataset
from contextmap.resolve.decisions import DecisionsError
from contextmap.workspace import RecordLookupError, db, init_workspace, open_workspace, record

SQL_ID = "P9'); DROP TABLE decisions;--"

FILES = {
    "children.csv": """child_id,name,date_of_birth,gender,ce_risk
C1,Bailey Fenwick,2011-03-02,male,high
C2,Jay Smith,2012-05-05,male,medium
C3,Ada Quill,2013-07-01,female,low
C5,Corey Whitmore,2010-01-01,male,high
C6,Kai Marsh,2011-09-09,male,low
C7,Leah Pattinson,2012-02-02,female,medium
C8,,2012-02-03,female,low
""",
    "persons.csv": f"""person_id,name,aliases,date_of_birth,gender
P1,Bailey F,,1998-03-07,male
P2,Jay Smith,Jaz,1990-04-04,male
P3,Tyler Blencowe,Big T,2002-08-09,male
P4,Tyler Belncow,,2002-08-09,male
P6,Kai \u041carsh,,1995-01-01,male
"{SQL_ID}",Robert Tables,,1980-01-01,male
""",
    "locations.csv": """location_id,name,category,latitude,longitude,postcode
L1,Chicken Palace,food_outlet,54.89,-2.93,CA1 1AA
L2,Chicken Palace Express,food_outlet,54.90,-2.95,CA2 2BB
L3,Sallow Park,park,54.88,-2.91,
""",
    "episodes.csv": """episode_id,child_id,reported_at,returned_at,found_location_id,people_mentioned
E1,C5,2026-09-01 20:00,2026-09-02 10:00,L1,Big T
E2,C3,2026-09-05 20:00,2026-09-06 10:00,L3,
E3,C7,2026-09-06 20:00,2026-09-07 10:00,L3,
""",
    "links.csv": """link_id,source_id,target_id,relation,observed_on,source_type,grading
K1,P3,C5,associate,2026-09-03,police,1B P
K2,P4,C3,seen_with,2026-09-07,rhi,
K3,C2,L2,frequents,2026-09-08,education,
K4,P1,C1,associate,2026-09-09,police,2B P
K5,C6,L3,frequents,2026-09-10,education,
""",
}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    d = tmp_path_factory.mktemp("traps") / "export"
    d.mkdir()
    for name, text in FILES.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def ws(ws_url, export):  # noqa: F811
    w = init_workspace(ws_url)
    r = w.import_source(export, as_of="2026-10-01")
    assert r.quarantined == 0, r.dataset.report.problems
    yield w
    w.close()


def _stored(ws) -> list[tuple[str, str, str]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(db.decisions.c.action, db.decisions.c.a, db.decisions.c.b)
                                               .order_by(db.decisions.c.decision_id))]


# --- decide ---------------------------------------------------------------------------------


def test_decide_takes_unique_names_stores_ids_and_the_next_resolution_runs(ws):
    # the trap: `decide merge "Bailey F" "Bailey Fenwick"` was stored as two names, and the next pack failed
    d = ws.decide("merge", "Bailey F", "Bailey Fenwick", reason="police and school records are one young man")
    assert (d.a.record_id, d.a.kind, d.b.record_id, d.b.kind) == ("P1", "person", "C1", "child")  # child-person: allowed
    assert _stored(ws) == [("merge", "P1", "C1")]
    assert ws.decide("merge", "C1", "P1", reason="again").new is False  # the same decision is not stored twice
    ws.decide("keep_apart", "Tyler Blencowe", SQL_ID, reason="different men")
    assert _stored(ws) == [("merge", "P1", "C1"), ("keep_apart", "P3", SQL_ID)]
    resolve_dataset(ws.dataset(), decisions=ws.decisions())  # every stored id is held: resolution accepts them
    # "SURNAME, Forename", case and spacing do not matter; aliases are names too
    assert ws.find("FENWICK,  bailey").record_id == "C1" and ws.find("Jaz").record_id == "P2"


def test_a_name_shared_by_a_child_and_an_adult_lists_both_and_stores_nothing(ws):
    with pytest.raises(RecordLookupError) as exc:
        ws.decide("merge", "Jay Smith", "Tyler Blencowe", reason="x")
    err = exc.value
    assert err.ambiguous and {(c.record_id, c.kind) for c in err.candidates} == {("C2", "child"), ("P2", "person")}
    msg = str(err)
    assert "born 2012-05-05" in msg and "born 1990-04-04 (adult" in msg  # enough to tell them apart
    assert "education links" in msg  # the agencies whose links name the record
    assert _stored(ws) == []
    # by id there is no doubt
    assert ws.decide("keep_apart", "C2", "P2", reason="a boy and a man").new


def test_unknown_names_list_a_search_and_mixed_kinds_are_refused(ws):
    with pytest.raises(RecordLookupError, match="names none") as exc:
        ws.decide("merge", "Tyler", "P3", reason="x")
    assert not exc.value.ambiguous and {c.record_id for c in exc.value.candidates} == {"P3", "P4"}
    with pytest.raises(RecordLookupError, match="names none"):
        ws.decide("merge", "Nobody Atall", "P3", reason="x")
    with pytest.raises(WorkspaceError, match="two places, or two persons"):
        ws.decide("merge", "Chicken Palace", "Tyler Blencowe", reason="x")
    with pytest.raises(WorkspaceError, match="two different records"):
        ws.decide("merge", "P3", "Tyler Blencowe", reason="x")
    with pytest.raises(WorkspaceError, match="reason"):
        ws.decide("merge", "P3", "P4", reason="  ")
    with pytest.raises(WorkspaceError, match="prov-"):
        ws.decide("merge", "prov-p-0000000000", "P3", reason="x")
    assert _stored(ws) == []
    # an RHI mention's id is accepted when the workspace's episodes hold that mention
    from contextmap.resolve.dataset import provisional_id

    assert ws.decide("merge", provisional_id("person", "Big T"), "P3", reason="the RHI's Big T").a.kind == "person"


def test_lookalike_letters_are_never_taken_for_the_name_they_imitate(ws):
    # a person "Kai Мarsh" (Cyrillic М) beside the child "Kai Marsh": the same to the eye
    with pytest.raises(RecordLookupError) as exc:
        ws.find("Kai Marsh")
    assert {c.record_id for c in exc.value.candidates} == {"C6", "P6"}
    assert "CYRILLIC CAPITAL LETTER EM" in str(exc.value)
    with pytest.raises(RecordLookupError):
        ws.find("Kai \u041carsh")  # typed with the Cyrillic letter: still two look-alikes
    # a Cyrillic "е" in Leah: one record looks the same, but it is not its name: refused, listed
    with pytest.raises(RecordLookupError, match="looks the same") as exc:
        ws.decide("merge", "L\u0435ah Pattinson", "C3", reason="x")
    assert [c.record_id for c in exc.value.candidates] == ["C7"] and "CYRILLIC SMALL LETTER IE" in str(exc.value)
    assert _stored(ws) == []


def test_invisible_characters_pasted_with_an_id_or_a_name_are_dropped(ws):
    assert ws.find("P3\u200b").record_id == "P3"
    assert ws.find("\ufeffCorey\u200d Whitmore\u2060").record_id == "C5"
    assert ws.find("c5").record_id == "C5"  # one id in another case
    d = ws.decide("merge", "P3\u200b", "\u202aP4\u202c", reason="pasted from an e-mail")
    assert _stored(ws) == [("merge", "P3", "P4")] and d.new


def test_withdrawn_decisions_are_kept_logged_and_no_longer_applied(ws, tmp_path):
    log = tmp_path / "audit.jsonl"
    first = ws.decide("merge", "P1", "C1", reason="looked right at the time")
    ws.decide("keep_apart", "P3", "P4", reason="two brothers, says the police lead")
    row = ws.withdraw(first.number, reason="different dates of birth", audit_log=log)
    assert row["withdrawn_reason"] == "different dates of birth"
    assert [(d.action, d.a, d.b) for d in ws.decisions().items] == [("keep_apart", "P3", "P4")]
    hist = ws.decision_history()
    assert hist["status"].tolist() == ["withdrawn", "in force"]
    assert hist["a_name"].tolist() == ["Bailey F", "Tyler Blencowe"] and hist["withdrawn_by"].notna().tolist() == [True, False]
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["event"] == "withdraw decision" and (entry["decision"], entry["a"], entry["b"]) == (1, "P1", "C1")
    with pytest.raises(WorkspaceError, match="already withdrawn"):
        ws.withdraw(first.number, reason="again", audit_log=log)
    with pytest.raises(WorkspaceError, match="decision number"):
        ws.withdraw("decision-99", reason="x", audit_log=log)
    assert ws.status()["decisions"] == 1 and ws.status()["decisions_withdrawn"] == 1
    # exported: the one in force as a line, the withdrawn one as a comment; re-importing an old
    # file does not bring the withdrawn decision back
    text = record.decisions_text(ws.engine)
    assert "keep apart P3 P4" in text and "# merge P1 C1: withdrawn" in text and "\nmerge P1 C1" not in text
    assert record.import_decisions(ws.engine, "merge P1 C1\nkeep apart P3 P4\n") == record.DecisionsImported(0, 1, 1)
    # made again on purpose, it is a new decision
    again = ws.decide("merge", "P1", "C1", reason="confirmed after all")
    assert again.new and again.number == 3 and len(ws.decisions()) == 2


def test_a_decisions_file_is_checked_whole_before_anything_is_stored(ws):
    text = "merge P3 P4\nmerge P3 NOPE\nkeep apart L1 P3\nmerge \"P9'); DROP TABLE decisions;--\" P2\n"
    with pytest.raises(WorkspaceError) as exc:
        record.import_decisions(ws.engine, text, source="dec.txt")
    msg = str(exc.value)
    assert "dec.txt line 2: 'NOPE'" in msg and "dec.txt line 3" in msg and "nothing was imported" in msg
    assert _stored(ws) == []
    assert record.import_decisions(ws.engine, "merge P3 P4\n" + text.splitlines()[3] + "\n").added == 2
    with pytest.raises(DecisionsError, match="contradict"):
        ws.decide("keep_apart", "P4", "P3", reason="contradicts the merge")


def test_erasing_a_child_removes_the_decisions_that_name_them(ws, tmp_path):
    ws.decide("merge", "P1", "C1", reason="x")
    ws.open_case(kind="person", subject="P1", title="Older male and a boy")
    removed = ws.erase(child="C1", audit_log=tmp_path / "a.jsonl").removed
    assert removed["decisions"] == 1 and _stored(ws) == []
    resolve_dataset(ws.dataset(), decisions=ws.decisions())  # nothing left that names the erased child



def test_purging_records_removes_the_decisions_that_name_them(ws, tmp_path):
    ws.decide("merge", "P3", "P4", reason="same man")
    ws.decide("keep_apart", "P1", "P2", reason="different men")
    ws.open_case(kind="person", subject="P1", title="kept: a case's subject", resolve=False)
    removed = ws.purge(older_than="1d", as_of="2030-01-01", audit_log=tmp_path / "a.jsonl")
    left = ws.dataset()
    assert set(left.persons["person_id"]) == {"P1"}  # the case's subject is kept, the rest are past retention
    assert removed["decisions"] == 2 and _stored(ws) == []
    resolve_dataset(left, decisions=ws.decisions())

# --- cases ----------------------------------------------------------------------------------


def test_a_person_case_by_name_brings_merged_records_and_their_children(ws):
    case = ws.open_case(kind="person", subject="Tyler Blencowe", title="Grooming concerns")
    row = ws.cases().set_index("case").loc[case]
    assert row["subject_id"] == "P3" and row["subject_name"] == "Tyler Blencowe"
    assert row["subject_records"] == ["P3", "P4"]  # resolution merged "Tyler Belncow" (same date of birth)
    assert row["children"] == ["C3", "C5"] and row["child_names"] == ["Ada Quill", "Corey Whitmore"]
    why = ws.case_children(case).set_index("child_id")["reason"]
    assert why["C3"] == "seen with link (via P4)"  # linked only through the merged record
    assert "associate link" in why["C5"] and "named in a return home interview as 'Big T'" in why["C5"]
    # without resolution only the subject's own links count, unless a decision merges records
    plain = ws.open_case(kind="person", subject="P3", title="x", resolve=False)
    assert ws.cases().set_index("case").loc[plain, "children"] == ["C5"]
    ws.decide("merge", "P3", "P4", reason="same man")
    decided = ws.open_case(kind="person", subject="P3", title="x", resolve=False)
    assert ws.cases().set_index("case").loc[decided, "subject_records"] == ["P3", "P4"]
    assert ws.cases().set_index("case").loc[decided, "children"] == ["C3", "C5"]


def test_a_location_case_by_name_and_a_search_when_the_name_is_not_unique(ws):
    case = ws.open_case(kind="location", subject="sallow park", title="Gatherings after school")
    kids = ws.case_children(case).set_index("child_id")
    assert kids["reason"].to_dict() == {"C3": "episode found there", "C6": "frequents link", "C7": "episode found there"}
    with pytest.raises(RecordLookupError, match="names none") as exc:
        ws.open_case(kind="location", subject="Chicken", title="x")
    assert [c.record_id for c in exc.value.candidates] == ["L1", "L2"]
    assert "food_outlet, CA1 1AA" in str(exc.value)
    with pytest.raises(RecordLookupError):  # a person's name is not a location
        ws.open_case(kind="location", subject="Tyler Blencowe", title="x")
    assert len(ws.cases()) == 1


def test_a_group_case_never_links_no_children_silently(ws):
    with pytest.raises(WorkspaceError, match="Expected a group case to link children"):
        ws.open_case(kind="group", subject="Northside group", title="x")
    with pytest.raises(WorkspaceError, match="'Ada Quil'.*\n(.*\n)*.*'P2'") as exc:  # every problem at once
        ws.open_case(kind="group", subject="Northside group", title="x", children=["Ada Quil", "P2"])
    assert "C3  child  'Ada Quill'" in str(exc.value)  # the search found her
    assert len(ws.cases()) == 0
    # --child looks among children only: the adult Jay Smith is not a candidate
    case = ws.open_case(kind="group", subject="Northside group", title="x", children=["Ada Quill", "C5", "Jay Smith"])
    row = ws.cases().set_index("case").loc[case]
    assert row["children"] == ["C2", "C3", "C5"] and row["child_names"] == ["Jay Smith", "Ada Quill", "Corey Whitmore"]


def test_a_group_case_takes_a_peer_group_as_the_analysis_found_it(ws):
    from types import SimpleNamespace

    groups = pd.DataFrame({"children": [["C3", "C7", "C6"], ["C5", "C1"]]}, index=pd.Index(["PG1", "PG2"], name="group_id"))
    an = SimpleNamespace(peer_groups=SimpleNamespace(groups=groups), seed=4,
                         period=(pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-30")))
    case = ws.open_group_case(an, "pg2", title="Boys seen with older males")
    row = ws.cases().set_index("case").loc[case]
    assert row["subject_id"] == "PG2" and row["children"] == ["C1", "C5"]
    assert row["basis"] == "peer group PG2 of the analysis of 2025-10-01 to 2026-09-30 (seed 4)"
    assert set(ws.case_children(case)["reason"]) == {"in peer group PG2"}
    by_child = ws.open_group_case(an, "Leah Pattinson\u200b", title="x")  # a child of the group, by name
    assert ws.cases().set_index("case").loc[by_child, "subject_id"] == "PG1"
    with pytest.raises(WorkspaceError, match="PG1: 3 children") as exc:
        ws.open_group_case(an, "PG7", title="x")
    assert "Ada Quill" in str(exc.value)
    with pytest.raises(WorkspaceError, match="in no peer group"):
        ws.open_group_case(an, "C2", title="x")
    stranger = SimpleNamespace(peer_groups=SimpleNamespace(groups=pd.DataFrame({"children": [["C1", "X9"]]}, index=["PG1"])),
                               seed=0, period=an.period)
    with pytest.raises(WorkspaceError, match="X9"):
        ws.open_group_case(stranger, "PG1", title="x")
    assert len(ws.cases()) == 2


def test_a_case_can_be_backdated_and_dates_read_day_first(ws):
    case = ws.open_case(kind="location", subject="L3", title="x", opened="02/09/2026")
    row = ws.cases().set_index("case").loc[case]
    assert row["opened_at"] == pd.Timestamp("2026-09-02") and row["recorded_at"].date() == date.today()
    for bad in ("09/23/2026", "yesterday", "2026-13-01"):  # month-first, words, no such month
        with pytest.raises(ValueError, match="Expected opened to be a date"):
            ws.open_case(kind="location", subject="L3", title="x", opened=bad)
    with pytest.raises(WorkspaceError, match="future"):
        ws.open_case(kind="location", subject="L3", title="x", opened="2099-01-01")
    act = ws.add_action(case, owner="police", due="01/12/2026", text="Visit")
    assert record.actions_frame(ws.engine)["due"].tolist() == [date(2026, 12, 1)]  # 1 December, never 12 January
    assert act == "action-1"


def test_an_older_workspace_gains_withdrawals_and_case_records_when_opened(ws_url, tmp_path):  # noqa: F811
    from alembic import command

    loc = db.parse_location(ws_url)
    engine = db.create_engine_for(loc, create=True)
    with engine.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0002")
        conn.execute(db.workspace_info.insert(), [{"name": "workspace_id", "value": "old"},
                                                  {"name": "revision", "value": "0"}])
        conn.execute(sa.text("INSERT INTO cases (kind, subject_id, title, status, opened_at, opened_by) "
                             "VALUES ('person', 'P3', 'old case', 'open', '2026-01-05 00:00:00', 'someone')"))
        conn.execute(sa.text("INSERT INTO decisions (action, a, b, reason, decided_by, decided_at) "
                             "VALUES ('merge', 'P3', 'P4', 'old', 'someone', '2026-01-05 00:00:00')"))
    engine.dispose()
    with open_workspace(ws_url) as w:
        assert db.current_revision(w.engine) == db.head_revision()
        frame = w.cases()
        assert frame["subject_records"].tolist() == [["P3"]] and frame["basis"].isna().all()
        assert [(d.a, d.b) for d in w.decisions().items] == [("P3", "P4")]
        w.withdraw(1, reason="old mistake", audit_log=tmp_path / "audit.jsonl")
        assert len(w.decisions()) == 0 and w.decision_history()["status"].tolist() == ["withdrawn"]


def test_names_that_try_to_rearrange_the_terminal_are_shown_escaped(ws, tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "children.csv").write_text("child_id,name,ce_risk\nC50,\"Eve\u202eNaed\u0007\",high\n", encoding="utf-8")
    (evil / "episodes.csv").write_text("episode_id,child_id,reported_at\n", encoding="utf-8")
    ws.import_source(evil, as_of="2026-10-01")
    ws.open_case(kind="group", subject="Label", title="Title \u202eevil", children=["C50"])
    where = str(ws.location.path) if ws.location.path else ws.location.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(app, ["case", "list", "--workspace", where]).output
    assert "\u202e" not in out and "\x07" not in out and "Eve\\u202eNaed\\u0007 (C50)" in out

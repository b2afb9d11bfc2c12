"""Erasure that erases, tombstones, and imports that land whole or not at all (issue 23), on
SQLite and on PostgreSQL.

The erased child is named in every place a team writes: another child's return home
interview (surname first, in capitals), a link's summary, a case title, an action's text,
owner and outcome, a decision's reason, a quarantined row; a police nominal holds the same
child. After erasure every text column of every table (every version) is read back with the
test's own folding and must not hold the child's name, alias or id.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap import InputReadError
from contextmap._errors import WorkspaceError
from contextmap.workspace import db, init_workspace, store

KID, NAME, ALIAS = "CZQ01", "Zelda Quarrington", "Zed Q"
FILES = {
    "children.csv": f"""child_id,name,date_of_birth,gender,ce_risk
{KID},{NAME},2011-03-02,female,high
C2,Jay Smith,2012-05-05,male,medium
C3,Ada Quill,2013-07-01,female,low
,"QUARRINGTON, Zelda",2011-03-02,female,high
""",
    "persons.csv": f"""person_id,name,aliases,date_of_birth,gender
PZQ,{NAME},,2011-03-02,female
P2,Tyler Blencowe,Big T,2002-08-09,male
P3,Corey Hallam,,1999-01-01,male
""",
    "locations.csv": """location_id,name,category,latitude,longitude
L1,Chicken Palace,food_outlet,54.89,-2.93
L2,Sallow Park,park,54.88,-2.91
""",
    "episodes.csv": f"""episode_id,child_id,reported_at,returned_at,found_location_id,people_mentioned
EZQ1,{KID},2026-09-01 20:00,2026-09-02 10:00,L1,Big T
E2,C2,2026-09-05 20:00,2026-09-06 10:00,L2,"QUARRINGTON, Zelda; Big T"
E3,C3,2026-09-06 20:00,2026-09-07 10:00,L2,{ALIAS}
""",
    "links.csv": f"""link_id,source_id,target_id,relation,observed_on,source_type,grading,summary
K1,P2,{KID},associate,2026-09-03,police,1B P,seen with {NAME} at the park
K2,C2,C3,friend,2026-09-07,rhi,,met at {NAME}'s flat
K3,PZQ,C2,associate,2026-09-08,police,2B P,
K4,{KID},P3,associate,not a date,police,,
K5,P3,L1,frequents,2026-09-09,police,2B P,
""",
}


def _write(d: Path, files: dict[str, str]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def reader(text: str) -> str:
    """The test's own folding: no case, no accents, one space for anything not a letter or digit."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in "'\u2019")
    return " " + re.sub(r"[\W_]+", " ", text.lower()).strip() + " "


FORBIDDEN = [" zelda quarrington ", " quarrington zelda ", " zed q ", " zeldaquarrington ", " czq01 ", " pzq ",
             " ezq1 "]


def _texts(engine: sa.Engine) -> list[tuple[str, str, str]]:
    """Every text value of every table (every version): (table, column, value)."""
    out = []
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for col in table.c:
                if isinstance(col.type, sa.Text) and col.name not in ("row_hash", "hash"):
                    out += [(table.name, col.name, v) for v in conn.execute(sa.select(col)).scalars() if v]
    return out


def _leaks(engine: sa.Engine) -> list[tuple[str, str, str]]:
    return [(t, c, v) for t, c, v in _texts(engine) if any(f in reader(v) for f in FORBIDDEN)]


def _digest(engine: sa.Engine) -> dict[str, tuple[int, str]]:
    """Rows and a content hash of every table (the workspace as it is)."""
    out = {}
    with engine.connect() as conn:
        for table in [*db.metadata.sorted_tables]:
            rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)).all())
            out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


@pytest.fixture
def team(ws_url, tmp_path):  # noqa: F811
    """A workspace holding the export, with the team's own records naming the child."""
    data = _write(tmp_path / "data", FILES)
    ws = init_workspace(ws_url)
    ws.import_source(data, as_of="2026-10-01")
    ws.decide("merge", "PZQ", KID, reason="police nominal of the same girl")
    ws.decide("keep_apart", "P2", "P3", reason=f"not the man {NAME} named")
    case = ws.open_case(kind="person", subject="P2", title=f"Big T and {NAME}")
    action = ws.add_action(case, owner=f"{NAME}'s social worker", due="2026-12-01", text=f"Visit {KID} at home")
    ws.update_action(action, status="done", outcome=f"{NAME.upper()} seen, safe")
    yield ws, data, tmp_path / "audit.jsonl"
    ws.close()


def test_erasure_leaves_no_trace_of_the_child_in_any_text(team):
    ws, _, log = team
    assert _leaks(ws.engine)  # the name was everywhere before
    done = ws.erase(child=KID, aliases=[ALIAS], audit_log=log)
    assert _leaks(ws.engine) == []
    assert done.removed["children"] == 1 and done.removed["persons"] == 1  # the police nominal too
    assert done.removed["episodes"] == 1 and done.removed["decisions"] == 1
    assert done.removed["quarantined_rows"] == 2  # the child's row and the link naming them
    assert done.redacted["episodes"] == 2 and done.redacted["actions"] == 1 and done.redacted["cases"] == 1
    assert done.vacuum in ("vacuumed", "vacuum full")  # SQLite's file, PostgreSQL's tables rewritten
    ds = ws.dataset()
    mentioned = dict(zip(ds.episodes["episode_id"], ds.episodes["people_mentioned"], strict=True))
    assert mentioned == {"E2": "[erased]; Big T", "E3": "[erased]"}
    assert ws.cases()["title"].tolist() == ["Big T and [erased]"]
    assert ws.decision_history()["reason"].tolist() == ["not the man [erased] named"]


def test_the_audit_entry_names_the_child_by_a_keyed_pseudonym_the_chair_can_check(team):
    ws, _, log = team
    done = ws.erase(child=KID, audit_log=log)
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["event"] == "erase" and entry["child"] == done.pseudonym
    assert KID not in json.dumps(entry) and "quarrington" not in json.dumps(entry).lower()
    assert [e["pseudonym"] for e in ws.erased(KID)] == [done.pseudonym]  # the chair's check
    assert ws.erased("C2") == []


def test_an_erasure_that_cannot_be_logged_erases_nothing(team, monkeypatch):
    from contextmap.privacy import audit

    ws, _, log = team
    before = _digest(ws.engine)

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(audit, "append_audit", full_disk)
    with pytest.raises(OSError, match="No space"):
        ws.erase(child=KID, audit_log=log)
    assert _digest(ws.engine) == before


def test_a_second_erasure_of_the_same_child_says_when_the_first_was(team):
    ws, _, log = team
    done = ws.erase(child=KID, audit_log=log)
    with pytest.raises(WorkspaceError, match=f"erased on .* as {done.pseudonym}"):
        ws.erase(child=KID, audit_log=log)


def test_reimporting_the_same_export_holds_the_child_back_and_accounts_for_every_row(team):
    ws, data, log = team
    ws.erase(child=KID, aliases=[ALIAS], audit_log=log)
    r = ws.import_source(data, as_of="2026-10-01")
    for name, c in r.counts.items():
        assert c["read"] == c["accepted"] + c["quarantined"] + c["held"] + c["duplicates"], name
    assert {n: c["held"] for n, c in r.counts.items()} == {
        "children": 2, "persons": 1, "locations": 0, "episodes": 1, "links": 3}
    assert r.held == 7
    ds = ws.dataset()
    assert KID not in set(ds.children["child_id"]) and "PZQ" not in set(ds.persons["person_id"])
    assert {KID, "PZQ"}.isdisjoint(set(ds.links["source_id"]) | set(ds.links["target_id"]))
    assert _leaks(ws.engine) == []  # nothing of the held rows stored, not even in the problem list
    w = r.dataset.report.warnings
    held = w[w["reason"].str.contains("erased from this workspace")]
    assert len(held) == 5 and held["value"].isna().all()  # accepted rows held: one warning each, no value
    assert set(held["file"]) == {"children.csv", "persons.csv", "episodes.csv", "links.csv"}
    again = ws.import_source(data, as_of="2026-10-01")  # and every month after
    assert again.totals()["new"] == 0 and again.held == 7


def test_a_namesake_keeps_their_name_and_the_mentions_that_may_be_theirs(ws_url, tmp_path):  # noqa: F811
    files = {
        "children.csv": "child_id,name,date_of_birth\nC1,Ada Quill,2011-01-01\nC2,Ada Quill,2013-05-05\nC3,Bo Hart,2012-02-02\n",
        "episodes.csv": "episode_id,child_id,reported_at,people_mentioned\nE1,C3,2026-09-01 10:00,Ada Quill\n",
    }
    data = _write(tmp_path / "data", files)
    with init_workspace(ws_url) as ws:
        ws.import_source(data, as_of="2026-10-01")
        done = ws.erase(child="C1", audit_log=tmp_path / "a.jsonl")
        assert done.shared_names == 1
        ds = ws.dataset()
        assert ds.children["name"].tolist() == ["Ada Quill", "Bo Hart"]
        assert ds.episodes["people_mentioned"].tolist() == ["Ada Quill"]  # it may be C2
        r = ws.import_source(data, as_of="2026-10-01")
        assert r.counts["children"]["held"] == 1  # C1 only: C2 has another date of birth
        assert ws.dataset().episodes["people_mentioned"].tolist() == ["Ada Quill"]


def test_erased_bytes_leave_the_sqlite_file(tmp_path):
    data = _write(tmp_path / "data", FILES)
    path = tmp_path / "team.cmw"
    with init_workspace(path) as ws:
        ws.import_source(data, as_of="2026-10-01")
        case = ws.open_case(kind="person", subject="P2", title=f"Big T and {NAME}")
        ws.add_action(case, owner="police", due="2026-12-01", text=f"Visit {NAME} ({KID})")

    def files() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("team.cmw*"))

    assert b"quarrington" in files().lower() and KID.encode() in files()
    with init_workspace(path) as ws:
        ws.erase(child=KID, aliases=[ALIAS], audit_log=tmp_path / "a.jsonl")
    left = files()
    assert sorted(p.name for p in tmp_path.glob("team.cmw*")) in (["team.cmw"], ["team.cmw", "team.cmw-shm",
                                                                                 "team.cmw-wal"])
    for needle in (b"quarrington", b"zed q", KID.lower().encode(), b"pzq", b"ezq1"):
        assert needle not in left.lower(), needle


def test_a_corrupt_file_lands_nothing(team, tmp_path):
    ws, data, _ = team
    before = _digest(ws.engine)
    month = _write(tmp_path / "november", FILES)
    text = (month / "links.csv").read_text()
    (month / "links.csv").write_text(text[: len(text) // 2 + 7])  # cut short in the middle of a row
    with pytest.raises(InputReadError, match=r"links\.csv.*cut short"):
        ws.import_source(month, as_of="2026-10-01")
    assert _digest(ws.engine) == before


def test_an_import_that_fails_half_way_lands_nothing(team, tmp_path, monkeypatch):
    ws, _, _ = team
    before = _digest(ws.engine)
    month = _write(tmp_path / "november", {**FILES, "episodes.csv": FILES["episodes.csv"] + (
        "E4,C3,2026-10-06 20:00,2026-10-07 10:00,L2,\n")})

    def broken(*a, **k):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(store, "_store_report", broken)  # after every table was written
    with pytest.raises(sa.exc.OperationalError):
        ws.import_source(month, as_of="2026-10-01")
    assert _digest(ws.engine) == before


def test_a_retention_period_past_the_calendar_is_an_error(team):
    ws, _, log = team
    with pytest.raises(WorkspaceError, match="Expected a retention period"):
        ws.purge(older_than="99999y", audit_log=log)

"""Several packs for one meeting, built from a workspace on SQLite and PostgreSQL: the internal
pack, the partner and police packs and a rebuild for the same period all compare with the
meeting before (states, the since-the-last-meeting lists, the actions' "at last meeting" and
the breaches since), exactly as the internal pack does; the next period's pack compares with
this meeting, with the action statuses taken when its first pack was built.

The rules: contextmap.workspace.meetings (tests/test_meetings.py)."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter
from datetime import datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from test_workspace import PG_ENV

from contextmap.pack.build import build_pack
from contextmap.sample import generate_sample
from contextmap.workspace import db, init_workspace
from contextmap.workspace.meetings import meetings_frame

pytestmark = pytest.mark.slow

P1 = ("2026-05-01", "2026-08-31")  # September's meeting, held on 2 September
P2 = ("2026-06-01", "2026-10-31")  # November's: four packs
P3 = ("2026-07-01", "2026-11-30")  # December's


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def packs(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"meetings-{request.param}")
    if request.param == "sqlite":
        url, drop = str(root / "team.cmw"), None
    else:
        server = os.environ.get(PG_ENV)
        if not server:
            if os.environ.get("CI"):
                pytest.fail(f"{PG_ENV} is not set: `make test` starts PostgreSQL through .ci/with-postgres")
            pytest.skip(f"{PG_ENV} not set (run the tests through .ci/with-postgres or make test)")
        admin = sa.create_engine(db.parse_location(server).url, isolation_level="AUTOCOMMIT")
        name = f"cm_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    export = root / "export"
    generate_sample(children=20, seed=3, months=8, end="2026-11-30").write(export)
    ws = init_workspace(url)
    ws.import_source(export)
    with ws.engine.begin() as conn:
        conn.execute(sa.update(db.imports).values(imported_at=datetime(2026, 8, 1, 9)))
    ds = ws.dataset()
    loc = str(ds.episodes["found_location_id"].dropna().value_counts().index[0])
    kids = sorted(ds.children["child_id"].astype(str))
    case = ws.open_case(kind="location", subject=loc, title="Flat over the shops")
    a1 = ws.add_action(case, owner="police", due="2026-10-15", text="Visit the landlord")
    tactic = ws.add_tactic(case, kind="closure order", issued="2026-11-20", owner="police", text="Closure order").number
    out = {"first": build_pack(None, workspace=ws, out=root / "sep", pdf=False, start=P1[0], end=P1[1])}
    with ws.engine.begin() as conn:
        conn.execute(sa.update(db.meetings).values(held_at=datetime(2026, 9, 2, 10)))

    # between the meetings: a man never seen before (linked in October), a child's risk raised,
    # the visit done, a new action and a breach recorded
    child = kids[1]
    ch = pd.read_csv(export / "children.csv", dtype=str, keep_default_na=False)
    before = ch.loc[ch["child_id"] == child, "ce_risk"].iloc[0]
    ch.loc[ch["child_id"] == child, "ce_risk"] = "high" if before != "high" else "low"
    ch.to_csv(export / "children.csv", index=False)
    for file, row in (("persons.csv", {"person_id": "PLATE1", "name": "Orrin Vexley"}),
                      ("links.csv", {"link_id": "KLATE1", "source_id": "PLATE1", "target_id": child,
                                     "relation": "associate", "source_type": "police", "grading": "1B P",
                                     "observed_on": "2026-10-10"})):
        df = pd.read_csv(export / file, dtype=str, keep_default_na=False)
        pd.concat([df, pd.DataFrame([row])], ignore_index=True).fillna("").to_csv(export / file, index=False)
    ws.import_source(export)
    ws.update_action(a1, status="done", outcome="landlord seen")
    a2 = ws.add_action(case, owner="council", due="2026-12-20", text="Licensing review")
    b1 = ws.add_breach(tactic, on="2026-11-25", text="Door forced open")
    with ws.engine.begin() as conn:  # entered on 10 September, after the meeting
        conn.execute(sa.update(db.tactic_breaches).values(recorded_at=datetime(2026, 9, 10, 12)))

    for aud in ("internal", "partner", "police"):
        out[aud] = build_pack(None, workspace=ws, out=root / f"nov-{aud}", pdf=False, audience=aud,
                              start=P2[0], end=P2[1])
    # a fix after the internal pack went out: the licensing review done, another breach entered; rebuilt
    ws.update_action(a2, status="done", outcome="licence suspended")
    b2 = ws.add_breach(tactic, on="2026-11-28", text="Seen going in")
    out["rebuild"] = build_pack(None, workspace=ws, out=root / "nov-rebuild", pdf=False, start=P2[0], end=P2[1])
    status = ws.status()
    out["next"] = build_pack(None, workspace=ws, out=root / "dec", pdf=False, start=P3[0], end=P3[1])
    yield {**out, "a1": a1, "a2": a2, "b1": b1, "b2": b2, "child": child, "before": before, "status": status,
           "ws": ws}
    ws.close()
    if drop is not None:
        drop()


NOVEMBER = ("internal", "partner", "police", "rebuild")


def _states(r):
    st = r.meeting.states
    return {k: {i: (v["state"], v["reason"]) for i, v in getattr(st, k).items()} for k in ("places", "persons", "children")}


def _action_cells(r, action):
    row = re.search(rf"<tr><td>{action}</td>.*?</tr>", r.html.read_text(encoding="utf-8"), re.S)
    return None if row is None else re.findall(r"<td>(.*?)</td>", row.group(0), re.S)


def test_every_pack_of_the_meeting_compares_with_the_meeting_before(packs):
    last = {k: packs[k].summary["last_meeting"] for k in NOVEMBER}
    assert all(v == last["internal"] for v in last.values())
    assert last["internal"]["source"] == "workspace" and last["internal"]["since"] == "2026-08-31"
    assert "recorded on 2026-09-02 (period 2026-05-01 to 2026-08-31)" in last["internal"]["compared_with"]
    assert [packs[k].recorded["packs"] for k in NOVEMBER] == [1, 2, 3, 4]  # one meeting, four packs
    assert packs["rebuild"].recorded["audiences"] == ["internal", "partner", "police"]
    assert packs["first"].recorded["meeting_id"] != packs["internal"].recorded["meeting_id"]
    html = packs["partner"].html.read_text(encoding="utf-8")
    assert "Last meeting: the period 2026-05-01 to 2026-08-31, its first pack built 2026-09-02 (1 pack built for it)" in html


def test_the_states_are_those_of_the_meeting_before_in_every_pack(packs):
    internal = _states(packs["internal"])
    assert internal["persons"]["PLATE1"][0] == "new"  # linked in October, imported after September's meeting
    raised = "escalating" if packs["before"] != "high" else "falling"
    assert internal["children"][packs["child"]][0] == raised
    assert _states(packs["police"]) == internal  # the same records, another audience: the same words
    assert _states(packs["rebuild"]) == internal
    # the partner sees pseudonyms and less intelligence; still the same comparison, not an empty one
    words = {k: Counter(s for s, _ in v.values()) for k, v in internal.items()}
    partner = {k: Counter(s for s, _ in v.values()) for k, v in _states(packs["partner"]).items()}
    assert partner["persons"]["new"] >= 1 and partner["children"][raised] >= 1
    assert partner["children"] == words["children"]


def test_the_since_the_last_meeting_lists_are_the_same(packs):
    def by_state(r):  # page 2's table: children, persons of concern and places by state
        html = r.html.read_text(encoding="utf-8").split('<section class="page" id="since">', 1)[1]
        table = html.split('<table class="compact states">', 1)[1].split("</table>", 1)[0]
        return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]

    internal = by_state(packs["internal"])
    assert internal[2][:2] == ["Persons of concern", "1"]  # the new man
    assert by_state(packs["police"]) == by_state(packs["rebuild"]) == internal
    # children: the partner's counts are the same, those under 5 shown as '<5'
    assert by_state(packs["partner"])[1] == [c if not c.isdigit() or not 0 < int(c) < 5 else "&lt;5" for c in internal[1]]
    agenda = {k: {b: packs[k].summary["agenda"][b] for b in ("children", "persons_of_concern", "places")}
              for k in ("internal", "police", "rebuild")}
    assert agenda["police"] == agenda["internal"] == agenda["rebuild"]
    assert any(p["why"] for p in agenda["internal"]["persons_of_concern"])


def test_actions_at_the_last_meeting_are_as_it_left_them_in_every_pack(packs):
    a1, a2 = packs["a1"], packs["a2"]
    for k in NOVEMBER:
        assert _action_cells(packs[k], a1)[5:7] == ["open", "done"], k  # open at September's meeting, done now
        assert _action_cells(packs[k], a2)[5] == "added since", k
    assert _action_cells(packs["internal"], a2)[6] == "open" and _action_cells(packs["rebuild"], a2)[6] == "done"


def test_breaches_are_those_since_the_meeting_before_in_every_pack(packs):
    b1, b2 = packs["b1"], packs["b2"]
    listed = {k: [b["breach"] for b in packs[k].summary["agenda"]["breaches"]] for k in NOVEMBER}
    assert listed["internal"] == listed["police"] == listed["partner"] == [b1]
    assert listed["rebuild"] == [b2, b1]  # entered after the internal pack: listed, and so is the first


def test_the_next_period_compares_with_this_meeting(packs):
    nxt = packs["next"]
    last = nxt.summary["last_meeting"]
    assert last["since"] == "2026-10-31" and "(period 2026-06-01 to 2026-10-31)" in last["compared_with"]
    nov = meetings_frame(packs["ws"].engine).iloc[1]
    assert nov["period_end"].isoformat() == "2026-10-31" and nov["audiences"] == ["internal", "partner", "police"]
    assert nov["held_at"] < nov["last_built_at"]  # held when its first pack was built, not its last
    assert f"recorded on {nov['held_at']:%Y-%m-%d}" in last["compared_with"]
    assert _action_cells(nxt, packs["a1"]) is None  # done at November's meeting: not carried on
    # open when November's first pack was built; the rebuild did not rewrite what the meeting saw
    assert _action_cells(nxt, packs["a2"])[5:7] == ["open", "done"]
    assert [b["breach"] for b in nxt.summary["agenda"]["breaches"]] == [packs["b2"]]
    states = _states(nxt)
    assert states["persons"]["PLATE1"][0] != "new"  # November's meeting saw him
    assert "(4 packs built for it)" in nxt.html.read_text(encoding="utf-8")


def test_workspace_status_counts_meetings_not_packs(packs):
    st = packs["status"]
    assert (st["meetings"], st["packs"]) == (2, 5)
    assert st["last_meeting"]["period"] == list(P2)
    assert st["last_meeting"]["audiences"] == ["internal", "partner", "police"]
    assert st["last_meeting"]["packs"] == 4
    assert packs["ws"].status()["meetings"] == 3

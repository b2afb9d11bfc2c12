"""The disruption blocks of the pack's page 1 (contextmap.pack.disruption_agenda), in a pack built
from a workspace on SQLite and PostgreSQL: a tactic expiring within 28 days, one past its expiry
with no decision, a breach recorded a minute before the pack (and one from before the last
meeting, not listed), a problem profile due; each as the audience may see it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from _disruption_data import CHILD_NAME, ISSUED, PERSON_NAME, write_export
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap.pack.build import build_pack
from contextmap.pack.disruption_agenda import days_words, relabel
from contextmap.workspace import db, init_workspace
from contextmap.workspace.record import record_meeting

pytestmark = pytest.mark.slow

def _day(days: int) -> str:
    """A day relative to today, taken when it is asked for (the pack reads the clock when it is
    built: a date taken when the module was collected is yesterday's in a run crossing midnight)."""
    return (pd.Timestamp.now().normalize() + timedelta(days=days)).date().isoformat()


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("dis-agenda") / "export")


@pytest.fixture
def register(ws_url, export, tmp_path):  # noqa: F811
    ws = init_workspace(ws_url)
    ws.import_source(export, as_of="2026-09-01")
    flat = ws.open_case(kind="location", subject="L1", title="Flat")
    rex = ws.open_case(kind="person", subject="P1", title="Rex")
    # a closure order issued 80 days ago lapses within 28 days (3 months in law)
    closing = ws.add_tactic(flat, kind="closure order", issued=_day(-80), owner="police",
                            text=f"Closure order: {CHILD_NAME} found there twice").number
    # a warning whose stated end passed 3 days ago, nothing decided since
    lapsed = ws.add_tactic(rex, kind="community protection warning", issued=_day(-60), expires=_day(-3),
                           owner="council", text="Warned about the flat").number
    ws.add_tactic(rex, kind="sexual risk order", issued=_day(-30), owner="police", text="Two years")  # not due
    # the closure order of July lapsed in October, nothing decided: past expiry, and in the records' time
    july = ws.add_tactic(flat, kind="closure order", issued=ISSUED, owner="police", text="The first order").number
    hotel = ws.add_tactic(flat, kind="hotel information request", issued=_day(-178), owner="police",
                          text="Hotel on Mill Road").number  # handling C: expiring, for the internal audience only
    # the last meeting was yesterday: a breach recorded the day before is not news, one recorded now is
    # (its period ends before the pack's, which ends with the records on 29 August: the meeting before)
    record_meeting(ws.engine, period=("2026-05-01", "2026-07-31"), audience="internal", audit_entry=None)
    with ws.engine.begin() as conn:
        conn.execute(sa.update(db.meetings).values(held_at=(pd.Timestamp.now() - timedelta(days=1)).to_pydatetime()))
    old = ws.add_breach(closing, on=_day(-3), text="Seen going in")
    with ws.engine.begin() as conn:
        conn.execute(sa.update(db.tactic_breaches).where(db.tactic_breaches.c.breach_id == int(old.split("-")[1]))
                     .values(recorded_at=(pd.Timestamp.now() - timedelta(days=2)).to_pydatetime()))
    new = ws.add_breach(lapsed, on=_day(0), text=f"{PERSON_NAME} seen with {CHILD_NAME} at the flat")
    ws.adopt_profile("L1")  # never produced: due
    yield ws, tmp_path, {"closing": closing, "lapsed": lapsed, "hotel": hotel, "july": july, "old": old, "new": new}
    ws.close()


def _page1(html: str) -> str:
    return html.split('<section class="page" id="since">', 1)[0]


def test_page_one_lists_what_is_expiring_breached_and_due_as_each_audience_may_see(register):
    ws, tmp, ids = register
    r = build_pack(None, workspace=ws, out=tmp / "internal", pdf=False, audit_log=tmp / "audit.jsonl")
    one = _page1(r.html.read_text(encoding="utf-8"))
    tactics = one.split('id="agenda-tactics"', 1)[1].split("</div>", 1)[0]
    # past expiry first, then expiring soonest first; the two-year order is not listed
    assert tactics.index(f"tactic-{ids['july']}") < tactics.index(f"tactic-{ids['lapsed']}") \
        < tactics.index(f"tactic-{ids['hotel']}") < tactics.index(f"tactic-{ids['closing']}")
    assert "past its expiry on" in tactics and "3 days ago" in tactics and "with no decision recorded" in tactics
    assert f"Closure order against Flat 2, 9 Harrow Lane</strong> (tactic-{ids['closing']}, case-1): expires" in tactics
    assert f"against {PERSON_NAME}" in tactics and "Sexual Risk Order" not in tactics
    breaches = one.split('id="agenda-breaches"', 1)[1].split("</div>", 1)[0]
    assert ids["new"] in breaches and ids["old"] not in breaches  # recorded a minute ago; not the one before
    assert f"{PERSON_NAME} seen with {CHILD_NAME} at the flat" in breaches  # internal: the team's words
    profiles = one.split('id="agenda-profiles"', 1)[1].split("</div>", 1)[0]
    assert "profile-1" in profiles and "never produced" in profiles
    ag = r.summary["agenda"]
    assert [t["tactic"] for t in ag["tactics"]] == [f"tactic-{ids[k]}" for k in ("july", "lapsed", "hotel", "closing")]
    assert [b["breach"] for b in ag["breaches"]] == [ids["new"]] and ag["profiles_due"][0]["profile"] == "profile-1"
    annex = (r.out / "annex.html").read_text(encoding="utf-8")
    assert "Breaches since the last meeting (1)" in annex and "Problem profiles due for a refresh (1)" in annex
    # what changed after each tactic listed, with the caveat: the records end on 29 August, so
    # July's order is compared over 60 days each side; the others are after the records' end
    tactic_table = annex.split("Disruption tactics past expiry or expiring (4)", 1)[1].split("</table>", 1)[0]
    changed = {re.search(r"tactic-\d+", row).group(0): row.rsplit("<td>", 1)[1]
               for row in re.findall(r"<tr><td>(.*?)</td></tr>", tactic_table, re.S)}
    for k in ("closing", "lapsed"):
        assert changed[f"tactic-{ids[k]}"].startswith("not compared: too recent to compare")
    assert changed[f"tactic-{ids['july']}"].startswith(
        "59 days before (2026-05-03 to 2026-06-30) and after (2026-07-01 to 2026-08-28): episodes 6 then 1;")
    assert "not proof that the tactic worked" in annex.split("Disruption tactics past expiry", 1)[1]


def test_a_partner_sees_the_blocks_without_c_coded_tactics_names_or_the_teams_words(register):
    ws, tmp, ids = register  # a pack of its own: each pack built is recorded as a meeting
    p = build_pack(None, workspace=ws, out=tmp / "partner", pdf=False, audience="partner",
                   audit_log=tmp / "audit.jsonl")
    html = p.html.read_text(encoding="utf-8")
    one = _page1(html)
    assert f"tactic-{ids['hotel']}" not in html  # handling code C: not for partners
    assert f"tactic-{ids['closing']}" in one and ids["new"] in one
    assert PERSON_NAME not in html and CHILD_NAME not in html and "seen with" not in one  # no names, no free text
    assert "Community Protection Warning against Person " in one  # the spoken name the pack prints
    summary = json.loads((p.out / "summary.json").read_text(encoding="utf-8"))
    assert [t["tactic"] for t in summary["agenda"]["tactics"]] == [f"tactic-{ids[k]}" for k in ("july", "lapsed", "closing")]
    annex = (p.out / "annex.html").read_text(encoding="utf-8")
    assert "episodes 6 then &lt;5" in annex  # small counts suppressed for a partner


def test_a_workspace_with_no_register_prints_no_disruption_block(ws_url, export, tmp_path):  # noqa: F811
    ws = init_workspace(ws_url)
    ws.import_source(export, as_of="2026-09-01")
    r = build_pack(None, workspace=ws, out=tmp_path / "pack", pdf=False, audit_log=tmp_path / "audit.jsonl")
    one = _page1(r.html.read_text(encoding="utf-8"))
    assert 'id="agenda-tactics"' not in one and 'id="agenda-breaches"' not in one and 'id="agenda-profiles"' not in one
    assert r.summary["agenda"]["tactics"] == [] and r.summary["agenda"]["breaches"] == []
    ws.close()


def test_items_are_relabelled_with_the_names_the_pack_prints():
    items = {"tactics": [{"what": "CAWN", "subject": "Person-AB12", "label": "CAWN against Person-AB12"},
                         {"what": "Closure order", "subject": "", "label": "Closure order against a subject"}],
             "profiles": [{"what": "profile", "subject": "Place-CD34", "label": "Place-CD34"}]}
    relabel(items, {"Person-AB12": "Person B", "Place-CD34": "Place C"})
    assert [i["label"] for i in items["tactics"]] == ["CAWN against Person B", "Closure order against a subject"]
    assert items["profiles"][0]["label"] == "Place C"
    assert (days_words(-1), days_words(28)) == ("1 day ago", "in 28 days")


def test_a_breach_recorded_in_the_second_a_pack_was_recorded_is_not_lost(register):
    from contextmap.workspace import disruption, record

    ws, _, ids = register
    held = record.last_meeting(ws.engine)["held_at"]
    with ws.engine.begin() as conn:  # times are kept to the second
        conn.execute(sa.update(db.tactic_breaches).where(db.tactic_breaches.c.breach_id == int(ids["new"].split("-")[1]))
                     .values(recorded_at=held))
    assert disruption.breaches_frame(ws.engine, since=held)["breach"].tolist() == [ids["new"]]

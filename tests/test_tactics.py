"""The tactics register (SQLite and PostgreSQL) and what changed after a tactic.

Register: kinds from the settings, the subject a kind may be used against, a CAWN's child
checked for age and placement on the issue date, expiry from the law's duration, breaches
within the tactic's life, ending, states on a day, and what each audience may see.
Effects: equal windows before and after the issue date, on a planted before/after.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from _disruption_data import CHILD_NAME, ISSUED, write_export
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap import load, privacy
from contextmap._errors import ConfigError, WorkspaceError
from contextmap.settings import Settings
from contextmap.subjects import count_evidence, evidence_around, monthly_evidence
from contextmap.tactics import CAVEAT, tactic_effects
from contextmap.workspace import RecordLookupError, db, disruption, init_workspace


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("tactics") / "export")


@pytest.fixture
def ws(ws_url, export):  # noqa: F811
    w = init_workspace(ws_url)
    assert w.import_source(export, as_of="2026-10-01").quarantined == 0
    yield w
    w.close()


@pytest.fixture
def cases(ws):
    return {"flat": ws.open_case(kind="location", subject="L1", title="Flat"),
            "rex": ws.open_case(kind="person", subject="Rex Vantoor", title="Rex"),
            "group": ws.open_case(kind="group", subject="Harrow Lane group", title="g", children=["C1", "C2"])}


# --- the register ---------------------------------------------------------------------------


def test_a_closure_order_on_the_flat_lasts_three_months_from_its_issue(ws, cases):
    t = ws.add_tactic(cases["flat"], kind="Closure order", issued="01/07/2026", owner="Police ASB team",
                      text="Closure order granted")
    assert (t.number, t.kind, t.target, t.subject.record_id) == (1, "closure_order", "location", "L1")
    assert (t.issued, t.expires) == (date(2026, 7, 1), date(2026, 10, 1))  # day first, never 7 January
    assert any("3m" in c for c in t.checks)
    notice = ws.add_tactic(cases["flat"], kind="closure-notice", issued="2026-06-29", owner="police", text="n")
    assert notice.expires == date(2026, 7, 1)  # 48 hours
    given = ws.add_tactic(cases["flat"], kind="closure_order", issued="2026-07-01", expires="2026-12-31",
                          owner="police", text="extended")
    assert given.expires == date(2026, 12, 31)


def test_kinds_are_read_by_key_label_or_initials_and_the_settings_add_and_remove_them(ws, cases):
    st = Settings.from_dict({"tactics": {"kinds": {"licensing_review": None, "takedown_request": {
        "label": "Takedown request", "applies_to": ["online"], "duration": "30d"}}}})
    assert disruption.kind_of("SRO", settings=st)[0] == "sexual_risk_order"
    assert disruption.kind_of("Slavery and Trafficking Risk Order", settings=st)[0] == "slavery_trafficking_risk_order"
    with pytest.raises(WorkspaceError, match="cawn \\(Child Abduction Warning Notice\\)"):
        disruption.kind_of("licensing review", settings=st)
    t = ws.add_tactic(cases["rex"], kind="takedown request", issued="2026-09-01", owner="police",
                      text="Account reported", subject="@vanny_official", settings=st)
    assert (t.target, t.subject, t.expires) == ("online", "@vanny_official", date(2026, 10, 1))


def test_a_kind_is_used_only_against_what_it_applies_to(ws, cases):
    with pytest.raises(WorkspaceError, match="closure order is used against location|Closure order is used against location"):
        ws.add_tactic(cases["rex"], kind="closure order", issued="2026-07-01", owner="p", text="t")
    with pytest.raises(RecordLookupError):  # a place is not a person for a Sexual Risk Order
        ws.add_tactic(cases["flat"], kind="sro", issued="2026-07-01", owner="p", text="t", subject="Mill Park")
    t = ws.add_tactic(cases["flat"], kind="sro", issued="2026-07-01", owner="p", text="t", subject="Rex Vantoor")
    assert (t.target, t.subject.record_id, t.expires) == ("person", "P1", date(2028, 7, 1))


@pytest.mark.parametrize("child,ok,fragment", [
    ("C1", True, "C1 was 14 on the issue date"),                 # under 16
    ("C2", True, "16 on the issue date and in care (foster)"),   # 16, in care
    ("C7", True, "was 15"),
    ("C3", False, "recorded as placed 'home' (not in care)"),    # 16, at home: refused
    ("C4", False, "18 on 2026-11-01"),                           # 18: refused, whatever is said
])
def test_a_cawn_checks_the_childs_age_and_placement_on_the_issue_date(ws, cases, child, ok, fragment):
    kw = {"kind": "CAWN", "issued": "01/11/2026", "owner": "police", "text": "Warned to keep away", "child": child}
    if ok:
        t = ws.add_tactic(cases["rex"], **kw)
        assert t.child.record_id == child and t.subject.record_id == "P1" and not t.warnings
        assert any(fragment in c for c in t.checks)
    else:
        with pytest.raises(WorkspaceError, match=fragment.replace("(", "\\(").replace(")", "\\)")):
            ws.add_tactic(cases["rex"], **kw)
        assert ws.tactics().empty


def test_a_cawn_warns_when_age_or_placement_is_not_recorded_and_keeps_the_warning(ws, cases):
    no_dob = ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police", text="t", child="Eli Marsh")
    assert no_dob.warnings and "no date of birth" in no_dob.warnings[0]
    no_placement = ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police", text="t", child="C6")
    assert "placement is not recorded" in no_placement.warnings[0]
    stored = ws.tactics().set_index("tactic_id")
    assert stored.loc[no_dob.number, "checks"].startswith("check: no date of birth")


def test_a_cawn_needs_its_child_and_an_adult_to_serve(ws, cases):
    with pytest.raises(WorkspaceError, match="--child"):
        ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police", text="t")
    # the child given as the subject on a person case: served on the case's person
    t = ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police", text="t", subject="C1")
    assert (t.subject.record_id, t.child.record_id) == ("P1", "C1")
    with pytest.raises(WorkspaceError, match="adult"):
        ws.add_tactic(cases["flat"], kind="cawn", issued="2026-11-01", owner="police", text="t", subject="C1")
    records_say_no = ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police", text="t", child="C3",
                                   eligibility_note="moved to foster care on 20 October; records not yet updated")
    assert "issued all the same: moved to foster care" in records_say_no.checks[0]


@pytest.mark.parametrize("kwargs,fragment", [
    ({"issued": "2099-01-01"}, "future"),
    ({"issued": "2026-07-01", "expires": "2026-06-01"}, "on or after the issue date"),
    ({"issued": "2026-07-01", "review": "30/06/2026"}, "on or after the issue date"),
    ({"issued": "07/13/2026"}, "month-first"),
    ({"issued": "2026-07-01", "handling": "X"}, "'P' or 'C'"),
    ({"issued": "2026-07-01", "owner": "  "}, "--owner"),
])
def test_impossible_dates_and_empty_fields_store_nothing(ws, cases, kwargs, fragment):
    kw = {"kind": "closure order", "owner": "police", "text": "t"} | kwargs
    with pytest.raises((WorkspaceError, ConfigError), match=fragment):
        ws.add_tactic(cases["flat"], **kw)
    assert ws.tactics().empty


def test_breaches_fall_within_the_tactics_life_and_ending_is_the_decision(ws, cases):
    t = ws.add_tactic(cases["flat"], kind="closure order", issued="2026-07-01", owner="police", text="t").number
    assert ws.add_breach(t, on="10/08/2026", text="Two children seen entering") == "breach-1"
    for on, fragment in (("2026-06-30", "on or after"), ("2099-01-01", "future")):
        with pytest.raises(WorkspaceError, match=fragment):
            ws.add_breach(t, on=on, text="x")
    frame = disruption.tactics_frame(ws.engine, as_of="2026-11-01")
    row = frame.iloc[0]
    assert (row["state"], row["breaches"], row["last_breach"]) == ("past expiry", 1, date(2026, 8, 10))
    ws.end_tactic(t, reason="lapsed; closure order not renewed")
    row = disruption.tactics_frame(ws.engine, as_of="2026-11-01").iloc[0]
    assert (row["state"], row["end_reason"]) == ("ended", "lapsed; closure order not renewed")
    with pytest.raises(WorkspaceError, match="already ended"):
        ws.end_tactic(t)
    with ws.engine.begin() as conn:  # as if it had ended on 1 September
        conn.execute(db.tactics.update().values(ended_at=datetime(2026, 9, 1, 12)))
    with pytest.raises(WorkspaceError, match="before tactic-1 ended \\(2026-09-01\\)"):
        ws.add_breach(t, on="2026-09-10", text="after the end")
    assert ws.add_breach(t, on="2026-08-31", text="recorded late") == "breach-2"


def test_states_on_a_day_most_urgent_first(ws, cases):
    ws.add_tactic(cases["flat"], kind="community protection notice", issued="2026-06-01", owner="council",
                  text="active, review later", review="2027-01-01")
    ws.add_tactic(cases["flat"], kind="community protection warning", issued="2026-06-01", owner="council",
                  text="review due", review="2026-10-01")
    ws.add_tactic(cases["flat"], kind="closure order", issued="2026-08-01", owner="police", text="expiring")
    ws.add_tactic(cases["flat"], kind="closure order", issued="2026-06-01", owner="police", text="past expiry")
    frame = disruption.tactics_frame(ws.engine, as_of="2026-10-20")
    assert frame["text"].tolist() == ["past expiry", "expiring", "review due", "active, review later"]
    assert frame["state"].tolist() == ["past expiry", "expiring", "review due", "active"]
    assert frame["days_left"].isna().tolist() == [False, False, True, True]
    assert frame["days_left"].tolist()[:2] == [-49, 12]
    narrower = Settings.from_dict({"tactics": {"expiring_within_days": 5}})
    narrow = disruption.tactics_frame(ws.engine, as_of="2026-10-20", settings=narrower).set_index("text")
    assert narrow.loc["expiring", "state"] == "active"  # 12 days left is not within 5


def test_each_audience_sees_what_its_settings_allow(ws, cases):
    ws.add_tactic(cases["flat"], kind="closure order", issued="2026-07-01", owner="police", text="order")
    ws.add_tactic(cases["flat"], kind="hotel information request", issued="2026-07-01", owner="police",
                  text="hotel notice", subject="Mill Park")  # handling C by default
    frame = ws.tactics()
    police = privacy.get_audience("police")
    partner = privacy.get_audience("partner")
    shown, withheld, free = disruption.tactics_for_audience(frame, police)
    assert (len(shown), withheld, free) == (2, 0, True)
    shown, withheld, free = disruption.tactics_for_audience(frame, partner)
    assert (shown["kind"].tolist(), withheld, free) == (["closure_order"], 1, False)
    st = Settings.from_dict({"tactics": {"audiences": {"partner": {"kinds": ["licensing_review"], "free_text": True},
                                                       "police": {"kinds": ["hotel_information_request"]}}}})
    shown, withheld, free = disruption.tactics_for_audience(frame, partner, settings=st)
    assert (len(shown), withheld, free) == (0, 2, True)
    shown, _, _ = disruption.tactics_for_audience(frame, police, settings=st)
    assert shown["kind"].tolist() == ["hotel_information_request"]


def test_erasing_the_protected_child_keeps_the_tactic_without_them(ws, cases, tmp_path):
    t = ws.add_tactic(cases["rex"], kind="cawn", issued="2026-11-01", owner="police",
                      text=f"Served to keep him from {CHILD_NAME}", child="C1").number
    ws.add_breach(t, on="2026-11-20", text=f"Seen with {CHILD_NAME} at the park")
    removed = ws.erase(child="C1", audit_log=tmp_path / "audit.jsonl").removed
    assert removed["tactic_references"] == 1
    row = ws.tactics().set_index("tactic_id").loc[t]
    assert row["child_id"] is None or pd.isna(row["child_id"])
    assert row["subject_id"] == "P1"
    assert CHILD_NAME not in row["text"] and "[erased]" in row["text"]  # the erasure reaches the team's texts
    assert "[erased]" in disruption.breaches_frame(ws.engine)["text"].iloc[0]


def test_hostile_text_is_stored_and_read_back_as_written(ws, cases):
    text = "<script>alert(1)</script> Ava Quillfeather \u202eevil\u202c {{ 7*7 }} $x$"
    t = ws.add_tactic(cases["flat"], kind="closure order", issued="2026-07-01", owner="<b>Police</b>", text=text)
    ws.add_breach(t.number, on="2026-08-01", text=text)
    row = ws.tactics().iloc[0]
    assert (row["text"], row["owner"]) == (text, "<b>Police</b>")
    assert disruption.breaches_frame(ws.engine)["text"].tolist() == [text]


# --- what changed after a tactic ------------------------------------------------------------


@pytest.fixture(scope="module")
def ds(export):
    return load(export, as_of="2026-10-01")


def test_evidence_around_a_place_a_person_and_a_group(ds):
    place = evidence_around(ds, ["L1"], kind="location")
    assert count_evidence(place) == {"episodes": 7, "children": 4, "persons": 2, "links": 2}
    person = evidence_around(ds, ["P1"], kind="person")
    assert count_evidence(person) == {"episodes": 0, "children": 3, "persons": 0, "links": 4}
    group = evidence_around(ds, ["C1", "C2"], kind="group")
    assert count_evidence(group) == {"episodes": 5, "children": 2, "persons": 1, "links": 3}
    monthly = monthly_evidence(place, start="2026-04-01", end="2026-09-30")
    assert monthly.index.astype(str).tolist() == ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    assert monthly["episodes"].tolist() == [0, 3, 3, 1, 0, 0]
    assert monthly["new_persons"].sum() == 2 and monthly.loc["2026-05", "new_persons"] == 1


def test_equal_windows_before_and_after_the_issue_date(ds):
    t = pd.DataFrame({"tactic": ["tactic-1"], "target": ["location"], "records": [["L1"]], "issued": [ISSUED]})
    e = tactic_effects(ds, t, days=60, as_of="2026-10-01").iloc[0]
    assert (e["window_days"], e["before_from"], e["before_to"], e["after_from"], e["after_to"]) == (
        60, "2026-05-02", "2026-06-30", "2026-07-01", "2026-08-29")
    assert (e["episodes_before"], e["episodes_after"]) == (6, 1)  # E1 (3 May) is inside: 2 May to 30 June
    assert (e["children_before"], e["children_after"]) == (4, 1)
    assert (e["persons_before"], e["persons_after"]) == (1, 1)
    assert "episodes 6 then 1" in e["summary"]
    short = tactic_effects(ds, t, days=60).iloc[0]  # the records end on 28 August: 59 days each side
    assert (short["window_days"], short["before_from"], short["after_to"]) == (59, "2026-05-03", "2026-08-28")
    assert tactic_effects(ds, t).attrs["caveat"] == CAVEAT and "not proof" in CAVEAT


def test_the_window_shrinks_to_the_records_there_are_and_too_recent_is_said(ds):
    t = pd.DataFrame({"tactic": ["a", "b", "c", "d"], "target": ["location", "location", "online", "location"],
                      "records": [["L1"], ["L1"], [], []],
                      "issued": ["2026-08-01", "2026-08-25", "2026-08-01", "2026-08-01"]})
    e = tactic_effects(ds, t, days=90, as_of="2026-08-31")
    assert e["window_days"].tolist() == [31, 0, 0, 0]
    assert "too recent to compare: 7 days" in e.loc[1, "note"]
    assert "online" in e.loc[2, "note"] and "not in these records" in e.loc[3, "note"]
    assert e.loc[1, "summary"].startswith("not compared")

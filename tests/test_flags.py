"""Flags per child: each rule fires when it should, and only then; settings change them."""

from __future__ import annotations

from _analysis_data import make_dataset, two_groups_dataset

from contextmap import Settings
from contextmap.flags import FLAGS, child_flags


def _flags(ds, **kw):
    f = child_flags(ds, **kw)
    return {(r.child_id, r.flag): r.detail for r in f.itertuples()}


def _ep(i, child, rep, ret=None, rhi=None, outcome=None):
    return {"episode_id": f"E{i}", "child_id": child, "reported_at": rep, "returned_at": ret,
            "rhi_at": rhi, "rhi_outcome": outcome}


def test_panel_rules_each_named_in_detail():
    eps = [
        _ep(1, "LONG", "2024-03-01 10:00", "2024-03-02 12:00", "2024-03-02 13:00", "completed"),  # 26 h
        *(_ep(10 + i, "MANY", f"2024-0{2 + i}-01 10:00", f"2024-0{2 + i}-01 12:00",
              f"2024-0{2 + i}-01 13:00", "completed") for i in range(4)),  # 4 in the period, months apart
        *(_ep(20 + i, "BURST", f"2024-05-{1 + 10 * i:02d} 10:00", f"2024-05-{1 + 10 * i:02d} 12:00",
              f"2024-05-{1 + 10 * i:02d} 13:00", "completed") for i in range(3)),  # 3 in 21 days
        _ep(30, "CALM", "2024-03-01 10:00", "2024-03-01 12:00", "2024-03-01 13:00", "completed"),
    ]
    ds = make_dataset(children=[{"child_id": c, "ce_risk": "high" if c == "RISKY" else "low",
                                 "risk_reviewed_on": "2024-06-20"}
                                for c in ("LONG", "MANY", "BURST", "CALM", "RISKY")], episodes=eps)
    f = _flags(ds, start="2024-01-01", end="2024-06-30")
    panel = {c: d for (c, flag), d in f.items() if flag == "meets_panel_criteria"}
    assert set(panel) == {"LONG", "MANY", "BURST", "RISKY"}
    assert "E1 26 h" in panel["LONG"] and "over 24 hours" in panel["LONG"]
    assert "4 episodes in the period" in panel["MANY"] and "30 days" not in panel["MANY"]
    assert "3 episodes within 30 days from 2024-05-01" in panel["BURST"]
    assert panel["RISKY"] == "risk level high"
    # rules come from settings
    strict = Settings.from_dict({"panel": {"episodes_in_window": 4, "hours_missing": 30, "risk_levels": []}})
    panel2 = {c for (c, flag) in _flags(ds, start="2024-01-01", end="2024-06-30", settings=strict)
              if flag == "meets_panel_criteria"}
    assert panel2 == {"MANY"}


def test_still_missing_counts_up_to_as_of():
    ds = make_dataset(children=[{"child_id": "GONE"}], episodes=[_ep(1, "GONE", "2024-06-30 10:00")])
    assert ("GONE", "meets_panel_criteria") not in _flags(ds, end="2024-06-30", as_of="2024-06-30 20:00")
    detail = _flags(ds, end="2024-06-30", as_of="2024-07-02 10:00")[("GONE", "meets_panel_criteria")]
    assert "still missing" in detail


def test_rhi_late_and_missing():
    eps = [
        _ep(1, "LATE", "2024-06-01 10:00", "2024-06-01 12:00", "2024-06-05 12:00", "completed"),  # 96 h
        _ep(2, "OK", "2024-06-01 10:00", "2024-06-01 12:00", "2024-06-04 11:00", "completed"),  # 71 h
        _ep(3, "NONE", "2024-06-01 10:00", "2024-06-01 12:00", None, "not_offered"),
        _ep(4, "DECL", "2024-06-01 10:00", "2024-06-01 12:00", None, "declined"),
        _ep(5, "RECENT", "2024-06-29 10:00", "2024-06-29 12:00", None, None),  # deadline not passed
    ]
    ds = make_dataset(children=[{"child_id": c} for c in ("LATE", "OK", "NONE", "DECL", "RECENT")], episodes=eps)
    f = _flags(ds, start="2024-06-01", end="2024-06-30")
    assert {k for k in f if k[1].startswith("rhi")} == {("LATE", "rhi_late"), ("NONE", "rhi_missing")}
    assert "E1 (96 h)" in f[("LATE", "rhi_late")] and "not_offered" in f[("NONE", "rhi_missing")]
    f2 = _flags(ds, start="2024-06-01", end="2024-06-30", settings=Settings.from_dict({"rhi": {"within_hours": 100.0}}))
    assert ("LATE", "rhi_late") not in f2


def test_risk_review_cadence_per_level():
    ds = make_dataset(children=[
        {"child_id": "H_OLD", "ce_risk": "high", "risk_reviewed_on": "2024-05-01"},  # 61 days > 28
        {"child_id": "H_NEW", "ce_risk": "high", "risk_reviewed_on": "2024-06-20"},
        {"child_id": "L_MID", "ce_risk": "low", "risk_reviewed_on": "2024-05-01"},  # 61 days < 84
        {"child_id": "M_NEVER", "ce_risk": "medium"},
        {"child_id": "N", "ce_risk": "none"},
    ], episodes=[_ep(1, "N", "2024-06-01 10:00", "2024-06-01 11:00", "2024-06-01 12:00", "completed")])
    f = _flags(ds, end="2024-06-30")
    overdue = {c for (c, flag) in f if flag == "risk_review_overdue"}
    assert overdue == {"H_OLD", "M_NEVER"}
    assert "due every 28 days" in f[("H_OLD", "risk_review_overdue")]


def test_newly_linked_to_top_person_and_hotspot():
    ds = two_groups_dataset()
    f = _flags(ds, start="2024-06-01", end="2024-06-30")
    # window of 28 days up to 2024-06-30 starts 2024-06-03: C1-P1 (2024-06-01) is not new
    assert ("C1", "newly_linked_high_reach_person") not in f
    assert "P3" in f[("C4", "newly_linked_high_reach_person")]
    assert f[("C1", "newly_linked_hotspot")].startswith("newly linked to hotspot")
    narrow = Settings.from_dict({"flags": {"high_reach_top": 1, "new_within_days": 60}})
    f2 = _flags(ds, start="2024-06-01", end="2024-06-30", settings=narrow)
    persons = {c: d for (c, flag), d in f2.items() if flag == "newly_linked_high_reach_person"}
    assert set(persons) == {"C1", "C2", "C3"}  # P1 only (rank 1)


def test_flag_names_are_the_documented_ones():
    f = child_flags(two_groups_dataset(), start="2024-06-01", end="2024-06-30")
    assert set(f["flag"]) <= set(FLAGS) and list(f.columns) == ["child_id", "flag", "detail"]


def test_record_flags_worked_out_in_a_child_process_are_the_ones_child_flags_gives():
    # the analysis works out the flags the records alone raise beside the graph (a forked
    # child) and hands them in: the flags are the same as worked out here
    from contextmap.flags import keep_record_flags, record_flags
    from contextmap.graph import AnalysisContext
    from contextmap.parallel import beside
    from contextmap.sample import generate_sample

    ds = generate_sample(children=60, seed=2).to_dataset()
    here = child_flags(AnalysisContext(ds))
    assert len(here) and (here["flag"] != "newly_linked_hotspot").any()
    ctx = AnalysisContext(ds)
    rows = beside(record_flags, ctx, use_child=True).result()
    keep_record_flags(ctx, rows)
    assert record_flags(ctx) is rows  # kept, not worked out again
    assert child_flags(ctx).equals(here)


def test_kept_record_flags_are_kept_per_as_of_date():
    from contextmap.flags import keep_record_flags, record_flags
    from contextmap.graph import AnalysisContext

    ctx = AnalysisContext(two_groups_dataset())
    keep_record_flags(ctx, [("C1", "rhi_late", "kept by hand")])
    assert ("C1", "rhi_late", "kept by hand") in child_flags(ctx).itertuples(index=False, name=None)
    other = record_flags(ctx, as_of="2030-01-01")  # another date: worked out, not the kept rows
    assert ("C1", "rhi_late", "kept by hand") not in other

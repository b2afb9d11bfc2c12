"""One word for each child, person and place since the last meeting (contextmap.pack.states).

Hand-made pictures for the rules; a small generated dataset for the two things the rules
rest on: the last meeting's picture counts as the pack's tables count, and "new" means never
seen before (a dataset whose records begin with the period calls nothing new).
"""

from __future__ import annotations

import pandas as pd
import pytest

from contextmap.pack import states as st

SINCE = pd.Timestamp("2026-10-03")
MEETING = st.LastMeeting(SINCE, "cadence", "28 days ago", window=(pd.Timestamp("2025-10-04"), SINCE))


def _first(**kinds):
    out = {k: pd.Series(dtype="datetime64[ns]") for k in ("child", "person", "location")}
    for kind, values in kinds.items():
        out[kind] = pd.Series({k: pd.Timestamp(v) for k, v in values.items()})
    return out


def test_one_word_each_new_beats_escalating():
    """A place never seen before is "new" only, never also "escalating (rank 7 -> 4)"."""
    then = st.Picture(places={"L1": {"children": 2, "rank": 7}}, known={"L1"}, ranks=True)
    now = st.Picture(places={"L1": {"children": 2, "rank": 4}, "L2": {"children": 5, "rank": 1}}, ranks=True)
    first = _first(location={"L1": "2025-12-01", "L2": "2026-10-20"})
    s = st.entity_states(now, then, meeting=MEETING, first=first, risk_scale=["low", "high"])
    assert s.of("location", "L2") == {"state": "new", "reason": "first recorded 2026-10-20",
                                      "first_seen": pd.Timestamp("2026-10-20")}
    assert s.state("location", "L1") == "escalating" and s.of("location", "L1")["reason"] == \
        "ranked 4 (ranked 7 at the last meeting)"
    assert {v["state"] for v in s.places.values()} <= set(st.STATES)


@pytest.mark.parametrize(("before", "now", "state"), [
    (36, 37, "steady"),      # one more child at a busy station is not escalation (under a tenth)
    (3, 7, "escalating"),
    (20, 21, "steady"),
    (4, 5, "escalating"),    # one more is a quarter more
    (10, 8, "falling"),
    (2, 2, "steady"),
])
def test_children_linked_must_move_by_one_and_a_tenth(before, now, state):
    then = st.Picture(persons={"P1": {"children": before}}, known={"P1"})
    s = st.entity_states(st.Picture(persons={"P1": {"children": now}}), then, meeting=MEETING,
                         first=_first(person={"P1": "2025-01-01"}), risk_scale=[])
    assert s.state("person", "P1") == state


def test_seen_long_ago_and_back_is_escalating_not_new():
    """A person first seen a year before the last meeting, quiet since, is not new."""
    then = st.Picture(persons={}, known=set())
    s = st.entity_states(st.Picture(persons={"P9": {"children": 2}}), then, meeting=MEETING,
                         first=_first(person={"P9": "2024-11-02"}), risk_scale=[])
    assert s.of("person", "P9")["state"] == "escalating"
    assert s.of("person", "P9")["reason"] == "2 children linked; none at the last meeting"


def test_child_risk_raised_lowered_and_newly_on_the_panel():
    then = st.Picture(children={"C1": {"risk": "low", "panel": False}, "C2": {"risk": "high", "panel": True},
                                "C3": {"risk": "low", "panel": False}, "C4": {"risk": "low", "panel": True}},
                      known={"C1", "C2", "C3", "C4"})
    now = st.Picture(children={"C1": {"risk": "high", "panel": True}, "C2": {"risk": "medium", "panel": True},
                               "C3": {"risk": "low", "panel": True}, "C4": {"risk": "low", "panel": True},
                               "C5": {"risk": "low", "panel": False}})
    first = _first(child={"C1": "2025-11-01", "C2": "2025-11-01", "C3": "2025-11-01", "C4": "2025-11-01",
                          "C5": "2026-10-10"})
    s = st.entity_states(now, then, meeting=MEETING, first=first, risk_scale=["none", "low", "medium", "high"],
                         risk_words=str.upper)
    assert s.of("child", "C1")["reason"] == "risk raised from LOW to HIGH"  # the vocabulary's words
    assert (s.state("child", "C2"), s.of("child", "C2")["reason"]) == ("falling", "risk lowered from HIGH to MEDIUM")
    assert (s.state("child", "C3"), s.of("child", "C3")["reason"]) == ("escalating", "newly meets the panel criteria")
    assert s.state("child", "C4") == "steady" and s.state("child", "C5") == "new"


def test_a_previous_pack_without_risk_levels_judges_no_risk_change():
    then = st.Picture(children={"C1": {"risk": None, "panel": False}}, known={"C1"}, risks=False)
    now = st.Picture(children={"C1": {"risk": "high", "panel": False}})
    s = st.entity_states(now, then, meeting=MEETING, first=_first(child={"C1": "2025-01-01"}),
                         risk_scale=["low", "high"])
    assert s.state("child", "C1") == "steady"


def test_small_counts_are_suppressed_in_the_reasons():
    then = st.Picture(places={"L1": {"children": 2}}, known={"L1"})
    s = st.entity_states(st.Picture(places={"L1": {"children": 4}}), then, meeting=MEETING,
                         first=_first(location={"L1": "2025-01-01"}), risk_scale=[],
                         count=lambda n: "<5" if 0 < n < 5 else n)
    assert s.of("location", "L1")["reason"] == "<5 children seen there (<5 at the last meeting)"


def test_last_meeting_order_previous_then_workspace_then_cadence():
    end, start = pd.Timestamp("2026-10-31"), pd.Timestamp("2025-11-01")
    prev = st.last_meeting(start=start, end=end, cadence_days=28,
                           previous_period={"start": "2025-10-01", "end": "2026-09-30"},
                           workspace_meeting={"held_at": pd.Timestamp("2026-10-05 10:00"), "period_end": None})
    assert (prev.source, str(prev.since.date())) == ("previous pack", "2026-09-30")
    ws = st.last_meeting(start=start, end=end, cadence_days=28,
                         workspace_meeting={"held_at": pd.Timestamp("2026-10-05 10:00"),
                                            "period_start": pd.Timestamp("2025-10-01").date(),
                                            "period_end": pd.Timestamp("2026-10-02").date()})
    assert (ws.source, str(ws.since.date()), str(ws.window[0].date())) == ("workspace", "2026-10-02", "2025-10-01")
    assert "recorded on 2026-10-05" in ws.words
    cad = st.last_meeting(start=start, end=end, cadence_days=28, earliest=pd.Timestamp("2024-01-01"))
    assert (cad.source, str(cad.since.date()), cad.new_judged) == ("cadence", "2026-10-03", True)
    # a monthly period: the last meeting is the day before it starts, not 28 days before its end
    month = st.last_meeting(start=pd.Timestamp("2026-10-01"), end=end, cadence_days=60,
                            earliest=pd.Timestamp("2024-01-01"))
    assert str(month.since.date()) == "2026-09-30"


def test_records_that_begin_after_the_last_meeting_make_nothing_new():
    m = st.last_meeting(start=pd.Timestamp("2026-10-01"), end=pd.Timestamp("2026-10-31"), cadence_days=28,
                        earliest=pd.Timestamp("2026-10-05"))
    assert not m.new_judged and "nothing can be called new" in m.note
    now = st.Picture(children={"C1": {"risk": "low", "panel": True}}, places={"L1": {"children": 3}})
    s = st.entity_states(now, None, meeting=m, first=_first(child={"C1": "2026-10-06"}, location={"L1": "2026-10-07"}),
                         risk_scale=["low"])
    assert s.count("child", "new") == 0 and s.state("location", "L1") == ""


# --- on a dataset ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed():
    from contextmap.analysis import analyze
    from contextmap.sample import generate_sample

    ds = generate_sample(children=30, seed=4).to_dataset()
    an = analyze(ds, seed=0, resolve=False)
    return ds, an


def test_the_last_meetings_picture_counts_as_the_tables_do(analysed):
    """Rebuilt for the pack's own period, the picture gives exactly the children each place and
    person of concern is shown with: escalation compares like with like."""
    ds, an = analysed
    pic = st.picture_from_context(an.context)
    for loc, row in an.hotspots.iterrows():
        assert pic.places[str(loc)]["children"] == int(row["children"]), loc
        assert pic.places[str(loc)]["episodes"] == int(row["episodes"]), loc
    for pid, row in an.persons.iterrows():
        assert pic.persons.get(str(pid), {"children": 0})["children"] == int(row["children_reached"]), pid


def test_a_dataset_beginning_with_the_period_calls_nothing_new(analysed):
    """The old pack said "142 new children" for all 142: with no earlier meeting, "new" is judged
    against the records before the last meeting, and a child there before it is not new."""
    ds, an = analysed
    first = st.first_seen(ds)
    start, end = an.period
    m = st.last_meeting(start=start, end=end, cadence_days=28, earliest=min(first["child"].min(), first["location"].min()))
    assert m.new_judged
    from contextmap.graph import AnalysisContext

    then = st.picture_from_context(AnalysisContext(ds, start=m.window[0], end=m.window[1]))
    now = st.picture_from_context(an.context)
    s = st.entity_states(now, then, meeting=m, first=first, risk_scale=["none", "low", "medium", "high"])
    new = {c for c, v in s.children.items() if v["state"] == "new"}
    assert new == {c for c in now.children if first["child"].get(c, pd.Timestamp.max) > m.since + pd.Timedelta(days=1)}
    assert len(new) < len(now.children) / 2

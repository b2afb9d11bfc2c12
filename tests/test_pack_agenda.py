"""Page 1 of the pack: the chair's agenda (contextmap.pack.agenda), ranked, capped, in words."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from contextmap.pack import agenda as ag
from contextmap.pack import states as st
from contextmap.settings import Settings
from contextmap.vocabulary import vocabulary

WORDS = vocabulary()


def test_fullest_name_prefers_the_fullest_form_of_the_same_name():
    assert ag.fullest_name("Declan", "Dex; Declan Hardcastle") == "Declan Hardcastle"
    assert ag.fullest_name("Declan", "Big D; D") == "Declan"  # nicknames never replace a name
    assert ag.fullest_name("HARDCASTLE, Declan", None) == "Declan Hardcastle"
    assert ag.fullest_name("Jo", "Jo-Anne Smith; Jo Smith") == "Jo Smith"
    assert ag.fullest_name(None, "Someone") == "" and ag.fullest_name(float("nan")) == ""


def test_person_age_from_birth_date_or_from_the_age_a_partner_sees():
    end = pd.Timestamp("2026-10-31")
    assert ag.person_age({"date_of_birth": pd.Timestamp("2010-11-01")}, on=end) == "15"
    assert ag.person_age({"date_of_birth": pd.NaT, "age": 19}, on=end) == "adult"
    assert ag.person_age({"date_of_birth": None, "age": 14}, on=end) == "14"
    assert ag.person_age({"date_of_birth": None, "age": pd.NA}, on=end) == ""


def test_panel_reasons_name_each_rule_in_words():
    ep = pd.DataFrame({"reported_at": pd.to_datetime(["2026-10-01 20:00", "2026-10-10 20:00", "2026-10-20 20:00"]),
                       "returned_at": pd.to_datetime(["2026-10-02 23:00", "2026-10-10 22:00", None])})
    why = ag.panel_reasons(ep, "medium", settings=Settings(), words=WORDS, end=pd.Timestamp("2026-10-31"))
    assert why == ["medium risk", "missing 268 hours in one episode", "3 episodes within 30 days"]
    assert ag.panel_reasons(ep.iloc[:0], "low", settings=Settings(), words=WORDS, end=pd.Timestamp("2026-10-31")) == []


def _gap_graph() -> nx.Graph:
    G = nx.Graph()
    for n, kind in (("P1", "person"), ("P2", "person"), ("C1", "child"), ("C2", "child"), ("C3", "child"),
                    ("L1", "location")):
        G.add_node(n, kind=kind, label=n)
    G.add_node("M1", kind="person", provisional=True, label="Big T")
    ev = {"link_id": "K1", "relation": "associate", "date": "2026-09-01", "source_type": "police", "grading": None}
    G.add_edge("P1", "C1", corroborated=False, evidence=[ev])
    G.add_edge("P1", "C2", corroborated=True, evidence=[{**ev, "link_id": "K2", "grading": "1B P"}])
    G.add_edge("P1", "C3", corroborated=False, evidence=[{**ev, "link_id": "K3", "source_type": "rhi",
                                                          "relation": "seen_with", "date": "2026-10-01"}])
    G.add_edge("P1", "L1", corroborated=True, evidence=[{**ev, "link_id": "K4", "relation": "found_at"}])
    G.add_edge("P1", "M1", corroborated=False, evidence=[{**ev, "link_id": "K5"}])
    G.add_edge("L1", "C1", corroborated=False, evidence=[{**ev, "link_id": "K6", "source_type": "rhi"}])
    G.add_edge("L1", "P2", corroborated=False, evidence=[{**ev, "link_id": "K7", "relation": "frequents",
                                                          "grading": "2C P"}])
    G.add_edge("P2", "C2", corroborated=False, evidence=[{**ev, "link_id": "K8", "grading": "2C P", "date": "2026-09-20"}])
    return G


def test_intelligence_gaps_are_ungraded_intelligence_or_uncorroborated_links_of_who_the_pack_lists():
    gaps = ag.intelligence_gaps(_gap_graph(), persons=["P1", "P2"], places=["L1"], ranks={"P1": 1, "P2": 2, "L1": 1},
                                words=WORDS)
    pairs = [(g["a"], g["b"]) for g in gaps]
    # the persons' gaps in turn, latest first (P1's, P2's, then their second ones); the place's link
    # to P2 is P2's; a graded, corroborated link, a child found at a place, a mention and a place's
    # children are no gaps
    assert pairs == [("P1", "C3"), ("P2", "C2"), ("P1", "C1"), ("P2", "L1")]
    place_first = ag.intelligence_gaps(_gap_graph(), persons=[], places=["L1"], ranks={"L1": 1}, words=WORDS)
    assert [(g["a"], g["b"]) for g in place_first] == [("L1", "P2")]
    by = {(g["a"], g["b"]): g for g in gaps}
    assert by[("P1", "C1")]["missing"] == "1 police record not graded; not corroborated (only police)"
    assert by[("P1", "C3")]["missing"] == "not corroborated (only return home interview)"  # an RHI is not graded
    assert by[("P2", "L1")]["grading"] == "2C P (untested; not corroborated)" and by[("P2", "L1")]["records"] == ["K7"]


def test_tactics_hook_returns_nothing_until_tactics_are_recorded():
    assert ag.expiring_tactics(None, as_of=pd.Timestamp("2026-10-31"), horizon_days=28) == []

    class WithTactics:
        def expiring_tactics(self, *, as_of, horizon_days):
            return [{"id": "t1", "label": "CAWN on Person B", "why": f"expires within {horizon_days} days"}]

    got = ag.expiring_tactics(WithTactics(), as_of=pd.Timestamp("2026-10-31"), horizon_days=28)
    assert got[0]["why"] == "expires within 28 days"


def _agenda(lead="children", actions=None, tactics=None, **caps):
    m = st.LastMeeting(pd.Timestamp("2026-10-03"), "cadence", "28 days ago")
    kids = [{"id": f"C{i}", "why": "x", "label": f"C{i}"} for i in range(14)]
    return ag.Agenda(lead=lead, meeting=m, children=kids, persons=[{"id": "P1", "why": "y"}], places=[],
                     actions=actions, tactics=tactics or [], gaps=[{"a": "P1", "b": "C1"}] * 9,
                     caps={"agenda_children": 10, "agenda_persons": 5, "agenda_places": 5, "agenda_actions": 6,
                           "agenda_gaps": 6, **caps})


def test_blocks_are_capped_ordered_by_lead_and_leave_out_what_does_not_exist():
    blocks = _agenda().blocks()
    assert [b["key"] for b in blocks] == ["children", "persons", "places"]  # no workspace, no tactics recorded
    assert len(blocks[0]["rows"]) == 10 and blocks[0]["total"] == 14
    assert blocks[2]["rows"] == [] and "No place is new or escalating" in blocks[2]["empty"]
    police = _agenda("disruption", actions=[], agenda_gaps=3).blocks()
    assert [b["key"] for b in police] == ["persons", "places", "gaps", "children", "actions"]
    assert len(police[2]["rows"]) == 3 and police[2]["total"] == 9
    assert [b["key"] for b in _agenda(tactics=[{"id": "t"}]).blocks()][-1] == "tactics"


# --- on a generated dataset ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built():
    from contextmap.analysis import analyze
    from contextmap.pack.meeting import meeting_view
    from contextmap.sample import generate_sample
    from contextmap.settings import PACK_OPTIONS

    ds = generate_sample(children=40, seed=2).to_dataset()
    an = analyze(ds, seed=0, resolve=False)
    aud = type("Aud", (), {"agenda": "children", "show_free_text": True})()
    mv = meeting_view(an=an, red=ds, aud=aud, settings=Settings(), opts=dict(PACK_OPTIONS), period=an.period,
                      words=WORDS, count=lambda n: n)
    return ds, an, mv


def test_children_to_decide_on_today_are_ranked_by_priority_with_each_reason_true(built):
    ds, an, mv = built
    kids = mv.agenda.children
    assert kids, "the fixture must hold children to decide on"
    assert [k["_key"] for k in kids] == sorted(k["_key"] for k in kids)
    start, end = an.period
    since = mv.states.meeting.since
    ep = ds.episodes
    for k in kids:
        mine = ep[ep["child_id"] == k["id"]]
        in_p = mine[(mine["reported_at"] >= start) & (mine["reported_at"] < end + pd.Timedelta(days=1))]
        assert ("still missing" in k["why"]) == bool(in_p["returned_at"].isna().any()), k
        after = mine[mine["reported_at"] >= since + pd.Timedelta(days=1)]
        if "missing again" in k["why"]:
            assert len(after) and (mine["reported_at"] < since + pd.Timedelta(days=1)).any()
            assert f"{len(after)} episode" in k["why"]
    # a child still missing outranks every child who is not
    still = [i for i, k in enumerate(kids) if "still missing" in k["why"]]
    if still:
        assert still == list(range(len(still)))


def test_persons_and_places_on_the_agenda_are_exactly_the_new_and_escalating(built):
    ds, an, mv = built
    s = mv.states
    linked = {str(p) for p, n in an.persons["children_reached"].items() if n > 0}
    assert {p["id"] for p in mv.agenda.persons} == {
        p for p, v in s.persons.items() if v["state"] in ("new", "escalating") and p in linked}
    assert {p["id"] for p in mv.agenda.places} == {p for p, v in s.places.items() if v["state"] in ("new", "escalating")}
    assert [p["rank"] for p in mv.agenda.places] == sorted(p["rank"] for p in mv.agenda.places)
    for p in mv.agenda.persons + mv.agenda.places:
        assert p["state"] == s.of("person" if p["id"].startswith("P") else "location", p["id"])["state"]

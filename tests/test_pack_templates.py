"""The pack's templates: pack.html and pack_annex.html extend one base (head, policy, marking).

Rendered here on a tiny hand-made context, so a change to the base is checked in a second;
the whole pack is covered by test_pack.py and hostile data by test_hostile.py.
"""

from __future__ import annotations

import re

import pandas as pd

from contextmap.pack.agenda import Agenda
from contextmap.pack.states import LastMeeting
from contextmap.views.html import render_template
from contextmap.vocabulary import count_words, vocabulary

HOSTILE = "{{ 7*7 }} <script>alert(1)</script> {% if 1 %}yes{% endif %}"
CSP = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
       'style-src \'unsafe-inline\'">')
ESCAPED = "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; {% if 1 %}yes{% endif %}"


def _context(text: str = "Child A", **meta):
    m = {"marking": "OFFICIAL-SENSITIVE", "audience_label": "partner", "handling_notice": "Do not forward.",
         "area": "Example Area", "period_start": "2026-10-01", "period_end": "2026-10-31",
         "produced": "2026-11-01 09:00", "produced_by": "analyst", "input_hash": "abc", "rhi_hours": "72",
         "suppressed": True, "suppress_below": 5, "audience_note": "For partners.", "lead": "children",
         "spoken": True} | meta
    meeting = LastMeeting(pd.Timestamp("2026-10-03"), "cadence", "2026-10-03, 28 days before the end of the period")
    child = {"id": "Child-ABC123", "label": text, "age": "15", "risk": "high", "_risk": "high", "state": "new",
             "why": f"still missing since 2026-10-30; {text}"}
    person = {"id": "Person-XYZ789", "label": text, "age": "adult", "state": "escalating", "why": "3 children linked"}
    place = {"id": "Place-QRS456", "rank": 2, "label": text, "state": "new", "why": "first recorded 2026-10-12"}
    ag = Agenda(lead=m["lead"], meeting=meeting, children=[child], persons=[person], places=[place], actions=None,
                caps={"agenda_children": 10, "agenda_persons": 5, "agenda_places": 5})
    row = {"a": text, "b": "Child A", "relation": "friends", "date": "2026-10-02", "source": "police",
           "grading": {"code": "2B P (untested; corroborated)", "unconfirmed": True, "why": "uncorroborated"},
           "link_id": "Link-1", "episode_id": ""}
    return {"meta": m, "css": "body{}", "w": vocabulary(), "count_words": count_words, "meeting": meeting,
            "agenda": ag.blocks(), "agenda_full": ag, "section_ids": ["since", "places", "persons", "groups", "children",
                                                                      "appendix"],
            "gaps": [], "places": [], "persons": [], "cohort": [], "overdue": [], "merged": None, "group_list": [],
            "provenance": [row], "provenance_total": 1}


def _annex(**meta):
    return render_template("pack_annex.html", **_context(**meta))


def test_annex_has_the_base_head_its_own_title_and_the_marking_at_top_and_bottom():
    html = _annex()
    assert html.startswith("<!DOCTYPE html><html lang=\"en-GB\">")
    assert html.count(CSP) == 1 and html.index(CSP) < html.index("</head>")
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title == "OFFICIAL-SENSITIVE - annex - Example Area - 2026-10-01 to 2026-10-31"
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith('<div class="marking top screen-only">OFFICIAL-SENSITIVE &middot; partner')
    assert body.rstrip().endswith('<div class="marking screen-only">OFFICIAL-SENSITIVE <small>Do not forward.'
                                  '</small></div>\n</body>\n</html>')
    assert "Annex: full lists and provenance</h1>" in html and 'id="provenance"' in html
    # the base's grade() macro reaches the child's rows
    assert ('<span class="tag unconfirmed" title="uncorroborated">2B P (untested; corroborated) &middot; uncorroborated'
            '</span>') in html
    # the agenda's lists in full, each child with its stable reference beside the spoken name
    assert "Children to decide on today (1)" in html and "Child-ABC123" in html


def test_data_in_the_base_and_the_child_is_escaped_and_never_evaluated():
    html = render_template("pack_annex.html", **(_context(HOSTILE) | {"meta": _context()["meta"] | {
        "area": HOSTILE, "marking": HOSTILE}}))
    assert "<script>alert(1)</script>" not in html
    assert "49" not in html and html.count("yes") == html.count("{% if 1 %}yes{% endif %}")
    # in the title (base), both markings (base), the agenda's lines and the annex row (child)
    assert html.count(ESCAPED) >= 6


def test_agenda_lines_escape_data_too():
    ctx = _context(HOSTILE)
    ag = ctx["agenda_full"]
    html = render_template("pack.html", **(ctx | {
        "headline": [{"value": 3, "label": "children to decide on today"}], "sections": [("since", "Since the last meeting")],
        "files": {"annex": ("annex.html", "annex.pdf"), "map": "hotspot_map.html", "network": "network.html", "all": []},
        "state_counts": [], "group_changes": None, "front": None, "top_places": [], "profiles": [], "map_img": None,
        "emerging_counts": {}, "areas": None, "top_persons": [], "n_mentions": 0, "top_gaps": [], "groups": [],
        "groups_total": 0, "network_img": None, "network_note": "", "top_cohort": [], "top_overdue": [],
        "top_merged": None, "quality": [], "agenda": ag.blocks()}))
    agenda = html.split('id="agenda"', 1)[1].split("</section>", 1)[0]
    assert "<script>alert(1)</script>" not in html and agenda.count(ESCAPED) >= 4

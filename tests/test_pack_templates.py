"""The pack's templates: pack.html and pack_annex.html extend one base (head, policy, marking).

Rendered here on a tiny hand-made context, so a change to the base is checked in a second;
the whole pack is covered by test_pack.py and hostile data by test_hostile.py.
"""

from __future__ import annotations

import re

from contextmap.views.html import render_template
from contextmap.vocabulary import vocabulary

HOSTILE = "{{ 7*7 }} <script>alert(1)</script> {% if 1 %}yes{% endif %}"
CSP = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
       'style-src \'unsafe-inline\'">')


def _annex(**meta):
    m = {"marking": "OFFICIAL-SENSITIVE", "audience_label": "partner", "handling_notice": "Do not forward.",
         "area": "Example Area", "period_start": "2026-10-01", "period_end": "2026-10-31",
         "produced": "2026-11-01 09:00"} | meta
    row = {"a": HOSTILE, "b": "Child-ABC123", "relation": "friends", "date": "2026-10-02", "source": "police",
           "grading": {"code": "2B P", "unconfirmed": True, "why": "uncorroborated"},
           "link_id": "Link-1", "episode_id": ""}
    return render_template("pack_annex.html", meta=m, css="body{}", w=vocabulary(), provenance=[row],
                           provenance_total=1)


def test_annex_has_the_base_head_its_own_title_and_the_marking_at_top_and_bottom():
    html = _annex()
    assert html.startswith("<!DOCTYPE html><html lang=\"en-GB\">")
    assert html.count(CSP) == 1 and html.index(CSP) < html.index("</head>")
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title == "OFFICIAL-SENSITIVE - provenance annex - Example Area - 2026-10-01 to 2026-10-31"
    body = html.split("<body>", 1)[1]
    assert body.lstrip().startswith('<div class="marking top screen-only">OFFICIAL-SENSITIVE &middot; partner')
    assert body.rstrip().endswith('<div class="marking screen-only">OFFICIAL-SENSITIVE <small>Do not forward.'
                                  '</small></div>\n</body>\n</html>')
    assert html.count("<section") == 1 and "Provenance annex</h1>" in html
    # the base's grade() macro reaches the child's rows
    assert '<span class="tag unconfirmed" title="uncorroborated">2B P &middot; uncorroborated</span>' in html


def test_data_in_the_base_and_the_child_is_escaped_and_never_evaluated():
    html = _annex(area=HOSTILE, marking=HOSTILE)
    assert "<script>alert(1)</script>" not in html
    assert "49" not in html and html.count("yes") == html.count("{% if 1 %}yes{% endif %}")
    escaped = "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; {% if 1 %}yes{% endif %}"
    # in the title (base), both markings (base) and the annex row (child)
    assert html.count(escaped) >= 4

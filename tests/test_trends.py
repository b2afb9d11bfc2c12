"""Trends in the pack (contextmap.pack.trends): episodes, children, RHI within 72 hours and persons
of concern new versus known, by month, counted by hand on a tiny invented export; drawn for
every pack with the numbers in the annex, small counts suppressed for a partner."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _disruption_data import write_export

from contextmap import load
from contextmap.pack.build import build_pack
from contextmap.pack.trends import TREND_COLUMNS, monthly_figures, trend_pictures, trend_rows
from contextmap.privacy import suppress_count


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("trends") / "export")


@pytest.fixture(scope="module")
def monthly(export):
    return monthly_figures(load(export), start="2026-04-01", end="2026-09-30", rhi_hours=72)


def test_each_month_is_counted_as_a_reader_would_by_hand(monthly):
    assert list(monthly.columns) == list(TREND_COLUMNS)
    assert monthly.index.astype(str).tolist() == ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    assert monthly["episodes"].tolist() == [0, 3, 3, 1, 2, 0]
    assert monthly["children"].tolist() == [0, 3, 3, 1, 2, 0]
    # May: an interview after 25 hours, one after 7 days (too late), one not offered
    assert monthly["returns"].tolist() == [0, 3, 3, 1, 2, 0]
    assert monthly["rhi_in_time"].tolist() == [0, 1, 2, 1, 2, 0]
    assert monthly["rhi_share"].round(3).tolist()[1:5] == [0.333, 0.667, 1.0, 1.0]
    assert pd.isna(monthly["rhi_share"].iloc[0])  # no return: no share, not 0 %
    # P1 first linked in May (known in June); P2 first linked in August
    assert monthly["new_persons"].tolist() == [0, 1, 0, 0, 1, 0]
    assert monthly["known_persons"].tolist() == [0, 0, 1, 0, 0, 0]


def test_a_person_made_from_an_interviews_words_is_not_a_person_of_concern(export):
    ds = load(export)
    persons = pd.concat([ds.persons, pd.DataFrame({"person_id": ["PX1"], "name": ["Big T"], "provisional": [True]})],
                        ignore_index=True)
    links = pd.concat([ds.links, pd.DataFrame({"link_id": ["KX"], "source_id": ["PX1"], "target_id": ["C1"],
                                               "relation": ["mentioned"],
                                               "observed_on": [pd.Timestamp("2026-07-02")]})], ignore_index=True)
    from dataclasses import replace

    m = monthly_figures(replace(ds, persons=persons, links=links), start="2026-07-01", end="2026-07-31")
    assert m["new_persons"].tolist() == [0] and m["known_persons"].tolist() == [0]


def test_small_counts_are_suppressed_in_the_table_and_a_share_only_with_its_returns(monthly):
    rows = trend_rows(monthly, count=lambda n: suppress_count(n, "partner"))
    may = rows[1]
    assert may["month"] == "May 2026" and may["episodes"] == "<5" and may["rhi_share"] == ""
    assert rows[0]["episodes"] == 0  # zero discloses nobody
    full = trend_rows(monthly, count=lambda n: n)
    assert full[1]["rhi_share"] == "33%" and full[0]["rhi_share"] == ""


def test_three_pictures_drawn_as_text_or_none_for_a_single_month(monthly):
    pics = trend_pictures(monthly, rhi_hours=72)
    assert sorted(pics) == ["episodes", "persons", "rhi"]
    assert all(str(p).lstrip().startswith("<svg") for p in pics.values())
    assert "RHI within 72 h" in str(pics["rhi"]) and "new (first linked that month)" in str(pics["persons"])
    assert trend_pictures(monthly.iloc[:1], rhi_hours=72) == {}


@pytest.mark.slow
@pytest.mark.parametrize("audience", ["internal", "partner"])
def test_every_pack_draws_the_trends_with_their_table_in_the_annex(export, tmp_path, audience):
    r = build_pack(export, out=tmp_path / "pack", pdf=False, audience=audience, start="2026-05-01", end="2026-08-31",
                   audit_log=tmp_path / "audit.jsonl")
    html = r.html.read_text(encoding="utf-8")
    section = html.split('<section class="page" id="trends">', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<h2>\d+\. Trends by month</h2>", section) and section.count("<svg") == 3
    annex = (r.out / "annex.html").read_text(encoding="utf-8")
    table = annex.split('id="full-trends"', 1)[1].split("</table>", 1)[0]
    months = re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>', table)
    assert months == ["May 2026", "Jun 2026", "Jul 2026", "Aug 2026"]
    import contextmap

    first = pd.to_datetime(contextmap.load(export).links["observed_on"]).min()
    # a first month with no record before it: its persons are all 'new', and the page says why
    assert ("The records begin in May 2026" in section) == (f"{first:%Y-%m}" == "2026-05")
    r2 = build_pack(export, out=tmp_path / "later", pdf=False, audience=audience, start=first + pd.Timedelta(days=40),
                    end="2026-08-31", audit_log=tmp_path / "audit.jsonl")
    assert "The records begin in" not in r2.html.read_text(encoding="utf-8")
    if audience == "partner":
        assert "Months with fewer than 5" in section and "&lt;5" in table
    else:
        assert "<td class=\"num\">33%</td>" in table

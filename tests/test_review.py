"""The review queue: which pairs are doubtful, the offline page, and its saved decisions."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from conftest import INJECTION_NAMES
from typer.testing import CliRunner

from contextmap._errors import OutputExistsError
from contextmap.cli import app
from contextmap.resolve import read_decisions, resolve_persons
from contextmap.resolve.example import build_dataset
from contextmap.resolve.review import review_pairs, write_review


def _review_ds():
    """Pairs near the threshold and pairs the guard refuses; names that try to inject."""
    return build_dataset(persons=[
        {"person_id": "P1", "name": "Tyler Grant", "aliases": "Big T", "date_of_birth": "1998-03-07", "gender": "male"},
        {"person_id": "P2", "name": "T Grant", "date_of_birth": "1998-07-03", "gender": "male"},
        {"person_id": "P4", "name": "Tom Grant", "date_of_birth": "1975-11-30", "gender": "male"},
        {"person_id": "P5", "name": INJECTION_NAMES["person"] + " Otway", "date_of_birth": "2001-02-16"},
        {"person_id": "P6", "name": "Jordan Otway", "date_of_birth": "2000-07-30", "aliases": INJECTION_NAMES["tick"]},
        {"person_id": "P7", "name": "Jordan O", "gender": "male", "aliases": INJECTION_NAMES["person"]},
        {"person_id": "P8", "name": "Kai Marsh"},
        {"person_id": "P9", "name": "Kai Marsh", "date_of_birth": "1990-01-01"},
        {"person_id": "P10", "name": "Jordan Otway", "date_of_birth": "1992-01-20"},
    ], locations=[
        # the same takeaway written two ways, 60 m apart; a park whose name tries to inject,
        # recorded twice 150 m apart; two flats in one house (never the same place)
        {"location_id": "L1", "name": "McDonald's, High Street", "category": "fast_food", "easting": 345000.0,
         "northing": 555000.0, "postcode": "CA1 1AA"},
        {"location_id": "L2", "name": "Maccies High St", "category": "fast_food", "easting": 345060.0,
         "northing": 555000.0},
        {"location_id": "L3", "name": INJECTION_NAMES["place"], "category": "park", "easting": 347000.0,
         "northing": 556000.0},
        {"location_id": "L4", "name": INJECTION_NAMES["place"], "category": "park", "easting": 347150.0,
         "northing": 556000.0},
        {"location_id": "L5", "name": "Flat 2, Hope House", "category": "residential", "easting": 349000.0,
         "northing": 557000.0},
        {"location_id": "L6", "name": "Flat 3, Hope House", "category": "residential", "easting": 349004.0,
         "northing": 557000.0},
    ])


def test_queue_holds_refused_and_near_threshold_pairs_not_decided_ones(tmp_path):
    ds = _review_ds()
    res = resolve_persons(ds)
    q = review_pairs(res)
    assert len(q) >= 3
    p = q["match_probability"]
    assert ((p >= 0.1) & (p < 0.95) | (q["status"] == "refused by the guard")).all()
    refused = set(zip(res.refused["record_a"], res.refused["record_b"], strict=True))
    assert refused and refused <= set(zip(q["record_a"], q["record_b"], strict=True))
    # most doubtful first: closest match weight to the threshold's (0 bits at 0.5)
    w = q["match_weight"].abs().to_numpy()
    assert (w[:-1] <= w[1:] + 1e-9).all()
    # a decided pair leaves the queue
    a, b = q.iloc[0]["record_a"], q.iloc[0]["record_b"]
    dec = tmp_path / "d.txt"
    dec.write_text(f"keep apart {a} {b}\n")
    q2 = review_pairs(resolve_persons(ds, decisions=str(dec)))
    assert (a, b) not in set(zip(q2["record_a"], q2["record_b"], strict=True))


def test_page_is_offline_and_data_cannot_escape_its_json(tmp_path):
    out = write_review(_review_ds(), tmp_path / "review.html")
    page = out.read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "OFFICIAL-SENSITIVE" in page
    assert not re.search(r"(src|href)=[\"']?https?:", page)
    blob = re.search(r'<script type="application/json" id="cm-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in blob and ">" not in blob  # no data string can close the element
    data = json.loads(blob)
    assert data["records"]["P7"]["aliases"] == INJECTION_NAMES["person"]
    assert data["records"]["P6"]["aliases"] == INJECTION_NAMES["tick"]
    assert all(p["waterfall"] and p["waterfall"][0][0].startswith("prior") for p in data["pairs"])
    with pytest.raises(OutputExistsError):
        write_review(_review_ds(), out)


def test_place_pairs_are_queued_with_a_waterfall_that_adds_up(tmp_path):
    from contextmap.resolve.places import resolve_locations

    ds = _review_ds()
    q = review_pairs(resolve_locations(ds))
    pairs = set(zip(q["record_a"], q["record_b"], strict=True))
    assert {("L1", "L2"), ("L3", "L4")} <= pairs  # near the threshold: doubtful
    assert ("L5", "L6") not in pairs  # different flat numbers: far below the band
    for r in q.itertuples():
        steps = json.loads(r.waterfall)
        assert steps[0][0].startswith("prior")
        assert sum(w for _, w in steps) == pytest.approx(r.match_weight, abs=0.02)
    data = json.loads(re.search(r'id="cm-data">(.*?)</script>', write_review(ds, tmp_path / "r.html").read_text(
        encoding="utf-8"), re.S).group(1))
    kinds = {(p["a"], p["b"]): p["kind"] for p in data["pairs"]}
    assert kinds[("L1", "L2")] == "place" and all(k == "person" for (a, _), k in kinds.items() if a.startswith("P"))
    assert data["records"]["L3"]["name"] == INJECTION_NAMES["place"]
    assert data["records"]["L1"]["grid"] == "E 345,000, N 555,000" and data["records"]["L1"]["postcode"] == "CA1 1AA"
    assert "Places: fixed weights" in data["model"]
    only_persons = json.loads(re.search(r'id="cm-data">(.*?)</script>', write_review(
        ds, tmp_path / "p.html", places=False).read_text(encoding="utf-8"), re.S).group(1))
    assert {p["kind"] for p in only_persons["pairs"]} == {"person"}


def test_each_pair_shows_the_other_records_either_side_was_compared_with(tmp_path):
    """"Jordan O" fits two Jordan Otways equally well: each of the two pairs names the other
    Jordan Otway, so the analyst decides with both in sight (and their records are on the page)."""
    from contextmap.resolve.review import other_candidates

    ds = _review_ds()
    data = json.loads(re.search(r'id="cm-data">(.*?)</script>', write_review(ds, tmp_path / "r.html").read_text(
        encoding="utf-8"), re.S).group(1))
    by_pair = {frozenset((p["a"], p["b"])): p["others"] for p in data["pairs"]}
    assert [(o["of"], o["id"]) for o in by_pair[frozenset(("P6", "P7"))]] == [("P7", "P10")]
    assert [(o["of"], o["id"]) for o in by_pair[frozenset(("P7", "P10"))]] == [("P7", "P6")]
    assert data["records"]["P10"]["date_of_birth"] == "1992-01-20"
    # the pair itself is never its own other candidate; the most likely first, at most `most`
    # a record; decided pairs are not candidates
    pairs = pd.DataFrame({"record_a": ["C1", "C1", "C1", "C1", "P1"], "record_b": ["P1", "P2", "P3", "P4", "C2"],
                          "match_probability": [0.5, 0.3, 0.4, 0.9, 0.2], "joined": [False] * 4 + [True],
                          "decision": ["", "", "", "keep apart", ""]})
    got = other_candidates(pairs, pairs.iloc[:1], most=1)[0]
    assert got == [{"of": "C1", "id": "P3", "p": 0.4, "joined": False},
                   {"of": "P1", "id": "C2", "p": 0.2, "joined": True}]
    assert other_candidates(pairs, pairs.iloc[:0]) == []


@pytest.mark.browser
def test_review_in_the_browser_decide_two_pairs_save_and_resolve_with_them(recorded_page, tmp_path, reports_dir,
                                                                           monkeypatch):
    monkeypatch.setattr("contextmap.load", lambda path, **kw: _review_ds())
    page_path = tmp_path / "review.html"
    made = CliRunner().invoke(app, ["review", str(tmp_path), "--out", str(page_path)])
    assert made.exit_code == 0, made.output
    rec = recorded_page
    rec.open(page_path)
    page = rec.page
    assert rec.console_errors == [] and rec.dialogs == []
    assert page.evaluate("window.__injected === undefined")
    cards = page.locator("section.pair")
    n = cards.count()
    assert n >= 3
    # hostile names shown as text, never as markup
    assert page.locator("img[src='x']").count() == 0
    shown = page.locator("main").inner_text()
    assert INJECTION_NAMES["person"] in shown and INJECTION_NAMES["tick"] in shown
    assert page.locator("section.pair svg").count() == n  # a waterfall per pair
    # "Jordan O" and one Jordan Otway: the other Jordan Otway is named beside them
    jordan = cards.filter(has_text="P6 and P7")
    assert "P7 was also compared with" in jordan.locator(".others").inner_text()
    assert "P10 Jordan Otway (person record, born 1992-01-20)" in jordan.locator(".others li").first.inner_text()
    first = cards.nth(0)
    second = cards.nth(1)
    a1, b1 = first.locator("table.recs tr").first.locator("th").nth(0).inner_text(), \
        first.locator("table.recs tr").first.locator("th").nth(1).inner_text()
    a2, b2 = second.locator("table.recs tr").first.locator("th").nth(0).inner_text(), \
        second.locator("table.recs tr").first.locator("th").nth(1).inner_text()
    first.locator("input[value='merge']").check()
    second.locator("input[value='keep apart']").check()
    cards.nth(2).locator("input[value='not sure']").check()
    # a place pair: worded as places, its own fields, and merged
    takeaway = cards.filter(has_text="L1 and L2")
    assert "the same place" in takeaway.locator("h2").inner_text()
    assert "Grid reference" in takeaway.locator("table.recs").inner_text()
    takeaway.locator("input[value='merge']").check()
    assert page.locator("#count").inner_text().startswith("4 of")
    assert page.locator("main").inner_text().count(INJECTION_NAMES["place"]) >= 2
    page.screenshot(path=str(reports_dir / "browser_review.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("#save").click()
    saved = tmp_path / "decisions.txt"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "decisions.txt"
    assert _only_local(rec.requests) == []
    text = saved.read_text(encoding="utf-8")
    assert f"merge {a1} {b1}" in text and f"keep apart {a2} {b2}" in text and "# not sure:" in text
    dec = read_decisions(saved)
    assert len(dec.merges) == 2 and len(dec.keep_apart) == 1
    assert "merge L1 L2" in text
    # the saved file is accepted by `contextmap resolve --decisions` and takes effect
    out = tmp_path / "entities.csv"
    res = CliRunner().invoke(app, ["resolve", str(tmp_path), "--out", str(out), "--decisions", str(saved)])
    assert res.exit_code == 0, res.output
    ent = pd.read_csv(out, dtype=str).set_index("record_id")["entity_id"]
    assert ent[a1] == ent[b1] and ent[a2] != ent[b2]
    assert ent["L1"] == ent["L2"] and ent["L5"] != ent["L6"]


@pytest.mark.browser
def test_review_page_meets_wcag_22_aa_before_and_after_deciding(recorded_page, tmp_path):
    """UK public bodies must meet WCAG 2.2 AA: axe-core finds no serious or critical
    violation on the page as opened, nor once pairs are marked (the states it changes)."""
    from conftest import axe_violations

    page_path = write_review(_review_ds(), tmp_path / "review.html")
    rec = recorded_page
    rec.open(page_path)
    page = rec.page
    assert page.locator("section.pair").count() >= 3  # person and place pairs, waterfalls, forms
    assert axe_violations(page) == []
    cards = page.locator("section.pair")
    cards.nth(0).locator("input[value='merge']").check()
    cards.nth(1).locator("input[value='keep apart']").check()
    cards.nth(2).locator("input[value='not sure']").focus()
    assert axe_violations(page) == []
    assert rec.console_errors == []


def _only_local(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file://", "data:", "blob:"))]


def test_the_command_says_how_many_pairs_it_queued_and_reads_a_workspace_title(tmp_path, monkeypatch):
    monkeypatch.setattr("contextmap.load", lambda path, **kw: _review_ds())
    made = CliRunner().invoke(app, ["review", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert made.exit_code == 0, made.output
    data = json.loads(re.search(r'id="cm-data">(.*?)</script>', (tmp_path / "r.html").read_text(encoding="utf-8"),
                                re.S).group(1))
    n_place = sum(p["kind"] == "place" for p in data["pairs"])
    said = " ".join(made.output.split())
    assert f"{len(data['pairs']) - n_place} person and {n_place} place pairs to review" in said

"""Data-quality summary: figures, JSON, escaped HTML and the terminal table."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

import contextmap
from contextmap import OutputExistsError
from contextmap.ingest.quality import summarise
from contextmap.settings import Settings


@pytest.fixture
def dataset(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "children.csv").write_text(
        "child_id,name,ce_risk\nC1,<script>alert(1)</script>,high\nC2,,low\n,Bad,severe\n"
    )
    (d / "episodes.csv").write_text(
        "episode_id,child_id,reported_at,returned_at,rhi_at\n"
        "E1,C1,2025-01-01 10:00,2025-01-01 20:00,2025-01-03 19:00\n"  # 71 h: on time
        "E2,C1,2025-02-01 10:00,2025-02-01 20:00,2025-02-04 21:00\n"  # 73 h: late
        "E3,C2,2025-03-01 10:00,2025-03-01 20:00,\n"  # no RHI
        "E4,C2,2025-04-01 10:00,,\n"  # not returned: not counted
    )
    (d / "locations.csv").write_text("location_id,latitude,longitude\nL1,54.9,-2.9\nL2,,\n")
    (d / "links.csv").write_text(
        "source_id,target_id,relation,observed_on,grading\n"
        "C1,L1,visited,2025-01-01,1A P\nC1,L2,visited,2025-01-01,1A P\nC2,L1,visited,2025-01-01,\n"
    )
    return contextmap.load(d, as_of="2026-01-01")


def test_figures(dataset):
    s = summarise(dataset)
    assert s.rhi == {"returned": 3, "within": 1, "share": pytest.approx(1 / 3), "within_hours": 72.0}
    assert s.coordinates == {"locations": 2, "with_coordinates": 1, "share": 0.5, "from": {"given": 1}}
    mix = dict(zip(s.grading_mix["grading"], s.grading_mix["links"], strict=True))
    assert mix == {"1A P": 2, "ungraded": 1}
    comp = s.completeness.set_index(["table", "column"])
    assert comp.loc[("children", "name"), "filled"] == 1 and comp.loc[("children", "name"), "rows"] == 2
    q = s.quarantine_reasons
    assert q[["table", "column", "rows"]].values.tolist() == [["children", "child_id", 1]]
    assert not s.is_clean


def test_rhi_window_follows_settings(dataset):
    s = summarise(dataset, settings=Settings.from_dict({"rhi": {"within_hours": 74}}))
    assert s.rhi["within"] == 2


def test_json_and_html(dataset, tmp_path):
    s = summarise(dataset)
    j = s.to_json(tmp_path / "q.json")
    data = json.loads(j.read_text())
    assert data["counts"]["children"] == {"read": 3, "accepted": 2, "quarantined": 1, "duplicates": 0, "provisional": 0}
    assert data["rhi"]["within"] == 1
    h = s.to_html(tmp_path / "q.html").read_text()
    assert "OFFICIAL-SENSITIVE" in h and "missing required value" in h
    assert "<script" not in h.lower()  # no data turned into markup, no scripts at all
    assert "http://" not in h and "https://" not in h  # nothing fetched when opened
    with pytest.raises(OutputExistsError):
        s.to_html(tmp_path / "q.html")
    s.to_html(tmp_path / "q.html", overwrite=True)


def test_html_escapes_data_strings(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "children.csv").write_text("child_id\nC1\n")
    (d / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    (d / "links.csv").write_text('source_id,target_id,relation,observed_on\nC1,C1,"<img src=x onerror=alert(1)>",2025-01-01\n')
    ds = contextmap.load(d, as_of="2026-01-01")
    s = summarise(ds)
    s.source = "<b>folder</b>"
    h = s.to_html(tmp_path / "q.html").read_text()
    assert "<b>folder</b>" not in h and "&lt;b&gt;folder&lt;/b&gt;" in h


def test_print(dataset):
    console = Console(record=True, width=120)
    summarise(dataset).print(console, columns=True)
    text = console.export_text()
    assert "RHI within 72 hours of return: 33% (1 of 3 returned episodes)" in text
    assert "Locations with coordinates: 50% (1 of 2)" in text
    assert "missing required value" in text and "Completeness per column" in text


def test_problem_kinds_group_reasons_that_differ_only_in_their_values():
    import pandas as pd

    from contextmap.ingest.quarantine import problem_kinds

    p = pd.DataFrame({
        "table": ["links"] * 5 + ["children"],
        "file": ["intel.csv"] * 5 + ["cyp.csv"],
        "row": [2, 3, 4, 5, 6, 9],
        "column": ["target_name"] * 4 + ["grading", "child_id"],
        "value": ["Jay", "Ty", "Mo", "Kyle", "x", "C1"],
        "reason": ["matches 2 records (give a date of birth or an id to say which)",
                   "matches 3 records (give a date of birth or an id to say which)",
                   "matches 2 records (give a date of birth or an id to say which)",
                   "matches no child or person of concern",
                   "not a valid 3x5x2 grading", "duplicate id"],
        "severity": ["warning"] * 4 + ["error", "error"],
    })
    k = problem_kinds(p, examples=2)
    assert k["severity"].tolist() == ["error", "error", "warning", "warning"]  # errors first
    many = k[k["count"] == 3].iloc[0]
    assert many["reason"] == "matches … records (give a date of birth or an id to say which)"
    assert [(e["row"], e["value"], e["detail"]) for e in many["examples"]] == [(2, "Jay", "2"), (3, "Ty", "3")]
    assert k["count"].sum() == len(p)  # nothing dropped


def test_print_problems_fits_80_columns_and_never_reads_data_as_markup():
    import pandas as pd

    from contextmap.ingest.quality import print_problems

    p = pd.DataFrame({"table": "children", "file": "cyp.csv", "row": [2], "column": "name",
                      "value": ["[bold red]Zoë O'Brien[/] " + "x" * 200], "severity": "warning",
                      "reason": ["a very long reason " * 12]})
    console = Console(record=True, width=80)
    print_problems(p, console, where="out/problems.csv")
    text = console.export_text()
    assert max(len(x) for x in text.splitlines()) <= 80
    assert "[bold red]Zoë O'Brien[/]" in text and "…" in text  # markup shown as written; long value cut


def test_print_problems_never_sends_a_terminal_escape_from_the_data():
    import pandas as pd

    from contextmap.ingest.quality import print_problems

    evil = "Notes\x1b]0;owned\x07\u202e"
    p = pd.DataFrame({"table": "children", "file": ["cyp\x1b[2J.csv"], "row": pd.array([None], dtype="Int64"),
                      "column": [evil], "value": [""], "severity": "warning",
                      "reason": ["unknown column dropped (not in the data contract)"]})
    console = Console(record=True, width=80)
    print_problems(p, console)
    text = console.export_text()
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "children.Notes\\x1b]0;owned\\x07\\u202e" in text and "cyp\\x1b[2J.csv" in text

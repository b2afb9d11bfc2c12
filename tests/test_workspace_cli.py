"""The workspace's commands and the pack built from a workspace (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

import pytest
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)
from typer.testing import CliRunner

from contextmap.cli import app
from contextmap.sample import generate_sample

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == code, (args, r.output, r.exception)
    return r.output


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "export"
    generate_sample(children=24, seed=2, months=4, end="2026-10-31").write(d)
    return d


def test_commands_round_trip(ws_url, export, tmp_path):  # noqa: F811
    log = tmp_path / "audit.jsonl"
    assert "Workspace ready" in run("workspace", "init", ws_url)
    out = run("import", str(export), "--workspace", ws_url)
    assert re.search(r"Import 1: \d+ new, 0 changed, 0 unchanged, 0 quarantined", out)
    assert "Import 2: 0 new, 0 changed" in run("import", str(export), "--workspace", ws_url)
    st = json.loads(run("workspace", "status", ws_url, "--json"))
    assert set(st["counts"]) == {"children", "persons", "locations", "episodes", "links"}
    assert st["counts"]["children"] == 24 and len(st["imports"]) == 2

    line = run("case", "open", "--workspace", ws_url, "--kind", "group", "--subject", "Northside group",
               "--title", "Older males picking children up from school", "--child", "C0001", "--child", "C0002")
    case = line.strip().split()[-1]  # the case id is printed last on its line
    assert case == "case-1"
    action = run("action", "add", case, "--workspace", ws_url, "--owner", "education", "--due", "2026-11-30",
                 "--text", "Gate duty at pick-up").strip().split()[-1]
    assert action == "action-1"
    run("action", "update", action, "--workspace", ws_url, "--status", "done", "--outcome", "two sightings reported")
    run("action", "update", action, "--workspace", ws_url, "--status", "finished", code=2)
    assert "done" in run("action", "list", "--workspace", ws_url)
    assert "Decision 1: merge P0001 P0002" in run("decide", "merge", "P0001", "P0002", "--workspace", ws_url,
                                                  "--reason", "same vehicle seen twice")
    dec = tmp_path / "decisions.txt"
    run("decide", "export", str(dec), "--workspace", ws_url)
    assert "merge P0001 P0002" in dec.read_text() and "same vehicle" in dec.read_text()
    run("decide", "export", str(dec), "--workspace", ws_url, code=2)  # never overwrites unasked

    # --workspace in place of PATH on the analyses
    res = tmp_path / "entities.csv"
    run("resolve", "--workspace", ws_url, "--out", str(res))
    ents = res.read_text().splitlines()
    p1 = next(x for x in ents if x.startswith("P0001,")).split(",")[1]
    p2 = next(x for x in ents if x.startswith("P0002,")).split(",")[1]
    assert p1 == p2  # the stored decision was honoured
    run("analyze", "--workspace", ws_url, "--out", str(tmp_path / "an"), "--no-resolve")
    assert json.loads((tmp_path / "an" / "summary.json").read_text())["period"]
    run("analyze", str(export), "--workspace", ws_url, "--out", str(tmp_path / "an2"), code=2)

    out = run("workspace", "erase", ws_url, "--child", "C0003", "--log", str(log))
    assert "Erased C0003" in out
    run("workspace", "purge", ws_url, "--older-than", "6y", "--log", str(log))
    run("workspace", "purge", ws_url, "--older-than", "six years", "--log", str(log), code=2)
    events = [json.loads(x)["event"] for x in log.read_text().splitlines()]
    assert events == ["erase", "purge"]
    st = json.loads(run("workspace", "status", ws_url, "--json"))
    assert st["counts"]["children"] == 23


def test_next_pack_shows_the_action_status(ws_url, export, tmp_path):  # noqa: F811
    from contextmap.pack import build_pack
    from contextmap.workspace import init_workspace

    with init_workspace(ws_url) as ws:
        ws.import_source(export)
        loc = ws.dataset().episodes["found_location_id"].dropna().value_counts().index[0]
        case = ws.open_case(kind="location", subject=str(loc), title="Gatherings behind the <b>shops</b>")
        act = ws.add_action(case, owner="police", due="2026-10-01", text="Dispersal order & <script>x</script>")
        first = build_pack(None, workspace=ws, out=tmp_path / "p1", pdf=False, resolve=False)
        html = first.html.read_text(encoding="utf-8")
        row = re.search(rf"<tr><td>{act}</td>.*?</tr>", html, re.S).group(0)
        assert "<strong>overdue</strong>" in row and "(first pack)" in row
        assert "&lt;script&gt;x&lt;/script&gt;" in row and "<script>x" not in html  # escaped, never run
        assert "&lt;b&gt;shops&lt;/b&gt;" in html
        # page 1 is the agenda, with the overdue action on it; the actions in full come after it
        assert html.index('id="agenda"') < html.index('id="workspace"') < html.index('id="places"')
        agenda = html.split('id="agenda-actions"', 1)[1].split("</div>", 1)[0]
        assert re.search(rf"Overdue by \d+ days</strong>: {act} \({case}", agenda)
        ws.update_action(act, status="done", outcome="order served")
        second = build_pack(None, workspace=ws, out=tmp_path / "p2", pdf=False, resolve=False, audience="partner")
        html = second.html.read_text(encoding="utf-8")
        row = re.search(rf"<tr><td>{act}</td>.*?</tr>", html, re.S).group(0)
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert cells[5] == "open" and cells[6] == "done"  # status at the last meeting, and now
        assert "order served" not in html and "withheld for this audience" in row  # free text: partner sees none
        assert ws.status()["meetings"] == 2

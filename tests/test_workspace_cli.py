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
    assert re.search(r"Import 1 into \S+: \d+ new, 0 changed, 0 unchanged, 0 quarantined", out)  # says which workspace
    assert re.search(r"Import 2 into \S+: 0 new, 0 changed", run("import", str(export), "--workspace", ws_url))
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
        # September's meeting; the data run to the end of October, the next meeting's period
        first = build_pack(None, workspace=ws, out=tmp_path / "p1", pdf=False, resolve=False, end="2026-09-30")
        html = first.html.read_text(encoding="utf-8")
        row = re.search(rf"<tr><td>{act}</td>.*?</tr>", html, re.S).group(0)
        assert "<strong>overdue</strong>" in row and "(no earlier meeting)" in row
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
        assert (ws.status()["meetings"], ws.status()["packs"]) == (2, 2)
    # the police pack for October's meeting, on the command line: one more pack for that meeting,
    # compared with September's as the partner pack was
    said = " ".join(run("pack", "--workspace", ws_url, "--out", str(tmp_path / "p3"), "--audience", "police",
                        "--no-pdf", "--no-resolve").split())
    assert "recorded in the workspace as pack 2 of the meeting for 2025-11-01 to 2026-10-31" in said
    assert "compared with the meeting recorded on" in said and "(period 2025-10-01 to 2026-09-30)" in said
    assert "No meeting before this one is recorded" in first.html.read_text(encoding="utf-8")


# --- issue 21: no traps on the command line ---------------------------------------------------


def test_names_withdrawals_and_cases_on_the_command_line(ws_url, export, tmp_path):  # noqa: F811
    from contextmap.analysis import analyze
    from contextmap.workspace import open_workspace

    log = tmp_path / "audit.jsonl"
    run("workspace", "init", ws_url)
    run("import", str(export), "--workspace", ws_url)
    with open_workspace(ws_url) as ws:
        ds = ws.dataset()
    person = ds.persons.dropna(subset=["name"]).drop_duplicates("name", keep=False).iloc[0]
    child = ds.children.dropna(subset=["name"]).drop_duplicates("name", keep=False).iloc[0]
    # by unique names: the ids are stored, and the two records described
    out = run("decide", "merge", person["name"], child["name"], "--workspace", ws_url, "--reason", "one young man")
    assert f"Decision 1: merge {person['person_id']} {child['child_id']}" in out and "born" in out
    out = run("decide", "merge", "Nobody Atall", child["name"], "--workspace", ws_url, "--reason", "x", code=2)
    assert "names none" in out
    assert "1  merge" in run("decide", "list", "--workspace", ws_url)
    assert "Withdrew decision 1" in run("decide", "withdraw", "1", "--workspace", ws_url, "--reason", "wrong",
                                        "--log", str(log))
    assert "No decisions in force (1 withdrawn" in run("decide", "list", "--workspace", ws_url)
    assert "withdrawn" in run("decide", "list", "--all", "--workspace", ws_url)
    run("decide", "withdraw", "1", "--workspace", ws_url, "--reason", "again", "--log", str(log), code=2)
    # a group case from the peer group the analysis named, listed by name, backdated
    out = run("case", "open", "--workspace", ws_url, "--kind", "group", "--subject", "PG1", "--title", "Group one",
              "--opened", "01/10/2026")
    case = out.strip().split()[-1]
    with open_workspace(ws_url) as ws:
        want = analyze(ws.dataset(), seed=0, decisions=ws.decisions()).peer_groups.groups.loc["PG1", "children"]
        row = ws.cases().set_index("case").loc[case]
    assert sorted(row["children"]) == sorted(want) and len(want) >= 2
    assert f"linking {len(want)} children: {case}" in out and "opened 2026-10-01" in out
    names = ds.children.set_index("child_id")["name"]
    listed = run("case", "list", "--workspace", ws_url)
    assert all(str(names[c]) in listed for c in want if isinstance(names[c], str))
    assert "peer group PG1" in run("case", "show", case, "--workspace", ws_url)
    out = run("case", "open", "--workspace", ws_url, "--kind", "group", "--subject", "PG999", "--title", "x", code=2)
    assert "PG1:" in out  # the groups there are, listed
    out = run("case", "open", "--workspace", ws_url, "--kind", "person", "--subject", person["name"],
              "--title", "Seen with children at the park")
    assert f"Opened person case on {person['person_id']}" in out


def _all_commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group)
    out = []

    def walk(c, path):
        out.append(path)
        for name, sub in sorted(getattr(c, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(cmd, prefix)
    return out


def test_every_command_has_help():
    commands = _all_commands(app)
    assert ("decide", "withdraw") in commands and ("case", "show") in commands and len(commands) > 25
    for path in commands:
        r = runner.invoke(app, [*path, "--help"])
        assert r.exit_code == 0 and "Usage" in r.output, (path, r.output)
    assert run("--version").startswith("contextmap ")  # it said "Missing command"


def test_contextmap_workspace_is_honoured_by_every_command(tmp_path, export):
    ws = str(tmp_path / "team.cmw")
    env = {"CONTEXTMAP_WORKSPACE": ws}

    def go(*args: str, code: int = 0, env=env) -> str:
        r = runner.invoke(app, list(args), env=env)
        assert r.exit_code == code, (args, r.output, r.exception)
        return r.output

    go("workspace", "init")
    go("import", str(export))
    assert "24 children" in go("workspace", "status")  # the trap: status ignored the variable
    assert json.loads(go("workspace", "status", "--json"))["workspace"] == ws
    for cmd in (("decide", "list"), ("case", "list"), ("action", "list")):
        go(*cmd)
    assert "read " in go("validate")  # reads the workspace in place of PATH
    go("analyze", "--out", str(tmp_path / "an"), "--no-resolve")
    assert json.loads((tmp_path / "an" / "summary.json").read_text())["period"]
    # PATH wins over the variable, which is only a default; PATH and --workspace together are an error
    go("validate", str(export), env={"CONTEXTMAP_WORKSPACE": str(tmp_path / "nowhere.cmw")})
    assert "both" in go("validate", str(export), "--workspace", ws, code=2)
    # every command reading a workspace tries the one the variable names
    missing = {"CONTEXTMAP_WORKSPACE": str(tmp_path / "nowhere.cmw")}
    for args in (("workspace", "status"), ("workspace", "purge", "--older-than", "6y"),
                 ("workspace", "erase", "--child", "C0001"), ("import", str(export)), ("decide", "list"),
                 ("decide", "merge", "A", "B", "--reason", "x"), ("decide", "withdraw", "1", "--reason", "x"),
                 ("decide", "export", str(tmp_path / "d.txt")), ("case", "list"), ("case", "show", "case-1"),
                 ("case", "open", "--kind", "person", "--subject", "P1", "--title", "x"),
                 ("action", "list"), ("action", "add", "case-1", "--owner", "x", "--due", "2026-12-01", "--text", "x"),
                 ("validate",), ("analyze", "--out", str(tmp_path / "x")), ("map", "--out", str(tmp_path / "m.html")),
                 ("network", "--out", str(tmp_path / "n.html")), ("resolve", "--out", str(tmp_path / "r.csv")),
                 ("review", "--out", str(tmp_path / "r.html")), ("pack", "--out", str(tmp_path / "p"))):
        out = go(*args, code=2, env=missing)
        assert "nowhere.cmw" in out and "does not exist" in out and "\n" not in out.strip(), (args, out)
    # neither: one message, naming the variable
    for args in (("workspace", "status"), ("case", "list"), ("validate",), ("pack", "--out", str(tmp_path / "p"))):
        out = go(*args, code=2, env={"CONTEXTMAP_WORKSPACE": ""})
        assert "$CONTEXTMAP_WORKSPACE" in out and "instead got neither" in out, (args, out)


def test_an_error_quotes_the_value_as_given_never_as_markup(tmp_path):
    out = run("analyze", str(tmp_path), "--out", str(tmp_path / "o"), "--to", "[bold]2026[/bold]", code=2)
    assert "'[bold]2026[/bold]'" in out
    out = run("case", "list", "--workspace", str(tmp_path / "[red]w[/red].cmw"), code=2)
    assert "[red]w[/red].cmw" in out


def test_import_says_how_many_new_records_were_made_from_names(ws_url, tmp_path):  # noqa: F811
    d = tmp_path / "month"
    d.mkdir()
    (d / "children.csv").write_text("child_id,name\nC1,Ada Quillfeather\n", encoding="utf-8")
    (d / "episodes.csv").write_text("episode_id,child_id,reported_at\nE1,C1,2026-10-02 10:00\n", encoding="utf-8")
    (d / "persons.csv").write_text("person_id,name\nP1,Tyrone Maddox\n", encoding="utf-8")
    (d / "links.csv").write_text("link_id,source_id,target_name,relation,observed_on\n"
                                 "K1,C1,Bo Fairweather,associate_of,2026-10-01\n"
                                 "K2,C1,Cy Ormerod,associate_of,2026-10-01\n", encoding="utf-8")
    run("workspace", "init", ws_url)
    said = " ".join(run("import", str(d), "--workspace", ws_url, "--as-of", "2026-11-01").split())
    assert "Of the new, 2 are records made from names in links or episodes" in said and ": 2 persons" in said
    status = " ".join(run("workspace", "status", ws_url).split())
    assert "3 persons (2 made from names in links or episodes)" in status
    assert re.search(r"import 1 \S+: \d+ new \(2 made from names\)", status)


def test_the_import_table_fits_80_columns_and_never_cuts_a_count():
    from rich.console import Console

    from contextmap.workspace.commands import counts_table

    big = {"read": 334677, "new": 334677, "changed": 123456, "rematched": 23456, "unchanged": 211221,
           "not_in_latest": 100000, "quarantined": 99999, "held": 12345}
    counts = {t: dict(big) for t in ("children", "persons", "locations", "episodes", "links")}
    console = Console(width=80, record=True)
    console.print(counts_table(counts))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for n in big.values():
        assert str(n) in text
    # too narrow for every column: one line a table, every count whole
    narrow = Console(width=50, record=True)
    from contextmap.workspace.commands import print_counts

    print_counts(counts, narrow)
    said = narrow.export_text()
    assert any(line.startswith("links: 334677 read, 334677 new") for line in said.split("\n"))
    joined = " ".join(said.split())
    assert "12345 held" in joined and "100000 not in latest" in joined

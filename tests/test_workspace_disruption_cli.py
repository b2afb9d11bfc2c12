"""The disruption record on the command line (SQLite and PostgreSQL): case goal, action --p,
tactic, profile; every command with --help; dates day-first; refusals store nothing; data is
printed as data (no markup, no terminal control)."""

from __future__ import annotations

import re

import pytest
from _disruption_data import CHILD_NAME, write_export
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)
from typer.testing import CliRunner

from contextmap.cli import app

runner = CliRunner()

COMMANDS = [["case", "goal", "add"], ["case", "goal", "update"], ["case", "goal", "list"], ["tactic", "add"],
            ["tactic", "breach"], ["tactic", "end"], ["tactic", "list"], ["tactic", "show"], ["tactic", "kinds"],
            ["profile"], ["profile", "build"], ["profile", "adopt"], ["profile", "drop"], ["profile", "list"],
            ["action", "add"], ["action", "list"], ["case", "open"]]


def run(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    r = runner.invoke(app, list(args), env=env)
    assert r.exit_code == code, (args, r.output, r.exception)
    return r.output


def last(output: str) -> str:
    return output.strip().split()[-1]


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("cli") / "export")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    out = run(*command, "--help")
    assert "Usage" in out
    if command not in (["tactic", "kinds"], ["profile"]):
        assert "--workspace" in out


def test_the_disruption_record_round_trip(ws_url, export, tmp_path):  # noqa: F811
    w = ["--workspace", ws_url]
    run("workspace", "init", ws_url)
    run("import", str(export), *w)
    out = run("case", "open", *w, "--kind", "location", "--subject", "Flat 2, 9 Harrow Lane", "--title", "Flat",
              "--opened", "01/05/2026", "--profile", "--cadence", "2w")
    case = last(out)
    assert case == "case-1" and "adopted as problem profile profile-1" in out
    goal = last(run("case", "goal", "add", case, *w, "--text", "No child found there after 9pm",
                    "--measure", "episodes found there per month", "--review", "01/03/2027"))
    assert goal == "goal-1"
    assert "review 2027-03-01" in run("case", "goal", "update", goal, *w, "--status", "partly met",
                                      "--outcome", "two episodes in December")
    run("case", "goal", "update", goal, *w, "--status", "achieved", code=2)
    assert "partly-met" in run("case", "goal", "list", *w, "--history")
    act = last(run("action", "add", case, *w, "--owner", "police", "--due", "20/12/2026", "--text", "Visit",
                   "--p", "pursue"))
    run("action", "add", case, *w, "--owner", "school", "--due", "20/12/2026", "--text", "Talk", "--p", "prosecute",
        code=2)
    listed = run("action", "list", *w, "--p", "pursue")
    assert f"{act}  {case}" in listed and "[pursue] police: Visit" in listed
    assert "No actions tagged prevent" in run("action", "list", *w, "--p", "prevent")

    out = run("tactic", "add", case, *w, "--kind", "closure order", "--issued", "01/07/2026", "--owner", "Police",
              "--text", "Closure order granted")
    assert "issued 2026-07-01, expires 2026-10-01" in out and last(out) == "tactic-1"
    assert last(run("tactic", "breach", "tactic-1", *w, "--on", "10/08/2026", "--text", "Seen entering")) == "breach-1"
    run("tactic", "breach", "tactic-1", *w, "--on", "08/13/2026", "--text", "month first", code=2)
    cawn = run("case", "open", *w, "--kind", "person", "--subject", "Rex Vantoor", "--title", "Rex")
    refused = run("tactic", "add", last(cawn), *w, "--kind", "CAWN", "--issued", "2026-11-01", "--owner", "police",
                  "--text", "t", "--child", "Cara Lindqvist", code=2)
    assert "not in care" in refused
    assert "tactic-2" not in run("tactic", "list", *w)
    out = run("tactic", "add", last(cawn), *w, "--kind", "CAWN", "--issued", "2026-11-01", "--owner", "police",
              "--text", "Warned", "--child", CHILD_NAME)
    assert "checked: C1 was 14 on the issue date" in out and last(out) == "tactic-2"
    listed = run("tactic", "list", *w, "--effect")
    assert re.search(r"tactic-1  case-1  PAST EXPIRY \(\d+ days ago\)  Closure order against L1", listed)
    assert "1 breach;" in listed and "what changed:" in listed and "not proof" in listed
    assert "tactic-2" in run("tactic", "list", *w, "--case", last(cawn))
    assert "tactic-1" not in run("tactic", "list", *w, "--case", last(cawn))
    shown = run("tactic", "show", "tactic-1", *w)
    assert "breach-1 on 2026-08-10" in shown and "Anti-social Behaviour, Crime and Policing Act 2014 s80" in shown
    assert "Ended tactic-1: lapsed" in run("tactic", "end", "tactic-1", *w, "--reason", "lapsed")
    assert "No tactics lapsing within 30 days" in run("tactic", "list", *w, "--expiring", "30", "--no-ended")
    assert "goal-1" in run("case", "show", case, *w) and "tactic-1  ended" in run("case", "show", case, *w)

    assert "profile-1  DUE" in run("profile", "list", *w)
    out = run("profile", case, *w, "--out", str(tmp_path / "prof"), "--no-pdf", "--log", str(tmp_path / "a.jsonl"))
    assert "internal profile of Flat 2, 9 Harrow Lane" in out
    assert "up to date" in run("profile", "list", *w) and "No problem profiles due" in run("profile", "list", *w, "--due")
    assert "Already adopted" in run("profile", "adopt", "L1", *w)
    run("profile", "L1", *w, "--out", str(tmp_path / "prof"), "--no-pdf", code=2)  # no --overwrite
    assert "Dropped profile-1" in run("profile", "drop", "profile-1", *w, "--reason", "done")


def test_the_workspace_variable_serves_the_new_commands(export, tmp_path):
    env = {"CONTEXTMAP_WORKSPACE": str(tmp_path / "team.cmw")}
    run("workspace", "init", env=env)
    run("import", str(export), env=env)
    case = last(run("case", "open", "--kind", "school", "--subject", "Northgate Academy", "--title", "Gate", env=env))
    assert last(run("case", "goal", "add", case, "--text", "t", "--measure", "m", "--review", "2027-01-01", env=env)) == "goal-1"
    assert last(run("profile", "adopt", case, env=env)) == "profile-1"
    assert "closure_order: Closure order; used against location; lasts 3m" in run("tactic", "kinds", env=env)


def test_texts_that_try_to_rearrange_the_terminal_or_read_as_markup_are_printed_as_data(export, tmp_path):
    w = ["--workspace", str(tmp_path / "team.cmw")]
    run("workspace", "init", w[1])
    run("import", str(export), *w)
    case = last(run("case", "open", *w, "--kind", "location", "--subject", "L1", "--title", "t"))
    evil = "[bold red]Loud[/] <script>alert(1)</script> \u202eevil\u202c\u0007"
    run("case", "goal", "add", case, *w, "--text", evil, "--measure", evil, "--review", "2027-01-01")
    run("tactic", "add", case, *w, "--kind", "closure order", "--issued", "2026-07-01", "--owner", evil, "--text", evil)
    run("tactic", "breach", "tactic-1", *w, "--on", "2026-08-01", "--text", evil)
    for out in (run("case", "goal", "list", *w), run("tactic", "list", *w), run("tactic", "show", "tactic-1", *w),
                run("case", "show", case, *w)):
        assert "\u202e" not in out and "\x07" not in out
        assert "[bold red]Loud[/] <script>alert(1)</script> \\u202eevil\\u202c\\u0007" in out

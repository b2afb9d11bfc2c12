"""`contextmap validate`: output, files written and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from contextmap.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "tests" / "fixtures" / "northbridge_export"
EXAMPLE = ROOT / "docs" / "examples" / "mapping.yaml"

runner = CliRunner(env={"COLUMNS": "200"})


def test_clean_export_exits_0_and_writes_reports(tmp_path):
    out = tmp_path / "out"
    args = ["validate", str(EXPORT), "--mapping", str(EXAMPLE), "--out", str(out), "--as-of", "2026-01-01"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "RHI within 72 hours" in r.output and "15 accepted, 0 quarantined" in r.output
    for f in ("problems.csv", "quality.json", "quality.html", "quarantine/links.csv"):
        assert (out / f).is_file()
    assert json.loads((out / "quality.json").read_text())["counts"]["links"]["accepted"] == 4
    # re-running into the same folder replaces this command's own files
    assert runner.invoke(app, args).exit_code == 0


def test_quarantined_rows_exit_1_and_list_problems(tmp_path):
    # 14 ids each on two rows that differ: all 28 quarantined; 'severe' is a warning (kept)
    pairs = "".join(f"X{i},low\nX{i},high\n" for i in range(3, 17))
    (tmp_path / "children.csv").write_text("child_id,ce_risk\nC1,high\nC2,severe\n" + pairs)
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\nE1,C1,23/11/2025\n")
    r = runner.invoke(app, ["validate", str(tmp_path), "--show", "5", "--as-of", "2026-01-01"])
    assert r.exit_code == 1, r.output
    assert "'X3'" in r.output and "and 23 more" in r.output  # 5 examples of the one kind of error
    assert "28 quarantined" in r.output


def test_unreadable_input_exits_2_without_traceback(tmp_path):
    (tmp_path / "children.csv").write_bytes("child_id\nC\xe91\n".encode("latin-1"))
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    r = runner.invoke(app, ["validate", str(tmp_path)])
    assert r.exit_code == 2
    assert "not UTF-8" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["validate", str(tmp_path / "missing")])
    assert r.exit_code == 2
    r = runner.invoke(app, ["validate", str(EXPORT), "--mapping", str(tmp_path / "none.yaml")])
    assert r.exit_code == 2 and "mapping file not found" in r.output


def _noisy(tmp_path: Path) -> Path:
    """Police intelligence as a real export sends it: gradings already in canonical form where
    the pattern expects a prefix, associates the data does not know, a month-first birth date."""
    (tmp_path / "children.csv").write_text("child_id,name\nC1,Ada Brindle\nC2,Bo Carver\n")
    (tmp_path / "episodes.csv").write_text("episode_id,child_id,reported_at\nE1,C1,02/10/2026\n")
    (tmp_path / "nominals.csv").write_text("Nominal Ref,Name,DOB\nN1,Tyrone Mullaney,03/14/1996\nN2,Kyle Nixon,14/03/1996\n")
    rows = [f"I{k},N1,Associate {k},associate,0{1 + k % 9}/10/2026,{'B2 / 3x5x2 code 1B P' if k % 2 else '1B P'}"
            for k in range(1, 61)]
    rows.append("I61,N2,Ada Brindle,associate,05/10/2026,see notes")  # not a grading at all
    (tmp_path / "intel.csv").write_text("Intel Ref,Nominal Ref,Associate Name,Link Type,Date,Grading\n"
                                        + "\n".join(rows) + "\n")
    m = tmp_path / "sources.yaml"
    m.write_text(
        "sources:\n  - {file: children.csv, table: children, agency: Eden Vale Council}\n"
        "  - {file: episodes.csv, table: episodes, agency: Eden Vale Council}\n"
        "  - {file: nominals.csv, table: persons, agency: Fellside Constabulary,\n"
        "     columns: {Nominal Ref: person_id, Name: name, DOB: date_of_birth}}\n"
        "  - file: intel.csv\n    table: links\n    agency: Fellside Constabulary\n"
        "    columns: {Intel Ref: link_id, Nominal Ref: source_id, Associate Name: target_name, Link Type: relation,\n"
        "              Date: observed_on, grading: {from: Grading, pattern: '3x5x2 code (\\w\\w\\s*\\w)'}}\n")
    return m


def test_problems_are_grouped_by_kind_and_fit_80_columns(tmp_path):
    m = _noisy(tmp_path)
    r = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["validate", str(m), "--as-of", "2026-12-01",
                                                      "--out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output  # the row graded 'see notes' is quarantined
    lines = r.output.splitlines()
    assert max(len(x) for x in lines) <= 80, "\n".join(x for x in lines if len(x) > 80)
    header = next(x for x in lines if x.startswith("table "))
    assert header.split() == ["table", "read", "accepted", "quarantined", "provisional", "complete"]  # whole words
    assert any(x.split()[:2] == ["links", "61"] for x in lines)  # one line per table, not wrapped
    # 60 unknown associates: one kind, its count, three examples and the rest counted
    kind = next(i for i, x in enumerate(lines) if "links.target_name:" in x)
    assert lines[kind].split()[0] == "60"
    examples = [x.strip() for x in lines[kind + 1:kind + 6]]
    assert sum(x.startswith("intel.csv row ") for x in examples) == 3 and "... and 57 more" in examples
    # a grading already in canonical form is no warning; text the pattern cannot read is
    assert r.output.count("pattern does not match") == 1 and "'see notes'" in r.output
    # the month-first birth date is named as such, with the date it would be
    assert "persons.date_of_birth:" in r.output and "reads as month-first (US)" in r.output
    assert "14 March 1996" in r.output
    problems = pd.read_csv(tmp_path / "out" / "problems.csv", dtype=str, encoding="utf-8-sig")
    assert (problems["column"] == "target_name").sum() == 60  # every row still in the file
    assert f"Every problem, row by row: {tmp_path / 'out' / 'problems.csv'}" in r.output.replace("\n", "")


def test_an_existing_output_is_refused_before_the_data_is_read(tmp_path, monkeypatch):
    """pack, review and sample say that --out exists (and how to replace it) at once, not
    after a minute of reading and resolving the data."""
    import contextmap.cli as cli
    import contextmap.pack.build as build
    import contextmap.sample.generate as generate

    def read(*_a, **_k):
        raise AssertionError("the data was read before --out was checked")

    monkeypatch.setattr(build, "build_pack", read)
    monkeypatch.setattr(cli, "_input", read)
    monkeypatch.setattr(generate, "generate_sample", read)
    data = tmp_path / "data"
    data.mkdir()
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine", encoding="utf-8")
    page = tmp_path / "review.html"
    page.write_text("an earlier page", encoding="utf-8")
    (tmp_path / "children.csv").write_text("child_id\n", encoding="utf-8")
    for args in (["pack", str(data), "--out", str(full)], ["review", str(data), "--out", str(page)],
                 ["sample", "--out", str(tmp_path)]):
        r = CliRunner().invoke(cli.app, args)
        assert r.exit_code == 2, (args, r.output)
        assert "--overwrite" in r.output and "AssertionError" not in r.output, r.output
    assert (full / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_command_line_writes_files_for_its_user_alone(tmp_path):
    """A review page or a problems file holds children's names: the command line writes every
    file and folder without group or other access, whatever the shell's umask (0022 here)."""
    import os
    import stat
    import subprocess
    import sys

    out = tmp_path / "sample"
    env = {**os.environ, "CONTEXTMAP_WORKERS": "1"}
    subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); sys.argv = ['contextmap', 'sample', "
                    f"'--out', {str(out)!r}, '-n', '10']; from contextmap.cli import main; main()"],
                   check=True, env=env, capture_output=True, timeout=300)
    made = [out, *out.rglob("*")]
    assert len(made) > 5
    for p in made:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, (p, oct(p.stat().st_mode))

"""`contextmap validate`: output, files written and exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "'X3'" in r.output and "and 27 more" in r.output
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

"""One manifest for every month: ``{period}``, ``{period:FMT}`` and globs in a source's file.

The monthly exports (tests/_monthly_data.py, every name invented) are a council's month-named
files and a police folder per month holding several intelligence files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _monthly_data import AS_OF, MANIFEST, write_months
from typer.testing import CliRunner

import contextmap
from contextmap import ConfigError, InputNotFoundError, InputReadError, MappingError
from contextmap.cli import app
from contextmap.ingest.manifest import load_manifest
from contextmap.ingest.patterns import FilePattern, parse_period

runner = CliRunner(env={"COLUMNS": "80"})


@pytest.fixture
def months(tmp_path: Path) -> Path:
    return write_months(tmp_path)


def _labels(ds, table: str) -> list[str]:
    return list(dict.fromkeys(ds.report.provenance[table]["file"]))


def test_the_latest_month_with_every_file_is_read_by_default(months):
    ds = contextmap.load(months, as_of=AS_OF)
    assert ds.period == "2026-11"
    assert _labels(ds, "children") == ["council/cyp_Nov2026.csv"]
    assert _labels(ds, "links") == ["council/associations_2026-11.csv", "police/2026-11/intel_a.csv"]
    # the police have not sent November yet: October is the latest month every source has
    for f in (months.parent / "police" / "2026-11").iterdir():
        f.unlink()
    (months.parent / "police" / "2026-11").rmdir()
    assert load_manifest(months).period == "2026-10"


def test_a_period_given_reads_that_months_files_each_with_its_provenance(months):
    ds = contextmap.load(months, as_of=AS_OF, period="2026-10")
    assert ds.period == "2026-10"
    assert _labels(ds, "links") == ["council/associations_2026-10.csv", "police/2026-10/intel_a.csv",
                                    "police/2026-10/intel_b.csv"]  # every glob match, in name order
    prov = ds.report.provenance["links"].set_index(ds.links["link_id"])
    assert prov.loc["I3", ["file", "row", "agency"]].tolist() == ["police/2026-10/intel_b.csv", 2, "Fellside Constabulary"]
    assert ds.content_hash != contextmap.load(months, as_of=AS_OF).content_hash


def test_month_names_match_ignoring_case_and_skip_lock_and_hidden_files(months):
    d = months.parent
    (d / "council" / "cyp_Nov2026.csv").rename(d / "council" / "CYP_NOV2026.csv")
    (d / "council" / "cyp_NOV2026.csv").write_text("x")  # prefix case differs: not this file
    os.replace(d / "council" / "CYP_NOV2026.csv", d / "council" / "cyp_NOV2026.csv")
    (d / "police" / "2026-11" / "~$intel_lock.csv").write_text("not,a,real,file\n")
    (d / "police" / "2026-11" / ".intel_hidden.csv").write_text("not,a,real,file\n")
    ds = contextmap.load(months, as_of=AS_OF)
    assert _labels(ds, "children") == ["council/cyp_NOV2026.csv"]
    assert _labels(ds, "links") == ["council/associations_2026-11.csv", "police/2026-11/intel_a.csv"]


def test_no_file_for_the_period_names_the_entry_and_what_was_looked_for(months):
    with pytest.raises(InputNotFoundError) as e:
        contextmap.load(months, period="2026-09")
    msg = str(e.value)
    assert "sources[1].file 'council/cyp_{period:%b%Y}.csv'" in msg
    assert "no file for the period 2026-09" in msg and "'council/cyp_Sep2026.csv'" in msg
    assert "2026-10, 2026-11" in msg  # the months it does have


def test_a_glob_matching_nothing_is_an_error_naming_it(months):
    text = MANIFEST.replace("police/{period}/intel_*.csv", "police/*/intelligence_*.csv")
    months.write_text(text, encoding="utf-8")
    with pytest.raises(InputNotFoundError, match=r"sources\[5\]\.file 'police/\*/intelligence_\*\.csv' matches no file"):
        load_manifest(months)


def test_no_month_common_to_every_source_lists_what_each_has(months):
    for f in (months.parent / "council").glob("*Nov2026.csv"):
        f.unlink()
    for f in (months.parent / "police" / "2026-10").iterdir():
        f.unlink()
    with pytest.raises(InputNotFoundError) as e:
        load_manifest(months)
    assert "no period has a file for every {period} source" in str(e.value)
    assert "'council/cyp_{period:%b%Y}.csv' has 2026-10" in str(e.value)
    assert "'police/{period}/nominals.csv' has 2026-11" in str(e.value)


@pytest.mark.parametrize("file, error, words", [
    ("../{period}/intel.csv", InputReadError, "could reach outside the folder"),
    ("police/../../{period}.csv", InputReadError, "could reach outside the folder"),
    ("/etc/{period}/*.csv", InputReadError, "absolute path"),
    ("police/{month}.csv", MappingError, "unknown placeholder {month}"),
    ("police/{period:%H%M}.csv", MappingError, "uses %H, %M"),
    ("police/{period:%b}.csv", MappingError, "must give the year"),
    ("police/{period:%Y/../%m}.csv", InputReadError, "path separator"),
    ("police/{period.csv", MappingError, "brace without its pair"),
    ("police/{period:%Y-%m%}.csv", MappingError, "lone '%'"),
    ("..\\{period}\\intel.csv", InputReadError, "could reach outside the folder"),  # as Windows writes it
    ("C:/exports/{period}.csv", InputReadError, "absolute path"),
])
def test_hostile_patterns_are_refused_before_anything_is_read(months, file, error, words):
    months.write_text(MANIFEST.replace("police/{period}/nominals.csv", file), encoding="utf-8")
    with pytest.raises(error, match="sources\\[4\\]") as e:
        load_manifest(months)
    assert words in str(e.value)


def test_a_period_in_the_folder_is_refused(months):
    months.write_text("folder: 'exports/{period}'\n" + MANIFEST, encoding="utf-8")
    with pytest.raises(MappingError, match="folder 'exports/{period}' must be one fixed folder"):
        load_manifest(months)


def test_a_glob_match_that_is_a_link_outside_the_folder_is_refused(months, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "intel_secret.csv"
    outside.write_text("Intel Ref,Nominal Ref,Associate Name,Link Type,Date,Grading\n")
    (months.parent / "police" / "2026-11" / "intel_z.csv").symlink_to(outside)
    with pytest.raises(InputReadError, match="outside the folder"):
        load_manifest(months)
    (months.parent / "police" / "2026-11" / "intel_z.csv").unlink()
    (months.parent / "police" / "2026-11" / "intel_z.csv").symlink_to(months.parent / "nothing.csv")
    with pytest.raises(InputReadError, match="symbolic link"):
        load_manifest(months)


def test_backslashes_separate_folders_as_windows_writes_them(months):
    months.write_text(MANIFEST.replace("police/{period}/intel_*.csv", "police\\{period}\\intel_*.csv"), encoding="utf-8")
    assert [s.label for s in load_manifest(months).sources if s.table == "links"][1:] == ["police/2026-11/intel_a.csv"]


def test_placeholders_that_disagree_name_no_file(tmp_path):
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "intel_Nov2026.csv").write_text("x\n")
    (tmp_path / "2026-11").mkdir()
    (tmp_path / "2026-11" / "intel_Nov2026.csv").write_text("x\n")
    p = FilePattern.parse("{period}/intel_{period:%b%Y}.csv", where="f")
    assert [(f.relative_to(tmp_path).as_posix(), m) for f, m in p.matches(tmp_path)] == [
        ("2026-11/intel_Nov2026.csv", "2026-11")]


@pytest.mark.parametrize("fmt, name", [("{period:%B_%y}", "October_26"), ("{period:%Y%m%d}", "20261001"),
                                       ("{period:%m.%Y}", "10.2026"), ("{period:100%%_%b%Y}", "100%_Oct2026")])
def test_period_formats_render_and_are_found_again(tmp_path, fmt, name):
    p = FilePattern.parse(f"x_{fmt}.csv", where="f")
    assert p.render("2026-10") == f"x_{name}.csv"
    (tmp_path / f"x_{name}.csv").write_text("x\n")
    assert p.periods(tmp_path) == {"2026-10"}


@pytest.mark.parametrize("bad", ["10/2026", "2026-13", "2026-1", "26-10", "", "2026-10-01"])
def test_a_period_must_be_a_month_written_yyyy_mm(bad):
    with pytest.raises(ConfigError, match="YYYY-MM"):
        parse_period(bad, name="--period")


def test_a_period_where_no_file_names_one_is_an_error(tmp_path, months):
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text("sources:\n  - {file: council/cyp_Oct2026.csv, table: children, columns: {Child ID: child_id}}\n"
                     "  - {file: council/missing_Oct2026.csv, table: episodes, columns: {Episode No: episode_id, "
                     "Child ID: child_id, Reported: reported_at}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no source's file names the {period}"):
        contextmap.load(fixed, period="2026-10")
    assert contextmap.load(fixed, as_of=AS_OF).period is None
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id\nC1\n")
    (folder / "episodes.csv").write_text("episode_id,child_id,reported_at\n")
    with pytest.raises(ConfigError, match="sources manifest whose files name the"):
        contextmap.load(folder, period="2026-10")


def test_validate_says_which_month_it_chose_and_takes_period(months):
    r = runner.invoke(app, ["validate", str(months), "--as-of", AS_OF])
    assert r.exit_code == 0, r.output
    assert "Period 2026-11: the latest month for which every monthly file is present" in r.output
    r = runner.invoke(app, ["validate", str(months), "--as-of", AS_OF, "--period", "2026-10"])
    assert r.exit_code == 0, r.output
    assert "the latest month" not in r.output and "read 13 rows" in r.output and "(period 2026-10)" in r.output
    r = runner.invoke(app, ["validate", str(months), "--period", "Oct 2026"])
    assert r.exit_code == 2 and "Expected period to be a month written YYYY-MM" in r.output


def test_analyze_reads_the_month_asked_for(months, tmp_path):
    r = runner.invoke(app, ["analyze", str(months), "--out", str(tmp_path / "a"), "--period", "2026-10",
                            "--no-resolve"])
    assert r.exit_code == 0, r.output
    assert "to 2026-10-25" in r.output  # the latest date in October's files


@pytest.mark.parametrize("command", ["validate", "analyze", "pack", "map", "network", "resolve", "review", "import"])
def test_every_command_that_reads_a_dataset_takes_period(command):
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, [command, "--help"])
    assert r.exit_code == 0 and "--period" in r.output and "YYYY-MM" in r.output


def test_period_with_a_workspace_is_refused(tmp_path):
    r = runner.invoke(app, ["validate", "--workspace", str(tmp_path / "w.cmw"), "--period", "2026-10"])
    assert r.exit_code == 2 and "a workspace holds every month imported" in r.output


def test_the_documented_monthly_manifest_reads_each_month():
    from _monthly_data import EXAMPLE

    r = runner.invoke(app, ["validate", str(EXAMPLE), "--as-of", AS_OF])
    assert r.exit_code == 0, r.output
    assert "Period 2026-11" in r.output
    ds = contextmap.load(EXAMPLE, as_of=AS_OF, period="2026-10")
    assert ds.period == "2026-10" and len(ds.links) == 6 and ds.report.is_clean

"""The analysis bundle, summary.json keys, writing, and the analyze command, through load."""

from __future__ import annotations

import json

import pytest
from _analysis_data import two_groups, write_csvs
from typer.testing import CliRunner

import contextmap
from contextmap._errors import OutputExistsError
from contextmap.analysis import SUMMARY_KEYS, analyze
from contextmap.cli import app


@pytest.fixture
def data_dir(tmp_path):
    return write_csvs(tmp_path / "data", **two_groups())


def test_analyze_through_load_default_period_and_summary(data_dir):
    ds = contextmap.load(data_dir)
    a = analyze(ds, resolve=False, n_runs=3)
    s = a.summary()
    assert tuple(s) == SUMMARY_KEYS
    # default: the 12 months up to the latest date in the data (2024-06-22)
    assert s["period"] == {"start": "2023-06-23", "end": "2024-06-22"}
    assert sorted(tuple(g["children"]) for g in s["peer_groups"]) == [("C1", "C2", "C3"), ("C4", "C5", "C6")]
    assert all(set(g) >= {"id", "children", "stability"} for g in s["peer_groups"])
    assert [h["rank"] for h in s["hotspots"]] == list(range(1, len(s["hotspots"]) + 1))
    assert s["persons_of_concern"][0] == {**s["persons_of_concern"][0], "person_id": "P1", "rank": 1, "children_reached": 3}
    assert {"child_id", "flag", "detail"} == set(s["flags"][0])
    assert not a.resolved


def test_same_seed_same_summary(data_dir):
    ds = contextmap.load(data_dir)
    assert analyze(ds, resolve=False, seed=3, n_runs=3).summary() == analyze(ds, resolve=False, seed=3, n_runs=3).summary()


def test_write_refuses_to_overwrite(data_dir, tmp_path):
    a = analyze(contextmap.load(data_dir), resolve=False, n_runs=2, start="2024-06-01", end="2024-06-30")
    paths = a.write(tmp_path / "out")
    data = json.loads(paths["summary.json"].read_text())
    assert data["period"] == {"start": "2024-06-01", "end": "2024-06-30"}
    assert "C1; C2; C3" in paths["peer_groups.csv"].read_text()
    with pytest.raises(OutputExistsError, match="summary.json"):
        a.write(tmp_path / "out")
    a.write(tmp_path / "out", overwrite=True)


def test_resolution_hook_runs_when_asked(data_dir):
    a = analyze(contextmap.load(data_dir), n_runs=2)
    assert a.resolved and "merged_from" in a.dataset.persons.columns


def test_cli_analyze_writes_summary(data_dir, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", str(data_dir), "--out", str(out), "--from", "2024-06-01",
                                   "--to", "2024-06-30", "--seed", "1", "--no-resolve"])
    assert res.exit_code == 0, res.output
    assert "2 peer groups" in res.output and "Period 2024-06-01 to 2024-06-30" in res.output
    assert json.loads((out / "summary.json").read_text())["period"]["end"] == "2024-06-30"
    again = CliRunner().invoke(app, ["analyze", str(data_dir), "--out", str(out)])
    assert again.exit_code == 2 and "overwrite" in again.output
    bad = CliRunner().invoke(app, ["analyze", str(data_dir), "--out", str(out), "--to", "2024-02-30", "--overwrite"])
    assert bad.exit_code == 2 and "2024-02-30" in bad.output


def test_written_csvs_neutralise_spreadsheet_formulas(data_dir, tmp_path):
    # analysts open these in Excel: a data string starting '=' must not run as a formula
    a = analyze(contextmap.load(data_dir), resolve=False, n_runs=2)
    a.flags.loc[a.flags.index[0], "detail"] = '=HYPERLINK("http://x.example","click")'
    paths = a.write(tmp_path / "out")
    text = paths["flags.csv"].read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    assert not any(cell.startswith("=") for line in text.splitlines() for cell in line.split(","))


@pytest.mark.parametrize(("command", "fname"), [("map", "m.html"), ("network", "n.html")])
@pytest.mark.parametrize("audience", ["partner", "nosuch"])
def test_cli_views_refuse_an_audience_they_cannot_redact_for(data_dir, tmp_path, command, fname, audience):
    # 'map --audience partner' used to write real names under a "partner" title bar
    out = tmp_path / fname
    res = CliRunner().invoke(app, [command, str(data_dir), "--out", str(out), "--audience", audience])
    assert res.exit_code == 2, res.output
    assert not out.exists()
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_analyze_takes_a_path_as_build_pack_does(data_dir):
    # the trap: analyze("data/sample") raised AttributeError ('str' object has no attribute 'episodes')
    from_path = analyze(str(data_dir), resolve=False, n_runs=2, seed=1)
    from_ds = analyze(contextmap.load(data_dir), resolve=False, n_runs=2, seed=1)
    assert from_path.summary() == from_ds.summary() and from_path.dataset.source is not None
    assert analyze(data_dir, resolve=False, n_runs=2, seed=1).summary() == from_ds.summary()  # a Path too
    with pytest.raises(FileNotFoundError):
        analyze(data_dir / "no-such-export", resolve=False)
    with pytest.raises(TypeError, match="Expected data"):
        analyze(42)  # type: ignore[arg-type]


def test_an_empty_period_warns_in_python_and_is_an_error_on_the_command_line(data_dir, tmp_path):
    from contextmap.analysis import EmptyPeriodWarning

    ds = contextmap.load(data_dir)
    with pytest.warns(EmptyPeriodWarning, match="2010-01-01 to 2010-01-31.*the data runs from 2024-") as rec:
        a = analyze(ds, start="2010-01-01", end="2010-01-31", resolve=False, n_runs=2)
    assert rec[0].filename == __file__  # the warning points at the caller's line
    assert a.peer_groups.groups.empty and a.hotspots.empty and a.persons.empty  # empty results, as before
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyze(ds, start="2024-06-01", end="2024-06-30", resolve=False, n_runs=2)  # a period with records: silent
    for command in ("analyze", "map", "network", "pack"):
        out = tmp_path / command
        args = [command, str(data_dir), "--out", str(out if command in ("analyze", "pack") else out.with_suffix(".html")),
                "--from", "01/01/2010", "--to", "31/01/2010"]
        res = CliRunner().invoke(app, args + (["--no-pdf", "--no-resolve"] if command == "pack" else []))
        assert res.exit_code == 2, (command, res.output, res.exception)
        text = " ".join(res.output.split())
        assert "2010-01-01 to 2010-01-31, which holds none: the data runs from 2024-" in text, (command, text)
        assert "Traceback" not in res.output and not any(tmp_path.glob(f"{command}*")), command


def test_places_and_key_players_in_a_second_process_give_what_one_process_gives(data_dir, monkeypatch):
    import pandas as pd

    import contextmap.analysis as analysis_module
    from contextmap.parallel import fork_available

    ds = contextmap.load(data_dir)
    monkeypatch.setenv("CONTEXTMAP_WORKERS", "1")
    alone = analyze(ds, resolve=False, n_runs=3)
    monkeypatch.delenv("CONTEXTMAP_WORKERS")
    monkeypatch.setattr(analysis_module, "PARALLEL_FROM", 0)
    jobs = []
    beside = analysis_module.beside
    monkeypatch.setattr(analysis_module, "beside", lambda *a, **k: jobs.append(beside(*a, **k)) or jobs[-1])
    both = analyze(ds, resolve=False, n_runs=3)
    # three jobs beside: the places (ranked while the graph is built), the key players and the
    # persons' betweenness (found while the peer groups are) and the flags the records alone
    # raise (while persons are ranked)
    assert len(jobs) == 3 and all(j.ran_in_child == fork_available() for j in jobs)
    pd.testing.assert_frame_equal(both.key_players, alone.key_players)
    pd.testing.assert_frame_equal(both.persons, alone.persons)
    pd.testing.assert_frame_equal(both.flags, alone.flags)
    pd.testing.assert_frame_equal(both.hotspots, alone.hotspots)
    pd.testing.assert_frame_equal(both.clusters, alone.clusters)
    assert both.density.values.tolist() == alone.density.values.tolist()
    assert both.summary() == alone.summary()


@pytest.mark.parametrize("failing_step", ["ranking persons of concern", "ranking locations", "flagging children"])
def test_a_step_that_fails_leaves_no_child_process_running(data_dir, monkeypatch, failing_step):
    import multiprocessing

    import contextmap.analysis as analysis_module

    ds = contextmap.load(data_dir)
    monkeypatch.setattr(analysis_module, "PARALLEL_FROM", 0)

    def progress(step: str) -> None:
        if step == failing_step:
            raise KeyboardInterrupt(step)

    with pytest.raises(KeyboardInterrupt, match=failing_step):
        analyze(ds, resolve=False, n_runs=2, progress=progress)
    assert multiprocessing.active_children() == []

"""Splink as the person scoring engine: training, fallback to priors, engines, no side effects."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from contextmap._errors import ConfigError
from contextmap.cli import app
from contextmap.resolve import example_dataset, resolve_dataset, resolve_persons
from contextmap.resolve.example import build_dataset
from contextmap.resolve.splink_engine import MIN_RECORDS_FOR_EM, PRIOR_M


def _invented_people(n_people: int, seed: int) -> tuple[list[dict], dict[str, str]]:
    """Invented people (syllable names), each written 1-3 times with typos, initials, a
    swapped day/month or a digit off in the date of birth."""
    rng = np.random.default_rng(seed)
    syl = "ka ty ler ja den ma son ri ley ro wan be la mi na ell io sh an ne dre vo qu ix".split()
    word = lambda k: "".join(rng.choice(syl, k)).capitalize()  # noqa: E731
    rows, truth = [], {}
    for e in range(n_people):
        f, s = word(2), word(3)
        y, m, d = int(rng.integers(1970, 2008)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        for j in range(int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))):
            name, yy, mm, dd = f"{f} {s}", y, m, d
            if j:
                r = rng.random()
                if r < 0.25:
                    name = f"{f[0]} {s}"
                elif r < 0.5:
                    k = int(rng.integers(1, len(s) - 1))
                    name = f"{f} {s[:k]}{s[k + 1]}{s[k]}{s[k + 2:]}"
                elif r < 0.6:
                    name = f"{s.upper()}, {f}"
                r = rng.random()
                if r < 0.15 and d <= 12:
                    mm, dd = d, m
                elif r < 0.3:
                    yy = y + 1 if y % 10 != 9 else y - 1
            pid = f"P{len(rows):05d}"
            rows.append({"person_id": pid, "name": name, "date_of_birth": f"{yy:04d}-{mm:02d}-{dd:02d}"})
            truth[pid] = f"E{e}"
    return rows, truth


def _pairwise(labels: pd.Series, truth: pd.Series) -> tuple[float, float]:
    df = pd.DataFrame({"p": labels.to_numpy(), "t": truth.reindex(labels.index).to_numpy()})
    pairs = lambda g: int((g.size() * (g.size() - 1) // 2).sum())  # noqa: E731
    tp, pp, tt = pairs(df.groupby(["p", "t"])), pairs(df.groupby("p")), pairs(df.groupby("t"))
    return tp / pp, tp / tt


def test_small_dataset_uses_documented_priors_and_says_so():
    res = resolve_persons(example_dataset())
    assert res.model is not None and res.model.trained == "fixed priors"
    assert "too few for EM" in res.model.note and str(MIN_RECORDS_FOR_EM) not in res.model.note  # 1,000
    lv = res.model.levels
    fore = lv[(lv["comparison"] == "forename") & lv["m_probability"].notna()]
    assert fore["m_probability"].round(6).tolist() == list(PRIOR_M["forename"])
    assert res.mapping == {"C1": "C1", "P1": "P1", "P2": "P1", "P3": "P1", "P4": "P4"}  # C1: the child, compared
    # the waterfall: prior first, then one weight per comparison, summing to the match weight
    row = res.pairs.set_index(["record_a", "record_b"]).loc[("P1", "P3")]
    import json

    steps = json.loads(row["waterfall"])
    assert steps[0][0].startswith("prior") and any(w == "DOB exact" for w, _ in steps)
    assert sum(x for _, x in steps) == pytest.approx(row["match_weight"], abs=0.05)
    assert "forename exact" in row["explanation"] and "alias 'Big T'" in row["explanation"]


def test_em_learns_from_a_larger_dataset_and_finds_typo_duplicates():
    rows, truth = _invented_people(900, seed=3)
    assert len(rows) >= MIN_RECORDS_FOR_EM
    ds = build_dataset(persons=rows)
    res = resolve_persons(ds, seed=1)
    assert res.model.trained == "EM"
    lv = res.model.levels.set_index(["comparison", "label"])
    m_exact = float(lv.loc[("forename", "Exact match on forename"), "m_probability"])
    assert m_exact != pytest.approx(PRIOR_M["forename"][0], abs=1e-3)  # estimated, not the prior
    precision, recall = _pairwise(res.entities.set_index("record_id")["entity_id"], pd.Series(truth))
    assert precision >= 0.98 and recall >= 0.95
    # same seed, same answer, to the last digit of the model (EM trains on one DuckDB thread:
    # parallel sums add in whichever order the threads finish)
    again = resolve_persons(ds, seed=1)
    pd.testing.assert_frame_equal(again.entities, res.entities)
    assert again.model.levels.equals(res.model.levels)


def test_guard_still_keeps_brothers_apart_under_splink():
    # "R Garside" could be Reece or Marcus: two brothers (different forenames and dates of
    # birth) never become one person through the initial
    rows = [
        {"person_id": "P1", "name": "Reece Garside", "date_of_birth": "2001-04-02", "gender": "male"},
        {"person_id": "P2", "name": "Marcus Garside", "date_of_birth": "1998-10-19", "gender": "male"},
        {"person_id": "P3", "name": "R Garside", "gender": "male"},
        {"person_id": "P4", "name": "M Garside", "gender": "male"},
    ]
    res = resolve_persons(build_dataset(persons=rows))
    m = res.mapping
    assert m["P1"] != m["P2"]


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(ConfigError, match="engine.*'sqlite'"):
        resolve_persons(example_dataset(), engine="sqlite")


def test_resolution_writes_nothing_and_opens_no_connection(tmp_path, monkeypatch):
    # run from inside the dataset folder: nothing may appear there (DuckDB's default temp
    # folder is ./.tmp), and no socket may be opened (no extension or model download)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "note.txt").write_text("the analyst's own file")
    before = sorted(p.name for p in folder.rglob("*"))
    monkeypatch.chdir(folder)

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    rows, _ = _invented_people(700, seed=5)  # over MIN_RECORDS_FOR_EM: the EM path
    res = resolve_persons(build_dataset(persons=rows))
    assert res.model.trained == "EM"
    resolve_dataset(example_dataset())
    assert sorted(p.name for p in folder.rglob("*")) == before


@pytest.mark.slow
def test_spark_and_duckdb_give_the_same_entities(tmp_path):
    """`contextmap resolve --engine spark` (Spark in local mode) against --engine duckdb."""
    pytest.importorskip("pyspark")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no Java runtime: `make test` installs Debian's default-jre-headless")
    from contextmap.sample import generate_sample

    data = tmp_path / "s"
    generate_sample(children=40, seed=11).write(data)
    outs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        done = CliRunner().invoke(app, ["resolve", str(data), "--out", str(out), "--engine", engine])
        assert done.exit_code == 0, done.output[-2000:]
        assert f"Splink model on {engine}" in done.output
        outs[engine] = pd.read_csv(out, dtype=str).sort_values("record_id").reset_index(drop=True)
    a, b = outs["duckdb"], outs["spark"]
    assert len(a) and a["entity_id"].nunique() < len(a)  # something was merged
    pd.testing.assert_series_equal(a["record_id"], b["record_id"])
    pd.testing.assert_series_equal(a["entity_id"], b["entity_id"])
    assert np.allclose(a["confidence"].astype(float), b["confidence"].astype(float), atol=1e-3)
    assert not any(Path(data).glob("**/*.parquet")) and not (data / ".tmp").exists()


def test_no_dates_of_birth_means_nothing_for_em_so_priors_and_it_says_why():
    rows, _ = _invented_people(800, seed=7)
    for r in rows:
        r["date_of_birth"] = None
    res = resolve_persons(build_dataset(persons=rows))
    assert len(rows) >= MIN_RECORDS_FOR_EM
    assert res.model.trained == "fixed priors"
    assert "share a date of birth" in res.model.note and "fixed priors" in res.model.note

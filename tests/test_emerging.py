"""Emerging hotspots: planted space-time patterns come back as their categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _analysis_data import make_dataset

from contextmap._errors import ConfigError
from contextmap.emerging import CATEGORIES, classify_series, emerging_hotspots

LAT0, LON0 = 54.89, -2.93


def _grid_dataset(seed: int = 0):
    """40 places on a 300 m grid; a persistent cluster (busy in every step), a new one (busy
    only at the end), a fading one (busy early, quiet late) and sparse background visits."""
    rng = np.random.default_rng(seed)
    locs, links = [], []
    for i in range(8):
        for j in range(5):
            locs.append({"location_id": f"L{i}{j}", "name": f"Place {i}{j}", "category": "other",
                         "latitude": LAT0 + j * 300 / 111_320, "longitude": LON0 + i * 300 / 64_000})
    children = [{"child_id": f"C{k}", "name": f"Child {k}"} for k in range(60)]
    n = 0

    def visit(loc: str, day: pd.Timestamp) -> None:
        nonlocal n
        n += 1
        links.append({"link_id": f"K{n}", "source_id": f"C{int(rng.integers(60))}", "target_id": loc,
                      "relation": "visited", "observed_on": day.strftime("%Y-%m-%d"), "source_type": "rhi",
                      "grading": "1A P"})

    start = pd.Timestamp("2024-01-01")
    for step in range(6):  # two-month steps over 2024
        s = start + pd.DateOffset(months=2 * step)
        days = lambda k, s=s: [s + pd.Timedelta(days=int(d)) for d in rng.integers(0, 58, k)]  # noqa: E731
        for loc in ("L00", "L01", "L10", "L11"):  # persistent, south-west corner
            for d in days(12):
                visit(loc, d)
        if step == 5:
            for loc in ("L74", "L73", "L64", "L63"):  # new, north-east corner
                for d in days(10):
                    visit(loc, d)
        if step <= 3:
            for loc in ("L70", "L71", "L60", "L61"):  # hot for most of the year, then gone (south-east)
                for d in days(16 - step):
                    visit(loc, d)
        for loc in rng.choice([x["location_id"] for x in locs], 6):
            visit(str(loc), days(1)[0])
    return make_dataset(children=children, locations=locs, links=links)


@pytest.fixture(scope="module", params=[0, 1])
def em(request):
    return emerging_hotspots(_grid_dataset(request.param), start="2024-01-01", end="2024-12-31", steps=6)


def test_planted_patterns_are_found(em):
    cat = em.places.set_index("location_id")["category"]
    # each block's corner place and its two edge neighbours (the inner place has quiet neighbours too)
    # hot in every step; "intensifying" when its z-score rises as the fading block cools (Gi* is relative)
    assert {cat["L00"], cat["L01"], cat["L10"]} <= {"persistent", "intensifying"}
    assert {cat["L74"], cat["L73"], cat["L64"]} == {"new"}
    assert {cat["L70"], cat["L71"], cat["L60"]} == {"diminishing"}
    assert len(em.steps) == 6 and em.steps[0][0] == pd.Timestamp("2024-01-01")
    planted = {"L00", "L01", "L10", "L11", "L74", "L73", "L64", "L63", "L70", "L71", "L60", "L61"}
    quiet = [k for k in cat.index if k not in planted]
    assert (cat[quiet] == "no pattern").mean() > 0.8  # background visits are not hotspots
    counts = em.counts()
    assert list(counts) == list(CATEGORIES) and sum(counts.values()) == len(em.places)


def test_grid_cells_carry_the_same_story(em):
    cells = em.cells
    assert cells.crs.to_epsg() == 27700 and cells["cell_id"].is_unique
    assert (cells.geometry.area.round() == 500 * 500).all()
    by = cells.set_index("cell_id")["category"]  # 500 m cells: coarser than the places
    assert by["G0_0"] in ("persistent", "intensifying") and "diminishing" in set(by)
    assert (cells.loc[cells["events"] <= 5, "category"] == "no pattern").all()


def test_classify_series_rules():
    T = np.ones(6, bool)
    assert classify_series(T, np.array([1, 2, 3, 4, 5, 6.0]))[0] == "intensifying"
    assert classify_series(T, np.array([6, 5, 4, 3, 2, 1.0]))[0] == "diminishing"
    assert classify_series(T, np.array([3, 3.1, 2.9, 3, 3.2, 3.0]))[0] == "persistent"
    assert classify_series(np.array([0, 0, 0, 0, 1, 1], bool), np.array([0, 0, 0, 0, 3, 3.0]))[0] == "new"
    assert classify_series(np.array([1, 0, 0, 0, 0, 1], bool), np.zeros(6))[0] == "sporadic"
    assert classify_series(np.zeros(6, bool), np.arange(6.0))[0] == "no pattern"


def test_arguments_are_checked():
    ds = _grid_dataset()
    for kw, frag in (({"steps": 2}, "steps"), ({"alpha": 1.5}, "alpha"), ({"cell_m": 0}, "cell_m")):
        with pytest.raises(ConfigError, match=frag):
            emerging_hotspots(ds, **kw)

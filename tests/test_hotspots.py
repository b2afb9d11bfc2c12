"""Hotspots: ranking, trend, clusters in metres, density surface, Getis-Ord."""

from __future__ import annotations

import numpy as np
import pytest
from _analysis_data import make_dataset, two_groups_dataset

from contextmap._errors import ConfigError
from contextmap.hotspots import density_surface, getis_ord, rank_locations, spatial_clusters

# three places close together (about 100 m apart) and one 5 km away
_LOCS = [
    {"location_id": "A", "name": "Alder Park", "category": "park", "latitude": 54.8900, "longitude": -2.9300},
    {"location_id": "B", "name": "Birch Shop", "category": "shop", "latitude": 54.8909, "longitude": -2.9300},
    {"location_id": "C", "name": "Cedar Stop", "category": "transport", "latitude": 54.8900, "longitude": -2.9285},
    {"location_id": "FAR", "name": "Far Farm", "category": "other", "latitude": 54.9350, "longitude": -2.9300},
]


def _episodes(spec):
    rows = []
    for i, (child, loc, day) in enumerate(spec):
        rows.append({"episode_id": f"E{i}", "child_id": child, "reported_at": f"{day} 20:00",
                     "returned_at": f"{day} 23:00", "found_location_id": loc})
    return rows


def _ds(spec, children=8):
    return make_dataset(children=[{"child_id": f"C{i}"} for i in range(children)],
                        locations=_LOCS, episodes=_episodes(spec))


def test_many_children_outrank_one_child_many_times():
    # A: five different children once each; FAR: one child nine times
    spec = [(f"C{i}", "A", "2024-06-01") for i in range(5)] + [("C7", "FAR", "2024-06-02")] * 9
    r = rank_locations(_ds(spec), start="2024-01-01", end="2024-06-30")
    assert r["location_id"].tolist()[:2] == ["A", "FAR"]
    a = r.set_index("location_id").loc["A"]
    assert a["children"] == 5 and a["episodes"] == 5 and a["rank"] == 1
    far = r.set_index("location_id").loc["FAR"]
    assert far["episodes"] == 9 and far["children"] == 1 and far["score"] <= 1.0
    assert r.crs.to_epsg() == 4326 and r.geometry.iloc[0].x == pytest.approx(-2.93)


def test_trend_against_previous_period():
    spec = (
        [("C0", "A", "2024-02-10")] * 2 + [("C0", "A", "2024-05-10")] * 2  # persistent
        + [("C1", "B", "2024-02-10")] + [("C1", "B", "2024-05-10")] * 4  # emerging
        + [("C2", "C", "2024-02-10")] * 6 + [("C2", "C", "2024-05-10")]  # declining
        + [("C3", "FAR", "2024-05-10")]  # new
    )
    r = rank_locations(_ds(spec), start="2024-04-01", end="2024-06-30").set_index("location_id")
    assert r["trend"].to_dict() == {"A": "persistent", "B": "emerging", "C": "declining", "FAR": "new"}
    assert r.loc["C", "previous_events"] == 6 and r.loc["C", "events"] == 1


def test_persons_and_grading_mix_reported():
    r = rank_locations(two_groups_dataset()).set_index("location_id")
    assert r.loc["L1", "grading_mix"] == "1A P x3; episode x2"
    assert r.loc["L1", "persons"] == []


def test_clusters_use_metres():
    spec = [(f"C{i}", loc, "2024-06-01") for i, loc in enumerate(["A", "B", "C", "FAR"])]
    ranked = rank_locations(_ds(spec), start="2024-01-01", end="2024-06-30")
    cl = spatial_clusters(ranked, eps_m=150, min_samples=3)
    assert len(cl) == 1 and cl.loc[0, "location_ids"] == ["A", "B", "C"]
    assert cl.crs.to_epsg() == 4326 and cl.geometry.iloc[0].geom_type == "Polygon"
    assert cl.geometry.iloc[0].contains(ranked.set_index("location_id").geometry["B"])
    assert spatial_clusters(ranked, eps_m=50, min_samples=3).empty  # 100 m apart: no cluster
    with pytest.raises(ConfigError, match="eps_m"):
        spatial_clusters(ranked, eps_m=0)


def test_density_surface_in_metres_peaks_at_the_hotspot():
    spec = [(f"C{i}", "A", "2024-06-01") for i in range(6)] + [("C6", "FAR", "2024-06-01")]
    surf = density_surface(_ds(spec), start="2024-01-01", end="2024-06-30", cell_m=50, bandwidth_m=200)
    assert surf.crs == "EPSG:27700" and surf.n_events == 7
    assert np.diff(surf.x_edges) == pytest.approx(np.full(len(surf.x_edges) - 1, 50.0))
    # total mass is the number of events (density per km2 times cell area)
    assert surf.values.sum() * (50 * 50) / 1e6 == pytest.approx(7, rel=0.01)
    iy, ix = np.unravel_index(surf.values.argmax(), surf.values.shape)
    cx, cy = (surf.x_edges[ix] + 25), (surf.y_edges[iy] + 25)
    from pyproj import Transformer

    ax, ay = Transformer.from_crs(4326, 27700, always_xy=True).transform(-2.93, 54.89)
    assert abs(cx - ax) <= 50 and abs(cy - ay) <= 50
    (s, w), (n, e) = surf.bounds_wgs84()
    assert s < 54.89 < n and w < -2.93 < e
    img = surf.to_rgba(width=64)
    assert img.dtype == np.uint8 and img.shape[1] == 64 and img[..., 3].max() > 0
    cont = surf.contours()
    assert list(cont["level"]) == sorted(cont["level"]) and cont.crs.to_epsg() == 4326
    with pytest.raises(ConfigError, match="bandwidth_m"):
        density_surface(_ds(spec), bandwidth_m=-1)


def test_getis_ord_marks_the_dense_corner_hot():
    spec = [(f"C{i}", loc, "2024-06-01") for i in range(6) for loc in ("A", "B", "C")] + [("C7", "FAR", "2024-06-01")]
    ranked = rank_locations(_ds(spec), start="2024-01-01", end="2024-06-30")
    gi = getis_ord(ranked, threshold_m=300, permutations=49).set_index("location_id")
    assert gi.loc["A", "gi_z"] > gi.loc["FAR", "gi_z"]


def test_why_words_the_persons_part_as_weighted_evidence_not_a_head_count():
    import pandas as pd

    from contextmap.hotspots import SCORE_WEIGHTS, _why

    pr = pd.Series({"persons_raw": 0.2, "copresence_n": 3, "repeat_n": 0, "missing_n": 1, "n_away": 4,
                    "persons": 0.2, "copresence": 0.5, "repeat": 0.0, "missing_away": 0.3, "breadth": 0.1})
    text = _why(pr, dict(SCORE_WEIGHTS))
    assert "weighted by grading and age: 0.2" in text
    assert "0.2 persons" not in text
    assert text.index("weighted") < text.index("3 children linked")  # largest part first


def test_an_unconfirmed_mention_does_not_make_a_place_of_concern():
    """A provisional person (an RHI name that matched no record) is not a person of concern:
    it does not raise a place's score and is not listed among the persons seen there."""
    from _analysis_data import two_groups

    tables = two_groups()
    tables["links"].append({"link_id": "K90", "source_id": "P1", "target_id": "L1", "relation": "frequents",
                            "observed_on": "2024-06-05", "source_type": "police", "grading": "1B P"})
    ds = make_dataset(**tables)
    before = rank_locations(ds).set_index("location_id")
    assert "P1" in before.loc["L1", "persons"] and before.loc["L1", "persons_seen"] == 1
    ds.persons["provisional"] = ds.persons["person_id"].eq("P1")
    after = rank_locations(ds).set_index("location_id")
    assert "P1" not in after.loc["L1", "persons"] and after.loc["L1", "persons_seen"] == 0
    assert after.loc["L1", "score"] < before.loc["L1", "score"]

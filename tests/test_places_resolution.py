"""Place resolution with positions of stated quality (ingest.geocode) and names on one street."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from contextmap.resolve.example import build_dataset
from contextmap.resolve.places import position_uncertainty, resolve_locations


def _ds(rows: list[dict]) -> object:
    ds = build_dataset(locations=rows)
    for c in ("geocoded_from", "position_quality"):  # derived columns ingest adds
        ds.locations[c] = pd.Series([r.get(c) for r in rows], index=ds.locations.index, dtype="string")
    return ds


def _entities(ds) -> dict[str, str]:
    return resolve_locations(ds).entities.set_index("record_id")["entity_id"].to_dict()


def test_two_shops_at_one_postcode_centroid_stay_two_places():
    at_centroid = {"easting": 340600.0, "northing": 555200.0, "postcode": "EL1 3CD", "category": "food_outlet",
                   "geocoded_from": "postcode", "position_quality": "postcode unit centroid"}
    ds = _ds([{"location_id": "L1", "name": "Star Pizza, Cobble Road", **at_centroid},
              {"location_id": "L2", "name": "Riverside Chicken, Cobble Road", **at_centroid}])
    assert _entities(ds) == {"L1": "L1", "L2": "L2"}
    pair = resolve_locations(ds, min_pair_probability=0).pairs.iloc[0]
    assert "positions approximate" in pair["explanation"] and "within 25 m" not in pair["explanation"]


def test_the_same_two_records_given_exact_positions_still_join_when_named_alike():
    given = {"postcode": "EL1 3CD", "category": "food_outlet", "geocoded_from": "given", "position_quality": "as given"}
    ds = _ds([{"location_id": "L1", "name": "Star Pizza, Cobble Road", "easting": 340600.0, "northing": 555200.0, **given},
              {"location_id": "L2", "name": "STAR PIZZA COBBLE RD", "easting": 340605.0, "northing": 555203.0, **given}])
    assert _entities(ds) == {"L1": "L1", "L2": "L1"}


def test_neighbours_sharing_only_their_area_word_are_not_one_place():
    ds = _ds([{"location_id": "L1", "name": "Oakridge Inn", "easting": 340542.0, "northing": 556624.0,
               "postcode": "EL3 3XE", "category": "hotel"},
              {"location_id": "L2", "name": "Oakridge Leisure Centre", "easting": 340560.0, "northing": 556636.0,
               "postcode": "EL3 3XE", "category": "other"}])
    assert _entities(ds) == {"L1": "L1", "L2": "L2"}


def test_uncertainty_by_where_a_position_came_from():
    lo = pd.DataFrame({"geocoded_from": ["street", "postcode", "grid_reference", "named_place"],
                       "position_quality": ["street (a point on the named road)", "postcode sector mean (approximate)",
                                            "grid reference (1 km square)", "named place (its centre)"]})
    assert position_uncertainty(lo).tolist() == [1000.0, 1000.0, 1000.0, 2000.0]
    assert position_uncertainty(pd.DataFrame({"name": ["x"]})).tolist() == [0.0]  # no column: as given


def test_names_compared_without_their_shared_street_and_words_in_common_pair_by_pair():
    """The per-name tables give, for every pair, what comparing the two names directly gives."""
    import random

    import numpy as np

    from contextmap.ingest.placetext import street_of_text
    from contextmap.resolve.places import _MINOR, _without_shared_street, _words_in_common

    rng = random.Random(3)
    words = ["star", "pizza", "cobble", "road", "the", "oakridge", "inn", "and", "mill", "lane", "saint", "johns",
             "street", "12", "flat", "of", "leisure", "centre", "road road"]
    streets = ["", "", " cobble road", " mill lane", " saint johns street", " 12 mill lane"]
    names = np.array([" ".join(rng.choice(words) for _ in range(rng.randint(0, 4))) + rng.choice(streets)
                      for _ in range(300)], dtype=object)
    a = np.array([rng.randrange(300) for _ in range(3000)])
    b = np.array([rng.randrange(300) for _ in range(3000)])
    texts, ra, rb = _without_shared_street(names, a, b)
    shared = _words_in_common(texts, ra, rb, chunk=512)
    for k, (x, y) in enumerate(zip(names[a].tolist(), names[b].tolist(), strict=True)):
        st = street_of_text(x)
        if st and st == street_of_text(y):
            x, y = " ".join(x.replace(st, " ").split()), " ".join(y.replace(st, " ").split())
        assert (texts[ra[k]], texts[rb[k]]) == (x, y)
        assert shared[k] == len((set(x.split()) & set(y.split())) - _MINOR)


def test_names_left_uncompared_change_nothing_that_is_kept(monkeypatch):
    # resolution compares the names of only the pairs whose score could change a join, a
    # listed pair or a confidence (_names_matter); comparing every pair gives the same answer
    import contextmap.resolve.places as places
    from contextmap.sample import generate_sample

    ds = generate_sample(children=400, seed=3).to_dataset()
    seen: list[tuple[int, int]] = []
    real = places._names_matter

    def counted(pairs, *args, **kwargs):
        need = real(pairs, *args, **kwargs)
        seen.append((len(pairs), int(need.sum())))
        return need

    monkeypatch.setattr(places, "_names_matter", counted)
    fast = resolve_locations(ds, workers=1)
    assert seen and seen[0][1] < seen[0][0]  # some pairs of differing names are left out
    monkeypatch.setattr(places, "_names_matter", lambda pairs, *a, **k: np.ones(len(pairs), dtype=bool))
    full = resolve_locations(ds, workers=1)
    assert fast.entities.equals(full.entities)  # entity, confidence and decided of every record
    assert fast.pairs.equals(full.pairs) and fast.refused.equals(full.refused)
    assert (fast.entities["confidence"] < 1).any() and len(fast.pairs) > 0
    # listing every pair (min_pair_probability 0) compares every name
    seen.clear()
    monkeypatch.setattr(places, "_names_matter", counted)
    resolve_locations(ds, workers=1, min_pair_probability=0)
    assert seen[0][1] == seen[0][0]


@pytest.mark.parametrize("kw", [{"min_pair_probability": float("nan")}, {"threshold": 0.99999999},
                                {"threshold": 0.2, "min_pair_probability": 0.9},
                                {"weights": {"name_similar": -1.0, "name_partial": -2.0, "name_differs": -6.0}},
                                {"weights": {"name_similar": 9.0, "name_partial": 7.0, "name_differs": 1.0}}])
def test_names_left_uncompared_change_nothing_whatever_the_cut_offs_and_weights(monkeypatch, kw):
    import contextmap.resolve.places as places
    from contextmap.sample import generate_sample

    ds = generate_sample(children=150, seed=5).to_dataset()
    fast = resolve_locations(ds, workers=1, **kw)
    monkeypatch.setattr(places, "_names_matter", lambda pairs, *a, **k: np.ones(len(pairs), dtype=bool))
    full = resolve_locations(ds, workers=1, **kw)
    assert fast.entities.equals(full.entities) and fast.pairs.equals(full.pairs)


def test_a_missing_min_pair_probability_lists_nothing_and_still_joins_what_names_join(monkeypatch):
    import contextmap.resolve.places as places

    at, near = {"easting": 340600.0, "northing": 555200.0}, {"easting": 340650.0, "northing": 555200.0}
    ds = _ds([{"location_id": "LA", "name": "Riverside Chicken", **at},
              {"location_id": "LC", "name": "Riverside Chicken", **at},
              {"location_id": "LB", "name": "Riverside Chickn", **near},
              {"location_id": "LD", "name": "Riverside Chickn", **near}])
    fast = resolve_locations(ds, min_pair_probability=float("nan"))
    monkeypatch.setattr(places, "_names_matter", lambda pairs, *a, **k: np.ones(len(pairs), dtype=bool))
    full = resolve_locations(ds, min_pair_probability=float("nan"))
    assert fast.entities.equals(full.entities) and len(fast.pairs) == 0

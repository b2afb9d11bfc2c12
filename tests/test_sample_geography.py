"""The sample's geography: streets named as its addresses, a river, a railway, parks, wards."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from contextmap.sample.geography import sample_geography, street_of, write_sample_geography
from contextmap.views.basemap import read_basemap

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def committed():
    lo = pd.read_csv(SAMPLE_DIR / "locations.csv", dtype=str, keep_default_na=False)
    layers, wards = sample_geography(lo, seed=7)
    return lo, layers, wards


def _bng(lo: pd.DataFrame) -> gpd.GeoDataFrame:
    from pyproj import Transformer

    lat, lon = pd.to_numeric(lo["latitude"], errors="coerce"), pd.to_numeric(lo["longitude"], errors="coerce")
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon.to_numpy(), lat.to_numpy())
    x = np.where(pd.to_numeric(lo["easting"], errors="coerce").notna(), pd.to_numeric(lo["easting"], errors="coerce"), x)
    y = np.where(pd.to_numeric(lo["northing"], errors="coerce").notna(), pd.to_numeric(lo["northing"], errors="coerce"), y)
    g = gpd.GeoDataFrame(lo, geometry=gpd.points_from_xy(x, y), crs=27700)
    return g.loc[np.isfinite(x) & np.isfinite(y)]


def test_street_names_are_read_from_every_address_form():
    assert street_of("Flat 3, 142 Fellside Rd") == "Fellside Road"
    assert street_of("fellside road") == "Fellside Road"
    assert street_of("Vape Cave Holmwood Drive") == "Holmwood Drive"  # a variant without its comma
    assert street_of("Garages behind Northgate Street") == "Northgate Street"
    assert street_of("273 Botchergate") == "Botchergate"
    assert street_of("Oakridge Playing Fields") is None and street_of("") is None and street_of(None) is None


def test_every_address_lies_on_a_street_of_its_own_name(committed):
    """A METCO reading '142 Fellside Road' on the map finds it on Fellside Road."""
    lo, layers, _ = committed
    pts = _bng(lo)
    roads = layers["roads"]
    named = roads.loc[roads["name"].notna()]
    by_name = {n: shapely.union_all(g.geometry.to_numpy()) for n, g in named.groupby("name")}
    checked = 0
    for r in pts.itertuples():
        street = street_of(r.name)
        if street is None:
            continue
        assert street in by_name, (r.location_id, r.name)
        assert by_name[street].distance(r.geometry) < 25, (r.location_id, r.name)
        checked += 1
    assert checked > 100


def test_layers_river_railway_parks_and_wards(committed):
    lo, layers, wards = committed
    assert set(layers) == {"roads", "railways", "water", "waterways", "parks", "buildings"}
    pts = _bng(lo)
    station = pts.loc[pts["name"] == "Central Railway Station"].geometry.iloc[0]
    assert layers["railways"].geometry.iloc[0].distance(station) < 1
    river = layers["water"].geometry.iloc[0]
    assert river.area > 100_000 and (pts.distance(river) < 5).sum() <= 3  # routed between places
    parks = pts.loc[pts["category"].str.lower() == "park"]
    assert all(layers["parks"].geometry.contains(p).any() for p in parks.geometry)
    # wards tile the town without overlapping, and carry the area names the places use
    assert wards["area_id"].is_unique and len(wards) >= 10
    assert shapely.union_all(wards.geometry.to_numpy()).contains(shapely.multipoints(pts.geometry.to_numpy()))
    assert wards.geometry.area.sum() == pytest.approx(shapely.union_all(wards.geometry.to_numpy()).area, rel=1e-6)
    assert "Northgate" in set(wards["name"])


def test_committed_geography_matches_the_generator(committed, tmp_path):
    """data/sample/basemap.gpkg and areas.gpkg are what `make sample` writes today."""
    lo, layers, wards = committed
    on_disk = read_basemap(SAMPLE_DIR / "basemap.gpkg")
    assert on_disk.read["roads"] == ("roads", len(layers["roads"]))
    assert sorted(on_disk.layers["roads"]["name"].dropna()) == sorted(layers["roads"]["name"].dropna())
    w = gpd.read_file(SAMPLE_DIR / "areas.gpkg")
    assert list(w["name"]) == list(wards["name"])
    written = write_sample_geography(lo.head(40), tmp_path, seed=7)
    assert [p.name for p in written] == ["basemap.gpkg", "areas.gpkg"]


def test_no_places_gives_empty_layers():
    layers, wards = sample_geography(pd.DataFrame({"location_id": ["L1"], "name": ["X"], "category": ["park"],
                                                   "latitude": [""], "longitude": [""], "easting": [""],
                                                   "northing": [""]}))
    assert all(len(g) == 0 for g in layers.values()) and len(wards) == 0

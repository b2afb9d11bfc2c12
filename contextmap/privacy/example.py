"""A three-record dataset in contract form, for docstring examples and small tests."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from contextmap.dataset import Dataset, ValidationReport

__all__ = ["example_dataset"]

def example_dataset() -> Dataset:
    """A three-record dataset in contract form, for docstring examples only."""
    from contextmap.schema import TABLES

    def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
        table = TABLES[name]
        cols = list(table.column_names) + (list(table.derived) if name == "links" else [])
        df = pd.DataFrame(rows, columns=cols)
        for c in table.columns:
            if c.kind in ("date", "datetime"):
                df[c.name] = pd.to_datetime(df[c.name])
            elif c.kind == "float":
                df[c.name] = df[c.name].astype("float64")
            else:
                df[c.name] = df[c.name].astype("string")
        for d in table.derived:
            if d in df.columns:
                df[d] = df[d].astype("string")
        return df

    children = frame("children", [{"child_id": "C1", "name": "Ava Example", "date_of_birth": "2010-02-03",
                                   "home_location_id": "L1"}])
    persons = frame("persons", [{"person_id": "P1", "name": "Rex Sample", "aliases": "Big R"}])
    locs = frame("locations", [
        {"location_id": "L1", "name": "1 Example Road", "category": "address", "latitude": 52.6, "longitude": -1.1},
        {"location_id": "L2", "name": "Central Park", "category": "park", "latitude": 52.61, "longitude": -1.12},
    ])
    locations = gpd.GeoDataFrame(locs, geometry=gpd.points_from_xy(locs["longitude"], locs["latitude"]), crs=4326)
    episodes = frame("episodes", [{"episode_id": "E1", "child_id": "C1", "reported_at": "2024-05-01 20:00"}])
    links = frame("links", [
        {"link_id": "K1", "source_id": "C1", "target_id": "P1", "relation": "seen_with",
         "observed_on": "2024-05-02", "source_type": "police", "grading": "2B C", "summary": "seen together",
         "source_kind": "child", "target_kind": "person", "source_evaluation": "2",
         "intelligence_assessment": "B", "handling_code": "C"},
        {"link_id": "K2", "source_id": "C1", "target_id": "L2", "relation": "visited",
         "observed_on": "2024-05-02", "source_type": "rhi", "source_kind": "child", "target_kind": "location"},
    ])
    report = ValidationReport(
        problems=pd.DataFrame(columns=["table", "file", "row", "column", "value", "reason", "severity"]),
        counts=pd.DataFrame({"read": [1], "accepted": [1], "quarantined": [0]}, index=["children"]),
    )
    return Dataset(children, persons, locations, episodes, links, report)

"""A tiny invented dataset for the resolution docstring examples (every name invented)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from contextmap.dataset import Dataset, ValidationReport
from contextmap.schema import LINKS, TABLES

__all__ = ["frame", "build_dataset", "example_dataset"]


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as a table in contract form (columns in order, contract dtypes)."""
    table = TABLES[name]
    df = pd.DataFrame(rows, columns=list(table.column_names))
    for col in table.columns:
        if col.kind in ("date", "datetime"):
            df[col.name] = pd.to_datetime(df[col.name])
        elif col.kind == "float":
            df[col.name] = pd.to_numeric(df[col.name]).astype("float64")
        else:
            df[col.name] = df[col.name].astype("object").where(df[col.name].notna(), None)
            df[col.name] = df[col.name].astype(pd.StringDtype(na_value=float("nan")))
    return df


def build_dataset(
    *,
    children: list[dict] = (),  # type: ignore[assignment]
    persons: list[dict] = (),  # type: ignore[assignment]
    locations: list[dict] = (),  # type: ignore[assignment]
    episodes: list[dict] = (),  # type: ignore[assignment]
    links: list[dict] = (),  # type: ignore[assignment]
) -> Dataset:
    """A Dataset in contract form from row dicts; locations need easting/northing."""
    ch = frame("children", list(children))
    pe = frame("persons", list(persons))
    lo = frame("locations", list(locations))
    lo = gpd.GeoDataFrame(lo, geometry=gpd.points_from_xy(lo["easting"], lo["northing"]), crs="EPSG:27700")
    lo = lo.to_crs(4326)
    lo["longitude"], lo["latitude"] = lo.geometry.x.to_numpy(), lo.geometry.y.to_numpy()
    ep = frame("episodes", list(episodes))
    li = frame("links", list(links))
    kinds = {**{c: "child" for c in ch["child_id"]}, **{p: "person" for p in pe["person_id"]},
             **{x: "location" for x in lo["location_id"]}}
    li["source_kind"] = li["source_id"].map(kinds).astype(pd.StringDtype(na_value=float("nan")))
    li["target_kind"] = li["target_id"].map(kinds).astype(pd.StringDtype(na_value=float("nan")))
    for col in LINKS.derived[2:]:
        li[col] = pd.Series([None] * len(li), dtype=pd.StringDtype(na_value=float("nan")))
    counts = pd.DataFrame(
        {"read": [len(t) for t in (ch, pe, lo, ep, li)], "accepted": [len(t) for t in (ch, pe, lo, ep, li)],
         "quarantined": 0},
        index=list(TABLES),
    )
    report = ValidationReport(pd.DataFrame(columns=["table", "file", "row", "column", "value", "reason", "severity"]), counts)
    return Dataset(ch, pe, lo, ep, li, report)


def example_dataset() -> Dataset:
    """Four person records (three of one man), four places, one RHI with mentions."""
    return build_dataset(
        children=[{"child_id": "C1", "name": "Ada Rowe", "date_of_birth": "2010-04-02", "gender": "female"}],
        persons=[
            {"person_id": "P1", "name": "Tyler Grant", "aliases": "Big T", "date_of_birth": "1998-03-07", "gender": "male"},
            {"person_id": "P2", "name": "T Grant", "date_of_birth": "1998-07-03", "gender": "male"},
            {"person_id": "P3", "name": "Tyler G", "aliases": "Big T", "date_of_birth": "1998-03-07"},
            {"person_id": "P4", "name": "Tom Grant", "date_of_birth": "1975-11-30", "gender": "male"},
        ],
        locations=[
            {"location_id": "L1", "name": "McDonald's, Botchergate", "category": "food_outlet",
             "easting": 340300.0, "northing": 555600.0, "postcode": "CA1 1RP"},
            {"location_id": "L2", "name": "Maccies Botchergate", "category": "food_outlet",
             "easting": 340320.0, "northing": 555590.0},
            {"location_id": "L3", "name": "Flat 2, 14 Warwick Road", "category": "address",
             "easting": 341000.0, "northing": 555900.0, "postcode": "CA1 1DH"},
            {"location_id": "L4", "name": "Flat 3, 14 Warwick Road", "category": "address",
             "easting": 341000.0, "northing": 555900.0, "postcode": "CA1 1DH"},
        ],
        episodes=[
            {"episode_id": "E1", "child_id": "C1", "reported_at": "2024-05-01 21:00",
             "returned_at": "2024-05-02 09:00", "classification": "missing", "rhi_outcome": "completed",
             "people_mentioned": "Big T; Tyler's cousin", "places_mentioned": "Maccies Botchergate; the old mill"},
        ],
        links=[
            {"link_id": "K1", "source_id": "C1", "target_id": "P2", "relation": "associate",
             "observed_on": "2024-04-20", "source_type": "police"},
        ],
    )

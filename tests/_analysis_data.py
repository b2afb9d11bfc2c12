"""Tiny synthetic datasets in contract form for the analysis tests (every name invented).

``make_dataset`` builds a :class:`contextmap.Dataset` directly in contract form (the shape
``contextmap.load`` returns), so the analysis tests do not depend on ingest. ``write_csvs``
writes the same rows as CSV files, for tests that go through ``contextmap.load``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from contextmap.dataset import Dataset, ValidationReport
from contextmap.schema import LINKS, TABLES, parse_grading

_DATE_KINDS = ("date", "datetime")


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    table = TABLES[name]
    df = pd.DataFrame(rows, columns=list(table.column_names))
    for col in table.columns:
        if col.kind in _DATE_KINDS:
            df[col.name] = pd.to_datetime(df[col.name])
        elif col.kind == "float":
            df[col.name] = pd.to_numeric(df[col.name]).astype("float64")
        else:
            df[col.name] = df[col.name].astype("str").where(df[col.name].notna(), pd.NA)
            df[col.name] = df[col.name].astype(pd.StringDtype(na_value=float("nan")))
    return df


def make_dataset(
    *,
    children: list[dict],
    persons: list[dict] = (),  # type: ignore[assignment]
    locations: list[dict] = (),  # type: ignore[assignment]
    episodes: list[dict] = (),  # type: ignore[assignment]
    links: list[dict] = (),  # type: ignore[assignment]
) -> Dataset:
    """Build a Dataset in contract form from lists of row dicts (missing columns blank)."""
    ch = _frame("children", list(children))
    pe = _frame("persons", list(persons))
    lo = _frame("locations", list(locations))
    if len(lo):
        from pyproj import Transformer

        tr = Transformer.from_crs(4326, 27700, always_xy=True)
        e, n = tr.transform(lo["longitude"].to_numpy(), lo["latitude"].to_numpy())
        lo["easting"], lo["northing"] = e, n
    lo = gpd.GeoDataFrame(
        lo, geometry=gpd.points_from_xy(lo["longitude"], lo["latitude"]), crs="EPSG:4326"
    )
    ep = _frame("episodes", list(episodes))
    li = _frame("links", list(links))
    kinds = {}
    for cid in ch["child_id"]:
        kinds[cid] = "child"
    for pid in pe["person_id"]:
        kinds[pid] = "person"
    for lid in lo["location_id"]:
        kinds[lid] = "location"
    li["source_kind"] = li["source_id"].map(kinds)
    li["target_kind"] = li["target_id"].map(kinds)
    se, ia, hc, sch, orig = [], [], [], [], []
    for g in li["grading"]:
        if isinstance(g, str):
            p = parse_grading(g)
            se.append(p.source_evaluation)
            ia.append(p.intelligence_assessment)
            hc.append(p.handling_code)
            sch.append(p.scheme)
            orig.append(p.original)
        else:
            se.append(None)
            ia.append(None)
            hc.append(None)
            sch.append(None)
            orig.append(None)
    li["source_evaluation"], li["intelligence_assessment"], li["handling_code"] = se, ia, hc
    li["grading_scheme"], li["grading_original"] = sch, orig
    for c in LINKS.derived:
        li[c] = li[c].astype(pd.StringDtype(na_value=float("nan")))
    if len(li):
        li["grading"] = [
            parse_grading(g).code if isinstance(g, str) else None for g in li["grading"]
        ]
        li["grading"] = li["grading"].astype(pd.StringDtype(na_value=float("nan")))
    counts = pd.DataFrame(
        {"read": [0] * 5, "accepted": [0] * 5, "quarantined": [0] * 5},
        index=list(TABLES),
    )
    report = ValidationReport(
        problems=pd.DataFrame(
            columns=["table", "file", "row", "column", "value", "reason", "severity"]
        ),
        counts=counts,
    )
    return Dataset(ch, pe, lo, ep, li, report)


def write_csvs(path: Path, **tables: list[dict]) -> Path:
    """Write row dicts as contract CSV files under ``path`` (for tests through load)."""
    path.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        rows = list(tables.get(name, ()))
        cols = [c for c in TABLES[name].column_names]
        pd.DataFrame(rows, columns=cols).to_csv(path / f"{name}.csv", index=False)
    return path


def two_groups() -> dict[str, list[dict]]:
    """Two peer groups of three children, one adult bridging them, and two places.

    Group one (C1, C2, C3) is bound by person P1 and the park L1; group two (C4, C5, C6) by
    person P2 and the shop L2. P3 is linked to C3 and C4 and bridges the groups. C7 is linked
    to nobody. A graded-E link joins C1 and C6 and must be ignored by default.
    """
    children = [
        {"child_id": f"C{i}", "name": f"Child {i}", "ce_risk": r, "risk_reviewed_on": "2024-05-01"}
        for i, r in zip(range(1, 8), ["high", "medium", "low", "none", "low", "high", "none"], strict=True)
    ]
    persons = [{"person_id": f"P{i}", "name": f"Adult {i}"} for i in (1, 2, 3)]
    locations = [
        {"location_id": "L1", "name": "Elm Park", "category": "park", "latitude": 54.8900, "longitude": -2.9300},
        {"location_id": "L2", "name": "Corner Shop", "category": "shop", "latitude": 54.8920, "longitude": -2.9320},
        {"location_id": "L3", "name": "Far Station", "category": "transport", "latitude": 54.9500, "longitude": -2.8000},
    ]
    links: list[dict] = []
    n = 0

    def link(s: str, t: str, rel: str, day: str, grading: str = "1A P", st: str = "police") -> None:
        nonlocal n
        n += 1
        links.append(
            {"link_id": f"K{n}", "source_id": s, "target_id": t, "relation": rel,
             "observed_on": day, "source_type": st, "grading": grading}
        )

    for c in ("C1", "C2", "C3"):
        link(c, "P1", "associate", "2024-06-01")
        link(c, "L1", "visited", "2024-06-03")
    for c in ("C4", "C5", "C6"):
        link(c, "P2", "associate", "2024-06-02", grading="2B P", st="rhi")
        link(c, "L2", "visited", "2024-06-04")
    link("C1", "C2", "friend", "2024-06-05")
    link("C5", "C6", "friend", "2024-06-05")
    link("C3", "P3", "contact", "2024-06-10", grading="2C C", st="rhi")
    link("C4", "P3", "contact", "2024-06-11", grading="2C P", st="community")
    link("C1", "C6", "seen_with", "2024-06-12", grading="3E P", st="community")
    episodes = [
        {"episode_id": "E1", "child_id": "C1", "reported_at": "2024-06-01 20:00",
         "returned_at": "2024-06-02 22:00", "classification": "missing", "found_location_id": "L1",
         "rhi_at": "2024-06-03 10:00", "rhi_outcome": "completed"},
        {"episode_id": "E2", "child_id": "C1", "reported_at": "2024-06-10 20:00",
         "returned_at": "2024-06-11 02:00", "classification": "missing", "found_location_id": "L1",
         "rhi_at": "2024-06-20 10:00", "rhi_outcome": "completed"},
        {"episode_id": "E3", "child_id": "C1", "reported_at": "2024-06-15 20:00",
         "returned_at": "2024-06-16 02:00", "classification": "absent", "found_location_id": "L3"},
        {"episode_id": "E4", "child_id": "C4", "reported_at": "2024-06-20 20:00",
         "returned_at": "2024-06-21 01:00", "classification": "missing", "found_location_id": "L2",
         "rhi_at": "2024-06-22 09:00", "rhi_outcome": "completed"},
        {"episode_id": "E5", "child_id": "C5", "reported_at": "2024-06-21 20:00",
         "returned_at": "2024-06-22 01:00", "classification": "missing", "found_location_id": "L2",
         "rhi_outcome": "declined"},
    ]
    return {"children": children, "persons": persons, "locations": locations,
            "episodes": episodes, "links": links}


def two_groups_dataset() -> Dataset:
    return make_dataset(**two_groups())

"""A synthetic gazetteer for the generated world, in the public layouts of the real products.

Councils and police forces geocode with the Ordnance Survey's and the ONS's open products; a
gazetteer written in *their* column layouts lets the readers of those products be tested on
data whose truth is known. :func:`build_gazetteer` cuts every street of a generation run
(:class:`~contextmap.sample.generate.SampleRun`) into postcode units of about
:data:`UNIT_M` metres and gives each a postcode; :class:`Gazetteer` writes

* the **ONS Postcode Directory** (ONSPD, one CSV with a header row, the 2023-2024 column
  layout: ``pcd, pcd2, pcds, dointr, doterm, oscty, ced, oslaua, osward, parish, usertype,
  oseast1m, osnrth1m, osgrdind, ..., lat, long, ..., oa21, lsoa21, msoa21``), live and
  terminated postcodes (``doterm`` set; a terminated postcode keeps its grid reference), and a
  few postcodes with no grid reference (``osgrdind`` 9, ``lat`` 99.999999);
* **Code-Point Open** (``codepo_gb/Data/CSV/ca.csv`` with no header row, the column names in
  ``codepo_gb/Doc/Code-Point_Open_Column_Headers.csv``; live postcodes only, postcode in the
  fixed seven-character form, positional quality 10-60, 90 for no grid reference);
* **OS Open Names** (``opname_csv_gb/Data/<10 km square>.csv`` with no header row, the 34
  column names in ``opname_csv_gb/Doc/OS_Open_Names_Header.csv``): every street (``TYPE``
  transportNetwork, ``LOCAL_TYPE`` Named Road, midpoint and bounding box), the town, towns,
  villages and neighbourhoods (populatedPlace) and every live postcode (other, Postcode).

Codes (wards, output areas...) are invented in the right form; coordinates are British
National Grid, as the products give them. Every name is invented.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from contextmap.ingest.coordinates import transform
from contextmap.sample.vocabularies import CENTRE, M_PER_DEG_LAT, POSTCODE_LETTERS

__all__ = [
    "Gazetteer", "build_gazetteer", "grid_reference", "grid_square", "local_to_bng", "MAIN_TOWN", "UNIT_M",
    "ONSPD_COLUMNS", "CODEPOINT_COLUMNS", "CODEPOINT_SHORT", "OPEN_NAMES_COLUMNS", "AUTHORITY",
]

MAIN_TOWN = "Lenningham"
"""The invented name of the generated county's main town (the generator leaves it unnamed)."""

AUTHORITY = "Lenningdale"
"""The invented unitary authority the generated world lies in."""

UNIT_M = 120.0
"""Length of street one postcode unit covers (metres), as a real unit covers a dozen houses."""

ONSPD_COLUMNS = (
    "pcd pcd2 pcds dointr doterm oscty ced oslaua osward parish usertype oseast1m osnrth1m osgrdind "
    "oshlthau nhser ctry rgn streg pcon eer teclec ttwa pct itl statsward oa01 casward npark lsoa01 "
    "msoa01 ur01ind oac01 oa11 lsoa11 msoa11 wz11 sicbl bua11 buasd11 ru11ind oac11 lat long lep1 "
    "lep2 pfa imd calncv icb oa21 lsoa21 msoa21"
).split()
"""The ONS Postcode Directory's columns, in order (the 2023-2024 editions)."""

CODEPOINT_SHORT = ("PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC")
CODEPOINT_COLUMNS = ("Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code",
                     "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code", "Admin_district_code",
                     "Admin_ward_code")
"""Code-Point Open's column names (its data files have no header row)."""

OPEN_NAMES_COLUMNS = (
    "ID NAMES_URI NAME1 NAME1_LANG NAME2 NAME2_LANG TYPE LOCAL_TYPE GEOMETRY_X GEOMETRY_Y "
    "MOST_DETAIL_VIEW_RES LEAST_DETAIL_VIEW_RES MBR_XMIN MBR_YMIN MBR_XMAX MBR_YMAX POSTCODE_DISTRICT "
    "POSTCODE_DISTRICT_URI POPULATED_PLACE POPULATED_PLACE_URI POPULATED_PLACE_TYPE DISTRICT_BOROUGH "
    "DISTRICT_BOROUGH_URI DISTRICT_BOROUGH_TYPE COUNTY_UNITARY COUNTY_UNITARY_URI COUNTY_UNITARY_TYPE "
    "REGION REGION_URI COUNTRY COUNTRY_URI RELATED_SPATIAL_OBJECT SAME_AS_DBPEDIA SAME_AS_GEONAMES"
).split()
"""OS Open Names' 34 column names (its data files have no header row)."""

_OS_ID = "http://data.ordnancesurvey.co.uk/id/"
_LA_CODE = "E06000990"  # invented, in the form of a unitary authority's GSS code
_GRID_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def local_to_bng(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The generator's local metres (east and north of the county's centre) as BNG easting, northing.

    The same conversion the generator's ``locations`` table uses (through WGS84).

    Examples
    --------
    >>> e, n = local_to_bng(np.array([0.0]), np.array([0.0]))  # the county's centre, near Carlisle
    >>> grid_reference(e[0], n[0], digits=4)
    'NY 40 55'
    """
    lat = CENTRE[0] + np.asarray(y, dtype=float) / M_PER_DEG_LAT
    lon = CENTRE[1] + np.asarray(x, dtype=float) / (M_PER_DEG_LAT * math.cos(math.radians(CENTRE[0])))
    e, n = transform("wgs84_to_bng", lon, lat)
    return np.asarray(e, dtype=float), np.asarray(n, dtype=float)


def grid_square(easting: float, northing: float) -> str:
    """The 10 km square an OS grid point lies in (``NY45``), as OS Open Names names its files.

    Examples
    --------
    >>> grid_square(340270, 555480)
    'NY45'
    """
    return grid_reference(easting, northing, digits=2).replace(" ", "")


def grid_reference(easting: float, northing: float, *, digits: int = 10) -> str:
    """An Ordnance Survey grid reference with ``digits`` digits (2 to 10, even).

    Examples
    --------
    >>> grid_reference(340270, 555480)
    'NY 40270 55480'
    >>> grid_reference(340270, 555480, digits=6)
    'NY 402 554'
    """
    e, n = int(easting), int(northing)
    e100, n100 = e // 100_000, n // 100_000
    first = (19 - n100) - (19 - n100) % 5 + (e100 + 10) // 5
    second = ((19 - n100) * 5) % 25 + e100 % 5
    letters = _GRID_LETTERS[first] + _GRID_LETTERS[second]
    half = digits // 2
    scale = 10 ** (5 - half)
    if half == 0:
        return letters
    return f"{letters} {(e % 100_000) // scale:0{half}d} {(n % 100_000) // scale:0{half}d}"


@dataclass
class Gazetteer:
    """Postcode units and streets of a generated world, and writers for the three products.

    Attributes
    ----------
    units
        One row per postcode (``postcode``, ``outward``, ``easting``, ``northing``,
        ``latitude``, ``longitude``, ``street``, ``settlement``, ``live``, ``dointr``,
        ``doterm``, ``quality``: ONSPD's ``osgrdind``, 9 for no grid reference); a
        terminated postcode sits on the same spot as the live one that replaced it.
    place_postcode, place_old_postcode
        For every place row of the run: its live postcode, and the terminated postcode it had
        before (``''`` for most).
    place_easting, place_northing
        Every place row's BNG coordinates.
    streets
        One row per street: ``name``, ``settlement``, ``populated_place`` (its neighbourhood,
        or the village), ``easting``, ``northing`` (midpoint), bounding box, ``district``.
    settlements
        One row per populated place (town, towns, villages, neighbourhoods): ``name``,
        ``local_type``, ``easting``, ``northing``, ``radius_m``, ``district``.
    edition
        The product edition the files are labelled with (``NOV_2026``).
    """

    units: pd.DataFrame
    place_postcode: np.ndarray
    place_old_postcode: np.ndarray
    place_easting: np.ndarray
    place_northing: np.ndarray
    streets: pd.DataFrame
    settlements: pd.DataFrame
    edition: str
    files: dict[str, str] = field(default_factory=dict)

    def file_texts(self) -> dict[str, str]:
        """Every gazetteer file as text, by path under ``gazetteer/``."""
        if not self.files:
            self.files = {f"ONSPD_{self.edition}_UK.csv": self.onspd_text(),
                          "codepo_gb/Doc/Code-Point_Open_Column_Headers.csv":
                              ",".join(CODEPOINT_SHORT) + "\n" + ",".join(CODEPOINT_COLUMNS) + "\n",
                          "opname_csv_gb/Doc/OS_Open_Names_Header.csv": ",".join(OPEN_NAMES_COLUMNS) + "\n"}
            for area, text in self.codepoint_texts().items():
                self.files[f"codepo_gb/Data/CSV/{area}.csv"] = text
            for square, text in self.open_names_texts().items():
                self.files[f"opname_csv_gb/Data/{square}.csv"] = text
        return self.files

    # -- ONSPD ------------------------------------------------------------------------

    def onspd_text(self) -> str:
        """The ONS Postcode Directory CSV: header row, strings quoted, lat/long/imd bare."""
        u = self.units
        lines = [",".join(f'"{c}"' for c in ONSPD_COLUMNS)]
        for r in u.itertuples(index=False):
            grid = r.quality != 9
            ward = f"E0599{r.settlement:02d}{int(r.ward):02d}"[:9]
            oa = f"E00{900000 + int(r.unit_no) % 99999:06d}"
            lsoa = f"E01{990000 + int(r.unit_no) // 8 % 9999:06d}"
            msoa = f"E02{990000 + int(r.unit_no) // 60 % 9999:06d}"
            vals = {
                "pcd": _pcd7(r.outward, r.inward), "pcd2": f"{r.outward:<4} {r.inward}", "pcds": r.postcode,
                "dointr": r.dointr, "doterm": r.doterm, "oscty": "E99999999", "ced": "E99999999",
                "oslaua": _LA_CODE, "osward": ward, "parish": "E43000990", "usertype": "0",
                "oseast1m": f"{int(r.easting)}" if grid else "", "osnrth1m": f"{int(r.northing):07d}" if grid else "",
                "osgrdind": str(int(r.quality)), "oshlthau": "E18000001", "nhser": "E40000012", "ctry": "E92000001",
                "rgn": "E12000002", "streg": "0", "pcon": "E14001990", "eer": "E15000002", "teclec": "E24000990",
                "ttwa": "E30000990", "pct": "E16000990", "itl": "E06000990", "statsward": "99ZZ00", "oa01": oa,
                "casward": "99ZZ00", "npark": "E65000001", "lsoa01": lsoa, "msoa01": msoa, "ur01ind": "A",
                "oac01": "1A1", "oa11": oa, "lsoa11": lsoa, "msoa11": msoa, "wz11": f"E33{990000 + int(r.unit_no) % 9999:06d}",
                "sicbl": "E38000990", "bua11": "E34004990", "buasd11": "E35000990", "ru11ind": "A1", "oac11": "1A1",
                "lat": f"{r.latitude:.6f}" if grid else "99.999999", "long": f"{r.longitude:.6f}" if grid else "0.000000",
                "lep1": "E37000990", "lep2": "", "pfa": "E23000990", "imd": str(5000 + int(r.unit_no) * 37 % 25000),
                "calncv": "E56000990", "icb": "E54000990", "oa21": oa, "lsoa21": lsoa, "msoa21": msoa,
            }
            lines.append(",".join(vals[c] if c in ("lat", "long", "imd") else f'"{vals[c]}"' for c in ONSPD_COLUMNS))
        return "\n".join(lines) + "\n"

    # -- Code-Point Open ----------------------------------------------------------------

    def codepoint_texts(self) -> dict[str, str]:
        """Code-Point Open's data files by postcode area (``ca``): live postcodes, no header."""
        u = self.units[self.units["live"]]
        out: dict[str, list[str]] = {}
        pq = {1: 10, 2: 20, 3: 30, 4: 40, 5: 50, 6: 60, 9: 90}
        for r in u.itertuples(index=False):
            grid = r.quality != 9
            area = "".join(ch for ch in r.outward if ch.isalpha()).lower()
            out.setdefault(area, []).append(",".join([
                f'"{_pcd7(r.outward, r.inward)}"', str(pq.get(int(r.quality), 10)),
                str(int(r.easting)) if grid else "0", str(int(r.northing)) if grid else "0",
                '"E92000001"', '"E19000001"', '"E18000001"', '""', f'"{_LA_CODE}"',
                f'"E0599{r.settlement:02d}{int(r.ward):02d}"']))
        return {a: "\n".join(rows) + "\n" for a, rows in sorted(out.items())}

    # -- OS Open Names ------------------------------------------------------------------

    def open_names_texts(self) -> dict[str, str]:
        """OS Open Names' data files by 10 km square: streets, populated places, postcodes."""
        rows: list[tuple[str, list[str]]] = []
        base = 4_000_000_050_000
        for k, s in enumerate(self.settlements.itertuples(index=False)):
            e, n, r = int(s.easting), int(s.northing), int(s.radius_m)
            rows.append((grid_square(e, n), self._names_row(
                base + k, s.name, "populatedPlace", s.local_type, e, n, (e - r, n - r, e + r, n + r),
                s.district, "" if s.local_type in ("Town", "City") else s.parent, "10000", "50000")))
        for k, s in enumerate(self.streets.itertuples(index=False)):
            rows.append((grid_square(s.easting, s.northing), self._names_row(
                base + 10_000 + k, s.name, "transportNetwork", "Named Road", int(s.easting), int(s.northing),
                (int(s.xmin), int(s.ymin), int(s.xmax), int(s.ymax)), s.district, s.populated_place, "1000", "25000")))
        live = self.units[self.units["live"] & (self.units["quality"] != 9)]
        for k, r in enumerate(live.itertuples(index=False)):
            e, n = int(r.easting), int(r.northing)
            rows.append((grid_square(e, n), self._names_row(
                base + 200_000 + k, r.postcode, "other", "Postcode", e, n, (e, n, e, n), r.outward,
                r.populated_place, "1000", "25000")))
        out: dict[str, list[str]] = {}
        for square, row in rows:
            out.setdefault(square, []).append(",".join(_csv_cell(v) for v in row))
        return {sq: "\n".join(lines) + "\n" for sq, lines in sorted(out.items())}

    @staticmethod
    def _names_row(num: int, name: str, kind: str, local_type: str, e: int, n: int, mbr: tuple[int, int, int, int],
                   district: str, populated: str, most: str, least: str) -> list[str]:
        pop_uri = f"{_OS_ID}{4_000_000_040_000 + zlib.crc32(populated.encode()) % 9_000}" if populated else ""
        return [f"osgb{num}", f"{_OS_ID}{num}", name, "", "", "", kind, local_type, str(e), str(n), most, least,
                str(mbr[0]), str(mbr[1]), str(mbr[2]), str(mbr[3]), district,
                f"{_OS_ID}postcodedistrict/{district}" if district else "", populated, pop_uri,
                "http://www.ordnancesurvey.co.uk/xml/codelists/LocalTypeValue.xml#suburbanArea" if populated else "",
                "", "", "", AUTHORITY, f"{_OS_ID}7000000000099001",
                "http://data.ordnancesurvey.co.uk/ontology/admingeo/UnitaryAuthority", "North West",
                f"{_OS_ID}7000000000041427", "England", f"{_OS_ID}country/england", "", "", ""]

    def write(self, folder: str | Path) -> list[Path]:
        """Write every file under ``folder`` (normally ``<export>/gazetteer``); return the paths."""
        out = []
        for rel, text in self.file_texts().items():
            p = Path(folder) / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8", newline="\n")
            out.append(p)
        return out


def _csv_cell(v: str) -> str:
    return f'"{v}"' if ("," in v or '"' in v) else v


def _pcd7(outward: str, inward: str) -> str:
    """The fixed seven-character postcode of ONSPD's ``pcd`` and Code-Point Open (``CA1 1AA``,
    ``CA101AA``, ``B1  1AA``)."""
    return outward + inward if len(outward) >= 4 else outward.ljust(4) + inward


def _district(settlement: int, x: float, y: float) -> str:
    """The outward code the generator's ``locations`` table uses: CA1-CA3 by direction in the
    main town, CA4, CA5... for the other settlements."""
    if settlement > 0:
        return f"CA{settlement + 3}"
    return "CA3" if y > 800 else "CA2" if x < 0 else "CA1"


def build_gazetteer(run: Any, *, rng: np.random.Generator, edition: str) -> Gazetteer:
    """Postcode units along every street of ``run`` (a finished generation run), and the
    postcode of every place.

    Parameters
    ----------
    run
        A :class:`~contextmap.sample.generate.SampleRun` after ``run()``.
    rng
        The stream for postcode codes, terminations and qualities.
    edition
        Label of the product edition (``NOV_2026``).

    Examples
    --------
    >>> from contextmap.sample.generate import start_run
    >>> run = start_run(children=20, seed=1)
    >>> _ = run.run()
    >>> gz = build_gazetteer(run, rng=np.random.default_rng(0), edition="NOV_2026")
    >>> set(gz.place_postcode) <= set(gz.units.loc[gz.units["live"], "postcode"])
    True
    >>> sorted(gz.file_texts())[0]
    'ONSPD_NOV_2026_UK.csv'
    """
    streets = run.streets
    rows = run.place_rows
    # units: each street cut into pieces of about UNIT_M metres
    unit_street, unit_k, unit_x, unit_y, n_units = [], [], [], [], []
    for i, st in enumerate(streets):
        length = math.hypot(st["x1"] - st["x0"], st["y1"] - st["y0"])
        k = max(1, int(math.ceil(length / UNIT_M)))
        n_units.append(k)
        for j in range(k):
            t = (j + 0.5) / k
            unit_street.append(i)
            unit_k.append(j)
            unit_x.append(st["x0"] + t * (st["x1"] - st["x0"]))
            unit_y.append(st["y0"] + t * (st["y1"] - st["y0"]))
    first_unit = np.concatenate([[0], np.cumsum(n_units)[:-1]]).astype(int)
    ux, uy = np.array(unit_x), np.array(unit_y)
    us = np.array(unit_street, dtype=int)
    settlement = np.array([streets[i]["settlement"] for i in us], dtype=int)
    outward = np.array([_district(int(s), float(x), float(y)) for s, x, y in zip(settlement, ux, uy, strict=True)],
                       dtype=object)
    inward = np.empty(len(us), dtype=object)
    letters = list(POSTCODE_LETTERS)
    pool = [f"{d}{a}{b}" for d in "1234567890" for a in letters for b in letters]
    old_codes: dict[int, str] = {}
    for district in sorted(set(outward.tolist())):
        idx = np.flatnonzero(outward == district)
        order = rng.permutation(len(pool))
        if len(idx) * 1.05 + 10 > len(pool):
            raise ValueError(f"Expected at most {int(len(pool) / 1.05) - 10} postcode units in {district}, "
                             f"instead got: {len(idx)} (a smaller county, or a longer UNIT_M)")
        codes = [pool[j] for j in order]
        for k, u in enumerate(idx):
            inward[u] = codes[k]
        spare = iter(codes[len(idx):])
        for u in idx[rng.random(len(idx)) < 0.04]:  # about 4% of units were renumbered: the old one terminated
            old_codes[int(u)] = next(spare)
    ue, un = local_to_bng(ux, uy)
    lon, lat = transform("bng_to_wgs84", ue, un)
    area_of = np.array([streets[i]["area"] for i in us], dtype=object)
    quality = rng.choice(np.array([1, 1, 1, 1, 2, 3]), len(us))
    units = pd.DataFrame({
        "postcode": [f"{o} {i}" for o, i in zip(outward, inward, strict=True)], "outward": outward, "inward": inward,
        "easting": np.round(ue), "northing": np.round(un), "latitude": lat, "longitude": lon,
        "street": us, "unit": np.array(unit_k), "settlement": settlement, "populated_place": area_of,
        "live": True, "dointr": rng.choice(np.array(["198001", "199512", "200406", "201109"]), len(us)),
        "doterm": "", "quality": quality, "unit_no": np.arange(len(us)),
    })
    ward_names = {a: k for k, a in enumerate(sorted(set(area_of.tolist())))}
    units["ward"] = units["populated_place"].map(ward_names) % 100
    if old_codes:
        olds = units.loc[sorted(old_codes)].copy()
        olds["inward"] = [old_codes[u] for u in sorted(old_codes)]
        olds["postcode"] = olds["outward"] + " " + olds["inward"]
        olds["live"] = False
        olds["dointr"] = "198001"
        olds["doterm"] = rng.choice(np.array(["200912", "201406", "201903", "202208"]), len(olds))
        olds["quality"] = 1
        units = pd.concat([units, olds], ignore_index=True)
    # a few live postcodes with no grid reference (new-build or PO box), used by no place
    nogrid = units.iloc[: min(3, len(units))].copy()
    if len(nogrid):
        spare_codes = set(pool) - set(units.loc[units["outward"] == "CA1", "inward"])
        nogrid["outward"] = "CA1"
        nogrid["inward"] = sorted(spare_codes)[: len(nogrid)]
        nogrid["postcode"] = "CA1 " + nogrid["inward"]
        nogrid["quality"] = 9
        nogrid["unit_no"] = np.arange(len(units), len(units) + len(nogrid))
        units = pd.concat([units, nogrid], ignore_index=True)
    # every place: the unit of its street its position falls in
    px = np.array([r["x"] for r in rows], dtype=float)
    py = np.array([r["y"] for r in rows], dtype=float)
    pe, pn = local_to_bng(px, py)
    place_pc = np.empty(len(rows), dtype=object)
    place_old = np.full(len(rows), "", dtype=object)
    for p, r in enumerate(rows):
        st = streets[r["street"]]
        dx, dy = st["x1"] - st["x0"], st["y1"] - st["y0"]
        length2 = dx * dx + dy * dy or 1.0
        t = min(max(((r["x"] - st["x0"]) * dx + (r["y"] - st["y0"]) * dy) / length2, 0.0), 0.999999)
        unit = int(first_unit[r["street"]] + int(t * n_units[r["street"]]))
        place_pc[p] = units.at[unit, "postcode"]
        if unit in old_codes:
            place_old[p] = f"{outward[unit]} {old_codes[unit]}"
    canon = np.asarray(run.place_of, dtype=int)
    place_pc, place_old = place_pc[canon], place_old[canon]  # a duplicate record is the same place
    srows = []
    for st in streets:
        e, n = local_to_bng(np.array([st["x0"], st["x1"]]), np.array([st["y0"], st["y1"]]))
        mx, my = (st["x0"] + st["x1"]) / 2, (st["y0"] + st["y1"]) / 2
        srows.append({"name": st["name"], "settlement": st["settlement"], "populated_place": st["area"],
                      "easting": round(float(e.mean())), "northing": round(float(n.mean())),
                      "xmin": math.floor(e.min()), "ymin": math.floor(n.min()),
                      "xmax": math.ceil(e.max()), "ymax": math.ceil(n.max()),
                      "district": _district(st["settlement"], mx, my)})
    places = []
    names = [MAIN_TOWN] + [s["name"] for s in run.settlements[1:]]
    for k, s in enumerate(run.settlements):
        e, n = local_to_bng(np.array([s["x"]]), np.array([s["y"]]))
        places.append({"name": names[k], "local_type": {"main": "Town", "town": "Town", "village": "Village"}[s["kind"]],
                       "easting": float(e[0]), "northing": float(n[0]), "radius_m": s["r"],
                       "district": _district(k, s["x"], s["y"]), "parent": ""})
    seen = {p["name"] for p in places}
    for st in srows:
        if st["populated_place"] not in seen:
            seen.add(st["populated_place"])
            mine = [s for s in srows if s["populated_place"] == st["populated_place"]]
            places.append({"name": st["populated_place"], "local_type": "Suburban Area",
                           "easting": float(np.mean([s["easting"] for s in mine])),
                           "northing": float(np.mean([s["northing"] for s in mine])), "radius_m": 600.0,
                           "district": st["district"], "parent": names[st["settlement"]]})
    return Gazetteer(units=units.reset_index(drop=True), place_postcode=place_pc, place_old_postcode=place_old,
                     place_easting=pe, place_northing=pn, streets=pd.DataFrame(srows),
                     settlements=pd.DataFrame(places), edition=edition)

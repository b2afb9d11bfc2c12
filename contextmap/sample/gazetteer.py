"""A synthetic gazetteer in the real products' exact layouts: ONSPD, Code-Point Open, OS Open Names.

The user's gazetteer (:mod:`contextmap.ingest.gazetteer`) is read as ONS and Ordnance Survey
ship it. To test that reader and to let the sample place addresses offline, this module writes
invented postcodes and street names in those same layouts:

* an **ONS Postcode Directory** CSV with its header row (:data:`ONSPD_COLUMNS`, the February
  2024 column list: ``pcd``, ``pcd2``, ``pcds``, ``dointr``, ``doterm``, ... ``oseast1m``,
  ``osnrth1m``, ``osgrdind`` ... ``lat``, ``long`` ...), strings quoted as ONS quotes them,
  geography codes the ONS "no code" pseudo-codes;
* **Code-Point Open**: ``Data/CSV/<area>.csv`` *without* a header row, and the header file
  ``Doc/Code-Point_Open_Column_Headers.csv`` (short codes, then long names);
* **OS Open Names**: ``Data/<square>.csv`` *without* a header row, and
  ``Doc/OS_Open_Names_Header.csv``.

:func:`sample_gazetteer` derives one from the sample's locations (each postcode at the middle
of the places that carry it; each street named in a place name at the middle of the places
on it). Every name is invented.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from contextmap.ingest.gazetteer import CODEPOINT_COLUMNS, OPEN_NAMES_COLUMNS
from contextmap.ingest.placetext import normalise_postcode
from contextmap.sample.geography import street_of

__all__ = ["ONSPD_COLUMNS", "write_gazetteer", "sample_gazetteer", "write_sample_gazetteer", "sample_gazetteer_files",
           "GAZETTEER_DIR"]

GAZETTEER_DIR = "gazetteer"
"""The folder, inside a written sample, that holds its gazetteer."""

ONSPD_COLUMNS = (
    "pcd", "pcd2", "pcds", "dointr", "doterm", "oscty", "ced", "oslaua", "osward", "parish", "usertype", "oseast1m",
    "osnrth1m", "osgrdind", "oshlthau", "nhser", "ctry", "rgn", "streg", "pcon", "eer", "teclec", "ttwa", "pct", "itl",
    "statsward", "oa01", "casward", "npark", "lsoa01", "msoa01", "ur01ind", "oac01", "oa11", "lsoa11", "msoa11", "wz11",
    "sicbl", "bua11", "buasd11", "ru11ind", "oac11", "lat", "long", "lep1", "lep2", "pfa", "imd", "calncv", "icb",
    "oa21", "lsoa21", "msoa21",
)
"""The ONS Postcode Directory's 53 columns (February 2024 edition), in order."""

_CODEPOINT_SHORT = ("PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC")
_NO_CODE = "E99999999"  # ONS's pseudo-code for "no area of this kind"
_UNQUOTED = {"lat", "long", "imd"}
_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


def _pcd7(pc: str) -> str:
    """ONSPD ``pcd`` and Code-Point Open's form: 7 characters, the outward code padded to 4."""
    out, inward = pc.split()
    return f"{out:<4}{inward}"


def _pcd8(pc: str) -> str:
    out, inward = pc.split()
    return f"{out:<4} {inward}"


def _onspd(postcodes: pd.DataFrame) -> list[list[object]]:
    rows = []
    for r in postcodes.itertuples(index=False):
        has = np.isfinite(r.easting) and np.isfinite(r.northing)
        lon, lat = _TO_WGS84.transform(r.easting, r.northing) if has else (0.0, 99.999999)
        cells: dict[str, object] = dict.fromkeys(ONSPD_COLUMNS, _NO_CODE)
        cells.update({
            "pcd": _pcd7(r.postcode), "pcd2": _pcd8(r.postcode), "pcds": r.postcode,
            "dointr": str(r.introduced), "doterm": str(r.terminated or ""), "usertype": "0",
            "oseast1m": f"{r.easting:.0f}" if has else "", "osnrth1m": f"{r.northing:.0f}" if has else "",
            "osgrdind": str(r.quality), "ctry": "E92000001", "lat": round(float(lat), 6), "long": round(float(lon), 6),
            "ur01ind": "5", "oac01": "", "ru11ind": "C1", "oac11": "", "imd": 15000,
        })
        rows.append([cells[c] for c in ONSPD_COLUMNS])
    return rows


def _write_rows(path: Path, rows: list[list[object]], *, header: tuple[str, ...] | None = None,
                quoting: str = "minimal") -> Path:
    """CSV as each product writes it: ``'nonempty'`` (ONSPD: text quoted, blanks empty),
    ``'text'`` (Code-Point Open: every text cell quoted, blanks too) or ``'minimal'`` (OS Open
    Names: quoted only when needed). Numbers (and ONSPD's ``lat``/``long``) are never quoted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        if header is not None:
            fh.write(",".join(header) + "\r\n")
        if quoting == "minimal":
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
            return path
        names = header or (None,) * (len(rows[0]) if rows else 0)
        for row in rows:
            cells = []
            for c, v in zip(names, row, strict=True):
                if (isinstance(v, (int, float)) and not isinstance(v, bool)) or c in _UNQUOTED:
                    cells.append(str(v))
                elif quoting == "text" or v != "":
                    cells.append('"' + str(v).replace('"', '""') + '"')
                else:
                    cells.append("")
            fh.write(",".join(cells) + "\r\n")
    return path


def write_gazetteer(out_dir: str | Path, *, postcodes: pd.DataFrame | None = None, names: pd.DataFrame | None = None,
                    postcode_layout: str = "onspd", tag: str = "SAMPLE") -> list[Path]:
    """Write postcodes and names in the real products' layouts under ``out_dir``.

    Parameters
    ----------
    postcodes
        ``postcode`` ('EL1 2AB'), ``easting``, ``northing`` (NaN: no position), ``quality``
        (ONSPD ``osgrdind`` 1-9), ``introduced`` and ``terminated`` (``YYYYMM`` or ``''``).
    names
        ``name``, ``local_type`` (``Named Road``, ``Town``, ``Suburban Area``...), ``easting``,
        ``northing``, ``postcode_district``, ``populated_place``, ``district_borough``.
    postcode_layout
        ``'onspd'`` (``ONSPD/Data/ONSPD_<tag>.csv``) or ``'codepoint'`` (``codepo_gb/Data/CSV/<area>.csv``,
        live postcodes only, as Code-Point Open ships).

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> pcs = pd.DataFrame({"postcode": ["EL1 2AB"], "easting": [340270.0], "northing": [555480.0],
    ...                     "quality": [1], "introduced": ["199001"], "terminated": [""]})
    >>> [p.name for p in write_gazetteer(tempfile.mkdtemp(), postcodes=pcs, postcode_layout="codepoint")]
    ['el.csv', 'Code-Point_Open_Column_Headers.csv']
    """
    out = Path(out_dir)
    written: list[Path] = []
    if postcodes is not None and len(postcodes):
        pcs = postcodes.copy()
        for c, v in (("quality", 1), ("introduced", "199001"), ("terminated", "")):
            if c not in pcs:
                pcs[c] = v
        pcs["terminated"] = pcs["terminated"].fillna("").astype(str)
        if postcode_layout == "onspd":
            written.append(_write_rows(out / "ONSPD" / "Data" / f"ONSPD_{tag}.csv", _onspd(pcs), header=ONSPD_COLUMNS,
                                           quoting="nonempty"))
        elif postcode_layout == "codepoint":
            live = pcs[pcs["terminated"] == ""]
            pq = {1: 10, 2: 20, 3: 30, 4: 40, 5: 50, 6: 60, 8: 90, 9: 90}
            area = live["postcode"].str.extract(r"^([A-Z]{1,2})", expand=False).str.lower()
            for a, part in live.groupby(area, sort=True):
                rows = [[_pcd7(pc), pq.get(int(q), 10), int(e) if np.isfinite(e) else 0, int(n) if np.isfinite(n) else 0,
                         "E92000001", _NO_CODE, _NO_CODE, "", _NO_CODE, _NO_CODE]
                        for pc, q, e, n in zip(part["postcode"], part["quality"], part["easting"], part["northing"],
                                               strict=True)]
                written.append(_write_rows(out / "codepo_gb" / "Data" / "CSV" / f"{a}.csv", rows, quoting="text"))
            doc = out / "codepo_gb" / "Doc" / "Code-Point_Open_Column_Headers.csv"
            doc.parent.mkdir(parents=True, exist_ok=True)
            doc.write_text(",".join(_CODEPOINT_SHORT) + "\r\n" + ",".join(CODEPOINT_COLUMNS) + "\r\n", encoding="utf-8")
            written.append(doc)
        else:
            raise ValueError(f"Expected postcode_layout 'onspd' or 'codepoint', instead got: {postcode_layout!r}")
    if names is not None and len(names):
        nm = names.reset_index(drop=True)
        square = [_squares(nm.iloc[[k]])[0] for k in range(len(nm))]
        for sq, part in nm.groupby(pd.Series(square), sort=True):
            rows = []
            for k, r in part.iterrows():
                road = "Road" in str(r["local_type"])
                uid = f"osgb40000{int(k) + 1:010d}"
                cells: dict[str, object] = dict.fromkeys(OPEN_NAMES_COLUMNS, "")
                cells.update({
                    "ID": uid, "NAMES_URI": f"http://data.ordnancesurvey.co.uk/id/{uid[4:]}", "NAME1": r["name"],
                    "TYPE": "transportNetwork" if road else "populatedPlace", "LOCAL_TYPE": r["local_type"],
                    "GEOMETRY_X": int(r["easting"]), "GEOMETRY_Y": int(r["northing"]),
                    "MOST_DETAIL_VIEW_RES": 1000 if road else 25000, "LEAST_DETAIL_VIEW_RES": 25000 if road else 250000,
                    "MBR_XMIN": int(r["easting"]) - 80, "MBR_YMIN": int(r["northing"]) - 40,
                    "MBR_XMAX": int(r["easting"]) + 80, "MBR_YMAX": int(r["northing"]) + 40,
                    "POSTCODE_DISTRICT": r.get("postcode_district", "") or "",
                    "POPULATED_PLACE": r.get("populated_place", "") or "",
                    "DISTRICT_BOROUGH": r.get("district_borough", "") or "",
                    "COUNTRY": "England", "COUNTRY_URI": "http://data.ordnancesurvey.co.uk/id/country/england",
                })
                rows.append([cells[c] for c in OPEN_NAMES_COLUMNS])
            written.append(_write_rows(out / "opname_csv_gb" / "Data" / f"{sq}.csv", rows))
        doc = out / "opname_csv_gb" / "Doc" / "OS_Open_Names_Header.csv"
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(",".join(OPEN_NAMES_COLUMNS) + "\r\n", encoding="utf-8")
        written.append(doc)
    return written


def sample_gazetteer(locations: pd.DataFrame, *, district: str = "Lenning Vale") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Postcodes and street names derived from a sample's locations (see the module docstring).

    Examples
    --------
    >>> lo = pd.DataFrame({"name": ["12 Tanners Lane", "Quickstop, Tanners Lane"], "postcode": ["CA3 7ES", "CA3 7ES"],
    ...                    "latitude": [54.9, 54.901], "longitude": [-2.93, -2.93]})
    >>> pcs, names = sample_gazetteer(lo)
    >>> pcs["postcode"].tolist(), names["name"].tolist()
    (['CA3 7ES'], ['Tanners Lane'])
    """
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    lat = pd.to_numeric(locations["latitude"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(locations["longitude"], errors="coerce").to_numpy(float)
    e, n = (np.asarray(v, dtype=float) for v in to_bng.transform(lon, lat))
    for col, got in (("easting", e), ("northing", n)):  # a place given in BNG keeps its own
        if col in locations:
            given = pd.to_numeric(locations[col], errors="coerce").to_numpy(float)
            got[np.isfinite(given)] = given[np.isfinite(given)]
    ok = np.isfinite(e) & np.isfinite(n)
    pts = pd.DataFrame({"name": locations["name"].tolist(), "postcode": locations["postcode"].tolist(),
                        "easting": np.round(e), "northing": np.round(n)})[ok]
    pts["postcode"] = [normalise_postcode(x) or None for x in pts["postcode"]]  # the export's spelling varies
    with_pc = pts.dropna(subset=["postcode"])
    pcs = (with_pc.groupby("postcode", sort=True)[["easting", "northing"]].median().round().reset_index()
           .assign(quality=1, introduced="200501", terminated=""))
    pts["street"] = [street_of(x) if isinstance(x, str) else None for x in pts["name"]]
    st = pts.dropna(subset=["street"])
    district_of = with_pc.assign(street=st["street"]).dropna(subset=["street"]).groupby("street")["postcode"].agg(
        lambda s: s.str.split().str[0].mode().iloc[0])
    names = (st.groupby("street", sort=True)[["easting", "northing"]].median().round().reset_index()
             .rename(columns={"street": "name"}).assign(local_type="Named Road", populated_place="",
                                                        district_borough=district))
    names["postcode_district"] = names["name"].map(district_of).fillna("")
    return pcs, names


def _squares(names: pd.DataFrame) -> list[str]:
    return sorted({f"NY{int(e // 10000) % 10}{int(n // 10000) % 10}" for e, n in zip(names["easting"], names["northing"],
                                                                                     strict=True)})


def sample_gazetteer_files(locations: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """The files :func:`write_sample_gazetteer` writes (for the caller's overwrite check)."""
    root = Path(out_dir) / GAZETTEER_DIR
    pcs, names = sample_gazetteer(locations)
    out = [root / "ONSPD" / "Data" / "ONSPD_SAMPLE.csv"] if len(pcs) else []
    if len(names):
        out += [root / "opname_csv_gb" / "Data" / f"{sq}.csv" for sq in _squares(names)]
        out.append(root / "opname_csv_gb" / "Doc" / "OS_Open_Names_Header.csv")
    return out


def write_sample_gazetteer(locations: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write :func:`sample_gazetteer` under ``out_dir/gazetteer/`` (ONSPD and OS Open Names).

    Existing files of those names are replaced (the caller checks overwriting:
    :func:`sample_gazetteer_files`)."""
    pcs, names = sample_gazetteer(locations)
    return write_gazetteer(Path(out_dir) / GAZETTEER_DIR, postcodes=pcs, names=names)

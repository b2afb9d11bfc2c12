"""Measure reading the user's gazetteer: an ONS Postcode Directory of full size, streamed.

Writes a synthetic ONSPD CSV in the real layout (53 columns, strings quoted as ONS quotes them;
the real file has about 2.7 million rows and 1.3 GB) into a temporary folder, then times
``Gazetteer.postcodes_table`` looking up a month's worth of postcodes (default 2,000), and
reports the peak memory of the process. The file is deleted afterwards unless ``--keep``.

Run::

    .venv/bin/python benchmarks/bench_gazetteer.py                  # 2.7 million rows
    .venv/bin/python benchmarks/bench_gazetteer.py --rows 1000000   # a smaller machine
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from contextmap.ingest.gazetteer import Gazetteer

ONSPD_COLUMNS = (
    "pcd pcd2 pcds dointr doterm oscty ced oslaua osward parish usertype oseast1m osnrth1m osgrdind oshlthau nhser "
    "ctry rgn streg pcon eer teclec ttwa pct itl statsward oa01 casward npark lsoa01 msoa01 ur01ind oac01 oa11 lsoa11 "
    "msoa11 wz11 sicbl bua11 buasd11 ru11ind oac11 lat long lep1 lep2 pfa imd calncv icb oa21 lsoa21 msoa21"
).split()
"""The ONS Postcode Directory's 53 columns (the 2024 editions), in order."""


def _postcode(k: np.ndarray) -> np.ndarray:
    """Invented postcodes: area ZA-ZZ (none is real), district 1-99, sector 0-9, unit AA-ZZ."""
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    area = np.char.add("Z", letters[k % 20])
    district = (k // 20 % 99 + 1).astype(str)
    sector = (k // 1980 % 10).astype(str)
    unit = np.char.add(letters[k // 19800 % 20], letters[k // 396000 % 20])
    return np.char.add(np.char.add(np.char.add(area, district), " "), np.char.add(sector, unit))


def write_onspd(path: Path, rows: int, *, chunk: int = 200_000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(ONSPD_COLUMNS) + "\r\n")
        fixed = {"pcd": "{p}", "pcd2": "{p}", "pcds": "{p}", "dointr": '"199001"', "doterm": "{t}",
                 "oseast1m": '"{x}"', "osnrth1m": '"{y}"', "osgrdind": '"1"', "lat": "54.9", "long": "-2.9",
                 "imd": "15000"}
        template = ",".join(fixed.get(c, '"E99999999"') for c in ONSPD_COLUMNS).replace("{p}", '"{p}"')
        for start in range(0, rows, chunk):
            k = np.arange(start, min(rows, start + chunk))
            pcs = _postcode(k)
            e = rng.integers(100_000, 600_000, len(k))
            n = rng.integers(10_000, 1_200_000, len(k))
            ended = np.where(rng.random(len(k)) < 0.3, '"201906"', "")
            lines = [template.format(p=p, t=t, x=x, y=y) for p, t, x, y in zip(pcs, ended, e, n, strict=True)]
            fh.write("\r\n".join(lines) + "\r\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_700_000)
    ap.add_argument("--lookups", type=int, default=2_000)
    ap.add_argument("--keep", type=Path, help="write the file here and keep it")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="contextmap-gazetteer-"))
    path = (args.keep or tmp) / "ONSPD_BENCH.csv"
    try:
        t0 = time.perf_counter()
        write_onspd(path, args.rows)
        t1 = time.perf_counter()
        size = path.stat().st_size / 1e9
        rng = np.random.default_rng(1)
        wanted = [p.replace(" ", "") for p in _postcode(rng.integers(0, args.rows, args.lookups))]
        wanted += ["QQ99ZZ"] * 10  # not in the file
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t2 = time.perf_counter()
        table = Gazetteer(postcodes=(path,)).postcodes_table(wanted)
        t3 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ONSPD layout: {args.rows:,} rows, {size:.2f} GB written in {t1 - t0:.1f} s")
        print(f"lookup of {len(set(wanted)):,} postcodes: {len(table):,} found in {t3 - t2:.1f} s "
              f"({args.rows / (t3 - t2) / 1e6:.2f} million rows/s); peak RSS {peak:.0f} MB (before {before:.0f} MB)")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

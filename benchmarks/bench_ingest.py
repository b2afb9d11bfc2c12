"""Time ``contextmap.load`` (read + validate) on generated datasets, with peak memory.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py              # 1k, 10k, 100k episodes
    .venv/bin/python benchmarks/bench_ingest.py --sizes 1000 --keep /tmp/bench

Each size is generated once into a temporary folder (about 3 links per episode), then loaded
in a fresh subprocess so that its peak resident memory (``ru_maxrss``) belongs to that load
alone. Target (issue 2): 100k episodes with about 300k links in at most 15 s and 1.5 GB.

The data comes from ``contextmap.sample.write_sample`` when that generator can reach the size
(it is the realistic one); otherwise from the small maker below, which writes valid rows with
the contract's columns, a mix of date styles, BNG and WGS84 coordinates and gradings.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
import contextmap
t1 = time.perf_counter()
ds = contextmap.load(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0, "load_s": t2 - t1,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "counts": ds.report.counts.to_dict(orient="index"),
    "problems": int(len(ds.report.problems)),
}))
"""


def make_dataset(out: Path, *, episodes: int, seed: int = 0) -> None:
    """Write a valid synthetic dataset with ``episodes`` episodes and ~3 links each."""
    rng = np.random.default_rng(seed)
    n_children = max(10, episodes // 4)
    n_persons = max(5, episodes // 20)
    n_locations = max(10, episodes // 10)
    out.mkdir(parents=True, exist_ok=True)
    child_ids = np.array([f"C{i:06d}" for i in range(n_children)])
    person_ids = np.array([f"P{i:06d}" for i in range(n_persons)])
    loc_ids = np.array([f"L{i:06d}" for i in range(n_locations)])
    # Locations around a town centre; half as WGS84, half as British National Grid.
    lat = 52.63 + rng.normal(0, 0.03, n_locations)
    lon = -1.13 + rng.normal(0, 0.05, n_locations)
    east = 458000 + rng.normal(0, 2000, n_locations)
    north = 304000 + rng.normal(0, 2000, n_locations)
    bng = rng.random(n_locations) < 0.5
    pd.DataFrame({
        "location_id": loc_ids,
        "name": [f"Place {i}" for i in range(n_locations)],
        "category": rng.choice(["address", "park", "shop", "food_outlet", "transport"], n_locations),
        "latitude": np.where(bng, "", lat.round(5).astype(str)),
        "longitude": np.where(bng, "", lon.round(5).astype(str)),
        "easting": np.where(bng, east.round().astype(int).astype(str), ""),
        "northing": np.where(bng, north.round().astype(int).astype(str), ""),
        "postcode": "LE1 1AA",
    }).to_csv(out / "locations.csv", index=False)
    pd.DataFrame({
        "child_id": child_ids,
        "name": [f"Child {i}" for i in range(n_children)],
        "date_of_birth": "12/03/2011",
        "gender": rng.choice(["female", "male"], n_children),
        "ce_risk": rng.choice(["none", "low", "medium", "high"], n_children),
        "placement": rng.choice(["home", "foster", "residential"], n_children),
        "home_location_id": rng.choice(loc_ids, n_children),
    }).to_csv(out / "children.csv", index=False)
    pd.DataFrame({
        "person_id": person_ids,
        "name": [f"Person {i}" for i in range(n_persons)],
        "aliases": "Big T; TJ",
    }).to_csv(out / "persons.csv", index=False)
    start = pd.Timestamp("2025-01-01")  # the past, so as_of=now passes + pd.to_timedelta(rng.integers(0, 360 * 24 * 60, episodes), unit="min")
    back = start + pd.to_timedelta(rng.integers(30, 72 * 60, episodes), unit="min")
    rhi = back + pd.to_timedelta(rng.integers(60, 120 * 60, episodes), unit="min")
    uk = rng.random(episodes) < 0.5
    iso = start.strftime("%Y-%m-%d %H:%M").to_numpy()
    ukf = start.strftime("%d/%m/%Y %H:%M").to_numpy()
    episode_ids = np.array([f"E{i:07d}" for i in range(episodes)])
    pd.DataFrame({
        "episode_id": episode_ids,
        "child_id": rng.choice(child_ids, episodes),
        "reported_at": np.where(uk, ukf, iso),
        "returned_at": back.strftime("%Y-%m-%dT%H:%M"),
        "classification": rng.choice(["missing", "absent"], episodes),
        "found_location_id": rng.choice(loc_ids, episodes),
        "rhi_at": rhi.strftime("%Y-%m-%d %H:%M:%S"),
        "rhi_outcome": "completed",
    }).to_csv(out / "episodes.csv", index=False)
    n_links = episodes * 3
    people = np.concatenate([child_ids, person_ids])
    to_place = rng.random(n_links) < 0.5
    pd.DataFrame({
        "link_id": [f"K{i:07d}" for i in range(n_links)],
        "source_id": rng.choice(people, n_links),
        "target_id": np.where(to_place, rng.choice(loc_ids, n_links), rng.choice(people, n_links)),
        "relation": np.where(to_place, "visited", "seen_with"),
        "observed_on": start.strftime("%d/%m/%Y").to_numpy()[rng.integers(0, episodes, n_links)],
        "episode_id": rng.choice(episode_ids, n_links),
        "source_type": rng.choice(["rhi", "police", "education"], n_links),
        "grading": rng.choice(["1A P", "2B C", "3C P", "2C C"], n_links),
        "summary": "seen together near the bus station",
    }).to_csv(out / "links.csv", index=False)


def _generate(out: Path, episodes: int) -> str:
    try:
        from contextmap import sample  # type: ignore[attr-defined]
    except ImportError:
        sample = None
    if sample is not None and hasattr(sample, "write_sample"):
        try:
            sample.write_sample(out, seed=1, episodes_target=episodes)
            n = len(pd.read_csv(out / "episodes.csv", usecols=[0]))
            if 0.5 * episodes <= n <= 2 * episodes:
                return "contextmap.sample"
        except Exception as exc:  # fall back, but say why
            print(f"  (contextmap.sample failed: {exc}; using the benchmark's own maker)", file=sys.stderr)
        for f in out.glob("*.csv"):
            f.unlink()
    make_dataset(out, episodes=episodes)
    return "bench maker"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep the data")
    args = ap.parse_args()
    rows = []
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    for size in args.sizes:
        out = base / f"e{size}"
        t0 = time.perf_counter()
        maker = _generate(out, size)
        gen_s = time.perf_counter() - t0
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(out)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"load failed for {size} episodes:\n{proc.stderr}")
        r = json.loads(proc.stdout)
        c = r["counts"]
        rows.append({
            "episodes": c["episodes"]["read"],
            "links": c["links"]["read"],
            "rows_total": sum(v["read"] for v in c.values()),
            "quarantined": sum(v["quarantined"] for v in c.values()),
            "problems": r["problems"],
            "load_s": round(r["load_s"], 2),
            "peak_mb": round(r["peak_mb"]),
            "data": maker,
            "gen_s": round(gen_s, 1),
        })
        print(f"  {size:>7} episodes: {r['load_s']:.2f} s, {r['peak_mb']:.0f} MB peak", file=sys.stderr)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    big = table[table["episodes"] >= 90_000]
    if len(big):
        ok = bool((big["load_s"] <= 15).all() and (big["peak_mb"] <= 1536).all())
        print(f"target (100k episodes, ~300k links: <= 15 s, <= 1.5 GB): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Time ``contextmap.load`` (read + validate) on generated datasets, with peak memory.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py              # 1k, 10k, 100k episodes
    .venv/bin/python benchmarks/bench_ingest.py --sizes 1000 --keep /tmp/bench

Each size is generated once into a temporary folder (about 3 links per episode), then loaded
in a fresh subprocess so that its peak resident memory (``ru_maxrss``) belongs to that load
alone. Target (issue 2): 100k episodes with about 300k links in at most 15 s and 1.5 GB.

The data comes from the synthetic sample generator (``contextmap.sample.write_sample``), with
its mix of date styles, BNG and WGS84 coordinates, gradings and messy fields.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _generate(out: Path, episodes: int) -> str:
    """Write a realistic synthetic dataset of about ``episodes`` episodes into ``out``."""
    from contextmap.sample.generate import write_sample

    write_sample(out, seed=1, episodes_target=episodes, overwrite=True)
    return "contextmap.sample.generate"


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

"""Time ``contextmap.load`` (read + validate) on generated datasets, with peak memory.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py              # 1k, 10k, 100k episodes
    .venv/bin/python benchmarks/bench_ingest.py --sizes 1000 --keep /tmp/bench
    .venv/bin/python benchmarks/bench_ingest.py --manifest   # read through a sources manifest

With ``--manifest`` the data is read through a sources manifest (``sources.yaml``) as two
agencies would send it: the links split into two files (a council's and the police's, each
with its own column names and a ``source_type`` constant) stacked into one table, and the
children's names split into forename and surname columns joined by the mapping.

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


_MANIFEST = """\
description: benchmark data as two agencies send it
sources:
  - file: young_people.csv
    table: children
    columns: {Child ID: child_id, name: [Forename, Surname]}
  - {file: persons.csv, table: persons}
  - {file: locations.csv, table: locations}
  - {file: episodes.csv, table: episodes}
  - file: links_council.csv
    table: links
    constants: {source_type: social_care}
  - file: links_police.csv
    table: links
    constants: {source_type: police}
    columns: {Intel Ref: link_id, Subject: source_id, Linked: target_id, Link Type: relation, Date: observed_on}
"""


def _as_manifest(out: Path) -> Path:
    """Rewrite the generated folder as two agencies' files plus ``sources.yaml``."""
    ch = pd.read_csv(out / "children.csv", dtype=str, keep_default_na=False)
    parts = ch.pop("name").str.split(" ", n=1, expand=True).reindex(columns=[0, 1]).fillna("")
    ch.insert(1, "Forename", parts[0])
    ch.insert(2, "Surname", parts[1])
    ch.rename(columns={"child_id": "Child ID"}).to_csv(out / "young_people.csv", index=False)
    li = pd.read_csv(out / "links.csv", dtype=str, keep_default_na=False)
    half = len(li) // 2
    li.iloc[:half].drop(columns=["source_type"]).to_csv(out / "links_council.csv", index=False)
    police = li.iloc[half:].drop(columns=["source_type"]).rename(columns={
        "link_id": "Intel Ref", "source_id": "Subject", "target_id": "Linked", "relation": "Link Type",
        "observed_on": "Date"})
    police.to_csv(out / "links_police.csv", index=False)
    (out / "sources.yaml").write_text(_MANIFEST, encoding="utf-8")
    return out / "sources.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep the data")
    ap.add_argument("--manifest", action="store_true", help="read through a sources manifest (two agencies' files)")
    args = ap.parse_args()
    rows = []
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    for size in args.sizes:
        out = base / f"e{size}"
        t0 = time.perf_counter()
        maker = _generate(out, size)
        target = _as_manifest(out) if args.manifest else out
        gen_s = time.perf_counter() - t0
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(target)], capture_output=True, text=True, check=False)
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
            "data": maker + (" via sources.yaml" if args.manifest else ""),
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

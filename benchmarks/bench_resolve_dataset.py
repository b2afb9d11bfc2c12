"""Time ``resolve_dataset`` and each of its steps on a generated sample (target: 100k
episodes in <= 30 s and < 2 GB peak resident memory).

Generate once, then time (the load is not timed)::

    .venv/bin/contextmap sample --out /tmp/r100k --episodes 100000 --seed 1
    .venv/bin/python benchmarks/bench_resolve_dataset.py /tmp/r100k

Prints the whole ``resolve_dataset`` time and peak memory, then each step alone:
``resolve_persons``, ``resolve_locations`` (with its candidate-pair count), ``link_mentions``
and the row merge.
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

import contextmap
from contextmap.resolve import dataset as R


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", help="a dataset folder (contextmap sample --out ...)")
    ap.add_argument("--engines", default="duckdb,fixed", help="person engines to time resolve_dataset with")
    args = ap.parse_args()
    ds = contextmap.load(args.path)
    print(f"loaded {len(ds.episodes)} episodes, {len(ds.persons)} persons, {len(ds.locations)} locations; "
          f"peak {_peak_mb():.0f} MB")
    for engine in args.engines.split(","):
        t, c = time.perf_counter(), time.process_time()
        R.resolve_dataset(ds, engine=engine)
        print(f"resolve_dataset (engine={engine}) {time.perf_counter() - t:.1f} s "
              f"(CPU {time.process_time() - c:.1f} s, all threads), peak {_peak_mb():.0f} MB")
    for engine in args.engines.split(","):
        t, c = time.perf_counter(), time.process_time()
        pr = R.resolve_persons(ds, engine=engine)
        print(f"  resolve_persons (engine={engine}) {time.perf_counter() - t:5.1f} s (CPU {time.process_time() - c:.1f} s)"
              + (f" Splink steps {pr.model.extra['seconds']}" if pr.model is not None else ""))
    t = time.perf_counter()
    lr = R.resolve_locations(ds)
    print(f"  resolve_locations {time.perf_counter() - t:5.1f} s ({lr.stats['candidate_pairs']} candidate pairs)")
    t = time.perf_counter()
    m = R.link_mentions(ds, pr, lr)
    print(f"  link_mentions     {time.perf_counter() - t:5.1f} s ({len(m)} mentions)")
    mapping = {**pr.mapping, **lr.mapping}
    t = time.perf_counter()
    R._merge_rows(ds.persons, "person_id", mapping, ("aliases", "phone", "vehicle", "social_media"), True)
    R._merge_rows(ds.children, "child_id", mapping, (), False)
    R._merge_rows(pd.DataFrame(ds.locations.drop(columns="geometry")), "location_id", mapping, (), False)
    print(f"  _merge_rows x3    {time.perf_counter() - t:5.1f} s")


if __name__ == "__main__":
    main()

"""Speed and memory of the analyses on a large generated dataset (target: 100k episodes in 60 s).

Generates a sample of about ``--episodes`` episodes (``contextmap.sample.generate``), loads it, then
times ``contextmap.analysis.analyze`` without entity resolution (graph + peer groups +
persons and key players + hotspots, clusters and density + flags), step by step, and reports
peak resident memory. Entity resolution is timed separately with ``--resolve``.

Run: ``.venv/bin/python benchmarks/bench_analyses.py [--episodes 100000] [--resolve]``
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import contextmap
from contextmap.analysis import analyze
from contextmap.sample.generate import write_sample


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resolve", action="store_true", help="also time entity resolution")
    ap.add_argument("--data", type=Path, default=None, help="reuse a generated folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None or not (path / "episodes.csv").exists():
            path = path or Path(tmp) / "big"
            t = time.perf_counter()
            write_sample(path, episodes_target=args.episodes, seed=args.seed, overwrite=True)
            print(f"generated in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        ds = contextmap.load(path)
        print(f"loaded {ds!r} in {time.perf_counter() - t:.1f} s, peak {_peak_mb():.0f} MB")
        before = _peak_mb()
        t = time.perf_counter()
        a = analyze(ds, resolve=args.resolve, seed=0)
        total = time.perf_counter() - t
        G = a.graph
        print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; "
              f"{len(a.peer_groups.groups)} peer groups; {len(a.persons)} persons; "
              f"{len(a.hotspots)} locations; {len(a.clusters)} clusters; {len(a.flags)} flags")
        for step, secs in a.timings.items():
            print(f"  {step:<12} {secs:7.2f} s")
        analysed = total - a.timings.get("resolve", 0.0)
        print(f"analyses (no resolution): {analysed:.1f} s (target <= 60 s); total {total:.1f} s")
        print(f"peak resident memory: {_peak_mb():.0f} MB (after load: {before:.0f} MB)")


if __name__ == "__main__":
    main()

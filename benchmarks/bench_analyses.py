"""Speed and memory of the analyses on a large generated dataset (target: 100k episodes in 30 s, 1.5 GB).

Generates a sample of about ``--episodes`` episodes (``contextmap.sample.generate``), loads it,
then times ``contextmap.analysis.analyze`` step by step: entity resolution (with
``--resolve``), the context graph, peer groups, persons and key players, hotspots (ranking,
spatial clusters, density) and flags. For each step it prints wall-clock seconds, CPU seconds
of this process (every thread) and of its finished child processes (the places resolved on the
second core), and the peak resident memory reached by the end of the step
(on a shared machine the wall clock also counts other programs' turns; the load average is
printed too), then the end-to-end total (load + analyze), the number of spatial clusters,
peak resident memory, and, when the generator's truth is there, the ARI of the peer groups
against the planted groups.

Run: ``.venv/bin/python benchmarks/bench_analyses.py [--episodes 100000] [--resolve]``
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

import contextmap
from contextmap.analysis import analyze
from contextmap.sample.generate import write_sample


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its finished children (the places
    resolved on the second core), so runs with and without the child compare."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _loop_seconds() -> float:
    t = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - t


def _ari(membership: pd.Series, truth: Path, children: list[str]) -> float | None:
    path = truth / "peer_groups.csv"
    if not path.exists():
        return None
    from sklearn.metrics import adjusted_rand_score

    t = pd.read_csv(path)
    planted = dict(zip(t["child_id"], t["group_id"], strict=True))
    found = {k: v for k, v in membership.items() if isinstance(v, str)}
    return float(adjusted_rand_score([planted.get(c, f"solo-{c}") for c in children],
                                     [found.get(c, f"solo-{c}") for c in children]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resolve", action="store_true", help="entity resolution on (analyze's default)")
    ap.add_argument("--n-runs", type=int, default=None, help="Leiden runs (default: analyze's default)")
    ap.add_argument("--data", type=Path, default=None, help="reuse (or write once) a generated folder")
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"machine speed now: a 20-million-step Python loop takes {_loop_seconds():.2f} s "
          "(compare runs by it: a shared or virtual machine's speed varies)")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None or not (path / "episodes.csv").exists():
            path = path or Path(tmp) / "big"
            t = time.perf_counter()
            write_sample(path, episodes_target=args.episodes, seed=args.seed, overwrite=True)
            print(f"generated in {time.perf_counter() - t:.1f} s")
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        t, c = time.perf_counter(), _cpu()
        ds = contextmap.load(path)
        wall["load"], cpu["load"] = time.perf_counter() - t, _cpu() - c
        print(f"loaded {ds!r}, peak {_peak_mb():.0f} MB")
        after_load = _peak_mb()
        marks: list[tuple[str, float]] = []
        peaks: dict[str, float] = {"load": after_load}
        names = {"resolving persons and places": "resolve", "building the context graph": "graph",
                 "finding peer groups": "peer_groups", "ranking persons of concern": "persons",
                 "ranking locations": "hotspots", "flagging children": "flags"}

        def progress(step: str) -> None:
            if marks:
                peaks[marks[-1][0]] = _peak_mb()  # the peak so far, at the end of the step before
            marks.append((names.get(step, step), _cpu()))

        t = time.perf_counter()
        runs = {} if args.n_runs is None else {"n_runs": args.n_runs}
        a = analyze(ds, resolve=args.resolve, seed=0, progress=progress, **runs)
        total = time.perf_counter() - t
        peaks[marks[-1][0]] = _peak_mb()
        marks.append(("end", _cpu()))
        for (name, c0), (_, c1) in zip(marks[:-1], marks[1:], strict=True):
            cpu[name] = c1 - c0
        wall.update(a.timings)
        G = a.graph
        print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; "
              f"{len(a.peer_groups.groups)} peer groups; {len(a.persons)} persons; "
              f"{len(a.hotspots)} locations; {len(a.flags)} flags")
        print(f"spatial clusters: {len(a.clusters)}")
        print(f"  {'step':<12} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
        for step in wall:
            print(f"  {step:<12} {wall[step]:8.2f} {cpu.get(step, float('nan')):8.2f} {peaks.get(step, float('nan')):8.0f}")
        end_to_end = wall["load"] + total
        print(f"  {'total':<12} {end_to_end:8.2f} {sum(cpu.values()):8.2f}   (load + analyze"
              f"{', resolution on' if args.resolve else ', resolution off'}; target <= 30 s)")
        print(f"analyses after resolution: {total - a.timings.get('resolve', 0.0):.1f} s wall")
        print(f"peak resident memory: {_peak_mb():.0f} MB (after load: {after_load:.0f} MB; target <= 1536 MB)")
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if child:
            print(f"largest child process (places resolved beside persons): {child:.0f} MB resident, most of it "
                  "pages shared with this process at the fork")
        ari = _ari(a.peer_groups.membership, path / "truth", sorted(ds.children["child_id"].astype(str)))
        if ari is not None:
            print(f"peer groups ARI against the planted groups (all children): {ari:.3f}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""Workspace speed: import a month of a region into a workspace that already holds five years.

Generates one synthetic region over 61 months (about 10,000 episodes and 33,000 links a
month), writes five yearly exports (months 1-60) and one monthly export (month 61), each
holding its episodes and links and the children, persons and locations they refer to (as a
monthly extract does), imports the five years, then times:

* importing the month (the target: at most 30 s);
* importing the same month again (nothing changes);
* reading the workspace back as a Dataset.

Usage::

    python benchmarks/bench_workspace.py [--workspace URL] [--episodes-per-month 10000] [--work DIR]

``--workspace`` defaults to a SQLite file in the work folder; give a ``postgresql://`` URL (of
an empty database) to measure PostgreSQL. The generated exports are kept in ``--work`` and
reused by the next run.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from contextmap.dates import parse_dates
from contextmap.sample import generate_sample
from contextmap.workspace import init_workspace

MONTHS = 61


def _full(work: Path, per_month: int) -> dict[str, pd.DataFrame]:
    full = work / f"full-{per_month}"
    if not (full / "links.csv").exists():
        t = time.perf_counter()
        s = generate_sample(episodes_target=per_month * MONTHS, months=MONTHS, seed=11)
        print(f"generated {len(s.episodes)} episodes, {len(s.links)} links in {time.perf_counter() - t:.0f} s")
        full.mkdir(parents=True, exist_ok=True)
        for name, frame in s.tables.items():
            frame.to_csv(full / f"{name}.csv", index=False)
    return {n: pd.read_csv(full / f"{n}.csv", dtype=str, keep_default_na=False)
            for n in ("children", "persons", "locations", "episodes", "links")}


def _exports(work: Path, per_month: int) -> list[Path]:
    """Five yearly exports and one monthly one, each holding its episodes and links and the
    children, persons and locations they refer to (as a monthly extract does)."""
    done = work / f"exports-by-reference-{per_month}"
    names = [f"year-{y}" for y in range(1, 6)] + ["month-61"]
    if all((done / n / "links.csv").exists() for n in names):
        return [done / n for n in names]
    tables = _full(work, per_month)
    ep, lk = tables["episodes"], tables["links"]
    reported, _ = parse_dates(ep["reported_at"])
    first = reported.min().to_period("M")
    ep_month = (reported.dt.to_period("M") - first).map(lambda d: d.n)  # 0..60
    observed, _ = parse_dates(lk["observed_on"], kind="date")
    lk_month = (observed.dt.to_period("M") - first).map(lambda d: d.n)
    by_episode = lk["episode_id"].map(dict(zip(ep["episode_id"], ep_month, strict=True)))
    lk_month = by_episode.where(by_episode.notna(), lk_month)
    windows = [range(12 * y, 12 * y + 12) for y in range(5)] + [range(60, 61)]
    ch, pe, lo = tables["children"], tables["persons"], tables["locations"]
    out = []
    for name, months in zip(names, windows, strict=True):
        d = done / name
        d.mkdir(parents=True, exist_ok=True)
        e, k = ep[ep_month.isin(months)], lk[lk_month.isin(months)]
        ends = set(k["source_id"]) | set(k["target_id"])
        c = ch[ch["child_id"].isin(set(e["child_id"]) | ends)]
        places = set(e["found_location_id"]) | ends | set(c["home_location_id"])
        c.to_csv(d / "children.csv", index=False)
        pe[pe["person_id"].isin(ends)].to_csv(d / "persons.csv", index=False)
        lo[lo["location_id"].isin(places)].to_csv(d / "locations.csv", index=False)
        e.to_csv(d / "episodes.csv", index=False)
        k.to_csv(d / "links.csv", index=False)
        out.append(d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", help="workspace URL (default: a SQLite file in --work)")
    ap.add_argument("--episodes-per-month", type=int, default=10_000)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "contextmap-bench-workspace")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    exports = _exports(args.work, args.episodes_per_month)
    target = args.workspace or str(args.work / f"bench-{int(time.time())}.cmw")
    ws = init_workspace(target)
    t = time.perf_counter()
    for d in exports[:5]:
        ts = time.perf_counter()
        r = ws.import_source(d, as_of="2030-01-01")
        print(f"  seeded {d.name} in {time.perf_counter() - ts:.0f} s: {r.totals()}", flush=True)
    seed_s = time.perf_counter() - t
    st = ws.status()["counts"]
    print(f"five years imported in {seed_s:.0f} s: {st}", flush=True)
    month = exports[5]
    n = {t: len(pd.read_csv(month / f"{t}.csv", usecols=[0], dtype=str))
         for t in ("children", "persons", "locations", "episodes", "links")}
    t, c = time.perf_counter(), time.process_time()
    r = ws.import_source(month, as_of="2030-01-01")
    month_s, month_cpu = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    again = ws.import_source(month, as_of="2030-01-01")
    again_s = time.perf_counter() - t
    t = time.perf_counter()
    ds = ws.dataset()
    read_s = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "backend": ws.location.backend,
        "month_export": n,
        "workspace_before": st,
        "import_month_s": round(month_s, 1),
        "import_month_cpu_s": round(month_cpu, 1),
        "import_month_counts": r.totals(),
        "reimport_month_s": round(again_s, 1),
        "reimport_counts": again.totals(),
        "read_dataset_s": round(read_s, 1),
        "dataset_rows": {n: len(ds.table(n)) for n in ("children", "episodes", "links")},
        "peak_rss_mb": round(rss),
        "target_import_month_s": 30,
    }
    print(json.dumps(figures, indent=1))
    ws.close()


if __name__ == "__main__":
    main()

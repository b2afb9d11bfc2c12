"""Benchmark: the privacy scan of a partner pack, strict matching alone and as a reader reads.

Generates a sample (``--children``, default 1200), builds its partner pack without PDF under
benchmarks/out/scan/ (not committed), then times ``privacy.scan_outputs`` over the pack twice:
with reader folding (what packs run) and with the strict layer only (what the scan did before).
Both wall-clock and CPU seconds are printed: on a shared machine the CPU time is the figure to
compare between versions. Run: ``python benchmarks/bench_scan.py [--children N]``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import contextmap
from contextmap import privacy
from contextmap.pack.build import build_pack
from contextmap.privacy.scan import Scanner
from contextmap.sample.generate import generate_sample

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "scan"
KEY = privacy.Pseudonymiser(b"benchmark key, not for real data")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=1200)
    args = ap.parse_args()
    if OUT.exists():
        shutil.rmtree(OUT)  # benchmarks/out is this script's own folder
    data, pack = OUT / "data", OUT / "pack"
    generate_sample(children=args.children, seed=2).write(data)
    build_pack(data, out=pack, audience="partner", pdf=False, pseudonymiser=KEY, audit_log=OUT / "audit.jsonl")
    ds = contextmap.load(data)
    forbidden = privacy.forbidden_identifiers(ds, "partner")
    size = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file()) / 1e6
    t, c = time.perf_counter(), time.process_time()
    hits = privacy.scan_outputs([pack], forbidden)
    full, full_cpu = time.perf_counter() - t, time.process_time() - c
    real = Scanner.find_folded
    Scanner.find_folded = lambda self, text: []  # type: ignore[method-assign]
    try:
        t, c = time.perf_counter(), time.process_time()
        privacy.scan_outputs([pack], forbidden)
        strict, strict_cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        Scanner.find_folded = real  # type: ignore[method-assign]
    print(f"{args.children} children: {size:.1f} MB, {len(forbidden)} forbidden strings; "
          f"scan {full:.2f} s wall, {full_cpu:.2f} s CPU (strict layer alone {strict:.2f} s wall, "
          f"{strict_cpu:.2f} s CPU); {len(hits)} hits before the pack's false-positive rules (initials)")


if __name__ == "__main__":
    main()

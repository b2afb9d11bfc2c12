"""Benchmark: the mapping pack end to end (load, redact, analyse, views, exports, PDF, scan).

Targets (issue 5): the pack for data/sample in at most 30 s; for a generated dataset of about
10,000 episodes in at most 120 s, on a 2-core machine. Run: ``python benchmarks/bench_pack.py``
(``--quick`` skips the 10k dataset). Outputs go under benchmarks/out/ (not committed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import contextmap
from contextmap.pack.build import build_pack
from contextmap.privacy.core import Pseudonymiser
from contextmap.sample.generate import generate_sample

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "pack"
KEY = Pseudonymiser(b"benchmark key, not for real data")


def run(label: str, data: Path, audience: str, target: float) -> bool:
    out = OUT / f"{label}-{audience}"
    t = time.perf_counter()
    r = build_pack(data, out=out, audience=audience, overwrite=True, pseudonymiser=KEY,
                   audit_log=OUT / "audit.jsonl")
    total = time.perf_counter() - t
    steps = ", ".join(f"{k} {v:.1f}" for k, v in r.timings.items() if k != "total")
    pages = len(__import__("pypdf").PdfReader(r.pdf).pages)
    ok = total <= target
    print(f"{label:>8} {audience:<8} {total:6.1f} s (target {target:.0f} s: {'ok' if ok else 'MISSED'}); "
          f"{pages} PDF pages; {steps}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="only the data/sample pack")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ok = run("sample", ROOT / "data" / "sample", "police", 30)
    ok &= run("sample", ROOT / "data" / "sample", "partner", 30)
    if not args.quick:
        big = OUT / "data-10k"
        if big.exists():
            shutil.rmtree(big)
        s = generate_sample(episodes_target=10_000, seed=11)
        s.write(big)
        ds = contextmap.load(big)
        print(f"generated: {len(ds.children)} children, {len(ds.episodes)} episodes, {len(ds.links)} links")
        ok &= run("10k", big, "partner", 120)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the mapping pack end to end (load, redact, analyse, views, exports, PDF, scan).

Targets (issue 5): the pack for data/sample in at most 30 s; for a generated dataset of about
10,000 episodes in at most 120 s, on a 2-core machine. Issue 21: the internal pack of the
2,000-child sample (``contextmap sample --children 2000 --seed 1``) in at most 24 pages, page 1
the agenda. Run: ``python benchmarks/bench_pack.py`` (``--quick`` skips the 2,000-child and 10k
datasets). Outputs go under benchmarks/out/ (not committed).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import contextmap
from contextmap.pack.build import build_pack
from contextmap.privacy import Pseudonymiser
from contextmap.sample.generate import generate_sample

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "pack"
KEY = Pseudonymiser(b"benchmark key, not for real data")


def run(label: str, data: Path, audience: str, target: float, max_pages: int | None = None) -> bool:
    out = OUT / f"{label}-{audience}"
    t = time.perf_counter()
    r = build_pack(data, out=out, audience=audience, overwrite=True, pseudonymiser=KEY,
                   audit_log=OUT / "audit.jsonl")
    total = time.perf_counter() - t
    steps = ", ".join(f"{k} {v:.1f}" for k, v in r.timings.items() if k != "total")
    pypdf = __import__("pypdf")
    pages = len(pypdf.PdfReader(r.pdf).pages)
    annex = len(pypdf.PdfReader(r.out / "annex.pdf").pages) if (r.out / "annex.pdf").is_file() else 0
    mb = r.pdf.stat().st_size / 1e6
    ok = total <= target and (max_pages is None or pages <= max_pages)
    page_target = f" (target {max_pages})" if max_pages is not None else ""
    print(f"{label:>8} {audience:<8} {total:6.1f} s (target {target:.0f} s); {pages} PDF pages{page_target}, "
          f"{mb:.1f} MB, annex {annex} pages: {'ok' if ok else 'MISSED'}; {steps}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="only the data/sample pack")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ok = run("sample", ROOT / "data" / "sample", "police", 30)
    ok &= run("sample", ROOT / "data" / "sample", "partner", 30)
    if not args.quick:
        region = OUT / "data-2k"
        if region.exists():
            shutil.rmtree(region)
        generate_sample(children=2000, seed=1).write(region)
        ok &= run("2k", region, "internal", 120, max_pages=24)
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

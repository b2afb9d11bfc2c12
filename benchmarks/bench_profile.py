"""Problem profile speed: the profile of the sample's top place, HTML and PDF, per audience.

Imports ``data/sample`` into a fresh SQLite workspace, finds the top-ranked place of the
sample's analysis, opens a case on it with a goal, an action and a closure order with a
breach (so every section is drawn), adopts it as a problem profile, and times
``build_profile`` for it (HTML and PDF, the base map drawn under the map; the target: at most
15 s) for the internal and the partner audience, with the time of each step.

Usage::

    python benchmarks/bench_profile.py [--data data/sample] [--work DIR] [--no-pdf]

Prints one JSON line per audience: seconds in all, and per step.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from contextmap import privacy
from contextmap.analysis import analyze
from contextmap.pack.profile import build_profile
from contextmap.workspace import init_workspace

TARGET_S = 15.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data/sample"))
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    key = privacy.Pseudonymiser(b"benchmark key, not a real key")
    ws = init_workspace(work / "team.cmw")
    ws.import_source(args.data)
    top = str(analyze(ws.dataset(), seed=0).hotspots.sort_values("rank").index[0])
    case = ws.open_case(kind="location", subject=top, title="Top place of the sample", opened="2026-05-01")
    ws.add_goal(case, text="No child found there after 9pm", measure="episodes found there per month", review="2027-03-01")
    ws.add_action(case, owner="police", due="2026-12-01", text="Visit with the licensing team", p="pursue")
    t = ws.add_tactic(case, kind="closure order", issued="2026-07-01", owner="police", text="Closure order granted")
    ws.add_breach(t.number, on="2026-08-10", text="Two children seen entering")
    ws.adopt_profile(case)
    basemap = args.data / "basemap.gpkg"
    for audience in ("internal", "partner"):
        t0 = time.perf_counter()
        r = build_profile(case, workspace=ws, out=work / f"profile-{audience}", audience=audience, overwrite=True,
                          pdf=not args.no_pdf, pseudonymiser=key, audit_log=work / "audit.jsonl",
                          basemap=basemap if basemap.is_file() else None)
        seconds = time.perf_counter() - t0
        print(json.dumps({"audience": audience, "place": top, "seconds": round(seconds, 2), "target_s": TARGET_S,
                          "within_target": seconds <= TARGET_S, "pdf": not args.no_pdf,
                          "steps": {k: round(v, 2) for k, v in r.timings.items()}, "out": str(r.out)}))
    ws.close()


if __name__ == "__main__":
    main()

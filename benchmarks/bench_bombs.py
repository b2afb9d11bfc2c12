"""Peak memory and time of hostile input: YAML alias bombs, a workbook claiming every cell, and
the CSV reader on a region-size file (issue 23).

Usage::

    .venv/bin/python benchmarks/bench_bombs.py                          # this checkout
    .venv/bin/python benchmarks/bench_bombs.py --code /path/to/older    # another checkout, to compare
    .venv/bin/python benchmarks/bench_bombs.py --limit-gb 8 --timeout 600

Each case runs in a fresh subprocess (so ``ru_maxrss`` is that case's alone) under an address
space limit (``--limit-gb``, default 8) and a timeout, and reports its outcome (``ok``, the
error's first line, or how it died), its peak resident memory and its wall time. The cases:

* ``yaml-settings``: a 340-byte settings file whose ``risk.scale`` is nine anchors, each
  repeating the one before nine times (9**9 values once walked);
* ``yaml-manifest``: the same bomb as the column a sources manifest maps ``Ref`` to;
* ``workbook-claims``: a workbook of two 1,500-row sheets (about 50 KB) whose sheets claim
  ``A1:XFD1048576``;
* ``csv-200k`` and ``csv-200k-multiline``: a 200,000-episode CSV read by ``contextmap.load``
  without and with quoted line breaks in its RHI text (the careful reader's cost; no target).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

_CHILD = """
import json, resource, sys, time
limit = int(sys.argv[3]) * 1024 ** 3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
t = time.perf_counter()
outcome = "ok"
try:
    import contextmap
    if sys.argv[1] == "settings":
        contextmap.load_settings(sys.argv[2])
    else:
        contextmap.load(sys.argv[2], as_of="2026-12-01")
except MemoryError:
    outcome = "MemoryError (the address-space limit)"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc).splitlines()[0][:160]
print(json.dumps({"from": contextmap.__file__, "outcome": outcome, "seconds": round(time.perf_counter() - t, 1),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def _bomb() -> str:
    parts = ['&a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    parts += [f"&{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    return "[" + ", ".join(parts) + "]"


def _workbook(d: Path, rows: int = 1500) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("children")
    ws.append(["child_id", "name", "date_of_birth"])
    for i in range(rows):
        ws.append([f"C{i}", f"Kid Number{i}", "2011-01-01"])
    ws = wb.create_sheet("episodes")
    ws.append(["episode_id", "child_id", "reported_at"])
    for i in range(rows):
        ws.append([f"E{i}", f"C{i}", "2025-10-01"])
    wb.save(d / "plain.xlsx")
    out = d / "claims.xlsx"
    with zipfile.ZipFile(d / "plain.xlsx") as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', data)
            zout.writestr(info, data)
    return out


def _csv(d: Path, episodes: int, *, multiline: bool) -> Path:
    folder = d / ("multiline" if multiline else "plain")
    folder.mkdir()
    children = max(1, episodes // 5)
    with (folder / "children.csv").open("w") as fh:
        fh.write("child_id,name,date_of_birth\n")
        fh.writelines(f"C{i},Kid Number{i},2011-01-01\n" for i in range(children))
    note = '"Big T,\nTyler\'s cousin"' if multiline else '"Big T, Tyler\'s cousin"'
    with (folder / "episodes.csv").open("w") as fh:
        fh.write("episode_id,child_id,reported_at,people_mentioned\n")
        fh.writelines(f"E{i},C{i % children},2025-10-{i % 28 + 1:02d} 10:00,{note}\n" for i in range(episodes))
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1],
                    help="the checkout whose contextmap to measure (default: this one)")
    ap.add_argument("--limit-gb", type=int, default=8)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--episodes", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bombs-") as tmp:
        d = Path(tmp)
        (d / "settings.yaml").write_text(f"risk:\n  scale: {_bomb()}\n")
        (d / "kids.csv").write_text("Ref\nC1\n")
        (d / "eps.csv").write_text("episode_id,child_id,reported_at\nE1,C1,2025-10-01\n")
        (d / "manifest.yaml").write_text(f"sources:\n  - {{file: kids.csv, table: children, columns: {{Ref: {_bomb()}}}}}\n"
                                         "  - {file: eps.csv, table: episodes}\n")
        cases = {
            "yaml-settings": ("settings", d / "settings.yaml"),
            "yaml-manifest": ("load", d / "manifest.yaml"),
            "workbook-claims": ("load", _workbook(d)),
            "csv-200k": ("load", _csv(d, args.episodes, multiline=False)),
            "csv-200k-multiline": ("load", _csv(d, args.episodes, multiline=True)),
        }
        env = {**os.environ, "PYTHONPATH": str(args.code)}
        print(f"contextmap from {args.code}; limit {args.limit_gb} GB; timeout {args.timeout} s")
        for name, (kind, path) in cases.items():
            size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.iterdir())
            t = time.perf_counter()
            try:
                run = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path), str(args.limit_gb)],
                                     env=env, cwd=tmp, capture_output=True, text=True, timeout=args.timeout)
                lines = run.stdout.strip().splitlines()
                got = json.loads(lines[-1]) if lines else {"outcome": f"died (exit {run.returncode}): "
                                                                      f"{run.stderr.strip().splitlines()[-1:]}"}
            except subprocess.TimeoutExpired:
                got = {"outcome": f"timed out after {args.timeout} s", "seconds": round(time.perf_counter() - t)}
            if "from" in got and not str(got["from"]).startswith(str(args.code)):
                raise SystemExit(f"measured {got['from']}, not the checkout {args.code}")
            print(f"{name:20s} {size:>11,} bytes  peak {got.get('peak_mb', '?'):>6} MB  "
                  f"{got.get('seconds', '?'):>6} s  {got['outcome']}")


if __name__ == "__main__":
    main()

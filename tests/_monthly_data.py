"""Two agencies' monthly exports, October and November 2026, overlapping (every name invented).

The files are ``tests/fixtures/monthly`` and the manifest ``docs/examples/monthly.yaml``. The
council sends month-named files (``cyp_Oct2026.csv``...) whose associations have no ids; the
police send a folder per month (``police/2026-10/``) holding nominals and several
intelligence files (``intel_*.csv``) with their own ids. November repeats part of October (the
overlap a monthly export has): the same child list plus one, episode E2 again, the C2-Cy and
I2 associations again, C1-Tyrone's with its notes changed; it adds C4-Bo (sent twice) and I4.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "monthly"
EXAMPLE = ROOT / "docs" / "examples" / "monthly.yaml"
MANIFEST = re.sub(r"(?m)^(folder|allow_outside):.*\n", "", EXAMPLE.read_text(encoding="utf-8"))
"""The example manifest, reading the files beside it."""

AS_OF = "2026-12-01"
_NAMES = {"2026-10": ("2026-10", "Oct2026"), "2026-11": ("2026-11", "Nov2026")}


def write_months(root: Path, periods: tuple[str, ...] = ("2026-10", "2026-11")) -> Path:
    """Copy the files of ``periods`` and the manifest under ``root``; return the manifest."""
    for f in sorted(FIXTURE.rglob("*.csv")):
        rel = f.relative_to(FIXTURE).as_posix()
        if any(token in rel for p in periods for token in _NAMES[p]):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, root / rel)
    m = root / "sources.yaml"
    m.write_text(MANIFEST, encoding="utf-8")
    return m

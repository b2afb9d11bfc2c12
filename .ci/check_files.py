#!/usr/bin/env python3
"""Refuse files that look like real extracts or generated output (STYLE.md: no real data in git).

Checks the files git would commit: with ``--staged`` the files staged for the next commit (the
pre-commit hook in ``.githooks/``), otherwise every tracked file (``make lint``, hence CI).

- no file over 1 MiB, except the vendored, licence-checked assets listed in ALLOWED_LARGE;
- spreadsheets and data files (``.xlsx``, ``.xls``, ``.csv``, ``.gpkg``, ``.parquet``, ``.db``,
  ``.sqlite``) only under the synthetic-data folders in DATA_FOLDERS;
- notebooks without outputs (outputs could hold personal data).

Exit 0 when clean, 1 with one line per problem.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MAX_BYTES = 1024 * 1024
ALLOWED_LARGE = {"contextmap/views/assets/vis-network.min.js"}
DATA_SUFFIXES = {".xlsx", ".xls", ".xlsm", ".csv", ".gpkg", ".parquet", ".db", ".sqlite", ".sqlite3", ".shp"}
DATA_FOLDERS = ("data/sample/", "tests/fixtures/", "docs/examples/")


def _files(staged: bool) -> list[str]:
    cmd = ["git", "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"] if staged else ["git", "ls-files", "-z"]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    return [f for f in out.split("\0") if f]


def problems(files: list[str]) -> list[str]:
    found = []
    for f in files:
        p = Path(f)
        if not p.is_file():
            continue
        size = p.stat().st_size
        if size > MAX_BYTES and f not in ALLOWED_LARGE:
            found.append(f"{f}: {size / 1048576:.1f} MiB is over the 1 MiB limit (a data extract or generated output?)")
        if p.suffix.lower() in DATA_SUFFIXES and not f.startswith(DATA_FOLDERS):
            found.append(f"{f}: data files belong only under {', '.join(DATA_FOLDERS)} (synthetic data only)")
        if p.suffix == ".ipynb":
            try:
                nb = json.loads(p.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                found.append(f"{f}: not a readable notebook")
                continue
            if any(c.get("outputs") or c.get("execution_count") for c in nb.get("cells", [])):
                found.append(f"{f}: notebook has outputs (clear them: they could hold personal data)")
    return found


def main() -> int:
    found = problems(_files("--staged" in sys.argv))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

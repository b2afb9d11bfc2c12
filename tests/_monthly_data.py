"""Two agencies' monthly exports, October and November 2026, overlapping (every name invented).

The council sends month-named files (``cyp_Oct2026.csv``...) whose associations have no ids;
the police send a folder per month (``police/2026-10/``) holding nominals and several
intelligence files (``intel_*.csv``) with their own ids. November repeats part of October
(the overlap a monthly export has), changes one association's notes, adds new rows and sends
one association twice. ``MANIFEST`` reads any month with one file.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = r"""
description: Eden Vale Council and Fellside Constabulary, month by month (fictional)
sources:
  - file: council/cyp_{period:%b%Y}.csv
    agency: Eden Vale Council
    table: children
    columns: {Child ID: child_id, Name: name, DOB: date_of_birth}
  - file: council/missing_{period:%b%Y}.csv
    agency: Eden Vale Council
    table: episodes
    columns: {Episode No: episode_id, Child ID: child_id, Reported: reported_at}
  - file: council/associations_{period}.csv
    agency: Eden Vale Council
    table: links
    constants: {source_type: social_care}
    columns: {Child ID: source_id, Associate: target_name, Relationship: relation, Date Recorded: observed_on, Notes: summary}
  - file: police/{period}/nominals.csv
    agency: Fellside Constabulary
    table: persons
    columns: {Nominal Ref: person_id, Name: name}
  - file: police/{period}/intel_*.csv
    agency: Fellside Constabulary
    table: links
    constants: {source_type: police}
    columns:
      Intel Ref: link_id
      Nominal Ref: source_id
      Associate Name: target_name
      Link Type: relation
      Date: observed_on
      grading: {from: Grading, pattern: '3x5x2 code (\w\w\s*\w)'}
"""

CHILDREN = "Child ID,Name,DOB\nC1,Ada Brindle,14/02/2010\nC2,Bo Carver,03/07/2011\nC3,Cy Dunmore,21/12/2009\n"

FILES = {
    "2026-10": {
        "council/cyp_Oct2026.csv": CHILDREN,
        "council/missing_Oct2026.csv": "Episode No,Child ID,Reported\nE1,C1,02/10/2026 10:00\nE2,C2,15/10/2026 21:30\n",
        "council/associations_2026-10.csv": (
            "Child ID,Associate,Relationship,Date Recorded,Notes\n"
            "C1,Bo Carver,friend,01/10/2026,seen together\n"
            "C1,Tyrone Mullaney,associate,05/10/2026,in car\n"
            "C2,Cy Dunmore,friend,12/10/2026,school\n"),
        "police/2026-10/nominals.csv": "Nominal Ref,Name\nN1,Tyrone Mullaney\nN2,Kyle Nixon\n",
        "police/2026-10/intel_a.csv": (
            "Intel Ref,Nominal Ref,Associate Name,Link Type,Date,Grading\n"
            "I1,N1,Ada Brindle,associate,06/10/2026,B2 / 3x5x2 code 1B P\n"
            "I2,N1,Cy Dunmore,associate,20/10/2026,1B P\n"),
        "police/2026-10/intel_b.csv": (
            "Intel Ref,Nominal Ref,Associate Name,Link Type,Date,Grading\n"
            "I3,N2,Bo Carver,seen_with,25/10/2026,3x5x2 code 2C C\n"),
    },
    "2026-11": {
        "council/cyp_Nov2026.csv": CHILDREN + "C4,Di Ellery,30/01/2012\n",
        "council/missing_Nov2026.csv": "Episode No,Child ID,Reported\nE2,C2,15/10/2026 21:30\nE3,C4,05/11/2026 18:00\n",
        "council/associations_2026-11.csv": (
            "Child ID,Associate,Relationship,Date Recorded,Notes\n"
            "C2,Cy Dunmore,friend,12/10/2026,school\n"            # as in October
            'C1,Tyrone Mullaney,associate,05/10/2026,"in car, black Golf"\n'  # notes changed
            "C4,Bo Carver,friend,03/11/2026,park\n"            # new
            "C4,Bo Carver,friend,03/11/2026,park\n"),            # sent twice: merged, counted
        "police/2026-11/nominals.csv": "Nominal Ref,Name\nN1,Tyrone Mullaney\nN2,Kyle Nixon\n",
        "police/2026-11/intel_a.csv": (
            "Intel Ref,Nominal Ref,Associate Name,Link Type,Date,Grading\n"
            "I2,N1,Cy Dunmore,associate,20/10/2026,1B P\n"
            "I4,N2,Di Ellery,associate,04/11/2026,1A P\n"),
    },
}
"""Per period, each file's text."""

AS_OF = "2026-12-01"


def write_months(root: Path, periods: tuple[str, ...] = ("2026-10", "2026-11")) -> Path:
    """Write the manifest and the files of ``periods`` under ``root``; return the manifest."""
    for period in periods:
        for name, text in FILES[period].items():
            f = root / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text, encoding="utf-8")
    m = root / "sources.yaml"
    m.write_text(MANIFEST, encoding="utf-8")
    return m

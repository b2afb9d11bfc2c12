"""Two agencies' monthly exports of one invented world, with the truth: ``contextmap sample --agencies``.

Our own generator writes the data contract; real data comes from a council's case system and
a police force's extracts, each in its own column names, month after month. This mode writes
that, with the faults real exports carry and the truth of each, so that matching people
across agencies, reading place text and importing month after month can be measured
(``benchmarks/eval_agencies.py``)::

    OUT/sources.yaml                           one manifest for every month ({period} in file names)
    OUT/council/CS_export_2026-10.xlsx         Young People, Missing Episodes, Associations, Places of Interest
    OUT/police/nominals_Oct2026.csv            nominals (adults of concern, children, namesakes)
    OUT/police/intel_links_Oct2026.csv         intelligence links (associates and places named in words)
    OUT/police/premises_Oct2026.csv            premises
    OUT/gazetteer/...                          ONSPD, Code-Point Open and OS Open Names layouts
    OUT/truth/...                              what every reference and record really is

The world is the sample generator's (:mod:`contextmap.sample.generate`); the agencies' records
are built from it by :mod:`contextmap.sample.agency_records`, the text forms come from
:mod:`contextmap.sample.agency_text` and the gazetteer from :mod:`contextmap.sample.gazetteer`.
See ``docs/sample-data.md`` for every fault planted and every truth file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from contextmap.files import check_new_files
from contextmap.sample.agency_records import COUNCIL, INTEL_WINDOW, POLICE, AgencyBuild, AgencyRows
from contextmap.sample.gazetteer import ONSPD_COLUMNS, Gazetteer, build_gazetteer
from contextmap.sample.generate import DEFAULT_NOISE, EPISODES_PER_CHILD, start_run
from contextmap.sample.vocabularies import REGION_SURNAMES, SURNAMES

__all__ = [
    "AgencyExports", "generate_agencies", "write_agencies", "period_file", "DEFAULT_AGENCIES_END",
    "EXPORT_FILES", "SHEETS", "TRUTH_FILES", "MANIFEST", "COUNCIL", "POLICE",
]

DEFAULT_AGENCIES_END = "2026-11-30"
"""Last day of the generated months by default: two months, October and November 2026."""

EXPORT_FILES = {
    "council": "council/CS_export_{period}.xlsx",
    "nominals": "police/nominals_{period:%b%Y}.csv",
    "intel_links": "police/intel_links_{period:%b%Y}.csv",
    "premises": "police/premises_{period:%b%Y}.csv",
}
"""Each export's file name pattern (the manifest contract: ``{period}`` is ``YYYY-MM``,
``{period:FMT}`` the strftime of the period's first day)."""

SHEETS = {
    "young_people": ("Young People", "children",
                     ("Person ID", "Forename", "Surname", "DOB", "Gender", "CE Risk", "Placement", "Home Address",
                      "Home Postcode", "Allocated Worker")),
    "episodes": ("Missing Episodes", "episodes",
                 ("Episode No", "Person ID", "Date Reported Missing", "Date Returned", "Missing/Absent",
                  "Location Found (free text)", "RHI Date", "RHI Outcome", "Who were you with?", "Where did you go?")),
    "associations": ("Associations", "links",
                     ("Person ID", "Associated With", "Associate DOB", "Association Type", "Date Recorded", "Source",
                      "Grading", "Notes")),
    "places_of_interest": ("Places of Interest", "locations",
                           ("Place Ref", "Place Name", "Type", "Grid Ref", "Postcode")),
}
"""The council workbook's sheets: export name -> (sheet, contract table, columns)."""

POLICE_FILES = {
    "nominals": ("persons", ("Nominal Ref", "Surname", "Forename(s)", "DOB", "Sex", "AKA", "Phone")),
    "intel_links": ("links", ("Intel Ref", "Nominal Ref", "Associate Name", "Associate DOB", "Location", "Link Type",
                              "Date", "Grading", "Summary")),
    "premises": ("locations", ("Loc Ref", "Premises", "Category", "Eastings", "Northings", "Postcode")),
}

TRUTH_FILES = ("person_refs", "place_refs", "place_records", "children", "persons", "places", "rows", "months")

MANIFEST = "sources.yaml"

_PERIOD = re.compile(r"\{period(?::([^}]*))?\}")
_DATE_FORMATS = {"DOB": "dd/mm/yyyy", "Associate DOB": "dd/mm/yyyy", "Date Recorded": "dd/mm/yyyy"}
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def period_file(pattern: str, period: str) -> str:
    """A file name pattern for one period: ``{period}`` is ``YYYY-MM``, ``{period:FMT}`` the
    strftime of its first day.

    Examples
    --------
    >>> period_file("police/intel_links_{period:%b%Y}.csv", "2026-10")
    'police/intel_links_Oct2026.csv'
    >>> period_file("council/CS_export_{period}.xlsx", "2026-11")
    'council/CS_export_2026-11.xlsx'
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if not m:
        raise ValueError(f"Expected a period as YYYY-MM, instead got: {period!r}")
    first = dt.date(int(m.group(1)), int(m.group(2)), 1)
    return _PERIOD.sub(lambda g: first.strftime(g.group(1)) if g.group(1) else period, pattern)


@dataclass
class AgencyExports:
    """Generated agency exports for every month, the gazetteer and the truth.

    Attributes
    ----------
    periods
        The months, oldest first (``['2026-10', '2026-11']``).
    rows
        Every export's rows per month (:class:`~contextmap.sample.agency_records.AgencyRows`).
    gazetteer
        The synthetic ONSPD / Code-Point Open / OS Open Names files.
    truth
        The truth tables (see ``docs/sample-data.md``): ``person_refs``, ``place_refs``,
        ``place_records``, ``children``, ``persons``, ``places``, ``rows``, ``months``.
    params
        Generation parameters and counts (written to ``truth/truth.json``).
    """

    periods: list[str]
    rows: AgencyRows
    gazetteer: Gazetteer
    truth: dict[str, pd.DataFrame] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def files(self, period: str) -> dict[str, str]:
        """The export files of one period by export (``council``, ``nominals``...)."""
        return {k: period_file(v, period) for k, v in EXPORT_FILES.items()}

    def write(self, out_dir: str | Path, *, overwrite: bool = False) -> Path:
        """Write every month's exports, the manifest, the gazetteer and ``truth/``; return ``out_dir``.

        Raises :class:`~contextmap.OutputExistsError` if a file would be replaced and
        ``overwrite`` is false.
        """
        out = Path(out_dir)
        targets = [out / MANIFEST] + [out / f for p in self.periods for f in self.files(p).values()]
        targets += [out / "gazetteer" / rel for rel in self.gazetteer.file_texts()]
        targets += [out / "truth" / f"{n}.csv" for n in TRUTH_FILES] + [out / "truth" / "truth.json"]
        check_new_files(targets, overwrite=overwrite)
        for k, period in enumerate(self.periods):
            files = self.files(period)
            _write_workbook(out / files["council"], {key: self.rows.tables[key][k] for key in SHEETS})
            for key, (_table, columns) in POLICE_FILES.items():
                _write_police_csv(out / files[key], columns, self.rows.tables[key][k])
        self.gazetteer.write(out / "gazetteer")
        (out / MANIFEST).write_text(manifest_text(self.gazetteer.edition), encoding="utf-8", newline="\n")
        (out / "truth").mkdir(parents=True, exist_ok=True)
        for name in TRUTH_FILES:
            self.truth[name].to_csv(out / "truth" / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        text = json.dumps(self.params, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
        (out / "truth" / "truth.json").write_text(text, encoding="utf-8", newline="\n")
        return out


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    return str(v)


def _write_workbook(path: Path, sheets: dict[str, list[dict[str, Any]]]) -> None:
    """The council workbook: one sheet per export, real date cells, fixed metadata and zip times
    (so the same seed gives the same bytes)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for key, rows in sheets.items():
        title, _table, columns = SHEETS[key]
        ws = wb.create_sheet(title)
        ws.append(list(columns))
        for row in rows:
            cells: list[Any] = []
            for c in columns:
                v = row.get(c)
                if isinstance(v, pd.Timestamp):
                    cell = WriteOnlyCell(ws, value=v.to_pydatetime())
                    cell.number_format = _DATE_FORMATS.get(c, "dd/mm/yyyy hh:mm")
                    cells.append(cell)
                else:
                    cells.append(None if v is None or v == "" else v)
            ws.append(cells)
    wb.properties.created = dt.datetime(2026, 1, 1)
    wb.properties.modified = dt.datetime(2026, 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)


def _write_police_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """A police extract: CRLF line ends, as the force's Windows export writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell_text(row.get(c)) for c in columns])


def manifest_text(edition: str) -> str:
    """The sources manifest that reads every month's exports (one manifest, ``{period}`` in names).

    Examples
    --------
    >>> text = manifest_text("NOV_2026")
    >>> "file: council/CS_export_{period}.xlsx" in text, "Home Address: home_address" in text
    (True, True)
    """
    return f"""# Generated by `contextmap sample --agencies`: one manifest for every month.
#
#   contextmap validate sources.yaml --period 2026-10     (default: the latest month whose files exist)
#
# {{period}} in a file name is the month as YYYY-MM; {{period:%b%Y}} the strftime of its first day
# (Oct2026). The gazetteer (postcodes: ONS Postcode Directory; names: OS Open Names) geocodes
# postcodes and street addresses offline. Every name in these files is invented.

description: {COUNCIL} and {POLICE} monthly exports (generated, fictional)
grading_scheme: 3x5x2

gazetteer:
  postcodes: gazetteer/ONSPD_{edition}_UK.csv
  names: gazetteer/opname_csv_gb/Data/*.csv

sources:
  - file: {EXPORT_FILES['council']}
    agency: {COUNCIL}
    sheets:
      - sheet: Young People
        table: children
        columns:
          Person ID: child_id
          name: [Forename, Surname]
          DOB: date_of_birth
          Gender: gender
          CE Risk: ce_risk
          Placement: placement
          Home Address: home_address
          Home Postcode: home_postcode
        values:
          gender: {{F: female, M: male}}
          ce_risk: {{Green: low, Amber: medium, Red: high}}
          placement: {{With parents: home, Foster care: foster, Supported accommodation: supported}}

      - sheet: Missing Episodes
        table: episodes
        columns:
          Episode No: episode_id
          Person ID: child_id
          Date Reported Missing: reported_at
          Date Returned: returned_at
          Missing/Absent: classification
          Location Found (free text): found_location
          RHI Date: rhi_at
          RHI Outcome: rhi_outcome
          Who were you with?: people_mentioned
          Where did you go?: places_mentioned
        values:
          rhi_outcome: {{Not offered: not_offered}}

      - sheet: Associations
        table: links
        columns:
          Person ID: source_id
          Associated With: target_name
          Associate DOB: target_dob
          Association Type: relation
          Date Recorded: observed_on
          Source: source_type
          Grading: grading
          Notes: summary

      - sheet: Places of Interest
        table: locations
        columns:
          Place Ref: location_id
          Place Name: name
          Type: category
          Grid Ref: grid_reference
          Postcode: postcode
        values:
          category: {{Takeaway: food_outlet, Transport: transport, Care home: care_home}}

  - file: {EXPORT_FILES['nominals']}
    agency: {POLICE}
    table: persons
    columns:
      Nominal Ref: person_id
      name: [Forename(s), Surname]
      DOB: date_of_birth
      Sex: gender
      AKA: aliases
      Phone: phone

  - file: {EXPORT_FILES['intel_links']}
    agency: {POLICE}
    table: links
    constants:
      source_type: police
    columns:
      Intel Ref: link_id
      Nominal Ref: source_id
      target_name: [Associate Name, Location]
      Associate DOB: target_dob
      Link Type: relation
      Date: observed_on
      grading: {{from: Grading, pattern: '3x5x2 code (\\w\\w\\s*\\w)'}}
      Summary: summary

  - file: {EXPORT_FILES['premises']}
    agency: {POLICE}
    table: locations
    columns:
      Loc Ref: location_id
      Premises: name
      Category: category
      Eastings: easting
      Northings: northing
      Postcode: postcode
    values:
      category: {{Takeaway: food_outlet, Bus/Rail: transport, Care Home: care_home, Residential: address}}
"""


def _month_truth(rows: AgencyRows, exports: AgencyExports) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``rows`` index (every written row's key) and ``months`` (new / changed / unchanged rows)."""
    index = []
    changes = []
    seen: dict[str, dict[str, str]] = {}
    for k, period in enumerate(rows.periods):
        files = exports.files(period)
        per_table: dict[str, dict[str, str]] = {}
        parts = [(key, files["council"], SHEETS[key][0], SHEETS[key][1], SHEETS[key][2]) for key in SHEETS]
        parts += [(key, files[key], "", table, columns) for key, (table, columns) in POLICE_FILES.items()]
        for key, file, sheet, table, columns in parts:
            for i, row in enumerate(rows.tables[key][k]):
                index.append((period, file, sheet, i + 2, table, row["_key"]))
                digest = hashlib.sha1("\x1f".join(_cell_text(row.get(c)) for c in columns).encode()).hexdigest()
                per_table.setdefault(table, {})[row["_key"]] = digest
        for table in ("children", "persons", "locations", "episodes", "links"):
            now = per_table.get(table, {})
            before = seen.setdefault(table, {})
            new = sum(1 for key in now if key not in before)
            changed = sum(1 for key, h in now.items() if key in before and before[key] != h)
            changes.append({"period": period, "table": table, "written": len(now), "new": new, "changed": changed,
                            "unchanged": len(now) - new - changed})
            before.update(now)
    cols = ["period", "file", "sheet", "row", "table", "key"]
    return pd.DataFrame(index, columns=cols), pd.DataFrame(changes)


NAME_POOLS = {"small": SURNAMES, "region": REGION_SURNAMES}
"""The surname pools of :func:`generate_agencies` (``names=``)."""


def generate_agencies(
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 2,
    end: str | None = None,
    episodes_target: int | None = None,
    noise: float = DEFAULT_NOISE,
    names: str = "small",
) -> AgencyExports:
    """Generate two agencies' monthly exports of one invented world, and the truth.

    Parameters
    ----------
    children
        Number of children (ignored when ``episodes_target`` is given).
    seed
        The same arguments give byte-identical files.
    months
        How many monthly exports (1 to 24), ending with the month of ``end``.
    end
        A day in the last month (ISO date); the period runs to that month's last day.
        Default :data:`DEFAULT_AGENCIES_END` (October and November 2026 at two months).
    episodes_target
        Aim at about this many episodes *per month* (the generator makes about
        ``EPISODES_PER_CHILD`` episodes per child over the whole period).
    noise
        The world's background noise (:func:`~contextmap.sample.generate.generate_sample`).
    names
        ``"small"`` (default): surnames from the sample's 48 (about half the children share a
        full name with another child, half the adults with a child: a hard test of
        namesakes); ``"region"``: from :data:`~contextmap.sample.vocabularies.REGION_SURNAMES`
        (945), so that few share one, as in a real region. The planted namesakes (adults
        named as a child is) are planted either way.

    Examples
    --------
    >>> ex = generate_agencies(children=30, seed=1)
    >>> ex.periods
    ['2026-10', '2026-11']
    >>> sorted(ex.files("2026-10").values())[:2]
    ['council/CS_export_2026-10.xlsx', 'police/intel_links_Oct2026.csv']
    >>> set(ex.truth["person_refs"]["true_kind"]) <= {"child", "adult", "none"}
    True
    """
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 24:
        raise ValueError(f"Expected months to be a whole number from 1 to 24, instead got: {months!r}")
    try:
        last = pd.Timestamp(DEFAULT_AGENCIES_END if end is None else str(end)).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Expected end to be an ISO date such as '2026-11-30', instead got: {end!r}") from exc
    last = last + pd.offsets.MonthEnd(0)
    if episodes_target is not None:
        if isinstance(episodes_target, bool) or not isinstance(episodes_target, (int, np.integer)) or episodes_target < 20:
            raise ValueError(f"Expected episodes_target to be a whole number of at least 20, instead got: {episodes_target!r}")
        children = max(10, round(episodes_target * months / EPISODES_PER_CHILD))
    if names not in NAME_POOLS:
        raise ValueError(f"Expected names to be one of {', '.join(map(repr, NAME_POOLS))}, instead got: {names!r}")
    run = start_run(children=children, seed=seed, months=int(months), end=last.strftime("%Y-%m-%d"), noise=noise)
    run.surnames = NAME_POOLS[names]
    data = run.run()
    gz = build_gazetteer(run, rng=np.random.default_rng([seed, 0x6A2E]), edition=last.strftime("%b_%Y").upper())
    rows = AgencyBuild(run, data, gazetteer=gz, rng=np.random.default_rng([seed, 0xA6E5])).build()
    ex = AgencyExports(periods=rows.periods, rows=rows, gazetteer=gz)
    truth = {k: pd.DataFrame(v) for k, v in rows.truth.items()}
    truth["rows"], truth["months"] = _month_truth(rows, ex)
    ex.truth = truth
    counts = {p: {key: len(rows.tables[key][k]) for key in rows.tables} for k, p in enumerate(rows.periods)}
    ex.params = {
        "generator": "contextmap.sample.agencies", "seed": int(seed), "children": int(run.n), "months": int(months), "noise": float(noise),
        "names": names,
        "periods": rows.periods, "start": str(run.start), "end": str(run.end), "agencies": [COUNCIL, POLICE],
        "intel_window_months": INTEL_WINDOW, "rows": counts, "gazetteer_edition": gz.edition,
        "gazetteer": {"postcodes": int(len(gz.units)), "terminated": int((~gz.units["live"]).sum()),
                      "streets": int(len(gz.streets)), "onspd_columns": len(ONSPD_COLUMNS)},
        "files": {name: _TRUTH_DOC[name] for name in TRUTH_FILES},
    }
    return ex


_TRUTH_DOC = {
    "person_refs": "every person reference as written (police nominal by ref; link end keyed '<link ref>|<end>'; "
                   "RHI mention keyed '<episode no>|<text>') -> true entity (council child id or TP id)",
    "place_refs": "every found-at, link-location and RHI place text -> true place id, or non_place with its kind",
    "place_records": "every place record (council Place Ref, police Loc Ref) -> true place id",
    "children": "the council's children: id, name, date of birth, home place, planted peer group",
    "persons": "the adults: TP id, name, date of birth, role (primary/secondary/bridging/relative/namesake/contact/"
               "child_namesake)",
    "places": "the true places: id, name, category, street, area, town, postcode, terminated postcode, BNG point",
    "rows": "every written data row: period, file, sheet, spreadsheet row, contract table, key",
    "months": "per period and contract table: rows written, new (key never exported before), changed, unchanged",
}


def write_agencies(
    out_dir: str | Path,
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 2,
    end: str | None = None,
    episodes_target: int | None = None,
    noise: float = DEFAULT_NOISE,
    overwrite: bool = False,
    names: str = "small",
) -> Path:
    """Generate (see :func:`generate_agencies`) and write the exports, manifest, gazetteer and truth.

    Examples
    --------
    >>> import tempfile
    >>> out = write_agencies(tempfile.mkdtemp(), children=30, seed=2)
    >>> sorted(p.name for p in (out / "police").iterdir())[:2]
    ['intel_links_Nov2026.csv', 'intel_links_Oct2026.csv']
    """
    ex = generate_agencies(children=children, seed=seed, months=months, end=end, episodes_target=episodes_target,
                           noise=noise, names=names)
    return ex.write(out_dir, overwrite=overwrite)

"""Sources manifests: one YAML file listing every file and sheet a dataset is read from.

Real data comes from several agencies, each in its own column names: a council's case-system
workbook, the police's CSV extracts. A manifest lists them all, any number per table, each
with its own column mapping and constants, and is accepted wherever a dataset path is
(``contextmap validate sources.yaml``, ``contextmap.load("sources.yaml")``). See
``docs/examples/sources.yaml``.

.. code-block:: yaml

    description: Eden Vale council and Fellside police (fictional)
    grading_scheme: 3x5x2
    folder: exports                        # where the files are (default: this file's folder; below it)
    sources:
      - file: council/young_people.xlsx      # inside the folder; ../ is refused
        agency: Eden Vale Council
        sheets:
          - sheet: Young People
            table: children
            columns: {Child ID: child_id, name: [Forename, Surname], DOB: date_of_birth}
      - file: police/associations_{period:%b%Y}.csv   # this month's file: Oct2026, ...
        agency: Fellside Constabulary
        table: links
        constants: {source_type: police}   # every row of this file
        columns: {Nominal Ref: source_id, Associate Name: target_name}

A source's ``file`` may name the period (``{period}``, ``{period:FMT}``) or be a glob, so one
manifest serves every month (:mod:`contextmap.ingest.patterns`); the period is chosen by the
caller, or is the latest one for which every such source has a file. A source's ``columns``, ``values``, ``date_formats`` and ``constants`` are those of a mapping
file's table (:mod:`contextmap.ingest.columns`); on a workbook they may be given once for the
file and are then the default of each of its sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contextmap._errors import ConfigError, InputNotFoundError, InputReadError, MappingError
from contextmap.ingest.columns import table_mapping
from contextmap.ingest.gazetteer import Gazetteer, gazetteer_from_spec
from contextmap.ingest.patterns import FilePattern, latest_period, parse_period
from contextmap.ingest.sources import REQUIRED_TABLES, Note, Source, check_inside
from contextmap.schema import GRADING_SCHEMES, TABLE_NAMES
from contextmap.yamlsafe import load_yaml

__all__ = ["Manifest", "load_manifest", "is_manifest", "MANIFEST_SUFFIXES"]

MANIFEST_SUFFIXES = (".yaml", ".yml")
"""A dataset path with one of these suffixes is read as a sources manifest."""

_NOT_FIXED = re.compile(r"[{}*?]")
_TOP = ("description", "grading_scheme", "folder", "sources", "allow_outside", "gazetteer")
_MAPPING = ("columns", "values", "date_formats", "constants", "boilerplate")
_SOURCE = ("file", "table", "sheet", "sheets", "agency", *_MAPPING)
_SHEET = ("sheet", "table", "agency", *_MAPPING)


@dataclass(frozen=True)
class Manifest:
    """A parsed sources manifest: the sources in order, and the dataset's grading scheme."""

    sources: tuple[Source, ...]
    grading_scheme: str | None
    description: str
    path: Path
    period: str | None = None
    """The period (``YYYY-MM``) the ``{period}`` files were read for; None when no file names it."""
    gazetteer: Gazetteer | None = None
    """The user's gazetteer (``gazetteer: {postcodes: ..., names: ...}``, paths or globs
    relative to the manifest, inside its folder): see :mod:`contextmap.ingest.gazetteer`."""
    outside: bool = False
    """True when ``allow_outside: true`` let the manifest's ``folder`` lie outside its own folder."""

    def notes(self) -> list[Note]:
        """File-level warnings: optional tables no source holds; a folder read from outside."""
        have = {s.table for s in self.sources}
        out: list[Note] = [(t, self.path.name, "", "", "no source in the manifest; read as empty")
                           for t in TABLE_NAMES if t not in have]
        if self.outside:
            out.append(("children", self.path.name, "folder", "",
                        "the manifest's folder is outside the manifest's own folder (allow_outside: true)"))
        return out


def is_manifest(path: str | Path) -> bool:
    """True when ``path`` names a sources manifest (a ``.yaml``/``.yml`` file)."""
    return Path(path).suffix.lower() in MANIFEST_SUFFIXES


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out = {k: base[k] for k in _MAPPING if k in base}
    for k in _MAPPING:
        if k in own:
            v = own[k]
            if k != "columns" and isinstance(out.get(k), dict) and isinstance(v, dict):
                v = {**out[k], **v}
            out[k] = v
    return out


def _check_keys(where: str, spec: Any, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: {what} must be a mapping, instead got: {spec!r}")
    for key in spec:
        if key not in allowed:
            raise MappingError(f"{where}: unknown key {what}.{key}; expected one of {list(allowed)}")
    return spec


def _table_name(where: str, what: str, spec: dict[str, Any]) -> str:
    table = spec.get("table")
    if table not in TABLE_NAMES:
        raise MappingError(f"{where}: {what}.table must be one of {list(TABLE_NAMES)}, instead got: {table!r}")
    return str(table)


def _text(where: str, what: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise MappingError(f"{where}: {what} must be text, instead got: {value!r}")
    return str(value)


def load_manifest(path: str | Path, *, period: str | None = None) -> Manifest:
    """Read a sources manifest, checking every key and that every file exists.

    Parameters
    ----------
    path
        The YAML file. File names in it are relative to its ``folder`` (default: the
        manifest's own folder; relative to the manifest) and must stay inside it; the
        ``folder`` must be the manifest's own folder or below it. ``allow_outside: true``
        lifts both rules (and the quality report notes it).
    period
        The period (``YYYY-MM``) whose files to read, for sources whose ``file`` names the
        ``{period}`` (see :mod:`contextmap.ingest.patterns`). Default: the latest period for
        which every such source has a file (``Manifest.period`` says which).

    Raises
    ------
    InputNotFoundError
        If the manifest or a file it lists does not exist, a pattern matches no file, or no
        period has a file for every ``{period}`` source.
    MappingError
        If a key, table, column, value or placeholder is unknown or malformed, or a required
        table has no source.
    InputReadError
        If the ``folder`` or a file lies (or a pattern could reach) outside the manifest's
        folder, or a file is a dangling link.
    ConfigError
        If ``period`` is not ``YYYY-MM``, or is given while no source names the period.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "kids.csv").write_text("Ref\\nC1\\n")
    >>> _ = (d / "eps.csv").write_text("episode_id,child_id,reported_at\\n")
    >>> _ = (d / "sources.yaml").write_text(
    ...     "sources:\\n"
    ...     "  - {file: kids.csv, table: children, agency: Council, columns: {Ref: child_id}}\\n"
    ...     "  - {file: eps.csv, table: episodes}\\n")
    >>> m = load_manifest(d / "sources.yaml")
    >>> [(s.table, s.label, s.agency) for s in m.sources]
    [('children', 'kids.csv', 'Council'), ('episodes', 'eps.csv', None)]

    One manifest for every month: ``{period}`` in a file name, the latest month by default.

    >>> for month in ("2026-09", "2026-10"):
    ...     _ = (d / f"eps_{month}.csv").write_text("episode_id,child_id,reported_at\\n")
    >>> _ = (d / "monthly.yaml").write_text(
    ...     "sources:\\n"
    ...     "  - {file: kids.csv, table: children, columns: {Ref: child_id}}\\n"
    ...     "  - {file: 'eps_{period}.csv', table: episodes}\\n")
    >>> m = load_manifest(d / "monthly.yaml")
    >>> m.period, m.sources[1].label
    ('2026-10', 'eps_2026-10.csv')
    >>> load_manifest(d / "monthly.yaml", period="2026-09").sources[1].label
    'eps_2026-09.csv'
    """
    p = Path(path)
    where = f"sources manifest {str(p)!r}"
    data = load_yaml(p, what="sources manifest", error=MappingError)
    data = _check_keys(where, data or {}, _TOP, "the manifest")
    allow_outside = data.get("allow_outside", False)
    if not isinstance(allow_outside, bool):
        raise MappingError(f"{where}: allow_outside must be true or false, instead got: {allow_outside!r}")
    scheme = data.get("grading_scheme")
    if scheme is not None:
        scheme = str(scheme).strip().lower()
        if scheme not in GRADING_SCHEMES:
            raise MappingError(f"{where}: grading_scheme must be one of {list(GRADING_SCHEMES)}, instead got: {data['grading_scheme']!r}")
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise MappingError(f"{where}: 'sources' must list the files to read, instead got: {entries!r}")
    folder, outside = p.parent, False
    if data.get("folder") is not None:
        rel = _text(where, "folder", data["folder"]) or "."
        if _NOT_FIXED.search(rel):
            raise MappingError(f"{where}: folder {rel!r} must be one fixed folder; name the period or a pattern "
                               "in each source's file instead (e.g. file: '{period}/cyp.xlsx')")
        folder = (p.parent / rel)
        if not folder.is_dir():
            raise InputNotFoundError(f"{where}: folder {rel!r} not found (looked for {str(folder)!r})")
        outside = not folder.resolve().is_relative_to(p.parent.resolve())
        if outside and not allow_outside:
            raise InputReadError(
                f"{where}: Expected folder to be the manifest's own folder or one below it, instead got {rel!r}, "
                f"which is outside {str(p.parent)!r}; move the manifest beside its files (or say "
                "`allow_outside: true` in the manifest to read a folder elsewhere)")
    # which file(s) each entry names: one fixed file, or a pattern naming the period or a glob
    patterns: list[FilePattern] = []
    for n, entry in enumerate(entries, start=1):
        what = f"sources[{n}]"
        entry = _check_keys(where, entry, _SOURCE, what)
        name = _text(where, f"{what}.file", entry.get("file"))
        if not name:
            raise MappingError(f"{where}: {what} has no 'file'")
        patterns.append(FilePattern.parse(name, where=f"{where}: {what}.file", allow_outside=allow_outside))
    chosen = _choose_period(where, patterns, folder, period, allow_outside=allow_outside)
    sources: list[Source] = []
    for n, (entry, pattern) in enumerate(zip(entries, patterns, strict=True), start=1):
        for f, name in _files(where, f"sources[{n}]", pattern, folder, chosen, allow_outside=allow_outside):
            sources += _entry_sources(where, f"sources[{n}]", entry, f, name)
    have = {s.table for s in sources}
    for t in REQUIRED_TABLES:
        if t not in have:
            raise MappingError(f"{where} lists no source for the {t} table, which is required")
    seen: dict[tuple[Path, str | None], str] = {}
    for s in sources:
        key = (s.path.resolve(), s.sheet.strip().casefold() if s.sheet else None)
        if key in seen:
            raise InputReadError(f"{where}: {s.label} is listed twice (as {seen[key]} and {s.table}); its rows would be read twice")
        seen[key] = s.table
    gaz = gazetteer_from_spec(data.get("gazetteer"), base=p.parent, where=where, inside=p.parent,
                              allow_outside=allow_outside)
    return Manifest(tuple(sources), scheme, str(data.get("description") or ""), p, period=chosen, gazetteer=gaz,
                    outside=outside)


def _choose_period(where: str, patterns: list[FilePattern], folder: Path, period: str | None, *,
                   allow_outside: bool) -> str | None:
    """The period asked for (checked), or the latest one every ``{period}`` source has."""
    named = any(pt.has_period for pt in patterns)
    if period is not None:
        period = parse_period(period)
        if not named:
            raise ConfigError(f"{where}: a period ({period}) was given, but no source's file names the {{period}}; "
                              "write e.g. file: 'police/intel_{period}.csv' to read one month's files")
        return period
    return latest_period(patterns, folder, allow_outside=allow_outside, where=where) if named else None


def _files(where: str, what: str, pattern: FilePattern, folder: Path, period: str | None, *,
           allow_outside: bool) -> list[tuple[Path, str]]:
    """The files an entry names, with the name each is labelled by (relative to the folder)."""
    if pattern.is_fixed:
        name = pattern.text
        f = check_inside(folder, name, what=f"{where}: {what}.file", allow_outside=allow_outside)
        if not f.is_file():
            raise InputNotFoundError(f"{where}: {what}.file {name!r} not found (looked for {str(f)!r})")
        return [(f, name)]
    got = pattern.matches(folder, period if pattern.has_period else None, allow_outside=allow_outside)
    if not got:
        looked = pattern.render(period if pattern.has_period else None)
        if pattern.has_period:
            others = sorted(pattern.periods(folder, allow_outside=allow_outside))[-6:]
            raise InputNotFoundError(
                f"{where}: {what}.file {pattern.text!r} has no file for the period {period} (looked for "
                f"{looked!r} in {str(folder)!r}); periods it has a file for: {', '.join(others) or 'none'}")
        raise InputNotFoundError(f"{where}: {what}.file {pattern.text!r} matches no file in {str(folder)!r}")
    out = []
    for f, _ in got:
        try:
            name = f.relative_to(folder).as_posix()
        except ValueError:  # allow_outside: a file elsewhere
            name = str(f)
        out.append((f, name))
    return out


def _entry_sources(where: str, what: str, entry: dict[str, Any], f: Path, name: str) -> list[Source]:
    """The sources of one file of a manifest entry: its sheets, or the one table it holds."""
    agency = _text(where, f"{what}.agency", entry.get("agency"))
    workbook = f.suffix.lower() in (".xlsx", ".xlsm")
    if "sheets" in entry:
        if not workbook:
            raise MappingError(f"{where}: {what} lists sheets, but {name!r} is not an .xlsx workbook")
        if "table" in entry or "sheet" in entry:
            raise MappingError(f"{where}: {what} gives 'sheets' and also 'table'/'sheet'; give one or the other")
        sheets = entry["sheets"]
        if isinstance(sheets, dict):  # {sheet name: spec}
            sheets = [{"sheet": k, **(v or {})} for k, v in sheets.items()]
        if not isinstance(sheets, list) or not sheets:
            raise MappingError(f"{where}: {what}.sheets must list the sheets to read, instead got: {sheets!r}")
        out = []
        for k, sh in enumerate(sheets, start=1):
            swhat = f"{what}.sheets[{k}]"
            sh = _check_keys(where, sh, _SHEET, swhat)
            sheet = _text(where, f"{swhat}.sheet", sh.get("sheet"))
            if not sheet:
                raise MappingError(f"{where}: {swhat} has no 'sheet'")
            table = _table_name(where, swhat, sh)
            tm = table_mapping(f"{where} {swhat}", table, _merged(entry, sh))
            out.append(Source(table, f, tm, sheet=sheet, label=f"{name}[{sheet}]",
                              agency=_text(where, f"{swhat}.agency", sh.get("agency")) or agency))
        return out
    table = _table_name(where, what, entry)
    sheet = _text(where, f"{what}.sheet", entry.get("sheet"))
    if workbook and not sheet:
        sheet = table
    if sheet and not workbook:
        raise MappingError(f"{where}: {what} names sheet {sheet!r}, but {name!r} is not an .xlsx workbook")
    tm = table_mapping(f"{where} {what}", table, _merged({}, entry))
    return [Source(table, f, tm, sheet=sheet, label=f"{name}[{sheet}]" if sheet else name, agency=agency)]

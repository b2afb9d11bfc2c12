"""Sources manifests: one YAML file listing every file and sheet a dataset is read from.

Real data comes from several agencies, each in its own column names: a council's case-system
workbook, the police's CSV extracts. A manifest lists them all, any number per table, each
with its own column mapping and constants, and is accepted wherever a dataset path is
(``contextmap validate sources.yaml``, ``contextmap.load("sources.yaml")``). See
``docs/examples/sources.yaml``.

.. code-block:: yaml

    description: Eden Vale council and Fellside police (fictional)
    grading_scheme: 3x5x2
    folder: exports                        # where the files are (default: this file's folder)
    sources:
      - file: council/young_people.xlsx      # inside the folder; ../ is refused
        agency: Eden Vale Council
        sheets:
          - sheet: Young People
            table: children
            columns: {Child ID: child_id, name: [Forename, Surname], DOB: date_of_birth}
      - file: police/associations.csv
        agency: Fellside Constabulary
        table: links
        constants: {source_type: police}   # every row of this file
        columns: {Nominal Ref: source_id, Associate Name: target_name}

A source's ``columns``, ``values``, ``date_formats`` and ``constants`` are those of a mapping
file's table (:mod:`contextmap.ingest.columns`); on a workbook they may be given once for the
file and are then the default of each of its sheets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contextmap._errors import InputNotFoundError, InputReadError, MappingError
from contextmap.ingest.columns import table_mapping
from contextmap.ingest.gazetteer import Gazetteer, gazetteer_from_spec
from contextmap.ingest.sources import REQUIRED_TABLES, Note, Source, check_inside
from contextmap.schema import GRADING_SCHEMES, TABLE_NAMES

__all__ = ["Manifest", "load_manifest", "is_manifest", "MANIFEST_SUFFIXES"]

MANIFEST_SUFFIXES = (".yaml", ".yml")
"""A dataset path with one of these suffixes is read as a sources manifest."""

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
    gazetteer: Gazetteer | None = None
    """The user's gazetteer (``gazetteer: {postcodes: ..., names: ...}``, paths or globs
    relative to the manifest, inside its folder): see :mod:`contextmap.ingest.gazetteer`."""

    def notes(self) -> list[Note]:
        """File-level warnings: optional tables no source holds."""
        have = {s.table for s in self.sources}
        return [(t, self.path.name, "", "", "no source in the manifest; read as empty")
                for t in TABLE_NAMES if t not in have]


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


def load_manifest(path: str | Path) -> Manifest:
    """Read a sources manifest, checking every key and that every file exists.

    Parameters
    ----------
    path
        The YAML file. File names in it are relative to its ``folder`` (default: the
        manifest's own folder; relative to the manifest) and must stay inside it.

    Raises
    ------
    InputNotFoundError
        If the manifest or a file it lists does not exist.
    MappingError
        If a key, table, column or value is unknown or malformed, or a required table has
        no source.
    InputReadError
        If a file lies outside the manifest's folder or is a dangling link.

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
    """
    p = Path(path)
    if not p.is_file():
        raise InputNotFoundError(f"sources manifest not found: {str(p)!r}")
    where = f"sources manifest {str(p)!r}"
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where} is not valid YAML: {exc}") from None
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
    folder = p.parent
    if data.get("folder") is not None:
        rel = _text(where, "folder", data["folder"]) or "."
        folder = (p.parent / rel)
        if not folder.is_dir():
            raise InputNotFoundError(f"{where}: folder {rel!r} not found (looked for {str(folder)!r})")
    sources: list[Source] = []
    for n, entry in enumerate(entries, start=1):
        what = f"sources[{n}]"
        entry = _check_keys(where, entry, _SOURCE, what)
        name = _text(where, f"{what}.file", entry.get("file"))
        if not name:
            raise MappingError(f"{where}: {what} has no 'file'")
        f = check_inside(folder, name, what=f"{where}: {what}.file", allow_outside=allow_outside)
        if not f.is_file():
            raise InputNotFoundError(f"{where}: {what}.file {name!r} not found (looked for {str(f)!r})")
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
            for k, sh in enumerate(sheets, start=1):
                swhat = f"{what}.sheets[{k}]"
                sh = _check_keys(where, sh, _SHEET, swhat)
                sheet = _text(where, f"{swhat}.sheet", sh.get("sheet"))
                if not sheet:
                    raise MappingError(f"{where}: {swhat} has no 'sheet'")
                table = _table_name(where, swhat, sh)
                tm = table_mapping(f"{where} {swhat}", table, _merged(entry, sh))
                sources.append(Source(table, f, tm, sheet=sheet, label=f"{name}[{sheet}]",
                                      agency=_text(where, f"{swhat}.agency", sh.get("agency")) or agency))
            continue
        table = _table_name(where, what, entry)
        sheet = _text(where, f"{what}.sheet", entry.get("sheet"))
        if workbook and not sheet:
            sheet = table
        if sheet and not workbook:
            raise MappingError(f"{where}: {what} names sheet {sheet!r}, but {name!r} is not an .xlsx workbook")
        tm = table_mapping(f"{where} {what}", table, _merged({}, entry))
        sources.append(Source(table, f, tm, sheet=sheet, label=f"{name}[{sheet}]" if sheet else name, agency=agency))
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
    return Manifest(tuple(sources), scheme, str(data.get("description") or ""), p, gaz)

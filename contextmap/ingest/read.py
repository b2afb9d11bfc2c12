"""Read a dataset, map its columns, validate every row, quarantine bad rows.

:func:`load` reads a folder of CSV files or one ``.xlsx`` workbook, applies a column mapping
(:mod:`contextmap.ingest.columns`), parses every cell by its contract kind (:mod:`contextmap.schema`),
checks every row and every reference, and returns a :class:`~contextmap.Dataset` of accepted
rows plus a :class:`~contextmap.ValidationReport` of everything found, in one pass.

Rules (documented for users in ``docs/data-contract.md``):

* ``children`` and ``episodes`` are required tables; ``persons``, ``locations`` and ``links``
  are read as empty, with a warning, when absent.
* A file that cannot be read at all raises :class:`~contextmap.InputReadError`; row-level
  problems never raise, they are collected and the row is quarantined.
* Duplicate ids (within a table, or across children, persons and locations) quarantine every
  row carrying the id: ingest does not guess which copy is right.
* A row that refers to a quarantined or unknown row is quarantined too, with a reason that
  says so (``refers to a child that was quarantined``).
* Row numbers are spreadsheet row numbers: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from contextmap._errors import (
    ConfigError,
    InputNotFoundError,
    InputReadError,
    MappingError,
)
from contextmap.dataset import PROBLEM_COLUMNS, Dataset, ValidationReport
from contextmap.dates import parse_dates
from contextmap.files import check_new_files, write_csv
from contextmap.ingest.columns import GRADING_PART_COLUMNS, Mapping, TableMapping, load_mapping
from contextmap.schema import (
    ENTITY_KIND,
    ENTITY_TABLES,
    GRADING_SCHEMES,
    PEOPLE_RELATIONS,
    PLACE_RELATIONS,
    TABLE_NAMES,
    TABLES,
    Table,
    normalise_code,
    parse_grading,
)

__all__ = ["load", "write_quarantine", "REQUIRED_TABLES", "GB_NI_BOUNDS"]

REQUIRED_TABLES = ("children", "episodes")
"""Tables a dataset must have; the others are read as empty (with a warning) when absent."""

GB_NI_BOUNDS = (-8.7, 49.8, 1.8, 61.0)
"""WGS84 box (min longitude, min latitude, max longitude, max latitude) that holds Great
Britain, Northern Ireland and their islands (Scilly to Shetland, Lough Erne to Lowestoft).
Coordinates outside it are errors."""

_VALIDATION_ORDER = ("locations", "persons", "children", "episodes", "links")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_SEP = r"[\s\-/]+"

_Progress = Callable[[str], None]


# --- problems ---------------------------------------------------------------------------


class _Problems:
    """Collects problems as small frames; one concat at the end."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, table: str, file: str, mask: pd.Series, column: str, values: pd.Series | str,
            reason: pd.Series | str, severity: str = "error") -> None:
        if not mask.any():
            return
        rows = mask.index[mask.to_numpy()]
        self.parts.append(pd.DataFrame({
            "table": table,
            "file": file,
            "row": pd.array(rows, dtype="Int64"),
            "column": column,
            "value": values.loc[rows].to_numpy() if isinstance(values, pd.Series) else values,
            "reason": reason.loc[rows].to_numpy() if isinstance(reason, pd.Series) else reason,
            "severity": severity,
        }))

    def note(self, table: str, file: str, column: str, value: str, reason: str) -> None:
        """A file-level warning (no row)."""
        self.parts.append(pd.DataFrame({
            "table": [table], "file": [file], "row": pd.array([pd.NA], dtype="Int64"),
            "column": [column], "value": [value], "reason": [reason], "severity": ["warning"],
        }))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            empty = {c: pd.Series(dtype="string") for c in PROBLEM_COLUMNS}
            empty["row"] = pd.Series(dtype="Int64")
            return pd.DataFrame(empty)
        out = pd.concat(self.parts, ignore_index=True)
        order = out["table"].map({t: i for i, t in enumerate(TABLE_NAMES)})
        out = out.assign(_t=order, _r=out["row"].fillna(0)).sort_values(["_t", "_r"], kind="stable")
        out = out.drop(columns=["_t", "_r"]).reset_index(drop=True)
        for c in PROBLEM_COLUMNS:
            if c != "row":
                out[c] = out[c].astype("string")
        return out


# --- reading ----------------------------------------------------------------------------


def _read_csv(path: Path) -> tuple[list[str], pd.DataFrame, bytes]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputReadError(
            f"{str(path)!r} is not UTF-8 text: byte {data[exc.start]:#04x} at byte offset {exc.start} "
            "cannot be decoded. Save the file as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)."
        ) from None
    if "\x00" in text:
        raise InputReadError(f"{str(path)!r} is not a CSV file: it holds binary data (a NUL byte at character {text.index(chr(0))})")
    if not text.strip():
        raise InputReadError(f"{str(path)!r} is empty: expected a header row naming the columns")
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                          na_filter=False, skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputReadError(f"{str(path)!r} cannot be read as CSV: {exc}") from None
    header = [str(h) for h in raw.iloc[0].tolist()]
    body = raw.iloc[1:]
    body.index = pd.RangeIndex(2, len(raw) + 1)
    body.columns = range(len(header))
    return header, body, data


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_sheet(ws: Any) -> tuple[list[str], pd.DataFrame]:
    rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    # trailing empty rows in a worksheet's used range are not records
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        return [], pd.DataFrame()
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    body = pd.DataFrame(rows[1:], columns=range(width), dtype=str)
    body.index = pd.RangeIndex(2, len(rows) + 1)
    return rows[0], body


def _find_file(folder: Path, wanted: str) -> Path | None:
    p = folder / wanted
    if p.is_file():
        return p
    lower = {c.name.lower(): c for c in folder.iterdir() if c.is_file()}
    return lower.get(wanted.lower())


def _read_all(path: Path, mapping: Mapping, P: _Problems, step: _Progress) -> tuple[dict, hashlib._Hash]:
    """Return {table: (file label, header, body)} for tables found, and a hash of the input."""
    digest = hashlib.sha256()
    found: dict[str, tuple[str, list[str], pd.DataFrame]] = {}
    if path.is_dir():
        for name in TABLE_NAMES:
            wanted = mapping.table(name).file or f"{name}.csv"
            f = _find_file(path, wanted)
            step(f"reading {wanted}")
            if f is None:
                if name in REQUIRED_TABLES:
                    have = sorted(c.name for c in path.iterdir() if c.suffix.lower() == ".csv")
                    raise InputReadError(
                        f"{str(path)!r} has no {wanted!r} (the {name} table is required); CSV files found: {have}"
                    )
                P.note(name, wanted, "", "", "table not found; read as empty")
                continue
            header, body, data = _read_csv(f)
            digest.update(name.encode() + b"\0" + data)
            found[name] = (f.name, header, body)
        return found, digest
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputReadError(
            f"Expected path to be a folder of CSV files or an .xlsx workbook, instead got: {str(path)!r}"
            + (" (save .xls workbooks as .xlsx)" if path.suffix.lower() == ".xls" else "")
        )
    import openpyxl

    digest.update(path.read_bytes())
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException variants
        raise InputReadError(f"{str(path)!r} cannot be read as an .xlsx workbook: {exc}") from None
    try:
        sheets = {ws.strip().lower(): ws for ws in wb.sheetnames}
        for name in TABLE_NAMES:
            wanted = mapping.table(name).sheet or name
            step(f"reading sheet {wanted}")
            title = sheets.get(wanted.strip().lower())
            if title is None:
                if name in REQUIRED_TABLES:
                    raise InputReadError(
                        f"{str(path)!r} has no sheet {wanted!r} (the {name} table is required); "
                        f"sheets found: {wb.sheetnames}"
                    )
                P.note(name, f"{path.name}[{wanted}]", "", "", "sheet not found; read as empty")
                continue
            header, body = _read_sheet(wb[title])
            label = f"{path.name}[{title}]"
            if not header:
                raise InputReadError(f"{label} is empty: expected a header row naming the columns")
            found[name] = (label, header, body)
    finally:
        wb.close()
    return found, digest


def _contract_columns(t: Table) -> tuple[str, ...]:
    return t.column_names + GRADING_PART_COLUMNS if t.name == "links" else t.column_names


def _conform(t: Table, label: str, header: list[str], body: pd.DataFrame, tm: TableMapping,
             P: _Problems) -> tuple[pd.DataFrame, list[str]]:
    """Rename columns onto the contract, drop unknown ones, check required columns exist.

    Returns the frame with every contract column (blank where absent) and the names of the
    columns the input really had."""
    header = [h.strip() for h in header]
    contract = _contract_columns(t)
    rename: dict[int, str] = {}
    exact = {h: i for i, h in reversed(list(enumerate(header)))}
    folded = {h.casefold(): i for i, h in reversed(list(enumerate(header)))}
    for local, target in tm.columns.items():
        i = exact.get(local, folded.get(local.casefold()))
        if i is None:
            raise MappingError(
                f"mapping: tables.{t.name}.columns names {local!r}, which is not a column of {label}; "
                f"its columns are {header}"
            )
        rename[i] = target
    for i, h in enumerate(header):
        if i in rename:
            continue
        code = normalise_code(h)
        if code in contract and code not in tm.columns.values():
            rename[i] = code
        elif h or body[i].str.strip().ne("").any():
            P.note(t.name, label, h, "", "unknown column dropped (not in the data contract)")
    targets = list(rename.values())
    twice = sorted({c for c in targets if targets.count(c) > 1})
    if twice:
        raise InputReadError(f"{label}: several columns map onto {twice}; keep one of each (columns: {header})")
    missing = [c for c in t.required if c not in targets]
    if missing:
        raise InputReadError(
            f"{label} has no column {missing[0]!r}, which the {t.name} table requires; its columns are "
            f"{header}. Rename the column, or map it in a mapping file (--mapping)."
        )
    frame = body[list(rename)].set_axis(targets, axis=1)
    present = [c for c in contract if c in frame]
    for c in contract:
        if c not in frame:
            frame[c] = ""
    return frame[list(contract)].astype(str), present


# --- parsing helpers --------------------------------------------------------------------


def _norm(s: pd.Series) -> pd.Series:
    """Vectorised :func:`schema.normalise_code`."""
    return s.str.lower().str.replace(_SEP, "_", regex=True).str.strip("_")


def _apply_values(text: pd.Series, vm: dict[str, str]) -> pd.Series:
    if not vm:
        return text
    key = _norm(text)
    hit = key.isin(list(vm))
    return text.mask(hit, key.map(vm)) if hit.any() else text


def _string(text: pd.Series) -> pd.Series:
    return text.mask(text == "").astype("string")


_TRANSFORMERS: dict[str, object] = {}


def _transform(direction: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    if direction not in _TRANSFORMERS:
        src, dst = (27700, 4326) if direction == "bng_to_wgs84" else (4326, 27700)
        _TRANSFORMERS[direction] = Transformer.from_crs(src, dst, always_xy=True)
    return _TRANSFORMERS[direction].transform(x, y)  # type: ignore[attr-defined]


class _Checker:
    """Validates one table; records problems and the rows that must be quarantined."""

    def __init__(self, t: Table, label: str, raw: pd.DataFrame, tm: TableMapping, P: _Problems,
                 as_of: pd.Timestamp, scheme: str) -> None:
        self.t, self.label, self.raw, self.tm, self.P = t, label, raw, tm, P
        self.as_of, self.scheme = as_of, scheme
        self.bad = pd.Series(False, index=raw.index)
        self.text = {c: _apply_values(raw[c].str.strip(), tm.values.get(c, {})) for c in raw.columns}
        self.out: dict[str, pd.Series] = {}

    def error(self, mask: pd.Series, column: str, reason: pd.Series | str, values: pd.Series | None = None) -> None:
        mask = mask.fillna(False).astype(bool)
        self.P.add(self.t.name, self.label, mask, column, self.raw[column] if values is None else values, reason)
        self.bad |= mask

    def warn(self, mask: pd.Series, column: str, reason: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        self.P.add(self.t.name, self.label, mask, column, self.raw[column], reason, "warning")

    def run(self) -> pd.DataFrame:
        for col in self.t.columns:
            text = self.text[col.name]
            blank = text == ""
            if col.required:
                self.error(blank, col.name, "missing required value")
            kind = col.kind
            if kind in ("id", "text"):
                if col.name == "postcode":
                    text = self._postcode(text, blank)
                self.out[col.name] = _string(text)
            elif kind == "list":
                joined = text.str.replace(r"\s*;[\s;]*", "; ", regex=True).str.strip("; ")
                self.out[col.name] = _string(joined)
            elif kind == "enum":
                self.out[col.name] = self._enum(col.name, text, blank, col.values)
            elif kind in ("date", "datetime"):
                parsed, reasons = parse_dates(text, kind=kind, date_format=self.tm.date_formats.get(col.name))
                self.error(reasons.notna(), col.name, reasons)
                limit = self.as_of.normalize() if kind == "date" else self.as_of
                self.error(parsed > limit, col.name, f"date is in the future (after {self.as_of:%Y-%m-%d %H:%M})")
                self.out[col.name] = parsed
            elif kind == "float":
                num = pd.to_numeric(text.mask(blank), errors="coerce").astype("float64")
                finite = pd.Series(np.isfinite(num.to_numpy()), index=num.index)
                self.error(~blank & ~finite, col.name, "not a number")
                self.out[col.name] = num.where(finite)
            elif kind == "grading":
                self.out[col.name] = _string(text)  # parsed in _links
        key = self.t.key
        ids = self.out[key]
        dup = ids.notna() & ids.duplicated(keep=False)
        self.error(dup, key, "duplicate id (every row with this id is quarantined)")
        getattr(self, f"_{self.t.name}", lambda: None)()
        frame = pd.DataFrame(self.out, index=self.raw.index)
        return frame

    def _postcode(self, text: pd.Series, blank: pd.Series) -> pd.Series:
        squashed = text.str.upper().str.replace(r"\s+", "", regex=True)
        norm = squashed.str.replace(r"^(.+)(\d[A-Z]{2})$", r"\1 \2", regex=True)
        valid = norm.str.match(_POSTCODE)
        self.warn(~blank & ~valid, "postcode", "not a valid UK postcode format (kept as written)")
        return norm.where(valid, text)

    def _enum(self, name: str, text: pd.Series, blank: pd.Series, values: tuple[str, ...]) -> pd.Series:
        codes = _norm(text)
        unknown = ~blank & ~codes.isin(values)
        if name == "relation":
            self.warn(unknown, name, "relation not in the documented vocabulary (kept)")
            return _string(codes)
        self.error(unknown, name, f"unknown {name} value; expected one of {list(values)}")
        return _string(codes.where(~unknown, ""))

    # table-specific checks --------------------------------------------------------------

    def _locations(self) -> None:
        o = self.out
        for a, b in (("latitude", "longitude"), ("easting", "northing")):
            ta, tb = self.text[a] == "", self.text[b] == ""
            self.error(~ta & tb, b, f"{a} given without {b}")
            self.error(ta & ~tb, a, f"{b} given without {a}")
        lat, lon, e, n = o["latitude"].copy(), o["longitude"].copy(), o["easting"].copy(), o["northing"].copy()
        ll = lat.notna() & lon.notna()
        en = e.notna() & n.notna()
        from_bng = en & ~ll
        if from_bng.any():
            x, y = _transform("bng_to_wgs84", e[from_bng].to_numpy(), n[from_bng].to_numpy())
            lon[from_bng], lat[from_bng] = x, y
        to_bng = ll & ~en
        if to_bng.any():
            x, y = _transform("wgs84_to_bng", lon[to_bng].to_numpy(), lat[to_bng].to_numpy())
            e[to_bng], n[to_bng] = x, y
        lon_min, lat_min, lon_max, lat_max = GB_NI_BOUNDS
        has = lat.notna() & lon.notna()
        inside = lat.between(lat_min, lat_max) & lon.between(lon_min, lon_max)
        swapped = lon.between(lat_min, lat_max) & lat.between(lon_min, lon_max)
        outside = has & ~inside
        where = f"outside Great Britain and Northern Ireland (latitude {lat_min} to {lat_max}, longitude {lon_min} to {lon_max})"
        reason = pd.Series(where, index=lat.index).mask(swapped, where + "; latitude and longitude look swapped")
        value = self.raw["latitude"].str.strip() + ", " + self.raw["longitude"].str.strip()
        value = value.mask(from_bng, self.raw["easting"].str.strip() + ", " + self.raw["northing"].str.strip())
        col_ll = outside & ~from_bng
        self.error(col_ll, "latitude", reason, values=value)
        self.error(outside & from_bng, "easting", reason, values=value)
        keep = has & inside
        o["latitude"], o["longitude"] = lat.where(keep), lon.where(keep)
        o["easting"], o["northing"] = e.where(keep | (en & ~has)), n.where(keep | (en & ~has))

    def _episodes(self) -> None:
        o = self.out
        self.error(o["returned_at"] < o["reported_at"], "returned_at", "returned before the episode was reported")
        self.error(o["rhi_at"] < o["returned_at"], "rhi_at", "Return Home Interview dated before the return")
        self.warn((o["rhi_outcome"] == "completed") & o["rhi_at"].isna(), "rhi_outcome",
                  "Return Home Interview completed but rhi_at is blank")

    def _links(self) -> None:
        o = self.out
        given = o["link_id"]
        before = given.notna() & given.duplicated(keep=False)  # already reported in run()
        o["link_id"] = given.mask(given.isna(), pd.Series("row-" + self.raw.index.astype(str), index=self.raw.index))
        dup = o["link_id"].duplicated(keep=False) & ~before  # assigned ids colliding with given ones
        self.error(dup, "link_id", "duplicate id (every row with this id is quarantined)")
        parts = [self.text[c] for c in GRADING_PART_COLUMNS]
        any_part = (parts[0] != "") | (parts[1] != "") | (parts[2] != "")
        all_part = (parts[0] != "") & (parts[1] != "") & (parts[2] != "")
        code = self.text["grading"]
        use_parts = (code == "") & any_part
        self.error(use_parts & ~all_part, "grading",
                   f"incomplete grading: give all three of {list(GRADING_PART_COLUMNS)}",
                   values=self.raw["source_evaluation"] + " / " + self.raw["intelligence_assessment"]
                   + " / " + self.raw["handling_code"])
        joined = parts[0] + parts[1] + " " + parts[2]
        code = code.mask(use_parts & all_part, joined)
        blank = code == ""
        parsed: dict[str, Any] = {}  # code -> Grading, or the reason it is invalid
        for u in code[~blank].unique():
            try:
                parsed[u] = parse_grading(u, scheme=self.scheme)
            except ValueError:
                other = "5x5x5" if self.scheme == "3x5x2" else "3x5x2"
                try:
                    parse_grading(u, scheme=other)
                    parsed[u] = f"a {other} code, but the dataset declares {self.scheme} (set grading_scheme in the mapping file)"
                except ValueError:
                    example = "'1A P'" if self.scheme == "3x5x2" else "'B2 4'"
                    parsed[u] = f"not a valid {self.scheme} grading (expected e.g. {example})"
        got = code.map(parsed).astype(object)
        invalid = pd.Series([isinstance(g, str) for g in got], index=got.index, dtype=bool)
        values = self.raw["grading"].mask(use_parts, joined)
        self.error(invalid, "grading", got.where(invalid), values=values)
        ok = ~blank & ~invalid

        def attr(name: str) -> pd.Series:
            vals = [getattr(g, name) if k else "" for g, k in zip(got, ok, strict=True)]
            return _string(pd.Series(vals, index=got.index, dtype=str))

        o["grading"] = attr("code")
        o["source_evaluation"] = attr("source_evaluation")
        o["intelligence_assessment"] = attr("intelligence_assessment")
        o["handling_code"] = attr("handling_code")
        o["grading_scheme"] = _string(pd.Series(self.scheme, index=code.index).where(ok, ""))
        o["grading_original"] = _string(code.where(ok, ""))


# --- cross-table checks -----------------------------------------------------------------


def _refcheck(ch: _Checker, column: str, targets: dict[str, tuple[pd.Index, pd.Index]], noun: str) -> None:
    values = ch.out[column]
    present = values.notna()
    accepted = pd.Index([]).append([a for a, _ in targets.values()]) if targets else pd.Index([])
    quarantined = pd.Index([]).append([q for _, q in targets.values()]) if targets else pd.Index([])
    ok = values.isin(accepted)
    q = present & ~ok & values.isin(quarantined)
    ch.error(q, column, f"refers to {noun} that was quarantined")
    ch.error(present & ~ok & ~q, column, f"refers to an unknown {noun.split(' ', 1)[1]}")


def _status(ch: _Checker) -> tuple[pd.Index, pd.Index]:
    ids = ch.out[ch.t.key]
    good = pd.Index(ids[~ch.bad & ids.notna()].unique())
    bad = pd.Index(ids[ch.bad & ids.notna()].unique()).difference(good)
    return good, bad


def _cross_entity_duplicates(checkers: dict[str, _Checker]) -> None:
    owners = {n: set(checkers[n].out[checkers[n].t.key].dropna()) for n in ENTITY_TABLES if n in checkers}
    for name, ids in owners.items():
        ch = checkers[name]
        for other, other_ids in owners.items():
            if other == name:
                continue
            clash = ids & other_ids
            if clash:
                col = ch.out[ch.t.key]
                ch.error(col.isin(clash), ch.t.key,
                         f"id also used in {other} (ids must be unique across children, persons and locations)")


def _relation_kinds(ch: _Checker) -> None:
    o = ch.out
    rel, sk, tk = o["relation"], o["source_kind"], o["target_kind"]
    loc = (sk == "location").fillna(False).astype(int) + (tk == "location").fillna(False).astype(int)
    both = sk.notna() & tk.notna() & ~ch.bad
    ch.warn(both & rel.isin(list(PEOPLE_RELATIONS)) & (loc > 0), "relation",
            "relation between people used with a location")
    ch.warn(both & rel.isin(list(PLACE_RELATIONS)) & (loc != 1), "relation",
            "relation between a person and a place used without exactly one location")


# --- public API -------------------------------------------------------------------------


def _blank_rows(body: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is blank (narrowed column by column: usually one pass)."""
    blank = pd.Series(True, index=body.index)
    for c in body.columns:
        idx = blank.index[blank.to_numpy()]
        if not len(idx):
            break
        blank.loc[idx] = (body.loc[idx, c].str.strip() == "").to_numpy()
    return blank


def _empty_raw(t: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in _contract_columns(t)}, index=pd.RangeIndex(2, 2))


def load(
    path: str | Path,
    *,
    mapping: str | Path | Mapping | None = None,
    as_of: str | pd.Timestamp | dt.datetime | None = None,
    grading_scheme: str | None = None,
    progress: bool = False,
) -> Dataset:
    """Read, map, validate and quarantine a dataset.

    Parameters
    ----------
    path
        A folder of CSV files (``children.csv``, ``persons.csv``, ``locations.csv``,
        ``episodes.csv``, ``links.csv``) or one ``.xlsx`` workbook with one sheet per table.
    mapping
        A column-mapping file or :class:`~contextmap.ingest.columns.Mapping` (local column names and
        codes onto the contract). ``None``: the input already uses contract names.
    as_of
        Dates after this moment are errors (default: now).
    grading_scheme
        ``'3x5x2'`` or ``'5x5x5'``; overrides the mapping's ``grading_scheme``
        (default ``'3x5x2'``).
    progress
        Show a progress bar on standard error.

    Returns
    -------
    Dataset
        Accepted rows per table plus ``report`` (problems, counts, quarantined rows).

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    InputReadError
        If a file cannot be read at all: not UTF-8, not CSV/xlsx, a required table or
        required column missing.
    MappingError
        If the mapping file is malformed or names a column the input does not have.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "children.csv").write_text("child_id,ce_risk\\nC1,high\\nC2,severe\\n")
    >>> _ = (d / "episodes.csv").write_text("episode_id,child_id,reported_at\\nE1,C1,23/11/2025 14:05\\n")
    >>> ds = load(d)
    >>> ds.children["child_id"].tolist(), ds.report.counts.loc["children"].tolist()
    (['C1'], [2, 1, 1])
    >>> ds.report.errors[["row", "column", "value"]].values.tolist()
    [[3, 'ce_risk', 'severe']]
    """
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"Expected path to be an existing folder or .xlsx file, instead got: {str(p)!r}")
    if mapping is None:
        m = Mapping()
    elif isinstance(mapping, Mapping):
        m = mapping
    else:
        m = load_mapping(mapping)
    scheme = (grading_scheme or m.grading_scheme or "3x5x2").strip().lower()
    if scheme not in GRADING_SCHEMES:
        raise ValueError(f"Expected grading_scheme to be one of {list(GRADING_SCHEMES)}, instead got: {grading_scheme!r}")
    try:
        now = pd.Timestamp.now() if as_of is None else pd.Timestamp(as_of)
    except (ValueError, TypeError):
        raise ConfigError(f"Expected as_of to be a date such as '2026-11-23', instead got: {as_of!r}") from None
    if pd.isna(now):
        raise ConfigError(f"Expected as_of to be a date such as '2026-11-23', instead got: {as_of!r}")
    if now.tzinfo is not None:
        now = now.tz_convert("Europe/London").tz_localize(None)

    with _progress_bar(progress) as step:
        P = _Problems()
        found, digest = _read_all(p, m, P, step)
        if m.source is not None:
            digest.update(m.source.read_bytes())
        raws: dict[str, pd.DataFrame] = {}
        labels: dict[str, str] = {}
        present: dict[str, list[str]] = {}
        for name in TABLE_NAMES:
            t = TABLES[name]
            if name in found:
                label, header, body = found[name]
                body, present[name] = _conform(t, label, header, body, m.table(name), P)
                blank = _blank_rows(body)
                if blank.any():
                    P.note(name, label, "", str(int(blank.sum())), "blank rows skipped (not counted as read)")
                    body = body[~blank]
            else:
                label, body = (m.table(name).file or f"{name}.csv"), _empty_raw(t)
                present[name] = list(_contract_columns(t))
            raws[name], labels[name] = body, label

        checkers: dict[str, _Checker] = {}
        frames: dict[str, pd.DataFrame] = {}
        for name in _VALIDATION_ORDER:
            step(f"checking {name}")
            ch = _Checker(TABLES[name], labels[name], raws[name], m.table(name), P, now, scheme)
            frames[name] = ch.run()
            checkers[name] = ch
            if name == "children":
                _cross_entity_duplicates(checkers)
                _refcheck(ch, "home_location_id", {"locations": _status(checkers["locations"])}, "a location")
            elif name == "episodes":
                _refcheck(ch, "child_id", {"children": _status(checkers["children"])}, "a child")
                _refcheck(ch, "found_location_id", {"locations": _status(checkers["locations"])}, "a location")
            elif name == "links":
                ents = {n: _status(checkers[n]) for n in ENTITY_TABLES}
                _refcheck(ch, "source_id", ents, "an entity")
                _refcheck(ch, "target_id", ents, "an entity")
                _refcheck(ch, "episode_id", {"episodes": _status(checkers["episodes"])}, "an episode")
                kinds = pd.concat([pd.Series(ENTITY_KIND[n], index=ents[n][0]) for n in ENTITY_TABLES])
                for end in ("source", "target"):
                    ch.out[f"{end}_kind"] = ch.out[f"{end}_id"].map(kinds).astype("string")
                _relation_kinds(ch)
                frames[name] = pd.DataFrame(ch.out, index=ch.raw.index)
        step("assembling")
        problems = P.frame()
        tables, quarantined, counts = {}, {}, {}
        errors = problems[problems["severity"] == "error"]
        for name in TABLE_NAMES:
            ch, frame = checkers[name], frames[name]
            t = TABLES[name]
            cols = list(t.column_names) + list(t.derived)
            accepted = frame.loc[~ch.bad, cols].reset_index(drop=True)
            q = ch.raw.loc[ch.bad, present[name]].copy()
            mine = errors[errors["table"] == name]
            reasons = (mine["column"] + ": " + mine["reason"]).groupby(mine["row"].to_numpy()).agg(lambda s: "; ".join(dict.fromkeys(s)))
            q.insert(0, "_reasons", reasons.reindex(q.index).astype("string").to_numpy())
            q.insert(0, "_row", q.index.to_numpy())
            q = q.reset_index(drop=True)
            read, acc, qn = len(ch.raw), len(accepted), len(q)
            assert read == acc + qn, f"{name}: {read} read != {acc} accepted + {qn} quarantined"
            tables[name], quarantined[name] = accepted, q
            counts[name] = {"read": read, "accepted": acc, "quarantined": qn}
        tables["locations"] = _geo(tables["locations"])
        report = ValidationReport(
            problems=problems,
            counts=pd.DataFrame.from_dict(counts, orient="index")[["read", "accepted", "quarantined"]],
            quarantined=quarantined,
        )
    return Dataset(**tables, report=report, source=p, content_hash=digest.hexdigest(), grading_scheme=scheme)


def _geo(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    lon, lat = frame["longitude"].to_numpy(dtype=float), frame["latitude"].to_numpy(dtype=float)
    pts = shapely.points(np.column_stack([lon, lat])) if len(frame) else np.array([], dtype=object)
    missing = np.isnan(lon) | np.isnan(lat)
    if missing.any():
        pts[missing] = shapely.Point()
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(pts, index=frame.index, crs=4326), crs=4326)


class _progress_bar:
    """A rich progress bar on stderr (or nothing) that advances one step per call."""

    _TOTAL = len(TABLE_NAMES) * 2 + 1

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if not self.enabled:
            return lambda _msg: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("loading", total=self._TOTAL)

        def step(msg: str) -> None:
            self.bar.update(task, description=msg, advance=1)

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def write_quarantine(source: Dataset | ValidationReport, out_dir: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
    """Write the quarantined rows and the problem list as CSV files.

    Writes ``out_dir/quarantine/<table>.csv`` for every table (header only when nothing was
    quarantined, so a re-run never leaves a stale file) and ``out_dir/problems.csv``.
    Files are UTF-8 with a byte-order mark, so Excel shows accented names correctly.

    Parameters
    ----------
    source
        A loaded dataset or its validation report.
    out_dir
        Folder to write into (created if missing).
    overwrite
        Replace existing files; otherwise an existing file raises
        :class:`~contextmap.OutputExistsError`.

    Returns
    -------
    dict
        ``{'problems': path, '<table>': path, ...}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "children.csv").write_text("child_id\\nC1\\nC1\\n")
    >>> _ = (d / "episodes.csv").write_text("episode_id,child_id,reported_at\\n")
    >>> paths = write_quarantine(load(d), d / "out")
    >>> (d / "out" / "quarantine" / "children.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    '2,child_id: duplicate id (every row with this id is quarantined),C1'
    """
    report = source.report if isinstance(source, Dataset) else source
    out = Path(out_dir)
    paths = {"problems": out / "problems.csv"}
    paths.update({name: out / "quarantine" / f"{name}.csv" for name in TABLE_NAMES})
    check_new_files(paths.values(), overwrite=overwrite)

    write_csv(report.problems, paths["problems"], overwrite=True)
    for name in TABLE_NAMES:
        q = report.quarantined.get(name)
        if q is None:
            q = pd.DataFrame(columns=["_row", "_reasons", *_contract_columns(TABLES[name])])
        write_csv(q, paths[name], overwrite=True)
    return paths


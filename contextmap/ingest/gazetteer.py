"""The user's own gazetteer, read offline: postcodes and street names to coordinates.

Three public products are read as they are downloaded, their layout told from the first row
of each file (:func:`detect_layout`), never from its name:

* the **ONS Postcode Directory** (ONSPD): one CSV with a header row; ``pcds`` (or ``pcd``,
  ``pcd2``) the postcode, ``oseast1m`` / ``osnrth1m`` the easting and northing (metres),
  ``osgrdind`` the positional quality (1 best ... 9 no position), ``doterm`` the month a
  postcode was terminated (``YYYYMM``; blank while live). About 2.7 million rows and 1.3 GB:
  it is streamed with pyarrow, reading five columns and keeping only the postcodes asked for.
* **Code-Point Open** (Ordnance Survey): one CSV per postcode area, *without* a header row
  (the names are in ``Doc/Code-Point_Open_Column_Headers.csv``): postcode, positional quality
  indicator (10 best ... 90 no position), eastings, northings, then country, NHS and
  administrative codes, ten columns. Live postcodes only.
* **OS Open Names**: one CSV per 10 km grid square, *without* a header row (the names are in
  ``Doc/OS_Open_Names_Header.csv``), 34 columns: ``NAME1``, ``TYPE``, ``LOCAL_TYPE``
  (``Named Road``, ``Town``, ``Suburban Area``...), ``GEOMETRY_X`` / ``GEOMETRY_Y`` (a point on
  the road or in the place), ``POSTCODE_DISTRICT``, ``POPULATED_PLACE``...

A file that holds a header row is read by its names; the header files themselves, when a glob
picks them up, are recognised and skipped. A file in none of these layouts is an
:class:`~contextmap.InputReadError` naming the file and quoting its first row. Nothing is ever
fetched from a network.
"""

from __future__ import annotations

import csv
import glob
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap._errors import InputNotFoundError, InputReadError, MappingError
from contextmap.ingest.sources import check_inside

__all__ = [
    "Gazetteer",
    "GazetteerFile",
    "detect_layout",
    "gazetteer_from_spec",
    "CODEPOINT_COLUMNS",
    "OPEN_NAMES_COLUMNS",
    "ONSPD_POSTCODE",
    "GAZETTEER_KEYS",
    "postcode_quality",
]

GAZETTEER_KEYS = ("postcodes", "names")
"""Keys of the ``gazetteer:`` entry (manifest or settings): each a file, a glob, or a list of them."""

CODEPOINT_COLUMNS = (
    "Postcode", "Positional_quality_indicator", "Eastings", "Northings", "Country_code", "NHS_regional_HA_code",
    "NHS_HA_code", "Admin_county_code", "Admin_district_code", "Admin_ward_code",
)
"""Code-Point Open's columns, as its header file names them (its data files have no header)."""
_CODEPOINT_SHORT = ("PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC")

OPEN_NAMES_COLUMNS = (
    "ID", "NAMES_URI", "NAME1", "NAME1_LANG", "NAME2", "NAME2_LANG", "TYPE", "LOCAL_TYPE", "GEOMETRY_X",
    "GEOMETRY_Y", "MOST_DETAIL_VIEW_RES", "LEAST_DETAIL_VIEW_RES", "MBR_XMIN", "MBR_YMIN", "MBR_XMAX", "MBR_YMAX",
    "POSTCODE_DISTRICT", "POSTCODE_DISTRICT_URI", "POPULATED_PLACE", "POPULATED_PLACE_URI", "POPULATED_PLACE_TYPE",
    "DISTRICT_BOROUGH", "DISTRICT_BOROUGH_URI", "DISTRICT_BOROUGH_TYPE", "COUNTY_UNITARY", "COUNTY_UNITARY_URI",
    "COUNTY_UNITARY_TYPE", "REGION", "REGION_URI", "COUNTRY", "COUNTRY_URI", "RELATED_SPATIAL_OBJECT",
    "SAME_AS_DBPEDIA", "SAME_AS_GEONAMES",
)
"""OS Open Names' 34 columns, as its header file names them (its data files have no header)."""
_OPEN_NAMES_TYPES = {"populatedPlace", "transportNetwork", "landform", "hydrography", "landcover", "other"}

ONSPD_POSTCODE = ("pcds", "pcd", "pcd2", "pcd7", "pcd8")
"""ONSPD postcode columns, in the order they are preferred."""
_ONSPD_EAST = ("oseast1m", "east1m")
_ONSPD_NORTH = ("osnrth1m", "north1m", "nrth1m")
_ONSPD_QUALITY = ("osgrdind", "gridind")
_ONSPD_TERM = ("doterm",)
_POSTCODE_CELL = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$")
_BLOCK = 4 << 20  # bytes per batch: the full ONSPD streams in about 200 MB of memory


@dataclass(frozen=True)
class GazetteerFile:
    """One gazetteer file and its layout: ``'onspd'``, ``'codepoint'``, ``'open_names'`` or
    ``'header'`` (a product's header file: skipped)."""

    path: Path
    layout: str
    header: bool
    columns: tuple[str, ...]


def _first_row(path: Path) -> tuple[list[str], bool]:
    """The first row's cells, and whether any row follows it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise InputReadError(f"gazetteer file {str(path)!r} cannot be read: {exc}") from None
    if b"\x00" in head:
        raise InputReadError(f"gazetteer file {str(path)!r} is not a CSV file (it holds binary data)")
    lines = [ln for ln in head.decode("utf-8-sig", errors="replace").splitlines() if ln.strip()]
    if not lines:
        return [], False
    return next(csv.reader(io.StringIO(lines[0])), []), len(lines) > 1


def _pick(names: dict[str, str], options: tuple[str, ...]) -> str | None:
    return next((names[o] for o in options if o in names), None)


def detect_layout(path: str | Path) -> GazetteerFile:
    """Tell a gazetteer file's layout from its first row.

    Raises
    ------
    InputReadError
        If the file is in none of the layouts (the message quotes its first row).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ny.csv").write_text('"EL1 2AB",10,340270,555480,"E92000001","E19000001","E18000002","","E07000028","E05001234"\\n')
    >>> detect_layout(d / "ny.csv").layout
    'codepoint'
    """
    p = Path(path)
    row, more = _first_row(p)
    cells = [c.strip() for c in row]
    lower = {c.lower(): c for c in cells}
    if _pick(lower, ONSPD_POSTCODE) and _pick(lower, _ONSPD_EAST) and _pick(lower, _ONSPD_NORTH):
        return GazetteerFile(p, "onspd", True, tuple(cells))
    if tuple(c.upper() for c in cells[:4]) == _CODEPOINT_SHORT[:4]:
        return GazetteerFile(p, "header", True, tuple(cells))
    if [c.lower() for c in cells[:4]] == [c.lower() for c in CODEPOINT_COLUMNS[:4]]:
        return GazetteerFile(p, "codepoint", True, tuple(cells))
    if [c.upper() for c in cells[:3]] == list(OPEN_NAMES_COLUMNS[:3]):
        return GazetteerFile(p, "open_names" if more else "header", True, tuple(cells))
    if (len(cells) == len(CODEPOINT_COLUMNS) and _POSTCODE_CELL.match(cells[0].upper())
            and cells[1] in {"10", "20", "30", "40", "50", "60", "90"}):
        return GazetteerFile(p, "codepoint", False, CODEPOINT_COLUMNS)
    if len(cells) == len(OPEN_NAMES_COLUMNS) and cells[6] in _OPEN_NAMES_TYPES:
        return GazetteerFile(p, "open_names", False, OPEN_NAMES_COLUMNS)
    shown = ",".join(row)[:160]
    raise InputReadError(
        f"gazetteer file {str(p)!r}: expected an ONS Postcode Directory CSV (a header with pcds, oseast1m, osnrth1m), "
        f"a Code-Point Open CSV ({len(CODEPOINT_COLUMNS)} columns: postcode, positional quality, eastings, northings, ...) "
        f"or an OS Open Names CSV ({len(OPEN_NAMES_COLUMNS)} columns: ID, NAMES_URI, NAME1, ...), instead got a first "
        f"row of: {shown!r}")


def postcode_quality(layout: str, code: object, terminated: str = "") -> str:
    """Words for a gazetteer postcode's position (ONSPD ``osgrdind``, Code-Point Open PQI).

    >>> postcode_quality("onspd", "1"), postcode_quality("codepoint", "60")
    ('postcode unit centroid', 'postcode sector mean (approximate)')
    >>> postcode_quality("onspd", "1", "201906")
    'postcode unit centroid (terminated postcode, 2019-06)'
    """
    c = str(code).strip()
    sector = (layout == "onspd" and c == "6") or (layout == "codepoint" and c == "60")
    words = "postcode sector mean (approximate)" if sector else "postcode unit centroid"
    t = str(terminated or "").strip()
    if t:
        words += f" (terminated postcode, {t[:4]}-{t[4:6]})" if len(t) >= 6 and t[:6].isdigit() else " (terminated postcode)"
    return words


def _fold_expr(arr: Any) -> Any:
    import pyarrow.compute as pc

    low = pc.utf8_lower(arr)
    low = pc.replace_substring_regex(low, pattern="['\u2019`]", replacement="")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(low, pattern="[^a-z0-9]+", replacement=" "))


def _stream(f: GazetteerFile, columns: list[str]) -> Iterable[Any]:
    """Record batches of ``columns`` (all as text) of one file."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ro = pacsv.ReadOptions(block_size=_BLOCK, encoding="utf8",
                           **({} if f.header else {"column_names": list(f.columns)}))
    co = pacsv.ConvertOptions(include_columns=columns, column_types={c: pa.string() for c in columns},
                              strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
        reader = pacsv.open_csv(f.path, read_options=ro, convert_options=co,
                                parse_options=pacsv.ParseOptions(newlines_in_values=False))
        yield from reader
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError) as exc:
        raise InputReadError(f"gazetteer file {str(f.path)!r} cannot be read as its layout ({f.layout}): {exc}") from None


def _first_field_in(f: GazetteerFile, value_set: Any) -> pd.DataFrame:
    """The rows whose first field (a postcode, spaces and quotes aside) is in ``value_set``, as
    text on ``f.columns``. Each line is read whole and only its first field looked at (a C++
    regex over the batch), so the 50-odd other columns of the big ONSPD are never split but for
    the few rows kept: several times faster than parsing every column."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    ro = pacsv.ReadOptions(block_size=_BLOCK, encoding="utf8", column_names=["line"], skip_rows=1 if f.header else 0)
    po = pacsv.ParseOptions(delimiter="\x1f", quote_char=False, escape_char=False, newlines_in_values=False)
    co = pacsv.ConvertOptions(column_types={"line": pa.string()})
    kept: list[str] = []
    try:
        for batch in pacsv.open_csv(f.path, read_options=ro, parse_options=po, convert_options=co):
            line = batch.column(0)
            first = pc.struct_field(pc.extract_regex(line, pattern=r'^\s*"?(?P<k>[^",]*)'), [0])
            key = pc.utf8_upper(pc.replace_substring(first, " ", ""))
            mask = pc.is_in(key, value_set=value_set)
            if pc.any(mask).as_py():
                kept += pc.filter(line, mask).to_pylist()
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputReadError(f"gazetteer file {str(f.path)!r} cannot be read as its layout ({f.layout}): {exc}") from None
    rows = [r + [""] * (len(f.columns) - len(r)) for r in csv.reader(kept)]
    return pd.DataFrame([r[:len(f.columns)] for r in rows], columns=list(f.columns), dtype=object)


@dataclass(frozen=True)
class Gazetteer:
    """The user's gazetteer files (see the module docstring); each file's layout is detected.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "onspd.csv").write_text("pcd,pcd2,pcds,dointr,doterm,oseast1m,osnrth1m,osgrdind\\n"
    ...     "EL1 2AB,EL1  2AB,EL1 2AB,199001,,340270,555480,1\\n"
    ...     "EL1 9ZZ,EL1  9ZZ,EL1 9ZZ,199001,201906,340900,555100,1\\n")
    >>> g = Gazetteer(postcodes=(d / "onspd.csv",))
    >>> g.postcodes_table(["EL12AB", "EL19ZZ", "XX11XX"])[["easting", "terminated", "quality"]].values.tolist()
    [[340270.0, '', 'postcode unit centroid'], [340900.0, '201906', 'postcode unit centroid (terminated postcode, 2019-06)']]
    """

    postcodes: tuple[Path, ...] = ()
    names: tuple[Path, ...] = ()

    def files(self) -> list[GazetteerFile]:
        """Every file with its layout (header files skipped)."""
        out = [detect_layout(p) for p in (*self.postcodes, *self.names)]
        return [f for f in out if f.layout != "header"]

    def postcodes_table(self, wanted: Iterable[str]) -> pd.DataFrame:
        """The gazetteer's postcodes among ``wanted`` (no spaces, upper case): index the
        postcode, columns ``easting``, ``northing`` (NaN when the gazetteer has no position),
        ``terminated`` (``YYYYMM`` or ``''``), ``quality`` (words), ``file``. A postcode in several
        files keeps a live entry over a terminated one."""
        import pyarrow as pa

        want = sorted({w for w in wanted if w})
        cols = ["easting", "northing", "terminated", "quality", "file"]
        if not want:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="postcode"))
        value_set = pa.array(want)
        parts = []
        for f in self.files():
            if f.layout == "onspd":
                names = {c.lower(): c for c in f.columns}
                pcol, ecol, ncol = _pick(names, ONSPD_POSTCODE), _pick(names, _ONSPD_EAST), _pick(names, _ONSPD_NORTH)
                qcol, tcol = _pick(names, _ONSPD_QUALITY), _pick(names, _ONSPD_TERM)
            elif f.layout == "codepoint":
                pcol, qcol, ecol, ncol, tcol = f.columns[0], f.columns[1], f.columns[2], f.columns[3], None
            else:
                continue
            use = [c for c in (pcol, ecol, ncol, qcol, tcol) if c]
            if f.columns and f.columns[0].lower() in {*ONSPD_POSTCODE, "postcode"}:
                batches = [_first_field_in(f, value_set)]  # the postcode comes first, as the products have it
            else:
                batches = [b.to_pandas() for b in _stream(f, use)]
            for got in batches:
                if not len(got):
                    continue
                key = got[pcol].astype(str).str.replace(" ", "", regex=False).str.upper()
                got = got[key.isin(want).to_numpy()]
                parts.append(pd.DataFrame({
                    "postcode": key[key.isin(want)].tolist(),
                    "easting": pd.to_numeric(got[ecol], errors="coerce"),
                    "northing": pd.to_numeric(got[ncol], errors="coerce"),
                    "terminated": got[tcol].str.strip() if tcol else "",
                    "code": got[qcol] if qcol else "",
                    "layout": f.layout,
                    "file": f.path.name,
                }))
        if not parts:
            return pd.DataFrame(columns=cols, index=pd.Index([], name="postcode"))
        df = pd.concat(parts, ignore_index=True)
        nopos = df["code"].astype(str).str.strip().isin(["9", "90"])
        df.loc[nopos, ["easting", "northing"]] = float("nan")
        df["quality"] = [postcode_quality(lay, c, t) for lay, c, t in
                         zip(df["layout"], df["code"], df["terminated"], strict=True)]
        df["_ended"] = df["terminated"].ne("")
        df = df.sort_values(["postcode", "_ended"], kind="stable").drop_duplicates("postcode")
        return df.set_index("postcode")[cols]

    def names_table(self, wanted: Iterable[str]) -> pd.DataFrame:
        """The gazetteer's named roads and places among ``wanted`` (folded names: lower case,
        apostrophes dropped, other punctuation a space). Columns ``key`` (the folded name),
        ``name``, ``type``, ``local_type``, ``easting``, ``northing``, ``postcode_district``,
        ``populated_place``, ``district_borough``, ``file``."""
        import pyarrow as pa
        import pyarrow.compute as pc

        want = sorted({w for w in wanted if w})
        cols = ["key", "name", "type", "local_type", "easting", "northing", "postcode_district", "populated_place",
                "district_borough", "file"]
        if not want:
            return pd.DataFrame(columns=cols)
        value_set = pa.array(want)
        parts = []
        for f in self.files():
            if f.layout != "open_names":
                continue
            names = {c.upper(): c for c in f.columns}
            use = [names[c] for c in ("NAME1", "NAME2", "TYPE", "LOCAL_TYPE", "GEOMETRY_X", "GEOMETRY_Y",
                                      "POSTCODE_DISTRICT", "POPULATED_PLACE", "DISTRICT_BOROUGH") if c in names]
            for batch in _stream(f, use):
                for which in ("NAME1", "NAME2"):
                    if which not in names:
                        continue
                    key = _fold_expr(batch.column(names[which]))
                    mask = pc.is_in(key, value_set=value_set)
                    if not pc.any(mask).as_py():
                        continue
                    got = batch.filter(mask).to_pandas()
                    parts.append(pd.DataFrame({
                        "key": pc.filter(key, mask).to_pylist(),
                        "name": got[names[which]],
                        "type": got[names["TYPE"]],
                        "local_type": got[names["LOCAL_TYPE"]],
                        "easting": pd.to_numeric(got[names["GEOMETRY_X"]], errors="coerce"),
                        "northing": pd.to_numeric(got[names["GEOMETRY_Y"]], errors="coerce"),
                        "postcode_district": got.get(names.get("POSTCODE_DISTRICT", ""), ""),
                        "populated_place": got.get(names.get("POPULATED_PLACE", ""), ""),
                        "district_borough": got.get(names.get("DISTRICT_BOROUGH", ""), ""),
                        "file": f.path.name,
                    }))
        if not parts:
            return pd.DataFrame(columns=cols)
        return pd.concat(parts, ignore_index=True)[cols].dropna(subset=["easting", "northing"]).reset_index(drop=True)


def _paths(where: str, key: str, value: Any, *, base: Path, inside: Path | None, allow_outside: bool) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
        raise MappingError(f"{where}: gazetteer.{key} must be a file, a glob or a list of them, instead got: {value!r}")
    out: list[Path] = []
    for item in items:
        pattern = item.strip()
        if any(ch in pattern for ch in "*?["):
            hits = sorted(Path(h) for h in glob.glob(str(base / pattern), recursive=True) if Path(h).is_file())
            if not hits:
                raise InputNotFoundError(f"{where}: gazetteer.{key} {pattern!r} matches no file (looked in {str(base)!r})")
        else:
            hits = [base / pattern]
            if not hits[0].is_file():
                raise InputNotFoundError(f"{where}: gazetteer.{key} file {pattern!r} not found (looked for {str(hits[0])!r})")
        for h in hits:
            if inside is not None:
                check_inside(inside, str(h.relative_to(inside)) if h.is_relative_to(inside) else str(h),
                             what=f"{where}: gazetteer.{key}", allow_outside=allow_outside)
            out.append(h)
    return tuple(dict.fromkeys(out))


def gazetteer_from_spec(value: Any, *, base: Path, where: str, inside: Path | None = None,
                        allow_outside: bool = False) -> Gazetteer | None:
    """Build a :class:`Gazetteer` from a manifest's or settings' ``gazetteer:`` entry.

    Parameters
    ----------
    value
        ``{postcodes: FILE-OR-GLOB(S), names: FILE-OR-GLOB(S)}`` (either may be left out).
    base
        Where relative paths and globs are read from.
    where
        Names the entry in errors.
    inside
        A folder every file must lie in (the manifest's), unless ``allow_outside``.

    Raises
    ------
    MappingError
        If the entry is malformed (an unknown key, a value that is not a path).
    InputNotFoundError
        If a file does not exist or a glob matches none.
    InputReadError
        If a file lies outside ``inside``.

    Examples
    --------
    >>> gazetteer_from_spec(None, base=Path("."), where="settings") is None
    True
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise MappingError(f"{where}: gazetteer must be a mapping with {list(GAZETTEER_KEYS)}, instead got: {value!r}")
    unknown = sorted(set(value) - set(GAZETTEER_KEYS))
    if unknown:
        raise MappingError(f"{where}: unknown key gazetteer.{unknown[0]}; expected one of {list(GAZETTEER_KEYS)}")
    got = {k: _paths(where, k, value[k], base=base, inside=inside, allow_outside=allow_outside)
           for k in GAZETTEER_KEYS if value.get(k) is not None}
    if not got:
        return None
    return Gazetteer(postcodes=got.get("postcodes", ()), names=got.get("names", ()))

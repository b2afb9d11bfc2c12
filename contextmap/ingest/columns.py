r"""Column-mapping files: how a local export's names and codes map onto the data contract.

Every council's case-management export looks different. A mapping file (YAML) says, per
table, which file or sheet holds it, which local column is which contract column, and which
local code is which contract code. See ``docs/examples/mapping.yaml`` for a worked example.

.. code-block:: yaml

    grading_scheme: 3x5x2          # or 5x5x5 for older intelligence records
    tables:
      children:
        file: CYP_extract.csv      # a CSV in the dataset folder (or `sheet:` in a workbook)
        columns:                   # local column name: contract column name
          Child Ref: child_id
          CE Risk: ce_risk
        values:                    # contract column: {local code: contract code}
          ce_risk: {Green: low, Amber: medium, Red: high}
        date_formats:              # contract column: strptime format (instead of ISO/UK)
          date_of_birth: "%d %b %Y"
      persons:
        columns:
          name: [Forename, Surname]          # contract column: local columns joined by a space
          date_of_birth: {from: DOB, pattern: '(\d+/\d+/\d{4})'}   # a pattern taken out of a cell
        constants:                 # contract column: one value for every row of this source
          gender: unknown

Unknown keys, unknown tables, unknown contract columns and malformed values raise
:class:`~contextmap.MappingError`; so does a local column name that is not in the input
(checked when the dataset is loaded).

:func:`conform` applies a :class:`TableMapping` to a table as read: it renames, joins and
extracts columns, fills constants and drops (with a warning) every column the contract does
not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from contextmap._errors import InputReadError, MappingError
from contextmap.schema import GRADING_SCHEMES, TABLES, normalise_code
from contextmap.yamlsafe import load_yaml

__all__ = [
    "Mapping", "TableMapping", "ColumnRule", "load_mapping", "conform", "input_columns",
    "GRADING_PART_COLUMNS", "INPUT_COLUMNS", "TABLE_KEYS", "table_mapping",
]

GRADING_PART_COLUMNS = ("source_evaluation", "intelligence_assessment", "handling_code")
"""Links may give the grading as these three columns instead of one ``grading`` column."""

INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "links": GRADING_PART_COLUMNS + ("source_name", "source_dob", "target_name", "target_dob"),
    "locations": ("grid_reference",),
    "episodes": ("found_location",),
    "children": ("home_address", "home_postcode", "home_grid_reference"),
}
"""Columns an input may hold besides the contract's, read into contract columns by ingest:
the grading in three parts; link ends by name (and date of birth) instead of id; an Ordnance
Survey grid reference instead of easting/northing; a found location as text instead of id; a
child's home as an address, postcode or grid reference instead of ``home_location_id``."""

_TOP_KEYS = ("grading_scheme", "tables", "description", "allow_outside")
TABLE_KEYS = ("file", "sheet", "columns", "values", "date_formats", "constants", "boilerplate")
"""Keys of one table's mapping (a mapping file's ``tables.<table>``, or a sources manifest's
source)."""
_TABLE_KEYS = TABLE_KEYS


def input_columns(table: str) -> tuple[str, ...]:
    """The contract columns of ``table`` plus the :data:`INPUT_COLUMNS` ingest also reads.

    Examples
    --------
    >>> input_columns("locations")[-2:]
    ('postcode', 'grid_reference')
    """
    return TABLES[table].column_names + INPUT_COLUMNS.get(table, ())


@dataclass(frozen=True)
class ColumnRule:
    r"""A contract column made from local columns: ``sources`` joined by ``sep`` (blank parts
    left out), then, with a ``pattern``, its first group (or whole match) taken out.

    Examples
    --------
    >>> r = ColumnRule(("Grading",), pattern=re.compile(r"3x5x2 code (\w+ ?\w)"))
    >>> r.apply(pd.DataFrame({"Grading": ["B2 / 3x5x2 code 1B P", "none given"]}))[0].tolist()
    ['1B P', 'none given']
    """

    sources: tuple[str, ...]
    sep: str = " "
    pattern: re.Pattern[str] | None = None

    def apply(self, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """Return the values and a mask of the cells the pattern did not match (kept whole)."""
        parts = [frame[c].astype(str).str.strip() for c in self.sources]
        out = parts[0]
        for p in parts[1:]:
            both = (out != "") & (p != "")
            out = out + pd.Series(np.where(both, self.sep, ""), index=frame.index) + p
        missed = pd.Series(False, index=frame.index)
        if self.pattern is not None:
            got = out.str.extract(self.pattern, expand=True)
            first = got.iloc[:, 0]
            missed = first.isna() & (out != "")
            out = first.fillna(out).str.strip()
        return out, missed


@dataclass(frozen=True)
class TableMapping:
    """How one contract table is found and renamed in a local export."""

    file: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    """Local column name -> contract column name."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Contract column -> {local code (normalised) -> contract code}."""
    date_formats: dict[str, str] = field(default_factory=dict)
    """Contract column -> strptime format."""
    rules: dict[str, ColumnRule] = field(default_factory=dict)
    """Contract column -> local columns joined, or a pattern taken out of a cell."""
    constants: dict[str, str] = field(default_factory=dict)
    """Contract column -> the value every row of this source takes."""
    boilerplate: tuple[str, ...] = ()
    """Regular expressions for the wording this source writes round a place ("Traced by PC
    1234 at ..."), stripped from its place text before matching (besides the defaults of
    :data:`contextmap.ingest.placetext.DEFAULT_BOILERPLATE`)."""
    where: str = "mapping"
    """Where the mapping was written, for messages: ``mapping``, or a manifest's source
    (``sources manifest 'sources.yaml' sources[1].sheets[3]``)."""

    @property
    def targets(self) -> list[str]:
        """Every contract column this mapping fills."""
        return [*self.columns.values(), *self.rules, *self.constants]


@dataclass(frozen=True)
class Mapping:
    """A parsed column-mapping file. ``Mapping()`` is the identity mapping."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    grading_scheme: str | None = None
    source: Path | None = None
    allow_outside: bool = False
    """A table's ``file:`` may lie outside the dataset folder (``allow_outside: true``)."""

    def table(self, name: str) -> TableMapping:
        """The mapping for table ``name`` (the identity mapping when the file has none)."""
        return self.tables.get(name, TableMapping())

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, *, source: Path | None = None) -> Mapping:
        """Build a mapping from parsed YAML, rejecting anything unknown or malformed.

        Examples
        --------
        >>> m = Mapping.from_dict({"tables": {"children": {"columns": {"Child Ref": "child_id"},
        ...     "values": {"ce_risk": {"Amber": "medium"}}}}})
        >>> m.table("children").columns, m.table("children").values
        ({'Child Ref': 'child_id'}, {'ce_risk': {'amber': 'medium'}})
        """
        where = f"mapping file {str(source)!r}" if source else "mapping"
        data = data or {}
        if not isinstance(data, dict):
            raise MappingError(f"{where} must hold a mapping with a 'tables' key, instead got: {data!r}")
        for key in data:
            if key not in _TOP_KEYS:
                raise MappingError(f"{where}: unknown key {key!r}; expected one of {list(_TOP_KEYS)}")
        scheme = data.get("grading_scheme")
        if scheme is not None:
            scheme = str(scheme).strip().lower()
            if scheme not in GRADING_SCHEMES:
                raise MappingError(
                    f"{where}: grading_scheme must be one of {list(GRADING_SCHEMES)}, instead got: {data['grading_scheme']!r}"
                )
        allow = data.get("allow_outside", False)
        if not isinstance(allow, bool):
            raise MappingError(f"{where}: allow_outside must be true or false, instead got: {allow!r}")
        raw_tables = data.get("tables") or {}
        if not isinstance(raw_tables, dict):
            raise MappingError(f"{where}: 'tables' must map table names to settings, instead got: {raw_tables!r}")
        tables: dict[str, TableMapping] = {}
        for name, spec in raw_tables.items():
            if name not in TABLES:
                raise MappingError(f"{where}: unknown table {name!r}; expected one of {list(TABLES)}")
            tables[name] = _table(where, name, spec)
        return cls(tables=tables, grading_scheme=scheme, source=source, allow_outside=allow)


def _str_map(where: str, what: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MappingError(f"{where}: {what} must be a mapping, instead got: {value!r}")
    out = {}
    for k, v in value.items():
        if k is None or v is None or isinstance(k, (dict, list)) or isinstance(v, (dict, list)):
            raise MappingError(f"{where}: {what} entries must be 'name: name', instead got: {k!r}: {v!r}")
        out[str(k)] = str(v)
    return out


def _rule(where: str, what: str, target: str, value: Any) -> ColumnRule:
    """``[A, B]`` (join) or ``{from: A or [A, B], sep: ' ', pattern: regex}``."""
    if isinstance(value, list):
        value = {"from": value}
    if not isinstance(value, dict):
        raise MappingError(f"{where}: {what}.{target} must be a column name, a list of columns or "
                           f"{{from: ..., pattern: ...}}, instead got: {value!r}")
    unknown = sorted(set(value) - {"from", "sep", "pattern"})
    if unknown:
        raise MappingError(f"{where}: unknown key {what}.{target}.{unknown[0]}; expected from, sep, pattern")
    src = value.get("from")
    src = [src] if isinstance(src, str) else src
    if not isinstance(src, list) or not src or not all(isinstance(c, (str, int)) for c in src):
        raise MappingError(f"{where}: {what}.{target}.from must name one or more local columns, instead got: {value.get('from')!r}")
    sep = value.get("sep", " ")
    if not isinstance(sep, str):
        raise MappingError(f"{where}: {what}.{target}.sep must be text, instead got: {sep!r}")
    pattern = None
    if "pattern" in value:
        try:
            pattern = re.compile(str(value["pattern"]))
        except re.error as exc:
            raise MappingError(f"{where}: {what}.{target}.pattern is not a regular expression ({exc}): {value['pattern']!r}") from None
        if pattern.groups == 0:
            pattern = re.compile(f"({pattern.pattern})")
    return ColumnRule(tuple(str(c).strip() for c in src), sep=sep, pattern=pattern)


def table_mapping(where: str, name: str, spec: Any, *, keys: tuple[str, ...] = TABLE_KEYS) -> TableMapping:
    """Check and build one table's mapping from parsed YAML (``where`` names it in errors).

    Examples
    --------
    >>> tm = table_mapping("mapping", "persons", {"columns": {"Ref": "person_id",
    ...     "name": ["Forename", "Surname"]}, "constants": {"gender": "male"}})
    >>> tm.columns, tm.rules["name"].sources, tm.constants
    ({'Ref': 'person_id'}, ('Forename', 'Surname'), {'gender': 'male'})
    """
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: tables.{name} must be a mapping, instead got: {spec!r}")
    for key in spec:
        if key not in keys:
            raise MappingError(f"{where}: unknown key tables.{name}.{key}; expected one of {list(keys)}")
    contract = input_columns(name)
    raw_columns = spec.get("columns", {}) or {}
    if not isinstance(raw_columns, dict):
        raise MappingError(f"{where}: tables.{name}.columns must be a mapping, instead got: {raw_columns!r}")
    columns: dict[str, str] = {}
    rules: dict[str, ColumnRule] = {}
    for k, v in raw_columns.items():
        if k is None or isinstance(k, (dict, list)):
            raise MappingError(f"{where}: tables.{name}.columns entries must be 'name: name', instead got: {k!r}: {v!r}")
        if isinstance(v, (list, dict)):
            target = str(k).strip()
            if target not in contract:
                raise MappingError(
                    f"{where}: tables.{name}.columns builds {target!r} from {v!r}, but {target!r} is not a "
                    f"column of {name}; expected one of {list(contract)}"
                )
            rules[target] = _rule(where, f"tables.{name}.columns", target, v)
            continue
        if v is None:
            raise MappingError(f"{where}: tables.{name}.columns entries must be 'name: name', instead got: {k!r}: {v!r}")
        local, target = str(k).strip(), str(v).strip()
        if target not in contract:
            raise MappingError(
                f"{where}: tables.{name}.columns maps {local!r} to {target!r}, which is not a column of "
                f"{name}; expected one of {list(contract)}"
            )
        columns[local] = target
    constants = {k.strip(): v for k, v in _str_map(where, f"tables.{name}.constants", spec.get("constants", {}) or {}).items()}
    for column in constants:
        if column not in contract:
            raise MappingError(
                f"{where}: tables.{name}.constants names {column!r}, which is not a column of {name}; "
                f"expected one of {list(contract)}"
            )
    targets = [*columns.values(), *rules, *constants]
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    if dupes:
        locals_ = {t: [k for k, v in columns.items() if v == t] for t in dupes}
        hint = "; ".join(f"{t}: [{', '.join(ls)}]" for t, ls in locals_.items() if len(ls) > 1)
        raise MappingError(
            f"{where}: tables.{name}.columns maps several local columns onto {dupes!r}"
            + (f"; to read them as one (a row fills one of them, or both joined with a space), write {hint}"
               if hint else ""))
    values: dict[str, dict[str, str]] = {}
    raw_values = spec.get("values", {}) or {}
    if not isinstance(raw_values, dict):
        raise MappingError(f"{where}: tables.{name}.values must be a mapping, instead got: {raw_values!r}")
    for column, codes in raw_values.items():
        if column not in contract:
            raise MappingError(
                f"{where}: tables.{name}.values names {column!r}, which is not a column of {name}; "
                f"expected one of {list(contract)}"
            )
        values[column] = {normalise_code(k): v.strip() for k, v in _str_map(where, f"tables.{name}.values.{column}", codes).items()}
    formats = _str_map(where, f"tables.{name}.date_formats", spec.get("date_formats", {}) or {})
    for column in formats:
        kind = TABLES[name].column(column).kind if column in TABLES[name].column_names else None
        if kind not in ("date", "datetime"):
            raise MappingError(f"{where}: tables.{name}.date_formats names {column!r}, which is not a date column of {name}")
    for key in ("file", "sheet"):
        if key in spec and not isinstance(spec[key], str):
            raise MappingError(f"{where}: tables.{name}.{key} must be a name, instead got: {spec[key]!r}")
    return TableMapping(file=spec.get("file"), sheet=spec.get("sheet"), columns=columns, values=values,
                        date_formats=formats, rules=rules, constants=constants,
                        boilerplate=_boilerplate(where, f"tables.{name}.boilerplate", spec.get("boilerplate")),
                        where=where)


def _boilerplate(where: str, what: str, value: Any) -> tuple[str, ...]:
    """A source's place-text boilerplate: one regular expression or a list of them."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        raise MappingError(f"{where}: {what} must be a regular expression or a list of them, instead got: {value!r}")
    for x in items:
        try:
            re.compile(x)
        except re.error as exc:
            raise MappingError(f"{where}: {what} is not a regular expression ({exc}): {x!r}") from None
    return tuple(x.strip() for x in items)


def _table(where: str, name: str, spec: Any) -> TableMapping:
    return table_mapping(where, name, spec or {})


def load_mapping(path: str | Path) -> Mapping:
    """Read a column-mapping YAML file.

    Parameters
    ----------
    path
        The YAML file (see the module docstring and ``docs/examples/mapping.yaml``).

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    MappingError
        If the file is not YAML or holds an unknown key, table or column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.yaml"
    >>> _ = p.write_text("grading_scheme: 5x5x5\\ntables:\\n  links:\\n    file: intel.csv\\n")
    >>> m = load_mapping(p)
    >>> m.grading_scheme, m.table("links").file
    ('5x5x5', 'intel.csv')
    """
    p = Path(path)
    data = load_yaml(p, what="mapping file", error=MappingError)
    return Mapping.from_dict(data, source=p)


@dataclass
class Conformed:
    """A table as read, on contract names (see :func:`conform`).

    Attributes
    ----------
    frame
        Every column of :func:`input_columns` as text (blank where the input has none).
    present
        The contract columns the input really gave (its own, mapped, built or constant).
    dropped
        ``{header: column position}`` of the columns dropped as outside the contract.
    constants
        The columns filled from the mapping's ``constants``.
    unmatched
        Per built column, the rows whose cell did not match the mapping's pattern.
    """

    frame: pd.DataFrame
    present: list[str]
    dropped: dict[str, int]
    constants: list[str]
    unmatched: dict[str, pd.Series]


def _find_column(local: str, exact: dict[str, int], folded: dict[str, int]) -> int | None:
    return exact.get(local, folded.get(local.casefold()))


def conform(table: str, label: str, header: list[str], body: pd.DataFrame, tm: TableMapping) -> Conformed:
    """Rename, join and extract columns onto the contract; fill constants; drop the rest.

    Parameters
    ----------
    table
        The contract table.
    label
        The file (or ``workbook[sheet]``) the table came from, for messages.
    header, body
        The header row and the records as text, one column per header position.
    tm
        The table's mapping.

    Raises
    ------
    MappingError
        If the mapping names a column the input does not have.
    InputReadError
        If several columns land on one contract column, or a required column is missing.

    Examples
    --------
    >>> body = pd.DataFrame({0: ["7"], 1: ["Ada"], 2: ["Brindle"], 3: ["x"]})
    >>> tm = table_mapping("m", "children", {"columns": {"Ref": "child_id", "name": ["First", "Last"]}})
    >>> c = conform("children", "kids.csv", ["Ref", "First", "Last", "Notes"], body, tm)
    >>> c.frame.loc[0, ["child_id", "name"]].tolist(), c.dropped
    (['7', 'Ada Brindle'], {'Notes': 3})
    """
    header = [str(h).strip() for h in header]
    t = TABLES[table]
    contract = input_columns(table)
    exact = {h: i for i, h in reversed(list(enumerate(header)))}
    folded = {h.casefold(): i for i, h in reversed(list(enumerate(header)))}
    rename: dict[int, str] = {}
    used: set[int] = set()
    for local, target in tm.columns.items():
        i = _find_column(local, exact, folded)
        if i is None:
            raise MappingError(
                f"{tm.where}: tables.{table}.columns names {local!r}, which is not a column of {label}; "
                f"its columns are {header}"
            )
        rename[i] = target
    rule_cols: dict[str, list[int]] = {}
    for target, rule in tm.rules.items():
        idx = []
        for local in rule.sources:
            i = _find_column(local, exact, folded)
            if i is None:
                raise MappingError(
                    f"{tm.where}: tables.{table}.columns builds {target!r} from {local!r}, which is not a "
                    f"column of {label}; its columns are {header}"
                )
            idx.append(i)
        rule_cols[target] = idx
        used.update(idx)
    dropped: dict[str, int] = {}
    taken = set(tm.targets)
    for i, h in enumerate(header):
        if i in rename or i in used:
            continue
        code = normalise_code(h)
        if code in contract and code not in taken:
            rename[i] = code
        elif h or body[i].str.strip().ne("").any():
            dropped[h or f"(column {i + 1}, no header)"] = i
    targets = list(rename.values()) + list(tm.rules)
    twice = sorted({c for c in targets if targets.count(c) > 1})
    if twice:
        raise InputReadError(f"{label}: several columns map onto {twice}; keep one of each (columns: {header})")
    given = set(targets) | set(tm.constants)
    missing = [c for c in t.required if c not in given and not _by_name(table, c, given)]
    if missing:
        raise InputReadError(
            f"{label} has no column {missing[0]!r}, which the {table} table requires; its columns are "
            f"{header}. Rename the column, or map it in a mapping file (--mapping) or sources manifest."
        )
    frame = body[list(rename)].set_axis(list(rename.values()), axis=1)
    unmatched: dict[str, pd.Series] = {}
    for target, rule in tm.rules.items():
        part = body[rule_cols[target]].set_axis(list(rule.sources), axis=1)
        frame[target], unmatched[target] = rule.apply(part)
    for column, value in tm.constants.items():
        if column in frame:
            frame[column] = frame[column].where(frame[column].str.strip() != "", value)
        else:
            frame[column] = value
    present = [c for c in contract if c in frame]
    for c in contract:
        if c not in frame:
            frame[c] = ""
    return Conformed(frame[list(contract)].astype(str), present, dropped, list(tm.constants), unmatched)


def _by_name(table: str, column: str, given: set[str]) -> bool:
    """A link end may be given by name instead of id."""
    return table == "links" and column in ("source_id", "target_id") and f"{column[:-3]}_name" in given

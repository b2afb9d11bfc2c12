"""Column-mapping files: how a local export's names and codes map onto the data contract.

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

Unknown keys, unknown tables, unknown contract columns and malformed values raise
:class:`~contextmap.MappingError`; so does a local column name that is not in the input
(checked when the dataset is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contextmap._errors import InputNotFoundError, MappingError
from contextmap.schema import GRADING_SCHEMES, TABLES, normalise_code

__all__ = ["Mapping", "TableMapping", "load_mapping", "GRADING_PART_COLUMNS"]

GRADING_PART_COLUMNS = ("source_evaluation", "intelligence_assessment", "handling_code")
"""Links may give the grading as these three columns instead of one ``grading`` column."""

_TOP_KEYS = ("grading_scheme", "tables", "description")
_TABLE_KEYS = ("file", "sheet", "columns", "values", "date_formats")


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


@dataclass(frozen=True)
class Mapping:
    """A parsed column-mapping file. ``Mapping()`` is the identity mapping."""

    tables: dict[str, TableMapping] = field(default_factory=dict)
    grading_scheme: str | None = None
    source: Path | None = None

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
        raw_tables = data.get("tables") or {}
        if not isinstance(raw_tables, dict):
            raise MappingError(f"{where}: 'tables' must map table names to settings, instead got: {raw_tables!r}")
        tables: dict[str, TableMapping] = {}
        for name, spec in raw_tables.items():
            if name not in TABLES:
                raise MappingError(f"{where}: unknown table {name!r}; expected one of {list(TABLES)}")
            tables[name] = _table(where, name, spec or {})
        return cls(tables=tables, grading_scheme=scheme, source=source)


def _contract_columns(table: str) -> tuple[str, ...]:
    names = TABLES[table].column_names
    return names + GRADING_PART_COLUMNS if table == "links" else names


def _str_map(where: str, what: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MappingError(f"{where}: {what} must be a mapping, instead got: {value!r}")
    out = {}
    for k, v in value.items():
        if k is None or v is None or isinstance(k, (dict, list)) or isinstance(v, (dict, list)):
            raise MappingError(f"{where}: {what} entries must be 'name: name', instead got: {k!r}: {v!r}")
        out[str(k)] = str(v)
    return out


def _table(where: str, name: str, spec: Any) -> TableMapping:
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: tables.{name} must be a mapping, instead got: {spec!r}")
    for key in spec:
        if key not in _TABLE_KEYS:
            raise MappingError(f"{where}: unknown key tables.{name}.{key}; expected one of {list(_TABLE_KEYS)}")
    contract = _contract_columns(name)
    columns = {k.strip(): v.strip() for k, v in _str_map(where, f"tables.{name}.columns", spec.get("columns", {})).items()}
    for local, target in columns.items():
        if target not in contract:
            raise MappingError(
                f"{where}: tables.{name}.columns maps {local!r} to {target!r}, which is not a column of "
                f"{name}; expected one of {list(contract)}"
            )
    targets = list(columns.values())
    dupes = sorted({t for t in targets if targets.count(t) > 1})
    if dupes:
        raise MappingError(f"{where}: tables.{name}.columns maps several local columns onto {dupes!r}")
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
    return TableMapping(file=spec.get("file"), sheet=spec.get("sheet"), columns=columns, values=values, date_formats=formats)


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
    if not p.is_file():
        raise InputNotFoundError(f"mapping file not found: {str(p)!r}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"mapping file {str(p)!r} is not valid YAML: {exc}") from None
    return Mapping.from_dict(data, source=p)

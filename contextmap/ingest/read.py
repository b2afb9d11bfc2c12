"""Load a dataset: find its sources, read them, map their columns, check every row, report.

:func:`load` is the one entry point. It reads a folder of CSV files, one ``.xlsx`` workbook
or a sources manifest (:mod:`.manifest`: several files and sheets per table, from several
agencies, each in its own column names), and returns a :class:`~contextmap.Dataset` of
accepted rows plus a :class:`~contextmap.ValidationReport` of everything found, in one pass.
The steps, each in its own module:

1. :mod:`.sources`: which files and sheets hold which table; read each as text.
2. :mod:`.columns`: map each source's columns onto the contract (rename, join, extract,
   constants); unknown columns dropped with a warning.
3. here: stack each table's sources (provenance: file, sheet, row, agency per row); skip
   blank rows; merge exact duplicate rows (kept once, with a warning).
4. :mod:`.checks`: parse every cell by kind and check every row and reference; link ends
   and found locations given by name are matched (:mod:`.names`), RHI "who were you with"
   text is split (:mod:`.mentions`).
5. :mod:`.quarantine`: accepted and quarantined rows; ``read = accepted + quarantined +
   duplicates`` asserted for every table.

Rules for users are in ``docs/data-contract.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from contextmap._errors import ConfigError, InputNotFoundError, MappingError
from contextmap._gc import gc_paused
from contextmap.arrays import SPACE
from contextmap.dataset import PROBLEM_COLUMNS, Dataset, ValidationReport
from contextmap.dates import parse_date_option, parse_dates
from contextmap.ingest.checks import (
    AreaCheck,
    TableChecker,
    check_references,
    cross_entity_duplicates,
    relation_kinds,
    status,
)
from contextmap.ingest.columns import Mapping, TableMapping, conform, input_columns, load_mapping
from contextmap.ingest.coordinates import GB_NI_BOUNDS
from contextmap.ingest.gazetteer import Gazetteer, gazetteer_from_spec
from contextmap.ingest.geocode import locate_places
from contextmap.ingest.manifest import is_manifest, load_manifest
from contextmap.ingest.names import NameIndex, fold_name, person_name_key, resolve_names
from contextmap.ingest.placematch import PlaceIndex, match_place_texts
from contextmap.ingest.placetext import NON_PLACE_KINDS, compile_boilerplate, text_kind
from contextmap.ingest.quarantine import Problems, split_rows, write_quarantine
from contextmap.ingest.sources import REQUIRED_TABLES, RawTable, dataset_sources, read_sources
from contextmap.schema import (
    ENTITY_KIND,
    ENTITY_TABLES,
    GRADING_SCHEMES,
    PLACE_RELATIONS,
    TABLE_NAMES,
    TABLES,
    normalise_code,
    parse_grading,
)

__all__ = ["load", "write_quarantine", "REQUIRED_TABLES", "GB_NI_BOUNDS", "locations_to_gdf"]

_VALIDATION_ORDER = ("locations", "persons", "children", "episodes", "links")
_Progress = Callable[[str], None]
_PROV_COLUMNS = ("file", "sheet", "row", "agency")


def _blank_rows(body: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is blank (narrowed column by column: usually one pass)."""
    blank = pd.Series(True, index=body.index)
    for c in body.columns:
        idx = blank.index[blank.to_numpy()]
        if not len(idx):
            break
        blank.loc[idx] = (body.loc[idx, c].astype(str).str.strip() == "").to_numpy()
    return blank


@dataclass
class _Stacked:
    """One table's sources stacked: text on contract names, provenance, per-row mapping."""

    raw: pd.DataFrame
    provenance: pd.DataFrame
    source_of: pd.Series
    mappings: list[TableMapping]
    present: list[str]
    read: int
    duplicates: int
    unknown_only: pd.Series
    unknown_text: pd.Series
    agency: pd.Series
    row_errors: list[tuple[pd.Index, str, pd.Series, str]]
    """Rows reading found broken (a stray quote...): positions, column header, values, reason."""


def _already_valid(table: str, column: str, cells: pd.Series, tm: TableMapping, scheme: str) -> pd.Series:
    """Cells a mapping's pattern did not match that are already a valid value of ``column``
    (a grading written ``1B P`` where the pattern looks for ``3x5x2 code 1B P``): used whole
    without a warning. Text columns cannot tell, so they are always reported."""
    try:
        col = TABLES[table].column(column)
    except KeyError:
        return pd.Series(False, index=cells.index)
    uniq = pd.Series(cells.str.strip().unique(), dtype=object)
    mapped = tm.values.get(column, {})
    if col.kind == "grading":
        def ok(v: str) -> bool:
            try:
                parse_grading(mapped.get(normalise_code(v), v), scheme=scheme)
            except ValueError:
                return False
            return True
        good = {v for v in uniq if ok(v)}
    elif col.kind == "enum":
        good = {v for v in uniq if normalise_code(v) in col.values or normalise_code(v) in mapped}
    elif col.kind in ("date", "datetime"):
        _, why = parse_dates(uniq, kind=col.kind, date_format=tm.date_formats.get(column))
        good = set(uniq[why.isna().to_numpy()])
    elif col.kind == "float":
        good = set(uniq[pd.to_numeric(uniq, errors="coerce").notna().to_numpy()])
    else:
        return pd.Series(False, index=cells.index)
    return cells.str.strip().isin(good)


def _stack(name: str, parts: list[RawTable], P: Problems, scheme: str) -> _Stacked:
    cols = list(input_columns(name))
    frames, provs, unknown, unknown_text, unmatched = [], [], [], [], []
    present: list[str] = []
    mappings: list[TableMapping] = []
    cell_notes: list[tuple[str, int | None, str, str, str]] = []
    broken: list[tuple[int, int, str, str, str]] = []
    for k, r in enumerate(parts):
        c = conform(name, r.label, r.header, r.body, r.source.mapping)
        mappings.append(r.source.mapping)
        for h in c.dropped:
            P.note(name, r.label, h, "", "unknown column dropped (not in the data contract)")
        blank_all = _blank_rows(r.body)
        own = [x for x in c.frame.columns if x not in c.constants]
        blank_contract = _blank_rows(c.frame[own]) if own else pd.Series(True, index=c.frame.index)
        if blank_all.any():
            P.note(name, r.label, "", str(int(blank_all.sum())), "blank rows skipped (not counted as read)")
        keep = ~blank_all.to_numpy()
        frame = c.frame[keep]
        u = (blank_contract & ~blank_all)[keep]
        if u.any() and c.dropped:
            dropped = r.body.loc[u[u].index, list(c.dropped.values())].astype(str)
            dropped.columns = list(c.dropped)
            text = dropped.apply(lambda row: "; ".join(f"{h}: {v.strip()}" for h, v in row.items() if v.strip()), axis=1)
        else:
            text = pd.Series("", index=u[u].index, dtype=str)
        unknown.append(u.to_numpy())
        unknown_text.append(text.reindex(frame.index, fill_value="").to_numpy())
        unmatched.append({t: m[keep].to_numpy() for t, m in c.unmatched.items()})
        present += [x for x in c.present if x not in present]
        provs.append(pd.DataFrame({
            "file": r.label, "sheet": r.sheet, "row": frame.index.to_numpy(), "agency": r.source.agency,
            "_source": k,
        }))
        frames.append(frame)
        cell_notes += [(r.label, *n) for n in r.cell_notes]
        broken += [(k, *e) for e in r.row_errors]
    if frames:
        raw = pd.concat(frames, ignore_index=True)
        prov = pd.concat(provs, ignore_index=True)
    else:
        raw = pd.DataFrame({c: pd.Series(dtype=str) for c in cols})
        prov = pd.DataFrame({c: pd.Series(dtype=object) for c in (*_PROV_COLUMNS, "_source")})
        present = list(cols)
        mappings = [TableMapping()]
    raw = raw[cols].astype(str)
    prov["row"] = prov["row"].astype("int64")
    P.register(name, prov["file"].astype(str), prov["row"])
    for label, row, column, value, reason in cell_notes:
        P.cell(name, label, row, column, value, reason)
    unknown_only = pd.Series(np.concatenate(unknown) if unknown else np.array([], bool), index=raw.index, dtype=bool)
    utext = pd.Series(np.concatenate(unknown_text) if unknown_text else np.array([], object), index=raw.index, dtype=object)
    for k, um in enumerate(unmatched):
        for target, m in um.items():
            if not m.any():
                continue
            mask = pd.Series(False, index=raw.index)
            mask[prov.index[(prov["_source"] == k).to_numpy()][m]] = True
            mask &= ~_already_valid(name, target, raw[target], mappings[k], scheme)
            P.add(name, mask, target, raw[target],
                  "the mapping's pattern does not match this cell: the whole cell is used", "warning")
    row_errors: list[tuple[pd.Index, str, pd.Series, str]] = []
    if broken:
        at = dict(zip(zip(prov["_source"].tolist(), prov["row"].tolist(), strict=True), prov.index, strict=True))
        groups: dict[tuple[str, str], dict[int, str]] = {}
        for k, row, column, value, reason in broken:
            if (k, row) in at:
                groups.setdefault((column, reason), {})[at[(k, row)]] = value
        for (column, reason), values in groups.items():
            pos = pd.Index(list(values))
            row_errors.append((pos, column, pd.Series(list(values.values()), index=pos, dtype=object), reason))
    # exact copies of an earlier row: kept once
    read = len(raw)
    dup = _exact_copies(raw, TABLES[name].key) & ~unknown_only
    if dup.any():
        key = TABLES[name].key
        P.add(name, dup, key, raw[key], "exact copy of an earlier row (every column the same): kept once", "warning")
        raw, prov, unknown_only, utext = raw[~dup], prov[~dup], unknown_only[~dup], utext[~dup]
    agency = prov["agency"].astype(object).where(prov["agency"].notna(), None)
    return _Stacked(raw, prov, prov["_source"].astype(int), mappings, present, read, int(dup.sum()),
                    unknown_only, utext, agency, row_errors)


def _exact_copies(raw: pd.DataFrame, key: str) -> pd.Series:
    """Whether each row repeats an earlier row cell for cell (spaces around a value ignored).

    Only rows whose ``key`` cell (else the first column's) is another row's too can be copies:
    the others are never compared (at 100,000 episodes stripping and comparing every cell of
    every row took 0.7 s to find that no link repeats another).

    >>> raw = pd.DataFrame({"id": ["a", "b ", "b", "c"], "x": ["1", "2", " 2", "3"]})
    >>> _exact_copies(raw, "id").tolist()
    [False, False, True, False]
    """
    out = np.zeros(len(raw), dtype=bool)
    if len(raw) < 2 or not len(raw.columns):
        return pd.Series(out, index=raw.index)
    first = raw[key] if key in raw.columns else raw.iloc[:, 0]
    # DataFrame.duplicated factorizes each column: a third of hashing every cell of Arrow strings
    shared = first.str.strip().duplicated(keep=False).to_numpy(dtype=bool)
    if shared.any():
        out[shared] = raw[shared].apply(lambda s: s.str.strip()).duplicated(keep="first").to_numpy(dtype=bool)
    return pd.Series(out, index=raw.index)


def _area(settings: Any) -> AreaCheck:
    if settings is None:
        return AreaCheck()
    from contextmap.settings import Settings, load_settings

    cfg = settings if isinstance(settings, Settings) else load_settings(settings)
    ing = cfg.ingest
    return AreaCheck(ing.area_bounds, buffer_km=ing.area_buffer_km, outlier_km=ing.outlier_km)


def _gazetteer(settings: Any, own: Gazetteer | None) -> Gazetteer | None:
    """The manifest's gazetteer, each key it leaves out taken from the settings'."""
    cfg = None
    if settings is not None:
        from contextmap.settings import Settings, load_settings

        cfg = settings if isinstance(settings, Settings) else load_settings(settings)
    spec = {k: list(v) for k, v in (("postcodes", cfg.gazetteer.postcodes), ("names", cfg.gazetteer.names)) if v} if cfg else {}
    base = gazetteer_from_spec(spec or None, base=Path.cwd(), where="settings")
    if own is None or base is None:
        return own or base
    return Gazetteer(postcodes=own.postcodes or base.postcodes, names=own.names or base.names)


class _Places:
    """The places known so far (built when first needed) and each source's boilerplate."""

    def __init__(self, checkers: dict[str, TableChecker]) -> None:
        self.checkers = checkers
        self._index: PlaceIndex | None = None

    @property
    def index(self) -> PlaceIndex:
        if self._index is None:
            self._index = PlaceIndex.build(_accepted(self.checkers["locations"]))
        return self._index

    @staticmethod
    def patterns(ch: TableChecker, rows: pd.Series) -> pd.Series:
        """Per row, the compiled boilerplate of its source."""
        comp = [compile_boilerplate(tm.boilerplate) for tm in ch.tms]
        return ch.source_of[rows].map(dict(enumerate(comp))).astype(object)

    def fill(self, ch: TableChecker, column: str, names: str, rows: pd.Series, made: dict[str, list[pd.DataFrame]],
             prov: pd.DataFrame, *, strict: bool = False, category: str | None = None,
             postcodes: pd.Series | None = None, grid: pd.Series | None = None) -> Any:
        """Fill ``column`` from the place text in ``names`` on ``rows``; warn on texts that
        became provisional places; return the match (non-places are left blank)."""
        text = ch.text[names]
        res = match_place_texts(text[rows], index=self.index, patterns=self.patterns(ch, rows), strict=strict,
                                category=category, postcodes=None if postcodes is None else postcodes[rows],
                                grid=None if grid is None else grid[rows])
        ch.text[column] = ch.text[column].mask(rows & (res.ids.reindex(text.index, fill_value="") != ""),
                                               res.ids.reindex(text.index))
        if not strict:
            why = res.why.reindex(text.index)
            ch.warn(why.notna(), names, why.astype(str) + ": kept as a provisional location")
        if len(res.new):
            pos = res.new["position"].to_numpy()
            made["locations"].append(res.new.assign(**{c: prov.loc[pos, c].to_numpy() for c in _PROV_COLUMNS}))
        return res


def _accepted(ch: TableChecker) -> pd.DataFrame:
    return pd.DataFrame(ch.out, index=ch.raw.index)[~ch.bad]


def _by_name(ch: TableChecker, column: str, names: str, dobs: str | None, kind: str | pd.Series,
             index: NameIndex, made: dict[str, list[pd.DataFrame]], prov: pd.DataFrame,
             places: _Places | None = None, context: tuple[str, str] | None = None) -> Any:
    """Fill ``column``'s text from the names in ``names`` where it is blank. ``context``: the
    columns (id, name) of what the name was written beside (a link's other end), so a name
    several records share is made one provisional record per context."""
    text = ch.text[names]
    use = (ch.text[column] == "") & (text != "")
    placed = None
    if not use.any():
        return placed
    kinds = kind if isinstance(kind, pd.Series) else pd.Series(kind, index=text.index)
    for k in ("person", "location"):
        rows = use & (kinds == k)
        if not rows.any():
            continue
        if k == "location" and places is not None:
            placed = places.fill(ch, column, names, rows, made, prov)
            continue
        # "???", "👑": no letter or digit, so no one is named (as one record, every such link
        # would join people who have nothing in common)
        nameless = pd.Series(False, index=text.index)
        nameless[rows] = [not person_name_key(t) for t in text[rows].tolist()]
        if nameless.any():
            ch.error(nameless, names, "the name written here has no letter or digit, so it names no one: "
                                      "give the record's id, or a name")
            ch.blank_explained |= nameless  # the id is blank for that reason: said once
            rows = rows & ~nameless
            if not rows.any():
                continue
        dob = ch.text[dobs][rows] if dobs else None
        near = None
        if context is not None:
            near = ch.text[context[0]].where(ch.text[context[0]] != "", "name:" + ch.text[context[1]].map(fold_name))
        ids, new, why = resolve_names(text[rows], dob, kind=k, index=index,
                                      context=None if near is None else near[rows])
        ch.text[column] = ch.text[column].mask(rows, ids.reindex(text.index))
        unmatched = why.notna().reindex(text.index, fill_value=False)
        label = "person" if k == "person" else "location"
        ch.warn(unmatched, names, pd.Series(why.reindex(text.index).astype(str) + f": kept as a provisional {label}",
                                            index=text.index))
        if len(new):
            pos = new["position"].to_numpy()
            new = new.assign(**{c: prov.loc[pos, c].to_numpy() for c in _PROV_COLUMNS})
            made["persons" if k == "person" else "locations"].append(new)
    return placed


def _home_of(children: TableChecker) -> pd.Series:
    """Each child's home location id (children as checked so far)."""
    acc = _accepted(children)
    return acc.set_index("child_id")["home_location_id"].dropna().astype(str) if len(acc) else pd.Series(dtype=str)


RESERVED_ID_PREFIX = "prov-"
"""Ids that begin so are contextmap's own: the records ingest makes from a name in a link or
from place text that matched none (``prov-p-...``, ``prov-l-...``). Resolution and decisions
read such an id as a record made from words, whose identity the data does not state."""

_RESERVED_COLUMNS = ("child_id", "person_id", "location_id", "source_id", "target_id", "found_location_id",
                     "home_location_id")


def _reserved_ids(ch: TableChecker) -> None:
    """Quarantine rows whose ids (the record's own, or one it refers to) begin with
    :data:`RESERVED_ID_PREFIX`, as sent: a police nominal ``prov-p-0000000001`` would be
    taken for a record made from a name, and a decision about a name applied to it."""
    for col in _RESERVED_COLUMNS:
        if col in ch.text:
            text = ch.text[col]
            mask = text.str.strip().str.lower().str.startswith(RESERVED_ID_PREFIX)
            if mask.any():
                ch.error(mask, col, f"ids beginning {RESERVED_ID_PREFIX!r} are kept for the records contextmap makes "
                                    "from names and place text: give this record another id")


def _homes(ch: TableChecker, places: _Places, made: dict[str, list[pd.DataFrame]], prov: pd.DataFrame) -> None:
    """``home_location_id`` from a child's home address, postcode or grid reference: the known
    place at that address (or grid square), or a place made for it (category address)."""
    cols = ("home_address", "home_postcode", "home_grid_reference")
    given = (ch.text[cols[0]] != "") | (ch.text[cols[1]] != "") | (ch.text[cols[2]] != "")
    rows = given & (ch.text["home_location_id"] == "")
    if not rows.any():
        return
    res = places.fill(ch, "home_location_id", "home_address", rows, made, prov, strict=True, category="address",
                      postcodes=ch.text["home_postcode"], grid=ch.text["home_grid_reference"])
    kind = res.kind.reindex(ch.raw.index)
    ch.warn(kind.notna(), "home_address", "not an address (" + kind.map(NON_PLACE_KINDS).astype(str)
            + "): the child's home is left blank")


def _described_link_places(ch: TableChecker, placed: Any, homes: pd.Series) -> None:
    """Links whose place end names no place: "home" becomes the child's home location when it
    is known; any other description sets the link aside (quarantined with the reason)."""
    kind = placed.kind.reindex(ch.raw.index)
    described = kind.notna()
    if not described.any():
        return
    home = ch.text["source_id"].map(homes)
    to_home = described & placed.own_home.reindex(ch.raw.index, fill_value=False) & home.notna()
    ch.text["target_id"] = ch.text["target_id"].mask(to_home, home)
    ch.warn(to_home, "target_name", "the child's own home: linked to their home location " + home.astype(str))
    rest = described & ~to_home
    why = kind.map(NON_PLACE_KINDS).astype(str)
    why = why.mask(kind == "own_home", why + ", whose address is not known: give the child's home_address")
    ch.blank_explained |= rest
    ch.error(rest, "target_name", "names no place (" + why + "): the link is set aside, never mapped or ranked; "
             "give the place's name or address to use it")


def _described_locations(ch: TableChecker) -> None:
    """A location record named by a description ("Unknown", "Home"): kept (links may name it),
    with a warning, and never ranked (:mod:`contextmap.hotspots`)."""
    names = ch.out["name"].dropna()
    kinds = {n: text_kind(n) for n in names.unique()}
    kind = names.map(kinds).reindex(ch.raw.index)
    ch.warn(kind.notna() & ~ch.bad, "name", "names no place (" + kind.map(NON_PLACE_KINDS).astype(str)
            + "): kept, but never ranked as a location of concern")


def _found_and_described(ch: TableChecker, found: Any, homes: pd.Series) -> None:
    """Episodes: ``found_description`` and ``found_at_home`` from the found-location text, and
    the parts of ``places_mentioned`` that name no place moved to ``places_described``."""
    o, idx = ch.out, ch.raw.index
    desc = pd.Series(pd.NA, index=idx, dtype="string")
    own = pd.Series(False, index=idx, dtype=bool)
    if found is not None:
        kind = found.kind.reindex(idx)
        desc = ch.text["found_location"].where(kind.notna()).astype("string")
        own = found.own_home.reindex(idx, fill_value=False).astype(bool)
    at_home = o["found_location_id"].notna() & (o["found_location_id"].astype(object) == o["child_id"].map(homes))
    o["found_description"] = desc
    o["found_at_home"] = (own | at_home.fillna(False).astype(bool)).astype(bool)
    places, described = _split_places(o["places_mentioned"])
    o["places_mentioned"], o["places_described"] = places, described


def _split_places(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """RHI ``places_mentioned`` cells split into places and descriptions ("home; Chicken Palace")."""
    kept: dict[str, tuple[object, object]] = {}
    for cell in cells.dropna().unique():
        parts = [x.strip() for x in str(cell).split(";") if x.strip()]
        kinds = [text_kind(x) for x in parts]
        places = [x for x, k in zip(parts, kinds, strict=True) if k is None]
        other = [x for x, k in zip(parts, kinds, strict=True) if k is not None]
        kept[cell] = ("; ".join(places) or pd.NA, "; ".join(other) or pd.NA)
    places = cells.map(lambda c: kept[c][0] if c in kept else pd.NA).astype("string")
    described = cells.map(lambda c: kept[c][1] if c in kept else pd.NA).astype("string")
    return places, described


def _positions(frame: pd.DataFrame, ch: TableChecker, made: list[pd.DataFrame], gazetteer: Gazetteer | None,
               P: Problems) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every location's position and how it was found (``geocoded_from``, ``position_quality``),
    filled from the gazetteer where the export gives none (:mod:`.geocode`)."""
    t = ch.text
    grid = t["grid_reference"]
    own = (t["easting"] == "") & (t["northing"] == "") & (t["latitude"] == "") & (grid != "")
    digits = grid.str.count(r"\d")
    size = (10.0 ** (5 - digits // 2)).astype(str)
    origin = pd.Series("", index=frame.index, dtype=object).mask(own, "grid_reference:" + size)
    keep = ~ch.bad
    e, n = frame.loc[keep, "easting"].dropna(), frame.loc[keep, "northing"].dropna()
    ref = (float(e.median()), float(n.median())) if len(e) and len(n) else None  # where the area's places are
    # the provisional places made from text, placed in the same pass (the gazetteer is read once)
    parts = [p.reset_index(drop=True) for p in made]
    extra = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["name"])
    geo = pd.DataFrame({"name": extra["name"], "postcode": extra.get("postcode"), "latitude": np.nan,
                        "longitude": np.nan, "easting": extra.get("easting", np.nan),
                        "northing": extra.get("northing", np.nan)})
    size = extra["grid_size"] if "grid_size" in extra else pd.Series(0.0, index=extra.index)
    src = pd.Series("", index=extra.index, dtype=object).mask(size > 0, "grid_reference:" + size.astype(str))
    both = pd.concat([frame[list(geo.columns)], geo], ignore_index=True)
    located, notes = locate_places(both, origin=pd.concat([origin, src], ignore_index=True), gazetteer=gazetteer,
                                   reference=ref, report=pd.concat([keep, pd.Series(False, index=extra.index)], ignore_index=True))
    derived = ["easting", "northing", "latitude", "longitude", "geocoded_from", "position_quality"]
    mine = located.iloc[:len(frame)].set_axis(frame.index)
    for mask, column, values, reason in notes:
        rows = mask.iloc[:len(frame)].set_axis(frame.index)
        P.add("locations", rows, column, values.iloc[:len(frame)].set_axis(frame.index),
              reason if isinstance(reason, str) else reason.iloc[:len(frame)].set_axis(frame.index), "warning")
    out, start = [], len(frame)
    for part in parts:
        placed = located.iloc[start:start + len(part)].reset_index(drop=True)
        out.append(part.assign(**{c: placed[c] for c in derived}))
        start += len(part)
    return frame.assign(**{c: mine[c] for c in derived}), out


def _provisional_rows(table: str, parts: list[pd.DataFrame], accepted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not parts:
        return accepted.iloc[0:0], pd.DataFrame(columns=list(_PROV_COLUMNS))
    new = pd.concat(parts, ignore_index=True).drop_duplicates("id")
    key = TABLES[table].key
    rows = accepted.iloc[:0].reindex(range(len(new)))
    rows["provisional"] = True
    rows = rows.astype({c: accepted[c].dtype for c in accepted.columns})
    rows[key] = new["id"].astype(accepted[key].dtype).to_numpy()
    rows["name"] = new["name"].astype(accepted["name"].dtype).to_numpy()
    for c in ("category", "postcode", "easting", "northing", "latitude", "longitude", "geocoded_from",
              "position_quality"):  # what place text said of a place (ingest.placematch, ingest.geocode)
        if c in new and c in rows:
            rows[c] = new[c].astype(accepted[c].dtype).to_numpy()
    if "date_of_birth" in rows:
        rows["date_of_birth"] = pd.to_datetime(new["date_of_birth"]).astype(accepted["date_of_birth"].dtype).to_numpy()
    return rows, new[list(_PROV_COLUMNS)].reset_index(drop=True)


def load(
    path: str | Path,
    *,
    mapping: str | Path | Mapping | None = None,
    as_of: str | pd.Timestamp | dt.datetime | None = None,
    grading_scheme: str | None = None,
    settings: Any = None,
    progress: bool = False,
    period: str | None = None,
) -> Dataset:
    """Read, map, validate and quarantine a dataset.

    Parameters
    ----------
    path
        A folder of CSV files (``children.csv``, ``persons.csv``, ``locations.csv``,
        ``episodes.csv``, ``links.csv``), one ``.xlsx`` workbook with one sheet per table, or
        a sources manifest (``.yaml``: any number of files and sheets per table, each with its
        own column mapping; see ``docs/examples/sources.yaml``).
    mapping
        A column-mapping file or :class:`~contextmap.ingest.columns.Mapping` (local column names and
        codes onto the contract) for a folder or workbook. ``None``: the input already uses
        contract names. A manifest carries its own mappings.
    as_of
        Dates after this moment are errors (default: now). Text is read as the data
        contract reads dates (ISO or UK day-first).
    grading_scheme
        ``'3x5x2'`` or ``'5x5x5'``; overrides the mapping's or manifest's ``grading_scheme``
        (default ``'3x5x2'``).
    settings
        :class:`~contextmap.Settings` or a settings file: its ``ingest`` section says where
        locations are expected (``area_bounds``).
    progress
        Show a progress bar on standard error.
    period
        For a sources manifest whose files name the period (``file: intel_{period}.csv``):
        the month to read, ``'YYYY-MM'``. Default: the latest month for which every such
        source has a file; ``Dataset.period`` says which was read.

    Returns
    -------
    Dataset
        Accepted rows per table plus ``report`` (problems, counts, quarantined rows,
        provenance).

    Raises
    ------
    InputNotFoundError
        If ``path`` (or a file a manifest lists) does not exist.
    InputReadError
        If a file cannot be read at all: not UTF-8, not CSV/xlsx, password-protected, a
        required table or required column missing, sheet names that collide.
    MappingError
        If the mapping or manifest is malformed or names a column the input does not have.
    ConfigError
        If ``as_of`` is not a date, or ``period`` is not ``YYYY-MM`` or is given for a dataset
        whose files do not name the period.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "children.csv").write_text("child_id,ce_risk\\nC1,high\\nC2,severe\\nC2,severe\\n")
    >>> _ = (d / "episodes.csv").write_text("episode_id,child_id,reported_at\\nE1,C1,23/11/2025 14:05\\n")
    >>> ds = load(d)
    >>> ds.children["child_id"].tolist(), ds.report.counts.loc["children"].tolist()
    (['C1', 'C2'], [3, 2, 0, 1, 0])
    >>> w = ds.report.warnings
    >>> w.loc[w["table"] == "children", ["row", "column", "value"]].values.tolist()
    [[3, 'ce_risk', 'severe'], [4, 'child_id', 'C2']]
    """
    with gc_paused():  # millions of small objects, no cycles among them
        return _load(path, mapping=mapping, as_of=as_of, grading_scheme=grading_scheme, settings=settings,
                     progress=progress, period=period)


def _load(path: str | Path, *, mapping: str | Path | Mapping | None, as_of: str | pd.Timestamp | dt.datetime | None,
          grading_scheme: str | None, settings: Any, progress: bool, period: str | None) -> Dataset:
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(
            f"Expected path to be an existing folder, .xlsx file or sources manifest, instead got: {str(p)!r}")
    if is_manifest(p):
        if mapping is not None:
            raise MappingError(f"{str(p)!r} is a sources manifest, which carries its own column mappings; "
                               "do not give a mapping file as well")
        man = load_manifest(p, period=period)
        sources, notes, default_scheme, extra = list(man.sources), man.notes(), man.grading_scheme, p.read_bytes()
        period = man.period
        gazetteer = _gazetteer(settings, man.gazetteer)
    else:
        if period is not None:
            raise ConfigError(f"Expected a sources manifest whose files name the {{period}} when a period is given "
                              f"({period!r}), instead got: {str(p)!r} (a folder or workbook is one export)")
        m = mapping if isinstance(mapping, Mapping) else Mapping() if mapping is None else load_mapping(mapping)
        sources, notes = dataset_sources(p, m)
        default_scheme, extra = m.grading_scheme, m.source.read_bytes() if m.source is not None else b""
        gazetteer = _gazetteer(settings, None)
    scheme = (grading_scheme or default_scheme or "3x5x2").strip().lower()
    if scheme not in GRADING_SCHEMES:
        raise ValueError(f"Expected grading_scheme to be one of {list(GRADING_SCHEMES)}, instead got: {grading_scheme!r}")
    now = parse_date_option(as_of, name="as_of")
    now = pd.Timestamp.now() if now is None else now
    if not isinstance(now, pd.Timestamp) or pd.isna(now):  # pragma: no cover - parse_date_option raises
        raise ConfigError(f"Expected as_of to be a date such as '2026-11-23', instead got: {as_of!r}")
    area = _area(settings)

    with _progress_bar(progress, len(sources) + len(TABLE_NAMES) + 1) as step:
        P = Problems()
        for n in notes:
            P.note(*n)
        raws, digest = read_sources(sources, step=step)
        import hashlib

        content_hash = hashlib.sha256(digest.encode() + extra).hexdigest() if extra else digest
        stacked = {name: _stack(name, [r for r in raws if r.source.table == name], P, scheme) for name in TABLE_NAMES}

        checkers: dict[str, TableChecker] = {}
        frames: dict[str, pd.DataFrame] = {}
        made: dict[str, list[pd.DataFrame]] = {"persons": [], "locations": []}
        index: NameIndex | None = None
        places = _Places(checkers)
        for name in _VALIDATION_ORDER:
            step(f"checking {name}")
            s = stacked[name]
            ch = TableChecker(TABLES[name], s.raw, s.source_of, s.mappings, P, now, scheme, area=area)
            ch.agency = s.agency
            ch.unknown_only = s.unknown_only
            key = TABLES[name].required[0]
            ch.error(s.unknown_only, key, "this row holds data only in columns outside the data contract, which are dropped",
                     values=s.unknown_text)
            _reserved_ids(ch)
            for pos, column, values, reason in s.row_errors:  # rows reading found broken (a stray quote)
                keep = pos[pos.isin(s.raw.index)]
                ch.error(pd.Series(s.raw.index.isin(keep), index=s.raw.index), column, reason,
                         values=values.reindex(s.raw.index))
            by_name = {"links": ("source_name", "target_name")}.get(name, ())
            if index is None and any((ch.text[c] != "").any() for c in by_name):
                index = NameIndex.build(*(_accepted(checkers[n]) for n in ENTITY_TABLES))
            found = None
            if name == "children":
                _homes(ch, places, made, s.provenance)
            elif name == "episodes":
                rows = (ch.text["found_location_id"] == "") & (ch.text["found_location"] != "")
                if rows.any():
                    found = places.fill(ch, "found_location_id", "found_location", rows, made, s.provenance)
            elif name == "links" and index is not None:
                rel = ch.text["relation"].str.lower().str.replace(rf"[{SPACE}\-/]+", "_", regex=True).str.strip("_")
                target_kind = pd.Series(np.where(rel.isin(list(PLACE_RELATIONS)), "location", "person"), index=rel.index)
                _by_name(ch, "source_id", "source_name", "source_dob", "person", index, made, s.provenance,
                         context=("target_id", "target_name"))
                placed = _by_name(ch, "target_id", "target_name", "target_dob", target_kind, index, made, s.provenance,
                                  places, context=("source_id", "source_name"))
                if placed is not None:
                    _described_link_places(ch, placed, _home_of(checkers["children"]))
            frames[name] = ch.run()
            if name == "locations":
                _described_locations(ch)
            elif name == "episodes":
                _found_and_described(ch, found, _home_of(checkers["children"]))
            checkers[name] = ch
            extra_ids = {t: pd.Index(pd.concat(made[t])["id"].unique()) if made.get(t) else None for t in ("persons", "locations")}
            if name == "children":
                cross_entity_duplicates(checkers)
                check_references(ch, "home_location_id",
                                 {"locations": status(checkers["locations"], extra_ids["locations"])}, "a location")
            elif name == "episodes":
                check_references(ch, "child_id", {"children": status(checkers["children"])}, "a child")
                check_references(ch, "found_location_id",
                                 {"locations": status(checkers["locations"], extra_ids["locations"])}, "a location")
            elif name == "links":
                ents = {n: status(checkers[n], extra_ids.get(n)) for n in ENTITY_TABLES}
                check_references(ch, "source_id", ents, "an entity")
                check_references(ch, "target_id", ents, "an entity")
                check_references(ch, "episode_id", {"episodes": status(checkers["episodes"])}, "an episode")
                kinds = pd.concat([pd.Series(ENTITY_KIND[n], index=ents[n][0]) for n in ENTITY_TABLES])
                kinds = kinds[~kinds.index.duplicated()]
                for end in ("source", "target"):
                    ch.out[f"{end}_kind"] = ch.out[f"{end}_id"].map(kinds).astype("string")
                relation_kinds(ch)
            frames[name] = pd.DataFrame(ch.out, index=ch.raw.index)
        step("placing locations")
        frames["locations"], made["locations"] = _positions(frames["locations"], checkers["locations"],
                                                            made["locations"], gazetteer, P)
        step("assembling")
        problems = P.frame()
        tables, quarantined, counts, provenance = {}, {}, {}, {}
        for name in TABLE_NAMES:
            ch, frame, s = checkers[name], frames[name], stacked[name]
            t = TABLES[name]
            if "provisional" in t.derived:
                frame["provisional"] = False
            cols = list(t.column_names) + list(t.derived)
            acc, q, prov, tally = split_rows(name, frame, s.raw, ch.bad, s.present, s.provenance, problems, cols,
                                         read=s.read, duplicates=s.duplicates)
            prov = prov[list(_PROV_COLUMNS)]
            extra_rows, extra_prov = _provisional_rows(name, made.get(name, []), acc)
            tally["provisional"] = len(extra_rows)
            if len(extra_rows):
                acc = pd.concat([acc, extra_rows], ignore_index=True)
                prov = pd.concat([prov, extra_prov], ignore_index=True)
            tables[name], quarantined[name], counts[name], provenance[name] = acc, q, tally, prov
        tables["locations"] = _geo(tables["locations"])
        report = ValidationReport(
            problems=problems[list(PROBLEM_COLUMNS)],
            counts=pd.DataFrame.from_dict(counts, orient="index")[["read", "accepted", "quarantined", "duplicates", "provisional"]],
            quarantined=quarantined,
            provenance=provenance,
        )
    return Dataset(**tables, report=report, source=p, content_hash=content_hash, grading_scheme=scheme, period=period)


def _geo(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    lon, lat = frame["longitude"].to_numpy(dtype=float), frame["latitude"].to_numpy(dtype=float)
    pts = shapely.points(np.column_stack([lon, lat])) if len(frame) else np.array([], dtype=object)
    missing = np.isnan(lon) | np.isnan(lat)
    if missing.any():
        pts[missing] = shapely.Point()
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(pts, index=frame.index, crs=4326), crs=4326)


locations_to_gdf = _geo  # public: the workspace reads its locations back through it


class _progress_bar:
    """A rich progress bar on stderr (or nothing) that advances one step per call."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if not self.enabled:
            return lambda _msg: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("loading", total=self.total)

        def step(msg: str) -> None:
            self.bar.update(task, description=msg, advance=1)

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

"""Imports into a workspace, and reading a workspace back as a :class:`~contextmap.Dataset`.

An import reads its source with :func:`contextmap.load` (so validation and quarantine are
exactly those of a folder), then compares every accepted row with the current version of
its record:

* a record the workspace has never held is **new** (version 1);
* a record whose contract values are the same is **unchanged** (only marked as seen);
* a record whose values differ is **changed**: the old version is kept as history
  (``is_current`` false, ``superseded_import`` set) and a new version becomes current;
  a record whose only difference is what ingest matched its names to (a link's name now
  matching a record that was not there before, a place text matched to another agency's
  record of the place, a provisional record spelt as it was first seen) is stored the same
  way but counted **re-matched**, not changed: the agency changed nothing;
* a current record the export does not hold is **not in latest**: kept, and marked by its
  ``last_seen_import`` being an earlier import. Nothing is deleted by an import.

A record is known by its identity, never by a file name or a row number: its id, or for a
link sent by an agency ``id@agency``, or for a link its export gives no id the content key
ingest made of its agency and defining fields (see ``docs/data-contract.md``, *Identity across
exports*). Importing the same export twice therefore changes nothing but the import log, and
two overlapping monthly exports leave exactly their union.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.dataset import PROBLEM_COLUMNS, Dataset, ValidationReport
from contextmap.ingest.checks import CONTENT_KEY, link_identity
from contextmap.ingest.read import locations_to_gdf
from contextmap.schema import TABLE_NAMES, TABLES
from contextmap.workspace import db
from contextmap.workspace.db import CHUNK
from contextmap.workspace.tombstones import Held, hold_erased

__all__ = ["ImportResult", "import_dataset", "read_dataset", "record_keys", "now_utc", "inserted_id", "bump_revision", "CHUNK",
           "user_name", "check_text"]


_DT_FORMAT = "%Y-%m-%d %H:%M:%S"


def inserted_id(result: sa.CursorResult) -> int:
    """The primary key of the row an ``INSERT`` just added."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def user_name(user: str | None) -> str:
    """Who did it: ``user`` if given, else the operating-system user."""
    return user or getpass.getuser()




def check_text(value: str, argument: str) -> str:
    """``value`` trimmed; a clear error naming ``argument`` when it is not a non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"Expected {argument} to be a non-empty text, instead got: {value!r}")
    return value.strip()


def now_utc() -> datetime:
    """The current UTC time, naive (as every workspace timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass
class ImportResult:
    """What one import did.

    Attributes
    ----------
    import_id
        The import's number in the workspace's import log.
    counts
        Per table: ``read``, ``quarantined``, ``held`` (rows bringing back a child erased from
        the workspace: not imported), ``new``, ``changed``, ``rematched`` (only the records its
        names were matched to differ), ``unchanged``, ``not_in_latest`` (current records this
        export did not hold), ``accepted`` (rows imported) and ``duplicates`` (exact copies
        merged by ingest). Every row read is accounted for:
        ``read = accepted + quarantined + held + duplicates``.
    files
        The files read, each with its ``sha256`` and ``bytes``.
    dataset
        The dataset as loaded from the source, less the rows held back (its ``report`` holds
        every problem, and a warning for each row held back).
    """

    import_id: int
    counts: dict[str, dict[str, int]]
    files: list[dict[str, Any]]
    dataset: Dataset = field(repr=False)

    @property
    def quarantined(self) -> int:
        return sum(c["quarantined"] for c in self.counts.values())

    @property
    def held(self) -> int:
        """Rows held back because they bring back a child erased from the workspace."""
        return sum(c.get("held", 0) for c in self.counts.values())

    def totals(self) -> dict[str, int]:
        """The counts summed over the five tables (``new_from_names``: of the new, the records
        ingest made from a name in a link or an episode, not yet matched to anyone)."""
        keys = ("new", "changed", "rematched", "unchanged", "not_in_latest", "quarantined", "held", "new_from_names")
        return {k: sum(c.get(k, 0) for c in self.counts.values()) for k in keys}


# --- canonical values and keys -----------------------------------------------------------


def _text(series: pd.Series, kind: str) -> list[str]:
    """Each value as text, for hashing (``\x00`` for a missing value)."""
    missing = series.isna().to_numpy()
    if kind in ("date", "datetime"):
        arr = np.datetime_as_string(series.to_numpy(dtype="datetime64[s]"), unit="s").astype(object)
    elif kind == "float":
        arr = np.array([repr(v) for v in series.to_numpy(dtype=float).tolist()], dtype=object)
    elif kind == "bool":
        arr = np.array(["1" if v is True or v == 1 else "0" for v in series.astype(object).tolist()], dtype=object)
    else:
        arr = series.to_numpy(dtype=object, na_value="\x00", copy=True)  # str values already; writable (an object column is a read-only view)
    arr[missing] = "\x00"
    return arr.tolist()


def _columns(name: str) -> list[tuple[str, str]]:
    t = TABLES[name]
    return [(c.name, str(c.kind)) for c in t.columns] + [
        (d, "bool" if d in db.DERIVED_TYPES else "text") for d in t.derived]


def _digest(parts: list[list[str]]) -> list[str]:
    blake = hashlib.blake2b
    return [blake("\x1f".join(row).encode("utf-8"), digest_size=16).hexdigest() for row in zip(*parts, strict=True)]


def record_keys(frame: pd.DataFrame, name: str, *, identity: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` with ``record_key`` (the record's identity across exports) and ``row_hash``.

    ``identity`` gives each row's identity (for links: :func:`contextmap.ingest.checks.link_identity`
    of its id and agency); without it, a record is known by its id.
    """
    t = TABLES[name]
    out = frame.copy()
    cols = _columns(name)
    texts = {c: _text(out[c], k) for c, k in cols}
    out["record_key"] = out[t.key].astype(str) if identity is None else identity.astype(str).to_numpy()
    out["row_hash"] = _digest([texts[c] for c, _ in cols]) if len(out) else pd.Series(dtype=str)
    return out.drop_duplicates("record_key", keep="first")


def _db_records(frame: pd.DataFrame, name: str) -> list[dict[str, Any]]:
    """Rows as plain Python values for the driver (``None`` for every missing value)."""
    data: dict[str, list[Any]] = {}
    for c, kind in _columns(name) + [("record_key", "text"), ("row_hash", "text")]:
        s = frame[c]
        if kind in ("date", "datetime"):
            arr = np.array(s.dt.to_pydatetime(), dtype=object)
            arr[s.isna().to_numpy()] = None
            data[c] = arr.tolist()
        elif kind == "float":
            data[c] = [None if np.isnan(v) else float(v) for v in s.to_numpy(dtype=float)]
        elif kind == "bool":
            data[c] = [None if v is None or v is pd.NA else bool(v) for v in s.astype(object).tolist()]
        else:
            data[c] = [None if v is pd.NA or v is None else str(v) for v in s.astype(object).tolist()]
    keys = list(data)
    return [dict(zip(keys, row, strict=True)) for row in zip(*data.values(), strict=True)]


def _chunks(values: list[Any], size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


# --- import ------------------------------------------------------------------------------


def _source_files(source: Path, mapping: Path | None, period: str | None = None) -> list[dict[str, Any]]:
    from contextmap.ingest.manifest import is_manifest, load_manifest
    from contextmap.privacy.audit import hash_file

    if is_manifest(source) and source.is_file():  # the manifest and the files it read
        paths = [source] + list(dict.fromkeys(s.path for s in load_manifest(source, period=period).sources))
    elif source.is_dir():
        paths = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")
                       and p.suffix.lower() in (".csv", ".yaml", ".yml", ".json"))
    else:
        paths = [source]
    if mapping is not None:
        paths.append(Path(mapping))
    return [{"path": str(p.resolve()), "sha256": hash_file(p)[7:], "bytes": p.stat().st_size} for p in paths]


def import_dataset(
    engine: sa.Engine,
    source: str | Path,
    *,
    mapping: str | Path | None = None,
    as_of: Any = None,
    grading_scheme: str | None = None,
    settings: Any = None,
    user: str | None = None,
    period: str | None = None,
) -> ImportResult:
    """Import one export (a dataset folder, workbook or sources manifest) into the workspace.

    Parameters
    ----------
    engine
        The workspace's engine.
    source
        Anything :func:`contextmap.load` reads.
    mapping, as_of, grading_scheme, settings
        Passed to :func:`contextmap.load`.
    user
        Who imported (default: the operating-system user).
    period
        For a sources manifest whose files name the period: the month to import
        (``'YYYY-MM'``; default the latest, see :func:`contextmap.load`).

    Returns
    -------
    ImportResult
    """
    from contextmap.ingest import load

    src = Path(source)
    # every file is read and checked before anything is written: a file that cannot be read
    # (damaged, cut short, not what it claims) raises here and the workspace is unchanged
    ds = load(src, mapping=mapping, as_of=as_of, grading_scheme=grading_scheme, settings=settings, period=period)
    files = _source_files(src, Path(mapping) if mapping is not None else None, ds.period)
    counts: dict[str, dict[str, int]] = {}
    # one transaction for the import log, every table, the problems and the quarantine: an
    # error anywhere (the database, a disk, a bug) rolls all of it back
    with engine.begin() as conn:
        held = hold_erased(conn, dataset=ds)
        if held is not None:
            ds = _without_held(ds, held)
        import_id = inserted_id(conn.execute(db.imports.insert().values(
            imported_at=now_utc(), imported_by=user or getpass.getuser(), source=str(src.resolve()),
            content_hash=ds.content_hash, files=json.dumps(files), counts="{}", quarantined=0,
        )))
        for name in TABLE_NAMES:
            counts[name] = _import_table(conn, name, ds.table(name), import_id, identity=_identity(ds, name))
            rc = ds.report.counts
            got = {k: int(rc.loc[name, k]) if name in rc.index and k in rc.columns else 0
                   for k in ("read", "accepted", "duplicates")}
            held_acc = held.counts.get(name, 0) if held is not None else 0
            held_q = held.quarantine_counts.get(name, 0) if held is not None else 0
            q = ds.report.quarantined.get(name)
            # rows read = accepted + quarantined + held + duplicates merged: held rows come out of
            # the rows ingest accepted or quarantined
            counts[name].update(read=got["read"], accepted=got["accepted"] - held_acc,
                                quarantined=0 if q is None else len(q), held=held_acc + held_q,
                                duplicates=got["duplicates"])
        _store_report(conn, ds.report, import_id)
        quarantined = sum(c["quarantined"] for c in counts.values())
        conn.execute(db.imports.update().where(db.imports.c.import_id == import_id)
                     .values(counts=json.dumps(counts), quarantined=quarantined))
        bump_revision(conn)
    return ImportResult(import_id=import_id, counts=counts, files=files, dataset=ds)


def _without_held(ds: Dataset, held: Held) -> Dataset:
    """``ds`` without the rows an erasure holds back (tables, provenance, quarantine, problems)."""
    tables: dict[str, Any] = {}
    provenance: dict[str, pd.DataFrame] = {}
    for name in TABLE_NAMES:
        t = held.tables[name]
        prov = ds.report.provenance.get(name)
        if prov is not None and len(prov) == len(ds.table(name)):
            provenance[name] = prov.iloc[t.index.to_numpy()].reset_index(drop=True)
        tables[name] = t.reset_index(drop=True)
    report = ValidationReport(problems=held.problems, counts=ds.report.counts, quarantined=held.quarantined,
                              provenance=provenance)
    return dataclasses.replace(ds, **tables, report=report)

MATCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "links": ("source_id", "target_id", "source_kind", "target_kind"),
    "children": ("home_location_id",),
    "episodes": ("found_location_id", "found_at_home"),
}
"""Columns ingest fills by matching names and place text to records: a record whose only
difference from its current version lies here is *re-matched*, not changed."""


def _rematched(conn: sa.Connection, T: sa.Table, name: str, incoming: pd.DataFrame, merged: pd.DataFrame,
               changed: pd.Series) -> pd.Series:
    """Of the ``changed`` rows, those the agency did not change: only their matched columns
    differ from the current version, or both versions are provisional records (made by ingest
    from text, spelt as first seen)."""
    out = pd.Series(False, index=merged.index)
    cols = MATCHED_COLUMNS.get(name, ())
    prov = "provisional" in TABLES[name].derived
    if not changed.any() or not (cols or prov):
        return out
    pos = np.flatnonzero(changed.to_numpy())
    row_ids = merged["row_id"].to_numpy()[pos].astype(int).tolist()
    fields = [T.c.row_id] + [T.c[c] for c in cols] + ([T.c.provisional] if prov else [])
    old: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks(row_ids):
        old.update({int(r[0]): tuple(r[1:]) for r in conn.execute(sa.select(*fields).where(T.c.row_id.in_(chunk)))})
    olds = [old.get(r) for r in row_ids]
    mine = incoming.iloc[pos].copy()
    flags = np.zeros(len(pos), dtype=bool)
    if prov:
        was = np.array([bool(o[-1]) if o is not None and o[-1] is not None else False for o in olds])
        flags |= was & mine["provisional"].fillna(False).astype(bool).to_numpy()
    if cols:
        kinds = dict(_columns(name))
        for j, c in enumerate(cols):
            vals = [o[j] if o is not None else None for o in olds]
            if kinds[c] == "bool":
                mine[c] = pd.Series([bool(v) if v is not None else pd.NA for v in vals], index=mine.index, dtype="boolean")
            else:
                mine[c] = pd.Series([str(v) if v is not None else pd.NA for v in vals], index=mine.index, dtype="string")
        texts = [_text(mine[c], k) for c, k in _columns(name)]
        flags |= np.array(_digest(texts), dtype=object) == merged["old_hash"].to_numpy()[pos]
    out.iloc[pos[flags]] = True
    return out


def _identity(ds: Dataset, name: str) -> tuple[pd.Series, pd.Series] | None:
    """Each link's identity (its agency is part of it) and its id as the agency sent it;
    other records are known by their id (None)."""
    prov = ds.report.provenance.get(name)
    if name != "links" or prov is None or len(prov) != len(ds.links) or "agency" not in prov:
        return None
    agency = prov["agency"].reset_index(drop=True).set_axis(ds.links.index)
    if agency.isna().all():  # a folder or workbook: a link is known by its id (or content key)
        return None
    identity = link_identity(ds.links["link_id"], agency)
    # the id as sent: an agency's link's identity less its '@agency' (a content key is its own)
    sent = [k.rsplit("@", 1)[0] if a and not CONTENT_KEY.match(k) else k
            for k, a in zip(identity.tolist(), agency.notna().tolist(), strict=True)]
    return identity, pd.Series(sent, index=ds.links.index, dtype=object)


_AGENCIES = "link_agencies"
"""``workspace_info`` row: the agencies (as in ``id@agency``) whose links the workspace holds."""


def _current(conn: sa.Connection, T: sa.Table, keys: list[str]) -> dict[str, str]:
    """``{record_key: shown link_id}`` of the current links among ``keys`` (by the key's index)."""
    out: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(keys))):
        out.update(dict(conn.execute(sa.select(T.c.record_key, T.c.link_id)
                                     .where(T.c.is_current, T.c.record_key.in_(chunk))).all()))
    return out


def _link_agencies(conn: sa.Connection, add: set[str]) -> set[str]:
    """The agencies whose links the workspace holds, ``add`` recorded among them."""
    info = db.workspace_info
    got = conn.execute(sa.select(info.c.value).where(info.c.name == _AGENCIES)).scalar_one_or_none()
    have = set(json.loads(got)) if got else set()
    if add - have:
        value = json.dumps(sorted(have | add))
        if got is None:
            conn.execute(info.insert().values(name=_AGENCIES, value=value))
        else:
            conn.execute(info.update().where(info.c.name == _AGENCIES).values(value=value))
    return have | add


def _shown_ids(conn: sa.Connection, T: sa.Table, frame: pd.DataFrame, identity: pd.Series, sent: pd.Series, *,
              stored: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """The id each link is shown by, unique among the workspace's current links and stable from
    month to month: the one it already shows; for a new link the id as sent, unless another
    agency's link shows that id (the police sent ``1001`` last month, the council sends its own
    ``1001`` now) or two new links were sent with it: then ``id@agency``. Every lookup goes
    through the record-key index. ``stored``: ``{record_key: shown id}`` of the current links
    among the identities (updated for the links re-keyed, whose keys are returned)."""
    ident, bare = identity.astype(str).tolist(), sent.astype(str).tolist()
    moved: list[str] = []
    legacy = [b for k, b in zip(ident, bare, strict=True) if k not in stored and b != k]
    if legacy:  # a link a workspace of an earlier version keyed by its id alone: the same record
        known = _current(conn, T, legacy)
        moves = []
        for k, b in zip(ident, bare, strict=True):
            if k not in stored and b in known and b not in stored:
                moves.append({"b_old": b, "b_new": k})
                stored[k] = known.pop(b)
                moved.append(k)
        if moves:
            conn.execute(T.update().where(T.c.record_key == sa.bindparam("b_old"))
                         .values(record_key=sa.bindparam("b_new")), moves)
    slugs = {k[len(b) + 1:] for k, b in zip(ident, bare, strict=True) if k != b}
    agencies = _link_agencies(conn, slugs) if slugs else set()
    new = [n for n, k in enumerate(ident) if k not in stored and bare[n] != k]
    candidates = {n: [bare[n]] + [f"{bare[n]}@{a}" for a in agencies if f"{bare[n]}@{a}" != ident[n]] for n in new}
    holders = _current(conn, T, [c for cs in candidates.values() for c in cs])
    sent_new: dict[str, int] = {}
    for n in new:
        sent_new[bare[n]] = sent_new.get(bare[n], 0) + 1
    shown = [stored.get(k, b) for k, b in zip(ident, bare, strict=True)]
    for n in new:
        taken = any(holders.get(c) == bare[n] for c in candidates[n])
        if taken or sent_new[bare[n]] > 1:
            shown[n] = ident[n]
    if shown == frame["link_id"].astype(str).tolist():
        return frame, moved
    out = frame.copy()
    out["link_id"] = pd.array(shown, dtype="string")
    return out, moved


def _import_table(conn: sa.Connection, name: str, frame: pd.DataFrame, import_id: int, *,
                  identity: tuple[pd.Series, pd.Series] | None = None) -> dict[str, int]:
    T = db.DATA_TABLES[name]
    fields = [T.c.record_key, T.c.row_id, T.c.version, T.c.row_hash] + ([T.c.link_id] if identity is not None else [])

    def held(keys: list[str]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for chunk in _chunks(keys):
            rows += map(tuple, conn.execute(sa.select(*fields).where(T.c.is_current, T.c.record_key.in_(chunk))).all())
        return rows

    if identity is not None and len(frame):
        current = held(identity[0].astype(str).tolist())
        frame, moved = _shown_ids(conn, T, frame, *identity, stored={r[0]: r[4] for r in current})
        current = [r[:4] for r in current + held(moved)]
        incoming = record_keys(frame, name, identity=identity[0])
    else:
        incoming = record_keys(frame, name)
        current = held(incoming["record_key"].tolist())
    cols = list(zip(*current, strict=True)) if current else [(), (), (), ()]
    have = pd.DataFrame({"record_key": pd.Series(cols[0], dtype=object), "row_id": pd.Series(cols[1], dtype="float64"),
                         "version": pd.Series(cols[2], dtype="float64"), "old_hash": pd.Series(cols[3], dtype=object)})
    merged = incoming[["record_key", "row_hash"]].merge(have, on="record_key", how="left")
    is_new = merged["row_id"].isna()
    same = ~is_new & (merged["row_hash"] == merged["old_hash"])
    changed = ~is_new & ~same
    rematched = _rematched(conn, T, name, incoming, merged, changed)
    unchanged_ids = merged.loc[same, "row_id"].astype(int).tolist()
    changed_ids = merged.loc[changed, "row_id"].astype(int).tolist()
    for chunk in _chunks(unchanged_ids):
        conn.execute(T.update().where(T.c.row_id.in_(chunk)).values(last_seen_import=import_id))
    for chunk in _chunks(changed_ids):
        conn.execute(T.update().where(T.c.row_id.in_(chunk))
                     .values(is_current=False, superseded_import=import_id))
    version = merged["version"].fillna(0).astype(int).to_numpy() + 1
    insert = (~same).to_numpy()
    rows = _db_records(incoming.loc[insert], name) if insert.any() else []
    for row, v in zip(rows, version[insert], strict=True):
        row.update(version=int(v), first_import=import_id, last_seen_import=import_id,
                   superseded_import=None, is_current=True)
    for chunk in _chunks(rows):
        conn.execute(T.insert(), chunk)
    not_in_latest = conn.execute(
        sa.select(sa.func.count()).select_from(T).where(T.c.is_current, T.c.last_seen_import != import_id)
    ).scalar_one()
    out = {"new": int(is_new.sum()), "changed": int((changed & ~rematched).sum()),
           "rematched": int(rematched.sum()), "unchanged": int(same.sum()),
           "not_in_latest": int(not_in_latest)}
    if "provisional" in incoming.columns:  # of the new, records ingest made from a name in a link or episode
        made = incoming["provisional"].fillna(False).astype(bool).to_numpy()
        out["new_from_names"] = int((is_new.to_numpy() & made).sum())
    return out


def _store_report(conn: sa.Connection, report: ValidationReport, import_id: int) -> None:
    p = report.problems
    if len(p):
        rows = [{"import_id": import_id, "table_name": r.table, "file": r.file,
                 "row": None if pd.isna(r.row) else int(r.row), "column_name": r.column,
                 "value": None if pd.isna(r.value) else str(r.value), "reason": r.reason,
                 "severity": r.severity} for r in p.itertuples(index=False)]
        for chunk in _chunks(rows):
            conn.execute(db.import_problems.insert(), chunk)
    for table, q in report.quarantined.items():
        if q is None or not len(q):
            continue
        rows = []
        for rec in q.astype(object).where(q.notna(), None).to_dict("records"):
            rows.append({"import_id": import_id, "table_name": table, "row": int(rec["_row"]),
                         "data": json.dumps({k: (None if v is None else str(v)) for k, v in rec.items()},
                                            ensure_ascii=False)})
        for chunk in _chunks(rows):
            conn.execute(db.import_quarantine.insert(), chunk)


def bump_revision(conn: sa.Connection) -> int:
    """Count one more change to the workspace's records (part of its content hash)."""
    info = db.workspace_info
    rev = conn.execute(sa.select(info.c.value).where(info.c.name == "revision")).scalar_one_or_none()
    new = int(rev or 0) + 1
    if rev is None:
        conn.execute(info.insert().values(name="revision", value=str(new)))
    else:
        conn.execute(info.update().where(info.c.name == "revision").values(value=str(new)))
    return new


# --- reading back ------------------------------------------------------------------------


def _read_table(conn: sa.Connection, name: str, *, sqlite: bool, keys: list[str] | None = None) -> pd.DataFrame:
    """The current rows of table ``name``; ``keys``, when given, receives each row's
    ``record_key`` (read in the same query, so that the two line up whatever commits between)."""
    T = db.DATA_TABLES[name]
    cols = _columns(name)
    sel = [sa.type_coerce(T.c[c], sa.Text).label(c) if sqlite and k in ("date", "datetime") else T.c[c]
           for c, k in cols]
    result = conn.execute(sa.select(*sel, T.c.record_key.label("_record_key")).where(T.c.is_current)
                          .order_by(T.c.row_id))
    rows = [tuple(r) for r in result.all()]
    if keys is not None:
        keys.extend(str(r[-1]) for r in rows)
    rows = [r[:-1] for r in rows]
    frame = pd.DataFrame.from_records(rows, columns=[c for c, _ in cols]) if rows else pd.DataFrame(
        {c: pd.Series(dtype=object) for c, _ in cols})
    out: dict[str, pd.Series] = {}
    for c, kind in cols:
        s = frame[c]
        if kind in ("date", "datetime"):
            out[c] = pd.to_datetime(s, format="ISO8601") if len(s) else pd.Series(dtype="datetime64[ns]")
            out[c] = out[c].astype("datetime64[ns]")
        elif kind == "float":
            out[c] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif kind == "bool":
            out[c] = s.map(lambda v: bool(v) if v is not None and not pd.isna(v) else False).astype(bool)
        else:
            out[c] = s.astype("string")
    return pd.DataFrame(out, columns=[c for c, _ in cols])


def read_dataset(engine: sa.Engine, *, workspace_id: str = "", label: str = "") -> Dataset:
    """The workspace's current records as a :class:`~contextmap.Dataset` (every analysis works on it).

    The report holds the latest import's problems and quarantined rows; ``counts`` give
    the rows held (``accepted``) and the latest import's quarantined rows.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        identity: list[str] = []  # each link's identity (id@agency), as decisions on links' ends name it
        tables = {name: _read_table(conn, name, sqlite=sqlite, keys=identity if name == "links" else None)
                  for name in TABLE_NAMES}
        latest = conn.execute(sa.select(sa.func.max(db.imports.c.import_id))).scalar_one()
        rev = conn.execute(sa.select(db.workspace_info.c.value)
                           .where(db.workspace_info.c.name == "revision")).scalar_one_or_none()
        problems, quarantined = _latest_report(conn, latest)
    counts = {name: {"read": len(tables[name]) + len(quarantined.get(name, ())),
                     "accepted": len(tables[name]), "quarantined": len(quarantined.get(name, ()))}
              for name in TABLE_NAMES}
    report = ValidationReport(
        problems=problems,
        counts=pd.DataFrame.from_dict(counts, orient="index")[["read", "accepted", "quarantined"]],
        quarantined=quarantined,
        provenance={"links": pd.DataFrame({"identity": pd.Series(identity, dtype=object)})},
    )
    tables["locations"] = locations_to_gdf(tables["locations"])
    digest = hashlib.sha256(f"workspace:{workspace_id}:revision:{rev or 0}".encode()).hexdigest()
    return Dataset(**tables, report=report, source=None, content_hash=digest, workspace=label or None)


def _latest_report(conn: sa.Connection, import_id: int | None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    P = db.import_problems
    rows = [] if import_id is None else conn.execute(
        sa.select(P.c.table_name, P.c.file, P.c.row, P.c.column_name, P.c.value, P.c.reason, P.c.severity)
        .where(P.c.import_id == import_id).order_by(P.c.problem_id)).all()
    problems = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    for c in PROBLEM_COLUMNS:
        problems[c] = problems[c].astype("Int64" if c == "row" else "string")
    Q = db.import_quarantine
    qrows = [] if import_id is None else conn.execute(
        sa.select(Q.c.table_name, Q.c.data).where(Q.c.import_id == import_id).order_by(Q.c.quarantine_id)).all()
    by_table: dict[str, list[dict[str, Any]]] = {}
    for table, data in qrows:
        by_table.setdefault(table, []).append(json.loads(data))
    quarantined = {t: pd.DataFrame(recs) for t, recs in by_table.items()}
    for q in quarantined.values():
        if "_row" in q:
            q["_row"] = pd.to_numeric(q["_row"]).astype("int64")
    return problems, quarantined

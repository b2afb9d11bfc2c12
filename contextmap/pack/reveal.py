"""Turn a pseudonym in a pack back into the real identity, for the chair, on the record.

A partner pack shows ``Child C`` where the police pack shows a name. When a partner asks
who that is, the chair of the meeting (who holds the pseudonym key) runs::

    contextmap reveal "Child C" --pack reports/partner --reason "strategy meeting request"

The spoken pseudonyms of a pack (``Child A``, ``Person B``, ``Place C``: short, by rank,
stable within the pack) stand for the keyed pseudonyms the pack's exports carry as ids
(``Child-4F7K2Q``: stable across packs); the manifest records which stands for which (one
pseudonym for another: no identity), and either form may be given.

Nothing in the pack folder can turn a pseudonym back into a name: the pack holds no key, no
table of ids, and no path or user name (its ``manifest.json`` says only what kind of input it
was built from, its content hash, the audience, the period and whether entity resolution
ran). :func:`reveal` finds the pack's own entry in the team's audit log (by the SHA-256 of the
pack's ``manifest.json``, which the entry lists among the files published): the entry names
the input folder, workbook or workspace. It loads that data (or ``data=`` / ``workspace=``
when it has moved), resolves it as the pack did (with the workspace's decisions for a pack
built from a workspace), redacts it for the pack's audience with the key from the user's
configuration directory (:func:`contextmap.privacy.default_key_path`), and finds the record
that carries the pseudonym, whatever form the pseudonyms take.

Every disclosure is logged first, always in the team's configured log
(:func:`contextmap.privacy.audit.default_audit_path`; there is no other log for a
disclosure), event ``reveal``: the pseudonym, the stated reason, the pack; never the
identity. An unresolved log (see :mod:`contextmap.privacy.audit`) stops it before any work.
The identity is returned for the terminal only: the command refuses to print it to a pipe
or a file.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap import privacy
from contextmap._errors import ConfigError, InputNotFoundError, InputReadError, PrivacyError
from contextmap.ingest import is_manifest, load
from contextmap.privacy import audit
from contextmap.resolve import resolve_dataset

__all__ = ["MANIFEST_FILE", "MANIFEST_FORMAT", "Revealed", "reveal", "write_manifest", "read_manifest", "pack_entry"]

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "contextmap-pack-manifest/2"
_FORMATS = ("contextmap-pack-manifest/1", MANIFEST_FORMAT)  # /1 named the input's absolute path

_TABLES = (("children", "child_id", "child"), ("persons", "person_id", "person"),
           ("locations", "location_id", "location"), ("episodes", "episode_id", "episode"),
           ("links", "link_id", "link"))
_SHOWN = {"children": ("child_id", "name", "date_of_birth", "ce_risk"),
          "persons": ("person_id", "name", "aliases", "date_of_birth"),
          "locations": ("location_id", "name", "category", "postcode"),
          "episodes": ("episode_id", "child_id", "reported_at"),
          "links": ("link_id", "source_id", "target_id", "relation", "observed_on")}


def write_manifest(path: Path, *, input_path: str | Path | None, input_hash: str | None, audience: str,
                   ids: str, period: tuple[Any, Any], resolved: bool, data_period: str | None = None,
                   spoken: Mapping[str, str] | None = None) -> Path:
    """Write the pack's ``manifest.json``: what its data was, never where (no path, no user
    name: the pack leaves the organisation; the audit log keeps the path; ``data_period``: the
    month a sources manifest's ``{period}`` files were read for), and ``spoken``: each spoken
    pseudonym of the pack -> the keyed pseudonym it stands for."""
    start, end = period
    kind = None if not input_path else ("folder" if Path(input_path).is_dir() else "file")
    data = {"format": MANIFEST_FORMAT, "source": kind,
            "input_hash": input_hash, "audience": audience, "ids": ids,
            "period": {"start": None if start is None else str(pd.Timestamp(start).date()),
                       "end": None if end is None else str(pd.Timestamp(end).date())},
            "resolved": bool(resolved), "spoken": dict(sorted((spoken or {}).items()))}
    if data_period:
        data["data_period"] = data_period
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def read_manifest(pack: str | Path) -> dict[str, Any]:
    """Read ``manifest.json`` of the pack folder ``pack``.

    Raises
    ------
    InputNotFoundError
        If the folder has no manifest (packs made before contextmap wrote one).
    InputReadError
        If it is not a contextmap pack manifest.
    """
    p = Path(pack) / MANIFEST_FILE
    if not p.is_file():
        raise InputNotFoundError(f"no {MANIFEST_FILE} in the pack folder {str(Path(pack))!r}: is it a contextmap pack?")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputReadError(f"cannot read {str(p)!r}: {exc}") from None
    if not isinstance(data, Mapping) or data.get("format") not in _FORMATS:
        raise InputReadError(f"{str(p)!r} is not a contextmap pack manifest ({MANIFEST_FORMAT})")
    return dict(data)


def pack_entry(pack: str | Path, *, log: str | Path | None = None) -> dict[str, Any] | None:
    """The audit-log entry that published the pack ``pack`` (the latest whose files include
    this pack's ``manifest.json``, by SHA-256), or ``None``."""
    digest = audit.hash_file(Path(pack) / MANIFEST_FILE)[7:]
    for e in reversed(audit.read_audit(log)):
        if e.get("event") in ("pack", "export") and any(
                isinstance(o, Mapping) and o.get("sha256") == digest and str(o.get("path", "")).endswith(MANIFEST_FILE)
                for o in e.get("outputs") or []):
            return e
    return None


@dataclass
class Revealed:
    """The identity behind one pseudonym (never written to a file by contextmap).

    Attributes
    ----------
    pseudonym
        As shown in the pack.
    table, kind
        Where it was found (``'children'``, ``'child'``...).
    record
        The record's identifying fields (id, name, date of birth...).
    audit_entry
        The audit-log entry recording the disclosure.
    notes
        Warnings, for example that the data changed since the pack was built.
    """

    pseudonym: str
    table: str
    kind: str
    record: dict[str, Any]
    audit_entry: dict[str, Any] = field(default_factory=dict, repr=False)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # keep the identity out of logs and tracebacks
        return f"<Revealed {self.pseudonym} ({self.kind})>"


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def _source(pack: Path, man: dict[str, Any], data: Any, workspace: Any) -> tuple[Path | None, Any]:
    """Where the pack's data is: ``(path, None)`` or ``(None, workspace)``."""
    if data is not None:
        return Path(data), None
    if workspace is not None:
        return None, workspace
    entry = pack_entry(pack)
    if entry is not None and entry.get("workspace"):
        loc = str(entry["workspace"])
        if "***" in loc:  # a server workspace: the log never holds its password
            env = os.environ.get("CONTEXTMAP_WORKSPACE")
            if not env:
                raise InputNotFoundError(f"the pack was built from the workspace {loc!r}: give --workspace URL "
                                         "(or set CONTEXTMAP_WORKSPACE); the audit log never holds its password")
            return None, env
        return None, loc
    if entry is not None and entry.get("input"):
        return Path(str(entry["input"])), None
    if man.get("input"):  # a pack from before manifests left paths out
        return Path(str(man["input"])), None
    raise InputNotFoundError("the team's audit log has no entry for this pack and its manifest names no input "
                             "(the pack holds no path): give --data PATH or --workspace W")


def reveal(
    pseudonym: str,
    *,
    pack: str | Path,
    reason: str,
    data: str | Path | None = None,
    workspace: Any = None,
    pseudonymiser: Any = None,
    settings: Any = None,
    mapping: str | Path | None = None,
) -> Revealed:
    """Find the record behind ``pseudonym`` in the pack ``pack``, logging the disclosure.

    Parameters
    ----------
    pseudonym
        As printed in the pack: a spoken pseudonym (``'Child C'``, looked up in the pack's
        manifest) or a keyed one (``'Child-4F7K2Q'``, as in the exports; compared without
        regard to case or spacing).
    pack
        The pack folder (its ``manifest.json`` gives the audience and period; its entry in
        the team's audit log names the data).
    reason
        Why the identity is needed (recorded in the audit log); required.
    data
        The dataset, when it has moved since the pack was built.
    workspace
        The workspace (path, URL or :class:`~contextmap.workspace.Workspace`) the pack was
        built from, when the log's record of it cannot be used (a server URL needs its
        password; the log never holds it).
    pseudonymiser
        Default: the key in the user's configuration directory (never created here).
    settings
        Settings with the ``audiences`` section the pack was built with (custom audiences).
    mapping
        The column-mapping file the pack's data was read with.

    Raises
    ------
    ConfigError
        If ``reason`` is empty, or the pack shows real ids (nothing to reveal).
    AuditError
        If the team's audit log is unresolved (nothing is disclosed until the chair resolves it).
    PrivacyError
        If the key is missing, or no record of the dataset carries the pseudonym (wrong key,
        or the data changed).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ConfigError("Expected a reason for the disclosure (--reason), instead got nothing")
    pseudonym = " ".join(str(pseudonym).split())
    man = read_manifest(pack)
    spoken = {" ".join(k.split()).lower(): v for k, v in (man.get("spoken") or {}).items()}
    keyed = spoken.get(pseudonym.lower(), pseudonym)
    if man.get("ids") == "raw":
        raise ConfigError(f"the pack {str(Path(pack))!r} shows real ids ({man.get('audience')} audience): "
                          "there is no pseudonym to reveal")
    audit.check_audit()  # an unresolved log stops every disclosure, before any work
    source, ws_arg = _source(Path(pack), man, data, workspace)
    if source is not None and not source.exists():
        raise InputNotFoundError(f"the pack's dataset is not at {str(source)!r} any more: give --data PATH")
    key = pseudonymiser or privacy.Pseudonymiser.from_key_file(create=False)
    decisions = None
    ws = None
    if ws_arg is not None:
        from contextmap.workspace import open_workspace

        ws = open_workspace(ws_arg)
        ds, decisions = ws.dataset(), ws.decisions()
    else:
        assert source is not None  # _source gives a path or a workspace
        ds = load(source, mapping=mapping, period=man.get("data_period") if is_manifest(source) else None)
    try:
        notes = []
        now_hash = ds.content_hash or (audit.hash_input(source) if source is not None else None)
        if man.get("input_hash") and now_hash != man["input_hash"]:
            notes.append("the dataset has changed since the pack was built; the record shown is today's")
        resolved = resolve_dataset(ds, decisions=decisions) if man.get("resolved", True) else ds
        aud = privacy.get_audience(str(man["audience"]), settings=settings)
        red = privacy.redact_dataset(resolved, aud, pseudonymiser=key,
                                     as_of=(man.get("period") or {}).get("end"), settings=settings)
        hit = None
        wanted = _norm(keyed)
        for table, col, kind in _TABLES:
            r = red.table(table)
            for c in (col, "name"):  # the record's pseudonym, whichever column carries it
                if c not in r.columns:
                    continue
                m = r.index[(r[c].astype(str).map(_norm) == wanted).to_numpy(dtype=bool)]
                if len(m):
                    hit = (table, kind, m[0])
                    break
            if hit is not None:
                break
        where = {"workspace": ws.label} if ws is not None else {}
    finally:
        if ws is not None and ws is not workspace:
            ws.close()
    period = man.get("period") or {}
    # log before anything is shown, in the team's log; the entry holds the pseudonym and the
    # reason, not the identity
    entry = audit.append_audit(
        None, audience=str(man["audience"]), input_path=source, input_hash=now_hash,
        period=(period.get("start"), period.get("end")),
        outputs=(), user=getpass.getuser(), event="reveal",
        command=["contextmap", "reveal", pseudonym, "--pack", str(pack)],
        extra={"pseudonym": pseudonym, **({"stands_for": keyed} if keyed != pseudonym else {}), "reason": reason,
               "pack": str(Path(pack).resolve()), "found": hit is not None, **where},
    )
    if hit is None:
        raise PrivacyError(f"no record of the pack's dataset carries the pseudonym {pseudonym!r} "
                           "(a different key, or the data changed); the attempt is logged")
    table, kind, idx = hit
    row = resolved.table(table).loc[idx]
    record = {c: (None if pd.isna(row[c]) else (str(pd.Timestamp(row[c]).date()) if isinstance(row[c], pd.Timestamp) else row[c]))
              for c in _SHOWN[table] if c in row.index and not isinstance(row[c], (list, tuple))}
    return Revealed(pseudonym=pseudonym, table=table, kind=kind, record=record, audit_entry=entry, notes=notes)

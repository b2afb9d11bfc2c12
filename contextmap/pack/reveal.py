"""Turn a pseudonym in a pack back into the real identity, for the chair, on the record.

A partner pack shows ``Child C`` where the police pack shows a name. When a partner asks
who that is, the chair of the meeting (who holds the pseudonym key) runs::

    contextmap reveal "Child C" --pack reports/partner --reason "strategy meeting request"

The spoken pseudonyms of a pack (``Child A``, ``Person B``, ``Place C``: short, by rank,
stable within the pack) stand for the keyed pseudonyms the pack's exports carry as ids
(``Child-4F7K2Q``: stable across packs); the manifest records which stands for which (one
pseudonym for another: no identity), and either form may be given.

Nothing in the pack folder can turn a pseudonym back into a name: the pack holds no key and no
table of ids. :func:`reveal` instead re-derives the pack's pseudonyms: it reads the pack's
``manifest.json`` (the input dataset, its content hash, the audience, the period and whether
entity resolution ran), loads that dataset, resolves it as the pack did, redacts it for the
pack's audience with the key from the user's configuration directory
(:func:`contextmap.privacy.default_key_path`), and finds the row that carries the pseudonym.

Every disclosure is logged first (:func:`contextmap.privacy.audit.append_audit`, event
``reveal``: the pseudonym, the stated reason, the pack; never the identity), and the identity
is returned for the terminal only: the command refuses to print it to a pipe or a file.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from contextmap import privacy
from contextmap._errors import ConfigError, InputNotFoundError, InputReadError, PrivacyError
from contextmap.ingest import load
from contextmap.privacy import audit
from contextmap.resolve import resolve_dataset

__all__ = ["MANIFEST_FILE", "MANIFEST_FORMAT", "Revealed", "reveal", "write_manifest", "read_manifest"]

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "contextmap-pack-manifest/1"

_TABLES = (("children", "child_id", "child"), ("persons", "person_id", "person"),
           ("locations", "location_id", "location"), ("episodes", "episode_id", "episode"),
           ("links", "link_id", "link"))
_SHOWN = {"children": ("child_id", "name", "date_of_birth", "ce_risk"),
          "persons": ("person_id", "name", "aliases", "date_of_birth"),
          "locations": ("location_id", "name", "category", "postcode"),
          "episodes": ("episode_id", "child_id", "reported_at"),
          "links": ("link_id", "source_id", "target_id", "relation", "observed_on")}


def write_manifest(path: Path, *, input_path: str | Path | None, input_hash: str | None, audience: str,
                   ids: str, period: tuple[Any, Any], resolved: bool, spoken: Mapping[str, str] | None = None) -> Path:
    """Write the pack's ``manifest.json``: where its data came from (no identity in it), and
    ``spoken``: each spoken pseudonym of the pack -> the keyed pseudonym it stands for."""
    start, end = period
    data = {"format": MANIFEST_FORMAT, "input": str(Path(input_path).resolve()) if input_path else None,
            "input_hash": input_hash, "audience": audience, "ids": ids,
            "period": {"start": None if start is None else str(pd.Timestamp(start).date()),
                       "end": None if end is None else str(pd.Timestamp(end).date())},
            "resolved": bool(resolved), "spoken": dict(sorted((spoken or {}).items()))}
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
    if not isinstance(data, Mapping) or data.get("format") != MANIFEST_FORMAT:
        raise InputReadError(f"{str(p)!r} is not a contextmap pack manifest ({MANIFEST_FORMAT})")
    return dict(data)


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


def reveal(
    pseudonym: str,
    *,
    pack: str | Path,
    reason: str,
    data: str | Path | None = None,
    pseudonymiser: Any = None,
    settings: Any = None,
    audit_log: str | Path | None = None,
    mapping: str | Path | None = None,
) -> Revealed:
    """Find the record behind ``pseudonym`` in the pack ``pack``, logging the disclosure.

    Parameters
    ----------
    pseudonym
        As printed in the pack: a spoken pseudonym (``'Child C'``, looked up in the pack's
        manifest) or a keyed one (``'Child-4F7K2Q'``, as in the exports).
    pack
        The pack folder (its ``manifest.json`` names the dataset, audience and period).
    reason
        Why the identity is needed (recorded in the audit log); required.
    data
        The dataset, when it has moved since the pack was built (default: the manifest's).
    pseudonymiser
        Default: the key in the user's configuration directory (never created here).
    settings
        Settings with the ``audiences`` section the pack was built with (custom audiences).
    audit_log
        Default :func:`contextmap.privacy.audit.default_audit_path`.

    Raises
    ------
    ConfigError
        If ``reason`` is empty, or the pack shows real ids (nothing to reveal).
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
    source = Path(data) if data is not None else (Path(man["input"]) if man.get("input") else None)
    if source is None:
        raise InputNotFoundError("the pack's manifest names no input dataset: give --data PATH")
    if not source.exists():
        raise InputNotFoundError(f"the pack's dataset is not at {str(source)!r} any more: give --data PATH")
    key = pseudonymiser or privacy.Pseudonymiser.from_key_file(create=False)
    ds = load(source, mapping=mapping)
    notes = []
    now_hash = ds.content_hash or audit.hash_input(source)
    if man.get("input_hash") and now_hash != man["input_hash"]:
        notes.append("the dataset has changed since the pack was built; the record shown is today's")
    resolved = resolve_dataset(ds) if man.get("resolved", True) else ds
    aud = privacy.get_audience(str(man["audience"]), settings=settings)
    red = privacy.redact_dataset(resolved, aud, pseudonymiser=key, as_of=(man.get("period") or {}).get("end"),
                                 settings=settings)
    hit = None
    for table, col, kind in _TABLES:
        r = red.table(table)
        m = r.index[(r[col].astype(str) == keyed).to_numpy(dtype=bool)]
        if len(m):
            hit = (table, kind, m[0])
            break
    # log before anything is shown; the entry holds the pseudonym and the reason, not the identity
    entry = audit.append_audit(
        audit_log, audience=str(man["audience"]), input_path=source, input_hash=now_hash,
        period=((man.get("period") or {}).get("start"), (man.get("period") or {}).get("end")),
        outputs=(), user=getpass.getuser(), event="reveal",
        command=["contextmap", "reveal", pseudonym, "--pack", str(pack)],
        extra={"pseudonym": pseudonym, **({"stands_for": keyed} if keyed != pseudonym else {}), "reason": reason,
               "pack": str(Path(pack).resolve()), "found": hit is not None},
    )
    if hit is None:
        raise PrivacyError(f"no record of the pack's dataset carries the pseudonym {pseudonym!r} "
                           "(a different key, or the data changed); the attempt is logged")
    table, kind, idx = hit
    row = resolved.table(table).loc[idx]
    record = {c: (None if pd.isna(row[c]) else (str(pd.Timestamp(row[c]).date()) if isinstance(row[c], pd.Timestamp) else row[c]))
              for c in _SHOWN[table] if c in row.index and not isinstance(row[c], (list, tuple))}
    return Revealed(pseudonym=pseudonym, table=table, kind=kind, record=record, audit_entry=entry, notes=notes)

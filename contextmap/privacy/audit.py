"""The disclosure audit log: one JSON line per pack or export, appended, never rewritten.

UK data protection law expects a record of each disclosure of personal data: when, by whom,
to whom, of what, and what was sent. Every run of ``contextmap pack`` appends one entry:

``id``
    A random entry id. A pack in circulation is traced to its entry by the SHA-256 of its
    files (``outputs``), without carrying the user's name out of the organisation.
``at``
    UTC time, ISO 8601.
``user``, ``host``
    The operating-system user and machine that produced it.
``audience``, ``input``, ``input_hash``, ``period``
    Who it was for, which input (path and content hash), which period (ISO dates).
``outputs``
    Every file written, with its size and SHA-256.
``command``, ``version``
    The command line and the contextmap version.
``key``
    The fingerprint of the audit key that sealed the entry (never the key).
``prev``
    The ``mac`` of the previous entry (``null`` for the first).
``mac``
    HMAC-SHA256, under the audit key, of the entry without ``mac``: editing an entry breaks
    its MAC, removing or reordering entries breaks the ``prev`` chain, and without the key
    nobody can re-chain the log after an edit.

A **sealed head** is kept apart from the log (beside the audit key): the number of entries
and the last entry's MAC, itself sealed with the key. Deleting or editing the *last* entry,
which a chain alone cannot show, is caught by comparing the log with its head. The audit
key (``$CONTEXTMAP_AUDIT_KEY_FILE``, else ``audit.key`` beside the pseudonym key) lives
outside the repository and every pack, like the pseudonym key.

Fail closed: :func:`append_audit` raises when the entry or the head cannot be written, or
when the log no longer matches its head; :func:`contextmap.pack.build_pack` then publishes
nothing.

The log lives outside the pack, in the user's data directory
(``$CONTEXTMAP_AUDIT_LOG``, else ``$XDG_DATA_HOME/contextmap/audit.jsonl``, else
``~/.local/share/contextmap/audit.jsonl``). The pack holds no copy.

Examples
--------
>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
>>> e = append_audit(log, audience="partner", input_path=None, input_hash="sha256:00",
...                  period=("2024-04-01", "2024-06-30"), outputs=[], user="analyst")
>>> e["audience"], e["period"], len(read_audit(log))
('partner', {'from': '2024-04-01', 'to': '2024-06-30'}, 1)
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import os
import socket
import stat
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from contextmap._errors import InputNotFoundError, PrivacyError
from contextmap.privacy.pseudonyms import default_key_path, read_key_file

__all__ = [
    "AuditError",
    "default_audit_path",
    "default_audit_key_path",
    "default_head_path",
    "hash_input",
    "hash_file",
    "new_entry_id",
    "append_audit",
    "read_audit",
    "verify_audit",
]


def default_audit_path() -> Path:
    """``$CONTEXTMAP_AUDIT_LOG``, else ``$XDG_DATA_HOME/contextmap/audit.jsonl``, else ``~/.local/share/...``."""
    env = os.environ.get("CONTEXTMAP_AUDIT_LOG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "contextmap" / "audit.jsonl"


class AuditError(PrivacyError, OSError):
    """The disclosure could not be logged, or the log does not match its sealed head."""


def default_audit_key_path() -> Path:
    """``$CONTEXTMAP_AUDIT_KEY_FILE``, else ``audit.key`` beside the pseudonym key."""
    env = os.environ.get("CONTEXTMAP_AUDIT_KEY_FILE")
    if env:
        return Path(env).expanduser()
    return default_key_path().parent / "audit.key"


def default_head_path(log_path: str | Path) -> Path:
    """``$CONTEXTMAP_AUDIT_HEAD``, else ``audit-heads/<digest of the log's path>.json``
    beside the audit key: apart from the log, one head per log."""
    env = os.environ.get("CONTEXTMAP_AUDIT_HEAD")
    if env:
        return Path(env).expanduser()
    digest = hashlib.sha256(str(Path(log_path).expanduser().resolve()).encode("utf-8")).hexdigest()[:20]
    return default_audit_key_path().parent / "audit-heads" / f"{digest}.json"


def _key(key: bytes | None) -> bytes:
    return key if key is not None else read_key_file(default_audit_key_path(), what="audit key")


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"contextmap-audit-fingerprint" + key).hexdigest()[:12]


def _mac(key: bytes, entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "mac"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _seal(key: bytes, count: int, last: str | None) -> str:
    return hmac.new(key, f"contextmap-audit-head\x1f{count}\x1f{last}".encode(), hashlib.sha256).hexdigest()


def _read_head(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        head = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"count": None, "last": None, "seal": None}
    return head if isinstance(head, dict) else {"count": None, "last": None, "seal": None}


def _write_head(path: Path, key: bytes, count: int, last: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = json.dumps({"count": count, "last": last, "seal": _seal(key, count, last)}).encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def hash_file(path: str | Path) -> str:
    """``'sha256:<hex>'`` of one file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def _input_files(p: Path) -> list[Path]:
    return sorted(
        (f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)),
        key=lambda f: f.relative_to(p).as_posix(),
    )


def hash_input(path: str | Path) -> str:
    """Content hash of an input: one file, or every non-hidden file under a folder.

    For a folder the hash covers each file's path relative to the folder and its bytes,
    in sorted path order, so renaming, editing, adding or removing a file changes it and
    nothing else does (timestamps, the folder's own location).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "children.csv").write_text("child_id\\nC1\\n")
    >>> hash_input(d) == hash_input(d), hash_input(d).startswith("sha256:")
    (True, True)
    """
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"input not found: {str(p)!r}")
    if p.is_file():
        return hash_file(p)
    h = hashlib.sha256()
    for f in _input_files(p):
        rel = f.relative_to(p).as_posix().encode()
        data = f.read_bytes()
        h.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big") + data)
    return "sha256:" + h.hexdigest()


def new_entry_id() -> str:
    """A fresh random entry id (to print on a pack before its entry is appended)."""
    return uuid.uuid4().hex


@contextlib.contextmanager
def _locked(fh: Any) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: appends are still single writes
        yield
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _last_line(fh: Any) -> bytes | None:
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return None
    pos, buf = end, b""
    while pos > 0:
        step = min(4096, pos)
        pos -= step
        fh.seek(pos)
        buf = fh.read(step) + buf
        stripped = buf.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return buf.rstrip(b"\n") or None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return str(value.isoformat())
    return str(value)


def append_audit(
    log_path: str | Path | None = None,
    *,
    audience: str,
    input_path: str | Path | None,
    input_hash: str | None = None,
    period: Sequence[Any] | None = None,
    outputs: Iterable[str | Path] = (),
    user: str | None = None,
    command: Sequence[str] | str | None = None,
    entry_id: str | None = None,
    event: str = "pack",
    extra: dict[str, Any] | None = None,
    record_as: tuple[str | Path, str | Path] | None = None,
    key: bytes | None = None,
    head_path: str | Path | None = None,
) -> dict[str, Any]:
    """Append one entry to the audit log and return it.

    The file is opened for appending only (created with mode 0600), the line is written
    in one call under an exclusive lock, flushed and fsynced. Earlier lines are never
    read back into memory or rewritten; only the last line is read, to chain its hash.

    Parameters
    ----------
    log_path
        The log file (default :func:`default_audit_path`).
    audience
        The audience name.
    input_path
        The input folder or workbook.
    input_hash
        Its content hash (default: :func:`hash_input` of ``input_path``).
    period
        ``(from, to)`` dates (any of ``None``).
    outputs
        The files written; each is recorded with its size and SHA-256.
    user
        Default: the operating-system user.
    command
        The command line (default: ``sys.argv``).
    entry_id
        Default: :func:`new_entry_id`.
    event
        What happened (``'pack'``, ``'export'``).
    extra
        More JSON-serialisable fields (for example the pseudonym key fingerprint).
    record_as
        ``(staging, final)``: the outputs are read where they are (under ``staging``) and
        recorded where they will be published (under ``final``), so the entry is written
        before the pack is published.
    key
        The audit key (default: read, or created, at :func:`default_audit_key_path`).
    head_path
        The sealed head (default :func:`default_head_path`).

    Raises
    ------
    AuditError
        If the entry or the head cannot be written, or the log does not match its head (it
        was edited or truncated): nothing may be published without its entry.
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    if input_hash is None and input_path is not None:
        input_hash = hash_input(input_path)
    files = []
    for o in outputs:
        p = Path(o)
        if not p.is_file():
            raise InputNotFoundError(f"output to record in the audit log not found: {str(p)!r}")
        shown = p.resolve()
        if record_as is not None:
            staging, final = (Path(x).resolve() for x in record_as)
            with contextlib.suppress(ValueError):
                shown = final / shown.relative_to(staging)
        files.append({"path": str(shown), "bytes": p.stat().st_size, "sha256": hash_file(p)[7:]})
    start, end = (tuple(period) + (None, None))[:2] if period is not None else (None, None)
    if isinstance(command, str):
        cmd: list[str] | None = [command]
    elif command is None:
        cmd = list(sys.argv)
    else:
        cmd = [str(c) for c in command]
    try:
        from contextmap import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    entry: dict[str, Any] = {
        "id": entry_id or new_entry_id(),
        "event": event,
        "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "user": user if user is not None else getpass.getuser(),
        "host": socket.gethostname(),
        "audience": audience,
        "input": str(Path(input_path).resolve()) if input_path is not None else None,
        "input_hash": input_hash,
        "period": {"from": _iso(start), "to": _iso(end)},
        "outputs": files,
        "command": cmd,
        "version": version,
    }
    if extra:
        clash = set(extra) & set(entry)
        if clash:
            raise ValueError(f"Expected extra to add new fields, instead it repeats: {sorted(clash)!r}")
        entry.update(extra)
    k = _key(key)
    entry["key"] = _fingerprint(k)
    head_file = Path(head_path) if head_path is not None else default_head_path(log)
    try:
        log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AuditError(f"cannot open the audit log {str(log)!r}: {exc}; nothing is published") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a device (/dev/full, /dev/null) records nothing
        os.close(fd)
        raise AuditError(f"the audit log {str(log)!r} is not a regular file, so nothing can be recorded "
                         "in it; nothing is published")
    with os.fdopen(fd, "a+b") as fh, _locked(fh):
        fh.seek(0)
        count = sum(1 for raw in fh if raw.strip())
        last = _last_line(fh)
        prev = _prev_of(last)
        head = _read_head(head_file)
        if head is not None and (head.get("count") != count or head.get("last") != prev
                                 or head.get("seal") != _seal(k, count, prev)):
            raise AuditError(
                f"the audit log {str(log)!r} does not match its sealed head (entries edited, removed "
                "or added): run `contextmap audit` and have it checked; nothing is published"
            )
        if head is None and count and last is not None and prev is None:
            raise AuditError(f"the last entry of the audit log {str(log)!r} is not valid: nothing is published")
        entry["prev"] = prev
        entry["mac"] = _mac(k, entry)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        size = fh.seek(0, os.SEEK_END)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):  # no half line left behind
                os.ftruncate(fh.fileno(), size)
            raise AuditError(f"cannot write to the audit log {str(log)!r}: {exc}; nothing is published") from None
        try:
            _write_head(head_file, k, count + 1, entry["mac"])
        except OSError as exc:
            raise AuditError(
                f"cannot write the audit log's sealed head {str(head_file)!r}: {exc}; nothing is published"
            ) from None
    return entry


def _prev_of(last: bytes | None) -> str | None:
    """What the next entry chains to: the last entry's MAC (SHA-256 of the line for an
    entry from before keyed chaining); ``None`` for an empty log or an unreadable line."""
    if not last:
        return None
    try:
        obj = json.loads(last.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(obj, dict):
        return None
    mac = obj.get("mac")
    return mac if isinstance(mac, str) else hashlib.sha256(last).hexdigest()


def read_audit(log_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every readable entry of the log, oldest first (``[]`` when there is no log yet).

    Lines that are not UTF-8 JSON objects are skipped here; :func:`verify_audit` reports them.
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    if not log.exists():
        return []
    out = []
    with open(log, "rb") as fh:
        for raw in fh:
            if raw.strip():
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    continue
                if isinstance(obj, dict):
                    out.append(obj)
    return out


def verify_audit(
    log_path: str | Path | None = None, *, key: bytes | None = None, head_path: str | Path | None = None
) -> list[str]:
    """Check every entry's MAC, the chain and the sealed head; one message per problem.

    ``[]`` means intact. Reported: a line that is not UTF-8 or not a JSON object, an entry
    whose MAC does not match (edited, or forged without the key), an entry that does not
    follow the one before (removed or reordered), and a log whose length or last entry
    differs from its sealed head (the last entries removed or edited, entries appended
    without the key, or the head itself edited). Entries from before keyed chaining (no
    ``mac``) are accepted only before every keyed entry, chained by SHA-256 of the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> k = b"an example audit key, never use it"
    >>> for _ in range(2):
    ...     _ = append_audit(d / "audit.jsonl", audience="police", input_path=None, outputs=[], user="u",
    ...                      key=k, head_path=d / "head.json")
    >>> verify_audit(d / "audit.jsonl", key=k, head_path=d / "head.json")
    []
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    head_file = Path(head_path) if head_path is not None else default_head_path(log)
    k: bytes | None = key
    if k is None and default_audit_key_path().exists():
        k = read_key_file(default_audit_key_path(), create=False, what="audit key")
    head = _read_head(head_file)
    problems: list[str] = []
    if not log.exists():
        if head is not None and head.get("count"):
            problems.append(f"the log is missing, but its sealed head counts {head.get('count')} entries")
        return problems
    prev: str | None = None
    count = 0
    keyed_seen = False
    with open(log, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.rstrip(b"\n")
            if not line.strip():
                continue
            count += 1
            try:
                entry = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                problems.append(f"line {n}: not UTF-8 text (tampered or damaged)")
                prev = "unreadable"
                continue
            except json.JSONDecodeError:
                problems.append(f"line {n}: not valid JSON (tampered or damaged)")
                prev = "unreadable"
                continue
            if not isinstance(entry, dict):
                problems.append(f"line {n}: not a log entry (tampered or damaged)")
                prev = "unreadable"
                continue
            mac = entry.get("mac")
            if mac is None:
                if keyed_seen:
                    problems.append(f"line {n}: an entry without a MAC after keyed entries (inserted)")
                elif entry.get("prev") != prev:
                    problems.append(f"line {n}: does not follow line {n - 1} (an earlier line was edited or removed)")
                prev = hashlib.sha256(line).hexdigest()
                continue
            if k is None:
                problems.append(f"the audit key {str(default_audit_key_path())!r} is missing, so the "
                                "keyed entries cannot be checked")
                return problems
            keyed_seen = True
            if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(k, entry)):
                problems.append(f"line {n}: the entry does not match its MAC (edited, or written without the key)")
            if entry.get("prev") != prev:
                problems.append(f"line {n}: does not follow line {n - 1} (entries removed or reordered)")
            prev = mac if isinstance(mac, str) else "unreadable"
    if head is None:
        if keyed_seen:
            problems.append(f"no sealed head at {str(head_file)!r} (it was removed, or the log was moved)")
        return problems
    if k is None:
        problems.append(f"the audit key {str(default_audit_key_path())!r} is missing, so the sealed head "
                        "cannot be checked")
        return problems
    if not isinstance(head.get("seal"), str) or not hmac.compare_digest(
        head["seal"], _seal(k, head.get("count"), head.get("last"))  # type: ignore[arg-type]
    ):
        problems.append("the sealed head does not match its seal (edited, or written without the key)")
    elif head.get("count") != count:
        problems.append(f"the log has {count} entries but its sealed head counts {head.get('count')} "
                        "(entries removed or added)")
    elif head.get("last") != prev:
        problems.append("the last entry is not the one the sealed head records (the last entry was edited or replaced)")
    return problems

"""The disclosure audit log: one JSON line per pack or export, appended, never rewritten.

UK data protection law expects a record of each disclosure of personal data: when, by whom,
to whom, of what, and what was sent. Every run of ``contextmap pack`` appends one entry:

``id``
    A random entry id (printed on the pack's cover, so a pack can be traced to its entry
    without carrying the user's name out of the organisation).
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
``prev``
    SHA-256 of the previous line of the log (``null`` for the first): editing or deleting
    an earlier line breaks the chain, which :func:`verify_audit` reports.

The log lives outside the pack, in the user's data directory
(``$CONTEXTMAP_AUDIT_LOG``, else ``$XDG_DATA_HOME/contextmap/audit.jsonl``, else
``~/.local/share/contextmap/audit.jsonl``). The pack holds no copy: it names its entry id.

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
import json
import os
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from contextmap._errors import InputNotFoundError, PrivacyError

__all__ = [
    "default_audit_path",
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
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    if input_hash is None and input_path is not None:
        input_hash = hash_input(input_path)
    files = []
    for o in outputs:
        p = Path(o)
        if not p.is_file():
            raise InputNotFoundError(f"output to record in the audit log not found: {str(p)!r}")
        files.append({"path": str(p.resolve()), "bytes": p.stat().st_size, "sha256": hash_file(p)[7:]})
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
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a+b") as fh, _locked(fh):
        last = _last_line(fh)
        entry["prev"] = hashlib.sha256(last).hexdigest() if last else None
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return entry


def read_audit(log_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every entry of the log, oldest first (``[]`` when there is no log yet)."""
    log = Path(log_path) if log_path is not None else default_audit_path()
    if not log.exists():
        return []
    out = []
    with open(log, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    raise PrivacyError(f"audit log {str(log)!r} line {n} is not valid JSON") from None
    return out


def verify_audit(log_path: str | Path | None = None) -> list[str]:
    """Check the hash chain; return one message per broken link (``[]``: intact).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
    >>> for _ in range(2):
    ...     _ = append_audit(log, audience="police", input_path=None, outputs=[], user="u")
    >>> verify_audit(log)
    []
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    if not log.exists():
        return []
    problems = []
    prev: bytes | None = None
    with open(log, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.rstrip(b"\n")
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                problems.append(f"line {n}: not valid JSON")
                prev = line
                continue
            expected = hashlib.sha256(prev).hexdigest() if prev is not None else None
            if entry.get("prev") != expected:
                problems.append(f"line {n}: does not follow line {n - 1} (an earlier line was edited or removed)")
            prev = line
    return problems

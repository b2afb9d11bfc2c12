"""The disclosure audit log: one JSON line per disclosure, appended, never rewritten.

UK data protection law expects a record of each disclosure of personal data: when, by whom,
to whom, of what, and what was sent. Every pack, export, ``reveal`` and workspace erasure
appends one entry:

``id``
    A random entry id.
``event``
    ``pack``, ``export``, ``reveal``, ``purge``, ``erase`` or ``resolve`` (the chair's
    record that a broken log was looked at: :func:`resolve_audit`).
``at``
    UTC time, ISO 8601.
``user``, ``host``
    The operating-system user and machine that produced it.
``audience``, ``input``, ``input_hash``, ``period``
    Who it was for, which input (path and content hash), which period (ISO dates).
``outputs``
    Every file written, with its size and SHA-256.
``command``, ``version``
    The command line (passwords in URLs masked: :func:`contextmap._errors.mask_secrets`,
    like every other text of the entry) and the contextmap version.
``key``
    The fingerprint of the audit key that sealed the entry (never the key).
``prev``
    The ``mac`` of the previous entry (``null`` for the first).
``mac``
    HMAC-SHA256, under the audit key, of the entry without ``mac``.

**The sealed head.** Beside the audit key, apart from the log, a head records how many
entries the log has (a counter that only grows) and the last entry's MAC, sealed with the key.
Every command that writes to the log, and ``contextmap audit``, checks the whole log against
it: each MAC, the chain, the counter and the last MAC. A head that is missing while the log
has entries, counts fewer entries than the log (an older head put back) or more (entries
removed), or does not match its seal, makes the log **unresolved**: every disclosure
(:func:`append_audit`) stops until the chair looks at it and records that with
:func:`resolve_audit` (``contextmap audit resolve --reason ...``), itself an entry of the log.
Entries without a MAC are accepted only when a sealed head vouches for them (logs from before
keyed entries); an empty log whose head counts entries is a log that was emptied.

The head is written so that no failure leaves the log unverifiable: the next head is written
and fsynced first (``<head>.next``), then the entry is appended and fsynced, then the next
head is renamed over the head. A full disk before the rename appends nothing; a crash between
the append and the rename is completed by the next command (the next head is sealed and
matches the log exactly).

What it proves, and what it cannot: see ``docs/privacy.md`` (someone who holds the key and can
write both the log and the head can rewrite history).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> k = b"an example audit key, never use it"
>>> e = append_audit(d / "audit.jsonl", audience="partner", input_path=None, input_hash="sha256:00",
...                  period=("2024-04-01", "2024-06-30"), outputs=[], user="analyst", key=k,
...                  head_path=d / "head.json")
>>> e["audience"], e["period"], len(read_audit(d / "audit.jsonl"))
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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from contextmap._errors import ConfigError, InputNotFoundError, PrivacyError, mask_secrets
from contextmap.privacy.pseudonyms import default_key_path, read_key_file

__all__ = [
    "AuditError",
    "AuditStatus",
    "default_audit_path",
    "default_audit_key_path",
    "default_head_path",
    "hash_input",
    "hash_file",
    "new_entry_id",
    "append_audit",
    "read_audit",
    "audit_status",
    "verify_audit",
    "check_audit",
    "resolve_audit",
]

RESOLVE_HINT = ("the chair looks at it (`contextmap audit`) and records that with "
                "`contextmap audit resolve --reason TEXT`")


def default_audit_path() -> Path:
    """``$CONTEXTMAP_AUDIT_LOG``, else ``$XDG_DATA_HOME/contextmap/audit.jsonl``, else ``~/.local/share/...``."""
    env = os.environ.get("CONTEXTMAP_AUDIT_LOG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "contextmap" / "audit.jsonl"


class AuditError(PrivacyError, OSError):
    """The disclosure could not be logged, or the log is unresolved (it does not match its
    sealed head, or an entry was edited): nothing may be disclosed until the chair resolves it."""


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


def _key(key: bytes | None, *, create: bool = True) -> bytes:
    return key if key is not None else read_key_file(default_audit_key_path(), create=create, what="audit key")


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"contextmap-audit-fingerprint" + key).hexdigest()[:12]


def _mac(key: bytes, entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "mac"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _seal(key: bytes, count: Any, last: Any) -> str:
    return hmac.new(key, f"contextmap-audit-head\x1f{count}\x1f{last}".encode(), hashlib.sha256).hexdigest()


def _read_head(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        head = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {"count": None, "last": None, "seal": None}
    return head if isinstance(head, dict) else {"count": None, "last": None, "seal": None}


def _sealed(key: bytes | None, head: dict[str, Any] | None) -> bool:
    return (key is not None and head is not None and isinstance(head.get("seal"), str)
            and hmac.compare_digest(head["seal"], _seal(key, head.get("count"), head.get("last"))))


def _next_path(head_file: Path) -> Path:
    return head_file.with_name(head_file.name + ".next")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform opens folders
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_next_head(head_file: Path, key: bytes, count: int, last: str | None) -> Path:
    """Write (and fsync) the head the log will have after this entry, beside the head."""
    head_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    nxt = _next_path(head_file)
    data = json.dumps({"count": count, "last": last, "seal": _seal(key, count, last)}).encode("utf-8")
    try:
        fd = os.open(nxt, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            nxt.unlink()
        raise
    return nxt


def _commit_head(nxt: Path, head_file: Path) -> None:
    os.replace(nxt, head_file)
    _fsync_dir(head_file.parent)


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


def _link(line: bytes) -> str:
    """What the next entry's ``prev`` names: the entry's ``mac``, or the SHA-256 of the line
    (an entry from before keyed chaining, or a line that is not an entry at all)."""
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return hashlib.sha256(line).hexdigest()
    mac = obj.get("mac") if isinstance(obj, dict) else None
    return mac if isinstance(mac, str) else hashlib.sha256(line).hexdigest()


@dataclass
class AuditStatus:
    """What :func:`audit_status` found: the log against its entries' MACs, its chain and its head.

    Attributes
    ----------
    log, head
        The log and its sealed head.
    count
        Entries (non-empty lines) in the log.
    head_count
        What the head counts (``None``: no head, or not readable).
    problems
        Unresolved problems, one message each: the log is intact when there are none.
    resolved
        Problems the chair has looked at and recorded (:func:`resolve_audit`), with who,
        when and why; they no longer stop disclosures.
    """

    log: Path
    head: Path
    count: int = 0
    head_count: int | None = None
    problems: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    last: str | None = None
    line_problems: list[tuple[int, str, str]] = field(default_factory=list, repr=False)
    head_problem: str | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    """``(line number, line)`` for each non-empty line (numbered as an editor numbers them)."""
    out = []
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            out.append((n, raw.rstrip(b"\r")))
    return out


def _status(log: Path, head_file: Path, data: bytes | None, key: bytes | None) -> AuditStatus:
    st = AuditStatus(log=log, head=head_file)
    lines = _lines(data) if data else []
    st.count = len(lines)
    st.last = _link(lines[-1][1]) if lines else None
    head = _read_head(head_file)
    nxt = _read_head(_next_path(head_file))  # a head update interrupted after its entry was written
    if nxt is not None and _sealed(key, nxt) and nxt.get("count") == st.count and nxt.get("last") == st.last:
        head = nxt
    st.head_count = head.get("count") if head is not None and isinstance(head.get("count"), int) else None
    keyed = any(b'"mac"' in raw for _n, raw in lines)
    if key is None:
        if keyed or head is not None:
            st.problems.append(f"the audit key {str(default_audit_key_path())!r} is missing, so the log "
                               "cannot be checked")
        return st
    vouched = _sealed(key, head) and head is not None and head.get("count") == st.count and head.get("last") == st.last
    prev: str | None = None
    keyed_seen = False
    acknowledged: dict[str, str] = {}
    for n, line in lines:
        digest = hashlib.sha256(line).hexdigest()
        try:
            entry = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            st.line_problems.append((n, digest, f"line {n}: not UTF-8 text (tampered or damaged)"))
            prev = digest
            continue
        except json.JSONDecodeError:
            st.line_problems.append((n, digest, f"line {n}: not valid JSON (tampered or damaged)"))
            prev = digest
            continue
        if not isinstance(entry, dict):
            st.line_problems.append((n, digest, f"line {n}: not a log entry (tampered or damaged)"))
            prev = digest
            continue
        mac = entry.get("mac")
        if mac is None:
            if keyed_seen:
                st.line_problems.append((n, digest, f"line {n}: an entry without a MAC after keyed entries (inserted)"))
            elif not vouched:
                st.line_problems.append((n, digest, f"line {n}: an entry without a MAC that no sealed head vouches "
                                                    "for (written without the key)"))
            elif entry.get("prev") != prev:
                st.line_problems.append((n, digest, f"line {n}: does not follow the line before it "
                                                    "(an earlier line was edited or removed)"))
            prev = digest
            continue
        keyed_seen = True
        good = isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, entry))
        if not good:
            st.line_problems.append((n, digest, f"line {n}: the entry does not match its MAC (edited, or written "
                                                "without the key)"))
        if entry.get("prev") != prev:
            st.line_problems.append((n, digest, f"line {n}: does not follow the line before it (entries removed "
                                                "or reordered)"))
        if good and entry.get("event") == "resolve":
            who = f"resolved {entry.get('at')} by {entry.get('user')} ({entry.get('reason')!r})"
            for a in entry.get("acknowledged") or []:
                if isinstance(a, dict) and isinstance(a.get("sha256"), str):
                    acknowledged[a["sha256"]] = who
            st.resolved += [f"{m} - {who}" for m in entry.get("problems") or [] if isinstance(m, str)
                            and not m.startswith("line ")]
        prev = mac if isinstance(mac, str) else digest
    for _n, digest, msg in st.line_problems:
        if digest in acknowledged:
            st.resolved.append(f"{msg} - {acknowledged[digest]}")
        else:
            st.problems.append(msg)
    if head is None:
        if st.count:
            st.head_problem = (f"no sealed head at {str(head_file)!r} although the log has {st.count} entries "
                               "(the head was removed, or the log was moved)")
    elif not _sealed(key, head):
        st.head_problem = "the sealed head does not match its seal (edited, or written without the key)"
    elif head.get("count", 0) < st.count:
        st.head_problem = (f"the sealed head is older than the log: it counts {head.get('count')} entries, the "
                           f"log has {st.count} (an older head was put back, or entries were added without the key)")
    elif head.get("count", 0) > st.count:
        gone = "the log was emptied or removed" if st.count == 0 else "entries removed"
        st.head_problem = (f"the log has {st.count} entries but its sealed head counts {head.get('count')} ({gone})")
    elif head.get("last") != st.last:
        st.head_problem = ("the last entry is not the one the sealed head records (the last entry was edited "
                           "or replaced)")
    if st.head_problem:
        st.problems.append(st.head_problem)
    return st


def _read_log(log: Path) -> bytes | None:
    """The log's bytes; ``None`` when there is none, or it is not a regular file (reading
    ``/dev/full`` or ``/dev/zero`` would never end)."""
    if not log.is_file():
        return None
    with open(log, "rb") as fh:
        return fh.read()


def audit_status(log_path: str | Path | None = None, *, key: bytes | None = None,
                 head_path: str | Path | None = None) -> AuditStatus:
    """Check every entry's MAC, the chain and the sealed head (read only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); k = b"an example audit key, never use it"
    >>> _ = append_audit(d / "a.jsonl", audience="police", input_path=None, user="u", key=k, head_path=d / "h")
    >>> s = audit_status(d / "a.jsonl", key=k, head_path=d / "h"); s.intact, s.count, s.head_count
    (True, 1, 1)
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    head_file = Path(head_path) if head_path is not None else default_head_path(log)
    k = key
    if k is None and default_audit_key_path().exists():
        k = read_key_file(default_audit_key_path(), create=False, what="audit key")
    st = _status(log, head_file, _read_log(log), k)
    if log.exists() and not log.is_file():
        st.problems.append(f"the audit log {str(log)!r} is not a regular file, so nothing can be recorded in it")
    return st


def verify_audit(
    log_path: str | Path | None = None, *, key: bytes | None = None, head_path: str | Path | None = None
) -> list[str]:
    """The log's unresolved problems, one message each; ``[]`` means intact.

    Reported: a line that is not UTF-8 or not a JSON object, an entry whose MAC does not
    match (edited, or forged without the key), an entry that does not follow the one before
    (removed or reordered), an entry without a MAC that no sealed head vouches for, and a
    head that is missing, not sealed with the key, older than the log (fewer entries) or
    ahead of it (entries removed, the log emptied). Problems the chair has resolved
    (:func:`resolve_audit`) are not listed (:func:`audit_status` gives them).

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
    >>> (d / "head.json").unlink()
    >>> verify_audit(d / "audit.jsonl", key=k, head_path=d / "head.json")[0].startswith("no sealed head")
    True
    """
    return audit_status(log_path, key=key, head_path=head_path).problems


def check_audit(log_path: str | Path | None = None, *, key: bytes | None = None,
                head_path: str | Path | None = None) -> AuditStatus:
    """:func:`audit_status`, raising :class:`AuditError` when the log is unresolved (before
    any work that would end in a disclosure)."""
    log = Path(log_path) if log_path is not None else default_audit_path()
    if log.exists() and not log.is_file():  # a device (/dev/full, /dev/null) records nothing
        raise AuditError(f"the audit log {str(log)!r} is not a regular file, so nothing can be recorded "
                         "in it; nothing is published")
    st = audit_status(log, key=key, head_path=head_path)
    if st.problems:
        raise AuditError(_unresolved(st))
    return st


def _unresolved(st: AuditStatus) -> str:
    shown = "; ".join(st.problems[:3]) + (f"; and {len(st.problems) - 3} more" if len(st.problems) > 3 else "")
    return (f"the audit log {str(st.log)!r} is unresolved ({shown}): nothing is disclosed or published until "
            f"{RESOLVE_HINT}")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


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



def _append(log: Path, entry: dict[str, Any], *, key: bytes, head_file: Path,
            resolving: bool = False) -> dict[str, Any]:
    """Append ``entry`` (sealed here) under the log's lock: check the log, write the next
    head, append and fsync the line, then put the next head in place."""
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
        data = fh.read()
        nxt = _next_path(head_file)
        st = _status(log, head_file, data, key)
        if nxt.exists():  # an earlier head update: complete it if its entry was written, else drop it
            pending = _read_head(nxt)
            lines = _lines(data)
            last = _link(lines[-1][1]) if lines else None
            try:
                if _sealed(key, pending) and pending and pending.get("count") == len(lines) and pending.get("last") == last:
                    _commit_head(nxt, head_file)
                else:
                    nxt.unlink()
            except OSError as exc:
                raise AuditError(f"cannot update the audit log's sealed head {str(head_file)!r}: {exc}; "
                                 "nothing is published") from None
        if st.problems and not resolving:
            raise AuditError(_unresolved(st))
        entry["key"] = _fingerprint(key)
        entry["prev"] = st.last
        entry["mac"] = _mac(key, entry)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        size = fh.seek(0, os.SEEK_END)
        if size and not data.endswith(b"\n"):  # a damaged last line: the entry still starts a line
            line = b"\n" + line
        try:
            nxt = _write_next_head(head_file, key, st.count + 1, entry["mac"])
        except OSError as exc:
            raise AuditError(f"cannot write the audit log's sealed head {str(head_file)!r}: {exc}; nothing "
                             "is published and the log is unchanged") from None
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):  # no half line left behind
                os.ftruncate(fh.fileno(), size)
            with contextlib.suppress(OSError):
                nxt.unlink()
            raise AuditError(f"cannot write to the audit log {str(log)!r}: {exc}; nothing is published") from None
        try:
            _commit_head(nxt, head_file)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fh.fileno(), size)
                os.fsync(fh.fileno())
            with contextlib.suppress(OSError):
                nxt.unlink()
            raise AuditError(f"cannot write the audit log's sealed head {str(head_file)!r}: {exc}; nothing "
                             "is published and the log is unchanged") from None
    return entry


def append_audit(
    log_path: str | Path | None = None,
    *,
    audience: str | None,
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

    The file is opened for appending only (created with mode 0600); under an exclusive
    lock the whole log is checked against its sealed head (:func:`audit_status`), the next
    head is written, the line is written in one call, flushed and fsynced, and the next head
    put in place. Earlier lines are never rewritten. Every text of the entry goes through
    :func:`contextmap._errors.mask_secrets` (a password in a workspace URL never reaches
    the log).

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
        What happened (``'pack'``, ``'export'``, ``'reveal'``...).
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
        If the entry or the head cannot be written, or the log is unresolved (a missing,
        older or unsealed head, an edited or removed entry, entries without the key):
        nothing may be disclosed without its entry.
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
    entry = _masked(entry)
    head_file = Path(head_path) if head_path is not None else default_head_path(log)
    return _append(log, entry, key=_key(key), head_file=head_file)


def resolve_audit(
    log_path: str | Path | None = None,
    *,
    reason: str,
    user: str | None = None,
    command: Sequence[str] | str | None = None,
    key: bytes | None = None,
    head_path: str | Path | None = None,
) -> dict[str, Any]:
    """The chair's record that an unresolved log was looked at: one ``resolve`` entry.

    The entry lists every unresolved problem, acknowledges each damaged line by its SHA-256
    (it stays in the log and :func:`audit_status` keeps naming it, as resolved), records
    what the head and the log held, and is sealed like every entry; the head is sealed
    again at the log's new length. Disclosures may then go on. Nothing is deleted or rewritten.

    Raises
    ------
    ConfigError
        If ``reason`` is empty, or the log is intact (nothing to resolve).
    AuditError
        If the key is missing or the entry cannot be written.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ConfigError("Expected a reason for resolving the audit log (--reason), instead got nothing")
    log = Path(log_path) if log_path is not None else default_audit_path()
    head_file = Path(head_path) if head_path is not None else default_head_path(log)
    k = key
    if k is None:
        if not default_audit_key_path().exists():
            raise AuditError(f"the audit key {str(default_audit_key_path())!r} is missing: the log cannot be "
                             "checked or resolved without it")
        k = _key(None, create=False)
    st = _status(log, head_file, _read_log(log), k)
    if not st.problems:
        raise ConfigError(f"Expected an unresolved audit log to resolve, instead {str(log)!r} is intact")
    unresolved = {msg for msg in st.problems}
    entry: dict[str, Any] = {
        "id": new_entry_id(),
        "event": "resolve",
        "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "user": user if user is not None else getpass.getuser(),
        "host": socket.gethostname(),
        "audience": None,
        "reason": reason,
        "problems": list(st.problems),
        "acknowledged": [{"line": n, "sha256": d} for n, d, msg in st.line_problems if msg in unresolved],
        "head_was": {"count": st.head_count, "state": st.head_problem or "matched the log"},
        "log_was": {"count": st.count, "last": st.last},
        "command": [str(c) for c in command] if isinstance(command, (list, tuple)) else [command or "resolve_audit"],
    }
    try:
        from contextmap import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    entry["version"] = version
    return _append(log, _masked(entry), key=k, head_file=head_file, resolving=True)


def read_audit(log_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every readable entry of the log, oldest first (``[]`` when there is no log yet).

    Lines that are not UTF-8 JSON objects are skipped here; :func:`verify_audit` reports them.
    """
    log = Path(log_path) if log_path is not None else default_audit_path()
    if not log.is_file():
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

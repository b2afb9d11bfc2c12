"""Keyed, stable, non-reversible pseudonyms, and where their key lives.

Examples
--------
>>> p = Pseudonymiser(b"an example key, never use this one")
>>> p.pseudonym("C1", kind="child")[:6]
'Child-'
>>> p.pseudonym("C1", kind="child") == p.pseudonym("C1", kind="child")
True
>>> spoken_names(["C7", "C2"], kind="child")
{'C7': 'Child A', 'C2': 'Child B'}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from contextmap._errors import PrivacyError

__all__ = ["Pseudonymiser", "default_key_path", "read_key_file", "spoken_code", "spoken_names", "SPOKEN_PREFIX"]

_PREFIX = {
    "child": "Child",
    "person": "Person",
    "location": "Place",
    "episode": "Episode",
    "link": "Link",
    "entity": "Ref",
}
_LENGTH = {"child": 6, "person": 6, "location": 6, "episode": 8, "link": 8, "entity": 8}
_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


SPOKEN_PREFIX = {"child": "Child", "person": "Person", "location": "Place"}
"""The first word of a spoken pseudonym, by kind (:func:`spoken_names`)."""


def spoken_code(i: int) -> str:
    """The ``i``-th letter code (from 0): ``A`` .. ``Z``, then ``AA`` .. ``AZ``, ``BA`` ...

    Examples
    --------
    >>> [spoken_code(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)]
    ['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']
    """
    if isinstance(i, bool) or not isinstance(i, int) or i < 0:
        raise ValueError(f"Expected a whole number 0 or more, instead got: {i!r}")
    out = ""
    n = i + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def spoken_names(ids: Iterable[str], *, kind: str) -> dict[str, str]:
    """Short pseudonyms a meeting can say aloud, by rank: ``Child A``, ``Child B`` ... ``Child AB``.

    ``ids`` are given in the order the pack ranks them (the first is the one of most concern);
    each gets the next letter code after its kind's word (:data:`SPOKEN_PREFIX`). A repeated
    id keeps its first code. They are stable within one pack only: the same child may be
    ``Child A`` in one pack and ``Child D`` in the next, as the ranking changes. The keyed
    pseudonym (:meth:`Pseudonymiser.pseudonym`) stays the stable reference across packs, and
    the pack records which keyed pseudonym each spoken one stands for, so
    ``contextmap reveal "Child A"`` still finds the identity (see ``docs/privacy.md``).
    """
    if kind not in SPOKEN_PREFIX:
        raise ValueError(f"Expected kind to be one of {sorted(SPOKEN_PREFIX)}, instead got: {kind!r}")
    out: dict[str, str] = {}
    for v in ids:
        v = str(v)
        if v not in out:
            out[v] = f"{SPOKEN_PREFIX[kind]} {spoken_code(len(out))}"
    return out


def default_key_path() -> Path:
    """Where the pseudonym key lives: ``$CONTEXTMAP_KEY_FILE``, else the user's config dir.

    ``$XDG_CONFIG_HOME/contextmap/pseudonym.key`` or ``~/.config/contextmap/pseudonym.key``.
    """
    env = os.environ.get("CONTEXTMAP_KEY_FILE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "contextmap" / "pseudonym.key"


class Pseudonymiser:
    """Stable, keyed, non-reversible pseudonyms (HMAC-SHA256 of kind and id).

    The same key gives the same pseudonym in every pack, so a partner can follow
    ``Child-4F7K2Q`` from one meeting to the next; without the key nobody can compute a
    pseudonym from an id, or the id from a pseudonym.

    Parameters
    ----------
    key
        The secret key (at least 16 bytes). Use :meth:`from_key_file` in practice.

    Examples
    --------
    >>> p = Pseudonymiser(b"an example key, never use this one")
    >>> p.pseudonym("C1", kind="child").startswith("Child-")
    True
    >>> p.pseudonym("C1", kind="child") != Pseudonymiser(b"another example key!!").pseudonym("C1", kind="child")
    True
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise PrivacyError("Expected key to be at least 16 bytes, instead got a shorter or non-bytes key")
        self._key = key
        self.key_fingerprint = hashlib.sha256(b"contextmap-fingerprint" + key).hexdigest()[:12]
        """Identifies the key (for the audit log) without revealing it."""

    def __repr__(self) -> str:
        return f"<Pseudonymiser key={self.key_fingerprint}>"

    @classmethod
    def from_key_file(cls, path: str | Path | None = None, *, create: bool = True) -> Pseudonymiser:
        """Read the key from ``path`` (default :func:`default_key_path`), creating it if asked.

        A new key is 32 random bytes, stored as hex in a file only its owner can read
        (mode 0600). An existing key file readable by others is refused.

        Raises
        ------
        PrivacyError
            If the file is missing and ``create`` is false, is readable by group or others,
            lies inside a git repository, or does not hold a valid key.
        """
        p = Path(path).expanduser() if path is not None else default_key_path()
        key = read_key_file(p, create=create, what="pseudonym key")
        return cls(key)

    def _code(self, value: str, kind: str) -> str:
        digest = hmac.new(self._key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").rstrip("=").translate(_CROCKFORD)

    def pseudonym(self, value: str, *, kind: str, length: int | None = None) -> str:
        """The pseudonym of one id, for example ``'Child-4F7K2Q'``.

        ``kind`` is ``'child'``, ``'person'``, ``'location'``, ``'episode'``, ``'link'``
        or ``'entity'``; it sets the prefix and is part of the hash.
        """
        if kind not in _PREFIX:
            raise ValueError(f"Expected kind to be one of {sorted(_PREFIX)}, instead got: {kind!r}")
        n = length or _LENGTH[kind]
        return f"{_PREFIX[kind]}-{self._code(str(value), kind)[:n]}"

    def mapping(self, values: Iterable[str], *, kind: str, avoid: Iterable[str] = ()) -> dict[str, str]:
        """Pseudonyms for many ids of one kind, collision-checked.

        Ids whose pseudonyms would collide with each other (or with a string in ``avoid``,
        such as a raw id) get longer pseudonyms, so distinct ids stay distinct.
        """
        uniq = sorted({str(v) for v in values})
        avoid_set = set(avoid)
        length = _LENGTH[kind]
        out: dict[str, str] = {}
        pending = uniq
        while pending:
            trial = {v: self.pseudonym(v, kind=kind, length=length) for v in pending}
            counts: dict[str, int] = {}
            for p in list(trial.values()) + list(out.values()):
                counts[p] = counts.get(p, 0) + 1
            clash = [v for v, p in trial.items() if counts[p] > 1 or p in avoid_set]
            for v, p in trial.items():
                if v not in clash:
                    out[v] = p
            pending = clash
            length += 2
            if length > 52:  # pragma: no cover - would need a SHA-256 collision
                raise PrivacyError(f"cannot build distinct pseudonyms for kind {kind!r}")
        return out


def read_key_file(path: str | Path, *, create: bool = True, what: str = "key") -> bytes:
    """Read a secret key kept as hex in ``path``, creating it (32 random bytes, mode 0600) if asked.

    Shared by the pseudonym key and the audit-log key: both must live outside any git
    repository and outside every pack, readable by their owner only.

    Raises
    ------
    PrivacyError
        If the file is missing and ``create`` is false, is readable by group or others,
        lies inside a git repository, or does not hold a valid key.
    """
    p = Path(path).expanduser()
    for parent in p.absolute().parents:
        if (parent / ".git").exists():
            raise PrivacyError(
                f"the {what} must live outside any repository, instead got: {str(p)!r} "
                f"(inside {str(parent)!r}); set CONTEXTMAP_KEY_FILE to a path in your config directory"
            )
    if not p.exists():
        if not create:
            raise PrivacyError(f"{what} file not found: {str(p)!r}")
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    if os.name == "posix" and p.stat().st_mode & 0o077:
        raise PrivacyError(
            f"{what} file {str(p)!r} is readable by other users; run: chmod 600 {p}"
        )
    text = p.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise PrivacyError(f"{what} file {str(p)!r} does not hold a hex key") from None
    return key

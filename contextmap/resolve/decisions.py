"""The analyst's decisions file: ``merge A B`` and ``keep apart A B``, always honoured.

Entity resolution proposes; the analyst decides. A decisions file is plain text, one
decision per line::

    # Tyler Grant: police and school records are the same man (confirmed by DS Patel)
    merge P0012 P0047
    # two brothers with the same initials: never merge
    keep apart P0031 P0032
    # the RHI mention "Big T" is Tyler Grant
    merge prov-p-3f9a1c2e P0012

Blank lines and ``#`` comments are ignored; an id that holds spaces can be quoted
(``merge "P 12" "P 47"``). Resolution reads the file and never writes it: a ``merge``
always joins the two records' entities (confidence 1.0) and a ``keep apart`` always
separates them, whatever the scores say. Contradictory decisions (a chain of merges that
joins two records the file keeps apart) are an error naming both lines.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from contextmap._errors import ConfigError, InputNotFoundError

__all__ = ["Decision", "Decisions", "DecisionsError", "parse_decisions", "read_decisions"]

Action = Literal["merge", "keep_apart"]


class DecisionsError(ConfigError):
    """A decisions file is malformed, names unknown ids or contradicts itself."""


@dataclass(frozen=True)
class Decision:
    """One line of a decisions file."""

    action: Action
    a: str
    b: str
    line: int
    source: str = "<decisions>"

    def __str__(self) -> str:
        verb = "merge" if self.action == "merge" else "keep apart"
        return f"{verb} {self.a} {self.b} ({self.source} line {self.line})"


@dataclass(frozen=True)
class Decisions:
    """Every decision read from one file, in file order."""

    items: tuple[Decision, ...] = ()
    source: str = "<decisions>"

    @property
    def merges(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.items if d.action == "merge")

    @property
    def keep_apart(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.items if d.action == "keep_apart")

    @property
    def ids(self) -> set[str]:
        return {x for d in self.items for x in (d.a, d.b)}

    def __len__(self) -> int:
        return len(self.items)

    def check_ids(self, known: set[str], *, allow_prefix: str | None = None) -> None:
        """Raise :class:`DecisionsError` listing every id not in ``known``.

        Ids starting with ``allow_prefix`` (provisional mention ids) are not checked here.
        """
        bad = []
        for d in self.items:
            for x in (d.a, d.b):
                if x in known or (allow_prefix and x.startswith(allow_prefix)):
                    continue
                bad.append(f"{d.source} line {d.line}: unknown id {x!r} in {str(d).split(' (')[0]!r}")
        if bad:
            raise DecisionsError(
                "decisions name ids that are not in the dataset:\n  " + "\n  ".join(bad)
            )

    def restricted_to(self, ids: set[str]) -> Decisions:
        """The decisions whose two ids are both in ``ids``."""
        return Decisions(tuple(d for d in self.items if d.a in ids and d.b in ids), self.source)


def parse_decisions(text: str, *, source: str = "<decisions>") -> Decisions:
    """Parse the text of a decisions file.

    Parameters
    ----------
    text
        The file's contents.
    source
        A name for the file, used in error messages.

    Raises
    ------
    DecisionsError
        Listing every malformed line (line number and text), all at once.

    Examples
    --------
    >>> d = parse_decisions("# checked at MACE\\nmerge P1 P2\\nkeep apart P1 P3\\n")
    >>> [(x.action, x.a, x.b, x.line) for x in d.items]
    [('merge', 'P1', 'P2', 2), ('keep_apart', 'P1', 'P3', 3)]
    """
    items: list[Decision] = []
    bad: list[str] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            bad.append(f"{source} line {n}: {exc} in {raw.strip()!r}")
            continue
        if not words:
            continue
        head = words[0].lower()
        if head == "merge":
            action: Action = "merge"
            ids = words[1:]
        elif head == "keep" and len(words) > 1 and words[1].lower() == "apart":
            action = "keep_apart"
            ids = words[2:]
        elif head in ("keep_apart", "keep-apart"):
            action = "keep_apart"
            ids = words[1:]
        else:
            bad.append(
                f"{source} line {n}: expected 'merge A B' or 'keep apart A B', "
                f"instead got: {raw.strip()!r}"
            )
            continue
        if len(ids) != 2:
            bad.append(f"{source} line {n}: expected exactly two ids, instead got {len(ids)} in {raw.strip()!r}")
            continue
        if ids[0] == ids[1]:
            bad.append(f"{source} line {n}: the two ids are the same: {raw.strip()!r}")
            continue
        items.append(Decision(action, ids[0], ids[1], n, source))
    if bad:
        raise DecisionsError("the decisions file has malformed lines:\n  " + "\n  ".join(bad))
    decisions = Decisions(tuple(items), source)
    check_consistent(decisions)
    return decisions


def read_decisions(path: str | Path) -> Decisions:
    """Read and parse a decisions file (UTF-8 text). See :func:`parse_decisions`.

    Raises
    ------
    InputNotFoundError
        If ``path`` does not exist.
    DecisionsError
        If a line is malformed or the decisions contradict each other.
    """
    p = Path(path)
    if not p.is_file():
        raise InputNotFoundError(f"decisions file not found: {str(p)!r}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecisionsError(f"decisions file {str(p)!r} is not UTF-8 text: {exc}") from exc
    return parse_decisions(text, source=p.name)


def as_decisions(value: Decisions | str | Path | None) -> Decisions:
    """Accept a :class:`Decisions`, a path to a decisions file, or ``None`` (no decisions)."""
    if value is None:
        return Decisions()
    if isinstance(value, Decisions):
        return value
    if isinstance(value, str | Path):
        return read_decisions(value)
    raise DecisionsError(
        f"Expected decisions to be a Decisions object, a path or None, instead got: {value!r}"
    )


def check_consistent(decisions: Decisions) -> None:
    """Raise :class:`DecisionsError` if the merges join two ids the file keeps apart."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in decisions.merges:
        ra, rb = find(d.a), find(d.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    bad = []
    for d in decisions.keep_apart:
        if find(d.a) == find(d.b):
            chain = [str(m) for m in decisions.merges if find(m.a) == find(d.a)]
            bad.append(f"{d} contradicts: " + "; ".join(chain))
    if bad:
        raise DecisionsError("the decisions contradict each other:\n  " + "\n  ".join(bad))

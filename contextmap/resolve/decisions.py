"""The analyst's decisions file: ``merge A B`` and ``keep apart A B``, always honoured.

Entity resolution proposes; the analyst decides. A decisions file is plain text, one
decision per line::

    # Tyler Grant: police and school records are the same man (confirmed by DS Patel)
    merge P0012 P0047
    # two brothers with the same initials: never merge
    keep apart P0031 P0032
    # the RHI mention "Big T" is Tyler Grant
    merge prov-p-3f9a1c2e P0012
    # "IVISON, Skye" in police intelligence IR0377121 is the council's Skye Ivison
    merge 'link:IR0377121@northfell-constabulary:target=IVISON, Skye' C1035198

Blank lines and ``#`` comments are ignored; an id that holds spaces can be quoted
(``merge "P 12" "P 47"``). Resolution reads the file and never writes it: a ``merge``
always joins the two records' entities (confidence 1.0) and a ``keep apart`` always
separates them, whatever the scores say. Contradictory decisions (a chain of merges that
joins two records the file keeps apart) are an error naming both lines.

A name written in a link, with no id, is a record ingest makes (``prov-p-...``), and its id can
change from one month's export to the next (a new record of the name, or a new link partner,
changes which record the name becomes). A decision about it names the place it was written
instead, which does not change: ``link:<link>:target`` (or ``:source``), the end of that link,
named by its identity (``id@agency``), optionally with the name written there (``=IVISON,
Skye``). Resolution reads it as the record at that end of the link in the data it is given, so
the decision holds month after month while the name there is still a record made from it (see
:meth:`Decisions.at_link_ends`); otherwise the run stops, naming the line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from contextmap._errors import ConfigError, InputNotFoundError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Decision", "Decisions", "DecisionsError", "LINK_END", "check_child_decisions", "for_dataset", "link_end_text",
           "link_keys", "written_name", "link_end", "parse_decisions", "read_decisions", "same_name"]

Action = Literal["merge", "keep_apart"]

LINK_END = "link:"
"""How a decision names the end of a link (``link:IR0377121:target``): the record written there."""

_SIDES = ("source", "target")


_LINK_END = re.compile(r"^link:(.+?):(source|target)(?:=(.*))?$", re.S)


def link_end(x: str) -> tuple[str, str] | None:
    """The link and side (``'source'`` or ``'target'``) a decision's id names, if it names the
    end of a link (``link:<link>:<side>``, optionally ``=<the name written there>``), else None.

    Examples
    --------
    >>> link_end("link:IR0377121@northfell-constabulary:target=IVISON, Skye")
    ('IR0377121@northfell-constabulary', 'target')
    >>> link_end("link:k-3f:9:source")  # a colon in the link's id
    ('k-3f:9', 'source')
    >>> link_end("P0012") is None and link_end("link:IR0377121:middle") is None
    True
    """
    m = _LINK_END.match(x)
    return (m.group(1), m.group(2)) if m and m.group(1).strip() else None


def written_name(x: str) -> str | None:
    """The name a link's end decision says is written there (``link:L1:target=Ethan I``), if any.

    >>> written_name("link:L1:target=Ethan I"), written_name("link:L1:target")
    ('Ethan I', None)
    """
    m = _LINK_END.match(x)
    return m.group(3) if m else None


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
    written: tuple[str, str] | None = None
    """The two ids as the decision wrote them, when a link's end was read as its record."""

    @property
    def where(self) -> str:
        """Where the decision was made: a file's line, a workspace's decision number."""
        if self.source == "workspace decision":
            return f"workspace decision {self.line}"
        return f"{self.source} line {self.line}" if self.line else self.source

    def __str__(self) -> str:
        verb = "merge" if self.action == "merge" else "keep apart"
        a, b = self.written or (self.a, self.b)
        return f"{verb} {a} {b} ({self.where})"


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
                bad.append(f"{d.where}: unknown id {x!r} in {str(d).split(' (')[0]!r}")
        if bad:
            raise DecisionsError(
                "decisions name ids that are not in the dataset:\n  " + "\n  ".join(bad)
            )

    def restricted_to(self, ids: set[str]) -> Decisions:
        """The decisions whose two ids are both in ``ids``."""
        return Decisions(tuple(d for d in self.items if d.a in ids and d.b in ids), self.source)

    def at_link_ends(self, links: pd.DataFrame | None, keys: pd.Series | None = None,
                     names: dict[str, str] | None = None) -> Decisions:
        """These decisions with every link's end (``link:L1:target``) read as the record at that
        end of the link in ``links`` (a dataset's links: ``link_id``, ``source_id``,
        ``target_id``); ``keys``: each link's identity across exports (:func:`link_keys`;
        default ``link_id``): an agency's link is named with its agency
        (``IR0377121@northfell-constabulary``), since two agencies may both send a ``1001``;
        ``names``: the records' names (id -> name), to check a name the decision gives
        (``link:L1:target=Ethan I``). Decisions naming no link's end are returned as they are.

        The decision is about the name written there: it applies while the record at that end
        is one made from a name (``prov-...``), that name if the decision gives one; a merge
        whose two sides are one record (ingest now matches the name to it) is done, and left out.

        Raises
        ------
        DecisionsError
            Naming every line whose link ``links`` does not hold (or names without its
            agency), whose end is now another record of the data (a new child of that name
            arrived) or another name (the agency changed the link), every keep-apart of a
            record from itself, and any contradiction the reading makes.

        Examples
        --------
        >>> import pandas as pd
        >>> links = pd.DataFrame({"link_id": ["IR1"], "source_id": ["NF9"], "target_id": ["prov-p-1"]})
        >>> d = parse_decisions("merge link:IR1:target C1\\n").at_link_ends(links)
        >>> [(x.a, x.b) for x in d.items], str(d.items[0])
        ([('prov-p-1', 'C1')], 'merge link:IR1:target C1 (<decisions> line 1)')
        """
        if not any(x.startswith(LINK_END) for x in self.ids):
            return self
        where: dict[tuple[str, str], str] = {}
        sent: dict[str, set[str]] = {}  # the id as its agency sent it -> the links' identities
        if links is not None and len(links):
            key = (links["link_id"] if keys is None else keys).astype(str).tolist()
            for k, src, tgt in zip(key, links["source_id"].astype(str), links["target_id"].astype(str), strict=True):
                where[(k, "source")], where[(k, "target")] = src, tgt
                sent.setdefault(k.rsplit("@", 1)[0], set()).add(k)

        items: list[Decision] = []
        bad: list[str] = []
        for d in self.items:
            ends = [link_end(x) for x in (d.a, d.b)]
            if ends == [None, None]:
                items.append(d)
                continue
            said = str(d).split(" (")[0]
            got: list[str] = []
            for e, x in zip(ends, (d.a, d.b), strict=True):
                if e is None:
                    got.append(x)
                elif e in where:
                    got.append(where[e])
                elif e[0] in sent:  # a bare id may be another agency's link another month
                    bad.append(f"{d.where}: link {e[0]!r} is sent by an agency: name it with the agency "
                               f"({', '.join(f'link:{k}:{e[1]}' for k in sorted(sent[e[0]]))}), in {said!r}")
                else:
                    bad.append(f"{d.where}: link {e[0]!r} is not in the data, in {said!r}")
            if len(got) < 2:
                continue
            a, b = got
            renamed = [f"the name written at {link_end_text(x)} is now {names.get(r)!r}, not {w!r} (the link was "
                       "changed): the decision was about the name it had"
                       for e, x, r in zip(ends, (d.a, d.b), got, strict=True)
                       if e is not None and r.startswith("prov-") and (w := written_name(x)) is not None
                       and names is not None and not same_name(r, w, names.get(r))]
            if renamed:  # said even where both sides are now one record
                bad += [f"{d.where}: {m}, in {said!r}" for m in renamed]
                continue
            if a == b:
                if d.action == "keep_apart":
                    bad.append(f"{d.where}: the name written at {d.a if ends[0] else d.b} is the "
                               f"record {a} itself (matched when the data was read), which cannot be kept apart "
                               f"from itself, in {said!r}")
                continue
            moved = []
            for e, x, r in zip(ends, (d.a, d.b), got, strict=True):
                if e is None:
                    continue
                if not r.startswith("prov-"):
                    moved.append(f"the name written at {link_end_text(x)} is now the record {r} of the data "
                                 f"(matched when it was read), not a record made from the name: the decision was "
                                 f"about the name, and says nothing of {r}")
            if moved:
                bad += [f"{d.where}: {m}, in {said!r}" for m in moved]
                continue
            items.append(replace(d, a=a, b=b, written=(d.a, d.b)))
        if bad:
            raise DecisionsError("decisions name links' ends that cannot be read in this data:\n  " + "\n  ".join(bad)
                                 + "\n(remove or withdraw the decision, or decide again on the record as it is now)")
        out = Decisions(tuple(items), self.source)
        check_consistent(out)
        return out


def same_name(record: str, given: object, written: object) -> bool:
    """Whether a decision's name (``link:L1:target=<given>``) is the name ``written`` at that
    end of the link now, as names are compared (a person's: case, spacing, invisible
    characters, look-alike letters and the order of the words do not matter, as a record made
    from the name is one for "Quarry Raine" and "QUARRY, Raine"; a place's text:
    case, accents, punctuation and spacing). A name with no letter or digit ("???", an emoji)
    names no one: it is the same only as itself, written alike.

    >>> same_name("prov-p-1", "IVISON, Skye", "Skye  Ivison"), same_name("prov-p-1", "QUARRY, Raine", "Quarry Raine")
    (True, True)
    >>> same_name("prov-p-1", "Ethan I", "Jay Pike"), same_name("prov-p-1", "???", "\U0001f451")
    (False, False)
    >>> same_name("prov-p-1", "???", "???"), same_name("prov-p-1", "", "")
    (True, False)
    """
    from contextmap.ingest.names import fold_name, person_name_key

    if record.startswith("prov-l-"):
        a, b = fold_name(given), fold_name(written)
    else:  # in any order: "Quarry Raine" and "QUARRY, Raine" are one record made from the name
        a, b = (" ".join(sorted(person_name_key(x).split())) for x in (given, written))
    if not a or not b:  # (a workspace may hold one made before ingest refused such names: itself only)
        return (not a and not b and isinstance(given, str) and isinstance(written, str)
                and bool(given.split()) and given.split() == written.split())
    return a == b


def link_end_text(x: str) -> str:
    """A link's end without the name a decision gives for it: ``link:L1:target``."""
    e = link_end(x)
    return f"{LINK_END}{e[0]}:{e[1]}" if e else x


def link_keys(ds: object) -> pd.Series:
    """Each of ``ds.links``' identity across exports, as a decision on a link's end names it:
    ``id@agency`` for a link an agency sent with an id (two agencies' ``1001`` are two links),
    the content key ``k-...`` ingest gave a link sent without one, or the id as it is when the
    data names no agency (a folder export). A workspace's data carries the identities it
    stores (``provenance['links']['identity']``)."""
    import pandas as pd

    links = ds.links  # type: ignore[attr-defined]
    report = getattr(ds, "report", None)
    prov = report.provenance.get("links") if report is not None else None
    if prov is not None and len(prov) == len(links):
        if "identity" in prov.columns:
            return pd.Series(prov["identity"].astype(str).to_numpy(), index=links.index, dtype=object)
        if "agency" in prov.columns and prov["agency"].notna().any():
            from contextmap.ingest.checks import link_identity

            return link_identity(links["link_id"], pd.Series(prov["agency"].to_numpy(), index=links.index, dtype=object))
    return pd.Series(links["link_id"].astype(str).to_numpy(), index=links.index, dtype=object)


def for_dataset(decisions: Decisions | str | Path | None, ds: object) -> Decisions:
    """The decisions (:func:`as_decisions`) with links' ends read as the records written there
    in ``ds`` (:meth:`Decisions.at_link_ends`)."""
    dec = as_decisions(decisions)
    if not any(x.startswith(LINK_END) for x in dec.ids):
        return _one_kind(dec, ds)
    names: dict[str, str] = {}
    for table, key in (("persons", "person_id"), ("locations", "location_id")):
        frame = getattr(ds, table, None)
        if frame is not None and len(frame) and "name" in frame.columns:
            prov = frame[key].astype(str).str.startswith("prov-")
            names.update(zip(frame.loc[prov, key].astype(str), frame.loc[prov, "name"], strict=True))
    return _one_kind(dec.at_link_ends(ds.links, link_keys(ds), names), ds)  # type: ignore[attr-defined]


def _one_kind(dec: Decisions, ds: object) -> Decisions:
    """``dec``, when no decision pairs a place with a person or child of ``ds`` (neither the
    persons' nor the places' resolution could apply it: it would be left out unsaid);
    otherwise :class:`DecisionsError` naming each."""
    if not len(dec):
        return dec
    ids: dict[str, set[str]] = {}
    for kind, table, key in (("place", "locations", "location_id"), ("person", "persons", "person_id"),
                             ("person", "children", "child_id")):
        frame = getattr(ds, table, None)
        if frame is not None and key in getattr(frame, "columns", ()):
            ids.setdefault(kind, set()).update(frame[key].astype(str))
    places, people = ids.get("place", set()), ids.get("person", set())
    bad = [f"{d.where}: {str(d).split(' (')[0]} joins a place and a person (a decision is about two people or "
           "two places)"
           for d in dec.items if (d.a in places and d.b in people) or (d.b in places and d.a in people)]
    if bad:
        raise DecisionsError("decisions pair records of two kinds:\n  " + "\n  ".join(bad))
    return dec


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
        odd = [x for x in ids if x.startswith(LINK_END) and link_end(x) is None]
        if odd:
            bad.append(f"{source} line {n}: expected a link's end as link:<link id>:source or "
                       f"link:<link id>:target, instead got {odd[0]!r} in {raw.strip()!r}")
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


def check_child_decisions(dec: Decisions, pos: dict[str, int], is_child: np.ndarray) -> None:
    """Raise :class:`~contextmap.resolve.decisions.DecisionsError` when ``merge`` decisions join
    two children's records through a person record (two children are merged only by a
    decision naming both). ``pos``: record id -> position in ``is_child``.

    Examples
    --------
    >>> import numpy as np
    >>> from contextmap.resolve.decisions import parse_decisions
    >>> pos, kids = {"C1": 0, "C2": 1, "P9": 2}, np.array([True, True, False])
    >>> check_child_decisions(parse_decisions("merge P9 C1\\nmerge C2 C1\\n"), pos, kids)  # both named: fine
    >>> check_child_decisions(parse_decisions("merge P9 C1\\nmerge P9 C2\\n"), pos, kids)
    Traceback (most recent call last):
    ...
    contextmap.resolve.decisions.DecisionsError: merge decisions join two children's records through a person record ...
    """
    parent: dict[str, str] = {}

    def find(x: str, par: dict[str, str]) -> str:
        par.setdefault(x, x)
        while par[x] != x:
            par[x] = par[par[x]]
            x = par[x]
        return x

    kids: dict[str, str] = {}  # children joined by child-child merges
    for d in dec.merges:
        ra, rb = find(d.a, parent), find(d.b, parent)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
        if is_child[pos[d.a]] and is_child[pos[d.b]]:
            ka, kb = find(d.a, kids), find(d.b, kids)
            if ka != kb:
                kids[max(ka, kb)] = min(ka, kb)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        if is_child[pos[x]]:
            groups.setdefault(find(x, parent), set()).add(find(x, kids))
    bad = [sorted(g) for g in groups.values() if len(g) > 1]
    if bad:
        lines = [str(d) for d in dec.merges]
        raise DecisionsError(
            "merge decisions join two children's records through a person record (merge the two "
            f"children directly if they are one child): {', '.join(' and '.join(b) for b in bad)}; "
            + "; ".join(lines))

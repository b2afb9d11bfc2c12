"""What an erasure leaves behind, so an erased child never comes back silently.

Erasing a child (:func:`contextmap.workspace.retention.erase`) removes them and leaves a
**tombstone**: keyed hashes (BLAKE2b with the workspace's own secret key, kept in
``workspace_info``) of

* the child's id (``'id'``),
* each of their names as a reader reads it, in every order and form a reader would
  recognise (``'name'``: "Megan Wharton", "WHARTON, Megan", "MeganWharton", with look-alike
  letters read as Latin ones), and
* each name with each date of birth the workspace held (``'name_dob'``), and
* each word of those names (``'word'``: only to tell quickly which texts to look at closely),

and never the identity in clear. The hashes can only be computed with the workspace's key,
so the tombstones do not let anyone without the workspace test a name against them.

Every later import checks its rows against the tombstones (:func:`hold_erased`) and
**holds back** what matches: the rows are not imported (nothing of them is stored, not even in
the import's problem list or quarantine) and the import's report says so, one warning per row
(file and row, never the value), with the erasure's pseudonym and date:

* a child row whose id, or whose name and date of birth, is an erased child's;
* a person row (a police nominal) whose name and date of birth is an erased child's, and a
  provisional person (a record ingest made from a name in a link) whose name alone is;
* every episode of a held child and every link to a held record or episode;
* a quarantined row holding an erased id or name in a cell.

Free text that names an erased child in rows that are imported (another child's return home
interview, a link's summary, a place name) has the name replaced by ``[erased]`` before it is
stored, for names of at least two words (a single first name would take every namesake's) that
no other child or person of the export or the workspace bears (a mention may be theirs).

Examples
--------
>>> r = NameRedactor.for_names(["Megan Wharton"], ids=["C0091"])
>>> r.redact("seen with WHARTON, Megan and C0091's cousin")
"seen with [erased] and [erased]'s cousin"
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap.privacy.folding import reader_fold, reader_fold_index, reader_variants
from contextmap.workspace import db
from contextmap.workspace.lookup import skeleton

__all__ = [
    "ERASED", "NameRedactor", "Held", "erasure_key", "keyed", "erasure_pseudonym", "tombstone_hashes",
    "add_tombstones", "read_tombstones", "hold_erased", "name_forms",
]

ERASED = "[erased]"
"""What an erased name or id is replaced by in the text that keeps it."""

_KEY = "erasure_key"
"""``workspace_info`` row: the workspace's secret key for tombstones and erasure pseudonyms."""

_MAX_WORDS = 4


def erasure_key(conn: sa.Connection, *, create: bool) -> bytes | None:
    """The workspace's erasure key (32 random bytes made at the first erasure), or None."""
    info = db.workspace_info
    got = conn.execute(sa.select(info.c.value).where(info.c.name == _KEY)).scalar_one_or_none()
    if got is not None:
        return bytes.fromhex(got)
    if not create:
        return None
    key = secrets.token_bytes(32)
    conn.execute(info.insert().values(name=_KEY, value=key.hex()))
    return key


def keyed(key: bytes, *, kind: str, value: str) -> str:
    """The keyed hash of ``value`` as a ``kind`` (``'id'``, ``'name'``, ``'name_dob'``)."""
    return hashlib.blake2b(f"{kind}\x1f{value}".encode(), key=key, digest_size=20).hexdigest()


def erasure_pseudonym(key: bytes, *, child_id: str) -> str:
    """How the audit log and the tombstones name an erased child: ``'Erased-'`` and ten
    characters of a keyed hash of the id (the chair recomputes it to check an entry:
    ``contextmap workspace erased W --child ID``)."""
    return "Erased-" + keyed(key, kind="pseudonym", value=child_id.strip())[:10].upper()


def name_forms(name: Any) -> set[str]:
    """The forms a name is recognised in (reader-folded, every order, run together, the
    possessive; look-alike letters read as Latin ones). Empty for a blank name.

    Examples
    --------
    >>> sorted(name_forms("Wharton, Megan"))[:3]
    ['megan wharton', 'megan whartons', 'meganwharton']
    """
    if not isinstance(name, str) or not name.strip():
        return set()
    base = skeleton(name, kind="child")
    return {skeleton(v) for v in reader_variants(base)} | {base} if base else set()


def _dob(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return pd.Timestamp(value).date().isoformat()
    except (ValueError, TypeError):
        return None


def tombstone_hashes(key: bytes, *, child_id: str, names: Iterable[Any], dobs: Iterable[Any]) -> dict[str, str]:
    """``{hash: kind}`` for one erased child."""
    out = {keyed(key, kind="id", value=child_id.strip()): "id"}
    days = {d for d in (_dob(v) for v in dobs) if d}
    for name in names:
        forms = name_forms(name)
        whole = len(skeleton(name, kind="child").split()) >= 2  # a first name alone is not a name to hunt for
        for form in forms:
            if whole:
                out[keyed(key, kind="name", value=form)] = "name"
                out.update({keyed(key, kind="word", value=w): "word" for w in form.split() if len(w) >= 3})
            for d in days:
                out[keyed(key, kind="name_dob", value=f"{form}|{d}")] = "name_dob"
    return out


def add_tombstones(conn: sa.Connection, hashes: dict[str, str], *, pseudonym: str, when: datetime,
                   user: str | None = None) -> None:
    """Store an erasure's tombstones (a hash already held keeps its first erasure)."""
    T = db.tombstones
    have = set(conn.execute(sa.select(T.c.hash).where(T.c.hash.in_(list(hashes)))).scalars())
    rows = [{"hash": h, "kind": k, "pseudonym": pseudonym, "erased_at": when, "erased_by": user or getpass.getuser()}
            for h, k in hashes.items() if h not in have]
    if rows:
        conn.execute(T.insert(), rows)


def read_tombstones(conn: sa.Connection) -> dict[str, tuple[str, str, datetime]]:
    """``{hash: (kind, pseudonym, erased_at)}`` of every tombstone."""
    T = db.tombstones
    return {h: (k, p, at) for h, k, p, at in conn.execute(sa.select(T.c.hash, T.c.kind, T.c.pseudonym, T.c.erased_at))}


# --- names in text -----------------------------------------------------------------------


_LEAD_DIGITS = re.compile(r"^\d+")
_TRAIL_DIGITS = re.compile(r"\d+$")


@dataclass
class NameRedactor:
    """Replaces names (as a reader recognises them) and ids in text with :data:`ERASED`.

    ``match`` says whether a reader-folded run of one to four words (look-alike letters read
    as Latin) is a name to erase; ``needles`` are fragments one of which such a text must hold
    to be looked at, or ``screen`` says from its words whether to look (fast filters; neither:
    look at every text); ``ids`` are matched as whole words, as written.
    """

    match: Callable[[str], bool]
    needles: tuple[str, ...] | None = None
    ids: re.Pattern[str] | None = None
    screen: Callable[[list[str]], bool] | None = None
    redacted: int = field(default=0)
    """How many texts were changed."""

    @classmethod
    def for_names(cls, names: Iterable[Any], *, ids: Iterable[str] = ()) -> NameRedactor:
        """A redactor for these names (every form, :func:`name_forms`) and ids."""
        forms: set[str] = set()
        for n in names:
            forms |= {f for f in name_forms(n) if len(f) >= 3}
        words = {w for f in forms for w in f.split() if len(w) >= 3}
        id_list = sorted({str(i).strip() for i in ids if str(i).strip()}, key=len, reverse=True)
        pattern = (re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, id_list)) + r")(?![A-Za-z0-9])")
                   if id_list else None)
        return cls(match=forms.__contains__, needles=tuple(sorted(words)) or ("\x00",), ids=pattern)

    def redact(self, text: Any) -> Any:
        """``text`` with every erased name and id replaced (anything not a string unchanged)."""
        if not isinstance(text, str) or not text:
            return text
        out = self.ids.sub(ERASED, text) if self.ids is not None else text
        folded = reader_fold(out)
        if not folded:
            return out
        plain = folded.split()
        sk = folded if folded.isascii() else skeleton(folded)  # look-alike letters read as the Latin ones
        words = plain if sk is folded else sk.split()
        if len(words) != len(plain):
            words = [skeleton(w) or w for w in plain]
        if self.needles is not None and not any(n in sk for n in self.needles):
            pass
        elif self.screen is not None and not self.screen(words):
            pass
        else:
            out = self._names(out, folded, words)
        if out != text:
            self.redacted += 1
        return out

    def _names(self, text: str, folded: str, words: list[str]) -> str:
        index = reader_fold_index(text)
        found = list(re.finditer(r"\S+", folded))
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            hit = 0
            for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
                run = words[i:i + n]
                cands = [" ".join(run)]
                if _TRAIL_DIGITS.search(run[-1]) or _LEAD_DIGITS.search(run[0]):  # "Nettleton2", "2Kyle"
                    trimmed = [*run]
                    trimmed[-1] = _TRAIL_DIGITS.sub("", trimmed[-1])
                    trimmed[0] = _LEAD_DIGITS.sub("", trimmed[0])
                    cands.append(" ".join(w for w in trimmed if w))
                if any(c and self.match(c) for c in cands):
                    hit = n
                    break
            if hit:
                spans.append((index[found[i].start()], index[found[i + hit - 1].end() - 1] + 1))
                i += hit
            else:
                i += 1
        for a, b in reversed(spans):
            text = text[:a] + ERASED + text[b:]
        return text


# --- holding back what an import brings of an erased child ---------------------------------


@dataclass
class Held:
    """What :func:`hold_erased` kept out of an import.

    Attributes
    ----------
    tables
        The dataset's tables without the held rows, free text redacted.
    quarantined
        The quarantined rows to store (those naming an erased child left out; text redacted).
    counts
        Accepted rows held per table (records ingest made from names not counted: never read).
    quarantine_counts
        Quarantined rows held per table (not stored).
    problems
        The report's problems to store: one warning per held row (no value), and the other
        problems with erased names and ids redacted (those about held rows left out).
    """

    tables: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    counts: dict[str, int]
    quarantine_counts: dict[str, int]
    problems: pd.DataFrame


_FREE_TEXT = {"episodes": ("people_mentioned", "places_mentioned", "people_described"),
              "links": ("summary",), "persons": ("aliases",), "locations": ("name",)}
_ENTITY_KEYS = {"children": "child_id", "persons": "person_id", "locations": "location_id"}


def hold_erased(conn: sa.Connection, *, dataset: Any) -> Held | None:
    """Hold back the rows of ``dataset`` that bring back an erased child (see the module
    docstring); None when the workspace has erased no one."""
    ds = dataset
    stones = read_tombstones(conn)
    key = erasure_key(conn, create=False) if stones else None
    if not stones or key is None:
        return None

    def hit(kind: str, value: Any) -> tuple[str, datetime] | None:
        got = stones.get(keyed(key, kind=kind, value=value))
        return (got[1], got[2]) if got is not None and got[0] == kind else None

    def by_name(name: Any, dob: Any, *, name_only: bool) -> tuple[str, datetime] | None:
        form = skeleton(name, kind="child") if isinstance(name, str) else ""
        if not form:
            return None
        d = _dob(dob)
        if d is not None and (h := hit("name_dob", f"{form}|{d}")):
            return h
        return hit("name", form) if name_only and len(form.split()) >= 2 else None

    tables = {n: ds.table(n) for n in ("children", "persons", "locations", "episodes", "links")}
    why: dict[str, dict[int, tuple[str, datetime]]] = {n: {} for n in tables}
    held_ids: dict[str, tuple[str, datetime]] = {}  # ids of held records and episodes: why
    for name, col in _ENTITY_KEYS.items():
        t = tables[name]
        dobs = t["date_of_birth"].tolist() if "date_of_birth" in t else [None] * len(t)
        made = t["provisional"].tolist() if "provisional" in t else [False] * len(t)
        for pos, (rid, nm, dob, prov) in enumerate(zip(t[col].tolist(), t["name"].tolist(), dobs, made, strict=True)):
            h = hit("id", str(rid).strip())
            if h is None and name != "locations":
                h = by_name(nm, dob, name_only=prov is True)
            if h:
                why[name][pos] = held_ids[str(rid)] = h
    ep = tables["episodes"]
    for pos, (eid, cid) in enumerate(zip(ep["episode_id"].tolist(), ep["child_id"].tolist(), strict=True)):
        h = held_ids.get(str(cid)) or hit("id", str(cid).strip())
        if h:
            why["episodes"][pos] = held_ids[str(eid)] = h
    li = tables["links"]
    for pos, ends in enumerate(zip(li["source_id"].tolist(), li["target_id"].tolist(), li["episode_id"].tolist(),
                                   strict=True)):
        for v in ends:
            if isinstance(v, str) and (h := held_ids.get(v) or hit("id", v.strip())):
                why["links"][pos] = h
                break
    # a name another child or person bears (in this export, or held) may be theirs in a text
    kept_names: set[str] = set()
    for name in ("children", "persons"):
        t = tables[name]
        T = db.DATA_TABLES[name]
        for n in [n for pos, n in enumerate(t["name"].tolist()) if pos not in why[name]] + list(
                conn.execute(sa.select(T.c.name).where(T.c.is_current, T.c.name.is_not(None))).scalars()):
            if isinstance(n, str) and hit("name", skeleton(n, kind="child")):  # shares an erased child's name
                kept_names |= {keyed(key, kind="name", value=f) for f in name_forms(n)}
    words = {h for h, (k, _, _) in stones.items() if k == "word"}

    seen: dict[str, bool] = {}  # texts repeat their words: each hashed once

    def erased_word(w: str) -> bool:
        got = seen.get(w)
        if got is None:
            got = seen[w] = keyed(key, kind="word", value=_LEAD_DIGITS.sub("", _TRAIL_DIGITS.sub("", w))) in words
        return got

    def screen(ws: list[str]) -> bool:  # a word of an erased name (digits glued on or not): look closer
        return any(erased_word(w) for w in ws)

    redactor = NameRedactor(match=lambda s: hit("name", s) is not None and keyed(key, kind="name", value=s) not in kept_names,
                            screen=screen)
    out_tables: dict[str, pd.DataFrame] = {}
    counts: dict[str, int] = {}
    notes: list[dict[str, Any]] = []
    for name, t in tables.items():
        held = sorted(why[name])
        made = t["provisional"].to_numpy(dtype=bool)[held] if "provisional" in t and held else []
        counts[name] = len(held) - int(sum(made))  # records ingest made from names were never read
        prov = ds.report.provenance.get(name)
        for pos in held:
            pseudonym, at = why[name][pos]
            f, r = (prov.iloc[pos]["file"], prov.iloc[pos]["row"]) if prov is not None and pos < len(prov) else ("", None)
            notes.append({"table": name, "file": f, "row": r, "column": "", "value": pd.NA,
                          "reason": f"matches a child erased from this workspace ({pseudonym}, erased "
                                    f"{at:%Y-%m-%d}): held back, not imported", "severity": "warning"})
        keep = t.drop(index=t.index[held]) if held else t
        for col in _FREE_TEXT.get(name, ()):
            if col in keep and len(keep):
                new = keep[col].map(redactor.redact, na_action="ignore")
                if not new.equals(keep[col]):
                    keep = keep.assign(**{col: new.astype(keep[col].dtype)})
        out_tables[name] = keep
    quarantined: dict[str, pd.DataFrame] = {}
    q_counts: dict[str, int] = {}
    gone_rows: set[tuple[str, int]] = set()
    for name, q in ds.report.quarantined.items():
        if q is None or not len(q):
            quarantined[name] = q
            continue
        drop = []
        for pos, rec in enumerate(q.astype(object).where(q.notna(), None).to_dict("records")):
            cells = [str(v).strip() for k, v in rec.items() if v is not None and not str(k).startswith("_")]
            if any(hit("id", c) or by_name(c, None, name_only=True) for c in cells):
                drop.append(pos)
                gone_rows.add((name, int(rec["_row"])))
        q_counts[name] = len(drop)
        kept = q.drop(index=q.index[drop]).reset_index(drop=True)
        text_cols = [c for c in kept.columns if c != "_row"]
        quarantined[name] = kept.assign(**{c: kept[c].map(redactor.redact, na_action="ignore") for c in text_cols}) \
            if len(kept) else kept
    p = ds.report.problems
    if len(p):
        about = [(t, int(r)) in gone_rows if not pd.isna(r) else False for t, r in zip(p["table"], p["row"], strict=True)]
        p = p[~pd.Series(about, index=p.index)]
        p = p.assign(**{c: p[c].map(redactor.redact, na_action="ignore").astype(p[c].dtype)
                        for c in ("file", "column", "value", "reason")})
    if notes:
        extra = pd.DataFrame(notes).astype({c: p[c].dtype for c in p.columns if c in ("table", "file", "column",
                                                                                       "value", "reason", "severity")})
        extra["row"] = extra["row"].astype("Int64")
        p = pd.concat([p, extra[list(p.columns)]], ignore_index=True)
    return Held(out_tables, quarantined, counts, q_counts, p.reset_index(drop=True))

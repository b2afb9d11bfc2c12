"""The tactics register: disruption tactics used on a case, their dates, breaches and end.

The Home Office child exploitation disruption toolkit lists the tactics police and partners
use against those who exploit children, grouped by what they are used against (a person, a
location, a peer group, online): Child Abduction Warning Notices, Community Protection
Warnings and Notices, closure notices and orders, Sexual Risk Orders, Slavery and
Trafficking Risk Orders, hotel information requests, licensing reviews. The kinds, what each
applies to, the duration the law sets and its handling code come from the settings
(:class:`contextmap.settings.TacticSettings`, defaults :data:`contextmap.settings.DEFAULT_TACTIC_KINDS`).

Each tactic is recorded on a case with its subject (by default the case's own: a place, a
person, a group; or ``subject``, an id or a unique name), owner, text, issue date and expiry
(the kind's duration from the issue date unless given) and review dates. A tactic that
protects a named child (a CAWN) is checked against the child's age and placement on the issue
date: under 16, or under 18 and in care; a child whose age or placement is not recorded is
accepted with a warning kept with the tactic, and a child the records show is not eligible is
refused (unless the team says why the records are out of date). Breaches are added with their
date; a tactic ends with a reason (lapsed, renewed as another, revoked...). Nothing is ever
deleted: a tactic past its expiry with no decision stays on the pack's agenda until it is ended.

Examples
--------
>>> from contextmap.settings import Settings
>>> kind_of("CAWN", settings=Settings())[0], kind_of("closure-order", settings=Settings())[0]
('cawn', 'closure_order')
>>> tactic_id_of("tactic-3")
3
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from contextmap._errors import WorkspaceError
from contextmap.dates import parse_date_option
from contextmap.settings import Settings, parse_duration
from contextmap.workspace import db
from contextmap.workspace.lookup import Match, RecordLookupError, find_record, names_of
from contextmap.workspace.record import case_id_of, user_name
from contextmap.workspace.store import inserted_id, now_utc

__all__ = ["IN_CARE", "TACTIC_STATES", "TacticAdded", "tactic_id_of", "kind_of", "add_tactic", "add_breach",
           "end_tactic", "tactics_frame", "breaches_frame", "tactics_for_audience"]

IN_CARE = ("foster", "residential", "supported", "out_of_area")
"""Placements of a looked-after child (a child in care)."""

TACTIC_STATES = ("past expiry", "expiring", "review due", "active", "ended")
"""A tactic's state on a day, most urgent first: past its expiry with no decision, expiring
within the settings' window, its review date reached, active, ended."""

_TACTIC_ID = re.compile(r"^(?:tactic-)?(\d+)$", re.IGNORECASE)
_GROUP_ID = re.compile(r"^PG\d+$", re.IGNORECASE)
_SMALL_WORDS = {"and", "of", "the", "a", "an"}


def tactic_id_of(text: str | int) -> int:
    """``'tactic-3'`` (or ``'3'``) as the number 3; a clear error otherwise."""
    m = _TACTIC_ID.match(str(text).strip())
    if not m:
        raise WorkspaceError(f"Expected a tactic id such as 'tactic-3', instead got: {text!r}")
    return int(m.group(1))


def _fold(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", str(text).strip().lower())


def _initials(label: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z]+", label) if w.lower() not in _SMALL_WORDS).lower()


def kind_of(text: str, *, settings: Settings | None = None) -> tuple[str, dict[str, Any]]:
    """The tactic kind ``text`` names: its key (``closure_order``), its label (``Closure
    order``) or the label's initials (``CAWN``, ``SRO``), in any case, with ``-`` or spaces
    for ``_``. Returns ``(key, options)``; a :class:`~contextmap.WorkspaceError` listing
    the kinds otherwise."""
    kinds = (settings or Settings()).tactics.kinds
    want = _fold(text)
    hits = [k for k in kinds if k == want] or [k for k, v in kinds.items() if _fold(v["label"]) == want]
    if not hits:
        hits = [k for k, v in kinds.items() if _initials(v["label"]) == want.replace("_", "")]
    if len(hits) != 1:
        listing = ", ".join(f"{k} ({v['label']})" for k, v in kinds.items())
        raise WorkspaceError(f"Expected --kind to be one of: {listing}; instead got: {text!r}")
    return hits[0], kinds[hits[0]]


@dataclass(frozen=True)
class TacticAdded:
    """What :func:`add_tactic` stored: its ``number`` (``tactic-N``), the ``kind``, its
    ``target`` and ``subject`` (a :class:`~contextmap.workspace.lookup.Match`, or the label of a
    group or online subject), the ``child`` it protects, the dates, and the ``checks`` made
    (``warnings``: what the team should check, kept with the tactic)."""

    number: int
    kind: str
    label: str
    target: str
    subject: Match | str | None
    child: Match | None
    issued: date
    expires: date | None
    review: date | None
    checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _day(value: Any, name: str) -> date | None:
    ts = parse_date_option(value, name=name, kind="date") if value not in (None, "") else None
    return None if ts is None else ts.date()


def _text(value: Any, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"Expected {argument} to be a non-empty text, instead got: {value!r}")
    return value.strip()


_CASE_TARGET = {"location": "location", "school": "location", "person": "person", "group": "group"}


def _subject(conn: sa.Connection, case: Any, spec: dict[str, Any], subject: str | None,
             child: str | None) -> tuple[str, Match | str | None, Match | None]:
    """The tactic's target, subject and protected child, from the options and the case."""
    applies = list(spec["applies_to"])
    label = spec["label"]
    protects = spec.get("child_under") is not None
    found: Match | str | None = None
    target = ""
    if subject is None or not str(subject).strip():
        target = _CASE_TARGET.get(case.kind, "")
        if target not in applies:
            raise WorkspaceError(
                f"Expected --subject: a {label} is used against {' or '.join(applies)}, and case-{case.case_id} "
                f"is on a {case.kind} ({case.subject_id}); name its subject (an id or a name only it has)")
        found = (find_record(conn, str(case.subject_id), kinds=("location", "person"), argument="the case's subject")
                 if target in ("location", "person") else str(case.subject_id))
    else:
        text = str(subject).strip()
        kinds = tuple(k for k, on in (("location", "location"), ("person", "person"), ("child", "person")) if on in applies)
        if "group" in applies and (_GROUP_ID.match(text) or (case.kind == "group" and text == case.subject_id)):
            target, found = "group", text
        elif kinds:
            try:
                found = find_record(conn, text, kinds=kinds, argument="--subject")
            except RecordLookupError as exc:
                if "online" not in applies or exc.ambiguous:
                    raise
                target, found = "online", text
            if not target:
                target = "location" if found.kind == "location" else "person"  # type: ignore[union-attr]
        elif "online" in applies:
            target, found = "online", text
        else:
            raise WorkspaceError(f"Expected --subject to be a peer group (PG3), as a {label} is used against "
                                 f"{' or '.join(applies)}, instead got: {text!r}")
    protected = find_record(conn, child, kinds=("child",), argument="--child") if child else None
    if protects:
        if isinstance(found, Match) and found.kind == "child":
            if protected is not None and protected.record_id != found.record_id:
                raise WorkspaceError(f"Expected --subject to be the adult a {label} is served on, instead got the child "
                                     f"{found.describe()}")
            protected = found
            found = None
            if case.kind == "person":
                found = find_record(conn, str(case.subject_id), kinds=("person",), argument="the case's subject")
            else:
                raise WorkspaceError(f"Expected --subject to name the adult a {label} is served on (the child it "
                                     f"protects is {protected.describe()}), instead got none: give the adult's id or name")
        if protected is None:
            raise WorkspaceError(f"Expected --child: a {label} names the child it protects (an id or a name only they "
                                 "have), instead got none")
    return target, found, protected


def _years(born: pd.Timestamp, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _eligibility(conn: sa.Connection, spec: dict[str, Any], child: Match, issued: date,
                 note: str | None) -> tuple[list[str], list[str]]:
    """Check a protected child's age and placement on the issue date: (checks, warnings); refuse
    when the records show the child is not eligible (unless ``note`` says why they are wrong)."""
    under, care_under = int(spec["child_under"]), spec.get("in_care_under")
    C = db.DATA_TABLES["children"]
    row = conn.execute(sa.select(C.c.date_of_birth, C.c.placement)
                       .where(C.c.record_key == child.record_id, C.c.is_current)).first()
    born = pd.Timestamp(row.date_of_birth) if row is not None and row.date_of_birth is not None else None
    placement = str(row.placement).strip().lower() if row is not None and row.placement else ""
    who = f"{child.record_id}"
    rule = f"under {under}" + (f", or under {care_under} and in care" if care_under else "")
    label = spec["label"]
    if born is None:
        return [], [f"no date of birth is recorded for {who}: check they were {rule} on {issued:%Y-%m-%d}"]
    age = _years(born, issued)
    if age < under:
        return [f"{who} was {age} on the issue date ({rule})"], []
    if care_under is None or age >= care_under:
        raise WorkspaceError(f"Expected the child a {label} protects to be {rule}, instead got {child.describe()}, "
                             f"{age} on {issued:%Y-%m-%d}: nothing was stored")
    if placement in IN_CARE:
        return [f"{who} was {age} on the issue date and in care ({placement})"], []
    if placement in ("", "other", "nan", "none"):
        return [], [f"{who} was {age} on the issue date and their placement is not recorded"
                    + (f" ({placement!r})" if placement else "") + f": a {label} applies at {under} or over only "
                    "to a child in care; check it"]
    if note:
        return [f"{who} was {age} on the issue date and recorded as placed {placement!r}; issued all the same: {note}"], []
    raise WorkspaceError(
        f"Expected the child a {label} protects to be {rule}, instead got {child.describe()}, {age} on "
        f"{issued:%Y-%m-%d} and recorded as placed {placement!r} (not in care): nothing was stored. If the records "
        "are out of date, say why with --eligibility-note")


def add_tactic(engine: sa.Engine, case: str | int, *, kind: str, issued: Any, owner: str, text: str,
               expires: Any = None, review: Any = None, subject: str | None = None, child: str | None = None,
               handling: str | None = None, eligibility_note: str | None = None,
               settings: Settings | None = None, user: str | None = None,
               today: date | None = None) -> TacticAdded:
    """Record a tactic on a case and return what was stored.

    Parameters
    ----------
    case
        The case (``'case-2'``); it must be open.
    kind
        A kind of the settings (:func:`kind_of`: ``'cawn'``, ``'Closure order'``...).
    issued, expires, review
        Dates, ISO or UK day-first. ``expires`` defaults to the kind's duration from the issue
        date (none for a kind without one); neither may fall before ``issued``, and ``issued``
        is not in the future.
    owner
        The agency that owns it (police, the council's ASB team...).
    text
        What was issued and why, in the team's words.
    subject
        Who or what it is used against, if not the case's subject: an id or a name only one
        record has, a peer group id (``PG3``), or for an online tactic a label.
    child
        The child it protects (required for a kind with ``child_under``, a CAWN): checked for
        age and placement on the issue date.
    handling
        ``'P'`` or ``'C'`` (default the kind's): who may see it (:func:`tactics_for_audience`).
    eligibility_note
        Why a notice is issued although the records show the child is not eligible (they are
        out of date); kept with the tactic.

    Raises
    ------
    WorkspaceError
        For an unknown kind or case, a subject the kind does not apply to, a name that is not
        unique (the candidates listed), impossible dates, or a child not eligible.
    """
    st = settings or Settings()
    key, spec = kind_of(kind, settings=st)
    case_id = case_id_of(case)
    owner, text = _text(owner, "--owner"), _text(text, "--text")
    day_issued = _day(issued, "--issued")
    if day_issued is None:
        raise WorkspaceError("Expected --issued to be a date, instead got none")
    if day_issued > (today or date.today()):
        raise WorkspaceError(f"Expected --issued to be today or earlier, instead got a future date: {issued!r}")
    day_expires, day_review = _day(expires, "--expires"), _day(review, "--review")
    if day_expires is None and spec.get("duration"):
        day_expires = (pd.Timestamp(day_issued) + pd.DateOffset(**parse_duration(spec["duration"]))).date()
    for name, d in (("--expires", day_expires), ("--review", day_review)):
        if d is not None and d < day_issued:
            raise WorkspaceError(f"Expected {name} to be on or after the issue date {day_issued:%Y-%m-%d}, instead got: "
                                 f"{d:%Y-%m-%d}")
    code = (handling or spec.get("handling") or "P").strip().upper()
    if code not in ("P", "C"):
        raise WorkspaceError(f"Expected --handling to be 'P' or 'C', instead got: {handling!r}")
    note = eligibility_note.strip() if isinstance(eligibility_note, str) and eligibility_note.strip() else None
    with engine.begin() as conn:
        row = conn.execute(sa.select(db.cases).where(db.cases.c.case_id == case_id)).first()
        if row is None:
            raise WorkspaceError(f"no case case-{case_id} in this workspace")
        if row.status != "open":
            raise WorkspaceError(f"case-{case_id} is closed: open a new case to record tactics on it")
        target, found, protected = _subject(conn, row, spec, subject, child)
        checks: list[str] = []
        warnings: list[str] = []
        if protected is not None and spec.get("child_under") is not None:
            checks, warnings = _eligibility(conn, spec, protected, day_issued, note)
        if spec.get("duration") and expires in (None, ""):
            checks.append(f"expires {spec['duration']} after issue ({spec.get('law') or 'the settings'})")
        subject_id = found.record_id if isinstance(found, Match) else found
        number = inserted_id(conn.execute(db.tactics.insert().values(
            case_id=case_id, kind=key, target=target, subject_id=subject_id,
            child_id=protected.record_id if protected is not None else None, owner=owner, text=text, handling=code,
            issued=day_issued, expires=day_expires, review=day_review,
            checks="\n".join([*checks, *(f"check: {w}" for w in warnings)]) or None,
            created_at=now_utc(), created_by=user_name(user))))
    return TacticAdded(number, key, spec["label"], target, found, protected, day_issued, day_expires, day_review,
                       checks, warnings)


def _tactic_row(conn: sa.Connection, tactic_id: int) -> Any:
    row = conn.execute(sa.select(db.tactics).where(db.tactics.c.tactic_id == tactic_id)).first()
    if row is None:
        raise WorkspaceError(f"no tactic tactic-{tactic_id} in this workspace")
    return row


def add_breach(engine: sa.Engine, tactic: str | int, *, on: Any, text: str, user: str | None = None,
               today: date | None = None) -> int:
    """Record a breach of a tactic on a day (not before it was issued, not in the future, not
    after it ended); return its number. The time it was recorded is kept: the pack lists the
    breaches recorded since the last meeting."""
    tactic_id = tactic_id_of(tactic)
    what = _text(text, "--text")
    day = _day(on, "--on")
    if day is None:
        raise WorkspaceError("Expected --on to be a date, instead got none")
    if day > (today or date.today()):
        raise WorkspaceError(f"Expected --on to be today or earlier, instead got a future date: {on!r}")
    with engine.begin() as conn:
        row = _tactic_row(conn, tactic_id)
        if day < row.issued:
            raise WorkspaceError(f"Expected --on to be on or after tactic-{tactic_id} was issued ({row.issued:%Y-%m-%d}), "
                                 f"instead got: {day:%Y-%m-%d}")
        if row.ended_at is not None and day > row.ended_at.date():
            raise WorkspaceError(f"Expected --on to be before tactic-{tactic_id} ended ({row.ended_at:%Y-%m-%d}), "
                                 f"instead got: {day:%Y-%m-%d}")
        return inserted_id(conn.execute(db.tactic_breaches.insert().values(
            tactic_id=tactic_id, breached_on=day, text=what, recorded_at=now_utc(), recorded_by=user_name(user))))


def end_tactic(engine: sa.Engine, tactic: str | int, *, reason: str | None = None, user: str | None = None) -> None:
    """End a tactic (it lapsed, was renewed as another, revoked...): the decision a tactic past its
    expiry waits for. Kept, with who ended it, when and why."""
    tactic_id = tactic_id_of(tactic)
    why = reason.strip() if isinstance(reason, str) and reason.strip() else None
    T = db.tactics
    with engine.begin() as conn:
        row = _tactic_row(conn, tactic_id)
        if row.ended_at is not None:
            raise WorkspaceError(f"tactic-{tactic_id} already ended on {row.ended_at:%Y-%m-%d} by {row.ended_by}")
        conn.execute(T.update().where(T.c.tactic_id == tactic_id).values(
            ended_at=now_utc(), ended_by=user_name(user), end_reason=why))


def _state(ended: Any, expires: Any, review: Any, today: pd.Timestamp, window: int) -> str:
    if ended is not None and not pd.isna(ended):
        return "ended"
    exp = pd.Timestamp(expires) if expires is not None and not pd.isna(expires) else None
    if exp is not None and exp < today:
        return "past expiry"
    if exp is not None and exp <= today + pd.Timedelta(days=window):
        return "expiring"
    if review is not None and not pd.isna(review) and pd.Timestamp(review) <= today:
        return "review due"
    return "active"


def tactics_frame(engine: sa.Engine, *, settings: Settings | None = None, as_of: Any = None,
                  case: str | int | None = None) -> pd.DataFrame:
    """One row per tactic, most urgent first (:data:`TACTIC_STATES`), then by expiry.

    Columns: the stored ``tactic_id``, ``case_id``, ``kind``, ``target``, ``subject_id``,
    ``child_id``, ``owner``, ``text``, ``handling``, ``issued``, ``expires``, ``review``,
    ``checks``, ``ended_at``, ``ended_by``, ``end_reason``, ``created_at``, ``created_by``;
    and ``tactic`` (``'tactic-N'``), ``case``, ``case_kind``, ``case_subject``, ``label``
    (the kind's printed name), ``applies_to``, ``subject_name`` and ``child_name`` (current
    names), ``state`` on ``as_of`` (default today), ``days_left`` (to expiry),
    ``breaches`` (how many), ``last_breach`` (its date) and ``last_breach_recorded`` (when
    it was entered). Texts and names are as recorded: redact them before showing them
    (:func:`tactics_for_audience`).
    """
    st = settings or Settings()
    T, B, C = db.tactics, db.tactic_breaches, db.cases
    stmt = (sa.select(T, C.c.kind.label("case_kind"), C.c.subject_id.label("case_subject"))
            .join(C, C.c.case_id == T.c.case_id).order_by(T.c.tactic_id))
    if case is not None:
        stmt = stmt.where(T.c.case_id == case_id_of(case))
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        breaches = conn.execute(sa.select(B.c.tactic_id, B.c.breached_on, B.c.recorded_at)).all()
        frame = pd.DataFrame(rows, columns=[c.name for c in T.columns] + ["case_kind", "case_subject"])
        names = names_of(conn, {str(x) for x in pd.concat([frame["subject_id"], frame["child_id"]]).dropna()})
    today = pd.Timestamp(as_of if as_of is not None else date.today()).normalize()
    window = st.tactics.expiring_within_days
    kinds = st.tactics.kinds
    per: dict[int, list[tuple[date, datetime]]] = {}
    for tid, on, at in breaches:
        per.setdefault(int(tid), []).append((on, at))
    frame.insert(0, "tactic", [f"tactic-{i}" for i in frame["tactic_id"]])
    frame.insert(2, "case", [f"case-{i}" for i in frame["case_id"]])
    frame["label"] = [kinds.get(k, {}).get("label", str(k).replace("_", " ")) for k in frame["kind"]]
    frame["applies_to"] = [list(kinds.get(k, {}).get("applies_to", [])) for k in frame["kind"]]
    frame["subject_name"] = [names.get(str(s)) if isinstance(s, str) else None for s in frame["subject_id"]]
    frame["child_name"] = [names.get(str(s)) if isinstance(s, str) else None for s in frame["child_id"]]
    frame["state"] = [_state(e, x, r, today, window) for e, x, r in zip(frame["ended_at"], frame["expires"], frame["review"], strict=True)]
    frame["days_left"] = pd.array([None if x is None or pd.isna(x) else int((pd.Timestamp(x) - today).days)
                                   for x in frame["expires"]], dtype="Int64")
    frame["breaches"] = [len(per.get(int(i), [])) for i in frame["tactic_id"]]
    frame["last_breach"] = [max((b[0] for b in per.get(int(i), [])), default=None) for i in frame["tactic_id"]]
    frame["last_breach_recorded"] = [max((b[1] for b in per.get(int(i), [])), default=None) for i in frame["tactic_id"]]
    order = {s: i for i, s in enumerate(TACTIC_STATES)}
    frame["_o"] = frame["state"].map(order)
    frame["_x"] = pd.to_datetime(frame["expires"])
    return frame.sort_values(["_o", "_x", "tactic_id"], kind="stable").drop(columns=["_o", "_x"]).reset_index(drop=True)


def breaches_frame(engine: sa.Engine, *, tactic: str | int | None = None, since: Any = None) -> pd.DataFrame:
    """One row per breach, oldest first: ``breach`` (``'breach-N'``), ``breach_id``, ``tactic``,
    ``tactic_id``, ``breached_on``, ``text``, ``recorded_at``, ``recorded_by``. ``since``: only
    those recorded at or after that moment (the last meeting; times are kept to the second, so
    a breach entered in the second a pack was recorded is listed at both meetings, never at
    neither)."""
    B = db.tactic_breaches
    stmt = sa.select(B).order_by(B.c.breached_on, B.c.breach_id)
    if tactic is not None:
        stmt = stmt.where(B.c.tactic_id == tactic_id_of(tactic))
    if since is not None:
        stmt = stmt.where(B.c.recorded_at >= pd.Timestamp(since).to_pydatetime())
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[c.name for c in B.columns])
    frame.insert(0, "breach", [f"breach-{i}" for i in frame["breach_id"]])
    frame.insert(2, "tactic", [f"tactic-{i}" for i in frame["tactic_id"]])
    return frame


def tactics_for_audience(frame: pd.DataFrame, audience: Any, *, settings: Settings | None = None) -> tuple[pd.DataFrame, int, bool]:
    """The tactics an audience may see: ``(shown, withheld, free_text)``.

    An audience sees the kinds the settings give it (``tactics.audiences.NAME.kinds``, default
    every kind) whose handling code it sees (``C`` only with ``include_handling_c``, as for
    intelligence); ``withheld`` counts the others. ``free_text`` says whether it sees the
    tactics' texts, breaches and reasons (``tactics.audiences.NAME.free_text``, default the
    audience's ``show_free_text``). Subjects and children are still raw ids here: show them as
    the audience's redacted dataset has them.
    """
    st = settings or Settings()
    name = getattr(audience, "name", str(audience))
    rule = dict(st.tactics.audiences.get(name) or {})
    kinds = set(rule.get("kinds") or frame["kind"])
    ok = frame["kind"].isin(kinds)
    if not getattr(audience, "include_handling_c", False):
        ok &= frame["handling"] != "C"
    free = bool(rule.get("free_text", getattr(audience, "show_free_text", False)))
    return frame[ok].reset_index(drop=True), int((~ok).sum()), free

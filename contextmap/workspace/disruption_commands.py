"""The commands of the disruption record: ``case goal``, ``tactic`` and ``profile``.

:func:`register` adds them to the ``contextmap`` command line (through
:func:`contextmap.workspace.commands.register`). Every command takes ``--workspace W`` (or
``$CONTEXTMAP_WORKSPACE``), reads dates ISO or UK day-first, prints the id it made last on
its last line, and shows data (texts, names, owners) as data: never as markup, with
characters that could rearrange the terminal line shown as escapes.

Exit status: 0 done, 2 the input or workspace cannot be used (nothing stored), 3 a profile
refused by the privacy scan (nothing published).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from typer.core import TyperGroup

from contextmap._errors import ConfigError, ContextMapError, PrivacyError
from contextmap.workspace.commands import (
    HOOKS,
    WorkspaceOption,
    case_app,
    fail,
    open_from,
    quoted,
    say,
    workspace_from,
)

__all__ = ["register", "goal_app", "tactic_app", "profile_app"]

_ERRORS = (ContextMapError, OSError)

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Settings YAML (tactic kinds, the expiring window, profile cadence, audiences).")]


def _settings(config: Path | None) -> Any:
    from contextmap.settings import load_settings

    return load_settings(config)


# --- goals -----------------------------------------------------------------------------------

goal_app = typer.Typer(help="A case's context plan: goals, each with the measure agreed and its review date.",
                       no_args_is_help=True)


@goal_app.command("add")
def goal_add_cmd(
    case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
    text: Annotated[str, typer.Option("--text", help="The goal, in the team's words.")],
    measure: Annotated[str, typer.Option("--measure", help="How the team will know it is met (the measure agreed).")],
    review: Annotated[str, typer.Option("--review", help="When it is reviewed: 2027-03-01 or 01/03/2027 (day first).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Add a goal to a case's context plan; prints its id last (goal-N)."""
    from datetime import date

    try:
        with open_from(workspace) as ws:
            goal = ws.add_goal(case, text=text, measure=measure, review=review)
            row = ws.goals(case).set_index("goal").loc[goal]
    except _ERRORS as exc:
        raise fail(exc) from None
    if row["review"] < date.today():
        say(f"  note: the review date {row['review']} has passed already")
    say(f"Added to {case}, review {row['review']}: {goal}")


@goal_app.command("update")
def goal_update_cmd(
    goal: Annotated[str, typer.Argument(help="The goal id (goal-N).", show_default=False)],
    workspace: WorkspaceOption = None,
    status: Annotated[str | None, typer.Option("--status", help="open, met, partly-met, not-met or dropped.")] = None,
    review: Annotated[str | None, typer.Option("--review", help="A new review date (ISO or day first).")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What the review found.")] = None,
) -> None:
    """Change a goal's status, review date and/or outcome (every change is kept)."""
    try:
        with open_from(workspace) as ws:
            new = ws.update_goal(goal, status=status, review=review, outcome=outcome)
    except _ERRORS as exc:
        raise fail(exc) from None
    say(f"Updated goal-{new['goal_id']}: {new['status']}, review {new['review']}")


@goal_app.command("list")
def goal_list_cmd(
    workspace: WorkspaceOption = None,
    case: Annotated[str | None, typer.Option("--case", help="Only this case's goals.")] = None,
    history: Annotated[bool, typer.Option("--history", help="Also every change of each goal.")] = False,
) -> None:
    """List the goals (review due first), each with its measure and outcome."""
    from contextmap.workspace import plans

    try:
        with open_from(workspace) as ws:
            frame = ws.goals(case)
            past = {g: plans.goal_history(ws.engine, g) for g in frame["goal"]} if history else {}
    except _ERRORS as exc:
        raise fail(exc) from None
    if not len(frame):
        say("No goals")
    for g in frame.sort_values(["review_due", "review"], ascending=[False, True], kind="stable").itertuples():
        say(f"{g.goal}  {g.case}  {g.status:<10} review {g.review}  {g.text}  (measure: {g.measure})"
            + (" REVIEW DUE" if g.review_due else "") + (f"; outcome: {g.outcome}" if g.outcome else ""))
        for e in past.get(g.goal, []).itertuples() if history else ():
            say(f"    {e.at:%Y-%m-%d %H:%M} {e.by_user}: {e.status}, review {e.review}"
                + (f", outcome: {e.outcome}" if e.outcome else ""))


# --- tactics -----------------------------------------------------------------------------------

tactic_app = typer.Typer(help="The tactics register: disruption tactics on a case, their breaches and end.",
                         no_args_is_help=True)

TacticArg = Annotated[str, typer.Argument(help="The tactic id (tactic-N).", show_default=False)]


def _named(record_id: Any, name: Any) -> str:
    if not isinstance(record_id, str) or not record_id:
        return "(not recorded)"
    return f"{record_id} {quoted(name)}" if isinstance(name, str) and name else record_id


@tactic_app.command("add")
def tactic_add_cmd(
    case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
    kind: Annotated[str, typer.Option("--kind", help="The kind: cawn, community_protection_warning, closure_order... (see: contextmap tactic kinds).")],
    issued: Annotated[str, typer.Option("--issued", help="When it was issued: 2026-11-02 or 02/11/2026 (day first).")],
    owner: Annotated[str, typer.Option("--owner", help="The agency that owns it.")],
    text: Annotated[str, typer.Option("--text", help="What was issued and why.")],
    workspace: WorkspaceOption = None,
    expires: Annotated[str | None, typer.Option("--expires", help="When it lapses (default: the kind's duration in law from the issue date).")] = None,
    review: Annotated[str | None, typer.Option("--review", help="When it is reviewed.")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Who or what it is used against, if not the case's subject: an id, a name only one record has, a peer group (PG3), or an online account's label.")] = None,
    child: Annotated[str | None, typer.Option("--child", help="The child it protects (needed for a CAWN: their age and placement are checked).")] = None,
    handling: Annotated[str | None, typer.Option("--handling", help="P or C (default the kind's): audiences without handling code C do not see a C tactic.")] = None,
    eligibility_note: Annotated[str | None, typer.Option("--eligibility-note", help="Why a CAWN applies although the records say the child is not eligible (out-of-date records); kept with it.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Record a disruption tactic on a case; prints its id last (tactic-N).

    A Child Abduction Warning Notice is checked against the child's age and placement on the
    issue date (under 16, or under 18 and in care): a child the records show is not eligible
    is refused; a missing date of birth or placement is a warning kept with the tactic.
    """
    try:
        st = _settings(config)
        with open_from(workspace) as ws:
            t = ws.add_tactic(case, kind=kind, issued=issued, owner=owner, text=text, settings=st, expires=expires,
                              review=review, subject=subject, child=child, handling=handling,
                              eligibility_note=eligibility_note)
    except _ERRORS as exc:
        raise fail(exc) from None
    on = t.subject.describe() if hasattr(t.subject, "describe") else f"{t.target} {t.subject}"
    say(f"  against {on}")
    if t.child is not None:
        say(f"  protecting {t.child.describe()}")
    for c in t.checks:
        say(f"  checked: {c}")
    for w in t.warnings:
        say(f"  warning: {w}")
    dates = f"issued {t.issued}" + (f", expires {t.expires}" if t.expires else ", no expiry date") + (
        f", review {t.review}" if t.review else "")
    say(f"Recorded {t.label} on {case}, {dates}: tactic-{t.number}")


@tactic_app.command("breach")
def tactic_breach_cmd(
    tactic: TacticArg,
    on: Annotated[str, typer.Option("--on", help="When it was breached: ISO or day first.")],
    text: Annotated[str, typer.Option("--text", help="What happened.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Record a breach of a tactic; prints its id last (breach-N)."""
    try:
        with open_from(workspace) as ws:
            breach = ws.add_breach(tactic, on=on, text=text)
    except _ERRORS as exc:
        raise fail(exc) from None
    say(f"Recorded a breach of {tactic} on {on}: {breach}")


@tactic_app.command("end")
def tactic_end_cmd(
    tactic: TacticArg,
    workspace: WorkspaceOption = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why: lapsed, renewed as tactic-N, revoked, breached and prosecuted...")] = None,
) -> None:
    """End a tactic (the decision a tactic past its expiry waits for); kept with who, when and why."""
    try:
        with open_from(workspace) as ws:
            ws.end_tactic(tactic, reason=reason)
    except _ERRORS as exc:
        raise fail(exc) from None
    say(f"Ended {tactic}" + (f": {reason.strip()}" if reason and reason.strip() else ""))


def _with_records(ws: Any, frame: Any) -> Any:
    """Each tactic's subject as records of the workspace's dataset: a place or person and the records
    merged with it when its case was opened, or a group case's children."""
    cases = ws.cases().set_index("case_id")
    records = []
    for t in frame.itertuples():
        c: Any = cases.loc[t.case_id] if t.case_id in cases.index else None
        if t.target == "group":
            records.append(list(c["children"]) if c is not None else [])
        elif isinstance(t.subject_id, str) and t.subject_id:
            same = c is not None and str(c["subject_id"]) == t.subject_id
            records.append(list(c["subject_records"]) if same else [t.subject_id])
        else:
            records.append([])
    return frame.assign(records=records)


def _effects(ws: Any, frame: Any, days: int) -> Any:
    """The before-and-after counts, on the workspace's records resolved as the pack resolves them
    (with the decisions in force), so the command line, the profile and the pack agree."""
    from contextmap.resolve import resolve_dataset

    effects = HOOKS.get("effects")
    if effects is None:
        raise ConfigError("Expected the command line to give the tactic commands the before-and-after counts, "
                          "instead got none")
    resolved = resolve_dataset(ws.dataset(), decisions=ws.decisions())
    res = getattr(resolved, "resolution", None)
    entity = ({} if res is None else
              dict(zip(res.entities["record_id"].astype(str), res.entities["entity_id"].astype(str), strict=True)))
    with_records = _with_records(ws, frame)
    with_records["records"] = [list(dict.fromkeys(entity.get(r, r) for r in rs)) for rs in with_records["records"]]
    return effects(resolved, with_records, days=days)


def _tactic_line(t: Any) -> str:
    when = f"issued {t.issued}" + (f", expires {t.expires}" if t.expires else "") + (f", review {t.review}" if t.review else "")
    left = ""
    if t.state in ("past expiry", "expiring") and t.days_left is not None and not pd.isna(t.days_left):
        n = int(t.days_left)
        left = f" ({_days(-n)} ago)" if n < 0 else (" (today)" if n == 0 else f" (in {_days(n)})")
    state = t.state.upper() if t.state in ("past expiry", "expiring", "review due") else t.state
    breaches = "1 breach" if t.breaches == 1 else f"{t.breaches} breaches"
    return (f"{t.tactic}  {t.case}  {state}{left}  {t.label} against {_named(t.subject_id, t.subject_name)}, {when}; "
            f"{breaches}; {t.owner}: {t.text}")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@tactic_app.command("list")
def tactic_list_cmd(
    workspace: WorkspaceOption = None,
    case: Annotated[str | None, typer.Option("--case", help="Only this case's tactics.")] = None,
    expiring: Annotated[int | None, typer.Option("--expiring", help="Only tactics lapsing within so many days, and those past expiry with no decision.", min=0)] = None,
    effect: Annotated[bool, typer.Option("--effect", help="Also the evidence around each subject in equal windows before and after its issue date.")] = False,
    days: Annotated[int, typer.Option("--days", help="With --effect: the longest window on each side, in days.", min=1)] = 90,
    ended: Annotated[bool, typer.Option("--ended/--no-ended", help="Also list ended tactics.")] = True,
    config: ConfigOpt = None,
) -> None:
    """List the tactics, most urgent first: past expiry with no decision, expiring, review due, active, ended."""
    from contextmap.workspace import disruption

    try:
        st = _settings(config)
        with open_from(workspace) as ws:
            frame = disruption.tactics_frame(ws.engine, settings=st, case=case)
            if expiring is not None:
                left = frame["days_left"]
                frame = frame[(frame["state"] != "ended") & left.notna() & (left.astype(float) <= expiring)]
            if not ended:
                frame = frame[frame["state"] != "ended"]
            fx = _effects(ws, frame, days) if effect and len(frame) else None
    except _ERRORS as exc:
        raise fail(exc) from None
    if not len(frame):
        say("No tactics" + (f" lapsing within {expiring} days or past expiry" if expiring is not None else ""))
        return
    for i, t in zip(frame.index, frame.itertuples(), strict=True):
        say(_tactic_line(t))
        if fx is not None:
            say(f"    what changed: {fx.loc[i, 'summary']}")
    if fx is not None:
        say(f"Note: {fx.attrs['caveat']}")


@tactic_app.command("show")
def tactic_show_cmd(
    tactic: TacticArg,
    workspace: WorkspaceOption = None,
    days: Annotated[int, typer.Option("--days", help="The longest window on each side for the before-and-after counts.", min=1)] = 90,
    config: ConfigOpt = None,
) -> None:
    """One tactic in full: its subject, dates, checks, breaches, end, and what changed after it."""
    from contextmap.workspace import disruption

    try:
        st = _settings(config)
        number = disruption.tactic_id_of(tactic)
        with open_from(workspace) as ws:
            frame = ws.tactics(settings=st)
            frame = frame[frame["tactic_id"] == number]
            if not len(frame):
                raise ContextMapError(f"no tactic tactic-{number} in this workspace")
            breaches = disruption.breaches_frame(ws.engine, tactic=number)
            fx = _effects(ws, frame, days)
    except _ERRORS as exc:
        raise fail(exc) from None
    t = next(frame.itertuples())
    say(_tactic_line(t))
    kind = st.tactics.kinds.get(t.kind, {})
    say(f"  kind {t.kind}: used against {', '.join(kind.get('applies_to', [])) or '(not in the settings)'}; "
        f"handling code {t.handling}" + (f"; {kind['law']}" if kind.get("law") else ""))
    if isinstance(t.child_id, str):
        say(f"  protecting child {_named(t.child_id, t.child_name)}")
    for c in (t.checks or "").splitlines():
        say(f"  {c if c.startswith('check:') else 'checked: ' + c}")
    say(f"  recorded {t.created_at:%Y-%m-%d} by {t.created_by}")
    for b in breaches.itertuples():
        say(f"  {b.breach} on {b.breached_on} (recorded {b.recorded_at:%Y-%m-%d %H:%M} by {b.recorded_by}): {b.text}")
    if t.state == "ended":
        say(f"  ended {t.ended_at:%Y-%m-%d} by {t.ended_by}: {t.end_reason or '(no reason given)'}")
    say(f"  what changed: {fx['summary'].iloc[0]}")
    say(f"Note: {fx.attrs['caveat']}")


@tactic_app.command("kinds")
def tactic_kinds_cmd(config: ConfigOpt = None) -> None:
    """The tactic kinds of the settings: what each is used against, its duration in law, its handling code."""
    try:
        st = _settings(config)
    except _ERRORS as exc:
        raise fail(exc) from None
    for key, k in st.tactics.kinds.items():
        say(f"{key}: {k['label']}; used against {', '.join(k['applies_to'])}; "
            f"{'lasts ' + k['duration'] if k.get('duration') else 'no set duration'}; handling {k.get('handling', 'P')}"
            + (f"; child under {k['child_under']}" + (f", or under {k['in_care_under']} in care" if k.get("in_care_under") else "")
               if k.get("child_under") else ""))
        if k.get("law"):
            say(f"    {k['law']}")
    say(f"Tactics lapsing within {st.tactics.expiring_within_days} days are listed as expiring (tactics.expiring_within_days).")


# --- problem profiles -----------------------------------------------------------------------------


class _DefaultToBuild(TyperGroup):
    """``contextmap profile SUBJECT ...`` is ``contextmap profile build SUBJECT ...``: a first
    word that is not one of the group's commands starts the default command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


profile_app = typer.Typer(
    cls=_DefaultToBuild, no_args_is_help=True,
    help="Problem profiles: `contextmap profile SUBJECT --out DIR` writes one (HTML and PDF, for an audience); "
         "`profile adopt SUBJECT` adopts a place, person, group or case for re-running at a cadence; "
         "`profile list` says which are due.")


@profile_app.command("build")
def profile_build_cmd(
    subject: Annotated[str, typer.Argument(help="A place or person (id or a name only it has), a peer group (PG3) with a case, a case (case-N) or an adopted profile (profile-N).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write (new or empty; or a profile contextmap wrote, with --overwrite).")],
    workspace: WorkspaceOption = None,
    audience: Annotated[str, typer.Option("--audience", "-a", help="internal, police, social-care or partner (or one from --config).")] = "internal",
    from_: Annotated[str | None, typer.Option("--from", help="First month of the trends (default: 12 months before --to).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the trends (default: the latest record).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the network layout and peer groups.")] = 0,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip profile.pdf (no chromium needed).")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a profile contextmap wrote in --out.")] = False,
    keep_failed: Annotated[bool, typer.Option("--keep-failed", help="When the privacy scan refuses the profile, keep it for inspection.")] = False,
    log: Annotated[Path | None, typer.Option("--log", help="Audit log (default: $CONTEXTMAP_AUDIT_LOG or the user's data folder).")] = None,
    basemap: Annotated[Path | None, typer.Option("--basemap", help="Your own vector map data (GeoPackage, Shapefile...), drawn under the map (default: the settings' basemap).")] = None,
    days: Annotated[int, typer.Option("--days", help="The longest window on each side of a tactic's issue date, in days.", min=1)] = 90,
    config: ConfigOpt = None,
) -> None:
    """Write a problem profile (HTML and PDF) for an audience.

    It holds the trends by month, the network and map around the subject, its case, goals,
    actions and tactics (with what changed after each), and its data completeness. Redacted for the audience, scanned (a hit publishes nothing: exit 3), logged in the audit
    log and published whole; recorded in the workspace as a run of the profile.
    """
    from contextmap.dates import parse_date_option
    from contextmap.privacy.audit import AuditError

    build = HOOKS.get("profile")
    try:
        if build is None:
            raise ConfigError("Expected the command line to give the profile command its writer, instead got none")
        r = build(subject, workspace=workspace_from(workspace), out=out, audience=audience,
                  start=parse_date_option(from_, name="--from"), end=parse_date_option(to, name="--to"),
                  seed=seed, pdf=not no_pdf, overwrite=overwrite, keep_failed=keep_failed, audit_log=log,
                  settings=_settings(config), basemap=basemap, days=days)
    except AuditError as exc:
        raise fail(exc) from None
    except PrivacyError as exc:
        raise fail(exc, 3) from None
    except (ContextMapError, ValueError, OSError) as exc:
        raise fail(exc) from None
    say(f"{audience} profile of {r.subject_label}, {r.seconds:.1f} s: wrote {len(r.files)} files. Open {r.html.resolve()}"
        + ("" if no_pdf else f"\n  or print {r.pdf.resolve()}"))


@profile_app.command("adopt")
def profile_adopt_cmd(
    subject: Annotated[str, typer.Argument(help="A place or person (id or unique name), a peer group with a case (PG3), or a case (case-N).", show_default=False)],
    workspace: WorkspaceOption = None,
    cadence: Annotated[str | None, typer.Option("--cadence", help="How often it is re-run: 4w, 1m... (default the settings' profiles.cadence).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Adopt a subject as a problem profile; prints its id last (profile-N). The pack lists it when due."""
    from contextmap.workspace import profiles

    try:
        st = _settings(config)
        with open_from(workspace) as ws:
            number, found, new = profiles.adopt_profile(ws.engine, subject, cadence=cadence, settings=st)
            row = ws.profiles().set_index("profile_id").loc[number]
    except _ERRORS as exc:
        raise fail(exc) from None
    about = f"{found.kind} {_named(found.subject_id, row['subject_name'])}"
    verb = "Adopted" if new else "Already adopted"
    say(f"{verb} {about}, re-run every {row['cadence']}" + (f", case-{found.case_id}" if found.case_id else "")
        + f": profile-{number}")


@profile_app.command("drop")
def profile_drop_cmd(
    profile: Annotated[str, typer.Argument(help="The profile id (profile-N).", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is no longer needed (kept with it).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Stop a problem profile: kept, with when and why, and no longer listed as due."""
    from contextmap.workspace import profiles

    try:
        with open_from(workspace) as ws:
            profiles.drop_profile(ws.engine, profile, reason=reason)
    except _ERRORS as exc:
        raise fail(exc) from None
    say(f"Dropped {profile}")


@profile_app.command("list")
def profile_list_cmd(
    workspace: WorkspaceOption = None,
    due: Annotated[bool, typer.Option("--due", help="Only the profiles due for a refresh.")] = False,
) -> None:
    """List the adopted problem profiles: cadence, last run, when next due."""
    try:
        with open_from(workspace) as ws:
            frame = ws.profiles()
    except _ERRORS as exc:
        raise fail(exc) from None
    if due:
        frame = frame[frame["due"]]
    if not len(frame):
        say("No problem profiles" + (" due" if due else ""))
    for r in frame.itertuples():
        last = "never produced" if r.last_run is None or pd.isna(r.last_run) else f"last produced {r.last_run:%Y-%m-%d}"
        state = "dropped" if r.dropped_at is not None and str(r.dropped_at) != "NaT" else ("DUE" if r.due else "up to date")
        say(f"{r.profile}  {state:<10} {r.kind} {_named(r.subject_id, r.subject_name)}, every {r.cadence}; {last}, "
            f"next due {r.next_due:%Y-%m-%d}")


def register(app: typer.Typer) -> None:
    """Add ``case goal``, ``tactic`` and ``profile`` to the command line."""
    case_app.add_typer(goal_app, name="goal")
    app.add_typer(tactic_app, name="tactic")
    app.add_typer(profile_app, name="profile")

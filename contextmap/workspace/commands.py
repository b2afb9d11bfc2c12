"""The workspace's commands: ``workspace``, ``import``, ``decide``, ``case`` and ``action``.

:func:`register` adds them to the ``contextmap`` command line. The workspace is given once
per command, the same way everywhere: ``--workspace W`` (:data:`WorkspaceOption`), or the
``W`` argument of ``workspace init|status|purge|erase`` (:data:`WorkspaceArgument`); either
may be left out when ``$CONTEXTMAP_WORKSPACE`` is set, so a team can set it once.
:func:`workspace_from` and :func:`dataset_or_workspace` read them, for these commands and for
the analyses that take ``PATH`` or ``--workspace`` (``validate``, ``analyze``, ``map``...),
with one message when neither is given.

Records are named by id or by a name only one record has; a name that is not unique, or
names nothing, is refused with the candidates listed (kind, date of birth, agencies, id).

Exit status: 0 done, 1 rows were quarantined by an import (the import is still recorded),
2 the input or workspace cannot be used (including a name that is not unique: nothing stored).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console

from contextmap._errors import ConfigError, ContextMapError

__all__ = ["register", "WORKSPACE_ENV", "workspace_option_help", "WorkspaceOption", "WorkspaceArgument",
           "workspace_from", "dataset_or_workspace", "fail", "say", "quoted", "open_from", "case_app", "HOOKS"]

WORKSPACE_ENV = "CONTEXTMAP_WORKSPACE"
"""Environment variable giving the default workspace of every command."""

workspace_option_help = "The workspace: a SQLite file or a postgresql:// URL (default: $CONTEXTMAP_WORKSPACE)."

WorkspaceOption = Annotated[str | None, typer.Option("--workspace", "-w", help=workspace_option_help,
                                                     show_default=False)]
"""``--workspace W``, declared once for every command; read it with :func:`workspace_from`
(or :func:`dataset_or_workspace` where a dataset ``PATH`` may be given instead)."""

WorkspaceArgument = Annotated[str | None, typer.Argument(
    help="The workspace: a file path (SQLite) or a postgresql:// URL (default: $CONTEXTMAP_WORKSPACE).",
    show_default=False)]
"""The ``W`` argument of ``workspace init|status|purge|erase``; read it with :func:`workspace_from`."""

console = Console(stderr=False, soft_wrap=True, emoji=False)  # ids such as "link:100:target" are data, never emoji codes
err_console = Console(stderr=True, soft_wrap=True, emoji=False)


def _env_workspace() -> str | None:
    value = os.environ.get(WORKSPACE_ENV, "").strip()
    return value or None


def workspace_from(value: str | None) -> str:
    """The workspace a command works on: ``value`` (``--workspace`` or ``W``) or else
    ``$CONTEXTMAP_WORKSPACE``; a :class:`~contextmap.ConfigError` when neither is set.

    Examples
    --------
    >>> workspace_from("team.cmw")
    'team.cmw'
    """
    if value is not None and value.strip():
        return value
    env = _env_workspace()
    if env is None:
        raise ConfigError(f"Expected a workspace (--workspace W, or ${WORKSPACE_ENV} set), instead got neither")
    return env


def dataset_or_workspace(path: Path | None, workspace: str | None) -> tuple[Path | None, str | None]:
    """For the commands reading ``PATH`` or ``--workspace W``: exactly one of the two.

    ``PATH`` wins over ``$CONTEXTMAP_WORKSPACE`` (which is only a default); ``PATH`` and
    ``--workspace`` together are an error, as is neither when the variable is not set.
    """
    if path is not None and workspace is not None:
        raise ConfigError("Expected a dataset PATH or --workspace W (one of the two), instead got both")
    if path is not None:
        return path, None
    if workspace is not None:
        return None, workspace_from(workspace)
    env = _env_workspace()
    if env is None:
        raise ConfigError(f"Expected a dataset PATH or --workspace W (or ${WORKSPACE_ENV} set), instead got neither")
    return None, env


def fail(exc: Exception, code: int = 2) -> typer.Exit:
    """Print ``error: <message>`` on standard error and return the exit to raise: the one error
    path of every ``contextmap`` command. The message is printed as written (never read as
    markup, so a quoted value such as ``'[b]x'`` shows as it is) and never wrapped mid-line;
    a password in a URL is masked whatever raised it.
    """
    from rich.text import Text

    from contextmap._errors import mask_secrets

    err_console.print(Text.assemble(("error:", "bold red"), " ", mask_secrets(str(exc))), soft_wrap=True,
                      highlight=False)
    return typer.Exit(code)



def say(text: str) -> None:
    """Print a line for the user: data in it (names, ids, titles) is shown, never obeyed: no
    markup, and characters that are not printable are shown as escapes (:func:`terminal_text`)."""
    console.print("\n".join(terminal_text(line) for line in text.split("\n")), markup=False, highlight=False)


def open_from(workspace: str | None):
    """The workspace a command names (``--workspace`` or ``$CONTEXTMAP_WORKSPACE``), opened."""
    from contextmap.workspace import open_workspace

    return open_workspace(workspace_from(workspace))


_say, _open = say, open_from


_ERRORS = (ContextMapError, OSError)


workspace_app = typer.Typer(help="Create a workspace, see what it holds, purge old records, erase a child.",
                            no_args_is_help=True)
decide_app = typer.Typer(help="The analyst's entity-resolution decisions, stored in the workspace.",
                         no_args_is_help=True)
case_app = typer.Typer(help="Context cases on a location, a person, a peer group or a school, and their goals.",
                       no_args_is_help=True)
action_app = typer.Typer(help="Actions on context cases: owner, due date, 4P tag, status, outcome.", no_args_is_help=True)

LogOption = Annotated[Path | None, typer.Option(
    "--log", help="Audit log (default: $CONTEXTMAP_AUDIT_LOG or the user's data folder).")]


@workspace_app.command("init")
def init_cmd(workspace: WorkspaceArgument = None) -> None:
    """Create a workspace (or bring an existing one up to the current schema).

    A new SQLite file is created readable by you only; a postgresql:// URL must name an
    existing, empty database.
    """
    from contextmap.workspace import init_workspace

    try:
        with init_workspace(workspace_from(workspace)) as ws:
            label, rev = ws.label, ws.status()["schema"]
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Workspace ready at {label} (schema {rev})")


@workspace_app.command("status")
def status_cmd(
    workspace: WorkspaceArgument = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """What the workspace holds: records, imports, decisions, cases, actions, meetings."""
    try:
        with _open(workspace) as ws:
            st = ws.status()
    except _ERRORS as exc:
        raise fail(exc) from None
    if as_json:
        print(json.dumps(st, indent=1, default=str))
        return
    c = st["counts"]

    def _n(n: int, noun: str) -> str:
        return f"{n} {noun}" + ("" if n == 1 else "s")

    _say(f"{st['workspace']} ({st['backend']}, schema {st['schema']})")
    names = st.get("from_names", {})
    _say(fitted("  ", [f"{n} {k}" + (f" ({names[k]} made from names in links or episodes)" if names.get(k) else "")
                       for k, n in c.items()]))
    _say(fitted("  ", [_n(len(st["imports"]), "import"), f"{st['decisions']} decisions in force"
                       + (f" ({st['decisions_withdrawn']} withdrawn)" if st.get("decisions_withdrawn") else ""),
                       f"{st['cases']['open']} open cases",
                       f"{st['actions']['open']} open actions ({st['actions']['overdue']} overdue)",
                       f"{_n(st['meetings'], 'meeting')} ({_n(st['packs'], 'pack')})"]))
    if st.get("decisions_unread"):
        _say(textwrap.fill("Warning: decisions in force that the data no longer reads; every resolution and pack "
                           "stops on them until each is withdrawn or made again:", width=80, initial_indent="  ",
                           subsequent_indent="    ", break_long_words=False, break_on_hyphens=False))
        for line in str(st["decisions_unread"]).splitlines():
            pad = "    " + " " * (len(line) - len(line.lstrip()))
            _say(textwrap.fill(line.strip(), width=80, initial_indent=pad, subsequent_indent=pad + "  ",
                               break_long_words=False, break_on_hyphens=False))
    last = st.get("last_meeting")
    if last:
        first, end = last["period"]
        _say(fitted("  ", [f"last meeting: the period {first or 'from the start'} to {end or '(no end recorded)'}",
                           f"first pack built {str(last['held_at'])[:16]}",
                           f"{_n(last['packs'], 'pack')} built for it ({', '.join(last['audiences'])})"], sep="; "))
    t = st["tactics"]
    _say(fitted("  ", [f"{st['goals']['open']} open goals ({st['goals']['review_due']} review due)",
                       f"{st['profiles']['adopted']} problem profiles ({st['profiles']['due']} due)"]))
    _say(fitted("  tactics: ", [f"{n} {k}" for k, n in t.items()]))
    for i in st["imports"][-5:]:
        t = {k: sum(v.get(k, 0) for v in i["counts"].values())
             for k in ("new", "changed", "rematched", "unchanged", "not_in_latest")}
        made = sum(v.get("new_from_names", 0) for v in i["counts"].values())
        _say(fitted(f"  import {i['import_id']} {str(i['imported_at'])[:16]}: ",
                    [f"{t['new']} new" + (f" ({made} made from names)" if made else ""), f"{t['changed']} changed"]
                    + ([f"{t['rematched']} re-matched"] if t["rematched"] else [])
                    + [f"{t['unchanged']} unchanged", f"{t['not_in_latest']} not in latest",
                       f"{i['quarantined']} quarantined"]))


def fitted(head: str, items: list[str], *, width: int = 80, sep: str = ", ") -> str:
    """``head`` and ``items`` joined by ``sep`` in lines of at most ``width`` columns, broken only
    between items (``textwrap`` breaks between words: inside "0 open cases"), each further line
    indented four spaces: a status that fits an 80-column terminal without cutting a count
    from its noun. An item longer than the line (a long path) stands on a line of its own.

    Examples
    --------
    >>> print(fitted("  ", ["150 children", "77 persons", "281 locations"], width=30))
      150 children, 77 persons,
        281 locations
    """
    lines, line = [], head
    for k, item in enumerate(items):
        piece = item + (sep.rstrip() if k < len(items) - 1 else "")
        if line.strip() and len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = "    "
        line += piece + (" " if k < len(items) - 1 else "")
    lines.append(line.rstrip())
    return "\n".join(lines)


@workspace_app.command("purge")
def purge_cmd(
    older_than: Annotated[str, typer.Option("--older-than", help="Retention period: 6y, 18m, 8w or 30d.")],
    workspace: WorkspaceArgument = None,
    log: LogOption = None,
) -> None:
    """Remove records older than the retention period (logged in the audit log)."""
    try:
        with _open(workspace) as ws:
            removed = ws.purge(older_than=older_than, audit_log=log)
    except _ERRORS as exc:
        raise fail(exc) from None
    _say("Purged " + ", ".join(f"{n} {k}" for k, n in removed.items()) + " (recorded in the audit log)")


@workspace_app.command("erase")
def erase_cmd(
    child: Annotated[str, typer.Option("--child", help="The child's id (exactly as held: erasure is never by name).")],
    workspace: WorkspaceArgument = None,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="Another name the child is known by (a nickname), to erase from every text as well; repeat for several.")] = None,
    log: LogOption = None,
) -> None:
    """Erase one child and everything recorded about them, leaving a tombstone so a later import
    of the same record is held back (logged in the audit log under a keyed pseudonym)."""
    try:
        with _open(workspace) as ws:
            done = ws.erase(child=child, aliases=tuple(alias or ()), audit_log=log)
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Erased {child} as {done.pseudonym}: " + ", ".join(f"{n} {k}" for k, n in done.removed.items())
         + f"; the child's names and ids replaced in {sum(done.redacted.values())} texts"
         + (f"; {done.vacuum}" if done.vacuum else ""))
    _say(f"Recorded in the audit log as {done.pseudonym} (check it with: contextmap workspace erased --child ID). "
         "Copies outside the workspace (packs, exports, backups) are not touched.")


@workspace_app.command("erased")
def erased_cmd(
    workspace: WorkspaceArgument = None,
    child: Annotated[str | None, typer.Option("--child", help="A child's id: say whether this child was erased, and under which pseudonym.")] = None,
) -> None:
    """The erasures this workspace has recorded: pseudonym, when, by whom. With --child ID, whether
    that child was erased (exit 0) or not (exit 1): how the chair checks an audit entry."""
    try:
        with _open(workspace) as ws:
            rows = ws.erased(child)
    except _ERRORS as exc:
        raise fail(exc) from None
    if child is not None and not rows:
        _say(f"No erasure of {child} is recorded in this workspace")
        raise typer.Exit(1)
    if not rows:
        _say("No erasure is recorded in this workspace")
    for r in rows:
        _say(f"{r['pseudonym']}  erased {r['erased_at']} by {r['erased_by']}"
             + (f"  (this is {child})" if child is not None else ""))


def import_cmd(
    source: Annotated[Path, typer.Argument(help="A dataset folder, workbook or sources manifest.", show_default=False)],
    workspace: WorkspaceOption = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Treat dates after this moment as errors (default: now).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write problems.csv and quarantine/<table>.csv here.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML (as for validate).")] = None,
    period: Annotated[str | None, typer.Option("--period", help="For a sources manifest whose files name the {period}: the month to import, YYYY-MM (default: the latest month for which every such file is present).", show_default=False)] = None,
) -> None:
    """Import an export into the workspace: new, changed and unchanged rows; nothing deleted.

    Validation and quarantine are those of `contextmap validate`. Exit status: 0 imported,
    1 imported but rows were quarantined, 2 the input or workspace cannot be used.
    """
    from contextmap.settings import load_settings

    try:
        cfg = load_settings(config)
        ws = _open(workspace)
    except (ContextMapError, ValueError, OSError) as exc:
        raise fail(exc) from None
    try:
        with ws:
            r = ws.import_source(source, mapping=mapping, as_of=as_of, settings=cfg, period=period)
    except (ContextMapError, ValueError, OSError, sa.exc.SQLAlchemyError) as exc:  # one transaction: rolled back
        raise fail(Exception(f"{exc} (nothing was imported: the workspace is unchanged)")) from None
    try:
        if r.dataset.period is not None and period is None:
            _say(f"Period {r.dataset.period}: the latest month for which every monthly file is present "
                 "(choose another with --period YYYY-MM)")
        if out is not None:
            from contextmap.ingest import write_quarantine

            write_quarantine(r.dataset, out, overwrite=True)
    except (ContextMapError, ValueError, OSError) as exc:
        raise fail(exc) from None
    from contextmap.ingest.quality import print_problems

    print_counts(r.counts, Console(emoji=False))
    problems = r.dataset.report.problems
    print_problems(problems, Console(emoji=False), where=(str(out / "problems.csv") if out is not None else
                                               "give --out DIR to write DIR/problems.csv") if len(problems) else "")
    t = r.totals()
    _say(f"Import {r.import_id} into {ws.label}: {t['new']} new, {t['changed']} changed, {t['unchanged']} unchanged, "
         f"{t['quarantined']} quarantined" + (f", {t['held']} held back" if t["held"] else ""))
    if t["new_from_names"]:
        n = t["new_from_names"]
        _say(f"Of the new, {n} {'are records' if n > 1 else 'is a record'} made from names in links or episodes: "
             + ", ".join(f"{c['new_from_names']} {name}" for name, c in r.counts.items() if c.get("new_from_names"))
             + "\n(one for each name and what it is written beside, until resolution says who each is)")
    if t["held"]:
        _say(f"{t['held']} rows were held back, not imported: they bring back a child erased from this workspace "
             "(contextmap workspace erased W lists the erasures)")
    from contextmap.workspace.decisions import unread_decisions

    try:
        stale = unread_decisions(ws.engine)
    finally:
        ws.close()
    if stale:
        _say("Warning: decisions in force that this data no longer reads; every resolution and pack stops on them "
             "until each is withdrawn (contextmap decide withdraw N) or made again:\n  " + stale.replace("\n", "\n  "))
    raise typer.Exit(0 if r.quarantined == 0 else 1)


# --- decide ---------------------------------------------------------------------------------


def _decide(verb: str, a: str, b: str, workspace: str | None, reason: str) -> None:
    try:
        with _open(workspace) as ws:
            d = ws.decide(verb, a, b, reason=reason)
    except _ERRORS as exc:
        raise fail(exc) from None
    shown: set[str] = set()
    for x in (d, *d.more):
        for m in (x.a, x.b):
            if m.record_id not in shown:
                shown.add(m.record_id)
                _say(f"  {m.describe()}")
    for x in (d, *d.more):
        said = f"{verb.replace('_', ' ')} {x.a.record_id} {x.b.record_id}"
        _say(f"Decision {x.number}: {said}" if x.new else f"Already decided: decision {x.number} ({said}); nothing added (to give it another reason, withdraw it and decide again)")


RecordArg = Annotated[str, typer.Argument(
    help="A record's id, a name only one record has, or the end of a link (link:<link id>:target or :source: the "
         "name written there, whatever record it is this month). A provisional record made from a name in links "
         "(prov-p-...) is stored as one decision for each link's end it stands for now.", show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")]


@decide_app.command("merge")
def decide_merge_cmd(a: RecordArg, b: RecordArg, reason: ReasonOpt, workspace: WorkspaceOption = None) -> None:
    """Decide that records A and B are the same person or place.

    A and B are ids, or names that only one record has ("Bailey Fenwick"); a name shared by
    several records, or naming none, lists the candidates (kind, date of birth, agencies, id)
    and stores nothing. A child and a person record may be merged; a place and a person not.
    """
    _decide("merge", a, b, workspace, reason)


@decide_app.command("keep-apart")
def decide_keep_apart_cmd(a: RecordArg, b: RecordArg, reason: ReasonOpt, workspace: WorkspaceOption = None) -> None:
    """Decide that records A and B are never the same (ids or unique names, as for merge)."""
    _decide("keep_apart", a, b, workspace, reason)


@decide_app.command("withdraw")
def decide_withdraw_cmd(
    decision: Annotated[str, typer.Argument(help="The decision's number (see: contextmap decide list).", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn (kept with it).")],
    workspace: WorkspaceOption = None,
    log: LogOption = None,
) -> None:
    """Withdraw a decision: kept in the history with who, when and why, no longer applied
    from the next resolution or pack on, and recorded in the audit log."""
    try:
        with _open(workspace) as ws:
            row = ws.withdraw(decision, reason=reason, audit_log=log)
    except _ERRORS as exc:
        raise fail(exc) from None
    verb = "merge" if row["action"] == "merge" else "keep apart"
    also = row.get("also") or []
    _say(f"Withdrew decision {row['decision_id']} ({verb} {row['a']} {row['b']}): no longer applied"
         + (f"; with it decisions {', '.join(map(str, also))}, stored by the same decide (the other links' ends "
            "where the name was written)" if also else ""))


@decide_app.command("list")
def decide_list_cmd(
    workspace: WorkspaceOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Also list withdrawn decisions.")] = False,
) -> None:
    """List the decisions in force (with --all, withdrawn ones too), with names and reasons."""
    try:
        with _open(workspace) as ws:
            frame = ws.decision_history()
    except _ERRORS as exc:
        raise fail(exc) from None
    shown = frame if all_ else frame[frame["status"] == "in force"]
    if not len(shown):
        _say("No decisions" + ("" if all_ or not len(frame) else f" in force ({len(frame)} withdrawn: --all lists them)"))
    for r in shown.itertuples():
        verb = "merge" if r.action == "merge" else "keep apart"
        _say(f"{r.decision_id:>4}  {verb:<10} {r.a} {_q(r.a_name)} and {r.b} {_q(r.b_name)}  "
             f"({r.decided_by}, {r.decided_at:%Y-%m-%d}: {r.reason})")
        if r.status == "withdrawn":
            _say(f"      withdrawn {r.withdrawn_at:%Y-%m-%d} by {r.withdrawn_by}: {r.withdrawn_reason}")


@decide_app.command("import")
def decide_import_cmd(file: Annotated[Path, typer.Argument(help="A decisions file.", show_default=False)],
                      workspace: WorkspaceOption = None) -> None:
    """Store every decision of a decisions file not in force yet (the comment above each is its
    reason). Every id is checked first; any unknown id stores nothing."""
    from contextmap.workspace import record

    try:
        text = file.read_text(encoding="utf-8-sig")
        with _open(workspace) as ws:
            r = record.import_decisions(ws.engine, text, source=file.name)
    except (ContextMapError, OSError, UnicodeDecodeError) as exc:
        raise fail(exc) from None
    _say(f"Imported {r.added} new decisions from {file}"
         + (f"; {r.already} already in force" if r.already else "")
         + (f"; {r.withdrawn} withdrawn earlier, not brought back (decide merge / keep-apart makes one again)"
            if r.withdrawn else ""))


@decide_app.command("export")
def decide_export_cmd(file: Annotated[Path, typer.Argument(help="The decisions file to write.", show_default=False)],
                      workspace: WorkspaceOption = None,
                      overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False) -> None:
    """Write the decisions in force as a decisions file (reasons as comments; withdrawn ones
    as comments at the end)."""
    from contextmap.files import check_writable
    from contextmap.workspace import record

    try:
        check_writable(file, overwrite=overwrite, argument="FILE")
        with _open(workspace) as ws:
            text = record.decisions_text(ws.engine)
        file.write_text(text, encoding="utf-8")
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Wrote {file}")


# --- case -------------------------------------------------------------------------------------

_GROUP_ID = re.compile(r"^PG\d+$", re.IGNORECASE)


def quoted(name: Any) -> str:
    """A name quoted, or '(no name)'."""
    return repr(name) if isinstance(name, str) and name.strip() else "(no name)"


_q = quoted


def terminal_text(text: str) -> str:
    """Text for the terminal: a character that is not printable (a direction override, a
    control character) is shown as its escape, so no name can rearrange the line."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def _named(ids: list[str], names: list[Any]) -> str:
    return ", ".join(f"{n} ({i})" if isinstance(n, str) and n else i for i, n in zip(ids, names, strict=True))


HOOKS: dict[str, Callable[..., Any]] = {}
"""What the command line gives the workspace commands from the stages above the workspace (which
the workspace never imports): ``analyze`` (:func:`contextmap.analysis.analyze`), ``effects``
(:func:`contextmap.tactics.tactic_effects`) and ``profile`` (:func:`contextmap.pack.profile.build_profile`)."""
_HOOKS = HOOKS


def _group_analysis(ws: Any, *, from_: str | None, to: str | None, seed: int, config: Path | None) -> Any:
    """The analysis that names the peer groups: the period given, else the last meeting's, else the default."""
    from contextmap.dates import parse_date_option
    from contextmap.settings import load_settings
    from contextmap.workspace import meetings

    start, end = parse_date_option(from_, name="--from"), parse_date_option(to, name="--to")
    last = meetings.last_meeting(ws.engine)
    if start is None and end is None and last is not None:
        start, end = last["period_start"], last["period_end"]
        _say(f"  peer groups as the last meeting's pack found them ({start or 'start'} to {end})")
    analyze = _HOOKS.get("analyze")
    if analyze is None:
        raise ConfigError("Expected the command line to give the workspace commands an analysis, instead got none")
    return analyze(ws.dataset(), start=start, end=end, settings=load_settings(config), seed=seed,
                   decisions=ws.decisions())


@case_app.command("open")
def case_open_cmd(
    kind: Annotated[str, typer.Option("--kind", help="location, person, group or school (a school's location record).")],
    subject: Annotated[str, typer.Option("--subject", help="A location, school or person: its id or a name only it has. A group: its id in the analysis (PG3) or a child in it; with --child, a label of your choosing.")],
    title: Annotated[str, typer.Option("--title", help="What the case is about.")],
    workspace: WorkspaceOption = None,
    child: Annotated[list[str] | None, typer.Option("--child", help="A child to link, by id or unique name (repeat for more).")] = None,
    opened: Annotated[str | None, typer.Option("--opened", help="When the case was opened, if before today: 2026-11-02 or 02/11/2026.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Group cases: first day of the analysis that names the group (default: the last meeting's pack's period).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Group cases: last day of that analysis.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Group cases: the seed of that analysis (as the pack's --seed).")] = 0,
    config: Annotated[Path | None, typer.Option("--config", help="Group cases: the settings that analysis used.")] = None,
    resolve: Annotated[bool, typer.Option("--resolve/--no-resolve", help="Location and person cases: bring the records entity resolution merges with the subject.")] = True,
    profile: Annotated[bool, typer.Option("--profile", help="Also adopt the case's subject as a problem profile (re-run at each meeting; see: contextmap profile).")] = False,
    cadence: Annotated[str | None, typer.Option("--cadence", help="With --profile: how often it is re-run (4w, 1m; default the settings' profiles.cadence).")] = None,
) -> None:
    """Open a context case; says what it linked and why, and prints the case id last.

    A location or person case brings the records merged with its subject and links every
    child tied to any of them. A group case links the children of a peer group as the
    analysis that named it found them (--from/--to/--seed; default the last meeting's pack's
    period), or, with --child, the children named. A school case is on a school's location
    record. --profile adopts the subject as a problem profile too.
    """
    from contextmap.settings import load_settings

    try:
        cfg = load_settings(config)
        with _open(workspace) as ws:
            children = tuple(child or ())
            if kind == "group" and (_GROUP_ID.match(subject.strip()) or not children):
                an = _group_analysis(ws, from_=from_, to=to, seed=seed, config=config)
                case = ws.open_group_case(an, subject, title=title, children=children, opened=opened)
            else:
                case = ws.open_case(kind=kind, subject=subject, title=title, children=children, opened=opened,
                                    resolve=resolve)
            row = ws.cases().set_index("case").loc[case]
            linked = ws.case_children(case)
            adopted = ws.adopt_profile(case, cadence=cadence, settings=cfg) if profile else None
            category = _category(ws, row["subject_id"]) if kind == "school" else None
    except _ERRORS as exc:
        raise fail(exc) from None
    if category is not None and category != "school":
        _say(f"  note: {row['subject_id']} is recorded as {category or 'a place with no category'}, not a school")
    about = row["subject_id"] + (f" {_q(row['subject_name'])}" if row["kind"] != "group" else "")
    merged = [r for r in row["subject_records"] if r != row["subject_id"]]
    if merged:
        _say(f"  with the records merged with it: {', '.join(merged)}")
    _say(f"  children linked by {row['basis']}:" if len(linked) else
         "  no child is tied to the subject yet: link children with `contextmap case link CASE --child ...`")
    for r in linked.itertuples():
        _say(f"  {r.child_id} {_q(r.name)}: {r.reason}")
    if adopted is not None:
        _say(f"  adopted as problem profile {adopted} (see: contextmap profile {case} --out DIR)")
    _say(f"Opened {kind} case on {about}, opened {row['opened_at']:%Y-%m-%d}, linking {len(linked)} children: {case}")


def _category(ws: Any, location_id: str) -> str:
    """A location's category as recorded ('' when none)."""
    import sqlalchemy as sa

    from contextmap.workspace import db

    L = db.DATA_TABLES["locations"]
    with ws.engine.connect() as conn:
        value = conn.execute(sa.select(L.c.category).where(L.c.record_key == location_id, L.c.is_current)).scalar()
    return str(value).strip() if value is not None else ""


@case_app.command("link")
def case_link_cmd(case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
                  child: Annotated[list[str], typer.Option("--child", help="A child to link, by id or unique name (repeat for more).")],
                  workspace: WorkspaceOption = None) -> None:
    """Link more children to a case."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            new = record.link_children(ws.engine, case, list(child))
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Linked {len(new)} more children to {case}" + (f": {_named([m.record_id for m in new], [m.name for m in new])}" if new else ""))


@case_app.command("close")
def case_close_cmd(case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
                   workspace: WorkspaceOption = None) -> None:
    """Close a case (its actions and history are kept)."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            record.close_case(ws.engine, case)
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Closed {case}")


def _case_lines(r: Any) -> list[str]:
    about = r.subject_id + (f" {_q(r.subject_name)}" if r.kind != "group" else "")
    lines = [f"{r.case}  {r.status:<6} {r.kind:<8} {about}  {r.title!r}  opened {r.opened_at:%Y-%m-%d}, "
             f"{r.open_actions} open actions"]
    merged = [x for x in r.subject_records if x != r.subject_id]
    if merged:
        lines.append(f"    merged records: {', '.join(merged)}")
    lines.append(f"    {len(r.children)} children: {_named(r.children, r.child_names)}" if r.children else "    no children linked")
    return lines


@case_app.command("list")
def case_list_cmd(workspace: WorkspaceOption = None,
                  closed: Annotated[bool, typer.Option("--closed", help="Also list closed cases.")] = True) -> None:
    """List the cases: subject, children by name, open actions."""
    try:
        with _open(workspace) as ws:
            frame = ws.cases()
    except _ERRORS as exc:
        raise fail(exc) from None
    if not closed:
        frame = frame[frame["status"] == "open"]
    if not len(frame):
        _say("No cases")
    for r in frame.itertuples():
        for line in _case_lines(r):
            _say(line)


def _p(tag: Any) -> str:
    """An action's 4P tag as printed ('[protect] '), or nothing."""
    return f"[{tag}] " if isinstance(tag, str) and tag else ""


@case_app.command("show")
def case_show_cmd(case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
                  workspace: WorkspaceOption = None,
                  config: Annotated[Path | None, typer.Option("--config", help="Settings YAML (the tactic kinds).")] = None) -> None:
    """One case in full: its subject's records, each child with why they are linked, its actions,
    its goals and its tactics."""
    from contextmap.settings import load_settings
    from contextmap.workspace import disruption, record

    try:
        with _open(workspace) as ws:
            frame = ws.cases()
            hit = frame[frame["case_id"] == record.case_id_of(case)]
            if not len(hit):
                raise ContextMapError(f"no case {case} in this workspace")
            kids = ws.case_children(case)
            acts = record.actions_frame(ws.engine)
            goals = ws.goals(case)
            tactics = disruption.tactics_frame(ws.engine, case=case, settings=load_settings(config))
    except _ERRORS as exc:
        raise fail(exc) from None
    r = next(hit.itertuples())
    _say(_case_lines(r)[0])
    recorded = "" if r.recorded_at is None or str(r.recorded_at) == "NaT" else f" (entered {r.recorded_at:%Y-%m-%d})"
    _say(f"  opened {r.opened_at:%Y-%m-%d} by {r.opened_by}{recorded}; children linked by {r.basis}")
    for rec in r.subject_records:
        _say(f"  record {rec}")
    for k in kids.itertuples():
        _say(f"  child {k.child_id} {_q(k.name)}: {k.reason or 'linked'}")
    for a in acts[acts["case_id"] == r.case_id].itertuples():
        _say(f"  {a.action}  {a.status:<7} due {a.due}  {_p(a.p)}{a.owner}: {a.text}" + (" OVERDUE" if a.overdue else ""))
    for g in goals.itertuples():
        _say(f"  {g.goal}  {g.status:<10} review {g.review}  {g.text}  (measure: {g.measure})"
             + (" REVIEW DUE" if g.review_due else "") + (f"; outcome: {g.outcome}" if g.outcome else ""))
    for t in tactics.itertuples():
        _say(f"  {t.tactic}  {t.state:<11} {t.label}, issued {t.issued}" + (f", expires {t.expires}" if t.expires else "")
             + f", {t.breaches} {'breach' if t.breaches == 1 else 'breaches'}  {t.owner}: {t.text}")


# --- action -----------------------------------------------------------------------------------


@action_app.command("add")
def action_add_cmd(
    case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
    owner: Annotated[str, typer.Option("--owner", help="The owning agency (police, social care, education...).")],
    due: Annotated[str, typer.Option("--due", help="Due date: 2026-12-31 or 31/12/2026 (day first).")],
    text: Annotated[str, typer.Option("--text", help="What is to be done.")],
    workspace: WorkspaceOption = None,
    p: Annotated[str | None, typer.Option("--p", help="Its 4P tag: pursue, prepare, protect or prevent.")] = None,
) -> None:
    """Add an action to a case; prints its id last on the line."""
    try:
        with _open(workspace) as ws:
            action = ws.add_action(case, owner=owner, due=due, text=text, p=p)
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Added to {case}, owner {owner}, due {due}" + (f", {p.strip().lower()}" if p else "") + f": {action}")


@action_app.command("update")
def action_update_cmd(
    action: Annotated[str, typer.Argument(help="The action id (action-N).", show_default=False)],
    workspace: WorkspaceOption = None,
    status: Annotated[str | None, typer.Option("--status", help="open, done or dropped.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    p: Annotated[str | None, typer.Option("--p", help="Its 4P tag: pursue, prepare, protect or prevent.")] = None,
) -> None:
    """Change an action's status, outcome and/or 4P tag (a change is kept in its history)."""
    try:
        with _open(workspace) as ws:
            ws.update_action(action, status=status, outcome=outcome, p=p)
    except _ERRORS as exc:
        raise fail(exc) from None
    _say(f"Updated {action}" + (f": {status}" if status else ""))


@action_app.command("list")
def action_list_cmd(workspace: WorkspaceOption = None,
                    p: Annotated[str | None, typer.Option("--p", help="Only actions with this 4P tag (pursue, prepare, protect, prevent).")] = None) -> None:
    """List the actions, overdue first, each with its 4P tag."""
    from contextmap.workspace import record

    try:
        tag = record.check_p(p)
        with _open(workspace) as ws:
            frame = record.actions_frame(ws.engine)
    except _ERRORS as exc:
        raise fail(exc) from None
    if tag is not None:
        frame = frame[frame["p"] == tag]
    frame = frame.sort_values(["overdue", "status", "due"], ascending=[False, False, True], kind="stable")
    if not len(frame):
        _say("No actions" + (f" tagged {tag}" if tag else ""))
    for r in frame.itertuples():
        flag = " OVERDUE" if r.overdue else ""
        _say(f"{r.action}  {r.case}  {r.status:<7} due {r.due}  {_p(r.p)}{r.owner}: {r.text}{flag}")


def register(app: typer.Typer, *, analyze: Callable[..., Any] | None = None, effects: Callable[..., Any] | None = None,
             profile: Callable[..., Any] | None = None) -> None:
    """Add the workspace commands to the ``contextmap`` command line.

    The stages above the workspace (which it never imports) are given by the command line, in
    :data:`HOOKS`: ``analyze`` (:func:`contextmap.analysis.analyze`: ``case open --kind group``
    runs it to find the peer groups), ``effects`` (:func:`contextmap.tactics.tactic_effects`:
    ``tactic list --effect``) and ``profile`` (:func:`contextmap.pack.profile.build_profile`:
    ``contextmap profile SUBJECT``).
    """
    from contextmap.workspace import disruption_commands

    for name, hook in (("analyze", analyze), ("effects", effects), ("profile", profile)):
        if hook is not None:
            HOOKS[name] = hook
    app.add_typer(workspace_app, name="workspace")
    app.command("import")(import_cmd)
    app.add_typer(decide_app, name="decide")
    app.add_typer(case_app, name="case")
    app.add_typer(action_app, name="action")
    disruption_commands.register(app)


def counts_table(counts: dict[str, dict[str, int]]) -> Any:
    """An import's counts per table as a rich table that fits 80 columns: headers of two
    short lines, and each column at least as wide as its widest number, so a count is never
    cut ("32…"), even 334,677 links; a count too wide for the terminal is folded onto a
    second line, never cut."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 1), collapse_padding=True)
    keys = ("read", "new", "changed", "rematched", "unchanged", "not_in_latest", "quarantined", "held")
    heads = ("read", "new", "changed", "re-\nmatched", "un-\nchanged", "not in\nlatest", "quaran-\ntined", "held")
    table.add_column("table", justify="left", no_wrap=True)
    for k, h in zip(keys, heads, strict=True):
        widest = max((len(str(c.get(k, 0))) for c in counts.values()), default=1)
        table.add_column(h, justify="right", no_wrap=True, min_width=widest, overflow="fold")
    for name, c in counts.items():
        table.add_row(name, *(str(c.get(k, 0)) for k in keys))
    return table


def print_counts(counts: dict[str, dict[str, int]], console: Any) -> None:
    """The counts as :func:`counts_table`, or, on a terminal too narrow for every column, one
    line a table ("links: 18254 read, 0 new, ..."): no column is left out, no count cut."""
    from rich.measure import Measurement

    table = counts_table(counts)
    if Measurement.get(console, console.options.update(max_width=10_000), table).minimum <= console.width:
        console.print(table)
        return
    words = (("read", "read"), ("new", "new"), ("changed", "changed"), ("rematched", "re-matched"),
             ("unchanged", "unchanged"), ("not_in_latest", "not in latest"), ("quarantined", "quarantined"),
             ("held", "held"))
    for name, c in counts.items():
        console.print(f"{name}: " + ", ".join(f"{c.get(k, 0)} {w}" for k, w in words), soft_wrap=False)

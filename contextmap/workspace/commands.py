"""The workspace's commands: ``workspace``, ``import``, ``decide``, ``case`` and ``action``.

:func:`register` adds them to the ``contextmap`` command line. ``--workspace`` defaults to
``$CONTEXTMAP_WORKSPACE``, so a team can set it once. Exit status: 0 done, 1 rows were
quarantined by an import (the import is still recorded), 2 the input or workspace cannot be
used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from contextmap._errors import ContextMapError

__all__ = ["register", "WORKSPACE_ENV", "workspace_option_help"]

WORKSPACE_ENV = "CONTEXTMAP_WORKSPACE"
"""Environment variable giving the default ``--workspace``."""

workspace_option_help = "The workspace: a SQLite file or a postgresql:// URL (default: $CONTEXTMAP_WORKSPACE)."

console = Console(stderr=False, soft_wrap=True)
err_console = Console(stderr=True)

WorkspaceArg = Annotated[str, typer.Option("--workspace", "-w", envvar=WORKSPACE_ENV, help=workspace_option_help,
                                           show_default=False)]


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    err_console.print(f"error: {exc}", markup=False, highlight=False)
    return typer.Exit(code)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _open(workspace: str):
    from contextmap.workspace import open_workspace

    return open_workspace(workspace)


workspace_app = typer.Typer(help="Create a workspace, see what it holds, purge old records, erase a child.",
                            no_args_is_help=True)
decide_app = typer.Typer(help="The analyst's entity-resolution decisions, stored in the workspace.",
                         no_args_is_help=True)
case_app = typer.Typer(help="Context cases on a location, a person or a peer group.", no_args_is_help=True)
action_app = typer.Typer(help="Actions on context cases: owner, due date, status, outcome.", no_args_is_help=True)


@workspace_app.command("init")
def init_cmd(
    workspace: Annotated[str, typer.Argument(help="A file path (SQLite, created readable by you only) or a postgresql:// URL.", show_default=False)],
) -> None:
    """Create a workspace (or bring an existing one up to the current schema)."""
    from contextmap.workspace import init_workspace

    try:
        with init_workspace(workspace) as ws:
            label, rev = ws.label, ws.status()["schema"]
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Workspace ready at {label} (schema {rev})")


@workspace_app.command("status")
def status_cmd(
    workspace: Annotated[str, typer.Argument(help="The workspace (file path or URL).", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """What the workspace holds: records, imports, decisions, cases, actions, meetings."""
    try:
        with _open(workspace) as ws:
            st = ws.status()
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps(st, indent=1, default=str))
        return
    c = st["counts"]
    _say(f"{st['workspace']} ({st['backend']}, schema {st['schema']})")
    _say("  " + ", ".join(f"{n} {k}" for k, n in c.items()))
    _say(f"  {len(st['imports'])} imports, {st['decisions']} decisions, {st['cases']['open']} open cases, "
         f"{st['actions']['open']} open actions ({st['actions']['overdue']} overdue), {st['meetings']} meetings")
    for i in st["imports"][-5:]:
        t = {k: sum(v[k] for v in i["counts"].values()) for k in ("new", "changed", "unchanged", "not_in_latest")}
        _say(f"  import {i['import_id']} {i['imported_at']}: {t['new']} new, {t['changed']} changed, "
             f"{t['unchanged']} unchanged, {t['not_in_latest']} not in latest, {i['quarantined']} quarantined")


@workspace_app.command("purge")
def purge_cmd(
    workspace: Annotated[str, typer.Argument(help="The workspace (file path or URL).", show_default=False)],
    older_than: Annotated[str, typer.Option("--older-than", help="Retention period: 6y, 18m, 8w or 30d.")],
    log: Annotated[Path | None, typer.Option("--log", help="Audit log (default: $CONTEXTMAP_AUDIT_LOG or the user's data folder).")] = None,
) -> None:
    """Remove records older than the retention period (logged in the audit log)."""
    try:
        with _open(workspace) as ws:
            removed = ws.purge(older_than=older_than, audit_log=log)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say("Purged " + ", ".join(f"{n} {k}" for k, n in removed.items()) + " (recorded in the audit log)")


@workspace_app.command("erase")
def erase_cmd(
    workspace: Annotated[str, typer.Argument(help="The workspace (file path or URL).", show_default=False)],
    child: Annotated[str, typer.Option("--child", help="The child's id.")],
    log: Annotated[Path | None, typer.Option("--log", help="Audit log (default: $CONTEXTMAP_AUDIT_LOG or the user's data folder).")] = None,
) -> None:
    """Erase one child and everything recorded about them (logged in the audit log)."""
    try:
        with _open(workspace) as ws:
            removed = ws.erase(child=child, audit_log=log)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Erased {child}: " + ", ".join(f"{n} {k}" for k, n in removed.items()) + " (recorded in the audit log)")


def import_cmd(
    source: Annotated[Path, typer.Argument(help="A dataset folder, workbook or sources manifest.", show_default=False)],
    workspace: WorkspaceArg,
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
        with _open(workspace) as ws:
            r = ws.import_source(source, mapping=mapping, as_of=as_of, settings=cfg, period=period)
        if r.dataset.period is not None and period is None:
            _say(f"Period {r.dataset.period}: the latest month for which every monthly file is present "
                 "(choose another with --period YYYY-MM)")
        if out is not None:
            from contextmap.ingest import write_quarantine

            write_quarantine(r.dataset, out, overwrite=True)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc) from None
    from rich import box
    from rich.table import Table

    from contextmap.ingest.quality import print_problems

    counts = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)  # fits 80 columns
    for h in ("table", "read", "new", "changed", "unchanged", "not in latest", "quarantined"):
        counts.add_column(h, justify="left" if h == "table" else "right", no_wrap=True)
    for name, c in r.counts.items():
        counts.add_row(name, *(str(c[k]) for k in ("read", "new", "changed", "unchanged", "not_in_latest", "quarantined")))
    Console().print(counts)
    problems = r.dataset.report.problems
    print_problems(problems, Console(), where=(str(out / "problems.csv") if out is not None else
                                               "give --out DIR to write DIR/problems.csv") if len(problems) else "")
    t = r.totals()
    _say(f"Import {r.import_id}: {t['new']} new, {t['changed']} changed, {t['unchanged']} unchanged, "
         f"{t['quarantined']} quarantined")
    raise typer.Exit(0 if r.quarantined == 0 else 1)


def _decide(verb: str, a: str, b: str, workspace: str, reason: str) -> None:
    try:
        with _open(workspace) as ws:
            n = ws.decide(verb, a, b, reason=reason)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Decision {n}: {verb.replace('_', ' ')} {a} {b}")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")]


@decide_app.command("merge")
def decide_merge_cmd(a: Annotated[str, typer.Argument(show_default=False)], b: Annotated[str, typer.Argument(show_default=False)],
                     workspace: WorkspaceArg, reason: ReasonOpt) -> None:
    """Decide that records A and B are the same person or place."""
    _decide("merge", a, b, workspace, reason)


@decide_app.command("keep-apart")
def decide_keep_apart_cmd(a: Annotated[str, typer.Argument(show_default=False)], b: Annotated[str, typer.Argument(show_default=False)],
                          workspace: WorkspaceArg, reason: ReasonOpt) -> None:
    """Decide that records A and B are never the same."""
    _decide("keep_apart", a, b, workspace, reason)


@decide_app.command("import")
def decide_import_cmd(file: Annotated[Path, typer.Argument(help="A decisions file.", show_default=False)],
                      workspace: WorkspaceArg) -> None:
    """Store every decision of a decisions file not stored yet (the comment above each is its reason)."""
    from contextmap.workspace import record

    try:
        text = file.read_text(encoding="utf-8-sig")
        with _open(workspace) as ws:
            n = record.import_decisions(ws.engine, text, source=file.name)
    except (ContextMapError, OSError, UnicodeDecodeError) as exc:
        raise _fail(exc) from None
    _say(f"Imported {n} new decisions from {file}")


@decide_app.command("export")
def decide_export_cmd(file: Annotated[Path, typer.Argument(help="The decisions file to write.", show_default=False)],
                      workspace: WorkspaceArg,
                      overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False) -> None:
    """Write the stored decisions as a decisions file (reasons as comments)."""
    from contextmap.files import check_writable
    from contextmap.workspace import record

    try:
        check_writable(file, overwrite=overwrite, argument="FILE")
        with _open(workspace) as ws:
            text = record.decisions_text(ws.engine)
        file.write_text(text, encoding="utf-8")
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Wrote {file}")


@case_app.command("open")
def case_open_cmd(
    workspace: WorkspaceArg,
    kind: Annotated[str, typer.Option("--kind", help="location, person or group.")],
    subject: Annotated[str, typer.Option("--subject", help="The location or person id (for a group: a label).")],
    title: Annotated[str, typer.Option("--title", help="What the case is about.")],
    child: Annotated[list[str] | None, typer.Option("--child", help="A child to link (repeat for more).")] = None,
) -> None:
    """Open a context case; prints its id last on the line."""
    try:
        with _open(workspace) as ws:
            case = ws.open_case(kind=kind, subject=subject, title=title, children=tuple(child or ()))
            from contextmap.workspace import record

            frame = record.cases_frame(ws.engine)
            n = len(frame.loc[frame["case"] == case, "children"].iloc[0])
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Opened {kind} case on {subject} linking {n} children: {case}")


@case_app.command("link")
def case_link_cmd(case: Annotated[str, typer.Argument(show_default=False)], workspace: WorkspaceArg,
                  child: Annotated[list[str], typer.Option("--child", help="A child to link (repeat for more).")]) -> None:
    """Link more children to a case."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            n = record.link_children(ws.engine, case, list(child))
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Linked {n} more children to {case}")


@case_app.command("close")
def case_close_cmd(case: Annotated[str, typer.Argument(show_default=False)], workspace: WorkspaceArg) -> None:
    """Close a case (its actions and history are kept)."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            record.close_case(ws.engine, case)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Closed {case}")


@case_app.command("list")
def case_list_cmd(workspace: WorkspaceArg) -> None:
    """List the cases with their children and open actions."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            frame = record.cases_frame(ws.engine)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    for r in frame.itertuples():
        _say(f"{r.case}  {r.status:<6} {r.kind:<8} {r.subject_id}  {r.title}  "
             f"({len(r.children)} children, {r.open_actions} open actions)")


@action_app.command("add")
def action_add_cmd(
    case: Annotated[str, typer.Argument(help="The case id (case-N).", show_default=False)],
    workspace: WorkspaceArg,
    owner: Annotated[str, typer.Option("--owner", help="The owning agency (police, social care, education...).")],
    due: Annotated[str, typer.Option("--due", help="Due date, e.g. 2026-12-31.")],
    text: Annotated[str, typer.Option("--text", help="What is to be done.")],
) -> None:
    """Add an action to a case; prints its id last on the line."""
    try:
        with _open(workspace) as ws:
            action = ws.add_action(case, owner=owner, due=due, text=text)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Added to {case}, owner {owner}, due {due}: {action}")


@action_app.command("update")
def action_update_cmd(
    action: Annotated[str, typer.Argument(help="The action id (action-N).", show_default=False)],
    workspace: WorkspaceArg,
    status: Annotated[str | None, typer.Option("--status", help="open, done or dropped.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
) -> None:
    """Change an action's status and/or outcome (the change is kept in its history)."""
    try:
        with _open(workspace) as ws:
            ws.update_action(action, status=status, outcome=outcome)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    _say(f"Updated {action}" + (f": {status}" if status else ""))


@action_app.command("list")
def action_list_cmd(workspace: WorkspaceArg) -> None:
    """List the actions, overdue first."""
    from contextmap.workspace import record

    try:
        with _open(workspace) as ws:
            frame = record.actions_frame(ws.engine)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc) from None
    frame = frame.sort_values(["overdue", "status", "due"], ascending=[False, False, True], kind="stable")
    for r in frame.itertuples():
        flag = " OVERDUE" if r.overdue else ""
        _say(f"{r.action}  {r.case}  {r.status:<7} due {r.due}  {r.owner}: {r.text}{flag}")


def register(app: typer.Typer) -> None:
    """Add the workspace commands to the ``contextmap`` command line."""
    app.add_typer(workspace_app, name="workspace")
    app.command("import")(import_cmd)
    app.add_typer(decide_app, name="decide")
    app.add_typer(case_app, name="case")
    app.add_typer(action_app, name="action")

"""The problem profile: one place, person of concern or peer group, re-run at each meeting.

:func:`build_profile` reads a workspace, resolves and redacts its records for the audience (as
:func:`contextmap.pack.build_pack` does: everything shown is computed from the redacted
dataset), and writes ``profile.html`` (self-contained, print-ready) and ``profile.pdf`` into a
folder:

* the subject, its adoption (cadence, last produced, when next due) and its figures;
* **trends by month** around it (episodes, children, persons of concern; new and known
  persons of concern) with its tactics and its case's opening marked, and the table;
* the **network** around it (children, persons of concern, places; uncorroborated links
  dashed) and the **map** around it (the places its children and persons were linked to);
* its **case**, goals, actions (with their 4P tags) and **tactics** (dates, state, breaches,
  and the evidence in equal windows before and after each: :func:`contextmap.tactics.tactic_effects`,
  with its caveat);
* the **evidence** on its links, each with its source, date and grading (uncorroborated and
  E-graded marked), and its **data completeness**.

The team's free text (case titles, goals, measures, action and tactic texts, breaches,
outcomes) is shown only to audiences that see free text, with the names of children and
persons of concern taken out for audiences that do not see names. Tactics are shown as the
settings allow each audience (:func:`contextmap.workspace.disruption.tactics_for_audience`).
The folder is written to a staging folder, scanned for identifiers the audience must not see
(a hit publishes nothing), logged in the audit log and swapped into place
(:mod:`contextmap.pack.publish`), then recorded in the workspace as a run of the profile.
"""

from __future__ import annotations

import getpass
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from contextmap import privacy
from contextmap._errors import ConfigError, PrivacyError
from contextmap.dates import period_bounds
from contextmap.graph import graph_from_dataset
from contextmap.pack import content as pdata
from contextmap.pack import profile_figures as figs
from contextmap.pack import publish
from contextmap.pack.profile_sections import (
    adoption,
    case_rows,
    completeness,
    evidence_table,
    network_picture,
    places_around,
    tactic_rows,
)
from contextmap.pack.workspace import shown_ids
from contextmap.privacy import audit
from contextmap.privacy.counts import suppress_count
from contextmap.privacy.scan import Scanner, take_out
from contextmap.settings import Settings, load_settings
from contextmap.subjects import count_evidence, evidence_around, monthly_evidence
from contextmap.tactics import CAVEAT, tactic_effects
from contextmap.views.html import asset_text, render_template
from contextmap.vocabulary import vocabulary

__all__ = ["ProfileResult", "build_profile", "FreeText", "shown_ids", "PROFILE_FILES"]

PROFILE_FILES = ("profile.html", "profile.pdf")
"""What a profile folder holds (besides its marker)."""

_WITHHELD = "withheld for this audience"


@dataclass
class ProfileResult:
    """What :func:`build_profile` wrote: the folder ``out``, its ``files``, the subject as the
    audience sees it (``subject_label``), the audit-log entry, the time taken (``seconds``) and
    per step (``timings``)."""

    out: Path
    files: list[str]
    subject_label: str
    audit_entry: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def html(self) -> Path:
        return self.out / "profile.html"

    @property
    def pdf(self) -> Path:
        return self.out / "profile.pdf"


class FreeText:
    """The team's free text as an audience may see it: withheld (``None``) from audiences that
    do not see free text; with the names the audience must not see replaced by ``[name
    withheld]`` for those that see free text but not names. A character that is not printable
    (a direction override, a control character) is shown as its escape, as on the command line.

    Examples
    --------
    >>> from contextmap.privacy import Forbidden
    >>> ft = FreeText(shown=True, forbidden=Forbidden({"Ava Example": "child name"}, {"Ava Example"}))
    >>> ft("Warned to stay away from AVA  example")
    'Warned to stay away from [name withheld]'
    >>> FreeText(shown=False)("anything") is None
    True
    >>> FreeText(shown=False, forbidden=Forbidden({"Ava Example": "child name"}, {"Ava Example"})).names("Ava Example's school")
    "[name withheld]'s school"
    """

    def __init__(self, *, shown: bool, forbidden: Any = None) -> None:
        self.shown = shown
        self._scanner = None
        if forbidden is not None and len(forbidden):
            self._scanner = Scanner(forbidden.kinds, forbidden.case_insensitive, min_length=3)

    def __call__(self, text: Any) -> str | None:
        if not self.shown:
            return None
        return self.names(text)

    def names(self, text: Any) -> str:
        """``text`` shown to every audience (an owning agency), the names it must not see taken out."""
        if text is None or (not isinstance(text, str) and pd.isna(text)):
            return ""
        s = str(text)
        if self._scanner is not None:  # first, on the text as written: a name hidden by invisible characters is found
            s = take_out(s, self._scanner)
        return "".join(c if c.isprintable() or c in "\n\t" else f"\\u{ord(c):04x}" for c in s)


def _read_basemap(st: Settings, basemap: Any, red: Any) -> Any:
    from contextmap.views.basemap import BaseMap, data_bounds, read_basemap

    src = basemap if basemap is not None else (st.basemap.path or None)
    if src is None or isinstance(src, BaseMap):
        return src
    return read_basemap(src, layers=list(st.basemap.layers) or None,
                        bounds=data_bounds(red.locations, margin_m=st.basemap.margin_m))


def build_profile(subject: str, *, workspace: Any, out: str | Path, audience: str = "internal",
                  start: Any = None, end: Any = None, settings: Settings | str | Path | None = None,
                  overwrite: bool = False, seed: int = 0, pdf: bool = True, pseudonymiser: Any = None,
                  audit_log: str | Path | None = None, keep_failed: bool = False, days: int = 90,
                  basemap: Any = None, evidence_rows: int = 40) -> ProfileResult:
    """Write the problem profile of ``subject`` for an audience.

    Parameters
    ----------
    subject
        A place or person (an id or a name only one record has), a peer group with a case
        (``PG3``), a case (``case-3``) or an adopted profile (``profile-2``): see
        :func:`contextmap.workspace.profiles.profile_subject`.
    workspace
        The workspace (path, URL or :class:`~contextmap.workspace.Workspace`).
    out
        The folder to write: new or empty, or (with ``overwrite``) a profile contextmap wrote.
    audience
        ``'internal'``, ``'police'``, ``'social-care'``, ``'partner'`` or one of the settings.
    start, end
        The months the trends cover (default: the 12 months up to the latest record).
    settings
        :class:`~contextmap.Settings` or a settings file.
    seed
        Seed for the network layout.
    pdf
        Print ``profile.pdf`` too (needs Debian's chromium).
    pseudonymiser, audit_log, keep_failed
        As for :func:`contextmap.pack.build_pack`.
    days
        The longest window, in days, on each side of a tactic's issue date.
    basemap
        The user's own vector base map (default ``settings.basemap``), drawn under the map.
    evidence_rows
        How many of the subject's links the evidence table lists (latest first).

    Raises
    ------
    PrivacyError
        If a written file holds an identifier the audience must not see: nothing is published.
    WorkspaceError, RecordLookupError
        For a subject the workspace does not hold, or a name that is not unique.
    OutputExistsError, AuditError
        As for :func:`contextmap.pack.build_pack`.
    """
    from contextmap.resolve import resolve_dataset
    from contextmap.workspace import disruption, open_workspace, plans, profiles, record

    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    st = settings if isinstance(settings, Settings) else (load_settings(settings) if settings is not None else Settings())
    aud = privacy.get_audience(audience, settings=st)
    out_dir = publish.check_destination(out, overwrite=overwrite)
    publish.recover(out_dir)
    ws = open_workspace(workspace)
    try:
        found = profiles.profile_subject(ws.engine, subject)
        ds = ws.dataset()
        p_start, p_end = period_bounds(ds, start=start, end=end, default_months=12)
        resolved = resolve_dataset(ds, decisions=ws.decisions())
        forbidden = privacy.forbidden_with_resolved(ds, resolved, aud, settings=st)
        red = privacy.redact_dataset(resolved, aud, pseudonymiser=pseudonymiser, as_of=p_end, settings=st,
                                     forbidden=forbidden)
        forbidden = privacy.scan_set(forbidden, red)
        timings["read, resolve, redact"] = time.perf_counter() - t0
        t = time.perf_counter()
        ids = shown_ids(resolved, red)
        G = graph_from_dataset(red, start=p_start, end=p_end, settings=st)
        subject_node, members, group_note = _subject_in(found, ids, red, G, st, p_start, p_end, seed)
        records = members if found.kind == "group" else ([subject_node] if subject_node else [])
        labels = _labels(red, G)
        scrub = forbidden if not aud.show_names else None
        free = FreeText(shown=aud.show_free_text, forbidden=scrub)
        cases = record.cases_frame(ws.engine)
        mine = _cases_of(found, cases, ids, subject_node)
        tactics_all = disruption.tactics_frame(ws.engine, settings=st, as_of=p_end)
        tactics_all = tactics_all[tactics_all["case_id"].isin(mine["case_id"])
                                  | tactics_all["subject_id"].map(lambda s: bool(subject_node) and ids.get(str(s)) == subject_node)]
        shown_t, withheld_t, free_t = disruption.tactics_for_audience(tactics_all, aud, settings=st)
        ctx = _context(
            found=found, red=red, G=G, aud=aud, st=st, period=(p_start, p_end), ids=ids, labels=labels,
            subject_node=subject_node, records=records, group_note=group_note, free=free,
            free_tactics=FreeText(shown=free_t, forbidden=scrub),
            cases=mine, goals=plans.goals_frame(ws.engine, as_of=p_end),
            actions=record.actions_frame(ws.engine, as_of=p_end), tactics=shown_t, tactics_withheld=withheld_t,
            breaches=disruption.breaches_frame(ws.engine), adopted=profiles.profiles_frame(ws.engine, as_of=p_end),
            imports=ws.imports(), seed=seed, days=days, basemap=_read_basemap(st, basemap, red),
            evidence_rows=evidence_rows)
        timings["content"] = time.perf_counter() - t
        with publish.signals_raise():
            staging: Path | None = None  # made inside the try: a signal just after it still removes it
            try:
                staging = publish.new_staging(out_dir)
                t = time.perf_counter()
                (staging / "profile.html").write_text(render_template("profile.html", **ctx), encoding="utf-8")
                if pdf:
                    from contextmap.pack.pdf import PdfJob, html_to_pdfs

                    header = f"{aud.marking} \u00b7 {aud.name} audience \u00b7 problem profile \u00b7 {st.area}"
                    html_to_pdfs([PdfJob(staging / "profile.html", staging / "profile.pdf", header,
                                         aud.handling_notice or aud.marking)])
                timings["write"] = time.perf_counter() - t
                publish.write_marker(staging, audience=aud.name, kind="profile", period=[_day(p_start), _day(p_end)])
                try:
                    privacy.check_outputs([staging], forbidden)
                except PrivacyError as exc:
                    if keep_failed:
                        kept = publish.keep_failed(staging, out_dir)
                        exc.args = (f"{exc}\nThe refused profile is kept for inspection in {kept} (delete it when "
                                    "done: it holds what the audience must not see).",)
                    raise
                written = sorted(str(q.relative_to(staging)) for q in staging.rglob("*")
                                 if q.is_file() and q.name != publish.STAGING_MARKER)
                entry = audit.append_audit(
                    audit_log, audience=aud.name, input_path=None, input_hash=ds.content_hash,
                    period=(_day(p_start) or None, _day(p_end)), outputs=[str(staging / f) for f in written],
                    user=getpass.getuser(), event="profile", record_as=(staging, out_dir),
                    command=sys.argv if sys.argv and sys.argv[0].endswith("contextmap") else "contextmap.pack.build_profile",
                    extra={"workspace": ws.label, "profile": found.profile_id, "kind": found.kind,
                           "subject_id": found.subject_id})
                publish.swap_in(staging, out_dir)
            except BaseException:
                if staging is not None and staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
                raise
        profiles.record_profile_run(ws.engine, found, audience=aud.name, audit_entry=entry["id"])
    finally:
        if ws is not workspace:
            ws.close()
    seconds = time.perf_counter() - t0
    timings["total"] = seconds
    return ProfileResult(Path(out), written, ctx["subject"]["label"], entry, seconds, timings)


def _day(v: Any) -> str:
    return "" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def _labels(red: Any, G: Any) -> dict[str, str]:
    labels = {str(n): pdata.node_label(G, n) for n in G}
    for frame, col in ((red.children, "child_id"), (red.persons, "person_id"), (red.locations, "location_id")):
        for i, nm in zip(frame[col].astype(str), frame["name"], strict=True):
            labels.setdefault(i, nm if isinstance(nm, str) and nm.strip() else i)
    return labels


def _subject_in(found: Any, ids: dict[str, str], red: Any, G: Any, st: Settings, start: Any, end: Any,
                seed: int) -> tuple[str | None, list[str], str]:
    """The subject's node in the audience's records, a group's children there, and a note."""
    if found.kind != "group":
        return ids.get(found.subject_id), [], ""
    if found.children:
        kids = sorted({ids[c] for c in found.children if c in ids})
        return None, kids, f"the {len(kids)} children its case links"
    from contextmap.graph import AnalysisContext
    from contextmap.peers import find_peer_groups

    groups = find_peer_groups(AnalysisContext(red, start=start, end=end, settings=st), seed=seed).groups
    if found.subject_id not in groups.index:
        raise ConfigError(f"Expected {found.subject_id} to be a peer group of the analysis of {_day(start)} to "
                          f"{_day(end)}, or to have a case naming its children, instead got neither")
    kids = sorted(str(c) for c in groups.loc[found.subject_id, "children"])
    return None, kids, (f"the children of {found.subject_id} as the analysis of {_day(start)} to {_day(end)} "
                        "finds them (no case names them: group ids can change from one analysis to the next)")


def _cases_of(found: Any, cases: pd.DataFrame, ids: dict[str, str], node: str | None) -> pd.DataFrame:
    if not len(cases):
        return cases
    if found.kind == "group":
        keep = cases["case_id"] == found.case_id
    else:
        keep = cases["kind"].isin(("location", "school", "person")) & cases["subject_id"].map(
            lambda s: node is not None and ids.get(str(s)) == node)
        if found.case_id is not None:
            keep |= cases["case_id"] == found.case_id
    return cases[keep.astype(bool)]


def _context(*, found: Any, red: Any, G: Any, aud: Any, st: Settings, period: tuple[Any, Any], ids: dict[str, str],
             labels: dict[str, str], subject_node: str | None, records: list[str], group_note: str, free: FreeText,
             free_tactics: FreeText, cases: pd.DataFrame, goals: pd.DataFrame, actions: pd.DataFrame,
             tactics: pd.DataFrame, tactics_withheld: int, breaches: pd.DataFrame, adopted: pd.DataFrame,
             imports: list[dict[str, Any]], seed: int, days: int, basemap: Any, evidence_rows: int) -> dict[str, Any]:
    start, end = period
    words = vocabulary(st)
    kind_word = {"location": "place", "person": "person of concern", "group": "peer group"}[found.kind]
    if found.kind == "group":
        label = found.subject_id if (found.subject_id.upper().startswith("PG") or aud.show_free_text) else (
            f"the peer group of case-{found.case_id}")
    else:
        label = labels.get(subject_node or "", "") or "a record not in this audience's data"

    def count(n: Any) -> Any:
        return suppress_count(int(n), aud)

    ev = evidence_around(red, records, kind=found.kind) if records else evidence_around(red, [], kind=found.kind)
    in_period = ev[(ev["when"] >= (pd.Timestamp(start) if start is not None else ev["when"].min()))
                   & (ev["when"] < pd.Timestamp(end) + pd.Timedelta(days=1))] if len(ev) else ev
    monthly = monthly_evidence(in_period, start=start if start is not None else None, end=end)
    totals = count_evidence(in_period)
    tac_rows = tactic_rows(tactics, red=red, ids=ids, labels=labels, cases=cases, breaches=breaches, free=free_tactics,
                           count=count, end=end, days=days, effects=tactic_effects)
    markers = [(r["short"], pd.Timestamp(r["issued"])) for r in tac_rows if r["issued"]]
    markers += [(f"{c.case} opened", pd.Timestamp(c.opened_at)) for c in cases.itertuples()
                if start is None or pd.Timestamp(c.opened_at) >= pd.Timestamp(start)]
    below = aud.suppress_below
    show_chart = len(monthly) >= 2
    trend_rows = [{"month": f"{p:%b %Y}", **{k: count(v) for k, v in r._asdict().items() if k != "Index"}}
                  for p, r in zip(monthly.index, monthly.itertuples(), strict=True)]
    near = places_around(red, G, found=found, node=subject_node, records=records)
    return {
        "meta": {"marking": aud.marking, "area": st.area, "period_start": _day(start) or "the start of the records",
                 "period_end": _day(end), "audience_label": aud.name, "handling_notice": aud.handling_notice,
                 "produced": datetime.now().strftime("%Y-%m-%d %H:%M"), "produced_by": getpass.getuser(),
                 "suppressed": below is not None, "suppress_below": below},
        "css": Markup(asset_text("pack.css") + asset_text("profile.css")),
        "subject": {"label": label, "kind": kind_word, "note": group_note},
        "adoption": adoption(found, adopted),
        "figures": [{"label": "episodes around it", "value": count(totals["episodes"])},
                    {"label": "children seen", "value": count(totals["children"])},
                    {"label": "persons of concern", "value": count(totals["persons"])},
                    {"label": "links recorded", "value": count(totals["links"])}],
        "trend_img": figs.trend_chart(monthly, markers=markers, suppress_below=below) if show_chart else None,
        "persons_img": figs.persons_chart(monthly, suppress_below=below) if show_chart and totals["persons"] else None,
        "trend_rows": trend_rows,
        "markers": [{"short": r["short"], "what": r["kind"], "issued": r["issued"]} for r in tac_rows],
        "network_img": network_picture(G, found=found, node=subject_node, records=records, seed=seed, words=words),
        "map_img": figs.map_around(near, subject=subject_node, labels=labels, basemap=basemap) if near is not None else None,
        "places": [] if near is None else [{"label": labels.get(str(i), str(i)), "children": count(r.children)}
                                           for i, r in near.sort_values("children", ascending=False).head(15).iterrows()
                                           if str(i) != subject_node],
        "cases": case_rows(cases, goals=goals, actions=actions, free=free, count=count, ids=ids, labels=labels),
        "tactics": tac_rows, "tactics_withheld": tactics_withheld, "tactics_free": free_tactics.shown,
        "caveat": CAVEAT,
        "evidence": evidence_table(G, found=found, node=subject_node, records=records, words=words)[:evidence_rows],
        "evidence_rows": evidence_rows,
        "completeness": completeness(red, in_period, st=st, count=count, imports=imports, adopted=adoption(found, adopted)),
        "withheld": _WITHHELD, "free_shown": free.shown, "names_scrubbed": free.shown and not aud.show_names,
    }

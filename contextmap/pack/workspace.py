"""The pack's opening section when it is built from a workspace.

It comes first, before the headline figures, because a meeting starts from what the last
one asked for:

1. **Actions since the last meeting**: every action open at the last meeting or added
   since, overdue first, with its status then and now and its outcome;
2. **Open context cases**: each case's subject, the children it links (by name where the
   audience sees names), for a person the records merged into them, and the picture since
   the case was opened (children reached and records per month, the opening date marked).

The trends by month (episodes, children, Return Home Interviews in time, persons of concern new
and known) are a section of every pack (:mod:`contextmap.pack.trends`).

Everything shown is computed from the dataset redacted for the pack's audience: subjects and
children appear as that audience sees them (pseudonyms for partners), counts are suppressed
below the audience's threshold, and action texts, outcomes and case titles (free text written
by the team) are withheld from audiences that do not see free text.

:func:`workspace_view` reads the workspace once, before the pack is written: besides the
section it gives the agenda its actions due or overdue, and the pack's states the last
meeting, what it had seen (records imported before it: :mod:`contextmap.workspace.history`)
and each child's risk level then. The last meeting is the one before the pack's own: the
packs for one period are one meeting, so a partner pack or a rebuild compares with the same
meeting as the internal pack (:mod:`contextmap.workspace.meetings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from contextmap.pack.content import svg_markup
from contextmap.vocabulary import count_words

__all__ = ["WorkspaceView", "workspace_view", "workspace_section", "subject_reach",
           "subject_events", "shown_ids"]

_STATUS_ORDER = {"overdue": 0, "open": 1, "done": 2, "dropped": 3}


def subject_events(ds: Any, subject: str, *, kind: str) -> pd.DataFrame:
    """Every record tying a child to a place or person: ``when`` and ``child`` (links; episodes found there)."""
    L, E = ds.links, ds.episodes
    kids = set(ds.children["child_id"].astype(str))
    rows = []
    for end, other in (("source_id", "target_id"), ("target_id", "source_id")):
        hit = L[(L[end].astype(str) == subject) & L[other].astype(str).isin(kids)]
        rows.append(pd.DataFrame({"when": hit["observed_on"], "child": hit[other].astype(str)}))
    if kind == "location":
        hit = E[E["found_location_id"].astype(str) == subject]
        rows.append(pd.DataFrame({"when": hit["reported_at"], "child": hit["child_id"].astype(str)}))
    return pd.concat(rows, ignore_index=True).dropna(subset=["when"])


def subject_reach(ds: Any, subject: str, *, kind: str) -> pd.DataFrame:
    """Per month: distinct ``children`` linked to a place or person, and ``records`` (links, episodes found there)."""
    ev = subject_events(ds, subject, kind=kind)
    if not len(ev):
        return pd.DataFrame(columns=["children", "records"])
    m = ev["when"].dt.to_period("M")
    return pd.DataFrame({"children": ev.groupby(m)["child"].nunique(), "records": ev.groupby(m).size()})


def _chart(series: dict[str, pd.Series], *, ylabel: str, marker: pd.Period | None = None) -> Markup:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 2.1))
    ax = fig.add_subplot()
    for label, s in series.items():
        x = [p.to_timestamp() for p in s.index]
        ax.plot(x, s.to_numpy(dtype=float), marker="o", markersize=2.5, linewidth=1.4, label=label)
    if marker is not None:
        ax.axvline(marker.to_timestamp(), color="#b03a2e", linestyle="--", linewidth=1)
        ax.annotate("case opened", (marker.to_timestamp(), 1), xycoords=("data", "axes fraction"),
                    fontsize=7, color="#b03a2e", ha="left", va="top")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return svg_markup(fig)


def shown_ids(resolved: Any, red: Any) -> dict[str, str]:
    """Raw record id -> the id this audience sees (through resolution's entities, then redaction)."""
    out: dict[str, str] = {}
    for table, key in (("children", "child_id"), ("persons", "person_id"), ("locations", "location_id")):
        out.update(zip(resolved.table(table)[key].astype(str), red.table(table)[key].astype(str), strict=False))
    rec = getattr(resolved, "resolution", None)
    if rec is not None and hasattr(rec, "entities"):
        ent = rec.entities
        for r, e in zip(ent["record_id"].astype(str), ent["entity_id"].astype(str), strict=True):
            if e in out and r not in out:
                out[r] = out[e]
    return out


def _merged_records(raw: Any, resolved: Any, entity: str, kind: str) -> list[tuple[str, str]]:
    """The records (id, name) merged into one resolved person or place (``raw``: before resolution)."""
    table, key = ("persons", "person_id") if kind == "person" else ("locations", "location_id")
    t = resolved.table(table)
    if "merged_from" not in t.columns:
        return []
    hit = t.loc[t[key].astype(str) == entity]
    if not len(hit):
        return []
    ids = [x.strip() for x in str(hit["merged_from"].iloc[0]).split(";") if x.strip()]
    rt = raw.table(table)
    names = {str(k): ("" if pd.isna(v) else str(v)) for k, v in zip(rt[key], rt["name"], strict=True)}
    return [(i, names.get(i, "")) for i in ids]


@dataclass
class WorkspaceView:
    """What the pack reads from a workspace, once: the last meeting, actions, cases, history."""

    meeting: dict[str, Any] | None
    actions: pd.DataFrame
    cases: pd.DataFrame
    ids: dict[str, str]
    today: pd.Timestamp
    known: dict[str, set[str]] = field(default_factory=dict)
    """Shown ids of children, persons and places imported before the last meeting."""
    known_rows: dict[str, set[str]] = field(default_factory=dict)
    """Raw keys of episodes and links imported before the last meeting."""
    risk_then: dict[str, Any] = field(default_factory=dict)
    """Shown child id -> risk level at the last meeting."""
    merged: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Case subject (shown id) -> the records merged into it (id, name)."""
    free_text: Any = None
    """The team's text as the pack's audience may see it (:class:`contextmap.pack.profile.FreeText`:
    withheld, or with the names it must not see taken out); ``None``: as written."""

    def said(self, text: Any) -> str | None:
        """Free text (an action, an outcome, a case title) as the audience may see it, or
        ``None`` when it is withheld."""
        if self.free_text is None:
            return None if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
        return self.free_text(text)

    def named(self, text: Any) -> str:
        """Text every audience sees (an action's owner), the names it must not see taken out."""
        if self.free_text is None:
            return "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
        return self.free_text.names(text)

    def seen(self, kind: str, shown: str) -> bool:
        """Whether the last meeting's workspace held the entity (for "new")."""
        return shown in self.known.get(kind, set())

    def then_dataset(self, resolved: Any, red: Any, aud: Any) -> Any:
        """``red`` cut to the episodes and links imported before the last meeting (rows align
        with ``resolved``'s, less the links withheld from the audience)."""
        from dataclasses import replace

        from contextmap.privacy import restricted_links

        if self.meeting is None:
            return red
        ep_keep = resolved.episodes["episode_id"].astype(str).isin(self.known_rows.get("episodes", set())).to_numpy()
        lk = resolved.links
        stored = self.known_rows.get("all_links", set())
        known_link = lk["link_id"].astype(str).isin(self.known_rows.get("links", set())).to_numpy()
        derived = ~lk["link_id"].astype(str).isin(stored).to_numpy()  # made by resolution from a known episode
        derived &= lk["episode_id"].astype(str).isin(self.known_rows.get("episodes", set())).to_numpy()
        keep = (known_link | derived)[~restricted_links(lk, aud).to_numpy(dtype=bool)]
        if len(keep) != len(red.links) or len(ep_keep) != len(red.episodes):
            return red  # rows do not align: judge by dates instead
        return replace(red, episodes=red.episodes.loc[ep_keep].reset_index(drop=True),
                       links=red.links.loc[keep].reset_index(drop=True))

    def agenda_actions(self, *, end: pd.Timestamp, horizon_days: int, free_text: bool) -> list[dict[str, Any]]:
        """Open actions overdue or due before the next meeting (``horizon_days`` after the day the
        pack is built, or after ``end`` if that is later), longest overdue first, then by due date."""
        acts = self.actions
        if not len(acts):
            return []
        today = max(self.today, pd.Timestamp(end).normalize())
        horizon = today + pd.Timedelta(days=int(horizon_days))
        out = []
        for r in acts.itertuples():
            if r.status != "open" or r.due is None or pd.isna(r.due):
                continue
            due = pd.Timestamp(r.due)
            if due > horizon:
                continue
            late = (today - due).days
            why = f"overdue by {late} days" if late > 0 else ("due today" if late == 0 else f"due {due.date()}")
            said = self.said(r.text) if free_text else None
            out.append({"id": str(r.action), "case": str(r.case), "owner": self.named(r.owner),
                        "due": str(due.date()), "text": said or "",
                        "why": why, "subject": str(r.subject_id), "kind": str(r.kind), "_late": late, "_due": due})
        out.sort(key=lambda x: (-x["_late"], x["_due"]))
        return out


def workspace_view(ws: Any, *, raw: Any, resolved: Any, red: Any, period: tuple[Any, Any]) -> WorkspaceView:
    """Read what the pack needs from workspace ``ws`` (see :class:`WorkspaceView`): ``raw`` its
    dataset, ``resolved`` after entity resolution, ``red`` redacted for the pack's audience."""
    from contextmap.workspace import history, meetings, record

    end = pd.Timestamp(period[1]) if period[1] is not None else pd.Timestamp(date.today())
    today = max(pd.Timestamp(date.today()).normalize(), end.normalize())
    ids = shown_ids(resolved, red)
    last = meetings.last_meeting(ws.engine, before=period)
    view = WorkspaceView(meeting=last, actions=record.actions_frame(ws.engine, as_of=today),
                         cases=record.cases_frame(ws.engine), ids=ids, today=today)
    if last is not None:
        held = last["held_at"]
        for table, kind in (("children", "child"), ("persons", "person"), ("locations", "location")):
            view.known[kind] = {ids[k] for k in history.known_keys(ws.engine, table, held) if k in ids}
        view.known_rows = {t: history.known_keys(ws.engine, t, held) for t in ("episodes", "links")}
        view.known_rows["all_links"] = set(history.first_imported(ws.engine, "links").index)
        then = history.records_as_of(ws.engine, "children", held, columns=["ce_risk"])
        view.risk_then = {ids[k]: (None if pd.isna(v) else str(v).strip().lower())
                          for k, v in then["ce_risk"].items() if k in ids}
    for c in view.cases.itertuples():
        if c.kind == "person":
            shown = ids.get(str(c.subject_id))
            entity = next((r for r, s in ids.items() if s == shown and r in set(resolved.persons["person_id"].astype(str))), None)
            if shown and entity:
                view.merged[shown] = _merged_records(raw, resolved, entity, "person")
    return view


def _name_of(red: Any, shown_id: str, labels: dict[str, str]) -> str:
    if shown_id in labels:
        return labels[shown_id]
    for table, key in (("locations", "location_id"), ("persons", "person_id"), ("children", "child_id")):
        t = red.table(table)
        hit = t.loc[t[key].astype(str) == shown_id, "name"]
        if len(hit) and pd.notna(hit.iloc[0]) and str(hit.iloc[0]).strip():
            return str(hit.iloc[0]).strip()
    return shown_id


def workspace_section(view: WorkspaceView, *, red: Any, aud: Any, period: tuple[Any, Any], settings: Any,
                      labels: dict[str, str] | None = None, order: dict[str, int] | None = None) -> Markup:
    """The opening section of a pack built from a workspace (HTML, every value escaped);
    subjects and children by the names the pack shows (``labels``), children in the pack's
    order (``order``: id -> position in the children table)."""
    order = order or {}
    from contextmap.privacy import suppress_count

    labels = labels or {}
    free = bool(getattr(aud, "show_free_text", False))
    withheld = Markup('<span class="muted">withheld for this audience</span>')

    def count(n: int) -> Any:
        return suppress_count(int(n), aud)

    ids, last, acts, cases = view.ids, view.meeting, view.actions, view.cases
    parts: list[Markup] = [Markup('<div id="workspace">')]
    if last is None:
        parts.append(Markup("<p>No meeting before this one is recorded in this workspace: every action is listed.</p>"))
        shown = acts
    else:
        n = int(last.get("packs", 1))
        parts.append(Markup("<p>Last meeting: the period {} to {}, its first pack built {} ({}).</p>").format(
            last["period_start"] or "the start of the records", last["period_end"] or "", f"{last['held_at']:%Y-%m-%d}",
            f"{n} packs built for it" if n != 1 else "1 pack built for it"))
        then = last["statuses"]
        keep = acts["action_id"].map(lambda a: then.get(int(a)) == "open" or int(a) not in then)
        shown = acts[keep.astype(bool)] if len(acts) else acts
    parts.append(Markup("<h3>Actions</h3>"))
    if not len(shown):
        parts.append(Markup("<p>No action is recorded in this workspace.</p>") if last is None else
                     Markup("<p>No actions were open at the last meeting and none has been added since.</p>"))
    else:
        shown = shown.assign(state_=[("overdue" if o else s) for o, s in zip(shown["overdue"], shown["status"], strict=True)])
        shown = shown.sort_values(["state_", "due"], key=lambda s: s.map(_STATUS_ORDER) if s.name == "state_" else s,
                                  kind="stable")
        rows = []
        for r in shown.itertuples():
            before = "(no earlier meeting)" if last is None else last["statuses"].get(int(r.action_id), "added since")
            now = Markup("<strong>overdue</strong>") if r.state_ == "overdue" else escape(r.status)
            text, outcome = (view.said(r.text), view.said(r.outcome)) if free else (None, None)
            rows.append(Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>").format(
                r.action, r.case, view.named(r.owner), "" if r.due is None or pd.isna(r.due) else str(r.due)[:10],
                withheld if text is None else text, before, now,
                (withheld if outcome is None else outcome) if isinstance(r.outcome, str) and r.outcome else ""))
        parts.append(Markup('<table class="dense"><thead><tr><th scope="col">Action</th><th scope="col">Case</th>'
                            '<th scope="col">Owner</th><th scope="col">Due</th><th scope="col">What</th>'
                            '<th scope="col">At last meeting</th><th scope="col">Now</th><th scope="col">Outcome</th></tr></thead><tbody>')
                     + Markup("").join(rows) + Markup("</tbody></table>"))

    open_cases = cases[cases["status"] == "open"] if len(cases) else cases
    parts.append(Markup("<h3>Open context cases</h3>"))
    if not len(open_cases):
        parts.append(Markup("<p>No context case is open.</p>"))
    for c in open_cases.itertuples():
        shown_id = ids.get(str(c.subject_id), "")
        label = (escape(_name_of(red, shown_id, labels)) if shown_id else
                 (escape(c.subject_id) if c.kind == "group" and free else Markup("a subject not in this pack's data")))
        kids = [ids.get(k, "") for k in c.children]
        kids = [labels.get(k, k) for k in sorted({k for k in kids if k}, key=lambda k: (order.get(k, 10**9), k))]
        said = view.said(c.title) if free else None
        title = withheld if said is None else escape(said)
        parts.append(Markup('<div class="keep"><h4>{} &middot; {} case on {} (opened {})</h4><p>{} &middot; {} linked{}</p>').format(
            c.case, c.kind, label, f"{c.opened_at:%Y-%m-%d}", title,
            count_words_markup(count(len(kids)), "child", "children"),
            Markup(": ") + escape(", ".join(kids[:30])) + (Markup(" and {} more").format(len(kids) - 30) if len(kids) > 30 else "")
            if kids and aud.suppress_below is None else ""))
        merged = view.merged.get(shown_id, []) if c.kind == "person" else []
        if len(merged) > 1:
            if aud.show_ids:
                recs = "; ".join(f"{i} ({n})" if n and aud.show_names else i for i, n in merged)
                parts.append(Markup("<p>Records merged into this person: {}.</p>").format(recs))
            else:
                parts.append(Markup("<p>{} records are merged into this person.</p>").format(len(merged)))
        if c.kind in ("location", "person") and shown_id:
            reach = subject_reach(red, shown_id, kind=c.kind)
            opened = pd.Timestamp(c.opened_at).to_period("M")
            ev = subject_events(red, shown_id, kind=c.kind)
            after = ev["when"] >= pd.Timestamp(c.opened_at).normalize()
            since, before_case = ev[after], ev[~after]
            parts.append(Markup("<p>Since the case was opened: {} reached in {} (before it: {} in {}).</p>").format(
                count_words_markup(count(since["child"].nunique()), "child", "children"),
                count_words_markup(count(len(since)), "record"),
                count_words_markup(count(before_case["child"].nunique()), "child", "children"),
                count_words_markup(count(len(before_case)), "record")))
            if len(reach) >= 2 and aud.suppress_below is None:
                full = pd.period_range(reach.index.min(), max(reach.index.max(), opened), freq="M")
                reach = reach.reindex(full, fill_value=0)
                parts.append(Markup('<div class="figure-img chart">{}</div>').format(
                    _chart({"children reached": reach["children"], "records": reach["records"]},
                           ylabel="per month", marker=opened)))
        parts.append(Markup("</div>"))

    parts.append(Markup('<p class="muted">Episodes, children, Return Home Interviews and persons of concern by '
                        'month: the section &ldquo;Trends by month&rdquo;.</p>'))
    parts.append(Markup("</div>"))
    return Markup("\n").join(parts)


def count_words_markup(n: Any, one: str, many: str | None = None) -> Markup:
    """:func:`contextmap.vocabulary.count_words`, escaped."""
    return escape(count_words(n, one, many))


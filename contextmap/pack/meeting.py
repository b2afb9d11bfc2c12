"""Private: the meeting's view of a pack, computed once before anything is drawn.

:func:`meeting_view` decides the last meeting, builds this pack's picture and the last
meeting's (:mod:`contextmap.pack.states`), every entity's state, the agenda
(:mod:`contextmap.pack.agenda`) and the names the pack prints: real names where the audience
sees them (persons by their fullest name), and, where it does not, short spoken pseudonyms by
rank (``Child A``...; :func:`contextmap.privacy.pseudonyms.spoken_names`) written into the
redacted dataset, the graph and the ranked tables, so the map, the network view, the exports
and every page say the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from contextmap.pack import agenda as agenda_mod
from contextmap.pack import content as pdata
from contextmap.pack import states as st
from contextmap.privacy.pseudonyms import spoken_names

__all__ = ["MeetingView", "meeting_view", "now_picture", "printed_names"]


@dataclass
class MeetingView:
    """States, agenda and printed names of one pack (see the module docstring)."""

    states: st.States
    agenda: agenda_mod.Agenda
    labels: dict[str, str]
    now: st.Picture
    then: st.Picture | None
    spoken: dict[str, str] = field(default_factory=dict)
    """Spoken pseudonym -> the keyed pseudonym it stands for (partner packs)."""
    panel: list[str] = field(default_factory=list)


def now_picture(an: Any, red: Any, panel: list[str]) -> st.Picture:
    """This pack's picture: the ranked places' and persons' counts as the tables print them,
    and the risk level of every child the pack shows."""
    pic = st.Picture(ranks=True)
    for r in an.hotspots.itertuples():
        pic.places[str(r.Index)] = {"children": int(r.children), "episodes": int(r.episodes), "rank": int(r.rank)}
    for r in an.persons.itertuples():
        pic.persons[str(r.Index)] = {"children": int(r.children_reached), "rank": int(r.rank)}
    kids = {str(n) for n, k in an.graph.nodes(data="kind") if k == "child"}
    kids |= set(an.flags["child_id"].astype(str)) | set(map(str, panel))
    start, end = an.period if hasattr(an, "period") else (None, None)
    ep = red.episodes
    if end is not None:
        mask = pdata.in_period(ep["reported_at"], pd.Timestamp(start) if start is not None else None, pd.Timestamp(end))
        kids |= set(ep.loc[mask.to_numpy(dtype=bool), "child_id"].astype(str))
    risk = dict(zip(red.children["child_id"].astype(str), red.children["ce_risk"], strict=True))
    panel_set = set(map(str, panel))
    for c in kids:
        r = risk.get(c)
        pic.children[c] = {"risk": None if r is None or pd.isna(r) else str(r), "panel": c in panel_set}
    pic.known = set(pic.places) | set(pic.persons) | set(pic.children)
    return pic


def _panel_then(ctx: Any) -> list[str]:
    """Children meeting the panel criteria in an earlier window (the other flags are not needed)."""
    from contextmap.flags import child_flags

    none_p = pd.DataFrame({"person_id": pd.Series(dtype=object), "rank": pd.Series(dtype=int)})
    none_l = pd.DataFrame({"location_id": pd.Series(dtype=object), "rank": pd.Series(dtype=int)})
    fl = child_flags(ctx, hotspots=none_l, persons=none_p)
    return sorted(set(fl.loc[fl["flag"].isin(pdata.PANEL_FLAGS), "child_id"].astype(str)))


def _earliest(red: Any) -> pd.Timestamp | None:
    dates = [pd.to_datetime(red.episodes["reported_at"]).min(), pd.to_datetime(red.links["observed_on"]).min()]
    dates = [d for d in dates if d is not None and not pd.isna(d)]
    return min(dates) if dates else None


def _then_picture(meeting: st.LastMeeting, *, red: Any, settings: Any, prev_state: Any, workspace: Any,
                  resolved: Any, aud: Any) -> st.Picture | None:
    from contextmap.graph import AnalysisContext

    if prev_state is not None:
        return st.picture_from_state(prev_state)
    if not meeting.new_judged or meeting.window is None:
        return None
    ds = red
    if workspace is not None and workspace.meeting is not None and resolved is not None:
        ds = workspace.then_dataset(resolved, red, aud)
    ctx = AnalysisContext(ds, start=meeting.window[0], end=meeting.window[1], settings=settings)
    pic = st.picture_from_context(ctx, panel=_panel_then(ctx), risks=workspace is not None and workspace.meeting is not None)
    if workspace is not None and workspace.meeting is not None:
        for c, r in workspace.risk_then.items():
            pic.children.setdefault(c, {"risk": None, "panel": False})["risk"] = r
        for kind in ("child", "person", "location"):
            pic.known |= workspace.known.get(kind, set())
    return pic


def _spoken(an: Any, red: Any, agenda: agenda_mod.Agenda, cohort_order: list[str]) -> dict[str, str]:
    """id -> spoken pseudonym: children by their place on the agenda and in the children table,
    persons by rank, places whose names are withheld by place rank."""
    kids = [i["id"] for i in agenda.children] + cohort_order
    out = spoken_names(kids, kind="child")
    out.update(spoken_names([str(i) for i in an.persons.sort_values("rank").index], kind="person"))
    loc = red.locations
    hidden = set(loc.loc[loc["name"].astype(str) == loc["location_id"].astype(str), "location_id"].astype(str))
    ranked = [str(i) for i in an.hotspots.sort_values("rank").index if str(i) in hidden]
    rest = sorted(hidden - set(ranked))
    out.update(spoken_names(ranked + rest, kind="location"))
    return out


def _apply_names(an: Any, red: Any, names: dict[str, str]) -> None:
    """Write the printed names into the redacted dataset, the graph and the ranked tables."""
    for frame, key in ((red.children, "child_id"), (red.persons, "person_id"), (red.locations, "location_id")):
        ids = frame[key].astype(str)
        hit = ids.isin(names).to_numpy(dtype=bool)
        if hit.any():
            frame["name"] = frame["name"].astype("object")
            frame.loc[hit, "name"] = [names[i] for i in ids[hit]]
            frame["name"] = frame["name"].astype("string")
    G = an.graph
    for n in G:
        if str(n) in names:
            G.nodes[n]["label"] = names[str(n)]
    hs = an.hotspots
    if len(hs) and "name" in hs.columns:
        hs["name"] = [names.get(str(i), v) for i, v in zip(hs.index, hs["name"], strict=True)]
    ps = an.persons
    if len(ps) and "label" in ps.columns:
        ps["label"] = [names.get(str(i), v) for i, v in zip(ps.index, ps["label"], strict=True)]


def meeting_view(*, an: Any, red: Any, aud: Any, settings: Any, opts: dict[str, int], period: tuple[Any, Any],
                 words: Any, count: Any, prev_state: Any = None, workspace: Any = None, resolved: Any = None,
                 tactics: list[dict[str, Any]] | None = None) -> MeetingView:
    """The last meeting, both pictures, every state and the agenda (names: :func:`printed_names`)."""
    start, end = period
    panel = pdata.panel_children(an.flags)
    cadence = int(settings.flags.new_within_days)
    meeting = st.last_meeting(start=start, end=end, cadence_days=cadence,
                              previous_period=prev_state.period if prev_state is not None else None,
                              workspace_meeting=workspace.meeting if workspace is not None else None,
                              earliest=_earliest(red))
    now = now_picture(an, red, panel)
    then = _then_picture(meeting, red=red, settings=settings, prev_state=prev_state, workspace=workspace,
                         resolved=resolved, aud=aud)
    seen = None
    if workspace is not None and workspace.meeting is not None and prev_state is None:
        seen = lambda kind, i: workspace.seen(kind, i) or (then is not None and i in then.known)  # noqa: E731
    states = st.entity_states(now, then, meeting=meeting, first=st.first_seen(red), risk_scale=settings.risk.scale,
                              seen_before=seen, count=count, risk_words=lambda r: words("risk", r))
    actions = None
    if workspace is not None:
        actions = workspace.agenda_actions(end=end, horizon_days=cadence, free_text=bool(aud.show_free_text))
    top_p = [str(i) for i in an.persons.sort_values("rank").index[: opts["top_persons"]]]
    top_l = [str(i) for i in an.hotspots.sort_values("rank").index[: opts["top_hotspots"]]]
    ag = agenda_mod.build_agenda(lead=aud.agenda, an=an, red=red, states=states, now=now, then=then,
                                 settings=settings, opts=opts, period=(start, end), words=words, count=count,
                                 actions=actions, tactics=tactics, top_persons=top_p, top_places=top_l)
    return MeetingView(states=states, agenda=ag, labels={}, now=now, then=then, panel=panel)


def printed_names(mv: MeetingView, *, an: Any, red: Any, aud: Any, cohort_order: list[str],
                  workspace: Any = None) -> MeetingView:
    """Decide the names the pack prints (see the module docstring), write spoken pseudonyms
    where the audience sees none, and label the agenda's lines. ``cohort_order``: the children
    table's order (after the agenda's), which spoken pseudonyms follow."""
    ag = mv.agenda
    labels = {str(n): pdata.node_label(an.graph, n) for n in an.graph}
    unnamed: dict[str, str] = {}
    for frame, col in ((red.children, "child_id"), (red.persons, "person_id"), (red.locations, "location_id")):
        for i, nm in zip(frame[col].astype(str), frame["name"], strict=True):
            labels.setdefault(i, pdata.plain_text(nm) or i)
            if labels[i] == i and aud.show_names:  # no name recorded: say so beside the record's id
                unnamed[i] = labels[i] = f"{i} (no name recorded)"
    if unnamed:
        _apply_names(an, red, unnamed)
    if not aud.show_names and aud.pseudonymise:
        names = _spoken(an, red, ag, cohort_order)
        _apply_names(an, red, names)
        labels.update(names)
        mv.spoken = {v: k for k, v in names.items()}
    elif aud.show_names and "aliases" in red.persons.columns:
        P = red.persons
        full = {str(i): agenda_mod.fullest_name(n, a) for i, n, a in zip(P["person_id"], P["name"], P["aliases"], strict=True)}
        full = {i: n for i, n in full.items() if n and n != labels.get(i)}
        _apply_names(an, red, full)
        labels.update(full)
    for item in ag.children + ag.persons + ag.places:
        item["label"] = labels.get(item["id"], item["id"])
    for g in ag.gaps:
        g["a_label"], g["b_label"] = labels.get(g["a"], g["a"]), labels.get(g["b"], g["b"])
    for a in ag.actions or []:
        a["subject_label"] = labels.get(workspace.ids.get(a["subject"], ""), "") if workspace is not None else ""
    mv.labels = labels
    return mv

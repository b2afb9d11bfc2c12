"""The sections of a problem profile (:mod:`contextmap.pack.profile`), each from the records
redacted for the profile's audience: its adoption, its case with goals and actions, its tactics
with what changed after each, the network and places around it, its evidence and its data
completeness.

Values are plain Python for the jinja2 template (autoescape on); free text has already passed
through the profile's :class:`~contextmap.pack.profile.FreeText` (``None``: withheld).

Examples
--------
>>> completeness_row("with a date of birth", 3, 4, count=lambda n: n)
{'what': 'with a date of birth', 'value': '3 of 4', 'share': '75%'}
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd
from markupsafe import Markup

from contextmap.graph import induced_edges
from contextmap.pack import content as pdata

__all__ = ["adoption", "case_rows", "tactic_rows", "tactic_records", "places_around", "network_picture", "evidence_table",
           "completeness", "completeness_row"]

_STATE_WORDS = {"past expiry": "past expiry: no decision recorded", "expiring": "expiring", "review due": "review due",
                "active": "active", "ended": "ended"}


def _day(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return f"{pd.Timestamp(v):%Y-%m-%d}"


def adoption(found: Any, adopted: pd.DataFrame) -> dict[str, Any] | None:
    """The subject's adoption as a problem profile: id, cadence, adopted, times produced, last
    produced, next due and whether it is due (``None`` when it is not adopted)."""
    if found.profile_id is None or not len(adopted):
        return None
    hit = adopted[adopted["profile_id"] == found.profile_id]
    if not len(hit):
        return None
    r = hit.iloc[0]
    return {"profile": r["profile"], "cadence": r["cadence"], "adopted": _day(r["adopted_at"]), "runs": int(r["runs"]),
            "last": _day(r["last_run"]) or "never", "next_due": _day(r["next_due"]), "due": bool(r["due"])}


def case_rows(cases: pd.DataFrame, *, goals: pd.DataFrame, actions: pd.DataFrame, free: Any, count: Any,
              ids: dict[str, str], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each case on the subject with its title, children linked (a count), goals and actions."""
    out = []
    for c in cases.itertuples():
        g = goals[goals["case_id"] == c.case_id]
        a = actions[actions["case_id"] == c.case_id]
        out.append({
            "case": c.case, "kind": c.kind, "status": c.status, "opened": _day(c.opened_at), "title": free(c.title),
            "children": count(len([k for k in c.children if k in ids])),
            "goals": [{"goal": r.goal, "text": free(r.text), "measure": free(r.measure), "review": _day(r.review),
                       "status": r.status.replace("-", " "), "due": bool(r.review_due),
                       "outcome": free(r.outcome) if isinstance(r.outcome, str) and r.outcome else ""}
                      for r in g.itertuples()],
            "actions": [{"action": r.action, "p": r.p if isinstance(r.p, str) else "", "owner": free.names(r.owner),
                         "due": _day(r.due), "status": "overdue" if r.overdue else r.status, "text": free(r.text),
                         "outcome": free(r.outcome) if isinstance(r.outcome, str) and r.outcome else ""}
                        for r in a.itertuples()],
        })
    return out


def tactic_records(t: Any, cases: pd.DataFrame, ids: dict[str, str]) -> list[str]:
    """The ids (as the audience sees them) a tactic is counted around: its place or person, or
    the children of its case for a peer group."""
    if t.target == "group":
        hit = cases[cases["case_id"] == t.case_id]
        return sorted({ids[c] for c in (hit.iloc[0]["children"] if len(hit) else []) if c in ids})
    if isinstance(t.subject_id, str) and t.subject_id in ids:
        return [ids[t.subject_id]]
    return []


def tactic_rows(tactics: pd.DataFrame, *, red: Any, ids: dict[str, str], labels: dict[str, str], cases: pd.DataFrame,
                breaches: pd.DataFrame, free: Any, count: Any, end: Any, days: int, effects: Any) -> list[dict[str, Any]]:
    """Each tactic the audience may see, oldest first, numbered ``T1``..., with its subject as the
    audience sees it, dates, state, breaches and the evidence before and after it."""
    if not len(tactics):
        return []
    ordered = tactics.sort_values(["issued", "tactic_id"], kind="stable").reset_index(drop=True)
    recs = [tactic_records(t, cases, ids) for t in ordered.itertuples()]
    fx = effects(red, ordered.assign(records=recs), days=days, as_of=end)
    rows = []
    for i, (t, e) in enumerate(zip(ordered.itertuples(), fx.itertuples(), strict=True), start=1):
        if t.target == "online":
            against = free(t.subject_id) if t.subject_id else ""
            against = f"online: {against}" if against else "online (the account is withheld for this audience)"
        elif t.target == "group":
            against = str(t.subject_id) if str(t.subject_id).upper().startswith("PG") else (free(t.subject_id) or "the case's peer group")
        else:
            shown = ids.get(str(t.subject_id)) if isinstance(t.subject_id, str) else None
            against = labels.get(shown, shown) if shown else "a record not in this audience's data"
        child = None
        if isinstance(t.child_id, str) and t.child_id:
            shown = ids.get(t.child_id)
            child = labels.get(shown, shown) if shown else "a child not in this audience's data"
        bs = breaches[breaches["tactic_id"] == t.tactic_id]
        effect = None
        if e.window_days:
            effect = {"window": int(e.window_days), "before": f"{e.before_from} to {e.before_to}",
                      "after": f"{e.after_from} to {e.after_to}",
                      "rows": [{"what": w, "before": count(getattr(e, f"{m}_before")), "after": count(getattr(e, f"{m}_after"))}
                               for m, w in (("episodes", "episodes"), ("children", "children seen"),
                                            ("persons", "persons of concern"), ("links", "links"))]}
        rows.append({
            "short": f"T{i}", "tactic": t.tactic, "case": t.case, "kind": t.label, "state": _STATE_WORDS.get(t.state, t.state),
            "urgent": t.state in ("past expiry", "expiring", "review due"), "against": against, "child": child,
            "owner": free.names(t.owner), "handling": t.handling, "text": free(t.text), "issued": _day(t.issued),
            "expires": _day(t.expires), "review": _day(t.review),
            "breaches": [{"on": _day(b.breached_on), "recorded": f"{pd.Timestamp(b.recorded_at):%Y-%m-%d %H:%M}",
                          "text": free(b.text)} for b in bs.itertuples()],
            "ended": _day(t.ended_at), "end_reason": free(t.end_reason) if isinstance(t.end_reason, str) else "",
            "effect": effect, "not_compared": "" if e.window_days else str(e.note),
        })
    return rows


def _kind(G: nx.Graph, n: Any) -> str:
    d = G.nodes[n]
    return "provisional" if d.get("provisional") else str(d.get("kind", ""))


def _around(G: nx.Graph, *, node: str | None, records: list[str]) -> list[str]:
    """The people the subject touches: a place's or person's neighbours, a group's children."""
    if node is not None:
        return [n for n in G[node] if _kind(G, n) in ("child", "person")] if node in G else []
    return [r for r in records if r in G]


def places_around(red: Any, G: nx.Graph, *, found: Any, node: str | None, records: list[str]) -> Any:
    """The places the subject's children and persons of concern were linked to in the period
    (a GeoDataFrame indexed by location id, ``children``: how many of them), the subject first."""
    people = _around(G, node=node, records=records)
    counts: dict[str, set[str]] = {}
    for p in people:
        for n in G[p]:
            if _kind(G, n) == "location":
                counts.setdefault(str(n), set()).add(str(p))
    if node is not None and found.kind == "location":
        counts.setdefault(node, set()).update(people)
    if found.kind == "person" and node is not None and node in G:
        for n in G[node]:
            if _kind(G, n) == "location":
                counts.setdefault(str(n), set()).add(node)
    if not counts:
        return None
    locs = red.locations.set_index(red.locations["location_id"].astype(str))
    locs = locs[locs.index.isin(list(counts))]
    return locs.assign(children=[len(counts[i]) for i in locs.index])


def network_picture(G: nx.Graph, *, found: Any, node: str | None, records: list[str], seed: int, words: Any,
                    cap: int = 36) -> Markup | None:
    """The subject, the children and persons of concern linked to it, and (for a person or a
    group) the places they share, drawn with the pack's symbols (:func:`contextmap.pack.content.group_picture`)."""
    people = _around(G, node=node, records=records)
    if not people:
        return None
    kids = sorted((p for p in people if _kind(G, p) == "child"), key=lambda n: -G.degree(n))[:cap]
    others = [p for p in people if _kind(G, p) != "child"][: max(cap // 3, 6)]
    binding = ([node] if node is not None else []) + others
    if found.kind != "location":
        shared: dict[str, int] = {}
        for k in kids:
            for n in G[k]:
                if _kind(G, n) == "location":
                    shared[str(n)] = shared.get(str(n), 0) + 1
        binding += [p for p, c in sorted(shared.items(), key=lambda kv: -kv[1]) if c >= 2][:8]
    return pdata.group_picture(G, kids, list(dict.fromkeys(binding)), seed=seed, words=words)


def evidence_table(G: nx.Graph, *, found: Any, node: str | None, records: list[str], words: Any) -> list[dict[str, Any]]:
    """Every piece of evidence on the subject's links (a group: between its children and what binds
    them), latest first, with its source, date and grading."""
    if node is not None:
        edges = [(node, n) for n in G[node]] if node in G else []
    else:
        edges = [e for e in induced_edges(G, list(records) + [n for r in records if r in G for n in G[r]
                                                             if _kind(G, n) in ("person", "location")])
                 if e[0] in records or e[1] in records]
    rows = pdata.provenance(G, edges, words=words)
    rows.sort(key=lambda r: (r["date"], r["link_id"]), reverse=True)
    return rows


def completeness_row(what: str, n: int, total: int, *, count: Any) -> dict[str, Any]:
    """One measure of completeness: ``n`` of ``total`` records, and the share."""
    share = f"{100 * n / total:.0f}%" if total else "n/a"
    return {"what": what, "value": f"{count(n)} of {count(total)}", "share": share}


def completeness(red: Any, ev: pd.DataFrame, *, st: Any, count: Any, imports: list[dict[str, Any]],
                 adopted: dict[str, Any] | None) -> list[dict[str, Any]]:
    """How complete the records around the subject are, and how fresh."""
    rows: list[dict[str, Any]] = []
    E = red.episodes[red.episodes["episode_id"].astype(str).isin(set(ev["episode"].dropna()))]
    if len(E):
        back = E[E["returned_at"].notna()]
        gap = (back["rhi_at"] - back["returned_at"]).dt.total_seconds() / 3600
        done = (back["rhi_outcome"] == "completed").fillna(False).astype(bool)
        hours = float(st.rhi.within_hours)
        rows.append(completeness_row("episodes with a return recorded", len(back), len(E), count=count))
        rows.append(completeness_row("returns with a return home interview done", int(done.sum()), len(back), count=count))
        rows.append(completeness_row(f"returns with it done within {hours:g} hours",
                                     int((done & gap.between(0, hours).fillna(False).astype(bool)).sum()), len(back),
                                     count=count))
        rows.append(completeness_row("episodes with where the child was found", int(E["found_location_id"].notna().sum()),
                                     len(E), count=count))
    L = red.links[red.links["link_id"].astype(str).isin(set(ev["link"].dropna()))]
    if len(L):
        intel = L[L["source_type"].isin(["police", "community", "other"]) | L["source_type"].isna()]
        rows.append(completeness_row("intelligence links graded (3x5x2)", int(intel["grading"].notna().sum()), len(intel),
                                     count=count))
        rows.append(completeness_row("links with their source recorded", int(L["source_type"].notna().sum()), len(L),
                                     count=count))
    C = red.children[red.children["child_id"].astype(str).isin(set(ev["child"].dropna()))]
    if len(C):
        rows.append(completeness_row("children with a risk level", int(C["ce_risk"].notna().sum()), len(C), count=count))
        age = C["age"] if "age" in C.columns else C["date_of_birth"]
        rows.append(completeness_row("children with a date of birth", int(age.notna().sum()), len(C), count=count))
        rows.append(completeness_row("children with a placement", int(C["placement"].notna().sum()), len(C), count=count))
    P = red.persons[red.persons["person_id"].astype(str).isin(set(ev["person"].dropna()))]
    if len(P):
        age = P["age"] if "age" in P.columns else P["date_of_birth"]
        rows.append(completeness_row("persons of concern with a date of birth", int(age.notna().sum()), len(P), count=count))
    if imports:
        rows.append({"what": "records last imported", "value": imports[-1]["imported_at"][:10], "share": ""})
    latest = ev["when"].max() if len(ev) else None
    rows.append({"what": "latest record around it", "value": _day(latest) or "none in the period", "share": ""})
    if adopted is not None:
        rows.append({"what": f"profile produced (every {adopted['cadence']})",
                     "value": f"{adopted['runs']} times before, last {adopted['last']}", "share": ""})
    return rows

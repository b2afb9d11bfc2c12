"""The pack's tables, as plain values for its template: places, profiles, persons of concern,
peer groups, children, reviews overdue, merged records, data quality, counts by area.

Every table is ranked by what matters (never alphabetical where a ranking exists) and every
number a reader meets is in words or a plain count: states are the pack's one word
(:mod:`contextmap.pack.states`), gradings carry their 3x5x2 words, a go-between is "high",
"some" or "none" rather than a betweenness score, a group's stability a sentence. The full,
uncapped lists go to the annex. Everything is computed from the redacted dataset.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import networkx as nx
import pandas as pd

from contextmap.ingest.quality import summarise
from contextmap.pack import content as pdata
from contextmap.pack.agenda import fullest_name, person_age, place_why
from contextmap.pack.states import States
from contextmap.privacy.folding import reader_fold
from contextmap.vocabulary import count_words, grading_words

__all__ = ["group_label", "grading_mix_words", "go_between", "stability_words", "place_rows", "profile_rows",
           "person_rows", "group_rows", "group_list", "cohort_rows", "overdue_rows", "merged_rows", "quality_tables",
           "area_rows", "percent", "namesakes_told_apart"]


def group_label(gid: Any) -> str:
    """A peer group's name as printed: ``'PG3'`` -> ``'3'`` (read "Group 3")."""
    return re.sub(r"^PG", "", str(gid)) if gid is not None and str(gid) else ""


def percent(v: Any) -> str:
    """A share as a percentage (``0.625`` -> ``'63%'``; missing -> ``'not known'``)."""
    if v is None or pd.isna(v):
        return "not known"
    return f"{100 * float(v):.0f}%"


def grading_mix_words(G: nx.Graph, node: Any) -> str:
    """How reliable the evidence on a node's links is, in words: episode records, graded
    records by source reliability, records not graded.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("L1", "C1", evidence=[{"episode_id": "E1"}, {"link_id": "K1", "grading": "1B P"},
    ...                                  {"link_id": "K2", "grading": "2C P"}, {"link_id": "K3"}])
    >>> grading_mix_words(G, "L1")
    '1 episode record; 2 graded (1 reliable, 1 untested); 1 not graded'
    """
    episodes, ungraded = 0, 0
    graded: Counter[str] = Counter()
    if node in G:
        for nb in G[node]:
            for ev in G[node][nb].get("evidence", []):
                g = ev.get("grading")
                if isinstance(g, str) and g:
                    graded[{"1": "reliable", "2": "untested", "3": "not reliable"}.get(g.strip()[:1], "other")] += 1
                elif ev.get("episode_id") and not ev.get("link_id"):
                    episodes += 1
                else:
                    ungraded += 1
    parts = []
    if episodes:
        parts.append(count_words(episodes, "episode record"))
    if graded:
        detail = ", ".join(f"{graded[k]} {k}" for k in ("reliable", "untested", "not reliable", "other") if graded[k])
        parts.append(f"{sum(graded.values())} graded ({detail})")
    if ungraded:
        parts.append(f"{ungraded} not graded")
    return "; ".join(parts) or "no records"


def go_between(betweenness: pd.Series) -> dict[str, str]:
    """How much of the network passes through each person, in words: ``high`` (the top tenth
    of those with any), ``some`` (any), ``none``."""
    b = pd.to_numeric(betweenness, errors="coerce").fillna(0.0)
    pos = b[b > 0]
    cut = float(pos.quantile(0.9)) if len(pos) else 0.0
    return {str(k): ("high" if v > 0 and v >= cut else "some" if v > 0 else "none") for k, v in b.items()}


def stability_words(stability: Any) -> str:
    """A peer group's stability (share of repeated runs keeping it together) as a sentence."""
    s = float(stability) if stability is not None and not pd.isna(stability) else 0.0
    if s >= 0.95:
        return "Found together in every repeated run of the grouping"
    if s >= 0.75:
        return f"Found together in most repeated runs ({percent(s)})"
    return f"Found together in some repeated runs ({percent(s)}): a looser group"


def place_rows(an: Any, states: States, labels: dict[str, str], words: Any, count: Any, *,
               patterns: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every ranked place, rank order: what the places table and the annex print."""
    G = an.graph
    patterns = patterns or {}
    rows = []
    for r in an.hotspots.sort_values("rank").itertuples():
        loc = str(r.Index)
        st = states.of("location", loc)
        rows.append({
            "id": loc, "rank": int(r.rank), "label": labels.get(loc, pdata.plain_text(r.name)),
            "category": words("categories", pdata.plain_text(r.category)), "state": st["state"],
            "state_reason": st["reason"], "why": place_why(r._asdict(), count=count),
            "episodes": count(int(r.episodes)), "children": count(int(r.children)),
            "first_seen": pdata.day_text(r.first_seen), "last_seen": pdata.day_text(r.last_seen),
            "reliability": grading_mix_words(G, loc),
            "pattern": words("patterns", patterns.get(loc, "no pattern")),
        })
    return rows


def profile_rows(an: Any, places: list[dict[str, Any]], labels: dict[str, str], words: Any,
                 cap: int, order: dict[str, int] | None = None) -> tuple[list[dict[str, Any]], list[tuple[Any, Any]]]:
    """Profiles of the given places (the top of the ranking) and the edges they show; the
    children and persons named in each in the pack's order (``order``: id -> position)."""
    G = an.graph
    order = order or {}

    def ranked(ids: list[Any]) -> list[Any]:
        return sorted(ids, key=lambda n: (order.get(str(n), 10**9), labels.get(str(n), str(n))))
    shown: list[tuple[Any, Any]] = []
    out = []
    for h in places:
        loc = h["id"]
        kids = ranked(pdata.neighbours(G, loc, "child"))
        people = ranked([n for n in pdata.neighbours(G, loc, "person") if not G.nodes[n].get("provisional")])
        mentions = [n for n in pdata.neighbours(G, loc, "person") if G.nodes[n].get("provisional")]
        shown += [(loc, n) for n in kids + people + mentions]
        rows: list[dict[str, Any]] = []
        for n in kids + people + mentions:
            for ev in G[loc][n].get("evidence", []):
                g = pdata.grade(ev, bool(G[loc][n].get("corroborated")))
                g["code"] = grading_words(g["code"])
                rows.append({"date": pdata.day_text(ev.get("date")), "what": words("relations", pdata.plain_text(ev.get("relation"))),
                             "who": labels.get(str(n), str(n)), "source": words("sources", pdata.plain_text(ev.get("source_type"))),
                             "grading": g, "record": pdata.plain_text(ev.get("link_id") or ev.get("episode_id"))})
        rows.sort(key=lambda x: str(x["date"]), reverse=True)
        out.append({**h, "children_linked": [labels.get(str(n), str(n)) for n in kids],
                    "persons": [labels.get(str(n), str(n)) for n in people],
                    "mentions": [labels.get(str(n), str(n)) for n in mentions], "timeline": rows[:cap],
                    "timeline_total": len(rows), "timeline_truncated": len(rows) > cap})
    return out, shown


def person_rows(an: Any, red: Any, states: States, labels: dict[str, str], count: Any, *, end: pd.Timestamp,
                show_names: bool) -> list[dict[str, Any]]:
    """Every person of concern, rank order."""
    G = an.graph
    P = red.persons.set_index(red.persons["person_id"].astype(str))
    gb = go_between(an.persons["betweenness"])
    rows = []
    for r in an.persons.sort_values("rank").itertuples():
        p = str(r.Index)
        nb = list(G[p]) if p in G else []
        unc = sum(1 for n in nb if not G[p][n].get("corroborated"))
        row = P.loc[p] if p in P.index else {}
        name = labels.get(p, p)
        if show_names and len(row):
            name = fullest_name(row.get("name"), row.get("aliases")) or name
        st = states.of("person", p)
        rows.append({
            "id": p, "rank": int(r.rank), "label": name, "age": person_age(row, on=end) if len(row) else "",
            "state": st["state"], "state_reason": st["reason"],
            "children_reached": count(int(r.children_reached)), "groups_reached": int(r.groups_reached),
            "bridges": "yes" if bool(r.bridges) else "no", "go_between": gb.get(p, "none"),
            "first_seen": pdata.day_text(r.first_seen), "last_seen": pdata.day_text(r.last_seen),
            "reliability": grading_mix_words(G, p), "uncorroborated": unc, "links": len(nb),
        })
    return rows


def group_rows(an: Any, labels: dict[str, str], *, cap: int, count: Any, seed: int, words: Any,
               marks: dict[str, str], order: dict[str, int] | None = None) -> tuple[list[dict[str, Any]], list[tuple[Any, Any]]]:
    """The largest ``cap`` peer groups with their pictures, and the edges they show; each
    group's children, contacts and places named in the pack's order (``order``: id -> position)."""
    order = order or {}

    def ranked(ids: list[str]) -> list[str]:
        return sorted(ids, key=lambda n: (order.get(n, 10**9), labels.get(n, n)))

    from contextmap.graph import induced_edges

    G = an.graph
    shown: list[tuple[Any, Any]] = []
    out = []
    for r in an.peer_groups.groups.head(cap).itertuples():
        members = [str(c) for c in r.children]
        persons = [str(x) for x in (getattr(r, "binding_persons", []) or [])]
        places = [str(x) for x in (getattr(r, "binding_places", []) or [])]
        shown += induced_edges(G, members + persons + places)
        out.append({
            "group_id": group_label(r.Index), "size": count(int(r.size)), "stability": stability_words(r.stability),
            "evidence_text": pdata.plain_text(r.evidence_text), "members": [labels.get(c, c) for c in ranked(members)],
            "contacts": [labels.get(x, x) for x in ranked(persons)], "places": [labels.get(x, x) for x in ranked(places)],
            "img": pdata.group_picture(G, members, persons + places, seed=seed, words=words, new=marks)
            if len(members) <= 40 else None,
        })
    return out, shown


def group_list(an: Any, labels: dict[str, str], *, count: Any, order: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Every peer group, largest first, its children in the pack's order (for the annex)."""
    order = order or {}
    out = []
    for r in an.peer_groups.groups.itertuples():
        members = sorted((str(c) for c in r.children), key=lambda n: (order.get(n, 10**9), labels.get(n, n)))
        out.append({"group_id": group_label(r.Index), "size": count(int(r.size)),
                    "evidence_text": pdata.plain_text(r.evidence_text), "members": [labels.get(c, c) for c in members]})
    return out


def cohort_rows(red: Any, an: Any, ep: pd.DataFrame, settings: Any, end: pd.Timestamp, labels: dict[str, str],
                states: States, words: Any, priority: list[str]) -> list[dict[str, Any]]:
    """Every child with an episode or link in the period: those on the agenda first (in its
    order), then those meeting the panel criteria, then by risk level (highest first) and
    episodes (then by id: the order is fixed before names are chosen, so spoken pseudonyms
    follow it). ``label`` is filled from ``labels`` (call again or set it once names exist)."""
    ch = red.children.set_index(red.children["child_id"].astype(str))
    flags = an.flags
    membership = {str(k): str(v) for k, v in an.peer_groups.membership.items() if isinstance(v, str)}
    in_graph = {str(n) for n, k in an.graph.nodes(data="kind") if k == "child"}
    ids = sorted(set(ep["child_id"].astype(str)) | in_graph | set(flags["child_id"].astype(str)))
    per = (ep.assign(child_id=ep["child_id"].astype(str), n=1)
           .groupby("child_id")[["n", "hours", "returned", "rhi_in_time"]].sum())
    per_child = {str(k): v for k, v in zip(per.index, per.itertuples(index=False), strict=True)}
    child_flags: dict[str, list[dict[str, str]]] = {}
    panel: set[str] = set()
    overdue: set[str] = set()
    for c, fl, detail in zip(flags["child_id"].astype(str), flags["flag"], flags["detail"], strict=True):
        child_flags.setdefault(c, []).append({"flag": words("flags", pdata.plain_text(fl)), "detail": _no_codes(pdata.plain_text(detail))})
        if fl in pdata.PANEL_FLAGS:
            panel.add(c)
        if fl == "risk_review_overdue":
            overdue.add(c)
    review_days = settings.risk.review_days
    first = {c: i for i, c in enumerate(priority)}
    level = {lvl: i for i, lvl in enumerate(reversed(settings.risk.scale))}
    rows = []
    for cid in ids:
        risk = pdata.plain_text(ch["ce_risk"].get(cid)) if cid in ch.index else ""
        e = per_child.get(cid)
        n, hours, returned, in_time = (int(e.n), float(e.hours), int(e.returned), int(e.rhi_in_time)) if e else (0, 0.0, 0, 0)
        reviewed = ch["risk_reviewed_on"].get(cid) if cid in ch.index else None
        due = None
        if risk in review_days and reviewed is not None and pd.notna(reviewed):
            due = pd.Timestamp(reviewed) + pd.Timedelta(days=review_days[risk])
        overdue_days = (end - due).days if due is not None and due < end else None
        st = states.of("child", cid)
        rows.append({
            "id": cid, "label": labels.get(cid, cid), "age": person_age(ch.loc[cid], on=end) if cid in ch.index else "",
            "risk": words("risk", risk), "_risk": risk, "state": st["state"], "episodes": n, "hours": f"{hours:.0f}",
            "rhi": f"{in_time} of {returned}" if returned else "no returns", "flags": child_flags.get(cid, []),
            "review_due": pdata.day_text(due) or ("no review date" if risk in review_days else ""),
            "reviewed": pdata.day_text(reviewed) if reviewed is not None and pd.notna(reviewed) else "",
            "overdue": cid in overdue,
            "overdue_days": overdue_days, "group": group_label(membership.get(cid, "")), "_panel": cid in panel,
            "_key": (first.get(cid, len(first)), cid not in panel, level.get(risk, 99), -n, cid),
        })
    rows.sort(key=lambda r: r["_key"])
    for i, r in enumerate(rows, 1):
        r["n"] = i
    return rows


def overdue_rows(cohort: list[dict[str, Any]], settings: Any) -> list[dict[str, Any]]:
    """Children whose risk review is overdue: highest risk first, then longest overdue (no
    review recorded counts as longest)."""
    level = {lvl: i for i, lvl in enumerate(reversed(settings.risk.scale))}
    rows = [r for r in cohort if r["overdue"]]
    rows.sort(key=lambda r: (level.get(r["_risk"], 99), -(r["overdue_days"] if r["overdue_days"] is not None else 10**6),
                             r["n"]))
    return rows


def _no_codes(text: str) -> str:
    """A flag's detail without record numbers or raw risk codes: the pack's words only."""
    text = re.sub(r"\b[A-Z]{1,3}-?\d{3,}\b ?", "", text)
    text = re.sub(r"\(\s*\)|,\s*(?=[,)])", "", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ,;")


def merged_rows(an: Any, labels: dict[str, str]) -> list[dict[str, Any]] | None:
    """Entities resolution made from several records, least confident first (the ones to check)."""
    rec = getattr(getattr(an, "dataset", None), "resolution", None)
    if rec is None:
        return None
    rows = []
    for r in rec.merged.sort_values("confidence", kind="stable").itertuples():
        ent = str(r.entity_id)
        kind = {"person": "person", "location": "place"}.get(str(r.kind), str(r.kind))
        why = "decided by the analyst" if bool(getattr(r, "decided", False)) else f"{kind} records matched"
        rows.append({"entity": labels.get(ent, ent), "records": pdata.plain_text(r.record_ids),
                     "confidence": percent(r.confidence), "why": why})
    return rows


def quality_tables(red: Any, settings: Any, words: Any) -> list[dict[str, Any]]:
    """The data-quality appendix as small tables (shares as percentages, codes in words)."""
    q = summarise(red, settings=settings)
    out = []

    def cell(col: str, v: Any) -> str:
        if isinstance(v, float) and not isinstance(v, bool):
            return percent(v) if col == "share" else f"{v:,.0f}"
        if col == "grading":
            return grading_words(v)
        if col == "column":  # a data column by its plain name ("ce_risk": "Risk of exploitation")
            return words("headers", pdata.plain_text(v)).lower() if pdata.plain_text(v) in words.table("headers") \
                else pdata.plain_text(v).replace("_", " ")
        return pdata.plain_text(v).replace("_", " ")

    def table(title: str, df: pd.DataFrame) -> None:
        # a named index is a column (the table each row counts); row numbers are not
        df = df.reset_index() if df.index.name or isinstance(df.index, pd.MultiIndex) or df.index.dtype == object \
            else df.reset_index(drop=True)
        out.append({"title": title, "columns": [words("headers", str(c)) for c in df.columns],
                    "rows": [[cell(str(c), v) for c, v in zip(df.columns, row, strict=True)]
                             for row in df.itertuples(index=False)]})

    table("Rows read, accepted and set aside", q.counts)
    c = q.completeness
    table("Completeness of columns (less than fully filled)", c[c["share"] < 1])
    rhi = q.rhi
    table("Return Home Interview timeliness", pd.DataFrame([{
        "episodes returned": rhi.get("returned"), f"RHI within {float(rhi.get('within_hours') or 72):g} hours": rhi.get("within"),
        "share": percent(rhi.get("share"))}]))
    table("Locations with coordinates", pd.DataFrame([q.coordinates]))
    table("Grading of links", q.grading_mix)
    if len(q.quarantine_reasons):
        table("Rows set aside (quarantined) by reason", q.quarantine_reasons)
    if len(q.warning_reasons):
        table("Warnings (rows kept) by reason", q.warning_reasons)
    return out


def area_rows(counts: Any, count: Any) -> list[dict[str, Any]] | None:
    """Counts per area, most episodes first (small counts suppressed for the audience)."""
    if counts is None:
        return None
    rows = counts.sort_values(["episodes", "children", "name"], ascending=[False, False, True], kind="stable")
    return [{"area_id": str(r.area_id), "name": str(r.name), "episodes": count(int(r.episodes)),
             "children": count(int(r.children)), "hotspots": int(r.hotspots), "persons": count(int(r.persons))}
            for r in rows.itertuples()]


def namesakes_told_apart(labels: dict[str, str], G: nx.Graph, red: Any, *, on: pd.Timestamp,
                         numbers: dict[str, str] | None = None) -> dict[str, str]:
    """``labels`` with each child or person of concern whose printed name another one shares
    given their age: "Abbie Thwaite (14)", "Abbie Thwaite (12)", "Rhys Dobson (adult)", so that
    a list naming both ("Children linked: ... Abbie Thwaite, Abbie Thwaite") tells them apart.
    Where the ages do not (two of 12, or one not known) each is given its place in the pack's
    numbered lists too (``numbers``: id -> "child no. 37"), in words, never a record id:
    "Mia Kirkbride (12, child no. 37)". A name no other child or person has is unchanged.
    Names are compared as a reader reads them (:func:`~contextmap.privacy.folding.reader_fold`:
    case, look-alike letters, invisible characters and spacing aside).

    Examples
    --------
    >>> G = nx.Graph([("C1", "L1"), ("C2", "L1"), ("C3", "L1"), ("C4", "L1"), ("P1", "L1")])
    >>> nx.set_node_attributes(G, {"C1": "child", "C2": "child", "C3": "child", "C4": "child", "P1": "person",
    ...                            "L1": "location"}, "kind")
    >>> red = type("R", (), {"children": pd.DataFrame({"child_id": ["C1", "C2", "C3", "C4"],
    ...                      "date_of_birth": ["2012-03-01", "2014-05-01", "2014-02-01", "2014-06-01"]}),
    ...                      "persons": pd.DataFrame({"person_id": ["P1"], "date_of_birth": ["1990-01-01"]})})()
    >>> told = namesakes_told_apart({"C1": "Abbie Thwaite", "C2": "Abbie Thwaite", "C3": "Mia Kirkbride",
    ...                              "C4": "Mia Kirkbride", "P1": "Rhys Dobson"}, G, red, on=pd.Timestamp("2026-11-30"),
    ...                             numbers={"C3": "child no. 7", "C4": "child no. 9"})
    >>> [told[n] for n in ("C1", "C2", "C3", "C4", "P1")]
    ['Abbie Thwaite (14)', 'Abbie Thwaite (12)', 'Mia Kirkbride (12, child no. 7)', 'Mia Kirkbride (12, child no. 9)', 'Rhys Dobson']

    A name that only looks the same (a Cyrillic capital Em, a zero-width space) is the same name
    to a reader:

    >>> namesakes_told_apart({"C1": "Abbie Thwaite", "C2": "\u041cia Kirk\u200bbride", "C3": "Mia Kirkbride",
    ...                       "C4": "Rhys Dobson", "P1": "Rhys Dobson"}, G, red, on=pd.Timestamp("2026-11-30"))["C2"]
    '\u041cia Kirk\u200bbride (12)'
    """
    def printed(n: str) -> str:  # as a reader reads it: look-alike letters, invisible characters, spacing
        return reader_fold(labels.get(n, n))

    people = [str(n) for n, k in G.nodes(data="kind") if k in ("child", "person")]
    groups: dict[str, list[str]] = {}
    for n in people:
        groups.setdefault(printed(n), []).append(n)
    twice = [n for g in groups.values() if len(g) > 1 for n in g]
    if not twice:
        return labels
    rows: dict[str, Any] = {}
    for frame, key in ((red.children, "child_id"), (red.persons, "person_id")):
        want = frame[frame[key].astype(str).isin(twice)]
        rows.update({str(i): r for i, r in zip(want[key], want.to_dict("records"), strict=True)})
    out = dict(labels)
    for group in (g for g in groups.values() if len(g) > 1):
        ages = {n: person_age(rows[n], on=on) if n in rows else "" for n in group}
        apart = all(ages.values()) and len(set(ages.values())) == len(group)
        for n in group:
            tell = [ages[n]] if ages[n] else []
            if not apart and (numbers or {}).get(n):
                tell.append((numbers or {})[n])
            if tell:
                out[n] = f"{labels.get(n, n)} ({', '.join(tell)})"
    return out

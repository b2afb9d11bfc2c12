"""Private: write every file of a mapping pack into a (staging) folder.

Called by :func:`contextmap.pack.build_pack` on the redacted dataset and its analysis;
the privacy scan and publishing happen there.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from contextmap.areas import areas_summary, count_by_area
from contextmap.emerging import emerging_hotspots
from contextmap.graph import induced_edges
from contextmap.ingest.quality import summarise
from contextmap.pack import changes as chg
from contextmap.pack import content as pdata
from contextmap.pack.content import PANEL_FLAGS, panel_children, summary_with_extras
from contextmap.pack.exports import write_exports
from contextmap.pack.reveal import MANIFEST_FILE, write_manifest
from contextmap.privacy import suppress_count
from contextmap.views import maps
from contextmap.views import network as networkview
from contextmap.views.html import asset_text, render_template
from contextmap.views.printmap import printed_map
from contextmap.vocabulary import vocabulary

__all__ = ["ANNEX_FILES", "group_links", "names_for", "pack_state", "write_pack"]

ANNEX_FILES = ("annex.html", "annex.pdf")
"""The provenance annex beside the pack: every association the pack shows, by record id."""


def group_links(G: nx.Graph, membership: dict[str, str]) -> list[dict[str, Any]]:
    """Pairs of peer groups joined by a person of concern or a direct link between children.

    A provisional person (an unmatched RHI mention) joins nothing: it is not a person of
    concern. A direct link is recorded as ``'A\u2013B'`` (the two children's ids)."""
    via: dict[tuple[str, str], set[str]] = {}
    for n, kind in G.nodes(data="kind"):
        if kind == "person" and not G.nodes[n].get("provisional"):
            gs = sorted({membership[c] for c in G[n] if c in membership})
            for a, b in combinations(gs, 2):
                via.setdefault((a, b), set()).add(str(n))
    for a, b in G.edges():
        ga, gb = membership.get(a), membership.get(b)
        if ga and gb and ga != gb:
            key = tuple(sorted((ga, gb)))
            via.setdefault(key, set()).add(f"{min(a, b)}\u2013{max(a, b)}")  # type: ignore[arg-type]
    return [{"groups": list(k), "via": sorted(v)} for k, v in sorted(via.items())]


def _membership(an: Any) -> dict[str, str]:
    m = an.peer_groups.membership
    return {str(k): str(v) for k, v in m.items() if isinstance(v, str)}


def pack_state(an: Any, summary: dict[str, Any], aud: Any, hot: pd.DataFrame, panel: list[str]) -> chg.PackState:
    hs = [{"location_id": str(r.Index), "rank": int(r.rank), "score": float(r.score),
           "episodes": int(r.episodes), "children": int(r.children)} for r in hot.itertuples()]
    persons = [{"person_id": str(r.Index), "rank": int(r.rank), "children_reached": int(r.children_reached)}
               for r in an.persons.itertuples()]
    groups = [{"id": str(r.Index), "children": [str(c) for c in r.children]}
              for r in an.peer_groups.groups.itertuples()]
    return chg.PackState(
        ids=summary["ids"], audience=aud.name, period=summary["period"], hotspots=hs,
        persons_of_concern=persons, peer_groups=groups,
        group_links=group_links(an.graph, _membership(an)), panel_children=panel,
    )


def _count(aud: Any):

    return lambda n: suppress_count(n, aud)


def _context(red: Any, an: Any, aud: Any, settings: Any, opts: dict[str, int], period: tuple,
             changes: Any, input_hash: str | None, network_svg: Any, map_svg: Any,
             files: dict[str, Any], seed: int, words: Any, new: dict[str, str]) -> dict[str, Any]:

    G = an.graph
    start, end = period
    count = _count(aud)
    rhi_hours = float(settings.rhi.within_hours)
    ep = pdata.episode_table(red, start, end, rhi_hours)
    labels = {str(n): pdata.node_label(G, n) for n in G}
    # names of every entity of the (redacted) dataset, for ids the graph does not hold
    for frame, col in ((red.children, "child_id"), (red.persons, "person_id"), (red.locations, "location_id")):
        for i, nm in zip(frame[col].astype(str), frame["name"], strict=True):
            labels.setdefault(i, pdata._s(nm) or i)
    hot = an.hotspots.sort_values("rank").head(opts["top_hotspots"])
    shown_edges: list[tuple[Any, Any]] = []

    hotspots = []
    for r in hot.itertuples():
        loc = str(r.Index)
        hotspots.append({
            "id": loc, "rank": int(r.rank), "label": labels.get(loc, pdata._s(r.name)),
            "category": words("categories", pdata._s(r.category)), "score": f"{float(r.score):.2f}",
            "episodes": count(int(r.episodes)), "children": count(int(r.children)),
            "first_seen": pdata._d(r.first_seen), "last_seen": pdata._d(r.last_seen),
            "trend": words("trends", pdata._s(getattr(r, "trend", ""))),
            "grading_mix": pdata.grading_mix(G, loc), "why": pdata._s(getattr(r, "why", "")),
            "new": new.get(loc, ""),
        })
    profiles = []
    for h in hotspots[: opts["profiles"]]:
        loc = h["id"]
        kids = pdata.neighbours(G, loc, "child")
        people = [n for n in pdata.neighbours(G, loc, "person") if not G.nodes[n].get("provisional")]
        mentions = [n for n in pdata.neighbours(G, loc, "person") if G.nodes[n].get("provisional")]
        shown_edges += [(loc, n) for n in kids + people + mentions]
        rows: list[dict[str, Any]] = []
        for n in kids + people + mentions:
            for ev in G[loc][n].get("evidence", []):
                rows.append({"date": pdata._d(ev.get("date")), "what": words("relations", pdata._s(ev.get("relation"))),
                             "who": labels[str(n)], "source": words("sources", pdata._s(ev.get("source_type"))),
                             "grading": pdata.grade(ev, bool(G[loc][n].get("corroborated"))),
                             "record": pdata._s(ev.get("link_id") or ev.get("episode_id"))})
        rows.sort(key=lambda x: str(x["date"]), reverse=True)
        cap = opts["timeline_rows"]
        profiles.append({**h, "children_linked": [labels[str(n)] for n in kids],
                         "persons": [labels[str(n)] for n in people],
                         "mentions": [labels[str(n)] for n in mentions], "timeline": rows[:cap],
                         "timeline_total": len(rows), "timeline_truncated": len(rows) > cap})

    membership = _membership(an)
    groups = []
    for r in an.peer_groups.groups.head(opts["groups"]).itertuples():
        gid = str(r.Index)
        members = [str(c) for c in r.children]
        binding = [str(x) for x in list(getattr(r, "binding_persons", []) or []) + list(getattr(r, "binding_places", []) or [])]
        shown_edges += induced_edges(G, members + binding)
        groups.append({
            "group_id": gid, "size": count(int(r.size)), "stability": f"{float(r.stability):.2f}",
            "evidence_text": pdata._s(r.evidence_text), "members": sorted(labels.get(c, c) for c in members),
            "contacts": [labels.get(x, x) for x in (getattr(r, "binding_persons", []) or [])],
            "places": [labels.get(x, x) for x in (getattr(r, "binding_places", []) or [])],
            "img": pdata.group_picture(G, members, binding, seed=seed, words=words, new=new) if len(members) <= 40 else None,
        })

    persons = []
    for r in an.persons.sort_values("rank").head(opts["top_persons"]).itertuples():
        p = str(r.Index)
        nb = list(G[p]) if p in G else []
        shown_edges += [(p, n) for n in nb if G.nodes[n].get("kind") == "child"]
        unc = sum(1 for n in nb if not G[p][n].get("corroborated"))
        persons.append({
            "rank": int(r.rank), "label": labels.get(p, p), "children_reached": count(int(r.children_reached)),
            "groups_reached": int(r.groups_reached), "bridges": "yes" if bool(r.bridges) else "no",
            "betweenness": f"{float(r.betweenness):.3f}", "first_seen": pdata._d(r.first_seen),
            "last_seen": pdata._d(r.last_seen), "grading": pdata._s(r.grading), "uncorroborated": unc,
            "links": len(nb), "new": new.get(p, ""),
        })
    n_mentions = sum(1 for n, d in G.nodes(data=True) if d.get("kind") == "person" and d.get("provisional")
                     and G.degree(n) > 0)

    cohort = _cohort(red, an, ep, settings, end, labels, membership, PANEL_FLAGS, words)
    for row in cohort:
        row["new"] = new.get(row["id"], "")
    provenance = pdata.provenance(G, shown_edges, words=words)
    decide = _decisions(an, changes, cohort, labels, words)
    return {
        "meta": {
            "area": settings.area, "period_start": pdata._d(start) or "the start of the records",
            "period_end": pdata._d(end), "audience_label": aud.name, "marking": aud.marking,
            "handling_notice": aud.handling_notice, "produced": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "produced_by": _user(), "input_hash": input_hash or "unknown", "rhi_hours": f"{rhi_hours:g}",
            "suppressed": aud.suppress_below is not None, "suppress_below": aud.suppress_below,
            "audience_note": _audience_note(aud),
        },
        "css": pdata.Markup(asset_text("pack.css")), "w": words,
        "headline": pdata.headline(red, ep, start, end, rhi_hours, count,
                                   provisional={n for n, d in G.nodes(data=True) if d.get("provisional")}),
        "changes": changes, "decide": decide, "labels": labels, "map_img": map_svg, "network_img": network_svg,
        "hotspots": hotspots, "profiles": profiles, "groups": groups, "persons": persons,
        "n_mentions": n_mentions,
        "cohort": cohort[: opts["cohort_rows"]], "merged": _merged(an, labels), "quality": _quality(red, settings, words),
        "provenance": _annex_rows(provenance, profiles, opts["provenance_rows"]), "files": files,
        "provenance_total": len(provenance), "groups_total": len(an.peer_groups.groups),
        "cohort_total": len(cohort),
    }


def names_for(ids: Any, labels: dict[str, str]) -> list[str]:
    """Display names for ids; a direct link ``'A\u2013B'`` becomes both children's names."""
    out = []
    for v in ids:
        v = str(v)
        if "\u2013" in v:
            a, b = v.split("\u2013", 1)
            out.append(f"a direct link between {labels.get(a, a)} and {labels.get(b, b)}")
        else:
            out.append(labels.get(v, v))
    return out


def _decisions(an: Any, changes: Any, cohort: list[dict[str, Any]], labels: dict[str, str],
               words: Any) -> dict[str, Any]:
    """What needs a decision today, in the order a MACE works."""
    rows = {r["id"]: r for r in cohort}
    flags = an.flags
    detail = {(str(c), str(f)): pdata._s(d) for c, f, d in zip(flags["child_id"], flags["flag"], flags["detail"], strict=True)}
    panel = sorted({str(c) for c, f in zip(flags["child_id"], flags["flag"], strict=True) if f in PANEL_FLAGS})
    heard_before = changes is not None
    if changes is not None:
        panel = [c for c in panel if c in set(changes.new_panel_children)]

    def child(c: str, flag: str) -> dict[str, Any]:
        r = rows.get(c, {})
        return {"label": labels.get(c, c), "risk": r.get("risk", ""), "group": r.get("group", ""),
                "why": detail.get((c, flag), ""), "episodes": r.get("episodes", 0), "review_due": r.get("review_due", "")}

    overdue = sorted({str(c) for c, f in zip(flags["child_id"], flags["flag"], strict=True) if f == "risk_review_overdue"},
                     key=lambda c: labels.get(c, c))
    out: dict[str, Any] = {
        "previous": heard_before,
        "panel": [child(c, "meets_panel_criteria") for c in sorted(panel, key=lambda c: labels.get(c, c))],
        "overdue": [child(c, "risk_review_overdue") for c in overdue],
        "new_places": [], "escalating_places": [], "new_persons": [], "group_links": [],
        "merged_groups": [], "split_groups": [], "notes": [],
    }
    if changes is None:
        return out
    out["new_places"] = [{"label": labels.get(h["location_id"], h["location_id"]), "rank": h.get("rank")}
                         for h in changes.new_hotspots]
    out["escalating_places"] = [{"label": labels.get(h["location_id"], h["location_id"]), "rank": h.get("rank"),
                                 "previous_rank": h.get("previous_rank"), "detail": h.get("detail", "")}
                                for h in changes.escalating_hotspots]
    out["new_persons"] = [{"label": labels.get(p["person_id"], p["person_id"]),
                           "children": int(p.get("children_reached", 0))} for p in changes.new_persons]
    out["group_links"] = [{"groups": list(lk["groups"]), "via": names_for(lk.get("via", []), labels)}
                          for lk in changes.new_group_links]
    out["merged_groups"] = list(changes.merged_groups)
    out["split_groups"] = list(changes.split_groups)
    out["notes"] = list(changes.notes)
    return out


def _user() -> str:
    import getpass

    return getpass.getuser()


def _audience_note(aud: Any) -> str:
    parts = []
    if not aud.show_names:
        parts.append("children, persons of concern and home addresses appear as pseudonyms")
    if not aud.include_handling_c:
        parts.append("intelligence with handling code C is withheld")
    if not aud.include_e_graded:
        parts.append("intelligence assessed E is withheld")
    if not parts:
        return f"This pack is for the {aud.name} audience and shows all records, including handling code C."
    return f"This pack is for the {aud.name} audience: " + "; ".join(parts) + "."


def _cohort(red, an, ep, settings, end, labels, membership, panel_flags, words) -> list[dict[str, Any]]:
    ch = red.children.set_index("child_id")
    flags = an.flags
    in_graph = {n for n, k in an.graph.nodes(data="kind") if k == "child"}
    ids = sorted(set(ep["child_id"].astype(str)) | in_graph | set(flags["child_id"].astype(str)))
    # per-child sums and flag lists in one pass each (a lookup per child was quadratic)
    per = (ep.assign(child_id=ep["child_id"].astype(str), n=1)
           .groupby("child_id")[["n", "hours", "returned", "rhi_in_time"]].sum())
    per_child = {str(k): v for k, v in zip(per.index, per.itertuples(index=False), strict=True)}
    child_flags: dict[str, list[dict[str, str]]] = {}
    panel: set[str] = set()
    for c, fl, detail in zip(flags["child_id"].astype(str), flags["flag"], flags["detail"], strict=True):
        child_flags.setdefault(c, []).append({"flag": words("flags", pdata._s(fl)), "detail": pdata._s(detail)})
        if isinstance(fl, str) and fl in panel_flags:
            panel.add(c)
    risk_of = ch["ce_risk"].to_dict()
    reviewed_on = ch["risk_reviewed_on"].to_dict()
    review_days = settings.risk.review_days
    rows = []
    for cid in ids:
        risk = pdata._s(risk_of.get(cid))
        e = per_child.get(cid)
        n, hours, returned, in_time = (int(e.n), float(e.hours), int(e.returned), int(e.rhi_in_time)) if e else (0, 0.0, 0, 0)
        reviewed = reviewed_on.get(cid)
        due = None
        if risk in review_days and reviewed is not None and pd.notna(reviewed):
            due = pd.Timestamp(reviewed) + pd.Timedelta(days=review_days[risk])
        rows.append({
            "id": cid, "label": labels.get(cid, cid), "risk": words("risk", risk), "_risk": risk, "episodes": n,
            "hours": f"{hours:.0f}",
            "rhi": f"{in_time} of {returned}" if returned else "no returns",
            "flags": child_flags.get(cid, []),
            "review_due": pdata._d(due) or ("no review date" if risk in review_days else ""),
            "overdue": bool(due is not None and due < end), "group": membership.get(cid, ""),
            "_panel": cid in panel,
        })
    order = {lvl: i for i, lvl in enumerate(reversed(settings.risk.scale))}
    rows.sort(key=lambda r: (not r["_panel"], order.get(r["_risk"], 99), -r["episodes"], r["label"]))
    return rows


def _merged(an: Any, labels: dict[str, str]) -> list[dict[str, Any]] | None:
    """Entities resolution made from several records, with the weakest match confidence."""
    rec = getattr(getattr(an, "dataset", None), "resolution", None)
    if rec is None:
        return None
    rows = []
    for r in rec.merged.itertuples():
        ent = str(r.entity_id)
        why = "decided by the analyst" if bool(getattr(r, "decided", False)) else f"{r.kind} records matched"
        rows.append({"entity": labels.get(ent, ent), "records": pdata._s(r.record_ids),
                     "confidence": f"{float(r.confidence):.2f}", "why": why})
    return rows


def _quality(red: Any, settings: Any, words: Any) -> list[dict[str, Any]]:

    q = summarise(red, settings=settings)
    out = []

    def table(title: str, df: pd.DataFrame) -> None:
        df = df.reset_index() if df.index.name or not isinstance(df.index, pd.RangeIndex) else df
        out.append({"title": title, "columns": [words("headers", str(c)) for c in df.columns],
                    "rows": [[pdata._s(v).replace("_", " ") if not isinstance(v, float) else f"{v:.2f}" for v in row]
                             for row in df.itertuples(index=False)]})

    table("Rows read, accepted and set aside", q.counts)
    c = q.completeness
    table("Completeness of columns (less than fully filled)", c[c["share"] < 1])
    rhi = q.rhi
    share = "n/a" if rhi.get("share") is None else f"{100 * float(rhi['share']):.0f}%"
    table("Return Home Interview timeliness", pd.DataFrame([{
        "episodes returned": rhi.get("returned"), f"RHI within {rhi.get('within_hours')} hours": rhi.get("within"),
        "share": share}]))
    co = q.coordinates
    table("Locations with coordinates", pd.DataFrame([co]))
    table("Grading mix of links", q.grading_mix)
    if len(q.quarantine_reasons):
        table("Rows set aside (quarantined) by reason", q.quarantine_reasons)
    if len(q.warning_reasons):
        table("Warnings (rows kept) by reason", q.warning_reasons)
    return out


def _areas_rows(counts: Any, aud: Any) -> list[dict[str, Any]] | None:
    """The pack's table of counts per area (small counts suppressed for the audience)."""
    if counts is None:
        return None
    count = _count(aud)
    rows = counts.sort_values(["episodes", "children", "name"], ascending=[False, False, True], kind="stable")
    return [{"area_id": str(r.area_id), "name": str(r.name), "episodes": count(int(r.episodes)),
             "children": count(int(r.children)), "hotspots": int(r.hotspots), "persons": count(int(r.persons))}
            for r in rows.itertuples()]


def write_pack(staging: Path, *, red, an, aud, settings, opts, period, prev_state, input_hash, seed, pdf,
               timings, input_path=None, resolved=True, geo=None,
               front: Any = None, data_period: str | None = None) -> tuple[list[str], dict[str, Any], Any]:

    t = time.perf_counter()
    words = vocabulary(settings)
    geo = geo or {}
    emerging = emerging_hotspots(red, start=period[0], end=period[1], settings=settings)
    area_counts = (count_by_area(an, geo["areas"], top_n=opts["top_hotspots"])
                   if geo.get("areas") is not None else None)
    timings["geography"] = time.perf_counter() - t
    t = time.perf_counter()
    summary = summary_with_extras(an, aud)
    summary["areas"] = areas_summary(area_counts)
    (staging / "summary.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    # where the data came from (no identity): `contextmap reveal` re-derives pseudonyms from it
    write_manifest(staging / MANIFEST_FILE, input_path=input_path, input_hash=input_hash, audience=aud.name,
                   ids=summary["ids"], period=period, resolved=resolved, data_period=data_period)
    hot = an.hotspots.sort_values("rank").head(opts["top_hotspots"])
    state = pack_state(an, summary, aud, hot, panel_children(an.flags))
    state.write(staging / chg.STATE_FILE)
    changes = chg.compare(prev_state, state) if prev_state is not None else None
    new = changes.new_marks() if changes is not None else {}

    new_ids = [str(h["location_id"]) for h in changes.new_hotspots] if changes is not None else []
    m = maps.hotspot_map(an, tiles=settings.map.tiles, attribution=settings.map.attribution or None,
                         audience=aud.name, marking=aud.marking, basemap=geo.get("basemap"),
                         areas=area_counts, new_ids=new_ids, emerging=emerging)
    maps.write_map(m, staging / "hotspot_map.html")
    timings["map"] = time.perf_counter() - t
    t = time.perf_counter()
    view = networkview.network_view(an, audience=aud.name, marking=aud.marking, layout_seed=seed, new=new,
                                    words=words)
    view.to_html(staging / "network.html")
    network_svg = pdata.svg_markup(pdata.compact_lines(view.figure(figsize=(10, 7.5))))
    timings["network"] = time.perf_counter() - t

    t = time.perf_counter()

    export_files = write_exports(staging / "exports", red=red, an=an, aud=aud, settings=settings, emerging=emerging,
                                 area_counts=area_counts)
    timings["exports"] = time.perf_counter() - t

    t = time.perf_counter()
    files = {"map": "hotspot_map.html", "network": "network.html", "annex": ANNEX_FILES,
             "all": ["pack.pdf", *ANNEX_FILES, "hotspot_map.html", "network.html", "summary.json", chg.STATE_FILE,
                     MANIFEST_FILE,
                     *export_files]}
    labels = {str(n): pdata.node_label(an.graph, n) for n in an.graph}
    fig = printed_map(an.hotspots.reset_index(), basemap=geo.get("basemap"), areas=area_counts, top=opts["top_hotspots"],
                      labels=labels, new_ids=new_ids, source_note=geo.get("basemap_note"))
    map_svg = pdata.svg_markup(pdata.compact_lines(fig)) if fig is not None else None
    ctx = _context(red, an, aud, settings, opts, period, changes, input_hash, network_svg,
                   map_svg, files, seed, words, new)
    ctx["areas"] = _areas_rows(area_counts, aud)
    ctx["emerging_counts"] = emerging.counts()
    emerging_of = dict(zip(emerging.places["location_id"].astype(str), emerging.places["category"], strict=True))
    for h, r in zip(ctx["hotspots"], an.hotspots.sort_values("rank").reset_index().itertuples(), strict=False):
        h["emerging"] = emerging_of.get(str(r.location_id), "no pattern")
        h["new"] = h.get("new") or str(r.location_id) in set(new_ids)
    ctx["front"] = front  # an opening section from a hook (the workspace's: contextmap.pack.workspace)
    (staging / "pack.html").write_text(render_template("pack.html", **ctx), encoding="utf-8")
    (staging / "annex.html").write_text(render_template("pack_annex.html", **ctx), encoding="utf-8")
    timings["html"] = time.perf_counter() - t
    if pdf:
        from contextmap.pack.pdf import PdfJob, html_to_pdfs

        t = time.perf_counter()
        header = f"{aud.marking} \u00b7 {aud.name} audience \u00b7 {settings.area}"
        footer = aud.handling_notice or aud.marking
        # the pack and its annex in one chromium session: a second launch doubled the time
        html_to_pdfs([PdfJob(staging / "pack.html", staging / "pack.pdf", header, footer),
                      PdfJob(staging / "annex.html", staging / "annex.pdf",
                             header + " \u00b7 provenance annex", footer)])
        timings["pdf"] = time.perf_counter() - t
    written = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    return written, summary, changes


def _annex_rows(provenance: list[dict[str, Any]], profiles: list[dict[str, Any]], cap: int) -> list[dict[str, Any]]:
    """The annex's rows: the first ``cap``, and every record the pack itself refers to (a record
    number printed in the pack must be found in its annex)."""
    referenced = {r["record"] for p in profiles for r in p["timeline"] if r.get("record")}
    return [r for i, r in enumerate(provenance)
            if i < cap or (r.get("link_id") or r.get("episode_id")) in referenced]

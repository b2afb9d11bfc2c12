"""Private: write every file of a mapping pack into a (staging) folder.

Called by :func:`contextmap.pack.build_pack` on the redacted dataset and its analysis;
the privacy scan and publishing happen there. The order matters: the meeting's view (the last
meeting, every state, the agenda, the printed names: :mod:`contextmap.pack.meeting`) is
decided first, so the map, the network view, the exports and every page say the same words.
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
from contextmap.pack import changes as chg
from contextmap.pack import content as pdata
from contextmap.pack import tables as tb
from contextmap.pack import trends
from contextmap.pack.agenda import place_why
from contextmap.pack.content import summary_with_extras
from contextmap.pack.exports import write_exports
from contextmap.pack.meeting import meeting_view, printed_names
from contextmap.pack.reveal import MANIFEST_FILE, write_manifest
from contextmap.privacy import suppress_count
from contextmap.tactics import CAVEAT as TACTIC_CAVEAT
from contextmap.views import maps
from contextmap.views import network as networkview
from contextmap.views.html import asset_text, render_template
from contextmap.views.printmap import printed_map
from contextmap.vocabulary import count_words, grading_words, vocabulary

__all__ = ["ANNEX_FILES", "group_links", "names_for", "pack_state", "write_pack", "sections"]

ANNEX_FILES = ("annex.html", "annex.pdf")
"""The annex beside the pack: the full lists the pack caps, and every association it shows, by record id."""


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


def pack_state(an: Any, summary: dict[str, Any], aud: Any, hot: pd.DataFrame, panel: list[str],
               children: dict[str, dict[str, Any]] | None = None) -> chg.PackState:
    """What the next pack compares against: the top places (and every ranked place), persons,
    groups, links between groups, the panel children and every child's risk level."""
    def place(r: Any) -> dict[str, Any]:
        return {"location_id": str(r.Index), "rank": int(r.rank), "score": float(r.score),
                "episodes": int(r.episodes), "children": int(r.children)}

    persons = [{"person_id": str(r.Index), "rank": int(r.rank), "children_reached": int(r.children_reached)}
               for r in an.persons.itertuples()]
    groups = [{"id": str(r.Index), "children": [str(c) for c in r.children]}
              for r in an.peer_groups.groups.itertuples()]
    kids = None
    if children is not None:
        kids = [{"child_id": c, "risk": v.get("risk")} for c, v in sorted(children.items())]
    return chg.PackState(
        ids=summary["ids"], audience=aud.name, period=summary["period"], hotspots=[place(r) for r in hot.itertuples()],
        persons_of_concern=persons, peer_groups=groups,
        group_links=group_links(an.graph, _membership(an)), panel_children=panel,
        places=[place(r) for r in an.hotspots.sort_values("rank").itertuples()], children=kids,
    )


def group_change_lines(changes: chg.Changes, labels: dict[str, str]) -> dict[str, Any]:
    """What the peer groups did since the last meeting, as the pack prints it: links between
    groups (each pair in the order a reader counts, "Groups 2 and 10", the pairs in that order
    too), groups merged and split, and the notes.

    Examples
    --------
    >>> ch = chg.Changes({}, new_group_links=[{"groups": ["PG10", "PG2"], "via": ["P1"]},
    ...                                       {"groups": ["PG103", "PG59"], "via": ["P2"]}])
    >>> [lk["groups"] for lk in group_change_lines(ch, {"P1": "Ann", "P2": "Bo"})["links"]]
    [['2', '10'], ['59', '103']]
    """
    def by_number(label: str) -> tuple[int, str]:
        return (int(label), "") if label.isdecimal() and label.isascii() else (10**9, label)

    links = [{"groups": sorted((tb.group_label(g) for g in lk["groups"]), key=by_number),
              "via": names_for(lk.get("via", []), labels)} for lk in changes.new_group_links]
    links.sort(key=lambda lk: [by_number(g) for g in lk["groups"]])
    return {
        "links": links,
        "merged": [{**m, "group": tb.group_label(m["group"]), "previous_groups": [tb.group_label(g) for g in m["previous_groups"]]}
                   for m in changes.merged_groups],
        "split": [{**x, "previous_group": tb.group_label(x["previous_group"]), "groups": [tb.group_label(g) for g in x["groups"]]}
                  for x in changes.split_groups],
        "notes": list(changes.notes),
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


def sections(lead: str, *, workspace: bool, gaps: bool) -> list[tuple[str, str]]:
    """The pack's numbered sections after the agenda, in print order: ``(id, title)``.

    Examples
    --------
    >>> [s for s, _ in sections("disruption", workspace=False, gaps=True)]
    ['since', 'trends', 'persons', 'places', 'gaps', 'groups', 'children', 'appendix']
    """
    places, persons = ("places", "Places of concern"), ("persons", "Persons of concern")
    body = [persons, places] if lead == "disruption" else [places, persons]
    if gaps:
        body.append(("gaps", "Intelligence gaps"))
    return [("since", "Since the last meeting"), ("trends", "Trends by month"), *body, ("groups", "Peer groups"), ("children", "Children"),
            ("appendix", "Appendix")]


def _user() -> str:
    import getpass

    return getpass.getuser()


def _audience_note(aud: Any) -> str:
    parts = []
    if not aud.show_names:
        parts.append("children, persons of concern and home addresses appear as pseudonyms a meeting can say "
                     "(Child A is the child of most concern in this pack)")
    if not aud.include_handling_c:
        parts.append("intelligence with handling code C is withheld")
    if not aud.include_e_graded:
        parts.append("intelligence assessed E is withheld")
    if not parts:
        return f"This pack is for the {aud.name} audience and shows all records, including handling code C."
    return f"This pack is for the {aud.name} audience: " + "; ".join(parts) + "."


def _headline(red: Any, ep: pd.DataFrame, mv: Any, overdue: int, count: Any, rhi_hours: float) -> list[dict[str, Any]]:
    """A few headline figures, consistent with the lists below them (new: the states' count)."""
    returned = int(ep["returned"].sum())
    in_time = int(ep["rhi_in_time"].sum())
    share = f" ({100 * in_time / returned:.0f}%)" if returned else ""
    n_missing = int((ep["classification"] == "missing").sum())
    n_absent = int((ep["classification"] == "absent").sum())
    out = [
        {"value": count(int(ep["child_id"].nunique())), "label": "children with an episode"},
        {"value": count(len(ep)), "label": f"episodes ({count(n_missing)} missing, {count(n_absent)} absent)"},
        {"value": f"{count(in_time)} of {count(returned)}{share}", "label": f"returns with an interview within {rhi_hours:g} hours"},
    ]
    st = mv.states
    if st.meeting.new_judged:
        # persons of concern are those linked to a child: the same as page 1's list
        linked = {str(p) for p, n in mv.now.persons.items() if int(n.get("children") or 0) > 0}
        new = {"child": st.count("child", "new"), "location": st.count("location", "new"),
               "person": sum(1 for p, v in st.persons.items() if v["state"] == "new" and p in linked)}
        for kind, one, many in (("child", "new child", "new children"), ("person", "new person of concern", "new persons of concern"),
                                ("location", "new place", "new places")):
            n = new[kind]
            out.append({"value": count(n), "label": one if str(count(n)) == "1" else many})
    out.append({"value": count(len(mv.agenda.children)), "label": "children to decide on today"})
    out.append({"value": count(overdue), "label": "risk reviews overdue"})
    return out


def _state_counts(mv: Any, words: Any, count: Any) -> list[dict[str, Any]]:
    rows = []
    for kind, noun in (("child", "Children"), ("person", "Persons of concern"), ("location", "Places")):
        rows.append({"kind": noun, **{s: count(mv.states.count(kind, s)) for s in ("new", "escalating", "steady", "falling")}})
    return rows


def _context(*, red: Any, an: Any, aud: Any, settings: Any, opts: dict[str, int], period: tuple, changes: Any,
             input_hash: str | None, network_svg: Any, map_svg: Any, files: dict[str, Any], seed: int, words: Any,
             mv: Any, cohort: list[dict[str, Any]], ep: pd.DataFrame, patterns: dict[str, str],
             front: Any) -> dict[str, Any]:
    G = an.graph
    start, end = period
    count = _count(aud)
    labels = mv.labels
    rhi_hours = float(settings.rhi.within_hours)
    places = tb.place_rows(an, mv.states, labels, words, count, patterns=patterns)
    top_places = places[: opts["top_hotspots"]]
    # names listed together go in the pack's order: children as in the children table, persons
    # and places by rank
    person_rank = {str(i): int(r) for i, r in zip(an.persons.index, an.persons["rank"], strict=True)}
    order = {r["id"]: i for i, r in enumerate(cohort)}
    order.update(person_rank)
    order.update({str(i): int(r) for i, r in zip(an.hotspots.index, an.hotspots["rank"], strict=True)})
    # lists of names: namesakes listed together are told apart by their age
    numbers = {str(r["id"]): f"child no. {r['n']}" for r in cohort}
    numbers.update({i: f"person no. {r}" for i, r in person_rank.items()})
    listed = tb.namesakes_told_apart(labels, G, red, on=end, numbers=numbers)
    for g in mv.agenda.gaps:  # "a link between Abbie Thwaite and Abbie Thwaite" says nothing
        g["a_label"], g["b_label"] = listed.get(g["a"], g["a_label"]), listed.get(g["b"], g["b_label"])
    profiles, shown = tb.profile_rows(an, top_places[: opts["profiles"]], listed, words, opts["timeline_rows"], order=order)
    marks = mv.states.marks(words)
    groups, g_edges = tb.group_rows(an, listed, cap=opts["groups"], count=count, seed=seed, words=words, marks=marks,
                                    order=order)
    shown += g_edges
    persons = tb.person_rows(an, red, mv.states, labels, count, end=end, show_names=aud.show_names)
    for p in persons[: opts["top_persons"]]:
        shown += [(p["id"], n) for n in (G[p["id"]] if p["id"] in G else []) if G.nodes[n].get("kind") == "child"]
    overdue = tb.overdue_rows(cohort, settings)
    n_mentions = sum(1 for n, d in G.nodes(data=True) if d.get("kind") == "person" and d.get("provisional") and G.degree(n) > 0)
    provenance = pdata.provenance(G, shown, words=words)
    for r in provenance:
        r["grading"]["code"] = grading_words(r["grading"]["code"], full=True)
    ag = mv.agenda
    show_gaps = aud.include_handling_c or aud.agenda == "disruption"  # page 1 lists gaps: the annex has them all
    group_changes = None
    if changes is not None:
        group_changes = group_change_lines(changes, listed)
    merged = tb.merged_rows(an, labels)
    secs = sections(aud.agenda, workspace=front is not None, gaps=show_gaps)
    return {
        "meta": {
            "area": settings.area, "period_start": pdata.day_text(start) or "the start of the records",
            "period_end": pdata.day_text(end), "audience_label": aud.name, "marking": aud.marking,
            "handling_notice": aud.handling_notice, "produced": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "produced_by": _user(), "input_hash": input_hash or "unknown", "rhi_hours": f"{rhi_hours:g}",
            "suppressed": aud.suppress_below is not None, "suppress_below": aud.suppress_below,
            "audience_note": _audience_note(aud), "lead": aud.agenda, "spoken": bool(mv.spoken),
        },
        "css": pdata.Markup(asset_text("pack.css")), "w": words, "count_words": count_words,
        "headline": _headline(red, ep, mv, len(overdue), count, rhi_hours),
        "meeting": mv.states.meeting, "agenda": ag.blocks(), "agenda_full": ag, "caps": opts,
        "sections": secs, "section_ids": [sid for sid, _ in secs],
        "state_counts": _state_counts(mv, words, count), "group_changes": group_changes, "front": front,
        "map_img": map_svg, "network_img": network_svg, "files": files,
        "places": places, "top_places": top_places, "profiles": profiles,
        "persons": persons, "top_persons": persons[: opts["top_persons"]], "n_mentions": n_mentions,
        "gaps": ag.gaps, "top_gaps": ag.gaps[: opts["gap_rows"]] if show_gaps else [],
        "groups": groups, "groups_total": len(an.peer_groups.groups),
        "group_list": tb.group_list(an, listed, count=count, order=order),
        "cohort": cohort, "top_cohort": cohort[: opts["cohort_rows"]],
        "overdue": overdue, "top_overdue": overdue[: opts["overdue_rows"]],
        "merged": merged, "top_merged": merged[: opts["merged_rows"]] if merged is not None else None,
        "quality": tb.quality_tables(red, settings, words),
        "provenance": _annex_rows(provenance, profiles, opts["provenance_rows"]), "provenance_total": len(provenance),
    }


def _count(aud: Any) -> Any:
    return lambda n: suppress_count(n, aud)


def _episodes(red: Any, period: tuple, settings: Any) -> pd.DataFrame:
    return pdata.episode_table(red, period[0], period[1], float(settings.rhi.within_hours))


def write_pack(staging: Path, *, red: Any, an: Any, aud: Any, settings: Any, opts: dict[str, int], period: tuple,
               prev_state: Any, input_hash: str | None, seed: int, pdf: bool, timings: dict[str, float],
               input_path: Any = None, resolved: bool = True, geo: dict[str, Any] | None = None,
               workspace: Any = None, resolved_ds: Any = None,
               disruption: dict[str, list[dict[str, Any]]] | None = None,
               data_period: str | None = None) -> tuple[list[str], dict[str, Any], Any, Any]:
    """Write the pack's files into ``staging``; return (files, summary, changes, meeting view).

    ``workspace`` is a :class:`~contextmap.pack.workspace.WorkspaceView` (its section opens the
    body, its last meeting and actions feed the agenda); ``resolved_ds`` the dataset before
    redaction (to cut it to what the last meeting had seen); ``disruption`` the agenda's tactics,
    breaches and profiles due (:mod:`contextmap.pack.disruption_agenda`).
    """
    t = time.perf_counter()
    words = vocabulary(settings)
    count = _count(aud)
    geo = geo or {}
    emerging = an.emerging()  # on the analysis' context: the pack builds one
    area_counts = (count_by_area(an, geo["areas"], top_n=opts["top_hotspots"])
                   if geo.get("areas") is not None else None)
    timings["geography"] = time.perf_counter() - t

    t = time.perf_counter()
    mv = meeting_view(an=an, red=red, aud=aud, settings=settings, opts=opts, period=period, words=words, count=count,
                      prev_state=prev_state, workspace=workspace, resolved=resolved_ds, disruption=disruption)
    ep = _episodes(red, period, settings)
    cohort = tb.cohort_rows(red, an, ep, settings, period[1], {}, mv.states, words, [i["id"] for i in mv.agenda.children])
    printed_names(mv, an=an, red=red, aud=aud, cohort_order=[r["id"] for r in cohort], workspace=workspace)
    for r in cohort:
        r["label"] = mv.labels.get(r["id"], r["id"])
    # the analysis' own words give way to the pack's: one state word, reasons in words
    patterns = dict(zip(emerging.places["location_id"].astype(str), emerging.places["category"], strict=True))
    if len(an.hotspots):
        an.hotspots["trend"] = [mv.states.state("location", i) for i in an.hotspots.index.astype(str)]
        an.hotspots["why"] = [place_why(r._asdict(), count=count) for r in an.hotspots.itertuples()]
    timings["states"] = time.perf_counter() - t

    t = time.perf_counter()
    summary = summary_with_extras(an, aud)
    _summary_states(summary, mv)
    summary["areas"] = areas_summary(area_counts)
    (staging / "summary.json").write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    # where the data came from (no identity): `contextmap reveal` re-derives pseudonyms from it
    write_manifest(staging / MANIFEST_FILE, input_path=input_path, input_hash=input_hash, audience=aud.name,
                   ids=summary["ids"], period=period, resolved=resolved, spoken=mv.spoken,
                   data_period=data_period)
    hot = an.hotspots.sort_values("rank").head(opts["top_hotspots"])
    state = pack_state(an, summary, aud, hot, mv.panel, children=mv.now.children)
    state.write(staging / chg.STATE_FILE)
    changes = None
    if prev_state is not None:
        changes = chg.compare(prev_state, state)
        linked = {str(i) for i, n in zip(an.persons.index, an.persons["children_reached"], strict=True) if int(n) > 0}
        chg.from_states(changes, mv.states, top=[str(i) for i in hot.index], ranks=dict(zip(hot.index.astype(str), hot["rank"], strict=True)),
                        linked=linked)
    marks = mv.states.marks(words)
    new_ids = [i for i, v in mv.states.places.items() if v["state"] == "new"]
    m = maps.hotspot_map(an, tiles=settings.map.tiles, attribution=settings.map.attribution or None,
                         audience=aud.name, marking=aud.marking, basemap=geo.get("basemap"),
                         areas=area_counts, new_ids=new_ids, emerging=emerging)
    maps.write_map(m, staging / "hotspot_map.html")
    timings["map"] = time.perf_counter() - t
    t = time.perf_counter()
    view = networkview.network_view(an, audience=aud.name, marking=aud.marking, layout_seed=seed, new=marks,
                                    words=words)
    view.to_html(staging / "network.html")
    printed, network_note = _printed_network(an, opts=opts, seed=seed, words=words, marks=marks, aud=aud)
    network_svg = pdata.svg_markup(pdata.compact_lines(printed.figure(figsize=(10, 7.5))))
    timings["network"] = time.perf_counter() - t

    t = time.perf_counter()
    export_files = write_exports(staging / "exports", red=red, an=an, aud=aud, settings=settings, emerging=emerging,
                                 area_counts=area_counts, states=mv.states, words=words,
                                 positions=dict(zip(view.nodes["id"], zip(view.nodes["x"], view.nodes["y"], strict=True),
                                                    strict=True)))  # the i2 chart as the network view lays it out
    timings["exports"] = time.perf_counter() - t

    t = time.perf_counter()
    files = {"map": "hotspot_map.html", "network": "network.html", "annex": ANNEX_FILES,
             "all": ["pack.pdf", *ANNEX_FILES, "hotspot_map.html", "network.html", "summary.json", chg.STATE_FILE,
                     MANIFEST_FILE, *export_files]}
    fig = printed_map(an.hotspots.reset_index(), basemap=geo.get("basemap"), areas=area_counts, top=opts["top_hotspots"],
                      labels=mv.labels, new_ids=new_ids, source_note=geo.get("basemap_note"))
    map_svg = pdata.svg_markup(pdata.compact_lines(fig)) if fig is not None else None
    front = None
    if workspace is not None:
        from contextmap.pack.workspace import workspace_section

        front = workspace_section(workspace, red=red, aud=aud, period=period, settings=settings, labels=mv.labels,
                                  order={r["id"]: i for i, r in enumerate(cohort)})
    ctx = _context(red=red, an=an, aud=aud, settings=settings, opts=opts, period=period, changes=changes,
                   input_hash=input_hash, network_svg=network_svg, map_svg=map_svg, files=files, seed=seed,
                   words=words, mv=mv, cohort=cohort, ep=ep, patterns=patterns, front=front)
    ctx["areas"] = tb.area_rows(area_counts, count)
    monthly = trends.monthly_figures(red, start=period[0], end=period[1], rhi_hours=float(settings.rhi.within_hours))
    ctx["trends"] = trends.trend_pictures(monthly, rhi_hours=float(settings.rhi.within_hours),
                                          suppress_below=aud.suppress_below)
    ctx["trend_rows"] = trends.trend_rows(monthly, count=count)
    ctx["trends_begin"] = trends.records_begin(red, monthly)  # a first month with nothing before it
    ctx["tactic_caveat"] = TACTIC_CAVEAT
    ctx["network_note"] = network_note
    ctx["emerging_counts"] = {words("patterns", k): v for k, v in emerging.counts().items() if v}
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
                      PdfJob(staging / "annex.html", staging / "annex.pdf", header + " \u00b7 annex", footer)])
        timings["pdf"] = time.perf_counter() - t
    written = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
    return written, summary, changes, mv


PRINTED_NETWORK_MAX = 600
"""Above this many people and places, the printed network shows only what the pack lists."""


def _printed_network(an: Any, *, opts: dict[str, int], seed: int, words: Any, marks: dict[str, str],
                     aud: Any) -> tuple[Any, str]:
    """The network picture to print, its groups named as the pack names them ("Peer group 3"):
    the whole network when it is small enough to read; otherwise the groups the pack lists
    (their children and what binds them) and the top persons of concern with the children they
    reach. Returns the view and a note in words."""
    from types import SimpleNamespace

    from contextmap.graph import induced_subgraph

    G = an.graph
    pg = an.peer_groups
    named = SimpleNamespace(
        membership=pg.membership.map(lambda g: tb.group_label(g) if isinstance(g, str) else g),
        groups=pd.DataFrame(index=pd.Index([tb.group_label(g) for g in pg.groups.index], name="group_id")))
    H, note = G, ""
    if G.number_of_nodes() > PRINTED_NETWORK_MAX:
        keep: list[Any] = []
        for r in pg.groups.head(opts["groups"]).itertuples():
            keep += list(r.children) + list(getattr(r, "binding_persons", []) or []) + list(
                getattr(r, "binding_places", []) or [])
        for p in an.persons.sort_values("rank").index[: opts["top_persons"]]:
            keep.append(p)
            keep += [n for n in (G[p] if p in G else []) if G.nodes[n].get("kind") == "child"]
        H = induced_subgraph(G, list(dict.fromkeys(n for n in keep if n in G)))
        note = (f"The whole network holds {G.number_of_nodes():,} children, persons and places, too many to print "
                f"legibly: drawn here are the {min(opts['groups'], len(pg.groups))} groups and the top "
                f"{min(opts['top_persons'], len(an.persons))} persons of concern this pack lists, with the children "
                f"they reach ({H.number_of_nodes():,} in all). The whole network is in network.html.")
    view = networkview.network_view(H, groups=named, audience=aud.name, marking=aud.marking, layout_seed=seed,
                                    new=marks, words=words, period=an.period)
    return view, note


def _summary_states(summary: dict[str, Any], mv: Any) -> None:
    """The states in ``summary.json``: each place's and person's ``state`` (the ``trend`` of a
    place is the same word), and the last meeting the pack compared with."""
    for h in summary.get("hotspots", []):
        h["state"] = h["trend"] = mv.states.state("location", h["location_id"])
    for p in summary.get("persons_of_concern", []):
        p["state"] = mv.states.state("person", p["person_id"])
    m = mv.states.meeting
    summary["last_meeting"] = {"since": str(m.since.date()), "compared_with": m.words, "source": m.source,
                               "new_judged": m.new_judged}
    summary["agenda"] = {
        "children": [{"child_id": i["id"], "why": i["why"]} for i in mv.agenda.children],
        # from a workspace (empty without one): the disruption blocks, as the audience sees them
        "tactics": [{"tactic": i["id"], "case": i["case"], "state": i["state"], "why": i["why"]} for i in mv.agenda.tactics],
        "breaches": [{"breach": i["id"], "tactic": i["tactic"], "why": i["why"]} for i in mv.agenda.breaches],
        "profiles_due": [{"profile": i["id"], "why": i["why"]} for i in mv.agenda.profiles],
        "persons_of_concern": [{"person_id": i["id"], "state": i["state"], "why": i["why"]} for i in mv.agenda.persons],
        "places": [{"location_id": i["id"], "state": i["state"], "why": i["why"]} for i in mv.agenda.places],
    }


def _annex_rows(provenance: list[dict[str, Any]], profiles: list[dict[str, Any]], cap: int) -> list[dict[str, Any]]:
    """The annex's rows: the first ``cap``, and every record the pack itself refers to (a record
    number printed in the pack must be found in its annex)."""
    referenced = {r["record"] for p in profiles for r in p["timeline"] if r.get("record")}
    return [r for i, r in enumerate(provenance)
            if i < cap or (r.get("link_id") or r.get("episode_id")) in referenced]

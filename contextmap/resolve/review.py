"""The review queue: the doubtful person and place pairs, for an analyst to decide on one offline page.

A pair is *doubtful* when its match probability lies in the review band around the
threshold (default 0.1 to 0.95), or when it scored at or above the threshold but the
anti-chaining guard refused to join it (different dates of birth, a different forename, a
child and an adult, a person record that matches two children...). Person pairs include a
person record and a child's record (a police spelling of a child); the page says which
record is which.
Pairs the decisions file already settles are left out. :func:`write_review` writes one
self-contained HTML page: each pair with both records side by side and a waterfall of the
match weights (the prior, then what agreed and what disagreed, to the final score); the
analyst marks *merge*, *keep apart* or *not sure*, and *Save decisions* downloads a
decisions file (made in the page, no server) that ``contextmap resolve --decisions`` reads.

The page makes no network request (a Content-Security-Policy forbids any), its script is
inline, and every data string reaches the page as JSON inside a ``<script
type="application/json">`` element and is shown with ``textContent``, never as HTML.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from contextmap._errors import ConfigError
from contextmap.dataset import Dataset
from contextmap.files import check_writable
from contextmap.resolve.decisions import LINK_END, Decisions, as_decisions, link_keys
from contextmap.resolve.persons import (
    DEFAULT_ENGINE,
    DEFAULT_PERSON_THRESHOLD,
    PersonResolution,
    resolve_persons,
)
from contextmap.resolve.places import DEFAULT_PLACE_THRESHOLD, LocationResolution, resolve_locations

__all__ = ["OTHERS_SHOWN", "REVIEW_BAND", "other_candidates", "review_pairs", "write_review"]

REVIEW_BAND = (0.1, 0.95)
"""Match probabilities from which (inclusive) to which (exclusive) a pair is doubtful."""

_FIELDS = ("name", "aliases", "date_of_birth", "gender", "phone", "vehicle", "social_media")
_PLACE_FIELDS = ("name", "category", "address", "postcode")


def review_pairs(res: PersonResolution | LocationResolution, *, band: tuple[float, float] = REVIEW_BAND,
                 limit: int = 500) -> pd.DataFrame:
    """The doubtful pairs of a person or place resolution, most doubtful first.

    Parameters
    ----------
    res
        A :func:`~contextmap.resolve.persons.resolve_persons` or
        :func:`~contextmap.resolve.places.resolve_locations` result.
    band
        ``(low, high)``: pairs with ``low <= match_probability < high`` are doubtful.
    limit
        At most this many pairs (the closest to the threshold).

    Returns
    -------
    pandas.DataFrame
        ``res.pairs`` rows (not yet decided) with a ``status`` column: ``joined``, ``not
        joined`` or ``refused by the guard``, and ``reason`` (why the guard refused it).

    Examples
    --------
    >>> from contextmap.resolve import example_dataset
    >>> q = review_pairs(resolve_persons(example_dataset()), band=(0.05, 0.95))
    >>> q[["record_a", "record_b", "status"]].to_dict("records")  # T Grant / Tom Grant
    [{'record_a': 'P2', 'record_b': 'P4', 'status': 'not joined'}]
    """
    lo, hi = band
    if not (0.0 <= lo < hi <= 1.0):
        raise ConfigError(f"Expected band to be (low, high) with 0 <= low < high <= 1, instead got: {band!r}")
    p = res.pairs
    if not len(p):
        return p.assign(status=pd.Series(dtype=object), reason=pd.Series(dtype=object))
    refused = (dict(zip(zip(res.refused["record_a"], res.refused["record_b"], strict=True), res.refused["reason"], strict=True))
               if len(res.refused) else {})
    key = list(zip(p["record_a"], p["record_b"], strict=True))
    is_refused = np.array([k in refused for k in key], dtype=bool)
    prob = p["match_probability"].to_numpy(dtype=float)
    doubt = ((prob >= lo) & (prob < hi)) | is_refused
    doubt &= p["decision"].to_numpy(dtype=object) == ""
    out = p[doubt].copy()
    out["status"] = np.where(is_refused[doubt], "refused by the guard",
                             np.where(out["joined"].to_numpy(dtype=bool), "joined", "not joined"))
    out["reason"] = [str(refused.get(k, "")) for k, d in zip(key, doubt, strict=True) if d]
    t = float(np.clip(res.threshold, 1e-9, 1 - 1e-9))
    distance = np.abs(out["match_weight"].to_numpy(dtype=float) - np.log2(t / (1 - t)))
    out = out.assign(_d=distance).sort_values(["_d", "record_a", "record_b"], kind="stable")
    return out.drop(columns="_d").head(limit).reset_index(drop=True)


def _records(ds: Dataset, ids: set[str]) -> dict[str, dict[str, str]]:
    """The fields the page shows for each record in ``ids`` (persons, children and places);
    person and child records say which they are (``record``)."""
    out: dict[str, dict[str, Any]] = {}
    ends = _link_ends_of(ds, ids)
    for frame, key, fields in ((ds.persons, "person_id", _FIELDS), (ds.children, "child_id", _FIELDS),
                               (ds.locations, "location_id", _PLACE_FIELDS)):
        for row in frame[frame[key].astype(str).isin(ids)].to_dict("records"):
            rec: dict[str, Any] = {}
            prov = row.get("provisional")
            made = (isinstance(prov, bool | np.bool_) and bool(prov)) or str(row[key]).startswith("prov-l-")
            if key == "child_id":
                rec["record"] = "a child's record"
            elif key == "person_id":
                rec["record"] = "provisional (made from a name in a link)" if made else "person record"
            at = ends.get(str(row[key]), []) if made and key != "child_id" else []
            if at:  # a decision names where the name or place text was written: it lasts when the id changes
                name = row.get("name")  # and the name written there: a changed link ends it
                name = " ".join(name.split()) if isinstance(name, str) else ""  # one line: the file is read by lines
                rec["ends"] = [f"{e}={name}" for e in at] if name else at
                rec["written_at"] = ", ".join(at[:3]) + (f" and {len(at) - 3} more" if len(at) > 3 else "")
            for f in fields:
                v = row.get(f)
                if v is None or (not isinstance(v, str) and pd.isna(v)):
                    continue
                rec[f] = v.date().isoformat() if isinstance(v, pd.Timestamp) else str(v)
            if key == "location_id":
                e, n = row.get("easting"), row.get("northing")
                if isinstance(e, float) and isinstance(n, float) and np.isfinite(e) and np.isfinite(n):
                    rec["grid"] = f"E {e:,.0f}, N {n:,.0f}"
            out[str(row[key])] = rec
    return out


def _link_ends_of(ds: Dataset, ids: set[str], most: int = 50) -> dict[str, list[str]]:
    """The links' ends (``link:<link id>:<side>``) where each id in ``ids`` is written, at most
    ``most`` each (a decision names those: see :meth:`~contextmap.resolve.decisions.Decisions.at_link_ends`)."""
    out: dict[str, list[str]] = {}
    li = ds.links
    if li is None or li.empty or "link_id" not in li:
        return out
    keys = link_keys(ds)  # the link's identity (id@agency): the same in every month and workspace
    for side in ("source", "target"):
        col = li[f"{side}_id"].astype(str)
        hit = col.isin(ids)
        for rid, lid in zip(col[hit], keys[hit].astype(str), strict=True):
            at = out.setdefault(rid, [])
            if len(at) < most:
                at.append(f"{LINK_END}{lid}:{side}")
    return out


OTHERS_SHOWN = 4
"""At most this many other candidates shown for each record of a pair on the page."""


def other_candidates(pairs: pd.DataFrame, queue: pd.DataFrame, *, most: int = OTHERS_SHOWN) -> list[list[dict]]:
    """For each pair of ``queue``: the other records either of its two records was scored
    against (``pairs``: a resolution's ``pairs``, the analyst's decisions left out), the most
    likely first, at most ``most`` for each record: ``{"of": record, "id": other, "p":
    probability, "joined": bool}``. A police "Owen Salkeld" that may be one of three children
    or adults of that name is decided with all of them in sight.

    Examples
    --------
    >>> pairs = pd.DataFrame({"record_a": ["C1", "C2", "C1"], "record_b": ["P1", "P1", "P9"],
    ...                       "match_probability": [0.45, 0.44, 0.2], "joined": [False, False, False],
    ...                       "decision": ["", "", ""]})
    >>> other_candidates(pairs, pairs.iloc[:1])[0]
    [{'of': 'C1', 'id': 'P9', 'p': 0.2, 'joined': False}, {'of': 'P1', 'id': 'C2', 'p': 0.44, 'joined': False}]
    """
    if not len(queue):
        return []
    undecided = pairs[pairs["decision"].astype(str) == ""] if "decision" in pairs.columns else pairs
    ids = set(queue["record_a"].astype(str)) | set(queue["record_b"].astype(str))
    a, b = undecided["record_a"].astype(str).to_numpy(dtype=object), undecided["record_b"].astype(str).to_numpy(dtype=object)
    both = pd.DataFrame({"rec": np.concatenate([a, b]), "other": np.concatenate([b, a]),
                         "p": np.tile(undecided["match_probability"].to_numpy(dtype=float), 2),
                         "joined": np.tile(undecided["joined"].to_numpy(dtype=bool), 2)})
    both = both[both["rec"].isin(ids)].sort_values(["rec", "p", "other"], ascending=[True, False, True], kind="stable")
    both = both.groupby("rec", sort=False).head(most + 1)  # one more: the pair itself may be among them
    by_rec: dict[str, list[tuple[str, float, bool]]] = {}
    for rec, other, p, joined in zip(both["rec"], both["other"], both["p"], both["joined"], strict=True):
        by_rec.setdefault(rec, []).append((other, float(p), bool(joined)))
    out = []
    for ra, rb in zip(queue["record_a"].astype(str), queue["record_b"].astype(str), strict=True):
        row = []
        for rec, partner in ((ra, rb), (rb, ra)):
            row += [{"of": rec, "id": o, "p": round(p, 4), "joined": j}
                    for o, p, j in by_rec.get(rec, []) if o != partner][:most]
        out.append(row)
    return out


def _page_pairs(queue: pd.DataFrame, kind: str, others: list[list[dict]]) -> list[dict]:
    return [{"a": r.record_a, "b": r.record_b, "kind": kind, "p": float(r.match_probability), "status": r.status,
             "weight": float(r.match_weight),
             "explanation": r.explanation + (f"; refused: {r.reason}" if getattr(r, "reason", "") and
                                              str(r.reason) not in r.explanation else ""),
             "waterfall": json.loads(r.waterfall) if r.waterfall else [], "others": o}
            for r, o in zip(queue.itertuples(), others, strict=True)]


def write_review(
    ds: Dataset,
    path: str | Path,
    *,
    decisions: Decisions | str | Path | None = None,
    engine: str = DEFAULT_ENGINE,
    threshold: float | None = None,
    band: tuple[float, float] = REVIEW_BAND,
    limit: int = 500,
    overwrite: bool = False,
    title: str = "Entity resolution: pairs to review",
    places: bool = True,
) -> Path:
    """Resolve the persons (and places) of ``ds`` and write the review page of the doubtful pairs.

    Parameters
    ----------
    ds
        A validated dataset (:func:`contextmap.load`).
    path
        The HTML file to write (refused if it exists, unless ``overwrite``).
    decisions
        Decisions already taken: honoured by the resolution, and their pairs left out.
    engine, threshold
        As for :func:`~contextmap.resolve.persons.resolve_persons` (places keep their own
        threshold, :data:`~contextmap.resolve.places.DEFAULT_PLACE_THRESHOLD`).
    band, limit
        As for :func:`review_pairs` (``limit`` for persons and places each).
    places
        Also queue the doubtful place pairs (fixed weights, :data:`~contextmap.resolve.places.PLACE_WEIGHTS`).
    overwrite
        Replace an existing file.
    title
        The page's heading.

    Returns
    -------
    pathlib.Path
        The page written.
    """
    out = check_writable(path, overwrite=overwrite, argument="path")
    dec = as_decisions(decisions)
    res = resolve_persons(ds, decisions=dec, engine=engine,
                          threshold=DEFAULT_PERSON_THRESHOLD if threshold is None else threshold)
    queue = review_pairs(res, band=band, limit=limit)
    model = res.model.note if res.model is not None else "fixed weights (PERSON_WEIGHTS), no Splink model"
    pairs = _page_pairs(queue, "person", other_candidates(res.pairs, queue))
    if places:
        place_res = resolve_locations(ds, decisions=dec)
        place_queue = review_pairs(place_res, band=band, limit=limit)
        pairs += _page_pairs(place_queue, "place", other_candidates(place_res.pairs, place_queue))
        queue = pd.concat([queue, place_queue], ignore_index=True)
        model = (f"Persons: {model}. Places: fixed weights (PLACE_WEIGHTS), threshold "
                 f"{DEFAULT_PLACE_THRESHOLD}")
    ids = set(queue["record_a"]) | set(queue["record_b"]) | {o["id"] for pr in pairs for o in pr["others"]}
    data = {
        "title": title,
        "threshold": res.threshold,
        "band": list(band),
        "model": model,
        "decisions_source": dec.source if len(dec) else "",
        "created": datetime.now().strftime("%d %b %Y %H:%M"),
        "records": _records(ds, ids),
        "pairs": pairs,
    }
    out.write_text(_page(data), encoding="utf-8")
    return out


def _page(data: dict) -> str:
    # JSON inside <script type="application/json">: "<", ">" and "&" escaped so that no data
    # string can close the element or open a comment; read back with JSON.parse
    blob = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _TEMPLATE.replace("__TITLE__", html.escape(data["title"])).replace("__DATA__", blob)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f4f5f7; }
.marking { background: #1d3557; color: #fff; text-align: center; font-weight: 600; padding: 4px; letter-spacing: .05em; }
.head, main { max-width: 1100px; margin: 0 auto; padding: 12px 20px; }
h1 { font-size: 1.4em; margin: 8px 0; }
.meta { color: #444; font-size: .9em; }
.bar { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc; padding: 8px 20px; display: flex; gap: 16px; align-items: center; z-index: 2; }
.bar button { font-size: 1em; padding: 6px 14px; background: #1d3557; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
.pair { background: #fff; border: 1px solid #d0d4da; border-radius: 6px; margin: 14px 0; padding: 12px 16px; }
.pair h2 { font-size: 1.05em; margin: 0 0 6px; }
.status { font-size: .85em; padding: 2px 8px; border-radius: 10px; background: #e9ecef; margin-left: 8px; }
.status.refused { background: #ffe3c2; }
.status.joined { background: #d8f0dc; }
table.recs { border-collapse: collapse; margin: 6px 0 10px; font-size: .92em; }
table.recs th, table.recs td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
table.recs td { overflow-wrap: anywhere; }  /* a long link id wraps on a phone instead of running off the page */
table.recs th { background: #f1f3f5; font-weight: 600; }
.choices label { margin-right: 18px; cursor: pointer; }
.expl { color: #333; font-size: .88em; margin: 4px 0 8px; }
.others { font-size: .88em; color: #333; }
.others p { margin: 4px 0 2px; }
.others ul { margin: 0 0 8px; padding-left: 22px; }
svg text { font-size: 11px; fill: #222; }
.pos { fill: #2a9d8f; } .neg { fill: #d62828; } .tot { fill: #1d3557; } .prior { fill: #8d99ae; }
</style>
</head>
<body>
<div role="banner">
<div class="marking">OFFICIAL-SENSITIVE</div>
<div class="head">
<h1 id="title"></h1>
<div class="meta" id="meta"></div>
</div>
</div>
<nav class="bar" aria-label="Decisions"><button id="save" type="button">Save decisions</button><span id="count"></span></nav>
<main id="pairs"></main>
<footer class="marking">OFFICIAL-SENSITIVE</footer>
<script type="application/json" id="cm-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cm-data").textContent);
  var choice = {};
  var SVGNS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  document.getElementById("title").textContent = data.title;
  var nPlaces = data.pairs.filter(function (pr) { return pr.kind === "place"; }).length;
  document.getElementById("meta").textContent = (data.pairs.length - nPlaces) + " person pairs and " + nPlaces +
    " place pairs to review (match probability " +
    data.band[0] + " to " + data.band[1] + ", or refused by the guard); threshold " + data.threshold + ". " +
    data.model + ". Made " + data.created + (data.decisions_source ? "; decisions already taken: " + data.decisions_source : "") + ".";

  function waterfall(steps, noun) {
    // steps: [[label, weight], ...], the prior first; bars from the running total
    // the label column as wide as the longest label needs (up to 640 px; a longer one is cut
    // with its whole text as the label's title), the drawing scaled to the page's width
    var longest = Math.max.apply(null, steps.map(function (s) { return s[0].length; }).concat([20]));
    var rowH = 18, left = Math.min(Math.max(330, Math.ceil(longest * 6.6) + 12), 640), width = 420, n = steps.length + 1;
    var fits = Math.floor((left - 12) / 6.6);
    var totals = [0], run = 0;
    steps.forEach(function (s) { run += s[1]; totals.push(run); });
    var lo = Math.min.apply(null, totals.concat([0])), hi = Math.max.apply(null, totals.concat([0]));
    if (hi - lo < 1) { hi = lo + 1; }
    var x = function (v) { return left + (v - lo) / (hi - lo) * width; };
    var svg = sv("svg", {width: left + width + 70, height: n * rowH + 24, role: "img",
                         viewBox: "0 0 " + (left + width + 70) + " " + (n * rowH + 24), style: "max-width: 100%; height: auto"});
    svg.appendChild(sv("title", {}, "Waterfall of match weights (bits): what agreed adds, what disagreed subtracts"));
    svg.appendChild(sv("line", {x1: x(0), x2: x(0), y1: 0, y2: n * rowH + 4, stroke: "#999"}));
    var acc = 0;
    steps.forEach(function (s, i) {
      var a = acc, b = acc + s[1];
      acc = b;
      var y = i * rowH + 2;
      var label = s[0].length > fits ? s[0].slice(0, fits - 1) + "\u2026" : s[0];
      var t = sv("text", {x: left - 6, y: y + 12, "text-anchor": "end"}, label);
      if (label !== s[0]) { t.appendChild(sv("title", {}, s[0])); }
      svg.appendChild(t);
      var cls = i === 0 ? "prior" : (s[1] >= 0 ? "pos" : "neg");
      svg.appendChild(sv("rect", {x: Math.min(x(a), x(b)), y: y, width: Math.max(1, Math.abs(x(b) - x(a))), height: rowH - 4, "class": cls}));
      svg.appendChild(sv("text", {x: Math.max(x(a), x(b)) + 4, y: y + 12}, (s[1] >= 0 ? "+" : "") + s[1].toFixed(1)));
    });
    var y = steps.length * rowH + 2;
    svg.appendChild(sv("text", {x: left - 6, y: y + 12, "text-anchor": "end", "font-weight": "bold"}, "match weight (total)"));
    svg.appendChild(sv("rect", {x: Math.min(x(0), x(acc)), y: y, width: Math.max(1, Math.abs(x(acc) - x(0))), height: rowH - 4, "class": "tot"}));
    svg.appendChild(sv("text", {x: Math.max(x(0), x(acc)) + 4, y: y + 12}, (acc >= 0 ? "+" : "") + acc.toFixed(1)));
    svg.appendChild(sv("text", {x: left, y: n * rowH + 20}, "bits of evidence: right of the line for " + noun + ", left against"));
    return svg;
  }

  var FIELDS = {person: [["record", "Record"], ["name", "Name"], ["aliases", "Aliases"], ["date_of_birth", "Date of birth"], ["gender", "Gender"],
                         ["phone", "Phone"], ["vehicle", "Vehicle"], ["social_media", "Social media"], ["written_at", "Written at"]],
                place: [["name", "Name"], ["category", "Category"], ["address", "Address"], ["postcode", "Postcode"],
                        ["grid", "Grid reference (BNG)"], ["written_at", "Written at"]]};
  var NOUN = {person: ["the same person", "two people"], place: ["the same place", "two places"]};
  function described(id, kind) {
    // "1038294 Owen Salkeld (a child's record, born 2011-10-25)"
    var r = data.records[id] || {}, bits = [];
    if (kind === "person") {
      if (r.record) { bits.push(r.record); }
      if (r.date_of_birth) { bits.push("born " + r.date_of_birth); }
    } else {
      if (r.category) { bits.push(r.category); }
      if (r.postcode) { bits.push(r.postcode); }
    }
    return id + (r.name ? " " + r.name : "") + (bits.length ? " (" + bits.join(", ") + ")" : "");
  }
  function others(pr, kind) {
    // the other records either side was scored against: a name several records share is
    // decided with all of them in sight
    var box = el("div", {"class": "others"});
    [pr.a, pr.b].forEach(function (rec) {
      var mine = pr.others.filter(function (o) { return o.of === rec; });
      if (!mine.length) { return; }
      box.appendChild(el("p", {}, rec + " was also compared with (the most likely first):"));
      var ul = el("ul");
      mine.forEach(function (o) {
        ul.appendChild(el("li", {}, described(o.id, kind) + ": " + Math.round(o.p * 1000) / 10 + " % " +
                                    NOUN[kind][0] + (o.joined ? ", joined" : "")));
      });
      box.appendChild(ul);
    });
    return box;
  }
  var main = document.getElementById("pairs");
  data.pairs.forEach(function (pr, i) {
    var box = el("section", {"class": "pair", "data-pair": String(i)});
    var kind = pr.kind === "place" ? "place" : "person";
    var h = el("h2", {}, pr.a + " and " + pr.b + ": " + Math.round(pr.p * 1000) / 10 + " % " + NOUN[kind][0]);
    var st = el("span", {"class": "status " + (pr.status === "joined" ? "joined" : pr.status.indexOf("refused") === 0 ? "refused" : "")}, pr.status);
    h.appendChild(st);
    box.appendChild(h);
    var t = el("table", {"class": "recs"});
    var head = el("tr");
    head.appendChild(el("td", {}, ""));  // the corner: no header of its own
    head.appendChild(el("th", {}, pr.a));
    head.appendChild(el("th", {}, pr.b));
    t.appendChild(head);
    var ra = data.records[pr.a] || {}, rb = data.records[pr.b] || {};
    FIELDS[kind].forEach(function (f) {
      if (ra[f[0]] === undefined && rb[f[0]] === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", {}, f[1]));
      tr.appendChild(el("td", {}, ra[f[0]] === undefined ? "" : ra[f[0]]));
      tr.appendChild(el("td", {}, rb[f[0]] === undefined ? "" : rb[f[0]]));
      t.appendChild(tr);
    });
    box.appendChild(t);
    if (pr.others && pr.others.length) { box.appendChild(others(pr, kind)); }
    box.appendChild(el("div", {"class": "expl"}, pr.explanation));
    if (pr.waterfall.length) { box.appendChild(waterfall(pr.waterfall, NOUN[kind][0])); }
    var ch = el("div", {"class": "choices"});
    [["merge", "Merge (" + NOUN[kind][0] + ")"], ["keep apart", "Keep apart (" + NOUN[kind][1] + ")"], ["not sure", "Not sure"]].forEach(function (c) {
      var lab = el("label");
      var inp = el("input", {type: "radio", name: "pair-" + i, value: c[0]});
      inp.addEventListener("change", function () { choice[i] = c[0]; count(); });
      lab.appendChild(inp);
      lab.appendChild(document.createTextNode(" " + c[1]));
      ch.appendChild(lab);
    });
    box.appendChild(ch);
    main.appendChild(box);
  });

  function count() {
    var n = Object.keys(choice).length;
    document.getElementById("count").textContent = n + " of " + data.pairs.length + " pairs decided";
  }
  count();

  function quote(id) {
    // the decisions file is read with shell-like words: quote ids that need it
    if (/^[A-Za-z0-9_.:@\\-]+$/.test(id)) { return id; }
    return '"' + id.replace(/\\\\/g, "\\\\\\\\").replace(/"/g, '\\\\"') + '"';
  }
  // the characters that end a line where a decisions file is read (Python's str.splitlines)
  var BREAKS = /[\\n\\r\\x0b\\x0c\\x1c-\\x1e\\x85\\u2028\\u2029]/;
  function oneLine(s) { return String(s).replace(/[\\n\\r\\x0b\\x0c\\x1c-\\x1e\\x85\\u2028\\u2029]+/g, " "); }

  function decisionsText() {
    var lines = ["# contextmap review decisions, saved " + new Date().toISOString().slice(0, 16).replace("T", " ") +
                 " from the review page (" + oneLine(data.title) + ")"];
    data.pairs.forEach(function (pr, i) {
      var c = choice[i];
      if (!c) { return; }
      var ra = data.records[pr.a] || {}, rb = data.records[pr.b] || {};
      lines.push("# " + oneLine(pr.a + " " + (ra.name || "") + " / " + pr.b + " " + (rb.name || "")) + ": " +
                 Math.round(pr.p * 1000) / 10 + " %, " + pr.status);
      if (BREAKS.test(pr.a + pr.b + (ra.ends || []).join("") + (rb.ends || []).join(""))) {
        lines.push("# (ids hold a line break: decide this pair by hand)"); return;
      }
      if (c === "not sure") { lines.push("# not sure: " + quote(pr.a) + " " + quote(pr.b)); return; }
      // a record made from a name in links is decided where the name was written (the record's
      // id can change next month; the link's end does not): a merge joins every end to the
      // other side, a keep-apart separates every pair
      var ea = ra.ends && ra.ends.length ? ra.ends : [pr.a], eb = rb.ends && rb.ends.length ? rb.ends : [pr.b];
      var pairs = [];
      if (c === "merge") {
        ea.forEach(function (x) { pairs.push([x, eb[0]]); });
        eb.slice(1).forEach(function (y) { pairs.push([ea[0], y]); });
      } else {
        ea.forEach(function (x) { eb.forEach(function (y) { pairs.push([x, y]); }); });
      }
      pairs.forEach(function (q) { lines.push(c + " " + quote(q[0]) + " " + quote(q[1])); });
    });
    return lines.join("\\n") + "\\n";
  }
  window.contextmapDecisionsText = decisionsText;

  document.getElementById("save").addEventListener("click", function () {
    var blob = new Blob([decisionsText()], {type: "text/plain"});
    var a = el("a", {href: URL.createObjectURL(blob), download: "decisions.txt"});
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });
  document.documentElement.setAttribute("data-cm-ready", "1");
})();
</script>
</body>
</html>
"""

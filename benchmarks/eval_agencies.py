"""Two agencies, one truth: measure identity across agencies, place text and month-to-month imports.

Generates (seeded) a council's case-system workbook and a police force's CSV extracts for
``--months`` months (``contextmap sample --agencies``, :mod:`contextmap.sample.agencies`), loads
each month through the generated ``sources.yaml`` with entity resolution on
(:func:`contextmap.resolve_dataset`, as ``analyze`` and ``pack`` run it), and scores the result
against ``truth/``. Every figure is per month (the month's exports loaded on their own, as a
team would validate them) and, in the last column, over all months pooled.

Metrics (targets from issue 20):

* **child-to-person matches** (precision >= 0.98, recall >= 0.95). The references scored are the
  police nominals and every link end named in words (police ``Associate Name``, council
  ``Associated With``), each keyed by the agency's reference (nominal ref; ``<Intel Ref>|target``;
  the council association's content key ``|target``). A reference's *prediction* is the entity
  its record or link end belongs to after resolution (the nominal's person record; the link's
  ``source_id``/``target_id`` mapped through the resolution). It is a *child match* when that
  entity is a council child. Precision = child matches to the true child / child matches
  (an adult or the wrong child matched to a child is wrong); recall = child matches to the true
  child / references whose truth is a child the month's export holds (the police know some
  children before the council's export lists them: such references are counted apart, as
  ``child_not_in_export``). Link ends given as an id (the council's ``Person
  ID``, the police ``Nominal Ref``) are not scored here (the nominal itself is).
  Shown beside it (no target): the same over references to people whose full name no other
  child or adult of the generated world has. The generator draws names from small pools (30
  given names a gender, 48 surnames), so about half the children share their full name with
  another child and half the adults with a child: a reference by name alone to such a person is
  undecidable without context, which no real region comes near (about 1% of 2,000 children share
  a full name). And the recall split by what the reference itself says: references whose
  written name (with its date of birth, when it gives the right one) fits the true child alone
  among the children of the month's export and the adults the month's references name
  (*singled out*), and the rest (*fit others too*: the written name is another's as well, and
  only sex, the relation word or the link context can say which; an alias fits everyone whose
  records carry it). The share singled out bounds what name and date of birth alone can reach.
* **RHI mentions of children** (reported, no target): the same for the "Who were you with?"
  mentions, keyed ``<Episode No>|<mention>``, predicted by ``resolution.mentions``.
* **non-persons made persons** (target 0): RHI text the truth says names no person at all (a
  vehicle: ``a guy called Tandz with a white Golf`` gives ``a white Golf``) that became a person
  mention. (Someone named but not in the data, ``a lad called Kai``, is a person: not counted.)
* **place-text matches** (precision >= 0.98, recall >= 0.90): every found-at text (``Location
  Found``) and every place named in a link (council ``Associated With`` of a place relation,
  police ``Location``). Prediction: the episode's ``found_location_id`` or the link's place end,
  mapped to its entity; the entity's true place is that of its records (``truth/place_records``;
  a child's home location, when a place was made from ``Home Address``, is that child's true home).
  Recall = texts matched to their true place / texts whose truth is a place that has a record
  (or is the home of a child in the month's export). Precision = texts matched to their true
  place / texts matched to any true place, non-place texts included (``Home`` matched to the
  child's own home counts neither way).
* **non-places listed / ranked** (target 0): distinct location entities made only from non-place
  text (``Home``, ``friends house``, ``Returned home of own accord``, ``a hotel``, ``unknown``) that
  are in the resolved dataset's locations (*listed*) and in :func:`contextmap.hotspots.rank_locations`
  (*ranked*; ``top 10`` in its first ten).
* **rows lost** (target 0): rows written (``truth/rows.csv``) minus accepted + quarantined +
  exact duplicates merged, over the five tables; quarantined rows are shown too.
* **re-import adds** (target 0): importing the first month into a new workspace
  (:mod:`contextmap.workspace`), then the same month again: rows counted new or changed by the
  second import.
* **month 2 excess new** (target 0): rows the workspace counts new on importing the next month,
  minus rows really new (``truth/months.csv``: a key never exported before) and the provisional
  records made from names not seen before (per table, floored at 0, summed). Shown beside it
  (no target): *excess changed*, rows counted changed beyond those whose exported content
  really changed (a link whose name now matches another record, for example).
* **POC reach**: for the planted person of concern reaching most children, the children linked to
  the entity his police nominals resolved into (without a nominal that month: the entity most
  references to him resolved into), by any link or RHI mention, that truly are his,
  against the children the month's references truly link him to; and the mean of that share
  over all driving persons of concern.
* **validate wall time** (target <= 15 s): ``contextmap validate`` of the last month of a separate
  two-agency export of about ``--speed-episodes`` (10,000) episodes a month, run as a command
  (start-up included); its CPU time is shown beside it, since a shared machine stretches wall time.

Features other engineers add are detected, never assumed: ``{period}`` file patterns and
``--period`` (months), the ``gazetteer:`` key and ``home_address``/``home_postcode`` (places).
When a feature is missing the month is read through a copy of the manifest without it (files
named for the month; the key or columns removed), and the report says so.

Run::

    .venv/bin/python benchmarks/eval_agencies.py [--children 2000] [--seed 0] [--months 2] [--names small|region] [--json FILE]

``--names region`` draws surnames from 945 instead of 48 (``generate_agencies(names=...)``), so
that few children share a full name, as in a real region; the default keeps the hard case.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import contextmap
from contextmap._errors import MappingError
from contextmap.hotspots import rank_locations
from contextmap.resolve.dataset import resolve_dataset
from contextmap.sample.agencies import MANIFEST, period_file, write_agencies
from contextmap.sample.agency_text import NICKNAMES

TARGETS = {"child_precision": (">=", 0.98), "child_recall": (">=", 0.95), "place_precision": (">=", 0.98),
           "place_recall": (">=", 0.90), "non_places_listed": ("<=", 0), "non_places_ranked": ("<=", 0),
           "non_persons_as_persons": ("<=", 0), "rows_lost": ("<=", 0), "reimport_added": ("<=", 0),
           "month2_excess_new": ("<=", 0), "validate_seconds": ("<=", 15.0)}
FEATURES = {
    "period": "months: {period} file patterns, load(period=) and --period",
    "gazetteer": "places: the manifest's gazetteer: key (ONSPD / OS Open Names)",
    "homes": "places: home_address / home_postcode in children",
}


def fold(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


# --- reading a month, with or without the features under construction ------------------------


def _accepts(fn: Any, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class MonthReader:
    """Reads one month of the generated exports, working round the features the code lacks."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.spec = yaml.safe_load((out / MANIFEST).read_text(encoding="utf-8"))
        self.missing: dict[str, str] = {}
        if not _accepts(contextmap.load, "period"):
            self.missing["period"] = "contextmap.load has no period argument"

    def _compat(self, period: str) -> Path:
        spec = json.loads(json.dumps(self.spec))
        for src in spec["sources"]:
            src["file"] = period_file(src["file"], period)
        if "gazetteer" in self.missing:
            spec.pop("gazetteer", None)
        if "homes" in self.missing:
            for src in spec["sources"]:
                for sh in src.get("sheets", []):
                    cols = sh.get("columns", {})
                    for local in [k for k, v in cols.items() if v in ("home_address", "home_postcode", "home_grid_reference")]:
                        cols.pop(local)
        path = self.out / f"_eval_sources_{period}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def target(self, period: str) -> tuple[Path, dict[str, Any]]:
        """The manifest to read ``period`` with, and the keyword arguments for load/import."""
        if "period" in self.missing or self.missing:
            return self._compat(period), {}
        return self.out / MANIFEST, {"period": period}

    def load(self, period: str) -> contextmap.Dataset:
        for _ in range(len(FEATURES) + 1):
            path, kw = self.target(period)
            try:
                return contextmap.load(path, **kw)
            except MappingError as exc:
                text = str(exc)
                if "gazetteer" in text and "gazetteer" not in self.missing:
                    self.missing["gazetteer"] = text.splitlines()[0][:160]
                elif re.search(r"home_(address|postcode|grid_reference)", text) and "homes" not in self.missing:
                    self.missing["homes"] = text.splitlines()[0][:160]
                else:
                    raise
        raise RuntimeError("could not read the month")

    def cli_args(self, period: str) -> list[str]:
        path, kw = self.target(period)
        return [str(path)] + (["--period", period] if kw else [])


# --- scoring one month --------------------------------------------------------------------------


def _record_keys(ds: contextmap.Dataset, table: str, rows: pd.DataFrame) -> pd.Series:
    """Each row of ``ds.table(table)`` -> the written row's key (NaN for rows ingest made)."""
    prov = ds.report.provenance[table]
    label = rows["file"] + rows["sheet"].map(lambda s: f"[{s}]" if s else "")
    lookup = dict(zip(zip(label, rows["row"].astype(int), strict=True), rows["key"], strict=True))
    keys = [lookup.get((f, int(r))) if pd.notna(r) else None for f, r in zip(prov["file"], prov["row"], strict=True)]
    return pd.Series(keys, index=ds.table(table).index, dtype=object)


def _pair_count(counts: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counts.values())


def score_month(ds: contextmap.Dataset, truth: dict[str, pd.DataFrame], period: str) -> dict[str, Any]:
    rows = truth["rows"][truth["rows"]["period"] == period]
    res = resolve_dataset(ds)
    r = res.resolution
    mapping: dict[str, str] = {}
    for part in (r.persons, r.locations):
        if part is not None:
            mapping.update(part.mapping)
    ent = lambda x: mapping.get(str(x), str(x))  # noqa: E731
    children = set(res.children["child_id"].astype(str))
    pref = truth["person_refs"][truth["person_refs"]["period"] == period]
    plref = truth["place_refs"][truth["place_refs"]["period"] == period]
    # predictions: nominals, link ends, found-at places, mentions
    pkeys = _record_keys(ds, "persons", rows[rows["table"] == "persons"])
    nominal_pred = {k: ent(rid) for k, rid in zip(pkeys, ds.persons["person_id"], strict=True) if k is not None}
    lkeys = _record_keys(ds, "links", rows[rows["table"] == "links"])
    link_pred: dict[str, str] = {}
    for k, s, t in zip(lkeys, ds.links["source_id"], ds.links["target_id"], strict=True):
        if k is not None:
            link_pred[f"{k}|source"], link_pred[f"{k}|target"] = ent(s), ent(t)
    ekeys = _record_keys(ds, "episodes", rows[rows["table"] == "episodes"])
    ep_no = dict(zip(ds.episodes["episode_id"].astype(str), ekeys, strict=True))
    found_pred = {k: (ent(f) if isinstance(f, str) and f else "") for k, f in
                  zip(ekeys, ds.episodes["found_location_id"], strict=True) if k is not None}
    ep_child = {k: ent(c) for k, c in zip(ekeys, ds.episodes["child_id"], strict=True) if k is not None}
    men = r.mentions
    mention_pred = {f"{ep_no.get(str(e))}|{fold(m)}": str(x) for e, m, x, kind in
                    zip(men["episode_id"], men["mention"], men["entity_id"], men["kind"], strict=True) if kind == "person"}
    # true place of every location entity
    lockeys = _record_keys(ds, "locations", rows[rows["table"] == "locations"])
    rec_truth = dict(zip(truth["place_records"]["ref"], truth["place_records"]["true_place"], strict=True))
    votes: dict[str, Counter] = {}
    for k, lid in zip(lockeys, ds.locations["location_id"], strict=True):
        if k is not None and k in rec_truth:
            votes.setdefault(ent(lid), Counter())[rec_truth[k]] += 1
    ent_place = {e: c.most_common(1)[0][0] for e, c in votes.items()}
    home_truth = dict(zip(truth["children"]["child_id"].astype(str), truth["children"]["home_place"], strict=True))
    for cid, home in zip(res.children["child_id"].astype(str), res.children["home_location_id"], strict=True):
        if isinstance(home, str) and home and home not in ent_place and home_truth.get(cid):
            ent_place[home] = home_truth[cid]
    out: dict[str, Any] = {"period": period}
    # child-to-person matches
    scored = pref[pref["kind"].isin(["nominal", "link_end"]) & ~pref["form"].isin(["id", "nominal_ref"])]
    predict = lambda k, kind: nominal_pred.get(k) if kind == "nominal" else link_pred.get(k)  # noqa: E731
    out["child"] = _child_scores(scored, predict, children)
    # the same over references to people whose full name no other child or adult of the world has
    # (the generator draws names from small pools: many children and adults share one)
    names = pd.concat([truth["children"][["child_id", "name"]].set_axis(["entity", "name"], axis=1),
                       truth["persons"][["entity_id", "name"]].set_axis(["entity", "name"], axis=1)])
    folded = names["name"].map(fold)
    sole = set(names.loc[folded.map(folded.value_counts()) == 1, "entity"].astype(str))
    out["child_sole_name"] = _child_scores(scored[scored["true_entity"].astype(str).isin(sole)], predict, children)
    # the same split by what the reference itself says: its written name (and date of birth)
    # fits the true child alone among the people the month's data holds, or fits others too
    alone = _singled_out(scored, truth, ds, pkeys, children, pref)
    out["child_singled_out"] = _child_scores(scored[alone], predict, children)
    out["child_not_singled_out"] = _child_scores(scored[~alone], predict, children)
    out["sole_name_share"] = {"children": round(truth["children"]["child_id"].astype(str).isin(sole).mean(), 3),
                              "adults": round(truth["persons"]["entity_id"].astype(str).isin(sole).mean(), 3)}
    ments = pref[pref["kind"] == "mention"].copy()
    ments["lookup"] = [f"{k.split('|', 1)[0]}|{fold(t)}" for k, t in zip(ments["key"], ments["text"], strict=True)]
    out["mentions"] = _child_scores(ments.assign(key=ments["lookup"]), lambda k, _kind: mention_pred.get(k), children)
    none = ments[(ments["true_kind"] == "none") & (ments["form"] == "vehicle")]
    out["non_persons_as_persons"] = int(sum(1 for k in none["lookup"] if k in mention_pred))
    out["adults"] = _adult_pairs(pref, nominal_pred, link_pred, mention_pred)
    # references the loaded data does not hold as written (an RHI cell not split into these names...)
    out["not_found"] = {
        "nominal": int(sum(k not in nominal_pred for k in pref.loc[pref["kind"] == "nominal", "key"])),
        "link_end": int(sum(k not in link_pred for k in pref.loc[pref["kind"] == "link_end", "key"])),
        "mention": int(sum(k not in mention_pred for k in ments.loc[ments["true_kind"] != "none", "lookup"])),
        "found_at": int(sum(k not in found_pred for k in plref.loc[plref["kind"] == "found_at", "key"])),
    }
    # place text
    out["place"], nonplace_entities = _place_scores(plref, found_pred, link_pred, ent_place)
    listed = {e for e in nonplace_entities if e in set(res.locations["location_id"].astype(str))}
    ranked = rank_locations(res)
    rank_of = dict(zip(ranked["location_id"].astype(str), ranked["rank"].astype(int), strict=True))
    out["non_places_listed"] = len(listed)
    out["non_places_ranked"] = sum(1 for e in listed if e in rank_of)
    out["non_places_top10"] = sum(1 for e in listed if rank_of.get(e, 99) <= 10)
    out["non_place_examples"] = sorted({str(t) for t, e in _nonplace_texts(plref, found_pred, link_pred) if e in listed})[:6]
    # rows lost
    counts = ds.report.counts
    written = rows.groupby("table").size()
    kept = counts["accepted"] + counts["quarantined"] + counts["duplicates"]
    out["rows_written"] = int(written.sum())
    out["rows_read"] = int(counts["read"].sum())
    out["rows_quarantined"] = int(counts["quarantined"].sum())
    out["rows_lost"] = int(sum(int(written.get(t, 0)) - int(kept.get(t, 0)) for t in written.index))
    out["reach"] = _reach(truth, pref, ep_child, (nominal_pred, link_pred, mention_pred), res, children)
    return out


_WRITTEN = {
    # how a reference of each form writes a person (forename, surname): the key two people
    # share when the reference fits both
    "full_name": lambda f, s: (f, s), "upper_full": lambda f, s: (f, s), "surname_first_upper": lambda f, s: (f, s),
    "child_nominal": lambda f, s: (f, s),
    "nickname": lambda f, s: (NICKNAMES.get(f, f), s), "child_nominal_nickname": lambda f, s: (NICKNAMES.get(f, f), s),
    "forename_initial": lambda f, s: (f, s[:1]), "initial_surname": lambda f, s: (f[:1], s),
}


def _singled_out(refs: pd.DataFrame, truth: dict[str, pd.DataFrame], ds: contextmap.Dataset, pkeys: pd.Series,
                 children: set[str], pref: pd.DataFrame) -> pd.Series:
    """Per reference: whether its written name, and its date of birth when it gives the true
    one, fit the true person alone among the children of the month's export and the adults
    any of the month's references names. An alias fits everyone the month's records give it
    (adults' aliases in the truth, children's in their police nominals' AKA). A reference
    that fits several needs other evidence (sex, context, the relation word) or cannot be
    decided: the resolver can at best guess among them."""
    ch, ad = truth["children"], truth["persons"]
    present_adults = set(pref.loc[pref["true_kind"] == "adult", "true_entity"].astype(str))
    people = pd.concat([
        ch.loc[ch["child_id"].astype(str).isin(children), ["child_id", "name", "date_of_birth"]].set_axis(
            ["entity", "name", "dob"], axis=1).assign(aliases=""),
        ad.loc[ad["entity_id"].astype(str).isin(present_adults), ["entity_id", "name", "date_of_birth", "aliases"]].set_axis(
            ["entity", "name", "dob", "aliases"], axis=1)], ignore_index=True)
    people["entity"] = people["entity"].astype(str)
    split = people["name"].str.split(" ", n=1, expand=True)
    first, sur = split[0].fillna(""), split[1].fillna("")
    dob = dict(zip(people["entity"], people["dob"], strict=True))
    # children's aliases as the police record them (the AKA of a child's nominal)
    nominal_truth = truth["person_refs"].query("kind == 'nominal'").drop_duplicates("key").set_index("key")["true_entity"]
    alias_of: dict[str, set[str]] = {}
    for k, aka in zip(pkeys, ds.persons["aliases"] if "aliases" in ds.persons.columns else [], strict=False):
        if k is not None and isinstance(aka, str) and k in nominal_truth.index:
            for a in aka.split(";"):
                if a.strip():
                    alias_of.setdefault(fold(a), set()).add(str(nominal_truth[k]))
    for e, akas in zip(people["entity"], people["aliases"], strict=True):
        for a in str(akas).split(";"):
            if a.strip():
                alias_of.setdefault(fold(a), set()).add(e)
    by_key: dict[tuple[str, tuple[str, str]], list[str]] = {}
    for form, key_of in _WRITTEN.items():
        for e, f_, s_ in zip(people["entity"], first, sur, strict=True):
            by_key.setdefault((form, tuple(x.casefold() for x in key_of(f_, s_))), []).append(e)
    name_of = dict(zip(people["entity"], zip(first, sur, strict=True), strict=True))
    out = []
    for form, text, true, given, dob_form in zip(refs["form"], refs["text"], refs["true_entity"].astype(str),
                                                 refs["dob_given"], refs["dob_form"], strict=True):
        if form == "alias":
            fits = sorted(alias_of.get(fold(text), set()))
        elif form in _WRITTEN and true in name_of:
            fits = by_key.get((form, tuple(x.casefold() for x in _WRITTEN[form](*name_of[true]))), [])
        else:
            out.append(False)
            continue
        if str(given) == "True" and dob_form != "variant":  # a link's date of birth is taken as given right
            fits = [e for e in fits if dob.get(e) == dob.get(true)]
        out.append(fits == [true])
    return pd.Series(out, index=refs.index, dtype=bool)


def _child_scores(refs: pd.DataFrame, predict: Any, children: set[str]) -> dict[str, Any]:
    tp = predicted = true = absent = 0
    by_form: dict[str, list[int]] = {}
    wrong: Counter = Counter()
    for key, kind, form, truth, tkind in zip(refs["key"], refs["kind"], refs["form"], refs["true_entity"],
                                             refs["true_kind"], strict=True):
        pred = predict(key, kind)
        is_child = pred in children
        hit = is_child and pred == str(truth)
        tp += hit
        predicted += is_child
        if tkind == "child" and str(truth) not in children:
            absent += 1  # a child the month's export does not hold (a police nominal before the council's record)
            continue
        if tkind == "child":
            true += 1
            f = by_form.setdefault(str(form), [0, 0])
            f[0] += hit
            f[1] += 1
        elif is_child:
            wrong[str(form)] += 1
    return {"precision": round(tp / predicted, 4) if predicted else None, "recall": round(tp / true, 4) if true else None,
            "tp": tp, "predicted": predicted, "true": true, "child_not_in_export": absent,
            "recall_by_form": {f: round(a / b, 3) for f, (a, b) in sorted(by_form.items())},
            "adults_matched_to_children_by_form": dict(wrong)}


def _adult_pairs(pref: pd.DataFrame, nominal_pred: dict, link_pred: dict, mention_pred: dict) -> dict[str, Any]:
    """Pairwise precision / recall of the adults' references (nominals, named link ends, mentions)."""
    adults = pref[(pref["true_kind"] == "adult") & (pref["form"] != "nominal_ref")]
    pairs = []
    for key, kind, text, truth in zip(adults["key"], adults["kind"], adults["text"], adults["true_entity"], strict=True):
        if kind == "nominal":
            p = nominal_pred.get(key)
        elif kind == "link_end":
            p = link_pred.get(key)
        else:
            p = mention_pred.get(f"{key.split('|', 1)[0]}|{fold(text)}")
        if p:
            pairs.append((p, str(truth)))
    both = _pair_count(Counter(pairs))
    pred = _pair_count(Counter(p for p, _ in pairs))
    true = _pair_count(Counter(t for _, t in pairs))
    return {"precision": round(both / pred, 4) if pred else None, "recall": round(both / true, 4) if true else None,
            "references": len(pairs)}


def _nonplace_texts(plref: pd.DataFrame, found_pred: dict, link_pred: dict) -> list[tuple[str, str]]:
    out = []
    for kind, key, text, np_kind in zip(plref["kind"], plref["key"], plref["text"], plref["non_place"], strict=True):
        if np_kind:
            pred = found_pred.get(key, "") if kind == "found_at" else link_pred.get(f"{key}|target", "") if kind == "link_location" else ""
            if pred:
                out.append((text, pred))
    return out


def _place_scores(plref: pd.DataFrame, found_pred: dict, link_pred: dict, ent_place: dict) -> tuple[dict[str, Any], set[str]]:
    refs = plref[plref["kind"].isin(["found_at", "link_location"])]
    tp = predicted = true = 0
    by_form: dict[str, list[int]] = {}
    nonplace_entities: set[str] = set()
    for kind, key, form, place, np_kind, home, known in zip(
            refs["kind"], refs["key"], refs["form"], refs["true_place"], refs["non_place"], refs["home_place"],
            refs["known"], strict=True):
        pred = found_pred.get(key, "") if kind == "found_at" else link_pred.get(f"{key}|target", "")
        got = ent_place.get(pred) if pred else None
        if np_kind:
            if pred and got is None:
                nonplace_entities.add(pred)
            if got is not None and not (np_kind == "home" and got == home):
                predicted += 1
            continue
        hit = got is not None and got == place
        predicted += got is not None
        tp += hit
        if bool(known):
            true += 1
            f = by_form.setdefault(str(form), [0, 0])
            f[0] += hit
            f[1] += 1
    return ({"precision": round(tp / predicted, 4) if predicted else None, "recall": round(tp / true, 4) if true else None,
             "tp": tp, "predicted": predicted, "true": true,
             "recall_by_form": {f: round(a / b, 3) for f, (a, b) in sorted(by_form.items())}}, nonplace_entities)


def _reach(truth: dict[str, pd.DataFrame], pref: pd.DataFrame, ep_child: dict, preds: tuple[dict, dict, dict],
           res: contextmap.Dataset, children: set[str]) -> dict[str, Any]:
    """Children truly linked to each driving person of concern, and those found linked to his entity."""
    nominal_pred, link_pred, mention_pred = preds
    drivers = truth["persons"][truth["persons"]["role"].isin(["primary", "secondary", "bridging"])]
    ends = pref[pref["kind"] == "link_end"].copy()
    ends["link"] = ends["key"].str.rsplit("|", n=1).str[0]
    true_reach: dict[str, set[str]] = {}
    for _link, grp in ends.groupby("link"):
        kinds = dict(zip(grp["true_entity"].astype(str), grp["true_kind"], strict=True))
        adults = [e for e, k in kinds.items() if k == "adult"]
        kids = [e for e, k in kinds.items() if k == "child"]
        for a in adults:
            true_reach.setdefault(a, set()).update(kids)
    ments = pref[(pref["kind"] == "mention") & (pref["true_kind"] == "adult")]
    for key, who in zip(ments["key"], ments["true_entity"], strict=True):
        child = ep_child.get(key.split("|", 1)[0])
        if child:
            true_reach.setdefault(str(who), set()).add(child)
    # his entity: where his police nominals went; without a nominal this month, where most of
    # the references to him went
    adults = pref[(pref["true_kind"] == "adult") & (pref["form"] != "nominal_ref")]
    main: dict[str, str] = {}
    for who, grp in adults.groupby("true_entity"):
        noms = grp[grp["kind"] == "nominal"]
        preds = Counter(nominal_pred[k] for k in noms["key"] if k in nominal_pred)
        if not preds:
            preds = Counter(p for p in (link_pred.get(k) if kind == "link_end" else
                                        mention_pred.get(f"{k.split('|', 1)[0]}|{fold(t)}")
                                        for k, kind, t in zip(grp["key"], grp["kind"], grp["text"], strict=True)) if p)
        if preds:
            main[str(who)] = preds.most_common(1)[0][0]
    li = res.links
    linked: dict[str, set[str]] = {}
    for s, t in zip(li["source_id"].astype(str), li["target_id"].astype(str), strict=True):
        if t in children and s not in children:
            linked.setdefault(s, set()).add(t)
        if s in children and t not in children:
            linked.setdefault(t, set()).add(s)
    rows = []
    for who, name in zip(drivers["entity_id"], drivers["name"], strict=True):
        want = true_reach.get(str(who), set())
        if not want:
            continue
        got = linked.get(main.get(str(who), ""), set())
        rows.append({"entity": str(who), "name": name, "true": len(want), "found": len(got & want),
                     "extra": len(got - want)})
    if not rows:
        return {"top": None, "mean_share": None}
    top = max(rows, key=lambda x: (x["true"], x["entity"]))
    return {"top": top, "mean_share": round(sum(x["found"] / x["true"] for x in rows) / len(rows), 4),
            "persons": len(rows)}


# --- workspace and speed -----------------------------------------------------------------------


def workspace_check(reader: MonthReader, periods: list[str], truth: dict[str, pd.DataFrame], tmp: Path) -> dict[str, Any]:
    from contextmap.workspace import init_workspace

    if len(periods) < 2:
        return {"note": "one month: nothing to compare"}
    ws = init_workspace(tmp / "eval.cmw")
    try:
        def imp(period: str) -> Any:
            path, kw = reader.target(period)
            if kw and not _accepts(ws.import_source, "period"):
                reader.missing.setdefault("period", "Workspace.import_source has no period argument")
                path, kw = reader.target(period)
            return ws.import_source(path, **kw)

        first = imp(periods[0])
        again = imp(periods[0])
        second = imp(periods[1])
    finally:
        ws.close()
    months = truth["months"]
    really = months[months["period"] == periods[1]].set_index("table")

    def provisional(ds: contextmap.Dataset, table: str, key: str) -> set[str]:
        t = ds.table(table)
        return set(t.loc[t["provisional"].fillna(False).astype(bool), key].astype(str)) if "provisional" in t else set()

    per_table = {}
    excess = excess_changed = 0
    for table, key in (("children", "child_id"), ("persons", "person_id"), ("locations", "location_id"),
                       ("episodes", "episode_id"), ("links", "link_id")):
        counted = int(second.counts[table]["new"])
        prov_new = len(provisional(second.dataset, table, key) - provisional(first.dataset, table, key))
        expected = int(really.loc[table, "new"]) + prov_new
        per_table[table] = {"counted_new": counted, "really_new": int(really.loc[table, "new"]),
                            "provisional_new": prov_new, "counted_changed": int(second.counts[table]["changed"]),
                            "really_changed": int(really.loc[table, "changed"]),
                            "rematched": int(second.counts[table].get("rematched", 0))}
        excess += max(0, counted - expected)
        excess_changed += max(0, per_table[table]["counted_changed"] - per_table[table]["really_changed"])
    t = again.totals()
    return {"reimport_added": int(t["new"] + t["changed"] + t.get("rematched", 0)), "month2_excess_new": excess,
            "month2_excess_changed": excess_changed, "month2": per_table}


def speed_check(episodes: int, seed: int, tmp: Path, missing: dict[str, str]) -> dict[str, Any]:
    out = tmp / "speed"
    write_agencies(out, episodes_target=episodes, seed=seed, months=2, overwrite=True)
    reader = MonthReader(out)
    reader.missing.update(missing)  # the features the code lacks, as found on the main exports
    truth_rows = pd.read_csv(out / "truth" / "rows.csv", keep_default_na=False)
    period = sorted(set(truth_rows["period"]))[-1]
    n_ep = int(((truth_rows["period"] == period) & (truth_rows["table"] == "episodes")).sum())
    cmd = [sys.executable, "-m", "contextmap", "validate", *reader.cli_args(period), "--show", "0"]
    t = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    secs = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"validate failed ({proc.returncode}): {proc.stderr[-800:]}")
    return {"validate_seconds": round(secs, 2), "validate_cpu_seconds": round(cpu_s, 2), "episodes": n_ep, "period": period,
            "command": " ".join(["contextmap", *cmd[3:]])}


# --- report --------------------------------------------------------------------------------------


def _pool(months: list[dict[str, Any]], part: str) -> dict[str, Any]:
    tp = sum(m[part]["tp"] for m in months)
    pred = sum(m[part]["predicted"] for m in months)
    true = sum(m[part]["true"] for m in months)
    return {"precision": round(tp / pred, 4) if pred else None, "recall": round(tp / true, 4) if true else None}


def _status(metric: str, value: Any) -> str:
    if metric not in TARGETS or value is None:
        return ""
    op, target = TARGETS[metric]
    ok = value >= target if op == ">=" else value <= target
    return "ok" if ok else "FAIL"


def report(result: dict[str, Any]) -> str:
    months = result["months"]
    cols = [m["period"] for m in months] + ["all"]
    lines = []

    def row(label: str, metric: str | None, values: list[Any], pooled: Any) -> None:
        target = f"{TARGETS[metric][0]} {TARGETS[metric][1]}" if metric in TARGETS else ""
        cells = ["-" if v is None else f"{v}" for v in [*values, pooled]]
        lines.append(f"{label:<34}" + "".join(f"{c:>10}" for c in cells) + f"{target:>9}  {_status(metric, pooled) if metric else ''}")

    lines.append(f"surnames: {result.get('names', 'small')} pool")
    lines.append(f"{'':<34}" + "".join(f"{c:>10}" for c in cols) + f"{'target':>9}")
    pc, pp, pm = _pool(months, "child"), _pool(months, "place"), _pool(months, "mentions")
    row("child-to-person precision", "child_precision", [m["child"]["precision"] for m in months], pc["precision"])
    row("child-to-person recall", "child_recall", [m["child"]["recall"] for m in months], pc["recall"])
    ps = _pool(months, "child_sole_name")
    row("  refs to a name no one else has, P", None, [m["child_sole_name"]["precision"] for m in months], ps["precision"])
    row("  refs to a name no one else has, R", None, [m["child_sole_name"]["recall"] for m in months], ps["recall"])
    for part, label in (("child_singled_out", "refs their name+DOB single out"),
                        ("child_not_singled_out", "refs that fit others too")):
        if all(part in m for m in months):
            pool = _pool(months, part)
            row(f"  {label}, R", None, [m[part]["recall"] for m in months], pool["recall"])
    if all("child_singled_out" in m for m in months):
        share = [m["child_singled_out"]["true"] / max(m["child"]["true"], 1) for m in months]
        total = sum(m["child_singled_out"]["true"] for m in months) / max(sum(m["child"]["true"] for m in months), 1)
        row("    share singled out", None, [round(x, 3) for x in share], round(total, 3))
    row("RHI mentions of children, prec.", None, [m["mentions"]["precision"] for m in months], pm["precision"])
    row("RHI mentions of children, recall", None, [m["mentions"]["recall"] for m in months], pm["recall"])
    row("non-persons made persons", "non_persons_as_persons", [m["non_persons_as_persons"] for m in months],
        sum(m["non_persons_as_persons"] for m in months))
    row("adult references, pair precision", None, [m["adults"]["precision"] for m in months], None)
    row("adult references, pair recall", None, [m["adults"]["recall"] for m in months], None)
    row("place-text precision", "place_precision", [m["place"]["precision"] for m in months], pp["precision"])
    row("place-text recall", "place_recall", [m["place"]["recall"] for m in months], pp["recall"])
    for key, label in (("non_places_listed", "non-places listed as locations"),
                       ("non_places_ranked", "non-places ranked as hotspots"), ("non_places_top10", "  of them in the top 10")):
        row(label, key if key != "non_places_top10" else None, [m[key] for m in months], sum(m[key] for m in months))
    row("rows written", None, [m["rows_written"] for m in months], sum(m["rows_written"] for m in months))
    row("rows quarantined", None, [m["rows_quarantined"] for m in months], sum(m["rows_quarantined"] for m in months))
    row("rows lost", "rows_lost", [m["rows_lost"] for m in months], sum(m["rows_lost"] for m in months))
    reach = [m["reach"]["top"] for m in months]
    row("top POC reach found/true", None, [f"{x['found']}/{x['true']}" if x else None for x in reach], None)
    row("POC reach share found (mean)", None, [m["reach"]["mean_share"] for m in months], None)
    ws = result.get("workspace", {})
    if "reimport_added" in ws:
        row("re-import of month 1 adds", "reimport_added", [], ws["reimport_added"])
        row("month 2 excess new rows", "month2_excess_new", [], ws["month2_excess_new"])
        row("month 2 excess changed rows", None, [], ws["month2_excess_changed"])
    sp = result.get("speed")
    if sp:
        row(f"validate, {sp['episodes']} episodes (s)", "validate_seconds", [], sp["validate_seconds"])
        row("  its CPU time (s)", None, [], sp["validate_cpu_seconds"])
    out = "\n".join(lines)
    if result["missing_features"]:
        out += "\n\nFeatures missing (read through a copy of the manifest without them):"
        for k, why in result["missing_features"].items():
            out += f"\n  - {FEATURES[k]}: {why}"
    if "month2" in ws:
        out += ("\n\nMonth 2 into the workspace (counted new / really new + provisional new; changed / really changed;"
                " re-matched):")
        for t, v in ws["month2"].items():
            out += (f"\n  {t:<10} {v['counted_new']:>6} / {v['really_new']} + {v['provisional_new']};"
                    f"  {v['counted_changed']} / {v['really_changed']};  {v.get('rematched', 0)}")
    last = months[-1]
    share = last["sole_name_share"]
    out += (f"\n\nNames no one else in the world has: {share['children']:.0%} of children, {share['adults']:.0%} of adults"
            + (" (the small surname pool: the other references name someone whose namesake exists)"
               if result.get("names", "small") == "small" else " (the region-like surname pool)"))
    out += ("\nReferences to a child the month's export does not hold (not scored): "
            + ", ".join(f"{m['period']} {m['child']['child_not_in_export']}" for m in months))
    out += f"\n\nChild-to-person recall by form ({last['period']}): " + ", ".join(
        f"{f} {v}" for f, v in last["child"]["recall_by_form"].items())
    if last["child"]["adults_matched_to_children_by_form"]:
        out += "\nAdults matched to children, by form: " + ", ".join(
            f"{f} {v}" for f, v in last["child"]["adults_matched_to_children_by_form"].items())
    out += f"\nPlace-text recall by form ({last['period']}): " + ", ".join(
        f"{f} {v}" for f, v in last["place"]["recall_by_form"].items())
    gone = {k: v for k, v in last["not_found"].items() if v}
    if gone:
        out += "\nReferences not in the loaded data as written (e.g. RHI text not split into names): " + ", ".join(
            f"{k} {v}" for k, v in gone.items())
    if last["non_place_examples"]:
        out += "\nNon-places listed as locations, e.g.: " + "; ".join(repr(x) for x in last["non_place_examples"])
    if last["reach"]["top"]:
        t = last["reach"]["top"]
        out += (f"\nTop planted person of concern ({t['name']}, {t['entity']}): {t['found']} of {t['true']} children "
                f"found linked, {t['extra']} others linked")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--months", type=int, default=2)
    ap.add_argument("--speed-episodes", type=int, default=10_000, help="episodes a month for the validate timing")
    ap.add_argument("--no-speed", action="store_true", help="skip the validate timing")
    ap.add_argument("--out", type=Path, default=None, help="write the generated exports here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, default=None, help="also write every figure as JSON")
    ap.add_argument("--names", choices=("small", "region"), default="small",
                    help="surname pool: 'small' (48: half the children share a full name; the default) or "
                         "'region' (945: few share one, as in a real region)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="eval-agencies-") as tmp_name:
        tmp = Path(tmp_name)
        out = args.out or tmp / "exports"
        t0 = time.perf_counter()
        write_agencies(out, children=args.children, seed=args.seed, months=args.months, overwrite=True, names=args.names)
        gen_s = time.perf_counter() - t0
        truth = {n: pd.read_csv(out / "truth" / f"{n}.csv", keep_default_na=False, dtype=str)
                 for n in ("person_refs", "place_refs", "place_records", "children", "persons", "rows", "months")}
        truth["rows"]["row"] = truth["rows"]["row"].astype(int)
        truth["place_refs"]["known"] = truth["place_refs"]["known"] == "True"
        truth["months"][["written", "new", "changed", "unchanged"]] = truth["months"][
            ["written", "new", "changed", "unchanged"]].astype(int)
        reader = MonthReader(out)
        periods = sorted(set(truth["rows"]["period"]))
        months = []
        for period in periods:
            t = time.perf_counter()
            ds = reader.load(period)
            m = score_month(ds, truth, period)
            m["seconds"] = round(time.perf_counter() - t, 1)
            months.append(m)
            print(f"{period}: scored in {m['seconds']} s", file=sys.stderr)
        result: dict[str, Any] = {"children": args.children, "seed": args.seed, "names": args.names, "months": months,
                                  "generate_seconds": round(gen_s, 1)}
        result["workspace"] = workspace_check(reader, periods, truth, tmp)
        result["speed"] = None if args.no_speed else speed_check(args.speed_episodes, args.seed, tmp, reader.missing)
        result["missing_features"] = dict(reader.missing)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

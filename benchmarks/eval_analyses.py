"""Evaluate the analyses against the sample generator's planted truth.

For each generated dataset (seeds and sizes below) and three ways of handling duplicate
records, prints:

* ARI of peer groups: adjusted Rand index between found and planted groups, over all
  children (children outside any group are singletons on both sides) and over the children
  of planted groups only;
* P@10 hotspots: share of the top-10 ranked locations that are records of a planted hotspot;
  decoys@10: share that are busy decoys (truth/decoys.csv with 3+ children: stations,
  shopping centres, fast food, schools, care homes);
* POC@5: share of the planted persons of concern with the highest reach (the truth's top 5
  by children reached, ties included) that appear among our top 5; and P@5, the share of
  our top 5 that are planted driving persons of concern at all; Rprec_poc (R-precision): the
  share of all N planted driving persons of concern found among our top N;
* bridges: share of planted bridging persons of concern flagged ``bridges``;
* hit rate and PAI (Chainey's predictive accuracy index): the top-10 locations chosen on
  months 1-9 (with a 100 m radius round each) against the found locations of episodes in
  months 10-12; PAI = (hits / episodes) / (hotspot area / study area), study area = the
  convex hull of all locations.

Modes: ``records`` (no entity resolution), ``resolved`` (``contextmap.resolve.dataset``), ``oracle``
(records merged with the truth mapping: the analyses' own quality, apart from resolution).

Run: ``.venv/bin/python benchmarks/eval_analyses.py [--children 150 400] [--seeds 0 1 2]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from sklearn.metrics import adjusted_rand_score

import contextmap
from contextmap.analysis import analyze
from contextmap.hotspots import rank_locations
from contextmap.sample.generate import write_sample


def oracle_dataset(ds: contextmap.Dataset, truth: Path) -> contextmap.Dataset:
    """Merge duplicate person and location records with the generator's truth mapping."""
    pmap = dict(pd.read_csv(truth / "person_records.csv")[["person_id", "entity_id"]].itertuples(index=False))
    lmap = dict(pd.read_csv(truth / "location_records.csv")[["location_id", "place_id"]].itertuples(index=False))
    both = {**pmap, **lmap}
    links = ds.links.copy()
    for col in ("source_id", "target_id"):
        links[col] = links[col].map(lambda v: both.get(v, v)).astype(ds.links[col].dtype)
    episodes = ds.episodes.copy()
    episodes["found_location_id"] = episodes["found_location_id"].map(
        lambda v: lmap.get(v, v) if isinstance(v, str) else v).astype(ds.episodes["found_location_id"].dtype)
    persons = ds.persons.loc[ds.persons["person_id"].map(lambda v: pmap.get(v, v) == v)]
    locations = ds.locations.loc[ds.locations["location_id"].map(lambda v: lmap.get(v, v) == v)]
    return replace(ds, persons=persons, locations=locations, links=links, episodes=episodes)


def _partition_ari(pred: pd.Series, truth: pd.DataFrame, children: list[str]) -> tuple[float, float]:
    t = dict(zip(truth["child_id"], truth["group_id"], strict=True))
    p = {k: v for k, v in pred.items() if isinstance(v, str)}
    lab_t = [t.get(c, f"solo-{c}") for c in children]
    lab_p = [p.get(c, f"solo-{c}") for c in children]
    grouped = [c for c in children if c in t]
    return (adjusted_rand_score(lab_t, lab_p),
            adjusted_rand_score([t[c] for c in grouped], [p.get(c, f"solo-{c}") for c in grouped]))


def _pai(ds: contextmap.Dataset, chosen: pd.DataFrame, test_start: pd.Timestamp, test_end: pd.Timestamp,
         radius_m: float = 100.0) -> tuple[float, float, int]:
    lo = ds.locations.set_index("location_id")
    ep = ds.episodes
    m = (ep["reported_at"] >= test_start) & (ep["reported_at"] < test_end + pd.Timedelta(days=1))
    found = ep.loc[m.fillna(False).to_numpy(dtype=bool), "found_location_id"].dropna()
    found = found[found.isin(lo.index)]
    pts = shapely.points(lo.loc[found, "easting"].to_numpy(float), lo.loc[found, "northing"].to_numpy(float))
    chosen = chosen.loc[chosen["easting"].notna() & chosen["northing"].notna()]
    hot = shapely.union_all(shapely.points(chosen["easting"].to_numpy(float),
                                           chosen["northing"].to_numpy(float)).tolist()).buffer(radius_m)
    hits = int(shapely.contains(hot, pts).sum()) if len(pts) else 0
    study = shapely.convex_hull(shapely.multipoints(lo[["easting", "northing"]].dropna().to_numpy(float)))
    hit_rate = hits / len(pts) if len(pts) else float("nan")
    pai = hit_rate / (hot.area / study.area) if len(pts) else float("nan")
    return hit_rate, pai, len(pts)


def evaluate(children: int, seed: int, noise: float | None, modes: list[str]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kw = {} if noise is None else {"noise": noise}
        path = write_sample(Path(tmp) / "s", children=children, seed=seed, **kw)
        truth = path / "truth"
        raw = contextmap.load(path)
        t_groups = pd.read_csv(truth / "peer_groups.csv")
        t_hot = pd.read_csv(truth / "hotspots.csv")
        t_poc = pd.read_csv(truth / "persons_of_concern.csv")
        pmap = dict(pd.read_csv(truth / "person_records.csv")[["person_id", "entity_id"]].itertuples(index=False))
        lmap = dict(pd.read_csv(truth / "location_records.csv")[["location_id", "place_id"]].itertuples(index=False))
        hot_places = set(t_hot["location_id"])
        fifth = t_poc["children_reached"].nlargest(5).min()
        top_truth = set(t_poc.loc[t_poc["children_reached"] >= fifth, "entity_id"])
        bridging = set(t_poc.loc[t_poc["bridging"], "entity_id"])
        drivers = set(t_poc["entity_id"])
        t_dec = pd.read_csv(truth / "decoys.csv")
        decoys = set(t_dec.loc[t_dec["children"] >= 3, "location_id"])  # busy ones
        children_ids = sorted(raw.children["child_id"])
        for mode in modes:
            t0 = time.perf_counter()
            ds = oracle_dataset(raw, truth) if mode == "oracle" else raw
            a = analyze(ds, seed=0, resolve=(mode == "resolved"))
            secs = time.perf_counter() - t0
            ari_all, ari_grouped = _partition_ari(a.peer_groups.membership, t_groups, children_ids)
            top10 = [lmap.get(x, x) for x in a.hotspots["location_id"].head(10)]
            p10 = sum(x in hot_places for x in top10) / 10
            top5 = [pmap.get(x, x) for x in a.persons["person_id"].head(5)]
            poc5 = len(set(top5) & top_truth) / min(5, len(top_truth))
            p5 = sum(x in drivers for x in top5) / 5
            topn = {pmap.get(x, x) for x in a.persons["person_id"].head(len(drivers))}
            rprec = len(topn & drivers) / len(drivers) if drivers else float("nan")
            top10_ids = {lmap.get(x, x) for x in a.hotspots["location_id"].head(10)}
            d10 = len(top10_ids & decoys) / 10
            flagged = {pmap.get(x, x) for x in a.persons.loc[a.persons["bridges"], "person_id"]}
            br = len(bridging & flagged) / len(bridging) if bridging else float("nan")
            # hotspots chosen on months 1-9, tested on months 10-12
            s, e = a.period
            cut = s + pd.DateOffset(months=9) - pd.Timedelta(days=1)
            train = rank_locations(a.dataset, start=s, end=cut)
            hit, pai, n_test = _pai(a.dataset, train.head(10), cut + pd.Timedelta(days=1), e)
            rows.append({"children": children, "seed": seed, "mode": mode,
                         "episodes": len(raw.episodes), "groups": len(a.peer_groups.groups),
                         "planted": t_groups["group_id"].nunique(),
                         "ARI_all": round(ari_all, 3), "ARI_grouped": round(ari_grouped, 3),
                         "P@10_hot": p10, "decoys@10": d10, "POC@5": round(poc5, 2), "P@5_poc": p5,
                         "Rprec_poc": round(rprec, 2),
                         "bridges": round(br, 2), "hit_rate": round(hit, 3), "PAI": round(pai, 1),
                         "test_eps": n_test, "stability_min": round(float(a.peer_groups.groups["stability"].min()), 2)
                         if len(a.peer_groups.groups) else float("nan"), "secs": round(secs, 1)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, nargs="+", default=[150, 400])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--noise", type=float, default=None, help="generator noise (default: its default)")
    ap.add_argument("--modes", nargs="+", default=["records", "resolved", "oracle"])
    args = ap.parse_args()
    rows = []
    for n in args.children:
        for seed in args.seeds:
            rows += evaluate(n, seed, args.noise, args.modes)
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(df.to_string(index=False))
        cols = ["ARI_all", "ARI_grouped", "P@10_hot", "decoys@10", "POC@5", "P@5_poc", "Rprec_poc", "bridges",
                "hit_rate", "PAI"]
        print("\nmean by mode")
        print(df.groupby("mode")[cols].mean().round(3).to_string())
    print("\ntargets: ARI >= 0.9, P@10 hotspots >= 0.9, POC recall@5 >= 0.8")
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()

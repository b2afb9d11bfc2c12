"""Place entity resolution: one location, however the records name it.

"McDonald's, Botchergate", "Maccies Botchergate" and "MCDONALDS BOTCHERGATE CA1 1RP" are
one place. Candidate pairs share a postcode, a normalised name, or lie within 200 m of each other
(:data:`NEAR_METRES`, a KD-tree radius query on easting/northing, so dense town centres
do not make huge blocks). Each pair is scored on
distance in metres (easting/northing), name similarity after nickname and abbreviation
normalisation (:func:`normalise_place_name`, shared with ingest's place-text matching in
:mod:`contextmap.ingest.placetext`), postcode and category, with log2 Bayes factors
(:data:`PLACE_WEIGHTS`); different house or flat numbers ("Flat 2" / "Flat 3") are a hard
contradiction, so two flats in one block are never merged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist
from scipy.spatial import cKDTree

from contextmap.ingest.placetext import (
    PLACE_NICKNAMES,
    normalise_place_name,
    normalise_place_names,
    street_of_text,
)
from contextmap.resolve.cluster import (
    checked_weights,
    cluster_records,
    dataset_entity_ids,
    merged_summary,
)
from contextmap.resolve.decisions import Decisions, for_dataset
from contextmap.resolve.text import fold

__all__ = [
    "LocationResolution",
    "resolve_locations",
    "normalise_place_name",
    "PLACE_NICKNAMES",
    "normalise_place_names",
    "PLACE_WEIGHTS",
    "DEFAULT_PLACE_THRESHOLD",
    "position_uncertainty",
    "UNCERTAINTY_M",
]

DEFAULT_PLACE_THRESHOLD = 0.5

NEAR_METRES = 200.0
"""Records at most this far apart (metres, easting/northing) are always compared."""

PLACE_WEIGHTS: dict[str, float] = {
    "prior": -8.0,
    "within_25m": 6.0,
    "within_75m": 4.0,
    "within_200m": 1.5,
    "within_1km": -2.0,
    "far": -10.0,
    "postcode_same": 3.0,
    "postcode_differs": -3.0,
    "name_same": 6.0,
    "name_similar": 4.0,
    "name_partial": 1.5,
    "name_differs": -4.0,
    "numbers_differ": -12.0,
    "category_same": 0.5,
    "category_differs": -1.5,
}

_PLACE_PRIOR_WORDS = "prior (how rare a match is among nearby places)"

_NUMBER = re.compile(r"\b\d+[a-z]?\b")
_MINOR = {"the", "and", "of", "on", "in", "at", "by", "near"}


def _without_shared_street(names: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The names to compare for each pair of records ``a``, ``b``: the comparison names, or,
    where the two share a street, both with it taken out. Returned as the texts and each
    pair's two positions in them (each distinct name's street is found once, not per pair)."""
    codes, uniq = pd.factorize(pd.Series(names, dtype=object))
    names_u = uniq.tolist()
    streets = [street_of_text(x) for x in names_u]
    bare = [" ".join(x.replace(st, " ").split()) if st else x for x, st in zip(names_u, streets, strict=True)]
    street = pd.factorize(pd.Series(streets, dtype=object).where(pd.Series(streets) != "", None))[0][codes]
    shared = (street[a] >= 0) & (street[a] == street[b])
    return np.asarray(names_u + bare, dtype=object), codes[a] + len(names_u) * shared, codes[b] + len(names_u) * shared


_NAME_LEVELS = ("name_similar", "name_partial", "name_differs")


def _names_matter(pairs: np.ndarray, a: np.ndarray, b: np.ndarray, levels: dict[str, np.ndarray],
                  name_same: np.ndarray, w: dict[str, float], n: int, *, cutoff: float) -> np.ndarray:
    """Which of the candidate ``pairs`` (positions, names both given and not the same) need
    their names compared: the rest cannot change what resolution keeps, whatever their names.

    Without the name, a pair's score lies between its other levels' sum plus the lowest and
    plus the highest weight the name levels can add (none counts 0; "similar" and "differs"
    can hold together). A pair is compared when its highest
    could reach ``cutoff`` (the lower of the threshold and ``min_pair_probability``: it could
    be joined or listed), or when it could be the strongest link of either record (what a
    record standing alone reports as its confidence: 1 - the strongest), judged against the
    lowest each record's pairs can score. A pair left out has at most its highest, which is
    at most that lowest: neither a join, a listed pair nor a confidence changes.
    At 100,000 episodes 1.0 M of 2.8 M pairs of differing names are compared (the places'
    resolution 6.1 s -> 4.1 s), with the same entities, confidences and pairs."""
    base = np.full(len(a), w["prior"])
    for key, arr in levels.items():
        base += np.where(arr, w[key], 0.0)
    # what the name levels can add: one of them, none, or (texts of many repeated words) both
    # "similar" (sorted words alike) and "differs" (word sets apart)
    named = [w[k] for k in _NAME_LEVELS] + [0.0, w["name_similar"] + w["name_differs"]]
    hi = base + max(named)
    lo = base + np.where(name_same, w["name_same"], 0.0)
    lo[pairs] = base[pairs] + min(named)
    eps = 1e-6  # the bounds are summed in another order than the score: a margin for rounding
    # compared where the highest could reach the cut-off, as a score and as a probability (made
    # as the score's is: near 1 a probability's rounding is worth more than eps of score)
    cut = np.log2(cutoff / (1.0 - cutoff)) if 0.0 < cutoff < 1.0 else (-np.inf if cutoff <= 0 else np.inf)
    need = (hi[pairs] >= cut - eps) | (1.0 / (1.0 + np.exp2(-(hi[pairs] + eps))) >= cutoff)
    # the lowest score each record's strongest pair can have: names compared or not
    least = np.full(n, -np.inf)
    np.maximum.at(least, a, lo)
    np.maximum.at(least, b, lo)
    need |= (hi[pairs] > least[a[pairs]] - eps) | (hi[pairs] > least[b[pairs]] - eps)
    return need


def _words_in_common(texts: np.ndarray, ra: np.ndarray, rb: np.ndarray, *, chunk: int = 1 << 18) -> np.ndarray:
    """For each pair of texts (positions ``ra``, ``rb``), how many words they have in common
    besides :data:`_MINOR` ones: each text's distinct words as integer codes in one row of a
    padded table, the rows of a pair compared word by word (no Python loop per pair)."""
    vocab: dict[str, int] = {}
    rows = [[vocab.setdefault(w, len(vocab)) for w in set(t.split()) - _MINOR] for t in texts.tolist()]
    width = max((len(r) for r in rows), default=0)
    words = np.full((len(rows), max(width, 1)), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        words[i, :len(r)] = r
    out = np.zeros(len(ra), dtype=np.int64)
    for lo in range(0, len(ra), chunk):
        x, y = words[ra[lo:lo + chunk]], words[rb[lo:lo + chunk]]
        out[lo:lo + chunk] = ((x[:, :, None] == y[:, None, :]) & (x[:, :, None] >= 0)).sum(axis=(1, 2))
    return out


def _postcode(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return re.sub(r"\s+", "", value).upper()


def _candidate_pairs(names: np.ndarray, pcs: np.ndarray, e: np.ndarray, n: np.ndarray, *,
                     max_block_size: int, radius: float = NEAR_METRES) -> tuple[np.ndarray, np.ndarray, int]:
    """Index pairs ``a < b`` (sorted) that share a normalised name or postcode (blocks of at
    most ``max_block_size`` records), or lie within ``radius`` metres of each other (a KD-tree
    radius query on easting/northing: exactly the pairs that are that close, however densely
    the records are packed). Also returns the number of oversized blocks skipped."""
    parts_a, parts_b = [], []
    skipped = 0
    for keys in (names, pcs):
        codes, uniq = pd.factorize(pd.Series(keys, dtype=object).where(keys != "", None), use_na_sentinel=True)
        ok = codes >= 0
        idx = np.flatnonzero(ok)
        if not len(idx):
            continue
        sizes = np.bincount(codes[idx], minlength=len(uniq))
        skipped += int((sizes > max_block_size).sum())
        keep = idx[(sizes[codes[idx]] >= 2) & (sizes[codes[idx]] <= max_block_size)]
        if not len(keep):
            continue
        kf = pd.DataFrame({"key": codes[keep], "idx": keep})
        mm = kf.merge(kf, on="key", suffixes=("_a", "_b"))
        mm = mm[mm["idx_a"].to_numpy() < mm["idx_b"].to_numpy()]
        parts_a.append(mm["idx_a"].to_numpy(dtype=np.int64))
        parts_b.append(mm["idx_b"].to_numpy(dtype=np.int64))
    geo = np.flatnonzero(np.isfinite(e) & np.isfinite(n))
    if len(geo) >= 2:
        tree = cKDTree(np.column_stack([e[geo], n[geo]]))
        pr = tree.query_pairs(radius, output_type="ndarray")
        if len(pr):
            ga, gb = geo[pr[:, 0]], geo[pr[:, 1]]
            parts_a.append(np.minimum(ga, gb))
            parts_b.append(np.maximum(ga, gb))
    if not parts_a:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), skipped
    a = np.concatenate(parts_a)
    b = np.concatenate(parts_b)
    key = pd.unique(a * (len(names) + 1) + b)  # dedupe (hash-based; order does not matter)
    return key // (len(names) + 1), key % (len(names) + 1), skipped


@dataclass
class LocationResolution:
    """The result of :func:`resolve_locations`; same shape as
    :class:`~contextmap.resolve.persons.PersonResolution`."""

    entities: pd.DataFrame
    pairs: pd.DataFrame
    threshold: float
    stats: dict[str, int] = field(default_factory=dict)
    refused: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["record_a", "record_b", "match_probability", "reason"]))
    """Pairs at or above the threshold the guard did not join (as for persons)."""

    @property
    def mapping(self) -> dict[str, str]:
        return dict(zip(self.entities["record_id"].tolist(), self.entities["entity_id"].tolist(), strict=True))

    @property
    def merged(self) -> pd.DataFrame:
        return merged_summary(self.entities)


def _location_frame(ds) -> pd.DataFrame:
    lo = ds.locations
    rec = pd.DataFrame(
        {
            "record_id": lo["location_id"].astype(str).tolist(),
            "name": lo["name"].tolist() if "name" in lo else None,
            "category": lo["category"].tolist() if "category" in lo else None,
            "easting": pd.to_numeric(lo["easting"], errors="coerce").to_numpy(dtype=float) if "easting" in lo else np.nan,
            "northing": pd.to_numeric(lo["northing"], errors="coerce").to_numpy(dtype=float) if "northing" in lo else np.nan,
            "postcode": lo["postcode"].tolist() if "postcode" in lo else None,
            "uncertainty": position_uncertainty(lo),
        }
    )
    return rec.sort_values("record_id", kind="stable").reset_index(drop=True)


UNCERTAINTY_M: dict[str, float] = {"given": 0.0, "postcode": 100.0, "postcode sector": 1000.0, "street": 1000.0,
                                   "named_place": 2000.0}
"""How far (metres) a position may be from the place, by where it came from (``geocoded_from``):
a postcode centroid stands for a dozen houses, a street's point for the whole street; a grid
reference for its square (its side)."""


def position_uncertainty(locations: pd.DataFrame) -> np.ndarray:
    """Per location, how far its position may be from the place (metres, :data:`UNCERTAINTY_M`).

    Two takeaways placed at one postcode's centroid share a point without being one place, so
    distance counts as evidence only as far as both positions are precise.

    Examples
    --------
    >>> lo = pd.DataFrame({"geocoded_from": ["given", "postcode", "grid_reference", None],
    ...                    "position_quality": ["as given", "postcode unit centroid", "grid reference (100 m square)", None]})
    >>> position_uncertainty(lo).tolist()
    [0.0, 100.0, 100.0, 0.0]
    """
    if "geocoded_from" not in locations:
        return np.zeros(len(locations))
    src = locations["geocoded_from"].astype(object).where(locations["geocoded_from"].notna(), "given").tolist()
    words = (locations["position_quality"].astype(object).fillna("").astype(str).tolist()
             if "position_quality" in locations else [""] * len(src))
    out = []
    for g, w in zip(src, words, strict=True):
        if g == "grid_reference":
            m = re.search(r"\(([\d.]+) (m|km) square\)", w)
            out.append(float(m.group(1)) * (1000.0 if m.group(2) == "km" else 1.0) if m else 100.0)
        elif g == "postcode" and "sector" in w:
            out.append(UNCERTAINTY_M["postcode sector"])
        else:
            out.append(UNCERTAINTY_M.get(str(g), 0.0))
    return np.asarray(out, dtype=float)


def resolve_locations(
    ds,
    *,
    decisions: Decisions | str | None = None,
    threshold: float = DEFAULT_PLACE_THRESHOLD,
    min_pair_probability: float = 0.05,
    max_block_size: int = 400,
    weights: dict[str, float] | None = None,
    workers: int = -1,
) -> LocationResolution:
    """Resolve location records into place entities.

    Parameters
    ----------
    ds
        A :class:`contextmap.Dataset`; its ``locations`` table is read.
    decisions
        A :class:`~contextmap.resolve.decisions.Decisions`, a path, or None. Decisions always win.
    threshold
        Match probability at or above which two records are joined.
    min_pair_probability
        Scored pairs below this are left out of ``.pairs``.
    max_block_size
        Blocks with more records than this are skipped.
    weights
        Override some of :data:`PLACE_WEIGHTS`.
    workers
        Threads for RapidFuzz's name similarity (-1: all cores).

    Returns
    -------
    LocationResolution

    Examples
    --------
    >>> from contextmap.resolve.dataset import example_dataset
    >>> res = resolve_locations(example_dataset())
    >>> res.entities.set_index("record_id")["entity_id"].to_dict()
    {'L1': 'L1', 'L2': 'L1', 'L3': 'L3', 'L4': 'L4'}
    """
    w = checked_weights(threshold, weights, PLACE_WEIGHTS, "PLACE_WEIGHTS")
    dec = for_dataset(decisions, ds)  # a link's end read as the record written there

    dec.check_ids(dataset_entity_ids(ds), allow_prefix="prov-")
    rec = _location_frame(ds)
    ids = rec["record_id"].to_numpy(dtype=object)
    names = normalise_place_names(rec["name"].tolist())
    nums = np.array([" ".join(sorted(set(_NUMBER.findall(fold(x) if isinstance(x, str) else "")))) for x in rec["name"].tolist()], dtype=object)
    pcs = np.array([_postcode(x) for x in rec["postcode"].tolist()], dtype=object)
    cats = np.array([x if isinstance(x, str) else "" for x in rec["category"].tolist()], dtype=object)
    e = rec["easting"].to_numpy(dtype=float)
    n = rec["northing"].to_numpy(dtype=float)

    a, b, skipped = _candidate_pairs(names, pcs, e, n, max_block_size=max_block_size)
    k = len(a)

    dist = np.hypot(e[a] - e[b], n[a] - n[b]) if k else np.zeros(0)
    has_d = np.isfinite(dist)
    unc = rec["uncertainty"].to_numpy(dtype=float)
    slack = unc[a] + unc[b] if k else np.zeros(0)
    near, least = dist + slack, np.maximum(dist - slack, 0.0)  # the farthest and nearest they may be
    # compare strings as integer codes ("" is code 0 in each column)
    nc, pc, uc, cc = (pd.factorize(pd.Series(x, dtype=object).where(x != "", None))[0] + 1
                      for x in (names, pcs, nums, cats))
    n_both = (nc[a] != 0) & (nc[b] != 0)
    name_same = n_both & (nc[a] == nc[b])
    fuzzy = np.flatnonzero(n_both & ~name_same)
    levels = {
        "within_25m": has_d & (near <= 25),
        "within_75m": has_d & (near > 25) & (near <= 75),
        "within_200m": has_d & (near > 75) & (near <= 200),
        "within_1km": has_d & (least > 200) & (least <= 1000),
        "far": has_d & (least > 1000),
        "postcode_same": (pc[a] != 0) & (pc[a] == pc[b]),
        "postcode_differs": (pc[a] != 0) & (pc[b] != 0) & (pc[a] != pc[b]),
        "numbers_differ": (uc[a] != 0) & (uc[b] != 0) & (uc[a] != uc[b]),
        "category_same": (cc[a] != 0) & (cc[a] == cc[b]),
        "category_differs": (cc[a] != 0) & (cc[b] != 0) & (cc[a] != cc[b]),
    }
    if len(fuzzy):
        # the names of only the pairs whose score they could change in what is kept
        listed = float(min_pair_probability)  # NaN lists nothing: then only joins count
        cutoff = float(threshold) if listed != listed else min(listed, float(threshold))
        unscored = fuzzy[~_names_matter(fuzzy, a, b, levels, name_same, w, len(ids), cutoff=cutoff)]
        n_both[unscored] = False  # no name level: they stay far below both cut-offs
        fuzzy = np.flatnonzero(n_both & ~name_same)
    sim = np.where(name_same, 100.0, 0.0)
    sort_sim = sim.copy()
    if len(fuzzy):
        # two names on one street are compared without it: "Star Pizza, Cobble Road" is not
        # "Riverside Chicken, Cobble Road"; a name that is only the street says nothing more
        compared, ra, rb = _without_shared_street(names, a[fuzzy], b[fuzzy])
        said = (compared != "")[ra] & (compared != "")[rb]
        n_both[fuzzy[~said]] = False
        la, lb = compared[ra].tolist(), compared[rb].tolist()
        sim[fuzzy] = cpdist(la, lb, scorer=fuzz.token_set_ratio, workers=workers)
        # token_sort_ratio is the ratio of the texts with their words sorted: each distinct
        # text's words are sorted once here, not once per pair
        ordered = {x: " ".join(sorted(x.split())) for x in compared.tolist()}
        sort_sim[fuzzy] = cpdist([ordered[x] for x in la], [ordered[x] for x in lb], scorer=fuzz.ratio, workers=workers)
        # one shared word (the area most names begin with: "Oakridge Inn", "Oakridge Leisure
        # Centre") is not a partly similar name
        shared = _words_in_common(compared, ra, rb)
        sim[fuzzy] = np.where((shared < 2) & (sort_sim[fuzzy] < 88), np.minimum(sim[fuzzy], 79.0), sim[fuzzy])
    levels = {  # in PLACE_WEIGHTS' order: the score is summed in it
        **{key: levels[key] for key in ("within_25m", "within_75m", "within_200m", "within_1km", "far",
                                        "postcode_same", "postcode_differs")},
        "name_same": name_same,
        "name_similar": n_both & ~name_same & (sort_sim >= 88),
        "name_partial": n_both & (sort_sim < 88) & (sim >= 80),
        "name_differs": n_both & (sim < 60),
        **{key: levels[key] for key in ("numbers_differ", "category_same", "category_differs")},
    }
    score = np.full(k, w["prior"])
    for key, arr in levels.items():
        score += np.where(arr, w[key], 0.0)
    p = 1.0 / (1.0 + np.exp2(-score))
    contradiction = levels["numbers_differ"] | levels["far"]
    scored = pd.DataFrame({"a": a, "b": b, "p": p, "contradiction": contradiction})

    pos = {rid: i for i, rid in enumerate(ids)}
    mine = dec.restricted_to(set(pos))
    must = [(pos[d.a], pos[d.b]) for d in mine.merges]
    cannot = [(pos[d.a], pos[d.b]) for d in mine.keep_apart]
    cl = cluster_records(ids, scored, threshold=float(threshold), must=must, cannot=cannot)
    entities = pd.DataFrame(
        {"record_id": ids, "entity_id": cl.entity_id, "confidence": cl.confidence,
         "table": "locations", "decided": cl.decided}
    )

    texts = {
        "within_25m": "within 25 m", "within_75m": "within 75 m", "within_200m": "within 200 m",
        "within_1km": "200 m to 1 km apart", "far": "over 1 km apart",
        "postcode_same": "postcode same", "postcode_differs": "postcode differs",
        "name_same": "name same after normalising", "name_similar": "name similar",
        "name_partial": "name partly similar", "name_differs": "name differs",
        "numbers_differ": "house/flat numbers differ", "category_same": "category same",
        "category_differs": "category differs",
    }
    decided = {tuple(sorted((pos[d.a], pos[d.b]))): d for d in mine.items}
    sel = np.flatnonzero(p >= min_pair_probability)
    sa, sb = a[sel], b[sel]
    # explanations built column-wise: "<d> m apart; level; level ..."
    apart = np.where(slack[sel] >= 10, " m apart (positions approximate); ", " m apart; ")
    expl = pd.Series(np.where(has_d[sel], np.char.add(np.round(np.nan_to_num(dist[sel])).astype(np.int64).astype(str),
                                                      apart.astype(str)), ""), dtype=object)
    for key, arr in levels.items():
        expl = expl + np.where(arr[sel], texts[key] + "; ", "")
    expl = expl.str.slice(0, -2)
    dec_of = np.array([decided.get((int(i), int(j))) for i, j in zip(sa, sb, strict=True)], dtype=object) if decided else np.full(len(sel), None, dtype=object)
    # the waterfall of each pair, as the person pairs have it: the prior, then each level's weight
    prior = [_PLACE_PRIOR_WORDS, round(float(w["prior"]), 2)]
    steps: list[list[list]] = [[prior] for _ in range(len(sel))]
    for key, arr in levels.items():
        step = [texts[key], round(float(w[key]), 2)]
        for r in np.flatnonzero(arr[sel]).tolist():
            steps[r].append(step)
    rows = list(zip(ids[sa], ids[sb], np.round(p[sel], 4).tolist(), expl.tolist(),
                    ["" if d is None else ("merge" if d.action == "merge" else "keep apart") for d in dec_of],
                    (cl.entity_id[sa] == cl.entity_id[sb]).tolist(), np.round(score[sel], 2).tolist(),
                    [json.dumps(x) for x in steps], strict=True))
    seen = set(zip(sa.tolist(), sb.tolist(), strict=True)) if decided else set()
    for (i, j), d in decided.items():
        if (i, j) not in seen:
            rows.append((ids[i], ids[j], 1.0 if d.action == "merge" else 0.0, f"analyst decision: {d}",
                         "merge" if d.action == "merge" else "keep apart", cl.entity_id[i] == cl.entity_id[j], 0.0, ""))
    pairs = pd.DataFrame(rows, columns=["record_a", "record_b", "match_probability", "explanation", "decision", "joined",
                                        "match_weight", "waterfall"])
    if len(pairs):
        pairs = pairs.sort_values(["match_probability", "record_a", "record_b"], ascending=[False, True, True], kind="stable").reset_index(drop=True)
    stats = {"records": len(rec), "candidate_pairs": k, "oversized_blocks_skipped": skipped,
             "entities": int(entities["entity_id"].nunique()), "pairs_refused_by_guard": len(cl.refused)}
    refused = pd.DataFrame({"record_a": ids[cl.refused["a"].to_numpy(dtype=np.int64)],
                            "record_b": ids[cl.refused["b"].to_numpy(dtype=np.int64)],
                            "match_probability": cl.refused["p"].to_numpy(dtype=float).round(4),
                            "reason": cl.refused["reason"].astype(object).to_numpy()})
    return LocationResolution(entities, pairs, float(threshold), stats, refused)

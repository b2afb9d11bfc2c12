"""The words of a scored pair of person records: the explanation and the waterfall the
review queue shows (:func:`~contextmap.resolve.persons.resolve_persons`'s ``pairs``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from contextmap.resolve.splink_engine import LEVEL_WORDS

__all__ = ["pairs_frame"]


_LEVEL_TEXT = (
    "forename exact",
    "forename nickname",
    "forename similar (typo or short form)",
    "forename initial matches",
    "forename differs",
    "surname exact",
    "surname similar (typo)",
    "surname initial matches",
    "surname differs",
    "forename and surname swapped",
    "DOB exact",
    "DOB day/month swapped",
    "DOB one part differs",
    "DOB differs",
    "gender agrees",
    "gender differs",
    "linked to a child in common",
    "no linked child in common",
)


def _explain(levels: int, alias: str, ident: str, a_name: str, b_name: str) -> str:
    parts = [text for bit, text in enumerate(_LEVEL_TEXT) if levels >> bit & 1]
    if not any(p.startswith("forename") or p.startswith("surname") for p in parts):
        parts.insert(0, f"names not comparable ({a_name!r} / {b_name!r})")
    if not any(p.startswith("DOB") for p in parts):
        parts.append("DOB missing")
    if alias:
        parts.append(f"alias {alias.removeprefix('alias:')!r} equals a name or alias")
    if ident:
        parts.append(f"{ident.replace('_', ' ')} shared")
    return "; ".join(parts)


def _splink_words(row: dict, comparisons: list[str], top: dict[str, int], prior: float,
                  prior_words: str = "prior (how rare a match is among this many records)") -> list[tuple[str, float]]:
    """[(plain words, match weight)] per comparison, the prior first: the waterfall.
    ``top`` is each comparison's highest level (Splink numbers levels best-first, down to 0)."""
    out = [(prior_words, round(prior, 2))]
    for c in comparisons:
        g = int(row[f"g_{c}"])
        words = LEVEL_WORDS[c]
        out.append((words[0] if g < 0 else words[top[c] - g + 1], round(float(row[f"w_{c}"]), 2)))
    return out


def pairs_frame(scored, rec, feats, entity, dec, pos, min_p) -> pd.DataFrame:
    ids = rec["record_id"].to_numpy(dtype=object)
    keep = scored[scored["p"].to_numpy() >= min_p]
    decided = {}
    for d in dec.items:
        i, j = sorted((pos[d.a], pos[d.b]))
        decided[(i, j)] = d
    rows = []
    full = feats["full"]
    seen = set()
    comps = scored.attrs.get("comparisons")
    records = keep[[c for c in keep.columns if c.startswith(("w_", "g_"))]].to_dict("records") if comps else None
    notes = keep["age_note"].tolist() if "age_note" in keep.columns else [""] * len(keep)
    priors = keep["prior_w"].to_numpy(dtype=float) if "prior_w" in keep.columns else None
    ctx_w = keep["ctx_w"].tolist() if "ctx_w" in keep.columns else [0.0] * len(keep)
    ctx_words = keep["ctx_words"].tolist() if "ctx_words" in keep.columns else [""] * len(keep)
    rivals = keep["rivals"].tolist() if "rivals" in keep.columns else [0] * len(keep)
    rival_pair = keep["rival_pair"].tolist() if "rival_pair" in keep.columns else [False] * len(keep)
    compete = keep["compete_w"].tolist() if "compete_w" in keep.columns else [0.0] * len(keep)
    competitors = keep["competitors"].tolist() if "competitors" in keep.columns else [0] * len(keep)
    for n_, (a, b, p, lv, al, idn, note) in enumerate(zip(
        keep["a"].tolist(), keep["b"].tolist(), keep["p"].tolist(), keep["levels"].tolist(),
        keep["alias"].tolist(), keep["ident"].tolist(), notes, strict=True,
    )):
        seen.add((a, b))
        d = decided.get((a, b))
        if records is not None:
            cross = priors is not None and bool(feats["child"][a] != feats["child"][b])
            own = cross or bool(rival_pair[n_])  # a prior of its own: which child or adult of record it is
            fall = _splink_words(records[n_], comps, scored.attrs["top"],
                                 float(priors[n_]) if own and priors is not None else scored.attrs["prior_weight"],
                                 _prior_words(int(rivals[n_])) if cross else _RIVAL_PRIOR if own else
                                 "prior (how rare a match is among this many records)")
            if own and ctx_words[n_]:
                fall.append((f"context: {ctx_words[n_]}", round(float(ctx_w[n_]), 2)))
            if compete[n_]:
                fall.append((_compete_words(int(competitors[n_])), round(float(compete[n_]), 2)))
            if idn:  # name the identifier: "phone shared"
                fall = [(f"{idn.replace('_', ' ')} shared" if w == "identifier shared" else w, x) for w, x in fall]
            text = "; ".join(f"{w} ({x:+.1f})" for w, x in fall[1:])
            if al:
                text += f"; alias {al.removeprefix('alias:')!r}"
            weight = round(sum(x for _, x in fall), 2)
            water = json.dumps(fall)
        else:
            text, weight, water = _explain(lv, al, idn, full[a], full[b]), float(np.log2(p / (1 - p))) if 0 < p < 1 else 0.0, ""
            if ctx_words[n_]:
                text += f"; context: {ctx_words[n_]} ({float(ctx_w[n_]):+.1f})"
            if rivals[n_]:
                text += f"; {_prior_words(int(rivals[n_]))}"
            elif rival_pair[n_]:
                text += f"; {_RIVAL_PRIOR}"
            if compete[n_]:
                text += f"; {_compete_words(int(competitors[n_]))} ({float(compete[n_]):+.1f})"
        if note:
            text += f"; {note}"
        rows.append((ids[a], ids[b], round(p, 4), text, _decision_word(d), entity[a] == entity[b],
                     round(weight, 2), water))
    for (a, b), d in decided.items():
        if (a, b) in seen:
            continue
        rows.append((ids[a], ids[b], 1.0 if d.action == "merge" else 0.0,
                     f"analyst decision: {d}", _decision_word(d), entity[a] == entity[b], 0.0, ""))
    cols = ["record_a", "record_b", "match_probability", "explanation", "decision", "joined",
            "match_weight", "waterfall"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["match_probability", "record_a", "record_b"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


_RIVAL_PRIOR = ("prior (a person record being this adult of record, against the children's records "
                "and other adults its name matches as well: a namesake)")


def _compete_words(n: int) -> str:
    return (f"namesakes: {n} other record{'s' if n > 1 else ''} of the name, a child or adult born over "
            "a year apart")


def _prior_words(rivals: int) -> str:
    """The first bar of a person-child pair's waterfall."""
    if not rivals:
        return "prior (a person record being this child)"
    return (f"prior (a person record being this child, or one of {rivals} adult record{'s' if rivals > 1 else ''} "
            "with a name it matches as well: a namesake)")


def _decision_word(d) -> str:
    if d is None:
        return ""
    return "merge" if d.action == "merge" else "keep apart"

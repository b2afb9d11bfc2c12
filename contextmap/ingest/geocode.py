"""Where each location is, and how well that is known: given, grid reference, postcode, street.

Every location carries two derived columns:

``geocoded_from``
    ``given`` (coordinates in the export), ``grid_reference`` (an OS grid reference in the
    export or in the place text), ``postcode`` (the postcode's entry in the user's gazetteer),
    ``street`` (the street's entry in OS Open Names), ``named_place`` (a named place in OS
    Open Names); blank when the location has no position.
``position_quality``
    Words for how precise that is: ``as given``, ``grid reference (100 m square)``, ``postcode
    unit centroid``, ``postcode unit centroid (terminated postcode, 2019-06)``, ``postcode
    sector mean (approximate)``, ``street (a point on the named road)``, ``named place (its
    centre)``.

A location without coordinates gets them from the gazetteer (:mod:`.gazetteer`): its postcode
first, then the street in its name; a street found in several towns is placed only when the
postcode district, a town named in the text or the nearness of the other locations says
which. Postcodes the gazetteer does not hold, and terminated postcodes (still placed, at
their last centroid), are warnings naming the row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contextmap.ingest.coordinates import transform
from contextmap.ingest.gazetteer import Gazetteer
from contextmap.ingest.placetext import parse_place_text, street_of_text

__all__ = ["locate_places", "GEOCODED_FROM", "grid_square_words", "street_keys"]

GEOCODED_FROM: dict[str, str] = {
    "given": "coordinates given in the export",
    "grid_reference": "an Ordnance Survey grid reference in the export",
    "postcode": "the postcode's entry in the gazetteer",
    "street": "the street's entry in the gazetteer (OS Open Names)",
    "named_place": "a named place in the gazetteer (OS Open Names)",
}
"""The values of ``locations.geocoded_from`` and what they mean."""

_STREET_WORDS = "street (a point on the named road)"
_PLACE_WORDS = "named place (its centre)"
_SAME_STREET_M = 1500.0
_ROAD_TYPES = ("Named Road", "Section Of Named Road")


def grid_square_words(size_m: float) -> str:
    """``'grid reference (100 m square)'`` for a square of side ``size_m`` metres.

    >>> grid_square_words(1.0), grid_square_words(1000.0)
    ('grid reference (1 m square)', 'grid reference (1 km square)')
    """
    side = f"{size_m / 1000:g} km" if size_m >= 1000 else f"{size_m:g} m"
    return f"grid reference ({side} square)"


def street_keys(street: str) -> list[str]:
    """The folded forms a street may take in OS Open Names ("saint johns road" is also
    "st johns road").

    >>> street_keys("saint johns road")
    ['saint johns road', 'st johns road']
    """
    out = [street]
    if "saint " in f"{street} ":
        out.append(street.replace("saint ", "st "))
    return out


def _digits(grid: str) -> int:
    return sum(c.isdigit() for c in grid)


def _pick_street(cands: pd.DataFrame, *, district: str, text: str,
                 reference: tuple[float, float] | None) -> tuple[float, float, str] | None | str:
    """One point for a street among its gazetteer entries, or why not (text)."""
    if cands.empty:
        return None
    folded = f" {text} "
    named = zip(cands["populated_place"].astype(str).str.lower(), cands["district_borough"].astype(str).str.lower(),
                strict=True)
    by_town = np.asarray([bool(a) and f" {a} " in folded or bool(b) and f" {b} " in folded for a, b in named], dtype=bool)
    by_district = (cands["postcode_district"].astype(str).str.upper() == district).to_numpy(dtype=bool) if district \
        else np.zeros(len(cands), dtype=bool)
    for says in (by_district, by_town):  # the postcode district, then a town named in the text
        if says.any():
            cands = cands[says]
            break
    e, n = cands["easting"].to_numpy(float), cands["northing"].to_numpy(float)
    if np.hypot(e - e.mean(), n - n.mean()).max() <= _SAME_STREET_M:
        return float(e.mean()), float(n.mean()), ""
    if reference is not None:
        d = np.hypot(e - reference[0], n - reference[1])
        order = np.argsort(d)
        if d[order[0]] <= 10_000 and d[order[0]] * 2 < d[order[1]]:
            return float(e[order[0]]), float(n[order[0]]), ""
    towns = sorted({str(x) for x in cands["populated_place"].tolist() + cands["district_borough"].tolist() if str(x)})
    return f"is in {len(cands)} places in the gazetteer ({', '.join(towns[:4])}): give its postcode to say which"


def locate_places(frame: pd.DataFrame, *, origin: pd.Series, gazetteer: Gazetteer | None,
                  reference: tuple[float, float] | None = None,
                  report: pd.Series | None = None) -> tuple[pd.DataFrame, list[tuple[pd.Series, str, pd.Series, str]]]:
    """Fill ``geocoded_from`` and ``position_quality``, and coordinates from the gazetteer.

    Parameters
    ----------
    frame
        Locations: ``name``, ``postcode``, ``latitude``, ``longitude``, ``easting``, ``northing``.
    origin
        Per row, ``'given'``, ``'grid_reference'`` (with the square's side in metres after a
        ``:``, e.g. ``'grid_reference:100'``) or ``''`` for rows whose coordinates came from the
        export or its place text.
    gazetteer
        The user's gazetteer, or None (then only the first two columns are filled).
    reference
        A point (easting, northing) near which a street found in several towns is looked for.
    report
        The rows whose gazetteer problems are warned (default: every row).

    Returns
    -------
    frame, notes
        The frame with the columns filled, and warnings ``(mask, column, values, reason)``.

    Examples
    --------
    >>> f = pd.DataFrame({"name": ["A", "B"], "postcode": [None, None], "latitude": [54.9, np.nan],
    ...                   "longitude": [-2.9, np.nan], "easting": [np.nan, 340123.0], "northing": [np.nan, 556789.0]})
    >>> out, notes = locate_places(f, origin=pd.Series(["given", "grid_reference:1"]), gazetteer=None)
    >>> out["geocoded_from"].tolist(), out["position_quality"].tolist()
    (['given', 'grid_reference'], ['as given', 'grid reference (1 m square)'])
    >>> float(round(out.loc[1, "latitude"], 3))
    54.902
    """
    out = frame.copy()
    notes: list[tuple[pd.Series, str, pd.Series, str]] = []
    e = pd.to_numeric(out["easting"], errors="coerce").astype("float64")
    n = pd.to_numeric(out["northing"], errors="coerce").astype("float64")
    lat = pd.to_numeric(out["latitude"], errors="coerce").astype("float64")
    lon = pd.to_numeric(out["longitude"], errors="coerce").astype("float64")
    src = origin.reindex(out.index).fillna("").astype(str)
    kind = src.str.split(":").str[0]
    size = pd.to_numeric(src.str.split(":").str[1], errors="coerce")
    has = (e.notna() & n.notna()) | (lat.notna() & lon.notna())
    frm = pd.Series(np.where(has, kind.where(kind != "", "given"), ""), index=out.index, dtype=object)
    words = pd.Series(np.where(frm == "given", "as given", ""), index=out.index, dtype=object)
    grid = has & (frm == "grid_reference")
    words[grid] = [grid_square_words(s) if np.isfinite(s) else "grid reference" for s in size[grid].tolist()]
    report = pd.Series(True, index=out.index) if report is None else report.reindex(out.index, fill_value=False)
    todo = ~has
    if gazetteer is not None and todo.any():
        names = out.loc[todo, "name"]
        parsed = {i: parse_place_text(t, ()) if isinstance(t, str) else None for i, t in names.items()}
        pcs = out.loc[todo, "postcode"].where(out.loc[todo, "postcode"].notna(), "").astype(str)
        pc_of = {}
        for i in names.index:
            p = parsed[i]
            pc_of[i] = (pcs[i] or (p.postcode if p is not None else "")).replace(" ", "").upper()
        street_of = {}
        for i, p in parsed.items():
            st = (p.street or street_of_text(p.name)) if p is not None and p.kind is None else ""
            street_of[i] = st
        table = gazetteer.postcodes_table(v for v in pc_of.values() if v) if gazetteer.postcodes else None
        wanted = {k for st in street_of.values() if st for k in street_keys(st)}
        whole = {p.name for p in parsed.values() if p is not None and p.kind is None and p.name and not street_of_text(p.name)}
        named = gazetteer.names_table(wanted | whole) if gazetteer.names else None
        missing, ended, nopos, vague = [], [], [], {}
        by_pc = {k: (float(r.easting), float(r.northing), str(r.quality), str(r.terminated))
                 for k, r in zip(table.index, table.itertuples(index=False), strict=True)} if table is not None else {}
        by_key: dict = {}
        by_place: dict = {}
        if named is not None and len(named):
            roads = named["local_type"].isin(_ROAD_TYPES)
            by_key = dict(iter(named[roads].groupby("key", sort=False)))
            by_place = dict(iter(named[~roads & (named["local_type"] != "Postcode")].groupby("key", sort=False)))
        empty = named.iloc[:0] if named is not None else pd.DataFrame(columns=["key", "local_type"])
        placed: dict[object, tuple[float, float, str, str]] = {}  # row -> easting, northing, geocoded_from, words
        picked: dict[tuple, object] = {}
        for i in names.index:
            pc = pc_of[i]
            if pc and table is not None:
                if pc in by_pc:
                    px, py, quality, terminated = by_pc[pc]
                    if np.isfinite(px) and np.isfinite(py):
                        placed[i] = (px, py, "postcode", quality)
                        if terminated:
                            ended.append(i)
                        continue
                    nopos.append(i)
                else:
                    missing.append(i)
            if not by_key and not by_place:
                continue
            p = parsed[i]
            st = street_of[i]
            if st:
                label = "street"
            elif p is not None and p.kind is None and p.name in whole:
                label = "named_place"
            else:
                continue
            district = pc[:-3] if len(pc) > 3 else ""
            text = p.name if p is not None else ""
            ask = (label, st, district, text)
            if ask not in picked:
                if st:
                    parts = [by_key[k] for k in street_keys(st) if k in by_key]
                    cands = parts[0] if len(parts) == 1 else pd.concat(parts) if parts else empty
                else:
                    cands = by_place.get(text, empty)
                picked[ask] = _pick_street(cands, district=district, text=text, reference=reference)
            got = picked[ask]
            if isinstance(got, tuple):
                placed[i] = (got[0], got[1], label, _STREET_WORDS if st else _PLACE_WORDS)
            elif isinstance(got, str):
                vague[i] = f"{'street' if st else 'place'} {(st or text)!r} {got}"
        if placed:
            rows = list(placed)
            e.loc[rows] = [v[0] for v in placed.values()]
            n.loc[rows] = [v[1] for v in placed.values()]
            frm.loc[rows] = [v[2] for v in placed.values()]
            words.loc[rows] = [v[3] for v in placed.values()]

        def note(rows: list, column: str, reason: str | pd.Series) -> None:
            mask = pd.Series(out.index.isin(rows), index=out.index) & report
            if mask.any():
                notes.append((mask, column, out[column].astype(object).where(out[column].notna(), ""), reason))

        note(missing, "postcode", "postcode not in the gazetteer: the location is kept without coordinates")
        note(nopos, "postcode", "the gazetteer has no position for this postcode: the location is kept without coordinates")
        note(ended, "postcode", "terminated postcode: placed at its last centroid (see position_quality)")
        if vague:
            note(list(vague), "name", pd.Series(vague, dtype=object).reindex(out.index))
    need_ll = e.notna() & n.notna() & (lat.isna() | lon.isna())
    if need_ll.any():
        x, y = transform("bng_to_wgs84", e[need_ll].to_numpy(), n[need_ll].to_numpy())
        lon[need_ll], lat[need_ll] = x, y
    need_en = lat.notna() & lon.notna() & (e.isna() | n.isna())
    if need_en.any():
        x, y = transform("wgs84_to_bng", lon[need_en].to_numpy(), lat[need_en].to_numpy())
        e[need_en], n[need_en] = x, y
    out["easting"], out["northing"], out["latitude"], out["longitude"] = e, n, lat, lon
    out["geocoded_from"] = pd.Series(frm, index=out.index).mask(frm == "").astype("string")
    out["position_quality"] = pd.Series(words, index=out.index).mask(words == "").astype("string")
    return out, notes

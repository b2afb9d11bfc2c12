"""The sample's geography, derived from its generated locations: streets, river, railway, parks, wards.

The generator places locations and gives them names and addresses; this module draws a
fictional town *around* them, so that the sample ships a base map a METCO can read:

* **streets** carrying the invented street names the place names and addresses use: a
  street network is grown through the places (a Delaunay triangulation of the places and
  a jittered filler grid, thinned to its Urquhart graph, long edges dropped), and each place
  whose name holds a street ("142 Fellside Road", "Quickstop, Tanners Lane", "Underpass by
  Station Row") gets a stretch of street of that name through it;
* a **river** (a water polygon and its centre line) and a **railway** through the railway
  station, routed where they cross the fewest places;
* **parks** round the places of category ``park``, named after them;
* **buildings**: a small footprint beside each place that is a building;
* **wards**: Voronoi cells round the places named after each invented area
  ("Northgate Park", "Northgate Bus Station": the Northgate ward), clipped to the town.

Nothing about the locations is changed: the geography is derived from their coordinates
and names only, so it follows whatever the generator makes (one town or several). Every
name comes from the sample's own invented vocabularies or is invented here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import Delaunay, cKDTree

__all__ = ["sample_geography", "write_sample_geography", "street_of", "BASEMAP_FILE", "AREAS_FILE"]

BASEMAP_FILE = "basemap.gpkg"
AREAS_FILE = "areas.gpkg"
_BNG = "EPSG:27700"
_SUFFIXES = {"road": "Road", "rd": "Road", "street": "Street", "st": "Street", "avenue": "Avenue",
             "ave": "Avenue", "lane": "Lane", "ln": "Lane", "drive": "Drive", "terrace": "Terrace",
             "tce": "Terrace", "close": "Close", "way": "Way", "crescent": "Crescent", "cres": "Crescent",
             "row": "Row", "gate": "gate"}
_STREET_RE = re.compile(
    r"^(?:flat \d+,?\s*)?(?:\d+[a-z]?\s+)?(?P<s>[a-z][a-z']+(?: [a-z][a-z']+)*)$", re.I)
_AREA_RE = re.compile(
    r"^(?:the )?(?P<a>[a-z]+) (?:park|rec|playing fields|woods|mini market|late shop|bus station|"
    r"interchange|halt|lodge|inn|academy|high school|skate park|leisure centre|retail park car park|"
    r"shopping centre|house)\b", re.I)
# invented here: the river and railway names
_RIVER = "River Lenning"
_RAILWAY = "Lenning Valley Line"


def _expand(words: list[str]) -> str | None:
    """``['fellside', 'rd']`` -> ``'Fellside Road'``; None unless it ends as a street does."""
    if not words:
        return None
    last = words[-1].lower()
    if last in _SUFFIXES and len(words) >= 2:  # the one word before the suffix: "Vape Cave Holmwood Drive"
        return words[-2].capitalize() + " " + _SUFFIXES[last]
    if len(words) == 1 and last.endswith("gate") and len(last) > 6:
        return words[0].capitalize()
    return None


def street_of(name: str) -> str | None:
    """The street a place name or address holds, spelled out, or None.

    Examples
    --------
    >>> street_of("Flat 3, 142 Fellside Rd")
    'Fellside Road'
    >>> street_of("Quickstop, Tanners Lane"), street_of("Underpass by Station Row")
    ('Tanners Lane', 'Station Row')
    >>> street_of("STONEGATE ROAD BUS STOP"), street_of("Northgate Park") is None
    ('Stonegate Road', True)
    """
    if not isinstance(name, str) or not name.strip():
        return None
    text = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
    candidates = [text]
    if "," in text:
        candidates.insert(0, text.rsplit(",", 1)[1].strip())
    m = re.match(r"^(?:underpass by|garages behind) (.+)$", text, re.I)
    if m:
        candidates.insert(0, m.group(1))
    m = re.match(r"^(.+?) bus stop$", text, re.I)
    if m:
        candidates.insert(0, m.group(1))
    for c in candidates:
        mm = _STREET_RE.match(c.strip())
        if mm:
            got = _expand(mm.group("s").split())
            if got:
                return got
    return None


def _area_of(name: str) -> str | None:
    if not isinstance(name, str):
        return None
    m = _AREA_RE.match(name.strip())
    return m.group("a").capitalize() if m else None


def _points_bng(locations: pd.DataFrame) -> pd.DataFrame:
    """location_id, name, category, x, y (metres, EPSG:27700) of locations with coordinates."""
    lo = locations

    def num(col: str) -> pd.Series:
        if col not in lo.columns:
            return pd.Series(np.nan, index=lo.index)
        return pd.to_numeric(lo[col], errors="coerce")

    lat, lon, e, n = num("latitude"), num("longitude"), num("easting"), num("northing")
    tr = Transformer.from_crs("EPSG:4326", _BNG, always_xy=True)
    x, y = tr.transform(lon.to_numpy(float), lat.to_numpy(float))
    x = np.where(e.notna(), e, x)
    y = np.where(n.notna(), n, y)
    out = pd.DataFrame({"location_id": lo["location_id"].astype(str), "name": lo["name"].astype(str),
                        "category": lo["category"].astype(str).str.strip().str.lower(), "x": x, "y": y})
    return out.loc[np.isfinite(out["x"]) & np.isfinite(out["y"])].reset_index(drop=True)


def _network(xy: np.ndarray, rng: np.random.Generator, *, spacing: float = 260.0,
             max_edge: float = 700.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (places first, then filler) and edges (index pairs) of a town-like street network."""
    tree = cKDTree(xy)
    x0, y0 = xy.min(0) - spacing
    x1, y1 = xy.max(0) + spacing
    gx, gy = np.meshgrid(np.arange(x0, x1, spacing), np.arange(y0, y1, spacing))
    grid = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, spacing * 0.18, (gx.size, 2))
    d, _ = tree.query(grid)
    grid = grid[(d > 70) & (d < 1100)]
    nodes = np.vstack([xy, grid])
    if len(nodes) < 3:
        return nodes, np.zeros((0, 2), int)
    tri = Delaunay(nodes).simplices
    edges = np.vstack([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    lens = np.linalg.norm(nodes[edges[:, 0]] - nodes[edges[:, 1]], axis=1).reshape(3, -1)
    longest = np.argmax(lens, axis=0)  # Urquhart: drop each triangle's longest side
    drop = np.vstack([tri[np.arange(len(tri)), longest], tri[np.arange(len(tri)), (longest + 1) % 3]]).T
    key = lambda e: np.sort(e, axis=1)[:, 0] * len(nodes) + np.sort(e, axis=1)[:, 1]  # noqa: E731
    ek = np.unique(key(edges))
    ek = np.setdiff1d(ek, key(drop))
    edges = np.column_stack([ek // len(nodes), ek % len(nodes)]).astype(int)
    length = np.linalg.norm(nodes[edges[:, 0]] - nodes[edges[:, 1]], axis=1)
    return nodes, edges[length <= max_edge]


def _route(xy: np.ndarray, through: np.ndarray, half: float, *, clear_m: float) -> np.ndarray:
    """A gently curving line across the area through ``through``, along the direction that
    passes fewest places within ``clear_m``; returns its vertices."""
    tree = cKDTree(xy)
    best, best_n = None, None
    for k in range(24):
        a = math.pi * k / 24
        d = np.array([math.cos(a), math.sin(a)])
        perp = np.array([-d[1], d[0]])
        t = np.linspace(-half, half, 120)
        line = through + np.outer(t, d) + np.outer(180 * np.sin(t / 900.0), perp)
        dense = through + np.outer(np.linspace(-half, half, 1200), d)
        dense += np.outer(180 * np.sin(np.linspace(-half, half, 1200) / 900.0), perp)
        hits = len(set().union(*tree.query_ball_point(dense, clear_m))) if len(xy) else 0
        if best_n is None or hits < best_n:
            best, best_n = line, hits
    assert best is not None
    return best


def _irregular(cx: float, cy: float, r: float, rng: np.random.Generator) -> shapely.Polygon:
    a = np.linspace(0, 2 * math.pi, 14, endpoint=False)
    rr = r * (0.75 + 0.5 * rng.random(len(a)))
    return shapely.Polygon(np.column_stack([cx + rr * np.cos(a), cy + rr * np.sin(a)])).buffer(20).buffer(-10)


def sample_geography(locations: pd.DataFrame, *, seed: int = 0) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Base-map layers and wards for a sample's locations (see the module docstring).

    Parameters
    ----------
    locations
        The sample's ``locations`` table (as written: ``location_id``, ``name``,
        ``category``, ``latitude``/``longitude`` and/or ``easting``/``northing``).
    seed
        Seed for the filler street grid and the shapes of parks.

    Returns
    -------
    (layers, wards)
        ``layers``: ``roads`` (``name``, ``class`` street or minor), ``railways``, ``water``
        (river polygon), ``waterways`` (its centre line), ``parks``, ``buildings``, all in
        EPSG:27700; ``wards``: ``area_id``, ``name``, polygon, EPSG:27700.

    Examples
    --------
    >>> import pandas as pd
    >>> lo = pd.DataFrame({"location_id": ["L1", "L2", "L3", "L4"],
    ...     "name": ["12 Fellside Road", "Northgate Park", "Central Railway Station", "Eastfield Academy"],
    ...     "category": ["address", "park", "transport", "school"],
    ...     "easting": [340000, 340600, 339500, 341000], "northing": [556000, 556400, 555800, 555200]})
    >>> layers, wards = sample_geography(lo)
    >>> "Fellside Road" in set(layers["roads"]["name"])
    True
    >>> sorted(wards["name"])
    ['Eastfield', 'Northgate']
    """
    rng = np.random.default_rng([int(seed), 0x6E0])
    pts = _points_bng(locations)
    xy = pts[["x", "y"]].to_numpy(float)
    if len(xy) == 0:
        empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=_BNG)
        return {k: empty.copy() for k in ("roads", "railways", "water", "waterways", "parks", "buildings")}, \
            gpd.GeoDataFrame({"area_id": [], "name": []}, geometry=[], crs=_BNG)
    centre = np.median(xy, axis=0)
    half = float(np.max(np.linalg.norm(xy - centre, axis=1))) + 1500.0
    town = shapely.convex_hull(shapely.multipoints(xy)).buffer(600)

    # -- river and railway first: streets then cross them only at bridges
    river_line = shapely.LineString(_route(xy, centre + rng.normal(0, 200, 2), half, clear_m=70))
    river = river_line.buffer(22, cap_style="flat")
    station = pts.loc[pts["name"].str.contains("railway station", case=False)]
    rail = None
    if len(station):
        s0 = station[["x", "y"]].to_numpy(float)[0]
        rail = shapely.LineString(_route(xy, s0, half, clear_m=40))

    nodes, edges = _network(xy, rng)
    segs = shapely.linestrings(np.stack([nodes[edges[:, 0]], nodes[edges[:, 1]]], axis=1))
    crosses = shapely.intersects(segs, river)
    keep_bridge = np.zeros(len(segs), bool)
    keep_bridge[np.flatnonzero(crosses)[::5]] = True
    ok = ~crosses | keep_bridge
    if rail is not None:
        on_rail = shapely.intersects(segs, rail)
        ok &= ~on_rail | (np.cumsum(on_rail) % 4 == 0)
    edges, segs = edges[ok], segs[ok]

    # -- name a stretch of street through every place that names one
    adj: dict[int, list[int]] = {}
    for k, (a, b) in enumerate(edges):
        adj.setdefault(int(a), []).append(k)
        adj.setdefault(int(b), []).append(k)
    names = np.full(len(edges), None, dtype=object)

    def direction(k: int, frm: int) -> np.ndarray:
        a, b = edges[k]
        other = b if a == frm else a
        v = nodes[other] - nodes[frm]
        return v / (np.linalg.norm(v) or 1.0)

    streets = pts["name"].map(street_of)
    spurs: list[tuple[str, shapely.LineString]] = []
    for i in np.flatnonzero(streets.notna().to_numpy()):
        street = streets.iloc[i]
        inc = adj.get(int(i), [])
        if any(names[k] == street for k in inc):
            continue
        free = [k for k in inc if names[k] is None]
        if not free:  # every street here is taken (or none left after the river): a short lane of its own
            spur = xy[i] + 120.0 * np.array([math.cos(i * 2.4), math.sin(i * 2.4)])
            spurs.append((street, shapely.LineString([xy[i], spur])))
            continue
        # the free edge towards the nearest other place of the same street, else the longest
        same = pts.index[(streets == street).to_numpy() & (pts.index != i)]
        if len(same):
            tgt = xy[same][np.argmin(np.linalg.norm(xy[same] - xy[i], axis=1))]
            goal = (tgt - xy[i]) / (np.linalg.norm(tgt - xy[i]) or 1.0)
            k0 = max(free, key=lambda k: float(direction(k, int(i)) @ goal))
        else:
            k0 = max(free, key=lambda k: float(shapely.length(segs[k])))
        names[k0] = street
        # run on straight-ish in both directions, up to three edges each way
        for end_node in (int(edges[k0][0]), int(edges[k0][1])):
            prev_k, node = k0, end_node
            heading = -direction(prev_k, node)
            for _ in range(3):
                cand = [k for k in adj.get(node, []) if k != prev_k and names[k] is None]
                if not cand:
                    break
                k = max(cand, key=lambda k: float(direction(k, node) @ heading))
                if float(direction(k, node) @ heading) < math.cos(math.radians(40)):
                    break
                names[k] = street
                a, b = edges[k]
                heading = direction(k, node)
                prev_k, node = k, int(b if a == node else a)
    road_rows, road_geoms = [], []
    for street in sorted({n for n in names if n is not None} | {n for n, _ in spurs}):
        merged = shapely.line_merge(shapely.multilinestrings(
            list(segs[names == street]) + [g for n, g in spurs if n == street]))
        for part in getattr(merged, "geoms", [merged]):
            road_rows.append({"name": street, "class": "street"})
            road_geoms.append(part)
    minor = shapely.line_merge(shapely.multilinestrings(list(segs[names == None])))  # noqa: E711
    for part in getattr(minor, "geoms", [minor]):
        if not part.is_empty:
            road_rows.append({"name": None, "class": "minor"})
            road_geoms.append(part)
    roads = gpd.GeoDataFrame(pd.DataFrame(road_rows, columns=["name", "class"]), geometry=road_geoms, crs=_BNG)

    # -- parks, buildings
    park_rows, park_geoms = [], []
    for r in pts.loc[pts["category"] == "park"].itertuples():
        g = _irregular(r.x, r.y, 140 + 90 * rng.random(), rng).difference(river)
        park_rows.append({"name": re.sub(r"\s*\(.*?\)", "", r.name).strip()})
        park_geoms.append(g)
    parks = gpd.GeoDataFrame(pd.DataFrame(park_rows, columns=["name"]), geometry=park_geoms, crs=_BNG)
    if len(parks):  # duplicate records of one park overlap: one polygon per name
        parks = parks.dissolve(by="name", as_index=False)
    bld = []
    seg_tree = shapely.STRtree(segs) if len(segs) else None
    for r in pts.loc[~pts["category"].isin(["park", "transport", "other"])].itertuples():
        ang = 0.0
        if seg_tree is not None:
            k = seg_tree.nearest(shapely.Point(r.x, r.y))
            (ax_, ay_), (bx_, by_) = shapely.get_coordinates(segs[k])[[0, -1]]
            ang = math.atan2(by_ - ay_, bx_ - ax_)
        u = np.array([math.cos(ang), math.sin(ang)])
        v = np.array([-u[1], u[0]])
        c = np.array([r.x, r.y]) + 16 * v
        w, d = (9, 7) if r.category == "address" else (22, 16)
        corners = [c + sx * w * u + sy * d * v for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        bld.append(shapely.Polygon(corners))
    buildings = gpd.GeoDataFrame({"class": ["building"] * len(bld)}, geometry=bld, crs=_BNG)

    layers = {
        "roads": roads,
        "railways": gpd.GeoDataFrame({"name": [_RAILWAY] * (rail is not None)},
                                     geometry=[rail] if rail is not None else [], crs=_BNG),
        "water": gpd.GeoDataFrame({"name": [_RIVER]}, geometry=[river], crs=_BNG),
        "waterways": gpd.GeoDataFrame({"name": [_RIVER]}, geometry=[river_line], crs=_BNG),
        "parks": parks,
        "buildings": buildings,
    }

    # -- wards: Voronoi cells round the places named after each area
    areas = pts["name"].map(_area_of)
    seeds = (pts.assign(area=areas).dropna(subset=["area"]).groupby("area")[["x", "y"]].median())
    if len(seeds) < 2:
        seeds = pd.DataFrame({"x": [centre[0] - 1, centre[0] + 1], "y": [centre[1]] * 2},
                             index=["North Town", "South Town"])
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds.to_numpy(float)), extend_to=town)
    ward_rows, ward_geoms = [], []
    tree = cKDTree(seeds.to_numpy(float))
    for cell in getattr(cells, "geoms", [cells]):
        clipped = cell.intersection(town)
        if clipped.is_empty:
            continue
        # the seed inside this cell names it
        j = int(tree.query(shapely.get_coordinates(cell.centroid)[0])[1])
        for jj in range(len(seeds)):
            if cell.contains(shapely.Point(seeds.iloc[jj].to_numpy(float))):
                j = jj
                break
        ward_rows.append({"name": str(seeds.index[j])})
        ward_geoms.append(clipped)
    wards = gpd.GeoDataFrame(pd.DataFrame(ward_rows, columns=["name"]), geometry=ward_geoms, crs=_BNG)
    wards = wards.sort_values("name", kind="stable").reset_index(drop=True)
    wards.insert(0, "area_id", [f"W{i + 1:02d}" for i in range(len(wards))])
    return layers, wards


def write_sample_geography(locations: pd.DataFrame, out_dir: str | Path, *, seed: int = 0) -> list[Path]:
    """Write ``basemap.gpkg`` (one layer per kind) and ``areas.gpkg`` (``wards``) to ``out_dir``.

    Existing files of those two names are replaced (the caller checks overwriting).
    """
    out = Path(out_dir)
    layers, wards = sample_geography(locations, seed=seed)
    bm = out / BASEMAP_FILE
    ar = out / AREAS_FILE
    for p in (bm, ar):
        if p.exists():
            p.unlink()
    for name, gdf in layers.items():
        gdf.to_file(bm, layer=name, driver="GPKG", engine="pyogrio")
    wards.to_file(ar, layer="wards", driver="GPKG", engine="pyogrio")
    return [bm, ar]

"""The sample's world: where children live, their peer groups, and the places of the town.

:class:`World` is the first layer of a generation run: the run's parameters and random
streams, the planted peer groups, the places (ordinary places, hotspots, homes, care homes
and the busy decoys) with their duplicate records, and the ``locations`` table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from contextmap.sample.noise import blank_cells, make_ids, recase, untidy
from contextmap.sample.vocabularies import (
    ABBREV,
    AREAS,
    CENTRE,
    FOOD,
    HOT_CATEGORIES,
    M_PER_DEG_LAT,
    PLACE_KINDS,
    POSTCODE_LETTERS,
    RADIUS_M,
    STREETS,
)

__all__ = ["World"]


class World:
    """A generation run's parameters, random streams, peer groups and places."""

    def __init__(self, n: int, seed: int, months: int, end_day: pd.Timestamp, noise: float) -> None:
        self.n, self.seed, self.months, self.noise = n, seed, months, noise
        self.rng = np.random.default_rng(seed)
        self.drng = np.random.default_rng([seed, 0xDEC0])  # decoys: a stream of their own
        start_day = end_day + pd.Timedelta(days=1) - pd.DateOffset(months=months)
        self.start = np.datetime64(start_day.date(), "D")
        self.end = np.datetime64(end_day.date(), "D")
        self.days = int((self.end - self.start) / np.timedelta64(1, "D")) + 1
        self.start_m = self.start.astype("datetime64[m]")
        self.last_minute = self.days * 1440 - 1  # 23:59 on the end day
        self.emerging_from = max(self.days - 75, int(self.days * 0.8))
        self.links: list[dict[str, np.ndarray]] = []

    # -- entities ---------------------------------------------------------------------

    def _groups(self) -> None:
        rng, n = self.rng, self.n
        target = int(round(0.5 * n))
        sizes: list[int] = []
        while sum(sizes) < target:
            sizes.append(int(rng.integers(3, 11)))
        while sum(sizes) > n - 2 and len(sizes) > 1:
            sizes.pop()
        order = rng.permutation(n)
        self.group_of = np.full(n, -1)
        self.members: list[np.ndarray] = []
        pos = 0
        for g, size in enumerate(sizes):
            m = np.sort(order[pos:pos + size])
            self.group_of[m] = g
            self.members.append(m)
            pos += size
        self.n_groups = len(sizes)

    def _places(self) -> None:
        """Ordinary places, hotspots, homes and care homes; then duplicate records."""
        rng, n, G = self.rng, self.n, self.n_groups
        rows: list[dict] = []

        def add(name: str, cat: str, r_max: float, role: str) -> int:
            r = r_max * math.sqrt(rng.random())
            a = rng.random() * 2 * math.pi
            rows.append({"name": name, "category": cat, "x": r * math.cos(a), "y": r * math.sin(a),
                         "role": role})
            return len(rows) - 1

        def place_name(cat: str) -> str:
            if cat == "address":
                street = STREETS[rng.integers(len(STREETS))]
                num = int(rng.integers(1, 400))
                return f"Flat {int(rng.integers(1, 9))}, {num} {street}" if rng.random() < 0.3 else f"{num} {street}"
            pattern = PLACE_KINDS[cat][rng.integers(len(PLACE_KINDS[cat]))]
            return pattern.format(a=AREAS[rng.integers(len(AREAS))],
                                  s=STREETS[rng.integers(len(STREETS))],
                                  f=FOOD[rng.integers(len(FOOD))])

        used: set[str] = set()

        def unique_name(cat: str) -> str:
            for _ in range(3):
                name = place_name(cat)
                if name not in used:
                    break
            else:
                name = f"{name} ({len(used)})"
            used.add(name)
            return name

        n_persistent = G + max(2, round(0.2 * G))
        n_emerging = max(2, round(0.15 * G))
        self.hot_persistent = []
        for _ in range(n_persistent):
            cat = HOT_CATEGORIES[rng.integers(len(HOT_CATEGORIES))]
            self.hot_persistent.append(add(unique_name(cat), cat, 2500.0, "persistent"))
        self.hot_emerging = []
        for _ in range(n_emerging):
            cat = HOT_CATEGORIES[rng.integers(len(HOT_CATEGORIES))]
            self.hot_emerging.append(add(unique_name(cat), cat, 3500.0, "emerging"))
        cats = list(PLACE_KINDS)
        self.ordinary = []
        for _ in range(max(60, round(0.8 * n))):
            cat = cats[rng.integers(len(cats))]
            self.ordinary.append(add(unique_name(cat), cat, RADIUS_M, "ordinary"))
        self.care_homes = [add(f"{AREAS[rng.integers(len(AREAS))]} House", "care_home", RADIUS_M, "home")
                           for _ in range(max(2, n // 40))]
        # children's homes: addresses, or a care home for those in residential placements
        self.placement = rng.choice(np.array(["home", "foster", "residential", "supported", "out_of_area", "other"]),
                                    n, p=[0.55, 0.2, 0.14, 0.05, 0.04, 0.02])
        self.home = np.full(n, -1)
        for i in range(n):
            if self.placement[i] == "residential":
                self.home[i] = self.care_homes[rng.integers(len(self.care_homes))]
            elif self.placement[i] in ("home", "foster", "supported") and rng.random() < 0.93:
                self.home[i] = add(unique_name("address"), "address", RADIUS_M, "home")
        # usual places per child (where solo episodes end and RHIs say they went)
        pop = 1.0 / np.arange(1, len(self.ordinary) + 1) ** 0.3
        self.ordinary_p = pop / pop.sum()
        self.usual = np.asarray(self.ordinary)[rng.integers(0, len(self.ordinary), (n, 3))]

        # duplicate records: some hotspots and some ordinary places appear 2-3 times
        n_places = len(rows)
        self.place_of = list(range(n_places))
        hot = self.hot_persistent + self.hot_emerging
        dup_src = [h for h in hot if rng.random() < 0.35] + [o for o in self.ordinary if rng.random() < 0.06]
        self.dups: dict[int, list[int]] = {}
        for p in dup_src:
            for _ in range(1 if rng.random() < 0.75 else 2):
                base = rows[p]
                rows.append({"name": self._place_variant(base["name"], base["category"]),
                             "category": base["category"] if rng.random() < 0.8 else "",
                             "x": base["x"] + rng.normal(0, 15), "y": base["y"] + rng.normal(0, 15),
                             "role": "duplicate"})
                self.place_of.append(p)
                self.dups.setdefault(p, []).append(len(rows) - 1)
        self.place_rows = rows
        self._decoy_places()

    def _decoy_places(self) -> None:
        """Busy places that are not places of concern (decoys), drawn from their own stream.

        A railway and a bus station, shopping centres and busy fast-food outlets that many
        children pass through, the schools the children attend and relatives' addresses
        where a child is often found. Care homes and the children's own homes are decoys too
        (made in :meth:`_places`). None of them is linked to a driving person of concern.
        """
        d = self.drng
        rows, n = self.place_rows, self.n

        def add(name: str, cat: str, r_max: float, role: str) -> int:
            r = r_max * math.sqrt(d.random())
            a = d.random() * 2 * math.pi
            rows.append({"name": name, "category": cat, "x": r * math.cos(a), "y": r * math.sin(a), "role": role})
            self.place_of.append(len(rows) - 1)
            return len(rows) - 1

        areas = list(d.permutation(len(AREAS)))

        def area(k: int) -> str:
            """The k-th area drawn; numbered once a large town has used every area name."""
            name = AREAS[areas[-1 - k % len(areas)]]
            return name if k < len(areas) else f"{name} ({k // len(areas) + 1})"

        busy = [(add("Central Railway Station", "transport", 800.0, "station"), 3.0),
                (add(f"{area(0)} Bus Station", "transport", 800.0, "station"), 2.5)]
        for k in range(1 + n // 600):
            busy.append((add(f"{area(k + 1)} Shopping Centre", "shop", 1500.0, "shopping_centre"), 2.0))
        for _ in range(2 + n // 500):
            street = STREETS[int(d.integers(len(STREETS)))]
            food = ("Burger Barn", "Crispy Corner", "Fry Station", "Bun & Grill")[int(d.integers(4))]
            busy.append((add(f"{food}, {street}", "food_outlet", 2000.0, "fast_food"), 1.5))
        self.busy = np.array([b for b, _ in busy], dtype=int)
        self.busy_p = np.array([w for _, w in busy]) / sum(w for _, w in busy)
        self.schools = [add(f"{AREAS[int(d.integers(len(AREAS)))]} {('Academy', 'High School')[k % 2]} ({k + 1})"
                            if k >= 2 * len(AREAS) else f"{AREAS[k // 2]} {('Academy', 'High School')[k % 2]}",
                            "school", 4000.0, "school") for k in range(max(2, n // 60))]
        self.school = np.where(d.random(n) < 0.85, np.asarray(self.schools)[d.integers(0, len(self.schools), n)], -1)
        self.relative = np.full(n, -1)
        for i in np.flatnonzero(d.random(n) < 0.15):
            street = STREETS[int(d.integers(len(STREETS)))]
            self.relative[i] = add(f"{int(d.integers(1, 400))} {street} (grandparent)" if d.random() < 0.3
                                   else f"{int(d.integers(1, 400))} {street}", "address", RADIUS_M, "relative_address")

    def _place_variant(self, name: str, cat: str) -> str:
        rng = self.rng
        v = name
        for full, short in ABBREV.items():
            if full in v and rng.random() < 0.8:
                v = v.replace(full, short)
        r = rng.random()
        if r < 0.35:
            v = v.replace(",", "")
        elif r < 0.55 and ", " in v:
            head, tail = v.split(", ", 1)
            v = f"{head} ({tail})"
        elif r < 0.7:
            v = v.lower()
        if v == name:
            v = name.replace(",", "") + (" " if cat == "address" else "") if "," in name else name.upper()
        return v.strip()

    def _assign_location_ids(self) -> None:
        # random ids, so that an id's position says nothing about the place's role
        self.location_ids = make_ids("L", len(self.place_rows))[self.rng.permutation(len(self.place_rows))]

    def _pick_record(self, places: np.ndarray, p_dup: float) -> np.ndarray:
        """Map place indices to location records, sometimes to a duplicate record."""
        out = places.copy()
        for i in np.flatnonzero(places >= 0):
            d = self.dups.get(int(places[i]))
            if d and self.rng.random() < p_dup:
                out[i] = d[int(self.rng.integers(len(d)))]
        return out

    def _place_mention(self, place: int) -> tuple[str, str]:
        row = self.place_rows[place]
        name, cat = row["name"], row["category"]
        r = self.rng.random()
        if "," in name and r < 0.4:
            return name.split(",")[0].strip(), "short_name"
        if cat == "food_outlet" and r < 0.6:
            street = name.split(", ")[-1]
            return f"the chicken shop on {ABBREV.get(street, street)}" if "Chicken" in name else f"takeaway on {street}", "description"
        if cat == "park" and r < 0.6:
            return f"the {name.split()[-1].lower()}s by {name.split()[0]}" if name.endswith("Woods") else f"{name.split()[0]} park", "description"
        return name, "name"

    def _locations_table(self) -> pd.DataFrame:
        from pyproj import Transformer

        rng = self.rng
        rows = self.place_rows
        x = np.array([r["x"] for r in rows])
        y = np.array([r["y"] for r in rows])
        lat = CENTRE[0] + y / M_PER_DEG_LAT
        lon = CENTRE[1] + x / (M_PER_DEG_LAT * math.cos(math.radians(CENTRE[0])))
        east, north = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
        form = rng.choice(3, len(rows), p=[0.8, 0.15, 0.05])  # lat/lon, easting/northing, none
        blank = np.full(len(rows), "", dtype=object)
        lat_t = np.where(form == 0, np.char.mod("%.6f", lat), "").astype(object)
        lon_t = np.where(form == 0, np.char.mod("%.6f", lon), "").astype(object)
        e_t = np.where(form == 1, np.char.mod("%.0f", east), "").astype(object)
        n_t = np.where(form == 1, np.char.mod("%.0f", north), "").astype(object)
        # postcodes: outward code by direction from the centre, invented inward code
        outward = np.where(y > 800, "CA3", np.where(x < 0, "CA2", "CA1"))
        letters = np.array(list(POSTCODE_LETTERS))
        inward = [f"{d}{a}{b}" for d, a, b in zip(rng.integers(1, 10, len(rows)), rng.choice(letters, len(rows)),
                                                   rng.choice(letters, len(rows)), strict=True)]
        postcode = np.array([f"{o} {i}" for o, i in zip(outward, inward, strict=True)], dtype=object)
        for i, p in enumerate(self.place_of):
            if p != i:
                postcode[i] = postcode[p]  # a duplicate record shares its place's postcode
        postcode = blank_cells(postcode, 0.08, rng)
        cats = np.array([r["category"] for r in rows], dtype=object)
        frame = pd.DataFrame({
            "location_id": self.location_ids,
            "name": untidy(np.array([r["name"] for r in rows], dtype=object), 0.04, rng),
            "category": recase(blank_cells(cats, 0.02, rng), 0.1, rng),
            "latitude": lat_t, "longitude": lon_t, "easting": e_t, "northing": n_t,
            "postcode": postcode if len(rows) else blank,
        })
        return frame.sort_values("location_id", kind="stable").reset_index(drop=True)


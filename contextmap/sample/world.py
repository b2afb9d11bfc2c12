"""The sample's world: where children live, their peer groups, and the places they go.

:class:`World` is the first layer of a generation run: the run's parameters and random
streams; the settlements (one town, or from :data:`REGION_FROM` children a county of a main
town, towns and villages), their neighbourhoods and straight named streets; the planted peer
groups (each in one settlement); the places (ordinary places, hotspots, homes, care homes and
the busy decoys), each standing on a street whose name it carries, with their duplicate
records; and the ``locations`` table.
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
    STREET_STEMS,
    STREET_SUFFIXES,
    STREETS,
    SURNAMES,
    TOWN_PREFIXES,
    TOWN_SUFFIXES,
)

__all__ = ["World", "REGION_FROM", "town_names"]

REGION_FROM = 2000
"""From this many children the sample is a county of towns and villages, not one town."""


def town_names() -> list[str]:
    """Every invented town or village name (``Crag`` + ``thwaite``; ``Gill`` + ``ley`` is ``Gilley``).

    Examples
    --------
    >>> names = town_names()
    >>> "Cragthwaite" in names, "Gilley" in names, len(names) == len(set(names))
    (True, True, True)
    """
    out = [p + (s[1:] if p[-1] == s[0] else s) for p in TOWN_PREFIXES for s in TOWN_SUFFIXES]
    return list(dict.fromkeys(out))


class World:
    """A generation run's parameters, random streams, peer groups and places."""

    def __init__(self, n: int, seed: int, months: int, end_day: pd.Timestamp, noise: float) -> None:
        self.n, self.seed, self.months, self.noise = n, seed, months, noise
        self.surnames: list[str] = SURNAMES  # the pool names are drawn from (people.py)
        self.rng = np.random.default_rng(seed)
        self.drng = np.random.default_rng([seed, 0xDEC0])  # decoys: a stream of their own
        self.grng = np.random.default_rng([seed, 0x6E0])  # geography: a stream of its own
        start_day = end_day + pd.Timedelta(days=1) - pd.DateOffset(months=months)
        self.start = np.datetime64(start_day.date(), "D")
        self.end = np.datetime64(end_day.date(), "D")
        self.days = int((self.end - self.start) / np.timedelta64(1, "D")) + 1
        self.start_m = self.start.astype("datetime64[m]")
        self.last_minute = self.days * 1440 - 1  # 23:59 on the end day
        self.emerging_from = max(self.days - 75, int(self.days * 0.8))
        self.links: list[dict[str, np.ndarray]] = []

    # -- the region: settlements, neighbourhoods, streets -----------------------------

    def _settlements(self) -> None:
        """The county: one town at small scale; a main town, towns and villages at region scale.

        Below :data:`REGION_FROM` children everything happens in one town of radius
        :data:`~contextmap.sample.vocabularies.RADIUS_M`. From there on the county grows
        towns (about one per 5,000 children, up to 8) and villages (one per 1,200 children,
        up to 30) 8 to 32 km from the main town; the main town keeps about 40% of the
        children, the towns 40%, the villages 20%. Each settlement has its own
        neighbourhoods and streets, with invented names unique in the county.
        """
        g, n = self.grng, self.n
        n_towns = 0 if n < REGION_FROM else min(8, 1 + n // 5000)
        n_villages = 0 if n < REGION_FROM else min(30, n // 1200)
        names = town_names()
        names = [names[i] for i in g.permutation(len(names))]
        self.settlements: list[dict] = [{"name": "", "kind": "main", "x": 0.0, "y": 0.0, "r": RADIUS_M}]
        for kind, count, (d_lo, d_hi), (r_lo, r_hi), gap in (
                ("town", n_towns, (12_000, 32_000), (1500, 2500), 7000),
                ("village", n_villages, (8_000, 34_000), (400, 800), 2500)):
            for _ in range(count):
                for _try in range(200):  # away from every other settlement
                    d, a = g.uniform(d_lo, d_hi), g.uniform(0, 2 * math.pi)
                    x, y = d * math.cos(a), d * math.sin(a)
                    r = g.uniform(r_lo, r_hi)
                    if all(math.hypot(x - s["x"], y - s["y"]) > s["r"] + r + gap for s in self.settlements):
                        break
                self.settlements.append({"name": names.pop(), "kind": kind, "x": x, "y": y, "r": r})
        shares = np.array([1.0 if s["kind"] == "main" else 0.0 for s in self.settlements])
        if len(self.settlements) > 1:
            kinds = np.array([s["kind"] for s in self.settlements])
            w = g.uniform(0.5, 1.5, len(shares))
            for kind, total in (("main", 0.4), ("town", 0.4), ("village", 0.2)):
                m = kinds == kind
                shares[m] = total * w[m] / w[m].sum() if m.any() else 0.0
            shares /= shares.sum()
        self.settle_share = shares
        self.settle_of = (np.zeros(n, dtype=int) if len(shares) == 1
                          else g.choice(len(shares), n, p=shares))
        self.children_by = [np.flatnonzero(self.settle_of == k) for k in range(len(shares))]
        # the settlement whose stations, shopping centres and schools a settlement uses
        towns = [k for k, s in enumerate(self.settlements) if s["kind"] != "village"]
        self.service = np.array([k if s["kind"] != "village" else min(
            towns, key=lambda t: math.hypot(s["x"] - self.settlements[t]["x"], s["y"] - self.settlements[t]["y"]))
            for k, s in enumerate(self.settlements)])
        self._streets()

    def _streets(self) -> None:
        """Neighbourhoods and streets of every settlement: straight streets, named once each."""
        g, n = self.grng, self.n
        expected = 1.7 * n  # places, roughly (ordinary places, homes, hotspots, decoys)
        per_street = min(60.0, max(10.0, expected / 1200))
        stems = [STREET_STEMS[i] for i in g.permutation(len(STREET_STEMS))]
        # every street name once in the county (the main town's first); a county with more
        # streets than names reuses them, each in another settlement
        fresh = [f"{s} {x}" for x in STREET_SUFFIXES for s in stems]
        names = list(dict.fromkeys(list(STREETS) + [fresh[i] for i in g.permutation(len(fresh))]))
        next_name = 0
        taken = {s["name"] for s in self.settlements}
        area_pool = iter([a for a in sorted(town_names()) if a not in taken])
        self.streets: list[dict] = []
        self.street_of_settlement: list[list[int]] = []
        for k, s in enumerate(self.settlements):
            # neighbourhoods: the invented areas in the main town; a village is one area
            if s["kind"] == "main":
                areas = list(AREAS)
            elif s["kind"] == "town":
                areas = [next(area_pool) for _ in range(int(g.integers(3, 7)))]
            else:
                areas = [s["name"]]
            centres = [(s["x"] + rr * math.cos(aa), s["y"] + rr * math.sin(aa))
                       for rr, aa in zip(s["r"] * 0.75 * np.sqrt(g.random(len(areas))),
                                         g.uniform(0, 2 * math.pi, len(areas)), strict=True)]
            n_streets = max(2 if s["kind"] == "village" else 6,
                            round(expected * float(self.settle_share[k]) / per_street))
            mine = []
            for _ in range(n_streets):
                name = names[next_name % len(names)]
                next_name += 1
                rr, aa = s["r"] * 0.85 * math.sqrt(g.random()), g.uniform(0, 2 * math.pi)
                mx, my = s["x"] + rr * math.cos(aa), s["y"] + rr * math.sin(aa)
                half = 0.5 * (g.uniform(150, 500) if s["kind"] == "village" else g.uniform(300, 1200))
                th = g.uniform(0, math.pi)
                ends = []
                for sign in (-1, 1):  # both ends inside the settlement
                    ex, ey = mx + sign * half * math.cos(th), my + sign * half * math.sin(th)
                    d = math.hypot(ex - s["x"], ey - s["y"])
                    if d > s["r"] * 0.97:
                        ex = s["x"] + (ex - s["x"]) * s["r"] * 0.97 / d
                        ey = s["y"] + (ey - s["y"]) * s["r"] * 0.97 / d
                    ends.append((ex, ey))
                near = int(np.argmin([math.hypot(mx - cx, my - cy) for cx, cy in centres]))
                self.streets.append({"name": name, "settlement": k, "area": areas[near],
                                     "x0": ends[0][0], "y0": ends[0][1], "x1": ends[1][0], "y1": ends[1][1],
                                     "mid_r": math.hypot(mx - s["x"], my - s["y"]) / s["r"]})
                mine.append(len(self.streets) - 1)
            self.street_of_settlement.append(mine)
        # streets of each settlement from its centre outwards, for :meth:`_spot`
        self.street_rank = [np.array(sorted(m, key=lambda i: self.streets[i]["mid_r"]), dtype=int)
                            for m in self.street_of_settlement]
        self.street_mid_r = [np.array([self.streets[i]["mid_r"] for i in r]) for r in self.street_rank]

    def _spot(self, settlement: int, r_share: float, rng: np.random.Generator) -> tuple[int, float, float, float]:
        """A point on a street of ``settlement`` whose middle lies within ``r_share`` of its radius.

        Returns the street, x, y and the position along the street (0 to 1).
        """
        n_near = max(1, int(np.searchsorted(self.street_mid_r[settlement], r_share, side="right")))
        i = int(self.street_rank[settlement][int(rng.integers(n_near))])
        st = self.streets[i]
        t = rng.random()
        dx, dy = st["x1"] - st["x0"], st["y1"] - st["y0"]
        length = math.hypot(dx, dy) or 1.0
        off = rng.normal(0, 12)  # either side of the street
        x = st["x0"] + t * dx - off * dy / length
        y = st["y0"] + t * dy + off * dx / length
        return i, x, y, t

    def _street_length(self, street: int) -> float:
        st = self.streets[street]
        return math.hypot(st["x1"] - st["x0"], st["y1"] - st["y0"])

    def _by_settlement(self, children: np.ndarray, pools: list[np.ndarray], rng: np.random.Generator,
                       *, probs: list[np.ndarray] | None = None, fallback: np.ndarray | None = None) -> np.ndarray:
        """For each child, a place drawn from the pool of the child's settlement.

        A settlement with an empty pool draws from ``fallback`` (default: every pool together).
        With one settlement this is one draw from its pool, as a town-sized sample needs.
        """
        out = np.full(len(children), -1, dtype=int)
        if len(children) == 0:
            return out
        where = self.settle_of[children]
        for k in np.unique(where):
            idx = np.flatnonzero(where == k)
            pool = pools[int(k)]
            p = None if probs is None else probs[int(k)]
            if len(pool) == 0:
                pool = fallback if fallback is not None else np.concatenate([q for q in pools if len(q)])
                p = None
            out[idx] = pool[rng.choice(len(pool), len(idx), p=p)] if p is not None else pool[
                rng.integers(0, len(pool), len(idx))]
        return out

    # -- entities ---------------------------------------------------------------------

    def _groups(self) -> None:
        """Peer groups: about half the children of each settlement, in groups of 3 to 10."""
        rng, n = self.rng, self.n
        self.group_of = np.full(n, -1)
        self.members: list[np.ndarray] = []
        self.group_settlement: list[int] = []
        for k in range(len(self.settlements)):
            kids = np.flatnonzero(self.settle_of == k)
            m_k = len(kids)
            if m_k < 8:
                continue
            target = int(round(0.5 * m_k))
            sizes: list[int] = []
            while sum(sizes) < target:
                sizes.append(int(rng.integers(3, 11)))
            while sum(sizes) > m_k - 2 and len(sizes) > 1:
                sizes.pop()
            order = kids[rng.permutation(m_k)]
            pos = 0
            for size in sizes:
                m = np.sort(order[pos:pos + size])
                self.group_of[m] = len(self.members)
                self.members.append(m)
                self.group_settlement.append(k)
                pos += size
        self.n_groups = len(self.members)

    def _places(self) -> None:
        """Ordinary places, hotspots, homes and care homes; then duplicate records.

        Every place stands on a street of its settlement; its name or address uses that
        street and that street's neighbourhood, so places on one street lie along one line.
        """
        rng, g, n, G = self.rng, self.grng, self.n, self.n_groups
        S = len(self.settlements)
        rows: list[dict] = []
        used: set[str] = set()

        def add(cat: str, r_share: float, role: str, settlement: int, name: str | None = None) -> int:
            for _attempt in range(4):
                street, x, y, t = self._spot(settlement, r_share, g)
                text = name or self._place_name(cat, street, t)
                if text not in used:
                    break
            else:
                text = f"{text} ({len(used)})"
            used.add(text)
            rows.append({"name": text, "category": cat, "x": x, "y": y, "role": role,
                         "settlement": settlement, "street": street})
            return len(rows) - 1

        def settlement_by_share() -> int:
            return 0 if S == 1 else int(g.choice(S, p=self.settle_share))

        # hotspots: each group's own turf in its settlement, some more, and the emerging ones
        self.hot_persistent = []
        for k in self.group_settlement:
            cat = HOT_CATEGORIES[rng.integers(len(HOT_CATEGORIES))]
            self.hot_persistent.append(add(cat, 0.5, "persistent", k))
        for _ in range(max(2, round(0.2 * G))):
            cat = HOT_CATEGORIES[rng.integers(len(HOT_CATEGORIES))]
            self.hot_persistent.append(add(cat, 0.5, "persistent", settlement_by_share()))
        self.turf = np.array(self.hot_persistent[:G], dtype=int)
        self.late_turf = np.full(G, -1)
        self.hot_emerging = []
        for k in range(max(2, round(0.15 * G))):
            grp = (k * 7 + int(rng.integers(G))) % G if G else -1
            cat = HOT_CATEGORIES[rng.integers(len(HOT_CATEGORIES))]
            h = add(cat, 0.7, "emerging", self.group_settlement[grp] if grp >= 0 else 0)
            self.hot_emerging.append(h)
            if grp >= 0:
                self.late_turf[grp] = h
        cats = list(PLACE_KINDS)
        self.ordinary = []
        n_ordinary = max(60, round(0.8 * n))
        where_ord = np.zeros(n_ordinary, dtype=int) if S == 1 else g.choice(S, n_ordinary, p=self.settle_share)
        for k in where_ord.tolist():
            cat = cats[rng.integers(len(cats))]
            self.ordinary.append(add(cat, 1.0, "ordinary", k))
        self.care_homes = []
        for _ in range(max(2, n // 40)):
            k = int(self.service[settlement_by_share()])
            area = self.streets[self._spot(k, 1.0, g)[0]]["area"]
            self.care_homes.append(add("care_home", 1.0, "home", k, name=f"{area} House"))
        # children's homes: addresses in their settlement, or a care home (residential placements)
        self.placement = rng.choice(np.array(["home", "foster", "residential", "supported", "out_of_area", "other"]),
                                    n, p=[0.55, 0.2, 0.14, 0.05, 0.04, 0.02])
        homes_of = [np.array([c for c in self.care_homes if rows[c]["settlement"] == int(self.service[k])] or
                             self.care_homes) for k in range(S)]
        self.home = np.full(n, -1)
        for i in range(n):
            k = int(self.settle_of[i])
            if self.placement[i] == "residential":
                self.home[i] = homes_of[k][rng.integers(len(homes_of[k]))]
            elif self.placement[i] in ("home", "foster", "supported") and rng.random() < 0.93:
                self.home[i] = add("address", 1.0, "home", k)
        # ordinary places per settlement, with a gentle popularity; usual places per child
        ords = np.asarray(self.ordinary)
        where = np.array([rows[o]["settlement"] for o in self.ordinary])
        self.ordinary_by = [ords[where == k] for k in range(S)]
        self.ordinary_p_by = []
        for pool in self.ordinary_by:
            pop = 1.0 / np.arange(1, len(pool) + 1) ** 0.3
            self.ordinary_p_by.append(pop / pop.sum())
        self.usual = np.stack([self._by_settlement(np.arange(n), self.ordinary_by, rng) for _ in range(3)], axis=1)
        hot_p, hot_e = np.asarray(self.hot_persistent), np.asarray(self.hot_emerging)
        self.hot_persistent_by = [hot_p[[rows[h]["settlement"] == k for h in hot_p]] for k in range(S)]
        self.hot_emerging_by = [hot_e[[rows[h]["settlement"] == k for h in hot_e]] for k in range(S)]

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
                             "role": "duplicate", "settlement": base["settlement"], "street": base["street"]})
                self.place_of.append(p)
                self.dups.setdefault(p, []).append(len(rows) - 1)
        self.place_rows = rows
        self._decoy_places(used)

    def _place_name(self, cat: str, street: int, t: float) -> str:
        """A name for a place of category ``cat`` at position ``t`` along ``street``."""
        rng = self.grng
        st = self.streets[street]
        if cat == "address":
            num = 1 + 2 * int(t * self._street_length(street) / 12) + int(rng.integers(2))
            return f"Flat {int(rng.integers(1, 9))}, {num} {st['name']}" if rng.random() < 0.3 else f"{num} {st['name']}"
        pattern = PLACE_KINDS[cat][rng.integers(len(PLACE_KINDS[cat]))]
        return pattern.format(a=st["area"], s=st["name"], f=FOOD[rng.integers(len(FOOD))])

    def _decoy_places(self, used: set[str]) -> None:
        """Busy places that are not places of concern (decoys), drawn from their own stream.

        A railway and a bus station, shopping centres and busy fast-food outlets that many
        children pass through, the schools the children attend and relatives' addresses
        where a child is often found. Care homes and the children's own homes are decoys too
        (made in :meth:`_places`). None of them is linked to a driving person of concern.
        At region scale every town has its own; villages use their nearest town's.
        """
        d = self.drng
        rows, n, S = self.place_rows, self.n, len(self.settlements)

        def add(name: str, cat: str, r_share: float, role: str, settlement: int) -> int:
            street, x, y, t = self._spot(settlement, r_share, d)
            if name == "address":
                num = 1 + 2 * int(t * self._street_length(street) / 12) + int(d.integers(2))
                name = f"{num} {self.streets[street]['name']}"
                name = f"{name} (grandparent)" if d.random() < 0.3 else name
            elif "{s}" in name:
                name = name.format(s=self.streets[street]["name"])
            used.add(name)
            rows.append({"name": name, "category": cat, "x": x, "y": y, "role": role,
                         "settlement": settlement, "street": street})
            self.place_of.append(len(rows) - 1)
            return len(rows) - 1

        areas = list(d.permutation(len(AREAS)))

        def area(k: int) -> str:
            """The k-th area drawn; numbered once a large town has used every area name."""
            name = AREAS[areas[-1 - k % len(areas)]]
            return name if k < len(areas) else f"{name} ({k // len(areas) + 1})"

        towns = [k for k in range(S) if self.settlements[k]["kind"] != "village"]
        share = np.array([self.settle_share[self.service == k].sum() for k in towns])
        share = share / share.sum()

        def town_for(j: int, total: int) -> int:
            """Spread ``total`` places over the towns by population, the main town first."""
            return towns[int(np.searchsorted(np.cumsum(share), (j + 0.5) / total))] if len(towns) > 1 else 0

        busy: list[tuple[int, float, int]] = []  # place, weight, town
        busy.append((add("Central Railway Station", "transport", 0.16, "station", 0), 3.0, 0))
        busy.append((add(f"{area(0)} Bus Station", "transport", 0.16, "station", 0), 2.5, 0))
        for k in towns[1:]:
            name = self.settlements[k]["name"]
            busy.append((add(f"{name} Railway Station", "transport", 0.2, "station", k), 3.0, k))
            busy.append((add(f"{name} Bus Station", "transport", 0.2, "station", k), 2.5, k))
        n_shop = 1 + n // 600
        for j in range(n_shop):
            k = town_for(j, n_shop)
            busy.append((add(f"{area(j + 1)} Shopping Centre", "shop", 0.3, "shopping_centre", k), 2.0, k))
        n_food = 2 + n // 500
        for j in range(n_food):
            k = town_for(j, n_food)
            food = ("Burger Barn", "Crispy Corner", "Fry Station", "Bun & Grill")[int(d.integers(4))]
            busy.append((add(food + ", {s}", "food_outlet", 0.4, "fast_food", k), 1.5, k))
        self.busy = np.array([b for b, _, _ in busy], dtype=int)
        weight = np.array([w for _, w, _ in busy])
        town_of = np.array([t for _, _, t in busy])
        self.busy_p = weight / weight.sum()
        self.busy_by = [self.busy[town_of == self.service[k]] for k in range(S)]
        self.busy_p_by = [weight[town_of == self.service[k]] / weight[town_of == self.service[k]].sum()
                          for k in range(S)]
        n_school = max(2, n // 60)
        self.schools = []
        for j in range(n_school):
            k = town_for(j, n_school)
            label = (f"{AREAS[int(d.integers(len(AREAS)))]} {('Academy', 'High School')[j % 2]} ({j + 1})"
                     if j >= 2 * len(AREAS) else f"{AREAS[j // 2]} {('Academy', 'High School')[j % 2]}")
            self.schools.append(add(label, "school", 0.8, "school", k))
        sch = np.asarray(self.schools)
        sch_town = np.array([rows[s]["settlement"] for s in self.schools])
        pools = [sch[sch_town == self.service[k]] for k in range(S)]
        attends = d.random(n) < 0.85
        self.school = np.where(attends, self._by_settlement(np.arange(n), pools, d, fallback=sch), -1)
        self.relative = np.full(n, -1)
        for i in np.flatnonzero(d.random(n) < 0.15):
            k = int(self.settle_of[i]) if d.random() < 0.8 or S == 1 else int(d.integers(S))
            self.relative[i] = add("address", "address", 1.0, "relative_address", k)

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
        # postcodes: in the main town an outward code by direction from the centre; every other
        # settlement one of its own (CA4, CA5...); an invented inward code
        settlement = np.array([r["settlement"] for r in rows], dtype=int)
        outward = np.where(y > 800, "CA3", np.where(x < 0, "CA2", "CA1")).astype(object)
        far = settlement > 0
        outward[far] = np.char.add("CA", (settlement[far] + 3).astype(str)).astype(object)
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


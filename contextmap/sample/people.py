"""The sample's people: persons of concern (with their duplicate records), whom they reach,
and the children's names; the ``children`` and ``persons`` tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contextmap.sample.noise import (
    blank_cells,
    dob_variant,
    fmt_dates,
    make_ids,
    recase,
    typo,
    untidy,
)
from contextmap.sample.vocabularies import GIVEN_F, GIVEN_M
from contextmap.sample.world import World

__all__ = ["People"]


class People(World):
    """Second layer of a generation run: persons of concern, their reach, children's names."""

    def _persons(self) -> None:
        """Driving persons of concern (some split over 2-3 records), relatives, one-off contacts."""
        rng, G = self.rng, self.n_groups
        ents: list[dict] = []

        def new_person(role: str, *, surname: str | None = None, age: tuple[int, int] = (18, 34)) -> int:
            male = rng.random() < 0.8
            first = (GIVEN_M if male else GIVEN_F)[rng.integers(30)]
            sur = surname or self.surnames[rng.integers(len(self.surnames))]
            age_days = int(rng.integers(age[0] * 365, age[1] * 365))
            ents.append({"first": first, "surname": sur, "gender": "male" if male else "female",
                         "dob": self.end - np.timedelta64(age_days, "D"), "role": role,
                         "groups": [], "aliases": self._aliases(first, sur)})
            return len(ents) - 1

        self.group_pocs: list[list[tuple[int, float]]] = [[] for _ in range(G)]  # (entity, reach share)
        for g in range(G):
            self.group_pocs[g].append((new_person("primary"), 0.75))
            ents[self.group_pocs[g][0][0]]["groups"].append(g)
            if rng.random() < 0.35:
                e = new_person("secondary")
                ents[e]["groups"].append(g)
                self.group_pocs[g].append((e, 0.45))
        n_bridge = max(1, round(0.2 * G)) if G >= 2 else 0
        for _ in range(n_bridge):
            gs = rng.choice(G, size=min(G, int(rng.integers(2, 4))), replace=False)
            e = new_person("bridging")
            for g in sorted(int(x) for x in gs):
                ents[e]["groups"].append(g)
                self.group_pocs[g].append((e, -1.0))
        self.n_driving = len(ents)
        # relatives of driving persons ("Tyler's cousin") and namesakes (same surname, not the same person)
        self.cousin_of: dict[int, int] = {}
        for e in range(self.n_driving):
            if rng.random() < 0.3:
                self.cousin_of[e] = new_person("relative", surname=ents[e]["surname"] if rng.random() < 0.5 else None)
        for e in range(self.n_driving):
            if rng.random() < 0.15:
                new_person("namesake", surname=ents[e]["surname"])
        self.background = [new_person("contact", age=(16, 45)) for _ in range(max(10, round(0.25 * self.n)))]
        self.ents = ents

        # records: driving persons sometimes appear 2-3 times under other names and dates of birth
        recs: list[dict] = []
        self.records_of: list[list[int]] = []
        for e, p in enumerate(ents):
            k = 1
            if p["role"] in ("primary", "secondary", "bridging"):
                k = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2])) if p["role"] != "bridging" else int(rng.integers(2, 4))
            ids = []
            phone = f"07700 900{int(rng.integers(0, 1000)):03d}" if rng.random() < 0.4 else ""
            for j in range(k):
                name = f"{p['first']} {p['surname']}" if j == 0 else self._name_variant(p["first"], p["surname"])
                aliases = p["aliases"][: int(rng.integers(0, len(p["aliases"]) + 1))]
                dob = p["dob"] if (j == 0 or rng.random() < 0.4) else dob_variant(p["dob"], rng)
                recs.append({"entity": e, "name": name, "aliases": "; ".join(aliases),
                             "dob": dob if rng.random() > (0.08 if j == 0 else 0.3) else None,
                             "gender": p["gender"] if rng.random() > 0.1 else "",
                             "phone": phone if rng.random() < 0.7 else ""})
                ids.append(len(recs) - 1)
            self.records_of.append(ids)
        # shuffle record order so that records of one person are not adjacent
        order = rng.permutation(len(recs))
        rank = np.empty(len(recs), dtype=int)
        rank[order] = np.arange(len(recs))
        self.person_recs = [recs[i] for i in order]
        self.records_of = [[int(rank[r]) for r in rs] for rs in self.records_of]
        self.person_ids = make_ids("P", len(recs))

    def _aliases(self, first: str, sur: str) -> list[str]:
        rng = self.rng
        opts = [f"Big {first[0]}", f"Lil {first[:3]}", f"{first[0]}{sur[0]}", f"{sur}y", f"{first[:3]}z"]
        k = int(rng.choice([0, 1, 2], p=[0.4, 0.4, 0.2]))
        return [opts[i] for i in sorted(rng.choice(len(opts), k, replace=False))]

    def _name_variant(self, first: str, sur: str) -> str:
        r = self.rng.random()
        if r < 0.25:
            return f"{first[0]} {sur}"
        if r < 0.45:
            return f"{first} {sur[0]}"
        if r < 0.6:
            return f"{first} {typo(sur, self.rng)}"
        if r < 0.75:
            return f"{sur.upper()}, {first}"
        if r < 0.88:
            return f"{first[:3]} {sur}"
        return f"{first.lower()} {sur.lower()}"

    def _reach(self) -> None:
        """Which children each driving person of concern reaches (planted)."""
        rng = self.rng
        self.reach: dict[int, set[int]] = {}
        self.named_reach: dict[int, set[int]] = {}  # children linked only through RHIs naming the primary
        for g, pocs in enumerate(self.group_pocs):
            m = self.members[g]
            for e, share in pocs:
                k = min(len(m), max(2, round(share * len(m)))) if share > 0 else min(len(m), int(rng.integers(2, 4)))
                self.reach.setdefault(e, set()).update(int(x) for x in rng.choice(m, k, replace=False))
        self.child_pocs: dict[int, list[int]] = {}
        for g, pocs in enumerate(self.group_pocs):
            for e, _share in pocs:
                for c in self.members[g]:
                    if int(c) in self.reach[e]:
                        self.child_pocs.setdefault(int(c), []).append(e)

    def _poc_for(self, child: int) -> int:
        """A driving person of concern who reaches this child (weighted to the primary)."""
        cands = self.child_pocs.get(child)
        if not cands:
            # outside every planted reach set: the group's primary is named, and then reaches them too
            e = self.group_pocs[self.group_of[child]][0][0]
            self.named_reach.setdefault(e, set()).add(int(child))
            return e
        if len(cands) == 1:
            return cands[0]
        w = self.rng.random() * (1.0 + 0.6 * (len(cands) - 1))  # the first (primary) weighs 1, others 0.6
        return cands[0] if w < 1.0 else cands[1 + min(len(cands) - 2, int((w - 1.0) / 0.6))]

    def _person_record(self, ent: int, *, prefer_variant: float) -> str:
        recs = self.records_of[ent]
        if len(recs) > 1 and self.rng.random() < prefer_variant:
            return str(self.person_ids[recs[1 + int(self.rng.integers(len(recs) - 1))]])
        return str(self.person_ids[recs[0]])

    def _canonical_person(self, ent: int) -> str:
        return str(self.person_ids[self.records_of[ent][0]])

    def _person_mention(self, e: int) -> tuple[str, str, str, str]:
        p = self.ents[e]
        opts = [(p["first"], "first_name"), (f"{p['first']} {p['surname']}", "full_name"),
                (f"{p['first'][0]} {p['surname']}", "initial_surname")]
        opts += [(a, "alias") for a in p["aliases"]] * 2
        text, form = opts[int(self.rng.integers(len(opts)))]
        return text, self._canonical_person(e), "person", form

    def _child_names(self) -> np.ndarray:
        """Children's ids and names (siblings share a surname); returns who is female."""
        rng = self.rng
        self.child_ids = make_ids("C", self.n)
        sur = rng.integers(0, len(self.surnames), self.n)
        female = rng.random(self.n) < 0.5
        first = np.where(female, rng.integers(0, 30, self.n), rng.integers(0, 30, self.n))
        self.child_names = [((GIVEN_F if female[i] else GIVEN_M)[first[i]], self.surnames[sur[i]]) for i in range(self.n)]
        return female

    def _children_table(self, female: np.ndarray) -> pd.DataFrame:
        rng, n = self.rng, self.n
        grouped = self.group_of >= 0
        names = np.array([f"{a} {b}" for a, b in self.child_names], dtype=object)
        age = rng.integers(11 * 365, 18 * 365 - 30, n)
        dob = fmt_dates(self.days - 1 - age, self.start, rng)
        gender = np.where(female, "female", "male").astype(object)
        gender[rng.random(n) < 0.03] = "unknown"
        gender[rng.random(n) < 0.01] = "non_binary"
        risk = np.where(grouped, rng.choice(np.array(["none", "low", "medium", "high"]), n, p=[0.05, 0.2, 0.4, 0.35]),
                        rng.choice(np.array(["none", "low", "medium", "high"]), n, p=[0.4, 0.35, 0.2, 0.05])).astype(object)
        reviewed = fmt_dates(self.days - 1 - rng.integers(0, 150, n), self.start, rng)
        home = np.where(self.home >= 0, self.location_ids[np.maximum(self.home, 0)], "").astype(object)
        return pd.DataFrame({
            "child_id": self.child_ids,
            "name": untidy(blank_cells(names, 0.01, rng), 0.04, rng),
            "date_of_birth": blank_cells(dob, 0.03, rng),
            "gender": recase(blank_cells(gender, 0.02, rng), 0.1, rng),
            "ce_risk": recase(blank_cells(risk, 0.03, rng), 0.1, rng),
            "risk_reviewed_on": blank_cells(reviewed, 0.1, rng),
            "placement": recase(self.placement.astype(object), 0.15, rng),
            "home_location_id": home,
        })

    def _persons_table(self) -> pd.DataFrame:
        rng = self.rng
        recs = self.person_recs
        dob = np.array([r["dob"] if r["dob"] is not None else self.end for r in recs], dtype="datetime64[D]")
        dob_txt = fmt_dates((dob - self.start).astype(int), self.start, rng, uk_share=0.35)
        dob_txt[[r["dob"] is None for r in recs]] = ""
        return pd.DataFrame({
            "person_id": self.person_ids,
            "name": untidy(np.array([r["name"] for r in recs], dtype=object), 0.05, rng),
            "aliases": np.array([r["aliases"] for r in recs], dtype=object),
            "date_of_birth": dob_txt,
            "gender": recase(np.array([r["gender"] for r in recs], dtype=object), 0.1, rng),
            "phone": np.array([r["phone"] for r in recs], dtype=object),
            "vehicle": np.full(len(recs), "", dtype=object),
            "social_media": np.full(len(recs), "", dtype=object),
        })


"""The sample's truth: what was planted, as tables (see ``docs/sample-data.md``), and the
parameters and counts written to ``truth/truth.json``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from contextmap.sample.episodes import Events
from contextmap.sample.vocabularies import CENTRE, M_PER_DEG_LAT

__all__ = ["Truth"]


class Truth(Events):
    """Last layer of a generation run: the truth tables and ``truth.json``."""

    def _truth(self, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        cid = self.child_ids
        groups = pd.DataFrame(
            [(f"G{g + 1:03d}", str(cid[c])) for g, m in enumerate(self.members) for c in m],
            columns=["group_id", "child_id"])
        # hotspots: persistent and emerging, with the record ids of their duplicates
        lid = self.location_ids
        hrows = []
        groups_at: dict[int, list[str]] = {}
        for g in range(self.n_groups):
            for h in sorted({int(self.turf[g]), int(self.late_turf[g])} - {-1}):
                groups_at.setdefault(h, []).append(f"G{g + 1:03d}")
        for kind, hs in (("persistent", self.hot_persistent), ("emerging", self.hot_emerging)):
            for h in hs:
                gs = groups_at.get(h, [])
                hrows.append({"location_id": str(lid[h]), "name": self.place_rows[h]["name"],
                              "kind": kind,
                              "active_from": str(self.start + (self.emerging_from if kind == "emerging" else 0)),
                              "record_ids": "; ".join(str(lid[r]) for r in [h, *self.dups.get(h, [])]),
                              "groups": "; ".join(gs)})
        hot = pd.DataFrame(hrows, columns=["location_id", "name", "kind", "active_from", "record_ids", "groups"])
        hot = hot.sort_values(["kind", "location_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
        prow = []
        for e in range(self.n_driving):
            p = self.ents[e]
            prow.append({"entity_id": self._canonical_person(e), "name": f"{p['first']} {p['surname']}",
                         "role": p["role"],
                         "record_ids": "; ".join(str(self.person_ids[r]) for r in self.records_of[e]),
                         "groups": "; ".join(f"G{g + 1:03d}" for g in p["groups"]),
                         "n_groups": len(p["groups"]),
                         "children_reached": len(self.reach.get(e, set()) | self.named_reach.get(e, set())),
                         "planted_reach": len(self.reach.get(e, ())),
                         "bridging": len(p["groups"]) > 1})
        pocs = pd.DataFrame(prow).sort_values(["children_reached", "n_groups", "entity_id"],
                                             ascending=[False, False, True], kind="stable")
        pocs.insert(0, "rank", np.arange(1, len(pocs) + 1))
        fifth = int(pocs["children_reached"].iloc[min(4, len(pocs) - 1)]) if len(pocs) else 0
        pocs["top5"] = pocs["children_reached"] >= fifth  # the planted top five, ties included
        prec = pd.DataFrame(
            [(str(self.person_ids[r]), self._canonical_person(e), self.ents[e]["role"])
             for e in range(len(self.ents)) for r in self.records_of[e]],
            columns=["person_id", "entity_id", "role"]).sort_values("person_id", kind="stable")
        lrec = pd.DataFrame({"location_id": lid, "place_id": lid[np.array(self.place_of, dtype=int)]})
        lrec = lrec.sort_values("location_id", kind="stable").reset_index(drop=True)
        return {"peer_groups": groups, "hotspots": hot, "persons_of_concern": pocs.reset_index(drop=True),
                "person_records": prec.reset_index(drop=True), "location_records": lrec,
                "mentions": self.mentions, "decoys": self._decoy_truth(tables)}

    def _decoy_truth(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Busy places that are not places of concern, with the children found or seen there."""
        lid = self.location_ids
        kind = {p: r["role"] for p, r in enumerate(self.place_rows)
                if r["role"] in ("station", "shopping_centre", "fast_food", "school", "relative_address")}
        kind.update(dict.fromkeys(self.care_homes, "care_home"))
        kind.update({int(h): "home_address" for h in self.home if h >= 0 and h not in kind})
        ep = tables["episodes"]
        li = tables["links"]
        seen = pd.concat([ep[["child_id", "found_location_id"]].set_axis(["child", "loc"], axis=1),
                          li[["source_id", "target_id"]].set_axis(["child", "loc"], axis=1)])
        seen = seen.loc[seen["child"].astype(str).str.startswith("C")]
        n_children = seen.drop_duplicates().groupby("loc").size()
        n_found = ep.loc[ep["found_location_id"] != "", "found_location_id"].value_counts()
        rows = [{"location_id": str(lid[p]), "name": self.place_rows[p]["name"], "kind": k,
                 "children": int(n_children.get(str(lid[p]), 0)), "episodes_found": int(n_found.get(str(lid[p]), 0))}
                for p, k in kind.items()]
        out = pd.DataFrame(rows, columns=["location_id", "name", "kind", "children", "episodes_found"])
        return out.sort_values(["children", "location_id"], ascending=[False, True], kind="stable").reset_index(drop=True)

    def _settlement_summary(self) -> list[dict[str, object]]:
        """Each settlement: name, kind, centre (WGS84), radius and children living there."""
        out = []
        per_lon = M_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
        for k, s in enumerate(self.settlements):
            out.append({"name": s["name"] or "(main town)", "kind": s["kind"],
                        "latitude": round(CENTRE[0] + s["y"] / M_PER_DEG_LAT, 5),
                        "longitude": round(CENTRE[1] + s["x"] / per_lon, 5),
                        "radius_m": round(s["r"]), "children": int((self.settle_of == k).sum())})
        return out

    def _params(self, tables: dict[str, pd.DataFrame]) -> dict[str, object]:
        return {
            "generator": "contextmap.sample.generate",
            "seed": self.seed, "children": self.n, "months": self.months, "noise": self.noise,
            "start": str(self.start), "end": str(self.end),
            "emerging_from": str(self.start + self.emerging_from),
            "counts": {name: len(df) for name, df in tables.items()},
            "peer_groups": self.n_groups,
            "hotspots": {"persistent": len(self.hot_persistent), "emerging": len(self.hot_emerging)},
            "persons_of_concern": self.n_driving,
            "settlements": self._settlement_summary(),
            "streets": len(self.streets),
            "decoys": {"busy": len(self.busy), "schools": len(self.schools),
                       "relative_addresses": int((self.relative >= 0).sum())},
            "files": {
                "peer_groups.csv": "group_id, child_id: the planted peer groups (children not listed belong to none)",
                "hotspots.csv": "planted hotspot places (canonical location_id; record_ids lists duplicate records)",
                "persons_of_concern.csv": "driving persons of concern: canonical entity_id, records, groups reached, bridging",
                "person_records.csv": "every person record -> its true entity (the canonical person_id)",
                "location_records.csv": "every location record -> its true place (the canonical location_id)",
                "mentions.csv": "every RHI mention -> the child, person entity or place it means (blank: none)",
                "decoys.csv": "busy places that are not places of concern (stations, shopping centres, fast food, "
                              "schools, care homes, relatives' and children's own addresses) with children seen there",
            },
        }


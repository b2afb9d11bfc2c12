"""The two agencies' monthly records, built from one generation run, with the truth of each.

:class:`AgencyBuild` takes a finished :class:`~contextmap.sample.generate.SampleRun` (its
children, persons of concern and their records, places, episodes, links and RHI mentions)
and writes what a council and a police force would each hold about it, month by month:

* the council's case system: ``Young People`` (with ``Home Address`` / ``Home Postcode``),
  ``Missing Episodes`` (found-at text, RHI text), ``Associations`` (people and places named in
  words, no id of their own) and ``Places of Interest``;
* the police's extracts: ``nominals`` (adults of concern, several records for some, and the
  children the police know, surname in upper case), ``intel_links`` (an associate or a place
  named in words, the grading in free text) and ``premises``.

Each month's export overlaps the last, as real monthly exports do: children, nominals,
places and the council's associations are exported whole every month; police intelligence
for a rolling :data:`INTEL_WINDOW` months; episodes once when reported and again when their
return or RHI is recorded in a later month. The truth names, for every person reference,
place reference and record as written, what it really is (see ``docs/sample-data.md``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from contextmap.sample.agency_text import (
    NICKNAMES,
    VEHICLES,
    canonical_grading,
    child_alias,
    council_child_name,
    council_person_name,
    non_place_text,
    place_text,
    police_child_name,
    police_grading,
    police_person_name,
)
from contextmap.sample.gazetteer import MAIN_TOWN, Gazetteer, grid_reference
from contextmap.sample.noise import dob_variant
from contextmap.sample.vocabularies import GIVEN_F

__all__ = ["AgencyBuild", "AgencyRows", "INTEL_WINDOW", "COUNCIL", "POLICE", "association_key"]

COUNCIL = "Lenningdale Council"
POLICE = "Northfell Constabulary"
INTEL_WINDOW = 2
"""Police intelligence extracts hold the links of this many months up to the export."""

_RISK = {"none": "None", "low": "Green", "medium": "Amber", "high": "Red"}
_PLACEMENT = {"home": "With parents", "foster": "Foster care", "residential": "Residential",
              "supported": "Supported accommodation", "out_of_area": "Out of area", "other": "Other"}
_GENDER = {"female": "F", "male": "M", "unknown": "Unknown", "non_binary": "Non-binary"}
_COUNCIL_REL = {"seen_with": "Seen with", "friend": "Friend", "associate": "Associate", "contact": "Contact",
                "relative": "Relative", "visited": "Visited", "frequents": "Frequents", "lives_at": "Lives at",
                "stayed_at": "Stayed at", "found_at": "Found at", "works_at": "Works at"}
_POLICE_REL = {k: v.title() for k, v in _COUNCIL_REL.items()}
_SOURCE = {"rhi": "RHI", "social_care": "Social Care", "education": "Education", "health": "Health",
           "community": "Community", "police": "Police", "other": "Other"}
_COUNCIL_TYPE = {"food_outlet": "Takeaway", "park": "Park", "shop": "Shop", "transport": "Transport", "hotel": "Hotel",
                 "school": "School", "care_home": "Care home", "address": "Address", "other": "Other"}
_POLICE_TYPE = {"food_outlet": "Takeaway", "park": "Park", "shop": "Shop", "transport": "Bus/Rail", "hotel": "Hotel",
                "school": "School", "care_home": "Care Home", "address": "Residential", "other": "Other"}
_PLACE_RELATIONS = {"visited", "frequents", "lives_at", "stayed_at", "found_at", "works_at"}


def association_key(child_id: str, associated_with: str, relation: str, recorded: str, source: str) -> str:
    """The council association's content key (the case system gives associations no id).

    Examples
    --------
    >>> association_key("1000001", "Tyler Grant", "Seen with", "2026-10-03", "RHI")[:3]
    'CA-'
    """
    text = "\x1f".join((child_id, associated_with, relation, recorded, source))
    return "CA-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


@dataclass
class AgencyRows:
    """Every row each agency exports in each month, and the truth, as plain lists of dicts.

    ``tables[name][k]`` lists the rows of export ``name`` (``young_people``, ``episodes``,
    ``associations``, ``places_of_interest``, ``nominals``, ``intel_links``, ``premises``) in
    month ``k``, each row holding its written cells and a ``_key``; ``truth`` holds lists of
    truth rows by file name (without ``.csv``).
    """

    periods: list[str]
    tables: dict[str, list[list[dict[str, Any]]]]
    truth: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class AgencyBuild:
    """Build the agencies' rows month by month from a finished run (see the module docstring)."""

    def __init__(self, run: Any, data: Any, *, gazetteer: Gazetteer, rng: np.random.Generator) -> None:
        self.run, self.data, self.gz, self.rng = run, data, gazetteer, rng
        start = pd.Timestamp(str(run.start))
        self.month_start = [start + pd.DateOffset(months=k) for k in range(run.months)]
        self.periods = [m.strftime("%Y-%m") for m in self.month_start]
        self.first_day = np.array([(m - start).days for m in self.month_start] + [run.days])
        self.export_minute = self.first_day[1:] * 1440 - 1  # 23:59 on each month's last day
        self.start = start
        self.n_months = run.months

    # -- small helpers ------------------------------------------------------------------

    def month_of(self, day: int) -> int:
        return int(np.searchsorted(self.first_day, day, side="right") - 1)

    def _day(self, day: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=int(day))

    def _minute(self, minute: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(minutes=int(minute))

    @staticmethod
    def _dmy(ts: pd.Timestamp) -> str:
        return ts.strftime("%d/%m/%Y")

    # -- the world's entities -------------------------------------------------------------

    def _entities(self) -> None:
        run, rng = self.run, self.rng
        n = run.n
        self.child_id = np.array([str(1_000_000 + int(x)) for x in rng.choice(900_000, n, replace=False)], dtype=object)
        dob_text = self.data.children["date_of_birth"].astype(str).str.strip()
        parsed = pd.to_datetime(dob_text.where(~dob_text.str.contains("/")), format="%Y-%m-%d", errors="coerce")
        uk = pd.to_datetime(dob_text.where(dob_text.str.contains("/")), format="%d/%m/%Y", errors="coerce")
        dob = parsed.fillna(uk)
        missing = dob.isna().to_numpy()
        if missing.any():
            ages = rng.integers(11 * 365, 17 * 365, int(missing.sum()))
            dob[missing] = [self._day(run.days - 1) - pd.Timedelta(days=int(a)) for a in ages]
        self.child_dob = pd.DatetimeIndex(dob).normalize()
        self.child_gender = self.data.children["gender"].astype(str).str.strip().str.lower().str.replace(" ", "_")
        self.child_risk = self.data.children["ce_risk"].astype(str).str.strip().str.lower()
        # persons: the generator's entities, their records (each a police nominal) and the
        # adults police hold who share a name with a child
        self.ent_of_rec = np.empty(len(run.person_ids), dtype=int)
        for e, recs in enumerate(run.records_of):
            self.ent_of_rec[recs] = e
        self.adults: list[dict[str, Any]] = [
            {"id": f"TP{e + 1:05d}", "first": p["first"], "surname": p["surname"], "dob": pd.Timestamp(str(p["dob"])),
             "role": p["role"], "aliases": list(p["aliases"]), "gender": p["gender"],
             "groups": "; ".join(f"G{g + 1:03d}" for g in p["groups"])}
            for e, p in enumerate(run.ents)]
        self.loc_row = {str(lid): r for r, lid in enumerate(run.location_ids.tolist())}
        self.place_id = np.array([str(run.location_ids[p]) for p in run.place_of], dtype=object)
        self._place_facts()

    def _place_facts(self) -> None:
        run, gz = self.run, self.gz
        rows = run.place_rows
        canon = [p for p in range(len(rows)) if run.place_of[p] == p]
        heads: dict[str, int] = {}
        described: dict[tuple[str, str], int] = {}
        for p in canon:
            heads[rows[p]["name"].split(",")[0].strip().lower()] = heads.get(rows[p]["name"].split(",")[0].strip().lower(), 0) + 1
            dk = self._describe_key(p)
            described[dk] = described.get(dk, 0) + 1
        names = [MAIN_TOWN] + [s["name"] for s in run.settlements[1:]]
        self.turf_recs = {int(t) for t in list(run.turf) + list(run.late_turf) if t >= 0
                          and rows[int(t)]["name"].endswith(" Rec")}
        self.place_info: list[dict[str, Any]] = []
        for p in range(len(rows)):
            c = run.place_of[p]
            r = rows[c]
            st = run.streets[r["street"]]
            self.place_info.append({
                "name": r["name"], "variants": [rows[d]["name"] for d in run.dups.get(c, [])],
                "category": r["category"], "street": st["name"], "area": st["area"], "town": names[r["settlement"]],
                "postcode": gz.place_postcode[c],
                "short_ok": heads.get(r["name"].split(",")[0].strip().lower(), 0) == 1,
                "describe_ok": described.get(self._describe_key(c), 0) == 1 and self._describable(r), "rec_ok": False,
                "role": r["role"]})
        self.homes = {int(h) for h in run.home if h >= 0}

    def _describe_key(self, p: int) -> tuple[str, str]:
        r = self.run.place_rows[p]
        st = self.run.streets[r["street"]]
        return (r["category"], st["area"]) if r["category"] == "park" else (r["category"], st["name"])

    @staticmethod
    def _describable(r: dict[str, Any]) -> bool:
        """Places a person would describe by street or area: takeaways, shops, hotels, parks, bus stops."""
        return r["category"] in ("food_outlet", "shop", "hotel", "park") or r["name"].endswith(" bus stop")

    def _text_for_place(self, p: int, *, agency: str, found: bool, child: int | None = None) -> tuple[str, str]:
        info = self.place_info[int(self.run.place_of[p])]
        if child is not None and int(self.run.place_of[p]) in self.turf_recs:
            g = self.run.group_of[child]
            rec_ok = g >= 0 and int(self.run.place_of[p]) in (int(self.run.turf[g]), int(self.run.late_turf[g]))
            info = {**info, "rec_ok": rec_ok}
        return place_text(info, self.rng, agency=agency, found=found)

    # -- nominals ---------------------------------------------------------------------------

    def _nominal_refs(self, k: int) -> list[str]:
        """``k`` new nominal refs, never one given before (one shuffled pool for the whole run)."""
        if not hasattr(self, "_ref_pool"):
            self._ref_pool = iter((self.rng.permutation(900_000) + 100_000).tolist())
        return [f"NF{next(self._ref_pool):06d}" for _ in range(k)]

    def _nominals(self) -> None:
        """Police nominals: every person record, the children the police know, adult namesakes."""
        run, rng = self.run, self.rng
        n_rec = len(run.person_ids)
        self.rec_nominal = self._nominal_refs(n_rec)
        grouped = run.group_of >= 0
        known = grouped & (rng.random(run.n) < 0.7) | (rng.random(run.n) < 0.2)
        self.child_nominal: dict[int, str] = {}
        self.child_alias: dict[int, str] = {}
        for c, ref in zip(np.flatnonzero(known).tolist(), self._nominal_refs(int(known.sum())), strict=True):
            self.child_nominal[c] = ref
            if rng.random() < 0.15:
                first, sur = run.child_names[c]
                self.child_alias[c] = child_alias(first, sur, rng)
        # adults who share a name with a child (different dates of birth)
        self.namesakes: list[int] = []
        for c in sorted(self.child_nominal):
            if rng.random() < 0.07:
                first, sur = run.child_names[c]
                self.adults.append({"id": f"TP{len(self.adults) + 1:05d}", "first": first, "surname": sur,
                                    "dob": self._day(run.days - 1) - pd.Timedelta(days=int(rng.integers(22 * 365, 48 * 365))),
                                    "role": "child_namesake", "aliases": [], "gender": "female" if first in GIVEN_F else "male",
                                    "groups": "", "namesake_of": c})
                self.namesakes.append(len(self.adults) - 1)
        self.namesake_nominal = dict(zip(self.namesakes, self._nominal_refs(len(self.namesakes)), strict=True))
        self.nominal_month: dict[str, int] = {}

    def _use_nominal(self, ref: str, month: int) -> None:
        self.nominal_month[ref] = min(self.nominal_month.get(ref, month), month)

    # -- links: the council's associations and the police's intelligence ------------------------

    def _links(self) -> None:
        run, rng = self.run, self.rng
        blocks = run.links
        cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        day = np.minimum(cols["day"].astype(int), run.days - 1)
        order = np.lexsort((np.arange(len(day)), day))
        self.assoc: list[dict[str, Any]] = []
        self.intel: list[dict[str, Any]] = []
        self.person_refs: list[dict[str, Any]] = []
        self.place_refs: list[dict[str, Any]] = []
        self.council_places: dict[int, int] = {}  # place -> first month referenced
        self.police_places: dict[int, int] = {}
        seen_keys: set[str] = set()
        intel_no = iter(range(int(rng.integers(200_000, 400_000)), 10**7))
        for j in order.tolist():
            src, tgt = str(cols["src"][j]), str(cols["tgt"][j])
            rel, source = str(cols["rel"][j]), str(cols["source"][j]).strip().lower().replace(" ", "_")
            d = int(day[j])
            m = self.month_of(d)
            grading, summary = str(cols["grading"][j]), str(cols["summary"][j]).strip()
            if source == "police" or "C" not in (src[0], tgt[0]):
                self._intel_row(src, tgt, rel, d, m, grading, summary, f"IR{next(intel_no):07d}")
            else:
                self._assoc_row(src, tgt, rel, d, m, source, grading, summary, seen_keys)
        # adults who share a child's name turn up in police intelligence beside a person of concern
        drivers = [e for e, a in enumerate(self.adults) if a["role"] in ("primary", "secondary", "bridging")]
        for a in self.namesakes:
            if not drivers:
                break
            for _ in range(int(rng.integers(1, 3))):
                e = drivers[int(rng.integers(len(drivers)))]
                rec = run.records_of[e][0]
                d = int(rng.integers(run.days))
                self._intel_row(f"P{rec + 1:04d}", f"N{a}", "associate", d, self.month_of(d), "2C P",
                                "seen together", f"IR{next(intel_no):07d}")

    def _end(self, ref: str) -> tuple[str, int]:
        """A generator id as (kind, index): ('C', child), ('P', person record), ('L', place row),
        ('N', adult namesake)."""
        if ref[0] == "L":
            return "L", self.loc_row[ref]
        return ref[0], int(ref[1:]) - (0 if ref[0] == "N" else 1)

    def _assoc_row(self, src: str, tgt: str, rel: str, d: int, m: int, source: str, grading: str, summary: str,
                   seen: set[str]) -> None:
        rng = self.rng
        (ak, a), (bk, b) = self._end(src), self._end(tgt)
        child, (ok, other) = (a, (bk, b)) if ak == "C" else (b, (ak, a))
        cid = self.child_id[child]
        dob = ""
        if ok == "C":
            first, sur = self.run.child_names[other]
            text, form = council_child_name(first, sur, rng)
            truth, kind = self.child_id[other], "child"
            if rng.random() < 0.5:
                dob = self.child_dob[other].strftime("%Y-%m-%d")
        elif ok == "P":
            e = int(self.ent_of_rec[other])
            ad = self.adults[e]
            text, form = council_person_name(ad["first"], ad["surname"], ad["aliases"], rng)
            truth, kind = ad["id"], "adult"
            if rng.random() < 0.1:
                dob = ad["dob"].strftime("%Y-%m-%d")
        else:
            text, form, truth, kind = self._place_ref_text(other, agency="council", found=rel == "found_at", child=child)
        recorded = self._day(d)
        key = association_key(cid, text, _COUNCIL_REL[rel], recorded.strftime("%Y-%m-%d"), _SOURCE[source])
        if key in seen:
            return
        seen.add(key)
        self.assoc.append({"_key": key, "_month": m, "Person ID": cid, "Associated With": text,
                           "Associate DOB": pd.Timestamp(dob) if dob else None, "Association Type": _COUNCIL_REL[rel],
                           "Date Recorded": recorded, "Source": _SOURCE[source],
                           "Grading": canonical_grading(grading),
                           "Notes": summary})
        self.person_refs.append({"agency": COUNCIL, "kind": "link_end", "key": f"{key}|source", "text": cid,
                                 "dob_given": False, "form": "id", "true_entity": cid, "true_kind": "child",
                                 "_month": m, "_window": None})
        if kind in ("child", "adult"):
            self.person_refs.append({"agency": COUNCIL, "kind": "link_end", "key": f"{key}|target", "text": text,
                                     "dob_given": bool(dob), "form": form, "true_entity": truth, "true_kind": kind,
                                     "_month": m, "_window": None})
        else:
            self._add_place_ref(COUNCIL, "link_location", key, text, form, truth, kind, m, None, child)

    def _place_ref_text(self, p: int, *, agency: str, found: bool, child: int | None) -> tuple[str, str, str, str]:
        """Text for a link's place end: (text, form, true place or '', non-place kind or 'place')."""
        rng = self.rng
        c = int(self.run.place_of[p])
        info = self.place_info[c]
        if info["category"] == "hotel" and rng.random() < 0.25:
            return non_place_text("vague_place", rng), "non_place", "", "vague_place"
        if info["role"] == "relative_address" and rng.random() < 0.4:
            return non_place_text("friend_address", rng), "non_place", "", "friend_address"
        text, form = self._text_for_place(p, agency=agency, found=found, child=child)
        return text, form, str(self.place_id[c]), "place"

    def _add_place_ref(self, agency: str, kind: str, key: str, text: str, form: str, truth: str, what: str,
                       m: int, window: int | None, child: int | None) -> None:
        if what == "place":
            c = self.loc_row[truth]
            places = self.council_places if agency == COUNCIL else self.police_places
            places[c] = min(places.get(c, 10**6), m)
        home = ""
        if child is not None and self.run.home[child] >= 0:
            home = str(self.place_id[int(self.run.home[child])])
        self.place_refs.append({"agency": agency, "kind": kind, "key": key, "text": text, "form": form,
                                "true_place": truth, "non_place": "" if what == "place" else what,
                                "home_place": home, "_month": m, "_window": window})

    def _intel_row(self, src: str, tgt: str, rel: str, d: int, m: int, grading: str, summary: str, ref: str) -> None:
        run, rng = self.run, self.rng
        (ak, a), (bk, b) = self._end(src), self._end(tgt)
        if ak == "L" or (ak == "C" and bk == "P") or (ak == "N" and bk == "P"):
            (ak, a), (bk, b) = (bk, b), (ak, a)  # the subject is the person (or the child), never the place
        if ak == "P":
            subject = self.rec_nominal[a]
            subject_truth, subject_kind, subject_form = self.adults[int(self.ent_of_rec[a])]["id"], "adult", "nominal_ref"
        else:
            if a not in self.child_nominal:
                self.child_nominal[a] = self._nominal_refs(1)[0]
            subject = self.child_nominal[a]
            subject_truth, subject_kind, subject_form = self.child_id[a], "child", "nominal_ref"
        self._use_nominal(subject, m)
        assoc, assoc_dob, location = "", "", ""
        truth, kind, form = "", "", ""
        if bk == "C":
            first, sur = run.child_names[b]
            assoc, form = police_child_name(first, sur, rng, alias=self.child_alias.get(b, ""))
            p_dob = 0.75 if form in ("forename_initial", "initial_surname") else 0.4
            r = rng.random()
            if r < p_dob:
                assoc_dob = self._dmy(self.child_dob[b])
            elif r < p_dob + 0.03:
                v = dob_variant(np.datetime64(self.child_dob[b].date()), rng)
                assoc_dob = self._dmy(pd.Timestamp(str(v)))
            truth, kind = self.child_id[b], "child"
        elif bk in ("P", "N"):
            ad = self.adults[int(self.ent_of_rec[b])] if bk == "P" else self.adults[b]
            assoc, form = police_person_name(ad["first"], ad["surname"], rng)
            if rng.random() < (0.5 if bk == "N" else 0.3):
                assoc_dob = self._dmy(ad["dob"])
            truth, kind = ad["id"], "adult"
            if bk == "N":
                form = "child_namesake_" + form
        else:
            location, form, truth, kind = self._place_ref_text(b, agency="police", found=rel == "found_at",
                                                               child=a if ak == "C" else None)
        gtext, _gform = police_grading(grading, rng)
        self.intel.append({"_key": ref, "_month": m, "Intel Ref": ref, "Nominal Ref": subject, "Associate Name": assoc,
                           "Associate DOB": assoc_dob, "Location": location, "Link Type": _POLICE_REL[rel],
                           "Date": self._dmy(self._day(d)), "Grading": gtext, "Summary": summary})
        self.person_refs.append({"agency": POLICE, "kind": "link_end", "key": f"{ref}|source", "text": subject,
                                 "dob_given": False, "form": subject_form, "true_entity": subject_truth,
                                 "true_kind": subject_kind, "_month": m, "_window": INTEL_WINDOW})
        if kind in ("child", "adult"):
            self.person_refs.append({"agency": POLICE, "kind": "link_end", "key": f"{ref}|target", "text": assoc,
                                     "dob_given": bool(assoc_dob), "form": form, "true_entity": truth, "true_kind": kind,
                                     "_month": m, "_window": INTEL_WINDOW})
        else:
            self._add_place_ref(POLICE, "link_location", ref, location, form, truth, kind, m, INTEL_WINDOW,
                                a if ak == "C" else None)

    # -- episodes: found-at text and the RHI's free text --------------------------------------

    def _found_text(self, i: int) -> tuple[str, str, str, str]:
        """(text, form, true place, 'place' or a non-place kind) for episode ``i``'s found-at field."""
        run, rng, ep = self.run, self.rng, self.run.ep
        if ep["ret"][i] < 0:
            return "", "", "", ""
        f = int(ep["found"][i])
        child = int(ep["child"][i])
        if f < 0:
            r = rng.random()
            if r < 0.45:
                return non_place_text("own_accord", rng), "non_place", "", "own_accord"
            if r < 0.6:
                return non_place_text("unknown", rng), "non_place", "", "unknown"
            return "", "", "", ""
        c = int(run.place_of[f])
        info = self.place_info[c]
        if c == run.home[child]:
            if rng.random() < 0.65:
                return non_place_text("home", rng), "non_place", "", "home"
            text, form = place_text(info, rng, agency="council", found=True)
            return text, form, str(self.place_id[c]), "place"
        if info["role"] == "relative_address" and rng.random() < 0.5:
            return non_place_text("friend_address", rng), "non_place", "", "friend_address"
        if info["category"] == "hotel" and rng.random() < 0.3:
            return non_place_text("vague_place", rng), "non_place", "", "vague_place"
        text, form = self._text_for_place(f, agency="council", found=True, child=child)
        return text, form, str(self.place_id[c]), "place"

    def _mention_cells(self) -> dict[str, tuple[str, str, list[dict[str, Any]]]]:
        """Per generator episode id: the "who" and "where" cells and their truth rows."""
        run, rng = self.run, self.rng
        out: dict[str, tuple[list[str], list[str], list[dict[str, Any]]]] = {}
        for r in run.mentions.itertuples(index=False):
            who, where, truth = out.setdefault(str(r.episode_id), ([], [], []))
            kind, tid = str(r.true_kind), str(r.true_id)
            if kind == "child":
                entity, what = str(self.child_id[int(tid[1:]) - 1]), "child"
            elif kind == "person":
                entity, what = self.adults[int(self.ent_of_rec[int(tid[1:]) - 1])]["id"], "adult"
            elif kind == "location":
                entity, what = str(self.place_id[self.loc_row[tid]]), "place"
            else:
                entity, what = "", "none"
            text, form = str(r.mention).strip(), str(r.form)
            if r.field == "places_mentioned":
                where.append(text)
                truth.append({"field": "where", "text": text, "form": form, "true_entity": entity, "true_kind": what})
            elif form == "alias" and rng.random() < 0.4:
                car = VEHICLES[int(rng.integers(len(VEHICLES)))]
                who.append(f"a guy called {text} with a {car}")
                truth.append({"field": "who", "text": text, "form": "alias_called", "true_entity": entity, "true_kind": what})
                truth.append({"field": "who", "text": f"a {car}", "form": "vehicle", "true_entity": "", "true_kind": "none"})
            else:
                who.append(text)
                truth.append({"field": "who", "text": text, "form": form, "true_entity": entity, "true_kind": what})
        return {k: ("; ".join(a), "; ".join(b), t) for k, (a, b, t) in out.items()}

    def _episodes(self) -> None:
        run, rng, ep = self.run, self.rng, self.run.ep
        first = int(rng.integers(100_000, 400_000))
        self.episode_no = np.array([f"MP-{first + i:06d}" for i in range(run.n_ep)], dtype=object)
        cells = self._mention_cells()
        self.episode_rows: list[list[dict[str, Any]]] = [[] for _ in range(self.n_months)]
        self.episode_child_month: dict[int, int] = {}
        klass = {"missing": "Missing", "absent": "Absent", "": ""}
        outcome = {"completed": "Completed", "declined": "Declined", "not_offered": "Not offered", "": ""}
        for i in range(run.n_ep):
            child = int(ep["child"][i])
            rep, ret, rhi = int(ep["rep"][i]), int(ep["ret"][i]), int(ep["rhi"][i])
            m0 = self.month_of(rep // 1440)
            self.episode_child_month[child] = min(self.episode_child_month.get(child, m0), m0)
            text, form, place, what = self._found_text(i)
            who, where, mtruth = cells.get(str(run.episode_ids[i]), ("", "", []))
            no = str(self.episode_no[i])
            last: tuple | None = None
            for k in range(m0, self.n_months):
                exp = int(self.export_minute[k])
                returned = 0 <= ret <= exp
                done = 0 <= rhi <= exp and ep["outcome"][i] == "completed"
                out = str(ep["outcome"][i])
                shown_outcome = out if (out == "completed" and done) or (out in ("declined", "not_offered") and returned) else ""
                row = {"_key": no, "Episode No": no, "Person ID": self.child_id[child],
                       "Date Reported Missing": self._minute(rep),
                       "Date Returned": self._minute(ret) if returned else None,
                       "Missing/Absent": klass[str(ep["class"][i])],
                       "Location Found (free text)": text if returned else "",
                       "RHI Date": self._minute(rhi) if done else None, "RHI Outcome": outcome[shown_outcome],
                       "Who were you with?": who if done else "", "Where did you go?": where if done else ""}
                state = tuple(v for kk, v in row.items() if not kk.startswith("_"))
                if state == last:
                    continue
                last = state
                self.episode_rows[k].append(row)
                period = self.periods[k]
                if returned and text:
                    self.place_refs.append({"agency": COUNCIL, "kind": "found_at", "key": no, "text": text, "form": form,
                                            "true_place": place, "non_place": "" if what == "place" else what,
                                            "home_place": str(self.place_id[int(run.home[child])]) if run.home[child] >= 0 else "",
                                            "_month": k, "_window": 1, "period": period})
                    if what == "place":
                        c = self.loc_row[place]
                        self.council_places[c] = min(self.council_places.get(c, 10**6), k)
                if done:
                    for t in mtruth:
                        if t["field"] == "who":
                            self.person_refs.append({"agency": COUNCIL, "kind": "mention", "key": f"{no}|{t['text']}",
                                                     "text": t["text"], "dob_given": False, "form": t["form"],
                                                     "true_entity": t["true_entity"], "true_kind": t["true_kind"],
                                                     "_month": k, "_window": 1, "period": period})
                        else:
                            self.place_refs.append({"agency": COUNCIL, "kind": "mention", "key": f"{no}|{t['text']}",
                                                    "text": t["text"], "form": t["form"], "true_place": t["true_entity"],
                                                    "non_place": "", "home_place": "", "_month": k, "_window": 1,
                                                    "period": period})
                            if t["true_entity"]:
                                c = self.loc_row[t["true_entity"]]
                                self.council_places[c] = min(self.council_places.get(c, 10**6), k)

    # -- children, nominals and places, month by month ----------------------------------------

    def _young_people(self) -> list[list[dict[str, Any]]]:
        run, rng = self.run, self.rng
        first = {i: 0 for i in range(run.n)}
        for c, m in self.episode_child_month.items():
            first[c] = m
        for a in self.assoc:
            c = self.child_index[a["Person ID"]]
            first[c] = min(first[c], a["_month"])
        change = rng.random(run.n) < 0.06
        new_risk = rng.choice(np.array(["low", "medium", "high"]), run.n)
        change_month = rng.integers(1, max(2, self.n_months), run.n)
        workers = [f"{chr(65 + k % 26)}. {s}" for k, s in enumerate(("Reed", "Holt", "Ashdown", "Marsh", "Keld", "Orton"))]
        out: list[list[dict[str, Any]]] = [[] for _ in range(self.n_months)]
        self.home_written: dict[int, int] = {}
        for i in np.argsort(self.child_id).tolist():
            first_name, surname = run.child_names[i]
            h = int(run.home[i])
            address, postcode = "", ""
            if h >= 0:
                info = self.place_info[h]
                address = (f"{info['name']}, {info['area']}, {info['town']}" if info["category"] == "address"
                           else f"{info['name']}, {info['street']}, {info['town']}")
                old = self.gz.place_old_postcode[h]
                r = rng.random()
                postcode = old if (old and r < 0.3) else "" if r > 0.95 else self.gz.place_postcode[h]
                self.home_written[i] = h
            worker = workers[int(rng.integers(len(workers)))]
            for k in range(first[i], self.n_months):
                risk = str(new_risk[i]) if change[i] and k >= change_month[i] else str(self.child_risk.iloc[i])
                out[k].append({"_key": self.child_id[i], "Person ID": self.child_id[i], "Forename": first_name,
                               "Surname": surname, "DOB": self.child_dob[i], "Gender": _GENDER.get(self.child_gender.iloc[i], ""),
                               "CE Risk": _RISK.get(risk, ""), "Placement": _PLACEMENT[str(run.placement[i])],
                               "Home Address": address, "Home Postcode": postcode, "Allocated Worker": worker})
        self.child_first_month = first
        return out

    def _dob_text(self, dob: pd.Timestamp | None, *, adult: bool) -> tuple[str, str]:
        """A date of birth as a police extract writes it, and how (day_first, month_first, blank)."""
        if dob is None or pd.isna(dob):
            return "", "blank"
        if adult and dob.day > 12 and self.rng.random() < 0.04:
            return dob.strftime("%m/%d/%Y"), "month_first"
        return self._dmy(dob), "day_first"

    def _nominal_rows(self) -> list[list[dict[str, Any]]]:
        run, rng = self.run, self.rng
        rows: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for r, ref in enumerate(self.rec_nominal):
            rec = run.person_recs[r]
            ad = self.adults[int(self.ent_of_rec[r])]
            name = str(rec["name"]).strip()
            if ", " in name:
                sur, fore = name.split(", ", 1)
            else:
                parts = name.split()
                fore, sur = parts[0], " ".join(parts[1:]) or parts[0]
            dob = None if rec["dob"] is None else pd.Timestamp(str(rec["dob"]))
            dob_txt, dob_form = self._dob_text(dob, adult=True)
            if dob is not None and dob != ad["dob"]:
                dob_form = "variant"
            role = ad["role"]
            rows.append((ref, {"Surname": sur.upper(), "Forename(s)": fore, "DOB": dob_txt,
                               "Sex": {"male": "Male", "female": "Female"}.get(rec["gender"], ""),
                               "AKA": rec["aliases"], "Phone": rec["phone"]},
                         {"form": "contact_record" if role == "contact" else f"{role}_record", "true_entity": ad["id"],
                          "true_kind": "adult", "dob_form": dob_form}))
        for c, ref in sorted(self.child_nominal.items(), key=lambda kv: kv[1]):
            first, sur = run.child_names[c]
            fore, form = (self._nick(first), "child_nominal_nickname") if rng.random() < 0.1 else (first, "child_nominal")
            roll = rng.random()
            if roll < 0.85:
                dob_txt, dob_form = self._dmy(self.child_dob[c]), "day_first"
            elif roll < 0.95:
                dob_txt, dob_form = "", "blank"
            else:
                dob_txt = self._dmy(pd.Timestamp(str(dob_variant(np.datetime64(self.child_dob[c].date()), rng))))
                dob_form = "variant"
            rows.append((ref, {"Surname": sur.upper(), "Forename(s)": fore, "DOB": dob_txt,
                               "Sex": {"M": "Male", "F": "Female"}.get(_GENDER.get(self.child_gender.iloc[c], ""), ""),
                               "AKA": self.child_alias.get(c, ""), "Phone": ""},
                         {"form": form, "true_entity": self.child_id[c], "true_kind": "child", "dob_form": dob_form}))
        for a, ref in self.namesake_nominal.items():
            ad = self.adults[a]
            dob_txt, dob_form = self._dob_text(ad["dob"], adult=True)
            rows.append((ref, {"Surname": ad["surname"].upper(), "Forename(s)": ad["first"], "DOB": dob_txt,
                               "Sex": "Female" if ad["gender"] == "female" else "Male", "AKA": "", "Phone": ""},
                         {"form": "child_namesake", "true_entity": ad["id"], "true_kind": "adult", "dob_form": dob_form}))
        out: list[list[dict[str, Any]]] = [[] for _ in range(self.n_months)]
        for ref, cells, truth in sorted(rows, key=lambda t: t[0]):
            m0 = self.nominal_month.get(ref, 0)
            for k in range(m0, self.n_months):
                out[k].append({"_key": ref, "Nominal Ref": ref, **cells})
            self.person_refs.append({"agency": POLICE, "kind": "nominal", "key": ref,
                                     "text": f"{cells['Forename(s)']} {cells['Surname']}",
                                     "dob_given": bool(cells["DOB"]), "form": truth["form"],
                                     "true_entity": truth["true_entity"], "true_kind": truth["true_kind"],
                                     "dob_form": truth["dob_form"], "_month": m0, "_window": None})
        return out

    @staticmethod
    def _nick(first: str) -> str:
        return NICKNAMES.get(first, first)

    def _place_rows(self) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
        run, rng, gz = self.run, self.rng, self.gz
        fixed_council = set(run.hot_persistent) | set(run.hot_emerging) | set(run.care_homes) | set(run.schools)
        council = {c: 0 for c in fixed_council}
        for c, m in self.council_places.items():
            if c not in self.homes or c in fixed_council:
                council[c] = min(council.get(c, m), m)
        police = {int(c): 0 for c in run.busy}
        for c, m in self.police_places.items():
            police[c] = min(police.get(c, m), m)
        dup_agency = {d: ("council" if rng.random() < 0.5 else "police") for ds in run.dups.values() for d in ds}
        refs = iter(f"{x:05d}" for x in rng.choice(90_000, 2 * len(run.place_rows) + 10, replace=False) + 10_000)
        out_c: list[list[dict[str, Any]]] = [[] for _ in range(self.n_months)]
        out_p: list[list[dict[str, Any]]] = [[] for _ in range(self.n_months)]
        self.place_record_truth: list[dict[str, Any]] = []
        self.place_known: list[set[int]] = [set() for _ in range(self.n_months)]
        for agency, chosen, out in (("council", council, out_c), ("police", police, out_p)):
            records = []
            for c, m0 in sorted(chosen.items()):
                recs = [c] + [d for d in run.dups.get(c, []) if dup_agency[d] == agency]
                for r in recs:
                    records.append((m0, r, c))
            for m0, r, c in records:
                name = str(run.place_rows[r]["name"])
                cat = run.place_rows[r]["category"] or run.place_rows[c]["category"]
                e, n = float(gz.place_easting[r]), float(gz.place_northing[r])
                old, live = gz.place_old_postcode[c], gz.place_postcode[c]
                u = rng.random()
                postcode = old if (old and u < 0.3) else "" if u > 0.85 else live
                if agency == "council":
                    ref = f"POI-{next(refs)}"
                    g = rng.random()
                    grid = grid_reference(e, n) if g < 0.45 else grid_reference(e, n, digits=6) if g < 0.65 else ""
                    cells = {"Place Ref": ref, "Place Name": name, "Type": _COUNCIL_TYPE.get(cat, "Other"),
                             "Grid Ref": grid, "Postcode": postcode}
                else:
                    ref = f"LOC{next(refs)}"
                    coords = rng.random() < 0.65
                    cells = {"Loc Ref": ref, "Premises": name.upper() if rng.random() < 0.25 else name,
                             "Category": _POLICE_TYPE.get(cat, "Other"), "Eastings": f"{e:.0f}" if coords else "",
                             "Northings": f"{n:.0f}" if coords else "", "Postcode": postcode}
                for k in range(m0, self.n_months):
                    out[k].append({"_key": ref, **cells})
                    self.place_known[k].add(c)
                self.place_record_truth.append({"agency": COUNCIL if agency == "council" else POLICE, "ref": ref,
                                                "name": name, "true_place": str(self.place_id[c]), "_month": m0,
                                                "_window": None, "postcode_terminated": bool(old and postcode == old)})
        for k in range(self.n_months):
            out_c[k].sort(key=lambda row: row["_key"])
            out_p[k].sort(key=lambda row: row["_key"])
        return out_c, out_p

    # -- everything -----------------------------------------------------------------------------

    def build(self) -> AgencyRows:
        """Build every export of every month and the truth."""
        self._entities()
        self._nominals()
        self._links()
        self._episodes()
        self.child_index = {str(c): i for i, c in enumerate(self.child_id)}
        young = self._young_people()
        nominals = self._nominal_rows()
        council_places, premises = self._place_rows()
        assoc = [[a for a in self.assoc if a["_month"] <= k] for k in range(self.n_months)]
        intel = [[r for r in self.intel if k - INTEL_WINDOW < r["_month"] <= k] for k in range(self.n_months)]
        for k in range(self.n_months):
            intel[k].sort(key=lambda row: row["_key"])
        tables = {"young_people": young, "episodes": self.episode_rows, "associations": assoc,
                  "places_of_interest": council_places, "nominals": nominals, "intel_links": intel, "premises": premises}
        return AgencyRows(periods=self.periods, tables=tables, truth=self._truth())

    def _by_period(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows with ``_month`` / ``_window`` spread over the periods they are exported in."""
        out = []
        for r in rows:
            if "period" in r:
                out.append({k: v for k, v in r.items() if not k.startswith("_")})
                continue
            last = self.n_months - 1 if r["_window"] is None else min(self.n_months - 1, r["_month"] + r["_window"] - 1)
            for k in range(r["_month"], last + 1):
                out.append({"period": self.periods[k], **{kk: v for kk, v in r.items() if not kk.startswith("_")}})
        return out

    def _truth(self) -> dict[str, list[dict[str, Any]]]:
        run = self.run
        homes_by_month = [{h for c, h in self.home_written.items() if self.child_first_month[c] <= k}
                          for k in range(self.n_months)]
        place_refs = self._by_period(self.place_refs)
        index = {p: k for k, p in enumerate(self.periods)}
        for r in place_refs:
            k = index[r["period"]]
            c = self.loc_row[r["true_place"]] if r["true_place"] else -1
            r["known"] = bool(c >= 0 and (c in self.place_known[k] or c in homes_by_month[k]))
        person_refs = self._by_period(self.person_refs)
        for r in person_refs:
            r.setdefault("dob_form", "")
        children = [{"child_id": self.child_id[i], "name": f"{a} {b}", "date_of_birth": self.child_dob[i].strftime("%Y-%m-%d"),
                     "home_place": str(self.place_id[int(run.home[i])]) if run.home[i] >= 0 else "",
                     "group": f"G{run.group_of[i] + 1:03d}" if run.group_of[i] >= 0 else "",
                     "first_period": self.periods[self.child_first_month[i]],
                     "police_nominal": self.child_nominal.get(i, "")}
                    for i, (a, b) in enumerate(run.child_names)]
        persons = [{"entity_id": a["id"], "name": f"{a['first']} {a['surname']}", "date_of_birth": a["dob"].strftime("%Y-%m-%d"),
                    "role": a["role"], "aliases": "; ".join(a["aliases"]), "groups": a["groups"],
                    "namesake_of": self.child_id[a["namesake_of"]] if "namesake_of" in a else ""}
                   for a in self.adults]
        rows = self.place_info
        places = [{"place_id": str(self.place_id[p]), "name": rows[p]["name"], "category": rows[p]["category"],
                   "role": rows[p]["role"], "street": rows[p]["street"], "area": rows[p]["area"], "town": rows[p]["town"],
                   "postcode": rows[p]["postcode"], "old_postcode": self.gz.place_old_postcode[p],
                   "easting": round(float(self.gz.place_easting[p])), "northing": round(float(self.gz.place_northing[p]))}
                  for p in range(len(rows)) if run.place_of[p] == p]
        return {"person_refs": person_refs, "place_refs": place_refs,
                "place_records": self._by_period(self.place_record_truth), "children": children,
                "persons": persons, "places": places}

"""The sample's events: missing episodes, links (RHIs, intelligence, noise) and RHI mentions;
the ``episodes`` and ``links`` tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contextmap.sample.noise import (
    blank_cells,
    draw_gradings,
    e_gradings,
    fmt_dates,
    fmt_datetimes,
    make_ids,
    recase,
    untidy,
)
from contextmap.sample.people import People
from contextmap.sample.vocabularies import AREAS, GIVEN_F, GIVEN_M, HOUR_P

__all__ = ["Events"]


class Events(People):
    """Third layer of a generation run: episodes, links and mentions."""

    def _episodes(self) -> None:
        rng, n = self.rng, self.n
        grouped = self.group_of >= 0
        # group turf (see World._places): each group has its own persistent hotspot; some move
        # to an emerging one late
        ch, day, loc, ev = [], [], [], []
        self.events: list[tuple[int, int, np.ndarray]] = []  # (group, day, children)
        for g, m in enumerate(self.members):
            for _ in range(max(1, int(rng.poisson(0.75 * len(m))))):
                k = min(len(m), 2 + int(rng.poisson(0.6)))
                who = np.sort(rng.choice(m, k, replace=False))
                d = int(rng.integers(self.days))
                if self.late_turf[g] >= 0 and d >= self.emerging_from and rng.random() < 0.75:
                    place = int(self.late_turf[g])
                else:
                    place = int(self.turf[g]) if rng.random() < 0.8 else -1
                self.events.append((g, d, who))
                ch.append(who)
                day.append(np.full(k, d))
                loc.append(np.full(k, place))
                ev.append(np.full(k, len(self.events) - 1))
        # solo episodes: heavy-tailed count per child (most once or twice, a few dozens)
        mu = np.where(grouped, -0.6, -0.4)
        counts = np.ceil(np.exp(rng.normal(mu, 1.25))).astype(int)
        counts[rng.random(n) < 0.08] = 0
        counts = np.minimum(counts, 90)
        sc = np.repeat(np.arange(n), counts)
        sd = rng.integers(0, self.days, len(sc))
        u = rng.random(len(sc))
        sl = np.full(len(sc), -1)
        usual = u < 0.15
        sl[usual] = self.usual[sc[usual], rng.integers(0, 3, int(usual.sum()))]
        ordinary = (u >= 0.15) & (u < 0.27)
        sl[ordinary] = self._by_settlement(sc[ordinary], self.ordinary_by, rng, probs=self.ordinary_p_by)
        home = (u >= 0.27) & (u < 0.33) & (self.home[sc] >= 0)
        sl[home] = self.home[sc[home]]
        # group children also turn up at their turf alone; anyone may turn up at a hotspot (of
        # their own settlement; a village without one sends its children to any)
        g_sc = self.group_of[sc]
        at_turf = (u >= 0.33) & (u < 0.5) & (g_sc >= 0)
        sl[at_turf] = self.turf[g_sc[at_turf]]
        at_hot = (u >= 0.5) & (u < 0.78)
        sl[at_hot] = self._by_settlement(sc[at_hot], self.hot_persistent_by, rng)
        late = at_hot & (sd >= self.emerging_from) & (rng.random(len(sc)) < 0.6)
        sl[late] = self._by_settlement(sc[late], self.hot_emerging_by, rng)
        # decoys: many of the other episodes end at a busy place, at school, at home or at a relative's
        drng = self.drng
        free = np.flatnonzero(sl < 0)
        v = drng.random(len(free))
        pick = free[v < 0.3]
        sl[pick] = self._by_settlement(sc[pick], self.busy_by, drng, probs=self.busy_p_by)
        for lo, hi, where in ((0.3, 0.45, self.school), (0.45, 0.65, self.home), (0.65, 0.75, self.relative)):
            pick = free[(v >= lo) & (v < hi)]
            pick = pick[where[sc[pick]] >= 0]
            sl[pick] = where[sc[pick]]
        ch.append(sc)
        day.append(sd)
        loc.append(sl)
        ev.append(np.full(len(sc), -1))
        e_child = np.concatenate(ch).astype(int)
        e_day = np.concatenate(day).astype(int)
        e_place = np.concatenate(loc).astype(int)
        e_event = np.concatenate(ev).astype(int)
        n_ep = len(e_child)
        # times: mostly afternoon and evening; joint episodes reported within a few hours
        hour = rng.choice(24, n_ep, p=HOUR_P)
        rep = e_day * 1440 + hour * 60 + rng.integers(0, 60, n_ep)
        joint = e_event >= 0
        if joint.any():
            base_h = rng.choice(24, len(self.events), p=HOUR_P)
            rep[joint] = e_day[joint] * 1440 + base_h[e_event[joint]] * 60 + rng.integers(0, 180, int(joint.sum()))
        rep = np.minimum(rep, self.last_minute - 30)
        dur = np.exp(rng.normal(np.log(4 * 60), 1.0, n_ep)).astype(int) + 30
        long_ = rng.random(n_ep) < 0.04
        dur[long_] += rng.integers(24 * 60, 6 * 24 * 60, int(long_.sum()))
        ret = rep + dur
        still = ret > self.last_minute
        ret[still] = -1
        # RHI: ~80% completed (about three quarters of those within 72 hours), some declined/not offered
        outcome = rng.choice(np.array(["completed", "declined", "not_offered", ""]), n_ep, p=[0.8, 0.08, 0.08, 0.04])
        outcome[still] = ""
        delay = np.where(rng.random(n_ep) < 0.76, rng.integers(2 * 60, 72 * 60, n_ep), rng.integers(73 * 60, 21 * 24 * 60, n_ep))
        rhi = np.where(outcome == "completed", ret + delay, -1)
        late_rhi = rhi > self.last_minute
        rhi[late_rhi] = -1
        outcome[late_rhi] = ""
        classification = rng.choice(np.array(["missing", "absent", ""]), n_ep, p=[0.7, 0.26, 0.04])
        found = self._pick_record(np.where(ret >= 0, e_place, -1), 0.2)
        # sort by report time; ids follow
        order = np.lexsort((e_child, rep))
        self.ep = {"child": e_child[order], "day": e_day[order], "place": e_place[order],
                   "found": found[order], "event": e_event[order], "rep": rep[order], "ret": ret[order],
                   "rhi": rhi[order], "outcome": outcome[order], "class": classification[order]}
        self.n_ep = n_ep
        self.episode_ids = make_ids("E", n_ep, max(6, len(str(n_ep))))

    def _add_links(self, src: np.ndarray, tgt: np.ndarray, rel: np.ndarray | str, day: np.ndarray,
                   *, episode: np.ndarray | None = None, source: np.ndarray | str,
                   grading: np.ndarray | None = None, summary: np.ndarray | str = "") -> None:
        k = len(src)
        if k == 0:
            return
        src_type = np.full(k, source, dtype=object) if isinstance(source, str) else source.astype(object)
        if grading is None:
            share = np.where(src_type == "rhi", 0.2, np.where(src_type == "police", 0.97, 0.75))
            grading = draw_gradings(k, self.rng, graded_share=share, e_share=0.015)
        self.links.append({
            "src": np.asarray(src, dtype=object), "tgt": np.asarray(tgt, dtype=object),
            "rel": np.full(k, rel, dtype=object) if isinstance(rel, str) else np.asarray(rel, dtype=object),
            "day": np.asarray(day, dtype=int),
            "episode": np.full(k, -1) if episode is None else np.asarray(episode, dtype=int),
            "source": src_type, "grading": grading,
            "summary": np.full(k, summary, dtype=object) if isinstance(summary, str) else summary.astype(object),
        })

    def _links(self) -> None:
        rng, ep, cid, lid = self.rng, self.ep, self.child_ids, self.location_ids
        ep_day = ep["day"]
        completed = ep["outcome"] == "completed"
        src_choice = np.array(["police", "social_care", "rhi"])
        # 1. found_at links for found episodes
        f = np.flatnonzero((ep["found"] >= 0) & (rng.random(self.n_ep) < 0.55))
        self._add_links(cid[ep["child"][f]], lid[ep["found"][f]], "found_at", ep_day[f], episode=f,
                        source=rng.choice(src_choice, len(f), p=[0.6, 0.2, 0.2]).astype(object),
                        summary=blank_cells(np.full(len(f), "found here at the end of the episode", dtype=object), 0.3, rng))
        # 2. places the RHI says the child went to
        c = np.flatnonzero(completed)
        nvis = rng.choice(3, len(c), p=[0.25, 0.5, 0.25])
        ve = np.repeat(c, nvis)
        vchild = ep["child"][ve]
        vg = self.group_of[vchild]
        u = rng.random(len(ve))
        place = self.usual[vchild, rng.integers(0, 3, len(ve))]
        use_turf = (vg >= 0) & (u < 0.45)
        place[use_turf] = self.turf[vg[use_turf]]
        use_found = (u >= 0.45) & (u < 0.6) & (ep["place"][ve] >= 0)
        place[use_found] = ep["place"][ve][use_found]
        use_hot = (u >= 0.6) & (u < 0.72)
        place[use_hot] = self._by_settlement(vchild[use_hot], self.hot_persistent_by, rng)
        late = use_hot & (ep_day[ve] >= self.emerging_from) & (rng.random(len(ve)) < 0.6)
        place[late] = self._by_settlement(vchild[late], self.hot_emerging_by, rng)
        rec = self._pick_record(place, 0.3)
        self._add_links(cid[vchild], lid[rec], rng.choice(np.array(["visited", "stayed_at"]), len(ve), p=[0.9, 0.1]),
                        ep_day[ve], episode=ve, source="rhi",
                        summary=blank_cells(np.full(len(ve), "RHI: said they went here", dtype=object), 0.4, rng))
        # 2b. decoys: RHIs often say the child hung around the station, the shopping centre or a
        # fast-food outlet (mostly ungraded), and police patrols note children seen at the stations
        d = self.drng
        de = c[d.random(len(c)) < 0.4]
        dp = self._by_settlement(ep["child"][de], self.busy_by, d, probs=self.busy_p_by)
        self._add_links(cid[ep["child"][de]], lid[dp], "visited", ep_day[de], episode=de, source="rhi",
                        summary=blank_cells(np.full(len(de), "RHI: said they went here", dtype=object), 0.4, rng))
        k = int(d.poisson(0.04 * self.n))
        kids = d.integers(0, self.n, k)
        self._add_links(cid[kids], lid[self._by_settlement(kids, self.busy_by, d, probs=self.busy_p_by)], "visited",
                        d.integers(0, self.days, k), source="police",
                        summary=blank_cells(np.full(k, "seen at the station by a patrol", dtype=object), 0.3, rng))
        # a one-off contact (not a driving person of concern) noted at some busy places
        bsel = self.busy[d.random(len(self.busy)) < 0.3]
        if len(bsel) and self.background:
            who = np.asarray(self.background)[d.integers(0, len(self.background), len(bsel))]
            self._add_links(np.array([self._person_record(int(b), prefer_variant=0.0) for b in who], dtype=object),
                            lid[bsel], "visited", d.integers(0, self.days, len(bsel)), source="police")
        # 3. co-missing peers named in RHIs (joint episodes)
        by_event: dict[int, list[int]] = {}
        for row_i in np.flatnonzero(ep["event"] >= 0):
            by_event.setdefault(int(ep["event"][row_i]), []).append(int(row_i))
        s, t, e = [], [], []
        for _ev, idx in sorted(by_event.items()):
            for i in idx:
                if not completed[i]:
                    continue
                for j in idx:
                    if j != i and rng.random() < 0.75:
                        s.append(ep["child"][i])
                        t.append(ep["child"][j])
                        e.append(i)
        s_, t_, e_ = np.array(s, dtype=int), np.array(t, dtype=int), np.array(e, dtype=int)
        self._add_links(cid[s_], cid[t_], rng.choice(np.array(["seen_with", "friend"]), len(s_), p=[0.8, 0.2]),
                        ep_day[e_], episode=e_, source="rhi",
                        summary=blank_cells(np.full(len(s_), "RHI: was with them while missing", dtype=object), 0.4, rng))
        # 4. persons of concern named in RHIs of group children
        g_ep = np.flatnonzero(completed & (self.group_of[ep["child"]] >= 0) & (rng.random(self.n_ep) < 0.5))
        src_ids, tgt_ids = [], []
        for i in g_ep.tolist():
            ch = int(ep["child"][i])
            poc = self._poc_for(ch)
            src_ids.append(cid[ch])
            tgt_ids.append(self._person_record(poc, prefer_variant=0.5))
        self._add_links(np.array(src_ids, dtype=object), np.array(tgt_ids, dtype=object),
                        rng.choice(np.array(["seen_with", "contact", "associate"]), len(g_ep), p=[0.5, 0.3, 0.2]),
                        ep_day[g_ep], episode=g_ep, source="rhi",
                        summary=blank_cells(np.full(len(g_ep), "RHI: named this adult", dtype=object), 0.4, rng))
        self._intelligence()
        self._noise()

    def _intelligence(self) -> None:
        """Police and partner intelligence, not tied to an episode."""
        rng, cid, lid = self.rng, self.child_ids, self.location_ids
        partners = np.array(["police", "education", "social_care", "community", "health"])
        p_part = [0.55, 0.15, 0.15, 0.1, 0.05]
        # peers: a random spanning tree plus a few extra ties per group
        s, t = [], []
        for m in self.members:
            perm = rng.permutation(m)
            for i in range(1, len(perm)):
                s.append(perm[i])
                t.append(perm[int(rng.integers(i))])
            for _ in range(len(m)):
                a, b = rng.choice(m, 2, replace=False)
                s.append(a)
                t.append(b)
        s_, t_ = np.array(s, dtype=int), np.array(t, dtype=int)
        self._add_links(cid[s_], cid[t_], rng.choice(np.array(["associate", "seen_with", "friend"]), len(s_)),
                        rng.integers(0, self.days, len(s_)),
                        source=rng.choice(partners, len(s_), p=p_part).astype(object),
                        summary=blank_cells(np.full(len(s_), "known to associate", dtype=object), 0.3, rng))
        # persons of concern: links to the children they reach and to their places
        src, tgt, srcs, ptgt, psrc, prel = [], [], [], [], [], []
        for e in sorted(self.reach):
            for ch in sorted(self.reach[e]):
                for _ in range(int(rng.integers(1, 3))):
                    st = str(rng.choice(partners, p=p_part))
                    src.append(self._person_record(e, prefer_variant=0.15 if st == "police" else 0.6))
                    tgt.append(cid[ch])
                    srcs.append(st)
            for g in self.ents[e]["groups"]:
                ptgt.append(self.turf[g])
                psrc.append(self._person_record(e, prefer_variant=0.2))
                prel.append("frequents")
                if self.late_turf[g] >= 0:
                    ptgt.append(self.late_turf[g])
                    psrc.append(self._person_record(e, prefer_variant=0.2))
                    prel.append("works_at")
        k = len(src)
        self._add_links(np.array(src, dtype=object), np.array(tgt, dtype=object),
                        rng.choice(np.array(["associate", "contact", "seen_with"]), k, p=[0.5, 0.3, 0.2]),
                        rng.integers(0, self.days, k), source=np.array(srcs, dtype=object),
                        summary=blank_cells(np.full(k, "intelligence: in contact with the child", dtype=object), 0.3, rng))
        pt = self._pick_record(np.array(ptgt, dtype=int), 0.25)
        self._add_links(np.array(psrc, dtype=object), lid[pt], np.array(prel, dtype=object),
                        rng.integers(0, self.days, len(pt)), source="police")
        # relatives: a cousin linked to the person of concern
        cs = sorted(self.cousin_of.items())
        self._add_links(np.array([self._person_record(a, prefer_variant=0.0) for a, _ in cs], dtype=object),
                        np.array([self._person_record(b, prefer_variant=0.0) for _, b in cs], dtype=object),
                        "relative", rng.integers(0, self.days, len(cs)), source="police")
        # where children live
        has = np.flatnonzero(self.home >= 0)
        has = has[rng.random(len(has)) < 0.3]
        self._add_links(cid[has], lid[self.home[has]], "lives_at", rng.integers(0, self.days, len(has)),
                        source="social_care")

    def _noise(self) -> None:
        """One-off contacts, random visits, cross-group ties and E-graded (suspected false) links."""
        rng, cid, lid, n, z = self.rng, self.child_ids, self.location_ids, self.n, self.noise
        if z <= 0:
            return
        # one-off contacts: background persons with one or two children
        bg = np.repeat(np.array(self.background), rng.choice([1, 2], len(self.background), p=[0.8, 0.2]))
        bg = bg[rng.random(len(bg)) < min(1.0, z)]
        kids = rng.integers(0, n, len(bg))
        self._add_links(np.array([self._person_record(int(b), prefer_variant=0.0) for b in bg], dtype=object),
                        cid[kids], rng.choice(np.array(["contact", "seen_with", "associate"]), len(bg)),
                        rng.integers(0, self.days, len(bg)),
                        source=rng.choice(np.array(["rhi", "police", "community"]), len(bg)).astype(object))
        # random child-child sightings (may cross groups)
        k = int(rng.poisson(0.12 * n * z))
        a = rng.integers(0, n, k)
        b = self._by_settlement(a, self.children_by, rng)  # children of one settlement
        ok = a != b
        self._add_links(cid[a[ok]], cid[b[ok]], "seen_with", rng.integers(0, self.days, int(ok.sum())),
                        source=rng.choice(np.array(["rhi", "police", "education"]), int(ok.sum())).astype(object))
        # random visits to ordinary places
        k = int(rng.poisson(0.4 * n * z))
        kids = rng.integers(0, n, k)
        places = self._by_settlement(kids, self.ordinary_by, rng, probs=self.ordinary_p_by)
        self._add_links(cid[kids], lid[self._pick_record(places, 0.1)], "visited", rng.integers(0, self.days, k),
                        source=rng.choice(np.array(["rhi", "police", "community"]), k).astype(object))
        # E-graded: intelligence suspected to be false, naming another group's person of concern
        grouped = np.flatnonzero(self.group_of >= 0)
        k = int(rng.poisson(0.03 * n * z))
        if k and len(grouped) and self.n_driving:
            kids = rng.choice(grouped, k)
            pocs = rng.integers(0, self.n_driving, k)
            self._add_links(cid[kids], np.array([self._person_record(int(p), prefer_variant=0.0) for p in pocs], dtype=object),
                            "associate", rng.integers(0, self.days, k), source="community",
                            grading=e_gradings(k, rng), summary="anonymous report, not corroborated")

    def _mentions(self) -> None:
        rng, ep = self.rng, self.ep
        people = np.full(self.n_ep, "", dtype=object)
        places = np.full(self.n_ep, "", dtype=object)
        truth: list[tuple[str, str, str, str, str, str]] = []
        by_event: dict[int, list[int]] = {}
        for k in np.flatnonzero(ep["event"] >= 0):
            by_event.setdefault(int(ep["event"][k]), []).append(int(k))
        sel = np.flatnonzero((ep["outcome"] == "completed") & (rng.random(self.n_ep) < 0.7))
        for i in sel:
            eid = str(self.episode_ids[i])
            ch = int(ep["child"][i])
            ment: list[tuple[str, str, str, str]] = []
            if ep["event"][i] >= 0:
                for j in by_event[int(ep["event"][i])]:
                    o = int(ep["child"][j])
                    if o != ch and rng.random() < 0.6:
                        first, sur = self.child_names[o]
                        form_i = int(rng.integers(3))
                        text = first if form_i == 0 else f"{first} {sur[0]}" if form_i == 1 else f"{first} {sur}"
                        ment.append((text, str(self.child_ids[o]), "child", ("first_name", "first_initial", "full_name")[form_i]))
            if self.group_of[ch] >= 0 and rng.random() < 0.5:
                e = self._poc_for(ch)
                ment.append(self._person_mention(e))
                if e in self.cousin_of and rng.random() < 0.3:
                    c = self.cousin_of[e]
                    ment.append((f"{self.ents[e]['first']}'s cousin", self._canonical_person(c), "person", "relative_of"))
            if rng.random() < 0.08 * max(self.noise, 0.5):
                nm = (GIVEN_M + GIVEN_F)[rng.integers(60)]
                ment.append((f"a lad called {nm}" if rng.random() < 0.5 else f"{nm} from {AREAS[rng.integers(len(AREAS))]}",
                             "", "none", "unknown"))
            seen: set[str] = set()
            kept = []
            for mention in ment:
                if mention[0].lower() not in seen:
                    seen.add(mention[0].lower())
                    kept.append(mention)
            if kept:
                people[i] = "; ".join(m[0] for m in kept)
                truth += [(eid, "people_mentioned", m[0], m[1], m[2], m[3]) for m in kept]
            place = int(ep["place"][i])
            if place >= 0 and rng.random() < 0.7:
                text, form = self._place_mention(place)
                places[i] = text
                truth.append((eid, "places_mentioned", text, str(self.location_ids[place]), "location", form))
        self.people_mentioned = untidy(people, 0.05, rng)
        self.places_mentioned = places
        self.mentions = pd.DataFrame(truth, columns=["episode_id", "field", "mention", "true_id", "true_kind", "form"])

    def _episodes_table(self) -> pd.DataFrame:
        rng, ep = self.rng, self.ep
        found = np.where(ep["found"] >= 0, self.location_ids[np.maximum(ep["found"], 0)], "").astype(object)
        return pd.DataFrame({
            "episode_id": self.episode_ids,
            "child_id": self.child_ids[ep["child"]],
            "reported_at": fmt_datetimes(ep["rep"], self.start_m, rng),
            "returned_at": fmt_datetimes(ep["ret"], self.start_m, rng),
            "classification": recase(ep["class"].astype(object), 0.1, rng),
            "found_location_id": found,
            "rhi_at": fmt_datetimes(ep["rhi"], self.start_m, rng),
            "rhi_outcome": recase(ep["outcome"].astype(object), 0.05, rng),
            "people_mentioned": self.people_mentioned,
            "places_mentioned": self.places_mentioned,
        })

    def _links_table(self) -> pd.DataFrame:
        rng = self.rng
        cols = {k: np.concatenate([b[k] for b in self.links]) for k in self.links[0]}
        day = np.minimum(cols["day"], self.days - 1)
        order = np.lexsort((np.arange(len(day)), day))
        cols = {k: v[order] for k, v in cols.items()}
        k = len(day)
        ep = np.where(cols["episode"] >= 0, self.episode_ids[np.maximum(cols["episode"], 0)], "").astype(object)
        return pd.DataFrame({
            "link_id": make_ids("K", k, max(6, len(str(k)))),
            "source_id": cols["src"], "target_id": cols["tgt"], "relation": cols["rel"],
            "observed_on": fmt_dates(day[order], self.start, rng),
            "episode_id": ep,
            "source_type": recase(cols["source"], 0.05, rng),
            "grading": cols["grading"],
            "summary": untidy(cols["summary"], 0.03, rng),
        })


"""Place text matched to known places: by name, address, grid reference, postcode or fuzzy name.

:class:`PlaceIndex` holds the places a dataset knows (its accepted locations, and the
provisional ones ingest makes as it goes) and matches one read :class:`~.placetext.PlaceText`
to one of them, in this order, stopping at the first that gives exactly one place:

1. the name, folded or in comparison form (nicknames expanded: "Maccies" is McDonald's);
2. the address: flat, house number and street ("61 Sallow St, Ellerwick" is "61 Sallow Street");
3. the grid reference: the one place inside the square it names (25 m at least);
4. the postcode, when no house number or street in the text says it is another place there;
5. a similar name (``token_sort_ratio`` >= 90), house numbers agreeing; or a kind of place on a
   street ("the takeaway on Wren Way": the one food outlet known there, :data:`KIND_WORDS`);
6. every word of the text in one place's name, whose other words are only its street or the
   area it begins with, at most one unknown word of the text left out ("the car wash on
   Dunmere" is "Dunmere Road Car Wash"; "Chicken Palace, Ellerwick" is "Chicken Palace,
   Dunmere Road"; "the rec" is "Ellerwick Recreation Ground"; "Willowby park" is *not*
   "Willowby Retail Park car park"); a street is never taken for a house on it.

Several places is *ambiguous* and none a *miss*: both leave the text to a provisional place.
:func:`match_place_texts` reads a column of texts: non-places ("home", "a hotel") are kept as
descriptions, places matched or made provisional (one provisional place per address or name,
whatever the spelling), each with why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from contextmap.ingest.placetext import (
    PlaceText,
    normalise_place_name,
    parse_place_text,
    street_of_text,
)

__all__ = ["PlaceIndex", "match_place_texts", "PlaceTextMatch", "PLACE_PROVISIONAL_PREFIX",
           "provisional_place_id", "FUZZY_CUTOFF", "KIND_WORDS", "SAME_PLACE_M"]

PLACE_PROVISIONAL_PREFIX = "prov-l-"
"""Id prefix of the provisional places ingest makes for place text that matched none."""

FUZZY_CUTOFF = 90
"""Least ``token_sort_ratio`` (0-100) for a similar name to match."""

SAME_PLACE_M = 250.0
"""Records of one name and postcode at most this far apart are one place to match."""

_STOP = {"on", "in", "at", "by", "near", "off", "the", "a", "an", "of", "to", "from", "behind", "outside", "opposite",
         "round", "around", "next", "and"}
_NUM = re.compile(r"^\d+[a-z]?$")
_FOLD = re.compile(r"[^a-z0-9]+")


def _folded(text: str) -> str:
    return _FOLD.sub(" ", re.sub(r"['\u2019`]", "", text.lower())).strip()


def provisional_place_id(p: PlaceText) -> str:
    """A stable id for a place text that matched none: the same address or name, however
    written, gives the same id.

    >>> from contextmap.ingest.placetext import parse_place_text as read
    >>> provisional_place_id(read("Found by police, 61 Sallow St")) == provisional_place_id(read("61 sallow street"))
    True
    """
    digest = hashlib.sha1(f"location|{p.key}".encode()).hexdigest()[:10]
    return PLACE_PROVISIONAL_PREFIX + digest


def _numbers(name: str) -> frozenset[str]:
    return frozenset(t for t in name.split() if _NUM.match(t))


KIND_WORDS: dict[str, str] = {
    "takeaway": "food_outlet", "take away": "food_outlet", "chippy": "food_outlet", "chip shop": "food_outlet",
    "kebab shop": "food_outlet", "kebab house": "food_outlet", "kebab place": "food_outlet",
    "chicken shop": "food_outlet", "chicken place": "food_outlet", "pizza place": "food_outlet",
    "pizza shop": "food_outlet", "burger place": "food_outlet", "fast food place": "food_outlet",
    "chinese": "food_outlet", "cafe": "food_outlet", "shop": "shop", "corner shop": "shop", "offy": "shop",
    "off licence": "shop", "newsagents": "shop", "newsagent": "shop", "vape shop": "shop", "hotel": "hotel",
    "b b": "hotel", "bnb": "hotel", "guest house": "hotel", "park": "park", "playing fields": "park",
    "recreation ground": "park", "bus station": "transport", "train station": "transport",
    "railway station": "transport", "station": "transport", "bus stop": "transport", "school": "school",
    "academy": "school", "care home": "care_home", "childrens home": "care_home",
}
"""Words for a kind of place (comparison form) and the location category they name: "the
takeaway on Wren Way" is the one food outlet the dataset knows on Wren Way."""


def _covers(words: set[str], name: str) -> bool:
    """``name`` holds every word, and its other words are only its street ("Dunmere *Road* Car
    Wash") or the area it begins with ("*Ellerwick* Recreation Ground"): "Willowby park" is
    not "Willowby Retail Park car park"."""
    toks = [t for t in name.split() if t not in _STOP]
    if not words <= set(toks):
        return False
    extra = set(toks) - words
    allowed = set(street_of_text(name).split())
    if not words - allowed:
        return False  # only the street: not a place on it
    if toks and toks[0] not in words:
        allowed.add(toks[0])
    return extra <= allowed


@dataclass
class PlaceIndex:
    """The known places, indexed for :meth:`match`. Ids may repeat (records of one entity)."""

    folded: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)
    addresses: dict[str, set[str]] = field(default_factory=dict)
    postcodes: dict[str, set[str]] = field(default_factory=dict)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    numbers: dict[str, set[str]] = field(default_factory=dict)
    streets: dict[str, set[str]] = field(default_factory=dict)
    names_of: dict[str, set[str]] = field(default_factory=dict)
    on_street: dict[str, set[str]] = field(default_factory=dict)
    postcodes_of: dict[str, set[str]] = field(default_factory=dict)
    points_of: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    homes: set[str] = field(default_factory=set)
    """Provisional places made for children's homes (a text naming one is matched, not warned)."""
    same_place: bool = True
    """Several records that are plainly one place (one name, one postcode, within
    :data:`SAME_PLACE_M` of each other: the council's and the police's record of one takeaway)
    match as one, the lowest id, for entity resolution to join; off when the ids are already
    resolved entities (their separation is resolution's decision)."""
    category: dict[str, str] = field(default_factory=dict)
    points: list[tuple[str, float, float]] = field(default_factory=list)
    _choices: list[str] = field(default_factory=list)
    _fuzzy: dict[str, tuple[tuple[str, float] | None, int]] = field(default_factory=dict)
    _tree: object = None

    @classmethod
    def build(cls, locations: pd.DataFrame, *, mapping: dict[str, str] | None = None) -> PlaceIndex:
        """Index a locations table (``location_id``, ``name``, ``postcode``, ``easting``,
        ``northing``, ``category``); ``mapping`` turns record ids into entity ids (resolved
        entities: :attr:`same_place` is then off)."""
        idx = cls(same_place=mapping is None)
        if not len(locations):
            return idx
        mapping = mapping or {}

        def col(name: str) -> list:
            return locations[name].tolist() if name in locations else [None] * len(locations)

        for rid, name, pc, e, n, cat in zip(col("location_id"), col("name"), col("postcode"), col("easting"),
                                            col("northing"), col("category"), strict=True):
            rid = str(rid)
            idx.add(mapping.get(rid, rid), name, postcode=pc, easting=e, northing=n, category=cat)
        return idx

    def add(self, rid: str, name: object, *, postcode: object = None, easting: object = None,
            northing: object = None, category: object = None) -> None:
        """Index one place (a record, or a provisional place just made)."""
        text = name if isinstance(name, str) else ""
        p = parse_place_text(text, ()) if text else None
        norm = p.name if p is not None and p.kind is None else normalise_place_name(text)
        f = _folded(text)
        if f:
            self.folded.setdefault(f, set()).add(rid)
        if norm:
            if norm not in self.names:
                self._choices.append(norm)
            self.names.setdefault(norm, set()).add(rid)
            self.names_of.setdefault(rid, set()).add(norm)
            for t in set(norm.split()) - _STOP:
                self.tokens.setdefault(t, set()).add(rid)
            self.numbers.setdefault(rid, set()).update(_numbers(norm))
            st = street_of_text(norm)
            if st:
                self.streets.setdefault(rid, set()).add(st)
                self.on_street.setdefault(st, set()).add(rid)
        if p is not None and p.number and p.street:
            self.addresses.setdefault(f"{p.flat}|{p.number}|{p.street}", set()).add(rid)
        pc = postcode if isinstance(postcode, str) and postcode.strip() else (p.postcode if p is not None else "")
        if isinstance(pc, str) and pc.strip():
            self.postcodes.setdefault(re.sub(r"\s+", "", pc).upper(), set()).add(rid)
            self.postcodes_of.setdefault(rid, set()).add(re.sub(r"\s+", "", pc).upper())
        if isinstance(category, str) and category:
            self.category.setdefault(rid, category)
        try:
            e, n = float(easting), float(northing)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            e = n = float("nan")
        if np.isfinite(e) and np.isfinite(n):
            self.points.append((rid, e, n))
            self.points_of.setdefault(rid, []).append((e, n))
            self._tree = None

    def _one_place(self, ids: set[str]) -> bool:
        """Whether several places are plainly one: the same comparison names and house numbers,
        at most one postcode, every known position within :data:`SAME_PLACE_M` of the others."""
        if not self.same_place:
            return False
        names = [frozenset(self.names_of.get(i, ())) for i in ids]
        if not names[0] or any(n != names[0] for n in names[1:]):
            return False
        if len(set().union(*(self.postcodes_of.get(i, set()) for i in ids))) > 1:
            return False
        pts = np.array([pt for i in ids for pt in self.points_of.get(i, [])])
        return len(pts) < 2 or float(np.hypot(*(pts.max(axis=0) - pts.min(axis=0)))) <= SAME_PLACE_M

    # matching ---------------------------------------------------------------------------

    def prepare_fuzzy(self, names: Iterable[str], *, chunk: int = 256, workers: int = -1) -> None:
        """Find the most similar known name of many comparison-form names at once (on ``workers``
        threads; -1: all cores)."""
        todo = sorted({n for n in names if n and n not in self.names and self._fuzzy.get(n, (None, -1))[1] != len(self._choices)})
        if not todo or not self._choices:
            return
        for i in range(0, len(todo), chunk):
            q = todo[i:i + chunk]
            m = process.cdist(q, self._choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF, workers=workers)
            best = m.argmax(axis=1)
            score = m[np.arange(len(q)), best]
            for text, j, sc in zip(q, best.tolist(), score.tolist(), strict=True):
                self._fuzzy[text] = ((self._choices[j], float(sc)) if sc >= FUZZY_CUTOFF else None, len(self._choices))

    def _similar(self, name: str) -> tuple[str, float] | None:
        """The most similar known name (the first of the best), names added since the last
        look checked too."""
        best, seen = self._fuzzy.get(name, (None, 0))
        if seen < len(self._choices):
            got = process.extractOne(name, self._choices[seen:], scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF)
            if got is not None and (best is None or got[1] > best[1]):
                best = (got[0], float(got[1]))
            self._fuzzy[name] = (best, len(self._choices))
        return best

    def _near(self, e: float, n: float, radius: float) -> set[str]:
        if not self.points:
            return set()
        from scipy.spatial import cKDTree

        if self._tree is None:
            self._tree = cKDTree(np.array([(x, y) for _, x, y in self.points]))
        hits = self._tree.query_ball_point([e, n], r=radius)  # type: ignore[attr-defined]
        return {self.points[i][0] for i in hits}

    def _number_conflict(self, rid: str, p: PlaceText) -> bool:
        """House or flat numbers that say another place: different ones, or one side's only (a
        street is not a house on it, a building not a flat in it)."""
        have = self.numbers.get(rid, set())
        want = _numbers(p.name)
        if bool(have) != bool(want):
            return True
        return bool(have) and not (have & want)

    def match(self, p: PlaceText, *, strict: bool = False) -> tuple[str | None, float, str]:
        """The one known place ``p`` names: ``(id, confidence, how)``, or ``(None, 0, why not)``.

        ``strict`` (a child's home): only the name, the address and a grid reference inside
        the square among addresses; no postcode, similar or partial name.

        Examples
        --------
        >>> idx = PlaceIndex()
        >>> idx.add("L1", "61 Sallow Street, Ellerwick", postcode="EL1 2AB")
        >>> idx.add("L2", "Dunmere Road Car Wash")
        >>> idx.add("L3", "Chicken Palace, Dunmere Road")
        >>> idx.add("L4", "Ellerwick Recreation Ground")
        >>> for text in ("Found by police,61 sallow st", "the car wash on Dunmere", "Chicken Palace",
        ...              "the rec", "63 Sallow Street EL1 2AB", "Sallow Street"):
        ...     print(text, "->", idx.match(parse_place_text(text))[0])
        Found by police,61 sallow st -> L1
        the car wash on Dunmere -> L2
        Chicken Palace -> L3
        the rec -> L4
        63 Sallow Street EL1 2AB -> None
        Sallow Street -> None
        """
        if not p.is_place:
            return None, 0.0, "not a place"
        ambiguous = ""

        def one(ids: set[str] | None, conf: float, how: str) -> tuple[str, float, str] | None:
            nonlocal ambiguous
            if not ids:
                return None
            if len(ids) == 1:
                return next(iter(ids)), conf, how
            if self._one_place(ids):
                return min(ids), conf, how + " (one place, several records)"
            ambiguous = ambiguous or f"matches {len(ids)} locations by {how.split(' (')[0]} (give an id to say which)"
            return None

        hit = one(self.folded.get(_folded(p.place)), 0.95, "name exact") or one(self.names.get(p.name), 0.95,
                                                                                 "name exact after normalising")
        if hit:
            return hit
        if p.number and p.street:
            hit = one(self.addresses.get(f"{p.flat}|{p.number}|{p.street}"), 0.9, "address (house number and street)")
            if hit:
                return hit
        if p.grid_size:
            half = p.grid_size / 2
            cands = self._near(p.easting + half, p.northing + half, max(half * 1.42, 25.0))
            if strict:
                cands = {c for c in cands if self.category.get(c) == "address"}
            elif len(cands) > 1 and p.name:
                similar = {c for c in cands if any(fuzz.token_sort_ratio(p.name, n) >= 80
                                                   for n, ids in self.names.items() if c in ids)}
                cands = similar or cands
            hit = one(cands, 0.85, "grid reference")
            if hit:
                return hit
        if strict:
            return None, 0.0, ambiguous or "matches no location by name, address or grid reference"
        if p.postcode:
            cands = {c for c in self.postcodes.get(p.postcode.replace(" ", ""), set()) if not self._number_conflict(c, p)}
            street = p.street or street_of_text(p.name)
            if street:
                cands = {c for c in cands if not self.streets.get(c) or street in self.streets[c]}
            if p.number:  # a house number the place does not have: another house at that postcode
                cands = {c for c in cands if p.number in self.numbers.get(c, set())}
            else:  # a street or a name at a postcode is not a house there
                cands = {c for c in cands if not self.numbers.get(c)}
            rest = " ".join(p.name.replace(street, " ").split()) if street else p.name
            if rest and len(cands) > 1:  # the name says which of the places at the postcode
                named = {c for c in cands if any(fuzz.token_sort_ratio(rest, n) >= FUZZY_CUTOFF or rest in n
                                                 for n in self.names_of.get(c, ()))}
                cands = named or cands
            hit = one(cands, 0.85, "postcode")
            if hit:
                return hit
        if p.name:
            best = self._similar(p.name)
            if best is not None:
                cands = {c for c in self.names[best[0]] if not self._number_conflict(c, p)}
                hit = one(cands, round(0.9 * best[1] / 100, 4), f"name similar to {best[0]!r}")
                if hit:
                    return hit
            hit = one(self._kind_on_street(p), 0.75, "kind of place and street") or one(
                self._partial(p), 0.8, "every word of the text in the place's name")
            if hit:
                return hit
        return None, 0.0, ambiguous or "matches no location by name, address, postcode or grid reference"

    def _kind_on_street(self, p: PlaceText) -> set[str]:
        """"the takeaway on Wren Way" (or "on Wren", the street half-named): the places of that
        kind on that street."""
        if p.number:
            return set()
        street = p.street or street_of_text(p.name)
        m = re.match(r"^(?:the |a )?(.+?) (?:on|in|at|off) (\S+(?: \S+)?)$", p.name)
        if street:
            rest = " ".join(t for t in p.name.replace(street, " ").split() if t not in _STOP)
        elif m:
            rest, stem = m.group(1), m.group(2).split()
            known = [st for st in self.on_street if st.split()[:len(stem)] == stem]
            if len(known) != 1:  # "Ridge": Ridge Avenue or Ridge Terrace?
                return set()
            street = known[0]
        else:
            return set()
        kind = KIND_WORDS.get(rest)
        if kind is None:
            return set()
        return {c for c in self.on_street.get(street, ()) if self.category.get(c) == kind}

    def _partial(self, p: PlaceText) -> set[str]:
        words = [t for t in dict.fromkeys(p.name.split()) if t not in _STOP]
        known = [t for t in words if t in self.tokens]
        if len(words) - len(known) > 1:
            return set()
        got = self._covering(known, _numbers(p.name))
        if not got and len(words) == len(known):  # one word left out: a town ("Chicken Palace, Ellerwick")
            for drop in known:
                got |= self._covering([t for t in known if t != drop], _numbers(p.name))
        return got

    def _covering(self, words: list[str], want: frozenset[str]) -> set[str]:
        """Places whose name holds every word (:func:`_covers`)."""
        if len(words) < 2 or not any(not _NUM.match(t) for t in words):
            return set()
        cands = set.intersection(*(self.tokens[t] for t in words))
        # a street (no number) is not a house on it; a house number must be the place's own
        cands = {c for c in cands if (not want and not self.numbers.get(c)) or (want and want <= self.numbers.get(c, set()))}
        return {c for c in cands if any(_covers(set(words), n) for n in self.names_of.get(c, ()))}


@dataclass
class PlaceTextMatch:
    """:func:`match_place_texts`' result, on the input's index.

    Attributes
    ----------
    ids
        The place id for every text that names a place (matched or provisional); ``''`` for
        non-places and blanks.
    kind
        For non-places, what they mean (:data:`~.placetext.NON_PLACE_KINDS`); NA otherwise.
    own_home
        The text says the child was at their own home or placement.
    why
        For texts left to a provisional place: why they matched none (or several).
    how
        For matched texts: how they were matched.
    new
        The provisional places made: ``id``, ``name``, ``category``, ``postcode``, ``easting``,
        ``northing`` and ``grid_size`` (from a grid reference in the text), ``position`` (the row
        label of the first text that made it).
    """

    ids: pd.Series
    kind: pd.Series
    own_home: pd.Series
    why: pd.Series
    how: pd.Series
    new: pd.DataFrame


def match_place_texts(texts: pd.Series, *, index: PlaceIndex, patterns: pd.Series | None = None,
                      strict: bool = False, category: str | None = None, postcodes: pd.Series | None = None,
                      grid: pd.Series | None = None) -> PlaceTextMatch:
    """Read and match a column of place texts; make a provisional place for each unmatched one.

    Parameters
    ----------
    texts
        Trimmed texts (``''``: nothing to match).
    index
        The known places; provisional places made here are added to it, so a later text
        naming the same address matches them.
    patterns
        Per row, the compiled boilerplate patterns of its source (default: the defaults).
    strict
        Match as :meth:`PlaceIndex.match` does for a child's home.
    category
        The category of the provisional places made (default: ``address`` for an address).
    postcodes, grid
        A postcode and a grid reference given in their own columns (a child's home).

    Examples
    --------
    >>> idx = PlaceIndex()
    >>> idx.add("L1", "61 Sallow Street")
    >>> m = match_place_texts(pd.Series(["Found by police, 61 Sallow St", "a hotel", "Old Mill", "old mill"]),
    ...                       index=idx)
    >>> m.ids.tolist()[:2], m.kind.tolist()[:2], m.ids[2] == m.ids[3] != ""
    (['L1', ''], [<NA>, 'unspecified'], True)
    """
    n = len(texts)
    made: dict[str, tuple] = {}
    pats = patterns if patterns is not None else pd.Series([None] * n, index=texts.index, dtype=object)
    pcs = postcodes if postcodes is not None else pd.Series("", index=texts.index)
    grids = grid if grid is not None else pd.Series("", index=texts.index)
    parsed: dict[tuple, PlaceText] = {}
    keys = []
    for text, pat, pc, gr in zip(texts.tolist(), pats.tolist(), pcs.tolist(), grids.tolist(), strict=True):
        extra = " ".join(x for x in (pc, gr) if isinstance(x, str) and x)
        full = ", ".join(x for x in (text, extra) if x)
        key = (full, id(pat) if pat is not None else None)
        keys.append(key)
        if full and key not in parsed:
            parsed[key] = parse_place_text(full, pat)
    if not strict:  # similar names, in one batch, for the texts no name or address matches
        index.prepare_fuzzy(p.name for p in parsed.values() if p.is_place and p.name not in index.names
                            and not (p.number and f"{p.flat}|{p.number}|{p.street}" in index.addresses))
    # every answer built as plain lists, one Series each at the end (setting cells one by one
    # in a pandas string Series costs more than all the matching)
    ids: list[str] = [""] * n
    kind: list[object] = [pd.NA] * n
    own = [False] * n
    why: list[object] = [pd.NA] * n
    how: list[object] = [pd.NA] * n
    answers: dict[tuple, tuple[str, str | None, str | None]] = {}
    labels = texts.index
    for k, key in enumerate(keys):
        p = parsed.get(key)
        if p is None:
            continue
        if p.kind is not None or not p.place:
            kind[k] = p.kind or "unknown"
            own[k] = p.own_home
            continue
        if key not in answers:
            rid, _conf, what = index.match(p, strict=strict)
            if rid is not None and rid.startswith(PLACE_PROVISIONAL_PREFIX) and rid not in index.homes:  # an earlier text's
                answers[key] = (rid, f"matches no location, only the provisional one made for the same place ({what})",
                                None)
            elif rid is not None:
                answers[key] = (rid, None, what)
            else:
                rid = provisional_place_id(p)
                if rid not in made:
                    cat = category or ("address" if p.number and p.street else None)
                    made[rid] = (p.place, cat, p.postcode or None, p.easting, p.northing, p.grid_size, labels[k])
                    index.add(rid, p.place, postcode=p.postcode, easting=p.easting, northing=p.northing, category=cat)
                    if strict:
                        index.homes.add(rid)
                answers[key] = (rid, what, None)
        ids[k], why_k, how_k = answers[key]
        if why_k is not None:
            why[k] = why_k
        if how_k is not None:
            how[k] = how_k
    return PlaceTextMatch(pd.Series(ids, index=labels, dtype=object), pd.Series(kind, index=labels, dtype="string"),
                          pd.Series(own, index=labels, dtype=bool), pd.Series(why, index=labels, dtype="string"),
                          pd.Series(how, index=labels, dtype="string"), _new_frame(made))


def _new_frame(made: dict[str, tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [(rid, *v) for rid, v in made.items()],
        columns=["id", "name", "category", "postcode", "easting", "northing", "grid_size", "position"],
    ).astype({"easting": "float64", "northing": "float64", "grid_size": "float64"})

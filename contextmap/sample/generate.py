"""Synthetic sample data: a wholly fictional dataset with planted structure and its truth.

:func:`generate_sample` builds the five contract tables (children, persons, locations,
episodes, links) in *input* form, the text a council export would hold, together with the
ground truth that the analyses and entity resolution are measured against (peer groups,
hotspots, persons of concern, duplicate person and place records, RHI mentions).
:func:`write_sample` writes them as CSV files plus ``truth/``. See ``docs/sample-data.md``
for how the structure is planted and what every truth file means.

Every name is invented (given names and surnames combined at random; invented places);
coordinates lie around Carlisle, Cumbria; postcodes look like ``CA1``-``CA3`` postcodes but
are made up; phone numbers come from Ofcom's range reserved for drama (07700 900xxx).
The same arguments always give byte-identical files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from contextmap.files import check_new_files
from contextmap.schema import TABLE_NAMES, TABLES

__all__ = [
    "SampleData",
    "generate_sample",
    "write_sample",
    "DEFAULT_END",
    "DEFAULT_NOISE",
    "EPISODES_PER_CHILD",
    "TRUTH_FILES",
]

DEFAULT_END = "2026-10-31"
"""Last day of the generated period (fixed, so the committed sample is reproducible)."""

DEFAULT_NOISE = 1.0
"""Default amount of background noise (0: none; 2: twice the default)."""

EPISODES_PER_CHILD = 2.75
"""Average episodes per child at the defaults (12 months); ``episodes_target`` uses it."""

TRUTH_FILES = (
    "peer_groups",
    "hotspots",
    "persons_of_concern",
    "person_records",
    "location_records",
    "mentions",
    "decoys",
)

_CENTRE = (54.8925, -2.9329)  # Carlisle, Cumbria (lat, lon)
_RADIUS_M = 5000.0
_M_PER_DEG_LAT = 111_320.0

# --- invented vocabularies -------------------------------------------------------------

_GIVEN_F = (
    "Amber Chloe Demi Ella Freya Grace Holly Isla Jade Kacey Lacey Mia Megan Nadia Olivia "
    "Paige Rhianna Sophie Tia Zara Abbie Brooke Casey Eden Keira Leah Maisie Niamh Poppy Skye"
).split()
_GIVEN_M = (
    "Aaron Bailey Callum Dylan Ethan Finley Harvey Jayden Kai Liam Mason Nathan Owen Reece "
    "Ryan Tyler Zak Alfie Brandon Connor Declan Ellis Jordan Kyle Logan Marcus Rhys Shay Toby Lewis"
).split()
_SURNAMES = (
    "Ashby Bramwell Carrow Dunmore Eskdale Fenwick Garside Grant Hallam Hexley Irwell Jessop "
    "Kirkbride Lowther Maudsley Nettleton Orrell Pennick Quarmby Ridley Sowerby Thwaite Ullock "
    "Varley Wadsworth Yeadon Armer Blencow Calvert Dobson Elland Farrish Gilsland Harker Ivison "
    "Kellet Lamplugh Moffat Newby Otway Pattinson Raine Salkeld Tindale Routledge Wharton Brisco"
).split()
_AREAS = (
    "Northgate Eastfield Riverside Brackenholme Moorfield Willowby Stonegate Ashcroft Larkrise "
    "Fellside Kingsmead Edenbank Holmwood Thornby Castlebrook Millbeck Oakridge Sandholme"
).split()
_STREETS = (
    "Botchergate|Fellside Road|Millbeck Street|Larkrise Avenue|Station Row|Tanners Lane|"
    "Holmwood Drive|Edenbank Terrace|Ashcroft Close|Kingsmead Way|Thornby Crescent|"
    "Willowby Road|Castlebrook Street|Moorfield Avenue|Stonegate Road|Oakridge Lane|"
    "Sandholme Street|Brackenholme Road|Northgate Street|Eastfield Avenue"
).split("|")
_ABBREV = {" Road": " Rd", " Street": " St", " Avenue": " Ave", " Lane": " Ln",
           " Terrace": " Tce", " Crescent": " Cres", "Botchergate": "Botch'gate"}
_FOOD = ("Chicken Palace", "Riverside Chicken", "Golden Fry", "Mega Kebab", "Star Pizza",
         "Perfect Chicken", "Dragon Wok", "Big Bite Burgers", "Fryday's", "Kebab King")
_PLACE_KINDS = {
    "park": ("{a} Park", "{a} Rec", "{a} Playing Fields", "{a} Woods"),
    "shop": ("{a} Mini Market", "Quickstop, {s}", "Vape Cave, {s}", "{a} Late Shop"),
    "food_outlet": ("{f}, {s}",),
    "transport": ("{a} Bus Station", "{s} bus stop", "{a} Interchange", "{a} Halt"),
    "hotel": ("The {a} Lodge", "{a} Inn", "Budget Stay, {s}"),
    "school": ("{a} Academy", "{a} High School"),
    "other": ("{a} Skate Park", "{a} Leisure Centre", "Underpass by {s}", "Garages behind {s}",
              "{a} Retail Park car park"),
}
_HOT_CATEGORIES = ("food_outlet", "park", "transport", "address", "hotel", "other", "shop")
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_GRADING_FORMS = ("{s}{i} {h}",) * 16 + ("{s}{i}{h}", "{s}-{i}-{h}", "{s}{il} {hl}", " {s}{i} {h}")


@dataclass
class SampleData:
    """A generated dataset: the five tables in input form and the planted truth.

    Attributes
    ----------
    tables
        ``children``, ``persons``, ``locations``, ``episodes``, ``links``: DataFrames of
        text cells exactly as written to CSV (``''`` for a blank cell).
    truth
        ``peer_groups``, ``hotspots``, ``persons_of_concern``, ``person_records``,
        ``location_records``, ``mentions`` (see ``docs/sample-data.md``).
    params
        The generation parameters and headline counts (written to ``truth/truth.json``).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    params: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, out_dir: str | Path, *, overwrite: bool = False) -> Path:
        """Write the tables as CSV and the truth under ``out_dir/truth/``; return ``out_dir``.

        Raises :class:`~contextmap.OutputExistsError` if a file would be replaced and
        ``overwrite`` is false.
        """
        out = Path(out_dir)
        targets = [out / f"{n}.csv" for n in TABLE_NAMES]
        targets += [out / "truth" / f"{n}.csv" for n in TRUTH_FILES] + [out / "truth" / "truth.json"]
        check_new_files(targets, overwrite=overwrite)
        (out / "truth").mkdir(parents=True, exist_ok=True)
        for name in TABLE_NAMES:
            _write_csv(self.tables[name], out / f"{name}.csv")
        for name in TRUTH_FILES:
            _write_csv(self.truth[name], out / "truth" / f"{name}.csv")
        text = json.dumps(self.params, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
        (out / "truth" / "truth.json").write_text(text, encoding="utf-8", newline="\n")
        return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


# --- small helpers ---------------------------------------------------------------------


def _ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    w = width or max(4, len(str(n)))
    return np.array([f"{prefix}{i:0{w}d}" for i in range(1, n + 1)], dtype=object)


def _fmt_dates(days: np.ndarray, start: np.datetime64, rng: np.random.Generator,
               *, uk_share: float = 0.25) -> np.ndarray:
    """Format day offsets from ``start`` as ISO or UK day-first dates (mixed, as exports are)."""
    d = start + days.astype("timedelta64[D]")
    iso = np.datetime_as_string(d, unit="D").astype(object)
    uk = rng.random(len(days)) < uk_share
    if uk.any():
        parts = [s.split("-") for s in iso[uk]]
        iso[uk] = [f"{p[2]}/{p[1]}/{p[0]}" for p in parts]
    return iso


def _fmt_datetimes(minutes: np.ndarray, start: np.datetime64, rng: np.random.Generator,
                   *, uk_share: float = 0.25) -> np.ndarray:
    """Format minute offsets as ``YYYY-MM-DD HH:MM`` or ``DD/MM/YYYY HH:MM``; -1 is blank."""
    out = np.full(len(minutes), "", dtype=object)
    ok = minutes >= 0
    t = start + minutes[ok].astype("timedelta64[m]")
    iso = np.char.replace(np.datetime_as_string(t, unit="m"), "T", " ").astype(object)
    uk = rng.random(len(iso)) < uk_share
    if uk.any():
        iso[uk] = [f"{s[8:10]}/{s[5:7]}/{s[0:4]} {s[11:16]}" for s in iso[uk]]
    out[ok] = iso
    return out


def _blank(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    values = values.astype(object)
    values[rng.random(len(values)) < share] = ""
    return values


def _untidy(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Add stray leading/trailing whitespace to a share of non-blank cells."""
    values = values.astype(object).copy()
    pick = np.flatnonzero((rng.random(len(values)) < share) & (values != ""))
    pads = rng.integers(0, 3, len(pick))
    for i, p in zip(pick, pads, strict=True):
        v = values[i]
        values[i] = (" " + v) if p == 0 else (v + " ") if p == 1 else (" " + v + "  ")
    return values


def _recase(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Write a share of code values as a person would type them ('Out of area', 'MISSING')."""
    values = values.astype(object).copy()
    for i in np.flatnonzero((rng.random(len(values)) < share) & (values != "")):
        v = str(values[i]).replace("_", " ")
        values[i] = v.upper() if len(v) < 8 else v.capitalize()
    return values


def _gradings(n: int, rng: np.random.Generator, *, graded_share: np.ndarray | float,
              e_share: float = 0.02) -> np.ndarray:
    """Draw 3x5x2 codes: mostly 1/2 and B/C, some 3, a few E; handling mostly P."""
    s = rng.choice(np.array(["1", "2", "3"]), n, p=[0.45, 0.45, 0.10])
    pi = np.array([0.10, 0.42, 0.38, 0.10 - e_share, e_share])
    i = rng.choice(np.array(list("ABCDE")), n, p=pi / pi.sum())
    h = rng.choice(np.array(["P", "C"]), n, p=[0.85, 0.15])
    form = rng.integers(0, len(_GRADING_FORMS), n)
    out = np.array([
        _GRADING_FORMS[f].format(s=a, i=b, h=c, il=b.lower(), hl=c.lower())
        for a, b, c, f in zip(s, i, h, form, strict=True)
    ], dtype=object)
    out[rng.random(n) >= graded_share] = ""
    return out


def _e_gradings(n: int, rng: np.random.Generator) -> np.ndarray:
    s = rng.choice(np.array(["2", "3"]), n)
    return np.array([f"{a}E P" for a in s], dtype=object)


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    k = int(rng.integers(1, len(word) - 2))
    return word[:k] + word[k + 1] + word[k] + word[k + 2:]


def _dob_variant(dob: np.datetime64, rng: np.random.Generator) -> np.datetime64:
    """The same date of birth typed another way: day/month swapped or a digit off."""
    y, m, d = (int(x) for x in str(dob).split("-"))
    if d <= 12 and d != m and rng.random() < 0.6:
        m, d = d, m
    elif rng.random() < 0.5:
        y += int(rng.choice([-1, 1]))
    else:
        d = d + 10 if d <= 18 else d - 10
    while True:  # a typed date is still a real date (29 February only in leap years)
        try:
            return np.datetime64(f"{y:04d}-{m:02d}-{d:02d}")
        except ValueError:
            d -= 1


# --- the generator ---------------------------------------------------------------------


def generate_sample(
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 12,
    end: str | None = None,
    noise: float = DEFAULT_NOISE,
    episodes_target: int | None = None,
) -> SampleData:
    """Generate a wholly fictional dataset with planted peer groups, hotspots and persons.

    Parameters
    ----------
    children
        Number of children. Ignored when ``episodes_target`` is given.
    seed
        Seed for :func:`numpy.random.default_rng`; the same arguments give identical tables.
    months
        Length of the period, ending on ``end``.
    end
        Last day of the period (ISO date); defaults to :data:`DEFAULT_END` so that output
        does not depend on the day it is generated. No generated date lies after it.
    noise
        Amount of background noise relative to the default (one-off contacts, random
        visits, cross-group and E-graded links): 0 plants clean structure, 2 doubles it.
    episodes_target
        Aim at about this many episodes: sets ``children`` to
        ``episodes_target / EPISODES_PER_CHILD`` (the count reached is approximate).

    Returns
    -------
    SampleData
        The tables in input form and the truth tables.

    Examples
    --------
    >>> s = generate_sample(children=40, seed=1)
    >>> sorted(s.tables)
    ['children', 'episodes', 'links', 'locations', 'persons']
    >>> len(s.children)
    40
    >>> set(s.truth["peer_groups"]["child_id"]) <= set(s.children["child_id"])
    True
    """
    if episodes_target is not None:
        if isinstance(episodes_target, bool) or not isinstance(episodes_target, (int, np.integer)) or episodes_target < 40:
            raise ValueError(f"Expected episodes_target to be a whole number of at least 40, instead got: {episodes_target!r}")
        children = max(10, round(episodes_target / EPISODES_PER_CHILD))
    if isinstance(children, bool) or not isinstance(children, (int, np.integer)) or children < 10:
        raise ValueError(f"Expected children to be a whole number of at least 10, instead got: {children!r}")
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 120:
        raise ValueError(f"Expected months to be a whole number from 1 to 120, instead got: {months!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 10 or math.isnan(noise):
        raise ValueError(f"Expected noise to be a number from 0 to 10, instead got: {noise!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Expected seed to be a non-negative whole number, instead got: {seed!r}")
    end_text = DEFAULT_END if end is None else str(end)
    try:
        end_day = pd.Timestamp(end_text).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Expected end to be an ISO date such as '2026-10-31', instead got: {end!r}") from exc
    return _Generator(int(children), int(seed), int(months), end_day, float(noise)).run()


def write_sample(
    out_dir: str | Path,
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 12,
    end: str | None = None,
    noise: float = DEFAULT_NOISE,
    episodes_target: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Generate a sample (see :func:`generate_sample`) and write it to ``out_dir``.

    Writes ``children.csv``, ``persons.csv``, ``locations.csv``, ``episodes.csv``,
    ``links.csv`` and ``truth/`` (the truth tables and ``truth.json``).

    Raises
    ------
    OutputExistsError
        If sample files already exist in ``out_dir`` and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> out = write_sample(tempfile.mkdtemp(), children=30, seed=3)
    >>> sorted(p.name for p in out.glob("*.csv"))
    ['children.csv', 'episodes.csv', 'links.csv', 'locations.csv', 'persons.csv']
    """
    data = generate_sample(children=children, seed=seed, months=months, end=end, noise=noise,
                           episodes_target=episodes_target)
    return data.write(out_dir, overwrite=overwrite)


class _Generator:
    """One generation run. Entities are built with small loops; episodes and links with numpy."""

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
                street = _STREETS[rng.integers(len(_STREETS))]
                num = int(rng.integers(1, 400))
                return f"Flat {int(rng.integers(1, 9))}, {num} {street}" if rng.random() < 0.3 else f"{num} {street}"
            pattern = _PLACE_KINDS[cat][rng.integers(len(_PLACE_KINDS[cat]))]
            return pattern.format(a=_AREAS[rng.integers(len(_AREAS))],
                                  s=_STREETS[rng.integers(len(_STREETS))],
                                  f=_FOOD[rng.integers(len(_FOOD))])

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
            cat = _HOT_CATEGORIES[rng.integers(len(_HOT_CATEGORIES))]
            self.hot_persistent.append(add(unique_name(cat), cat, 2500.0, "persistent"))
        self.hot_emerging = []
        for _ in range(n_emerging):
            cat = _HOT_CATEGORIES[rng.integers(len(_HOT_CATEGORIES))]
            self.hot_emerging.append(add(unique_name(cat), cat, 3500.0, "emerging"))
        cats = list(_PLACE_KINDS)
        self.ordinary = []
        for _ in range(max(60, round(0.8 * n))):
            cat = cats[rng.integers(len(cats))]
            self.ordinary.append(add(unique_name(cat), cat, _RADIUS_M, "ordinary"))
        self.care_homes = [add(f"{_AREAS[rng.integers(len(_AREAS))]} House", "care_home", _RADIUS_M, "home")
                           for _ in range(max(2, n // 40))]
        # children's homes: addresses, or a care home for those in residential placements
        self.placement = rng.choice(np.array(["home", "foster", "residential", "supported", "out_of_area", "other"]),
                                    n, p=[0.55, 0.2, 0.14, 0.05, 0.04, 0.02])
        self.home = np.full(n, -1)
        for i in range(n):
            if self.placement[i] == "residential":
                self.home[i] = self.care_homes[rng.integers(len(self.care_homes))]
            elif self.placement[i] in ("home", "foster", "supported") and rng.random() < 0.93:
                self.home[i] = add(unique_name("address"), "address", _RADIUS_M, "home")
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

        areas = list(d.permutation(len(_AREAS)))

        def area(k: int) -> str:
            """The k-th area drawn; numbered once a large town has used every area name."""
            name = _AREAS[areas[-1 - k % len(areas)]]
            return name if k < len(areas) else f"{name} ({k // len(areas) + 1})"

        busy = [(add("Central Railway Station", "transport", 800.0, "station"), 3.0),
                (add(f"{area(0)} Bus Station", "transport", 800.0, "station"), 2.5)]
        for k in range(1 + n // 600):
            busy.append((add(f"{area(k + 1)} Shopping Centre", "shop", 1500.0, "shopping_centre"), 2.0))
        for _ in range(2 + n // 500):
            street = _STREETS[int(d.integers(len(_STREETS)))]
            food = ("Burger Barn", "Crispy Corner", "Fry Station", "Bun & Grill")[int(d.integers(4))]
            busy.append((add(f"{food}, {street}", "food_outlet", 2000.0, "fast_food"), 1.5))
        self.busy = np.array([b for b, _ in busy], dtype=int)
        self.busy_p = np.array([w for _, w in busy]) / sum(w for _, w in busy)
        self.schools = [add(f"{_AREAS[int(d.integers(len(_AREAS)))]} {('Academy', 'High School')[k % 2]} ({k + 1})"
                            if k >= 2 * len(_AREAS) else f"{_AREAS[k // 2]} {('Academy', 'High School')[k % 2]}",
                            "school", 4000.0, "school") for k in range(max(2, n // 60))]
        self.school = np.where(d.random(n) < 0.85, np.asarray(self.schools)[d.integers(0, len(self.schools), n)], -1)
        self.relative = np.full(n, -1)
        for i in np.flatnonzero(d.random(n) < 0.15):
            street = _STREETS[int(d.integers(len(_STREETS)))]
            self.relative[i] = add(f"{int(d.integers(1, 400))} {street} (grandparent)" if d.random() < 0.3
                                   else f"{int(d.integers(1, 400))} {street}", "address", _RADIUS_M, "relative_address")

    def _place_variant(self, name: str, cat: str) -> str:
        rng = self.rng
        v = name
        for full, short in _ABBREV.items():
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

    def _persons(self) -> None:
        """Driving persons of concern (some split over 2-3 records), relatives, one-off contacts."""
        rng, G = self.rng, self.n_groups
        ents: list[dict] = []

        def new_person(role: str, *, surname: str | None = None, age: tuple[int, int] = (18, 34)) -> int:
            male = rng.random() < 0.8
            first = (_GIVEN_M if male else _GIVEN_F)[rng.integers(30)]
            sur = surname or _SURNAMES[rng.integers(len(_SURNAMES))]
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
                dob = p["dob"] if (j == 0 or rng.random() < 0.4) else _dob_variant(p["dob"], rng)
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
        self.person_ids = _ids("P", len(recs))

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
            return f"{first} {_typo(sur, self.rng)}"
        if r < 0.75:
            return f"{sur.upper()}, {first}"
        if r < 0.88:
            return f"{first[:3]} {sur}"
        return f"{first.lower()} {sur.lower()}"

    # -- episodes ---------------------------------------------------------------------

    def _pick_record(self, places: np.ndarray, p_dup: float) -> np.ndarray:
        """Map place indices to location records, sometimes to a duplicate record."""
        out = places.copy()
        for i in np.flatnonzero(places >= 0):
            d = self.dups.get(int(places[i]))
            if d and self.rng.random() < p_dup:
                out[i] = d[int(self.rng.integers(len(d)))]
        return out

    def _episodes(self) -> None:
        rng, n, G = self.rng, self.n, self.n_groups
        grouped = self.group_of >= 0
        # group turf: each group has its own persistent hotspot; some move to an emerging one late
        self.turf = np.array(self.hot_persistent[:G])
        self.late_turf = np.full(G, -1)
        for k, h in enumerate(self.hot_emerging):
            if G:
                self.late_turf[(k * 7 + int(rng.integers(G))) % G] = h
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
        sl[ordinary] = np.asarray(self.ordinary)[rng.choice(len(self.ordinary), int(ordinary.sum()), p=self.ordinary_p)]
        home = (u >= 0.27) & (u < 0.33) & (self.home[sc] >= 0)
        sl[home] = self.home[sc[home]]
        # group children also turn up at their turf alone; anyone may turn up at a hotspot
        g_sc = self.group_of[sc]
        at_turf = (u >= 0.33) & (u < 0.5) & (g_sc >= 0)
        sl[at_turf] = self.turf[g_sc[at_turf]]
        at_hot = (u >= 0.5) & (u < 0.78)
        hot = np.asarray(self.hot_persistent)
        sl[at_hot] = hot[rng.integers(0, len(hot), int(at_hot.sum()))]
        late = at_hot & (sd >= self.emerging_from) & (rng.random(len(sc)) < 0.6)
        sl[late] = np.asarray(self.hot_emerging)[rng.integers(0, len(self.hot_emerging), int(late.sum()))]
        # decoys: many of the other episodes end at a busy place, at school, at home or at a relative's
        drng = self.drng
        free = np.flatnonzero(sl < 0)
        v = drng.random(len(free))
        pick = free[v < 0.3]
        sl[pick] = self.busy[drng.choice(len(self.busy), len(pick), p=self.busy_p)]
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
        hour = rng.choice(24, n_ep, p=_HOUR_P)
        rep = e_day * 1440 + hour * 60 + rng.integers(0, 60, n_ep)
        joint = e_event >= 0
        if joint.any():
            base_h = rng.choice(24, len(self.events), p=_HOUR_P)
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
        self.episode_ids = _ids("E", n_ep, max(6, len(str(n_ep))))

    # -- links ------------------------------------------------------------------------

    def _add_links(self, src: np.ndarray, tgt: np.ndarray, rel: np.ndarray | str, day: np.ndarray,
                   *, episode: np.ndarray | None = None, source: np.ndarray | str,
                   grading: np.ndarray | None = None, summary: np.ndarray | str = "") -> None:
        k = len(src)
        if k == 0:
            return
        src_type = np.full(k, source, dtype=object) if isinstance(source, str) else source.astype(object)
        if grading is None:
            share = np.where(src_type == "rhi", 0.2, np.where(src_type == "police", 0.97, 0.75))
            grading = _gradings(k, self.rng, graded_share=share, e_share=0.015)
        self.links.append({
            "src": np.asarray(src, dtype=object), "tgt": np.asarray(tgt, dtype=object),
            "rel": np.full(k, rel, dtype=object) if isinstance(rel, str) else np.asarray(rel, dtype=object),
            "day": np.asarray(day, dtype=int),
            "episode": np.full(k, -1) if episode is None else np.asarray(episode, dtype=int),
            "source": src_type, "grading": grading,
            "summary": np.full(k, summary, dtype=object) if isinstance(summary, str) else summary.astype(object),
        })

    def _person_record(self, ent: int, *, prefer_variant: float) -> str:
        recs = self.records_of[ent]
        if len(recs) > 1 and self.rng.random() < prefer_variant:
            return str(self.person_ids[recs[1 + int(self.rng.integers(len(recs) - 1))]])
        return str(self.person_ids[recs[0]])

    def _links(self) -> None:
        rng, ep, cid, lid = self.rng, self.ep, self.child_ids, self.location_ids
        ep_day = ep["day"]
        completed = ep["outcome"] == "completed"
        src_choice = np.array(["police", "social_care", "rhi"])
        # 1. found_at links for found episodes
        f = np.flatnonzero((ep["found"] >= 0) & (rng.random(self.n_ep) < 0.55))
        self._add_links(cid[ep["child"][f]], lid[ep["found"][f]], "found_at", ep_day[f], episode=f,
                        source=rng.choice(src_choice, len(f), p=[0.6, 0.2, 0.2]).astype(object),
                        summary=_blank(np.full(len(f), "found here at the end of the episode", dtype=object), 0.3, rng))
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
        hot = np.asarray(self.hot_persistent)
        place[use_hot] = hot[rng.integers(0, len(hot), int(use_hot.sum()))]
        late = use_hot & (ep_day[ve] >= self.emerging_from) & (rng.random(len(ve)) < 0.6)
        place[late] = np.asarray(self.hot_emerging)[rng.integers(0, len(self.hot_emerging), int(late.sum()))]
        rec = self._pick_record(place, 0.3)
        self._add_links(cid[vchild], lid[rec], rng.choice(np.array(["visited", "stayed_at"]), len(ve), p=[0.9, 0.1]),
                        ep_day[ve], episode=ve, source="rhi",
                        summary=_blank(np.full(len(ve), "RHI: said they went here", dtype=object), 0.4, rng))
        # 2b. decoys: RHIs often say the child hung around the station, the shopping centre or a
        # fast-food outlet (mostly ungraded), and police patrols note children seen at the stations
        d = self.drng
        de = c[d.random(len(c)) < 0.4]
        dp = self.busy[d.choice(len(self.busy), len(de), p=self.busy_p)]
        self._add_links(cid[ep["child"][de]], lid[dp], "visited", ep_day[de], episode=de, source="rhi",
                        summary=_blank(np.full(len(de), "RHI: said they went here", dtype=object), 0.4, rng))
        k = int(d.poisson(0.04 * self.n))
        kids = d.integers(0, self.n, k)
        self._add_links(cid[kids], lid[self.busy[d.choice(len(self.busy), k, p=self.busy_p)]], "visited",
                        d.integers(0, self.days, k), source="police",
                        summary=_blank(np.full(k, "seen at the station by a patrol", dtype=object), 0.3, rng))
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
                        summary=_blank(np.full(len(s_), "RHI: was with them while missing", dtype=object), 0.4, rng))
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
                        summary=_blank(np.full(len(g_ep), "RHI: named this adult", dtype=object), 0.4, rng))
        self._intelligence()
        self._noise()

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
                        summary=_blank(np.full(len(s_), "known to associate", dtype=object), 0.3, rng))
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
                        summary=_blank(np.full(k, "intelligence: in contact with the child", dtype=object), 0.3, rng))
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
        a, b = rng.integers(0, n, k), rng.integers(0, n, k)
        ok = a != b
        self._add_links(cid[a[ok]], cid[b[ok]], "seen_with", rng.integers(0, self.days, int(ok.sum())),
                        source=rng.choice(np.array(["rhi", "police", "education"]), int(ok.sum())).astype(object))
        # random visits to ordinary places
        k = int(rng.poisson(0.4 * n * z))
        kids = rng.integers(0, n, k)
        places = np.asarray(self.ordinary)[rng.choice(len(self.ordinary), k, p=self.ordinary_p)]
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
                            grading=_e_gradings(k, rng), summary="anonymous report, not corroborated")

    # -- mentions in RHIs -------------------------------------------------------------

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
                nm = (_GIVEN_M + _GIVEN_F)[rng.integers(60)]
                ment.append((f"a lad called {nm}" if rng.random() < 0.5 else f"{nm} from {_AREAS[rng.integers(len(_AREAS))]}",
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
        self.people_mentioned = _untidy(people, 0.05, rng)
        self.places_mentioned = places
        self.mentions = pd.DataFrame(truth, columns=["episode_id", "field", "mention", "true_id", "true_kind", "form"])

    def _canonical_person(self, ent: int) -> str:
        return str(self.person_ids[self.records_of[ent][0]])

    def _person_mention(self, e: int) -> tuple[str, str, str, str]:
        p = self.ents[e]
        opts = [(p["first"], "first_name"), (f"{p['first']} {p['surname']}", "full_name"),
                (f"{p['first'][0]} {p['surname']}", "initial_surname")]
        opts += [(a, "alias") for a in p["aliases"]] * 2
        text, form = opts[int(self.rng.integers(len(opts)))]
        return text, self._canonical_person(e), "person", form

    def _place_mention(self, place: int) -> tuple[str, str]:
        row = self.place_rows[place]
        name, cat = row["name"], row["category"]
        r = self.rng.random()
        if "," in name and r < 0.4:
            return name.split(",")[0].strip(), "short_name"
        if cat == "food_outlet" and r < 0.6:
            street = name.split(", ")[-1]
            return f"the chicken shop on {_ABBREV.get(street, street)}" if "Chicken" in name else f"takeaway on {street}", "description"
        if cat == "park" and r < 0.6:
            return f"the {name.split()[-1].lower()}s by {name.split()[0]}" if name.endswith("Woods") else f"{name.split()[0]} park", "description"
        return name, "name"

    # -- tables -----------------------------------------------------------------------

    def run(self) -> SampleData:
        rng = self.rng
        self._groups()
        self._places()
        # random ids, so that an id's position says nothing about the place's role
        self.location_ids = _ids("L", len(self.place_rows))[rng.permutation(len(self.place_rows))]
        self.child_ids = _ids("C", self.n)
        self._persons()
        self._reach()
        # children's names (siblings share a surname)
        sur = rng.integers(0, len(_SURNAMES), self.n)
        female = rng.random(self.n) < 0.5
        first = np.where(female, rng.integers(0, 30, self.n), rng.integers(0, 30, self.n))
        self.child_names = [((_GIVEN_F if female[i] else _GIVEN_M)[first[i]], _SURNAMES[sur[i]]) for i in range(self.n)]
        self._episodes()
        self._links()
        self._mentions()
        tables = {
            "children": self._children_table(female),
            "persons": self._persons_table(),
            "locations": self._locations_table(),
            "episodes": self._episodes_table(),
            "links": self._links_table(),
        }
        for name, df in tables.items():
            assert tuple(df.columns) == TABLES[name].column_names[: len(df.columns)], name
        return SampleData(tables=tables, truth=self._truth(tables), params=self._params(tables))

    def _children_table(self, female: np.ndarray) -> pd.DataFrame:
        rng, n = self.rng, self.n
        grouped = self.group_of >= 0
        names = np.array([f"{a} {b}" for a, b in self.child_names], dtype=object)
        age = rng.integers(11 * 365, 18 * 365 - 30, n)
        dob = _fmt_dates(self.days - 1 - age, self.start, rng)
        gender = np.where(female, "female", "male").astype(object)
        gender[rng.random(n) < 0.03] = "unknown"
        gender[rng.random(n) < 0.01] = "non_binary"
        risk = np.where(grouped, rng.choice(np.array(["none", "low", "medium", "high"]), n, p=[0.05, 0.2, 0.4, 0.35]),
                        rng.choice(np.array(["none", "low", "medium", "high"]), n, p=[0.4, 0.35, 0.2, 0.05])).astype(object)
        reviewed = _fmt_dates(self.days - 1 - rng.integers(0, 150, n), self.start, rng)
        home = np.where(self.home >= 0, self.location_ids[np.maximum(self.home, 0)], "").astype(object)
        return pd.DataFrame({
            "child_id": self.child_ids,
            "name": _untidy(_blank(names, 0.01, rng), 0.04, rng),
            "date_of_birth": _blank(dob, 0.03, rng),
            "gender": _recase(_blank(gender, 0.02, rng), 0.1, rng),
            "ce_risk": _recase(_blank(risk, 0.03, rng), 0.1, rng),
            "risk_reviewed_on": _blank(reviewed, 0.1, rng),
            "placement": _recase(self.placement.astype(object), 0.15, rng),
            "home_location_id": home,
        })

    def _persons_table(self) -> pd.DataFrame:
        rng = self.rng
        recs = self.person_recs
        dob = np.array([r["dob"] if r["dob"] is not None else self.end for r in recs], dtype="datetime64[D]")
        dob_txt = _fmt_dates((dob - self.start).astype(int), self.start, rng, uk_share=0.35)
        dob_txt[[r["dob"] is None for r in recs]] = ""
        return pd.DataFrame({
            "person_id": self.person_ids,
            "name": _untidy(np.array([r["name"] for r in recs], dtype=object), 0.05, rng),
            "aliases": np.array([r["aliases"] for r in recs], dtype=object),
            "date_of_birth": dob_txt,
            "gender": _recase(np.array([r["gender"] for r in recs], dtype=object), 0.1, rng),
            "phone": np.array([r["phone"] for r in recs], dtype=object),
            "vehicle": np.full(len(recs), "", dtype=object),
            "social_media": np.full(len(recs), "", dtype=object),
        })

    def _locations_table(self) -> pd.DataFrame:
        from pyproj import Transformer

        rng = self.rng
        rows = self.place_rows
        x = np.array([r["x"] for r in rows])
        y = np.array([r["y"] for r in rows])
        lat = _CENTRE[0] + y / _M_PER_DEG_LAT
        lon = _CENTRE[1] + x / (_M_PER_DEG_LAT * math.cos(math.radians(_CENTRE[0])))
        east, north = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
        form = rng.choice(3, len(rows), p=[0.8, 0.15, 0.05])  # lat/lon, easting/northing, none
        blank = np.full(len(rows), "", dtype=object)
        lat_t = np.where(form == 0, np.char.mod("%.6f", lat), "").astype(object)
        lon_t = np.where(form == 0, np.char.mod("%.6f", lon), "").astype(object)
        e_t = np.where(form == 1, np.char.mod("%.0f", east), "").astype(object)
        n_t = np.where(form == 1, np.char.mod("%.0f", north), "").astype(object)
        # postcodes: outward code by direction from the centre, invented inward code
        outward = np.where(y > 800, "CA3", np.where(x < 0, "CA2", "CA1"))
        letters = np.array(list(_POSTCODE_LETTERS))
        inward = [f"{d}{a}{b}" for d, a, b in zip(rng.integers(1, 10, len(rows)), rng.choice(letters, len(rows)),
                                                   rng.choice(letters, len(rows)), strict=True)]
        postcode = np.array([f"{o} {i}" for o, i in zip(outward, inward, strict=True)], dtype=object)
        for i, p in enumerate(self.place_of):
            if p != i:
                postcode[i] = postcode[p]  # a duplicate record shares its place's postcode
        postcode = _blank(postcode, 0.08, rng)
        cats = np.array([r["category"] for r in rows], dtype=object)
        frame = pd.DataFrame({
            "location_id": self.location_ids,
            "name": _untidy(np.array([r["name"] for r in rows], dtype=object), 0.04, rng),
            "category": _recase(_blank(cats, 0.02, rng), 0.1, rng),
            "latitude": lat_t, "longitude": lon_t, "easting": e_t, "northing": n_t,
            "postcode": postcode if len(rows) else blank,
        })
        return frame.sort_values("location_id", kind="stable").reset_index(drop=True)

    def _episodes_table(self) -> pd.DataFrame:
        rng, ep = self.rng, self.ep
        found = np.where(ep["found"] >= 0, self.location_ids[np.maximum(ep["found"], 0)], "").astype(object)
        return pd.DataFrame({
            "episode_id": self.episode_ids,
            "child_id": self.child_ids[ep["child"]],
            "reported_at": _fmt_datetimes(ep["rep"], self.start_m, rng),
            "returned_at": _fmt_datetimes(ep["ret"], self.start_m, rng),
            "classification": _recase(ep["class"].astype(object), 0.1, rng),
            "found_location_id": found,
            "rhi_at": _fmt_datetimes(ep["rhi"], self.start_m, rng),
            "rhi_outcome": _recase(ep["outcome"].astype(object), 0.05, rng),
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
            "link_id": _ids("K", k, max(6, len(str(k)))),
            "source_id": cols["src"], "target_id": cols["tgt"], "relation": cols["rel"],
            "observed_on": _fmt_dates(day[order], self.start, rng),
            "episode_id": ep,
            "source_type": _recase(cols["source"], 0.05, rng),
            "grading": cols["grading"],
            "summary": _untidy(cols["summary"], 0.03, rng),
        })

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


_HOUR_P = np.array([3, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 6, 7, 8, 9, 9, 8, 7, 5, 4], dtype=float)
_HOUR_P /= _HOUR_P.sum()

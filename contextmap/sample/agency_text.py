"""How two agencies write people, places and gradings: the forms :mod:`contextmap.sample.agencies`
plants, each returned with the name of its form (the truth records it).

* A police force writes a child it knows from a council as ``WHITMORE, Corey`` (surname first,
  upper case), ``Corey W``, ``C Whitmore``, ``COREY WHITMORE``, a nickname (``Jay Whitmore``)
  or an alias; a council writes an adult of concern as it heard the name (``Big T``,
  ``Tyler G``, ``Tyler``).
* Found-at and link-location text carries the agency's boilerplate (``Found by police, 61
  Fellside Road, Northgate``, ``Located at ...``), short names (``Chicken Palace``), street
  descriptions (``the chicken shop on Botchergate``), postcodes and abbreviations; some text
  names no place at all (``Home``, ``friends house``, ``Returned home of own accord``,
  ``a hotel``, ``unknown``).
* Police gradings come as free text (``B2 / 3x5x2 code 1B P``) or already canonical (``1B P``).

Every function takes the caller's random stream, so a seed gives the same text.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "NICKNAMES", "NON_PLACES", "BOILERPLATE", "LINK_BOILERPLATE", "VEHICLES", "police_child_name", "council_child_name",
    "council_person_name", "police_person_name", "child_alias", "place_text", "non_place_text",
    "police_grading", "canonical_grading", "abbreviate", "street_short",
]

NICKNAMES = {
    "Jayden": "Jay", "Callum": "Cal", "Nathan": "Nate", "Harvey": "Harv", "Tyler": "Ty", "Alfie": "Alf",
    "Connor": "Con", "Declan": "Dec", "Lewis": "Lew", "Finley": "Finn", "Marcus": "Marc", "Megan": "Meg",
    "Olivia": "Liv", "Sophie": "Soph", "Abbie": "Abi", "Rhianna": "Rhi", "Grace": "Gracie", "Jordan": "Jord",
    "Brandon": "Bran", "Ethan": "Eth",
}
"""Given names of the generator's lists and the short forms people use for them."""

NON_PLACES = {
    "home": ("Home", "home", "Home address", "At home"),
    "friend_address": ("friends house", "a friend's house", "mates house", "at a friends"),
    "own_accord": ("Returned home of own accord", "Returned of own accord", "Self presented home"),
    "vague_place": ("a hotel", "a party", "in town", "a flat in town"),
    "unknown": ("unknown", "Not known", "N/K", "Not disclosed"),
}
"""Found-at and link text that names no place, by kind."""

BOILERPLATE = ("Found by police, {x}", "Located at {x}", "Found at {x} by officers", "Returned by police from {x}",
               "Located by police at {x}")
"""How a case system or police log wraps the place a missing child was found in words."""

LINK_BOILERPLATE = ("Located at {x}", "Seen at {x}", "At {x}")
"""How a log wraps a place someone was seen at."""

VEHICLES = ("white Golf", "black Audi", "silver Corsa", "grey Astra", "red Fiesta", "blue BMW")

_SUFFIX = re.compile(r"\s+(Road|Street|Avenue|Lane|Drive|Terrace|Close|Way|Crescent|Row)$")
_ABBREV = ((" Road", " Rd"), (" Street", " St"), (" Avenue", " Ave"), (" Lane", " Ln"), (" Terrace", " Tce"),
           (" Crescent", " Cres"), (" Drive", " Dr"))


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def child_alias(first: str, surname: str, rng: np.random.Generator) -> str:
    """A street name the police record for a child (``Lil Cor``, ``Young C``, ``Whity``).

    Examples
    --------
    >>> child_alias("Corey", "Whitmore", np.random.default_rng(0)) in ("Lil Cor", "Young C", "Whity")
    True
    """
    return (f"Lil {first[:3]}", f"Young {first[0]}", f"{surname[:4]}y")[int(rng.integers(3))]


def police_child_name(first: str, surname: str, rng: np.random.Generator, *, alias: str = "") -> tuple[str, str]:
    """A council child as a police officer writes the name, and the form's name.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> forms = {police_child_name("Corey", "Whitmore", rng)[1] for _ in range(200)}
    >>> {"surname_first_upper", "forename_initial", "initial_surname"} <= forms
    True
    """
    form = _pick(rng, {"surname_first_upper": 0.34, "full_name": 0.2, "forename_initial": 0.15,
                       "initial_surname": 0.1, "upper_full": 0.05,
                       "nickname": 0.25 if first in NICKNAMES else 0.0, "alias": 0.25 if alias else 0.0})
    text = {
        "surname_first_upper": f"{surname.upper()}, {first}", "full_name": f"{first} {surname}",
        "forename_initial": f"{first} {surname[0]}", "initial_surname": f"{first[0]} {surname}",
        "upper_full": f"{first.upper()} {surname.upper()}", "nickname": f"{NICKNAMES.get(first, first)} {surname}",
        "alias": alias,
    }[form]
    return text, form


def council_child_name(first: str, surname: str, rng: np.random.Generator) -> tuple[str, str]:
    """Another child as a council worker writes the name: mostly in full.

    Examples
    --------
    >>> council_child_name("Jade", "Irwell", np.random.default_rng(0))
    ('Jade Irwell', 'full_name')
    """
    if rng.random() < 0.88:
        return f"{first} {surname}", "full_name"
    return f"{first} {surname[0]}", "forename_initial"


def council_person_name(first: str, surname: str, aliases: list[str], rng: np.random.Generator) -> tuple[str, str]:
    """An adult of concern as a council worker heard the name (from a child, an RHI, a partner).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> sorted({council_person_name("Tyler", "Grant", ["Big T"], rng)[0] for _ in range(200)})
    ['Big T', 'GRANT, Tyler', 'T Grant', 'Tyler', 'Tyler G', 'Tyler Grant']
    """
    form = _pick(rng, {"full_name": 0.42, "alias": 0.25, "forename_initial": 0.1, "first_name": 0.08,
                       "initial_surname": 0.1, "surname_first_upper": 0.05})
    if form == "alias" and not aliases:
        form = "full_name"
    return {
        "full_name": f"{first} {surname}", "alias": aliases[int(rng.integers(len(aliases)))] if aliases else "",
        "forename_initial": f"{first} {surname[0]}", "first_name": first, "initial_surname": f"{first[0]} {surname}",
        "surname_first_upper": f"{surname.upper()}, {first}",
    }[form], form


def police_person_name(first: str, surname: str, rng: np.random.Generator) -> tuple[str, str]:
    """An adult named in a police log: surname first in upper case, or in full.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sorted({police_person_name("Tyler", "Grant", rng)[0] for _ in range(20)})
    ['GRANT, Tyler', 'Tyler Grant']
    """
    if rng.random() < 0.6:
        return f"{surname.upper()}, {first}", "surname_first_upper"
    return f"{first} {surname}", "full_name"


def abbreviate(text: str) -> str:
    """Street words shortened as people type them.

    Examples
    --------
    >>> abbreviate("Chicken Palace, Fellside Road")
    'Chicken Palace, Fellside Rd'
    """
    for full, short in _ABBREV:
        text = text.replace(full, short)
    return text


def street_short(street: str) -> str:
    """A street as said, without its suffix.

    Examples
    --------
    >>> street_short("Dunmere Road"), street_short("Botchergate")
    ('Dunmere', 'Botchergate')
    """
    return _SUFFIX.sub("", street)


def place_text(place: dict, rng: np.random.Generator, *, agency: str, found: bool) -> tuple[str, str]:
    """Text naming a known place as an agency writes it, and the form's name.

    Parameters
    ----------
    place
        ``name`` (the place's name as recorded), ``variants`` (other records' names),
        ``category``, ``street``, ``area``, ``town``, ``postcode``, ``short_ok`` (the part
        before the comma names no other place), ``describe_ok`` (the category and street
        name no other place), ``rec_ok`` (the place is the child's group's own "Rec").
    agency
        ``'council'`` or ``'police'``.
    found
        Text of a "where found" field (boilerplate is more common there).

    Examples
    --------
    >>> p = {"name": "Chicken Palace, Botchergate", "variants": [], "category": "food_outlet",
    ...      "street": "Botchergate", "area": "Northgate", "town": "Lenningham", "postcode": "CA1 4XY",
    ...      "short_ok": True, "describe_ok": True, "rec_ok": False}
    >>> rng = np.random.default_rng(1)
    >>> sorted({place_text(p, rng, agency="council", found=True)[1] for _ in range(300)})  # doctest: +NORMALIZE_WHITESPACE
    ['abbreviated', 'boilerplate', 'description', 'name', 'postcode', 'short_name']
    """
    name = place["name"]
    address = place["category"] == "address"
    weights = {"name": 0.36, "variant": 0.06, "boilerplate": 0.2 if found else 0.04, "short_name": 0.1,
               "description": 0.08, "postcode": 0.08, "abbreviated": 0.08, "upper": 0.0, "the_rec": 0.0}
    if agency == "police":
        weights.update(upper=0.2, boilerplate=0.14 if found else 0.1, description=0.04, short_name=0.06)
    if place.get("rec_ok"):
        weights["the_rec"] = 0.5
    if not place["variants"]:
        weights["variant"] = 0.0
    if address or not place.get("short_ok") or "," not in name:
        weights["short_name"] = 0.0
    if address or not place.get("describe_ok"):
        weights["description"] = 0.0
    if not place.get("postcode"):
        weights["postcode"] = 0.0
    form = _pick(rng, weights)
    full = f"{name}, {place['area']}" if address else name
    if form == "variant":
        return place["variants"][int(rng.integers(len(place["variants"])))], form
    if form == "boilerplate":
        words = BOILERPLATE if found else LINK_BOILERPLATE
        return words[int(rng.integers(len(words)))].format(x=full), form
    if form == "short_name":
        return name.split(",")[0].strip(), form
    if form == "description":
        return _describe(place, rng), form
    if form == "postcode":
        return f"{name.split(',')[-1].strip() if not address else name}, {place['postcode']}", form
    if form == "abbreviated":
        return abbreviate(name).lower() if rng.random() < 0.5 else abbreviate(name), form
    if form == "upper":
        return full.upper(), form
    if form == "the_rec":
        return "the rec", form
    return name, form


def _describe(place: dict, rng: np.random.Generator) -> str:
    cat, street, area = place["category"], place["street"], place["area"]
    short = street_short(street)
    if cat == "food_outlet":
        what = "the chicken shop" if "Chicken" in place["name"] else "the takeaway"
        return f"{what} on {short}"
    if cat == "shop":
        return f"the shop on {short}"
    if cat == "park":
        return f"the park by {area}" if rng.random() < 0.5 else f"{area} park"
    if cat == "hotel":
        return f"the hotel on {short}"
    return f"the bus stop on {short}"


def non_place_text(kind: str, rng: np.random.Generator) -> str:
    """Text of one kind of :data:`NON_PLACES`.

    Examples
    --------
    >>> non_place_text("own_accord", np.random.default_rng(0)) in NON_PLACES["own_accord"]
    True
    """
    options = NON_PLACES[kind]
    return options[int(rng.integers(len(options)))]


def canonical_grading(code: str) -> str:
    """The generator's grading in any of its spellings (``1bp``, ``1-B-P``) as ``1B P``; ``''`` stays.

    Examples
    --------
    >>> canonical_grading(" 1b p"), canonical_grading("2-C-C"), canonical_grading("")
    ('1B P', '2C C', '')
    """
    core = re.sub(r"[\s\-]", "", str(code)).upper()
    return f"{core[0]}{core[1]} {core[2]}" if len(core) == 3 else ""


def police_grading(code: str, rng: np.random.Generator) -> tuple[str, str]:
    """A 3x5x2 code as a police system exports it: in free text with a legacy 5x5x5 prefix
    (``B2 / 3x5x2 code 1B P``), or already canonical (``1B P``); ungraded stays blank.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sorted({police_grading("1b p", rng)[0] for _ in range(30)})
    ['1B P', 'B2 / 3x5x2 code 1B P']
    >>> police_grading("", rng)
    ('', 'ungraded')
    """
    canon = canonical_grading(code)
    if not canon:
        return "", "ungraded"
    if rng.random() < 0.3:
        return canon, "canonical"
    legacy = {"1": "B", "2": "C", "3": "D"}[canon[0]] + {"A": "1", "B": "2", "C": "3", "D": "4", "E": "5"}[canon[1]]
    return f"{legacy} / 3x5x2 code {canon}", "free_text"

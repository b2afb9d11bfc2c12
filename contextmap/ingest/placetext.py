"""Place text as agencies write it: boilerplate, non-places, addresses, postcodes, grid references.

A police extract says "Found by police, 61 Sallow Street, Ellerwick"; a council's "Location
Found (free text)" says "Returned home of own accord"; an RHI says "the rec". This module reads
such a cell into a :class:`PlaceText`:

* **clean**: look-alike letters from other alphabets (a Cyrillic "о" in "Hоme"), invisible
  characters, no-break spaces and curly apostrophes are made plain (:func:`clean_place_text`);
* **boilerplate** the agency wraps round the place ("Found by police, ...", "Located at ...",
  "... by police") is stripped (:data:`DEFAULT_BOILERPLATE`, plus a source's own patterns:
  the mapping key ``boilerplate``);
* **non-places** ("home", "friend's house", "a hotel", "returned of own accord", "unknown",
  "don't know") are recognised (:func:`non_place_kind`): they are kept as descriptions and
  never become places. "Home" (the child's own home or placement) is a signal of its own;
* **where**: a house number and street ("61 Sallow Street", "Flat 2, 61 Sallow St"), a
  postcode and an Ordnance Survey grid reference are taken out of the text.

:func:`normalise_place_name` (nicknames and abbreviations expanded: "Maccies" is McDonald's,
"the rec" a recreation ground) is the one comparison form of place names, used here and by
entity resolution (:mod:`contextmap.resolve.places`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from contextmap.ingest.coordinates import parse_grid_references
from contextmap.privacy.folding import latin_lookalikes

__all__ = [
    "PlaceText",
    "parse_place_text",
    "clean_place_text",
    "strip_boilerplate",
    "compile_boilerplate",
    "non_place_kind",
    "NON_PLACE_KINDS",
    "DEFAULT_BOILERPLATE",
    "normalise_place_name",
    "normalise_place_names",
    "PLACE_NICKNAMES",
    "STREET_WORDS",
    "normalise_postcode",
    "street_of_text",
    "read_place_text",
    "text_kind",
]

# --- comparison form of place names -------------------------------------------------------

PLACE_NICKNAMES: dict[str, str] = {
    "maccies": "mcdonalds",
    "maccys": "mcdonalds",
    "maccas": "mcdonalds",
    "mackies": "mcdonalds",
    "mcds": "mcdonalds",
    "mcd": "mcdonalds",
    "mickey ds": "mcdonalds",
    "micky ds": "mcdonalds",
    "mc donalds": "mcdonalds",
    "spoons": "wetherspoons",
    "weatherspoons": "wetherspoons",
    "kentucky fried chicken": "kfc",
    "bk": "burger king",
    "sainsburys local": "sainsburys",
    "tescos": "tesco",
    "tesco express": "tesco",
    "tesco metro": "tesco",
    "co op": "coop",
    "the co operative": "coop",
    "rly": "railway",
    "stn": "station",
    "bus stn": "bus station",
    "rec": "recreation ground",
    "rec ground": "recreation ground",
}
"""Brand nicknames and abbreviations (folded form -> normal form)."""

# the replacements in the order they are tried (longest first), and the words a nickname can
# begin with: a text holding none of them has nothing to replace (most texts)
_NICKNAME_STEPS = tuple((f" {nick} ", f" {PLACE_NICKNAMES[nick]} ")
                        for nick in sorted(PLACE_NICKNAMES, key=len, reverse=True))
_NICKNAME_FIRST = frozenset(nick.split()[0] for nick in PLACE_NICKNAMES)

_WORDS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "sq": "square",
    "cres": "crescent",
    "cl": "close",
    "ct": "court",
    "dr": "drive",
    "gdns": "gardens",
    "gr": "grove",
    "pk": "park",
    "pl": "place",
    "ter": "terrace",
    "terr": "terrace",
    "tce": "terrace",
    "hse": "house",
    "ctr": "centre",
    "center": "centre",
    "shopping ctr": "shopping centre",
    "stn": "station",
    "nr": "near",
    "opp": "opposite",
}
_DROP = {"the", "and", "of", "near", "outside", "opposite", "behind", "by", "at"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHE = re.compile(r"['\u2019`]")
_POSTCODE = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})\b", re.IGNORECASE)
_NUMBER_TOKEN = re.compile(r"^\d+[a-z]?$")

STREET_WORDS = frozenset(
    "street road lane avenue drive close crescent terrace way row place square court gardens grove walk "
    "view rise mews parade wynd brow fold croft yard lonning boulevard hill green bank".split())
"""The last word of a street name ("Sallow *Street*"), in comparison form."""


def _fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, every other non-alphanumeric run a space
    (the folding of :func:`contextmap.resolve.text.fold`)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", _APOSTROPHE.sub("", text.lower())).strip()


def normalise_place_name(name: object) -> str:
    """Return a place name in comparison form: folded, nicknames and abbreviations expanded.

    Apostrophes go ("McDonald's" -> "mcdonalds"), brand nicknames map to the brand
    (:data:`PLACE_NICKNAMES`), "St" becomes "saint" before a name and "street" after one,
    "Rd" becomes "road" and so on; "the", "near", "outside" and postcodes are dropped.

    Examples
    --------
    >>> normalise_place_name("Maccies, Botchergate")
    'mcdonalds botchergate'
    >>> normalise_place_name("McDonald's Botchergate CA1 1RP")
    'mcdonalds botchergate'
    >>> normalise_place_name("St Mary's Park, Church St")
    'saint marys park church street'
    >>> normalise_place_name("outside the Bus Stn")
    'bus station'
    >>> normalise_place_name("61 St John's Rd")
    '61 saint johns road'
    """
    if not isinstance(name, str):
        return ""
    text = _fold(_POSTCODE.sub(" ", name))
    toks = text.split()
    if not _NICKNAME_FIRST.isdisjoint(toks):
        padded = f" {text} "
        for nick, form in _NICKNAME_STEPS:
            padded = padded.replace(nick, form)
        toks = padded.split()
    out = []
    for i, t in enumerate(toks):
        if t == "st":
            before_name = i + 1 < len(toks) and not _NUMBER_TOKEN.match(toks[i + 1])
            after_nothing = i == 0 or toks[i - 1] in _DROP or bool(_NUMBER_TOKEN.match(toks[i - 1]))
            t = "saint" if after_nothing and before_name else "street"
        else:
            t = _WORDS.get(t, t)
        if t in _DROP:
            continue
        out.append(t)
    return " ".join(out)


@lru_cache(maxsize=262144)
def _normalise_cached(name: str) -> str:
    return normalise_place_name(name)


def normalise_place_names(values: Iterable[object]) -> np.ndarray:
    """:func:`normalise_place_name` of each value (object array), each distinct text once.

    >>> normalise_place_names(["St Mary's Church", None]).tolist()
    ['saint marys church', '']
    """
    return np.array([_normalise_cached(x) if isinstance(x, str) else "" for x in values], dtype=object)


def normalise_postcode(text: object) -> str:
    """A UK postcode in contract form (upper case, one space), or ``''`` if none is in the text.

    >>> normalise_postcode("found at el12ab"), normalise_postcode("no postcode")
    ('EL1 2AB', '')
    """
    if not isinstance(text, str):
        return ""
    m = _POSTCODE.search(text)
    return f"{m.group(1).upper()} {m.group(2).upper()}" if m else ""


# --- cleaning -----------------------------------------------------------------------------

# Quotes and dashes as typed by word processors; letters of other scripts that look like Latin
# ones ("H\u043eme" with a Cyrillic o) are read through Unicode's confusables table
# (contextmap.privacy.folding.latin_lookalike)
_PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
})
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_place_text(text: object) -> str:
    """The text as a person reads it: look-alike letters, invisible characters, odd spaces
    and quotes made plain; one space between words; trimmed.

    Examples
    --------
    >>> clean_place_text("H\\u043eme\\u200b")  # a Cyrillic o and a zero-width space
    'Home'
    >>> clean_place_text("  Chicken\\u00a0Palace ,  Dunmere\\u2019s ")
    "Chicken Palace , Dunmere's"
    """
    if not isinstance(text, str):
        return ""
    if not text.isascii():
        text = latin_lookalikes(unicodedata.normalize("NFKC", text).translate(_PUNCTUATION))
        text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


# --- boilerplate ----------------------------------------------------------------------------

_WHO = (r"(?:the\s+)?(?:police|officers?|an?\s+officer|pcs?(?:\s*\d+)?|staff|carers?|parents?|family|"
        r"security|(?:a\s+)?member\s+of\s+(?:the\s+)?public|mop|mum|dad|ambulance|paramedics)")
_PREP = r"(?:at|in|on|near|outside|by|from|around|along|walking\s+(?:on|along|in|near)|on\s+foot\s+(?:on|in|at))"

DEFAULT_BOILERPLATE: tuple[str, ...] = (
    # "Found by police, ...", "Located at ...", "was traced by officers walking on ..."
    r"(?:was\s+|been\s+|child\s+|yp\s+)?(?:found|located|traced|recovered|picked\s+up|collected|detained|stopped|"
    r"seen|spotted|sighted|returned\s+by\s+" + _WHO + r"\s+from)"
    r"(?:\s+(?:by|with)\s+" + _WHO + r")?(?:\s+(?:safe\s+and\s+well|safe\s*&\s*well|safe|s\s*/\s*w))?"
    r"(?:\s+" + _PREP + r")?\b",
    # "Police located her at ...", "Officers attended ..."
    r"(?:police|officers|staff|carers?)\s+(?:found|located|attended|traced|collected)"
    r"(?:\s+(?:him|her|them|the\s+child|child|yp|young\s+person))?(?:\s+(?:at|in|on|from))?\b",
    # "Location: ...", "Address found - ..."
    r"(?:location|place|address|whereabouts)(?:\s+(?:found|located|given))?\s*[:\-]",
    # a preposition left at the start ("at 61 Sallow Street", "traced by PC 4471 to ...")
    r"(?:at|in|on|to)\b",
)
"""Regular expressions (matched at the start of the text, any case, repeatedly) for what agencies
write round a place. A source adds its own with the mapping key ``boilerplate``."""

_TRAILING = (
    r"(?:by|with)\s+" + _WHO + r"\s*$",
    r"(?:no\s+further\s+concerns?|nfa|safe\s+and\s+well|safe\s*&\s*well|s\s*/\s*w)\.?\s*$",
)
_SEPARATORS = " ,;:.-/"


@lru_cache(maxsize=64)
def compile_boilerplate(patterns: tuple[str, ...] = ()) -> tuple[re.Pattern[str], ...]:
    """The default patterns plus ``patterns`` (a source's own), compiled; own ones first.

    Raises
    ------
    re.error
        If a pattern is not a regular expression.

    Examples
    --------
    >>> len(compile_boilerplate(("Traced by PC \\\\d+ at",))) == len(DEFAULT_BOILERPLATE) + 1
    True
    """
    return tuple(re.compile(r"^\s*(?:" + p + r")", re.IGNORECASE) for p in (*patterns, *DEFAULT_BOILERPLATE))


_TRAILING_RE = tuple(re.compile(r"[\s,;.]*(?:" + p + ")", re.IGNORECASE) for p in _TRAILING)


def strip_boilerplate(text: str, patterns: tuple[re.Pattern[str], ...] | None = None) -> str:
    """``text`` without the agency wording round the place (and the separators it leaves).

    Examples
    --------
    >>> strip_boilerplate("Found by police,61 sallow st")
    '61 sallow st'
    >>> strip_boilerplate("LOCATED AT: Chicken Palace, Dunmere Road by police")
    'Chicken Palace, Dunmere Road'
    >>> strip_boilerplate("Police Station")  # a place, not boilerplate
    'Police Station'
    """
    pats = compile_boilerplate() if patterns is None else patterns
    out = text.strip(_SEPARATORS + " ")
    changed = True
    while changed and out:
        changed = False
        for p in pats:
            m = p.match(out)
            if m and m.end() > 0:
                out = out[m.end():].strip(_SEPARATORS + " ")
                changed = True
        for p in _TRAILING_RE:
            m = p.search(out)
            if m and m.start() > 0:
                out = out[:m.start()].strip(_SEPARATORS + " ")
                changed = True
    return out


# --- non-places -------------------------------------------------------------------------------

NON_PLACE_KINDS: dict[str, str] = {
    "own_home": "the child's own home or placement",
    "own_accord": "returned of their own accord, no place given",
    "someone_home": "someone's home, not named",
    "unspecified": "a kind of place, not a place",
    "unknown": "not known or not said",
}
"""What a non-place text means. None of them is ever made into a place."""

_UNKNOWN = {
    "unknown", "not known", "nk", "n k", "dk", "dont know", "do not know", "didnt know", "not stated", "not given",
    "not disclosed", "not recorded", "na", "n a", "none", "nil", "no", "refused", "refused to say", "declined",
    "declined to say", "would not say", "wouldnt say", "wont say", "didnt say", "did not say", "no comment",
    "not said", "tbc", "unsure", "not sure", "no fixed abode", "nfa", "various", "various places", "around",
    "out", "out and about", "wandering", "walking around", "anywhere", "everywhere", "nowhere", "as before",
    "same as before", "see notes", "see above", "not applicable", "unknown location", "location unknown",
    "whereabouts unknown", "unknown address", "address unknown", "no location", "no location given",
    "not known to police", "yp would not say", "child would not say", "wouldnt tell", "would not tell",
    "unkown", "unknwon", "unknow", "not knwon", "dunno", "dont no",
}
_FILLER = {
    "to", "at", "in", "on", "back", "went", "gone", "go", "returned", "return", "returning", "came", "come",
    "arrived", "was", "were", "been", "is", "his", "her", "their", "own", "accord", "of", "by", "self", "selves",
    "voluntarily", "himself", "herself", "themselves", "yp", "child", "childs", "young", "person", "persons", "the",
    "safe", "well", "and", "presented", "walked", "turned", "up", "into", "off", "with", "he", "she", "they",
    "them", "him", "accordance", "acord", "accorde", "has", "had", "just", "later", "then", "overnight", "morning", "evening",
    "night", "next", "day", "found", "located",
}
_ACCORD = {"accord", "acord", "accorde", "voluntarily", "presented", "walked", "turned", "came", "arrived", "self"}
_HOME = {"home", "placement", "residence", "resi", "residential", "carers", "carer", "foster", "fostercarers",
         "unit", "childrens", "care", "address"}
_RELATION = {
    "friend", "friends", "freind", "freinds", "frend", "frends", "mate", "mates", "pal", "pals", "mum", "mums", "mother", "mothers", "mam", "mams",
    "dad", "dads", "father", "fathers", "nan", "nans", "nana", "nanas", "gran", "grans", "grandma", "grandmas",
    "grandad", "grandads", "granddad", "grandparents", "grandparent", "aunt", "aunts", "auntie", "aunties",
    "uncle", "uncles", "cousin", "cousins", "boyfriend", "boyfriends", "girlfriend", "girlfriends", "bf", "bfs",
    "gf", "gfs", "partner", "partners", "relative", "relatives", "sister", "sisters", "brother", "brothers",
    "sibling", "siblings", "family", "familys", "families", "parent", "parents", "peer", "peers", "associate",
    "associates", "ex", "exs", "neighbour", "neighbours", "someone", "someones", "somebody",
    "somebodys", "another", "others", "other", "older", "male", "males", "female", "females", "adult", "adults",
    "lad", "lads", "mans", "man", "womans", "woman", "peoples", "people", "persons",
}
_DWELLING = {"house", "home", "flat", "address", "place", "property", "room", "bedroom", "caravan", "garden", "sofa",
             "settee", "party", "s", "a", "an", "some", "my", "one", "of", "known", "unknown", "unnamed"}
_GENERIC = {
    "hotel", "hotels", "motel", "b", "bb", "bnb", "airbnb", "hostel", "guest", "guesthouse", "flat", "flats",
    "house", "houses", "address", "park", "car", "cars", "vehicle", "van", "taxi", "street", "streets", "road",
    "roads", "shop", "shops", "takeaway", "restaurant", "cafe", "field", "fields", "woods", "wood", "party",
    "station", "bus", "train", "garage", "property", "premises", "location", "area", "estate", "town", "city",
    "centre", "block", "building", "room", "caravan", "tent", "garden", "beach", "underpass", "alley", "alleyway",
    "car park", "carpark", "supermarket", "petrol", "playground", "school", "pub", "bar", "club", "nightclub",
    "different", "another", "local", "nearby", "somewhere", "place", "places", "friends", "other",
}
_ARTICLE = {"a", "an", "some", "another", "someones", "somebodys", "random", "various", "unknown", "unnamed", "local",
            "one", "different", "an unknown"}
_BARE = {"hotel", "motel", "hostel", "street", "streets", "town", "city", "car", "vehicle", "party", "flat", "house",
         "address", "outside", "out", "around", "about", "area", "somewhere", "elsewhere", "away", "abroad", "taxi",
         "bnb", "airbnb"}
_POSSESSIVE_HOME = re.compile(r"\b[\w-]+'s?\s+(?:house|home|flat|room|caravan)$", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")


def non_place_kind(text: str) -> str | None:
    """What a place text means when it names no place (a key of :data:`NON_PLACE_KINDS`), or
    None when it may name a place. ``text`` is cleaned and stripped of boilerplate.

    A text with a house number, a postcode or a grid reference is always a place.

    Examples
    --------
    >>> [non_place_kind(t) for t in ("Home", "returned home of own accord", "Returned of own accord",
    ...                              "friends house", "Tyler's flat", "a hotel", "HOTEL", "don't know", "")]
    ['own_home', 'own_home', 'own_accord', 'someone_home', 'someone_home', 'unspecified', 'unspecified', 'unknown', 'unknown']
    >>> [non_place_kind(t) for t in ("Riverside Hotel", "the rec", "Police Station", "friends house, 61 Sallow St")]
    [None, None, None, None]
    """
    if _HAS_DIGIT.search(text):
        return None  # a house number, postcode or grid reference: somewhere that can be found
    folded = _fold(text)
    if not folded:
        return "unknown"
    if folded in _UNKNOWN:
        return "unknown"
    toks = folded.split()
    rest = [t for t in toks if t not in _FILLER]
    if not rest:
        if set(toks) & _ACCORD:
            return "own_accord"
        return "unknown"
    if " ".join(rest) in _UNKNOWN:
        return "unknown"
    if set(rest) <= _HOME:
        return "own_home"
    if set(rest) & _RELATION and set(rest) - _RELATION <= _DWELLING:
        return "someone_home"
    if _POSSESSIVE_HOME.search(text) and len(rest) <= 2:
        return "someone_home"
    if rest[0] in _ARTICLE and len(rest) > 1 and set(rest[1:]) <= _GENERIC | _ARTICLE:
        return "unspecified"
    if len(rest) == 1 and rest[0] in _BARE:
        return "unspecified"
    return None


# --- where: address, postcode, grid reference ----------------------------------------------------

_GRID_IN_TEXT = re.compile(r"\b([A-HJ-Za-hj-z]{2})\s?(\d{3,5})\s?(\d{3,5})\b|\b([A-HJ-Za-hj-z]{2})\s?(\d{6,10})\b")


@dataclass(frozen=True)
class PlaceText:
    """One place text, read.

    Attributes
    ----------
    text
        The cell as written (trimmed).
    place
        The text with the agency's boilerplate stripped: what names the place.
    kind
        None for a place; otherwise what the non-place means (:data:`NON_PLACE_KINDS`).
    name
        :func:`normalise_place_name` of ``place`` (the comparison form).
    number, flat, street
        The house number ("61", "61a"), flat number and street ("sallow street", comparison
        form) of an address, or ``''``.
    postcode
        A postcode in the text (``'EL1 2AB'``) or ``''``.
    easting, northing, grid_size
        An OS grid reference in the text: the south-west corner of its square and the square's
        side in metres (NaN and 0 without one).
    """

    text: str
    place: str
    kind: str | None
    name: str = ""
    number: str = ""
    flat: str = ""
    street: str = ""
    postcode: str = ""
    easting: float = float("nan")
    northing: float = float("nan")
    grid_size: float = 0.0

    @property
    def is_place(self) -> bool:
        return self.kind is None and bool(self.place)

    @property
    def own_home(self) -> bool:
        """The text says the child was at their own home or placement."""
        return self.kind == "own_home" or (self.kind == "own_accord" and "home" in _fold(self.text).split())

    @property
    def key(self) -> str:
        """What identifies the place in the text: its address (``flat|number|street``), else its
        postcode and street, else its comparison name."""
        if self.number and self.street:
            return f"a|{self.flat}|{self.number}|{self.street}"
        return f"n|{self.name or _fold(self.place)}"


def _address(tokens: list[str]) -> tuple[str, str, str]:
    """``(flat, number, street)`` from comparison-form tokens ("flat 2 61 sallow street")."""
    flat = ""
    for i, t in enumerate(tokens):
        if t in ("flat", "apartment", "apt", "unit") and i + 1 < len(tokens) and _NUMBER_TOKEN.match(tokens[i + 1]):
            flat = tokens[i + 1]
    for i, t in enumerate(tokens):
        if not _NUMBER_TOKEN.match(t) or (i > 0 and tokens[i - 1] in ("flat", "apartment", "apt", "unit")):
            continue
        for j in range(i + 1, min(i + 6, len(tokens))):
            if _NUMBER_TOKEN.match(tokens[j]):
                break
            if tokens[j] in STREET_WORDS and j > i + 1:
                return flat, t, " ".join(tokens[i + 1:j + 1])
    return flat, "", ""


def street_of_text(name: str) -> str:
    """The street in a comparison-form name ("61 sallow street ellerwick" -> "sallow street").

    >>> street_of_text("chicken palace dunmere road"), street_of_text("riverside park")
    ('dunmere road', '')
    """
    toks = name.split()
    for j, t in enumerate(toks):
        if t in STREET_WORDS and j > 0 and not _NUMBER_TOKEN.match(toks[j - 1]):
            i = j - 1 - (j > 1 and toks[j - 2] == "saint")
            return " ".join(toks[i:j + 1])
    return ""


@lru_cache(maxsize=131072)
def text_kind(text: str) -> str | None:
    """What a place text means when it names no place (:func:`non_place_kind` after cleaning and
    the default boilerplate), or None: the cheap question, without reading the address.

    >>> text_kind("Found by police at home"), text_kind("Chicken Palace"), text_kind("Found by police")
    ('own_home', None, 'unknown')
    """
    raw = clean_place_text(text)
    place = strip_boilerplate(raw)
    if not place:
        return None if not raw else "own_accord" if re.search(r"accord|voluntar|self", raw, re.I) else "unknown"
    return non_place_kind(place)


def parse_place_text(text: object, patterns: tuple[re.Pattern[str], ...] | None = None) -> PlaceText:
    """Read one place text (:func:`read_place_text`), each distinct text and patterns once.

    >>> parse_place_text("Home").kind
    'own_home'
    """
    if not isinstance(text, str):
        return read_place_text(text, patterns)
    return _parse_cached(text, patterns)


@lru_cache(maxsize=131072)
def _parse_cached(text: str, patterns: tuple[re.Pattern[str], ...] | None) -> PlaceText:
    return read_place_text(text, patterns)


def read_place_text(text: object, patterns: tuple[re.Pattern[str], ...] | None = None) -> PlaceText:
    """Read one place text: boilerplate stripped, a non-place recognised, the address,
    postcode and grid reference taken out.

    Parameters
    ----------
    text
        The cell as written.
    patterns
        Boilerplate patterns (:func:`compile_boilerplate`); default :data:`DEFAULT_BOILERPLATE`.

    Examples
    --------
    >>> p = parse_place_text("Found by police, 61 Sallow St, Ellerwick EL1 2AB")
    >>> p.place, p.kind, p.number, p.street, p.postcode
    ('61 Sallow St, Ellerwick EL1 2AB', None, '61', 'sallow street', 'EL1 2AB')
    >>> parse_place_text("Returned home of own accord").own_home
    True
    >>> g = parse_place_text("seen at NY 40270 55480")
    >>> g.easting, g.northing, g.grid_size
    (340270.0, 555480.0, 1.0)
    """
    raw = clean_place_text(text)
    place = strip_boilerplate(raw, patterns)
    if not place and raw:
        return PlaceText(raw, "", "unknown" if not re.search(r"accord|voluntar|self", raw, re.I) else "own_accord")
    kind = non_place_kind(place)
    if kind is not None:
        return PlaceText(raw, place, kind)
    e = n = float("nan")
    size = 0.0
    m = _GRID_IN_TEXT.search(place)
    grid_text = ""
    if m:
        letters = m.group(1) or m.group(4)
        digits = (m.group(2) + m.group(3)) if m.group(1) else m.group(5)
        if m.group(1) and len(m.group(2)) != len(m.group(3)):
            digits = ""
        if digits:
            ge, gn, why = parse_grid_references(pd.Series([f"{letters}{digits}"]))
            if why.isna().iloc[0]:
                e, n = float(ge.iloc[0]), float(gn.iloc[0])
                size = float(10 ** (5 - len(digits) // 2))
                grid_text = m.group(0)
    rest = place.replace(grid_text, " ") if grid_text else place
    name = _normalise_cached(rest)  # mostly the text itself, often normalised already (resolve_locations)
    flat, number, street = _address(name.split())
    return PlaceText(raw, place, None, name=name, number=number, flat=flat, street=street,
                     postcode=normalise_postcode(rest), easting=e, northing=n, grid_size=size)

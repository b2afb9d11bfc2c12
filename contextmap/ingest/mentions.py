"""Return Home Interview free text: who the child was with, split into names and descriptions.

An RHI's "Who were you with?" is typed as it was said: ``Paige & Jayden S & Dwayne``,
``no one``, ``a friend``, ``mum``, ``an older lad called Jordan``. :func:`split_people`
turns each cell into

* **names** (``people_mentioned``): one per person, split on ``;``, ``,``, ``&``, ``+``,
  `` and `` and `` with ``; a name given inside a description (``an older lad called
  Jordan``) is taken out (``Jordan``);
* **descriptions** (``people_described``): what is not a name (``no one``, ``nobody``,
  ``didn't say``, ``a friend``, ``mum``, ``my boyfriend``, ``unknown``), and descriptions of
  a vehicle, clothes or looks (``a white Golf``, ``in a black Merc``, ``wearing a grey
  hoodie``, ``(silver Audi)``), kept as text on the episode and never made into a person:
  ``a guy called Tandz with a white Golf`` gives the name ``Tandz`` and the descriptions
  ``a guy called Tandz`` and ``a white Golf``;
* a flag for text that cannot be split into names (a sentence), kept as a description with
  a warning.

Descriptions that name someone by relation to a named person (``Tyler's cousin``) stay
names: entity resolution keeps them as provisional persons, marked as such.
"""

from __future__ import annotations

import re

import pandas as pd

from contextmap.ingest.names import drop_invisible, fold_lookalikes

__all__ = ["split_people", "is_description", "NOT_NAME_WORDS", "DESCRIPTION_WORDS"]

NOT_NAME_WORDS = frozenset("""
a an the my his her their our your some any this that these those one two three few couple
no none nobody noone no-one nothing alone own me us myself himself herself themselves by on with
and or of from at in to for who which
didn't didnt did not say said says wouldn't wouldnt would won't wont refused refuse declined
tell telling told know known knows unknown dunno unsure sure can't cant remember n/a na nk
tbc unnamed anonymous
friend friends mate mates pal pals bestie mum mom mam mummy mother dad daddy father parent
parents carer carers brother brothers bro sister sisters sis sibling siblings cousin cousins
uncle aunt auntie aunty nan nana nanna gran granny grandma grandad granddad grandparents
family relative relatives boyfriend girlfriend bf gf partner ex husband wife son daughter
step half foster
someone somebody anyone anybody people person persons peer peers group gang crowd lot
lad lads boy boys girl girls man men woman women guy guys bloke blokes kid kids child
children teen teens teenager teenagers youth youths adult adults male males female females
older younger old young big little new local same other others another different random
school college work estate street park town year class neighbour neighbours staff worker
workers carehome home police officer
""".split())
"""Words that never make a name on their own: a cell made only of these is a description."""

_VEHICLES = """
car cars van vans motor motorbike motorcycle bike bikes moped mopeds scooter scooters taxi taxis cab
minicab lorry truck pickup 4x4 suv hatchback saloon convertible motor reg registration plate plates
golf polo passat tiguan audi a1 a3 a4 a5 q5 q7 bmw beamer merc benz vw volkswagen vauxhall corsa
astra insignia fiesta focus kuga transit nissan juke qashqai micra toyota yaris prius aygo honda
civic jazz kia sportage hyundai peugeot renault clio megane citroen fiat skoda octavia fabia
landrover evoque lexus tesla volvo
"""
_CLOTHES = """
hoodie hoodies hoody jacket jackets coat coats trackies tracksuit tracksuits trackie joggers cap
caps hat hats balaclava mask masks trainers puffer gilet jeans shorts top tshirt t-shirt shirt
glasses beard bearded tattoo tattoos tattooed scar piercing piercings dreads dreadlocks
tall skinny slim stocky chubby bald ginger blonde blond brunette dark-haired long-haired
"""
_COLOURS = "white black silver grey gray red blue green yellow orange purple pink brown gold maroon navy dark light"
# words that are both (a car, a brand or a colour) and a name ("Leon", "Cooper", "Ford",
# "Kai White"): descriptive only beside a determiner, a colour before them, or a word above
_AMBIGUOUS = "leon cooper mini ford rover range jeep seat ibiza mercedes north face nike adidas short"
DESCRIPTION_WORDS = frozenset((_VEHICLES + _CLOTHES + _COLOURS + " " + _AMBIGUOUS).split())
"""Words of a description of a vehicle, clothes or looks (``a white Golf``): a part made only
of these and :data:`NOT_NAME_WORDS` is a description, when it also holds a determiner, an
unambiguous vehicle or clothes word, or a colour before a vehicle word."""
_STRONG = frozenset((_VEHICLES + _CLOTHES).split())
_COLOUR = frozenset(_COLOURS.split())
_DETERMINERS = frozenset("a an the his her their my some".split())
_PLATE = re.compile(r"\b[a-z]{2}\s?\d{2}\s?[a-z]{3}\b", re.IGNORECASE)  # a UK registration, YX12 ABC
_CLAUSE = re.compile(r"\s+(?:in|inside|on|driving|drives|drove|riding|rides|rode|wearing|wears|wore)\s+",
                     re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)")

_SPLIT = re.compile(r"\s*(?:;|,|&|\+|\band\b|\bwith\b|\s[-\u2013\u2014]\s)\s*", re.IGNORECASE)
_CALLED = re.compile(r"\b(?:called|named|known as|nicknamed|goes by|aka|a\.k\.a\.)\s+['\"]?(.+?)['\"]?\s*$",
                     re.IGNORECASE)
# a sentence, not a list of names: punctuation that ends a sentence, a verb or pronoun that
# names no one, or "I" followed by a word ("I went ..."): "Ryan I" is Ryan with a surname initial
_SENTENCE = re.compile(r"[.!?:]\s|[.!?]$|\b(?:then|because|went|go|going|was|were|is|am|they|we|me|us)\b"
                       r"|\bi\s+(?!(?:and|with|or)\b)[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9'\u2019/-]+")
_MAX_NAME_WORDS = 4


def _is_described(part: str) -> bool:
    """True when ``part`` describes a vehicle, clothes or looks rather than naming someone
    (``'a white Golf'``, ``'black Merc'``, ``'2 lads in a grey hoodie'``; not ``'Kai White'``
    nor ``'Leon Cooper'``)."""
    text = _PLATE.sub(" reg ", part.lower().replace("\u2019", "'"))
    words = [w.removesuffix("'s") for w in _WORD.findall(text)]  # "his mum's car"
    if not words or not all(w in NOT_NAME_WORDS or w in DESCRIPTION_WORDS or w.isdigit() for w in words):
        return False
    if any(w in _STRONG for w in words) or any(w in _DETERMINERS for w in words):
        return True
    return any(a in _COLOUR and b in DESCRIPTION_WORDS and b not in _COLOUR for a, b in zip(words, words[1:], strict=False))


def _strip_described(part: str) -> tuple[str, list[str]]:
    """``part`` without a bracketed or trailing description (``'Tandz (white Golf)'``,
    ``'Tandz in a white Golf'``, ``'Jordan wearing a North Face jacket'``), and what was taken."""
    taken: list[str] = []
    for m in list(_PAREN.finditer(part)):
        if _is_described(m.group(1)):
            taken.append(m.group(1).strip())
    if taken:
        part = _PAREN.sub(lambda m: " " if _is_described(m.group(1)) else m.group(0), part)
        part = " ".join(part.split())
    for m in _CLAUSE.finditer(part):
        head, rest = part[:m.start()].strip(), part[m.end():].strip()
        if head and rest and _is_described(rest):
            taken.append(part[m.start():].strip())
            return head, taken
    return part, taken


def is_description(part: str) -> bool:
    """True when ``part`` is made only of words that are not names (``'a friend'``, ``'mum'``).

    Examples
    --------
    >>> [is_description(x) for x in ("no one", "Didn't say", "my boyfriend", "Big T", "Jordan")]
    [True, True, True, False, False]
    """
    words = _WORD.findall(part.lower().replace("\u2019", "'"))
    return bool(words) and all(w in NOT_NAME_WORDS for w in words)


def _one(cell: str) -> tuple[list[str], list[str], bool]:
    names: list[str] = []
    described: list[str] = []
    text = fold_lookalikes(drop_invisible(cell)).strip()
    if not text:
        return names, described, False
    if _SENTENCE.search(text) and len(text.split()) > _MAX_NAME_WORDS:
        return names, [text], True  # a sentence: not split into names, kept as said
    for part in _SPLIT.split(text):
        part = part.strip(" \t'\"-")
        if not part:
            continue
        if _is_described(part):
            described.append(part)
            continue
        called = _CALLED.search(part)
        if called:
            name, taken = _strip_described(called.group(1).strip(" .'\""))
            name = name.strip(" .'\"")
            if name and not is_description(name) and not _is_described(name):
                names.append(name)
                described.append(part)
                continue
        part, taken = _strip_described(part)
        described.extend(taken)
        if not part:
            continue
        if is_description(part) or _SENTENCE.search(part):  # "mum", "i went": no name
            described.append(part)
        elif len(part.split()) > _MAX_NAME_WORDS:
            described.append(part)
            return names, described, True
        else:
            names.append(part)
    return names, described, False


def split_people(cells: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Split RHI "who were you with" cells into names and descriptions.

    Parameters
    ----------
    cells
        Trimmed text; blank cells stay blank.

    Returns
    -------
    names, described, unsplit
        ``'; '``-joined names and descriptions (blank text where none), and True where a
        cell could not be split into names (it is kept whole as a description).

    Examples
    --------
    >>> n, d, bad = split_people(pd.Series(["Paige & Jayden S and Dwayne", "no one",
    ...                                     "mum, an older lad called Jordan"]))
    >>> n.tolist()
    ['Paige; Jayden S; Dwayne', '', 'Jordan']
    >>> d.tolist()
    ['', 'no one', 'mum; an older lad called Jordan']
    """
    uniq = {c: _one(c) for c in pd.unique(cells)}
    names = cells.map({c: "; ".join(dict.fromkeys(v[0])) for c, v in uniq.items()})
    described = cells.map({c: "; ".join(v[1]) for c, v in uniq.items()})
    unsplit = cells.map({c: v[2] for c, v in uniq.items()}).astype(bool)
    return names.astype(str), described.astype(str), unsplit

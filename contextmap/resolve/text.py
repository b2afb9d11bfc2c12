"""Text in comparison form, shared by person and place resolution: folding, person names
(titles dropped, "SURNAME, Forename" turned round, nicknames mapped to one form) and identifiers.

Invisible format characters (zero-width spaces, soft hyphens, direction marks) are dropped,
and Cyrillic or Greek look-alike letters inside Latin words read as Latin (as ingest does,
:func:`contextmap.ingest.names.person_name_key`), so a pasted "\u0421orey" is "corey".

Examples
--------
>>> fold("  Chloé O’Neil-Dawson ")
'chloe oneil dawson'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from contextmap.ingest.names import drop_invisible, fold_lookalikes, forename_first

__all__ = ["fold", "normalise_person_name", "normalise_identifier", "NICKNAME_TO_FORM"]

_NON_ALNUM = re.compile(r"[\W_]+")  # for ASCII text, [^a-z0-9] (after lower-casing); other scripts' letters kept
_APOSTROPHE = re.compile(r"['\u2019`]")


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, every other run of characters that are not
    letters or digits a space (letters of other scripts are kept: a name written in Cyrillic
    is still a name)."""
    if not text.isascii():  # ASCII has no accents to strip (the usual case: skip the walk)
        text = fold_lookalikes(drop_invisible(text))
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    text = _APOSTROPHE.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "master"}
_NICKNAMES = {
    "thomas": "tom tommy",
    "james": "jim jimmy jamie",
    "william": "bill billy will willie",
    "robert": "bob bobby rob robbie",
    "daniel": "dan danny",
    "david": "dave davey",
    "michael": "mike mick mikey micky",
    "christopher": "chris",
    "matthew": "matt matty",
    "nicholas": "nick nicky",
    "anthony": "tony ant",
    "stephen": "steve stevie steven",
    "joseph": "joe joey",
    "samuel": "sam sammy",
    "alexander": "alex",
    "elizabeth": "liz lizzie beth betty",
    "katherine": "kate katie kat kathryn catherine",
    "jennifer": "jen jenny",
    "rebecca": "becky becca",
    "victoria": "vicky vicki tori",
    "tyler": "ty",
    "benjamin": "ben benny",
    "jacob": "jake",
    "joshua": "josh",
    "nathan": "nate",
    "zachary": "zach zac",
    "charles": "charlie chaz",
    "henry": "harry hal",
    "jonathan": "jon jonny johnny",
    "richard": "rich richie dick",
    "edward": "ed eddie ted",
    "andrew": "andy drew",
    "patrick": "pat paddy",
    "callum": "cal",
    "kieran": "kie",
    "connor": "con",
    "jordan": "jord",
    "margaret": "maggie meg peggy",
    "jessica": "jess jessie",
    "abigail": "abbie abby abi abbi",
    "natalie": "nat",
    "danielle": "dani",
    # British short forms that are no start of the name. Only forms that are seldom a child's
    # registered name: Alfie, Archie, Freddie, Ollie, Theo, Gracie, Finn, Bella and Isabel are
    # names in their own right, and the model's nickname level weighs more than an exact
    # forename, so mapping them would send "Finn" to his twin Finley, "Isabel" to Isabella
    "olivia": "liv livvy",
    "alfred": "alf",
    "frederick": "fred",
    "isabella": "izzy issy",
    "bradley": "brad",
    "dominic": "dom",
}
NICKNAME_TO_FORM: dict[str, str] = {nick: full for full, nicks in _NICKNAMES.items() for nick in nicks.split()}

def normalise_person_name(name: object) -> str:
    """Return a person's name in comparison form: lower case, no accents, apostrophes or titles.

    Examples
    --------
    >>> normalise_person_name("  Mr. Tyler  O'Grady-Smith ")
    'tyler ogrady smith'
    >>> normalise_person_name("GRANT, Tyler")
    'tyler grant'
    >>> normalise_person_name("GRANT Tyler")
    'tyler grant'
    >>> normalise_person_name(None)
    ''
    """
    if not isinstance(name, str):
        return ""
    return _normalise_cached(name)


@lru_cache(maxsize=262144)
def _normalise_cached(name: str) -> str:
    """:func:`normalise_person_name` of a text, each distinct text once: resolution reads every
    person's and child's name three times (matching, mentions, display names)."""
    name = forename_first(drop_invisible(name))  # "SURNAME, Forename" as registers write it
    tokens = [t for t in fold(name).split() if t not in _TITLES]
    return " ".join(tokens)


def normalise_identifier(value: str) -> str:
    """A phone number, vehicle registration or social-media handle in comparison form.

    >>> normalise_identifier("@Big.T_07 ")
    'bigt07'
    """
    return re.sub(r"[^a-z0-9@]", "", value.lower().lstrip("@"))

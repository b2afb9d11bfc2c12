"""Return Home Interview free text: who the child was with, split into names and descriptions.

An RHI's "Who were you with?" is typed as it was said: ``Paige & Jayden S & Dwayne``,
``no one``, ``a friend``, ``mum``, ``an older lad called Jordan``. :func:`split_people`
turns each cell into

* **names** (``people_mentioned``): one per person, split on ``;``, ``,``, ``&``, ``+``,
  `` and `` and `` with ``; a name given inside a description (``an older lad called
  Jordan``) is taken out (``Jordan``);
* **descriptions** (``people_described``): what is not a name (``no one``, ``nobody``,
  ``didn't say``, ``a friend``, ``mum``, ``my boyfriend``, ``unknown``), kept as text on the
  episode and never made into a person;
* a flag for text that cannot be split into names (a sentence), kept as a description with
  a warning.

Descriptions that name someone by relation to a named person (``Tyler's cousin``) stay
names: entity resolution keeps them as provisional persons, marked as such.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["split_people", "is_description", "NOT_NAME_WORDS"]

NOT_NAME_WORDS = frozenset("""
a an the my his her their our your some any this that these those one two three few couple
no none nobody noone no-one nothing alone own myself himself herself themselves by on with
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

_SPLIT = re.compile(r"\s*(?:;|,|&|\+|\band\b|\bwith\b)\s*", re.IGNORECASE)
_CALLED = re.compile(r"\b(?:called|named|known as|nicknamed|goes by|aka|a\.k\.a\.)\s+['\"]?(.+?)['\"]?\s*$",
                     re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?:]\s|[.!?]$|\b(?:then|because|went|was|were|they|we|i)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9'\u2019/-]+")
_MAX_NAME_WORDS = 4


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
    text = cell.strip()
    if not text:
        return names, described, False
    if _SENTENCE.search(text) and len(text.split()) > _MAX_NAME_WORDS:
        return names, [text], True  # a sentence: not split into names, kept as said
    for part in _SPLIT.split(text):
        part = part.strip(" \t'\"-")
        if not part:
            continue
        called = _CALLED.search(part)
        if called:
            name = called.group(1).strip(" .'\"")
            if name and not is_description(name):
                names.append(name)
                described.append(part)
                continue
        if is_description(part):
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

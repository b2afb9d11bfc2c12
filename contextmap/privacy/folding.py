"""Text as a reader reads it: the folding behind the scan and the redaction of place names.

A reader does not see case, accents, the difference between one space and two, a no-break
space, a line break, an underscore or a comma: "Chlo\u00e9 Dawson", "CHLOE_DAWSON" and
"Dawson,\\nChloe" all name the same child. Nor does a reader see an invisible character, tell
a Cyrillic "\u0435" from a Latin "e", or stop at letter spacing ("K y l e") or at a suffix
glued on ("KyleNettleton4eva"). :func:`reader_fold` maps a text to that reading,
:func:`reader_fold_index` maps each folded character back to the original offset, and
:func:`reader_variants` gives the forms a name is looked for in.

The steps, in order (each is a property of Unicode, not a list written here):

1. **Invisible characters go**: every character with the Unicode property
   ``Default_Ignorable_Code_Point`` (left-to-right mark, combining grapheme joiner, variation
   selectors, invisible separator, Hangul filler, Mongolian vowel separator, zero-width
   space...) and every format character (category ``Cf``), as the TR39 skeleton does; so do
   marks (accents) and apostrophes.
2. **Look-alikes read as the letter they look like**: compatibility forms are decomposed
   (NFKD: full-width and mathematical letters, ligatures), then every other non-ASCII
   character is replaced by its prototype in Unicode's confusables table (the TR39 skeleton:
   ``confusables.txt``, Unicode Security Mechanisms for UTS #39, version 18.0.0, shipped
   beside this module and checked against its SHA-256 :data:`CONFUSABLES_SHA256` when read).
   A lower-case letter whose own prototype is not Latin is read by its capital's (Cyrillic
   "\u043a" is a small capital "\u041a": read as k). ASCII letters and digits stay what they
   are: the table maps "I", "l" and "1" together and "m" to "rn", which would read every
   "all" as "Ali".
3. **Words are split where a reader splits them**: between a letter and a digit
   ("Nettleton4eva", "Nettleton2") and between a lower-case and a capital letter
   ("KyleNettleton").
4. No case; every run of white space, line breaks, ``_`` and punctuation is one space.
5. **Letter spacing is closed up**: three or more single characters in a row, each apart
   by one space ("k y l e n e t t l e t o n"), are read as one word.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from importlib import resources

import regex

__all__ = [
    "reader_fold",
    "reader_text",
    "reader_bounded",
    "reader_fold_index",
    "reader_variants",
    "CELL_SEPARATOR",
    "contains_name",
    "skeleton",
    "confusables",
    "CONFUSABLES_SHA256",
    "CONFUSABLES_VERSION",
    "is_invisible",
    "latin_lookalike",
    "latin_lookalikes",
]

CELL_SEPARATOR = "\x00"
"""Joins cells scanned as one text; it folds to itself, so no match spans two cells."""
_SEP = CELL_SEPARATOR

CONFUSABLES_VERSION = "18.0.0"
"""The Unicode version of the shipped ``confusables.txt`` (dated 2026-08-06)."""
CONFUSABLES_SHA256 = "6ed3ee967c9dfdf6677d563c9985182fbc50a2efb7d6059cd57b2e2ce18f5b92"
"""SHA-256 of Unicode's ``confusables.txt`` 18.0.0, byte for byte as Unicode publishes it."""

_APOSTROPHES = frozenset("'\u2019\u02bc`")
_INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}]")
_MARK = regex.compile(r"\p{M}")


@functools.cache
def confusables() -> dict[str, str]:
    """Unicode's confusables table: each source character and its prototype (TR39).

    Read once from the ``confusables.txt`` shipped beside this module; a file whose SHA-256
    is not :data:`CONFUSABLES_SHA256` is refused (the scan would not read as documented).

    Examples
    --------
    >>> confusables()["\\u0430"]  # CYRILLIC SMALL LETTER A
    'a'
    """
    data = resources.files("contextmap.privacy").joinpath("confusables.txt").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CONFUSABLES_SHA256:
        from contextmap._errors import PrivacyError

        raise PrivacyError(f"Expected contextmap/privacy/confusables.txt to be Unicode's confusables.txt "
                           f"{CONFUSABLES_VERSION} (sha256 {CONFUSABLES_SHA256}), instead got sha256 {digest}")
    table: dict[str, str] = {}
    for line in data.decode("utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2 or not fields[0].strip():
            continue
        src = "".join(chr(int(h, 16)) for h in fields[0].split())
        if len(src) == 1:  # every source is one code point (UTS #39 section 4)
            table[src] = "".join(chr(int(h, 16)) for h in fields[1].split())
    return table


def is_invisible(c: str) -> bool:
    """Whether a reader does not see ``c``: ``Default_Ignorable_Code_Point`` or a format character.

    Examples
    --------
    >>> [is_invisible(c) for c in "\\u200e\\u034f\\ufe0f\\u2063\\u3164\\u180e a"]
    [True, True, True, True, True, True, False, False]
    """
    return _INVISIBLE.match(c) is not None


def skeleton(text: str) -> str:
    """The Unicode TR39 skeleton of ``text``: NFD, invisible characters removed, each
    character replaced by its prototype, NFD again. Two texts that look alike have the
    same skeleton (case is kept: compare folded texts for case too).

    Examples
    --------
    >>> skeleton("\\u041a\\u0443le") == skeleton("Kyle")  # Cyrillic capital ka and small u
    True
    """
    table = confusables()
    nfd = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in nfd if not is_invisible(c)))


def _strip_marks(text: str) -> str:
    return _MARK.sub("", text)


@functools.cache
def _ascii_preimages() -> dict[str, tuple[str, ...]]:
    """For each skeleton of a printable ASCII character, the ASCII characters that have it
    (``'l'``: ``'1', 'I', 'l', '|'``)."""
    out: dict[str, list[str]] = {}
    for code in range(0x21, 0x7F):
        out.setdefault(_strip_marks(skeleton(chr(code))), []).append(chr(code))
    return {k: tuple(v) for k, v in out.items()}


def _choose(options: tuple[str, ...], c: str) -> str:
    """The ASCII character a reader sees in ``c`` among look-alikes, by what ``c`` is."""
    digit = unicodedata.category(c) in ("Nd", "No")
    upper = c.isupper()

    def rank(a: str) -> tuple[int, str]:
        if digit:
            order = 0 if a.isdigit() else 1 if a.islower() else 2 if a.isupper() else 3
        elif upper:
            order = 0 if a.isupper() else 1 if a.islower() else 2 if a.isdigit() else 3
        else:
            order = 0 if a.islower() else 1 if a.isupper() else 2 if a.isdigit() else 3
        return order, a

    return min(options, key=rank)


def _ascii_reading(c: str) -> str | None:
    """The ASCII text a reader sees in the non-ASCII character ``c``, or None."""
    tries = [c]
    if c.islower() and len(c.upper()) == 1:
        tries.append(c.upper())  # Cyrillic small ka reads as its capital: a small-capital K
    for i, x in enumerate(tries):
        s = _strip_marks(skeleton(x))
        if not s or not s.isascii() or s.isspace():
            continue
        pre = _ascii_preimages().get(s)
        out = _choose(pre, x) if pre else s
        # read through its capital, the letter is a small capital, which takes the case of the
        # word around it: small, so "Ni\u043aita" stays one word ("\u043aYLE" is split by
        # camel case; the scan reads without splitting and finds it whole)
        return out.lower() if (i or c.islower()) else out
    return None



@functools.cache
def latin_lookalike(c: str) -> str:
    """The Latin letter(s) a letter of another script looks like, by Unicode's confusables
    table (TR39, :func:`confusables`): Cyrillic "\u0430" is "a", Greek "\u039f" is "O",
    Armenian "\u0585" is "o", dotless "\u0131" is "i". ``''`` for everything else: an ASCII
    character, a Latin letter with an accent or a compatibility form ("\u00e9", "\uff21":
    the same letter, not a look-alike), a letter that looks like no Latin letter, and
    anything not a letter. Case is kept.

    The one table behind every look-alike reading in contextmap: ingest reads such a letter as
    Latin inside a Latin word (:func:`contextmap.ingest.names.fold_lookalikes`), the workspace
    refuses to take a name written with one for the name it imitates
    (:func:`contextmap.workspace.lookup.lookalike_letters`), the scan finds names written with them.

    Examples
    --------
    >>> [latin_lookalike(c) for c in "\u0430\u041c\u039f\u0585\u0131\u00e9a\u0416"]
    ['a', 'M', 'O', 'o', 'i', '', '', '']
    """
    if len(c) != 1 or c.isascii() or not c.isalpha():
        return ""
    if _strip_marks(unicodedata.normalize("NFKD", c)).isascii():
        return ""  # an accented or compatibility form of a Latin letter: that letter, no look-alike
    reading = _ascii_reading(c)
    return reading if reading and reading.isalpha() and reading.isascii() else ""


def latin_lookalikes(text: str) -> str:
    """``text`` with every letter that looks like a Latin one (:func:`latin_lookalike`) read as
    that letter; everything else as it is.

    Examples
    --------
    >>> latin_lookalikes("B\u0430iley \u041carsh, \u00c9lodie")
    'Bailey Marsh, \u00c9lodie'
    """
    if text.isascii():
        return text
    return "".join(latin_lookalike(c) or c for c in text)


def _char_fold(c: str) -> str:
    """What one character becomes before case folding and splitting (case kept)."""
    if c == _SEP:
        return _SEP  # a cell boundary stays a boundary
    if c in _APOSTROPHES or is_invisible(c) or _MARK.match(c):
        return ""  # apostrophes, invisible characters, accents and other marks
    if c.isascii():
        return c if c.isalnum() else " "
    out = []
    for x in unicodedata.normalize("NFKD", c):
        if _MARK.match(x) or is_invisible(x):
            continue
        if x.isascii():
            out.append(x if x.isalnum() else " ")
            continue
        r = _ascii_reading(x)
        if r is None:
            out.append(x if x.isalnum() else " ")
        else:
            out.append("".join(a if a.isalnum() else " " for a in r))
    return "".join(out) or ""


class _ReaderTable(dict):  # str.translate table, filled on demand
    def __missing__(self, code: int) -> str:
        # a character whose lower case is longer is lowered here: lower() later keeps every length
        out = "".join(x if len(x.lower()) == 1 else x.lower() for x in _char_fold(chr(code)))
        self[code] = out
        return out


_READER = _ReaderTable()
_ASCII = bytes(ord(c) if (c := chr(i)).isalnum() or c == _SEP else 32 for i in range(128)) + bytes(range(128, 256))
_ASCII_DELETE = "".join(_APOSTROPHES & {chr(i) for i in range(128)}).encode("ascii")

_SPLIT = regex.compile(r"\p{Ll}(?=\p{Lu})|\p{L}(?=\p{Nd})|\p{Nd}(?=\p{L})")
_SPACED = regex.compile(r"(?<![^ \x00])[^ \x00](?: [^ \x00](?![^ \x00])){2,}")


_NON_ASCII = regex.compile(r"[^\x00-\x7f]")


def _cased(text: str) -> str:
    """Steps 1-2: every character folded, case kept."""
    if not text.isascii():
        # the few non-ASCII characters of a mostly ASCII output one by one (a per-character
        # table lookup over a 10 MB file costs more than the whole scan of its ASCII); what
        # they fold to is letters, digits and spaces, which the ASCII pass keeps as they are
        text = _NON_ASCII.sub(lambda m: _READER[ord(m.group())], text)
        if not text.isascii():  # letters with no ASCII reading (Cyrillic, Arabic, Chinese...)
            return text.translate(_READER)
    return text.encode("ascii").translate(_ASCII, _ASCII_DELETE).decode("ascii")


def reader_text(text: str, *, split: bool = True) -> str:
    """The text as a reader reads it, case kept: :func:`reader_fold` is its lower case,
    character for character (same length, same offsets).

    The scan reads with ``split=False`` (inserting spaces into every id and colour code of a
    30 MB pack doubled its cost) and instead accepts a match that ends where a reader splits
    words (:func:`reader_bounded`), which this text, with its case, tells.

    Examples
    --------
    >>> reader_text("Ky\u200ele N\u0435ttleton4eva"), reader_text("KyleNettleton", split=False)
    ('Kyle Nettleton 4 eva', 'KyleNettleton')
    """
    cased = _cased(text)
    if split:
        cased = _SPLIT.sub(r"\g<0> ", cased)
    # after the table only ' ' is white space (and '\x00', the cell separator, is not)
    out = " ".join(cased.split())
    if " " in out:
        out = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), out)
    return out


def reader_bounded(cased: str, start: int, end: int, *, glued: bool = True) -> bool:
    """Whether ``cased[start:end]`` of a :func:`reader_text` stands as words a reader sees:
    each end is an end of the text, beside a character that is not a letter or digit, a
    camel-case step (``'Love|Kyle'``) or a step between the span's letters and a digit
    outside it (``'Nettleton|2'``, ``'4|eva'``). A span that begins or ends with a digit
    needs a real separator there (the ``'5'`` of ``'d5'`` does not begin ``'5 Tanners Lane'``).
    With ``glued=False`` (a one-word name: ``'Eden'`` is inside many a code such as
    ``'EDEN37N3'``) only a real separator counts.

    Examples
    --------
    >>> t = reader_text("LoveKyleNettleton4eva d5 Tanners Lane", split=False)
    >>> reader_bounded(t, 4, 17), reader_bounded(t, 18, 21), reader_bounded(t, 23, 37), reader_bounded(t, 1, 4)
    (True, True, False, False)
    """
    if start > 0:
        a, b = cased[start - 1], cased[start]
        if a.isalnum() and b.isalnum() and not (glued and ((a.isdigit() and not b.isdigit())
                                                           or (a.islower() and b.isupper()))):
            return False
    if end < len(cased):
        a, b = cased[end - 1], cased[end]
        if a.isalnum() and b.isalnum() and not (glued and ((b.isdigit() and not a.isdigit())
                                                           or (a.islower() and b.isupper()))):
            return False
    return True


def reader_fold(text: str, *, split: bool = True) -> str:
    """The text as a reader reads it (see the module docstring for each step).

    Parameters
    ----------
    text
        Any text.
    split
        Split words between letters and digits and at camel case (``'KyleNettleton4eva'``
        reads ``'kyle nettleton 4 eva'``); :func:`reader_variants` also looks for a name
        folded without it (``'MCDONALD'`` for ``'McDonald'``).

    Examples
    --------
    >>> reader_fold("Chlo\u00e9  O\u2019Neil_DAWSON,\\nCafe ")
    'chloe oneil dawson cafe'
    >>> reader_fold("\u041a\u0443le N\u0435ttl\u200eeton")  # Cyrillic letters, a left-to-right mark
    'kyle nettleton'
    >>> reader_fold("K y l e  N e t t l e t o n"), reader_fold("KyleNettleton4eva")
    ('kylenettleton', 'kyle nettleton 4 eva')
    """
    return reader_text(text, split=split).lower().replace("\u03c2", "\u03c3")


def reader_fold_index(text: str, *, split: bool = True) -> list[int]:
    """For each character of :func:`reader_fold` ``(text)`` (and :func:`reader_text`), its
    offset in ``text``.

    Examples
    --------
    >>> t = "ox K\u200b y l e!"
    >>> [t[i] for i in reader_fold_index(t)], reader_fold(t)
    (['o', 'x', ' ', 'K', 'y', 'l', 'e'], 'ox kyle')
    """
    pieces = [_READER[ord(c)] for c in text]
    cased = "".join(pieces)
    pos = [i for i, p in enumerate(pieces) for _ in p]
    if split:
        cuts = [m.end() for m in _SPLIT.finditer(cased)]
        if cuts:
            chars, at, last = [], [], 0
            for k in cuts:
                chars.append(cased[last:k])
                at.extend(pos[last:k])
                chars.append(" ")
                at.append(pos[k])
                last = k
            chars.append(cased[last:])
            at.extend(pos[last:])
            cased, pos = "".join(chars), at
    # white space: runs become one space at the first one, none at either end
    out: list[str] = []
    index: list[int] = []
    pending: int | None = None
    for c, i in zip(cased, pos, strict=True):
        if c.isspace():
            if out and pending is None:
                pending = i
            continue
        if pending is not None:
            out.append(" ")
            index.append(pending)
            pending = None
        out.append(c)
        index.append(i)
    folded = "".join(out)
    if " " in folded:
        drop = {m.start() + k for m in _SPACED.finditer(folded) for k, c in enumerate(m.group(0)) if c == " "}
        if drop:
            index = [i for k, i in enumerate(index) if k not in drop]
    return index


def reader_variants(name: str, *, reorder: bool = True) -> set[str]:
    """The reader-folded forms a name is looked for in: as written (split at camel case and
    digits, and not), run together (``'MeganWharton'``, or letter-spaced), and for a name
    (``reorder``) with its last part first (``'Wharton, Megan'``), reversed, and each of these
    possessive (``"Megan Wharton's"``).

    Examples
    --------
    >>> sorted(reader_variants("Megan Wharton"))
    ['megan wharton', 'megan whartons', 'meganwharton', 'meganwhartons', 'wharton megan', 'wharton megans']
    >>> sorted(reader_variants("McDonald", reorder=False))
    ['mc donald', 'mcdonald']
    """
    out: set[str] = set()
    # look-alikes are read case by case (Greek capital sigma is not a small sigma's "o"), so
    # the name is read as written and in capitals, small letters and title case
    cases = dict.fromkeys((name,) if name.isascii() else (name, name.upper(), name.lower(), name.title()))
    for base in {reader_fold(c, split=s).strip() for c in cases for s in (True, False)}:
        if not base:
            continue
        forms = {base}
        parts = base.split(" ")
        if len(parts) > 1:
            forms.add("".join(parts))
        if reorder and 2 <= len(parts) <= 4:
            forms.add(" ".join([parts[-1], *parts[:-1]]))
            forms.add(" ".join(reversed(parts)))
            forms |= {v + "s" for v in forms}  # the possessive: "Megan Wharton's" folds to "megan whartons"
        out |= forms
    return {v for v in out if len(v) >= 3}


def contains_name(folded: str, variants: set[str], *, max_words: int = 4) -> bool:
    """True when a run of up to ``max_words`` whole words of ``folded`` is one of ``variants``.

    Examples
    --------
    >>> contains_name(reader_fold("Chloe Dawson Cafe"), reader_variants("Chlo\u00e9 Dawson"))
    True
    >>> contains_name(reader_fold("Dawson Road"), reader_variants("Chloe Dawson"))
    False
    """
    words = folded.split()
    for i in range(len(words)):
        for n in range(1, max_words + 1):
            if i + n <= len(words) and " ".join(words[i:i + n]) in variants:
                return True
    return "".join(words) in variants

"""Text as a reader reads it: the folding behind the scan and the redaction of place names.

A reader does not see case, accents, the difference between one space and two, a no-break
space, a line break, an underscore or a comma: "Chlo\u00e9 Dawson", "CHLOE_DAWSON" and
"Dawson,\\nChloe" all name the same child. :func:`reader_fold` maps a text to that reading,
:func:`reader_fold_index` maps each folded character back to the original offset, and
:func:`reader_variants` gives the forms a name is looked for in.
"""

from __future__ import annotations

import unicodedata

__all__ = ["reader_fold", "reader_fold_index", "reader_variants", "CELL_SEPARATOR", "contains_name"]

CELL_SEPARATOR = "\x00"
"""Joins cells scanned as one text; it folds to itself, so no match spans two cells."""
_SEP = CELL_SEPARATOR

_DELETE = "\x7f"
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "'", "\u2019", "\u02bc", "`"}


class _ReaderTable(dict):  # str.translate table, filled on demand
    def __missing__(self, code: int) -> str:
        c = chr(code)
        if c == _SEP:
            out = _SEP  # a cell boundary stays a boundary
        elif c in _INVISIBLE or unicodedata.combining(c):
            out = _DELETE  # soft hyphens, zero-width characters, apostrophes, accents
        elif c.isalnum():
            d = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)).lower()
            if "\u0130" == c:
                d = "i"
            out = "".join(x if x.isalnum() else " " for x in d) or _DELETE
        else:
            out = " "  # whitespace of any kind, line breaks, '_', punctuation, symbols
        self[code] = out
        return out


_READER = _ReaderTable()
_ASCII = bytes(ord(_READER[i]) for i in range(128)) + bytes(range(128, 256))


def reader_fold(text: str) -> str:
    """The text as a reader reads it: case, accents (NFKD), apostrophes and zero-width
    characters dropped; every run of whitespace, line breaks, ``_`` and punctuation one
    space; no space at either end.

    Examples
    --------
    >>> reader_fold("Chlo\u00e9  O\u2019Neil_DAWSON,\\nCafe ")
    'chloe oneil dawson cafe'
    """
    if text.isascii():  # the usual case: one C pass over bytes
        folded = text.encode("ascii").translate(_ASCII).decode("ascii")
    else:
        folded = text.translate(_READER)
    # after the table only ' ' is white space (and '\x00', the cell separator, is not)
    return " ".join(folded.replace(_DELETE, "").split())


def reader_fold_index(text: str) -> list[int]:
    """For each character of :func:`reader_fold` ``(text)``, its offset in ``text``."""
    index: list[int] = []
    pending_space: int | None = None
    started = False
    for i, c in enumerate(text):
        for f in _READER[ord(c)]:
            if f == _DELETE:
                continue
            if f == " ":
                if started and pending_space is None:
                    pending_space = i
                continue
            if pending_space is not None:
                index.append(pending_space)
                pending_space = None
            index.append(i)
            started = True
    return index


def reader_variants(name: str, *, reorder: bool = True) -> set[str]:
    """The reader-folded forms a name is looked for in: as written, with its last part
    first (``'Wharton, Megan'``), reversed, run together (``'MeganWharton'``), and each of
    these possessive (``"Megan Wharton's"``).

    Examples
    --------
    >>> sorted(reader_variants("Megan Wharton"))
    ['megan wharton', 'megan whartons', 'meganwharton', 'meganwhartons', 'wharton megan', 'wharton megans']
    """
    base = reader_fold(name).strip()
    if not base:
        return set()
    out = {base}
    parts = base.split(" ")
    if reorder and 2 <= len(parts) <= 4:
        out.add(" ".join([parts[-1], *parts[:-1]]))
        out.add(" ".join(reversed(parts)))
        out.add("".join(parts))
        out |= {v + "s" for v in out}  # the possessive: "Megan Wharton's" folds to "megan whartons"
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

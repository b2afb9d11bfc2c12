"""Text in comparison form, shared by person and place resolution.

Examples
--------
>>> fold("  Chloé O’Neil-Dawson ")
'chloe oneil dawson'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHE = re.compile(r"['\u2019`]")


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, every other non-alphanumeric run a space."""
    if not text.isascii():  # ASCII has no accents to strip (the usual case: skip the walk)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    text = _APOSTROPHE.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()

"""Export noise: how a council export writes values (mixed date forms, stray blanks and
whitespace, codes typed by hand, gradings in several spellings, typos).

Every function takes the generator's random stream, so the same seed gives the same text.
"""

from __future__ import annotations

import numpy as np

from contextmap.sample.vocabularies import GRADING_FORMS

__all__ = [
    "make_ids", "fmt_dates", "fmt_datetimes", "blank_cells", "untidy", "recase", "draw_gradings",
    "e_gradings", "typo", "dob_variant",
]


def make_ids(prefix: str, n: int, width: int | None = None) -> np.ndarray:
    w = width or max(4, len(str(n)))
    return np.array([f"{prefix}{i:0{w}d}" for i in range(1, n + 1)], dtype=object)


def fmt_dates(days: np.ndarray, start: np.datetime64, rng: np.random.Generator,
               *, uk_share: float = 0.25) -> np.ndarray:
    """Format day offsets from ``start`` as ISO or UK day-first dates (mixed, as exports are)."""
    d = start + days.astype("timedelta64[D]")
    iso = np.datetime_as_string(d, unit="D").astype(object)
    uk = rng.random(len(days)) < uk_share
    if uk.any():
        parts = [s.split("-") for s in iso[uk]]
        iso[uk] = [f"{p[2]}/{p[1]}/{p[0]}" for p in parts]
    return iso


def fmt_datetimes(minutes: np.ndarray, start: np.datetime64, rng: np.random.Generator,
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


def blank_cells(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    values = values.astype(object)
    values[rng.random(len(values)) < share] = ""
    return values


def untidy(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Add stray leading/trailing whitespace to a share of non-blank cells."""
    values = values.astype(object).copy()
    pick = np.flatnonzero((rng.random(len(values)) < share) & (values != ""))
    pads = rng.integers(0, 3, len(pick))
    for i, p in zip(pick, pads, strict=True):
        v = values[i]
        values[i] = (" " + v) if p == 0 else (v + " ") if p == 1 else (" " + v + "  ")
    return values


def recase(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Write a share of code values as a person would type them ('Out of area', 'MISSING')."""
    values = values.astype(object).copy()
    for i in np.flatnonzero((rng.random(len(values)) < share) & (values != "")):
        v = str(values[i]).replace("_", " ")
        values[i] = v.upper() if len(v) < 8 else v.capitalize()
    return values


def draw_gradings(n: int, rng: np.random.Generator, *, graded_share: np.ndarray | float,
              e_share: float = 0.02) -> np.ndarray:
    """Draw 3x5x2 codes: mostly 1/2 and B/C, some 3, a few E; handling mostly P."""
    s = rng.choice(np.array(["1", "2", "3"]), n, p=[0.45, 0.45, 0.10])
    pi = np.array([0.10, 0.42, 0.38, 0.10 - e_share, e_share])
    i = rng.choice(np.array(list("ABCDE")), n, p=pi / pi.sum())
    h = rng.choice(np.array(["P", "C"]), n, p=[0.85, 0.15])
    form = rng.integers(0, len(GRADING_FORMS), n)
    out = np.array([
        GRADING_FORMS[f].format(s=a, i=b, h=c, il=b.lower(), hl=c.lower())
        for a, b, c, f in zip(s, i, h, form, strict=True)
    ], dtype=object)
    out[rng.random(n) >= graded_share] = ""
    return out


def e_gradings(n: int, rng: np.random.Generator) -> np.ndarray:
    s = rng.choice(np.array(["2", "3"]), n)
    return np.array([f"{a}E P" for a in s], dtype=object)


def typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    k = int(rng.integers(1, len(word) - 2))
    return word[:k] + word[k + 1] + word[k] + word[k + 2:]


def dob_variant(dob: np.datetime64, rng: np.random.Generator) -> np.datetime64:
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

"""File patterns in a sources manifest: one manifest for every month.

Agencies name their monthly files by the month (``eden_vale_cyp_Oct2026.xlsx``,
``intel_2026-10.csv``). A manifest source's ``file`` may say so instead of naming one month:

* ``{period}``: the period as ``YYYY-MM`` (``intel_{period}.csv`` is ``intel_2026-10.csv``);
* ``{period:FMT}``: the period's first day written with ``FMT``, whose directives are
  ``%Y`` (2026), ``%y`` (26), ``%m`` (10), ``%b`` (Oct), ``%B`` (October), ``%d`` (01) and
  ``%%``; month names are English and matched ignoring case (``OCT2026`` is ``{period:%b%Y}``);
* glob characters ``*``, ``?`` and ``[...]``: every file that matches, in name order, each
  read as its own source. A wildcard never matches a name starting with ``.`` or ``~$``
  (hidden files, Excel's lock files).

A pattern may name the period in a folder too (``{period}/cyp.xlsx``). The period is chosen by
the caller (``--period 2026-10``); without one, :func:`latest_period` picks the latest period
for which every ``{period}`` source has a file. A pattern that could leave the manifest's
folder (``../{period}/x.csv``, an absolute path, a match that is a link pointing outside) is
refused, unless the manifest says ``allow_outside: true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from contextmap._errors import ConfigError, InputReadError, MappingError
from contextmap.ingest.sources import check_inside

__all__ = ["FilePattern", "parse_period", "latest_period", "PERIOD_DIRECTIVES"]

PERIOD_DIRECTIVES = ("%Y", "%y", "%m", "%b", "%B", "%d", "%%")
"""The strftime directives ``{period:FMT}`` accepts (the period's first day, English month names)."""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_PLACE = re.compile(r"\{([^{}]*)\}")
_GLOB = re.compile(r"[*?\[]")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_DIRECTIVE = re.compile(r"%(.)")
_HIDDEN = (".", "~$")

Period = tuple[int, int]  # (year, month)


def parse_period(value: str, *, name: str = "period") -> str:
    """Check a period written ``YYYY-MM`` and return it.

    Raises
    ------
    ConfigError
        If it is not a month written ``YYYY-MM``.

    Examples
    --------
    >>> parse_period("2026-10")
    '2026-10'
    >>> parse_period("10/2026", name="--period")
    Traceback (most recent call last):
    ...
    contextmap._errors.ConfigError: Expected --period to be a month written YYYY-MM (e.g. 2026-10), instead got: '10/2026'
    """
    text = str(value).strip()
    m = _PERIOD.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1800 <= int(m.group(1)) <= 2200:
        raise ConfigError(f"Expected {name} to be a month written YYYY-MM (e.g. 2026-10), instead got: {value!r}")
    return text


def _as_text(p: Period) -> str:
    return f"{p[0]:04d}-{p[1]:02d}"


def _glob_regex(text: str) -> str:
    """Regex for literal text with glob characters (``*``, ``?``, ``[...]``, ``[!...]``)."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if j < len(text) and text[j] == "!":
                j += 1
            if j < len(text) and text[j] == "]":
                j += 1
            while j < len(text) and text[j] != "]":
                j += 1
            if j >= len(text):
                out.append(re.escape(c))  # no closing bracket: a literal '['
            else:
                body = text[i + 1:j]
                neg = body.startswith("!")
                body = body[1:] if neg else body
                out.append("[" + ("^" if neg else "") + body.replace("\\", "\\\\").replace("^", "\\^") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class _Part:
    """One path component: its text, and whether it holds a placeholder or glob characters."""

    text: str
    period: bool
    glob: bool


@dataclass(frozen=True)
class FilePattern:
    """A manifest source's ``file``, parsed: fixed, or naming the period and/or a glob.

    Examples
    --------
    >>> p = FilePattern.parse("police/intel_{period:%b%Y}_*.csv", where="sources[1].file")
    >>> p.has_period, p.has_glob, p.render("2026-10")
    (True, True, 'police/intel_Oct2026_*.csv')
    """

    text: str
    parts: tuple[_Part, ...]
    where: str
    absolute: bool = False

    @property
    def has_period(self) -> bool:
        return any(p.period for p in self.parts)

    @property
    def has_glob(self) -> bool:
        return any(p.glob for p in self.parts)

    @property
    def is_fixed(self) -> bool:
        return not self.has_period and not self.has_glob

    @classmethod
    def parse(cls, text: str, *, where: str, allow_outside: bool = False) -> FilePattern:
        """Parse ``text``, checking every placeholder and that it cannot leave the folder.

        Raises
        ------
        MappingError
            An unknown placeholder (``{month}``), a ``{period:FMT}`` with an unsupported
            directive or without both the year and the month.
        InputReadError
            A pattern that could reach outside the folder (``..``, an absolute path).
        """
        for m in _PLACE.finditer(text):
            inner = m.group(1)
            if inner == "period":
                continue
            if not inner.startswith("period:"):
                raise MappingError(f"{where} {text!r}: unknown placeholder {m.group(0)}; expected {{period}} "
                                   "(the period as YYYY-MM) or {period:FMT} (e.g. {period:%b%Y} for Oct2026)")
            fmt = inner[len("period:"):]
            bad = sorted({f"%{d}" for d in _DIRECTIVE.findall(fmt)} - set(PERIOD_DIRECTIVES))
            if bad:
                raise MappingError(f"{where} {text!r}: {m.group(0)} uses {', '.join(bad)}; "
                                   f"expected only {', '.join(PERIOD_DIRECTIVES)}")
            if fmt.replace("%%", "").count("%") != len(_DIRECTIVE.findall(fmt.replace("%%", ""))):
                raise MappingError(f"{where} {text!r}: {m.group(0)} ends with a lone '%'")
            ds = set(_DIRECTIVE.findall(fmt.replace("%%", "")))
            if not ds & {"Y", "y"} or not ds & {"m", "b", "B"}:
                raise MappingError(f"{where} {text!r}: {m.group(0)} must give the year (%Y or %y) and the month "
                                   "(%m, %b or %B)")
            if "/" in fmt or "\\" in fmt:
                raise InputReadError(f"{where} {text!r}: {m.group(0)} writes a path separator; put folders "
                                     "outside the placeholder (e.g. {period:%Y}/{period:%m}/x.csv)")
        leftover = _PLACE.sub("", text)
        if "{" in leftover or "}" in leftover:
            raise MappingError(f"{where} {text!r}: a brace without its pair; a placeholder is written "
                               "{period} or {period:FMT}")
        parts = tuple(_Part(c, bool(_PLACE.search(c)), bool(_GLOB.search(_PLACE.sub("", c))))
                      for c in text.replace("\\", "/").split("/") if c not in ("", "."))  # \ as Windows writes it
        if not parts:
            raise MappingError(f"{where} {text!r} names no file")
        pattern = any(p.period or p.glob for p in parts)
        if pattern and not allow_outside:  # a fixed name is checked where it is looked up
            if text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
                raise InputReadError(f"{where} {text!r} is an absolute path, which could reach outside the folder "
                                     "of the manifest; name files relative to it (or say allow_outside: true)")
            if any(p.text == ".." for p in parts):
                raise InputReadError(f"{where} {text!r} could reach outside the folder of the manifest ('..'); "
                                     "keep the files inside it (or say allow_outside: true)")
        return cls(text, parts, where, absolute=text.startswith(("/", "\\")))

    # --- rendering and matching ------------------------------------------------------------

    def render(self, period: str | None) -> str:
        """The pattern with the period written in (glob characters left as they are)."""
        if period is None:
            return self.text
        year, month = int(period[:4]), int(period[5:7])

        def one(m: re.Match[str]) -> str:
            inner = m.group(1)
            if inner == "period":
                return period
            return _strftime(inner[len("period:"):], year, month)

        return _PLACE.sub(one, self.text)

    def _regex(self, part: _Part, period: str | None) -> tuple[re.Pattern[str], list[list[str]]]:
        """The component's regex, and per placeholder the names of its capture groups."""
        out, groups, pos, k = [], [], 0, 0
        for m in _PLACE.finditer(part.text):
            out.append(_glob_regex(part.text[pos:m.start()]))
            inner = m.group(1)
            fmt = "%Y-%m" if inner == "period" else inner[len("period:"):]
            if period is not None:
                out.append(_fixed_regex(fmt, int(period[:4]), int(period[5:7])))
            else:
                rx, names = _capture_regex(fmt, k)
                out.append(rx)
                groups.append(names)
                k += 1
            pos = m.end()
        out.append(_glob_regex(part.text[pos:]))
        return re.compile("".join(out)), groups

    def matches(self, folder: Path, period: str | None = None, *, allow_outside: bool = False) -> list[tuple[Path, str | None]]:
        """Every file the pattern names in ``folder`` with its period (``None`` when the pattern
        has none), in name order. With ``period`` given, only that period's files.

        Raises
        ------
        InputReadError
            If a match is a link pointing outside the folder (unless ``allow_outside``) or to nothing.
        """
        found: list[tuple[Path, Period | None]] = [(Path("/") if self.absolute else folder, None)]
        last = len(self.parts) - 1
        for i, part in enumerate(self.parts):
            nxt: list[tuple[Path, Period | None]] = []
            if not part.period and not part.glob:  # a fixed name: looked up as the system spells it
                for base, got in found:
                    p = base / part.text
                    if p.is_symlink() or (p.is_file() if i == last else p.is_dir()):
                        nxt.append((p, got))
                found = nxt
                continue
            rx, groups = self._regex(part, period)
            hidden_ok = part.text.startswith(_HIDDEN)
            for base, got in found:
                try:
                    names = sorted(e.name for e in base.iterdir())
                except OSError:
                    continue
                for name in names:
                    m = rx.fullmatch(name)
                    if m is None or (not hidden_ok and name.startswith(_HIDDEN)):
                        continue
                    this = _periods(m, groups)
                    if this is False or (got is not None and this is not None and this != got):
                        continue  # two placeholders read as two different months
                    p = base / name
                    if not p.is_symlink() and not (p.is_file() if i == last else p.is_dir()):
                        continue
                    nxt.append((p, got if this is None else this))
            found = nxt
        out: list[tuple[Path, str | None]] = []
        for p, got in found:
            name = str(p) if self.absolute else str(p.relative_to(folder))
            p = check_inside(folder, name, what=self.where, allow_outside=allow_outside)
            if p.is_file():
                out.append((p, period if period is not None else (None if got is None else _as_text(got))))
        return out

    def periods(self, folder: Path, *, allow_outside: bool = False) -> set[str]:
        """The periods for which the pattern names at least one file."""
        return {p for _, p in self.matches(folder, allow_outside=allow_outside) if p is not None}


def _strftime(fmt: str, year: int, month: int) -> str:
    values = {"Y": f"{year:04d}", "y": f"{year % 100:02d}", "m": f"{month:02d}", "b": _MONTHS[month - 1][:3],
              "B": _MONTHS[month - 1], "d": "01", "%": "%"}
    return _DIRECTIVE.sub(lambda m: values[m.group(1)], fmt)


def _split(fmt: str) -> list[tuple[str, str]]:
    """``fmt`` as (kind, text) pieces: ('lit', text) or ('dir', letter)."""
    out, pos = [], 0
    for m in _DIRECTIVE.finditer(fmt):
        if m.start() > pos:
            out.append(("lit", fmt[pos:m.start()]))
        out.append(("lit", "%") if m.group(1) == "%" else ("dir", m.group(1)))
        pos = m.end()
    if pos < len(fmt):
        out.append(("lit", fmt[pos:]))
    return out


def _fixed_regex(fmt: str, year: int, month: int) -> str:
    out = []
    for kind, text in _split(fmt):
        if kind == "lit":
            out.append(re.escape(text))
        elif text in ("b", "B"):
            out.append("(?i:" + re.escape(_strftime("%" + text, year, month)) + ")")
        else:
            out.append(re.escape(_strftime("%" + text, year, month)))
    return "".join(out)


_CAPTURE = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"0[1-9]|1[0-2]", "d": "01",
            "b": "(?i:" + "|".join(m[:3] for m in _MONTHS) + ")", "B": "(?i:" + "|".join(_MONTHS) + ")"}


def _capture_regex(fmt: str, k: int) -> tuple[str, list[str]]:
    out, names = [], []
    for j, (kind, text) in enumerate(_split(fmt)):
        if kind == "lit":
            out.append(re.escape(text))
        elif text == "d":
            out.append("01")
        else:
            name = f"p{k}_{j}_{text}"
            names.append(name)
            out.append(f"(?P<{name}>{_CAPTURE[text]})")
    return "".join(out), names


def _periods(m: re.Match[str], groups: list[list[str]]) -> Period | None | Literal[False]:
    """The period a match names (``None``: no placeholder), or False when its placeholders
    disagree (``2026-10/cyp_Nov2026.xlsx``)."""
    seen: set[Period] = set()
    for names in groups:
        year = month = None
        for name in names:
            d, v = name.rsplit("_", 1)[1], m.group(name)
            if d == "Y":
                y = int(v)
            elif d == "y":
                y = 2000 + int(v)
            elif d == "m":
                mo = int(v)
            else:
                mo = [x.casefold() if d == "B" else x[:3].casefold() for x in _MONTHS].index(v.casefold()) + 1
            if d in ("Y", "y"):
                if year is not None and year != y:
                    return False
                year = y
            else:
                if month is not None and month != mo:
                    return False
                month = mo
        assert year is not None and month is not None  # parse() requires both
        seen.add((year, month))
    if len(seen) > 1:
        return False
    return next(iter(seen)) if seen else None


def latest_period(patterns: list[FilePattern], folder: Path, *, allow_outside: bool = False, where: str = "") -> str:
    """The latest period for which every pattern naming the period has at least one file.

    Raises
    ------
    InputNotFoundError
        If no period has a file for every such pattern (the message lists each one's periods).
    """
    from contextmap._errors import InputNotFoundError

    have = [(p, p.periods(folder, allow_outside=allow_outside)) for p in patterns if p.has_period]
    if not have:
        raise ConfigError(f"{where}: no source's file names the {{period}}")
    common = set.intersection(*(s for _, s in have))
    if common:
        return max(common)

    def listing(s: set[str]) -> str:
        return ", ".join(sorted(s)[-6:]) if s else "none"

    detail = "; ".join(f"{p.where} {p.text!r} has {listing(s)}" for p, s in have)
    raise InputNotFoundError(f"{where}: no period has a file for every {{period}} source in {str(folder)!r}: {detail}")

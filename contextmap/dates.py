"""Parse date and date-time cells the way the data contract allows, without guessing.

Accepted forms (see ``docs/data-contract.md``):

* ISO: ``2026-11-23``, ``2026-11-23T14:05``, ``2026-11-23 14:05:00`` (seconds optional,
  fractions of a second ignored);
* UK day-first: ``23/11/2026``, ``23/11/2026 14:05``, with ``/``, ``-`` or ``.`` between
  day, month and year (the same separator twice).

Two-digit years (``23/11/26``), US month-first dates, dates that do not exist
(``31/02/2026``, ``13/13/2026``) and anything else are reported, never guessed; a date that
does not exist day-first but does month-first (``03/14/1996``) is named as month-first. Parsing is
vectorised: a whole column is parsed in a few regular-expression passes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from contextmap._errors import ConfigError

if TYPE_CHECKING:
    from contextmap.dataset import Dataset

__all__ = ["parse_dates", "parse_date_option", "period_bounds", "month_first_reason", "age_label", "ADULT_AGE",
           "REASON_FORMAT", "REASON_IMPOSSIBLE", "REASON_TWO_DIGIT_YEAR", "REASON_MONTH_FIRST"]

REASON_FORMAT = "not a recognised date (use YYYY-MM-DD or DD/MM/YYYY, optionally with HH:MM)"
REASON_IMPOSSIBLE = "impossible date or time (no such day, month or hour, or a year before 1800 or after 2200)"
REASON_TWO_DIGIT_YEAR = "two-digit year is ambiguous (write the year in full)"
REASON_MONTH_FIRST = ("reads as month-first (US): {date}? contextmap reads dates day-first (DD/MM/YYYY); "
                      "write it day-first or as YYYY-MM-DD, or declare the column's format in the mapping "
                      "(date_formats, e.g. '%m/%d/%Y')")
"""The reason for a day-first date that does not exist but reads as a real month-first date
(``03/14/1996``); ``{date}`` is that date written out (``14 March 1996``)."""
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")

_TIME = r"(?:[T ]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
_ISO = r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME + r"$"
_MIN_YEAR, _MAX_YEAR = 1800, 2200
ADULT_AGE = 18
"""From this age in completed years, :func:`age_label` says ``"adult"``."""  # inside datetime64[ns]; anything else is a typo
_TWO_DIGIT = r"^[0-9]{1,2}([/.\-])[0-9]{1,2}\1[0-9]{2}(?:[T ].*)?$"  # ASCII digits, as RE2 reads the forms


_PARTS = ("year", "month", "day", "hour", "minute", "second")
# The forms run in pyarrow's RE2 engine (one pass over a column in C++), which has no
# back-references: the UK form captures both separators and keeps the match only when they are
# the same. RE2's ``\d`` is ASCII digits only: a date in another script's digits is "not a
# recognised date".
_UK_RE2 = (r"^(?P<day>\d{1,2})(?P<sep>[/.\-])(?P<month>\d{1,2})(?P<sep2>[/.\-])(?P<year>\d{4})"
           + _TIME + r"$")


def _extract(text: pd.Series, pattern: str) -> pd.DataFrame:
    """The named parts of ``pattern`` in each cell as integers (0 for an absent optional
    part), for the rows where it matches; one vectorised pass in pyarrow."""
    arr = pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.string())
    found = pc.extract_regex(arr, pattern)
    hit = np.asarray(found.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if "sep2" in found.type.names:
        same = pc.equal(pc.struct_field(found, "sep"), pc.struct_field(found, "sep2"))
        hit &= np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False), dtype=bool)
    found = found.filter(pa.array(hit))
    parts = {}
    for name in _PARTS:
        field = pc.struct_field(found, name)
        digits = pc.if_else(pc.equal(field, ""), "0", field)
        parts[name] = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    return pd.DataFrame(parts, index=text.index[hit])


def _from_parts(frame: pd.DataFrame) -> pd.Series:
    """Build timestamps from integer parts; impossible combinations become NaT."""
    ok = (
        frame["month"].between(1, 12)
        & frame["day"].between(1, 31)
        & frame["hour"].between(0, 23)
        & frame["minute"].between(0, 59)
        & frame["second"].between(0, 59)
        & frame["year"].between(_MIN_YEAR, _MAX_YEAR)
    )
    out = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if ok.any():
        built = pd.to_datetime(frame[ok], errors="coerce")  # 31 February -> NaT
        out[ok] = built.astype("datetime64[ns]")
    return out


def month_first_reason(day: int, month: int, year: int) -> str:
    """The reason for a date written month-first: ``month_first_reason(14, 3, 1996)`` for
    ``03/14/1996`` (read day-first: month 14).

    Examples
    --------
    >>> month_first_reason(14, 3, 1996).split("?")[0]
    'reads as month-first (US): 14 March 1996'
    """
    return REASON_MONTH_FIRST.format(date=f"{day} {_MONTHS[month - 1]} {year}")


def _month_first(parts: pd.DataFrame, failed: pd.Index) -> pd.Series:
    """For UK-form cells that failed day-first: the month-first reason where day and month
    swapped make a real date (``03/14/1996``), else NA."""
    p = parts.loc[failed]
    swap = p.assign(day=p["month"], month=p["day"])
    ok = p["month"].between(13, 31) & p["day"].between(1, 12)
    out = pd.Series(pd.NA, index=failed, dtype="string")
    if not ok.any():
        return out
    built = _from_parts(swap[ok])
    real = built.notna()
    for i in built.index[real.to_numpy()]:
        out[i] = month_first_reason(int(swap.at[i, "day"]), int(swap.at[i, "month"]), int(swap.at[i, "year"]))
    return out


def parse_dates(
    values: pd.Series,
    *,
    kind: str = "datetime",
    date_format: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of date text.

    Parameters
    ----------
    values
        Cells as text; blank cells (after trimming) are missing, not errors.
    kind
        ``'date'`` keeps only the day (any time part is dropped), ``'datetime'`` keeps the time.
    date_format
        An explicit :func:`~datetime.datetime.strptime` format (from a mapping file) to use
        instead of the contract forms, for example ``'%d %b %Y'``.

    Returns
    -------
    parsed, reasons
        ``parsed`` is ``datetime64[ns]`` on the input index (``NaT`` where blank or invalid);
        ``reasons`` holds the reason text where a non-blank cell could not be parsed and
        ``NA`` elsewhere.

    Examples
    --------
    >>> s = pd.Series(["2026-11-23", "23/11/2026 14:05", "31/02/2026", "23/11/26", ""])
    >>> parsed, reasons = parse_dates(s)
    >>> [str(x) for x in parsed]
    ['2026-11-23 00:00:00', '2026-11-23 14:05:00', 'NaT', 'NaT', 'NaT']
    >>> reasons.notna().tolist()
    [False, False, True, True, False]
    """
    if kind not in ("date", "datetime"):
        raise ValueError(f"Expected kind to be 'date' or 'datetime', instead got: {kind!r}")
    text = values.astype("string").str.strip().fillna("")
    blank = text == ""
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    reasons = pd.Series(pd.NA, index=values.index, dtype="string")
    if blank.all():
        return parsed, reasons
    if date_format is not None:
        got = pd.to_datetime(text[~blank], format=date_format, errors="coerce")
        got = got.where((got.dt.year >= _MIN_YEAR) & (got.dt.year <= _MAX_YEAR))
        parsed[~blank] = got.astype("datetime64[ns]")
        reasons[~blank & parsed.isna()] = f"does not match the date format {date_format!r} declared in the mapping"
    else:
        todo = text[~blank]
        found = pd.Series(False, index=todo.index)
        for pattern in (_ISO, _UK_RE2):
            parts = _extract(todo[~found], pattern)
            if len(parts):
                got = _from_parts(parts)
                parsed[got.index] = got
                found[got.index] = True
                failed = got.index[got.isna().to_numpy()]
                reasons[failed] = REASON_IMPOSSIBLE
                if pattern is _UK_RE2 and len(failed):
                    us = _month_first(parts, failed)
                    reasons[us.index[us.notna().to_numpy()]] = us.dropna()
        rest = todo[~found]
        if len(rest):
            two = rest.str.match(_TWO_DIGIT)
            reasons[rest.index] = np.where(two, REASON_TWO_DIGIT_YEAR, REASON_FORMAT)
    if kind == "date":
        parsed = parsed.dt.normalize()
    return parsed, reasons


def parse_date_option(value: Any, *, name: str, kind: str = "datetime") -> pd.Timestamp | None:
    """Read one date given as an option (``--from``, ``as_of``...) exactly as the data
    contract reads a date cell: ISO (``2026-11-01``) or UK day-first (``01/11/2026`` is
    1 November 2026), optionally with a time.

    Parameters
    ----------
    value
        Text, a ``datetime``/``date``/``Timestamp``, or None (returned as None).
    name
        The option's name, for the error message.
    kind
        ``'date'`` drops any time part.

    Raises
    ------
    ConfigError
        If the text is not one of the contract's forms (a two-digit year, a US month-first
        date, an impossible day...), naming the option and the value.

    Examples
    --------
    >>> parse_date_option("01/11/2026", name="--from")
    Timestamp('2026-11-01 00:00:00')
    >>> parse_date_option("2026-11-13T09:30", name="--to")
    Timestamp('2026-11-13 09:30:00')
    >>> parse_date_option("11/23/2026", name="--to")
    Traceback (most recent call last):
    ...
    contextmap._errors.ConfigError: Expected --to to be a date written YYYY-MM-DD or DD/MM/YYYY (day first: 01/11/2026 is 1 November 2026), instead got: '11/23/2026' (reads as month-first (US): 23 November 2026?)
    """
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            raise ConfigError(f"Expected {name} to be a date, instead got: {value!r}")
        if ts.tzinfo is not None:
            ts = ts.tz_convert("Europe/London").tz_localize(None)
        return ts.normalize() if kind == "date" else ts
    if not isinstance(value, str):
        raise ConfigError(f"Expected {name} to be a date such as '2026-11-01' or '01/11/2026', instead got: {value!r}")
    parsed, reasons = parse_dates(pd.Series([value]), kind="date" if kind == "date" else "datetime")
    if not value.strip() or pd.notna(reasons.iloc[0]):
        why = reasons.iloc[0] if pd.notna(reasons.iloc[0]) else "blank"
        if why.startswith(REASON_MONTH_FIRST[:20]):
            why = why.split("?")[0] + "?"  # the mapping's date_formats is no help for an option
        raise ConfigError(
            f"Expected {name} to be a date written YYYY-MM-DD or DD/MM/YYYY (day first: 01/11/2026 is "
            f"1 November 2026), instead got: {value!r} ({why})"
        )
    return pd.Timestamp(parsed.iloc[0])


def _ts(value: Any, name: str) -> pd.Timestamp | None:
    return parse_date_option(value, name=name)


def _latest_date(ds: Dataset) -> pd.Timestamp | None:
    cands = []
    for frame, col in ((ds.episodes, "reported_at"), (ds.episodes, "returned_at"), (ds.links, "observed_on")):
        if col in frame and len(frame):
            m = frame[col].max()
            if pd.notna(m):
                cands.append(pd.Timestamp(m))
    return max(cands).normalize() if cands else None


def period_bounds(
    ds: Dataset | None, *, start: Any = None, end: Any = None, default_months: int | None = None
) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    """Return the period ``(start, end)`` as midnight timestamps; both ends are inclusive days.

    ``end`` defaults to the latest date in the data (episodes and links). ``start`` defaults
    to ``None`` (no lower bound) or, when ``default_months`` is given, to the day after
    ``end`` minus that many months (so 12 gives the 12 months up to ``end``).

    Raises
    ------
    ConfigError
        If a date cannot be read or ``start`` is after ``end``.

    Examples
    --------
    >>> from contextmap.dates import period_bounds
    >>> period_bounds(None, start="2024-01-01", end="2024-03-31")
    (Timestamp('2024-01-01 00:00:00'), Timestamp('2024-03-31 00:00:00'))
    """
    s = _ts(start, "start")
    e = _ts(end, "end")
    if e is None:
        e = _latest_date(ds) if ds is not None else None
        if e is None:
            e = pd.Timestamp.today().normalize()
    e = e.normalize()
    if s is None and default_months:
        s = e - pd.DateOffset(months=default_months) + pd.Timedelta(days=1)
    if s is not None:
        s = s.normalize()
        if s > e:
            raise ConfigError(f"start {str(s.date())!r} is after end {str(e.date())!r}")
    return s, e


def _to_timestamp(value: Any) -> pd.Timestamp | None:
    """``value`` as a timestamp (a date, datetime, Timestamp or contract text), else None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        parsed, reasons = parse_dates(pd.Series([text]), kind="date")
        return None if pd.notna(reasons.iloc[0]) or pd.isna(parsed.iloc[0]) else pd.Timestamp(parsed.iloc[0])
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else ts
    return None


def age_label(date_of_birth: Any, *, on: Any) -> str:
    """Age in completed years on ``on`` as a meeting says it: ``"15"``, ``"adult"`` or ``""``.

    ``"adult"`` from :data:`ADULT_AGE` (18); ``""`` when the date of birth is missing,
    unreadable, or after ``on`` (an impossible age is not guessed). Text is read as the
    data contract reads a date cell (ISO or UK day-first).

    Parameters
    ----------
    date_of_birth
        A date, datetime, Timestamp, contract text (``'2010-06-12'``, ``'12/06/2010'``), or
        missing (None, NaT, NA).
    on
        The day the age is given for (for a pack, the end of its period).

    Examples
    --------
    >>> age_label("2010-06-12", on="2026-06-11")
    '15'
    >>> age_label("12/06/2010", on="2026-06-12")
    '16'
    >>> age_label("1985-08-15", on="2026-10-31")
    'adult'
    >>> age_label(None, on="2026-10-31"), age_label("2030-01-01", on="2026-10-31"), age_label("soon", on="2026-10-31")
    ('', '', '')
    """
    when = _to_timestamp(on)
    if when is None:
        raise ConfigError(f"Expected on to be a date, instead got: {on!r}")
    born = _to_timestamp(date_of_birth)
    if born is None or born.normalize() > when.normalize():
        return ""
    years = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    return "adult" if years >= ADULT_AGE else str(years)

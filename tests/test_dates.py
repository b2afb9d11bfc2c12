"""parse_dates against a cell-by-cell reference written straight from the data contract.

The column parser is vectorised (pyarrow's regular expressions, then Python's for the cells
they do not match); the reference here reads one cell at a time with ``re.fullmatch`` and
``datetime``. Hypothesis writes the cells: contract forms, near misses (wrong separators,
impossible days and hours, two-digit years, other scripts' digits) and noise.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextmap.dates import (
    REASON_FORMAT,
    REASON_IMPOSSIBLE,
    REASON_TWO_DIGIT_YEAR,
    month_first_reason,
    parse_date_option,
    parse_dates,
)

TIME = r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + TIME, re.ASCII)
UK = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})" + TIME, re.ASCII)
TWO = re.compile(r"\d{1,2}([/.\-])\d{1,2}\1\d{2}(?:[T ].*)?", re.ASCII)


def reference(cell: str | None) -> tuple[dt.datetime | None, str | None]:
    """One cell as the contract reads it: (timestamp or None, reason or None)."""
    text = (cell or "").strip()
    if not text:
        return None, None
    m = ISO.fullmatch(text)
    if m:
        y, mo, d, h, mi, s = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
    else:
        m = UK.fullmatch(text)
        if not m:
            return None, REASON_TWO_DIGIT_YEAR if TWO.fullmatch(text) else REASON_FORMAT
        d, mo, y, h, mi, s = m.group(1), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7)
    try:
        year = int(y)
        if not 1800 <= year <= 2200:
            raise ValueError(year)
        return dt.datetime(year, int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0)), None
    except ValueError:
        if ISO.fullmatch(text) or not (13 <= int(mo) <= 31 and 1 <= int(d) <= 12) or not 1800 <= year <= 2200:
            return None, REASON_IMPOSSIBLE  # a year out of range is the fault, whichever way it is read
        try:  # day-first it does not exist; month-first it does: say so
            dt.datetime(year, int(d), int(mo), int(h or 0), int(mi or 0), int(s or 0))
        except ValueError:
            return None, REASON_IMPOSSIBLE
        return None, month_first_reason(int(mo), int(d), year)


digits = st.sampled_from("0123456789")
odd_digit = st.sampled_from("0123456789٣٢۷")  # Arabic-Indic and Persian digits are not the contract's
num = lambda lo, hi: st.text(odd_digit | digits, min_size=lo, max_size=hi)  # noqa: E731
sep = st.sampled_from(["/", "-", ".", " ", ""])
time_part = st.one_of(st.just(""), st.builds(lambda j, h, m, s: f"{j}{h}:{m}{s}", st.sampled_from(["T", " ", "  ", "\t"]),
                                             num(1, 2), num(2, 2), st.sampled_from(["", ":00", ":59", ":60", ":07.25"])))
iso = st.builds(lambda y, a, m, b, d, t: f"{y}{a}{m}{b}{d}{t}", num(4, 4), sep, num(1, 2), sep, num(1, 2), time_part)
uk = st.builds(lambda d, a, m, b, y, t: f"{d}{a}{m}{b}{y}{t}", num(1, 2), sep, num(1, 2), sep, num(2, 4), time_part)
cells = st.lists(st.one_of(iso, uk, st.text(max_size=12), st.none(),
                           st.builds(lambda c: f"  {c}\n", iso)), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(cells, st.sampled_from(["str", "object"]))
def test_parse_dates_agrees_with_the_cell_by_cell_reference(values: list[str | None], dtype: str) -> None:
    parsed, reasons = parse_dates(pd.Series(values, dtype=dtype))
    for cell, got, why in zip(values, parsed, reasons, strict=True):
        want, want_why = reference(cell)
        assert (None if pd.isna(got) else got.to_pydatetime()) == want, cell
        assert (None if pd.isna(why) else why) == want_why, cell


@pytest.mark.parametrize("cell, want", [
    ("2026-11-23", "2026-11-23 00:00:00"),
    ("23-11-2026 07:05:09", "2026-11-23 07:05:09"),
    ("٢٠٢٦-11-23", "NaT"),  # the contract's digits are ASCII
    ("23/11.2026", "NaT"),  # two different separators
    ("29/02/2025", "NaT"),
])
def test_parse_dates_known_cells(cell: str, want: str) -> None:
    parsed, _ = parse_dates(pd.Series([cell, "2026-01-01"]))
    assert str(parsed.iloc[0]) == want
    assert str(parsed.iloc[1]) == "2026-01-01 00:00:00"


def test_parse_dates_keeps_the_index_and_the_date_kind() -> None:
    s = pd.Series(["23/11/2026 14:05", "", "2026-13-01"], index=[10, 20, 30])
    parsed, reasons = parse_dates(s, kind="date")
    assert parsed.index.tolist() == [10, 20, 30]
    assert str(parsed[10]) == "2026-11-23 00:00:00"
    assert pd.isna(parsed[20]) and pd.isna(reasons[20])
    assert reasons[30] == REASON_IMPOSSIBLE


@pytest.mark.parametrize("cell, named", [
    ("03/14/1996", "14 March 1996"),
    ("12-25-2026", "25 December 2026"),
    ("02.29.2024 10:30", "29 February 2024"),
])
def test_a_date_that_reads_only_month_first_is_named_as_such(cell, named) -> None:
    parsed, reasons = parse_dates(pd.Series([cell]), kind="date")
    assert pd.isna(parsed.iloc[0])  # never guessed
    assert reasons.iloc[0].startswith(f"reads as month-first (US): {named}?")
    assert "contextmap reads dates day-first" in reasons.iloc[0]


@pytest.mark.parametrize("cell", ["02/30/2026", "31/02/2026", "13/13/2026", "12/25/2026 25:00", "2026-13-01", "00/13/2026"])
def test_a_date_that_exists_neither_way_stays_impossible(cell) -> None:
    assert parse_dates(pd.Series([cell]))[1].iloc[0] == REASON_IMPOSSIBLE


def test_a_month_first_option_is_named_without_the_mapping_advice() -> None:
    with pytest.raises(ValueError) as e:
        parse_date_option("11/23/2026", name="--to")
    assert "(reads as month-first (US): 23 November 2026?)" in str(e.value) and "date_formats" not in str(e.value)


# --- age_label: the age a meeting says -------------------------------------------------------


@pytest.mark.parametrize(("dob", "on", "want"), [
    ("2010-06-12", "2026-06-11", "15"),            # the day before the birthday
    ("2010-06-12", "2026-06-12", "16"),            # on the birthday
    ("12/06/2010", "2026-06-12", "16"),            # UK day-first, as the data contract reads it
    ("2008-10-31", "2026-10-31", "adult"),         # 18 today
    ("2008-11-01", "2026-10-31", "17"),
    ("2012-02-29", "2026-02-28", "13"),            # a leap-day birthday is not reached on 28 February
    ("2012-02-29", "2026-03-01", "14"),
    (pd.Timestamp("1985-08-15"), pd.Timestamp("2026-10-31"), "adult"),
    (None, "2026-10-31", ""), (pd.NaT, "2026-10-31", ""), (pd.NA, "2026-10-31", ""), ("", "2026-10-31", ""),
    ("2030-01-01", "2026-10-31", ""),               # born after the day asked about: not guessed
    ("31/02/2010", "2026-10-31", ""), ("06/12/10", "2026-10-31", ""), ("soon", "2026-10-31", ""),
    ("\u0662\u0660\u0661\u0660-01-01", "2026-10-31", ""),  # another script's digits: not a recognised date
])
def test_age_label(dob, on, want) -> None:
    from contextmap.dates import age_label

    assert age_label(dob, on=on) == want


def test_age_label_needs_a_day_to_count_to() -> None:
    from contextmap._errors import ConfigError
    from contextmap.dates import age_label

    with pytest.raises(ConfigError, match="Expected on to be a date"):
        age_label("2010-01-01", on=None)

"""Spoken pseudonyms: short names a meeting can say aloud, by rank (contextmap.privacy.pseudonyms)."""

from __future__ import annotations

import pytest

from contextmap.privacy.pseudonyms import SPOKEN_PREFIX, spoken_code, spoken_names


def test_letter_codes_run_like_spreadsheet_columns_and_never_repeat():
    codes = [spoken_code(i) for i in range(26 * 27 + 5)]
    assert codes[:3] == ["A", "B", "C"] and codes[25:28] == ["Z", "AA", "AB"] and codes[701:703] == ["ZZ", "AAA"]
    assert len(set(codes)) == len(codes) and all(c.isalpha() and c.isupper() for c in codes)
    with pytest.raises(ValueError, match="whole number"):
        spoken_code(-1)
    with pytest.raises(ValueError, match="whole number"):
        spoken_code(True)


def test_spoken_names_follow_the_order_given_and_keep_the_first_code():
    names = spoken_names(["Child-Z9", "Child-A1", "Child-Z9", "Child-B2"], kind="child")
    assert names == {"Child-Z9": "Child A", "Child-A1": "Child B", "Child-B2": "Child C"}
    assert spoken_names([f"P{i}" for i in range(30)], kind="person")["P29"] == "Person AD"
    assert set(SPOKEN_PREFIX) == {"child", "person", "location"}
    with pytest.raises(ValueError, match="kind"):
        spoken_names(["E1"], kind="episode")

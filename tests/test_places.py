"""What a map page says about each place: packed small, read back whole, in plain words."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import INJECTION_NAMES

from contextmap.views.html import age_label
from contextmap.views.places import decode_columns, encode_strings, grading_words, place_columns


def _places(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame({
        "location_id": [f"L{i}" for i in range(n)],
        "name": [INJECTION_NAMES["place"], "Elm Park", "Elm Park", "Ｅlm Park\u200b"][:n],  # look-alike, invisible
        "category": ["park", "shop", "park", "park"][:n], "rank": list(range(1, n + 1)),
        "persons_seen": [2, 1, 0, 0][:n], "children_with_poc": [3, 0, 0, 0][:n],
        "missing_found_away": [1, 0, 0, 0][:n], "repeat_children": [2, 1, 0, 0][:n],
        "children": [5, 2, 1, 1][:n], "episodes": [7, 2, 1, 1][:n],
        "first_seen": pd.to_datetime(["2024-01-31", "2024-02-29", None, "2023-12-31"][:n]),
        "last_seen": pd.to_datetime(["2024-06-30"] * n),
        "grading_mix": ["1A P x2; 2C P x1; episode x4", "3D C x1", None, "ungraded x2"][:n],
        "persons": [["P1", "P2"], ["P2"], [], None][:n],
        "trend": ["new", "persistent", None, "emerging"][:n],
    })


def test_columns_read_back_whole_including_hostile_and_look_alike_names():
    hs = _places()
    lat = np.array([52.41234, 52.5, 52.5, 52.0])
    lon = np.array([-1.51234, -1.4, -1.4, -2.0])
    loc, persons = place_columns(hs, lat, lon, cls=np.array([4, 2, 0, 0]), categories=["park", "shop"],
                                 person_labels={"P1": "Big T", "P2": INJECTION_NAMES["person"]},
                                 new_ids=["L2"], emerging={"L0": "new", "L1": "persistent"})
    back = decode_columns(json.loads(json.dumps(loc)))  # through JSON, as the page gets it
    assert back["name"] == list(hs["name"])  # byte for byte: the look-alike and invisible letters kept
    assert back["lat"] == [52.41234, 52.5, 52.5, 52.0] and back["lon"][0] == -1.51234
    assert back["rank"] == [1, 2, 3, 4] and loc["rank"] is None  # ranks 1..n are not written
    assert back["first"] == ["2024-01-31", "2024-02-29", None, "2023-12-31"]
    assert back["emerging"] == ["new", "persistent", None, None]
    assert loc["new"] == [2]
    assert [[persons[k] for k in p] for p in loc["persons"]] == [["Big T", INJECTION_NAMES["person"]],
                                                                 [INJECTION_NAMES["person"]], [], []]
    assert back["poc"] == [2, 1, 0, 0] and back["missing"] == [1, 0, 0, 0] and back["withPoc"][0] == 3
    assert back["grading"][0] == ("3 pieces of intelligence (2 known directly or corroborated, 1 not corroborated); "
                                  "4 missing episodes")
    assert back["grading"][1] == "1 piece of intelligence (1 not known to be true)"
    assert back["cat"] == [0, 1, 0, 0]


def test_repeated_strings_are_written_once():
    n = 1000
    hs = pd.DataFrame({"location_id": [f"L{i}" for i in range(n)], "name": ["Flat 1, 3 Wren Road"] * n,
                       "rank": range(1, n + 1), "grading_mix": ["1A P x2; episode x40"] * n})
    loc, _ = place_columns(hs, np.full(n, 52.4), np.full(n, -1.5), cls=np.zeros(n, int), categories=["other"],
                           person_labels={})
    assert loc["name"]["dict"] == ["Flat 1, 3 Wren Road"] and len(loc["grading"]["dict"]) == 1
    plain = len(json.dumps([["Flat 1, 3 Wren Road", "1A P x2; episode x40"]] * n))
    assert len(json.dumps(loc)) < plain / 2
    assert encode_strings([None, None]) is None


def test_persons_of_concern_say_adult_or_age_so_namesakes_are_told_apart():
    hs = _places(2)
    hs["persons"] = [["P1", "P2"], ["P2"]]
    loc, persons = place_columns(hs, np.array([52.4, 52.5]), np.array([-1.5, -1.4]), cls=np.array([1, 0]),
                                 categories=["park", "shop"], person_labels={"P1": "Jordan Pike", "P2": "Jordan Pike"},
                                 person_dobs={"P1": "1990-03-01", "P2": "2009-07-01"}, on="2024-06-30")
    assert persons == ["Jordan Pike (adult)", "Jordan Pike (14)"]
    # no date of birth: the label alone (nothing guessed)
    _, bare = place_columns(hs, np.array([52.4, 52.5]), np.array([-1.5, -1.4]), cls=np.array([1, 0]),
                            categories=["park", "shop"], person_labels={"P1": "Jordan Pike"},
                            person_dobs={"P1": None}, on="2024-06-30")
    assert bare == ["Jordan Pike", "P2"]


@pytest.mark.parametrize(("dob", "on", "expected"), [
    ("2006-07-01", "2024-06-30", "17"), ("2006-06-30", "2024-06-30", "adult"), ("29/02/2008", "2024-02-28", "15"),
    ("2025-01-01", "2024-06-30", ""), (None, "2024-06-30", ""), ("", "2024-06-30", ""), ("31/31/2000", "2024-06-30", ""),
])
def test_age_label(dob, on, expected):
    assert age_label(dob, on=on) == expected


def test_grading_words_never_show_codes():
    text = grading_words("1A P x1; 1B C x3; 2C P x2; 3E P x1; episode x1; odd x2")
    assert text is not None
    assert "1A" not in text and "1B C" not in text and " x" not in text.replace(" not", "")
    assert text.startswith("7 pieces of intelligence (4 known directly or corroborated, 2 not corroborated, "
                           "1 not known to be true)")
    assert grading_words("") is None and grading_words(float("nan")) is None

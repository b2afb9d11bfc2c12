"""Place text matched to known places: each way of matching, and the guards that keep it precise."""

from __future__ import annotations

import pandas as pd
import pytest

from contextmap.ingest.placematch import PlaceIndex, match_place_texts, provisional_place_id
from contextmap.ingest.placetext import compile_boilerplate, parse_place_text


@pytest.fixture
def index() -> PlaceIndex:
    lo = pd.DataFrame({
        "location_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10"],
        "name": ["61 Sallow Street, Ellerwick", "Dunmere Road Car Wash", "Chicken Palace, Dunmere Road",
                 "Ellerwick Recreation Ground", "Willowby Retail Park car park", "Flat 2, 61 Sallow Street",
                 "Star Pizza, Quillet Lane", "Quickstop, Quillet Lane", "McDonald's Botchergate", "Riverside Park"],
        "postcode": ["EL1 2AB", None, "EL1 3CD", None, None, "EL1 2AB", None, None, None, "EL1 5AA"],
        "easting": [340270.0, None, None, None, None, None, None, None, None, 340800.0],
        "northing": [555480.0, None, None, None, None, None, None, None, None, 555300.0],
        "category": ["address", "other", "food_outlet", "park", "other", "address", "food_outlet", "shop",
                     "food_outlet", "park"],
    })
    return PlaceIndex.build(lo)


def _match(index: PlaceIndex, text: str, **kw) -> str | None:
    return index.match(parse_place_text(text), **kw)[0]


@pytest.mark.parametrize("text, expected, how", [
    ("Found by police, 61 Sallow Street, Ellerwick", "L1", "name exact"),
    ("Found by police,61 sallow st", "L1", "address"),
    ("61 SALLOW ST", "L1", "address"),
    ("flat 2 61 sallow street", "L6", "name exact"),
    ("Flat 2, 61 Sallow St, Ellerwick", "L6", "address"),
    ("the car wash on Dunmere", "L2", "name similar"),
    ("Car Wash on Dunmere, Ellerwick", "L2", "every word"),
    ("Chicken Palace", "L3", "every word"),
    ("Chicken Palace, Ellerwick", "L3", "every word"),  # one unknown word (the town) left out
    ("the rec", "L4", "every word"),
    ("Maccies Botchergate", "L9", "name exact"),
    ("the takeaway on Quillet Lane", "L7", "kind of place and street"),
    ("Riverside Prak", "L10", "name similar"),  # a typo
    ("NY 40270 55480", "L1", "grid reference"),
    ("EL1 5AA", "L10", "postcode"),
])
def test_each_way_of_matching(index, text, expected, how):
    rid, conf, method = index.match(parse_place_text(text))
    assert rid == expected and how in method and 0.5 <= conf <= 1


@pytest.mark.parametrize("text", [
    "63 Sallow Street EL1 2AB",  # another house at the same postcode
    "63 Sallow Street",  # another house on the street
    "Sallow Street",  # a street is not a house on it
    "Dunmere",  # a street (half-named) is not the car wash or the takeaway on it
    "Willowby park",  # not "Willowby Retail Park car park"
    "takeaway on Wren Way",  # no place known on that street
    "Pizza Palace",  # one known word is not enough
])
def test_what_must_not_match(index, text):
    assert _match(index, text) is None


def test_ambiguity_is_said_not_guessed(index):
    index.add("L11", "Chicken Palace, Sallow Street", category="food_outlet")
    rid, _, why = index.match(parse_place_text("Chicken Palace"))
    assert rid is None and "matches 2 locations" in why
    assert _match(index, "Chicken Palace on Dunmere Road") == "L3"  # the street says which


def test_a_home_is_matched_strictly(index):
    # a postcode, a similar or a partial name never make a child's home
    assert _match(index, "EL1 5AA", strict=True) is None
    assert _match(index, "Chicken Palace", strict=True) is None
    assert _match(index, "61 Sallow Street", strict=True) == "L1"
    assert _match(index, "NY 40270 55480", strict=True) == "L1"  # an address inside the square


def test_unmatched_text_makes_one_provisional_place_per_address_or_name(index):
    texts = pd.Series(["Found by police, 14 Sallow St", "14 SALLOW STREET, Ellerwick", "Located at the old mill",
                       "the old mill", "a hotel", "Home", "61 Sallow Street", ""])
    m = match_place_texts(texts, index=index)
    ids = m.ids.tolist()
    assert ids[0] == ids[1] == provisional_place_id(parse_place_text("14 Sallow Street"))
    assert ids[2] == ids[3] != ids[0] and ids[2].startswith("prov-l-")
    assert ids[4] == ids[5] == ids[7] == "" and ids[6] == "L1"
    assert m.kind.tolist()[4:6] == ["unspecified", "own_home"] and m.own_home.tolist()[5]
    new = m.new.set_index("id")
    assert set(new.index) == {ids[0], ids[2]}
    assert new.loc[ids[0], "category"] == "address" and new.loc[ids[0], "name"] == "14 Sallow St"
    assert m.why.notna().tolist() == [True, True, True, True, False, False, False, False]
    assert "provisional one made for the same place" in m.why[1]
    # made places are known from then on: the next text naming the address matches it
    assert _match(index, "14 Sallow Street, EL1 2AB") == ids[0]


def test_a_provisional_place_keeps_what_its_text_says(index):
    m = match_place_texts(pd.Series(["Lay-by, NY 410 560", "the old mill EL9 9XX"]), index=index)
    new = m.new.set_index("name")
    assert (new.loc["Lay-by, NY 410 560", "easting"], new.loc["Lay-by, NY 410 560", "grid_size"]) == (341000.0, 100.0)
    assert new.loc["the old mill EL9 9XX", "postcode"] == "EL9 9XX"


def test_each_row_uses_its_own_sources_boilerplate(index):
    own = compile_boilerplate((r"whereabouts\s+established\s+as",))
    texts = pd.Series(["Whereabouts established as Chicken Palace", "Whereabouts established as Chicken Palace"])
    m = match_place_texts(texts, index=index, patterns=pd.Series([own, compile_boilerplate()]))
    assert m.ids[0] == "L3" and m.ids[1].startswith("prov-l-")


def test_mapping_turns_records_into_entities():
    lo = pd.DataFrame({"location_id": ["A", "B"], "name": ["Chicken Palace", "Chicken Palace, Dunmere Road"]})
    idx = PlaceIndex.build(lo, mapping={"B": "A"})
    assert idx.match(parse_place_text("chicken palace"))[0] == "A"  # one entity, not two places


def test_two_agencies_records_of_one_place_match_as_one():
    lo = pd.DataFrame({
        "location_id": ["POI-1", "LOC-9", "POI-2", "LOC-3", "POI-4"],
        "name": ["Millbeck Interchange", "MILLBECK INTERCHANGE", "Quickstop", "Quickstop", "Burger Barn, Ridge Avenue"],
        "postcode": ["EL1 7TW", "EL1 7TW", "EL1 1AA", "EL2 2BB", "EL1 9TY"],
        "easting": [340600.0, 340610.0, 340000.0, 345000.0, None],
        "northing": [556280.0, 556290.0, 555000.0, 558000.0, None],
    })
    idx = PlaceIndex.build(lo)
    rid, _, how = idx.match(parse_place_text("Millbeck Interchange"))
    assert rid == "LOC-9" and "one place, several records" in how  # the lowest id; resolution joins them
    assert _match(idx, "Quickstop") is None  # two shops 5 km apart with one name: which?
    assert _match(idx, "Quickstop, EL2 2BB") == "LOC-3"  # the postcode says which


def test_records_already_resolved_are_never_collapsed():
    lo = pd.DataFrame({"location_id": ["A", "B"], "name": ["Quickstop", "Quickstop"], "postcode": ["EL1 1AA", "EL1 1AA"]})
    idx = PlaceIndex.build(lo, mapping={"A": "A", "B": "B"})  # resolution kept them apart
    assert idx.match(parse_place_text("Quickstop"))[0] is None


def test_a_street_at_a_postcode_is_not_a_house_there(index):
    index.add("L20", "86 Brackenholme Road", postcode="EL3 8XU")
    index.add("L21", "Dragon Wok, Brackenholme Road", postcode="EL3 8XU")
    index.add("L22", "Vape Cave, Brackenholme Road", postcode="EL3 8XU")
    assert _match(index, "Brackenholme Road, EL3 8XU") is None  # which of the two shops? not the house
    assert _match(index, "Dragon Wok, EL3 8XU") == "L21"  # the name says which
    assert _match(index, "86 Brackenholme Rd, EL3 8XU") == "L20"


def test_a_half_named_street_must_name_one_street(index):
    index.add("L30", "Burger Barn, Ridge Avenue", category="food_outlet")
    assert _match(index, "the takeaway on Ridge") == "L30"
    index.add("L31", "Budget Stay, Ridge Terrace", category="hotel")
    assert _match(index, "the takeaway on Ridge") is None  # Ridge Avenue or Ridge Terrace?
    assert _match(index, "the takeaway on Ridge Avenue") == "L30"

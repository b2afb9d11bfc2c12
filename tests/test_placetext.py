"""Place text as agencies write it: boilerplate, non-places, addresses, postcodes, grid
references, read from hostile forms too (look-alike letters, invisible characters, odd case)."""

from __future__ import annotations

import math

import pytest

from contextmap.ingest.placetext import (
    clean_place_text,
    compile_boilerplate,
    non_place_kind,
    normalise_place_name,
    parse_place_text,
    strip_boilerplate,
)
from contextmap.resolve.places import normalise_place_name as resolve_normaliser


@pytest.mark.parametrize("text, place", [
    ("Found by police, 61 Sallow Street, Ellerwick", "61 Sallow Street, Ellerwick"),
    ("Found by police,61 sallow st", "61 sallow st"),
    ("FOUND BY POLICE AT Chicken Palace", "Chicken Palace"),
    ("Located at: the car wash on Dunmere", "the car wash on Dunmere"),
    ("located by officers walking on Quillet Lane", "Quillet Lane"),
    ("Police located her at the rec", "the rec"),
    ("Picked up from Chicken Palace by police", "Chicken Palace"),
    ("Found safe and well at 61 Sallow St - NFA", "61 Sallow St"),
    ("Location: Riverside Park", "Riverside Park"),
    ("at the old mill", "the old mill"),
])
def test_agency_boilerplate_is_stripped(text, place):
    assert strip_boilerplate(text) == place


@pytest.mark.parametrize("text", ["Police Station", "Seenway Road", "Inglewood Road", "Stand By Me Cafe",
                                  "Foundry Lane", "Atkinson Street"])
def test_places_that_begin_like_boilerplate_are_kept_whole(text):
    assert strip_boilerplate(text) == text


def test_a_source_adds_its_own_boilerplate_and_it_is_used_first():
    own = compile_boilerplate((r"whereabouts\s+established\s+as",))
    text = "Whereabouts established as 61 Sallow Street"
    assert strip_boilerplate(text, own) == "61 Sallow Street"
    assert strip_boilerplate(text) == text  # not one of the defaults
    assert strip_boilerplate("Traced by PC 4471 to 61 Sallow Street") == "61 Sallow Street"  # a default


@pytest.mark.parametrize("text, kind", [
    ("Home", "own_home"),
    ("HOME", "own_home"),
    ("home address", "own_home"),
    ("Returned home of own accord", "own_home"),
    ("RETURNED HOME OF OWN ACORD", "own_home"),
    ("returned to placement", "own_home"),
    ("Foster carers", "own_home"),
    ("Returned of own accord", "own_accord"),
    ("self presented", "own_accord"),
    ("friends house", "someone_home"),
    ("Friend\u2019s House", "someone_home"),  # a curly apostrophe
    ("freinds  house", "someone_home"),  # misspelt, two spaces
    ("a friend's flat", "someone_home"),
    ("boyfriends", "someone_home"),
    ("Tyler's flat", "someone_home"),
    ("a hotel", "unspecified"),
    ("A HOTEL", "unspecified"),
    ("Hotel", "unspecified"),
    ("some flat", "unspecified"),
    ("the street", "unspecified"),
    ("in town", "unspecified"),
    ("unknown", "unknown"),
    ("Unkown", "unknown"),
    ("don't know", "unknown"),
    ("Dont Know", "unknown"),
    ("N/K", "unknown"),
    ("not stated", "unknown"),
    ("would not say", "unknown"),
    ("", "unknown"),
])
def test_non_places_are_recognised_in_any_case_and_spelling(text, kind):
    assert non_place_kind(clean_place_text(text)) == kind


@pytest.mark.parametrize("text", [
    "Riverside Hotel", "Police Station", "the rec", "Home Bargains", "Homebase", "The Friends Meeting House",
    "Mum's Kitchen", "Hotel Chocolat", "St Mary's Place", "Chicken Palace", "Park", "friends house, 61 Sallow St",
    "Flat 2, 61 Sallow Street", "EL1 2AB", "NY 40270 55480", "Sunnyside Care Home", "Town Hall",
])
def test_real_places_are_never_taken_for_non_places(text):
    assert non_place_kind(clean_place_text(text)) is None


def test_look_alike_letters_and_invisible_characters_read_as_plain_text():
    cyrillic_o = "H\u043eme"  # a Cyrillic o: looks like "Home"
    assert cyrillic_o != "Home" and clean_place_text(cyrillic_o) == "Home"
    assert parse_place_text(cyrillic_o).kind == "own_home"
    hidden = "61\u200b Sall\u00adow\u00a0Street"  # zero-width space, soft hyphen, no-break space
    assert parse_place_text(hidden).street == "sallow street"
    greek = "\u0391 h\u03bftel"  # Greek capital alpha and omicron: "A hotel"
    assert parse_place_text(greek).kind == "unspecified"
    wide = "\uff16\uff11 Sallow Street"  # full-width digits
    assert parse_place_text(wide).number == "61"


def test_text_that_is_only_boilerplate_is_not_known():
    p = parse_place_text("Found by police")
    assert p.kind == "unknown" and not p.is_place


def test_addresses_house_numbers_flats_and_streets():
    p = parse_place_text("Found by police, Flat 2, 61a Sallow St, Ellerwick")
    assert (p.flat, p.number, p.street) == ("2", "61a", "sallow street")
    assert parse_place_text("61 St John's Rd").street == "saint johns road"
    q = parse_place_text("Chicken Palace, Dunmere Road")
    assert (q.number, q.street) == ("", "")  # no house number: not an address
    assert parse_place_text("61 Sallow St").key == parse_place_text("61 SALLOW STREET, Ellerwick").key


def test_postcodes_any_case_and_spacing():
    assert parse_place_text("61 Sallow Street el12ab").postcode == "EL1 2AB"
    assert parse_place_text("Sallow Street, EL1  2AB").postcode == "EL1 2AB"
    assert parse_place_text("Chicken Palace").postcode == ""


@pytest.mark.parametrize("text, e, n, size", [
    ("seen at NY 40270 55480", 340270.0, 555480.0, 1.0),
    ("ny4027055480", 340270.0, 555480.0, 1.0),
    ("Lay-by, NY 402 554", 340200.0, 555400.0, 100.0),
])
def test_grid_references_in_place_text(text, e, n, size):
    p = parse_place_text(text)
    assert (p.easting, p.northing, p.grid_size) == (e, n, size)


def test_what_only_looks_like_a_grid_reference_is_not_one():
    for text in ("NY 4027 554", "IZ 40270 55480", "AB12 CDE"):
        p = parse_place_text(text)
        assert math.isnan(p.easting) and p.grid_size == 0


def test_one_normaliser_for_ingest_and_resolution():
    assert resolve_normaliser is normalise_place_name
    assert normalise_place_name("Maccies, Botchergate") == "mcdonalds botchergate"
    assert normalise_place_name("the rec") == "recreation ground"

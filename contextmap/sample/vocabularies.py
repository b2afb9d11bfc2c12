"""The sample's invented vocabularies: names, places, streets, categories, code forms.

Every name here is invented (given names and surnames are combined at random). The
coordinates are those of the fictional county's centre, placed near Carlisle, Cumbria.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CENTRE", "RADIUS_M", "M_PER_DEG_LAT", "GIVEN_F", "GIVEN_M", "SURNAMES", "REGION_SURNAMES", "AREAS", "STREETS",
    "ABBREV", "FOOD", "PLACE_KINDS", "HOT_CATEGORIES", "POSTCODE_LETTERS", "GRADING_FORMS", "HOUR_P",
    "TOWN_PREFIXES", "TOWN_SUFFIXES", "STREET_STEMS", "STREET_SUFFIXES",
]

CENTRE = (54.8925, -2.9329)  # Carlisle, Cumbria (lat, lon)
RADIUS_M = 5000.0
M_PER_DEG_LAT = 111_320.0

GIVEN_F = (
    "Amber Chloe Demi Ella Freya Grace Holly Isla Jade Kacey Lacey Mia Megan Nadia Olivia "
    "Paige Rhianna Sophie Tia Zara Abbie Brooke Casey Eden Keira Leah Maisie Niamh Poppy Skye"
).split()
GIVEN_M = (
    "Aaron Bailey Callum Dylan Ethan Finley Harvey Jayden Kai Liam Mason Nathan Owen Reece "
    "Ryan Tyler Zak Alfie Brandon Connor Declan Ellis Jordan Kyle Logan Marcus Rhys Shay Toby Lewis"
).split()
SURNAMES = (
    "Ashby Bramwell Carrow Dunmore Eskdale Fenwick Garside Grant Hallam Hexley Irwell Jessop "
    "Kirkbride Lowther Maudsley Nettleton Orrell Pennick Quarmby Ridley Sowerby Thwaite Ullock "
    "Varley Wadsworth Yeadon Armer Blencow Calvert Dobson Elland Farrish Gilsland Harker Ivison "
    "Kellet Lamplugh Moffat Newby Otway Pattinson Raine Salkeld Tindale Routledge Wharton Brisco"
).split()
_SURNAME_STARTS = ("Ash Birk Brack Carl Cold Dal Elter Fell Gar Haver Ire Kes Lang Mell Nen Orm Pen Ray Scal "
                   "Thorn Ulver Wast Whel Yan Brough Croft Dent Grise Hart Kirk").split()
_SURNAME_ENDS = ("by well ton ham ley wick thwaite more dale stead field worth side gill holme shaw burn beck "
                 "wood croft ridge ford ing ett son er low stone mere garth").split()
REGION_SURNAMES = [*SURNAMES, *(a + b for a in _SURNAME_STARTS for b in _SURNAME_ENDS if a + b not in SURNAMES)]
"""The surnames of a region-like world (``names="region"`` in
:func:`~contextmap.sample.agencies.generate_agencies`): the 48 above and 897 made of two
parts ("Thornthwaite", "Kesgill"), so that few children share a full name, as in a real
region (about 1% of 2,000), where the 48 alone make half of them share one."""

AREAS = (
    "Northgate Eastfield Riverside Brackenholme Moorfield Willowby Stonegate Ashcroft Larkrise "
    "Fellside Kingsmead Edenbank Holmwood Thornby Castlebrook Millbeck Oakridge Sandholme"
).split()
STREETS = (
    "Botchergate|Fellside Road|Millbeck Street|Larkrise Avenue|Station Row|Tanners Lane|"
    "Holmwood Drive|Edenbank Terrace|Ashcroft Close|Kingsmead Way|Thornby Crescent|"
    "Willowby Road|Castlebrook Street|Moorfield Avenue|Stonegate Road|Oakridge Lane|"
    "Sandholme Street|Brackenholme Road|Northgate Street|Eastfield Avenue"
).split("|")
ABBREV = {" Road": " Rd", " Street": " St", " Avenue": " Ave", " Lane": " Ln",
           " Terrace": " Tce", " Crescent": " Cres", "Botchergate": "Botch'gate"}
FOOD = ("Chicken Palace", "Riverside Chicken", "Golden Fry", "Mega Kebab", "Star Pizza",
         "Perfect Chicken", "Dragon Wok", "Big Bite Burgers", "Fryday's", "Kebab King")
PLACE_KINDS = {
    "park": ("{a} Park", "{a} Rec", "{a} Playing Fields", "{a} Woods"),
    "shop": ("{a} Mini Market", "Quickstop, {s}", "Vape Cave, {s}", "{a} Late Shop"),
    "food_outlet": ("{f}, {s}",),
    "transport": ("{a} Bus Station", "{s} bus stop", "{a} Interchange", "{a} Halt"),
    "hotel": ("The {a} Lodge", "{a} Inn", "Budget Stay, {s}"),
    "school": ("{a} Academy", "{a} High School"),
    "other": ("{a} Skate Park", "{a} Leisure Centre", "Underpass by {s}", "Garages behind {s}",
              "{a} Retail Park car park"),
}
HOT_CATEGORIES = ("food_outlet", "park", "transport", "address", "hotel", "other", "shop")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

GRADING_FORMS = ("{s}{i} {h}",) * 16 + ("{s}{i}{h}", "{s}-{i}-{h}", "{s}{il} {hl}", " {s}{i} {h}")


HOUR_P = np.array([3, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 6, 7, 8, 9, 9, 8, 7, 5, 4], dtype=float)
HOUR_P /= HOUR_P.sum()

# --- a region: invented town and village names, street stems ------------------------------

TOWN_PREFIXES = (
    "Brack Crag Fell Gill Holl Kell Lenn Mord Pell Rask Skel Thurl Wend Yarr Quell Vant Dorn "
    "Harl Tarn Sower Marr Cald Blen Rud Ost"
).split()
"""First halves of invented town and village names (combined with :data:`TOWN_SUFFIXES`)."""

TOWN_SUFFIXES = "by thwaite ham wick holme beck stead ford ley ton".split()

STREET_STEMS = (
    "Rowan Hawthorn Beech Heron Kestrel Alder Bracken Heather Juniper Linnet Curlew Plover "
    "Sorrel Teasel Bramble Thistle Willow Hazel Birch Larch Elder Aspen Sedge Fern Moss Wren "
    "Lapwing Merlin Osprey Otter Badger Falcon Swallow Martin Finch Lark Dipper Sandpiper "
    "Meadow Orchard Quarry Mill Forge Tannery Chapel Granary Ferry Brewery Pinfold Croft Garth "
    "Intake Pasture Moorland Ridge Scar Howe Knott Pike Tarn Beck Gill Fold Raise Brow "
    "Acorn Bluebell Cobble Damson Foxglove Gorse Ivy Kingfisher Lupin Maple Nettle Primrose "
    "Quince Redwing Rush Sloe Thrush Vetch Yew Barley Clover Daisy Hops Ling Marram Reed Rye "
    "Sycamore Tansy Whin Yarrow Bilberry Cowslip Elm Lime Poplar Cedar Laurel Myrtle Hazelwood"
).split()
"""First words of invented street names beyond :data:`STREETS` (with :data:`STREET_SUFFIXES`)."""

STREET_SUFFIXES = ("Road", "Street", "Avenue", "Lane", "Drive", "Terrace", "Close", "Way", "Crescent", "Row")

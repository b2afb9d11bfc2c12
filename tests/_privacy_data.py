"""A tiny invented dataset for the privacy, audit and export tests, written as CSV files.

Every name, address, number and handle is invented. Ids are chosen to tempt false matches
(``C1`` beside ``C10``; ``K1`` beside ``K10``).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

import contextmap as cm

CHILD_NAMES = ["Ava Testperson", "Bo Samplechild", "Cara O'Fixture", "Zoë Inventé"]
PERSON_NAMES = ["Rex Invented", "Tia Madeup"]
HOME_ADDRESS = "12 Fixture Street"
HOME_POSTCODE = "ZZ1 1AA"
C_CODED_LINKS = {"K1": "seen in a silver car with the older male near the depot", "K5": "controls the flat above the takeaway"}
E_GRADED_LINK = "K3"

_FILES = {
    "children.csv": """child_id,name,date_of_birth,gender,ce_risk,placement,home_location_id
C1,Ava Testperson,2010-02-03,female,high,home,L1
C10,Bo Samplechild,2011-03-04,male,medium,foster,
C2,Cara O'Fixture,2009-12-31,female,low,residential,
C3,Zoë Inventé,2012-06-15,female,none,home,
""",
    "persons.csv": """person_id,name,aliases,date_of_birth,gender,phone,vehicle,social_media
P1,Rex Invented,Big R; Rexy,1995-01-01,male,07700 900123,ZZ99 XYZ,@rex_invented_fake
P2,Tia Madeup,ST,1999-05-05,female,,,
""",
    "locations.csv": """location_id,name,category,latitude,longitude,postcode
L1,12 Fixture Street,address,52.6001,-1.1001,ZZ1 1AA
L2,Riverside Park,park,52.6100,-1.1200,ZZ1 2BB
L3,Chicken Spot,food_outlet,52.6200,-1.1300,ZZ1 3CC
L4,Flat 3 Above The Takeaway,address,,,ZZ1 3CC
L5,Oakview Children's Home,care_home,52.6300,-1.1400,ZZ1 5EE
L6,Corner by the Depot,,52.6400,-1.1500,
""",
    "episodes.csv": """episode_id,child_id,reported_at,returned_at,classification,found_location_id,rhi_at,rhi_outcome,people_mentioned,places_mentioned
E1,C1,2024-05-01 20:00,2024-05-02 08:00,missing,L2,2024-05-03 10:00,completed,Big R; Rexy's mate,the flat by the chippy
E10,C10,2024-05-10 18:00,2024-05-10 23:00,absent,L3,,,,
E2,C2,2024-05-12 18:00,2024-05-13 09:00,missing,,2024-05-20 10:00,completed,,
""",
    "links.csv": """link_id,source_id,target_id,relation,observed_on,episode_id,source_type,grading,summary
K1,C1,P1,seen_with,2024-05-02,E1,police,2B C,seen in a silver car with the older male near the depot
K2,C1,L2,visited,2024-05-01,E1,rhi,1A P,RHI: went to the park with friends
K3,C10,P2,associate,2024-05-11,,education,3E P,rumoured association reported by a classmate
K4,C1,L1,lives_at,2024-01-01,,social_care,1A P,home address
K5,P1,L3,frequents,2024-04-20,,police,,controls the flat above the takeaway
K6,C2,C10,friend,2024-05-12,E2,rhi,1B P,said they are friends from school
K10,C3,L2,visited,2024-05-15,,rhi,2B P,seen at the park
""",
}


def write_fixture(folder: Path) -> Path:
    """Write the dataset's CSV files into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_fixture(folder: Path) -> cm.Dataset:
    ds = cm.load(write_fixture(folder), as_of="2024-06-30")
    assert ds.report.is_clean, ds.report.problems
    return ds


def graph_from(ds: cm.Dataset) -> nx.MultiGraph:
    """A plain typed graph of a dataset (test helper; the product graph is contextmap.graph)."""
    G = nx.MultiGraph()
    for df, key, kind in (
        (ds.children, "child_id", "child"),
        (ds.persons, "person_id", "person"),
        (ds.locations, "location_id", "location"),
    ):
        for row in df.to_dict("records"):
            G.add_node(row[key], kind=kind, label=row["name"], age=row.get("age"))
    for row in ds.links.to_dict("records"):
        G.add_edge(
            row["source_id"], row["target_id"], key=row["link_id"], relation=row["relation"],
            observed_on=row["observed_on"], grading=row["grading"], summary=row["summary"],
            link_ids=[row["link_id"]],
        )
    return G

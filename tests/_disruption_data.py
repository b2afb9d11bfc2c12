"""A tiny invented town for the disruption record's tests (goals, tactics, profiles).

Every name is invented. A flat (L1) where children were found often in the spring and
rarely after a closure order on 1 July 2026; children of every age and placement a CAWN check
must tell apart; a person of concern (P1) linked to three of them; a school (L3); a park (L2).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FILES", "write_export", "ISSUED", "CHILD_NAME", "PERSON_NAME"]

ISSUED = "2026-07-01"
"""The closure order's issue date: 6 episodes at the flat in the 60 days before it, 1 after."""

CHILD_NAME = "Ava Quillfeather"
PERSON_NAME = "Rex Vantoor"

FILES = {
    "children.csv": f"""child_id,name,date_of_birth,gender,ce_risk,placement
C1,{CHILD_NAME},2012-05-01,female,high,home
C2,Ben Tarrow,2010-03-01,male,medium,foster
C3,Cara Lindqvist,2010-04-01,female,medium,home
C4,Dev Okonjo,2008-01-01,male,high,foster
C5,Eli Marsh,,male,low,other
C6,Fay Hollin,2010-06-01,female,low,
C7,Gus Pembry,2011-02-02,male,medium,residential
""",
    "persons.csv": f"""person_id,name,aliases,date_of_birth,gender
P1,{PERSON_NAME},Vanny,1994-03-07,male
P2,Sol Drayman,,1990-01-01,male
""",
    "locations.csv": """location_id,name,category,latitude,longitude,postcode
L1,"Flat 2, 9 Harrow Lane",address,54.890,-2.930,CA1 1AA
L2,Mill Park,park,54.893,-2.925,
L3,Northgate Academy,school,54.887,-2.934,CA1 2BB
""",
    "episodes.csv": """episode_id,child_id,reported_at,returned_at,found_location_id,rhi_at,rhi_outcome
E1,C1,2026-05-03 20:00,2026-05-04 09:00,L1,2026-05-05 10:00,completed
E2,C2,2026-05-10 21:00,2026-05-11 08:00,L1,,not_offered
E3,C3,2026-05-20 22:00,2026-05-21 09:00,L1,2026-05-28 10:00,completed
E4,C1,2026-06-02 20:00,2026-06-03 07:00,L1,2026-06-03 15:00,completed
E5,C7,2026-06-15 19:00,2026-06-16 09:00,L1,2026-06-17 12:00,completed
E6,C2,2026-06-25 23:00,2026-06-26 10:00,L1,,declined
E7,C3,2026-07-20 21:00,2026-07-21 08:00,L1,2026-07-22 10:00,completed
E8,C7,2026-08-10 20:00,2026-08-11 09:00,L2,2026-08-12 10:00,completed
E9,C1,2026-08-28 20:00,2026-08-29 09:00,L2,2026-08-30 10:00,completed
""",
    "links.csv": """link_id,source_id,target_id,relation,observed_on,source_type,grading
K1,P1,C1,associate,2026-05-01,police,1B P
K2,P1,C2,seen_with,2026-06-01,police,2C P
K3,P1,L1,frequents,2026-05-15,police,1B P
K4,P2,L1,visited,2026-08-01,community,3E C
K5,C7,L2,frequents,2026-08-05,education,
K6,P1,C3,contact,2026-06-20,police,2B C
K7,C1,L3,frequents,2026-06-01,education,
""",
}


def write_export(folder: Path) -> Path:
    """Write the export's CSV files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder

"""The same data and seed give the same pictures and tables whatever Python's string hashing.

Python randomises ``str`` hashes per process, so anything that walks a set of ids (a small
networkx subgraph view does) changes order from run to run: peer-group pictures, network
layouts and provenance rows did. Each run here is a fresh interpreter with its own
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import hashlib, json
from contextmap.analysis import analyze
from contextmap.graph import induced_edges
from contextmap.pack import content
from contextmap.sample import generate_sample

an = analyze(generate_sample(children=40, seed=5).to_dataset(), seed=0)
G = an.graph
parts = {"network": json.dumps(an.network_view().payload(), sort_keys=True, default=str)}
pictures, shown = [], []
for r in an.peer_groups.groups.head(4).itertuples():
    members = [str(c) for c in r.children]
    binding = list(r.binding_persons) + list(r.binding_places)
    pictures.append(str(content.group_picture(G, members, binding, seed=0)))
    shown += induced_edges(G, members + binding)
parts["pictures"] = "".join(pictures)
parts["provenance"] = json.dumps(content.provenance(G, shown), sort_keys=True)
print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in parts.items()}))
"""


def _run(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_network_layout_group_pictures_and_provenance_do_not_depend_on_string_hashing():
    assert _run("1") == _run("2")

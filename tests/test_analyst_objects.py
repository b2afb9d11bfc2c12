"""What an analyst gets in a notebook: frames indexed by entity id, datetimes, names beside
ids, a readable group explanation, and a privacy recipe that works as written."""

from __future__ import annotations

import pandas as pd
import pytest
from _analysis_data import two_groups, write_csvs

import contextmap
from contextmap import privacy
from contextmap.analysis import analyze
from contextmap.peers import GroupExplanation
from contextmap.timelines import timeline
from contextmap.views.maps import hotspot_map
from contextmap.views.network import network_view

KEY = privacy.Pseudonymiser(b"analyst objects test key, not a real key")


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return contextmap.load(write_csvs(tmp_path_factory.mktemp("data") / "data", **two_groups()))


@pytest.fixture(scope="module")
def an(ds):
    return analyze(ds, resolve=False, n_runs=3, min_ties=1)


def test_frames_are_indexed_by_entity_id(an):
    assert an.hotspots.index.name == "location_id" and "location_id" not in an.hotspots.columns
    assert an.persons.index.name == "person_id"
    assert an.peer_groups.groups.index.name == "group_id"
    assert an.hotspots.loc["L1", "name"] == "Elm Park"
    assert int(an.persons.loc["P1", "children_reached"]) == 3
    assert sorted(an.peer_groups.groups.loc[an.peer_groups.group_of("C1"), "children"]) == ["C1", "C2", "C3"]
    # reset_index gives the id column back (what CSV exports do)
    assert list(an.hotspots.reset_index().columns[:1]) == ["location_id"]


def test_dates_are_datetimes(an):
    for frame in (an.hotspots, an.persons):
        for col in ("first_seen", "last_seen"):
            assert pd.api.types.is_datetime64_any_dtype(frame[col]), col
    assert an.hotspots.loc["L1", "first_seen"] == pd.Timestamp("2024-06-02")  # E1 found there on return


def test_summary_and_csvs_keep_their_id_keys(an, tmp_path):
    s = an.summary()
    assert {h["location_id"] for h in s["hotspots"]} == set(an.hotspots.index)
    assert s["persons_of_concern"][0]["person_id"] == "P1"
    paths = an.write(tmp_path / "out")
    assert pd.read_csv(paths["hotspots.csv"]).columns[0] == "location_id"
    assert pd.read_csv(paths["persons.csv"]).columns[0] == "person_id"


def test_views_read_the_indexed_frames(an):
    m = hotspot_map(an, tiles="none")
    assert "Elm Park" in m.get_root().render()
    v = network_view(an)
    assert {"C1", "P1", "L1"} <= set(v.nodes["id"])


def test_explain_has_names_beside_ids(an):
    ex = an.peer_groups.explain("C1", "C2")
    assert set(ex[["a", "a_name", "b", "b_name"]].drop_duplicates().itertuples(index=False)) == {
        ("C1", "Child 1", "C2", "Child 2")}
    assert pd.api.types.is_datetime64_any_dtype(ex["date"])
    assert "Adult 1" in set(ex["via_label"])


def test_timeline_has_names_beside_ids(ds):
    t = timeline(ds, "C1")
    assert set(t["entity_name"]) == {"Child 1"}
    assert {"Elm Park", "Adult 1", "Child 2"} <= set(t["other_name"].dropna())
    assert pd.api.types.is_datetime64_any_dtype(t["date"])
    assert "found at Elm Park" in " ".join(t["detail"])


def test_explain_group_is_a_readable_dataframe(an):
    g = an.peer_groups.group_of("C4")
    ex = an.peer_groups.explain_group(g)
    assert isinstance(ex, GroupExplanation) and isinstance(ex, pd.DataFrame)
    via = ex.set_index("via_id")
    assert via.loc["P2", "via_label"] == "Adult 2" and via.loc["P2", "n_children"] == 3
    assert via.loc["L2", "via_kind"] == "place"
    assert (ex["via_kind"] == "direct").sum() == 1  # C5-C6 friends
    text = repr(ex)
    assert text.startswith(f"Peer group {g}: 3 children, linked through")
    assert "Child 4" in text and "Adult 2" in text
    assert "<p>Peer group" in ex._repr_html_()
    with pytest.raises(KeyError, match="Expected a group id"):
        an.peer_groups.explain_group("PG99")


def test_provisional_mentions_do_not_bind_or_explain(an):
    G = an.graph.copy()
    G.add_node("X1", kind="person", label="a lad called Dwayne", provisional=True)
    for c in ("C1", "C2"):
        G.add_edge(c, "X1", weight=1.0, corroborated=False, evidence=[{"date": "2024-06-01", "relation": "associate"}])
    from contextmap.peers import find_peer_groups

    pg = find_peer_groups(G, seed=0, n_runs=2, min_ties=1)
    row = pg.groups.loc[pg.group_of("C1")]
    assert "X1" not in row["binding_persons"]
    assert "X1" not in set(pg.explain("C1", "C2")["via_id"].dropna())


def test_privacy_recipe_redact_then_analyze_then_view(ds):
    """docs/privacy.md: redact, analyse (resolution on by default), draw for the audience."""
    red = privacy.redact_dataset(ds, "partner", pseudonymiser=KEY, as_of="2024-06-30")
    an = analyze(red, n_runs=2)  # resolves again: the redaction must be carried through
    v = network_view(an, audience="partner")
    labels = set(v.nodes["label"])
    assert not labels & {"Child 1", "Adult 1"}
    assert hotspot_map(an, audience="partner") is not None


def test_analyze_for_an_audience_resolves_then_redacts(ds):
    an = analyze(ds, n_runs=2, audience="partner", pseudonymiser=KEY)
    assert an.dataset.redacted_for.name == "partner"
    assert an.persons.index.str.startswith("Person-").all()
    assert an.hotspots.loc[an.hotspots["name"] == "Elm Park"].shape[0] == 1  # public places keep names
    network_view(an, audience="partner")  # no PrivacyError
    with pytest.raises(contextmap.PrivacyError):
        network_view(analyze(ds, n_runs=2, resolve=False), audience="partner")


def test_geopandas_explore_works_without_tiles(an):
    m = an.hotspots.explore(column="score", tiles=None)
    html = m.get_root().render()
    assert "Elm Park" in html and "tile.openstreetmap" not in html

"""Entity resolution: persons, places, RHI mentions, decisions (tiny invented fixtures)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from contextmap.resolve.dataset import (
    link_mentions,
    provisional_id,
    resolve_dataset,
    resolve_locations,
    resolve_persons,
)
from contextmap.resolve.decisions import DecisionsError, parse_decisions
from contextmap.resolve.example import build_dataset, example_dataset
from contextmap.resolve.places import normalise_place_name


def _persons_ds(extra: list[dict] = ()):  # type: ignore[assignment]
    rows = [
        {"person_id": "P1", "name": "Tyler Grant", "aliases": "Big T", "date_of_birth": "1998-03-07", "gender": "male"},
        {"person_id": "P2", "name": "T Grant", "date_of_birth": "1998-07-03", "gender": "male"},
        {"person_id": "P3", "name": "Tyler G", "aliases": "Big T"},
        {"person_id": "P4", "name": "Tom Grant", "date_of_birth": "1975-11-30", "gender": "male"},
        {"person_id": "P5", "name": "Megan Holt", "date_of_birth": "2001-01-15", "gender": "female"},
        {"person_id": "P6", "name": "Ruth Lister", "date_of_birth": "1990-06-01", "gender": "female"},
        *extra,
    ]
    return build_dataset(persons=rows)


def _entity(res, rid: str) -> str:
    return res.mapping[rid]


def test_tyler_variants_resolve_together_and_namesake_stays_apart():
    res = resolve_persons(_persons_ds())
    assert _entity(res, "P1") == _entity(res, "P2") == _entity(res, "P3") == "P1"
    assert _entity(res, "P4") == "P4"  # same surname, different date of birth
    assert res.entities.loc[res.entities["record_id"] == "P2", "confidence"].item() >= 0.5
    row = res.pairs[(res.pairs["record_a"] == "P1") & (res.pairs["record_b"] == "P2")].iloc[0]
    assert "surname exact" in row["explanation"]
    assert "DOB day/month swapped" in row["explanation"]
    row = res.pairs[(res.pairs["record_a"] == "P1") & (res.pairs["record_b"] == "P3")].iloc[0]
    assert "alias 'Big T'" in row["explanation"]


def test_guard_stops_chaining_through_an_initial():
    # "T Grant" with no date of birth could be Tyler or Tom; Tyler and Tom must not merge
    ds = build_dataset(persons=[
        {"person_id": "A1", "name": "Tyler Grant", "date_of_birth": "1998-03-07"},
        {"person_id": "A2", "name": "T Grant"},
        {"person_id": "A3", "name": "Tom Grant", "date_of_birth": "1975-11-30"},
    ])
    res = resolve_persons(ds, threshold=0.01)
    assert _entity(res, "A1") != _entity(res, "A3")


def test_shared_phone_raises_the_match_probability():
    def prob(phone_b: str | None) -> float:
        ds = _persons_ds([{"person_id": "P7", "name": "Kyle Marsh", "phone": "07700 900123"},
                          {"person_id": "P8", "name": "Kai Marsh", "phone": phone_b}])
        pairs = resolve_persons(ds, min_pair_probability=0.0).pairs.set_index(["record_a", "record_b"])
        return float(pairs.loc[("P7", "P8"), "match_probability"]), pairs.loc[("P7", "P8"), "explanation"]

    with_phone, why = prob("07700900123")
    without, _ = prob(None)
    assert with_phone > 0.9 > without
    assert "phone shared" in why


def test_decisions_override_scores():
    ds = _persons_ds()
    dec = parse_decisions("# checked at MACE\nkeep apart P1 P2\nmerge P5 P6\n")
    res = resolve_persons(ds, decisions=dec)
    assert _entity(res, "P1") != _entity(res, "P2")
    assert _entity(res, "P5") == _entity(res, "P6") == "P5"
    merged = res.entities.set_index("record_id")
    assert merged.loc["P6", "confidence"] == 1.0 and bool(merged.loc["P6", "decided"])
    assert "analyst decision" in res.pairs.set_index(["record_a", "record_b"]).loc[("P5", "P6"), "explanation"]


def test_decisions_errors_name_line_and_value(tmp_path):
    with pytest.raises(DecisionsError, match=r"line 2: expected 'merge A B'.*'join P1 P2'"):
        parse_decisions("merge P1 P2\njoin P1 P2\n")
    with pytest.raises(DecisionsError, match=r"line 1: unknown id 'P99'"):
        resolve_persons(_persons_ds(), decisions=parse_decisions("merge P1 P99\n"))
    with pytest.raises(DecisionsError, match="contradict"):
        parse_decisions("merge P1 P2\nmerge P2 P3\nkeep apart P1 P3\n")
    f = tmp_path / "decisions.txt"
    f.write_text("merge P5 P6\n", encoding="utf-8")
    before = f.read_bytes()
    resolve_dataset(_persons_ds(), decisions=f)
    assert f.read_bytes() == before  # never overwritten


def test_place_nicknames_and_flats():
    assert normalise_place_name("Maccies Botchergate") == normalise_place_name("McDonald's, Botchergate")
    assert normalise_place_name("Church St") == "church street"
    res = resolve_locations(example_dataset())
    assert res.mapping["L2"] == "L1"
    assert res.mapping["L3"] != res.mapping["L4"]  # flat 2 and flat 3: one building, two places


def test_far_apart_branches_stay_apart():
    ds = build_dataset(locations=[
        {"location_id": "L1", "name": "McDonald's", "easting": 340300.0, "northing": 555600.0},
        {"location_id": "L2", "name": "Maccies", "easting": 345300.0, "northing": 555600.0},
    ])
    assert resolve_locations(ds).mapping["L2"] == "L2"



def test_dense_places_are_still_compared_within_200m():
    # 450 distinct units packed into ~60 m (more than max_block_size) around two spellings
    # of one cafe 30 m apart: records that close are always compared, however dense
    locs = [{"location_id": f"L{i:03d}", "name": f"Unit {i} Trading Estate",
             "easting": 340000.0 + (i % 21) * 3, "northing": 555000.0 + (i // 21) * 3} for i in range(450)]
    locs += [{"location_id": "LA", "name": "Rosewood Cafe", "easting": 340010.0, "northing": 555010.0},
             {"location_id": "LB", "name": "Rosewod Cafe", "easting": 340040.0, "northing": 555010.0},
             {"location_id": "LC", "name": "Rosewood Cafe", "easting": 341000.0, "northing": 555010.0}]
    res = resolve_locations(build_dataset(locations=locs), max_block_size=400)
    assert res.mapping["LB"] == "LA"
    assert res.mapping["L001"] == "L001" and res.mapping["L002"] == "L002"  # unit numbers differ
    pairs = set(zip(res.pairs["record_a"], res.pairs["record_b"], strict=True))
    assert ("LA", "LC") in pairs  # same name, 990 m apart: compared through the name block
    assert res.mapping["LC"] == "LC"
    assert ("LB", "LC") not in pairs  # different spelling and 960 m apart: never compared

def test_mentions_link_or_stay_provisional():
    ds = example_dataset()
    m = link_mentions(ds, resolve_persons(ds), resolve_locations(ds)).set_index("mention")
    assert m.loc["Big T", "entity_id"] == "P1" and not m.loc["Big T", "provisional"]
    assert m.loc["Tyler's cousin", "provisional"]  # not force-matched to Tyler
    assert m.loc["Tyler's cousin", "entity_id"] == provisional_id("person", "Tyler's cousin")
    assert m.loc["the old mill", "entity_id"].startswith("prov-l-")
    assert m.loc["Maccies Botchergate", "entity_id"] == "L1"


def test_resolve_dataset_merges_rows_and_adds_mention_links():
    out = resolve_dataset(example_dataset())
    persons = out.persons.set_index("person_id")
    assert "P2" not in persons.index and "P3" not in persons.index
    assert set(persons.loc["P1", "aliases"].split("; ")) == {"Big T", "T Grant", "Tyler G"}
    assert persons.loc["P1", "merged_from"] == "P1; P2; P3"
    prov = persons[persons["provisional"]]
    assert list(prov["name"]) == ["Tyler's cousin"]
    links = out.links
    assert links.loc[links["link_id"] == "K1", "target_id"].item() == "P1"  # remapped from P2
    rhi = links[links["source_type"] == "rhi"]
    assert len(rhi) == 4 and set(rhi["relation"]) == {"seen_with", "visited"}
    assert (rhi["observed_on"] == pd.Timestamp("2024-05-01")).all()
    assert rhi["summary"].str.startswith("RHI mention").all()
    assert set(rhi["target_id"]) <= set(out.persons["person_id"]) | set(out.locations["location_id"])
    merged = out.resolution.merged
    assert list(merged["entity_id"]) == ["P1", "L1"] and merged["confidence"].between(0, 1).all()


def test_resolve_dataset_switches_off():
    ds = example_dataset()
    out = resolve_dataset(ds, persons=False, locations=False, mentions=False)
    assert sorted(out.persons["person_id"]) == sorted(ds.persons["person_id"])
    assert len(out.links) == len(ds.links)


def test_deterministic():
    a = resolve_persons(_persons_ds())
    b = resolve_persons(_persons_ds())
    pd.testing.assert_frame_equal(a.entities, b.entities)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)


def test_cli_resolve_writes_entities(tmp_path, monkeypatch):
    from contextmap import cli

    monkeypatch.setattr("contextmap.load", lambda path, **kw: _persons_ds())
    out = tmp_path / "entities.csv"
    r = CliRunner().invoke(cli.app, ["resolve", str(tmp_path), "--out", str(out), "--pairs"])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out)
    assert list(got.columns) == ["record_id", "entity_id", "confidence"]
    assert got.set_index("record_id").loc["P3", "entity_id"] == "P1"
    assert (tmp_path / "entities-pairs.csv").exists()
    r = CliRunner().invoke(cli.app, ["resolve", str(tmp_path), "--out", str(out)])
    assert r.exit_code == 2 and "overwrite" in r.output


def test_abbreviated_record_without_dob_joins_its_only_candidate():
    # "L Moffat" (no date of birth) has one compatible record: the initial is worth about
    # 1 / (share of the letter), so it joins; a different forename initial never does
    rows = [
        {"person_id": "Q1", "name": "Lewis Moffat", "date_of_birth": "1994-02-18", "gender": "male"},
        {"person_id": "Q2", "name": "L Moffat", "gender": "male"},
        {"person_id": "Q3", "name": "K Moffat", "gender": "male"},
        *({"person_id": f"Q{i}", "name": f"Person{i} Other{i}", "date_of_birth": f"19{60 + i}-01-01"} for i in range(4, 40)),
    ]
    res = resolve_persons(build_dataset(persons=rows))
    assert res.mapping["Q2"] == "Q1"
    assert res.mapping["Q3"] == "Q3"


def test_brothers_with_one_date_of_birth_stay_apart():
    # different forenames are a hard contradiction: no chain joins Reece and Marcus
    rows = [
        {"person_id": "B1", "name": "Reece Garside", "date_of_birth": "2002-02-09"},
        {"person_id": "B2", "name": "M Garside", "date_of_birth": "2002-02-09"},
        {"person_id": "B3", "name": "Marcus Garside", "date_of_birth": "2002-02-19"},
    ]
    res = resolve_persons(build_dataset(persons=rows))
    assert res.mapping["B1"] == "B1"
    assert res.mapping["B2"] == res.mapping["B3"] == "B2"


def test_common_alias_is_weak_evidence():
    # an alias held by many records ("Big D") cannot join two different names on its own
    fore = "Aaron Bilal Callum Declan Ewan Fraser Gavin Hamish Isaac Jonah Keir Lorcan".split()
    sur = "Armer Bowness Crosby Dalton Eden Fell Gosling Hodgson Irving Jopling Kendal Lowes".split()
    rows = [{"person_id": f"D{i:02d}", "name": f"{f} {s}", "aliases": "Big D"} for i, (f, s) in enumerate(zip(fore, sur, strict=True))]
    res = resolve_persons(build_dataset(persons=rows))
    assert res.entities["entity_id"].nunique() == len(rows)
    assert (res.pairs["match_probability"] < 0.5).all()


def test_surname_typo_found_by_soundex_block():
    rows = [
        {"person_id": "S1", "name": "Mason Gilsland", "date_of_birth": "2008-03-23"},
        {"person_id": "S2", "name": "Mason Glisland", "date_of_birth": "2008-03-23"},
    ]
    res = resolve_persons(build_dataset(persons=rows))
    assert res.mapping["S2"] == "S1"
    assert "surname similar" in res.pairs.loc[0, "explanation"]


def test_forename_typo_is_not_a_contradiction_but_a_different_forename_is():
    # "Kaitlyn" / "Caitlin" (one sound) and "Aprlol" / "April" (two keystrokes) are below the
    # similar-forename level but are typos, not two people: a record without a date of birth
    # may chain them together; "Reece" / "Marcus" (brothers) are never chained
    rows = [
        {"person_id": "T1", "name": "Kaitlyn Ashby", "date_of_birth": "2003-04-11"},
        {"person_id": "T2", "name": "K Ashby"},
        {"person_id": "T3", "name": "Caitlin Ashby", "date_of_birth": "2003-04-17"},
        {"person_id": "T4", "name": "Aprlol Brough", "date_of_birth": "2001-09-02"},
        {"person_id": "T5", "name": "A Brough"},
        {"person_id": "T6", "name": "April Brough", "date_of_birth": "2001-09-08"},
        {"person_id": "T7", "name": "Reece Garside", "date_of_birth": "2002-02-09"},
        {"person_id": "T8", "name": "R Garside"},
        {"person_id": "T9", "name": "Marcus Garside", "date_of_birth": "2002-02-19"},
    ]
    res = resolve_persons(build_dataset(persons=rows), threshold=0.01)
    assert res.mapping["T1"] == res.mapping["T3"]
    assert res.mapping["T4"] == res.mapping["T6"]
    assert res.mapping["T7"] != res.mapping["T9"]


def test_write_entities_neutralises_spreadsheet_formulas(tmp_path):
    from contextmap.resolve.dataset import write_entities

    ds = _persons_ds([{"person_id": "=1+2", "name": "Nia Example"}])
    out = tmp_path / "entities.csv"
    write_entities(resolve_persons(ds), out, pairs=True)
    got = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert "'=1+2" in got["record_id"].tolist()
    assert not got["record_id"].str.startswith("=").any()


@pytest.mark.parametrize("resolver", ["resolve_persons", "resolve_locations"])
def test_resolvers_reject_a_bad_threshold_or_unknown_weight(resolver):
    from contextmap import ConfigError, resolve
    from contextmap.resolve.dataset import example_dataset

    fn = getattr(resolve, resolver)
    with pytest.raises(ConfigError, match="threshold to be between 0 and 1, instead got: 1.5"):
        fn(example_dataset(), threshold=1.5)
    with pytest.raises(ConfigError, match=r"weights keys from (PERSON|PLACE)_WEIGHTS, instead got: \['nonsense'\]"):
        fn(example_dataset(), weights={"nonsense": 1.0})

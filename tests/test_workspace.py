"""The workspace, on SQLite and on PostgreSQL (a real server: ``make test`` starts one).

Every test taking ``ws_url`` runs twice, once per backend. Without
``CONTEXTMAP_TEST_POSTGRES_URL`` the PostgreSQL runs are skipped locally and FAIL in CI.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from contextmap import load
from contextmap._errors import WorkspaceError
from contextmap.resolve.decisions import DecisionsError
from contextmap.sample import generate_sample
from contextmap.schema import TABLE_NAMES
from contextmap.workspace import db, init_workspace, open_workspace

PG_ENV = "CONTEXTMAP_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def ws_url(request, tmp_path):
    """A workspace location that does not exist yet: a SQLite path or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "team.cmw")
        return
    server = os.environ.get(PG_ENV)
    if not server:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set: `make test` starts PostgreSQL through .ci/with-postgres")
        pytest.skip(f"{PG_ENV} not set (run the tests through .ci/with-postgres or make test)")
    admin = sa.create_engine(db.parse_location(server).url, isolation_level="AUTOCOMMIT")
    name = f"cm_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- two overlapping monthly exports, written from one synthetic sample -------------------


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Exports A (months 1-2) and B (months 2-3) of one sample, and their union.

    Both hold every child, person and location (as case-management exports do); B changes
    one child's risk level and holds one row that must be quarantined.
    """
    root = tmp_path_factory.mktemp("exports")
    sample = generate_sample(children=40, seed=5, months=3, end="2026-09-30")
    full = sample.write(root / "full")
    ds = load(full)
    raw = {n: sample.tables[n].copy() for n in TABLE_NAMES}
    rep = ds.episodes.set_index("episode_id")["reported_at"]
    obs = ds.links.set_index("link_id")["observed_on"]
    month = {k: v.month for k, v in rep.items()}

    def window(months: set[int]) -> dict[str, pd.DataFrame]:
        eps = {k for k, m in month.items() if m in months}
        t = {n: raw[n] for n in ("children", "persons", "locations")}
        t["episodes"] = raw["episodes"][raw["episodes"]["episode_id"].isin(eps)]
        lk = raw["links"]
        ok_date = lk["link_id"].map(lambda i: i in obs.index and obs[i].month in months)
        ok_ep = lk["episode_id"].fillna("").isin(eps | {""})
        t["links"] = lk[ok_date & ok_ep & lk["link_id"].isin(obs.index)]
        return t

    a, b = window({7, 8}), window({8, 9})
    changed_child = str(ds.children["child_id"].iloc[3])
    b = {n: f.copy() for n, f in b.items()}
    new_risk = "high" if ds.children["ce_risk"].iloc[3] != "high" else "low"
    b["children"].loc[b["children"]["child_id"] == changed_child, "ce_risk"] = new_risk
    union = {n: pd.concat([b[n], a[n]]).drop_duplicates(sample.tables[n].columns[0]) for n in TABLE_NAMES}
    bad = b["episodes"].iloc[:1].copy()
    bad["episode_id"], bad["child_id"] = "E-BAD-1", "C-NOT-A-CHILD"
    b["episodes"] = pd.concat([b["episodes"], bad])
    paths = {}
    for label, tables in (("a", a), ("b", b), ("union", union)):
        out = root / label
        out.mkdir()
        for n, f in tables.items():
            f.to_csv(out / f"{n}.csv", index=False)
        paths[label] = out
    eps_a, eps_b = set(a["episodes"]["episode_id"]), set(b["episodes"]["episode_id"]) - {"E-BAD-1"}
    assert eps_a - eps_b and eps_b - eps_a and eps_a & eps_b  # the exports really overlap
    return {**paths, "changed_child": changed_child, "new_risk": new_risk, "eps_a": eps_a, "eps_b": eps_b}


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    out = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
    return out.sort_values(key).reset_index(drop=True)


def test_overlapping_imports_twice_each_leave_exactly_the_union(ws_url, exports):
    ws = init_workspace(ws_url)
    results = [ws.import_source(exports[k], as_of="2026-10-01") for k in ("a", "a", "b", "b")]
    first, again, b1, b2 = (r.totals() for r in results)
    assert first["new"] > 0 and first["changed"] == 0
    assert again["new"] == 0 and again["changed"] == 0 and again["unchanged"] == first["new"]
    assert b1["changed"] == 1  # the child whose risk level changed
    assert results[2].counts["episodes"]["new"] == len(exports["eps_b"] - exports["eps_a"])
    assert results[2].counts["episodes"]["not_in_latest"] == len(exports["eps_a"] - exports["eps_b"])
    assert results[2].counts["episodes"]["quarantined"] == 1
    assert b2["new"] == 0 and b2["changed"] == 0

    got = ws.dataset()
    want = load(exports["union"], as_of="2026-10-01")
    for name in TABLE_NAMES:
        key = {"children": "child_id", "persons": "person_id", "locations": "location_id",
               "episodes": "episode_id", "links": "link_id"}[name]
        pd.testing.assert_frame_equal(_sorted(got.table(name), key), _sorted(want.table(name), key),
                                      check_dtype=True, obj=name)
    assert got.locations.crs.to_epsg() == 4326
    # the changed child keeps its history: two versions, the current one as in export B
    C = db.DATA_TABLES["children"]
    with ws.engine.connect() as conn:
        versions = conn.execute(sa.select(C.c.version, C.c.ce_risk, C.c.is_current)
                                .where(C.c.record_key == exports["changed_child"]).order_by(C.c.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[-1].ce_risk == exports["new_risk"] and versions[-1].is_current and not versions[0].is_current
    # episodes only in export A are kept and marked as not in the latest export
    st = ws.status()
    assert st["counts"]["episodes"] == len(exports["eps_a"] | exports["eps_b"])
    assert st["not_in_latest"]["episodes"] == len(exports["eps_a"] - exports["eps_b"])
    assert [i["import_id"] for i in st["imports"]] == [1, 2, 3, 4]
    assert all(f["sha256"] and len(f["sha256"]) == 64 for i in st["imports"] for f in i["files"])
    assert st["imports"][2]["quarantined"] == 1
    q = got.report.quarantined["episodes"]
    assert q["episode_id"].tolist() == ["E-BAD-1"] and "refers to an unknown child" in q["_reasons"].iloc[0]
    ws.close()


def test_decision_case_and_action_persist(ws_url, exports):
    with init_workspace(ws_url) as ws:
        ws.import_source(exports["a"], as_of="2026-10-01")
        ds = ws.dataset()
        p1, p2 = ds.persons["person_id"].iloc[:2].tolist()
        ws.decide("merge", p1, p2, reason="same phone number, confirmed by the police lead")
        with pytest.raises(DecisionsError):
            ws.decide("keep_apart", p2, p1, reason="contradicts the merge")
        # the location most linked to children: its case links those children
        L = ds.links
        loc_links = L[(L["target_kind"] == "location") & (L["source_kind"] == "child")]
        loc = loc_links["target_id"].value_counts().index[0]
        case = ws.open_case(kind="location", subject=loc, title="Late-night gatherings at the park")
        action = ws.add_action(case, owner="police", due="2026-09-15", text="Disruption visit with licensing")
        with pytest.raises(WorkspaceError, match="no-such-place"):
            ws.open_case(kind="location", subject="no-such-place", title="x")
    with open_workspace(ws_url) as ws:
        d = ws.decisions()
        assert [(x.action, x.a, x.b) for x in d.items] == [("merge", p1, p2)]
        from contextmap.workspace import record

        cases = record.cases_frame(ws.engine)
        assert cases["case"].tolist() == [case] and cases["subject_id"].tolist() == [loc]
        recs = cases["subject_records"].iloc[0]  # the place and any record resolution merged with it
        assert recs[0] == loc
        expected = (set(loc_links.loc[loc_links["target_id"].isin(recs), "source_id"])
                    | set(ds.episodes.loc[ds.episodes["found_location_id"].isin(recs), "child_id"])
                    | set(ds.children.loc[ds.children["home_location_id"].isin(recs), "child_id"]))
        assert set(cases["children"].iloc[0]) == expected and expected
        acts = record.actions_frame(ws.engine, as_of="2026-10-01")
        assert acts["action"].tolist() == [action] and bool(acts["overdue"].iloc[0])
        ws.update_action(action, status="done", outcome="premises visited; CCTV reviewed")
    with open_workspace(ws_url) as ws:
        acts = record.actions_frame(ws.engine, as_of="2026-10-01")
        assert acts["status"].tolist() == ["done"] and not bool(acts["overdue"].iloc[0])
        with ws.engine.connect() as conn:
            events = conn.execute(sa.select(db.action_events.c.status).order_by(db.action_events.c.event_id)).scalars().all()
        assert events == ["open", "done"]
        # decisions round-trip through a decisions file
        text = record.decisions_text(ws.engine)
        assert f"merge {p1} {p2}" in text and "# same phone number" in text
        assert record.import_decisions(ws.engine, text, source="exported.txt") == record.DecisionsImported(added=0, already=1)


def test_erase_and_purge_remove_records_and_are_audited(ws_url, exports, tmp_path):
    log = tmp_path / "audit.jsonl"
    with init_workspace(ws_url) as ws:
        ws.import_source(exports["a"], as_of="2026-10-01")
        ws.import_source(exports["b"], as_of="2026-10-01")
        ds = ws.dataset()
        child = ds.episodes["child_id"].value_counts().index[0]
        n_eps = int((ds.episodes["child_id"] == child).sum())
        done = ws.erase(child=child, audit_log=log)
        removed = done.removed
        assert removed["children"] >= 1 and removed["episodes"] >= n_eps
        after = ws.dataset()
        assert child not in set(after.children["child_id"]) and child not in set(after.episodes["child_id"])
        assert child not in set(after.links["source_id"]) | set(after.links["target_id"])
        with ws.engine.connect() as conn:
            for name, T in db.DATA_TABLES.items():  # no version of any of it is left either
                for col in T.c:
                    if isinstance(col.type, sa.Text) and col.name not in ("row_hash",):
                        assert conn.execute(sa.select(sa.func.count()).select_from(T).where(col == child)).scalar_one() == 0, (name, col.name)
        removed = ws.purge(older_than="1m", as_of="2026-09-30", audit_log=log)
        left = ws.dataset()
        assert left.episodes["reported_at"].min() >= pd.Timestamp("2026-08-30")
        assert removed["episodes"] > 0
    entries = [json.loads(x) for x in log.read_text().splitlines()]
    assert [e["event"] for e in entries] == ["erase", "purge"]
    # the erasure entry names the child by the workspace's keyed pseudonym, never by id
    assert entries[0]["child"] == done.pseudonym and child not in json.dumps(entries[0])
    assert entries[1]["older_than"] == "1m"
    assert "password" not in json.dumps(entries)


def test_sqlite_workspace_is_readable_by_its_owner_only(tmp_path):
    p = tmp_path / "w.cmw"
    init_workspace(p).close()
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    os.chmod(p, 0o644)
    open_workspace(p).close()
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_migrations_create_exactly_the_declared_tables(ws_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with init_workspace(ws_url) as ws, ws.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.metadata) == []
        assert db.current_revision(ws.engine) == db.head_revision()


def test_opening_what_is_not_a_workspace_says_so(tmp_path):
    with pytest.raises(WorkspaceError, match="does not exist"):
        open_workspace(tmp_path / "missing.cmw")
    with pytest.raises(WorkspaceError, match="mysql"):
        open_workspace("mysql://u@h/db")
    assert "secret" not in db.parse_location("postgresql://u:secret@h/db").label


def test_hostile_ids_and_names_survive_the_database_unchanged(ws_url, tmp_path):
    """Ids and names that look like SQL, markup or odd Unicode are data, stored and read back as given."""
    d = tmp_path / "hostile"
    d.mkdir()
    evil = "C1'); DROP TABLE children;--"
    (d / "children.csv").write_text(
        "child_id,name,ce_risk\n"
        f"\"{evil}\",\"Zoë O'Brien-<b>Ñ</b>\",high\nC2,\"Robert \"\"Bobby\"\" Tables\",low\n", encoding="utf-8")
    (d / "episodes.csv").write_text(
        "episode_id,child_id,reported_at,people_mentioned\n"
        f"E%_1,\"{evil}\",2026-01-02 10:00,\"Big T; \u202eevil\u202c; %; _\"\n", encoding="utf-8")
    (d / "links.csv").write_text(  # no link ids: keyed by content, stable across imports
        "source_id,target_id,relation,observed_on\n"
        f"\"{evil}\",C2,friend,2026-01-03\n", encoding="utf-8")
    with init_workspace(ws_url) as ws:
        first = ws.import_source(d, as_of="2026-10-01")
        again = ws.import_source(d, as_of="2026-10-01")
        assert first.totals()["new"] == 4 and again.totals()["unchanged"] == 4 and again.totals()["new"] == 0
        got = ws.dataset()
        want = load(d, as_of="2026-10-01")
        assert got.children["child_id"].tolist() == want.children["child_id"].tolist() == [evil, "C2"]
        assert got.children["name"].tolist() == want.children["name"].tolist()
        assert got.episodes["people_mentioned"].tolist() == want.episodes["people_mentioned"].tolist()
        assert got.links["link_id"].tolist() == want.links["link_id"].tolist()  # the content key ingest made
        assert got.links["link_id"].iloc[0].startswith("k-")
        assert ws.erase(child=evil).removed["episodes"] == 1
        assert ws.dataset().children["child_id"].tolist() == ["C2"]


def test_an_older_workspace_is_migrated_when_opened(ws_url):
    """A workspace made by an earlier version (schema 0001) gains the new columns on opening."""
    from alembic import command

    loc = db.parse_location(ws_url)
    engine = db.create_engine_for(loc, create=True)
    with engine.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0001")
    engine.dispose()
    engine = db.create_engine_for(loc)
    assert db.current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.execute(db.workspace_info.insert(), [{"name": "workspace_id", "value": "old"},
                                                  {"name": "revision", "value": "0"}])
    engine.dispose()
    with open_workspace(ws_url) as ws:
        assert db.current_revision(ws.engine) == db.head_revision() != "0001"
        cols = {c["name"] for c in sa.inspect(ws.engine).get_columns("persons")}
        assert "provisional" in cols


def test_locations_read_back_as_ingest_reads_them(ws_url, tmp_path):
    """The workspace builds its locations' points with ingest's own function: same points, same
    empty point for a place without coordinates, same CRS."""
    d = tmp_path / "places"
    d.mkdir()
    (d / "children.csv").write_text("child_id,name,ce_risk\nC1,Ada Quillfeather,low\n", encoding="utf-8")
    (d / "locations.csv").write_text(
        "location_id,name,category,latitude,longitude,postcode\n"
        "L1,Wrenfield Park,park,52.41,-1.51,\nL2,Flat 2 Copperbeech Row,address,,,ZZ9 9ZZ\n", encoding="utf-8")
    (d / "episodes.csv").write_text("episode_id,child_id,reported_at,found_location_id\nE1,C1,2026-01-02 10:00,L2\n",
                                    encoding="utf-8")
    want = load(d, as_of="2026-10-01").locations
    with init_workspace(ws_url) as ws:
        ws.import_source(d, as_of="2026-10-01")
        got = ws.dataset().locations
    assert got.crs == want.crs and got.crs.to_epsg() == 4326
    assert got["location_id"].tolist() == want["location_id"].tolist() == ["L1", "L2"]
    assert got.geometry.iloc[0].equals(want.geometry.iloc[0]) and (got.geometry.iloc[0].x, got.geometry.iloc[0].y) == (-1.51, 52.41)
    assert got.geometry.iloc[1].is_empty and want.geometry.iloc[1].is_empty


# --- month after month: one manifest, overlapping monthly exports (tests/_monthly_data.py) ----


def test_overlapping_months_count_only_what_is_really_new(ws_url, tmp_path):
    from _monthly_data import AS_OF, write_months

    manifest = write_months(tmp_path)
    with init_workspace(ws_url) as ws:
        oct_ = ws.import_source(manifest, as_of=AS_OF, period="2026-10")
        nov = ws.import_source(manifest, as_of=AS_OF)  # the latest month: November
        again = ws.import_source(manifest, as_of=AS_OF, period="2026-11")
        assert nov.dataset.period == "2026-11"
        assert oct_.counts["links"]["new"] == 6
        # November: C4-Bo and I4 are new, C1-Tyrone's notes changed, C2-Cy and I2 are October's
        assert {k: nov.counts["links"][k] for k in ("new", "changed", "unchanged", "not_in_latest")} == {
            "new": 2, "changed": 1, "unchanged": 2, "not_in_latest": 3}
        assert nov.counts["children"]["new"] == 1 and nov.counts["episodes"]["new"] == 1
        assert again.totals()["new"] == 0 and again.totals()["changed"] == 0  # re-importing changes nothing
        got = ws.dataset()
        assert len(got.links) == 8 and got.links["link_id"].is_unique  # 8 associations, each once
        st = ws.status()
        files = [Path(f["path"]).name for f in st["imports"][1]["files"]]
        assert files[0] == "sources.yaml" and "cyp_Nov2026.csv" in files and "intel_a.csv" in files


def test_two_agencies_one_link_id_month_after_month(ws_url, tmp_path):
    """October: the police send link 1001; November: the council sends its own 1001 too;
    December: only the council's. Two records throughout, ids unique, nothing re-counted."""
    from test_ingest_identity import _two_agencies

    police, council = "1001,N1,C1,associate,2026-10-01\n", "1001,C1,C2,friend,2026-10-02\n"
    with init_workspace(ws_url) as ws:
        first = ws.import_source(_two_agencies(tmp_path, police, ""), as_of="2026-12-01")
        second = ws.import_source(_two_agencies(tmp_path, police, council), as_of="2026-12-01")
        third = ws.import_source(_two_agencies(tmp_path, "", council), as_of="2026-12-01")
        assert first.counts["links"]["new"] == 1
        assert {k: second.counts["links"][k] for k in ("new", "changed", "unchanged")} == {"new": 1, "changed": 0, "unchanged": 1}
        assert {k: third.counts["links"][k] for k in ("new", "changed", "unchanged")} == {"new": 0, "changed": 0, "unchanged": 1}
        links = ws.dataset().links.set_index("link_id")
        assert sorted(links.index) == ["1001", "1001@eden-vale-council"]  # the police's keeps the id it had
        assert links.loc["1001", "relation"] == "associate" and links.loc["1001@eden-vale-council", "relation"] == "friend"


def test_links_a_workspace_keyed_by_id_alone_are_recognised(ws_url, tmp_path):
    """A workspace written before links were keyed by agency and id holds record key 'I1':
    the next import finds the same link there instead of adding it again."""
    from _monthly_data import AS_OF, write_months

    manifest = write_months(tmp_path)
    with init_workspace(ws_url) as ws:
        ws.import_source(manifest, as_of=AS_OF, period="2026-10")
        L = db.DATA_TABLES["links"]
        with ws.engine.begin() as conn:
            conn.execute(L.update().where(L.c.record_key.like("%@fellside-constabulary"))
                         .values(record_key=sa.func.replace(L.c.record_key, "@fellside-constabulary", "")))
        again = ws.import_source(manifest, as_of=AS_OF, period="2026-10")
        assert again.totals()["new"] == 0 and again.totals()["changed"] == 0
        with ws.engine.connect() as conn:
            keys = sorted(conn.execute(sa.select(L.c.record_key).where(L.c.link_id == "I1")).scalars())
        assert keys == ["I1@fellside-constabulary"]


def test_an_agency_absent_this_month_still_holds_its_link_id(ws_url, tmp_path):
    """October: only the police send 1001; November: only the council sends its own 1001. The
    police's link (not in November's export) keeps showing 1001; the council's is shown
    1001@eden-vale-council."""
    from test_ingest_identity import _two_agencies

    with init_workspace(ws_url) as ws:
        ws.import_source(_two_agencies(tmp_path, "1001,N1,C1,associate,2026-10-01\n", ""), as_of="2026-12-01")
        nov = ws.import_source(_two_agencies(tmp_path, "", "1001,C1,C2,friend,2026-10-02\n"), as_of="2026-12-01")
        assert nov.counts["links"]["new"] == 1 and nov.counts["links"]["not_in_latest"] == 1
        links = ws.dataset().links.set_index("link_id")
        assert links.loc["1001", "relation"] == "associate" and links.loc["1001@eden-vale-council", "relation"] == "friend"


def test_a_link_whose_name_now_matches_a_record_is_rematched_not_changed(ws_url, tmp_path):
    """October names "Bo Fairweather", whom no record holds (a provisional person); November's
    export holds his nominal, so the same link now points at it: the agency changed nothing, and
    the import counts the link re-matched, not changed. A link whose notes changed is changed."""
    def month(name: str, persons: str, summary: str) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "children.csv").write_text("child_id,name\nC1,Ada Quillfeather\n", encoding="utf-8")
        (d / "episodes.csv").write_text("episode_id,child_id,reported_at\nE1,C1,2026-10-02 10:00\n", encoding="utf-8")
        (d / "persons.csv").write_text("person_id,name\n" + persons, encoding="utf-8")
        (d / "links.csv").write_text(
            "link_id,source_id,target_name,relation,observed_on,summary\n"
            "K1,C1,Bo Fairweather,associate_of,2026-10-01,seen together\n"
            f"K2,C1,Tyrone Maddox,associate_of,2026-10-01,{summary}\n", encoding="utf-8")
        return d

    oct_ = month("oct", "P1,Tyrone Maddox\n", "at the park")
    nov = month("nov", "P1,Tyrone Maddox\nP2,Bo Fairweather\n", "at the park at night")
    with init_workspace(ws_url) as ws:
        first = ws.import_source(oct_, as_of="2026-11-01")
        second = ws.import_source(nov, as_of="2026-12-01")
        assert first.dataset.links.set_index("link_id").loc["K1", "target_id"].startswith("prov-p-")
        # the one record made from a name ("Bo Fairweather") is counted as such: new, made from a name
        assert first.counts["persons"]["new_from_names"] == 1 and first.totals()["new_from_names"] == 1
        assert first.counts["persons"]["new"] == 2 and "new_from_names" not in first.counts["links"]
        assert ws.status()["from_names"]["persons"] == 1
        assert second.totals()["new_from_names"] == 0  # P2 is a record of the export, not one made from a name
        assert second.dataset.links.set_index("link_id").loc["K1", "target_id"] == "P2"
        links = second.counts["links"]
        assert (links["new"], links["changed"], links["rematched"], links["unchanged"]) == (0, 1, 1, 0)
        assert second.totals()["rematched"] == 1
        held = ws.dataset().links.set_index("link_id")
        assert held.loc["K1", "target_id"] == "P2"  # stored as matched now

"""The mapping pack end to end on a small generated dataset (built once per module).

Audiences: the partner pack (HTML, PDF text, map, network view, exports) holds no child name,
no raw id and no C-coded link; the police pack holds them. The previous-pack comparison finds
exactly the changes planted between two packs.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import igraph as ig
import networkx as nx
import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

import contextmap
from contextmap import privacy
from contextmap.dates import age_label
from contextmap.pack.build import build_pack

pytestmark = pytest.mark.slow

KEY = privacy.Pseudonymiser(b"test key for the pack tests, not a real key")
START, END = "2025-11-01", "2026-10-31"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    from contextmap.sample.generate import generate_sample

    d = tmp_path_factory.mktemp("sample")
    generate_sample(children=40, seed=2).write(d)  # seed 2: enough quiet children to plant changes on
    return d


@pytest.fixture(scope="module")
def ds(sample_dir):
    return contextmap.load(sample_dir)


def _build(ds, out, audience, **kw):
    return build_pack(ds, out=out, audience=audience, start=START, end=END, pseudonymiser=KEY,
                      audit_log=out.parent / "audit.jsonl", **kw)


@pytest.fixture(scope="module")
def packs(ds, sample_dir, tmp_path_factory):
    """Both packs with the sample's own geography (its base map and wards), as `make demo` builds them."""
    root = tmp_path_factory.mktemp("packs")
    geo = {"basemap": sample_dir / "basemap.gpkg", "areas": sample_dir / "areas.gpkg"}
    return {a: _build(ds, root / a, a, **geo) for a in ("partner", "police")}


def _map_payload(result) -> dict:
    import json

    html = (result.out / "hotspot_map.html").read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="[^"]+_data">(.*?)</script>', html, re.S)
    return json.loads(raw.group(1))


def test_geography_reaches_the_summary_the_map_and_the_printed_page(packs, sample_dir, reports_dir):
    import geopandas as gpd
    import pypdfium2 as pdfium

    r = packs["police"]
    wards = gpd.read_file(sample_dir / "areas.gpkg")
    areas = r.summary["areas"]
    assert [a["area_id"] for a in areas] == list(wards["area_id"])
    assert all(set(a) == {"area_id", "name", "episodes", "children", "hotspots"} for a in areas)
    assert sum(a["hotspots"] for a in areas) <= 15 and sum(a["episodes"] for a in areas) > 0
    payload = _map_payload(r)
    streets = set(gpd.read_file(sample_dir / "basemap.gpkg", layer="roads")["name"].dropna())
    assert payload["basemap"] is not None and set(payload["basemap"]["names"]) & streets
    assert len(payload["areas"]) == len(wards)
    from contextmap.views.places import decode_columns

    assert len(decode_columns(payload["loc"])["emerging"]) == payload["meta"]["n"]
    html = r.html.read_text(encoding="utf-8")
    assert "Counts by area" in html and "Hotspot pattern over the period" in html
    # the printed map: an A4 landscape page of its own, with street names and "name (1st)" labels
    reader = PdfReader(r.pdf)
    land = [i for i, pg in enumerate(reader.pages) if float(pg.mediabox.width) > float(pg.mediabox.height)]
    assert len(land) == 1
    page = pdfium.PdfDocument(r.pdf)[land[0]]
    page.render(scale=1.5).to_pil().save(reports_dir / "pack_map_page.png")  # to look at
    text = reader.pages[land[0]].extract_text()
    (reports_dir / "pack_map_page.txt").write_text(text, encoding="utf-8")
    assert "Places of concern: map" in text and len({s for s in streets if s in text}) >= 5
    assert re.search(r"\S \(1st\)", text) and "grid north" in text and "Ranked places" in text
    assert "The score adds up signals of concern" in re.sub(r"\s+", " ", text)


def _texts(result) -> dict[str, str]:
    """Every written file as text (PDF: extracted text; GeoPackage: every cell)."""
    out = {}
    for rel in result.files:
        p = result.out / rel
        if p.suffix == ".pdf":
            out[rel] = "\n".join(page.extract_text() for page in PdfReader(p).pages)
        elif p.suffix == ".gpkg":
            with sqlite3.connect(p) as con:
                tables = [r[0] for r in con.execute("select table_name from gpkg_contents")]
                out[rel] = "\n".join(
                    "\t".join(map(str, row)) for t in tables for row in con.execute(f'select * from "{t}"')
                )
        else:
            out[rel] = p.read_text(encoding="utf-8", errors="replace")
    return out


def _identifiers(ds) -> dict[str, set[str]]:
    c_links = ds.links.loc[ds.links["handling_code"] == "C", "link_id"]
    return {
        "child name": set(ds.children["name"].dropna()),
        "child id": set(ds.children["child_id"]),
        "person id": set(ds.persons["person_id"]),
        "C-coded link": set(c_links),
    }


def _found(text: str, values: set[str]) -> set[str]:
    return {v for v in values if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)}


def test_partner_pack_discloses_no_name_raw_id_or_c_coded_link(packs, ds):
    r = packs["partner"]
    texts = _texts(r)
    assert {"pack.html", "pack.pdf", "hotspot_map.html", "network.html", "summary.json"} <= set(texts)
    assert any(f.startswith("exports/") for f in texts)
    ids = _identifiers(ds)
    assert ids["C-coded link"], "the fixture must hold C-coded intelligence for this test to mean anything"
    for name, text in texts.items():
        for kind, values in ids.items():
            assert not _found(text, values), f"{kind} in partner {name}"
    # the pages say the spoken pseudonyms (Child A, by rank); the annex and exports keep the keyed
    # ones as the stable reference
    assert "Child A" in texts["pack.html"] and "Child A" in texts["pack.pdf"]
    assert "Child-" not in texts["pack.pdf"] and "Child-" in texts["annex.pdf"]
    assert "Child-" in texts["exports/flags.csv"]
    # one name per person in every file: the top person of concern is "Person A" on the pages, in
    # the network view and in the exports, beside the keyed id
    persons = pd.read_csv(r.out / "exports" / "persons_of_concern.csv", dtype=str)
    top = persons.loc[persons["rank"].astype(int).idxmin()]
    assert top["label"] == "Person A" and top["person_id"].startswith("Person-")
    assert "Person A" in texts["network.html"] and "Person A" in texts["pack.pdf"]


def test_police_pack_shows_names_ids_and_c_coded_links(packs, ds):
    texts = _texts(packs["police"])
    ids = _identifiers(ds)
    for f in ("pack.html", "pack.pdf"):
        assert _found(texts[f], ids["child name"]), f
        assert _found(texts[f], ids["child id"] | ids["person id"]), f
    assert _found(texts["exports/provenance.csv"], ids["C-coded link"])


def test_handling_notice_and_marking_on_every_pdf_page(packs):
    for aud, r in packs.items():
        pages = PdfReader(r.pdf).pages
        assert len(pages) > 3
        for i, page in enumerate(pages, 1):
            text = page.extract_text()
            assert "OFFICIAL-SENSITIVE" in text, (aud, i)
            assert f"page {i} of {len(pages)}" in text, (aud, i)
            assert "special-category personal data" in re.sub(r"\s+", " ", text), (aud, i)


def test_pack_html_is_self_contained_and_escaped(packs):
    html = packs["partner"].html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "<svg" in html  # the pictures are inline
    for section in ("MACE agenda", "Children to decide on today", "1. Since the last meeting", "2. Trends by month",
                    "3. Places of concern", "4. Persons of concern", "5. Peer groups", "6. Children", "Data quality"):
        assert section in html
    # in the order a MACE works, each section in its numbered place: agenda, places, persons, groups, children
    order = [html.index(f'id="{s}"') for s in ("agenda", "since", "trends", "places", "places-map", "profiles",
                                                "persons", "groups", "children", "appendix")]
    assert order == sorted(order)
    annex = (packs["partner"].out / "annex.html").read_text(encoding="utf-8")
    assert "Annex: full lists and provenance" in annex and "<script" not in annex.lower() and "<svg" not in annex


def test_every_uncorroborated_or_e_graded_association_is_marked(packs):
    html = (packs["police"].out / "annex.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", html.split('id="provenance"')[1], re.S)
    e_rows = [r for r in rows if re.search(r">\dE [PC]", r)]
    assert all("suspected false" in r for r in e_rows)
    assert any("uncorroborated" in r for r in rows)


def test_geopackage_and_graphml_open_in_other_tools(packs):
    out = packs["police"].out / "exports"
    layers = {name for name, _ in pyogrio.list_layers(out / "locations.gpkg")}
    assert {"locations", "hotspots"} <= layers
    G = nx.read_graphml(out / "network.graphml")
    g = ig.Graph.Read_GraphML(str(out / "network.graphml"))
    assert G.number_of_nodes() == g.vcount() > 0 and G.number_of_edges() == g.ecount() > 0
    hs = pyogrio.read_dataframe(out / "locations.gpkg", layer="hotspots")
    assert len(hs) == len(packs["police"].summary["hotspots"])


def test_exports_carry_areas_and_emerging_hotspots_for_gis(packs, sample_dir):
    import geopandas as gpd

    out = packs["police"].out / "exports"
    layers = {name for name, _ in pyogrio.list_layers(out / "locations.gpkg")}
    assert {"areas", "emerging_cells"} <= layers
    areas = pyogrio.read_dataframe(out / "locations.gpkg", layer="areas")
    assert list(areas["area_id"]) == list(gpd.read_file(sample_dir / "areas.gpkg")["area_id"])
    by_area = {a["area_id"]: a["episodes"] for a in packs["police"].summary["areas"]}
    assert dict(zip(areas["area_id"], areas["episodes"], strict=True)) == by_area  # the map's and summary's figures
    table = pd.read_csv(out / "areas.csv", dtype={"area_id": str})
    assert table["episodes"].tolist() == areas["episodes"].tolist()
    places = pd.read_csv(out / "emerging_places.csv", dtype=str)
    assert {"location_id", "category", "events"} <= set(places.columns) and len(places)
    cells = pyogrio.read_dataframe(out / "locations.gpkg", layer="emerging_cells")
    assert len(cells) and cells.geometry.geom_type.eq("Polygon").all()
    # a partner sees the same layers with small counts suppressed, as in the printed pack
    part = pd.read_csv(packs["partner"].out / "exports" / "areas.csv", dtype=str)
    assert not part["children"].isin([str(n) for n in range(1, 5)]).any()
    assert part["hotspots"].str.fullmatch(r"\d+").all()  # places are not people: not suppressed
    pe = pd.read_csv(packs["partner"].out / "exports" / "emerging_places.csv", dtype=str)
    assert not pe["events"].isin([str(n) for n in range(1, 5)]).any()


def test_csv_exports_neutralise_formulas(packs):
    for p in (packs["police"].out / "exports").glob("*.csv"):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        for col in df.columns:
            assert not df[col].str.match(r"^[=+@\t\r]").any(), (p.name, col)


def test_audit_entry_records_the_disclosure(packs):
    e = packs["partner"].audit_entry
    assert e["audience"] == "partner"
    assert any(o["path"].endswith("pack.pdf") and o["sha256"] for o in e["outputs"])
    assert e["period"] == {"from": START, "to": END}


def test_existing_pack_is_not_overwritten(packs, ds):
    with pytest.raises(contextmap.OutputExistsError):
        _build(ds, packs["police"].out, "police", pdf=False)


def test_privacy_hit_publishes_nothing(ds, tmp_path, monkeypatch):
    # simulate a leak: the summary would carry a child's raw id into the partner pack
    from contextmap.pack import write as pack_mod

    real = pack_mod.summary_with_extras

    def leaky(an, aud):
        s = real(an, aud)
        s["leak"] = ds.children["child_id"].iloc[0]
        return s

    monkeypatch.setattr(pack_mod, "summary_with_extras", leaky)
    with pytest.raises(contextmap.PrivacyError):
        _build(ds, tmp_path / "leaky", "partner", pdf=False)
    assert not (tmp_path / "leaky").exists()
    assert not any(tmp_path.glob(".leaky*"))


# --- the previous-pack comparison, with planted changes ------------------------------------


def _append(path: Path, rows: list[dict]) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([df, pd.DataFrame(rows)], ignore_index=True).fillna("").to_csv(path, index=False)


def test_changes_since_previous_pack_are_exactly_the_planted_ones(sample_dir, packs, tmp_path):
    a = packs["police"]
    state = a.summary
    panel_before = {f["child_id"] for f in state["flags"] if f["flag"] == "meets_panel_criteria"}
    grouped = {c for g in state["peer_groups"] for c in g["children"]}
    ds0 = contextmap.load(sample_dir)
    ch = ds0.children
    ep_count = ds0.episodes["child_id"].value_counts()
    quiet = [c for c in ch["child_id"] if c not in grouped and c not in panel_before and ep_count.get(c, 0) <= 1
             and ch.set_index("child_id").loc[c, "ce_risk"] in ("none", "low")]
    assert len(quiet) >= 6, "the fixture needs quiet children to plant changes on"
    hot_kids, risk_kid = quiet[:5], quiet[5]
    big = max(state["peer_groups"], key=lambda g: len(g["children"]))

    d = tmp_path / "modified"
    shutil.copytree(sample_dir, d)
    # a new hotspot: five children missing and found at a new place, months apart, a few hours
    # each, where a new person of concern is known to spend time (a busy place with no
    # person of concern would not be a place of concern)
    _append(d / "locations.csv", [{"location_id": "LNEW1", "name": "Quenby Underpass", "category": "other",
                                   "latitude": "54.8600", "longitude": "-2.8700"}])
    _append(d / "episodes.csv", [
        {"episode_id": f"ENEW{i}", "child_id": c, "reported_at": f"2026-{3 + i:02d}-10 20:00",
         "returned_at": f"2026-{3 + i:02d}-10 23:00", "classification": "missing", "found_location_id": "LNEW1",
         "rhi_at": f"2026-{3 + i:02d}-11 10:00", "rhi_outcome": "completed"}
        for i, c in enumerate(hot_kids)])
    # a new person of concern linked to two children of one existing group
    _append(d / "persons.csv", [{"person_id": "PNEW1", "name": "Zebedee Quillfeather"}])
    _append(d / "links.csv", [
        {"link_id": f"KNEW{i}", "source_id": "PNEW1", "target_id": c, "relation": "associate",
         "observed_on": "2026-09-01", "source_type": "police", "grading": "1A P"}
        for i, c in enumerate(big["children"][:2])] + [
        {"link_id": "KNEWPLACE", "source_id": "PNEW1", "target_id": "LNEW1", "relation": "frequents",
         "observed_on": "2026-08-15", "source_type": "police", "grading": "1B P"}])
    # a child pushed over the panel criteria by a new risk assessment
    chdf = pd.read_csv(d / "children.csv", dtype=str, keep_default_na=False)
    chdf.loc[chdf["child_id"] == risk_kid, ["ce_risk", "risk_reviewed_on"]] = ["high", "2026-10-20"]
    chdf.to_csv(d / "children.csv", index=False)

    b = _build(contextmap.load(d), tmp_path / "b", "police", previous=a.out, pdf=False)
    c = b.changes
    assert [h["location_id"] for h in c.new_hotspots] == ["LNEW1"]
    assert c.escalating_hotspots == []
    assert [p["person_id"] for p in c.new_persons] == ["PNEW1"]
    assert c.new_panel_children == [risk_kid]
    assert c.merged_groups == [] and c.split_groups == []
    assert c.new_group_links == []
    # one word each, the same everywhere: only the planted place and person are new, only the
    # child whose risk was raised escalates, and nothing else moved
    st = b.meeting.states
    assert {i for i, v in st.places.items() if v["state"] == "new"} == {"LNEW1"}
    assert {i for i, v in st.persons.items() if v["state"] == "new"} == {"PNEW1"}
    assert st.children[risk_kid]["state"] == "escalating"
    assert re.fullmatch(r"risk raised from (none|low) to high", st.children[risk_kid]["reason"])
    assert {i for i, v in st.children.items() if v["state"] not in ("steady", "")} <= {risk_kid, *hot_kids}
    html = b.html.read_text(encoding="utf-8")
    assert "Quenby Underpass" in html and "Zebedee Quillfeather" in html
    # on the agenda with their state and why, in the tables with the same word
    agenda = html.split('id="agenda"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<strong>Quenby Underpass</strong> \(ranked \d+\) <span class="state state-new">new</span> '
                     r'first recorded 2026-03-10', agenda)
    assert re.search(r'<strong>Zebedee Quillfeather</strong> <span class="state state-new">new</span> first recorded', agenda)
    persons = html.split('id="persons"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<td>Zebedee Quillfeather</td><td></td><td><span class="state state-new">new</span>', persons)
    assert b.changes.new_marks()["LNEW1"].startswith("new:")
    net = (b.out / "network.html").read_text(encoding="utf-8")
    assert "new: first recorded 2026-08-15" in net and "escalating: risk raised" in net
    from contextmap.views.places import decode_columns

    loc = _map_payload(b)["loc"]  # the map rings it as new, and only it
    assert [decode_columns(loc)["name"][j] for j in loc["new"]] == ["Quenby Underpass"]
    summary = b.summary
    assert {h["location_id"]: h["state"] for h in summary["hotspots"]}["LNEW1"] == "new"
    hot_csv = pd.read_csv(b.out / "exports" / "hotspots.csv", dtype=str).set_index("location_id")
    assert hot_csv.loc["LNEW1", "state"] == "new" and "trend" not in hot_csv.columns


def test_partner_packs_compare_on_stable_pseudonyms(ds, packs, tmp_path):
    again = _build(ds, tmp_path / "again", "partner", previous=packs["partner"].out, pdf=False)
    assert again.changes is not None and again.changes.is_empty

    def without_states(hs):
        return [{k: v for k, v in h.items() if k not in ("state", "trend")} for h in hs]

    assert without_states(again.summary["hotspots"]) == without_states(packs["partner"].summary["hotspots"])
    # compared with an identical pack, nothing is new or escalating
    assert {v["state"] for v in again.meeting.states.places.values()} == {"steady"}
    with pytest.raises(contextmap.ConfigError, match="pseudonym"):
        _build(ds, tmp_path / "mixed", "police", previous=packs["partner"].out, pdf=False)


def test_resolution_runs_on_real_names_before_redaction(packs, ds):
    """Partner packs pseudonymise names, so resolution must run before redaction: both
    audiences list the same number of merged entities, the partner pack without raw ids."""
    from contextmap.resolve.dataset import resolve_dataset

    expected = len(resolve_dataset(ds).resolution.merged)
    assert expected > 0, "the fixture must hold duplicate records for this test to mean anything"
    rows = {}
    for audience, result in packs.items():
        html = (result.out / "annex.html").read_text(encoding="utf-8")
        section = html.split('id="full-merged"', 1)[1].split("</table>", 1)[0]
        rows[audience] = section.count("<tr><td>")
    assert rows["police"] == rows["partner"] == expected
    partner = packs["partner"].html.read_text(encoding="utf-8")
    merged_section = partner.split('id="merged"', 1)[1].split("</table>", 1)[0]
    assert " records</td>" in merged_section and merged_section.count("<tr><td>") == min(expected, 25)


def test_partner_exports_suppress_small_counts_as_the_printed_pack_does(packs):
    partner = pd.read_csv(packs["partner"].out / "exports" / "hotspots.csv", dtype=str)
    police = pd.read_csv(packs["police"].out / "exports" / "hotspots.csv", dtype=str)
    small = police["children"].astype(int).between(1, 4)
    assert small.any(), "the fixture must hold places with few children for this test to mean anything"
    assert set(partner["children"]) - {"<5"} <= {str(n) for n in range(0, 1000) if n == 0 or n >= 5}
    assert (partner["children"] == "<5").any()
    assert partner["rank"].str.fullmatch(r"\d+").all()  # ranks are not counts
    persons = pd.read_csv(packs["partner"].out / "exports" / "persons_of_concern.csv", dtype=str)
    assert not persons["children_reached"].isin([str(n) for n in range(1, 5)]).any()


# --- the sample's meeting pack as the meeting reads it ------------------------------------


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory):
    """`contextmap pack data/sample --audience internal`, with its PDF and annex."""
    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("meeting") / "internal"
    return build_pack(root / "data" / "sample", out=out, audience="internal", audit_log=out.parent / "audit.jsonl")


def test_sample_pack_is_at_most_20_pages_with_the_annex_beside_it(sample_pack):
    pages = len(PdfReader(sample_pack.pdf).pages)
    assert pages <= 20, pages
    annex = PdfReader(sample_pack.out / "annex.pdf")
    assert len(annex.pages) >= 1
    assert "Annex: full lists and provenance" in annex.pages[0].extract_text()
    assert {"annex.html", "annex.pdf", "manifest.json"} <= set(sample_pack.files)
    # the pack refers to the records behind associations by number; the annex lists them
    html = sample_pack.html.read_text(encoding="utf-8")
    profiles = html.split('id="profiles"', 1)[1].split("</section>", 1)[0]
    records = set(re.findall(r"<td>([KE]\d{6}|rhi-E\d{6}-\d+)</td>", profiles))
    annex_text = (sample_pack.out / "annex.html").read_text(encoding="utf-8")
    assert len(records) >= 20 and all(f"<td>{r}</td>" in annex_text for r in records)


def test_pack_and_annex_share_one_head_and_marking(sample_pack):
    def parts(name):
        html = (sample_pack.out / name).read_text(encoding="utf-8")
        head, body = html.split("<body>", 1)
        return re.sub(r"<title>.*?</title>", "", head), re.search(r"<title>(.*?)</title>", head).group(1), body

    pack_head, pack_title, pack_body = parts("pack.html")
    annex_head, annex_title, annex_body = parts("annex.html")
    assert pack_head == annex_head and "Content-Security-Policy" in pack_head
    assert " - mapping pack - " in pack_title and " - annex - " in annex_title
    assert pack_title.replace("mapping pack", "annex") == annex_title
    for body in (pack_body, annex_body):
        assert body.lstrip().startswith('<div class="marking top screen-only">OFFICIAL-SENSITIVE')
        assert body.rstrip().endswith("</small></div>\n</body>\n</html>")


def _code_words(text: str) -> set[str]:
    """Words written as code: snake_case identifiers (file names and record numbers aside)."""
    return {w for w in re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text)
            if not re.search(rf"{w}\.(csv|json|html|pdf|gpkg|graphml|gexf)", text)}


def test_sample_pack_prints_no_code_style_words(sample_pack):
    text = "\n".join(p.extract_text() for p in PdfReader(sample_pack.pdf).pages)
    text = re.sub(r"\s+", " ", text)
    assert _code_words(text) == set()
    for code in ("meets_panel_criteria", "rhi_late", "risk_review_overdue", "ce_risk", "food_outlet", "found_at"):
        assert code not in text
    assert "meets panel criteria" in text and "Risk of exploitation" in text


def test_sample_pack_names_children_in_the_cohort_and_decisions(sample_pack):
    ds = contextmap.load(Path(__file__).resolve().parents[1] / "data" / "sample")
    html = sample_pack.html.read_text(encoding="utf-8")
    cohort = html.split('id="children"', 1)[1].split("</section>", 1)[0]
    named = set(ds.children["name"].dropna())
    rows = re.findall(r'<tr><td class="num">\d+\.</td><td class="nowrap">([^<]+?)</td>', cohort)
    assert rows and sum(r in named for r in rows) / len(rows) > 0.95  # names, not ids
    agenda = html.split('id="agenda-children"', 1)[1].split("</div>", 1)[0]
    assert sum(n in agenda for n in named) >= 10


def test_changes_name_children_not_ids(sample_pack, tmp_path):
    """A direct link between groups reads as the two children's names."""
    from contextmap.pack.write import names_for

    labels = {"C1": "Amber Example", "C2": "Ben Example", "P1": "Big T"}
    assert names_for(["C1\u2013C2", "P1"], labels) == ["a direct link between Amber Example and Ben Example", "Big T"]


@pytest.mark.parametrize("same_age", [False, True])
def test_two_children_of_one_name_are_told_apart_wherever_names_are_listed(ds, sample_dir, tmp_path, same_age):
    # the annex lists every peer group's children: give two of them one invented name, and each
    # is listed with their age, and their record too where the ages are the same; a name only
    # one child has is not
    an = contextmap.analyze(ds, start=START, end=END)
    members = [str(c) for g in an.peer_groups.groups["children"] for c in g]
    born = pd.to_datetime(ds.children.set_index(ds.children["child_id"].astype(str))["date_of_birth"], errors="coerce")
    age = {c: age_label(born[c], on=END) for c in members if pd.notna(born.get(c))}
    first = next(iter(age))
    second = next(c for c in age if c != first and (age[c] == age[first]) == same_age)
    twin = contextmap.load(sample_dir)
    twin.children.loc[twin.children["child_id"].astype(str).isin([first, second]), "name"] = "Zephyrine Quillfeather"
    r = _build(twin, tmp_path / "pack", "internal", pdf=False)
    annex = (r.out / "annex.html").read_text(encoding="utf-8")
    if same_age:  # their numbers in the children list, in words: never a record id on a page
        want = [re.escape(f"Zephyrine Quillfeather ({age[c]}, child no. ") + r"\d+\)" for c in (first, second)]
        found = {m for w in want for m in re.findall(w, annex)}
        assert len(found) == 2 and not re.search(r"Zephyrine Quillfeather \([^)]*\b[CP]\d{4}", annex), found
    else:
        want = [f"Zephyrine Quillfeather ({age[c]})" for c in (first, second)]
        assert len(set(want)) == 2 and all(w in annex for w in want), want
    once = ds.children["name"].map(ds.children["name"].value_counts()) == 1
    other = next(n for c, n in zip(ds.children["child_id"].astype(str), ds.children["name"], strict=True)
                 if c in set(members) - {first, second} and once[ds.children["child_id"].astype(str) == c].all())
    assert other in annex and not re.search(re.escape(other) + r" \(\d+", annex)

"""Red-team cases as tests: hostile and careless input must not leak, lose a file or go unlogged.

Each case here was tried against contextmap as an attacker or a careless user would try it.
The dataset is the sample generator's (12 children) with disguised names seeded into it:
accents, reordered name parts, separators, line breaks, zero-width characters, names inside
place names and relation words, a quarantined child's home. The leak checks read every file
with their own folding (written here, not the package's), so a bug shared by the scan and
the redaction cannot hide a leak.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

import contextmap
from contextmap import OutputExistsError, PrivacyError, privacy
from contextmap.pack import publish
from contextmap.pack.build import build_pack
from contextmap.privacy import audit

pytestmark = pytest.mark.slow

KEY = privacy.Pseudonymiser(b"test key for the hostile tests, not a real key")
AUDIT_KEY = b"an audit key for the hostile tests only"
START, END = "2025-11-01", "2026-10-31"
PASSPHRASE = "correct horse battery staple"

CHILD_A = "Megan Wharton"
CHILD_B = "Chlo\u00e9 Dawson"
CHILD_MATH = "Tom $x\\alpha$ Price"
HOME = "12 Acacia Avenue"
DISGUISED_PLACES = {
    "accent dropped, in a place name": "Chloe Dawson Cafe",
    "accent decomposed (NFD)": "Chloe\u0301 Dawson Takeaway",
    "surname first with a comma": "Wharton, Megan",
    "underscore": "Megan_Wharton",
    "two spaces": "Megan  Wharton",
    "line break": "Megan\nWharton",
    "no-break space": "Megan\u00a0Wharton",
    "capitals and hyphen": "MEGAN-WHARTON",
    "zero-width space": "Me\u200bgan Wharton",
    "apostrophe": "Megan Wharton's Garage",
    "run together": "MeganWharton Barbers",
}
PUBLIC_ODD = ["$$$ Money Shop $$$", "{{ 7*7 }} Cafe", "<script>alert(1)</script> Bar", "back\\slash $ Stop"]
RELATION = "cousin of Megan Wharton"


def reader(text: str) -> str:
    """How a reader reads: no case, no accents, no zero-width marks, one space for any separator."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in "\u200b'\u2019")
    return " " + re.sub(r"[\W_]+", " ", text.lower()).strip() + " "


FORBIDDEN_READINGS = [" megan wharton ", " wharton megan ", " meganwharton ", " chloe dawson ",
                      " acacia avenue ", " quinn quarantine ", " cousin of megan "]


def _hostile(d: Path) -> Path:
    from contextmap.sample.generate import generate_sample

    generate_sample(children=12, seed=1).write(d)
    ch = pd.read_csv(d / "children.csv", dtype=str, keep_default_na=False)
    lo = pd.read_csv(d / "locations.csv", dtype=str, keep_default_na=False)
    li = pd.read_csv(d / "links.csv", dtype=str, keep_default_na=False)
    ch.loc[0, "name"], ch.loc[1, "name"], ch.loc[2, "name"] = CHILD_A, CHILD_B, CHILD_MATH
    base = lo.iloc[0].to_dict()
    places = list(DISGUISED_PLACES.values()) + PUBLIC_ODD
    # about 600 m apart, so place resolution keeps each one apart
    new = [dict(base, location_id=f"LX{i}", name=nm, category="shop", postcode="", easting="", northing="",
                latitude=f"{54.80 + 0.0055 * i:.6f}", longitude=f"{-2.99 + 0.0055 * i:.6f}")
           for i, nm in enumerate(places)]
    new.append(dict(base, location_id="LHOME", name=HOME, category="other", postcode="CA9 9ZZ",
                    latitude="54.890123", longitude="-2.931234"))
    lo = pd.concat([lo, pd.DataFrame(new)], ignore_index=True)
    quarantined = dict(ch.iloc[3].to_dict(), child_id="", name="Quinn Quarantine", date_of_birth="not a date",
                       home_location_id="LHOME")
    ch = pd.concat([ch, pd.DataFrame([quarantined])], ignore_index=True)
    row = li.iloc[1].to_dict()
    links = [dict(row, link_id=f"KX{i}", source_id=ch.loc[i % 3, "child_id"], target_id=f"LX{i}",
                  relation="visited", source_type="education", grading="1A P", summary="")
             for i in range(len(places))]
    links.append(dict(row, link_id="KXR", source_id=ch.loc[0, "child_id"], target_id=ch.loc[4, "child_id"],
                      relation=RELATION, source_type="education", grading="1A P", summary="met Megan Wharton"))
    li = pd.concat([li, pd.DataFrame(links)], ignore_index=True)
    ch.to_csv(d / "children.csv", index=False)
    lo.to_csv(d / "locations.csv", index=False)
    li.to_csv(d / "links.csv", index=False)
    return d


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    return _hostile(tmp_path_factory.mktemp("hostile") / "data")


@pytest.fixture(scope="module")
def hostile(hostile_dir):
    return contextmap.load(hostile_dir)


@pytest.fixture(scope="module")
def audit_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    return {"log": root / "audit.jsonl", "head": root / "head.json"}


@pytest.fixture(scope="module", autouse=True)
def _audit_key(tmp_path_factory):
    d = tmp_path_factory.mktemp("auditkey")
    key = d / "audit.key"
    key.write_text(AUDIT_KEY.hex() + "\n")
    key.chmod(0o600)
    saved = os.environ.get("CONTEXTMAP_AUDIT_KEY_FILE")
    os.environ["CONTEXTMAP_AUDIT_KEY_FILE"] = str(key)
    yield
    if saved is None:
        os.environ.pop("CONTEXTMAP_AUDIT_KEY_FILE", None)
    else:
        os.environ["CONTEXTMAP_AUDIT_KEY_FILE"] = saved


def _build(ds, out, audience="partner", **kw):
    kw.setdefault("audit_log", out.parent / "audit.jsonl")
    return build_pack(ds, out=out, audience=audience, start=START, end=END, pseudonymiser=KEY, **kw)


@pytest.fixture(scope="module")
def partner(hostile, tmp_path_factory):
    """The partner pack of the seeded dataset, PDF included and encrypted for sending."""
    root = tmp_path_factory.mktemp("partner")
    return _build(hostile, root / "pack", encrypt_pdf=PASSPHRASE)


@pytest.fixture(scope="module")
def internal(hostile, tmp_path_factory):
    root = tmp_path_factory.mktemp("internal")
    return _build(hostile, root / "pack", audience="internal", pdf=False)


def _read_all(result) -> dict[str, str]:
    """Every file as the reader sees it: PDF (decrypted) page text, GeoPackage cells, text."""
    from pypdf import PdfReader

    out = {}
    for p in sorted(Path(result.out).rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(result.out))
        if p.suffix == ".pdf":
            r = PdfReader(p)
            if r.is_encrypted:
                r.decrypt(PASSPHRASE)
            out[rel] = "\n".join((pg.extract_text() or "") for pg in r.pages)
        elif p.suffix == ".gpkg":
            with sqlite3.connect(p) as con:
                tables = [t for (t,) in con.execute("select name from sqlite_master where type='table'")]
                out[rel] = "\n".join(str(v) for t in tables for row in con.execute(f'select * from "{t}"')
                                     for v in row if isinstance(v, str))
        elif p.suffix == ".png":
            continue
        else:
            out[rel] = p.read_bytes().decode("utf-8", errors="replace")
    return out


# --- leaks from partner packs --------------------------------------------------------------


@pytest.mark.parametrize("reading", FORBIDDEN_READINGS)
def test_partner_pack_holds_no_disguised_name_in_any_file(partner, reading):
    leaks = [rel for rel, text in _read_all(partner).items() if reading in reader(text)]
    assert leaks == [], f"{reading.strip()!r} readable in {leaks}"


def test_partner_pack_has_every_kind_of_file_scanned(partner):
    files = set(_read_all(partner))
    assert {"pack.pdf", "pack.html", "network.html", "hotspot_map.html", "exports/locations.gpkg",
            "exports/network.graphml", "exports/network.gexf"} <= files
    assert any(f.startswith("exports/i2/") for f in files)


@pytest.mark.parametrize("label", sorted(DISGUISED_PLACES))
def test_places_named_after_children_are_pseudonyms_for_partners(partner, hostile, label):
    red = privacy.redact_dataset(hostile, "partner", pseudonymiser=KEY, as_of=END)
    name = DISGUISED_PLACES[label]
    lid = hostile.locations.loc[hostile.locations["name"] == name, "location_id"].iloc[0]
    pseudo = KEY.pseudonym(lid, kind="location")
    assert red.locations.loc[red.locations["location_id"] == pseudo, "name"].tolist() == [pseudo]


def test_public_place_names_not_naming_anyone_are_kept(hostile):
    red = privacy.redact_dataset(hostile, "partner", pseudonymiser=KEY, as_of=END)
    assert set(PUBLIC_ODD) <= set(red.locations["name"].dropna())


def test_unknown_relation_word_is_withheld_not_vocabulary(partner, hostile):
    red = privacy.redact_dataset(hostile, "partner", pseudonymiser=KEY, as_of=END)
    assert RELATION not in set(red.links["relation"].dropna())
    assert privacy.redact.UNKNOWN_RELATION in set(red.links["relation"])
    texts = _read_all(partner)
    assert not any("cousin" in t.lower() for t in texts.values())


def test_relation_word_kept_for_internal_audience(internal):
    assert any(" cousin of megan wharton " in reader(t) for t in _read_all(internal).values())


def test_quarantined_childs_home_is_private_and_generalised(partner, hostile):
    assert "LHOME" in privacy.redact.home_location_ids(hostile)
    red = privacy.redact_dataset(hostile, "partner", pseudonymiser=KEY, as_of=END)
    home = red.locations.loc[red.locations["location_id"] == KEY.pseudonym("LHOME", kind="location")].iloc[0]
    assert home["name"].startswith("Place-")
    assert abs(home["latitude"] - 54.890123) > 1e-4 or abs(home["longitude"] + 2.931234) > 1e-4
    assert not any("54.890123" in t or "-2.931234" in t for t in _read_all(partner).values())


def test_quarantined_childs_name_is_forbidden(hostile):
    f = privacy.forbidden_identifiers(hostile, "partner")
    assert f.kind("Quinn Quarantine") == "child name" and "quarantined" in f.origins["Quinn Quarantine"]


def test_audit_entry_lists_the_encrypted_pdf(partner):
    assert partner.audit_entry["encrypted_pdf"] is True
    assert any(o["path"].endswith("pack.pdf") for o in partner.audit_entry["outputs"])


def test_pdf_is_encrypted_with_aes_256(partner):
    from pypdf import PdfReader

    r = PdfReader(partner.out / "pack.pdf")
    assert r.is_encrypted and r.decrypt("wrong passphrase") == 0
    assert r.decrypt(PASSPHRASE) > 0 and "/AESV3" in str(r.trailer["/Encrypt"].get_object())


# --- the scan reads as a reader reads --------------------------------------------------------

SCAN_FORMS = {
    "as written": "Megan Wharton",
    "lower case": "megan wharton",
    "surname first": "Wharton, Megan",
    "surname first, no comma": "WHARTON MEGAN",
    "underscore": "megan_wharton",
    "two spaces": "Megan  Wharton",
    "tab": "Megan\tWharton",
    "line break": "Megan\r\nWharton",
    "no-break space": "Megan\u00a0Wharton",
    "hyphen": "Megan-Wharton",
    "dots": "Megan.Wharton",
    "zero-width joiner": "Meg\u200dan Wharton",
    "soft hyphen": "Me\u00adgan Wharton",
    "accent added": "M\u00e9gan Wharton",
    "full-width letters": "\uff2d\uff45\uff47\uff41\uff4e Wharton",
    "run together": "MeganWharton",
    "camel case in an id": "id=MeganWharton;",
}


def _forbidden_one(name=CHILD_A, kind="child name"):
    return privacy.Forbidden({name: kind}, {name}, {name: "children row 2"})


@pytest.mark.parametrize("form", sorted(SCAN_FORMS))
def test_scan_finds_each_disguise_in_plain_text(form):
    hits = privacy.scan_outputs([f"note: {SCAN_FORMS[form]} was seen"], _forbidden_one())
    assert [h.kind for h in hits] == ["child name"]


@pytest.mark.parametrize("suffix,body", [
    (".html", "<p>Wharton,&#10;Megan</p>"),
    (".html", "<script type='application/json'>{\"n\": \"Megan\\u00a0Wharton\"}</script>"),
    (".json", json.dumps({"label": "WHARTON_MEGAN"})),
    (".csv", "id,name\n1,\"Wharton, Megan\"\n"),
    (".graphml", "<graphml><node id='n1'><data key='label'>Megan&#xA0;Wharton</data></node></graphml>"),
    (".gexf", "<gexf><node id='n1' label='megan-wharton'/></gexf>"),
    (".js", "var x = 'Me' + 'gan'; var y = \"Megan\\nWharton\";"),
    (".svg", "<svg><text>Wharton,</text>\n<text>Megan</text></svg>"),
])
def test_scan_finds_disguises_in_every_text_format(tmp_path, suffix, body):
    p = tmp_path / f"out{suffix}"
    p.write_text(body, encoding="utf-8")
    hits = privacy.scan_outputs([p], _forbidden_one())
    assert hits and {h.kind for h in hits} == {"child name"}


def test_scan_finds_disguises_in_geopackage_cells(tmp_path):
    con = sqlite3.connect(tmp_path / "x.gpkg")
    con.execute("CREATE TABLE places (fid INTEGER, name TEXT)")
    con.executemany("INSERT INTO places VALUES (?, ?)", [(1, "Wharton,\nMegan"), (2, "Megan"), (3, "Wharton")])
    con.commit()
    con.close()
    hits = privacy.scan_outputs([tmp_path / "x.gpkg"], _forbidden_one())
    assert [h.where for h in hits] == ["table 'places' row 1 column 'name'"]


def test_scan_finds_disguises_in_pdf_text(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.1, 0.5, "seen with WHARTON, M\u00c9GAN", parse_math=False)
    fig.savefig(tmp_path / "x.pdf")
    hits = privacy.scan_outputs([tmp_path / "x.pdf"], _forbidden_one())
    assert hits and hits[0].kind == "child name" and hits[0].where.startswith("page 1")


@pytest.mark.parametrize("text", ["Meganne Wharton", "Megan Whartonson", "Omega Nwharton", "Megan", "Wharton Road",
                                  "megan wharton2", "xmegan wharton"])
def test_scan_does_not_fire_on_other_words(text):
    assert privacy.scan_outputs([text], _forbidden_one()) == []


def test_ids_still_match_exactly_not_folded():
    f = privacy.Forbidden({"C0001": "entity id"})
    assert privacy.scan_outputs(["c0001 C 0001 C_0001"], f) == []
    assert len(privacy.scan_outputs(["node C0001."], f)) == 1


def test_vendored_libraries_verified_by_hash_and_skipped(tmp_path):
    from contextmap.privacy.scan import vendored_digests
    from contextmap.views import html as vh

    for text in (vh.asset_text("vis-network.min.js"), vh.leaflet_js(), vh.markercluster_js()):
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() in vendored_digests()
    js = vh.asset_text("vis-network.min.js")
    assert "Unknown language" in js
    f = privacy.Forbidden({"Unknown Language": "person name"}, {"Unknown Language"})
    page = tmp_path / "network.html"
    page.write_text(f"<html>{vh.inline_script(js)}<p>ok</p></html>", encoding="utf-8")
    assert privacy.scan_outputs([page], f) == []
    # a changed copy is not the library: it is scanned like everything else
    page.write_text(f"<html>{vh.inline_script(js + ';var a=1')}</html>", encoding="utf-8")
    assert privacy.scan_outputs([page], f)
    # and our own data in the same page is scanned
    page.write_text(f"<html>{vh.inline_script(js)}<p>unknown-language</p></html>", encoding="utf-8")
    assert len(privacy.scan_outputs([page], f)) == 1


def test_refusal_message_names_kind_file_position_and_row_never_the_value(tmp_path):
    (tmp_path / "network.html").write_text("<div>\n  x Wharton, Megan</div>", encoding="utf-8")
    with pytest.raises(PrivacyError) as info:
        privacy.check_outputs([tmp_path], _forbidden_one())
    msg = str(info.value)
    assert "child name found in network.html at line 2, column 5" in msg and "children row 2" in msg
    assert "Megan" not in msg and "Wharton" not in msg
    assert info.value.hits[0].value == CHILD_A


# --- the pack refuses, and says why ----------------------------------------------------------


def _leaky(monkeypatch, value):
    from contextmap.pack import write as pack_write

    real = pack_write.summary_with_extras

    def leaky(an, aud):
        s = real(an, aud)
        s["note"] = value
        return s

    monkeypatch.setattr(pack_write, "summary_with_extras", leaky)


def test_refused_pack_publishes_nothing_and_leaves_no_staging(hostile, tmp_path, monkeypatch):
    _leaky(monkeypatch, "WHARTON,\nmegan")
    with pytest.raises(PrivacyError) as info:
        _build(hostile, tmp_path / "p", pdf=False)
    assert "child name found in summary.json" in str(info.value) and "children row 2" in str(info.value)
    assert "egan" not in str(info.value)
    assert sorted(x.name for x in tmp_path.iterdir()) == []


def test_keep_failed_keeps_the_refused_staging_for_inspection(hostile, tmp_path, monkeypatch):
    _leaky(monkeypatch, "Megan_Wharton")
    with pytest.raises(PrivacyError) as info:
        _build(hostile, tmp_path / "p", pdf=False, keep_failed=True)
    kept = info.value.kept
    assert kept.is_dir() and (kept / "summary.json").is_file() and not (tmp_path / "p").exists()
    assert str(kept) in str(info.value)
    publish.recover(tmp_path / "p")  # a kept folder is the operator's: no cleanup touches it
    assert kept.is_dir()


def test_cli_refusal_exit_3_names_the_identifier_without_writing_it(hostile_dir, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from contextmap.cli import app

    _leaky(monkeypatch, "wharton megan")
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "a.jsonl"))
    r = CliRunner().invoke(app, ["pack", str(hostile_dir), "--out", str(tmp_path / "p"), "--audience", "partner",
                                 "--no-pdf", "--from", START, "--to", END])
    assert r.exit_code == 3, r.output
    assert "child name found in summary.json" in r.output and "children row 2" in r.output
    assert "wharton" not in r.output.lower() and "values are shown only on an interactive terminal" in r.output
    assert not (tmp_path / "p").exists() and not (tmp_path / "a.jsonl").exists()


# --- text is text ----------------------------------------------------------------------------


def test_dollar_and_backslash_names_do_not_crash_and_stay_literal(internal):
    texts = _read_all(internal)
    assert "$$$ Money Shop $$$" in texts["exports/hotspots.csv"] + texts["exports/provenance.csv"]
    assert any(CHILD_MATH in t for t in texts.values())


def test_template_syntax_in_data_is_not_evaluated(internal):
    texts = _read_all(internal)
    assert not any("49 Cafe" in t for t in texts.values())
    assert any("{{ 7*7 }} Cafe" in t for t in texts.values())


def test_markup_in_data_is_escaped_in_every_html_file(internal):
    for rel, text in _read_all(internal).items():
        if rel.endswith(".html"):
            assert "<script>alert(1)</script>" not in text, rel


def test_group_picture_draws_math_looking_labels_as_text():
    import networkx as nx

    from contextmap.pack.content import group_picture

    G = nx.Graph()
    G.add_node("a", kind="child", label=CHILD_MATH)
    G.add_node("b", kind="location", label="$$$ Money Shop $$$")
    G.add_node("c", kind="person", label="back\\slash $ one")
    G.add_edge("a", "b", corroborated=True)
    G.add_edge("a", "c", corroborated=False)
    svg = str(group_picture(G, ["a"], ["b", "c"], seed=0))
    assert "$$$ Money Shop $$$" in svg and "$x\\alpha$" in svg and "back\\slash $ one" in svg


# --- the disruption record: the team's free text (goals, tactics, breaches, owners) ---------------

TEAM_TEXTS = ["Wharton, Megan", "MEGAN-WHARTON", "Me\u200bgan Wharton", "Chlo\u00e9 Dawson",
              "<script>alert(1)</script>", "{{ 7*7 }} Cafe", CHILD_MATH, "\u202eevil\u202c"]
"""Written by the team into every free-text field: a child's name in disguise, markup, template and
mathtext syntax, a direction override."""


@pytest.fixture(scope="module")
def disruption_ws(hostile_dir, tmp_path_factory):
    """A workspace of the seeded dataset whose case, goal, action, tactic and breach all carry TEAM_TEXTS."""
    from contextmap.workspace import init_workspace

    ws_path = tmp_path_factory.mktemp("disruption") / "team.cmw"
    text = " / ".join(TEAM_TEXTS)
    with init_workspace(ws_path) as ws:
        ws.import_source(hostile_dir)
        place = str(contextmap.load(hostile_dir).locations["location_id"].iloc[0])
        case = ws.open_case(kind="location", subject=place, title=f"case {text}", opened="2026-01-05")
        ws.add_goal(case, text=f"goal {text}", measure=f"measure {text}", review="2027-01-01")
        ws.add_action(case, owner=f"owner {text}", due="2026-12-01", text=f"action {text}", p="protect")
        t = ws.add_tactic(case, kind="community protection warning", issued="2026-03-01", owner=f"owner {text}",
                          text=f"tactic {text}", review="2026-12-01")
        ws.add_breach(t.number, on="2026-04-01", text=f"breach {text}")
        ws.end_tactic(t.number, reason=f"ended {text}")
    return ws_path, place


@pytest.mark.parametrize("audience", ["partner", "free-text-no-names"])
def test_the_teams_free_text_never_carries_a_name_into_a_profile(disruption_ws, tmp_path, audience):
    from contextmap.pack.profile import build_profile
    from contextmap.settings import Settings

    ws_path, place = disruption_ws
    st = Settings.from_dict({"audiences": {"free-text-no-names": {"based_on": "partner", "show_free_text": True}}})
    r = build_profile(place, workspace=ws_path, out=tmp_path / "profile", audience=audience, settings=st,
                      pseudonymiser=KEY, audit_log=tmp_path / "audit.jsonl")
    texts = _read_all(r)
    assert {"profile.html", "profile.pdf"} <= set(texts)
    for reading in FORBIDDEN_READINGS:
        leaks = [rel for rel, text in texts.items() if reading in reader(text)]
        assert leaks == [], f"{reading.strip()!r} readable in {leaks}"
    html = texts["profile.html"]
    assert "<script>alert(1)</script>" not in html and "49 Cafe" not in html
    assert "\u202e" not in html and "\\u202eevil\\u202c" in html  # an owner is shown to all: as data
    if audience == "partner":  # the team's words are withheld whole; the owning agency shown, without names
        assert "withheld for this audience" in html and "owner [name withheld] / [name withheld]" in html
        for field in ("case", "goal", "measure", "action", "tactic", "breach", "ended"):
            assert f"{field} [name withheld]" not in html, field
    else:  # shown, escaped, with every disguise of the name taken out
        assert "tactic [name withheld] / [name withheld] / [name withheld] / [name withheld] / &lt;script&gt;" in html
        assert "owner [name withheld]" in html and "{{ 7*7 }} Cafe / " in html


def test_the_teams_free_text_is_shown_escaped_and_never_evaluated_internally(disruption_ws, tmp_path):
    from contextmap.pack.profile import build_profile

    ws_path, place = disruption_ws
    r = build_profile(place, workspace=ws_path, out=tmp_path / "profile", audience="internal", pdf=False,
                      audit_log=tmp_path / "audit.jsonl")
    html = r.html.read_text(encoding="utf-8")
    body = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    for field in ("case", "goal", "measure", "action", "tactic", "breach", "ended", "owner"):
        assert f"{field} Wharton, Megan / MEGAN-WHARTON" in body, field
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "{{ 7*7 }} Cafe" in body and "49 Cafe" not in body and CHILD_MATH in body


def test_the_teams_free_text_on_the_command_line_is_data(disruption_ws):
    from typer.testing import CliRunner

    from contextmap.cli import app

    ws_path, _ = disruption_ws
    for args in (["tactic", "list"], ["tactic", "show", "tactic-1"], ["case", "goal", "list"], ["case", "show", "case-1"],
                 ["action", "list", "--p", "protect"]):
        r = CliRunner().invoke(app, [*args, "--workspace", str(ws_path)])
        assert r.exit_code == 0, (args, r.output)
        assert "\u202e" not in r.output and "\\u202eevil\\u202c" in r.output, args
        assert "<script>alert(1)</script>" in r.output  # printed as written, never read as markup


# --- safe replacement ------------------------------------------------------------------------


def test_overwrite_never_deletes_a_folder_contextmap_did_not_write(hostile, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputExistsError, match="not a pack contextmap wrote"):
        _build(hostile, mine, pdf=False, overwrite=True)
    assert (mine / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


@pytest.mark.parametrize("where", ["the input", "a parent of the input", "inside the input"])
def test_out_may_not_be_the_input_or_around_it(hostile_dir, tmp_path, where):
    out = {"the input": hostile_dir, "a parent of the input": hostile_dir.parent,
           "inside the input": hostile_dir / "pack"}[where]
    (hostile_dir.parent / publish.MARKER).write_text("{}")  # even a marked folder
    try:
        before = sorted(p.name for p in hostile_dir.iterdir())
        with pytest.raises(OutputExistsError, match="apart from the input"):
            build_pack(hostile_dir, out=out, audience="partner", pdf=False, overwrite=True, pseudonymiser=KEY,
                       audit_log=tmp_path / "a.jsonl")
        assert sorted(p.name for p in hostile_dir.iterdir()) == before
    finally:
        (hostile_dir.parent / publish.MARKER).unlink()


def test_overwrite_replaces_a_pack_whole(hostile, tmp_path):
    out = tmp_path / "pack"
    first = _build(hostile, out, pdf=False)
    (out / "stale.txt").write_text("left by hand")
    second = _build(hostile, out, pdf=False, overwrite=True)
    assert not (out / "stale.txt").exists() and (out / publish.MARKER).is_file()
    assert set(second.files) == set(first.files)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_symlinked_out_is_followed_and_kept(hostile, tmp_path):
    target = tmp_path / "real" / "pack"
    link = tmp_path / "link"
    link.symlink_to(target)
    r = _build(hostile, link, pdf=False)
    assert link.is_symlink() and (target / "pack.html").is_file() and r.html.is_file()
    _build(hostile, link, pdf=False, overwrite=True)
    assert link.is_symlink() and link.resolve() == target.resolve() and (target / publish.MARKER).is_file()


def test_symlinked_out_that_cannot_work_is_refused_before_any_work(tmp_path):
    link = tmp_path / "link"
    link.symlink_to("/dev/null/pack")
    with pytest.raises(OutputExistsError, match="symbolic link"):
        build_pack(tmp_path / "no-such-input", out=link, pdf=False)  # refused before reading the input


def test_a_kill_between_the_two_renames_is_repaired(hostile, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    old = _build(hostile, out, pdf=False)
    old_hashes = {f: audit.hash_file(out / f) for f in old.files}
    real_rename = os.rename
    calls = []

    def dying_rename(a, b):
        calls.append((a, b))
        real_rename(a, b)
        if len(calls) == 1:
            raise publish.Terminated("killed between the renames")

    monkeypatch.setattr(publish.os, "rename", dying_rename)
    with pytest.raises(publish.Terminated):
        _build(hostile, out, pdf=False, overwrite=True)
    monkeypatch.setattr(publish.os, "rename", real_rename)
    assert not out.exists()  # the old pack is aside, whole
    done = publish.recover(out)
    assert any("restored" in d for d in done)
    assert {f: audit.hash_file(out / f) for f in old.files} == old_hashes
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_recover_touches_only_what_contextmap_marked(tmp_path):
    out = tmp_path / "pack"
    out.mkdir()
    (out / publish.MARKER).write_text("{}")
    foreign = tmp_path / ".pack.staging-notours"
    foreign.mkdir()
    (foreign / "x").write_text("someone else's")
    dead = tmp_path / ".pack.staging-dead"
    dead.mkdir()
    (dead / publish.STAGING_MARKER).write_text(json.dumps({"pid": 2 ** 22 + 12345}))
    live = tmp_path / ".pack.staging-live"
    live.mkdir()
    (live / publish.STAGING_MARKER).write_text(json.dumps({"pid": os.getpid()}))
    trash = tmp_path / ".pack.trash-1"
    trash.mkdir()
    (out / publish.STAGING_MARKER).write_text(json.dumps({"pid": 2 ** 22 + 12345}))  # killed after the swap
    publish.recover(out)
    assert foreign.is_dir() and live.is_dir() and not dead.exists() and not trash.exists()
    assert (out / publish.MARKER).is_file() and not (out / publish.STAGING_MARKER).exists()


def _cli(args, env):
    code = "import sys; from contextmap.cli import main; sys.argv = ['contextmap'] + sys.argv[1:]; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _state(folder: Path) -> dict[str, str]:
    """Each file of a pack and its hash (a staging marker left by a kill just after the swap
    is not part of the pack: recover() removes it)."""
    return {str(p.relative_to(folder)): audit.hash_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != publish.STAGING_MARKER}


@pytest.fixture()
def cli_env(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    env["CONTEXTMAP_AUDIT_LOG"] = str(tmp_path / "audit.jsonl")
    env["CONTEXTMAP_AUDIT_HEAD"] = str(tmp_path / "audit.head")
    return env


def test_killed_at_any_moment_the_old_or_the_new_pack_is_whole(hostile_dir, tmp_path, cli_env):
    out = tmp_path / "pack"
    args = ["pack", str(hostile_dir), "--out", str(out), "--audience", "partner", "--no-pdf",
            "--from", START, "--to", END, "--overwrite"]
    p = _cli(args, cli_env)
    t0 = time.monotonic()
    _, err = p.communicate(timeout=300)
    full = time.monotonic() - t0
    assert p.returncode == 0, err.decode()
    old = _state(out)
    names = set(old)
    outcomes = []
    for frac in (0.3, 0.6, 0.85, 0.95):
        p = _cli(args, cli_env)
        time.sleep(full * frac)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        now = _state(out)  # before any recovery
        assert set(now) == names, f"after SIGKILL at {frac:.0%}: pack not whole"
        outcomes.append("old" if now == old else "new")
        assert publish.MARKER in now
        left = [x.name for x in tmp_path.iterdir() if x.name.startswith(".pack.")]
        publish.recover(out)
        assert set(_state(out)) == names and not (out / publish.STAGING_MARKER).exists()
        assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".pack.")] == [], left
        old = _state(out)
    assert outcomes  # which one depends on timing; both are whole


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_remove_the_staging_folder(hostile_dir, tmp_path, cli_env, sig, code):
    # the signal is sent as soon as the staging folder is seen; the build may still finish
    # first (the process exits between our look and the signal). That run must then have
    # published a whole pack; try again until a signal lands during the build.
    stopped, finished = False, 0
    for attempt in range(6):
        root = tmp_path / f"try{attempt}"
        root.mkdir()
        out = root / "pack"
        p = _cli(["pack", str(hostile_dir), "--out", str(out), "--audience", "partner", "--no-pdf",
                  "--from", START, "--to", END], cli_env)
        deadline = time.monotonic() + 120
        while not list(root.glob(".pack.staging-*")) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
        if p.poll() is None:
            p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        if p.returncode == 0:  # finished before the signal arrived: whole, nothing left over
            assert (out / publish.MARKER).exists() and list(root.glob(".pack.*")) == [], err.decode()
            finished += 1
            continue
        assert p.returncode == code, err.decode()
        assert b"Traceback" not in err and b"nothing was published" in err
        assert not out.exists() and list(root.glob(".pack.*")) == []
        stopped = True
        break
    assert stopped, "every build finished before the signal: no run was interrupted"
    # only the packs that were published are in the audit log; the interrupted one is not
    logged = audit.read_audit(tmp_path / "audit.jsonl") if (tmp_path / "audit.jsonl").exists() else []
    assert len(logged) == finished


def test_the_next_run_cleans_what_a_sigkill_left(hostile_dir, tmp_path, cli_env):
    out = tmp_path / "pack"
    args = ["pack", str(hostile_dir), "--out", str(out), "--audience", "partner", "--no-pdf", "--from", START, "--to", END]
    p = _cli(args, cli_env)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".pack.staging-*")) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    assert list(tmp_path.glob(".pack.staging-*"))  # left behind by the kill
    p = _cli(args, cli_env)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()
    assert list(tmp_path.glob(".pack.*")) == [] and (out / publish.MARKER).is_file()


# --- the audit log cannot be quietly edited ----------------------------------------------------


def _log(tmp_path, n=3):
    log, head = tmp_path / "a.jsonl", tmp_path / "a.head"
    for i in range(n):
        audit.append_audit(log, audience="partner", input_path=None, input_hash=f"sha256:{i:064x}", outputs=[],
                           user="analyst", head_path=head)
    assert audit.verify_audit(log, head_path=head) == []
    return log, head


def _lines(log):
    return log.read_bytes().splitlines(keepends=True)


TAMPERING = {
    "edit the last entry": lambda ls: ls[:-1] + [ls[-1].replace(b"partner", b"police")],
    "edit a middle entry": lambda ls: [ls[0], ls[1].replace(b"analyst", b"someone"), ls[2]],
    "delete the last entry": lambda ls: ls[:-1],
    "delete the first entry": lambda ls: ls[1:],
    "delete every entry": lambda ls: [],
    "swap two entries": lambda ls: [ls[1], ls[0], ls[2]],
    "duplicate an entry": lambda ls: ls + [ls[-1]],
    "invalid JSON": lambda ls: ls[:-1] + [b"{not json\n"],
    "non-UTF-8 byte": lambda ls: ls[:-1] + [ls[-1].replace(b"partner", b"p\xffrtner")],
    "a JSON list": lambda ls: ls + [b"[1, 2]\n"],
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_audit_detects_tampering_exit_1_without_traceback(tmp_path, how):
    from typer.testing import CliRunner

    from contextmap.cli import app

    log, head = _log(tmp_path)
    log.write_bytes(b"".join(TAMPERING[how](_lines(log))))
    assert audit.verify_audit(log, head_path=head)
    os.environ["CONTEXTMAP_AUDIT_HEAD"] = str(head)
    try:
        r = CliRunner().invoke(app, ["audit", "--log", str(log)])
    finally:
        del os.environ["CONTEXTMAP_AUDIT_HEAD"]
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_audit_rechained_without_the_key_is_detected(tmp_path):
    import hmac as _hmac

    log, head = _log(tmp_path)
    entries = [json.loads(x) for x in _lines(log)]
    entries[-1]["audience"] = "police"
    forged = b"another key an attacker made up"
    prev = entries[-2]["mac"]
    entries[-1]["prev"] = prev
    body = {k: v for k, v in entries[-1].items() if k != "mac"}
    entries[-1]["mac"] = _hmac.new(forged, json.dumps(body, sort_keys=True, separators=(",", ":"),
                                                      ensure_ascii=False).encode(), "sha256").hexdigest()
    log.write_text("".join(json.dumps(e) + "\n" for e in entries))
    assert any("MAC" in p for p in audit.verify_audit(log, head_path=head))


@pytest.mark.parametrize("how", ["edited", "deleted"])
def test_audit_head_edited_or_deleted_is_detected(tmp_path, how):
    log, head = _log(tmp_path)
    if how == "deleted":
        head.unlink()
    else:
        h = json.loads(head.read_text())
        h["count"] = 2
        head.write_text(json.dumps(h))
    assert audit.verify_audit(log, head_path=head)


def test_audit_refuses_to_append_to_a_tampered_log(tmp_path):
    log, head = _log(tmp_path)
    log.write_bytes(b"".join(_lines(log)[:-1]))
    with pytest.raises(audit.AuditError, match="sealed head"):
        audit.append_audit(log, audience="partner", input_path=None, outputs=[], user="u", head_path=head)


def test_audit_key_must_live_outside_a_repository(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("CONTEXTMAP_AUDIT_KEY_FILE", str(tmp_path / "keys" / "audit.key"))
    with pytest.raises(PrivacyError, match="outside any repository"):
        audit.append_audit(tmp_path / "a.jsonl", audience="partner", input_path=None, outputs=[], user="u",
                           head_path=tmp_path / "h")


@pytest.mark.parametrize("log", ["/dev/full", "/dev/null/audit.jsonl"])
def test_pack_whose_disclosure_cannot_be_logged_is_not_published(hostile, tmp_path, log):
    with pytest.raises(audit.AuditError, match="nothing is published"):
        _build(hostile, tmp_path / "p", pdf=False, audit_log=log)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_logging_publishes_nothing_and_leaves_the_log_whole(hostile, tmp_path, monkeypatch):
    import errno

    log = tmp_path / "logs" / "a.jsonl"
    _build(hostile, tmp_path / "first", pdf=False, audit_log=log)
    before = log.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audit.os, "fsync", full)
    with pytest.raises(audit.AuditError, match="No space left"):
        _build(hostile, tmp_path / "second", pdf=False, audit_log=log)
    monkeypatch.undo()
    assert not (tmp_path / "second").exists() and log.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert audit.verify_audit(log) == []


# --- paths in the input ----------------------------------------------------------------------


def test_mapping_file_outside_the_dataset_folder_is_refused(hostile_dir, tmp_path):
    import shutil

    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    (tmp_path / "elsewhere.csv").write_bytes((d / "links.csv").read_bytes())
    m = tmp_path / "m.yaml"
    m.write_text("tables:\n  links:\n    file: ../elsewhere.csv\n")
    with pytest.raises(contextmap.ContextMapError, match="outside the folder"):
        contextmap.load(d, mapping=m)


def test_dangling_symlink_is_named_as_such(hostile_dir, tmp_path):
    import shutil

    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    (d / "links.csv").unlink()
    (d / "links.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(contextmap.ContextMapError, match="symbolic link"):
        contextmap.load(d)


def test_map_page_never_evaluates_data_as_a_template(tmp_path):
    from contextmap.views.html import json_for_script

    hostile_names = ["{{ 7*7 }}", "{% for x in range(3) %}x{% endfor %}", "{# gone #}",
                     "{{ ''.__class__.__mro__ }}"]
    text = json_for_script({"names": hostile_names})
    assert json.loads(text) == {"names": hostile_names}
    assert not re.search(r"\{[{%#]", text)


def test_audit_without_its_key_is_reported_not_trusted(tmp_path, monkeypatch):
    log, head = _log(tmp_path)
    monkeypatch.setenv("CONTEXTMAP_AUDIT_KEY_FILE", str(tmp_path / "no-such.key"))
    problems = audit.verify_audit(log, head_path=head)
    assert problems and "missing" in problems[0]


def test_mapping_may_allow_a_file_outside_the_folder_and_it_is_noted(hostile_dir, tmp_path):
    import shutil

    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    (tmp_path / "elsewhere.csv").write_bytes((d / "links.csv").read_bytes())
    (d / "links.csv").unlink()
    m = tmp_path / "m.yaml"
    m.write_text("allow_outside: true\ntables:\n  links:\n    file: ../elsewhere.csv\n")
    ds = contextmap.load(d, mapping=m)
    assert len(ds.links) > 0
    assert ds.report.problems["reason"].str.contains("outside the dataset folder").any()
    m.write_text("allow_outside: yes please\ntables: {}\n")
    with pytest.raises(contextmap.ContextMapError, match="allow_outside must be true or false"):
        contextmap.load(d, mapping=m)

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
KYLE_ = "Kyle Nettleton"
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
    """This module's audit key, and a team log of its own to go with it: the run's shared log
    holds entries other modules sealed with the run's key, which this key cannot verify (a
    command writing to the default log then stopped as tampered, depending on test order)."""
    d = tmp_path_factory.mktemp("auditkey")
    key = d / "audit.key"
    key.write_text(AUDIT_KEY.hex() + "\n")
    key.chmod(0o600)
    mine = {"CONTEXTMAP_AUDIT_KEY_FILE": str(key), "CONTEXTMAP_AUDIT_LOG": str(d / "team-audit.jsonl")}
    saved = {k: os.environ.get(k) for k in mine}
    os.environ.update(mine)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


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
    # round three: look-alike letters, invisible characters, letter spacing, glued suffixes
    "Cyrillic look-alikes": "\u041c\u0435g\u0430n Wh\u0430rt\u043en",
    "Cyrillic capitals": "\u041c\u0415G\u0410N WH\u0410RT\u041eN",
    "Greek look-alikes": "\u039c\u0395G\u0391\u039d W\u0397\u0391RT\u039f\u039d",
    "mathematical bold letters": "\U0001d40c\U0001d41e\U0001d420\U0001d41a\U0001d427 Wharton",
    "left-to-right mark inside": "Meg\u200ean Wharton",
    "combining grapheme joiner inside": "Meg\u034fan Wharton",
    "variation selector inside": "Megan\ufe0f Whar\ufe0fton",
    "invisible separator inside": "Me\u2063gan Wha\u2063rton",
    "Hangul filler inside": "Megan Wh\u3164arton",
    "Mongolian vowel separator inside": "Mega\u180en Wharton",
    "letter spaced": "M e g a n  W h a r t o n",
    "letter spaced with dots": "M.e.g.a.n W.h.a.r.t.o.n",
    "glued suffix": "MeganWharton4eva",
    "glued digit": "Megan Wharton2",
    "glued prefix, camel case": "LoveMeganWharton",
    "glued digit prefix": "4evaMeganWharton",
    "look-alikes and invisible and glued": "\u041c\u0435g\u200ean Wh\u0430rton2",
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
                                  "xmegan wharton", "MeganWhartonia", "megan whartonsville", "Megan Road, Wharton",
                                  "M e g a n", "Meg an Whar ton"])
def test_scan_does_not_fire_on_other_words(text):
    assert privacy.scan_outputs([text], _forbidden_one()) == []


def test_a_one_word_name_is_not_read_inside_a_code_but_two_words_glued_are():
    f = privacy.Forbidden({"Eden": "person name", KYLE_: "child name"}, {"Eden", KYLE_})
    assert privacy.scan_outputs(["Link-EDEN37N3,Child-SD2NVW", "colour #3EDEN4"], f) == []
    assert [h.value for h in privacy.scan_outputs(["seen with Eden.", "KYLENETTLETON2", "xKyleNettleton"], f)] == \
        ["Eden", KYLE_, KYLE_]


def test_a_numbered_list_item_is_not_the_address_that_begins_with_its_number():
    f = privacy.Forbidden({"3 Fern Way": "home address"}, {"3 Fern Way"})
    assert privacy.scan_outputs(["<text>3. Fern Way bus stop</text>", "3) Fern Way shops"], f) == []
    assert len(privacy.scan_outputs(["lives at 3 Fern Way", "3 FERN WAY"], f)) == 2


def test_a_coordinate_before_a_place_name_is_not_the_address_that_begins_with_its_last_digit():
    # a network view's data: [..., x, y, ...], ["Fern Way bus stop", ...]; with one key the
    # layout put y at -391.3 and the reader read "3 Fern Way", a home, and refused the pack
    f = privacy.Forbidden({"3 Fern Way": "home address"}, {"3 Fern Way"})
    nodes = '[["Place AC", "location", -120.4, -391.3, ""], ["Fern Way bus stop", "location", 2, 5.0, 7]]'
    assert privacy.scan_outputs([nodes, '{"x": 12,3, "label": "Fern Way shops"}'], f) == []
    assert len(privacy.scan_outputs(['[["3 Fern Way", "location", -120.4, -391.3]]', "-391.3 3 Fern Way"], f)) == 2


def test_scan_does_not_read_a_digit_glued_to_a_letter_as_the_start_of_an_address():
    f = privacy.Forbidden({"5 Tanners Lane": "home address"}, {"5 Tanners Lane"})
    assert privacy.scan_outputs(['<data key="d5">Tanners Lane bus stop</data>'], f) == []
    assert len(privacy.scan_outputs(["seen at 5 Tanners Lane"], f)) == 1


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
        assert "tactic [name withheld] / [name withheld] / [name withheld] / &lt;script&gt;" in html
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


@pytest.mark.parametrize("audience", ["internal", "partner"])
def test_the_teams_breach_text_on_the_packs_agenda_is_data_without_names(disruption_ws, tmp_path, audience):
    """The partner is given the tactics' texts by its settings (``tactics.audiences.partner.free_text``),
    not the names in them."""
    import shutil

    from contextmap.pack.build import build_pack
    from contextmap.settings import Settings

    ws_path, _ = disruption_ws
    mine = tmp_path / "team.cmw"  # a pack records a meeting: each test its own copy
    shutil.copy(ws_path, mine)
    st = Settings.from_dict({"tactics": {"audiences": {"partner": {"free_text": True}}}})
    r = build_pack(None, workspace=mine, out=tmp_path / "pack", pdf=False, audience=audience, settings=st,
                   pseudonymiser=KEY, audit_log=tmp_path / "audit.jsonl")
    html = r.html.read_text(encoding="utf-8")
    breaches = html.split('id="agenda-breaches"', 1)[1].split("</div>", 1)[0]
    assert "breached 2026-04-01" in breaches
    assert "<script>alert(1)</script>" not in html and "49 Cafe" not in breaches
    assert "\u202e" not in breaches and "\\u202eevil\\u202c" in breaches  # shown as its escape
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in breaches and "{{ 7*7 }} Cafe" in breaches
    # the action's owner, printed to every audience on page 1 and in the workspace section, is
    # read as the team's other text: names out for a partner, invisible characters as escapes
    assert "\u202e" not in html
    if audience == "internal":
        assert "breach Wharton, Megan / MEGAN-WHARTON" in breaches
        assert "owner Wharton, Megan / MEGAN-WHARTON" in html
    else:
        assert "breach [name withheld] / [name withheld] / [name withheld] / &lt;script&gt;" in breaches
        assert "owner [name withheld] / [name withheld] / [name withheld] / &lt;script&gt;" in html
        for reading in FORBIDDEN_READINGS:
            assert reading not in reader(html), reading.strip()


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


# --- round three: disguised names in every file type a pack writes --------------------------

LOOKALIKE = "\u041a\u0443l\u0435 N\u0435ttl\u0435t\u043en"  # Cyrillic Ka, u, ie, o: reads "Kyle Nettleton"
KYLE = "Kyle Nettleton"


def _forbidden_kyle():
    return privacy.Forbidden({KYLE: "child name"}, {KYLE}, {KYLE: "children row 2"})


@pytest.mark.parametrize("suffix,body", [
    (".html", f"<td>{LOOKALIKE}</td>"),
    (".csv", f"id,{LOOKALIKE}\n1,x\n"),  # a header
    (".json", json.dumps({LOOKALIKE: 1})),  # a key
    (".json", json.dumps({"label": "K y l e  N e t t l e t o n"}, ensure_ascii=True)),
    (".graphml", "<graphml><node id='n1'><data key='label'>Kyle\u2063Nettleton</data></node></graphml>"),
    (".gexf", f"<gexf><node id='n1' label='{LOOKALIKE}'/><attvalue for='0' value='KyleNettleton4eva'/></gexf>"),
    (".gexf", "<gexf><node id='n1' label='x'><attvalue for='note' value='Ky\u200ele Nett\u034fleton2'/></node></gexf>"),
    (".svg", "<svg><text>K\u3164yle</text><text>Nettl\u180eeton</text></svg>"),
])
def test_scan_reads_look_alikes_and_invisibles_in_every_text_format(tmp_path, suffix, body):
    p = tmp_path / f"out{suffix}"
    p.write_text(body, encoding="utf-8")
    hits = privacy.scan_outputs([p], _forbidden_kyle())
    assert hits and {h.kind for h in hits} == {"child name"}


def test_scan_reads_geopackage_layer_names_attribute_names_and_accented_cells(tmp_path):
    con = sqlite3.connect(tmp_path / "x.gpkg")
    con.execute('CREATE TABLE "K\u0443le_N\u0435ttleton" (fid INTEGER, note TEXT)')
    con.execute('CREATE TABLE places (fid INTEGER, "Kyl\u00e9 N\u00e9ttlet\u00f3n" TEXT, name TEXT)')
    con.execute("INSERT INTO places VALUES (1, 'x', 'K\u00ffl\u00e9 N\u00e8ttl\u00eaton Caf\u00e9')")
    con.commit()
    con.close()
    where = [h.where for h in privacy.scan_outputs([tmp_path / "x.gpkg"], _forbidden_kyle())]
    assert any("table name" in w for w in where)
    assert any("column name" in w for w in where)
    assert "table 'places' row 1 column 'name'" in where


def test_scan_reads_pdf_text_and_metadata_in_look_alike_letters(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.add_metadata({"/Title": LOOKALIKE, "/Subject": "K y l e  N e t t l e t o n"})
    w.write(tmp_path / "x.pdf")
    where = [h.where for h in privacy.scan_outputs([tmp_path / "x.pdf"], _forbidden_kyle())]
    assert "metadata /Title" in where and "metadata /Subject" in where


def test_scan_reads_file_and_folder_names_and_never_prints_them(tmp_path):
    pack = tmp_path / "pack"
    (pack / "exports" / f"{LOOKALIKE} files").mkdir(parents=True)
    (pack / "exports" / f"{LOOKALIKE} files" / "a.csv").write_text("id\n1\n")
    (pack / "exports" / "KyleNettleton4eva.csv").write_text(f"id,n\n1,{KYLE}\n")
    with pytest.raises(PrivacyError) as info:
        privacy.check_outputs([pack], _forbidden_kyle())
    msg = str(info.value)
    assert "(file and folder names)" in msg and "path entry" in msg
    assert "its name is withheld" in msg  # the content hit in a file whose name is a child's
    assert "Nettleton" not in msg and "ettl" not in msg


def test_scan_does_not_read_base64_payloads_as_words(tmp_path):
    import base64

    payload = base64.b64encode(b"\x00" * 3 + b"KyleNettleton" + b"\xff" * 3).decode()
    assert "KyleNettleton" in base64.b64decode(payload).decode("latin-1")
    p = tmp_path / "x.html"
    p.write_text(f'<img src="data:image/png;base64,{payload}"><p>ok</p>', encoding="utf-8")
    assert [h for h in privacy.scan_outputs([p], _forbidden_kyle()) if "after" not in h.where] == []


def test_confusables_table_is_unicodes_file_byte_for_byte():
    from importlib import resources

    from contextmap.privacy import folding

    data = resources.files("contextmap.privacy").joinpath("confusables.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == folding.CONFUSABLES_SHA256
    assert b"# Version: 18.0.0" in data[:400] and len(folding.confusables()) > 6000


def test_one_confusables_table_behind_every_lookalike_reading():
    """Ingest, place text and the workspace read look-alike letters through one function on
    Unicode's table, each keeping its own rule: ingest reads them as Latin inside a Latin word
    (a Russian name stays Russian), place text reads them as Latin, the workspace tells the
    look-alike name from the real one and names the letters."""
    from contextmap.ingest.names import fold_lookalikes, person_name_key
    from contextmap.ingest.placetext import clean_place_text
    from contextmap.privacy.folding import latin_lookalike
    from contextmap.workspace.lookup import fold_name, lookalike_letters, skeleton

    armenian_o, greek_nu, cyrillic_es = "\u0585", "\u039d", "\u0421"  # none in the same hand-written list before
    assert (latin_lookalike(armenian_o), latin_lookalike(greek_nu), latin_lookalike(cyrillic_es)) == ("o", "N", "C")
    assert latin_lookalike("\u00e9") == "" and latin_lookalike("\uff21") == ""  # an accent, a full-width A: no look-alikes
    name = f"{cyrillic_es}{armenian_o}rey {greek_nu}ettleton"
    assert person_name_key(name) == "corey nettleton"  # ingest: read as Latin inside Latin words
    assert fold_lookalikes("\u0421\u0435\u0440\u0433\u0435\u0439") == "\u0421\u0435\u0440\u0433\u0435\u0439"
    assert clean_place_text(f"H{armenian_o}me") == "Home"  # place text: read as Latin
    assert skeleton(name) == skeleton("Corey Nettleton") and fold_name(name) != fold_name("Corey Nettleton")
    assert [x.split(" (")[1].split(",")[0] for x in lookalike_letters(name)] == [
        "CYRILLIC CAPITAL LETTER ES", "ARMENIAN SMALL LETTER OH", "GREEK CAPITAL LETTER NU"]


# --- round three: a partner pack from disguised data ---------------------------------------

GLUED_PLACES = {
    "glued suffix": "KyleNettleton4eva Gym",
    "glued digit": "Kyle Nettleton2 Store",
    "camel case prefix": "LoveKyleNettleton Tattoo",
    "accented": "Kyl\u00e9 N\u00e9ttlet\u00f3n Caf\u00e9",
    "accents decomposed": "Kyle\u0301 Nettleton Takeaway",
}
_TEST_LOOKALIKES = str.maketrans({"\u041a": "K", "\u0443": "y", "\u0435": "e", "\u043e": "o", "\u039d": "N", "\u0430": "a"})


def squash(text: str) -> str:
    """The test's own reading, independent of the package's: look-alikes this file uses
    mapped back, every format or combining character and separator dropped, no case."""
    text = unicodedata.normalize("NFKD", text.translate(_TEST_LOOKALIKES))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Mn", "Me") and c not in "\u3164\u115f\u1160")
    return re.sub(r"[\W_]+", "", text.lower())


def _kyle_dir(d: Path) -> Path:
    from contextmap.sample.generate import generate_sample

    generate_sample(children=12, seed=1).write(d)
    ch = pd.read_csv(d / "children.csv", dtype=str, keep_default_na=False)
    ch.loc[0, "name"] = KYLE
    ch.to_csv(d / "children.csv", index=False)
    ep = pd.read_csv(d / "episodes.csv", dtype=str, keep_default_na=False)
    ep[KYLE] = "ignored"  # a column header naming a child, dropped by ingest
    ep.to_csv(d / "episodes.csv", index=False)
    lo = pd.read_csv(d / "locations.csv", dtype=str, keep_default_na=False)
    li = pd.read_csv(d / "links.csv", dtype=str, keep_default_na=False)
    base, row = lo.iloc[0].to_dict(), li.iloc[1].to_dict()
    names = list(GLUED_PLACES.values())
    lo = pd.concat([lo, pd.DataFrame([dict(base, location_id=f"LK{i}", name=n, category="shop", postcode="",
                                           latitude=f"{54.80 + 0.0055 * i:.6f}", longitude=f"{-2.99 + 0.0055 * i:.6f}")
                                      for i, n in enumerate(names)])], ignore_index=True)
    li = pd.concat([li, pd.DataFrame([dict(row, link_id=f"KK{i}", source_id=ch.loc[1, "child_id"], target_id=f"LK{i}",
                                           relation="visited", source_type="education", grading="1A P", summary="")
                                      for i in range(len(names))])], ignore_index=True)
    lo.to_csv(d / "locations.csv", index=False)
    li.to_csv(d / "links.csv", index=False)
    return d


@pytest.fixture(scope="module")
def kyle_dir(tmp_path_factory) -> Path:
    # the dataset folder itself is named after the child
    return _kyle_dir(tmp_path_factory.mktemp("round3") / "Kyle Nettleton case files")


@pytest.fixture(scope="module")
def kyle_partner(kyle_dir, tmp_path_factory):
    """The partner pack of the disguised dataset, every PDF encrypted for sending."""
    return _build(contextmap.load(kyle_dir), tmp_path_factory.mktemp("kyle") / "pack", encrypt_pdf=PASSPHRASE)


def test_partner_pack_from_disguised_data_holds_no_reading_of_the_name_in_any_file(kyle_partner):
    texts = _read_all(kyle_partner)
    assert {"pack.pdf", "annex.pdf", "exports/locations.gpkg", "manifest.json"} <= set(texts)
    leaks = [rel for rel, text in texts.items() if "kylenettleton" in squash(text)]
    assert leaks == []
    assert not any("kylenettleton" in squash(p.name) for p in kyle_partner.out.rglob("*"))


@pytest.mark.parametrize("label", sorted(GLUED_PLACES))
def test_places_named_after_a_child_in_disguise_are_pseudonyms_for_partners(kyle_dir, label):
    ds = contextmap.load(kyle_dir)
    red = privacy.redact_dataset(ds, "partner", pseudonymiser=KEY, as_of=END)
    lid = ds.locations.loc[ds.locations["name"] == GLUED_PLACES[label], "location_id"].iloc[0]
    pseudo = KEY.pseudonym(lid, kind="location")
    assert red.locations.loc[red.locations["location_id"] == pseudo, "name"].tolist() == [pseudo]


def test_an_ignored_column_header_naming_a_child_is_withheld_from_partners(kyle_partner, kyle_dir):
    ds = contextmap.load(kyle_dir)
    assert KYLE in set(ds.report.problems["column"])  # the analyst's own report names it
    red = privacy.redact_dataset(ds, "partner", pseudonymiser=KEY, as_of=END)
    assert KYLE not in set(red.report.problems["column"].dropna())
    assert privacy.redact.OUTSIDE_CONTRACT in set(red.report.problems["column"])


def test_partner_manifest_holds_no_path_and_no_user_name(kyle_partner, kyle_dir):
    import getpass

    text = (kyle_partner.out / "manifest.json").read_text()
    for secret in (str(kyle_dir), kyle_dir.name, str(Path.home()), getpass.getuser(), "/tmp/", "/home/"):
        assert secret not in text, secret
    assert json.loads(text)["source"] == "folder"
    for rel, t in _read_all(kyle_partner).items():  # nor any other file of the pack
        assert str(kyle_dir.parent) not in t and str(Path.home()) + "/" not in t, rel


def test_every_pdf_the_pack_sends_is_encrypted(kyle_partner):
    from pypdf import PdfReader

    pdfs = sorted(p.name for p in kyle_partner.out.rglob("*.pdf"))
    assert pdfs == ["annex.pdf", "pack.pdf"]
    for name in pdfs:
        r = PdfReader(kyle_partner.out / name)
        assert r.is_encrypted and r.decrypt("wrong passphrase") == 0, name
        assert r.decrypt(PASSPHRASE) > 0 and "/AESV3" in str(r.trailer["/Encrypt"].get_object()), name


# --- round three: disguises in the input's name fields are refused, by row -----------------

NAME_FIELD_DISGUISES = {
    "Cyrillic look-alikes in a child's name": ("children.csv", "name", 0, LOOKALIKE),
    "left-to-right mark in a child's name": ("children.csv", "name", 1, "Ky\u200ele Nettleton"),
    "combining grapheme joiner in a person's name": ("persons.csv", "name", 0, "Kyl\u034fe Nettleton"),
    "variation selector in an alias": ("persons.csv", "aliases", 0, "Bi\ufe0fg K"),
    "invisible separator in a place name": ("locations.csv", "name", 0, "Kyle\u2063Nettleton Park"),
    "Hangul filler in a child's name": ("children.csv", "name", 2, "K\u3164yle Nettleton"),
    "Mongolian vowel separator in a child's name": ("children.csv", "name", 3, "Kyle Nettl\u180eeton"),
    "letter spacing in a place name": ("locations.csv", "name", 1, "K y l e  N e t t l e t o n Cafe"),
    # round two pseudonymised this place; a zero-width space inside a word is now refused
    "zero-width space in a place name": ("locations.csv", "name", 2, "Me\u200bgan Wharton Barbers"),
    "Greek capital in a person's name": ("persons.csv", "name", 1, "Kyle \u039dettleton"),
    "mathematical letters in a child's name": ("children.csv", "name", 4, "\U0001d40ayle Nettleton"),
}


@pytest.mark.parametrize("label", sorted(NAME_FIELD_DISGUISES))
def test_a_disguised_name_field_refuses_the_partner_pack_naming_file_row_and_column(hostile_dir, tmp_path, label):
    import shutil

    fname, col, i, value = NAME_FIELD_DISGUISES[label]
    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    df = pd.read_csv(d / fname, dtype=str, keep_default_na=False)
    df.loc[i, col] = value
    df.to_csv(d / fname, index=False)
    ds = contextmap.load(d)
    with pytest.raises(PrivacyError) as info:
        _build(ds, tmp_path / "p", pdf=False)
    msg = str(info.value)
    assert f"{fname} row {i + 2} column {col}" in msg, msg
    assert value not in msg and "Nettleton" not in msg and "ettl" not in msg
    assert not (tmp_path / "p").exists()
    privacy.check_disguised_names(ds, "police")  # an audience that sees names is not refused


def test_names_written_wholly_in_another_script_are_not_disguises(hostile):
    import copy

    ds = copy.deepcopy(hostile)
    ds.children.loc[0, "name"] = "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432"  # Cyrillic, one script
    ds.children.loc[1, "name"] = "\u0417\u0430\u0440\u0430 \u0646\u0648\u0631\u200c\u0627"  # Arabic with its joiner
    ds.children.loc[2, "name"] = "Zo\u00eb Ren\u00e9e O\u2019Brien-Smith"
    ds.children.loc[3, "name"] = "\ufeffMegan Wharton\u200b "  # pasted: a byte-order mark, a trailing zero-width space
    assert privacy.disguised_names(ds).empty


def test_cli_refuses_a_disguised_input_with_exit_3_and_no_value(hostile_dir, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from contextmap.cli import app

    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    df = pd.read_csv(d / "children.csv", dtype=str, keep_default_na=False)
    df.loc[0, "name"] = LOOKALIKE
    df.to_csv(d / "children.csv", index=False)
    r = CliRunner().invoke(app, ["pack", str(d), "--out", str(tmp_path / "p"), "--audience", "partner", "--no-pdf",
                                 "--from", START, "--to", END])
    assert r.exit_code == 3, r.output
    assert "children.csv row 2 column name" in r.output and "ettl" not in r.output


# --- round three: an audit log whose end cannot be cut ---------------------------------------


def _audit_cli(args, head):
    from typer.testing import CliRunner

    from contextmap.cli import app

    os.environ["CONTEXTMAP_AUDIT_HEAD"] = str(head)
    try:
        return CliRunner().invoke(app, args)
    finally:
        del os.environ["CONTEXTMAP_AUDIT_HEAD"]


def test_deleting_the_last_entry_and_the_head_stops_the_next_pack_and_audit_says_so(hostile, tmp_path):
    log, head = _log(tmp_path)
    log.write_bytes(b"".join(_lines(log)[:-1]))
    head.unlink()
    with pytest.raises(audit.AuditError, match="resolve"):
        audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    assert len(_lines(log)) == 2 and not head.exists()  # nothing re-sealed
    r = _audit_cli(["audit", "--log", str(log)], head)
    assert r.exit_code == 1 and "no sealed head" in r.output and "audit resolve" in r.output


def test_a_deleted_head_stops_the_next_pack_before_any_work(hostile, tmp_path, monkeypatch):
    log = tmp_path / "a.jsonl"
    first = _build(hostile, tmp_path / "first", pdf=False, audit_log=log)
    head = audit.default_head_path(log)
    assert head.is_file() and first.audit_entry
    head.unlink()
    calls = []
    monkeypatch.setattr("contextmap.pack.build.analyze", lambda *a, **k: calls.append(1))
    with pytest.raises(audit.AuditError, match="no sealed head"):
        _build(hostile, tmp_path / "second", pdf=False, audit_log=log)
    assert calls == [] and not (tmp_path / "second").exists() and len(audit.read_audit(log)) == 1


def test_a_log_and_head_wiped_and_replaced_with_keyless_entries_is_tampered(tmp_path):
    log, head = _log(tmp_path)
    head.unlink()
    fake = [{"id": f"x{i}", "event": "pack", "audience": "police", "prev": None} for i in range(2)]
    log.write_text("".join(json.dumps(e) + "\n" for e in fake))
    problems = audit.verify_audit(log, head_path=head)
    assert any("no sealed head vouches" in p for p in problems) and any("no sealed head at" in p for p in problems)
    with pytest.raises(audit.AuditError):
        audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)


def test_an_emptied_log_whose_head_counts_entries_is_tampered(tmp_path):
    log, head = _log(tmp_path)
    log.write_bytes(b"")
    assert any("emptied" in p for p in audit.verify_audit(log, head_path=head))
    log.unlink()
    assert any("emptied or removed" in p for p in audit.verify_audit(log, head_path=head))


def test_an_older_head_put_back_is_caught_and_stops_disclosures(tmp_path):
    log, head = _log(tmp_path, n=2)
    old = head.read_bytes()
    audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    head.write_bytes(old)  # the state of two entries ago, correctly sealed
    assert any("older than the log" in p for p in audit.verify_audit(log, head_path=head))
    with pytest.raises(audit.AuditError, match="older than the log"):
        audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)


def test_a_full_disk_while_writing_the_head_leaves_the_log_verifiable(tmp_path, monkeypatch):
    import errno

    log, head = _log(tmp_path)
    before_log, before_head = log.read_bytes(), head.read_bytes()
    real_open = os.open

    def full_for_the_head(path, flags, *a):
        if str(path).endswith(".next"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *a)

    monkeypatch.setattr(audit.os, "open", full_for_the_head)
    with pytest.raises(audit.AuditError, match="No space left"):
        audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    monkeypatch.undo()
    assert log.read_bytes() == before_log and head.read_bytes() == before_head
    assert audit.verify_audit(log, head_path=head) == []
    audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)  # and it goes on
    assert audit.verify_audit(log, head_path=head) == [] and len(_lines(log)) == 4


def test_a_crash_between_the_entry_and_the_head_is_completed_by_the_next_command(tmp_path, monkeypatch):
    log, head = _log(tmp_path)

    def crash(nxt, head_file):
        raise KeyboardInterrupt("killed between the entry and the head")

    monkeypatch.setattr(audit, "_commit_head", crash)
    with pytest.raises(KeyboardInterrupt):
        audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    monkeypatch.undo()
    assert len(_lines(log)) == 4 and json.loads(head.read_text())["count"] == 3
    assert audit.verify_audit(log, head_path=head) == []  # the sealed next head vouches for the entry
    audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    assert json.loads(head.read_text())["count"] == 5 and audit.verify_audit(log, head_path=head) == []


def test_the_chair_resolves_a_broken_log_on_the_record_and_disclosures_go_on(tmp_path):
    log, head = _log(tmp_path)
    lines = _lines(log)
    log.write_bytes(lines[0] + lines[1].replace(b"analyst", b"someone") + lines[2])
    head.unlink()
    r = _audit_cli(["audit", "resolve", "--log", str(log), "--reason", " "], head)
    assert r.exit_code == 2 and "reason" in r.output
    r = _audit_cli(["audit", "resolve", "--log", str(log), "--reason", "line 2 edited by hand, head lost; "
                    "checked against the meeting minutes"], head)
    assert r.exit_code == 0, r.output
    entry = audit.read_audit(log)[-1]
    assert entry["event"] == "resolve" and entry["acknowledged"][0]["line"] == 2
    assert any("MAC" in p for p in entry["problems"]) and any("no sealed head" in p for p in entry["problems"])
    st = audit.audit_status(log, head_path=head)
    assert st.intact and len(st.resolved) >= 2 and st.head_count == 4
    r = _audit_cli(["audit", "--log", str(log)], head)
    assert r.exit_code == 0 and "resolved: line 2" in r.output
    audit.append_audit(log, audience="partner", input_path=None, user="u", head_path=head)
    r = _audit_cli(["audit", "resolve", "--log", str(log), "--reason", "again"], head)
    assert r.exit_code == 2 and "intact" in r.output  # nothing to resolve


def test_a_forged_resolve_entry_without_the_key_resolves_nothing(tmp_path):
    log, head = _log(tmp_path)
    lines = _lines(log)
    log.write_bytes(lines[0] + lines[1].replace(b"analyst", b"someone") + lines[2])
    digest = hashlib.sha256(lines[1].replace(b"analyst", b"someone").rstrip(b"\n")).hexdigest()
    forged = {"event": "resolve", "acknowledged": [{"line": 2, "sha256": digest}], "mac": "0" * 64, "prev": None}
    log.write_bytes(log.read_bytes() + (json.dumps(forged) + "\n").encode())
    assert any("line 2" in p for p in audit.verify_audit(log, head_path=head))


def test_reveal_has_no_private_log_for_a_disclosure(tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    private = tmp_path / "private.jsonl"
    r = CliRunner().invoke(app, ["reveal", "Child-AAAAAA", "--pack", str(tmp_path), "--reason", "x",
                                 "--log", str(private)])
    assert r.exit_code == 2 and "--log" in r.output and not private.exists()
    import inspect

    from contextmap.pack.reveal import reveal

    assert "audit_log" not in inspect.signature(reveal).parameters


def test_reveal_finds_the_identity_of_a_pack_built_from_a_workspace(hostile_dir, tmp_path, monkeypatch):
    from contextmap.pack.reveal import reveal
    from contextmap.workspace import init_workspace

    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "team.jsonl"))
    ws_file = tmp_path / "team.cmw"
    with init_workspace(ws_file) as ws:
        ws.import_source(hostile_dir, as_of=END)
    pack = build_pack(None, workspace=ws_file, out=tmp_path / "pack", audience="partner", start=START, end=END,
                      pseudonymiser=KEY, pdf=False)
    state = json.loads((pack.out / "pack_state.json").read_text())
    pseudo = ([c for g in state["peer_groups"] for c in g["children"]] + state["panel_children"])[0]
    r = reveal(pseudo, pack=pack.out, reason="asked at the MACE", pseudonymiser=KEY)
    assert r.kind == "child" and r.record["name"]
    assert audit.read_audit(tmp_path / "team.jsonl")[-1]["event"] == "reveal"


# --- round three: secrets never logged -------------------------------------------------------

URL = "postgresql://analyst:S3cret-pw@127.0.0.1:1/contextmap"


def test_a_password_in_a_workspace_url_never_reaches_the_audit_log(hostile_dir, tmp_path, monkeypatch):
    from contextmap.workspace import init_workspace

    log = tmp_path / "a.jsonl"
    monkeypatch.setenv("CONTEXTMAP_AUDIT_HEAD", str(tmp_path / "h"))
    e = audit.append_audit(log, audience="partner", input_path=None, user="u",
                           command=["contextmap", "pack", "--workspace", URL, "--out", "p"],
                           extra={"workspace": URL})
    assert "S3cret" not in log.read_text() and "analyst:***@" in " ".join(e["command"])
    # an erasure's entry takes the command line from sys.argv
    child = pd.read_csv(hostile_dir / "children.csv", dtype=str)["child_id"].dropna().iloc[0]
    monkeypatch.setattr(sys, "argv", ["contextmap", "workspace", "erase", "--workspace", URL, "--child", child])
    with init_workspace(tmp_path / "ws.cmw") as ws:
        ws.import_source(hostile_dir, as_of=END)
        ws.erase(child=child, audit_log=log)
    assert "S3cret" not in log.read_text() and audit.read_audit(log)[-1]["event"] == "erase"
    assert audit.verify_audit(log) == []


def test_a_password_in_a_workspace_url_is_masked_in_messages_and_exceptions(tmp_path):
    from typer.testing import CliRunner

    from contextmap._errors import WorkspaceError
    from contextmap.cli import app

    assert "S3cret" not in str(WorkspaceError(f"cannot open {URL}: refused"))
    r = CliRunner().invoke(app, ["pack", "--workspace", URL, "--out", str(tmp_path / "p"), "--no-pdf"])
    assert r.exit_code == 2 and "S3cret" not in r.output, r.output


def test_the_scan_refuses_any_output_holding_a_password_in_a_url(tmp_path):
    from contextmap._errors import mask_secrets

    masked = mask_secrets(f"see {URL}.")
    assert masked == "see postgresql://analyst:***@127.0.0.1:1/contextmap."
    assert mask_secrets(f'["{URL}"]') == '["postgresql://analyst:***@127.0.0.1:1/contextmap"]'
    (tmp_path / "summary.json").write_text(json.dumps({"source": URL}))
    with pytest.raises(PrivacyError) as info:
        privacy.check_outputs([tmp_path], privacy.Forbidden({}))
    assert "password in a URL found in summary.json" in str(info.value) and "S3cret" not in str(info.value)
    (tmp_path / "summary.json").write_text(json.dumps({"source": masked, "link": "https://example.org/a@b"}))
    privacy.check_outputs([tmp_path], privacy.Forbidden({}))  # a masked URL is no secret


# --- round three: --encrypt-pdf refuses weak passphrases ---------------------------------------


@pytest.mark.parametrize("weak", ["\u00a7", "password1234", "Summer2026!", "kylekylekyle", "qwertyuiopas"])
def test_a_weak_passphrase_is_refused_before_any_work_saying_what_is_required(hostile, tmp_path, weak, monkeypatch):
    calls = []
    monkeypatch.setattr("contextmap.pack.build.load", lambda *a, **k: calls.append(1))
    with pytest.raises(contextmap.ConfigError) as info:
        build_pack(tmp_path / "data", out=tmp_path / "p", audience="partner", encrypt_pdf=weak)
    msg = str(info.value)
    assert "at least 12 characters" in msg and "4 of 4" in msg and weak not in msg
    assert calls == [] and not (tmp_path / "p").exists()


def test_cli_refuses_a_weak_passphrase_file_with_exit_2(hostile_dir, tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    pf = tmp_path / "pass.txt"
    pf.write_text("a\n")
    r = CliRunner().invoke(app, ["pack", str(hostile_dir), "--out", str(tmp_path / "p"), "--audience", "partner",
                                 "--encrypt-pdf", "--passphrase-file", str(pf)])
    assert r.exit_code == 2 and "at least 12 characters" in r.output and not (tmp_path / "p").exists()



# --- hardening: bounded input, stray quotes, folders, erasure, atomic imports (issue 23) ----------


def _billion_laughs(levels: int = 9) -> str:
    """A 340-byte YAML document that expands to 9**9 values (387 million) when walked."""
    parts = ['&a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    parts += [f"&{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi"[:levels - 1], strict=False)]
    return "[" + ", ".join(parts) + "]"


def _copy(hostile_dir: Path, tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "data"
    shutil.copytree(hostile_dir, d)
    return d


def _no_traceback(r) -> None:
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output


@pytest.mark.parametrize("where", ["settings", "manifest", "mapping"])
def test_a_yaml_alias_bomb_is_a_clear_error_naming_the_file(hostile_dir, tmp_path, where):
    from contextmap.settings import load_settings

    d = _copy(hostile_dir, tmp_path)
    bomb = tmp_path / f"{where}.yaml"
    if where == "settings":
        bomb.write_text(f"risk:\n  scale: {_billion_laughs()}\n")
        with pytest.raises(contextmap.ConfigError, match=r"settings file '.*settings\.yaml' \(line 2\).*100,000 values"):
            load_settings(bomb)
    elif where == "manifest":
        bomb.write_text(f"description: {_billion_laughs()}\nsources:\n  - {{file: data/children.csv, table: children}}\n")
        with pytest.raises(contextmap.ConfigError, match=r"sources manifest '.*manifest\.yaml' \(line 1\)"):
            contextmap.load(bomb)
    else:
        bomb.write_text(f"description: {_billion_laughs()}\ntables: {{}}\n")
        with pytest.raises(contextmap.ConfigError, match=r"mapping file '.*mapping\.yaml'"):
            contextmap.load(d, mapping=bomb)
    assert bomb.stat().st_size < 1024


def test_a_yaml_bomb_on_the_command_line_exits_2_without_a_traceback(hostile_dir, tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    bomb = tmp_path / "area.yaml"
    bomb.write_text(f"risk:\n  scale: {_billion_laughs()}\n")
    r = CliRunner().invoke(app, ["validate", str(hostile_dir), "--settings", str(bomb)])
    _no_traceback(r)
    assert r.exit_code == 2 and "area.yaml" in r.output and "aliases are expanded" in r.output
    manifest = tmp_path / "sources.yaml"
    manifest.write_text(f"description: {_billion_laughs()}\nsources: []\n")
    r = CliRunner().invoke(app, ["validate", str(manifest)])
    _no_traceback(r)
    assert r.exit_code == 2 and "sources.yaml" in r.output


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: " + "[" * 200 + "]" * 200 + "\n", "nested at most 64 deep"),
    ("a: &a [1, *a]\n", "contains itself"),
    ("a: &x 1\n" + "".join(f"b{i}: *x\n" for i in range(101)), "at most 100 aliases"),
    ("a: '" + "x" * (1 << 20) + "'\n", "at most 1,024 KB"),
    ("a: \xff\xfe\n", "not UTF-8"),
])
def test_other_hostile_yaml_is_refused_by_the_bounded_loader(tmp_path, text, fragment):
    from contextmap.settings import load_settings

    p = tmp_path / "settings.yaml"
    p.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode())
    with pytest.raises(contextmap.ConfigError, match=re.escape(fragment)):
        load_settings(p)


def test_yaml_anchors_a_person_would_write_still_work(tmp_path):
    from contextmap.yamlsafe import load_yaml

    p = tmp_path / "m.yaml"
    p.write_text("base: &b {Ref: child_id, Name: name}\nkids: {<<: *b, DOB: date_of_birth}\nagain: *b\n")
    assert load_yaml(p)["kids"] == {"Ref": "child_id", "Name": "name", "DOB": "date_of_birth"}


def _claiming(book: Path, out: Path, ref: bytes = b"A1:XFD1048576", extra_row: bytes = b"") -> Path:
    """``book`` with every sheet claiming ``ref`` (and ``extra_row`` added at the end of each)."""
    import zipfile

    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="' + ref + b'"/>', data)
                data = data.replace(b"</sheetData>", extra_row + b"</sheetData>")
            zout.writestr(info, data)
    return out


def _book(tmp_path: Path, rows: int = 300) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("children")
    ws.append(["child_id", "name", "date_of_birth"])
    for i in range(rows):
        ws.append([f"C{i}", f"Kid Number{i}", "2011-01-01"])
    ws = wb.create_sheet("episodes")
    ws.append(["episode_id", "child_id", "reported_at"])
    for i in range(rows):
        ws.append([f"E{i}", f"C{i}", "2025-10-01"])
    wb.save(tmp_path / "plain.xlsx")
    return tmp_path / "plain.xlsx"


def test_a_workbook_claiming_every_cell_of_the_sheet_is_read_by_the_cells_it_holds(tmp_path):
    from contextmap.ingest.workbook import open_workbook, read_sheet

    book = _claiming(_book(tmp_path), tmp_path / "claims.xlsx")
    wb = open_workbook(book, "claims.xlsx")
    try:
        header, body, _ = read_sheet(wb, "children")
    finally:
        wb.close()
    assert header == ["child_id", "name", "date_of_birth"] and body.shape == (300, 3)  # not 16,384 columns
    ds = contextmap.load(book, as_of="2026-01-01")
    assert (len(ds.children), len(ds.episodes)) == (300, 300) and ds.report.is_clean


def test_a_styled_cell_at_the_last_row_and_column_is_skipped_and_said(tmp_path):
    from contextmap.ingest.workbook import open_workbook, read_sheet

    far = b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    book = _claiming(_book(tmp_path, rows=20), tmp_path / "far.xlsx", extra_row=far)
    wb = open_workbook(book, "far.xlsx")
    try:
        header, body, notes = read_sheet(wb, "children")
    finally:
        wb.close()
    assert body.shape == (20, 3) and body.index[-1] == 21
    ds = contextmap.load(book, as_of="2026-01-01")
    assert len(ds.children) == 20
    value = tmp_path / "value.xlsx"  # a real value far away is kept, at its own row, in a column of its own
    _claiming(_book(tmp_path, rows=20), value, extra_row=b'<row r="5000"><c r="XFD5000" t="inlineStr"><is><t>x</t>'
                                                         b'</is></c></row>')
    wb = open_workbook(value, "value.xlsx")
    try:
        header, body, notes = read_sheet(wb, "children")
    finally:
        wb.close()
    assert body.shape == (21, 4) and body.index[-1] == 5000 and body.iloc[-1, 3] == "x"
    assert any("empty rows skipped" in n[3] for n in notes)


def test_a_formula_reading_another_workbook_is_a_warning_naming_the_cell(tmp_path):
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("children")
    for row in (["child_id", "name"], ["C1", "=[1]Sheet1!A1"], ["C2", "='C:\\Users\\jbloggs\\[names.xlsx]Sheet1'!A1"]):
        ws.append(row)
    ws = wb.create_sheet("episodes")
    ws.append(["episode_id", "child_id", "reported_at"])
    ws.append(["E1", "C1", "2025-10-01"])
    wb.save(tmp_path / "plain.xlsx")
    book = tmp_path / "linked.xlsx"
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as zin, zipfile.ZipFile(book, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="B2"><f>[1]Sheet1!A1</f><v /></c>',
                                    b'<c r="B2" t="str"><f>[1]Sheet1!A1</f><v>Ada Quill</v></c>')
            zout.writestr(info, data)
        zout.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      '<Relationship Id="rId1" Target="file:///C:\\Users\\jbloggs\\Documents\\cyp.xlsx" '
                      'TargetMode="External"/></Relationships>')
    ds = contextmap.load(book, as_of="2026-01-01")
    assert ds.children["name"].tolist()[0] == "Ada Quill" and ds.children["name"].isna().tolist()[1]
    w = ds.report.warnings
    hits = w[w["reason"].str.contains("reads another workbook")]
    assert hits["row"].tolist() == [2, 3]
    assert "formula cell B2 reads another workbook (cyp.xlsx): the value saved with this workbook is used" in hits["reason"].iloc[0]
    assert "formula cell B3 reads another workbook (names.xlsx): it has no saved value" in hits["reason"].iloc[1]
    assert "jbloggs" not in " ".join(hits["reason"])  # the folder (a user name) is never repeated


def test_a_zip_bomb_workbook_is_refused(tmp_path, monkeypatch):
    from contextmap.ingest import workbook

    book = _book(tmp_path)
    monkeypatch.setattr(workbook, "MAX_UNPACKED", 1000)
    monkeypatch.setattr(workbook, "MAX_RATIO", 2)
    with pytest.raises(contextmap.InputReadError, match=r"plain\.xlsx.*possible zip bomb"):
        contextmap.load(book)


def test_a_workbook_damaged_half_way_is_an_error_naming_it_not_a_traceback(tmp_path):
    import zipfile

    from typer.testing import CliRunner

    from contextmap.cli import app

    book = _book(tmp_path, rows=2000)
    data = bytearray(book.read_bytes())
    sheet = next(i for i in zipfile.ZipFile(book).infolist() if i.filename == "xl/worksheets/sheet2.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + sheet.compress_size // 2
    data[start:start + 40] = bytes(b ^ 0x5A for b in data[start:start + 40])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    with pytest.raises(contextmap.InputReadError, match=r"broken\.xlsx"):
        contextmap.load(broken)
    r = CliRunner().invoke(app, ["validate", str(broken)])
    _no_traceback(r)
    assert r.exit_code == 2 and "broken.xlsx" in r.output


def test_a_stray_quote_quarantines_one_row_not_fifty(hostile_dir, tmp_path):
    import csv

    d = _copy(hostile_dir, tmp_path)
    ep = pd.read_csv(d / "episodes.csv", dtype=str, keep_default_na=False)
    kid = ep["child_id"].iloc[0]
    extra = [dict(ep.iloc[0].to_dict(), episode_id=f"EQ{i:02d}", child_id=kid, people_mentioned="Ada",
                  returned_at="", rhi_at="", rhi_outcome="") for i in range(60)]
    extra[5]["people_mentioned"] = "STRAY"
    extra[55]["people_mentioned"] = "CLOSE"
    pd.concat([ep, pd.DataFrame(extra)], ignore_index=True).to_csv(d / "episodes.csv", index=False,
                                                                   quoting=csv.QUOTE_MINIMAL)
    text = (d / "episodes.csv").read_text().replace("STRAY", '"Big T').replace("CLOSE", 'Tyler "TJ" Smith')
    (d / "episodes.csv").write_text(text)
    ds = contextmap.load(d, as_of="2026-12-01")
    c = ds.report.counts.loc["episodes"]
    assert c["read"] == len(ep) + 60 and c["quarantined"] == 1
    q = ds.quarantine["episodes"]
    assert q["episode_id"].tolist() == ["EQ05"] and q["_row"].tolist() == [len(ep) + 7]
    assert "stray quote" in q["_reasons"].iloc[0]
    assert set(ds.episodes["episode_id"]) >= {f"EQ{i:02d}" for i in range(60) if i != 5}
    prov = ds.report.provenance["episodes"]
    assert prov.loc[ds.episodes["episode_id"] == "EQ06", "row"].tolist() == [len(ep) + 8]  # numbers kept


def _cut_mid_row(text: str) -> str:
    """``text`` cut as a transfer that stopped half-way leaves it: inside a row near the middle,
    after its third cell (a cut that happens to fall at a row's end looks like a whole file)."""
    start = text.index("\n", len(text) // 2) + 1
    cells = text[start:].split(",")
    return text[:start] + ",".join(cells[:3]) + ",Ta"


def test_a_csv_cut_short_mid_row_is_refused_naming_the_row(hostile_dir, tmp_path):
    d = _copy(hostile_dir, tmp_path)
    text = (d / "links.csv").read_text()
    (d / "links.csv").write_text(_cut_mid_row(text))
    with pytest.raises(contextmap.InputReadError, match=r"links\.csv.* is cut short: its last line \(row \d+"):
        contextmap.load(d)


@pytest.mark.parametrize("folder", ["/", "../..", "..", "data/../.."])
def test_a_manifest_folder_outside_its_own_folder_is_refused(hostile_dir, tmp_path, folder):
    _copy(hostile_dir, tmp_path)
    m = tmp_path / "sources.yaml"
    m.write_text(f"folder: '{folder}'\nsources:\n  - {{file: children.csv, table: children}}\n"
                 "  - {file: episodes.csv, table: episodes}\n")
    with pytest.raises(contextmap.InputReadError, match="Expected folder to be the manifest's own folder or one below it"):
        contextmap.load(m)


def test_a_manifest_may_name_a_folder_elsewhere_explicitly_and_it_is_noted(hostile_dir, tmp_path):
    d = _copy(hostile_dir, tmp_path)
    m = tmp_path / "config" / "sources.yaml"
    m.parent.mkdir()
    m.write_text("folder: ../data\nallow_outside: true\nsources:\n  - {file: children.csv, table: children}\n"
                 "  - {file: episodes.csv, table: episodes}\n")
    ds = contextmap.load(m)
    assert len(ds.children) == len(pd.read_csv(d / "children.csv")) - 1  # the quarantined child
    assert ds.report.problems["reason"].str.contains("outside the manifest's own folder").any()
    (tmp_path / "config" / "link").symlink_to(d)  # a folder inside that is a link outside: refused
    m.write_text("folder: link\nsources:\n  - {file: children.csv, table: children}\n"
                 "  - {file: episodes.csv, table: episodes}\n")
    with pytest.raises(contextmap.InputReadError, match="outside"):
        contextmap.load(m)


@pytest.fixture
def hostile_workspace(hostile_dir, tmp_path):
    from contextmap.workspace import init_workspace

    ws = init_workspace(tmp_path / "team.cmw")
    ws.import_source(hostile_dir, as_of="2026-12-01")
    kid = pd.read_csv(hostile_dir / "children.csv", dtype=str).loc[0, "child_id"]
    case = ws.open_case(kind="location", subject="LHOME", title=f"Where {CHILD_A} stays")
    ws.add_action(case, owner=f"{CHILD_A}'s school", due="2026-12-24", text=f"Visit {kid}; ask about WHARTON, Megan")
    yield ws, kid, tmp_path
    ws.close()


def test_erasing_a_child_under_disguises_leaves_no_reading_of_their_name(hostile_workspace):
    import sqlalchemy as sa

    from contextmap.workspace import db

    ws, kid, tmp_path = hostile_workspace
    forbidden = [" megan wharton ", " wharton megan ", " meganwharton ", f" {kid.lower()} "]

    def readings() -> list[str]:
        out = []
        with ws.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                for col in table.c:
                    if isinstance(col.type, sa.Text) and col.name not in ("row_hash", "hash"):
                        out += [f"{table.name}.{col.name}: {v!r}" for v in conn.execute(sa.select(col)).scalars()
                                if v and any(f in reader(v) for f in forbidden)]
        return out

    assert len(readings()) > 10  # the disguised place names, the case, the action, the link...
    ws.erase(child=kid, audit_log=tmp_path / "a.jsonl")
    assert readings() == []
    names = set(ws.dataset().locations["name"])
    assert "[erased] Barbers" in names and "[erased] Garage" in names  # the place is kept, the name gone
    assert CHILD_B in set(ws.dataset().children["name"])  # the other children are untouched


def test_erased_child_bytes_are_gone_from_the_workspace_file_and_journals(hostile_workspace):
    ws, kid, tmp_path = hostile_workspace
    before = b"".join(p.read_bytes() for p in tmp_path.glob("team.cmw*")).lower()
    assert b"megan wharton" in before and b"megan_wharton" in before and kid.lower().encode() in before
    ws.erase(child=kid, audit_log=tmp_path / "a.jsonl")
    ws.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("team.cmw*")).lower()
    assert b"aaron wharton" in raw and b"megan fenwick" in raw  # other children share a name part: kept
    for needle in (b"megan wharton", b"wharton, megan", b"meganwharton", b"megan_wharton", b"megan-wharton",
                   b"megan\nwharton", "megan\u00a0wharton".encode(), b"me\xe2\x80\x8bgan wharton",
                   kid.lower().encode(), "megan wharton".encode("utf-16-le")):
        assert needle not in raw, needle


def test_reimporting_an_erased_child_is_held_back_with_every_row_accounted(hostile_workspace, hostile_dir):
    ws, kid, tmp_path = hostile_workspace
    ws.erase(child=kid, audit_log=tmp_path / "a.jsonl")
    r = ws.import_source(hostile_dir, as_of="2026-12-01")
    assert r.held > 0 and r.counts["children"]["held"] == 1
    for name, c in r.counts.items():
        assert c["read"] == c["accepted"] + c["quarantined"] + c["held"] + c["duplicates"], name
    assert kid not in set(ws.dataset().children["child_id"])
    w = r.dataset.report.warnings
    assert w["reason"].str.contains("erased from this workspace").sum() == r.held


def test_erase_and_purge_on_the_command_line_never_log_the_id_nor_trace_back(hostile_workspace, monkeypatch):
    from typer.testing import CliRunner

    from contextmap.cli import app

    ws, kid, tmp_path = hostile_workspace
    log = tmp_path / "cli.jsonl"
    monkeypatch.setattr(sys, "argv", ["contextmap", "workspace", "erase", str(tmp_path / "team.cmw"), "--child", kid,
                                      "--alias", "Megs W"])
    r = CliRunner().invoke(app, ["workspace", "erase", str(tmp_path / "team.cmw"), "--child", kid,
                                 "--alias", "Megs W", "--log", str(log)])
    assert r.exit_code == 0, r.output
    entry = json.loads(log.read_text().splitlines()[-1])
    assert kid not in json.dumps(entry) and "Megs" not in json.dumps(entry) and entry["child"].startswith("Erased-")
    r = CliRunner().invoke(app, ["workspace", "erased", str(tmp_path / "team.cmw"), "--child", kid])
    assert r.exit_code == 0 and entry["child"] in r.output
    r = CliRunner().invoke(app, ["workspace", "purge", str(tmp_path / "team.cmw"), "--older-than", "99999y",
                                 "--log", str(log)])
    _no_traceback(r)
    assert r.exit_code == 2 and "retention period" in r.output


def test_a_second_month_corrupt_half_way_lands_nothing(hostile_workspace, hostile_dir, tmp_path):
    import hashlib as hl

    import sqlalchemy as sa
    from typer.testing import CliRunner

    from contextmap.cli import app
    from contextmap.workspace import db

    ws, _, _ = hostile_workspace

    def state() -> dict[str, str]:
        with ws.engine.connect() as conn:
            return {t.name: hl.sha256(repr(sorted(map(repr, conn.execute(sa.select(t)).all()))).encode()).hexdigest()
                    for t in db.metadata.sorted_tables}

    before = state()
    month = _copy(hostile_dir, tmp_path / "november")
    ep = (month / "episodes.csv").read_text().splitlines(keepends=True)
    (month / "episodes.csv").write_text("".join(ep[:1] + [x.replace(",", ",Nov ", 1) for x in ep[1:]]))
    li = (month / "links.csv").read_text()
    (month / "links.csv").write_text(_cut_mid_row(li))
    r = CliRunner().invoke(app, ["import", str(month), "--workspace", str(tmp_path / "team.cmw")])
    _no_traceback(r)
    assert r.exit_code == 2 and "cut short" in r.output and "nothing was imported" in r.output
    assert state() == before


def test_the_dataset_declares_redacted_for_and_workspace_and_redaction_keeps_the_period(hostile, hostile_workspace):
    import dataclasses

    fields = {f.name for f in dataclasses.fields(contextmap.Dataset)}
    assert {"redacted_for", "workspace", "period"} <= fields
    ws, _, tmp_path = hostile_workspace
    got = ws.dataset()
    assert got.workspace == str(tmp_path / "team.cmw") and got.redacted_for is None
    red = privacy.redact_dataset(dataclasses.replace(hostile, period="2026-10"), "partner", pseudonymiser=KEY)
    assert red.redacted_for.name == "partner" and red.period == "2026-10"


# --- an audience of the team's settings ---------------------------------------------------------


def test_an_audience_of_the_settings_that_sees_free_text_but_not_names_gets_a_pack_without_them(tmp_path):
    # 'based_on: partner' with free text: views were refused (the map checked the audience
    # without the settings), then the scan refused the pack (names in RHI and link text, and the
    # police spelling of a child merged away by resolution); now the names are taken out
    from contextmap.settings import Settings

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    st = Settings.from_dict({"audiences": {"school-nurses": {"based_on": "partner", "show_free_text": True}}})
    r = build_pack(sample, out=tmp_path / "pack", audience="school-nurses", settings=st, pdf=False,
                   pseudonymiser=KEY, audit_log=tmp_path / "audit.jsonl")
    links = pd.read_csv(r.out / "exports" / "i2" / "i2_links.csv", dtype=str, keep_default_na=False)
    said = " ".join(links["summary"])
    assert "RHI: said they went here" in said  # the free text is there ...
    assert said.count("[name withheld]") > 20  # ... without the names in it
    raw = contextmap.load(sample)
    names = set(raw.children["name"].dropna()) | set(raw.persons["name"].dropna())
    assert not [n for n in names if len(n) > 6 and f"'{n}'" in said]
    # a mention's own words are a part of a name no list holds ("RHI mention 'Aaron G'")
    mentions = links.loc[links["summary"].str.startswith("RHI mention ") & links["to_type"].isin(["Child", "Person of Concern"])]
    assert len(mentions) and mentions["summary"].str.startswith("RHI mention [name withheld]: ").all()
    assert "school-nurses" in r.html.read_text(encoding="utf-8")  # the pack is labelled for its audience


def test_a_signal_while_the_staging_folder_is_marked_leaves_no_folder(tmp_path, monkeypatch):
    # the race the signal test met: the folder exists (a watcher sees it) before its marker
    # is written; interrupted there, new_staging removes what it made
    real = Path.write_text

    def interrupted(self, *a, **k):
        if self.name == publish.STAGING_MARKER:
            raise KeyboardInterrupt("SIGINT while marking")
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        publish.new_staging(tmp_path / "pack")
    assert list(tmp_path.iterdir()) == []

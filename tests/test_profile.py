"""Problem profiles: what they hold, for whom, and that they are published, logged and recorded
as the pack is (redacted and scanned per audience, atomic, never over a folder contextmap did
not write). Hostile free text (goals, tactics, breaches, owners) in every audience's profile.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from _disruption_data import CHILD_NAME, PERSON_NAME, write_export
from conftest import axe_violations
from test_workspace import ws_url  # noqa: F401  (the two-backend fixture)

from contextmap import OutputExistsError, PrivacyError, privacy
from contextmap.pack.profile import build_profile
from contextmap.settings import Settings
from contextmap.workspace import init_workspace, profiles

KEY = privacy.Pseudonymiser(b"test key for the profile tests, not a real key")
SCRIPT = "<script>alert(1)</script>"
HOSTILE = f"{SCRIPT} warned {CHILD_NAME} off; {{{{ 7*7 }}}} $x\\alpha$ \u202eevil\u202c"


def reader(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[\W_]+", " ", "".join(c for c in text if not unicodedata.combining(c)).lower())


def _texts(folder):
    for f in sorted(folder.rglob("*")):
        if f.is_file() and f.suffix in (".html", ".json", ""):
            yield f, f.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("profile") / "export")


def _fill(ws) -> dict[str, str]:
    """A case on the flat with a goal, an action, two tactics (one C-coded), a breach: all hostile."""
    case = ws.open_case(kind="location", subject="Flat 2, 9 Harrow Lane", title=f"Flat case {HOSTILE}", opened="2026-05-01")
    ws.add_goal(case, text=f"Goal {HOSTILE}", measure=f"Measure {HOSTILE}", review="2027-03-01")
    ws.add_action(case, owner=f"Police {SCRIPT}", due="2026-12-20", text=f"Action {HOSTILE}", p="pursue")
    t = ws.add_tactic(case, kind="closure order", issued="2026-07-01", owner=f"Police ASB <b>team</b> {CHILD_NAME}",
                      text=f"Order {HOSTILE}").number
    ws.add_breach(t, on="2026-08-10", text=f"Breach {HOSTILE}")
    ws.add_tactic(case, kind="hotel information request", issued="2026-07-01", owner="police", text="hotel C-coded",
                  subject="Mill Park")
    ws.adopt_profile(case, cadence="4w")
    return {"case": case}


@pytest.fixture(scope="module")
def filled(tmp_path_factory, export):
    d = tmp_path_factory.mktemp("profiled")
    ws = init_workspace(d / "team.cmw")
    ws.import_source(export, as_of="2026-10-01")
    _fill(ws)
    ws.close()
    return d / "team.cmw"


@pytest.fixture(scope="module")
def internal(filled, tmp_path_factory):
    out = tmp_path_factory.mktemp("int") / "profile"
    log = out.parent / "audit.jsonl"
    r = build_profile("L1", workspace=filled, out=out, audience="internal", pdf=False, audit_log=log, pseudonymiser=KEY)
    return r, log


@pytest.fixture(scope="module")
def partner(filled, tmp_path_factory):
    out = tmp_path_factory.mktemp("par") / "profile"
    r = build_profile("case-1", workspace=filled, out=out, audience="partner", pdf=True,
                      audit_log=out.parent / "audit.jsonl", pseudonymiser=KEY)
    return r


def test_an_internal_profile_holds_every_section_with_the_teams_words(internal):
    r, _log = internal
    html = r.html.read_text(encoding="utf-8")
    assert r.files == [".contextmap-pack", "profile.html"]
    for heading in ("Trends by month", "Persons of concern: new and known", "The network around it",
                    "The map around it", "Case, goals and actions", "Disruption tactics", "Data completeness",
                    "The evidence on its links"):
        assert heading in html, heading
    assert "Problem profile: Flat 2, 9 Harrow Lane" in html
    assert "profile-1, adopted" in html and "re-run every 4w" in html
    assert "Not proof of effect" in html and "not proof that the tactic worked" in html
    assert "Closure order" in html and "Hotel information request" in html  # internal sees C-coded tactics
    assert "past expiry: no decision recorded" in html or "expiring" in html or "active" in html
    assert "pursue" in html and "partly" not in html  # 4P tag; the goal is open
    # the team's hostile words are shown, escaped, never run or evaluated
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S).split("Goal")[1][:200]
    assert CHILD_NAME in html  # the internal audience sees names
    # counts before and after the closure order: the period ends on 29 August (the last return), so 60 days
    m = re.search(r"Before \(2026-05-02 to 2026-06-30\).*?After \(2026-07-01 to 2026-08-29\)(.*?)</table>", html, re.S)
    assert m and re.search(r"episodes</td><td class=\"num\">6</td><td class=\"num\">1</td>", m.group(1))


def test_the_profile_is_logged_and_recorded_as_a_run(internal, filled):
    r, log = internal
    entries = [json.loads(x) for x in log.read_text().splitlines()]
    assert [e["event"] for e in entries] == ["profile"]
    assert entries[0]["audience"] == "internal" and entries[0]["profile"] == 1
    assert {o["path"].rsplit("/", 1)[-1] for o in entries[0]["outputs"]} == {".contextmap-pack", "profile.html"}
    from contextmap.workspace import open_workspace

    with open_workspace(filled) as ws:
        frame = profiles.profiles_frame(ws.engine)
    assert frame.loc[0, "runs"] >= 1 and not frame.loc[0, "due"]


def test_a_partner_profile_shows_pseudonyms_withholds_free_text_and_c_coded_tactics(partner):
    html = partner.html.read_text(encoding="utf-8")
    assert partner.subject_label.startswith("Place-")
    assert "withheld for this audience" in html
    assert "Hotel information request" not in html and "1 tactic(s) on it are not shown to this audience" in html
    assert "Closure order" in html
    for f, text in _texts(partner.out):
        folded = reader(text)
        for name in (CHILD_NAME, PERSON_NAME, "Flat 2, 9 Harrow Lane", "Harrow Lane"):
            assert reader(name).strip() not in folded, (f, name)
        assert SCRIPT not in text and "Order " not in text and "Breach " not in text
    pdf_text = _pdf_text(partner.pdf)
    assert pdf_text and reader(CHILD_NAME).strip() not in reader(pdf_text)
    assert "OFFICIAL-SENSITIVE" in pdf_text


def _pdf_text(path) -> str:
    # PDFium, a dependency (as the privacy scan reads PDFs): no system tool the tests would need
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_an_audience_with_free_text_but_no_names_reads_the_notes_without_names(filled, tmp_path):
    st = Settings.from_dict({"audiences": {"schools": {"based_on": "partner", "show_free_text": True}}})
    r = build_profile("L1", workspace=filled, out=tmp_path / "p", audience="schools", settings=st, pdf=False,
                      audit_log=tmp_path / "audit.jsonl", pseudonymiser=KEY)
    html = r.html.read_text(encoding="utf-8")
    assert "Order &lt;script&gt;" in html and "[name withheld]" in html
    assert reader(CHILD_NAME).strip() not in reader(html)
    assert "Police ASB &lt;b&gt;team&lt;/b&gt; [name withheld]" in html  # an owner shown to all, without the name


def test_a_refused_profile_publishes_nothing_and_leaves_no_staging(filled, tmp_path, monkeypatch):
    real = privacy.scan_set

    def also_the_area(*args, **kwargs):  # make the area's name forbidden: every profile prints it
        f = real(*args, **kwargs)
        return privacy.Forbidden({**f.kinds, "Example Area": "child name"}, f.case_insensitive | {"Example Area"})

    monkeypatch.setattr(privacy, "scan_set", also_the_area)
    out = tmp_path / "refused"
    with pytest.raises(PrivacyError, match="forbidden identifier"):
        build_profile("L1", workspace=filled, out=out, audience="partner", pdf=False,
                      audit_log=tmp_path / "audit.jsonl", pseudonymiser=KEY)
    assert not out.exists() and not list(tmp_path.glob(".refused*"))
    assert not (tmp_path / "audit.jsonl").exists()


def test_a_profile_never_replaces_what_contextmap_did_not_write(filled, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "minutes.docx").write_text("the team's own file")
    with pytest.raises(OutputExistsError):
        build_profile("L1", workspace=filled, out=mine, overwrite=True, pdf=False, audit_log=tmp_path / "a.jsonl")
    assert (mine / "minutes.docx").read_text() == "the team's own file"
    out = tmp_path / "profile"
    build_profile("L1", workspace=filled, out=out, pdf=False, audit_log=tmp_path / "a.jsonl")
    with pytest.raises(OutputExistsError):
        build_profile("L1", workspace=filled, out=out, pdf=False, audit_log=tmp_path / "a.jsonl")
    build_profile("L1", workspace=filled, out=out, overwrite=True, pdf=False, audit_log=tmp_path / "a.jsonl")


def test_profiles_of_a_person_and_of_a_group(ws_url, export, tmp_path):  # noqa: F811
    with init_workspace(ws_url) as ws:
        ws.import_source(export, as_of="2026-10-01")
        ws.open_case(kind="group", subject="Harrow Lane group", title="g", children=["C1", "C2", "C3"])
        person = build_profile(PERSON_NAME, workspace=ws, out=tmp_path / "person", pdf=False,
                               audit_log=tmp_path / "a.jsonl")
        html = person.html.read_text(encoding="utf-8")
        assert "Problem profile: Rex Vantoor" in html and "A person of concern" in html
        assert "No context case is open on it" in html
        group = build_profile("case-1", workspace=ws, out=tmp_path / "group", pdf=False, audit_log=tmp_path / "a.jsonl")
        html = group.html.read_text(encoding="utf-8")
        assert "Problem profile: Harrow Lane group" in html and "the 3 children its case links" in html
        with pytest.raises(Exception, match="PG7"):
            build_profile("PG7", workspace=ws, out=tmp_path / "pg7", pdf=False, audit_log=tmp_path / "a.jsonl")


@pytest.mark.browser
def test_the_profile_page_is_offline_and_accessible(internal, recorded_page, reports_dir):
    r, _ = internal
    page = recorded_page.page
    page.goto(r.html.resolve().as_uri())
    page.wait_for_load_state("load")
    assert axe_violations(page) == []
    assert [u for u in recorded_page.requests if not u.startswith(("file:", "data:"))] == []
    assert recorded_page.console_errors == [] and recorded_page.dialogs == []
    page.screenshot(path=str(reports_dir / "profile_internal.png"), full_page=True)


def test_a_police_spelling_merged_into_a_child_is_taken_out_of_the_teams_words(tmp_path):
    # an audience of the settings that reads free text but no names: the police's spelling of
    # Ellis Ridley (C0004), merged into him by resolution, is in an action's words; the profile
    # takes it out like his own name (the profile now hands the redaction the same identifiers
    # as its scan, as the pack does)
    import shutil

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    export = tmp_path / "export"
    shutil.copytree(sample, export)
    with (export / "persons.csv").open("a", encoding="utf-8") as fh:
        fh.write("NF0001,\"RIDLEY, Elis\",,2009-10-09,male,,,\n")
    ws = init_workspace(tmp_path / "team.cmw")
    ws.import_source(export, as_of="2026-10-01")
    case = ws.open_case(kind="location", subject="L0014", title="Park case", opened="2026-05-01")
    ws.add_action(case, owner="Police", due="2026-12-20", text="Speak to Elis RIDLEY about the park", p="protect")
    ws.close()
    st = Settings.from_dict({"audiences": {"schools": {"based_on": "partner", "show_free_text": True}}})
    r = build_profile("L0014", workspace=tmp_path / "team.cmw", out=tmp_path / "p", audience="schools", settings=st,
                      pdf=False, audit_log=tmp_path / "audit.jsonl", pseudonymiser=KEY)
    html = r.html.read_text(encoding="utf-8")
    assert "Speak to [name withheld] about the park" in html
    assert "ridley" not in reader(html)

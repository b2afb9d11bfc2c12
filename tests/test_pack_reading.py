"""The sample's packs as a meeting reads them: every printed page of all four audiences.

The text of every page is taken from the PDFs with pypdfium2 (PDFium, as a reader's viewer
reads them) and must be plain words: no snake_case code, no raw score, no grading code without
its words, no keyed pseudonym or group code on the pages, no command-line option, no "1
children". Page 1 must hold the whole agenda with the marking, area, period, audience and
headline figures; the numbered sections follow in order; no heading ends a page; the printed
map fills its A4 landscape page with text of 7 points or more. pack.html and annex.html pass
axe-core's WCAG 2.2 A/AA rules with no serious or critical violation.

What counts as a code here (and what does not):

* codes: ``snake_case`` words (file names aside), ``Child-05VRJH``-style keyed pseudonyms and
  ``PG3`` group codes on the pack's pages, 3x5x2 codes such as ``1B P`` without their words,
  ``x40`` multipliers, ``--previous``-style options, ``nan``/``NaT``/``<NA>``;
* raw scores: any decimal fraction (``0.003``, ``1.00``, ``19.564``) except a map distance
  (``2.5 km``); ``score`` followed by a number;
* not codes: record numbers (``K000123``, ``E000001``; for a partner their keyed form,
  ``Episode-58KESJZ0``) where the pack refers to the annex,
  ``case-1``/``action-2`` (the workspace's references), a record's id beside "no name
  recorded", the record ids of the "records merged" appendix (what an analyst challenges), and
  in the annex the stable references (keyed pseudonyms) beside spoken ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from contextmap.pack.build import build_pack
from contextmap.privacy import Pseudonymiser, get_audience

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AUDIENCES = ("internal", "police", "social-care", "partner")
KEY = Pseudonymiser(b"test key for the reading tests, not real")


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """`contextmap pack data/sample --audience A` for the four audiences, PDFs included."""
    root = tmp_path_factory.mktemp("reading")
    return {a: build_pack(ROOT / "data" / "sample", out=root / a, audience=a, pseudonymiser=KEY,
                          audit_log=root / "audit.jsonl") for a in AUDIENCES}


def _pages(pdf: Path) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [re.sub(r"\s+", " ", doc[i].get_textpage().get_text_range()).strip() for i in range(len(doc))]
    finally:
        doc.close()


def _body(page: str, aud: str) -> str:
    """A page's text without the header (marking, audience, area) and footer (notice, page N of M)."""
    a = get_audience(aud)
    head = f"{a.marking} · {aud} audience · Example Area"
    text = page[len(head):] if page.startswith(head) else page
    foot = re.sub(r"\s+", " ", a.handling_notice)
    cut = text.rfind(foot[:40])
    return (text[:cut] if cut >= 0 else text).strip()


def _code_problems(text: str, *, annex: bool) -> dict[str, set[str]]:
    files = r"\.(csv|json|html|pdf|gpkg|graphml|gexf)"
    found = {
        "snake_case": {w for w in re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)
                       if not re.search(re.escape(w) + files, text)},
        "raw score": set(re.findall(r"\b\d+\.\d+\b(?! ?k?m\b)", text)) | set(re.findall(r"(?i)\bscore:? ?-?\d", text)),
        "grading code without words": set(re.findall(r"\b[123][A-E] ?[PC]\b(?! ?\()", text)),
        "multiplier": set(re.findall(r"\bx\d+\b", text)),
        "option": set(re.findall(r"(?<![\w-])--[a-z][\w-]*", text)),
        "missing value": set(re.findall(r"\b(?:nan|NaT|None)\b|<NA>", text)),
        "grammar": set(re.findall(r"\b1 (?:children|episodes|records|links|persons|places|groups)\b", text))
        | set(re.findall(r"(?<![-/:.\d])\b(?:0|[2-9]|\d\d+) (?:child|episode|record|link)\b(?! (?:of|records?)\b)", text))
        | set(re.findall(r"\w\(s\)", text)),
        "group code": set(re.findall(r"\bPG\d+\b", text)),
    }
    if not annex:
        # a record's number (Episode-..., Link-... for a partner) refers to the annex; a person's must not show
        found["keyed pseudonym"] = set(re.findall(r"\b(?:Child|Person|Place|Ref)-[0-9A-Z]{6,}\b", text))
    return {k: v for k, v in found.items() if v}


def _without_merged_records(text: str) -> str:
    """The "records merged" appendix lists record ids on purpose (what an analyst challenges)."""
    return re.sub(r"Records merged as one person or place.*?(?=Data quality)", " ", text, flags=re.S)


@pytest.mark.parametrize("aud", AUDIENCES)
def test_every_printed_page_is_plain_words(packs, aud):
    r = packs[aud]
    pages = [_body(p, aud) for p in _pages(r.pdf)]
    text = _without_merged_records(" ".join(pages))
    assert _code_problems(text, annex=False) == {}
    # raw entity ids only where a record has no name
    ids = {m for m in re.findall(r"\b[CPL]\d{4}\b(?! \(no name recorded\))", text)}
    assert ids == set(), ids
    annex = _without_merged_records(" ".join(_body(p, aud) for p in _pages(r.out / "annex.pdf")))
    assert _code_problems(annex, annex=True) == {}
    # what the old pack printed
    for phrase in ("go-between score", "Stability 1.00", "No previous pack was given", "ce risk"):
        assert not re.search(rf"(?i)\b{re.escape(phrase)}\b", text + annex), phrase


@pytest.mark.parametrize("aud", AUDIENCES)
def test_page_one_is_the_whole_agenda(packs, aud):
    r = packs[aud]
    pages = _pages(r.pdf)
    one = _body(pages[0], aud)
    a = get_audience(aud)
    for must in ("MACE agenda: Example Area", a.marking, f"{aud} audience", "period 2025-11-01 to 2026-10-31",
                 "children with an episode", "episodes", "children to decide on today", "Since the last meeting: compared with"):
        assert must in one, must
    blocks = ["Children to decide on today", "Persons of concern: new or escalating", "Places: new or escalating"]
    if a.agenda == "disruption":
        blocks = blocks[1:] + ["Intelligence gaps: links to grade or corroborate"] + blocks[:1]
    assert [one.index(b) for b in blocks] == sorted(one.index(b) for b in blocks)
    assert "After this page:" in one  # the agenda ends on page 1
    assert _body(pages[1], aud).startswith("1. Since the last meeting")
    ag = r.meeting.agenda
    # capped, ranked, each line with its reason: the first children and places as the agenda ranks them
    shown = [c["label"] for c in ag.children[:10]]
    assert [one.index(f"{n},") for n in shown] == sorted(one.index(f"{n},") for n in shown)
    for c in ag.children[:10]:
        assert c["why"][:40] in one
    if len(ag.children) > 10:
        assert f"(the first 10 of {len(ag.children)}; all in the annex)" in one
    for p in ag.places[:5]:
        assert p["why"][:30] in one


@pytest.mark.parametrize("aud", AUDIENCES)
def test_sections_print_in_order_and_no_heading_ends_a_page(packs, aud):
    r = packs[aud]
    pages = [_body(p, aud) for p in _pages(r.pdf)]
    html = r.html.read_text(encoding="utf-8")
    numbered = re.findall(r"<h2>(\d+)\. ([^<]+)</h2>", html)
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1))
    first_page = [next(i for i, p in enumerate(pages) if f"{n}. {t}" in p) for n, t in numbered]
    assert first_page == sorted(first_page), numbered
    headings = {re.sub(r"<[^>]+>|\s+", " ", h).strip() for h in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", html, re.S)}
    for i, page in enumerate(pages[:-1]):
        for h in headings:
            if len(h) > 8 and page.endswith(h):
                pytest.fail(f"page {i + 1} ends with the heading {h!r}")


def test_printed_map_fills_its_landscape_page_with_legible_text(packs):
    r = packs["internal"]
    doc = pdfium.PdfDocument(r.pdf)
    land = [i for i in range(len(doc)) if doc[i].get_width() > doc[i].get_height()]
    assert len(land) == 1
    page = doc[land[0]]
    bounds = [o.get_bounds() for o in page.get_objects() if o.type != pdfium.raw.FPDF_PAGEOBJ_TEXT]
    left, right = min(b[0] for b in bounds), max(b[2] for b in bounds)
    bottom, top = min(b[1] for b in bounds), max(b[3] for b in bounds)
    assert (right - left) / page.get_width() > 0.85 and (top - bottom) / page.get_height() > 0.7
    tp = page.get_textpage()
    text = tp.get_text_range()
    # glyph boxes (ascent to descent) are about 1.16 times the font size: 8.1 points is 7-point text
    heights = sorted(tp.get_charbox(k, loose=True)[3] - tp.get_charbox(k, loose=True)[1]
                     for k in range(tp.count_chars()) if text[k].isalnum())
    assert heights[len(heights) // 20] >= 8.0, heights[:20]
    doc.close()


# A4 portrait less the 12 mm side margins, in CSS pixels: the width pack.pdf prints its tables at
_PRINTED_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
_OVERFLOWS = """() => { const out = []; const cv = document.createElement('canvas').getContext('2d');
  for (const cell of document.querySelectorAll('table th, table td')) {
    const sec = cell.closest('section'); const where = (sec && sec.id) || cell.closest('table').className;
    if (cell.scrollWidth > cell.clientWidth + 1) { out.push([where, 'runs into the next column', cell.innerText.slice(0, 40)]); continue; }
    if (cell.tagName !== 'TH') continue;
    const cs = getComputedStyle(cell); cv.font = cs.font;
    const inner = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    for (const word of cell.innerText.split(/\\s+/)) for (const part of word.split(/(?<=-)/))
      if (cv.measureText(part).width > inner + 0.5) out.push([where, 'a word broken in two', part]);
  } return out; }"""


@pytest.mark.browser
@pytest.mark.parametrize("aud", ("internal", "partner"))
def test_no_printed_table_runs_a_cell_into_the_next_or_breaks_a_heading_word(packs, aud, browser):
    # at the printed width, as pack.pdf prints: "Children linked" ran into "Groups linked",
    # "Risk of exploitation" printed as "exploita / tion", an "escalating" label left its column
    context = browser.new_context(viewport={"width": _PRINTED_WIDTH, "height": 1000})
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        for name in ("pack.html", "annex.html"):
            page.goto((packs[aud].out / name).resolve().as_uri())
            found = sorted({tuple(x) for x in page.evaluate(_OVERFLOWS)})
            assert found == [], (aud, name, found)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("aud", ("internal", "partner", "police"))
def test_pack_and_annex_pass_axe_wcag_22_aa(packs, aud, recorded_page, reports_dir):
    from conftest import axe_violations

    for name in ("pack.html", "annex.html"):
        recorded_page.page.goto((packs[aud].out / name).resolve().as_uri())
        found = axe_violations(recorded_page.page)
        assert found == [], (aud, name, found)
    recorded_page.page.goto(packs[aud].html.resolve().as_uri())
    recorded_page.page.screenshot(path=str(reports_dir / f"pack_{aud}_screen.png"))
    assert recorded_page.requests == [] or all(u.startswith(("file:", "data:")) for u in recorded_page.requests)

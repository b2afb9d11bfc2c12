"""Printing HTML to PDF: several files in one chromium launch, each with its own bands, offline."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from contextmap._errors import InputNotFoundError
from contextmap.pack import pdf

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _chromium():
    try:
        pdf.find_chromium()
    except pdf.ChromiumNotFoundError as e:
        pytest.skip(str(e))


@pytest.fixture
def launches(monkeypatch) -> list[int]:
    """Count chromium launches made through playwright."""
    from playwright.sync_api import BrowserType

    seen: list[int] = []
    real = BrowserType.launch

    def counting(self, *args, **kwargs):
        seen.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(BrowserType, "launch", counting)
    return seen


def _text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def test_several_files_print_in_one_launch_each_with_its_own_header(tmp_path, launches):
    (tmp_path / "pack.html").write_text(
        "<h1 style='break-after: page'>Main pack body</h1><p style='break-after: page'>two</p><p>three</p>")
    (tmp_path / "annex.html").write_text("<h1>Annex body</h1>")
    outs = pdf.html_to_pdfs([
        pdf.PdfJob(tmp_path / "pack.html", tmp_path / "pack.pdf", "OFFICIAL pack band", "notice one"),
        pdf.PdfJob(tmp_path / "annex.html", tmp_path / "annex.pdf", "OFFICIAL annex band", "notice two"),
    ])
    assert outs == [tmp_path / "pack.pdf", tmp_path / "annex.pdf"]
    assert len(launches) == 1
    pack, annex = _text(outs[0]), _text(outs[1])
    assert "Main pack body" in pack and "OFFICIAL pack band" in pack and "notice one" in pack
    assert "annex" not in pack.lower()
    assert "Annex body" in annex and "OFFICIAL annex band" in annex and "notice two" in annex
    assert "Main pack body" not in annex and "page 1 of 1" in annex
    assert len(PdfReader(outs[0]).pages) == 3 and "page 3 of 3" in pack


def test_every_document_in_the_session_is_printed_offline(tmp_path):
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        for name in ("a", "b"):
            (tmp_path / f"{name}.html").write_text(
                f'<p>{name}</p><img src="{url}/{name}.png"><script src="{url}/{name}.js"></script>')
        pdf.html_to_pdfs([pdf.PdfJob(tmp_path / f"{n}.html", tmp_path / f"{n}.pdf", "H", "F") for n in "ab"])
    finally:
        server.shutdown()
        server.server_close()
    assert (tmp_path / "b.pdf").stat().st_size > 0
    assert hits == []


def test_a_missing_file_is_named_and_nothing_is_printed(tmp_path, launches):
    (tmp_path / "a.html").write_text("<p>a</p>")
    with pytest.raises(InputNotFoundError, match=r"jobs\[1\]\.source=.*missing\.html"):
        pdf.html_to_pdfs([pdf.PdfJob(tmp_path / "a.html", tmp_path / "a.pdf", "H", "F"),
                          pdf.PdfJob(tmp_path / "missing.html", tmp_path / "b.pdf", "H", "F")])
    assert launches == [] and not (tmp_path / "a.pdf").exists()

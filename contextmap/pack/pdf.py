"""Render a self-contained HTML file to PDF with Debian's chromium, offline.

The pack's PDF is printed from the very same HTML the user opens, so the two never
disagree. Chromium is driven through playwright with ``executable_path`` pointing at the
system browser (never a downloaded build) and every request other than ``file:`` and
``data:`` is refused, so rendering makes no network request.

Each printed page carries the protective marking and handling notice in its header and
footer (chromium's print header/footer templates), whatever the content.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import os
import shutil
from pathlib import Path

from contextmap._errors import ContextMapError, InputNotFoundError

__all__ = ["html_to_pdf", "find_chromium", "ChromiumNotFoundError", "CHROMIUM_ARGS"]

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
"""Flags passed to chromium: no sandbox (containers), and no background network traffic."""

_DEFAULT_CHROMIUM = "/usr/bin/chromium"


class ChromiumNotFoundError(ContextMapError, FileNotFoundError):
    """Debian's chromium is not installed, so no PDF can be printed."""


def find_chromium(executable: str | os.PathLike[str] | None = None) -> Path:
    """Return the chromium executable to print with.

    Parameters
    ----------
    executable
        An explicit path; default ``$CONTEXTMAP_CHROMIUM``, then ``/usr/bin/chromium``, then
        ``chromium`` on the ``PATH``.

    Raises
    ------
    ChromiumNotFoundError
        With the command that installs it.
    """
    candidates = [executable, os.environ.get("CONTEXTMAP_CHROMIUM"), _DEFAULT_CHROMIUM,
                  shutil.which("chromium")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise ChromiumNotFoundError(
        "cannot print the PDF: Debian's chromium is not installed (looked for "
        f"{str(executable or _DEFAULT_CHROMIUM)!r}). Install it with "
        "`sudo apt-get install chromium` (`make demo` does this for you), or set "
        "CONTEXTMAP_CHROMIUM to a chromium executable."
    )


def _band(text: str, *, where: str) -> str:
    # chromium header/footer templates default to a zero font size; style inline.
    pages = (
        ' &middot; page <span class="pageNumber"></span> of <span class="totalPages"></span>'
        if where == "footer"
        else ""
    )
    return (
        '<div style="font-family: sans-serif; font-size: 7.5pt; width: 100%; '
        'margin: 0 12mm; text-align: center; color: #222;">'
        f"{html.escape(text)}{pages}</div>"
    )


def _render(source: Path, out: Path, header: str, footer: str, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            # refuse anything that would leave the machine
            page.route(
                "**/*",
                lambda route: route.continue_()
                if route.request.url.startswith(("file:", "data:"))
                else route.abort(),
            )
            page.goto(source.resolve().as_uri(), wait_until="load")
            page.evaluate("document.documentElement.classList.add('pdf-render')")
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=_band(header, where="header"),
                footer_template=_band(footer, where="footer"),
                margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()


def html_to_pdf(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    header: str,
    footer: str,
    chromium: str | os.PathLike[str] | None = None,
) -> Path:
    """Print the HTML file ``source`` to the PDF ``out`` with a header and footer on every page.

    Parameters
    ----------
    source
        A self-contained HTML file (it is opened offline: nothing outside ``file:`` and
        ``data:`` loads).
    out
        Where to write the PDF.
    header, footer
        Plain text repeated at the top and bottom of every page (escaped); the footer also
        gets "page N of M".
    chromium
        The chromium executable (see :func:`find_chromium`).

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.html").write_text("<p>hello</p>")
    >>> html_to_pdf(d / "a.html", d / "a.pdf", header="OFFICIAL", footer="notice").stat().st_size > 0
    True
    """
    src = Path(source)
    if not src.is_file():
        raise InputNotFoundError(f"HTML to print not found: source={str(src)!r}")
    exe = find_chromium(chromium)
    dest = Path(out)
    try:
        asyncio.get_running_loop()
        running = True
    except RuntimeError:
        running = False
    if running:
        # playwright's sync API refuses to run inside an event loop (Jupyter): use a thread
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_render, src, dest, header, footer, exe).result()
    else:
        _render(src, dest, header, footer, exe)
    return dest

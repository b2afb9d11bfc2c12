"""Render self-contained HTML files to PDF with Debian's chromium, offline.

The pack's PDF is printed from the very same HTML the user opens, so the two never
disagree. Chromium is driven through playwright with ``executable_path`` pointing at the
system browser (never a downloaded build) and every request other than ``file:`` and
``data:`` is refused, so rendering makes no network request.

Each printed page carries the protective marking and handling notice in its header and
footer (chromium's print header/footer templates), whatever the content. Several files
(the pack and its annex) are printed in one browser session, since launching chromium costs
more than printing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from contextmap._errors import ConfigError, ContextMapError, InputNotFoundError

__all__ = ["html_to_pdf", "html_to_pdfs", "PdfJob", "encrypt_pdf", "encrypt_pdfs", "check_passphrase",
           "PASSPHRASE_MIN_LENGTH", "PASSPHRASE_MIN_SCORE", "find_chromium", "ChromiumNotFoundError", "CHROMIUM_ARGS"]

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


class PdfJob(NamedTuple):
    """One HTML file to print: ``source`` to ``out``, with its own header and footer text."""

    source: str | os.PathLike[str]
    out: str | os.PathLike[str]
    header: str
    footer: str


def _print_page(context: Any, source: Path, out: Path, header: str, footer: str) -> None:
    page = context.new_page()
    try:
        page.goto(source.resolve().as_uri(), wait_until="load")
        page.evaluate("document.documentElement.classList.add('pdf-render')")
        page.pdf(
            path=str(out),
            format="A4",
            prefer_css_page_size=True,  # the map page is A4 landscape (@page landscape)
            print_background=True,
            display_header_footer=True,
            header_template=_band(header, where="header"),
            footer_template=_band(footer, where="footer"),
            margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
        )
    finally:
        page.close()


def _render(jobs: list[tuple[Path, Path, str, str]], chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    # one browser launch for every document: starting chromium costs more than printing
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            for source, out, header, footer in jobs:
                # a fresh context per document: nothing one page stored is seen by the next
                context = browser.new_context(offline=True)
                try:
                    # refuse anything that would leave the machine
                    context.route(
                        "**/*",
                        lambda route: route.continue_()
                        if route.request.url.startswith(("file:", "data:"))
                        else route.abort(),
                    )
                    _print_page(context, source, out, header, footer)
                finally:
                    context.close()
        finally:
            browser.close()


def html_to_pdfs(jobs: Sequence[PdfJob], *, chromium: str | os.PathLike[str] | None = None) -> list[Path]:
    """Print several HTML files to PDF in one chromium session (one launch for them all).

    Parameters
    ----------
    jobs
        What to print: each :class:`PdfJob` names a self-contained HTML file (opened offline:
        nothing outside ``file:`` and ``data:`` loads), where to write its PDF, and the plain
        text repeated at the top and bottom of each of its pages (escaped; the footer also gets
        "page N of M").
    chromium
        The chromium executable (see :func:`find_chromium`).

    Returns
    -------
    list of Path
        Each job's ``out``, in order.

    Raises
    ------
    InputNotFoundError
        Before anything is printed, if any job's ``source`` is missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.html").write_text("<p>hello</p>")
    >>> _ = (d / "b.html").write_text("<p>annex</p>")
    >>> outs = html_to_pdfs([PdfJob(d / "a.html", d / "a.pdf", "OFFICIAL", "notice"),
    ...                      PdfJob(d / "b.html", d / "b.pdf", "OFFICIAL \u00b7 annex", "notice")])
    >>> [o.name for o in outs], all(o.stat().st_size > 0 for o in outs)
    (['a.pdf', 'b.pdf'], True)
    """
    todo: list[tuple[Path, Path, str, str]] = []
    for i, job in enumerate(jobs):
        src = Path(job.source)
        if not src.is_file():
            raise InputNotFoundError(f"HTML to print not found: jobs[{i}].source={str(src)!r}")
        todo.append((src, Path(job.out), job.header, job.footer))
    if not todo:
        return []
    exe = find_chromium(chromium)
    try:
        asyncio.get_running_loop()
        running = True
    except RuntimeError:
        running = False
    if running:
        # playwright's sync API refuses to run inside an event loop (Jupyter): use a thread
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_render, todo, exe).result()
    else:
        _render(todo, exe)
    return [out for _, out, _, _ in todo]


def html_to_pdf(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    header: str,
    footer: str,
    chromium: str | os.PathLike[str] | None = None,
) -> Path:
    """Print the HTML file ``source`` to the PDF ``out`` with a header and footer on every page.

    To print several files, :func:`html_to_pdfs` does it in one chromium launch.

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
    return html_to_pdfs([PdfJob(src, out, header, footer)], chromium=chromium)[0]


PASSPHRASE_MIN_LENGTH = 12
"""The fewest characters a passphrase for ``--encrypt-pdf`` may have."""
PASSPHRASE_MIN_SCORE = 4
"""The lowest zxcvbn score (0-4) a passphrase for ``--encrypt-pdf`` may have: 4 means more
than 10^10 guesses, what zxcvbn calls strong protection against an offline attack, which is
what an encrypted PDF left on a shared drive or in a mailbox faces."""


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too weak to protect a PDF that may be attacked offline.

    A passphrase must have at least :data:`PASSPHRASE_MIN_LENGTH` characters and the top
    strength score, :data:`PASSPHRASE_MIN_SCORE`, of zxcvbn (Dropbox's estimator of how many
    guesses a passphrase takes: common passwords, names, words, dates, keyboard patterns and
    l33t substitutions all count against it). Four or five random words pass
    ("correct horse battery staple"); a word with digits does not ("Summer2026!").

    Raises
    ------
    ConfigError
        Naming what is required and what was wrong (never the passphrase).

    Examples
    --------
    >>> check_passphrase("correct horse battery staple")
    >>> check_passphrase("x")
    Traceback (most recent call last):
    ...
    contextmap._errors.ConfigError: Expected a passphrase of at least 12 characters that zxcvbn rates 4 of 4 (for example four or five random words), instead got one of 1 character rated 0 of 4
    """
    if not isinstance(passphrase, str) or not passphrase:
        raise ConfigError("Expected a passphrase for the encrypted PDF, instead got an empty one")
    from zxcvbn import zxcvbn

    n = len(passphrase)
    result = zxcvbn(passphrase[:100])  # the estimate is quadratic in length; 100 characters say enough
    score = int(result["score"])
    if n >= PASSPHRASE_MIN_LENGTH and score >= PASSPHRASE_MIN_SCORE:
        return
    hint = " ".join(x for x in [result["feedback"].get("warning") or "", *result["feedback"].get("suggestions", [])] if x)
    raise ConfigError(
        f"Expected a passphrase of at least {PASSPHRASE_MIN_LENGTH} characters that zxcvbn rates "
        f"{PASSPHRASE_MIN_SCORE} of 4 (for example four or five random words), instead got one of {n} "
        f"character{'s' if n != 1 else ''} rated {score} of 4" + (f": {hint}" if hint and n >= 8 else "")
    )


def encrypt_pdfs(folder: str | os.PathLike[str], *, passphrase: str) -> list[Path]:
    """Encrypt every PDF under ``folder`` (:func:`encrypt_pdf`): a pack sends ``pack.pdf``
    and ``annex.pdf``, and whatever PDF a later version adds is covered too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pypdf import PdfReader, PdfWriter
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("pack.pdf", "annex.pdf"):
    ...     w = PdfWriter(); _ = w.add_blank_page(100, 100); _ = w.write(d / name)
    >>> [p.name for p in encrypt_pdfs(d, passphrase="correct horse battery staple")]
    ['annex.pdf', 'pack.pdf']
    >>> all(PdfReader(d / n).is_encrypted for n in ("pack.pdf", "annex.pdf"))
    True
    """
    check_passphrase(passphrase)
    done = []
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file() and p.suffix.lower() == ".pdf":
            done.append(encrypt_pdf(p, passphrase=passphrase))
    return done


def encrypt_pdf(path: str | os.PathLike[str], *, passphrase: str) -> Path:
    """Encrypt a PDF in place with AES-256 (pypdf), for the secure e-mail partners use.

    Opening it needs ``passphrase``; the document's text and metadata are encrypted, so a
    copy intercepted or left on a shared drive cannot be read. The file is rewritten through
    a temporary file beside it and swapped in, so a failure leaves the original.

    Parameters
    ----------
    path
        The PDF to encrypt.
    passphrase
        The passphrase the reader will type (never stored by contextmap); a weak one is
        refused (:func:`check_passphrase`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pypdf import PdfReader, PdfWriter
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.pdf"
    >>> w = PdfWriter(); _ = w.add_blank_page(100, 100); _ = w.write(p)
    >>> _ = encrypt_pdf(p, passphrase="correct horse battery staple")
    >>> r = PdfReader(p); r.is_encrypted, r.decrypt("correct horse battery staple") > 0
    (True, True)
    """
    from pypdf import PdfReader, PdfWriter

    check_passphrase(passphrase)
    src = Path(path)
    if not src.is_file():
        raise InputNotFoundError(f"PDF to encrypt not found: {str(src)!r}")
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=passphrase, owner_password=None, algorithm="AES-256")
    tmp = src.with_name(f".{src.name}.encrypting")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, src)
    return src

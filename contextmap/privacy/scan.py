"""The identifier scan: :func:`scan_outputs` and :func:`check_outputs` over written files.

Every forbidden string goes into one Aho-Corasick automaton (``pyahocorasick``, a C
extension), so each text is read once whatever the number of strings: a 10k-episode
dataset forbids about 70,000 ids, names and addresses, many sharing a first word (``rhi-``,
``prov-``, ``Flat``), which made a per-token candidate check quadratic in practice.

The rules are those of the earlier token scanner, and are kept exactly:

* a string is found only where it stands as a whole token: the characters either side are
  not letters, digits or ``_`` (``'C1'`` is not in ``'C10'``, ``'#C1C1C1'`` or ``'C1_x'``);
* a string that starts (ends) with a digit is not found when a separator ``. , : / -`` and
  another digit precede (follow) it: it is part of a decimal number, a date or a time;
* strings in ``Forbidden.case_insensitive`` (names, addresses, free text of 4 characters or
  more) match in any case, every other string (ids, short aliases) exactly;
* strings shorter than ``min_length``, or holding no letter or digit, are not looked for.

Case-insensitive matching compares ``str.lower()`` texts with two length-keeping
adjustments so that offsets in the folded text are offsets in the original: ``'\\u0130'``
(the one character whose lower case is two characters) folds to ``'i'``, and final sigma
folds to sigma. Both only ever add matches.

PDF page text comes from ``pypdfium2`` (PDFium, the engine that wrote the PDF in chromium:
about 30 times faster than pypdf here, and it expands ligatures such as ``'ﬁ'``, which pypdf
leaves in names); pypdf reads the document information (every key) and is the fallback
for a PDF that PDFium cannot open.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import html
import json
import os
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick

from contextmap._errors import PrivacyError
from contextmap.privacy.folding import (
    reader_bounded,
    reader_fold,
    reader_fold_index,
    reader_text,
    reader_variants,
)
from contextmap.privacy.forbidden import Forbidden

__all__ = ["Hit", "Scanner", "take_out", "fold", "bounded", "vendored_digests", "mask_vendored", "scan_text", "scan_path", "scan_outputs", "check_outputs"]


@dataclass(frozen=True)
class Hit:
    """One forbidden string found in an output. ``str(hit)`` never shows the string itself."""

    source: str
    kind: str
    where: str
    value: str = field(repr=False)
    origin: str = ""
    """Where the identifier comes from in the input (``'children.csv row 4'``): never the value."""

    def __str__(self) -> str:
        text = f"{self.kind} found in {self.source} at {self.where}"
        return f"{text} (the {self.kind} of {self.origin})" if self.origin else text


_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
TEXT_SUFFIXES = {
    ".html", ".htm", ".txt", ".csv", ".tsv", ".json", ".geojson", ".graphml", ".gexf", ".xml",
    ".svg", ".md", ".js", ".css", ".jsonl", ".yaml", ".yml", ".ximp",
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp"}
ZIP_SUFFIXES = {".zip", ".xlsx", ".docx", ".anx", ".odt", ".ods"}
SQLITE_SUFFIXES = {".gpkg", ".sqlite", ".db"}
_SEP = "\x00"  # joins SQLite cells: not a letter, digit, '_' or number separator
_LIST_NUMBER = re.compile(r"\d+[.)]\s")
_DATA_URI = re.compile(r"(data:[\w.+/-]+;base64,)([A-Za-z0-9+/=]+)")


def fold(text: str) -> str:
    """Lower case that keeps every character's offset (see the module docstring).

    Examples
    --------
    >>> fold("ΟΔΥΣΣΕΥΣ \\u0130stanbul")
    'οδυσσευσ istanbul'
    """
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    return text.lower().replace("\u03c2", "\u03c3")


def bounded(text: str, start: int, end: int, s: str) -> bool:
    """True when ``text[start:end]`` (which is ``s``) stands as a whole token."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or after.isalnum() or before == "_" or after == "_":
        return False
    if s[0].isdigit() and before in ".,:/-" and start > 1 and text[start - 2].isdigit():
        return False  # part of a decimal number, a date or a time
    if s[-1].isdigit() and after in ".,:/-" and end + 1 < len(text) and text[end + 1].isdigit():
        return False
    return True



class Scanner:
    """Finds forbidden strings in texts, all strings in one pass.

    Parameters
    ----------
    kinds
        Each forbidden string and what it is (``'child name'``...).
    case_insensitive
        The strings matched in any case; the others match exactly.
    min_length
        Shorter strings are ignored.

    Examples
    --------
    >>> sc = Scanner({"C1": "entity id", "Ava Example": "child name"}, {"Ava Example"})
    >>> [(h.kind, h.where) for h in sc.scan("C10 and AVA EXAMPLE, C1.", "t")]
    [('child name', 'line 1, column 9 (offset 8)'), ('entity id', 'line 1, column 22 (offset 21)')]
    """

    def __init__(self, kinds: Mapping[str, str], case_insensitive: Iterable[str] = (), *,
                 min_length: int = 2, origins: Mapping[str, str] | None = None) -> None:
        self.kinds = dict(kinds)
        self.origins = dict(origins or {})
        ci = set(case_insensitive)
        reader: dict[str, list[str]] = {}
        self._order: dict[str, int] = {}
        exact = ahocorasick.Automaton()
        folded: dict[str, list[str]] = {}
        for s in self.kinds:
            if len(s) < min_length or _WORD.search(s) is None:
                continue
            self._order[s] = len(self._order)
            if s in ci:
                folded.setdefault(fold(s), []).append(s)
                for variant in reader_variants(s, reorder="name" in self.kinds[s]):
                    reader.setdefault(variant, []).append(s)
            else:
                exact.add_word(s, s)
        self._exact = exact if len(exact) else None
        if self._exact is not None:
            self._exact.make_automaton()
        self._folded = None
        if folded:
            self._folded = ahocorasick.Automaton()
            for key, originals in folded.items():
                self._folded.add_word(key, (key, tuple(originals)))
            self._folded.make_automaton()
        self._reader = None
        if reader:
            self._reader = ahocorasick.Automaton()
            for key, originals in reader.items():
                # a name of two or more words is also found glued to a digit or a capital
                # ("KyleNettleton4eva"); one word is not: "Eden" is inside many a code ("EDEN37N3")
                glued = any(len(reader_fold(o).split()) > 1 for o in originals)
                self._reader.add_word(key, (key, tuple(dict.fromkeys(originals)), glued))
            self._reader.make_automaton()

    def __len__(self) -> int:
        return len(self._order)

    def find(self, text: str) -> list[tuple[int, str]]:
        """``(offset, string)`` for each whole-token occurrence, by offset."""
        found: list[tuple[int, str]] = []
        if not text:
            return found
        if self._exact is not None:
            for last, s in self._exact.iter(text):
                start = last - len(s) + 1
                if bounded(text, start, last + 1, s):
                    found.append((start, s))
        if self._folded is not None:
            low = fold(text)
            if len(low) != len(text):  # not with today's Unicode tables; stay correct if it happens
                low = "".join(f if len(f := fold(c)) == 1 else c for c in text)
            for last, (key, originals) in self._folded.iter(low):
                start = last - len(key) + 1
                if bounded(text, start, last + 1, key):
                    found += [(start, s) for s in originals]
        found.sort(key=lambda h: (h[0], self._order[h[1]]))
        return found

    def find_folded(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, string)`` of each occurrence as a reader reads it
        (:func:`~contextmap.privacy.folding.reader_fold`).

        Only the case-insensitive strings are looked for this way (ids match exactly). A
        name is also found with its parts in another order (``'Wharton, Megan'``), run
        together (``'MeganWharton'``), letter-spaced, in look-alike letters, with invisible
        characters inside, or, for a name of two or more words, glued to a suffix where a
        reader splits words (``'KyleNettleton4eva'``, ``'LoveKyleNettleton'``: a letter/digit
        or camel-case boundary, :func:`~contextmap.privacy.folding.reader_bounded`). A name
        that begins with a number is not found in a numbered list (``'3. Fern Way bus
        stop'`` is not ``'3 Fern Way'``) nor after the decimal point of a number (a
        layout's coordinate before a place's name in a network's data: ``-391.3, "Fern Way
        bus stop"``). The payload of a
        ``data:...;base64,`` URI is not read: no reader reads base64.
        """
        if self._reader is None or not text:
            return []
        if "base64," in text:
            text = _DATA_URI.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
        cased = reader_text(text, split=False)
        folded = cased.lower().replace("\u03c2", "\u03c3")
        index: list[int] | None = None
        out: list[tuple[int, int, str]] = []
        for last, (key, originals, glued) in self._reader.iter(folded):
            start = last - len(key) + 1
            if not reader_bounded(cased, start, last + 1, glued=glued):
                continue
            if index is None:
                index = reader_fold_index(text, split=False)
                if len(index) != len(folded):  # pragma: no cover - the two folds disagree
                    raise RuntimeError("reader_fold and reader_fold_index disagree")
            o_start, o_end = index[start], index[last] + 1
            if key[0].isdigit() and _LIST_NUMBER.match(text, o_start):
                continue  # "3. Fern Way bus stop" is item 3 of a list, not the address "3 Fern Way"
            if key[0].isdigit() and o_start > 1 and text[o_start - 1] in ".," and text[o_start - 2].isdigit():
                continue  # [-391.7, "Fern Way bus stop"]: the end of a decimal number, not a house number
            out += [(o_start, o_end, s) for s in originals]
        return out

    def find_spans(self, text: str, *, folded: bool = True) -> list[tuple[int, int, str]]:
        """Every hit, strict (:meth:`find`) and (``folded``) as a reader reads it (:meth:`find_folded`)."""
        spans = [(start, start + len(s), s) for start, s in self.find(text)]
        seen = {(a, s) for a, _b, s in spans}
        if folded:
            spans += [h for h in self.find_folded(text) if (h[0], h[2]) not in seen]
        spans.sort(key=lambda h: (h[0], self._order[h[2]]))
        return spans

    def scan(self, text: str, source: str, describe: Callable[[int], str] | None = None, *,
             folded: bool = True) -> list[Hit]:
        """The hits in one text, labelled ``source``; ``describe(offset)`` says where."""
        where = describe or (lambda o: _line_col(text, o))
        return [Hit(source, self.kinds.get(s, "identifier"), where(start), s, self.origins.get(s, ""))
                for start, _end, s in self.find_spans(text, folded=folded)]

    def scan_many(self, texts: list[str], source: str, describe: Callable[[int, int], str]) -> list[Hit]:
        """Scan many short texts (cells) as one; ``describe(i, offset)`` says where in ``texts[i]``."""
        if not texts:
            return []
        starts = []
        pos = 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        joined = _SEP.join(texts)
        hits = []
        for start, end, s in self.find_spans(joined):
            i = bisect.bisect_right(starts, start) - 1
            if end > starts[i] + len(texts[i]):
                continue  # spans two cells: not in any one of them
            hits.append(Hit(source, self.kinds.get(s, "identifier"), describe(i, start - starts[i]), s,
                            self.origins.get(s, "")))
        return hits


def take_out(text: str, scanner: Scanner, mark: str = "[name withheld]") -> str:
    """``text`` with every forbidden string ``scanner`` finds in it, in any disguise, replaced
    by ``mark`` (for free text an audience sees without the names in it).

    Examples
    --------
    >>> sc = Scanner({"Ava Example": "child name"}, {"Ava Example"}, min_length=3)
    >>> take_out("Seen with AVA  example and Ex\u200bample, Ava", sc)
    'Seen with [name withheld] and [name withheld]'
    >>> take_out("Ava Example Jones", Scanner({"Ava Example": "child name", "Example Jones": "alias"},
    ...                                      {"Ava Example", "Example Jones"}, min_length=3))
    '[name withheld]'
    """
    spans = sorted({(a, b) for a, b, _ in scanner.find_spans(text)}, key=lambda x: (x[0], -x[1]))
    out, pos = [], 0
    for a, b in spans:  # the longest at each start ('Tyler Newby', not 'Tyler' and then ' Newby')
        if b <= pos:
            continue
        out += [text[pos:max(a, pos)], mark] if a >= pos else []
        pos = b
    return "".join(out) + text[pos:]


def _line_col(text: str, offset: int) -> str:
    """``'line L, column C (offset O)'`` of an offset (1-based line and column)."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col} (offset {offset})"


_JS_ESCAPE = re.compile(r"\\[nrtfv]")


def _unescaped(text: str) -> str | None:
    """The text with HTML entities, ``\\uXXXX``, ``\\/`` and the JavaScript/JSON white-space
    escapes (``\\n``, ``\\t``...) undone, or None when unchanged."""
    if "&" not in text and "\\" not in text:
        return None
    un = html.unescape(_UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)).replace("\\/", "/")
    un = _JS_ESCAPE.sub(" ", un)
    return un if un != text else None


_TAG = re.compile(r"<[^<>]*>")
MARKUP_SUFFIXES = {".html", ".htm", ".svg", ".xml", ".graphml", ".gexf", ".ximp"}


def _between_tags(sc: Scanner, text: str, source: str, found: list[Hit]) -> list[Hit]:
    """Names a reader reads across markup (``<td>Wharton,</td><td>Megan</td>``): the text
    with every tag blanked (same length, so offsets hold), read as a reader reads it."""
    if "<" not in text:
        return []
    stripped = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    seen = {h.value for h in found}
    return [Hit(source, sc.kinds.get(s, "identifier"), f"{_line_col(text, a)} (text between tags)", s,
                sc.origins.get(s, "")) for a, _b, s in sc.find_folded(stripped) if s not in seen]


def _json_strings(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)


@functools.cache
def vendored_digests() -> frozenset[str]:
    """The SHA-256 digests of the vendored libraries (``privacy/vendored.sha256``)."""
    text = resources.files("contextmap.privacy").joinpath("vendored.sha256").read_text(encoding="utf-8")
    return frozenset(line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#"))


_SCRIPT = re.compile(r"(<script>)(.*?)(\n?</script>)", re.DOTALL | re.IGNORECASE)


def mask_vendored(text: str) -> tuple[str, int]:
    """``text`` with the body of every vendored ``<script>`` blanked (same length, so
    offsets hold), and how many were blanked. A body is vendored when its SHA-256, once the
    ``<\\/script`` escape of :func:`contextmap.views.html.inline_script` is undone, is in
    :func:`vendored_digests`."""
    digests = vendored_digests()
    count = 0

    def blank(m: re.Match[str]) -> str:
        nonlocal count
        body = re.sub(r"<\\/(script)", r"</\1", m.group(2), flags=re.IGNORECASE)
        if hashlib.sha256(body.encode("utf-8")).hexdigest() in digests:
            count += 1
            return m.group(1) + " " * len(m.group(2)) + m.group(3)
        return m.group(0)

    if "<script>" not in text:
        return text, 0
    return _SCRIPT.sub(blank, text), count


_PASSWORD_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'\"<>]*:[^\s/@'\"<>*]+@")


def scan_text(sc: Scanner, text: str, source: str) -> list[Hit]:
    """The text as written, then (when different) after unescaping.

    Read as a reader reads (:meth:`Scanner.find_folded`) only once: after unescaping when
    that changes the text (a reader reads ``&#10;`` as a line break), else as written. A URL
    that carries a password (``postgresql://user:secret@host``) is a hit whatever the
    forbidden strings: no output may hold a secret.
    """
    un = _unescaped(text)
    hits = sc.scan(text, source, folded=un is None)
    if "://" in text:
        hits += [Hit(source, "password in a URL", _line_col(text, m.start()), m.group(0))
                 for m in _PASSWORD_URL.finditer(text)]
    if un is not None:
        hits += [dataclasses.replace(h, where=h.where + " (after unescaping)") for h in sc.scan(un, source)]
    return hits


def _scan_sqlite(sc: Scanner, path: Path) -> list[Hit]:
    hits: list[Hit] = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            hits += sc.scan(t, path.name, lambda _o, t=t: f"table name {t!r}")  # type: ignore[misc]  # default-arg lambdas
            cur = con.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            for c in cols:
                hits += sc.scan(c, path.name, lambda _o, t=t, c=c: f"table {t!r} column name {c!r}")  # type: ignore[misc]  # default-arg lambdas
            cells: list[str] = []
            where: list[tuple[int, str]] = []
            for rownum, row in enumerate(cur, start=1):
                for c, v in zip(cols, row, strict=True):
                    if isinstance(v, str):
                        cells.append(v)
                        where.append((rownum, c))
            hits += sc.scan_many(
                cells, path.name, lambda i, _o, t=t, w=where: f"table {t!r} row {w[i][0]} column {w[i][1]!r}"  # type: ignore[misc]  # default-arg lambdas
            )
    finally:
        con.close()
    return hits


def _pdf_pages(path: Path) -> list[str]:
    """The text of each page: PDFium, else pypdf."""
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(path))
        try:
            pages = []
            for i in range(len(doc)):
                page = doc[i]
                tp = page.get_textpage()
                pages.append(tp.get_text_bounded())
                tp.close()
                page.close()
            return pages
        finally:
            doc.close()
    except Exception:  # noqa: BLE001 - PDFium refused the file: read it the slow way
        from pypdf import PdfReader

        return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def _scan_pdf(sc: Scanner, path: Path) -> list[Hit]:
    from pypdf import PdfReader

    hits: list[Hit] = []
    for pageno, text in enumerate(_pdf_pages(path), start=1):
        hits += sc.scan(text, path.name, lambda o, p=pageno: f"page {p}, offset {o}")  # type: ignore[misc]  # default-arg lambdas
        flat = " ".join(text.split())  # names broken across lines
        if flat != text:
            hits += sc.scan(flat, path.name, lambda o, p=pageno: f"page {p} (reflowed), offset {o}")  # type: ignore[misc]  # default-arg lambdas
    meta: dict[str, Any] = dict(PdfReader(str(path)).metadata or {})
    for k, v in meta.items():
        hits += sc.scan(str(v), path.name, lambda _o, k=k: f"metadata {k}")  # type: ignore[misc]  # default-arg lambdas
    return hits


def scan_path(sc: Scanner, path: Path, root: Path | None = None) -> list[Hit]:
    """Scan one file by its kind (see :func:`contextmap.privacy.scan_outputs`)."""
    label = str(path.relative_to(root)) if root is not None else path.name
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return []
    if suffix in SQLITE_SUFFIXES:
        return [dataclasses.replace(h, source=label) for h in _scan_sqlite(sc, path)]
    if suffix == ".pdf":
        return [dataclasses.replace(h, source=label) for h in _scan_pdf(sc, path)]
    if suffix in ZIP_SUFFIXES and zipfile.is_zipfile(path):
        hits: list[Hit] = []
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    text = zf.read(info).decode("utf-8", errors="replace")
                    hits += scan_text(sc, text, f"{label}:{info.filename}")
        return hits
    text = path.read_bytes().decode("utf-8", errors="replace")
    if suffix in (".html", ".htm"):
        text, _ = mask_vendored(text)  # the libraries we ship hold no data: verified by hash
    hits = scan_text(sc, text, label)
    if suffix in MARKUP_SUFFIXES:
        hits += _between_tags(sc, _unescaped(text) or text, label, hits)
    if suffix in (".json", ".geojson"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None
        if obj is not None:
            joined = "\n".join(_json_strings(obj))
            found = {(h.value, h.kind) for h in hits}
            hits += [h for h in sc.scan(joined, label, lambda o: f"decoded JSON string, offset {o}")
                     if (h.value, h.kind) not in found]
    return hits


def _scan_names(sc: Scanner, root: Path) -> tuple[list[Hit], dict[Path, str]]:
    """The name of every file and folder under ``root``, read like any other text.

    A hit is reported by position (``'path entry 2/3'``: the 3rd entry, in sorted order, of
    the 2nd entry of ``root``), never by the name itself; the second result gives that
    label for each file whose path holds a hit, so that its content hits do not print it.
    """
    hits: list[Hit] = []
    hidden: dict[Path, str] = {}

    def walk(folder: Path, at: tuple[int, ...], tainted: bool) -> None:
        for n, entry in enumerate(sorted(folder.iterdir()), start=1):
            pos = (*at, n)
            label = "path entry " + "/".join(map(str, pos))
            found = sc.scan(entry.name, "(file and folder names)", lambda _o, lb=label: f"{lb} (sorted order)")  # type: ignore[misc]  # default-arg lambdas
            hits.extend(found)
            bad = tainted or bool(found)
            if entry.is_dir() and not entry.is_symlink():
                walk(entry, pos, bad)
            elif bad:
                hidden[entry] = f"the file at {label} (its name is withheld)"

    walk(root, (), False)
    return hits, hidden


def _scanner(forbidden: Iterable[str], min_length: int) -> Scanner:
    f = forbidden if isinstance(forbidden, Forbidden) else Forbidden({s: "identifier" for s in forbidden})
    return Scanner(f.kinds, f.case_insensitive, min_length=min_length, origins=getattr(f, "origins", None))


def scan_outputs(
    paths_or_texts: Iterable[Any] | Path | str, forbidden: Iterable[str], *, min_length: int = 2
) -> list[Hit]:
    """Find forbidden strings in written outputs.

    Parameters
    ----------
    paths_or_texts
        :class:`pathlib.Path` objects (files, or directories scanned recursively),
        ``(label, text)`` pairs, or plain ``str`` texts (labelled ``<text N>``). A plain
        ``str`` is always text, never a path: wrap paths in :class:`~pathlib.Path`.
        HTML, XML and JSON are also scanned after unescaping; GeoPackage/SQLite files cell
        by cell; PDFs by extracted text and metadata; zip-based files (``.xlsx``) member by
        member. Images are not scanned (draw them from the redacted dataset).
    forbidden
        From :func:`forbidden_identifiers` (kinds and case rules kept), or any set of
        strings (matched exactly).
    min_length
        Shorter strings are ignored.

    Matching respects word boundaries: ``'C1'`` is not found in ``'C10'``, ``'#C1C1C1'``
    or ``'2.C1x'``, and a digit id is not found inside a decimal number or a date.

    Examples
    --------
    >>> [str(h) for h in scan_outputs(["child C1 and C10", "C10 only"], {"C1"})]
    ['identifier found in <text 0> at line 1, column 7 (offset 6)']
    """
    sc = _scanner(forbidden, min_length)
    if isinstance(paths_or_texts, (str, Path)) or (
        isinstance(paths_or_texts, tuple) and len(paths_or_texts) == 2 and isinstance(paths_or_texts[1], str)
    ):
        paths_or_texts = [paths_or_texts]
    hits: list[Hit] = []
    for i, item in enumerate(paths_or_texts):
        if isinstance(item, os.PathLike):
            p = Path(item)
            if p.is_dir():
                name_hits, hidden = _scan_names(sc, p)
                hits += name_hits
                for f in sorted(x for x in p.rglob("*") if x.is_file()):
                    found = scan_path(sc, f, root=p)
                    if f in hidden:  # its path holds an identifier: never print the path
                        found = [dataclasses.replace(h, source=hidden[f]) for h in found]
                    hits += found
            elif p.is_file():
                hits += scan_path(sc, p)
            else:
                raise PrivacyError(f"cannot scan output: file not found: {str(p)!r}")
        elif isinstance(item, tuple):
            label, text = item
            hits += scan_text(sc, str(text), str(label))
        else:
            hits += scan_text(sc, str(item), f"<text {i}>")
    return hits


def check_outputs(
    paths_or_texts: Iterable[Any] | Path | str, forbidden: Iterable[str], *, min_length: int = 2, max_listed: int = 10
) -> None:
    """Raise :class:`PrivacyError` if any output holds a forbidden string.

    The message names each file, the kind of identifier and where it is, never the
    identifier itself (the message may end up in logs).

    Examples
    --------
    >>> check_outputs(["nothing to see"], {"C1"})
    >>> check_outputs(["child C1"], {"C1"})
    Traceback (most recent call last):
    ...
    contextmap._errors.PrivacyError: 1 forbidden identifier(s) found in the outputs; nothing may be shared until they are removed:
      identifier found in <text 0> at line 1, column 7 (offset 6)
    """
    hits = scan_outputs(paths_or_texts, forbidden, min_length=min_length)
    if hits:
        lines = [f"  {h}" for h in hits[:max_listed]]
        if len(hits) > max_listed:
            lines.append(f"  ... and {len(hits) - max_listed} more")
        err = PrivacyError(
            f"{len(hits)} forbidden identifier(s) found in the outputs; nothing may be shared "
            "until they are removed:\n" + "\n".join(lines)
        )
        err.hits = hits  # type: ignore[attr-defined]  # the values stay out of the message
        raise err

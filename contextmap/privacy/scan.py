"""Private: the identifier scan behind :func:`contextmap.privacy.scan_outputs`.

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
import html
import json
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

__all__: list[str] = []


@dataclass(frozen=True)
class Hit:
    """One forbidden string found in an output. ``str(hit)`` never shows the string itself."""

    source: str
    kind: str
    where: str
    value: str = field(repr=False)

    def __str__(self) -> str:
        return f"{self.kind} found in {self.source} at {self.where}"


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
    [('child name', 'offset 8'), ('entity id', 'offset 21')]
    """

    def __init__(self, kinds: Mapping[str, str], case_insensitive: Iterable[str] = (), *,
                 min_length: int = 2) -> None:
        self.kinds = dict(kinds)
        ci = set(case_insensitive)
        self._order: dict[str, int] = {}
        exact = ahocorasick.Automaton()
        folded: dict[str, list[str]] = {}
        for s in self.kinds:
            if len(s) < min_length or _WORD.search(s) is None:
                continue
            self._order[s] = len(self._order)
            if s in ci:
                folded.setdefault(fold(s), []).append(s)
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

    def scan(self, text: str, source: str, describe: Callable[[int], str] | None = None) -> list[Hit]:
        """The hits in one text, labelled ``source``; ``describe(offset)`` says where."""
        return [Hit(source, self.kinds.get(s, "identifier"), describe(start) if describe else f"offset {start}", s)
                for start, s in self.find(text)]

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
        for start, s in self.find(joined):
            i = bisect.bisect_right(starts, start) - 1
            if start + len(s) > starts[i] + len(texts[i]):
                continue  # spans two cells: not in any one of them
            hits.append(Hit(source, self.kinds.get(s, "identifier"), describe(i, start - starts[i]), s))
        return hits


def _unescaped(text: str) -> str | None:
    """The text with HTML entities, ``\\uXXXX`` and ``\\/`` undone, or None when unchanged."""
    if "&" not in text and "\\" not in text:
        return None
    un = html.unescape(_UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)).replace("\\/", "/")
    return un if un != text else None


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


def scan_text(sc: Scanner, text: str, source: str) -> list[Hit]:
    """The text as written, then (when different) after unescaping."""
    hits = sc.scan(text, source)
    un = _unescaped(text)
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
    hits = scan_text(sc, text, label)
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

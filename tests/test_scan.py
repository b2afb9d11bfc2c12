"""The one-pass identifier scanner (contextmap.privacy.scan) finds exactly what the token scanner found.

``_token_scan`` below is the earlier scanner of the privacy package (one dictionary lookup
per word of the text, then a check of every forbidden string starting with that word), kept
here as the reference: the new scanner must agree with it hit for hit.
"""

from __future__ import annotations

import re
import sqlite3
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextmap.privacy import Forbidden, scan_outputs
from contextmap.privacy.scan import Scanner, bounded, fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _token_scan(text: str, kinds: dict[str, str], ci: set[str], min_length: int = 2) -> list[tuple[int, str]]:
    """The earlier scanner's matching, verbatim in substance: ``(offset, string)`` pairs."""
    exact: dict[str, list[tuple[str, int]]] = {}
    folded: dict[str, list[tuple[str, int]]] = {}
    for s in kinds:
        if len(s) < min_length:
            continue
        m = _WORD.search(s)
        if m is None:
            continue
        if s in ci:
            folded.setdefault(m.group().lower(), []).append((s, m.start()))
        else:
            exact.setdefault(m.group(), []).append((s, m.start()))
    out: list[tuple[int, str]] = []
    seen: set[tuple[str, int]] = set()
    lower = text.lower() if len(text.lower()) == len(text) else None
    for m in _WORD.finditer(text):
        tok = m.group()
        cands = [(s, off, False) for s, off in exact.get(tok, ())]
        cands += [(s, off, True) for s, off in folded.get(tok.lower(), ())]
        for s, off, fold_ in cands:
            start = m.start() - off
            end = start + len(s)
            if start < 0 or end > len(text):
                continue
            if fold_:
                piece = lower[start:end] if lower is not None else text[start:end].lower()
                if piece != s.lower():
                    continue
            elif text[start:end] != s:
                continue
            if not bounded(text, start, end, s) or (s, start) in seen:
                continue
            seen.add((s, start))
            out.append((start, s))
    return sorted(out)


KINDS = {
    "C1": "entity id", "C10": "entity id", "K1": "link id", "1023": "episode id", "05": "episode id",
    "rhi-E000002-1": "link id", "rhi-E000002-10": "link id", "rhi-E000003-1": "link id",
    "prov-p-75246267ff": "entity id", "ST": "alias", "BIG R": "alias", "Tia": "child name",
    "Ava Example": "child name", "Zoë Inventé": "child name", "O'Neill-Ryan": "person name",
    "Flat 7, 207 Kingsmead Way": "home address", "207 Kingsmead Way": "home address",
    "CA3 5RN": "home postcode", "07700 900010": "phone number", "@dark_rider": "social-media handle",
    "seen together near the shop": "withheld link summary", "Ava": "child name", "---": "identifier",
}
CI = {"Ava Example", "Zoë Inventé", "O'Neill-Ryan", "Flat 7, 207 Kingsmead Way", "207 Kingsmead Way",
      "CA3 5RN", "07700 900010", "@dark_rider", "seen together near the shop", "BIG R"}

TRICKY = [
    "Child C10 was seen", "colour: #C1C1C1;", "<path d='M0 0c1 2 3 4'/>", "id=KC1", "C1_x", "value 2.C1x",
    "Child-4C1XQ", "K10 and K100", "tc1 and c1", "Child C1 was seen", "(C1)", "node-C1", "C1.", "ids: C10, C1",
    '"C1"', "on 2024-05-01 at 52.1023 and 11023", "record 1023 reviewed", "1023.5 and 1023-", "3:1023 1023:4",
    "rhi-E000002-1 rhi-E000002-10 rhi-E000002-100 xrhi-E000003-1", "prov-p-75246267ff_", "Millbeck St bus stop",
    "seen with ST", "seen with BIG R and big r", "Tia, Tiara, TIA", "AVA EXAMPLE", "ava example's", "Ava Examples",
    "zoë inventé", "ZOË INVENTÉ", "o'neill-ryan", "FLAT 7, 207 KINGSMEAD WAY", "ca3 5rn", "CA3 5RNX",
    "call 07700 900010.", "07700 9000100", "@DARK_RIDER", "x@dark_rider", "SEEN TOGETHER NEAR THE SHOP",
    "Ava Example\nAva", "AvaExample", "Ava  Example", "", "---", "a---b", "\u00e9C1", "C1\u00e9", "١C1",
]


@pytest.mark.parametrize("text", TRICKY)
def test_same_hits_as_the_token_scanner_on_tricky_texts(text):
    assert sorted(Scanner(KINDS, CI).find(text)) == _token_scan(text, KINDS, CI)


_PIECES = st.sampled_from(sorted(KINDS) + [s.upper() for s in CI] + [s.lower() for s in CI]
                          + [" ", "-", ".", "_", ",", ":", "/", "#", "x", "7", "é", "\n", "'", "&amp;"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12), st.text(alphabet=string.ascii_letters + string.digits + " .-_:/", max_size=8))
def test_same_hits_as_the_token_scanner_on_random_texts(pieces, noise):
    text = noise.join(pieces)
    assert sorted(Scanner(KINDS, CI).find(text)) == _token_scan(text, KINDS, CI)


def test_many_strings_sharing_a_first_word_are_told_apart():
    kinds = {f"rhi-E{i:06d}-1": "link id" for i in range(5000)}
    text = "source rhi, link rhi-E000042-1; rhi-E000042-12 and rhi-E004999-1."
    found = Scanner(kinds).find(text)
    assert found == [(17, "rhi-E000042-1"), (51, "rhi-E004999-1")]


def test_names_that_fold_to_the_same_text_are_each_reported():
    sc = Scanner({"Ava Example": "child name", "AVA EXAMPLE": "person name"}, {"Ava Example", "AVA EXAMPLE"})
    assert sorted(h.kind for h in sc.scan("met ava example", "t")) == ["child name", "person name"]


def test_folding_keeps_offsets_and_only_adds_matches():
    assert fold("\u0130stanbul") == "istanbul" and len(fold("ΣΑΣ")) == 3
    sc = Scanner({"Odysseus Σας": "person name"}, {"Odysseus Σας"})
    assert [h.where for h in sc.scan("x ODYSSEUS ΣΑΣ", "t")] == ["line 1, column 3 (offset 2)"]


def test_strings_without_letters_or_digits_or_too_short_are_not_looked_for():
    sc = Scanner({"---": "identifier", "C": "entity id", "C1": "entity id"})
    assert len(sc) == 1 and sc.find("--- C C1") == [(6, "C1")]


def test_geopackage_cells_scanned_one_by_one(tmp_path):
    con = sqlite3.connect(tmp_path / "x.gpkg")
    con.execute("CREATE TABLE places (fid INTEGER, a TEXT, b TEXT)")
    con.executemany("INSERT INTO places VALUES (?, ?, ?)",
                    [(1, "Ava", "Example"), (2, "nothing", "Road"), (3, "x", "near Ava Example")])
    con.commit()
    con.close()
    f = Forbidden({"Ava Example": "child name", "Road": "identifier"}, {"Ava Example"})
    hits = scan_outputs([tmp_path / "x.gpkg"], f)
    # 'Ava' + 'Example' in two cells is not the name; each hit names its own row and column
    assert sorted(h.where for h in hits) == ["table 'places' row 2 column 'b'", "table 'places' row 3 column 'b'"]


def test_pack_scan_leaves_out_initials_but_not_short_ids():
    from types import SimpleNamespace

    import pandas as pd

    from contextmap import privacy

    f = Forbidden({"LE": "person name", "LI": "alias", "C1": "entity id", "Tia": "child name", "Rex Invented": "person name"},
                  {"Rex Invented"})
    red = SimpleNamespace(locations=pd.DataFrame({"postcode": ["CA3 5RN"]}))
    kept = privacy.scan_set(f, red)
    assert set(kept) == {"C1", "Tia", "Rex Invented"} and kept.case_insensitive == {"Rex Invented"}
    # minified script ('LE=') is not a person; the id still is found
    assert [h.value for h in scan_outputs(["var LE=function(){}; node C1"], kept)] == ["C1"]


# --- reading as a person reads (contextmap.privacy.folding) -----------------------------------

_HOSTILE_ALPHABET = ("aBcZ09 _-.,'\u2019\n\x00\u00a0\u00e9\u0301\u200b\u200e\u034f\ufe0f\u2063\u3164\u180e"
                     "\u041a\u043a\u0435\u0430\u039d\u03c3\u03c2\u03a3\u0130\u01c5\ufb01\uff2b\U0001d40a\u2460\u0646")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_HOSTILE_ALPHABET, max_size=40), st.booleans())
def test_reader_fold_and_its_index_agree_on_any_text(text, split):
    from contextmap.privacy.folding import reader_fold, reader_fold_index, reader_text

    folded = reader_fold(text, split=split)
    index = reader_fold_index(text, split=split)
    assert len(index) == len(folded) == len(reader_text(text, split=split))
    assert index == sorted(index) and all(0 <= i < len(text) for i in index)
    assert folded == folded.strip() and "  " not in folded
    assert reader_fold(folded, split=split) == reader_fold(folded, split=split).strip()


@pytest.mark.parametrize("written,read", [
    ("\u041a\u0443le N\u0435ttleton", "kyle nettleton"),   # Cyrillic capital ka, small u and ie
    ("\u043aYLE", "kyle"),                                   # a small ka reads as its capital
    ("Ni\u043aita", "nikita"),                               # ... in the case of the word around it
    ("\u039a\u03a5LE \u039dETTLET\u039f\u039d", "kyle nettleton"),  # Greek capitals
    ("\uff2byle", "kyle"),                                   # full-width
    ("K\u200ey\u034fl\ufe0fe\u2063N\u3164e\u180ettleton", "kyle nettleton"),  # invisible; camel case
    ("K y l e", "kyle"),
    ("KyleNettleton4eva", "kyle nettleton 4 eva"),
    ("all", "all"),                                          # ASCII is never mapped: 'l' is not 'I' or '1'
    ("\u0406van", "ivan"),                                   # Cyrillic capital I reads as a capital I
])
def test_reader_fold_reads_what_a_person_sees(written, read):
    from contextmap.privacy.folding import reader_fold

    assert reader_fold(written, split=False).replace(" ", "") == read.replace(" ", "")
    if written != "\u043aYLE":
        assert reader_fold(written) == read


def test_skeleton_is_unicodes_tr39_skeleton():
    from contextmap.privacy.folding import skeleton

    assert skeleton("\u0440\u0430\u0443\u0440\u0430l") == skeleton("paypal")  # Cyrillic er, a, u
    assert skeleton("rn") == skeleton("m") and skeleton("I") == skeleton("l")  # as Unicode defines it
    assert skeleton("K\u200bY") == skeleton("KY")  # default-ignorables removed (TR39 since 15.1)

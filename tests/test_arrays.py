"""The pyarrow shortcuts in contextmap.arrays give pandas' answers."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from contextmap.arrays import SPACE, isin


def test_space_is_exactly_what_python_calls_whitespace() -> None:
    python = {c for c in map(chr, range(0x110000)) if re.fullmatch(r"\s", c)}
    assert set(SPACE) == python
    assert len(SPACE) == len(python)


ids = st.text(alphabet="abcC01é -", max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | ids, max_size=40), st.lists(st.none() | ids | st.integers(0, 3), max_size=40),
       st.sampled_from(["list", "set", "series", "index"]), st.sampled_from(["str", "object"]))
def test_isin_agrees_with_pandas(values: list, candidates: list, container: str, dtype: str) -> None:
    s = pd.Series(values, dtype=dtype)
    cands: object = {"list": candidates, "set": set(candidates),
                     "series": pd.Series([c for c in candidates if not isinstance(c, int)], dtype="str"),
                     "index": pd.Index(candidates, dtype=object)}[container]
    want = s.isin(cands).to_numpy(dtype=bool) & s.notna().to_numpy()  # missing never matches
    got = isin(s, cands)
    assert got.dtype == bool and got.tolist() == want.tolist()


def test_space_class_keeps_pandas_on_pyarrow_and_matches_python() -> None:
    cells = pd.Series(["a\u00a0b", "a\x0bb", "a - /b", "a\u3000 b", None], dtype="str")
    fast = cells.str.replace(rf"[{SPACE}\-/]+", "_", regex=True)
    slow = cells.astype(object).map(lambda v: v if not isinstance(v, str) else re.sub(r"[\s\-/]+", "_", v))
    assert fast.tolist()[:4] == slow.tolist()[:4] == ["a_b"] * 4

"""Pack pictures: the network picture's links become a few compound paths, text stays text."""

from __future__ import annotations

import re

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from contextmap import _packdata as pdata


def _figure(n: int = 400) -> Figure:
    rng = np.random.default_rng(0)
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    pts = rng.random((n, 2, 2))
    ax.add_collection(LineCollection(list(pts[: n // 2]), colors="#444444", linewidths=0.3 + 0.9 * rng.random(n // 2),
                                     alpha=0.55, zorder=1))
    ax.add_collection(LineCollection(list(pts[n // 2:]), colors="#777777", linestyles=(0, (4, 3)), linewidths=0.8,
                                     alpha=0.55, zorder=1))
    ax.text(0.5, 0.5, "Place-7B3FNK", parse_math=False)
    return fig


def test_compact_lines_keeps_every_segment_and_the_text():
    fig = pdata.compact_lines(_figure())
    ax = fig.axes[0]
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]
    patches = [p for p in ax.patches if isinstance(p, PathPatch)]
    moves = sum(int((p.get_path().codes == 1).sum()) for p in patches)  # one MOVETO per segment
    assert moves == 400 and len(patches) <= 6
    dashed = [p for p in patches if p.get_linestyle() not in ("-", "solid")]
    assert sum(int((p.get_path().codes == 1).sum()) for p in dashed) == 200
    before, after = str(pdata.svg_markup(_figure())), str(pdata.svg_markup(fig))
    assert len(after) < len(before) / 2
    assert "Place-7B3FNK" in after and len(re.findall("<path", after)) < len(re.findall("<path", before)) / 10

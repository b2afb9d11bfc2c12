"""Pack pictures: the network picture's links become a few compound paths, text stays text."""

from __future__ import annotations

import re

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from contextmap.pack import content as pdata


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


def test_svg_markup_keeps_a_label_that_merely_reads_like_an_event_handler():
    # a location or person name is data: matplotlib escapes it, so text like ' onerror=' in
    # a label is harmless and must not stop the pack being built
    fig = Figure()
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, 'Park "><img src=x onerror=alert(1)><script>alert(2)</script>')
    svg = str(pdata.svg_markup(fig))
    assert "<img" not in svg and "<script" not in svg
    assert "onerror=alert(1)" in svg


def test_svg_markup_still_refuses_a_real_event_handler_attribute():
    fig = Figure()
    fig.add_subplot().text(0.5, 0.5, "x")

    class _Fig:
        def savefig(self, buf, **kw):
            fig.savefig(buf, **kw)
            buf.seek(0)
            text = buf.getvalue().replace("<svg ", '<svg onload="alert(1)" ', 1)
            buf.seek(0)
            buf.truncate()
            buf.write(text)

    try:
        pdata.svg_markup(_Fig())
    except ValueError:
        pass
    else:
        raise AssertionError("an SVG with an onload attribute was inlined")

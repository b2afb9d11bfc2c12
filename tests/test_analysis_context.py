"""The analysis context (built once, shared by every analysis) and the views an Analysis draws."""

from __future__ import annotations

import html

import folium
import networkx as nx
import pandas as pd
import pytest
from _analysis_data import make_dataset, two_groups

import contextmap.graph as graph_module
from contextmap._errors import ConfigError, PrivacyError
from contextmap.analysis import analyze
from contextmap.flags import child_flags
from contextmap.graph import AnalysisContext, as_context, graph_from_dataset
from contextmap.hotspots import density_surface, rank_locations
from contextmap.peers import find_peer_groups
from contextmap.persons import key_players, rank_persons
from contextmap.timelines import timeline
from contextmap.views.network import NetworkView


@pytest.fixture(scope="module")
def ds():
    return make_dataset(**two_groups())


@pytest.fixture(scope="module")
def result(ds):
    return analyze(ds, resolve=False, n_runs=3)


def test_analyze_builds_the_evidence_and_the_projection_once(ds, monkeypatch):
    calls = {"evidence": 0, "projection": 0, "networkx": 0}
    rows, to_networkx = graph_module._evidence_rows, graph_module.ChildPairs.to_networkx
    pairs, table_pairs = graph_module.child_pairs, graph_module.child_pairs_of_table

    def counted_rows(*args, **kwargs):
        calls["evidence"] += 1
        return rows(*args, **kwargs)

    def counted_pairs(*args, **kwargs):
        calls["projection"] += 1
        return pairs(*args, **kwargs)

    def counted_table_pairs(*args, **kwargs):  # the projection read from the graph's edge table
        calls["projection"] += 1
        return table_pairs(*args, **kwargs)

    def counted_networkx(self, G):
        calls["networkx"] += 1
        return to_networkx(self, G)

    monkeypatch.setattr(graph_module, "_evidence_rows", counted_rows)
    monkeypatch.setattr(graph_module, "child_pairs", counted_pairs)
    monkeypatch.setattr(graph_module, "child_pairs_of_table", counted_table_pairs)
    monkeypatch.setattr(graph_module.ChildPairs, "to_networkx", counted_networkx)
    a = analyze(ds, resolve=False, n_runs=2)
    # graph, hotspots (ranking and density), flags and persons all read the one context; the
    # projection's networkx graph is built only when someone asks for it, then kept
    assert calls == {"evidence": 1, "projection": 1, "networkx": 0}
    assert a.context.graph is a.graph and a.peer_groups.projection is a.context.projection
    assert calls == {"evidence": 1, "projection": 1, "networkx": 1}
    H = graph_module.children_projection(a.graph)
    assert list(H.nodes) == list(a.peer_groups.projection.nodes)
    assert list(H.edges(data=True)) == list(a.peer_groups.projection.edges(data=True))
    assert a.context.period == a.period


def test_a_dataset_still_works_and_gives_what_the_context_gives(ds):
    ctx = AnalysisContext(ds)  # the 12 months up to the latest date, as analyze uses
    assert rank_locations(ds).drop(columns="geometry").equals(rank_locations(ctx).drop(columns="geometry"))
    pd.testing.assert_frame_equal(child_flags(ds), child_flags(ctx))
    assert density_surface(ds).values.tolist() == density_surface(ctx).values.tolist()
    # graph analyses: a dataset means "no lower bound", as graph_from_dataset
    whole = AnalysisContext(ds, default_months=None)
    a, b = find_peer_groups(ds, seed=1), find_peer_groups(whole, seed=1)
    assert a.membership.equals(b.membership) and a.groups.equals(b.groups)
    pd.testing.assert_frame_equal(rank_persons(ds, peer_groups=a), rank_persons(whole, peer_groups=a))
    pd.testing.assert_frame_equal(key_players(ds), key_players(whole))
    G, H = graph_from_dataset(ds), whole.graph
    assert sorted(G.edges(data="weight")) == sorted(H.edges(data="weight"))


def test_a_context_fixes_its_period_and_settings(ds):
    ctx = AnalysisContext(ds, start="2024-01-01", end="2024-06-30")
    assert as_context(ctx) is ctx and as_context(ctx, end="2024-06-30") is ctx
    with pytest.raises(ConfigError, match="start"):
        rank_locations(ctx, start="2023-01-01")
    G = nx.Graph(end="2024-06-30")
    assert as_context(G).graph is G
    with pytest.raises(ConfigError, match="graph alone"):
        rank_locations(G)
    with pytest.raises(TypeError, match="Dataset, an AnalysisContext or a networkx Graph.*'list'"):
        find_peer_groups([1, 2])


def test_timeline_of_a_context_keeps_to_its_period(ds):
    everything = timeline(ds, "C1")
    ctx = AnalysisContext(ds, start="2024-06-04", end="2024-06-11")
    within = timeline(ctx, "C1")
    assert 0 < len(within) < len(everything)
    assert within["date"].between(pd.Timestamp("2024-06-04"), pd.Timestamp("2024-06-12")).all()
    assert timeline(ctx, "C1", start="2024-06-01").equals(timeline(ds, "C1", start="2024-06-01", end="2024-06-11"))


def test_analysis_draws_its_hotspot_map_offline(result):
    m = result.hotspot_map(title="Area <b>A</b>")
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    assert "cdn." not in page and "<b>A</b>" not in page  # inlined assets; the title escaped
    top = result.hotspots.iloc[0]
    assert str(top.name) in page  # hotspots are indexed by location_id


def test_analysis_draws_its_network_view(result):
    v = result.network_view(layout_seed=1)
    assert isinstance(v, NetworkView)
    assert set(v.nodes["id"]) == {str(n) for n in result.graph}
    grouped = v.nodes.loc[v.nodes["group"].notna(), "id"]
    assert set(grouped) == set(result.peer_groups.membership.dropna().index)


def test_analysis_views_keep_the_audience_check(result):
    # an unredacted analysis must not be drawn under a partner agency's title
    with pytest.raises(PrivacyError):
        result.hotspot_map(audience="partner")
    with pytest.raises(PrivacyError):
        result.network_view(audience="partner")


def test_explore_is_an_isolated_iframe_that_displays_in_a_notebook(result):
    shown = result.explore(height="480px")
    markup = shown._repr_html_()
    assert markup.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in markup
    assert "height:480px" in markup
    srcdoc = markup.split('srcdoc="', 1)[1].split('" style=', 1)[0]
    assert "<script" not in srcdoc  # the whole document is attribute-escaped
    document = html.unescape(srcdoc)
    assert document.lstrip().lower().startswith("<!doctype html>")
    assert "cdn." not in document and str(result.hotspots.index[0]) in document


def test_a_pack_builds_one_context_with_its_map_emerging_places_and_area_counts(tmp_path, monkeypatch):
    # a pack analyses once: the map's emerging places and the counts by area read the
    # analysis' context (each built its own: 3 builds of the evidence with areas)
    from pathlib import Path

    from contextmap.pack.build import build_pack

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    calls = {"evidence": 0, "contexts": 0}
    rows, init = graph_module._evidence_rows, graph_module.AnalysisContext.__init__

    def counted_rows(*args, **kwargs):
        calls["evidence"] += 1
        return rows(*args, **kwargs)

    def counted_init(self, *args, **kwargs):
        calls["contexts"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(graph_module, "_evidence_rows", counted_rows)
    monkeypatch.setattr(graph_module.AnalysisContext, "__init__", counted_init)
    r = build_pack(sample, out=tmp_path / "pack", audience="internal", pdf=False, areas=sample / "areas.gpkg",
                   audit_log=tmp_path / "audit.jsonl")
    assert calls == {"evidence": 1, "contexts": 1}
    assert "emerging" in (r.out / "hotspot_map.html").read_text(encoding="utf-8").lower()


def test_an_earlier_window_cut_from_a_context_is_the_window_built_afresh(ds):
    ctx = AnalysisContext(ds, default_months=None)
    end = ctx.end - pd.Timedelta(days=40)
    then = ctx.earlier(start=end - pd.Timedelta(days=90), end=end)
    fresh = AnalysisContext(ds, start=end - pd.Timedelta(days=90), end=end)
    for attr in ("evidence", "history"):
        pd.testing.assert_frame_equal(getattr(then, attr), getattr(fresh, attr))
    assert rank_locations(then).drop(columns="geometry").equals(rank_locations(fresh).drop(columns="geometry"))
    with pytest.raises(ConfigError, match="no later than"):
        ctx.earlier(end=ctx.end + pd.Timedelta(days=1))

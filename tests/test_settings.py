"""Settings: defaults, overrides, and rejection of unknown keys and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextmap import ConfigError, InputNotFoundError
from contextmap.settings import Settings, load_settings


def test_defaults_follow_common_practice():
    s = Settings()
    assert s.panel.risk_levels == ("medium", "high")
    assert s.panel.hours_missing == 24.0
    assert s.panel.episodes_in_period == 4
    assert (s.panel.episodes_in_window, s.panel.window_days) == (3, 30)
    assert s.rhi.within_hours == 72.0
    assert s.risk.review_days == {"low": 84, "medium": 28, "high": 28}
    assert s.map.tiles == "none"


def test_partial_override_keeps_other_defaults():
    s = Settings.from_dict({"panel": {"episodes_in_window": 2, "window_days": 14}})
    assert (s.panel.episodes_in_window, s.panel.window_days) == (2, 14)
    assert s.panel.episodes_in_period == 4


def test_custom_risk_scale_drops_default_cadences_for_unknown_levels():
    s = Settings.from_dict({"risk": {"scale": ["none", "emerging", "significant"]}})
    assert s.risk.scale == ("none", "emerging", "significant")
    assert s.risk.review_days == {}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"panal": {}}, "unknown settings section 'panal'"),
        ({"panel": {"hours": 3}}, "unknown setting panel.hours"),
        ({"panel": {"hours_missing": "24h"}}, "panel.hours_missing must be a number, instead got: '24h'"),
        ({"panel": {"window_days": 0}}, "panel.window_days must be a positive number"),
        ({"panel": {"episodes_in_period": True}}, "panel.episodes_in_period must be a whole number"),
        ({"risk": {"review_days": {"extreme": 7}}}, "names level 'extreme'"),
        ({"graph": {"untested_weight": 2}}, "between 0 and 1"),
        ({"map": {"tiles": "google"}}, "map.tiles must be 'none', 'osm' or a URL template"),
        ({"panel": [1, 2]}, "must be a mapping"),
    ],
)
def test_invalid_settings_name_the_key_and_quote_the_value(data, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_dict(data)
    assert fragment in str(info.value)


def test_url_template_tiles_accepted():
    s = Settings.from_dict({"map": {"tiles": "https://tiles.example.invalid/{z}/{x}/{y}.png"}})
    assert s.map.tiles.endswith("{y}.png")


def test_load_settings_from_yaml(tmp_path):
    p = tmp_path / "area.yaml"
    p.write_text("area: Northshire\nrhi:\n  within_hours: 48\n", encoding="utf-8")
    s = load_settings(p)
    assert s.area == "Northshire"
    assert s.rhi.within_hours == 48.0


def test_load_settings_errors_name_the_file(tmp_path):
    with pytest.raises(InputNotFoundError):
        load_settings(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("panel: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_settings(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("rhi:\n  within_hrs: 48\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"typo\.yaml.*rhi\.within_hrs"):
        load_settings(typo)


def test_example_settings_file_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "settings.yaml"
    s = load_settings(example)
    assert s.area


def test_example_settings_sections_reach_the_modules_that_own_them():
    from pathlib import Path

    from contextmap import privacy
    from contextmap.pack.build import _pack_options

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "settings.yaml"
    s = load_settings(example)
    assert privacy.get_audience("partner", settings=s).suppress_below == 5
    assert _pack_options(s)["top_hotspots"] == 15
    assert s.flags.new_within_days == 28


# --- validated at load, every problem at once ---------------------------------------------


def test_a_wrong_pack_key_fails_at_load_not_inside_build_pack():
    with pytest.raises(ConfigError, match=r"unknown setting pack\.top_hotspot; expected one of \[.*'top_hotspots'"):
        Settings.from_dict({"pack": {"top_hotspot": 5}})
    with pytest.raises(ConfigError, match=r"pack\.groups must be a positive whole number, instead got: 0"):
        Settings.from_dict({"pack": {"groups": 0}})
    assert Settings.from_dict({"pack": {"groups": 3}}).extra["pack"] == {"groups": 3}


def test_every_problem_in_every_section_is_reported_at_once():
    data = {
        "area": 7,
        "panal": {},
        "panel": {"hours": 3, "window_days": 0},
        "graph": {"untested_weight": "half"},
        "flags": {"hotspot_top": 0},
        "map": {"tiles": "google"},
        "pack": {"top_hotspot": 5, "groups": "many"},
        "audiences": {"partner": {"suppress_below": 0, "show_name": True}, "Youth Team": {}},
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_dict(data)
    problems = info.value.problems
    assert len(problems) == 12, problems
    text = str(info.value)
    assert text.startswith("12 problems in the settings")
    for fragment in ("area must be text, instead got: 7", "unknown settings section 'panal'",
                     "unknown setting panel.hours", "panel.window_days must be a positive number",
                     "graph.untested_weight must be a number, instead got: 'half'",
                     "flags.hotspot_top must be a positive whole number", "map.tiles must be",
                     "unknown setting pack.top_hotspot", "pack.groups must be a positive whole number",
                     "audiences.partner.suppress_below must be a positive whole number or null",
                     "unknown setting audiences.partner.show_name; expected one of",
                     "audience name must be lower-case"):
        assert fragment in text, fragment


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"partner": {"show_names": "yes"}}, "audiences.partner.show_names must be true or false, instead got: 'yes'"),
        ({"youth": {"based_on": "press"}}, "audiences.youth.based_on names an unknown audience"),
        ({"youth": {"marking": 3}}, "audiences.youth.marking must be text"),
        ({"youth": {"show_ids": False, "pseudonymise": False}}, "pseudonymise must be true"),
        ({"youth": ["show_names"]}, "audiences.youth must be a mapping of options"),
        (["partner"], "settings section 'audiences' must be a mapping"),
    ],
)
def test_audiences_are_validated_at_load(section, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_dict({"audiences": section})
    assert fragment in str(info.value)


def test_valid_audiences_and_a_new_audience_based_on_another_load():
    s = Settings.from_dict({"audiences": {"partner": {"suppress_below": 10},
                                          "youth-justice": {"based_on": "social-care", "show_free_text": False},
                                          "schools": {"based_on": "youth-justice"}}})
    from contextmap import privacy

    assert privacy.get_audience("youth-justice", settings=s).show_free_text is False
    assert privacy.get_audience("schools", settings=s).show_names is True


def test_the_load_time_schemas_mirror_the_modules_that_read_them():
    """settings.py checks pack and audiences itself (it sits below them); these must not drift."""
    import dataclasses

    from contextmap import privacy
    from contextmap.pack.build import _DEFAULTS
    from contextmap.settings import AUDIENCE_OPTIONS, DEFAULT_AUDIENCES, PACK_OPTIONS

    assert PACK_OPTIONS == _DEFAULTS
    fields = {f.name for f in dataclasses.fields(privacy.Audience)}
    assert set(AUDIENCE_OPTIONS) == (fields - {"name"}) | {"based_on"}
    assert tuple(privacy.AUDIENCES) == DEFAULT_AUDIENCES


def test_hostile_yaml_shapes_are_problems_not_crashes(tmp_path):
    p = tmp_path / "odd.yaml"
    p.write_text("1: x\npanel: null\nrisk:\n  scale: oops\n  review_days: [1]\npack: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(p)
    text = str(info.value)
    assert "odd.yaml" in text and len(info.value.problems) == 5, info.value.problems
    assert "unknown settings section 1" in text
    assert "settings section 'panel' must be a mapping, instead got: None" in text
    assert "risk.scale must be a list of names, instead got: 'oops'" in text
    assert "risk.review_days must be a mapping" in text
    assert "settings section 'pack' must be a mapping, instead got: 5" in text


def test_cli_reports_every_settings_problem_before_doing_any_work(tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    cfg = tmp_path / "area.yaml"
    cfg.write_text("panel:\n  hours: 3\npack:\n  top_hotspot: 5\n", encoding="utf-8")
    out = tmp_path / "pack"
    sample = str(Path(__file__).resolve().parents[1] / "data" / "sample")
    result = CliRunner().invoke(app, ["pack", sample, "--out", str(out), "--config", str(cfg)])
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert "2 problems in the settings" in flat
    assert "panel.hours" in flat and "pack.top_hotspot" in flat
    assert not out.exists()

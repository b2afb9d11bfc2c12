"""Settings: defaults, overrides, and rejection of unknown keys and bad values."""

from __future__ import annotations

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

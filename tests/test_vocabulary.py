"""Plain words for codes: defaults, an area's overrides, and validation of the settings."""

from __future__ import annotations

import pytest

from contextmap import ConfigError
from contextmap.flags import FLAGS
from contextmap.schema import LOCATION_CATEGORY, RELATIONS, SOURCE_TYPE
from contextmap.settings import Settings
from contextmap.vocabulary import VOCABULARY, vocabulary


def test_every_code_the_analyses_print_has_plain_words():
    words = vocabulary()
    for group, codes in (("flags", FLAGS), ("categories", LOCATION_CATEGORY), ("relations", RELATIONS),
                         ("sources", SOURCE_TYPE)):
        for code in codes:
            text = words(group, code)
            assert "_" not in text and text != code or code.isalpha(), (group, code, text)
            assert code in VOCABULARY[group], (group, code)
    assert words("flags", "meets_panel_criteria") == "meets panel criteria"
    assert words("headers", "ce_risk") == "Risk of exploitation"


def test_unknown_codes_read_as_words_not_code():
    assert vocabulary()("categories", "bus_shelter") == "bus shelter"
    assert vocabulary()("risk", None) == "not recorded"


def test_settings_override_words():
    s = Settings.from_dict({"vocabulary": {"flags": {"rhi_late": "RHI late (over 72 h)"},
                                           "categories": {"food_outlet": "takeaway"}}})
    words = vocabulary(s)
    assert words("flags", "rhi_late") == "RHI late (over 72 h)"
    assert words("categories", "food_outlet") == "takeaway"
    assert words("flags", "rhi_missing") == "no return interview"  # the rest stay default


@pytest.mark.parametrize(("section", "fragment"), [
    ({"flag": {}}, "unknown vocabulary group 'flag'"),
    ({"flags": {"rhi_lat": "x"}}, "vocabulary.flags.rhi_lat"),
    ({"flags": {"rhi_late": ""}}, "vocabulary.flags.rhi_late must be non-empty text"),
    ({"headers": ["ce_risk"]}, "vocabulary.headers must be a mapping"),
    ([1], "must be a mapping"),
])
def test_invalid_vocabulary_is_refused_naming_the_key(section, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        Settings.from_dict({"vocabulary": section})

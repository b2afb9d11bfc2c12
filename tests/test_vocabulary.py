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


def test_states_and_patterns_are_closed_lists_with_distinct_words():
    words = vocabulary()
    assert [words("states", s) for s in ("new", "escalating", "steady", "falling")] == \
        ["new", "escalating", "steady", "falling"]
    # an emerging-hotspot class never reads as a state: "new hotspot", not "new"
    patterns = {words("patterns", c) for c in VOCABULARY["patterns"]}
    assert not patterns & {"new", "escalating", "steady", "falling"}
    with pytest.raises(ConfigError, match="unknown code vocabulary.states.rising"):
        Settings.from_dict({"vocabulary": {"states": {"rising": "up"}}})
    s = Settings.from_dict({"vocabulary": {"states": {"escalating": "rising concern"}}})
    assert vocabulary(s)("states", "escalating") == "rising concern"


def test_grading_words_give_every_3x5x2_code_its_words():
    from itertools import product

    from contextmap.vocabulary import GRADING_PARTS, grading_words

    for src, ass, hand in product(GRADING_PARTS["source"], GRADING_PARTS["assessment"], GRADING_PARTS["handling"]):
        short, full = grading_words(f"{src}{ass} {hand}"), grading_words(f"{src}{ass} {hand}", full=True)
        assert short.startswith(f"{src}{ass} {hand} (") and full.count(";") == 2
        assert GRADING_PARTS["assessment"][ass][0] in short
    assert grading_words("1B-P") == "1B-P (reliable; corroborated)"  # written as the source wrote it
    assert grading_words(" ") == "not graded" and grading_words(float("nan")) == "not graded"
    assert grading_words("7Z Q").endswith("(not a 3x5x2 code)")


def test_count_words_agree_with_their_number():
    from contextmap.vocabulary import count_words

    assert [count_words(n, "child", "children") for n in (0, 1, 2, "<5", "1")] == \
        ["0 children", "1 child", "2 children", "<5 children", "1 child"]
    assert count_words(1, "episode") == "1 episode" and count_words(3, "episode") == "3 episodes"

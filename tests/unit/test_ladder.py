"""The attainment ladder, points schemes and further frameworks (docs/figures.md sections 3-4)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.ladder import (
    CANONICAL_CODES,
    DEFAULT_SCHEME,
    DEFAULT_SCHEME_NAME,
    ENGAGEMENT_AREAS,
    ENGAGEMENT_SCALE,
    FAMILY_NC,
    FAMILY_P,
    FAMILY_PKS,
    FAMILY_TEST,
    FRAMEWORKS,
    LADDER,
    PKS_CODES,
    SCHEMES,
    STEP_CODES,
    LadderError,
    Level,
    PointsScheme,
    level_for_step,
    parse_engagement,
    parse_engagement_area,
    parse_level,
    parse_pks,
    parse_result,
    points,
    step,
    steps_between,
)

# Every row of docs/figures.md section 3 with the NS2007-extended points of section 4, typed in by
# hand (the module generates its NC points from 6 x level + 3, so this is an independent check).
LADDER_TABLE = [
    (1, "P1i", 0.5), (2, "P1ii", 0.75), (3, "P2i", 1.0), (4, "P2ii", 1.25),
    (5, "P3i", 1.5), (6, "P3ii", 1.75),
    (7, "P4", 2), (8, "P5", 3), (9, "P6", 4), (10, "P7", 5), (11, "P8", 6),
    (12, "1c", 7), (13, "1b", 9), (14, "1a", 11),
    (15, "2c", 13), (16, "2b", 15), (17, "2a", 17),
    (18, "3c", 19), (19, "3b", 21), (20, "3a", 23),
    (21, "4c", 25), (22, "4b", 27), (23, "4a", 29),
    (24, "5c", 31), (25, "5b", 33), (26, "5a", 35),
    (27, "6c", 37), (28, "6b", 39), (29, "6a", 41),
    (30, "7c", 43), (31, "7b", 45), (32, "7a", 47),
    (33, "8c", 49), (34, "8b", 51), (35, "8a", 53),
    (36, "EP", 57),
]  # fmt: skip

# Whole levels score as their "b" sub-level: 6 x level + 3.
WHOLE_LEVELS = [("1", 13, 9), ("2", 16, 15), ("3", 19, 21), ("4", 22, 27),
                ("5", 25, 33), ("6", 28, 39), ("7", 31, 45), ("8", 34, 51)]  # fmt: skip


# --- The table ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("expected_step", "code", "expected_points"), LADDER_TABLE)
def test_every_ladder_code_has_the_step_and_default_points_of_the_domain_table(expected_step, code, expected_points):
    level = parse_level(code)
    assert level.code == code
    assert level.step == expected_step
    assert step(code) == expected_step
    assert points(code) == expected_points
    assert DEFAULT_SCHEME.points_for(level) == expected_points


def test_the_ladder_has_36_steps_in_order():
    assert [lvl.step for lvl in LADDER] == list(range(1, 37))
    assert tuple(code for _, code, _ in LADDER_TABLE) == STEP_CODES


@pytest.mark.parametrize(("expected_step", "code", "_points"), LADDER_TABLE)
def test_level_for_step_returns_the_level_at_that_step(expected_step, code, _points):
    assert level_for_step(expected_step).code == code


@pytest.mark.parametrize("bad", [0, 37, -1, True, 2.0, "3"])
def test_level_for_step_refuses_steps_off_the_ladder(bad):
    with pytest.raises(LadderError):
        level_for_step(bad)


def test_p_levels_and_nc_levels_are_two_families_of_one_ladder():
    assert {parse_level(c).family for c in STEP_CODES[:11]} == {FAMILY_P}
    assert {parse_level(c).family for c in STEP_CODES[11:]} == {FAMILY_NC}


@pytest.mark.parametrize(("code", "expected_step", "expected_points"), WHOLE_LEVELS)
def test_a_whole_level_scores_and_steps_as_its_b_sub_level(code, expected_step, expected_points):
    level = parse_level(code)
    assert level.code == code
    assert level.is_whole_level
    assert level.step == expected_step == step(f"{code}b")
    assert points(level) == expected_points == points(f"{code}b")


def test_whole_level_4_scores_27_points():
    # 6 x 4 + 3 = 27
    assert points("4") == 27


def test_p7_to_1a_is_6_points():
    # National Strategies 2007: P7 = 5, 1a = 11
    assert points("1a") - points("P7") == 6


def test_each_sub_level_is_2_points_and_each_level_6():
    for lvl in range(1, 9):
        assert points(f"{lvl}b") - points(f"{lvl}c") == 2
        assert points(f"{lvl}a") - points(f"{lvl}b") == 2
    for lvl in range(1, 8):
        assert points(f"{lvl + 1}b") - points(f"{lvl}b") == 6


def test_w_scores_3_points_and_has_no_step():
    w = parse_level("W")
    assert points(w) == 3
    assert w.step is None
    assert step("w") is None


@pytest.mark.parametrize("code", ["B", "N"])
def test_key_stage_test_codes_are_kept_but_carry_no_points_or_step(code):
    level = parse_level(code.lower())
    assert level.code == code
    assert level.family == FAMILY_TEST
    assert level.step is None
    assert points(level) is None
    for scheme in SCHEMES.values():
        assert scheme.points_for(code) is None


# --- Ordering ----------------------------------------------------------------------------------


def test_levels_sort_by_step_with_w_just_below_1c():
    shuffled = [parse_level(c) for c in ["EP", "1c", "W", "P8", "4b", "P1i", "2a"]]
    assert [lvl.code for lvl in sorted(shuffled)] == ["P1i", "P8", "W", "1c", "2a", "4b", "EP"]


def test_the_whole_ladder_sorts_into_step_order():
    assert sorted(reversed(LADDER)) == list(LADDER)


def test_key_stage_test_codes_sort_before_the_ladder():
    assert sorted([parse_level("P1i"), parse_level("B"), parse_level("N")])[0].code == "B"


def test_a_whole_level_and_its_b_sub_level_sort_together_but_stay_distinct():
    assert parse_level("4") != parse_level("4b")
    assert parse_level("4") < parse_level("4b") < parse_level("4a")
    assert parse_level("4c") < parse_level("4")


def test_levels_of_different_frameworks_never_interleave():
    assert parse_level("EP") < parse_pks("PK1") or parse_pks("PK6") < parse_level("P1i")


# --- Steps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [("P7", "1a", 4), ("1c", "1b", 1), ("2b", "4b", 6), ("4b", "2b", -6), ("P1i", "EP", 35),
     ("3", "3a", 1), ("P8", "1c", 1), ("5a", "5a", 0)],
)  # fmt: skip
def test_steps_between_counts_small_steps_up_the_ladder(start, end, expected):
    assert steps_between(start, end) == expected


@pytest.mark.parametrize(("start", "end"), [("W", "1c"), ("2b", "B"), ("N", "N")])
def test_steps_between_refuses_codes_that_are_not_steps(start, end):
    with pytest.raises(LadderError, match="not a step"):
        steps_between(start, end)


# --- Parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("2B", "2b"), ("2b", "2b"), (" 2 b ", "2b"), ("P1(i)", "P1i"), ("P1(ii)", "P1ii"),
     ("p1i", "P1i"), ("P 4", "P4"), ("p1 ii", "P1ii"), ("ep", "EP"), ("4B", "4b"), ("4 b", "4b"),
     ("P3(II)", "P3ii"), ("p8", "P8"), ("8A", "8a"), ("1C", "1c"), ("4", "4"), ("w", "W"),
     ("b", "B"), ("N", "N"), ("E P", "EP"), ("L4", "4"), ("L2c", "2c"), ("Level 3", "3"),
     ("\t5a\n", "5a")],
)  # fmt: skip
def test_parse_level_is_forgiving_about_case_spaces_and_brackets(text, code):
    assert parse_level(text).code == code


@pytest.mark.parametrize(
    "text",
    ["4d", "", " ", "P1", "P2", "P4i", "P3iii", "P9", "P0", "9", "0", "1d", "x", "2bb", "22b",
     "P1(ii", "P1ii)", "EPP", "4b+", "-4b", "\uff14b", "P\uff11i", "\u2163", "level", "L", "W1", "PK3"],
)  # fmt: skip
def test_parse_level_rejects_anything_else(text):
    with pytest.raises(LadderError):
        parse_level(text)


def test_the_error_quotes_the_input_and_lists_the_valid_codes():
    with pytest.raises(LadderError) as exc:
        parse_level("4d")
    message = str(exc.value)
    assert message.startswith("'4d' is not a level.")
    for part in ["P1i", "P1ii", "P3ii", "P4-P8", "1c-8a", "4b", "whole levels 1-8", "EP", "W", "B", "N"]:
        assert part in message


def test_a_very_long_input_is_shortened_in_the_error():
    with pytest.raises(LadderError) as exc:
        parse_level("x" * 500)
    assert len(str(exc.value)) < 200


@pytest.mark.parametrize("not_text", [None, 4, 2.5, b"4b", ["4b"]])
def test_parse_level_rejects_values_that_are_not_text_with_a_ladder_error(not_text):
    with pytest.raises(LadderError):
        parse_level(not_text)


def test_ladder_error_is_a_value_error():
    assert issubclass(LadderError, ValueError)


def _spaced_variants():
    """A canonical code with random case and whitespace around and between its characters."""
    space = st.sampled_from(["", " ", "  ", "\t"])
    return st.sampled_from(CANONICAL_CODES).flatmap(
        lambda code: st.tuples(
            st.just(code),
            st.lists(st.booleans(), min_size=len(code), max_size=len(code)),
            st.lists(space, min_size=len(code) + 1, max_size=len(code) + 1),
        )
    )


@given(_spaced_variants())
def test_every_canonical_code_round_trips_with_any_case_and_spacing(variant):
    code, uppers, gaps = variant
    chars = [c.upper() if up else c.lower() for c, up in zip(code, uppers, strict=True)]
    text = gaps[0] + "".join(c + g for c, g in zip(chars, gaps[1:], strict=True))
    assert parse_level(text).code == code


@given(st.text())
def test_parse_level_raises_nothing_but_ladder_error_on_any_text(text):
    try:
        level = parse_level(text)
    except LadderError:
        return
    assert level.code in CANONICAL_CODES


@given(st.text(alphabet="pPiI()1234589abcdeEwWnNlL \t", max_size=8))
def test_parse_level_on_ladder_like_text_returns_a_canonical_level_or_a_ladder_error(text):
    try:
        level = parse_level(text)
    except LadderError:
        return
    assert level == parse_level(level.code)


# --- Points schemes ----------------------------------------------------------------------------


def test_the_default_scheme_is_ns2007_extended():
    assert DEFAULT_SCHEME_NAME == "NS2007-extended"
    assert DEFAULT_SCHEME is SCHEMES["NS2007-extended"]
    assert DEFAULT_SCHEME.version


@pytest.mark.parametrize(
    ("code", "expected"),
    [("P1i", 59), ("P1ii", 59), ("P2i", 59), ("P2ii", 59), ("P3i", 59), ("P3ii", 59),
     ("P4", 61), ("P5", 63), ("P6", 65), ("P7", 67), ("P8", 69)],
)  # fmt: skip
def test_the_dfe_2018_nominal_scheme_scores_p_levels_on_its_own_scale(code, expected):
    assert SCHEMES["DfE-2018-nominal"].points_for(code) == expected


@pytest.mark.parametrize("code", ["1c", "4", "4b", "EP", "W", "B"])
def test_the_dfe_2018_nominal_scheme_gives_no_points_for_nc_codes(code):
    assert SCHEMES["DfE-2018-nominal"].points_for(code) is None


def test_points_for_unreadable_text_raises_a_ladder_error():
    with pytest.raises(LadderError):
        DEFAULT_SCHEME.points_for("4d")


def test_a_school_scheme_from_a_mapping_scores_whole_levels_as_b_when_it_omits_them():
    scheme = PointsScheme.from_mapping("ours", "2025", {"4b": 100, "4c": 99, "P8": 50})
    assert scheme.points_for("4") == 100
    assert scheme.points_for("4c") == 99
    assert scheme.points_for("5b") is None
    assert scheme.points_for("N") is None


def test_a_scheme_that_lists_a_whole_level_uses_its_own_value():
    scheme = PointsScheme.from_mapping("ours", "2025", {"4b": 27, "4": 26})
    assert scheme.points_for("4") == 26


def test_a_scheme_cannot_be_changed_after_it_is_built():
    mapping = {"4b": 27}
    scheme = PointsScheme.from_mapping("ours", "1", mapping)
    mapping["4b"] = 0
    assert scheme.points_for("4b") == 27
    with pytest.raises(TypeError):
        scheme.points["4b"] = 1  # type: ignore[index]


def test_schemes_hash_and_compare_by_content():
    a = PointsScheme.from_mapping("ours", "1", {"4b": 27})
    b = PointsScheme.from_mapping("ours", "1", {"4b": 27})
    assert a == b and hash(a) == hash(b)
    assert a != PointsScheme.from_mapping("ours", "1", {"4b": 28})


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [({"2B": 15}, "write '2b'"), ({"P1(i)": 1}, "write 'P1i'"), ({"4d": 1}, "'4d' is not a canonical code"),
     ({"B": 15}, "never carries points"), ({"4b": "27"}, "must be a number"),
     ({"4b": True}, "must be a number"), ({"4b": float("nan")}, "must be a number"),
     ({"4b": float("inf")}, "must be a number"), ({"4b": None}, "must be a number"),
     ({}, "defines no points")],
)  # fmt: skip
def test_from_mapping_refuses_a_bad_table_with_a_clear_message(mapping, expected):
    with pytest.raises(LadderError, match=expected):
        PointsScheme.from_mapping("ours", "1", mapping)


def test_from_mapping_reports_every_problem_at_once():
    with pytest.raises(LadderError) as exc:
        PointsScheme.from_mapping("ours", "1", {"2B": 1, "4b": "x"})
    assert "2B" in str(exc.value) and "4b" in str(exc.value)


@pytest.mark.parametrize(("name", "version"), [("", "1"), ("ours", ""), ("  ", "1")])
def test_from_mapping_needs_a_name_and_a_version(name, version):
    with pytest.raises(LadderError):
        PointsScheme.from_mapping(name, version, {"4b": 27})


# --- Pre-key-stage standards and the engagement model ------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "ordinal"),
    [("PK1", "PK1", 1), ("pk 3", "PK3", 3), ("PKS3", "PK3", 3), ("pks 6", "PK6", 6),
     (" Pk-4 ", "PK4", 4), ("Pre-key stage 2", "PK2", 2)],
)  # fmt: skip
def test_parse_pks_reads_pre_key_stage_standards(text, code, ordinal):
    level = parse_pks(text)
    assert (level.code, level.step, level.family) == (code, ordinal, FAMILY_PKS)


@pytest.mark.parametrize("text", ["PK0", "PK7", "PK", "P3", "4b", "", "PKK3"])
def test_parse_pks_rejects_other_text(text):
    with pytest.raises(LadderError, match="PK1-PK6"):
        parse_pks(text)


def test_pks_codes_are_ordinal_one_to_six():
    assert PKS_CODES == ("PK1", "PK2", "PK3", "PK4", "PK5", "PK6")
    assert sorted(parse_pks(c) for c in reversed(PKS_CODES)) == [parse_pks(c) for c in PKS_CODES]


def test_the_engagement_model_has_its_five_areas():
    assert ENGAGEMENT_AREAS == ("exploration", "realisation", "anticipation", "persistence", "initiation")
    assert parse_engagement_area(" Persistence ") == "persistence"
    with pytest.raises(LadderError, match="exploration"):
        parse_engagement_area("curiosity")


@pytest.mark.parametrize(("text", "ordinal"), [("not yet", 0), ("Emerging", 1), ("2", 2), (" ESTABLISHED ", 3)])
def test_engagement_ratings_read_by_word_or_number(text, ordinal):
    assert parse_engagement(text).step == ordinal
    assert parse_engagement(text).code == ENGAGEMENT_SCALE[ordinal]


@pytest.mark.parametrize("text", ["4", "mastered", "", "-1"])
def test_engagement_ratings_off_the_scale_are_refused(text):
    with pytest.raises(LadderError, match="engagement rating"):
        parse_engagement(text)


def test_engagement_ratings_carry_no_points():
    assert points(parse_engagement("established")) is None
    assert points(parse_pks("PK6")) is None


# --- Frameworks --------------------------------------------------------------------------------


def test_frameworks_describe_each_ladder():
    assert set(FRAMEWORKS) == {"nc", "pks", "engagement"}
    assert FRAMEWORKS["nc"].codes == CANONICAL_CODES
    assert FRAMEWORKS["pks"].codes == PKS_CODES
    assert FRAMEWORKS["engagement"].codes == ENGAGEMENT_SCALE
    assert all(f.label for f in FRAMEWORKS.values())


@pytest.mark.parametrize(
    ("framework", "text", "expected"),
    [("nc", "2B", Level("2b", 16, FAMILY_NC)), ("pks", "pks 3", Level("PK3", 3, FAMILY_PKS)),
     ("engagement", "developing", parse_engagement("2"))],
)  # fmt: skip
def test_parse_result_dispatches_to_the_framework_parser(framework, text, expected):
    assert parse_result(framework, text) == expected


def test_parse_result_refuses_an_unknown_framework():
    with pytest.raises(LadderError, match="nc, pks, engagement"):
        parse_result("gcse", "4")


@pytest.mark.parametrize(("framework", "code"), [(k, c) for k, f in FRAMEWORKS.items() for c in f.codes])
def test_every_framework_code_parses_as_itself(framework, code):
    assert parse_result(framework, code).code == code

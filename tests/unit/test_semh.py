"""SDQ teacher-version bands and the Boxall Profile (docs/figures.md section 8)."""

import pytest

from assessments.semh import (
    BOXALL_SECTIONS,
    SDQ_BANDS,
    SDQ_PROSOCIAL_BANDS,
    SDQ_SCALES,
    SemhError,
    boxall_improved,
    sdq_band,
    sdq_band_index,
)

# docs/figures.md 8, as inclusive ranges per band: close to average, slightly raised, high, very high
# (prosocial: close to average, slightly lowered, low, very low).
SDQ_TABLE = {
    "total": [(0, 11), (12, 15), (16, 18), (19, 40)],
    "emotional": [(0, 3), (4, 4), (5, 5), (6, 10)],
    "conduct": [(0, 2), (3, 3), (4, 4), (5, 10)],
    "hyperactivity": [(0, 5), (6, 7), (8, 8), (9, 10)],
    "peer": [(0, 2), (3, 4), (5, 5), (6, 10)],
    "prosocial": [(6, 10), (5, 5), (4, 4), (0, 3)],
}

EVERY_SCORE = [
    (scale, score, band)
    for scale, bands in SDQ_TABLE.items()
    for band, (low, high) in enumerate(bands)
    for score in range(low, high + 1)
]
BAND_EDGES = [
    (scale, score, band)
    for scale, bands in SDQ_TABLE.items()
    for band, (low, high) in enumerate(bands)
    for score in sorted({low, high})
]


def test_the_table_covers_every_score_of_every_scale_once():
    for scale, bands in SDQ_TABLE.items():
        scores = sorted(s for low, high in bands for s in range(low, high + 1))
        assert scores == list(range(SDQ_SCALES[scale].maximum + 1))


@pytest.mark.parametrize(("scale", "score", "band"), BAND_EDGES)
def test_sdq_band_edges_fall_in_the_band_of_the_domain_table(scale, score, band):
    words = SDQ_PROSOCIAL_BANDS if scale == "prosocial" else SDQ_BANDS
    assert sdq_band(scale, score) == words[band]


@pytest.mark.parametrize(("scale", "score", "band"), EVERY_SCORE)
def test_every_sdq_score_has_the_band_index_of_the_domain_table(scale, score, band):
    assert sdq_band_index(scale, score) == band


@pytest.mark.parametrize(
    ("scale", "score", "words"),
    [("total", 11, "close to average"), ("total", 12, "slightly raised"), ("total", 16, "high"),
     ("total", 19, "very high"), ("conduct", 4, "high"), ("prosocial", 6, "close to average"),
     ("prosocial", 5, "slightly lowered"), ("prosocial", 4, "low"), ("prosocial", 3, "very low"),
     ("prosocial", 0, "very low")],
)  # fmt: skip
def test_sdq_band_uses_the_words_of_the_scale(scale, score, words):
    assert sdq_band(scale, score) == words


@pytest.mark.parametrize(
    ("scale", "canonical"),
    [("Total", "total"), (" total difficulties ", "total"), ("Emotional symptoms", "emotional"),
     ("CONDUCT PROBLEMS", "conduct"), ("peer problems", "peer"), ("Prosocial behaviour", "prosocial"),
     ("hyperactivity/inattention", "hyperactivity")],
)  # fmt: skip
def test_sdq_scale_names_are_read_case_insensitively_with_their_long_names(scale, canonical):
    assert sdq_band(scale, 5) == sdq_band(canonical, 5)


@pytest.mark.parametrize(
    ("scale", "score", "message"),
    [("total", 41, "from 0 to 40"), ("total", -1, "from 0 to 40"), ("emotional", 11, "from 0 to 10"),
     ("prosocial", -1, "from 0 to 10"), ("peer", 2.5, "whole number"), ("peer", True, "whole number"),
     ("peer", "3", "whole number")],
)  # fmt: skip
def test_sdq_scores_out_of_range_are_refused_with_the_range(scale, score, message):
    with pytest.raises(SemhError, match=message):
        sdq_band(scale, score)


def test_an_unknown_sdq_scale_is_refused_with_the_valid_scales():
    with pytest.raises(SemhError, match="total, emotional, conduct, hyperactivity, peer, prosocial"):
        sdq_band("impact", 3)


def test_semh_error_is_a_value_error():
    assert issubclass(SemhError, ValueError)


# --- Boxall ------------------------------------------------------------------------------------


def test_boxall_sections_have_ten_clusters_each_and_point_opposite_ways():
    assert BOXALL_SECTIONS["I"].clusters == tuple("ABCDEFGHIJ")
    assert BOXALL_SECTIONS["II"].clusters == tuple("QRSTUVWXYZ")
    assert BOXALL_SECTIONS["I"].higher_is_better is True
    assert BOXALL_SECTIONS["II"].higher_is_better is False


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"A": 10, "B": 8}, {"A": 11, "B": 8}, True),  # section I rose by 1
        ({"A": 10, "B": 8}, {"A": 10, "B": 8}, False),  # no change
        ({"A": 10, "B": 8}, {"A": 9, "B": 8}, False),  # section I fell
        ({"Q": 6, "Z": 4}, {"Q": 5, "Z": 4}, True),  # section II fell: less difficulty
        ({"Q": 6, "Z": 4}, {"Q": 7, "Z": 4}, False),  # section II rose: more difficulty
        ({"A": 10, "Q": 6}, {"A": 10, "Q": 8}, False),  # I level, II worse
        ({"A": 10, "Q": 6}, {"A": 12, "Q": 8}, True),  # I rose: counts even though II rose
        ({"I": 80, "II": 40}, {"I": 80, "II": 30}, True),  # section totals
        ({"I": 80, "A": 1}, {"I": 79, "A": 5}, False),  # totals win over clusters
        ({"A": 10, "B": 8}, {"A": 11}, True),  # only shared clusters compared: A rose
        ({"A": 10, "B": 2}, {"A": 10, "B": 0, "C": 9}, False),  # C is new, not a rise
        ({"A": 10}, {"Q": 3}, None),  # nothing in common
        ({}, {}, None),
    ],
)
def test_boxall_improved_means_section_one_rose_or_section_two_fell(before, after, expected):
    assert boxall_improved(before, after) is expected


@pytest.mark.parametrize(
    ("profile", "message"),
    [({"K": 1}, "not a Boxall cluster"), ({"A": -1}, "from 0 to 136"), ({"I": 137}, "from 0 to 136"),
     ({"A": "3"}, "must be a number"), ({"A": float("nan")}, "must be a number"),
     ({"A": None}, "must be a number")],
)  # fmt: skip
def test_boxall_profiles_with_unknown_keys_or_bad_scores_are_refused(profile, message):
    with pytest.raises(SemhError, match=message):
        boxall_improved(profile, {"A": 1})
    with pytest.raises(SemhError, match=message):
        boxall_improved({"A": 1}, profile)

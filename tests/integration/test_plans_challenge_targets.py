"""The plan page's targets challenge: the upper quartile for a pupil judged by the quartile rule, expected
progress plus one level otherwise (issue 14 part 3), and each term on track against that target.

Worked by hand from docs/figures.md (NS2007-extended: P4 = 2, P6 = 4, P7 = 5, P8 = 6; 3b = 21, 4a = 29).
Term index = start year x 3 + (autumn 0, spring 1, summer 2); targets are for summer 2024/25, 6074.
The school keeps KS2-KS4 (15 terms) and the quartile rule for baselines below level 1.
"""

from __future__ import annotations

import pytest

from assessments.models import QuartileRow, ReferenceKind, ReferenceSet
from assessments.services_measures import target_set
from plans.selectors import challenge_targets
from tests import factories as f


@pytest.fixture
def pia(personas):
    """Pia: KS2 English P4 in summer 2020/21 (index 6062), so t = 6074 - 6062 = 12 of the 15 terms."""
    p = personas
    p.english = p.group.subject
    pia = f.PupilFactory(school=p.school, surname="Price", forename="Pia")
    f.BaselineFactory(pupil=pia, subject=p.english, key_stage="KS2", result="P4", academic_year=2020)
    reference = ReferenceSet.objects.create(school=p.school, kind=ReferenceKind.QUARTILES, name="P-level quartiles")
    QuartileRow.objects.create(reference_set=reference, transition="KS2-KS4", subject="English", starting_point="P4",
                               lower_quartile="P6", median="P7", upper_quartile="P8")
    # Autumn 2024 (6072, 10 terms from the baseline) P7; spring 2025 (6073, 11 terms) P8.
    f.AssessmentFactory(pupil=pia, subject=p.english, academic_year=2024, term="autumn", result="P7")
    f.AssessmentFactory(pupil=pia, subject=p.english, academic_year=2024, term="spring", result="P8")
    p.pia = pia
    return p


def test_a_p_level_pupils_target_is_the_upper_quartile_and_on_track_is_judged_against_it(pia):
    (row,) = challenge_targets(pia.pia, academic_year=2024)
    # Median_t = 2 + (5 - 2) x 12 / 15 = 4.4 -> P7 (the median, not a challenge);
    # UQ_t = 2 + (6 - 2) x 12 / 15 = 5.2 -> P8 (6), the lowest code reaching 5.2: the target.
    assert (row.subject, row.target, row.suggested, row.stored) == (pia.english, "P8", "P8", None)
    # Line to P8 (6) over the 12 terms: autumn 2 + 4 x 10 / 12 = 5.33, P7 (5) is below: not on track
    # (against the median's P7 it would be, 2 + 3 x 10 / 12 = 4.5); spring 2 + 4 x 11 / 12 = 5.67, P8 (6) on track.
    assert row.by_term == {"autumn": "not on track", "spring": "on track", "summer": ""}


def test_a_pupil_under_the_levels_rule_keeps_expected_progress_plus_one_level(pia):
    # Amy: KS2 3b (21) in summer 2022/23 (6068), t = 6 of 15: 21 + 4 x 6 x 6 / 15 = 30.6 -> 4a (29).
    f.BaselineFactory(pupil=pia.pupil, subject=pia.english, key_stage="KS2", result="3b", academic_year=2022)
    (row,) = challenge_targets(pia.pupil, academic_year=2024)
    assert (row.target, row.suggested) == ("4a", "4a")


def test_a_target_set_by_staff_is_the_target(pia):
    target_set(pupil=pia.pia, subject=pia.english, academic_year=2024, result="P7", set_by=pia.senco)
    (row,) = challenge_targets(pia.pia, academic_year=2024)
    # Line to P7 (5): autumn 2 + 3 x 10 / 12 = 4.5, P7 on track; spring 4.75, P8 on track.
    assert (row.target, row.suggested, row.stored.result) == ("P7", "P8", "P7")
    assert row.by_term == {"autumn": "on track", "spring": "on track", "summer": ""}

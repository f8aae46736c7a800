"""Enrolment service: a programme named, a group chosen (or made), staff matched within the school."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from interventions.models import Enrolment, Intervention
from interventions.services import enrolment_record
from pupils.writes import Outcome
from tests import factories as f
from tests.data.imports.school import oak_school, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def oak():
    ns = oak_school()
    ns.pupil = f.PupilFactory(school=ns.school)
    return ns


def field_errors(excinfo):
    return {field: [m for e in errors for m in e.messages] for field, errors in excinfo.value.error_dict.items()}


@pytest.mark.parametrize("staff", ["tia", "TIA", "Tia Thomas", "tia thomas", "tia@example.org"])
def test_an_enrolment_joins_the_group_the_named_staff_member_runs(oak, staff):
    enrolment, outcome = enrolment_record(pupil=oak.pupil, programme="toe by TOE", start_date="09/09/2024", staff=staff)

    assert outcome is Outcome.CREATED
    assert enrolment.intervention == oak.toe_group
    assert Intervention.objects.count() == 1


def test_an_enrolment_outside_every_groups_dates_gets_a_group_made_for_its_year(oak):
    # Tia's group ends 18/07/2025; 08/09/2025 is in 2025/26.
    enrolment, _ = enrolment_record(pupil=oak.pupil, programme=oak.toe, start_date=dt.date(2025, 9, 8))

    group = enrolment.intervention
    assert (group.name, group.cost_per_session, group.start_date, group.end_date) == (
        "Toe by Toe (imported 2025/26)", Decimal("12.50"), dt.date(2025, 9, 1), dt.date(2026, 8, 31)
    )
    assert list(group.staff.all()) == []


def test_an_unknown_programme_is_an_error_pointing_to_the_senco(oak):
    with pytest.raises(ValidationError) as excinfo:
        enrolment_record(pupil=oak.pupil, programme="Precision Teaching", start_date=dt.date(2024, 9, 9))

    assert field_errors(excinfo) == {
        "programme": [
            "'Precision Teaching' is not a programme at Oak Academy; the SENCo sets up programmes (name, area of need, "
            "cost) before enrolments are imported. Known programmes: Lego Therapy, Toe by Toe"
        ]
    }
    assert not Enrolment.objects.exists() and Intervention.objects.count() == 1


def test_staff_of_another_school_and_ambiguous_names_are_refused(oak):
    outsider = staff_user("charlie", "Charlie", "Cole")
    f.MembershipFactory(user=outsider, school=f.SchoolFactory(code="elm"))
    other_tia = staff_user("tia2", "Tia", "Thomas")
    f.MembershipFactory(user=other_tia, school=oak.school, role="teacher")

    with pytest.raises(ValidationError) as unknown:
        enrolment_record(pupil=oak.pupil, programme="Toe by Toe", start_date=dt.date(2024, 9, 9), staff="charlie")
    with pytest.raises(ValidationError) as ambiguous:
        enrolment_record(pupil=oak.pupil, programme="Toe by Toe", start_date=dt.date(2024, 9, 9), staff="Tia Thomas")

    assert field_errors(unknown) == {
        "staff": ["'charlie' is not a member of staff at Oak Academy; staff are matched by username, 'First Last' or email"]
    }
    assert field_errors(ambiguous) == {
        "staff": ["'Tia Thomas' matches several members of staff (tia, tia2): use the username"]
    }


def test_recording_an_enrolment_again_updates_only_what_is_given(oak):
    first, _ = enrolment_record(pupil=oak.pupil, programme="Toe by Toe", start_date=dt.date(2024, 9, 9), sessions_attended=10)

    same, unchanged = enrolment_record(pupil=oak.pupil, programme="Toe by Toe", start_date=dt.date(2024, 9, 9))
    ended, updated = enrolment_record(
        pupil=oak.pupil, programme="Toe by Toe", start_date=dt.date(2024, 9, 9), end_date=dt.date(2024, 12, 13),
        staff="bob",  # only places new enrolments: this one stays in Tia's group
    )  # fmt: skip

    assert (unchanged, same.pk, same.sessions_attended) == (Outcome.UNCHANGED, first.pk, 10)
    ended.refresh_from_db()
    assert (updated, ended.end_date, ended.sessions_attended, ended.intervention) == (
        Outcome.UPDATED, dt.date(2024, 12, 13), 10, oak.toe_group
    )

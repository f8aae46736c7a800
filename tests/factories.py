"""Coherent factories: a pupil's group, school and staff always agree."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from assessments import models as am
from interventions import models as im
from pupils import models as pm
from pupils.upn import make_upn

PASSWORD = "correct-horse-battery"


STAFF_FIRST_NAMES = ["Rafferty", "Perpetua", "Ottoline", "Evander", "Clemency", "Barnaby", "Araminta", "Leopold",
                     "Rosalind", "Tobias", "Marigold", "Ambrose", "Hermione", "Caspian", "Wilhelmina", "Ignatius",
                     "Philippa", "Crispin", "Sidonie"]
STAFF_LAST_NAMES = ["Achterberg", "Brightwell", "Cadwallader", "Delacourt", "Eversley", "Fairweather", "Galbraith",
                    "Hetherington", "Inchbald", "Kingsmill", "Lockyer", "Mountjoy", "Northcott", "Pettigrew", "Quarrie",
                    "Rushworth", "Standish", "Tregenza", "Underhill", "Vellacott"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    # Staff names never found among the pupils' (Faker's en_GB names, the fixtures' own): a test that a
    # page names no pupil ("Smith" not in it) must not fail because a teacher was also called Smith.
    first_name = factory.Iterator(STAFF_FIRST_NAMES)
    last_name = factory.Iterator(STAFF_LAST_NAMES)
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.School
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"School {n}")
    code = factory.Sequence(lambda n: f"school-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = pm.Role.SENCO


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Subject
        django_get_or_create = ("code",)

    code = "english"
    name = factory.LazyAttribute(lambda s: s.code.capitalize())
    core = True


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(801, 2000, 15, n % 1000))
    surname = factory.Faker("last_name", locale="en_GB")
    forename = factory.Faker("first_name", locale="en_GB")
    date_of_birth = dt.date(2012, 3, 14)
    gender = pm.Gender.FEMALE
    year_group = 9


class TeachingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.TeachingGroup

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"9X{n}")
    subject = factory.SubFactory(SubjectFactory)
    year_group = 9


class RegisterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = pm.RegisterEntry

    pupil = factory.SubFactory(PupilFactory)
    provision = pm.Provision.SEN_SUPPORT
    primary_need = pm.Need.SPLD
    start_date = dt.date(2023, 9, 4)


class BaselineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Baseline

    pupil = factory.SubFactory(PupilFactory)
    subject = factory.SubFactory(SubjectFactory)
    key_stage = am.KeyStage.KS2
    result = "3b"
    academic_year = 2022
    term = am.TermName.SUMMER


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Assessment

    pupil = factory.SubFactory(PupilFactory)
    subject = factory.SubFactory(SubjectFactory)
    academic_year = 2024
    term = am.TermName.AUTUMN
    result = "4c"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = im.Programme

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Reading programme {n}")
    area_of_need = im.AreaOfNeed.COGNITION
    cost_per_session = 12
    default_measure = im.MeasureKind.READING


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = im.Intervention

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    cost_per_session = 12
    start_date = dt.date(2024, 9, 9)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = im.Enrolment

    intervention = factory.SubFactory(InterventionFactory)
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..intervention.programme.school"))
    start_date = dt.date(2024, 9, 9)


def importer_args(args) -> list[str]:
    """``manage.py import_data`` arguments with ``--user`` naming a superuser (made if need be) unless
    they name one already, or are a dry run: a real import must say who ran it."""
    args = [str(a) for a in args]
    if "--user" in args or "--dry-run" in args:
        return args
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if not User.objects.filter(username="importer").exists():
        User.objects.create_superuser("importer", "importer@example.org", None)
    return [*args, "--user", "importer"]

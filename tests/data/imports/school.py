"""The school the import tests load the sample files into, and helpers to read those files.

The sample files in this folder are what MIS exports look like in practice: headers spelt in
several ways, dates in both accepted forms, levels written "4B", "4 b" or "P1(ii)", reading ages
written "7.06" or "7y 6m"; the ``*_broken.csv`` files each hold known mistakes on known lines.

Their UPNs are ``make_upn(873, 3001, 20, n)`` for n = 1..6 (checked by a test), so every check
letter is right except where a broken file changes it on purpose.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

DATA = Path(__file__).resolve().parent

#: make_upn(873, 3001, 20, n): Amy 1, Ben 2, Chloé 3, Dev 4, Eve 5; 6 is valid but on no roll.
UPNS = {
    "amy": "M873300120001",
    "ben": "B873300120002",
    "chloe": "Q873300120003",
    "dev": "E873300120004",
    "eve": "U873300120005",
    "nobody": "H873300120006",
}


def staff_user(username: str, first_name: str, last_name: str):
    """A user without a password: hashing one costs a second, and these never sign in."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(
        username=username, first_name=first_name, last_name=last_name, email=f"{username}@example.org"
    )


def oak_school() -> SimpleNamespace:
    """School 'oak' with English and Maths, two staff and two programmes set up by the SENCo."""
    from tests import factories as f

    school = f.SchoolFactory(code="oak", name="Oak Academy")
    english = f.SubjectFactory(code="english", name="English")
    maths = f.SubjectFactory(code="maths", name="Maths")
    tia = staff_user("tia", "Tia", "Thomas")
    bob = staff_user("bob", "Bob", "Baker")  # bob@example.org
    f.MembershipFactory(user=tia, school=school, role="ta")
    f.MembershipFactory(user=bob, school=school, role="teacher")
    toe = f.ProgrammeFactory(school=school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    lego = f.ProgrammeFactory(
        school=school, name="Lego Therapy", cost_per_session=Decimal("8.00"), area_of_need="communication"
    )
    toe_group = f.InterventionFactory(
        programme=toe, name="Toe by Toe Mon/Thu", cost_per_session=Decimal("12.50"),
        start_date=dt.date(2024, 9, 2), end_date=dt.date(2025, 7, 18),
    )  # fmt: skip
    toe_group.staff.add(tia)
    return SimpleNamespace(
        school=school, english=english, maths=maths, tia=tia, bob=bob, toe=toe, lego=lego, toe_group=toe_group
    )


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def import_file(kind: str, name: str, school, **options):
    from imports.engine import run_import

    return run_import(kind=kind, data=read(name), school=school, **options)


def import_ok(kind: str, name: str, school, **options):
    result = import_file(kind, name, school, **options)
    assert result.ok, [str(e) for e in result.errors]
    return result


def database_state() -> dict[str, list[tuple]]:
    """Every row the imports can touch, to prove a rejected file changed nothing."""
    from assessments.models import Assessment, Baseline, NationalRow, QuartileRow, ReadingTest, ReferenceSet
    from interventions.models import Enrolment, Intervention
    from pupils.models import Pupil, RegisterEntry, School

    models = [School, Pupil, RegisterEntry, Baseline, Assessment, ReadingTest, Intervention, Enrolment, ReferenceSet,
              QuartileRow, NationalRow]
    return {m.__name__: sorted(m.objects.values_list(), key=repr) for m in models}


def errors_by_line(result) -> list[tuple[int | None, str | None]]:
    return [(e.line, e.column) for e in result.errors]

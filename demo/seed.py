"""The demo schools: a realistic, deterministic data set to try sencotrack with (``manage.py seed_demo``).

Riverside Academy (``demo``, about 600 pupils) and Hillside School (``demo-2``, about 100), in
Riverside Learning Trust, covering the five academic years before today's and this year's
completed terms. Demo tooling: it writes with ``bulk_create`` and checks its own rows rather than
going through the services, so the seed takes seconds. See docs/contributing.md, "Design notes".
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from assessments import models as am
from assessments.ages import format_age_equivalent, months_between
from assessments.ladder import level_for_step, parse_level
from demo import plans as plans_demo
from demo.accounts import DEMO_EMAIL_DOMAIN  # also read from here by tests and commands
from interventions import models as im
from pupils import models as pm
from pupils.upn import make_upn
from sencotrack.parsing import default_term_dates, split_term, term_for_date, term_index

# --- Public constants -----------------------------------------------------------------------------

DEMO_PASSWORD = "sencotrack-demo"
DEMO_SCHOOL_CODE = "demo"
DEMO_SCHOOL_2_CODE = "demo-2"
DEMO_SCHOOL_CODES = (DEMO_SCHOOL_CODE, DEMO_SCHOOL_2_CODE)
DEMO_TRUST_NAME = "Riverside Learning Trust"
ADMIN_USERNAME = "admin"
TRUST_USERNAME = "trust"
DEFAULT_PUPILS = 600
BATCH = 2000
DEMO_QUARTILES_NAME = "Demo P-level quartiles (illustrative)"
DEMO_QUARTILES_NOTE = (
    "Illustrative figures for the demo school, NOT national data: KS2 to KS4 outcomes from P-level and W "
    "starting points, following the rule of thumb of about one P-level a year. Load the official "
    "quartile tables (import kind 'quartiles') before relying on quartile expectations."
)
DEMO_NATIONAL_NAME = "KS2 to KS4 maths, 2009"
DEMO_NATIONAL_NOTE = (
    "The share of pupils nationally making 3 levels of progress (4 levels: more than expected) in maths "
    "from KS2 to KS4 in 2009, as quoted in a published review of SEN progress measures; not confirmed "
    "from the DfE's own tables. Load the national tables you use (import kind 'national') in its place."
)
#: (starting point at KS2, % making expected progress, % making more than expected), DfE 2009 maths.
DEMO_NATIONAL_ROWS = (("2", 23, 6), ("3", 36, 12), ("4", 62, 20), ("5", 76, 45))

TERMS = ("autumn", "spring", "summer")
ENGLISH, MATHS, SCIENCE = "english", "maths", "science"
CORE = (ENGLISH, MATHS)
ASSESSED = (ENGLISH, MATHS, SCIENCE)
SUBJECTS = (  # code, name, core, position
    (ENGLISH, "English", True, 1),
    (MATHS, "Maths", True, 2),
    (SCIENCE, "Science", False, 3),
)


# --- Small helpers ----------------------------------------------------------------------------------


def academic_year_of(day: dt.date) -> int:
    """Start year of the academic year (1 September to 31 August) containing ``day``."""
    return day.year if day.month >= 9 else day.year - 1


def term_span(index: int) -> tuple[dt.date, dt.date]:
    return default_term_dates(*split_term(index))


def term_of(day: dt.date) -> int:
    return term_index(*term_for_date(day))


def last_completed_term(today: dt.date) -> int:
    """The latest term whose (default) last day is before today."""
    index = term_of(today)
    return index - 1


def is_school_day(day: dt.date) -> bool:
    """Weekdays outside approximate English school holidays (half terms, Christmas, Easter, summer)."""
    if day.weekday() >= 5:
        return False
    md = (day.month, day.day)
    holidays = (
        ((7, 23), (8, 31)), ((9, 1), (9, 2)),  # summer
        ((10, 26), (10, 30)),  # October half term
        ((12, 20), (12, 31)), ((1, 1), (1, 3)),  # Christmas
        ((2, 14), (2, 20)),  # February half term
        ((4, 1), (4, 12)),  # Easter
        ((5, 26), (5, 31)),  # May half term
    )  # fmt: skip
    return not any(start <= md <= end for start, end in holidays)


def next_school_day(day: dt.date) -> dt.date:
    while not is_school_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_school_day(day: dt.date) -> dt.date:
    while not is_school_day(day):
        day -= dt.timedelta(days=1)
    return day


def chronological_age_months(born: dt.date, on: dt.date) -> int:
    return months_between(born, on)


def clamp(value, low, high):
    return max(low, min(high, value))


def step_code(step: int) -> str:
    return level_for_step(int(clamp(step, 1, 36))).code


def whole_level_code(step: int) -> str:
    """A whole level ("4") for a sub-level step (4c/4b/4a are 21-23)."""
    return str((step - 12) // 3 + 1)


# --- People ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    subject: str | None = None  # teachers: the subject they teach


RIVERSIDE_STAFF = (
    StaffSpec("senco", "Helen", "Marsh", pm.Role.SENCO),
    StaffSpec("teacher", "Tom", "Fletcher", pm.Role.TEACHER, ENGLISH),
    StaffSpec("p.shah", "Priya", "Shah", pm.Role.TEACHER, ENGLISH),
    StaffSpec("l.bennett", "Laura", "Bennett", pm.Role.TEACHER, ENGLISH),
    StaffSpec("r.osei", "Ruth", "Osei", pm.Role.TEACHER, ENGLISH),
    StaffSpec("d.hughes", "Daniel", "Hughes", pm.Role.TEACHER, MATHS),
    StaffSpec("a.rahman", "Aisha", "Rahman", pm.Role.TEACHER, MATHS),
    StaffSpec("m.ellis", "Mark", "Ellis", pm.Role.TEACHER, MATHS),
    StaffSpec("j.walsh", "James", "Walsh", pm.Role.TEACHER, MATHS),
    StaffSpec("c.dawson", "Claire", "Dawson", pm.Role.TEACHER, SCIENCE),
    StaffSpec("b.carter", "Ben", "Carter", pm.Role.TEACHER, SCIENCE),
    StaffSpec("s.nash", "Sophie", "Nash", pm.Role.TEACHER, SCIENCE),
    StaffSpec("k.lin", "Kevin", "Lin", pm.Role.TEACHER, SCIENCE),
    StaffSpec("ta", "Jo", "Morgan", pm.Role.TA),
    StaffSpec("k.price", "Kelly", "Price", pm.Role.TA),
    StaffSpec("a.hussain", "Amir", "Hussain", pm.Role.TA),
    StaffSpec("b.cole", "Bethany", "Cole", pm.Role.TA),
    StaffSpec("governor", "Margaret", "Ellison", pm.Role.GOVERNOR),
    StaffSpec("data", "Raj", "Patel", pm.Role.DATA_MANAGER),
)
HILLSIDE_STAFF = (
    StaffSpec("senco2", "Gareth", "Lloyd", pm.Role.SENCO),
    StaffSpec("teacher2", "Nia", "Evans", pm.Role.TEACHER, ENGLISH),
    StaffSpec("o.grant", "Owen", "Grant", pm.Role.TEACHER, MATHS),
    StaffSpec("f.ahmed", "Farah", "Ahmed", pm.Role.TEACHER, SCIENCE),
    StaffSpec("ta2", "Lucy", "Hart", pm.Role.TA),
)
#: The demo logins worth showing first (the rest are "other staff").
MAIN_LOGINS = ("senco", "teacher", "ta", "governor", "data", "parent", "parent2", "senco2", "teacher2", TRUST_USERNAME,
               ADMIN_USERNAME)  # fmt: skip


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    urn: str
    la: int  # local authority number used in UPNs
    estab: int  # the school's own establishment number (temporary UPNs)
    feeder_estabs: tuple[int, ...]
    staff: tuple[StaffSpec, ...]
    pupils: int
    leaver_cohort: bool  # last summer's year 11 as archived leavers (five full years of assessments)
    intervention_share: float  # fraction of the programme timetable this school runs
    comments: int


def school_specs(pupils: int) -> tuple[SchoolSpec, SchoolSpec]:
    riverside = SchoolSpec(
        code=DEMO_SCHOOL_CODE, name="Riverside Academy", urn="999001", la=886, estab=4006,
        feeder_estabs=tuple(range(2101, 2121)), staff=RIVERSIDE_STAFF, pupils=pupils, leaver_cohort=True,
        intervention_share=1.0, comments=round(300 * pupils / DEFAULT_PUPILS),
    )  # fmt: skip
    small = max(25, round(pupils / 6))
    hillside = SchoolSpec(
        code=DEMO_SCHOOL_2_CODE, name="Hillside School", urn="999002", la=886, estab=4012,
        feeder_estabs=tuple(range(2201, 2209)), staff=HILLSIDE_STAFF, pupils=small, leaver_cohort=False,
        intervention_share=0.3, comments=max(15, round(50 * small / 100)),
    )  # fmt: skip
    return riverside, hillside


# --- The plan of one pupil ----------------------------------------------------------------------------


@dataclass
class Entry:
    provision: str
    primary: str
    secondary: str
    start: dt.date
    end: dt.date | None = None
    notes: str = ""


@dataclass
class PupilPlan:
    pupil: pm.Pupil
    cohort_y7: int  # academic year in which the pupil was (or will be) in year 7
    first_term: int  # first term on roll at this school
    last_term: int | None  # last term on roll (None: still here)
    status: str  # "N", "K", "E", "off" (came off the register), "concern"
    p_scale: bool = False
    entries: list[Entry] = field(default_factory=list)
    needs: tuple[str, ...] = ()
    baseline: dict[str, int] = field(default_factory=dict)  # KS2 step per core subject (W = 11)
    rate: float = 0.6
    boosts: list[tuple[str, int, float]] = field(default_factory=list)  # subject, from term, extra steps a term
    steps: dict[str, dict[int, int]] = field(default_factory=dict)  # subject -> term index -> step
    semh: bool = False
    stall_from: int | None = None
    engineered_no_gain: bool = False
    concern_open_on: tuple[dt.date, dt.date | None] | None = None

    @property
    def archived(self) -> bool:
        return self.pupil.archived_at is not None

    def on_roll(self, day: dt.date) -> bool:
        p = self.pupil
        arrived = p.admission_date is None or p.admission_date <= day
        return arrived and (p.leaving_date is None or day <= p.leaving_date)

    def year_in(self, academic_year: int) -> int:
        return 7 + academic_year - self.cohort_y7

    def entry_on(self, day: dt.date) -> Entry | None:
        for entry in self.entries:
            if entry.start <= day and (entry.end is None or day <= entry.end):
                return entry
        return None

    def needs_on(self, day: dt.date) -> tuple[str, ...]:
        entry = self.entry_on(day)
        if entry is None:
            return ()
        return tuple(n for n in (entry.primary, entry.secondary) if n)

    def on_register_in(self, index: int) -> bool:
        return self.entry_on(term_span(index)[1]) is not None


# --- The builder ------------------------------------------------------------------------------------


class SchoolBuilder:
    """Plans one demo school in memory, then writes it with a handful of bulk inserts."""

    def __init__(self, spec: SchoolSpec, *, today: dt.date, trust: pm.Trust, subjects: dict[str, pm.Subject],
                 password_hash: str):  # fmt: skip
        self.spec = spec
        self.today = today
        self.rng = random.Random(f"sencotrack-demo:{spec.code}:{spec.pupils}")
        self.trust = trust
        self.subjects = subjects
        self.password_hash = password_hash
        self.year = academic_year_of(today)  # the current academic year
        self.first_year = self.year - 5
        self.last_term = last_completed_term(today)
        self.plans: list[PupilPlan] = []
        self.staff: dict[str, object] = {}
        self.teachers: dict[str, list] = {s: [] for s in ASSESSED}
        self.tas: list = []
        self.groups: list[tuple[pm.TeachingGroup, list[PupilPlan], list]] = []
        self.group_of: dict[tuple[int, str], pm.TeachingGroup] = {}  # (id of the plan, subject) -> group
        self.group_staff: dict[int, list] = {}
        self.programmes: dict[str, im.Programme] = {}
        self.interventions: list[tuple[im.Intervention, ProgrammeSpec, list]] = []
        self.enrolments: list[tuple[im.Enrolment, PupilPlan]] = []
        self.session_days: dict[int, list[dt.date]] = {}
        self.upns: set[str] = set()
        self.counts: dict[str, int] = {}

    # -- random helpers --------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        """A random school day from start to end (inclusive); start itself when the span has none."""
        if end < start:
            return start
        for _ in range(20):
            day = start + dt.timedelta(days=self.rng.randint(0, (end - start).days))
            if is_school_day(day):
                return day
        return start

    def weighted(self, pairs: Sequence[tuple[object, float]]):
        items, weights = zip(*pairs, strict=True)
        return self.rng.choices(items, weights=weights)[0]

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    # -- the plan --------------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.make_school()
        self.make_reference_tables()
        self.make_staff()
        self.make_terms()
        self.make_pupils()
        self.make_register()
        self.make_concerns()
        self.make_baselines_plan()
        self.make_groups()
        self.make_interventions()
        self.make_assessments()
        self.make_semh()
        self.make_comments()
        self.make_targets()
        return self.counts

    # School, staff and terms -------------------------------------------------------------------

    def make_school(self) -> None:
        s = self.spec
        self.school = pm.School.objects.create(trust=self.trust, name=s.name, code=s.code, urn=s.urn)

    def make_reference_tables(self) -> None:
        """The quartile table that judges the demo's P-level pupils (DOMAIN 9.9): an illustrative one.

        The shipped 2012 table has no P-level rows and no KS2-KS4 rows, so without a table of its own
        the demo's P-scale pupils would be held to 3 whole levels (18 points) from P4. These rows
        follow the rule of thumb "about one P-level a year" that the demo's P-scale pupils progress
        at: from a P-level, 3 steps (lower quartile), 4 (median) and 5 (upper quartile) by the end of
        KS4; from W, 1a / 2b / 2a. Clearly labelled as not national data.
        """
        imported = timezone.make_aware(dt.datetime.combine(self.today, dt.time(8, 0)))
        table = am.ReferenceSet.objects.create(
            school=self.school, kind=am.ReferenceKind.QUARTILES, name=DEMO_QUARTILES_NAME, imported_at=imported,
            source_note=DEMO_QUARTILES_NOTE,
        )  # fmt: skip
        rows = []
        for subject in ("English", "Maths"):
            for start in range(7, 12):  # P4 to P8
                lower, median, upper = (level_for_step(start + gain).code for gain in (3, 4, 5))
                rows.append(am.QuartileRow(
                    reference_set=table, transition=am.Transition.KS2_KS4, subject=subject,
                    starting_point=level_for_step(start).code, lower_quartile=lower, median=median,
                    upper_quartile=upper, source_note="illustrative (demo)",
                ))  # fmt: skip
            rows.append(am.QuartileRow(
                reference_set=table, transition=am.Transition.KS2_KS4, subject=subject, starting_point="W",
                lower_quartile="1a", median="2b", upper_quartile="2a", source_note="illustrative (demo)",
            ))  # fmt: skip
        am.QuartileRow.objects.bulk_create(rows)
        national = am.ReferenceSet.objects.create(
            school=self.school, kind=am.ReferenceKind.NATIONAL, name=DEMO_NATIONAL_NAME, imported_at=imported,
            source_note=DEMO_NATIONAL_NOTE,
        )  # fmt: skip
        am.NationalRow.objects.bulk_create(
            am.NationalRow(
                reference_set=national, transition=am.Transition.KS2_KS4, subject="Maths", starting_point=start,
                pct_expected=expected, pct_more_than_expected=more, source_note="DfE 2009 (quoted)",
            )
            for start, expected, more in DEMO_NATIONAL_ROWS
        )

    def make_staff(self) -> None:
        User = get_user_model()
        users, memberships = [], []
        for spec in self.spec.staff:
            user = User(
                username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
                email=f"{spec.username}@{DEMO_EMAIL_DOMAIN}", password=self.password_hash,
            )  # fmt: skip
            users.append(user)
        users = User.objects.bulk_create(users)
        by_name = {u.username: u for u in users}
        for spec in self.spec.staff:
            user = by_name[spec.username]
            self.staff[spec.username] = user
            memberships.append(pm.Membership(user=user, school=self.school, role=spec.role))
            if spec.role == pm.Role.TEACHER:
                self.teachers[spec.subject].append(user)
            elif spec.role == pm.Role.TA:
                self.tas.append(user)
            elif spec.role == pm.Role.SENCO:
                self.senco = user
        pm.Membership.objects.bulk_create(memberships)
        self.counts["staff"] = len(users)

    def make_terms(self) -> None:
        years = am.AcademicYear.objects.bulk_create(
            [am.AcademicYear(school=self.school, start_year=y) for y in range(self.first_year, self.year + 1)]
        )
        terms = []
        for year in years:
            for name in TERMS:
                start, end = default_term_dates(year.start_year, name)
                terms.append(am.Term(academic_year=year, name=name, start_date=start, end_date=end))
        am.Term.objects.bulk_create(terms)

    # Pupils ------------------------------------------------------------------------------------

    def make_pupils(self) -> None:
        rng = self.rng
        per_year = self.spec.pupils / 5
        cohorts = [(y, self.year - (y - 7), False) for y in range(7, 12)]
        if self.spec.leaver_cohort:
            cohorts.append((11, self.year - 5, True))
        p_scale_total = round(self.spec.pupils * 10 / DEFAULT_PUPILS)
        p_scale_per_cohort = [p_scale_total // 5 + (1 if i < p_scale_total % 5 else 0) for i in range(5)]
        rng.shuffle(p_scale_per_cohort)
        serials: dict[tuple[int, int, int], int] = {}
        for position, (year_group, cohort_y7, leavers) in enumerate(cohorts):
            size = max(5, round(per_year * rng.uniform(0.96, 1.04)))
            statuses = self.cohort_statuses(size)
            p_scale = 1 if leavers and self.spec.pupils >= 300 else (0 if leavers else p_scale_per_cohort[position])
            # P-scale pupils take EHC-plan and SEN-support places in turn.
            e_places = [i for i, s in enumerate(statuses) if s == "E"]
            k_places = [i for i, s in enumerate(statuses) if s == "K"]
            marked = [i for pair in zip(e_places, k_places, strict=False) for i in pair]
            marked += e_places[len(k_places):] + k_places[len(e_places):]
            p_scale_indexes = set(marked[:p_scale])
            for i, status in enumerate(statuses):
                plan = self.make_pupil(year_group, cohort_y7, leavers, status, i in p_scale_indexes, serials)
                self.plans.append(plan)
        self.make_leavers_and_arrivals()
        pm.Pupil.objects.bulk_create([p.pupil for p in self.plans], batch_size=BATCH)
        self.counts["pupils"] = sum(1 for p in self.plans if not p.archived)
        self.counts["archived leavers"] = sum(1 for p in self.plans if p.archived)

    def cohort_statuses(self, size: int) -> list[str]:
        rng = self.rng
        e = round(size * rng.uniform(0.028, 0.042))
        k = round(size * rng.uniform(0.12, 0.145))
        off = round(size * 0.03)
        concern = max(1, round(size * 0.015))
        statuses = ["E"] * e + ["K"] * k + ["off"] * off + ["concern"] * concern
        statuses += ["N"] * (size - len(statuses))
        rng.shuffle(statuses)
        return statuses

    def make_pupil(self, year_group: int, cohort_y7: int, leavers: bool, status: str, p_scale: bool,
                   serials: dict) -> PupilPlan:  # fmt: skip
        rng = self.rng
        gender = self.weighted([(pm.Gender.FEMALE, 49), (pm.Gender.MALE, 50), (pm.Gender.OTHER, 1)])
        eal = rng.random() < 0.15
        forenames = {
            pm.Gender.FEMALE: GIRLS_EAL if eal and rng.random() < 0.7 else GIRLS,
            pm.Gender.MALE: BOYS_EAL if eal and rng.random() < 0.7 else BOYS,
            pm.Gender.OTHER: NEUTRAL,
        }[gender]
        surname = rng.choice(SURNAMES_EAL if eal and rng.random() < 0.7 else SURNAMES)
        # Born September (cohort_y7 - 12) to August (cohort_y7 - 11): a year-7 pupil in 2026/27 was
        # born 1 Sep 2014 to 31 Aug 2015.
        born_from = dt.date(cohort_y7 - 12, 9, 1)
        born = born_from + dt.timedelta(days=rng.randint(0, (dt.date(cohort_y7 - 11, 8, 31) - born_from).days))
        start_y7 = next_school_day(dt.date(cohort_y7, 9, 3))
        la = self.spec.la if rng.random() < 0.85 else rng.choice(NEIGHBOUR_LAS)
        estab = rng.choice(self.spec.feeder_estabs)
        year2 = (cohort_y7 - 7) % 100  # UPNs are allocated on entry to reception, seven years before year 7
        key = (la, estab, year2)
        serials[key] = serials.get(key, rng.randint(0, 40)) + rng.randint(1, 3)
        upn = make_upn(la, estab, year2, serials[key] % 1000)
        while upn in self.upns:  # pragma: no cover - serials only grow; a wrap-around is the only way here
            serials[key] += 1
            upn = make_upn(la, estab, year2, serials[key] % 1000)
        self.upns.add(upn)
        pupil = pm.Pupil(
            public_id=self.uuid(), school=self.school, upn=upn, surname=surname, forename=rng.choice(forenames),
            date_of_birth=born, gender=gender, year_group=year_group,
            pupil_premium=rng.random() < (0.35 if status in ("K", "E") else 0.23),
            eal=eal, looked_after=rng.random() < 0.015, admission_date=start_y7,
        )  # fmt: skip
        plan = PupilPlan(pupil=pupil, cohort_y7=cohort_y7, first_term=term_index(cohort_y7, "autumn"),
                         last_term=None, status=status, p_scale=p_scale)  # fmt: skip
        if leavers:
            leaving = previous_school_day(dt.date(cohort_y7 + 5, 7, 22))  # the end of year 11
            pupil.leaving_date = leaving
            pupil.archived_at = timezone.make_aware(dt.datetime(cohort_y7 + 5, 8, 31, 12, 0))
            plan.last_term = term_of(leaving)
        return plan

    def make_leavers_and_arrivals(self) -> None:
        """Some pupils arrived mid-year (with an on-entry baseline), a few left recently (not yet archived)."""
        rng = self.rng
        current = [p for p in self.plans if not p.archived]
        for plan in self.plans:
            p = plan.pupil
            start_y7 = p.admission_date
            if rng.random() < 0.06 and not plan.p_scale:
                latest = self.today - dt.timedelta(days=10)
                if latest > start_y7 + dt.timedelta(days=30):
                    arrival = self.day_between(start_y7 + dt.timedelta(days=30), latest)
                    if plan.archived:
                        arrival = min(arrival, p.leaving_date - dt.timedelta(days=120))
                        arrival = max(arrival, start_y7 + dt.timedelta(days=30))
                    p.admission_date = next_school_day(arrival)
                    plan.first_term = term_of(p.admission_date)
                    # Pupils arriving this term from abroad have a temporary UPN until the LA issues one.
                    if term_of(p.admission_date) == term_of(self.today) and p.eal and rng.random() < 0.5:
                        upn = make_upn(self.spec.la, self.spec.estab, self.year % 100, rng.randint(0, 99),
                                       temporary_letter="T")  # fmt: skip
                        if upn not in self.upns:
                            self.upns.add(upn)
                            p.upn = upn
        leavers = max(2, round(len(current) * 0.01))
        candidates = [p for p in current if p.status in ("N", "K", "concern") and p.pupil.admission_date
                      < self.today - dt.timedelta(days=200)]  # fmt: skip
        for plan in rng.sample(candidates, min(leavers, len(candidates))):
            leaving = self.day_between(self.today - dt.timedelta(days=150), self.today - dt.timedelta(days=7))
            plan.pupil.leaving_date = leaving
            plan.last_term = term_of(leaving)

    # The SEN register, profiles and concerns ----------------------------------------------------

    def pick_need(self, provision: str, p_scale: bool) -> tuple[str, str]:
        rng = self.rng
        if p_scale:
            primary = "MLD" if provision == "K" else self.weighted([("SLD", 6), ("PMLD", 1), ("MLD", 3)])
        else:
            primary = self.weighted(NEED_WEIGHTS_E if provision == "E" else NEED_WEIGHTS_K)
        secondary = ""
        if rng.random() < 0.3 and primary != "NSA":
            choices = [n for n, _ in SECONDARY_NEEDS if n != primary]
            secondary = self.weighted([(n, w) for n, w in SECONDARY_NEEDS if n in choices])
        return primary, secondary

    def make_register(self) -> None:
        rng = self.rng
        for plan in self.plans:
            p = plan.pupil
            admitted = p.admission_date
            status = plan.status
            latest = min(self.today, p.leaving_date or self.today) - dt.timedelta(days=30)
            if status == "off" and latest < admitted + dt.timedelta(days=60):
                status = plan.status = "K"
            if status in ("K", "E"):
                primary, secondary = self.pick_need(status, plan.p_scale)
                long_enough = latest > admitted + dt.timedelta(days=200)
                if status == "E" and not plan.p_scale and rng.random() < 0.6 and long_enough:
                    # Moved from SEN support to an EHC plan while here.
                    issued = self.day_between(admitted + dt.timedelta(days=180), latest)
                    k_primary = primary if primary != "NSA" else "MLD"
                    plan.entries.append(Entry("K", k_primary, secondary, admitted, issued - dt.timedelta(days=1),
                                              "Transferred from primary on SEN support."))  # fmt: skip
                    plan.entries.append(Entry("E", primary, secondary, issued, None, "EHC plan issued by the local "
                                              "authority after a statutory assessment."))  # fmt: skip
                elif status == "K" and rng.random() < 0.25 and latest > admitted + dt.timedelta(days=90):
                    # Identified here rather than at primary.
                    start = self.day_between(admitted + dt.timedelta(days=60), latest)
                    plan.entries.append(Entry("K", primary, secondary, start, None, rng.choice(IDENTIFIED_NOTES)))
                else:
                    note = ("Transferred from primary with an EHC plan." if status == "E"
                            else "Transferred from primary on SEN support.")  # fmt: skip
                    plan.entries.append(Entry(status, primary, secondary, admitted, None, note))
            elif status == "off":
                primary, secondary = self.pick_need("K", False)
                if primary == "NSA":
                    primary = "SPLD"
                ended = self.day_between(admitted + dt.timedelta(days=60), latest)
                plan.entries.append(Entry("K", primary, secondary, admitted, ended,
                                          "Taken off the register after two reviews: now making expected progress "
                                          "with quality-first teaching."))  # fmt: skip
            if plan.entries:
                last = plan.entries[-1]
                plan.needs = tuple(n for n in (last.primary, last.secondary) if n)
                plan.semh = "SEMH" in plan.needs
        entries, profiles = [], []
        for plan in self.plans:
            for entry in plan.entries:
                review = None
                if entry.end is None and not plan.archived and plan.pupil.leaving_date is None:
                    # about 12% overdue, 15% due within a fortnight, the rest later this term or next
                    days = [(rng.randint(-45, -1), 12), (rng.randint(0, 14), 15), (rng.randint(15, 120), 73)]
                    review = self.today + dt.timedelta(days=self.weighted(days))
                entries.append(pm.RegisterEntry(
                    pupil=plan.pupil, provision=entry.provision, primary_need=entry.primary,
                    secondary_need=entry.secondary, start_date=entry.start, end_date=entry.end,
                    review_date=review, notes=entry.notes,
                ))  # fmt: skip
            if plan.entries:
                profiles.append(self.profile(plan))
        pm.RegisterEntry.objects.bulk_create(entries, batch_size=BATCH)
        pm.PupilProfile.objects.bulk_create(profiles, batch_size=BATCH)
        self.counts["register entries"] = len(entries)
        self.counts["on the register now"] = sum(
            1 for p in self.plans if not p.archived and p.pupil.leaving_date is None and p.entry_on(self.today)
        )

    def profile(self, plan: PupilPlan) -> pm.PupilProfile:
        rng = self.rng
        name = plan.pupil.forename
        need = plan.needs[0] if plan.needs else "MLD"
        if plan.p_scale:
            need = "P"
        summary = rng.choice(NEEDS_SUMMARY.get(need, NEEDS_SUMMARY["OTH"]))
        helps = rng.sample(WHAT_HELPS.get(need, WHAT_HELPS["OTH"]), 2) + rng.sample(WHAT_HELPS["ANY"], 1)
        strengths = rng.sample(STRENGTHS, 2)
        return pm.PupilProfile(
            pupil=plan.pupil,
            needs_summary=summary,
            strengths="\n".join(f"- {s}" for s in strengths),
            what_helps="\n".join(f"- {h}" for h in helps),
            aspirations=f"{name} {rng.choice(ASPIRATIONS)}.",
            pupil_voice=" ".join(f"\u201c{q}\u201d" for q in rng.sample(PUPIL_VOICE, 2)),
            updated_by=self.senco,
        )

    def make_concerns(self) -> None:
        rng = self.rng
        concerns = []
        raisers = self.teachers[ENGLISH] + self.teachers[MATHS] + self.tas
        for plan in self.plans:
            if plan.status != "concern" or plan.archived:
                continue
            latest = min(self.today, plan.pupil.leaving_date or self.today) - dt.timedelta(days=3)
            raised = self.day_between(max(plan.pupil.admission_date + dt.timedelta(days=20),
                                          self.today - dt.timedelta(days=400)), latest)  # fmt: skip
            closed = None
            if rng.random() < 0.25 and (latest - raised).days > 60:
                closed = self.day_between(raised + dt.timedelta(days=42), latest)
            plan.concern_open_on = (raised, closed)
            concerns.append(pm.Concern(pupil=plan.pupil, raised_by=rng.choice(raisers), raised_on=raised,
                                       reason=rng.choice(CONCERN_REASONS), closed_on=closed))  # fmt: skip
        pm.Concern.objects.bulk_create(concerns)
        self.counts["concerns"] = len(concerns)

    # Teaching groups ---------------------------------------------------------------------------

    def make_groups(self) -> None:
        """This year's sets: e.g. 7E1-7E4 by prior attainment, with the SEN pupils mostly in lower sets."""
        rng = self.rng
        pm_groups, members = [], []
        sets_per_year = max(1, round(self.spec.pupils / 5 / 30))
        letter = {ENGLISH: "E", MATHS: "M", SCIENCE: "S"}
        load: dict[int, int] = {}
        for year_group in range(7, 12):
            pupils = [p for p in self.plans if not p.archived and p.pupil.leaving_date is None
                      and p.pupil.year_group == year_group]  # fmt: skip
            for subject in ASSESSED:
                def prior(p: PupilPlan, subject=subject) -> float:
                    if subject == SCIENCE:
                        return (p.baseline[ENGLISH] + p.baseline[MATHS]) / 2
                    return p.baseline[subject]
                ordered = sorted(pupils, key=lambda p: prior(p) + rng.gauss(0, 1.2), reverse=True)
                size = math.ceil(len(ordered) / sets_per_year)
                for s in range(sets_per_year):
                    name = f"{year_group}{letter[subject]}" + (f"{s + 1}" if sets_per_year > 1 else "")
                    group = pm.TeachingGroup(school=self.school, name=name, subject=self.subjects[subject],
                                             year_group=year_group)  # fmt: skip
                    teacher = self.teacher_for(subject, year_group, s, sets_per_year, load)
                    chunk = ordered[s * size:(s + 1) * size]
                    staff = [teacher]
                    # The lead TA supports the lowest English set in year 7 and maths set in year 8.
                    if self.tas and s == sets_per_year - 1 and (year_group, subject) in ((7, ENGLISH), (8, MATHS)):
                        staff.append(self.tas[0])
                    pm_groups.append(group)
                    members.append((group, chunk, staff))
                    for plan in chunk:
                        self.group_of[(id(plan), subject)] = group
        pm.TeachingGroup.objects.bulk_create(pm_groups)
        Through = pm.TeachingGroup.pupils.through
        StaffThrough = pm.TeachingGroup.staff.through
        Through.objects.bulk_create(
            [Through(teachinggroup_id=g.pk, pupil_id=p.pupil.pk) for g, chunk, _ in members for p in chunk],
            batch_size=BATCH,
        )
        StaffThrough.objects.bulk_create([StaffThrough(teachinggroup_id=g.pk, user_id=u.pk)
                                          for g, _, staff in members for u in staff])  # fmt: skip
        self.groups = members
        for group, _, staff in members:
            self.group_staff[group.pk] = staff
        self.counts["teaching groups"] = len(pm_groups)

    def teacher_for(self, subject: str, year_group: int, set_index: int, sets: int, load: dict) -> object:
        teachers = self.teachers[subject]
        # The demo "teacher" (first English teacher) takes lower sets, where most pupils with SEN are.
        if subject == ENGLISH and teachers:
            lead = teachers[0]
            wanted = {7: sets - 1, 8: sets - 1, 9: max(0, sets - 2), 10: sets - 1, 11: min(1, sets - 1)}
            if set_index == wanted[year_group]:
                load[lead.pk] = load.get(lead.pk, 0) + 1
                return lead
            others = teachers[1:] or teachers
        else:
            others = teachers
        chosen = min(others, key=lambda t: (load.get(t.pk, 0), t.pk))
        load[chosen.pk] = load.get(chosen.pk, 0) + 1
        return chosen

    # Baselines ---------------------------------------------------------------------------------

    def make_baselines_plan(self) -> None:
        """KS2 (everyone), KS1 (some) and on-entry (mid-year arrivals) baselines for English and maths."""
        rng = self.rng
        rows = []
        for plan in self.plans:
            if plan.p_scale:
                eng = rng.randint(7, 11)  # P4-P8
                maths = clamp(eng + rng.choice((-1, 0, 0, 1)), 7, 11)
            else:
                mean, sd = {"E": (15.5, 2.8), "K": (18.6, 2.6), "off": (19.8, 2.2)}.get(plan.status, (22.2, 2.5))
                eng = round(rng.gauss(mean, sd))
                maths = round(eng + rng.gauss(0, 1.4))
                if "SPLD" in plan.needs:
                    eng -= 2
                low = 11 if plan.status in ("K", "E") else 14
                eng, maths = clamp(eng, low, 29), clamp(maths, low, 29)
            plan.baseline = {ENGLISH: eng, MATHS: maths}
            ks2_year = plan.cohort_y7 - 1
            whole_levels = rng.random() < 0.35
            for subject, step in plan.baseline.items():
                if step == 11 and not plan.p_scale:
                    code = "W"
                elif whole_levels and step >= 12:
                    code = whole_level_code(step)
                    plan.baseline[subject] = parse_level(code).step  # a whole level scores as its "b"
                else:
                    code = step_code(step)
                rows.append(am.Baseline(pupil=plan.pupil, subject=self.subjects[subject], key_stage=am.KeyStage.KS2,
                                        result=code, academic_year=ks2_year, term="summer"))  # fmt: skip
                if rng.random() < 0.35:
                    ks1 = step - 2 if plan.p_scale else round(step - rng.gauss(6, 1.2))
                    ks1 = clamp(ks1, 1, 20)
                    if ks1 < 12 and not plan.p_scale:
                        ks1_code = "W"
                    elif ks1 >= 12 and rng.random() < 0.5:
                        ks1_code = whole_level_code(ks1)
                    else:
                        ks1_code = step_code(ks1)
                    rows.append(am.Baseline(pupil=plan.pupil, subject=self.subjects[subject],
                                            key_stage=am.KeyStage.KS1, result=ks1_code,
                                            academic_year=plan.cohort_y7 - 5, term="summer"))  # fmt: skip
        self.baseline_rows = rows

    # Interventions -----------------------------------------------------------------------------

    def make_interventions(self) -> None:
        rng = self.rng
        programmes = [
            im.Programme(school=self.school, name=p.name, area_of_need=p.area, description=p.description,
                         cost_per_session=Decimal(p.cost), default_measure=p.measure)  # fmt: skip
            for p in PROGRAMMES
        ]
        im.Programme.objects.bulk_create(programmes)
        self.programmes = {p.name: p for p in programmes}
        by_key = {p.key: p for p in PROGRAMMES}

        runs: list[tuple[ProgrammeSpec, dt.date, dt.date | None, str]] = []
        for year in range(self.first_year, self.year + 1):
            for term in TERMS:
                index = term_index(year, term)
                start_of_term = term_span(index)[0]
                for key in TIMETABLE[term]:
                    share = self.spec.intervention_share * (0.6 if year < self.first_year + 2 else 1.0)
                    if rng.random() >= share:
                        continue
                    spec = by_key[key]
                    weeks = spec.weeks
                    if spec.measure in ("reading", "spelling") and rng.random() < 0.1:
                        weeks = rng.choice((6, 7))  # a short run: its ratio gains are flagged
                    offset = {"autumn": 14, "spring": 9, "summer": 19}[term] + rng.randint(0, 6)
                    start = next_school_day(start_of_term + dt.timedelta(days=offset))
                    end = previous_school_day(start + dt.timedelta(days=7 * weeks - 3))
                    if end >= self.today - dt.timedelta(days=2):
                        continue  # this term's groups are planned below, relative to today
                    runs.append((spec, start, end, "past"))
        # Running now: some end within the fortnight (the SENCo's home lists them), one has no end
        # date, and one ended last week with its pupils still enrolled (it needs closing).
        t = self.today
        current = [("phonics", 70, 6), ("precision", 42, 11), ("maths", 56, 30), ("emotional", 35, 45),
                   ("slt", 60, None), ("social", 49, 13), ("paired", 84, -5)]  # fmt: skip
        if self.spec.intervention_share < 1:
            current = current[:2] + [("emotional", 35, 45)]
        for key, back, ahead in current:
            start = next_school_day(t - dt.timedelta(days=back))
            end = None if ahead is None else t + dt.timedelta(days=ahead)
            runs.append((by_key[key], start, end, "now"))

        ta_lead = self.tas[0]
        other_tas = self.tas[1:] or self.tas
        used_names: set[tuple[str, str]] = set()
        interventions = []
        self.left_open: set[int] = set()
        for spec, start, end, label in runs:
            if spec.key in ("phonics", "precision", "social", "emotional", "paired") or rng.random() < 0.3:
                staff = [ta_lead]
                if spec.key == "emotional" and rng.random() < 0.5:
                    staff.append(self.senco)
            else:
                staff = [rng.choice(other_tas)]
            term_label = f"{TERMS[term_of(start) % 3].capitalize()} {am.academic_year_label(academic_year_of(start))}"
            base = f"{spec.short}: {term_label}"
            name = base
            n = 2
            while (spec.name, name) in used_names:
                name = f"{base} ({'ABCDEFG'[n - 1]})"
                n += 1
            used_names.add((spec.name, name))
            cost = Decimal(spec.cost)
            intervention = im.Intervention(
                public_id=self.uuid(), programme=self.programmes[spec.name], name=name, schedule=spec.schedule,
                sessions_per_week=len(spec.days), cost_per_session=cost, measure=spec.measure,
                start_date=start, end_date=end,
            )  # fmt: skip
            interventions.append((intervention, spec, staff))
            if label == "now" and end is not None and end < self.today:
                self.left_open.add(id(intervention))
        im.Intervention.objects.bulk_create([i for i, _, _ in interventions])
        Through = im.Intervention.staff.through
        Through.objects.bulk_create([Through(intervention_id=i.pk, user_id=u.pk)
                                     for i, _, staff in interventions for u in staff])  # fmt: skip
        self.interventions = interventions
        self.make_enrolments()
        self.counts["interventions"] = len(interventions)

    def eligible(self, spec: ProgrammeSpec, start: dt.date, end: dt.date | None, busy: dict) -> list[PupilPlan]:
        until = end or self.today
        year_from, year_to = spec.years
        matches, fallback = [], []
        for plan in self.plans:
            if not (plan.on_roll(start) and plan.on_roll(min(until, self.today))):
                continue
            if not year_from <= plan.year_in(academic_year_of(start)) <= year_to:
                continue
            if busy.get(id(plan), 0) >= 2 or plan.pupil.leaving_date and plan.pupil.leaving_date < until:
                continue
            needs = plan.needs_on(start)
            concern = plan.concern_open_on and plan.concern_open_on[0] <= start and (
                plan.concern_open_on[1] is None or start <= plan.concern_open_on[1])
            if needs and (set(needs) & set(spec.needs) or (plan.p_scale and spec.key in ("phonics", "maths"))):
                matches.append(plan)
            elif needs or concern:
                fallback.append(plan)
        return matches + fallback[: max(0, 6 - len(matches))] if len(matches) < 4 else matches

    def make_enrolments(self) -> None:
        rng = self.rng
        enrolments = []
        busy: dict[int, int] = {}
        ends: dict[int, list[tuple[dt.date | None, int]]] = {}
        for intervention, spec, _staff in self.interventions:
            start, end = intervention.start_date, intervention.end_date
            # forget pupils whose earlier groups have finished
            for key, spans in list(ends.items()):
                spans[:] = [s for s in spans if s[0] is None or s[0] >= start]
                busy[key] = len(spans)
            candidates = self.eligible(spec, start, end, busy)
            if not candidates:
                continue
            size = min(len(candidates), rng.randint(*spec.group_size))
            chosen = rng.sample(candidates, size)
            chosen.sort(key=lambda p: (p.pupil.surname, p.pupil.forename, p.pupil.upn))
            overdue = id(intervention) in self.left_open  # ended, but nobody has closed the enrolments yet
            for plan in chosen:
                e_start = start
                if rng.random() >= 0.85:  # joined a week or two late
                    e_start = next_school_day(start + dt.timedelta(days=rng.randint(5, 12)))
                if end is not None and e_start > end:
                    e_start = start
                e_end, reason = end, "Programme completed" if end and end < self.today else ""
                if overdue:
                    e_end, reason = None, ""
                elif end is not None and end < self.today and rng.random() < 0.05:
                    stayed = dt.timedelta(days=(end - e_start).days * rng.uniform(0.4, 0.8))
                    e_end = previous_school_day(e_start + stayed)
                    e_end = max(e_end, e_start)
                    reason = rng.choice(EARLY_END_REASONS)
                enrolment = im.Enrolment(intervention=intervention, pupil=plan.pupil, start_date=e_start,
                                         end_date=e_end, end_reason=reason)  # fmt: skip
                enrolments.append((enrolment, plan))
                busy[id(plan)] = busy.get(id(plan), 0) + 1
                ends.setdefault(id(plan), []).append((e_end, intervention.pk))
                # Some pupils speed up in class after a literacy or numeracy intervention.
                if e_end is not None and e_end < self.today and spec.boosts and rng.random() < 0.55:
                    plan.boosts.append((spec.boosts, term_of(e_end) + 1, rng.uniform(0.1, 0.3)))
        im.Enrolment.objects.bulk_create([e for e, _ in enrolments], batch_size=BATCH)
        self.enrolments = enrolments
        self.counts["enrolments"] = len(enrolments)
        self.make_sessions()
        self.make_reading_tests()

    def make_sessions(self) -> None:
        rng = self.rng
        sessions, pending = [], []
        by_intervention: dict[int, list[tuple[im.Enrolment, float]]] = {}
        for enrolment, _plan in self.enrolments:
            by_intervention.setdefault(enrolment.intervention_id, []).append((enrolment, rng.uniform(0.72, 0.98)))
        for intervention, spec, staff in self.interventions:
            day = intervention.start_date
            last = min(intervention.end_date or self.today, self.today - dt.timedelta(days=1))
            days = []
            while day <= last:
                if day.weekday() in spec.days and is_school_day(day):
                    days.append(day)
                day += dt.timedelta(days=1)
            self.session_days[intervention.pk] = days
            for day in days:
                delivered = rng.random() > 0.05
                session = im.InterventionSession(
                    intervention=intervention, date=day, delivered=delivered,
                    note="" if delivered else rng.choice(NOT_DELIVERED_NOTES), logged_by=staff[0],
                )  # fmt: skip
                sessions.append(session)
                if delivered:
                    pending.append((session, intervention.pk, day))
        im.InterventionSession.objects.bulk_create(sessions, batch_size=BATCH)
        attendances = []
        for session, intervention_pk, day in pending:
            for enrolment, likelihood in by_intervention.get(intervention_pk, ()):
                if enrolment.start_date <= day and (enrolment.end_date is None or day <= enrolment.end_date):
                    attendances.append(im.Attendance(session=session, enrolment=enrolment,
                                                     attended=rng.random() < likelihood))  # fmt: skip
        im.Attendance.objects.bulk_create(attendances, batch_size=BATCH)
        self.counts["sessions"] = len(sessions)
        self.counts["attendance marks"] = len(attendances)

    def make_reading_tests(self) -> None:
        """Reading or spelling ages before and after the literacy interventions (docs/figures.md 9.7)."""
        rng = self.rng
        tests: dict[tuple[int, str, dt.date], am.ReadingTest] = {}
        state: dict[tuple[int, str], tuple[int, dt.date]] = {}
        skipped_post = 0
        changed = []
        for index, (enrolment, plan) in enumerate(sorted(self.enrolments, key=lambda e: (e[0].start_date, e[0].pk))):
            measure = enrolment.intervention.measure
            if measure not in ("reading", "spelling"):
                continue
            pupil = plan.pupil
            test_name = READING_TEST_NAMES[enrolment.intervention.programme.name]
            pre_day = previous_school_day(enrolment.start_date - dt.timedelta(days=rng.randint(0, 10)))
            ca = chronological_age_months(pupil.date_of_birth, pre_day)
            key = (pupil.pk, measure)
            if key in state:
                ra, when = state[key]
                ra += round(0.7 * (pre_day - when).days / 30.4375)
            elif plan.p_scale:
                ra = rng.randint(60, 76)
            else:
                deficit = rng.randint(18, 48) if plan.status in ("K", "E") else rng.randint(8, 30)
                ra = max(60, ca - deficit)
            pre = self.reading_test(tests, pupil, measure, test_name, pre_day, ra, ca)
            state[key] = (pre.age_equivalent_months, pre.tested_on)
            label = "Reading" if measure == "reading" else "Spelling"
            enrolment.entry_measure = f"{label} age {format_age_equivalent(pre.age_equivalent_months)}"
            changed.append(enrolment)
            if enrolment.end_date is None or enrolment.end_date >= self.today:
                continue
            if index % 23 == 5 and skipped_post < 2 + (self.spec.pupils >= 300):
                skipped_post += 1  # absent on the day of the post-test: no ratio gain for this one
                continue
            post_day = next_school_day(enrolment.end_date + dt.timedelta(days=rng.randint(-3, 7)))
            post_day = min(post_day, previous_school_day(self.today - dt.timedelta(days=1)))
            if post_day <= pre.tested_on:
                continue
            elapsed = (post_day - pre.tested_on).days / 30.4375
            band = self.weighted([((0.3, 1.35), 20), ((1.45, 1.95), 38), ((2.05, 2.9), 31), ((3.05, 4.5), 11)])
            ratio = rng.uniform(*band)
            ra_post = pre.age_equivalent_months + max(0, round(ratio * elapsed))
            ca_post = chronological_age_months(pupil.date_of_birth, post_day)
            post = self.reading_test(tests, pupil, measure, test_name, post_day, ra_post, ca_post)
            state[key] = (post.age_equivalent_months, post.tested_on)
            enrolment.exit_measure = f"{label} age {format_age_equivalent(post.age_equivalent_months)}"
        am.ReadingTest.objects.bulk_create(list(tests.values()), batch_size=BATCH)
        im.Enrolment.objects.bulk_update(changed, ["entry_measure", "exit_measure"], batch_size=BATCH)
        self.counts["reading and spelling tests"] = len(tests)

    def reading_test(self, tests: dict, pupil: pm.Pupil, measure: str, name: str, day: dt.date, ra: int,
                     ca: int) -> am.ReadingTest:  # fmt: skip
        key = (pupil.pk, measure, day)
        if key in tests:  # one test on a day serves as the post-test of one group and the pre-test of the next
            return tests[key]
        ra = int(clamp(ra, 48, 300))
        score = None
        if self.rng.random() < 0.9:
            score = int(clamp(round(100 + (ra - ca) * 0.5 + self.rng.gauss(0, 2)), 69, 135))
        tests[key] = am.ReadingTest(pupil=pupil, measure=measure, test_name=name, tested_on=day,
                                    age_equivalent_months=ra, standardised_score=score)  # fmt: skip
        return tests[key]

    # Assessments -------------------------------------------------------------------------------

    def make_assessments(self) -> None:
        """Termly teacher assessments in English, maths and science, with varied progress."""
        rng = self.rng
        am.Baseline.objects.bulk_create(self.baseline_rows, batch_size=BATCH)
        entry_rows = []
        windows = {}
        for index in range(term_index(self.first_year, "autumn"), self.last_term + 1):
            start, end = term_span(index)
            month, day = {"autumn": (12, 1), "spring": (3, 12), "summer": (7, 1)}[split_term(index)[1]]
            anchor = dt.date(start.year if month == 12 else end.year, month, day)
            windows[index] = {s: self.day_between(anchor, anchor + dt.timedelta(days=10)) for s in ASSESSED}
        for plan in self.plans:
            self.simulate(plan)
            if plan.pupil.admission_date > dt.date(plan.cohort_y7, 9, 10):
                # Mid-year arrival: an on-entry baseline in English and maths in the term they arrived.
                arrival = term_of(plan.pupil.admission_date)
                year, term = split_term(arrival)
                for subject in CORE:
                    entry_rows.append(am.Baseline(
                        pupil=plan.pupil, subject=self.subjects[subject], key_stage=am.KeyStage.ENTRY,
                        result=step_code(plan.steps[subject][arrival]), academic_year=year, term=term,
                    ))  # fmt: skip
        # A few pupils with SEMH needs made no sub-level gain in the last completed term in English
        # (some in maths too) while their SDQ, behaviour and ratings improved: the no-gain-but-semh
        # report must find them.
        previous = self.last_term - 1
        candidates = [
            p for p in self.plans
            if p.semh and p.status in ("K", "E") and not p.archived and p.pupil.leaving_date is None
            and self.assessed_terms(p)[:1] and self.assessed_terms(p)[0] <= previous
            and p.entries[0].start <= term_span(previous)[0]
        ]  # fmt: skip
        wanted = max(2, round(self.spec.pupils / 100))
        for plan in rng.sample(candidates, min(wanted, len(candidates))):
            plan.engineered_no_gain = True
            subjects = (ENGLISH, MATHS) if rng.random() < 0.5 else (ENGLISH,)
            for subject in subjects:
                plan.steps[subject][self.last_term] = plan.steps[subject][previous]
        rows = []
        for plan in self.plans:
            for index in self.assessed_terms(plan):
                year, term = split_term(index)
                for subject in ASSESSED:
                    group = self.group_of.get((id(plan), subject))
                    recorder = self.group_staff[group.pk][0] if group else self.teachers[subject][0]
                    result = step_code(plan.steps[subject][index])
                    parse_level(result)  # every stored result is a canonical ladder code
                    rows.append(am.Assessment(
                        pupil=plan.pupil, subject=self.subjects[subject], kind=am.AssessmentKind.TEACHER,
                        framework=am.Framework.NC, result=result, academic_year=year, term=term,
                        assessed_on=windows[index][subject], recorded_by=recorder,
                    ))  # fmt: skip
        am.Baseline.objects.bulk_create(entry_rows, batch_size=BATCH)
        am.Assessment.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["baselines"] = len(self.baseline_rows) + len(entry_rows)
        self.counts["assessments"] = len(rows)
        self.counts["no gain but better SEMH (engineered)"] = sum(p.engineered_no_gain for p in self.plans)

    def assessed_terms(self, plan: PupilPlan) -> list[int]:
        """Terms with a teacher assessment: on roll, from year 7, up to the last completed term."""
        first = max(plan.first_term, term_index(plan.cohort_y7, "autumn"))
        last = self.last_term if plan.last_term is None else min(self.last_term, plan.last_term)
        return list(range(first, last + 1))

    def simulate(self, plan: PupilPlan) -> None:
        """Steps on the ladder term by term from the KS2 baseline: a rate per pupil plus noise."""
        rng = self.rng
        if plan.p_scale:
            rate = clamp(rng.gauss(0.3, 0.08), 0.12, 0.5)  # about one P-level a year
        else:
            mean, sd = {"E": (0.42, 0.2), "K": (0.53, 0.2), "off": (0.62, 0.16)}.get(plan.status, (0.65, 0.13))
            rate = clamp(rng.gauss(mean, sd), 0.05, 1.1)
            top = max(plan.baseline.values())
            if top > 25:  # high attainers climb more slowly near the top of the ladder
                rate *= 1 - 0.06 * (top - 25)
        plan.rate = rate
        if plan.status in ("K", "E") and rng.random() < 0.12:
            plan.stall_from = term_index(plan.cohort_y7, "autumn") + rng.randint(1, 9)
        start = term_index(plan.cohort_y7 - 1, "summer")
        last = term_of(self.today) if plan.last_term is None else plan.last_term  # on-entry baselines need this term
        science_base = (plan.baseline[ENGLISH] + plan.baseline[MATHS]) / 2 + rng.gauss(0, 1.0)
        for subject in ASSESSED:
            base = plan.baseline[subject] if subject in CORE else science_base
            floor = (plan.baseline[subject] if subject in CORE else round(science_base)) - 1
            if plan.baseline.get(subject) == 11 and not plan.p_scale:
                floor = 11  # W: working towards level 1, never assessed below P8
            subject_rate = rate + rng.gauss(0, 0.07)
            latent = float(base)
            steps = {}
            for index in range(start + 1, last + 1):
                r = subject_rate
                if plan.stall_from is not None and plan.stall_from <= index < plan.stall_from + 4:
                    r = 0.1
                for boost_subject, boost_from, extra in plan.boosts:
                    if boost_subject == subject and boost_from <= index < boost_from + 2:
                        r += extra
                latent += r + rng.gauss(0, 0.26 if not plan.p_scale else 0.1)
                shown = round(latent + rng.gauss(0, 0.2))
                if plan.p_scale:
                    shown = min(shown, 13)
                steps[index] = int(clamp(shown, max(1, floor), 35))
            plan.steps[subject] = steps

    # SEMH, behaviour, ratings and self-assessment -----------------------------------------------

    def make_semh(self) -> None:
        rng = self.rng
        checklists, behaviour, ratings, selves = [], [], [], []
        boxall_left = max(2, round(8 * self.spec.pupils / DEFAULT_PUPILS))
        checkers = [self.senco] + self.tas[:1]
        for plan in self.plans:
            terms = self.assessed_terms(plan)
            # Behaviour points for everyone, every term: most pupils none or a few.
            lam = self.weighted([(0.3, 62), (1.5, 28), (5.0, 10)])
            if plan.semh:
                lam = rng.uniform(5, 10)
            points = 0
            for n, index in enumerate(terms):
                year, term = split_term(index)
                expected = lam * (0.93 ** n if plan.semh else 1)
                if plan.engineered_no_gain and index == self.last_term:
                    points = max(0, points - rng.randint(2, 4))  # fewer behaviour points too
                else:
                    points = self.poisson(expected)
                behaviour.append(am.BehaviourRecord(
                    pupil=plan.pupil, academic_year=year, term=term, points=points,
                    times_on_report=(rng.randint(1, 2) if points >= 8 else 0),
                ))  # fmt: skip
            on_register = [i for i in terms if plan.on_register_in(i)]
            if not on_register:
                continue
            # SDQ (teacher) every term for pupils with SEMH needs: mostly improving.
            if plan.semh:
                total = rng.uniform(17, 27)
                trend = rng.gauss(-0.8, 0.5)
                profile = self.weighted([((2, 4, 3, 2), 1), ((4, 2, 2, 3), 1), ((2, 3, 4, 2), 1), ((3, 3, 3, 3), 1)])
                prosocial = rng.uniform(3, 6)
                previous_total = None
                for n, index in enumerate(on_register):
                    value = clamp(total + rng.gauss(0, 1.5), 4, 36)
                    if plan.engineered_no_gain and index == self.last_term and previous_total is not None:
                        value = max(0, previous_total - rng.randint(2, 4))
                    scores = self.sdq_scores(round(value), profile, round(clamp(prosocial, 0, 10)))
                    previous_total = scores["total"]
                    year, term = split_term(index)
                    checklists.append(am.SemhChecklist(
                        pupil=plan.pupil, instrument=am.SemhInstrument.SDQ, academic_year=year, term=term,
                        completed_on=self.in_term_day(index, 0.6), total=Decimal(scores["total"]), scores=scores,
                        higher_is_better=False, completed_by=rng.choice(checkers),
                    ))  # fmt: skip
                    total += trend
                    prosocial += 0.25
                # A Boxall Profile in autumn and summer for a few younger pupils in the nurture group.
                if boxall_left and plan.year_in(split_term(on_register[0])[0]) <= 9 and rng.random() < 0.35:
                    boxall_left -= 1
                    section_1, section_2 = rng.uniform(55, 85), rng.uniform(45, 75)
                    for index in on_register:
                        if split_term(index)[1] == "spring":
                            continue
                        year, term = split_term(index)
                        checklists.append(am.SemhChecklist(
                            pupil=plan.pupil, instrument=am.SemhInstrument.BOXALL, academic_year=year, term=term,
                            completed_on=self.in_term_day(index, 0.4),
                            scores={"I": round(clamp(section_1, 0, 136)), "II": round(clamp(section_2, 0, 136))},
                            higher_is_better=True, completed_by=self.senco,
                        ))  # fmt: skip
                        section_1 += rng.uniform(3, 9)
                        section_2 -= rng.uniform(2, 8)
            # Engagement, understanding and mastery in English and maths while on the register.
            for subject in CORE:
                group = self.group_of.get((id(plan), subject))
                rater = self.group_staff[group.pk][0] if group else self.teachers[subject][0]
                for aspect in am.RatingAspect.values:
                    level = rng.gauss(2.1, 0.5)
                    slope = rng.gauss(0.13, 0.08)
                    previous = None
                    for n, index in enumerate(on_register):
                        value = int(clamp(round(level + slope * n + rng.gauss(0, 0.35)), 1, 5))
                        if plan.engineered_no_gain and index == self.last_term and previous is not None:
                            value = int(clamp(previous + 1, 1, 5)) if previous < 5 else 5
                        previous = value
                        year, term = split_term(index)
                        ratings.append(am.QualitativeRating(
                            pupil=plan.pupil, subject=self.subjects[subject], aspect=aspect, rating=value,
                            academic_year=year, term=term, rated_by=rater,
                        ))  # fmt: skip
            # Pupil voice: self-assessments in autumn and summer for some pupils.
            if rng.random() < 0.4:
                statements = rng.sample(SELF_STATEMENTS, 2)
                rating = rng.randint(1, 3)
                for index in on_register:
                    if split_term(index)[1] == "spring":
                        continue
                    year, term = split_term(index)
                    statement, comments = statements[(index // 3) % 2]
                    selves.append(am.SelfAssessment(
                        pupil=plan.pupil, statement=statement, rating=rating, comment=rng.choice(comments),
                        academic_year=year, term=term, recorded_on=self.in_term_day(index, 0.7),
                    ))  # fmt: skip
                    rating = min(5, rating + rng.choice((0, 1, 1)))
        am.SemhChecklist.objects.bulk_create(checklists, batch_size=BATCH)
        am.BehaviourRecord.objects.bulk_create(behaviour, batch_size=BATCH)
        am.QualitativeRating.objects.bulk_create(ratings, batch_size=BATCH)
        am.SelfAssessment.objects.bulk_create(selves, batch_size=BATCH)
        self.counts["SEMH checklists"] = len(checklists)
        self.counts["behaviour records"] = len(behaviour)
        self.counts["qualitative ratings"] = len(ratings)
        self.counts["self-assessments"] = len(selves)

    def sdq_scores(self, total: int, profile: tuple[int, int, int, int], prosocial: int) -> dict[str, int]:
        """Split an SDQ total difficulties score over its four subscales (each 0-10) by a profile."""
        weights = sum(profile)
        parts = [int(clamp(round(total * w / weights), 0, 10)) for w in profile]
        diff = total - sum(parts)
        i = 0
        while diff and i < 40:  # put rounding back where there is room
            j = i % 4
            if diff > 0 and parts[j] < 10:
                parts[j] += 1
                diff -= 1
            elif diff < 0 and parts[j] > 0:
                parts[j] -= 1
                diff += 1
            i += 1
        names = ("emotional", "conduct", "hyperactivity", "peer")
        scores = dict(zip(names, parts, strict=True))
        scores["total"] = sum(parts)
        scores["prosocial"] = prosocial
        return scores

    def in_term_day(self, index: int, fraction: float) -> dt.date:
        start, end = term_span(index)
        if split_term(index)[1] == "summer":
            end = dt.date(end.year, 7, 20)
        day = start + dt.timedelta(days=int((end - start).days * fraction))
        return min(next_school_day(day), self.today - dt.timedelta(days=1))

    # Comments ----------------------------------------------------------------------------------

    def make_comments(self) -> None:
        rng = self.rng
        wanted = self.spec.comments
        comments = []
        # Teachers: pupils in their groups, this year and last, most with SEN.
        group_pairs = []
        for group, chunk, staff in self.groups:
            for plan in chunk:
                group_pairs.append((group, plan, staff[0]))
        sen_pairs = [g for g in group_pairs if g[1].entries or g[1].status == "concern"]
        other_pairs = [g for g in group_pairs if not (g[1].entries or g[1].status == "concern")]
        ta_pairs = [(e, p) for e, p in self.enrolments if self.session_days.get(e.intervention_id)]
        since = max(dt.date(self.year - 1, 9, 1), self.today - dt.timedelta(days=450))
        lead_teacher = self.teachers[ENGLISH][0]
        for n in range(wanted):
            if ta_pairs and rng.random() < 0.45:
                enrolment, plan = rng.choice(ta_pairs)
                days = [d for d in self.session_days[enrolment.intervention_id]
                        if enrolment.start_date <= d and (enrolment.end_date is None or d <= enrolment.end_date)]
                if not days:
                    continue
                day = rng.choice(days)
                spec = next(s for i, s, _ in self.interventions if i.pk == enrolment.intervention_id)
                staff = next(st for i, _, st in self.interventions if i.pk == enrolment.intervention_id)
                objective, activity, outcome, subject = self.comment_text(PROGRAMME_COMMENTS[spec.key], plan)
                level = ""
                if subject and rng.random() < 0.25:
                    level = self.level_on(plan, subject, day)
                comments.append(im.Comment(
                    public_id=self.uuid(), pupil=plan.pupil, author=rng.choice(staff), observed_on=day,
                    objective=objective, activity=activity, outcome=outcome, level=level,
                    subject=self.subjects.get(subject) if subject else None, intervention_id=enrolment.intervention_id,
                ))  # fmt: skip
            else:
                pool = sen_pairs if sen_pairs and rng.random() < 0.7 else (other_pairs or sen_pairs)
                if not pool:
                    continue
                # The demo teacher writes often, so their pages have something to show.
                if rng.random() < 0.2:
                    mine = [g for g in pool if g[2] is lead_teacher]
                    pool = mine or pool
                group, plan, teacher = rng.choice(pool)
                start = max(since, plan.pupil.admission_date)
                if n % 3 == 0:
                    start = max(start, dt.date(self.year, 9, 1))  # a third from this term
                day = self.day_between(start, self.today - dt.timedelta(days=1))
                subject = group.subject.code
                objective, activity, outcome, _ = self.comment_text(SUBJECT_COMMENTS[subject], plan)
                level = self.level_on(plan, subject, day) if rng.random() < 0.45 else ""
                comments.append(im.Comment(
                    public_id=self.uuid(), pupil=plan.pupil, author=teacher, observed_on=day, objective=objective,
                    activity=activity, outcome=outcome, level=level, subject=group.subject,
                ))  # fmt: skip
        for comment in comments:
            if comment.level:
                parse_level(comment.level)
        im.Comment.objects.bulk_create(comments, batch_size=BATCH)
        self.counts["comments"] = len(comments)

    def comment_text(self, templates: Sequence[CommentTemplate], plan: PupilPlan) -> tuple[str, str, str, str | None]:
        rng = self.rng
        template = rng.choice(templates)
        fill = {"name": plan.pupil.forename, **{k: rng.choice(v) for k, v in SLOTS.items()}}
        return (template.objective.format(**fill), rng.choice(template.activities).format(**fill),
                rng.choice(template.outcomes).format(**fill), template.subject)  # fmt: skip

    def level_on(self, plan: PupilPlan, subject: str, day: dt.date) -> str:
        """The pupil's assessed level in the subject in the term of ``day`` (or the latest before it)."""
        steps = plan.steps.get(subject, {})
        index = term_of(day)
        known = [i for i in steps if i <= index]
        return step_code(steps[max(known)]) if known else ""

    # Targets -----------------------------------------------------------------------------------

    def make_targets(self) -> None:
        """This year's targets in English and maths for pupils on the register: the suggestion that challenges."""
        targets = []
        summer = term_index(self.year, "summer")
        ks2_span = 15
        for plan in self.plans:
            if plan.archived or plan.pupil.leaving_date or not plan.entry_on(self.today):
                continue
            for subject in CORE:
                base = plan.baseline[subject]
                assessed = [i for i in plan.steps.get(subject, {}) if i <= self.last_term]
                latest = plan.steps[subject][max(assessed)] if assessed else base
                if plan.p_scale:
                    target = latest + 2
                else:
                    elapsed = summer - term_index(plan.cohort_y7 - 1, "summer")
                    # Expected progress plus one level: 4 levels (12 sub-levels) in 15 terms, pro rata
                    # (docs/figures.md 9.4's exceeding line), at least one step on.
                    target = max(base + round(12 * elapsed / ks2_span), latest + 1)
                targets.append(am.Target(
                    pupil=plan.pupil, subject=self.subjects[subject], academic_year=self.year,
                    result=step_code(min(target, 35)), suggested=True, set_by=self.senco,
                ))  # fmt: skip
        am.Target.objects.bulk_create(targets, batch_size=BATCH)
        self.counts["targets"] = len(targets)


# --- Seeding, resetting and listing -------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    school: str
    password: str


def demo_users():
    return get_user_model().objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")


def clashing_usernames(pupils: int = DEFAULT_PUPILS) -> list[str]:
    """Usernames the demo would create that belong to real (non-demo) accounts."""
    wanted = [s.username for spec in school_specs(pupils) for s in spec.staff] + [TRUST_USERNAME]
    wanted += [username for username, _ in plans_demo.PARENT_LOGINS]
    User = get_user_model()
    taken = User.objects.filter(username__in=wanted).exclude(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    return sorted(taken.values_list("username", flat=True))


@transaction.atomic
def reset() -> dict[str, int]:
    """Delete the demo schools, their pupils and everything about them, the demo trust (when it has no
    other school) and the demo accounts. Other schools and accounts are left alone. Demo data keeps
    no audit history: the deletes write none."""
    deleted: dict[str, int] = {}
    schools = pm.School.objects.filter(code__in=DEMO_SCHOOL_CODES)
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        im.Intervention.objects.filter(programme__school__in=schools).delete()
        _, counts = pm.Pupil.objects.filter(school__in=schools).delete()
    deleted["pupils"] = counts.get("pupils.Pupil", 0)
    deleted["schools"] = schools.delete()[1].get("pupils.School", 0)
    pm.Trust.objects.filter(name=DEMO_TRUST_NAME, schools__isnull=True).delete()
    deleted["accounts"] = demo_users().delete()[1].get(get_user_model()._meta.label, 0)
    return deleted


@transaction.atomic
def seed(*, today: dt.date | None = None, pupils: int = DEFAULT_PUPILS,
         progress: Callable[[str], None] | None = None) -> dict[str, dict[str, int]]:  # fmt: skip
    """Create the demo trust, its two schools and the demo accounts. The caller checks the database is ready."""
    today = today or timezone.localdate()
    say = progress or (lambda _text: None)
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo account shares it
    trust, _ = pm.Trust.objects.get_or_create(name=DEMO_TRUST_NAME)
    subjects = {}
    for code, name, core, position in SUBJECTS:
        defaults = {"name": name, "core": core, "position": position}
        subject, _ = pm.Subject.objects.get_or_create(code=code, defaults=defaults)
        subjects[code] = subject
    summary = {}
    for spec in school_specs(pupils):
        builder = SchoolBuilder(spec, today=today, trust=trust, subjects=subjects, password_hash=password_hash)
        summary[spec.name] = builder.build()
        summary[spec.name] |= plans_demo.seed(builder.school, today=today, senco=builder.senco, password_hash=password_hash,
                                              parents=spec.code == DEMO_SCHOOL_CODE)  # fmt: skip
        say(f"{spec.name}: {builder.counts['pupils']} pupils on roll")
    User = get_user_model()
    trust_user = User.objects.create(username=TRUST_USERNAME, first_name="Andrew", last_name="Blake",
                                     email=f"{TRUST_USERNAME}@{DEMO_EMAIL_DOMAIN}", password=password_hash)  # fmt: skip
    pm.TrustMembership.objects.create(user=trust_user, trust=trust)
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create(username=ADMIN_USERNAME, email=f"{ADMIN_USERNAME}@{DEMO_EMAIL_DOMAIN}",
                            password=password_hash, is_staff=True, is_superuser=True)  # fmt: skip
    return summary


ROLE_ORDER = {pm.Role.SENCO: 0, pm.Role.TEACHER: 1, pm.Role.TA: 2, pm.Role.GOVERNOR: 3, pm.Role.DATA_MANAGER: 4,
              pm.Role.PARENT: 5}  # fmt: skip


def demo_logins() -> list[DemoLogin]:
    """The demo accounts with their role and school; the password column says when one was changed."""
    users = list(demo_users().order_by("pk"))
    if not users:
        return []
    # Every demo account was given the same hash, so one (slow, deliberately) check covers them all.
    reference = next((u.password for u in users if check_password(DEMO_PASSWORD, u.password)), None)
    memberships = (
        pm.Membership.objects.filter(user__in=users, school__code__in=DEMO_SCHOOL_CODES).select_related("school")
    )
    by_user: dict[int, list[pm.Membership]] = {}
    for m in memberships:
        by_user.setdefault(m.user_id, []).append(m)
    trusts = dict(pm.TrustMembership.objects.filter(user__in=users).values_list("user_id", "trust__name"))
    rows = []
    for user in users:
        password = DEMO_PASSWORD if user.password == reference else "(changed)"
        for m in by_user.get(user.pk, []):
            rows.append((ROLE_ORDER.get(m.role, 9), m.school.code, user.username,
                         DemoLogin(user.username, m.get_role_display(), m.school.name, password)))  # fmt: skip
        if user.pk in trusts:
            login = DemoLogin(user.username, "Trust (aggregates only)", trusts[user.pk], password)
            rows.append((5, "~", user.username, login))
        if user.is_superuser and user.pk not in by_user and user.pk not in trusts:
            rows.append((6, "~", user.username, DemoLogin(user.username, "Superuser (admin site)", "-", password)))

    def order(row):
        rank, school, username, _ = row
        return (0 if username in MAIN_LOGINS else 1, school, rank, username)

    return [row[3] for row in sorted(rows, key=order)]


def sign_in_hints() -> list[tuple[str, str]]:
    """(username, role) of the main demo accounts for the sign-in page in development: one query."""
    memberships = (
        pm.Membership.objects.filter(
            user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}", user__username__in=MAIN_LOGINS,
            school__code=DEMO_SCHOOL_CODE,
        )
        .select_related("user")
        .order_by("pk")
    )
    return [(m.user.username, m.get_role_display()) for m in memberships]


def format_logins(logins: Iterable[DemoLogin]) -> list[str]:
    logins = list(logins)
    header = DemoLogin("username", "role", "school", "password")
    widths = [max(len(getattr(r, f)) for r in [header, *logins]) for f in ("username", "role", "school")]
    lines = []
    for i, r in enumerate([header, *logins]):
        lines.append(f"  {r.username:<{widths[0]}}  {r.role:<{widths[1]}}  {r.school:<{widths[2]}}  {r.password}")
        if i == 0:
            lines.append("  " + "  ".join("-" * w for w in [*widths, len("password")]))
    return lines


# --- Programmes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeSpec:
    key: str
    name: str
    short: str
    area: str
    cost: str
    measure: str
    description: str
    schedule: str
    days: tuple[int, ...]  # weekdays, Monday 0
    weeks: int
    needs: tuple[str, ...]
    years: tuple[int, int]
    group_size: tuple[int, int]
    boosts: str | None  # the subject a successful run can speed up in class


A = im.AreaOfNeed
PROGRAMMES = (
    ProgrammeSpec(
        "phonics", "Phonics catch-up", "Phonics catch-up", A.COGNITION, "18.00", im.MeasureKind.READING,
        "Systematic synthetic phonics for older pupils reading well below their age: sounds, blending and "
        "decodable texts, with a reading-age check at the start and the end.",
        "Mon, Wed and Fri 8:40-9:00, library", (0, 2, 4), 16, ("SPLD", "MLD", "SLCN", "NSA"), (7, 8), (4, 6),
        ENGLISH,
    ),
    ProgrammeSpec(
        "precision", "Precision teaching: spelling", "Precision spelling", A.COGNITION, "12.00",
        im.MeasureKind.SPELLING,
        "One-minute probes on a small set of target words each session, charted so the pupil sees their "
        "fluency grow; words move on when they are secure three sessions running.",
        "Tue and Thu 8:45-9:00, learning support base", (1, 3), 15, ("SPLD", "MLD", "NSA"), (7, 9), (3, 5),
        ENGLISH,
    ),
    ProgrammeSpec(
        "maths", "Maths catch-up", "Maths catch-up", A.COGNITION, "20.00", im.MeasureKind.NONE,
        "Small-group number sense: place value and the four operations with concrete and pictorial models, "
        "then the same ideas in written methods.",
        "Mon and Wed 9:00-9:20, room M2", (0, 2), 12, ("MLD", "SPLD", "NSA"), (7, 9), (4, 6), MATHS,
    ),
    ProgrammeSpec(
        "social", "Social skills group", "Social skills", A.COMMUNICATION, "15.00", im.MeasureKind.SDQ,
        "Structured games and role-play for turn-taking, starting and keeping up a conversation, and "
        "making and keeping friends.",
        "Thu 12:45-13:20, nurture room", (3,), 10, ("ASD", "SLCN", "SEMH"), (7, 10), (4, 6), None,
    ),
    ProgrammeSpec(
        "slt", "Speech and language group", "Speech and language", A.COMMUNICATION, "35.00",
        im.MeasureKind.NONE,
        "Vocabulary, narrative and understanding of spoken language, planned with the speech and language "
        "therapist and delivered by a trained TA.",
        "Tue and Fri 9:00-9:30, learning support base", (1, 4), 12, ("SLCN", "ASD", "HI"), (7, 9), (3, 5),
        ENGLISH,
    ),
    ProgrammeSpec(
        "handwriting", "Handwriting and fine motor skills", "Handwriting", A.SENSORY, "10.00",
        im.MeasureKind.NONE,
        "Letter formation, pencil grip, posture and fine-motor warm-ups, following the occupational "
        "therapist's programme; moving to a laptop where handwriting stays slow.",
        "Mon and Thu 8:40-9:00, room E5", (0, 3), 8, ("PD", "SPLD", "VI", "MSI"), (7, 8), (3, 5), None,
    ),
    ProgrammeSpec(
        "emotional", "Emotional literacy and anger management", "Emotional literacy", A.SEMH, "25.00",
        im.MeasureKind.SDQ,
        "Naming feelings, noticing triggers and practising calming strategies, with a weekly check-in and "
        "a plan shared with tutors.",
        "Wed 13:30-14:15, nurture room", (2,), 10, ("SEMH",), (7, 11), (4, 6), None,
    ),
    ProgrammeSpec(
        "paired", "Paired reading", "Paired reading", A.COGNITION, "8.00", im.MeasureKind.READING,
        "A trained sixth-form or year-10 reading buddy reads with a younger pupil three times a week, using "
        "the pause, prompt and praise routine.",
        "Mon, Tue and Thu 8:40-9:00, library", (0, 1, 3), 16, ("SPLD", "MLD", "SLCN", "EAL", "NSA"), (7, 9),
        (4, 8), ENGLISH,
    ),
)
del A
TIMETABLE = {
    "autumn": ("phonics", "precision", "maths", "social", "slt"),
    "spring": ("paired", "precision", "emotional", "handwriting", "maths"),
    "summer": ("phonics", "slt", "emotional", "social"),
}
READING_TEST_NAMES = {
    "Phonics catch-up": "Salford Sentence Reading Test",
    "Paired reading": "New Group Reading Test",
    "Precision teaching: spelling": "Single Word Spelling Test",
}
EARLY_END_REASONS = (
    "Targets met early: back to class support only",
    "Moved to a group that suits the timetable better",
    "Timetable clash with an options subject",
    "Parent asked for the pupil to stop",
)
NOT_DELIVERED_NOTES = (
    "TA covering a class",
    "Mock exams in the hall",
    "Staff training day",
    "Group out on a trip",
    "TA absent",
)


# --- Names ------------------------------------------------------------------------------------------

GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella", "Lily", "Evie",
    "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Charlotte", "Jessica", "Chloe", "Ruby", "Daisy",
    "Florence", "Phoebe", "Millie", "Scarlett", "Matilda", "Sienna", "Elsie", "Alice", "Holly", "Erin", "Amber",
    "Lucy", "Eva", "Imogen", "Megan", "Hannah", "Niamh", "Leah", "Rosie", "Esme", "Harriet", "Eleanor",
    "Abigail", "Lola", "Maisie", "Jasmine", "Ellie", "Katie", "Summer", "Martha", "Edith", "Bethany", "Keira",
)  # fmt: skip
GIRLS_EAL = (
    "Aisha", "Fatima", "Maryam", "Amira", "Priya", "Anaya", "Zara", "Layla", "Nadia", "Hana", "Zuzanna", "Maja",
    "Oliwia", "Ioana", "Ada", "Chiamaka", "Simran", "Ayesha", "Noor", "Sara", "Aleksandra", "Mei", "Yasmin",
)  # fmt: skip
BOYS = (
    "Oliver", "Harry", "George", "Noah", "Jack", "Jacob", "Leo", "Oscar", "Charlie", "Alfie", "Henry", "Thomas",
    "Joshua", "Freddie", "Archie", "James", "William", "Ethan", "Isaac", "Alexander", "Joseph", "Edward",
    "Samuel", "Max", "Daniel", "Arthur", "Lucas", "Logan", "Theo", "Harrison", "Benjamin", "Mason", "Finley",
    "Adam", "Dylan", "Zachary", "Riley", "Teddy", "Toby", "Louie", "Reuben", "Elliot", "Tyler", "Jude", "Finn",
    "Rory", "Kian", "Nathan", "Aaron", "Ollie", "Bobby", "Stanley", "Frankie", "Callum", "Kai", "Ryan",
)  # fmt: skip
BOYS_EAL = (
    "Muhammad", "Mohammed", "Ibrahim", "Yusuf", "Omar", "Ayaan", "Arjun", "Rohan", "Kacper", "Jakub", "Filip",
    "Mateusz", "Luca", "Hamza", "Ali", "Emeka", "Tomasz", "Andrei", "Bilal", "Zain", "Dawid", "Kofi", "Wei",
)  # fmt: skip
NEUTRAL = ("Alex", "Sam", "Jordan", "Robin", "Charlie", "Jamie", "Rowan", "Sasha")
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Lewis",
    "James", "Phillips", "Mason", "Mitchell", "Rose", "Cox", "Morris", "King", "Lee", "Baker", "Harris",
    "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "Turner", "Edwards", "Allen", "Young",
    "Anderson", "Scott", "Carter", "Bell", "Parker", "Murphy", "Collins", "Cook", "Morgan", "Bailey", "Shaw",
    "Kelly", "Campbell", "Stewart", "Graham", "Murray", "Reid", "Price", "Lloyd", "Griffiths", "Owen", "Powell",
    "Watson", "Marshall", "Chapman", "Ellis", "Richardson", "Gray", "Holmes", "Mills", "Palmer", "Fox",
    "Barnes", "Fisher", "Webb", "Simpson", "Knight", "Hunt", "Butler", "Stevens", "Russell", "Dixon", "Pearce",
    "Burton", "Lawrence", "Foster", "Hart", "Lambert", "Booth", "Pearson", "Atkinson", "Spencer", "Hudson",
    "Sutton", "O'Brien", "Doyle", "Byrne", "Francis", "Barker", "Rees", "Jenkins", "Hayes", "Bennett", "Wells",
    "Walsh", "Brooks", "Kennedy", "Fraser", "Osborne", "Gibson", "Hamilton", "Ross", "Kaur", "Patel", "Khan",
)  # fmt: skip
SURNAMES_EAL = (
    "Begum", "Ali", "Hussain", "Ahmed", "Singh", "Kaur", "Shah", "Patel", "Khan", "Nowak", "Kowalski",
    "Wojcik", "Okafor", "Adeyemi", "Mensah", "Owusu", "Nguyen", "Chen", "Wong", "Santos", "Silva", "Popescu",
    "Ionescu", "Hassan", "Mahmood", "Iqbal", "Akhtar", "Chowdhury", "Rahman", "Miah", "Uddin", "Mohamed",
)  # fmt: skip
NEIGHBOUR_LAS = (887, 845, 938, 852)


# --- The register and profiles ---------------------------------------------------------------------

# SEN support in secondary schools (national data, rounded): SEMH, SpLD, SLCN and MLD commonest.
NEED_WEIGHTS_K = (
    ("SEMH", 24), ("SPLD", 17), ("SLCN", 14), ("MLD", 14), ("ASD", 10), ("NSA", 5), ("OTH", 4), ("HI", 3),
    ("PD", 3), ("VI", 2),
)  # fmt: skip
# EHC plans: autism the commonest primary need, then SEMH and SLCN.
NEED_WEIGHTS_E = (
    ("ASD", 30), ("SEMH", 16), ("SLCN", 14), ("MLD", 10), ("SLD", 6), ("PD", 6), ("HI", 5), ("SPLD", 5),
    ("VI", 3), ("MSI", 1), ("PMLD", 1),
)  # fmt: skip
SECONDARY_NEEDS = (("SEMH", 30), ("SLCN", 20), ("SPLD", 15), ("MLD", 10), ("ASD", 10), ("OTH", 10), ("PD", 5))
IDENTIFIED_NOTES = (
    "Identified after the year 7 reading screening and a meeting with parents.",
    "Raised by the form tutor; assessment by the SENCo confirmed needs beyond quality-first teaching.",
    "Placed on SEN support after an educational psychologist's assessment.",
    "Added after a referral from the pastoral team and a conversation with the family.",
)

NEEDS_SUMMARY = {
    "SPLD": (
        "Dyslexic profile: decoding and spelling are well below age; understanding when text is read aloud is good.",
        "Specific difficulties with working memory and processing speed; written work takes much longer than peers'.",
    ),
    "MLD": (
        "Learns steadily with small steps and plenty of repetition; reading and number are below age-related levels.",
        "Needs new vocabulary pre-taught and concepts shown concretely before moving to abstract work.",
    ),
    "SLCN": (
        "Understanding of spoken language is below age: long instructions and subject vocabulary are hard to hold.",
        "Speech is sometimes hard to follow when excited; expressive vocabulary is developing with SLT support.",
    ),
    "ASD": (
        "Autistic. Finds changes to routine and noisy, busy spaces hard; thrives with clear structure.",
        "Autistic, with strong, focused interests; social communication and unstructured times are the challenge.",
    ),
    "SEMH": (
        "Anxiety affects attendance and joining in; progress is best when relationships with staff are secure.",
        "Can become dysregulated when frustrated; working on recognising feelings early and using a calm-down plan.",
        "Low self-esteem and difficulty managing friendships; a key adult check-in helps the day start well.",
    ),
    "HI": ("Moderate hearing loss, wears hearing aids; uses a radio aid in lessons.",),
    "VI": ("Visual impairment: needs enlarged print (N18) and a seat near the board with good light.",),
    "PD": ("Cerebral palsy affecting fine motor control; uses a laptop for extended writing and has a physio plan.",),
    "MSI": ("Combined hearing and vision loss; works with the sensory support service and an intervenor.",),
    "OTH": ("Medical needs (epilepsy) with a health care plan; some missed learning after hospital stays.",),
    "NSA": ("On SEN support while the school gathers evidence; no specialist assessment yet.",),
    "SLD": ("Severe learning difficulties; working on P-scales in English and maths with a personalised curriculum.",),
    "PMLD": ("Profound and multiple learning difficulties; communicates through gesture, sounds and a switch.",),
    "P": (
        "Working below national curriculum level 1 in English and maths (P-scales); learns best through practical, "
        "multi-sensory activities with lots of repetition.",
        "Severe learning difficulties; uses symbols and Makaton alongside speech, and follows a personalised "
        "timetable with some lessons in the learning support base.",
    ),
}
WHAT_HELPS = {
    "ANY": (
        "A quiet word before the lesson about what is coming up",
        "Praise that names exactly what went well",
        "Time to answer: wait before asking someone else",
        "Being given a job or responsibility in the room",
        "Knowing who to go to at break and lunch",
    ),
    "SPLD": ("Handouts on cream paper in a clear font", "Not being asked to read aloud without warning",
             "Key words on a card to keep on the desk", "Using a laptop or a scribe for longer writing"),
    "MLD": ("Instructions one step at a time", "Concrete objects and pictures before abstract work",
            "Over-learning: short daily practice of the same skill",
            "Checking understanding by asking me to explain back"),
    "SLCN": ("Short sentences and visual prompts", "Key vocabulary taught before the lesson",
             "Being shown, not only told, what to do", "A partner to check instructions with"),
    "ASD": ("A visual timetable and warning of changes", "Leaving lessons a few minutes early to avoid the crowds",
            "A quiet space at lunchtime", "Clear, literal language rather than idioms"),
    "SEMH": ("A calm, private word rather than being told off in front of others", "A time-out card I can use",
             "A morning check-in with my key adult", "A seat by the door"),
    "HI": ("Seeing the teacher's face when they speak", "Subtitles on videos", "The radio aid being switched on"),
    "VI": ("Enlarged print", "Sitting near the board", "Copies of slides on my tablet"),
    "PD": ("Using my laptop", "Extra time to move between lessons", "A sloped writing board"),
    "MSI": ("Working with my intervenor", "Good light and a quiet room", "Tactile resources"),
    "OTH": ("Knowing my health care plan is understood", "Catch-up work after absence", "Rest breaks when tired"),
    "NSA": ("Instructions written down as well as said", "A check that I have started the task"),
    "SLD": ("Symbols alongside words", "A familiar adult", "Practical, hands-on tasks"),
    "PMLD": ("Routines I recognise", "Objects of reference", "Time to respond"),
    "P": ("Symbols and Makaton alongside speech", "Practical, hands-on tasks with real objects",
          "The same routine each lesson", "Lots of praise and short, achievable steps"),
}
STRENGTHS = (
    "Kind and thoughtful, especially with younger pupils",
    "Strong practical skills in design technology",
    "A talented footballer who plays for a local club",
    "An excellent memory for facts about animals",
    "Loves art and draws detailed comic strips",
    "Works hard when a task is broken into clear steps",
    "A great sense of humour",
    "A confident speaker in small groups",
    "Enjoys maths puzzles and spots patterns quickly",
    "A loyal friend and a good listener",
    "Very creative: tells imaginative stories out loud",
    "Reliable; likes helping staff set up the room",
    "Knows a huge amount about computers and gaming",
    "Sings in the school choir",
    "Looks after the school's chickens in the eco club",
)
ASPIRATIONS = (
    "wants to be a vet", "would like to work with cars as a mechanic", "hopes to study childcare at college",
    "wants to join the armed forces", "would like to design video games", "wants to be a chef",
    "hopes to become a paramedic", "wants to run a hair and beauty salon", "would like to coach football",
    "wants to work with animals at a zoo or farm", "hopes to be an electrician like an older brother",
    "would like to be a youth worker", "wants to go to college and then into construction",
    "hopes to work in a nursery", "wants to be a professional artist",
)
PUPIL_VOICE = (
    "I like it when teachers give me the instructions one at a time.",
    "It helps when I can sit near the front.",
    "I don't like reading out loud in front of the class.",
    "Lunchtime club is the best part of my day.",
    "Writing on the laptop is much easier for me.",
    "I want people to know I am trying hard even when it doesn't look like it.",
    "When I get angry I need a few minutes on my own, then I'm OK.",
    "I learn best when I can see an example first.",
    "I get worried when there is a supply teacher.",
    "Maths is my favourite because there is a right answer.",
    "I like working with Miss in the small group because it's quiet.",
    "Please don't make a big deal when I get something right, just tell me quietly.",
)
CONCERN_REASONS = (
    "Reading age about two years below chronological age in the year 7 screening; watching progress in English.",
    "Struggles to start written tasks and copies slowly from the board.",
    "Parent reports anxiety about school and difficulty sleeping; referred to the pastoral team.",
    "Quiet and withdrawn in tutor time; attendance has dropped this half term.",
    "Difficulty following multi-step instructions in practical lessons.",
    "Speech sometimes hard to understand; checking the primary school's records.",
    "Maths teacher reports gaps in number bonds and place value well below the rest of the set.",
    "Frequent headaches and tiredness in lessons; eyesight check suggested to parents.",
)


# --- SEMH and pupil voice -----------------------------------------------------------------------------

SELF_STATEMENTS = (
    ("I can read a page of my reading book on my own", ("I still get stuck on long words.", "I read it to my mum.")),
    ("I can ask for help when I am stuck", ("I put my hand up more now.", "I use my help card.")),
    ("I can use a number line to add and subtract", ("Negative numbers are harder.", "I did it without the TA.")),
    ("I can stay calm when something goes wrong", ("I use my breathing.", "Sometimes I still walk out.")),
    ("I can write a paragraph with a topic sentence", ("I use the PEE frame.", "I wrote two paragraphs!")),
    ("I can join in a group discussion", ("I said one thing in English.", "It is easier with people I know.")),
    ("I can organise my bag and equipment for the day", ("I check my timetable the night before.",
                                                         "I forgot my PE kit once.")),
)


# --- Comments ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentTemplate:
    objective: str
    activities: tuple[str, ...]
    outcomes: tuple[str, ...]
    subject: str | None = None


SLOTS = {
    "text": ("Holes", "Wonder", "Kensuke's Kingdom", "The Boy at the Back of the Class", "A Christmas Carol",
             "Private Peaceful", "a newspaper report on plastic in the sea"),
    "topic": ("fractions", "negative numbers", "area and perimeter", "ratio", "place value", "angles"),
    "science": ("plant and animal cells", "the particle model", "forces and motion", "circuits", "acids and alkalis"),
}
SUBJECT_COMMENTS = {
    ENGLISH: (
        CommentTemplate("To infer a character's feelings from what they say and do",
                        ("Guided reading of {text} in a group of four", "Hot-seating a character from {text}"),
                        ("{name} explained why the character was afraid, using a quotation without prompting.",
                         "{name} found two clues in the text and said what each one showed.")),
        CommentTemplate("To write a paragraph with a clear topic sentence",
                        ("Shared writing, then a paragraph on {text} with a writing frame",),
                        ("{name} wrote a topic sentence and two supporting sentences independently for the first time.",
                         "{name} used the frame for the first paragraph and wrote the second without it.")),
        CommentTemplate("To use full stops and capital letters consistently",
                        ("Editing a partner's work with a checklist", "Proof-reading own draft before handing in"),
                        ("{name} found and corrected four missing full stops in their own work.",
                         "{name} demarcated every sentence correctly in a half-page piece.")),
        CommentTemplate("To read aloud with expression",
                        ("Reading a part in a play script of {text}",),
                        ("{name} volunteered to read a part and changed voice for the dialogue.",
                         "{name} read a short passage to the group, pausing at the commas.")),
        CommentTemplate("To use evidence from the text to support a point",
                        ("Point-evidence-explain paragraph on {text}",),
                        ("{name} chose a relevant quotation and began to explain it in their own words.",
                         "{name} used two pieces of evidence and explained one in detail.")),
        CommentTemplate("To spell words with the -tion and -sion endings",
                        ("Word sort followed by a dictated sentence",),
                        ("{name} spelled 8 of 10 target words correctly in a dictated sentence.",
                         "{name} explained the rule for -sion after s to a partner.")),
    ),
    MATHS: (
        CommentTemplate("To add and subtract fractions with the same denominator",
                        ("Fraction walls and then written examples", "Paired problems on {topic}"),
                        ("{name} used the fraction wall to check answers and then worked without it.",
                         "{name} explained why the denominator stays the same.")),
        CommentTemplate("To use a number line with negative numbers",
                        ("Temperature problems on a vertical number line",),
                        ("{name} answered six temperature questions correctly, counting on the number line.",
                         "{name} worked out a fall from 3 to -4 without the number line.")),
        CommentTemplate("To recall multiplication facts to 10 x 10",
                        ("Times-table grid race and a short oral quiz",),
                        ("{name} recalled the 6 and 7 times tables quickly and accurately.",
                         "{name} used known facts to work out 8 x 7 from 8 x 5 and 8 x 2.")),
        CommentTemplate("To find the area of rectangles and compound shapes",
                        ("Measuring the classroom floor plan", "Squared-paper investigation on {topic}"),
                        ("{name} split an L-shape into two rectangles and found the total area.",
                         "{name} explained the difference between area and perimeter to the group.")),
        CommentTemplate("To solve two-step word problems",
                        ("Bar-model problems in pairs",),
                        ("{name} drew a bar model to organise the information and solved both steps.",
                         "{name} identified the two steps before starting, with one prompt.")),
        CommentTemplate("To round numbers to the nearest 10, 100 and 1000",
                        ("Rounding game with number cards",),
                        ("{name} rounded four-digit numbers correctly and explained the halfway rule.",)),
    ),
    SCIENCE: (
        CommentTemplate("To plan a fair test",
                        ("Practical on {science} in groups of three",),
                        ("{name} named the variable to change and two to keep the same.",
                         "{name} suggested repeating the measurement to check it.")),
        CommentTemplate("To record results in a table",
                        ("Investigation on {science} with a results table to design",),
                        ("{name} drew a table with headings and units without a template.",
                         "{name} recorded all readings neatly and spotted one anomaly.")),
        CommentTemplate("To label and describe the parts of a cell",
                        ("Microscope work and a labelled drawing",),
                        ("{name} labelled the nucleus, membrane and cytoplasm and said what each does.",)),
        CommentTemplate("To explain observations using scientific vocabulary",
                        ("Demonstration and think-pair-share on {science}",),
                        ("{name} used the word 'particles' correctly to explain what happened.",
                         "{name} answered a question in front of the class using the key word from the lesson.")),
    ),
}
PROGRAMME_COMMENTS = {
    "phonics": (
        CommentTemplate("To blend and read words with adjacent consonants",
                        ("Sound buttons and a decodable reader",), (
                            "{name} blended CCVC words such as 'spot' and 'trip' without support.",
                            "{name} read the decodable text with only two errors and self-corrected one.",
                        ), ENGLISH),
        CommentTemplate("To read common exception words on sight",
                        ("Flash cards and a word hunt in the reading book",),
                        ("{name} read 15 of 20 target words on sight, up from 9 last week.",), ENGLISH),
    ),
    "precision": (
        CommentTemplate("To spell the target words fluently",
                        ("One-minute precision-teaching probe",),
                        ("{name} wrote 14 target words correctly in a minute, a new best on the chart.",
                         "{name} reached the aim on this set of words for the third session running."), ENGLISH),
    ),
    "paired": (
        CommentTemplate("To read with fluency using pause, prompt, praise",
                        ("Paired reading with a year-10 reading buddy",),
                        ("{name} read a full chapter with the buddy and talked about what might happen next.",
                         "{name} corrected their own mistakes after a pause, without a prompt."), ENGLISH),
    ),
    "maths": (
        CommentTemplate("To understand place value in three-digit numbers",
                        ("Base-ten blocks and place-value charts",),
                        ("{name} partitioned 346 in two different ways using the blocks.",
                         "{name} explained why 305 and 350 are different numbers."), MATHS),
        CommentTemplate("To use known facts to subtract mentally",
                        ("Number bonds game and a number line",),
                        ("{name} used bonds to 10 to work out 43 - 8 mentally.",), MATHS),
    ),
    "social": (
        CommentTemplate("To take turns and wait in a group game",
                        ("Structured board game with a turn-taking card",),
                        ("{name} waited for their turn throughout the game and congratulated the winner.",
                         "{name} noticed another pupil had not had a turn and passed them the dice."), None),
        CommentTemplate("To start and keep up a conversation",
                        ("Role-play: meeting someone new",),
                        ("{name} asked two follow-up questions in the role-play.",), None),
    ),
    "slt": (
        CommentTemplate("To use question words to ask for information",
                        ("Barrier game with picture cards",),
                        ("{name} asked 'where' and 'what colour' questions to complete the picture.",), ENGLISH),
        CommentTemplate("To retell a short story in sequence",
                        ("Story map with four pictures",),
                        ("{name} retold the story in order using 'first', 'next' and 'finally'.",), ENGLISH),
    ),
    "handwriting": (
        CommentTemplate("To form letters of consistent size on the line",
                        ("Warm-up exercises and handwriting practice on wide-lined paper",),
                        ("{name} kept letters on the line for a whole sentence.",
                         "{name} used the tripod grip without a reminder."), None),
    ),
    "emotional": (
        CommentTemplate("To name a feeling and notice where it shows in the body",
                        ("Feelings thermometer and body map",),
                        ("{name} described feeling 'tight in the chest' when worried and suggested a breathing "
                         "strategy.",
                         "{name} placed themself on the thermometer and explained why."), None),
        CommentTemplate("To use a calming strategy when frustrated",
                        ("Role-play of a difficult situation in class",),
                        ("{name} told the group they had used the time-out card in maths instead of walking "
                         "out.",), None),
    ),
}

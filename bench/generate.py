"""A synthetic trust, written into the real models' tables by the bulk path.

PostgreSQL gets COPY, any other database ``bulk_create``. Ids are allocated here so foreign keys
need no read-back; one seed gives the same rows for the same anchor day. The shape of a school:
bench/README.md, "The data" (:func:`_school` has the exact rules). On its own:
``python -m bench.generate --scale small``, with DATABASE_URL pointing at an empty, migrated database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# Pure modules (no Django): safe to import before settings are configured.
from assessments.ladder import STEP_CODES
from sencotrack.parsing import TERM_ORDER, default_term_dates, term_for_date

#: One seed for every scale: the same command gives the same rows.
DEFAULT_SEED = 20240901
#: Every benchmark account has this password (the benchmark database is local and throwaway).
PASSWORD = "bench-password-not-a-secret"
SUBJECTS = (("english", "English", True), ("maths", "Maths", True), ("science", "Science", False),
            ("computing", "Computing", False))  # fmt: skip
YEAR_GROUPS = (7, 8, 9, 10, 11)
TERMS_OF_HISTORY = 18  # six academic years of termly assessments
GROUP_SIZE = 30
MISSING_ASSESSMENT_RATE = 0.01
TEACHERS_PER_SCHOOL = 20
INTERVENTIONS_PER_YEAR = 10
PUPILS_PER_INTERVENTION = 8
SESSIONS_PER_WEEK = 2
INTERVENTION_WEEKS = 12


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    pupils: int  # in the whole trust

    def pupils_at(self, index: int) -> int:
        """Pupils at the school numbered ``index`` (0-based): shared out evenly, the rest to the first."""
        share, rest = divmod(self.pupils, self.schools)
        return share + (rest if index == 0 else 0)


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 1, 30),
    "small": Scale("small", 1, 1_000),
    "medium": Scale("medium", 10, 10_000),
    "large": Scale("large", 50, 60_000),
}


@dataclass
class Generated:
    """What :func:`generate` wrote: rows per table (the promise the smoke test checks) and handles."""

    scale: str
    seed: int
    anchor: dt.date
    report_year: int  # the last ended term: the termly pack's term
    report_term: str
    rows: dict[str, int] = field(default_factory=dict)
    trust_id: int = 0
    school_ids: list[int] = field(default_factory=list)
    senco_usernames: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "scale": self.scale, "seed": self.seed, "anchor": self.anchor.isoformat(),
            "report_term": {"academic_year": self.report_year, "term": self.report_term},
            "rows": dict(self.rows), "rows_total": sum(self.rows.values()), "seconds": round(self.seconds, 2),
        }


# --- Writers ------------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, (dict, list)):
        return json.dumps(value).translate(_COPY_ESCAPES)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)  # int, Decimal, date, UUID


class Writer:
    """Writes rows (tuples of attribute values, in the order of ``fields``) into a model's table.

    Columns not given are filled the way Django would on insert: ``auto_now``/``auto_now_add``
    with the generation timestamp, otherwise the field's (constant) default or NULL.
    """

    def __init__(self, connection, now: dt.datetime):
        self.connection = connection
        self.now = now
        self.rows: dict[str, int] = {}
        self.models: list = []

    def _fill(self, model, fields: Sequence[str]) -> tuple[list[str], list]:
        names, values = [], []
        given = set(fields)
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = self.now
            elif f.has_default():
                if f.unique and not f.primary_key:
                    raise ValueError(f"{model.__name__}.{f.name} is unique: give it in every row")
                value = f.get_default()
            elif f.null:
                value = None
            elif f.blank and f.empty_strings_allowed:
                value = ""  # an optional text field, left empty as a form would leave it
            else:
                raise ValueError(f"{model.__name__}.{f.name} has no default: give it in every row")
            names.append(f.attname)
            values.append(value)
        unknown = given - {f.attname for f in model._meta.concrete_fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        return names, values

    def write(self, model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        extra_names, extra_values = self._fill(model, fields)
        count = self._write(model, list(fields), extra_names, extra_values, rows)
        label = model._meta.label
        self.rows[label] = self.rows.get(label, 0) + count
        if model not in self.models:
            self.models.append(model)
        return count

    def _write(self, model, fields, extra_names, extra_values, rows) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style

        statements = self.connection.ops.sequence_reset_sql(no_style(), self.models)
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class CopyWriter(Writer):
    """PostgreSQL COPY ... FROM STDIN in text format, a chunk of rows at a time."""

    CHUNK = 50_000

    def _write(self, model, fields, extra_names, extra_values, rows) -> int:
        quote = self.connection.ops.quote_name
        by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
        columns = ", ".join(quote(by_attname[n]) for n in [*fields, *extra_names])
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        suffix = "".join("\t" + _copy_text(v) for v in extra_values) + "\n"
        count = 0
        lines: list[str] = []
        with self.connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg2 cursor under Django's wrapper
            for row in rows:
                lines.append("\t".join([_copy_text(v) for v in row]) + suffix)
                if len(lines) >= self.CHUNK:
                    cursor.copy_expert(sql, io.StringIO("".join(lines)))
                    count += len(lines)
                    lines = []
            if lines:
                cursor.copy_expert(sql, io.StringIO("".join(lines)))
                count += len(lines)
        return count


class BulkCreateWriter(Writer):
    """Any database: ``bulk_create`` in batches (Django fills auto_now fields itself)."""

    BATCH = 2_000

    def _write(self, model, fields, extra_names, extra_values, rows) -> int:
        count = 0
        batch = []
        for row in rows:
            obj = model(**dict(zip(fields, row)))
            for name, value in zip(extra_names, extra_values):
                if not hasattr(obj, name) or getattr(obj, name) is None:
                    setattr(obj, name, value)
            batch.append(obj)
            if len(batch) >= self.BATCH:
                model.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
            count += len(batch)
        return count


def writer_for(connection, now: dt.datetime) -> Writer:
    return CopyWriter(connection, now) if connection.vendor == "postgresql" else BulkCreateWriter(connection, now)


class Ids:
    """Primary keys handed out after the highest one already in each table."""

    def __init__(self):
        self._next: dict = {}

    def take(self, model, count: int = 1) -> int:
        """The first of ``count`` consecutive new ids."""
        if model not in self._next:
            from django.db.models import Max

            self._next[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        first = self._next[model]
        self._next[model] = first + count
        return first


# --- Terms and ladder helpers ---------------------------------------------------------------------


def last_ended_term(today: dt.date) -> tuple[int, str]:
    year, term = term_for_date(today)
    while default_term_dates(year, term)[1] >= today:
        position = TERM_ORDER.index(term)
        year, term = (year - 1, TERM_ORDER[-1]) if position == 0 else (year, TERM_ORDER[position - 1])
    return year, term


def _term_of(index: int) -> tuple[int, str]:
    year, position = divmod(index, 3)
    return year, TERM_ORDER[position]


def _code(step: float) -> str:
    return STEP_CODES[min(36, max(1, int(round(step)))) - 1]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


FORENAMES = ("Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Evie Poppy Ella "
             "Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie "
             "Finley Alfie Thomas Jacob Isaac Zara Aisha Priya Kwame Tomasz Lena Mateo Yusuf Chloe Daniel").split()
SURNAMES = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker "
            "White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper Hill Ward "
            "Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis Parker James "
            "Bennett Young Phillips Richardson Mitchell Bailey Carter Cook Singh Shaw Bell Collins Morgan Kelly "
            "Begum Miller Cox Hussain Marshall Simpson Price Anderson Adams Wilkinson Ali Ahmed Foster").split()
NEEDS = (("SPLD", 20), ("MLD", 15), ("SEMH", 20), ("SLCN", 14), ("ASD", 14), ("HI", 2), ("VI", 2),
         ("PD", 3), ("SLD", 2), ("OTH", 3), ("NSA", 5))  # fmt: skip
PROGRAMMES = (
    ("Toe by Toe", "cognition", "reading"), ("Paired reading", "cognition", "reading"),
    ("Fresh Start phonics", "cognition", "reading"), ("Reading Recovery", "cognition", "reading"),
    ("Precision teaching spelling", "cognition", "spelling"), ("Nessy spelling", "cognition", "spelling"),
    ("Lego therapy", "communication", "none"), ("Talkabout", "communication", "none"),
    ("Social skills group", "semh", "sdq"), ("Nurture group", "semh", "boxall"),
    ("Numicon catch-up", "cognition", "none"), ("Handwriting and fine motor", "sensory", "none"),
)  # fmt: skip


def _weighted(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


# --- The generator ----------------------------------------------------------------------------------


@dataclass
class SchoolState:
    """What the trust-wide, term-by-term pass needs from a school written by :func:`_school`."""

    school_id: int
    index: int
    pupils: list  # (id, year group, KS2 step, rate per term, provision, need, entry year, born)
    teachers: list[int]
    tests: list  # reading-test rows (pupil, measure, name, day, months, score)


def _termly(w: Writer, ids: Ids, states: list[SchoolState], *, seed: int, subject_ids: list[int],
            history: list[int], am, progress) -> None:
    """Teacher assessments and behaviour term by term across the whole trust, reading tests by date.

    This is the order a live database receives them in (every school records in the same terms),
    so a pupil's history is spread over the table and each school's rows are interleaved with the
    others': reads by pupil or by school pay what they would pay in production, and the planner's
    statistics (correlation with the physical order) are what they would be.
    """
    rngs = {st.index: random.Random(f"{seed}-school-{st.index}-terms") for st in states}
    n_rows = sum(len(st.pupils) for st in states) * len(subject_ids) * len(history)
    first = ids.take(am.Assessment, n_rows)

    def assessment_rows():
        k = first
        for number, ti in enumerate(history, 1):
            year, term = _term_of(ti)
            assessed_on = default_term_dates(year, term)[1] - dt.timedelta(days=10)
            for st in states:
                rng, teachers = rngs[st.index], st.teachers
                for s, sid in enumerate(subject_ids):
                    offset = (s - 1.5) * 0.8
                    for pid, yg, ks2, rate, provision, need, entry_year, born in st.pupils:
                        if rng.random() < MISSING_ASSESSMENT_RATE:
                            k += 1
                            continue
                        step = ks2 + offset + rate * (ti - (entry_year - 1) * 3 - 2) + rng.choice((-1, 0, 0, 0, 0, 1))
                        yield (k, pid, sid, "teacher", "nc", _code(step), assessed_on, teachers[pid % len(teachers)],
                               year, term)
                        k += 1
            if len(states) > 1:
                progress(f"  teacher assessments: term {number}/{len(history)} written")

    w.write(am.Assessment, ["id", "pupil_id", "subject_id", "kind", "framework", "result", "assessed_on",
                            "recorded_by_id", "academic_year", "term"], assessment_rows())

    behaviour = []
    for ti in history:
        year, term = _term_of(ti)
        for st in states:
            rng = rngs[st.index]
            for n, (pid, yg, ks2, rate, provision, need, entry_year, born) in enumerate(st.pupils):
                if n % 4 == 0 or need == "SEMH":
                    behaviour.append((pid, -rng.randrange(0, 30), rng.randrange(0, 2), year, term))
    first = ids.take(am.BehaviourRecord, len(behaviour))
    w.write(am.BehaviourRecord, ["id", "pupil_id", "points", "times_on_report", "academic_year", "term"],
            [(first + i, *r) for i, r in enumerate(behaviour)])
    del behaviour

    tests = sorted((row for st in states for row in st.tests), key=lambda r: r[3])  # by day, stable
    first = ids.take(am.ReadingTest, len(tests))
    w.write(am.ReadingTest, ["id", "pupil_id", "measure", "test_name", "tested_on", "age_equivalent_months",
                             "standardised_score"], [(first + i, *r) for i, r in enumerate(tests)])


def generate(scale: Scale, *, seed: int = DEFAULT_SEED, anchor: dt.date | None = None, writer: Writer | None = None,
             progress=print) -> Generated:
    """Write a trust of ``scale.schools`` schools and ``scale.pupils`` pupils; returns the promise."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from assessments import models as am
    from pupils import models as pm

    started = time.perf_counter()
    anchor = anchor or dt.date.today()
    report_year, report_term = last_ended_term(anchor)
    report_index = report_year * 3 + ("autumn", "spring", "summer").index(report_term)
    now = dt.datetime.combine(anchor, dt.time(12, 0), tzinfo=dt.timezone.utc)
    out = Generated(scale.name, seed, anchor, report_year, report_term)

    with transaction.atomic():
        w = writer or writer_for(connection, now)
        ids = Ids()
        User = get_user_model()
        password = make_password(PASSWORD, salt="benchsalt")  # hashed once: every account shares it

        trust_id = ids.take(pm.Trust)
        w.write(pm.Trust, ["id", "name"], [(trust_id, f"Bench Trust {seed}-{trust_id}")])
        out.trust_id = trust_id

        subjects = []
        for position, (code, name, core) in enumerate(SUBJECTS):
            subject, _ = pm.Subject.objects.get_or_create(code=code, defaults={"name": name, "core": core,
                                                                               "position": position})
            subjects.append(subject)
        subject_ids = [s.pk for s in subjects]

        user_fields = ["id", "password", "username", "first_name", "last_name", "email", "is_staff",
                       "is_superuser", "is_active", "date_joined", "last_login"]
        trust_user = ids.take(User)
        w.write(User, user_fields, [(trust_user, password, f"bench-trust-{trust_id}", "Trust", "Lead",
                                     "trust@bench.invalid", False, False, True, now, None)])
        w.write(pm.TrustMembership, ["id", "user_id", "trust_id"], [(ids.take(pm.TrustMembership), trust_user, trust_id)])

        states = []
        for index in range(scale.schools):
            school_rng = random.Random(f"{seed}-school-{index}")
            state = _school(
                w, ids, school_rng, index, scale.pupils_at(index), trust_id=trust_id, subject_ids=subject_ids,
                password=password, user_fields=user_fields, now=now, anchor=anchor, report_index=report_index,
                out=out, am=am, pm=pm,
            )
            states.append(state)
            out.school_ids.append(state.school_id)
            progress(f"  school {index + 1}/{scale.schools} written ({sum(w.rows.values()):,} rows so far)")
        history = list(range(report_index - TERMS_OF_HISTORY + 1, report_index + 1))
        _termly(w, ids, states, seed=seed, subject_ids=subject_ids, history=history, am=am, progress=progress)
        progress(f"  termly records written ({sum(w.rows.values()):,} rows in all)")
        w.reset_sequences()
    out.rows = dict(sorted(w.rows.items()))
    out.seconds = time.perf_counter() - started
    return out


def _school(w: Writer, ids: Ids, rng: random.Random, index: int, n_pupils: int, *, trust_id, subject_ids, password,
            user_fields, now, anchor, report_index, out: Generated, am, pm) -> SchoolState:
    """Everything of one school except the termly records, which :func:`_termly` writes for the whole trust."""
    from django.contrib.auth import get_user_model

    from interventions import models as im
    from pupils.upn import make_upn

    User = get_user_model()
    current_year = report_index // 3 + (1 if report_index % 3 == 2 else 0)  # the academic year now running
    first_index = report_index - TERMS_OF_HISTORY + 1
    history = list(range(first_index, report_index + 1))

    # The school, its years and terms (the default dates of docs/operations.md)
    school_id = ids.take(pm.School)
    # Public ids come from their own stream, keyed by the school's id: a second trust in the same
    # database gets new ones, and every other value still follows the seed alone.
    uuids = random.Random(f"{rng.random()}-{school_id}")
    code = f"bench-{school_id:03d}"
    w.write(pm.School, ["id", "trust_id", "name", "code", "urn", "ks2_span", "points_scheme"],
            [(school_id, trust_id, f"Bench Academy {school_id}", code, f"{140000 + school_id}", "KS2-KS4",
              "NS2007-extended")])
    years = list(range(first_index // 3, current_year + 1))
    year_ids = {y: ids.take(am.AcademicYear) for y in years}
    w.write(am.AcademicYear, ["id", "school_id", "start_year"], [(year_ids[y], school_id, y) for y in years])
    w.write(am.Term, ["id", "academic_year_id", "name", "start_date", "end_date"],
            [(ids.take(am.Term), year_ids[y], t, *default_term_dates(y, t))
             for y in years for t in ("autumn", "spring", "summer")])

    # Staff: a SENCo, teachers, two TAs, a governor, a data manager
    staff = [("senco", "senco"), *[(f"teacher-{j}", "teacher") for j in range(TEACHERS_PER_SCHOOL)],
             ("ta-0", "ta"), ("ta-1", "ta"), ("governor", "governor"), ("data", "data_manager")]
    first_user = ids.take(User, len(staff))
    users = {name: first_user + i for i, (name, _) in enumerate(staff)}
    w.write(User, user_fields, [
        (users[name], password, f"{code}-{name}", rng.choice(FORENAMES), rng.choice(SURNAMES),
         f"{name}@{code}.bench.invalid", False, False, True, now, None) for name, _ in staff
    ])
    w.write(pm.Membership, ["id", "user_id", "school_id", "role"],
            [(ids.take(pm.Membership), users[name], school_id, role) for name, role in staff])
    out.senco_usernames.append(f"{code}-senco")
    teachers = [users[f"teacher-{j}"] for j in range(TEACHERS_PER_SCHOOL)]
    tas = [users["ta-0"], users["ta-1"]]

    # Pupils
    pupil_first = ids.take(pm.Pupil, n_pupils)
    pupils = []  # (id, year_group, ability step at KS2, rate per term, sen provision or None, need)
    seen_upns = set()
    pupil_rows = []
    per_year = {yg: 0 for yg in YEAR_GROUPS}
    for i in range(n_pupils):
        pid = pupil_first + i
        yg = YEAR_GROUPS[i % len(YEAR_GROUPS)]
        serial = per_year[yg]
        per_year[yg] += 1
        entry_year = current_year - (yg - 7)  # the September they joined Year 7
        upn = make_upn(801, 1000 + index, (entry_year + serial // 1000) % 100, serial % 1000)
        if upn in seen_upns:  # pragma: no cover - the scheme above cannot repeat within a school
            raise RuntimeError(f"duplicate UPN {upn}")
        seen_upns.add(upn)
        born = dt.date(entry_year - 12, 9, 1) + dt.timedelta(days=rng.randrange(365))
        roll = rng.random()
        provision = "E" if roll < 0.03 else "K" if roll < 0.17 else None
        if provision == "E":
            ks2 = rng.gauss(11, 4)
        elif provision == "K":
            ks2 = rng.gauss(17, 3)
        else:
            ks2 = rng.gauss(22, 3)
        ks2 = min(30.0, max(2.0, ks2))
        rate = max(0.1, rng.gauss(0.45 if provision else 0.6, 0.18))
        need = _weighted(rng, NEEDS if provision == "K" else [n for n in NEEDS if n[0] != "NSA"]) if provision else ""
        pupils.append((pid, yg, ks2, rate, provision, need, entry_year, born))
        pupil_rows.append((pid, _uuid(uuids), school_id, upn, rng.choice(SURNAMES), rng.choice(FORENAMES), born,
                           "X" if rng.random() < 0.02 else rng.choice("FM"), yg, rng.random() < 0.25,
                           rng.random() < 0.15, rng.random() < 0.01, dt.date(entry_year, 9, 1), None, None))
    w.write(pm.Pupil, ["id", "public_id", "school_id", "upn", "surname", "forename", "date_of_birth", "gender",
                       "year_group", "pupil_premium", "eal", "looked_after", "admission_date", "leaving_date",
                       "archived_at"], pupil_rows)
    del pupil_rows

    # Baselines: KS1 (summer of Year 2) and KS2 (summer of Year 6) in every subject
    def baseline_rows():
        first = ids.take(am.Baseline, n_pupils * len(subject_ids) * 2)
        k = 0
        for pid, yg, ks2, rate, provision, need, entry_year, born in pupils:
            for s, sid in enumerate(subject_ids):
                offset = (s - 1.5) * 0.8
                ks1_code = _code(ks2 - 7 + offset)
                ks2_code = "B" if rng.random() < 0.01 else _code(ks2 + offset)
                yield (first + k, pid, sid, "KS1", ks1_code, entry_year - 5, "summer")
                yield (first + k + 1, pid, sid, "KS2", ks2_code, entry_year - 1, "summer")
                k += 2

    w.write(am.Baseline, ["id", "pupil_id", "subject_id", "key_stage", "result", "academic_year", "term"],
            baseline_rows())

    # Targets for the current academic year
    def target_rows():
        first = ids.take(am.Target, n_pupils * len(subject_ids))
        k = 0
        for pid, yg, ks2, rate, provision, need, entry_year, born in pupils:
            ks2_index = (entry_year - 1) * 3 + 2
            for s, sid in enumerate(subject_ids):
                goal = ks2 + (s - 1.5) * 0.8 + 0.6 * (current_year * 3 + 2 - ks2_index)
                yield (first + k, pid, sid, current_year, _code(goal), True, None)
                k += 1

    w.write(am.Target, ["id", "pupil_id", "subject_id", "academic_year", "result", "suggested", "set_by_id"],
            target_rows())

    # The SEN register, profiles and concerns
    register, profiles, concerns = [], [], []
    sen_pupils, concern_pupils = [], []
    for pid, yg, ks2, rate, provision, need, entry_year, born in pupils:
        joined = dt.date(entry_year, 9, 1)
        if provision:
            start = joined + dt.timedelta(days=rng.randrange(0, 400))
            start = min(start, anchor - dt.timedelta(days=30))
            if rng.random() < 0.3 and start - joined > dt.timedelta(days=120):
                earlier_end = start - dt.timedelta(days=1)
                register.append((pid, "K", need if need != "NSA" else "MLD", "", joined, earlier_end, None,
                                 "Moved on to the current provision."))
            secondary = ""
            if rng.random() < 0.3:
                secondary = rng.choice([n for n, _ in NEEDS if n not in (need, "NSA")])
            review = start + dt.timedelta(days=365)
            while review < anchor - dt.timedelta(days=60):
                review += dt.timedelta(days=182)
            register.append((pid, provision, need, secondary, start, None, review, "Reviewed with parents."))
            profiles.append((pid, f"Needs summary for pupil {pid}.", "Art, football, kindness.",
                             "Instructions one step at a time; a quiet place to work.", "To be a vet.",
                             "I like it when I can show what I know with pictures."))
            sen_pupils.append((pid, provision, need))
        elif rng.random() < 0.03:
            start = joined + dt.timedelta(days=rng.randrange(0, 200))
            if start < anchor - dt.timedelta(days=200):
                register.append((pid, "K", "SPLD", "", start, start + dt.timedelta(days=180), None,
                                 "No longer needed."))
        elif rng.random() < 0.02:
            concern_pupils.append(pid)
            concerns.append((pid, None, anchor - dt.timedelta(days=rng.randrange(5, 150)),
                             "Struggling to start written tasks; watch this half term.", None))
    first = ids.take(pm.RegisterEntry, len(register))
    w.write(pm.RegisterEntry, ["id", "pupil_id", "provision", "primary_need", "secondary_need", "start_date",
                               "end_date", "review_date", "notes"],
            [(first + i, *row) for i, row in enumerate(register)])
    first = ids.take(pm.PupilProfile, len(profiles))
    w.write(pm.PupilProfile, ["id", "pupil_id", "needs_summary", "strengths", "what_helps", "aspirations",
                              "pupil_voice", "updated_by_id"],
            [(first + i, *row, users["senco"]) for i, row in enumerate(profiles)])
    first = ids.take(pm.Concern, len(concerns))
    w.write(pm.Concern, ["id", "pupil_id", "raised_by_id", "raised_on", "reason", "closed_on"],
            [(first + i, row[0], users["senco"], *row[2:]) for i, row in enumerate(concerns)])

    # Teaching groups of 30 by year group and subject, sets by ability
    group_rows, group_staff, group_pupils = [], [], []
    letters = {sid: code[0].upper() for sid, (code, _, _) in zip(subject_ids, SUBJECTS)}
    for yg in YEAR_GROUPS:
        cohort = sorted((p for p in pupils if p[1] == yg), key=lambda p: -p[2])
        for sid in subject_ids:
            for g in range(math.ceil(len(cohort) / GROUP_SIZE)):
                gid = ids.take(pm.TeachingGroup)
                group_rows.append((gid, school_id, f"{yg}{letters[sid]}{g + 1}", sid, yg))
                group_staff.append((gid, teachers[(gid * 7) % len(teachers)]))
                group_pupils.extend((gid, p[0]) for p in cohort[g * GROUP_SIZE:(g + 1) * GROUP_SIZE])
    w.write(pm.TeachingGroup, ["id", "school_id", "name", "subject_id", "year_group"], group_rows)
    through = pm.TeachingGroup.staff.through
    first = ids.take(through, len(group_staff))
    w.write(through, ["id", "teachinggroup_id", "user_id"], [(first + i, *r) for i, r in enumerate(group_staff)])
    through = pm.TeachingGroup.pupils.through
    first = ids.take(through, len(group_pupils))
    w.write(through, ["id", "teachinggroup_id", "pupil_id"], [(first + i, *r) for i, r in enumerate(group_pupils)])

    # Reading ages: a reading test every September for every pupil
    tests = {}  # (pupil, measure, day) -> row, so intervention tests never land on the same day
    for year in range(current_year - 5, current_year + 1):  # year by year, as tested
        day = dt.date(year, 9, 15) + dt.timedelta(days=index % 7)
        if day > anchor:
            continue
        for pid, yg, ks2, rate, provision, need, entry_year, born in pupils:
            age = (day - born).days * 12 // 365
            months = max(40, min(300, age + int((ks2 - 21) * 4) + rng.randrange(-6, 7)))
            tests[(pid, "reading", day)] = (pid, "reading", "NGRT", day, months,
                                            max(40, min(160, int(100 + (ks2 - 21) * 3 + rng.randrange(-8, 9)))))

    # Interventions: programmes, groups, enrolments, sessions and attendance, pre- and post-tests
    programme_first = ids.take(im.Programme, len(PROGRAMMES))
    w.write(im.Programme, ["id", "school_id", "name", "area_of_need", "description", "cost_per_session",
                           "default_measure", "active"],
            [(programme_first + i, school_id, name, area, "", Decimal(f"{15 + 5 * (i % 5)}.00"), measure, True)
             for i, (name, area, measure) in enumerate(PROGRAMMES)])
    candidates = [p[0] for p in sen_pupils] + concern_pupils or [p[0] for p in pupils]
    interventions, iv_staff, enrolments, sessions, attendance = [], [], [], [], []
    for year in range(current_year - 5, current_year + 1):
        for n in range(INTERVENTIONS_PER_YEAR):
            p = (n + year) % len(PROGRAMMES)
            name, area, measure = PROGRAMMES[p]
            start = dt.date(year, 9, 22) + dt.timedelta(weeks=(n % 3) * 13)
            start -= dt.timedelta(days=start.weekday())  # a Monday
            if start > anchor:
                continue
            end = start + dt.timedelta(weeks=INTERVENTION_WEEKS) - dt.timedelta(days=3)
            running = end >= anchor
            iid = ids.take(im.Intervention)
            interventions.append((iid, _uuid(uuids), programme_first + p, f"{name} {year}/{(year + 1) % 100:02d} "
                                  f"group {n + 1}", "Mon and Thu, 9:00-9:30", SESSIONS_PER_WEEK,
                                  Decimal(f"{15 + 5 * (p % 5)}.00"), measure, start, None if running else end))
            iv_staff.append((iid, tas[n % 2]))
            chosen = rng.sample(candidates, min(PUPILS_PER_INTERVENTION, len(candidates)))
            days = [start + dt.timedelta(weeks=wk, days=d) for wk in range(INTERVENTION_WEEKS) for d in (0, 3)]
            days = [d for d in days if d <= min(end, anchor)]
            session_ids = []
            for d in days:
                sid = ids.take(im.InterventionSession)
                delivered = rng.random() < 0.95
                sessions.append((sid, iid, d, delivered, "" if delivered else "TA covering a class", tas[n % 2]))
                if delivered:
                    session_ids.append(sid)
            for pid in chosen:
                eid = ids.take(im.Enrolment)
                enrolments.append((eid, iid, pid, start, None if running else end, "", "", None, ""))
                attendance.extend((sid, eid, rng.random() < 0.9) for sid in session_ids)
                if measure in ("reading", "spelling"):
                    for day, gain in ((start - dt.timedelta(days=3), 0), (end - dt.timedelta(days=3), 1)):
                        if day > anchor or (pid, measure, day) in tests:
                            continue
                        born = pupils[pid - pupil_first][7]
                        age = (day - born).days * 12 // 365
                        months = max(40, min(300, age - 18 + gain * rng.randrange(0, 9)))
                        tests[(pid, measure, day)] = (pid, measure, "Salford" if measure == "reading" else "Vernon",
                                                      day, months, None)
    w.write(im.Intervention, ["id", "public_id", "programme_id", "name", "schedule", "sessions_per_week",
                              "cost_per_session", "measure", "start_date", "end_date"], interventions)
    through = im.Intervention.staff.through
    first = ids.take(through, len(iv_staff))
    w.write(through, ["id", "intervention_id", "user_id"], [(first + i, *r) for i, r in enumerate(iv_staff)])
    w.write(im.Enrolment, ["id", "intervention_id", "pupil_id", "start_date", "end_date", "entry_measure",
                           "exit_measure", "sessions_attended", "end_reason"], enrolments)
    w.write(im.InterventionSession, ["id", "intervention_id", "date", "delivered", "note", "logged_by_id"], sessions)
    first = ids.take(im.Attendance, len(attendance))
    w.write(im.Attendance, ["id", "session_id", "enrolment_id", "attended"],
            [(first + i, *r) for i, r in enumerate(attendance)])
    del interventions, enrolments, sessions, attendance

    # SEMH: SDQ every term for SEMH pupils, Boxall for those with plans; ratings, self-assessments, comments
    semh, ratings, selves, comments = [], [], [], []
    last_two = history[-2:]
    for pid, provision, need in sen_pupils:
        if need == "SEMH":
            for ti in history:
                year, term = _term_of(ti)
                day = default_term_dates(year, term)[1] - dt.timedelta(days=14)
                total = max(0, min(40, 22 - (ti - history[0]) // 3 + rng.randrange(-4, 5)))
                semh.append((pid, "sdq", "", day, Decimal(total), {"emotional": total // 4}, False, year, term))
                if provision == "E":
                    semh.append((pid, "boxall", "", day - dt.timedelta(days=1), None,
                                 {"section_1": 40 + (ti - history[0]) + rng.randrange(-3, 4),
                                  "section_2": max(0, 60 - (ti - history[0]) + rng.randrange(-3, 4))}, False,
                                 year, term))
        for ti in last_two:
            year, term = _term_of(ti)
            for sid in subject_ids[:2]:
                ratings.append((pid, sid, "engagement", rng.randrange(1, 6), "", None, year, term))
            selves.append((pid, "I can read a page on my own", rng.randrange(1, 6), "",
                           default_term_dates(year, term)[1] - dt.timedelta(days=20), year, term))
        for c in range(4):
            comments.append((pid, teachers[(pid + c) % len(teachers)], anchor - dt.timedelta(days=7 + 40 * c),
                             "Read a short passage aloud", "Guided reading in a small group",
                             "Decoded unfamiliar words using phonics, with one prompt.", _code(15 + c),
                             subject_ids[c % 2], None))
    first = ids.take(am.SemhChecklist, len(semh))
    w.write(am.SemhChecklist, ["id", "pupil_id", "instrument", "instrument_name", "completed_on", "total", "scores",
                               "higher_is_better", "academic_year", "term"],
            [(first + i, *r) for i, r in enumerate(semh)])
    first = ids.take(am.QualitativeRating, len(ratings))
    w.write(am.QualitativeRating, ["id", "pupil_id", "subject_id", "aspect", "rating", "note", "rated_by_id",
                                   "academic_year", "term"], [(first + i, *r) for i, r in enumerate(ratings)])
    first = ids.take(am.SelfAssessment, len(selves))
    w.write(am.SelfAssessment, ["id", "pupil_id", "statement", "rating", "comment", "recorded_on", "academic_year",
                                "term"], [(first + i, *r) for i, r in enumerate(selves)])
    first = ids.take(im.Comment, len(comments))
    w.write(im.Comment, ["id", "public_id", "pupil_id", "author_id", "observed_on", "objective", "activity", "outcome",
                         "level", "subject_id", "intervention_id"],
            [(first + i, _uuid(uuids), *r) for i, r in enumerate(comments)])
    return SchoolState(school_id, index, pupils, teachers, list(tests.values()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    result = generate(SCALES[args.scale], seed=args.seed)
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()

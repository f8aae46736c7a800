"""Read the database into the DataFrames that ``reports.metrics`` expects.

A few ``values_list`` queries per report, straight into pandas; no per-pupil queries.
Frame contracts are documented at the top of ``reports/metrics.py``.

The readers ending in ``_of`` serve several schools at once: one query for all of them, with a
``school_id`` column (the pupil's school, or for enrolments the programme's), and date filters that
depend on each school's own term dates applied per school in pandas. The one-school readers are
those with the school's column dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db.models import Count, Q

from assessments.ladder import CANONICAL_CODES, DEFAULT_SCHEME_NAME, SCHEMES, PointsScheme
from assessments.models import (
    Assessment,
    AssessmentKind,
    Baseline,
    BehaviourRecord,
    Framework,
    PointsScheme as PointsSchemeRow,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
    SemhInstrument,
    Term,
)
from assessments.terms import previous_term, term_dates
from interventions.models import Enrolment, Intervention, InterventionSession
from pupils.models import Pupil, RegisterEntry, School, Subject
from sencotrack.parsing import TERM_ORDER, default_term_dates

TERM_POSITION = {name: i for i, name in enumerate(TERM_ORDER)}
SCHOOL = "school_id"


@dataclass(frozen=True)
class ReportTerm:
    academic_year: int
    term: str
    start: date
    end: date

    @property
    def index(self) -> int:
        return self.academic_year * 3 + TERM_POSITION[self.term]


def report_term(school: School, academic_year: int, term: str) -> ReportTerm:
    start, end = term_dates(school, academic_year, term)
    return ReportTerm(academic_year, term, start, end)


def report_terms(school_ids: Iterable[int], academic_year: int, term: str) -> dict[int, ReportTerm]:
    """:func:`report_term` of several schools in one query (each school's own dates, else the defaults)."""
    ids = list(school_ids)
    own = {
        school_id: (start, end)
        for school_id, start, end in Term.objects.filter(
            academic_year__school_id__in=ids, academic_year__start_year=academic_year, name=term
        ).order_by().values_list("academic_year__school_id", "start_date", "end_date")
    }
    default = default_term_dates(academic_year, term)
    return {school_id: ReportTerm(academic_year, term, *own.get(school_id, default)) for school_id in ids}


def points_scheme(school: School) -> PointsScheme:
    """The school's scheme: a built-in one by name, else the newest loaded version of that name."""
    return points_schemes([school])[school.pk]


def points_schemes(schools: Iterable[School]) -> dict[int, PointsScheme]:
    """:func:`points_scheme` of several schools: built-in schemes need no query, loaded ones one in all."""
    schools = list(schools)
    loaded_names = {s.points_scheme for s in schools if s.points_scheme not in SCHEMES}
    loaded: dict[str, PointsScheme] = {}
    if loaded_names:
        rows = PointsSchemeRow.objects.filter(name__in=loaded_names).order_by("name", "-created_at")
        for row in rows:
            loaded.setdefault(row.name, PointsScheme.from_mapping(row.name, row.version, row.points))
    return {
        s.pk: SCHEMES.get(s.points_scheme) or loaded.get(s.points_scheme) or SCHEMES[DEFAULT_SCHEME_NAME]
        for s in schools
    }


def points_map(scheme: PointsScheme) -> dict[str, float | None]:
    return {code: scheme.points_for(code) for code in CANONICAL_CODES}


# Column types of every frame read here, so that a frame of one school, of several, or of none has
# the same dtypes (and a school's figures come out identical whichever way they were read).
_DTYPES = {
    SCHOOL: "int64", "pupil_id": "int64", "enrolment_id": "int64", "intervention_id": "int64",
    "academic_year": "int64", "upn": "str", "subject": "str", "key_stage": "str", "result": "str",
    "term": "str", "provision": "str", "primary_need": "str", "programme": "str", "measure": "str",
    "pupil_premium": "bool", "months": "float64", "standardised_score": "float64",
}


def _frame(rows, columns) -> pd.DataFrame:
    df = pd.DataFrame.from_records(list(rows), columns=columns)
    wanted = {c: _DTYPES[c] for c in columns if c in _DTYPES and df[c].dtype != _DTYPES[c]}
    return df.astype(wanted) if wanted else df


def _lookup(values: pd.Series, mapping: Mapping, dtype: str) -> pd.Series:
    """``values.map(mapping)`` through the distinct values only (a few codes over many rows)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([mapping.get(u) for u in uniques] + [None], dtype="object")
    return pd.Series(table[codes], index=values.index, name=values.name).astype(dtype)


def _term_index(years: pd.Series, terms: pd.Series) -> pd.Series:
    return (years.astype("int64") * 3 + _lookup(terms, TERM_POSITION, "int64")).astype("int64")


def _points(df: pd.DataFrame, schemes: Mapping[int, PointsScheme]) -> pd.Series:
    """Points of each row's result on its own school's scheme (float64, NaN = no points)."""
    distinct = set(schemes.values())
    if len(distinct) <= 1:
        scheme = next(iter(distinct), SCHEMES[DEFAULT_SCHEME_NAME])
        return _lookup(df["result"], points_map(scheme), "float64")
    points = pd.Series(np.nan, index=df.index, dtype="float64")
    for scheme in distinct:
        rows = df[SCHOOL].isin([pk for pk, s in schemes.items() if s == scheme])
        points[rows] = _lookup(df.loc[rows, "result"], points_map(scheme), "float64")
    return points


def _one(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=SCHOOL)


def _terms_q(term_indexes: Iterable[int]) -> Q:
    wanted = Q()
    for index in term_indexes:
        year, position = divmod(index, 3)
        wanted |= Q(academic_year=year, term=TERM_ORDER[position])
    return wanted


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values)


def _day_of(df: pd.DataFrame, days: Mapping[int, date]) -> pd.Series:
    """Each row's school's day, as datetime64."""
    return _dates(df[SCHOOL].map(dict(days)))


def subject_names(subject: str | None) -> list[str] | None:
    """Subjects a ``--subject`` filter names (by code or name, any case); None means all."""
    if not subject:
        return None
    match = Subject.objects.filter(Q(code__iexact=subject) | Q(name__iexact=subject)).values_list("name", flat=True)
    names = list(match)
    if not names:
        known = ", ".join(Subject.objects.values_list("name", flat=True))
        raise ValueError(f"no subject called {subject!r}; known subjects: {known or 'none yet'}")
    return names


# --- Several schools at once ---------------------------------------------------------------------


def baselines_of(schemes: Mapping[int, PointsScheme], subjects: list[str] | None = None) -> pd.DataFrame:
    """Every baseline of the schools' pupils (``schemes``: school id -> its points scheme)."""
    qs = Baseline.objects.filter(pupil__school_id__in=list(schemes))
    if subjects:
        qs = qs.filter(subject__name__in=subjects)
    df = _frame(
        qs.order_by().values_list(
            "pupil__school_id", "pupil_id", "subject__name", "key_stage", "result", "academic_year", "term"
        ),
        [SCHOOL, "pupil_id", "subject", "key_stage", "result", "academic_year", "term"],
    )
    df["points"] = _points(df, schemes)
    df["term_index"] = _term_index(df["academic_year"], df["term"])
    return df


def teacher_assessments_of(
    schemes: Mapping[int, PointsScheme], term_indexes: list[int], subjects: list[str] | None = None
) -> pd.DataFrame:
    """Teacher assessments (the default kind) on the NC ladder in the given terms."""
    qs = Assessment.objects.filter(
        _terms_q(term_indexes), pupil__school_id__in=list(schemes), kind=AssessmentKind.TEACHER, framework=Framework.NC
    )
    if subjects:
        qs = qs.filter(subject__name__in=subjects)
    df = _frame(
        qs.order_by().values_list(
            "pupil__school_id", "pupil_id", "pupil__upn", "subject__name", "result", "academic_year", "term"
        ),
        [SCHOOL, "pupil_id", "upn", "subject", "result", "academic_year", "term"],
    )
    df["points"] = _points(df, schemes)
    df["term_index"] = _term_index(df["academic_year"], df["term"])
    return df


def register_entries_of(days: Mapping[int, date]) -> pd.DataFrame:
    """The register entry open on each school's own day (school id -> day) of each of its pupils."""
    qs = RegisterEntry.objects.filter(pupil__school_id__in=list(days), start_date__lte=max(days.values())).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=min(days.values()))
    )
    df = _frame(
        qs.order_by().values_list(
            "pupil__school_id", "pupil_id", "provision", "primary_need", "start_date", "end_date"
        ),
        [SCHOOL, "pupil_id", "provision", "primary_need", "start_date", "end_date"],
    )
    if len(set(days.values())) > 1:  # the query was for the widest span: keep each school's own day
        day = _day_of(df, days)
        end = _dates(df["end_date"])
        df = df[(_dates(df["start_date"]) <= day) & (end.isna() | (end >= day))]
    return df[[SCHOOL, "pupil_id", "provision", "primary_need"]].reset_index(drop=True)


def pupil_groups_of(days: Mapping[int, date], register: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per pupil: upn and the value-added group flags, SEN status as on the school's day.

    ``register``: :func:`register_entries_of` for the same days, when it has been read already.
    """
    pupils = _frame(
        Pupil.objects.filter(school_id__in=list(days))
        .order_by().values_list("school_id", "id", "upn", "pupil_premium"),
        [SCHOOL, "pupil_id", "upn", "pupil_premium"],
    )
    provision = (register_entries_of(days) if register is None else register)[["pupil_id", "provision"]]
    df = pupils.merge(provision, on="pupil_id", how="left")
    df["provision"] = df["provision"].fillna("N")
    df["pupil_premium"] = df["pupil_premium"].astype(bool)
    df["sen_support"] = df["provision"].eq("K")
    df["ehcp"] = df["provision"].eq("E")
    df["sen"] = df["sen_support"] | df["ehcp"]
    df["no_sen"] = ~df["sen"]
    df["not_pupil_premium"] = ~df["pupil_premium"]
    return df


def enrolments_ended_of(days: Mapping[int, date]) -> pd.DataFrame:
    """Enrolments in the schools' reading and spelling interventions, open or ended by the school's day."""
    qs = Enrolment.objects.filter(
        intervention__programme__school_id__in=list(days), intervention__measure__in=["reading", "spelling"]
    ).filter(Q(end_date__isnull=True) | Q(end_date__lte=max(days.values())))
    df = _frame(
        qs.order_by().values_list(
            "intervention__programme__school_id", "id", "pupil_id", "pupil__upn", "intervention__programme__name",
            "intervention_id", "intervention__measure", "start_date", "end_date",
        ),
        [SCHOOL, "enrolment_id", "pupil_id", "upn", "programme", "intervention_id", "measure", "start_date",
         "end_date"],
    )
    df["start_date"] = _dates(df["start_date"])
    df["end_date"] = _dates(df["end_date"])
    if len(set(days.values())) > 1:
        df = df[df["end_date"].isna() | (df["end_date"] <= _day_of(df, days))].reset_index(drop=True)
    return df


def reading_tests_of(school_ids: Iterable[int], pupil_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Reading and spelling tests of the schools' pupils (``pupil_ids``: of these pupils only)."""
    rows = ReadingTest.objects.filter(pupil__school_id__in=list(school_ids))
    if pupil_ids is not None:
        rows = rows.filter(pupil_id__in=list(pupil_ids))
    df = _frame(
        rows.order_by().values_list(
            "pupil__school_id", "pupil_id", "measure", "tested_on", "age_equivalent_months", "standardised_score"
        ),
        [SCHOOL, "pupil_id", "measure", "tested_on", "months", "standardised_score"],
    )
    df["tested_on"] = _dates(df["tested_on"])
    return df


def semh_measures_of(school_ids: Iterable[int], term_indexes: list[int]) -> pd.DataFrame:
    """SEMH and qualitative measures in a long frame (school_id, pupil_id, measure, term_index, value,
    higher_is_better)."""
    wanted = _terms_q(term_indexes)
    pupils = Q(pupil__school_id__in=list(school_ids))
    keys = ["pupil__school_id", "pupil_id", "academic_year", "term"]
    columns = [SCHOOL, "pupil_id", "academic_year", "term"]
    frames = []

    sdq = _frame(
        SemhChecklist.objects.filter(wanted, pupils, instrument=SemhInstrument.SDQ, total__isnull=False)
        .order_by().values_list(*keys, "total"),
        columns + ["value"],
    ).assign(measure="SDQ total difficulties", higher_is_better=False)
    frames.append(sdq)

    boxall = _frame(
        SemhChecklist.objects.filter(wanted, pupils, instrument=SemhInstrument.BOXALL)
        .order_by().values_list(*keys, "scores"),
        columns + ["scores"],
    )
    for section, label, higher in (("I", "Boxall section I", True), ("II", "Boxall section II", False)):
        part = boxall.assign(value=boxall["scores"].map(lambda s, k=section: (s or {}).get(k)))
        part = part.drop(columns="scores").dropna(subset=["value"])
        frames.append(part.assign(measure=label, higher_is_better=higher))

    behaviour = _frame(
        BehaviourRecord.objects.filter(wanted, pupils).order_by().values_list(*keys, "points"),
        columns + ["value"],
    ).assign(measure="behaviour points", higher_is_better=False)
    frames.append(behaviour)

    ratings = _frame(
        QualitativeRating.objects.filter(wanted, pupils)
        .order_by().values_list(*keys, "aspect", "subject__name", "rating"),
        columns + ["aspect", "subject", "value"],
    )
    ratings["measure"] = ratings["aspect"] + " (" + ratings["subject"] + ")"
    frames.append(ratings.drop(columns=["aspect", "subject"]).assign(higher_is_better=True))

    selves = _frame(
        SelfAssessment.objects.filter(wanted, pupils).order_by().values_list(*keys, "rating"),
        columns + ["value"],
    ).assign(measure="self-assessment", higher_is_better=True)
    frames.append(selves)

    df = pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)
    df["value"] = df["value"].astype("float64")
    df["measure"] = df["measure"].astype("str")
    df["term_index"] = _term_index(df["academic_year"], df["term"]) if not df.empty else pd.Series(dtype="int64")
    return df[[SCHOOL, "pupil_id", "measure", "term_index", "value", "higher_is_better"]]


# --- One school ----------------------------------------------------------------------------------


def baselines(school: School, scheme: PointsScheme, subjects: list[str] | None = None) -> pd.DataFrame:
    return _one(baselines_of({school.pk: scheme}, subjects))


def teacher_assessments(
    school: School, scheme: PointsScheme, term_indexes: list[int], subjects: list[str] | None = None
) -> pd.DataFrame:
    """Teacher assessments (the default kind) on the NC ladder in the given terms."""
    return _one(teacher_assessments_of({school.pk: scheme}, term_indexes, subjects))


def pupil_groups(school: School, on_day: date) -> pd.DataFrame:
    """One row per pupil: upn and the value-added group flags, SEN status as on ``on_day``."""
    return _one(pupil_groups_of({school.pk: on_day}))


def register_entries_on(school: School, on_day: date) -> pd.DataFrame:
    return _one(register_entries_of({school.pk: on_day}))


def enrolments_ended_by(school: School, on_day: date) -> pd.DataFrame:
    """Enrolments (one row per enrolment and the intervention's reading or spelling measure)."""
    return _one(enrolments_ended_of({school.pk: on_day}))


def reading_tests(school: School, pupil_ids: Iterable[int] | None = None) -> pd.DataFrame:
    return _one(reading_tests_of([school.pk], pupil_ids))


def semh_measures(school: School, term_indexes: list[int]) -> pd.DataFrame:
    """SEMH and qualitative measures in a long frame (pupil_id, measure, term_index, value, higher_is_better)."""
    return _one(semh_measures_of([school.pk], term_indexes))


def intervention_costs_inputs(school: School, on_day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interventions with the sessions delivered up to ``on_day``, and who was enrolled."""
    interventions = _frame(
        Intervention.objects.filter(programme__school=school, start_date__lte=on_day).order_by().values_list(
            "id", "programme__name", "cost_per_session"
        ),
        ["intervention_id", "programme", "cost_per_session"],
    )
    delivered = dict(  # counted by the database: a school logs thousands of sessions
        InterventionSession.objects.filter(intervention__programme__school=school, delivered=True, date__lte=on_day)
        .order_by().values("intervention_id").annotate(n=Count("id")).values_list("intervention_id", "n")
    )
    interventions["sessions_delivered"] = interventions["intervention_id"].map(delivered).fillna(0).astype("int64")
    interventions["cost_per_session"] = interventions["cost_per_session"].astype("float64")
    enrolled = _frame(
        Enrolment.objects.filter(intervention__programme__school=school, start_date__lte=on_day).order_by().values_list(
            "intervention_id", "pupil_id"
        ),
        ["intervention_id", "pupil_id"],
    )
    return interventions, enrolled


def term_before(academic_year: int, term: str) -> tuple[int, str]:
    return previous_term(academic_year, term)


def core_subject_names() -> list[str]:
    """English and maths (subjects marked core): the no-gain report reads these."""
    names = list(Subject.objects.filter(core=True).order_by().values_list("name", flat=True))
    return names or ["English", "Maths"]

"""Read the database into the DataFrames that ``reports.metrics`` expects.

A few ``values_list`` queries per report, straight into pandas; no per-pupil queries.
Frame contracts are documented at the top of ``reports/metrics.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.db.models import Q

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
)
from assessments.terms import previous_term, term_dates
from interventions.models import Enrolment, Intervention, InterventionSession
from pupils.models import Pupil, RegisterEntry, School, Subject
from sencotrack.parsing import TERM_ORDER

TERM_POSITION = {name: i for i, name in enumerate(TERM_ORDER)}


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


def points_scheme(school: School) -> PointsScheme:
    """The school's scheme: a built-in one by name, else the newest loaded version of that name."""
    if school.points_scheme in SCHEMES:
        return SCHEMES[school.points_scheme]
    row = PointsSchemeRow.objects.filter(name=school.points_scheme).order_by("-created_at").first()
    if row is None:
        return SCHEMES[DEFAULT_SCHEME_NAME]
    return PointsScheme.from_mapping(row.name, row.version, row.points)


def points_map(scheme: PointsScheme) -> dict[str, float | None]:
    return {code: scheme.points_for(code) for code in CANONICAL_CODES}


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def _term_index(years: pd.Series, terms: pd.Series) -> pd.Series:
    return (years.astype("int64") * 3 + terms.map(TERM_POSITION)).astype("int64")


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


def baselines(school: School, scheme: PointsScheme, subjects: list[str] | None = None) -> pd.DataFrame:
    qs = Baseline.objects.filter(pupil__school=school)
    if subjects:
        qs = qs.filter(subject__name__in=subjects)
    df = _frame(
        qs.order_by().values_list("pupil_id", "subject__name", "key_stage", "result", "academic_year", "term"),
        ["pupil_id", "subject", "key_stage", "result", "academic_year", "term"],
    )
    df["points"] = df["result"].map(points_map(scheme)).astype("float64")
    df["term_index"] = _term_index(df["academic_year"], df["term"])
    return df


def teacher_assessments(
    school: School, scheme: PointsScheme, term_indexes: list[int], subjects: list[str] | None = None
) -> pd.DataFrame:
    """Teacher assessments (the default kind) on the NC ladder in the given terms."""
    wanted = Q()
    for index in term_indexes:
        year, position = divmod(index, 3)
        wanted |= Q(academic_year=year, term=TERM_ORDER[position])
    qs = Assessment.objects.filter(wanted, pupil__school=school, kind=AssessmentKind.TEACHER, framework=Framework.NC)
    if subjects:
        qs = qs.filter(subject__name__in=subjects)
    df = _frame(
        qs.order_by().values_list("pupil_id", "pupil__upn", "subject__name", "result", "academic_year", "term"),
        ["pupil_id", "upn", "subject", "result", "academic_year", "term"],
    )
    df["points"] = df["result"].map(points_map(scheme)).astype("float64")
    df["term_index"] = _term_index(df["academic_year"], df["term"])
    return df


def pupil_groups(school: School, on_day: date) -> pd.DataFrame:
    """One row per pupil: upn and the value-added group flags, SEN status as on ``on_day``."""
    pupils = _frame(
        Pupil.objects.filter(school=school).order_by().values_list("id", "upn", "pupil_premium"),
        ["pupil_id", "upn", "pupil_premium"],
    )
    provision = _frame(
        RegisterEntry.objects.filter(pupil__school=school).open_on(on_day).order_by().values_list("pupil_id", "provision"),
        ["pupil_id", "provision"],
    )
    df = pupils.merge(provision, on="pupil_id", how="left")
    df["provision"] = df["provision"].fillna("N")
    df["pupil_premium"] = df["pupil_premium"].astype(bool)
    df["sen_support"] = df["provision"].eq("K")
    df["ehcp"] = df["provision"].eq("E")
    df["sen"] = df["sen_support"] | df["ehcp"]
    df["no_sen"] = ~df["sen"]
    df["not_pupil_premium"] = ~df["pupil_premium"]
    return df


def register_entries_on(school: School, on_day: date) -> pd.DataFrame:
    return _frame(
        RegisterEntry.objects.filter(pupil__school=school)
        .open_on(on_day)
        .order_by().values_list("pupil_id", "provision", "primary_need"),
        ["pupil_id", "provision", "primary_need"],
    )


def enrolments_ended_by(school: School, on_day: date) -> pd.DataFrame:
    """Enrolments (one row per enrolment and the intervention's reading or spelling measure)."""
    qs = Enrolment.objects.filter(intervention__programme__school=school, intervention__measure__in=["reading", "spelling"])
    df = _frame(
        qs.filter(Q(end_date__isnull=True) | Q(end_date__lte=on_day)).order_by().values_list(
            "id", "pupil_id", "pupil__upn", "intervention__programme__name", "intervention_id",
            "intervention__measure", "start_date", "end_date",
        ),
        ["enrolment_id", "pupil_id", "upn", "programme", "intervention_id", "measure", "start_date", "end_date"],
    )
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


def reading_tests(school: School) -> pd.DataFrame:
    df = _frame(
        ReadingTest.objects.filter(pupil__school=school).order_by().values_list(
            "pupil_id", "measure", "tested_on", "age_equivalent_months", "standardised_score"
        ),
        ["pupil_id", "measure", "tested_on", "months", "standardised_score"],
    )
    df["tested_on"] = pd.to_datetime(df["tested_on"])
    df["standardised_score"] = df["standardised_score"].astype("float64")
    return df


def intervention_costs_inputs(school: School, on_day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interventions with the sessions delivered up to ``on_day``, and who was enrolled."""
    interventions = _frame(
        Intervention.objects.filter(programme__school=school, start_date__lte=on_day).order_by().values_list(
            "id", "programme__name", "cost_per_session"
        ),
        ["intervention_id", "programme", "cost_per_session"],
    )
    delivered = _frame(
        InterventionSession.objects.filter(intervention__programme__school=school, delivered=True, date__lte=on_day)
        .order_by().values_list("intervention_id", "id"),
        ["intervention_id", "session_id"],
    ).groupby("intervention_id").size().rename("sessions_delivered")
    interventions = interventions.merge(delivered, on="intervention_id", how="left")
    interventions["sessions_delivered"] = interventions["sessions_delivered"].fillna(0).astype("int64")
    interventions["cost_per_session"] = interventions["cost_per_session"].astype("float64")
    enrolled = _frame(
        Enrolment.objects.filter(intervention__programme__school=school, start_date__lte=on_day).order_by().values_list(
            "intervention_id", "pupil_id"
        ),
        ["intervention_id", "pupil_id"],
    )
    return interventions, enrolled


def semh_measures(school: School, term_indexes: list[int]) -> pd.DataFrame:
    """SEMH and qualitative measures in a long frame (pupil_id, measure, term_index, value, higher_is_better)."""
    wanted = Q()
    for index in term_indexes:
        year, position = divmod(index, 3)
        wanted |= Q(academic_year=year, term=TERM_ORDER[position])
    frames = []

    sdq = _frame(
        SemhChecklist.objects.filter(wanted, pupil__school=school, instrument=SemhInstrument.SDQ, total__isnull=False)
        .order_by().values_list("pupil_id", "academic_year", "term", "total"),
        ["pupil_id", "academic_year", "term", "value"],
    ).assign(measure="SDQ total difficulties", higher_is_better=False)
    frames.append(sdq)

    boxall = _frame(
        SemhChecklist.objects.filter(wanted, pupil__school=school, instrument=SemhInstrument.BOXALL)
        .order_by().values_list("pupil_id", "academic_year", "term", "scores"),
        ["pupil_id", "academic_year", "term", "scores"],
    )
    for section, label, higher in (("I", "Boxall section I", True), ("II", "Boxall section II", False)):
        part = boxall.assign(value=boxall["scores"].map(lambda s, k=section: (s or {}).get(k)))
        frames.append(part.drop(columns="scores").dropna(subset=["value"]).assign(measure=label, higher_is_better=higher))

    behaviour = _frame(
        BehaviourRecord.objects.filter(wanted, pupil__school=school).order_by().values_list("pupil_id", "academic_year", "term", "points"),
        ["pupil_id", "academic_year", "term", "value"],
    ).assign(measure="behaviour points", higher_is_better=False)
    frames.append(behaviour)

    ratings = _frame(
        QualitativeRating.objects.filter(wanted, pupil__school=school).order_by().values_list(
            "pupil_id", "academic_year", "term", "aspect", "subject__name", "rating"
        ),
        ["pupil_id", "academic_year", "term", "aspect", "subject", "value"],
    )
    ratings["measure"] = ratings["aspect"] + " (" + ratings["subject"] + ")"
    frames.append(ratings.drop(columns=["aspect", "subject"]).assign(higher_is_better=True))

    selves = _frame(
        SelfAssessment.objects.filter(wanted, pupil__school=school).order_by().values_list("pupil_id", "academic_year", "term", "rating"),
        ["pupil_id", "academic_year", "term", "value"],
    ).assign(measure="self-assessment", higher_is_better=True)
    frames.append(selves)

    df = pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)
    df["value"] = df["value"].astype("float64")
    df["term_index"] = _term_index(df["academic_year"], df["term"]) if not df.empty else pd.Series(dtype="int64")
    return df[["pupil_id", "measure", "term_index", "value", "higher_is_better"]]


def term_before(academic_year: int, term: str) -> tuple[int, str]:
    return previous_term(academic_year, term)


def core_subject_names() -> list[str]:
    """English and maths (subjects marked core): the no-gain report reads these."""
    names = list(Subject.objects.filter(core=True).order_by().values_list("name", flat=True))
    return names or ["English", "Maths"]

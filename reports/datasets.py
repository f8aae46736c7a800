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

from assessments.ladder import CANONICAL_CODES, DEFAULT_SCHEME_NAME, SCHEMES, LadderError, PointsScheme, parse_result
from assessments.models import (
    Assessment,
    AssessmentKind,
    Baseline,
    BehaviourRecord,
    Framework,
    NationalRow,
    PointsScheme as PointsSchemeRow,
    QuartileRow,
    ReferenceSet,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
    SemhInstrument,
    Term,
)
from assessments.reference import sets_in_force
from assessments.terms import previous_term, term_dates
from interventions.models import Enrolment, Intervention, InterventionSession
from pupils.models import Pupil, RegisterEntry, School, Subject
from reports import metrics
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
    """One row per pupil: upn, year_group and the value-added group flags (DESIGN, DOMAIN 9.11).

    SEN status and the area of need come from the register entry open on the school's day (the
    last day of the report's term); the year group is the one recorded for the pupil.
    ``register``: :func:`register_entries_of` for the same days, when it has been read already.
    """
    pupils = _frame(
        Pupil.objects.filter(school_id__in=list(days))
        .order_by().values_list("school_id", "id", "upn", "pupil_premium", "eal", "looked_after", "gender",
                                "year_group"),
        [SCHOOL, "pupil_id", "upn", "pupil_premium", "eal", "looked_after", "gender", "year_group"],
    )
    entries = register_entries_of(days) if register is None else register
    df = pupils.merge(entries[["pupil_id", "provision", "primary_need"]], on="pupil_id", how="left")
    df["provision"] = df["provision"].fillna("N")
    df["pupil_premium"] = df["pupil_premium"].astype(bool)
    df["sen_support"] = df["provision"].eq("K")
    df["ehcp"] = df["provision"].eq("E")
    df["sen"] = df["sen_support"] | df["ehcp"]
    df["no_sen"] = ~df["sen"]
    df["not_pupil_premium"] = ~df["pupil_premium"]
    df["eal"] = df["eal"].astype(bool)
    df["not_eal"] = ~df["eal"]
    df["looked_after"] = df["looked_after"].astype(bool)
    df["not_looked_after"] = ~df["looked_after"]
    df["female"] = df["gender"].eq("F")
    df["male"] = df["gender"].eq("M")
    df["year_group"] = df["year_group"].astype("int64")
    for group in metrics.YEAR_GROUPS:
        df[group] = df["year_group"].eq(int(group.removeprefix("year_")))
    area = _lookup(df["primary_need"].fillna(""), metrics.NEED_AREAS, "object")
    for group in metrics.NEED_GROUPS:
        df[group] = area.eq(group).to_numpy()
    return df.drop(columns=["gender", "primary_need"])


def enrolments_of(days: Mapping[int, date]) -> pd.DataFrame:
    """Enrolments in the schools' interventions, open or ended by the school's day, one row each, with
    the intervention's ``measure`` and further ``measures`` (a list)."""
    qs = Enrolment.objects.filter(intervention__programme__school_id__in=list(days)).filter(
        Q(end_date__isnull=True) | Q(end_date__lte=max(days.values()))
    )
    df = _frame(
        qs.order_by().values_list(
            "intervention__programme__school_id", "id", "pupil_id", "pupil__upn", "intervention__programme__name",
            "intervention_id", "intervention__measure", "intervention__measures", "start_date", "end_date",
        ),
        [SCHOOL, "enrolment_id", "pupil_id", "upn", "programme", "intervention_id", "measure", "measures",
         "start_date", "end_date"],
    )
    df["start_date"] = _dates(df["start_date"])
    df["end_date"] = _dates(df["end_date"])
    if len(set(days.values())) > 1:
        df = df[df["end_date"].isna() | (df["end_date"] <= _day_of(df, days))].reset_index(drop=True)
    return df


def enrolment_kinds(enrolments: pd.DataFrame) -> pd.DataFrame:
    """:func:`enrolments_of` as one row per enrolment and measure kind (DOMAIN 9.7; ``kind`` column)."""
    return metrics.enrolment_measure_kinds(enrolments)


def enrolments_ended_of(days: Mapping[int, date], enrolments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Enrolments and their age-equivalent measures (reading, spelling): one row per enrolment and
    measure (``measure`` column). An intervention with no measure set is judged by both (DOMAIN 9.7).

    ``enrolments``: :func:`enrolments_of` for the same days, when it has been read already.
    """
    raw = enrolments_of(days) if enrolments is None else enrolments
    kinds = enrolment_kinds(raw)
    kinds = kinds[kinds["kind"].isin(metrics.AGE_EQUIVALENT_KINDS)].rename(columns={"kind": "measure"})
    columns = [SCHOOL, "enrolment_id", "pupil_id", "upn", "programme", "intervention_id", "measure", "start_date",
               "end_date"]
    return kinds[columns].sort_values(["enrolment_id", "measure"], kind="mergesort").reset_index(drop=True)


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


def reference_tables_of(
    schools: Iterable[School], schemes: Mapping[int, PointsScheme]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, dict[str, ReferenceSet | None]]]:
    """The quartile and national tables in force for each school (DOMAIN 9.9, 9.10), three queries.

    Returns (quartiles, national, sets): quartiles has school_id, transition, subject,
    starting_point, the three quartile codes and lower_quartile, median, upper_quartile in points
    under the school's scheme (NaN where the scheme scores none); national has school_id,
    transition, subject, starting_point, pct_expected, pct_more_than_expected; ``sets`` is
    :func:`assessments.reference.sets_in_force`.
    """
    schools = list(schools)
    sets = sets_in_force(schools)
    wanted: dict[str, dict[int, list[int]]] = {"quartiles": {}, "national": {}}
    for school_id, chosen in sets.items():
        for kind, found in chosen.items():
            if found is not None:
                wanted[kind].setdefault(found.pk, []).append(school_id)
    codes = ["lower_quartile", "median", "upper_quartile"]
    quartile_rows = QuartileRow.objects.filter(reference_set_id__in=list(wanted["quartiles"])).order_by("id")
    if not wanted["quartiles"]:
        quartile_rows = QuartileRow.objects.none()
    q = _frame(
        quartile_rows.values_list("reference_set_id", "transition", "subject", "starting_point", *codes),
        ["set_id", "transition", "subject", "starting_point", *[f"{c}_code" for c in codes]],
    )
    q = _for_schools(q, wanted["quartiles"])
    for column in codes:
        q[column] = _points(q.assign(result=q[f"{column}_code"]), schemes) if not q.empty else pd.Series(dtype="float64")
    national_rows = NationalRow.objects.filter(reference_set_id__in=list(wanted["national"])).order_by("id")
    if not wanted["national"]:  # none loaded (the usual case): no query
        national_rows = NationalRow.objects.none()
    n = _frame(
        national_rows.values_list("reference_set_id", "transition", "subject", "starting_point", "pct_expected",
                                  "pct_more_than_expected"),
        ["set_id", "transition", "subject", "starting_point", "pct_expected", "pct_more_than_expected"],
    )
    n = _for_schools(n, wanted["national"])
    for column in ("pct_expected", "pct_more_than_expected"):
        n[column] = n[column].astype("float64")
    return q, n, sets


def _for_schools(rows: pd.DataFrame, schools_by_set: Mapping[int, list[int]]) -> pd.DataFrame:
    """A set's rows once for each school that has that set in force (a shipped set serves many)."""
    link = pd.DataFrame(
        [(set_id, school_id) for set_id, ids in schools_by_set.items() for school_id in ids],
        columns=["set_id", SCHOOL],
    ).astype({"set_id": "int64", SCHOOL: "int64"})
    out = rows.astype({"set_id": "int64"}).merge(link, on="set_id", how="inner").drop(columns="set_id")
    return out[[SCHOOL] + [c for c in out.columns if c != SCHOOL]].reset_index(drop=True)


def ladder_results_of(school_ids: Iterable[int], until_term_index: int) -> pd.DataFrame:
    """Teacher assessments on the pre-key-stage and engagement ladders up to a term (DOMAIN 9.14):
    school_id, pupil_id, upn, subject, framework, result, step, term_index."""
    year, position = divmod(until_term_index, 3)
    until = Q(academic_year__lt=year) | Q(academic_year=year, term__in=TERM_ORDER[: position + 1])
    qs = Assessment.objects.filter(
        until, pupil__school_id__in=list(school_ids), kind=AssessmentKind.TEACHER,
        framework__in=[Framework.PKS, Framework.ENGAGEMENT],
    )  # fmt: skip
    df = _frame(
        qs.order_by().values_list(
            "pupil__school_id", "pupil_id", "pupil__upn", "subject__name", "framework", "result", "academic_year", "term"
        ),
        [SCHOOL, "pupil_id", "upn", "subject", "framework", "result", "academic_year", "term"],
    )
    steps = {}
    for framework, result in set(zip(df["framework"], df["result"], strict=True)):
        try:
            steps[(framework, result)] = parse_result(framework, result).step
        except LadderError:
            steps[(framework, result)] = None
    df["step"] = pd.Series([steps[k] for k in zip(df["framework"], df["result"], strict=True)], index=df.index,
                           dtype="float64")
    df["term_index"] = _term_index(df["academic_year"], df["term"]) if not df.empty else pd.Series(dtype="int64")
    return df.drop(columns=["academic_year", "term"])


def term_ends_of(school_ids: Iterable[int]) -> dict[int, dict[tuple[int, str], date]]:
    """Each school's own term end dates (one query); look terms up with :func:`term_end`."""
    ends: dict[int, dict[tuple[int, str], date]] = {school_id: {} for school_id in school_ids}
    for school_id, year, name, end in Term.objects.filter(academic_year__school_id__in=list(ends)).values_list(
        "academic_year__school_id", "academic_year__start_year", "name", "end_date"
    ):
        ends[school_id][(year, name)] = end
    return ends


def _term_end_dates(df: pd.DataFrame, ends: Mapping[int, Mapping[tuple[int, str], date]]) -> pd.Series:
    """The last day of each row's term at its school (its own dates, else the defaults)."""
    days = [
        ends.get(school_id, {}).get((int(year), term)) or default_term_dates(int(year), term)[1]
        for school_id, year, term in zip(df[SCHOOL], df["academic_year"], df["term"], strict=True)
    ]
    return _dates(pd.Series(days, index=df.index, dtype="object"))


def measure_observations_of(
    school_ids: Iterable[int],
    schemes: Mapping[int, PointsScheme],
    tests: pd.DataFrame,
    kinds: Iterable[str] = metrics.MEASURE_KINDS,
) -> pd.DataFrame:
    """Every dated value of every measure an intervention can be judged by (DOMAIN 9.7), long:
    school_id, pupil_id, kind, measure (the report's label), on, value, higher_is_better.

    ``tests``: :func:`reading_tests_of` (reading and spelling ages; their standardised scores).
    SDQ totals, Boxall section totals, qualitative ratings and NC levels (teacher assessments, in
    points) are read for pupils who have been in an intervention; ratings and levels without a date
    are dated the last day of their term (the school's own dates, else the defaults). Only the
    tables ``kinds`` need are read (a query each, and one for the term dates).
    """
    ids = list(school_ids)
    kinds = set(kinds)
    needs_dates = bool(kinds & {"rating", "level"})
    ends = term_ends_of(ids) if needs_dates else {}
    enrolled = Enrolment.objects.filter(intervention__programme__school_id__in=ids).values("pupil_id")
    columns = [SCHOOL, "pupil_id", "kind", "measure", "on", "value", "higher_is_better"]
    frames = []
    t = tests[tests["months"].notna()]
    frames.append(pd.DataFrame({SCHOOL: t[SCHOOL], "pupil_id": t["pupil_id"], "kind": t["measure"],
                                "measure": t["measure"], "on": t["tested_on"], "value": t["months"],
                                "higher_is_better": True}))
    scored = tests[tests["standardised_score"].notna()]
    frames.append(pd.DataFrame({SCHOOL: scored[SCHOOL], "pupil_id": scored["pupil_id"], "kind": "standardised",
                                "measure": scored["measure"] + " standardised score", "on": scored["tested_on"],
                                "value": scored["standardised_score"], "higher_is_better": True}))
    semh_wanted = [i for k, i in (("sdq", SemhInstrument.SDQ), ("boxall", SemhInstrument.BOXALL)) if k in kinds]
    checklists = _frame(
        SemhChecklist.objects.none() if not semh_wanted else
        SemhChecklist.objects.filter(pupil__school_id__in=ids, pupil_id__in=enrolled,
                                     instrument__in=[SemhInstrument.SDQ, SemhInstrument.BOXALL])
        .order_by().values_list("pupil__school_id", "pupil_id", "instrument", "completed_on", "total", "scores"),
        [SCHOOL, "pupil_id", "instrument", "on", "total", "scores"],
    )
    sdq = checklists[(checklists["instrument"] == SemhInstrument.SDQ) & checklists["total"].notna()]
    frames.append(pd.DataFrame({SCHOOL: sdq[SCHOOL], "pupil_id": sdq["pupil_id"], "kind": "sdq",
                                "measure": "SDQ total difficulties", "on": sdq["on"],
                                "value": sdq["total"].astype("float64"), "higher_is_better": False}))
    boxall = checklists[checklists["instrument"] == SemhInstrument.BOXALL]
    for section, label, higher in (("I", "Boxall section I", True), ("II", "Boxall section II", False)):
        value = boxall["scores"].map(lambda s, k=section: (s or {}).get(k) if isinstance(s, dict) else None)
        part = boxall[value.notna()]
        frames.append(pd.DataFrame({SCHOOL: part[SCHOOL], "pupil_id": part["pupil_id"], "kind": "boxall",
                                    "measure": label, "on": part["on"], "value": value[value.notna()].astype("float64"),
                                    "higher_is_better": higher}))
    ratings = _frame(
        QualitativeRating.objects.none() if "rating" not in kinds else
        QualitativeRating.objects.filter(pupil__school_id__in=ids, pupil_id__in=enrolled)
        .order_by().values_list("pupil__school_id", "pupil_id", "aspect", "subject__name", "rating", "academic_year",
                                "term"),
        [SCHOOL, "pupil_id", "aspect", "subject", "value", "academic_year", "term"],
    )
    frames.append(pd.DataFrame({SCHOOL: ratings[SCHOOL], "pupil_id": ratings["pupil_id"], "kind": "rating",
                                "measure": ratings["aspect"] + " (" + ratings["subject"] + ")",
                                "on": _term_end_dates(ratings, ends), "value": ratings["value"].astype("float64"),
                                "higher_is_better": True}))
    levels = _frame(
        Assessment.objects.none() if "level" not in kinds else
        Assessment.objects.filter(pupil__school_id__in=ids, pupil_id__in=enrolled, kind=AssessmentKind.TEACHER,
                                  framework=Framework.NC)
        .order_by().values_list("pupil__school_id", "pupil_id", "subject__name", "result", "assessed_on",
                                "academic_year", "term"),
        [SCHOOL, "pupil_id", "subject", "result", "assessed_on", "academic_year", "term"],
    )
    levels["points"] = _points(levels, schemes) if not levels.empty else pd.Series(dtype="float64")
    on = _dates(levels["assessed_on"]).fillna(_term_end_dates(levels, ends)) if not levels.empty else levels["assessed_on"]
    frames.append(pd.DataFrame({SCHOOL: levels[SCHOOL], "pupil_id": levels["pupil_id"], "kind": "level",
                                "measure": levels["subject"] + " level (points)", "on": on,
                                "value": levels["points"], "higher_is_better": True}))
    df = pd.concat([f for f in frames if not f.empty] or [pd.DataFrame(columns=columns)], ignore_index=True)
    df["on"] = _dates(df["on"])
    df["value"] = df["value"].astype("float64")
    df["higher_is_better"] = df["higher_is_better"].astype(bool)
    return df[columns].astype({SCHOOL: "int64", "pupil_id": "int64", "kind": "str", "measure": "str"})


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
    """Enrolments (one row per enrolment and age-equivalent measure it is judged by, DOMAIN 9.7)."""
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

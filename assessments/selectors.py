"""Reads for the assessment pages: the entry grid, a pupil's measures and targets.

Each function owns its ``select_related`` / ``prefetch_related`` and runs a fixed number of
queries, whatever the number of pupils in a group or records of a pupil (docs/contributing.md: queries).
The figures come from the pure helpers: ``assessments.expected`` (docs/figures.md 9.1-9.4) and the
school's points scheme from ``assessments.ladder``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from assessments.ages import AgeEquivalentError, format_age_equivalent
from assessments.expected import (
    EXPECTATION_LEVELS,
    EXPECTATION_QUARTILE,
    BaselineResult,
    QuartilePoints,
    Span,
    choose_baseline,
    expected_points,
    level_not_above,
    pro_rata_quartile,
    progress_span,
    quartile_setting_covers,
    transition_for,
)
from assessments.ladder import (
    DEFAULT_SCHEME_NAME,
    SCHEMES,
    LadderError,
    PointsScheme,
    place_points,
    points_in_words,
    whole_level_code,
)
from assessments.models import (
    Assessment,
    AssessmentKind,
    Baseline,
    BehaviourRecord,
    Framework,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
    SemhInstrument,
    Target,
    TermName,
    academic_year_label,
)
from assessments.models import PointsScheme as PointsSchemeRow
from assessments.models import QuartileRow, ReferenceKind
from assessments.reference import set_in_force
from assessments.semh import SemhError, sdq_band
from assessments.terms import previous_term
from pupils.models import Membership, Pupil, Role, School, Subject, TeachingGroup
from sencotrack.parsing import term_for_date, term_index, year_term_label

#: SDQ subscales in the order the form and pages show them; the first four make total difficulties.
SDQ_SUBSCALES: tuple[tuple[str, str], ...] = (
    ("emotional", "Emotional symptoms"),
    ("conduct", "Conduct problems"),
    ("hyperactivity", "Hyperactivity / inattention"),
    ("peer", "Peer relationship problems"),
    ("prosocial", "Prosocial behaviour"),
)
SDQ_DIFFICULTIES = ("emotional", "conduct", "hyperactivity", "peer")


# --- Terms and the points scheme -------------------------------------------------------------------


def current_term(today: dt.date) -> tuple[int, str]:
    """(academic start year, term) of ``today`` under the default term dates."""
    return term_for_date(today)


def year_choices(today: dt.date, *, back: int = 6, forward: int = 0) -> list[tuple[int, str]]:
    """Academic years people record for, newest first: this one and ``back`` before it."""
    this_year = current_term(today)[0]
    return [(y, academic_year_label(y)) for y in range(this_year + forward, this_year - back - 1, -1)]


def scheme_for(school: School) -> PointsScheme:
    """The school's points scheme: a built-in one by name, else the newest loaded version, else the default."""
    if school.points_scheme in SCHEMES:
        return SCHEMES[school.points_scheme]
    row = PointsSchemeRow.objects.filter(name=school.points_scheme).order_by("-created_at").first()
    if row is not None:
        try:
            return PointsScheme.from_mapping(row.name, row.version, row.points)
        except LadderError:
            pass
    return SCHEMES[DEFAULT_SCHEME_NAME]


def points_or_none(code: str | None, scheme: PointsScheme) -> float | None:
    if not code:
        return None
    try:
        return scheme.points_for(code)
    except LadderError:
        return None


# --- Expected results (docs/figures.md 9.1, 9.2 and 9.4) -------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """Where a pupil is expected to be in a term, from their baseline."""

    baseline: BaselineResult
    baseline_points: float
    span: Span
    terms_elapsed: int
    points: float
    code: str | None
    scheme: PointsScheme | None = None  # for :attr:`words`

    @property
    def baseline_label(self) -> str:
        return f"{self.baseline.key_stage} {self.baseline.result}"

    @property
    def words(self) -> str:
        """The points with the codes either side ("20.6 points, between 3c and 3b"): never a code that
        reads as met by a pupil below it. Uses the default scheme's steps when none is attached."""
        return points_in_words(self.points, self.scheme)


def expected_in_term(
    baselines: Iterable[Baseline], term_idx: int, scheme: PointsScheme, ks2_span: str, *, extra_levels: int = 0
) -> Expected | None:
    """The expected result in the term ``term_idx`` from the baseline DOMAIN 9.1 chooses.

    expected points = baseline points + (expected_levels + extra_levels) x 6 x t / span_terms (9.4),
    shown as the ladder code at or below those points; None without a usable baseline before the
    term. ``extra_levels=1`` gives the exceeding line of 9.4: a target that challenges.
    """
    chosen = choose_baseline(
        [BaselineResult(b.key_stage, b.result, b.term_index) for b in baselines], term_idx, scheme
    )
    if chosen is None:
        return None
    base = scheme.points_for(chosen.result)
    assert base is not None  # choose_baseline only returns baselines that carry points
    span = progress_span(chosen.key_stage, ks2_span)
    terms = term_idx - chosen.term_index
    value = expected_points(base, span, terms, extra_levels=extra_levels)
    return Expected(chosen, base, span, terms, value, level_not_above(value, scheme), scheme)


# --- The quartile table for one pupil (docs/figures.md 9.9) ------------------------------------------------


@dataclass(frozen=True)
class QuartileTable:
    """The school's quartile table in force, for one pupil's lookups (``reports.datasets`` reads the
    same table for cohorts). ``rows``: (transition, subject in lower case, starting point) to the
    (lower quartile, median, upper quartile) codes."""

    setting: str
    rows: dict[tuple[str, str, str], tuple[str, str, str]] = field(default_factory=dict)

    def codes_for(self, baseline: BaselineResult, subject_name: str, ks2_span: str) -> tuple[str, str, str] | None:
        """The row covering a baseline: the school's setting must cover it, and the table must have a
        row for its transition, the subject (any case) and the baseline code, else its whole level."""
        if not self.rows or not quartile_setting_covers(self.setting, baseline.result):
            return None
        transition = transition_for(baseline.key_stage, ks2_span)
        if transition is None:
            return None
        try:
            whole = whole_level_code(baseline.result)
        except LadderError:
            whole = None
        for code in (baseline.result, whole):
            found = self.rows.get((transition, subject_name.casefold(), code)) if code else None
            if found:
                return found
        return None

    def points_for(self, baseline: BaselineResult, subject_name: str, ks2_span: str, scheme: PointsScheme) -> QuartilePoints | None:
        """The row's three outcomes in the scheme's points; None without a row (the levels rule applies)."""
        codes = self.codes_for(baseline, subject_name, ks2_span)
        if codes is None:
            return None
        points = [points_or_none(code, scheme) for code in codes]
        if any(p is None for p in points):
            return None
        return QuartilePoints(*points)


def quartile_table(school: School) -> QuartileTable:
    """The quartile table in force for the school and its ``quartile_expectations`` setting: two queries."""
    reference = set_in_force(school, ReferenceKind.QUARTILES)
    if reference is None or school.quartile_expectations == "off":
        return QuartileTable(school.quartile_expectations)
    rows = {
        (transition, subject.casefold(), start): (lq, median, uq)
        for transition, subject, start, lq, median, uq in QuartileRow.objects.filter(reference_set=reference).values_list(
            "transition", "subject", "starting_point", "lower_quartile", "median", "upper_quartile"
        )
    }
    return QuartileTable(school.quartile_expectations, rows)


# --- Teaching groups -------------------------------------------------------------------------------


def recordable_groups_list(membership: Membership) -> list[TeachingGroup]:
    """The groups this person records for, with their subject and a count of pupils on roll (one query)."""
    groups = TeachingGroup.objects.filter(school=membership.school)
    if membership.role == Role.TEACHER:
        groups = groups.filter(staff=membership.user_id)
    elif membership.role != Role.SENCO:
        groups = groups.none()
    return list(
        groups.select_related("subject")
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__archived_at__isnull=True), distinct=True))
        .order_by("year_group", "name")
    )


def group_pupils(group: TeachingGroup) -> QuerySet[Pupil]:
    """Pupils on roll in a group, in surname order (the grid's rows)."""
    return group.pupils.current().order_by("surname", "forename", "upn")


def subjects() -> list[Subject]:
    return list(Subject.objects.order_by("position", "name"))


# --- The entry grid --------------------------------------------------------------------------------


@dataclass
class GridRow:
    pupil: Pupil
    current: Assessment | None = None  # this term's teacher assessment, if recorded
    previous: Assessment | None = None  # last term's
    expected: Expected | None = None

    @property
    def stored(self) -> str:
        return self.current.result if self.current else ""


@dataclass
class Grid:
    group: TeachingGroup
    subject: Subject
    academic_year: int
    term: str
    scheme: PointsScheme
    rows: list[GridRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return year_term_label(self.academic_year, self.term)

    @property
    def previous_label(self) -> str:
        return year_term_label(*previous_term(self.academic_year, self.term))

    @property
    def term_index(self) -> int:
        return term_index(self.academic_year, self.term)

    @property
    def recorded(self) -> int:
        return sum(1 for row in self.rows if row.current is not None)


def grid(
    group: TeachingGroup, subject: Subject, academic_year: int, term: str, *, school: School
) -> Grid:
    """The grid for a group, subject and term in four queries (pupils, assessments, baselines, scheme).

    Each row: the pupil, this term's teacher assessment, the previous term's, and the expected
    result this term from the pupil's baseline (DOMAIN 9.4).
    """
    scheme = scheme_for(school)
    pupils = list(group_pupils(group))
    result = Grid(group=group, subject=subject, academic_year=academic_year, term=term, scheme=scheme)
    rows = {p.pk: GridRow(pupil=p) for p in pupils}
    if not rows:
        return result
    prev_year, prev_term = previous_term(academic_year, term)
    for assessment in Assessment.objects.filter(
        Q(academic_year=academic_year, term=term) | Q(academic_year=prev_year, term=prev_term),
        pupil__in=group_pupils(group).values("pk"),
        subject=subject,
        kind=AssessmentKind.TEACHER,
    ):
        row = rows[assessment.pupil_id]
        if (assessment.academic_year, assessment.term) == (academic_year, term):
            row.current = assessment
        else:
            row.previous = assessment
    baselines: dict[int, list[Baseline]] = defaultdict(list)
    for baseline in Baseline.objects.filter(pupil__in=group_pupils(group).values("pk"), subject=subject):
        baselines[baseline.pupil_id].append(baseline)
    idx = term_index(academic_year, term)
    quartiles = quartile_table(school) if baselines else None
    for pupil_id, found in baselines.items():
        expected = expected_in_term(found, idx, scheme, school.ks2_span)
        covered = expected and quartiles.points_for(expected.baseline, subject.name, school.ks2_span, scheme)
        if covered:  # the quartile rule (DOMAIN 9.9): the national median from the same starting point
            median_t = pro_rata_quartile(expected.baseline_points, covered.median, expected.terms_elapsed,
                                         expected.span.span_terms)
            expected = Expected(expected.baseline, expected.baseline_points, expected.span, expected.terms_elapsed,
                                median_t, level_not_above(median_t, scheme), scheme)
        rows[pupil_id].expected = expected
    result.rows = [rows[p.pk] for p in pupils]
    return result


# --- A pupil's measures ----------------------------------------------------------------------------


@dataclass
class SdqView:
    checklist: SemhChecklist
    total_band: str
    subscales: list[tuple[str, int | None, str]]  # (label, score, band)


@dataclass
class PupilMeasures:
    pupil: Pupil
    assessments: list[Assessment]
    baselines: list[Baseline]
    reading: list[ReadingTest]
    sdq: list[SdqView]
    boxall: list[SemhChecklist]
    other_semh: list[SemhChecklist]
    behaviour: list[BehaviourRecord]
    ratings: list[QualitativeRating]
    self_assessments: list[SelfAssessment]
    targets: list[Target]


def sdq_view(checklist: SemhChecklist) -> SdqView:
    scores = checklist.scores or {}
    subscales = []
    for key, label in SDQ_SUBSCALES:
        score = scores.get(key)
        subscales.append((label, score, _band(key, score)))
    total = int(checklist.total) if checklist.total is not None and checklist.total == int(checklist.total) else None
    return SdqView(checklist, _band("total", total), subscales)


def _band(scale: str, score) -> str:
    if score is None or isinstance(score, bool) or not isinstance(score, int):
        return ""
    try:
        return sdq_band(scale, score)
    except SemhError:
        return ""


def age_text(months: int | None) -> str:
    if months is None:
        return ""
    try:
        return format_age_equivalent(months)
    except AgeEquivalentError:
        return ""


def pupil_measures(pupil: Pupil) -> PupilMeasures:
    """Everything recorded about a pupil's progress, newest first, in one query per kind of record."""
    assessments = list(Assessment.objects.filter(pupil=pupil).select_related("subject"))
    assessments.sort(key=lambda a: (-a.term_index, a.subject.position, a.subject.name, a.kind))
    baselines = sorted(
        Baseline.objects.filter(pupil=pupil).select_related("subject"),
        key=lambda b: (-b.term_index, b.subject.position, b.subject.name),
    )
    reading = list(ReadingTest.objects.filter(pupil=pupil).order_by("-tested_on", "measure"))
    for test in reading:
        test.age_text = age_text(test.age_equivalent_months)
    semh = list(SemhChecklist.objects.filter(pupil=pupil).order_by("-completed_on"))
    behaviour = sorted(BehaviourRecord.objects.filter(pupil=pupil), key=lambda r: -r.term_index)
    ratings = sorted(
        QualitativeRating.objects.filter(pupil=pupil).select_related("subject"),
        key=lambda r: (-r.term_index, r.subject.position, r.subject.name, r.aspect),
    )
    selves = list(SelfAssessment.objects.filter(pupil=pupil).order_by("-recorded_on", "-pk"))
    targets = list(
        Target.objects.filter(pupil=pupil).select_related("subject").order_by("-academic_year", "subject__position")
    )
    for target in targets:
        target.year_label = academic_year_label(target.academic_year)
    return PupilMeasures(
        pupil=pupil,
        assessments=assessments,
        baselines=baselines,
        reading=reading,
        sdq=[sdq_view(c) for c in semh if c.instrument == SemhInstrument.SDQ],
        boxall=[c for c in semh if c.instrument == SemhInstrument.BOXALL],
        other_semh=[c for c in semh if c.instrument == SemhInstrument.OTHER],
        behaviour=behaviour,
        ratings=ratings,
        self_assessments=selves,
        targets=targets,
    )


# --- Targets (docs/figures.md 9.4 at the end of the academic year) ---------------------------------------

ON_TRACK = "on track"
NOT_ON_TRACK = "not on track"


@dataclass
class TargetRow:
    """One pupil and subject's target for an academic year, and whether they are on track for it."""

    pupil: Pupil
    subject: Subject
    academic_year: int
    stored: Target | None = None
    suggestion: Expected | None = None  # quartile rule: the median; levels rule: expected progress plus one level
    challenge: Expected | None = None  # quartile rule only: the upper quartile, offered as a challenging target
    expected: Expected | None = None  # expected progress at the end of the year (summer term), for comparison
    expectation: str = EXPECTATION_LEVELS  # which rule made the suggestion: "quartile" or "levels" (DOMAIN 9.9)
    latest: Assessment | None = None  # the latest teacher assessment (NC) this academic year
    scheme: PointsScheme | None = None
    baseline: BaselineResult | None = None
    baseline_points: float | None = None
    target_points: float | None = None
    pro_rata_points: float | None = None
    terms_done: int | None = None
    terms_total: int | None = None
    latest_points: float | None = None
    status: str = ""
    reason: str = ""
    # Plans show targets that challenge: with no stored target, the upper quartile under the quartile
    # rule rather than the median (the levels rule's suggestion is already expected plus one level).
    challenging: bool = False

    @property
    def key(self) -> str:
        return f"{self.pupil.pk}-{self.subject.pk}"

    @property
    def challenge_code(self) -> str:
        return (self.challenge.code or "") if self.challenge else ""

    @property
    def expected_words(self) -> str:
        """The expected result as points with the codes either side ("3.2 points, between P5 and P6")."""
        return points_in_words(self.expected.points, self.scheme) if self.expected and self.scheme else ""

    @property
    def suggested_code(self) -> str:
        return (self.suggestion.code or "") if self.suggestion else ""

    @property
    def challenging_code(self) -> str:
        """The suggestion that challenges: the upper quartile under the quartile rule, else expected progress plus one level."""
        return self.challenge_code or self.suggested_code

    @property
    def shown(self) -> str:
        """What the target box shows: the stored target, else the suggestion (the challenging one if asked)."""
        if self.stored:
            return self.stored.result
        return self.challenging_code if self.challenging else self.suggested_code


def code_at_or_above(points: float, scheme: PointsScheme) -> str | None:
    """The lowest ladder code whose points reach ``points``: a target that, met, meets the figure."""
    place = place_points(points, scheme)
    return place.exact or place.above


def target_term_index(academic_year: int) -> int:
    """Targets are for the END of the academic year: its summer term."""
    return term_index(academic_year, TermName.SUMMER)


def evaluate_target(
    row: TargetRow, baselines: Sequence[Baseline], scheme: PointsScheme, ks2_span: str,
    quartiles: QuartileTable | None = None,
) -> None:  # fmt: skip
    """Fill in the suggestion and the on-track status of a row (pure arithmetic on loaded rows).

    Suggested: the quartile rule's pro-rata median at the summer term where it covers the baseline
    (upper quartile as a challenge), as the lowest code at or above it so reaching the code reaches
    the figure; else expected progress plus one level, as the code at or below (docs/figures.md 9.4,
    9.9). On track: the latest result is at least the pro-rata line from baseline to target in its term.
    """
    end = target_term_index(row.academic_year)
    row.scheme = scheme
    row.expected = expected_in_term(baselines, end, scheme, ks2_span)
    row.suggestion = expected_in_term(baselines, end, scheme, ks2_span, extra_levels=1)
    found = row.expected and quartiles and quartiles.points_for(row.expected.baseline, row.subject.name, ks2_span, scheme)
    if found:
        base, span, t = row.expected.baseline_points, row.expected.span, row.expected.terms_elapsed
        median_t = pro_rata_quartile(base, found.median, t, span.span_terms)
        upper_t = pro_rata_quartile(base, found.upper, t, span.span_terms)
        row.expected = Expected(row.expected.baseline, base, span, t, median_t, level_not_above(median_t, scheme))
        row.suggestion = Expected(row.expected.baseline, base, span, t, median_t, code_at_or_above(median_t, scheme))
        row.challenge = Expected(row.expected.baseline, base, span, t, upper_t, code_at_or_above(upper_t, scheme))
        row.expectation = EXPECTATION_QUARTILE
    if row.suggestion is not None:
        row.baseline = row.suggestion.baseline
        row.baseline_points = row.suggestion.baseline_points
    target_code = row.shown
    row.target_points = points_or_none(target_code, scheme)
    if row.latest is not None:
        row.latest_points = points_or_none(row.latest.result, scheme)
    if not target_code:
        row.reason = "No target yet: it needs a baseline before this year's summer term."
        return
    if row.baseline is None:
        row.reason = "No baseline before this year's summer term, so there is no line to the target."
        return
    if row.target_points is None:
        row.reason = f"The target {target_code} carries no points in the school's points scheme."
        return
    if row.latest is None or row.latest_points is None:
        row.reason = "No teacher assessment on the NC ladder yet this year."
        return
    row.terms_total = end - row.baseline.term_index
    row.terms_done = min(row.latest.term_index - row.baseline.term_index, row.terms_total)
    if row.terms_done <= 0:
        row.reason = "The latest result is not after the baseline."
        return
    row.pro_rata_points = row.baseline_points + (row.target_points - row.baseline_points) * row.terms_done / row.terms_total
    # The same tolerance as assessments.expected: a result exactly on the line is on track.
    row.status = ON_TRACK if row.latest_points >= row.pro_rata_points - 1e-9 else NOT_ON_TRACK


def target_rows(
    pairs: Sequence[tuple[Pupil, Subject]], academic_year: int, *, school: School
) -> list[TargetRow]:
    """Target rows for (pupil, subject) pairs in a year: the quartile table, targets, baselines and results
    in six queries."""
    scheme = scheme_for(school)
    rows = [TargetRow(pupil=p, subject=s, academic_year=academic_year) for p, s in pairs]
    if not rows:
        return rows
    pupil_ids = sorted({p.pk for p, _ in pairs})
    subject_ids = sorted({s.pk for _, s in pairs})
    quartiles = quartile_table(school)
    targets = {
        (t.pupil_id, t.subject_id): t
        for t in Target.objects.filter(
            pupil_id__in=pupil_ids, subject_id__in=subject_ids, academic_year=academic_year
        ).select_related("set_by")
    }
    baselines: dict[tuple[int, int], list[Baseline]] = defaultdict(list)
    for b in Baseline.objects.filter(pupil_id__in=pupil_ids, subject_id__in=subject_ids):
        baselines[(b.pupil_id, b.subject_id)].append(b)
    latest: dict[tuple[int, int], Assessment] = {}
    for a in Assessment.objects.filter(
        pupil_id__in=pupil_ids, subject_id__in=subject_ids, academic_year=academic_year,
        kind=AssessmentKind.TEACHER, framework=Framework.NC,
    ):  # fmt: skip
        key = (a.pupil_id, a.subject_id)
        if key not in latest or a.term_index > latest[key].term_index:
            latest[key] = a
    for row in rows:
        key = (row.pupil.pk, row.subject.pk)
        row.stored = targets.get(key)
        row.latest = latest.get(key)
        evaluate_target(row, baselines.get(key, []), scheme, school.ks2_span, quartiles)
    return rows


def pupil_target_subjects(pupil: Pupil, academic_year: int) -> list[Subject]:
    """Subjects a pupil's targets page lists: any with a baseline, a target this year or a result this year."""
    wanted = (
        Q(baselines__pupil=pupil)
        | Q(targets__pupil=pupil, targets__academic_year=academic_year)
        | Q(assessments__pupil=pupil, assessments__academic_year=academic_year)
    )
    ids = Subject.objects.filter(wanted).values("pk")
    return list(Subject.objects.filter(pk__in=ids).order_by("position", "name"))



@dataclass(frozen=True)
class SdqSummary:
    """An SDQ's subscale bands and total difficulties (emotional + conduct + hyperactivity + peer)."""

    subscales: list[tuple[str, str, int | None, str]]  # (key, label, score, band)
    total: int | None
    total_band: str


def sdq_summary(scores: dict[str, int | None]) -> SdqSummary:
    """Bands for the scores given; the total only once all four difficulty scores are in."""
    rows = [(key, label, scores.get(key), _band(key, scores.get(key))) for key, label in SDQ_SUBSCALES]
    parts = [scores.get(key) for key in SDQ_DIFFICULTIES]
    total = sum(parts) if all(isinstance(p, int) and _band(k, p) for k, p in zip(SDQ_DIFFICULTIES, parts)) else None
    return SdqSummary(rows, total, _band("total", total))

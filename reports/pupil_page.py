"""The pupil page: what every app records about one pupil, in a fixed number of queries.

It reads other apps' rows through the pupil's reverse relations, so it lives at the top (reports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import Prefetch, prefetch_related_objects

from assessments.ages import AgeEquivalentError, format_age_equivalent
from assessments.expected import EXPECTATION_QUARTILE, Progress, choose_baseline, progress
from assessments.ladder import SCHEMES, PointsScheme, points_in_words
from assessments.models import academic_year_label
from pupils.models import Concern, Membership, Pupil, PupilProfile, RegisterEntry, Role
from pupils.selectors import pupil_profile
from reports.pupil_history import PupilHistory, chronological_months, pupil_history, sdq_total_band, stored_baselines
from sencotrack.parsing import default_term_dates

SUGGESTED = ("Suggested (expected progress plus one level, or the national median for a pupil judged by the "
             "quartile rule)")


TIMELINE_KINDS = {
    "assessment": "Assessment",
    "target": "Target",
    "intervention": "Intervention",
    "comment": "Comment",
    "semh": "SEMH",
    "reading": "Reading and spelling",
    "register": "SEN register",
    "concern": "Concern",
}
# Kinds a teaching assistant does not see: docs/roles.md gives TAs no access to assessments and baselines.
ASSESSMENT_KINDS = {"assessment", "target", "semh", "reading"}


@dataclass
class TimelineItem:
    kind: str
    date: dt.date
    title: str
    detail: str = ""
    when: str = ""  # how the date is shown, when not as a date (a term)
    by: str = ""
    sort_key: tuple = ()

    @property
    def kind_label(self) -> str:
        return TIMELINE_KINDS[self.kind]


@dataclass
class SubjectLevels:
    subject: object
    current: object | None = None  # the latest teacher assessment
    baseline: object | None = None  # the Baseline row DOMAIN 9.1 picks
    progress: Progress | None = None
    target: object | None = None
    scheme: PointsScheme | None = None
    #: The quartile-table row's codes (lower quartile, median, upper quartile) when the quartile rule judged it.
    quartile_codes: tuple[str, str, str] | None = None

    @property
    def expected_words(self) -> str:
        """The expected result as points with the codes either side: never a code that reads as met when not."""
        if self.progress is None:
            return ""
        return points_in_words(self.progress.expected_points, self.scheme)

    @property
    def rule_text(self) -> str:
        """Which rule judged this result (DOMAIN 9.9), in words."""
        if self.progress is None:
            return ""
        if self.progress.expectation == EXPECTATION_QUARTILE and self.quartile_codes:
            lq, median, uq = self.quartile_codes
            return f"Quartile rule: national median from {self.progress.baseline.result} ({lq} / {median} / {uq})"
        return f"Levels rule: {self.progress.span.expected_levels} levels in {self.progress.span.span_terms} terms"

    @property
    def target_year(self) -> str:
        if self.target is None:
            return ""
        return academic_year_label(self.target.academic_year)


@dataclass
class PupilPage:
    pupil: Pupil
    profile: PupilProfile | None
    current_entry: RegisterEntry | None
    history: list[RegisterEntry]
    concerns: list[Concern]
    sees_assessments: bool
    levels: list[SubjectLevels] = field(default_factory=list)
    scheme: PointsScheme | None = None
    scheme_name: str = ""
    enrolments: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    semh: list = field(default_factory=list)
    reading: list = field(default_factory=list)
    assessments: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    timeline: list[TimelineItem] = field(default_factory=list)

    @property
    def open_concerns(self) -> list[Concern]:
        return [c for c in self.concerns if c.closed_on is None]

    def timeline_of(self, kind: str) -> list[TimelineItem]:
        return [item for item in self.timeline if not kind or item.kind == kind]

    @property
    def timeline_kinds(self) -> list[tuple[str, str]]:
        present = {item.kind for item in self.timeline}
        return [(kind, label) for kind, label in TIMELINE_KINDS.items() if kind in present]


def sees_assessments(membership: Membership) -> bool:
    return membership.role in (Role.SENCO, Role.TEACHER)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _prefetch(relation: str, *related: str) -> Prefetch:
    """Prefetch one of the pupil's reverse relations with its foreign keys joined: one query each.

    The related model is found through the relation, so the other apps' models are not imported.
    """
    model = Pupil._meta.get_field(relation).related_model
    return Prefetch(relation, queryset=model._default_manager.select_related(*related))


def pupil_page(pupil: Pupil, membership: Membership, *, today: dt.date) -> PupilPage:
    """Everything the pupil page shows, in a fixed number of queries whatever the pupil's history.

    The records come from ``reports.pupil_history`` (as the flight paths and case study); the
    page adds the profile, concerns and targets, one query each.
    """
    assessments_visible = sees_assessments(membership)
    records = pupil_history(pupil, assessments=assessments_visible, term_dates=False)
    lookups = [_prefetch("concerns", "raised_by")]
    if assessments_visible:
        lookups.append(_prefetch("targets", "subject"))
    prefetch_related_objects([pupil], *lookups)
    profile = pupil_profile(pupil)

    history = sorted(records.register, key=attrgetter("start_date"), reverse=True)
    current = next((e for e in history if e.start_date <= today and (e.end_date is None or e.end_date >= today)), None)
    page = PupilPage(
        pupil=pupil,
        profile=profile,
        current_entry=current,
        history=history,
        concerns=sorted(pupil.concerns.all(), key=attrgetter("raised_on"), reverse=True),
        sees_assessments=assessments_visible,
        enrolments=sorted(records.enrolments, key=attrgetter("start_date"), reverse=True),
        comments=sorted(records.comments, key=lambda c: (c.observed_on, c.created_at), reverse=True),
    )
    if assessments_visible:
        school = membership.school  # the pupil's school: access helpers only return pupils of it
        page.scheme_name = school.points_scheme
        page.scheme = SCHEMES.get(school.points_scheme)
        from assessments.selectors import quartile_table

        quartiles = quartile_table(school) if page.scheme is not None else None
        # In the model's order (subject, then term) so the timeline lists same-day items as before.
        page.assessments = sorted(
            records.all_assessments, key=lambda a: (a.subject.position, a.subject.name, a.academic_year, a.term)
        )
        page.targets = list(pupil.targets.all())
        page.levels = _levels(records, page.targets, page.scheme, school.ks2_span, quartiles)
        page.semh = sorted(records.semh, key=attrgetter("completed_on"), reverse=True)
        for checklist in page.semh:
            checklist.band = sdq_total_band(checklist)
        page.reading = sorted(records.reading_tests, key=attrgetter("tested_on"), reverse=True)
        for test in page.reading:
            test.age_text = _age_text(test.age_equivalent_months)
            test.chronological_text = _age_text(_months_between(pupil.date_of_birth, test.tested_on))
    page.timeline = _timeline(page)
    return page


def _levels(
    records: PupilHistory, targets: list, scheme: PointsScheme | None, ks2_span: str, quartiles=None
) -> list[SubjectLevels]:
    """Per subject: the latest teacher assessment, its baseline (DOMAIN 9.1), expected level and target."""
    rows: dict[int, SubjectLevels] = {}

    def row(subject) -> SubjectLevels:
        if subject.pk not in rows:
            rows[subject.pk] = SubjectLevels(subject=subject, scheme=scheme)
        return rows[subject.pk]

    for assessment in records.all_assessments:
        if assessment.kind != "teacher":
            continue
        entry = row(assessment.subject)
        if entry.current is None or assessment.term_index > entry.current.term_index:
            entry.current = assessment
    baselines_by_subject: dict[int, list] = {}
    for baseline in records.baselines:
        row(baseline.subject)
        baselines_by_subject.setdefault(baseline.subject_id, []).append(baseline)

    for subject_id, entry in rows.items():
        baselines = baselines_by_subject.get(subject_id, [])
        if not baselines:
            continue
        if entry.current is None or scheme is None:
            # Nothing to measure against: show the most recent baseline.
            entry.baseline = max(baselines, key=lambda b: b.term_index)
            continue
        stored = stored_baselines(baselines, subject_id)
        chosen = choose_baseline(stored, entry.current.term_index, scheme)
        if chosen is None:
            entry.baseline = max(baselines, key=lambda b: b.term_index)
            continue
        entry.baseline = stored[chosen]
        if entry.current.framework == "nc":
            # The quartile rule where the table in force covers the baseline (DOMAIN 9.9), as the reports.
            found = quartiles.points_for(chosen, entry.subject.name, ks2_span, scheme) if quartiles else None
            if found is not None:
                entry.quartile_codes = quartiles.codes_for(chosen, entry.subject.name, ks2_span)
            entry.progress = progress(
                baseline=chosen,
                current_result=entry.current.result,
                current_term_index=entry.current.term_index,
                scheme=scheme,
                ks2_span=ks2_span,
                quartiles=found,
            )

    targets_by_subject: dict[int, list] = {}
    for target in targets:
        row(target.subject)
        targets_by_subject.setdefault(target.subject_id, []).append(target)
    for subject_id, targets in targets_by_subject.items():
        # The target for the current result's year; else the latest one set.
        entry = rows[subject_id]
        year = entry.current.academic_year if entry.current else None
        entry.target = next((t for t in targets if t.academic_year == year), None) or max(
            targets, key=attrgetter("academic_year")
        )
    return sorted(rows.values(), key=lambda r: (r.subject.position, r.subject.name))


def _age_text(months: int | None) -> str:
    if months is None:
        return ""
    try:
        return format_age_equivalent(months)
    except AgeEquivalentError:
        return ""


def _months_between(born: dt.date, day: dt.date) -> int | None:
    months = chronological_months(born, day)
    return months if months >= 0 else None


def _assessment_date(assessment) -> dt.date:
    if assessment.assessed_on:
        return assessment.assessed_on
    return default_term_dates(assessment.academic_year, assessment.term)[1]


def _timeline(page: PupilPage) -> list[TimelineItem]:
    """One list of everything dated, newest first."""
    items: list[TimelineItem] = []
    for entry in page.history:
        items.append(
            TimelineItem(
                "register",
                entry.start_date,
                f"Register: {entry.get_provision_display()}",
                detail=" / ".join(filter(None, [entry.get_primary_need_display(), entry.get_secondary_need_display()])),
            )
        )
        if entry.end_date:
            items.append(
                TimelineItem("register", entry.end_date, f"Register entry ended: {entry.get_provision_display()}")
            )
    for concern in page.concerns:
        items.append(
            TimelineItem(
                "concern", concern.raised_on, "Concern raised", detail=concern.reason, by=_person(concern.raised_by)
            )
        )
        if concern.closed_on:
            items.append(TimelineItem("concern", concern.closed_on, "Concern closed"))
    for enrolment in page.enrolments:
        name = f"{enrolment.intervention.name} ({enrolment.intervention.programme.name})"
        items.append(
            TimelineItem("intervention", enrolment.start_date, f"Started {name}", detail=enrolment.entry_measure)
        )
        if enrolment.end_date:
            items.append(
                TimelineItem(
                    "intervention",
                    enrolment.end_date,
                    f"Finished {name}",
                    detail=" ".join(filter(None, [enrolment.exit_measure, enrolment.end_reason])),
                )
            )
    for comment in page.comments:
        context = " · ".join(
            filter(
                None,
                [
                    comment.subject.name if comment.subject else "",
                    comment.intervention.name if comment.intervention else "",
                ],
            )
        )
        lines = [f"Activity: {comment.activity}", f"Outcome: {comment.outcome}"]
        if comment.level:
            lines.append(f"Level: {comment.level}")
        items.append(
            TimelineItem(
                "comment",
                comment.observed_on,
                comment.objective,
                detail="\n".join(lines),
                by=" · ".join(filter(None, [_person(comment.author), context])),
                sort_key=(comment.created_at,),
            )
        )
    if page.sees_assessments:
        for assessment in page.assessments:
            items.append(
                TimelineItem(
                    "assessment",
                    _assessment_date(assessment),
                    f"{assessment.subject.name}: {assessment.result}",
                    detail=assessment.get_kind_display(),
                    when="" if assessment.assessed_on else assessment.term_label,
                )
            )
        for target in page.targets:
            items.append(
                TimelineItem(
                    "target",
                    target.updated_at.date(),
                    f"{target.subject.name} target for {academic_year_label(target.academic_year)}: {target.result}",
                    detail=SUGGESTED if target.suggested else "Set by staff",
                )
            )
        for checklist in page.semh:
            name = checklist.instrument_name or checklist.get_instrument_display()
            total = "" if checklist.total is None else f"total {checklist.total.normalize():f}"
            items.append(
                TimelineItem(
                    "semh", checklist.completed_on, name, detail=", ".join(filter(None, [total, checklist.band]))
                )
            )
        for test in page.reading:
            score = f", standardised score {test.standardised_score}" if test.standardised_score else ""
            items.append(
                TimelineItem(
                    "reading",
                    test.tested_on,
                    f"{test.get_measure_display()} age {test.age_text}",
                    detail=f"{test.test_name}{score}",
                )
            )
    items.sort(key=lambda item: (item.date, item.sort_key), reverse=True)
    return items

"""One pupil's history, read once: the pupil page, the pupil dashboard's flight paths and the case study all start here.

A fixed number of queries whatever the history; the shared judgements (which baselines, the SDQ
band, chronological age) live here too so the three pages cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assessments.ages import months_between
from assessments.expected import BaselineResult
from assessments.models import Assessment, AssessmentKind, Baseline, Framework, ReadingTest, SemhChecklist
from assessments.semh import SemhError, sdq_band
from interventions.models import Comment, Enrolment
from pupils.models import Pupil, RegisterEntry
from reports.selectors import term_dates_for


@dataclass
class PupilHistory:
    """A pupil's records in time order (comments and register newest first)."""

    pupil: Pupil
    #: Every assessment (all kinds and frameworks), in academic year then term order.
    all_assessments: list = field(default_factory=list)
    baselines: list = field(default_factory=list)
    enrolments: list = field(default_factory=list)
    reading_tests: list = field(default_factory=list)
    semh: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    register: list = field(default_factory=list)
    term_dates: dict = field(default_factory=dict)

    @property
    def assessments(self) -> list:
        """The teacher assessments against the National Curriculum: what flight paths draw."""
        return [a for a in self.all_assessments if a.kind == AssessmentKind.TEACHER and a.framework == Framework.NC]


def pupil_history(pupil: Pupil, *, assessments: bool = True, term_dates: bool = True) -> PupilHistory:
    """Read the history; ``assessments=False`` skips what a teaching assistant may not see."""
    history = PupilHistory(
        pupil=pupil,
        enrolments=list(
            Enrolment.objects.filter(pupil=pupil).select_related("intervention__programme").order_by("start_date")
        ),
        comments=list(
            Comment.objects.filter(pupil=pupil).select_related("subject", "author", "intervention").order_by(
                "-observed_on", "-created_at"
            )
        ),
        register=list(RegisterEntry.objects.filter(pupil=pupil).order_by("-start_date")),
    )
    if assessments:
        history.all_assessments = list(
            Assessment.objects.filter(pupil=pupil).select_related("subject").order_by("academic_year", "term")
        )
        history.baselines = list(Baseline.objects.filter(pupil=pupil).select_related("subject"))
        history.reading_tests = list(ReadingTest.objects.filter(pupil=pupil).order_by("tested_on", "measure"))
        history.semh = list(SemhChecklist.objects.filter(pupil=pupil).order_by("completed_on"))
    if term_dates:
        history.term_dates = term_dates_for(pupil.school)
    return history


def stored_baselines(baselines: list, subject_id: int) -> dict[BaselineResult, object]:
    """A subject's baseline rows keyed as ``choose_baseline`` takes them (DOMAIN 9.1)."""
    return {
        BaselineResult(b.key_stage, b.result, b.term_index): b for b in baselines if b.subject_id == subject_id
    }


def sdq_total_band(checklist) -> str:
    """The SDQ total difficulties band, or "" when the checklist has no whole-number SDQ total."""
    if checklist.instrument != "sdq" or checklist.total is None or checklist.total != int(checklist.total):
        return ""
    try:
        return sdq_band("total", int(checklist.total))
    except SemhError:
        return ""


def chronological_months(born: dt.date, day: dt.date) -> int:
    """The pupil's age in whole months on ``day`` (set beside a reading or spelling age)."""
    return months_between(born, day)

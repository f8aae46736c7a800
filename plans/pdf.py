"""Printable documents of the review cycle, built while you wait with WeasyPrint (as the case study is):

- the **support plan** and its review (staff, and for the meeting with the family);
- the **pupil passport**, a one-page profile for every adult who works with the pupil;
- the **annual review paperwork** of an EHC plan, for the meeting and the local authority;
- the termly **report for parents**, in plain words: no points, codes, costs or staff notes.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from plans import selectors
from plans.models import SupportPlan
from pupils.models import Pupil
from sencotrack.parsing import format_academic_year

#: The passport lists at most this many outcomes and strategies, so it stays on one page.
PASSPORT_OUTCOMES = 4
PASSPORT_STRATEGIES = 8
PASSPORT_TEXT = 420  # characters of each profile box


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF views need Pango

    html = render_to_string(template, context)
    # WeasyPrint warns about CSS it skips, quoting the document: keep the pupil's details out of the logs.
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        return HTML(string=html).write_pdf()
    finally:
        for logger, level in zip(loggers, previous, strict=True):
            logger.setLevel(level)


def response(document: bytes, filename: str) -> HttpResponse:
    reply = HttpResponse(document, content_type="application/pdf")
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    reply["Cache-Control"] = "private, no-store"
    return reply


def _provision(pupil: Pupil, today: dt.date) -> str:
    """ "SEN support, specific learning difficulty": the register entry in force, in words (no codes)."""
    entry = pupil.register_entries.filter(start_date__lte=today).exclude(end_date__lt=today).order_by("-start_date").first()
    if entry is None or entry.provision == "N":
        return ""
    words = [entry.get_provision_display().split(": ", 1)[-1]]
    if entry.primary_need:
        words.append(entry.get_primary_need_display().split(": ", 1)[-1])
    return ", ".join(words)


def plan_context(plan: SupportPlan, *, today: dt.date) -> dict:
    selectors.plan_detail(plan)
    year, term = selectors.current_term(today)
    return {
        "plan": plan,
        "pupil": plan.pupil,
        "school": plan.pupil.school,
        "provision": _provision(plan.pupil, today),
        "profile": selectors.profile_of(plan.pupil),
        "strategies": selectors.strategies_list(plan),
        "targets": selectors.curricular_targets_by_term(plan, year),
        "year_label": format_academic_year(year),
        "parent_views": selectors.parent_contributions(plan),
        "staff_views": selectors.staff_contributions(plan),
        "generated_at": timezone.localtime(),
    }


def plan_pdf(plan: SupportPlan, *, today: dt.date) -> bytes:
    return render_pdf("plans/pdf/plan.html", plan_context(plan, today=today))


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def passport_context(pupil: Pupil, *, today: dt.date) -> dict:
    plans = selectors.pupil_plans(pupil, today=today)
    plan = plans.active
    profile = selectors.profile_of(pupil)
    boxes = []
    if profile is not None:
        for label, value in (
            ("About me and my needs", profile.needs_summary), ("What I am good at", profile.strengths),
            ("What helps me", profile.what_helps), ("In my own words", profile.pupil_voice),
        ):  # fmt: skip
            if value.strip():
                boxes.append((label, _cut(value, PASSPORT_TEXT)))
    outcomes = list(plan.outcomes.all()) if plan else []
    strategies = selectors.strategies_list(plan) if plan else []
    return {
        "pupil": pupil,
        "school": pupil.school,
        "provision": _provision(pupil, today),
        "boxes": boxes,
        "plan": plan,
        "outcomes": [_cut(o.description, 160) for o in outcomes[:PASSPORT_OUTCOMES]],
        "more_outcomes": max(0, len(outcomes) - PASSPORT_OUTCOMES),
        "strategies": [_cut(s, 140) for s in strategies[:PASSPORT_STRATEGIES]],
        "more_strategies": max(0, len(strategies) - PASSPORT_STRATEGIES),
        "interventions": [row for row in selectors.child_attendance(pupil, today=today) if row.running],
        "generated_at": timezone.localtime(),
    }


def passport_pdf(pupil: Pupil, *, today: dt.date) -> bytes:
    return render_pdf("plans/pdf/passport.html", passport_context(pupil, today=today))


def annual_review_context(pupil: Pupil, *, today: dt.date) -> dict:
    plans = selectors.pupil_plans(pupil, today=today)
    status = plans.ehcp
    return {
        "pupil": pupil,
        "school": pupil.school,
        "provision": _provision(pupil, today),
        "status": status,
        "last": status.reviews[0] if status and status.reviews else None,
        "profile": selectors.profile_of(pupil),
        "plan": plans.active,
        "review": plans.latest_review,
        "reviewed_plan": plans.latest_review.plan if plans.latest_review else None,
        "progress": selectors.child_progress(pupil, today=today),
        "attendance": selectors.child_attendance(pupil, today=today),
        "parent_views": selectors.parent_contributions(plans.active) if plans.active else [],
        "generated_at": timezone.localtime(),
        "today": today,
    }


def annual_review_pdf(pupil: Pupil, *, today: dt.date) -> bytes:
    return render_pdf("plans/pdf/annual_review.html", annual_review_context(pupil, today=today))


def parent_report_context(pupil: Pupil, *, user, today: dt.date) -> dict:
    page = selectors.child_page(pupil, user=user, today=today)
    return {
        "page": page,
        "pupil": pupil,
        "school": pupil.school,
        "term_label": f"{page.term} term {format_academic_year(page.academic_year)}",
        "generated_at": timezone.localtime(),
    }


def parent_report_pdf(pupil: Pupil, *, user, today: dt.date) -> bytes:
    return render_pdf("plans/pdf/parent_report.html", parent_report_context(pupil, user=user, today=today))

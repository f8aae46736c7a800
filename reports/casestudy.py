"""A pupil's case study as a PDF, for annual reviews and Ofsted: one click, built while you wait.

Profile, current SEN provision, progress per subject (baseline, current, expected, status) with a
small flight-path chart, interventions with their impact (ratio gains), and the most recent
comments. Charts are inline SVG drawn here from the points (Plotly's static export needs Kaleido
and a browser, which a school's server may not have); WeasyPrint renders the HTML to PDF.

Nothing about the pupil is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from html import escape

import pandas as pd
from django.template.loader import render_to_string
from django.utils import timezone

from pupils.models import Pupil, PupilProfile
from reports import datasets, metrics
from reports.pupil_history import PupilHistory, pupil_history
from reports.pupil_dashboard import FlightPath, PathPoint, judged_paths, semh_points

COMMENTS_SHOWN = 10

SVG_WIDTH = 520
SVG_HEIGHT = 210
_MARGIN = {"l": 44, "r": 12, "t": 12, "b": 40}
_COLOURS = {"actual": "#0072B2", "expected": "#6B7280", "exceeding": "#009E73", "span": "#56B4E9",
            "comment": "#E69F00", "baseline": "#000000"}
_STATUS = {"below": "#D55E00", "expected": "#0072B2", "exceeding": "#009E73"}


@dataclass
class SubjectProgress:
    subject: str
    key_stage: str
    baseline: PathPoint | None
    current: PathPoint | None
    expected: PathPoint | None
    status: str
    svg: str


@dataclass
class InterventionImpact:
    programme: str
    intervention: str
    start: dt.date
    end: dt.date | None
    sessions_attended: int | None
    measure: str
    pre: int | None = None
    post: int | None = None
    ratio_gain: float | None = None
    band: str = ""
    flag: str = ""


# --- SVG ---------------------------------------------------------------------------------------------


def _ordinal(day: dt.date) -> int:
    return day.toordinal()


def svg_flight_path(path: FlightPath, *, width: int = SVG_WIDTH, height: int = SVG_HEIGHT) -> str:
    """A small line chart of a flight path as SVG markup (no script, no external reference)."""
    points = [*path.actual, *path.expected, *path.exceeding] + ([path.baseline] if path.baseline else [])
    title = f"{path.subject}: results against expected progress"
    if not points:
        return ""
    days = [_ordinal(p.day) for p in points] + [_ordinal(c.day) for c in path.comments]
    values = [p.points for p in points] + [c.points for c in path.comments]
    x0, x1 = min(days), max(days)
    if x1 == x0:
        x0, x1 = x0 - 30, x1 + 30
    y0, y1 = min(values), max(values)
    pad = max((y1 - y0) * 0.1, 1.0)
    y0, y1 = y0 - pad, y1 + pad
    left, right = _MARGIN["l"], width - _MARGIN["r"]
    top, bottom = _MARGIN["t"], height - _MARGIN["b"]

    def sx(day: dt.date) -> float:
        return left + (right - left) * (min(max(_ordinal(day), x0), x1) - x0) / (x1 - x0)

    def sy(value: float) -> float:
        return bottom - (bottom - top) * (value - y0) / (y1 - y0)

    def polyline(series: list[PathPoint], colour: str, dash: str = "", width_: float = 2) -> str:
        if len(series) < 2:
            return ""
        coords = " ".join(f"{sx(p.day):.1f},{sy(p.points):.1f}" for p in series)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{width_}"{dashed}/>'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif" font-size="9">',
        f"<title>{escape(title)}</title>",
    ]
    for span in path.spans:
        if _ordinal(span.end) < x0 or _ordinal(span.start) > x1:
            continue
        a, b = sx(span.start), sx(span.end)
        parts.append(f'<rect x="{a:.1f}" y="{top}" width="{max(b - a, 1):.1f}" height="{bottom - top}" '
                     f'fill="{_COLOURS["span"]}" fill-opacity="0.2"/>')
        parts.append(f'<text x="{a + 2:.1f}" y="{top + 9}" fill="#1f2933">{escape(span.label[:28])}</text>')
    for i in range(5):  # horizontal grid with point labels
        value = y0 + (y1 - y0) * i / 4
        y = sy(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#374151">{value:.0f}</text>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#9ca3af"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#9ca3af"/>')
    for day, anchor in ((dt.date.fromordinal(x0), "start"), (dt.date.fromordinal(x1), "end")):
        parts.append(f'<text x="{sx(day):.1f}" y="{bottom + 12}" text-anchor="{anchor}" fill="#374151">'
                     f"{day:%m/%Y}</text>")
    parts.append(f'<text x="12" y="{(top + bottom) / 2:.1f}" transform="rotate(-90 12 {(top + bottom) / 2:.1f})" '
                 f'text-anchor="middle" fill="#374151">Points</text>')
    parts.append(polyline(path.exceeding, _COLOURS["exceeding"], "2 3", 1.5))
    parts.append(polyline(path.expected, _COLOURS["expected"], "6 4"))
    parts.append(polyline(path.actual, _COLOURS["actual"], width_=2.5))
    for p in path.actual:
        parts.append(f'<circle cx="{sx(p.day):.1f}" cy="{sy(p.points):.1f}" r="3.5" '
                     f'fill="{_STATUS.get(p.status, _COLOURS["actual"])}" stroke="#fff"/>')
    if path.baseline:
        x, y = sx(path.baseline.day), sy(path.baseline.points)
        parts.append(f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} L{x - 5:.1f} {y:.1f} Z" '
                     f'fill="{_COLOURS["baseline"]}"/>')
    for c in path.comments:
        parts.append(f'<circle cx="{sx(c.day):.1f}" cy="{sy(c.points):.1f}" r="3" fill="{_COLOURS["comment"]}" '
                     f'stroke="#000" stroke-width="0.5"/>')
    legend = [("actual", "Assessment", ""), ("expected", "Expected", "6 4"), ("exceeding", "Exceeding", "2 3")]
    x = left
    for key, label, dash in legend:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x}" y1="{height - 8}" x2="{x + 18}" y2="{height - 8}" stroke="{_COLOURS[key]}" '
                     f'stroke-width="2"{dashed}/>')
        parts.append(f'<text x="{x + 22}" y="{height - 5}" fill="#1f2933">{label}</text>')
        x += 30 + round(5.6 * len(label))
    parts.append(f'<path d="M{x + 4} {height - 13} L{x + 9} {height - 8} L{x + 4} {height - 3} '
                 f'L{x - 1} {height - 8} Z" '
                 f'fill="#000"/><text x="{x + 14}" y="{height - 5}" fill="#1f2933">Baseline</text>')
    x += 60
    if path.comments:
        parts.append(f'<circle cx="{x + 4}" cy="{height - 8}" r="3" fill="{_COLOURS["comment"]}"/>'
                     f'<text x="{x + 12}" y="{height - 5}" fill="#1f2933">Comment</text>')
        x += 60
    if path.spans:
        parts.append(f'<rect x="{x}" y="{height - 13}" width="12" height="10" fill="{_COLOURS["span"]}" '
                     'fill-opacity="0.35"/>'
                     f'<text x="{x + 16}" y="{height - 5}" fill="#1f2933">Intervention</text>')
    parts.append("</svg>")
    return "".join(p for p in parts if p)


# --- The case study ----------------------------------------------------------------------------------


def _impacts(series: PupilHistory) -> list[InterventionImpact]:
    """Every enrolment, with its ratio gain where it has ended with a reading or spelling test either side."""
    rows = []
    for e in series.enrolments:
        iv = e.intervention
        rows.append(InterventionImpact(
            programme=iv.programme.name, intervention=iv.name, start=e.start_date, end=e.end_date,
            sessions_attended=e.sessions_attended, measure=iv.get_measure_display(),
        ))
    measured = [e for e in series.enrolments if e.intervention.measure in ("reading", "spelling")]
    if not measured or not series.reading_tests:
        return rows
    enrolments = pd.DataFrame([
        {"enrolment_id": e.pk, "pupil_id": e.pupil_id, "upn": "", "programme": e.intervention.programme.name,
         "measure": e.intervention.measure, "start_date": e.start_date, "end_date": e.end_date}
        for e in measured
    ])
    enrolments["start_date"] = pd.to_datetime(enrolments["start_date"])
    enrolments["end_date"] = pd.to_datetime(enrolments["end_date"])
    tests = pd.DataFrame([
        {"pupil_id": t.pupil_id, "measure": t.measure, "tested_on": t.tested_on, "months": t.age_equivalent_months}
        for t in series.reading_tests
    ])
    gains = metrics.ratio_gains(metrics.select_pre_post(enrolments, tests))
    by_enrolment = {int(r["enrolment_id"]): r for r in gains.to_dict("records")}
    for impact, enrolment in zip(rows, series.enrolments):
        found = by_enrolment.get(enrolment.pk)
        if found:
            impact.pre, impact.post = int(found["pre"]), int(found["post"])
            impact.ratio_gain = float(found["ratio_gain"])
            impact.band, impact.flag = found["band"], found["flag"]
    return rows


def case_study_context(pupil: Pupil, *, today: dt.date) -> dict:
    school = pupil.school
    series = pupil_history(pupil)
    scheme = datasets.points_scheme(school)
    paths = judged_paths(series, scheme, school, today=today)  # the quartile rule where it covers
    progress = [
        SubjectProgress(
            subject=path.subject, key_stage=path.key_stage, baseline=path.baseline, current=path.latest,
            expected=path.expected_now, status=path.latest.status if path.latest else "", svg=svg_flight_path(path),
        )
        for path in paths
    ]
    provision = next(
        (e for e in series.register if e.start_date <= today and (e.end_date is None or e.end_date >= today)), None
    )
    return {
        "pupil": pupil,
        "school": school,
        "profile": PupilProfile.objects.filter(pupil=pupil).first(),
        "provision": provision,
        "history": series.register,
        "progress": progress,
        "interventions": _impacts(series),
        "semh": semh_points(series),
        "reading": series.reading_tests,
        "comments": series.comments[:COMMENTS_SHOWN],
        "scheme": f"{scheme.name} v{scheme.version}",
        "generated_at": timezone.localtime(),
        "today": today,
    }


def case_study_html(pupil: Pupil, *, today: dt.date) -> str:
    """The HTML WeasyPrint turns into the PDF."""
    return render_to_string("reports/case_study_pdf.html", case_study_context(pupil, today=today))


def case_study_pdf(pupil: Pupil, *, today: dt.date) -> bytes:
    from weasyprint import HTML  # imported here: only this view and the pack workers need Pango

    html = case_study_html(pupil, today=today)
    # WeasyPrint warns about CSS it skips, quoting the document, and fontTools reports its subsetting:
    # keep the pupil's details (and the noise) out of the logs.
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        return HTML(string=html).write_pdf()
    finally:
        for logger, level in zip(loggers, previous):
            logger.setLevel(level)

"""The pupil page as the hub: every page about one pupil, one click away, as the person's role allows.

Each link names a route and the role(s) that may open it, mirroring the access helper of the page
it leads to (docs/roles.md); a route that does not exist is left out. Read per role, never per
person, so the pupil page's cached body (keyed on the role) can hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pupils.models import Pupil, Role
from pupils.navigation import url_or_none

SENCO, TEACHER, TA = Role.SENCO, Role.TEACHER, Role.TA
RECORDERS = (SENCO, TEACHER)
PUPIL_STAFF = (SENCO, TEACHER, TA)

# (section, label, route, roles, query or anchor, shown for a pupil who has left)
LINKS: tuple[tuple[str, str, str, tuple[str, ...], str, bool], ...] = (
    ("Record", "Assessment", "assessments:assessment_add", RECORDERS, "", False),
    ("Record", "Baseline", "assessments:baseline_add", RECORDERS, "", False),
    ("Record", "Reading or spelling age", "assessments:reading_add", RECORDERS, "", False),
    ("Record", "SDQ", "assessments:sdq_add", RECORDERS, "", False),
    ("Record", "Boxall profile", "assessments:boxall_add", RECORDERS, "", False),
    ("Record", "Behaviour", "assessments:behaviour_add", RECORDERS, "", False),
    ("Record", "Ratings", "assessments:ratings_add", RECORDERS, "", False),
    ("Record", "Self-assessment", "assessments:self_assessment_add", RECORDERS, "", False),
    ("Record", "Comment", "interventions:comment_add", PUPIL_STAFF, "?pupil={id}", False),
    ("Progress", "All measures", "assessments:pupil_measures", RECORDERS, "", True),
    ("Progress", "Flight path", "reports:pupil_dashboard", RECORDERS, "", True),
    ("Progress", "Targets", "assessments:pupil_targets", RECORDERS, "", True),
    ("Progress", "Plans and reviews", "plans:pupil", PUPIL_STAFF, "", True),
    ("Progress", "Interventions", "pupils:detail", PUPIL_STAFF, "#interventions-title", True),
    ("Progress", "Comments", "interventions:comments", PUPIL_STAFF, "?pupil={id}", True),
    ("Progress", "Register history", "pupils:history", PUPIL_STAFF, "", True),
    ("Records", "Case study (PDF)", "reports:case_study", (SENCO,), "", True),
    ("Records", "Audit history", "pupils:audit", (SENCO,), "", True),
    ("Records", "Subject-access export", "pupils:subject_access", (SENCO,), "", True),
)


@dataclass(frozen=True)
class HubLink:
    label: str
    url: str


@dataclass(frozen=True)
class HubSection:
    title: str
    links: list[HubLink]


def _takes_pupil(route: str) -> bool:
    return route not in ("interventions:comment_add", "interventions:comments")


def hub(pupil: Pupil, role: str) -> list[HubSection]:
    """The sections of links for ``role`` about ``pupil``; empty sections are left out."""
    sections: dict[str, list[HubLink]] = {}
    for section, label, route, roles, suffix, after_leaving in LINKS:
        if role not in roles or (pupil.archived_at and not after_leaving):
            continue
        url = url_or_none(route, pupil.public_id) if _takes_pupil(route) else url_or_none(route)
        if url:
            sections.setdefault(section, []).append(HubLink(label, url + suffix.format(id=pupil.public_id)))
    if role == SENCO:
        if pupil.archived_at:
            route, label = "pupils:unarchive", "Return to roll"
        else:
            route, label = "pupils:archive", "Archive (has left)"
        url = url_or_none(route, pupil.public_id)
        if url:
            sections.setdefault("Records", []).append(HubLink(label, url))
    return [HubSection(title, links) for title, links in sections.items()]

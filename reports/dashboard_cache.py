"""A dashboard as the person sees it, cached per data version (``sencotrack.fragments``).

The blocks come from ``reports.dashboards`` (SENCo and teachers) and ``reports.governor_page``
(governors); this module keeps the assembled page and its body as fragments, never anything of
one request. docs/caching.md says what the keys hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from pupils.access import visible_pupils
from pupils.models import Membership, Role
from reports import governor_page, selectors
from reports.dashboards import GOVERNOR_KINDS, SENCO_KINDS, TEACHER_KINDS, Source
from reports.senco_page import senco_dashboard
from reports.forms import TermForm
from reports.progress_table import (
    PROVISION_CHOICES,
    SORT_CHOICES,
    STATUS_CHOICES,
    SUBJECT,
    ProgressFilters,
    progress_page,
)
from sencotrack import fragments
from sencotrack.parsing import format_academic_year

# --- Cached fragments ----------------------------------------------------------------------------------
#
# A dashboard is assembled once per data version and kept as fragments (``sencotrack.fragments``):
# its blocks as HTML (the charts' JSON, tables and notes) with its sources, the expected-progress
# rows the table filters, and the body with the table's first page. Keys name the school and its
# data version (moved by every write to the school's records and by every report run that
# finishes), the term, the day and whose view it is: the whole school (the SENCo, governors'
# copies) or the pupils a teacher may see, read from the database on this request. Nothing cached
# holds a CSRF token or anything else of one request: the page around the fragments (the base
# layout, the refresh form) is rendered for each request.


@dataclass(frozen=True)
class CachedBlock:
    key: str
    title: str
    note: str
    html: str  # as reports/_block.html draws it; "" for the expected-progress table, drawn per filters


@dataclass
class DashboardPage:
    """A dashboard as assembled, ready to draw: everything but the expected-progress table's rows."""

    academic_year: int
    term: str
    blocks: list[CachedBlock]
    sources: list[Source]
    computed: list[str]
    subjects: list[str]
    progress_run: selectors.StoredRun | None = None  # the stored run the expected-progress rows came from
    lists: dict[str, str] = field(default_factory=dict)  # each long list's block with every row (Table.limit)

    @property
    def term_label(self) -> str:
        return f"{self.term.capitalize()} {format_academic_year(self.academic_year)}"


@dataclass(frozen=True)
class DashboardBody:
    """What a request draws from the cache: the page's body as HTML around the per-request parts.

    ``head`` (title and term form) and ``main`` (blocks, the table's filters and a page of its rows)
    go either side of the sources box, which holds the refresh form and so its CSRF token;
    ``summary`` and ``table`` are what an htmx request for another page of rows swaps in.
    """

    academic_year: int
    term: str
    term_label: str
    sources: list[Source]
    computed: list[str]
    head: str
    main: str
    summary: str = ""
    table: str = ""


class CachedDashboard:
    """One person's view of a dashboard for a term: read from the cache, else assembled and cached.

    ``term``: (academic year, term) asked for, or None for the school's default term
    (:func:`selectors.default_term`, whose query reads every assessment: worked out only when the
    dashboard is built, and cached with it). ``membership.school`` was read with the membership at
    the start of the request, so its data version is as old as or older than every record the
    dashboard then reads.
    """

    def __init__(self, membership: Membership, *, term: tuple[int, str] | None, today: dt.date,
                 governor: bool = False):
        self.membership = membership
        self.school = membership.school
        self.asked = term
        self.today = today
        self.governor = governor
        self.teacher = not governor and membership.role == Role.TEACHER
        self.kinds = GOVERNOR_KINDS if governor else TEACHER_KINDS if self.teacher else SENCO_KINDS
        self._built: tuple[DashboardPage, list[tuple]] | None = None
        scope = "school"
        if self.teacher:  # their own pupils, as the database says now: never another view's copy
            ids = visible_pupils(membership).order_by("pk").values_list("pk", flat=True)
            scope = "pupils-" + _digest(",".join(str(pk) for pk in ids))
        self.key = ("dashboard", "governor" if governor else "named", self.school.pk, self.school.data_version,
                    "default" if term is None else f"{term[0]}-{term[1]}", scope, today.isoformat())

    def list_url(self, key: str) -> str:
        """A list of pupils' own page, for the same term as this dashboard (none named: its default term)."""
        url = reverse("reports:dashboard_list", args=[key])
        if self.asked is None:
            return url
        return f"{url}?{urlencode({'academic_year': self.asked[0], 'term': self.asked[1]})}"

    def body(self, filters: ProgressFilters | None = None) -> DashboardBody:
        """The page's body for these table filters (the first page, unfiltered, from the cache)."""
        filters = filters or ProgressFilters()
        if filters != ProgressFilters():  # any other page of the table: drawn from the cached rows
            return self._render(filters)
        return fragments.cached(fragments.key(*self.key, "body"), lambda: self._render(filters))

    def rows(self) -> list[tuple]:
        """The expected-progress rows the viewer may see (:func:`progress_rows`), for the table and its CSV."""
        return self._page_and_rows()[1]

    def page(self) -> DashboardPage:
        return self._page_and_rows()[0]

    def _page_and_rows(self) -> tuple[DashboardPage, list[tuple]]:
        if self._built is None:
            self._built = fragments.cached(fragments.key(*self.key, "built"), self._build)
        return self._built

    def _render(self, filters: ProgressFilters) -> DashboardBody:
        page = self.page()
        context = {
            "dashboard": page, "form": TermForm(today=self.today), "teacher": self.teacher, "school": self.school,
            "show_run_links": not self.governor and not self.teacher,  # the SENCo's (only the SENCo opens runs)
            "filters": filters, "status_choices": STATUS_CHOICES, "provision_choices": PROVISION_CHOICES,
            "sort_choices": SORT_CHOICES,
        }
        summary = table = ""
        if not self.governor:
            progress = progress_page(self.rows(), filters, academic_year=page.academic_year, term=page.term)
            # Downloads are the SENCo's (docs/roles.md): a teacher's table links to none.
            shown = {"progress": progress, "can_download": not self.teacher,
                     "progress_run": None if self.teacher else page.progress_run}
            summary = render_to_string("reports/_progress_table.html#summary", shown)
            table = render_to_string("reports/_progress_table.html", shown)
            context.update(summary=summary, table=table)
        template = "reports/_governor_body.html" if self.governor else "reports/_dashboard_body.html"
        return DashboardBody(
            academic_year=page.academic_year, term=page.term, term_label=page.term_label, sources=page.sources,
            computed=page.computed, head=render_to_string(f"{template}#head", context),
            main=render_to_string(f"{template}#main", context), summary=summary, table=table,
        )

    def _build(self) -> tuple[DashboardPage, list[tuple]]:
        academic_year, term = self.asked or selectors.default_term(self.school, today=self.today)
        # The stored runs the page reads (one query, without their results): only when building it.
        runs = selectors.stored_runs(
            self.school, academic_year=academic_year, term=term, kinds=self.kinds, governor=self.governor
        )
        options = {"academic_year": academic_year, "term": term, "runs": runs}
        if self.governor:
            dashboard = governor_page.governor_dashboard(self.school, **options)
        else:
            dashboard = senco_dashboard(self.membership, **options)
        lists = {}
        for b in dashboard.blocks:
            if b.table is not None and b.table.limit is not None:  # a long list: its own page draws every row
                whole = replace(b, table=replace(b.table, limit=None))
                lists[b.key] = render_to_string("reports/_block.html", {"block": whole})
                if b.table.cut:
                    b.more_href = self.list_url(b.key)
        page = DashboardPage(
            academic_year=academic_year,
            term=term,
            blocks=[
                CachedBlock(b.key, b.title, b.note,
                            b.html or ("" if b.table is None else render_to_string("reports/_block.html", {"block": b})))
                for b in dashboard.blocks
            ],
            lists=lists,
            sources=dashboard.sources,
            computed=dashboard.computed,
            subjects=sorted({row[SUBJECT] for row in dashboard.progress}),
            progress_run=None if "expected-progress" in dashboard.computed else runs.get("expected-progress"),
        )
        return page, dashboard.progress


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]

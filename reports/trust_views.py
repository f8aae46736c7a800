"""The trust leader's pages: every school of the trust side by side (aggregates only, suppressed) and the trust pack.

A trust leader has no school role (docs/roles.md): a TrustMembership names the trust, and they
see the governors' copies of its schools' figures, never a pupil. Anyone else is refused.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pupils.models import Trust, TrustMembership
from reports import generators, pack_content, pack_trust, packs, selectors
from reports.forms import TermForm
from sencotrack import fragments
from sencotrack.parsing import format_academic_year


def trust_for_user(request: HttpRequest) -> Trust:
    """The trust the signed-in person leads (the first, if several), else 403."""
    found = TrustMembership.objects.filter(user=request.user).select_related("trust").order_by("trust__name").first()
    if found is None:
        raise PermissionDenied("Only a trust leader sees the trust's pages.")
    return found.trust


def _term(request: HttpRequest, trust: Trust) -> tuple[int, str]:
    today = timezone.localdate()
    form = TermForm(request.GET, today=today)
    if request.GET and form.is_valid():
        return form.cleaned_data["academic_year"], form.cleaned_data["term"]
    first = trust.schools.order_by("name").first()
    return selectors.default_term(first, today=today) if first else (today.year, "summer")


def _per_school(trust: Trust, academic_year: int, term: str) -> list:
    schools = list(trust.schools.order_by("name"))
    if not schools:
        return []
    contexts = generators.contexts_for(schools=schools, academic_year=academic_year, term=term, governor=True)
    out = []
    for ctx in contexts:
        reports = packs.compute_pack_reports(ctx)
        out.append((ctx.school, reports, pack_content.pack_extras(ctx, reports)))
    return out


@login_required
@require_GET
def trust_dashboard(request: HttpRequest) -> HttpResponse:
    trust = trust_for_user(request)
    academic_year, term = _term(request, trust)
    schools = list(trust.schools.order_by("pk").values_list("pk", "data_version"))

    def build() -> dict:
        per_school = _per_school(trust, academic_year, term)
        if not per_school:
            return {"tables": [], "sections": [], "computed_at": timezone.localtime()}
        sections = [pack_trust.value_added_side_by_side(per_school), pack_trust.programmes_side_by_side(per_school)]
        return {"headline": pack_trust.side_by_side(per_school), "sections": sections,
                "attention": [(school.name, extras["summary"]["attention"]) for school, _, extras in per_school],
                "computed_at": timezone.localtime()}

    key = fragments.key("trust", trust.pk, *[f"{pk}.{version}" for pk, version in schools], academic_year, term)
    data = fragments.cached(key, build)
    return render(request, "reports/trust_dashboard.html", {
        "trust": trust, "data": data, "form": TermForm(today=timezone.localdate()),
        "dashboard": {"academic_year": academic_year, "term": term},
        "term_label": f"{term.capitalize()} {format_academic_year(academic_year)}",
        "selected_year": str(academic_year),
    })


@login_required
@require_GET
def trust_pack(request: HttpRequest) -> HttpResponse:
    """The trust edition of the termly pack as a PDF, built on request (figures only)."""
    trust = trust_for_user(request)
    academic_year, term = _term(request, trust)
    if not trust.schools.exists():
        raise PermissionDenied("The trust has no school yet.")
    _, files = pack_trust.build_trust_pack(trust=trust, academic_year=academic_year, term=term)
    name, content = files["pdf"]
    response = HttpResponse(content.read(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

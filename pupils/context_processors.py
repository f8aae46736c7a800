from pupils.access import current_membership


def membership(request):
    """The signed-in person's school and role, for the navigation."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    found = current_membership(request)
    if found is not None:
        return {"membership": found}
    # No school role: a trust leader's navigation names their trust (one query, only for them).
    from pupils.models import TrustMembership

    trust = TrustMembership.objects.filter(user=request.user).order_by("trust__name").values_list(
        "trust__name", flat=True).first()
    return {"membership": None, "trust_name": trust}

from pupils.access import current_membership


def membership(request):
    """The signed-in person's school and role, for the navigation."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"membership": current_membership(request)}

"""The navigation bar: which links each role sees.

Links name URL routes. A route that does not resolve yet (its app has no ``urls.py``, or the view
is not written) is skipped. The routes
the navigation expects are:

    home, pupils:register, pupils:list, assessments:grid, interventions:list,
    interventions:session_today, interventions:comment_add, plans:list, reports:list, reports:dashboard,
    reports:governor, imports:upload, assessments:reference_sets, family:home, staff:list, staff:groups,
    interventions:programmes
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from pupils.models import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


# (label, route name) per role, in the order they appear.
#: A trust leader has no school role (docs/roles.md): their links, under this name.
TRUST_LEADER = "trust leader"

ROLE_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    TRUST_LEADER: (
        ("Trust dashboard", "reports:trust"),
        ("Trust packs", "reports:trust_pack"),
    ),
    Role.SENCO: (
        ("Home", "home"),
        ("Register", "pupils:register"),
        ("Pupils", "pupils:list"),
        ("Assessments", "assessments:grid"),
        ("Interventions", "interventions:list"),
        ("Plans", "plans:list"),
        ("Comments", "interventions:comment_add"),
        ("Reports", "reports:list"),
        ("Dashboards", "reports:dashboard"),
        ("Import", "imports:upload"),
        ("Staff", "staff:list"),
    ),
    Role.TEACHER: (
        ("Home", "home"),
        ("My groups", "pupils:list"),
        ("Plans", "plans:list"),
        ("Assessments", "assessments:grid"),
        ("Comments", "interventions:comment_add"),
        ("Dashboards", "reports:dashboard"),
    ),
    Role.TA: (
        ("Home", "home"),
        ("My pupils", "pupils:list"),
        ("Plans", "plans:list"),
        ("Sessions", "interventions:session_today"),
        ("Comments", "interventions:comment_add"),
    ),
    Role.GOVERNOR: (("Governor dashboard", "reports:governor"),),
    Role.DATA_MANAGER: (
        ("Home", "home"),
        ("Import", "imports:upload"),
        ("Reference sets", "assessments:reference_sets"),
        ("Staff", "staff:list"),
        ("Teaching groups", "staff:groups"),
        ("Programmes", "interventions:programmes"),
    ),
    Role.PARENT: (("Home", "family:home"),),
}


def url_or_none(route: str, *args) -> str | None:
    """The URL of a route (with positional ``args``), or None while the route does not exist."""
    if not args:  # every page's menu reverses the same few routes: memoised
        return _route_url(get_urlconf(), get_script_prefix(), route)
    try:
        return reverse(route, args=args)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=256)
def _route_url(urlconf, prefix: str, route: str) -> str | None:
    """Keyed on the URLconf and script prefix the URL would be reversed with (tests change them)."""
    try:
        return reverse(route, urlconf=urlconf)
    except NoReverseMatch:
        return None


@lru_cache(maxsize=1)
def _home_url() -> str:
    return reverse("home")


def links_for(role: str | None, current_path: str) -> list[NavLink]:
    """The links a role sees, marking the one for the page being shown."""
    if role is None:
        return []
    home = _home_url()
    resolved = [(label, url) for label, route in ROLE_LINKS.get(role, ()) if (url := url_or_none(route))]
    # The link whose URL is the longest prefix of the page is the active one (/pupils/register/
    # lights "Register", not "Pupils" too); Home is active only on the home page itself.
    matches = [url for _, url in resolved if (current_path == url if url == home else current_path.startswith(url))]
    current = max(matches, key=len, default=None)
    return [NavLink(label=label, url=url, active=url == current) for label, url in resolved]

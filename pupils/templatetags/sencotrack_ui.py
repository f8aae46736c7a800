"""Template helpers for the page frame: role navigation and links to routes that may not exist yet."""

from __future__ import annotations

from django import template

from pupils.navigation import TRUST_LEADER, links_for, url_or_none

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_links(context):
    """``{% nav_links as links %}``: the signed-in person's links (empty for no role)."""
    membership = context.get("membership")
    request = context.get("request")
    path = request.path if request is not None else ""
    if membership:
        return links_for(membership.role, path)
    return links_for(TRUST_LEADER if context.get("trust_name") else None, path)


@register.simple_tag
def optional_url(route: str, *args) -> str:
    """``{% optional_url "reports:list" as url %}``: the route's URL, or "" while it does not exist.

    Positional arguments are passed to the route: ``{% optional_url "app:detail" obj.public_id as url %}``.
    """
    return url_or_none(route, *args) or ""

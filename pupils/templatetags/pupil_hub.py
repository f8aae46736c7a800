"""``{% pupil_hub pupil %}``: the links bar of the pupil page (pupils.hub), for the acting role."""

from django import template

from pupils.hub import hub
from pupils.access import current_membership

register = template.Library()


@register.inclusion_tag("pupils/_pupil_hub.html", takes_context=True)
def pupil_hub(context, pupil):
    membership = current_membership(context["request"])
    return {"pupil": pupil, "sections": hub(pupil, membership.role) if membership else []}

from django import template

from reports.explain import NOTES, TITLES

register = template.Library()


@register.filter
def report_title(kind: str) -> str:
    return TITLES.get(kind, kind)


@register.filter
def report_note(kind: str) -> str:
    return NOTES.get(kind, "")


@register.filter
def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@register.filter
def cell(value) -> str:
    """A report cell as printed: 2 decimals for fractional numbers, 'suppressed' or blank for missing."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)

"""Helpers for the tests of stale saves (sencotrack.conflicts): two people, two browsers' worth of clients.

``opened(client, url)`` is what a person's page carries when they open a form (its hidden
version and loaded_at); ``stale_save`` posts what they typed with it after a colleague has saved.
"""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone


def drawn_from(response) -> dict[str, str]:
    """The hidden fields a page was drawn with (or, after a conflict, now carries)."""
    form = response.context["form"]
    return {form.add_prefix("version"): form["version"].value() or "", form.add_prefix("loaded_at"): form["loaded_at"].value() or ""}


def opened(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    tokens = drawn_from(response)
    assert tokens["version"] or tokens["loaded_at"], "the page carries nothing it was drawn from"
    return tokens


def hhmm(history_row) -> str:
    return f"{timezone.localtime(history_row.history_date):%H:%M}"


def conflict_table(page: str) -> list[tuple[str, str, str]]:
    """The rows of the conflict's "What differs" table: (field, what you typed, what is there now)."""
    table = page.split('data-testid="conflict-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td class="conflict-text">(.*?)</td><td class="conflict-text">(.*?)</td></tr>',
        table,
        flags=re.S,
    )
    return [tuple(cell.strip() for cell in row) for row in rows]

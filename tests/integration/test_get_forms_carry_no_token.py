"""No GET form carries the CSRF token: it would end up in the address bar, the history and server logs.

Walks every page of the access walk as every person, and reads each HTML page's forms. A form with
no method is a GET form too.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.integration.test_access_walk import ROLES, clients, url_kwargs, walk_school, walked_patterns  # noqa: F401

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """The GET forms of a page that hold a csrfmiddlewaretoken field."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []  # (method, id) of the open forms
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.stack.append(((attrs.get("method") or "get").lower(), attrs.get("id") or attrs.get("action") or "?"))
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.stack:
            method, name = self.stack[-1]
            if method == "get":
                self.bad.append(name)

    def handle_endtag(self, tag):
        if tag == "form" and self.stack:
            self.stack.pop()


def get_forms_with_token(html: str) -> list[str]:
    parser = _Forms()
    parser.feed(html)
    return parser.bad


def test_the_checker_finds_a_token_in_a_get_form_and_not_in_a_post_form():
    assert get_forms_with_token('<form method="get" id="f"><input name="csrfmiddlewaretoken"></form>') == ["f"]
    assert get_forms_with_token('<form action="/x"><input name="csrfmiddlewaretoken"></form>') == ["/x"]
    assert get_forms_with_token('<form method="post"><input name="csrfmiddlewaretoken"></form>') == []


def test_no_page_has_a_get_form_with_the_csrf_token(walk_school):
    people = clients(walk_school)
    found = []
    for name, kwargs in walked_patterns():
        url = reverse(name, kwargs=url_kwargs(name, kwargs, walk_school))
        for role in ROLES:
            response = people[role].get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for form in get_forms_with_token(response.content.decode("utf-8", "replace")):
                found.append(f"{name} ({url}) as {role}: form {form}")
    assert not found, "GET forms that carry the CSRF token:\n  " + "\n  ".join(found)

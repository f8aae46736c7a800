"""Every request and response: pages are never stored; parameters arrive without control characters.

Every page is private: ``Cache-Control: private, no-store`` on every response that is not a static file.

Pages name pupils (special-category data); a shared proxy must never keep one, and a browser
must not keep one on disk for the next person at the same computer. WhiteNoise answers static
files before this runs, so they stay cacheable.
"""

from __future__ import annotations

import re

from django.http import QueryDict
from django.utils.cache import patch_cache_control


def no_store(get_response):
    def middleware(request):
        response = get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


#: Control characters no one types into a page: NUL (which PostgreSQL refuses in any text, a 500
#: wherever a parameter reaches a query) and the other C0 controls and DEL. Tab, line feed and
#: carriage return stay: text areas hold them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _without_control_characters(query: QueryDict) -> QueryDict:
    if not any(
        CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(value) for value in values)
        for key, values in query.lists()
    ):
        return query
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(CONTROL_CHARACTERS.sub("", key), [CONTROL_CHARACTERS.sub("", value) for value in values])
    cleaned._mutable = False
    return cleaned


def strip_control_characters(get_response):
    """Every GET parameter and form field reaches the views without control characters.

    One place instead of every view and form: a ``?q=%00`` on a search, a pasted NUL in a grid cell
    or a crafted POST would otherwise reach the database (a 500) or a stored record. They carry no
    meaning in anything a person types, so they are removed, not refused. Uploaded files are left
    as they are: the import engine reads them and says what is wrong, line by line.
    """

    def middleware(request):
        request.GET = _without_control_characters(request.GET)
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            request.POST = _without_control_characters(request.POST)
        return get_response(request)

    return middleware

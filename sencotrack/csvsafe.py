"""Neutralise spreadsheet formula injection in exported text (OWASP CSV injection).

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and
LibreOffice; prefixing an apostrophe makes it plain text. Numbers are left alone.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value

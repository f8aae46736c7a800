"""Unique pupil numbers (UPNs): validation with a reason, and generation for demo data.

Pure Python (no Django). The check letter is the DfE's modulus-23 algorithm as implemented by
python-stdnum (``stdnum.gb.upn``): characters 2-13 are weighted 2..13, a digit counts its
value and a letter its position in ABCDEFGHJKLMNPQRTUVWXYZ (A=0; I, O and S are never used),
and the sum modulo 23 indexes that same alphabet. stdnum also insists on a known LA number;
its list dates from 2011, so :data:`EXTRA_LA_CODES` adds the authorities created since and the
Welsh authorities (pupils keep their UPN when they move from Wales).
"""

from __future__ import annotations

import functools
import re

from stdnum.exceptions import ValidationError
from stdnum.gb import upn as stdnum_upn


class UpnError(ValueError):
    """Text that is not a valid UPN; the message says what is wrong with it."""


#: Letters used in UPNs, in modulus-23 order.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

#: LA numbers that stdnum's 2011 list lacks. *Recalled*, not confirmed from a DfE copy:
#: 838 Dorset and 839 Bournemouth, Christchurch and Poole (2019); 940 North and 941 West
#: Northamptonshire (2021); 942 Cumberland and 943 Westmorland and Furness (2023); 660-681
#: the 22 Welsh authorities.
EXTRA_LA_CODES = frozenset({838, 839, 940, 941, 942, 943, *range(660, 682)})

_FORMAT = "a check letter, then 12 digits (or 11 digits and a letter for a temporary UPN)"


def _shown(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "...'"


@functools.lru_cache(maxsize=1024)  # a file of 60,000 pupils asks about a few LA numbers 120,000 times
def _is_known_la(la: int) -> bool:
    """Whether stdnum (asked through its public API) or our supplement knows the LA number."""
    if la in EXTRA_LA_CODES:
        return True
    body = f"{la:03d}000000000"
    return stdnum_upn.is_valid(stdnum_upn.calc_check_digit(body) + body)


def validate_upn(text: str) -> str:
    """The UPN in canonical form (spaces removed, upper case), or UpnError saying why not.

    Checks, in order: length 13; a check letter first, digits in 2-12, and a digit or letter
    last (temporary UPNs); a known LA number in 2-4; the check letter.
    """
    if not isinstance(text, str):
        raise UpnError(f"{_shown(text)} is not a UPN: a UPN is text")
    compact = re.sub(r"\s+", "", text)
    if not compact:
        raise UpnError("the UPN is blank")
    if not compact.isascii():
        raise UpnError(f"{_shown(text)} is not a UPN: it has characters other than A-Z and 0-9")
    upn = compact.upper()
    if len(upn) != 13:
        raise UpnError(f"{_shown(text)} is {len(upn)} characters long; a UPN has 13: {_FORMAT}")
    first, middle, last = upn[0], upn[1:12], upn[12]
    if first not in UPN_LETTERS:
        raise UpnError(f"{_shown(text)} must start with a check letter (A-Z except I, O, S), not {first!r}")
    if not middle.isdigit():
        raise UpnError(f"{_shown(text)}: characters 2 to 12 must be digits; a UPN is {_FORMAT}")
    if not (last.isdigit() or last in UPN_LETTERS):
        raise UpnError(f"{_shown(text)} must end with a digit or a letter other than I, O, S, not {last!r}")
    la = int(upn[1:4])
    if not _is_known_la(la):
        raise UpnError(f"{_shown(text)} has LA number {la:03d}, which is not a known local authority number")
    expected = stdnum_upn.calc_check_digit(upn[1:])
    if first != expected:
        raise UpnError(
            f"{_shown(text)} fails the check letter: a character is mistyped, or the check letter should be {expected}"
        )
    if la in EXTRA_LA_CODES:  # stdnum's 2011 LA list predates these
        return upn
    try:
        return stdnum_upn.validate(upn)
    except ValidationError as exc:  # pragma: no cover - the checks above come first
        raise UpnError(f"{_shown(text)} is not a valid UPN: {exc}") from exc


def is_valid_upn(text: str) -> bool:
    """True when :func:`validate_upn` accepts the text."""
    try:
        validate_upn(text)
    except UpnError:
        return False
    return True


def make_upn(la: int, estab: int, year2: int, serial: int, *, temporary_letter: str | None = None) -> str:
    """A valid UPN for demo and test data: check letter + LA + establishment + year + serial.

    ``serial`` is 0-999, or 0-99 followed by ``temporary_letter`` for a temporary UPN.
    """
    temporary = temporary_letter is not None
    limits = {"la": (la, 999), "estab": (estab, 9999), "year2": (year2, 99),
              "serial": (serial, 99 if temporary else 999)}  # fmt: skip
    for name, (value, top) in limits.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise UpnError(f"{name} must be a whole number from 0 to {top}, not {value!r}")
    if temporary and (temporary_letter not in UPN_LETTERS or len(temporary_letter or "") != 1):
        raise UpnError(f"a temporary UPN ends with one letter of {UPN_LETTERS}")
    tail = f"{serial:02d}{temporary_letter}" if temporary else f"{serial:03d}"
    body = f"{la:03d}{estab:04d}{year2:02d}{tail}"
    return validate_upn(stdnum_upn.calc_check_digit(body) + body)

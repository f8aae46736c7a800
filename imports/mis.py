"""Values as common MIS reports write them, read into the import's own forms (docs/imports.md).

Pure Python (no Django). MIS reports often write a code with its description, "K - SEN Support",
"SPLD - Specific Learning Difficulty" or "M: Male"; the import wants the code. :func:`coded`
takes the code off the front when the cell has that shape and leaves any other value alone, so the
column's own parser still gives the message for a value it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A short code, a dash, colon or en dash, then its description: "K - SEN Support", "SEMH: ...".
_CODE_AND_LABEL = re.compile(r"\s*([A-Za-z]{1,5})\s*(?:-|–|:)\s+\S.*", re.DOTALL)


def coded(text: str) -> str:
    """ "K - SEN Support" -> "K"; "SPLD - Specific Learning Difficulty" -> "SPLD"; others as given."""
    match = _CODE_AND_LABEL.fullmatch(text or "")
    return match[1] if match else text


def reading_codes(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` tried on the code in front of a described value first, then on the value as written."""

    def read(text: str) -> Any:
        code = coded(text)
        if code != text:
            try:
                return parse(code)
            except ValueError:
                pass
        return parse(text)

    return read

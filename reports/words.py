"""The register's codes in plain words, as the pack and the governors' page print them."""

from __future__ import annotations

from pupils.models import Need
from reports import metrics

PROVISION_WORDS = {"K": "SEN support (K)", "E": "EHC plan (E)", "N": "No SEN (N)", "A": "School Action (A)",
                   "P": "School Action Plus (P)", "S": "Statement (S)"}
NEED_WORDS = {code: (lambda words: words[:1].upper() + words[1:])(label.split(": ", 1)[1]) + f" ({code})"
              for code, label in Need.choices}
NEED_WORDS[metrics.NEED_NOT_RECORDED] = "Not recorded"


def register_label(row: dict) -> str:
    """A register-summary row in plain words: "SEN support (K)", "Need: Specific learning difficulty (SPLD)"."""
    if row["dimension"] == "provision":
        return PROVISION_WORDS.get(row["code"], row["code"])
    return "Need: " + NEED_WORDS.get(row["code"], row["code"])

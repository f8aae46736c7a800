"""SEMH measures: SDQ teacher-version bands and the Boxall Profile.

Pure Python (no Django). Definitions: docs/figures.md section 8. These let a report show
progress for a pupil who gained no sub-level in a term (docs/figures.md 8, last point).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class SemhError(ValueError):
    """An unknown scale or cluster, or a score outside its range."""


# --- SDQ, teacher version, four bands ---------------------------------------------------------

SDQ_BANDS: tuple[str, ...] = ("close to average", "slightly raised", "high", "very high")
#: Prosocial is reversed: a low score is the concern, so its words say "lowered" and "low".
SDQ_PROSOCIAL_BANDS: tuple[str, ...] = ("close to average", "slightly lowered", "low", "very low")


@dataclass(frozen=True)
class SdqScale:
    """A scale's range and the lowest score of bands 2, 3 and 4 (highest for prosocial)."""

    name: str
    maximum: int
    edges: tuple[int, int, int]
    reversed: bool = False


SDQ_SCALES: Mapping[str, SdqScale] = MappingProxyType(
    {
        # total difficulties 0-11 / 12-15 / 16-18 / 19-40
        "total": SdqScale("total", 40, (12, 16, 19)),
        # emotional 0-3 / 4 / 5 / 6-10
        "emotional": SdqScale("emotional", 10, (4, 5, 6)),
        # conduct 0-2 / 3 / 4 / 5-10
        "conduct": SdqScale("conduct", 10, (3, 4, 5)),
        # hyperactivity 0-5 / 6-7 / 8 / 9-10
        "hyperactivity": SdqScale("hyperactivity", 10, (6, 8, 9)),
        # peer 0-2 / 3-4 / 5 / 6-10
        "peer": SdqScale("peer", 10, (3, 5, 6)),
        # prosocial 6-10 / 5 / 4 / 0-3: edges are the highest score of bands 2, 3 and 4
        "prosocial": SdqScale("prosocial", 10, (5, 4, 3), reversed=True),
    }
)

_SDQ_ALIASES = {
    "total difficulties": "total",
    "emotional symptoms": "emotional",
    "conduct problems": "conduct",
    "hyperactivity/inattention": "hyperactivity",
    "peer problems": "peer",
    "peer relationship problems": "peer",
    "prosocial behaviour": "prosocial",
}


def _sdq_scale(scale: str) -> SdqScale:
    key = " ".join(scale.split()).lower() if isinstance(scale, str) else ""
    key = _SDQ_ALIASES.get(key, key)
    if key not in SDQ_SCALES:
        raise SemhError(f"{scale!r} is not an SDQ scale. Valid scales: {', '.join(SDQ_SCALES)}")
    return SDQ_SCALES[key]


def sdq_band_index(scale: str, score: int) -> int:
    """0 (close to average) to 3 (very high / very low): a larger index is more concern."""
    spec = _sdq_scale(scale)
    if isinstance(score, bool) or not isinstance(score, int):
        raise SemhError(f"an SDQ {spec.name} score must be a whole number, not {score!r}")
    if not 0 <= score <= spec.maximum:
        raise SemhError(f"an SDQ {spec.name} score must be from 0 to {spec.maximum}, not {score}")
    if spec.reversed:
        return sum(score <= edge for edge in spec.edges)
    return sum(score >= edge for edge in spec.edges)


def sdq_band(scale: str, score: int) -> str:
    """The band's words for a teacher-version SDQ score, e.g. ("conduct", 4) -> "high"."""
    spec = _sdq_scale(scale)
    words = SDQ_PROSOCIAL_BANDS if spec.reversed else SDQ_BANDS
    return words[sdq_band_index(scale, score)]


# --- Boxall Profile ---------------------------------------------------------------------------

BOXALL_MAX_SECTION_TOTAL = 34 * 4  # 34 items per section, each scored 0-4


@dataclass(frozen=True)
class BoxallSection:
    """One section of the Boxall Profile. ``higher_is_better`` says which way progress points."""

    key: str
    name: str
    clusters: tuple[str, ...]
    higher_is_better: bool


BOXALL_SECTIONS: Mapping[str, BoxallSection] = MappingProxyType(
    {
        "I": BoxallSection("I", "developmental strands", tuple("ABCDEFGHIJ"), True),
        "II": BoxallSection("II", "diagnostic profile", tuple("QRSTUVWXYZ"), False),
    }
)
_CLUSTER_SECTION = {c: s for s in BOXALL_SECTIONS.values() for c in s.clusters}


def _check_boxall(scores: Mapping[str, float], label: str) -> None:
    for key, value in scores.items():
        if key not in _CLUSTER_SECTION and key not in BOXALL_SECTIONS:
            raise SemhError(f"{label}: {key!r} is not a Boxall cluster (A-J, Q-Z) or section (I, II)")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise SemhError(f"{label}: the score for {key} must be a number, not {value!r}")
        if not 0 <= value <= BOXALL_MAX_SECTION_TOTAL:
            raise SemhError(f"{label}: the score for {key} must be from 0 to {BOXALL_MAX_SECTION_TOTAL}, not {value}")


def _section_change(before: Mapping[str, float], after: Mapping[str, float], section: BoxallSection) -> float | None:
    """after - before for a section: its totals if both give one, else the shared clusters."""
    if section.key in before and section.key in after:
        return after[section.key] - before[section.key]
    shared = [c for c in section.clusters if c in before and c in after]
    if not shared:
        return None
    return sum(after[c] for c in shared) - sum(before[c] for c in shared)


def boxall_improved(before: Mapping[str, float], after: Mapping[str, float]) -> bool | None:
    """True when section I rose or section II fell between two profiles.

    Keys are cluster letters (A-J, Q-Z) with their scores, or "I"/"II" with a section total.
    A section is compared on its totals when both profiles give one, otherwise on the sum of
    the clusters both profiles scored. Either sign of progress counts as improvement, even if
    the other section moved the wrong way (the report shows both). None when the profiles
    share nothing to compare.
    """
    _check_boxall(before, "before")
    _check_boxall(after, "after")
    changes = [(_section_change(before, after, s), s.higher_is_better) for s in BOXALL_SECTIONS.values()]
    compared = [(c, up) for c, up in changes if c is not None]
    if not compared:
        return None
    return any((c > 0) if up else (c < 0) for c, up in compared)

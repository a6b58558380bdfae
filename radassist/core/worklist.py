"""What a worklist row shows and how rows are ordered and found: natural order (person100 before
person1000), the AI's call in a few characters, and the filter. The review state comes from
``core.review.review_state``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from radassist.core.review import REVIEW_STATES, SIGNED_OFF, UNKNOWN

_RUNS = re.compile(r"(\d+)")

#: the state filter's choices besides one state: everything, and what still needs a sign-off
ALL_STATES, NOT_SIGNED_OFF, NOT_OPENED = "all", "not signed off", "not opened yet"
STATE_FILTERS = (ALL_STATES, NOT_SIGNED_OFF, *REVIEW_STATES, NOT_OPENED)


def natural_key(text: str) -> tuple[tuple[tuple[int, str, int], ...], str]:
    """Sort key: digit runs compare as numbers, the rest case-insensitively ("IM2" < "im10");
    the text itself breaks ties ("p01" vs "p1"), so the order is total and stable."""
    parts = tuple((0, "", int(run)) if run.isdigit() else (1, run.casefold(), 0)
                  for run in _RUNS.split(text) if run)
    return parts, text


def natural_path_key(path: PurePath | str) -> tuple[tuple[tuple[tuple[int, str, int], ...], str], ...]:
    """``natural_key`` per path component: a folder's files stay together."""
    return tuple(natural_key(part) for part in PurePath(path).parts)


def natural_sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=natural_key)


def ai_call(record: Mapping[str, Any] | None) -> str:
    """The AI's call in a few characters, e.g. ``pneumonia 0.91 ▲`` (▲: called positive); ``—`` until
    analysed, ``no call`` when the image was refused (not a frontal chest X-ray)."""
    if not record:
        return "—"
    if record.get("status") == "rejected":
        return "no call"
    parts = []
    for f in record.get("findings") or []:
        if not isinstance(f, Mapping) or "label" not in f:
            continue
        p = f.get("probability")
        prob = f" {float(p):.2f}" if isinstance(p, int | float) and not isinstance(p, bool) else ""
        parts.append(f"{f['label']}{prob}{' ▲' if f.get('positive') else ''}")
    return ", ".join(parts) or "no findings"


def state_matches(state: str, wanted: str) -> bool:
    """Whether a row in ``state`` (``UNKNOWN`` when not opened yet) passes the state filter ``wanted``."""
    if wanted in ("", ALL_STATES):
        return True
    if wanted == NOT_SIGNED_OFF:
        return state != SIGNED_OFF
    if wanted == NOT_OPENED:
        return state == UNKNOWN
    return state == wanted


def row_matches(texts: Iterable[str], query: str, state: str = UNKNOWN, wanted: str = ALL_STATES) -> bool:
    """A row is shown when every word of ``query`` occurs (case-insensitively) in one of its ``texts`` and
    its ``state`` passes the state filter."""
    if not state_matches(state, wanted):
        return False
    haystack = [t.casefold() for t in texts]
    return all(any(word in t for t in haystack) for word in query.casefold().split())

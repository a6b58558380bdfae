"""Canonical JSON: the one byte string a record's hash is computed over.

Sorted keys, no whitespace, UTF-8 (no ASCII escaping), timestamps as UTC ISO-8601 with microseconds and a
``Z``, floats as Python's shortest round-trip ``repr`` (stable across platforms and versions), ``-0.0`` as
``0.0`` and non-finite floats as the strings ``"NaN"``/``"Infinity"``/``"-Infinity"`` (JSON has no
spelling for them, and a decision must never be refused because a model produced a NaN).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
#: the C-accelerated JSON string encoder (quotes included): the fast path for composing a record
encode_str = json.encoder.encode_basestring


def utc_timestamp(when: datetime | None = None) -> str:
    """``2026-11-22T05:17:56.123456Z``: always UTC, always six fractional digits, so text order = time order."""
    when = datetime.now(UTC) if when is None else when
    if when.tzinfo is None:
        raise ValueError("naive datetime: audit timestamps must carry a time zone")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def clean_text(text: str) -> str:
    """``text`` storable everywhere: NUL (refused by PostgreSQL) and lone surrogates (not UTF-8) become U+FFFD.

    A decision must never be unstorable because of a stray character, or it would block the retry queue.
    """
    if "\0" in text:
        text = text.replace("\0", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def normalize(obj: Any) -> Any:  # noqa: C901 - one branch per JSON-able type is the clearest form
    """A plain JSON value (dict/list/str/int/float/bool/None) equal in meaning to ``obj``.

    Tuples and sets become lists (sets sorted), NumPy scalars and arrays become Python values, datetimes
    become canonical UTC strings, paths strings. Anything else is a bug in the caller: TypeError.
    """
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, str):
        return clean_text(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if math.isnan(obj):
            return "NaN"
        if math.isinf(obj):
            return "Infinity" if obj > 0 else "-Infinity"
        return 0.0 if obj == 0 else float(obj)
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"audit record keys must be strings, got {type(k).__name__}")
            out[clean_text(k)] = normalize(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [normalize(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((normalize(v) for v in obj), key=dumps)
    if isinstance(obj, datetime):
        return utc_timestamp(obj)
    if isinstance(obj, Enum):
        return normalize(obj.value)
    if isinstance(obj, PurePath):
        return str(obj)
    item = getattr(obj, "item", None)  # NumPy scalar
    if callable(item) and getattr(obj, "shape", None) == ():
        return normalize(item())
    tolist = getattr(obj, "tolist", None)  # NumPy array
    if callable(tolist):
        return normalize(tolist())
    raise TypeError(f"not representable in an audit record: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    """Canonical JSON text of ``obj`` (normalised first)."""
    return _ENCODER.encode(normalize(obj))


def dumps_bytes(obj: Any) -> bytes:
    return dumps(obj).encode("utf-8")

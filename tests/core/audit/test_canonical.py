"""Canonical JSON: the exact bytes a record's hash covers must not depend on how a value was built."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from radassist.core.audit import canonical, chain
from radassist.core.audit.events import GENESIS_HASH
from tests.core.audit._factory import event


def test_keys_sorted_no_whitespace_utf8():
    assert canonical.dumps({"b": 1, "a": [1, 2], "é": "ü"}) == '{"a":[1,2],"b":1,"é":"ü"}'
    assert canonical.dumps_bytes({"é": "ü"}) == '{"é":"ü"}'.encode()


def test_same_meaning_same_bytes():
    a = {"x": (1, 2), "p": np.float32(0.5), "n": np.int64(3), "b": np.bool_(True), "z": -0.0}
    b = {"z": 0.0, "b": True, "n": 3, "p": 0.5, "x": [1, 2]}
    assert canonical.dumps(a) == canonical.dumps(b)


def test_floats_round_trip_exactly():
    for f in (0.1, 1 / 3, 1e-300, 123456789.123456789, 0.9123456789):
        assert json.loads(canonical.dumps(f)) == f


def test_non_finite_floats_are_strings_not_invalid_json():
    text = canonical.dumps({"a": math.nan, "b": math.inf, "c": -math.inf})
    assert json.loads(text) == {"a": "NaN", "b": "Infinity", "c": "-Infinity"}


def test_timestamps_are_utc_with_microseconds():
    cet = timezone(timedelta(hours=1))
    assert canonical.utc_timestamp(datetime(2026, 11, 22, 6, 0, 0, 5, tzinfo=cet)) == "2026-11-22T05:00:00.000005Z"
    with pytest.raises(ValueError):
        canonical.utc_timestamp(datetime(2026, 11, 22))  # naive: ambiguous
    now = datetime.now(UTC).replace(microsecond=123456)
    assert canonical.parse_timestamp(canonical.utc_timestamp(now)) == now


def test_unrepresentable_values_are_refused():
    with pytest.raises(TypeError):
        canonical.dumps({"f": object()})
    with pytest.raises(TypeError):
        canonical.dumps({1: "int key"})


def test_composed_payload_equals_canonical_json_of_the_record():
    """The fast path verification uses is byte-identical to canonical JSON of the parsed record."""
    for i in range(14):
        row = chain.seal(event(i), i + 1, GENESIS_HASH)
        fields = dict(zip(chain.ROW_COLUMNS, row, strict=True))
        fields.pop("hash")
        assert fields.pop("mac") is None  # sealed without a key: no MAC, and the MAC is never hashed
        for c in chain.JSON_COLUMNS:
            fields[c] = json.loads(fields[c])
        assert chain.canonical_payload(row) == canonical.dumps_bytes(fields)

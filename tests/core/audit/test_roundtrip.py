"""Property test: whatever text and numbers an event carries, it is stored, read back and verified intact.

Arbitrary Unicode (control characters, NUL, lone surrogates, astral planes), huge integers and non-finite
floats in every field: the canonical bytes the verifier composes from stored columns always equal the
canonical JSON of the record, and both backends store and return the event unchanged.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radassist.core.audit import AuditEvent, canonical, chain, open_store
from radassist.core.audit.events import GENESIS_HASH

text = st.text(st.characters(exclude_categories=()), max_size=30)  # any code point, surrogates included
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | text
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(text, kids, max_size=4),
                      max_leaves=12)


def _event(reason, user, output, details):
    return AuditEvent("finding_corrected", user or "u", reason=reason, ai_output={"v": output},
                      details=details if isinstance(details, dict) else {"d": details})


@settings(max_examples=150, deadline=None)
@given(reason=text, user=text, output=values, details=values)
def test_composed_bytes_equal_canonical_json(reason, user, output, details):
    e = _event(reason, user, output, details)
    row = chain.seal(e, 7, GENESIS_HASH)
    fields = dict(zip(chain.COLUMNS, row[:len(chain.COLUMNS)], strict=True))
    fields.pop("hash")
    for c in chain.JSON_COLUMNS:
        fields[c] = json.loads(fields[c])
    assert chain.canonical_payload(row) == canonical.dumps_bytes(fields)
    assert chain.verify_rows([chain.seal(e, 1, GENESIS_HASH)]).ok
    assert "\0" not in e.reason and "\0" not in json.dumps(e.ai_output, ensure_ascii=False)


@pytest.fixture(scope="module")
def stores(tmp_path_factory, request):
    out = [open_store(tmp_path_factory.mktemp("rt") / "audit.sqlite3")]
    from tests._postgres import unavailable_reason

    if unavailable_reason() is None:
        out.append(open_store(request.getfixturevalue("pg_server").new_database()))
    yield out
    for s in out:
        s.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=text, user=text, output=values, details=values)
def test_every_backend_stores_and_returns_the_event_unchanged(stores, reason, user, output, details):
    e = _event(reason, user, output, details)
    for store in stores:
        rec = store.append(e)
        [back] = store.query(since=e.timestamp, until="2999-01-01", user=e.user, limit=10_000)[-1:]
        assert back == rec and back.event == e
        assert store.verify().ok


def test_non_finite_and_huge_numbers_survive():
    e = AuditEvent("prediction_shown", "u", ai_output={"p": math.nan, "q": -math.inf, "n": 10**40})
    assert e.ai_output == {"p": "NaN", "q": "-Infinity", "n": 10**40}

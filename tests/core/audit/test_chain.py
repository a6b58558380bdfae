"""The hash chain on its own (records in memory): what verification reports for each kind of tampering."""

from __future__ import annotations

import dataclasses
import itertools

from radassist.core.audit import GENESIS_HASH, verify_records
from radassist.core.audit.chain import seal_all
from tests.core.audit._factory import event, events


def _log(n: int):
    return seal_all(events(n), 0, GENESIS_HASH)[1]


def test_an_intact_chain_verifies_and_starts_from_the_genesis_hash():
    recs = _log(30)
    assert recs[0].prev_hash == "0" * 64 and recs[0].sequence == 1
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(recs))
    r = verify_records(recs, head=(30, recs[-1].hash))
    assert r.ok and r.count == 30 and r.first_bad_sequence is None
    assert verify_records([]).ok


def test_every_edit_deletion_insertion_and_swap_in_memory_is_named():
    """Exhaustive over a 60-record chain held in memory (the store tests repeat this through SQL)."""
    recs = _log(60)
    head = (60, recs[-1].hash)
    for k in range(1, 61):
        i = k - 1
        edited = dataclasses.replace(recs[i], event=dataclasses.replace(recs[i].event, reason="forged"))
        r = verify_records([*recs[:i], edited, *recs[k:]], head=head)
        assert (r.ok, r.first_bad_sequence) == (False, k), r
        r = verify_records(recs[:i] + recs[k:], head=head)
        assert (r.ok, r.first_bad_sequence) == (False, k), ("deleted", k, r)
        if k < 60:
            r = verify_records([*recs[:i], recs[k], recs[i], *recs[k + 1:]], head=head)
            assert (r.ok, r.first_bad_sequence) == (False, k), ("swapped", k, r)
        # a forged record with a valid hash, linked to record k - 1, slipped in before record k
        forged = seal_all([event(999, user="mallory")], k - 1, recs[i - 1].hash if i else GENESIS_HASH)[1][0]
        r = verify_records([*recs[:i], forged, *recs[i:]], head=head)
        assert (r.ok, r.first_bad_sequence) == (False, k + 1), ("inserted", k, r)


def test_a_truncated_tail_is_caught_only_with_the_head():
    recs = _log(10)
    assert verify_records(recs[:9]).ok  # a chain alone cannot know it was longer
    r = verify_records(recs[:9], head=(10, recs[-1].hash))
    assert not r.ok and r.first_bad_sequence == 10 and "missing" in r.reason

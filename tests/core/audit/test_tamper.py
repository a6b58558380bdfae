"""Tamper detection on a 1,000-record log, as an attacker with raw access to the database would tamper.

The attacker drops (SQLite) or disables (PostgreSQL) the append-only triggers and edits rows with SQL.
Each case runs in a transaction that is verified from inside and then rolled back, so one log serves all
cases. Verification must name the first bad record: the edited one (also when the attacker recomputed its
hash: its MAC, made with the anchor key the attacker does not have, no longer matches), the deleted one's
sequence, a forged insertion itself (it has no MAC), the first of a swapped pair. Whole-store attacks
(truncation, recomputation, deletion, rollback, a lost -wal) are in ``test_anchor.py``.

SQLite, EXHAUSTIVE at all 1,000 positions: a field edit (the field cycles through all 18 columns, so each
column is edited at ~55 positions), a deletion, and a swap with the next record (999 swaps).
SQLite, SAMPLED (renumbering 1,000 rows per case is what makes these slow): a forged insertion (a valid,
linked record slipped in, later records renumbered) at 100 random positions plus both ends and the tail
(1,001), and an edit with the record's hash recomputed at 200 random positions plus both ends.
PostgreSQL: all five kinds at 24 positions (1, 2, 999, 1,000 and 20 random), and an insertion at the tail.
"""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from radassist.core.audit import canonical, chain, open_store
from radassist.core.audit import sqlite as sqlite_store
from radassist.core.audit.events import AuditEvent
from radassist.core.audit.store import SQL_COLUMNS, SQL_ROW_COLUMNS
from tests.core.audit._factory import events

N = 1000
BIG = 1_000_000  # renumbering offset that stays clear of the real sequence numbers


def _tampered(column: str, value):
    if column == "sequence":
        return value + BIG  # the record moves out of its place
    if column in ("model", "ai_output", "decision", "previous", "details"):
        obj = json.loads(value)
        obj = {**obj, "forged": True} if isinstance(obj, dict) else {"forged": True}
        return canonical.dumps(obj)
    if column in ("hash", "prev_hash"):
        return ("1" if value[0] != "1" else "2") + value[1:]
    return value + "~" if value else "forged"


class Attacker:
    """Raw SQL on the log, in a transaction; ``p`` is the driver's placeholder."""

    def __init__(self, conn, p: str, verify):
        self.conn, self.p, self._verify = conn, p, verify

    def row(self, seq: int) -> tuple:
        return self.conn.execute(f"{sqlite_store.SELECT_ROWS.replace('?', self.p)} WHERE sequence = {self.p}",
                                 (seq,)).fetchone()

    def set(self, seq: int, column: str, value) -> None:
        self.conn.execute(f"UPDATE audit_log SET {column} = {self.p} WHERE sequence = {self.p}", (value, seq))

    def edit(self, seq: int, column: str, *, rehash: bool) -> None:
        old = self.row(seq)[SQL_COLUMNS.index(column)]
        new = _tampered(column, old)
        assert new != old
        self.set(seq, column, new)
        if rehash:
            row = list(self.row(seq))
            self.set(seq, "hash", chain.row_hash(row))

    def delete(self, seq: int) -> None:
        self.conn.execute(f"DELETE FROM audit_log WHERE sequence = {self.p}", (seq,))

    def insert_before(self, seq: int) -> None:
        """Shift records seq.. up by one and slip a forged record, hashed and linked, into the gap."""
        self.conn.execute(f"UPDATE audit_log SET sequence = sequence + {BIG} WHERE sequence >= {self.p}", (seq,))
        self.conn.execute(f"UPDATE audit_log SET sequence = sequence - {BIG - 1} WHERE sequence > {BIG}")
        prev = self.row(seq - 1)[SQL_COLUMNS.index("hash")] if seq > 1 else "0" * 64
        forged = AuditEvent("finding_accepted", "mallory", decision={"label": "pneumonia", "value": "absent"})
        cols = ", ".join(SQL_ROW_COLUMNS)
        self.conn.execute(f"INSERT INTO audit_log ({cols}) VALUES ({', '.join([self.p] * len(SQL_ROW_COLUMNS))})",
                          chain.seal(forged, seq, prev))  # no key: no MAC (a made-up one would not match)

    def swap(self, seq: int) -> None:
        """Record seq + 1 now comes first: a reorder."""
        self.set(seq, "sequence", BIG)
        self.set(seq + 1, "sequence", seq)
        self.set(BIG, "sequence", seq + 1)

    def verify(self):
        return self._verify(self.conn)


def _expected_after_edit(seq: int, column: str, rehash: bool) -> int:
    # its own hash (or its link, for prev_hash) no longer matches; with the hash recomputed, its MAC
    return seq


ALL = ("edit", "delete", "swap", "insert", "rehash")


def _run_cases(attacker: Attacker, positions, rollback, kinds=ALL) -> int:
    cases = 0
    for k in positions:
        column = SQL_COLUMNS[k % len(SQL_COLUMNS)]
        rehash_column = column if column not in ("sequence", "hash") else "reason"
        checks = []
        if "edit" in kinds and k <= N:
            checks.append((lambda k=k, c=column: attacker.edit(k, c, rehash=False), k, f"edit {column}"))
        if "delete" in kinds and k <= N:
            checks.append((lambda k=k: attacker.delete(k), k, "delete"))
        if "swap" in kinds and k < N:
            checks.append((lambda k=k: attacker.swap(k), k, "swap"))
        if "insert" in kinds:  # k = N + 1: a forged record appended after the last one
            checks.append((lambda k=k: attacker.insert_before(k), k, "insert"))  # the forged record: no MAC
        if "rehash" in kinds and k <= N:
            checks.append((lambda k=k, c=rehash_column: attacker.edit(k, c, rehash=True),
                           _expected_after_edit(k, rehash_column, True), f"edit {rehash_column} + rehash"))
        for tamper, expected, what in checks:
            with rollback():
                tamper()
                result = attacker.verify()
            assert not result.ok, (what, k)
            assert result.first_bad_sequence == expected, (what, k, result)
            assert str(expected) in result.reason
            cases += 1
    return cases


def test_sqlite_every_single_record_tampering_is_detected(tmp_path):
    path = tmp_path / "audit.sqlite3"
    with open_store(path) as store:
        store.append_many(events(N))
        assert store.verify().ok
        where, key, key_path = store.store_location, store.anchor_key(), store.key_path
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")

    class rollback:
        def __enter__(self):
            conn.execute("BEGIN")

        def __exit__(self, *exc):
            conn.execute("ROLLBACK")

    def verify(c):
        return sqlite_store.verify_connection(c, where, key=key, key_path=key_path)

    attacker = Attacker(conn, "?", verify)
    assert _run_cases(attacker, range(1, N + 1), rollback, ("edit", "delete", "swap")) == 1000 + 1000 + 999
    rng = random.Random(11)
    inserts = {1, 2, N - 1, N, N + 1, *rng.sample(range(3, N - 1), 100)}
    assert _run_cases(attacker, sorted(inserts), rollback, ("insert",)) == len(inserts)
    rehashes = {1, N, *rng.sample(range(2, N), 200)}
    assert _run_cases(attacker, sorted(rehashes), rollback, ("rehash",)) == len(rehashes)
    assert verify(conn).ok  # every case was rolled back
    conn.close()


@pytest.mark.postgres
def test_postgres_sampled_tampering_is_detected(pg_url):
    import psycopg

    from radassist.core.audit import postgres as pg

    with open_store(pg_url) as store:
        store.append_many(events(N))
        where, key, key_path = store.store_location, store.anchor_key(), store.key_path
    positions = sorted({1, 2, N - 1, N, N + 1, *random.Random(5).sample(range(3, N - 1), 20)})
    with psycopg.connect(pg_url, autocommit=True) as conn:
        def rollback():
            return conn.transaction(force_rollback=True)

        def verify(c):
            c.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")  # DDL is transactional: undone too
            return pg.verify_connection(c, where, key=key, key_path=key_path)

        class Disabling(Attacker):
            def _off(self):
                self.conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")

            def edit(self, *a, **kw):
                self._off()
                super().edit(*a, **kw)

            def delete(self, seq):
                self._off()
                super().delete(seq)

            def insert_before(self, seq):
                self._off()
                super().insert_before(seq)

            def swap(self, seq):
                self._off()
                super().swap(seq)

        cases = _run_cases(Disabling(conn, "%s", verify), positions, rollback)
        assert cases >= 24 * 5
        with conn.transaction():
            assert pg.verify_connection(conn, where, key=key, key_path=key_path).ok

"""The anchor on both backends: attacks on the whole store, each detected by verify (and refused by the writer).

The attacker has raw access to the database (SQLite: the file, triggers dropped; PostgreSQL: a superuser
session with triggers disabled) but not the anchor key. Kinds: truncate-then-append (the writer refuses),
truncate with the head moved back, a full recomputation of the chain without the key (MACs left stale, or
the anchoring stripped as well), every record deleted, the database deleted or recreated, a rollback to an
older copy, a lost -wal file (SQLite), a forged checkpoint file, a deleted checkpoint file, the wrong key.
Records from 0.1 (no MACs) still verify: "not anchored before sequence N".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from radassist.cli import main
from radassist.core.audit import Outbox, chain, open_store
from radassist.core.audit.store import SELECT_ROWS, SQL_COLUMNS
from radassist.core.errors import AuditAppendRefusedError, AuditStoreMissingError, AuditWriteError
from tests.core.audit._factory import event, events

N = 200
_HASH = SQL_COLUMNS.index("hash")
_PREV = SQL_COLUMNS.index("prev_hash")


class Raw:
    """The attacker's raw SQL on one store, append-only triggers out of the way."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql://")
        self.p = "%s" if self.pg else "?"

    def run(self, *statements: tuple[str, tuple] | str) -> None:
        if self.pg:
            import psycopg

            with psycopg.connect(self.url) as conn:
                conn.execute("SET session_replication_role = replica")  # no triggers fire (superuser)
                for st in statements:
                    sql, params = (st, ()) if isinstance(st, str) else st
                    conn.execute(sql.replace("?", "%s"), params)
            return
        conn = sqlite3.connect(self.url, isolation_level=None)
        for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only", "audit_head_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("BEGIN")
        for st in statements:
            sql, params = (st, ()) if isinstance(st, str) else st
            conn.execute(sql, params)
        conn.execute("COMMIT")
        conn.close()

    def rows(self) -> list[list]:
        if self.pg:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return [list(r) for r in conn.execute(SELECT_ROWS + " ORDER BY sequence")]
        with closing(sqlite3.connect(self.url)) as conn:
            return [list(r) for r in conn.execute(SELECT_ROWS + " ORDER BY sequence")]

    def head(self) -> tuple:
        sql = "SELECT sequence, hash, mac, store_id, anchored_from, key_id FROM audit_head"
        if self.pg:
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchone()
        with closing(sqlite3.connect(self.url)) as conn:
            return conn.execute(sql).fetchone()

    def set_head(self, seq: int, h: str, mac=..., **more) -> None:
        sets, params = ["sequence = ?", "hash = ?"], [seq, h]
        if mac is not ...:
            sets.append("mac = ?")
            params.append(mac)
        for k, v in more.items():
            sets.append(f"{k} = ?")
            params.append(v)
        self.run((f"UPDATE audit_head SET {', '.join(sets)}", tuple(params)))

    def recompute_from(self, k: int, *, strip_macs: bool) -> None:
        """Edit record k, then recompute every hash and link after it and move the head: a full rewrite."""
        rows = self.rows()
        rows[k - 1][SQL_COLUMNS.index("reason")] = "forged by an insider"
        prev = rows[k - 2][_HASH] if k > 1 else chain.GENESIS_HASH
        updates = []
        for row in rows[k - 1:]:
            row[_PREV] = prev
            row[_HASH] = chain.row_hash(row[:len(SQL_COLUMNS)])
            prev = row[_HASH]
            updates.append(("UPDATE audit_log SET reason = ?, prev_hash = ?, hash = ? WHERE sequence = ?",
                            (row[SQL_COLUMNS.index("reason")], row[_PREV], row[_HASH], row[0])))
        if strip_macs:
            updates.append("UPDATE audit_log SET mac = NULL")
        self.run(*updates)
        if strip_macs:  # and switch the anchoring off, as if the log came from 0.1
            self.set_head(len(rows), prev, None, anchored_from=len(rows) + 1, key_id=None)
        else:
            self.set_head(len(rows), prev)


@pytest.fixture
def filled(store_url):
    """A store with N records (checkpointed on close), and the attacker's handle on it."""
    with open_store(store_url) as s:
        s.append_many(events(N))
        assert s.verify().ok
    return store_url, Raw(store_url)


def _verify(url: str):
    with open_store(url, read_only=True) as s:
        return s.verify()


def _bad(url: str, first: int | None, *words: str):
    r = _verify(url)
    assert not r.ok, r
    assert r.first_bad_sequence == first, r
    for w in words:
        assert w in r.reason, r
    return r


def test_an_intact_store_is_anchored_and_checkpointed(filled):
    url, _ = filled
    r = _verify(url)
    assert r.ok and r.count == N and r.anchored_from == 1 and r.checkpoint == N and r.notes == ()


def test_truncate_then_append_is_refused_by_the_writer_and_reported(filled, tmp_path, caplog):
    url, raw = filled
    raw.run(("DELETE FROM audit_log WHERE sequence > ?", (N - 3,)))
    with open_store(url) as s, pytest.raises(AuditAppendRefusedError, match=rf"record {N - 2}-{N} was deleted"):
        s.append(event(N))
    assert "AUDIT APPEND REFUSED" in caplog.text  # loudly logged (CRITICAL)
    # through the outbox, as the app writes: kept, spooled and shown as not yet saved
    box = Outbox(open_store(url), spool_path=tmp_path / "spool.jsonl")
    with pytest.raises(AuditWriteError, match=r"not yet saved.*will not take new records"):
        box.append(event(N + 1))
    assert len(box.pending()) == 1 and (tmp_path / "spool.jsonl").is_file()
    box.close()
    _bad(url, N - 2, f"{N - 2}-{N} is missing")


def test_truncation_with_the_head_moved_back_is_caught_by_the_head_mac_and_the_checkpoint(filled):
    url, raw = filled
    rows = raw.rows()
    raw.run(("DELETE FROM audit_log WHERE sequence > ?", (N - 3,)))
    raw.set_head(N - 3, rows[N - 4][_HASH])
    with open_store(url) as s, pytest.raises(AuditAppendRefusedError, match=r"not authentic"):
        s.append(event(N))
    _bad(url, N - 2, f"record {N - 2}-{N} is missing", "checkpoint")


def test_full_recomputation_without_the_key_is_detected(filled):
    url, raw = filled
    raw.recompute_from(50, strip_macs=False)
    _bad(url, 50, "MAC that does not match")
    with open_store(url) as s, pytest.raises(AuditAppendRefusedError):
        s.append(event(N))


def test_full_recomputation_with_the_anchoring_stripped_is_caught_by_the_checkpoint(filled):
    url, raw = filled
    raw.recompute_from(50, strip_macs=True)
    _bad(url, N, "checkpoint", "recomputed or replaced")


def test_every_record_deleted_is_detected(filled):
    url, raw = filled
    raw.run("DELETE FROM audit_log")
    _bad(url, 1, f"1-{N} is missing")  # the head still says N
    raw.set_head(0, chain.GENESIS_HASH, None)
    _bad(url, 1, f"1-{N} is missing", "checkpoint")


def test_a_deleted_or_recreated_database_is_detected(filled, capsys):
    url, raw = filled
    if raw.pg:
        raw.run("DROP TABLE audit_log", "DROP TABLE audit_head", "DROP TABLE audit_schema")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(url + suffix).unlink(missing_ok=True)
    with pytest.raises(AuditStoreMissingError):
        open_store(url, read_only=True)
    assert main(["audit", "verify", "--url", url]) == 1
    assert "checkpoints" in capsys.readouterr().err
    open_store(url).close()  # a writer creates a fresh, empty store in its place
    _bad(url, None, "checkpoints belong to store", "recreated")
    with open_store(url) as s, pytest.raises(AuditAppendRefusedError, match=r"checkpoints belong"):
        s.append(event(0))


def test_a_rollback_to_an_older_copy_is_detected(store_url, tmp_path):
    raw = Raw(store_url)
    with open_store(store_url) as s:
        s.append_many(events(N // 2))
    old_rows, old_head = raw.rows(), raw.head()
    if not raw.pg:
        copy = tmp_path / "backup.sqlite3"
        with closing(sqlite3.connect(store_url)) as src, closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
    with open_store(store_url) as s:
        s.append_many(events(N // 2, start=N // 2))
    if raw.pg:  # what restoring yesterday's dump leaves: the old rows and the old (authentic) head
        raw.run(("DELETE FROM audit_log WHERE sequence > ?", (len(old_rows),)))
        raw.set_head(old_head[0], old_head[1], old_head[2])
    else:
        for suffix in ("-wal", "-shm"):
            Path(store_url + suffix).unlink(missing_ok=True)
        shutil.copyfile(copy, store_url)
    _bad(store_url, N // 2 + 1, f"{N // 2 + 1}-{N} is missing", "rolled back")
    with open_store(store_url) as s, pytest.raises(AuditAppendRefusedError, match=r"rolled back"):
        s.append(event(0))


def test_a_lost_wal_file_is_detected(tmp_path):
    db = tmp_path / "live" / "audit.sqlite3"
    store = open_store(db)
    store._conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep what follows in the -wal file
    store.append_many(events(50))
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the first 50 are in the main file
    store.append_many(events(50, start=50))
    store.checkpoint()
    assert Path(str(db) + "-wal").stat().st_size > 0
    lost = tmp_path / "lost"  # the main file and its side files, without the -wal
    lost.mkdir()
    shutil.copyfile(db, lost / db.name)
    shutil.copyfile(store.checkpoints_path, lost / store.checkpoints_path.name)
    store.close()
    _bad(str(lost / db.name), 51, "51-100 is missing", "-wal")


def test_a_forged_or_deleted_checkpoint_file_is_detected(filled):
    url, _ = filled
    with open_store(url, read_only=True) as s:
        cps = s.checkpoints_path
    text = cps.read_text()
    cps.write_text(text.replace(f'"sequence":{N}', f'"sequence":{N - 1}'))
    _bad(url, None, "not authentic")
    cps.write_text(text + text.splitlines()[0].replace('"mac":"', '"mac":"0') + "\n")
    _bad(url, None, "checkpoint file")
    cps.unlink()
    if url.startswith("postgresql://"):  # the checkpoints of a shared store are per workstation
        r = _verify(url)
        assert r.ok and any("no checkpoint" in n for n in r.notes)
    else:
        _bad(url, None, "checkpoint file", "missing")


def test_the_wrong_or_a_missing_key_is_never_intact(filled, tmp_path):
    url, _ = filled
    with open_store(url, read_only=True, key_path=tmp_path / "no-such-key") as s:
        r = s.verify()
    assert not r.ok and "key" in r.reason and "missing" in r.reason
    other = tmp_path / "other-key"
    other.write_text(os.urandom(32).hex())
    other.chmod(0o600)
    with open_store(url, read_only=True, key_path=other) as s:
        r = s.verify()
    assert not r.ok and "anchored with key id" in r.reason
    with open_store(url, key_path=other) as s, pytest.raises(AuditAppendRefusedError, match="key id"):
        s.append(event(0))


def test_records_from_0_1_still_verify_and_are_anchored_from_the_upgrade(store_url):
    """A 0.1 log (schema 2, no MACs) is migrated; its records keep verifying, new ones carry MACs."""
    raw = Raw(store_url)
    if raw.pg:
        from radassist.core.audit import postgres as backend

        conn = backend.connect(store_url, autocommit=True)
        backend.migrate(conn, backend.MIGRATIONS[:2])
        insert = f"INSERT INTO audit_log ({', '.join(SQL_COLUMNS)}) VALUES ({', '.join(['%s'] * len(SQL_COLUMNS))})"
        rows, recs = chain.seal_all(events(40), 0, chain.GENESIS_HASH)
        with conn.cursor() as cur:
            cur.executemany(insert, [r[:-1] for r in rows])
            cur.execute("UPDATE audit_head SET sequence = %s, hash = %s", (40, recs[-1].hash))
        conn.close()
    else:
        from radassist.core.audit import sqlite as backend

        conn = backend.connect(store_url)
        backend.migrate(conn, backend.MIGRATIONS[:2])
        insert = f"INSERT INTO audit_log ({', '.join(SQL_COLUMNS)}) VALUES ({', '.join('?' * len(SQL_COLUMNS))})"
        rows, recs = chain.seal_all(events(40), 0, chain.GENESIS_HASH)
        conn.executemany(insert, [r[:-1] for r in rows])
        conn.execute("UPDATE audit_head SET sequence = ?, hash = ?", (40, recs[-1].hash))
        conn.close()
    r = _verify(store_url)  # read-only: verified as it is, not migrated
    assert r.ok and r.count == 40 and r.anchored_from is None and "not anchored" in r.notes[0]
    with open_store(store_url) as s:
        s.append_many(events(5, start=40))
    r = _verify(store_url)
    assert r.ok and r.count == 45 and r.anchored_from == 41
    assert any("not anchored before sequence 41" in n for n in r.notes)
    raw.run("UPDATE audit_log SET mac = NULL WHERE sequence = 43")  # anchored records need their MAC
    _bad(store_url, 43, "has no MAC")

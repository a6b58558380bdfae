"""A write that fails is not lost: kept pending (in memory and spooled), reported, retried in order."""

from __future__ import annotations

import json

import pytest

from radassist.core.audit import Outbox, open_store
from radassist.core.errors import AuditWriteError
from tests.core.audit._factory import event


def test_read_only_sqlite_database_keeps_events_pending_then_flushes_in_order(tmp_path):
    """``PRAGMA query_only`` makes SQLite refuse writes for root too (chmod would not stop root)."""
    store = open_store(tmp_path / "audit.sqlite3")
    spool = tmp_path / "logs" / "audit-pending.jsonl"
    box = Outbox(store, spool_path=spool)
    box.append(event(0))
    store._conn.execute("PRAGMA query_only = ON")  # the database turned read-only
    e1, e2 = event(1), event(2)
    with pytest.raises(AuditWriteError, match=r"not yet saved.*readonly"):
        box.append(e1)
    with pytest.raises(AuditWriteError, match=r"2 audit record"):
        box.append(e2)
    assert [e.event_id for e in box.pending()] == [e1.event_id, e2.event_id]
    lines = [json.loads(line) for line in spool.read_text().splitlines()]
    assert [d["event"]["event_id"] for d in lines] == [e1.event_id, e2.event_id]
    assert {d["store"] for d in lines} == {store.identity} and all(len(d["mac"]) == 64 for d in lines)
    assert store.head()[0] == 1

    store._conn.execute("PRAGMA query_only = OFF")  # fixed
    stored = box.flush()
    assert [(r.sequence, r.event.event_id) for r in stored] == [(2, e1.event_id), (3, e2.event_id)]
    assert box.pending() == [] and not spool.exists() and box.last_error is None
    assert store.verify().ok and store.verify().count == 3
    store.close()


def test_pending_events_survive_a_restart_through_the_spool(tmp_path):
    """A database opened read-only (``?mode=ro``) refuses the write; the next session stores it."""
    path = tmp_path / "audit.sqlite3"
    spool = tmp_path / "audit-pending.jsonl"
    with open_store(path) as s:
        s.append(event(0))
    read_only = open_store(f"file:{path}?mode=ro")
    box = Outbox(read_only, spool_path=spool)
    e = event(1)
    with pytest.raises(AuditWriteError):
        box.append(e)
    read_only.close()  # the app exits (or crashes) with the event unsaved

    box2 = Outbox(open_store(path), spool_path=spool)
    assert [p.event_id for p in box2.pending()] == [e.event_id]
    assert box2.pending()[0] == e  # every field, timestamp included, as it was decided
    [record] = box2.flush()
    assert record.sequence == 2 and record.event == e
    assert box2.store.verify().ok and not spool.exists()
    box2.close()


def test_a_store_that_cannot_be_opened_is_retried_later(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database folder should be")
    target = {"path": blocker / "audit.sqlite3"}
    box = Outbox(lambda: open_store(target["path"]), spool_path=tmp_path / "spool.jsonl")
    with pytest.raises(AuditWriteError):
        box.append(event(0))
    assert len(box.pending()) == 1
    target["path"] = tmp_path / "audit.sqlite3"
    assert [r.sequence for r in box.flush()] == [1]
    box.close()


def test_a_store_from_an_opener_is_reopened_after_a_failed_write(tmp_path):
    """A broken handle does not heal by itself: the next retry opens the store afresh."""
    opened = []

    def opener():
        opened.append(open_store(tmp_path / "audit.sqlite3"))
        return opened[-1]

    box = Outbox(opener, spool_path=tmp_path / "spool.jsonl")
    box.append(event(0))
    opened[0]._conn.execute("PRAGMA query_only = ON")  # this handle can no longer write
    with pytest.raises(AuditWriteError, match=r"not yet saved"):
        box.append(event(1))
    assert [r.sequence for r in box.flush()] == [2] and len(opened) == 2
    assert box.store.verify().count == 2
    box.close()


@pytest.mark.postgres
def test_lost_postgres_connection_keeps_the_event_and_reconnects(pg_url, tmp_path):
    import psycopg

    store = open_store(pg_url)
    box = Outbox(store, spool_path=tmp_path / "spool.jsonl")
    box.append(event(0))
    with psycopg.connect(pg_url, autocommit=True) as admin:
        pid = store._conn.info.backend_pid
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    e = event(1)
    with pytest.raises(AuditWriteError, match=r"not yet saved"):
        box.append(e)
    assert [p.event_id for p in box.pending()] == [e.event_id]
    [record] = box.flush()  # reconnects
    assert record.sequence == 2 and store._conn.info.backend_pid != pid
    assert store.verify().ok and store.verify().count == 2
    store.close()


def test_two_outboxes_sharing_a_spool_store_each_event_once(tmp_path):
    """The app and a script on one workstation: whichever retries first stores the event, once."""
    path, spool = tmp_path / "audit.sqlite3", tmp_path / "audit-pending.jsonl"
    open_store(path).close()
    app_store = open_store(path)
    app = Outbox(app_store, spool_path=spool)
    app_store._conn.execute("PRAGMA query_only = ON")
    e = event(1)
    with pytest.raises(AuditWriteError):
        app.append(e)
    script = Outbox(open_store(path), spool_path=spool)  # starts later, finds the spooled event
    assert [r.event.event_id for r in script.flush()] == [e.event_id]
    assert not spool.exists()
    app_store._conn.execute("PRAGMA query_only = OFF")
    [again] = app.flush()  # the app's own retry recognises the stored event
    assert again.sequence == 1 and app_store.head()[0] == 1 and app_store.verify().ok
    app.close()
    script.close()

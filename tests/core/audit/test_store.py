"""Both audit stores (SQLite and a real PostgreSQL server): append, read back, verify, refuse changes."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from radassist.core.audit import open_store
from radassist.core.audit import sqlite as sqlite_store
from radassist.core.audit.chain import verify_records
from radassist.core.audit.export import read_jsonl
from radassist.core.audit.store import SQL_COLUMNS
from radassist.core.errors import AuditError, ConfigError
from tests.core.audit._factory import event, events, pixel_sha

REPO = Path(__file__).resolve().parents[3]
#: how 0.1 inserted a record (before the MAC column)
_V1_INSERT = f"INSERT INTO audit_log ({', '.join(SQL_COLUMNS)}) VALUES ({', '.join(['%s'] * len(SQL_COLUMNS))})"


def test_appends_form_one_chain_that_verifies(store):
    first = store.append(event(0))
    assert first.sequence == 1 and first.prev_hash == "0" * 64
    more = store.append_many(events(20, start=1))
    assert [r.sequence for r in more] == list(range(2, 22))
    assert store.head() == (21, more[-1].hash)
    result = store.verify()
    assert result.ok and result.count == 21 and result.head_hash == more[-1].hash


def test_records_read_back_exactly_as_written(store):
    written = store.append_many(events(14))
    read = store.query()
    assert read == written  # every field, nested AI output included, unchanged


def test_query_filters(store):
    store.append_many(events(14))
    store.append_many(events(7, start=100, user="dr.bob"))
    assert {r.event.user for r in store.query(user="dr.bob")} == {"dr.bob"}
    assert len(store.query(user="dr.bob")) == 7
    img = store.query(pixel_sha256=pixel_sha(0))
    assert len(img) == 7 and all(r.event.pixel_sha256 == pixel_sha(0) for r in img)
    corrected = store.query(event_types=["finding_corrected"])
    assert corrected and all(r.event.event_type == "finding_corrected" for r in corrected)
    assert store.query(since="2999-01-01") == []
    assert len(store.query(since="2000-01-01", limit=5)) == 5
    with pytest.raises(ValueError):
        store.query(event_types=["not_a_type"])


def test_retrying_an_event_already_stored_does_not_duplicate_it(store):
    e = event(0)
    r1 = store.append(e)
    store.append(event(1))
    r2 = store.append(e)  # e.g. the commit reached the server but the connection died before the reply
    assert r2 == r1 and store.head()[0] == 2 and store.verify().ok


def test_triggers_refuse_update_and_delete(store_url, store):
    store.append_many(events(3))
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            for sql in ("UPDATE audit_log SET reason = 'x' WHERE sequence = 2",
                        "DELETE FROM audit_log WHERE sequence = 3", "TRUNCATE audit_log",
                        "UPDATE audit_head SET sequence = 1"):
                with pytest.raises(psycopg.errors.RaiseException):
                    conn.execute(sql)
    else:
        conn = sqlite3.connect(store_url)
        for sql in ("UPDATE audit_log SET reason = 'x' WHERE sequence = 2",
                    "DELETE FROM audit_log WHERE sequence = 3", "DELETE FROM audit_log",
                    "UPDATE audit_head SET sequence = 1", "DELETE FROM audit_head"):
            with pytest.raises(sqlite3.IntegrityError, match=r"append-only|only moves forward|cannot be deleted"):
                conn.execute(sql)
        conn.close()
    assert store.verify().ok and store.head()[0] == 3


def test_duplicate_sequence_numbers_are_refused_by_the_schema(store_url, store):
    rec = store.append(event(0))
    dup = (1, "another-id", *[""] * 8, "null", "null", "null", "null", "", "null", "0" * 64, "f" * 64, None)
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(sqlite_store._INSERT.replace("?", "%s"), dup)
    else:
        with sqlite3.connect(store_url) as conn, pytest.raises(sqlite3.IntegrityError):
            conn.execute(sqlite_store._INSERT, dup)
    assert store.query() == [rec]


def test_export_jsonl_and_csv_and_offline_verification(store, tmp_path):
    recs = store.append_many(events(14))
    buf = io.StringIO()
    assert store.export(buf, "jsonl") == 14
    path = tmp_path / "audit.jsonl"
    path.write_text(buf.getvalue(), encoding="utf-8")
    again = list(read_jsonl(path))
    assert again == recs and verify_records(again, head=store.head()).ok
    lines = buf.getvalue().splitlines()
    lines[3] = lines[3].replace("dr.alice", "dr.eve")
    path.write_text("\n".join(lines), encoding="utf-8")
    bad = verify_records(read_jsonl(path))
    assert not bad.ok and bad.first_bad_sequence == 4
    csv_buf = io.StringIO()
    assert store.export(csv_buf, "csv", user="dr.alice", event_types=["note_added"]) == 2
    header, *rows = csv_buf.getvalue().splitlines()
    assert header.startswith("sequence,event_id,timestamp,event_type,user") and len(rows) == 2


def test_open_store_resolves_paths_urls_and_the_setting(tmp_path, monkeypatch, radassist_home):
    s = open_store()
    assert Path(s.location) == radassist_home.resolve() / "data" / "audit.sqlite3"
    s.close()
    s = open_store(f"sqlite:///{tmp_path}/x.sqlite3")
    assert s.location == f"{tmp_path}/x.sqlite3"
    s.close()
    monkeypatch.setenv("RADASSIST_AUDIT_URL", str(tmp_path / "from-env.sqlite3"))
    open_store().close()
    assert (tmp_path / "from-env.sqlite3").is_file()
    with pytest.raises(ConfigError):
        open_store("mysql://db/audit")


def test_sqlite_uses_wal_and_full_sync(tmp_path):
    s = open_store(tmp_path / "a.sqlite3")
    assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    s.close()


# --- schema migrations -------------------------------------------------------------------------------
def test_sqlite_migrates_a_version_1_database(tmp_path):
    """A v1 log (no head table, no indexes) is upgraded in place; its records keep verifying."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite_store.connect(path)
    sqlite_store.migrate(conn, sqlite_store.MIGRATIONS[:1])
    from radassist.core.audit.chain import seal_all
    from radassist.core.audit.events import GENESIS_HASH

    rows, recs = seal_all(events(5), 0, GENESIS_HASH)
    conn.executemany(_V1_INSERT.replace("%s", "?"), [r[:-1] for r in rows])  # 0.1 rows: no MAC column
    assert sqlite_store.schema_version(conn) == 1
    conn.close()

    s = open_store(path)
    assert sqlite_store.schema_version(s._conn) == sqlite_store.SCHEMA_VERSION == 3
    assert s.head() == (5, recs[-1].hash)  # the head was filled from the existing records
    indexes = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"audit_log_ts", "audit_log_image", "audit_log_user"} <= indexes
    s.append(event(5))
    assert s.verify().ok and s.verify().count == 6
    s.close()


def test_sqlite_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "new.sqlite3"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(AuditError, match=r"newer"):
        open_store(path)


@pytest.mark.postgres
def test_postgres_migrates_a_version_1_database(pg_url):
    from radassist.core.audit import postgres as pg
    from radassist.core.audit.chain import seal_all
    from radassist.core.audit.events import GENESIS_HASH

    conn = pg.connect(pg_url, autocommit=True)
    pg.migrate(conn, pg.MIGRATIONS[:1])
    rows, recs = seal_all(events(5), 0, GENESIS_HASH)
    with conn.cursor() as cur:
        cur.executemany(_V1_INSERT, [r[:-1] for r in rows])
    assert pg.schema_version(conn) == 1
    conn.close()
    s = open_store(pg_url)
    assert s.head() == (5, recs[-1].hash)
    s.append(event(5))
    assert s.verify().ok and s.verify().count == 6
    s.close()


# --- concurrency -------------------------------------------------------------------------------------
_WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from radassist.core.audit import open_store
    from tests.core.audit._factory import events
    store = open_store(sys.argv[1])
    n, user, go = int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    Path(str(go) + "-ready-" + user).touch()  # imported and connected: only the start line is left
    while not go.exists():
        time.sleep(0.005)
    for e in events(n, user=user):
        rec = store.append(e)
        print(rec.sequence, flush=True)
""")


def _race(store_url: str, tmp_path: Path, n: int, attempt: int) -> list[list[int]]:
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(repo=str(REPO)))
    go = tmp_path / f"go-{attempt}"
    procs = [subprocess.Popen([sys.executable, str(script), store_url, str(n), user, str(go)],
                              stdout=subprocess.PIPE, text=True) for user in ("ws-a", "ws-b")]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}-ready-{u}").exists() for u in ("ws-a", "ws-b")):  # both at the start line
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a writer did not start"
        time.sleep(0.005)
    go.touch()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    return [[int(x) for x in out.split()] for out in outs]


def test_two_processes_appending_at_once_make_one_chain(store_url, tmp_path):
    open_store(store_url).close()  # schema created before the race
    n, seen = 150, []
    for attempt in range(3):  # a loaded machine may run one writer to the end before the other starts
        a, b = _race(store_url, tmp_path, n, attempt)
        seen += a + b
        if a[-1] - a[0] >= n and b[-1] - b[0] >= n:  # both interleaved with the other
            break
    else:
        pytest.fail("the two writers never overlapped in 3 attempts; the race was not exercised")
    assert sorted(seen) == list(range(1, len(seen) + 1))  # no gap, no duplicate
    with open_store(store_url) as s:
        result = s.verify()
        assert result.ok and result.count == len(seen)
        assert {r.event.user for r in s.query()} == {"ws-a", "ws-b"}


def test_export_format_is_one_json_object_per_line(store):
    store.append_many(events(3))
    buf = io.StringIO()
    store.export(buf, "jsonl")
    objs = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [o["sequence"] for o in objs] == [1, 2, 3] and all(len(o["hash"]) == 64 for o in objs)


@pytest.mark.postgres
def test_both_backends_build_the_same_chain(pg_url, tmp_path):
    """Same events, same order: byte-identical hashes in SQLite and PostgreSQL (one format, portable)."""
    evs = list(events(21))
    with open_store(tmp_path / "a.sqlite3") as lite, open_store(pg_url) as pg:
        a, b = lite.append_many(evs), pg.append_many(evs)
        assert [r.hash for r in a] == [r.hash for r in b]
        assert lite.query() == pg.query()


def test_newest_first_paging_for_the_audit_viewer(store):
    store.append_many(events(25))
    page1 = store.query(newest_first=True, limit=10)
    assert [r.sequence for r in page1] == list(range(25, 15, -1))
    page2 = store.query(newest_first=True, limit=10, before_sequence=page1[-1].sequence)
    assert [r.sequence for r in page2] == list(range(15, 5, -1))


def test_sqlite_files_the_checkpoints_and_the_key_are_private_whatever_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        db = tmp_path / "site" / "audit.sqlite3"
        key = tmp_path / "keys" / "audit-key"
        s = open_store(db, key_path=key)
        s.append(event(0))
        cps = s.checkpoints_path
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), cps, key]
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        s.close()
    finally:
        os.umask(old)
    assert set(modes.values()) == {0o600}, modes
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert cps.parent == db.parent  # the checkpoints beside the database; the key apart from both

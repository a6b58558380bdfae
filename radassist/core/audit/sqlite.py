"""The embedded audit store: one SQLite file in RADASSIST_HOME.

WAL mode (readers never block the writer), ``synchronous=FULL`` (a committed record survives a killed
process and a power cut), schema versioned by ``PRAGMA user_version`` with ``MIGRATIONS``, triggers that
refuse UPDATE and DELETE, and appends inside ``BEGIN IMMEDIATE``: the write lock is taken before the last
record is read, so two processes can never both extend the same record (no fork, no duplicate sequence;
``sequence`` is the primary key besides).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from radassist.core.audit import chain
from radassist.core.audit.chain import VerifyResult
from radassist.core.audit.events import GENESIS_HASH, AuditEvent, AuditRecord
from radassist.core.audit.store import HEAD_TABLE, SELECT_ROWS, SQL_COLUMNS, TABLE, AuditStore, Query
from radassist.core.errors import AuditError, AuditWriteError

log = logging.getLogger(__name__)

_V1 = f"""
CREATE TABLE {TABLE} (
    sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),  -- the primary key: UNIQUE(sequence)
    event_id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    event_type TEXT NOT NULL,
    user_name TEXT NOT NULL,
    workstation TEXT NOT NULL,
    app_version TEXT NOT NULL,
    pixel_sha256 TEXT NOT NULL,
    sop_instance_uid TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    model TEXT NOT NULL,
    ai_output TEXT NOT NULL,
    decision TEXT NOT NULL,
    previous TEXT NOT NULL,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;
CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;
"""

# v2: the head (last sequence + hash, so truncation at the end is detected; only ever moves forward) and
# the indexes the audit viewer's filters need.
_V2 = f"""
CREATE TABLE {HEAD_TABLE} (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO {HEAD_TABLE} (id, sequence, hash)
    SELECT 1, COALESCE(MAX(sequence), 0),
           COALESCE((SELECT hash FROM {TABLE} ORDER BY sequence DESC LIMIT 1), '{GENESIS_HASH}')
    FROM {TABLE};
CREATE TRIGGER {HEAD_TABLE}_forward_only BEFORE UPDATE ON {HEAD_TABLE}
    WHEN NEW.sequence <= OLD.sequence OR NEW.id != OLD.id
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END;
CREATE TRIGGER {HEAD_TABLE}_no_delete BEFORE DELETE ON {HEAD_TABLE}
BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;
CREATE INDEX {TABLE}_ts ON {TABLE} (ts);
CREATE INDEX {TABLE}_image ON {TABLE} (pixel_sha256, sequence);
CREATE INDEX {TABLE}_user ON {TABLE} (user_name, ts);
"""

#: schema versions in order; MIGRATIONS[n] takes a database from version n to n + 1
MIGRATIONS: list[str] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)

_INSERT = f"INSERT INTO {TABLE} ({', '.join(SQL_COLUMNS)}) VALUES ({', '.join('?' * len(SQL_COLUMNS))})"
_LAST = f"SELECT sequence, hash FROM {TABLE} ORDER BY sequence DESC LIMIT 1"
_HEAD = f"SELECT sequence, hash FROM {HEAD_TABLE} WHERE id = 1"
_SET_HEAD = f"UPDATE {HEAD_TABLE} SET sequence = ?, hash = ? WHERE id = 1"


def connect(path: str | Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves), WAL, synchronous=FULL.

    ``path`` may be a ``file:...`` URI (e.g. ``?mode=ro``).
    """
    target = str(path)
    uri = target.startswith("file:")
    conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: list[str] = MIGRATIONS) -> int:
    """Bring the schema up to ``len(migrations)`` in one transaction; returns the version reached."""
    target = len(migrations)
    if schema_version(conn) == target:
        return target
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)  # re-read under the lock: another process may have migrated
        if current > target:
            raise AuditError(f"The audit database has schema version {current}, newer than this RadAssist "
                             f"understands ({target}).", hint="Update RadAssist on this workstation.")
        for version in range(current, target):
            for statement in _statements(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            log.info("audit schema migrated to version %d", version + 1)
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    return target


def _statements(script: str) -> Iterator[str]:
    """Split a script into statements (trigger bodies contain ';', so use SQLite's completeness test)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf.strip()
            buf = ""
    if buf.strip():
        yield buf.strip()


def read_head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute(_HEAD).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def iter_rows(conn: sqlite3.Connection, query: Query | None = None, *, batch: int = 500) -> Iterator[tuple]:
    sql, params = (query or Query()).sql(SELECT_ROWS, "?")
    cur = conn.execute(sql, params)
    while rows := cur.fetchmany(batch):
        yield from rows


def verify_connection(conn: sqlite3.Connection) -> VerifyResult:
    """Verify the log visible on ``conn`` (inside whatever transaction it is in): what ``verify`` runs."""
    return chain.verify_rows(iter_rows(conn), head=read_head(conn))


class SQLiteStore(AuditStore):
    """The audit log in one SQLite file (created and migrated on open)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self.location = str(path)
        try:
            if not str(path).startswith("file:"):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = connect(path, timeout=timeout)
            if schema_version(self._conn) != SCHEMA_VERSION:
                migrate(self._conn)
        except sqlite3.Error as exc:
            raise AuditWriteError(f"The audit database {path} cannot be opened for writing ({exc}).",
                                  hint="Check the disk and the folder's permissions.") from exc
        except OSError as exc:
            raise AuditWriteError(f"The audit database {path} cannot be created ({exc}).",
                                  hint="Check the disk and the folder's permissions.") from exc
        self._lock = threading.RLock()

    # --- writing ---------------------------------------------------------------------------------
    def append_many(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        events = list(events)
        if not events:
            return []
        with self._lock:
            try:
                return self._append_locked(events)
            except sqlite3.IntegrityError as exc:
                stored = self._already_stored(events)
                if stored is not None:  # a retry of events that did reach the log
                    return stored
                raise AuditWriteError(f"The audit record was refused by the database ({exc}).") from exc
            except sqlite3.Error as exc:
                raise AuditWriteError(f"The audit record could not be saved to {self.location} ({exc}).",
                                      hint="It is kept and will be retried; check the disk space and "
                                           "permissions.") from exc

    def _append_locked(self, events: list[AuditEvent]) -> list[AuditRecord]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # the write lock first, then read the last record: no forks
        try:
            last = conn.execute(_LAST).fetchone()
            seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
            rows, records = chain.seal_all(events, seq, prev)
            conn.executemany(_INSERT, rows)
            conn.execute(_SET_HEAD, (records[-1].sequence, records[-1].hash))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        return records

    def _already_stored(self, events: list[AuditEvent]) -> list[AuditRecord] | None:
        found = []
        for e in events:
            row = self._conn.execute(SELECT_ROWS + " WHERE event_id = ?", (e.event_id,)).fetchone()
            if row is None:
                return None
            found.append(chain.record_from_row(row))
        return found

    # --- reading ---------------------------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        with self._lock:
            return read_head(self._conn)

    def verify(self) -> VerifyResult:
        # A private read connection: a consistent WAL snapshot without holding up appends.
        with self._reading() as conn:
            return verify_connection(conn)

    def iter_records(self, query: Query | None = None) -> Iterator[AuditRecord]:
        """Streams from a private read connection (one snapshot), so a large export needs little memory."""
        with self._reading() as conn:
            for row in iter_rows(conn, query):
                yield chain.record_from_row(row)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = connect(self.path)
        except sqlite3.Error as exc:
            raise AuditError(f"The audit database {self.location} cannot be read ({exc}).") from exc
        try:
            conn.execute("BEGIN")
            yield conn
        except sqlite3.Error as exc:
            raise AuditError(f"The audit database {self.location} cannot be read ({exc}).") from exc
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

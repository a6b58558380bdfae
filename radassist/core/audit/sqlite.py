"""The embedded audit store: one SQLite file in RADASSIST_HOME.

WAL mode (readers never block the writer), ``synchronous=FULL`` (a committed record survives a killed
process and a power cut), schema versioned by ``PRAGMA user_version`` with ``MIGRATIONS``, triggers that
refuse UPDATE and DELETE, and appends inside ``BEGIN IMMEDIATE``: the write lock is taken before the last
record is read, so two processes can never both extend the same record (no fork, no duplicate sequence;
``sequence`` is the primary key besides). The file and its ``-wal``/``-shm`` are created 0600 (a umask
of 077 around the open, then a check), in a 0700 folder. A reader (``read_only``, what ``audit verify``
uses) never creates the file, never migrates and never writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from radassist.core.audit import chain
from radassist.core.audit.anchor import AnchorKey
from radassist.core.audit.chain import VerifyResult
from radassist.core.audit.events import GENESIS_HASH, AuditEvent, AuditRecord
from radassist.core.audit.location import StoreLocation, parse_location
from radassist.core.audit.store import (
    HEAD_TABLE,
    SELECT_HEAD,
    SELECT_HEAD_V2,
    SELECT_ROWS,
    SELECT_ROWS_V2,
    SELECT_TAIL,
    SQL_ROW_COLUMNS,
    TABLE,
    AuditStore,
    Head,
    Query,
    verify_snapshot,
)
from radassist.core.errors import AuditError, AuditStoreMissingError, AuditWriteError

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

# v3: the anchor (see ``anchor``): a MAC per record, and on the head its MAC, a random store id, the first
# anchored sequence (records before it come from 0.1) and the key id. The head's trigger now also keeps
# the store id and the anchoring fixed, and the key id once set.
_V3 = f"""
ALTER TABLE {TABLE} ADD COLUMN mac TEXT;
ALTER TABLE {HEAD_TABLE} ADD COLUMN mac TEXT;
ALTER TABLE {HEAD_TABLE} ADD COLUMN store_id TEXT;
ALTER TABLE {HEAD_TABLE} ADD COLUMN anchored_from INTEGER;
ALTER TABLE {HEAD_TABLE} ADD COLUMN key_id TEXT;
DROP TRIGGER {HEAD_TABLE}_forward_only;
UPDATE {HEAD_TABLE} SET store_id = lower(hex(randomblob(16))), anchored_from = sequence + 1;
CREATE TRIGGER {HEAD_TABLE}_forward_only BEFORE UPDATE ON {HEAD_TABLE}
    WHEN NEW.sequence <= OLD.sequence OR NEW.id != OLD.id OR NEW.store_id IS NOT OLD.store_id
         OR NEW.anchored_from IS NOT OLD.anchored_from
         OR (OLD.key_id IS NOT NULL AND NEW.key_id IS NOT OLD.key_id)
BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END;
"""

#: schema versions in order; MIGRATIONS[n] takes a database from version n to n + 1
MIGRATIONS: list[str] = [_V1, _V2, _V3]
SCHEMA_VERSION = len(MIGRATIONS)

_INSERT = f"INSERT INTO {TABLE} ({', '.join(SQL_ROW_COLUMNS)}) VALUES ({', '.join('?' * len(SQL_ROW_COLUMNS))})"
_SET_HEAD = f"UPDATE {HEAD_TABLE} SET sequence = ?, hash = ?, mac = ?, key_id = ? WHERE id = 1"
_HASH_AT = f"SELECT hash FROM {TABLE} WHERE sequence = ?"
#: the side files SQLite keeps beside the database
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


@contextlib.contextmanager
def _private_umask() -> Iterator[None]:
    """Files SQLite creates meanwhile (the database, -wal, -shm) are 0600. The umask is per process, so this
    is held only around opening a connection and switching to WAL, when SQLite creates them."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def make_files_private(path: Path) -> None:
    """The database and the side files SQLite made (possibly before 0.2, with the umask's mode) to 0600."""
    from radassist.config import make_private_file

    for suffix in SQLITE_SUFFIXES:
        make_private_file(Path(str(path) + suffix))


def connect(path: str | Path, *, timeout: float = 30.0, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves), WAL, synchronous=FULL.

    ``path`` may be a ``file:...`` URI (e.g. ``?mode=ro``). ``read_only``: the file must exist (it is opened
    ``mode=rw``, or ``mode=ro`` on read-only media) and the journal mode is left as it is.
    """
    target = str(path)
    if read_only and not target.startswith("file:"):
        target = f"file:{Path(target).absolute().as_posix()}?mode=rw"
    uri = target.startswith("file:")
    with _private_umask():
        try:
            conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, check_same_thread=False, uri=uri)
        except sqlite3.OperationalError:
            if not (read_only and target.endswith("?mode=rw")):
                raise
            conn = sqlite3.connect(target[: -len("rw")] + "ro", timeout=timeout, isolation_level=None,
                                   check_same_thread=False, uri=True)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if not read_only:
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


def read_head(conn: sqlite3.Connection) -> Head:
    """The head row (all its columns at schema version 3, sequence and hash before)."""
    version = schema_version(conn)
    if version < 2:
        last = conn.execute(SELECT_TAIL).fetchone() if version == 1 else None
        return Head(int(last[0]), str(last[1])) if last else Head(0, GENESIS_HASH)
    return Head.from_row(conn.execute(SELECT_HEAD if version >= 3 else SELECT_HEAD_V2).fetchone())


def iter_rows(conn: sqlite3.Connection, query: Query | None = None, *, batch: int = 500) -> Iterator[tuple]:
    """Rows in ``chain.ROW_COLUMNS`` order (the MAC None before schema version 3)."""
    select = SELECT_ROWS if schema_version(conn) >= 3 else SELECT_ROWS_V2
    sql, params = (query or Query()).sql(select, "?")
    cur = conn.execute(sql, params)
    while rows := cur.fetchmany(batch):
        yield from rows


def verify_connection(conn: sqlite3.Connection, where: StoreLocation | None = None, *, key=None,
                      key_path: Path | None = None) -> VerifyResult:
    """Verify the log visible on ``conn`` (inside whatever transaction it is in): what ``verify`` runs.

    ``where`` names the checkpoint file (None: none is compared); ``key`` checks the MACs.
    """
    has_log = schema_version(conn) >= 1
    return verify_snapshot(iter_rows(conn) if has_log else iter(()), read_head(conn), key=key, key_path=key_path,
                           checkpoints_path=where.checkpoints_path if where is not None else None, has_log=has_log)


class SQLiteStore(AuditStore):
    """The audit log in one SQLite file (created and migrated on open, unless ``create``/``read_only`` say no)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0, key_path: Path | None = None,
                 create: bool = True, read_only: bool = False) -> None:
        where = parse_location(str(path))
        self._init_anchor(where, key_path, read_only=read_only)
        self.path = path
        file = where.sqlite_path
        if (read_only or not create) and not file.is_file():
            raise AuditStoreMissingError(f"There is no audit database at {path}.",
                                         hint="Check the path (--url, RADASSIST_AUDIT_URL or the audit_url setting).")
        try:
            if not read_only:
                from radassist.config import make_private_dir

                make_private_dir(file.parent)
            self._conn = connect(path, timeout=timeout, read_only=read_only)
            if not read_only:
                if schema_version(self._conn) != SCHEMA_VERSION:
                    migrate(self._conn)
                make_files_private(file)
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
        key = self._writing_key()
        conn.execute("BEGIN IMMEDIATE")  # the write lock first, then read the head and the last record: no forks
        try:
            head = Head.from_row(conn.execute(SELECT_HEAD).fetchone())
            last = conn.execute(SELECT_TAIL).fetchone()
            tail = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
            self._guard(head, tail, key, self._hash_at)
            rows, records, new_head = self._seal(events, head, key)
            conn.executemany(_INSERT, rows)
            conn.execute(_SET_HEAD, new_head)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        self._after_commit(head, key, new_head[0], new_head[1])
        return records

    def _hash_at(self, sequence: int) -> str | None:
        row = self._conn.execute(_HASH_AT, (sequence,)).fetchone()
        return str(row[0]) if row else None

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
            h = read_head(self._conn)
            return h.sequence, h.hash

    # verify and iter_records (the base class) read through a private connection: a consistent WAL
    # snapshot without holding up appends
    def _verify_snapshot(self, conn: sqlite3.Connection, key: AnchorKey | None) -> VerifyResult:
        return verify_connection(conn, self.store_location, key=key, key_path=self.key_path)

    def _rows(self, conn: sqlite3.Connection, query: Query | None) -> Iterator[tuple]:
        return iter_rows(conn, query)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = connect(self.path, read_only=True)
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
            self.checkpoint()
            self._conn.close()

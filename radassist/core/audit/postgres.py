"""The shared audit store for several workstations: the same table, chain and triggers on PostgreSQL.

Appends lock the single head row (``SELECT ... FOR UPDATE``), which names the last record, so concurrent
writers on any number of machines queue up one after another: one chain, no gaps, no forks;
``UNIQUE(sequence)`` (the primary key) would refuse a duplicate anyway. Columns are TEXT holding the same
canonical strings as SQLite, so a record hashes to the same bytes in both backends. Needs psycopg 3
(the ``postgres`` extra).

Passwords: a URL may carry one (``user:pass@``, ``?password=``) for one run, but every message shows the
URL through ``config.redact_url``; a site keeps the password in libpq's passfile (``~/.pgpass``,
``PGPASSFILE``) or ``PGPASSWORD``, which psycopg reads natively. Every value reaches the server as a bound
parameter (``%s``), never inside the SQL text.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from radassist.config import redact_url
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
    SQL_COLUMNS,
    SQL_ROW_COLUMNS,
    TABLE,
    AuditStore,
    Head,
    Query,
    verify_snapshot,
)
from radassist.core.errors import AuditError, AuditStoreMissingError, AuditWriteError, DependencyError

log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key serialising migrations ("RadAudit" in ASCII)
_MIGRATION_LOCK = 0x5261644175646974

_TEXT_COLUMNS = ",\n    ".join(f"{c} TEXT NOT NULL" for c in SQL_COLUMNS[1:-1])
_V1 = [
    f"""CREATE TABLE {TABLE} (
    sequence BIGINT PRIMARY KEY CHECK (sequence >= 1),
    {_TEXT_COLUMNS},
    hash TEXT NOT NULL UNIQUE,
    UNIQUE (event_id)
)""",
    """CREATE OR REPLACE FUNCTION radassist_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME;
END $$""",
    f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION radassist_audit_refuse()""",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION radassist_audit_refuse()""",
]
_V2 = [
    f"""CREATE TABLE {HEAD_TABLE} (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sequence BIGINT NOT NULL,
    hash TEXT NOT NULL
)""",
    f"""INSERT INTO {HEAD_TABLE} (id, sequence, hash)
    SELECT 1, COALESCE(MAX(sequence), 0),
           COALESCE((SELECT hash FROM {TABLE} ORDER BY sequence DESC LIMIT 1), '{GENESIS_HASH}')
    FROM {TABLE}""",
    """CREATE OR REPLACE FUNCTION radassist_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.sequence <= OLD.sequence OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION 'the audit head only moves forward';
    END IF;
    RETURN NEW;
END $$""",
    f"""CREATE TRIGGER {HEAD_TABLE}_forward_only BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
    FOR EACH ROW EXECUTE FUNCTION radassist_audit_head_forward()""",
    f"CREATE INDEX {TABLE}_ts ON {TABLE} (ts)",
    f"CREATE INDEX {TABLE}_image ON {TABLE} (pixel_sha256, sequence)",
    f"CREATE INDEX {TABLE}_user ON {TABLE} (user_name, ts)",
]
# v3: the anchor, as in SQLite: record MACs, and on the head its MAC, store id, first anchored sequence, key id
_V3 = [
    f"ALTER TABLE {TABLE} ADD COLUMN mac TEXT",
    f"ALTER TABLE {HEAD_TABLE} ADD COLUMN mac TEXT, ADD COLUMN store_id TEXT, ADD COLUMN anchored_from BIGINT, "
    "ADD COLUMN key_id TEXT",
    f"DROP TRIGGER {HEAD_TABLE}_forward_only ON {HEAD_TABLE}",
    f"UPDATE {HEAD_TABLE} SET store_id = replace(gen_random_uuid()::text, '-', ''), anchored_from = sequence + 1",
    """CREATE OR REPLACE FUNCTION radassist_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.sequence <= OLD.sequence OR NEW.id <> OLD.id
       OR NEW.store_id IS DISTINCT FROM OLD.store_id OR NEW.anchored_from IS DISTINCT FROM OLD.anchored_from
       OR (OLD.key_id IS NOT NULL AND NEW.key_id IS DISTINCT FROM OLD.key_id) THEN
        RAISE EXCEPTION 'the audit head only moves forward';
    END IF;
    RETURN NEW;
END $$""",
    f"""CREATE TRIGGER {HEAD_TABLE}_forward_only BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
    FOR EACH ROW EXECUTE FUNCTION radassist_audit_head_forward()""",
    f"""CREATE TRIGGER {HEAD_TABLE}_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION radassist_audit_refuse()""",
]
#: MIGRATIONS[n] takes a database from schema version n to n + 1 (same versions as SQLite)
MIGRATIONS: list[list[str]] = [_V1, _V2, _V3]
SCHEMA_VERSION = len(MIGRATIONS)

_INSERT = (f"INSERT INTO {TABLE} ({', '.join(SQL_ROW_COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(SQL_ROW_COLUMNS))})")
_LOCK_HEAD = f"{SELECT_HEAD} FOR UPDATE"
_SET_HEAD = f"UPDATE {HEAD_TABLE} SET sequence = %s, hash = %s, mac = %s, key_id = %s WHERE id = 1"
_HASH_AT = f"SELECT hash FROM {TABLE} WHERE sequence = %s"


def _psycopg():
    try:
        import psycopg
    except ImportError as exc:
        raise DependencyError("The PostgreSQL audit store needs psycopg 3.",
                              hint="Install it with: pip install 'radassist[postgres]'.") from exc
    return psycopg


#: the one redaction helper (kept under this name for callers of 0.1)
redact = redact_url


def connect(url: str, **kwargs: Any):
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, connect_timeout=10, **kwargs)
    except psycopg.Error as exc:
        raise AuditWriteError(f"The audit database {redact_url(url)} cannot be reached ({_first_line(exc)}).",
                              hint="Check the network and the server (a password belongs in ~/.pgpass or "
                                   "PGPASSWORD); the record is kept and retried.") from exc


def _first_line(exc: BaseException) -> str:
    """The server's first line, passwords hidden (libpq may echo the connection string)."""
    return redact_url((str(exc).strip().splitlines() or [type(exc).__name__])[0])


def schema_version(conn) -> int:
    exists = conn.execute("SELECT to_regclass('audit_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM audit_schema").fetchone()
    return int(row[0]) if row else 0


def migrate(conn, migrations: list[list[str]] = MIGRATIONS) -> int:
    """Bring the schema to ``len(migrations)``, serialised across processes by an advisory lock."""
    target = len(migrations)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS audit_schema (version INTEGER NOT NULL)")
        current = schema_version(conn)
        if current > target:
            raise AuditError(f"The audit database has schema version {current}, newer than this RadAssist "
                             f"understands ({target}).", hint="Update RadAssist on this workstation.")
        for version in range(current, target):
            for statement in migrations[version]:
                conn.execute(statement)
            conn.execute("DELETE FROM audit_schema")
            conn.execute("INSERT INTO audit_schema (version) VALUES (%s)", (version + 1,))
            log.info("audit schema (PostgreSQL) migrated to version %d", version + 1)
    return target


def read_head(conn) -> Head:
    version = schema_version(conn)
    if version < 2:
        last = conn.execute(SELECT_TAIL).fetchone() if version == 1 else None
        return Head(int(last[0]), str(last[1])) if last else Head(0, GENESIS_HASH)
    return Head.from_row(conn.execute(SELECT_HEAD if version >= 3 else SELECT_HEAD_V2).fetchone())


def iter_rows(conn, query: Query | None = None, *, batch: int = 10000) -> Iterator[tuple]:
    """Rows in sequence order through a server-side cursor (needs an open transaction on ``conn``)."""
    select = SELECT_ROWS if schema_version(conn) >= 3 else SELECT_ROWS_V2
    sql, params = (query or Query()).sql(select, "%s")
    with conn.cursor(name="radassist_audit_rows") as cur:
        cur.itersize = batch
        cur.execute(sql, params)
        while rows := cur.fetchmany(batch):
            yield from rows


def verify_connection(conn, where: StoreLocation | None = None, *, key=None,
                      key_path: Path | None = None) -> VerifyResult:
    """Verify the log visible in ``conn``'s current transaction: what ``verify`` runs."""
    has_log = schema_version(conn) >= 1
    return verify_snapshot(iter_rows(conn) if has_log else iter(()), read_head(conn), key=key, key_path=key_path,
                           checkpoints_path=where.checkpoints_path if where is not None else None, has_log=has_log,
                           local_side_files=False)


class PostgresStore(AuditStore):
    """The audit log in a PostgreSQL database given by a ``postgresql://`` URL."""

    def __init__(self, url: str, *, key_path: Path | None = None, create: bool = True,
                 read_only: bool = False) -> None:
        self._init_anchor(parse_location(url), key_path, read_only=read_only)
        self.url = url
        self._create = create and not read_only
        self._lock = threading.RLock()
        self._conn = None
        if read_only or not create:
            with self._reading() as conn:
                if schema_version(conn) == 0:
                    raise AuditStoreMissingError(f"The database {self.location} holds no audit log.",
                                                 hint="Check the URL (--url, RADASSIST_AUDIT_URL or audit_url).")
        if not read_only:
            self._connection()

    def _connection(self):
        """The open connection, reconnecting (and migrating if needed) after a lost one."""
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        if self._conn is not None:
            self._conn.close()
            log.warning("audit database connection lost; reconnecting to %s", self.location)
        conn = connect(self.url, autocommit=True)
        try:
            if schema_version(conn) != SCHEMA_VERSION:
                migrate(conn)
        except _psycopg().Error as exc:
            conn.close()
            raise AuditWriteError(f"The audit database {self.location} could not be prepared "
                                  f"({_first_line(exc)}).") from exc
        self._conn = conn
        return conn

    def append_many(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        events = list(events)
        if not events:
            return []
        psycopg = _psycopg()
        with self._lock:
            try:
                conn = self._connection()
                # Two round trips, pipelined: BEGIN + lock the head row, then INSERT + move the head + COMMIT.
                # Under READ COMMITTED a row locked FOR UPDATE is returned in its newest committed version,
                # so after waiting for the lock the head names the previous appender's last record.
                key = self._writing_key()
                with conn.pipeline(), conn.cursor() as cur, conn.cursor() as tail_cur:
                    cur.execute("BEGIN")
                    cur.execute(_LOCK_HEAD)  # every appender queues here
                    # a statement of its own, after the lock: its snapshot sees the previous appender's commit
                    tail_cur.execute(SELECT_TAIL)
                    head = Head.from_row(cur.fetchone())
                    last = tail_cur.fetchone()
                    tail = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
                    self._guard(head, tail, key, self._hash_at)
                    rows, records, new_head = self._seal(events, head, key)
                    cur.executemany(_INSERT, rows)
                    cur.execute(_SET_HEAD, new_head)
                    cur.execute("COMMIT")
                self._after_commit(head, key, new_head[0], new_head[1])
                return records
            except AuditWriteError:
                self._rollback()
                raise
            except psycopg.errors.UniqueViolation as exc:
                self._rollback()
                stored = self._already_stored(events)
                if stored is not None:  # a retry of events whose commit did reach the server
                    return stored
                raise AuditWriteError(f"The audit record was refused by the database ({_first_line(exc)}).") from exc
            except psycopg.Error as exc:
                self._rollback()
                raise AuditWriteError(
                    f"The audit record could not be saved to {self.location} ({_first_line(exc)}).",
                    hint="It is kept and will be retried; check the connection to the database server.") from exc

    def _hash_at(self, sequence: int) -> str | None:
        assert self._conn is not None
        row = self._conn.execute(_HASH_AT, (sequence,)).fetchone()
        return str(row[0]) if row else None

    def _rollback(self) -> None:
        """End a failed explicit transaction so the connection can be used again (a broken one reconnects)."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return
        if conn.info.transaction_status != _psycopg().pq.TransactionStatus.IDLE:
            try:
                conn.execute("ROLLBACK")
            except _psycopg().Error as exc:
                log.warning("audit database rollback failed: %s", _first_line(exc))

    def _already_stored(self, events: list[AuditEvent]) -> list[AuditRecord] | None:
        conn = self._connection()
        found = []
        for e in events:
            row = conn.execute(SELECT_ROWS + " WHERE event_id = %s", (e.event_id,)).fetchone()
            if row is None:
                return None
            found.append(chain.record_from_row(row))
        return found

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        """A connection of its own in one read-only REPEATABLE READ transaction: a consistent view, appends
        not held up. Connection and read failures become AuditError."""
        psycopg = _psycopg()
        try:
            conn = connect(self.url)
        except AuditWriteError as exc:
            raise AuditError(exc.message, hint=exc.hint) from exc
        try:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise AuditError(f"The audit database {self.location} could not be read ({_first_line(exc)}).") from exc
        finally:
            conn.close()

    def head(self) -> tuple[int, str]:
        with self._reading() as conn:
            h = read_head(conn)
            return h.sequence, h.hash

    # verify and iter_records (the base class) stream through a server-side cursor in one snapshot
    def _verify_snapshot(self, conn: Any, key: AnchorKey | None) -> VerifyResult:
        return verify_connection(conn, self.store_location, key=key, key_path=self.key_path)

    def _rows(self, conn: Any, query: Query | None) -> Iterator[tuple]:
        return iter_rows(conn, query)

    def close(self) -> None:
        with self._lock:
            self.checkpoint()
            if self._conn is not None:
                self._conn.close()

"""What every audit backend offers; the SQL, the append guard and the verification both backends share.

The guard (``AuditStore._guard``) runs inside every append's transaction, after the write lock: it refuses
(``AuditAppendRefusedError``, logged at CRITICAL) to extend a log whose last record is not the one the head
names (records deleted from the end: appending would heal the deletion), whose head MAC does not match,
that is anchored with another key, or that is behind its last checkpoint (rolled back).
``verify_snapshot`` is the one verification: the chain, the record MACs, the head MAC, the checkpoints.
"""

from __future__ import annotations

import abc
import contextlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from radassist.core.audit import anchor, canonical, chain
from radassist.core.audit.anchor import AnchorKey, Checkpoint
from radassist.core.audit.chain import VerifyResult
from radassist.core.audit.events import EVENT_TYPES, GENESIS_HASH, AuditEvent, AuditRecord
from radassist.core.audit.location import StoreLocation
from radassist.core.errors import AuditAppendRefusedError, AuditWriteError

log = logging.getLogger(__name__)

TABLE = "audit_log"
HEAD_TABLE = "audit_head"
#: column names in SQL ("user" is reserved in PostgreSQL)
SQL_COLUMNS = tuple("user_name" if c == "user" else "ts" if c == "timestamp" else c for c in chain.COLUMNS)
#: every stored column in ``chain.ROW_COLUMNS`` order (the record MAC last, from schema version 3)
SQL_ROW_COLUMNS = (*SQL_COLUMNS, "mac")
SELECT_ROWS = f"SELECT {', '.join(SQL_ROW_COLUMNS)} FROM {TABLE}"
#: the same rows from a schema before version 3 (no MACs)
SELECT_ROWS_V2 = f"SELECT {', '.join(SQL_COLUMNS)}, NULL FROM {TABLE}"
SELECT_HEAD = f"SELECT sequence, hash, mac, store_id, anchored_from, key_id FROM {HEAD_TABLE} WHERE id = 1"
SELECT_HEAD_V2 = f"SELECT sequence, hash, NULL, NULL, NULL, NULL FROM {HEAD_TABLE} WHERE id = 1"
SELECT_TAIL = f"SELECT sequence, hash FROM {TABLE} ORDER BY sequence DESC LIMIT 1"


@dataclass(frozen=True)
class Head:
    """The head row: the last record as the writer left it, and the store's anchoring."""

    sequence: int
    hash: str
    mac: str | None = None
    #: a random id given when the schema reached version 3; None before (a 0.1 log)
    store_id: str | None = None
    #: the first sequence written with a MAC (records before it come from 0.1); None before version 3
    anchored_from: int | None = None
    #: the id of the key the records are anchored with; None until the first anchored append
    key_id: str | None = None

    @classmethod
    def from_row(cls, row: tuple | None) -> Head:
        if row is None:
            return cls(0, GENESIS_HASH)
        seq, h, mac, store_id, anchored_from, key_id = row
        return cls(int(seq), str(h), mac, store_id, None if anchored_from is None else int(anchored_from), key_id)

    @property
    def anchored(self) -> bool:
        """Whether any record carries a MAC (so the head must too)."""
        return self.anchored_from is not None and self.sequence >= self.anchored_from


def _range(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}-{last}"


def verify_snapshot(rows: Iterable[tuple], head: Head, *, key: AnchorKey | None, key_path: Path | None,
                    checkpoints_path: Path | None, has_log: bool = True, local_side_files: bool = True
                    ) -> VerifyResult:
    """Verify one consistent view of a store: its rows, its head, against the key and the checkpoints.

    ``has_log`` False: the database holds no audit tables at all. ``local_side_files``: the checkpoint
    file lives beside the database (SQLite), so anchored records without any checkpoint mean it was deleted.
    """
    def bad(reason: str, first: int | None = None, **kw: Any) -> VerifyResult:
        return VerifyResult(False, 0, first, reason, head.sequence, head.hash, **kw)

    cps, problem = _key_and_checkpoints(head, key, key_path, checkpoints_path)
    if problem:
        return bad(problem)
    last_cp = max(cps, key=lambda c: c.sequence) if cps else None
    if last_cp is not None and not has_log:
        return bad(f"record {_range(1, last_cp.sequence)} is missing: the database holds no audit log, but the "
                   f"checkpoint of {last_cp.time} says it had {last_cp.sequence} records (the database was "
                   "deleted or emptied, or lost its -wal file)", 1, checkpoint=last_cp.sequence)
    foreign = [c for c in cps if c.store_id != head.store_id]
    if foreign:
        return bad(f"the checkpoints belong to store {foreign[0].store_id}, but this database is store "
                   f"{head.store_id}: the database was deleted and recreated, or replaced by another one",
                   checkpoint=last_cp.sequence if last_cp else None)
    expected = {c.sequence: (c.hash, f"the checkpoint of {c.time}") for c in cps}
    mac = key.record_mac(head.store_id) if key is not None and head.store_id and head.anchored_from else None
    result = chain.verify_rows(rows, head=(head.sequence, head.hash), mac=mac,
                               anchored_from=head.anchored_from or 1, expected=expected)
    result = replace(result, checkpoint=last_cp.sequence if last_cp else None)
    if not result.ok:
        return result
    return _after_walk(result, head, key, last_cp, checkpoints_path, local_side_files)


def _key_and_checkpoints(head: Head, key: AnchorKey | None, key_path: Path | None,
                         checkpoints_path: Path | None) -> tuple[list[Checkpoint], str]:
    """The authentic checkpoints, or why the store cannot be checked (no key, another key, a forged file)."""
    has_cp_file = checkpoints_path is not None and anchor.has_checkpoints(checkpoints_path)
    if key is None and (head.anchored or head.key_id or has_cp_file):
        return [], (f"the audit anchor key {key_path} is missing, so the records' MACs and the checkpoints "
                    "cannot be checked: restore the key file (or point RADASSIST_AUDIT_KEY_FILE at it)")
    if key is not None and head.key_id and head.key_id != key.key_id:
        return [], (f"the log is anchored with key id {head.key_id}, but the configured key {key_path} has id "
                    f"{key.key_id}: configure the key the log was written with")
    if not has_cp_file:
        return [], ""
    assert checkpoints_path is not None
    return anchor.read_checkpoints(checkpoints_path, key)


def _after_walk(result: VerifyResult, head: Head, key: AnchorKey | None, last_cp: Checkpoint | None,
                checkpoints_path: Path | None, local_side_files: bool) -> VerifyResult:
    """An intact chain: is it as long as its last checkpoint, is its head authentic, what to note."""
    if last_cp is not None and last_cp.sequence > result.head_sequence:
        return replace(result, ok=False, first_bad_sequence=result.head_sequence + 1,
                       reason=f"record {_range(result.head_sequence + 1, last_cp.sequence)} is missing: the "
                              f"checkpoint of {last_cp.time} says the log had {last_cp.sequence} records "
                              "(rolled back to an older copy, truncated with its head, or its -wal file lost)")
    if head.anchored:
        assert key is not None and head.store_id and head.anchored_from
        good = key.head_mac(head.store_id, head.anchored_from, head.sequence, head.hash)
        if head.mac is None or not hmac.compare_digest(str(head.mac), good):
            return replace(result, ok=False, first_bad_sequence=head.sequence,
                           reason=f"the head (record {head.sequence}) is not authentic: the end of the log or "
                                  "its anchoring was changed without the key (records deleted from the end, "
                                  "or an older head put back)")
    elif head.key_id:
        return replace(result, ok=False, first_bad_sequence=head.anchored_from,
                       reason=f"the head names key id {head.key_id} but says no record is anchored: the "
                              "anchoring was removed")
    notes = []
    if head.anchored_from is None:
        notes.append("not anchored: this log's schema predates RadAssist 0.2 (no MACs, no checkpoints); "
                     "the next append anchors it")
    elif head.anchored_from > 1 and result.count:
        notes.append(f"not anchored before sequence {head.anchored_from}: records "
                     f"{_range(1, min(head.anchored_from - 1, result.count))} were written by RadAssist 0.1 "
                     "(their chain is checked; they carry no MAC)")
    if head.anchored and last_cp is None:
        if local_side_files:
            return replace(result, ok=False, first_bad_sequence=None,
                           reason=f"the checkpoint file {checkpoints_path} is missing although records "
                                  f"{_range(head.anchored_from or 1, head.sequence)} are anchored: it was deleted "
                                  "(or the database was copied without it)")
        notes.append("no checkpoint of this store on this workstation: a rollback on the server is detected by "
                     "the workstations that wrote the checkpoints")
    return replace(result, notes=tuple(notes))


@dataclass(frozen=True)
class Query:
    """Filters of the audit viewer and ``audit export``; all optional, combined with AND."""

    since: str | None = None  # canonical UTC timestamp, inclusive
    until: str | None = None  # exclusive
    user: str | None = None
    pixel_sha256: str | None = None
    event_types: tuple[str, ...] = ()
    limit: int | None = None
    #: newest first (the audit viewer's order); with ``before_sequence`` for paging back
    newest_first: bool = False
    before_sequence: int | None = None

    @classmethod
    def build(cls, *, since: date | datetime | str | None = None, until: date | datetime | str | None = None,
              user: str | None = None, pixel_sha256: str | None = None,
              event_types: Iterable[str] | str | None = None, limit: int | None = None,
              newest_first: bool = False, before_sequence: int | None = None) -> Query:
        types = (event_types,) if isinstance(event_types, str) else tuple(event_types or ())
        for t in types:
            if t not in EVENT_TYPES:
                raise ValueError(f"unknown event type {t!r}; known: {', '.join(EVENT_TYPES)}")
        return cls(_as_ts(since), _as_ts(until), user or None, pixel_sha256 or None, types, limit,
                   newest_first, before_sequence)

    def where(self, placeholder: str) -> tuple[str, list[Any]]:
        """A WHERE clause (or '') and its parameters, for ``?`` (SQLite) or ``%s`` (psycopg)."""
        clauses, params = [], []
        if self.since:
            clauses.append(f"ts >= {placeholder}")
            params.append(self.since)
        if self.until:
            clauses.append(f"ts < {placeholder}")
            params.append(self.until)
        if self.user:
            clauses.append(f"user_name = {placeholder}")
            params.append(self.user)
        if self.pixel_sha256:
            clauses.append(f"pixel_sha256 = {placeholder}")
            params.append(self.pixel_sha256)
        if self.event_types:
            clauses.append(f"event_type IN ({', '.join([placeholder] * len(self.event_types))})")
            params.extend(self.event_types)
        if self.before_sequence is not None:
            clauses.append(f"sequence < {placeholder}")
            params.append(int(self.before_sequence))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def sql(self, select: str, placeholder: str) -> tuple[str, list[Any]]:
        """``select`` with this query's WHERE, ORDER BY and LIMIT."""
        where, params = self.where(placeholder)
        sql = f"{select}{where} ORDER BY sequence{' DESC' if self.newest_first else ''}"
        if self.limit:
            sql += f" LIMIT {int(self.limit)}"
        return sql, params


def _as_ts(value: date | datetime | str | None) -> str | None:
    """A canonical UTC timestamp: datetimes as they are, dates (and 'YYYY-MM-DD') at 00:00 UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return canonical.utc_timestamp(value)
    return canonical.utc_timestamp(datetime(value.year, value.month, value.day, tzinfo=UTC))


class AuditStore(abc.ABC):
    """An append-only, hash-chained, anchored audit log. Thread-safe; one instance per process is enough."""

    #: where the store lives, without credentials (for messages and the status bar)
    location: str = ""

    def _init_anchor(self, where: StoreLocation, key_path: Path | None, *, read_only: bool) -> None:
        if key_path is None:
            from radassist.config import audit_key_path

            key_path = audit_key_path()
        self.store_location = where
        self.location = where.display
        self.key_path = Path(key_path)
        self.read_only = read_only
        self._key: AnchorKey | None = None
        self._checked_checkpoints = False
        self._checkpointer = anchor.Checkpointer(where.checkpoints_path)

    @property
    def identity(self) -> str:
        """The store's credential-free identity (what spooled events are bound to)."""
        return self.store_location.identity

    @property
    def checkpoints_path(self) -> Path:
        return self.store_location.checkpoints_path

    def anchor_key(self, *, create: bool = False) -> AnchorKey | None:
        """The anchor key (created on the first append when there is none; never by a reader)."""
        if self._key is None:
            self._key = anchor.load_key(self.key_path, create=create and not self.read_only)
        return self._key

    def _writing_key(self) -> AnchorKey:
        if self.read_only:
            raise AuditWriteError(f"The audit store {self.location} was opened for reading only.")
        key = self.anchor_key(create=True)
        assert key is not None
        return key

    def _refuse(self, message: str, sequence: int | None) -> AuditAppendRefusedError:
        log.critical("AUDIT APPEND REFUSED on %s: %s", self.location, message)
        return AuditAppendRefusedError(
            f"The audit trail {self.location} will not take new records: {message}.", sequence=sequence,
            hint="Nothing is lost: records are kept as not yet saved. Run 'radassist audit verify' and have the "
                 "audit trail investigated before anything is appended.")

    def _guard(self, head: Head, tail: tuple[int, str], key: AnchorKey,
               hash_at: Callable[[int], str | None]) -> None:
        """Inside the write transaction: refuse to extend a log that was cut, rolled back or re-keyed."""
        if tail != (head.sequence, head.hash):
            if tail[0] < head.sequence:
                raise self._refuse(f"the last record is {tail[0]} but the head says {head.sequence}: record "
                                   f"{_range(tail[0] + 1, head.sequence)} was deleted", tail[0] + 1)
            if tail[0] > head.sequence:
                raise self._refuse(f"record {_range(head.sequence + 1, tail[0])} was not appended by RadAssist "
                                   f"(the head says the log ends at {head.sequence})", head.sequence + 1)
            raise self._refuse(f"the last record {tail[0]} is not the one the head names: it was replaced", tail[0])
        if head.key_id and head.key_id != key.key_id:
            raise self._refuse(f"it is anchored with key id {head.key_id}, this workstation's key {self.key_path} "
                               f"has id {key.key_id} (a shared store needs the site's key on every workstation)",
                               None)
        if head.anchored:
            assert head.store_id and head.anchored_from
            good = key.head_mac(head.store_id, head.anchored_from, head.sequence, head.hash)
            if head.mac is None or not hmac.compare_digest(str(head.mac), good):
                raise self._refuse(f"its head (record {head.sequence}) is not authentic: the end of the log was "
                                   "changed without the key", head.sequence)
        if not self._checked_checkpoints:
            self._check_checkpoints(head, key, hash_at)
            self._checked_checkpoints = True

    def _check_checkpoints(self, head: Head, key: AnchorKey, hash_at: Callable[[int], str | None]) -> None:
        cps, problem = anchor.read_checkpoints(self.checkpoints_path, key)
        if problem:
            raise self._refuse(problem, None)
        if not cps:
            return
        last = max(cps, key=lambda c: c.sequence)
        if last.store_id != head.store_id:
            raise self._refuse(f"its checkpoints belong to store {last.store_id}, this database is store "
                               f"{head.store_id} (deleted and recreated, or replaced)", None)
        if last.sequence > head.sequence:
            raise self._refuse(f"record {_range(head.sequence + 1, last.sequence)} is missing: the checkpoint of "
                               f"{last.time} says the log had {last.sequence} records (rolled back or -wal lost)",
                               head.sequence + 1)
        if hash_at(last.sequence) != last.hash:
            raise self._refuse(f"record {last.sequence} is not the record the checkpoint of {last.time} names "
                               "(the log was recomputed or replaced)", last.sequence)

    def _seal(self, events: list[AuditEvent], head: Head, key: AnchorKey
              ) -> tuple[list[tuple], list[AuditRecord], tuple[int, str, str, str]]:
        """Rows and records after ``head``, and the new head values (sequence, hash, MAC, key id)."""
        assert head.store_id and head.anchored_from
        rows, records = chain.seal_all(events, head.sequence, head.hash, key.record_mac(head.store_id))
        last = records[-1]
        mac = key.head_mac(head.store_id, head.anchored_from, last.sequence, last.hash)
        return rows, records, (last.sequence, last.hash, mac, key.key_id)

    def _after_commit(self, head: Head, key: AnchorKey, new_sequence: int, new_hash: str) -> None:
        assert head.store_id
        self._checkpointer.after_append(key, head.store_id, new_sequence, new_hash, time.monotonic())

    def checkpoint(self) -> None:
        """Write a checkpoint of the last append now, if it has none yet (also done by ``close``)."""
        self._checkpointer.flush(time.monotonic())

    def append(self, event: AuditEvent) -> AuditRecord:
        """Seal and store ``event`` after the current last record, atomically. Raises AuditWriteError.

        Idempotent per ``event_id``: appending an event already stored (a retry after an ambiguous
        failure) returns the stored record instead of writing a second one.
        """
        return self.append_many([event])[0]

    @abc.abstractmethod
    def append_many(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        """Append several events in one transaction (all or none), idempotent per ``event_id``."""

    def verify(self) -> VerifyResult:
        """Walk the whole chain in one read-only snapshot: hashes, MACs, the head and the checkpoints."""
        key = self.anchor_key()
        with self._reading() as conn:
            return self._verify_snapshot(conn, key)

    @abc.abstractmethod
    def head(self) -> tuple[int, str]:
        """(last sequence, last hash) as recorded by ``append``; (0, 64 zeros) when empty."""

    def iter_records(self, query: Query | None = None) -> Iterator[AuditRecord]:
        """Streams from one read-only snapshot, so a large export needs little memory."""
        with self._reading() as conn:
            for row in self._rows(conn, query):
                yield chain.record_from_row(row)

    @abc.abstractmethod
    def _reading(self) -> contextlib.AbstractContextManager[Any]:
        """A read-only connection holding one consistent snapshot (a private one: appends go on)."""

    @abc.abstractmethod
    def _verify_snapshot(self, conn: Any, key: AnchorKey | None) -> VerifyResult:
        """``verify`` on an open snapshot (the backend's SQL)."""

    @abc.abstractmethod
    def _rows(self, conn: Any, query: Query | None) -> Iterator[tuple]:
        """The rows ``query`` selects, streamed, in sequence order."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection (writing the last checkpoint first)."""

    def query(self, **filters: Any) -> list[AuditRecord]:
        """Records matching ``Query.build(**filters)``, oldest first."""
        return list(self.iter_records(Query.build(**filters)))

    def count(self) -> int:
        return self.head()[0]

    def export(self, out, fmt: str = "jsonl", **filters: Any) -> int:
        """Write the matching records to the text stream ``out`` as csv or jsonl; returns how many."""
        from radassist.core.audit.export import write_records

        return write_records(self.iter_records(Query.build(**filters)), out, fmt)

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

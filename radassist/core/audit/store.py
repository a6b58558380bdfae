"""What every audit backend offers; the SQL both backends share lives here too."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from radassist.core.audit import canonical, chain
from radassist.core.audit.chain import VerifyResult
from radassist.core.audit.events import EVENT_TYPES, AuditEvent, AuditRecord

TABLE = "audit_log"
HEAD_TABLE = "audit_head"
#: column names in SQL ("user" is reserved in PostgreSQL)
SQL_COLUMNS = tuple("user_name" if c == "user" else "ts" if c == "timestamp" else c for c in chain.COLUMNS)
SELECT_ROWS = f"SELECT {', '.join(SQL_COLUMNS)} FROM {TABLE}"


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
    """An append-only, hash-chained audit log. Thread-safe; one instance per process is enough."""

    #: where the store lives, without credentials (for messages and the status bar)
    location: str = ""

    def append(self, event: AuditEvent) -> AuditRecord:
        """Seal and store ``event`` after the current last record, atomically. Raises AuditWriteError.

        Idempotent per ``event_id``: appending an event already stored (a retry after an ambiguous
        failure) returns the stored record instead of writing a second one.
        """
        return self.append_many([event])[0]

    @abc.abstractmethod
    def append_many(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        """Append several events in one transaction (all or none), idempotent per ``event_id``."""

    @abc.abstractmethod
    def verify(self) -> VerifyResult:
        """Walk the whole chain (and compare it with the head)."""

    @abc.abstractmethod
    def head(self) -> tuple[int, str]:
        """(last sequence, last hash) as recorded by ``append``; (0, 64 zeros) when empty."""

    @abc.abstractmethod
    def iter_records(self, query: Query | None = None) -> Iterator[AuditRecord]:
        """Records in sequence order, filtered."""

    @abc.abstractmethod
    def close(self) -> None: ...

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

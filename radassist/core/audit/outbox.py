"""A decision is never lost because the audit store cannot take it right now.

``Outbox.append`` writes through to the store; when that fails (read-only or full disk, a lost database
connection) the event is kept pending in memory AND spooled as one JSON line to ``audit-pending.jsonl``
beside the logs (so it also survives an app restart), and ``AuditWriteError`` tells the caller, which shows
the decision as "not yet saved". ``flush`` retries pending events in their original order; a new event is
never stored ahead of older pending ones. Retries are safe: the store recognises an event it already has
by its ``event_id``. Several processes (the app and a script) may share the spool: changes to it are made
under a file lock and a process removes only the lines it has stored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from radassist.core.audit import canonical
from radassist.core.audit.events import AuditEvent, AuditRecord
from radassist.core.audit.store import AuditStore
from radassist.core.errors import AuditWriteError

log = logging.getLogger(__name__)

SPOOL_NAME = "audit-pending.jsonl"


def default_spool_path() -> Path:
    from radassist.config import app_paths

    return app_paths().log_dir / SPOOL_NAME


class Outbox:
    """Write-through to an audit store with a durable pending queue. Thread-safe."""

    def __init__(self, store: AuditStore | Callable[[], AuditStore], spool_path: Path | None = None) -> None:
        """``store`` may be a store or a function opening one (called again after an open fails)."""
        self._store = store if isinstance(store, AuditStore) else None
        self._open = None if isinstance(store, AuditStore) else store
        self.spool_path = Path(spool_path) if spool_path is not None else default_spool_path()
        self._pending: list[AuditEvent] = []
        self._lock = threading.RLock()
        self.last_error: AuditWriteError | None = None
        self._stored: dict[str, int] = {}  # event_id -> sequence of events stored through this outbox
        self._load_spool()

    # --- public ----------------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> AuditRecord:
        """Store ``event`` (after any pending ones). On failure: kept, spooled, AuditWriteError raised."""
        with self._lock:
            self._pending.append(event)
            try:
                records = self.flush()
            except AuditWriteError:
                self._spool_add(event)
                raise
            for r in records:
                if r.event.event_id == event.event_id:
                    return r
            raise AssertionError("flush returned without storing the new event")  # pragma: no cover

    def flush(self) -> list[AuditRecord]:
        """Retry pending events in order; returns those stored now. Raises AuditWriteError if any remain."""
        with self._lock:
            stored: list[AuditRecord] = []
            try:
                while self._pending:
                    store = self._get_store()
                    record = store.append(self._pending[0])
                    self._pending.pop(0)
                    self._stored[record.event.event_id] = record.sequence
                    stored.append(record)
            except AuditWriteError as exc:
                self.last_error = exc
                self._drop_store()
                log.error("audit write failed, %d event(s) pending: %s", len(self._pending), exc.message)
                self._forget_spooled(stored)
                raise AuditWriteError(
                    f"{len(self._pending)} audit record(s) not yet saved: {exc.message}",
                    hint=exc.hint or "They are kept and retried automatically.") from exc
            self.last_error = None
            self._forget_spooled(stored)
            return stored

    def pending(self) -> list[AuditEvent]:
        """Events not yet saved, oldest first (the UI shows them as "not yet saved")."""
        with self._lock:
            return list(self._pending)

    def stored_sequence(self, event_id: str) -> int | None:
        """The sequence number an event got, if it was stored through this outbox."""
        with self._lock:
            return self._stored.get(event_id)

    @property
    def store(self) -> AuditStore:
        return self._get_store()

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()

    # --- internals -------------------------------------------------------------------------------
    def _get_store(self) -> AuditStore:
        if self._store is None:
            assert self._open is not None
            self._store = self._open()  # raises AuditWriteError while the store cannot be opened
        return self._store

    def _drop_store(self) -> None:
        """After a failed write, reopen on the next try (a lost connection does not come back by itself)."""
        if self._open is None or self._store is None:
            return  # a store handed in cannot be reopened here: it is retried as it is
        store, self._store = self._store, None
        try:
            store.close()
        except Exception as exc:  # noqa: BLE001 - closing a broken connection may fail in any way
            log.debug("closing the failed audit store: %s", exc)

    @contextlib.contextmanager
    def _spool_locked(self) -> Iterator[None]:
        """An exclusive lock on the spool across processes (POSIX ``flock``; in-process only elsewhere)."""
        self.spool_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.spool_path.with_suffix(".lock"), "a") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except ImportError:  # Windows: one RadAssist process per user in practice
                pass
            yield

    def _read_spool(self) -> list[AuditEvent]:
        out, seen = [], set()
        if not self.spool_path.is_file():
            return out
        for n, line in enumerate(self.spool_path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = AuditEvent.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:  # a torn last line after a crash
                log.error("skipping unreadable line %d of %s: %s", n, self.spool_path, exc)
                continue
            if event.event_id not in seen:
                seen.add(event.event_id)
                out.append(event)
        return out

    def _load_spool(self) -> None:
        try:
            with self._spool_locked():
                self._pending.extend(self._read_spool())
        except OSError as exc:
            log.error("could not read the audit spool %s: %s", self.spool_path, exc)
        if self._pending:
            log.warning("%d audit event(s) pending from an earlier session", len(self._pending))

    def _spool_add(self, event: AuditEvent) -> None:
        try:
            with self._spool_locked(), open(self.spool_path, "a", encoding="utf-8") as f:
                f.write(canonical.dumps(event.to_dict()) + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:  # the disk is the problem: the event is still held in memory
            log.error("could not spool a pending audit event to %s: %s", self.spool_path, exc)

    def _forget_spooled(self, stored: list[AuditRecord]) -> None:
        """Drop the lines of events now stored; lines of other processes' events stay."""
        if not stored or not self.spool_path.is_file():
            return
        done = {r.event.event_id for r in stored}
        try:
            with self._spool_locked():
                keep = [e for e in self._read_spool() if e.event_id not in done]
                if not keep:
                    self.spool_path.unlink(missing_ok=True)
                    return
                tmp = self.spool_path.with_suffix(".tmp")
                with open(tmp, "w", encoding="utf-8") as f:
                    for event in keep:
                        f.write(canonical.dumps(event.to_dict()) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.spool_path)
        except OSError as exc:
            log.error("could not rewrite the audit spool %s: %s", self.spool_path, exc)

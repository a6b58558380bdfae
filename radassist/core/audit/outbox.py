"""A decision is never lost because the audit store cannot take it right now.

``Outbox.append`` writes through to the store; when that fails (read-only or full disk, a lost database
connection, a writer that refuses to extend a tampered log) the event is kept pending in memory AND
spooled as one JSON line to the store's spool beside it (``<db>-pending.jsonl``; see ``location``), so it
also survives an app restart, and ``AuditWriteError`` tells the caller, which shows the decision as "not
yet saved". ``flush`` retries pending events in their original order; a new event is never stored ahead
of older pending ones. Retries are safe: the store recognises an event it already has by its ``event_id``.
Several processes (the app and a script) may share the spool: changes to it are made under a file lock
and a process removes only the lines it has stored. Within a process, writes are serialised by one lock
and the queue by another, held only for a moment: ``pending()`` and ``stored_sequence()`` answer at once
even while a write hangs on a database server that stopped answering (the GUI asks them on its UI thread).

The spool is not trusted. Each line binds the event to the store it was meant for (its identity) and to
the writer (OS account and workstation), authenticated with the anchor key (HMAC). A line that is not
authentic (planted, edited, or from 0.1's ``logs/audit-pending.jsonl``), meant for another store or
written by another account is moved to the quarantine file (``<db>-quarantine.jsonl``) with the reason
and logged as an ERROR: never stored, never silently dropped. An event spooled for one store is only ever
stored into that store.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from radassist.core.audit import anchor, canonical
from radassist.core.audit.events import AuditEvent, AuditRecord
from radassist.core.audit.location import StoreLocation, parse_location
from radassist.core.audit.store import AuditStore
from radassist.core.errors import AuditError, AuditWriteError

log = logging.getLogger(__name__)

#: the 0.1 spool name (under logs/): its lines are quarantined, never stored
SPOOL_NAME = "audit-pending.jsonl"
SPOOL_VERSION = 2


def default_spool_path(location: str | Path | None = None) -> Path:
    """The spool of the store at ``location`` (default: the configured store)."""
    from radassist.core.audit import resolve_location

    return parse_location(resolve_location(location)).spool_path




class Outbox:
    """Write-through to an audit store with a durable pending queue. Thread-safe; the queue's readers
    never wait for a write in progress."""

    def __init__(self, store: AuditStore | Callable[[], AuditStore], spool_path: Path | None = None, *,
                 location: str | Path | None = None, key_path: Path | None = None) -> None:
        """``store`` may be a store or a function opening one (called again after an open fails).

        The outbox serves one store: ``store``'s own location, else ``location`` (what the opener opens),
        else the configured store. Its spool (default: beside that store) holds only events for it.
        """
        from radassist.core.audit import resolve_location

        self._store = store if isinstance(store, AuditStore) else None
        self._open = None if isinstance(store, AuditStore) else store
        if self._store is not None:
            self.where: StoreLocation = self._store.store_location
            key_path = key_path or self._store.key_path
        else:
            self.where = parse_location(resolve_location(location))
        if key_path is None:
            from radassist.config import audit_key_path

            key_path = audit_key_path()
        self.key_path = Path(key_path)
        self.spool_path = Path(spool_path) if spool_path is not None else self.where.spool_path
        self.quarantine_path = (self.where.quarantine_path if spool_path is None
                                else self.spool_path.with_name(self.spool_path.name + "-quarantine.jsonl"))
        self._pending: list[AuditEvent] = []
        self._from_spool: set[str] = set()  # event ids of pending events read from the spool
        self._lock = threading.RLock()  # the queue and the maps below: held only for a moment
        self._io = threading.RLock()  # the store and every write to it: held for as long as a write takes
        self.last_error: AuditWriteError | None = None
        self._stored: dict[str, int] = {}  # event_id -> sequence of events stored through this outbox
        self._waiting: dict[str, AuditRecord | None] = {}  # events in ``append`` -> their record once stored
        self._load_spool()
        if spool_path is None:
            self._quarantine_legacy_spool()

    # --- public ----------------------------------------------------------------------------------
    def append(self, event: AuditEvent) -> AuditRecord:
        """Store ``event`` (after any pending ones). On failure: kept, spooled, AuditWriteError raised."""
        with self._lock:
            self._pending.append(event)
            self._waiting[event.event_id] = None
        try:
            with self._io:
                try:
                    self.flush()
                except AuditWriteError:
                    with self._lock:
                        still_pending = any(e.event_id == event.event_id for e in self._pending)
                    if still_pending:
                        self._spool_add(event)
                    raise
        finally:
            with self._lock:
                record = self._waiting.pop(event.event_id, None)
        if record is None:  # pragma: no cover - flush returns only with the queue empty
            raise AssertionError("flush returned without storing the new event")
        return record

    def keep(self, event: AuditEvent) -> None:
        """Queue ``event`` and spool it without writing it yet (a caller that writes on another thread:
        ``flush`` there). From here on it survives a hung store, a crash and an exit."""
        with self._lock:
            if any(e.event_id == event.event_id for e in self._pending):
                return
            self._pending.append(event)
        self._spool_add(event)

    def flush(self) -> list[AuditRecord]:
        """Retry pending events in order; returns those stored now. Raises AuditWriteError if any remain."""
        with self._io:
            stored: list[AuditRecord] = []
            try:
                while True:
                    with self._lock:
                        if not self._pending:
                            break
                        head = self._pending[0]  # others only ever add at the end
                        from_spool = head.event_id in self._from_spool
                    store = self._get_store()
                    if from_spool and store.identity != self.where.identity:
                        with self._lock:
                            self._hold_back(store)
                        continue
                    record = store.append(head)
                    with self._lock:
                        self._pending.pop(0)
                        self._stored[record.event.event_id] = record.sequence
                        if record.event.event_id in self._waiting:
                            self._waiting[record.event.event_id] = record
                    stored.append(record)
            except AuditWriteError as exc:
                self.last_error = exc
                self._drop_store()
                level = logging.CRITICAL if isinstance(exc, AuditError) and exc.code == "audit_append_refused" \
                    else logging.ERROR
                n = len(self.pending())
                log.log(level, "audit write failed, %d event(s) pending: %s", n, exc.message)
                self._forget_spooled(stored)
                raise AuditWriteError(
                    f"{n} audit record(s) not yet saved: {exc.message}",
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
        with self._io:
            return self._get_store()

    def close(self) -> None:
        with self._io:
            if self._store is not None:
                self._store.close()

    # --- internals -------------------------------------------------------------------------------
    def _hold_back(self, store: AuditStore) -> None:
        """Spooled events for our store are never written into another one the opener returned."""
        held = [e for e in self._pending if e.event_id in self._from_spool]
        self._pending = [e for e in self._pending if e.event_id not in self._from_spool]
        self._from_spool.clear()
        log.warning("%d spooled audit event(s) for %s are kept in %s: the store now open is %s", len(held),
                    self.where.display, self.spool_path, store.location)

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
        from radassist.config import make_private_dir

        make_private_dir(self.spool_path.parent)
        lock_path = self.spool_path.with_name(self.spool_path.name + ".lock")
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except ImportError:  # Windows: one RadAssist process per user in practice
                pass
            yield

    def _key(self, *, create: bool) -> anchor.AnchorKey | None:
        try:
            return anchor.load_key(self.key_path, create=create)
        except AuditError as exc:
            log.error("the audit spool cannot be authenticated: %s", exc.message)
            return None

    def _line(self, event: AuditEvent) -> str:
        fields: dict[str, Any] = {"v": SPOOL_VERSION, "store": self.where.identity, "writer": anchor.writer_identity(),
                                  "event": event.to_dict()}
        key = self._key(create=True)
        if key is None:  # kept in memory and retried; this line will be quarantined if ever read back
            log.error("audit event %s spooled without authentication (no anchor key)", event.event_id)
        return canonical.dumps({**fields, "mac": key.spool_mac(fields) if key is not None else None})

    def _raw_lines(self) -> list[str]:
        if not self.spool_path.is_file():
            return []
        return [line for line in self.spool_path.read_text(encoding="utf-8").split("\n") if line.strip()]

    def _check_line(self, raw: str, key: anchor.AnchorKey | None, writer: dict[str, str]) -> AuditEvent | str:
        """The event of an authentic line meant for our store and written by us, or why it is refused."""
        try:
            d = json.loads(raw)
        except ValueError:
            return "not a JSON line (damaged)"
        if not isinstance(d, dict) or d.get("v") != SPOOL_VERSION or "mac" not in d:
            return "not authenticated (a line in the 0.1 format, or planted)"
        mac = d.pop("mac")
        if key is None:
            return "cannot be authenticated: the anchor key is missing"
        if not isinstance(mac, str) or not hmac.compare_digest(mac, key.spool_mac(d)):
            return "not authentic: written or edited without the anchor key"
        if d.get("store") != self.where.identity:
            return f"meant for another audit store ({d.get('store')})"
        if d.get("writer") != writer:
            return f"spooled by another account or workstation ({d.get('writer')})"
        try:
            return AuditEvent.from_dict(d["event"])
        except (ValueError, TypeError, KeyError) as exc:
            return f"not a valid audit event ({exc})"

    def _quarantine(self, refused: list[tuple[str, str]], source: Path) -> None:
        """Keep refused lines, with the reason, in the quarantine file (0600); log each loudly."""
        fd = os.open(self.quarantine_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            for raw, why in refused:
                f.write(canonical.dumps({"quarantined": canonical.utc_timestamp(), "from": str(source),
                                         "reason": why, "line": raw}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        for n, (_raw, why) in enumerate(refused, 1):
            log.error("audit spool: refused spooled event %d of %d from %s: %s; kept in %s, NOT stored",
                      n, len(refused), source, why, self.quarantine_path)

    def _read_spool(self) -> list[AuditEvent]:
        """Authentic events for our store, oldest first; everything else moved to the quarantine file."""
        lines = self._raw_lines()
        if not lines:
            return []
        key, writer = self._key(create=False), anchor.writer_identity()
        out: list[AuditEvent] = []
        seen: set[str] = set()
        refused: list[tuple[str, str]] = []
        accepted: list[str] = []
        torn = not self.spool_path.read_text(encoding="utf-8").endswith("\n")
        for n, raw in enumerate(lines, 1):
            checked = self._check_line(raw, key, writer)
            if isinstance(checked, str):
                if n == len(lines) and torn and checked.startswith("not a JSON"):
                    log.error("skipping the torn last line of %s (a crash while it was written)", self.spool_path)
                    continue
                refused.append((raw, checked))
                continue
            accepted.append(raw)
            if checked.event_id not in seen:
                seen.add(checked.event_id)
                out.append(checked)
        if refused:
            self._quarantine(refused, self.spool_path)
            self._write_lines(accepted)
        return out

    def _load_spool(self) -> None:
        try:
            with self._spool_locked():
                events = self._read_spool()
        except OSError as exc:
            log.error("could not read the audit spool %s: %s", self.spool_path, exc)
            return
        self._pending.extend(events)
        self._from_spool.update(e.event_id for e in events)
        if events:
            log.warning("%d audit event(s) pending from an earlier session", len(events))

    def _quarantine_legacy_spool(self) -> None:
        """0.1 spooled to ``logs/audit-pending.jsonl``, bound to no store and unauthenticated: quarantine it."""
        from radassist.config import app_paths

        legacy = app_paths().log_dir / SPOOL_NAME
        try:
            if not legacy.is_file():
                return
            lines = [line for line in legacy.read_text(encoding="utf-8").splitlines() if line.strip()]
            self._quarantine([(raw, "from the 0.1 spool: bound to no store and not authenticated; re-enter the "
                                    "decision if it is missing from the audit trail") for raw in lines], legacy)
            legacy.unlink()
        except OSError as exc:
            log.error("could not quarantine the old audit spool %s: %s", legacy, exc)

    def _write_lines(self, keep: list[str]) -> None:
        if not keep:
            self.spool_path.unlink(missing_ok=True)
            return
        tmp = self.spool_path.with_name(self.spool_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in keep))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.spool_path)

    def _spool_add(self, event: AuditEvent) -> None:
        try:
            line = self._line(event)
            with self._spool_locked():
                fd = os.open(self.spool_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as exc:  # the disk is the problem: the event is still held in memory
            log.error("could not spool a pending audit event to %s: %s", self.spool_path, exc)

    def _forget_spooled(self, stored: list[AuditRecord]) -> None:
        """Drop the lines of events now stored; other lines (other processes' events) stay as they are."""
        self._from_spool.difference_update(r.event.event_id for r in stored)
        if not stored or not self.spool_path.is_file():
            return
        done = {r.event.event_id for r in stored}
        try:
            with self._spool_locked():
                lines = self._raw_lines()
                keep = [raw for raw in lines if _event_id(raw) not in done]
                if len(keep) != len(lines):
                    self._write_lines(keep)
        except OSError as exc:
            log.error("could not rewrite the audit spool %s: %s", self.spool_path, exc)


def _event_id(raw: str) -> str | None:
    try:
        d = json.loads(raw)
        return str(d["event"]["event_id"]) if isinstance(d, dict) and isinstance(d.get("event"), dict) else None
    except (ValueError, KeyError, TypeError):
        return None

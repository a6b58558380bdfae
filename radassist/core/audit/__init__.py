"""The tamper-evident audit trail: who decided what, when, about which image, seeing which model output.

``open_store()`` gives the configured store: SQLite in the data directory by default, PostgreSQL for a
``postgresql://`` URL (setting ``audit_url`` or ``RADASSIST_AUDIT_URL``). Records are append-only,
hash-chained (``chain``) and anchored with a key kept outside the database plus checkpoints in a second
file (``anchor``; what each measure stops: ``docs/audit.md``); ``Outbox`` keeps events that could not be
written, spooled beside the store they belong to, and retries them.
"""

from __future__ import annotations

from pathlib import Path

from radassist.core.audit.chain import VerifyResult, verify_records
from radassist.core.audit.events import EVENT_TYPES, GENESIS_HASH, AuditEvent, AuditRecord
from radassist.core.audit.outbox import Outbox
from radassist.core.audit.store import AuditStore, Query

__all__ = ["EVENT_TYPES", "GENESIS_HASH", "AuditEvent", "AuditRecord", "AuditStore", "Outbox", "Query",
           "VerifyResult", "new_event", "open_store", "resolve_location", "verify_records"]


def new_event(event_type: str, *, user: str | None = None, **fields) -> AuditEvent:
    """An event stamped with this workstation, this app version, the OS login and the reviewer (settings)
    by default. The OS login comes from the operating system (``config.os_user()``): a display name never
    replaces it.

    For events outside a review: ``settings_changed`` (details: what changed), ``audit_viewed`` (details:
    the viewer's filters), ``export``, ``image_open_failed``.
    """
    from radassist import __version__
    from radassist.config import load_settings, os_user, workstation

    fields.setdefault("workstation", workstation())
    fields.setdefault("app_version", __version__)
    fields.setdefault("os_user", os_user())
    return AuditEvent(event_type, user if user is not None else load_settings().reviewer, **fields)


def resolve_location(url_or_path: str | Path | None = None) -> str:
    """The store to use: the argument, else the settings (``RADASSIST_AUDIT_URL`` wins), else the default file."""
    if url_or_path:
        return str(url_or_path)
    from radassist.config import app_paths, load_settings

    return load_settings().audit_url or str(app_paths().audit_db)


def open_store(url_or_path: str | Path | None = None, *, create: bool = True, read_only: bool = False,
               key_path: Path | None = None) -> AuditStore:
    """Open the audit store at a path, ``sqlite:///path``, a ``file:`` URI or ``postgresql://``.

    By default it is created and migrated as needed. ``create=False``: an absent store is an
    ``AuditStoreMissingError`` (``audit export``); ``read_only``: also never migrated nor written (``audit
    verify``). ``key_path``: the anchor key (default: ``config.audit_key_path()``).
    """
    from radassist.core.audit.location import parse_location

    where = parse_location(resolve_location(url_or_path))
    if where.kind == "postgresql":
        from radassist.core.audit.postgres import PostgresStore

        return PostgresStore(where.target, key_path=key_path, create=create, read_only=read_only)
    from radassist.core.audit.sqlite import SQLiteStore

    return SQLiteStore(where.target, key_path=key_path, create=create, read_only=read_only)

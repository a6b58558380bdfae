"""Where a store lives, what it is called without credentials, and the files kept beside it.

A SQLite store's side files sit next to the database, named as SQLite names its own ``-wal``/``-shm``:
``audit.sqlite3-checkpoints.jsonl`` (the anchor's checkpoints), ``audit.sqlite3-pending.jsonl`` (the
outbox spool) and ``audit.sqlite3-quarantine.jsonl`` (spooled events refused as unauthenticated or
foreign). A PostgreSQL store has no local folder, so its side files are in the data directory, named by
a hash of the database's identity (``audit-pg-<hash>-...``). The identity (``sqlite:/abs/path`` or
``postgresql://user@host:port/db``) never holds a password; it is what spooled events are bound to.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from radassist.core.errors import ConfigError

PG_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class StoreLocation:
    kind: str  # "sqlite" | "postgresql"
    #: what the backend opens: a path or ``file:`` URI, or the URL (with any password: to connect only)
    target: str
    #: canonical and credential-free: spooled events and checkpoints are bound to it
    identity: str
    #: for messages (passwords hidden)
    display: str
    #: the prefix of the side files
    side_base: Path

    @property
    def checkpoints_path(self) -> Path:
        return self.side_base.with_name(self.side_base.name + "-checkpoints.jsonl")

    @property
    def spool_path(self) -> Path:
        return self.side_base.with_name(self.side_base.name + "-pending.jsonl")

    @property
    def quarantine_path(self) -> Path:
        return self.side_base.with_name(self.side_base.name + "-quarantine.jsonl")

    @property
    def sqlite_path(self) -> Path:
        """The database file (SQLite only)."""
        return self.side_base


def sqlite_file(target: str) -> Path:
    """The file a SQLite target names: a path, or the path of a ``file:`` URI (its query dropped)."""
    if target.startswith("file:"):
        rest = target[len("file:"):].split("?", 1)[0].split("#", 1)[0]
        if rest.startswith("//"):  # file://host/path or file:///path
            rest = "/" + rest[2:].partition("/")[2]
        return Path(urllib.parse.unquote(rest))
    return Path(target)


def parse_location(target: str) -> StoreLocation:
    """The location of ``target``: a file path, ``sqlite:///path``, a ``file:`` URI or ``postgresql://``."""
    from radassist.config import redact_url

    if target.startswith(PG_SCHEMES):
        return _pg_location(target)
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]  # sqlite:///relative.db, sqlite:////absolute/path.db
    elif "://" in target:
        raise ConfigError(f"Unknown audit store {target.split('://')[0]}://.",
                          hint="Use a file path, sqlite:///path or postgresql://user@host/db.")
    path = Path(os.path.abspath(sqlite_file(target).expanduser()))
    real = Path(os.path.realpath(path))
    return StoreLocation("sqlite", target, f"sqlite:{real}", redact_url(target), path)


def _pg_location(url: str) -> StoreLocation:
    from radassist.config import app_paths, redact_url

    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query))
    user = urllib.parse.unquote(parts.username or "") or params.get("user", "")
    host = parts.hostname or params.get("host", "") or "localhost"
    try:
        port = parts.port or int(params.get("port", "5432"))
    except ValueError:
        port = 5432
    db = urllib.parse.unquote(parts.path.lstrip("/")) or params.get("dbname", "") or user
    identity = f"postgresql://{user}@{host}:{port}/{db}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return StoreLocation("postgresql", url, identity, redact_url(url), app_paths().data_dir / f"audit-pg-{digest}")

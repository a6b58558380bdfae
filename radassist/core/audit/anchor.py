"""The anchor: a secret key kept outside the database, the MACs made with it, and the checkpoint file.

The hash chain alone proves only that the log is *consistent*: anyone who can write to the database can
delete, edit or insert records and recompute every hash after them. The anchor adds what such a person
does not have, a 256-bit HMAC key in a file of its own (``config_dir/audit-key``, mode 0600, created on
first use; ``RADASSIST_AUDIT_KEY_FILE`` / setting ``audit_key_file`` point a site's service account at its
own). With it the writer stores:

- a record MAC, HMAC-SHA256(key, store id + record hash), beside every record: an edit, insertion or full
  recomputation without the key leaves records whose MAC no longer matches (or that have none);
- a head MAC over (store id, first anchored sequence, last sequence, last hash): the end of the log cannot
  be moved back, and the anchoring cannot be switched off, without the key;
- checkpoints, appended (fsynced, MAC'd) to a file beside the database (``<db>-checkpoints.jsonl``; for
  PostgreSQL one per database in the data directory): store id, sequence, head hash, count. ``audit verify``
  compares the store with them, so a deleted database, every record deleted, a rollback to an older copy or
  a lost ``-wal`` file (all internally consistent) are reported as records missing since the checkpoint.

What each measure stops is spelled out in ``docs/audit.md``. In short: someone with access to the database
file or server but not to the key (a copied backup, a DB administrator, another OS account that can write
the database folder) is detected whatever they change; someone who can also read the key file (the
workstation account itself, root) can forge MACs and checkpoints alike, and only a copy of the checkpoints
kept elsewhere (``audit verify`` prints the head to copy) can catch them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radassist.core.audit import canonical
from radassist.core.errors import AuditError, AuditWriteError

log = logging.getLogger(__name__)

KEY_BYTES = 32
_RECORD = b"radassist-audit-record\0"
_HEAD = "radassist-audit-head\0"
_CHECKPOINT = b"radassist-audit-checkpoint\0"
_SPOOL = b"radassist-audit-spool\0"
#: write a checkpoint after this many records, or when the last one is older than this (seconds), and on close
CHECKPOINT_EVERY_RECORDS = 100
CHECKPOINT_EVERY_S = 60.0


@dataclass(frozen=True, repr=False)
class AnchorKey:
    """The secret (never printed: ``repr`` shows only the key id, which is a hash of it)."""

    secret: bytes
    path: Path

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"radassist-key-id\0" + self.secret).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"AnchorKey(id={self.key_id}, path={self.path})"

    def record_mac(self, store_id: str) -> Callable[[str], str]:
        """``mac(record_hash)`` for one store: the per-record MAC, cheap (one C-level HMAC call)."""
        prefix, secret, digest = _RECORD + store_id.encode() + b"\0", self.secret, hmac.digest

        def mac(record_hash: str) -> str:
            return digest(secret, prefix + record_hash.encode("ascii"), "sha256").hex()

        return mac

    def head_mac(self, store_id: str, anchored_from: int, sequence: int, head_hash: str) -> str:
        msg = f"{_HEAD}{store_id}\0{anchored_from}\0{sequence}\0{head_hash}".encode()
        return hmac.digest(self.secret, msg, "sha256").hex()

    def checkpoint_mac(self, fields: dict[str, Any]) -> str:
        return hmac.digest(self.secret, _CHECKPOINT + canonical.dumps_bytes(fields), "sha256").hex()

    def spool_mac(self, fields: dict[str, Any]) -> str:
        return hmac.digest(self.secret, _SPOOL + canonical.dumps_bytes(fields), "sha256").hex()


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning("the audit anchor key %s can be read by other users (mode %o): run chmod 600 on it",
                    path, stat.S_IMODE(mode))


def load_key(path: Path, *, create: bool) -> AnchorKey | None:
    """The key in ``path``; with ``create``, a new one is made (0600, folder 0700) when there is none.

    None when absent and not created. AuditError when the file is unreadable or malformed (AuditWriteError
    when it cannot be created), never a silent new key over an existing one.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        if not create:
            return None
        return _create_key(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"The audit anchor key {path} cannot be read ({exc}).",
                         hint="Check its permissions: only the account that runs RadAssist may read it.") from exc
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise AuditError(f"The audit anchor key {path} is not a RadAssist key ({KEY_BYTES * 2} hex digits).",
                         hint="Restore it from the backup; a new key cannot verify the existing records.")
    _check_private(path)
    return AnchorKey(secret, path)


def _create_key(path: Path) -> AnchorKey:
    from radassist.config import make_private_dir

    secret = secrets.token_bytes(KEY_BYTES)
    try:
        make_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use that one
        key = load_key(path, create=False)
        assert key is not None
        return key
    except OSError as exc:
        raise AuditWriteError(f"The audit anchor key {path} cannot be created ({exc}).",
                              hint="Check the folder's permissions, or set RADASSIST_AUDIT_KEY_FILE.") from exc
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    log.warning("created the audit anchor key %s (id %s): back it up; without it the audit trail cannot be "
                "verified", path, AnchorKey(secret, path).key_id)
    return AnchorKey(secret, path)


# --- checkpoints ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file: the store had ``sequence`` records ending in ``hash``."""

    store_id: str
    sequence: int
    hash: str
    count: int
    time: str
    line: int = 0


def writer_identity() -> dict[str, str]:
    """Who writes: the OS login and the workstation (checkpoints and spooled events are bound to it)."""
    from radassist.config import os_user, workstation

    return {"os_user": os_user(), "workstation": workstation()}


def append_checkpoint(path: Path, key: AnchorKey, store_id: str, sequence: int, head_hash: str) -> None:
    """Append one MAC'd checkpoint line and fsync it (the file is created 0600)."""
    fields = {"v": 1, "store_id": store_id, "sequence": sequence, "hash": head_hash, "count": sequence,
              "key_id": key.key_id, "time": canonical.utc_timestamp(), "writer": writer_identity()}
    line = canonical.dumps({**fields, "mac": key.checkpoint_mac(fields)}) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except FileNotFoundError:  # the data folder of a PostgreSQL store's side files, on first use
        from radassist.config import make_private_dir

        make_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))  # one write of one short line: O_APPEND keeps lines whole
        os.fsync(fd)
    finally:
        os.close(fd)


def read_checkpoints(path: Path, key: AnchorKey | None) -> tuple[list[Checkpoint], str]:
    """The authentic checkpoints in ``path`` and "" — or what is wrong with the file.

    A torn last line (a crash mid-write) is ignored; any other line that does not parse or whose MAC does
    not match (``key`` None: no MAC can be checked) makes the file untrustworthy.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], ""
    except OSError as exc:
        return [], f"the checkpoint file {path} cannot be read ({exc})"
    lines = text.split("\n")
    out: list[Checkpoint] = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            d = json.loads(raw)
            mac = d.pop("mac")
            cp = Checkpoint(str(d["store_id"]), int(d["sequence"]), str(d["hash"]), int(d["count"]),
                            str(d.get("time", "")), n)
        except (ValueError, KeyError, TypeError, AttributeError):
            if n >= len(lines) - 1 and not text.endswith("\n"):
                log.warning("ignoring the torn last line %d of %s", n, path)
                continue
            return out, f"line {n} of the checkpoint file {path} is malformed: the file was edited"
        if key is None:
            return out, f"the checkpoint file {path} cannot be checked: the anchor key is missing"
        if d.get("key_id") != key.key_id:
            return out, (f"line {n} of the checkpoint file {path} was made with key id {d.get('key_id')}, "
                         f"not the configured key {key.key_id}")
        if not hmac.compare_digest(str(mac), key.checkpoint_mac(d)):
            return out, f"line {n} of the checkpoint file {path} is not authentic: it was written without the key"
        out.append(cp)
    return out, ""


def has_checkpoints(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


class Checkpointer:
    """Decides when a writer appends a checkpoint: its first append, then every N records or T seconds."""

    def __init__(self, path: Path, *, every_records: int = CHECKPOINT_EVERY_RECORDS,
                 every_s: float = CHECKPOINT_EVERY_S) -> None:
        self.path = path
        self.every_records, self.every_s = every_records, every_s
        self._last_seq: int | None = None
        self._last_time = 0.0
        self._pending: tuple[AnchorKey, str, int, str] | None = None

    def after_append(self, key: AnchorKey, store_id: str, sequence: int, head_hash: str, now: float) -> None:
        self._pending = (key, store_id, sequence, head_hash)
        if (self._last_seq is None or sequence - self._last_seq >= self.every_records
                or now - self._last_time >= self.every_s):
            self.flush(now)

    def flush(self, now: float = 0.0) -> None:
        """Write the latest head if it is not checkpointed yet (errors are logged: the record is stored)."""
        if self._pending is None:
            return
        key, store_id, sequence, head_hash = self._pending
        try:
            append_checkpoint(self.path, key, store_id, sequence, head_hash)
        except OSError as exc:
            log.error("could not write the audit checkpoint to %s: %s", self.path, exc)
            return
        self._pending = None
        self._last_seq, self._last_time = sequence, now

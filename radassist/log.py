"""Logging, configured once by an entry point: a rotating file in the log directory.

Nothing in RadAssist logs patient names or IDs; images are referred to by pixel SHA-256 or file name.
Every line passes through ``config.redact_url``, so a password in a store URL never reaches the log or
stderr, whoever logged it. The log files are created 0600 in a 0700 folder.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from radassist.config import Paths, app_paths, make_private_file, redact_url

_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_configured = False


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then hides any password (URL userinfo, ``password=``) in the whole line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_url(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created 0600 (the umask would make them world-readable)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        make_private_file(Path(self.baseFilename))  # an existing file from an earlier version
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def configure_logging(paths: Paths | None = None, *, level: int = logging.INFO, stderr: bool = False) -> None:
    """Idempotent: a second call (tests, GUI started from the CLI) changes nothing."""
    global _configured
    if _configured:
        return
    paths = (paths or app_paths()).ensure()
    root = logging.getLogger("radassist")
    root.setLevel(level)
    handler = PrivateRotatingFileHandler(paths.log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(RedactingFormatter(_FORMAT))
    root.addHandler(handler)
    if stderr:
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(RedactingFormatter("%(levelname)s: %(message)s"))
        root.addHandler(err)
    _configured = True


def reset_logging_for_tests() -> None:
    """Drop handlers so a test can point logging at its own RADASSIST_HOME."""
    global _configured
    root = logging.getLogger("radassist")
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    _configured = False

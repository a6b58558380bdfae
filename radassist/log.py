"""Logging, configured once by an entry point: a rotating file in the log directory.

Nothing in RadAssist logs patient names or IDs; images are referred to by pixel SHA-256 or file name.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys

from radassist.config import Paths, app_paths

_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_configured = False


def configure_logging(paths: Paths | None = None, *, level: int = logging.INFO, stderr: bool = False) -> None:
    """Idempotent: a second call (tests, GUI started from the CLI) changes nothing."""
    global _configured
    if _configured:
        return
    paths = (paths or app_paths()).ensure()
    root = logging.getLogger("radassist")
    root.setLevel(level)
    handler = logging.handlers.RotatingFileHandler(paths.log_file, maxBytes=5_000_000, backupCount=5,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if stderr:
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
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

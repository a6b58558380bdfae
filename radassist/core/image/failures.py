"""How library failures become readable text: the contract is that only ``RadAssistError`` leaves ``core.image``."""

from __future__ import annotations

import hashlib
import os


def is_library_failure(exc: BaseException) -> bool:
    """Exceptions, and the Rust panics of pylibjpeg-rle (pyo3 ``PanicException`` derives from BaseException)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def short(exc: BaseException, limit: int = 160) -> str:
    """The first line of an exception's message, cut to ``limit`` characters for a user-facing sentence."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def path_digest(path: str | os.PathLike[str]) -> str:
    """A short SHA-256 of a file's path, for log lines: file names often carry the patient's name."""
    return hashlib.sha256(os.fsencode(os.path.abspath(os.fspath(path)))).hexdigest()[:12]

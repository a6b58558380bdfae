"""SHA-256 of files: model package files, training manifests, base weights. One definition."""

from __future__ import annotations

import hashlib
import os


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, streamed (``hashlib.file_digest``: no whole-file read)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()

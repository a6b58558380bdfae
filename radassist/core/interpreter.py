"""A LiteRT interpreter created without the runtime's INFO line on stderr: one place for the classifier's
and the gate's runtime, the lung model and ``models verify`` (no layer above ``models`` needed)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_STDERR_LOCK = threading.Lock()


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 pointed at the null device for the block, then restored.

    LiteRT's C++ runtime writes "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." straight to fd 2
    when an interpreter first allocates its tensors; no Interpreter option or environment variable turns
    that line off except dropping the default delegates, which would drop XNNPACK itself. Errors still reach
    the caller: LiteRT raises them as exceptions. Serialised, so two threads never swap fd 2 under each other;
    what another thread writes to stderr in that moment (one model load) is lost with it.
    """
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, AttributeError, ValueError):  # no stderr at all (a windowed app): nothing to silence
            yield
            return
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 2)
            finally:
                os.close(null)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def new_interpreter(model_path: str, *, num_threads: int) -> Any:
    """A LiteRT ``Interpreter`` for ``model_path`` with its tensors allocated (XNNPACK applied), created
    without the runtime's INFO line on stderr. ImportError when LiteRT is not installed."""
    from ai_edge_litert.interpreter import Interpreter

    with native_stderr_silenced():
        interpreter = Interpreter(model_path=model_path, num_threads=num_threads)
        interpreter.allocate_tensors()
    return interpreter

"""LiteRT (``ai_edge_litert``, XNNPACK): runs a package's ``.tflite`` on the CPU."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from radassist.core.errors import DeviceUnavailableError, ModelError
from radassist.core.models import ModelPackage

log = logging.getLogger(__name__)

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


class LiteRTRuntime:
    """The package's .tflite through LiteRT's signature runner (input "image", outputs by name)."""

    name = "litert"
    device = "cpu"

    def __init__(self, package: ModelPackage, *, role: str = "tflite", num_threads: int = 2) -> None:
        path = package.path(role)
        try:
            self._interpreter = new_interpreter(str(path), num_threads=num_threads)
            self._runner = self._interpreter.get_signature_runner()
        except ImportError as exc:
            raise DeviceUnavailableError("The LiteRT runtime (ai-edge-litert) is not installed.",
                                         hint="pip install ai-edge-litert") from exc
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"LiteRT cannot load {path}: {exc}", hint="Reinstall the model package.") from exc
        self._lock = threading.Lock()  # one interpreter: invocations must not overlap

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]:
        # One image per invoke: on XNNPACK larger batches were not faster per image here (batch 16: +30%),
        # and a fixed input shape avoids re-allocating the interpreter whenever the batch size changes.
        x = np.ascontiguousarray(x, dtype=np.float32)
        parts: list[dict[str, np.ndarray]] = []
        with self._lock:
            for i in range(len(x)):
                out = self._runner(image=x[i:i + 1])
                parts.append({k: np.array(v) for k, v in out.items()})  # copy: the runner reuses its buffers
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}



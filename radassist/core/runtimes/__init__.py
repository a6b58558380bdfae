"""Model runtimes: LiteRT on the CPU (always), TensorFlow for the GPU (optional, the one fenced exception)."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Runtime(Protocol):
    """What the engine needs of a runtime: its name, the device it really runs on, and one batched call."""

    name: str
    device: str

    def run(self, x: np.ndarray) -> dict[str, np.ndarray]: ...

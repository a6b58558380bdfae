"""What a benchmark row is, and a small timer."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

# Benchmarks write audit databases, keys and checkpoints: never into the user's real folders. Every bench
# module imports this one first, so the temporary home is set before radassist.config is read.
os.environ.setdefault("RADASSIST_HOME", tempfile.mkdtemp(prefix="radassist-bench-home-"))


@dataclass
class Row:
    group: str
    what: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""


def median_ms(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)

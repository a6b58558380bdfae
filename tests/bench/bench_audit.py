"""Audit store speed: single appends per second, and verification records/s on a 100,000-record log.

SQLite in WAL mode with ``synchronous=FULL`` on the local disk; PostgreSQL on loopback started by
``tests/_postgres.py`` with ``fsync=on`` (durable commits, as in production). Appends are measured one
event per transaction (what a review does); the 100k log is generated in batches of 5,000 per
transaction, then ``store.verify()`` walks it all (fetching, recomposing, hashing, linking).
Rerun: ``make bench BENCH_ARGS="--only bench_audit"``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from radassist.core.audit import open_store
from tests.bench._common import Row
from tests.core.audit._factory import events

LOG_SIZE = 100_000
BATCH = 5_000
APPENDS = 3_000
APPEND_GOAL, VERIFY_GOAL = 1_000.0, 50_000.0


def _appends(store, start: int) -> float:
    """Median rate of three bursts of single appends (the shared machine's disk is noisy)."""
    rates = []
    for b in range(3):
        burst = list(events(APPENDS // 3, start=start + b * APPENDS))
        t0 = time.perf_counter()
        for e in burst:
            store.append(e)
        rates.append(len(burst) / (time.perf_counter() - t0))
    return statistics.median(rates)


def _measure(backend: str, url: str) -> list[Row]:
    rows = []
    with open_store(url) as store:
        rate = _appends(store, 10_000_000)
        rows.append(Row("audit", f"{backend}: appends/s (one transaction each)", rate, "1/s",
                        f">= {APPEND_GOAL:,.0f}", rate >= APPEND_GOAL,
                        f"median of 3 bursts of {APPENDS // 3} single durable appends (fsync-bound); "
                        f"load avg {os.getloadavg()[0]:.1f}"))
        t0 = time.perf_counter()
        for start in range(store.count(), LOG_SIZE, BATCH):
            store.append_many(events(min(BATCH, LOG_SIZE - start), start=start))
        gen = time.perf_counter() - t0
        walks, cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            result = store.verify()
            walks.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert result.ok and result.count == LOG_SIZE, result
        secs = statistics.median(walks)
        rate = LOG_SIZE / secs
        # On a shared machine the wall rate depends on the neighbours; the rate per CPU-second of this
        # process (for PostgreSQL: the client's share, the server works besides) is what one free core gives.
        rows.append(Row("audit", f"{backend}: verify records/s ({LOG_SIZE:,} records)", rate, "1/s",
                        f">= {VERIFY_GOAL:,.0f}", rate >= VERIFY_GOAL,
                        f"median walk {secs:.2f} s of 3 = {LOG_SIZE / statistics.median(cpu):,.0f}/CPU-s; "
                        f"load avg {os.getloadavg()[0]:.1f}; batched generation {LOG_SIZE / gen:,.0f}/s"))
    return rows


def _fdatasync_rate(folder: Path, seconds: float = 1.0) -> float:
    """8 kB write + fdatasync per round, as a commit does: the ceiling for durable single appends."""
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            os.pwrite(fd, b"\0" * 8192, 0)
            os.fdatasync(fd) if hasattr(os, "fdatasync") else os.fsync(fd)
            n += 1
        return n / (time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()


def run() -> list[Row]:
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="radassist-bench-audit-"))
    try:
        rows.append(Row("audit", "disk: 8 kB write + fdatasync per s (context)", _fdatasync_rate(tmp), "1/s",
                        note="bounds every durable commit on this disk"))
        rows += _measure("SQLite", str(tmp / "audit.sqlite3"))
        with open_store(tmp / "nosync.sqlite3") as store:
            store._conn.execute("PRAGMA synchronous = OFF")
            rows.append(Row("audit", "SQLite synchronous=OFF: appends/s (not durable)", _appends(store, 0), "1/s",
                            note="software ceiling; not a production setting"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    from tests._postgres import postgres_server, unavailable_reason

    reason = unavailable_reason()
    if reason:
        rows.append(Row("audit", "PostgreSQL", float("nan"), "", note=f"skipped: {reason}"))
        return rows
    with postgres_server(fsync=True) as server:
        rows += _measure("PostgreSQL", server.new_database())
    # The same appends without waiting for the disk: what the code and the round trips cost. Durable
    # appends are bounded by the disk's fsync rate (compare pg_test_fsync), not by RadAssist.
    with postgres_server(fsync=False) as server, open_store(server.new_database()) as store:
        rate = _appends(store, 0)
        rows.append(Row("audit", "PostgreSQL fsync=off: appends/s (not durable)", rate, "1/s",
                        note="software ceiling; not a production setting"))
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)

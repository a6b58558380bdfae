"""Workers: results, progress and errors come back on the UI thread, tagged; cancelled jobs stay quiet."""

from __future__ import annotations

import threading
import time

from radassist.core.errors import CorruptPixelDataError
from radassist.gui.workers import JobRunner


def test_progress_and_result_arrive_on_the_ui_thread_with_their_tag(qtbot):
    runner = JobRunner()
    seen = []

    def body(report, cancelled, x):
        report(x)
        return threading.current_thread().name, x * 2

    runner.submit(body, 21, tag="t",
                  on_progress=lambda t, v: seen.append(("progress", t, v, threading.current_thread().name)),
                  on_result=lambda t, v: seen.append(("result", t, v)))
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen[0] == ("progress", "t", 21, threading.main_thread().name)
    worker_thread, value = seen[1][2]
    assert value == 42 and worker_thread != threading.main_thread().name
    qtbot.waitUntil(lambda: runner.active == 0)


def test_errors_are_delivered_not_raised(qtbot):
    runner = JobRunner()
    errors = []

    def body(report, cancelled):
        raise CorruptPixelDataError("bad pixels", hint="try another file")

    runner.submit(body, tag=1, on_error=lambda t, e: errors.append((t, e)))
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0][0] == 1 and isinstance(errors[0][1], CorruptPixelDataError)


def test_cancelled_job_reports_nothing(qtbot):
    runner = JobRunner()
    results = []

    def body(report, cancelled):
        while not cancelled():
            time.sleep(0.005)
        return "late"

    job = runner.submit(body, on_result=lambda t, v: results.append(v))
    job.cancel()
    assert runner.shutdown(3000)
    qtbot.wait(50)
    assert results == []

"""Run slow core calls (decoding, folder scans) off the UI thread and hand results back by signals.

A ``Job`` wraps a plain function; the function receives a ``report(obj)`` callable for intermediate
results (a reduced-resolution first paint, a batch of worklist rows) and a ``cancelled()`` callable.
Signals are queued to the receiver's thread, so slots always run on the UI thread.

``JobRunner.call`` is for I/O that is usually quick but may hang (an audit database that stopped
answering): the UI thread waits a short, bounded time, so a quick call completes in order, as if it
were made directly, and a slow one finishes in the background and reports when it arrives.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """Every signal carries the job's ``tag`` first, so a receiver can drop results it no longer wants."""

    progress = Signal(object, object)
    result = Signal(object, object)
    #: the exception object (a RadAssistError for input problems, anything else is a bug)
    error = Signal(object, object)
    finished = Signal(object)


class Job(QRunnable):
    """``fn(report, cancelled, *args)`` on a pool thread; its return value arrives as ``signals.result``."""

    def __init__(self, fn: Callable[..., Any], *args: Any, tag: Any = None) -> None:
        super().__init__()
        self.tag = tag
        self.setAutoDelete(False)  # we keep the reference; Qt must not delete the Python-owned object
        self.fn = fn
        self.args = args
        self.signals = JobSignals()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None
        #: the outcome was handed over already (``JobRunner.call``): its signals are ignored
        self.delivered = False

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        if self._cancel.is_set():  # cancelled while queued: do not start the work at all
            self.done = True
            self.signals.finished.emit(self.tag)
            return
        try:
            value = self.fn(self._report, self._cancel.is_set, *self.args)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the UI thread to be shown
            self.error = exc
            self._finished.set()
            if not self._cancel.is_set():
                self.signals.error.emit(self.tag, exc)
        else:
            self.value = value
            self._finished.set()
            if not self._cancel.is_set():
                self.signals.result.emit(self.tag, value)
        finally:
            self._finished.set()
            self.done = True
            self.signals.finished.emit(self.tag)

    def wait(self, timeout_s: float) -> bool:
        """Block the calling thread until the function returned or raised, at most ``timeout_s``."""
        return self._finished.wait(timeout_s)

    def _report(self, value: Any) -> None:
        if not self._cancel.is_set():
            self.signals.progress.emit(self.tag, value)


class JobRunner(QObject):
    """A small pool that keeps its jobs alive until they finish, and can cancel and wait for them."""

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._jobs: set[Job] = set()
        self._calls: dict[object, tuple[Job, Any, Any]] = {}  # ``call``s whose outcome is not handed over yet
        self._late: Job | None = None  # the last ``call`` that outlasted its wait

    def submit(self, fn: Callable[..., Any], *args: Any, tag: Any = None,
               on_progress: Callable[[Any, Any], None] | None = None,
               on_result: Callable[[Any, Any], None] | None = None,
               on_error: Callable[[Any, BaseException], None] | None = None) -> Job:
        """Queue ``fn(report, cancelled, *args)``. Callbacks (bound methods of QObjects living on the UI
        thread) are connected before the job starts, so no early signal is lost."""
        job = Job(fn, *args, tag=tag)
        self._jobs.add(job)
        for signal, slot in ((job.signals.progress, on_progress), (job.signals.result, on_result),
                             (job.signals.error, on_error)):
            if slot is not None:
                signal.connect(slot)
        job.signals.finished.connect(self._reap)
        self.pool.start(job)
        return job

    def call(self, fn: Callable[[], Any], *, wait_s: float,
             on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> Job:
        """Run ``fn()`` on the pool and wait at most ``wait_s`` for it. Finished in time: its callback runs
        before ``call`` returns; otherwise when its signal reaches this (the UI) thread. Each runs once."""
        tag = object()
        # a call still running past its wait holds a worker: while it does, later calls do not wait at all
        # (one UI slot making several calls must not add their waits up against a store that hangs)
        busy = self._late is not None and not self._late.done
        job = self.submit(lambda _report, _cancelled: fn(), tag=tag, on_result=self._deliver_result,
                          on_error=self._deliver_error)
        self._calls[tag] = (job, on_result, on_error)
        if busy or not job.wait(wait_s):
            self._late = self._late if busy else job
        elif job.error is not None:
            self._deliver_error(tag, job.error)
        else:
            self._deliver_result(tag, job.value)
        return job

    def _deliver_result(self, tag: Any, value: Any) -> None:
        entry = self._calls.pop(tag, None)
        if entry is not None and entry[1] is not None:
            entry[0].delivered = True
            entry[1](value)

    def _deliver_error(self, tag: Any, exc: BaseException) -> None:
        entry = self._calls.pop(tag, None)
        if entry is not None and entry[2] is not None:
            entry[0].delivered = True
            entry[2](exc)

    def _reap(self) -> None:
        finished = self.sender()  # the JobSignals of the job whose last signal just arrived
        self._jobs = {j for j in self._jobs if j.signals is not finished}

    @property
    def active(self) -> int:
        """Jobs whose ``finished`` has not reached the UI thread yet (so their results have been delivered
        once this is 0: signals from one job arrive in order)."""
        return len(self._jobs)

    def cancel_all(self) -> None:
        for job in list(self._jobs):
            job.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel what is queued or running and wait; used when the window closes."""
        self.cancel_all()
        self.pool.clear()
        done = self.pool.waitForDone(timeout_ms)
        if not done:
            log.warning("background jobs still running after %d ms at shutdown", timeout_ms)
        return done

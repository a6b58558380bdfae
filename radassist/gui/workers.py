"""Run slow core calls (decoding, folder scans) off the UI thread and hand results back by signals.

A ``Job`` wraps a plain function; the function receives a ``report(obj)`` callable for intermediate
results (a reduced-resolution first paint, a batch of worklist rows) and a ``cancelled()`` callable.
Signals are queued to the receiver's thread, so slots always run on the UI thread.
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
        self.done = False

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
            if not self._cancel.is_set():
                self.signals.error.emit(self.tag, exc)
        else:
            if not self._cancel.is_set():
                self.signals.result.emit(self.tag, value)
        finally:
            self.done = True
            self.signals.finished.emit(self.tag)

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

"""Decode untrusted compressed frames in worker processes with a memory and a time limit.

Why: the C decoders (libjpeg, OpenJPEG, CharLS, RLE) run on bytes from any sender; one hostile or broken
frame can allocate gigabytes, spin for minutes or crash. Browsers sandbox image decoders for the same
reason. A small pool of ``spawn``-ed workers is kept warm (starting one costs a Python start-up plus the
codec imports); each call lowers the worker's address-space limit (``RLIMIT_AS``) to what the image may
need, and the parent waits at most ``timeout`` seconds. A worker that overruns is killed and replaced;
one that dies (a segfault, a fatal libjpeg error) turns into ``DamagedPixelDataError``.

The cheap header checks (``codecs.headers``) run in the app before this, so known bombs never get here.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

from radassist.core.errors import (
    CodecUnavailableError,
    DamagedPixelDataError,
    DecodeTimeoutError,
    ImageTooLargeError,
    RadAssistError,
)

#: idle workers kept warm (the GUI decodes on two threads)
POOL_SIZE = 2
#: a worker that has not imported its codecs after this long is treated as broken
START_SECONDS = 60.0
#: modules a worker imports before its first job, so the first decode does not pay for them
_PRELOAD = ("numpy", "pydicom", "pydicom.pixels", "imagecodecs", "radassist.core.image.decode")
_ctx = mp.get_context("spawn")
_lock = threading.Lock()
_idle: list[_Worker] = []
_in_worker = False


def in_worker() -> bool:
    """True inside a decode worker (where code that may end the process on a fatal codec error may run)."""
    return _in_worker


class _Worker:
    def __init__(self) -> None:
        parent, child = _ctx.Pipe()
        self.conn: Connection = parent
        self.proc = _ctx.Process(target=_serve, args=(child,), name="radassist-decoder", daemon=True)
        self.proc.start()
        child.close()
        self.ready = False

    def alive(self) -> bool:
        return self.proc.is_alive()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)

    def wait_ready(self) -> None:
        """Block until the worker has imported its codecs; CodecUnavailableError when it died starting."""
        if self.ready:
            return
        if self.conn.poll(START_SECONDS):
            with contextlib.suppress(EOFError, OSError):
                self.ready = self.conn.recv() == ("ready",)
        if not self.ready:
            self.stop()
            raise CodecUnavailableError(
                f"The decoder process could not start (exit status {self.proc.exitcode}), so compressed images "
                "cannot be opened.", hint="A script that opens images must put its code under "
                "'if __name__ == \"__main__\":' (Python starts the decoder process from the script). Otherwise "
                "reinstall RadAssist.")

    def call(self, fn: Callable[..., Any], args: tuple, timeout: float, memory: int) -> tuple:
        self.wait_ready()
        self.conn.send((fn.__module__, fn.__qualname__, args, memory))
        ready = wait([self.conn, self.proc.sentinel], timeout)
        if self.conn in ready:
            with contextlib.suppress(EOFError, OSError):
                return self.conn.recv()
        if not ready:
            return ("timeout",)
        self.proc.join(5)
        return ("died", self.proc.exitcode)


def _acquire() -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.stop()
    return _Worker()


def _release(worker: _Worker) -> None:
    with _lock:
        if len(_idle) < POOL_SIZE and worker.alive():
            _idle.append(worker)
            return
    worker.stop()


def prestart(count: int = 1) -> None:
    """Start ``count`` workers now (e.g. at app start-up), so the first open does not wait for one."""
    with _lock:
        missing = max(0, min(count, POOL_SIZE) - len(_idle))
    for _ in range(missing):
        _release(_Worker())


def _replace_later() -> None:
    threading.Thread(target=prestart, name="radassist-decoder-start", daemon=True).start()


@atexit.register
def shutdown() -> None:
    """Stop every idle worker (also at interpreter exit)."""
    with _lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.stop()


def run(fn: Callable[..., Any], *args: Any, timeout: float, memory: int, name: str) -> Any:
    """``fn(*args)`` in a decode worker; ``fn`` is a module-level function, ``name`` the file in messages.

    A ``RadAssistError`` raised there is raised here again; anything else from a codec becomes
    ``DamagedPixelDataError``. Over ``timeout`` seconds: ``DecodeTimeoutError``. A worker that dies or
    runs out of its ``memory`` bytes of extra address space: ``DamagedPixelDataError`` / ``ImageTooLargeError``.
    """
    worker = _acquire()
    try:
        reply = worker.call(fn, args, timeout, memory)
    except CodecUnavailableError:
        raise
    except BaseException:
        worker.stop()
        raise
    status = reply[0]
    if status in ("timeout", "died"):
        worker.stop()
        _replace_later()
    else:
        _release(worker)
    if status == "ok":
        return reply[1]
    if status == "timeout":
        raise DecodeTimeoutError(f"Decoding {name} took longer than {timeout:.3g} s and was stopped.",
                                 hint="The image data is damaged or hostile: fetch the file again, and report "
                                      "it if this repeats.")
    if status == "died":
        raise DamagedPixelDataError(f"The decoder stopped on the image data of {name} (exit status {reply[1]}): "
                                    "the data is damaged.", hint="Fetch the file again from the PACS or the sender.")
    if status == "memory":
        raise ImageTooLargeError(f"Decoding {name} needed more than its {memory / 2**20:,.0f} MiB memory budget, "
                                 "so it was stopped.", hint="Check that this is a single chest X-ray.")
    _, cls_name, message, hint = reply
    from radassist.core import errors

    cls = getattr(errors, cls_name, None)
    if isinstance(cls, type) and issubclass(cls, RadAssistError):
        raise cls(message, hint=hint)
    raise DamagedPixelDataError(f"The image data in {name} is damaged or cannot be decoded ({message}).",
                                hint="Fetch the file again from the PACS or the sender.")


# --- inside the worker ------------------------------------------------------------------------------------
def _address_space() -> int:
    """Bytes of address space this process uses now (Linux), else 0."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@contextlib.contextmanager
def _memory_limit(extra: int) -> Any:
    """Lower RLIMIT_AS to the current use plus ``extra`` bytes for one job (a soft limit, raised again after)."""
    try:
        import resource
    except ImportError:  # not on Windows
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = _address_space()
    if used:
        limit = used + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _serve(conn: Connection) -> None:
    """Worker main loop: one job at a time until the pipe closes."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the parent's to handle
    for module in _PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    try:
        conn.send(("ready",))
    except (EOFError, OSError):
        return
    while True:
        try:
            module, qualname, args, memory = conn.recv()
        except (EOFError, OSError):
            return
        try:
            fn = getattr(importlib.import_module(module), qualname)
            with _memory_limit(memory):
                reply: tuple = ("ok", fn(*args))
        except MemoryError:
            reply = ("memory",)
        except RadAssistError as exc:
            reply = ("error", type(exc).__name__, exc.message, exc.hint)
        except BaseException as exc:  # noqa: BLE001 - every codec failure goes back to the parent
            reply = ("error", "", f"{type(exc).__name__}: {str(exc).strip()[:160]}", None)
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory",))
        except (EOFError, OSError):
            return

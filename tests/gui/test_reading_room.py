"""The reading room: the review always belongs to the worklist's selected image, who signed is the OS login,
and a database server that stops answering never freezes the window."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from radassist.core.audit import events as ev
from radassist.core.audit import open_store
from radassist.gui.assistant import install_assistant
from radassist.gui.review_panel import UNSAVED_TEXT
from tests.conftest import shared_path
from tests.gui import assistant_fixtures as af


@pytest.fixture
def assistant(main_window):
    a = install_assistant(main_window, loader=af.models, retry_ms=50)
    yield a
    a.shutdown()


def _good_then_failing(kind: str, folder: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A worklist of two files, sorted so the good one comes first and the one that cannot open second."""
    folder.mkdir()
    if kind == "shared-multiframe":
        data = shared_path("data", "dicom_cr_chest")
        good = shutil.copy(data / "edge_multi_window_overlay_MR.dcm", folder / "a_overlay.dcm")
        bad = shutil.copy(data / "edge_multiframe_MR.dcm", folder / "b_multiframe.dcm")
        return Path(good), Path(bad)
    good = af.write_cxr_dicom(folder / "a_good.dcm")
    data = good.read_bytes()
    bad = folder / "b_truncated.dcm"
    bad.write_bytes(data[: len(data) - 4000])  # pixel data cut short: refused, never shown
    return good, bad


def _store_events(**filters) -> list:
    with open_store() as s:
        return s.query(**filters)


@pytest.mark.parametrize("kind", ["shared-multiframe", "generated-truncated"])
def test_a_failed_open_clears_the_review_so_ctrl_enter_cannot_sign_off_the_previous_image(
        qtbot, main_window, assistant, tmp_path, kind, caplog):
    good, bad = _good_then_failing(kind, tmp_path / "worklist", tmp_path)
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000) as analysed:
        main_window.open_folder(good.parent)
    first = analysed.args[0]
    qtbot.waitUntil(lambda: main_window.worklist.count() == 2, timeout=10_000)
    panel = assistant.review_panel
    view = main_window.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A)  # every finding accepted: a sign-off would now be taken
    assert not panel.review.undecided() and panel.btn_sign_off.isEnabled()

    with qtbot.waitSignal(main_window.load_failed, timeout=10_000):
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    current = main_window.worklist.tree.currentItem()
    assert current.data(0, Qt.ItemDataRole.UserRole) == bad  # the worklist highlights the failed file ...
    assert view.image is None and main_window.current_image is None  # ... and nothing else is on screen
    assert assistant.image is None and assistant.review is None and panel.review is None
    assert "could not be opened" in panel.message.text()
    assert "No AI findings" in assistant.findings.status.text()
    assert assistant.findings.table.rowCount() == 0
    for button in (panel.btn_accept_all, panel.btn_present, panel.btn_absent, panel.btn_sign_off):
        assert not button.isEnabled()
    assert not any(act.isEnabled() for act in panel.actions_.values())

    view.setFocus()
    for key, mod in ((Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier),
                     (Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier),
                     (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier), (Qt.Key.Key_P, Qt.KeyboardModifier.NoModifier),
                     (Qt.Key.Key_N, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(view, key, mod)
    qtbot.wait(100)
    assert _store_events(event_types=[ev.SIGNED_OFF]) == []  # the previous image was never signed off
    accepted = _store_events(event_types=[ev.FINDING_ACCEPTED, ev.FINDING_CORRECTED])
    assert len(accepted) == len(first.analysis.findings)  # only the A pressed on the good image
    assert {r.event.pixel_sha256 for r in accepted} <= {first.image.pixel_sha256}

    failed = _store_events(event_types=[ev.IMAGE_OPEN_FAILED])
    assert len(failed) == 1
    from radassist.core.image.failures import path_digest

    details = failed[0].event.details
    assert details["path_digest"] == path_digest(bad) and details["error"] and failed[0].event.pixel_sha256 == ""
    stored = json.dumps(failed[0].to_dict())
    assert bad.name not in stored and bad.stem not in stored  # no file name (names carry patients' names)
    assert any(path_digest(bad) in r.getMessage() for r in caplog.records)

    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):  # back to the good one: usable again
        qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert panel.review is not None and panel.review.identity["pixel_sha256"] == first.image.pixel_sha256
    if first.analysis.findings:  # the MR gets no AI call (no findings to accept); the generated CXR does
        assert any("accepted" in line for line in panel.history_lines())


def test_review_actions_are_off_while_another_file_opens(qtbot, main_window, assistant, tmp_path):
    good = af.write_cxr_dicom(tmp_path / "one.dcm")
    other = af.write_cxr_dicom(tmp_path / "two.dcm", af.chest_like(seed=4))
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        main_window.open_path(good)
    assert assistant.review_panel.btn_sign_off.isEnabled()
    with qtbot.waitSignal(main_window.image_loading, timeout=5000):
        main_window.open_path(other)
    # synchronously, before the new file has even decoded: nothing may act on the image still on screen
    assert assistant.review_panel.review is None
    assert not assistant.review_panel.actions_["sign_off"].isEnabled()
    qtbot.waitUntil(lambda: assistant.review is not None and assistant.result is not None, timeout=30_000)
    assert assistant.review.identity["pixel_sha256"] == main_window.current_image.pixel_sha256


def test_changing_the_display_name_never_changes_the_os_login(qtbot, main_window, assistant, tmp_path):
    from radassist.config import os_user

    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        main_window.open_path(af.write_cxr_dicom(tmp_path / "cxr.dcm"))
    assert assistant.identity.set_display_name("Dr. Grace Hopper")
    assistant.review_panel.accept_all()
    rows = _store_events()
    assert rows and all(r.event.os_user == os_user() for r in rows)  # every record, whatever the name
    accepted = _store_events(event_types=[ev.FINDING_ACCEPTED])
    assert {r.event.user for r in accepted} == {"Dr. Grace Hopper"}
    change = _store_events(event_types=[ev.SETTINGS_CHANGED])[0].event
    assert change.user == os_user() and change.os_user == os_user()
    assert any(f"({os_user()})" in line for line in assistant.review_panel.history_lines())
    with open_store() as s:
        assert s.verify().ok


# --- a PostgreSQL server that stops answering ------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_server():
    from tests._postgres import server_fixture

    yield from server_fixture()


def _postmaster_pid(server) -> int:
    return int((server.data / "postmaster.pid").read_text().splitlines()[0])


def _backend_pids(server) -> list[int]:
    """The postmaster's children (the backends serving our connections)."""
    pid = _postmaster_pid(server)
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


class Ticker:
    """A QTimer ticking every 50 ms: the longest gap between ticks is how long the UI thread was blocked."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.last = time.perf_counter()
        self.worst = 0.0
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> Ticker:
        self.last, self.worst = time.perf_counter(), 0.0
        self.timer.start()
        return self

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


@pytest.mark.postgres
def test_a_stopped_postgres_server_never_freezes_the_window(qtbot, pg_server, radassist_home, monkeypatch, tmp_path):
    from radassist.config import load_settings
    from radassist.gui.main_window import MainWindow

    url = pg_server.new_database()
    monkeypatch.setenv("RADASSIST_AUDIT_URL", url)
    win = MainWindow(load_settings())
    qtbot.addWidget(win)
    assistant = install_assistant(win, loader=af.models, retry_ms=100)
    win.show()
    qtbot.waitExposed(win)
    first = af.write_cxr_dicom(tmp_path / "first.dcm")
    second = af.write_cxr_dicom(tmp_path / "second.dcm", af.chest_like(seed=7))
    with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
        win.open_path(first)
    qtbot.waitUntil(lambda: assistant.pending_count() == 0, timeout=10_000)

    stopped = [_postmaster_pid(pg_server), *_backend_pids(pg_server)]
    ticker = Ticker().start()
    for pid in stopped:  # the server stops answering: connected sockets and new connections hang
        os.kill(pid, signal.SIGSTOP)
    try:
        with qtbot.waitSignal(assistant.analysis.finished, timeout=30_000):
            win.open_path(second)  # image_opened, history and prediction_shown wait on the server
        panel = assistant.review_panel
        assert panel.review is not None
        panel.accept_all()  # a decision while the store hangs: taken, "not yet saved"
        assert UNSAVED_TEXT in panel.cell_text(0, 3)
        qtbot.wait(1500)  # the retry timer fires many times meanwhile
        assert assistant.pending_count() >= 1 and assistant.pending_label.isVisible()
        worst = ticker.stop()
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    print(f"longest UI gap while the server was stopped: {worst * 1000:.0f} ms")
    assert worst < 0.35, f"the UI thread was blocked for {worst * 1000:.0f} ms"
    qtbot.waitUntil(lambda: assistant.pending_count() == 0, timeout=30_000)  # the server is back: saved
    qtbot.waitUntil(lambda: panel.cell_text(0, 3) == "saved", timeout=5000)
    assistant.shutdown()
    with open_store(url) as s:
        kinds = [r.event.event_type for r in s.query(pixel_sha256=panel.review.identity["pixel_sha256"])]
        assert kinds[:2] == [ev.IMAGE_OPENED, ev.PREDICTION_SHOWN] and ev.FINDING_ACCEPTED in kinds
        assert s.verify().ok
    win.close()

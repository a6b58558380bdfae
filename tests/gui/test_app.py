"""Start-up: icon, settings problems, decoder check, and no TensorFlow on the way to the main window."""

from __future__ import annotations

import subprocess
import sys

import pytest

from radassist.gui import app, dialogs


def test_app_icon_has_the_usual_sizes(qapp):
    icon = app.app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 48, 256}


def test_broken_settings_file_falls_back_to_defaults_and_says_so(qtbot, radassist_home, monkeypatch):
    (radassist_home / "config").mkdir(parents=True)
    (radassist_home / "config" / "settings.json").write_text("{not json")
    seen = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, exc: seen.append((title, str(exc))))
    win = app.create_window(app.parse_args(["--size", "800x600"]))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(seen))
    assert win.settings.recent_files == () and win.size().toTuple() == (800, 600)
    assert seen[0][0] == app.SETTINGS_PROBLEMS_TITLE and "settings.json" in seen[0][1]
    assert "not valid JSON" in seen[0][1]


def test_a_setting_of_the_wrong_type_is_shown_and_its_default_used(qtbot, radassist_home, monkeypatch):
    """``"max_recent": "3"`` once broke every file open; ``"show_heatmap": "no"`` counted as on."""
    import json

    (radassist_home / "config").mkdir(parents=True)
    (radassist_home / "config" / "settings.json").write_text(json.dumps(
        {"max_recent": "3", "show_heatmap": "no", "display_name": "Dr C"}))
    seen = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, exc: seen.append((title, str(exc))))
    win = app.create_window(app.parse_args([]))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(seen))
    assert win.settings.max_recent == 10 and win.settings.show_heatmap is True
    assert win.settings.display_name == "Dr C"  # the well-typed settings are kept
    assert win.settings.with_recent("/x/a.dcm").recent_files == ("/x/a.dcm",)  # no TypeError on a file open
    assert "'max_recent'" in seen[0][1] and "'show_heatmap'" in seen[0][1]


def test_missing_decoder_plugins_are_reported_as_a_warning(qtbot, monkeypatch):
    seen = []
    monkeypatch.setattr(dialogs, "show_warning", lambda parent, title, text, informative="": seen.append(text))
    app._show_decoder_problems(None, ["JPEG 2000: pylibjpeg-openjpeg failed to load"])
    app._show_decoder_problems(None, [])
    assert len(seen) == 1 and "JPEG 2000" in seen[0]


def test_gui_entry_point_does_not_import_tensorflow(tmp_path):
    code = ("import sys; from radassist.gui.app import run_app; rc = run_app(['--exit-when-shown']); "
            "assert rc == 0; print('TF' if 'tensorflow' in sys.modules else 'NO-TF')")
    env = {"QT_QPA_PLATFORM": "offscreen", "RADASSIST_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "shown" in out.stdout and out.stdout.strip().endswith("NO-TF")


def test_qt_binding_keeps_none_and_bool_references(qapp):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None/True on every void call, so a viewer
    aborted ("none_dealloc") after a few thousand repaints; pyproject pins a sound version."""
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QWidget

    class Emitter(QObject):
        changed = Signal(object)

    w, e = QWidget(), Emitter()
    e.changed.connect(lambda _v: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        w.update()
        qapp.processEvents()
        e.changed.emit(None)
    assert sys.getrefcount(None) - none_before > -100
    assert sys.getrefcount(True) - true_before > -100


@pytest.mark.qt_no_exception_capture
def test_an_exception_escaping_a_slot_is_logged_and_shown_generically(qtbot, monkeypatch, caplog):
    from PySide6.QtCore import QTimer

    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, exc: shown.append((title, exc)))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test

    def broken_slot():
        raise KeyError("a bug")

    app._install_excepthook(None)
    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: bool(shown), timeout=3000)
    assert shown[0][0] == "Unexpected problem" and isinstance(shown[0][1], KeyError)
    assert "unhandled exception" in caplog.text

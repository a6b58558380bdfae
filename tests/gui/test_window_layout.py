"""A day of reading: window geometry and docks remembered, first start maximised, presets in the shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt


def _window(qtbot, size=None):
    from radassist.config import Settings
    from radassist.gui.main_window import MainWindow

    win = MainWindow(Settings(show_heatmap=False, show_lungs=False))
    qtbot.addWidget(win)
    if size:
        win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_first_start_is_maximised_and_the_layout_is_remembered(qtbot, radassist_home):
    from radassist.gui.main_window import LAYOUT_FILE

    first = _window(qtbot)
    assert first.windowState() & Qt.WindowState.WindowMaximized
    first.setWindowState(Qt.WindowState.WindowNoState)
    first.resize(700, 500)
    first.worklist_dock.show()
    first.removeDockWidget(first.worklist_dock)
    first.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first.worklist_dock)
    first.worklist_dock.show()
    qtbot.wait(50)
    first.close()
    assert (radassist_home / "config" / LAYOUT_FILE).is_file()
    again = _window(qtbot)
    assert not again.windowState() & Qt.WindowState.WindowMaximized
    assert (again.width(), again.height()) == (700, 500)
    assert again.dockWidgetArea(again.worklist_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    again.close()


def test_a_window_given_a_size_is_not_maximised_and_a_broken_layout_file_is_ignored(qtbot, radassist_home):
    from radassist.gui.main_window import LAYOUT_FILE

    (radassist_home / "config").mkdir(parents=True, exist_ok=True)
    (radassist_home / "config" / LAYOUT_FILE).write_text("[General]\ngeometry=not a geometry\nstate=@Invalid()\n")
    win = _window(qtbot, size=(900, 700))
    assert not win.windowState() & Qt.WindowState.WindowMaximized and (win.width(), win.height()) == (900, 700)


def test_the_shortcuts_dialog_lists_the_window_presets(main_window, dicom_file, open_image):
    rows = dict(main_window.shortcut_rows())
    assert any("presets" in k and "Ctrl+1" in v for k, v in rows.items())  # before an image: said generally
    open_image(main_window, dicom_file)
    presets = {k: v for k, v in main_window.shortcut_rows() if k.startswith("Window preset: ")}
    assert presets["Window preset: Default (from the file)"] == "Ctrl+1"
    assert any("W 4096 / L 2048" in k and v == "Ctrl+2" for k, v in presets.items())  # the file's own window next

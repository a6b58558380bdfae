"""Named window presets in the viewer: Ctrl+N applies the Nth, the shortcuts dialog lists them, edits persist."""

from __future__ import annotations

import json
import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from radassist.core.display import DEFAULT_PRESETS, WindowPreset, named_windows
from tests.conftest import shared_path


def _window(qtbot):
    from radassist.config import Settings
    from radassist.gui.main_window import MainWindow

    win = MainWindow(Settings(show_heatmap=False, show_lungs=False))
    qtbot.addWidget(win)
    win.resize(900, 700)
    win.show()
    qtbot.waitExposed(win)
    return win


def _preset_labels(win) -> list[str]:
    return [a.text() for a in win.presets_menu.actions() if not a.shortcut().isEmpty()]


def test_ctrl_n_applies_the_nth_preset_file_windows_first(main_window, open_image, qtbot):
    path = shared_path("data", "dicom_cr_chest", "edge_multi_window_overlay_MR.dcm")  # WINDOW1, WINDOW2
    image = open_image(main_window, path)
    labels = _preset_labels(main_window)
    names = [p.name for p in DEFAULT_PRESETS]
    assert labels[0] == "Default (from the file)"
    assert labels[1].startswith("WINDOW1: W 790 / L 450") and labels[2].startswith("WINDOW2: W 443 / L 200")
    assert [t.split(":")[0] for t in labels[3:7]] == names and labels[7] == "Full range"
    view = main_window.view
    view.setFocus()
    expected = named_windows(image, DEFAULT_PRESETS)
    for n, window in zip(range(4, 8), expected, strict=True):
        before = view.displayed_u8.copy()
        qtbot.keyClick(view, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.ControlModifier)
        assert view.window == window, labels[n - 1]
        assert f"W: {window.width:g}" in main_window.wl_label.text().replace(",", "")
        assert not (view.displayed_u8 == before).all()
    qtbot.keyClick(view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert view.window == image.display.windows[0]
    qtbot.keyClick(view, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert view.window.explanation == "Full range"
    qtbot.keyClick(view, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert view.window is None


def test_a_real_chest_film_gets_a_darker_lung_window_than_bone(main_window, open_image, qtbot):
    image = open_image(main_window, shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2_IMPLE.dcm"))
    labels = _preset_labels(main_window)
    assert labels[1].startswith("Lung: ") and labels[3].startswith("Bone: ")  # no window in the file
    view = main_window.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    lung = view.displayed_u8.mean()
    qtbot.keyClick(view, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    bone = view.displayed_u8.mean()
    assert view.window.explanation == "Bone" and bone < lung  # bone's window sits on the bright pixels
    assert image.display.windows == ()


def test_the_shortcuts_dialog_lists_the_named_presets(main_window, dicom_file, open_image, qtbot):
    before = dict(main_window.shortcut_rows())
    assert any(all(p.name in k for p in DEFAULT_PRESETS) and "Ctrl+1" in v for k, v in before.items())
    open_image(main_window, dicom_file)
    rows = dict(main_window.shortcut_rows())
    for i, p in enumerate(DEFAULT_PRESETS):  # after Default and the file's one window
        assert any(k.startswith(f"Window preset: {p.name}: W ") and v == f"Ctrl+{i + 3}" for k, v in rows.items())
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    shown: list[str] = []

    def read_and_close() -> None:  # the dialog is modal: read it from inside its event loop
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(100, read_and_close)
    main_window.show_shortcuts()
    assert "Window preset: Lung: W " in shown[0] and "Ctrl+3" in shown[0]


def test_edited_presets_are_used_and_survive_a_new_window(main_window, dicom_file, open_image, qtbot,
                                                          radassist_home):
    from radassist.gui.presets_dialog import PRESETS_FILE

    image = open_image(main_window, dicom_file)
    dlg = main_window.edit_presets()
    qtbot.addWidget(dlg)
    table = dlg.table
    assert table.rowCount() == len(DEFAULT_PRESETS) and table.item(0, 0).text() == "Lung"
    table.setItem(0, 0, QTableWidgetItem("Lung narrow"))
    table.setItem(0, 2, QTableWidgetItem("20"))
    dlg.remove_button.click()  # nothing selected: nothing removed
    table.selectRow(3)
    dlg.remove_button.click()
    dlg.add_button.click()
    table.setItem(3, 0, QTableWidgetItem("Ribs"))
    table.setItem(3, 1, QTableWidgetItem("90"))
    table.setItem(3, 2, QTableWidgetItem("oops"))
    dlg.accept()
    assert dlg.isVisible() and "number" in dlg.error.text()  # refused, with the reason, nothing saved
    assert not (radassist_home / "config" / PRESETS_FILE).exists()
    table.setItem(3, 2, QTableWidgetItem("16"))
    dlg.accept()
    assert not dlg.isVisible()
    edited = (WindowPreset("Lung narrow", 30, 20), DEFAULT_PRESETS[1], DEFAULT_PRESETS[2], WindowPreset("Ribs", 90, 16))
    assert main_window.window_presets == edited
    assert _preset_labels(main_window)[2].startswith("Lung narrow: ")  # the open image's menu follows at once
    main_window.view.setFocus()
    qtbot.keyClick(main_window.view, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert main_window.view.window == named_windows(image, edited)[3]
    saved = radassist_home / "config" / PRESETS_FILE
    assert json.loads(saved.read_text())["presets"][3] == {"name": "Ribs", "center": 90.0, "width": 16.0}
    assert saved.stat().st_mode & 0o777 == 0o600
    again = _window(qtbot)
    assert again.window_presets == edited
    open_image(again, dicom_file)
    assert [t.split(":")[0] for t in _preset_labels(again)[2:6]] == ["Lung narrow", "Mediastinum", "Bone", "Ribs"]
    dlg = again.edit_presets()
    qtbot.addWidget(dlg)
    dlg.defaults_button.click()
    dlg.accept()
    assert again.window_presets == DEFAULT_PRESETS


@pytest.mark.parametrize("content", ["{not json", '{"version": 1, "presets": [{"name": "x", "center": 500, '
                                                  '"width": 10}]}', "[]"])
def test_a_bad_presets_file_gives_the_defaults_and_a_warning(qtbot, radassist_home, caplog, content):
    from radassist.gui.presets_dialog import PRESETS_FILE

    (radassist_home / "config").mkdir(parents=True, exist_ok=True)
    (radassist_home / "config" / PRESETS_FILE).write_text(content)
    win = _window(qtbot)
    with caplog.at_level(logging.WARNING, logger="radassist.gui.presets_dialog"):
        assert win.window_presets == DEFAULT_PRESETS
    assert any("ignoring the window presets" in r.getMessage() for r in caplog.records)

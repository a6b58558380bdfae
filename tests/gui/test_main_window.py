"""The viewer as a radiologist uses it: open, look, adjust, browse tags, survive bad files, worklists."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu

from radassist.core.errors import ImageError
from radassist.gui import dialogs


@pytest.fixture
def shown_errors(monkeypatch):
    """Collect error dialogs instead of blocking on them."""
    seen = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, exc: seen.append((title, exc)))
    monkeypatch.setattr(dialogs, "show_warning", lambda parent, title, text, informative="": seen.append(
        (title, text)))
    return seen


def test_opening_a_file_shows_the_image(main_window, dicom_file, open_image):
    image = open_image(main_window, dicom_file)
    assert image.shape == (96, 64)
    assert main_window.current_image is image
    assert main_window.view.displayed_u8.shape == (96, 64)
    assert main_window.view.rendered_image().size().toTuple() == (64, 96)
    assert "chest.dcm" in main_window.windowTitle()
    assert "W: 4096" in main_window.wl_label.text()
    assert main_window.act_tags.isEnabled()


def test_keyboard_shortcuts_drive_the_view(main_window, dicom_file, open_image, qtbot):
    open_image(main_window, dicom_file)
    view = main_window.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_I)
    assert view.invert and main_window.act_invert.isChecked()
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert view.rotation == 90
    qtbot.keyClick(view, Qt.Key.Key_H)
    assert view.flipped == (True, False)
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert view.zoom == pytest.approx(1 / view.devicePixelRatioF())
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert view.zoom > 1  # a 64x96 image fills the window
    view.set_window(view.effective_window.__class__(100.0, 200.0))
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.window is None


def test_tag_browser_finds_patient_id(main_window, dicom_file, open_image, qtbot):
    open_image(main_window, dicom_file)
    main_window.act_tags.trigger()
    browser = main_window.tag_browser
    assert browser is not None and browser.isVisible()
    qtbot.keyClicks(browser.search, "PatientID")
    assert "PatientID" in browser.visible_keywords()
    assert "Modality" not in browser.visible_keywords()
    values = [browser.tree.topLevelItem(i).text(3) for i in range(browser.tree.topLevelItemCount())
              if browser.tree.topLevelItem(i).text(1) == "PatientID"]
    assert values == ["PAT-0042"]


def test_corrupt_file_shows_an_error_and_the_app_stays_usable(main_window, corrupt_file, dicom_file,
                                                              open_image, shown_errors, qtbot):
    with qtbot.waitSignal(main_window.load_failed, timeout=10_000):
        main_window.open_path(corrupt_file)
    assert len(shown_errors) == 1
    title, exc = shown_errors[0]
    assert "corrupt.dcm" in title and isinstance(exc, ImageError) and str(exc)
    assert not main_window.busy.isVisible()
    image = open_image(main_window, dicom_file)
    assert image.shape == (96, 64) and main_window.view.image is image


def test_not_an_image_is_refused_with_a_readable_message(main_window, tmp_path, shown_errors, qtbot):
    bad = tmp_path / "report.txt"
    bad.write_text("hello")
    with qtbot.waitSignal(main_window.load_failed, timeout=10_000):
        main_window.open_path(bad)
    assert isinstance(shown_errors[0][1], ImageError)


def test_folder_opens_as_a_worklist_and_pages(main_window, dicom_folder, qtbot):
    with qtbot.waitSignal(main_window.worklist_scanned, timeout=10_000) as scanned:
        main_window.open_folder(dicom_folder)
    result = scanned.args[0]
    assert (result.listed, result.skipped) == (3, 1)
    assert main_window.worklist.count() == 3
    assert main_window.worklist_dock.isVisible()
    qtbot.waitUntil(lambda: main_window.current_image is not None, timeout=10_000)
    first = main_window.current_path
    with qtbot.waitSignal(main_window.image_loaded, timeout=10_000):
        main_window.act_next.trigger()
    assert main_window.current_path != first
    with qtbot.waitSignal(main_window.image_loaded, timeout=10_000):
        main_window.act_prev.trigger()
    assert main_window.current_path == first
    assert not main_window.busy.isVisible()  # the spinner stops once listing and decoding are done


def test_recent_files_are_persisted_in_radassist_home(main_window, dicom_file, open_image, radassist_home):
    open_image(main_window, dicom_file)
    settings = json.loads((radassist_home / "config" / "settings.json").read_text())
    assert settings["recent_files"][0] == str(dicom_file.resolve())
    assert any(str(dicom_file.resolve()) in a.text() for a in main_window.recent_menu.actions())


def test_extension_points(main_window):
    tools = main_window.menu("&Tools")
    assert main_window.menu("Tools") is tools
    review = main_window.menu("&Review")
    titles = [a.text() for a in main_window.menuBar().actions()]
    assert titles.index("&Review") < titles.index("&Help")
    assert isinstance(review, QMenu)
    dock = main_window.add_dock(QLabel("findings"), "Findings")
    assert dock.isVisible() and main_window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    label = QLabel("model v1")
    main_window.add_status_widget(label)
    assert label.parent() is not None
    main_window.status_message("hello")
    assert main_window.statusBar().currentMessage() == "hello"
    main_window.add_about_section(lambda: ("Model", "demo card"))


def test_shortcut_reference_lists_the_keys(main_window):
    rows = dict(main_window.shortcut_rows())
    assert rows["Open"] == "Ctrl+O" and rows["DICOM Tags"] == "Ctrl+T" and rows["Invert"] == "I"


def test_dropping_a_file_opens_it(main_window, dicom_file, qtbot):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dicom_file))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(main_window.image_loaded, timeout=10_000):
        main_window.dropEvent(event)
    assert main_window.current_path == dicom_file


def test_jpeg2000_paints_a_reduced_level_first_then_full_resolution(main_window, tmp_path, qtbot):
    from tests.fixtures.dicom_factory import write_j2k

    path = write_j2k(tmp_path / "j2k.dcm", rows=512, cols=384)
    painted = []
    main_window.view.view_changed.connect(
        lambda: painted.append((main_window.view.image.downscale, main_window.view.zoom))
        if main_window.view.image is not None else None)
    with qtbot.waitSignal(main_window.image_loaded, timeout=30_000) as loaded:
        main_window.open_path(path)
    full = loaded.args[0]
    assert full.downscale == 1 and main_window.view.image is full
    assert painted[0][0] > 1  # the first picture was a reduced JPEG 2000 level
    assert painted[-1][1] == pytest.approx(painted[0][1], rel=0.02)  # full resolution replaced it in place
    h, w = full.shape
    assert main_window.view.full_size() == (w, h)


def test_opening_quickly_in_a_row_shows_only_the_last_image(main_window, dicom_folder, qtbot):
    loaded = []
    main_window.image_loaded.connect(loaded.append)
    main_window.open_path(dicom_folder / "a.dcm")
    main_window.open_path(dicom_folder / "b.dcm")
    qtbot.waitUntil(lambda: not main_window.is_busy, timeout=10_000)
    qtbot.wait(50)
    assert [img.source.path.name for img in loaded] == ["b.dcm"]
    assert main_window.current_path == dicom_folder / "b.dcm"


def test_presets_offer_file_windows_voi_luts_and_full_range(main_window, tmp_path, open_image):
    from tests.fixtures.dicom_factory import write_dicom as factory_dicom

    path = factory_dicom(tmp_path / "voi.dcm", windows=[(1000.0, 2000.0, "SOFT"), (2000.0, 4000.0, "WIDE")],
                         voi_lut=(0, list(range(0, 4096, 16)), 8))
    open_image(main_window, path)
    labels = [a.text() for a in main_window.presets_menu.actions()]
    assert labels[0].startswith("Default") and "SOFT: W 2000 / L 1000" in labels[1]
    assert any(t.startswith("VOI LUT 1") for t in labels) and "Full range" in labels
    view = main_window.view
    default = view.displayed_u8.copy()
    next(a for a in main_window.presets_menu.actions() if a.text().startswith("VOI LUT 1")).trigger()
    assert view.effective_window is None and "VOI LUT" in main_window.wl_label.text()
    assert not (view.displayed_u8 == default).all()
    next(a for a in main_window.presets_menu.actions() if a.text() == "Full range").trigger()
    assert view.window.explanation == "Full range"
    main_window.reset_window()
    assert (view.displayed_u8 == default).all()


def test_several_files_become_a_worklist_and_the_first_opens(main_window, dicom_folder, qtbot):
    files = [dicom_folder / "b.dcm", dicom_folder / "a.dcm"]
    with qtbot.waitSignal(main_window.worklist_scanned, timeout=10_000):
        main_window.open_paths(files)
    assert main_window.worklist.paths() == files
    qtbot.waitUntil(lambda: main_window.current_path == files[0], timeout=10_000)


def test_png_opens_and_has_no_dicom_tags(main_window, tmp_path, open_image):
    import cv2
    import numpy as np

    path = tmp_path / "chest.png"
    cv2.imwrite(str(path), np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1)))
    image = open_image(main_window, path)
    assert image.shape == (48, 64) and main_window.view.displayed_u8.shape == (48, 64)
    assert not main_window.act_tags.isEnabled()

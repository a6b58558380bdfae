"""The image canvas: window/level by right-drag, invert, orientation, zoom around the cursor, overlays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from radassist.core.image import DisplayInfo, ImageMeta, Source, Window, XRayImage
from radassist.gui.image_view import ImageView


def _image(h: int = 60, w: int = 80) -> XRayImage:
    y, x = np.mgrid[0:h, 0:w]
    px = (x * 40 + y * 10).astype(np.float32)
    px[:10, :10] = 4000.0  # bright top-left block: tells orientations apart
    display = DisplayInfo("MONOCHROME2", 12, windows=(Window(1500.0, 3000.0, "file"),),
                          pixel_min=float(px.min()), pixel_max=float(px.max()))
    return XRayImage(px, display, ImageMeta(fields={"Modality": "CR"}), "0" * 64, Source(Path("t.dcm"), "DICOM"))


@pytest.fixture
def view(qtbot):
    v = ImageView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    qtbot.waitExposed(v)
    v.set_image(_image())
    return v


def _to_array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)[
        :, : img.width()].copy()


def test_fit_shows_the_whole_image_centred(view):
    tl = view.image_to_widget(QPointF(0, 0))
    br = view.image_to_widget(QPointF(80, 60))
    assert tl.x() >= 0 and tl.y() >= 0 and br.x() <= 400 and br.y() <= 300
    assert abs((tl.x() + br.x()) / 2 - 200) < 1 and abs((tl.y() + br.y()) / 2 - 150) < 1


def test_right_drag_changes_width_horizontally_and_level_vertically(view, qtbot):
    before = view.displayed_u8.copy()
    start = view.effective_window
    qtbot.mousePress(view, Qt.MouseButton.RightButton, pos=QPoint(200, 150))
    qtbot.mouseMove(view, QPoint(260, 150))
    qtbot.mouseMove(view, QPoint(260, 190))
    qtbot.mouseRelease(view, Qt.MouseButton.RightButton, pos=QPoint(260, 190))
    after = view.window
    assert after.width > start.width and after.center > start.center
    assert not np.array_equal(view.displayed_u8, before)
    view.reset_window()
    assert view.window is None and np.array_equal(view.displayed_u8, before)


def test_invert_toggles_the_grey_levels(view):
    before = view.displayed_u8.astype(int)
    view.set_invert(True)
    assert np.array_equal(view.displayed_u8.astype(int), 255 - before)
    view.set_invert(False)
    assert np.array_equal(view.displayed_u8.astype(int), before)


def test_rotate_and_flip_change_the_displayed_orientation(view):
    base = _to_array(view.rendered_image())
    assert base[0, 0, 0] > 200 and base.shape[:2] == (60, 80)  # bright block top-left
    view.rotate(90)
    rot = _to_array(view.rendered_image())
    assert rot.shape[:2] == (80, 60) and rot[0, -1, 0] > 200  # clockwise: top-left goes top-right
    w = view.image_to_widget(QPointF(0, 0))
    assert w.x() > view.width() / 2 and w.y() < view.height() / 2
    view.reset_orientation()
    view.flip_horizontal()
    assert _to_array(view.rendered_image())[0, -1, 0] > 200
    view.flip_horizontal()
    view.flip_vertical()
    assert _to_array(view.rendered_image())[-1, 0, 0] > 200


def test_wheel_zoom_keeps_the_point_under_the_cursor(view, qtbot):
    cursor = QPointF(120, 90)
    under = view.widget_to_image(cursor)
    zoom = view.zoom
    for _ in range(3):
        view.zoom_by(1.2, cursor)
    assert view.zoom == pytest.approx(zoom * 1.2 ** 3)
    back = view.image_to_widget(under)
    assert abs(back.x() - cursor.x()) < 1e-6 and abs(back.y() - cursor.y()) < 1e-6


def test_pan_by_left_drag_moves_the_image(view, qtbot):
    before = view.image_to_widget(QPointF(0, 0))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(130, 90))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(130, 90))
    after = view.image_to_widget(QPointF(0, 0))
    assert (after.x() - before.x(), after.y() - before.y()) == pytest.approx((30, -10))


def test_overlay_layers_are_drawn_over_the_image_and_toggle(view, tmp_path):
    red = np.zeros((60, 80, 4), np.uint8)
    red[..., 0] = 255
    red[..., 3] = 255
    view.set_overlay("heatmap", red, opacity=1.0)
    with_overlay = _to_array(view.rendered_image())
    assert with_overlay[30, 40, 0] == 255 and with_overlay[30, 40, 1] < 50
    view.set_overlay_visible("heatmap", False)
    plain = _to_array(view.rendered_image())
    assert plain[30, 40, 0] == plain[30, 40, 1]  # grey again: nothing burned into the pixels
    view.set_overlay_visible("heatmap", True)
    view.set_overlay_opacity("heatmap", 0.5)
    assert view.overlay_state("heatmap") == (0.5, True)
    out = view.export_png(tmp_path / "x.png", with_overlays=True)
    exported = _to_array(QImage(str(out)))
    assert exported[30, 40, 0] > exported[30, 40, 1]
    no_layers = _to_array(QImage(str(view.export_png(tmp_path / "y.png", with_overlays=False))))
    assert no_layers[30, 40, 0] == no_layers[30, 40, 1]
    view.set_overlay("heatmap", None)
    assert view.overlay_names() == []


def test_overlay_must_be_rgba_uint8(view):
    with pytest.raises(ValueError):
        view.set_overlay("bad", np.zeros((60, 80), np.uint8))


def test_widget_paints_image_and_annotations(view):
    shot = _to_array(view.grab().toImage())
    centre = shot[150, 200, :3]
    assert shot.shape[0] == 300 and centre[0] == centre[1] == centre[2]
    view.set_annotations_visible(False)
    assert not view.annotations_visible


def test_a_new_image_drops_the_previous_images_layers_but_full_resolution_keeps_them(view):
    layer = np.zeros((60, 80, 4), np.uint8)
    view.set_overlay("lungs", layer)
    view.set_image(_image(), keep_view=True)  # the full-resolution version of the same image
    assert view.overlay_names() == ["lungs"]
    view.set_image(_image())  # another image
    assert view.overlay_names() == []


def test_mouse_wheel_zooms_in_around_the_cursor(view):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    cursor = QPointF(300, 80)
    under = view.widget_to_image(cursor)
    zoom = view.zoom
    event = QWheelEvent(cursor, view.mapToGlobal(cursor), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)
    assert view.zoom == pytest.approx(zoom * 1.2 ** 2)
    back = view.image_to_widget(under)
    assert (back.x(), back.y()) == pytest.approx((cursor.x(), cursor.y()))


def test_overlays_follow_zoom_pan_and_rotation_on_screen(view):
    view.set_annotations_visible(False)
    layer = np.zeros((60, 80, 4), np.uint8)
    layer[:10, :10] = (255, 0, 0, 255)  # red over the image's top-left block
    view.set_overlay("marker", layer, opacity=1.0)
    view.zoom_by(0.6, QPointF(150, 120))
    view.pan_by(15, -5)
    view.rotate(90)
    for p in (QPointF(5, 5), QPointF(40, 30)):
        w = view.image_to_widget(p)
        px = _to_array(view.grab().toImage())[int(w.y()), int(w.x())]
        red = p.x() < 10 and p.y() < 10
        assert (px[0] > 200 and px[1] < 60) if red else px[0] == px[1], (p, px)


def test_middle_drag_up_zooms_in_around_the_press_point(view, qtbot):
    press = QPoint(150, 120)
    under = view.widget_to_image(QPointF(press))
    zoom = view.zoom
    qtbot.mousePress(view, Qt.MouseButton.MiddleButton, pos=press)
    qtbot.mouseMove(view, QPoint(150, 70))
    qtbot.mouseRelease(view, Qt.MouseButton.MiddleButton, pos=QPoint(150, 70))
    assert view.zoom == pytest.approx(zoom * 1.01 ** 50)
    back = view.image_to_widget(under)
    assert (back.x(), back.y()) == pytest.approx((150, 120))

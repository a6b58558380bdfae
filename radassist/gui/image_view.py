"""The image canvas: zoom, pan, window/level, invert, rotate/flip, corner annotations and overlay layers.

One transform maps image coordinates (full-resolution pixels) to the widget; the image and every overlay
are drawn through it, so overlays follow zoom, pan, rotation and flips and are never burned into the
pixels. The 8-bit picture always comes from ``core.display.render_uint8`` (the one display pipeline).
While the user drags window/level, a half-resolution copy is rendered at most once per frame; the full
image is rendered when the button is released.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from radassist.gui.annotations import ViewState, corner_lines, edge_labels

if TYPE_CHECKING:  # numpy loads with the first image, keeping the cold start short
    import numpy as np

    from radassist.core.image import Window, XRayImage

ZOOM_MIN, ZOOM_MAX = 0.02, 32.0
WHEEL_STEP = 1.2  # zoom factor per wheel notch
#: images larger than this are previewed at half resolution while window/level is dragged
PREVIEW_PIXELS = 1_000_000
FRAME_MS = 16


@dataclass
class _Overlay:
    rgba: np.ndarray
    qimage: QImage
    opacity: float
    visible: bool


def gray_qimage(u8: np.ndarray) -> QImage:
    """A QImage viewing ``u8`` (kept alive by the caller) without copying."""
    import numpy as np

    u8 = np.ascontiguousarray(u8)
    h, w = u8.shape
    img = QImage(u8.data, w, h, w, QImage.Format.Format_Grayscale8)
    img._keep = u8  # type: ignore[attr-defined]  # the buffer must outlive the QImage
    return img


def rgba_qimage(rgba: np.ndarray) -> QImage:
    import numpy as np

    rgba = np.ascontiguousarray(rgba)
    h, w, _ = rgba.shape
    img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    img._keep = rgba  # type: ignore[attr-defined]
    return img


class ImageView(QWidget):
    """Shows one XRayImage. Signals let the window keep its status bar and menus in step."""

    #: the window in use (``None`` = the file's default VOI LUT / window)
    window_changed = Signal(object)
    #: zoom, pan, rotation or flip changed
    view_changed = Signal()
    #: (x, y, value) of the image pixel under the cursor, or None outside the image
    pixel_hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: XRayImage | None = None
        self._preview_source: XRayImage | None = None
        self._u8: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._default_window: Window | None = None
        self._window: Window | None = None
        self._voi_index: int | None = None  # a VOI LUT Sequence item chosen from the presets
        self._invert = False
        self._rotation = 0
        self._flip_h = False
        self._flip_v = False
        self._zoom = 1.0
        self._pan = QPointF(0, 0)  # widget position of the image centre
        self._fit_mode = True
        self._overlays: dict[str, _Overlay] = {}
        self._annotations = True
        self._drag: tuple[Qt.MouseButton, QPointF, object] | None = None
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(FRAME_MS)
        self._render_timer.timeout.connect(lambda: self._render(preview=True))
        self.last_render_ms = 0.0
        self._placeholder = self.tr("Open a chest X-ray: File ▸ Open (Ctrl+O), or drop a file or folder here.")
        self.setAccessibleName(self.tr("X-ray image"))
        self.setAccessibleDescription(self.tr(
            "The image on screen. Keys: F fit, 1 actual pixels, + and - zoom, R and Shift+R rotate, H and V flip, "
            "I invert, Esc resets the window/level, Ctrl+1 to Ctrl+9 window presets, Page Up and Page Down the "
            "previous and next image, F1 all shortcuts"))

    # --- image -------------------------------------------------------------------------------------
    @property
    def image(self) -> XRayImage | None:
        return self._image

    def set_image(self, image: XRayImage, *, keep_view: bool = False) -> None:
        """Show ``image``. ``keep_view`` keeps zoom, pan, window, orientation and overlay layers (full
        resolution replacing its preview); otherwise every overlay layer is removed."""
        from radassist.core.display import default_window

        self._image = image
        self._preview_source = None
        self._default_window = default_window(image)
        if not keep_view:
            self._overlays.clear()  # a layer computed for the previous image must never sit on this one
            self._window = None
            self._voi_index = None
            self._invert = False
            self._rotation = 0
            self._flip_h = self._flip_v = False
            self._fit_mode = True
        self._render()
        if self._fit_mode:
            self._fit()
        self.window_changed.emit(self._window)
        self.view_changed.emit()
        self.update()

    def clear(self) -> None:
        self._image = self._u8 = self._qimage = None
        self._overlays.clear()
        self.update()

    def full_size(self) -> tuple[int, int]:
        """(width, height) of the full-resolution image, also while a reduced preview is shown."""
        if self._image is None:
            return (0, 0)
        h, w = self._image.shape
        d = self._image.downscale
        if d > 1:
            f = self._image.meta.fields
            cols, rows = f.get("Columns"), f.get("Rows")
            if cols and rows:
                return (int(cols), int(rows))
            return (w * d, h * d)
        return (w, h)

    # --- window / level ----------------------------------------------------------------------------
    @property
    def window(self) -> Window | None:
        """The user's window, or None while the file's default (window or VOI LUT) is in use."""
        return self._window

    @property
    def effective_window(self) -> Window | None:
        """The linear window on screen; None while a VOI LUT (from the file) maps the pixels instead."""
        if self._window is not None:
            return self._window
        if self._image is None:
            return None
        d = self._image.display
        if self._voi_index is not None or (not d.windows and d.voi_luts):
            return None
        return self._default_window

    def set_window(self, window: Window | None) -> None:
        self._window = window
        self._voi_index = None
        self._render()
        self.window_changed.emit(window)
        self.update()

    def reset_window(self) -> None:
        self.set_window(None)

    def set_voi_lut(self, index: int) -> None:
        """Map through the file's VOI LUT Sequence item ``index`` instead of a window."""
        self._window = None
        self._voi_index = index
        self._render()
        self.window_changed.emit(None)
        self.update()

    @property
    def invert(self) -> bool:
        return self._invert

    def set_invert(self, on: bool) -> None:
        if on != self._invert:
            self._invert = on
            self._render()
            self.window_changed.emit(self._window)
            self.update()

    @property
    def displayed_u8(self) -> np.ndarray | None:
        """The 8-bit picture on screen, at the resolution of the current image (before orientation)."""
        return self._u8

    def _render(self, *, preview: bool = False) -> None:
        if self._image is None:
            return
        import numpy as np

        from radassist.core.display import render_uint8

        t0 = time.perf_counter()
        source = self._image
        if preview and self._image.pixels.size > PREVIEW_PIXELS:
            if self._preview_source is None:
                px = np.ascontiguousarray(self._image.pixels[::2, ::2])
                pad = self._image.padding
                self._preview_source = dataclasses.replace(
                    self._image, pixels=px, downscale=self._image.downscale * 2,
                    padding=None if pad is None else np.ascontiguousarray(pad[::2, ::2]))
            source = self._preview_source
        self._u8 = render_uint8(source, self._window, invert=self._invert,
                                voi_lut_index=self._voi_index if self._window is None else None)
        self._qimage = gray_qimage(self._u8)
        self.last_render_ms = (time.perf_counter() - t0) * 1000
        self.update()

    # --- geometry ----------------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        """Screen pixels per full-resolution image pixel."""
        return self._zoom

    @property
    def rotation(self) -> int:
        return self._rotation

    @property
    def flipped(self) -> tuple[bool, bool]:
        return (self._flip_h, self._flip_v)

    def _orientation(self) -> QTransform:
        """Rotation then flips, in screen space, about the origin."""
        t = QTransform()
        t.rotate(self._rotation)
        return t * QTransform.fromScale(-1 if self._flip_h else 1, -1 if self._flip_v else 1)

    def transform(self) -> QTransform:
        """Image (full-resolution pixel) coordinates -> widget coordinates."""
        w, h = self.full_size()
        return (QTransform.fromTranslate(-w / 2, -h / 2) * self._orientation()
                * QTransform.fromScale(self._zoom, self._zoom)
                * QTransform.fromTranslate(self._pan.x(), self._pan.y()))

    def image_to_widget(self, p: QPointF) -> QPointF:
        return self.transform().map(p)

    def widget_to_image(self, p: QPointF) -> QPointF:
        inv, ok = self.transform().inverted()
        return inv.map(p) if ok else QPointF()

    def _rotated_size(self) -> tuple[float, float]:
        w, h = self.full_size()
        return (h, w) if self._rotation % 180 else (w, h)

    def _fit(self) -> None:
        bw, bh = self._rotated_size()
        if bw <= 0 or bh <= 0:
            return
        margin = 8
        self._zoom = max(min((self.width() - margin) / bw, (self.height() - margin) / bh), ZOOM_MIN)
        self._pan = QPointF(self.width() / 2, self.height() / 2)

    def fit_to_window(self) -> None:
        self._fit_mode = True
        self._fit()
        self.view_changed.emit()
        self.update()

    def one_to_one(self) -> None:
        """One image pixel per physical screen pixel, centred on what is at the centre now."""
        self.set_zoom(1.0 / self.devicePixelRatioF(), QPointF(self.width() / 2, self.height() / 2))

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under ``anchor`` (widget coordinates; default: centre) in place."""
        if self._image is None:
            return
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        under = self.widget_to_image(anchor)
        self._zoom = min(max(zoom, ZOOM_MIN), ZOOM_MAX)
        self._fit_mode = False
        moved = self.image_to_widget(under)
        self._pan += anchor - moved
        self.view_changed.emit()
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom * factor, anchor)

    def pan_by(self, dx: float, dy: float) -> None:
        self._pan += QPointF(dx, dy)
        self._fit_mode = False
        self.view_changed.emit()
        self.update()

    def rotate(self, degrees: int = 90) -> None:
        self._rotation = (self._rotation + degrees) % 360
        self._after_orientation_change()

    def flip_horizontal(self) -> None:
        self._flip_h = not self._flip_h
        self._after_orientation_change()

    def flip_vertical(self) -> None:
        self._flip_v = not self._flip_v
        self._after_orientation_change()

    def reset_orientation(self) -> None:
        self._rotation, self._flip_h, self._flip_v = 0, False, False
        self._after_orientation_change()

    def _after_orientation_change(self) -> None:
        if self._fit_mode:
            self._fit()
        self.view_changed.emit()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._fit_mode:
            self._fit()
        else:  # keep what was at the centre at the centre
            d = event.size() - event.oldSize()
            if event.oldSize().width() > 0:
                self._pan += QPointF(d.width() / 2, d.height() / 2)
        super().resizeEvent(event)

    # --- overlays ----------------------------------------------------------------------------------
    def set_overlay(self, name: str, rgba: np.ndarray | None, opacity: float = 0.5, visible: bool = True) -> None:
        """Add or replace a named layer (RGBA uint8 HxWx4 at image resolution); ``None`` removes it."""
        import numpy as np

        if rgba is None:
            self._overlays.pop(name, None)
            self.update()
            return
        rgba = np.asarray(rgba)
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"overlay {name!r} must be an HxWx4 uint8 array, got {rgba.shape} {rgba.dtype}")
        rgba = np.ascontiguousarray(rgba)
        self._overlays[name] = _Overlay(rgba, rgba_qimage(rgba), min(max(float(opacity), 0.0), 1.0), bool(visible))
        self.update()

    def set_overlay_visible(self, name: str, visible: bool) -> None:
        if name in self._overlays:
            self._overlays[name].visible = bool(visible)
            self.update()

    def set_overlay_opacity(self, name: str, opacity: float) -> None:
        if name in self._overlays:
            self._overlays[name].opacity = min(max(float(opacity), 0.0), 1.0)
            self.update()

    def overlay_names(self) -> list[str]:
        return list(self._overlays)

    def overlay_state(self, name: str) -> tuple[float, bool] | None:
        o = self._overlays.get(name)
        return (o.opacity, o.visible) if o else None

    def _draw_layers(self, painter: QPainter, target: QRectF, with_overlays: bool) -> None:
        if self._qimage is not None:
            painter.drawImage(target, self._qimage)
        if with_overlays:
            for o in self._overlays.values():
                if o.visible and o.opacity > 0:
                    painter.setOpacity(o.opacity)
                    painter.drawImage(target, o.qimage)
            painter.setOpacity(1.0)

    def rendered_image(self, with_overlays: bool = True) -> QImage:
        """The picture as displayed (window, invert, orientation, overlays) at the image's resolution."""
        if self._u8 is None or self._image is None:
            return QImage()
        h, w = self._image.shape
        if self._u8.shape != (h, w):  # a drag preview is on screen: export the full image
            self._render()
        out = QImage(w, h, QImage.Format.Format_RGB32)
        painter = QPainter(out)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self._draw_layers(painter, QRectF(0, 0, w, h), with_overlays)
        painter.end()
        return out.transformed(self._orientation()) if not self._orientation().isIdentity() else out

    def export_png(self, path: str | Path, with_overlays: bool = True) -> Path:
        path = Path(path)
        img = self.rendered_image(with_overlays)
        if img.isNull() or not img.save(str(path), "PNG"):
            from radassist.core.errors import UnreadableFileError

            raise UnreadableFileError(f"Could not write {path}.",
                                      hint="Check that the folder exists and you may write to it.")
        return path

    # --- annotations -------------------------------------------------------------------------------
    @property
    def annotations_visible(self) -> bool:
        return self._annotations

    def set_annotations_visible(self, on: bool) -> None:
        self._annotations = bool(on)
        self.update()

    def view_state(self) -> ViewState:
        return ViewState(window=self.effective_window, zoom=self._zoom, invert=self._invert, rotation=self._rotation,
                         flip_h=self._flip_h, flip_v=self._flip_v, full_size=self.full_size())

    # --- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        if self._image is None or self._qimage is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            painter.end()
            return
        w, h = self.full_size()
        painter.save()
        painter.setTransform(self.transform())
        # smooth when shrinking or the drag preview is up-scaled; show pixels when zoomed far in
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._zoom < 3)
        self._draw_layers(painter, QRectF(0, 0, w, h), True)
        painter.restore()
        if self._annotations:
            self._draw_annotations(painter)
        painter.end()

    def _draw_annotations(self, painter: QPainter) -> None:
        assert self._image is not None
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        painter.setFont(font)
        state = self.view_state()
        lines = corner_lines(self._image, state)
        line_h = painter.fontMetrics().height()
        margin = 8
        r = self.rect().adjusted(margin, margin, -margin, -margin)
        for corner, texts in lines.items():
            right = corner.endswith("right")
            bottom = corner.startswith("bottom")
            flags = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            for i, text in enumerate(texts):
                row = (len(texts) - 1 - i) if bottom else i
                y = r.bottom() - (row + 1) * line_h if bottom else r.top() + row * line_h
                box = QRectF(r.left(), y, r.width(), line_h)
                painter.setPen(QColor(0, 0, 0))  # a shadow keeps text readable on bright lungs
                painter.drawText(box.translated(1, 1), flags, text)
                painter.setPen(QColor(235, 225, 120))
                painter.drawText(box, flags, text)
        edges = edge_labels(self._image.meta.fields.get("PatientOrientation"), state.rotation, state.flip_h,
                            state.flip_v)
        align = Qt.AlignmentFlag
        for side, text in edges.items():
            flags = {"left": align.AlignLeft | align.AlignVCenter, "right": align.AlignRight | align.AlignVCenter,
                     "top": align.AlignTop | align.AlignHCenter,
                     "bottom": align.AlignBottom | align.AlignHCenter}[side]
            painter.setPen(QColor(0, 0, 0))
            painter.drawText(QRectF(r).translated(1, 1), flags, text)
            painter.setPen(QColor(235, 225, 120))
            painter.drawText(QRectF(r), flags, text)

    # --- mouse -------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self._image is not None:
            self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._image is None:
            return
        b = event.button()
        if b == Qt.MouseButton.LeftButton:
            self._drag = (b, event.position(), QPointF(self._pan))
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif b == Qt.MouseButton.RightButton:
            self._drag = (b, event.position(), self.effective_window)
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        elif b == Qt.MouseButton.MiddleButton:
            self._drag = (b, event.position(), self._zoom)
            self.setCursor(Qt.CursorShape.SizeVerCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None:
            button, start, state = self._drag
            delta = pos - start
            if button == Qt.MouseButton.LeftButton:
                self._pan = state + delta  # type: ignore[operator]
                self._fit_mode = False
                self.view_changed.emit()
                self.update()
            elif button == Qt.MouseButton.RightButton:
                self._drag_window(state, delta)  # type: ignore[arg-type]
            elif button == Qt.MouseButton.MiddleButton:  # drag up to zoom in, around where it started
                self.set_zoom(state * 1.01 ** (-delta.y()), start)  # type: ignore[operator]
        self._report_pixel(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and self._drag[0] == event.button():
            if event.button() == Qt.MouseButton.RightButton:
                self._render_timer.stop()
                self._render()  # full resolution once the drag ends
            self._drag = None
            self.unsetCursor()
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.fit_to_window()

    def leaveEvent(self, event) -> None:
        self.pixel_hovered.emit(None)
        super().leaveEvent(event)

    def _drag_window(self, start: Window | None, delta: QPointF) -> None:
        """Right-drag as in Weasis/RadiAnt: horizontal = width, vertical = level (down = higher level)."""
        if self._image is None:
            return
        from radassist.core.display import full_range_window
        from radassist.core.image import Window

        d = self._image.display
        span = max(float(d.pixel_max - d.pixel_min), 1.0)
        if start is None:  # dragging away from a VOI LUT starts from the full range
            start = full_range_window(d.pixel_min, d.pixel_max)
        step = span / 1000.0
        width = max(start.width + delta.x() * step, 1.0)
        center = start.center + delta.y() * step
        self._window = Window(center=center, width=width, explanation="user", function=start.function)
        self.window_changed.emit(self._window)
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _report_pixel(self, pos: QPointF) -> None:
        if self._image is None:
            return
        p = self.widget_to_image(pos)
        w, h = self.full_size()
        if 0 <= p.x() < w and 0 <= p.y() < h:
            d = self._image.downscale
            iy = min(int(p.y()) // d, self._image.shape[0] - 1)
            ix = min(int(p.x()) // d, self._image.shape[1] - 1)
            self.pixel_hovered.emit((int(p.x()), int(p.y()), float(self._image.pixels[iy, ix])))
        else:
            self.pixel_hovered.emit(None)

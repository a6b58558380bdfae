"""Overlay layers over the image, never burned into it: a heatmap per finding and the lungs.

The heatmap layer shows the regions that most influenced the model (a colormap whose alpha follows the
map, times an opacity slider); the lungs layer is a contour or a fill with its own toggle and opacity.
Ctrl+H and Ctrl+L toggle them; the buttons look pressed while on and the legend under them says what is
drawn. A negative call's heatmap is not drawn unless the reader asks (``core.explain.shown_by_default``),
and an outline core calls unreliable is drawn dashed in the warning colour with core's reason. Turning a
heatmap on for an image emits ``heatmap_shown`` so the assistant can audit that the reader saw it.
"Save image with overlays…" writes the view as a PNG.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from radassist.gui import palette
from radassist.gui.findings_panel import heatmaps_of, lung_mask_of

LEGEND = str(QT_TRANSLATE_NOOP("OverlayControls", "Regions that most influenced the model — not a lesion outline"))
#: a pressed toggle must look pressed on the dark theme (Fusion's sunken look alone is faint there)
TOGGLE_STYLE = (f"QToolButton {{ padding: 3px 8px; }} QToolButton:checked {{ background: {palette.HIGHLIGHT}; "
                f"color: {palette.HIGHLIGHTED_TEXT}; font-weight: bold; }}")
HEATMAP_PREFIX = "heatmap:"
LUNGS_LAYER = "lungs"
#: the lung layer's styles (item data of the style box; the shown names are translated)
LUNG_STYLES = (str(QT_TRANSLATE_NOOP("OverlayControls", "Contour")), str(QT_TRANSLATE_NOOP("OverlayControls", "Fill")))
LUNG_RGB = (0, 210, 255)  # cyan: apart from every colour of the jet/inferno maps' low end
UNRELIABLE_LUNG_RGB = tuple(int(palette.WARNING_TEXT[i:i + 2], 16) for i in (1, 3, 5))  # amber, dashed
DEFAULT_HEATMAP_OPACITY = 0.5
DEFAULT_LUNG_OPACITY = 0.8


#: overlay layers are built at most this many pixels on the long side; the view scales them onto the
#: image (a heatmap is a smooth upsampled 7x7 map, an outline is a few pixels wide), which keeps a
#: 2000x2000 radiograph's overlays to a few milliseconds
LAYER_MAX_SIDE = 1024


def layer_step(shape: tuple[int, int], max_side: int = LAYER_MAX_SIDE) -> int:
    return max(1, -(-max(int(shape[0]), int(shape[1])) // max_side))


def heatmap_rgba(heatmap: Any, cmap: str = "inferno"):
    """RGBA uint8 for a heatmap layer (core.explain.colorize: alpha follows the map), display-sized."""
    import numpy as np

    from radassist.core.explain import Heatmap, colorize

    step = layer_step(heatmap.values.shape)
    if step > 1:
        heatmap = Heatmap(np.ascontiguousarray(heatmap.values[::step, ::step]), heatmap.empty, None)
    return colorize(heatmap, cmap)


def lung_rgba(mask: Any, style: str = "Contour", *, reliable: bool = True):
    """RGBA uint8 for the lungs layer: an outline a few pixels wide, or a translucent fill; display-sized.
    An unreliable mask is always a dashed amber outline: it must not look like the lungs."""
    import cv2
    import numpy as np

    m = np.asarray(mask, dtype=bool)
    step = layer_step(m.shape)
    m = np.ascontiguousarray(m[::step, ::step]).view(np.uint8)
    h, w = m.shape
    rgba = np.zeros((h, w, 4), np.uint8)
    if not reliable:
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        thickness = max(2, round(max(h, w) / 350))
        dash = max(6, round(max(h, w) / 60))
        for c in contours:
            pts = c[:, 0, :]
            for start in range(0, len(pts), 2 * dash):  # every other run of contour points
                seg = pts[start:start + dash + 1]
                if len(seg) > 1:
                    cv2.polylines(rgba, [seg.reshape(-1, 1, 2)], False, (*UNRELIABLE_LUNG_RGB, 255), thickness,
                                  lineType=cv2.LINE_AA)
        return rgba
    if style == "Fill":
        rgba[..., :3] = LUNG_RGB
        rgba[..., 3] = m * np.uint8(110)
        return rgba
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    thickness = max(2, round(max(h, w) / 350))
    cv2.drawContours(rgba, contours, -1, (*LUNG_RGB, 255), thickness, lineType=cv2.LINE_AA)
    return rgba


class OverlayControls(QWidget):
    """Controls for the current image's overlay layers on ``view`` (an ImageView)."""

    #: label of a heatmap that became visible for the current image
    heatmap_shown = Signal(str)
    #: a PNG was written with the overlays as shown
    exported = Signal(object)

    def __init__(self, view: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._heatmaps: dict[str, Any] = {}
        self._mask: Any = None
        self._layers: dict[tuple[str, str], Any] = {}  # (label, cmap) -> rgba, for the current image
        self._uploaded: dict[str, str] = {}  # label -> colormap of the layer on the view
        self._seen: set[str] = set()  # labels whose heatmap the reader has seen on this image
        self._positive: dict[str, bool] = {}  # label -> the AI call, for the negative-call rule
        self._lung_note = ""  # core's "Lung outline unreliable: ..." for the current mask

        self.act_heatmap = QAction(self.tr("Show &Heatmap"), self)
        self.act_heatmap.setCheckable(True)
        self.act_heatmap.setShortcut(QKeySequence("Ctrl+H"))
        self.act_heatmap.setStatusTip(self.tr("Show the regions that most influenced the model (Ctrl+H)"))
        self.act_heatmap.toggled.connect(self._apply_heatmap)
        self.act_lungs = QAction(self.tr("Show &Lungs"), self)
        self.act_lungs.setCheckable(True)
        self.act_lungs.setShortcut(QKeySequence("Ctrl+L"))
        self.act_lungs.setStatusTip(self.tr("Show the lung segmentation (Ctrl+L)"))
        self.act_lungs.toggled.connect(self._apply_lungs)
        self.act_negative = QAction(self.tr("Show Heatmap for a &Negative Call"), self)
        self.act_negative.setCheckable(True)
        self.act_negative.setStatusTip(self.tr("Draw the heatmap even though the AI call is negative (this image only)"))
        self.act_negative.toggled.connect(self._apply_heatmap)
        self.act_save = QAction(self.tr("Save Image with &Overlays…"), self)
        self.act_save.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.act_save.setStatusTip(self.tr("Save the image as shown, with the visible overlays, as a PNG"))
        self.act_save.triggered.connect(lambda _c=False: self.choose_save())
        for act in (self.act_heatmap, self.act_lungs, self.act_save):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        self.heatmap_button = QToolButton(self)
        self.heatmap_button.setDefaultAction(self.act_heatmap)
        self.heatmap_button.setStyleSheet(TOGGLE_STYLE)
        self.heatmap_button.setAccessibleName(self.tr("Heatmap"))
        self.heatmap_button.setAccessibleDescription(self.act_heatmap.statusTip())
        self.negative_button = QToolButton(self)
        self.negative_button.setDefaultAction(self.act_negative)
        self.negative_button.setText(self.tr("Show anyway"))
        self.negative_button.setStyleSheet(TOGGLE_STYLE)
        self.negative_button.setAccessibleName(self.tr("Show the heatmap anyway"))
        self.negative_button.setAccessibleDescription(self.act_negative.statusTip())
        self.finding = QComboBox(self)
        self.finding.setToolTip(self.tr("Which finding's heatmap"))
        self.finding.setAccessibleName(self.tr("Heatmap finding"))
        self.finding.currentTextChanged.connect(lambda _t: self._apply_heatmap())
        self.cmap = QComboBox(self)  # filled from core.explain.CMAPS with the first analysis (numpy loads then)
        self.cmap.setToolTip(self.tr("Colormap"))
        self.cmap.setAccessibleName(self.tr("Heatmap colormap"))
        self.cmap.currentTextChanged.connect(lambda _t: self._apply_heatmap())
        self.heatmap_opacity = self._slider(DEFAULT_HEATMAP_OPACITY, self.tr("Heatmap opacity"))
        self.heatmap_opacity.valueChanged.connect(self._heatmap_opacity_changed)
        self.legend = QLabel(self.tr(LEGEND), self)
        self.legend.setWordWrap(True)
        self.legend.setAccessibleName(self.tr("Heatmap legend"))
        self.colour_bar = QLabel(self)  # the colormap, low (left) to high (right)
        self.colour_bar.setToolTip(self.tr("Colour scale: left = little influence, right = most influence"))
        self.colour_bar.setAccessibleName(self.tr("Heatmap colour scale"))
        self.colour_bar.setAccessibleDescription(self.colour_bar.toolTip())
        self.lung_legend = QLabel(self)
        self.lung_legend.setWordWrap(True)
        self.lung_legend.setAccessibleName(self.tr("Lung outline legend"))

        self.lungs_button = QToolButton(self)
        self.lungs_button.setDefaultAction(self.act_lungs)
        self.lungs_button.setStyleSheet(TOGGLE_STYLE)
        self.lungs_button.setAccessibleName(self.tr("Lungs"))
        self.lungs_button.setAccessibleDescription(self.act_lungs.statusTip())
        self.lung_style = QComboBox(self)
        for style in LUNG_STYLES:
            self.lung_style.addItem(self.tr(style), style)
        self.lung_style.setAccessibleName(self.tr("Lung overlay style"))
        self.lung_style.currentIndexChanged.connect(lambda _i: self._apply_lungs())
        self.lung_opacity = self._slider(DEFAULT_LUNG_OPACITY, self.tr("Lung overlay opacity"))
        self.lung_opacity.valueChanged.connect(
            lambda v: self.view.set_overlay_opacity(LUNGS_LAYER, v / 100.0))
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("Overlay notes"))

        heat_row = QHBoxLayout()
        heat_row.addWidget(self.heatmap_button)
        heat_row.addWidget(self.finding, 1)
        heat_row.addWidget(self.cmap)
        heat_row.addWidget(self.negative_button)
        lung_row = QHBoxLayout()
        lung_row.addWidget(self.lungs_button)
        lung_row.addWidget(self.lung_style, 1)
        form = QFormLayout()
        form.addRow(heat_row)
        form.addRow(self.tr("Opacity"), self.heatmap_opacity)
        form.addRow(self.colour_bar)
        form.addRow(self.legend)
        form.addRow(lung_row)
        form.addRow(self.tr("Opacity"), self.lung_opacity)
        form.addRow(self.lung_legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.act_heatmap.toggled.connect(self._update_toggle_texts)
        self.act_lungs.toggled.connect(self._update_toggle_texts)
        # Tab runs through the heatmap controls, then the lungs' (the layout order; Space toggles a button)
        order = (self.heatmap_button, self.finding, self.cmap, self.negative_button, self.heatmap_opacity,
                 self.lungs_button, self.lung_style, self.lung_opacity)
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        self.clear()

    def _update_toggle_texts(self, *_: Any) -> None:
        """The buttons say their state in words too (a pressed look alone is easy to miss)."""
        self.heatmap_button.setText(self.tr("Heatmap: on") if self.act_heatmap.isChecked() else self.tr("Heatmap: off"))
        self.lungs_button.setText(self.tr("Lungs: on") if self.act_lungs.isChecked() else self.tr("Lungs: off"))
        self._update_legends()

    def _update_legends(self) -> None:
        """Say what the view shows: which heatmap, on which scale, or why none; the outline and its trust."""
        label = self.selected_label
        if not self._heatmaps:
            heat = self.tr("No heatmap for this image.")
        elif not self.act_heatmap.isChecked():
            heat = self.tr("Heatmap off (Ctrl+H). {legend}.").format(legend=self.tr(LEGEND))
        elif not self._heatmap_allowed(label):
            from radassist.core.explain import NEGATIVE_CALL_HIDDEN

            heat = self.tr("{hidden} Use “Show anyway” to draw it.").format(hidden=NEGATIVE_CALL_HIDDEN)
        else:
            heat = self.tr("Showing the {finding} heatmap ({cmap}: dark = little influence, bright = most). "
                           "{legend}.").format(finding=label, cmap=self.cmap.currentText(), legend=self.tr(LEGEND))
        self.legend.setText(heat)
        self.colour_bar.setVisible(bool(self._heatmaps) and self.act_heatmap.isChecked()
                                   and self._heatmap_allowed(label))
        if self._mask is None:
            lungs, style = self.tr("No lung outline for this image."), ""
        elif self._lung_note:
            lungs = self._lung_note + (" " + self.tr("Drawn dashed in amber.") if self.act_lungs.isChecked() else "")
            style = f"{palette.WARNING_STYLE} font-weight: bold;"
        elif self.act_lungs.isChecked():
            lungs, style = self.tr("Lung outline shown in cyan (the lung model's segmentation)."), ""
        else:
            lungs, style = self.tr("Lung outline off (Ctrl+L)."), ""
        self.lung_legend.setText(lungs)
        self.lung_legend.setStyleSheet(style)
        negative = bool(self._heatmaps) and label in self._positive and not self._positive[label]
        self.negative_button.setVisible(negative)

    def _heatmap_allowed(self, label: str) -> bool:
        from radassist.core.explain import shown_by_default

        return shown_by_default(self._positive.get(label, True)) or self.act_negative.isChecked()

    def _update_colour_bar(self) -> None:
        import numpy as np
        from PySide6.QtGui import QImage, QPixmap

        from radassist.core.explain import Heatmap, colorize

        ramp = np.tile(np.linspace(0.0, 1.0, 160, dtype=np.float32), (10, 1))
        rgba = colorize(Heatmap(ramp, False, None), self.cmap.currentText() or "inferno").copy()
        rgba[..., 3] = 255
        img = QImage(rgba.data, 160, 10, 640, QImage.Format.Format_RGBA8888).copy()
        self.colour_bar.setPixmap(QPixmap.fromImage(img))

    def _slider(self, value: float, tip: str) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal, self)
        s.setRange(0, 100)
        s.setValue(round(value * 100))
        s.setToolTip(tip)
        s.setAccessibleName(tip)
        return s

    # --- image lifecycle -----------------------------------------------------------------------------
    def clear(self) -> None:
        """No analysis on screen: remove our layers, keep the toggles' state for the next image."""
        for name in list(self.view.overlay_names()):
            if name.startswith(HEATMAP_PREFIX) or name == LUNGS_LAYER:
                self.view.set_overlay(name, None)
        self._heatmaps, self._mask, self._layers, self._uploaded, self._seen = {}, None, {}, {}, set()
        self._positive, self._lung_note = {}, ""
        self.act_negative.blockSignals(True)
        self.act_negative.setChecked(False)  # "show anyway" is for one image, never carried to the next
        self.act_negative.blockSignals(False)
        self.finding.blockSignals(True)
        self.finding.clear()
        self.finding.blockSignals(False)
        self._update_enabled()
        self.note.setText("")
        self._update_toggle_texts()

    def set_analysis(self, analysis: Any) -> None:
        """Layers for a new analysis (the toggles keep their state, so a reader can leave them on)."""
        self.clear()
        if not self.cmap.count():
            from radassist.core.explain import CMAPS

            self.cmap.blockSignals(True)
            self.cmap.addItems(list(CMAPS))
            self.cmap.blockSignals(False)
        self._heatmaps = {k: h for k, h in heatmaps_of(analysis).items() if not getattr(h, "empty", False)}
        mask = lung_mask_of(analysis)
        self._mask = getattr(mask, "mask", mask) if mask is not None else None
        self._lung_note = str(getattr(mask, "note", "") or "") if mask is not None else ""
        self._positive = {str(getattr(f, "label", "")): bool(getattr(f, "positive", True))
                          for f in (getattr(analysis, "findings", ()) or ())}
        self._update_colour_bar()
        self.finding.blockSignals(True)
        self.finding.addItems(list(self._heatmaps))
        self.finding.blockSignals(False)
        notes = []
        if not self._heatmaps:
            notes.append(self.tr("No heatmap for this image."))
        if self._mask is None:
            notes.append(self.tr("No lung outline for this image."))
        self.note.setText(" ".join(notes))
        self._update_enabled()
        self._apply_heatmap()
        self._apply_lungs()
        self._update_legends()

    def _update_enabled(self) -> None:
        has_heat, has_lungs = bool(self._heatmaps), self._mask is not None
        for w in (self.finding, self.cmap, self.heatmap_opacity):
            w.setEnabled(has_heat)
        for w in (self.lung_style, self.lung_opacity):
            w.setEnabled(has_lungs)

    # --- heatmap -------------------------------------------------------------------------------------
    @property
    def selected_label(self) -> str:
        return self.finding.currentText()

    def _heatmap_opacity_changed(self, value: int) -> None:
        for name in self.view.overlay_names():
            if name.startswith(HEATMAP_PREFIX):
                self.view.set_overlay_opacity(name, value / 100.0)

    def _apply_heatmap(self, *_: Any) -> None:
        on = self.act_heatmap.isChecked()
        label, cmap = self.selected_label, self.cmap.currentText()
        if self._heatmaps:
            self._update_colour_bar()
            self._update_legends()
        for name in self.view.overlay_names():
            if name.startswith(HEATMAP_PREFIX) and name != HEATMAP_PREFIX + label:
                self.view.set_overlay_visible(name, False)
        if not on or label not in self._heatmaps or not self._heatmap_allowed(label):
            self.view.set_overlay_visible(HEATMAP_PREFIX + label, False)
            return
        key = (label, cmap)
        if key not in self._layers or self.view.overlay_state(HEATMAP_PREFIX + label) is None \
                or self._uploaded.get(label) != cmap:
            if key not in self._layers:
                self._layers[key] = heatmap_rgba(self._heatmaps[label], cmap)
            self.view.set_overlay(HEATMAP_PREFIX + label, self._layers[key],
                                  self.heatmap_opacity.value() / 100.0, True)
            self._uploaded[label] = cmap
        else:
            self.view.set_overlay_visible(HEATMAP_PREFIX + label, True)
        if label not in self._seen:
            self._seen.add(label)
            self.heatmap_shown.emit(label)

    # --- lungs ---------------------------------------------------------------------------------------
    def _apply_lungs(self, *_: Any) -> None:
        on = self.act_lungs.isChecked()
        if self._mask is None:
            return
        if not on:
            self.view.set_overlay_visible(LUNGS_LAYER, False)
            return
        style = self.lung_style.currentData() or LUNG_STYLES[0]
        key = ("__lungs__", style)
        if key not in self._layers:
            self._layers[key] = lung_rgba(self._mask, style, reliable=not self._lung_note)
        self.view.set_overlay(LUNGS_LAYER, self._layers[key], self.lung_opacity.value() / 100.0, True)

    # --- export --------------------------------------------------------------------------------------
    def choose_save(self) -> None:
        if self.view.image is None:
            return
        from pathlib import Path

        out, _ = QFileDialog.getSaveFileName(self, self.tr("Save image with overlays"),
                                             str(Path.home() / "image-overlays.png"), self.tr("PNG image (*.png)"))
        if out:
            self.save(out)

    def save(self, path: Any) -> Any:
        from radassist.gui import dialogs

        try:
            written = self.view.export_png(path, with_overlays=True)
        except Exception as exc:  # noqa: BLE001 - a RadAssistError is explained, anything else logged
            dialogs.show_error(self, self.tr("Cannot save the image"), exc)
            return None
        self.exported.emit(written)
        return written

    def visible_layers(self) -> list[str]:
        return [n for n in self.view.overlay_names() if (self.view.overlay_state(n) or (0, False))[1]]

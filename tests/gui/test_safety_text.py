"""Safety text with real models: caveats shown with the finding, the negative-call heatmap rule, an
unreliable lung outline drawn as such, and toggles that say their state."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from radassist.gui import palette
from radassist.gui.findings_panel import FindingsPanel
from radassist.gui.image_view import ImageView
from radassist.gui.overlay_controls import (
    HEATMAP_PREFIX,
    LUNGS_LAYER,
    UNRELIABLE_LUNG_RGB,
    OverlayControls,
    lung_rgba,
)
from tests.conftest import shared_path
from tests.gui import assistant_fixtures as af


def _real(name: str):
    """A real film (8-bit) and its real analysis (bundled classifier and lung model, no gate)."""
    import cv2

    path = {"portable": ("adult_cxr", "images", "00001986_007.jpg"),
            "jsrt": ("lung_masks", "images", "JPCNN033.png")}[name]
    film = cv2.imread(str(shared_path("data", *path)), cv2.IMREAD_GRAYSCALE)
    return film, af.models().analyze(film)


@pytest.fixture
def view(qtbot):
    v = ImageView()
    qtbot.addWidget(v)
    v.resize(400, 400)
    v.show()
    return v


def _pixels(view) -> np.ndarray:
    img = view.rendered_image(with_overlays=True).convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4).copy()


def test_a_caveat_is_shown_with_the_finding_in_the_warning_colour(qtbot, tmp_path):
    """RG1 is an adult's film and the shipped model is for children: the caveat sits right under the call."""
    from radassist.core.image import load_image

    a = af.models().analyze(load_image(shared_path("data", "dicom_cr_chest", "RG1_UNCR.dcm")))
    label = a.findings[0].label
    assert any("adult" in c for c in a.caveats_for(label))
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_result(a)
    assert panel.caveats.isVisible() and "adult" in panel.caveats.text() and "with care" in panel.caveats.text()
    layout = panel.layout()
    assert layout.indexOf(panel.caveats) == layout.indexOf(panel.table) + 1  # directly under the calls
    assert palette.WARNING_TEXT in panel.caveats.styleSheet() and "bold" in panel.caveats.styleSheet()
    call = panel.table.item(0, 3)
    assert not call.icon().isNull() and "adult" in call.toolTip()  # the call itself is marked
    assert "adult" not in panel.warnings.text()  # said once, with the finding, not again at the bottom
    assert "adult" in panel.text()


def test_an_unreliable_lung_outline_is_a_caveat_and_drawn_dashed_in_amber(qtbot, view):
    film, a = _real("portable")
    assert not a.lung_mask.reliable
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_result(a)
    assert "Lung outline unreliable" in panel.caveats.text() and panel.caveats.isVisible()
    assert "not a measurement" in panel.model_label.text()
    _set(view, film)
    controls = OverlayControls(view)
    qtbot.addWidget(controls)
    controls.set_analysis(a)
    controls.act_lungs.setChecked(True)
    assert controls.lung_legend.text().startswith("Lung outline unreliable") and "dashed" in controls.lung_legend.text()
    layer = controls._layers[("__lungs__", controls.lung_style.currentText())]
    full = layer[..., 3] == 255
    assert full.any() and (layer[full][:, :3] == UNRELIABLE_LUNG_RGB).all()  # amber, not the usual cyan
    solid = lung_rgba(a.lung_mask.mask, "Contour")
    assert 0.3 < np.count_nonzero(layer[..., 3]) / np.count_nonzero(solid[..., 3]) < 0.8  # dashed
    controls.lung_style.setCurrentText("Fill")  # an unreliable outline is never filled in as the lungs
    fill = controls._layers[("__lungs__", "Fill")]
    assert np.count_nonzero(fill[..., 3]) == np.count_nonzero(layer[..., 3])
    _, ok = _real("jsrt")
    controls.set_analysis(ok)
    assert "cyan" in controls.lung_legend.text() and view.overlay_state(LUNGS_LAYER)[1]


def _set(view, film):
    from pathlib import Path

    from radassist.core.image import DisplayInfo, ImageMeta, Source, XRayImage

    view.set_image(XRayImage(film.astype(np.uint16), DisplayInfo("MONOCHROME2", 8, pixel_min=0, pixel_max=255),
                             ImageMeta(fields={}), "0" * 64, Source(Path("film.png"), "PNG")))


def test_a_negative_calls_heatmap_is_hidden_until_asked_for(qtbot, view):
    from tests.gui.test_assistant_overlays import _analysis

    film, _ = _real("jsrt")
    _set(view, film)
    controls = OverlayControls(view)
    qtbot.addWidget(controls)
    controls.show()
    controls.act_heatmap.setChecked(True)
    plain = _pixels(view)
    controls.set_analysis(_analysis(view.image.shape, positive=False))
    name = HEATMAP_PREFIX + "pneumonia"
    assert not (view.overlay_state(name) or (0, False))[1] and np.array_equal(_pixels(view), plain)
    assert "negative" in controls.legend.text() and controls.negative_button.isVisible()
    controls.act_negative.setChecked(True)  # the reader asks for it
    assert view.overlay_state(name)[1] and not np.array_equal(_pixels(view), plain)
    controls.set_analysis(_analysis(view.image.shape, positive=False))  # the next image: hidden again
    assert not controls.act_negative.isChecked() and not (view.overlay_state(name) or (0, False))[1]
    controls.set_analysis(_analysis(view.image.shape, positive=True))
    assert view.overlay_state(name)[1] and not controls.negative_button.isVisible()
    assert "Showing the pneumonia heatmap (inferno" in controls.legend.text() and controls.colour_bar.isVisible()
    assert controls.cmap.currentText() == "inferno"


def test_the_toggles_say_their_state(qtbot, view):
    controls = OverlayControls(view)
    qtbot.addWidget(controls)
    controls.act_heatmap.setChecked(False)
    controls.act_lungs.setChecked(False)
    assert controls.heatmap_button.text() == "Heatmap: off" and controls.lungs_button.text() == "Lungs: off"
    controls.act_heatmap.setChecked(True)
    controls.act_lungs.setChecked(True)
    assert controls.heatmap_button.text() == "Heatmap: on" and controls.lungs_button.text() == "Lungs: on"
    assert controls.heatmap_button.isChecked() and ":checked" in controls.heatmap_button.styleSheet()

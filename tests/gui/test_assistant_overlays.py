"""Overlay layers from an Analysis built of core records (a lung mask from ``segmentation.postprocess``),
so the lung layer is covered even where no lung model is bundled."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from radassist.core.analysis import Analysis
from radassist.core.classify import Finding
from radassist.core.explain import cam_to_heatmap
from radassist.core.lungs import LungMask, area_of, postprocess
from radassist.gui.findings_panel import FindingsPanel
from radassist.gui.image_view import ImageView
from radassist.gui.overlay_controls import HEATMAP_PREFIX, LUNGS_LAYER, OverlayControls, layer_step
from tests.gui import assistant_fixtures as af


@pytest.fixture
def view(qtbot, tmp_path):
    from radassist.core.image import load_image

    v = ImageView()
    qtbot.addWidget(v)
    v.resize(400, 400)
    v.show()
    v.set_image(load_image(af.write_cxr_dicom(tmp_path / "cxr.dcm")))
    return v


def _analysis(shape, *, share: float = 0.9, positive: bool = True) -> Analysis:
    h, w = shape
    prob = np.zeros((64, 64), np.float32)
    yy, xx = np.mgrid[0:64, 0:64]
    for cx in (20, 44):
        prob[((xx - cx) / 10.0) ** 2 + ((yy - 32) / 22.0) ** 2 < 1] = 1.0
    mask = postprocess(prob, shape)
    px, cm2, label = area_of(mask, None)
    cam = np.zeros((7, 7), np.float32)
    cam[3, 1] = 1.0
    return Analysis(status="ok", image_sha256="d" * 64, sop_instance_uid="", study_instance_uid="",
                    image_shape=shape, model={"id": "m", "version": "1", "sha256": "e" * 64}, device="cpu",
                    runtime="litert", ood=None, gate_model=None,
                    findings=(Finding("pneumonia", 0.8 if positive else 0.1, 0.5, positive),),
                    heatmaps={"pneumonia": cam_to_heatmap(cam, (h, w))},
                    lung_mask=LungMask(mask, px, cm2, label), heatmap_in_lungs={"pneumonia": share},
                    notes=("Only 20% of the pneumonia heatmap lies inside the lungs: check.",) if share < 0.5 else ())


def _pixels(view) -> np.ndarray:
    img = view.rendered_image(with_overlays=True).convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4).copy()


def test_lung_toggle_style_and_opacity_change_the_drawing(qtbot, view):
    controls = OverlayControls(view)
    qtbot.addWidget(controls)
    controls.set_analysis(_analysis(view.image.shape))
    plain = _pixels(view)
    controls.act_lungs.setChecked(True)
    contour = _pixels(view)
    changed = lambda a: int(np.count_nonzero(np.any(a != plain, axis=2)))  # noqa: E731
    assert changed(contour) > 0 and view.overlay_state(LUNGS_LAYER)[1]
    controls.lung_style.setCurrentText("Fill")
    fill = _pixels(view)
    assert changed(fill) > 2 * changed(contour)
    controls.lung_opacity.setValue(20)
    faint = _pixels(view)
    assert np.abs(faint.astype(int) - plain).sum() < np.abs(fill.astype(int) - plain).sum()
    controls.act_lungs.setChecked(False)
    assert np.array_equal(_pixels(view), plain)


def test_heatmap_layer_follows_the_finding_and_is_seen_once(qtbot, view):
    controls = OverlayControls(view)
    qtbot.addWidget(controls)
    seen = []
    controls.heatmap_shown.connect(seen.append)
    controls.act_heatmap.setChecked(True)  # on before the analysis arrives: shown (and seen) when it does
    controls.set_analysis(_analysis(view.image.shape))
    assert seen == ["pneumonia"] and view.overlay_state(HEATMAP_PREFIX + "pneumonia")[1]
    controls.act_heatmap.setChecked(False)
    controls.act_heatmap.setChecked(True)
    assert seen == ["pneumonia"]  # once per image
    controls.set_analysis(_analysis(view.image.shape))  # the next image
    assert seen == ["pneumonia", "pneumonia"]
    controls.clear()
    assert not [n for n in view.overlay_names() if n.startswith(HEATMAP_PREFIX) or n == LUNGS_LAYER]


def test_findings_panel_warns_about_a_heatmap_outside_the_lungs(qtbot, view):
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.show_result(_analysis(view.image.shape, share=0.2, positive=False))
    assert panel.cell_text(0, 3) == "Negative" and panel.cell_text(0, 4) == "20 %"
    assert "inside the lungs" in panel.warnings.text() and panel.warnings.isVisibleTo(panel)
    panel.show_result(_analysis(view.image.shape, share=0.9))
    assert panel.cell_text(0, 3) == "Positive" and not panel.warnings.isVisibleTo(panel)


def test_big_images_get_display_sized_layers():
    assert layer_step((1841, 1955)) == 2 and layer_step((1024, 1024)) == 1 and layer_step((4000, 3000)) == 4

"""Overlays: steady-state ms per heatmap (fast CAM path, gradient path) and per lung mask (LiteRT)."""

from __future__ import annotations

import numpy as np

from tests.bench._common import Row, median_ms
from tests.conftest import SHARED

GROUP = "overlays"
#: the 1955x1841 JPEG 2000 CR of the design's latency goal, and a 512 px PNG
SIZES = {"1841x1955": (1841, 1955), "512x512": (512, 512)}


def _gray(shape: tuple[int, int]) -> np.ndarray:
    import cv2

    img = SHARED / "data" / "lung_masks" / "images" / "MCUCXR_0001_0.png"
    u8 = cv2.imread(str(img), cv2.IMREAD_GRAYSCALE) if img.is_file() else None
    if u8 is None:  # a fresh clone: a generated chest-like image
        u8 = np.full((512, 512), 190, np.uint8)
        cv2.ellipse(u8, (150, 256), (70, 170), 0, 0, 360, 60, -1)
        cv2.ellipse(u8, (362, 256), (70, 170), 0, 0, 360, 60, -1)
    return cv2.resize(u8, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def run() -> list[Row]:
    from radassist.core import explain
    from radassist.core.lungs import LungSegmenter, postprocess
    from radassist.training import gradcam

    rows: list[Row] = []
    rng = np.random.default_rng(0)
    cam = rng.normal(0, 1, (7, 7)).astype(np.float32)
    for name, shape in SIZES.items():
        ms = median_ms(lambda s=shape: explain.cam_to_heatmap(cam, s), repeat=15)
        rows.append(Row(GROUP, f"heatmap fast path (CAM -> {name})", ms, "ms",
                        note="ReLU, normalise, cubic upsample; the cam comes with the LiteRT forward pass"))
    hm = explain.cam_to_heatmap(cam, SIZES["1841x1955"])
    gray = _gray(SIZES["1841x1955"])
    rows.append(Row(GROUP, "heatmap colorize RGBA (1841x1955)", median_ms(lambda: explain.colorize(hm)), "ms"))
    rows.append(Row(GROUP, "heatmap blend RGB (1841x1955)", median_ms(lambda: explain.blend(gray, hm)), "ms"))

    seg = LungSegmenter.load()
    for name, shape in SIZES.items():
        g = _gray(shape)
        rows.append(Row(GROUP, f"lung mask LiteRT + post-processing ({name})",
                        median_ms(lambda g=g: seg.segment_u8(g), repeat=15), "ms",
                        note=f"{seg.package.card.ref}, 2 threads"))
    g = _gray(SIZES["1841x1955"])
    prob = seg.probabilities(g)
    rows.append(Row(GROUP, "lung mask model only (LiteRT, 256x256)",
                    median_ms(lambda: seg.probabilities(g), repeat=15), "ms"))
    rows.append(Row(GROUP, "lung mask post-processing only (1841x1955)",
                    median_ms(lambda: postprocess(prob, g.shape), repeat=15), "ms"))

    weights = SHARED / "weights" / "mobilenet_v2_1.0_224_no_top.rebuilt_from_tf_slim.h5"
    try:
        from radassist.training.classifier.model import build_classifier
    except ImportError:
        return rows
    model = build_classifier(labels=("pneumonia",), weights=weights if weights.is_file() else None, seed=0)
    x = rng.uniform(-1, 1, (224, 224, 3)).astype(np.float32)
    gradcam.grad_cam(model, x, 0, out_shape=SIZES["1841x1955"])  # trace once
    rows.append(Row(GROUP, "heatmap gradient path (Grad-CAM, MobileNetV2, tf.function)",
                    median_ms(lambda: gradcam.grad_cam(model, x, 0, out_shape=SIZES["1841x1955"]), repeat=10),
                    "ms", note="TensorFlow; includes upsampling to 1841x1955"))
    return rows

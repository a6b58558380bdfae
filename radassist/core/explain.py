"""Heatmaps of what influenced the model: CAM/Grad-CAM maps, colouring and blending for display.

Two ways to a heatmap, equal for the shipped classifier (tests check it):

- the fast path: the packaged model returns ``cam`` = last feature map x dense kernel in the same forward
  pass; :func:`cam_to_heatmap` turns it into a map at the image's size (no TensorFlow at run time);
- the gradient path: :func:`grad_cam` on a Keras model, for any layer or model (TensorFlow imported lazily).

With a global-average-pooling -> dense head, d logit / d A_k = w_k / (h w), so Grad-CAM at the last conv
layer is CAM up to a positive factor that the normalisation removes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: colormaps offered for overlays (OpenCV names), the default first. Perceptual maps (lightness rises
#: monotonically with the value) come first; jet stays on offer for readers used to it, but its bright
#: yellow/cyan bands invent edges the map does not have (docs/heatmaps.md)
CMAPS = ("inferno", "viridis", "jet")
DEFAULT_CMAP = CMAPS[0]
#: why a negative call's heatmap is not drawn unless the reader asks for it (docs/heatmaps.md)
NEGATIVE_CALL_HIDDEN = ("The AI call is negative: its heatmap is hidden by default, because a hot spot on a "
                        "negative call looks like a lesion the model does not call.")
#: a map whose positive part is below this share of its largest magnitude is treated as empty (noise)
_EMPTY_RELATIVE = 1e-6


@dataclass(frozen=True, eq=False)
class Heatmap:
    """A saliency map at an image's size: float32 values in [0, 1], 1 at the most influential region.

    ``empty`` is True when nothing pushed the score up (all-zero or negative map): the values are all zero
    and the UI should say "no salient region". ``peak`` is the (row, col) of the maximum, None when empty.
    """

    values: np.ndarray
    empty: bool
    peak: tuple[int, int] | None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def to_uint8(self) -> np.ndarray:
        """The raw map as 8-bit grayscale (what ``predict --heatmap-dir`` writes as ``<stem>_<label>.png``)."""
        return np.rint(self.values * 255.0).astype(np.uint8)


def shown_by_default(positive: bool) -> bool:
    """Whether a finding's heatmap is drawn without the reader asking: only for a positive call.

    A CAM is normalised to its own maximum, so a negative call still has a "hottest" region; drawn, it
    reads as a lesion the model did not call. The reader may still show it on purpose.
    """
    return bool(positive)


def empty_heatmap(out_shape: tuple[int, int]) -> Heatmap:
    return Heatmap(np.zeros(tuple(int(s) for s in out_shape), np.float32), True, None)


def cam_to_heatmap(cam_hw: np.ndarray, out_shape: tuple[int, int]) -> Heatmap:
    """A class activation map (any scale, e.g. 7x7) -> Heatmap at ``out_shape`` (H, W).

    ReLU, then normalise by the maximum, then cubic upsampling (clipped, renormalised). NaN/inf count as
    zero; an all-zero or all-negative map gives an all-zero Heatmap with ``empty=True``, never NaN.
    """
    import cv2

    cam = np.asarray(cam_hw, dtype=np.float32)
    if cam.ndim == 3 and cam.shape[-1] == 1:
        cam = cam[..., 0]
    if cam.ndim != 2 or cam.size == 0:
        raise ValueError(f"cam_to_heatmap needs a 2-D map, got shape {cam.shape}")
    h, w = int(out_shape[0]), int(out_shape[1])
    cam = np.where(np.isfinite(cam), cam, 0.0).astype(np.float32)
    scale = float(np.abs(cam).max())
    pos = np.maximum(cam, 0.0)
    top = float(pos.max())
    if top <= 0.0 or top <= _EMPTY_RELATIVE * scale:
        return empty_heatmap((h, w))
    small = pos / top
    if small.shape != (h, w):
        # cubic: smooth at the 32x upsampling of a 7x7 map; its overshoot is clipped below
        up = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        np.clip(up, 0.0, None, out=up)
        top_up = float(up.max())
        if top_up <= 0.0:
            return empty_heatmap((h, w))
        up /= top_up
        np.clip(up, 0.0, 1.0, out=up)
    else:
        up = small
    flat = int(np.argmax(up))
    return Heatmap(up.astype(np.float32, copy=False), False, (flat // w, flat % w))


def _colormap_rgb(values: np.ndarray, cmap: str) -> np.ndarray:
    import cv2

    codes = {"jet": cv2.COLORMAP_JET, "inferno": cv2.COLORMAP_INFERNO, "viridis": cv2.COLORMAP_VIRIDIS}
    if cmap not in codes:
        raise ValueError(f"unknown colormap {cmap!r}; use one of {', '.join(CMAPS)}")
    u8 = np.rint(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(u8, codes[cmap]), cv2.COLOR_BGR2RGB)


def colorize(heatmap: Heatmap, cmap: str = DEFAULT_CMAP) -> np.ndarray:
    """RGBA uint8 (H, W, 4) for an overlay layer: colour from the colormap, alpha proportional to the value,
    so regions that did not influence the model stay transparent (the GUI multiplies in its opacity)."""
    rgb = _colormap_rgb(heatmap.values, cmap)
    alpha = np.rint(np.clip(heatmap.values, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.dstack([rgb, alpha])


def blend(gray_u8: np.ndarray, heatmap: Heatmap, alpha: float = 0.4, cmap: str = DEFAULT_CMAP) -> np.ndarray:
    """RGB uint8 image with the heatmap blended over the grayscale image (``<stem>_<label>_overlay.png``).

    Per-pixel weight ``alpha * value``, as the GUI draws :func:`colorize` at opacity ``alpha``; a heatmap of
    another size (a reduced first paint) is resized to the image.
    """
    import cv2

    gray = np.asarray(gray_u8)
    if gray.ndim == 3:
        gray = gray[..., 0]
    values = heatmap.values
    if values.shape != gray.shape:
        values = cv2.resize(values, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    colour = _colormap_rgb(values, cmap).astype(np.float32)
    weight = (float(np.clip(alpha, 0.0, 1.0)) * np.clip(values, 0.0, 1.0))[..., None]
    base = np.repeat(gray.astype(np.float32)[..., None], 3, axis=2)
    return np.rint(base * (1.0 - weight) + colour * weight).clip(0, 255).astype(np.uint8)



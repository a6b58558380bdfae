"""The one model preprocessing, shared by the classifier, the OOD gate and segmentation.

An image is shown and fed to a model the same way: the display pipeline's default window to 8 bit
(``display.render_uint8``), then squashed to the model size WITHOUT keeping the aspect ratio (the Kermany
training images were squashed to 224x224, so a full-resolution DICOM must be squashed too), then scaled to
[-1, 1] as MobileNetV2 expects and replicated to three channels.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_uint8(u8_or_image: Any) -> np.ndarray:
    """8-bit grayscale (H, W): an XRayImage through the display pipeline, or a uint8 array as given."""
    if isinstance(u8_or_image, np.ndarray):
        u8 = u8_or_image
        if u8.dtype != np.uint8:
            raise TypeError(f"model_input expects uint8 pixels or an XRayImage, got {u8.dtype}")
        if u8.ndim == 3 and u8.shape[2] in (3, 4):
            import cv2

            u8 = cv2.cvtColor(u8[..., :3], cv2.COLOR_RGB2GRAY)
        elif u8.ndim == 3 and u8.shape[2] == 1:
            u8 = u8[..., 0]
        if u8.ndim != 2:
            raise ValueError(f"model_input expects a 2-D image, got shape {u8.shape}")
        return u8
    from radassist.core.display import render_uint8

    return render_uint8(u8_or_image)


def resize_u8(u8: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Squash to ``size`` (H, W) with area interpolation; aspect ratio deliberately not kept."""
    h, w = int(size[0]), int(size[1])
    if u8.shape[:2] == (h, w):
        return u8
    import cv2

    return cv2.resize(u8, (w, h), interpolation=cv2.INTER_AREA)


def scale_u8(u8: np.ndarray) -> np.ndarray:
    """uint8 (H, W) -> float32 (H, W, 3) in [-1, 1]: ``u8 / 127.5 - 1`` (MobileNetV2's preprocess_input)."""
    x = u8.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    return np.repeat(x[:, :, None], 3, axis=2)


def model_input(u8_or_image: Any, size: tuple[int, int] = (224, 224)) -> np.ndarray:
    """float32 (H, W, 3) in [-1, 1]: render (default window) -> INTER_AREA squash -> scale -> 3 channels."""
    return scale_u8(resize_u8(to_uint8(u8_or_image), size))

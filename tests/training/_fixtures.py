"""Generated labelled image sets (no shared data needed): Kermany-style names, a visible 'finding'."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def synthetic_chest(rng: np.random.Generator, positive: bool, size: tuple[int, int] = (96, 80)) -> np.ndarray:
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    img = 60 + 40 * np.exp(-(((xx - w / 2) / (w / 3)) ** 2)) + rng.normal(0, 8, (h, w))
    for cx in (w * 0.3, w * 0.7):  # two dark lung fields
        img -= 35 * np.exp(-(((xx - cx) / (w / 8)) ** 2 + ((yy - h / 2) / (h / 4)) ** 2))
    if positive:  # a bright opacity in one lung
        cx = w * (0.3 if rng.random() < 0.5 else 0.7)
        img += 90 * np.exp(-(((xx - cx) / (w / 10)) ** 2 + ((yy - h * 0.55) / (h / 8)) ** 2))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_class_folders(root: Path, n_per_class: int = 20, seed: int = 0, size: tuple[int, int] = (96, 80)) -> Path:
    """root/NORMAL/IM-XXXX-000k.png and root/PNEUMONIA/personN_bacteria_k.png; 2 images per patient."""
    rng = np.random.default_rng(seed)
    (root / "NORMAL").mkdir(parents=True, exist_ok=True)
    (root / "PNEUMONIA").mkdir(parents=True, exist_ok=True)
    for i in range(n_per_class):
        cv2.imwrite(str(root / "NORMAL" / f"IM-{i // 2:04d}-{i % 2 + 1:04d}.png"), synthetic_chest(rng, False, size))
        cv2.imwrite(str(root / "PNEUMONIA" / f"person{i // 2}_bacteria_{i}.png"), synthetic_chest(rng, True, size))
    return root

"""Lung masks from the bundled U-Net (LiteRT, no TensorFlow at run time), lung area, heatmap-in-lung share.

Post-processing follows what a radiologist expects of a lung mask: the probability map is brought back to
the original image resolution, thresholded, reduced to at most two main components (left and right lung;
specks dropped) and each lung's holes are filled.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from radassist.core.errors import ModelCardError, ModelError

if TYPE_CHECKING:
    from radassist.core.explain import Heatmap
    from radassist.core.image import XRayImage

DEFAULT_PACKAGE_ID = "lung-unet"
#: probability above which a pixel is lung
THRESHOLD = 0.5
#: a second component is kept as the other lung only if it is at least this share of the largest one
SECOND_LUNG_MIN_SHARE = 0.10
#: below this share of heatmap mass inside the lungs the UI warns about a possible shortcut
LOW_SHARE_WARNING = 0.5
LOW_SHARE_MESSAGE = ("Most of this heatmap lies outside the lungs: the model may be relying on text markers, "
                     "borders or devices rather than lung findings. Interpret this finding with care.")


#: plausibility limits of a lung mask, from the bundled model's masks of 938 real films (338 lung_masks, 300
#: adult_cxr, 300 Kermany): on the adult films the smaller/larger lung ratio was >= 0.58 where the model found
#: both lungs, the mask's share along the midline <= 0.39, its perimeter on the image border <= 0.08 and its
#: share of the film 0.08-0.46. The limits sit well outside that, so only a broken outline trips them.
MIN_LUNG_RATIO = 0.30
MIDLINE_BAND = 0.10  # |x - width/2| < MIDLINE_BAND * width is "along the spine"
MAX_MIDLINE_SHARE = 0.50
MAX_BORDER_SHARE = 0.15
AREA_SHARE_RANGE = (0.04, 0.65)
UNRELIABLE_PREFIX = "Lung outline unreliable"


#: the plausibility rules look at the mask at this longest side
PLAUSIBILITY_SIDE = 512


def plausibility_problems(mask: np.ndarray) -> tuple[str, ...]:
    """Why a lung mask cannot be right, in words (empty when it looks like two lungs).

    Rules: no lung at all; one lung missing or a sliver next to the other; the outline mostly along the
    midline (the spine or mediastinum, not the lungs); the lungs cut by the image border (a partial film);
    a total area implausibly small or large for the film.
    """
    import cv2

    m = np.asarray(mask, bool)
    scale = PLAUSIBILITY_SIDE / max(m.shape)
    if scale < 1:  # every rule is a ratio: a small copy decides the same, ~10x cheaper on a full-size film
        size = (max(1, round(m.shape[1] * scale)), max(1, round(m.shape[0] * scale)))
        m = cv2.resize(m.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    h, w = m.shape
    total = int(np.count_nonzero(m))
    if total == 0:
        return ("no lung was found",)
    problems = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
    if n - 1 >= 2:
        areas = sorted(int(a) for a in stats[1:, cv2.CC_STAT_AREA])
        ratio = areas[-2] / areas[-1]
    else:  # one component: both lungs merged (fine) or one missing; the film's halves tell which
        left = int(np.count_nonzero(m[:, : w // 2]))
        ratio = min(left, total - left) / max(left, total - left)
    if ratio < MIN_LUNG_RATIO:
        problems.append(f"one lung is missing or a sliver ({ratio:.0%} of the other)")
    xs = np.nonzero(m)[1]
    midline = float(np.mean(np.abs(xs - w / 2.0) < MIDLINE_BAND * w))
    if midline > MAX_MIDLINE_SHARE:
        problems.append(f"{midline:.0%} of the outline lies along the midline (the spine), not over the lungs")
    contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours) or 1.0
    on_border = int(np.count_nonzero(m[0])) + int(np.count_nonzero(m[-1])) \
        + int(np.count_nonzero(m[1:-1, 0])) + int(np.count_nonzero(m[1:-1, -1]))
    if on_border / perimeter > MAX_BORDER_SHARE:
        problems.append(f"the lungs are cut by the image border ({on_border / perimeter:.0%} of the outline), "
                        "so part of the chest is not on the film")
    share = total / float(h * w)
    low, high = AREA_SHARE_RANGE
    if not low <= share <= high:
        problems.append(f"the lungs cover {share:.0%} of the film (plausible: {low:.0%}-{high:.0%})")
    return tuple(problems)


def unreliable_note(problems: tuple[str, ...]) -> str:
    """The one sentence every front door shows for an implausible mask ("" for a plausible one)."""
    if not problems:
        return ""
    return (f"{UNRELIABLE_PREFIX}: {'; '.join(problems)}. The lung area and the heatmap share inside the lungs "
            "are not meaningful for this image; do not read the outline as the lungs.")


@dataclass(frozen=True, eq=False)
class LungMask:
    """Both lungs as one boolean mask at the image's resolution, and their area.

    ``area_cm2`` only when the image has a patient-plane PixelSpacing; otherwise None and ``area_label``
    says the area is in pixels. ``problems`` (from :func:`plausibility_problems`) is non-empty when the
    outline cannot be right; ``note`` then says so in one sentence.
    """

    mask: np.ndarray
    area_px: int
    area_cm2: float | None
    area_label: str
    problems: tuple[str, ...] = ()

    @property
    def reliable(self) -> bool:
        return not self.problems

    @property
    def note(self) -> str:
        return unreliable_note(self.problems)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.mask.shape[0]), int(self.mask.shape[1]))

    def to_uint8(self) -> np.ndarray:
        """0/255 image (what ``predict --mask-dir`` writes as ``<stem>_lungs.png``)."""
        return self.mask.astype(np.uint8) * 255


def area_of(mask: np.ndarray, spacing_mm: tuple[float, float] | None, downscale: int = 1) -> tuple[int, float | None, str]:
    """(pixels, cm² or None, label). ``downscale`` > 1 for a reduced-resolution image: each mask pixel then
    covers downscale² stored pixels, so the spacing is scaled."""
    px = int(np.count_nonzero(mask))
    if spacing_mm and all(s > 0 for s in spacing_mm):
        cm2 = px * spacing_mm[0] * spacing_mm[1] * downscale * downscale / 100.0
        return px, cm2, f"{cm2:.1f} cm²"
    return px, None, f"{px:,} px (no patient-plane pixel spacing: area in pixels)"


def postprocess(prob: np.ndarray, out_shape: tuple[int, int], threshold: float = THRESHOLD) -> np.ndarray:
    """Model probabilities (h, w) -> boolean mask at ``out_shape``: upsample, threshold, keep at most two
    components (the second only if >= SECOND_LUNG_MIN_SHARE of the first), fill each kept lung's holes."""
    import cv2

    p = np.asarray(prob, dtype=np.float32)
    if p.ndim == 3:
        p = p[..., 0]
    h, w = int(out_shape[0]), int(out_shape[1])
    if p.shape != (h, w):
        p = cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR)  # smooth boundary at full resolution
    binary = (p > threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n <= 1:
        return np.zeros((h, w), bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    order = np.argsort(areas)[::-1] + 1
    keep = [int(order[0])]
    if len(order) > 1 and stats[order[1], cv2.CC_STAT_AREA] >= SECOND_LUNG_MIN_SHARE * stats[order[0], cv2.CC_STAT_AREA]:
        keep.append(int(order[1]))
    out = np.zeros((h, w), np.uint8)
    for lab in keep:
        # fill each lung on its own: filling holes of the union could also fill the mediastinum between them
        x, y, bw, bh = (int(v) for v in stats[lab, :4])
        comp = (labels[y:y + bh, x:x + bw] == lab).astype(np.uint8)
        contours, _ = cv2.findContours(comp, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(out[y:y + bh, x:x + bw], contours, -1, 1, thickness=cv2.FILLED)
    return out.astype(bool)


def share_inside(heatmap: Heatmap, mask: np.ndarray | LungMask) -> float:
    """Share of the heatmap's mass inside the lungs, in [0, 1]; 0.0 for an empty heatmap."""
    import cv2

    m = mask.mask if isinstance(mask, LungMask) else np.asarray(mask, bool)
    v = heatmap.values
    total = float(v.sum(dtype=np.float64))
    if heatmap.empty or total <= 0.0:
        return 0.0
    if m.shape != v.shape:
        m = cv2.resize(m.astype(np.uint8), (v.shape[1], v.shape[0]), interpolation=cv2.INTER_NEAREST).astype(bool)
    return float(np.clip(v[m].sum(dtype=np.float64) / total, 0.0, 1.0))


def default_package_dir() -> Path:
    from radassist.config import RESOURCES_DIR

    return RESOURCES_DIR / "models" / DEFAULT_PACKAGE_ID


class LungSegmenter:
    """A loaded, hash-verified lung-segmentation package run with LiteRT. Safe to share between threads."""

    def __init__(self, package: Any, interpreter: Any) -> None:
        self.package = package
        self._interp = interpreter
        self._lock = threading.Lock()
        inp = interpreter.get_input_details()[0]
        self._in_index = inp["index"]
        self._out_index = interpreter.get_output_details()[0]["index"]
        self.size = (int(inp["shape"][1]), int(inp["shape"][2]))
        self.threshold = float(package.card.extra.get("postprocessing", {}).get("threshold", THRESHOLD))

    @classmethod
    def load(cls, package: str | Path | None = None, *, num_threads: int = 2) -> LungSegmenter:
        """Load ``package`` (an id, ``id@version`` or folder; default the bundled ``lung-unet``), verifying hashes."""
        from radassist.core import models

        pkg = models.load_package(models.resolve(package or DEFAULT_PACKAGE_ID))
        if pkg.card.task != "segmentation":
            raise ModelCardError(f"{pkg.card.ref} is a {pkg.card.task} model, not a lung segmentation model.",
                                 hint="Pick a package whose card says task 'segmentation'.")
        try:
            from radassist.core.interpreter import new_interpreter

            interp = new_interpreter(str(pkg.path("tflite")), num_threads=num_threads)
        except ModelError:
            raise
        except Exception as exc:  # LiteRT raises plain RuntimeError/ValueError on a bad flatbuffer
            raise ModelError(f"The lung model {pkg.card.ref} could not be loaded by LiteRT ({exc}).",
                             hint="Reinstall RadAssist or the model package.") from exc
        return cls(pkg, interp)

    @property
    def identity(self) -> dict[str, str]:
        return self.package.identity

    def probabilities(self, gray_u8: np.ndarray) -> np.ndarray:
        """Lung probability (h, w) at the model size for an 8-bit display image."""
        x = unet_input(gray_u8, self.size)
        with self._lock:
            self._interp.set_tensor(self._in_index, x[None])
            self._interp.invoke()
            out = self._interp.get_tensor(self._out_index)
        return np.array(out[0, ..., 0], dtype=np.float32)

    def segment_u8(self, gray_u8: np.ndarray, spacing_mm: tuple[float, float] | None = None,
                   downscale: int = 1) -> LungMask:
        g = np.asarray(gray_u8)
        if g.ndim == 3:
            g = g[..., 0]
        mask = postprocess(self.probabilities(g), g.shape[:2], self.threshold)
        px, cm2, label = area_of(mask, spacing_mm, downscale)
        return LungMask(mask, px, cm2, label, plausibility_problems(mask))

    def segment(self, image: XRayImage | np.ndarray) -> LungMask:
        """The lung mask at the image's resolution. Accepts an XRayImage (rendered with its default window
        through the one display pipeline) or an 8-bit grayscale array (no spacing: area in pixels)."""
        if isinstance(image, np.ndarray):
            return self.segment_u8(image)
        from radassist.core.display import render_uint8

        return self.segment_u8(render_uint8(image), image.meta.patient_spacing_mm, image.downscale)


# --- preprocessing ------------------------------------------------------------------------------------
def unet_input(gray_u8: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """8-bit display image (H, W) -> float32 (h, w, 1) in [0, 1], squashed like the classifier input
    (the shared ``preprocess`` steps, scaled to [0, 1] and one channel instead of MobileNetV2's [-1, 1] x 3)."""
    from radassist.core.preprocess import resize_u8, to_uint8

    hw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    small = resize_u8(to_uint8(np.asarray(gray_u8)), hw)
    return (small.astype(np.float32) / np.float32(255.0))[..., None]



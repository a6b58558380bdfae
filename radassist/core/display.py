"""The one display pipeline (DICOM PS3.3 C.11): Modality-LUT output -> VOI LUT or window -> Presentation LUT
(MONOCHROME1 / INVERSE inversion, or a Presentation LUT Sequence) -> 8 bit.

The viewer, ``radassist render`` and model preprocessing all call ``render_uint8``, so what the clinician
sees is what the model sees. ``XRayImage.pixels`` already went through the Modality LUT (``core.image``).
It runs on every window/level drag: integer images go through a 256- or 65536-entry lookup table built
with the same float32 arithmetic as the float path, so both give identical bytes.

pydicom has the same steps (``apply_voi_lut``, ``apply_windowing``, ``apply_presentation_lut``) on a data
set; this module works on the ``XRayImage`` records (a window the user drags has no data set), keeps every
step in [0, 1] float32, and scales a Presentation LUT by the VOI output's range, not by the image's own
min/max as pydicom's ``apply_presentation_lut`` does. Tests check it against pydicom's functions.
"""

from __future__ import annotations

import numpy as np

from radassist.core.image import PresentationLut, VoiLut, Window, XRayImage

__all__ = ["apply_presentation_lut", "apply_voi_lut", "apply_window", "default_window", "full_range_window",
           "render_uint8"]


def full_range_window(lo: float, hi: float) -> Window:
    """The LINEAR window that maps ``lo`` to black and ``hi`` to white (C.11.2.1.2: width = range + 1)."""
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi < lo:
        lo, hi = 0.0, 1.0
    width = max(hi - lo + 1.0, 1.0) if hi - lo >= 1.0 else max(hi - lo, 1e-6)
    if hi - lo >= 1.0:
        return Window(center=lo + width / 2.0, width=width, explanation="Full range")
    # float data with a span below one unit: LINEAR_EXACT avoids the LINEAR "width - 1" singularity
    return Window(center=(lo + hi) / 2.0, width=width, explanation="Full range", function="LINEAR_EXACT")


def default_window(image: XRayImage) -> Window:
    """The file's first window; without one, the full range of the pixels (min to max)."""
    if image.display.windows:
        return image.display.windows[0]
    return full_range_window(image.display.pixel_min, image.display.pixel_max)


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """VOI window function of ``window.function`` (PS3.3 C.11.2.1.2/3), output float32 in [0, 1].

    LINEAR:       y = ((x - (c - 0.5)) / (w - 1) + 0.5), clipped; w <= 1 is a threshold at c - 0.5.
    LINEAR_EXACT: y = (x - c) / w + 0.5, clipped.
    SIGMOID:      y = 1 / (1 + exp(-4 (x - c) / w)).
    """
    x = np.asarray(values, dtype=np.float32)
    c, w = float(window.center), float(window.width)
    function = (window.function or "LINEAR").upper()
    if function == "SIGMOID":
        y = np.multiply(x, np.float32(-4.0 / max(w, 1e-12)), dtype=np.float32)
        y += np.float32(4.0 * c / max(w, 1e-12))
        np.clip(y, -80.0, 80.0, out=y)
        np.exp(y, out=y)
        y += np.float32(1.0)
        np.reciprocal(y, out=y)
        return y
    if function == "LINEAR_EXACT":
        w = max(w, 1e-12)
        scale, offset = 1.0 / w, 0.5 - c / w
    else:
        if w <= 1.0:
            return (x > np.float32(c - 0.5)).astype(np.float32)
        scale, offset = 1.0 / (w - 1.0), 0.5 - (c - 0.5) / (w - 1.0)
    y = np.multiply(x, np.float32(scale), dtype=np.float32)
    y += np.float32(offset)
    np.clip(y, 0.0, 1.0, out=y)
    return y


def apply_voi_lut(values: np.ndarray, lut: VoiLut) -> np.ndarray:
    """VOI LUT Sequence item (C.11.2.1.1): values below/above the table take its first/last entry.

    Output float32 in [0, 1], scaled by the LUT's declared bit depth (or its largest entry if that is
    bigger, for tables whose descriptor understates their range).
    """
    table = np.asarray(lut.table, dtype=np.float32)
    if table.size == 0:
        return np.zeros(np.shape(values), dtype=np.float32)
    top = max(float(2 ** int(lut.bits) - 1), float(table.max()), 1.0)
    idx = np.asarray(values, dtype=np.float64) - float(lut.first_mapped)
    idx = np.clip(np.rint(idx), 0, table.size - 1).astype(np.intp)
    return (table / np.float32(top))[idx]


def apply_presentation_lut(values: np.ndarray, lut: PresentationLut) -> np.ndarray:
    """Presentation LUT Sequence (C.11.6.1): VOI output in [0, 1] -> P-values in [0, 1].

    The VOI output range is scaled onto the table's entries (first mapped value 0), and the entries by the
    LUT's declared bit depth (or its largest entry, if the descriptor understates it).
    """
    table = np.asarray(lut.table, dtype=np.float32)
    if table.size == 0:
        return np.asarray(values, dtype=np.float32)
    top = max(float(2 ** int(lut.bits) - 1), float(table.max()), 1.0)
    idx = np.rint(np.asarray(values, dtype=np.float32) * np.float32(table.size - 1))
    idx = np.clip(idx, 0, table.size - 1).astype(np.intp)
    return (table / np.float32(top))[idx]


def _mapping(values: np.ndarray, window: Window | None, lut: VoiLut | None, inverse: bool,
             presentation: PresentationLut | None = None, invert: bool = False) -> np.ndarray:
    """values -> uint8: the chosen VOI step, then the Presentation LUT, then the user's ``invert``.

    ``inverse`` (MONOCHROME1 or shape INVERSE) flips the VOI output on its way to P-values; without a
    Presentation LUT Sequence it merges with ``invert`` into one flip, as it always has (same bytes).
    """
    y = apply_voi_lut(values, lut) if lut is not None else apply_window(values, window)  # type: ignore[arg-type]
    if y.dtype.kind == "f" and values.dtype.kind == "f":
        np.nan_to_num(y, copy=False, nan=0.0)  # NaN pixels (damaged float data) show as black, not garbage
    if presentation is None:
        inverse, invert = inverse ^ invert, False
    if inverse:
        np.subtract(np.float32(1.0), y, out=y)
    if presentation is not None:
        y = apply_presentation_lut(y, presentation)
    if invert:
        np.subtract(np.float32(1.0), y, out=y)
    y *= np.float32(255.0)
    np.rint(y, out=y)
    return y.astype(np.uint8)


def render_uint8(image: XRayImage, window: Window | None = None, *, invert: bool = False,
                 voi_lut_index: int | None = None) -> np.ndarray:
    """The picture on screen: uint8 (H, W).

    ``window`` overrides the file's VOI; ``voi_lut_index`` picks a VOI LUT Sequence item instead. With
    neither: the first window in the file, else the first VOI LUT, else the full pixel range.
    Then the Presentation LUT step (C.11.6): MONOCHROME1 or Presentation LUT Shape INVERSE inverts the VOI
    output once (both together still once: INVERSE is how an image declares MONOCHROME1's inversion), and a
    Presentation LUT Sequence maps it to P-values. ``invert=True`` flips the result once more (a display
    choice of the user). Pixel padding (``image.padding``) is always black.
    """
    out = _render(image, window, invert, voi_lut_index)
    if image.padding is not None and image.padding.shape == out.shape:
        out[image.padding] = 0
    return out


def _render(image: XRayImage, window: Window | None, invert: bool, voi_lut_index: int | None) -> np.ndarray:
    pixels = np.asarray(image.pixels)
    lut: VoiLut | None = None
    if window is None:
        if voi_lut_index is not None and 0 <= voi_lut_index < len(image.display.voi_luts):
            lut = image.display.voi_luts[voi_lut_index]
        elif image.display.windows:
            window = image.display.windows[0]
        elif image.display.voi_luts:
            lut = image.display.voi_luts[0]
        else:
            window = default_window(image)
    steps = (bool(image.display.inverted), image.display.presentation_lut, bool(invert))
    if pixels.dtype in (np.uint8, np.int8, np.uint16, np.int16):
        # every possible input value once, in the order of the unsigned view used for indexing
        unsigned = np.dtype(f"u{pixels.dtype.itemsize}")
        domain = np.arange(2 ** (8 * pixels.dtype.itemsize), dtype=np.uint32).astype(unsigned)
        table = _mapping(domain.view(pixels.dtype), window, lut, *steps)
        return np.take(table, pixels.view(unsigned))
    if pixels.dtype.kind in "iu":
        pixels = pixels.astype(np.float32)
    if pixels.dtype == np.float64:
        pixels = pixels.astype(np.float32)
    return _mapping(pixels, window, lut, *steps)

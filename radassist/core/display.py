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

Named window presets (lung, mediastinum, bone, soft tissue) are windows on the image's own brightness
histogram: ``WindowPreset``, ``named_windows``, and their saved form (``presets_from_json``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from radassist.core.image import PresentationLut, VoiLut, Window, XRayImage

__all__ = ["DEFAULT_PRESETS", "MAX_PRESETS", "WindowPreset", "apply_presentation_lut", "apply_voi_lut",
           "apply_window", "default_window", "full_range_window", "named_windows", "presets_from_json",
           "presets_to_json", "render_uint8"]


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


# --- named window presets -----------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowPreset:
    """A named window defined on the image's own histogram, not in pixel units.

    ``center`` and ``width`` are in percent of the image's pixels ordered from darkest to brightest *as
    shown* (percentile units): lung 30/50 spans the 5th to the 55th brightness percentile. CR/DX values have
    no fixed unit (unlike CT's Hounsfield units): one film's lungs are near 10 000 in the 15-bit WG-04 plate
    and near 1 300 in its 12-bit copy, so a fixed centre/width would fit one detector and exposure only, and a fraction of the stored range
    (``Bits Stored``) would depend on how much of it the detector uses. Percentiles follow the exposure and
    the processing, as CR consoles' histogram-based windowing does, and mean the same on every image.
    """

    name: str
    center: float
    width: float


#: the named presets a new user gets (brightness percentiles: lungs dark, mediastinum and bone bright)
DEFAULT_PRESETS: tuple[WindowPreset, ...] = (
    WindowPreset("Lung", 30.0, 50.0),
    WindowPreset("Mediastinum", 70.0, 40.0),
    WindowPreset("Bone", 87.0, 24.0),
    WindowPreset("Soft tissue", 50.0, 90.0),
)
#: at most this many named presets (the file's windows and these share Ctrl+1 ... Ctrl+9)
MAX_PRESETS = 9
#: the histogram is taken on at most about this many pixels (a regular stride: fast and deterministic)
_SAMPLE_PIXELS = 1 << 18


def _histogram_sample(image: XRayImage) -> np.ndarray:
    """Finite non-padding pixel values, every n-th one (float64)."""
    pixels = np.asarray(image.pixels)
    step = max(1, pixels.size // _SAMPLE_PIXELS)
    values = pixels.reshape(-1)[::step]
    if image.padding is not None and image.padding.shape == pixels.shape:
        values = values[~np.asarray(image.padding).reshape(-1)[::step]]
    values = values.astype(np.float64, copy=False)
    return values[np.isfinite(values)]


def named_windows(image: XRayImage, presets: Iterable[WindowPreset] = DEFAULT_PRESETS) -> list[Window]:
    """One Window per preset (in order, ``explanation`` = its name), in the image's Modality-LUT units.

    The preset's brightness range (centre +- width/2, clipped to 0..100 %) is taken on the pixels outside
    the padding; for an inverted image (MONOCHROME1 / INVERSE) bright on screen is low in value, so the
    percentiles are mirrored. A window is never narrower than 1 % of the pixel range, nor than one unit
    of integer data (a flat histogram would otherwise give a threshold).
    """
    presets = tuple(presets)
    values = _histogram_sample(image)
    d = image.display
    if values.size == 0:
        values = np.array([d.pixel_min, d.pixel_max], dtype=np.float64)
    lo_all, hi_all = float(values.min()), float(values.max())
    # never narrower than 1 % of the range, nor than one step of integer data (a flat histogram)
    min_width = max((hi_all - lo_all) / 100.0, 1.0 if np.asarray(image.pixels).dtype.kind in "iub" else 1e-6)
    out: list[Window] = []
    for p in presets:
        lo_b = min(max(p.center - p.width / 2.0, 0.0), 100.0)
        hi_b = min(max(p.center + p.width / 2.0, 0.0), 100.0)
        lo_q, hi_q = (100.0 - hi_b, 100.0 - lo_b) if d.inverted else (lo_b, hi_b)
        lo, hi = (float(v) for v in np.percentile(values, [lo_q, hi_q]))
        if hi - lo < min_width:
            mid = (lo + hi) / 2.0
            lo, hi = mid - min_width / 2.0, mid + min_width / 2.0
        w = full_range_window(lo, hi)
        out.append(Window(center=w.center, width=w.width, explanation=p.name, function=w.function))
    return out


def presets_to_json(presets: Sequence[WindowPreset]) -> dict[str, Any]:
    """The form the presets are saved in (``presets_from_json`` reads it back)."""
    return {"version": 1, "presets": [{"name": p.name, "center": p.center, "width": p.width} for p in presets]}


def presets_from_json(data: Any) -> tuple[WindowPreset, ...]:
    """Saved presets, checked: ValueError saying what is wrong (the caller falls back to the defaults).

    1 to ``MAX_PRESETS`` presets, each a unique non-empty name (at most 40 characters), a centre in
    0..100 and a width in (0, 100] (percent, see ``WindowPreset``).
    """
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("presets"), list):
        raise ValueError('expected {"version": 1, "presets": [...]}')
    items = data["presets"]
    if not 1 <= len(items) <= MAX_PRESETS:
        raise ValueError(f"expected 1 to {MAX_PRESETS} presets, got {len(items)}")
    out: list[WindowPreset] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"preset {i} is not an object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 40:
            raise ValueError(f"preset {i}: the name must be 1 to 40 characters")
        numbers: list[float] = []
        for what, v in (("centre", item.get("center")), ("width", item.get("width"))):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"preset {i} ({name.strip()}): the {what} must be a number")
            numbers.append(float(v))
        center, width = numbers
        if not 0.0 <= center <= 100.0:
            raise ValueError(f"preset {i} ({name.strip()}): the centre must be 0 to 100 %")
        if not 0.0 < width <= 100.0:
            raise ValueError(f"preset {i} ({name.strip()}): the width must be above 0 and at most 100 %")
        if any(p.name.casefold() == name.strip().casefold() for p in out):
            raise ValueError(f"preset {i}: the name {name.strip()!r} is used twice")
        out.append(WindowPreset(name.strip(), center, width))
    return tuple(out)

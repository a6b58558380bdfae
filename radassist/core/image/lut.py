"""The LUT inputs of the display pipeline, read from the data set (PS3.3 C.11), next to ``core.display``.

The Modality LUT is applied here (``pixels`` are its output, so windows are in its units); VOI windows,
VOI LUTs and the Presentation LUT are only parsed into records and applied by ``core.display``. A damaged
VOI or Presentation LUT is dropped with a note: the image still shows with the next choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from radassist.core.image.dataset import float_value, multi, text
from radassist.core.image.failures import short
from radassist.core.image.records import PresentationLut, VoiLut, Window

VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")
PRESENTATION_SHAPES = ("IDENTITY", "INVERSE")


def little_endian(ds: Any) -> bool:
    """Byte order of the OW values in ``ds`` (LUT Data): the encoding pydicom read the file with.

    ``original_encoding`` is what pydicom actually found (it also covers raw data sets without file meta);
    a data set built in memory falls back to its Transfer Syntax, else little endian.
    """
    little = ds.original_encoding[1]
    if little is None:
        meta = getattr(ds, "file_meta", None)
        uid = meta.get("TransferSyntaxUID") if meta is not None else None
        little = uid.is_little_endian if uid is not None and uid.is_transfer_syntax else True
    return bool(little)


def lut_item(item: Any, signed_input: bool, little: bool = True) -> tuple[int, np.ndarray, int]:
    """(first mapped value, table, bits) of a LUT Sequence item (PS3.3 C.11.1/C.11.2); ValueError if damaged.

    LUT Data may be US (pydicom gives numbers) or OW (raw bytes in the file's byte order, ``little``).
    """
    desc = [int(x) for x in item.LUTDescriptor]
    if len(desc) != 3:
        raise ValueError(f"LUT Descriptor has {len(desc)} values, not 3")
    n, first, bits = (desc[0] or 65536), desc[1], desc[2]
    if signed_input and first >= 32768:  # US-encoded descriptor of a signed input range
        first -= 65536
    raw = item.LUTData
    if isinstance(raw, (bytes, bytearray)):
        dtype = np.uint8 if len(raw) == n else np.dtype("<u2" if little else ">u2")
        table = np.frombuffer(raw, dtype=dtype).astype(np.int64)
    else:
        table = np.asarray(raw if isinstance(raw, Iterable) else [raw], dtype=np.int64)
    table = table[:n]
    if table.size == 0 or not 1 <= bits <= 16 or table.ndim != 1:
        raise ValueError("empty table or bad bit depth")
    return first, table, bits


def modality_lut(ds: Any, stored: np.ndarray, notes: list[str]) -> np.ndarray:
    """Apply the Modality LUT (sequence or rescale). Identity keeps the integer array (fast display LUT)."""
    if "ModalityLUTSequence" in ds and len(ds.ModalityLUTSequence):
        first, table, _bits = lut_item(ds.ModalityLUTSequence[0], stored.dtype.kind == "i", little_endian(ds))
        notes.append("Modality LUT Sequence applied.")
        idx = np.clip(stored.astype(np.int64) - first, 0, table.size - 1)
        return table.astype(np.uint16 if table.max(initial=0) <= 65535 else np.float32)[idx]
    slope = float_value(ds, "RescaleSlope", 1.0)
    intercept = float_value(ds, "RescaleIntercept", 0.0)
    if slope == 0.0 or not np.isfinite(slope) or not np.isfinite(intercept):
        notes.append("Rescale Slope/Intercept invalid in the file: stored values shown.")
        return stored
    if slope == 1.0 and intercept == 0.0:
        return stored
    if slope == 1.0 and float(intercept).is_integer() and stored.dtype.kind in "ui" and stored.dtype.itemsize <= 2:
        out = stored.astype(np.int32) + int(intercept)
        if out.size and out.min() >= -32768 and out.max() <= 32767:
            return out.astype(np.int16)
        if out.size and out.min() >= 0 and out.max() <= 65535:
            return out.astype(np.uint16)
        return out.astype(np.float32)
    out = stored.astype(np.float32)
    out *= np.float32(slope)
    out += np.float32(intercept)
    return out


def windows(ds: Any, notes: list[str]) -> tuple[Window, ...]:
    """Window Center/Width pairs in file order, with the VOI LUT Function; invalid pairs dropped with a note."""
    centers, widths = multi(ds, "WindowCenter"), multi(ds, "WindowWidth")
    explanations = [str(x) for x in multi(ds, "WindowCenterWidthExplanation")]
    function = text(ds, "VOILUTFunction").upper() or "LINEAR"
    if function not in VOI_FUNCTIONS:
        notes.append(f"Unknown VOI LUT Function {function!r}: LINEAR used.")
        function = "LINEAR"
    out = []
    for i, (c, w) in enumerate(zip(centers, widths, strict=False)):
        try:
            c, w = float(c), float(w)
        except (TypeError, ValueError):
            continue
        if not (np.isfinite(c) and np.isfinite(w)) or w <= 0 or (function == "LINEAR" and w < 1):
            notes.append(f"Window {i + 1} in the file is invalid (center {c:g}, width {w:g}): ignored.")
            continue
        out.append(Window(center=c, width=w, explanation=explanations[i] if i < len(explanations) else "",
                          function=function))
    return tuple(out)


def voi_luts(ds: Any, signed_input: bool, notes: list[str]) -> tuple[VoiLut, ...]:
    """The VOI LUT Sequence items; a damaged one is skipped with a note (a window still works)."""
    if "VOILUTSequence" not in ds:
        return ()
    out = []
    little = little_endian(ds)
    for i, item in enumerate(ds.VOILUTSequence):
        try:
            first, table, bits = lut_item(item, signed_input, little)
        except Exception as exc:  # noqa: BLE001 - a damaged LUT is skipped, the window still works
            notes.append(f"VOI LUT {i + 1} in the file is damaged ({short(exc, 60)}): ignored.")
            continue
        out.append(VoiLut(first_mapped=first, table=table.astype(np.float32), bits=bits,
                          explanation=text(item, "LUTExplanation")))
    return tuple(out)


def presentation(ds: Any, photometric: str, notes: list[str]) -> tuple[str, PresentationLut | None]:
    """(Presentation LUT Shape, Presentation LUT Sequence item) as the file asks (PS3.3 C.11.6).

    A shape other than IDENTITY/INVERSE (``LIN OD`` is for film printers) and a damaged sequence are
    ignored with a note. Shapes that contradict MONOCHROME1/2 get a note saying what is shown.
    """
    table: PresentationLut | None = None
    if "PresentationLUTSequence" in ds:
        try:
            first, values, bits = lut_item(ds.PresentationLUTSequence[0], False, little_endian(ds))
            if first != 0:
                raise ValueError(f"first mapped value {first}, not 0")
            table = PresentationLut(table=values.astype(np.float32), bits=bits,
                                    explanation=text(ds.PresentationLUTSequence[0], "LUTExplanation"))
            notes.append("Presentation LUT Sequence applied.")
        except Exception as exc:  # noqa: BLE001 - a damaged LUT is skipped: identity is shown
            notes.append(f"Presentation LUT in the file is damaged ({short(exc, 60)}): ignored.")
    shape = text(ds, "PresentationLUTShape").upper()
    if shape and shape not in PRESENTATION_SHAPES:
        notes.append(f"Presentation LUT Shape {shape!r} is not for screens: ignored.")
        shape = ""
    if shape == "IDENTITY" and photometric == "MONOCHROME1":
        notes.append("Presentation LUT Shape IDENTITY contradicts MONOCHROME1: shown as MONOCHROME1 (inverted).")
    elif shape == "INVERSE" and photometric == "MONOCHROME2":
        notes.append("Presentation LUT Shape INVERSE: the file asks for an inverted display.")
    return shape, table

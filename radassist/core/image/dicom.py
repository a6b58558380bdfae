"""DICOM file -> ``XRayImage``: checks from the header, pixel decoding (which backend), metadata.

``pixels`` are the stored values after the Modality LUT; the VOI step, the Presentation LUT and
MONOCHROME1 inversion happen in ``core.display`` (their inputs are parsed by ``lut``). ``pixel_sha256``
is of the stored array exactly as pydicom's ``pixel_array`` returns it, so lossless transcodes share it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np

from radassist.core.errors import (
    CodecUnavailableError,
    CorruptPixelDataError,
    MultiFrameError,
    UnsupportedPhotometricError,
)
from radassist.core.image import lut
from radassist.core.image.codecs import imagecodecs as fast
from radassist.core.image.codecs import openjpeg
from radassist.core.image.codecs.plugins import require_decoder
from radassist.core.image.codecs.syntaxes import J2K_SYNTAXES
from radassist.core.image.dataset import (
    float_value,
    int_value,
    multi,
    no_pixels_error,
    read_dataset,
    sop_name,
    text,
    transfer_syntax,
    ts_name,
)
from radassist.core.image.records import PATIENT_FIELDS, DisplayInfo, ImageMeta, Source, XRayImage
from radassist.core.image.sniff import check_size

log = logging.getLogger(__name__)

#: meta.fields keys taken from DICOM as text (patient fields go to meta.patient instead)
_TEXT_FIELDS = ("Modality", "BodyPartExamined", "ViewPosition", "StudyDate", "StudyTime", "StudyDescription",
                "SeriesDescription", "SeriesNumber", "InstanceNumber", "SOPClassUID", "SOPInstanceUID",
                "StudyInstanceUID", "SeriesInstanceUID", "Manufacturer", "ManufacturerModelName",
                "ConversionType", "LossyImageCompression", "PatientOrientation", "ImageLaterality",
                "PixelSpacingCalibrationType")


def load_dicom(path: Path, data: bytes, kind: str, *, reduced: int, max_pixels: int) -> XRayImage:
    """Decode the DICOM file whose bytes are ``data``; ``reduced`` > 1 asks for a JPEG 2000 preview."""
    ds, _end = read_dataset(io.BytesIO(data), path, kind, header_only=False)
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise no_pixels_error(ds, path)
    frames = int_value(ds, "NumberOfFrames", 1)
    if frames > 1:
        raise MultiFrameError(f"{path.name} holds {frames} frames ({sop_name(ds)}); RadAssist reads single "
                              "chest radiographs.", hint="Open a single-frame projection radiograph (CR/DX).")
    photometric = text(ds, "PhotometricInterpretation").upper()
    samples = int_value(ds, "SamplesPerPixel", 1)
    if not photometric:
        raise CorruptPixelDataError(f"{path.name} has pixel data but no Photometric Interpretation, so it "
                                    "cannot be displayed safely.", hint="The header is damaged: fetch the file again.")
    if photometric not in ("MONOCHROME1", "MONOCHROME2") or samples != 1:
        raise UnsupportedPhotometricError(
            f"{path.name} is a {photometric or 'colour'} image ({samples} samples per pixel); a chest "
            "radiograph is grayscale (MONOCHROME1 or MONOCHROME2).",
            hint="Open the original grayscale radiograph rather than a colour screenshot or palette image.")
    rows, cols = int_value(ds, "Rows"), int_value(ds, "Columns")
    bits_allocated, bits_stored = int_value(ds, "BitsAllocated"), int_value(ds, "BitsStored")
    signed = int_value(ds, "PixelRepresentation") == 1
    check_size(path, rows, cols, max_pixels)
    if bits_allocated not in (1, 8, 16, 32) or not 1 <= bits_stored <= bits_allocated:
        raise CorruptPixelDataError(f"{path.name} declares {bits_stored} bits stored in {bits_allocated} "
                                    "bits allocated, which no radiograph uses.",
                                    hint="The header is damaged: fetch the file again.")
    if "PixelData" not in ds:
        raise UnsupportedPhotometricError(f"{path.name} stores floating-point pixels, which RadAssist does not "
                                          "display.", hint="Open a CR/DX radiograph with integer pixels.")
    ts = transfer_syntax(ds)
    notes: list[str] = []
    if getattr(ds, "file_meta", None) is None or "TransferSyntaxUID" not in ds.file_meta:
        from pydicom.dataset import FileMetaDataset

        if getattr(ds, "file_meta", None) is None:
            ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ts  # no file meta: decode with the encoding pydicom detected
        notes.append("No DICOM file meta header: transfer syntax inferred.")
    stored, downscale = _decode(ds, path, ts, rows, cols, bits_allocated, signed, reduced)
    sha = hashlib.sha256(stored.tobytes()).hexdigest() if downscale == 1 else ""
    if not stored.dtype.isnative:  # big-endian transfer syntax: hashed as pydicom returns it, then native
        stored = stored.astype(stored.dtype.newbyteorder("="))
    stored = _respect_bits_stored(stored, bits_stored, signed)
    padding = _padding_mask(ds, stored, notes)
    pixels = lut.modality_lut(ds, stored, notes)
    image_values = pixels[~padding] if padding is not None else pixels
    lo, hi = (float(image_values.min()), float(image_values.max())) if image_values.size else (0.0, 1.0)
    windows = lut.windows(ds, notes)
    voi_luts = lut.voi_luts(ds, signed or lo < 0, notes)
    shape, presentation_lut = lut.presentation(ds, photometric, notes)
    fields, patient = _dicom_meta(ds, ts, notes)
    if downscale > 1:
        notes.append(f"Reduced-resolution preview (1/{downscale}); full resolution follows.")
    return XRayImage(
        pixels=pixels,
        display=DisplayInfo(photometric=photometric, bits_stored=bits_stored, windows=windows,
                            voi_luts=voi_luts, pixel_min=lo, pixel_max=hi, presentation_shape=shape,
                            presentation_lut=presentation_lut),
        meta=ImageMeta(fields=fields, patient=patient, notes=tuple(notes)),
        pixel_sha256=sha,
        source=Source(path=path, format="DICOM", transfer_syntax=ts, transfer_syntax_name=ts_name(ts),
                      file_size=len(data)),
        downscale=downscale,
        padding=padding,
    )


def _decode(ds: Any, path: Path, ts: str, rows: int, cols: int, bits_allocated: int, signed: bool,
            reduced: int) -> tuple[np.ndarray, int]:
    """Stored pixels (native dtype, exactly as pydicom's ``pixel_array``) and the downscale factor.

    Order: a reduced JPEG 2000 level when asked (OpenJPEG via ctypes), else the imagecodecs plugin where
    it is faster, else pydicom's own plugins (which also decide what a damaged stream means).
    """
    from pydicom.uid import UID

    uid = UID(ts or "1.2.840.10008.1.2")
    if not uid.is_transfer_syntax:
        raise CodecUnavailableError(f"{path.name} uses an unknown transfer syntax ({uid}), which RadAssist cannot "
                                    "decode.", hint="Ask the sender for an uncompressed or JPEG/JPEG 2000 copy.")
    fast_ok = False
    if uid.is_compressed:
        fast_ok = fast.handles(ts, signed) and fast.register(uid)
        require_decoder(uid, path)
    else:
        expected = (rows * cols * bits_allocated + 7) // 8
        have = len(ds.PixelData)
        if have < expected:
            raise CorruptPixelDataError(f"The pixel data of {path.name} is truncated: {have:,} of {expected:,} "
                                        "bytes are present.", hint="The transfer was interrupted: fetch the file again.")
    if reduced > 1 and ts in J2K_SYNTAXES:
        factor = max(1, int(reduced).bit_length() - 1)
        arr = openjpeg.j2k_reduced(_first_frame(ds.PixelData), factor, bits_allocated=bits_allocated, signed=signed)
        if arr is not None and arr.ndim == 2:
            return np.ascontiguousarray(arr), max(1, round(cols / arr.shape[1]))
    arr = _decode_with(ds, uid, fast.PLUGIN) if fast_ok else None
    if arr is None:
        arr = ds.pixel_array
    if arr.ndim != 2 or arr.shape != (rows, cols):
        raise CorruptPixelDataError(f"{path.name} decoded to shape {arr.shape}, not the {rows}×{cols} its header "
                                    "declares.", hint="The file is damaged: fetch it again.")
    return arr, 1


def _decode_with(ds: Any, uid: Any, plugin: str) -> np.ndarray | None:
    """``pixel_array`` through one named pydicom plugin; None when it fails (pydicom's defaults then decide)."""
    from pydicom.pixels import get_decoder

    try:
        arr, _overrides = get_decoder(uid).as_array(ds, decoding_plugin=plugin)
    except Exception as exc:  # noqa: BLE001 - e.g. a codec error: pydicom's own plugins decide
        log.debug("%s failed on %s, using pydicom's plugins: %s", plugin, uid.name, exc)
        return None
    return arr


def _first_frame(pixel_data: bytes) -> bytes:
    """The single frame of encapsulated Pixel Data (multi-frame objects were refused before)."""
    from pydicom.encaps import generate_frames

    return next(generate_frames(pixel_data, number_of_frames=1))


def _respect_bits_stored(arr: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Clear bits above BitsStored (unsigned) or sign-extend from it (signed); overlays live up there."""
    nbits = arr.dtype.itemsize * 8
    if arr.dtype.kind not in "ui" or bits_stored >= nbits:
        return arr
    if not signed:
        return np.bitwise_and(arr, arr.dtype.type((1 << bits_stored) - 1))
    shift = nbits - bits_stored
    return np.right_shift(np.left_shift(arr, shift), shift)


def _padding_mask(ds: Any, stored: np.ndarray, notes: list[str]) -> np.ndarray | None:
    """Pixels marked as padding (PS3.3 C.7.5.1.1.2): Pixel Padding Value, up to Pixel Padding Range Limit
    when given, compared with the stored values before the Modality LUT. None when nothing is padding."""
    if "PixelPaddingValue" not in ds or stored.dtype.kind not in "ui":
        return None
    try:
        first = int(ds.PixelPaddingValue)
        last = int(ds.PixelPaddingRangeLimit) if "PixelPaddingRangeLimit" in ds else first
    except (TypeError, ValueError):
        notes.append("Pixel Padding Value unreadable: ignored.")
        return None
    lo, hi = min(first, last), max(first, last)
    mask = stored == lo if lo == hi else (stored >= lo) & (stored <= hi)
    count = int(np.count_nonzero(mask))
    if count == 0:
        return None
    if count == mask.size:
        notes.append("Pixel Padding Value covers every pixel: ignored.")
        return None
    notes.append(f"Pixel padding ({count:,} pixels) shown black and left out of the automatic window.")
    return mask


def _dicom_meta(ds: Any, ts: str, notes: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields: dict[str, Any] = {k: v for k in _TEXT_FIELDS if (v := text(ds, k))}
    for k in ("Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation"):
        fields[k] = int_value(ds, k)
    fields["PhotometricInterpretation"] = text(ds, "PhotometricInterpretation")
    fields["TransferSyntaxUID"] = ts
    fields["TransferSyntaxName"] = ts_name(ts)
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        fields["RescaleSlope"] = float_value(ds, "RescaleSlope", 1.0)
        fields["RescaleIntercept"] = float_value(ds, "RescaleIntercept", 0.0)
        if rt := text(ds, "RescaleType"):
            fields["RescaleType"] = rt
    # PixelSpacing: patient plane. ImagerPixelSpacing: detector plane (includes geometric magnification).
    for key, plane in (("PixelSpacing", "patient plane"), ("ImagerPixelSpacing", "detector plane")):
        if key not in ds:
            continue
        spacing = _spacing(ds, key)
        if spacing is None:
            notes.append(f"{key} in the file ({text(ds, key) or 'empty'}) is not usable: no {plane} spacing.")
        else:
            fields[key] = spacing
    if text(ds, "PresentationIntentType").upper() == "FOR PROCESSING":
        fields["PresentationIntentType"] = "FOR PROCESSING"
        notes.append("FOR PROCESSING image (raw detector data): not meant for diagnostic display.")
    if shape := text(ds, "PresentationLUTShape").upper():
        fields["PresentationLUTShape"] = shape
    patient = {k: v for k in PATIENT_FIELDS if (v := text(ds, k))}
    return fields, patient


def _spacing(ds: Any, key: str) -> list[float] | None:
    try:
        values = [float(x) for x in multi(ds, key)]
    except (TypeError, ValueError):
        return None
    if len(values) != 2 or not all(np.isfinite(v) and v > 0 for v in values):
        return None
    return values

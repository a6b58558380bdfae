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
    DamagedPixelDataError,
    DecompressionBombError,
    MultiFrameError,
    UnsupportedPhotometricError,
    UnsupportedPixelDataError,
)
from radassist.core.image import decode, lut
from radassist.core.image.codecs import sandbox
from radassist.core.image.codecs.headers import MAX_SCANS, FrameHeaderError, frame_header
from radassist.core.image.codecs.plugins import require_decoder
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
from radassist.core.image.sniff import MAX_SIDE, check_size

log = logging.getLogger(__name__)

#: meta.fields keys taken from DICOM as text (patient fields go to meta.patient instead)
_TEXT_FIELDS = ("Modality", "BodyPartExamined", "ViewPosition", "StudyDate", "StudyTime", "StudyDescription",
                "SeriesDescription", "SeriesNumber", "InstanceNumber", "SOPClassUID", "SOPInstanceUID",
                "StudyInstanceUID", "SeriesInstanceUID", "Manufacturer", "ManufacturerModelName",
                "ConversionType", "LossyImageCompression", "PatientOrientation", "ImageLaterality",
                "PixelSpacingCalibrationType")
#: Parametric Map Storage: quantities (e.g. ADC, T1) rather than a radiograph, usually floating point
PARAMETRIC_MAP_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.30"
#: JPEG 2000 tiles per frame (real radiographs use one; a million 1-pixel tiles is a denial of service)
MAX_TILES = 4096
#: decode time limit in a worker: this floor plus so much per Mpixel (RG1, 3.6 Mpixel, decodes in < 1 s)
DECODE_SECONDS_MIN = 5.0
DECODE_SECONDS_PER_MPIXEL = 1.0
#: a worker's extra address space for one frame: this floor plus so much per pixel (codec buffers + array)
DECODE_MEMORY_MIN = 512 << 20
DECODE_MEMORY_PER_PIXEL = 16


def load_dicom(path: Path, data: bytes, kind: str, *, reduced: int, max_pixels: int,
               decode_seconds: float | None = None) -> XRayImage:
    """Decode the DICOM file whose bytes are ``data``; ``reduced`` > 1 asks for a JPEG 2000 preview.

    Compressed frames are decoded in a worker process (``codecs.sandbox``) within ``decode_seconds``
    (default: ``DECODE_SECONDS_MIN`` + ``DECODE_SECONDS_PER_MPIXEL`` per Mpixel)."""
    ds, _end = read_dataset(io.BytesIO(data), path, kind, header_only=False)
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise no_pixels_error(ds, path)
    _refuse_parametric(ds, path)
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
    ts = transfer_syntax(ds)
    notes: list[str] = []
    if getattr(ds, "file_meta", None) is None or "TransferSyntaxUID" not in ds.file_meta:
        from pydicom.dataset import FileMetaDataset

        if getattr(ds, "file_meta", None) is None:
            ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ts  # no file meta: decode with the encoding pydicom detected
        notes.append("No DICOM file meta header: transfer syntax inferred.")
    stored, downscale = _decode(ds, data, kind, path, ts, (rows, cols, bits_allocated, signed), reduced,
                                max_pixels, decode_seconds)
    sha = hashlib.sha256(np.ascontiguousarray(stored).data).hexdigest() if downscale == 1 else ""
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


def _refuse_parametric(ds: Any, path: Path) -> None:
    """Float / Double Float Pixel Data and Parametric Maps are valid DICOM that RadAssist does not display:
    say so (they used to be refused as "damaged")."""
    floats = [k for k in ("FloatPixelData", "DoubleFloatPixelData") if k in ds]
    if not floats and text(ds, "SOPClassUID") != PARAMETRIC_MAP_SOP_CLASS:
        return
    kind = ("floating-point pixels (" + " and ".join("Double Float Pixel Data" if k.startswith("Double")
                                                     else "Float Pixel Data" for k in floats) + ")"
            if floats else "a parametric map")
    raise UnsupportedPixelDataError(
        f"{path.name} is a {sop_name(ds)} with {kind}: a map of measured quantities, not a radiograph. "
        "RadAssist displays and analyses CR/DX images with integer pixels only.",
        hint="Open it in a viewer for parametric maps; for a chest X-ray, open the CR/DX image itself.")


def _decode(ds: Any, data: bytes, kind: str, path: Path, ts: str, layout: tuple[int, int, int, bool], reduced: int,
            max_pixels: int, decode_seconds: float | None) -> tuple[np.ndarray, int]:
    """Stored pixels (native dtype, exactly as pydicom's ``pixel_array``) and the downscale factor.

    Uncompressed data is checked for length and read here; a compressed frame's own header is checked here
    (bombs, scans, end marker), then the frame is decoded in a worker process with a time and memory limit.
    """
    from pydicom.uid import UID

    rows, cols, bits_allocated, signed = layout
    uid = UID(ts or "1.2.840.10008.1.2")
    if not uid.is_transfer_syntax:
        raise CodecUnavailableError(f"{path.name} uses an unknown transfer syntax ({uid}), which RadAssist cannot "
                                    "decode.", hint="Ask the sender for an uncompressed or JPEG/JPEG 2000 copy.")
    if not uid.is_compressed:
        expected = (rows * cols * bits_allocated + 7) // 8
        have = len(ds.PixelData)
        if have < expected:
            raise DamagedPixelDataError(f"The pixel data of {path.name} is truncated: {have:,} of {expected:,} "
                                        "bytes are present.", hint="The transfer was interrupted: fetch the file again.")
        return decode.decode_dataset(ds, path.name, ts, rows, cols, bits_allocated, signed, 1)
    require_decoder(uid, path)
    check_frame(path, decode.first_frame(ds.PixelData), ts, rows, cols, max_pixels)
    pixels = rows * cols
    timeout = decode_seconds if decode_seconds is not None else (
        DECODE_SECONDS_MIN + DECODE_SECONDS_PER_MPIXEL * pixels / 1e6)
    result: tuple[np.ndarray, int] = sandbox.run(
        decode.decode_file, data, kind, ts, path.name, rows, cols, bits_allocated, signed, reduced,
        timeout=timeout, memory=DECODE_MEMORY_MIN + DECODE_MEMORY_PER_PIXEL * pixels, name=path.name)
    return result


def check_frame(path: Path, frame: bytes, ts: str, rows: int, cols: int, max_pixels: int) -> None:
    """Refuse a compressed frame from its own header, before any decoder allocates: a size beyond the limits
    or other than Rows x Columns, more than one component, too many scans or tiles, no end marker."""
    name = path.name
    try:
        header = frame_header(frame, ts)
    except FrameHeaderError as exc:
        raise DamagedPixelDataError(f"The compressed image data in {name} is damaged: {exc}.",
                                    hint=decode.HINT_FETCH) from exc
    if header is None:
        return
    fr, fc = header.rows, header.cols
    if fr > MAX_SIDE or fc > MAX_SIDE or fr * fc > max_pixels or fr * fc > rows * cols:
        raise DecompressionBombError(
            f"The compressed frame in {name} declares {fc}×{fr} pixels ({fr * fc / 1e6:,.0f} Mpixel) although the "
            f"file says {cols}×{rows}, so it was not decoded.",
            hint="The file is damaged or hostile: fetch it again from the PACS and report it if this repeats.")
    if (fr, fc) != (rows, cols):
        raise DamagedPixelDataError(f"The compressed frame in {name} is {fc}×{fr} pixels, not the {cols}×{rows} its "
                                    "header declares.", hint=decode.HINT_FETCH)
    if header.components != 1:
        raise DamagedPixelDataError(f"The compressed frame in {name} has {header.components} colour components; "
                                    "its header declares one (grayscale).", hint=decode.HINT_FETCH)
    if header.scans > MAX_SCANS:
        raise DecompressionBombError(f"The JPEG frame in {name} has {header.scans:,} scans (at most {MAX_SCANS} are "
                                     "decoded): it would take minutes to decode.", hint="The file is damaged or "
                                     "hostile: fetch it again from the PACS and report it if this repeats.")
    if header.tiles > MAX_TILES:
        raise DecompressionBombError(f"The JPEG 2000 frame in {name} has {header.tiles:,} tiles (at most "
                                     f"{MAX_TILES:,}).", hint="The file is damaged or hostile: fetch it again.")
    if not header.ends:
        raise DamagedPixelDataError(f"The compressed image data in {name} is truncated (its end marker is missing).",
                                    hint="The transfer was interrupted: fetch the file again.")


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

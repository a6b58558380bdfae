"""PNG and JPEG files: size from the header (before decoding), then OpenCV decodes; colour becomes gray.

Their ``pixel_sha256`` is of the array OpenCV decodes, before any gray conversion.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from radassist.core.errors import CorruptPixelDataError, DecompressionBombError, UnsupportedFormatError
from radassist.core.image.codecs.headers import MAX_SCANS, jpeg_scans
from radassist.core.image.records import DisplayInfo, ImageMeta, Source, Window, XRayImage
from radassist.core.image.sniff import check_size


def raster_header(data: bytes, kind: str, path: Path) -> tuple[int, int, int, int]:
    """(height, width, bits per sample, channels) from the PNG IHDR or the JPEG frame header."""
    if kind == "PNG":
        if len(data) < 33 or data[12:16] != b"IHDR":
            raise CorruptPixelDataError(f"{path.name} is a damaged PNG file (no image header).",
                                        hint="Export or copy the image again.")
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(data[25], 0)
        return height, width, data[24], channels
    i, n = 2, len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seg = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            bits = data[i + 4]
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            return height, width, bits, data[i + 9] if i + 9 < n else 0
        if marker == 0xDA or seg < 2:
            break
        i += 2 + seg
    raise CorruptPixelDataError(f"{path.name} is a damaged JPEG file (no frame header).",
                                hint="Export or copy the image again.")


def load_raster(path: Path, data: bytes, kind: str, *, max_pixels: int) -> XRayImage:
    """Decode a PNG/JPEG whose bytes are ``data`` into a MONOCHROME2 ``XRayImage``."""
    import cv2

    height, width, _bits, _channels = raster_header(data, kind, path)
    check_size(path, height, width, max_pixels)
    if kind == "JPEG" and data.rfind(b"\xff\xd9") < 0:
        raise CorruptPixelDataError(f"{path.name} is truncated (the JPEG end marker is missing).",
                                    hint="The copy was interrupted: fetch the file again.")
    if kind == "JPEG" and (scans := jpeg_scans(data)) > MAX_SCANS:
        raise DecompressionBombError(f"{path.name} is a JPEG with {scans:,} scans (at most {MAX_SCANS} are decoded): "
                                     "it would take minutes to decode.", hint="Export the image again as PNG or a "
                                     "baseline JPEG.")
    arr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.ndim not in (2, 3) or arr.shape[:2] != (height, width):
        raise CorruptPixelDataError(f"The {kind} image data in {path.name} is damaged or truncated.",
                                    hint="Fetch or export the image again.")
    if arr.dtype not in (np.uint8, np.uint16):
        raise UnsupportedFormatError(f"{path.name} has {arr.dtype} samples; RadAssist reads 8- and 16-bit images.",
                                     hint="Export it as an 8- or 16-bit PNG.")
    sha = hashlib.sha256(np.ascontiguousarray(arr).data).hexdigest()
    notes: list[str] = []
    if arr.ndim == 3:
        arr = _to_gray(arr, notes)
    bits_stored = 16 if arr.dtype == np.uint16 else 8
    windows = (Window(center=128.0, width=256.0, explanation="Full 8-bit range"),) if bits_stored == 8 else ()
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 1.0)
    fields = {"Rows": int(arr.shape[0]), "Columns": int(arr.shape[1]), "BitsStored": bits_stored,
              "PhotometricInterpretation": "MONOCHROME2", "Format": kind}
    return XRayImage(
        pixels=arr,
        display=DisplayInfo(photometric="MONOCHROME2", bits_stored=bits_stored, windows=windows,
                            pixel_min=lo, pixel_max=hi),
        meta=ImageMeta(fields=fields, patient={}, notes=tuple(notes)),
        pixel_sha256=sha,
        source=Source(path=path, format=kind, file_size=len(data)),
        downscale=1,
    )


def _to_gray(arr: np.ndarray, notes: list[str]) -> np.ndarray:
    """(H, W, C) BGR[A] from OpenCV -> (H, W): identical channels kept as they are, colour as BT.601 luma."""
    import cv2

    color = arr[..., :3] if arr.shape[2] >= 3 else arr[..., :1]
    if arr.shape[2] in (2, 4):
        notes.append("Alpha channel ignored.")
    if color.shape[2] == 1 or (np.array_equal(color[..., 0], color[..., 1])
                               and np.array_equal(color[..., 0], color[..., 2])):
        if color.shape[2] == 3:
            notes.append("RGB image with identical channels: read as grayscale.")
        return np.ascontiguousarray(color[..., 0])
    notes.append("Colour image converted to grayscale (ITU-R BT.601 luma); a chest X-ray should be grayscale.")
    return cv2.cvtColor(np.ascontiguousarray(color), cv2.COLOR_BGR2GRAY)

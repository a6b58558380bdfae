"""``load_image``: the one entry point from a file to an ``XRayImage`` (DICOM, PNG or JPEG).

Everything a user can feed in ends either as an image or as one specific ``ImageError`` subclass with a
message that says what is wrong and what to do: library exceptions never escape. The steps live in
``sniff`` (what the file is, size limits), ``dicom`` and ``raster``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from radassist.core.errors import CorruptPixelDataError, ImageTooLargeError, RadAssistError
from radassist.core.image.dicom import load_dicom
from radassist.core.image.failures import is_library_failure, path_digest, short
from radassist.core.image.raster import load_raster
from radassist.core.image.records import XRayImage
from radassist.core.image.sniff import MAX_PIXELS, read_file, sniff

log = logging.getLogger(__name__)

__all__ = ["load_image"]


def load_image(path: str | os.PathLike[str], *, reduced: int = 1, max_pixels: int = MAX_PIXELS,
               decode_seconds: float | None = None) -> XRayImage:
    """Decode ``path`` (DICOM, PNG or JPEG) into an ``XRayImage``.

    ``reduced`` (2, 4, ...) asks for a faster reduced-resolution first paint; only JPEG 2000 can provide
    one (the result then has ``downscale`` > 1 and an empty ``pixel_sha256``, because the image's identity
    needs the full pixels). Other formats return full resolution with ``downscale == 1``.
    Raises an ``ImageError`` subclass for anything that is not a single-frame grayscale image.

    ``pixel_sha256`` is the SHA-256 of the decoded stored pixel array in its native dtype, exactly as
    pydicom's ``pixel_array`` returns it (for PNG/JPEG: the array OpenCV decodes, before any gray
    conversion), so lossless transcodes of one image share one identity.

    Compressed DICOM frames are checked from their own header first (size, scans, end marker), then decoded
    in a worker process that is stopped after ``decode_seconds`` (default: scaled with the image size).
    """
    p = Path(os.fsdecode(path))
    data, _size = read_file(p)
    kind = sniff(data, p)
    try:
        if kind.startswith("DICOM"):
            return load_dicom(p, data, kind, reduced=max(1, int(reduced)), max_pixels=max_pixels,
                              decode_seconds=decode_seconds)
        return load_raster(p, data, kind, max_pixels=max_pixels)
    except RadAssistError as exc:
        log.info("image refused: file %s: %s", path_digest(p), exc.code)
        raise
    except MemoryError as exc:
        raise ImageTooLargeError(f"Not enough memory to decode {p.name}.",
                                 hint="Close other images or programs and try again.") from exc
    except BaseException as exc:
        if not is_library_failure(exc):
            raise
        # the file name may carry the patient's name, and a library's message may quote it: neither is logged
        log.info("decode failed for file %s: %s", path_digest(p), type(exc).__name__)
        raise CorruptPixelDataError(f"The image data in {p.name} is damaged or cannot be decoded "
                                    f"({type(exc).__name__}: {short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc

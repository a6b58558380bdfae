"""Stored pixels of a DICOM data set: which backend decodes, and what counts as damage.

``decode_file`` is what a decode worker (``codecs.sandbox``) runs for a compressed frame: it reads the
data set from the file's bytes, checks the frame for damage the pixel decoders would hide (libjpeg-turbo's
warnings for JPEG, CharLS's errors for JPEG-LS), then decodes. ``decode_dataset`` is the decode itself,
also used in the app for uncompressed data (no codec runs there).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from typing import Any

import numpy as np

from radassist.core.errors import CorruptPixelDataError, DamagedPixelDataError
from radassist.core.image.codecs import imagecodecs as fast
from radassist.core.image.codecs import libjpeg_turbo, openjpeg, sandbox
from radassist.core.image.codecs.headers import frame_header
from radassist.core.image.codecs.syntaxes import J2K_SYNTAXES, JPEG_SYNTAXES, JPEGLS_SYNTAXES, LJPEG_SYNTAXES

log = logging.getLogger(__name__)

HINT_FETCH = "Fetch the file again from the PACS or the sender."
#: pydicom warnings that mean the pixel data is incomplete or inconsistent (others, e.g. a J2K precision
#: that differs from Bits Stored, are about metadata and do not change the picture)
_DAMAGE_WARNING = re.compile(r"truncat|insufficient|fewer|missing|corrupt|premature|not enough|doesn't match the "
                             r"expected|does not match the expected|invalid", re.IGNORECASE)


def first_frame(pixel_data: bytes) -> bytes:
    """The single frame of encapsulated Pixel Data (multi-frame objects were refused before)."""
    from pydicom.encaps import generate_frames

    return next(generate_frames(pixel_data, number_of_frames=1))


def decode_file(data: bytes, kind: str, ts: str, name: str, rows: int, cols: int, bits_allocated: int,
                signed: bool, reduced: int) -> tuple[np.ndarray, int]:
    """In a decode worker: the file's bytes -> (stored pixels, downscale). Raises ``DamagedPixelDataError``."""
    import pydicom
    from pydicom.dataset import FileMetaDataset

    ds = pydicom.dcmread(io.BytesIO(data), force=(kind == "DICOM-raw"))
    if getattr(ds, "file_meta", None) is None:
        ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in ds.file_meta:
        from pydicom.uid import UID

        ds.file_meta.TransferSyntaxUID = UID(ts)
    check_damage(first_frame(ds.PixelData), ts, name, signed)
    return decode_dataset(ds, name, ts, rows, cols, bits_allocated, signed, reduced)


def check_damage(frame: bytes, ts: str, name: str, signed: bool) -> None:
    """Refuse a frame a stricter decoder reports as damaged. JPEG: any libjpeg-turbo warning (cut, zeroed or
    truncated entropy-coded data); JPEG-LS: a CharLS error. Only in a worker (a fatal libjpeg error exits)."""
    if not sandbox.in_worker():
        return
    if ts in JPEG_SYNTAXES:
        header = frame_header(frame, ts)
        if header is None or header.components != 1:
            return
        count = libjpeg_turbo.jpeg_warnings(frame, header.rows, header.cols, header.precision,
                                            lossless=ts in LJPEG_SYNTAXES or header.marker in (0xC3, 0xC7))
        if count:
            raise DamagedPixelDataError(f"The JPEG image data in {name} is damaged (the decoder reported {count} "
                                        "problem(s): corrupt or missing data), so it is not shown.", hint=HINT_FETCH)
    elif ts in JPEGLS_SYNTAXES and signed:  # unsigned JPEG-LS is decoded by CharLS itself below
        import imagecodecs

        try:
            imagecodecs.jpegls_decode(frame)
        except imagecodecs.JpeglsError as exc:
            raise _damaged(name, exc) from exc


def _damaged(name: str, exc: BaseException) -> DamagedPixelDataError:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return DamagedPixelDataError(f"The image data in {name} is damaged ({type(exc).__name__}: {text}), so it is "
                                 "not shown.", hint=HINT_FETCH)


def decode_dataset(ds: Any, name: str, ts: str, rows: int, cols: int, bits_allocated: int, signed: bool,
                   reduced: int) -> tuple[np.ndarray, int]:
    """Stored pixels (native dtype, exactly as pydicom's ``pixel_array``) and the downscale factor.

    Order: a reduced JPEG 2000 level when asked (OpenJPEG via ctypes), else the imagecodecs plugin where
    it handles the syntax, else pydicom's own plugins. A codec error from imagecodecs is damage: falling
    back to a laxer decoder is how damaged frames used to be shown as valid. Decoder warnings that say
    data is missing are damage too.
    """
    from pydicom.uid import UID

    uid = UID(ts)
    if reduced > 1 and ts in J2K_SYNTAXES:
        factor = max(1, int(reduced).bit_length() - 1)
        arr = openjpeg.j2k_reduced(first_frame(ds.PixelData), factor, bits_allocated=bits_allocated, signed=signed)
        if arr is not None and arr.ndim == 2:
            return np.ascontiguousarray(arr), max(1, round(cols / arr.shape[1]))
    fast_ok = uid.is_compressed and fast.handles(ts, signed) and fast.register(uid)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arr = _decode_with(ds, uid, fast.PLUGIN, name) if fast_ok else None
        if arr is None:
            arr = ds.pixel_array
    damage = [str(w.message) for w in caught if _DAMAGE_WARNING.search(str(w.message))]
    if damage:
        raise DamagedPixelDataError(f"The image data in {name} is damaged ({damage[0][:160]}), so it is not shown.",
                                    hint=HINT_FETCH)
    if arr.ndim != 2 or arr.shape != (rows, cols):
        raise CorruptPixelDataError(f"{name} decoded to shape {arr.shape}, not the {rows}×{cols} its header "
                                    "declares.", hint="The file is damaged: fetch it again.")
    return arr, 1


def _decode_with(ds: Any, uid: Any, plugin: str, name: str) -> np.ndarray | None:
    """``pixel_array`` through the imagecodecs plugin; None when the plugin does not take this frame (pydicom's
    own plugins then decide); ``DamagedPixelDataError`` when its codec refused the frame."""
    from pydicom.pixels import get_decoder

    fast.take_codec_error()
    try:
        arr, _overrides = get_decoder(uid).as_array(ds, decoding_plugin=plugin)
    except Exception as exc:  # noqa: BLE001 - pydicom raises RuntimeError for any plugin failure
        codec_error = fast.take_codec_error()  # pydicom reports plugin failures as text only
        if codec_error is None:
            log.debug("%s does not take this %s frame, using pydicom's plugins: %s", plugin, uid.name, exc)
            return None
        raise _damaged(name, codec_error) from codec_error
    return arr

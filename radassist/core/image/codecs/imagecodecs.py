"""imagecodecs as a pydicom decoder plugin: JPEG 2000, JPEG lossless and JPEG-LS, several times faster.

Why: pydicom's JPEG 2000 plugin (pylibjpeg-openjpeg) decodes single-threaded (~760 ms for RG1_J2KR here);
imagecodecs runs the same OpenJPEG with two threads (~400 ms), and its JPEG lossless / JPEG-LS decoders
are 5-8x faster than pylibjpeg-libjpeg's. Registered with ``Decoder.add_plugin`` (``register``), so pydicom
still does everything after the codec (sign and precision correction, the array's dtype), and the result
is bit-identical to ``pixel_array`` with pydicom's own plugins (tests check the README hashes).

This module follows pydicom's plugin protocol: ``DECODER_DEPENDENCIES``, ``is_available(uid)`` and the
frame decoder named in the import path (``decode_frame``).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import numpy as np

from radassist.core.image.codecs.syntaxes import J2K_SYNTAXES, JPEGLS_SYNTAXES, LJPEG_SYNTAXES, THREADS

#: the plugin's label in pydicom's decoders
PLUGIN = "radassist-imagecodecs"
SYNTAXES = J2K_SYNTAXES | LJPEG_SYNTAXES | JPEGLS_SYNTAXES
DECODER_DEPENDENCIES = {uid: ("imagecodecs",) for uid in SYNTAXES}
_lock = threading.Lock()
_registered: set[str] = set()
#: the codec error of the last frame this thread decoded (pydicom passes plugin failures on as text only)
_failure = threading.local()


def take_codec_error() -> BaseException | None:
    """The error the codec itself raised on this thread's last frame (then forgotten); None when there was none.

    A codec error means the codestream is damaged: callers must not fall back to a laxer decoder."""
    error = getattr(_failure, "error", None)
    _failure.error = None
    return error


def is_available(uid: str) -> bool:
    """pydicom's plugin check: the syntax is ours and imagecodecs imports."""
    if uid not in SYNTAXES:
        return False
    try:
        import imagecodecs  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken install reads as "not available"
        return False
    return True


def handles(uid: str, signed: bool) -> bool:
    """Whether ``decode_frame`` is worth asking: signed JPEG lossless / JPEG-LS stay with pylibjpeg, whose
    output pydicom's sign handling is written for."""
    return uid in J2K_SYNTAXES or (not signed and uid in SYNTAXES)


def register(uid: Any) -> bool:
    """Add the plugin to pydicom's decoder for ``uid`` once; True when it is available there."""
    from pydicom.pixels import get_decoder

    key = str(uid)
    if key not in SYNTAXES:
        return False
    decoder = get_decoder(uid)
    with _lock:  # add_plugin is not thread-safe, and the GUI decodes on worker threads
        if key not in _registered:
            _registered.add(key)
            with contextlib.suppress(ValueError):  # ValueError: already there (this module was reloaded)
                decoder.add_plugin(PLUGIN, (__name__, "decode_frame"))
    return PLUGIN in decoder.available_plugins


def decode_frame(src: bytes, runner: Any) -> bytes:
    """The function pydicom calls (it keeps this object, so the work is behind one more name)."""
    return _decode_frame(src, runner)


def _decode_frame(src: bytes, runner: Any) -> bytes:
    """One encoded frame -> its samples as bytes, in the container pydicom expects from pylibjpeg.

    Raises on anything unusual: a frame this plugin does not take (colour, values that do not fit) lets the
    caller fall back to pydicom's own plugins; a codec error is kept for ``take_codec_error`` (damage).
    """
    import imagecodecs

    uid = str(runner.transfer_syntax)
    signed = runner.pixel_representation == 1
    if not handles(uid, signed):
        raise ValueError(f"{PLUGIN} does not decode this {'signed ' if signed else ''}syntax")
    try:
        if uid in J2K_SYNTAXES:
            arr = imagecodecs.jpeg2k_decode(src, numthreads=THREADS)
        elif uid in LJPEG_SYNTAXES:
            arr = imagecodecs.ljpeg_decode(src)
        else:
            arr = imagecodecs.jpegls_decode(src)
    except Exception as exc:
        _failure.error = exc
        raise
    if uid in J2K_SYNTAXES:
        precision = runner.get_option("j2k_precision", runner.bits_stored)
    elif uid in LJPEG_SYNTAXES:
        precision = runner.bits_allocated  # pylibjpeg-libjpeg fills the data set's container
    else:
        precision = runner.get_option("jls_precision", runner.bits_stored)
    if arr.ndim != 2 or arr.dtype.kind not in "ui":
        raise ValueError(f"{PLUGIN}: decoded {arr.dtype} with shape {arr.shape}, not one grayscale plane")
    # like pydicom's pylibjpeg plugin: the pixel container follows the codestream's precision
    bits = 8 if precision <= 8 else 16 if precision <= 16 else 32
    container = np.dtype(f"<{arr.dtype.kind}{bits // 8}")
    if arr.dtype != container:
        info = np.iinfo(container)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise ValueError(f"{PLUGIN}: values do not fit {bits}-bit samples")
        arr = arr.astype(container)
    runner.set_option("bits_allocated", bits)
    return arr.tobytes()

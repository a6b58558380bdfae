"""Codec specifics behind ``core.io``: fast JPEG 2000 paths, everything else through pydicom.

Why this exists: pydicom's JPEG 2000 plugin (pylibjpeg-openjpeg) decodes single-threaded and only at full
resolution (~760 ms for RG1_J2KR here). ``imagecodecs`` runs the same OpenJPEG with two threads (~400 ms),
and OpenJPEG itself can decode fewer resolution levels (``opj_set_decoded_resolution_factor``), which
gives a 1/4-size first paint in ~35 ms. imagecodecs does not expose that factor, so the reduced path
calls the OpenJPEG library that imagecodecs ships through ``ctypes``. Every fast path falls back to
pydicom when its library is missing or the codestream does not match the dataset, and the lossless
results are bit-identical to pydicom's ``pixel_array`` (tests check the README hashes).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import logging
import os
import threading
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: transfer syntaxes whose frames are JPEG 2000 codestreams
J2K_SYNTAXES = frozenset({
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203",  # HTJ2K
})
#: lossless (or exactly specified) codecs where imagecodecs is 5-8x faster than pydicom's plugin
LJPEG_SYNTAXES = frozenset({"1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"})  # JPEG lossless
JPEGLS_SYNTAXES = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})  # JPEG-LS
THREADS = 2


def first_frame(pixel_data: bytes) -> bytes:
    """The single frame of encapsulated Pixel Data (the caller has refused multi-frame objects)."""
    from pydicom.encaps import generate_frames

    return next(generate_frames(pixel_data, number_of_frames=1))


def expected_dtype(bits_allocated: int, signed: bool) -> np.dtype:
    """The dtype pydicom's ``pixel_array`` gives for one sample of this size."""
    nbytes = 1 if bits_allocated <= 8 else 2 if bits_allocated <= 16 else 4
    return np.dtype(f"{'i' if signed else 'u'}{nbytes}")


def _fits(arr: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """``arr`` as ``dtype`` when every value is representable, else None (so the caller falls back)."""
    if arr.dtype == dtype:
        return arr
    info = np.iinfo(dtype)
    if arr.size and (arr.min() < info.min or arr.max() > info.max):
        return None
    return arr.astype(dtype)


def j2k_full(frame: bytes, *, bits_allocated: int, signed: bool) -> np.ndarray | None:
    """Full-resolution JPEG 2000 decode with imagecodecs (2 threads); None when it cannot be used."""
    try:
        import imagecodecs
    except ImportError:
        return None
    arr = imagecodecs.jpeg2k_decode(frame, numthreads=THREADS)
    if arr.ndim != 2 or arr.dtype.kind not in "ui" or (arr.dtype.kind == "i") != signed:
        return None
    return _fits(arr, expected_dtype(bits_allocated, signed))


def fast_full(ts: str, frame: bytes, *, bits_allocated: int, signed: bool) -> np.ndarray | None:
    """Full-resolution decode through imagecodecs where it is faster and exact; None -> use pydicom.

    Signed JPEG lossless / JPEG-LS data go through pydicom, which applies the DICOM sign conversion.
    Any failure here also falls back, so pydicom decides what a damaged stream means.
    """
    try:
        if ts in J2K_SYNTAXES:
            return j2k_full(frame, bits_allocated=bits_allocated, signed=signed)
        if signed or (ts not in LJPEG_SYNTAXES and ts not in JPEGLS_SYNTAXES):
            return None
        import imagecodecs

        arr = (imagecodecs.ljpeg_decode if ts in LJPEG_SYNTAXES else imagecodecs.jpegls_decode)(frame)
        if arr.ndim != 2 or arr.dtype.kind != "u":
            return None
        return _fits(arr, expected_dtype(bits_allocated, False))
    except Exception as exc:  # noqa: BLE001 - e.g. ImportError or a codec error: pydicom decides
        log.debug("fast decode of %s failed, using pydicom: %s", ts, exc)
        return None


# --- reduced resolution through libopenjp2 (ctypes) ----------------------------------------------------
class _Comp(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in
                ("dx", "dy", "w", "h", "x0", "y0", "prec", "bpp", "sgnd", "resno_decoded", "factor")] + [
        ("data", ctypes.POINTER(ctypes.c_int32)), ("alpha", ctypes.c_uint16)]


class _Image(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("x0", "y0", "x1", "y1", "numcomps")] + [
        ("color_space", ctypes.c_int), ("comps", ctypes.POINTER(_Comp)),
        ("icc_profile_buf", ctypes.c_void_p), ("icc_profile_len", ctypes.c_uint32)]


_READ = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_SKIP = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_SEEK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)
_lib_lock = threading.Lock()
_lib: Any = None
_lib_tried = False


def _find_openjp2() -> str | None:
    try:
        import imagecodecs

        libdir = os.path.join(os.path.dirname(os.path.dirname(imagecodecs.__file__)), "imagecodecs.libs")
        found = sorted(glob.glob(os.path.join(libdir, "libopenjp2*.so*")))
        if found:
            return found[0]
    except ImportError:
        pass
    return ctypes.util.find_library("openjp2")


def _openjp2() -> Any:
    """The OpenJPEG 2.x library with argument types declared, or None (reduced decoding then unavailable)."""
    global _lib, _lib_tried
    with _lib_lock:
        if _lib_tried:
            return _lib
        _lib_tried = True
        path = _find_openjp2()
        if not path:
            return None
        try:
            lib = ctypes.CDLL(path)
            vp, u32 = ctypes.c_void_p, ctypes.c_uint32
            lib.opj_version.restype = ctypes.c_char_p
            if not lib.opj_version().startswith(b"2."):
                return None
            lib.opj_create_decompress.restype = vp
            lib.opj_create_decompress.argtypes = [ctypes.c_int]
            lib.opj_stream_create.restype = vp
            lib.opj_stream_create.argtypes = [ctypes.c_size_t, ctypes.c_int]
            lib.opj_stream_set_read_function.argtypes = [vp, _READ]
            lib.opj_stream_set_skip_function.argtypes = [vp, _SKIP]
            lib.opj_stream_set_seek_function.argtypes = [vp, _SEEK]
            lib.opj_stream_set_user_data_length.argtypes = [vp, ctypes.c_uint64]
            lib.opj_set_default_decoder_parameters.argtypes = [vp]
            lib.opj_setup_decoder.argtypes = [vp, vp]
            lib.opj_codec_set_threads.argtypes = [vp, ctypes.c_int]
            lib.opj_read_header.argtypes = [vp, vp, ctypes.POINTER(ctypes.POINTER(_Image))]
            lib.opj_set_decoded_resolution_factor.argtypes = [vp, u32]
            lib.opj_decode.argtypes = [vp, vp, ctypes.POINTER(_Image)]
            lib.opj_end_decompress.argtypes = [vp, vp]
            lib.opj_image_destroy.argtypes = [ctypes.POINTER(_Image)]
            lib.opj_stream_destroy.argtypes = [vp]
            lib.opj_destroy_codec.argtypes = [vp]
        except (OSError, AttributeError) as exc:
            log.info("reduced JPEG 2000 decoding unavailable: %s", exc)
            return None
        _lib = lib
        return lib


def j2k_reduced(frame: bytes, factor: int, *, bits_allocated: int, signed: bool) -> np.ndarray | None:
    """Decode ``factor`` resolution levels fewer (1/2**factor size). None when this path cannot be used.

    A factor beyond the codestream's decomposition levels is lowered until OpenJPEG accepts it.
    """
    lib = _openjp2()
    if lib is None or factor < 1:
        return None
    data = bytes(frame)
    n = len(data)
    src = ctypes.create_string_buffer(data, n)
    pos = [0]

    def read(dst: int, nb: int, _user: int) -> int:
        if pos[0] >= n:
            return ctypes.c_size_t(-1).value
        k = min(nb, n - pos[0])
        ctypes.memmove(dst, ctypes.addressof(src) + pos[0], k)
        pos[0] += k
        return k

    def skip(off: int, _user: int) -> int:
        new = min(max(pos[0] + off, 0), n)
        moved = new - pos[0]
        pos[0] = new
        return moved if (moved or off == 0) else -1

    def seek(off: int, _user: int) -> int:
        if off < 0 or off > n:
            return 0
        pos[0] = off
        return 1

    callbacks = (_READ(read), _SKIP(skip), _SEEK(seek))  # kept alive for the whole decode
    for f in range(factor, 0, -1):
        pos[0] = 0
        out = _opj_decode(lib, callbacks, n, f, data[:2] == b"\xff\x4f")
        if out is not None:
            arr, sgnd = out
            if bool(sgnd) != signed:
                return None
            return _fits(arr, expected_dtype(bits_allocated, signed))
    return None


def _opj_decode(lib: Any, callbacks: tuple, n: int, factor: int, raw_codestream: bool
                ) -> tuple[np.ndarray, int] | None:
    stream = lib.opj_stream_create(1 << 20, 1)
    codec = lib.opj_create_decompress(0 if raw_codestream else 2)  # OPJ_CODEC_J2K / OPJ_CODEC_JP2
    img = ctypes.POINTER(_Image)()
    try:
        if not stream or not codec:
            return None
        lib.opj_stream_set_read_function(stream, callbacks[0])
        lib.opj_stream_set_skip_function(stream, callbacks[1])
        lib.opj_stream_set_seek_function(stream, callbacks[2])
        lib.opj_stream_set_user_data_length(stream, n)
        params = ctypes.create_string_buffer(32768)  # opj_dparameters_t is ~8.3 kB
        lib.opj_set_default_decoder_parameters(params)
        if not lib.opj_setup_decoder(codec, params):
            return None
        lib.opj_codec_set_threads(codec, THREADS)
        if not lib.opj_read_header(stream, codec, ctypes.byref(img)) or not img:
            return None
        if img.contents.numcomps != 1:
            return None
        if not lib.opj_set_decoded_resolution_factor(codec, factor):
            return None
        if not lib.opj_decode(codec, stream, img):
            return None
        lib.opj_end_decompress(codec, stream)
        comp = img.contents.comps[0]
        if not comp.data or comp.w == 0 or comp.h == 0:
            return None
        arr = np.ctypeslib.as_array(comp.data, shape=(comp.h, comp.w)).copy()
        return arr, int(comp.sgnd)
    finally:
        if img:
            lib.opj_image_destroy(img)
        if stream:
            lib.opj_stream_destroy(stream)
        if codec:
            lib.opj_destroy_codec(codec)


#: syntaxes with a fast path above
FAST_SYNTAXES = J2K_SYNTAXES | LJPEG_SYNTAXES | JPEGLS_SYNTAXES

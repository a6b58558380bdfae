"""Reduced-resolution JPEG 2000 through libopenjp2 (``ctypes``): a 1/4-size first paint in ~35 ms.

OpenJPEG can decode fewer resolution levels (``opj_set_decoded_resolution_factor``); neither pydicom's
plugins nor imagecodecs expose that, so this calls the OpenJPEG library imagecodecs ships (or the
system's). The result is a preview only: its size differs from Rows x Columns, so it cannot be a pydicom
plugin, and the image's identity (``pixel_sha256``) always comes from the full decode.
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

from radassist.core.image.codecs.syntaxes import THREADS

log = logging.getLogger(__name__)


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

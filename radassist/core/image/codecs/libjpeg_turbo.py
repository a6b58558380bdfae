"""Damage check for JPEG frames with libjpeg-turbo (``ctypes``): count the warnings a full decode raises.

Why: pydicom's JPEG plugins (pylibjpeg-libjpeg) and imagecodecs decode a JPEG whose entropy-coded data was
cut, zeroed or truncated into a plausible but wrong picture and say nothing. libjpeg-turbo notices
("Corrupt JPEG data: premature end of data segment", "extraneous bytes before marker") but reports it
only as a warning, which imagecodecs drops. Here its warning hook counts them; the pixels still come from
pydicom's own decode. One decoder covers baseline, extended 12-bit and lossless JPEG (libjpeg-turbo 3).

A fatal libjpeg error calls ``error_exit``, which must not return; this module ends the process instead
(``os._exit``), so it may only run inside a decode worker (``codecs.sandbox``), never in the app.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from typing import Any

#: exit status of a decode worker stopped by a fatal libjpeg error (the parent reports the frame as damaged)
EXIT_FATAL = 75
#: libjpeg-turbo 3's libjpeg 8 ABI: JPEG_LIB_VERSION 80, sizeof(struct jpeg_decompress_struct) on 64-bit
_LIB_VERSION, _STRUCT_SIZE = 80, 656
_ERROR_EXIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_EMIT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int)
_lock = threading.Lock()
_lib: Any = None
_tried = False


def _library() -> Any:
    """imagecodecs' bundled libjpeg-turbo (3.x: 8-, 12- and 16-bit/lossless readers), or None."""
    global _lib, _tried
    with _lock:
        if _tried:
            return _lib
        _tried = True
        if ctypes.sizeof(ctypes.c_void_p) != 8:
            return None
        try:
            import imagecodecs

            libdir = os.path.join(os.path.dirname(os.path.dirname(imagecodecs.__file__)), "imagecodecs.libs")
            found = sorted(glob.glob(os.path.join(libdir, "libjpeg-*.so*")))
            if not found:
                return None
            lib = ctypes.CDLL(found[0])
            vp = ctypes.c_void_p
            lib.jpeg_std_error.restype = vp
            lib.jpeg_std_error.argtypes = [vp]
            lib.jpeg_CreateDecompress.argtypes = [vp, ctypes.c_int, ctypes.c_size_t]
            lib.jpeg_mem_src.argtypes = [vp, ctypes.c_char_p, ctypes.c_ulong]
            lib.jpeg_read_header.argtypes = [vp, ctypes.c_int]
            lib.jpeg_start_decompress.argtypes = [vp]
            for name in ("jpeg_read_scanlines", "jpeg12_read_scanlines", "jpeg16_read_scanlines"):
                getattr(lib, name).argtypes = [vp, vp, ctypes.c_uint]
                getattr(lib, name).restype = ctypes.c_uint
            lib.jpeg_finish_decompress.argtypes = [vp]
            lib.jpeg_destroy_decompress.argtypes = [vp]
        except (ImportError, OSError, AttributeError):
            return None
        _lib = lib
        return lib


def available() -> bool:
    return _library() is not None


def jpeg_warnings(frame: bytes, rows: int, cols: int, precision: int, *, lossless: bool) -> int | None:
    """Warnings libjpeg-turbo raises while decoding every row of ``frame`` (one component); None when the
    library is missing. Only inside a decode worker: a fatal error ends the process with ``EXIT_FATAL``."""
    lib = _library()
    if lib is None or precision > 16 or (precision > 12 and not lossless):
        return None
    count = [0]

    def error_exit(_cinfo: int) -> None:
        os._exit(EXIT_FATAL)  # libjpeg's state is unusable after a fatal error; the parent reports damage

    def emit(_cinfo: int, level: int) -> None:
        if level < 0:
            count[0] += 1

    hooks = (_ERROR_EXIT(error_exit), _EMIT(emit))  # kept alive for the whole decode
    err = ctypes.create_string_buffer(512)  # struct jpeg_error_mgr is 168 bytes
    cinfo = ctypes.create_string_buffer(_STRUCT_SIZE + 64)
    lib.jpeg_std_error(err)
    ctypes.c_void_p.from_address(ctypes.addressof(err)).value = ctypes.cast(hooks[0], ctypes.c_void_p).value
    ctypes.c_void_p.from_address(ctypes.addressof(err) + 8).value = ctypes.cast(hooks[1], ctypes.c_void_p).value
    ctypes.c_void_p.from_address(ctypes.addressof(cinfo)).value = ctypes.addressof(err)  # cinfo->err
    lib.jpeg_CreateDecompress(cinfo, _LIB_VERSION, _STRUCT_SIZE)
    try:
        lib.jpeg_mem_src(cinfo, frame, len(frame))
        lib.jpeg_read_header(cinfo, 1)
        lib.jpeg_start_decompress(cinfo)
        read = (lib.jpeg_read_scanlines if precision <= 8 else
                lib.jpeg12_read_scanlines if precision <= 12 else lib.jpeg16_read_scanlines)
        row = ctypes.create_string_buffer(cols * 8 + 64)  # room for any output colour space
        rows_ptr = (ctypes.c_void_p * 1)(ctypes.addressof(row))
        for _ in range(rows):
            if read(cinfo, rows_ptr, 1) != 1:
                count[0] += 1
                break
        lib.jpeg_finish_decompress(cinfo)
    finally:
        lib.jpeg_destroy_decompress(cinfo)
    del hooks
    return count[0]

"""A compressed frame's own header, read before any decoder sees the frame (decompression-bomb checks).

A DICOM header says Rows x Columns, but the decoder allocates what the codestream says: JPEG SOF0-15
(baseline, extended, progressive, lossless), JPEG-LS SOF55 (with an LSE oversize record), JPEG 2000 SIZ
(raw codestream or inside JP2 boxes). ``frame_header`` reads that, counts JPEG scans (a progressive JPEG
with thousands of scans decodes for minutes) and notes whether the end marker is there. Pure bytes: no
decoder is loaded here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from radassist.core.image.codecs.syntaxes import J2K_SYNTAXES, JPEG_SYNTAXES, JPEGLS_SYNTAXES

#: JPEG start-of-frame markers: every SOFn except DHT (C4), JPG (C8) and DAC (CC); F7 is JPEG-LS SOF55
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_SOF55, _LSE, _SOS, _EOI = 0xF7, 0xF8, 0xDA, 0xD9
#: a progressive JPEG repeats a scan per refinement; real ones have about 10, hostile ones thousands (80 s)
MAX_SCANS = 100


def jpeg_scans(data: bytes) -> int:
    """JPEG scans (SOS markers) in ``data``. 0xFF 0xDA cannot occur inside entropy-coded data (JPEG stuffs
    0xFF with 0x00, JPEG-LS with a 0 bit), so this needs no decoding; an embedded thumbnail adds a few."""
    return data.count(b"\xff\xda")


class FrameHeaderError(ValueError):
    """The frame has no readable header of the kind its transfer syntax promises."""


@dataclass(frozen=True)
class FrameHeader:
    """What a codestream says about itself."""

    codec: str  # "jpeg", "jpeg-ls", "j2k"
    rows: int
    cols: int
    components: int
    precision: int
    marker: int = 0  # JPEG SOFn (0xC0...) / 0xF7; 0 for JPEG 2000
    scans: int = 1  # JPEG SOS markers in the frame
    tiles: int = 1  # JPEG 2000 tiles
    ends: bool = True  # the end marker (EOI / EOC) is present

    @property
    def progressive(self) -> bool:
        return self.marker in (0xC2, 0xC6, 0xCA, 0xCE)


def frame_header(frame: bytes, ts: str) -> FrameHeader | None:
    """The header of one encapsulated frame of transfer syntax ``ts``; None for syntaxes without one (RLE)."""
    if ts in J2K_SYNTAXES:
        return j2k_header(frame)
    if ts in JPEG_SYNTAXES or ts in JPEGLS_SYNTAXES:
        return jpeg_header(frame)
    return None


def _ends(data: bytes, marker: bytes) -> bool:
    """``marker`` is the last thing in ``data`` apart from padding (DICOM pads fragments with 0x00, some
    encoders add 0xFF fill bytes)."""
    return data.rstrip(b"\x00\xff").endswith(marker)


def jpeg_header(data: bytes) -> FrameHeader:
    """JPEG / JPEG-LS: the SOF segment (and a JPEG-LS LSE oversize record) before the first scan."""
    if not data.startswith(b"\xff\xd8"):
        raise FrameHeaderError("no JPEG start-of-image marker")
    i, n = 2, len(data)
    sof: tuple[int, int, int, int, int] | None = None  # marker, precision, rows, cols, components
    oversize: tuple[int, int] | None = None
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise FrameHeaderError(f"no JPEG marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2 or i + 2 + length > n:
            raise FrameHeaderError(f"JPEG segment 0x{marker:02X} runs past the end of the frame")
        seg = data[i + 4:i + 2 + length]
        if (marker in _SOF or marker == _SOF55) and len(seg) >= 6:
            if sof is not None:
                raise FrameHeaderError("more than one JPEG frame header (hierarchical JPEG)")
            sof = (marker, seg[0], int.from_bytes(seg[1:3], "big"), int.from_bytes(seg[3:5], "big"), seg[5])
        elif marker == _LSE and len(seg) >= 2 and seg[0] == 4:  # JPEG-LS oversize image dimension
            width = seg[1]
            if width in (2, 3, 4) and len(seg) >= 2 + 2 * width:
                oversize = (int.from_bytes(seg[2:2 + width], "big"), int.from_bytes(seg[2 + width:2 + 2 * width], "big"))
        elif marker == _SOS:
            break
        i += 2 + length
    if sof is None:
        raise FrameHeaderError("no JPEG frame header before the first scan")
    marker, precision, rows, cols, components = sof
    if oversize is not None and marker == _SOF55:
        rows, cols = oversize[0] or rows, oversize[1] or cols
    scans = jpeg_scans(data)
    return FrameHeader("jpeg-ls" if marker == _SOF55 else "jpeg", rows, cols, components, precision, marker,
                       scans=scans, ends=_ends(data, b"\xff\xd9"))


def j2k_header(data: bytes) -> FrameHeader:
    """JPEG 2000: the SIZ segment of a raw codestream, or of the ``jp2c`` box of a JP2 file."""
    if data[:4] == b"\xff\x4f\xff\x51":
        return _siz(data)
    if data[4:8] == b"jP  ":
        return _siz(_jp2_codestream(data))
    raise FrameHeaderError("neither a JPEG 2000 codestream nor a JP2 file")


def _jp2_codestream(data: bytes) -> bytes:
    i, n = 0, len(data)
    while i + 8 <= n:
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        head = 8
        if length == 1:  # 64-bit box length
            length, head = int.from_bytes(data[i + 8:i + 16], "big"), 16
        elif length == 0:  # the box runs to the end
            length = n - i
        if length < head:
            raise FrameHeaderError("damaged JP2 box")
        if kind == b"jp2c":
            return data[i + head:i + length]
        i += length
    raise FrameHeaderError("JP2 file without a codestream box")


def _siz(cs: bytes) -> FrameHeader:
    if len(cs) < 4 + 38 + 3:
        raise FrameHeaderError("JPEG 2000 SIZ segment is cut short")
    s = cs[4:]
    lsiz = int.from_bytes(s[0:2], "big")
    x1, y1, x0, y0, tw, th, tx0, ty0 = (int.from_bytes(s[4 + 4 * k:8 + 4 * k], "big") for k in range(8))
    components = int.from_bytes(s[36:38], "big")
    if lsiz < 38 + 3 * components or len(s) < 38 + 3 * max(components, 1) or x1 <= x0 or y1 <= y0:
        raise FrameHeaderError("damaged JPEG 2000 SIZ segment")
    if tw == 0 or th == 0:
        raise FrameHeaderError("JPEG 2000 tile size of zero")
    tiles = math.ceil((x1 - tx0) / tw) * math.ceil((y1 - ty0) / th)
    precision = (s[38] & 0x7F) + 1
    return FrameHeader("j2k", y1 - y0, x1 - x0, components, precision, scans=1, tiles=tiles,
                       ends=_ends(cs, b"\xff\xd9"))

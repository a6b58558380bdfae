"""What a file is and whether it may be read: suffixes, size limits, format sniffing from the first bytes.

Sizes are checked before anything is decoded, so a decompression bomb is refused without allocating it.
Every failure is an ``ImageError`` subclass with a hint that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from radassist.core.errors import (
    CorruptPixelDataError,
    ImageTooLargeError,
    UnreadableFileError,
    UnsupportedFormatError,
)

#: file suffixes (lower case) of the formats RadAssist opens; folder scans, the CLI and training share them.
#: DICOM from a PACS often has no suffix at all: callers that accept that add "" themselves.
DICOM_SUFFIXES = (".dcm", ".dicom")
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_SUFFIXES = DICOM_SUFFIXES + RASTER_SUFFIXES

#: decompression-bomb limits, checked from the header before decoding
MAX_PIXELS = 100_000_000
MAX_SIDE = 30_000
#: files larger than this are not read at all (an uncompressed 100 Mpixel 16-bit image is ~200 MB)
MAX_FILE_BYTES = 1 << 30
#: a worklist scan reads this much of a PNG/JPEG to find its size (more only for JPEGs with huge metadata)
HEADER_PROBE_BYTES = 1 << 16

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
_OTHER_FORMATS = ((b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"), (b"GIF8", "GIF"),
                  (b"BM", "BMP"), (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 (JP2)"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
                  (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip archive"), (b"RIFF", "WebP/RIFF"))
HINT_FORMATS = "RadAssist opens DICOM (.dcm), PNG and JPEG chest X-rays."


def check_file(path: Path) -> int:
    """The file's size, after refusing folders, missing, empty and oversized files."""
    name = path.name or str(path)
    if path.is_dir():
        raise UnreadableFileError(f"{path} is a folder, not an image file.",
                                  hint="Use Open Folder to list the images inside it.")
    if not path.exists():
        raise UnreadableFileError(f"{path} does not exist.", hint="Check the path or whether the drive is mounted.")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFileError(f"{name} is empty (0 bytes).",
                                  hint="The copy or download was probably interrupted: fetch the file again.")
    if size > MAX_FILE_BYTES:
        raise ImageTooLargeError(f"{name} is {size / 2**30:.1f} GiB, more than any radiograph "
                                 f"({MAX_FILE_BYTES / 2**30:.0f} GiB limit).",
                                 hint="Check that this is a single chest X-ray.")
    return size


@contextmanager
def os_errors(path: Path) -> Iterator[None]:
    """OSError while touching ``path`` -> UnreadableFileError with a hint."""
    name = path.name or str(path)
    try:
        yield
    except PermissionError as exc:
        raise UnreadableFileError(f"No permission to read {name}.",
                                  hint="Ask your administrator for read access to the file.") from exc
    except OSError as exc:
        raise UnreadableFileError(f"{name} could not be read: {exc.strerror or exc}.",
                                  hint="Check the drive or network share and try again.") from exc


def read_file(path: Path, limit: int | None = None) -> tuple[bytes, int]:
    """(content, file size): the whole file, or only its first ``limit`` bytes (header scans)."""
    with os_errors(path):
        size = check_file(path)
        if limit is None or limit >= size:
            return path.read_bytes(), size
        with path.open("rb") as fh:
            return fh.read(limit), size


def sniff(data: bytes, path: Path) -> str:
    """'DICOM', 'DICOM-raw' (no preamble), 'PNG' or 'JPEG' from the first bytes; else UnsupportedFormatError."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "DICOM"
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data.startswith(JPEG_SIGNATURE):
        return "JPEG"
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise UnsupportedFormatError(f"{path.name} is a {what} file, not a format RadAssist reads.",
                                         hint=HINT_FORMATS + " Export the image as DICOM or PNG.")
    # a DICOM data set written without the 128-byte preamble starts with a group 0002 or 0008 tag
    if len(data) >= 8 and ((data[:2] in (b"\x02\x00", b"\x08\x00") and data[3:4] == b"\x00")
                           or (data[:2] in (b"\x00\x02", b"\x00\x08") and data[4:6].isalpha())):
        return "DICOM-raw"
    raise UnsupportedFormatError(f"{path.name} is not a DICOM, PNG or JPEG image.", hint=HINT_FORMATS)


def check_size(path: Path, rows: int, cols: int, max_pixels: int) -> None:
    """Refuse a declared size of zero or beyond the bomb limits, before a single pixel is decoded."""
    if rows <= 0 or cols <= 0:
        raise CorruptPixelDataError(f"{path.name} declares an image of {rows}×{cols} pixels.",
                                    hint="The header is damaged: fetch the file again.")
    if rows > MAX_SIDE or cols > MAX_SIDE or rows * cols > max_pixels:
        raise ImageTooLargeError(
            f"{path.name} declares {cols}×{rows} pixels ({rows * cols / 1e6:.0f} Mpixel); the limit is "
            f"{max_pixels / 1e6:.0f} Mpixel and {MAX_SIDE:,} pixels a side, so it was not decoded.",
            hint="A chest radiograph is at most a few thousand pixels a side; check the file's origin.")

"""Turn a file into an ``XRayImage``: DICOM (every transfer syntax pydicom + pylibjpeg decode), PNG, JPEG.

Everything a user can feed in ends either as an image or as one specific ``ImageError`` subclass with a
message that says what is wrong and what to do: library exceptions never escape. Sizes are checked from
the header before anything is decoded, so a decompression bomb is refused without allocating it.

``pixels`` are the stored values after the Modality LUT (rescale or LUT sequence); the VOI step and
MONOCHROME1 inversion happen in ``core.display`` so that a window is always in Modality-LUT units.
"""

from __future__ import annotations

import hashlib
import io as _stdio
import logging
import os
from collections.abc import Iterable, Iterator, MutableSequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from radassist.core.errors import (
    CodecUnavailableError,
    CorruptPixelDataError,
    ImageError,
    ImageTooLargeError,
    MultiFrameError,
    NoPixelDataError,
    RadAssistError,
    UnreadableFileError,
    UnsupportedFormatError,
    UnsupportedPhotometricError,
)
from radassist.core.image.codecs import fast as _decode
from radassist.core.image.records import (
    PATIENT_FIELDS,
    DisplayInfo,
    ImageMeta,
    Source,
    VoiLut,
    Window,
    XRayImage,
)

log = logging.getLogger(__name__)

#: decompression-bomb limits, checked from the header before decoding
MAX_PIXELS = 100_000_000
MAX_SIDE = 30_000
#: files larger than this are not read at all (an uncompressed 100 Mpixel 16-bit image is ~200 MB)
MAX_FILE_BYTES = 1 << 30
#: a worklist scan reads this much of a PNG/JPEG to find its size (more only for JPEGs with huge metadata)
HEADER_PROBE_BYTES = 1 << 16

DEFLATED = "1.2.840.10008.1.2.1.99"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"

#: meta.fields keys taken from DICOM as text (patient fields go to meta.patient instead)
_TEXT_FIELDS = ("Modality", "BodyPartExamined", "ViewPosition", "StudyDate", "StudyTime", "StudyDescription",
                "SeriesDescription", "SeriesNumber", "InstanceNumber", "SOPClassUID", "SOPInstanceUID",
                "StudyInstanceUID", "SeriesInstanceUID", "Manufacturer", "ManufacturerModelName",
                "ConversionType", "LossyImageCompression", "PatientOrientation", "ImageLaterality",
                "PixelSpacingCalibrationType")
_OTHER_FORMATS = ((b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"), (b"GIF8", "GIF"),
                  (b"BM", "BMP"), (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 (JP2)"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
                  (b"PK\x03\x04", "ZIP archive"), (b"\x1f\x8b", "gzip archive"), (b"RIFF", "WebP/RIFF"))
_HINT_FORMATS = "RadAssist opens DICOM (.dcm), PNG and JPEG chest X-rays."


# --- records --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeaderSummary:
    """What a worklist row needs, read from the header only (no pixel decoding).

    Patient-identifying fields live in ``patient`` only (keys of ``image.PATIENT_FIELDS``).
    """

    path: Path
    format: str  # "DICOM", "PNG", "JPEG"
    modality: str = ""
    body_part: str = ""
    view_position: str = ""
    study_date: str = ""
    study_description: str = ""
    sop_instance_uid: str = ""
    study_instance_uid: str = ""
    series_instance_uid: str = ""
    rows: int = 0
    columns: int = 0
    frames: int = 1
    photometric: str = ""
    transfer_syntax: str = ""
    patient: dict[str, str] = field(default_factory=dict)

    @property
    def patient_name(self) -> str:
        return self.patient.get("PatientName", "")

    @property
    def patient_id(self) -> str:
        return self.patient.get("PatientID", "")


@dataclass(frozen=True)
class TagRow:
    """One line of the DICOM tag browser. ``depth`` > 0 for elements inside sequence items."""

    tag: str  # "(0010,0010)"
    keyword: str  # indented by two spaces per sequence level
    vr: str
    value_text: str
    depth: int = 0


# --- file access and format sniffing --------------------------------------------------------------------
def _check_file(path: Path) -> int:
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
def _os_errors(path: Path) -> Iterator[None]:
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


def _read_file(path: Path, limit: int | None = None) -> tuple[bytes, int]:
    """(content, file size): the whole file, or only its first ``limit`` bytes (header scans)."""
    with _os_errors(path):
        size = _check_file(path)
        if limit is None or limit >= size:
            return path.read_bytes(), size
        with path.open("rb") as fh:
            return fh.read(limit), size


def _sniff(data: bytes, path: Path) -> str:
    """'DICOM', 'DICOM-raw' (no preamble), 'PNG' or 'JPEG'; otherwise UnsupportedFormatError."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "DICOM"
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data.startswith(JPEG_SIGNATURE):
        return "JPEG"
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise UnsupportedFormatError(f"{path.name} is a {what} file, not a format RadAssist reads.",
                                         hint=_HINT_FORMATS + " Export the image as DICOM or PNG.")
    # a DICOM data set written without the 128-byte preamble starts with a group 0002 or 0008 tag
    if len(data) >= 8 and ((data[:2] in (b"\x02\x00", b"\x08\x00") and data[3:4] == b"\x00")
                           or (data[:2] in (b"\x00\x02", b"\x00\x08") and data[4:6].isalpha())):
        return "DICOM-raw"
    raise UnsupportedFormatError(f"{path.name} is not a DICOM, PNG or JPEG image.", hint=_HINT_FORMATS)


def _read_dataset(fp: BinaryIO, path: Path, kind: str, *, header_only: bool) -> tuple[Any, int]:
    """(data set, offset where reading stopped): with ``header_only`` that is the Pixel Data element."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(fp, force=(kind == "DICOM-raw"), stop_before_pixels=header_only)
        end = fp.tell()
        if len(ds) == 0 and not header_only:
            # pydicom returns an empty data set when encapsulated Pixel Data ends early: is the header fine?
            fp.seek(0)
            head = pydicom.dcmread(fp, force=(kind == "DICOM-raw"), stop_before_pixels=True)
            if len(head):
                raise CorruptPixelDataError(f"The pixel data of {path.name} is truncated or damaged (it ends "
                                            "before its end marker).",
                                            hint="The transfer was interrupted: fetch the file again.")
        if len(ds) == 0:
            raise InvalidDicomError("no data elements")
        return ds, end
    except (RadAssistError, OSError):
        raise
    except InvalidDicomError as exc:
        raise UnsupportedFormatError(f"{path.name} is not a valid DICOM file ({exc}).", hint=_HINT_FORMATS) from exc
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types on damaged headers
        raise CorruptPixelDataError(f"The DICOM header of {path.name} is damaged and cannot be read "
                                    f"({type(exc).__name__}: {_short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc


def _is_library_failure(exc: BaseException) -> bool:
    """Exceptions, and the Rust panics of pylibjpeg-rle (pyo3 ``PanicException`` derives from BaseException)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- public API -----------------------------------------------------------------------------------------
def load_image(path: str | os.PathLike[str], *, reduced: int = 1, max_pixels: int = MAX_PIXELS) -> XRayImage:
    """Decode ``path`` (DICOM, PNG or JPEG) into an ``XRayImage``.

    ``reduced`` (2, 4, ...) asks for a faster reduced-resolution first paint; only JPEG 2000 can provide
    one (the result then has ``downscale`` > 1 and an empty ``pixel_sha256``, because the image's identity
    needs the full pixels). Other formats return full resolution with ``downscale == 1``.
    Raises an ``ImageError`` subclass for anything that is not a single-frame grayscale image.

    ``pixel_sha256`` is the SHA-256 of the decoded stored pixel array in its native dtype, exactly as
    pydicom's ``pixel_array`` returns it (for PNG/JPEG: the array OpenCV decodes, before any gray
    conversion), so lossless transcodes of one image share one identity.
    """
    p = Path(os.fsdecode(path))
    data, _size = _read_file(p)
    kind = _sniff(data, p)
    try:
        if kind.startswith("DICOM"):
            return _load_dicom(p, data, kind, reduced=max(1, int(reduced)), max_pixels=max_pixels)
        return _load_raster(p, data, kind, max_pixels=max_pixels)
    except RadAssistError:
        raise
    except MemoryError as exc:
        raise ImageTooLargeError(f"Not enough memory to decode {p.name}.",
                                 hint="Close other images or programs and try again.") from exc
    except BaseException as exc:  # noqa: BLE001 - the contract: only RadAssistError leaves this module
        if not _is_library_failure(exc):
            raise
        log.info("decode failed for %s: %s", p.name, exc, exc_info=True)
        raise CorruptPixelDataError(f"The image data in {p.name} is damaged or cannot be decoded "
                                    f"({type(exc).__name__}: {_short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc


def scan_header(path: str | os.PathLike[str]) -> HeaderSummary:
    """Header-only summary for worklists: never decodes pixels, reads DICOM with ``stop_before_pixels``.

    Raises ``UnreadableFileError``/``UnsupportedFormatError`` for non-images and ``NoPixelDataError`` for
    DICOM objects without an image (SR, presentation states), so a folder scan can skip them.
    """
    p = Path(os.fsdecode(path))
    prefix, size = _read_file(p, 256)
    kind = _sniff(prefix, p)
    try:
        if kind in ("PNG", "JPEG"):
            prefix, size = _read_file(p, HEADER_PROBE_BYTES)
            try:
                h, w, _bits, _ch = _raster_header(prefix, kind, p)
            except CorruptPixelDataError:
                if len(prefix) == size:
                    raise
                h, w, _bits, _ch = _raster_header(_read_file(p)[0], kind, p)  # JPEG with a huge EXIF block
            return HeaderSummary(path=p, format=kind, rows=h, columns=w)
        ds, pixel = _read_header(p, kind)
        if pixel is None and _transfer_syntax(ds) != DEFLATED:  # deflated: offsets are in the inflated stream
            raise _no_pixels_error(ds, p)
        return HeaderSummary(
            path=p, format="DICOM", modality=_text(ds, "Modality"), body_part=_text(ds, "BodyPartExamined"),
            view_position=_text(ds, "ViewPosition"), study_date=_text(ds, "StudyDate"),
            study_description=_text(ds, "StudyDescription"), sop_instance_uid=_text(ds, "SOPInstanceUID"),
            study_instance_uid=_text(ds, "StudyInstanceUID"), series_instance_uid=_text(ds, "SeriesInstanceUID"),
            rows=_int(ds, "Rows"), columns=_int(ds, "Columns"), frames=max(1, _int(ds, "NumberOfFrames", 1)),
            photometric=_text(ds, "PhotometricInterpretation"), transfer_syntax=_transfer_syntax(ds),
            patient={k: v for k in ("PatientName", "PatientID", "PatientSex", "PatientAge")
                     if (v := _text(ds, k))},
        )
    except RadAssistError:
        raise
    except BaseException as exc:  # noqa: BLE001
        if not _is_library_failure(exc):
            raise
        raise CorruptPixelDataError(f"The header of {p.name} is damaged ({type(exc).__name__}: {_short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc


def _read_header(path: Path, kind: str) -> tuple[Any, tuple[str, str, str] | None]:
    """Header-only read from the file (Pixel Data is never loaded) and the Pixel Data element found after it."""
    with _os_errors(path), path.open("rb") as fh:
        ds, end = _read_dataset(fh, path, kind, header_only=True)
        size = path.stat().st_size
        fh.seek(end)
        pixel = None if _transfer_syntax(ds) == DEFLATED else _pixel_element_size(fh.read(12), size - end)
    return ds, pixel


def read_tags(path: str | os.PathLike[str], *, max_value_chars: int = 256) -> list[TagRow]:
    """Every element of a DICOM header for the tag browser: file meta, data set, sequences flattened.

    Patient fields are included (the viewer shows them to the clinician). Pixel Data is not read; its row
    shows the size. Raises ``UnsupportedFormatError`` for PNG/JPEG (they have no tags).
    """
    p = Path(os.fsdecode(path))
    prefix, _size = _read_file(p, 256)
    kind = _sniff(prefix, p)
    if not kind.startswith("DICOM"):
        raise UnsupportedFormatError(f"{p.name} is a {kind} image: it has no DICOM tags to show.")
    ds, pixel = _read_header(p, kind)
    rows: list[TagRow] = []
    try:
        if getattr(ds, "file_meta", None) is not None:
            _tag_rows(ds.file_meta, 0, rows, max_value_chars)
        _tag_rows(ds, 0, rows, max_value_chars)
        if pixel is not None:
            tag, vr, size = pixel
            rows.append(TagRow(tag, "PixelData", vr, size))
    except Exception as exc:  # noqa: BLE001
        raise CorruptPixelDataError(f"The header of {p.name} is damaged ({type(exc).__name__}: {_short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc
    return rows


#: pip packages that provide pydicom's decoders, by the plugin module they install
_PLUGINS = (("libjpeg", "pylibjpeg-libjpeg", "JPEG baseline/extended/lossless and JPEG-LS"),
            ("openjpeg", "pylibjpeg-openjpeg", "JPEG 2000"),
            ("rle", "pylibjpeg-rle", "RLE Lossless (fast path)"))


def check_codecs() -> list[str]:
    """Problems with the DICOM decoder plugins, one sentence each; empty when every plugin loads."""
    import importlib

    problems: list[str] = []
    try:
        importlib.import_module("pylibjpeg")
    except Exception as exc:  # noqa: BLE001 - a broken install may raise anything on import
        problems.append(f"pylibjpeg failed to load ({_short(exc)}): compressed DICOM cannot be opened. "
                        "Install it with: pip install pylibjpeg")
    for module, package, what in _PLUGINS:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{what} decoder missing: {package} failed to load ({_short(exc)}). "
                            f"Install it with: pip install {package}")
    try:
        from pydicom.pixels.decoders import JPEG2000LosslessDecoder, JPEGBaseline8BitDecoder

        for dec, what in ((JPEGBaseline8BitDecoder, "JPEG baseline"), (JPEG2000LosslessDecoder, "JPEG 2000")):
            if not dec.is_available:
                problems.append(f"pydicom has no working {what} decoder: install pylibjpeg-libjpeg and "
                                "pylibjpeg-openjpeg (pip install pylibjpeg-libjpeg pylibjpeg-openjpeg).")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"pydicom failed to load its decoders ({_short(exc)}). Install it with: pip install pydicom")
    return problems


# --- DICOM ----------------------------------------------------------------------------------------------
def _load_dicom(path: Path, data: bytes, kind: str, *, reduced: int, max_pixels: int) -> XRayImage:
    ds, _end = _read_dataset(_stdio.BytesIO(data), path, kind, header_only=False)
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise _no_pixels_error(ds, path)
    frames = _int(ds, "NumberOfFrames", 1)
    if frames > 1:
        raise MultiFrameError(f"{path.name} holds {frames} frames ({_sop_name(ds)}); RadAssist reads single "
                              "chest radiographs.", hint="Open a single-frame projection radiograph (CR/DX).")
    photometric = _text(ds, "PhotometricInterpretation").upper()
    samples = _int(ds, "SamplesPerPixel", 1)
    if not photometric:
        raise CorruptPixelDataError(f"{path.name} has pixel data but no Photometric Interpretation, so it "
                                    "cannot be displayed safely.", hint="The header is damaged: fetch the file again.")
    if photometric not in ("MONOCHROME1", "MONOCHROME2") or samples != 1:
        raise UnsupportedPhotometricError(
            f"{path.name} is a {photometric or 'colour'} image ({samples} samples per pixel); a chest "
            "radiograph is grayscale (MONOCHROME1 or MONOCHROME2).",
            hint="Open the original grayscale radiograph rather than a colour screenshot or palette image.")
    rows, cols = _int(ds, "Rows"), _int(ds, "Columns")
    bits_allocated, bits_stored = _int(ds, "BitsAllocated"), _int(ds, "BitsStored")
    signed = _int(ds, "PixelRepresentation") == 1
    _check_size(path, rows, cols, max_pixels)
    if bits_allocated not in (1, 8, 16, 32) or not 1 <= bits_stored <= bits_allocated:
        raise CorruptPixelDataError(f"{path.name} declares {bits_stored} bits stored in {bits_allocated} "
                                    "bits allocated, which no radiograph uses.",
                                    hint="The header is damaged: fetch the file again.")
    if "PixelData" not in ds:
        raise UnsupportedPhotometricError(f"{path.name} stores floating-point pixels, which RadAssist does not "
                                          "display.", hint="Open a CR/DX radiograph with integer pixels.")
    ts = _transfer_syntax(ds)
    notes: list[str] = []
    if getattr(ds, "file_meta", None) is None or "TransferSyntaxUID" not in ds.file_meta:
        from pydicom.dataset import FileMetaDataset

        if getattr(ds, "file_meta", None) is None:
            ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ts  # no file meta: decode with the encoding pydicom detected
        notes.append("No DICOM file meta header: transfer syntax inferred.")
    stored, downscale = _decode_dicom(ds, path, ts, rows, cols, bits_allocated, bits_stored, signed, reduced)
    sha = hashlib.sha256(stored.tobytes()).hexdigest() if downscale == 1 else ""
    if not stored.dtype.isnative:  # big-endian transfer syntax: hashed as pydicom returns it, then native
        stored = stored.astype(stored.dtype.newbyteorder("="))
    stored = _respect_bits_stored(stored, bits_stored, signed)
    padding = _padding_mask(ds, stored, notes)
    pixels = _modality_lut(ds, stored, notes)
    image_values = pixels[~padding] if padding is not None else pixels
    lo, hi = (float(image_values.min()), float(image_values.max())) if image_values.size else (0.0, 1.0)
    windows = _windows(ds, notes)
    voi_luts = _voi_luts(ds, signed or lo < 0, notes)
    fields, patient = _dicom_meta(ds, ts, notes)
    if downscale > 1:
        notes.append(f"Reduced-resolution preview (1/{downscale}); full resolution follows.")
    return XRayImage(
        pixels=pixels,
        display=DisplayInfo(photometric=photometric, bits_stored=bits_stored, windows=windows,
                            voi_luts=voi_luts, pixel_min=lo, pixel_max=hi),
        meta=ImageMeta(fields=fields, patient=patient, notes=tuple(notes)),
        pixel_sha256=sha,
        source=Source(path=path, format="DICOM", transfer_syntax=ts, transfer_syntax_name=_ts_name(ts),
                      file_size=len(data)),
        downscale=downscale,
        padding=padding,
    )


def _decode_dicom(ds: Any, path: Path, ts: str, rows: int, cols: int, bits_allocated: int, bits_stored: int,
                  signed: bool, reduced: int) -> tuple[np.ndarray, int]:
    """Stored pixels (native dtype, exactly as pydicom's ``pixel_array``) and the downscale factor."""
    from pydicom.uid import UID

    uid = UID(ts or "1.2.840.10008.1.2")
    if not uid.is_transfer_syntax:
        raise CodecUnavailableError(f"{path.name} uses an unknown transfer syntax ({uid}), which RadAssist cannot "
                                    "decode.", hint="Ask the sender for an uncompressed or JPEG/JPEG 2000 copy.")
    if uid.is_compressed:
        _check_decoder(uid, path)
    else:
        expected = (rows * cols * bits_allocated + 7) // 8
        have = len(ds.PixelData)
        if have < expected:
            raise CorruptPixelDataError(f"The pixel data of {path.name} is truncated: {have:,} of {expected:,} "
                                        "bytes are present.", hint="The transfer was interrupted: fetch the file again.")
    if uid.is_compressed and ts in _decode.FAST_SYNTAXES:
        frame = _decode.first_frame(ds.PixelData)
        if reduced > 1 and ts in _decode.J2K_SYNTAXES:
            factor = max(1, int(reduced).bit_length() - 1)
            arr = _decode.j2k_reduced(frame, factor, bits_allocated=bits_allocated, signed=signed)
            if arr is not None and arr.ndim == 2:
                return np.ascontiguousarray(arr), max(1, round(cols / arr.shape[1]))
        arr = _decode.fast_full(ts, frame, bits_allocated=bits_allocated, signed=signed)
        if arr is not None and arr.shape == (rows, cols) and bits_stored >= _precision_of(arr):
            return arr, 1
    arr = ds.pixel_array
    if arr.ndim != 2 or arr.shape != (rows, cols):
        raise CorruptPixelDataError(f"{path.name} decoded to shape {arr.shape}, not the {rows}×{cols} its header "
                                    "declares.", hint="The file is damaged: fetch it again.")
    return arr, 1


def _precision_of(arr: np.ndarray) -> int:
    """Bits needed for the decoded values (a codestream wider than BitsStored goes through pydicom)."""
    if not arr.size:
        return 0
    return int(max(abs(int(arr.max())), abs(int(arr.min())))).bit_length()


def _check_decoder(uid: Any, path: Path) -> None:
    try:
        from pydicom.pixels import get_decoder

        decoder = get_decoder(uid)
    except Exception as exc:  # noqa: BLE001 - no decoder class at all for this syntax
        raise CodecUnavailableError(f"{path.name} uses the transfer syntax {uid.name} ({uid}), which RadAssist "
                                    "cannot decode.", hint="Ask the sender for an uncompressed or JPEG/JPEG 2000 "
                                    "lossless copy.") from exc
    if not decoder.is_available and uid not in _decode.J2K_SYNTAXES:
        missing = "pylibjpeg-openjpeg" if "2000" in uid.name else "pylibjpeg-libjpeg"
        raise CodecUnavailableError(f"No decoder for {uid.name} is installed, so {path.name} cannot be opened.",
                                    hint=f"Install it with: pip install pylibjpeg {missing}")


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


def _modality_lut(ds: Any, stored: np.ndarray, notes: list[str]) -> np.ndarray:
    """Apply the Modality LUT (sequence or rescale). Identity keeps the integer array (fast display LUT)."""
    if "ModalityLUTSequence" in ds and len(ds.ModalityLUTSequence):
        first, table, _bits = _lut_item(ds.ModalityLUTSequence[0], stored.dtype.kind == "i")
        notes.append("Modality LUT Sequence applied.")
        idx = np.clip(stored.astype(np.int64) - first, 0, table.size - 1)
        return table.astype(np.uint16 if table.max(initial=0) <= 65535 else np.float32)[idx]
    slope = _float(ds, "RescaleSlope", 1.0)
    intercept = _float(ds, "RescaleIntercept", 0.0)
    if slope == 0.0 or not np.isfinite(slope) or not np.isfinite(intercept):
        notes.append("Rescale Slope/Intercept invalid in the file: stored values shown.")
        return stored
    if slope == 1.0 and intercept == 0.0:
        return stored
    if slope == 1.0 and float(intercept).is_integer() and stored.dtype.kind in "ui" and stored.dtype.itemsize <= 2:
        out = stored.astype(np.int32) + int(intercept)
        if out.size and out.min() >= -32768 and out.max() <= 32767:
            return out.astype(np.int16)
        if out.size and out.min() >= 0 and out.max() <= 65535:
            return out.astype(np.uint16)
        return out.astype(np.float32)
    out = stored.astype(np.float32)
    out *= np.float32(slope)
    out += np.float32(intercept)
    return out


def _windows(ds: Any, notes: list[str]) -> tuple[Window, ...]:
    centers, widths = _multi(ds, "WindowCenter"), _multi(ds, "WindowWidth")
    explanations = [str(x) for x in _multi(ds, "WindowCenterWidthExplanation")]
    function = _text(ds, "VOILUTFunction").upper() or "LINEAR"
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        notes.append(f"Unknown VOI LUT Function {function!r}: LINEAR used.")
        function = "LINEAR"
    out = []
    for i, (c, w) in enumerate(zip(centers, widths, strict=False)):
        try:
            c, w = float(c), float(w)
        except (TypeError, ValueError):
            continue
        if not (np.isfinite(c) and np.isfinite(w)) or w <= 0 or (function == "LINEAR" and w < 1):
            notes.append(f"Window {i + 1} in the file is invalid (center {c:g}, width {w:g}): ignored.")
            continue
        out.append(Window(center=c, width=w, explanation=explanations[i] if i < len(explanations) else "",
                          function=function))
    return tuple(out)


def _voi_luts(ds: Any, signed_input: bool, notes: list[str]) -> tuple[VoiLut, ...]:
    if "VOILUTSequence" not in ds:
        return ()
    out = []
    for i, item in enumerate(ds.VOILUTSequence):
        try:
            first, table, bits = _lut_item(item, signed_input)
        except Exception as exc:  # noqa: BLE001 - a damaged LUT is skipped, the window still works
            notes.append(f"VOI LUT {i + 1} in the file is damaged ({_short(exc, 60)}): ignored.")
            continue
        out.append(VoiLut(first_mapped=first, table=table.astype(np.float32), bits=bits,
                          explanation=_text(item, "LUTExplanation")))
    return tuple(out)


def _lut_item(item: Any, signed_input: bool) -> tuple[int, np.ndarray, int]:
    """(first mapped value, table, bits) of a LUT Sequence item (PS3.3 C.11.1/C.11.2); ValueError if damaged."""
    desc = [int(x) for x in item.LUTDescriptor]
    if len(desc) != 3:
        raise ValueError(f"LUT Descriptor has {len(desc)} values, not 3")
    n, first, bits = (desc[0] or 65536), desc[1], desc[2]
    if signed_input and first >= 32768:  # US-encoded descriptor of a signed input range
        first -= 65536
    raw = item.LUTData
    if isinstance(raw, (bytes, bytearray)):
        table = np.frombuffer(raw, dtype=np.uint8 if len(raw) == n else "<u2").astype(np.int64)
    else:
        table = np.asarray(raw if isinstance(raw, Iterable) else [raw], dtype=np.int64)
    table = table[:n]
    if table.size == 0 or not 1 <= bits <= 16 or table.ndim != 1:
        raise ValueError("empty table or bad bit depth")
    return first, table, bits


def _dicom_meta(ds: Any, ts: str, notes: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields: dict[str, Any] = {k: v for k in _TEXT_FIELDS if (v := _text(ds, k))}
    for k in ("Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation"):
        fields[k] = _int(ds, k)
    fields["PhotometricInterpretation"] = _text(ds, "PhotometricInterpretation")
    fields["TransferSyntaxUID"] = ts
    fields["TransferSyntaxName"] = _ts_name(ts)
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        fields["RescaleSlope"] = _float(ds, "RescaleSlope", 1.0)
        fields["RescaleIntercept"] = _float(ds, "RescaleIntercept", 0.0)
        if rt := _text(ds, "RescaleType"):
            fields["RescaleType"] = rt
    # PixelSpacing: patient plane. ImagerPixelSpacing: detector plane (includes geometric magnification).
    for key, plane in (("PixelSpacing", "patient plane"), ("ImagerPixelSpacing", "detector plane")):
        if key not in ds:
            continue
        spacing = _spacing(ds, key)
        if spacing is None:
            notes.append(f"{key} in the file ({_text(ds, key) or 'empty'}) is not usable: no {plane} spacing.")
        else:
            fields[key] = spacing
    if _text(ds, "PresentationIntentType").upper() == "FOR PROCESSING":
        fields["PresentationIntentType"] = "FOR PROCESSING"
        notes.append("FOR PROCESSING image (raw detector data): not meant for diagnostic display.")
    patient = {k: v for k in PATIENT_FIELDS if (v := _text(ds, k))}
    return fields, patient


def _spacing(ds: Any, key: str) -> list[float] | None:
    try:
        values = [float(x) for x in _multi(ds, key)]
    except (TypeError, ValueError):
        return None
    if len(values) != 2 or not all(np.isfinite(v) and v > 0 for v in values):
        return None
    return values


def _pixel_element_size(head: bytes, remaining: int) -> tuple[str, str, str] | None:
    """(tag, VR, size text) of the element starting with ``head`` (where a ``stop_before_pixels`` read
    stopped, ``remaining`` bytes before the end of the file) if it is Pixel Data, else None."""
    if len(head) < 8:
        return None
    little = head[:2] == b"\xe0\x7f"
    if not (little or head[:2] == b"\x7f\xe0"):
        return None
    order = "little" if little else "big"
    element = int.from_bytes(head[2:4], order)
    if element not in (0x0008, 0x0009, 0x0010):
        return None
    tag = f"(7FE0,{element:04X})"
    vr = head[4:6]
    if vr in (b"OB", b"OW", b"OF", b"OD", b"UN") and len(head) == 12:
        length, vr_text = int.from_bytes(head[8:12], order), vr.decode()
    else:
        length, vr_text = int.from_bytes(head[4:8], order), "OW"
    if length == 0xFFFFFFFF:
        return tag, vr_text, f"encapsulated (compressed), {remaining:,} bytes"
    return tag, vr_text, f"{length:,} bytes"


def _no_pixels_error(ds: Any, path: Path) -> NoPixelDataError:
    return NoPixelDataError(f"{path.name} is a {_sop_name(ds)} and contains no image.",
                            hint="Open the radiograph itself (CR/DX image) rather than a report or state object.")


def _sop_name(ds: Any) -> str:
    uid = ds.get("SOPClassUID") or (ds.file_meta.get("MediaStorageSOPClassUID")
                                     if getattr(ds, "file_meta", None) is not None else None)
    name = getattr(uid, "name", "") if uid else ""
    return f"DICOM {name}" if name and name != str(uid) else "DICOM object"


def _check_size(path: Path, rows: int, cols: int, max_pixels: int) -> None:
    if rows <= 0 or cols <= 0:
        raise CorruptPixelDataError(f"{path.name} declares an image of {rows}×{cols} pixels.",
                                    hint="The header is damaged: fetch the file again.")
    if rows > MAX_SIDE or cols > MAX_SIDE or rows * cols > max_pixels:
        raise ImageTooLargeError(
            f"{path.name} declares {cols}×{rows} pixels ({rows * cols / 1e6:.0f} Mpixel); the limit is "
            f"{max_pixels / 1e6:.0f} Mpixel and {MAX_SIDE:,} pixels a side, so it was not decoded.",
            hint="A chest radiograph is at most a few thousand pixels a side; check the file's origin.")


def _transfer_syntax(ds: Any) -> str:
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts is None:  # raw data set without file meta: pydicom guessed the encoding
        return "1.2.840.10008.1.2" if ds.is_implicit_VR else "1.2.840.10008.1.2.1"
    return str(ts)


def _ts_name(ts: str) -> str:
    from pydicom.uid import UID

    name = UID(ts).name if ts else ""
    return name if name != ts else ""


# --- small DICOM value helpers (never raise) ------------------------------------------------------------
def _text(ds: Any, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - a damaged value reads as absent
        return ""
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return ""
    if isinstance(value, (list, tuple, MutableSequence)):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _multi(ds: Any, keyword: str) -> list[Any]:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001
        return []
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, MutableSequence)):
        return list(value)
    return [value]


def _int(ds: Any, keyword: str, default: int = 0) -> int:
    values = _multi(ds, keyword)
    try:
        return int(values[0]) if values else default
    except (TypeError, ValueError, OverflowError):
        return default


def _float(ds: Any, keyword: str, default: float) -> float:
    values = _multi(ds, keyword)
    try:
        return float(values[0]) if values else default
    except (TypeError, ValueError, OverflowError):
        return default


def _tag_rows(ds: Any, depth: int, rows: list[TagRow], limit: int) -> None:
    indent = "  " * depth
    for elem in ds:
        tag = f"({elem.tag.group:04X},{elem.tag.element:04X})"
        keyword = elem.keyword or elem.name.replace(" ", "") or ("Private tag" if elem.tag.is_private else "Unknown")
        if elem.VR == "SQ":
            items = elem.value or []
            rows.append(TagRow(tag, indent + keyword, "SQ", f"{len(items)} item(s)", depth))
            for i, item in enumerate(items, 1):
                rows.append(TagRow("(FFFE,E000)", indent + f"  Item {i}", "", "", depth + 1))
                _tag_rows(item, depth + 2, rows, limit)
            continue
        rows.append(TagRow(tag, indent + keyword, str(elem.VR), _value_text(elem, limit), depth))


def _value_text(elem: Any, limit: int) -> str:
    try:
        value = elem.value
    except Exception as exc:  # noqa: BLE001
        return f"<unreadable: {_short(exc, 60)}>"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value):,} bytes>"
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MutableSequence)):
        text = "\\".join(str(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- PNG / JPEG -----------------------------------------------------------------------------------------
def _raster_header(data: bytes, kind: str, path: Path) -> tuple[int, int, int, int]:
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


def _load_raster(path: Path, data: bytes, kind: str, *, max_pixels: int) -> XRayImage:
    import cv2

    height, width, bits, _channels = _raster_header(data, kind, path)
    _check_size(path, height, width, max_pixels)
    if kind == "JPEG" and data.rfind(b"\xff\xd9") < 0:
        raise CorruptPixelDataError(f"{path.name} is truncated (the JPEG end marker is missing).",
                                    hint="The copy was interrupted: fetch the file again.")
    arr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.ndim not in (2, 3) or arr.shape[:2] != (height, width):
        raise CorruptPixelDataError(f"The {kind} image data in {path.name} is damaged or truncated.",
                                    hint="Fetch or export the image again.")
    if arr.dtype not in (np.uint8, np.uint16):
        raise UnsupportedFormatError(f"{path.name} has {arr.dtype} samples; RadAssist reads 8- and 16-bit images.",
                                     hint="Export it as an 8- or 16-bit PNG.")
    sha = hashlib.sha256(arr.tobytes()).hexdigest()
    notes: list[str] = []
    if arr.ndim == 3:
        color = arr[..., :3] if arr.shape[2] >= 3 else arr[..., :1]
        if arr.shape[2] in (2, 4):
            notes.append("Alpha channel ignored.")
        if color.shape[2] == 1 or (np.array_equal(color[..., 0], color[..., 1])
                                   and np.array_equal(color[..., 0], color[..., 2])):
            arr = np.ascontiguousarray(color[..., 0])
            if color.shape[2] == 3:
                notes.append("RGB image with identical channels: read as grayscale.")
        else:
            arr = cv2.cvtColor(np.ascontiguousarray(color), cv2.COLOR_BGR2GRAY)
            notes.append("Colour image converted to grayscale (ITU-R BT.601 luma); a chest X-ray should be grayscale.")
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


__all__ = ["MAX_PIXELS", "MAX_SIDE", "HeaderSummary", "ImageError", "TagRow", "check_codecs", "load_image",
           "read_tags", "scan_header"]

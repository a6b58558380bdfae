"""Reading a pydicom ``Dataset`` safely: the file's header, its transfer syntax, and values that never raise.

pydicom raises many exception types on damaged headers and values; here they become one ``ImageError``
(for the header) or an absent value (for one element), so the modules above can stay straight-line.
"""

from __future__ import annotations

import zlib
from collections.abc import MutableSequence
from pathlib import Path
from typing import Any, BinaryIO

from radassist.core.errors import (
    CorruptPixelDataError,
    DecompressionBombError,
    NoPixelDataError,
    RadAssistError,
    UnsupportedFormatError,
)
from radassist.core.image.failures import short
from radassist.core.image.sniff import HINT_FORMATS, MAX_FILE_BYTES

#: Deflated Explicit VR Little Endian: element offsets are in the inflated stream, not the file
DEFLATED = "1.2.840.10008.1.2.1.99"
#: a deflated data set may inflate to a quarter of the file size limit: 256 MiB holds a 100 Mpixel 16-bit image
#: (200 MB, the pixel limit) and its header; checking costs ~0.5 s per 256 MiB, so a bomb is refused in < 1 s
MAX_INFLATED_BYTES = MAX_FILE_BYTES // 4
_LONG_VRS = (b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UR", b"UT", b"UN", b"SV", b"UV")


def read_dataset(fp: BinaryIO, path: Path, kind: str, *, header_only: bool) -> tuple[Any, int]:
    """(data set, offset where reading stopped): with ``header_only`` that is the Pixel Data element."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    if kind == "DICOM":
        check_inflation(fp, path)
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
        raise UnsupportedFormatError(f"{path.name} is not a valid DICOM file ({exc}).", hint=HINT_FORMATS) from exc
    except Exception as exc:
        raise CorruptPixelDataError(f"The DICOM header of {path.name} is damaged and cannot be read "
                                    f"({type(exc).__name__}: {short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc


def _deflated_offset(head: bytes) -> int | None:
    """Where the data set starts when the file meta (explicit VR little endian, after 'DICM') names the
    Deflated transfer syntax; None otherwise."""
    i, ts = 132, b""
    while i + 8 <= len(head) and head[i:i + 2] == b"\x02\x00":
        element, vr = int.from_bytes(head[i + 2:i + 4], "little"), head[i + 4:i + 6]
        if vr in _LONG_VRS:
            length, header = int.from_bytes(head[i + 8:i + 12], "little"), 12
        else:
            length, header = int.from_bytes(head[i + 6:i + 8], "little"), 8
        if element == 0x0010:
            ts = head[i + header:i + header + length]
        i += header + length
    return i if ts.rstrip(b"\x00 ").decode("ascii", "replace") == DEFLATED else None


def check_inflation(fp: BinaryIO, path: Path, limit: int = MAX_INFLATED_BYTES) -> None:
    """Refuse a Deflated Explicit VR data set that inflates beyond ``limit`` bytes, before pydicom inflates it
    in one piece. Streams through ``fp`` with a bounded output per step and keeps nothing; rewinds ``fp``."""
    start = fp.tell()
    offset = _deflated_offset(fp.read(1 << 16))
    if offset is None:
        fp.seek(start)
        return
    fp.seek(start + offset)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        while not inflater.eof and (chunk := fp.read(1 << 20)):
            while chunk:
                total += len(inflater.decompress(chunk, 1 << 24))
                if total > limit:
                    raise DecompressionBombError(
                        f"The deflated data set of {path.name} inflates to more than {limit / 2**20:,.0f} MiB, more "
                        "than any radiograph, so it was not read.", hint="The file is damaged or hostile: fetch it "
                        "again from the PACS and report it if this repeats.")
                chunk = inflater.unconsumed_tail
    except zlib.error as exc:
        raise CorruptPixelDataError(f"The deflated data set of {path.name} is damaged ({exc}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc
    finally:
        fp.seek(start)


def transfer_syntax(ds: Any) -> str:
    """The Transfer Syntax UID; for a raw data set without file meta, the encoding pydicom detected."""
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts is None:
        return "1.2.840.10008.1.2" if ds.is_implicit_VR else "1.2.840.10008.1.2.1"
    return str(ts)


def ts_name(ts: str) -> str:
    """pydicom's name of a transfer syntax UID; empty for an unknown one."""
    from pydicom.uid import UID

    name = UID(ts).name if ts else ""
    return name if name != ts else ""


def sop_name(ds: Any) -> str:
    """'DICOM <SOP class name>' for messages, e.g. 'DICOM Basic Text SR Storage'."""
    uid = ds.get("SOPClassUID") or (ds.file_meta.get("MediaStorageSOPClassUID")
                                     if getattr(ds, "file_meta", None) is not None else None)
    name = getattr(uid, "name", "") if uid else ""
    return f"DICOM {name}" if name and name != str(uid) else "DICOM object"


def no_pixels_error(ds: Any, path: Path) -> NoPixelDataError:
    return NoPixelDataError(f"{path.name} is a {sop_name(ds)} and contains no image.",
                            hint="Open the radiograph itself (CR/DX image) rather than a report or state object.")


# --- element values (never raise: a damaged value reads as absent) -------------------------------------
def text(ds: Any, keyword: str) -> str:
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


def multi(ds: Any, keyword: str) -> list[Any]:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001
        return []
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, MutableSequence)):
        return list(value)
    return [value]


def int_value(ds: Any, keyword: str, default: int = 0) -> int:
    values = multi(ds, keyword)
    try:
        return int(values[0]) if values else default
    except (TypeError, ValueError, OverflowError):
        return default


def float_value(ds: Any, keyword: str, default: float) -> float:
    values = multi(ds, keyword)
    try:
        return float(values[0]) if values else default
    except (TypeError, ValueError, OverflowError):
        return default

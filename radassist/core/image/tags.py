"""Header-only reads: the worklist summary (``scan_header``) and the tag browser rows (``read_tags``).

Neither decodes pixels: DICOM is read with ``stop_before_pixels`` and the Pixel Data element is only
measured; PNG/JPEG sizes come from the first bytes.
"""

from __future__ import annotations

import os
from collections.abc import MutableSequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radassist.core.errors import CorruptPixelDataError, RadAssistError, UnsupportedFormatError
from radassist.core.image.dataset import (
    DEFLATED,
    int_value,
    no_pixels_error,
    read_dataset,
    text,
    transfer_syntax,
)
from radassist.core.image.failures import is_library_failure, short
from radassist.core.image.raster import raster_header
from radassist.core.image.sniff import HEADER_PROBE_BYTES, os_errors, read_file, sniff


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


def scan_header(path: str | os.PathLike[str]) -> HeaderSummary:
    """Header-only summary for worklists: never decodes pixels, reads DICOM with ``stop_before_pixels``.

    Raises ``UnreadableFileError``/``UnsupportedFormatError`` for non-images and ``NoPixelDataError`` for
    DICOM objects without an image (SR, presentation states), so a folder scan can skip them.
    """
    p = Path(os.fsdecode(path))
    prefix, size = read_file(p, 256)
    kind = sniff(prefix, p)
    try:
        if kind in ("PNG", "JPEG"):
            prefix, size = read_file(p, HEADER_PROBE_BYTES)
            try:
                h, w, _bits, _ch = raster_header(prefix, kind, p)
            except CorruptPixelDataError:
                if len(prefix) == size:
                    raise
                h, w, _bits, _ch = raster_header(read_file(p)[0], kind, p)  # JPEG with a huge EXIF block
            return HeaderSummary(path=p, format=kind, rows=h, columns=w)
        ds, pixel = _read_header(p, kind)
        if pixel is None and transfer_syntax(ds) != DEFLATED:  # deflated: offsets are in the inflated stream
            raise no_pixels_error(ds, p)
        return HeaderSummary(
            path=p, format="DICOM", modality=text(ds, "Modality"), body_part=text(ds, "BodyPartExamined"),
            view_position=text(ds, "ViewPosition"), study_date=text(ds, "StudyDate"),
            study_description=text(ds, "StudyDescription"), sop_instance_uid=text(ds, "SOPInstanceUID"),
            study_instance_uid=text(ds, "StudyInstanceUID"), series_instance_uid=text(ds, "SeriesInstanceUID"),
            rows=int_value(ds, "Rows"), columns=int_value(ds, "Columns"),
            frames=max(1, int_value(ds, "NumberOfFrames", 1)),
            photometric=text(ds, "PhotometricInterpretation"), transfer_syntax=transfer_syntax(ds),
            patient={k: v for k in ("PatientName", "PatientID", "PatientSex", "PatientAge")
                     if (v := text(ds, k))},
        )
    except RadAssistError:
        raise
    except BaseException as exc:
        if not is_library_failure(exc):
            raise
        raise CorruptPixelDataError(f"The header of {p.name} is damaged ({type(exc).__name__}: {short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc


def read_tags(path: str | os.PathLike[str], *, max_value_chars: int = 256) -> list[TagRow]:
    """Every element of a DICOM header for the tag browser: file meta, data set, sequences flattened.

    Patient fields are included (the viewer shows them to the clinician). Pixel Data is not read; its row
    shows the size. Raises ``UnsupportedFormatError`` for PNG/JPEG (they have no tags).
    """
    p = Path(os.fsdecode(path))
    prefix, _size = read_file(p, 256)
    kind = sniff(prefix, p)
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
    except Exception as exc:
        raise CorruptPixelDataError(f"The header of {p.name} is damaged ({type(exc).__name__}: {short(exc)}).",
                                    hint="Fetch the file again from the PACS or the sender.") from exc
    return rows


def _read_header(path: Path, kind: str) -> tuple[Any, tuple[str, str, str] | None]:
    """Header-only read from the file (Pixel Data is never loaded) and the Pixel Data element found after it."""
    with os_errors(path), path.open("rb") as fh:
        ds, end = read_dataset(fh, path, kind, header_only=True)
        size = path.stat().st_size
        fh.seek(end)
        pixel = None if transfer_syntax(ds) == DEFLATED else _pixel_element_size(fh.read(12), size - end)
    return ds, pixel


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
        return f"<unreadable: {short(exc, 60)}>"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value):,} bytes>"
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MutableSequence)):
        text_ = "\\".join(str(v) for v in value)
    else:
        text_ = str(value)
    return text_ if len(text_) <= limit else text_[: limit - 1] + "…"

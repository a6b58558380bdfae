"""Corner annotations as DICOM viewers draw them: patient top left, study top right, display state below.

Pure text formatting (Qt only for ``QCoreApplication.translate``, which needs no application), so it is
tested without a window. Patient fields are shown on screen only; they never reach the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:  # numpy (via core.image) loads with the first image, not at start-up
    from radassist.core.image import Window, XRayImage

CORNERS = ("top_left", "top_right", "bottom_left", "bottom_right")
_OPPOSITE = {"L": "R", "R": "L", "A": "P", "P": "A", "H": "F", "F": "H"}


@dataclass(frozen=True)
class ViewState:
    """What the bottom corners describe besides the image."""

    window: Window | None
    zoom: float
    invert: bool = False
    rotation: int = 0
    flip_h: bool = False
    flip_v: bool = False
    #: full-resolution extent (width, height) when a reduced first paint is on screen
    full_size: tuple[int, int] | None = None


def person_name(value: Any) -> str:
    """DICOM PN ``FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX`` -> ``FAMILY, GIVEN MIDDLE``."""
    text = str(value or "").split("=")[0].strip()
    if "^" not in text:
        return text
    parts = [p.strip() for p in text.split("^")]
    family, given = parts[0], " ".join(p for p in parts[1:3] if p)
    return f"{family}, {given}" if family and given else (family or given)


def dicom_date(value: Any) -> str:
    """``YYYYMMDD`` -> ``YYYY-MM-DD``; anything else unchanged."""
    text = str(value or "").strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def dicom_time(value: Any) -> str:
    text = str(value or "").strip().split(".")[0]
    if len(text) >= 4 and text[:4].isdigit():
        return f"{text[:2]}:{text[2:4]}"
    return ""


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.3g}"


def window_text(window: Window | None, invert: bool = False) -> str:
    text = QCoreApplication.translate("annotations", "W: file VOI LUT") if window is None else \
        QCoreApplication.translate("annotations", "W: {width}  L: {level}").format(width=_num(window.width),
                                                                                   level=_num(window.center))
    return text + ("  " + QCoreApplication.translate("annotations", "(inverted)") if invert else "")


def corner_lines(image: XRayImage, state: ViewState) -> dict[str, list[str]]:
    """Lines per corner (empty values are left out, so a bare PNG shows only what it has)."""
    f, p = image.meta.fields, image.meta.patient
    sex_age = " ".join(str(v) for v in (p.get("PatientSex"), p.get("PatientAge")) if v)
    patient_id = QCoreApplication.translate("annotations", "ID: {id}").format(id=p["PatientID"]) \
        if p.get("PatientID") else ""
    top_left = [person_name(p.get("PatientName")), patient_id, sex_age]
    when = " ".join(x for x in (dicom_date(f.get("StudyDate")), dicom_time(f.get("StudyTime"))) if x)
    what = " ".join(str(v) for v in (f.get("Modality"), f.get("BodyPartExamined"), f.get("ViewPosition")) if v)
    top_right = [when, str(f.get("StudyDescription") or ""), what, str(f.get("Manufacturer") or "")]
    h, w = image.shape
    if state.full_size and image.downscale > 1:
        size = f"{state.full_size[0]} × {state.full_size[1]} " + QCoreApplication.translate(
            "annotations", "(preview 1/{factor}, loading…)").format(factor=image.downscale)
    else:
        size = f"{w} × {h}"
    orient = []
    if state.rotation % 360:
        orient.append(QCoreApplication.translate("annotations", "rotated {degrees}°").format(
            degrees=state.rotation % 360))
    if state.flip_h:
        orient.append(QCoreApplication.translate("annotations", "flipped H"))
    if state.flip_v:
        orient.append(QCoreApplication.translate("annotations", "flipped V"))
    zoom = QCoreApplication.translate("annotations", "Zoom: {percent}%").format(percent=f"{state.zoom * 100:.0f}")
    bottom_left = [window_text(state.window, state.invert), zoom, ", ".join(orient)]
    bottom_right = [size, image.source.transfer_syntax_name or image.source.format,
                    image.source.path.name if image.source.path else ""]
    corners = {"top_left": top_left, "top_right": top_right, "bottom_left": bottom_left,
               "bottom_right": bottom_right}
    return {k: [line for line in v if line] for k, v in corners.items()}


def _opposite(code: str) -> str:
    return "".join(_OPPOSITE.get(ch, ch) for ch in code)


def edge_labels(patient_orientation: Any, rotation: int = 0, flip_h: bool = False,
                flip_v: bool = False) -> dict[str, str]:
    """Patient directions at the screen edges (``left``, ``right``, ``top``, ``bottom``), from Patient
    Orientation (0020,0020) ``row\\column`` (e.g. ``L\\F`` for a PA chest), after display rotation/flips.

    A mirrored image then reads as mirrored: the labels move with the pixels. Empty when unknown.
    """
    parts = [p.strip().upper() for p in str(patient_orientation or "").split("\\")]
    if len(parts) != 2 or not all(parts) or not all(ch in _OPPOSITE for p in parts for ch in p):
        return {}
    row, col = parts

    def to_screen(x: int, y: int) -> tuple[int, int]:
        for _ in range((rotation // 90) % 4):  # clockwise on screen (y points down)
            x, y = -y, x
        return (-x if flip_h else x, -y if flip_v else y)

    names = {(1, 0): "right", (-1, 0): "left", (0, 1): "bottom", (0, -1): "top"}
    labels = {}
    for vec, label in (((1, 0), row), ((-1, 0), _opposite(row)), ((0, 1), col), ((0, -1), _opposite(col))):
        labels[names[to_screen(*vec)]] = label
    return labels

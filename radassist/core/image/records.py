"""The records an opened image becomes: ``XRayImage`` and its parts. ``dicom`` and ``raster`` build them.

``pixels`` hold values after the Modality LUT (rescale slope/intercept or LUT sequence), so a window is
always expressed in output units, as DICOM PS3.3 C.11 defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: meta keys that identify the patient: kept apart so audit records, logs and exports can drop them
PATIENT_FIELDS = ("PatientName", "PatientID", "PatientSex", "PatientAge", "PatientBirthDate")


@dataclass(frozen=True)
class Window:
    """A linear VOI window (PS3.3 C.11.2.1.2) in Modality-LUT output units."""

    center: float
    width: float
    explanation: str = ""
    #: LINEAR, LINEAR_EXACT or SIGMOID (VOI LUT Function)
    function: str = "LINEAR"


@dataclass(frozen=True)
class VoiLut:
    """A VOI LUT Sequence item: ``first_mapped`` input value, the table, and its output bit depth."""

    first_mapped: int
    table: np.ndarray
    bits: int
    explanation: str = ""


@dataclass(frozen=True)
class PresentationLut:
    """A Presentation LUT Sequence item (PS3.3 C.11.6): VOI output, scaled to its entries, -> P-values."""

    table: np.ndarray
    bits: int
    explanation: str = ""


@dataclass(frozen=True)
class DisplayInfo:
    """What the display pipeline needs besides the pixels."""

    photometric: str  # MONOCHROME1 or MONOCHROME2 (RGB inputs are converted to MONOCHROME2)
    bits_stored: int
    #: windows from the file, in file order; the first is the default. Empty when the file has none.
    windows: tuple[Window, ...] = ()
    voi_luts: tuple[VoiLut, ...] = ()
    #: the range of ``pixels`` (used for a full-range default window when the file gives none)
    pixel_min: float = 0.0
    pixel_max: float = 1.0
    #: Presentation LUT Shape as the file gives it (PS3.3 C.11.6): "" (absent), "IDENTITY" or "INVERSE"
    presentation_shape: str = ""
    #: Presentation LUT Sequence item, when the file has one (it replaces a shape)
    presentation_lut: PresentationLut | None = None

    @property
    def inverted(self) -> bool:
        """Whether the VOI output is inverted on its way to P-values.

        MONOCHROME1 (C.7.6.3.1.2) or Presentation LUT Shape INVERSE. In an image object INVERSE is how the
        file declares MONOCHROME1's own inversion (General Image module: INVERSE "shall be used if"
        MONOCHROME1, IDENTITY if MONOCHROME2), so the two together invert once, not twice, and IDENTITY
        never undoes MONOCHROME1.
        """
        return self.photometric == "MONOCHROME1" or self.presentation_shape == "INVERSE"


@dataclass(frozen=True)
class Source:
    path: Path
    format: str  # "DICOM", "PNG", "JPEG"
    transfer_syntax: str = ""  # UID for DICOM
    transfer_syntax_name: str = ""
    file_size: int = 0


@dataclass(frozen=True)
class ImageMeta:
    """Named metadata. ``patient`` holds only identifying fields (PATIENT_FIELDS); ``fields`` the rest.

    Spacing is kept apart and labelled: ``PixelSpacing`` (patient plane) versus ``ImagerPixelSpacing``
    (detector plane); only ``patient_spacing_mm`` may be used for areas in cm².
    """

    fields: dict[str, Any] = field(default_factory=dict)
    patient: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def patient_spacing_mm(self) -> tuple[float, float] | None:
        sp = self.fields.get("PixelSpacing")
        return (float(sp[0]), float(sp[1])) if sp else None

    def without_patient(self) -> dict[str, Any]:
        return dict(self.fields)

    @property
    def age_years(self) -> float | None:
        """The patient's age at the study: PatientAge (AS, e.g. ``064Y``, ``018M``), else StudyDate minus
        PatientBirthDate; None when the file says neither (PNG/JPEG never do)."""
        return age_in_years(self.patient.get("PatientAge"), self.patient.get("PatientBirthDate"),
                            self.fields.get("StudyDate"))


_AGE_UNITS = {"D": 1 / 365.25, "W": 7 / 365.25, "M": 1 / 12, "Y": 1.0}


def age_in_years(age: Any, birth_date: Any = None, study_date: Any = None) -> float | None:
    """DICOM Age String (``nnnD|W|M|Y``; a bare number is read as years) or the two dates (YYYYMMDD)."""
    text = str(age or "").strip().upper()
    if text:
        unit = text[-1] if text[-1] in _AGE_UNITS else "Y"
        number = text[:-1] if text[-1] in _AGE_UNITS else text
        try:
            value = float(number) * _AGE_UNITS[unit]
        except ValueError:
            value = -1.0
        if 0 <= value < 150:
            return value
    from datetime import datetime

    try:
        born = datetime.strptime(str(birth_date or "").strip()[:8], "%Y%m%d")
        seen = datetime.strptime(str(study_date or "").strip()[:8], "%Y%m%d")
    except ValueError:
        return None
    years = (seen - born).days / 365.25
    return years if 0 <= years < 150 else None


@dataclass(frozen=True, eq=False)
class XRayImage:
    """One decoded 2-D image: the single thing every part of RadAssist passes around."""

    pixels: np.ndarray  # 2-D, float32 (or uint16 when the Modality LUT is the identity)
    display: DisplayInfo
    meta: ImageMeta
    pixel_sha256: str  # SHA-256 of the decoded stored pixels: the image's identity everywhere
    source: Source
    #: 1 for full resolution; 2, 4, ... for a reduced-resolution first paint (JPEG 2000 levels)
    downscale: int = 1
    #: True where the file's Pixel Padding Value marks non-image pixels (shown black, left out of the
    #: automatic window); None when the file declares no padding or no pixel has it
    padding: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.pixels.shape[0]), int(self.pixels.shape[1]))

    @property
    def sop_instance_uid(self) -> str:
        return str(self.meta.fields.get("SOPInstanceUID", ""))

    @property
    def study_instance_uid(self) -> str:
        return str(self.meta.fields.get("StudyInstanceUID", ""))

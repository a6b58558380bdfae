"""Opening an image: file -> ``XRayImage`` (pixels, display inputs, metadata, pixel SHA-256).

Laid out as pydicom lays out ``pixels/``: ``records`` (the immutable records), ``sniff`` (suffixes, size
limits, what a file is), ``read`` (``load_image``), ``dicom`` and ``raster`` (one per format), ``lut``
(Modality/VOI/Presentation LUT inputs, next to ``core.display``), ``tags`` (header-only reads for the
worklist and the tag browser), ``dataset`` (safe pydicom access) and ``codecs/`` (one module per backend).
"""

from radassist.core.image.codecs.plugins import check_codecs
from radassist.core.image.read import load_image
from radassist.core.image.records import (
    PATIENT_FIELDS,
    DisplayInfo,
    ImageMeta,
    PresentationLut,
    Source,
    VoiLut,
    Window,
    XRayImage,
    age_in_years,
)
from radassist.core.image.sniff import (
    DICOM_SUFFIXES,
    IMAGE_SUFFIXES,
    MAX_FILE_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    RASTER_SUFFIXES,
)
from radassist.core.image.tags import HeaderSummary, TagRow, read_tags, scan_header

__all__ = [
    "DICOM_SUFFIXES", "IMAGE_SUFFIXES", "MAX_FILE_BYTES", "MAX_PIXELS", "MAX_SIDE", "PATIENT_FIELDS",
    "RASTER_SUFFIXES", "DisplayInfo", "HeaderSummary", "ImageMeta", "PresentationLut", "Source", "TagRow",
    "VoiLut", "Window", "XRayImage", "age_in_years", "check_codecs", "load_image", "read_tags", "scan_header",
]

"""Opening an image: file -> ``XRayImage`` (pixels, display inputs, metadata, pixel SHA-256).

``records`` holds the immutable records; ``read`` turns a DICOM, PNG or JPEG file into one, with size
limits checked before anything is decoded; ``codecs/`` holds one module per decoder backend.
"""

from radassist.core.image.read import (
    MAX_FILE_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    HeaderSummary,
    TagRow,
    check_codecs,
    load_image,
    read_tags,
    scan_header,
)
from radassist.core.image.records import (
    PATIENT_FIELDS,
    DisplayInfo,
    ImageMeta,
    Source,
    VoiLut,
    Window,
    XRayImage,
    age_in_years,
)

__all__ = [
    "MAX_FILE_BYTES", "MAX_PIXELS", "MAX_SIDE", "PATIENT_FIELDS", "DisplayInfo", "HeaderSummary", "ImageMeta",
    "Source", "TagRow", "VoiLut", "Window", "XRayImage", "age_in_years", "check_codecs", "load_image",
    "read_tags", "scan_header",
]

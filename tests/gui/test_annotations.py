"""Corner annotations: what a radiologist expects to read in each corner."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from radassist.core.image import DisplayInfo, ImageMeta, Source, Window, XRayImage
from radassist.gui.annotations import (
    ViewState,
    corner_lines,
    dicom_date,
    edge_labels,
    person_name,
    window_text,
)


def _image(**fields) -> XRayImage:
    meta = ImageMeta(fields={"StudyDate": "20250102", "StudyTime": "093000.12", "StudyDescription": "CHEST PA",
                             "Modality": "CR", "ViewPosition": "PA", **fields},
                     patient={"PatientName": "DOE^JANE", "PatientID": "P1", "PatientSex": "F",
                              "PatientAge": "054Y"})
    return XRayImage(np.zeros((20, 30), np.uint16), DisplayInfo("MONOCHROME2", 12), meta, "0" * 64,
                     Source(Path("/x/chest.dcm"), "DICOM", "1.2", "Explicit VR Little Endian"))


def test_person_names_and_dates_read_as_people_write_them():
    assert person_name("DOE^JANE^M") == "DOE, JANE M"
    assert person_name("Anonymous") == "Anonymous"
    assert person_name(None) == ""
    assert dicom_date("20250102") == "2025-01-02"
    assert dicom_date("2025") == "2025"


def test_patient_top_left_study_top_right_display_state_at_the_bottom():
    lines = corner_lines(_image(), ViewState(window=Window(1500, 3000), zoom=0.5, invert=True, rotation=90))
    assert lines["top_left"] == ["DOE, JANE", "ID: P1", "F 054Y"]
    assert lines["top_right"][:3] == ["2025-01-02 09:30", "CHEST PA", "CR PA"]
    assert lines["bottom_left"][0] == "W: 3000  L: 1500  (inverted)"
    assert "Zoom: 50%" in lines["bottom_left"]
    assert "rotated 90°" in lines["bottom_left"]
    assert lines["bottom_right"][0] == "30 × 20"


def test_missing_fields_leave_no_empty_lines():
    img = XRayImage(np.zeros((4, 4), np.uint8), DisplayInfo("MONOCHROME2", 8), ImageMeta(), "0" * 64,
                    Source(Path("a.png"), "PNG"))
    lines = corner_lines(img, ViewState(window=None, zoom=1.0))
    assert lines["top_left"] == [] and lines["top_right"] == []
    assert window_text(None) == "W: file VOI LUT"
    assert lines["bottom_right"] == ["4 × 4", "PNG", "a.png"]


def test_edge_labels_follow_patient_orientation_and_display_changes():
    pa = "L\\F"  # PA chest: rows run to the patient's left, columns to the feet
    assert edge_labels(pa) == {"right": "L", "left": "R", "bottom": "F", "top": "H"}
    assert edge_labels(pa, flip_h=True) == {"right": "R", "left": "L", "bottom": "F", "top": "H"}
    assert edge_labels(pa, rotation=90) == {"bottom": "L", "top": "R", "left": "F", "right": "H"}
    assert edge_labels(pa, rotation=180) == edge_labels(pa, flip_h=True, flip_v=True)
    assert edge_labels("AL\\F")["left"] == "PR"
    assert edge_labels("") == {} and edge_labels(None) == {} and edge_labels("X\\Y") == {}

"""core.image.lut: windows, VOI LUTs, the Modality LUT and the Presentation LUT as the file gives them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest

from radassist.core import image as io
from tests.fixtures import dicom_factory as f


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _pydicom_pixels(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


def test_all_windows_offered_in_file_order_with_explanations(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "w.dcm", photometric="MONOCHROME1",
                                        windows=[(2000, 4000, "SOFT"), (1000, 500, "BONE")]))
    assert [(w.center, w.width, w.explanation) for w in image.display.windows] == [
        (2000, 4000, "SOFT"), (1000, 500, "BONE")]
    assert image.display.photometric == "MONOCHROME1" and image.display.inverted


def test_invalid_window_is_dropped_with_a_note(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "w.dcm", windows=[(100, 0), (2000, 3000)]))
    assert [(w.center, w.width) for w in image.display.windows] == [(2000, 3000)]
    assert any("invalid" in n for n in image.meta.notes)


def test_voi_lut_function_is_carried(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "s.dcm", windows=[(2000, 4000)], voi_lut_function="SIGMOID"))
    assert image.display.windows[0].function == "SIGMOID"


def test_rescale_slope_intercept_is_applied_in_float32(tmp_path):
    path = f.write_dicom(tmp_path / "r.dcm", rescale=(0.5, -100))
    image = io.load_image(path)
    stored = _pydicom_pixels(path)
    assert image.pixels.dtype == np.float32
    np.testing.assert_array_equal(image.pixels, stored.astype(np.float32) * 0.5 - 100)
    assert image.display.pixel_min == pytest.approx(stored.min() * 0.5 - 100)
    assert image.pixel_sha256 == _sha(stored)  # identity = stored pixels, not the rescaled ones


def test_integer_intercept_keeps_integer_pixels(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "ct.dcm", rescale=(1, -1024)))
    assert image.pixels.dtype == np.int16
    assert image.display.pixel_min == -1024


def test_modality_lut_sequence_is_applied(tmp_path):
    table = list(range(0, 4096 * 16, 16))
    path = f.write_dicom(tmp_path / "m.dcm", signed=True, modality_lut=(-2048, table, 16))
    image = io.load_image(path)
    stored = _pydicom_pixels(path).astype(np.int64)
    np.testing.assert_array_equal(image.pixels, np.asarray(table)[np.clip(stored + 2048, 0, 4095)])
    assert "Modality LUT Sequence applied." in image.meta.notes


def test_voi_lut_sequence_is_parsed(tmp_path):
    table = [min(65535, v * 20) for v in range(4096)]
    image = io.load_image(f.write_dicom(tmp_path / "v.dcm", voi_lut=(0, table, 16)))
    (lut,) = image.display.voi_luts
    assert lut.first_mapped == 0 and lut.bits == 16 and len(lut.table) == 4096
    np.testing.assert_array_equal(lut.table, np.asarray(table, dtype=np.float32))
    assert image.display.windows == ()


# --- LUT Data byte order: from the encoding pydicom read the file with ---------------------------------
@pytest.mark.parametrize("big_endian", [False, True], ids=["little", "big"])
def test_ow_lut_data_is_read_in_the_files_byte_order(tmp_path, big_endian):
    """OW LUT Data stays raw bytes in pydicom: a big-endian file needs '>u2' (pydicom's original_encoding)."""
    voi = [min(65535, v * 20) for v in range(4096)]
    modality = list(range(0, 4096 * 16, 16))
    voi_image = io.load_image(f.write_dicom(tmp_path / "voi.dcm", big_endian=big_endian, lut_vr="OW",
                                            voi_lut=(0, voi, 16)))
    np.testing.assert_array_equal(voi_image.display.voi_luts[0].table, np.asarray(voi, dtype=np.float32))
    path = f.write_dicom(tmp_path / "mod.dcm", big_endian=big_endian, lut_vr="OW", modality_lut=(0, modality, 16))
    ds = pydicom.dcmread(path)
    assert ds.original_encoding[1] is (not big_endian)
    from pydicom.pixels import apply_modality_lut

    np.testing.assert_array_equal(io.load_image(path).pixels, apply_modality_lut(ds.pixel_array, ds))


# --- Presentation LUT (PS3.3 C.11.6) --------------------------------------------------------------------
@pytest.mark.parametrize(("photometric", "shape", "note"), [
    ("MONOCHROME2", "IDENTITY", None),
    ("MONOCHROME1", "INVERSE", None),  # how an image IOD says MONOCHROME1: nothing to remark on
    ("MONOCHROME2", "INVERSE", "inverted display"),
    ("MONOCHROME1", "IDENTITY", "contradicts MONOCHROME1"),
])
def test_presentation_lut_shape_is_recorded(tmp_path, photometric, shape, note):
    image = io.load_image(f.write_dicom(tmp_path / "p.dcm", photometric=photometric, presentation_lut_shape=shape))
    assert image.display.presentation_shape == shape and image.display.presentation_lut is None
    assert image.meta.fields["PresentationLUTShape"] == shape
    assert image.display.inverted is (photometric == "MONOCHROME1" or shape == "INVERSE")
    notes = [n for n in image.meta.notes if "Presentation LUT" in n]
    assert (note is None and not notes) or (len(notes) == 1 and note in notes[0])


def test_files_without_presentation_lut_record_nothing(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "p.dcm", photometric="MONOCHROME1"))
    assert image.display.presentation_shape == "" and image.display.presentation_lut is None
    assert image.display.inverted and "PresentationLUTShape" not in image.meta.fields


def test_printer_only_shape_is_ignored_with_a_note(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "p.dcm", presentation_lut_shape="LIN OD"))
    assert image.display.presentation_shape == "" and not image.display.inverted
    assert any("LIN OD" in n and "ignored" in n for n in image.meta.notes)


@pytest.mark.parametrize("lut_vr", ["US", "OW"])
def test_presentation_lut_sequence_is_parsed(tmp_path, lut_vr):
    table = [round(4095 * (i / 255) ** 0.5) for i in range(256)]
    image = io.load_image(f.write_dicom(tmp_path / "p.dcm", lut_vr=lut_vr, presentation_lut=(table, 12)))
    lut = image.display.presentation_lut
    assert lut is not None and lut.bits == 12 and lut.explanation == "test Presentation LUT"
    np.testing.assert_array_equal(lut.table, np.asarray(table, dtype=np.float32))
    assert "Presentation LUT Sequence applied." in image.meta.notes


def test_damaged_presentation_lut_sequence_is_ignored_with_a_note(tmp_path):
    path = f.write_dicom(tmp_path / "p.dcm", presentation_lut=([0, 100, 200], 8))
    ds = pydicom.dcmread(path)
    ds.PresentationLUTSequence[0].LUTDescriptor = [3, 7, 8]  # first mapped value must be 0
    ds.save_as(path)
    image = io.load_image(path)
    assert image.display.presentation_lut is None
    assert any("Presentation LUT" in n and "damaged" in n for n in image.meta.notes)

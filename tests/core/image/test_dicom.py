"""core.image.dicom (through load_image): every DICOM input becomes an XRayImage or one specific ImageError.

Generated fixtures cover every branch in a fresh clone; pydicom's bundled test files and the shared
chest X-ray set (skipped when absent) check real files and the README's pixel hashes.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest

from radassist.core import errors
from radassist.core import image as io
from radassist.core.image import PATIENT_FIELDS
from tests.conftest import shared_path
from tests.fixtures import dicom_factory as f

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _pydicom_pixels(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


# --- DICOM basics ---------------------------------------------------------------------------------------
def test_uncompressed_dicom_gives_stored_pixels_metadata_and_hash(tmp_path):
    path = f.write_dicom(tmp_path / "cr.dcm", imager_pixel_spacing=(0.15, 0.15), ViewPosition="AP")
    image = io.load_image(path)
    expected = _pydicom_pixels(path)
    assert image.pixels.dtype == np.uint16 and np.array_equal(image.pixels, expected)
    assert image.pixel_sha256 == _sha(expected)
    assert image.downscale == 1 and image.shape == (64, 48)
    fields = image.meta.fields
    assert fields["Modality"] == "CR" and fields["BodyPartExamined"] == "CHEST" and fields["ViewPosition"] == "AP"
    assert fields["StudyDate"] == "20240102" and fields["StudyDescription"] == "CHEST PA"
    ds = pydicom.dcmread(path)
    for uid in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
        assert fields[uid] == str(getattr(ds, uid))
    assert image.sop_instance_uid == str(ds.SOPInstanceUID)
    assert fields["Manufacturer"] == "RadAssist test factory"
    assert (fields["Rows"], fields["Columns"], fields["BitsStored"]) == (64, 48, 12)
    assert fields["PhotometricInterpretation"] == "MONOCHROME2"
    assert fields["TransferSyntaxUID"] == "1.2.840.10008.1.2.1"
    assert image.source.format == "DICOM" and image.source.transfer_syntax_name == "Explicit VR Little Endian"
    assert image.source.file_size == path.stat().st_size


def test_patient_fields_only_in_meta_patient(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "p.dcm"))
    assert image.meta.patient == {"PatientName": "Test^Patient", "PatientID": "RA-0001", "PatientSex": "F",
                                  "PatientAge": "054Y", "PatientBirthDate": "19700101"}
    assert not set(PATIENT_FIELDS) & set(image.meta.fields)
    assert "RA-0001" not in repr(image.meta.without_patient())


def test_pixel_spacing_and_imager_spacing_are_kept_apart(tmp_path):
    both = io.load_image(f.write_dicom(tmp_path / "both.dcm", pixel_spacing=(0.2, 0.25),
                                       imager_pixel_spacing=(0.14, 0.14)))
    assert both.meta.fields["PixelSpacing"] == [0.2, 0.25]
    assert both.meta.fields["ImagerPixelSpacing"] == [0.14, 0.14]
    assert both.meta.patient_spacing_mm == (0.2, 0.25)
    detector_only = io.load_image(f.write_dicom(tmp_path / "det.dcm", pixel_spacing=None,
                                                imager_pixel_spacing=(0.14, 0.14)))
    assert detector_only.meta.patient_spacing_mm is None  # never silently used as patient-plane spacing
    zero = io.load_image(f.write_dicom(tmp_path / "zero.dcm", pixel_spacing=(0.0, 0.0)))
    assert "PixelSpacing" not in zero.meta.fields and zero.meta.patient_spacing_mm is None
    assert any("PixelSpacing" in n and "not usable" in n for n in zero.meta.notes)


def test_bits_above_bits_stored_are_masked_but_hash_is_of_stored_data(tmp_path):
    clean = io.load_image(f.write_dicom(tmp_path / "clean.dcm"))
    dirty_path = f.write_dicom(tmp_path / "dirty.dcm", high_bits_garbage=True)
    dirty = io.load_image(dirty_path)
    np.testing.assert_array_equal(dirty.pixels, clean.pixels)
    assert dirty.pixels.max() < 4096
    assert dirty.pixel_sha256 == _sha(_pydicom_pixels(dirty_path))


def test_signed_pixels(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "s.dcm", signed=True))
    assert image.pixels.dtype == np.int16 and image.pixels.min() < 0


@pytest.mark.parametrize("writer", [
    pytest.param(lambda p: f.write_dicom(p, implicit=True), id="implicit-vr"),
    pytest.param(f.write_rle, id="rle"),
    pytest.param(f.write_no_preamble, id="no-preamble"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg"), id="jpeg-lossless"),
    pytest.param(lambda p: f.write_imagecodecs(p, "jpegls"), id="jpeg-ls"),
    pytest.param(lambda p: f.write_imagecodecs(p, "ljpeg", bits_allocated=8, bits_stored=8), id="jpeg-lossless-8"),
])
def test_other_encodings_decode_to_the_same_pixels(tmp_path, writer):
    reference = io.load_image(f.write_dicom(tmp_path / "ref.dcm"))
    path = writer(tmp_path / "x.dcm")
    image = io.load_image(path)
    if pydicom.dcmread(path, force=True).BitsAllocated == 8:
        reference = io.load_image(f.write_dicom(tmp_path / "ref8.dcm", bits_allocated=8, bits_stored=8))
    np.testing.assert_array_equal(image.pixels, reference.pixels)
    assert image.pixel_sha256 == reference.pixel_sha256


# --- errors ---------------------------------------------------------------------------------------------
ERROR_CASES = [
    ("sr", f.write_sr, errors.NoPixelDataError, "no image"),
    ("multiframe", f.write_multiframe, errors.MultiFrameError, "3 frames"),
    ("rgb", f.write_rgb, errors.UnsupportedPhotometricError, "RGB"),
    ("palette", f.write_palette, errors.UnsupportedPhotometricError, "PALETTE"),
    ("truncated", f.write_truncated, errors.CorruptPixelDataError, "truncated"),
    ("huge", f.write_huge_header, errors.ImageTooLargeError, "60000×60000"),
]


@pytest.mark.parametrize(("name", "writer", "error", "words"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_bad_dicom_raises_a_specific_readable_error(tmp_path, name, writer, error, words):
    path = writer(tmp_path / f"{name}.dcm")
    with pytest.raises(error) as info:
        io.load_image(path)
    assert words in str(info.value) and path.name in str(info.value)
    assert info.value.hint  # says what to do


def test_corrupt_compressed_pixel_data(tmp_path):
    path = f.write_rle(tmp_path / "rle.dcm")
    data = bytearray(path.read_bytes())
    data[-200:] = b"\x81" * 200  # RLE run codes that overrun the segment
    path.write_bytes(bytes(data[: len(data) - 50]))
    with pytest.raises(errors.CorruptPixelDataError):
        io.load_image(path)


def test_damaged_header_after_dicm_marker(tmp_path):
    path = tmp_path / "bad.dcm"
    path.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f" + os.urandom(64))
    with pytest.raises(errors.ImageError):
        io.load_image(path)


# --- PNG / JPEG -----------------------------------------------------------------------------------------
# --- scan_header, read_tags, check_codecs ---------------------------------------------------------------
def test_for_processing_images_carry_a_note(tmp_path):
    image = io.load_image(f.write_dicom(tmp_path / "raw.dcm", PresentationIntentType="FOR PROCESSING"))
    assert any("FOR PROCESSING" in n for n in image.meta.notes)


# --- pydicom's own test files ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                  "MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_small_expb.dcm"])
def test_pydicom_lossless_variants_equal_the_uncompressed_original(name):
    reference = io.load_image(PYDICOM_FILES / "MR_small.dcm")
    image = io.load_image(PYDICOM_FILES / name)
    np.testing.assert_array_equal(image.pixels, reference.pixels)
    assert image.pixels.dtype.isnative


@pytest.mark.parametrize("name", ["JPEG2000.dcm", "J2K_pixelrep_mismatch.dcm", "693_J2KI.dcm", "JPGExtended.dcm",
                                  "CT_small.dcm", "image_dfl.dcm", "examples_overlay.dcm", "JPEGLSNearLossless_08.dcm",
                                  "JPEGLSNearLossless_16.dcm", "MR_small_jpeg_ls_lossless.dcm"])
def test_pydicom_files_hash_like_pixel_array(name):
    path = PYDICOM_FILES / name
    assert io.load_image(path).pixel_sha256 == _sha(_pydicom_pixels(path))


@pytest.mark.parametrize(("name", "error"), [
    ("MR_truncated.dcm", errors.CorruptPixelDataError), ("examples_palette.dcm", errors.UnsupportedPhotometricError),
    ("SC_rgb_jpeg.dcm", errors.UnsupportedPhotometricError), ("rtdose.dcm", errors.MultiFrameError),
    ("reportsi.dcm", errors.NoPixelDataError), ("badVR.dcm", errors.ImageError),
])
def test_pydicom_bad_inputs(name, error):
    with pytest.raises(error):
        io.load_image(PYDICOM_FILES / name)


# --- the shared chest X-ray set -------------------------------------------------------------------------
def _readme_hashes(folder: Path) -> dict[str, str]:
    out = {}
    for line in (folder / "README.md").read_text().splitlines():
        m = re.match(r"\| `([^`]+\.dcm)` \|", line)
        h = re.search(r"`([0-9a-f]{64})`", line)
        if m and h:
            out[m.group(1)] = h.group(1)
    return out


def test_shared_files_decode_to_the_readme_pixel_hashes():
    folder = shared_path("data", "dicom_cr_chest")
    hashes = _readme_hashes(folder)
    assert len(hashes) >= 17
    for name, expected in sorted(hashes.items()):
        if name == "edge_multiframe_MR.dcm":
            with pytest.raises(errors.MultiFrameError):
                io.load_image(folder / name)
            continue
        assert io.load_image(folder / name).pixel_sha256 == expected, name
    with pytest.raises(errors.NoPixelDataError):
        io.load_image(folder / "edge_no_pixels_SR.dcm")


def test_shared_rg1_lossless_variants_are_identical():
    folder = shared_path("data", "dicom_cr_chest")
    reference = io.load_image(folder / "RG1_UNCR.dcm")
    for name in ("RG1_J2KR.dcm", "RG1_RLE.dcm", "RG1_JPLL.dcm", "RG1_JLSL.dcm"):
        image = io.load_image(folder / name)
        np.testing.assert_array_equal(image.pixels, reference.pixels, err_msg=name)
        assert image.display == reference.display


def test_shared_rg1_metadata():
    image = io.load_image(shared_path("data", "dicom_cr_chest", "RG1_UNCR.dcm"))
    f_ = image.meta.fields
    assert (f_["Modality"], f_["BodyPartExamined"], f_["ViewPosition"]) == ("CR", "CHEST", "PA")
    assert f_["Manufacturer"] == "Philips Medical Systems" and f_["BitsStored"] == 15
    assert image.meta.patient["PatientName"] == "CompressedSamples^RG1"
    assert image.meta.patient_spacing_mm is None  # 0.000\0.000 in the file
    assert [(w.center, w.width) for w in image.display.windows] == [(15000, 30000)]


def test_shared_edge_files():
    folder = shared_path("data", "dicom_cr_chest")
    mr = io.load_image(folder / "edge_multi_window_overlay_MR.dcm")
    assert [(w.center, w.width, w.explanation) for w in mr.display.windows] == [
        (450, 790, "WINDOW1"), (200, 443, "WINDOW2")]
    ct = io.load_image(folder / "edge_CT_slice.dcm")
    assert ct.pixels.dtype == np.int16 and ct.display.pixel_min == 128 - 1024
    voi = io.load_image(folder / "edge_VOI_LUT_sequence.dcm")
    assert len(voi.display.voi_luts) == 1 and voi.display.voi_luts[0].bits == 16
    mlut = io.load_image(folder / "edge_modality_LUT_sequence.dcm")
    ds = pydicom.dcmread(folder / "edge_modality_LUT_sequence.dcm")
    from pydicom.pixels import apply_modality_lut

    np.testing.assert_array_equal(mlut.pixels, apply_modality_lut(ds.pixel_array, ds))
    tags = io.read_tags(folder / "edge_multi_window_overlay_MR.dcm")
    assert any(r.tag == "(0088,0200)" and r.vr == "SQ" for r in tags)  # icon image sequence, flattened
    assert any(r.tag == "(0010,0020)" for r in tags)



"""core.io: every input becomes an XRayImage or one specific, readable ImageError.

Generated fixtures cover every branch in a fresh clone; pydicom's bundled test files and the shared
chest X-ray set (skipped when absent) check real files and the README's pixel hashes.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import numpy as np
import pydicom
import pytest

from radassist.core import errors
from radassist.core.display import render_uint8
from radassist.core.image import PATIENT_FIELDS
from radassist.core.image import read as io
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


def test_jpeg2000_lossless_matches_pydicom_and_reduced_first_paint(tmp_path):
    path = f.write_j2k(tmp_path / "j2k.dcm")
    full = io.load_image(path)
    assert np.array_equal(full.pixels, _pydicom_pixels(path)) and full.downscale == 1
    assert full.pixel_sha256 == _sha(_pydicom_pixels(path))
    preview = io.load_image(path, reduced=4)
    assert preview.downscale == 4 and preview.shape == (64, 48)
    assert preview.pixel_sha256 == ""  # identity needs the full pixels
    assert preview.meta.fields["Rows"] == 256  # the file's size stays known for the viewer
    assert any("preview" in n.lower() for n in preview.meta.notes)
    # a low-resolution level of a smooth ramp is close to the subsampled full image
    sub = full.pixels[1::4, 1::4].astype(float)
    assert np.abs(preview.pixels.astype(float) - sub).mean() < 0.05 * 4095
    half = io.load_image(path, reduced=2)
    assert half.downscale == 2 and half.shape == (128, 96)


def test_jpeg2000_lossy_decodes_like_pydicom(tmp_path):
    path = f.write_j2k(tmp_path / "j2ki.dcm", lossless=False)
    assert np.array_equal(io.load_image(path).pixels, _pydicom_pixels(path))


def test_reduced_request_on_other_syntaxes_returns_full_resolution(tmp_path):
    image = io.load_image(f.write_rle(tmp_path / "rle.dcm"), reduced=4)
    assert image.downscale == 1 and image.shape == (64, 48) and image.pixel_sha256


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


def test_huge_image_is_refused_before_decoding(tmp_path):
    path = f.write_huge_header(tmp_path / "bomb.dcm", rows=20_000, cols=20_000)  # 400 Mpixel, 64 bytes of data
    t0 = time.perf_counter()
    with pytest.raises(errors.ImageTooLargeError):
        io.load_image(path)
    assert time.perf_counter() - t0 < 5
    with pytest.raises(errors.ImageTooLargeError):
        io.load_image(f.write_huge_header(tmp_path / "side.dcm", rows=31_000, cols=10))
    with pytest.raises(errors.ImageTooLargeError):
        io.load_image(f.write_dicom(tmp_path / "small.dcm"), max_pixels=1000)


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


@pytest.mark.parametrize(("content", "error", "words"), [
    (b"", errors.UnreadableFileError, "empty"),
    (b"hello, this is a text file\n" * 10, errors.UnsupportedFormatError, "not a DICOM, PNG or JPEG"),
    (b"II*\x00" + b"\0" * 200, errors.UnsupportedFormatError, "TIFF"),
    (b"%PDF-1.7" + b"\0" * 200, errors.UnsupportedFormatError, "PDF"),
], ids=["empty", "text", "tiff", "pdf"])
def test_non_images(tmp_path, content, error, words):
    path = tmp_path / "thing.dcm"
    path.write_bytes(content)
    with pytest.raises(error, match=words):
        io.load_image(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(errors.UnreadableFileError, match="does not exist"):
        io.load_image(tmp_path / "nope.dcm")
    with pytest.raises(errors.UnreadableFileError, match="is a folder") as info:
        io.load_image(tmp_path)
    assert "Open Folder" in info.value.hint


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = f.write_dicom(tmp_path / "locked.dcm")
    path.chmod(0)
    with pytest.raises(errors.UnreadableFileError, match="permission"):
        io.load_image(path)


# --- PNG / JPEG -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [8, 16])
def test_gray_png(tmp_path, bits):
    arr = f.gradient(40, 30, bits)
    image = io.load_image(f.write_png(tmp_path / "g.png", arr))
    np.testing.assert_array_equal(image.pixels, arr)
    assert image.source.format == "PNG" and image.display.bits_stored == bits
    assert image.display.photometric == "MONOCHROME2" and image.meta.notes == () and image.meta.patient == {}
    assert image.pixel_sha256 == _sha(arr)


def test_8bit_raster_default_is_the_image_as_stored(tmp_path):
    arr = f.gradient(40, 30, 8)
    image = io.load_image(f.write_png(tmp_path / "g.png", arr))
    np.testing.assert_array_equal(render_uint8(image), arr)


@pytest.mark.parametrize("bits", [8, 16])
def test_rgb_png_becomes_gray_with_a_note(tmp_path, bits):
    rgb = f.rgb_gradient(40, 30, bits)
    image = io.load_image(f.write_png(tmp_path / "c.png", rgb))
    assert image.pixels.ndim == 2 and image.pixels.dtype == rgb.dtype
    luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    assert np.abs(image.pixels - luma).max() <= 1.0
    assert any("converted to grayscale" in n for n in image.meta.notes)


def test_rgb_with_identical_channels_is_read_as_gray(tmp_path):
    gray = f.gradient(40, 30, 8)
    image = io.load_image(f.write_png(tmp_path / "c.png", np.stack([gray] * 3, axis=-1)))
    np.testing.assert_array_equal(image.pixels, gray)
    assert any("identical channels" in n for n in image.meta.notes)


def test_jpeg_gray_and_rgb(tmp_path):
    gray = io.load_image(f.write_jpeg(tmp_path / "g.jpg", f.gradient(40, 30, 8), quality=100))
    assert gray.source.format == "JPEG" and gray.pixels.dtype == np.uint8
    assert np.abs(gray.pixels.astype(int) - f.gradient(40, 30, 8)).max() <= 4
    rgb = io.load_image(f.write_jpeg(tmp_path / "c.jpg", f.rgb_gradient(40, 30, 8)))
    assert rgb.pixels.ndim == 2 and any("grayscale" in n for n in rgb.meta.notes)


def test_truncated_raster_files(tmp_path):
    png = f.write_png(tmp_path / "t.png", f.gradient(200, 200, 16))
    png.write_bytes(png.read_bytes()[:400])
    with pytest.raises(errors.CorruptPixelDataError):
        io.load_image(png)
    jpg = f.write_jpeg(tmp_path / "t.jpg", f.gradient(200, 200, 8))
    jpg.write_bytes(jpg.read_bytes()[:600])
    with pytest.raises(errors.CorruptPixelDataError, match="truncated"):
        io.load_image(jpg)


def test_raster_dimensions_are_checked_from_the_header(tmp_path):
    png = f.write_png(tmp_path / "big.png", f.gradient(8, 8, 8))
    data = bytearray(png.read_bytes())
    data[16:24] = (40_000).to_bytes(4, "big") + (40_000).to_bytes(4, "big")  # IHDR width, height
    png.write_bytes(bytes(data))
    with pytest.raises(errors.ImageTooLargeError, match="40000×40000"):
        io.load_image(png)
    assert io.scan_header(png).rows == 40_000  # the header scan reports it without decoding


# --- scan_header, read_tags, check_codecs ---------------------------------------------------------------
def test_scan_header_summarises_without_decoding(tmp_path):
    path = f.write_huge_header(tmp_path / "bomb.dcm")  # decoding would be refused; the header is fine
    h = io.scan_header(path)
    assert (h.rows, h.columns, h.format, h.modality, h.view_position) == (60_000, 60_000, "DICOM", "CR", "PA")
    assert h.patient_name == "Test^Patient" and h.patient_id == "RA-0001"
    assert "RA-0001" not in (h.study_instance_uid + h.sop_instance_uid + h.study_description)
    assert h.transfer_syntax == "1.2.840.10008.1.2.1" and h.photometric == "MONOCHROME2"
    assert io.scan_header(f.write_png(tmp_path / "x.png", f.gradient(20, 10, 8))).columns == 10
    rle = io.scan_header(f.write_rle(tmp_path / "rle.dcm"))
    assert rle.transfer_syntax == "1.2.840.10008.1.2.5" and rle.frames == 1


def test_scan_header_skips_non_images(tmp_path):
    with pytest.raises(errors.NoPixelDataError):
        io.scan_header(f.write_sr(tmp_path / "sr.dcm"))
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(errors.UnsupportedFormatError):
        io.scan_header(tmp_path / "notes.txt")
    with pytest.raises(errors.UnreadableFileError):
        io.scan_header(tmp_path)


def test_read_tags_lists_header_with_patient_fields_sequences_and_pixel_size(tmp_path):
    rows = io.read_tags(f.write_dicom(tmp_path / "t.dcm", voi_lut=(0, list(range(256)), 8)))
    by_tag = {r.tag: r for r in rows}
    assert by_tag["(0010,0020)"].keyword == "PatientID" and by_tag["(0010,0020)"].value_text == "RA-0001"
    assert by_tag["(0010,0020)"].vr == "LO"
    assert by_tag["(0002,0010)"].value_text == "1.2.840.10008.1.2.1"  # file meta included
    seq = by_tag["(0028,3010)"]
    assert seq.vr == "SQ" and seq.value_text == "1 item(s)"
    nested = [r for r in rows if r.depth == 2]
    assert any(r.keyword.strip() == "LUTDescriptor" and r.keyword.startswith("    ") for r in nested)
    assert by_tag["(7FE0,0010)"].value_text == f"{64 * 48 * 2:,} bytes"
    with pytest.raises(errors.UnsupportedFormatError):
        io.read_tags(f.write_png(tmp_path / "x.png", f.gradient(4, 4, 8)))


def test_check_codecs_reports_nothing_when_plugins_load():
    assert io.check_codecs() == []


def test_check_codecs_names_the_pip_package_of_a_plugin_that_fails_to_load(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openjpeg", None)  # makes "import openjpeg" raise ImportError
    problems = io.check_codecs()
    assert len(problems) == 1 and "JPEG 2000" in problems[0]
    assert "pip install pylibjpeg-openjpeg" in problems[0]


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


def test_shared_j2k_first_paint_is_reduced():
    path = shared_path("data", "dicom_cr_chest", "RG1_J2KR.dcm")
    preview = io.load_image(path, reduced=4)
    assert preview.downscale == 4 and preview.shape == (489, 461)


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


def test_scan_header_finds_the_jpeg_size_behind_large_metadata(tmp_path):
    jpg = f.write_jpeg(tmp_path / "exif.jpg", f.gradient(30, 20, 8))
    data = jpg.read_bytes()
    app = b"\xff\xe1" + (60_000).to_bytes(2, "big") + b"\0" * 59_998  # two 60 kB APP1 segments
    jpg.write_bytes(data[:2] + app + app + data[2:])
    h = io.scan_header(jpg)
    assert (h.rows, h.columns, h.format) == (30, 20, "JPEG")
    assert io.load_image(jpg).shape == (30, 20)

"""core.image.tags: header-only reads for the worklist (scan_header) and the tag browser (read_tags)."""

from __future__ import annotations

import pytest

from radassist.core import errors
from radassist.core import image as io
from tests.fixtures import dicom_factory as f


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


def test_scan_header_finds_the_jpeg_size_behind_large_metadata(tmp_path):
    jpg = f.write_jpeg(tmp_path / "exif.jpg", f.gradient(30, 20, 8))
    data = jpg.read_bytes()
    app = b"\xff\xe1" + (60_000).to_bytes(2, "big") + b"\0" * 59_998  # two 60 kB APP1 segments
    jpg.write_bytes(data[:2] + app + app + data[2:])
    h = io.scan_header(jpg)
    assert (h.rows, h.columns, h.format) == (30, 20, "JPEG")
    assert io.load_image(jpg).shape == (30, 20)

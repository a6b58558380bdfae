"""core.image.sniff: what a file is, and refusing folders, empty, unreadable and oversized files early."""

from __future__ import annotations

import os
import time

import pytest

from radassist.core import errors
from radassist.core import image as io
from tests.fixtures import dicom_factory as f


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


def test_image_suffixes_are_one_shared_definition():
    from radassist.core.image import sniff

    assert io.IMAGE_SUFFIXES is sniff.IMAGE_SUFFIXES
    assert set(io.IMAGE_SUFFIXES) == set(io.DICOM_SUFFIXES) | set(io.RASTER_SUFFIXES)
    assert ".dcm" in io.DICOM_SUFFIXES and ".png" in io.IMAGE_SUFFIXES and ".jpeg" in io.IMAGE_SUFFIXES
    assert all(s == s.lower() and s.startswith(".") for s in io.IMAGE_SUFFIXES)
    assert "scan.DCM".lower().endswith(io.DICOM_SUFFIXES)  # a tuple, so str.endswith takes it


@pytest.mark.parametrize(("head", "kind"), [
    (b"\0" * 128 + b"DICM" + b"\0" * 8, "DICOM"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "PNG"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 8, "JPEG"), (b"\x08\x00\x05\x00CS\x0a\x00", "DICOM-raw"),
])
def test_sniff_tells_the_format_from_the_first_bytes(tmp_path, head, kind):
    from radassist.core.image.sniff import sniff

    assert sniff(head, tmp_path / "x") == kind

"""Damaged pixel data is never shown as valid (issue 20, part 2), and refusals say what is wrong.

Real files of every compressed transfer syntax in the shared chest set are damaged in tmp_path (a 2 %
and a 33 % chunk cut from the middle of the codestream with the end marker kept, a zeroed 2 % run, a cut
at half with and without the end marker); each copy must raise ``DamagedPixelDataError``, never return
an image. The undamaged originals open to the README's pixel hashes (``test_dicom``).

Known gap: JPEG 2000 has no check values on code-block data, so a zeroed run inside the codestream (the
markers intact) decodes "fine" with OpenJPEG, which reports nothing; that case is an expected failure here.
"""

from __future__ import annotations

import logging

import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_frames

from radassist.core import errors
from radassist.core import image as io
from radassist.core.image.failures import path_digest
from tests.conftest import shared_path
from tests.fixtures import dicom_factory as f

SYNTAXES = ("SIIM_CXR_MONOCHROME2", "RG1_JPEG8", "RG1_JPEG12", "RG1_JPLL", "RG1_JLSL", "RG1_J2KR", "RG1_J2KI",
            "RG1_J2KI_OPJ", "RG1_RLE")
DAMAGE = ("cut 2%", "cut 33%", "zeroed 2%", "truncated", "truncated, end kept")


def damaged(frame: bytes, how: str) -> bytes:
    n, mid = len(frame), len(frame) // 2
    if how.startswith("cut"):
        k = n * int(how[4:-1]) // 100
        return frame[:mid - k // 2] + frame[mid + k - k // 2:]
    if how == "zeroed 2%":
        k = n * 2 // 100
        return frame[:mid] + bytes(k) + frame[mid + k:]
    end = frame.rstrip(b"\x00")[-2:]
    return frame[:mid] + (end if how.endswith("kept") else b"")


def _write_damaged(tmp_path, name: str, how: str):
    source = shared_path("data", "dicom_cr_chest", f"{name}.dcm")
    ds = pydicom.dcmread(source)
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    bad = damaged(frame, how)
    ds.PixelData = encapsulate([bad + b"\x00" * (len(bad) % 2)])
    path = tmp_path / f"{name}_{how.replace(' ', '_').replace('%', '').replace(',', '')}.dcm"
    ds.save_as(path)
    return path


_UNDETECTABLE = {("RG1_J2KR", "zeroed 2%"), ("RG1_J2KI", "zeroed 2%"), ("RG1_J2KI_OPJ", "zeroed 2%")}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("name", SYNTAXES)
def test_damaged_compressed_frames_are_refused(tmp_path, name, how):
    if (name, how) in _UNDETECTABLE:
        pytest.xfail("JPEG 2000 code-block data carries no check values: OpenJPEG decodes a zeroed run silently")
    path = _write_damaged(tmp_path, name, how)
    with pytest.raises(errors.DamagedPixelDataError) as info:
        io.load_image(path)
    assert path.name in str(info.value) and info.value.hint


def test_jpeg2000_zeroed_run_is_a_known_gap(tmp_path):
    """Documents the gap above so a change in OpenJPEG's behaviour is noticed: the copy opens, and it differs."""
    reference = io.load_image(shared_path("data", "dicom_cr_chest", "RG1_J2KR.dcm"))
    image = io.load_image(_write_damaged(tmp_path, "RG1_J2KR", "zeroed 2%"))
    assert image.pixel_sha256 != reference.pixel_sha256


def test_uncompressed_pixel_data_shorter_than_declared_is_refused(tmp_path):
    source = shared_path("data", "dicom_cr_chest", "SIIM_CXR_MONOCHROME2_IMPLE.dcm")
    data = source.read_bytes()
    path = tmp_path / "short.dcm"
    path.write_bytes(data[: len(data) - 4096])
    with pytest.raises(errors.DamagedPixelDataError, match="truncated"):
        io.load_image(path)
    short = f.write_truncated(tmp_path / "gen.dcm", keep=0.9)
    with pytest.raises(errors.DamagedPixelDataError, match="truncated"):
        io.load_image(short)


@pytest.mark.parametrize("double", [False, True], ids=["float", "double-float"])
def test_float_parametric_maps_are_refused_as_unsupported_not_damaged(tmp_path, double):
    path = f.write_float_map(tmp_path / "map.dcm", double=double)
    with pytest.raises(errors.UnsupportedPixelDataError) as info:
        io.load_image(path)
    message = str(info.value)
    assert ("Double Float Pixel Data" if double else "Float Pixel Data") in message
    assert "Parametric Map" in message and "damaged" not in message and "fetch" not in message.lower()


def test_a_decode_failure_logs_a_hash_of_the_path_not_the_file_name(tmp_path, caplog):
    folder = tmp_path / "Doe^Jane"
    folder.mkdir()
    path = folder / "Doe^Jane_19700101.dcm"
    path.write_bytes(_write_damaged(tmp_path, "SIIM_CXR_MONOCHROME2", "cut 2%").read_bytes())
    caplog.set_level(logging.DEBUG, logger="radassist")
    with pytest.raises(errors.DamagedPixelDataError):
        io.load_image(path)
    assert path_digest(path) in caplog.text
    assert "Doe" not in caplog.text and "Jane" not in caplog.text

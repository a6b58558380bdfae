"""core.image.codecs.openjpeg: reduced JPEG 2000 resolution levels for a fast first paint."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom

from radassist.core import image as io
from tests.conftest import shared_path
from tests.fixtures import dicom_factory as f


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


def _pydicom_pixels(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


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


def test_reduced_request_on_other_syntaxes_returns_full_resolution(tmp_path):
    image = io.load_image(f.write_rle(tmp_path / "rle.dcm"), reduced=4)
    assert image.downscale == 1 and image.shape == (64, 48) and image.pixel_sha256


def test_shared_j2k_first_paint_is_reduced():
    path = shared_path("data", "dicom_cr_chest", "RG1_J2KR.dcm")
    preview = io.load_image(path, reduced=4)
    assert preview.downscale == 4 and preview.shape == (489, 461)

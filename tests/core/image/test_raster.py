"""core.image.raster: PNG and JPEG files become MONOCHROME2 images; colour is converted with a note."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from radassist.core import errors
from radassist.core import image as io
from radassist.core.display import render_uint8
from tests.fixtures import dicom_factory as f


def _sha(arr: np.ndarray) -> str:
    return hashlib.sha256(arr.tobytes()).hexdigest()


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
